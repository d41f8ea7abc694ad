package fsmeta

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/unforbid/unforbid/internal/treetest/need"
)

// node is one object of a test tree: a directory (dir), a symlink (link
// non-empty) or a regular file.
type node struct {
	path     string
	mode     os.FileMode
	uid, gid int
	dir      bool
	link     string
}

func d(p string, mode os.FileMode) node { return node{path: p, mode: mode, dir: true} }
func f(p string, mode os.FileMode) node { return node{path: p, mode: mode} }
func l(p, target string) node           { return node{path: p, link: target} }
func own(n node, uid, gid int) node     { n.uid, n.gid = uid, gid; return n }

// buildTree creates nodes under a fresh root (0755, root-owned) with exact
// modes and owners. It needs root for chown.
func buildTree(t testing.TB, nodes ...node) string {
	t.Helper()
	need.Root(t, "fsmeta's real-disk and kernel cross-check tests")
	return layNodes(t, true, nodes...)
}

// layNodes creates nodes under a fresh root (0755) with exact modes, and
// their owners when chown is set (root only).
func layNodes(t testing.TB, chown bool, nodes ...node) string {
	t.Helper()
	root := t.TempDir()
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		p := filepath.Join(root, n.path)
		var err error
		switch {
		case n.link != "":
			err = os.Symlink(n.link, p)
		case n.dir:
			err = os.Mkdir(p, 0o700)
		default:
			err = os.WriteFile(p, []byte("content of "+n.path+"\n"), 0o600)
		}
		if err != nil {
			t.Fatal(err)
		}
		if chown {
			if err := os.Lchown(p, n.uid, n.gid); err != nil {
				t.Fatal(err)
			}
		}
		if n.link == "" {
			if err := os.Chmod(p, n.mode); err != nil {
				t.Fatal(err)
			}
		}
	}
	return root
}

// memoryTree is buildTree as an in-memory view: the same objects, modes,
// owners and contents, without disk or root.
func memoryTree(t testing.TB, nodes ...node) *FS {
	t.Helper()
	var entries []Entry
	for _, n := range nodes {
		e := Entry{Path: "/" + n.path, UID: uint32(n.uid), GID: uint32(n.gid), Perm: unixPerm(n.mode)}
		switch {
		case n.link != "":
			e.Type, e.Target = TypeSymlink, n.link
		case n.dir:
			e.Type = TypeDir
		default:
			e.Type, e.Data = TypeRegular, []byte("content of "+n.path+"\n")
		}
		entries = append(entries, e)
	}
	fsys, err := NewMemory("", entries)
	if err != nil {
		t.Fatal(err)
	}
	return fsys
}

// unixPerm turns an os.FileMode into st_mode's 07777 bits.
func unixPerm(m os.FileMode) uint32 {
	p := uint32(m.Perm())
	if m&os.ModeSetuid != 0 {
		p |= 0o4000
	}
	if m&os.ModeSetgid != 0 {
		p |= 0o2000
	}
	if m&os.ModeSticky != 0 {
		p |= 0o1000
	}
	return p
}

// views returns the tree of nodes as an in-memory FS and, when running as
// root, laid out on disk: the shared path walk must answer the same on
// both backends.
func views(t testing.TB, nodes ...node) map[string]*FS {
	t.Helper()
	v := map[string]*FS{"memory": memoryTree(t, nodes...)}
	if os.Geteuid() == 0 {
		v["disk"] = New(buildTree(t, nodes...))
	}
	return v
}

var www = Cred{User: "www-data", UID: 33, GID: 33, Groups: []uint32{33}}

// accessTree lays accessNodes out on disk.
func accessTree(t testing.TB) string { return buildTree(t, accessNodes...) }

