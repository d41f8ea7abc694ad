package fsmeta

import (
	"os"
	"runtime"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A Prober tells whether a process with given credentials may read the
// entries of a directory. On the disk, run as root, it asks the kernel
// itself: faccessat2 with AT_EACCESS, from a thread that holds those
// credentials as its filesystem user and groups for the span of the
// question. That is one system call per entry where Lstat makes two (the
// metadata and the ACL), and the kernel's own answer, ACLs included.
// Elsewhere (a view in memory, an overlay of changes, a scan run by an
// ordinary user) Access answers, from the metadata as always.
type Prober struct {
	f      *FS
	c      Cred
	kernel bool
	// own are the groups, and ownUID and ownGID the filesystem ids, of
	// this process, which a thread gets back after a probe.
	own            []uint32
	ownUID, ownGID uint32
}

// minProbeChunk is the fewest names one goroutine of Readable probes,
// unless the call has fewer: a smaller share costs more in taking and
// giving back the credentials than it saves.
const minProbeChunk = 64

// NewProber returns a Prober for the credentials c on f. On the disk the
// kernel answers when this process runs as root (effective user 0), may
// take the credentials and give them back, and the kernel has
// faccessat2 (Linux 5.8) and lets it call it.
func (f *FS) NewProber(c Cred) *Prober {
	p := &Prober{f: f, c: c}
	if _, ok := f.b.(disk); !ok || unix.Geteuid() != 0 {
		// not root: taking another identity and giving it back could
		// leave a thread with capabilities it did not have before
		return p
	}
	own, err := unix.Getgroups()
	if err != nil {
		return p
	}
	for _, g := range own {
		p.own = append(p.own, uint32(g))
	}
	// a trial on a thread of its own, which ends with its goroutine if
	// it cannot give the credentials back
	done := make(chan bool)
	go func() {
		runtime.LockOSThread()
		p.ownUID, p.ownGID = currentFSIDs()
		if !takeCred(p.c) {
			if p.giveBack() {
				runtime.UnlockOSThread()
			}
			done <- false
			return
		}
		ok := hasFaccessat2()
		if !p.giveBack() {
			done <- false
			return // the thread ends with the goroutine: nothing else runs with c
		}
		runtime.UnlockOSThread()
		done <- ok
	}()
	p.kernel = <-done
	return p
}

// Kernel reports whether the kernel answers (else Access does).
func (p *Prober) Kernel() bool { return p.kernel }

// takeCred makes c the filesystem identity of the calling thread only
// (raw system calls: the Go and C libraries would change every thread):
// its groups, then its group and user. Moving the filesystem user off 0
// drops the capabilities that override permissions, as for the server's
// worker. It reports whether the thread now holds exactly c.
func takeCred(c Cred) bool {
	if !setGroups(c.Groups) {
		return false
	}
	return setFSIDs(c.UID, c.GID)
}

// giveBack gives the calling thread back the process's own filesystem
// ids and groups, which taking the worker's left it able to do (moving
// the filesystem user back to 0 raises the capabilities again). It
// reports whether the thread holds them.
func (p *Prober) giveBack() bool {
	return setFSIDs(p.ownUID, p.ownGID) && setGroups(p.own)
}

// currentFSIDs returns the calling thread's filesystem user and group,
// asked with ids that change nothing.
func currentFSIDs() (uid, gid uint32) {
	u, _, _ := unix.RawSyscall(unix.SYS_SETFSUID, invalidID, 0, 0)
	g, _, _ := unix.RawSyscall(unix.SYS_SETFSGID, invalidID, 0, 0)
	return uint32(u), uint32(g)
}

// setGroups sets the calling thread's supplementary groups.
func setGroups(groups []uint32) bool {
	groups = append([]uint32{}, groups...)
	var gp uintptr
	if len(groups) > 0 {
		gp = uintptr(unsafe.Pointer(&groups[0]))
	}
	_, _, e := unix.RawSyscall(unix.SYS_SETGROUPS, uintptr(len(groups)), gp, 0)
	runtime.KeepAlive(groups)
	return e == 0
}

// setFSIDs sets the calling thread's filesystem group and user. The calls
// return the previous id whether or not they succeeded; one with an
// invalid id (-1) changes nothing and tells what the thread holds.
func setFSIDs(uid, gid uint32) bool {
	unix.RawSyscall(unix.SYS_SETFSGID, uintptr(gid), 0, 0)
	if g, _, _ := unix.RawSyscall(unix.SYS_SETFSGID, invalidID, 0, 0); uint32(g) != gid {
		return false
	}
	unix.RawSyscall(unix.SYS_SETFSUID, uintptr(uid), 0, 0)
	u, _, _ := unix.RawSyscall(unix.SYS_SETFSUID, invalidID, 0, 0)
	return uint32(u) == uid
}

// invalidID is (uid_t)-1 as a system call argument.
const invalidID = uintptr(^uint32(0))

// hasFaccessat2 reports whether the kernel has faccessat2 (Linux 5.8) and
// lets this process call it: "/" exists for everyone (a sandbox may
// answer EPERM instead of ENOSYS).
func hasFaccessat2() bool {
	root := []byte("/\x00") // absolute: the directory argument is not read
	_, _, e := unix.Syscall6(unix.SYS_FACCESSAT2, 0, uintptr(unsafe.Pointer(&root[0])), 0, unix.AT_EACCESS, 0, 0)
	return e == 0
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
// nil, is called with i for every name readable, possibly while the
// thread holds the credentials: it must make no system call (no file, no
// network), only compute.
//
// With par above 1 the names are shared out to that many goroutines;
// otherwise the calling goroutine asks, on its own thread, taking the
// credentials for the span of the call and giving them back before it
// returns (should the kernel refuse to give them back, which it does not
// do to root, the process ends with exit status 2 rather than run on
// with them). Readable may be called from several goroutines.
func (p *Prober) Readable(d *Dir, names []string, ok []bool, par int, each func(i int)) {
	if !p.kernel || d.fd < 0 {
		for i, name := range names {
			res := p.f.Access(p.c, join(d.p, name), Read, false)
			ok[i] = res.Err == 0
			if ok[i] && each != nil {
				each(i)
			}
		}
		return
	}
	chunk := max(minProbeChunk, (len(names)+par-1)/max(par, 1))
	if par <= 1 || chunk >= len(names) {
		p.probe(d.fd, names, ok, 0, each)
		return
	}
	var wg sync.WaitGroup
	for lo := 0; lo < len(names); lo += chunk {
		hi := min(lo+chunk, len(names))
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.probe(d.fd, names[lo:hi], ok[lo:hi], lo, each)
		}()
	}
	wg.Wait()
}

// ProbeSet is one directory's names for ReadableSets: Readable's d,
// names, ok and each.
type ProbeSet struct {
	D     *Dir
	Names []string
	OK    []bool
	Each  func(i int)
}

// ReadableSets is Readable of each set in turn, on the calling goroutine:
// where the kernel answers, the thread takes the credentials once for all
// the sets (taking and giving them back costs as much as probing a few
// dozen names).
func (p *Prober) ReadableSets(sets []ProbeSet) {
	if !p.kernel {
		for _, s := range sets {
			p.Readable(s.D, s.Names, s.OK, 1, s.Each)
		}
		return
	}
	p.holding(func() {
		for _, s := range sets {
			if s.D.fd >= 0 {
				probeNames(s.D.fd, s.Names, s.OK, 0, s.Each)
			}
		}
	})
	for _, s := range sets {
		if s.D.fd < 0 {
			p.Readable(s.D, s.Names, s.OK, 1, s.Each)
		}
	}
}

// probe asks the kernel about names of the directory fd on the calling
// goroutine's thread, holding the prober's credentials meanwhile; each
// gets lo+i.
func (p *Prober) probe(fd int, names []string, ok []bool, lo int, each func(int)) {
	p.holding(func() { probeNames(fd, names, ok, lo, each) })
}

// holding calls fn on the calling goroutine's thread while it holds the
// prober's credentials; fn must make no system call but faccessat2. While
// the thread is locked no other goroutine runs on it, and the runtime does
// not clone it either: a thread it needs meanwhile is made by its template
// thread (runtime.newm, for threads locked with LockOSThread), so the
// credentials never spread. When the thread cannot take them, fn is not
// called (nothing reads as readable).
func (p *Prober) holding(fn func()) {
	runtime.LockOSThread()
	// given back however fn ends, a panic included
	defer func() {
		if !p.giveBack() {
			// not a panic, which a caller could recover and run on
			// with the worker's credentials: the process ends
			os.Stderr.WriteString("unforbid: a thread cannot get its credentials back; stopping\n")
			unix.Exit(2)
		}
		runtime.UnlockOSThread()
	}()
	if !takeCred(p.c) {
		return // nothing readable: the walk looks each entry up
	}
	fn()
}

// probeNames asks faccessat2 about each name of the directory fd, on a
// thread that holds the credentials; each gets lo+i of a readable one.
func probeNames(fd int, names []string, ok []bool, lo int, each func(int)) {
	path := make([]byte, 0, 256)
	for i, name := range names {
		path = append(append(path[:0], name...), 0)
		ok[i] = readableAt(fd, path)
		if ok[i] && each != nil {
			each(lo + i)
		}
	}
}
