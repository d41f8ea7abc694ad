package layout

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path"
	"strconv"
	"strings"

	"golang.org/x/tools/txtar"
)

// maxSymlinks bounds symlink expansions while resolving one path, as
// Linux's ELOOP limit does.
const maxSymlinks = 40

// Materialize writes the tree into dir, which must exist, and makes dir
// itself mode 0755 so that the tree root does not stop a server's workers.
//
// Files are written 0644 and missing parent directories created 0755, owned
// by root:root when running as root. A file name ending in "/" makes a
// directory. When the tree has no etc/passwd or etc/group, those of
// DefaultUsers are written. Then the .fsmeta commands run in order.
//
// Paths are resolved inside dir: a symlink met on the way, absolute or
// relative, is followed as the server would see it with dir bind-mounted
// as /, and never leads outside dir. chmod and setfacl act on the final
// symlink's target, chown and symlink on the path itself. Errors in
// commands read "NAME:.fsmeta:LINE: message".
func (t *Tree) Materialize(dir string) error {
	return t.materialize(dir, false)
}

// MaterializeModes is Materialize for an ordinary user: when not run as
// root, the tree's chown commands are skipped, so every file belongs to
// the running user; modes, ACLs and links are laid out as written. Tests
// whose verdicts depend on modes and ACLs only (the workers are another
// user either way) run on it as any user.
func (t *Tree) MaterializeModes(dir string) error {
	return t.materialize(dir, os.Geteuid() != 0)
}

