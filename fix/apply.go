package fix

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// FileWrite is one config file Apply replaces: its server path, the
// bytes it held when it was read and the bytes to write. Create says the
// file did not exist and is created (mode 0644, owned by the caller).
type FileWrite struct {
	Path     string
	Old, New []byte
	Create   bool
}

// Change is everything one Apply does: config files to write and
// filesystem operations to run.
type Change struct {
	Files []FileWrite
	Ops   []Op
}

// ApplyOptions configure Apply.
type ApplyOptions struct {
	// Root is the host directory the server paths live under ("/" or ""
	// for the real root).
	Root string
	// StateDir is where the journal is written (DefaultStateDir()).
	StateDir string
	// Allowed reports whether a filesystem operation may touch a server
	// path: the caller's check that it lies in a served tree or on the
	// chain of its parent directories. An operation on any other path is
	// refused before anything changes; nil refuses every operation.
	// Config files are not asked about: they are the files the server's
	// config was read from, and each is checked against its Old bytes.
	Allowed func(serverPath string) bool
	// Test runs the server's config test (`nginx -t -c CONFIG`) once
	// everything is written; its error, with the test's output, makes
	// Apply roll everything back. Nil runs no test.
	Test func() error
	// Reload reloads the server after a passing test; nil does not.
	Reload func() error

	// hook, in tests, is called at named points ("write 0" after the
	// first file is in place, "rename 1" before the second file's
	// rename) so that a test can kill the process there.
	hook func(point string)
}

// Applied reports what Apply (or Undo) did.
type Applied struct {
	// Journal is the path of the journal of the apply.
	Journal string
	// Files are the config files written (Apply) or put back (Undo), as
	// server paths.
	Files []string
	// Created are the files Apply created; Removed those Undo removed.
	Created, Removed []string
	// Commands are the filesystem operations done, as shell commands.
	Commands []string
	// Restored describes each operation target Undo put back.
	Restored []string
	// LeftToDo are the operations unforbid never runs itself
	// (restorecon): the admin runs their Command.
	LeftToDo []Op
	// Tested and Reloaded say whether the server's test passed and the
	// server was reloaded.
	Tested, Reloaded bool
	// RolledBack says Apply put everything back after a failure.
	RolledBack bool
}

// UndoOptions configure UndoWith.
type UndoOptions struct {
	StateDir string
	// Root selects the journals of that root ("" for the newest of any).
	Root string
	// Force undoes files and targets that changed since the apply.
	Force bool
}

// ErrNothingToUndo is returned by Undo when the last apply was undone
// already or there was none.
var ErrNothingToUndo = errors.New("nothing to undo")

// fileItem is a config file open for Apply or Undo.
type fileItem struct {
	rec     *fileRecord
	dirfd   int
	base    string
	touched bool // Apply wrote it (or Undo must put it back)
}

// targetItem is an operation's target open for Apply or Undo.
type targetItem struct {
	rec     *targetRecord
	fd      int // O_PATH descriptor of an existing target, else -1
	dirfd   int // its directory, for a created target
	base    string
	touched bool
}

// session holds the descriptors of one Apply or Undo.
type session struct {
	root    string
	rootfd  int
	j       *journal
	files   []*fileItem
	targets map[string]*targetItem
	order   []*targetItem
	ops     []opItem
}

// opItem is an operation and its target.
type opItem struct {
	op Op
	t  *targetItem
}

// cleanRoot makes root absolute and free of symbolic links.
func cleanRoot(root string) (string, error) {
	if root == "" {
		root = "/"
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", fmt.Errorf("root: %w", err)
	}
	return real, nil
}

// newSession opens the root.
func newSession(root string, j *journal) (*session, error) {
	fd, err := openRoot(root)
	if err != nil {
		return nil, err
	}
	return &session{root: root, rootfd: fd, j: j, targets: map[string]*targetItem{}}, nil
}

