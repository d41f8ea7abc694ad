package e2e

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/internal/treetest"
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