// accessNodes is the shared tree of TestAccess: the lab matrix of CAUSES.md
// 1.10 plus link cases.
var accessNodes = []node{
	d("srv", 0o755),
	f("srv/f644.html", 0o644),
	f("srv/f600.html", 0o600),
	own(f("srv/f640g.html", 0o640), 0, 33),
	own(f("srv/f640x.html", 0o640), 0, 100),
	own(f("srv/own600.html", 0o600), 33, 33),
	own(f("srv/own066.html", 0o066), 33, 33),
	f("srv/x744", 0o744),
	d("srv/d700", 0o700),
	f("srv/d700/a.html", 0o644),
	d("srv/d711", 0o711),
	f("srv/d711/a.html", 0o644),
	d("srv/d644", 0o644),
	f("srv/d644/index.html", 0o644),
	own(d("srv/d750g", 0o750), 0, 33),
	f("srv/d750g/a.html", 0o644),
	l("srv/link", "d711"),
	l("srv/d700link", "d700"),
	l("srv/abs", "/srv/f644.html"),
	l("srv/absdir", "/srv/d711"),
	l("srv/dangling", "missing.html"),
	l("srv/danglingdir", "nodir/x.html"),
	l("srv/loop1", "loop2"),
	l("srv/loop2", "loop1"),
	l("srv/self", "self"),
	l("srv/up", "../../../../../srv"),
	l("srv/escape", "/etc/passwd"),
	l("srv/filelink", "f644.html"),
	l("srv/slashlink", "f644.html/"),
	l("srv/dotlink", "d700/."),
	l("srv/chain1", "link"),
	l("srv/chain2", "chain1"),
	d("srv/deep", 0o755),
	l("srv/deep/parent", ".."),
}

func TestAccess(t *testing.T) {
	for name, fsys := range views(t, accessNodes...) {
		t.Run(name, func(t *testing.T) { testAccess(t, fsys) })
	}
}

