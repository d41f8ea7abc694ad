package fsmeta

import (
	"errors"
	"io/fs"
	"os"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// backend holds the primitive operations of a filesystem view; FS builds
// the path walk, the permission check, symlink resolution inside the root,
// globbing and caching on top of them, the same for every backend. Paths
// handed to a backend are cleaned server paths with no symlink in their
// directories ("physical" paths).
type backend interface {
	// lstat describes phys without following it, with its ACL and label.
	// Errors are *fs.PathError values naming phys with a syscall.Errno.
	lstat(phys string) (*Info, error)
	// readDir calls fn with the names of the directory phys, at most batch
	// at a time (all at once when batch <= 0), unsorted. Errors name the
	// server path name.
	readDir(phys, name string, batch int, fn func([]string) error) error
	// readFile returns the contents of phys, which Access found to be a
	// regular file, or a *TooLargeError beyond limit. Errors name the
	// server path name.
	readFile(phys, name string, limit int64) ([]byte, error)
	// aclSupported reports whether the filesystem holding phys supports
	// POSIX ACLs (see FS.ACLSupported).
	aclSupported(phys string) bool
}

// disk is the backend of the real filesystem, with server paths under the
// host directory root.
type disk struct {
	root string
}

// hostPath joins the server path p to the root.
func (d disk) hostPath(p string) string {
	switch {
	case d.root == "/":
		return p
	case p == "/":
		return d.root
	}
	return d.root + p
}

func (d disk) lstat(p string) (*Info, error) {
	// The host path is made once, NUL-terminated, for both system calls
	// (the unix package would copy it for each).
	hostz := make([]byte, 0, len(d.root)+len(p)+1)
	if d.root != "/" {
		hostz = append(hostz, d.root...)
	}
	if p != "/" || d.root == "/" {
		hostz = append(hostz, p...)
	}
	hostz = append(hostz, 0)
	host := string(hostz[:len(hostz)-1])
	var st unix.Stat_t
	if err := ignoringEINTR(func() error { return lstatz(hostz, &st) }); err != nil {
		return nil, &fs.PathError{Op: "lstat", Path: p, Err: errnoOf(err)}
	}
	return describe(p, host, &st, func() (string, error) { return os.Readlink(host) }, func() bool { return hasAnyXattrz(hostz) })
}

// lstatz is lstat(2) of the NUL-terminated absolute path hostz (the
// directory argument of fstatat is then not read).
func lstatz(hostz []byte, st *unix.Stat_t) error {
	_, _, e := unix.Syscall6(unix.SYS_NEWFSTATAT, 0, uintptr(unsafe.Pointer(&hostz[0])), uintptr(unsafe.Pointer(st)), unix.AT_SYMLINK_NOFOLLOW, 0, 0)
	runtime.KeepAlive(hostz)
	if e != 0 {
		return e
	}
	return nil
}

// hasAnyXattrz is hasAnyXattr of the NUL-terminated path hostz.
func hasAnyXattrz(hostz []byte) bool {
	for {
		n, _, e := unix.Syscall(unix.SYS_LLISTXATTR, uintptr(unsafe.Pointer(&hostz[0])), 0, 0)
		runtime.KeepAlive(hostz)
		if e == unix.EINTR {
			continue
		}
		return e != 0 || n > 0
	}
}

// describe makes the Info of the server path p (host on this machine)
// from its lstat st, reading the text of a link with readlink and its
// ACL and SELinux label when hasXattr says it may carry any.
func describe(p, host string, st *unix.Stat_t, readlink func() (string, error), hasXattr func() bool) (*Info, error) {
	info := &Info{
		Path: p,
		Perm: st.Mode & 0o7777,
		UID:  st.Uid,
		GID:  st.Gid,
		Size: st.Size,
	}
	info.Type = fileType(st.Mode)
	if info.Type == TypeRegular {
		info.Nlink = uint64(st.Nlink)
	}
	if info.Type == TypeSymlink {
		t, err := readlink()
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return nil, &fs.PathError{Op: "readlink", Path: p, Err: err}
		}
		info.Target = t
	}
	if !hasXattr() {
		return info, nil
	}
	if info.Type != TypeSymlink {
		// A malformed ACL cannot come from a working kernel; ignore it
		// rather than guess.
		if b := getxattr(host, "system.posix_acl_access"); b != nil {
			if acl, err := ParseACL(b); err == nil {
				info.ACL = acl
			}
		}
	}
	if b := getxattr(host, "security.selinux"); len(b) > 0 {
		info.Label = strings.TrimRight(string(b), "\x00")
	}
	return info, nil
}

