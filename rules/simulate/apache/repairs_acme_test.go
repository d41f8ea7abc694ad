package apache

import (
	"testing"

	conf "github.com/unforbid/unforbid/parser/apache"
)

// TestClientConds checks which RewriteCond lines make a RewriteRule [F]
// a deny meant for some clients (intended) rather than one refusing every
// client (judged as an overmatch).
func TestClientConds(t *testing.T) {
	for _, tc := range []struct {
		conds string
		want  bool
	}{
		{"", false},
		{"RewriteCond %{SCRIPT_FILENAME} -d [OR]\nRewriteCond %{SCRIPT_FILENAME} -f\n", false},
		{"RewriteCond %{REQUEST_URI} ^/cond\n", false},
		{"RewriteCond %{request_filename} -f\n", false},
		{"RewriteCond %{HTTP_REFERER} !^$\n", true},
		{"RewriteCond %{REQUEST_FILENAME} -f\nRewriteCond %{REMOTE_ADDR} !^10\\.\n", true},
		{"RewriteCond %{QUERY_STRING} debug\n", true},
	} {
		f, err := conf.Parse("/x.conf", []byte(tc.conds))
		if err != nil {
			t.Fatal(err)
		}
		if got := clientConds(f.Directives); got != tc.want {
			t.Errorf("%q: clientConds = %v, want %v", tc.conds, got, tc.want)
		}
	}
}
