package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/internal/layout"
	"github.com/unforbid/unforbid/internal/treetest"
	"golang.org/x/tools/txtar"
)

// errorLog is a real nginx 1.22 error log, written by the e2e test
// TestErrorLogLines from the requests of some test trees; errorLogTrees
// says which lines each tree wrote.
const (
	errorLog      = "testdata/errorlog/nginx-1.22.log"
	errorLogTrees = "testdata/errorlog/nginx-1.22.trees"
)

type logSegment struct {
	tree string
	log  string // that tree's part of the log, in a file of its own
}

// logSegments splits the committed error log into one file per tree.
func logSegments(t *testing.T) []logSegment {
	t.Helper()
	b, err := os.ReadFile(errorLog)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	segs, err := os.ReadFile(errorLogTrees)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var out []logSegment
	for _, line := range strings.Split(strings.TrimSpace(string(segs)), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		var tree string
		var first, last int
		if _, err := fmt.Sscanf(line, "%s %d %d", &tree, &first, &last); err != nil || first < 1 || last > len(lines) {
			t.Fatalf("%s: bad line %q", errorLogTrees, line)
		}
		file := filepath.Join(dir, tree+".log")
		if err := os.WriteFile(file, []byte(strings.Join(lines[first-1:last], "")), 0o644); err != nil {
			t.Fatal(err)
		}
		out = append(out, logSegment{tree: tree, log: file})
	}
	return out
}

// treeRoot builds the test tree's view and returns its --root (see
// useMemory).
func treeRoot(t *testing.T, tree string) string {
	t.Helper()
	return useMemory(t, treetest.Setup(t, filepath.Join("testdata", "trees", tree+".txtar")))
}

var summaryRe = regexp.MustCompile(`: (\d+) lines? read, (\d+) request errors? considered, (\d+) causes?\n`)

// TestExplainLog explains the real log of each tree against that tree:
// every cause nginx logged is found, and the simulator agrees with every
// line.
func TestExplainLog(t *testing.T) {
	var all strings.Builder
	rulesSeen := map[string]bool{}
	for _, seg := range logSegments(t) {
		root := treeRoot(t, seg.tree)
		code, out, errOut := runCLI(t, "explain", "--log", seg.log, "--root", root, "/etc/nginx/nginx.conf")
		if code != exitClean {
			t.Fatalf("%s: exit %d; stderr:\n%s", seg.tree, code, errOut)
		}
		if strings.Contains(out, root) {
			t.Errorf("%s: output leaks the --root prefix %s", seg.tree, root)
		}
		if strings.Contains(out, "disagrees") || strings.Contains(errOut, "could not be read") {
			t.Errorf("%s: the simulator disagrees with real nginx's log, or a line was not read:\n%s\n%s", seg.tree, out, errOut)
		}
		if !summaryRe.MatchString(errOut) {
			t.Errorf("%s: no summary on stderr:\n%s", seg.tree, errOut)
		}
		for _, m := range regexp.MustCompile(`\[([a-z]+/[a-z0-9-]+)\]\n`).FindAllStringSubmatch(out, -1) {
			rulesSeen[m[1]] = true
		}
		fmt.Fprintf(&all, "=== %s\n%s", seg.tree, out)
	}
	for _, want := range []string{"fs/unreadable-file", "fs/no-search-permission", "fs/unreadable-directory", "nginx/index-missing",
		"nginx/deny-rule", "nginx/symlink-denied", "nginx/auth-file-missing", "nginx/auth-file-unreadable"} {
		if !rulesSeen[want] {
			t.Errorf("no %s cause explained from the log", want)
		}
	}
	golden(t, "errorlog.txt", all.String())
}

func TestExplainLogJSON(t *testing.T) {
	seg := logSegments(t)[0]
	root := treeRoot(t, seg.tree)
	code, out, errOut := runCLI(t, "explain", "--format", "json", "--log", seg.log, "--root", root, "/etc/nginx/nginx.conf")
	if code != exitClean {
		t.Fatalf("exit %d; stderr:\n%s", code, errOut)
	}
	var got []struct {
		Rule, Severity, Message, File, Path string
		Line, Count                         int
		Log                                 struct {
			Line                          int
			Time, Level, Message, Request string
		}
		Example struct {
			URL, Method string
			Status      int
			Rule        string
			Trace       []struct{ Step, Detail string }
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, out)
	}
	if len(got) == 0 {
		t.Fatalf("no cause in %s", out)
	}
	for _, c := range got {
		if c.Rule == "" || c.Severity == "" || c.File == "" || c.Line == 0 || c.Count < 1 || c.Log.Line == 0 || c.Log.Request == "" ||
			c.Example.URL == "" || c.Example.Rule != c.Rule || len(c.Example.Trace) == 0 {
			t.Errorf("incomplete cause: %+v", c)
		}
	}
	golden(t, "errorlog-basic.json", out)
}

