package apache

import (
	"path"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/internal/realapache"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules"
	"github.com/unforbid/unforbid/rules/simulate"
)

// TestRulesDocumented holds every rule ID the Apache simulator can
// attach to a cause or a config finding to its entry in rules.All, with
// the server "apache" and a complete Doc.
func TestRulesDocumented(t *testing.T) {
	for _, id := range []string{
		RuleNotGranted, RuleIndexMissing, RuleDenyOvermatch, RuleDenied, RuleSymlinkDenied,
		RuleExecCGIOff, RuleRewriteForbidden, RuleHtaccessIgnored, RuleHtaccessInvalid,
		RuleAuthFileMissing, RuleAuthFileUnreadable, RuleSiteRefusesAll, RuleRedirectStatus,
	} {
		r := rules.Lookup(id)
		switch {
		case r == nil:
			t.Errorf("%s is not in rules.All", id)
		case r.Server != "apache" || !strings.HasPrefix(id, "apache/"):
			t.Errorf("%s: server %q, want apache", id, r.Server)
		case r.Doc.Title == "" || r.Doc.Text == "" || r.Doc.Before == "" || r.Doc.After == "":
			t.Errorf("%s: incomplete Doc %+v", id, r.Doc)
		}
	}
}

// TestLintDir checks the htaccess-ignored findings: a .htaccess with
// directives under AllowOverride None is reported once per file met,
// at its first directive; one of comments only, or one that is read,
// is not.
func TestLintDir(t *testing.T) {
	conf := realapache.ConfHead("mpm_event", "authz_core", "authz_host", "dir", "mime", "alias") + `Listen 127.0.0.1:80
ServerName localhost
DocumentRoot /srv/www
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory /srv/www>
    Require all granted
</Directory>
<Directory /srv/www/open>
    AllowOverride All
</Directory>
`
	files := map[string]string{
		"/srv/www/index.html":           "home",
		"/srv/www/private/.htaccess":    "# keep out\nRequire all denied\nOptions -Indexes\n",
		"/srv/www/private/a/index.html": "a",
		"/srv/www/notes/.htaccess":      "# nothing here any more\n",
		"/srv/www/notes/index.html":     "n",
		"/srv/www/open/.htaccess":       "Options -Indexes\n",
		"/srv/www/open/index.html":      "o",
	}
	s := lintDirSim(t, conf, files)
	noneLine := 1 + strings.Count(conf[:strings.Index(conf, "    AllowOverride None")], "\n")
	tests := []struct {
		url, dir string
		want     []string // "file:line" of the findings
	}{
		{"/private/", "/srv/www/private", []string{"/srv/www/private/.htaccess:2"}},
		{"/private/a/", "/srv/www/private/a", []string{"/srv/www/private/.htaccess:2"}},
		{"/notes/", "/srv/www/notes", nil},
		{"/open/", "/srv/www/open", nil},
		{"/", "/srv/www", nil},
	}
	for _, tt := range tests {
		req := simulate.Request{Method: "GET", Scheme: "http", Host: "localhost", Port: 80, Path: tt.url, ClientIP: "127.0.0.1", ServerIP: "127.0.0.1"}
		d := s.Simulate(req)
		if d.Unsure != "" {
			t.Fatalf("%s: unsure: %s", tt.url, d.Unsure)
		}
		var got []string
		for _, f := range s.LintDir(req, d, tt.dir) {
			got = append(got, f.Range.String())
			if f.Rule != RuleHtaccessIgnored || f.Kind != simulate.KindConfigIgnored || !f.Harmless || f.URL == "" {
				t.Errorf("%s: finding %+v", tt.url, f)
			}
			if len(f.Related) != 1 || f.Related[0].Range.Start.Line != noneLine {
				t.Errorf("%s: related %+v, want the AllowOverride None of line %d", tt.url, f.Related, noneLine)
			}
			if !strings.Contains(f.Message, "2 directives have no effect: Require all denied; Options -Indexes") {
				t.Errorf("%s: message %q", tt.url, f.Message)
			}
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("%s: findings at %v, want %v", tt.url, got, tt.want)
		}
	}
}

// lintDirSim loads conf as /etc/apache2/apache2.conf on an in-memory
// filesystem holding files (their directories made as they are needed).
func lintDirSim(t *testing.T, conf string, files map[string]string) *Simulator {
	t.Helper()
	entries := []fsmeta.Entry{{Path: "/etc/apache2/apache2.conf", Type: fsmeta.TypeRegular, Perm: 0o644, Data: []byte(conf)}}
	dirs := map[string]bool{}
	for p, data := range files {
		for d := path.Dir(p); d != "/" && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
			entries = append(entries, fsmeta.Entry{Path: d, Type: fsmeta.TypeDir, Perm: 0o755})
		}
		entries = append(entries, fsmeta.Entry{Path: p, Type: fsmeta.TypeRegular, Perm: 0o644, Data: []byte(data)})
	}
	fsys, err := fsmeta.NewMemory("", entries)
	if err != nil {
		t.Fatal(err)
	}
	return build(t, fsys)
}
