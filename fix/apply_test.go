package fix

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/parser/fsmeta"
	"golang.org/x/sys/unix"
)

// entry is what snapshot records of one path under a root.
type entry struct {
	Type     fs.FileMode
	Mode     uint32
	UID, GID uint32
	Data     string
	Link     string
	ACL      string
	Xattrs   string
}

// snapshot records every path under dir: type, mode, owner, content,
// link target, ACL and extended attributes.
func snapshot(t *testing.T, dir string) map[string]entry {
	t.Helper()
	out := map[string]entry{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		e := entry{Type: d.Type(), Mode: st.Mode & 0o7777, UID: st.Uid, GID: st.Gid}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			e.Link, _ = os.Readlink(p)
		default:
			if d.Type().IsRegular() {
				b, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				e.Data = string(b)
			}
			e.ACL = aclString(t, p)
			e.Xattrs = xattrString(p)
		}
		rel, _ := filepath.Rel(dir, p)
		out[rel] = e
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// aclString renders the access ACL of p ("" without one).
func aclString(t *testing.T, p string) string {
	t.Helper()
	b, err := getxattr(p, aclXattr)
	if err != nil {
		return ""
	}
	a, err := fsmeta.ParseACL(b)
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	return a.String()
}

// xattrString renders the user.* attributes of p.
func xattrString(p string) string {
	fd, err := unix.Open(p, unix.O_PATH|unix.O_NOFOLLOW, 0)
	if err != nil {
		return "?"
	}
	defer unix.Close(fd)
	fd2, err := unix.Open(fdPath(fd), unix.O_RDONLY|unix.O_NONBLOCK, 0)
	if err != nil {
		return "?"
	}
	defer unix.Close(fd2)
	xs, _ := listXattrs(fd2)
	var s []string
	for _, x := range xs {
		if strings.HasPrefix(x.Name, "user.") {
			s = append(s, x.Name+"="+string(x.Value))
		}
	}
	return strings.Join(s, ",")
}

// diffSnapshots lists the paths that differ between two snapshots.
func diffSnapshots(a, b map[string]entry) []string {
	var out []string
	for k, v := range a {
		if w, ok := b[k]; !ok {
			out = append(out, fmt.Sprintf("%s: gone (was %+v)", k, v))
		} else if !reflect.DeepEqual(v, w) {
			out = append(out, fmt.Sprintf("%s: %+v, was %+v", k, w, v))
		}
	}
	for k, w := range b {
		if _, ok := a[k]; !ok {
			out = append(out, fmt.Sprintf("%s: new %+v", k, w))
		}
	}
	sort.Strings(out)
	return out
}

// tree writes files (server path -> content) under root with mode 0644
// and directories 0755; a content starting with "->" makes a symlink.
func tree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for p, c := range files {
		h := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(h), 0o755); err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(c, "->") {
			if err := os.Symlink(c[2:], h); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if strings.HasSuffix(p, "/") {
			if err := os.MkdirAll(h, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(h, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(h, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// setACL gives p the access ACL es, skipping the test where the
// filesystem has no ACLs.
func setACL(t *testing.T, p string, es ...aclEnt) {
	t.Helper()
	err := unix.Setxattr(p, aclXattr, encodeACL(es), 0)
	if errors.Is(err, unix.EOPNOTSUPP) {
		t.Skipf("%s: the filesystem does not support ACLs", p)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// aclSupported reports whether dir's filesystem takes ACLs.
func aclSupported(t *testing.T, dir string) bool {
	p := filepath.Join(dir, ".acl-probe")
	os.WriteFile(p, nil, 0o600)
	defer os.Remove(p)
	err := unix.Setxattr(p, aclXattr, encodeACL([]aclEnt{{aclUserObj, 6, 0}, {aclUser, 4, 12345}, {aclGroupObj, 0, 0}, {aclMask, 4, 0}, {aclOther, 0, 0}}), 0)
	if err != nil {
		t.Logf("ACL cases skipped: the filesystem refuses ACLs (%v)", err)
	}
	return err == nil
}

// isRoot reports whether the test runs as root; owner checks need it.
func isRoot() bool { return os.Geteuid() == 0 }

// journals lists the journals of a state directory.
func journals(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "apply-*.json"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func allowAll(string) bool { return true }

func TestAtomicWriteKeepsModeOwnerXattrs(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		path  string // the server path written
		real  string // where the bytes land
		mode  os.FileMode
		acl   bool // give the file an ACL
		owner bool // chown the file to 1001:1002 (root only)
	}{
		{name: "plain", files: map[string]string{"/etc/nginx/nginx.conf": "old\n"}, path: "/etc/nginx/nginx.conf", real: "/etc/nginx/nginx.conf", mode: 0o640},
		{name: "setgid mode", files: map[string]string{"/etc/nginx/nginx.conf": "old\n"}, path: "/etc/nginx/nginx.conf", real: "/etc/nginx/nginx.conf", mode: 0o2750},
		{name: "acl and user xattr", files: map[string]string{"/etc/nginx/nginx.conf": "old\n"}, path: "/etc/nginx/nginx.conf", real: "/etc/nginx/nginx.conf", mode: 0o640, acl: true},
		{name: "owner", files: map[string]string{"/etc/nginx/nginx.conf": "old\n"}, path: "/etc/nginx/nginx.conf", real: "/etc/nginx/nginx.conf", mode: 0o600, owner: true},
		{name: "through sites-enabled link", files: map[string]string{
			"/etc/nginx/sites-available/default": "old\n",
			"/etc/nginx/sites-enabled/default":   "->../sites-available/default",
		}, path: "/etc/nginx/sites-enabled/default", real: "/etc/nginx/sites-available/default", mode: 0o644},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.owner && !isRoot() {
				t.Skip("keeping another owner needs root: skipped as an ordinary user")
			}
			root, state := t.TempDir(), t.TempDir()
			tree(t, root, tt.files)
			h := filepath.Join(root, tt.real)
			if tt.owner {
				if err := os.Chown(h, 1001, 1002); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Chmod(h, tt.mode); err != nil {
				t.Fatal(err)
			}
			if tt.acl {
				setACL(t, h, aclEnt{aclUserObj, 6, 0}, aclEnt{aclUser, 4, 4242}, aclEnt{aclGroupObj, 4, 0}, aclEnt{aclMask, 4, 0}, aclEnt{aclOther, 0, 0})
				if err := unix.Setxattr(h, "user.note", []byte("kept"), 0); err != nil {
					t.Fatal(err)
				}
			}
			before := snapshot(t, root)
			var st0 unix.Stat_t
			unix.Stat(h, &st0)
			res, err := Apply(Change{Files: []FileWrite{{Path: tt.path, Old: []byte("old\n"), New: []byte("new\n")}}}, ApplyOptions{Root: root, StateDir: state})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(res.Files, []string{tt.path}) {
				t.Errorf("Files = %q", res.Files)
			}
			after := snapshot(t, root)
			rel := strings.TrimPrefix(tt.real, "/")
			want := before[rel]
			want.Data = "new\n"
			if after[rel] != want {
				t.Errorf("after apply: %+v\nwant %+v", after[rel], want)
			}
			if tt.acl && after[rel].ACL == "" || tt.acl && after[rel].Xattrs != "user.note=kept" {
				t.Errorf("extended attributes lost: %+v", after[rel])
			}
			delete(before, rel)
			delete(after, rel)
			if d := diffSnapshots(before, after); len(d) > 0 {
				t.Errorf("other paths changed:\n%s", strings.Join(d, "\n"))
			}
			var st1 unix.Stat_t
			unix.Stat(h, &st1)
			if st0.Ino == st1.Ino {
				t.Errorf("same inode: the file was rewritten in place, not renamed over")
			}
		})
	}
}

func TestSymlinkRefusedNothingOutsideChanges(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string // under root; "OUT" in a link target is the outside directory
		op    Op
		want  string
	}{
		{"chmod target is a link", map[string]string{"/srv/www/index.html": "->OUT/secret"},
			Op{Kind: OpChmod, Path: "/srv/www/index.html", Add: 0o004}, "symbolic link"},
		{"chmod through a linked parent", map[string]string{"/srv/www": "->OUT"},
			Op{Kind: OpChmod, Path: "/srv/www/secret", Add: 0o004}, "symbolic link"},
		{"chmod a linked directory", map[string]string{"/srv/www": "->OUT"},
			Op{Kind: OpChmod, Path: "/srv/www", Add: 0o001}, "symbolic link"},
		{"setfacl target is a link", map[string]string{"/srv/www/index.html": "->OUT/secret"},
			Op{Kind: OpSetACL, Path: "/srv/www/index.html", ACL: []ACLEntry{{Tag: "user", ID: 33, Perm: 4}}}, "symbolic link"},
		{"chown through a linked parent", map[string]string{"/srv/www": "->OUT"},
			Op{Kind: OpChown, Path: "/srv/www/secret", UID: -1, GID: 33}, "symbolic link"},
		{"create under a linked parent", map[string]string{"/srv/www": "->OUT"},
			Op{Kind: OpCreate, Path: "/srv/www/index.html", Content: []byte("hi\n"), Mode: 0o644, UID: -1, GID: -1}, "symbolic link"},
		{"chmod a hard link to a file outside", map[string]string{"/srv/www/": "", "HARDLINK /srv/www/index.html": "OUT/secret"},
			Op{Kind: OpChmod, Path: "/srv/www/index.html", Add: 0o004}, "hard links"},
		{"link escaping with dot-dot", map[string]string{"/srv/www/": ""},
			Op{Kind: OpChmod, Path: "/srv/www/../../../../../../../../tmp", Add: 0o001}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, state, out := t.TempDir(), t.TempDir(), t.TempDir()
			tree(t, out, map[string]string{"/secret": "s3cret\n"})
			os.Chmod(filepath.Join(out, "secret"), 0o600)
			files := map[string]string{"/etc/nginx/nginx.conf": "old\n"}
			var hardlinks [][2]string
			for p, c := range tt.files {
				if l, ok := strings.CutPrefix(p, "HARDLINK "); ok {
					hardlinks = append(hardlinks, [2]string{strings.ReplaceAll(c, "OUT", out), filepath.Join(root, l)})
					continue
				}
				files[p] = strings.ReplaceAll(c, "OUT", out)
			}
			tree(t, root, files)
			for _, l := range hardlinks {
				if err := os.Link(l[0], l[1]); err != nil {
					t.Skipf("cannot make a hard link: %v", err)
				}
			}
			beforeOut, beforeRoot := snapshot(t, out), snapshot(t, root)
			ch := Change{
				Files: []FileWrite{{Path: "/etc/nginx/nginx.conf", Old: []byte("old\n"), New: []byte("new\n")}},
				Ops:   []Op{tt.op},
			}
			_, err := Apply(ch, ApplyOptions{Root: root, StateDir: state, Allowed: allowAll})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one saying %q", err, tt.want)
			}
			if d := diffSnapshots(beforeOut, snapshot(t, out)); len(d) > 0 {
				t.Errorf("outside changed:\n%s", strings.Join(d, "\n"))
			}
			if d := diffSnapshots(beforeRoot, snapshot(t, root)); len(d) > 0 {
				t.Errorf("root changed:\n%s", strings.Join(d, "\n"))
			}
			if j := journals(t, state); len(j) != 0 {
				t.Errorf("journal written for a refused apply: %q", j)
			}
		})
	}
}

func TestRefusedBeforeAnyChange(t *testing.T) {
	tests := []struct {
		name    string
		ch      Change
		allowed func(string) bool
		want    string
	}{
		{"Allowed refuses the path", Change{Ops: []Op{{Kind: OpChmod, Path: "/srv/www", Add: 0o001}, {Kind: OpChmod, Path: "/home", Add: 0o001}}},
			func(p string) bool { return p == "/srv/www" }, "/home: refused: outside the served trees"},
		{"no Allowed refuses every operation", Change{Ops: []Op{{Kind: OpChmod, Path: "/srv/www", Add: 0o001}}},
			nil, "refused: outside the served trees"},
		{"file changed since it was read", Change{Files: []FileWrite{
			{Path: "/etc/nginx/a.conf", Old: []byte("a\n"), New: []byte("A\n")},
			{Path: "/etc/nginx/b.conf", Old: []byte("b as read\n"), New: []byte("B\n")}}},
			allowAll, "/etc/nginx/b.conf: refused: the file changed since it was read"},
		{"config file with two hard links", Change{Files: []FileWrite{{Path: "/etc/nginx/c.conf", Old: []byte("b\n"), New: []byte("C\n")}}},
			allowAll, "2 hard links"},
		{"created file exists", Change{Files: []FileWrite{{Path: "/etc/nginx/a.conf", New: []byte("A\n"), Create: true}}},
			allowAll, "exists already"},
		{"create op on an existing file", Change{Ops: []Op{{Kind: OpCreate, Path: "/srv/www/index.html", UID: -1, GID: -1}}},
			allowAll, "exists already"},
		{"relative path", Change{Ops: []Op{{Kind: OpChmod, Path: "srv/www", Add: 0o001}}},
			allowAll, "not an absolute path"},
		{"chmod of special bits", Change{Ops: []Op{{Kind: OpChmod, Path: "/srv/www", Add: fs.ModeSetuid}}},
			allowAll, "other than rwx"},
		{"named ACL entry without id", Change{Ops: []Op{{Kind: OpSetACL, Path: "/srv/www", ACL: []ACLEntry{{Tag: "user", Name: "www-data", ID: -1, Perm: 5}}}}},
			allowAll, "no numeric id"},
		{"restorecon is never run", Change{Ops: []Op{{Kind: OpRestore, Path: "/srv/www", Context: "httpd_sys_content_t"}}},
			nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, state := t.TempDir(), t.TempDir()
			tree(t, root, map[string]string{"/etc/nginx/a.conf": "a\n", "/etc/nginx/b.conf": "b\n", "/srv/www/index.html": "hi\n", "/home/": ""})
			os.Chmod(filepath.Join(root, "srv/www"), 0o750)
			os.Chmod(filepath.Join(root, "home"), 0o750)
			os.Link(filepath.Join(root, "etc/nginx/b.conf"), filepath.Join(root, "etc/nginx/c.conf"))
			before := snapshot(t, root)
			res, err := Apply(tt.ch, ApplyOptions{Root: root, StateDir: state, Allowed: tt.allowed})
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if len(res.LeftToDo) != 1 || res.Journal != "" {
					t.Errorf("result %+v, want the restorecon left to do and no journal", res)
				}
			} else if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one saying %q", err, tt.want)
			}
			if d := diffSnapshots(before, snapshot(t, root)); len(d) > 0 {
				t.Errorf("changed:\n%s", strings.Join(d, "\n"))
			}
		})
	}
}

// fullChange is a change touching every kind of thing: two config files,
// a chmod, a setfacl (when acl), a create, and a chown as root.
func fullChange(acl bool) Change {
	ch := Change{
		Files: []FileWrite{
			{Path: "/etc/nginx/nginx.conf", Old: []byte("user www-data;\ninclude sites-enabled/*;\n"), New: []byte("user www-data;\ninclude sites-enabled/*;\n# edited\n")},
			{Path: "/etc/nginx/sites-enabled/default", Old: []byte("server { root /srv/www; }\n"), New: []byte("server { root /srv/www; index index.html; }\n")},
			{Path: "/etc/nginx/conf.d/unforbid.conf", New: []byte("# made by unforbid\n"), Create: true},
		},
		Ops: []Op{
			{Kind: OpChmod, Path: "/srv", Add: 0o001},
			{Kind: OpChmod, Path: "/srv/www/upload.html", Add: 0o044, Remove: 0o002},
			{Kind: OpCreate, Path: "/srv/www/index.html", Content: []byte("<h1>hi</h1>\n"), Mode: 0o640, UID: -1, GID: -1},
		},
	}
	if acl {
		ch.Ops = append(ch.Ops, Op{Kind: OpSetACL, Path: "/srv/www", ACL: []ACLEntry{{Tag: "user", Name: "www-data", ID: 33, Perm: 1}}},
			Op{Kind: OpSetACL, Path: "/srv/www/acl.html", ACL: []ACLEntry{{Tag: "user", Name: "www-data", ID: 33, Perm: 4}}})
	}
	if isRoot() {
		ch.Ops = append(ch.Ops, Op{Kind: OpChown, Path: "/srv/www/upload.html", Owner: "", Group: "www-data", UID: -1, GID: 33})
	}
	return ch
}

// fullTree builds the tree fullChange works on: modes, an existing ACL
// with a mask of none, a user xattr, and another owner as root.
func fullTree(t *testing.T, root string, acl bool) {
	t.Helper()
	tree(t, root, map[string]string{
		"/etc/nginx/nginx.conf":              "user www-data;\ninclude sites-enabled/*;\n",
		"/etc/nginx/sites-available/default": "server { root /srv/www; }\n",
		"/etc/nginx/sites-enabled/default":   "->../sites-available/default",
		"/srv/www/upload.html":               "upload\n",
		"/srv/www/acl.html":                  "acl\n",
		"/etc/nginx/conf.d/":                 "",
	})
	os.Chmod(filepath.Join(root, "srv"), 0o710)
	os.Chmod(filepath.Join(root, "srv/www"), 0o750)
	os.Chmod(filepath.Join(root, "srv/www/upload.html"), 0o602)
	os.Chmod(filepath.Join(root, "etc/nginx/nginx.conf"), 0o640)
	if acl {
		setACL(t, filepath.Join(root, "srv/www/acl.html"), aclEnt{aclUserObj, 6, 0}, aclEnt{aclUser, 4, 4242}, aclEnt{aclGroupObj, 4, 0}, aclEnt{aclMask, 0, 0}, aclEnt{aclOther, 0, 0})
		setACL(t, filepath.Join(root, "etc/nginx/nginx.conf"), aclEnt{aclUserObj, 6, 0}, aclEnt{aclUser, 4, 4242}, aclEnt{aclGroupObj, 4, 0}, aclEnt{aclMask, 4, 0}, aclEnt{aclOther, 0, 0})
	}
	if err := unix.Setxattr(filepath.Join(root, "etc/nginx/nginx.conf"), "user.note", []byte("kept"), 0); err != nil {
		t.Fatal(err)
	}
	if isRoot() {
		os.Chown(filepath.Join(root, "srv/www/upload.html"), 1001, 1002)
		os.Chown(filepath.Join(root, "etc/nginx/sites-available/default"), 1001, 1002)
	}
}

func TestFailingTestRestoresEverything(t *testing.T) {
	for _, fail := range []string{"test", "reload"} {
		t.Run(fail, func(t *testing.T) {
			root, state := t.TempDir(), t.TempDir()
			acl := aclSupported(t, root)
			fullTree(t, root, acl)
			before := snapshot(t, root)
			tested := false
			opts := ApplyOptions{Root: root, StateDir: state, Allowed: allowAll,
				Test: func() error {
					tested = true
					if d := diffSnapshots(before, snapshot(t, root)); len(d) == 0 {
						t.Error("the test ran before anything was written")
					}
					if fail == "test" {
						return errors.New(`nginx: [emerg] unknown directive "bogus" in /etc/nginx/nginx.conf:3`)
					}
					return nil
				},
				Reload: func() error { return errors.New("reload refused") },
			}
			res, err := Apply(fullChange(acl), opts)
			want := map[string]string{"test": `unknown directive "bogus"`, "reload": "reload refused"}[fail]
			if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "rolled back") {
				t.Fatalf("err = %v, want the test output and a rollback", err)
			}
			if !tested || !res.RolledBack {
				t.Errorf("tested %v, result %+v", tested, res)
			}
			if d := diffSnapshots(before, snapshot(t, root)); len(d) > 0 {
				t.Errorf("not restored:\n%s", strings.Join(d, "\n"))
			}
			if _, err := Undo(state, root); !errors.Is(err, ErrNothingToUndo) {
				t.Errorf("Undo after a rollback: %v, want nothing to undo", err)
			}
		})
	}
}

