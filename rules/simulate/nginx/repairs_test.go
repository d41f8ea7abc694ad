package nginx_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/fix"
	"github.com/unforbid/unforbid/parser"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules/simulate"
	nginxsim "github.com/unforbid/unforbid/rules/simulate/nginx"
	"github.com/unforbid/unforbid/rules/simulate/servers"
)

var updateRepairs = flag.Bool("update-repairs", false, "rewrite testdata/repairs/*.golden")

const repairMain = "/etc/nginx/nginx.conf"

// repairCase is a configuration and tree whose request (or lint finding)
// shows one cause, and the fixes the nginx server offers for it.
type repairCase struct {
	name    string
	conf    string
	entries []fsmeta.Entry
	url     string // the refused request; "" for a lint finding
	kind    simulate.Kind
	refused []string    // more refused URL paths (deny-overmatch)
	secrets []string    // URL paths that must stay refused after every fix
	classes []fix.Class // the classes of the fixes offered, in order
}

func file(p string, mode uint32, uid, gid uint32, data string) fsmeta.Entry {
	return fsmeta.Entry{Path: p, Type: fsmeta.TypeRegular, Perm: mode, UID: uid, GID: gid, Data: []byte(data)}
}

func dir(p string, mode uint32, uid, gid uint32) fsmeta.Entry {
	return fsmeta.Entry{Path: p, Type: fsmeta.TypeDir, Perm: mode, UID: uid, GID: gid}
}

const (
	debianPasswd = "root:x:0:0:root:/root:/bin/sh\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
	debianGroup  = "root:x:0:\nwww-data:x:33:\nnogroup:x:65534:\n"
)

