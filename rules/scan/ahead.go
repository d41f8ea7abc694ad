package scan

import (
	"errors"
	"path"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules"
	"github.com/unforbid/unforbid/rules/simulate"
)

// The scan judges in one goroutine, in a fixed order, so that its findings,
// counts and examples never depend on timing. What costs is what the
// judging asks for: the metadata of each entry (lstat and llistxattr) and
// the simulated request of each file. Both are pure (a simulator and an
// fsmeta.FS are safe for concurrent use and answer the same whenever they
// are asked), so workers on every core look them up ahead of the judging:
// the names of a directory batch before the batch is judged, and the few
// requests of the next sites before those sites are scanned. The judging
// takes each answer once from sc.ahead; anything not looked up ahead is
// asked for as before. Nothing but speed depends on what was looked up.

// ahead holds answers looked up ahead of the judging, each taken once.
type ahead struct {
	infos taken[statResult] // file path -> its Lstat
	decs  taken[decided]    // host, URL path -> the request's decision
	lists taken[[]string]   // directory -> its sorted names (small roots)
	pages taken[pageRead]   // file path -> its content (pages of small roots)
}

// taken holds a site's few answers looked up ahead, by one or two keys,
// each taken once: for a handful a slice costs less than a map (ten
// thousand sites made 40 MB of maps).
type taken[V any] []keyed[V]

type keyed[V any] struct {
	k1, k2 string
	v      V
}

// put sets the answer of (k1, k2).
func (t *taken[V]) put(k1, k2 string, v V) {
	for i := range *t {
		if e := &(*t)[i]; e.k1 == k1 && e.k2 == k2 {
			e.v = v
			return
		}
	}
	*t = append(*t, keyed[V]{k1, k2, v})
}

// has reports whether (k1, k2) has an answer.
func (t taken[V]) has(k1, k2 string) bool {
	for i := range t {
		if t[i].k1 == k1 && t[i].k2 == k2 {
			return true
		}
	}
	return false
}

// take returns the answer of (k1, k2) and forgets it.
func (t *taken[V]) take(k1, k2 string) (V, bool) {
	for i := range *t {
		if e := (*t)[i]; e.k1 == k1 && e.k2 == k2 {
			last := len(*t) - 1
			(*t)[i] = (*t)[last]
			(*t)[last] = keyed[V]{}
			*t = (*t)[:last]
			return e.v, true
		}
	}
	var zero V
	return zero, false
}

// pageRead is what FS.ReadFileLimit answered for a page.
type pageRead struct {
	b   []byte
	err error
}

// statResult is what FS.Lstat answered.
type statResult struct {
	info *fsmeta.Info
	err  error
}

// decided is a request simulated ahead: the request as sent, its
// decision, and how many simulations it took (see scanner.request).
type decided struct {
	req simulate.Request
	d   *simulate.Decision
	n   int
}

// lstat is FS.Lstat, taken from what was looked up ahead when it was.
func (sc *scanner) lstat(p string) (*fsmeta.Info, error) {
	if r, ok := sc.ahead.infos.take(p, ""); ok {
		return r.info, r.err
	}
	return sc.fsys.Lstat(p)
}

// takeDecided returns the decision of urlPath on the current host when it
// was simulated ahead.
func (sc *scanner) takeDecided(urlPath string) (decided, bool) {
	return sc.ahead.decs.take(sc.site.Host, urlPath)
}

// target is where requests go: the site's host (or a root's own), port
// and address.
type target struct {
	host     string
	port     int
	serverIP string
}

// simulate asks the server what urlPath answers at t, looking behind an
// intended deny (see request); it returns the number of simulations it
// took. It reads nothing of the scanner but its options and server, so
// workers may call it concurrently.
func (sc *scanner) simulate(t target, urlPath string) decided {
	req := sc.newRequest(t, urlPath)
	d := sc.srv.Simulate(req)
	if d.Cause != nil && d.Cause.Kind == simulate.KindDenyRule {
		// an intended deny: look behind an allowlist, since the clients
		// it admits meet the same files; the simulator never looks
		// behind a deny that admits no client (nobody meets those)
		req.AssumeAccess = true
		return decided{req: req, d: sc.srv.Simulate(req), n: 2}
	}
	return decided{req: req, d: d, n: 1}
}

// newRequest is the scan's GET of urlPath at t.
func (sc *scanner) newRequest(t target, urlPath string) simulate.Request {
	return simulate.Request{
		Method: "GET", Scheme: "http", Host: t.host, Port: t.port, Path: urlPath,
		ClientIP: sc.clientIP(t.serverIP), ServerIP: t.serverIP,
		// Credentials are sent so that content behind auth_basic is
		// checked too (passwords are not simulated).
		Headers:    probeHeaders,
		AssumeAuth: true,
		NoTrace:    true,
	}
}

// workers is how many goroutines look up ahead.
var workers = runtime.GOMAXPROCS(0)

