package apache

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/parser"
	"github.com/unforbid/unforbid/parser/fsmeta"
)

// find returns the first effective node named name, depth first.
func find(ds []*Directive, name string) *Directive {
	var found *Directive
	Walk(ds, func(d *Directive) bool {
		if found == nil && d.Is(name) {
			found = d
		}
		return found == nil
	})
	return found
}

// memFS builds an in-memory view of regular files (and empty directories
// for names ending in "/").
func memFS(t *testing.T, files map[string]string) *fsmeta.FS {
	t.Helper()
	var es []fsmeta.Entry
	for p, data := range files {
		if strings.HasSuffix(p, "/") {
			es = append(es, fsmeta.Entry{Path: p, Type: fsmeta.TypeDir, Perm: 0o755})
			continue
		}
		es = append(es, fsmeta.Entry{Path: p, Type: fsmeta.TypeRegular, Perm: 0o644, Data: []byte(data)})
	}
	f, err := fsmeta.NewMemory("", es)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestLoadDebianReal(t *testing.T) {
	if _, err := os.Stat("/etc/apache2/apache2.conf"); err != nil {
		t.Skip("no /etc/apache2 here")
	}
	cfg, err := Load("/etc/apache2/apache2.conf", Options{FS: fsmeta.New("/")})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	user := find(cfg.Directives, "User")
	if user == nil || len(user.Args) != 1 || user.Args[0] != "www-data" {
		t.Fatalf("User = %+v", user)
	}
	var vh *Directive
	Walk(cfg.Directives, func(d *Directive) bool {
		if d.Section && d.Is("VirtualHost") && strings.HasSuffix(d.Range.File, "000-default.conf") {
			vh = d
		}
		return true
	})
	if vh == nil {
		t.Fatal("no VirtualHost from 000-default.conf")
	}
	if got := vh.Args; len(got) != 1 || got[0] != "*:80" {
		t.Errorf("VirtualHost args %q", got)
	}
	root := find(vh.Block, "DocumentRoot")
	if root == nil || root.Args[0] != "/var/www/html" {
		t.Errorf("DocumentRoot %+v", root)
	}
	if el := find(vh.Block, "ErrorLog"); el == nil || el.Args[0] != "/var/log/apache2/error.log" {
		t.Errorf("ErrorLog %+v", el)
	}
	if !cfg.Modules["rewrite_module"] && cfg.Modules["mod_rewrite.c"] {
		t.Error("module maps disagree")
	}
	if !cfg.Modules["mpm_event_module"] && !cfg.Modules["mpm_prefork_module"] && !cfg.Modules["mpm_worker_module"] {
		t.Error("no MPM loaded")
	}
	if find(cfg.Directives, "IfModule") != nil || find(cfg.Directives, "Include") != nil || find(cfg.Directives, "IncludeOptional") != nil {
		t.Error("conditionals or includes left in the tree")
	}
	if len(cfg.Warnings) != 0 {
		t.Errorf("warnings: %v", cfg.Warnings)
	}
	t.Logf("%d files, %d includes, %d dropped sections, %d modules", len(cfg.Order), len(cfg.Includes), len(cfg.Dropped), len(cfg.Modules))
}

// rhel is a small RHEL-style tree: the main file under conf/, relative
// includes resolved against ServerRoot, modules from conf.modules.d.
var rhel = map[string]string{
	"/etc/httpd/conf/httpd.conf": `ServerRoot "/etc/httpd"
Listen 80
Include conf.modules.d/*.conf
User apache
Group apache
<Directory />
    AllowOverride none
    Require all denied
</Directory>
DocumentRoot "/var/www/html"
<IfModule dir_module>
    DirectoryIndex index.html
</IfModule>
<IfModule mod_ssl.c>
    SSLEngine on
</IfModule>
<IfModule !mpm_prefork_module>
    Wrong prefork
</IfModule>
IncludeOptional conf.d/*.conf
`,
	"/etc/httpd/conf.modules.d/00-base.conf": "LoadModule dir_module modules/mod_dir.so\nLoadModule authz_core_module modules/mod_authz_core.so\nLoadModule unixd_module modules/mod_unixd.so\n",
	"/etc/httpd/conf.modules.d/00-mpm.conf":  "LoadModule mpm_prefork_module modules/mod_mpm_prefork.so\n",
	"/etc/httpd/conf.d/b.conf":               "<VirtualHost *:80>\n  ServerName b.example\n</VirtualHost>\n",
	"/etc/httpd/conf.d/a.conf":               "<VirtualHost *:80>\n  ServerName a.example\n</VirtualHost>\n",
	"/etc/httpd/conf.d/.hidden.conf":         "Bad\n",
}

func TestLoadRHEL(t *testing.T) {
	cfg, err := Load("/etc/httpd/conf/httpd.conf", Options{FS: memFS(t, rhel)})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range cfg.Directives {
		if !d.Comment {
			names = append(names, d.Name)
		}
	}
	want := "ServerRoot Listen LoadModule LoadModule LoadModule LoadModule User Group Directory DocumentRoot DirectoryIndex VirtualHost VirtualHost"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("nodes\n got %s\nwant %s", got, want)
	}
	if sn := find(cfg.Directives, "ServerName"); sn == nil || sn.Args[0] != "a.example" || sn.Range.File != "/etc/httpd/conf.d/a.conf" {
		t.Errorf("first vhost %+v", sn)
	}
	if len(cfg.Dropped) != 2 || !strings.Contains(cfg.Dropped[0].Reason, "mod_ssl.c is not loaded") ||
		!strings.Contains(cfg.Dropped[1].Reason, "mpm_prefork_module is loaded") {
		t.Errorf("dropped %+v", cfg.Dropped)
	}
	if cfg.ServerRoot != "/etc/httpd" || find(cfg.Directives, "User").Args[0] != "apache" {
		t.Error("server root or user")
	}
	if len(cfg.Includes) != 2 || len(cfg.Includes[0].Files) != 2 || cfg.Includes[0].Files[0] != "/etc/httpd/conf.modules.d/00-base.conf" {
		t.Errorf("includes %+v", cfg.Includes)
	}
}

