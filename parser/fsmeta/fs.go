package fsmeta

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// maxCache is the number of cached directory entries after which the cache
// is dropped and refilled, so memory stays bounded on huge trees.
const maxCache = 100_000

// maxRecentFiles bounds the cache of recently seen non-directories.
const maxRecentFiles = 256

// FS reads filesystem metadata for paths as the server sees them, resolved
// under an optional root dir (--root). An FS is safe for concurrent use.
//
// Lstat results for directories are cached for the life of the FS (a run of
// unforbid); regular files are never cached.
type FS struct {
	root string // cleaned absolute host directory; "/" for the real root

	mu    sync.Mutex
	cache map[string]*Info // server path -> directory Info
	// files holds the most recent non-directory entries: one simulated
	// request stats the same file several times (try_files, then the
	// static open). Cleared when full, so memory stays bounded.
	files map[string]*Info
}

// Info is the metadata of one filesystem object, as lstat(2) and its
// extended attributes describe it. An Info returned by this package is
// shared: callers must not modify it.
type Info struct {
	Path   string   // server path
	Type   FileType // from st_mode
	Perm   uint32   // st_mode & 07777
	UID    uint32
	GID    uint32
	Size   int64
	Target string // for symlinks: the link text
	ACL    *ACL   // from system.posix_acl_access; nil when there is none
	Label  string // SELinux label from security.selinux, "" when none
}

// IsDir reports whether the object is a directory.
func (i *Info) IsDir() bool { return i != nil && i.Type == TypeDir }

// New returns an FS whose server paths live under the host directory root.
// A root of "" or "/" means the real root. A relative root is made absolute
// against the working directory when possible.
func New(root string) *FS {
	if root == "" {
		root = "/"
	}
	if abs, err := filepath.Abs(root); err == nil {
		root = abs
	}
	return &FS{root: filepath.Clean(root), cache: make(map[string]*Info)}
}

// Root returns the host directory server paths are resolved under, "/" for
// the real root.
func (f *FS) Root() string { return f.root }

// clean makes p an absolute, lexically cleaned server path; ".." at the top
// stays at "/", so the result never leaves the root.
func clean(p string) string {
	if p == "" || p[0] != '/' {
		p = "/" + p
	}
	return path.Clean(p)
}

// HostPath returns the path on this machine of the server path p: p joined
// to the root. p should be absolute and cleaned; ".." elements cannot climb
// above the root. Symlinks are not resolved, so the result is only safe to
// open when p holds none (see Access).
func (f *FS) HostPath(p string) string {
	p = clean(p)
	if f.root == "/" {
		return p
	}
	if p == "/" {
		return f.root
	}
	return f.root + p
}

// Reset drops every cached entry. An FS is a snapshot: directories and
// recently seen files are cached, so call Reset (or use a new FS) after
// changing modes, owners or links.
func (f *FS) Reset() {
	f.mu.Lock()
	clear(f.cache)
	f.files = nil
	f.mu.Unlock()
}

// Lstat returns the metadata of the server path p without following a
// final symlink, together with its ACL and SELinux label; Info.Path is p.
// Symlinks in the directories of p are followed inside the root. Errors are
// *fs.PathError values carrying the server path and a syscall.Errno, so
// errors.Is(err, fs.ErrNotExist) works.
func (f *FS) Lstat(p string) (*Info, error) {
	p = clean(p)
	if f.root == "/" || p == "/" {
		// The host's own walk resolves intermediate links exactly as the
		// server would.
		return f.lstatPhys(p)
	}
	r := f.Access(rootCred, path.Dir(p), 0, true)
	if r.Err == 0 && r.Info.Type != TypeDir {
		r.Err = syscall.ENOTDIR
	}
	if r.Err != 0 {
		return nil, &fs.PathError{Op: "lstat", Path: p, Err: r.Err}
	}
	phys := path.Join(r.Info.Path, path.Base(p))
	info, err := f.lstatPhys(phys)
	if err != nil {
		return nil, &fs.PathError{Op: "lstat", Path: p, Err: errnoOf(err)}
	}
	if phys != p {
		cp := *info
		cp.Path = p
		info = &cp
	}
	return info, nil
}

// lstatPhys is Lstat for a cleaned path without symlinks in its
// directories, with the directory cache.
func (f *FS) lstatPhys(p string) (*Info, error) {
	f.mu.Lock()
	info, ok := f.cache[p]
	if !ok {
		info, ok = f.files[p]
	}
	f.mu.Unlock()
	if ok {
		return info, nil
	}
	info, err := f.lstat(p)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	if info.Type == TypeDir {
		if len(f.cache) >= maxCache {
			clear(f.cache)
		}
		f.cache[p] = info
	} else {
		if f.files == nil || len(f.files) >= maxRecentFiles {
			f.files = make(map[string]*Info, maxRecentFiles)
		}
		f.files[p] = info
	}
	f.mu.Unlock()
	return info, nil
}

