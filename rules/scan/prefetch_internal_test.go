package scan

import (
	"fmt"
	"testing"
)

// TestPrefetchRoom checks the prefetch's limit: directories higher up
// than the next one wanted, however many are held, leave room for it and
// those as deep; the ones as deep or deeper fill it; nothing is started
// beyond maxHeld.
func TestPrefetchRoom(t *testing.T) {
	held := func(n int, dir string) map[string]*dirAhead {
		tasks := map[string]*dirAhead{}
		for i := range n {
			j := dirJob{dir: fmt.Sprintf("%s%d", dir, i)}
			tasks[j.key()] = &dirAhead{depth: j.depth()}
		}
		return tasks
	}
	want := func(n int, dir string) []dirJob {
		var jobs []dirJob
		for i := range n {
			jobs = append(jobs, dirJob{dir: fmt.Sprintf("%s%d", dir, i)})
		}
		return jobs
	}
	tests := []struct {
		name    string
		tasks   map[string]*dirAhead
		pending []dirJob
		room    int
	}{
		{"nothing wanted", held(0, ""), nil, 0},
		{"empty", held(0, ""), want(100, "/srv/www/p0/d"), maxPrefetched},
		{"few wanted", held(0, ""), want(3, "/srv/www/p0/d"), 3},
		{"parents' siblings held", held(maxPrefetched, "/srv/www/p"), want(100, "/srv/www/p0/d"), maxPrefetched},
		{"as deep held", held(maxPrefetched, "/srv/www/p0/e"), want(100, "/srv/www/p0/d"), 0},
		{"deeper held", held(5, "/srv/www/p0/d0/x"), want(100, "/srv/www/p0/d"), maxPrefetched - 5},
		{"all held", held(maxHeld, "/srv/www/p"), want(100, "/srv/www/p0/d"), 0},
		{"nearly all held", held(maxHeld-2, "/srv/www/p"), want(100, "/srv/www/p0/d"), 2},
	}
	for _, tt := range tests {
		p := &prefetch{tasks: tt.tasks, pending: tt.pending}
		if got := p.room(); got != tt.room {
			t.Errorf("%s: room %d, want %d", tt.name, got, tt.room)
		}
	}
}
