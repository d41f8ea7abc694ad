package apache

import (
	"path"
	"testing"
)

// TestPathShortcuts compares joinComp with path.Join and isCanonOf with
// canonDir, which they stand for on the request path.
func TestPathShortcuts(t *testing.T) {
	dirs := []string{"/", "/srv", "/srv/www", "/a/b/c", "/srv/www/x.y"}
	comps := []string{"a", "index.html", ".", "..", "", ".htaccess", "..a", "a b"}
	for _, d := range dirs {
		for _, c := range comps {
			if got, want := joinComp(d, c), path.Join(d, c); got != want {
				t.Errorf("joinComp(%q, %q) = %q, want %q", d, c, got, want)
			}
		}
	}
	canon := []string{"/", "/srv/", "/srv/www/", "/srv/ww/", "/srv/www/x/", "/a/b/c/", "/srv", "srv/", ""}
	for _, d := range dirs {
		for _, pd := range canon {
			if got, want := isCanonOf(pd, d), pd == canonDir(d); got != want {
				t.Errorf("isCanonOf(%q, %q) = %v, want %v", pd, d, got, want)
			}
		}
	}
}
