package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/demo"
	"github.com/unforbid/unforbid/internal/layout"
	"github.com/unforbid/unforbid/internal/treetest"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules"
)

var update = flag.Bool("update", false, "rewrite golden files")

// runCLI runs the command line in-process and returns exit code, stdout
// and stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// demoRoot builds the bundled demo tree and returns its --root (see
// useMemory).
func demoRoot(t *testing.T) string {
	t.Helper()
	tree, err := layout.Parse("demo.txtar", demo.Tree)
	if err != nil {
		t.Fatal(err)
	}
	return useMemory(t, treetest.SetupTree(t, tree))
}

// useMemory makes the command line read c's in-memory view for --root
// c.Dir, until the test ends, and returns c.Dir: the tree's owners, modes
// and ACLs are those of its .fsmeta section whoever runs the tests, so the
// golden files hold for every user. (layout's cross-check test holds that
// view to the tree laid out on disk.)
func useMemory(t *testing.T, c *treetest.Case) string {
	t.Helper()
	prev := newFS
	newFS = func(root string) *fsmeta.FS {
		if root == c.Dir {
			return c.FS
		}
		return prev(root)
	}
	t.Cleanup(func() { newFS = prev })
	return c.Dir
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	file := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", file, got, want)
	}
}

func TestCheckDemoText(t *testing.T) {
	root := demoRoot(t)
	code, out, errOut := runCLI(t, "--check", "--root", root, "/etc/nginx/nginx.conf")
	if code != exitFindings {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, errOut)
	}
	if strings.Contains(out, root) {
		t.Errorf("output leaks the --root prefix %s:\n%s", root, out)
	}
	golden(t, "demo.txt", out)
}

func TestCheckDemoJSON(t *testing.T) {
	root := demoRoot(t)
	// flags after CONFIG work too
	code, out, errOut := runCLI(t, "--check", "/etc/nginx/nginx.conf", "--root", root, "--format", "json")
	if code != exitFindings {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, errOut)
	}
	var got struct {
		Findings []struct {
			Rule, Severity, Message, File, Path, URL string
			Line, Count                              int
			Fixes                                    []any
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, out)
	}
	rulesSeen := map[string]bool{}
	for _, f := range got.Findings {
		rulesSeen[f.Rule] = true
		if f.File == "" || f.Line == 0 || f.Count < 1 || f.URL == "" || f.Fixes == nil {
			t.Errorf("incomplete finding: %+v", f)
		}
	}
	for _, want := range []string{"fs/no-search-permission", "fs/unreadable-file", "nginx/index-missing", "nginx/deny-overmatch"} {
		if !rulesSeen[want] {
			t.Errorf("no %s finding in %s", want, out)
		}
	}
	golden(t, "demo.json", out)
}

func TestCheckDemoSARIF(t *testing.T) {
	root := demoRoot(t)
	code, out, errOut := runCLI(t, "--check", "--root", root, "--format", "sarif", "/etc/nginx/nginx.conf")
	if code != exitFindings {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, errOut)
	}
	var log struct {
		Version string
		Runs    []struct {
			Tool struct {
				Driver struct{ Rules []struct{ ID string } }
			}
			Results []struct {
				RuleID    string
				RuleIndex int
				Level     string
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine int }
					}
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatalf("bad SARIF: %v", err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || len(log.Runs[0].Results) == 0 {
		t.Fatalf("unexpected SARIF: %s", out)
	}
	run := log.Runs[0]
	for _, r := range run.Results {
		loc := r.Locations[0].PhysicalLocation
		if run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID || r.Level != "error" || !strings.HasPrefix(loc.ArtifactLocation.URI, "etc/nginx/") || loc.Region.StartLine == 0 {
			t.Errorf("bad result %+v", r)
		}
	}
	golden(t, "demo.sarif", out)
}

func TestSeverityFilter(t *testing.T) {
	root := demoRoot(t)
	_, all, _ := runCLI(t, "--root", root, "--severity", "info", "--format", "json", "/etc/nginx/nginx.conf")
	_, errs, _ := runCLI(t, "--root", root, "--severity", "error", "--format", "json", "/etc/nginx/nginx.conf")
	if !strings.Contains(all, `"severity": "info"`) {
		t.Errorf("--severity info shows no info finding:\n%s", all)
	}
	if strings.Contains(errs, `"severity": "info"`) || strings.Contains(errs, `"severity": "warning"`) {
		t.Errorf("--severity error shows lower severities:\n%s", errs)
	}
}

func TestCheckClean(t *testing.T) {
	root := useMemory(t, treetest.Setup(t, "testdata/trees/access.txtar"))
	code, out, errOut := runCLI(t, "--check", "--root", root, "/etc/nginx/nginx.conf")
	if code != exitClean || out != "" {
		t.Fatalf("exit %d, want 0, stdout %q; stderr:\n%s", code, out, errOut)
	}
}

func TestExplainJSON(t *testing.T) {
	root := demoRoot(t)
	code, out, errOut := runCLI(t, "explain", "--format", "json", "--root", root, "/etc/nginx/nginx.conf",
		"http://alice.example.com/blog/post-1.html", "http://shop.example.com/", "http://shop.example.com/.env")
	if code != exitClean {
		t.Fatalf("exit %d; stderr:\n%s", code, errOut)
	}
	var got []struct {
		URL, Method, Rule, Reason, Path string
		ClientIP                        string `json:"client_ip"`
		Status                          int
		Trace                           []struct{ Step, File, Detail string }
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, out)
	}
	want := []struct {
		status int
		rule   string
		path   string
	}{
		{403, "fs/no-search-permission", "/home/alice"},
		{200, "", ""},
		{403, "nginx/deny-rule", ""},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d decisions, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Status != w.status || g.Rule != w.rule || g.Path != w.path || g.ClientIP != "127.0.0.1" || g.Method != "GET" || len(g.Trace) == 0 {
			t.Errorf("decision %d = %+v, want status %d rule %q path %q", i, g, w.status, w.rule, w.path)
		}
	}
}

