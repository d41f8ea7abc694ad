package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/internal/treetest/need"
	"github.com/unforbid/unforbid/parser/fsmeta"
	apachesim "github.com/unforbid/unforbid/rules/simulate/apache"
)

// TestApacheConfigTestRoot runs the Apache config test of a test tree
// read under --root: the host's apache2 reads the tree's files (its
// relative Includes under the tree, its envvars read, not run) and passes,
// then fails once a line httpd refuses is added. A config that would make
// the host's server read the host's files (an absolute Include, a
// ServerRoot directive) gets no test, and says why. It takes no port.
func TestApacheConfigTestRoot(t *testing.T) {
	if lookBinary("apache2", "httpd") == "" {
		need.Skip(t, "the Apache config test needs apache2 or httpd")
	}
	text, err := os.ReadFile(filepath.Join("testdata", "trees", "apache-deny.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	dir := treeOnDisk(t, "apache-deny.txtar", text)
	const main = "/etc/apache2/apache2.conf"
	loadTree := func() *loaded {
		s, err := apachesim.Load(main, fsmeta.New(dir))
		if err != nil {
			t.Fatal(err)
		}
		return &loaded{srv: s, main: main}
	}
	o := options{root: dir}
	cmd, why := rootedTestWhy(o, loadTree())
	if why != "" {
		t.Fatalf("no config test: %s", why)
	}
	if !strings.Contains(cmd.String(), "-d "+filepath.Join(dir, "etc/apache2")) || !strings.Contains(cmd.String(), "APACHE_RUN_USER=www-data") {
		t.Errorf("command %q: want -d under the tree and the envvars", cmd)
	}
	test := configTest(o, loadTree())
	if test == nil {
		t.Fatal("--apply --root would run no config test")
	}
	if err := test(); err != nil {
		t.Fatalf("config test of the tree: %v", err)
	}
	conf := filepath.Join(dir, "etc/apache2/apache2.conf")
	orig, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(conf, append(append([]byte{}, orig...), "Requir all granted\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := test(); err == nil || !strings.Contains(err.Error(), "Invalid command 'Requir'") {
		t.Errorf("config test of a broken tree: %v, want Invalid command 'Requir'", err)
	}
	for _, c := range []struct{ line, want string }{
		{"Include /etc/apache2/other.conf\n", "by an absolute path"},
		{"ServerRoot /etc/apache2\n", "sets ServerRoot"},
	} {
		if err := os.WriteFile(filepath.Join(dir, "etc/apache2/other.conf"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(conf, append([]byte(c.line), orig...), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, why := rootedTestWhy(o, loadTree()); !strings.Contains(why, c.want) {
			t.Errorf("%q: why %q, want %q", c.line, why, c.want)
		}
		if test := configTest(o, loadTree()); test != nil {
			t.Errorf("%q: a config test runs though it would read the host's files", c.line)
		}
	}
}
