package fsmeta

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

var worker = Cred{User: "www-data", UID: 33, GID: 33, Groups: []uint32{33}}

func overlayBase(t *testing.T) *FS {
	t.Helper()
	fsys, err := NewMemory("", []Entry{
		{Path: "/home/alice", Type: TypeDir, Perm: 0o700, UID: 1000, GID: 1000},
		{Path: "/home/alice/www", Type: TypeDir, Perm: 0o755, UID: 1000, GID: 1000},
		{Path: "/home/alice/www/index.html", Type: TypeRegular, Perm: 0o600, UID: 1000, GID: 1000, Data: []byte("home")},
		{Path: "/srv/site", Type: TypeSymlink, Target: "/home/alice/www"},
		{Path: "/etc/nginx/nginx.conf", Type: TypeRegular, Perm: 0o640, UID: 0, GID: 33, Data: []byte("old")},
		{Path: "/etc/nginx/conf.d", Type: TypeDir, Perm: 0o755},
		{Path: "/etc/nginx/conf.d/b.conf", Type: TypeRegular, Perm: 0o644, Data: []byte("b")},
		{Path: "/etc/nginx/link.conf", Type: TypeSymlink, Target: "nginx.conf"},
		{Path: "/mnt/vfat", Type: TypeDir, Perm: 0o755, NoACL: true},
		{Path: "/mnt/vfat/f", Type: TypeRegular, Perm: 0o644},
	})
	if err != nil {
		t.Fatal(err)
	}
	return fsys
}

func TestWithMeta(t *testing.T) {
	base := overlayBase(t)
	acl := &ACL{UserObj: 6, Users: []ACLEntry{{ID: 33, Perm: Read}}, GroupObj: 0, Mask: Read, HasMask: true}
	tests := []struct {
		name    string
		meta    map[string]Meta
		probe   string
		want    Perm
		wantErr syscall.Errno // for the worker, in the changed view
		at      string
	}{
		{"unchanged", nil, "/home/alice/www/index.html", Read, syscall.EACCES, "/home/alice"},
		{"search bit", map[string]Meta{"/home/alice": {Perm: 0o701, UID: 1000, GID: 1000}},
			"/home/alice/www/index.html", Read, syscall.EACCES, "/home/alice/www/index.html"},
		{"search bit and an ACL", map[string]Meta{
			"/home/alice":                {Perm: 0o701, UID: 1000, GID: 1000},
			"/home/alice/www/index.html": {Perm: 0o640, UID: 1000, GID: 1000, ACL: acl},
		}, "/home/alice/www/index.html", Read, 0, "/home/alice/www/index.html"},
		{"key through a link", map[string]Meta{
			"/home/alice":          {Perm: 0o711, UID: 1000, GID: 1000},
			"/srv/site/index.html": {Perm: 0o644, UID: 1000, GID: 1000},
		}, "/srv/site/index.html", Read, 0, "/home/alice/www/index.html"},
		{"a link's mode does not change", map[string]Meta{
			"/home/alice": {Perm: 0o711, UID: 1000, GID: 1000},
			"/srv/site":   {Perm: 0o000},
		}, "/srv/site/", Exec, 0, "/home/alice/www"},
		{"a missing path changes nothing", map[string]Meta{"/nope/x": {Perm: 0o777}}, "/nope/x", 0, syscall.ENOENT, "/nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			view := base.With(Changes{Meta: tt.meta})
			r := view.Access(worker, tt.probe, tt.want, true)
			if r.Err != tt.wantErr || r.At != tt.at {
				t.Errorf("Access(%q) = %v at %q, want %v at %q", tt.probe, r.Err, r.At, tt.wantErr, tt.at)
			}
			// The base view never changes.
			if r := base.Access(worker, "/home/alice/www", Exec, true); r.Err != syscall.EACCES {
				t.Errorf("base view changed: %v", r.Err)
			}
		})
	}
}

