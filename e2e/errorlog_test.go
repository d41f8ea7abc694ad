package e2e

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/internal/treetest"
	"github.com/unforbid/unforbid/parser"
	"github.com/unforbid/unforbid/parser/nginxlog"
)

var update = flag.Bool("update", false, "rewrite testdata/errorlog from real nginx")

// errorLogTrees are the trees whose requests make the error log of
// testdata/errorlog: together they hold every kind of refusal nginx logs
// (unreadable file, unsearchable parent, directory index, deny, refused
// symbolic link, auth file, try_files stat, autoindex opendir).
var errorLogTrees = []string{"basic", "access", "symlinks-on", "auth", "tryfiles", "autoindex"}

// hostWithoutPort lists the trees whose requests send a Host header
// without the port (as clients do for port 80), so that explain --log must
// find the port from the server's listen directives.
var hostWithoutPort = map[string]bool{"auth": true, "autoindex": true}

const (
	errorLogFile     = "../testdata/errorlog/nginx-1.22.log"
	errorLogSegments = "../testdata/errorlog/nginx-1.22.trees"
)

// TestErrorLogLines runs real nginx on errorLogTrees with their .requests
// and checks that the committed log, testdata/errorlog/nginx-1.22.log, is
// what nginx writes: the same request error lines, tree by tree, once the
// time, process and connection numbers are set aside. Every such line must
// parse. With -update it rewrites the log and its segment list
// (nginx-1.22.trees: which lines each tree wrote).
func TestErrorLogLines(t *testing.T) {
	needRealNginx(t)
	var logs []string
	for _, name := range errorLogTrees {
		logs = append(logs, errorLogOf(t, name))
	}
	for i, log := range logs {
		for _, line := range strings.Split(strings.TrimSuffix(log, "\n"), "\n") {
			e, err := nginxlog.ParseLine(line)
			if err != nil {
				t.Errorf("%s: real nginx line does not parse: %v\n%s", errorLogTrees[i], err, line)
				continue
			}
			if e.Client != "" && e.HasRequest && (e.Method == "" || e.URI == "" || e.Host == "") {
				t.Errorf("%s: request line read incompletely: %+v\n%s", errorLogTrees[i], e, line)
			}
		}
	}
	if *update {
		var all, segs strings.Builder
		fmt.Fprintln(&segs, "# tree first-line last-line of testdata/errorlog/nginx-1.22.log (written by go test ./e2e -run TestErrorLogLines -update)")
		n := 0
		for i, log := range logs {
			lines := strings.Count(log, "\n")
			fmt.Fprintf(&segs, "%s %d %d\n", errorLogTrees[i], n+1, n+lines)
			n += lines
			all.WriteString(log)
		}
		if err := os.WriteFile(errorLogFile, []byte(all.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(errorLogSegments, []byte(segs.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	segs, err := ReadSegments(errorLogFile, errorLogSegments)
	if err != nil {
		t.Fatalf("%v (go test ./e2e -run TestErrorLogLines -update writes it)", err)
	}
	for i, name := range errorLogTrees {
		got, want := requestLines(logs[i]), requestLines(segs[name])
		if !slices.Equal(got, want) {
			t.Errorf("%s: nginx now logs other request errors than %s holds (go test ./e2e -run TestErrorLogLines -update rewrites it)\n--- now\n%s\n--- committed\n%s",
				name, errorLogFile, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

// errorLogOf runs real nginx on the tree name with its .requests and
// returns the error log it wrote.
func errorLogOf(t *testing.T, name string) string {
	t.Helper()
	c := treetest.SetupDisk(t, filepath.Join("../testdata/trees", name+".txtar"))
	reqs := c.Requests(t)
	srv := startTree(t, c, reqs)
	for _, r := range reqs {
		real, err := send(srv, r, !hostWithoutPort[name])
		if err != nil {
			t.Fatalf("%s: %s: %v", name, r, err)
		}
		if real != r.Want {
			t.Errorf("%s: %s: real nginx answers %d, the tree says %d", name, r, real, r.Want)
		}
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	return srv.ErrorLog()
}

// varying matches what changes from run to run in a request error line:
// the time, the process and thread numbers, the connection number.
var varying = regexp.MustCompile(`^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[(\w+)\] \d+#\d+: \*\d+ `)

// requestLines returns the request error lines of log without what varies.
func requestLines(log string) []string {
	var out []string
	for _, line := range strings.Split(log, "\n") {
		if m := varying.FindStringSubmatchIndex(line); m != nil && strings.Contains(line, ", request: ") {
			out = append(out, "["+line[m[2]:m[3]]+"] "+line[m[1]:])
		}
	}
	return out
}

// ReadSegments reads the log and its segment list and returns each tree's
// part of the log.
func ReadSegments(logFile, segFile string) (map[string]string, error) {
	b, err := os.ReadFile(logFile)
	if err != nil {
		return nil, err
	}
	lines := strings.SplitAfter(string(b), "\n")
	f, err := os.Open(segFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if strings.HasPrefix(sc.Text(), "#") {
			continue
		}
		var name string
		var first, last int
		if _, err := fmt.Sscanf(sc.Text(), "%s %d %d", &name, &first, &last); err != nil || first < 1 || last < first-1 || last > len(lines) {
			return nil, fmt.Errorf("%s:%d: want TREE FIRST LAST", segFile, n)
		}
		out[name] = strings.Join(lines[first-1:last], "")
	}
	return out, sc.Err()
}

// explainedLog is the JSON of `unforbid explain --log --format json`, as
// far as TestErrorLogExplained reads it.
type explainedLog []struct {
	Rule, Severity, Path, Disagreement, Ambiguous string
	Count, Disagree, Unsure                       int
	Log                                           struct {
		Line    int
		Message string
	}
	Example struct{ Method string }
}

// logSummary matches explain --log's agreement line on stderr.
var logSummary = regexp.MustCompile(`agreement: (\d+) of (\d+) request errors read agree with the simulator \((\d+) disagree, (\d+) it cannot model\); (\d+) explained by a cause\n`)

// apacheLogTree holds one refusal of each kind Apache logs that explain
// --log reads; it is no tree of testdata/trees, whose tests would judge
// it as a site.
const apacheLogTree = "testdata/errorlog-apache.txtar"

// errorLogKindTrees are the trees whose real error log
// TestErrorLogExplained explains: nginx's (errorLogTrees), every tree of
// an Apache config and apacheLogTree.
func errorLogKindTrees(t *testing.T) []string {
	t.Helper()
	out := slices.Clone(errorLogTrees)
	files, err := filepath.Glob("../testdata/trees/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "\n-- etc/apache2/apache2.conf --\n") || strings.HasPrefix(string(b), "-- etc/apache2/apache2.conf --\n") {
			out = append(out, strings.TrimSuffix(filepath.Base(f), ".txtar"))
		}
	}
	return append(out, apacheLogTree)
}

// TestErrorLogExplained starts the real server (nginx, or Apache with
// UNFORBID_E2E=1) on each tree of errorLogKindTrees, requests the URLs
// its .requests refuses, and runs `unforbid explain --log` on the error
// log the server wrote: every request error is read and explained, the
// simulator agrees with every line (status and cause), and each cause of
// warning or error severity is one the tree wants.
func TestErrorLogExplained(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real servers")
	}
	bin := buildCLI(t)
	total := map[parser.Kind][5]int{} // lines considered, read, agreeing, explained, trees
	for _, name := range errorLogKindTrees(t) {
		file := filepath.Join("../testdata/trees", name+".txtar")
		if strings.HasSuffix(name, ".txtar") {
			file, name = name, strings.TrimSuffix(filepath.Base(name), ".txtar")
		}
		t.Run(name, func(t *testing.T) {
			c := treetest.SetupDisk(t, file)
			if c.Kind == parser.KindApache {
				needRealApache(t)
			} else {
				needRealNginx(t)
			}
			reqs := c.Requests(t)
			srv := startTree(t, c, reqs)
			refused := 0
			for _, r := range reqs {
				if r.Want < 400 {
					continue
				}
				refused++
				real, err := send(srv, r, !hostWithoutPort[name])
				if err != nil {
					t.Fatalf("%s: %v", r, err)
				}
				if real != r.Want {
					t.Errorf("%s: real %s answers %d, the tree says %d", r, c.Kind, real, r.Want)
				}
			}
			if err := srv.Stop(); err != nil {
				t.Fatal(err)
			}
			log := filepath.Join(t.TempDir(), "error.log")
			if err := os.WriteFile(log, []byte(srv.ErrorLog()), 0o644); err != nil {
				t.Fatal(err)
			}
			out, errOut, code := runCLI(t, bin, t.TempDir(), "explain", "--format", "json", "--log", log, "--root", c.Dir, c.Main)
			if code != 0 {
				t.Fatalf("explain --log: exit %d\n%s", code, errOut)
			}
			var got explainedLog
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("bad JSON: %v\n%s", err, out)
			}
			if strings.Contains(errOut, "could not be read") {
				t.Errorf("lines of the real log could not be read:\n%s", errOut)
			}
			m := logSummary.FindStringSubmatch(errOut)
			if m == nil {
				// a quiet twin's refusals (404s) leave no request error
				if !strings.Contains(errOut, " 0 request errors considered, 0 causes\n") {
					t.Errorf("no agreement line on stderr:\n%s", errOut)
				}
				m = []string{"", "0", "0", "0", "0", "0"}
			}
			n := func(i int) int { v, _ := strconv.Atoi(m[i]); return v }
			if n(1) != n(2) {
				t.Errorf("%s of %s log lines agree with the simulator:\n%s", m[1], m[2], errOut)
			}
			wanted := map[string]bool{}
			for _, w := range c.Wants(t) {
				wanted[w.Rule] = true
			}
			for _, g := range got {
				if g.Disagree > 0 || g.Unsure > 0 {
					t.Errorf("log line %d %q: the simulator disagrees or cannot tell: %s", g.Log.Line, g.Log.Message, g.Disagreement)
				}
				if g.Rule == "" {
					t.Errorf("log line %d %q: no cause found", g.Log.Line, g.Log.Message)
				} else if g.Severity != "info" && !wanted[g.Rule] && (g.Example.Method == "GET" || g.Example.Method == "HEAD") {
					// the wants are the scanner's, which requests GET
					// only (a POST to a listing is refused as no index)
					t.Errorf("log line %d %q: explained as %s, which the tree does not want", g.Log.Line, g.Log.Message, g.Rule)
				}
			}
			t.Logf("%s (%s): %d refused URLs requested; %s request errors in the log, %s read, %s agree, %s explained by a cause, %d causes",
				name, c.Kind, refused, m[2], m[2], m[1], m[5], len(got))
			s := total[c.Kind]
			total[c.Kind] = [5]int{s[0] + n(2), s[1] + n(2), s[2] + n(1), s[3] + n(5), s[4] + 1}
		})
	}
	for k, s := range total {
		t.Logf("%s: %d trees, %d request error lines, %d agree with the simulator, %d explained by a cause", k, s[4], s[0], s[2], s[3])
	}
}