func TestExplainText(t *testing.T) {
	root := demoRoot(t)
	code, out, _ := runCLI(t, "explain", "--root", root, "/etc/nginx/nginx.conf", "http://shop.example.com/uploads/report.pdf")
	if code != exitClean {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"-> 403", "[fs/unreadable-file]", "lacks read (r) permission on /srv/shop/uploads/report.pdf (mode 0600", "/etc/nginx/sites-enabled/shop:"} {
		if !strings.Contains(out, want) {
			t.Errorf("explain output lacks %q:\n%s", want, out)
		}
	}
}

// TestExplainNoListener: the demo listens on IPv4 only, so an IPv6
// client gets no answer at all.
func TestExplainNoListener(t *testing.T) {
	root := demoRoot(t)
	code, out, _ := runCLI(t, "explain", "--root", root, "--client-ip", "::1", "/etc/nginx/nginx.conf", "http://shop.example.com/")
	if code != exitClean || !strings.Contains(out, "no answer (connection refused)") || !strings.Contains(out, "no server listens on port 80 for ::1") {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
}

// TestExplainAddresses: the client's address is not the server's. A
// second client (127.0.0.2) reaches `listen 127.0.0.1:PORT` through
// localhost, and allow/deny judge it; --server-ip forces the local address.
func TestExplainAddresses(t *testing.T) {
	c := treetest.Setup(t, "testdata/trees/addresses.txtar")
	tests := []struct {
		name  string
		args  []string
		wants []string
	}{
		{"second client through localhost", []string{"--client-ip", "127.0.0.2", "http://localhost:8111/second/"}, []string{
			"GET http://localhost:8111/second/ from 127.0.0.2 -> 403",
			"connect    client 127.0.0.2 connects to 127.0.0.1:8111: localhost is 127.0.0.1 and ::1, of which an IPv4 client reaches 127.0.0.1; listen 127.0.0.1:8111 takes it  (/etc/nginx/nginx.conf:25)",
			"deny all matches client 127.0.0.2: access forbidden by rule",
		}},
		{"second client, $remote_addr", []string{"--client-ip", "127.0.0.2", "http://localhost:8111/remote/"}, []string{"from 127.0.0.2 -> 200"}},
		{"first client", []string{"http://localhost:8111/second/"}, []string{"from 127.0.0.1 -> 200", "allow 127.0.0.1 matches client 127.0.0.1"}},
		{"a name stands for its server's listen", []string{"--client-ip", "127.0.0.2", "http://four.test:8111/server/"}, []string{
			"from 127.0.0.2 -> 200", "connects to 127.0.0.1:8111: the first server matching four.test listens on it; listen 127.0.0.1:8111 takes it"}},
		{"--server-ip", []string{"--client-ip", "127.0.0.2", "--server-ip", "127.0.0.1", "http://four.test:8111/second/"}, []string{
			"from 127.0.0.2 -> 403", "connects to 127.0.0.1:8111: the local address is given; listen 127.0.0.1:8111 takes it"}},
		{"--server-ip nobody listens on", []string{"--client-ip", "127.0.0.2", "--server-ip", "127.0.0.2", "http://localhost:8111/"}, []string{
			"-> no answer (connection refused)", "connects to 127.0.0.2:8111: the local address is given; no listen takes it: connection refused"}},
		{"IPv6 literal, default client", []string{"http://[::1]:8110/second/"}, []string{"from ::1 -> 200", "connects to [::1]:8110: the URL names the address; listen [::]:8110 ipv6only=off takes it"}},
		{"dual-stack, second IPv4 client", []string{"--client-ip", "127.0.0.2", "http://dual.test:8110/remote/"}, []string{"from 127.0.0.2 -> 403", "connects to 127.0.0.1:8110"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"explain", "--root", c.Dir, treetest.MainConfig}, tt.args...)
			code, out, errOut := runCLI(t, args...)
			if code != exitClean {
				t.Fatalf("exit %d; stderr:\n%s", code, errOut)
			}
			for _, w := range tt.wants {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if strings.Contains(out, "connection refused") && !strings.Contains(tt.name, "nobody listens") {
				t.Errorf("connection refused:\n%s", out)
			}
		})
	}
	code, out, _ := runCLI(t, "explain", "--format", "json", "--root", c.Dir, "--client-ip", "127.0.0.2", treetest.MainConfig, "http://localhost:8111/")
	if code != exitClean || !strings.Contains(out, `"client_ip": "127.0.0.2"`) || !strings.Contains(out, `"status": 200`) || !strings.Contains(out, `"step": "connect"`) {
		t.Errorf("explain --format json: exit %d\n%s", code, out)
	}
}

