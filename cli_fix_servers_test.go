package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/internal/treetest/need"
)

// TestServerCommands checks the config test and reload of each server
// kind and layout, with the tools found where the case says.
func TestServerCommands(t *testing.T) {
	for _, c := range []struct {
		name      string
		kind      string
		main      string
		installed []string
		test      string
		reload    string
	}{
		{"nginx", "nginx", "/etc/nginx/nginx.conf", []string{"nginx"},
			"/usr/sbin/nginx -t -q -c /etc/nginx/nginx.conf", "/usr/sbin/nginx -s reload -c /etc/nginx/nginx.conf"},
		{"nginx missing", "nginx", "/etc/nginx/nginx.conf", nil, "", ""},
		{"debian", "apache", "/etc/apache2/apache2.conf", []string{"apache2ctl", "apache2"},
			"/usr/sbin/apache2ctl -t", "/usr/sbin/apache2ctl graceful"},
		{"debian other confdir", "apache", "/etc/apache2-two/apache2.conf", []string{"apache2ctl"},
			"APACHE_CONFDIR=/etc/apache2-two /usr/sbin/apache2ctl -t -f /etc/apache2-two/apache2.conf",
			"APACHE_CONFDIR=/etc/apache2-two /usr/sbin/apache2ctl -k graceful -f /etc/apache2-two/apache2.conf"},
		{"rhel", "apache", "/etc/httpd/conf/httpd.conf", []string{"httpd", "apache2ctl"},
			"/usr/sbin/httpd -t -f /etc/httpd/conf/httpd.conf", "/usr/sbin/httpd -k graceful -f /etc/httpd/conf/httpd.conf"},
		{"httpd elsewhere", "apache", "/opt/web/httpd.conf", []string{"httpd"},
			"/usr/sbin/httpd -t -f /opt/web/httpd.conf", "/usr/sbin/httpd -k graceful -f /opt/web/httpd.conf"},
		{"apache missing", "apache", "/etc/apache2/apache2.conf", []string{"nginx"}, "", ""},
		{"unknown kind", "caddy", "/etc/caddy/Caddyfile", []string{"nginx", "httpd"}, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			prev := lookBinary
			lookBinary = func(names ...string) string {
				for _, n := range names {
					if slices.Contains(c.installed, n) {
						return "/usr/sbin/" + n
					}
				}
				return ""
			}
			defer func() { lookBinary = prev }()
			test, reload, ok := serverCommands(c.kind, c.main)
			if ok != (c.test != "") {
				t.Fatalf("ok = %v, want %v", ok, c.test != "")
			}
			if !ok {
				return
			}
			if test.String() != c.test || reload.String() != c.reload {
				t.Errorf("got\n  %s\n  %s\nwant\n  %s\n  %s", test, reload, c.test, c.reload)
			}
		})
	}
}

// TestApacheConfigTestReal runs the Apache config test of a copy of the
// host's Debian /etc/apache2 (apache2ctl with APACHE_CONFDIR, reading its
// envvars): it passes, and fails once a line httpd refuses is added. It
// starts no server and takes no port.
func TestApacheConfigTestReal(t *testing.T) {
	if _, err := exec.LookPath("apache2ctl"); err != nil {
		if _, err := os.Stat("/usr/sbin/apache2ctl"); err != nil {
			need.Skip(t, "the Apache config test needs apache2ctl")
		}
	}
	if _, err := os.Stat("/etc/apache2/apache2.conf"); err != nil {
		need.Skip(t, "the Apache config test needs Debian's /etc/apache2")
	}
	dir := t.TempDir()
	if out, err := exec.Command("cp", "-a", "/etc/apache2", dir).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v: %s", err, out)
	}
	main := filepath.Join(dir, "apache2", "apache2.conf")
	test, _, ok := serverCommands("apache", main)
	if !ok {
		t.Fatal("no Apache config test")
	}
	if out, err := test.run(); err != nil {
		t.Fatalf("%s: %v: %s", test, err, out)
	}
	f, err := os.OpenFile(main, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("\nRequire all granted\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	out, err := test.run()
	if err == nil {
		t.Fatalf("%s passes a config with Require outside any section: %s", test, out)
	}
	if !strings.Contains(out, "Syntax error") && !strings.Contains(out, "failed") {
		t.Errorf("%s: unexpected output %q", test, out)
	}
}
