package nginx_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/internal/realnginx"
	"github.com/unforbid/unforbid/internal/treetest/need"
	"github.com/unforbid/unforbid/parser/fsmeta"
	nginxsim "github.com/unforbid/unforbid/rules/simulate/nginx"
)

// realPort is the port the real-nginx check listens on, on 127.0.0.1; run
// it under the shared lock (flock /tmp/unforbid-e2e.lock go test ...).
const realPort = 8080

// layOut writes a case's tree under dir, its config replaced by conf with
// "listen 80;" moved to 127.0.0.1:realPort: modes, owners and links as the
// entries say.
// againstReal lays c's tree out with conf (config number i of the case),
// starts real nginx on it and checks that c's URL and its secrets answer
// as the simulator says. It returns the real statuses by URL (those that
// could be requested).
func againstReal(t *testing.T, c repairCase, i int, conf string) map[string]int {
	t.Helper()
	dir := t.TempDir()
	layOut(t, dir, c, conf)
	esim, err := nginxsim.Load(repairMain, memoryTree(t, c, map[string][]byte{repairMain: []byte(conf)}), nginxsim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := realnginx.Start(dir, "", []int{realPort})
	if err != nil {
		t.Fatalf("config %d: %v", i, err)
	}
	real := map[string]int{}
	for _, u := range append([]string{c.url}, c.secrets...) {
		req := request(t, u)
		req.ClientIP = "127.0.0.1"
		want := esim.Simulate(req).Status
		got, err := srv.Do("GET", realPort, "example.com", u, "127.0.0.1")
		if err != nil {
			t.Errorf("config %d: %s: %v", i, u, err)
			continue
		}
		real[u] = got
		if got != want {
			t.Errorf("config %d: %s: real nginx %d, simulated %d\n%s", i, u, got, want, conf)
		}
	}
	if err := srv.Stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
	return real
}

func layOut(t *testing.T, dir string, c repairCase, conf string) {
	t.Helper()
	conf = strings.ReplaceAll(conf, "listen 80;", "listen 127.0.0.1:8080;")
	entries := []fsmeta.Entry{file(repairMain, 0o644, 0, 0, conf)}
	hasPasswd := false
	for _, e := range c.entries {
		hasPasswd = hasPasswd || e.Path == "/etc/passwd"
	}
	if !hasPasswd {
		entries = append(entries, file("/etc/passwd", 0o644, 0, 0, debianPasswd), file("/etc/group", 0o644, 0, 0, debianGroup))
	}
	entries = append(entries, c.entries...)
	for _, e := range entries {
		host := filepath.Join(dir, e.Path)
		if err := os.MkdirAll(filepath.Dir(host), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		switch e.Type {
		case fsmeta.TypeDir:
			err = os.MkdirAll(host, 0o755)
		case fsmeta.TypeSymlink:
			err = os.Symlink(e.Target, host)
		default:
			err = os.WriteFile(host, e.Data, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Lchown(host, int(e.UID), int(e.GID)); err != nil {
			t.Fatal(err)
		}
		if e.Type != fsmeta.TypeSymlink {
			if err := os.Chmod(host, os.FileMode(e.Perm)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

// TestRepairsRealNginx runs real nginx on each case before and after each
// fix with edits, and checks that it answers the case's request and its
// secrets as the simulator does.
//
// It starts nginx on a fixed port in a package that is not e2e/: it runs
// only with UNFORBID_E2E=1 (CI, or by hand under the shared lock:
// UNFORBID_E2E=1 flock /tmp/unforbid-e2e.lock go test -run
// TestRepairsRealNginx ./rules/simulate/nginx/).
func TestRepairsRealNginx(t *testing.T) {
	if os.Getenv(need.Env) != "1" {
		t.Skip("skipping: starts real nginx on 127.0.0.1:8080; set " + need.Env + "=1 and hold /tmp/unforbid-e2e.lock")
	}
	if err := realnginx.Available(); err != nil {
		need.Skip(t, "real-nginx repair tests: "+err.Error())
	}
	for _, c := range repairCases {
		if c.url == "" {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			sim, err := nginxsim.Load(repairMain, memoryTree(t, c, nil), nginxsim.Options{})
			if err != nil {
				t.Fatal(err)
			}
			confs := []string{c.conf}
			for _, f := range sim.Repairs(problem(t, sim, c)) {
				if len(f.Edits) == 0 {
					continue
				}
				edited, err := nginxsim.ApplyEdits(func(string) []byte { return []byte(c.conf) }, f.Edits)
				if err != nil {
					t.Fatal(err)
				}
				confs = append(confs, string(edited[repairMain]))
			}
			for i, conf := range confs {
				againstReal(t, c, i, conf)
			}
		})
	}
}
