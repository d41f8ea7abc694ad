package fsmeta

import (
	"io/fs"
	"path"
	"slices"
	"syscall"

	"golang.org/x/sys/unix"
)

// Changes are what a repair would change on a filesystem, to see the
// filesystem as it would be after it (FS.With) without touching it: the
// metadata of existing objects (a chmod, chown or setfacl) and the
// contents of regular files (a config edit, a created index file).
//
// Keys are server paths. Meta keys name the object itself: symlinks in
// their directories are followed inside the root, a final symlink is not.
// Files keys follow every symlink, as open(2) does, so a key naming a link
// to a regular file changes that file.
type Changes struct {
	// Meta sets the new mode, owner, group and ACL of existing objects. A
	// key naming nothing, or a symlink (whose mode Linux cannot change),
	// changes nothing.
	Meta map[string]Meta
	// Files replaces the contents of existing regular files, which keep
	// their mode and owner as an atomic rewrite that preserves them does,
	// or creates new regular files, with the Perm, UID and GID given, in
	// existing directories: they then appear in their directory's
	// listings. A key naming a directory or special file, or a path in a
	// directory that does not exist, changes nothing.
	Files map[string]FileContent
}

// Meta is the new metadata of an object. The caller keeps Perm and ACL
// consistent as the kernel does: with an ACL, the owner and other bits of
// Perm are its user:: and other:: entries, and the group bits its mask
// (its group:: entry when it has no mask).
type Meta struct {
	Perm     uint32 // st_mode & 07777
	UID, GID uint32
	ACL      *ACL // the access ACL; nil for none
}

// MetaOf returns the metadata of info as a Meta, the starting point of a
// change.
func MetaOf(info *Info) Meta {
	return Meta{Perm: info.Perm, UID: info.UID, GID: info.GID, ACL: info.ACL}
}

// FileContent is the new content of a regular file. Perm, UID and GID
// are used only when the file is created.
type FileContent struct {
	Data     []byte
	Perm     uint32
	UID, GID uint32
}

