package benchgen

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// listing is every path below root with its mode, in walk order.
func listing(t *testing.T, root string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fmt.Fprintf(&b, "%s %o\n", rel, info.Mode())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestDocrootDeterministic(t *testing.T) {
	for _, d := range []Docroot{
		{Files: 300, Dirs: 7, Seed: 1, Private: 100},
		{Files: 1000, Dirs: 150, Seed: 2, Private: 50},
		{Files: 5, Dirs: 10, Seed: 3},
	} {
		t.Run(fmt.Sprintf("files=%d,dirs=%d", d.Files, d.Dirs), func(t *testing.T) {
			a, b := t.TempDir(), t.TempDir()
			sa, err := d.Write(a)
			if err != nil {
				t.Fatal(err)
			}
			sb, err := d.Write(b)
			if err != nil {
				t.Fatal(err)
			}
			if sa != sb || listing(t, a) != listing(t, b) {
				t.Errorf("two trees of one seed differ: %+v, %+v", sa, sb)
			}
			if sa.Files != d.Files || sa.Dirs != d.Dirs {
				t.Errorf("made %+v, want %d files in %d directories", sa, d.Files, d.Dirs)
			}
			if d.Private > 0 && sa.PrivateFiles == 0 {
				t.Errorf("no private file: %+v", sa)
			}
		})
	}
}
