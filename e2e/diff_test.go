package e2e

import (
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/unforbid/unforbid/internal/difftest"
	"github.com/unforbid/unforbid/internal/layout"
	"github.com/unforbid/unforbid/internal/realnginx"
	"github.com/unforbid/unforbid/internal/treetest"
	"github.com/unforbid/unforbid/parser/fsmeta"
	conf "github.com/unforbid/unforbid/parser/nginx"
	"github.com/unforbid/unforbid/rules/simulate"
	nginxsim "github.com/unforbid/unforbid/rules/simulate/nginx"
)

var (
	diffSeed   = flag.Uint64("difftest.seed", 1, "seed of the differential test's random cases")
	diffN      = flag.Int("difftest.n", 300, "number of requests the differential test sends")
	diffReport = flag.Int("difftest.report", 3, "disagreements the differential test shrinks and prints")
	diffUnsure = flag.Bool("difftest.unsure", false, "log the cases where the simulator is unsure and real nginx disagrees")
)

// maxShrinks bounds the runs of real nginx spent shrinking one reproducer.
const maxShrinks = 150

// TestDifferential draws random configurations and trees
// (internal/difftest), sends the same requests to the real nginx and to
// the simulator, and fails on every status they disagree on that the
// simulator did not mark unsure, with a minimal tree reproducing it. Long
// runs by hand, under the shared lock: flock /tmp/unforbid-e2e.lock go
// test ./e2e -run TestDifferential -v -difftest.seed=7 -difftest.n=10000
// (about a minute; add -difftest.unsure to see where the simulator was
// unsure).
func TestDifferential(t *testing.T) {
	needRealNginx(t)
	start := time.Now()
	total, agree, unsure, second, v6, cases, reported := 0, 0, 0, 0, 0, 0, 0
	statuses := map[int]int{}
	unsureWhy := map[string]int{}
	for i := 0; total < *diffN; i++ {
		c := difftest.Generate(*diffSeed, i)
		out, err := runCase(c, c.Requests)
		if err != nil {
			t.Fatalf("case %d of seed %d: %v\n%s", i, *diffSeed, err, c.Txtar(c.Requests, nil))
		}
		cases++
		for j, o := range out {
			total++
			statuses[o.real]++
			if c.Requests[j].From != difftest.Clients[0] {
				second++
			}
			if c.Requests[j].From == "::1" {
				v6++
			}
			switch {
			case o.sim.Status == o.real:
				agree++
			case o.sim.Unsure != "" || o.sim.Varies != "":
				why := o.sim.Unsure
				if why == "" {
					// the simulator answers for a first request; earlier
					// requests of the case changed the server's state
					why = "varies: " + o.sim.Varies
				}
				unsure++
				unsureWhy[why]++
				if *diffUnsure {
					t.Logf("case %d, %s: real nginx answers %d, the simulator is unsure (%s)\n%s", i, c.Requests[j], o.real, why, c.Txtar(nil, nil))
				}
			default:
				if reported++; reported > *diffReport {
					t.Errorf("case %d, %s: real nginx answers %d, the simulator predicts %d (not shrunk)", i, c.Requests[j], o.real, o.sim.Status)
					continue
				}
				small, real, sim := shrink(c, c.Requests[j], o)
				t.Errorf("case %d of seed %d: %s: real nginx answers %d, the simulator predicts %d\n"+
					"reproducer (save as testdata/trees/diff-NAME.txtar):\n%s\ntrace:\n%s",
					i, *diffSeed, c.Requests[j], real, sim.Status, small.Txtar([]difftest.Request{c.Requests[j]}, []int{real}), traceText(sim))
			}
		}
	}
	t.Logf("differential: seed %d, %d cases, %d requests (%d from a second client address, %d of them from ::1): %d agree, %d disagree where the simulator is unsure or says the answer varies, %d disagree (%.1fs)",
		*diffSeed, cases, total, second, v6, agree, unsure, total-agree-unsure, time.Since(start).Seconds())
	t.Logf("real statuses: %v", statuses)
	for why, n := range unsureWhy {
		t.Logf("unsure (%d): %s", n, why)
	}
}

// outcome is what real nginx and the simulator answer one request.
type outcome struct {
	real int
	sim  *simulate.Decision
}

// runCase lays c out, starts real nginx on it and asks both reqs.
func runCase(c *difftest.Case, reqs []difftest.Request) ([]outcome, error) {
	tree, err := layout.Parse(fmt.Sprintf("case-%d", c.Index), c.Txtar(nil, nil))
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "difftest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if err := tree.Materialize(dir); err != nil {
		return nil, err
	}
	sim, err := simulator(dir)
	if err != nil {
		return nil, fmt.Errorf("simulator: %v", err)
	}
	srv, err := realnginx.Start(dir, treetest.MainConfig, []int{difftest.Port})
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	if c.Listen6 {
		// realnginx.Start waits for one of the addresses only
		if err := waitAccepts("::1", difftest.Port); err != nil {
			return nil, err
		}
	}
	var out []outcome
	for _, r := range reqs {
		var hdr []map[string]string
		if r.Auth {
			hdr = append(hdr, map[string]string{"Authorization": treetest.AuthHeader})
		}
		real, err := srv.Do(r.Method, difftest.Port, r.HostName(), r.Path, r.From, hdr...)
		if err != nil {
			return nil, err
		}
		tr := treetest.Request{Method: r.Method, URL: r.URL(), From: r.From, Auth: r.Auth}
		req, err := tr.Simulated()
		if err != nil {
			return nil, err
		}
		out = append(out, outcome{real: real, sim: sim.Simulate(req)})
	}
	return out, nil
}

// simulator loads the tree laid out in dir.
func simulator(dir string) (*nginxsim.Simulator, error) {
	cfg, err := conf.Load(treetest.MainConfig, conf.Options{Root: dir})
	if err != nil {
		return nil, err
	}
	m, err := nginxsim.Build(cfg, nginxsim.Options{})
	if err != nil {
		return nil, err
	}
	return nginxsim.New(m, fsmeta.New(dir))
}

// shrink drops locations, directives, files and .fsmeta lines from c
// while real nginx and the simulator still disagree (the simulator sure)
// on req, and returns the smallest case found with both answers.
func shrink(c *difftest.Case, req difftest.Request, o outcome) (*difftest.Case, int, *simulate.Decision) {
	runs := 0
	for {
		smaller := false
		for _, d := range c.Shrinks() {
			if runs++; runs > maxShrinks {
				return c, o.real, o.sim
			}
			out, err := runCase(d, []difftest.Request{req})
			if err != nil || out[0].real == out[0].sim.Status || out[0].sim.Unsure != "" {
				continue
			}
			c, o, smaller = d, out[0], true
			break
		}
		if !smaller {
			return c, o.real, o.sim
		}
	}
}

func traceText(d *simulate.Decision) string {
	s := ""
	for _, st := range d.Trace {
		s += fmt.Sprintf("    %s %s (%s)\n", st.Step, st.Detail, st.Range)
	}
	return s
}

// waitAccepts waits up to two seconds for host:port to accept a connection.
func waitAccepts(host string, port int) error {
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	var err error
	for range 40 {
		var c net.Conn
		if c, err = net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			return c.Close()
		}
		time.Sleep(50 * time.Millisecond)
	}
	return err
}
