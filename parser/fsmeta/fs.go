package fsmeta

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
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
// unforbid); those of other files, and the names of directories listed
// whole, among the recent ones. The FS is a snapshot until Reset.
type FS struct {
	root string // cleaned absolute host directory; "/" for the real root
	b    backend
	// hostWalk: the host's own path walk resolves intermediate links as
	// the server would (the real disk at the real root).
	hostWalk bool

	mu    sync.Mutex
	cache map[string]*Info // server path -> directory Info
	// files holds the most recent non-directory entries: one simulated
	// request stats the same file several times (try_files, then the
	// static open). Cleared when full, so memory stays bounded.
	files map[string]*Info
	// listed holds the sorted names of the most recent directories listed
	// whole (keepListing), bounded as files is.
	listed map[string][]string
	// contents keeps what views changed by With read through this FS
	// (config files loaded again to check a fix), up to maxContents
	// bytes in all: every check then reads an unchanged file once.
	contents     map[string][]byte
	contentBytes int
	// walks remembers the last directories Access walked to, per
	// credentials (dirWalk); nextWalk is the slot to fill next.
	walks    [8]dirWalked
	nextWalk int
}

// Bounds of FS.contents: files larger than maxContentFile are not kept,
// nor anything once maxContents bytes are.
const (
	maxContentFile = 1 << 20
	maxContents    = 32 << 20
)

// ReadFileKept is ReadFileLimit for a file read again and again, unchanged,
// through this FS and the views With makes of it (a config file loaded
// again to check each fix): its content is kept, up to a bound, and read
// once. Like every cache of an FS, it holds until Reset. The bytes are
// shared by every caller: none may change them.
func (f *FS) ReadFileKept(p string, limit int64) ([]byte, error) {
	info, err := f.resolve("open", p)
	if err != nil {
		return nil, err
	}
	if err := checkReadable(info.Type); err != nil {
		return nil, &fs.PathError{Op: "read", Path: p, Err: err}
	}
	return f.readKept(info.Path, p, limit)
}

// readKept reads the regular file phys (server path name) for a view
// changed by With, keeping its content for the next view (see contents).
func (f *FS) readKept(phys, name string, limit int64) ([]byte, error) {
	f.mu.Lock()
	b, ok := f.contents[phys]
	f.mu.Unlock()
	if ok {
		if int64(len(b)) > limit {
			return nil, &fs.PathError{Op: "read", Path: name, Err: &TooLargeError{Size: int64(len(b)), Limit: limit}}
		}
		return b, nil
	}
	var err error
	if o, ok := f.b.(*overlay); ok {
		b, err = o.readFile(phys, name, limit) // a view's own file, or its base's kept one
	} else {
		b, err = f.b.readFile(phys, name, limit)
	}
	if err != nil || len(b) > maxContentFile {
		return b, err
	}
	f.mu.Lock()
	if f.contentBytes+len(b) <= maxContents {
		if f.contents == nil {
			f.contents = map[string][]byte{}
		}
		f.contents[phys] = b // shared: see ReadFileKept
		f.contentBytes += len(b)
	}
	f.mu.Unlock()
	return b, nil
}

// Info is the metadata of one filesystem object, as lstat(2) and its
// extended attributes describe it. An Info returned by this package is
// shared: callers must not modify it.
type Info struct {
	Path string   // server path
	Type FileType // from st_mode
	Perm uint32   // st_mode & 07777
	UID  uint32
	GID  uint32
	Size int64
	// Nlink is the number of hard links (names) of the object; an
	// in-memory view says 1.
	Nlink  uint64
	Target string // for symlinks: the link text
	ACL    *ACL   // from system.posix_acl_access; nil when there is none
	Label  string // SELinux label from security.selinux, "" when none
}

// IsDir reports whether the object is a directory.
func (i *Info) IsDir() bool { return i != nil && i.Type == TypeDir }

// New returns an FS whose server paths live under the host directory root.
// A root of "" or "/" means the real root. A relative root is made absolute
// against the working directory when possible, and a root that is (or
// passes through) a symbolic link is taken as the directory it names.
func New(root string) *FS {
	if root == "" {
		root = "/"
	}
	if abs, err := filepath.Abs(root); err == nil {
		root = abs
	}
	// A root given through a link (a release directory behind "current")
	// is the directory it names: server paths start there.
	if real, err := filepath.EvalSymlinks(root); err == nil {
		root = real
	}
	root = filepath.Clean(root)
	return &FS{root: root, b: disk{root: root}, hostWalk: root == "/", cache: make(map[string]*Info)}
}

