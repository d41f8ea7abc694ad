package apache

import (
	"github.com/unforbid/unforbid/internal/realapache"
	"path"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/fix"
	"github.com/unforbid/unforbid/internal/layout"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules/simulate"
)

// htaccessSim loads tree (txtar) in memory and the --htaccess simulator
// of docroot on it.
func htaccessSim(t *testing.T, name, tree, docroot string) *Simulator {
	t.Helper()
	lt, err := layout.Parse(name+".txtar", []byte(tree))
	if err != nil {
		t.Fatal(err)
	}
	fsys, err := lt.Memory("")
	if err != nil {
		t.Fatal(err)
	}
	s, _, err := LoadHtaccess(docroot, fsys)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// throughLink reports whether p or a directory above it is a symbolic
// link in fsys.
func throughLink(fsys *fsmeta.FS, p string) bool {
	for q := path.Clean(p); q != "/"; q = path.Dir(q) {
		if info, err := fsys.Lstat(q); err == nil && info.Type == fsmeta.TypeSymlink {
			return true
		}
	}
	return false
}

// TestHtaccessRepairsStayInTree: in --htaccess mode a fix writes the
// docroot's own .htaccess files; never one that is a symbolic link to a
// file elsewhere, nor one below a linked directory (the write would land
// outside the docroot: fix.Apply resolves a config file's links).
func TestHtaccessRepairsStayInTree(t *testing.T) {
	for _, c := range []struct {
		name, tree, url string
	}{{
		name: "htaccess-is-a-link",
		url:  "/sub/",
		tree: `-- home/u/public_html/index.html --
-- home/u/public_html/sub/default.html --
-- home/u/other/conf --
Options -Indexes
-- .fsmeta --
symlink home/u/public_html/sub/.htaccess -> ../../other/conf
`,
	}, {
		name: "directory-is-a-link",
		url:  "/sub/",
		tree: `-- home/u/public_html/index.html --
-- home/u/public_html/.htaccess --
Options -Indexes +FollowSymLinks
-- home/u/other/default.html --
-- .fsmeta --
symlink home/u/public_html/sub -> ../other
`,
	}} {
		t.Run(c.name, func(t *testing.T) {
			s := htaccessSim(t, c.name, c.tree, "/home/u/public_html")
			req, err := simulate.ParseRequest("GET", "http://localhost"+c.url, "")
			if err != nil {
				t.Fatal(err)
			}
			d := s.Simulate(req)
			if d.Cause == nil || d.Cause.Kind != simulate.KindIndexMissing {
				t.Fatalf("%s: want a missing index before the fix, got %d\n%s", c.url, d.Status, trace(d))
			}
			p := simulate.Problem{Rule: RuleIndexMissing, Kind: d.Cause.Kind, Range: d.Cause.Range, Path: d.Cause.Path, Request: req, Decision: d}
			for _, f := range s.Repairs(p) {
				for _, e := range f.Edits {
					if throughLink(s.FS, e.File) {
						t.Errorf("fix %q edits %s, through a symbolic link", f.Description, e.File)
					}
				}
				for _, op := range f.Ops {
					if throughLink(s.FS, op.Path) {
						t.Errorf("fix %q: %s %s, through a symbolic link", f.Description, op.Kind, op.Path)
					}
				}
			}
		})
	}
}

// TestGrantNeverWildcard: a <Directory> grant whose path holds a
// wildcard character (*, ?) is a pattern to Apache (fnmatch) and would
// open every directory it matches: /srv/a*b grants /srv/aXb too, here
// served (and refused) at /other/. No grant is offered for such a target.
func TestGrantNeverWildcard(t *testing.T) {
	for _, c := range []struct{ name, root, other string }{
		{name: "star", root: "/srv/a*b", other: "/srv/aprivb"},
		{name: "question", root: "/srv/site?", other: "/srv/site2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tree := repairHead + "Listen 127.0.0.1:18470\nServerName site.test\nDocumentRoot \"" + c.root + "\"\n" +
				"Alias /other/ " + c.other + "/\n" +
				"-- " + c.root[1:] + "/index.html --\n-- " + c.other[1:] + "/.env --\nSECRET=1\n-- " + c.other[1:] + "/index.html --\n"
			_, s := load(t, testTree{name: c.name, tree: tree})
			rc := repairCase{port: 18470}
			req := rc.request(t, "/")
			d := s.Simulate(req)
			p := mappingDirective(s, d)
			p.Rule, p.Request, p.Decision, p.Refused = ruleNotGranted, req, d, []string{"/"}
			for _, f := range s.Repairs(p) {
				after, err := s.withEdits(f.Edits)
				if err != nil {
					t.Fatal(err)
				}
				dd := after.Simulate(rc.request(t, "/other/"))
				t.Errorf("fix offered for a wildcard path: %q writes %q; /other/ then answers %d", f.Description, inserted(f), dd.Status)
			}
		})
	}
}

