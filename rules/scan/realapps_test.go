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

// TestMaskedWording checks, on the trees of real apps, how a finding words
// the requests try_files sent elsewhere: counted once each (a probe of a
// cause already met adds none), and named by the backend they reach when
// there is one, since the simulator's 502 is not what a running
// application answers.
func TestMaskedWording(t *testing.T) {
	for _, tc := range []struct {
		tree, path, want string
	}{
		{"real-laravel-docs", "/home/staging", "6 paths below it cannot be served (they go to fastcgi_pass unix:/var/run/php/php8.2-fpm.sock instead, as if they did not exist: try_files skips what the worker cannot stat)"},
		{"real-laravel-docs", "/home/deploy/app/public/build", "5 paths below it cannot be served (1 answer 403; 4 go to fastcgi_pass unix:/var/run/php/php8.2-fpm.sock instead, because try_files skips what the worker cannot stat)"},
		{"real-mastodon", "/home/mastodon", "(2 answer 403; 42 go to proxy_pass http://backend instead, because try_files skips what the worker cannot stat)"},
	} {
		t.Run(tc.tree+tc.path, func(t *testing.T) {
			c := treetest.Setup(t, "../../testdata/trees/"+tc.tree+".txtar")
			findings, _ := scan.Run(c.Server(t), scan.Options{})
			n := 0
			for _, f := range findings {
				if f.Path != tc.path {
					continue
				}
				n++
				if !strings.Contains(f.Message, tc.want) {
					t.Errorf("message %q\nwant it to hold %q", f.Message, tc.want)
				}
			}
			if n != 1 {
				t.Errorf("%d findings for %s, want 1", n, tc.path)
			}
		})
	}
}