func TestLoadDefinesAndVars(t *testing.T) {
	fs := memFS(t, map[string]string{
		"/etc/apache2/apache2.conf": `Define ROOT /srv/www
Define SPLIT "a b"
DocumentRoot ${ROOT}/html
Header ${SPLIT}
<IfDefine SSL>
  Listen 443
</IfDefine>
<IfDefine !SSL>
  Listen 80
</IfDefine>
<IfDefine ROOT>
  A
</IfDefine>
UnDefine ROOT
<IfDefine ROOT>
  B
</IfDefine>
User ${APACHE_RUN_USER}
Group ${NOPE}
LogDir ${APACHE_LOG_DIR}
<IfModule version_module>
  <IfModule !mod_version.c>
    C
  </IfModule>
  D
</IfModule>
`,
		"/etc/apache2/envvars": "unset HOME\nexport APACHE_RUN_USER=www-data\nexport APACHE_LOG_DIR=/var/log/apache2$SUFFIX\nexport X='q r' # c\n",
	})
	cfg, err := Load("/etc/apache2/apache2.conf", Options{FS: fs, Defines: []string{"SSL"}, Env: map[string]string{"SUFFIX": "-two"}})
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	dump(cfg.Directives, 0, &sb)
	want := `Define "ROOT" "/srv/www" @1
Define "SPLIT" "a b" @2
DocumentRoot "/srv/www/html" @3
Header "a" "b" @4
Listen "443" @6
A @12
UnDefine "ROOT" @14
User "www-data" @18
Group "${NOPE}" @19
LogDir "/var/log/apache2-two" @20
D @25
`
	if got := sb.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if len(cfg.Warnings) != 1 || cfg.Warnings[0].Error() != "/etc/apache2/apache2.conf:19: AH00111: Config variable ${NOPE} is not defined" {
		t.Errorf("warnings %v", cfg.Warnings)
	}
	if cfg.Env["X"] != "q r" {
		t.Errorf("envvars X = %q", cfg.Env["X"])
	}
	if _, ok := cfg.Defines["ROOT"]; ok || !strings.Contains(strings.Join(keys(cfg.Defines), " "), "SSL") {
		t.Errorf("defines %v", cfg.Defines)
	}
}

