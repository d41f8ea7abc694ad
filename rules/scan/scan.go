// Package scan finds the unintended 403s of a configuration: it walks
// every tree a server serves (docroots and alias targets) with bounded
// memory, asks the request simulator what each file and directory
// answers, tells intended refusals from unintended ones, and reports each
// root cause once, with the number of files it hides and an example URL.
package scan

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"runtime/debug"
	"runtime/metrics"
	"sort"
	"strings"

	"github.com/unforbid/unforbid/fix"
	"github.com/unforbid/unforbid/parser"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules"
	"github.com/unforbid/unforbid/rules/simulate"
)

// Stats counts the work of a scan.
type Stats struct {
	Servers  int // servers scanned
	Roots    int // docroots and alias targets walked
	Files    int // files and directories visited
	Requests int // requests simulated
	Unsure   int // decisions the simulator could not model (skipped)
	// Causes counts the root causes found so far (groups, before
	// severity and suppressions), for progress reports.
	Causes int
	// UnsureWhy counts the reasons of unsure decisions (at most
	// maxReasons distinct ones; the rest count under "other").
	UnsureWhy map[string]int
	// Skipped says what could not be scanned, and why (at most
	// maxSkipped notes); SkippedMore counts the notes left out.
	Skipped     []simulate.Note
	SkippedMore int
	// NotWalked counts the servers none of whose trees could be walked
	// because of a note (a root holding a variable nothing fixes);
	// PartlyWalked those of which some tree was walked and some not.
	NotWalked    int
	PartlyWalked int
	// Rejected lists the fixes that failed their check and were not
	// offered (at most maxSkipped).
	Rejected []RejectedFix
}

// Bounds on what Stats keeps, so that memory stays flat on huge trees.
const (
	maxReasons = 10
	maxSkipped = 20
)

func (s *Stats) skip(n simulate.Note) {
	if len(s.Skipped) < maxSkipped {
		s.Skipped = append(s.Skipped, n)
		return
	}
	s.SkippedMore++
}

// Notes returns everything the scan could not look at or judge, as notes
// for every output format: the requests not judged (per reason, the most
// frequent first), then what was skipped.
func (s *Stats) Notes() []simulate.Note {
	whys := make([]string, 0, len(s.UnsureWhy))
	for why := range s.UnsureWhy {
		whys = append(whys, why)
	}
	sort.Slice(whys, func(i, j int) bool {
		return s.UnsureWhy[whys[i]] > s.UnsureWhy[whys[j]] || s.UnsureWhy[whys[i]] == s.UnsureWhy[whys[j]] && whys[i] < whys[j]
	})
	out := make([]simulate.Note, 0, len(whys)+len(s.Skipped)+1)
	for _, why := range whys {
		out = append(out, simulate.Note{Message: fmt.Sprintf("not judged (%s): %s", plural(s.UnsureWhy[why], "request"), why)})
	}
	out = append(out, s.Skipped...)
	if s.SkippedMore > 0 {
		out = append(out, simulate.Note{Message: fmt.Sprintf("... and %d more like these", s.SkippedMore)})
	}
	return out
}

// Options tune a scan.
type Options struct {
	// ClientIP is the address scan requests come from; an outside address
	// by default, since allowlists for local clients are intended.
	ClientIP string
	// Progress, when set, is called every ProgressEvery visited entries.
	Progress      func(Stats)
	ProgressEvery int
	// Fixes, when set, makes the scan propose the fixes of every finding
	// and check each by simulating again (fixes.go); without it findings
	// carry no fixes, and --check stays as fast as it was.
	Fixes *FixOptions
}

// scanGCPercent returns the garbage collector's target during a scan
// (unless GOGC is set): the heap may grow by scanHeadroom over what is
// live before the collector runs, between scanMinGCPercent and 400%. The
// walk's own live heap is small and flat (a few MiB) while a request per
// file makes much garbage, so collecting less often saves a fifth of the
// CPU there; but the heap may already hold a large configuration (190 MiB
// for 10,000 server blocks) or the findings of a huge tree, which a
// percentage multiplies: the default 100% doubled the peak of a check of
// 10,000 server blocks. The least target, 50%, is a measured middle: at
// 10,000 nginx server blocks 100% peaked at 340-370 MiB, 50% at 318-327
// MiB and 25% at 290-297 MiB, but 25% took a quarter more time there and
// on 10,000 Apache hosts.
func scanGCPercent() int {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	live := uint64(1)
	if s[0].Value.Kind() == metrics.KindUint64 {
		live = max(live, s[0].Value.Uint64())
	}
	return int(min(400, max(scanMinGCPercent, scanHeadroom*100/live)))
}

