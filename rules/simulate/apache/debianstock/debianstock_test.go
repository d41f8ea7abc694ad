package debianstock

import (
	"bytes"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestStockIsDebians checks the embedded copy against the host's
// /etc/apache2 when it is Debian's package unchanged (dpkg --verify).
func TestStockIsDebians(t *testing.T) {
	if _, err := os.Stat("/etc/apache2/apache2.conf"); err != nil {
		t.Skip("no /etc/apache2 here")
	}
	if out, err := run("dpkg", "--verify", "apache2"); err != nil || strings.TrimSpace(out) != "" {
		t.Skipf("the host's apache2 package is not pristine (%v): %s", err, out)
	}
	for p, b := range Stock() {
		real, err := os.ReadFile(filepath.FromSlash(p)) // through the enabling symlinks
		if err != nil {
			// mods-available/rewrite.load is there even when not enabled.
			t.Errorf("%s: %v", p, err)
			continue
		}
		if !bytes.Equal(real, b) {
			t.Errorf("%s differs from the host's", p)
		}
	}
	for _, dir := range []string{"mods-enabled", "conf-enabled", "sites-enabled"} {
		names, _ := filepath.Glob("/etc/apache2/" + dir + "/*")
		for _, n := range names {
			if n == "/etc/apache2/mods-enabled/rewrite.load" {
				continue
			}
			if _, ok := Stock()[n]; !ok {
				t.Errorf("%s is enabled on the host and not embedded", n)
			}
		}
	}
}

func TestFiles(t *testing.T) {
	for _, c := range []struct {
		name    string
		site    Site
		want    map[string][]string // file → substrings
		wantErr string
		rewrite bool
	}{
		{name: "default port", site: Site{DocRoot: "/home/u/public_html/", Rewrite: true},
			want: map[string][]string{
				"/etc/apache2/ports.conf": {"\nListen 80\n"},
				defaultSite:               {"<VirtualHost *:80>", "DocumentRoot \"/home/u/public_html\"\n\t<Directory \"/home/u/public_html\">\n\t\tAllowOverride All\n\t\tRequire all granted\n\t</Directory>", "ErrorLog ${APACHE_LOG_DIR}/error.log"},
			}, rewrite: true},
		{name: "test port", site: Site{DocRoot: "/srv/a b", Listen: "127.0.0.1:18471"},
			want: map[string][]string{
				"/etc/apache2/ports.conf": {"\nListen 127.0.0.1:18471\n"},
				defaultSite:               {"<VirtualHost *:18471>", `DocumentRoot "/srv/a b"`},
			}},
		{name: "relative", site: Site{DocRoot: "www"}, wantErr: "absolute"},
		{name: "quote", site: Site{DocRoot: `/srv/"x`}, wantErr: "absolute path without quotes"},
		{name: "bad listen", site: Site{DocRoot: "/srv", Listen: "127.0.0.1:x"}, wantErr: "[ADDRESS:]PORT"},
	} {
		t.Run(c.name, func(t *testing.T) {
			files, err := Files(c.site)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for name, subs := range c.want {
				for _, s := range subs {
					if !strings.Contains(string(files[name]), s) {
						t.Errorf("%s lacks %q:\n%s", name, s, files[name])
					}
				}
			}
			_, has := files["/etc/apache2/mods-enabled/rewrite.load"]
			if has != c.rewrite {
				t.Errorf("rewrite.load enabled: %v, want %v", has, c.rewrite)
			}
			if _, err := FS(files); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func run(name string, args ...string) (string, error) {
	out, err := osexec.Command(name, args...).CombinedOutput()
	return string(out), err
}
