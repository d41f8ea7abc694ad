package apache

import (
	"encoding/json"
	"fmt"
	"net"
	"reflect"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/internal/layout"
	conf "github.com/unforbid/unforbid/parser/apache"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules/simulate"
)

// TestCanonIP checks canonIP against what it stands for,
// net.ParseIP(ip).String() (ip itself when it is no address), on
// addresses netip takes as written and on those it refuses or writes
// otherwise: leading zeros, IPv4 in IPv6, zones, short forms.
func TestCanonIP(t *testing.T) {
	for _, ip := range []string{"127.0.0.1", "0.0.0.0", "255.255.255.255", "192.0.2.10", "010.0.0.1", "1.2.3.04",
		"1.2.3", "1.2.3.4.5", "256.1.1.1", "::1", "::ffff:192.0.2.1", "::FFFF:C000:0201", "2001:DB8::1", "2001:db8:0:0:0:0:0:1",
		"fe80::1%eth0", "", "localhost", "example.com", " 1.2.3.4", "1.2.3.4 ", "[::1]", "1.2.3.4:80"} {
		want := ip
		if p := net.ParseIP(ip); p != nil {
			want = p.String()
		}
		if got := canonIP(ip); got != want {
			t.Errorf("canonIP(%q) = %q, want %q", ip, got, want)
		}
	}
}

// TestPerDirReleased checks that nothing a decision holds is the
// per-directory configuration its request gave back to perDirs: every
// request of every tree is answered in turn on one simulator, each
// answer written out (JSON, pointers followed) only once all are made,
// and held to what it wrote right after it was made; and Lint, which
// gives its configurations back too, says the same before and after.
func TestPerDirReleased(t *testing.T) {
	for _, tt := range trees {
		t.Run(tt.name, func(t *testing.T) {
			_, s := load(t, tt)
			lint, err := json.Marshal(s.Lint())
			if err != nil {
				t.Fatal(err)
			}
			got := make([]*simulate.Decision, len(tt.reqs))
			want := make([][]byte, len(tt.reqs))
			for round := range 2 {
				for i, r := range tt.reqs {
					d := r.simulate(t, s)
					b, err := json.Marshal(d)
					if err != nil {
						t.Fatal(err)
					}
					if round == 0 {
						got[i], want[i] = d, b
					}
				}
			}
			for i, r := range tt.reqs {
				if b, _ := json.Marshal(got[i]); string(b) != string(want[i]) {
					t.Errorf("%s%s: once others were answered\n%s\nwant %s", r.host, r.path, b, want[i])
				}
			}
			if b, _ := json.Marshal(s.Lint()); string(b) != string(lint) {
				t.Errorf("Lint once requests were answered:\n%s\nwant %s", b, lint)
			}
		})
	}
}

// TestMainAlone checks the shortcut of Lint's shared answers
// (mainAlone, effects): for every virtual host of the table and every
// directory asked, effective's answer in the host's scopes is the main
// server's alone wherever mainAlone says so; the hosts whose sections
// or lines change the answer (a grant at the target, at a directory on
// its way, at "/", lines outside sections, something unmodelled) are
// not taken for the main server, and their answers differ from its own,
// so a shortcut keyed too loosely fails here. Lint then says the same
// with the shortcut and without.
func TestMainAlone(t *testing.T) {
	hosts := []struct {
		name, body string
		alone      bool // mainAlone for /usr/share/icons
		differs    bool // its answer for /usr/share/icons is not the main server's
	}{
		{"grant-target", "<Directory /usr/share/icons>\n    Require all granted\n</Directory>", false, true},
		{"grant-parent", "<Directory /usr/share>\n    Require all granted\n</Directory>", false, true},
		{"grant-root", "<Directory />\n    Require all granted\n</Directory>", false, true},
		{"deny-target-slash", "<Directory /usr/share/icons/>\n    Require local\n</Directory>", false, true},
		{"override", "<Directory /usr>\n    AllowOverride All\n</Directory>", false, true},
		{"plain", "Options -FollowSymLinks", false, false},
		{"plain-require", "Require all granted", false, true},
		{"limit", "<Limit GET>\n    Require all granted\n</Limit>", true, false}, // among others: effective reads none
		{"filesmatch", "<FilesMatch \"^\\.ht\">\n    Require all denied\n</FilesMatch>\nServerAdmin x@example.com", true, false},
		{"files-grant", "<Files a.png>\n    Require all granted\n</Files>", true, false},
		{"unsure", "AcceptPathInfo On", false, true},
		{"wild", "<Directory /usr/share/ico*>\n    Require all granted\n</Directory>", true, false},
		{"elsewhere", "<Directory /srv/other>\n    Require all granted\n</Directory>", true, false},
		{"below", "<Directory /usr/share/icons/small>\n    Require all granted\n</Directory>", true, false},
		{"sibling", "<Directory /usr/share/iconsx>\n    Require all granted\n</Directory>", true, false},
		{"nothing", "", true, false},
	}
	conf := "Listen 127.0.0.1:18499\nServerName localhost\nDocumentRoot /srv/www\nAlias /icons/ /usr/share/icons/\n" +
		"<Directory />\n    AllowOverride None\n    Require all denied\n</Directory>\n<Directory /srv/www>\n    Require all granted\n</Directory>\n"
	for _, h := range hosts {
		conf += fmt.Sprintf("<VirtualHost *:18499>\n    ServerName %s.example\n    DocumentRoot /srv/www\n%s\n</VirtualHost>\n", h.name, h.body)
	}
	tt := testTree{name: "mainalone", tree: head + conf + "-- srv/www/index.html --\nhi\n-- usr/share/icons/a.png --\npng\n"}
	_, s := load(t, tt)
	if len(s.vhosts) != len(hosts) {
		t.Fatalf("%d virtual hosts, want %d", len(s.vhosts), len(hosts))
	}
	main := s.effectOf([]*scope{s.main}, "/usr/share/icons")
	for i, h := range hosts {
		v := s.vhosts[i].scope
		for _, dir := range []string{"/usr/share/icons", "/usr/share", "/", "/srv/www", "/usr/share/icons/small", "/usr/share/icons/",
			"/usr/share/../share/icons", "usr/share/icons", "../usr/share/icons", "/usr/./share//icons", "", "/usr/share/iconsx", "/usr/shar"} {
			if got, want := mainAlone(v, dir), v.unsure == "" && filesOnly(v) && noDirOnWay(v, dir); got != want {
				t.Errorf("%s: mainAlone(%q) = %v, its walk says %v", h.name, dir, got, want)
			}
			both := s.effectOf([]*scope{s.main, v}, dir)
			if mainAlone(v, dir) && !reflect.DeepEqual(both, s.effectOf([]*scope{s.main}, dir)) {
				t.Errorf("%s: %s taken for the main server's alone, but answers %+v, not %+v", h.name, dir, both, s.effectOf([]*scope{s.main}, dir))
			}
		}
		if got := mainAlone(v, "/usr/share/icons"); got != h.alone {
			t.Errorf("%s: mainAlone = %v, want %v", h.name, got, h.alone)
		}
		if got := !reflect.DeepEqual(s.effectOf([]*scope{s.main, v}, "/usr/share/icons"), main); got != h.differs {
			t.Errorf("%s: answer differs from the main server's: %v, want %v", h.name, got, h.differs)
		}
	}
	shared := s.Lint()
	defer func(on bool) { shareMainEffects = on }(shareMainEffects)
	shareMainEffects = false
	if alone := s.Lint(); !reflect.DeepEqual(shared, alone) {
		t.Errorf("Lint with the main server's answers shared:\n%+v\nwithout:\n%+v", shared, alone)
	}
}

