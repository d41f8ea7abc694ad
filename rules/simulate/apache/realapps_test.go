package apache

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/internal/layout"
	"github.com/unforbid/unforbid/internal/realapache"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules/simulate"
	"github.com/unforbid/unforbid/rules/simulate/apache/debianstock"
)

// realApp is a real application's docroot under Debian's stock apache2
// (LoadHtaccess), its public .htaccess files taken from
// parser/apache/testdata/samples, with the requests real Apache answers.
type realApp struct {
	name    string
	docroot string // server path the default site serves
	// htaccess maps a .htaccess path of the tree to a sample file name.
	htaccess map[string]string
	files    string // txtar files of the tree
	fsmeta   string // its .fsmeta commands
	// owners maps a directory of the tree to the owner of it and of all
	// below it (chown commands before fsmeta's).
	owners map[string]string
	reqs   []appReq
}

// appReq is one GET request; real is the status real Debian apache2
// answers (observed by TestRealApps, which fails when it changes).
type appReq struct {
	path string
	real int
}

// realApps are WordPress, Laravel, Drupal, h5bp's server configs,
// Nextcloud and a home directory without its search bit, as they lie on
// shared hosts: uploads, secrets, .git, vendor, modes 0600 and 0700. PHP
// is not installed: a .php file is served as a file.
var realApps = []realApp{
	{
		name: "wordpress", docroot: "/home/alice/public_html", owners: map[string]string{"home/alice": "alice:alice"},
		htaccess: map[string]string{"home/alice/public_html/.htaccess": "wordpress.htaccess"},
		files: `
-- home/alice/public_html/index.php --
<?php require __DIR__ . '/wp-blog-header.php';
-- home/alice/public_html/wp-blog-header.php --
-- home/alice/public_html/wp-login.php --
-- home/alice/public_html/wp-config.php --
<?php define('DB_PASSWORD', 'secret');
-- home/alice/public_html/readme.html --
-- home/alice/public_html/wp-admin/index.php --
-- home/alice/public_html/wp-admin/css/login.css --
-- home/alice/public_html/wp-includes/js/jquery/jquery.js --
-- home/alice/public_html/wp-content/index.php --
-- home/alice/public_html/wp-content/plugins/akismet/akismet.php --
-- home/alice/public_html/wp-content/uploads/2024/01/photo.jpg --
-- home/alice/public_html/wp-content/uploads/2024/01/private.jpg --
-- home/alice/public_html/.git/HEAD --
ref: refs/heads/main
-- home/alice/public_html/.git/config --
`,
		fsmeta: `
chmod 0711 home/alice
chmod 0640 home/alice/public_html/wp-config.php
chmod 0600 home/alice/public_html/wp-content/uploads/2024/01/private.jpg
`,
		reqs: []appReq{
			{"/", 200}, {"/index.php", 200}, {"/wp-login.php", 200}, {"/wp-config.php", 403}, {"/readme.html", 200},
			{"/wp-admin/", 200}, {"/wp-admin", 301}, {"/wp-admin/css/login.css", 200},
			{"/wp-includes/js/jquery/jquery.js", 200}, {"/wp-content/uploads/2024/01/photo.jpg", 200},
			{"/wp-content/uploads/2024/01/private.jpg", 403}, {"/wp-content/uploads/", 403},
			{"/wp-content/uploads/2024/01/missing.jpg", 200}, {"/hello-world/", 200}, {"/2024/01/hello", 200},
			{"/.git/HEAD", 200}, {"/.git/", 403}, {"/.htaccess", 403}, {"/index.php/feed", 404},
		},
	},
	{
		name: "laravel", docroot: "/srv/laravel/public",
		htaccess: map[string]string{"srv/laravel/public/.htaccess": "laravel.htaccess"},
		files: `
-- srv/laravel/.env --
APP_KEY=base64:secret
-- srv/laravel/artisan --
-- srv/laravel/vendor/autoload.php --
-- srv/laravel/storage/app/public/avatar.png --
-- srv/laravel/storage/app/public/secret.png --
-- srv/laravel/public/index.php --
-- srv/laravel/public/favicon.ico --
-- srv/laravel/public/robots.txt --
-- srv/laravel/public/css/app.css --
-- srv/laravel/public/js/app.js --
`,
		fsmeta: `
symlink srv/laravel/public/storage -> ../storage/app/public
chmod 0600 srv/laravel/storage/app/public/secret.png
chmod 0600 srv/laravel/.env
`,
		reqs: []appReq{
			{"/", 200}, {"/index.php", 200}, {"/robots.txt", 200}, {"/favicon.ico", 200}, {"/css/app.css", 200},
			{"/css/", 403}, {"/css", 301}, {"/js/missing.js", 200}, {"/users/1", 200}, {"/users/", 301},
			{"/storage/avatar.png", 200}, {"/storage/secret.png", 403}, {"/storage/", 403},
			{"/.env", 200}, {"/vendor/autoload.php", 200}, {"/.htaccess", 403}, {"/index.php/users", 404},
		},
	},
	{
		name: "drupal", docroot: "/var/www/drupal",
		htaccess: map[string]string{"var/www/drupal/.htaccess": "drupal.htaccess"},
		files: `
-- var/www/drupal/index.php --
-- var/www/drupal/robots.txt --
-- var/www/drupal/composer.json --
{}
-- var/www/drupal/web.config --
-- var/www/drupal/.well-known/security.txt --
-- var/www/drupal/.git/HEAD --
-- var/www/drupal/core/install.php --
-- var/www/drupal/core/misc/drupal.js --
-- var/www/drupal/core/core.services.yml --
-- var/www/drupal/core/modules/node/node.module --
-- var/www/drupal/vendor/autoload.php --
-- var/www/drupal/sites/default/settings.php --
-- var/www/drupal/sites/default/files/.htaccess --
SetHandler Drupal_Security_Do_Not_Remove_See_SA_2006_006
Options -Indexes -ExecCGI -Includes -MultiViews
<IfModule mod_rewrite.c>
  RewriteEngine off
</IfModule>
-- var/www/drupal/sites/default/files/styles/thumbnail/photo.jpg --
-- var/www/drupal/sites/default/files/report.pdf --
`,
		fsmeta: `
chmod 0444 var/www/drupal/sites/default/settings.php
chmod 0600 var/www/drupal/sites/default/files/report.pdf
`,
		reqs: []appReq{
			{"/", 200}, {"/index.php", 200}, {"/node/1", 200}, {"/robots.txt", 200}, {"/favicon.ico", 404},
			{"/composer.json", 403}, {"/web.config", 403}, {"/.git/HEAD", 403}, {"/.well-known/security.txt", 200},
			{"/core/install.php", 200}, {"/core/misc/drupal.js", 200}, {"/core/core.services.yml", 403},
			{"/core/modules/node/node.module", 403}, {"/vendor/autoload.php", 200}, {"/sites/default/settings.php", 200},
			{"/sites/default/files/styles/thumbnail/photo.jpg", 200}, {"/sites/default/files/report.pdf", 403},
			{"/sites/default/files/", 404}, {"/sites/default/files/missing.jpg", 404}, {"/core/misc/", 403},
		},
	},
	{
		name: "h5bp", docroot: "/var/www/html",
		htaccess: map[string]string{"var/www/html/.htaccess": "h5bp.htaccess"},
		files: `
-- var/www/html/index.html --
-- var/www/html/404.html --
-- var/www/html/css/style.css --
-- var/www/html/img/logo.png --
-- var/www/html/backup.sql --
-- var/www/html/config.php.bak --
-- var/www/html/notes.txt~ --
-- var/www/html/.env --
-- var/www/html/.well-known/acme-challenge/token --
-- var/www/html/js/.eslintrc --
`,
		reqs: []appReq{
			{"/", 500}, {"/index.html", 500}, {"/css/style.css", 500}, {"/img/logo.png", 500}, {"/img/", 500},
			{"/img", 500}, {"/backup.sql", 500}, {"/config.php.bak", 500}, {"/notes.txt~", 500}, {"/.env", 500},
			{"/.missing", 500}, {"/.well-known/acme-challenge/token", 500}, {"/js/.eslintrc", 500},
			{"/missing.html", 500}, {"/.htaccess", 500},
		},
	},
	{
		name: "nextcloud", docroot: "/var/www/nextcloud",
		owners: map[string]string{"var/www/nextcloud/config": "www-data:www-data", "var/www/nextcloud/data": "www-data:www-data"},
		files: `
-- var/www/nextcloud/.htaccess --
Options -Indexes
DirectoryIndex index.php index.html
<IfModule mod_rewrite.c>
  RewriteEngine on
  RewriteRule ^\.well-known/carddav /remote.php/dav/ [R=301,L]
  RewriteRule ^(?:config|lib|3rdparty|templates)/ - [R=404,L]
  RewriteRule ^(?:\.(?!well-known)|occ) - [R=404,L]
</IfModule>
-- var/www/nextcloud/index.php --
-- var/www/nextcloud/remote.php --
-- var/www/nextcloud/status.php --
-- var/www/nextcloud/occ --
-- var/www/nextcloud/.user.ini --
-- var/www/nextcloud/config/config.php --
-- var/www/nextcloud/core/img/logo.svg --
-- var/www/nextcloud/apps/files/js/main.js --
-- var/www/nextcloud/data/.htaccess --
Require all denied
-- var/www/nextcloud/data/nextcloud.log --
-- var/www/nextcloud/data/admin/files/report.odt --
`,
		fsmeta: `
chmod 0640 var/www/nextcloud/config/config.php
chmod 0750 var/www/nextcloud/data
`,
		reqs: []appReq{
			{"/", 200}, {"/index.php", 200}, {"/status.php", 200}, {"/remote.php/dav/", 404}, {"/occ", 404},
			{"/.user.ini", 404}, {"/config/config.php", 404}, {"/core/img/logo.svg", 200},
			{"/apps/files/js/main.js", 200}, {"/apps/", 403}, {"/data/nextcloud.log", 403},
			{"/data/admin/files/report.odt", 403}, {"/data/", 403}, {"/.well-known/carddav", 301}, {"/missing", 404},
		},
	},
	{
		name: "home-not-searchable", docroot: "/home/bob/public_html", owners: map[string]string{"home/bob": "bob:bob"},
		files: `
-- home/bob/public_html/.htaccess --
DirectoryIndex index.html
-- home/bob/public_html/index.html --
-- home/bob/public_html/img/a.png --
`,
		fsmeta: `
chmod 0750 home/bob
`,
		reqs: []appReq{{"/", 403}, {"/index.html", 403}, {"/img/a.png", 403}, {"/missing", 403}, {"/.htaccess", 403}},
	},
}