var repairCases = []repairCase{
	{
		name: "index_php",
		conf: `events {}
http {
    server {
        listen 80;
        server_name example.com;
        root /srv/www;
        location / {
            index index.html;
        }
        location ~ \.php$ {
            fastcgi_pass unix:/run/php.sock;
        }
    }
}
`,
		entries: []fsmeta.Entry{
			file("/srv/www/docs/index.php", 0o644, 0, 0, "<?php echo 1;"),
			file("/srv/www/.env", 0o644, 0, 0, "KEY=x"),
		},
		url: "/docs/", kind: simulate.KindIndexMissing,
		classes: []fix.Class{fix.Safe, fix.Review, fix.Review},
	},
	{
		// index.php added for app/ would also be the index of
		// vendor/lib/, which a ^~ location serves without the backend:
		// its source would go out, so the safe fix is not offered
		name: "index_php_source_elsewhere",
		conf: `events {}
http {
    server {
        listen 80;
        server_name example.com;
        root /srv/www;
        index index.html;
        location ^~ /vendor/ {
        }
        location ~ \.php$ {
            fastcgi_pass unix:/run/php.sock;
        }
    }
}
`,
		entries: []fsmeta.Entry{
			file("/srv/www/app/index.php", 0o644, 0, 0, "<?php echo 1;"),
			file("/srv/www/vendor/lib/index.php", 0o644, 0, 0, "<?php $secret = 1;"),
		},
		url: "/app/", kind: simulate.KindIndexMissing,
		classes: []fix.Class{fix.Review, fix.Review},
	},
	{
		name: "index_htm_inherited",
		conf: `user www-data;
events {}
http {
	server {
		listen 80;
		server_name example.com;
		root /srv/www;
	}
}
`,
		entries: []fsmeta.Entry{
			file("/srv/www/docs/index.htm", 0o644, 0, 0, "<p>docs</p>"),
			file("/srv/www/docs/notes.txt", 0o644, 0, 0, "n"),
			file("/srv/www/backup.sql", 0o644, 0, 0, "dump"),
		},
		url: "/docs/", kind: simulate.KindIndexMissing,
		classes: []fix.Class{fix.Safe, fix.Review, fix.Review},
	},
	{
		name: "deny_acme",
		conf: `events {}
http {
    server {
        listen 80;
        server_name example.com;
        root /srv/www;
        location / {
            try_files $uri $uri/ =404;
        }
        # no dotfiles
        location ~ /\. {
            deny all;
        }
    }
}
`,
		entries: []fsmeta.Entry{
			file("/srv/www/index.html", 0o644, 0, 0, "hi"),
			file("/srv/www/.well-known/acme-challenge/tok123", 0o644, 0, 0, "tok"),
			file("/srv/www/.git/config", 0o644, 0, 0, "[core]"),
			file("/srv/www/.env", 0o644, 0, 0, "KEY=x"),
		},
		url: "/.well-known/acme-challenge/tok123", kind: simulate.KindDenyOvermatch,
		// The deny protects .git and .env: never removed nor narrowed.
		secrets: []string{"/.git/config", "/.env", "/.well-known/acme-challenge/../../.env"},
		classes: []fix.Class{fix.Safe},
	},
	{
		name: "deny_acme_security",
		conf: `events {}
http {
    server {
        listen 80;
        server_name example.com;
        root /srv/www;
        location ~ /\. {
            deny all;
        }
    }
}
`,
		entries: []fsmeta.Entry{
			file("/srv/www/index.html", 0o644, 0, 0, "hi"),
			file("/srv/www/.well-known/acme-challenge/tok123", 0o644, 0, 0, "tok"),
			file("/srv/www/.well-known/security.txt", 0o644, 0, 0, "Contact: x"),
			file("/srv/www/.git/config", 0o644, 0, 0, "[core]"),
			file("/srv/www/.env", 0o644, 0, 0, "KEY=x"),
		},
		url: "/.well-known/acme-challenge/tok123", kind: simulate.KindDenyOvermatch,
		refused: []string{"/.well-known/security.txt"},
		// One deny refuses two well-known files: one fix opens both, in
		// place of a carve-out for each. The deny protects .git and
		// .env: never removed.
		secrets: []string{"/.git/config", "/.env"},
		classes: []fix.Class{fix.Safe},
	},
	{
		name: "deny_robots",
		conf: `events {}
http {
    server {
        listen 80;
        server_name example.com;
        root /srv/www;
        location ~* \.(txt|log)$ {
            deny all;
        }
    }
}
`,
		entries: []fsmeta.Entry{
			file("/srv/www/robots.txt", 0o644, 0, 0, "User-agent: *"),
			file("/srv/www/app.log", 0o644, 0, 0, "log"),
		},
		url: "/robots.txt", kind: simulate.KindDenyOvermatch,
		// Removing the deny would serve app.log: not offered;
		// narrowing it keeps app.log refused.
		secrets: []string{"/app.log"},
		classes: []fix.Class{fix.Safe, fix.Review},
	},
	{
		// The root is the location's own: a carve-out beside the regex
		// would look in nginx's default root, so it is nested.
		name: "deny_favicon_nested",
		conf: `events {}
http {
    server {
        listen 80;
        server_name example.com;
        location / {
            root /srv/site;
        }
        location ~* \.(ico|bak)$ {
            deny all;
        }
    }
}
`,
		entries: []fsmeta.Entry{
			file("/srv/site/favicon.ico", 0o644, 0, 0, "ico"),
			file("/srv/site/db.bak", 0o644, 0, 0, "old"),
		},
		url: "/favicon.ico", kind: simulate.KindDenyOvermatch,
		secrets: []string{"/db.bak"},
		classes: []fix.Class{fix.Safe, fix.Review},
	},
	{
		name: "alias_slash",
		conf: `events {}
http {
    server {
        listen 80;
        server_name example.com;
        location /static/ {
            alias "/srv/assets";
        }
    }
}
`,
		entries: []fsmeta.Entry{
			file("/srv/assets/logo.png", 0o644, 0, 0, "png"),
		},
		url: "/static/logo.png", kind: simulate.KindAliasSlash,
		classes: []fix.Class{fix.Safe},
	},
	{
		name: "user_www_data",
		conf: `# main config
worker_processes 1;
events {}
http {
    server {
        listen 80;
        server_name example.com;
        root /srv/www;
    }
}
`,
		entries: []fsmeta.Entry{
			file("/etc/passwd", 0o644, 0, 0, debianPasswd),
			file("/etc/group", 0o644, 0, 0, debianGroup),
			dir("/srv/www", 0o750, 0, 33),
			file("/srv/www/index.html", 0o640, 0, 33, "hi"),
		},
		url: "/", kind: simulate.KindNoSearch,
		classes: []fix.Class{fix.Safe},
	},
	{
		name: "symlink_owner",
		conf: `user www-data;
events {}
http {
    server {
        listen 80;
        server_name example.com;
        root /srv/www;
        disable_symlinks on;
    }
}
`,
		entries: []fsmeta.Entry{
			{Path: "/srv/www/page.html", Type: fsmeta.TypeSymlink, Target: "/srv/shared/page.html"},
			file("/srv/shared/page.html", 0o644, 0, 0, "hi"),
		},
		url: "/page.html", kind: simulate.KindSymlinkDenied,
		classes: []fix.Class{fix.Review},
	},
	{
		name: "shadowed_allow",
		conf: `user www-data;
events {}
http {
    server {
        listen 80;
        server_name example.com;
        root /srv/www;
        location /admin/ {
            deny 10.0.0.0/8;
            allow 10.1.2.3;
            deny all;
        }
    }
}
`,
		entries: []fsmeta.Entry{file("/srv/www/admin/index.html", 0o644, 0, 0, "a")},
		kind:    simulate.KindRuleShadowed,
		classes: []fix.Class{fix.Review},
	},
	{
		name: "refuses_all",
		conf: `user www-data;
events {}
http {
    server {
        listen 80;
        server_name example.com;
        root /srv/www;
        deny all;
    }
}
`,
		entries: []fsmeta.Entry{file("/srv/www/index.html", 0o644, 0, 0, "a")},
		kind:    simulate.KindSiteRefusesAll,
		classes: []fix.Class{fix.Review},
	},
}

