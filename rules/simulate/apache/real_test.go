package apache

import (
	"os"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/internal/layout"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules/simulate"

	"github.com/unforbid/unforbid/internal/realapache"
	"github.com/unforbid/unforbid/internal/treetest/need"
)

// requireApache skips t unless UNFORBID_E2E=1 (the shared ports are
// only taken under the e2e lock), and then fails it when real Apache
// cannot run here.
func requireApache(t *testing.T) {
	t.Helper()
	if os.Getenv(need.Env) != "1" {
		t.Skip("skipping: real-Apache tests run only with UNFORBID_E2E=1 under flock /tmp/unforbid-e2e.lock")
	}
	if err := realapache.Available(); err != nil {
		need.Skip(t, "real-Apache tests need "+strings.TrimPrefix(err.Error(), "realapache: cannot run real Apache, missing: "))
	}
}

// TestRealApache starts Debian's real Apache on each test tree and checks
// that every request the simulator answers is answered so by Apache, and
// that the trees' wants are Apache's. It uses ports 18450-18480 on
// 127.0.0.1, shared by everyone: run it under the e2e lock,
//
//	flock /tmp/unforbid-e2e.lock env UNFORBID_E2E=1 go test -count=1 ./rules/simulate/apache/
func TestRealApache(t *testing.T) {
	requireApache(t)
	total, agree, unsureN := 0, 0, 0
	for _, tt := range trees {
		t.Run(tt.name, func(t *testing.T) {
			tree, s := load(t, tt)
			dir := t.TempDir()
			if err := tree.Materialize(dir); err != nil {
				t.Fatal(err)
			}
			srv, err := realapache.Start(dir, "", tt.ports)
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := srv.Stop(); err != nil {
					t.Error(err)
				}
			}()
			for _, r := range tt.reqs {
				real, err := srv.Do("GET", r.port, r.host, r.path, "")
				if err != nil {
					t.Errorf("%s%s: %v", r.host, r.path, err)
					continue
				}
				total++
				d := r.simulate(t, s)
				switch {
				case d.Unsure != "":
					unsureN++
					t.Logf("%s%s: unsure: %s", r.host, r.path, d.Unsure)
				case d.Status == real:
					agree++
				default:
					t.Errorf("%s:%d%s: simulated %d, real Apache %d\n%s", r.host, r.port, r.path, d.Status, real, trace(d))
				}
				if r.want != unsure && r.want != real {
					t.Errorf("%s:%d%s: the tree wants %d, real Apache answers %d", r.host, r.port, r.path, r.want, real)
				}
			}
			if t.Failed() {
				t.Logf("error log:\n%s", srv.ErrorLog())
			}
		})
	}
	t.Logf("agreement with real Apache: %d of %d requests predicted = real, %d unsure", agree, total, unsureN)
}

