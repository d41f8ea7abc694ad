package realapache

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/internal/layout"
	"github.com/unforbid/unforbid/internal/realserver"
	"github.com/unforbid/unforbid/internal/treetest/need"
)

// requireApache skips t, with one line naming what is missing, when real
// Apache cannot run here; with UNFORBID_E2E=1 (.ci/run) it fails instead.
func requireApache(t *testing.T) {
	t.Helper()
	if err := Available(); err != nil {
		need.Skip(t, "real-Apache tests need "+strings.TrimPrefix(err.Error(), "realapache: cannot run real Apache, missing: "))
	}
}

// materialize lays tree out in a temp dir and returns the dir.
func materialize(t *testing.T, tree string) string {
	t.Helper()
	tr, err := layout.Parse(t.Name()+".txtar", []byte(tree))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := tr.Materialize(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// start lays tree out in a temp dir and starts Apache on it; see
// requireApache for a machine without it.
func start(t *testing.T, tree string, ports ...int) (*Server, string) {
	t.Helper()
	requireApache(t)
	dir := materialize(t, tree)
	s, err := Start(dir, "", ports)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Error(err)
		}
	})
	return s, dir
}

// get checks the status of one request.
func get(t *testing.T, s *Server, port int, path, ip string, want int) {
	t.Helper()
	if got, err := s.Do("GET", port, "", path, ip); err != nil {
		t.Errorf("GET %s from %q: %v", path, ip, err)
	} else if got != want {
		t.Errorf("GET %s from %q = %d, want %d", path, ip, got, want)
	}
}

// snapshot records the host paths Apache would touch without isolation:
// every entry's name, mode, size and content hash.
func snapshot(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, root := range []string{"/etc/apache2", "/srv", "/var/www", "/var/log/apache2", "/run/apache2",
		"/run/lock/apache2", "/var/lib/apache2", "/var/cache/apache2", "/home", "/usr/share/apache2"} {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				fmt.Fprintf(&b, "%s: %v\n", p, err)
				return nil
			}
			fi, err := d.Info()
			if err != nil {
				return nil
			}
			fmt.Fprintf(&b, "%s %v %d", p, fi.Mode(), fi.Size())
			if fi.Mode().IsRegular() {
				data, _ := os.ReadFile(p)
				fmt.Fprintf(&b, " %x", sha256.Sum256(data))
			}
			b.WriteString("\n")
			return nil
		})
	}
	for _, f := range []string{"/run/apache2.pid", "/etc/apache2/logs"} {
		_, err := os.Lstat(f)
		fmt.Fprintf(&b, "%s: %v\n", f, err)
	}
	for _, f := range []string{"/etc/passwd", "/etc/group"} {
		data, _ := os.ReadFile(f)
		fmt.Fprintf(&b, "%s %x\n", f, sha256.Sum256(data))
	}
	return b.String()
}

// head is the start of the tests' apache2.conf.
var head = "-- etc/apache2/apache2.conf --\n" + ConfHead("mpm_event", "authz_core", "authz_host", "dir", "mime", "autoindex")

var plainTree = head + `Listen 127.0.0.1:18400
Listen [::1]:18400
ServerName localhost
DocumentRoot /srv/www
<Directory />
    Options FollowSymLinks
    AllowOverride None
    Require all denied
</Directory>
<Directory /srv/www>
    Options -Indexes
    Require all granted
</Directory>
<Directory /srv/www/local>
    Require ip 127.0.0.1
</Directory>
-- srv/www/ok.html --
ok
-- srv/www/f600.html --
secret
-- srv/www/local/a.html --
local
-- srv/www/noindex/a.html --
-- srv/www/closed/a.html --
-- .fsmeta --
chmod 0600 srv/www/f600.html
chmod 0700 srv/www/closed
`