// gcEvery is how many visited entries the scan sets the collector's
// target again after.
const gcEvery = 8192

// scanMinGCPercent is the least target scanGCPercent sets (see there):
// at 10,000 nginx hosts (110 MB live) 50% gave a peak of 203 MiB, 75%
// 209-219 MiB for a twentieth less CPU, 100% 245-250 MiB.
const scanMinGCPercent = 75

// scanHeadroom is how much the heap may grow over its live part during a
// scan before the collector runs (see scanGCPercent): 64 MiB rather than
// 32 took a twelfth off 10,000 Apache hosts (peak 150 -> 175-195 MiB) and
// left nginx's, decided by the least target, as it was; a million-file
// docroot peaks at 115 MiB instead of 71.
const scanHeadroom = 64 << 20

// DefaultClientIP is a documentation address (TEST-NET-3) standing for
// any visitor from the internet.
const DefaultClientIP = "203.0.113.7"

// acmeProbe is requested on every server: certificate renewals need it.
const acmeProbe = "/.well-known/acme-challenge/unforbid-probe"

// Run scans every site of srv. Findings silenced by a suppression comment
// of the config are returned with Finding.Suppressed set; findings about
// the suppressions themselves (no reason, unknown rule, silencing
// nothing) are among the others.
func Run(srv simulate.Server, opts Options) ([]rules.Finding, Stats) {
	if opts.ClientIP == "" {
		opts.ClientIP = DefaultClientIP
	}
	if opts.ProgressEvery <= 0 {
		opts.ProgressEvery = 10000
	}
	sc := &scanner{srv: srv, fsys: srv.FileSystem(), cred: srv.WorkerCred(), opts: opts, groups: map[string]*group{}}
	if os.Getenv("GOGC") == "" {
		sc.tuneGC = true
		defer debug.SetGCPercent(debug.SetGCPercent(scanGCPercent()))
	}
	sc.lint()
	sc.startAlike()
	sc.startPrefetch()
	sc.scanSites(srv.Sites())
	sc.ahead = ahead{}
	sc.stopPrefetch()
	sc.stopAlike()
	if opts.Fixes != nil {
		sc.repair()
	}
	// suppression comments apply to the findings as made
	return suppress(srv, sc.findings()), sc.stats
}

// scanSites scans sites in chunks, each looked up ahead on the workers
// while the chunk before is judged.
func (sc *scanner) scanSites(sites []simulate.Site) {
	type chunkAhead struct {
		sites []simulate.Site
		ahead []ahead
		done  chan struct{}
	}
	lookAhead := func() *chunkAhead {
		if len(sites) == 0 {
			return nil
		}
		c := &chunkAhead{sites: sites[:min(siteChunk, len(sites))], done: make(chan struct{})}
		sites = sites[len(c.sites):]
		go func() {
			defer close(c.done)
			c.ahead = sc.lookAheadSites(c.sites)
		}()
		return c
	}
	for next := lookAhead(); next != nil; {
		c := next
		<-c.done
		next = lookAhead()
		for i, a := range c.ahead {
			sc.ahead = a
			sc.scanSite(c.sites[i])
		}
	}
}

type scanner struct {
	srv    simulate.Server
	fsys   *fsmeta.FS
	cred   fsmeta.Cred
	opts   Options
	stats  Stats
	groups map[string]*group
	order  []string
	// ahead holds what workers looked up for the judging (ahead.go).
	ahead ahead
	// alike is set while files of a directory may be served alike
	// (alike.go).
	alike *alikeScan
	// pre lists and looks up directories ahead of the walk (prefetch.go);
	// nil with a single worker.
	pre *prefetch
	// tuneGC is set when the scan sets the collector's target, which it
	// sets again as the findings grow (see scanGCPercent).
	tuneGC bool
	// denies collects the public files each overmatching deny refuses;
	// refusing holds the sites that refuse every request (deny.go).
	denies   map[string]*denyGroup
	refusing map[string]bool
	// linted holds the groups of the server's config findings (Lint): a
	// request refused by the same cause adds nothing to them.
	linted map[string]bool

	site    *simulate.Site
	visited map[string]bool
	// blind is set when something of the current site could not be
	// walked.
	blind bool
	// errorPages maps the files of the site's error pages to their
	// error_page directive (built on first use, per site).
	errorPages map[string]*simulate.ErrorPage
	// probing is set while judging the ACME probe, which is no file: it
	// reports a cause nothing else shows, but adds nothing to counts.
	probing bool
	// renewing is set while the ACME probe judged is refused only with
	// its token written (duringRenewal).
	renewing bool
	intent   intentState // pages versus assets, the site's own links

	// cur is the decision being judged, kept by the group it makes;
	// added is set when judging it made or grew a group.
	cur   *simulate.Decision
	added bool
	// samples keeps, per site, requests that serve and requests refused on
	// purpose: a fix must leave both as they are (fixes.go).
	samples map[parser.Range]*siteSamples
}

