package scan_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/unforbid/unforbid/internal/benchgen"
	"github.com/unforbid/unforbid/internal/difftest"
	"github.com/unforbid/unforbid/internal/layout"
	"github.com/unforbid/unforbid/internal/treetest"
	"github.com/unforbid/unforbid/internal/treetest/need"
	"github.com/unforbid/unforbid/rules/scan"
	"github.com/unforbid/unforbid/rules/simulate"
)

// scanAlike scans run's server with files served alike on or off, with
// two workers, and returns the findings and stats as JSON, and how many
// files were served alike.
func scanAlike(t *testing.T, on bool, run func() ([]byte, []byte)) (string, int64) {
	t.Helper()
	defer scan.SetAlike(on)()
	before := scan.ServedAlike()
	out := scanWith(t, 2, run)
	return out, scan.ServedAlike() - before
}

// checkAlike scans srv's trees with every file simulated and with files
// served alike, reports any difference, and returns how many files were
// served alike.
func checkAlike(t *testing.T, srv func() simulate.Server) int64 {
	t.Helper()
	run := func() ([]byte, []byte) {
		f, s := scan.Run(srv(), scan.Options{})
		return mustJSON(t, f), mustJSON(t, s)
	}
	each, _ := scanAlike(t, false, run)
	grouped, n := scanAlike(t, true, run)
	if each != grouped {
		t.Errorf("with files served alike the scan differs:\neach simulated: %s\nserved alike:   %s", each, grouped)
	}
	return n
}

// TestServedAlikeChangesNothing scans every test tree with files served
// alike and with every file simulated: findings, their order and
// examples, and every count must be the same. The trees are views in
// memory, where the metadata says what the worker may read.
func TestServedAlikeChangesNothing(t *testing.T) {
	var alike int64
	for _, file := range treetest.Files(t, "../../testdata/trees") {
		c := treetest.Setup(t, file)
		t.Run(c.Name, func(t *testing.T) {
			alike += checkAlike(t, func() simulate.Server { return c.Server(t) })
		})
	}
	t.Logf("%d files served alike", alike)
	if alike == 0 {
		t.Error("no file of any tree was served alike: the test tests nothing")
	}
}

// TestServedAlikeChangesNothingOnDisk does the same with the trees laid
// out on disk, where, run as root, the kernel says what the worker may
// read (owners, modes and ACLs set for real), and on a generated docroot.
func TestServedAlikeChangesNothingOnDisk(t *testing.T) {
	need.Root(t, "tests that ask the kernel as the worker and lay trees out with owners")
	var alike int64
	for _, file := range treetest.Files(t, "../../testdata/trees") {
		c := treetest.SetupDisk(t, file)
		t.Run(c.Name, func(t *testing.T) {
			alike += checkAlike(t, func() simulate.Server { return c.Server(t) })
		})
	}
	t.Run("docroot", func(t *testing.T) {
		root := t.TempDir()
		if _, err := (benchgen.Docroot{Files: 3000, Dirs: 60, Seed: 5, Private: 10, ACLs: true}).Write(root); err != nil {
			t.Fatal(err)
		}
		n := checkAlike(t, func() simulate.Server { return benchSim(t, root) })
		alike += n
		if n < 1000 {
			t.Errorf("%d files of 3,000 served alike, want most", n)
		}
	})
	t.Run("closed parent", func(t *testing.T) {
		// open/x* and shut/y* hold files of one location, but the worker
		// cannot search shut (walked after open): the files of y* are
		// refused, though the kernel, asked from y* itself, lets the
		// worker read them (sibling directories share answers,
		// directories of other parents never)
		root := t.TempDir()
		if _, err := (benchgen.Docroot{Files: 4, Dirs: 1, Seed: 5}).Write(root); err != nil {
			t.Fatal(err)
		}
		www := filepath.Join(root, "srv/www")
		var dirs []string
		for i := range 6 {
			dirs = append(dirs, fmt.Sprintf("open/x%d", i), fmt.Sprintf("shut/y%d", i))
		}
		for _, d := range dirs {
			if err := os.MkdirAll(filepath.Join(www, d), 0o755); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{"a.txt", "b.txt", "c.txt"} {
				if err := os.WriteFile(filepath.Join(www, d, f), []byte("x"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := os.Chmod(filepath.Join(www, "shut"), 0o700); err != nil {
			t.Fatal(err)
		}
		n := checkAlike(t, func() simulate.Server { return benchSim(t, root) })
		alike += n
		if n == 0 {
			t.Error("no file served alike")
		}
	})
	t.Logf("%d files served alike", alike)
	if alike == 0 {
		t.Error("no file was served alike: the test tests nothing")
	}
}

// TestServedAlikeRandom does the same on random configurations and trees
// (internal/difftest's, with more files per directory): locations of every
// kind, rewrites, try_files, aliases, denies, links, modes and ACLs; run
// as root, every fourth tree is also laid out on disk.
func TestServedAlikeRandom(t *testing.T) {
	n := 300
	if testing.Short() {
		n = 60
	}
	var alike int64
	for i := range n {
		c := difftest.Generate(7, i)
		c.Files = append(c.Files, "srv/www/a/y2.txt", "srv/www/a/w.css", "srv/www/b/x2.html", "srv/www/b/z.png",
			"srv/www/a/sub/w.txt", "srv/www/c/p.jpg", "srv/alt/docs/v.txt", "srv/alt/y.php")
		tree, err := layout.Parse(fmt.Sprintf("case-%d", i), c.Txtar(c.Requests, nil))
		if err != nil {
			t.Fatal(err)
		}
		tc := treetest.SetupTree(t, tree)
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			alike += checkAlike(t, func() simulate.Server { return tc.Server(t) })
			if os.Geteuid() == 0 && i%4 == 0 {
				// laid out for real: the kernel says what the worker
				// may read, ACLs and all
				file := filepath.Join(t.TempDir(), "case.txtar")
				if err := os.WriteFile(file, c.Txtar(c.Requests, nil), 0o644); err != nil {
					t.Fatal(err)
				}
				dc := treetest.SetupDisk(t, file)
				alike += checkAlike(t, func() simulate.Server { return dc.Server(t) })
			}
			if t.Failed() {
				t.Logf("config:\n%s", c.Config())
			}
		})
	}
	t.Logf("%d files served alike", alike)
	if alike < int64(n) {
		t.Errorf("%d files served alike in %d cases: the test tests little", alike, n)
	}
}
