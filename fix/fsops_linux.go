package fix

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// The low-level filesystem work of Apply and Undo. Every path is resolved
// from a descriptor of the host root with openat2: operations on
// permissions, owners and ACLs refuse any symbolic link on the way
// (RESOLVE_NO_SYMLINKS) and act on the descriptor they opened, so no path
// can be swapped for a link between the check and the change.

// aclXattr is the extended attribute holding a POSIX access ACL.
const aclXattr = "system.posix_acl_access"

// serverRel turns an absolute server path into a path relative to the
// root: "/etc/nginx/nginx.conf" becomes "etc/nginx/nginx.conf", "/" ".".
func serverRel(p string) (string, error) {
	if !path.IsAbs(p) {
		return "", fmt.Errorf("%s: not an absolute path", p)
	}
	c := path.Clean(p)
	if c == "/" {
		return ".", nil
	}
	return c[1:], nil
}

// openRoot opens the host directory root (already absolute and free of
// symbolic links) as a directory descriptor.
func openRoot(root string) (int, error) {
	fd, err := unix.Open(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("open root %s: %w", root, err)
	}
	return fd, nil
}

// openat2 retries unix.Openat2 when the kernel asks for it (EAGAIN is
// returned when a rename raced with a RESOLVE_BENEATH lookup).
func openat2(dirfd int, rel string, how *unix.OpenHow) (int, error) {
	for range 16 {
		fd, err := unix.Openat2(dirfd, rel, how)
		if err != unix.EAGAIN && err != unix.EINTR {
			return fd, err
		}
	}
	return -1, unix.EAGAIN
}

// openStrict opens rel below rootfd with flags, refusing any symbolic
// link on the way and any escape from the root. With O_PATH|O_NOFOLLOW a
// final symbolic link is opened itself (the caller's fstat refuses it).
func openStrict(rootfd int, serverPath string, flags uint64) (int, error) {
	rel, err := serverRel(serverPath)
	if err != nil {
		return -1, err
	}
	fd, err := openat2(rootfd, rel, &unix.OpenHow{
		Flags:   flags | unix.O_NOFOLLOW | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS,
	})
	switch {
	case errors.Is(err, unix.ELOOP):
		return -1, fmt.Errorf("%s: refused: the path passes through a symbolic link", serverPath)
	case errors.Is(err, unix.EXDEV):
		return -1, fmt.Errorf("%s: refused: the path leaves the root", serverPath)
	case err != nil:
		return -1, fmt.Errorf("%s: %w", serverPath, err)
	}
	return fd, nil
}

// openDir opens the directory of serverPath for reading (no symbolic
// link on the way) and returns it with the file's base name.
func openDir(rootfd int, serverPath string) (int, string, error) {
	c := path.Clean(serverPath)
	if c == "/" {
		return -1, "", fmt.Errorf("%s: refused: not a file", serverPath)
	}
	dir := path.Dir(c)
	pfd, err := openStrict(rootfd, dir, unix.O_PATH)
	if err != nil {
		return -1, "", err
	}
	defer unix.Close(pfd)
	st, err := statTarget(pfd, dir)
	if err != nil {
		return -1, "", err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return -1, "", fmt.Errorf("%s: not a directory", dir)
	}
	// Reopen the very directory for reading: "." below its own descriptor.
	fd, err := unix.Openat(pfd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, "", fmt.Errorf("%s: %w", dir, err)
	}
	return fd, path.Base(c), nil
}

