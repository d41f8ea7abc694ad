package parser

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/parser/fsmeta"
)

func TestDetect(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{
		"/etc/nginx/nginx.conf":      "# anything\n",
		"/etc/apache2/apache2.conf":  "",
		"/etc/httpd/conf/httpd.conf": "",
		"/srv/a/site.conf":           "# DocumentRoot /x\nhttp {\n  server {\n    listen 80;\n  }\n}\n",
		"/srv/b/site.conf":           "ServerRoot /etc/httpd\nListen 80\n<VirtualHost *:80>\n</VirtualHost>\n",
		"/srv/c/site.conf":           "just text\n",
		"/srv/d/site.conf":           "server {\n}\n<Directory />\n</Directory>\n",
		"/srv/e/nginx.conf":          "<VirtualHost *:80>\n",
		"/srv/f/fragment.conf":       "    location / {\n        root /x;\n    }\n",
		"/srv/g/empty/.keep":         "",
	}
	for p, content := range files {
		host := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(host), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(host, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fsys := fsmeta.New(root)
	for _, tc := range []struct {
		path, kind, main, err string
	}{
		{"/etc/nginx/nginx.conf", "nginx", "/etc/nginx/nginx.conf", ""},
		{"/etc/nginx", "nginx", "/etc/nginx/nginx.conf", ""},
		{"/etc/apache2", "apache", "/etc/apache2/apache2.conf", ""},
		{"/etc/httpd", "apache", "/etc/httpd/conf/httpd.conf", ""},
		{"/etc/httpd/conf/httpd.conf", "apache", "/etc/httpd/conf/httpd.conf", ""},
		{"/srv/a/site.conf", "nginx", "/srv/a/site.conf", ""},
		{"/srv/b/site.conf", "apache", "/srv/b/site.conf", ""},
		{"/srv/e", "nginx", "/srv/e/nginx.conf", ""},
		{"/srv/f/fragment.conf", "nginx", "/srv/f/fragment.conf", ""},
		{"/srv/c/site.conf", "", "", "/srv/c/site.conf: cannot tell whether it is an nginx or an Apache config; use --server"},
		{"/srv/d/site.conf", "", "", "/srv/d/site.conf: cannot tell whether it is an nginx or an Apache config; use --server"},
		{"/srv/g/empty", "", "", "/srv/g/empty: directory holds no nginx.conf, apache2.conf, httpd.conf or conf/httpd.conf"},
		{"/nope.conf", "", "", "/nope.conf: open: no such file or directory"},
	} {
		kind, main, err := Detect(tc.path, fsys)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if string(kind) != tc.kind || main != tc.main || gotErr != tc.err {
			t.Errorf("Detect(%s) = %q, %q, %q; want %q, %q, %q", tc.path, kind, main, gotErr, tc.kind, tc.main, tc.err)
		}
		if strings.Contains(gotErr, root) {
			t.Errorf("error names the root: %s", gotErr)
		}
	}
}

func TestDetectNilFS(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if kind, main, err := Detect(dir, nil); kind != KindNginx || main != p || err != nil {
		t.Errorf("got %q %q %v", kind, main, err)
	}
}

func TestDefaultConfigs(t *testing.T) {
	if len(DefaultConfigs) != 3 || DefaultConfigs[0] != "/etc/nginx/nginx.conf" {
		t.Errorf("DefaultConfigs = %q", DefaultConfigs)
	}
}

// TestDetectJail: under --root, symlinks resolve inside the root however
// they are written. The host directory host (outside the root) holds an
// Apache config and no nginx.conf, the root's copy of it the reverse.
func TestDetectJail(t *testing.T) {
	host := t.TempDir()
	root := t.TempDir()
	write := func(p, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := func(target, p string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(host, "site.conf"), "<VirtualHost *:80>\n</VirtualHost>\n")
	write(filepath.Join(host, "apache2.conf"), "ServerRoot /etc/apache2\n")
	write(filepath.Join(root, host, "nginx.conf"), "events {}\n")
	write(filepath.Join(root, host, "site.conf"), "server {\n  listen 80;\n}\n")
	// ROOT/etc/nginx -> /<host> (absolute), ROOT/etc/up -> ../../../..<host>
	// (climbing above the root), ROOT/etc/apache2 -> /<host> too.
	link(host, filepath.Join(root, "etc/nginx"))
	link(strings.Repeat("../", 12)+strings.TrimPrefix(host, "/"), filepath.Join(root, "etc/up"))
	link(host, filepath.Join(root, "etc/apache2"))
	fsys := fsmeta.New(root)
	for _, tc := range []struct {
		path, kind, main, err string
	}{
		{"/etc/nginx", "nginx", "/etc/nginx/nginx.conf", ""},
		{"/etc/nginx/site.conf", "nginx", "/etc/nginx/site.conf", ""},
		{"/etc/up", "nginx", "/etc/up/nginx.conf", ""},
		{"/etc/up/site.conf", "nginx", "/etc/up/site.conf", ""},
		{"/etc/apache2/apache2.conf", "", "", "/etc/apache2/apache2.conf: open: no such file or directory"},
	} {
		kind, main, err := Detect(tc.path, fsys)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if string(kind) != tc.kind || main != tc.main || gotErr != tc.err {
			t.Errorf("Detect(%s) = %q, %q, %q; want %q, %q, %q", tc.path, kind, main, gotErr, tc.kind, tc.main, tc.err)
		}
	}
	// The default search: /etc/nginx/nginx.conf exists in the root only,
	// /etc/apache2/apache2.conf on the host only.
	for _, tc := range []struct {
		want      Kind
		kind, err string
	}{
		{"", "nginx", ""},
		{KindNginx, "nginx", ""},
		{KindApache, "", "no CONFIG given and none of /etc/nginx/nginx.conf, /etc/apache2/apache2.conf, /etc/httpd/conf/httpd.conf exists"},
	} {
		kind, main, err := DetectDefault(fsys, tc.want)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if string(kind) != tc.kind || gotErr != tc.err || (err == nil && main != "/etc/nginx/nginx.conf") {
			t.Errorf("DetectDefault(%q) = %q, %q, %q; want %q, %q", tc.want, kind, main, gotErr, tc.kind, tc.err)
		}
	}
}
