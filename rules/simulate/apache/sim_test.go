package apache

import (
	"fmt"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/internal/layout"
	"github.com/unforbid/unforbid/internal/realapache"
	conf "github.com/unforbid/unforbid/parser/apache"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules/simulate"
)

// unsure is the want of a request the simulator must not answer.
const unsure = -1

// request is one request of a test tree and the status real Apache
// answers (checked by TestRealApache), or unsure.
type request struct {
	port       int
	host, path string
	want       int
	kind       simulate.Kind // the cause's kind, for 403s
}

// testTree is a tree laid out by internal/layout and its requests.
type testTree struct {
	name  string
	tree  string
	ports []int
	reqs  []request
}

// head starts every tree's apache2.conf, as Debian's does (see
// realapache.ConfHead).
var head = "-- etc/apache2/apache2.conf --\n" + realapache.ConfHead("mpm_event", "authz_core", "authz_host", "dir", "mime", "alias")

var trees = []testTree{{
	name:  "directories",
	ports: []int{18450},
	tree: head + `LoadModule autoindex_module /usr/lib/apache2/modules/mod_autoindex.so
Listen 127.0.0.1:18450
ServerName localhost
DocumentRoot /srv/www
Alias /icons/ /usr/share/apache2/icons/
<Directory />
    Options FollowSymLinks
    AllowOverride None
    Require all denied
</Directory>
<FilesMatch "^\.ht">
    Require all denied
</FilesMatch>
<Directory /srv/www>
    Options Indexes
    Require all granted
</Directory>
<Directory /srv/www/noidx>
    Options -Indexes
</Directory>
<Directory /srv/www/denied>
    Require all denied
</Directory>
<Directory /srv/www/home>
    DirectoryIndex home.html
</Directory>
<Directory /srv/www/idxclosed>
    DirectoryIndex index.html/a.html home.html
</Directory>
<Directory /srv/www/local>
    Require ip 127.0.0.1
</Directory>
<Directory /srv/www/mixed>
    Require all denied
    Require all granted
</Directory>
-- srv/www/ok.html --
ok
-- srv/www/f600.html --
secret
-- srv/www/.htpasswd --
x
-- srv/www/closed/a.html --
-- srv/www/sub/index.html --
-- srv/www/idxclosed/index.html/a.html --
-- srv/www/idxclosed/home.html --
-- srv/www/idxdir/index.html/a.html --
-- srv/www/noidx/a.html --
-- srv/www/noidx/sub/a.html --
-- srv/www/list/a.html --
-- srv/www/list711/a.html --
-- srv/www/denied/a.html --
-- srv/www/home/home.html --
-- srv/www/home/index.html --
-- srv/www/local/a.html --
-- srv/www/mixed/a.html --
-- srv/other.html --
-- .fsmeta --
chmod 0600 srv/www/f600.html
chmod 0700 srv/www/closed
chmod 0711 srv/www/list711
chmod 0700 srv/www/idxclosed/index.html
`,
	reqs: []request{
		{18450, "localhost", "/closed", 301, 0},
		{18450, "localhost", "/idxclosed/", unsure, 0},
		{18450, "localhost", "/idxdir/", 301, 0},
		{18450, "localhost", "/ok.html", 200, 0},
		{18450, "localhost", "/f600.html", 403, simulate.KindUnreadableFile},
		{18450, "localhost", "/closed/a.html", 403, simulate.KindNoSearch},
		{18450, "localhost", "/closed/", 403, simulate.KindNoSearch},
		{18450, "localhost", "/missing.html", 404, 0},
		{18450, "localhost", "/missing/a.html", 404, 0},
		{18450, "localhost", "/ok.html/extra", 404, 0},
		{18450, "localhost", "/ok.html/", 404, 0},
		{18450, "localhost", "/sub%2Findex.html", unsure, 0},
		{18450, "localhost", "/o%6B.html", 200, 0},
		{18450, "localhost", "/", 200, 0},
		{18450, "localhost", "/sub", 301, 0},
		{18450, "localhost", "/sub/", 200, 0},
		{18450, "localhost", "/noidx/", 403, simulate.KindIndexMissing},
		{18450, "localhost", "/noidx/sub/", 403, simulate.KindIndexMissing},
		{18450, "localhost", "/noidx/a.html", 200, 0},
		{18450, "localhost", "/noidx", 301, 0},
		{18450, "localhost", "/list/", 200, 0},
		{18450, "localhost", "/list711/", 403, simulate.KindUnreadableDir},
		{18450, "localhost", "/list711/a.html", 200, 0},
		{18450, "localhost", "/denied/a.html", 403, simulate.KindDenyOvermatch},
		{18450, "localhost", "/denied/missing", 403, simulate.KindDenyOvermatch},
		{18450, "localhost", "/denied", 403, simulate.KindDenyOvermatch},
		{18450, "localhost", "/home/", 200, 0},
		{18450, "localhost", "/mixed/a.html", 200, 0},
		{18450, "localhost", "/local/a.html", 200, 0},
		{18450, "localhost", "/.htpasswd", 403, simulate.KindDenyRule},        // <FilesMatch "^\.ht">: intended
		{18450, "localhost", "/icons/a.png", 403, simulate.KindDenyOvermatch}, // <Directory /> denies /usr/share/apache2/icons
		{18450, "localhost", "/../other.html", unsure, 0},
	},
}, {
	name:  "vhosts",
	ports: []int{18451, 18452},
	tree: head + `Listen 127.0.0.1:18451
Listen 127.0.0.1:18452
ServerName main.test
DocumentRoot /srv/main
<Directory /srv>
    Require all granted
</Directory>
<VirtualHost *:18451>
    ServerName a.test
    DocumentRoot /srv/a
</VirtualHost>
<VirtualHost *:18451>
    ServerName b.test
    ServerAlias *.b.test other.test
    DocumentRoot /srv/b
</VirtualHost>
<VirtualHost 127.0.0.1:18452>
    ServerName c.test
    DocumentRoot /srv/c
</VirtualHost>
<VirtualHost *:18452>
    ServerName d.test
    DocumentRoot /srv/d
</VirtualHost>
-- srv/main/main.html --
-- srv/a/a.html --
-- srv/b/b.html --
-- srv/c/c.html --
-- srv/d/d.html --
-- srv/a/noindex/x.html --
`,
	reqs: []request{
		{18451, "a.test", "/a.html", 200, 0},
		{18451, "a.test", "/b.html", 404, 0},
		{18451, "b.test", "/b.html", 200, 0},
		{18451, "x.b.test", "/b.html", 200, 0},
		{18451, "other.test", "/b.html", 200, 0},
		{18451, "unknown.test", "/a.html", 200, 0},
		{18451, "unknown.test", "/b.html", 404, 0},
		{18451, "main.test", "/main.html", 404, 0},
		{18452, "c.test", "/c.html", 200, 0},
		{18452, "d.test", "/c.html", 200, 0},
		{18452, "d.test", "/d.html", 404, 0},
		// no mod_autoindex: a directory without index is not found
		{18451, "a.test", "/noindex/", 404, 0},
		{18451, "a.test", "/noindex", 301, 0},
	},
}, {
	name:  "options",
	ports: []int{18454},
	tree: head + `LoadModule autoindex_module /usr/lib/apache2/modules/mod_autoindex.so
Listen 127.0.0.1:18454
DocumentRoot /srv/www
Options None
DirectoryIndex index.html start.html
<Directory /srv/www>
    Require all granted
</Directory>
<Directory /srv/www/all>
    Options All
</Directory>
<Directory /srv/www/all/minus>
    Options -Indexes +ExecCGI
</Directory>
<Directory /srv/www/plus>
    Options +Indexes
</Directory>
<Directory /srv/www/plus/none>
    Options None
</Directory>
<Directory /srv/www/disabled>
    Options Indexes
    DirectoryIndex disabled
</Directory>
<Directory /srv/www/two>
    DirectoryIndex a.html
    DirectoryIndex b.html
</Directory>
-- srv/www/none/a.html --
-- srv/www/all/a.html --
-- srv/www/all/minus/a.html --
-- srv/www/plus/a.html --
-- srv/www/plus/none/a.html --
-- srv/www/disabled/index.html --
-- srv/www/second/start.html --
-- srv/www/dirindex/index.html/a.html --
-- srv/www/dirindex/start.html --
-- srv/www/index600/index.html --
-- srv/www/two/b.html --
-- srv/www/closed/index.html --
-- srv/www/link.html --
-- srv/www/ht/.htaccess --
-- srv/www/ht/a.html --
-- srv/www/ht600/.htaccess --
-- srv/www/ht600/a.html --
-- .fsmeta --
chmod 0600 srv/www/index600/index.html
chmod 0700 srv/www/closed
chmod 0600 srv/www/ht600/.htaccess
symlink srv/www/linked.html -> link.html
`,
	reqs: []request{
		{18454, "localhost", "/none/", 403, simulate.KindIndexMissing},
		{18454, "localhost", "/all/", 200, 0},
		{18454, "localhost", "/all/minus/", 403, simulate.KindIndexMissing},
		{18454, "localhost", "/plus/", 200, 0},
		{18454, "localhost", "/plus/none/", 403, simulate.KindIndexMissing},
		{18454, "localhost", "/disabled/", 200, 0},
		{18454, "localhost", "/second/", 200, 0},
		{18454, "localhost", "/dirindex/", unsure, 0},
		{18454, "localhost", "/index600/", 403, simulate.KindUnreadableFile},
		{18454, "localhost", "/two/", 200, 0},
		{18454, "localhost", "/closed", 403, simulate.KindNoSearch}, // its .htaccess is checked
		{18454, "localhost", "/closed/", 403, simulate.KindNoSearch},
		{18454, "localhost", "/linked.html", 403, simulate.KindSymlinkDenied}, // Options None
		{18454, "localhost", "/ht/a.html", 200, 0},
		{18454, "localhost", "/ht600/a.html", 403, simulate.KindUnreadableFile},
	},
}, {
	name:  "authz",
	ports: []int{18455},
	tree: head + `Listen 127.0.0.1:18455
DocumentRoot /srv/www
<Directory />
    Require all denied
</Directory>
<Directory /srv/www>
    Require all granted
</Directory>
<Directory /srv/www/ip>
    Require ip 127.0.0.1
</Directory>
<Directory /srv/www/ip/sub>
    Require all denied
</Directory>
<Directory /srv/www/ipother>
    Require ip 10.0.0.1 192.168.0.0/16
</Directory>
<Directory /srv/www/ipother/sub>
    Options -Indexes
</Directory>
<Directory /srv/www/cidr>
    Require ip 127.0.0.0/8
</Directory>
<Directory /srv/www/ipv6>
    Require ip ::1
</Directory>
<Directory /srv/www/local>
    Require local
</Directory>
<Directory /srv/www/any>
    Require ip 10.0.0.1
    Require local
</Directory>
<Directory /srv/www/all>
    <RequireAll>
        Require all granted
        Require not ip 127.0.0.1
    </RequireAll>
</Directory>
<Directory /srv/www/all2>
    <RequireAll>
        Require all granted
        Require not ip 10.0.0.0/8
    </RequireAll>
</Directory>
<Directory /srv/www/none>
    <RequireAll>
        Require all granted
        <RequireNone>
            Require ip 127.0.0.1
        </RequireNone>
    </RequireAll>
</Directory>
<Directory /srv/www/none2>
    <RequireAll>
        Require all granted
        <RequireNone>
            Require ip 10.0.0.1
        </RequireNone>
    </RequireAll>
</Directory>
<Directory /srv/www/nested>
    <RequireAny>
        <RequireAll>
            Require local
            Require not ip 127.0.0.2
        </RequireAll>
        Require ip 10.0.0.1
    </RequireAny>
</Directory>
<Directory /srv/www/nested2>
    Require ip 10.0.0.1
    <RequireAll>
        Require ip 127.0.0.0/8
        Require not ip 127.0.0.1
    </RequireAll>
</Directory>
<Directory /srv/www/merge>
    AuthMerging And
    Require all granted
</Directory>
<Directory /srv/www/mergeoff>
    AuthMerging Off
    Require all granted
</Directory>
<Directory /srv/www/partial>
    Require ip 127
</Directory>
-- srv/www/a.html --
-- srv/www/ip/a.html --
-- srv/www/ip/sub/a.html --
-- srv/www/ipother/a.html --
-- srv/www/ipother/sub/a.html --
-- srv/www/cidr/a.html --
-- srv/www/ipv6/a.html --
-- srv/www/local/a.html --
-- srv/www/any/a.html --
-- srv/www/all/a.html --
-- srv/www/all2/a.html --
-- srv/www/none/a.html --
-- srv/www/none2/a.html --
-- srv/www/nested/a.html --
-- srv/www/nested2/a.html --
-- srv/www/merge/a.html --
-- srv/www/mergeoff/a.html --
-- srv/www/partial/a.html --
`,
	reqs: []request{
		{18455, "localhost", "/a.html", 200, 0},
		{18455, "localhost", "/ip/a.html", 200, 0},
		{18455, "localhost", "/ip/missing", 404, 0},
		{18455, "localhost", "/ip/sub/a.html", 403, simulate.KindDenyOvermatch},
		{18455, "localhost", "/ipother/a.html", 403, simulate.KindDenyRule},
		{18455, "localhost", "/ipother/missing", 403, simulate.KindDenyRule},
		{18455, "localhost", "/ipother/sub/a.html", 403, simulate.KindDenyRule},
		{18455, "localhost", "/cidr/a.html", 200, 0},
		{18455, "localhost", "/ipv6/a.html", 403, simulate.KindDenyRule},
		{18455, "localhost", "/local/a.html", 200, 0},
		{18455, "localhost", "/any/a.html", 200, 0},
		{18455, "localhost", "/all/a.html", 403, simulate.KindDenyRule},
		{18455, "localhost", "/all2/a.html", 200, 0},
		{18455, "localhost", "/none/a.html", 403, simulate.KindDenyRule},
		{18455, "localhost", "/none2/a.html", 200, 0},
		{18455, "localhost", "/nested/a.html", 200, 0},
		{18455, "localhost", "/nested2/a.html", 403, simulate.KindDenyRule},
		{18455, "localhost", "/merge/a.html", 200, 0},
		{18455, "localhost", "/mergeoff/a.html", 200, 0},
		{18455, "localhost", "/partial/a.html", 200, 0},
	},
}, {
	name:  "alias",
	ports: []int{18456, 18457},
	tree: head + `Listen 127.0.0.1:18456
Listen 127.0.0.1:18457
ServerName localhost
DocumentRoot /srv/www
<Directory />
    Require all denied
</Directory>
<Directory /srv/www>
    Require all granted
</Directory>
<Directory /srv/data>
    Require all granted
</Directory>
<Directory /srv/data/private>
    Require all denied
</Directory>
Alias /data /srv/data
Alias /slash/ /srv/data/
Alias /mis/ /srv/data
Alias /tail /srv/data/
Alias /file.txt /srv/data/f.txt
Alias /denied /srv/nodir
Alias /www/sub /srv/www/real
Alias /www /srv/data
Alias /ord /srv/data
Alias /ord/sub /srv/www/real
ScriptAlias /cgi-bin/ /usr/lib/cgi-bin/
<VirtualHost *:18457>
    ServerName v.test
    DocumentRoot /srv/www
    Alias /www /srv/www/real
</VirtualHost>
-- srv/www/a.html --
-- srv/www/real/a.html --
-- srv/www/real/only.html --
-- srv/www/data/a.html --
-- srv/data/index.html --
-- srv/data/a.html --
-- srv/data/f.txt --
-- srv/data/private/a.html --
-- srv/data/sub/a.html --
-- srv/dataa.html --
-- srv/nodir/a.html --
`,
	reqs: []request{
		{18456, "localhost", "/a.html", 200, 0},
		{18456, "localhost", "/data/a.html", 200, 0},
		{18456, "localhost", "/data", 301, 0},
		{18456, "localhost", "/data/", 200, 0},
		{18456, "localhost", "/datax/a.html", 404, 0},
		{18456, "localhost", "/DATA/a.html", 404, 0},
		{18456, "localhost", "/data/private/a.html", 403, simulate.KindDenyOvermatch},
		{18456, "localhost", "/data/missing", 404, 0},
		{18456, "localhost", "/slash/a.html", 200, 0},
		{18456, "localhost", "/slash", 404, 0},
		{18456, "localhost", "/mis/a.html", 403, simulate.KindDenyOvermatch},
		{18456, "localhost", "/tail/a.html", 200, 0},
		{18456, "localhost", "/tail", 301, 0},
		{18456, "localhost", "/file.txt", 200, 0},
		{18456, "localhost", "/file.txt/x", 404, 0},
		{18456, "localhost", "/denied/a.html", 403, simulate.KindDenyOvermatch},
		{18456, "localhost", "/www/sub/a.html", 200, 0},
		{18456, "localhost", "/www/a.html", 200, 0},
		{18456, "localhost", "/www/only.html", 404, 0},
		{18456, "localhost", "/ord/sub/a.html", 200, 0},
		{18456, "localhost", "/ord/sub/only.html", 404, 0},
		{18456, "localhost", "/cgi-bin/x", 403, simulate.KindDenyOvermatch}, // ScriptAlias maps without mod_cgi; <Directory /> denies
		{18457, "v.test", "/www/only.html", 200, 0},
		{18457, "v.test", "/data/a.html", 200, 0},
	},
}, {
	name:  "worker",
	ports: []int{18453},
	tree: head + `Listen 127.0.0.1:18453
DocumentRoot /srv/www
<Directory />
    Require all denied
</Directory>
<Directory /srv/www>
    Require all granted
</Directory>
-- etc/apache2/envvars --
export APACHE_RUN_USER=web
export APACHE_RUN_GROUP=web
-- etc/passwd --
root:x:0:0:root:/root:/bin/bash
web:x:4100:4100:web:/nonexistent:/usr/sbin/nologin
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
-- etc/group --
root:x:0:
web:x:4100:
www-data:x:33:
-- srv/www/web.html --
-- srv/www/wwwdata.html --
-- srv/www/owner.html --
-- srv/www/webdir/a.html --
-- srv/www/wwwdir/a.html --
-- .fsmeta --
chown root:web srv/www/web.html
chmod 0640 srv/www/web.html
chown root:www-data srv/www/wwwdata.html
chmod 0640 srv/www/wwwdata.html
chown web srv/www/owner.html
chmod 0400 srv/www/owner.html
chown root:web srv/www/webdir
chmod 0710 srv/www/webdir
chown root:www-data srv/www/wwwdir
chmod 0710 srv/www/wwwdir
`,
	reqs: []request{
		{18453, "localhost", "/web.html", 200, 0},
		{18453, "localhost", "/wwwdata.html", 403, simulate.KindUnreadableFile},
		{18453, "localhost", "/owner.html", 200, 0},
		{18453, "localhost", "/webdir/a.html", 200, 0},
		{18453, "localhost", "/wwwdir/a.html", 403, simulate.KindNoSearch},
		{18453, "localhost", "/", 404, 0},
	},
}}