// TestExplainLogLast keeps only the last request errors of the log.
func TestExplainLogLast(t *testing.T) {
	seg := logSegments(t)[0] // basic: 10 request errors, the last three
	// missing.html (a 404), docs/ (no index) and .env (a secret)
	root := treeRoot(t, seg.tree)
	for _, tt := range []struct {
		last               string
		considered, causes string
		wantIn, wantNotIn  string
	}{
		{"0", "10", "8", "/srv/www/f600.html", ""},
		{"3", "3", "2", "/srv/www/docs/", "/srv/www/f600.html"},
		{"100", "10", "8", "/srv/www/f600.html", ""},
	} {
		code, out, errOut := runCLI(t, "explain", "--log", seg.log, "--last", tt.last, "--root", root, "/etc/nginx/nginx.conf")
		if code != exitClean {
			t.Fatalf("--last %s: exit %d; stderr:\n%s", tt.last, code, errOut)
		}
		m := summaryRe.FindStringSubmatch(errOut)
		if m == nil || m[2] != tt.considered || m[3] != tt.causes {
			t.Errorf("--last %s: summary %q, want %s request errors and %s causes", tt.last, errOut, tt.considered, tt.causes)
		}
		if !strings.Contains(out, tt.wantIn) || tt.wantNotIn != "" && strings.Contains(out, tt.wantNotIn) {
			t.Errorf("--last %s: want %q and not %q in:\n%s", tt.last, tt.wantIn, tt.wantNotIn, out)
		}
	}
}

// TestExplainLogTricky feeds hand-written lines: what cannot be read is
// counted in one note, never fatal; what is no request error is skipped.
func TestExplainLogTricky(t *testing.T) {
	root := treeRoot(t, "basic")
	lines := []string{
		`2026/12/01 11:52:52 [notice] 1#1: using the "epoll" event method`,
		`2026/12/01 11:52:52 [emerg] 1#1: open() "/etc/nginx/x.conf" failed (2: No such file or directory) in /etc/nginx/nginx.conf:3`,
		`garbage`,
		`2026/12/01 11:52:52 [error] 2#2: *1 FastCGI sent in stderr: "Primary script unknown" while reading response header from upstream, client: 127.0.0.1, server: site.test, request: "GET /x.php HTTP/1.1", upstream: "fastcgi://unix:/run/php/php-fpm.sock:", host: "site.test:8080"`,
		// IPv6 client, no Host header: the port comes from the server's listen
		`2026/12/01 11:52:52 [error] 2#2: *2 open() "/srv/www/f600.html" failed (13: Permission denied), client: ::1, server: site.test, request: "GET /f600.html HTTP/1.0"`,
		// the same cause again, with a query and a referrer
		`2026/12/01 11:52:52 [error] 2#2: *3 open() "/srv/www/f600.html" failed (13: Permission denied), client: 192.0.2.1, server: site.test, request: "GET /f600.html?a=%22b%22 HTTP/1.1", host: "site.test:8080", referrer: "http://site.test:8080/"`,
		// cut short inside the request line
		`2026/12/01 11:52:52 [error] 2#2: *4 open() "/srv/www/` + strings.Repeat("a", 1900) + `" failed (13: Permission denied), client: 127.0.0.1, server: site.test, request: "GET /` + strings.Repeat("a", 100),
		// a refusal without its request
		`2026/12/01 11:52:52 [error] 2#2: *5 access forbidden by rule, client: 127.0.0.1`,
		// a request from a unix socket
		`2026/12/01 11:52:52 [error] 2#2: *6 access forbidden by rule, client: unix:, server: site.test, request: "GET / HTTP/1.1", host: "site.test"`,
		// a continuation line that carries a request
		`PHP message: x, client: 127.0.0.1, server: site.test, request: "GET / HTTP/1.1"`,
		// gzip_static: no refusal
		`2026/12/01 11:52:52 [error] 2#2: *7 open() "/srv/www/ok.html.gz" failed (13: Permission denied), client: 127.0.0.1, server: site.test, request: "GET /ok.html HTTP/1.1", host: "site.test:8080"`,
	}
	file := filepath.Join(t.TempDir(), "error.log")
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "explain", "--log", file, "--root", root, "/etc/nginx/nginx.conf")
	if code != exitClean {
		t.Fatalf("exit %d; stderr:\n%s", code, errOut)
	}
	m := summaryRe.FindStringSubmatch(errOut)
	if m == nil || m[1] != "11" || m[2] != "6" || m[3] != "1" {
		t.Errorf("summary: want 11 lines, 6 request errors, 1 cause:\n%s", errOut)
	}
	if want := "note: 4 lines look like request errors but could not be read (first: line 7: col "; !strings.Contains(errOut, want) {
		t.Errorf("stderr lacks %q:\n%s", want, errOut)
	}
	if !strings.Contains(out, "log lines: 2") || !strings.Contains(out, "example: GET http://site.test:8080/f600.html from ::1 -> 403") {
		t.Errorf("want the two f600.html lines as one cause, the first as example:\n%s", out)
	}
}