func testAccess(t *testing.T, fsys *FS) {
	root := Cred{User: "root"}
	tests := []struct {
		name   string
		c      Cred
		p      string
		want   Perm
		follow bool
		err    syscall.Errno
		at     string
		info   string // expected Info.Path, "" for nil Info
		typ    FileType
	}{
		{"readable file", www, "/srv/f644.html", Read, true, 0, "/srv/f644.html", "/srv/f644.html", TypeRegular},
		{"root dir stat", www, "/", 0, true, 0, "/", "/", TypeDir},
		{"root dir read", www, "/", Read | Exec, true, 0, "/", "/", TypeDir},
		{"file 0600", www, "/srv/f600.html", Read, true, syscall.EACCES, "/srv/f600.html", "/srv/f600.html", TypeRegular},
		{"file 0600 stat only", www, "/srv/f600.html", 0, true, 0, "/srv/f600.html", "/srv/f600.html", TypeRegular},
		{"file 0600 as root", root, "/srv/f600.html", Read | Write, true, 0, "/srv/f600.html", "/srv/f600.html", TypeRegular},
		{"file 0640 group 33", www, "/srv/f640g.html", Read, true, 0, "/srv/f640g.html", "/srv/f640g.html", TypeRegular},
		{"file 0640 group 33 write", www, "/srv/f640g.html", Write, true, syscall.EACCES, "/srv/f640g.html", "/srv/f640g.html", TypeRegular},
		{"file 0640 other group", www, "/srv/f640x.html", Read, true, syscall.EACCES, "/srv/f640x.html", "/srv/f640x.html", TypeRegular},
		{"file 0640 via supplementary", Cred{UID: 33, GID: 33, Groups: []uint32{33, 100}}, "/srv/f640x.html", Read, true, 0, "/srv/f640x.html", "/srv/f640x.html", TypeRegular},
		{"owner 0600", www, "/srv/own600.html", Read | Write, true, 0, "/srv/own600.html", "/srv/own600.html", TypeRegular},
		{"owner 0066", www, "/srv/own066.html", Read, true, syscall.EACCES, "/srv/own066.html", "/srv/own066.html", TypeRegular},
		{"exec 0644 as root", root, "/srv/f644.html", Exec, true, syscall.EACCES, "/srv/f644.html", "/srv/f644.html", TypeRegular},
		{"exec 0744 as root", root, "/srv/x744", Exec, true, 0, "/srv/x744", "/srv/x744", TypeRegular},
		{"parent 0700", www, "/srv/d700/a.html", Read, true, syscall.EACCES, "/srv/d700", "", 0},
		{"parent 0700 stat", www, "/srv/d700/a.html", 0, true, syscall.EACCES, "/srv/d700", "", 0},
		{"parent 0700 as root", root, "/srv/d700/a.html", Read, true, 0, "/srv/d700/a.html", "/srv/d700/a.html", TypeRegular},
		{"dir 0700 itself stat", www, "/srv/d700", 0, true, 0, "/srv/d700", "/srv/d700", TypeDir},
		{"dir 0700 itself read", www, "/srv/d700", Read, true, syscall.EACCES, "/srv/d700", "/srv/d700", TypeDir},
		{"parent 0711", www, "/srv/d711/a.html", Read, true, 0, "/srv/d711/a.html", "/srv/d711/a.html", TypeRegular},
		{"dir 0711 read", www, "/srv/d711", Read, true, syscall.EACCES, "/srv/d711", "/srv/d711", TypeDir},
		{"dir 0644 read", www, "/srv/d644", Read, true, 0, "/srv/d644", "/srv/d644", TypeDir},
		{"dir 0644 child", www, "/srv/d644/index.html", Read, true, syscall.EACCES, "/srv/d644", "", 0},
		{"dir 0750 group", www, "/srv/d750g/a.html", Read, true, 0, "/srv/d750g/a.html", "/srv/d750g/a.html", TypeRegular},
		{"missing file", www, "/srv/nope.html", 0, true, syscall.ENOENT, "/srv/nope.html", "", 0},
		{"missing dir", www, "/srv/nope/a.html", 0, true, syscall.ENOENT, "/srv/nope", "", 0},
		{"missing behind 0700", www, "/srv/d700/nope", 0, true, syscall.EACCES, "/srv/d700", "", 0},
		{"file in the middle", www, "/srv/f644.html/x", 0, true, syscall.ENOTDIR, "/srv/f644.html", "", 0},
		{"trailing slash on file", www, "/srv/f644.html/", 0, true, syscall.ENOTDIR, "/srv/f644.html", "", 0},
		{"trailing slash on dir", www, "/srv/d711/", 0, false, 0, "/srv/d711", "/srv/d711", TypeDir},
		{"trailing slash follows link", www, "/srv/link/", 0, false, 0, "/srv/d711", "/srv/d711", TypeDir},
		{"symlink in middle", www, "/srv/link/a.html", Read, true, 0, "/srv/d711/a.html", "/srv/d711/a.html", TypeRegular},
		{"chained links in middle", www, "/srv/chain2/a.html", Read, true, 0, "/srv/d711/a.html", "/srv/d711/a.html", TypeRegular},
		{"symlink in middle to 0700", www, "/srv/d700link/a.html", Read, true, syscall.EACCES, "/srv/d700", "", 0},
		{"final link followed", www, "/srv/filelink", Read, true, 0, "/srv/f644.html", "/srv/f644.html", TypeRegular},
		{"final link not followed", www, "/srv/filelink", 0, false, 0, "/srv/filelink", "/srv/filelink", TypeSymlink},
		{"final dir link not followed", www, "/srv/link", 0, false, 0, "/srv/link", "/srv/link", TypeSymlink},
		{"final link to 0700 dir", www, "/srv/d700link", Read, true, syscall.EACCES, "/srv/d700", "/srv/d700", TypeDir},
		{"dangling final link followed", www, "/srv/dangling", 0, true, syscall.ENOENT, "/srv/missing.html", "", 0},
		{"dangling final link not followed", www, "/srv/dangling", 0, false, 0, "/srv/dangling", "/srv/dangling", TypeSymlink},
		{"dangling link to missing dir", www, "/srv/danglingdir", 0, true, syscall.ENOENT, "/srv/nodir", "", 0},
		{"dangling link in middle", www, "/srv/dangling/x", 0, false, syscall.ENOENT, "/srv/missing.html", "", 0},
		// The 41st link followed is loop1 again.
		{"link loop", www, "/srv/loop1", 0, true, syscall.ELOOP, "/srv/loop1", "", 0},
		{"link loop not followed", www, "/srv/loop1", 0, false, 0, "/srv/loop1", "/srv/loop1", TypeSymlink},
		{"link loop in middle", www, "/srv/loop1/x", 0, false, syscall.ELOOP, "/srv/loop1", "", 0},
		{"self loop", www, "/srv/self", Read, true, syscall.ELOOP, "/srv/self", "", 0},
		{"absolute link under root", www, "/srv/abs", Read, true, 0, "/srv/f644.html", "/srv/f644.html", TypeRegular},
		{"absolute dir link in middle", www, "/srv/absdir/a.html", Read, true, 0, "/srv/d711/a.html", "/srv/d711/a.html", TypeRegular},
		{"absolute link never escapes", root, "/srv/escape", Read, true, syscall.ENOENT, "/etc", "", 0},
		{"dotdot at root stays", www, "/srv/up/f644.html", Read, true, 0, "/srv/f644.html", "/srv/f644.html", TypeRegular},
		{"dotdot in path", www, "/../../srv/./f644.html", Read, true, 0, "/srv/f644.html", "/srv/f644.html", TypeRegular},
		{"dotdot after link is physical", www, "/srv/deep/parent/f644.html", Read, true, 0, "/srv/f644.html", "/srv/f644.html", TypeRegular},
		{"dotdot after dir link", www, "/srv/link/../f644.html", Read, true, 0, "/srv/f644.html", "/srv/f644.html", TypeRegular},
		{"dotdot needs search", www, "/srv/d700/..", 0, true, syscall.EACCES, "/srv/d700", "", 0},
		{"link body ending in slash", www, "/srv/slashlink", 0, true, syscall.ENOTDIR, "/srv/f644.html", "", 0},
		{"link body ending in dot needs search", www, "/srv/dotlink", 0, true, syscall.EACCES, "/srv/d700", "", 0},
		{"relative path from root", www, "srv/f644.html", Read, true, 0, "/srv/f644.html", "/srv/f644.html", TypeRegular},
		{"empty path", www, "", 0, true, syscall.ENOENT, "", "", 0},
		{"long name", www, "/srv/" + strings.Repeat("a", 256), 0, true, syscall.ENAMETOOLONG, "/srv/" + strings.Repeat("a", 256), "", 0},
		{"long path", www, strings.Repeat("/a", 2048), 0, true, syscall.ENAMETOOLONG, strings.Repeat("/a", 2048), "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := fsys.Access(tt.c, tt.p, tt.want, tt.follow)
			if r.Err != tt.err || r.At != tt.at {
				t.Errorf("Access(%q, %q) = {%v, At %q}, want {%v, At %q}", tt.p, tt.want, r.Err, r.At, tt.err, tt.at)
			}
			if r.OK() != (tt.err == 0) {
				t.Errorf("OK() = %v with Err %v", r.OK(), r.Err)
			}
			switch {
			case tt.info == "" && r.Info != nil:
				t.Errorf("Info = %+v, want nil", r.Info)
			case tt.info != "" && r.Info == nil:
				t.Errorf("Info = nil, want %q", tt.info)
			case tt.info != "" && (r.Info.Path != tt.info || r.Info.Type != tt.typ):
				t.Errorf("Info = %q %v, want %q %v", r.Info.Path, r.Info.Type, tt.info, tt.typ)
			}
		})
	}
}

