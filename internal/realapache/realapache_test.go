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

// modules are the LoadModule lines of the tests' configs: the tree's
// etc/apache2 hides the host's mods-available.
const modules = `LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule authz_host_module /usr/lib/apache2/modules/mod_authz_host.so
LoadModule dir_module /usr/lib/apache2/modules/mod_dir.so
LoadModule mime_module /usr/lib/apache2/modules/mod_mime.so
LoadModule autoindex_module /usr/lib/apache2/modules/mod_autoindex.so
`

// head is the start of the tests' apache2.conf, as Debian's: runtime files
// and user from the envvars variables.
const head = `-- etc/apache2/apache2.conf --
DefaultRuntimeDir ${APACHE_RUN_DIR}
PidFile ${APACHE_PID_FILE}
Mutex file:${APACHE_LOCK_DIR} default
User ${APACHE_RUN_USER}
Group ${APACHE_RUN_GROUP}
ErrorLog ${APACHE_LOG_DIR}/error.log
TypesConfig /etc/mime.types
` + modules

const plainTree = head + `Listen 127.0.0.1:18400
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
-- .fsmeta --
chmod 0600 srv/www/f600.html
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
		"AH00132: file permissions deny server access: /srv/www/f600.html",
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
	if accepts(18400) {
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