// TestExplainLogDisagrees: a file made readable since the log was written
// answers 200 now, and the output says the simulator disagrees.
func TestExplainLogDisagrees(t *testing.T) {
	seg := logSegments(t)[0]
	tree, err := layout.ReadFile(filepath.Join("testdata", "trees", seg.tree+".txtar"))
	if err != nil {
		t.Fatal(err)
	}
	// the file was made readable after nginx logged the refusal
	for i, f := range tree.Archive.Files {
		if f.Name == ".fsmeta" {
			tree.Archive.Files[i].Data = append(f.Data, "chmod 0644 srv/www/f600.html\n"...)
		}
	}
	root := useMemory(t, treetest.SetupTree(t, tree))
	code, out, errOut := runCLI(t, "explain", "--log", seg.log, "--root", root, "/etc/nginx/nginx.conf")
	if code != exitClean {
		t.Fatalf("exit %d; stderr:\n%s", code, errOut)
	}
	want := `/etc/nginx/nginx.conf:4: nginx logged "open() \"/srv/www/f600.html\" failed (13: Permission denied)" but the simulator finds no refusal
    cause: -   path: /srv/www/f600.html   log lines: 1
    first at line 8: [error] open() "/srv/www/f600.html" failed (13: Permission denied)
    disagrees (1 of 1 lines): line 8: the log says 403, the simulator answers 200: the config or the files changed since, or the simulator is wrong
    example: GET http://site.test:8080/f600.html from 127.0.0.1 -> 200
`
	if !strings.Contains(out, want) {
		t.Errorf("want\n%s\nin\n%s", want, out)
	}
}

// TestExplainLogNoServer: a log written for another config (its port is
// not listened on) says so in words, not "answers 0".
func TestExplainLogNoServer(t *testing.T) {
	seg := logSegments(t)[0]
	root := writeRoot(t, map[string]string{"etc/nginx/nginx.conf": "events {}\nhttp {\n server {\n  listen 127.0.0.1:9999;\n }\n}\n"})
	code, out, errOut := runCLI(t, "explain", "--log", seg.log, "--root", root, "/etc/nginx/nginx.conf")
	if code != exitClean {
		t.Fatalf("exit %d; stderr:\n%s", code, errOut)
	}
	want := "the log says 403, the simulator finds no server listening there (connection refused): the config or the files changed since"
	if !strings.Contains(out, want) || strings.Contains(out, "answers 0") {
		t.Errorf("want %q in\n%s", want, out)
	}
}

// TestExplainLogNotALog: a file with no nginx error log line (a binary
// file, the access log given by mistake) is an error, not "0 causes";
// an empty log is clean.
func TestExplainLogNotALog(t *testing.T) {
	root := treeRoot(t, "basic")
	dir := t.TempDir()
	for _, tt := range []struct {
		name, text, want string
		code             int
	}{
		{"binary", "\x7fELF\x02\x01\x01\x00\x00\nabc\x00\n", "binary data (NUL byte at line 1): not an nginx error log", exitError},
		{"access.log", `127.0.0.1 - - [01/Dec/2026:11:53:09 +0000] "GET / HTTP/1.1" 403 153 "-" "curl"` + "\n",
			`not an nginx error log: no line starts as nginx writes them ("2006/01/02 15:04:05 [error] ...")`, exitError},
		{"empty", "", ": 0 lines read, 0 request errors considered, 0 causes", exitClean},
		{"log with a NUL block after a crash", "\x00\x00\x00\n2026/12/01 11:53:09 [notice] 1#1: signal process started\n", ": 2 lines read, 0 request errors considered, 0 causes", exitClean},
	} {
		file := filepath.Join(dir, tt.name)
		if err := os.WriteFile(file, []byte(tt.text), 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, errOut := runCLI(t, "explain", "--log", file, "--root", root, "/etc/nginx/nginx.conf")
		if code != tt.code || !strings.Contains(errOut, tt.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d, %q", tt.name, code, errOut, tt.code, tt.want)
		}
	}
}

func TestExplainLogBadUsage(t *testing.T) {
	root := treeRoot(t, "basic")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--log", "testdata/errorlog/none.log"}, "unforbid: open testdata/errorlog/none.log: no such file or directory\n"},
		{[]string{"--log", errorLog, "--last", "-1"}, "unforbid: --last -1: want a count of lines, 0 for all\n"},
		{[]string{"--log", errorLog, "http://site.test/"}, "usage: unforbid explain --log ERROR_LOG [--last N] [flags] [CONFIG] (no URL with --log)\n"},
	} {
		args := append([]string{"explain", "--root", root}, tt.args...)
		if len(tt.args) < 3 || tt.args[2] != "http://site.test/" {
			args = append(args, "/etc/nginx/nginx.conf")
		} else {
			args = append(args[:len(args)-1], "/etc/nginx/nginx.conf", tt.args[2])
		}
		code, _, errOut := runCLI(t, args...)
		if code != exitError || errOut != tt.want {
			t.Errorf("%v: exit %d, stderr %q; want exit 2, %q", tt.args, code, errOut, tt.want)
		}
	}
}

