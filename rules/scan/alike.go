package scan

import (
	"path"
	"sync/atomic"
	"unsafe"

	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules"
	"github.com/unforbid/unforbid/rules/simulate"
)

// Files served alike. A directory of uploads holds thousands of files
// that one location serves the same way; what tells them apart is whether
// the worker may read each. When the server groups a directory's files
// (simulate.FileGrouper), the scan asks whether the worker may read each
// regular file (fsmeta.Prober: run as root on the disk, the kernel
// answers, one system call where the metadata takes two), simulates the
// first readable file of each group, and when that one is served (200,
// no cause) takes its answer for the group's other readable files. Everything else (a
// file the worker cannot read, a link, a page, a name out of the plain
// ones) is looked up and simulated as before, so findings and counts are
// those of simulating every file.

// alikeScan holds what the scan needs to serve files alike: the server's
// grouping and the prober of the worker's credentials.
type alikeScan struct {
	grouper simulate.FileGrouper
	prober  *fsmeta.Prober
}

// startAlike sets up serving files alike when the server and the
// filesystem allow it; stopAlike ends it.
func (sc *scanner) startAlike() {
	g, ok := sc.srv.(simulate.FileGrouper)
	if !ok || noAlike {
		return
	}
	sc.alike = &alikeScan{grouper: g, prober: sc.fsys.NewProber(sc.cred)}
}

func (sc *scanner) stopAlike() { sc.alike = nil }

// noAlike turns serving files alike off (tests compare with it off).
var noAlike = false

// servedAlikeCount counts the files judged by their group's answer, for
// tests that must see the path taken.
var servedAlikeCount atomic.Int64

// plainName reports whether a file named name may be served alike: plain
// letters, digits, '.', '-' and '_', and not a dotfile.
func plainName(name string) bool {
	if name == "" || name[0] == '.' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// groupFiles sets the key of every entry of b that the directory lists
// as a regular file of a plain name, that the worker may read and that
// the server groups; the prober's threads ask both questions. It reports
// whether any entry got a key. It asks through dirs[0], which it opens
// when not set.
func (sc *scanner) groupFiles(b batch, out []entryAhead, dirs []*fsmeta.Dir) bool {
	if !b.hasCandidate() {
		return false
	}
	if dirs[0] == nil {
		d, err := sc.fsys.OpenDir(b.dir)
		if err != nil {
			return false
		}
		dirs[0] = d // closed with the batch's
	}
	fp := sc.fileProbe(b, out, dirs[0])
	sc.alike.prober.Readable(fp.set.D, fp.set.Names, fp.set.OK, b.par, fp.set.Each)
	return fp.grouped(out)
}

// A filesProbe is what groupFiles asks the prober about a batch: its
// candidates (cand[k] is the entry of the set's name k), and, for each
// one readable, the server's key, which it writes into the entry.
type filesProbe struct {
	cand []int32
	set  fsmeta.ProbeSet
}

// hasCandidate reports whether b has an entry that may be served alike.
func (b *batch) hasCandidate() bool {
	for i := range b.names {
		if b.candidate(i) {
			return true
		}
	}
	return false
}

// fileProbe returns the probe of b's candidates through d, keyed into
// out.
func (sc *scanner) fileProbe(b batch, out []entryAhead, d *fsmeta.Dir) *filesProbe {
	n, size := 0, 0
	for i, name := range b.names {
		if b.candidate(i) {
			n++
			size += len(b.url) + len(name)
		}
	}
	// the candidates' names, and their URLs cut from one string
	cand, probe, urls := make([]int32, 0, n), make([]string, 0, n), make([]string, 0, n)
	buf := make([]byte, 0, size)
	for i, name := range b.names {
		if b.candidate(i) {
			cand, probe = append(cand, int32(i)), append(probe, name)
			buf = append(append(buf, b.url...), name...)
		}
	}
	all := unsafe.String(unsafe.SliceData(buf), len(buf)) // buf is not written again
	for _, name := range probe {
		urls = append(urls, all[:len(b.url)+len(name)])
		all = all[len(b.url)+len(name):]
	}
	g := sc.alike.grouper
	req := sc.newRequest(b.t, "")
	return &filesProbe{cand: cand, set: fsmeta.ProbeSet{D: d, Names: probe, OK: make([]bool, n), Each: func(k int) {
		// on a thread that holds the worker's credentials: FileGroup
		// makes no system call (simulate.FileGrouper)
		r := req
		r.Path = urls[k]
		if key, ok := g.FileGroup(r); ok {
			out[cand[k]].key = key // each k once, from one goroutine
		}
	}}}
}

// grouped reports whether an entry of out got a key from fp.
func (fp *filesProbe) grouped(out []entryAhead) bool {
	for _, i := range fp.cand {
		if out[i].key != nil {
			return true
		}
	}
	return false
}

// candidate reports whether the entry i of b may be served alike: a
// regular file, as the directory lists it, of a plain name, not looked
// up with the site.
func (b *batch) candidate(i int) bool {
	return b.regular[i] && (b.bySite == nil || !b.bySite[i]) && plainName(b.names[i])
}

// leadGroups takes the answer of each keyed entry's group when alike
// already has it; of the others, the first of each group leads (it is
// simulated) and the rest follow. It returns the leaders.
func (sc *scanner) leadGroups(out []entryAhead, alike map[any]*decided) []int {
	var leaders []int
	led := map[any]bool{}
	for i := range out {
		e := &out[i]
		if e.key == nil {
			continue
		}
		if g := alike[e.key]; g != nil {
			e.ok, e.alike = true, g
			continue
		}
		if led[e.key] {
			e.follower = true
			continue
		}
		led[e.key] = true
		leaders = append(leaders, i)
	}
	return leaders
}

// servesAlike reports whether the looked-up entry e, the file p, is
// served plainly: a regular file answering 200 from p itself, with no
// cause, nothing masked, unsure or varying, no backend, in one request.
// Its answer is then its group's.
func servesAlike(e *entryAhead, p string) bool {
	if !e.ok || e.stat.err != nil || e.stat.info.Type != fsmeta.TypeRegular || e.dec == nil || e.dec.n != 1 {
		return false
	}
	d := e.dec.d
	return d.Status == 200 && d.Cause == nil && d.Masked == nil && d.Unsure == "" && d.Varies == "" &&
		d.Backend == "" && d.Path == p && !e.dec.req.AssumeAccess
}

// servedAlike judges the file name of dir (served at url) by g, its
// group's answer: what entry does with the file's own answer, which is
// g's but for the path served.
func (sc *scanner) servedAlike(dir, url, name string, in *rules.DirContents, g *decided) {
	servedAlikeCount.Add(1)
	sc.tick()
	sc.stats.Requests += g.n
	class := rules.Classify(name)
	if sc.opts.Fixes != nil {
		// judge: served, nothing to report but the sample
		sc.sample(g.alikeReq(url+name), g.d, false)
	}
	if in != nil { // count
		in.AddClass(name, class)
	}
	if class == rules.ClassPage && !sc.probing && !sc.pagesSpent() {
		// readPage, which the file's own answer (g's, from this path)
		// passes to here
		sc.readServedPage(g.alikeReq(url+name), path.Join(dir, name))
	}
}

// alikeReq is g's request for urlPath, a file of g's group.
func (g *decided) alikeReq(urlPath string) simulate.Request {
	req := g.req
	req.Path = urlPath
	return req
}