func keys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func TestLoadIncludes(t *testing.T) {
	base := map[string]string{
		"/etc/apache2/d/x.conf":      "X\n",
		"/etc/apache2/d/.h":          "Hidden\n",
		"/etc/apache2/d/sub/y.conf":  "Y\n",
		"/etc/apache2/e/":            "",
		"/etc/apache2/loop.conf":     "Include loop2.conf\n",
		"/etc/apache2/loop2.conf":    "Include loop.conf\n",
		"/etc/apache2/bad.conf":      "</VirtualHost>\n",
		"/etc/apache2/w/one/in.conf": "W1\n",
		"/etc/apache2/w/two/in.conf": "W2\n",
		"/etc/apache2/w/file":        "",
	}
	for _, tc := range []struct {
		name, main, want, err string
	}{
		{"directory whole", "Include d\n", "Hidden Y X", ""},
		{"star skips dot files, recurses into dirs", "Include d/*\n", "Y X", ""},
		{"glob in a directory component", "Include w/*/in.conf\n", "W1 W2", ""},
		{"inside a section", "<VirtualHost *>\nInclude d/x.conf\n</VirtualHost>\n", "VirtualHost", ""},
		{"missing", "Include nope.conf\n", "", "/etc/apache2/apache2.conf:1: Could not open configuration file /etc/apache2/nope.conf: No such file or directory"},
		{"optional missing", "IncludeOptional nope.conf\nIncludeOptional nodir/*.conf\nIncludeOptional e/*\n", "", ""},
		{"no match", "Include d/*.nomatch\n", "", "/etc/apache2/apache2.conf:1: Include/IncludeOptional: No matches for the wildcard '*.nomatch' in '/etc/apache2/d', failing"},
		{"no dir", "Include nodir/*.conf\n", "", "/etc/apache2/apache2.conf:1: Include/IncludeOptional: Could not open directory /etc/apache2/nodir: No such file or directory"},
		{"cycle", "Include loop.conf\n", "", "/etc/apache2/loop2.conf:1: Exceeded the maximum include directory nesting level of 128. You have probably a recursion somewhere."},
		{"self", "Include apache2.conf\n", "", "/etc/apache2/apache2.conf:1: Exceeded the maximum include directory nesting level of 128. You have probably a recursion somewhere."},
		{"syntax error in included file", "Include bad.conf\n", "", "/etc/apache2/bad.conf:1: </VirtualHost> without matching <VirtualHost> section"},
		{"include args", "Include\n", "", "/etc/apache2/apache2.conf:1: Include takes one argument, Name(s) of the config files to be included; fails if the wildcard does not match at least one file"},
		{"ifmodule no args", "<IfModule>\n</IfModule>\n", "", "/etc/apache2/apache2.conf:1: <IfModule> directive requires additional arguments"},
		{"iffile", "<IfFile d/x.conf>\nA\n</IfFile>\n<IfFile !/etc/apache2/d>\nB\n</IfFile>\n<IfFile \"nope\">\nC\n</IfFile>\n", "A", ""},
		{"server root moves includes", "ServerRoot /etc/apache2/d\nInclude x.conf\n", "ServerRoot X", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"/etc/apache2/apache2.conf": tc.main}
			for k, v := range base {
				files[k] = v
			}
			cfg, err := Load("/etc/apache2/apache2.conf", Options{FS: memFS(t, files)})
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
				var list parser.ErrorList
				if !errors.As(err, &list) {
					t.Errorf("error %T", err)
				}
			}
			if gotErr != tc.err {
				t.Errorf("error\n got %q\nwant %q", gotErr, tc.err)
			}
			if tc.err != "" {
				return
			}
			var names []string
			for _, d := range cfg.Directives {
				names = append(names, d.Name)
			}
			if got := strings.Join(names, " "); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestLoadUnderRoot loads a copy of this machine's /etc/apache2 under
// another root (as --root does): the same tree, files named as the server
// sees them, and errors that never show the root.
func TestLoadUnderRoot(t *testing.T) {
	if _, err := os.Stat("/etc/apache2/apache2.conf"); err != nil {
		t.Skip("no /etc/apache2 here")
	}
	root := t.TempDir()
	if err := os.CopyFS(root+"/etc/apache2", os.DirFS("/etc/apache2")); err != nil {
		t.Skip("cannot copy /etc/apache2:", err)
	}
	want, err := Load("/etc/apache2/apache2.conf", Options{FS: fsmeta.New("/")})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Load("/etc/apache2/apache2.conf", Options{FS: fsmeta.New(root)})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got.Order, "\n") != strings.Join(want.Order, "\n") {
		t.Errorf("files under root:\n%s\nwant\n%s", strings.Join(got.Order, "\n"), strings.Join(want.Order, "\n"))
	}
	var a, b strings.Builder
	dump(got.Directives, 0, &a)
	dump(want.Directives, 0, &b)
	if a.String() != b.String() {
		t.Error("trees differ under root")
	}
	if err := os.WriteFile(root+"/etc/apache2/conf-enabled/zz.conf", []byte("Include missing.conf\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Load("/etc/apache2/apache2.conf", Options{FS: fsmeta.New(root)})
	if err == nil || err.Error() != "/etc/apache2/conf-enabled/zz.conf:1: Could not open configuration file /etc/apache2/missing.conf: No such file or directory" {
		t.Errorf("error %v", err)
	}
}