// TestExplainLogManyCauses: a log of more distinct causes than
// maxLogCauses (one unreadable file each) keeps the first ones, counts the
// rest and says so: a line in text, a note on stderr, the JSON array
// unchanged in shape.
func TestExplainLogManyCauses(t *testing.T) {
	const extra = 7 // causes past the cap; the last one logged three times
	tree, err := layout.ReadFile(filepath.Join("testdata", "trees", "basic.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	var fsmeta, log strings.Builder
	line := func(name string) {
		fmt.Fprintf(&log, `2026/12/01 11:53:09 [error] 2#2: *%d open() "/srv/www/many/%s" failed (13: Permission denied), client: 127.0.0.1, server: site.test, request: "GET /many/%s HTTP/1.1", host: "site.test:8080"`+"\n",
			log.Len(), name, name)
	}
	for i := 0; i < maxLogCauses+extra; i++ {
		name := fmt.Sprintf("u%04d.html", i)
		tree.Archive.Files = append(tree.Archive.Files, txtar.File{Name: "srv/www/many/" + name, Data: []byte("page\n")})
		fmt.Fprintf(&fsmeta, "chmod 0600 srv/www/many/%s\n", name)
		line(name)
	}
	last := fmt.Sprintf("u%04d.html", maxLogCauses+extra-1)
	line(last)
	line(last)
	line("u0000.html") // a kept cause again
	for i, f := range tree.Archive.Files {
		if f.Name == ".fsmeta" {
			tree.Archive.Files[i].Data = append(f.Data, fsmeta.String()...)
		}
	}
	root := useMemory(t, treetest.SetupTree(t, tree))
	file := filepath.Join(t.TempDir(), "error.log")
	if err := os.WriteFile(file, []byte(log.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	lines := maxLogCauses + extra + 3
	wantNote := fmt.Sprintf("note: %d more causes (%d log lines) not explained: only the first %d distinct causes of the log are kept (--last N looks at the latest lines)\n",
		extra, extra+2, maxLogCauses)
	for _, format := range []string{"text", "json"} {
		code, out, errOut := runCLI(t, "explain", "--format", format, "--log", file, "--root", root, "/etc/nginx/nginx.conf")
		if code != exitClean {
			t.Fatalf("%s: exit %d; stderr:\n%s", format, code, errOut)
		}
		m := summaryRe.FindStringSubmatch(errOut)
		if m == nil || m[1] != fmt.Sprint(lines) || m[2] != fmt.Sprint(lines) || m[3] != fmt.Sprint(maxLogCauses+extra) {
			t.Errorf("%s: summary: want %d lines, %d request errors, %d causes:\n%s", format, lines, lines, maxLogCauses+extra, errOut)
		}
		if !strings.Contains(errOut, wantNote) {
			t.Errorf("%s: stderr lacks %q:\n%s", format, wantNote, errOut)
		}
		if strings.Contains(out, "/srv/www/many/"+last) {
			t.Errorf("%s: a cause past the cap is explained", format)
		}
		switch format {
		case "text":
			if got := strings.Count(out, "    cause: fs/unreadable-file"); got != maxLogCauses {
				t.Errorf("text: %d causes, want %d", got, maxLogCauses)
			}
			if want := fmt.Sprintf("\n... and %d more causes (%d log lines)\n", extra, extra+2); !strings.HasSuffix(out, want) {
				t.Errorf("text: want it to end in %q:\n...%s", want, out[max(0, len(out)-500):])
			}
			if !strings.Contains(out, "path: /srv/www/many/u0000.html   log lines: 2\n") {
				t.Errorf("text: the kept cause seen again after the cap lacks its second line")
			}
		case "json":
			var got []struct{ Rule, Path string }
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("json: %v", err)
			}
			if len(got) != maxLogCauses || got[0].Path != "/srv/www/many/u0000.html" {
				t.Errorf("json: %d causes, the first %+v; want %d, u0000.html first (two lines)", len(got), got[0], maxLogCauses)
			}
		}
	}
}
