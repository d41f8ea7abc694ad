package scan_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/fix"
	"github.com/unforbid/unforbid/internal/treetest"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules"
	"github.com/unforbid/unforbid/rules/scan"
	nginxsim "github.com/unforbid/unforbid/rules/simulate/nginx"
)

func TestParseSuppression(t *testing.T) {
	tests := []struct {
		text   string
		rules  []string
		reason string
		ok     bool
	}{
		{"unforbid:ignore nginx/deny-overmatch -- logs stay private", []string{"nginx/deny-overmatch"}, "logs stay private", true},
		{"  unforbid:ignore nginx/deny-overmatch--tight", []string{"nginx/deny-overmatch"}, "tight", true},
		{"unforbid:ignore fs/unreadable-file,fs/no-search-permission -- drafts", []string{"fs/unreadable-file", "fs/no-search-permission"}, "drafts", true},
		{"unforbid:ignore fs/unreadable-file, fs/no-search-permission -- a -- b", []string{"fs/unreadable-file", "fs/no-search-permission"}, "a -- b", true},
		{"unforbid:ignore nginx/deny-overmatch", []string{"nginx/deny-overmatch"}, "", true},
		{"unforbid:ignore nginx/deny-overmatch --   ", []string{"nginx/deny-overmatch"}, "", true},
		{"unforbid:ignore", nil, "", true},
		{"unforbid:ignore -- why", nil, "why", true},
		{"unforbid:ignored nginx/deny-overmatch -- x", nil, "", false},
		{"note: unforbid:ignore nginx/deny-overmatch -- x", nil, "", false},
	}
	for _, tt := range tests {
		ids, reason, ok := scan.ParseSuppression(tt.text)
		if fmt.Sprint(ids) != fmt.Sprint(tt.rules) || reason != tt.reason || ok != tt.ok {
			t.Errorf("ParseSuppression(%q) = %q, %q, %v; want %q, %q, %v", tt.text, ids, reason, ok, tt.rules, tt.reason, tt.ok)
		}
	}
}

// TestSuppressionFix: the review fix adds the comment above the finding's
// directive, and a scan of the edited config finds the finding suppressed
// with that reason.
func TestSuppressionFix(t *testing.T) {
	conf := "user www-data;\nevents {}\nhttp {\n    server {\n        listen 80;\n        root /srv/www;\n        location ~* \\.txt$ {\n            deny all;\n        }\n    }\n}\n"
	files := []fsmeta.Entry{
		{Path: "/srv/www", Type: fsmeta.TypeDir, Perm: 0o755},
		{Path: "/srv/www/index.html", Type: fsmeta.TypeRegular, Perm: 0o644, Data: []byte("hi")},
		{Path: "/srv/www/robots.txt", Type: fsmeta.TypeRegular, Perm: 0o644, Data: []byte("User-agent: *")},
	}
	scanConf := func(conf string) (*nginxsim.Simulator, []rules.Finding) {
		sim, err := nginxsim.Load(treetest.MainConfig, treetest.Memory(t, conf, files...), nginxsim.Options{})
		if err != nil {
			t.Fatal(err)
		}
		fs, _ := scan.Run(sim, scan.Options{})
		return sim, fs
	}
	sim, fs := scanConf(conf)
	if len(fs) != 1 || fs[0].Rule != "nginx/deny-overmatch" || fs[0].Suppressed != nil {
		t.Fatalf("findings %+v, want one nginx/deny-overmatch", fs)
	}
	if _, ok := scan.SuppressionFix(sim, fs[0], " \n "); ok {
		t.Errorf("a fix without a reason")
	}
	fx, ok := scan.SuppressionFix(sim, fs[0], "robots.txt comes\nfrom the CDN")
	if !ok {
		t.Fatal("no suppression fix")
	}
	at := strings.Index(conf, "            deny all;") // the start of the deny's line
	wantFix := fix.Fix{
		Description: "mark nginx/deny-overmatch at /etc/nginx/nginx.conf:8 as meant: add an unforbid:ignore comment",
		Class:       fix.Review,
		Edits:       []fix.Edit{{File: "/etc/nginx/nginx.conf", Start: at, End: at, New: "            # unforbid:ignore nginx/deny-overmatch -- robots.txt comes from the CDN\n"}},
	}
	if fmt.Sprintf("%+v", fx) != fmt.Sprintf("%+v", wantFix) {
		t.Fatalf("fix\n %+v\nwant\n %+v", fx, wantFix)
	}
	e := fx.Edits[0]
	_, fs = scanConf(conf[:e.Start] + e.New + conf[e.End:])
	if len(fs) != 1 || fs[0].Suppressed == nil || fs[0].Suppressed.Reason != "robots.txt comes from the CDN" || fs[0].Suppressed.Range.Start.Line != 8 {
		t.Errorf("after the fix: %+v, want the finding suppressed by the comment at line 8", fs)
	}
}