// close closes every descriptor of the session.
func (s *session) close() {
	for _, f := range s.files {
		unix.Close(f.dirfd)
	}
	for _, t := range s.order {
		if t.fd >= 0 {
			unix.Close(t.fd)
		}
		if t.dirfd >= 0 {
			unix.Close(t.dirfd)
		}
	}
	unix.Close(s.rootfd)
}

// Apply makes ch on the host: it checks everything first (each config
// file still holds its Old bytes, each operation's path is allowed and
// reachable without a symbolic link), writes and fsyncs a journal of
// the state before, writes the config files atomically (keeping mode,
// owner and extended attributes), runs the operations on descriptors
// that never follow a link, then runs opts.Test and opts.Reload. Any
// failure after the first change puts everything back from the journal
// and is returned. Operations of kind OpRestore are never run: they come
// back in LeftToDo.
func Apply(ch Change, opts ApplyOptions) (*Applied, error) {
	res := &Applied{}
	var ops []Op
	for _, op := range ch.Ops {
		if op.Kind == OpRestore {
			res.LeftToDo = append(res.LeftToDo, op)
			continue
		}
		ops = append(ops, op)
	}
	var files []FileWrite
	for _, fw := range ch.Files {
		if fw.Create || !bytes.Equal(fw.Old, fw.New) {
			files = append(files, fw)
		}
	}
	if len(files) == 0 && len(ops) == 0 {
		return res, nil
	}
	root, err := cleanRoot(opts.Root)
	if err != nil {
		return nil, err
	}
	unlock, err := openStateDir(opts.StateDir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	last, err := lastJournal(opts.StateDir, root)
	if err != nil {
		return nil, err
	}
	if last != nil && last.Status == statusPending {
		return nil, fmt.Errorf("an earlier apply was interrupted (journal %s): undo it first", last.path(opts.StateDir))
	}

	j := &journal{Version: 1, Root: root, Status: statusPending, Started: time.Now(), Ops: ops, Left: res.LeftToDo}
	s, err := newSession(root, j)
	if err != nil {
		return nil, err
	}
	defer s.close()
	for _, fw := range files {
		if err := s.prepareFile(fw); err != nil {
			return nil, err
		}
	}
	for _, op := range ops {
		if err := s.prepareOp(op, opts.Allowed); err != nil {
			return nil, err
		}
	}
	if err := j.save(opts.StateDir); err != nil {
		return nil, err
	}
	res.Journal = j.path(opts.StateDir)

	err = s.apply(ch, opts.hook, res)
	if err == nil && len(res.Files) == 0 && len(res.Created) == 0 && len(res.Commands) == 0 {
		// Nothing changed: keep no journal, so that Undo still finds the
		// last apply that did something.
		if err := os.Remove(res.Journal); err != nil {
			return res, fmt.Errorf("nothing to do, but the empty journal could not be removed: %w", err)
		}
		res.Journal = ""
		return res, nil
	}
	if err == nil && opts.Test != nil {
		if terr := opts.Test(); terr != nil {
			err = fmt.Errorf("the server's config test failed: %w", terr)
		} else {
			res.Tested = true
		}
	}
	if err == nil && opts.Reload != nil {
		if rerr := opts.Reload(); rerr != nil {
			err = fmt.Errorf("reload failed: %w", rerr)
		} else {
			res.Reloaded = true
		}
	}
	if err != nil {
		if rerr := s.restore(nil); rerr != nil {
			return res, fmt.Errorf("%w; putting things back failed too: %v (journal %s: undo it)", err, rerr, res.Journal)
		}
		j.Status = statusRolledBack
		if serr := j.save(opts.StateDir); serr != nil {
			return res, fmt.Errorf("%w; everything was put back, but the journal could not be marked: %v", err, serr)
		}
		res.Files, res.Created, res.Commands, res.Tested, res.Reloaded = nil, nil, nil, false, false
		res.RolledBack = true
		return res, fmt.Errorf("%w; every change was rolled back", err)
	}
	for _, t := range s.order {
		if t.fd >= 0 {
			m, err := readMeta(t.fd, t.rec.Path)
			if err != nil {
				return res, fmt.Errorf("applied, but recording the result failed: %w", err)
			}
			t.rec.After = &m
		}
	}
	j.Status = statusApplied
	if err := j.save(opts.StateDir); err != nil {
		return res, fmt.Errorf("applied, but the journal could not be updated: %w", err)
	}
	return res, nil
}

// prepareFile checks a config file and records its state.
func (s *session) prepareFile(fw FileWrite) error {
	if fw.Create && len(fw.Old) != 0 {
		return fmt.Errorf("%s: a created file has no old content", fw.Path)
	}
	real, err := resolveInRoot(s.rootfd, s.root, fw.Path)
	if err != nil {
		return err
	}
	for _, f := range s.files {
		if f.rec.Real == real {
			return fmt.Errorf("%s: refused: the file is listed twice (as %s)", fw.Path, f.rec.Path)
		}
	}
	dirfd, base, err := openDir(s.rootfd, real)
	if err != nil {
		return err
	}
	it := &fileItem{dirfd: dirfd, base: base}
	s.files = append(s.files, it)
	cur, err := readFileAt(dirfd, base, fw.Path)
	if err != nil {
		return err
	}
	rec := &fileRecord{Path: fw.Path, Real: real, Created: fw.Create, NewSum: sum(fw.New),
		Temp: fmt.Sprintf(".%s.unforbid-%d", base, s.j.Started.UnixNano())}
	switch {
	case fw.Create && cur.Exists:
		return fmt.Errorf("%s: refused: it exists already", fw.Path)
	case fw.Create:
		rec.Meta = meta{Mode: 0o644, UID: -1, GID: -1}
	case !cur.Exists:
		return fmt.Errorf("%s: refused: it does not exist any more", fw.Path)
	case !bytes.Equal(cur.Data, fw.Old):
		return fmt.Errorf("%s: refused: the file changed since it was read", fw.Path)
	case cur.Nlink > 1:
		return fmt.Errorf("%s: refused: the file has %d hard links, and replacing it would split them", fw.Path, cur.Nlink)
	default:
		rec.Old, rec.Meta, rec.Xattrs = cur.Data, cur.Meta, cur.Xattrs
	}
	it.rec = rec
	s.j.Files = append(s.j.Files, rec)
	return nil
}

// prepareOp checks an operation and records the state of its target.
func (s *session) prepareOp(op Op, allowed func(string) bool) error {
	if !path.IsAbs(op.Path) {
		return fmt.Errorf("%s: not an absolute path", op.Path)
	}
	p := path.Clean(op.Path)
	if allowed == nil || !allowed(p) {
		return fmt.Errorf("%s: refused: outside the served trees and their parent directories", op.Path)
	}
	switch op.Kind {
	case OpChmod:
		if (op.Add | op.Remove).Perm() != op.Add|op.Remove {
			return fmt.Errorf("%s: chmod of bits other than rwx", op.Path)
		}
	case OpChown:
		if op.UID < 0 && op.GID < 0 {
			return fmt.Errorf("%s: chown without a uid or gid", op.Path)
		}
	case OpSetACL:
		if _, err := mergeACL(0, false, nil, op.ACL); err != nil {
			return fmt.Errorf("%s: %w", op.Path, err)
		}
	case OpCreate:
	default:
		return fmt.Errorf("%s: unknown operation %q", op.Path, op.Kind)
	}
	t := s.targets[p]
	switch {
	case t != nil && t.rec.Created:
		return fmt.Errorf("%s: refused: %s after creating the file (a create sets mode and owner itself)", op.Path, op.Kind)
	case t != nil && op.Kind == OpCreate:
		return fmt.Errorf("%s: refused: it exists", op.Path)
	case t != nil:
	case op.Kind == OpCreate:
		dirfd, base, err := openDir(s.rootfd, p)
		if err != nil {
			return err
		}
		t = &targetItem{fd: -1, dirfd: dirfd, base: base, rec: &targetRecord{Path: p, Created: true, NewSum: sum(op.Content)}}
		s.addTarget(p, t)
		var st unix.Stat_t
		err = unix.Fstatat(dirfd, base, &st, unix.AT_SYMLINK_NOFOLLOW)
		if err == nil {
			return fmt.Errorf("%s: refused: it exists already", op.Path)
		}
		if !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("%s: %w", op.Path, err)
		}
	default:
		fd, err := openStrict(s.rootfd, p, unix.O_PATH)
		if err != nil {
			return err
		}
		t = &targetItem{fd: fd, dirfd: -1, rec: &targetRecord{Path: p}}
		s.addTarget(p, t)
		st, err := statTarget(fd, p)
		if err != nil {
			return err
		}
		if st.Mode&unix.S_IFMT == unix.S_IFREG && st.Nlink > 1 {
			// Another name of the same file may lie anywhere on the
			// filesystem (a planted hard link to a secret).
			return fmt.Errorf("%s: refused: the file has %d hard links", op.Path, st.Nlink)
		}
		if t.rec.Before, err = readMeta(fd, p); err != nil {
			return err
		}
	}
	s.ops = append(s.ops, opItem{op, t})
	return nil
}