// TestIndexesListsSecrets: `Options +Indexes` in a <Directory> of a
// directory lists it and every directory below it that has no index of
// its own; a listing that shows a secret's name (a database dump, a key)
// makes it found. The fix must say which secrets it lists, and must not
// claim to be for that directory alone when it lists those below.
func TestIndexesListsSecrets(t *testing.T) {
	tree := repairHead + `Listen 127.0.0.1:18470
ServerName site.test
DocumentRoot /srv/site
<Directory /srv/site>
    Options None
    Require all granted
</Directory>
-- srv/site/index.html --
-- srv/site/pub/a.txt --
-- srv/site/pub/old/dump.sql --
-- srv/site/pub/old/id_rsa --
`
	_, s := load(t, testTree{name: "indexes-secrets", tree: tree})
	rc := repairCase{port: 18470}
	req := rc.request(t, "/pub/")
	d := s.Simulate(req)
	if d.Cause == nil || d.Cause.Kind != simulate.KindIndexMissing {
		t.Fatalf("/pub/: want a missing index, got %d\n%s", d.Status, trace(d))
	}
	p := simulate.Problem{Rule: RuleIndexMissing, Kind: d.Cause.Kind, Range: d.Cause.Range, Path: d.Cause.Path, Request: req, Decision: d}
	found := false
	for _, f := range s.Repairs(p) {
		if !strings.Contains(inserted(f), "+Indexes") {
			continue
		}
		found = true
		after, err := s.withEdits(f.Edits)
		if err != nil {
			t.Fatal(err)
		}
		if dd := after.Simulate(rc.request(t, "/pub/old/")); dd.Status != 200 {
			t.Fatalf("/pub/old/ answers %d after the fix; the case wants it listed", dd.Status)
		}
		if f.Class != fix.Review {
			t.Errorf("fix %q is %v, want review", f.Description, f.Class)
		}
		for _, w := range []string{"/pub/old/dump.sql", "/pub/old/id_rsa"} {
			if !strings.Contains(f.Description, w) {
				t.Errorf("fix %q does not say it lists %s", f.Description, w)
			}
		}
		if strings.Contains(f.Description, "alone") {
			t.Errorf("fix %q claims one directory, but lists /pub/old/ too", f.Description)
		}
	}
	if !found {
		t.Fatal("no Options +Indexes fix")
	}
}

// linkTree is a DocumentRoot no <Directory> grants, holding links out of
// it: a directory link to a home and a file link to a key. Apache
// follows them (Options FollowSymLinks of <Directory />) and matches
// <Directory> sections on the path as the URL maps it, so a grant of the
// docroot serves what they point at.
var linkTree = repairHead + `Listen 127.0.0.1:18478
ServerName site.test
DocumentRoot /srv/site
-- srv/site/index.html --
-- home/alice/.ssh/id_rsa --
KEY
-- home/alice/notes.txt --
-- .fsmeta --
symlink srv/site/data -> ../../home/alice
symlink srv/site/key.txt -> ../../home/alice/.ssh/id_rsa
`

// TestGrantSecretsThroughLinks: the secrets a grant opens include those
// reached through the tree's symbolic links (a link to a directory
// holding secrets, a link whose target is a secret); the grant is then
// for review and names them.
func TestGrantSecretsThroughLinks(t *testing.T) {
	_, s := load(t, testTree{name: "grant-links", tree: linkTree})
	rc := repairCase{port: 18478}
	req := rc.request(t, "/")
	d := s.Simulate(req)
	p := mappingDirective(s, d)
	p.Rule, p.Request, p.Decision, p.Refused = ruleNotGranted, req, d, []string{"/"}
	fixes := s.Repairs(p)
	if len(fixes) != 1 {
		t.Fatalf("got %d fixes, want 1", len(fixes))
	}
	f := fixes[0]
	after, err := s.withEdits(f.Edits)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"/key.txt", "/data/.ssh/id_rsa"} {
		dd := after.Simulate(rc.request(t, u))
		t.Logf("%s after the grant: %d %s", u, dd.Status, dd.Unsure)
		if (dd.Unsure != "" || dd.Status == 200) && (f.Class != fix.Review || !strings.Contains(f.Description, u)) {
			t.Errorf("fix %q (%v) serves %s and does not say so", f.Description, f.Class, u)
		}
	}
}

