package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/internal/layout"
	"github.com/unforbid/unforbid/internal/treetest"
	"github.com/unforbid/unforbid/rules/simulate"
)

// apacheErrorLog is the error log real Apache 2.4 wrote for the requests
// of parser/apachelog's TestRegenerateRealLog on the tree below (its
// golden input).
const apacheErrorLog = "parser/apachelog/testdata/apache-2.4.log"

// apacheLogTree is the tree of parser/apachelog's TestRegenerateRealLog:
// the tree on which apacheErrorLog was written (Debian's envvars are
// added to it).
const apacheLogTree = "parser/apachelog/testdata/apache-2.4.txtar"

// apacheLogRoot lays out apacheLogTree and returns its --root.
func apacheLogRoot(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile(apacheLogTree)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := layout.Parse("apache-logtree.txtar", append(src, apacheEnvvars...))
	if err != nil {
		t.Fatal(err)
	}
	return useMemory(t, treetest.SetupTree(t, tree))
}

// apacheEnvvars is the envvars file Debian ships, in the variables the
// tree's config reads.
const apacheEnvvars = `-- etc/apache2/envvars --
export APACHE_RUN_USER=www-data
export APACHE_RUN_GROUP=www-data
export APACHE_PID_FILE=/var/run/apache2/apache2.pid
export APACHE_RUN_DIR=/var/run/apache2
export APACHE_LOCK_DIR=/var/lock/apache2
export APACHE_LOG_DIR=/var/log/apache2
`

// TestExplainApacheLog explains real Apache's log against the tree it was
// written on: every refusal is rebuilt into a request and explained with
// its cause, and the simulator agrees with every line.
func TestExplainApacheLog(t *testing.T) {
	root := apacheLogRoot(t)
	code, out, errOut := runCLI(t, "explain", "--log", apacheErrorLog, "--root", root, "/etc/apache2/apache2.conf")
	if code != exitClean {
		t.Fatalf("exit %d; stderr:\n%s", code, errOut)
	}
	if strings.Contains(out, root) {
		t.Errorf("output leaks the --root prefix %s", root)
	}
	golden(t, "errorlog-apache.txt", out+"--- stderr\n"+errOut)
}

// TestExplainApacheLogCauses: each refusal line of the golden log is
// explained with the cause the tree was built for, the request rebuilt
// from the path the line names.
func TestExplainApacheLogCauses(t *testing.T) {
	root := apacheLogRoot(t)
	code, out, errOut := runCLI(t, "explain", "--format", "json", "--log", apacheErrorLog, "--root", root, "/etc/apache2/apache2.conf")
	if code != exitClean {
		t.Fatalf("exit %d; stderr:\n%s", code, errOut)
	}
	var got []struct {
		Rule, Path string
		Count      int
		Disagree   int
		Unsure     int
		Log        struct {
			Line   int
			Client string
		}
		Example struct {
			URL    string
			Status int
			Client string
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, out)
	}
	byLine := map[int]int{}
	for i, c := range got {
		byLine[c.Log.Line] = i
		if c.Disagree > 0 {
			t.Errorf("line %d: the simulator disagrees with real Apache", c.Log.Line)
		}
	}
	for _, tt := range []struct {
		line   int
		rule   string
		url    string
		status int
		count  int
	}{
		{3, "apache/require-denied", "http://localhost:18490/local/a.html", 403, 2},
		{5, "apache/deny-overmatch", "http://localhost:18490/compat/a.html", 403, 1},
		{6, "apache/directory-index-missing", "http://localhost:18490/noindex/", 403, 1},
		{7, "fs/unreadable-file", "http://localhost:18490/f600.html", 403, 1},
		{8, "fs/no-search-permission", "http://localhost:18490/closed/a.html", 403, 1},
		{9, "apache/symlink-denied", "http://localhost:18490/nolinks/link.html", 403, 1},
		{10, "apache/symlink-denied", "http://localhost:18490/nolinks/dangling.html", 403, 1},
		{11, "fs/unreadable-file", "http://localhost:18490/ht/unreadable/", 403, 1},
		// the line before (AH00554) has no client: the same request
		{14, "apache/htaccess-invalid", "http://localhost:18490/ht/notfile/", 403, 1},
		{15, "apache/symlink-denied", "http://localhost:18490/rw/x", 403, 1},
		{16, "apache/execcgi-off", "http://localhost:18490/scripts/s.cgi", 403, 1},
	} {
		i, ok := byLine[tt.line]
		if !ok {
			t.Errorf("line %d: no cause explains it", tt.line)
			continue
		}
		c := got[i]
		if c.Rule != tt.rule || c.Example.URL != tt.url || c.Example.Status != tt.status || c.Count != tt.count || c.Log.Client == "" {
			t.Errorf("line %d: %s %s -> %d (%d lines); want %s %s -> %d (%d lines)",
				tt.line, c.Rule, c.Example.URL, c.Example.Status, c.Count, tt.rule, tt.url, tt.status, tt.count)
		}
	}
	// Frobnicate in a .htaccess: no loaded module defines it (the
	// module table of parser/apache), Invalid command, 500
	if i, ok := byLine[12]; !ok || got[i].Unsure != 0 || got[i].Rule != "apache/htaccess-invalid" || got[i].Example.Status != 500 {
		t.Errorf("line 12 (an invalid .htaccess command) should be apache/htaccess-invalid, 500")
	}
	if want := "agreement: 14 of 14 request errors read agree with the simulator (0 disagree, 0 it cannot model); 13 explained by a cause\n"; !strings.Contains(errOut, want) {
		t.Errorf("stderr lacks %q:\n%s", want, errOut)
	}
}

