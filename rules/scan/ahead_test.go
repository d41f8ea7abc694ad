package scan_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules/simulate/servers"

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

// TestLookAheadChangesNothingManySites does the same on generated virtual
// hosts of both servers, more than a few chunks of sites: each chunk is
// looked up ahead while the one before is judged.
func TestLookAheadChangesNothingManySites(t *testing.T) {
	for _, kind := range benchgen.VhostServers {
		t.Run(string(kind.Kind), func(t *testing.T) {
			root := t.TempDir()
			if err := kind.Write(root, 300); err != nil {
				t.Fatal(err)
			}
			var sites int
			run := func() ([]byte, []byte) {
				srv, err := servers.Load(kind.Kind, kind.Main, fsmeta.New(root), servers.Options{})
				if err != nil {
					t.Fatal(err)
				}
				sites = len(srv.Sites())
				f, s := scan.Run(srv, scan.Options{})
				return mustJSON(t, f), mustJSON(t, s)
			}
			if one, four := scanWith(t, 1, run), scanWith(t, 4, run); one != four {
				t.Errorf("with workers looking ahead the scan differs:\none goroutine: %s\nfour workers:  %s", one, four)
			}
			if sites < 4*64 {
				t.Errorf("%d sites: fewer than four chunks", sites)
			}
		})
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

// TestSmallListing checks that a site's look-ahead lists a small root
// whole and sorted, and gives up on a large one.
func TestSmallListing(t *testing.T) {
	root := t.TempDir()
	for dir, n := range map[string]int{"small": 5, "large": 40, "empty": 0} {
		if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
			t.Fatal(err)
		}
		for i := range n {
			if err := os.WriteFile(filepath.Join(root, dir, fmt.Sprintf("f%02d", n-i)), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	fsys := fsmeta.New(root)
	if names, ok := scan.SmallListing(fsys, "/small"); !ok || !slices.Equal(names, []string{"f01", "f02", "f03", "f04", "f05"}) {
		t.Errorf("small: %v %v, want the 5 names sorted", names, ok)
	}
	if names, ok := scan.SmallListing(fsys, "/empty"); !ok || len(names) != 0 {
		t.Errorf("empty: %v %v, want no names", names, ok)
	}
	if names, ok := scan.SmallListing(fsys, "/large"); ok {
		t.Errorf("large: %d names listed, want none (40 entries)", len(names))
	}
	if _, ok := scan.SmallListing(fsys, "/missing"); ok {
		t.Error("missing: listed")
	}
}