// tree lays the app's txtar archive out: its files, the sample
// .htaccess files, its .fsmeta.
func (a realApp) tree(t *testing.T) *layout.Tree {
	t.Helper()
	text := a.files
	for p, sample := range a.htaccess {
		b, err := os.ReadFile(filepath.Join("../../../parser/apache/testdata/samples", sample))
		if err != nil {
			t.Fatal(err)
		}
		text += "-- " + p + " --\n" + string(b)
	}
	tree, err := layout.Parse(a.name+".txtar", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	var chown strings.Builder
	for top, owner := range a.owners {
		done := map[string]bool{}
		for _, f := range tree.Archive.Files {
			for p := f.Name; strings.HasPrefix(p+"/", top+"/"); p = path.Dir(p) {
				if !done[p] {
					done[p] = true
					fmt.Fprintf(&chown, "chown %s %s\n", owner, p)
				}
			}
		}
	}
	tree, err = layout.Parse(a.name+".txtar", []byte(text+"-- .fsmeta --\n"+chown.String()+a.fsmeta))
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// tally counts a run's requests.
type tally struct {
	total, agree, unsure int
	why                  map[string]int // unsure reasons, their paths cut off
}

// reasons returns the unsure reasons, most frequent first.
func (c *tally) reasons() string {
	keys := make([]string, 0, len(c.why))
	for k := range c.why {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if c.why[keys[i]] != c.why[keys[j]] {
			return c.why[keys[i]] > c.why[keys[j]]
		}
		return keys[i] < keys[j]
	})
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "\n\t%3d× %s", c.why[k], k)
	}
	return b.String()
}