func TestUndoAfterApply(t *testing.T) {
	root, state := t.TempDir(), t.TempDir()
	acl := aclSupported(t, root)
	fullTree(t, root, acl)
	before := snapshot(t, root)
	res, err := Apply(fullChange(acl), ApplyOptions{Root: root, StateDir: state, Allowed: allowAll, Test: func() error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Tested || len(res.Files) != 2 || len(res.Created) != 2 || len(res.Commands) < 3 {
		t.Errorf("result %+v", res)
	}
	applied := snapshot(t, root)
	if applied["etc/nginx/sites-enabled/default"].Link != "../sites-available/default" {
		t.Errorf("the sites-enabled link was replaced: %+v", applied["etc/nginx/sites-enabled/default"])
	}
	if got := applied["srv"].Mode; got != 0o711 {
		t.Errorf("/srv mode %04o, want 0711", got)
	}
	if got := applied["srv/www/upload.html"].Mode; got != 0o644 {
		t.Errorf("upload.html mode %04o, want 0644", got)
	}
	if got := applied["etc/nginx/conf.d/unforbid.conf"]; got.Data != "# made by unforbid\n" || got.Mode != 0o644 {
		t.Errorf("created unforbid.conf %+v", got)
	}
	if got := applied["srv/www/index.html"]; got.Data != "<h1>hi</h1>\n" || got.Mode != 0o640 {
		t.Errorf("created index.html %+v", got)
	}
	if acl {
		// setfacl recomputes the mask: the union of the group class.
		if got, want := applied["srv/www/acl.html"].ACL, "user::rw-,user:33:r--,user:4242:r--,group::r--,mask::r--,other::---"; got != want {
			t.Errorf("acl.html ACL %s, want %s", got, want)
		}
		if got, want := applied["srv/www"].ACL, "user::rwx,user:33:--x,group::r-x,mask::r-x,other::---"; got != want {
			t.Errorf("/srv/www ACL %s, want %s", got, want)
		}
	}
	if isRoot() && applied["srv/www/upload.html"].GID != 33 {
		t.Errorf("chgrp not applied: %+v", applied["srv/www/upload.html"])
	}

	// Applying the operations again changes nothing.
	again := fullChange(acl)
	again.Files = nil
	again.Ops = again.Ops[:2]
	res2, err := Apply(again, ApplyOptions{Root: root, StateDir: state, Allowed: allowAll})
	if err != nil || len(res2.Commands) != 0 {
		t.Errorf("second apply: %+v, %v; want nothing done", res2, err)
	}
	if d := diffSnapshots(applied, snapshot(t, root)); len(d) > 0 {
		t.Errorf("second apply changed:\n%s", strings.Join(d, "\n"))
	}

	u, err := Undo(state, root)
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Files) != 2 || len(u.Removed) != 2 {
		t.Errorf("undo result %+v", u)
	}
	if d := diffSnapshots(before, snapshot(t, root)); len(d) > 0 {
		t.Errorf("undo did not restore:\n%s", strings.Join(d, "\n"))
	}
	if _, err := Undo(state, root); !errors.Is(err, ErrNothingToUndo) {
		t.Errorf("second Undo: %v, want nothing to undo", err)
	}
}

func TestUndoRefusesChangedFiles(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(root string)
		want   string
	}{
		{"config edited", func(root string) {
			os.WriteFile(filepath.Join(root, "etc/nginx/nginx.conf"), []byte("someone else's edit\n"), 0o644)
		}, "/etc/nginx/nginx.conf: changed since the apply"},
		{"mode changed", func(root string) { os.Chmod(filepath.Join(root, "srv"), 0o700) }, "/srv: changed since the apply"},
		{"created file edited", func(root string) {
			os.WriteFile(filepath.Join(root, "srv/www/index.html"), []byte("mine now\n"), 0o644)
		}, "/srv/www/index.html: changed since the apply created it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, state := t.TempDir(), t.TempDir()
			fullTree(t, root, false)
			before := snapshot(t, root)
			if _, err := Apply(fullChange(false), ApplyOptions{Root: root, StateDir: state, Allowed: allowAll}); err != nil {
				t.Fatal(err)
			}
			tt.tamper(root)
			tampered := snapshot(t, root)
			_, err := Undo(state, root)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Undo: %v, want one saying %q", err, tt.want)
			}
			if d := diffSnapshots(tampered, snapshot(t, root)); len(d) > 0 {
				t.Errorf("a refused undo changed:\n%s", strings.Join(d, "\n"))
			}
			if _, err := UndoWith(UndoOptions{StateDir: state, Root: root, Force: true}); err != nil {
				t.Fatal(err)
			}
			if d := diffSnapshots(before, snapshot(t, root)); len(d) > 0 {
				t.Errorf("forced undo did not restore:\n%s", strings.Join(d, "\n"))
			}
		})
	}
}

