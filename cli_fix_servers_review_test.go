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
