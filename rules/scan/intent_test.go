package scan_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/internal/treetest"
	"github.com/unforbid/unforbid/rules"
	"github.com/unforbid/unforbid/rules/scan"
)

// TestIntentSeverities checks the severity of the findings whose intent
// is judged (pages versus assets, deliberate ACLs, the site's own links):
// `# want` annotations match a rule at a place whatever its severity, and
// an intended refusal is one reported at info level at most.
func TestIntentSeverities(t *testing.T) {
	type want struct {
		rule string
		path string // the finding's path, or "" for a grouped finding
		line int    // the finding's line in nginx.conf when path is ""
		sev  rules.Severity
		// related is a page the finding must name as related location.
		related string
	}
	for _, tc := range []struct {
		tree  string
		wants []want
	}{
		{"intent-pages", []want{
			{rule: "nginx/index-missing", path: "/srv/www/docs/", sev: rules.Error},
			{rule: "nginx/index-missing", path: "/srv/www/manual/", sev: rules.Error},
			{rule: "nginx/index-missing", line: 11, sev: rules.Info}, // assets
			{rule: "nginx/index-missing", line: 14, sev: rules.Info}, // documents
			{rule: "nginx/index-missing", line: 16, sev: rules.Info}, // error pages
			{rule: "fs/unreadable-directory", path: "/srv/www/img", sev: rules.Info},
			{rule: "fs/unreadable-directory", path: "/srv/www/manual", sev: rules.Warning},
			{rule: "fs/unreadable-directory", path: "/srv/www/media", sev: rules.Warning},
		}},
		{"intent-acl", []want{
			{rule: "fs/unreadable-file", path: "/srv/www/acluser0.html", sev: rules.Info},
			{rule: "fs/unreadable-file", path: "/srv/www/aclgroup0.html", sev: rules.Info},
			{rule: "fs/unreadable-file", path: "/srv/www/shared.html", sev: rules.Info},
			{rule: "fs/unreadable-file", path: "/srv/www/sharedgroup.html", sev: rules.Info},
			{rule: "fs/no-search-permission", path: "/srv/www/team", sev: rules.Info},
			{rule: "fs/unreadable-file", path: "/srv/www/plain.html", sev: rules.Error},
			{rule: "fs/unreadable-file", path: "/srv/www/aclmask.html", sev: rules.Error},
			{rule: "fs/no-search-permission", path: "/srv/www/home", sev: rules.Error},
		}},
		{"groups", []want{
			{rule: "fs/unreadable-file", path: "/srv/www/acluser0.html", sev: rules.Info},
			{rule: "fs/unreadable-file", path: "/srv/www/aclgroup0.html", sev: rules.Info},
			{rule: "fs/unreadable-file", path: "/srv/www/aclmask.html", sev: rules.Error},
		}},
		{"links-site", []want{
			{rule: "nginx/deny-rule", line: 9, sev: rules.Error, related: "/srv/www/index.html:3"},
			{rule: "nginx/return-status", line: 12, sev: rules.Error, related: "/srv/www/index.html:8"},
			{rule: "nginx/index-missing", path: "/srv/www/files/", sev: rules.Error, related: "/srv/www/index.html:4"},
			{rule: "nginx/index-missing", path: "/srv/www/old/", sev: rules.Error, related: "/srv/www/index.html:5"},
			{rule: "fs/unreadable-file", path: "/srv/www/keys/site.asc", sev: rules.Error, related: "/srv/www/index.html:9"},
			{rule: "nginx/index-missing", line: 23, sev: rules.Info}, // /uploads/, linked from script text only
			{rule: "nginx/index-missing", line: 27, sev: rules.Info}, // /old2/, linked from another host only
		}},
	} {
		c := treetest.Setup(t, "../../testdata/trees/"+tc.tree+".txtar")
		t.Run(tc.tree, func(t *testing.T) {
			findings, _ := scan.Run(c.Server(t), scan.Options{})
			for _, w := range tc.wants {
				var got *rules.Finding
				for i, f := range findings {
					if f.Rule == w.rule && f.Path == w.path && (w.path != "" || f.Range.Start.Line == w.line) {
						got = &findings[i]
					}
				}
				if got == nil {
					t.Errorf("no %s finding at %q line %d", w.rule, w.path, w.line)
					continue
				}
				if got.Severity != w.sev {
					t.Errorf("%s %q line %d: severity %s, want %s: %s", w.rule, w.path, w.line, got.Severity, w.sev, got.Message)
				}
				if w.related == "" {
					continue
				}
				found := false
				for _, r := range got.Related {
					found = found || r.Range.String() == w.related
				}
				if !found {
					t.Errorf("%s %q line %d: no related location %s in %+v", w.rule, w.path, w.line, w.related, got.Related)
				}
			}
		})
	}
}

// TestPagesAcrossBatches lists a directory larger than one batch of the
// walk: a page anywhere in it makes it a page directory, while the walk
// holds one batch of names at a time.
func TestPagesAcrossBatches(t *testing.T) {
	for _, page := range []bool{false, true} {
		var b strings.Builder
		b.WriteString("-- etc/nginx/nginx.conf --\nuser www-data;\nevents {}\nhttp {\n    server {\n        listen 127.0.0.1:8143;\n        server_name big.test;\n        root /srv/www;\n        location /big/ {\n        }\n    }\n}\n-- srv/www/index.html --\nhome\n")
		for i := 0; i < 2100; i++ {
			fmt.Fprintf(&b, "-- srv/www/big/img%04d.png --\npng\n", i)
		}
		if page {
			b.WriteString("-- srv/www/big/guide.html --\nguide\n")
		}
		file := filepath.Join(t.TempDir(), "big.txtar")
		if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		c := treetest.Setup(t, file)
		findings, _ := scan.Run(c.Server(t), scan.Options{})
		var got rules.Severity = -1
		for _, f := range findings {
			if f.Rule == "nginx/index-missing" && f.Range.Start.Line == 8 {
				got = f.Severity
			}
		}
		want := rules.Info
		if page {
			want = rules.Error
		}
		if got != want {
			t.Errorf("page %v: index-missing severity %v, want %v", page, got, want)
		}
	}
}
