package fsmeta

import (
	"runtime"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A Prober tells whether a process with given credentials may read the
// entries of a directory. On the disk, run as root, it asks the kernel
// itself: faccessat2 with AT_EACCESS, from threads whose filesystem user
// and groups are those credentials. That is one system call per entry
// where Lstat makes two (the metadata and the ACL), and the kernel's own
// answer, ACLs included. Elsewhere (a view in memory, an overlay of
// changes, a scan run by an ordinary user) Access answers, from the
// metadata as always.
//
// The kernel's threads hold the credentials for their whole life and are
// never handed back to the Go scheduler: they end with Close.
type Prober struct {
	f    *FS
	c    Cred
	jobs chan probeJob // nil when Access answers
	n    int           // threads
	wg   sync.WaitGroup
}

// probeJob asks for names[i] of the directory fd; ok[i] gets the answer,
// and each(lo+i) is called when it is yes.
type probeJob struct {
	fd    int
	names []string
	ok    []bool
	lo    int
	each  func(int)
	done  *sync.WaitGroup
}

// minProbeChunk is the fewest names a job of Readable holds, unless the
// call has fewer: a smaller one costs more in waking a thread than it
// saves.
const minProbeChunk = 16

// NewProber returns a Prober for the credentials c on f. On the disk, it
// starts n threads that hold c, when this process may take them (root)
// and the kernel has faccessat2 (Linux 5.8).
func (f *FS) NewProber(c Cred, n int) *Prober {
	p := &Prober{f: f, c: c}
	if _, ok := f.b.(disk); !ok || n < 1 {
		return p
	}
	p.jobs, p.n = make(chan probeJob, n), n
	started := make(chan bool)
	for range n {
		p.wg.Add(1)
		go p.serve(c, started)
	}
	ok := true
	for range n {
		ok = <-started && ok
	}
	if !ok {
		p.Close()
		p.jobs = nil
	}
	return p
}

// Kernel reports whether the kernel answers (else Access does).
func (p *Prober) Kernel() bool { return p.jobs != nil }

// serve takes c as the filesystem credentials of its own thread, says on
// started whether it could, and answers jobs until Close. It never
// unlocks the thread: when it returns, the runtime ends the thread, so
// no other goroutine ever runs with c.
func (p *Prober) serve(c Cred, started chan<- bool) {
	defer p.wg.Done()
	runtime.LockOSThread()
	if !takeCred(c) || !hasFaccessat2() {
		started <- false
		for range p.jobs {
		}
		return
	}
	started <- true
	path := make([]byte, 0, 256)
	for j := range p.jobs {
		for i, name := range j.names {
			path = append(append(path[:0], name...), 0)
			j.ok[i] = readableAt(j.fd, path)
			if j.ok[i] && j.each != nil {
				j.each(j.lo + i)
			}
		}
		j.done.Done()
	}
}

// takeCred makes c the filesystem identity of the calling thread only
// (raw system calls: the Go and C libraries would change every thread):
// its groups, then its group and user. Moving the filesystem user off 0
// drops the capabilities that override permissions, as for the server's
// worker. It reports whether the thread now holds exactly c.
func takeCred(c Cred) bool {
	groups := append([]uint32{}, c.Groups...)
	var gp uintptr
	if len(groups) > 0 {
		gp = uintptr(unsafe.Pointer(&groups[0]))
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SETGROUPS, uintptr(len(groups)), gp, 0); e != 0 {
		return false
	}
	runtime.KeepAlive(groups)
	// setfsuid and setfsgid return the previous id whether or not they
	// succeeded: a second call tells what the thread holds.
	unix.RawSyscall(unix.SYS_SETFSGID, uintptr(c.GID), 0, 0)
	if g, _, _ := unix.RawSyscall(unix.SYS_SETFSGID, uintptr(c.GID), 0, 0); uint32(g) != c.GID {
		return false
	}
	unix.RawSyscall(unix.SYS_SETFSUID, uintptr(c.UID), 0, 0)
	if u, _, _ := unix.RawSyscall(unix.SYS_SETFSUID, uintptr(c.UID), 0, 0); uint32(u) != c.UID {
		return false
	}
	return true
}

// hasFaccessat2 reports whether the kernel has faccessat2 (Linux 5.8).
func hasFaccessat2() bool {
	root := []byte("/\x00") // absolute: the directory argument is not read
	_, _, e := unix.Syscall6(unix.SYS_FACCESSAT2, 0, uintptr(unsafe.Pointer(&root[0])), 0, unix.AT_EACCESS, 0, 0)
	return e != unix.ENOSYS
}

// readableAt is faccessat2(fd, path, R_OK, AT_EACCESS|AT_SYMLINK_NOFOLLOW)
// with path NUL-terminated; any failure reads as "no".
func readableAt(fd int, path []byte) bool {
	for {
		_, _, e := unix.Syscall6(unix.SYS_FACCESSAT2, uintptr(fd), uintptr(unsafe.Pointer(&path[0])), unix.R_OK, unix.AT_EACCESS|unix.AT_SYMLINK_NOFOLLOW, 0, 0)
		if e == unix.EINTR {
			continue
		}
		return e == 0
	}
}

// Readable sets ok[i] when the prober's credentials may read the entry
// names[i] of d, a name of a regular file (a link is not followed, and
// reads as readable when the kernel answers): permission to search d,
// then the entry's mode and ACL. Whether the directories above d let the
// credentials through is not part of the answer (Access looks at them,
// the kernel does not): ask Access about d for that. Every other answer
// (no such entry, a refusal) leaves ok[i] false. Then each, when not
// nil, is called with i for every name readable, possibly on a thread
// that holds the credentials: it must make no system call (no file, no
// network), only compute. The names are shared out to at most par of the
// prober's threads (a caller that runs several calls at once gains
// nothing from splitting them). Readable may be called from several
// goroutines.
func (p *Prober) Readable(d *Dir, names []string, ok []bool, par int, each func(i int)) {
	if p.jobs == nil || d.fd < 0 {
		for i, name := range names {
			res := p.f.Access(p.c, join(d.p, name), Read, false)
			ok[i] = res.Err == 0
			if ok[i] && each != nil {
				each(i)
			}
		}
		return
	}
	// as many jobs as threads, or fewer when each would be small
	par = max(min(par, p.n), 1)
	chunk := max(minProbeChunk, (len(names)+par-1)/par)
	var done sync.WaitGroup
	for lo := 0; lo < len(names); lo += chunk {
		hi := min(lo+chunk, len(names))
		done.Add(1)
		p.jobs <- probeJob{fd: d.fd, names: names[lo:hi], ok: ok[lo:hi], lo: lo, each: each, done: &done}
	}
	done.Wait()
}

// Close ends the prober's threads; it must not be used after.
func (p *Prober) Close() {
	if p.jobs != nil {
		close(p.jobs)
		p.wg.Wait()
	}
}