// TestGrantSecretsThroughLinksRealApache holds the simulator's answers
// on linkTree with the grant applied to real Apache's. It uses port
// 18478 on 127.0.0.1: run it under the e2e lock.
func TestGrantSecretsThroughLinksRealApache(t *testing.T) {
	requireApache(t)
	tree, s := load(t, testTree{name: "grant-links", tree: linkTree})
	rc := repairCase{port: 18478}
	req := rc.request(t, "/")
	d := s.Simulate(req)
	p := mappingDirective(s, d)
	p.Rule, p.Request, p.Decision, p.Refused = ruleNotGranted, req, d, []string{"/"}
	fixes := s.Repairs(p)
	if len(fixes) == 0 {
		t.Fatal("no fix")
	}
	after, err := s.withEdits(fixes[0].Edits)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := tree.Materialize(dir); err != nil {
		t.Fatal(err)
	}
	for file, b := range applied(t, s, fixes[0]) {
		if err := writeOver(dir, file, b); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := realapache.Start(dir, "", []int{rc.port})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	for _, u := range []string{"/", "/key.txt", "/data/.ssh/id_rsa", "/data/notes.txt"} {
		real, err := srv.Do("GET", rc.port, "site.test", u, "")
		if err != nil {
			t.Fatal(err)
		}
		dd := after.Simulate(rc.request(t, u))
		if dd.Unsure == "" && dd.Status != real {
			t.Errorf("%s: real Apache %d, simulator %d", u, real, dd.Status)
		}
		t.Logf("%s: real %d, simulated %d %s", u, real, dd.Status, dd.Unsure)
	}
}

// sharedIncludeTree: two virtual hosts include the same file, which sets
// their DocumentRoot. b.test allowlists its clients with a <Directory>
// of the docroot written before the Include; a.test grants nothing. A
// grant inserted into the shared file comes after b.test's allowlist in
// b.test, and a later <Directory> of the same path wins: b.test would be
// open to everyone.
var sharedIncludeTree = repairHead + `Listen 127.0.0.1:18479
<VirtualHost *:18479>
    ServerName a.test
    Include /etc/apache2/common.conf
</VirtualHost>
<VirtualHost *:18479>
    ServerName b.test
    <Directory /srv/www>
        Require ip 10.9.9.0/24
    </Directory>
    Include /etc/apache2/common.conf
</VirtualHost>
-- etc/apache2/common.conf --
DocumentRoot /srv/www
-- srv/www/index.html --
`

// TestGrantSharedInclude: a grant for one virtual host must not open
// another that refuses on purpose; a grant whose text every site of the
// file gets is checked on all of them, and is for review (naming the
// site it opens) when it opens one.
func TestGrantSharedInclude(t *testing.T) {
	_, s := load(t, testTree{name: "grant-shared-include", tree: sharedIncludeTree})
	reqOf := func(host, u string) simulate.Request {
		r, err := simulate.ParseRequest("GET", "http://"+host+":18479"+u, "203.0.113.9")
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	req := reqOf("a.test", "/")
	d := s.Simulate(req)
	if d.Status != 403 {
		t.Fatalf("a.test/ answers %d before the fix\n%s", d.Status, trace(d))
	}
	if db := s.Simulate(reqOf("b.test", "/")); db.Status != 403 {
		t.Fatalf("b.test/ answers %d before the fix\n%s", db.Status, trace(db))
	}
	p := mappingDirective(s, d)
	p.Rule, p.Request, p.Decision, p.Refused = ruleNotGranted, req, d, []string{"/"}
	for _, f := range s.Repairs(p) {
		after, err := s.withEdits(f.Edits)
		if err != nil {
			t.Fatal(err)
		}
		db := after.Simulate(reqOf("b.test", "/"))
		t.Logf("fix %q (%v): b.test/ answers %d", f.Description, f.Class, db.Status)
		if (db.Unsure != "" || db.Status < 400) && (f.Class != fix.Review || !strings.Contains(f.Description, "b.test")) {
			t.Errorf("fix %q (%v) opens b.test and does not say so", f.Description, f.Class)
		}
	}
}

// TestGrantSharedIncludeRealApache holds the simulator's answers for
// b.test before and after the grant of sharedIncludeTree to real
// Apache's: the grant in the shared file does open b.test. It uses port
// 18479 on 127.0.0.1: run it under the e2e lock.
func TestGrantSharedIncludeRealApache(t *testing.T) {
	requireApache(t)
	tree, s := load(t, testTree{name: "grant-shared-include", tree: sharedIncludeTree})
	req, err := simulate.ParseRequest("GET", "http://a.test:18479/", "")
	if err != nil {
		t.Fatal(err)
	}
	d := s.Simulate(req)
	p := mappingDirective(s, d)
	p.Rule, p.Request, p.Decision, p.Refused = ruleNotGranted, req, d, []string{"/"}
	fixes := s.Repairs(p)
	if len(fixes) == 0 {
		t.Fatal("no fix")
	}
	after, err := s.withEdits(fixes[0].Edits)
	if err != nil {
		t.Fatal(err)
	}
	for i, sim := range []*Simulator{s, after} {
		dir := t.TempDir()
		if err := tree.Materialize(dir); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			for file, b := range applied(t, s, fixes[0]) {
				if err := writeOver(dir, file, b); err != nil {
					t.Fatal(err)
				}
			}
		}
		srv, err := realapache.Start(dir, "", []int{18479})
		if err != nil {
			t.Fatal(err)
		}
		for _, host := range []string{"a.test", "b.test"} {
			real, err := srv.Do("GET", 18479, host, "/", "")
			if err != nil {
				t.Fatal(err)
			}
			r, err := simulate.ParseRequest("GET", "http://"+host+":18479/", "")
			if err != nil {
				t.Fatal(err)
			}
			dd := sim.Simulate(r)
			t.Logf("fix applied %v: %s/ real %d, simulated %d %s", i == 1, host, real, dd.Status, dd.Unsure)
			if dd.Unsure == "" && dd.Status != real {
				t.Errorf("fix applied %v: %s/: real Apache %d, simulator %d", i == 1, host, real, dd.Status)
			}
		}
		if err := srv.Stop(); err != nil {
			t.Error(err)
		}
	}
}

// TestGrantUnderSystemTree: a DocumentRoot inside the machine's own
// configuration or a home of root (/etc/x, /root/x, /proc, ...) holds
// files whose names do not say they are secret (a database password in
// an .ini); a grant there is never safe.
func TestGrantUnderSystemTree(t *testing.T) {
	for _, root := range []string{"/etc/myapp", "/root/site", "/boot/www", "/var/lib/app"} {
		t.Run(root, func(t *testing.T) {
			tree := repairHead + "Listen 127.0.0.1:18470\nServerName site.test\nDocumentRoot " + root + "\n" +
				"-- " + root[1:] + "/index.html --\n-- " + root[1:] + "/db.ini --\npassword=x\n"
			_, s := load(t, testTree{name: "system-tree", tree: tree})
			rc := repairCase{port: 18470}
			req := rc.request(t, "/")
			d := s.Simulate(req)
			p := mappingDirective(s, d)
			p.Rule, p.Request, p.Decision, p.Refused = ruleNotGranted, req, d, []string{"/"}
			for _, f := range s.Repairs(p) {
				if f.Class == fix.Safe {
					t.Errorf("safe fix %q grants %s", f.Description, root)
				}
			}
		})
	}
}

// TestFollowSymLinksSecrets: `Options +FollowSymLinks` for the directory
// of a refused link follows every link there and below, a link to a
// private key among them; the fix must name what it opens.
func TestFollowSymLinksSecrets(t *testing.T) {
	tree := repairHead + `Listen 127.0.0.1:18480
ServerName site.test
DocumentRoot /srv/site
<Directory /srv/site>
    Options None
    Require all granted
</Directory>
-- srv/site/real.html --
-- home/alice/.ssh/id_rsa --
KEY
-- .fsmeta --
symlink srv/site/link.html -> real.html
symlink srv/site/key.txt -> ../../home/alice/.ssh/id_rsa
`
	_, s := load(t, testTree{name: "follow-secrets", tree: tree})
	rc := repairCase{port: 18480}
	req := rc.request(t, "/link.html")
	d := s.Simulate(req)
	p := simulate.Problem{Rule: ruleSymlinkDenied, Kind: simulate.KindSymlinkDenied, Path: "/srv/site/link.html", Request: req, Decision: d}
	fixes := s.Repairs(p)
	if len(fixes) == 0 {
		t.Fatal("no fix")
	}
	for _, f := range fixes {
		after, err := s.withEdits(f.Edits)
		if err != nil {
			t.Fatal(err)
		}
		dd := after.Simulate(rc.request(t, "/key.txt"))
		if (dd.Unsure != "" || dd.Status == 200) && !strings.Contains(f.Description, "/key.txt") {
			t.Errorf("fix %q serves /key.txt (%d) and does not say so", f.Description, dd.Status)
		}
	}
}
