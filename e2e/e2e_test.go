// Package e2e holds unforbid's simulators to the real servers: every test
// tree is laid out for real, Debian's nginx (or Apache httpd, for a tree
// of etc/apache2) is started on it (in a private
// mount namespace, on 127.0.0.1), every URL of the tree's .requests section
// is requested, and the real status must equal both the status written in
// the tree and the simulator's prediction.
package e2e

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/internal/realapache"
	"github.com/unforbid/unforbid/internal/realnginx"
	"github.com/unforbid/unforbid/internal/treetest"
	"github.com/unforbid/unforbid/internal/treetest/need"
	"github.com/unforbid/unforbid/parser"
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

// needRealApache skips the test unless UNFORBID_E2E=1 (real-Apache tests
// run only under the e2e lock), then fails it when real Apache cannot
// run here.
func needRealApache(t *testing.T) {
	t.Helper()
	if os.Getenv(need.Env) != "1" {
		t.Skip("skipping: real-Apache tests run only with UNFORBID_E2E=1 under flock /tmp/unforbid-e2e.lock")
	}
	if err := realapache.Available(); err != nil {
		need.Skip(t, "real-Apache end-to-end tests need "+strings.TrimPrefix(err.Error(), "realapache: cannot run real Apache, missing: "))
	}
}

// TestRealNginx holds every test tree to its real server: nginx trees to
// nginx, Apache trees to Apache (the simulator of each may answer a
// request Apache's does not model as unsure, which is counted apart).
func TestRealNginx(t *testing.T) {
	type tally struct{ total, agree, second, unsure int }
	counts := map[parser.Kind]*tally{parser.KindNginx: {}, parser.KindApache: {}}
	for _, file := range treetest.Files(t, "../testdata/trees") {
		c := treetest.SetupDisk(t, file)
		reqs := c.Requests(t)
		if len(reqs) == 0 {
			continue
		}
		n := counts[c.Kind]
		t.Run(c.Name, func(t *testing.T) {
			if c.Kind == parser.KindApache {
				needRealApache(t)
			} else {
				needRealNginx(t)
			}
			srv := startTree(t, c, reqs)
			sim := c.Server(t)
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
				n.total++
				if r.SecondClient() {
					n.second++
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
				if real != r.Want {
					t.Errorf("%s: real %s answers %d, the tree says %d", r, c.Kind, real, r.Want)
				}
				switch {
				case d.Unsure != "" && c.Kind == parser.KindApache:
					n.unsure++
				case d.Status == real:
					n.agree++
				default:
					t.Errorf("%s: real %s answers %d, the simulator predicts %d", r, c.Kind, real, d.Status)
					for _, s := range d.Trace {
						t.Logf("    %s %s (%s)", s.Step, s.Detail, s.Range)
					}
				}
			}
			if t.Failed() {
				t.Logf("%s error log:\n%s", c.Kind, srv.ErrorLog())
			}
		})
	}
	for _, kind := range []parser.Kind{parser.KindNginx, parser.KindApache} {
		n := counts[kind]
		t.Logf("agreement with real %s: the simulator predicted the real status for %d of %d requests (%d unsure), %d of them from a second client address", kind, n.agree, n.total, n.unsure, n.second)
	}
	if counts[parser.KindNginx].total+counts[parser.KindApache].total == 0 {
		t.Fatal("no request was made")
	}
}
