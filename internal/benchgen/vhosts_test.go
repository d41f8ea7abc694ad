package benchgen

import (
	"os"
	"testing"

	"github.com/unforbid/unforbid/parser/nginx"
)

// TestNginxVhosts loads generated trees: every site is a server block of
// NginxDirectives directives, with its docroot.
func TestNginxVhosts(t *testing.T) {
	for _, n := range []int{0, 1, 3} {
		root := t.TempDir()
		if err := NginxVhosts(root, n); err != nil {
			t.Fatal(err)
		}
		c, err := nginx.Load("/etc/nginx/nginx.conf", nginx.Options{Root: root})
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		if got := len(c.Files); got != n+1 {
			t.Errorf("n=%d: %d files, want %d", n, got, n+1)
		}
		var http *nginx.Directive
		for _, d := range c.Dirs {
			if d.Name == "http" {
				http = d
			}
		}
		servers, dirs := 0, 0
		var count func([]*nginx.Directive)
		count = func(ds []*nginx.Directive) {
			for _, d := range ds {
				dirs++
				count(d.Block)
			}
		}
		for _, d := range http.Block {
			if d.Name == "server" {
				servers++
				count([]*nginx.Directive{d})
			}
		}
		if servers != n || dirs != n*NginxDirectives {
			t.Errorf("n=%d: %d servers, %d directives; want %d, %d", n, servers, dirs, n, n*NginxDirectives)
		}
		if n > 0 {
			if _, err := os.Stat(root + "/srv/sites/site00000/public/index.html"); err != nil {
				t.Error(err)
			}
		}
	}
}
