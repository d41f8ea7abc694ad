package nginx

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// maxSymlinks bounds how many symbolic links one path may cross, as the
// kernel does (ELOOP after 40).
const maxSymlinks = 40

// rootFS reads server paths under --root. Symbolic links met on the way are
// resolved inside the root: an absolute target starts again at the root, so
// Debian's sites-enabled/x -> /etc/nginx/sites-available/x stays in the tree
// under inspection instead of escaping to the host.
type rootFS struct {
	root string            // cleaned absolute host directory; "" for the real root
	dirs map[string]string // resolved server directories, by server path
}

func newRootFS(root string) *rootFS {
	if root == "" {
		return &rootFS{}
	}
	if abs, err := filepath.Abs(root); err == nil {
		root = abs
	}
	root = filepath.Clean(root)
	if root == "/" {
		root = ""
	}
	return &rootFS{root: root}
}

// host maps the absolute, cleaned server path p to the host path to open.
func (r *rootFS) host(p string) (string, error) {
	if r.root == "" {
		return p, nil
	}
	links := 0
	res, err := r.resolve(p, &links)
	if err != nil {
		return "", err
	}
	return r.root + res, nil
}

// resolve returns the server path p with every symbolic link replaced by
// its target, read inside the root. Directories are resolved once per load.
// A missing component ends the walk: the caller's open then reports it.
func (r *rootFS) resolve(p string, links *int) (string, error) {
	p = path.Clean("/" + p)
	if p == "/" {
		return p, nil
	}
	dir, base := path.Split(p)
	dir = path.Clean(dir)
	if res, ok := r.dirs[dir]; ok {
		dir = res
	} else {
		// Only fully resolved directories are cached: a loop fails with
		// ELOOP before anything of it is stored.
		res, err := r.resolve(dir, links)
		if err != nil {
			return "", err
		}
		if r.dirs == nil {
			r.dirs = map[string]string{}
		}
		r.dirs[dir] = res
		dir = res
	}
	next := path.Join(dir, base)
	fi, err := os.Lstat(r.root + next)
	if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		return next, nil
	}
	*links++
	if *links > maxSymlinks {
		return "", syscall.ELOOP
	}
	target, err := os.Readlink(r.root + next)
	if err != nil {
		return "", err
	}
	if !path.IsAbs(target) {
		target = path.Join(dir, target)
	}
	return r.resolve(target, links)
}

func splitPath(p string) []string {
	return strings.Split(strings.Trim(p, "/"), "/")
}

// lexists reports whether p exists, without following a final symlink (a
// dangling link is matched by glob(3), and nginx then fails to open it).
func (r *rootFS) lexists(p string) bool {
	dir, err := r.host(path.Dir(p))
	if err != nil {
		return false
	}
	_, err = os.Lstat(filepath.Join(dir, path.Base(p)))
	return err == nil
}

// hasMagic reports whether an include argument is a pattern; nginx and
// crossplane both look for these three characters.
func hasMagic(s string) bool { return strings.ContainsAny(s, "*?[") }

// glob expands the absolute, cleaned server pattern like glob(3) with no
// flags, as nginx calls it: component by component, a leading dot only
// matched by a pattern that starts with a dot, results sorted bytewise, no
// match being no error. The results are server paths.
func (r *rootFS) glob(pattern string) []string {
	comps := splitPath(pattern)
	cur := []string{"/"}
	checkLast := false
	for i, c := range comps {
		last := i == len(comps)-1
		var next []string
		if !hasMagic(c) {
			for _, m := range cur {
				next = append(next, path.Join(m, c))
			}
			checkLast = last && i > 0
		} else {
			for _, m := range cur {
				dir, err := r.host(m)
				if err != nil {
					continue
				}
				entries, err := os.ReadDir(dir)
				if err != nil {
					continue // glob(3) without GLOB_ERR skips unreadable dirs
				}
				for _, e := range entries {
					name := e.Name()
					if name[0] == '.' && c[0] != '.' {
						continue
					}
					ok, err := path.Match(c, name)
					if err != nil {
						ok = name == c // glibc takes a malformed bracket literally
					}
					if ok {
						next = append(next, path.Join(m, name))
					}
				}
			}
		}
		cur = next
		if len(cur) == 0 {
			return nil
		}
	}
	if checkLast {
		kept := cur[:0]
		for _, p := range cur {
			if r.lexists(p) {
				kept = append(kept, p)
			}
		}
		cur = kept
	}
	sort.Strings(cur)
	return cur
}

// readErr says why a file could not be read.
type readErr struct {
	op       string // "open" or "read"
	msg      string // errno text, never a host path
	tooLarge bool   // size exceeds the limit: reported against the file itself
	size     int64
}

// readFile reads the server path p whole, refusing directories, special
// files and files over limit bytes.
func (r *rootFS) readFile(p string, limit int64) ([]byte, *readErr) {
	hp, err := r.host(p)
	if err != nil {
		return nil, &readErr{op: "open", msg: errText(err)}
	}
	// O_NONBLOCK: opening a FIFO must not wait for a writer.
	f, err := os.OpenFile(hp, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, &readErr{op: "open", msg: errText(err)}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, &readErr{op: "open", msg: errText(err)}
	}
	switch {
	case fi.IsDir():
		return nil, &readErr{op: "read", msg: "is a directory"}
	case !fi.Mode().IsRegular():
		return nil, &readErr{op: "read", msg: "not a regular file"}
	case fi.Size() > limit:
		return nil, &readErr{tooLarge: true, size: fi.Size()}
	}
	// One byte more than the size, to see the end (or a file that grew).
	src := make([]byte, 0, fi.Size()+1)
	for {
		n, err := f.Read(src[len(src):cap(src)])
		src = src[:len(src)+n]
		if int64(len(src)) > limit {
			return nil, &readErr{tooLarge: true, size: int64(len(src))}
		}
		if err == io.EOF {
			return src, nil
		}
		if err != nil {
			return nil, &readErr{op: "read", msg: errText(err)}
		}
		if len(src) == cap(src) {
			src = append(src, 0)[:len(src)]
		}
	}
}

// errText returns the system's reason for err without the path it names,
// which may carry the --root prefix.
func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno.Error()
	}
	return "input/output error"
}