// group collects the requests that share one root cause.
type group struct {
	rule     string
	severity rules.Severity
	rng      parser.Range
	path     string
	url      string
	method   string
	count    int
	masked   int // of count, requests whose status hides the cause (try_files)
	// dirURL is set while the example is a directory other than the
	// site's home: a file below it, met later, makes a better example
	// (the directory may answer 403 for want of an index anyway).
	dirURL   bool
	status   int    // the status the masked requests answer
	maskedBy string // the directive that masked them (try_files)
	// backend is where the masked requests went instead, when that is a
	// backend (fastcgi_pass, proxy_pass): the status is then the
	// simulator's 502 for an unreachable backend, not what a running
	// application answers (usually its own not-found page), so the
	// message names the backend rather than a status.
	backend string
	// counted is set when the last request added to the group was
	// counted (a probe of a cause already met is not), so that masked
	// never exceeds count.
	counted bool
	message func(count int) string
	related []rules.Related

	// What a repair starts from (fixes.go): the kind of the cause, the
	// example request and its decision, more URL paths refused, the
	// site, and the fixes found.
	kind    simulate.Kind
	req     simulate.Request
	dec     *simulate.Decision
	refused []string
	site    parser.Range
	fixes   []fix.Fix
	// causeRelated are the related locations of a config finding as the
	// server gave them (the rules that shadow an access rule).
	causeRelated []simulate.Related
}

func (sc *scanner) scanSite(site simulate.Site) {
	sc.blind = false
	for _, n := range site.Notes {
		sc.stats.skip(n)
		sc.blind = sc.blind || n.NotWalked
	}
	if site.Host == "" {
		return
	}
	walked := sc.stats.Roots
	defer func() {
		switch {
		case !sc.blind:
		case sc.stats.Roots == walked:
			sc.stats.NotWalked++
		default:
			sc.stats.PartlyWalked++
		}
	}()
	sc.stats.Servers++
	sc.site = &site
	sc.visited = map[string]bool{}
	sc.errorPages = nil
	sc.intent = intentState{}
	host := site.Host
	for _, r := range site.Roots {
		// a tree of its own host name (a regex server_name's captures)
		// is requested at that name
		sc.site.Host = host
		if r.Host != "" {
			sc.site.Host = r.Host
		}
		info, err := sc.lstat(r.Dir)
		if err != nil {
			if fsmeta.HostDenied(err) {
				sc.blind = true
				sc.stats.skip(simulate.Note{Range: r.Range, NotWalked: true, Message: fmt.Sprintf("%s %s: unforbid cannot look at it itself (%v): run it as root to see what the workers meet", orWords(r.Directive, "the tree"), r.Dir, errText(err))})
				continue
			}
			if r.Directive != "" && r.URL == "/" {
				sc.stats.skip(simulate.Note{Range: r.Range, Message: fmt.Sprintf("%s %s does not exist (requests answer 404)", r.Directive, r.Dir)})
			}
			continue
		}
		if info.Type == fsmeta.TypeSymlink {
			res := sc.fsys.Access(fsmeta.Cred{}, r.Dir, 0, true)
			if res.Err != 0 || res.Info.Type != fsmeta.TypeDir {
				continue
			}
		} else if info.Type != fsmeta.TypeDir {
			continue
		}
		sc.stats.Roots++
		sc.walk(r.Dir, r.URL, nil)
		sc.pre.reset()
	}
	sc.site.Host = host
	sc.probeACME()
	sc.checkLinks()
}

func (sc *scanner) clientIP(local string) string {
	if strings.Contains(local, ":") && !strings.Contains(sc.opts.ClientIP, ":") {
		return "2001:db8::7"
	}
	return sc.opts.ClientIP
}