func TestRulesCommand(t *testing.T) {
	if err := rules.Validate(); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCLI(t, "rules")
	if code != exitClean {
		t.Fatalf("exit %d", code)
	}
	for _, r := range rules.All {
		if !strings.Contains(out, r.ID+" (") || !strings.Contains(out, r.Doc.Title) {
			t.Errorf("rules output lacks %s", r.ID)
		}
	}
	code, out, _ = runCLI(t, "rules", "--format", "json")
	var list []map[string]string
	if code != exitClean || json.Unmarshal([]byte(out), &list) != nil || len(list) != len(rules.All) {
		t.Errorf("rules --format json: exit %d, output %q", code, out)
	}
}

// TestBadInput: every input problem is a clear error on stderr and exit 2.
func TestBadInput(t *testing.T) {
	write := func(t *testing.T, files map[string]string) string {
		dir := t.TempDir()
		for name, text := range files {
			p := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	tests := []struct {
		name    string
		files   map[string]string
		args    []string
		wantErr string
	}{
		{"missing config", nil, []string{"/etc/nginx/nginx.conf"}, "/etc/nginx/nginx.conf"},
		{"syntax error", map[string]string{"etc/nginx/nginx.conf": "events {}\nhttp {\n}\n}\n"},
			[]string{"/etc/nginx/nginx.conf"}, `/etc/nginx/nginx.conf:4: unexpected "}"`},
		{"unterminated block", map[string]string{"etc/nginx/nginx.conf": "http {\n server {\n"},
			[]string{"/etc/nginx/nginx.conf"}, `/etc/nginx/nginx.conf:`},
		{"missing include", map[string]string{"etc/nginx/nginx.conf": "events {}\nhttp {\n include /etc/nginx/nope.conf;\n}\n"},
			[]string{"/etc/nginx/nginx.conf"}, `/etc/nginx/nginx.conf:3: include "/etc/nginx/nope.conf"`},
		{"include cycle", map[string]string{"etc/nginx/nginx.conf": "http {\n include /etc/nginx/a.conf;\n}\n", "etc/nginx/a.conf": "include /etc/nginx/b.conf;\n", "etc/nginx/b.conf": "include /etc/nginx/a.conf;\n"},
			[]string{"/etc/nginx/nginx.conf"}, "include cycle"},
		{"binary garbage", map[string]string{"etc/nginx/nginx.conf": "http {\x00\x01\x02\xff}\n"},
			[]string{"/etc/nginx/nginx.conf"}, "/etc/nginx/nginx.conf:1: binary data"},
		{"unknown worker user", map[string]string{"etc/nginx/nginx.conf": "user nosuchuser;\nhttp {}\nevents {}\n", "etc/passwd": "root:x:0:0::/root:/bin/sh\n", "etc/group": "root:x:0:\n"},
			[]string{"/etc/nginx/nginx.conf"}, `/etc/nginx/nginx.conf:1: unknown user "nosuchuser"`},
		{"bad listen", map[string]string{"etc/nginx/nginx.conf": "http {\n server {\n  listen 99999;\n }\n}\nevents {}\n"},
			[]string{"/etc/nginx/nginx.conf"}, `/etc/nginx/nginx.conf:3: invalid port`},
		{"bad allow", map[string]string{"etc/nginx/nginx.conf": "http {\n server {\n  allow 300.1.1.1;\n }\n}\nevents {}\n"},
			[]string{"/etc/nginx/nginx.conf"}, `/etc/nginx/nginx.conf:3: invalid parameter "300.1.1.1"`},
		{"alias refers to itself", map[string]string{"etc/nginx/nginx.conf": "http {\n server {\n  location /a/ {\n   alias $document_root/sub/;\n  }\n }\n}\nevents {}\n"},
			[]string{"/etc/nginx/nginx.conf"}, `/etc/nginx/nginx.conf:4: the $document_root variable cannot be used in the "alias" directive`},
		{"unknown flag", nil, []string{"--bogus"}, "flag provided but not defined"},
		{"bad format", nil, []string{"--format", "xml"}, `unknown --format "xml" (want text, json or sarif)`},
		{"bad severity", nil, []string{"--severity", "loud"}, `unknown severity "loud"`},
		{"undo takes no config", nil, []string{"--undo", "/etc/nginx/nginx.conf"}, "--undo takes no CONFIG"},
		{"fix of an unknown rule", nil, []string{"--apply", "--fix", "nginx/no-such-rule"}, "--fix nginx/no-such-rule: no such rule"},
		{"relative config with root", nil, []string{"nginx.conf"}, "must be an absolute path"},
		{"explain without url", map[string]string{"etc/nginx/nginx.conf": "http {}\nevents {}\n"}, []string{"explain", "/etc/nginx/nginx.conf"}, "usage: unforbid explain"},
		{"explain bad url", map[string]string{"etc/nginx/nginx.conf": "http {}\nevents {}\n"}, []string{"explain", "/etc/nginx/nginx.conf", "ftp://x/"}, "scheme must be http or https"},
		{"explain bad client ip", map[string]string{"etc/nginx/nginx.conf": "http {}\nevents {}\n"}, []string{"explain", "--client-ip", "nope", "/etc/nginx/nginx.conf", "/x"}, "is not an IP address"},
		{"explain bad server ip", map[string]string{"etc/nginx/nginx.conf": "http {}\nevents {}\n"}, []string{"explain", "--server-ip", "nope", "/etc/nginx/nginx.conf", "/x"}, `--server-ip "nope" is not an IP address`},
		{"explain families differ", map[string]string{"etc/nginx/nginx.conf": "http {}\nevents {}\n"}, []string{"explain", "--client-ip", "::1", "--server-ip", "127.0.0.1", "/etc/nginx/nginx.conf", "/x"}, "client ::1 cannot connect to 127.0.0.1: another address family"},
		{"unknown server kind", nil, []string{"--server", "iis"}, `unforbid: unknown --server "iis" (want nginx or apache)`},
		{"sarif for explain", map[string]string{"etc/nginx/nginx.conf": "http {}\nevents {}\n"}, []string{"explain", "--format", "sarif", "/etc/nginx/nginx.conf", "/"}, "--format sarif is for --check"},
		{"diff with explain", map[string]string{"etc/nginx/nginx.conf": "http {}\nevents {}\n"}, []string{"explain", "--diff", "/etc/nginx/nginx.conf", "/"}, "--diff, --apply and --undo do not go with explain"},
		{"explain empty url", map[string]string{"etc/nginx/nginx.conf": "http {}\nevents {}\n"}, []string{"explain", "/etc/nginx/nginx.conf", ""}, `bad url "": no host`},
		{"explain url without host", map[string]string{"etc/nginx/nginx.conf": "http {}\nevents {}\n"}, []string{"explain", "/etc/nginx/nginx.conf", "http:///x"}, `bad url "http:///x": no host`},
		{"explain bad port", map[string]string{"etc/nginx/nginx.conf": "http {}\nevents {}\n"}, []string{"explain", "/etc/nginx/nginx.conf", "http://localhost:99999/"}, "bad port"},
		{"forced kind reads what detection cannot tell", map[string]string{"etc/nginx/site.conf": "include /etc/nginx/site.conf;\n"}, []string{"--server", "nginx", "/etc/nginx/site.conf"}, "/etc/nginx/site.conf:1: include cycle"},
		{"explain families differ in the url", map[string]string{"etc/nginx/nginx.conf": "http {}\nevents {}\n"}, []string{"explain", "--client-ip", "127.0.0.2", "/etc/nginx/nginx.conf", "http://[::1]/"}, "client 127.0.0.2 cannot connect to ::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := write(t, tt.files)
			args := append([]string{"--root", dir}, tt.args...)
			if tt.args[0] == "explain" {
				args = append([]string{"explain", "--root", dir}, tt.args[1:]...)
			}
			code, out, errOut := runCLI(t, args...)
			if code != exitError {
				t.Errorf("exit %d, want 2; stdout %q stderr %q", code, out, errOut)
			}
			if !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("stderr %q lacks %q", errOut, tt.wantErr)
			}
			if strings.Contains(errOut, dir) {
				t.Errorf("stderr leaks the --root prefix: %q", errOut)
			}
		})
	}
}