// apacheTwoSites serves one tree from two virtual hosts, and a second
// tree through an Alias of the first host only.
const apacheTwoSites = `-- etc/apache2/apache2.conf --
` + `User www-data
Group www-data
ErrorLog /var/log/apache2/error.log
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule authz_host_module /usr/lib/apache2/modules/mod_authz_host.so
LoadModule alias_module /usr/lib/apache2/modules/mod_alias.so
LoadModule dir_module /usr/lib/apache2/modules/mod_dir.so
LoadModule auth_basic_module /usr/lib/apache2/modules/mod_auth_basic.so
LoadModule authn_core_module /usr/lib/apache2/modules/mod_authn_core.so
LoadModule authn_file_module /usr/lib/apache2/modules/mod_authn_file.so
LoadModule authz_user_module /usr/lib/apache2/modules/mod_authz_user.so
Listen 127.0.0.1:8080
<Directory />
    Require all denied
</Directory>
<Directory /srv/shared>
    Require all granted
</Directory>
<Directory /srv/docs>
    Require all granted
</Directory>
<Directory /srv/shared/private>
    AuthType Basic
    AuthName private
    AuthUserFile /etc/apache2/.htpasswd
    Require valid-user
</Directory>
<Directory /srv/shared/members>
    AuthType Basic
    AuthName members
    AuthUserFile /etc/apache2/gone
    Require valid-user
</Directory>
<Directory /srv/shared/office>
    Require ip 10.0.0.0/8
</Directory>
<VirtualHost *:8080>
    ServerName a.test
    DocumentRoot /srv/shared
    Alias /docs /srv/docs
    # no <Directory> grants it
    Alias /manual /srv/manual
</VirtualHost>
<VirtualHost *:8080>
    ServerName b.test
    DocumentRoot /srv/shared
</VirtualHost>
-- srv/shared/index.html --
-- srv/shared/f600.html --
-- srv/shared/office/plan.html --
-- srv/shared/private/x.html --
-- etc/apache2/.htpasswd --
user:$apr1$x$y
-- srv/shared/members/x.html --
-- srv/docs/manual.html --
-- srv/docs/index.html --
-- srv/manual/index.html --
-- .fsmeta --
chmod 0600 srv/shared/f600.html
chmod 0600 srv/docs/manual.html
`