// addTarget registers a target once.
func (s *session) addTarget(p string, t *targetItem) {
	s.targets[p] = t
	s.order = append(s.order, t)
	s.j.Targets = append(s.j.Targets, t.rec)
}

// apply writes the config files, then runs the operations.
func (s *session) apply(ch Change, hook func(string), res *Applied) error {
	for i, f := range s.files {
		var fw FileWrite
		for _, c := range ch.Files {
			if c.Path == f.rec.Path {
				fw = c
			}
		}
		check := func() error {
			if hook != nil {
				hook(fmt.Sprintf("rename %d", i))
			}
			if f.rec.Created {
				return nil
			}
			cur, err := readFileAt(f.dirfd, f.base, f.rec.Path)
			if err != nil {
				return err
			}
			if !cur.Exists || !bytes.Equal(cur.Data, f.rec.Old) {
				return fmt.Errorf("%s: the file changed while it was being replaced", f.rec.Path)
			}
			return nil
		}
		f.touched = true
		if err := writeAtomic(f.dirfd, f.base, f.rec.Temp, fw.New, f.rec.Meta, f.rec.Xattrs, f.rec.Created, check); err != nil {
			if f.rec.Created && errors.Is(err, unix.EEXIST) {
				f.touched = false // someone else's file appeared: never remove it
			}
			return fmt.Errorf("%s: %w", f.rec.Path, err)
		}
		if f.rec.Created {
			res.Created = append(res.Created, f.rec.Path)
		} else {
			res.Files = append(res.Files, f.rec.Path)
		}
		if hook != nil {
			hook(fmt.Sprintf("write %d", i))
		}
	}
	for _, o := range s.ops {
		changed, err := s.doOp(o.op, o.t)
		if err != nil {
			return err
		}
		if changed {
			res.Commands = append(res.Commands, o.op.Command())
			if o.op.Kind == OpCreate {
				res.Created = append(res.Created, o.op.Path)
			}
		}
	}
	return nil
}

