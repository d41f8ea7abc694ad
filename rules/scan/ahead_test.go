package scan_test

import (
	"encoding/json"
	"testing"

	"github.com/unforbid/unforbid/internal/benchgen"
	"github.com/unforbid/unforbid/internal/treetest"
	"github.com/unforbid/unforbid/rules/scan"
)

// TestLookAheadChangesNothing scans every test tree with one goroutine and
// with workers looking up ahead: findings, their order and examples, and
// every count must be the same.
func TestLookAheadChangesNothing(t *testing.T) {
	for _, file := range treetest.Files(t, "../../testdata/trees") {
		c := treetest.Setup(t, file)
		t.Run(c.Name, func(t *testing.T) {
			one, four := scanWith(t, 1, func() ([]byte, []byte) {
				f, s := scan.Run(c.Server(t), scan.Options{})
				return mustJSON(t, f), mustJSON(t, s)
			}), scanWith(t, 4, func() ([]byte, []byte) {
				f, s := scan.Run(c.Server(t), scan.Options{})
				return mustJSON(t, f), mustJSON(t, s)
			})
			if one != four {
				t.Errorf("with workers looking ahead the scan differs:\none goroutine: %s\nfour workers:  %s", one, four)
			}
		})
	}
}

// TestLookAheadChangesNothingOnDisk does the same on a generated docroot
// on disk (private files and directories, ACLs, many sites' worth of
// batches).
func TestLookAheadChangesNothingOnDisk(t *testing.T) {
	root := t.TempDir()
	if _, err := (benchgen.Docroot{Files: 3000, Dirs: 60, Seed: 3, Private: 10}).Write(root); err != nil {
		t.Fatal(err)
	}
	run := func() ([]byte, []byte) {
		f, s := scan.Run(benchSim(t, root), scan.Options{})
		return mustJSON(t, f), mustJSON(t, s)
	}
	if one, four := scanWith(t, 1, run), scanWith(t, 4, run); one != four {
		t.Errorf("with workers looking ahead the scan differs:\none goroutine: %s\nfour workers:  %s", one, four)
	}
}

func scanWith(t *testing.T, workers int, run func() ([]byte, []byte)) string {
	t.Helper()
	defer scan.SetWorkers(workers)()
	f, s := run()
	return string(f) + "\n" + string(s)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
