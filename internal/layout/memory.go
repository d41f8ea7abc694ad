package layout

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/unforbid/unforbid/parser/fsmeta"
)

// Memory returns the tree as an in-memory filesystem view, without
// touching the disk: the same files, directories, modes, owners, ACLs and
// links Materialize lays out when running as root, built by the same code
// from the same .fsmeta commands. Owners and ACL names are resolved
// through the tree's etc/passwd and etc/group (DefaultUsers when it has
// none), as Materialize resolves them. Root is the view's Root (see
// fsmeta.NewMemory), "" for none.
//
// setfacl -m is emulated as the acl package's setfacl does it: entries
// are added or replaced, the mask is recomputed as the union of the group
// class unless the spec sets it, and an ACL left with no named entry and
// no mask is folded into the mode. Default ACLs (d:...) are refused.
func (t *Tree) Memory(root string) (*fsmeta.FS, error) {
	cmds, err := t.Commands()
	if err != nil {
		return nil, err
	}
	mt := &memTarget{objs: map[string]*memObj{".": {typ: fsmeta.TypeDir, perm: 0o755}}}
	if err := t.build(mt, cmds); err != nil {
		return nil, err
	}
	entries := make([]fsmeta.Entry, 0, len(mt.objs))
	for p, o := range mt.objs {
		entries = append(entries, fsmeta.Entry{
			Path: path.Join("/", p), Type: o.typ, Perm: o.perm, UID: uint32(o.uid), GID: uint32(o.gid),
			ACL: o.acl, Target: o.target, Data: o.data,
		})
	}
	return fsmeta.NewMemory(root, entries)
}

// memTarget lays a tree out in a map; new entries are root:root.
type memTarget struct {
	objs map[string]*memObj // by cleaned relative path, "." the root
}

type memObj struct {
	typ      fsmeta.FileType
	perm     uint32
	uid, gid int
	acl      *fsmeta.ACL
	target   string
	data     []byte
}

func notExist(op, p string) error {
	return &fs.PathError{Op: op, Path: p, Err: syscall.ENOENT}
}

func (m *memTarget) lstat(p string) (dir, link bool, err error) {
	o, ok := m.objs[p]
	if !ok {
		// As lstat(2): ENOTDIR when a directory of p is a file.
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			if o, ok := m.objs[d]; ok && o.typ != fsmeta.TypeDir {
				return false, false, &fs.PathError{Op: "lstat", Path: p, Err: syscall.ENOTDIR}
			}
		}
		return false, false, notExist("lstat", p)
	}
	return o.typ == fsmeta.TypeDir, o.typ == fsmeta.TypeSymlink, nil
}

func (m *memTarget) readlink(p string) (string, error) {
	o, ok := m.objs[p]
	if !ok {
		return "", notExist("readlink", p)
	}
	if o.typ != fsmeta.TypeSymlink {
		return "", &fs.PathError{Op: "readlink", Path: p, Err: syscall.EINVAL}
	}
	return o.target, nil
}

// create adds a new entry p after checking that its directory exists.
func (m *memTarget) create(op, p string, o *memObj) error {
	if _, ok := m.objs[p]; ok {
		return &fs.PathError{Op: op, Path: p, Err: syscall.EEXIST}
	}
	if d, ok := m.objs[path.Dir(p)]; !ok {
		return notExist(op, p)
	} else if d.typ != fsmeta.TypeDir {
		return &fs.PathError{Op: op, Path: p, Err: syscall.ENOTDIR}
	}
	m.objs[p] = o
	return nil
}

func (m *memTarget) mkdir(p string) error {
	return m.create("mkdirat", p, &memObj{typ: fsmeta.TypeDir, perm: 0o755})
}

func (m *memTarget) writeFile(p string, data []byte) error {
	if o, ok := m.objs[p]; ok {
		if o.typ == fsmeta.TypeDir {
			return &fs.PathError{Op: "openat", Path: p, Err: syscall.EISDIR}
		}
		o.data = data
		return m.chmod(p, 0o644)
	}
	return m.create("openat", p, &memObj{typ: fsmeta.TypeRegular, perm: 0o644, data: data})
}

func (m *memTarget) symlink(target, p string) error {
	return m.create("symlinkat", p, &memObj{typ: fsmeta.TypeSymlink, perm: 0o777, target: target})
}

// chmod sets the mode; with an ACL, as chmod(2) does, the owner bits go to
// user::, the other bits to other:: and the group bits to the mask (to
// group:: when there is no mask).
func (m *memTarget) chmod(p string, mode uint32) error {
	o, ok := m.objs[p]
	if !ok {
		return notExist("chmodat", p)
	}
	o.perm = mode
	if a := o.acl; a != nil {
		a.UserObj, a.Other = fsmeta.Perm(mode>>6&7), fsmeta.Perm(mode&7)
		if a.HasMask {
			a.Mask = fsmeta.Perm(mode >> 3 & 7)
		} else {
			a.GroupObj = fsmeta.Perm(mode >> 3 & 7)
		}
	}
	return nil
}

