package fsmeta

import (
	"io/fs"
	"path"
	"strings"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Dir is a directory opened to look up the metadata of its entries: on
// the disk, relative to a descriptor of the directory (fstatat, and
// listxattrat where the kernel has it), which spares the kernel the walk
// of the whole path for every entry; a third less system time on a large
// docroot. Lstat may be called from several goroutines at once; Close it
// once every Lstat has returned.
type Dir struct {
	f    *FS
	p    string // server path asked for
	phys string // where it resolved to
	fd   int    // -1 when the backend is not the disk
}

// OpenDir opens the directory at server path p (following links inside
// the root) for Lstat of its entries.
func (f *FS) OpenDir(p string) (*Dir, error) {
	p = clean(p)
	info, err := f.resolveDir(p)
	if err != nil {
		return nil, err
	}
	d := &Dir{f: f, p: p, phys: info.Path, fd: -1}
	if b, ok := f.b.(disk); ok {
		fd, err := unix.Open(b.hostPath(d.phys), unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: p, Err: errnoOf(err)}
		}
		d.fd = fd
	}
	return d, nil
}

// Close releases the directory's descriptor.
func (d *Dir) Close() error {
	if d.fd < 0 {
		return nil
	}
	fd := d.fd
	d.fd = -1
	return unix.Close(fd)
}

// Lstat is FS.Lstat of the entry name (a name, no slash) of the directory:
// the same answer, the same caching.
func (d *Dir) Lstat(name string) (*Info, error) {
	if d.fd < 0 || name == "" || name == "." || name == ".." || strings.Contains(name, "/") {
		return d.f.Lstat(path.Join(d.p, name))
	}
	p := join(d.p, name)
	phys := join(d.phys, name)
	if info, ok := d.f.cached(phys); ok {
		return renamed(info, p), nil
	}
	host := d.f.b.(disk).hostPath(phys)
	var st unix.Stat_t
	if err := ignoringEINTR(func() error { return unix.Fstatat(d.fd, name, &st, unix.AT_SYMLINK_NOFOLLOW) }); err != nil {
		return nil, &fs.PathError{Op: "lstat", Path: p, Err: errnoOf(err)}
	}
	info, err := describe(phys, host, &st, func() (string, error) { return readlinkAt(d.fd, name) }, func() bool { return hasAnyXattrAt(d.fd, name, host) })
	if err != nil {
		if d.f.hostWalk {
			err.(*fs.PathError).Path = p // as lstatPhys's error
			return nil, err
		}
		return nil, &fs.PathError{Op: "lstat", Path: p, Err: errnoOf(err)}
	}
	d.f.keep(phys, info)
	return renamed(info, p), nil
}

// renamed returns info under the server path p it was asked by.
func renamed(info *Info, p string) *Info {
	if info.Path == p {
		return info
	}
	cp := *info
	cp.Path = p
	return &cp
}

// readlinkAt is readlinkat(2) of name in the directory fd.
func readlinkAt(fd int, name string) (string, error) {
	for size := 256; ; size *= 2 {
		buf := make([]byte, size)
		n, err := unix.Readlinkat(fd, name, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return "", err
		}
		if n < size {
			return string(buf[:n]), nil
		}
	}
}

// sysListxattrat is listxattrat(2) (Linux 6.13); noListxattrat is set
// once the kernel said it has none.
const sysListxattrat = 465

var noListxattrat atomic.Bool

// hasAnyXattrAt is hasAnyXattr for name in the directory fd (host is its
// path, for kernels without listxattrat).
func hasAnyXattrAt(fd int, name, host string) bool {
	if noListxattrat.Load() {
		return hasAnyXattr(host)
	}
	b, err := unix.BytePtrFromString(name)
	if err != nil {
		return hasAnyXattr(host)
	}
	for {
		n, _, e := unix.Syscall6(sysListxattrat, uintptr(fd), uintptr(unsafe.Pointer(b)), uintptr(unix.AT_SYMLINK_NOFOLLOW), 0, 0, 0)
		switch e {
		case 0:
			return n > 0
		case unix.EINTR:
			continue
		case unix.ENOSYS, unix.EPERM:
			// a kernel before 6.13, or a sandbox refusing the call
			noListxattrat.Store(true)
		}
		return hasAnyXattr(host)
	}
}
