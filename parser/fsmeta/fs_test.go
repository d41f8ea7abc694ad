package fsmeta

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestNewRootHostPath(t *testing.T) {
	tests := []struct {
		root, wantRoot string
		p, wantHost    string
	}{
		{"", "/", "/etc/nginx", "/etc/nginx"},
		{"/", "/", "/etc/nginx", "/etc/nginx"},
		{"/", "/", "/", "/"},
		{"/srv/img", "/srv/img", "/etc/nginx", "/srv/img/etc/nginx"},
		{"/srv/img/", "/srv/img", "/", "/srv/img"},
		{"/srv//img/.", "/srv/img", "/a/../../etc", "/srv/img/etc"},
		{"/srv/img", "/srv/img", "etc/passwd", "/srv/img/etc/passwd"},
		{"/srv/img", "/srv/img", "", "/srv/img"},
	}
	for _, tt := range tests {
		f := New(tt.root)
		if got := f.Root(); got != tt.wantRoot {
			t.Errorf("New(%q).Root() = %q, want %q", tt.root, got, tt.wantRoot)
		}
		if got := f.HostPath(tt.p); got != tt.wantHost {
			t.Errorf("New(%q).HostPath(%q) = %q, want %q", tt.root, tt.p, got, tt.wantHost)
		}
	}
	wd, _ := os.Getwd()
	if got := New("rel").Root(); got != filepath.Join(wd, "rel") {
		t.Errorf("New(rel).Root() = %q, want it made absolute", got)
	}
}

// TestNewRootThroughLink checks that a root given as a link to a tree
// (a release behind "current") reads the tree.
func TestNewRootThroughLink(t *testing.T) {
	tree := buildTree(t, d("etc", 0o755), f("etc/nginx.conf", 0o644))
	link := filepath.Join(t.TempDir(), "current")
	if err := os.Symlink(tree, link); err != nil {
		t.Fatal(err)
	}
	f := New(link)
	if info, err := f.Lstat("/etc/nginx.conf"); err != nil || info.Type != TypeRegular {
		t.Fatalf("Lstat through a linked root: %+v, %v", info, err)
	}
	if _, err := f.ReadDirNames("/"); err != nil {
		t.Errorf("ReadDirNames(/) through a linked root: %v", err)
	}
}

