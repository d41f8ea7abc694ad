package rules

import "testing"

func TestPlural(t *testing.T) {
	for _, tc := range []struct {
		n    int
		what string
		want string
	}{
		{0, "file", "0 files"},
		{1, "file", "1 file"},
		{2, "directory", "2 directories"},
		{1, "directory", "1 directory"},
		{3, "request error", "3 request errors"},
		{2, "fix", "2 fixes"},
		{2, "match", "2 matches"},
	} {
		if got := Plural(tc.n, tc.what); got != tc.want {
			t.Errorf("Plural(%d, %q) = %q, want %q", tc.n, tc.what, got, tc.want)
		}
	}
}