// parallel calls fn(i) for every i below n on all workers, and returns
// once every call has.
func parallel(n int, fn func(i int)) {
	parallelOn(workers, n, 1, func(_, i int) { fn(i) })
}

// parallelOn calls fn(w, i) for every i below n on par goroutines, w
// being the goroutine's number (below par), handing out runs of chunk
// consecutive i at a time; it returns once every call has.
func parallelOn(par, n, chunk int, fn func(w, i int)) {
	w := min(par, (n+chunk-1)/chunk)
	if w <= 1 {
		for i := range n {
			fn(0, i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	run := func(w int) {
		for {
			lo := int(next.Add(int64(chunk))) - chunk
			if lo >= n {
				return
			}
			for i := lo; i < min(lo+chunk, n); i++ {
				fn(w, i)
			}
		}
	}
	wg.Add(w - 1)
	for k := 1; k < w; k++ {
		go func() { defer wg.Done(); run(k) }()
	}
	run(0)
	wg.Wait()
}

// aheadChunk is how many consecutive names of a batch a worker takes at a
// time.
const aheadChunk = 32

// entryAhead is what the judging of one directory entry asks for, looked
// up ahead: its metadata and the request of a file, or of a directory's
// walk (its URL with the slash); or, for a file served like others of its
// directory, their answer (alike.go).
type entryAhead struct {
	stat statResult
	dec  *decided
	// key is the file's group (simulate.FileGrouper), set when the file
	// is readable by the worker; alike is the group's answer, taken for
	// this file's, and follower says another file leads its group.
	key      any
	alike    *decided
	ok       bool // looked up
	follower bool
}

// batch is a batch of a directory's entries to look up ahead.
type batch struct {
	t        target
	dir, url string // the directory and where it is served (with the slash)
	names    []string
	regular  []bool // which names the directory lists as regular files
	// alike, when not nil, holds the answers of dir's groups of files
	// (alike.go), which the batch adds to.
	alike map[any]*decided
	// bySite, when not nil, marks the names looked up with the site,
	// left to the judging.
	bySite []bool
	par    int // goroutines to look up on
	// d, when set, is dir open (the caller closes it): the one that
	// listed it, which the batch looks entries up through.
	d *fsmeta.Dir
}

// lookAheadBatch looks up the entries of b; entry i of the result is
// b.names[i]'s. It returns nil when there is nothing to share out. It
// reads nothing of the judging's state: the walk's prefetch calls it too
// (prefetch.go).
func (sc *scanner) lookAheadBatch(b batch) []entryAhead {
	if !sc.looksAhead(b) {
		return nil
	}
	return sc.lookAhead(b, make([]entryAhead, len(b.names)), nil)
}

// looksAhead reports whether lookAheadBatch looks b up.
func (sc *scanner) looksAhead(b batch) bool {
	return !(b.par <= 1 && b.alike == nil && sc.pre == nil || len(b.names) < 2)
}

// lookAhead is lookAheadBatch into out; fp, when set, is the probe of b's
// files, asked already (out holds its keys).
func (sc *scanner) lookAhead(b batch, out []entryAhead, fp *filesProbe) []entryAhead {
	names := b.names
	// Each goroutine stats through its own descriptor of dir: one shared
	// by threads makes every fstatat take and drop a reference on the
	// same open file, and the two cores then fight over its cache line.
	dirs := make([]*fsmeta.Dir, max(b.par, 1))
	dirs[0] = b.d
	defer func() {
		for _, d := range dirs {
			if d != nil && d != b.d {
				d.Close()
			}
		}
	}()
	lookup := func(w, i int) {
		e := &out[i]
		e.ok = true
		if dirs[w] == nil {
			if d, err := sc.fsys.OpenDir(b.dir); err == nil {
				dirs[w] = d
			}
		}
		if dirs[w] != nil {
			e.stat.info, e.stat.err = dirs[w].Lstat(names[i])
		} else {
			e.stat.info, e.stat.err = sc.fsys.Lstat(path.Join(b.dir, names[i]))
		}
		if e.stat.err != nil {
			return
		}
		u := b.url + names[i]
		switch e.stat.info.Type {
		case fsmeta.TypeRegular, fsmeta.TypeSymlink:
			d := sc.simulate(b.t, u)
			e.dec = &d
		case fsmeta.TypeDir:
			if !rules.IsSecret(u) {
				d := sc.simulate(b.t, u+"/")
				e.dec = &d
			}
		}
	}
	bySite := b.bySite
	var grouped bool
	switch {
	case fp != nil:
		grouped = fp.grouped(out)
	case b.alike != nil:
		grouped = sc.groupFiles(b, out, dirs)
	}
	if !grouped {
		parallelOn(b.par, len(names), aheadChunk, func(w, i int) {
			if bySite == nil || !bySite[i] {
				lookup(w, i)
			}
		})
		return out
	}
	leaders := sc.leadGroups(out, b.alike)
	parallelOn(b.par, len(names), aheadChunk, func(w, i int) {
		if !out[i].ok && !out[i].follower && (bySite == nil || !bySite[i]) {
			lookup(w, i)
		}
	})
	for _, i := range leaders {
		if e := &out[i]; servesAlike(e, path.Join(b.dir, names[i])) {
			b.alike[e.key] = e.dec
		}
	}
	parallelOn(b.par, len(names), aheadChunk, func(w, i int) {
		e := &out[i]
		if !e.follower {
			return
		}
		if g := b.alike[e.key]; g != nil {
			e.ok, e.alike = true, g
			return
		}
		lookup(w, i)
	})
	return out
}

// bySite marks the names of dir looked up with the site, which the
// judging takes from sc.ahead; nil when there are none.
func (sc *scanner) bySite(dir string, names []string) []bool {
	if len(sc.ahead.infos) == 0 {
		return nil
	}
	by := make([]bool, len(names))
	for i, name := range names {
		by[i] = sc.ahead.infos.has(path.Join(dir, name), "")
	}
	return by
}

// listing returns the names of dir when they were listed ahead.
func (sc *scanner) listing(dir string) ([]string, bool) {
	return sc.ahead.lists.take(dir, "")
}

// readPageFile is FS.ReadFileLimit of the page p, taken from what was
// read ahead when it was.
func (sc *scanner) readPageFile(p string) ([]byte, error) {
	if r, ok := sc.ahead.pages.take(p, ""); ok {
		return r.b, r.err
	}
	return sc.fsys.ReadFileLimit(p, rules.MaxPageSize)
}

// siteChunk is how many sites are looked up ahead at a time.
const siteChunk = 64

// smallRoot is the most entries of a root the look-ahead of its site
// covers; larger roots are looked up batch by batch as they are walked.
const smallRoot = 32

// pageBudget is how many bytes of a root's pages the look-ahead of its
// site reads (the rest are read when judged): a chunk of sites holds at
// most siteChunk times this.
const pageBudget = 256 << 10

// errLarge stops the listing of a root that is not small.
var errLarge = errors.New("more than smallRoot entries")

// smallListing returns the sorted names of dir when it holds at most
// smallRoot entries, reading no more than that many names.
func (sc *scanner) smallListing(dir string) ([]string, bool) {
	var names []string
	err := sc.fsys.ReadDirBatches(dir, smallRoot+1, func(batch []string) error {
		if names != nil || len(batch) > smallRoot {
			return errLarge
		}
		names = batch
		return nil
	})
	if err != nil {
		return nil, false
	}
	if names == nil {
		names = []string{}
	}
	return names, true
}

// lookAheadSites looks up, on all workers, the requests every scanned site
// makes whatever it holds: the first request of each root, the metadata
// and requests of the entries of small roots, and the ACME probe.
func (sc *scanner) lookAheadSites(sites []simulate.Site) []ahead {
	out := make([]ahead, len(sites))
	if workers <= 1 {
		return out
	}
	parallel(len(sites), func(i int) {
		site := &sites[i]
		if site.Host == "" {
			return
		}
		a := &out[i]
		for _, r := range site.Roots {
			t := target{site.Host, site.Port, site.ServerIP}
			if r.Host != "" {
				t.host = r.Host
			}
			info, err := sc.fsys.Lstat(r.Dir)
			a.infos.put(r.Dir, "", statResult{info, err})
			if err != nil || info.Type != fsmeta.TypeDir {
				continue // a link or nothing: asked for when walked
			}
			// listed first: a small root's listing, kept, answers the
			// requests' lookups of what it lacks (.htaccess, .well-known)
			names, ok := sc.smallListing(r.Dir)
			a.decs.put(t.host, r.URL, sc.simulate(t, r.URL))
			if !ok {
				continue
			}
			// room for every name's answer at once, not grown one by one
			a.infos = slices.Grow(a.infos, len(names))
			a.decs = slices.Grow(a.decs, len(names)+1)
			a.lists.put(r.Dir, "", names)
			budget := int64(pageBudget)
			for _, name := range names {
				p, u := path.Join(r.Dir, name), r.URL+name
				info, err := sc.fsys.Lstat(p)
				a.infos.put(p, "", statResult{info, err})
				if err != nil || info.Type != fsmeta.TypeRegular && info.Type != fsmeta.TypeSymlink {
					continue
				}
				dec := sc.simulate(t, u)
				a.decs.put(t.host, u, dec)
				// a regular file's size is its content's (a link's is not)
				if info.Type == fsmeta.TypeRegular && servesPage(dec.req, dec.d, p) && info.Size <= budget {
					budget -= info.Size
					b, err := sc.fsys.ReadFileLimit(p, rules.MaxPageSize)
					a.pages.put(p, "", pageRead{b, err})
				}
			}
		}
		a.decs.put(site.Host, acmeProbe, sc.simulate(target{site.Host, site.Port, site.ServerIP}, acmeProbe))
	})
	return out
}