// TestUsageErrors: flags that would be ignored or a --root that is no
// directory are refused, never read as something else.
func TestUsageErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--check", "--root", "/nonexistent/unforbid"}, "unforbid: --root /nonexistent/unforbid: no such file or directory\n"},
		{[]string{"--check", "--root", file}, "unforbid: --root " + file + ": not a directory\n"},
		{[]string{"rules", "--format", "sarif"}, "unforbid: --format sarif is for --check; rules prints text or json\n"},
		{[]string{"rules", "--apply"}, "unforbid: --diff, --apply and --undo do not go with rules\n"},
		{[]string{"demo", "--format", "json"}, "unforbid: demo prints text for a reader; for JSON lay the tree out (go run ./internal/laytree demo/demo.txtar DIR) and run unforbid --check --format json --root DIR\n"},
		{[]string{"--apply", "--diff"}, "unforbid: --check, --diff, --apply and --undo exclude each other: choose one\n"},
		{[]string{"--fix", "nginx/index-missing"}, "unforbid: --fix goes with --apply (or with --diff, to propose suppression comments)\n"},
		{[]string{"--diff", "--reload"}, "unforbid: --include-review and --reload go with --apply\n"},
	} {
		code, out, errOut := runCLI(t, tt.args...)
		if code != exitError || out != "" || errOut != tt.want {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2, stderr %q", tt.args, code, out, errOut, tt.want)
		}
	}
}

// TestNoServerNote: a config without a server block (an empty file read
// with --server nginx) is not clean in silence: a note says nothing was
// checked, in text and JSON.
func TestNoServerNote(t *testing.T) {
	root := writeRoot(t, map[string]string{"etc/nginx/empty.conf": "events {}\n"})
	code, _, errOut := runCLI(t, "--check", "--server", "nginx", "--root", root, "/etc/nginx/empty.conf")
	if code != exitClean || !strings.Contains(errOut, "note: /etc/nginx/empty.conf: the configuration defines no server: nothing was checked\n") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	code, out, _ := runCLI(t, "--check", "--server", "nginx", "--format", "json", "--root", root, "/etc/nginx/empty.conf")
	if code != exitClean || !strings.Contains(out, `"message": "the configuration defines no server: nothing was checked"`) {
		t.Errorf("exit %d, stdout %s", code, out)
	}
}