// Root returns the host directory server paths are resolved under, "/" for
// the real root; for an in-memory view, the root it was given (see
// NewMemory).
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
// open when p holds none (see Access). For an in-memory view without a
// root it is "".
func (f *FS) HostPath(p string) string {
	p = clean(p)
	if f.root == "" {
		return ""
	}
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
	f.files, f.listed = nil, nil
	f.contents, f.contentBytes = nil, 0
	f.walks = [len(f.walks)]dirWalked{}
	f.mu.Unlock()
}

// Lstat returns the metadata of the server path p without following a
// final symlink, together with its ACL and SELinux label; Info.Path is p.
// Symlinks in the directories of p are followed inside the root. Errors are
// *fs.PathError values carrying the server path and a syscall.Errno, so
// errors.Is(err, fs.ErrNotExist) works.
func (f *FS) Lstat(p string) (*Info, error) {
	p = clean(p)
	if f.hostWalk || p == "/" {
		// The host's own walk resolves intermediate links exactly as the
		// server would.
		return f.lstatPhys(p)
	}
	dir := path.Dir(p)
	r := f.Access(rootCred, dir, 0, true)
	if r.Err == 0 && r.Info.Type != TypeDir {
		r.Err = syscall.ENOTDIR
	}
	if r.Err != 0 {
		return nil, &fs.PathError{Op: "lstat", Path: p, Err: r.Err}
	}
	phys := p // no link on the way: Join(Dir(p), Base(p)) is p
	if r.Info.Path != dir {
		phys = path.Join(r.Info.Path, path.Base(p))
	}
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
	if info, ok := f.cached(p); ok {
		return info, nil
	}
	if f.notListed(p) {
		return nil, &fs.PathError{Op: "lstat", Path: p, Err: syscall.ENOENT}
	}
	info, err := f.b.lstat(p)
	if err != nil {
		return nil, err
	}
	f.keep(p, info)
	return info, nil
}

// cached returns what the caches hold for the physical path p.
func (f *FS) cached(p string) (*Info, bool) {
	f.mu.Lock()
	info, ok := f.cache[p]
	if !ok {
		info, ok = f.files[p]
	}
	f.mu.Unlock()
	return info, ok
}

// keep caches info of the physical path p: a directory for the life of
// the FS, anything else among the recent files.
func (f *FS) keep(p string, info *Info) {
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

// TooLargeError is the error inside the *fs.PathError ReadFileLimit returns
// for a file over its limit (find it with errors.As).
type TooLargeError struct {
	// Size is the file's size, or the bytes read so far when the file grew
	// past the limit while it was read.
	Size int64
	// Limit is the limit passed to ReadFileLimit.
	Limit int64
}

// Error says how large the file is and what the limit was.
func (e *TooLargeError) Error() string {
	return fmt.Sprintf("too large (%d bytes, limit %d)", e.Size, e.Limit)
}

// ReadFile returns the contents of the server path p, following symlinks
// inside the root. It is ReadFileLimit without a limit.
func (f *FS) ReadFile(p string) ([]byte, error) {
	return f.ReadFileLimit(p, math.MaxInt64)
}

// ReadFileLimit returns the contents of the server path p, following
// symlinks inside the root, or an error when it holds more than limit
// bytes. It refuses directories (EISDIR) and special files, which it never
// opens, and opens with O_NONBLOCK so that a FIFO swapped in cannot block.
//
// Errors are *fs.PathError values naming the server path, never the host
// path: Op "open" when p cannot be resolved or opened (the Err is then a
// syscall.Errno such as ENOENT, ENOTDIR or ELOOP), Op "read" for a
// directory (EISDIR), a special file ("not a regular file"), a file over
// the limit (*TooLargeError) or a failed read (a syscall.Errno).
func (f *FS) ReadFileLimit(p string, limit int64) ([]byte, error) {
	if b, err, ok := f.readUncached(p, limit); ok {
		return b, err
	}
	info, err := f.resolve("open", p)
	if err != nil {
		return nil, err
	}
	if err := checkReadable(info.Type); err != nil {
		return nil, &fs.PathError{Op: "read", Path: p, Err: err}
	}
	return f.b.readFile(info.Path, p, limit)
}

// readUncachedOn turns readUncached on; tests turn it off to compare.
var readUncachedOn = true

// readUncached is ReadFileLimit of a regular file on the disk whose
// metadata the FS holds not (a config file, read once): its directory
// is resolved as resolve resolves it, from the walks and directories
// kept, and the file is told regular by one lstat without its extended
// attributes, which a read needs not; nothing is kept of it. ok is false
// for anything else (a link, a directory, a missing or special file, a
// path not clean, another backend), which ReadFileLimit then reads as
// before.
func (f *FS) readUncached(p string, limit int64) (b []byte, err error, ok bool) {
	d, isDisk := f.b.(disk)
	if !readUncachedOn || !isDisk || len(p) >= pathMax || clean(p) != p {
		return nil, nil, false
	}
	i := strings.LastIndexByte(p, '/')
	name := p[i+1:]
	if i <= 0 || name == "" || name == "." || name == ".." || len(name) > nameMax {
		return nil, nil, false
	}
	r := f.Access(rootCred, p[:i], 0, true)
	if r.Err != 0 || r.Info.Type != TypeDir {
		return nil, nil, false
	}
	phys := join(r.Info.Path, name)
	if _, ok := f.cached(phys); ok || f.notListed(phys) {
		return nil, nil, false
	}
	hostz := make([]byte, 0, len(d.root)+len(phys)+1)
	if d.root != "/" {
		hostz = append(hostz, d.root...)
	}
	hostz = append(append(hostz, phys...), 0)
	var st unix.Stat_t
	if err := ignoringEINTR(func() error { return lstatz(hostz, &st) }); err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil, nil, false
	}
	b, err = d.readFile(phys, p, limit)
	return b, err, true
}

