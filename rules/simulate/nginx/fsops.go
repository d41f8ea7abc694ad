package nginx

import (
	"path"
	"strings"
	"syscall"

	"github.com/unforbid/unforbid/parser/fsmeta"
)

// openFile simulates how nginx opens (or, with testOnly, stats) p for the
// worker, honouring disable_symlinks: with "off" a plain open() that
// follows links; with "on" an openat() walk from "/" (or from=) where a
// symlinked directory in the middle gives ENOTDIR and a symlink as the
// last component ELOOP; with "if_not_owner" links are followed only when
// the link and its target have the same owner.
func (r *run) openFile(p string, want fsmeta.Perm, _ bool) fsmeta.Result {
	return r.seen(r.openFileAs(p, want))
}

// seen marks the decision unsure when res could not be judged because
// unforbid itself could not read the metadata on the way (run as an
// ordinary user, say): the worker's rights there are unknown.
func (r *run) seen(res fsmeta.Result) fsmeta.Result {
	if res.Blind {
		r.unsure("unforbid cannot read %s itself (run it as root to judge what the workers meet there)", path.Dir(res.At))
	}
	return res
}

func (r *run) openFileAs(p string, want fsmeta.Perm) fsmeta.Result {
	c := r.conf
	mode := c.DisableSymlinks
	if mode == "" || mode == "off" {
		return r.s.FS.Access(r.s.Cred, p, want, true)
	}
	start := "/"
	if c.DisableFrom != "" && c.DisableFrom != "off" {
		from, err := r.expand(c.DisableFrom)
		if err != nil {
			r.unsure("%v", err)
		} else if from = path.Clean(from); strings.HasPrefix(p, from+"/") {
			res := r.s.FS.Access(r.s.Cred, from, 0, true)
			if res.Err != 0 {
				return res
			}
			start = from
		}
	}
	return r.walkNoFollow(start, p, want, mode)
}

// walkNoFollow checks p component by component below start, which is
// already known to be reachable.
func (r *run) walkNoFollow(start, p string, want fsmeta.Perm, mode string) fsmeta.Result {
	fs := r.s.FS
	curInfo, err := fs.Lstat(start)
	if err != nil {
		return fsmeta.Result{Err: errnoOf(err), At: start, Blind: fsmeta.HostDenied(err)}
	}
	if curInfo.Type == fsmeta.TypeSymlink {
		res := fs.Access(r.s.Cred, start, 0, true)
		if res.Err != 0 {
			return res
		}
		curInfo = res.Info
	}
	cur := start
	rest := strings.TrimPrefix(p, start)
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	if len(parts) == 1 && parts[0] == "" {
		parts = nil
	}
	// A trailing slash makes the last name a directory to walk through
	// (opened with O_DIRECTORY) and "." the file finally opened
	// (ngx_open_file_wrapper): a file there gives ENOTDIR, a symlink
	// with "on" ENOTDIR rather than ELOOP. Empty names ("//") are
	// skipped.
	trailing := len(parts) > 0 && strings.HasSuffix(rest, "/")
	for i, name := range parts {
		if name == "" {
			continue
		}
		last := i == len(parts)-1 && !trailing
		if curInfo.Type != fsmeta.TypeDir {
			return fsmeta.Result{Err: syscall.ENOTDIR, At: cur}
		}
		if !fsmeta.Permits(curInfo, r.s.Cred, fsmeta.Exec) {
			return fsmeta.Result{Err: syscall.EACCES, At: cur}
		}
		next := path.Join(cur, name)
		info, err := fs.Lstat(next)
		if err != nil {
			return fsmeta.Result{Err: errnoOf(err), At: next, Blind: fsmeta.HostDenied(err)}
		}
		if info.Type == fsmeta.TypeSymlink {
			switch mode {
			case "on":
				if !last {
					return fsmeta.Result{Err: syscall.ENOTDIR, At: next, Info: info}
				}
				return fsmeta.Result{Err: syscall.ELOOP, At: next, Info: info}
			default: // if_not_owner
				res := fs.Access(r.s.Cred, next, 0, true)
				if res.Err != 0 {
					return res
				}
				if res.Info.UID != info.UID {
					return fsmeta.Result{Err: syscall.ELOOP, At: next, Info: info}
				}
				info = res.Info
				next = res.Info.Path
			}
		}
		cur, curInfo = next, info
	}
	if trailing && curInfo.Type != fsmeta.TypeDir {
		return fsmeta.Result{Err: syscall.ENOTDIR, At: cur}
	}
	if !fsmeta.Permits(curInfo, r.s.Cred, want) {
		return fsmeta.Result{Err: syscall.EACCES, At: cur, Info: curInfo}
	}
	return fsmeta.Result{Info: curInfo, At: cur}
}

func errnoOf(err error) syscall.Errno {
	for err != nil {
		if e, ok := err.(syscall.Errno); ok {
			return e
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			break
		}
		err = u.Unwrap()
	}
	return syscall.EIO
}
