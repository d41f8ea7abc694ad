package apache_test

import (
	"path/filepath"
	"testing"

	"github.com/unforbid/unforbid/internal/treetest"
	"github.com/unforbid/unforbid/parser"
)

// TestTreeRequests simulates, on its in-memory view, every request of the
// .requests section of each Apache test tree (testdata/trees), whose
// statuses come from real Apache (e2e/ holds them to it): every request
// the simulator answers must get the tree's status; the unsure ones are
// counted.
func TestTreeRequests(t *testing.T) {
	total, unsure := 0, 0
	for _, file := range treetest.Files(t, filepath.Join("..", "..", "..", "testdata", "trees")) {
		c := treetest.Setup(t, file)
		if c.Kind != parser.KindApache {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			srv := c.Server(t)
			for _, r := range c.Requests(t) {
				req, err := r.Simulated()
				if err != nil {
					t.Fatalf("%s: %v", r, err)
				}
				d := srv.Simulate(req)
				total++
				if d.Unsure != "" {
					unsure++
					continue
				}
				if d.Status != r.Want {
					t.Errorf("%s: simulated %d, want %d", r, d.Status, r.Want)
					for _, s := range d.Trace {
						t.Logf("    %s %s (%s)", s.Step, s.Detail, s.Range)
					}
				}
			}
		})
	}
	if total == 0 {
		t.Fatal("no Apache tree has requests")
	}
	t.Logf("%d requests of the Apache trees, %d unsure", total, unsure)
}