// resolveInRoot follows the symbolic links of serverPath as if root were
// "/" (RESOLVE_IN_ROOT) and returns the server path it names, so that a
// config file reached through sites-enabled/x -> ../sites-available/x is
// written where it really lives and the link stays. A path that does not
// exist resolves through its parent.
func resolveInRoot(rootfd int, root, serverPath string) (string, error) {
	rel, err := serverRel(serverPath)
	if err != nil {
		return "", err
	}
	how := &unix.OpenHow{Flags: unix.O_PATH | unix.O_CLOEXEC, Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS}
	fd, err := openat2(rootfd, rel, how)
	suffix := ""
	if errors.Is(err, unix.ENOENT) && rel != "." {
		suffix = path.Base(rel)
		fd, err = openat2(rootfd, path.Dir(rel), how)
	}
	if err != nil {
		return "", fmt.Errorf("%s: %w", serverPath, err)
	}
	defer unix.Close(fd)
	host, err := os.Readlink(fdPath(fd))
	if err != nil {
		return "", fmt.Errorf("%s: %w", serverPath, err)
	}
	var real string
	switch {
	case root == "/":
		real = host
	case host == root:
		real = "/"
	case strings.HasPrefix(host, root+"/"):
		real = host[len(root):]
	default:
		return "", fmt.Errorf("%s: refused: resolves to %s, outside the root %s", serverPath, host, root)
	}
	return path.Join(real, suffix), nil
}

// fdPath names a descriptor through /proc, the way to chmod or set an
// extended attribute on an O_PATH descriptor without a path lookup.
func fdPath(fd int) string { return fmt.Sprintf("/proc/self/fd/%d", fd) }

// meta is what Apply records of a file or directory before it changes
// it and what Undo puts back.
type meta struct {
	Mode   uint32 // permission and set-id/sticky bits (07777)
	UID    int
	GID    int
	HasACL bool   // the file has a system.posix_acl_access attribute
	ACL    []byte `json:",omitempty"` // its raw value
}

// equal reports whether two metas are the same.
func (m meta) equal(o meta) bool {
	return m.Mode == o.Mode && m.UID == o.UID && m.GID == o.GID && m.HasACL == o.HasACL && bytes.Equal(m.ACL, o.ACL)
}

// String renders a meta for messages: "0750 uid 0 gid 33 acl".
func (m meta) String() string {
	s := fmt.Sprintf("%04o uid %d gid %d", m.Mode, m.UID, m.GID)
	if m.HasACL {
		s += " +acl"
	}
	return s
}

// statTarget fstats an O_PATH descriptor and refuses anything but a
// regular file or a directory (a symbolic link above all).
func statTarget(fd int, serverPath string) (unix.Stat_t, error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return st, fmt.Errorf("%s: %w", serverPath, err)
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG, unix.S_IFDIR:
		return st, nil
	case unix.S_IFLNK:
		return st, fmt.Errorf("%s: refused: it is a symbolic link", serverPath)
	}
	return st, fmt.Errorf("%s: refused: neither a regular file nor a directory", serverPath)
}

// readMeta reads mode, owner and access ACL of the file open as fd.
func readMeta(fd int, serverPath string) (meta, error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return meta{}, fmt.Errorf("%s: %w", serverPath, err)
	}
	m := meta{Mode: st.Mode & 0o7777, UID: int(st.Uid), GID: int(st.Gid)}
	acl, err := getxattr(fdPath(fd), aclXattr)
	switch {
	case errors.Is(err, unix.ENODATA) || errors.Is(err, unix.EOPNOTSUPP):
	case err != nil:
		return meta{}, fmt.Errorf("%s: read ACL: %w", serverPath, err)
	default:
		m.HasACL, m.ACL = true, acl
	}
	return m, nil
}

// getxattr reads one extended attribute of the file at p (following the
// /proc magic link to the descriptor's file).
func getxattr(p, name string) ([]byte, error) {
	for {
		n, err := unix.Getxattr(p, name, nil)
		if err != nil {
			return nil, err
		}
		buf := make([]byte, n)
		n, err = unix.Getxattr(p, name, buf)
		if errors.Is(err, unix.ERANGE) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return buf[:n], nil
	}
}

