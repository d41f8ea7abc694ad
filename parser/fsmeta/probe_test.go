package fsmeta

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"golang.org/x/sys/unix"
)

// probeNodes are accessNodes with files whose ACL decides for the worker:
// a named user denied what "other" grants, a named user and a named
// group granted what the mode refuses, and a mask that takes it back.
var probeNodes = append(slices.Clone(accessNodes),
	f("srv/acl-deny.html", 0o644), f("srv/acl-user.html", 0o600),
	f("srv/acl-group.html", 0o600), f("srv/acl-masked.html", 0o600),
	d("srv/acls", 0o711), f("srv/acls/a.html", 0o640),
)

// probeACLs are the setfacl arguments of probeNodes' ACL files.
var probeACLs = map[string][]string{
	"srv/acl-deny.html":   {"-m", "u:33:---"},
	"srv/acl-user.html":   {"-m", "u:33:r"},
	"srv/acl-group.html":  {"-m", "g:33:r"},
	"srv/acl-masked.html": {"-m", "u:33:r,m::---"},
	"srv/acls/a.html":     {"-m", "u:1234:r"},
}

// TestProberMatchesAccess checks that a Prober answers as Access does,
// for several credentials, on every view: on the disk, run as root, the
// kernel answers (with real ACLs), elsewhere Access itself.
func TestProberMatchesAccess(t *testing.T) {
	views := map[string]*FS{"memory": memoryTree(t, accessNodes...)}
	if os.Geteuid() == 0 {
		root := buildTree(t, probeNodes...)
		setfacl, err := exec.LookPath("setfacl")
		if err != nil {
			if os.Getenv("UNFORBID_E2E") != "" {
				t.Fatal("setfacl not installed")
			}
			t.Log("setfacl not installed: no ACLs")
		}
		for p, args := range probeACLs {
			if setfacl == "" {
				break
			}
			if out, err := exec.Command(setfacl, append(args, filepath.Join(root, p))...).CombinedOutput(); err != nil {
				t.Fatalf("setfacl %s: %v: %s", p, err, out)
			}
		}
		views["disk"] = New(root)
	}
	creds := map[string]Cred{
		"www-data": www,
		"other":    {User: "other", UID: 1234, GID: 1234, Groups: []uint32{1234}},
		"in 33":    {User: "in33", UID: 1235, GID: 1235, Groups: []uint32{1235, 33}},
		"owner 33": {User: "own", UID: 33, GID: 100, Groups: []uint32{100}},
		"root":     {User: "root"},
	}
	for view, fsys := range views {
		for name, c := range creds {
			t.Run(view+"/"+name, func(t *testing.T) {
				p := fsys.NewProber(c)
				if p.Kernel() != (view == "disk") {
					t.Fatalf("Kernel() = %v on the %s view", p.Kernel(), view)
				}
				checked := 0
				// the same, all directories at once (ReadableSets), each
				// called for the readable names
				var sets []ProbeSet
				var setDirs []string
				var eachCalled [][]bool
				defer func() {
					for _, s := range sets {
						s.D.Close()
					}
				}()
				for _, dir := range []string{"/srv", "/srv/d700", "/srv/d711", "/srv/d644", "/srv/d750g", "/srv/acls"} {
					names, err := fsys.ReadDirNames(dir)
					if err != nil {
						continue
					}
					var files []string
					for _, n := range names {
						if info, err := fsys.Lstat(join(dir, n)); err == nil && info.Type == TypeRegular {
							files = append(files, n)
						}
					}
					d, err := fsys.OpenDir(dir)
					if err != nil {
						t.Fatal(err)
					}
					ok := make([]bool, len(files))
					p.Readable(d, files, ok, 2, nil)
					called := make([]bool, len(files))
					sets = append(sets, ProbeSet{D: d, Names: files, OK: make([]bool, len(files)), Each: func(i int) { called[i] = true }})
					setDirs, eachCalled = append(setDirs, dir), append(eachCalled, called)
					for i, n := range files {
						res := fsys.Access(c, join(dir, n), Read, false)
						if ok[i] != (res.Err == 0) {
							t.Errorf("%s/%s: Readable %v, Access %v", dir, n, ok[i], res.Err)
						}
						checked++
					}
				}
				if checked < 10 {
					t.Errorf("only %d files checked", checked)
				}
				p.ReadableSets(sets)
				for k, set := range sets {
					for i, n := range set.Names {
						res := fsys.Access(c, join(setDirs[k], n), Read, false)
						if set.OK[i] != (res.Err == 0) || eachCalled[k][i] != set.OK[i] {
							t.Errorf("%s/%s: ReadableSets %v (each called: %v), Access %v", setDirs[k], n, set.OK[i], eachCalled[k][i], res.Err)
						}
					}
				}
			})
		}
	}
}

// listingViews lays out one tree to list, in memory and on the disk (with
// owners when run as root): files of names that sort apart, a directory,
// an empty one, and links to a file and to a directory.
func listingViews(t *testing.T) map[string]*FS {
	nodes := []node{d("srv", 0o755), d("srv/sub", 0o755), l("srv/link", "a"), l("srv/dirlink", "sub"), d("srv/empty", 0o755)}
	for _, n := range []string{"a", "b.html", "c d", "é", "z9", "y", "x", "w", "v"} {
		nodes = append(nodes, f("srv/"+n, 0o644))
	}
	views := map[string]*FS{"memory": memoryTree(t, nodes...)}
	if os.Geteuid() == 0 {
		views["disk"] = New(buildTree(t, nodes...))
	} else {
		views["disk"] = New(layNodes(t, false, nodes...))
	}
	return views
}

