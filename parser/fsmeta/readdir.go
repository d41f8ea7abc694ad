package fsmeta

import (
	"encoding/binary"
	"io/fs"
	"slices"
	"sort"
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
		// a view in memory knows its types cheaply
		return f.ReadDirBatches(p, batch, func(names []string) error {
			regular := make([]bool, len(names))
			for i, name := range names {
				info, err := f.Lstat(join(p, name))
				regular[i] = err == nil && info.Type == TypeRegular
			}
			return fn(names, regular)
		})
	}
	info, err := f.resolveDir(p)
	if err != nil {
		return err
	}
	if batch <= 0 {
		batch = 1024
	}
	return d.readDirTyped(info.Path, p, batch, func(names []string, regular []bool) error {
		sort.Sort(byName{names, regular})
		return fn(names, regular)
	})
}

// byName sorts names, and regular along with them.
type byName struct {
	names   []string
	regular []bool
}

func (b byName) Len() int           { return len(b.names) }
func (b byName) Less(i, j int) bool { return b.names[i] < b.names[j] }
func (b byName) Swap(i, j int) {
	b.names[i], b.names[j] = b.names[j], b.names[i]
	b.regular[i], b.regular[j] = b.regular[j], b.regular[i]
}

// readDirTyped is readDir with each entry's d_type: getdents64 read
// directly, batch names at a time in the order the kernel gives them
// (that of Readdirnames).
func (d disk) readDirTyped(phys, p string, batch int, fn func([]string, []bool) error) error {
	fd, err := unix.Open(d.hostPath(phys), unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &fs.PathError{Op: "open", Path: p, Err: errnoOf(err)}
	}
	defer unix.Close(fd)
	bp := direntBufs.Get().(*[]byte)
	defer direntBufs.Put(bp)
	buf := *bp
	names := make([]string, 0, min(batch, 256))
	regular := make([]bool, 0, cap(names))
	flush := func() error {
		if len(names) == 0 {
			return nil
		}
		err := fn(names, regular)
		// fn may keep the batch: the next one is new
		names, regular = make([]string, 0, cap(names)), make([]bool, 0, cap(names))
		return err
	}
	for {
		n, err := unix.Getdents(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return &fs.PathError{Op: "readdirent", Path: p, Err: errnoOf(err)}
		}
		if n <= 0 {
			return flush()
		}
		for b := buf[:n]; len(b) >= direntName; {
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
			names = append(names, string(name))
			regular = append(regular, typ == unix.DT_REG)
			if len(names) == batch {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
}

// direntBufs holds buffers for getdents64, one per directory being read.
var direntBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// direntName is where the name starts in a linux_dirent64 (after d_ino,
// d_off, d_reclen and d_type).
const direntName = 19