// probeHeaders are the headers of every scan request, one map shared by
// all of them: simulators only read a request's headers.
var probeHeaders = map[string]string{"Authorization": "Basic dW5mb3JiaWQ6cHJvYmU="}

func (sc *scanner) request(urlPath string) (simulate.Request, *simulate.Decision) {
	r, ok := sc.takeDecided(urlPath)
	if !ok {
		r = sc.simulate(target{sc.site.Host, sc.site.Port, sc.site.ServerIP}, urlPath)
	}
	sc.stats.Requests += r.n
	return r.req, r.d
}

// requestAhead is request, or pre when that request was looked up ahead.
func (sc *scanner) requestAhead(pre *decided, urlPath string) (simulate.Request, *simulate.Decision) {
	if pre == nil {
		return sc.request(urlPath)
	}
	sc.stats.Requests += pre.n
	return pre.req, pre.d
}

// walk visits dir, served at url (ending in "/"), and everything below it,
// and returns what dir holds (nil when it was visited before); pre, when
// set, is the request of url looked up ahead. Memory is bounded by the
// depth times the batch size (a batch of names, and of what was looked up
// ahead for them, per level).
func (sc *scanner) walk(dir, url string, pre *decided) *rules.DirContents {
	// Directories are known by their real path, so that a symbolic link
	// back up the tree cannot make the walk go round.
	key := dir
	if res := sc.fsys.Access(fsmeta.Cred{}, dir, 0, true); res.Err == 0 {
		key = res.At
	}
	if sc.visited[key] {
		sc.pre.take(dirJob{dir: dir, url: url, t: sc.target()}) // not walked: its slot is free again, or it is no longer pending
		return nil
	}
	sc.visited[key] = true
	sc.tick()
	req, d := sc.requestAhead(pre, url)
	sc.lintDir(req, d, dir)
	later := dependsOnContents(d) // pages or assets: judged once listed
	if !later {
		sc.judge(req, d, dir, true)
	}
	// Entries come in bounded batches: a directory of a million uploads
	// costs a batch of names, not a million; what they are is counted.
	in := &rules.DirContents{}
	var err error
	if names, ok := sc.listing(dir); ok {
		// listed ahead, sorted: the one batch ReadDirBatches would give
		for _, name := range names {
			sc.entry(dir, url, name, in, nil)
		}
	} else {
		err = sc.readDir(dir, url, in)
	}
	if err != nil {
		sc.blind = true
		sc.stats.skip(simulate.Note{NotWalked: true, Message: fmt.Sprintf("%s: cannot list: %v (run unforbid as root to see every docroot)", dir, errText(err))})
		in = nil
	}
	if later {
		sc.judgeDir(req, d, dir, true, in)
	}
	return in
}

// readDir judges the entries of dir (served at url) batch by batch, each
// batch looked up ahead on the workers, or all of them at once when the
// prefetch (prefetch.go) listed and looked them up already.
func (sc *scanner) readDir(dir, url string, in *rules.DirContents) error {
	da, pending := sc.pre.take(dirJob{dir: dir, url: url, t: sc.target()})
	if pending != nil {
		// wanted, but the workers have not come to it: done here as
		// they would do it, while they go on with the next ones
		da = &dirAhead{done: make(chan struct{})}
		sc.prefetchDirs([]dirJob{*pending}, []*dirAhead{da})
	}
	if da != nil {
		if da.err != nil {
			return da.err
		}
		if !da.large {
			sc.entries(dir, url, da.names, da.looked, in)
			return nil
		}
	}
	var alike map[any]*decided
	if sc.alike != nil {
		alike = map[any]*decided{}
	}
	// While a batch is judged, the next one is looked up: one look-up at
	// a time, since a directory's batches share alike.
	t := sc.target()
	var prev *batchAhead
	err := sc.fsys.ReadDirBatchesTyped(dir, dirBatch, func(names []string, regular []bool) error {
		b := batch{t: t, dir: dir, url: url, names: names, regular: regular, alike: alike, bySite: sc.bySite(dir, names), par: workers}
		if prev != nil {
			<-prev.done
		}
		cur := &batchAhead{b: b, done: make(chan struct{})}
		go func() {
			defer close(cur.done)
			cur.looked = sc.lookAheadBatch(b)
		}()
		if prev != nil {
			sc.entries(dir, url, prev.b.names, prev.looked, in)
		}
		prev = cur
		return nil
	})
	if prev != nil {
		<-prev.done
		sc.entries(dir, url, prev.b.names, prev.looked, in)
	}
	return err
}

