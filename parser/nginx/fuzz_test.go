package nginx

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/parser"
)

// FuzzLoad writes the input as nginx.conf under a fresh root (next to a
// few files it may include) and loads it: Load must not panic, and must
// return either a config whose ranges are sound or an ErrorList whose
// entries all name a file, never the root. A Load with a Cache shared by
// the runs must return the same, twice (the second time from the Cache).
func FuzzLoad(f *testing.F) {
	for _, seed := range []string{
		debian["/etc/nginx/nginx.conf"],
		debian["/etc/nginx/sites-available/shop"],
		debian["/etc/nginx/sites-available/blog"],
		debian["/etc/nginx/mime.types"],
		"events {}\n\ninclude /etc/nginx/x.conf;\n",
		"include a.conf;\n",
		"events {}\ninclude nginx.conf;\n",
		"events {}\ninclude *;\n",
		"include;\n",
		"events {\n}\n}\n",
		"http {\n  server { listen 80 }\n}\n",
		"http {\n  server {\n    listen 80;\n",
		"worker_processes 1",
		"worker_processes 1;;\n",
		"events {}\nfoo\x00bar;\n",
		"http { server { if () { } } }\n",
		"{ x { } } y;\n",
		"a;\"",
		"# top\nlog_format main '$remote_addr \"$request\"' # fmt\n  ;\nset $a \"x;y{z}\"; add_header X-A ${a}b;\n",
		"http { map $a $b { default 0; include snippets/m.conf; } }\n",
		"server_name é\u00a0ü;\nreturn 200 \"a\\\"b\";\nadd_header X \\{;\n# c \\\nd;\r\n",
		"s ${a b} {}\n",
	} {
		f.Add([]byte(seed))
	}
	// One root per worker process: only nginx.conf changes between runs.
	root := f.TempDir()
	etc := filepath.Join(root, "etc/nginx")
	for p, content := range map[string]string{
		"a.conf":           "include b.conf;\n",
		"b.conf":           "include a.conf;\n",
		"snippets/m.conf":  "~^/x 1;\n",
		"snippets/ok.conf": "index index.html;\n",
		"conf.d/main.conf": "include /etc/nginx/snippets/ok.conf;\n",
	} {
		host := filepath.Join(etc, p)
		if err := os.MkdirAll(filepath.Dir(host), 0o755); err != nil {
			f.Fatal(err)
		}
		if err := os.WriteFile(host, []byte(content), 0o644); err != nil {
			f.Fatal(err)
		}
	}
	cache := &Cache{}
	f.Fuzz(func(t *testing.T, src []byte) {
		if err := os.WriteFile(filepath.Join(etc, "nginx.conf"), src, 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := Load("/etc/nginx/nginx.conf", Options{Root: root})
		for range 2 {
			cc, cerr := Load("/etc/nginx/nginx.conf", Options{Root: root, Cache: cache})
			if !reflect.DeepEqual(cc, c) || !reflect.DeepEqual(cerr, err) {
				t.Fatalf("a cached load differs: %v, want %v", cerr, err)
			}
		}
		if err != nil {
			if c != nil {
				t.Fatal("config returned with an error")
			}
			var list parser.ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error %T %v is not a non-empty ErrorList", err, err)
			}
			for _, e := range list {
				if e.File == "" || e.Msg == "" {
					t.Fatalf("error without file or message: %q", e.Error())
				}
				if strings.Contains(e.Error(), root) {
					t.Fatalf("error names the root: %s", e)
				}
			}
			return
		}
		if c.Main != "/etc/nginx/nginx.conf" || len(c.Files) == 0 {
			t.Fatalf("config main %q, %d files", c.Main, len(c.Files))
		}
		checkTree(t, c, c.Dirs, nil)
		// The port of crossplane's lexer must agree with it on every file
		// crossplane accepts.
		var walk func([]*Directive)
		walk = func(list []*Directive) {
			for _, d := range list {
				if d.Range.Start.Offset < 0 {
					t.Fatalf("%s: %s has no offsets", d.Range, d.Name)
				}
				walk(d.Block)
			}
		}
		walk(c.Dirs)
	})
}
