package scan

import (
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules"
)

// The walk's prefetch. The judging goes through a tree depth first, one
// directory after the other, and each directory's entries are looked up
// on the workers before they are judged (ahead.go). In a tree of many
// small directories that leaves the workers idle while a directory is
// judged, and the judging idle while the next one is listed and looked
// up. So once a directory's entries are looked up, its subdirectories are
// handed to the prefetch, next to be walked first: workers list each and
// look it up (lookAheadBatch, the same answers the walk would get), a few
// directories at a time so that the worker's credentials are taken once
// for the files of all of them, and the walk takes the result when it
// comes to the directory. A directory
// of more than one batch is left to the walk, as is one the prefetch has
// not started. The walk goes depth first, so of the directories wanted
// the deeper ones come first: a worker starts the next one wanted while
// fewer than maxPrefetched directories as deep or deeper are in the
// prefetch's hands, started or done. Directories higher up that were
// prefetched early (the siblings of the walk's parents) do not hold back
// the ones the walk needs next; at most maxHeld are held in all, so
// memory stays bounded. What the walk never takes is dropped when the
// root's walk ends.

// maxPrefetched is how many directories, as deep as the next one wanted
// or deeper, the prefetch holds before the walk takes them.
const maxPrefetched = 16

// maxHeld is how many directories the prefetch holds in all.
const maxHeld = 64

// dirJob is a directory for the prefetch: its path, its URL (with the
// slash) and where its requests go; sib, when set, holds the answers of
// the groups of files of its sibling directories (siblings).
type dirJob struct {
	dir, url string
	t        target
	sib      *siblings
}

// siblings holds the answers of groups of files served alike, shared by
// the directories of one parent (directories, not links to them). The
// requests of files of two such directories walk the same path to the
// parent, then through their own directory to the file; a file gets a key
// only when the worker may read it, which includes searching its
// directory (fsmeta.Prober). So when the server groups two such files
// under one key (simulate.FileGrouper's key names what serves them, the
// name being appended only), and one is served plainly, the other is
// served alike, as two files of one directory are.
type siblings struct {
	mu    sync.Mutex
	alike map[any]*decided
}

// get copies the answers known into alike.
func (s *siblings) get(alike map[any]*decided) {
	if s == nil {
		return
	}
	s.mu.Lock()
	for k, g := range s.alike {
		alike[k] = g
	}
	s.mu.Unlock()
}

// put adds the answers of alike that s does not hold yet.
func (s *siblings) put(alike map[any]*decided) {
	if s == nil || len(alike) == 0 {
		return
	}
	s.mu.Lock()
	if s.alike == nil {
		s.alike = map[any]*decided{}
	}
	for k, g := range alike {
		if s.alike[k] == nil {
			s.alike[k] = g
		}
	}
	s.mu.Unlock()
}

func (j dirJob) key() string { return j.t.host + "\x00" + j.dir + "\x00" + j.url }

// dirAhead is a directory listed and looked up ahead of its walk.
type dirAhead struct {
	done    chan struct{}
	names   []string
	regular []bool
	looked  []entryAhead
	err     error
	large   bool // more than one batch: the walk lists it itself
	depth   int  // the job's
}

// prefetch hands directories to the workers, in the order the walk
// wants them.
type prefetch struct {
	mu      sync.Mutex
	cond    *sync.Cond
	pending []dirJob             // not started, the next wanted first
	tasks   map[string]*dirAhead // started (done or not), not taken
	stop    bool
	wg      sync.WaitGroup
	do      func([]dirJob, []*dirAhead) // does each job, closing its done
}

// startPrefetch starts workers that prefetch with sc; nothing is
// prefetched with a single worker.
func (sc *scanner) startPrefetch() {
	if workers <= 1 {
		return
	}
	p := &prefetch{tasks: map[string]*dirAhead{}, do: sc.prefetchDirs}
	p.cond = sync.NewCond(&p.mu)
	for range workers {
		p.wg.Add(1)
		go p.work()
	}
	sc.pre = p
}

// stopPrefetch ends the workers, once the ones at work are done.
func (sc *scanner) stopPrefetch() {
	p := sc.pre
	if p == nil {
		return
	}
	p.mu.Lock()
	p.stop = true
	p.pending = nil
	p.cond.Broadcast()
	p.mu.Unlock()
	p.wg.Wait()
	sc.pre = nil
}

// work runs jobs until the prefetch stops, up to prefetchTogether at a
// time.
func (p *prefetch) work() {
	defer p.wg.Done()
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		for !p.stop && p.room() == 0 {
			p.cond.Wait()
		}
		if p.stop {
			return
		}
		n := min(p.room(), prefetchTogether)
		jobs := slices.Clone(p.pending[:n])
		p.pending = p.pending[n:]
		das := make([]*dirAhead, n)
		for i, j := range jobs {
			das[i] = &dirAhead{done: make(chan struct{}), depth: j.depth()}
			p.tasks[j.key()] = das[i]
		}
		p.mu.Unlock()
		p.do(jobs, das)
		p.mu.Lock()
	}
}

