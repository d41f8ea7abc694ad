package fsmeta

import (
	"errors"
	"io/fs"
	"reflect"
	"strings"
	"syscall"
	"testing"
)

func TestNewMemoryErrors(t *testing.T) {
	tests := []struct {
		name    string
		entries []Entry
		want    string
	}{
		{"relative", []Entry{{Path: "srv", Type: TypeDir}}, `"srv": path is not absolute`},
		{"repeated", []Entry{{Path: "/a", Type: TypeRegular}, {Path: "/a/", Type: TypeRegular}}, `"/a": repeated`},
		{"below a file", []Entry{{Path: "/a", Type: TypeRegular}, {Path: "/a/b", Type: TypeRegular}}, `below "/a", which is not a directory`},
		{"file over a directory", []Entry{{Path: "/a/b", Type: TypeRegular}, {Path: "/a", Type: TypeRegular}}, `"/a": a directory already holds entries there`},
		{"acl on a link", []Entry{{Path: "/l", Type: TypeSymlink, Target: "x", ACL: &ACL{}}}, `"/l": a symlink has no ACL`},
		{"bad type", []Entry{{Path: "/x", Type: FileType(99)}}, `"/x": unknown type`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewMemory("", tt.entries)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewMemory() error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestMemory(t *testing.T) {
	acl := &ACL{UserObj: 6, Users: []ACLEntry{{ID: 33, Perm: Read}}, Mask: Read, HasMask: true}
	fsys, err := NewMemory("/img", []Entry{
		{Path: "/etc/passwd", Type: TypeRegular, Perm: 0o644, Data: []byte("www-data:x:33:33::/var/www:/bin/false\n")},
		{Path: "/srv/www", Type: TypeDir, Perm: 0o750, UID: 1000, GID: 33},
		{Path: "/srv/www/b.html", Type: TypeRegular, Perm: 0o640, ACL: acl, Data: []byte("bbb")},
		{Path: "/srv/www/a.html", Type: TypeRegular, Perm: 0o600, Data: []byte("a")},
		{Path: "/srv/www/empty", Type: TypeRegular, Perm: 0o644},
		{Path: "/srv/www/sub", Type: TypeDir, Perm: 0o755},
		{Path: "/srv/html", Type: TypeSymlink, Target: "www"},
		{Path: "/srv/fifo", Type: TypeOther, Perm: 0o644},
	})
	if err != nil {
		t.Fatal(err)
	}
	if fsys.Root() != "/img" || fsys.HostPath("/srv") != "/img/srv" {
		t.Errorf("Root %q HostPath %q", fsys.Root(), fsys.HostPath("/srv"))
	}
	info, err := fsys.Lstat("/srv/html/b.html")
	if err != nil || info.Path != "/srv/html/b.html" || info.Perm != 0o640 || info.ACL != acl || info.Size != 3 {
		t.Errorf("Lstat through a link = %+v, %v", info, err)
	}
	if info, err := fsys.Lstat("/srv/html"); err != nil || info.Type != TypeSymlink || info.Target != "www" || info.Perm != 0o777 {
		t.Errorf("Lstat(link) = %+v, %v", info, err)
	}
	if info, err := fsys.Lstat("/srv"); err != nil || !info.IsDir() || info.Perm != 0o755 || info.UID != 0 {
		t.Errorf("implicit directory = %+v, %v", info, err)
	}
	for p, want := range map[string]syscall.Errno{"/srv/nope": syscall.ENOENT, "/srv/www/a.html/x": syscall.ENOTDIR} {
		if _, err := fsys.Lstat(p); !errors.Is(err, want) {
			t.Errorf("Lstat(%q) = %v, want %v", p, err, want)
		}
	}
	www := Cred{User: "www-data", UID: 33, GID: 33}
	if r := fsys.Access(www, "/srv/html/b.html", Read, true); !r.OK() {
		t.Errorf("named user ACL entry: %+v", r)
	}
	if r := fsys.Access(www, "/srv/html/a.html", Read, true); r.Err != syscall.EACCES || r.At != "/srv/www/a.html" {
		t.Errorf("mode 0600: %+v", r)
	}
	if b, err := fsys.ReadFile("/srv/html/b.html"); err != nil || string(b) != "bbb" {
		t.Errorf("ReadFile = %q, %v", b, err)
	}
	if b, err := fsys.ReadFile("/srv/www/empty"); err != nil || b == nil || len(b) != 0 {
		t.Errorf("ReadFile(empty) = %#v, %v", b, err)
	}
	var tl *TooLargeError
	if _, err := fsys.ReadFileLimit("/srv/www/b.html", 2); !errors.As(err, &tl) || tl.Size != 3 {
		t.Errorf("ReadFileLimit over the limit = %v", err)
	}
	var pe *fs.PathError
	if _, err := fsys.ReadFile("/srv/fifo"); !errors.As(err, &pe) || pe.Op != "read" || !errors.Is(err, errNotRegular) {
		t.Errorf("ReadFile(fifo) = %v", err)
	}
	if _, err := fsys.ReadFile("/srv/www"); !errors.Is(err, syscall.EISDIR) {
		t.Errorf("ReadFile(dir) = %v", err)
	}
	names, err := fsys.ReadDirNames("/srv/html")
	if want := []string{"a.html", "b.html", "empty", "sub"}; err != nil || !reflect.DeepEqual(names, want) {
		t.Errorf("ReadDirNames = %q, %v; want %q", names, err, want)
	}
	var batches [][]string
	err = fsys.ReadDirBatches("/srv/www", 3, func(b []string) error { batches = append(batches, b); return nil })
	if want := [][]string{{"a.html", "b.html", "empty"}, {"sub"}}; err != nil || !reflect.DeepEqual(batches, want) {
		t.Errorf("ReadDirBatches = %q, %v; want %q", batches, err, want)
	}
	if _, err := fsys.ReadDirNames("/srv/www/a.html"); !errors.Is(err, syscall.ENOTDIR) {
		t.Errorf("ReadDirNames(file) = %v", err)
	}
	if got, _ := fsys.Glob("/srv/*/*.html"); !reflect.DeepEqual(got, []string{"/srv/html/a.html", "/srv/html/b.html", "/srv/www/a.html", "/srv/www/b.html"}) {
		t.Errorf("Glob = %q", got)
	}
	users, err := fsys.LoadUsers()
	if err != nil {
		t.Fatal(err)
	}
	if u, ok := users.User("www-data"); !ok || u.UID != 33 {
		t.Errorf("LoadUsers: www-data = %+v, %v", u, ok)
	}
	none, err := NewMemory("", nil)
	if err != nil || none.HostPath("/etc") != "" {
		t.Errorf("NewMemory without root: HostPath = %q, %v", none.HostPath("/etc"), err)
	}
}

// TestMemoryMatchesDisk: the access tree as a memory view and laid out on
// disk gives the same Lstat for every path and the same Access for every
// path and credential.
func TestMemoryMatchesDisk(t *testing.T) {
	v := views(t, accessNodes...)
	disk := v["disk"]
	if disk == nil {
		// views lays the tree out only as root; say so the usual way.
		buildTree(t)
	}
	mem := v["memory"]
	other := Cred{User: "other", UID: 34, GID: 34, Groups: []uint32{34}}
	for _, n := range accessNodes {
		p := "/" + n.path
		for _, sub := range []string{p, p + "/", p + "/a.html", p + "/x"} {
			di, derr := disk.Lstat(sub)
			mi, merr := mem.Lstat(sub)
			if !errors.Is(derr, errnoOf(merr)) && !(derr == nil && merr == nil) {
				t.Errorf("Lstat(%q): disk %v, memory %v", sub, derr, merr)
			}
			if derr == nil && merr == nil {
				d, m := *di, *mi
				if d.Type == TypeDir {
					d.Size, m.Size = 0, 0
				}
				if !reflect.DeepEqual(d, m) {
					t.Errorf("Lstat(%q): disk %+v, memory %+v", sub, d, m)
				}
			}
			for _, c := range []Cred{www, other, rootCred} {
				for _, follow := range []bool{true, false} {
					dr, mr := disk.Access(c, sub, Read, follow), mem.Access(c, sub, Read, follow)
					if dr.Err != mr.Err || dr.At != mr.At {
						t.Errorf("Access(%s, %q, follow %v): disk %v at %q, memory %v at %q", c.User, sub, follow, dr.Err, dr.At, mr.Err, mr.At)
					}
				}
			}
		}
	}
}
