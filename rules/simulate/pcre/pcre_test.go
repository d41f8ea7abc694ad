package pcre

import (
	"regexp"
	"slices"
	"testing"
)

// TestMatch checks both engines on the expressions real configs use.
func TestMatch(t *testing.T) {
	tests := []struct {
		expr      string
		fold      bool
		in        string
		want      []string // nil: no match
		backtrack bool
	}{
		{`\.php$`, false, "index.php", []string{".php"}, false},
		{`\.PHP$`, true, "index.php", []string{".php"}, false},
		{`^\.(?!well-known)`, false, ".env", []string{"."}, true},
		{`^\.(?!well-known)`, false, ".well-known", nil, true},
		{`^(?:\.(?!well-known)|occ)`, false, "occ", []string{"occ"}, true},
		{`^(a)(b)?\1`, false, "aa", []string{"aa", "a", ""}, true},
		{`(?!X)`, true, "x", []string{""}, true},
	}
	for _, tt := range tests {
		re, err := Compile(tt.expr, tt.fold)
		if err != nil {
			t.Fatalf("%s: %v", tt.expr, err)
		}
		if re.Backtracking() != tt.backtrack {
			t.Errorf("%s: Backtracking() = %v", tt.expr, re.Backtracking())
		}
		got, err := re.Match(tt.in)
		if err != nil {
			t.Fatalf("%s on %q: %v", tt.expr, tt.in, err)
		}
		if len(got) != len(tt.want) || (got == nil) != (tt.want == nil) {
			t.Errorf("%s on %q: %q, want %q", tt.expr, tt.in, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%s on %q: %q, want %q", tt.expr, tt.in, got, tt.want)
			}
		}
		if re.MatchString(tt.in) != (tt.want != nil) {
			t.Errorf("%s on %q: MatchString disagrees", tt.expr, tt.in)
		}
	}
	if _, err := Compile(`(?<`, false); err == nil {
		t.Error("(?< compiled")
	}
}

// TestLiteral checks that the expressions answered as plain strings are
// the ones meant, and that they answer as Go's regexp does.
func TestLiteral(t *testing.T) {
	exprs := map[string]bool{ // expression: answered as a literal
		`/\.`: true, `\.php$`: true, `^/static/`: true, `\Q/a.b\E`: true, `/é`: true,
		`(?s)/\.`:  true,
		`\.PHP$`:   true, // case-sensitive: a literal all the same
		`(?i)\.p$`: false, `\.(php|phar)$`: false, `(\.php)$`: false, `^/a$`: false,
		`(?m)\.php$`: false, `.php`: false, ``: false, `\.php$|x`: false, `^`: false,
	}
	subjects := []string{"", "/", "/.", "/.env", "/a/.git/config", "/index.php", "/index.php/", "/index.PHP",
		"/static/a.css", "/x/static/", "/a.b", "/a.b\n", "/index.php\n", "x", "/é"}
	for expr, want := range exprs {
		r, err := Compile(expr, false)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.lit != nil; got != want {
			t.Errorf("%q: answered as a literal %v, want %v", expr, got, want)
		}
		re := regexp.MustCompile(expr)
		for _, s := range subjects {
			got, err := r.Match(s)
			if want := re.FindStringSubmatch(s); err != nil || !slices.Equal(got, want) || (got == nil) != (want == nil) {
				t.Errorf("%q on %q: %q, %v; regexp says %q", expr, s, got, err, want)
			}
		}
	}
}