// hasAnyXattr reports whether host may carry extended attributes: one
// llistxattr call spares the two lookups for the common file without any.
func hasAnyXattr(host string) bool {
	return hasAnyXattrz(append([]byte(host), 0))
}

// getxattr returns the value of the extended attribute name of host (not
// following symlinks), or nil when it is absent, unsupported or unreadable.
func getxattr(host, name string) []byte {
	var small [256]byte
	buf := small[:]
	for range 4 {
		n, err := unix.Lgetxattr(host, name, buf)
		switch {
		case err == nil:
			return slices.Clone(buf[:n])
		case err == unix.ERANGE:
			size, err := unix.Lgetxattr(host, name, nil)
			if err != nil || size <= 0 || size > maxACLSize {
				return nil
			}
			buf = make([]byte, size)
		case err == unix.EINTR:
		default:
			return nil
		}
	}
	return nil
}

func ignoringEINTR(fn func() error) error {
	for {
		err := fn()
		if err != unix.EINTR {
			return err
		}
	}
}

// readFile opens phys on the host and reads at most limit bytes.
func (d disk) readFile(phys, p string, limit int64) ([]byte, error) {
	// O_NOFOLLOW: the resolved path holds no symlink; if one was swapped
	// in since, refuse it instead of leaving the root. O_NONBLOCK: a FIFO
	// swapped in does not block the open. (The descriptor is used raw:
	// os.File would register it with the poller and set it blocking, two
	// more system calls a file.)
	var fd int
	err := ignoringEINTR(func() (err error) {
		fd, err = unix.Open(d.hostPath(phys), unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		return err
	})
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: p, Err: sysErr(err)}
	}
	defer unix.Close(fd)
	// The Info may come from the cache: decide on the object opened.
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, &fs.PathError{Op: "open", Path: p, Err: sysErr(err)}
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		return nil, &fs.PathError{Op: "read", Path: p, Err: syscall.EISDIR}
	case unix.S_IFREG:
	default:
		return nil, &fs.PathError{Op: "read", Path: p, Err: errNotRegular}
	}
	size := st.Size
	if size > limit {
		return nil, &fs.PathError{Op: "read", Path: p, Err: &TooLargeError{Size: size, Limit: limit}}
	}
	// One byte more than the size, to see the end (or a file that grew).
	b := make([]byte, 0, size+1)
	for {
		n, err := unix.Read(fd, b[len(b):cap(b)])
		if err == unix.EINTR || err == unix.EAGAIN {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: p, Err: sysErr(err)}
		}
		if n == 0 {
			return b, nil
		}
		b = b[:len(b)+n]
		if int64(len(b)) > limit {
			return nil, &fs.PathError{Op: "read", Path: p, Err: &TooLargeError{Size: int64(len(b)), Limit: limit}}
		}
		if int64(len(b)) == size && len(b) < cap(b) {
			// the size fstat gave, and the byte more asked for did not
			// come: the end of a regular file (spares the read of 0)
			return b, nil
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

// readDir reads the names of the host directory phys (getdents64 on a
// raw descriptor, as readDirTyped).
func (d disk) readDir(phys, p string, batch int, fn func([]string) error) error {
	if batch <= 0 {
		// all at once: one batch as large as the directory
		var all []string
		err := d.readDirTyped(phys, p, 1<<30, func(names []string, _ []bool) error {
			all = append(all, names...)
			return nil
		})
		if err != nil || len(all) == 0 {
			return err
		}
		return fn(all)
	}
	return d.readDirTyped(phys, p, batch, func(names []string, _ []bool) error { return fn(names) })
}