func TestAccessRootNotSearchable(t *testing.T) {
	mem := memoryTree(t, d("", 0o700), f("a.html", 0o644))
	if r := mem.Access(www, "/a.html", Read, true); r.Err != syscall.EACCES || r.At != "/" {
		t.Errorf("memory: Access() = %v At %q, want EACCES At /", r.Err, r.At)
	}
	root := buildTree(t, f("a.html", 0o644))
	if err := os.Chmod(root, 0o700); err != nil {
		t.Fatal(err)
	}
	fsys := New(root)
	if r := fsys.Access(www, "/a.html", Read, true); r.Err != syscall.EACCES || r.At != "/" {
		t.Errorf("Access() = %v At %q, want EACCES At /", r.Err, r.At)
	}
	if r := fsys.Access(www, "/", 0, true); r.Err != 0 {
		t.Errorf("stat of / = %v, want success", r.Err)
	}
}

func TestAccessSymlinkLimit(t *testing.T) {
	// l0 -> l1 -> ... -> lN -> f.html: N+1 links followed.
	build := func(links int) map[string]*FS {
		nodes := []node{f("f.html", 0o644)}
		for i := range links {
			target := fmt.Sprintf("l%d", i+1)
			if i == links-1 {
				target = "f.html"
			}
			nodes = append(nodes, l(fmt.Sprintf("l%d", i), target))
		}
		return views(t, nodes...)
	}
	tests := []struct {
		links int
		err   syscall.Errno
	}{{1, 0}, {39, 0}, {40, 0}, {41, syscall.ELOOP}, {45, syscall.ELOOP}}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.links), func(t *testing.T) {
			for name, fsys := range build(tt.links) {
				r := fsys.Access(www, "/l0", Read, true)
				if r.Err != tt.err {
					t.Errorf("%s: Access through %d links = %v, want %v", name, tt.links, r.Err, tt.err)
				}
				if tt.err == syscall.ELOOP && r.At != "/l40" {
					t.Errorf("%s: ELOOP At %q, want /l40", name, r.At)
				}
			}
		})
	}
}

