package fsmeta

import (
	"os/exec"
	"path"
	"path/filepath"
	"reflect"
	"testing"
)

// TestDirLstat checks that Dir.Lstat answers as FS.Lstat of the joined
// path, for every entry of every directory of the access tree (through
// links to directories too), on the disk (descriptors) and in memory.
func TestDirLstat(t *testing.T) {
	for name, fsys := range views(t, accessNodes...) {
		t.Run(name, func(t *testing.T) {
			for _, dir := range []string{"/", "/srv", "/srv/d711", "/srv/link", "/srv/deep", "/srv/d644", "/srv/deep/parent"} {
				d, err := fsys.OpenDir(dir)
				if err != nil {
					t.Fatalf("OpenDir(%q): %v", dir, err)
				}
				names, err := fsys.ReadDirNames(dir)
				if err != nil {
					t.Fatal(err)
				}
				for _, n := range append(names, "missing", "..") {
					got, gotErr := d.Lstat(n)
					fsys.Reset()
					want, wantErr := fsys.Lstat(path.Join(dir, n))
					if (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
						t.Errorf("%s/%s: Dir.Lstat error %v, Lstat %v", dir, n, gotErr, wantErr)
						continue
					}
					if !reflect.DeepEqual(got, want) {
						t.Errorf("%s/%s: Dir.Lstat = %+v, Lstat = %+v", dir, n, got, want)
					}
				}
				if err := d.Close(); err != nil {
					t.Error(err)
				}
			}
			if _, err := fsys.OpenDir("/srv/f644.html"); err == nil {
				t.Error("OpenDir of a file: no error")
			}
		})
	}
}

// TestDirLstatACL checks that Dir.Lstat reads ACLs as Lstat does.
func TestDirLstatACL(t *testing.T) {
	setfacl, err := exec.LookPath("setfacl")
	if err != nil {
		t.Skip("setfacl not installed")
	}
	root := buildTree(t, d("srv", 0o755), f("srv/acl.html", 0o600), f("srv/plain.html", 0o644), l("srv/link", "acl.html"))
	if out, err := exec.Command(setfacl, "-m", "u:33:r", filepath.Join(root, "srv/acl.html")).CombinedOutput(); err != nil {
		t.Skipf("setfacl: %v: %s", err, out)
	}
	fsys := New(root)
	d, err := fsys.OpenDir("/srv")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, n := range []string{"acl.html", "plain.html", "link"} {
		got, err := d.Lstat(n)
		if err != nil {
			t.Fatal(err)
		}
		want, err := New(root).Lstat("/srv/" + n)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: Dir.Lstat = %+v, Lstat = %+v", n, got, want)
		}
		if n == "acl.html" && got.ACL == nil {
			t.Errorf("%s: no ACL read", n)
		}
	}
}