// doOp runs one operation on its target's descriptor and reports
// whether anything changed.
func (s *session) doOp(op Op, t *targetItem) (bool, error) {
	if op.Kind == OpCreate {
		mode := uint32(op.Mode.Perm())
		if mode == 0 {
			mode = 0o644
		}
		if err := createExclusive(t.dirfd, t.base, op.Content, mode, op.UID, op.GID); err != nil {
			return false, fmt.Errorf("%s: create: %w", op.Path, err)
		}
		t.touched = true
		return true, nil
	}
	cur, err := readMeta(t.fd, op.Path)
	if err != nil {
		return false, err
	}
	switch op.Kind {
	case OpChmod:
		mode := cur.Mode&^uint32(op.Remove.Perm()) | uint32(op.Add.Perm())
		if mode == cur.Mode {
			return false, nil
		}
		t.touched = true
		return true, chmodFd(t.fd, op.Path, mode)
	case OpChown:
		if (op.UID < 0 || op.UID == cur.UID) && (op.GID < 0 || op.GID == cur.GID) {
			return false, nil
		}
		t.touched = true
		if err := unix.Fchownat(t.fd, "", op.UID, op.GID, unix.AT_EMPTY_PATH); err != nil {
			return false, fmt.Errorf("%s: chown %d:%d: %w", op.Path, op.UID, op.GID, err)
		}
		return true, nil
	case OpSetACL:
		acl, err := mergeACL(cur.Mode, cur.HasACL, cur.ACL, op.ACL)
		if err != nil {
			return false, fmt.Errorf("%s: %w", op.Path, err)
		}
		if cur.HasACL && bytes.Equal(acl, cur.ACL) {
			return false, nil
		}
		t.touched = true
		if err := unix.Setxattr(fdPath(t.fd), aclXattr, acl, 0); err != nil {
			if errors.Is(err, unix.EOPNOTSUPP) {
				return false, fmt.Errorf("%s: setfacl: the filesystem does not support ACLs", op.Path)
			}
			return false, fmt.Errorf("%s: setfacl: %w", op.Path, err)
		}
		return true, nil
	}
	return false, fmt.Errorf("%s: unknown operation %q", op.Path, op.Kind)
}

