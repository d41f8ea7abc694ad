package nginx

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDuplicates: a directive nginx allows once, given twice in one block,
// and a configuration without events, are errors in nginx's words; repeats
// nginx accepts load. With UNFORBID_PROBE_NGINX set, each case is also run
// through /usr/sbin/nginx -t, which must agree.
func TestDuplicates(t *testing.T) {
	const main = "/etc/nginx/nginx.conf"
	site := func(body string) tree {
		return tree{main: "events {}\nhttp {\n    include sites/*;\n}\n", "/etc/nginx/sites/a": body}
	}
	const a = "/etc/nginx/sites/a"
	for _, tc := range []struct {
		name  string
		files tree
		want  string // "" when it loads
	}{
		{"no events", tree{main: "http {\n    server {\n        listen 80;\n    }\n}\n"},
			main + `: no "events" section in configuration`},
		{"events in an included file", tree{main: "include e.conf;\nhttp {}\n", "/etc/nginx/e.conf": "events {}\n"}, ""},
		{"events twice", tree{main: "events {}\nevents {}\nhttp {}\n"},
			main + `:2: "events" directive is duplicate`},
		{"user twice", tree{main: "user www-data;\nuser www-data;\nevents {}\n"},
			main + `:2: "user" directive is duplicate`},
		{"root twice", site("server {\n    listen 80;\n    root /a;\n    root /b;\n}\n"),
			a + `:4: "root" directive is duplicate`},
		{"root twice, once from an included file", tree{
			main:                         "events {}\nhttp {\n    server {\n        listen 80;\n        root /a;\n        include snippets/r.conf;\n    }\n}\n",
			"/etc/nginx/snippets/r.conf": "# root\nroot /b;\n"},
			`/etc/nginx/snippets/r.conf:2: "root" directive is duplicate`},
		{"root in server and location", site("server {\n    listen 80;\n    root /a;\n    location / {\n        root /b;\n    }\n}\n"), ""},
		{"root in location and its if", site("server {\n    listen 80;\n    location / {\n        root /a;\n        if ($args) {\n            root /b;\n        }\n    }\n}\n"), ""},
		{"root in two locations", site("server {\n    listen 80;\n    location /a {\n        root /a;\n    }\n    location /b {\n        root /b;\n    }\n}\n"), ""},
		{"root then alias", site("server {\n    listen 80;\n    location /a/ {\n        root /a;\n        alias /b/;\n    }\n}\n"),
			a + `:5: "alias" directive is duplicate, "root" directive was specified earlier`},
		{"alias then root", site("server {\n    listen 80;\n    location /a/ {\n        alias /b/;\n        root /a;\n    }\n}\n"),
			a + `:5: "root" directive is duplicate, "alias" directive was specified earlier`},
		{"alias twice", site("server {\n    listen 80;\n    location /a/ {\n        alias /b/;\n        alias /c/;\n    }\n}\n"),
			a + `:5: "alias" directive is duplicate`},
		{"autoindex twice", site("server {\n    listen 80;\n    autoindex on;\n    autoindex off;\n}\n"),
			a + `:4: "autoindex" directive is duplicate`},
		{"try_files twice", site("server {\n    listen 80;\n    location / {\n        try_files $uri =404;\n        try_files $uri/ =404;\n    }\n}\n"),
			a + `:5: "try_files" directive is duplicate`},
		{"the second of three", site("server {\n    listen 80;\n    location / {\n        autoindex on;\n        root /a;\n        autoindex off;\n        autoindex on;\n    }\n}\n"),
			a + `:6: "autoindex" directive is duplicate`},
		{"repeats nginx accepts", site("server {\n    listen 80;\n    listen 81;\n    server_name a;\n    server_name b;\n    index a.html;\n    index b.html;\n" +
			"    allow 127.0.0.1;\n    deny all;\n    deny 10.0.0.1;\n    add_header A a;\n    add_header B b;\n    error_page 404 /x;\n    error_page 500 /y;\n" +
			"    set $a 1;\n    set $b 2;\n    rewrite ^/a /b;\n    rewrite ^/c /d;\n    location / {}\n    location /x {}\n}\nserver {\n    listen 82;\n}\n"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := tc.files.write(t)
			_, err := Load(main, Options{Root: root})
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
			if os.Getenv("UNFORBID_PROBE_NGINX") != "" {
				if n := nginxSays(t, root, main); n != tc.want {
					t.Errorf("nginx -t says %q, want %q", n, tc.want)
				}
			}
		})
	}
}

// nginxSays runs /usr/sbin/nginx -t on the tree under root and returns its
// emergency message as "file:line: message" with server paths, or "".
func nginxSays(t *testing.T, root, main string) string {
	t.Helper()
	out, _ := exec.Command("/usr/sbin/nginx", "-t", "-q", "-c", filepath.Join(root, main), "-p", root+"/",
		"-g", "pid "+root+"/nginx.pid; error_log stderr;").CombinedOutput()
	if strings.Contains(string(out), `no "events" section in configuration`) {
		return main + `: no "events" section in configuration` // names no file
	}
	m := regexp.MustCompile(`\[emerg\] [0-9#]+: (.*?)(?: in (\S+?)(?::(\d+))?)?\n`).FindStringSubmatch(string(out))
	if m == nil {
		return ""
	}
	file := strings.TrimPrefix(m[2], root)
	switch {
	case m[3] == "":
		return file + ": " + m[1]
	}
	return file + ":" + m[3] + ": " + m[1]
}