// checkReadable returns why an object of type t is not read as a file.
func checkReadable(t FileType) error {
	switch t {
	case TypeRegular:
		return nil
	case TypeDir:
		return syscall.EISDIR
	}
	return errNotRegular
}

// fileType maps the S_IFMT bits of an st_mode to a FileType.
func fileType(mode uint32) FileType {
	switch mode & unix.S_IFMT {
	case unix.S_IFREG:
		return TypeRegular
	case unix.S_IFDIR:
		return TypeDir
	case unix.S_IFLNK:
		return TypeSymlink
	}
	return TypeOther
}

// sysErr returns the reason inside an error from the os package without
// the host path it names: the syscall.Errno when there is one, else the
// innermost wrapped error.
func sysErr(err error) error {
	if errno, ok := errnoOf(err).(syscall.Errno); ok {
		return errno
	}
	for {
		inner := errors.Unwrap(err)
		if inner == nil {
			return err
		}
		err = inner
	}
}

// ReadDirNames returns the sorted names in the directory at server path p,
// following symlinks inside the root, without "." and "..".
func (f *FS) ReadDirNames(p string) ([]string, error) {
	info, err := f.resolveDir(p)
	if err != nil {
		return nil, err
	}
	names := []string{}
	err = f.b.readDir(info.Path, p, -1, func(batch []string) error {
		names = append(names, batch...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	f.keepListing(info.Path, names)
	return names, nil
}

// ReadDirBatches calls fn with the names of directory p (no "." or ".."),
// at most batch names at a time, each batch sorted: memory stays bounded
// however many entries the directory has. A directory that fits in one
// batch is seen in sorted order. An error from fn stops the listing and is
// returned.
func (f *FS) ReadDirBatches(p string, batch int, fn func(names []string) error) error {
	info, err := f.resolveDir(p)
	if err != nil {
		return err
	}
	if batch <= 0 {
		batch = 1024
	}
	var first []string
	batches := 0
	err = f.b.readDir(info.Path, p, batch, func(names []string) error {
		slices.Sort(names)
		if batches++; batches == 1 {
			first = names
		}
		return fn(names)
	})
	if err == nil && batches <= 1 {
		f.keepListing(info.Path, first)
	}
	return err
}

// keepListing remembers the sorted names of the physical directory dir,
// listed whole, among the recent listings: an entry not among them does
// not exist, and lstatPhys answers so without asking (a site's requests
// look for .htaccess and .well-known in the roots the scan lists).
func (f *FS) keepListing(dir string, names []string) {
	if len(names) > maxListed {
		return
	}
	f.mu.Lock()
	if f.listed == nil || len(f.listed) >= maxRecentFiles {
		f.listed = make(map[string][]string, maxRecentFiles)
	}
	f.listed[dir] = slices.Clone(names) // the caller may keep or change its own
	f.mu.Unlock()
}

// maxListed is the most names of a directory keepListing keeps.
const maxListed = 64

// notListed reports whether the physical path p is missing from the
// listing kept of its directory; false when none is kept. A directory
// may fold case (ext4's casefold, CIFS): a name the listing holds in
// another case, or a name beyond ASCII, is asked of the disk.
func (f *FS) notListed(p string) bool {
	dir, name := path.Split(p)
	if len(dir) > 1 {
		dir = dir[:len(dir)-1]
	}
	f.mu.Lock()
	names, ok := f.listed[dir]
	f.mu.Unlock()
	if !ok || name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if name[i] >= 0x80 {
			return false
		}
	}
	for _, n := range names {
		if strings.EqualFold(n, name) {
			return false
		}
	}
	return true
}

// resolveDir follows p inside the root to a directory.
func (f *FS) resolveDir(p string) (*Info, error) {
	info, err := f.resolve("open", p)
	if err != nil {
		return nil, err
	}
	if info.Type != TypeDir {
		return nil, &fs.PathError{Op: "open", Path: p, Err: syscall.ENOTDIR}
	}
	return info, nil
}

// Glob returns the server paths matching pattern, a server path with
// path.Match wildcards in any component, sorted bytewise. Like glob(3) as
// nginx and Apache call it (and unlike filepath.Glob), a wildcard does not
// match a leading "." in a name unless the pattern component starts with
// "." (or an escaped "\.") too. Directories are read through symlinks inside
// the root; unreadable ones are skipped. A final component without
// wildcards matches a symlink even when it dangles. The only error is
// path.ErrBadPattern; see GlobLenient for patterns taken as glob(3) takes
// them.
func (f *FS) Glob(pattern string) ([]string, error) {
	if _, err := path.Match(pattern, ""); err != nil {
		return nil, err
	}
	return f.glob(pattern), nil
}

// GlobLenient is Glob without errors, for patterns written for glob(3)
// (nginx's include). glibc takes a "[" that no "]" follows literally, so in
// a component path.Match rejects such brackets are escaped ("*[" matches
// "ab["); a component still malformed after that (such as "[]" or "[a-]")
// matches only a name equal to it.
func (f *FS) GlobLenient(pattern string) []string {
	return f.glob(pattern)
}

// glob is GlobLenient; Glob checks the pattern first.
func (f *FS) glob(pattern string) []string {
	pattern = clean(pattern)
	if !hasMeta(pattern) {
		if r := f.Access(rootCred, pattern, 0, false); r.Err != 0 {
			return nil
		}
		return []string{pattern}
	}
	matches := []string{"/"}
	comps := strings.Split(pattern[1:], "/")
	for i, comp := range comps {
		last := i == len(comps)-1
		match, literal := comp, false
		if _, err := path.Match(comp, ""); err != nil {
			// Only from GlobLenient (or for a "[" holding a "/").
			match = escapeOpenBrackets(comp)
			if _, err := path.Match(match, ""); err != nil {
				literal = true
			}
		}
		var next []string
		for _, dir := range matches {
			if !hasMeta(comp) {
				p := join(dir, comp)
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
				var ok bool
				if literal {
					ok = name == comp
				} else {
					ok, _ = path.Match(match, name)
				}
				if ok {
					next = append(next, join(dir, name))
				}
			}
		}
		matches = next
		if len(matches) == 0 {
			return nil
		}
	}
	slices.Sort(matches)
	return matches
}

// escapeOpenBrackets escapes each "[" of the pattern component comp that
// no "]" follows: glob(3) takes it literally, path.Match rejects it.
func escapeOpenBrackets(comp string) string {
	var b strings.Builder
	for i := 0; i < len(comp); i++ {
		c := comp[i]
		switch {
		case c == '\\' && i+1 < len(comp):
			b.WriteByte(c)
			i++
			c = comp[i]
		case c == '[' && !strings.Contains(comp[i+1:], "]"):
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

func hasMeta(s string) bool { return strings.ContainsAny(s, `*?[\`) }
