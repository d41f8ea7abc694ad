package nginx_test

import (
	"fmt"
	"testing"

	"github.com/unforbid/unforbid/internal/treetest"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules/simulate"
	nginxsim "github.com/unforbid/unforbid/rules/simulate/nginx"
)

// fileGroupNames are the files of /srv/www/d that every case requests.
var fileGroupNames = []string{"a.txt", "b.txt", "c.jpg", "d.php", "logo.png", "logo.png.bak", "x.html", "old.txt", "secret.key", "index.txt"}

// TestFileGroupServesAlike checks FileGrouper's promise on configurations
// where the name does matter: whenever two files of one directory, or of
// two sibling directories (/d and /e), get one key and one of them is
// served, the other is served alike, with its own path. Each case also
// names a file of /d that must not share the key of a.txt (or must have
// none), so that the grouping is not vacuous.
func TestFileGroupServesAlike(t *testing.T) {
	tests := []struct {
		name, server string
		apart        string // a file the case's config treats unlike a.txt; a.txt itself: no key at all
		http         string // http-level directives
	}{
		{"plain", `location / { }`, "", ""},
		{"regex location", `location / { } location ~ \.php$ { deny all; }`, "d.php", ""},
		{"exact location", `location / { } location = /d/b.txt { return 404; }`, "b.txt", ""},
		{"prefix into a name", `location / { } location /d/logo { deny all; }`, "logo.png", ""},
		{"prefix into a directory", `location / { } location /e { deny all; }`, "", ""},
		{"regex on a directory", `location / { } location ~ ^/e/ { deny all; }`, "", ""},
		{"rewrite of a directory", `location / { rewrite ^/e/(.*)$ /gone/$1 last; }`, "a.txt", ""},
		{"rewrite in location", `location / { rewrite ^/d/old\.txt$ /d/a.txt last; }`, "old.txt", ""},
		{"rewrite at server level", `rewrite ^/d/old\.txt$ /gone last; location / { }`, "old.txt", ""},
		{"if on the uri", `location / { if ($uri ~ old) { return 403; } }`, "old.txt", ""},
		{"try_files other first", `location / { try_files /d/a.txt $uri =404; }`, "b.txt", ""},
		{"try_files $uri", `location / { try_files $uri $uri/ =404; }`, "", ""},
		{"root with a variable", `location / { root $r; }`, "a.txt", `map $uri $r { /d/old.txt /srv/gone; default /srv/www; }`},
		{"user file with a variable", `location / { auth_basic x; auth_basic_user_file $pw; }`, "a.txt", `map $uri $pw { /d/old.txt /etc/nginx/missing; default /etc/nginx/htpasswd; }`},
		{"alias", `location /d/ { alias /srv/www/d/; }`, "", ""},
		{"regex alias", `location ~ ^/d/(.*)$ { alias /srv/www/d/$1; }`, "a.txt", ""},
		{"backup regex", `location / { } location ~ \.(bak|key)$ { deny all; }`, "logo.png.bak", ""},
		{"limit_except", `location / { limit_except POST { deny all; } }`, "a.txt", ""},
		{"index name", `location / { index index.txt; }`, "", ""},
		{"error_page", `location / { error_page 403 /a.txt; } location ~ \.key$ { deny all; }`, "secret.key", ""},
		// the link /srv/www is checked for every file but old.txt
		{"disable_symlinks from a variable", `location / { disable_symlinks on from=$from; }`, "a.txt", `map $uri $from { /d/old.txt /srv/www/d; default /srv; }`},
	}
	// cases where /srv/www is a link to /srv/real
	linked := map[string]bool{"disable_symlinks from a variable": true}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			conf := fmt.Sprintf("user www-data;\nevents {}\nhttp {\n %s\n server {\n  listen 80;\n  server_name t.test;\n  root /srv/www;\n  %s\n }\n}\n", tc.http, tc.server)
			www := "/srv/www"
			entries := []fsmeta.Entry{
				{Path: "/srv", Type: fsmeta.TypeDir, Perm: 0o755},
				{Path: "/etc/nginx/htpasswd", Type: fsmeta.TypeRegular, Perm: 0o644, Data: []byte("u:{PLAIN}p\n")},
			}
			if linked[tc.name] {
				www = "/srv/real"
				entries = append(entries, fsmeta.Entry{Path: "/srv/www", Type: fsmeta.TypeSymlink, Perm: 0o777, Target: "real"})
			}
			entries = append(entries, fsmeta.Entry{Path: www, Type: fsmeta.TypeDir, Perm: 0o755})
			var files []string // under the root: d/a.txt...
			for _, dir := range []string{"d", "e"} {
				entries = append(entries, fsmeta.Entry{Path: www + "/" + dir, Type: fsmeta.TypeDir, Perm: 0o755})
				for _, n := range fileGroupNames {
					entries = append(entries, fsmeta.Entry{Path: www + "/" + dir + "/" + n, Type: fsmeta.TypeRegular, Perm: 0o644})
					files = append(files, dir+"/"+n)
				}
			}
			fsys := treetest.Memory(t, conf, entries...)
			sim, err := nginxsim.Load(treetest.MainConfig, fsys, nginxsim.Options{})
			if err != nil {
				t.Fatal(err)
			}
			keys := map[string]any{}
			decs := map[string]*simulate.Decision{}
			for _, f := range files {
				req := simulate.Request{Method: "GET", Scheme: "http", Host: "t.test", Port: 80, Path: "/" + f, ClientIP: "127.0.0.1", ServerIP: "127.0.0.1", NoTrace: true, AssumeAuth: true}
				if k, ok := sim.FileGroup(req); ok {
					keys[f] = k
				}
				decs[f] = sim.Simulate(req)
			}
			served := func(d *simulate.Decision) bool {
				return d.Status == 200 && d.Cause == nil && d.Masked == nil && d.Unsure == "" && d.Varies == "" && d.Backend == ""
			}
			for _, a := range files {
				for _, b := range files {
					ka, oka := keys[a]
					kb, okb := keys[b]
					if a == b || !oka || !okb || ka != kb || !served(decs[a]) {
						continue
					}
					da, db := *decs[a], *decs[b]
					if db.Path != "/srv/www/"+b {
						t.Errorf("%s and %s share a key; %s is served from %q", a, b, b, db.Path)
					}
					da.Path, db.Path = "", ""
					if fmt.Sprint(da) != fmt.Sprint(db) {
						t.Errorf("%s and %s share a key, but %s is served and %s answers otherwise:\n%+v\n%+v", a, b, a, b, da, db)
					}
				}
			}
			switch k, ok := keys["d/"+tc.apart]; {
			case tc.apart == "a.txt" && ok:
				t.Errorf("a.txt has a key")
			case tc.apart != "" && ok && k == keys["d/a.txt"]:
				t.Errorf("%s shares a.txt's key", tc.apart)
			}
			if tc.apart == "" && len(keys) < len(files) {
				t.Errorf("only %d of %d files have a key: %v", len(keys), len(files), keys)
			}
		})
	}
}

// BenchmarkFileGroup is FileGroup of a file of a directory that Debian's
// default site serves (a prefix location and a hidden-files regex).
func BenchmarkFileGroup(b *testing.B) {
	conf := "user www-data;\nevents {}\nhttp {\n server {\n  listen 80;\n  server_name t.test;\n  root /srv/www;\n  location / { try_files $uri $uri/ =404; }\n  location ~ /\\. { deny all; }\n }\n}\n"
	sim, err := nginxsim.Load(treetest.MainConfig, treetest.Memory(b, conf), nginxsim.Options{})
	if err != nil {
		b.Fatal(err)
	}
	req := simulate.Request{Method: "GET", Scheme: "http", Host: "t.test", Port: 80, Path: "/uploads/2026/11/f000123.html", ClientIP: "127.0.0.1", ServerIP: "127.0.0.1", NoTrace: true}
	if _, ok := sim.FileGroup(req); !ok {
		b.Fatal("no group")
	}
	b.ReportAllocs()
	for b.Loop() {
		sim.FileGroup(req)
	}
}