func TestAccessACL(t *testing.T) {
	setfacl, err := exec.LookPath("setfacl")
	if err != nil {
		t.Skip("setfacl not installed")
	}
	root := buildTree(t,
		d("srv", 0o755),
		f("srv/f600acl.html", 0o600),
		f("srv/gacl.html", 0o600),
		f("srv/gdeny.html", 0o604),
		f("srv/gdenyx.html", 0o604),
		f("srv/uclear.html", 0o604),
		d("srv/d700acl", 0o700),
		f("srv/d700acl/a.html", 0o644),
		d("srv/d700plain", 0o700),
		f("srv/d700plain/a.html", 0o644),
	)
	acls := []struct{ spec, path string }{
		{"u:33:r", "srv/f600acl.html"},
		{"g:33:rw,m::r", "srv/gacl.html"},
		{"g:33:-", "srv/gdeny.html"},
		{"g:33:-,m::x", "srv/gdenyx.html"},
		{"u:33:r,m::-", "srv/uclear.html"},
		{"u:33:x", "srv/d700acl"},
	}
	for _, a := range acls {
		out, err := exec.Command(setfacl, "-m", a.spec, filepath.Join(root, a.path)).CombinedOutput()
		if err != nil {
			t.Skipf("setfacl %s: %v: %s", a.spec, err, out)
		}
	}
	fsys := New(root)
	info, err := fsys.Lstat("/srv/f600acl.html")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := info.ACL.String(), "user::rw-,user:33:r--,group::---,mask::r--,other::---"; got != want {
		t.Errorf("ACL = %q, want %q", got, want)
	}
	if info.Perm != 0o640 {
		t.Errorf("Perm = %#o, want 0640 (group bits show the mask)", info.Perm)
	}
	if info, _ := fsys.Lstat("/srv/d700plain"); info.ACL != nil {
		t.Errorf("plain dir ACL = %v, want nil", info.ACL)
	}
	other := Cred{User: "other", UID: 34, GID: 34, Groups: []uint32{34}}
	tests := []struct {
		name string
		c    Cred
		p    string
		want Perm
		err  syscall.Errno
		at   string
	}{
		{"named user read", www, "/srv/f600acl.html", Read, 0, "/srv/f600acl.html"},
		{"named user write", www, "/srv/f600acl.html", Write, syscall.EACCES, "/srv/f600acl.html"},
		{"other user", other, "/srv/f600acl.html", Read, syscall.EACCES, "/srv/f600acl.html"},
		{"named group read", www, "/srv/gacl.html", Read, 0, "/srv/gacl.html"},
		{"named group write masked", www, "/srv/gacl.html", Write, syscall.EACCES, "/srv/gacl.html"},
		// With mask --- the mode's group bits are clear and the kernel
		// skips the ACL: the named group falls to other.
		{"clear mask skips acl for named group", www, "/srv/gdeny.html", Read, 0, "/srv/gdeny.html"},
		{"named group denies, no fall through to other", www, "/srv/gdenyx.html", Read, syscall.EACCES, "/srv/gdenyx.html"},
		{"clear mask skips acl for named user", www, "/srv/uclear.html", Read, 0, "/srv/uclear.html"},
		{"non-member gets other", other, "/srv/gdeny.html", Read, 0, "/srv/gdeny.html"},
		{"dir search via acl", www, "/srv/d700acl/a.html", Read, 0, "/srv/d700acl/a.html"},
		{"dir listing not granted", www, "/srv/d700acl", Read, syscall.EACCES, "/srv/d700acl"},
		{"dir without acl", www, "/srv/d700plain/a.html", Read, syscall.EACCES, "/srv/d700plain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := fsys.Access(tt.c, tt.p, tt.want, true)
			if r.Err != tt.err || r.At != tt.at {
				t.Errorf("Access(%q, %q) = {%v, %q}, want {%v, %q}", tt.p, tt.want, r.Err, r.At, tt.err, tt.at)
			}
		})
	}
	paths := []string{"/srv/f600acl.html", "/srv/gacl.html", "/srv/gdeny.html", "/srv/gdenyx.html", "/srv/uclear.html", "/srv/d700acl", "/srv/d700acl/a.html", "/srv/d700plain/a.html"}
	for _, c := range []Cred{www, other} {
		t.Run("kernel/"+c.User, func(t *testing.T) {
			checkAgainstKernel(t, root, c, probesFor(paths...))
		})
	}
}

