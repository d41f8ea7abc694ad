package apache

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/internal/benchgen"
	conf "github.com/unforbid/unforbid/parser/apache"
	"github.com/unforbid/unforbid/parser/fsmeta"
)

// TestLintParallel checks that Lint judging the virtual hosts on several
// goroutines finds what it finds in one, in the same order: 300
// generated hosts, every 7th without its <Directory> grant, every 11th
// refusing everyone (without Debian's Alias /icons/), and every 5th including a file whose Alias no
// <Directory> grants (reported once, not once per host).
func TestLintParallel(t *testing.T) {
	root := t.TempDir()
	if err := benchgen.ApacheVhosts(root, 300); err != nil {
		t.Skip(err) // no /etc/apache2 to copy
	}
	sites := filepath.Join(root, "etc/apache2/sites-enabled")
	for i := 0; i < 300; i++ {
		f := filepath.Join(sites, fmt.Sprintf("site%05d.conf", i))
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		switch {
		case i%7 == 0:
			s = strings.Replace(s, "Require all granted", "", 1)
		case i%11 == 0:
			s = strings.Replace(s, "Require all granted", "Require all denied", 1)
		}
		if i%5 == 0 {
			s = strings.Replace(s, "</VirtualHost>", "\tInclude /etc/apache2/shared-alias.conf\n</VirtualHost>", 1)
		}
		if err := os.WriteFile(f, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "etc/apache2/shared-alias.conf"), []byte("Alias /nowhere /srv/nowhere\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// without the stock Alias /icons/, granted, a host refusing its
	// DocumentRoot refuses every request
	if err := os.WriteFile(filepath.Join(root, "etc/apache2/mods-available/alias.conf"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	fsys := fsmeta.New(root)
	cfg, err := conf.Load("/etc/apache2/apache2.conf", conf.Options{FS: fsys})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(cfg, fsys)
	if err != nil {
		t.Fatal(err)
	}
	defer func(n int) { lintChunk = n }(lintChunk)
	lintChunk = 16 // several chunks on every goroutine
	parallel := s.Lint()
	lintChunk = len(s.vhosts) + 1
	serial := s.Lint()
	counts := map[string]int{}
	for _, f := range serial {
		counts[f.Rule]++
	}
	if counts[RuleNotGranted] < 300/7 || counts[RuleSiteRefusesAll] == 0 {
		t.Fatalf("findings in one goroutine: %v, want %d or more %s and some %s", counts, 300/7, RuleNotGranted, RuleSiteRefusesAll)
	}
	if !reflect.DeepEqual(parallel, serial) {
		t.Errorf("Lint on several goroutines: %d findings, in one: %d, or in another order", len(parallel), len(serial))
	}
	once := 0
	for _, f := range serial {
		if strings.Contains(f.Message, "/srv/nowhere") {
			once++
		}
	}
	if once != 1 {
		t.Errorf("the shared Alias reported %d times, want once", once)
	}
}