// Crash test: the test binary runs itself as a child that applies
// crashChange and exits at the named point; the parent inspects.
const (
	envCrashRoot  = "UNFORBID_TEST_CRASH_ROOT"
	envCrashState = "UNFORBID_TEST_CRASH_STATE"
	envCrashPoint = "UNFORBID_TEST_CRASH_POINT"
)

// crashFiles are the files of the crash test, with old and new content
// large enough that a torn write would show.
var crashFiles = func() []FileWrite {
	var fws []FileWrite
	for i, name := range []string{"/etc/nginx/nginx.conf", "/etc/nginx/conf.d/site.conf", "/etc/nginx/conf.d/other.conf"} {
		fws = append(fws, FileWrite{Path: name,
			Old: bytes.Repeat([]byte(fmt.Sprintf("old %d line\n", i)), 20000),
			New: bytes.Repeat([]byte(fmt.Sprintf("new %d line, longer\n", i)), 30000)})
	}
	return fws
}()

func crashChange() Change {
	return Change{Files: crashFiles, Ops: []Op{{Kind: OpChmod, Path: "/srv/www", Add: 0o005}}}
}

// TestCrashChild is the child of TestCrashBetweenWrites; alone it does
// nothing.
func TestCrashChild(t *testing.T) {
	root := os.Getenv(envCrashRoot)
	if root == "" {
		t.Skip("run by TestCrashBetweenWrites")
	}
	point := os.Getenv(envCrashPoint)
	_, err := Apply(crashChange(), ApplyOptions{Root: root, StateDir: os.Getenv(envCrashState), Allowed: allowAll,
		hook: func(p string) {
			if p == point {
				os.Exit(1)
			}
		}})
	t.Fatalf("the child was not killed at %q: %v", point, err)
}

