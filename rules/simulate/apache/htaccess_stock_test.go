package apache

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/internal/layout"
)

// TestLoadHtaccess loads the stock configuration around a docroot of an
// in-memory tree and checks the assumptions it reports and the worker's
// identity (the answers are held to real Apache's by TestAppsRecorded and
// TestRealApps).
func TestLoadHtaccess(t *testing.T) {
	const files = `
-- home/u/public_html/index.html --
hello
-- home/u/public_html/.htaccess --
Options -Indexes
-- home/u/public_html/sub/a.txt --
`
	for _, c := range []struct {
		name      string
		passwd    string
		docroot   string
		wantNotes []string
		wantUID   uint32
		wantErr   string
	}{
		{name: "no www-data", docroot: "/home/u/public_html",
			passwd:    "-- etc/passwd --\nroot:x:0:0::/root:/bin/sh\n-- etc/group --\nroot:x:0:\n",
			wantNotes: []string{fmt.Sprintf(HtaccessNote, "/home/u/public_html"), WwwDataNote}, wantUID: 33},
		{name: "own www-data", docroot: "/home/u/public_html/",
			passwd:    "-- etc/passwd --\nwww-data:x:1033:1033::/var/www:/bin/false\n-- etc/group --\nwww-data:x:1033:\n",
			wantNotes: []string{fmt.Sprintf(HtaccessNote, "/home/u/public_html")}, wantUID: 1033},
		{name: "relative docroot", docroot: "public_html", wantErr: "absolute"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tree, err := layout.Parse(c.name+".txtar", []byte(files+c.passwd))
			if err != nil {
				t.Fatal(err)
			}
			fsys, err := tree.Memory("")
			if err != nil {
				t.Fatal(err)
			}
			s, notes, err := LoadHtaccess(c.docroot, fsys)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, n := range notes {
				got = append(got, n.String())
			}
			if !slices.Equal(got, c.wantNotes) {
				t.Errorf("notes\n%q\nwant\n%q", got, c.wantNotes)
			}
			if s.User != "www-data" || s.Cred.UID != c.wantUID || s.Cred.GID != c.wantUID {
				t.Errorf("worker %s %+v, want www-data uid %d", s.User, s.Cred, c.wantUID)
			}
			if len(s.Config.Warnings) > 0 {
				t.Errorf("warnings: %v", s.Config.Warnings)
			}
			if !s.Config.Modules["rewrite_module"] || s.Config.Modules["headers_module"] {
				t.Error("want mod_rewrite loaded and mod_headers not")
			}
		})
	}
}
