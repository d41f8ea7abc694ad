package layout

import (
	"errors"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/internal/treetest/need"
	"github.com/unforbid/unforbid/parser/fsmeta"
)

// TestMemory is TestMaterialize on the in-memory view: it needs no root.
func TestMemory(t *testing.T) {
	tr, err := Parse("tree.txtar", []byte(tree))
	if err != nil {
		t.Fatal(err)
	}
	fsys, err := tr.Memory("")
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		p        string
		typ      fsmeta.FileType
		perm     uint32
		uid, gid uint32
	}{
		{"/", fsmeta.TypeDir, 0o755, 0, 0},
		{"/etc", fsmeta.TypeDir, 0o755, 0, 0},
		{"/etc/nginx/nginx.conf", fsmeta.TypeRegular, 0o644, 0, 0},
		{"/etc/passwd", fsmeta.TypeRegular, 0o644, 0, 0},
		{"/srv/www/index.html", fsmeta.TypeRegular, 0o644, 33, 33},
		{"/srv/www/f600.html", fsmeta.TypeRegular, 0o600, 0, 0},
		{"/srv/www/acl.html", fsmeta.TypeRegular, 0o640, 4242, 4343},
		{"/srv/www/keep", fsmeta.TypeDir, 0o755, 0, 0},
		{"/srv/www/empty", fsmeta.TypeDir, 0o4755, 0, 4},
		{"/srv/www/deep", fsmeta.TypeDir, 0o711, 0, 0},
		{"/srv/www/deep/er", fsmeta.TypeDir, 0o755, 0, 0},
		{"/home/alice/x.txt", fsmeta.TypeRegular, 0o644, 1000, 1000},
		{"/srv/link", fsmeta.TypeSymlink, 0o777, 1001, 0},
		{"/srv/www/dangling", fsmeta.TypeSymlink, 0o777, 0, 0},
	}
	for _, c := range checks {
		info, err := fsys.Lstat(c.p)
		if err != nil {
			t.Errorf("%s: %v", c.p, err)
			continue
		}
		if info.Type != c.typ || info.Perm != c.perm || info.UID != c.uid || info.GID != c.gid {
			t.Errorf("%s: %v %#o %d:%d, want %v %#o %d:%d", c.p, info.Type, info.Perm, info.UID, info.GID, c.typ, c.perm, c.uid, c.gid)
		}
	}
	if info, _ := fsys.Lstat("/srv/www/acl.html"); info == nil || info.ACL.String() != "user::rw-,user:33:r--,group::---,mask::r--,other::---" {
		t.Errorf("acl.html ACL = %v", info.ACL)
	}
	if b, err := fsys.ReadFile("/srv/www/abs.html"); err != nil || string(b) != "hello\n" {
		t.Errorf("abs.html = %q, %v", b, err)
	}
	if _, err := fsys.Lstat("/.requests"); err == nil {
		t.Errorf(".requests became a file")
	}
	passwd, _ := DefaultUsers()
	if b, _ := fsys.ReadFile("/etc/passwd"); string(b) != passwd {
		t.Errorf("etc/passwd is not DefaultUsers' passwd")
	}
	if info, _ := fsys.Lstat("/srv/www/rel.html"); info == nil || info.Target != "index.html" {
		t.Errorf("rel.html = %+v", info)
	}
}

