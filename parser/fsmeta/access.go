package fsmeta

import (
	"path"
	"slices"
	"strings"
	"syscall"
)

// Limits of the Linux path walk (include/linux/namei.h MAXSYMLINKS,
// include/uapi/linux/limits.h PATH_MAX and NAME_MAX).
const (
	maxSymlinks = 40
	pathMax     = 4096
	nameMax     = 255
)

// Result is the outcome of Access.
type Result struct {
	// Err is 0 on success, else ENOENT, ENOTDIR, EACCES, ELOOP or
	// ENAMETOOLONG (or another errno the host reported while reading).
	Err syscall.Errno
	// At is the server path where the walk failed: the directory lacking
	// search permission, the final object lacking want, the missing path
	// for ENOENT, the non-directory for ENOTDIR, the link for ELOOP. On
	// success it is the path of the final object.
	At string
	// Info is the final object (after symlinks; the link itself when it
	// was not followed). It is set on success and when only want was
	// refused, nil otherwise.
	Info *Info
	// Blind is set when the walk stopped because this process could not
	// read the metadata at At itself (the host's lstat failed with EACCES
	// or EPERM): the result says nothing of what c may do there. Run as
	// root to see every path.
	Blind bool
}

// OK reports whether the access was granted.
func (r Result) OK() bool { return r.Err == 0 }

// Access resolves the server path p the way the kernel's path walk does for
// open(2) or stat(2) by a process with credentials c, and checks want on
// the final object (want 0 only checks that it exists).
//
// The walk starts at "/" (the root of f) and needs search permission (Exec)
// on every directory it looks a name up in, "/" included. Symlinks in the
// middle of the path are always followed, the last component only when
// follow is set (or p ends in "/"); a relative link text is resolved from
// the link's directory, an absolute one from the root of f, and ".." never
// climbs above that root. More than 40 symlinks give ELOOP, a non-directory
// in the middle ENOTDIR. A relative p is taken from "/".
//
// TODO(fsmeta): fs.protected_symlinks (links in sticky world-writable
// directories) is not modelled.
func (f *FS) Access(c Cred, p string, want Perm, follow bool) Result {
	if p == "" {
		return Result{Err: syscall.ENOENT}
	}
	if len(p) >= pathMax {
		return Result{Err: syscall.ENAMETOOLONG, At: p}
	}
	// A trailing slash asks for a directory and follows a final link.
	mustDir := len(p) > 1 && p[len(p)-1] == '/'
	if mustDir {
		follow = true
	}
	rootInfo, err := f.lstatPhys("/")
	if err != nil {
		return Result{Err: toErrno(err), At: "/", Blind: HostDenied(err)}
	}
	if rootInfo.Type != TypeDir {
		return Result{Err: syscall.ENOTDIR, At: "/"}
	}
	w := walker{f: f, c: c, p: p, root: rootInfo, cur: "/", curInfo: rootInfo, inP: true}
	if i := strings.LastIndexByte(p, '/'); i > 0 && !mustDir {
		// The walk of p's directory is the same for every name in it:
		// start from where the last walk of that directory ended.
		name := p[i+1:]
		if name != "." && name != ".." {
			if !f.dirWalk(&w, p[:i]) {
				return w.res
			}
			var stack [8]string
			return w.run(append(stack[:0], name), want, follow, mustDir)
		}
	}
	var stack [24]string
	return w.run(pushComponents(stack[:0], p), want, follow, mustDir)
}

// walker is the state of Access's path walk.
type walker struct {
	f    *FS
	c    Cred
	p    string // the path asked for
	root *Info
	// cur is the directory reached, curInfo its metadata; while inP, cur
	// is p's own prefix and the components come from p in order (the
	// next path is a substring of p, not a new string).
	cur     string
	curInfo *Info
	inP     bool
	links   int
	res     Result // the failure that stopped the walk (see step)
}

// step looks name up in the current directory; final is set for the last
// component. It returns false when the walk stops there, with w.res set;
// otherwise the link text to follow, if any, is in target.
func (w *walker) step(name string, final, follow bool) (target string, ok bool) {
	// may_lookup: search permission on the directory, for every
	// component including "." and "..".
	if !Permits(w.curInfo, w.c, Exec) {
		w.res = Result{Err: syscall.EACCES, At: w.cur}
		return "", false
	}
	var next string
	switch name {
	case ".":
		return "", true
	case "..":
		w.inP = false
		if w.cur == "/" {
			return "", true
		}
		next = path.Dir(w.cur)
	default:
		next, w.inP = joinIn(w.p, w.cur, name, w.inP)
		if len(name) > nameMax {
			w.res = Result{Err: syscall.ENAMETOOLONG, At: next}
			return "", false
		}
	}
	info, err := w.f.lstatPhys(next)
	if err != nil {
		w.res = Result{Err: toErrno(err), At: next, Blind: HostDenied(err)}
		return "", false
	}
	if info.Type == TypeSymlink && (!final || follow) {
		w.links++
		if w.links > maxSymlinks {
			w.res = Result{Err: syscall.ELOOP, At: next}
			return "", false
		}
		if info.Target == "" {
			w.res = Result{Err: syscall.ENOENT, At: next}
			return "", false
		}
		return info.Target, true
	}
	if !final && info.Type != TypeDir {
		w.res = Result{Err: syscall.ENOTDIR, At: next}
		return "", false
	}
	w.cur, w.curInfo = next, info
	return "", true
}