// batchAhead is a batch being looked up while the one before is judged.
type batchAhead struct {
	b      batch
	looked []entryAhead
	done   chan struct{}
}

// entries judges a batch of dir's entries, with what was looked up for
// them (nil when nothing was), after asking the prefetch for the
// directories among them.
func (sc *scanner) entries(dir, url string, names []string, looked []entryAhead, in *rules.DirContents) {
	sc.prefetchSubdirs(dir, url, names, looked)
	for i, name := range names {
		var e *entryAhead
		if looked != nil && looked[i].ok {
			e = &looked[i]
		}
		sc.entry(dir, url, name, in, e)
	}
}

// target is where the current site's requests go.
func (sc *scanner) target() target {
	return target{sc.site.Host, sc.site.Port, sc.site.ServerIP}
}

// dirBatch is how many names of one directory the walk holds at a time.
const dirBatch = 1024

// entry judges one directory entry of dir (served at url), counts it in
// dir's contents and walks into subdirectories; e, when set, holds what
// was looked up for it ahead.
func (sc *scanner) entry(dir, url, name string, in *rules.DirContents, e *entryAhead) {
	if e != nil && e.alike != nil {
		sc.servedAlike(dir, url, name, in, e.alike)
		return
	}
	p := path.Join(dir, name)
	u := url + name
	var info *fsmeta.Info
	var err error
	if e != nil {
		info, err = e.stat.info, e.stat.err
	} else {
		info, err = sc.lstat(p)
	}
	if err != nil {
		return
	}
	var pre *decided
	if e != nil {
		pre = e.dec
	}
	switch info.Type {
	case fsmeta.TypeDir:
		if rules.IsSecret(u) {
			return
		}
		if !fsmeta.Permits(info, sc.cred, fsmeta.Read) && fsmeta.Permits(info, sc.cred, fsmeta.Exec) {
			// /dir without its slash opens the directory (needs r);
			// judged once its contents are known
			req, d := sc.request(u)
			sub := sc.walk(p, u+"/", pre)
			sc.judgeDir(req, d, p, false, sub)
			return
		}
		sc.walk(p, u+"/", pre)
	case fsmeta.TypeRegular, fsmeta.TypeSymlink:
		sc.tick()
		req, d := sc.requestAhead(pre, u)
		sc.judge(req, d, p, false)
		count(in, name, d)
		sc.readPage(req, d, p)
		if info.Type == fsmeta.TypeSymlink && !rules.IsSecret(u) {
			// nginx serves through links to directories (Laravel's
			// public/storage, shared uploads): walk them too
			if res := sc.fsys.Access(fsmeta.Cred{}, p, 0, true); res.Err == 0 && res.Info.Type == fsmeta.TypeDir {
				sc.walk(p, u+"/", nil)
			}
		}
	}
}

func (sc *scanner) tick() {
	sc.stats.Files++
	if sc.tuneGC && sc.stats.Files%gcEvery == 0 {
		debug.SetGCPercent(scanGCPercent())
	}
	if sc.opts.Progress != nil && sc.stats.Files%sc.opts.ProgressEvery == 0 {
		sc.stats.Causes = len(sc.order)
		sc.opts.Progress(sc.stats)
	}
}

// probeACME asks for an ACME http-01 challenge, which must never be denied
// by a rule meant for hidden files.
func (sc *scanner) probeACME() {
	// The challenge file exists only while certbot renews, so the probe
	// answers 404 when all is well; a 403 is an overmatched deny or a
	// webroot the worker cannot reach.
	req, d := sc.request(acmeProbe)
	if d.Status == 404 {
		if during := sc.duringRenewal(req, d); during != nil {
			d, sc.renewing = during, true
		}
	}
	sc.probing = true
	sc.judge(req, d, "/", false)
	sc.probing, sc.renewing = false, false
}