func TestMemoryErrors(t *testing.T) {
	for _, tc := range []struct{ tree, want string }{
		{"-- .fsmeta --\nchmod 0600 srv/missing\n",
			`m.txtar:.fsmeta:1: chmod srv/missing: no such file or directory`},
		{"-- srv/a --\n-- .fsmeta --\n\nchown nosuchuser:root srv/a\n",
			`m.txtar:.fsmeta:2: chown srv/a: unknown user "nosuchuser"`},
		{"-- srv/a --\n-- .fsmeta --\nmkdir srv/a/b\n",
			`m.txtar:.fsmeta:1: mkdir srv/a/b: not a directory`},
		{"-- srv/a --\n-- .fsmeta --\nsymlink srv/a -> b\n",
			`m.txtar:.fsmeta:1: symlink srv/a: file exists`},
		{"-- .fsmeta --\nsymlink a -> b\nsymlink b -> a\nchmod 0600 a\n",
			`m.txtar:.fsmeta:3: chmod a: a: too many levels of symbolic links`},
		{"-- srv/a --\n-- .fsmeta --\nsetfacl u:nosuchuser:r srv/a\n",
			`m.txtar:.fsmeta:1: setfacl srv/a: setfacl "u:nosuchuser:r": unknown user "nosuchuser"`},
		{"-- srv/a --\n-- .fsmeta --\nsetfacl d:u:33:r srv/a\n",
			`m.txtar:.fsmeta:1: setfacl srv/a: setfacl "d:u:33:r": default ACLs are not supported in memory`},
		{"-- srv/a --\n-- .fsmeta --\nsetfacl u:33:q srv/a\n",
			`m.txtar:.fsmeta:1: setfacl srv/a: setfacl "u:33:q": bad permission "q"`},
		{"-- .fsmeta --\nbogus x\n", `m.txtar:.fsmeta:1: unknown command "bogus" (want mkdir, chmod, chown, symlink or setfacl)`},
	} {
		tr, err := Parse("m.txtar", []byte(tc.tree))
		if err != nil {
			t.Fatal(err)
		}
		_, err = tr.Memory("")
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q:\ngot  %v\nwant %s", tc.tree, err, tc.want)
		}
	}
}

func TestModifyACL(t *testing.T) {
	tests := []struct {
		perm     uint32
		spec     string
		isDir    bool
		wantACL  string // "" for none
		wantPerm uint32
	}{
		{0o600, "u:33:r", false, "user::rw-,user:33:r--,group::---,mask::r--,other::---", 0o640},
		{0o600, "g:33:rw,m::r", false, "user::rw-,group::---,group:33:rw-,mask::r--,other::---", 0o640},
		{0o604, "g:33:-", false, "user::rw-,group::---,group:33:---,mask::---,other::r--", 0o604},
		{0o644, "m::-", false, "user::rw-,group::r--,mask::---,other::r--", 0o604},
		{0o700, "u:33:x", true, "user::rwx,user:33:--x,group::---,mask::--x,other::---", 0o710},
		{0o644, "u::rwx,o::-", false, "", 0o740},
		{0o4700, "g::rX", true, "", 0o4750},
		{0o600, "g::rX", false, "", 0o640},
		{0o600, "u:40:r,u:33:w,u:40:rw", false, "user::rw-,user:33:-w-,user:40:rw-,group::---,mask::rw-,other::---", 0o660},
		{0o600, "o:4", false, "", 0o604},
	}
	for _, tt := range tests {
		acl, perm, err := modifyACL(nil, tt.perm, tt.isDir, tt.spec)
		got := ""
		if acl != nil {
			got = acl.String()
		}
		if err != nil || got != tt.wantACL || perm != tt.wantPerm {
			t.Errorf("modifyACL(%#o, %q) = %q %#o %v, want %q %#o", tt.perm, tt.spec, got, perm, err, tt.wantACL, tt.wantPerm)
		}
	}
	// chmod after setfacl moves the group bits to the mask.
	mt := &memTarget{objs: map[string]*memObj{"f": {typ: fsmeta.TypeRegular, perm: 0o600}}}
	if err := mt.setfacl("f", "u:33:r"); err != nil {
		t.Fatal(err)
	}
	if err := mt.chmod("f", 0o604); err != nil {
		t.Fatal(err)
	}
	if got := mt.objs["f"].acl.String(); got != "user::rw-,user:33:r--,group::---,mask::---,other::r--" {
		t.Errorf("after chmod: %s", got)
	}
}