// TestPresenceKeyed checks the answers presence keeps (by the
// directory's metadata and the name): an answer holds for the FS and the
// directory path it was asked of only, never for another directory
// given the same metadata, another FS, or another name.
func TestPresenceKeyed(t *testing.T) {
	files := "-- srv/a/.htaccess --\nRequire all denied\n-- srv/b/x --\nx\n"
	_, s := load(t, testTree{name: "presence", tree: head + "Listen 127.0.0.1:18498\n" + files})
	_, other := load(t, testTree{name: "presence2", tree: head + "Listen 127.0.0.1:18498\n-- srv/a/x --\nx\n-- srv/b/.htaccess --\nRequire all denied\n"})
	fa, err := s.FS.Lstat("/srv/a")
	if err != nil {
		t.Fatal(err)
	}
	fb, err := s.FS.Lstat("/srv/b")
	if err != nil {
		t.Fatal(err)
	}
	var c presence
	for _, q := range []struct {
		fs   *fsmeta.FS
		dir  string
		info *fsmeta.Info
		name string
		want bool
	}{
		{s.FS, "/srv/a", fa, ".htaccess", true},
		{s.FS, "/srv/b", fb, ".htaccess", false},
		{s.FS, "/srv/b", fa, ".htaccess", false}, // /srv/a's metadata, another directory
		{s.FS, "/srv/a", fa, ".htaccess", true},
		{other.FS, "/srv/a", fa, ".htaccess", false}, // the same metadata, another FS
		{other.FS, "/srv/b", fa, ".htaccess", true},
		{s.FS, "/srv/a", fa, ".htpasswd", false}, // another name
		{s.FS, "/srv/a", fa, ".htaccess", true},
		{s.FS, "/srv/a", nil, ".htaccess", true},
		{s.FS, "/srv/b", nil, ".htaccess", false},
	} {
		if got := c.lstat(q.fs, q.dir, q.info, q.name); got != q.want {
			t.Errorf("%s/%s (metadata of %v): %v, want %v", q.dir, q.name, q.info != nil && q.info == fa, got, q.want)
		}
	}
}

// TestSitesRoom checks Sites with the room it makes for every host at
// once: nil when nothing is reachable (as it answered when its slice
// grew), and the main server then every host, in order, otherwise.
func TestSitesRoom(t *testing.T) {
	_, none := load(t, testTree{name: "nosite", tree: head})
	if got := none.Sites(); got != nil {
		t.Errorf("no Listen: Sites() = %#v, want nil", got)
	}
	_, s := load(t, trees[0])
	sites := s.Sites()
	if len(sites) == 0 || cap(sites) != len(s.vhosts)+1 {
		t.Errorf("%d sites, room for %d, want room for %d", len(sites), cap(sites), len(s.vhosts)+1)
	}
}

// TestValidateNames checks validate's names lower-cased once per name as
// written: one configuration writing a section name in several cases
// is refused at each of them alike.
func TestValidateNames(t *testing.T) {
	for _, name := range []string{"Directory", "directory", "DIRECTORY", "DiReCtOrY"} {
		tree, err := layout.Parse("names.txtar", []byte(head+"Listen 127.0.0.1:18497\n<Directory /srv>\n</Directory>\n<"+name+">\n</"+name+">\n"))
		if err != nil {
			t.Fatal(err)
		}
		fsys, err := tree.Memory("")
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := conf.Load("/etc/apache2/apache2.conf", conf.Options{FS: fsys, Env: debianEnv})
		if err != nil {
			t.Fatal(err)
		}
		if err := validate(cfg, fsys); err == nil || !strings.Contains(err.Error(), "<"+name+"> directive requires additional arguments") {
			t.Errorf("<%s> without arguments: %v", name, err)
		}
	}
}
