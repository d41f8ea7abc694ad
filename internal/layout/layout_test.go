package layout

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/unforbid/unforbid/internal/treetest/need"
)

const tree = `a test tree
-- etc/nginx/nginx.conf --
user www-data;
-- srv/www/index.html --
hello
-- srv/www/f600.html --
secret
-- srv/www/acl.html --
acl
-- srv/www/keep/ --
-- .requests --
GET /index.html 200
-- .fsmeta --
# leading comment line

mkdir srv/www/empty
mkdir /srv/www/deep/er     # absolute form, parents made
chmod 0600 srv/www/f600.html # want "fs/unreadable: 0600"
chmod 0711 srv/www/deep
chown www-data:www-data srv/www/index.html
chown alice: home/alice/x.txt
chown :adm srv/www/empty
chown 4242:4343 srv/www/acl.html
chmod 0600 srv/www/acl.html
setfacl u:www-data:r srv/www/acl.html
symlink srv/www/abs.html -> /srv/www/index.html
symlink srv/www/rel.html -> index.html   # relative target
symlink srv/link -> /srv/www
chown bob srv/link
chmod 4755 srv/link/empty
symlink srv/www/dangling -> /nowhere
-- home/alice/x.txt --
x
`

func stat(t *testing.T, p string) (os.FileInfo, *syscall.Stat_t) {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi, fi.Sys().(*syscall.Stat_t)
}

func TestMaterialize(t *testing.T) {
	need.Root(t, "layout's Materialize tests")
	needSetfacl(t)
	tr, err := Parse("tree.txtar", []byte(tree))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := tr.Materialize(dir); err != nil {
		t.Fatal(err)
	}
	p := func(rel string) string { return filepath.Join(dir, rel) }

	checks := []struct {
		rel      string
		mode     os.FileMode
		uid, gid uint32
	}{
		{".", os.ModeDir | 0o755, 0, 0},
		{"etc", os.ModeDir | 0o755, 0, 0},
		{"etc/nginx/nginx.conf", 0o644, 0, 0},
		{"etc/passwd", 0o644, 0, 0},
		{"etc/group", 0o644, 0, 0},
		{"srv/www/index.html", 0o644, 33, 33},
		{"srv/www/f600.html", 0o600, 0, 0},
		{"srv/www/acl.html", 0o640, 4242, 4343}, // the ACL mask shows as group bits
		{"srv/www/keep", os.ModeDir | 0o755, 0, 0},
		{"srv/www/empty", os.ModeDir | os.ModeSetuid | 0o755, 0, 4},
		{"srv/www/deep", os.ModeDir | 0o711, 0, 0},
		{"srv/www/deep/er", os.ModeDir | 0o755, 0, 0},
		{"home/alice/x.txt", 0o644, 1000, 1000},
		{"srv/link", os.ModeSymlink | 0o777, 1001, 0},
		{"srv/www/abs.html", os.ModeSymlink | 0o777, 0, 0},
		{"srv/www/dangling", os.ModeSymlink | 0o777, 0, 0},
	}
	for _, c := range checks {
		fi, st := stat(t, p(c.rel))
		if fi.Mode() != c.mode {
			t.Errorf("%s: mode %v, want %v", c.rel, fi.Mode(), c.mode)
		}
		if st.Uid != c.uid || st.Gid != c.gid {
			t.Errorf("%s: owner %d:%d, want %d:%d", c.rel, st.Uid, st.Gid, c.uid, c.gid)
		}
	}
	if _, err := os.Lstat(p(".requests")); err == nil {
		t.Errorf(".requests was written as a file")
	}
	if b, _ := os.ReadFile(p("srv/www/index.html")); string(b) != "hello\n" {
		t.Errorf("index.html = %q", b)
	}
	for link, want := range map[string]string{
		"srv/www/abs.html": "/srv/www/index.html",
		"srv/www/rel.html": "index.html",
		"srv/link":         "/srv/www",
		"srv/www/dangling": "/nowhere",
	} {
		if got, err := os.Readlink(p(link)); err != nil || got != want {
			t.Errorf("readlink %s = %q, %v; want %q", link, got, err, want)
		}
	}
	passwd, group := DefaultUsers()
	if b, _ := os.ReadFile(p("etc/passwd")); string(b) != passwd {
		t.Errorf("etc/passwd is not DefaultUsers' passwd")
	}
	if b, _ := os.ReadFile(p("etc/group")); string(b) != group {
		t.Errorf("etc/group is not DefaultUsers' group")
	}

	out, err := exec.Command("getfacl", "-n", "-p", p("srv/www/acl.html")).CombinedOutput()
	if err != nil {
		t.Fatalf("getfacl: %v: %s", err, out)
	}
	if !strings.Contains(string(out), "user:33:r--") {
		t.Errorf("getfacl has no user:33:r-- entry:\n%s", out)
	}
}