// TestMemoryMatchesDisk holds Memory to Materialize: for every test tree,
// the in-memory view and the tree laid out on disk (read by the real-disk
// FS) hold the same paths with the same Lstat, directory listings and
// contents, and Access gives the same answer for every path, credential
// and right.
func TestMemoryMatchesDisk(t *testing.T) {
	need.Root(t, "layout's cross-check tests (memory view against the tree on disk)")
	needSetfacl(t)
	files, err := filepath.Glob("../../testdata/trees/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test trees: %v", err)
	}
	files = append(files, "../../demo/demo.txtar")
	creds := []fsmeta.Cred{
		{User: "root"},
		{User: "www-data", UID: 33, GID: 33, Groups: []uint32{33}},
		{User: "nobody", UID: 65534, GID: 65534, Groups: []uint32{65534}},
		{User: "alice", UID: 1000, GID: 1000, Groups: []uint32{1000, 33}},
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			tr, err := ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			mem, err := tr.Memory("")
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := tr.Materialize(dir); err != nil {
				t.Fatal(err)
			}
			disk := fsmeta.New(dir)
			paths := walk(t, disk, "/")
			if mp := walk(t, mem, "/"); !reflect.DeepEqual(paths, mp) {
				t.Fatalf("paths differ:\ndisk   %q\nmemory %q", paths, mp)
			}
			// Probes below every path: names that do not exist, paths
			// through links and files.
			var probes []string
			for _, p := range paths {
				probes = append(probes, p, p+"/", path.Join(p, "index.html"), path.Join(p, "nope"))
			}
			for _, p := range probes {
				compareLstat(t, disk, mem, p)
				for _, c := range creds {
					for _, want := range []fsmeta.Perm{0, fsmeta.Read, fsmeta.Exec} {
						for _, follow := range []bool{true, false} {
							dr, mr := disk.Access(c, p, want, follow), mem.Access(c, p, want, follow)
							if dr.Err != mr.Err || dr.At != mr.At {
								t.Errorf("Access(%s, %q, %v, follow=%v): disk %v at %q, memory %v at %q", c.User, p, want, follow, dr.Err, dr.At, mr.Err, mr.At)
							}
						}
					}
				}
				db, derr := disk.ReadFile(p)
				mb, merr := mem.ReadFile(p)
				if !sameErr(derr, merr) || string(db) != string(mb) {
					t.Errorf("ReadFile(%q): disk %q %v, memory %q %v", p, db, derr, mb, merr)
				}
			}
		})
	}
}

// walk lists every path under dir without following links, sorted, with
// the names of each directory checked by ReadDirNames.
func walk(t *testing.T, fsys *fsmeta.FS, dir string) []string {
	t.Helper()
	out := []string{dir}
	names, err := fsys.ReadDirNames(dir)
	if err != nil {
		t.Fatalf("ReadDirNames(%q): %v", dir, err)
	}
	for _, n := range names {
		p := path.Join(dir, n)
		info, err := fsys.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		if info.IsDir() {
			out = append(out, walk(t, fsys, p)...)
		} else {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

func compareLstat(t *testing.T, disk, mem *fsmeta.FS, p string) {
	t.Helper()
	di, derr := disk.Lstat(p)
	mi, merr := mem.Lstat(p)
	if !sameErr(derr, merr) {
		t.Errorf("Lstat(%q): disk %v, memory %v", p, derr, merr)
		return
	}
	if derr != nil {
		return
	}
	d, m := *di, *mi
	if d.Type == fsmeta.TypeDir {
		d.Size, m.Size = 0, 0 // a directory's size is the filesystem's
	}
	if !reflect.DeepEqual(d, m) {
		t.Errorf("Lstat(%q):\ndisk   %+v\nmemory %+v", p, d, m)
	}
}

// sameErr reports whether a and b are both nil or carry the same errno.
func sameErr(a, b error) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return unwrapAll(a).Error() == unwrapAll(b).Error()
}

func unwrapAll(err error) error {
	for {
		inner := errors.Unwrap(err)
		if inner == nil {
			return err
		}
		err = inner
	}
}