func TestPlain(t *testing.T) {
	requireApache(t)
	before := snapshot(t)
	s, _ := start(t, plainTree, 18400)

	for _, c := range []struct {
		method, path, ip string
		want             int
	}{
		{"GET", "/ok.html", "", 200},
		{"HEAD", "/ok.html", "", 200},
		{"GET", "/f600.html", "", 403},
		{"GET", "/noindex/", "", 403},
		{"GET", "/noindex", "", 301},
		{"GET", "/closed/a.html", "", 403},
		{"GET", "/missing", "", 404},
		{"GET", "/local/a.html", "", 200},
		{"GET", "/local/a.html", "127.0.0.1", 200},
		{"GET", "/local/a.html", "127.0.0.2", 403},
		{"GET", "/local/a.html", "::1", 403},
		{"GET", "/ok.html", "127.0.0.2", 200},
	} {
		got, err := s.Do(c.method, 18400, "localhost", c.path, c.ip)
		if err != nil {
			t.Errorf("%s %s from %q: %v", c.method, c.path, c.ip, err)
		} else if got != c.want {
			t.Errorf("%s %s from %q = %d, want %d", c.method, c.path, c.ip, got, c.want)
		}
	}

	log := s.ErrorLog()
	for _, want := range []string{
		"(13)Permission denied: [client 127.0.0.1:",
		"AH00132: file permissions deny server access: /srv/www/f600.html",
		"AH00035: access to /closed/a.html denied (filesystem path '/srv/www/closed/a.html') because search permissions are missing on a component of the path",
		"AH01276: Cannot serve directory /srv/www/noindex/",
		"[client 127.0.0.2:",
		"AH01630: client denied by server configuration: /srv/www/local/a.html",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("error log lacks %q:\n%s", want, log)
		}
	}
	// Nothing of the tree shows on the host while Apache runs.
	if during := snapshot(t); during != before {
		t.Errorf("host changed while Apache runs:\nbefore:\n%s\nduring:\n%s", before, during)
	}

	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if realserver.Accepts(18400) {
		t.Errorf("port 18400 still open after Stop")
	}
	if _, err := s.Do("GET", 18400, "localhost", "/ok.html", ""); err == nil {
		t.Errorf("Do after Stop succeeded")
	}
	if err := s.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	if !strings.Contains(s.ErrorLog(), "AH00132") {
		t.Errorf("ErrorLog after Stop lost the log")
	}
	if _, err := os.Stat(s.tmp); err == nil {
		t.Errorf("temp dir %s left behind", s.tmp)
	}
	if after := snapshot(t); after != before {
		t.Errorf("host changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func TestWorkerUser(t *testing.T) {
	// The tree's envvars names the run user and group, and its etc/passwd
	// and etc/group give them their ids: a file of group web mode 0640 is
	// readable, one of www-data is not.
	s, _ := start(t, head+`Listen 127.0.0.1:18401
ServerName localhost
DocumentRoot /srv/www
<Directory /srv/www>
    Require all granted
</Directory>
-- etc/apache2/envvars --
unset HOME
export APACHE_RUN_USER=web
export APACHE_RUN_GROUP="web"
export APACHE_LOG_DIR=/var/log/apache2$SUFFIX
export LANG=C
-- etc/passwd --
root:x:0:0:root:/root:/bin/bash
web:x:4100:4100:web:/nonexistent:/usr/sbin/nologin
-- etc/group --
root:x:0:
web:x:4100:
www-data:x:33:
-- srv/www/web.html --
-- srv/www/wwwdata.html --
-- srv/www/owner.html --
-- .fsmeta --
chown root:web srv/www/web.html
chmod 0640 srv/www/web.html
chown root:www-data srv/www/wwwdata.html
chmod 0640 srv/www/wwwdata.html
chown web srv/www/owner.html
chmod 0400 srv/www/owner.html
`, 18401)
	get(t, s, 18401, "/web.html", "", 200)
	get(t, s, 18401, "/wwwdata.html", "", 403)
	get(t, s, 18401, "/owner.html", "", 200)
	if !strings.Contains(s.ErrorLog(), "AH00132: file permissions deny server access: /srv/www/wwwdata.html") {
		t.Errorf("error log lacks the refusal of wwwdata.html:\n%s", s.ErrorLog())
	}
	if _, err := s.Do("GET", 18401, "", "/", "", map[string]string{"X": "a\r\nInjected: 1"}); err == nil {
		t.Errorf("a header value with CRLF was sent")
	}
}

func TestDebianConfig(t *testing.T) {
	// A copy of the host's own /etc/apache2 (Debian's stock config, its
	// envvars, mods-enabled and conf-enabled) with its port moved to
	// 127.0.0.1 and a site added: it runs unchanged otherwise.
	requireApache(t)
	if _, err := os.Stat("/etc/apache2/apache2.conf"); err != nil {
		need.Skip(t, "the Debian-config test needs Debian's /etc/apache2 (apt-get install apache2)")
	}
	before := snapshot(t)
	dir := materialize(t, `
-- var/www/html/index.html --
default
-- srv/site/index.html --
site
-- srv/site/private/a.html --
-- .fsmeta --
mkdir etc
`)
	files := map[string]string{
		"ports.conf": "Listen 127.0.0.1:18402\n",
		"sites-enabled/000-default.conf": `<VirtualHost *:18402>
	DocumentRoot /var/www/html
	ErrorLog ${APACHE_LOG_DIR}/error.log
</VirtualHost>
`,
		"sites-enabled/site.conf": `<VirtualHost *:18402>
	ServerName site.test
	DocumentRoot /srv/site
	ErrorLog ${APACHE_LOG_DIR}/error.log
	<Directory /srv/site>
		Require all granted
	</Directory>
	<Directory /srv/site/private>
		Require ip 127.0.0.2
	</Directory>
</VirtualHost>
`,
	}
	if err := CopyDebianConfig(dir, files); err != nil {
		t.Fatal(err)
	}
	s, err := Start(dir, "", []int{18402})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Error(err)
		}
	})
	for _, c := range []struct {
		host, path, ip string
		want           int
	}{
		{"localhost", "/", "", 200},
		{"localhost", "/.htaccess", "", 403}, // the stock <Files ".ht*">
		{"site.test", "/", "", 200},
		{"site.test", "/private/a.html", "", 403},
		{"site.test", "/private/a.html", "127.0.0.2", 200},
		{"site.test", "/missing", "", 404},
	} {
		if got, err := s.Do("GET", 18402, c.host, c.path, c.ip); err != nil {
			t.Errorf("GET %s%s from %q: %v", c.host, c.path, c.ip, err)
		} else if got != c.want {
			t.Errorf("GET %s%s from %q = %d, want %d", c.host, c.path, c.ip, got, c.want)
		}
	}
	log := s.ErrorLog()
	for _, want := range []string{"AH00558", "AH01630: client denied by server configuration: /srv/site/private/a.html"} {
		if !strings.Contains(log, want) {
			t.Errorf("error log lacks %q:\n%s", want, log)
		}
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if after := snapshot(t); after != before {
		t.Errorf("host changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func TestSyntaxError(t *testing.T) {
	requireApache(t)
	// Apache's own messages, as `apache2 -t` prints them. head holds its
	// txtar header and the config's first lines; the second line of each
	// conf is the wrong one.
	line := strings.Count(head, "\n") + 1
	for _, c := range []struct {
		name, conf string
		want       []string
	}{
		{"unclosed", "Listen 127.0.0.1:18403\n<Directory /srv/www>\n    Require all granted\n", []string{
			fmt.Sprintf("apache2: Syntax error on line %d of /etc/apache2/apache2.conf: /etc/apache2/apache2.conf:%[1]d: <Directory> was not closed.", line),
		}},
		{"invalid", "Listen 127.0.0.1:18403\nRewriteEngine on\n", []string{
			fmt.Sprintf("AH00526: Syntax error on line %d of /etc/apache2/apache2.conf:", line),
			"Invalid command 'RewriteEngine', perhaps misspelled or defined by a module not included in the server configuration",
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := materialize(t, head+c.conf)
			s, err := Start(dir, "/etc/apache2/apache2.conf", []int{18403})
			if err == nil {
				s.Stop()
				t.Fatal("Start succeeded on a config with a syntax error")
			}
			for _, want := range append(c.want, "apache2 -t -f /etc/apache2/apache2.conf failed") {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
			if realserver.Accepts(18403) {
				t.Errorf("port 18403 open after a failed Start")
			}
		})
	}
}

func TestStartErrors(t *testing.T) {
	requireApache(t)
	// Apache passes its config test but cannot run. Start must report
	// Apache's own message, not time out nor succeed: Apache listens on
	// 18404 before mod_mime fails, then exits.
	for _, c := range []struct {
		name, conf string
		port       int
		want       string
	}{
		{"bind", "Listen 192.0.2.1:18404\n", 18404,
			"could not bind to address 192.0.2.1:18404"},
		{"mime", "Listen 127.0.0.1:18404\nTypesConfig /etc/apache2/missing.types\n", 18404,
			"AH01597: could not open mime types config file /etc/apache2/missing.types"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := materialize(t, head+c.conf)
			_, err := Start(dir, "", []int{c.port})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want %q", err, c.want)
			}
			if realserver.Accepts(c.port) {
				t.Errorf("port %d open after a failed Start", c.port)
			}
		})
	}

	_, err := Start(filepath.Join(t.TempDir(), "nonexistent"), "", nil)
	if err == nil || !strings.Contains(err.Error(), "no such file or directory") {
		t.Errorf("missing tree: got %v", err)
	}
}

func TestReload(t *testing.T) {
	s, dir := start(t, head+`Listen 127.0.0.1:18405
ServerName localhost
DocumentRoot /srv/www
<Directory /srv/www>
    Require all granted
</Directory>
-- etc/apache2/envvars --
export APACHE_RUN_USER=nobody
export APACHE_RUN_GROUP=nogroup
-- srv/www/g.html --
group www-data
-- srv/www/new/a.html --
-- .fsmeta --
chown root:www-data srv/www/g.html
chmod 0640 srv/www/g.html
`, 18405)
	conf := filepath.Join(dir, "etc/apache2/apache2.conf")
	orig, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	write := func(text string) {
		t.Helper()
		// as unforbid --apply writes: a new file renamed over the old
		tmp := conf + ".new"
		if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, conf); err != nil {
			t.Fatal(err)
		}
	}

	get(t, s, 18405, "/g.html", "", 403) // workers run as nobody:nogroup
	get(t, s, 18405, "/new/a.html", "", 200)
	// A new Group and a new refusal: both answer at once after Reload,
	// with no request meeting a child of the old generation.
	write(string(orig) + "Group www-data\n<Directory /srv/www/new>\n    Require all denied\n</Directory>\n")
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	for range 20 {
		get(t, s, 18405, "/g.html", "", 200)
		get(t, s, 18405, "/new/a.html", "", 403)
	}
	if log := s.ErrorLog(); !strings.Contains(log, "AH00493: SIGUSR1 received.  Doing graceful restart") {
		t.Errorf("error log lacks the graceful restart:\n%s", log)
	}

	// A config that fails its test is not loaded: the old one serves on.
	write(string(orig) + "<Directory /srv/www/new>\n")
	err = s.Reload()
	if err == nil || !strings.Contains(err.Error(), "apache2 -t") || !strings.Contains(err.Error(), "was not closed") {
		t.Errorf("Reload of a broken config: got %v", err)
	}
	get(t, s, 18405, "/new/a.html", "", 403)

	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := s.Reload(); err == nil || !strings.Contains(err.Error(), "exited") {
		t.Errorf("Reload after Stop: got %v", err)
	}
}

