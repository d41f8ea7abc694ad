package apache

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestSamples parses real-world configs and .htaccess files (certbot,
// WordPress, Drupal, Laravel, h5bp, Nextcloud) and compares each tree
// with its golden dump.
func TestSamples(t *testing.T) {
	paths, err := filepath.Glob("testdata/samples/*")
	if err != nil || len(paths) == 0 {
		t.Fatal("no samples", err)
	}
	for _, p := range paths {
		if strings.HasSuffix(p, ".golden") {
			continue
		}
		t.Run(filepath.Base(p), func(t *testing.T) {
			src, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			f, err := Parse(filepath.Base(p), src)
			if err != nil {
				t.Fatal(err)
			}
			checkSpans(t, f)
			var sb strings.Builder
			dump(f.Directives, 0, &sb)
			golden := p + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(sb.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if sb.String() != string(want) {
				t.Errorf("tree differs from %s:\n%s", golden, sb.String())
			}
		})
	}
}