// duringRenewal simulates the ACME probe again as certbot's webroot
// renewal has it, the token written (0644, root) into the challenge
// directory that exists: a deny for what exists (h5bp's RewriteCond -f
// before its hidden-files rule) refuses the token only then. It returns
// that decision when it refuses, else nil; nil too when the server cannot
// be simulated on another view or the directory does not exist.
func (sc *scanner) duringRenewal(req simulate.Request, d *simulate.Decision) *simulate.Decision {
	rb, ok := sc.srv.(simulate.Rebinder)
	if !ok || d.Path == "" || d.Unsure != "" {
		return nil
	}
	if res := sc.fsys.Access(fsmeta.Cred{}, path.Dir(d.Path), 0, true); res.Err != 0 || res.Info.Type != fsmeta.TypeDir {
		return nil // TODO(aacme): a view with the directories certbot creates
	}
	view := sc.fsys.With(fsmeta.Changes{Files: map[string]fsmeta.FileContent{
		d.Path: {Data: []byte("unforbid-probe.thumbprint\n"), Perm: 0o644}}})
	srv, err := rb.OnView(view)
	if err != nil {
		return nil
	}
	sc.stats.Requests++
	during := srv.Simulate(req)
	if during.Unsure != "" || during.Status != 403 {
		return nil
	}
	return during
}

// indexLikeNames are the index files of common setups: a directory that
// holds one the index directive does not list has a misnamed index.
var indexLikeNames = []string{
	"index.html", "index.htm", "index.php", "index.shtml", "index.xhtml", "index.cgi", "index.pl",
	"index.py", "index.jsp", "index.asp", "default.htm", "default.html", "default.asp", "home.html",
}

// indexLikeFiles returns the index-like files of dir.
func (sc *scanner) indexLikeFiles(dir string) []string {
	var out []string
	for _, n := range indexLikeNames {
		if info, err := sc.fsys.Lstat(path.Join(dir, n)); err == nil && info.Type != fsmeta.TypeDir {
			out = append(out, n)
		}
	}
	return out
}

// judge turns one decision into a finding when it is an unintended refusal.
func (sc *scanner) judge(req simulate.Request, d *simulate.Decision, fsPath string, isDir bool) {
	if d.Unsure != "" {
		sc.unsure(d.Unsure)
		return
	}
	c, masked := sc.rootCause(d, fsPath)
	if c == nil {
		sc.sample(req, d, false)
		return
	}
	sc.cur, sc.added = d, false
	g := sc.judgeCause(req, d, c, fsPath, isDir, masked)
	// a refusal of a config finding's cause (Lint) is that finding's,
	// not one refused on purpose that its fix must keep
	sc.sample(req, d, !sc.added && !sc.linted[c.Rule+"\x00"+c.Range.String()+"\x00"])
	sc.cur = nil
	if g != nil && masked && g.counted {
		g.masked++
		g.status, g.maskedBy, g.backend = d.Status, orWords(d.MaskedBy, "the server"), d.Backend
	}
}

// unsure counts a decision the simulator could not model, by its reason.
func (sc *scanner) unsure(why string) {
	sc.stats.Unsure++
	if sc.stats.UnsureWhy == nil {
		sc.stats.UnsureWhy = map[string]int{}
	}
	if _, ok := sc.stats.UnsureWhy[why]; !ok && len(sc.stats.UnsureWhy) >= maxReasons {
		why = "other"
	}
	sc.stats.UnsureWhy[why]++
}

// rootCause returns the cause of d to judge at fsPath, nil when d refuses
// nothing there; masked is set when try_files hid the cause behind the
// status of its fallback.
func (sc *scanner) rootCause(d *simulate.Decision, fsPath string) (c *simulate.Cause, masked bool) {
	maskedHere := d.Masked != nil && strings.HasPrefix(fsPath, d.Masked.Path)
	aliasSlash := d.Cause != nil && d.Cause.Kind == simulate.KindAliasSlash
	if d.Path != "" && !strings.HasPrefix(d.Path, fsPath) && !maskedHere && !aliasSlash {
		return nil, false // another location maps this URL elsewhere; its own walk judges it
	}
	c = d.Cause
	switch {
	case d.Masked != nil:
		// a fallback (nginx's try_files) skipped what the worker cannot
		// stat: that first failure is the root cause, whatever the
		// fallback answered
		return d.Masked, true
	case d.Status == 403 && c != nil:
	case d.Status == 500 && c != nil && (c.Kind == simulate.KindAuthFileUnreadable || c.Kind == simulate.KindAuthFileMissing):
	case d.Status == 500 && c != nil && c.Kind == simulate.KindHtaccessInvalid:
	case d.Status == 404 && c != nil && (c.Kind == simulate.KindSymlinkDenied || aliasSlash):
	default:
		return nil, false
	}
	return c, false
}