// memoryTree returns the in-memory view of a case, its config at
// repairMain (replaced by edited when set).
func memoryTree(t *testing.T, c repairCase, edited map[string][]byte) *fsmeta.FS {
	t.Helper()
	conf := c.conf
	if e, ok := edited[repairMain]; ok {
		conf = string(e)
	}
	entries := []fsmeta.Entry{file(repairMain, 0o644, 0, 0, conf)}
	hasPasswd := false
	for _, e := range c.entries {
		hasPasswd = hasPasswd || e.Path == "/etc/passwd"
	}
	if !hasPasswd {
		entries = append(entries, file("/etc/passwd", 0o644, 0, 0, debianPasswd), file("/etc/group", 0o644, 0, 0, debianGroup))
	}
	fsys, err := fsmeta.NewMemory("", append(entries, c.entries...))
	if err != nil {
		t.Fatal(err)
	}
	return fsys
}

func request(t *testing.T, url string) simulate.Request {
	t.Helper()
	req, err := simulate.ParseRequest("GET", "http://example.com"+url, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// problem finds the case's cause: from its request, or from Lint.
func problem(t *testing.T, sim *nginxsim.Simulator, c repairCase) simulate.Problem {
	t.Helper()
	if c.url == "" {
		for _, f := range sim.Lint() {
			if f.Kind == c.kind {
				return simulate.Problem{Rule: f.Rule, Kind: f.Kind, Range: f.Range, Related: f.Related}
			}
		}
		t.Fatalf("lint finds no cause of kind %v", c.kind)
	}
	req := request(t, c.url)
	d := sim.Simulate(req)
	if d.Cause == nil || d.Cause.Kind != c.kind {
		t.Fatalf("%s: got status %d, cause %+v; want kind %v", c.url, d.Status, d.Cause, c.kind)
	}
	return simulate.Problem{Rule: d.Cause.Rule, Kind: d.Cause.Kind, Range: d.Cause.Range, Path: d.Cause.Path,
		Request: req, Decision: d, Refused: append([]string{c.url}, c.refused...)}
}

// TestRepairs checks each case's fixes against a golden file (the
// description, class and edited text of each), then applies each fix to
// a fresh view and simulates again: the refused request is repaired and
// the secrets still refused.
func TestRepairs(t *testing.T) {
	for _, c := range repairCases {
		t.Run(c.name, func(t *testing.T) {
			sim, err := nginxsim.Load(repairMain, memoryTree(t, c, nil), nginxsim.Options{})
			if err != nil {
				t.Fatal(err)
			}
			p := problem(t, sim, c)
			fixes := sim.Repairs(p)
			var got strings.Builder
			var classes []fix.Class
			for _, f := range fixes {
				classes = append(classes, f.Class)
				fmt.Fprintf(&got, "== %s (%s)\n", f.Description, f.Class)
				for _, cmd := range f.Commands() {
					fmt.Fprintf(&got, "$ %s\n", cmd)
				}
				if len(f.Edits) == 0 {
					continue
				}
				edited, err := nginxsim.ApplyEdits(func(string) []byte { return []byte(c.conf) }, f.Edits)
				if err != nil {
					t.Fatalf("%s: %v", f.Description, err)
				}
				got.Write(edited[repairMain])
				checkFixed(t, c, f, edited)
			}
			if fmt.Sprint(classes) != fmt.Sprint(c.classes) {
				t.Errorf("classes %v, want %v", classes, c.classes)
			}
			golden := filepath.Join("testdata", "repairs", c.name+".golden")
			if *updateRepairs {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != string(want) {
				t.Errorf("fixes differ from %s:\n%s", golden, got.String())
			}
		})
	}
}

// checkFixed loads the edited config through servers.Load on a fresh view
// and simulates: the case's request no longer has its cause (and a safe
// fix serves it), and every secret still answers 403 or 404.
func checkFixed(t *testing.T, c repairCase, f fix.Fix, edited map[string][]byte) {
	t.Helper()
	srv, err := servers.Load(parser.KindNginx, repairMain, memoryTree(t, c, edited), servers.Options{})
	if err != nil {
		t.Fatalf("%s: edited config: %v", f.Description, err)
	}
	if c.url != "" {
		d := srv.Simulate(request(t, c.url))
		if d.Cause != nil && d.Cause.Kind == c.kind {
			t.Errorf("%s: %s still %d (%s)", f.Description, c.url, d.Status, d.Cause.Rule)
		}
		if f.Class == fix.Safe && d.Status != 200 && d.Backend == "" {
			t.Errorf("%s: %s answers %d after the safe fix", f.Description, c.url, d.Status)
		}
	}
	for _, s := range c.secrets {
		req := request(t, s)
		req.ClientIP = "203.0.113.9"
		if st := srv.Simulate(req).Status; st != 403 && st != 404 {
			t.Errorf("%s: secret %s answers %d", f.Description, s, st)
		}
	}
}