func TestLstat(t *testing.T) {
	root := buildTree(t,
		own(d("srv", os.ModeSetgid|0o750), 0, 33),
		own(f("srv/a.html", 0o640), 1000, 33),
		l("srv/link", "a.html"),
		l("srv/abs", "/srv"),
		l("srv/escape", "/etc"),
	)
	if err := os.WriteFile(filepath.Join(root, "srv/a.html"), []byte("12345"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mkfifo(filepath.Join(root, "srv/fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	fsys := New(root)
	tests := []struct {
		p    string
		want Info
		err  syscall.Errno
	}{
		{"/", Info{Path: "/", Type: TypeDir, Perm: 0o755}, 0},
		{"/srv", Info{Path: "/srv", Type: TypeDir, Perm: 0o2750, GID: 33}, 0},
		{"/srv/a.html", Info{Path: "/srv/a.html", Type: TypeRegular, Perm: 0o640, UID: 1000, GID: 33, Size: 5, Nlink: 1}, 0},
		{"/srv/link", Info{Path: "/srv/link", Type: TypeSymlink, Perm: 0o777, Size: 6, Target: "a.html"}, 0},
		{"/srv/fifo", Info{Path: "/srv/fifo", Type: TypeOther, Perm: 0o600, GID: 33}, 0}, // setgid dir
		{"/srv/./a.html", Info{Path: "/srv/a.html", Type: TypeRegular, Perm: 0o640, UID: 1000, GID: 33, Size: 5, Nlink: 1}, 0},
		// A link in the directories is followed inside the root; Path stays p.
		{"/srv/abs/a.html", Info{Path: "/srv/abs/a.html", Type: TypeRegular, Perm: 0o640, UID: 1000, GID: 33, Size: 5, Nlink: 1}, 0},
		{"/srv/escape/passwd", Info{}, syscall.ENOENT},
		{"/srv/missing", Info{}, syscall.ENOENT},
		{"/srv/missing/x", Info{}, syscall.ENOENT},
		{"/srv/a.html/x", Info{}, syscall.ENOTDIR},
	}
	for _, tt := range tests {
		t.Run(tt.p, func(t *testing.T) {
			got, err := fsys.Lstat(tt.p)
			if tt.err != 0 {
				var pe *fs.PathError
				if !errors.As(err, &pe) || pe.Op != "lstat" || pe.Path != path.Clean(tt.p) || pe.Err != tt.err {
					t.Fatalf("Lstat() error = %#v, want lstat %s: %v", err, tt.p, tt.err)
				}
				if tt.err == syscall.ENOENT && !errors.Is(err, fs.ErrNotExist) {
					t.Error("errors.Is(err, fs.ErrNotExist) = false")
				}
				return
			}
			if err != nil {
				t.Fatalf("Lstat() error = %v", err)
			}
			if got.Type == TypeDir {
				got.Size = 0 // directory sizes depend on the filesystem
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("Lstat() = %+v, want %+v", *got, tt.want)
			}
		})
	}
	// The real-root FS sees the same temp tree through the host path.
	host := New("/")
	info, err := host.Lstat(filepath.Join(root, "srv/a.html"))
	if err != nil || info.Size != 5 || info.UID != 1000 {
		t.Errorf("real-root Lstat = %+v, %v", info, err)
	}
}

func TestLstatLabel(t *testing.T) {
	root := buildTree(t, f("a.html", 0o644))
	label := "system_u:object_r:httpd_sys_content_t:s0"
	if err := unix.Lsetxattr(filepath.Join(root, "a.html"), "security.selinux", append([]byte(label), 0), 0); err != nil {
		t.Skipf("cannot set security.selinux here: %v", err)
	}
	info, err := New(root).Lstat("/a.html")
	if err != nil {
		t.Fatal(err)
	}
	if info.Label != label {
		t.Errorf("Label = %q, want %q", info.Label, label)
	}
}

func TestLstatCache(t *testing.T) {
	root := buildTree(t, d("dir", 0o755), f("dir/a", 0o644))
	fsys := New(root)
	if _, err := fsys.Lstat("/dir"); err != nil {
		t.Fatal(err)
	}
	if _, err := fsys.Lstat("/dir/a"); err != nil {
		t.Fatal(err)
	}
	fsys.mu.Lock()
	_, dirCached := fsys.cache["/dir"]
	_, fileCached := fsys.cache["/dir/a"]
	fsys.mu.Unlock()
	if !dirCached || fileCached {
		t.Errorf("cached dir %v, file %v; want dir only", dirCached, fileCached)
	}
	// FS is a snapshot: a chmod shows up after Reset.
	if err := os.Chmod(filepath.Join(root, "dir/a"), 0o600); err != nil {
		t.Fatal(err)
	}
	fsys.Reset()
	if info, _ := fsys.Lstat("/dir/a"); info.Perm != 0o600 {
		t.Errorf("file Perm = %#o after chmod and Reset, want 0600", info.Perm)
	}
	// Recent files are kept, but never more than maxRecentFiles.
	fsys.mu.Lock()
	fsys.files = map[string]*Info{}
	for i := range maxRecentFiles {
		fsys.files[fmt.Sprintf("/fake/%d", i)] = &Info{}
	}
	fsys.mu.Unlock()
	if _, err := fsys.Lstat("/dir/a"); err != nil {
		t.Fatal(err)
	}
	fsys.mu.Lock()
	if n := len(fsys.files); n > maxRecentFiles || fsys.files["/dir/a"] == nil {
		t.Errorf("%d recent files cached (limit %d), /dir/a cached: %v", n, maxRecentFiles, fsys.files["/dir/a"] != nil)
	}
	fsys.mu.Unlock()
	// The cache is dropped when full.
	fsys.mu.Lock()
	for i := range maxCache {
		fsys.cache["/fake/"+string(rune(i))] = &Info{}
	}
	fsys.mu.Unlock()
	if _, err := fsys.Lstat("/"); err != nil {
		t.Fatal(err)
	}
	fsys.mu.Lock()
	n := len(fsys.cache)
	fsys.mu.Unlock()
	if n > maxCache {
		t.Errorf("cache holds %d entries, bound %d", n, maxCache)
	}
}

func TestConcurrentAccess(t *testing.T) {
	fsys := New(accessTree(t))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				if r := fsys.Access(www, "/srv/link/a.html", Read, true); r.Err != 0 {
					t.Errorf("Access() = %v", r.Err)
					return
				}
				if r := fsys.Access(www, "/srv/d700/a.html", Read, true); r.Err != syscall.EACCES {
					t.Errorf("Access() = %v, want EACCES", r.Err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestReadFile(t *testing.T) {
	root := buildTree(t,
		d("etc", 0o755), d("etc/nginx", 0o755),
		f("etc/nginx/nginx.conf", 0o600),
		l("etc/nginx/abs.conf", "/etc/nginx/nginx.conf"),
		l("etc/nginx/rel.conf", "nginx.conf"),
		l("etc/nginx/escape.conf", "../../../../../../etc/hostname"),
		l("etc/nginx/dangling.conf", "nope.conf"),
		l("etc/nginx/conf", "/etc/nginx"),
	)
	if err := unix.Mkfifo(filepath.Join(root, "etc/nginx/fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	fsys := New(root)
	want := "content of etc/nginx/nginx.conf\n"
	tests := []struct {
		p    string
		want string
		err  error
	}{
		{"/etc/nginx/nginx.conf", want, nil},
		{"/etc/nginx/abs.conf", want, nil},
		{"/etc/nginx/rel.conf", want, nil},
		{"/etc/nginx/conf/nginx.conf", want, nil},
		{"/etc/nginx/escape.conf", "", syscall.ENOENT},
		{"/etc/nginx/dangling.conf", "", syscall.ENOENT},
		{"/etc/nginx/missing.conf", "", syscall.ENOENT},
		{"/etc/nginx", "", syscall.EISDIR},
		{"/etc/nginx/fifo", "", errNotRegular},
		{"/etc/nginx/nginx.conf/x", "", syscall.ENOTDIR},
	}
	for _, tt := range tests {
		t.Run(tt.p, func(t *testing.T) {
			b, err := fsys.ReadFile(tt.p)
			if tt.err != nil {
				var pe *fs.PathError
				if !errors.As(err, &pe) || pe.Path != tt.p || !errors.Is(err, tt.err) {
					t.Fatalf("ReadFile() error = %v, want %v on %s", err, tt.err, tt.p)
				}
				return
			}
			if err != nil || string(b) != tt.want {
				t.Errorf("ReadFile() = %q, %v; want %q", b, err, tt.want)
			}
		})
	}
}

func TestReadDirNames(t *testing.T) {
	root := buildTree(t,
		d("d", 0o755), f("d/b", 0o644), f("d/a", 0o644), f("d/.hidden", 0o644), d("d/c", 0o700),
		l("dl", "/d"), d("empty", 0o755), f("file", 0o644),
	)
	fsys := New(root)
	tests := []struct {
		p    string
		want []string
		err  syscall.Errno
	}{
		{"/d", []string{".hidden", "a", "b", "c"}, 0},
		{"/dl", []string{".hidden", "a", "b", "c"}, 0},
		{"/empty", []string{}, 0},
		{"/file", nil, syscall.ENOTDIR},
		{"/missing", nil, syscall.ENOENT},
	}
	for _, tt := range tests {
		t.Run(tt.p, func(t *testing.T) {
			got, err := fsys.ReadDirNames(tt.p)
			if tt.err != 0 {
				if !errors.Is(err, tt.err) {
					t.Fatalf("ReadDirNames() error = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ReadDirNames() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestGlob(t *testing.T) {
	root := buildTree(t,
		d("etc", 0o755), d("etc/nginx", 0o755),
		d("etc/nginx/conf.d", 0o755),
		f("etc/nginx/conf.d/b.conf", 0o644),
		f("etc/nginx/conf.d/a.conf", 0o644),
		f("etc/nginx/conf.d/.a.conf.swp", 0o644),
		f("etc/nginx/conf.d/notes.txt", 0o644),
		d("etc/nginx/sites-enabled", 0o755),
		d("etc/nginx/sites-available", 0o755),
		f("etc/nginx/sites-available/default", 0o644),
		l("etc/nginx/sites-enabled/default", "/etc/nginx/sites-available/default"),
		l("etc/nginx/sites-enabled/broken", "../sites-available/gone"),
		d("etc/nginx/modules-enabled", 0o755),
		f("etc/nginx/modules-enabled/50-mod.conf", 0o644),
		l("etc/nginx/linkdir", "/etc/nginx/conf.d"),
		f("etc/nginx/x[1].conf", 0o644),
	)
	fsys := New(root)
	tests := []struct {
		pattern string
		want    []string
		err     error
	}{
		{"/etc/nginx/conf.d/*.conf", []string{"/etc/nginx/conf.d/a.conf", "/etc/nginx/conf.d/b.conf"}, nil},
		{"/etc/nginx/conf.d/*", []string{"/etc/nginx/conf.d/a.conf", "/etc/nginx/conf.d/b.conf", "/etc/nginx/conf.d/notes.txt"}, nil},
		{"/etc/nginx/conf.d/.*", []string{"/etc/nginx/conf.d/.a.conf.swp"}, nil},
		{"/etc/nginx/conf.d/?.conf", []string{"/etc/nginx/conf.d/a.conf", "/etc/nginx/conf.d/b.conf"}, nil},
		{"/etc/nginx/conf.d/[a].conf", []string{"/etc/nginx/conf.d/a.conf"}, nil},
		{"/etc/nginx/sites-enabled/*", []string{"/etc/nginx/sites-enabled/broken", "/etc/nginx/sites-enabled/default"}, nil},
		{"/etc/nginx/*-enabled/*", []string{"/etc/nginx/modules-enabled/50-mod.conf", "/etc/nginx/sites-enabled/broken", "/etc/nginx/sites-enabled/default"}, nil},
		{"/etc/nginx/linkdir/*.conf", []string{"/etc/nginx/linkdir/a.conf", "/etc/nginx/linkdir/b.conf"}, nil},
		{"/etc/*/conf.d/a.conf", []string{"/etc/nginx/conf.d/a.conf"}, nil},
		{"/etc/nginx/conf.d/a.conf", []string{"/etc/nginx/conf.d/a.conf"}, nil},
		{"/etc//nginx/./conf.d/a.conf", []string{"/etc/nginx/conf.d/a.conf"}, nil},
		{"/etc/nginx/conf.d/missing.conf", nil, nil},
		{"/etc/nginx/nothing/*.conf", nil, nil},
		{"/etc/nginx/conf.d/*.none", nil, nil},
		{`/etc/nginx/x\[1\].conf`, []string{"/etc/nginx/x[1].conf"}, nil},
		// An escaped dot matches a leading dot; escapes work in any component.
		{`/etc/nginx/conf.d/\.*`, []string{"/etc/nginx/conf.d/.a.conf.swp"}, nil},
		{`/etc/nginx/conf\.d/*.conf`, []string{"/etc/nginx/conf.d/a.conf", "/etc/nginx/conf.d/b.conf"}, nil},
		{"/etc/nginx/[", nil, path.ErrBadPattern},
		{"/etc/nginx/conf.d/[a-", nil, path.ErrBadPattern},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			got, err := fsys.Glob(tt.pattern)
			if !errors.Is(err, tt.err) {
				t.Fatalf("Glob() error = %v, want %v", err, tt.err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Glob() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestGlobLenient(t *testing.T) {
	root := buildTree(t,
		d("etc", 0o755), d("etc/nginx", 0o755),
		f("etc/nginx/a.conf", 0o644),
		f("etc/nginx/[", 0o644),
		f("etc/nginx/ab[", 0o644),
		f("etc/nginx/[a-", 0o644),
		f("etc/nginx/[]", 0o644),
		f("etc/nginx/.[", 0o644),
		d("etc/nginx/d[", 0o755),
		f("etc/nginx/d[/x.conf", 0o644),
	)
	fsys := New(root)
	tests := []struct {
		pattern string
		want    []string
	}{
		// Well-formed patterns match as Glob matches them.
		{"/etc/nginx/*.conf", []string{"/etc/nginx/a.conf"}},
		{"/etc/nginx/nothing/*", nil},
		// glibc takes a "[" that no "]" follows literally.
		{"/etc/nginx/[", []string{"/etc/nginx/["}},
		{"/etc/nginx/*[", []string{"/etc/nginx/[", "/etc/nginx/ab[", "/etc/nginx/d["}},
		{"/etc/nginx/.*[", []string{"/etc/nginx/.["}},
		{"/etc/nginx/[a-", []string{"/etc/nginx/[a-"}},
		{"/etc/nginx/d[/*.conf", []string{"/etc/nginx/d[/x.conf"}},
		{"/etc/nginx/d[/[", nil},
		// Still malformed for path.Match: only the literal name.
		{"/etc/nginx/[]", []string{"/etc/nginx/[]"}},
		{"/etc/nginx/*[]", nil},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			if got := fsys.GlobLenient(tt.pattern); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("GlobLenient() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestReadFileLimit(t *testing.T) {
	root := buildTree(t,
		d("etc", 0o755), d("etc/nginx", 0o755),
		f("etc/nginx/nginx.conf", 0o600), // "content of etc/nginx/nginx.conf\n": 32 bytes
		l("etc/nginx/link.conf", "nginx.conf"),
		l("etc/nginx/loop", "loop"),
		d("etc/nginx/empty", 0o755),
		f("etc/nginx/empty.conf", 0o644),
	)
	if err := os.Truncate(filepath.Join(root, "etc/nginx/empty.conf"), 0); err != nil {
		t.Fatal(err)
	}
	// A FIFO without a writer: opening it must not block, nor reading it.
	if err := unix.Mkfifo(filepath.Join(root, "etc/nginx/fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	fsys := New(root)
	const content = "content of etc/nginx/nginx.conf\n"
	tests := []struct {
		p     string
		limit int64
		want  string
		op    string
		err   error // compared with errors.Is, or the *TooLargeError wanted
	}{
		{"/etc/nginx/nginx.conf", 32, content, "", nil},
		{"/etc/nginx/link.conf", 1 << 20, content, "", nil},
		{"/etc/nginx/empty.conf", 0, "", "", nil},
		{"/etc/nginx/nginx.conf", 31, "", "read", &TooLargeError{Size: 32, Limit: 31}},
		{"/etc/nginx/link.conf", 0, "", "read", &TooLargeError{Size: 32, Limit: 0}},
		{"/etc/nginx/missing.conf", 1 << 20, "", "open", syscall.ENOENT},
		{"/etc/nginx/nginx.conf/x", 1 << 20, "", "open", syscall.ENOTDIR},
		{"/etc/nginx/loop", 1 << 20, "", "open", syscall.ELOOP},
		{"/etc/nginx/empty", 1 << 20, "", "read", syscall.EISDIR},
		{"/etc/nginx/fifo", 1 << 20, "", "read", errNotRegular},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.p, "/", tt.limit), func(t *testing.T) {
			b, err := fsys.ReadFileLimit(tt.p, tt.limit)
			if tt.err == nil {
				if err != nil || string(b) != tt.want {
					t.Errorf("ReadFileLimit() = %q, %v; want %q", b, err, tt.want)
				}
				return
			}
			var pe *fs.PathError
			if !errors.As(err, &pe) || pe.Op != tt.op || pe.Path != tt.p {
				t.Fatalf("ReadFileLimit() error = %#v, want %s %s", err, tt.op, tt.p)
			}
			if want, ok := tt.err.(*TooLargeError); ok {
				var got *TooLargeError
				if !errors.As(err, &got) || *got != *want {
					t.Fatalf("ReadFileLimit() error = %v, want %v", err, want)
				}
			} else if !errors.Is(err, tt.err) {
				t.Fatalf("ReadFileLimit() error = %v, want %v", err, tt.err)
			}
			if strings.Contains(err.Error(), root) {
				t.Errorf("error names the host path: %v", err)
			}
		})
	}
	// A FIFO swapped in for a file whose Info is cached is refused on the
	// opened descriptor, without blocking.
	swap := filepath.Join(root, "etc/nginx/empty.conf")
	if err := os.Remove(swap); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mkfifo(swap, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := fsys.ReadFileLimit("/etc/nginx/empty.conf", 1<<20)
		done <- err
	}()
	select {
	case err := <-done:
		var pe *fs.PathError
		if !errors.As(err, &pe) || pe.Op != "read" || pe.Err != errNotRegular {
			t.Errorf("ReadFileLimit(swapped FIFO) error = %v, want read: not a regular file", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ReadFileLimit blocked on a FIFO")
	}
	if got := (&TooLargeError{Size: 20, Limit: 10}).Error(); got != "too large (20 bytes, limit 10)" {
		t.Errorf("TooLargeError.Error() = %q", got)
	}
}

func TestReadDirBatches(t *testing.T) {
	root := t.TempDir()
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "d")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range 25 {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%02d", i)), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fsys := New(root)
	var all []string
	maxBatch := 0
	err := fsys.ReadDirBatches("/d", 10, func(names []string) error {
		if !slices.IsSorted(names) {
			t.Errorf("batch not sorted: %v", names)
		}
		maxBatch = max(maxBatch, len(names))
		all = append(all, names...)
		return nil
	})
	if err != nil || len(all) != 25 || maxBatch > 10 {
		t.Errorf("err %v, %d names, largest batch %d", err, len(all), maxBatch)
	}
	// one batch: fully sorted, same as ReadDirNames
	want, _ := fsys.ReadDirNames("/d")
	var got []string
	fsys.ReadDirBatches("/d", 100, func(names []string) error { got = append(got, names...); return nil })
	if !slices.Equal(got, want) {
		t.Errorf("one batch %v, want %v", got, want)
	}
	stop := errors.New("stop")
	if err := fsys.ReadDirBatches("/d", 10, func([]string) error { return stop }); err != stop {
		t.Errorf("error from fn: got %v", err)
	}
	if err := fsys.ReadDirBatches("/d/f00", 10, func([]string) error { return nil }); !errors.Is(err, syscall.ENOTDIR) {
		t.Errorf("file: got %v, want ENOTDIR", err)
	}
}

// TestListedDirectoryAnswersMissing checks that a directory listed whole
// answers for its missing entries as the disk does (ENOENT, the same
// error), that its present entries are still looked up, and that Reset
// forgets the listing.
func TestListedDirectoryAnswersMissing(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "srv/www"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "srv/www/index.html"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	fsys := New(root)
	_, before := fsys.Lstat("/srv/www/.htaccess")
	if names, err := fsys.ReadDirNames("/srv/www"); err != nil || len(names) != 1 {
		t.Fatalf("ReadDirNames = %v, %v", names, err)
	}
	_, after := fsys.Lstat("/srv/www/.htaccess")
	if before == nil || after == nil || before.Error() != after.Error() || !errors.Is(after, fs.ErrNotExist) {
		t.Errorf("missing entry: %v before the listing, %v after", before, after)
	}
	if info, err := fsys.Lstat("/srv/www/index.html"); err != nil || info.Type != TypeRegular {
		t.Errorf("listed entry: %v, %v", info, err)
	}
	// another case of a listed name is asked of the disk (a directory
	// may fold case): here it does not exist
	if _, err := fsys.Lstat("/srv/www/INDEX.html"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("listed name in another case: %v", err)
	}
	// created after the listing: the FS is a snapshot until Reset
	if err := os.WriteFile(filepath.Join(root, "srv/www/.htaccess"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := fsys.Lstat("/srv/www/.htaccess"); err == nil {
		t.Error("an entry created after the listing is seen before Reset")
	}
	fsys.Reset()
	if _, err := fsys.Lstat("/srv/www/.htaccess"); err != nil {
		t.Errorf("after Reset: %v", err)
	}
	// a listing in batches of one entry is not whole: nothing kept
	other := New(root)
	if err := other.ReadDirBatches("/srv/www", 1, func([]string) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "srv/www/new.html"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Lstat("/srv/www/new.html"); err != nil {
		t.Errorf("after a listing in batches, a new entry: %v", err)
	}
}