// judgeCause reports the cause c of the decision d on fsPath, per its
// kind. It returns the group of a filesystem cause, which counts the
// requests try_files masks.
func (sc *scanner) judgeCause(req simulate.Request, d *simulate.Decision, c *simulate.Cause, fsPath string, isDir, masked bool) *group {
	switch c.Kind {
	case simulate.KindDenyOvermatch:
		if !isDir { // a directory URL is no resource of its own
			sc.judgeDeny(req, d)
		}
	case simulate.KindAliasSlash:
		sc.judgeAliasSlash(req, d)
	case simulate.KindIndexDenied:
		if isDir {
			reason, where := c.Reason, d.Where()
			sc.add(c.Rule, defaultSeverity, c.Range, fsPath+"/", req, func(int) string {
				return fmt.Sprintf("%s is answered by an internal redirect to its index file, which %s refuses: %s", req.Path, where, reason)
			})
		}
	case simulate.KindUnreadableFile, simulate.KindUnreadableDir, simulate.KindSymlinkLoop, simulate.KindSymlinkDenied, simulate.KindNoSearch:
		return sc.judgeFS(req, c)
	case simulate.KindIndexMissing:
		if isDir && !masked {
			sc.judgeIndexMissing(req, c, fsPath)
		}
	case simulate.KindAuthFileMissing, simulate.KindAuthFileUnreadable:
		status := d.Status
		sc.add(c.Rule, defaultSeverity, c.Range, c.Path, req, func(int) string {
			return authMessage(sc.srv, c, status)
		})
	case simulate.KindHtaccessInvalid:
		sc.judgeHtaccessInvalid(req, d, c)
	case simulate.KindExecCGIOff:
		sc.judgeExecCGIOff(req, c)
	}
	return nil
}

// judgeFS reports a filesystem cause (or a refused symbolic link) unless
// it protects a secret; a file that is an error page points at its
// error_page directive.
func (sc *scanner) judgeFS(req simulate.Request, c *simulate.Cause) *group {
	secretPath := c.Path
	if c.Kind == simulate.KindNoSearch {
		secretPath = ""
	}
	if sc.isSecretHere(req.Path, secretPath) {
		return nil
	}
	sev, note := defaultSeverity, ""
	if c.Kind == simulate.KindUnreadableFile || c.Kind == simulate.KindUnreadableDir || c.Kind == simulate.KindNoSearch {
		sev, note = sc.fsSeverity(c)
	}
	rng := c.Range
	var page *simulate.ErrorPage
	if c.Kind == simulate.KindUnreadableFile {
		if page = sc.errorPageFor(c.Path); page != nil {
			rng = page.Range
		}
	}
	return sc.add(c.Rule, sev, rng, c.Path, req, func(n int) string {
		detail := c.Reason
		if c.Kind == simulate.KindNoSearch {
			detail = plural(n, "path") + " below it cannot be served"
		}
		msg := CauseMessage(sc.srv, c, detail)
		if page != nil {
			msg += fmt.Sprintf("; it is the error page for %s, so those errors answer 403 instead", codes(page.Codes))
		}
		return withNote(msg, note)
	})
}

// judgeIndexMissing reports a directory without index file: at error
// level when it holds an index under another name, is the home page or
// holds pages; else grouped per location at info level.
func (sc *scanner) judgeIndexMissing(req simulate.Request, c *simulate.Cause, fsPath string) {
	others := sc.indexLikeFiles(fsPath)
	reason := c.Reason
	list, off := indexWords(c)
	switch {
	case len(others) > 0:
		sc.add(c.Rule, rules.Error, c.Range, fsPath+"/", req, func(int) string {
			return fmt.Sprintf("%s: the directory has %s but %s does not list it", reason, strings.Join(others, ", "), list)
		})
	case req.Path == "/":
		sc.add(c.Rule, rules.Error, c.Range, fsPath+"/", req, func(int) string {
			return fmt.Sprintf("%s: the home page of the site has no index file and %s", reason, off)
		})
	case sc.pageIndexMissing(c, req, fsPath):
	default:
		// Ordinary index-less directories (assets, uploads) are
		// grouped per location at info level.
		sc.add(c.Rule, rules.Info, c.Range, "", req, func(n int) string {
			return fmt.Sprintf("%s without an index file answer 403 (%s), e.g. %q", plural(n, "directory"), off, fsPath)
		})
	}
}

