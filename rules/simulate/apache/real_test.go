package apache

import (
	"strings"
	"testing"

	"github.com/unforbid/unforbid/internal/realapache"
	"github.com/unforbid/unforbid/internal/treetest/need"
)

// TestRealApache starts Debian's real Apache on each test tree and checks
// that every request the simulator answers is answered so by Apache, and
// that the trees' wants are Apache's. It uses ports 18450-18480 on
// 127.0.0.1, shared by everyone: run it under the e2e lock,
//
//	flock /tmp/unforbid-e2e.lock env UNFORBID_E2E=1 go test -count=1 ./rules/simulate/apache/
func TestRealApache(t *testing.T) {
	if err := realapache.Available(); err != nil {
		need.Skip(t, "real-Apache tests need "+strings.TrimPrefix(err.Error(), "realapache: cannot run real Apache, missing: "))
	}
	total, agree, unsureN := 0, 0, 0
	for _, tt := range trees {
		t.Run(tt.name, func(t *testing.T) {
			tree, s := load(t, tt)
			dir := t.TempDir()
			if err := tree.Materialize(dir); err != nil {
				t.Fatal(err)
			}
			srv, err := realapache.Start(dir, "", tt.ports)
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := srv.Stop(); err != nil {
					t.Error(err)
				}
			}()
			for _, r := range tt.reqs {
				real, err := srv.Do("GET", r.port, r.host, r.path, "")
				if err != nil {
					t.Errorf("%s%s: %v", r.host, r.path, err)
					continue
				}
				total++
				d := r.simulate(t, s)
				switch {
				case d.Unsure != "":
					unsureN++
				case d.Status == real:
					agree++
				default:
					t.Errorf("%s:%d%s: simulated %d, real Apache %d\n%s", r.host, r.port, r.path, d.Status, real, trace(d))
				}
				if r.want != unsure && r.want != real {
					t.Errorf("%s:%d%s: the tree wants %d, real Apache answers %d", r.host, r.port, r.path, r.want, real)
				}
			}
			if t.Failed() {
				t.Logf("error log:\n%s", srv.ErrorLog())
			}
		})
	}
	t.Logf("agreement with real Apache: %d of %d requests predicted = real, %d unsure", agree, total, unsureN)
}
