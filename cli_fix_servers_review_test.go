package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/parser/fsmeta"
	apachesim "github.com/unforbid/unforbid/rules/simulate/apache"
)

// TestApacheConfigTestRootLoadsNoTreeCode: `apache2 -t` loads the
// modules and libraries the config names (dlopen runs their code), so
// the config test of a tree read under --root must never load a shared
// object from the tree (a relative LoadModule or LoadFile resolves under
// the tree's ServerRoot) nor from an arbitrary host path: it runs only
// when every module lies in the system's library directories. A
// ServerRoot directive inside a section counts as one at the top. It
// needs no server binary: rootedApacheTest refuses before looking for it
// only when one is installed, so the check is on the reason.
func TestApacheConfigTestRootLoadsNoTreeCode(t *testing.T) {
	if lookBinary("apache2", "httpd") == "" {
		t.Skip("the Apache config test needs apache2 or httpd")
	}
	text, err := os.ReadFile(filepath.Join("testdata", "trees", "apache-deny.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	dir := treeOnDisk(t, "apache-deny.txtar", text)
	const main = "/etc/apache2/apache2.conf"
	conf := filepath.Join(dir, "etc/apache2/apache2.conf")
	orig, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	o := options{root: dir}
	for _, c := range []struct{ line, want string }{
		{"LoadModule evil_module modules/mod_evil.so\n", "loads"},
		{"LoadFile lib/evil.so\n", "loads"},
		{"LoadModule evil_module /home/someone/mod_evil.so\n", "loads"},
		{"<IfModule mod_authz_core.c>\nServerRoot /etc/apache2\n</IfModule>\n", "sets ServerRoot"},
	} {
		for _, f := range []string{"etc/apache2/modules/mod_evil.so", "etc/apache2/lib/evil.so"} {
			if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(conf, append(append([]byte{}, orig...), c.line...), 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := apachesim.Load(main, fsmeta.New(dir))
		if err != nil {
			t.Fatalf("%q: %v", c.line, err)
		}
		l := &loaded{srv: s, main: main}
		if _, why := rootedTestWhy(o, l); !strings.Contains(why, c.want) {
			t.Errorf("%q: why %q, want %q", c.line, why, c.want)
		}
		if test := configTest(o, l); test != nil {
			t.Errorf("%q: a config test runs though it would load code the tree names", c.line)
		}
	}
}

// TestApacheConfigTestRootAbsoluteLink: a config file of the tree
// reached through a symbolic link to an absolute path is read by the
// tree's view where the link leads inside the tree, but by the host's
// apache2 where it leads on the host: the test would check the host's
// file, not the one --apply edits. No config test runs then, and the
// reason says so.
func TestApacheConfigTestRootAbsoluteLink(t *testing.T) {
	if lookBinary("apache2", "httpd") == "" {
		t.Skip("the Apache config test needs apache2 or httpd")
	}
	text, err := os.ReadFile(filepath.Join("testdata", "trees", "apache-deny.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	dir := treeOnDisk(t, "apache-deny.txtar", text)
	const main = "/etc/apache2/apache2.conf"
	conf := filepath.Join(dir, "etc/apache2/apache2.conf")
	orig, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "etc/apache2/sites-available"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "etc/apache2/sites-available/site.conf"), []byte("# the tree's\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/apache2/sites-available/site.conf", filepath.Join(dir, "etc/apache2/site.conf")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(conf, append(append([]byte{}, orig...), "Include site.conf\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := apachesim.Load(main, fsmeta.New(dir))
	if err != nil {
		t.Fatal(err)
	}
	l := &loaded{srv: s, main: main}
	o := options{root: dir}
	if _, why := rootedTestWhy(o, l); !strings.Contains(why, "link") {
		t.Errorf("why %q, want a link named", why)
	}
	if test := configTest(o, l); test != nil {
		t.Error("a config test runs though the host's server would read the host's file")
	}
}