// setMeta gives the file open as fd (O_PATH) the owner, access ACL and
// mode of m, in that order: chown may clear set-id bits and setting or
// removing an ACL rewrites the group bits, so the mode comes last.
func setMeta(fd int, serverPath string, m meta) error {
	cur, err := readMeta(fd, serverPath)
	if err != nil {
		return err
	}
	if cur.UID != m.UID || cur.GID != m.GID {
		if err := unix.Fchownat(fd, "", m.UID, m.GID, unix.AT_EMPTY_PATH); err != nil {
			return fmt.Errorf("%s: chown %d:%d: %w", serverPath, m.UID, m.GID, err)
		}
	}
	if m.HasACL {
		if err := unix.Setxattr(fdPath(fd), aclXattr, m.ACL, 0); err != nil {
			return fmt.Errorf("%s: set ACL: %w", serverPath, err)
		}
	} else if cur.HasACL {
		if err := unix.Removexattr(fdPath(fd), aclXattr); err != nil && !errors.Is(err, unix.ENODATA) {
			return fmt.Errorf("%s: remove ACL: %w", serverPath, err)
		}
	}
	return chmodFd(fd, serverPath, m.Mode)
}

// chmodFd sets the mode of the file open as fd (O_PATH).
func chmodFd(fd int, serverPath string, mode uint32) error {
	if err := unix.Fchmodat(unix.AT_FDCWD, fdPath(fd), mode&0o7777, 0); err != nil {
		return fmt.Errorf("%s: chmod %04o: %w", serverPath, mode&0o7777, err)
	}
	return nil
}

// xattr is one extended attribute of a config file, copied to the file
// that replaces it.
type xattr struct {
	Name  string
	Value []byte
}

// listXattrs reads every extended attribute of the file open as fd
// (security.selinux, system.posix_acl_access, user.*: whatever the caller
// may see).
func listXattrs(fd int) ([]xattr, error) {
	var names []byte
	for {
		n, err := unix.Flistxattr(fd, nil)
		if errors.Is(err, unix.EOPNOTSUPP) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, nil
		}
		names = make([]byte, n)
		n, err = unix.Flistxattr(fd, names)
		if errors.Is(err, unix.ERANGE) {
			continue
		}
		if err != nil {
			return nil, err
		}
		names = names[:n]
		break
	}
	var out []xattr
	for _, name := range strings.Split(strings.TrimRight(string(names), "\x00"), "\x00") {
		if name == "" {
			continue
		}
		var val []byte
		for {
			n, err := unix.Fgetxattr(fd, name, nil)
			if errors.Is(err, unix.ENODATA) {
				val = nil
				break
			}
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", name, err)
			}
			val = make([]byte, n)
			n, err = unix.Fgetxattr(fd, name, val)
			if errors.Is(err, unix.ERANGE) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", name, err)
			}
			val = val[:n]
			break
		}
		if val != nil {
			out = append(out, xattr{name, val})
		}
	}
	return out, nil
}

// fileState is a config file as read at its directory descriptor: its
// bytes, mode, owner and extended attributes.
type fileState struct {
	Exists bool
	Nlink  uint64 // its number of hard links
	Data   []byte
	Meta   meta
	Xattrs []xattr
}

// readFileAt reads the regular file base in dirfd without following a
// symbolic link. A missing file is returned with Exists false.
func readFileAt(dirfd int, base, serverPath string) (fileState, error) {
	fd, err := unix.Openat(dirfd, base, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.ENOENT) {
		return fileState{}, nil
	}
	if errors.Is(err, unix.ELOOP) {
		return fileState{}, fmt.Errorf("%s: refused: it is a symbolic link", serverPath)
	}
	if err != nil {
		return fileState{}, fmt.Errorf("%s: %w", serverPath, err)
	}
	f := os.NewFile(uintptr(fd), serverPath)
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fileState{}, fmt.Errorf("%s: %w", serverPath, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return fileState{}, fmt.Errorf("%s: refused: not a regular file", serverPath)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return fileState{}, fmt.Errorf("%s: %w", serverPath, err)
	}
	xs, err := listXattrs(fd)
	if err != nil {
		return fileState{}, fmt.Errorf("%s: %w", serverPath, err)
	}
	m := meta{Mode: st.Mode & 0o7777, UID: int(st.Uid), GID: int(st.Gid)}
	for _, x := range xs {
		if x.Name == aclXattr {
			m.HasACL, m.ACL = true, x.Value
		}
	}
	return fileState{Exists: true, Nlink: uint64(st.Nlink), Data: data, Meta: m, Xattrs: xs}, nil
}