func BenchmarkAccess(b *testing.B) {
	root := buildTree(b,
		d("var", 0o755), d("var/www", 0o755), d("var/www/site", 0o755),
		d("var/www/site/public", 0o755), own(d("var/www/site/public/assets", 0o750), 0, 33),
		own(f("var/www/site/public/assets/app.css", 0o640), 0, 33),
		l("var/www/html", "site/public"),
	)
	fsys := New(root)
	b.ReportAllocs()
	for b.Loop() {
		r := fsys.Access(www, "/var/www/html/assets/app.css", Read, true)
		if r.Err != 0 {
			b.Fatal(r.Err)
		}
	}
}

// TestAccessRemembersDirWalks checks that starting from a remembered walk
// of the path's directory (dirWalk) answers as a walk from the root does:
// every path of the access tree, for several credentials, asked in one
// order and then the reverse on one FS, against the same question asked
// of an FS just Reset.
func TestAccessRemembersDirWalks(t *testing.T) {
	paths := []string{
		"/", "/srv", "/srv/f644.html", "/srv/f600.html", "/srv/f640g.html", "/srv/f640x.html",
		"/srv/own600.html", "/srv/d700", "/srv/d700/a.html", "/srv/d700/nope", "/srv/d700/..",
		"/srv/d711", "/srv/d711/a.html", "/srv/d711/", "/srv/d644/index.html", "/srv/d750g/a.html",
		"/srv/nope/a.html", "/srv/f644.html/x", "/srv/link", "/srv/link/a.html", "/srv/chain2/a.html",
		"/srv/d700link/a.html", "/srv/filelink", "/srv/dangling", "/srv/dangling/x", "/srv/loop1",
		"/srv/loop1/x", "/srv/self", "/srv/deep/parent/f644.html", "/srv/link/../f644.html",
		"/srv/slashlink", "/srv/dotlink", "/srv/./d711/./a.html", "/srv/up/f644.html",
		"/srv/absdir/a.html", "/srv/escape", "/srv//d711/a.html", "srv/link/a.html",
		"/srv/d700/nope/x", "/srv/d700link/nope/x", "/srv/d700/../f644.html", "/srv/d750g/../d700/a.html",
	}
	creds := []Cred{www, {User: "root"}, {User: "nobody", UID: 65534, GID: 65534}, {UID: 33, GID: 33, Groups: []uint32{33, 100}}}
	type question struct {
		c      Cred
		p      string
		want   Perm
		follow bool
	}
	var qs []question
	for _, p := range paths { // the same path for each in turn
		for _, c := range creds {
			qs = append(qs, question{c, p, Read, true}, question{c, p, 0, false})
		}
	}
	for name, fsys := range views(t, accessNodes...) {
		t.Run(name, func(t *testing.T) {
			fresh := func(q question) Result {
				fsys.Reset()
				return fsys.Access(q.c, q.p, q.want, q.follow)
			}
			want := make([]Result, len(qs))
			for i, q := range qs {
				want[i] = fresh(q)
			}
			fsys.Reset()
			order := make([]int, 0, 2*len(qs))
			for i := range qs {
				order = append(order, i)
			}
			for i := len(qs) - 1; i >= 0; i-- {
				order = append(order, i)
			}
			for _, i := range order {
				q := qs[i]
				got := fsys.Access(q.c, q.p, q.want, q.follow)
				w := want[i]
				if got.Err != w.Err || got.At != w.At || got.Blind != w.Blind || (got.Info == nil) != (w.Info == nil) || got.Info != nil && got.Info.Path != w.Info.Path {
					t.Errorf("%s %q want %v follow %v: remembered walk gives {%v %q %v}, a walk from the root {%v %q %v}",
						q.c.User, q.p, q.want, q.follow, got.Err, got.At, got.Info != nil, w.Err, w.At, w.Info != nil)
				}
			}
		})
	}
}

