package scan_test

import (
	"strings"
	"testing"

	"github.com/unforbid/unforbid/internal/treetest"
	"github.com/unforbid/unforbid/rules/scan"
)

// TestOneFindingPerPath checks, on the trees of real apps, that a
// filesystem cause is one finding however many servers meet it (the
// other servers' directives as related locations), and that its example
// is a file the cause refuses, not a directory that may answer 403 for
// want of an index anyway.
func TestOneFindingPerPath(t *testing.T) {
	for _, tc := range []struct {
		tree, rule, path string
		count            int
		example          string // suffix of the example URL
		related          int    // a related location on this line
	}{
		{"real-mastodon", "fs/no-search-permission", "/home/mastodon", 44, ":8310/.well-known/acme-challenge/tok3", 42},
		{"real-mastodon-media", "fs/no-search-permission", "/home/mastodon/live/public/system/custom_emojis", 6, "/original/blobcat.png", 0},
	} {
		t.Run(tc.tree, func(t *testing.T) {
			c := treetest.Setup(t, "../../testdata/trees/"+tc.tree+".txtar")
			findings, _ := scan.Run(c.Server(t), scan.Options{})
			n := 0
			for _, f := range findings {
				if f.Rule != tc.rule || f.Path != tc.path {
					continue
				}
				n++
				if f.Count != tc.count {
					t.Errorf("count %d, want %d", f.Count, tc.count)
				}
				if !strings.HasSuffix(f.URL, tc.example) {
					t.Errorf("example %s, want one ending in %s", f.URL, tc.example)
				}
				found := tc.related == 0
				for _, r := range f.Related {
					found = found || r.Range.Start.Line == tc.related
				}
				if !found {
					t.Errorf("no related location on line %d: %+v", tc.related, f.Related)
				}
			}
			if n != 1 {
				t.Errorf("%d findings %s for %s, want 1", n, tc.rule, tc.path)
			}
		})
	}
}

// TestRealAppMessages checks, on the trees of real apps, how findings are
// worded: the requests try_files sent elsewhere are counted once each (a
// probe of a cause already met adds none) and named by the backend they
// reach, since the simulator's 502 is not what a running application
// answers; a deny quotes the line of its comment block that says what it
// was meant for, and relates the location that holds it.
func TestRealAppMessages(t *testing.T) {
	for _, tc := range []struct {
		tree, rule, path, want string
		related                string // a related location, file:line
	}{
		{"real-laravel-docs", "fs/no-search-permission", "/home/staging", "6 paths below it cannot be served (they go to fastcgi_pass unix:/var/run/php/php8.2-fpm.sock instead, as if they did not exist: try_files skips what the worker cannot stat)", ""},
		{"real-laravel-docs", "fs/no-search-permission", "/home/deploy/app/public/build", "5 paths below it cannot be served (1 answer 403; 4 go to fastcgi_pass unix:/var/run/php/php8.2-fpm.sock instead, because try_files skips what the worker cannot stat)", ""},
		{"real-mastodon", "fs/no-search-permission", "/home/mastodon", "(2 answer 403; 42 go to proxy_pass http://backend instead, because try_files skips what the worker cannot stat)", ""},
		{"real-wordpress-docs", "nginx/deny-overmatch", "", `location ~ /\. refuses 1 public file to every client (well-known file), e.g. /.well-known/acme-challenge/tok: access forbidden by rule; its comment says "Deny all attempts to access hidden files such as .htaccess, .htpasswd, .DS_Store (Mac)."`, "/etc/nginx/global/restrictions.conf:16"},
	} {
		t.Run(tc.tree+tc.path, func(t *testing.T) {
			c := treetest.Setup(t, "../../testdata/trees/"+tc.tree+".txtar")
			findings, _ := scan.Run(c.Server(t), scan.Options{})
			n := 0
			for _, f := range findings {
				if f.Rule != tc.rule || f.Path != tc.path {
					continue
				}
				n++
				if !strings.Contains(f.Message, tc.want) {
					t.Errorf("message %q\nwant it to hold %q", f.Message, tc.want)
				}
				found := tc.related == ""
				for _, r := range f.Related {
					found = found || r.Range.String() == tc.related
				}
				if !found {
					t.Errorf("no related location %s: %+v", tc.related, f.Related)
				}
			}
			if n != 1 {
				t.Errorf("%d findings %s for %q, want 1", n, tc.rule, tc.path)
			}
		})
	}
}
