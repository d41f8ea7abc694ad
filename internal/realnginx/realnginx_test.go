package realnginx

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

// requireNginx skips t, with one line naming what is missing, when real
// nginx cannot run here; with UNFORBID_E2E=1 (.ci/run) it fails instead.
func requireNginx(t *testing.T) {
	t.Helper()
	if err := Available(); err != nil {
		need.Skip(t, "real-nginx tests need "+strings.TrimPrefix(err.Error(), "realnginx: cannot run real nginx, missing: "))
	}
}

// start lays tree out in a temp dir and starts nginx on it; see
// requireNginx for a machine without it.
func start(t *testing.T, tree string, ports ...int) *Server {
	t.Helper()
	requireNginx(t)
	tr, err := layout.Parse(t.Name()+".txtar", []byte(tree))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := tr.Materialize(dir); err != nil {
		t.Fatal(err)
	}
	s, err := Start(dir, "", ports)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// snapshot records the host paths nginx would touch without isolation:
// every entry's name, mode, size and content hash.
func snapshot(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, root := range []string{"/etc/nginx", "/srv", "/var/www", "/var/log/nginx", "/var/lib/nginx", "/home", "/usr/share/nginx"} {
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
	_, err := os.Lstat("/run/nginx.pid")
	fmt.Fprintf(&b, "/run/nginx.pid: %v\n", err)
	for _, f := range []string{"/etc/passwd", "/etc/group"} {
		data, _ := os.ReadFile(f)
		fmt.Fprintf(&b, "%s %x\n", f, sha256.Sum256(data))
	}
	return b.String()
}

const plainTree = `
-- etc/nginx/nginx.conf --
user www-data;
events {}
http {
    server {
        listen 127.0.0.1:18080;
        root /srv/www;
    }
}
-- srv/www/ok.html --
ok
-- srv/www/f600.html --
secret
-- .fsmeta --
chmod 0600 srv/www/f600.html
mkdir srv/www/noindex
`

func TestPlain(t *testing.T) {
	before := snapshot(t)
	s := start(t, plainTree, 18080)

	for _, c := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/ok.html", 200},
		{"HEAD", "/ok.html", 200},
		{"GET", "/f600.html", 403},
		{"GET", "/noindex/", 403},
		{"GET", "/noindex", 301},
		{"GET", "/missing", 404},
		{"POST", "/ok.html", 405},
	} {
		got, err := s.Do(c.method, 18080, "localhost", c.path, "")
		if err != nil {
			t.Errorf("%s %s: %v", c.method, c.path, err)
		} else if got != c.want {
			t.Errorf("%s %s = %d, want %d", c.method, c.path, got, c.want)
		}
	}

	log := s.ErrorLog()
	for _, want := range []string{
		`open() "/srv/www/f600.html" failed (13: Permission denied)`,
		`directory index of "/srv/www/noindex/" is forbidden`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("error log lacks %q:\n%s", want, log)
		}
	}
	// Nothing of the tree shows on the host while nginx runs.
	if during := snapshot(t); during != before {
		t.Errorf("host changed while nginx runs:\nbefore:\n%s\nduring:\n%s", before, during)
	}

	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if realserver.Accepts(18080) {
		t.Errorf("port 18080 still open after Stop")
	}
	if _, err := s.Do("GET", 18080, "localhost", "/ok.html", ""); err == nil {
		t.Errorf("Do after Stop succeeded")
	}
	if err := s.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	if !strings.Contains(s.ErrorLog(), "Permission denied") {
		t.Errorf("ErrorLog after Stop lost the log")
	}
	if _, err := os.Stat(s.tmp); err == nil {
		t.Errorf("temp dir %s left behind", s.tmp)
	}
	if after := snapshot(t); after != before {
		t.Errorf("host changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func TestWorkerUserAndClientIP(t *testing.T) {
	// No user directive: workers run as nobody:nogroup, here from the
	// tree's own etc/passwd, which gives nobody uid 4000. A file of group
	// nogroup mode 0640 is readable, one of www-data is not.
	s := start(t, `
-- etc/nginx/nginx.conf --
events {}
http {
    server {
        listen 127.0.0.1:18082;
        listen [::1]:18082;
        root /srv/www;
        location /local/ { allow 127.0.0.1; deny all; }
        location /auth/ { auth_basic "x"; auth_basic_user_file /etc/nginx/missing; }
    }
}
-- etc/passwd --
root:x:0:0:root:/root:/bin/bash
nobody:x:4000:65534:nobody:/nonexistent:/usr/sbin/nologin
-- srv/www/nogroup.html --
-- srv/www/wwwdata.html --
-- srv/www/owner.html --
-- srv/www/local/a.html --
-- srv/www/auth/a.html --
-- .fsmeta --
chown root:nogroup srv/www/nogroup.html
chmod 0640 srv/www/nogroup.html
chown root:www-data srv/www/wwwdata.html
chmod 0640 srv/www/wwwdata.html
chown nobody srv/www/owner.html
chmod 0400 srv/www/owner.html
`, 18082)
	for _, c := range []struct {
		path, ip string
		want     int
	}{
		{"/nogroup.html", "", 200},
		{"/wwwdata.html", "", 403},
		{"/owner.html", "", 200},
		{"/local/a.html", "127.0.0.1", 200},
		{"/local/a.html", "127.0.0.2", 403},
		{"/local/a.html", "::1", 403},
	} {
		got, err := s.Do("GET", 18082, "", c.path, c.ip)
		if err != nil {
			t.Errorf("GET %s from %q: %v", c.path, c.ip, err)
		} else if got != c.want {
			t.Errorf("GET %s from %q = %d, want %d", c.path, c.ip, got, c.want)
		}
	}
	auth := map[string]string{"authorization": "Basic YWxpY2U6c2VjcmV0"} // alice:secret
	for _, c := range []struct {
		headers []map[string]string
		want    int
	}{
		{nil, 401},
		{[]map[string]string{auth}, 403}, // the user file is missing
	} {
		got, err := s.Do("GET", 18082, "", "/auth/a.html", "", c.headers...)
		if err != nil {
			t.Errorf("GET /auth/a.html %v: %v", c.headers, err)
		} else if got != c.want {
			t.Errorf("GET /auth/a.html %v = %d, want %d", c.headers, got, c.want)
		}
	}
	if _, err := s.Do("GET", 18082, "", "/", "", map[string]string{"X": "a\r\nInjected: 1"}); err == nil {
		t.Errorf("a header value with CRLF was sent")
	}

	log := s.ErrorLog()
	for _, want := range []string{"client: 127.0.0.2", "client: ::1", "access forbidden by rule",
		`open() "/etc/nginx/missing" failed (2: No such file or directory)`} {
		if !strings.Contains(log, want) {
			t.Errorf("error log lacks %q:\n%s", want, log)
		}
	}
}

func TestSyntaxError(t *testing.T) {
	requireNginx(t)
	tr, err := layout.Parse("bad.txtar", []byte(`
-- etc/nginx/nginx.conf --
events {}
http {
    server { listen 127.0.0.1:18081 }
}
`))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := tr.Materialize(dir); err != nil {
		t.Fatal(err)
	}
	s, err := Start(dir, "/etc/nginx/nginx.conf", []int{18081})
	if err == nil {
		s.Stop()
		t.Fatal("Start succeeded on a config with a syntax error")
	}
	for _, want := range []string{"[emerg]", `unexpected "}" in /etc/nginx/nginx.conf:3`, "test failed"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if realserver.Accepts(18081) {
		t.Errorf("port 18081 open after a failed Start")
	}
}

func TestStartErrors(t *testing.T) {
	requireNginx(t)
	// nginx passes its config test but cannot run: the listen address is
	// not local. Start must report nginx's own message, not time out.
	tr, err := layout.Parse("bind.txtar", []byte(`
-- etc/nginx/nginx.conf --
events {}
http { server { listen 192.0.2.1:18083; } }
`))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := tr.Materialize(dir); err != nil {
		t.Fatal(err)
	}
	_, err = Start(dir, "", []int{18083})
	if err == nil || !strings.Contains(err.Error(), "bind() to 192.0.2.1:18083 failed") {
		t.Errorf("got %v", err)
	}

	_, err = Start(filepath.Join(dir, "nonexistent"), "", nil)
	if err == nil || !strings.Contains(err.Error(), "no such file or directory") {
		t.Errorf("missing tree: got %v", err)
	}
}

func TestReload(t *testing.T) {
	requireNginx(t)
	tr, err := layout.Parse("reload.txtar", []byte(`
-- etc/nginx/nginx.conf --
events {}
http {
    server {
        listen 127.0.0.1:18084;
        root /srv/www;
    }
}
-- srv/www/g.html --
group www-data
-- .fsmeta --
chown root:www-data srv/www/g.html
chmod 0640 srv/www/g.html
`))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := tr.Materialize(dir); err != nil {
		t.Fatal(err)
	}
	s, err := Start(dir, "", []int{18084})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Error(err)
		}
	})
	get := func(path string, want int) {
		t.Helper()
		if got, err := s.Do("GET", 18084, "", path, ""); err != nil {
			t.Errorf("GET %s: %v", path, err)
		} else if got != want {
			t.Errorf("GET %s = %d, want %d", path, got, want)
		}
	}
	conf := filepath.Join(dir, "etc/nginx/nginx.conf")
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

	get("/g.html", 403) // workers run as nobody
	get("/new", 404)
	// A new user directive and a new location: both answer at once after
	// Reload, with no request meeting an old worker.
	write(`user www-data;
events {}
http {
    server {
        listen 127.0.0.1:18084;
        root /srv/www;
        location = /new { return 204; }
    }
}
`)
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	for range 20 {
		get("/g.html", 200)
		get("/new", 204)
	}

	// A config that fails its test is not loaded: the old one serves on.
	write("events {}\nhttp { server { listen 127.0.0.1:18084 } }\n")
	err = s.Reload()
	if err == nil || !strings.Contains(err.Error(), "nginx -t") || !strings.Contains(err.Error(), `unexpected "}"`) {
		t.Errorf("Reload of a broken config: got %v", err)
	}
	get("/new", 204)

	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := s.Reload(); err == nil || !strings.Contains(err.Error(), "exited") {
		t.Errorf("Reload after Stop: got %v", err)
	}
}
