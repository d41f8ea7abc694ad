package fsmeta

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"syscall"
)

// Entry is one object of an in-memory view (see NewMemory).
type Entry struct {
	// Path is the server path, absolute; it is cleaned.
	Path string
	// Type is TypeRegular, TypeDir, TypeSymlink or TypeOther (a device,
	// FIFO or socket: it is never read).
	Type FileType
	// Perm is st_mode & 07777. With an ACL that has a mask, its group
	// bits are the mask, as on disk. Symlinks are 0777 whatever it says.
	Perm     uint32
	UID, GID uint32
	// ACL is the access ACL, nil when there is none (not for symlinks).
	ACL *ACL
	// Label is the SELinux label, "" when none.
	Label string
	// Target is the link text of a symlink, kept verbatim.
	Target string
	// Data is the content of a regular file.
	Data []byte
	// Sealed makes a directory one this process cannot look into, as an
	// ordinary user meets a directory of mode 0750 owned by another
	// group: reading a name below it, or listing it, fails with EACCES
	// for the reader itself (not for the credentials Access checks).
	Sealed bool
	// NoACL marks a filesystem without POSIX ACL support (one mounted
	// with noacl, vfat): ACLSupported answers no for the entry and for
	// everything below it. Every other entry supports ACLs.
	NoACL bool
}

// memory is the backend of an in-memory view.
type memory struct {
	nodes map[string]*memNode // by cleaned server path
}

type memNode struct {
	info   Info
	data   []byte
	names  []string // a directory's entries
	sealed bool     // this process cannot look into the directory
	noACL  bool     // no POSIX ACLs here and below (Entry.NoACL)
}

// NewMemory returns an FS whose objects are entries, held in memory: it
// reads nothing from disk, so tests can describe any owner, mode, ACL or
// link without root. Its permission checks, symlink resolution, globbing
// and reads are those of the real-disk FS of New; only the primitive
// lstat, readdir and read differ.
//
// Directories missing between "/" and an entry are made 0755 and owned by
// root:root, "/" included. Root names the view: Root returns it and
// HostPath joins server paths to it, but nothing is read there (a caller
// may keep a copy of the files there for code that reads the host
// directly); with a root of "" HostPath returns "". NewMemory fails on a
// relative or repeated path, a path below a non-directory, an unknown
// Type, or an ACL on a symlink.
func NewMemory(root string, entries []Entry) (*FS, error) {
	m := &memory{nodes: make(map[string]*memNode)}
	m.nodes["/"] = &memNode{info: Info{Path: "/", Type: TypeDir, Perm: 0o755}}
	explicit := map[string]bool{}
	for _, e := range entries {
		if !path.IsAbs(e.Path) {
			return nil, fmt.Errorf("fsmeta: memory entry %q: path is not absolute", e.Path)
		}
		p := path.Clean(e.Path)
		if explicit[p] {
			return nil, fmt.Errorf("fsmeta: memory entry %q: repeated", p)
		}
		explicit[p] = true
		if err := m.mkdirAll(path.Dir(p)); err != nil {
			return nil, err
		}
		n, ok := m.nodes[p]
		if !ok {
			n = &memNode{}
			m.nodes[p] = n
			parent := m.nodes[path.Dir(p)]
			if p != "/" {
				parent.names = append(parent.names, path.Base(p))
			}
		} else if e.Type != TypeDir {
			return nil, fmt.Errorf("fsmeta: memory entry %q: a directory already holds entries there", p)
		}
		info := Info{Path: p, Type: e.Type, Perm: e.Perm & 0o7777, UID: e.UID, GID: e.GID, ACL: e.ACL, Label: e.Label}
		if e.Type == TypeRegular {
			info.Nlink = 1
		}
		switch e.Type {
		case TypeRegular:
			n.data = e.Data
			info.Size = int64(len(e.Data))
		case TypeDir:
			n.sealed = e.Sealed
		case TypeOther:
		case TypeSymlink:
			if e.ACL != nil {
				return nil, fmt.Errorf("fsmeta: memory entry %q: a symlink has no ACL", p)
			}
			info.Perm = 0o777
			info.Target = e.Target
			info.Size = int64(len(e.Target))
		default:
			return nil, fmt.Errorf("fsmeta: memory entry %q: unknown type %v", p, e.Type)
		}
		if e.Sealed && e.Type != TypeDir {
			return nil, fmt.Errorf("fsmeta: memory entry %q: only a directory can be sealed", p)
		}
		n.info = info
		n.noACL = e.NoACL
	}
	for _, n := range m.nodes {
		slices.Sort(n.names)
	}
	f := &FS{root: root, b: m, cache: make(map[string]*Info)}
	if root != "" {
		f.root = path.Clean(root)
	}
	return f, nil
}