// TestExplainApacheLogTricky: requests rebuilt from hand-written lines in
// Apache's format: an Alias target, a path two sites serve (said to be
// ambiguous), the referer and an IPv6 client kept, a password file line
// that names no request, what is no request error skipped.
func TestExplainApacheLogTricky(t *testing.T) {
	tree, err := layout.Parse("two-sites.txtar", []byte(apacheTwoSites))
	if err != nil {
		t.Fatal(err)
	}
	root := useMemory(t, treetest.SetupTree(t, tree))
	const at = "[Tue Dec 01 15:23:27.876756 2026] "
	lines := []string{
		at + `[mpm_event:notice] [pid 5888:tid 5888] AH00489: Apache/2.4.71 (Debian) configured -- resuming normal operations`,
		`AH00558: apache2: Could not reliably determine the server's fully qualified domain name`,
		`a CGI script's standard error`,
		// an Alias target: one site serves it
		at + `[core:error] [pid 1:tid 2] (13)Permission denied: [client 192.0.2.7:5555] AH00132: file permissions deny server access: /srv/docs/manual.html, referer: http://a.test:8080/`,
		// two sites serve the DocumentRoot
		at + `[core:error] [pid 1:tid 2] (13)Permission denied: [client ::1:5556] AH00132: file permissions deny server access: /srv/shared/f600.html`,
		at + `[authz_core:error] [pid 1:tid 2] [client 192.0.2.8:5557] AH01630: client denied by server configuration: /srv/shared/office/plan.html`,
		// the password file, missing: the line names no request, one of
		// the directory whose AuthUserFile it is stands for it
		at + `[authn_file:error] [pid 1:tid 2] (2)No such file or directory: [client 127.0.0.1:5558] AH01620: Could not open password file: /etc/apache2/gone`,
		// no site serves it
		at + `[core:error] [pid 1:tid 2] (13)Permission denied: [client 127.0.0.1:5559] AH00132: file permissions deny server access: /var/www/html/x.html`,
		// the simulator finds another cause: the Alias target is not granted
		at + `[core:error] [pid 1:tid 2] (13)Permission denied: [client 127.0.0.1:5561] AH00132: file permissions deny server access: /srv/manual/index.html`,
		// the file is readable now: 200
		at + `[core:error] [pid 1:tid 2] (13)Permission denied: [client 127.0.0.1:5562] AH00132: file permissions deny server access: /srv/docs/index.html`,
		// a wrong user: 401, no refusal
		at + `[auth_basic:error] [pid 1:tid 2] [client 127.0.0.1:5563] AH01618: user bob not found: /private/x.html`,
		// a script's error output: no refusal
		at + `[cgid:error] [pid 1:tid 2] [client 127.0.0.1:5560] End of script output before headers: fail.cgi`,
	}
	file := filepath.Join(t.TempDir(), "error.log")
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "explain", "--log", file, "--root", root, "/etc/apache2/apache2.conf")
	if code != exitClean {
		t.Fatalf("exit %d; stderr:\n%s", code, errOut)
	}
	m := summaryRe.FindStringSubmatch(errOut)
	if m == nil || m[1] != "12" || m[2] != "8" || m[3] != "6" {
		t.Errorf("summary: want 12 lines, 8 request errors, 6 causes:\n%s", errOut)
	}
	for _, want := range []string{
		"example: GET http://a.test:8080/docs/manual.html from 192.0.2.7 -> 403",
		"example: GET http://a.test:8080/f600.html from ::1 -> 403",
		"ambiguous: line 5: Apache does not log the virtual host; 2 sites serve the path (",
		"example: GET http://a.test:8080/office/plan.html from 192.0.2.8 -> 403",
		"[apache/auth-file-missing]",
		"example: GET http://a.test:8080/members/ from 127.0.0.1 -> 500",
		"disagrees (1 of 1 lines): line 9: the log says 403 (the worker cannot read the file), the simulator answers 403 too but finds apache/directory-not-granted:",
		"disagrees (1 of 1 lines): line 10: the log says 403, the simulator answers 200:",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("want %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "ambiguous: line 4") {
		t.Errorf("an Alias target of one site is not ambiguous:\n%s", out)
	}
	for _, want := range []string{
		"note: 1 line look like request errors but could not be read (first: line 8: no site serves /var/www/html/x.html (no DocumentRoot or Alias holds it))",
		"agreement: 5 of 7 request errors read agree with the simulator (2 disagree, 0 it cannot model); 5 explained by a cause",
		"note: 1 line the simulator agrees are no refusal (e.g. line 11: GET http://a.test:8080/private/x.html answers 401)",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	// the referer goes with the request
	code, out, _ = runCLI(t, "explain", "--format", "json", "--log", file, "--root", root, "/etc/apache2/apache2.conf")
	if code != exitClean || !strings.Contains(out, `"client": "192.0.2.7"`) {
		t.Errorf("JSON lacks the client of the log line:\n%s", out)
	}
}

// TestExplainApacheLogNotALog: a file with no Apache error log line is an
// error naming Apache's format.
func TestExplainApacheLogNotALog(t *testing.T) {
	root := apacheLogRoot(t)
	file := filepath.Join(t.TempDir(), "access.log")
	if err := os.WriteFile(file, []byte(`127.0.0.1 - - [01/Dec/2026:11:53:09 +0000] "GET / HTTP/1.1" 403 153 "-" "curl"`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, "explain", "--log", file, "--root", root, "/etc/apache2/apache2.conf")
	if want := "not an Apache error log: no line starts as Apache writes them"; code != exitError || !strings.Contains(errOut, want) {
		t.Errorf("exit %d, stderr %q; want exit 2 and %q", code, errOut, want)
	}
}

// TestExplainApacheLogLast keeps only the last request errors of Apache's
// log: lines 15 (rewrite without FollowSymLinks), 16 (ExecCGI) and 19 (a
// script not found, 404: no refusal).
func TestExplainApacheLogLast(t *testing.T) {
	root := apacheLogRoot(t)
	code, out, errOut := runCLI(t, "explain", "--log", apacheErrorLog, "--last", "3", "--root", root, "/etc/apache2/apache2.conf")
	if code != exitClean {
		t.Fatalf("exit %d; stderr:\n%s", code, errOut)
	}
	m := summaryRe.FindStringSubmatch(errOut)
	if m == nil || m[2] != "3" || m[3] != "2" {
		t.Errorf("summary %q: want 3 request errors, 2 causes", errOut)
	}
	if !strings.Contains(out, "[apache/execcgi-off]") || strings.Contains(out, "/srv/www/f600.html") {
		t.Errorf("want the ExecCGI line and not the earlier ones:\n%s", out)
	}
}

// TestApacheRequest rebuilds requests from Apache lines against sites
// built by hand: the deepest tree maps the path, a directory keeps its
// slash, an access file stands for its directory, a line's URL path is
// taken as it is, the client and the referer go with the request.
func TestApacheRequest(t *testing.T) {
	sites := []simulate.Site{
		{Name: "a", Host: "a.test", Port: 80, ServerIP: "127.0.0.1", Roots: []simulate.Root{
			{Dir: "/srv/a", URL: "/"}, {Dir: "/srv/a/big", URL: "/b/"}, {Dir: "/opt/docs", URL: "/docs/"}}},
		{Name: "b", Host: "b.test", Port: 443, ServerIP: "127.0.0.1", Roots: []simulate.Root{{Dir: "/srv/b", URL: "/"}}},
		{Name: "unreachable", Roots: []simulate.Root{{Dir: "/srv/b", URL: "/"}}},
	}
	const at = "[Tue Dec 01 15:23:27.876756 2026] "
	for _, tt := range []struct {
		line, url, client, referer, err string
	}{
		{at + `[core:error] [pid 1] (13)Permission denied: [client 10.0.0.1:1] AH00132: file permissions deny server access: /srv/a/x y.html, referer: http://r.test/`,
			"http://a.test/x y.html", "10.0.0.1", "http://r.test/", ""},
		{at + `[core:error] [pid 1] [client ::1:1] AH00037: Symbolic link not allowed or link target not accessible: /srv/a/big/l.html`,
			"http://a.test/b/l.html", "::1", "", ""},
		{at + `[autoindex:error] [pid 1] [client 10.0.0.1:1] AH01276: Cannot serve directory /opt/docs/sub/: No matching DirectoryIndex (index.html) found, and server-generated directory index forbidden by Options directive`,
			"http://a.test/docs/sub/", "10.0.0.1", "", ""},
		{at + `[core:crit] [pid 1] (13)Permission denied: [client 10.0.0.1:1] AH00529: /srv/b/d/.htaccess pcfg_openfile: unable to check htaccess file, ensure it is readable and that '/srv/b/d/' is executable`,
			"https://b.test/d/", "10.0.0.1", "", ""},
		{at + `[core:error] [pid 1] (13)Permission denied: [client 10.0.0.1:1] AH00035: access to /b/c/x.html denied (filesystem path '/srv/a/big/c/x.html') because search permissions are missing on a component of the path`,
			"http://a.test/b/c/x.html", "10.0.0.1", "", ""},
		{at + `[core:error] [pid 1] (13)Permission denied: [client 10.0.0.1:1] AH00132: file permissions deny server access: /var/www/x.html`,
			"", "", "", "no site serves /var/www/x.html (no DocumentRoot or Alias holds it)"},
	} {
		ll, entry, ok := apacheLog{}.line(1, tt.line)
		if !entry || !ok || ll.err != "" {
			t.Errorf("%s: entry %v, request error %v, %q", tt.line, entry, ok, ll.err)
			continue
		}
		sim := func(simulate.Request) *simulate.Decision { return &simulate.Decision{Status: 403} }
		req, note, err := ll.rebuild(nil, sites, sim)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("%s: error %v, want %q", tt.line, err, tt.err)
			}
			continue
		}
		if err != nil || req.URL() != tt.url || req.ClientIP != tt.client || req.Headers["Referer"] != tt.referer || note != "" {
			t.Errorf("%s:\n got %s from %s referer %q (note %q, err %v)\nwant %s from %s referer %q",
				tt.line, req.URL(), req.ClientIP, req.Headers["Referer"], note, err, tt.url, tt.client, tt.referer)
		}
	}
}
