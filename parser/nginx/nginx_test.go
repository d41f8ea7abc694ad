package nginx

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/unforbid/unforbid/parser"
	"github.com/unforbid/unforbid/parser/fsmeta"
)

// tree is a config tree to lay out under a temporary root: file contents by
// server path; a value starting with "->" makes a symlink to the rest, and
// "<dir>" makes a directory.
type tree map[string]string

func (tr tree) write(t testing.TB) string {
	t.Helper()
	root := t.TempDir()
	for p, content := range tr {
		host := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(host), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		switch {
		case strings.HasPrefix(content, "->"):
			err = os.Symlink(strings.TrimSpace(content[2:]), host)
		case content == "<dir>":
			err = os.MkdirAll(host, 0o755)
		default:
			err = os.WriteFile(host, []byte(content), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// debian is a Debian-style layout: sites-enabled holds symlinks (absolute
// and relative) into sites-available, a snippet is included by two servers,
// and a hidden editor file that nginx's glob(3) skips holds garbage.
var debian = tree{
	"/etc/nginx/nginx.conf": `user www-data;
worker_processes auto;
events {
	worker_connections 768;
}
http {
	include /etc/nginx/mime.types;
	default_type application/octet-stream;
	include /etc/nginx/conf.d/*.conf;
	include /etc/nginx/sites-enabled/*;
	include /etc/nginx/nothing/*.conf;
}
`,
	"/etc/nginx/mime.types":       "types {\n    text/html html htm;\n    image/png png;\n}\n",
	"/etc/nginx/conf.d/gzip.conf": "gzip on; # compress\n",
	"/etc/nginx/sites-available/shop": `server {
	listen 80;
	server_name shop.example.com;
	root "/srv/shop";
	more_set_headers "X: y";
	include snippets/common.conf;
	location / {
		try_files $uri $uri/ =404;
	}
}
`,
	"/etc/nginx/sites-available/blog":    "server {\r\n\tlisten 8080;\r\n\tinclude /etc/nginx/snippets/common.conf;\r\n\tif ($request_method = POST) { return 405; }\r\n}\r\n",
	"/etc/nginx/sites-enabled/shop":      "-> /etc/nginx/sites-available/shop",
	"/etc/nginx/sites-enabled/blog":      "-> ../sites-available/blog",
	"/etc/nginx/sites-enabled/.shop.swp": "\x00\x01garbage{{{",
	"/etc/nginx/snippets/common.conf":    "index index.html;\nlocation ~ /\\.ht { deny all; }\n",
}

func find(list []*Directive, name string, n int) *Directive {
	for _, d := range list {
		if d.Name == name {
			if n == 0 {
				return d
			}
			n--
		}
	}
	return nil
}

func text(t *testing.T, c *Config, d *Directive) string {
	t.Helper()
	f := c.File(d.Range.File)
	if f == nil {
		t.Fatalf("no file %q", d.Range.File)
	}
	if d.Range.Start.Offset < 0 {
		t.Fatalf("%s: %s has no offsets", d.Range, d.Name)
	}
	return string(f.Src[d.Range.Start.Offset:d.Range.End.Offset])
}

func TestLoadDebian(t *testing.T) {
	root := debian.write(t)
	c, err := Load("/etc/nginx/nginx.conf", Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, f := range c.Files {
		files = append(files, f.Path)
	}
	wantFiles := "/etc/nginx/nginx.conf /etc/nginx/mime.types /etc/nginx/conf.d/gzip.conf " +
		"/etc/nginx/sites-enabled/blog /etc/nginx/snippets/common.conf /etc/nginx/sites-enabled/shop"
	if got := strings.Join(files, " "); got != wantFiles {
		t.Errorf("files:\n got %s\nwant %s", got, wantFiles)
	}
	checkTree(t, c, c.Dirs, nil)

	http := find(c.Dirs, "http", 0)
	var names []string
	for _, d := range http.Block {
		names = append(names, d.Name)
	}
	if got, want := strings.Join(names, " "), "include types default_type include gzip # include server server include"; got != want {
		t.Errorf("http block:\n got %s\nwant %s", got, want)
	}
	incMime, types := http.Block[0], http.Block[1]
	if types.Via != incMime || types.Range.File != "/etc/nginx/mime.types" || types.Block[0].Via != nil {
		t.Errorf("types: Via %v, file %s", types.Via, types.Range.File)
	}
	if got := http.Block[5]; got.Comment != " compress" || got.Via != http.Block[3] || text(t, c, got) != "# compress" {
		t.Errorf("comment %q via %v text %q", got.Comment, got.Via, text(t, c, got))
	}
	incSites := http.Block[6]
	blog, shop := http.Block[7], http.Block[8]
	if blog.Via != incSites || shop.Via != incSites {
		t.Error("servers not brought in by the sites-enabled include")
	}
	if blog.Range.File != "/etc/nginx/sites-enabled/blog" || shop.Range.File != "/etc/nginx/sites-enabled/shop" {
		t.Errorf("server files %s, %s", blog.Range.File, shop.Range.File)
	}

	// The snippet is spliced in both servers, each copy pointing at its own include.
	for _, srv := range []*Directive{blog, shop} {
		inc := find(srv.Block, "include", 0)
		idx := find(srv.Block, "index", 0)
		loc := find(srv.Block, "location", 0)
		if inc == nil || idx == nil || idx.Via != inc || loc.Via != inc || loc.Range.File != "/etc/nginx/snippets/common.conf" {
			t.Fatalf("%s: snippet not spliced", srv.Range)
		}
		if got := text(t, c, loc); got != `location ~ /\.ht { deny all; }` {
			t.Errorf("snippet location text %q", got)
		}
		if loc.Args[1] != `/\.ht` {
			t.Errorf("location args %q", loc.Args)
		}
	}
	if find(blog.Block, "index", 0) == find(shop.Block, "index", 0) {
		t.Error("snippet copies share nodes")
	}

	for _, tc := range []struct {
		d    *Directive
		want string
		line int
	}{
		{find(shop.Block, "root", 0), `root "/srv/shop";`, 4},
		{find(shop.Block, "more_set_headers", 0), `more_set_headers "X: y";`, 5},
		{find(shop.Block, "location", 1), "location / {\n\t\ttry_files $uri $uri/ =404;\n\t}", 7},
		{shop, "server {\n\tlisten 80;", 1},
		{find(blog.Block, "if", 0), "if ($request_method = POST) { return 405; }", 4},
		{find(blog.Block, "listen", 0), "listen 8080;", 2},
		{find(c.Dirs, "events", 0), "events {\n\tworker_connections 768;\n}", 3},
	} {
		got := text(t, c, tc.d)
		if !strings.HasPrefix(got, tc.want) || tc.d.Range.Start.Line != tc.line {
			t.Errorf("%s: text %q line %d, want %q line %d", tc.d.Name, got, tc.d.Range.Start.Line, tc.want, tc.line)
		}
	}
	if got := find(shop.Block, "more_set_headers", 0).Args; len(got) != 1 || got[0] != "X: y" {
		t.Errorf("third-party directive args %q", got)
	}
	if ifd := find(blog.Block, "if", 0); strings.Join(ifd.Args, "|") != "$request_method|=|POST" {
		t.Errorf("if args %q", ifd.Args)
	}
	if got := shop.Range.End; got.Line != 10 {
		t.Errorf("server end line %d", got.Line)
	}
}

// checkTree verifies invariants of every loaded tree: Via only at the top
// level of included files, ranges inside their file, and the text at a
// range starting with the directive and ending with its terminator.
func checkTree(t testing.TB, c *Config, list []*Directive, parent *Directive) {
	t.Helper()
	for _, d := range list {
		if d.Range.File == "" {
			t.Fatalf("%s: no file", d.Name)
		}
		if parent != nil && d.Range.File == parent.Range.File && d.Via != nil {
			t.Errorf("%s: nested directive with Via", d.Range)
		}
		if d.Via != nil && d.Via.Name != "include" {
			t.Errorf("%s: Via is %s", d.Range, d.Via.Name)
		}
		f := c.File(d.Range.File)
		if f == nil {
			t.Fatalf("%s: file not in Config", d.Range)
		}
		s, e := d.Range.Start.Offset, d.Range.End.Offset
		if s < 0 || e < 0 {
			if s != -1 || e != -1 {
				t.Errorf("%s: half-known offsets %d %d", d.Range, s, e)
			}
		} else {
			if s >= e || e > len(f.Src) {
				t.Fatalf("%s: bad offsets %d %d (len %d)", d.Range, s, e, len(f.Src))
			}
			txt := string(f.Src[s:e])
			switch {
			case d.Name == "#":
				// crossplane drops CRs, keeps a backslash only before a
				// character, and reads invalid UTF-8 as U+FFFD.
				if utf8.ValidString(txt) && strings.ReplaceAll(txt, "\r", "") != "#"+d.Comment && !strings.Contains(txt, "\\") {
					t.Errorf("%s: comment text %q vs %q", d.Range, txt, d.Comment)
				}
			case !strings.HasSuffix(txt, ";") && !strings.HasSuffix(txt, "}"):
				t.Errorf("%s: text %q does not end a statement", d.Range, txt)
			}
			if d.Range.Start.Line != 1+strings.Count(string(f.Src[:s]), "\n") {
				t.Errorf("%s: start line does not match offset %d", d.Range, s)
			}
		}
		if d.Block != nil {
			checkTree(t, c, d.Block, d)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	const main = "/etc/nginx/nginx.conf"
	for _, tc := range []struct {
		name  string
		files tree
		max   int64
		want  string
	}{
		{"missing main", tree{"/etc/nginx/other.conf": "events {}\n"},
			0, main + ": open: no such file or directory"},
		{"main is a directory", tree{main: "<dir>"},
			0, main + ": read: is a directory"},
		{"missing include", tree{main: "events {}\n\ninclude /etc/nginx/x.conf;\n"},
			0, main + `:3: include "/etc/nginx/x.conf": no such file or directory`},
		{"missing relative include", tree{main: "http {\n  include snippets/x.conf;\n}\n"},
			0, main + `:2: include "/etc/nginx/snippets/x.conf": no such file or directory`},
		{"dangling symlink in glob", tree{main: "http { include sites-enabled/*; }\n", "/etc/nginx/sites-enabled/old": "-> /etc/nginx/sites-available/old"},
			0, main + `:1: include "/etc/nginx/sites-enabled/old": no such file or directory`},
		{"directory in glob", tree{main: "http { include conf.d/*; }\n", "/etc/nginx/conf.d/sub": "<dir>", "/etc/nginx/conf.d/a.conf": "gzip on;"},
			0, main + `:1: include "/etc/nginx/conf.d/sub": is a directory`},
		{"cycle", tree{main: "include a.conf;\n", "/etc/nginx/a.conf": "# a\ninclude b.conf;\n", "/etc/nginx/b.conf": "include a.conf;\n"},
			0, "/etc/nginx/b.conf:1: include cycle: /etc/nginx/a.conf -> /etc/nginx/b.conf -> /etc/nginx/a.conf"},
		{"self include", tree{main: "events {}\ninclude nginx.conf;\n"},
			0, main + ":2: include cycle: " + main + " -> " + main},
		{"self include by glob", tree{main: "events {}\ninclude *.conf;\n"},
			0, main + ":2: include cycle: " + main + " -> " + main},
		{"include without argument", tree{main: "include;\n"},
			0, main + `:1: invalid number of arguments in "include" directive`},
		{"unexpected }", tree{main: "events {\n}\n}\n"},
			0, main + `:3: unexpected "}"`},
		{"missing ; before }", tree{main: "http {\n  server { listen 80 }\n}\n"},
			0, main + `:2: unexpected "}"`},
		{"unterminated block", tree{main: "http {\n  server {\n    listen 80;\n"},
			0, main + `:4: unexpected end of file, expecting "}"`},
		{"missing ; at end", tree{main: "worker_processes 1"},
			0, main + `:1: unexpected end of file, expecting ";" or "}"`},
		{"double ;", tree{main: "worker_processes 1;;\n"},
			0, main + `:1: unexpected ";"`},
		{"NUL byte", tree{main: "events {}\nfoo\x00bar;\n"},
			0, main + ":2: binary data (NUL byte)"},
		{"NUL byte in include", tree{main: "events {}\ninclude x.conf;\n", "/etc/nginx/x.conf": "\n\n\x00"},
			0, "/etc/nginx/x.conf:3: binary data (NUL byte)"},
		{"too large", tree{main: "worker_processes 1;\n"},
			10, main + ": too large (20 bytes, limit 10)"},
		{"too large include", tree{main: "include x.conf;\n", "/etc/nginx/x.conf": "worker_processes 1;\n"},
			16, "/etc/nginx/x.conf: too large (20 bytes, limit 16)"},
		{"crossplane panic", tree{main: "http { server { foo { if () { } } } }\n"},
			0, main + ": internal parser error: runtime error: slice bounds out of range [1:0]"},
		{"crossplane panic after a refused directive", tree{main: "http { server { if () { } } }\n"},
			0, main + ": internal parser error: runtime error: slice bounds out of range [1:0]\n" +
				main + `:1: directive "if"'s is not enclosed in parentheses`},
		// Meaning errors: what nginx -t refuses, in nginx's words.
		{"rewrite with one argument", tree{main: "events {}\nhttp {\n  server {\n    rewrite ^/old;\n  }\n}\n"},
			0, main + `:4: invalid number of arguments in "rewrite" directive`},
		{"ssl_ciphers with two arguments", tree{main: "events {}\nhttp {\n  server {\n    ssl_ciphers HIGH !aNULL;\n  }\n}\n"},
			0, main + `:4: invalid number of arguments in "ssl_ciphers" directive`},
		{"proxy_pass at server level", tree{main: "events {}\nhttp {\n  server {\n    proxy_pass http://127.0.0.1:9;\n  }\n}\n"},
			0, main + `:4: "proxy_pass" directive is not allowed here`},
		{"http in a file included in http", tree{main: "events {}\nhttp {\n  include sites/*.conf;\n}\n", "/etc/nginx/sites/a.conf": "# a\nhttp {\n  server { listen 80; }\n  bogus_after;\n}\n"},
			0, `/etc/nginx/sites/a.conf:2: "http" directive is not allowed here`},
		{"flag with another value", tree{main: "events {}\nhttp { autoindex maybe; }\n"},
			0, main + `:2: invalid value "maybe" in "autoindex" directive, it must be "on" or "off"`},
		{"crossplane's table fixed", tree{main: "events {}\nhttp { uwsgi_cache_background_update x; }\n"},
			0, main + `:2: invalid value "x" in "uwsgi_cache_background_update" directive, it must be "on" or "off"`},
		{"location in location in if", tree{main: "events {}\nhttp { server { location / { if ($a) { location /x { } } } } }\n"},
			0, main + `:2: "location" directive is not allowed here`},
		{"file checked in each context", tree{main: "events {}\nhttp {\n  include x.conf;\n  server { include x.conf; }\n}\n", "/etc/nginx/x.conf": "\nproxy_buffering off;\nlog_format f x;\n"},
			0, `/etc/nginx/x.conf:3: "log_format" directive is not allowed here`},
		{"syntax error first", tree{main: "events {}\nhttp {\n  server { listen 80 }\n  proxy_pass x;\n}\n"},
			0, main + `:3: unexpected "}"`},
		{"errors in two files", tree{main: "include a.conf;\ninclude b.conf;\n", "/etc/nginx/a.conf": "}", "/etc/nginx/b.conf": "x {"},
			0, "/etc/nginx/a.conf:1: unexpected \"}\"\n/etc/nginx/b.conf:1: unexpected end of file, expecting \"}\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := tc.files.write(t)
			c, err := Load(main, Options{Root: root, MaxFileSize: tc.max})
			if c != nil || err == nil {
				t.Fatalf("got a config, want error %q", tc.want)
			}
			var list parser.ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error %T is not an ErrorList", err)
			}
			if got := err.Error(); got != tc.want {
				t.Errorf("error:\n got %s\nwant %s", got, tc.want)
			}
			if strings.Contains(err.Error(), root) {
				t.Errorf("error names the root: %s", err)
			}
		})
	}
}

func TestLoadOK(t *testing.T) {
	const main = "/etc/nginx/nginx.conf"
	for _, tc := range []struct {
		name  string
		files tree
		check func(t *testing.T, c *Config)
	}{
		{"glob matching nothing", tree{main: "http { include conf.d/*.conf; }\nevents {}\n"}, func(t *testing.T, c *Config) {
			if len(c.Dirs) != 2 || len(c.Dirs[0].Block) != 1 {
				t.Errorf("tree %v", c.Dirs)
			}
		}},
		{"file included from two places", tree{main: "include a.conf;\nhttp { include a.conf; }\nevents {}\n", "/etc/nginx/a.conf": "x 1;\n"}, func(t *testing.T, c *Config) {
			if len(c.Files) != 2 || c.Dirs[1].Via != c.Dirs[0] || c.Dirs[2].Block[1].Via != c.Dirs[2].Block[0] {
				t.Errorf("files %d, tree %v", len(c.Files), c.Dirs)
			}
		}},
		{"comments and quotes", tree{main: "http { include x.conf; }\nevents {}\n", "/etc/nginx/x.conf": "# top\nlog_format main '$remote_addr \"$request\"' # fmt\n  ;\nadd_header X-B \"x;y{z}\"; add_header X-A ${a}b;\n"}, func(t *testing.T, c *Config) {
			var got []string
			dirs := c.Dirs[0].Block[1:]
			for _, d := range dirs {
				got = append(got, text(t, c, d))
			}
			want := "# top|log_format main '$remote_addr \"$request\"' # fmt\n  ;|# fmt|add_header X-B \"x;y{z}\";|add_header X-A ${a}b;"
			if strings.Join(got, "|") != want {
				t.Errorf("got  %q\nwant %q", strings.Join(got, "|"), want)
			}
			if dirs[2].Range.Start.Line != 2 {
				t.Errorf("comment in args at line %d", dirs[2].Range.Start.Line)
			}
		}},
		{"map with include", tree{main: "http { map $a $b { default 0; include m.conf; } }\nevents {}\n", "/etc/nginx/m.conf": "~^/x 1;\n"}, func(t *testing.T, c *Config) {
			m := c.Dirs[0].Block[0]
			if len(m.Block) != 3 || m.Block[2].Name != "~^/x" || m.Block[2].Via != m.Block[1] {
				t.Errorf("map block %v", m.Block)
			}
		}},
		{"utf-8 and escapes", tree{main: "http { server {\nserver_name é\u00a0ü;\nreturn 200 \"a\\\"b\";\nadd_header X \\{;\n} }\nevents {}\n"}, func(t *testing.T, c *Config) {
			dirs := c.Dirs[0].Block[0].Block
			if text(t, c, dirs[1]) != `return 200 "a\"b";` || dirs[1].Args[1] != `a"b` {
				t.Errorf("return %q %q", text(t, c, dirs[1]), dirs[1].Args)
			}
			if len(dirs[0].Args) != 2 {
				t.Errorf("nbsp does not split: %q", dirs[0].Args)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := tc.files.write(t)
			c, err := Load(main, Options{Root: root})
			if err != nil {
				t.Fatal(err)
			}
			checkTree(t, c, c.Dirs, nil)
			tc.check(t, c)
		})
	}
}

func TestUnknownDirectives(t *testing.T) {
	const main = "/etc/nginx/nginx.conf"
	root := tree{
		main: "load_module modules/x.so;\nevents {}\nhttp {\n  vhost_traffic_status_zone;\n  map $a $b { default 0; foo_key 1; }\n" +
			"  server {\n    include s.conf;\n    more_set_headers \"X: y\";\n    location / { vhost_traffic_status_display; brotli on; }\n  }\n}\n",
		"/etc/nginx/s.conf": "brotli on;\n",
	}.write(t)
	c, err := Load(main, Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range c.Unknown {
		got = append(got, u.String())
	}
	want := []string{
		main + `:4: unknown directive "vhost_traffic_status_zone" (a third-party module?): loaded, not checked`,
		`/etc/nginx/s.conf:1: unknown directive "brotli" (a third-party module?): loaded, not checked (2 uses)`,
		main + `:9: unknown directive "vhost_traffic_status_display" (a third-party module?): loaded, not checked`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("unknown:\n got %s\nwant %s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestLoadRealDebian loads a copy of this machine's /etc/nginx (the Debian
// package's) under a temporary root.
func TestLoadRealDebian(t *testing.T) {
	if _, err := os.Stat("/etc/nginx/nginx.conf"); err != nil {
		t.Skip("no /etc/nginx/nginx.conf here")
	}
	root := t.TempDir()
	err := filepath.WalkDir("/etc/nginx", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		dst := filepath.Join(root, p)
		switch {
		case d.IsDir():
			return os.MkdirAll(dst, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(target, dst)
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, src, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := Load("/etc/nginx/nginx.conf", Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	checkTree(t, c, c.Dirs, nil)
	n := 0
	var walk func([]*Directive)
	walk = func(list []*Directive) {
		for _, d := range list {
			n++
			if d.Range.Start.Offset < 0 {
				t.Errorf("%s: %s has no offsets", d.Range, d.Name)
			}
			walk(d.Block)
		}
	}
	walk(c.Dirs)
	if n < 50 || len(c.Files) < 3 {
		t.Errorf("only %d directives in %d files", n, len(c.Files))
	}
	if c.File("/etc/nginx/sites-enabled/default") == nil {
		t.Error("sites-enabled/default not read")
	}
}

func TestLoadRealRoot(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(p, []byte("events {}\ninclude missing.conf;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, root := range []string{"", "/"} {
		_, err := Load(p, Options{Root: root})
		want := p + `:2: include "` + filepath.Join(dir, "missing.conf") + `": no such file or directory`
		if err == nil || err.Error() != want {
			t.Errorf("root %q: got %v, want %s", root, err, want)
		}
	}
}

func TestSymlinkLoop(t *testing.T) {
	root := tree{
		"/etc/nginx/nginx.conf": "include /etc/nginx/loop/x.conf;\n",
		"/etc/nginx/loop":       "-> /etc/nginx/loop",
	}.write(t)
	_, err := Load("/etc/nginx/nginx.conf", Options{Root: root})
	want := `/etc/nginx/nginx.conf:1: include "/etc/nginx/loop/x.conf": too many levels of symbolic links`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestSymlinkStaysInRoot(t *testing.T) {
	// An absolute link must resolve under the root, never on the host.
	root := tree{
		"/etc/nginx/nginx.conf": "include /etc/nginx/link/passwd;\nevents {}\n",
		"/etc/nginx/link":       "-> /etc",
		"/etc/passwd":           "x 1;\n",
		"/escape":               "-> ../../../../../../etc",
	}.write(t)
	c, err := Load("/etc/nginx/nginx.conf", Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Dirs) != 3 || c.Dirs[1].Name != "x" {
		t.Errorf("tree %v", c.Dirs)
	}
	fsys := fsmeta.New(root)
	r := fsys.Access(fsmeta.Cred{User: "root"}, "/escape/passwd", 0, true)
	if h := fsys.HostPath(r.At); r.Err != 0 || h != filepath.Join(root, "etc/passwd") {
		t.Errorf("escape resolved to %s (%v)", h, r.Err)
	}
}

// TestArgSpans checks the spans of arguments and braces against the text
// they cover, quotes included.
func TestArgSpans(t *testing.T) {
	src := "events {}\nhttp {\n  index  \"a b.html\" index.php ;\n  server { location ~ '\\.x$' {} if ($a) { } }\n}\n"
	root := tree{"/etc/nginx/nginx.conf": src}.write(t)
	c, err := Load("/etc/nginx/nginx.conf", Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	http := c.Dirs[1]
	idx := http.Block[0]
	srv := http.Block[1]
	loc, iff := srv.Block[0], srv.Block[1]
	var got []string
	for _, d := range []*Directive{idx, loc, iff} {
		for _, s := range d.ArgSpans {
			got = append(got, src[s.Start:s.End])
		}
	}
	want := []string{`"a b.html"`, "index.php", "~", `'\.x$'`, "($a)"}
	if !slices.Equal(got, want) {
		t.Errorf("arg spans %q, want %q", got, want)
	}
	for _, d := range []*Directive{http, srv, loc, iff} {
		if o := d.OpenBrace(); o < 0 || src[o] != '{' {
			t.Errorf("%s: open brace at %d", d.Name, o)
		}
		if c := d.CloseBrace(); c < 0 || src[c] != '}' {
			t.Errorf("%s: close brace at %d", d.Name, c)
		}
	}
	if idx.OpenBrace() != -1 || idx.CloseBrace() != -1 {
		t.Errorf("simple directive has braces")
	}
}
