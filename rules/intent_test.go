package rules

import (
	"testing"

	"github.com/unforbid/unforbid/parser/fsmeta"
)

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		name string
		want Class
	}{
		{"guide.html", ClassPage},
		{"GUIDE.HTM", ClassPage},
		{"/srv/www/docs/a.xhtml", ClassPage},
		{"header.shtml", ClassPage},
		{"404.html", ClassOther},     // an error page
		{"50x.html", ClassOther},     // Debian's error page
		{"LICENSE.html", ClassOther}, // vendored boilerplate
		{"README.md", ClassOther},
		{"OFL.txt", ClassOther},
		{"brochure.pdf", ClassDocument},
		{"notes.txt", ClassDocument},
		{"report.docx", ClassDocument},
		{"app.css", ClassAsset},
		{"app.4ed993c7.js", ClassAsset},
		{"app.js.map", ClassAsset},
		{"logo.PNG", ClassAsset},
		{"font.woff2", ClassAsset},
		{"clip.webm", ClassAsset},
		{"index.php", ClassOther}, // run by a backend: code, not a page
		{"install.sh", ClassOther},
		{"data.json", ClassOther},
		{"Makefile", ClassOther},
		{"html", ClassOther},
		{".html", ClassPage},
	} {
		if got := Classify(tc.name); got != tc.want {
			t.Errorf("Classify(%q) = %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestDirContents(t *testing.T) {
	for _, tc := range []struct {
		names []string
		page  bool
		first string
	}{
		{nil, false, ""},
		{[]string{"a.css", "b.png", "c.woff2"}, false, ""},
		{[]string{"a.pdf", "b.pdf"}, false, ""},
		{[]string{"a.css", "guide.html", "b.html"}, true, "guide.html"},
		{[]string{"404.html", "50x.html"}, false, ""},
	} {
		var d DirContents
		for _, n := range tc.names {
			d.Add(n)
		}
		if d.PageDir() != tc.page || d.FirstPage != tc.first {
			t.Errorf("%v: PageDir %v FirstPage %q, want %v %q", tc.names, d.PageDir(), d.FirstPage, tc.page, tc.first)
		}
	}
}

func TestDeliberate(t *testing.T) {
	worker := fsmeta.Cred{User: "www-data", UID: 33, GID: 33, Groups: []uint32{33, 2000}}
	file := func(mode uint32, acl *fsmeta.ACL) *fsmeta.Info {
		return &fsmeta.Info{Path: "/srv/www/f.html", Type: fsmeta.TypeRegular, Perm: mode, UID: 1000, GID: 1000, ACL: acl}
	}
	r, x := fsmeta.Read, fsmeta.Exec
	for _, tc := range []struct {
		name string
		info *fsmeta.Info
		want fsmeta.Perm
		ok   bool
	}{
		{"no acl", file(0o600, nil), r, false},
		{"user:www-data:---", file(0o644, &fsmeta.ACL{UserObj: 6, GroupObj: 4, Other: 4, Users: []fsmeta.ACLEntry{{ID: 33}}, Mask: 4, HasMask: true}), r, true},
		{"user:www-data:--x on a file", file(0o654, &fsmeta.ACL{UserObj: 6, GroupObj: 4, Other: 4, Users: []fsmeta.ACLEntry{{ID: 33, Perm: x}}, Mask: 5, HasMask: true}), r, true},
		{"user:www-data:r-- cut by the mask", file(0o600, &fsmeta.ACL{UserObj: 6, Users: []fsmeta.ACLEntry{{ID: 33, Perm: r}}, HasMask: true}), r, false},
		{"group:www-data:---", file(0o644, &fsmeta.ACL{UserObj: 6, GroupObj: 4, Other: 4, Groups: []fsmeta.ACLEntry{{ID: 33}}, Mask: 4, HasMask: true}), r, true},
		{"group:webdev:--- but group:www-data:r--", file(0o640, &fsmeta.ACL{UserObj: 6, GroupObj: 0, Groups: []fsmeta.ACLEntry{{ID: 33, Perm: r}, {ID: 2000}}, Mask: 4, HasMask: true}), r, false},
		{"shared with alice only", file(0o640, &fsmeta.ACL{UserObj: 6, Users: []fsmeta.ACLEntry{{ID: 1001, Perm: r}}, Mask: 4, HasMask: true}), r, true},
		{"shared with a group only", file(0o640, &fsmeta.ACL{UserObj: 6, Groups: []fsmeta.ACLEntry{{ID: 1001, Perm: r}}, Mask: 4, HasMask: true}), r, true},
		{"shared with alice, then chmod 600", file(0o600, &fsmeta.ACL{UserObj: 6, Users: []fsmeta.ACLEntry{{ID: 1001, Perm: r}}, HasMask: true}), r, false},
		{"shared with alice without read", file(0o630, &fsmeta.ACL{UserObj: 6, Users: []fsmeta.ACLEntry{{ID: 1001, Perm: 2}}, Mask: 6, HasMask: true}), r, false},
		{"worker owns it", &fsmeta.Info{Type: fsmeta.TypeRegular, Perm: 0o040, UID: 33, ACL: &fsmeta.ACL{Users: []fsmeta.ACLEntry{{ID: 33}}}}, r, false},
		{"directory user:www-data:r-- wants search", &fsmeta.Info{Type: fsmeta.TypeDir, Perm: 0o740, UID: 0, GID: 0, ACL: &fsmeta.ACL{UserObj: 7, GroupObj: 4, Users: []fsmeta.ACLEntry{{ID: 33, Perm: r}}, Mask: 4, HasMask: true}}, x, true},
		{"directory user:www-data:--x wants read", &fsmeta.Info{Type: fsmeta.TypeDir, Perm: 0o710, UID: 0, GID: 0, ACL: &fsmeta.ACL{UserObj: 7, Users: []fsmeta.ACLEntry{{ID: 33, Perm: x}}, Mask: 1, HasMask: true}}, r, true},
	} {
		why, ok := Deliberate(tc.info, worker, tc.want)
		if ok != tc.ok || ok && why == "" {
			t.Errorf("%s: Deliberate = %q %v, want %v", tc.name, why, ok, tc.ok)
		}
	}
}
