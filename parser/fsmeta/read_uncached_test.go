package fsmeta

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// TestReadUncached checks ReadFileLimit's reading of files whose
// metadata is not cached (readUncached) against its reading through
// resolve: the same bytes and the same error for regular files, links
// (to files, to directories on the way, dangling, looping), directories,
// a FIFO, missing names, a name a kept listing says is missing, paths
// not clean, paths through links, files over the limit and at the root;
// and that it reads the plain files itself (keeping nothing of them),
// so that the comparison is not with itself.
func TestReadUncached(t *testing.T) {
	root := t.TempDir()
	w := func(p, s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, p), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ln := func(target, p string) {
		t.Helper()
		if err := os.Symlink(target, filepath.Join(root, p)); err != nil {
			t.Fatal(err)
		}
	}
	w("etc/a.conf", "a\n")
	w("etc/sub/b.conf", "bb\n")
	w("etc/big.conf", "0123456789")
	w("top.conf", "top\n")
	w("srv/listed/x", "x")
	w("etc/private.conf", "secret\n")
	if err := os.Chmod(filepath.Join(root, "etc/private.conf"), 0); err != nil {
		t.Fatal(err)
	}
	ln("a.conf", "etc/link.conf")
	ln("/etc/sub", "etc/linkdir")
	ln("nowhere", "etc/dangling.conf")
	ln("loop2", "etc/loop1")
	ln("loop1", "etc/loop2")
	if err := unix.Mkfifo(filepath.Join(root, "etc/fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	paths := []string{"/etc/a.conf", "/etc/sub/b.conf", "/etc/big.conf", "/top.conf", "/etc/private.conf",
		"/etc/link.conf", "/etc/linkdir/b.conf", "/etc/dangling.conf", "/etc/loop1", "/etc/fifo", "/etc/sub",
		"/etc/missing.conf", "/etc/missing/a.conf", "/etc/a.conf/x", "/srv/listed/y", "/srv/listed/x", "/srv/listed/X",
		"/etc//a.conf", "/etc/./a.conf", "/etc/sub/../a.conf", "etc/a.conf", "/etc/a.conf/", "/", "/etc/.", "/etc/.."}
	read := func(on bool) []string {
		defer func(was bool) { readUncachedOn = was }(readUncachedOn)
		readUncachedOn = on
		f := New(root)
		if _, err := f.ReadDirNames("/srv/listed"); err != nil { // a listing kept
			t.Fatal(err)
		}
		var out []string
		for _, p := range paths {
			b, err := f.ReadFileLimit(p, 5)
			out = append(out, fmt.Sprintf("%q %v", b, err))
		}
		return out
	}
	without, with := read(false), read(true)
	for i, p := range paths {
		if with[i] != without[i] {
			t.Errorf("%s: %s, want %s", p, with[i], without[i])
		}
	}
	f := New(root)
	for _, p := range []string{"/etc/a.conf", "/etc/linkdir/b.conf", "/etc/sub/b.conf"} {
		if _, err, ok := f.readUncached(p, 100); !ok || err != nil {
			t.Errorf("%s: not read uncached (%v)", p, err)
		}
	}
	if _, ok := f.cached("/etc/a.conf"); ok {
		t.Error("/etc/a.conf kept after its read")
	}
	for _, p := range []string{"/etc/link.conf", "/etc/sub", "/etc/fifo", "/etc/missing.conf", "/etc//a.conf", "/top.conf", "/srv/listed/y"} {
		if _, _, ok := f.readUncached(p, 100); ok {
			t.Errorf("%s: read uncached", p)
		}
	}
}

// TestReadPastStatSize checks that a read goes on past the size fstat
// gives when there is more: a file of /proc says 0 bytes and holds more.
func TestReadPastStatSize(t *testing.T) {
	b, err := New("/").ReadFileLimit("/proc/self/status", 1<<20)
	if err != nil {
		t.Skip("no /proc here:", err)
	}
	if len(b) == 0 || !bytes.Contains(b, []byte("Name:")) {
		t.Errorf("/proc/self/status read as %d bytes: %q", len(b), b)
	}
}