// TestDebianConfig runs a copy of the host's own /etc/apache2 (Debian's
// stock config, its envvars, mods-enabled and conf-enabled) with its port
// moved to 127.0.0.1:18460 and two sites added, and checks the simulator
// against it as TestRealApache does.
func TestDebianConfig(t *testing.T) {
	requireApache(t)
	if _, err := os.Stat("/etc/apache2/apache2.conf"); err != nil {
		need.Skip(t, "the Debian-config test needs Debian's /etc/apache2 (apt-get install apache2)")
	}
	tree, err := layout.Parse("debian.txtar", []byte(`
-- var/www/html/index.html --
default
-- var/www/html/sub/a.html --
-- var/www/html/empty/x.txt --
-- srv/site/index.html --
site
-- srv/site/noindex/a.html --
-- srv/site/private/a.html --
-- srv/site/f600.html --
-- srv/unlisted/a.html --
-- usr/share/apache2/icons/a.png --
-- .fsmeta --
mkdir etc
chmod 0600 srv/site/f600.html
`))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := tree.Materialize(dir); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"ports.conf": "Listen 127.0.0.1:18460\n",
		"sites-enabled/000-default.conf": `<VirtualHost *:18460>
	DocumentRoot /var/www/html
	ErrorLog ${APACHE_LOG_DIR}/error.log
</VirtualHost>
`,
		"sites-enabled/site.conf": `<VirtualHost *:18460>
	ServerName site.test
	DocumentRoot /srv/site
	<Directory /srv/site>
		Options -Indexes
		Require all granted
	</Directory>
	<Directory /srv/site/private>
		Require all denied
	</Directory>
</VirtualHost>
<VirtualHost *:18460>
	ServerName unlisted.test
	DocumentRoot /srv/unlisted
</VirtualHost>
`,
	}
	if err := realapache.CopyDebianConfig(dir, files); err != nil {
		t.Fatal(err)
	}
	fsys := fsmeta.New(dir)
	s := build(t, fsys)
	srv, err := realapache.Start(dir, "", []int{18460})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := srv.Stop(); err != nil {
			t.Error(err)
		}
	}()
	total, agree, unsureN := 0, 0, 0
	for _, r := range []request{
		{18460, "localhost", "/", 200, 0},
		{18460, "localhost", "/index.html", 200, 0},
		{18460, "localhost", "/sub", 301, 0},
		{18460, "localhost", "/sub/", 200, 0}, // /var/www: Options Indexes
		{18460, "localhost", "/empty/", 200, 0},
		{18460, "localhost", "/missing", 404, 0},
		{18460, "localhost", "/.htaccess", 403, simulate.KindDenyRule}, // <FilesMatch "^\.ht">
		// alias.conf's Alias /icons/ to the host's icons (the tree
		// stands for them): no index, no Options Indexes
		{18460, "localhost", "/icons/", 403, simulate.KindIndexMissing},
		{18460, "localhost", "/icons", 404, 0},
		{18460, "localhost", "/server-status", unsure, 0},
		{18460, "site.test", "/", 200, 0},
		{18460, "site.test", "/noindex/", 403, simulate.KindIndexMissing},
		{18460, "site.test", "/noindex", 301, 0},
		{18460, "site.test", "/private/a.html", 403, simulate.KindDenyOvermatch},
		{18460, "site.test", "/f600.html", 403, simulate.KindUnreadableFile},
		{18460, "site.test", "/missing", 404, 0},
		{18460, "unlisted.test", "/a.html", 403, simulate.KindDenyOvermatch}, // <Directory /> Require all denied
		{18460, "unlisted.test", "/", 403, simulate.KindDenyOvermatch},
		{18460, "other.test", "/", 200, 0},
	} {
		real, err := srv.Do("GET", r.port, r.host, r.path, "")
		if err != nil {
			t.Errorf("%s%s: %v", r.host, r.path, err)
			continue
		}
		total++
		d := r.simulate(t, s)
		switch {
		case d.Unsure != "":
			unsureN++
			t.Logf("%s%s: unsure: %s", r.host, r.path, d.Unsure)
			if r.want != unsure {
				t.Errorf("%s%s: unsure (%s), want %d", r.host, r.path, d.Unsure, r.want)
			}
		case d.Status == real:
			agree++
			if r.kind != 0 && (d.Cause == nil || d.Cause.Kind != r.kind) {
				t.Errorf("%s%s: cause %+v, want kind %d", r.host, r.path, d.Cause, r.kind)
			}
		default:
			t.Errorf("%s%s: simulated %d, real Apache %d\n%s", r.host, r.path, d.Status, real, trace(d))
		}
		if r.want != unsure && r.want != real {
			t.Errorf("%s%s: the test wants %d, real Apache answers %d", r.host, r.path, r.want, real)
		}
	}
	t.Logf("agreement with real Apache on Debian's config: %d of %d requests predicted = real, %d unsure", agree, total, unsureN)
}
