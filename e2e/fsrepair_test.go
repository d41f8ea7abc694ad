package e2e

import (
	"os/exec"
	"testing"

	"github.com/unforbid/unforbid/fix"
	"github.com/unforbid/unforbid/internal/treetest"
	"github.com/unforbid/unforbid/rules/simulate"
)

// TestFSRepairsRealNginx lays every test tree out for real, repairs each
// request refused by a filesystem cause with the first safe fix of
// simulate.FSRepairs, running its commands (chmod, setfacl) on the tree,
// then starts the real nginx on the repaired tree: every request must
// answer as the simulator predicts on the repaired tree, a repaired
// request must no longer meet its cause, and what was served must still
// be served.
func TestFSRepairsRealNginx(t *testing.T) {
	needRealNginx(t)
	trees, repaired, agree, total, opened := 0, 0, 0, 0, 0
	for _, file := range treetest.Files(t, "../testdata/trees") {
		c := treetest.SetupDisk(t, file)
		reqs := c.Requests(t)
		if len(reqs) == 0 {
			continue
		}
		if _, ok := c.Tree.Section(treetest.MainConfig[1:]); !ok {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			srv := c.Server(t)
			before := make([]int, len(reqs))
			n := 0
			for i, r := range reqs {
				req, err := r.Simulated()
				if err != nil {
					t.Fatal(err)
				}
				before[i] = srv.Simulate(req).Status
				for range 4 {
					d := srv.Simulate(req)
					cause := d.Cause
					if cause == nil {
						cause = d.Masked
					}
					if cause == nil {
						break
					}
					var safe *fix.Fix
					for _, f := range simulate.FSRepairs(srv, simulate.Problem{Kind: cause.Kind, Path: cause.Path, Request: req, Decision: d}) {
						if f.Class == fix.Safe {
							safe = &f
							break
						}
					}
					if safe == nil {
						break
					}
					for _, op := range safe.Ops {
						op.Path = c.FS.HostPath(op.Path)
						if out, err := exec.Command("sh", "-c", op.Command()).CombinedOutput(); err != nil {
							t.Fatalf("%s: %v: %s", op.Command(), err, out)
						}
						t.Logf("%s: %s", r, op.Command())
					}
					n++
					c.FS.Reset()
					srv = c.Server(t)
					if a := srv.Simulate(req).Cause; a != nil && a.Kind == cause.Kind && a.Path == cause.Path {
						t.Errorf("%s: after %q the cause stays", r, safe.Description)
						break
					}
				}
			}
			if n == 0 {
				return
			}
			trees++
			repaired += n
			real := startTree(t, c, reqs)
			for i, r := range reqs {
				got, err := send(real, r, false)
				if err != nil {
					t.Errorf("%s: %v", r, err)
					continue
				}
				req, _ := r.Simulated()
				d := srv.Simulate(req)
				total++
				if d.Status == got {
					agree++
				} else {
					t.Errorf("%s: after the repairs real nginx answers %d, the simulator predicts %d", r, got, d.Status)
				}
				if before[i] >= 400 && got < 400 {
					opened++
				}
				if before[i] < 400 && got != before[i] {
					t.Errorf("%s: answered %d before the repairs, %d after", r, before[i], got)
				}
			}
		})
	}
	t.Logf("repairs applied: %d in %d trees; %d refused requests now served; after them real nginx agrees with the simulator on %d of %d requests", repaired, trees, opened, agree, total)
}