// FuzzAccessRemembered checks on random paths that a walk started from a
// remembered walk of the directory (warmed by siblings, for other
// credentials too) answers as a walk from the root.
func FuzzAccessRemembered(f *testing.F) {
	fsys := memoryTree(f, accessNodes...)
	for _, p := range []string{"/srv/d711/a.html", "/srv/link/../f644.html", "/srv/d700/nope/x", "/srv/loop1/x", "/srv/deep/parent/./d700link/a.html", "srv//up/d711/"} {
		f.Add(p, uint8(0))
	}
	creds := []Cred{www, {User: "root"}, {User: "nobody", UID: 65534, GID: 65534}, {UID: 33, GID: 33, Groups: []uint32{33, 100}}}
	f.Fuzz(func(t *testing.T, p string, who uint8) {
		c := creds[int(who)%len(creds)]
		fsys.Reset()
		want := fsys.Access(c, p, Read, true)
		if i := strings.LastIndexByte(p, '/'); i > 0 {
			fsys.Access(creds[(int(who)+1)%len(creds)], p[:i]+"/x", 0, true)
			fsys.Access(c, p[:i]+"/y", 0, false)
		}
		got := fsys.Access(c, p, Read, true)
		if got.Err != want.Err || got.At != want.At || got.Blind != want.Blind || (got.Info == nil) != (want.Info == nil) || got.Info != nil && got.Info.Path != want.Info.Path {
			t.Errorf("%s %q: remembered walk {%v %q}, walk from the root {%v %q}", c.User, p, got.Err, got.At, want.Err, want.At)
		}
	})
}

// TestAccessRememberedGroupsCopied checks that a remembered walk keeps its
// own copy of the credentials' groups: a caller reusing its slice for
// other groups gets the walk of those.
func TestAccessRememberedGroupsCopied(t *testing.T) {
	fsys := memoryTree(t, d("srv", 0o755), own(d("srv/g", 0o710), 0, 100), d("srv/g/h", 0o755), f("srv/g/h/a.html", 0o644))
	groups := []uint32{100}
	c := Cred{User: "w", UID: 33, GID: 33, Groups: groups}
	if r := fsys.Access(c, "/srv/g/h/a.html", Read, true); r.Err != 0 {
		t.Fatalf("group 100: %v at %q, want success", r.Err, r.At)
	}
	groups[0] = 200
	if r := fsys.Access(c, "/srv/g/h/a.html", Read, true); r.Err != syscall.EACCES {
		t.Errorf("group 200 in the same slice: %v at %q, want EACCES at /srv/g", r.Err, r.At)
	}
}