func (f *FS) lstat(p string) (*Info, error) {
	host := f.HostPath(p)
	var st unix.Stat_t
	if err := ignoringEINTR(func() error { return unix.Lstat(host, &st) }); err != nil {
		return nil, &fs.PathError{Op: "lstat", Path: p, Err: errnoOf(err)}
	}
	info := &Info{
		Path: p,
		Perm: st.Mode & 0o7777,
		UID:  st.Uid,
		GID:  st.Gid,
		Size: st.Size,
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		info.Type = TypeRegular
	case unix.S_IFDIR:
		info.Type = TypeDir
	case unix.S_IFLNK:
		info.Type = TypeSymlink
	default:
		info.Type = TypeOther
	}
	hasXattrs := hasAnyXattr(host)
	if info.Type == TypeSymlink {
		t, err := os.Readlink(host)
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return nil, &fs.PathError{Op: "readlink", Path: p, Err: err}
		}
		info.Target = t
	} else if !hasXattrs {
	} else if b := getxattr(host, "system.posix_acl_access"); b != nil {
		// A malformed ACL cannot come from a working kernel; ignore it
		// rather than guess.
		if acl, err := ParseACL(b); err == nil {
			info.ACL = acl
		}
	}
	if !hasXattrs {
		return info, nil
	}
	if b := getxattr(host, "security.selinux"); len(b) > 0 {
		info.Label = strings.TrimRight(string(b), "\x00")
	}
	return info, nil
}

// hasAnyXattr reports whether host may carry extended attributes: one
// llistxattr call spares the two lookups for the common file without any.
func hasAnyXattr(host string) bool {
	for {
		n, err := unix.Llistxattr(host, nil)
		if err == unix.EINTR {
			continue
		}
		return err != nil || n > 0
	}
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

// errnoOf returns the syscall.Errno inside err, or err itself.
func errnoOf(err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno
	}
	return err
}

// rootCred resolves paths without permission checks.
var rootCred = Cred{User: "root"}

// resolve follows p (all symlinks, inside the root) to an existing object.
func (f *FS) resolve(op, p string) (*Info, error) {
	r := f.Access(rootCred, p, 0, true)
	if r.Err != 0 {
		return nil, &fs.PathError{Op: op, Path: p, Err: r.Err}
	}
	return r.Info, nil
}

// errNotRegular is returned by ReadFile for devices, FIFOs and sockets,
// which could block or have no end.
var errNotRegular = errors.New("not a regular file")

// ReadFile returns the contents of the server path p, following symlinks
// inside the root. It refuses directories (EISDIR) and special files.
// Errors are *fs.PathError values naming the server path.
func (f *FS) ReadFile(p string) ([]byte, error) {
	info, err := f.resolve("open", p)
	if err != nil {
		return nil, err
	}
	switch info.Type {
	case TypeRegular:
	case TypeDir:
		return nil, &fs.PathError{Op: "read", Path: p, Err: syscall.EISDIR}
	default:
		return nil, &fs.PathError{Op: "open", Path: p, Err: errNotRegular}
	}
	// O_NOFOLLOW: the resolved path holds no symlink; if one was swapped
	// in since, refuse it instead of leaving the root.
	fd, err := os.OpenFile(f.HostPath(info.Path), os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: p, Err: errnoOf(err)}
	}
	defer fd.Close()
	b, err := io.ReadAll(fd)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: p, Err: errnoOf(err)}
	}
	return b, nil
}

// ReadDirNames returns the sorted names in the directory at server path p,
// following symlinks inside the root, without "." and "..".
func (f *FS) ReadDirNames(p string) ([]string, error) {
	info, err := f.resolve("open", p)
	if err != nil {
		return nil, err
	}
	if info.Type != TypeDir {
		return nil, &fs.PathError{Op: "open", Path: p, Err: syscall.ENOTDIR}
	}
	d, err := os.OpenFile(f.HostPath(info.Path), os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_DIRECTORY, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: p, Err: errnoOf(err)}
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, &fs.PathError{Op: "readdirent", Path: p, Err: errnoOf(err)}
	}
	slices.Sort(names)
	return names, nil
}

// Glob returns the server paths matching pattern, a server path with
// path.Match wildcards in any component, sorted. Like glob(3) as nginx and
// Apache call it (and unlike filepath.Glob), a wildcard does not match a
// leading "." in a name unless the pattern component starts with "." too.
// Directories are read through symlinks inside the root; unreadable ones
// are skipped. The only error is path.ErrBadPattern.
func (f *FS) Glob(pattern string) ([]string, error) {
	if _, err := path.Match(pattern, ""); err != nil {
		return nil, err
	}
	pattern = clean(pattern)
	if !hasMeta(pattern) {
		if r := f.Access(rootCred, pattern, 0, false); r.Err != 0 {
			return nil, nil
		}
		return []string{pattern}, nil
	}
	matches := []string{"/"}
	comps := strings.Split(pattern[1:], "/")
	for i, comp := range comps {
		last := i == len(comps)-1
		var next []string
		for _, dir := range matches {
			if !hasMeta(comp) {
				p := path.Join(dir, comp)
				if last {
					if r := f.Access(rootCred, p, 0, false); r.Err != 0 {
						continue
					}
				}
				next = append(next, p)
				continue
			}
			names, err := f.ReadDirNames(dir)
			if err != nil {
				continue
			}
			for _, name := range names {
				if name[0] == '.' && !strings.HasPrefix(comp, ".") && !strings.HasPrefix(comp, `\.`) {
					continue
				}
				if ok, _ := path.Match(comp, name); ok {
					next = append(next, path.Join(dir, name))
				}
			}
		}
		matches = next
		if len(matches) == 0 {
			return nil, nil
		}
	}
	slices.Sort(matches)
	return matches, nil
}

func hasMeta(s string) bool { return strings.ContainsAny(s, `*?[\`) }