// room is how many of the jobs pending a worker may start now (see
// maxPrefetched); p.mu is held.
func (p *prefetch) room() int {
	if len(p.pending) == 0 || len(p.tasks) >= maxHeld {
		return 0
	}
	depth, deep := p.pending[0].depth(), 0
	for _, da := range p.tasks {
		if da.depth >= depth {
			deep++
		}
	}
	return max(0, min(len(p.pending), maxPrefetched-deep, maxHeld-len(p.tasks)))
}

// depth is how deep j's directory is (its slashes).
func (j dirJob) depth() int { return strings.Count(j.dir, "/") }

// prefetchTogether is how many directories a worker takes at a time: the
// worker's credentials are taken once to ask about the files of all of
// them (fsmeta.Prober.ReadableSets).
const prefetchTogether = 4

// want puts jobs (in walk order) before every job pending: the walk
// wants them first.
func (p *prefetch) want(jobs []dirJob) {
	if p == nil || len(jobs) == 0 {
		return
	}
	p.mu.Lock()
	p.pending = append(jobs, p.pending...)
	p.cond.Broadcast()
	p.mu.Unlock()
}

// take returns what the prefetch did for dir (served at url on the
// current target), once it is done; nil when it did not start it (then
// it never will). A job wanted but not started yet is returned as
// pending, for the walk to do now.
func (p *prefetch) take(j dirJob) (da *dirAhead, pending *dirJob) {
	if p == nil {
		return nil, nil
	}
	k := j.key()
	p.mu.Lock()
	da = p.tasks[k]
	if da != nil {
		delete(p.tasks, k)
		p.cond.Broadcast() // room for one more
	} else {
		// the walk comes to directories in the order it wanted them:
		// one not started yet is first, or nearly
		for i := range p.pending {
			if q := p.pending[i]; q.dir == j.dir && q.url == j.url && q.t == j.t {
				p.pending = append(p.pending[:i], p.pending[i+1:]...)
				pending = &q
				break
			}
		}
	}
	p.mu.Unlock()
	if da != nil {
		<-da.done
	}
	return da, pending
}

// reset drops every job pending and every result not taken, once the
// jobs at work are done: a root's walk has ended.
func (p *prefetch) reset() {
	if p == nil {
		return
	}
	p.mu.Lock()
	if len(p.pending) == 0 && len(p.tasks) == 0 {
		p.mu.Unlock()
		return // nothing was wanted (a small root, listed with its site)
	}
	p.pending = nil
	tasks := p.tasks
	p.tasks = map[string]*dirAhead{}
	p.cond.Broadcast()
	p.mu.Unlock()
	for _, da := range tasks {
		<-da.done
	}
}

// prefetchDirs lists the directories of jobs and looks their entries up,
// as readDir would, closing each one's done once it is; the files of all
// of them are probed at once.
func (sc *scanner) prefetchDirs(jobs []dirJob, das []*dirAhead) {
	type listedDir struct {
		j   dirJob
		da  *dirAhead
		d   *fsmeta.Dir
		b   batch
		out []entryAhead
		fp  *filesProbe
	}
	var dirs []listedDir
	var sets []fsmeta.ProbeSet
	for k, j := range jobs {
		da := das[k]
		d, names, regular, ok, err := sc.fsys.ListDir(j.dir, dirBatch)
		switch {
		case err != nil:
			da.err = err
			close(da.done)
			continue
		case !ok:
			da.large = true
			close(da.done)
			continue
		}
		da.names, da.regular = names, regular
		// the prefetch's own workers are the parallelism: one goroutine each
		b := batch{t: j.t, dir: j.dir, url: j.url, names: names, regular: regular, par: 1, d: d}
		if sc.alike != nil {
			b.alike = map[any]*decided{}
		}
		l := listedDir{j: j, da: da, d: d, b: b}
		if sc.looksAhead(b) {
			l.out = make([]entryAhead, len(names))
			if sc.alike != nil && b.hasCandidate() {
				l.fp = sc.fileProbe(b, l.out, d)
				sets = append(sets, l.fp.set)
			}
		}
		dirs = append(dirs, l)
	}
	if len(sets) > 0 {
		sc.alike.prober.ReadableSets(sets)
	}
	for _, l := range dirs {
		if l.out != nil {
			// the groups its siblings answered, then its own for them
			l.j.sib.get(l.b.alike)
			l.da.looked = sc.lookAhead(l.b, l.out, l.fp)
			l.j.sib.put(l.b.alike)
		}
		l.d.Close()
		close(l.da.done)
	}
}

// prefetchSubdirs hands the directories among a batch of dir's entries
// (served at url), as looked up, to the prefetch, in the order the walk
// goes into them.
func (sc *scanner) prefetchSubdirs(dir, url string, names []string, looked []entryAhead) {
	if sc.pre == nil || looked == nil {
		return
	}
	var jobs []dirJob
	t := sc.target()
	var sib *siblings
	if sc.alike != nil {
		sib = &siblings{}
	}
	for i, name := range names {
		e := &looked[i]
		if !e.ok || e.stat.err != nil || e.stat.info == nil || e.stat.info.Type != fsmeta.TypeDir {
			continue
		}
		u := url + name
		if rules.IsSecret(u) {
			continue // not walked
		}
		jobs = append(jobs, dirJob{dir: path.Join(dir, name), url: u + "/", t: t, sib: sib})
	}
	sc.pre.want(jobs)
}