func (sc *scanner) add(rule string, sev rules.Severity, rng parser.Range, p string, req simulate.Request, msg func(int) string) *group {
	key := rule + "\x00" + rng.String() + "\x00" + p
	if strings.HasPrefix(rule, "fs/") && p != "" {
		// one file or directory is one cause, however many servers
		// share it: the first server's directive, the others related
		key = rule + "\x00" + p
	}
	g := sc.groups[key]
	if g != nil {
		sc.relateSite(g, rng)
	}
	if g == nil {
		if r := rules.Lookup(rule); r != nil && sev == defaultSeverity {
			sev = r.Severity
		}
		g = &group{rule: rule, severity: sev, rng: rng, path: p, url: req.URL(), method: req.Method, message: msg}
		g.related = []rules.Related{{Range: sc.site.Range, Message: sc.site.Name}}
		g.req, g.dec, g.site = req, sc.cur, sc.site.Range
		if sc.cur != nil && sc.cur.Cause != nil {
			g.kind = sc.cur.Cause.Kind
			if sc.cur.Masked != nil {
				g.kind = sc.cur.Masked.Kind
			}
		}
		g.dirURL = isDirURL(req.Path)
		sc.groups[key] = g
		sc.order = append(sc.order, key)
	} else if g.dirURL && !isDirURL(req.Path) && !sc.probing {
		g.url, g.method, g.dirURL = req.URL(), req.Method, false
		g.req, g.dec = req, sc.cur
	}
	g.counted = !sc.probing || g.count == 0
	if g.counted {
		g.count++
		if len(g.refused) < maxRefused && g.site == sc.site.Range {
			g.refused = append(g.refused, req.Path)
		}
	}
	sc.added = true
	sc.linked(g)
	return g
}

// relateSite adds the current site, and rng when it is not the finding's
// own directive, to the related locations of g, once.
func (sc *scanner) relateSite(g *group, rng parser.Range) {
	add := func(r rules.Related) {
		for _, o := range g.related {
			if o.Range == r.Range {
				return
			}
		}
		g.related = append(g.related, r)
	}
	add(rules.Related{Range: sc.site.Range, Message: sc.site.Name})
	if rng != g.rng {
		add(rules.Related{Range: rng, Message: "the same cause under " + sc.site.Name})
	}
}

// isDirURL reports whether p names a directory below the site's home.
func isDirURL(p string) bool { return p != "/" && strings.HasSuffix(p, "/") }

// errorPageFor returns the error page of the current site whose page is
// the file p, if any. The pages are mapped to files once per site, by
// simulating a request for each.
func (sc *scanner) errorPageFor(p string) *simulate.ErrorPage {
	if sc.errorPages == nil {
		sc.errorPages = map[string]*simulate.ErrorPage{}
		for i := range sc.site.ErrorPages {
			page := &sc.site.ErrorPages[i]
			_, d := sc.request(page.URI)
			if d.Path != "" && sc.errorPages[d.Path] == nil {
				sc.errorPages[d.Path] = page
			}
		}
	}
	return sc.errorPages[p]
}

func codes(cs []int) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = fmt.Sprint(c)
	}
	return strings.Join(parts, ", ")
}

func (sc *scanner) findings() []rules.Finding {
	out := make([]rules.Finding, 0, len(sc.order))
	for _, k := range sc.order {
		g := sc.groups[k]
		msg := g.message(g.count)
		switch {
		case g.masked == g.count && g.count > 0 && g.backend != "":
			msg += fmt.Sprintf(" (they go to %s instead, as if they did not exist: %s skips what the worker cannot stat)", g.backend, g.maskedBy)
		case g.masked > 0 && g.backend != "":
			msg += fmt.Sprintf(" (%d answer 403; %d go to %s instead, because %s skips what the worker cannot stat)", g.count-g.masked, g.masked, g.backend, g.maskedBy)
		case g.masked == g.count && g.count > 0:
			msg += fmt.Sprintf(" (they answer %d instead: %s skips what the worker cannot stat)", g.status, g.maskedBy)
		case g.masked > 0:
			msg += fmt.Sprintf(" (%d answer 403; %d answer %d instead, because %s skips what the worker cannot stat)", g.count-g.masked, g.masked, g.status, g.maskedBy)
		}
		out = append(out, rules.Finding{
			Rule: g.rule, Severity: g.severity, Message: msg, Range: g.rng,
			Path: g.path, URL: g.url, Method: g.method, Count: g.count, Related: g.related,
			Fixes: g.fixes,
		})
	}
	rules.Sort(out)
	return out
}

// errText is the system's reason without the path (which may carry the
// --root prefix).
func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// defaultSeverity asks add for the rule's own severity.
const defaultSeverity rules.Severity = -1

// plural is rules.Plural, under the short name the messages of this
// package use.
var plural = rules.Plural