// restore puts every touched file and target back to its recorded
// state, operation targets first (in reverse order), then the files.
// Items already in their old state are left alone. res, when not nil,
// collects what was done.
func (s *session) restore(res *Applied) error {
	var errs []error
	for i := len(s.order) - 1; i >= 0; i-- {
		t := s.order[i]
		if !t.touched {
			continue
		}
		if t.rec.Created {
			if err := unix.Unlinkat(t.dirfd, t.base, 0); err != nil && !errors.Is(err, unix.ENOENT) {
				errs = append(errs, fmt.Errorf("%s: remove: %w", t.rec.Path, err))
			} else if err == nil && res != nil {
				res.Removed = append(res.Removed, t.rec.Path)
			}
			continue
		}
		cur, err := readMeta(t.fd, t.rec.Path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if cur.equal(t.rec.Before) {
			continue
		}
		if err := setMeta(t.fd, t.rec.Path, t.rec.Before); err != nil {
			errs = append(errs, err)
		} else if res != nil {
			res.Restored = append(res.Restored, t.rec.Path+": "+t.rec.Before.String())
		}
	}
	for i := len(s.files) - 1; i >= 0; i-- {
		f := s.files[i]
		if err := unix.Unlinkat(f.dirfd, f.rec.Temp, 0); err != nil && !errors.Is(err, unix.ENOENT) {
			errs = append(errs, fmt.Errorf("%s: remove the temporary file: %w", f.rec.Path, err))
		}
		if !f.touched {
			continue
		}
		if f.rec.Created {
			if err := unix.Unlinkat(f.dirfd, f.base, 0); err != nil && !errors.Is(err, unix.ENOENT) {
				errs = append(errs, fmt.Errorf("%s: remove: %w", f.rec.Path, err))
			} else if err == nil && res != nil {
				res.Removed = append(res.Removed, f.rec.Path)
			}
			continue
		}
		cur, err := readFileAt(f.dirfd, f.base, f.rec.Path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if cur.Exists && bytes.Equal(cur.Data, f.rec.Old) && cur.Meta.equal(f.rec.Meta) {
			continue
		}
		if err := writeAtomic(f.dirfd, f.base, f.rec.Temp, f.rec.Old, f.rec.Meta, f.rec.Xattrs, false, nil); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f.rec.Path, err))
		} else if res != nil {
			res.Files = append(res.Files, f.rec.Path)
		}
	}
	return errors.Join(errs...)
}