// TestUnreachedServersNote: a config whose servers no request reaches (a
// server on a unix socket only) defines servers: the note says none was
// reached, not that there is none.
func TestUnreachedServersNote(t *testing.T) {
	root := writeRoot(t, map[string]string{"etc/nginx/nginx.conf": "events {}\nhttp {\nserver {\nlisten unix:/run/nginx.sock;\nroot /srv;\n}\n}\n"})
	code, _, errOut := runCLI(t, "--check", "--root", root, "/etc/nginx/nginx.conf")
	if code != exitClean || strings.Contains(errOut, "defines no server") || !strings.Contains(errOut, "no request reaches any server of the configuration: nothing was checked\n") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

// TestDefaultConfig: without CONFIG, /etc/nginx/nginx.conf (under --root)
// is used.
func TestDefaultConfig(t *testing.T) {
	root := demoRoot(t)
	code, out, errOut := runCLI(t, "--check", "--root", root)
	if code != exitFindings || !strings.Contains(out, "[fs/no-search-permission]") {
		t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	code, _, errOut = runCLI(t, "--check", "--root", t.TempDir())
	if code != exitError || !strings.Contains(errOut, "no CONFIG given and none of /etc/nginx/nginx.conf") {
		t.Errorf("empty root: exit %d, stderr %q", code, errOut)
	}
}

// TestApacheCLI: Apache configs go through --check (text, JSON, SARIF,
// --diff) and explain as nginx's do, by their main file or their
// directory; the outputs are golden files.
func TestApacheCLI(t *testing.T) {
	tests := []struct {
		tree, golden string
		args         []string
		code         int
		contains     []string
	}{
		{"apache-not-granted", "apache-not-granted.txt", []string{"--check", "/etc/apache2/apache2.conf"}, exitFindings,
			[]string{"site.conf:4: error: DocumentRoot /srv/site: no <Directory> grants it", "[apache/directory-not-granted]"}},
		{"apache-not-granted", "", []string{"--check", "/etc/apache2"}, exitFindings, []string{"[apache/directory-not-granted]"}},
		{"apache-not-granted-ok", "", []string{"--check", "/etc/apache2/apache2.conf"}, exitClean, nil},
		{"apache-deny", "apache-deny.json", []string{"--check", "--format", "json", "/etc/apache2/apache2.conf"}, exitFindings,
			[]string{`"rule": "apache/deny-overmatch"`, `"rule": "apache/site-refuses-all"`}},
		{"apache-deny", "apache-deny.sarif", []string{"--check", "--format", "sarif", "/etc/apache2/apache2.conf"}, exitFindings,
			[]string{`"ruleId": "apache/deny-overmatch"`}},
		{"apache-basic", "apache-basic-diff.txt", []string{"--diff", "/etc/apache2/apache2.conf"}, exitFindings,
			[]string{"[fs/unreadable-file]", "$ setfacl -m u:www-data:r-- /srv/www/f600.html"}},
		{"apache-not-granted", "apache-explain.txt", []string{"explain", "/etc/apache2/apache2.conf", "http://site.test:18493/about.html"}, exitClean,
			[]string{"DocumentRoot /srv/site maps /about.html to /srv/site/about.html", "cause:     [apache/directory-not-granted]"}},
		{"apache-deny", "", []string{"explain", "/etc/apache2/apache2.conf", "http://site.test:18495/admin/index.html"}, exitClean,
			[]string{"-> 403", "[apache/require-denied]"}},
	}
	for _, tt := range tests {
		t.Run(tt.tree+" "+strings.Join(tt.args, " "), func(t *testing.T) {
			c := treetest.Setup(t, filepath.Join("testdata", "trees", tt.tree+".txtar"))
			root := useMemory(t, c)
			args := append([]string{tt.args[0], "--root", root}, tt.args[1:]...)
			code, out, errOut := runCLI(t, args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stdout:\n%s\nstderr:\n%s", code, tt.code, out, errOut)
			}
			for _, want := range tt.contains {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			if strings.Contains(out+errOut, root) {
				t.Errorf("output leaks the --root prefix:\n%s\n%s", out, errOut)
			}
			if tt.golden != "" {
				golden(t, tt.golden, out)
			}
		})
	}
}

// TestUnsureNotes: requests the simulator cannot model are not judged, and
// the user is told which construct and how often.
func TestUnsureNotes(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"etc/nginx/nginx.conf": "user www-data;\nhttp {\n server {\n  listen 80;\n  root /srv/www;\n  location / { try_files $geoip_country_code =404; }\n }\n}\nevents {}\n",
		"srv/www/a.html":       "a",
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errOut := runCLI(t, "--check", "--root", dir, "/etc/nginx/nginx.conf")
	if code != exitClean || out != "" {
		t.Errorf("exit %d, stdout %q", code, out)
	}
	if !strings.Contains(errOut, "note: not judged (") || !strings.Contains(errOut, "variable $geoip_country_code is not simulated") {
		t.Errorf("stderr lacks the unsure note:\n%s", errOut)
	}
}

// TestHugeConfig: a config over the size limit is refused before it is
// read (the file here is sparse, so the test stays fast).
func TestHugeConfig(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "etc/nginx/nginx.conf")
	if err := os.MkdirAll(filepath.Dir(conf), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(conf)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(100 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	code, out, errOut := runCLI(t, "--root", dir, "/etc/nginx/nginx.conf")
	if code != exitError || out != "" || !strings.Contains(errOut, "/etc/nginx/nginx.conf: too large (104857600 bytes") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// TestDemoCommand runs `unforbid demo` as the README tells a newcomer to:
// it checks the tree, explains a finding and succeeds, for any user (the
// owners come from the tree, not from who runs it).
func TestDemoCommand(t *testing.T) {
	code, out, errOut := runCLI(t, "demo")
	if code != exitClean {
		t.Fatalf("exit %d; stderr:\n%s", code, errOut)
	}
	for _, want := range []string{"demo/demo.txtar", "[fs/no-search-permission]", "[fs/unreadable-file]", "[nginx/index-missing]", "[nginx/deny-overmatch]",
		`www-data cannot search directory "/home/alice" (mode 0700, alice:alice)`, "GET http://alice.example.com/blog/post-1.html from 127.0.0.1 -> 403", "go run ./internal/laytree"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
}

// TestCheckNotes: a server whose root holds a variable that varies per
// request cannot be walked; every format says so with a note at the root
// directive, the text summary counts the servers not walked, and the exit
// code stays 0 (a note alone is no finding).
func TestCheckNotes(t *testing.T) {
	c := treetest.Setup(t, "testdata/trees/rootvar-host.txtar")
	timing := regexp.MustCompile(`in [0-9.]+(µs|ms|s)\b`)
	for _, format := range []string{"text", "json", "sarif"} {
		t.Run(format, func(t *testing.T) {
			code, out, errOut := runCLI(t, "--check", "--root", useMemory(t, c), "--format", format, "/etc/nginx/nginx.conf")
			if code != exitClean {
				t.Fatalf("exit %d, want 0; stderr:\n%s", code, errOut)
			}
			if strings.Contains(out+errOut, c.Dir) {
				t.Errorf("output leaks the --root prefix %s", c.Dir)
			}
			switch format {
			case "text":
				if out != "" {
					t.Errorf("stdout %q, want nothing", out)
				}
				if !strings.HasPrefix(errOut, "0 findings; 2 servers not walked") {
					t.Errorf("the summary does not say the servers were not walked:\n%s", errOut)
				}
				golden(t, "rootvar-host.stderr", timing.ReplaceAllString(errOut, "in TIME"))
			case "json":
				var got struct {
					Findings []any
					Notes    []struct {
						Message, File string
						Line          int
						NotWalked     bool `json:"not_walked"`
					}
				}
				if err := json.Unmarshal([]byte(out), &got); err != nil {
					t.Fatalf("bad JSON: %v\n%s", err, out)
				}
				if len(got.Findings) != 0 || len(got.Notes) != 2 || got.Notes[0].Line != 4 || !got.Notes[0].NotWalked || got.Notes[0].File != "/etc/nginx/sites-enabled/sites" {
					t.Errorf("unexpected JSON: %s", out)
				}
				golden(t, "rootvar-host.json", out)
			case "sarif":
				var log struct {
					Runs []struct {
						Invocations []struct {
							ExecutionSuccessful        bool
							ToolExecutionNotifications []struct {
								Level   string
								Message struct{ Text string }
							}
						}
						Results []any
					}
				}
				if err := json.Unmarshal([]byte(out), &log); err != nil {
					t.Fatalf("bad SARIF: %v", err)
				}
				inv := log.Runs[0].Invocations
				if len(inv) != 1 || !inv[0].ExecutionSuccessful || len(inv[0].ToolExecutionNotifications) != 2 || inv[0].ToolExecutionNotifications[0].Level != "error" || len(log.Runs[0].Results) != 0 {
					t.Errorf("unexpected SARIF: %s", out)
				}
				golden(t, "rootvar-host.sarif", out)
			}
		})
	}
}

// TestCheckMagento: Magento's own nginx.conf.sample, whose root is
// `$MAGE_ROOT/pub`, is walked: the unreadable upload is found.
func TestCheckMagento(t *testing.T) {
	c := treetest.Setup(t, "testdata/trees/magento.txtar")
	code, out, errOut := runCLI(t, "--check", "--root", useMemory(t, c), "/etc/nginx/nginx.conf")
	if code != exitFindings || !strings.Contains(out, `/var/www/magento2/nginx.conf.sample:21: error: www-data cannot read "/var/www/magento2/pub/media/catalog/product/s/h/shoe.jpg"`) {
		t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if strings.Contains(errOut, "not walked") {
		t.Errorf("stderr:\n%s", errOut)
	}
}

// writeRoot lays files (server path relative to the root: content; a
// content starting with "-> " makes a symlink) out under a new root.
func writeRoot(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		if target, ok := strings.CutPrefix(text, "-> "); ok {
			err = os.Symlink(target, p)
		} else {
			err = os.WriteFile(p, []byte(text), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestMeaningErrors: configs nginx -t refuses for what they mean, not
// their syntax, are errors (exit 2) with nginx's own words, each checked
// with nginx 1.22 -t.
func TestMeaningErrors(t *testing.T) {
	const main = "/etc/nginx/nginx.conf"
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"rewrite with one argument", map[string]string{"etc/nginx/nginx.conf": "events {}\nhttp {\n    server {\n        listen 80;\n        rewrite ^/old;\n    }\n}\n"},
			main + `:5: invalid number of arguments in "rewrite" directive`},
		{"ssl_ciphers with two arguments", map[string]string{"etc/nginx/nginx.conf": "events {}\nhttp {\n    server {\n        listen 80;\n        ssl_ciphers HIGH !aNULL;\n    }\n}\n"},
			main + `:5: invalid number of arguments in "ssl_ciphers" directive`},
		{"proxy_pass at server level", map[string]string{"etc/nginx/nginx.conf": "events {}\nhttp {\n    server {\n        listen 80;\n        proxy_pass http://127.0.0.1:9;\n    }\n}\n"},
			main + `:5: "proxy_pass" directive is not allowed here`},
		{"http in a file included in http", map[string]string{
			"etc/nginx/nginx.conf":   "events {}\nhttp {\n    include sites/*.conf;\n}\n",
			"etc/nginx/sites/a.conf": "# site a\nhttp {\n    server { listen 80; }\n}\n"},
			`/etc/nginx/sites/a.conf:2: "http" directive is not allowed here`},
		{"no events section", map[string]string{"etc/nginx/nginx.conf": "http {\n    server {\n        listen 80;\n    }\n}\n"},
			main + `: no "events" section in configuration`},
		{"root twice", map[string]string{
			"etc/nginx/nginx.conf":      "events {}\nhttp {\n    include sites-enabled/*;\n}\n",
			"etc/nginx/sites-enabled/a": "server {\n    listen 80;\n    root /srv/a;\n    location / {\n        root /srv/b;\n    }\n    root /srv/c;\n}\n"},
			`/etc/nginx/sites-enabled/a:7: "root" directive is duplicate`},
		{"root and alias in one location", map[string]string{"etc/nginx/nginx.conf": "events {}\nhttp {\n    server {\n        listen 80;\n        location /a/ {\n            root /srv;\n            alias /srv/a/;\n        }\n    }\n}\n"},
			main + `:7: "alias" directive is duplicate, "root" directive was specified earlier`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeRoot(t, tc.files)
			for _, args := range [][]string{
				{"--check", "--root", dir, main},
				{"explain", "--root", dir, main, "http://localhost/"},
			} {
				code, out, errOut := runCLI(t, args...)
				if code != exitError || out != "" || errOut != tc.want+"\n" {
					t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 2, stderr %q", args[0], code, out, errOut, tc.want)
				}
			}
		})
	}
}

// TestUnknownDirectiveNote: a directive of a module unforbid does not know
// loads, with a note.
func TestUnknownDirectiveNote(t *testing.T) {
	dir := writeRoot(t, map[string]string{
		"etc/nginx/nginx.conf": "events {}\nhttp {\n server {\n  listen 80;\n  root /srv/www;\n  brotli on;\n }\n}\n",
		"srv/www/index.html":   "a",
	})
	code, _, errOut := runCLI(t, "--check", "--root", dir, "/etc/nginx/nginx.conf")
	want := `note: /etc/nginx/nginx.conf:6: unknown directive "brotli" (a third-party module?): loaded, not checked` + "\n"
	if code != exitClean || !strings.Contains(errOut, "\n"+want) {
		t.Errorf("exit %d, stderr %q; want exit 0 and the note line %q", code, errOut, want)
	}
}

// TestRootIsAJail: under --root, an absolute symlink (/etc/nginx ->
// /opt/...) resolves inside the root, for the default config search and
// for a CONFIG given, never on the host. The host's directory is empty,
// the root's copy holds the config.
func TestRootIsAJail(t *testing.T) {
	host := t.TempDir()
	rel := strings.TrimPrefix(host, "/")
	for _, link := range []string{"-> " + host, "-> " + strings.Repeat("../", 10) + rel} {
		dir := writeRoot(t, map[string]string{
			rel + "/nginx.conf":  "events {}\nhttp {\n server {\n  listen 80;\n  root /srv/www;\n }\n}\n",
			"srv/www/index.html": "a",
			"etc/nginx":          link,
		})
		for _, args := range [][]string{
			{"--check", "--root", dir},
			{"--check", "--root", dir, "/etc/nginx"},
			{"--check", "--root", dir, "/etc/nginx/nginx.conf"},
		} {
			code, out, errOut := runCLI(t, args...)
			if code != exitClean || out != "" {
				t.Errorf("link %s, %q: exit %d, stdout %q, stderr %q", link, args[3:], code, out, errOut)
			}
		}
	}
}

// TestProgress: --progress to a file or pipe prints whole lines from the
// first batch of files, without terminal escapes, and the summary stands
// on a line of its own.
func TestProgress(t *testing.T) {
	files := map[string]string{
		"etc/nginx/nginx.conf": "events {}\nhttp {\n server {\n  listen 80;\n  root /srv/www;\n }\n}\n",
		"srv/www/index.html":   "home\n",
	}
	for i := range 5100 {
		files[fmt.Sprintf("srv/www/d%d/f%d.css", i/500, i)] = ""
	}
	root := writeRoot(t, files)
	code, _, errOut := runCLI(t, "--check", "--progress", "--root", root, "/etc/nginx/nginx.conf")
	if code == exitError {
		t.Fatalf("exit 2; stderr:\n%s", errOut)
	}
	lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
	if len(lines) < 2 || lines[0] != "scanned 5000 files and directories in 1 server..." {
		t.Errorf("no progress line first in stderr:\n%s", errOut)
	}
	if strings.ContainsAny(errOut, "\r\033") {
		t.Errorf("terminal escapes in stderr to a file: %q", errOut)
	}
	if !regexp.MustCompile(`(?m)^0 findings; workers run as .*5113 files and directories`).MatchString(errOut) {
		t.Errorf("summary not on a line of its own:\n%s", errOut)
	}
	// without --progress (and no terminal), nothing but the summary
	_, _, errOut = runCLI(t, "--check", "--root", root, "/etc/nginx/nginx.conf")
	if strings.Contains(errOut, "scanned") {
		t.Errorf("progress without --progress:\n%s", errOut)
	}
}

// TestCheckSuppressed: findings silenced by "# unforbid:ignore RULE --
// reason" comments stay in JSON ("suppressed", with the reason) and SARIF
// (inSource suppressions), are counted apart in text mode, and never count
// for the exit code; the findings about the suppressions themselves do.
func TestCheckSuppressed(t *testing.T) {
	findingLine := regexp.MustCompile(`(?m)^/\S+:[0-9]+: (error|warning|info): `)
	timing := regexp.MustCompile(`in [0-9.]+(µs|ms|s)\b`)
	tests := []struct {
		tree, format, severity string
		code                   int
		findings, suppressed   int    // counted and suppressed findings shown
		stderr                 string // the start of the text summary
		golden                 string
	}{
		{"suppress", "text", "warning", exitClean, 0, 5, "0 findings; 5 findings suppressed; ", "suppress.stderr"},
		{"suppress", "json", "warning", exitClean, 0, 5, "", "suppress.json"},
		{"suppress", "sarif", "warning", exitClean, 0, 5, "", "suppress.sarif"},
		{"suppress", "json", "info", exitFindings, 1, 5, "", ""},
		{"suppress-bad", "text", "warning", exitFindings, 4, 3, "4 findings; 3 findings suppressed; ", ""},
		{"suppress-bad", "json", "info", exitFindings, 9, 3, "", "suppress-bad.json"},
	}
	for _, tt := range tests {
		t.Run(tt.tree+"/"+tt.format+"/"+tt.severity, func(t *testing.T) {
			c := treetest.Setup(t, "testdata/trees/"+tt.tree+".txtar")
			code, out, errOut := runCLI(t, "--check", "--root", useMemory(t, c), "--format", tt.format, "--severity", tt.severity, "/etc/nginx/nginx.conf")
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, errOut)
			}
			got := out
			switch tt.format {
			case "text":
				if n := len(findingLine.FindAllString(out, -1)); n != tt.findings {
					t.Errorf("%d findings on stdout, want %d:\n%s", n, tt.findings, out)
				}
				if !strings.HasPrefix(errOut, tt.stderr) {
					t.Errorf("stderr %q, want it to start with %q", errOut, tt.stderr)
				}
				got = timing.ReplaceAllString(errOut, "in TIME")
			case "json":
				var j struct {
					Findings   []struct{ Rule string }
					Suppressed []struct {
						Rule   string
						Reason *string
					}
				}
				if err := json.Unmarshal([]byte(out), &j); err != nil {
					t.Fatalf("bad JSON: %v\n%s", err, out)
				}
				if len(j.Findings) != tt.findings || len(j.Suppressed) != tt.suppressed {
					t.Errorf("%d findings and %d suppressed, want %d and %d:\n%s", len(j.Findings), len(j.Suppressed), tt.findings, tt.suppressed, out)
				}
				for _, s := range j.Suppressed {
					if s.Reason == nil {
						t.Errorf("suppressed %s without a reason field", s.Rule)
					}
				}
			case "sarif":
				var log struct {
					Runs []struct {
						Results []struct {
							RuleID       string
							Suppressions []struct{ Kind, Justification string }
						}
					}
				}
				if err := json.Unmarshal([]byte(out), &log); err != nil {
					t.Fatalf("bad SARIF: %v", err)
				}
				n := 0
				for _, r := range log.Runs[0].Results {
					if len(r.Suppressions) == 1 && r.Suppressions[0].Kind == "inSource" && r.Suppressions[0].Justification != "" {
						n++
					}
				}
				if n != tt.suppressed || len(log.Runs[0].Results) != tt.findings+tt.suppressed {
					t.Errorf("%d results, %d suppressed in source, want %d and %d:\n%s", len(log.Runs[0].Results), n, tt.findings+tt.suppressed, tt.suppressed, out)
				}
			}
			if tt.golden != "" {
				golden(t, tt.golden, got)
			}
		})
	}
}