func TestCrashBetweenWrites(t *testing.T) {
	for _, point := range []string{"rename 0", "write 0", "rename 1", "write 1", "write 2"} {
		t.Run(point, func(t *testing.T) {
			root, state := t.TempDir(), t.TempDir()
			files := map[string]string{"/srv/www/": ""}
			for _, f := range crashFiles {
				files[f.Path] = string(f.Old)
			}
			tree(t, root, files)
			os.Chmod(filepath.Join(root, "srv/www"), 0o750)
			before := snapshot(t, root)
			cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), envCrashRoot+"="+root, envCrashState+"="+state, envCrashPoint+"="+point)
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 1 || bytes.Contains(out, []byte("was not killed")) {
				t.Fatalf("child: %v\n%s", err, out)
			}
			n, _ := strconv.Atoi(strings.Fields(point)[1])
			for i, f := range crashFiles {
				got, err := os.ReadFile(filepath.Join(root, f.Path))
				if err != nil {
					t.Fatal(err)
				}
				isNew := bytes.Equal(got, f.New)
				if !isNew && !bytes.Equal(got, f.Old) {
					t.Fatalf("%s: torn: %d bytes, neither old nor new", f.Path, len(got))
				}
				wantNew := i < n || i == n && strings.HasPrefix(point, "write")
				if isNew != wantNew {
					t.Errorf("%s: new %v, want %v", f.Path, isNew, wantNew)
				}
			}
			if _, err := Apply(crashChange(), ApplyOptions{Root: root, StateDir: state, Allowed: allowAll}); err == nil || !strings.Contains(err.Error(), "interrupted") {
				t.Errorf("Apply after a crash: %v, want a refusal naming the interrupted apply", err)
			}
			if _, err := Undo(state, root); err != nil {
				t.Fatal(err)
			}
			if d := diffSnapshots(before, snapshot(t, root)); len(d) > 0 {
				t.Errorf("recovery did not restore:\n%s", strings.Join(d, "\n"))
			}
			if _, err := Apply(crashChange(), ApplyOptions{Root: root, StateDir: state, Allowed: allowAll}); err != nil {
				t.Errorf("Apply after the recovery: %v", err)
			}
		})
	}
}

