package fsmeta

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io/fs"
	"slices"
	"sync"

	"golang.org/x/sys/unix"
)

// ReadDirBatchesTyped is ReadDirBatches, the same batches in the same
// order, that also passes regular: regular[i] is set when names[i] is a
// regular file, as the directory entry itself says on the disk (its
// d_type, no stat). A false says nothing: a filesystem without d_type
// leaves them all false.
func (f *FS) ReadDirBatchesTyped(p string, batch int, fn func(names []string, regular []bool) error) error {
	d, ok := f.b.(disk)
	if !ok {
		return f.readDirBatchesTypedView(p, batch, fn)
	}
	info, err := f.resolveDir(p)
	if err != nil {
		return err
	}
	if batch <= 0 {
		batch = 1024
	}
	return d.readDirTyped(info.Path, p, batch, fn)
}

// readDirTyped lists the host directory phys (server path p) in sorted
// batches with each entry's d_type (listFD).
func (d disk) readDirTyped(phys, p string, batch int, fn func([]string, []bool) error) error {
	fd, err := unix.Open(d.hostPath(phys), unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &fs.PathError{Op: "open", Path: p, Err: errnoOf(err)}
	}
	defer unix.Close(fd)
	return listFD(fd, p, batch, fn)
}

// readDirBatchesTypedView is ReadDirBatchesTyped on a view in memory,
// which knows its types cheaply.
func (f *FS) readDirBatchesTypedView(p string, batch int, fn func(names []string, regular []bool) error) error {
	return f.ReadDirBatches(p, batch, func(names []string) error {
		regular := make([]bool, len(names))
		for i, name := range names {
			info, err := f.Lstat(join(p, name))
			regular[i] = err == nil && info.Type == TypeRegular
		}
		return fn(names, regular)
	})
}

// ListDir opens the directory at server path p (following links inside
// the root) and lists it whole when it holds at most max entries: d
// looks up its entries through the descriptor that listed them (Lstat,
// Prober.Readable; Close it), and names and regular are what
// ReadDirBatchesTyped passes for its one batch. A directory of more
// entries gives ok false and no Dir: list it in batches.
func (f *FS) ListDir(p string, max int) (d *Dir, names []string, regular []bool, ok bool, err error) {
	// the one batch; a second one stops the listing
	one := func(n []string, r []bool) error {
		if names != nil {
			return errMoreThanOne
		}
		names, regular = n, r
		return nil
	}
	if b, isDisk := f.b.(disk); isDisk {
		d, err = b.listDir(f, clean(p), max, one)
	} else if err = f.readDirBatchesTypedView(p, max, one); err == nil {
		d, err = f.OpenDir(p)
	}
	switch {
	case errors.Is(err, errMoreThanOne):
		return nil, nil, nil, false, nil
	case err != nil:
		return nil, nil, nil, false, err
	}
	return d, orEmpty(names), orEmptyBools(regular), true, nil
}

// listDir opens the directory p (clean) and lists it in batches of batch
// names to fn, and returns it open when the listing succeeded.
func (b disk) listDir(f *FS, p string, batch int, fn func([]string, []bool) error) (*Dir, error) {
	info, err := f.resolveDir(p)
	if err != nil {
		return nil, err
	}
	fd, err := unix.Open(b.hostPath(info.Path), unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: p, Err: errnoOf(err)}
	}
	if err := listFD(fd, p, batch, fn); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return &Dir{f: f, p: p, phys: info.Path, fd: fd}, nil
}

// errMoreThanOne stops ListDir's listing at a second batch.
var errMoreThanOne = errors.New("more than one batch")

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func orEmptyBools(s []bool) []bool {
	if s == nil {
		return []bool{}
	}
	return s
}

// listFD lists the directory open at fd (server path p, for errors):
// getdents64 read directly, in batches of batch names in the order the
// kernel gives them (that of Readdirnames), each sorted by name. Each
// batch is new (fn may keep it), its names cut from one string.
func listFD(fd int, p string, batch int, fn func([]string, []bool) error) error {
	l := listers.Get().(*lister)
	defer l.release()
	l.reset()
	for {
		n, err := unix.Getdents(fd, l.buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return &fs.PathError{Op: "readdirent", Path: p, Err: errnoOf(err)}
		}
		if n <= 0 {
			return l.flush(fn)
		}
		for b := l.buf[:n]; len(b) >= direntName; {
			reclen := int(binary.NativeEndian.Uint16(b[16:18]))
			if reclen < direntName || reclen > len(b) {
				return &fs.PathError{Op: "readdirent", Path: p, Err: unix.EIO}
			}
			ino, typ, name := binary.NativeEndian.Uint64(b[0:8]), b[18], b[direntName:reclen]
			b = b[reclen:]
			if ino == 0 {
				continue // an entry removed (as Readdirnames skips it)
			}
			if i := slices.Index(name, 0); i >= 0 {
				name = name[:i]
			}
			if len(name) == 0 || string(name) == "." || string(name) == ".." {
				continue
			}
			l.add(name, typ == unix.DT_REG)
			if len(l.ents) == batch {
				if err := l.flush(fn); err != nil {
					return err
				}
			}
		}
	}
}

// A lister gathers a batch of a directory's entries before they are
// sorted and made strings: the names' bytes one after the other, and
// where each is.
type lister struct {
	buf   []byte // for getdents64
	bytes []byte
	ents  []listed
}

// listed is an entry gathered: its name is bytes[off:off+n].
type listed struct {
	off, n  uint32
	regular bool
}

func (l *lister) reset() { l.bytes, l.ents = l.bytes[:0], l.ents[:0] }

// release gives l back to listers, without the room a huge batch made
// (a directory read all at once).
func (l *lister) release() {
	if cap(l.bytes) > maxKeptListing {
		l.bytes, l.ents = nil, nil
	}
	listers.Put(l)
}

// maxKeptListing is the most bytes of names a lister keeps room for.
const maxKeptListing = 64 << 10

func (l *lister) add(name []byte, regular bool) {
	l.ents = append(l.ents, listed{uint32(len(l.bytes)), uint32(len(name)), regular})
	l.bytes = append(l.bytes, name...)
}

func (l *lister) name(e listed) []byte { return l.bytes[e.off : e.off+e.n] }

// flush passes the batch gathered to fn, sorted by name, and starts the
// next: two slices and one string, whatever the number of names.
func (l *lister) flush(fn func([]string, []bool) error) error {
	if len(l.ents) == 0 {
		return nil
	}
	slices.SortFunc(l.ents, func(a, b listed) int { return bytes.Compare(l.name(a), l.name(b)) })
	all := string(l.bytes) // names of the batch, in the order gathered
	names, regular := make([]string, len(l.ents)), make([]bool, len(l.ents))
	for i, e := range l.ents {
		names[i], regular[i] = all[e.off:e.off+e.n], e.regular
	}
	l.reset()
	return fn(names, regular)
}

// listers holds listers, one per directory being read: their buffers
// are reused.
var listers = sync.Pool{New: func() any { return &lister{buf: make([]byte, 32<<10)} }}

// direntName is where the name starts in a linux_dirent64 (after d_ino,
// d_off, d_reclen and d_type).
const direntName = 19
