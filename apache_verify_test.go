package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/internal/realapache"
	"github.com/unforbid/unforbid/internal/treetest"
	"github.com/unforbid/unforbid/internal/treetest/need"
)

// verifyBase starts every config of apacheVerifyTable: a whole server with
// Debian's modules by full path, its paths relative to the server root
// (so that `apache2 -t -d ROOT/etc/apache2` reads the tree's files).
const verifyBase = `LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule authz_host_module /usr/lib/apache2/modules/mod_authz_host.so
LoadModule dir_module /usr/lib/apache2/modules/mod_dir.so
LoadModule mime_module /usr/lib/apache2/modules/mod_mime.so
ServerName localhost
Listen 127.0.0.1:18999
PidFile pid
ErrorLog error.log
DocumentRoot www
<Directory />
	Require all denied
</Directory>
`

// apacheVerifyTable are broken and odd configs with the verdict of
// Debian's `apache2 -t` (2.4) on each: rejected ones must make
// `unforbid --check` exit 2 with "file:line: message", accepted ones must
// load (exit 0 or 1). TestApacheVerifyReal holds the verdicts to the real
// apache2. Lines count from 14, the first after verifyBase.
var apacheVerifyTable = []struct {
	name, conf string
	rejected   bool
	line       int    // the line of our message, for rejected configs
	msg        string // a part of our message
}{
	{"ok", "", false, 0, ""},
	{"unclosed section", "<Directory www>\nRequire all granted\n", true, 14, "<Directory> was not closed."},
	{"stray closing tag", "</Directory>\n", true, 14, "</Directory> without matching <Directory> section"},
	{"mismatched closing tag", "<Directory />\nRequire all denied\n</Files>\n", true, 16, "Expected </Directory> but saw </Files>"},
	{"RewriteEngine without mod_rewrite", "RewriteEngine On\n", true, 14, "Invalid command 'RewriteEngine'"},
	{"RewriteEngine with mod_rewrite", "LoadModule rewrite_module /usr/lib/apache2/modules/mod_rewrite.so\nRewriteEngine On\n", false, 0, ""},
	{"RewriteEngine before its LoadModule", "RewriteEngine On\nLoadModule rewrite_module /usr/lib/apache2/modules/mod_rewrite.so\n", false, 0, ""},
	{"typo Requre", "<Directory />\nRequre all granted\n</Directory>\n", true, 15, "Invalid command 'Requre'"},
	{"<Proxy> without mod_proxy", "<Proxy *>\n</Proxy>\n", true, 14, "Invalid command '<Proxy'"},
	{"LuaRoot without mod_lua", "LuaRoot /tmp\n", true, 14, "Invalid command 'LuaRoot'"},
	{"built-in module loaded", "LoadModule unixd_module /usr/lib/apache2/modules/mod_unixd.so\n", true, 14, "module unixd_module is built-in and can't be loaded"},
	{"DocumentRoot with 2 args", "DocumentRoot www www\n", true, 14, "DocumentRoot takes one argument"},
	{"DocumentRoot missing", "DocumentRoot nonexistent\n", true, 14, "DocumentRoot '/etc/apache2/nonexistent' is not a directory, or is not readable"},
	{"DocumentRoot missing in a vhost (AH00112 warning)", "<VirtualHost *:18999>\nDocumentRoot nonexistent\n</VirtualHost>\n", false, 0, ""},
	{"DocumentRoot in <Directory>", "<Directory />\nDocumentRoot www\n</Directory>\n", true, 15, "DocumentRoot not allowed in <Directory> context"},
	{"DocumentRoot in <Location>", "<Location />\nDocumentRoot www\n</Location>\n", true, 15, "DocumentRoot not allowed in <Location> context"},
	{"Listen in <Directory>", "<Directory />\nListen 80\n</Directory>\n", true, 15, "Listen not allowed in <Directory> context"},
	{"ServerName in <Files>", "<Files x>\nServerName x\n</Files>\n", true, 15, "ServerName not allowed in <Files> context"},
	{"Listen garbage", "Listen garbage\n", true, 14, "bad Listen"},
	{"Listen 0", "Listen 0\n", true, 14, "bad Listen"},
	{"Require without args", "<Directory />\nRequire\n</Directory>\n", true, 15, "Unknown Authz provider:"},
	{"Require bogus", "<Directory />\nRequire bogus\n</Directory>\n", true, 15, "Unknown Authz provider: bogus"},
	{"Require valid-user without mod_authz_user", "<Directory />\nRequire valid-user\n</Directory>\n", true, 15, "Unknown Authz provider: valid-user"},
	{"Require not ip", "<Directory />\n<RequireAll>\nRequire all granted\nRequire not ip 10.0.0.1\n</RequireAll>\n</Directory>\n", false, 0, ""},
	{"Options +Indexes Indexes", "<Directory />\nOptions +Indexes Indexes\n</Directory>\n", true, 15, "Either all Options must start with + or -, or no Option may."},
	{"Options Indexes +FollowSymLinks", "<Directory />\nOptions Indexes +FollowSymLinks\n</Directory>\n", true, 15, "Either all Options"},
	{"Options None +Indexes", "<Directory />\nOptions None +Indexes\n</Directory>\n", false, 0, ""},
	{"Options All +Indexes", "<Directory />\nOptions All +Indexes\n</Directory>\n", false, 0, ""},
	{"Options None Indexes", "<Directory />\nOptions None Indexes\n</Directory>\n", false, 0, ""},
	{"Options +Indexes None", "<Directory />\nOptions +Indexes None\n</Directory>\n", true, 15, "Either all Options"},
	{"Options -Indexes +FollowSymLinks", "<Directory />\nOptions -Indexes +FollowSymLinks\n</Directory>\n", false, 0, ""},
	{"Options Foo", "<Directory />\nOptions Foo\n</Directory>\n", true, 15, "Illegal option Foo"},
	{"AllowOverride Foo", "<Directory />\nAllowOverride Foo\n</Directory>\n", true, 15, "Illegal override option Foo"},
	{"AllowOverride Options=...", "<Directory />\nAllowOverride Options=Indexes,FollowSymLinks AuthConfig\n</Directory>\n", false, 0, ""},
	{"<VirtualHost> without args", "<VirtualHost>\n</VirtualHost>\n", true, 14, "<VirtualHost> directive requires additional arguments"},
	{"<Directory> without args", "<Directory>\n</Directory>\n", true, 14, "<Directory> directive requires additional arguments"},
	{"Include of a missing file", "Include nothere.conf\n", true, 14, "Could not open configuration file /etc/apache2/nothere.conf: No such file or directory"},
	{"Include of a glob in a missing dir", "Include nothere/*.conf\n", true, 14, "Could not open directory /etc/apache2/nothere"},
	{"IncludeOptional of a missing glob", "IncludeOptional nothere/*.conf\n", false, 0, ""},
	{"Include cycle", "Include apache2.conf\n", true, 14, "recursion"},
	{"<IfModule> of a missing module left open", "<IfModule nope_module>\nDirectoryIndex index.html\n", true, 14, "Expected </IfModule> before end of configuration"},
	{"undefined ${VAR} (AH00111 warning)", "ServerAdmin ${UNDEFINED_AVERIFY}\n", false, 0, ""},
	{"Define a:b", "Define a:b\n", true, 14, "Variable name must not contain ':'"},
	{"Define with 3 args", "Define a b c\n", true, 14, "Define takes 1-2 arguments"},
	{"control bytes", "ServerAdmin a\x01\x7f\xffb\n", false, 0, ""},
	// Known disagreement, left out of the table: apache2 -t accepts NUL
	// bytes (a line ends for it at its first NUL: "ServerAdmin a\x00b"
	// passes), where Parse refuses the file ("NUL byte in config file",
	// exit 2).
	{"a 20000-byte line", "ServerAdmin " + strings.Repeat("a", 20000) + "\n", false, 0, ""},
	{"<IfModule> kept, left open", "<IfModule dir_module>\nDirectoryIndex index.html\n", false, 0, ""},
	{"<IfModule> kept, left open with an open <Directory>", "<IfModule dir_module>\n<Directory />\nRequire all denied\n", false, 0, ""},
	{"<IfDefine> skipped, left open", "<IfDefine NOPE>\nDirectoryIndex index.html\n", true, 14, "Expected </IfDefine> before end of configuration"},
	{"<Directory> left open holding an <IfModule>", "<Directory />\n<IfModule dir_module>\n", true, 14, "<Directory> was not closed."},
}