// addTo adds c's counts to all.
func (c *tally) addTo(all *tally) {
	all.total, all.agree, all.unsure = all.total+c.total, all.agree+c.agree, all.unsure+c.unsure
	for k, n := range c.why {
		if all.why == nil {
			all.why = map[string]int{}
		}
		all.why[k] += n
	}
}

// unsureKind shortens an unsure reason to what does not depend on the
// request: the text after the last ": " of a file:line prefix, or all.
func unsureKind(s string) string {
	if i := strings.LastIndex(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}

// judge compares the simulator's decision for r with status, the real
// answer, failing on a sure answer that differs.
func (c *tally) judge(t *testing.T, s *Simulator, port int, r appReq, status int) {
	t.Helper()
	req, err := simulate.ParseRequest("GET", "http://localhost:"+itoa(port)+r.path, "")
	if err != nil {
		t.Fatal(err)
	}
	d := s.Simulate(req)
	c.total++
	switch {
	case d.Unsure != "":
		c.unsure++
		if c.why == nil {
			c.why = map[string]int{}
		}
		c.why[unsureKind(d.Unsure)]++
	case d.Status == status:
		c.agree++
	default:
		t.Errorf("%s: simulated %d, real Apache %d\n%s", r.path, d.Status, status, trace(d))
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestAppsRecorded runs the simulator (LoadHtaccess, as `--htaccess`
// does) on each app laid out in memory and holds its sure answers to
// real Apache's recorded ones; it needs no Apache.
func TestAppsRecorded(t *testing.T) {
	var all tally
	for _, a := range realApps {
		t.Run(a.name, func(t *testing.T) {
			fsys, err := a.tree(t).Memory("")
			if err != nil {
				t.Fatal(err)
			}
			s, _, err := LoadHtaccess(a.docroot, fsys)
			if err != nil {
				t.Fatal(err)
			}
			var c tally
			for _, r := range a.reqs {
				c.judge(t, s, 80, r, r.real)
			}
			t.Logf("%s: %d of %d predicted = real Apache, %d unsure", a.name, c.agree, c.total, c.unsure)
			c.addTo(&all)
		})
	}
	t.Logf("real apps under Debian's stock config: %d of %d predicted = real Apache, %d unsure:%s", all.agree, all.total, all.unsure, all.reasons())
}

// appPort is the port real Apache serves the apps on.
const appPort = 18491

// TestRealApps starts Debian's real Apache with the stock configuration
// of LoadHtaccess (Listen moved to 127.0.0.1:18491) on each app, checks
// that it answers the recorded statuses, and that the simulator, on the
// tree as laid out on disk, predicts them or says it is unsure. Run it
// under the e2e lock:
//
//	flock /tmp/unforbid-e2e.lock env UNFORBID_E2E=1 go test -count=1 -run TestRealApps ./rules/simulate/apache/
func TestRealApps(t *testing.T) {
	requireApache(t)
	var all tally
	for _, a := range realApps {
		t.Run(a.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := a.tree(t).Materialize(dir); err != nil {
				t.Fatal(err)
			}
			site := debianstock.Site{DocRoot: a.docroot, Listen: "127.0.0.1:" + itoa(appPort), Rewrite: true}
			files, err := debianstock.Files(site)
			if err != nil {
				t.Fatal(err)
			}
			for p, b := range files {
				host := filepath.Join(dir, filepath.FromSlash(p))
				if err := os.MkdirAll(filepath.Dir(host), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(host, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			s, _, err := loadStock(site, fsmeta.New(dir))
			if err != nil {
				t.Fatal(err)
			}
			srv, err := realapache.Start(dir, "", []int{appPort})
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := srv.Stop(); err != nil {
					t.Error(err)
				}
			}()
			var c tally
			for _, r := range a.reqs {
				status, err := srv.Do("GET", appPort, "localhost", r.path, "")
				if err != nil {
					t.Errorf("%s: %v", r.path, err)
					continue
				}
				if status != r.real {
					t.Errorf("%s%s: real Apache answers %d, the table records %d", a.name, r.path, status, r.real)
				}
				c.judge(t, s, appPort, r, status)
			}
			if t.Failed() {
				t.Logf("error log:\n%s", srv.ErrorLog())
			}
			t.Logf("%s: %d of %d predicted = real Apache, %d unsure", a.name, c.agree, c.total, c.unsure)
			c.addTo(&all)
		})
	}
	t.Logf("real apps under Debian's stock config: %d of %d predicted = real Apache, %d unsure:%s", all.agree, all.total, all.unsure, all.reasons())
}