func TestMergeACL(t *testing.T) {
	tests := []struct {
		name    string
		mode    uint32
		cur     []aclEnt // nil: no ACL
		entries []ACLEntry
		want    string
	}{
		{"first named entry adds a mask", 0o750, nil, []ACLEntry{{Tag: "user", ID: 33, Perm: 1}},
			"user::rwx,user:33:--x,group::r-x,mask::r-x,other::---"},
		{"mask of none is recomputed", 0o640, []aclEnt{{aclUserObj, 6, 0}, {aclUser, 4, 4242}, {aclGroupObj, 0, 0}, {aclMask, 0, 0}, {aclOther, 0, 0}},
			[]ACLEntry{{Tag: "user", ID: 33, Perm: 4}}, "user::rw-,user:33:r--,user:4242:r--,group::---,mask::r--,other::---"},
		{"entry replaced, ids sorted", 0o640, []aclEnt{{aclUserObj, 6, 0}, {aclUser, 4, 4242}, {aclGroupObj, 0, 0}, {aclMask, 4, 0}, {aclOther, 0, 0}},
			[]ACLEntry{{Tag: "user", ID: 4242, Perm: 6}, {Tag: "group", ID: 33, Perm: 1}, {Tag: "user", ID: 7, Perm: 4}},
			"user::rw-,user:7:r--,user:4242:rw-,group::---,group:33:--x,mask::rwx,other::---"},
		{"explicit mask kept", 0o700, nil, []ACLEntry{{Tag: "user", ID: 33, Perm: 5}, {Tag: "mask", ID: -1, Perm: 1}},
			"user::rwx,user:33:r-x,group::---,mask::--x,other::---"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cur []byte
			if tt.cur != nil {
				cur = encodeACL(tt.cur)
			}
			b, err := mergeACL(tt.mode, tt.cur != nil, cur, tt.entries)
			if err != nil {
				t.Fatal(err)
			}
			a, err := fsmeta.ParseACL(b)
			if err != nil {
				t.Fatal(err)
			}
			if a.String() != tt.want {
				t.Errorf("got %s\nwant %s", a, tt.want)
			}
		})
	}
}

