package fsmeta

import (
	"path"
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
	cur, curInfo := "/", rootInfo
	var stack [24]string
	todo := pushComponents(stack[:0], p)
	// While inP, cur is p's own prefix and the components come from p
	// in order: the next path is a substring of p, not a new string.
	inP := true
	links := 0
	for len(todo) > 0 {
		name := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		final := len(todo) == 0
		// may_lookup: search permission on the directory, for every
		// component including "." and "..".
		if !Permits(curInfo, c, Exec) {
			return Result{Err: syscall.EACCES, At: cur}
		}
		var next string
		var info *Info
		switch name {
		case ".":
			continue
		case "..":
			inP = false
			if cur == "/" {
				continue
			}
			next = path.Dir(cur)
		default:
			next, inP = joinIn(p, cur, name, inP)
			if len(name) > nameMax {
				return Result{Err: syscall.ENAMETOOLONG, At: next}
			}
		}
		info, err = f.lstatPhys(next)
		if err != nil {
			return Result{Err: toErrno(err), At: next, Blind: HostDenied(err)}
		}
		if info.Type == TypeSymlink && (!final || follow) {
			links++
			if links > maxSymlinks {
				return Result{Err: syscall.ELOOP, At: next}
			}
			t := info.Target
			if t == "" {
				return Result{Err: syscall.ENOENT, At: next}
			}
			if final && t[len(t)-1] == '/' {
				mustDir = true
			}
			todo = pushComponents(todo, t)
			inP = false
			if t[0] == '/' {
				cur, curInfo = "/", rootInfo
			}
			continue
		}
		if !final && info.Type != TypeDir {
			return Result{Err: syscall.ENOTDIR, At: next}
		}
		cur, curInfo = next, info
	}
	if mustDir && curInfo.Type != TypeDir {
		return Result{Err: syscall.ENOTDIR, At: cur}
	}
	if !Permits(curInfo, c, want) {
		return Result{Err: syscall.EACCES, At: cur, Info: curInfo}
	}
	return Result{At: cur, Info: curInfo}
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