// Undo puts back the last apply recorded in stateDir for root: every
// config file byte for byte with its mode, owner and extended
// attributes, every operation's target with its mode, owner and ACL,
// and removes the files it created. It also recovers from an apply that
// was interrupted. A file or target changed since the apply is refused
// (see UndoWith and Force). A second Undo returns ErrNothingToUndo.
func Undo(stateDir, root string) (*Applied, error) {
	return UndoWith(UndoOptions{StateDir: stateDir, Root: root})
}

// UndoWith is Undo with options.
func UndoWith(o UndoOptions) (*Applied, error) {
	root := ""
	if o.Root != "" {
		var err error
		if root, err = cleanRoot(o.Root); err != nil {
			return nil, err
		}
	}
	unlock, err := openStateDir(o.StateDir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	j, err := lastJournal(o.StateDir, root)
	if err != nil {
		return nil, err
	}
	if j == nil || j.Status == statusUndone {
		return nil, ErrNothingToUndo
	}
	res := &Applied{Journal: j.path(o.StateDir)}
	s, err := newSession(j.Root, j)
	if err != nil {
		return nil, err
	}
	defer s.close()
	var refused []error
	for _, rec := range j.Files {
		dirfd, base, err := openDir(s.rootfd, rec.Real)
		if err != nil {
			return nil, err
		}
		f := &fileItem{rec: rec, dirfd: dirfd, base: base, touched: true}
		s.files = append(s.files, f)
		cur, err := readFileAt(dirfd, base, rec.Path)
		if err != nil {
			return nil, err
		}
		switch {
		case !cur.Exists && rec.Created:
			f.touched = false
		case rec.Created && sum(cur.Data) != rec.NewSum && (!o.Force || j.Status == statusPending):
			refused = append(refused, fmt.Errorf("%s: changed since the apply created it", rec.Path))
		case rec.Created:
		case !cur.Exists && !o.Force:
			refused = append(refused, fmt.Errorf("%s: removed since the apply", rec.Path))
		case !cur.Exists:
		case sum(cur.Data) != rec.NewSum && !bytes.Equal(cur.Data, rec.Old) && !o.Force:
			refused = append(refused, fmt.Errorf("%s: changed since the apply", rec.Path))
		}
	}
	for _, rec := range j.Targets {
		if rec.Created {
			dirfd, base, err := openDir(s.rootfd, rec.Path)
			if err != nil {
				return nil, err
			}
			t := &targetItem{rec: rec, fd: -1, dirfd: dirfd, base: base, touched: true}
			s.order = append(s.order, t)
			cur, err := readFileAt(dirfd, base, rec.Path)
			if err != nil {
				return nil, err
			}
			switch {
			case !cur.Exists:
				t.touched = false
			case sum(cur.Data) != rec.NewSum && (!o.Force || j.Status == statusPending):
				refused = append(refused, fmt.Errorf("%s: changed since the apply created it", rec.Path))
			}
			continue
		}
		fd, err := openStrict(s.rootfd, rec.Path, unix.O_PATH)
		if err != nil {
			return nil, err
		}
		t := &targetItem{rec: rec, fd: fd, dirfd: -1, touched: true}
		s.order = append(s.order, t)
		if _, err := statTarget(fd, rec.Path); err != nil {
			return nil, err
		}
		cur, err := readMeta(fd, rec.Path)
		if err != nil {
			return nil, err
		}
		if rec.After != nil && !cur.equal(*rec.After) && !cur.equal(rec.Before) && !o.Force {
			refused = append(refused, fmt.Errorf("%s: changed since the apply (now %s, the apply left %s)", rec.Path, cur, *rec.After))
		}
	}
	if len(refused) > 0 {
		return nil, fmt.Errorf("refusing to undo %s (force to undo anyway): %w", res.Journal, errors.Join(refused...))
	}
	if err := s.restore(res); err != nil {
		return res, fmt.Errorf("undo %s: %w", res.Journal, err)
	}
	j.Status = statusUndone
	if err := j.save(o.StateDir); err != nil {
		return res, fmt.Errorf("undone, but the journal could not be marked: %w", err)
	}
	return res, nil
}