// mkdirAll makes the missing directories down to p, 0755 root:root.
func (m *memory) mkdirAll(p string) error {
	n, ok := m.nodes[p]
	if ok {
		if n.info.Type != TypeDir {
			return fmt.Errorf("fsmeta: memory entry below %q, which is not a directory", p)
		}
		return nil
	}
	if err := m.mkdirAll(path.Dir(p)); err != nil {
		return err
	}
	m.nodes[p] = &memNode{info: Info{Path: p, Type: TypeDir, Perm: 0o755}}
	parent := m.nodes[path.Dir(p)]
	parent.names = append(parent.names, path.Base(p))
	return nil
}

// sealedAbove reports whether a directory above p is sealed.
func (m *memory) sealedAbove(p string) bool {
	for d := path.Dir(p); ; d = path.Dir(d) {
		if n, ok := m.nodes[d]; ok && n.sealed {
			return true
		}
		if d == "/" {
			return false
		}
	}
}

func (m *memory) lstat(p string) (*Info, error) {
	if p != "/" && m.sealedAbove(p) {
		return nil, &fs.PathError{Op: "lstat", Path: p, Err: syscall.EACCES}
	}
	if n, ok := m.nodes[p]; ok {
		return &n.info, nil
	}
	// As the kernel would: ENOTDIR when a directory of p is not one.
	for d := path.Dir(p); d != "/"; d = path.Dir(d) {
		if n, ok := m.nodes[d]; ok {
			if n.info.Type != TypeDir {
				return nil, &fs.PathError{Op: "lstat", Path: p, Err: syscall.ENOTDIR}
			}
			break
		}
	}
	return nil, &fs.PathError{Op: "lstat", Path: p, Err: syscall.ENOENT}
}

func (m *memory) readDir(phys, p string, batch int, fn func([]string) error) error {
	n, ok := m.nodes[phys]
	if ok && n.sealed || phys != "/" && m.sealedAbove(phys) {
		return &fs.PathError{Op: "open", Path: p, Err: syscall.EACCES}
	}
	if !ok || n.info.Type != TypeDir {
		return &fs.PathError{Op: "open", Path: p, Err: syscall.ENOTDIR}
	}
	names := n.names
	if batch <= 0 {
		batch = max(len(names), 1)
	}
	for len(names) > 0 {
		k := min(batch, len(names))
		// A copy: callers may sort or keep the batch.
		if err := fn(slices.Clone(names[:k])); err != nil {
			return err
		}
		names = names[k:]
	}
	return nil
}

func (m *memory) readFile(phys, p string, limit int64) ([]byte, error) {
	if phys != "/" && m.sealedAbove(phys) {
		return nil, &fs.PathError{Op: "open", Path: p, Err: syscall.EACCES}
	}
	n, ok := m.nodes[phys]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: p, Err: syscall.ENOENT}
	}
	if err := checkReadable(n.info.Type); err != nil {
		return nil, &fs.PathError{Op: "read", Path: p, Err: err}
	}
	if size := int64(len(n.data)); size > limit {
		return nil, &fs.PathError{Op: "read", Path: p, Err: &TooLargeError{Size: size, Limit: limit}}
	}
	return append([]byte{}, n.data...), nil
}