func TestEnvvars(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "envvars")
	// Debian's own envvars, and one that overrides it; the shell around
	// the export lines is never run.
	if err := os.WriteFile(p, []byte(`unset HOME
if [ "${APACHE_CONFDIR##/etc/apache2-}" != "${APACHE_CONFDIR}" ] ; then
	SUFFIX="-${APACHE_CONFDIR##/etc/apache2-}"
else
	SUFFIX=
fi
export APACHE_RUN_USER=web
export APACHE_RUN_GROUP='web'
export APACHE_RUN_DIR=/var/run/apache2$SUFFIX
export APACHE_PID_FILE="${APACHE_RUN_DIR}/x.pid"
  export APACHE_LOG_DIR=/var/log/apache2
# export APACHE_LOCK_DIR=/elsewhere
export LANG
`), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := envvars(p)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"APACHE_RUN_USER":  "web",
		"APACHE_RUN_GROUP": "web",
		"APACHE_PID_FILE":  "/var/run/apache2/x.pid",
		"APACHE_RUN_DIR":   "/var/run/apache2",
		"APACHE_LOCK_DIR":  "/var/lock/apache2",
		"APACHE_LOG_DIR":   "/var/log/apache2",
		"LANG":             "C",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("envvars = %v, want %v", got, want)
	}
	if got, err := envvars(filepath.Join(dir, "missing")); err != nil || fmt.Sprint(got) != fmt.Sprint(debianEnv) {
		t.Errorf("no envvars: got %v, %v; want Debian's %v", got, err, debianEnv)
	}
}

func TestInTemp(t *testing.T) {
	for _, c := range []struct {
		dir  string
		want bool
	}{
		{"/run/apache2", true},
		{"/var/run/apache2", true},
		{"/var/lock/apache2", true},
		{"/var/log/apache2", true},
		{"/var/log/apache2/sub", true},
		{"/var/log/apache2x", false},
		{"/var/run/../../etc/x", false},
		{"/etc/apache2", false},
		{"relative/run", false},
		{"", false},
	} {
		if got := inTemp(c.dir); got != c.want {
			t.Errorf("inTemp(%q) = %v, want %v", c.dir, got, c.want)
		}
	}
}
