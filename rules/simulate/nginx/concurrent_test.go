package nginx_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/unforbid/unforbid/internal/treetest"
	"github.com/unforbid/unforbid/parser"
	"github.com/unforbid/unforbid/rules/simulate"
)

// TestConcurrentSimulate simulates every request of every nginx test tree
// from several goroutines at once on one simulator, each in its own order,
// with Sites, Notes, Lint and FileSystem read alongside, and wants the decisions made
// alone (run it with -race: the simulator is documented safe for
// concurrent use).
func TestConcurrentSimulate(t *testing.T) {
	for _, file := range treetest.Files(t, "../../../testdata/trees") {
		c := treetest.Setup(t, file)
		if c.Kind != parser.KindNginx {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			var reqs []simulate.Request
			for _, r := range c.Requests(t) {
				req, err := r.Simulated()
				if err != nil {
					t.Fatalf("%s: %v", r, err)
				}
				reqs = append(reqs, req)
			}
			if len(reqs) == 0 {
				t.Skip("no requests")
			}
			// the decisions made alone, on a simulator of their own
			alone := c.Simulator(t)
			want := make([]string, len(reqs))
			for i, req := range reqs {
				want[i] = decisionText(alone.Simulate(req))
			}
			sim := c.Server(t)
			const workers = 4
			var wg sync.WaitGroup
			errs := make(chan string, workers*len(reqs))
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_ = sim.Sites()
					_ = sim.FileSystem()
					_ = sim.Notes()
					if l, ok := sim.(interface {
						Lint() []simulate.ConfigFinding
					}); ok {
						_ = l.Lint()
					}
					for k := range reqs {
						i := (k + w*len(reqs)/workers) % len(reqs) // each worker its own order
						if got := decisionText(sim.Simulate(reqs[i])); got != want[i] {
							errs <- fmt.Sprintf("worker %d, %v:\n got %s\nwant %s", w, reqs[i], got, want[i])
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for e := range errs {
				t.Error(e)
			}
		})
	}
}

// decisionText is everything a decision says, for comparing two.
func decisionText(d *simulate.Decision) string {
	b, err := json.Marshal(d)
	if err != nil {
		return err.Error()
	}
	return string(b)
}
