package apache

import (
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/unforbid/unforbid/rules/simulate"
)

// TestConcurrentSimulate answers every request of every tree from several
// goroutines at once, each request several times, on a simulator whose
// caches start empty, and holds each answer to the one a second simulator
// gives the same request alone (run with -race: Simulator is safe for
// concurrent use).
func TestConcurrentSimulate(t *testing.T) {
	const workers, rounds = 4, 3
	for _, tt := range trees {
		t.Run(tt.name, func(t *testing.T) {
			_, alone := load(t, tt)
			_, shared := load(t, tt)
			want := make([]*simulate.Decision, len(tt.reqs))
			reqs := make([]simulate.Request, len(tt.reqs))
			for i, r := range tt.reqs {
				want[i] = r.simulate(t, alone)
				req, err := simulate.ParseRequest("GET", fmt.Sprintf("http://%s:%d%s", r.host, r.port, r.path), "")
				if err != nil {
					t.Fatal(err)
				}
				reqs[i] = req
			}
			got := make([][]*simulate.Decision, workers)
			var wg sync.WaitGroup
			for w := range workers {
				got[w] = make([]*simulate.Decision, len(tt.reqs)*rounds)
				wg.Add(1)
				go func() {
					defer wg.Done()
					shared.Sites()
					shared.FileSystem()
					shared.Lint()
					for k := range rounds {
						for j := range tt.reqs {
							// each worker in its own order
							i := (j + w*len(tt.reqs)/workers) % len(tt.reqs)
							got[w][k*len(tt.reqs)+i] = shared.Simulate(reqs[i])
						}
					}
				}()
			}
			wg.Wait()
			for w := range workers {
				for k := range rounds {
					for i, r := range tt.reqs {
						if d := got[w][k*len(tt.reqs)+i]; !reflect.DeepEqual(d, want[i]) {
							t.Errorf("%s%s (worker %d, round %d): %+v\nwant %+v", r.host, r.path, w, k, d, want[i])
						}
					}
				}
			}
		})
	}
}