func TestWithFiles(t *testing.T) {
	base := overlayBase(t)
	view := base.With(Changes{Files: map[string]FileContent{
		"/etc/nginx/link.conf":       {Data: []byte("new"), Perm: 0o777},
		"/etc/nginx/conf.d/a.conf":   {Data: []byte("created"), Perm: 0o640, UID: 0, GID: 33},
		"/etc/nginx/missing/x.conf":  {Data: []byte("dropped")},
		"/etc/nginx/conf.d":          {Data: []byte("a directory: dropped")},
		"/srv/site/new/../page.html": {Data: []byte("page"), Perm: 0o644},
	}})
	read := func(p string) string {
		t.Helper()
		b, err := view.ReadFile(p)
		if err != nil {
			return "error: " + err.Error()
		}
		return string(b)
	}
	for p, want := range map[string]string{
		"/etc/nginx/nginx.conf":              "new",
		"/etc/nginx/conf.d/a.conf":           "created",
		"/etc/nginx/conf.d/b.conf":           "b",
		"/etc/nginx/missing/x.conf":          "error: open /etc/nginx/missing/x.conf: no such file or directory",
		"/home/alice/www/page.html":          "page",
		"/etc/nginx/conf.d/../conf.d/a.conf": "created",
	} {
		if got := read(p); got != want {
			t.Errorf("ReadFile(%q) = %q, want %q", p, got, want)
		}
	}
	if b, _ := base.ReadFile("/etc/nginx/nginx.conf"); string(b) != "old" {
		t.Errorf("base view changed: %q", b)
	}
	// A replaced file keeps its mode and owner; a created one has its own.
	info, err := view.Lstat("/etc/nginx/nginx.conf")
	if err != nil || info.Perm != 0o640 || info.GID != 33 || info.Size != 3 {
		t.Errorf("Lstat(nginx.conf) = %+v, %v", info, err)
	}
	info, err = view.Lstat("/etc/nginx/conf.d/a.conf")
	if err != nil || info.Perm != 0o640 || info.GID != 33 || info.Type != TypeRegular || info.Size != 7 {
		t.Errorf("Lstat(a.conf) = %+v, %v", info, err)
	}
	names, err := view.ReadDirNames("/etc/nginx/conf.d")
	if want := []string{"a.conf", "b.conf"}; err != nil || !reflect.DeepEqual(names, want) {
		t.Errorf("ReadDirNames = %q, %v; want %q", names, err, want)
	}
	if got := view.GlobLenient("/etc/nginx/conf.d/*.conf"); !reflect.DeepEqual(got, []string{"/etc/nginx/conf.d/a.conf", "/etc/nginx/conf.d/b.conf"}) {
		t.Errorf("GlobLenient = %q", got)
	}
	var batches [][]string
	err = view.ReadDirBatches("/etc/nginx/conf.d", 1, func(b []string) error {
		batches = append(batches, b)
		return nil
	})
	if want := [][]string{{"b.conf"}, {"a.conf"}}; err != nil || !reflect.DeepEqual(batches, want) {
		t.Errorf("ReadDirBatches = %q, %v; want %q", batches, err, want)
	}
	_, err = view.ReadFileLimit("/etc/nginx/conf.d/a.conf", 3)
	var tl *TooLargeError
	if !errors.As(err, &tl) || tl.Size != 7 {
		t.Errorf("ReadFileLimit over the limit: %v", err)
	}
	// A view of a view sees both changes.
	view2 := view.With(Changes{Meta: map[string]Meta{"/etc/nginx/conf.d/a.conf": {Perm: 0o600}}})
	if info, err := view2.Lstat("/etc/nginx/conf.d/a.conf"); err != nil || info.Perm != 0o600 || info.Size != 7 {
		t.Errorf("view of a view: %+v, %v", info, err)
	}
	if got, _ := view2.ReadFile("/etc/nginx/nginx.conf"); string(got) != "new" {
		t.Errorf("view of a view: nginx.conf = %q", got)
	}
}

// TestWithRealRoot checks a view over the real root, where the base view
// lets the host walk paths: the changes must be seen through links too.
func TestWithRealRoot(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "d", "f")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("d", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	base := New("/")
	view := base.With(Changes{Meta: map[string]Meta{filepath.Join(dir, "link", "f"): {Perm: 0o600, UID: 1000, GID: 1000}}})
	for _, p := range []string{file, filepath.Join(dir, "link", "f")} {
		info, err := view.Lstat(p)
		if err != nil || info.Perm != 0o600 || info.UID != 1000 {
			t.Errorf("Lstat(%q) = %+v, %v; want the changed mode", p, info, err)
		}
		if r := view.Access(worker, p, Read, true); r.Err != syscall.EACCES {
			t.Errorf("Access(%q) = %v, want EACCES", p, r.Err)
		}
		if info, err := base.Lstat(p); err != nil || info.Perm != 0o644 {
			t.Errorf("base Lstat(%q) = %+v, %v", p, info, err)
		}
	}
}