// With returns a view of f changed by ch: it answers every question as f
// does (through f's backend and directory cache, which it never changes)
// except for the objects ch changes. The new view has its own caches and
// always walks paths itself, even when f is the real root (where f lets
// the host's walk resolve intermediate links), so that each change is
// seen whichever path reaches its object. Keys are resolved in f when
// With is called; a change whose path cannot be resolved is dropped (see
// Changes). f must not be Reset while the view is in use.
func (f *FS) With(ch Changes) *FS {
	o := &overlay{
		base:  f,
		meta:  make(map[string]Meta, len(ch.Meta)),
		files: make(map[string]*overlayFile, len(ch.Files)),
		added: make(map[string][]string),
	}
	// Sorted keys: a view built twice from the same changes is the same.
	for _, p := range sortedKeys(ch.Files) {
		o.addFile(p, ch.Files[p])
	}
	for _, p := range sortedKeys(ch.Meta) {
		if phys, ok := f.physical(clean(p)); ok {
			o.meta[phys] = ch.Meta[p]
		}
	}
	for _, names := range o.added {
		slices.Sort(names)
	}
	return &FS{root: f.root, b: o, cache: make(map[string]*Info)}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// physical returns the path of the object p names, its directories
// resolved inside the root, its final component not followed.
func (f *FS) physical(p string) (string, bool) {
	if p == "/" {
		return p, true
	}
	dir := f.Access(rootCred, path.Dir(p), 0, true)
	if dir.Err != 0 || dir.Info.Type != TypeDir {
		return "", false
	}
	return join(dir.Info.Path, path.Base(p)), true
}

// overlay is the backend of a view made by FS.With: the changes over the
// base view.
type overlay struct {
	base  *FS
	meta  map[string]Meta         // by physical path
	files map[string]*overlayFile // by physical path
	added map[string][]string     // a directory's created names
}

// overlayFile is a regular file's new content; info is set for a created
// file.
type overlayFile struct {
	data []byte
	info *Info
}

// addFile records the content of the file at server path p.
func (o *overlay) addFile(p string, fc FileContent) {
	p = clean(p)
	f := o.base
	r := f.Access(rootCred, p, 0, true)
	switch {
	case r.Err == 0 && r.Info.Type == TypeRegular:
		o.files[r.Info.Path] = &overlayFile{data: fc.Data}
	case r.Err == syscall.ENOENT && p != "/":
		phys, ok := f.physical(p)
		if !ok {
			return
		}
		if _, err := f.lstatPhys(phys); err == nil {
			// A dangling symlink: open(O_CREAT) would create its
			// target, which may lie anywhere; leave it.
			return
		}
		if _, dup := o.files[phys]; dup {
			return
		}
		o.files[phys] = &overlayFile{data: fc.Data, info: &Info{
			Path: phys, Type: TypeRegular, Perm: fc.Perm & 0o7777,
			UID: fc.UID, GID: fc.GID, Size: int64(len(fc.Data)), Nlink: 1,
		}}
		dir := path.Dir(phys)
		o.added[dir] = append(o.added[dir], path.Base(phys))
	}
}

func (o *overlay) lstat(p string) (*Info, error) {
	nf := o.files[p]
	var info *Info
	if nf != nil && nf.info != nil {
		info = nf.info
	} else {
		bi, err := o.base.lstatPhys(p)
		if err != nil {
			return nil, err
		}
		info = bi
		if nf != nil {
			cp := *bi
			cp.Size = int64(len(nf.data))
			info = &cp
		}
	}
	if m, ok := o.meta[p]; ok && info.Type != TypeSymlink {
		cp := *info
		cp.Perm, cp.UID, cp.GID, cp.ACL = m.Perm&0o7777, m.UID, m.GID, m.ACL
		info = &cp
	}
	return info, nil
}

func (o *overlay) readDir(phys, name string, batch int, fn func([]string) error) error {
	if err := o.base.b.readDir(phys, name, batch, fn); err != nil {
		return err
	}
	names := o.added[phys]
	if batch <= 0 {
		batch = max(len(names), 1)
	}
	for len(names) > 0 {
		k := min(batch, len(names))
		if err := fn(slices.Clone(names[:k])); err != nil {
			return err
		}
		names = names[k:]
	}
	return nil
}

func (o *overlay) readFile(phys, name string, limit int64) ([]byte, error) {
	nf := o.files[phys]
	if nf == nil {
		return o.base.readKept(phys, name, limit)
	}
	if size := int64(len(nf.data)); size > limit {
		return nil, &fs.PathError{Op: "read", Path: name, Err: &TooLargeError{Size: size, Limit: limit}}
	}
	return slices.Clone(nf.data), nil
}

func (o *overlay) aclSupported(phys string) bool {
	if nf := o.files[phys]; nf != nil && nf.info != nil {
		return o.base.b.aclSupported(path.Dir(phys))
	}
	return o.base.b.aclSupported(phys)
}

// ACLSupported reports whether the filesystem holding the object at server
// path p (symlinks followed inside the root) supports POSIX ACLs, so that
// a setfacl there can work. On disk it asks lgetxattr(2) for
// system.posix_acl_access: a value or ENODATA (no ACL yet) means yes,
// EOPNOTSUPP (a filesystem mounted without ACLs, vfat, procfs) means no,
// and so does any other answer, a path that does not exist included:
// unknown counts as no. An in-memory view answers yes unless an entry at
// or above p says otherwise (Entry.NoACL).
func (f *FS) ACLSupported(p string) bool {
	r := f.Access(rootCred, clean(p), 0, true)
	if r.Err != 0 {
		return false
	}
	return f.b.aclSupported(r.Info.Path)
}

func (d disk) aclSupported(phys string) bool {
	err := ignoringEINTR(func() error {
		_, err := unix.Lgetxattr(d.hostPath(phys), "system.posix_acl_access", nil)
		return err
	})
	return err == nil || err == unix.ENODATA
}

func (m *memory) aclSupported(phys string) bool {
	for p := phys; ; p = path.Dir(p) {
		if n, ok := m.nodes[p]; ok && n.noACL {
			return false
		}
		if p == "/" {
			return true
		}
	}
}