func (t *Tree) materialize(dir string, noOwners bool) error {
	cmds, err := t.Commands()
	if err != nil {
		return err
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s: not a directory", dir)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	return t.build(&diskTarget{root: root, dir: dir, asRoot: os.Geteuid() == 0, noOwners: noOwners}, cmds)
}

// build writes the files of the tree, then the default user database
// when the tree has none, then runs the commands, on tg.
func (t *Tree) build(tg target, cmds []Command) error {
	m := &materializer{t: tg}
	defPasswd, defGroup := DefaultUsers()
	passwd, ok := t.file("etc/passwd")
	if !ok {
		passwd = []byte(defPasswd)
	}
	group, ok := t.file("etc/group")
	if !ok {
		group = []byte(defGroup)
	}
	m.users, m.groups = parseIDDB(passwd), parseIDDB(group)

	var files []txtar.File
	for _, f := range t.Archive.Files {
		if !strings.HasPrefix(f.Name, ".") {
			files = append(files, f)
		}
	}
	if _, ok := t.file("etc/passwd"); !ok {
		files = append(files, txtar.File{Name: "etc/passwd", Data: []byte(defPasswd)})
	}
	if _, ok := t.file("etc/group"); !ok {
		files = append(files, txtar.File{Name: "etc/group", Data: []byte(defGroup)})
	}
	for _, f := range files {
		rel, err := cleanRel(f.Name)
		if err != nil {
			return fmt.Errorf("%s: file %q: %v", t.Name, f.Name, err)
		}
		if strings.HasSuffix(f.Name, "/") {
			err = m.mkdirAll(rel)
		} else {
			err = m.writeFile(rel, f.Data)
		}
		if err != nil {
			return fmt.Errorf("%s: file %q: %v", t.Name, f.Name, err)
		}
	}
	for _, c := range cmds {
		if err := m.apply(c); err != nil {
			return t.errorf(c.Line, "%s %s: %v", c.Op, c.Path, trimOp(err, c.Path))
		}
	}
	return nil
}

// target is where a tree is laid out: a directory on disk, or memory.
// Paths are cleaned, relative to the tree root ("." for the root), and
// hold no symlink but perhaps the last element (materializer.resolve).
type target interface {
	// lstat reports whether p is a directory or a symlink; the error
	// satisfies errors.Is(err, fs.ErrNotExist) when p does not exist.
	lstat(p string) (dir, link bool, err error)
	readlink(p string) (string, error)
	// mkdir makes the directory p 0755, owned like every new entry.
	mkdir(p string) error
	// writeFile writes the file p 0644, replacing its content and mode.
	writeFile(p string, data []byte) error
	symlink(target, p string) error
	chmod(p string, mode uint32) error
	// lchown sets owner and group of p itself; -1 keeps one.
	lchown(p string, uid, gid int) error
	// setfacl runs setfacl -m spec on p; names in spec are ids already
	// where the tree knows them.
	setfacl(p, spec string) error
}

// materializer holds the state of one Materialize call.
type materializer struct {
	t      target
	users  idDB // the tree's etc/passwd
	groups idDB // the tree's etc/group
}

// apply runs one .fsmeta command.
func (m *materializer) apply(c Command) error {
	switch c.Op {
	case "mkdir":
		return m.mkdirAll(c.Path)
	case "chmod":
		mode, err := parseMode(c.Arg)
		if err != nil {
			return err
		}
		p, err := m.resolve(c.Path, true)
		if err != nil {
			return err
		}
		return m.t.chmod(p, mode)
	case "chown":
		uid, gid, err := m.owner(c.Arg)
		if err != nil {
			return err
		}
		p, err := m.resolve(c.Path, false)
		if err != nil {
			return err
		}
		return m.t.lchown(p, uid, gid)
	case "symlink":
		p, err := m.resolve(c.Path, false)
		if err != nil {
			return err
		}
		if err := m.mkdirAll(path.Dir(p)); err != nil {
			return err
		}
		return m.t.symlink(c.Arg, p)
	case "setfacl":
		p, err := m.resolve(c.Path, true)
		if err != nil {
			return err
		}
		return m.t.setfacl(p, m.aclSpec(c.Arg))
	}
	return fmt.Errorf("unknown command %q", c.Op)
}

// writeFile writes one file 0644, creating its parents.
func (m *materializer) writeFile(rel string, data []byte) error {
	p, err := m.resolve(rel, true)
	if err != nil {
		return err
	}
	if err := m.mkdirAll(path.Dir(p)); err != nil {
		return err
	}
	return m.t.writeFile(p, data)
}

// mkdirAll makes rel and its missing parents, each 0755.
func (m *materializer) mkdirAll(rel string) error {
	p, err := m.resolve(rel, true)
	if err != nil {
		return err
	}
	if p == "." {
		return nil
	}
	cur := ""
	for _, c := range strings.Split(p, "/") {
		cur = path.Join(cur, c)
		dir, _, err := m.t.lstat(cur)
		if err == nil {
			if !dir {
				return fmt.Errorf("%s: not a directory", cur)
			}
			continue
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if err := m.t.mkdir(cur); err != nil {
			return err
		}
	}
	return nil
}

// resolve turns a cleaned relative path into one naming the same entry
// with no symlink in it (but the last element when followLast is false).
// Symlinks are followed as they would be with the tree root as "/": an
// absolute target starts again from the root and ".." stops at the root.
// The part of the path that does not exist yet is joined lexically.
func (m *materializer) resolve(rel string, followLast bool) (string, error) {
	todo := splitPath(rel)
	var done []string
	links := 0
	for len(todo) > 0 {
		c := todo[0]
		todo = todo[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if len(done) > 0 {
				done = done[:len(done)-1]
			}
			continue
		}
		cur := path.Join(append(done, c)...)
		if len(todo) == 0 && !followLast {
			done = append(done, c)
			break
		}
		_, link, err := m.t.lstat(cur)
		if errors.Is(err, fs.ErrNotExist) {
			done = append(done, c)
			continue // the rest does not exist either: keep it lexical
		}
		if err != nil {
			return "", err
		}
		if !link {
			done = append(done, c)
			continue
		}
		if links++; links > maxSymlinks {
			return "", fmt.Errorf("%s: too many levels of symbolic links", rel)
		}
		target, err := m.t.readlink(cur)
		if err != nil {
			return "", err
		}
		if path.IsAbs(target) {
			done = nil
		}
		todo = append(splitPath(target), todo...)
	}
	if len(done) == 0 {
		return ".", nil
	}
	return path.Join(done...), nil
}

func splitPath(p string) []string {
	return strings.Split(strings.Trim(p, "/"), "/")
}

// fileMode converts an octal mode (with set-user-id, set-group-id and
// sticky bits) to an fs.FileMode.
func fileMode(m uint32) fs.FileMode {
	mode := fs.FileMode(m & 0o777)
	if m&0o4000 != 0 {
		mode |= fs.ModeSetuid
	}
	if m&0o2000 != 0 {
		mode |= fs.ModeSetgid
	}
	if m&0o1000 != 0 {
		mode |= fs.ModeSticky
	}
	return mode
}

// owner resolves USER[:GROUP] to ids with chown(1)'s meaning: "USER" keeps
// the group (-1), "USER:" takes the user's login group, ":GROUP" keeps the
// owner.
func (m *materializer) owner(spec string) (uid, gid int, err error) {
	u, g, hasColon := strings.Cut(spec, ":")
	uid, gid = -1, -1
	if u != "" {
		if uid, err = m.userID(u); err != nil {
			return 0, 0, err
		}
	}
	switch {
	case g != "":
		if gid, err = m.groupID(g); err != nil {
			return 0, 0, err
		}
	case hasColon && u != "":
		if gid, err = m.primaryGroup(u); err != nil {
			return 0, 0, err
		}
	}
	return uid, gid, nil
}

// userID resolves a user through the tree's etc/passwd, then as a number,
// then through the host's databases.
func (m *materializer) userID(name string) (int, error) {
	if id, ok := m.users.id[name]; ok {
		return id, nil
	}
	if id, err := strconv.Atoi(name); err == nil && id >= 0 {
		return id, nil
	}
	if u, err := user.Lookup(name); err == nil {
		return strconv.Atoi(u.Uid)
	}
	return 0, fmt.Errorf("unknown user %q", name)
}

// groupID resolves a group like userID resolves a user.
func (m *materializer) groupID(name string) (int, error) {
	if id, ok := m.groups.id[name]; ok {
		return id, nil
	}
	if id, err := strconv.Atoi(name); err == nil && id >= 0 {
		return id, nil
	}
	if g, err := user.LookupGroup(name); err == nil {
		return strconv.Atoi(g.Gid)
	}
	return 0, fmt.Errorf("unknown group %q", name)
}

// primaryGroup returns the login group of a user, for "chown USER:".
func (m *materializer) primaryGroup(name string) (int, error) {
	if id, ok := m.users.primary[name]; ok {
		return id, nil
	}
	if _, ok := m.users.id[name]; !ok {
		if u, err := user.Lookup(name); err == nil {
			return strconv.Atoi(u.Gid)
		}
	}
	return 0, fmt.Errorf("no login group known for user %q", name)
}

// aclSpec rewrites the user and group names of an ACL spec
// ("u:www-data:r,g:adm:rx") to the ids of the tree's etc/passwd and
// etc/group, since setfacl itself would look them up on the host. Names the
// tree does not know are left for setfacl.
func (m *materializer) aclSpec(spec string) string {
	entries := strings.Split(spec, ",")
	for i, e := range entries {
		f := strings.Split(e, ":")
		j := 0
		if f[0] == "d" || f[0] == "default" {
			j = 1
		}
		if len(f) < j+3 || f[j+1] == "" {
			continue
		}
		var db idDB
		switch f[j] {
		case "u", "user":
			db = m.users
		case "g", "group":
			db = m.groups
		default:
			continue
		}
		if id, ok := db.id[f[j+1]]; ok {
			f[j+1] = strconv.Itoa(id)
			entries[i] = strings.Join(f, ":")
		}
	}
	return strings.Join(entries, ",")
}

// trimOp drops the system call and, when it is the command's own path, the
// path from an *fs.PathError or *os.LinkError: "chmodat srv/x: no such file
// or directory" becomes "no such file or directory".
func trimOp(err error, p string) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		if pe.Path == p {
			return pe.Err
		}
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	case errors.As(err, &le):
		return le.Err
	}
	return err
}