// run walks the components on the stack todo (the next one last) and
// checks want on the object reached.
func (w *walker) run(todo []string, want Perm, follow, mustDir bool) Result {
	for len(todo) > 0 {
		name := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		final := len(todo) == 0
		t, ok := w.step(name, final, follow)
		if !ok {
			return w.res
		}
		if t == "" {
			continue
		}
		if final && t[len(t)-1] == '/' {
			mustDir = true
		}
		todo = pushComponents(todo, t)
		w.inP = false
		if t[0] == '/' {
			w.cur, w.curInfo = "/", w.root
		}
	}
	if mustDir && w.curInfo.Type != TypeDir {
		return Result{Err: syscall.ENOTDIR, At: w.cur}
	}
	if !Permits(w.curInfo, w.c, want) {
		return Result{Err: syscall.EACCES, At: w.cur, Info: w.curInfo}
	}
	return Result{At: w.cur, Info: w.curInfo}
}

// dirWalk brings w to the directory dir (every component followed, as
// in the middle of a path), from the walks of dir it remembers: it
// returns false with w.res set when the walk stops on the way.
func (f *FS) dirWalk(w *walker, dir string) bool {
	f.mu.Lock()
	for i := range f.walks {
		m := &f.walks[i]
		if m.dir == dir && m.root == w.root && m.c.same(w.c) {
			w.cur, w.curInfo, w.links, w.res, w.inP = m.cur, m.curInfo, m.links, m.res, m.cur == dir
			f.mu.Unlock()
			return w.res.Err == 0
		}
	}
	f.mu.Unlock()
	var stack [24]string
	todo := pushComponents(stack[:0], dir)
	ok := true
	for len(todo) > 0 && ok {
		name := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		var t string
		if t, ok = w.step(name, false, true); ok && t != "" {
			todo = pushComponents(todo, t)
			w.inP = false
			if t[0] == '/' {
				w.cur, w.curInfo = "/", w.root
			}
		}
	}
	// the groups are copied: a caller may reuse its slice for others
	c := w.c
	c.Groups = slices.Clone(c.Groups)
	m := dirWalked{dir: dir, root: w.root, c: c, cur: w.cur, curInfo: w.curInfo, links: w.links, res: w.res}
	f.mu.Lock()
	f.walks[f.nextWalk] = m
	f.nextWalk = (f.nextWalk + 1) % len(f.walks)
	f.mu.Unlock()
	return ok
}

// dirWalked remembers where a walk of a directory ended (see dirWalk).
type dirWalked struct {
	dir     string
	root    *Info // the root's Info when walked: a Reset makes another
	c       Cred
	cur     string
	curInfo *Info
	links   int
	res     Result
}

// same reports whether c and o are the same credentials.
func (c Cred) same(o Cred) bool {
	return c.UID == o.UID && c.GID == o.GID && c.User == o.User && slices.Equal(c.Groups, o.Groups)
}

// pushComponents pushes the components of p onto the stack todo in reverse,
// so the first component is popped first. Empty components are dropped.
func pushComponents(todo []string, p string) []string {
	n := len(todo)
	for c := range strings.SplitSeq(p, "/") {
		if c != "" {
			todo = append(todo, c)
		}
	}
	// Reverse the appended part.
	for i, j := n, len(todo)-1; i < j; i, j = i+1, j-1 {
		todo[i], todo[j] = todo[j], todo[i]
	}
	return todo
}

// joinIn is join(cur, name) for Access walking p: while inP (cur is
// p[:len(cur)], or "/") and name is p's next component, the result is a
// substring of p and inP stays set; otherwise it is a new string and inP
// is cleared.
func joinIn(p, cur, name string, inP bool) (string, bool) {
	if inP && len(p) > 0 && p[0] == '/' {
		start := len(cur) + 1
		if cur == "/" {
			start = 1
		}
		end := start + len(name)
		if end <= len(p) && p[start-1] == '/' && p[start:end] == name && (end == len(p) || p[end] == '/') {
			return p[:end], true
		}
	}
	return join(cur, name), false
}

func join(dir, name string) string {
	if dir == "/" {
		return "/" + name
	}
	return dir + "/" + name
}

// HostDenied reports whether err, from Lstat or another read of this
// package, is this process being refused (EACCES, EPERM) rather than a
// fact about the path: the path could not be looked at.
func HostDenied(err error) bool {
	e := toErrno(err)
	return err != nil && (e == syscall.EACCES || e == syscall.EPERM)
}

// toErrno extracts the errno of an error from Lstat; anything else becomes
// EIO so the walk still reports a failure.
func toErrno(err error) syscall.Errno {
	if e, ok := errnoOf(err).(syscall.Errno); ok {
		return e
	}
	return syscall.EIO
}