func (m *memTarget) lchown(p string, uid, gid int) error {
	o, ok := m.objs[p]
	if !ok {
		return notExist("lchownat", p)
	}
	if uid >= 0 {
		o.uid = uid
	}
	if gid >= 0 {
		o.gid = gid
	}
	return nil
}

func (m *memTarget) setfacl(p, spec string) error {
	o, ok := m.objs[p]
	if !ok {
		return notExist("setfacl", p)
	}
	acl, perm, err := modifyACL(o.acl, o.perm, o.typ == fsmeta.TypeDir, spec)
	if err != nil {
		return err
	}
	o.acl, o.perm = acl, perm
	return nil
}

// modifyACL applies setfacl -m spec to an object with ACL cur (nil for
// none) and mode perm, and returns its new ACL (nil when the result is
// minimal) and mode.
func modifyACL(cur *fsmeta.ACL, perm uint32, isDir bool, spec string) (*fsmeta.ACL, uint32, error) {
	a := fsmeta.ACL{
		UserObj:  fsmeta.Perm(perm >> 6 & 7),
		GroupObj: fsmeta.Perm(perm >> 3 & 7),
		Other:    fsmeta.Perm(perm & 7),
	}
	if cur != nil {
		a = *cur
		a.Users, a.Groups = slices.Clone(cur.Users), slices.Clone(cur.Groups)
	}
	explicitMask := false
	for e := range strings.SplitSeq(spec, ",") {
		f := strings.Split(strings.TrimSpace(e), ":")
		if f[0] == "d" || f[0] == "default" {
			return nil, 0, fmt.Errorf("setfacl %q: default ACLs are not supported in memory", e)
		}
		if len(f) == 2 && (f[0] == "m" || f[0] == "mask" || f[0] == "o" || f[0] == "other") {
			f = []string{f[0], "", f[1]}
		}
		if len(f) != 3 {
			return nil, 0, fmt.Errorf("setfacl %q: want TYPE:QUALIFIER:PERMS", e)
		}
		p, err := parseACLPerm(f[2], isDir || perm&0o111 != 0)
		if err != nil {
			return nil, 0, fmt.Errorf("setfacl %q: %v", e, err)
		}
		switch {
		case (f[0] == "u" || f[0] == "user") && f[1] == "":
			a.UserObj = p
		case (f[0] == "g" || f[0] == "group") && f[1] == "":
			a.GroupObj = p
		case (f[0] == "m" || f[0] == "mask") && f[1] == "":
			a.Mask, a.HasMask, explicitMask = p, true, true
		case (f[0] == "o" || f[0] == "other") && f[1] == "":
			a.Other = p
		case f[0] == "u" || f[0] == "user" || f[0] == "g" || f[0] == "group":
			id, err := strconv.ParseUint(f[1], 10, 32)
			if err != nil {
				return nil, 0, fmt.Errorf("setfacl %q: unknown %s %q", e, map[bool]string{true: "user", false: "group"}[f[0][0] == 'u'], f[1])
			}
			list := &a.Groups
			if f[0][0] == 'u' {
				list = &a.Users
			}
			*list = setEntry(*list, uint32(id), p)
		default:
			return nil, 0, fmt.Errorf("setfacl %q: unknown entry type %q", e, f[0])
		}
	}
	if !explicitMask {
		a.RecomputeMask()
	}
	special := perm &^ 0o777
	if len(a.Users) == 0 && len(a.Groups) == 0 && !a.HasMask {
		return nil, special | uint32(a.UserObj)<<6 | uint32(a.GroupObj)<<3 | uint32(a.Other), nil
	}
	return &a, special | uint32(a.UserObj)<<6 | uint32(a.Mask)<<3 | uint32(a.Other), nil
}

// setEntry sets the entry for id in a list kept sorted by id, as the
// kernel stores it.
func setEntry(list []fsmeta.ACLEntry, id uint32, p fsmeta.Perm) []fsmeta.ACLEntry {
	i, found := slices.BinarySearchFunc(list, id, func(e fsmeta.ACLEntry, id uint32) int {
		switch {
		case e.ID < id:
			return -1
		case e.ID > id:
			return 1
		}
		return 0
	})
	if found {
		list[i].Perm = p
		return list
	}
	return slices.Insert(list, i, fsmeta.ACLEntry{ID: id, Perm: p})
}

// parseACLPerm parses the rights of an ACL entry: letters among r, w, x,
// X (x when exec is set: a directory, or some x bit in the mode) and -, or
// one octal digit.
func parseACLPerm(s string, exec bool) (fsmeta.Perm, error) {
	if len(s) == 1 && s[0] >= '0' && s[0] <= '7' {
		return fsmeta.Perm(s[0] - '0'), nil
	}
	var p fsmeta.Perm
	for _, c := range s {
		switch c {
		case 'r':
			p |= fsmeta.Read
		case 'w':
			p |= fsmeta.Write
		case 'x':
			p |= fsmeta.Exec
		case 'X':
			if exec {
				p |= fsmeta.Exec
			}
		case '-':
		default:
			return 0, fmt.Errorf("bad permission %q", s)
		}
	}
	return p, nil
}