// TestReadDirBatchesTyped checks that the typed listing gives the batches
// of ReadDirBatches, and says "regular" exactly of the regular files.
func TestReadDirBatchesTyped(t *testing.T) {
	views := listingViews(t)
	for view, fsys := range views {
		for _, batch := range []int{1, 2, 5, 1024} {
			var want [][]string
			if err := fsys.ReadDirBatches("/srv", batch, func(names []string) error {
				want = append(want, names)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			var got [][]string
			err := fsys.ReadDirBatchesTyped("/srv", batch, func(names []string, regular []bool) error {
				got = append(got, names)
				for i, n := range names {
					info, err := fsys.Lstat("/srv/" + n)
					if err != nil {
						t.Fatal(err)
					}
					if regular[i] != (info.Type == TypeRegular) {
						t.Errorf("%s, batch %d: %s: regular %v, a %s", view, batch, n, regular[i], info.Type)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(got, want, slices.Equal) {
				t.Errorf("%s, batch %d: batches %q, ReadDirBatches gives %q", view, batch, got, want)
			}
		}
	}
	if err := views["disk"].ReadDirBatchesTyped("/srv/link", 5, func([]string, []bool) error { return nil }); err == nil {
		t.Error("listing a link to a file: no error")
	}
}

// TestListDir checks that ListDir lists a directory whole as
// ReadDirBatchesTyped's one batch, looks its entries up through the
// descriptor that listed them, declines a directory of more entries than
// asked, and fails as listing does.
func TestListDir(t *testing.T) {
	views := listingViews(t)
	for view, fsys := range views {
		for _, dir := range []string{"/srv", "/srv/dirlink", "/srv/empty"} {
			var wantNames []string
			var wantRegular []bool
			if err := fsys.ReadDirBatchesTyped(dir, 1024, func(names []string, regular []bool) error {
				wantNames, wantRegular = names, regular
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			d, names, regular, ok, err := fsys.ListDir(dir, len(wantNames))
			if err != nil || !ok {
				t.Fatalf("%s: ListDir(%s, %d): ok %v, %v", view, dir, len(wantNames), ok, err)
			}
			if len(names) != len(wantNames) || len(wantNames) > 0 && (!slices.Equal(names, wantNames) || !slices.Equal(regular, wantRegular)) {
				t.Errorf("%s: ListDir(%s) = %q %v, want %q %v", view, dir, names, regular, wantNames, wantRegular)
			}
			for _, n := range names {
				got, err := d.Lstat(n)
				want, werr := fsys.Lstat(dir + "/" + n)
				if err != nil || werr != nil || got.Type != want.Type || got.Path != want.Path || got.Perm != want.Perm || got.Target != want.Target {
					t.Errorf("%s: %s: Lstat through the listing's Dir = %+v, %v; FS.Lstat = %+v, %v", view, n, got, err, want, werr)
				}
			}
			if err := d.Close(); err != nil {
				t.Error(err)
			}
			if len(wantNames) > 0 {
				if d, _, _, ok, err := fsys.ListDir(dir, len(wantNames)-1); ok || err != nil || d != nil {
					t.Errorf("%s: ListDir(%s, %d) of %d entries: ok %v, Dir %v, %v; want it declined", view, dir, len(wantNames)-1, len(wantNames), ok, d, err)
				}
			}
		}
		for _, bad := range []string{"/srv/link", "/srv/nothing"} {
			_, _, _, _, err := fsys.ListDir(bad, 100)
			werr := fsys.ReadDirBatchesTyped(bad, 100, func([]string, []bool) error { return nil })
			if err == nil || werr == nil || err.Error() != werr.Error() {
				t.Errorf("%s: ListDir(%s): %v; listing says %v", view, bad, err, werr)
			}
		}
	}
}

// TestProberGivesCredentialsBack checks that the thread a probe ran on
// holds root's identity again after: it reads a file no one but root may
// read, and its groups are the process's.
func TestProberGivesCredentialsBack(t *testing.T) {
	root := buildTree(t, d("srv", 0o700), own(f("srv/secret", 0o000), 1234, 1234))
	fsys := New(root)
	p := fsys.NewProber(www)
	if !p.Kernel() {
		t.Skip("the kernel does not answer here")
	}
	d, err := fsys.OpenDir("/srv")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	before, err := unix.Getgroups()
	if err != nil {
		t.Fatal(err)
	}
	// pin this goroutine to its thread, so that the probe runs on it and
	// the checks after look at the same thread
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	ok := make([]bool, 1)
	p.Readable(d, []string{"secret"}, ok, 1, nil)
	if ok[0] {
		t.Error("www-data may read a file of mode 000")
	}
	if _, err := os.ReadFile(filepath.Join(root, "srv/secret")); err != nil {
		t.Errorf("after the probe, root cannot read: %v", err)
	}
	after, err := unix.Getgroups()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(before, after) {
		t.Errorf("groups after the probe %v, before %v", after, before)
	}
}