func TestMaterializeTreeUsers(t *testing.T) {
	need.Root(t, "layout's Materialize tests")
	needSetfacl(t)
	// The tree's own databases decide names, not the host's nor the defaults.
	tr, err := Parse("users.txtar", []byte(`
-- etc/passwd --
root:x:0:0:root:/root:/bin/bash
www-data:x:5033:5034::/var/www:/usr/sbin/nologin
-- srv/f --
-- .fsmeta --
chown www-data: srv/f
setfacl u:www-data:rw,g:nogroup:r srv/f  # nogroup: from the defaults
`))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := tr.Materialize(dir); err != nil {
		t.Fatal(err)
	}
	_, st := stat(t, filepath.Join(dir, "srv/f"))
	if st.Uid != 5033 || st.Gid != 5034 {
		t.Errorf("owner %d:%d, want 5033:5034", st.Uid, st.Gid)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "etc/passwd")); !strings.Contains(string(b), "5033") {
		t.Errorf("the tree's etc/passwd was replaced: %q", b)
	}
	_, group := DefaultUsers()
	if b, _ := os.ReadFile(filepath.Join(dir, "etc/group")); string(b) != group {
		t.Errorf("missing etc/group was not defaulted: %q", b)
	}
	out, err := exec.Command("getfacl", "-n", "-p", filepath.Join(dir, "srv/f")).CombinedOutput()
	if err != nil {
		t.Fatalf("getfacl: %v: %s", err, out)
	}
	for _, want := range []string{"user:5033:rw-", "group:65534:r--"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("getfacl has no %s entry:\n%s", want, out)
		}
	}
}

func TestMaterializeStaysInside(t *testing.T) {
	// Symlinks met on the way resolve with the tree root as "/": commands
	// through them never touch the host.
	outside := t.TempDir()
	victim := filepath.Join(outside, "victim")
	if err := os.WriteFile(victim, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tr, err := Parse("escape.txtar", []byte(`
-- srv/a.txt --
-- `+strings.TrimPrefix(victim, "/")+` --
inside
-- .fsmeta --
symlink up -> ../../../../..
symlink abs -> /
symlink host -> `+victim+`
chmod 0600 up/srv/a.txt
chmod 0604 host
mkdir abs/made/here
symlink abs/srv/b -> a.txt
`))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := tr.Materialize(dir); err != nil {
		t.Fatal(err)
	}
	if fi, _ := stat(t, victim); fi.Mode() != 0o644 {
		t.Errorf("host file changed: %v", fi.Mode())
	}
	for rel, want := range map[string]os.FileMode{
		"srv/a.txt":  0o600,
		victim:       0o604, // the in-tree copy of the path
		"made/here":  os.ModeDir | 0o755,
		"srv/b":      os.ModeSymlink | 0o777,
		"up":         os.ModeSymlink | 0o777,
		"abs":        os.ModeSymlink | 0o777,
		"host":       os.ModeSymlink | 0o777,
		"srv":        os.ModeDir | 0o755,
		"made":       os.ModeDir | 0o755,
		"tmp":        os.ModeDir | 0o755,
		"etc/passwd": 0o644,
	} {
		if fi, _ := stat(t, filepath.Join(dir, rel)); fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", rel, fi.Mode(), want)
		}
	}
}

