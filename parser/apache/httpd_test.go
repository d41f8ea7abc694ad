package apache

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/parser"
	"github.com/unforbid/unforbid/parser/fsmeta"
)

// TestAgainstHttpd checks each snippet with the real `apache2 -t` (a
// syntax check only: no server is started) and with Load: both must
// refuse the same snippets, and httpd's output must hold our message.
func TestAgainstHttpd(t *testing.T) {
	bin, err := exec.LookPath("apache2")
	if err != nil {
		if _, err := os.Stat("/usr/sbin/apache2"); err != nil {
			t.Skip("apache2 is not installed")
		}
		bin = "/usr/sbin/apache2"
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		name, src, err string
	}{
		{"valid", "<Directory \"/var/my www\">\n  Require all granted\n</directory>\n", ""},
		{"continued close", "<If true>\n</If\\\n>\n", ""},
		{"text after tags", "<Files x> y\n</Files> z\n", ""},
		{"continuation in quotes", "ServerAdmin \"a\\\nb\"\n", ""},
		{"comment continued", "# x \\\nnot a directive\nServerAdmin x\n", ""},
		{"ifmodule builtin", "<IfModule mod_version.c>\n<IfVersion >= 2.4>\nServerAdmin x\n</IfVersion>\n</IfModule>\n", ""},
		{"dropped content unchecked", "<IfModule mod_nope.c>\nNoSuchDirective\n</IfModule>\n<IfDefine NOPE>\nAlsoNot\n</IfDefine>\n", ""},
		{"define and var", "Define D /var/www\n<Directory ${D}>\n</Directory>\n", ""},
		{"include optional", "IncludeOptional /nonexistent/*.conf\nIncludeOptional /nonexistent.conf\n", ""},
		{"iffile", "<IfFile /etc/apache2/apache2.conf>\nServerAdmin x\n</IfFile>\n<IfFile !/etc>\nNoSuch\n</IfFile>\n", ""},
		{"skipped section unchecked", "<IfModule nope.c>\n<Directory /x\n</Directory>\n</IfModule> # c\n", ""},
		{"kept section closed exactly", "<IfModule mod_so.c>\n</IfModule> # c\n", "</IfModule> without matching <IfModule> section"},
		{"kept ifdefine closed exactly", "<IfDefine !X>\n</IfDefine> x\n", "</IfDefine> without matching <IfDefine> section"},
		{"kept section continued close", "<IfModule mod_so.c>\n</IfModule\\\n>\n", ""},
		{"kept section case", "<IfModule mod_so.c>\n</ifmodule>\n", ""},
		{"unclosed", "<Directory /x>\n", "<Directory> was not closed."},
		{"unclosed nested", "<VirtualHost *:80>\n<Location />\n", "<Location> was not closed."},
		{"stray", "</Files>\n", "</Files> without matching <Files> section"},
		{"mismatch", "<Directory /x>\n</Files>\n", "Expected </Directory> but saw </Files>"},
		{"close blank", "<Files x>\n</Files >\n", "</Files> directive missing closing '>'"},
		{"open without gt", "<Directory /x\n</Directory>\n", "<Directory> directive missing closing '>'"},
		{"comment swallows close", "<If true>\n# x \\\n</If>\n", "<If> was not closed."},
		{"ifmodule no args", "<IfModule>\n</IfModule>\n", "<IfModule> directive requires additional arguments"},
		{"ifdefine no args", "<IfDefine>\n</IfDefine>\n", "<IfDefine> directive requires additional arguments"},
		{"missing include", "Include /nonexistent.conf\n", "Could not open configuration file /nonexistent.conf: No such file or directory"},
		{"no wildcard match", "Include /etc/apache2/*.nomatch\n", "No matches for the wildcard '*.nomatch' in '/etc/apache2', failing"},
		{"define arity", "Define a b c\n", "Define takes 1-2 arguments"},
		{"define split by var", "Define X \"a b\"\nDefine Y ${X}\n", "Define takes 1-2 arguments"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conf := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".conf")
			if err := os.WriteFile(conf, []byte(tc.src), 0o644); err != nil {
				t.Fatal(err)
			}
			out, herr := exec.Command(bin, "-t",
				"-C", "ServerRoot /etc/apache2",
				"-C", "LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so",
				"-C", "LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so",
				"-C", "ErrorLog /dev/null",
				"-f", conf).CombinedOutput()
			_, err := Load(conf, Options{FS: fsmeta.New("/")})
			if (herr != nil) != (err != nil) {
				t.Fatalf("apache2 -t: %v\n%s\nLoad: %v", herr, out, err)
			}
			if tc.err == "" {
				return
			}
			list := err.(parser.ErrorList)
			if !strings.Contains(list[0].Msg, tc.err) || !strings.Contains(string(out), tc.err) {
				t.Errorf("Load: %v\napache2 -t: %s\nwant %q in both", err, out, tc.err)
			}
		})
	}
}
