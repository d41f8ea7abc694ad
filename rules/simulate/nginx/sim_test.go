package nginx_test

import (
	"testing"

	"github.com/unforbid/unforbid/internal/treetest"
	"github.com/unforbid/unforbid/parser"
)

// TestTreeRequests checks the simulator against the statuses written in
// each tree's .requests section, which the end-to-end tests (e2e/) hold
// to the real nginx.
func TestTreeRequests(t *testing.T) {
	for _, file := range treetest.Files(t, "../../../testdata/trees") {
		c := treetest.Setup(t, file)
		if c.Kind != parser.KindNginx {
			continue // Apache trees: rules/simulate/apache
		}
		t.Run(c.Name, func(t *testing.T) {
			sim := c.Simulator(t)
			for _, r := range c.Requests(t) {
				req, err := r.Simulated()
				if err != nil {
					t.Fatalf("%s: %v", r, err)
				}
				d := sim.Simulate(req)
				if d.Status != r.Want {
					t.Errorf("%s: simulated %d, want %d", r, d.Status, r.Want)
					for _, s := range d.Trace {
						t.Logf("    %s %s (%s)", s.Step, s.Detail, s.Range)
					}
				}
				checkWords(t, r.String(), d)
				if d.Unsure != "" {
					t.Errorf("%s: unsure: %s", r, d.Unsure)
				}
			}
		})
	}
}