func TestCommands(t *testing.T) {
	tr, err := Parse("c.txtar", []byte(`-- .fsmeta --
# only a comment
chmod 0700 /srv/www/a#b   # want "x: y # z"
chown www-data:adm srv/x#
symlink srv/l -> /a b -> c
	mkdir   ./srv//d/../e/
setfacl d:u:alice:rx srv
`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := tr.Commands()
	if err != nil {
		t.Fatal(err)
	}
	want := []Command{
		{Line: 2, Op: "chmod", Path: "srv/www/a#b", Arg: "0700", Comment: `want "x: y # z"`},
		{Line: 3, Op: "chown", Path: "srv/x#", Arg: "www-data:adm"},
		{Line: 4, Op: "symlink", Path: "srv/l", Arg: "/a b -> c"},
		{Line: 5, Op: "mkdir", Path: "srv/e"},
		{Line: 6, Op: "setfacl", Path: "srv", Arg: "d:u:alice:rx"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Commands() =\n%+v\nwant\n%+v", got, want)
	}

	none, _ := Parse("none.txtar", []byte("-- a --\n"))
	if cmds, err := none.Commands(); cmds != nil || err != nil {
		t.Errorf("no .fsmeta: got %v, %v", cmds, err)
	}
}

func TestCommandsErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"mkdir", `bad.txtar:.fsmeta:1: mkdir wants 1 argument (mkdir PATH), got 0`},
		{"\n\nmkdir a b", `bad.txtar:.fsmeta:3: mkdir wants 1 argument (mkdir PATH), got 2`},
		{"# c\nchmod 0600", `bad.txtar:.fsmeta:2: chmod wants 2 arguments (chmod MODE PATH), got 1`},
		{"chmod 0800 a", `bad.txtar:.fsmeta:1: chmod: bad mode "0800" (want octal, at most 7777)`},
		{"chmod 17777 a", `bad.txtar:.fsmeta:1: chmod: bad mode "17777" (want octal, at most 7777)`},
		{"chmod rwx a", `bad.txtar:.fsmeta:1: chmod: bad mode "rwx" (want octal, at most 7777)`},
		{"chown : a", `bad.txtar:.fsmeta:1: chown: empty owner ":"`},
		{"chown a", `bad.txtar:.fsmeta:1: chown wants 2 arguments (chown USER[:GROUP] PATH), got 1`},
		{"symlink a b", `bad.txtar:.fsmeta:1: symlink wants PATH -> TARGET`},
		{"symlink a ->", `bad.txtar:.fsmeta:1: symlink wants PATH -> TARGET`},
		{"setfacl u:x:r", `bad.txtar:.fsmeta:1: setfacl wants 2 arguments (setfacl SPEC PATH), got 1`},
		{"rm -rf /", `bad.txtar:.fsmeta:1: unknown command "rm" (want mkdir, chmod, chown, symlink or setfacl)`},
		{"mkdir ../x", `bad.txtar:.fsmeta:1: mkdir "../x": path escapes the tree root`},
		{"mkdir /a/../../x", `bad.txtar:.fsmeta:1: mkdir "/a/../../x": path escapes the tree root`},
		{"chmod 0700 /", `bad.txtar:.fsmeta:1: chmod "/": path is the tree root`},
		{"chmod#0700 a", `bad.txtar:.fsmeta:1: unknown command "chmod#0700" (want mkdir, chmod, chown, symlink or setfacl)`},
	} {
		tr, err := Parse("bad.txtar", []byte("-- .fsmeta --\n"+tc.in+"\n"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = tr.Commands()
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q: got error %v\nwant %s", tc.in, err, tc.want)
		}
		// Materialize reports the same error and writes nothing.
		dir := t.TempDir()
		if err := tr.Materialize(dir); err == nil || err.Error() != tc.want {
			t.Errorf("%q: Materialize error %v", tc.in, err)
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 0 {
			t.Errorf("%q: Materialize wrote %d entries", tc.in, len(ents))
		}
	}
}

func TestMaterializeErrors(t *testing.T) {
	for _, tc := range []struct{ tree, want string }{
		{"-- .fsmeta --\nchmod 0600 srv/missing\n",
			`apply.txtar:.fsmeta:1: chmod srv/missing: no such file or directory`},
		{"-- srv/a --\n-- .fsmeta --\n\nchown nosuchuser:root srv/a\n",
			`apply.txtar:.fsmeta:2: chown srv/a: unknown user "nosuchuser"`},
		{"-- srv/a --\n-- .fsmeta --\nchown root:nosuchgroup srv/a\n",
			`apply.txtar:.fsmeta:1: chown srv/a: unknown group "nosuchgroup"`},
		{"-- srv/a --\n-- .fsmeta --\nchown 1234: srv/a\n",
			`apply.txtar:.fsmeta:1: chown srv/a: no login group known for user "1234"`},
		{"-- srv/a --\n-- .fsmeta --\nmkdir srv/a/b\n",
			`apply.txtar:.fsmeta:1: mkdir srv/a/b: not a directory`},
		{"-- srv/a --\n-- .fsmeta --\nsymlink srv/a -> b\n",
			`apply.txtar:.fsmeta:1: symlink srv/a: file exists`},
		{"-- .fsmeta --\nsymlink a -> b\nsymlink b -> a\nchmod 0600 a\n",
			`apply.txtar:.fsmeta:3: chmod a: a: too many levels of symbolic links`},
		{"-- srv/a --\n-- .fsmeta --\nsetfacl u:nosuchuser:r srv/a\n",
			`apply.txtar:.fsmeta:1: setfacl srv/a: exit status 2: setfacl: Option -m: Invalid argument near character 3`},
	} {
		tr, err := Parse("apply.txtar", []byte(tc.tree))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(tc.tree, "setfacl") {
			if _, err := exec.LookPath("setfacl"); err != nil {
				continue // TestSetfaclMissing covers this
			}
		}
		err = tr.Materialize(t.TempDir())
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q:\ngot  %v\nwant %s", tc.tree, err, tc.want)
		}
	}
}

// needSetfacl skips (or fails, see need.Skip) a test that sets ACLs on
// disk when setfacl is not installed.
func needSetfacl(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("setfacl"); err != nil {
		need.Skip(t, "layout's ACL tests need setfacl (apt-get install acl)")
	}
}

func TestSetfaclMissing(t *testing.T) {
	tr, err := Parse("acl.txtar", []byte("-- a --\n-- .fsmeta --\nsetfacl u:www-data:r a\n"))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", t.TempDir())
	err = tr.Materialize(t.TempDir())
	if err == nil || !strings.HasPrefix(err.Error(), "acl.txtar:.fsmeta:1: setfacl a: setfacl not found (install the acl package)") {
		t.Errorf("got %v", err)
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"-- a --\n-- a --\n", `p.txtar: duplicate section "a"`},
		{"-- .fsmeta --\n-- .fsmeta --\n", `p.txtar: duplicate section ".fsmeta"`},
		{"-- /etc/passwd --\n", `p.txtar: file "/etc/passwd": path must be relative to the tree root`},
		{"-- srv/../../x --\n", `p.txtar: file "srv/../../x": path escapes the tree root`},
	} {
		_, err := Parse("p.txtar", []byte(tc.in))
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q: got %v, want %s", tc.in, err, tc.want)
		}
	}

	tr, err := Parse("p.txtar", []byte(tree))
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := tr.Section(".requests"); !ok || s != "GET /index.html 200\n" {
		t.Errorf("Section(.requests) = %q, %v", s, ok)
	}
	if _, ok := tr.Section(".nothing"); ok {
		t.Errorf("Section(.nothing) found")
	}

	file := filepath.Join(t.TempDir(), "t.txtar")
	if err := os.WriteFile(file, []byte(tree), 0o644); err != nil {
		t.Fatal(err)
	}
	rt, err := ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if rt.Name != file || len(rt.Archive.Files) != len(tr.Archive.Files) {
		t.Errorf("ReadFile: name %q, %d files", rt.Name, len(rt.Archive.Files))
	}
	if _, err := ReadFile(filepath.Join(t.TempDir(), "none")); err == nil {
		t.Errorf("ReadFile of a missing file: no error")
	}
}