// writeAtomic replaces (or, with create, creates) the file base in the
// directory dirfd with data: it writes the temporary file temp in the
// same directory, gives it the owner, extended attributes and mode of
// m and xs, fsyncs it, renames it over base (without replacing anything
// when create is set) and fsyncs the directory. A reader sees the old
// file or the new one, never a torn one. beforeRename, when set, is
// called once the temporary file is complete and may veto the rename.
func writeAtomic(dirfd int, base, temp string, data []byte, m meta, xs []xattr, create bool, beforeRename func() error) (err error) {
	fd, err := unix.Openat(dirfd, temp, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return fmt.Errorf("create temporary file %s: %w", temp, err)
	}
	f := os.NewFile(uintptr(fd), temp)
	renamed := false
	defer func() {
		if f != nil {
			f.Close()
		}
		if !renamed {
			unix.Unlinkat(dirfd, temp, 0)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	if m.UID >= 0 && m.GID >= 0 && (int(st.Uid) != m.UID || int(st.Gid) != m.GID) {
		if err := unix.Fchown(fd, m.UID, m.GID); err != nil {
			return fmt.Errorf("keep owner %d:%d: %w", m.UID, m.GID, err)
		}
	}
	for _, x := range xs {
		if err := unix.Fsetxattr(fd, x.Name, x.Value, 0); err != nil {
			return fmt.Errorf("keep extended attribute %s: %w", x.Name, err)
		}
	}
	if err := unix.Fchmod(fd, m.Mode&0o7777); err != nil {
		return fmt.Errorf("keep mode %04o: %w", m.Mode&0o7777, err)
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		f = nil
		return err
	}
	f = nil
	if beforeRename != nil {
		if err := beforeRename(); err != nil {
			return err
		}
	}
	var flags uint
	if create {
		flags = unix.RENAME_NOREPLACE
	}
	if err := unix.Renameat2(dirfd, temp, dirfd, base, flags); err != nil {
		return fmt.Errorf("rename into place: %w", err)
	}
	renamed = true
	return unix.Fsync(dirfd)
}

// createExclusive creates the file base in dirfd, which must not exist
// (O_CREAT|O_EXCL|O_NOFOLLOW), with content, mode and owner (uid and gid
// of -1 keep the creator's), then fsyncs it and the directory.
func createExclusive(dirfd int, base string, content []byte, mode uint32, uid, gid int) error {
	fd, err := unix.Openat(dirfd, base, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return err
	}
	f := os.NewFile(uintptr(fd), base)
	defer f.Close()
	fail := func(err error) error {
		f.Close()
		unix.Unlinkat(dirfd, base, 0)
		return err
	}
	if _, err := f.Write(content); err != nil {
		return fail(err)
	}
	if uid != -1 || gid != -1 {
		if err := unix.Fchown(fd, uid, gid); err != nil {
			return fail(fmt.Errorf("chown %d:%d: %w", uid, gid, err))
		}
	}
	if err := unix.Fchmod(fd, mode&0o7777); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	return unix.Fsync(dirfd)
}

// ACL tags of the system.posix_acl_access format.
const (
	aclUserObj  = 0x01
	aclUser     = 0x02
	aclGroupObj = 0x04
	aclGroup    = 0x08
	aclMask     = 0x10
	aclOther    = 0x20
)

// aclEnt is one entry of the on-disk ACL format.
type aclEnt struct {
	Tag  uint16
	Perm uint16
	ID   uint32
}

// decodeACL reads the on-disk ACL format: version 2, then 8-byte
// little-endian {tag, perm, id} entries.
func decodeACL(b []byte) ([]aclEnt, error) {
	if len(b) < 4 || binary.LittleEndian.Uint32(b) != 2 || (len(b)-4)%8 != 0 {
		return nil, errors.New("malformed ACL attribute")
	}
	var es []aclEnt
	for i := 4; i < len(b); i += 8 {
		es = append(es, aclEnt{binary.LittleEndian.Uint16(b[i:]), binary.LittleEndian.Uint16(b[i+2:]), binary.LittleEndian.Uint32(b[i+4:])})
	}
	return es, nil
}

// encodeACL writes entries in the on-disk format, in the order the
// kernel requires: by tag, then by id.
func encodeACL(es []aclEnt) []byte {
	es = append([]aclEnt(nil), es...)
	sort.Slice(es, func(i, j int) bool {
		if es[i].Tag != es[j].Tag {
			return es[i].Tag < es[j].Tag
		}
		return es[i].ID < es[j].ID
	})
	b := make([]byte, 4, 4+8*len(es))
	binary.LittleEndian.PutUint32(b, 2)
	for _, e := range es {
		id := e.ID
		if e.Tag != aclUser && e.Tag != aclGroup {
			id = 0xffffffff // ACL_UNDEFINED_ID
		}
		b = binary.LittleEndian.AppendUint16(b, e.Tag)
		b = binary.LittleEndian.AppendUint16(b, e.Perm)
		b = binary.LittleEndian.AppendUint32(b, id)
	}
	return b
}

// mergeACL returns the access ACL of a file with mode and current ACL
// cur (none when hasACL is false) after `setfacl -m entries`: named
// entries are added or replaced and, unless entries set the mask
// themselves, the mask is recomputed as setfacl does, the union of the
// group class (the owning group and every named entry).
func mergeACL(mode uint32, hasACL bool, cur []byte, entries []ACLEntry) ([]byte, error) {
	var es []aclEnt
	if hasACL {
		var err error
		if es, err = decodeACL(cur); err != nil {
			return nil, err
		}
	} else {
		es = []aclEnt{
			{aclUserObj, uint16(mode >> 6 & 7), 0},
			{aclGroupObj, uint16(mode >> 3 & 7), 0},
			{aclOther, uint16(mode & 7), 0},
		}
	}
	explicitMask := -1
	for _, e := range entries {
		perm := uint16(e.Perm.Perm() & 7)
		if e.Perm.Perm()&^7 != 0 {
			return nil, fmt.Errorf("ACL entry %s: rights beyond rwx", e)
		}
		var tag uint16
		switch e.Tag {
		case "user":
			tag = aclUser
		case "group":
			tag = aclGroup
		case "mask":
			explicitMask = int(perm)
			continue
		default:
			return nil, fmt.Errorf("ACL entry %s: unknown tag %q", e, e.Tag)
		}
		if e.ID < 0 {
			return nil, fmt.Errorf("ACL entry %s: no numeric id", e)
		}
		found := false
		for i := range es {
			if es[i].Tag == tag && es[i].ID == uint32(e.ID) {
				es[i].Perm, found = perm, true
			}
		}
		if !found {
			es = append(es, aclEnt{tag, perm, uint32(e.ID)})
		}
	}
	var union uint16
	named := false
	for _, e := range es {
		switch e.Tag {
		case aclUser, aclGroup:
			named = true
			union |= e.Perm
		case aclGroupObj:
			union |= e.Perm
		}
	}
	mask := int(union)
	if explicitMask >= 0 {
		mask = explicitMask
	}
	kept := es[:0]
	for _, e := range es {
		if e.Tag != aclMask {
			kept = append(kept, e)
		}
	}
	es = kept
	if named || explicitMask >= 0 {
		es = append(es, aclEnt{aclMask, uint16(mask), 0})
	}
	return encodeACL(es), nil
}
