package simulate_test

import (
	"path/filepath"
	"testing"

	"github.com/unforbid/unforbid/fix"
	"github.com/unforbid/unforbid/internal/treetest"
	"github.com/unforbid/unforbid/parser"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules/simulate"
	"github.com/unforbid/unforbid/rules/simulate/servers"
)

// fsKind reports whether k is a cause FSRepairs repairs.
func fsKind(k simulate.Kind) bool {
	switch k {
	case simulate.KindNoSearch, simulate.KindUnreadableFile, simulate.KindUnreadableDir, simulate.KindAuthFileUnreadable:
		return true
	}
	return false
}

// TestFSRepairsTrees repairs, in every test tree, each request refused by
// a filesystem cause with its first safe fix, as --apply would, on the
// changed view (fsmeta.FS.With) with the config loaded again through it;
// then simulates every request of the tree again. A fixed request must
// no longer meet the cause it was fixed for, and nothing that was served
// may stop being served.
func TestFSRepairsTrees(t *testing.T) {
	var causes, fixed, noSafe int
	for _, file := range treetest.Files(t, filepath.Join("..", "..", "testdata", "trees")) {
		c := treetest.Setup(t, file)
		if _, ok := c.Tree.Section(treetest.MainConfig[1:]); !ok {
			continue
		}
		srv := c.Server(t)
		reqs := c.Requests(t)
		before := make([]int, len(reqs))
		view := c.FS
		for i, r := range reqs {
			req, err := r.Simulated()
			if err != nil {
				t.Fatal(err)
			}
			before[i] = srv.Simulate(req).Status
			// A repair may reveal the next cause on the same path.
			for range 4 {
				d := srv.Simulate(req)
				cause := d.Cause
				if cause == nil {
					cause = d.Masked
				}
				if cause == nil || !fsKind(cause.Kind) {
					break
				}
				causes++
				var safe *fix.Fix
				for _, f := range simulate.FSRepairs(srv, simulate.Problem{Kind: cause.Kind, Path: cause.Path, Request: req, Decision: d}) {
					if f.Class == fix.Safe {
						safe = &f
						break
					}
				}
				if safe == nil {
					t.Logf("%s: %s %s: no safe fix for %s on %s", c.Name, r.Method, r.URL, cause.Rule, cause.Path)
					noSafe++
					break
				}
				ch, err := simulate.OpChanges(view, safe.Ops)
				if err != nil {
					t.Fatalf("%s: %s: %v", c.Name, safe.Description, err)
				}
				view = view.With(ch)
				srv, err = servers.Load(parser.KindNginx, treetest.MainConfig, view, servers.Options{})
				if err != nil {
					t.Fatalf("%s: load after %s: %v", c.Name, safe.Description, err)
				}
				after := srv.Simulate(req)
				if ac := after.Cause; ac != nil && ac.Kind == cause.Kind && ac.Path == cause.Path {
					t.Errorf("%s: %s %s: after %q the cause stays: %s", c.Name, r.Method, r.URL, safe.Description, ac.Reason)
					break
				}
				fixed++
				t.Logf("%s: %s %s: %s", c.Name, r.Method, r.URL, safe.Commands())
			}
		}
		for i, r := range reqs {
			req, _ := r.Simulated()
			if got := srv.Simulate(req).Status; before[i] < 400 && got != before[i] {
				t.Errorf("%s: %s %s: answered %d before the repairs, %d after", c.Name, r.Method, r.URL, before[i], got)
			}
		}
	}
	t.Logf("filesystem causes met: %d, repaired by a safe fix: %d, without a safe fix: %d", causes, fixed, noSafe)
	if fixed == 0 {
		t.Error("no cause was repaired")
	}
}

// TestWithConfigEdit checks that the config loader reads a replaced
// config through the changed view: the way a config edit is simulated.
func TestWithConfigEdit(t *testing.T) {
	fsys := treetest.Memory(t, "user www-data;\nevents {}\nhttp { server { listen 127.0.0.1:8080; root /srv/a; } }\n",
		fsmeta.Entry{Path: "/srv/a/index.html", Type: fsmeta.TypeRegular, Perm: 0o644})
	view := fsys.With(fsmeta.Changes{Files: map[string]fsmeta.FileContent{
		treetest.MainConfig:    {Data: []byte("user www-data;\nevents {}\nhttp { include /etc/nginx/site.conf; }\n")},
		"/etc/nginx/site.conf": {Data: []byte("server { listen 127.0.0.1:8080; root /srv/b; }\n"), Perm: 0o644},
	}})
	srv, err := servers.Load(parser.KindNginx, treetest.MainConfig, view, servers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if roots := srv.Sites()[0].Roots; len(roots) == 0 || roots[0].Dir != "/srv/b" {
		t.Errorf("roots after the edit = %+v, want /srv/b", roots)
	}
}