func TestDefaultStateDir(t *testing.T) {
	t.Setenv("UNFORBID_STATE_DIR", "/x/state")
	if got := DefaultStateDir(); got != "/x/state" {
		t.Errorf("with UNFORBID_STATE_DIR: %s", got)
	}
	t.Setenv("UNFORBID_STATE_DIR", "")
	t.Setenv("XDG_STATE_HOME", "/x/xdg")
	t.Setenv("HOME", "/x/home")
	want := "/x/xdg/unforbid"
	if isRoot() {
		want = "/var/lib/unforbid"
	}
	if got := DefaultStateDir(); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	t.Setenv("XDG_STATE_HOME", "")
	if !isRoot() {
		want = "/x/home/.local/state/unforbid"
	}
	if got := DefaultStateDir(); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestJournalIsPrivate(t *testing.T) {
	root, base := t.TempDir(), t.TempDir()
	state := filepath.Join(base, "state")
	tree(t, root, map[string]string{"/etc/nginx/nginx.conf": "old\n"})
	res, err := Apply(Change{Files: []FileWrite{{Path: "/etc/nginx/nginx.conf", Old: []byte("old\n"), New: []byte("new\n")}}}, ApplyOptions{Root: root, StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]fs.FileMode{state: 0o700, res.Journal: 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %04o, want %04o", p, fi.Mode().Perm(), want)
		}
	}
	data, _ := os.ReadFile(res.Journal)
	if !bytes.Contains(data, []byte(`"Root": "`+root+`"`)) || !bytes.Contains(data, []byte(`"Status": "applied"`)) {
		t.Errorf("journal lacks the root or status:\n%s", data)
	}
}