// debianEnv is the environment apache2ctl gives Apache from Debian's
// envvars, as internal/realapache starts it; a tree's own envvars is read
// over it.
var debianEnv = map[string]string{
	"APACHE_RUN_USER":  "www-data",
	"APACHE_RUN_GROUP": "www-data",
	"APACHE_PID_FILE":  "/var/run/apache2/apache2.pid",
	"APACHE_RUN_DIR":   "/var/run/apache2",
	"APACHE_LOCK_DIR":  "/var/lock/apache2",
	"APACHE_LOG_DIR":   "/var/log/apache2",
	"LANG":             "C",
}

// load parses a test tree and builds its simulator on its in-memory view.
func load(t *testing.T, tt testTree) (*layout.Tree, *Simulator) {
	t.Helper()
	tree, err := layout.Parse(tt.name+".txtar", []byte(tt.tree))
	if err != nil {
		t.Fatal(err)
	}
	fsys, err := tree.Memory("")
	if err != nil {
		t.Fatal(err)
	}
	return tree, build(t, fsys)
}

// build loads the tree's Apache config through fsys.
func build(t *testing.T, fsys *fsmeta.FS) *Simulator {
	t.Helper()
	cfg, err := conf.Load("/etc/apache2/apache2.conf", conf.Options{FS: fsys, Env: debianEnv})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(cfg, fsys)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// simulate answers one request of a tree.
func (r request) simulate(t *testing.T, s *Simulator) *simulate.Decision {
	t.Helper()
	req, err := simulate.ParseRequest("GET", fmt.Sprintf("http://%s:%d%s", r.host, r.port, r.path), "")
	if err != nil {
		t.Fatal(err)
	}
	return s.Simulate(req)
}

func TestSimulate(t *testing.T) {
	for _, tt := range trees {
		t.Run(tt.name, func(t *testing.T) {
			_, s := load(t, tt)
			for _, r := range tt.reqs {
				d := r.simulate(t, s)
				switch {
				case r.want == unsure && d.Unsure == "":
					t.Errorf("%s%s: %d, want unsure", r.host, r.path, d.Status)
				case r.want != unsure && d.Unsure != "":
					t.Errorf("%s%s: unsure (%s), want %d", r.host, r.path, d.Unsure, r.want)
				case r.want != unsure && d.Status != r.want:
					t.Errorf("%s%s: %d, want %d\n%s", r.host, r.path, d.Status, r.want, trace(d))
				case r.kind != 0 && (d.Cause == nil || d.Cause.Kind != r.kind):
					t.Errorf("%s%s: cause %+v, want kind %d", r.host, r.path, d.Cause, r.kind)
				}
				if d.Unsure == "" && len(d.Trace) == 0 {
					t.Errorf("%s%s: no trace", r.host, r.path)
				}
			}
		})
	}
}

// trace prints a decision's steps.
func trace(d *simulate.Decision) string {
	var b strings.Builder
	for _, s := range d.Trace {
		fmt.Fprintf(&b, "  %s %s: %s\n", s.Step, s.Range, s.Detail)
	}
	return b.String()
}

func TestAliasMatches(t *testing.T) {
	for _, c := range []struct {
		uri, fake string
		want      int
	}{
		{"/data", "/data", 5},
		{"/data/a", "/data", 5},
		{"/datax", "/data", 0},
		{"/data", "/data/", 0},
		{"/data/", "/data/", 6},
		{"/data/a", "/data/", 6},
		{"/data//a", "/data/", 7},
		{"/a", "/", 1},
		{"/Data", "/data", 0},
		{"/d", "/data", 0},
	} {
		if got := aliasMatches(c.uri, c.fake); got != c.want {
			t.Errorf("aliasMatches(%q, %q) = %d, want %d", c.uri, c.fake, got, c.want)
		}
	}
}