// verifyTree lays out the tree of one config under dir: the config, a
// document root, and the user database (so that the filesystem is a
// real system's and a missing DocumentRoot is judged).
func verifyTree(t *testing.T, conf string) string {
	t.Helper()
	return writeRoot(t, map[string]string{
		"etc/apache2/apache2.conf":   verifyBase + conf,
		"etc/apache2/www/index.html": "hi\n",
		"etc/passwd":                 "root:x:0:0::/root:/bin/sh\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\n",
		"etc/group":                  "root:x:0:\nwww-data:x:33:\n",
	})
}

// messageRe is the shape of an error line: file:line: message.
var messageRe = regexp.MustCompile(`^/[^: ]+:[0-9]+: .`)

// TestApacheVerifyTable: unforbid --check gives apache2 -t's verdict on
// each config of apacheVerifyTable.
func TestApacheVerifyTable(t *testing.T) {
	for _, tt := range apacheVerifyTable {
		t.Run(tt.name, func(t *testing.T) {
			root := verifyTree(t, tt.conf)
			code, out, errOut := runCLI(t, "--check", "--root", root, "/etc/apache2/apache2.conf")
			if !tt.rejected {
				if code != exitClean && code != exitFindings {
					t.Fatalf("apache2 -t accepts it; exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
				}
				return
			}
			if code != exitError {
				t.Fatalf("apache2 -t rejects it; exit %d, want 2\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
			first := strings.SplitN(strings.TrimSpace(errOut), "\n", 2)[0]
			if !messageRe.MatchString(first) {
				t.Errorf("stderr %q is not file:line: message", first)
			}
			if want := "/etc/apache2/apache2.conf:" + strconv.Itoa(tt.line) + ": "; !strings.HasPrefix(first, want) || !strings.Contains(first, tt.msg) {
				t.Errorf("stderr %q, want %q... %q", first, want, tt.msg)
			}
			if strings.Contains(errOut, "panic") || strings.Contains(errOut, root) {
				t.Errorf("stderr:\n%s", errOut)
			}
		})
	}
}

// TestApacheVerifyReal holds the verdicts of apacheVerifyTable to Debian's
// real `apache2 -t -d ROOT/etc/apache2 -f ROOT/etc/apache2/apache2.conf`
// with Debian's envvars in the environment. It starts no server and takes
// no port, but runs with the other real-server tests:
//
//	flock /tmp/unforbid-e2e.lock env UNFORBID_E2E=1 go test -count=1 -run TestApacheVerifyReal .
func TestApacheVerifyReal(t *testing.T) {
	if os.Getenv(need.Env) != "1" {
		t.Skip("skipping: real-Apache tests run only with UNFORBID_E2E=1 under flock /tmp/unforbid-e2e.lock")
	}
	if _, err := os.Stat(realapache.ApachePath); err != nil {
		t.Fatalf("real apache2: %v", err)
	}
	env := []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "APACHE_RUN_USER=www-data", "APACHE_RUN_GROUP=www-data", "LANG=C"}
	for _, tt := range apacheVerifyTable {
		t.Run(tt.name, func(t *testing.T) {
			root := verifyTree(t, tt.conf)
			sr := filepath.Join(root, "etc", "apache2")
			cmd := exec.Command(realapache.ApachePath, "-t", "-d", sr, "-f", filepath.Join(sr, "apache2.conf"))
			cmd.Env = env
			out, err := cmd.CombinedOutput()
			if rejected := err != nil; rejected != tt.rejected {
				t.Errorf("apache2 -t: rejected %v, table says %v:\n%s", rejected, tt.rejected, out)
			}
		})
	}
}

// TestApacheRHELLayout: a RHEL/Fedora tree is found by --check without a
// config argument (/etc/httpd/conf/httpd.conf), its workers are apache
// (uid 48, read from the tree's /etc/passwd), and the tree's findings are
// reported. Real Apache does not run it: Debian's apache2 has neither the
// /etc/httpd layout nor RHEL's modules, so the simulator side is tested.
func TestApacheRHELLayout(t *testing.T) {
	c := treetest.Setup(t, filepath.Join("testdata", "trees", "apache-rhel.txtar"))
	root := useMemory(t, c)
	code, out, errOut := runCLI(t, "--check", "--root", root)
	if code != exitFindings {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitFindings, out, errOut)
	}
	for _, want := range []string{
		"workers run as apache (uid 48, gid 48)",
		"[fs/unreadable-file]",
		"[apache/directory-index-missing]",
		"/etc/httpd/conf.d/site.conf:",
	} {
		if !strings.Contains(out+errOut, want) {
			t.Errorf("output lacks %q:\nstdout:\n%s\nstderr:\n%s", want, out, errOut)
		}
	}
}
