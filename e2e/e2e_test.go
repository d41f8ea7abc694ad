// Package e2e holds unforbid's simulator to the real nginx: every test tree
// is laid out for real, Debian's nginx is started on it (in a private
// mount namespace, on 127.0.0.1), every URL of the tree's .requests section
// is requested, and the real status must equal both the status written in
// the tree and the simulator's prediction.
package e2e

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/internal/realnginx"
	"github.com/unforbid/unforbid/internal/treetest"
	"github.com/unforbid/unforbid/internal/treetest/need"
)

// needRealNginx skips the test with one line naming what is missing to run
// the real nginx on laid-out trees (root, /usr/sbin/nginx, setfacl), or
// fails it when UNFORBID_E2E=1 makes these tests mandatory (as in CI).
func needRealNginx(t *testing.T) {
	t.Helper()
	var missing []string
	if err := realnginx.Available(); err != nil {
		missing = append(missing, strings.TrimPrefix(err.Error(), "realnginx: cannot run real nginx, missing: "))
	}
	if _, err := exec.LookPath("setfacl"); err != nil {
		missing = append(missing, "setfacl (apt-get install acl)")
	}
	if len(missing) > 0 {
		need.Skip(t, "real-nginx end-to-end tests need "+strings.Join(missing, ", "))
	}
}

func TestRealNginx(t *testing.T) {
	needRealNginx(t)
	total, agree, second := 0, 0, 0
	for _, file := range treetest.Files(t, "../testdata/trees") {
		c := treetest.SetupDisk(t, file)
		reqs := c.Requests(t)
		if len(reqs) == 0 {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			srv := startTree(t, c, reqs)
			sim := c.Simulator(t)
			for _, r := range reqs {
				real, err := send(srv, r, false)
				if err != nil {
					t.Errorf("%s: %v", r, err)
					continue
				}
				req, err := r.Simulated()
				if err != nil {
					t.Fatal(err)
				}
				d := sim.Simulate(req)
				total++
				if r.SecondClient() {
					second++
				}
				if req.Host == "localhost" {
					// the address explain derives for localhost is the one
					// the real server was reached at
					derived := req
					derived.ServerIP = ""
					if addr, step := sim.LocalAddr(derived); addr != req.ServerIP {
						t.Errorf("%s: the request reached %s, explain would assume %s: %s", r, req.ServerIP, addr, step.Detail)
					}
				}
				if d.Status == real {
					agree++
				}
				if real != r.Want {
					t.Errorf("%s: real nginx answers %d, the tree says %d", r, real, r.Want)
				}
				if d.Status != real {
					t.Errorf("%s: real nginx answers %d, the simulator predicts %d", r, real, d.Status)
					for _, s := range d.Trace {
						t.Logf("    %s %s (%s)", s.Step, s.Detail, s.Range)
					}
				}
			}
			if t.Failed() {
				t.Logf("nginx error log:\n%s", srv.ErrorLog())
			}
		})
	}
	t.Logf("agreement: the simulator predicted the real status for %d of %d requests, %d of them from a second client address", agree, total, second)
	if total == 0 {
		t.Fatal("no request was made")
	}
}