func TestACLSupportedMemory(t *testing.T) {
	base := overlayBase(t)
	view := base.With(Changes{Files: map[string]FileContent{"/mnt/vfat/g": {Data: []byte("g")}, "/srv/new": {}}})
	for _, tt := range []struct {
		p    string
		want bool
	}{
		{"/home/alice", true},
		{"/srv/site", true}, // the link's target
		{"/mnt/vfat/f", false},
		{"/mnt/vfat", false},
		{"/mnt", true},
		{"/mnt/vfat/g", false}, // created on the same filesystem
		{"/srv/new", true},
		{"/nope", false},
	} {
		if got := view.ACLSupported(tt.p); got != tt.want {
			t.Errorf("ACLSupported(%q) = %v, want %v", tt.p, got, tt.want)
		}
	}
}

func TestACLSupportedDisk(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// Ask the kernel directly whether it stores an ACL here: user::rw-,
	// group::r--, other::r--, which changes nothing.
	acl := aclBytes(2, ent{tagUserObj, 6, 0}, ent{tagGroupObj, 4, 0}, ent{tagOther, 4, 0})
	err := unix.Lsetxattr(file, "system.posix_acl_access", acl, 0)
	want := err == nil
	if err != nil && err != unix.EOPNOTSUPP {
		t.Skipf("cannot tell whether %s supports ACLs: %v", dir, err)
	}
	fsys := New(dir)
	if got := fsys.ACLSupported("/f"); got != want {
		t.Errorf("ACLSupported(tmp file) = %v, want %v", got, want)
	}
	if fsys.ACLSupported("/missing") {
		t.Error("ACLSupported(missing) = true")
	}
	if _, err := os.Stat("/proc/self/status"); err == nil {
		if New("/").ACLSupported("/proc/self/status") {
			t.Error("ACLSupported(/proc/self/status) = true, want false (procfs has no ACLs)")
		}
	}
}

func TestMetaOf(t *testing.T) {
	info := &Info{Perm: 0o750, UID: 1, GID: 2, ACL: &ACL{UserObj: 7}}
	if got := MetaOf(info); got.Perm != 0o750 || got.UID != 1 || got.GID != 2 || got.ACL != info.ACL {
		t.Errorf("MetaOf = %+v", got)
	}
}

// TestReadFileKept: a file read with ReadFileKept is read from its
// backend once, through the FS and the views With makes of it; a view
// reads its own new content; Reset forgets what was kept.
func TestReadFileKept(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "etc", "nginx.conf")
	if err := os.MkdirAll(filepath.Dir(conf), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(conf, []byte("one"), 0o644); err != nil {
		t.Fatal(err)
	}
	base := New(dir)
	if b, err := base.ReadFileKept("/etc/nginx.conf", 100); err != nil || string(b) != "one" {
		t.Fatalf("ReadFileKept = %q, %v", b, err)
	}
	// changed on disk behind the snapshot's back: the kept content holds
	if err := os.WriteFile(conf, []byte("two"), 0o644); err != nil {
		t.Fatal(err)
	}
	view := base.With(Changes{})
	if b, err := view.ReadFileKept("/etc/nginx.conf", 100); err != nil || string(b) != "one" {
		t.Errorf("a view reads %q, %v; want the kept %q", b, err, "one")
	}
	edited := base.With(Changes{Files: map[string]FileContent{"/etc/nginx.conf": {Data: []byte("edited")}}})
	if b, err := edited.ReadFileKept("/etc/nginx.conf", 100); err != nil || string(b) != "edited" {
		t.Errorf("an edited view reads %q, %v; want its own content", b, err)
	}
	if _, err := view.ReadFileKept("/etc/nginx.conf", 2); err == nil {
		t.Error("the limit is not applied to kept content")
	}
	base.Reset()
	if b, err := base.ReadFileKept("/etc/nginx.conf", 100); err != nil || string(b) != "two" {
		t.Errorf("after Reset: %q, %v; want the file as it is now", b, err)
	}
}
