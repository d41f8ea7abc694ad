package scan

import (
	"fmt"
	"strings"

	"github.com/unforbid/unforbid/fix"
	"github.com/unforbid/unforbid/parser"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules"
	"github.com/unforbid/unforbid/rules/simulate"
)

// FixOptions make a scan propose fixes.
type FixOptions struct {
	// Reload loads the same configuration again from another view of the
	// filesystem: the view a fix leaves (its config edits as new file
	// contents, its operations as new modes, owners and ACLs). Every fix
	// is simulated on it before it is offered. A server that reloads
	// itself (simulate.Reloader, simulate.Rebinder) is asked first.
	Reload func(fsys *fsmeta.FS) (simulate.Server, error)
	// Enough, when set, says whether the fixes found so far for a finding
	// of rule are all that is wanted (--apply takes one): the remaining
	// alternatives are then neither checked nor offered.
	Enough func(rule string, found []fix.Fix) bool
}

// Bounds of what a group keeps for its fixes, and of what checking a fix
// asks the simulator again.
const (
	maxRefused  = 16 // URL paths of a group, for its fixes and their check
	maxSamples  = 12 // served and refused-on-purpose requests per site
	maxRecheck  = 8  // refused paths simulated again per fix
	maxFixLinks = 6  // fix alternatives kept per finding
)

// siteSamples are requests of one site whose answers a fix must not
// change: some that serve, and some refused on purpose (secrets,
// allowlists).
type siteSamples struct {
	served, refused []sample
}

type sample struct {
	req    simulate.Request
	status int
}

// sample keeps req as one of its site's samples: a served one when d
// serves it, a refused one when d refuses it and the refusal was judged
// intended (no group took it).
func (sc *scanner) sample(req simulate.Request, d *simulate.Decision, intended bool) {
	if sc.opts.Fixes == nil || sc.probing || d.Unsure != "" || d.Varies != "" {
		return
	}
	if sc.samples == nil {
		sc.samples = map[parser.Range]*siteSamples{}
	}
	ss := sc.samples[sc.site.Range]
	if ss == nil {
		ss = &siteSamples{}
		sc.samples[sc.site.Range] = ss
	}
	s := sample{req: req, status: d.Status}
	switch {
	case d.Status >= 200 && d.Status < 400 && d.Backend == "":
		if len(ss.served) < maxSamples {
			ss.served = append(ss.served, s)
		}
	case (d.Status == 403 || d.Status == 401) && intended:
		if len(ss.refused) < maxSamples {
			ss.refused = append(ss.refused, s)
		}
	}
}

// repair finds the fixes of every group: the server's config repairs and
// the server-neutral filesystem ones, each kept only when simulating the
// server again on what it leaves shows that the refused requests are no
// longer refused for this cause, and that the site's samples answer as
// before (no intended refusal opens, nothing served breaks).
func (sc *scanner) repair() {
	rep, _ := sc.srv.(simulate.Repairer)
	for _, k := range sc.order {
		g := sc.groups[k]
		if g.severity == rules.Info {
			// what is judged deliberate or harmless (an allowlist, a
			// directory of assets without index, a return 403) is
			// reported, not repaired
			continue
		}
		p := g.problem()
		var cands []fix.Fix
		if rep != nil {
			cands = append(cands, rep.Repairs(p)...)
		}
		cands = append(cands, simulate.FSRepairs(sc.srv, p)...)
		for _, fx := range cands {
			if len(g.fixes) >= maxFixLinks || sc.opts.Fixes.Enough != nil && sc.opts.Fixes.Enough(g.rule, g.fixes) {
				break
			}
			if err := sc.checkFix(g, fx); err != nil {
				if len(sc.stats.Rejected) < maxSkipped {
					sc.stats.Rejected = append(sc.stats.Rejected, RejectedFix{Rule: g.rule, Range: g.rng, Fix: fx, Why: err.Error()})
				}
				continue
			}
			g.fixes = append(g.fixes, fx)
		}
		sortFixes(g.fixes)
	}
}

// RejectedFix is a fix that failed its check and was not offered.
type RejectedFix struct {
	Rule  string
	Range parser.Range
	Fix   fix.Fix
	Why   string
}

// sortFixes puts safe fixes first, keeping the order of each class.
func sortFixes(fs []fix.Fix) {
	var safe, review []fix.Fix
	for _, f := range fs {
		if f.Class == fix.Safe {
			safe = append(safe, f)
		} else {
			review = append(review, f)
		}
	}
	copy(fs, append(safe, review...))
}

// problem is what a repair of g starts from.
func (g *group) problem() simulate.Problem {
	p := simulate.Problem{Rule: g.rule, Kind: g.kind, Range: g.rng, Path: g.path, Refused: g.refused, Related: g.causeRelated}
	if g.dec != nil {
		p.Request, p.Decision = g.req, g.dec
	}
	if p.Related == nil {
		for _, r := range g.related {
			p.Related = append(p.Related, simulate.Related{Range: r.Range, Message: r.Message})
		}
	}
	return p
}

// checkFix simulates the server again on the view fx leaves, and says why
// fx must not be offered, or nil.
func (sc *scanner) checkFix(g *group, fx fix.Fix) error {
	if len(fx.Edits) == 0 && len(fx.Ops) == 0 {
		return fmt.Errorf("it changes nothing")
	}
	for _, op := range fx.Ops {
		if op.Kind == fix.OpRestore {
			return nil // a label change unforbid cannot simulate: offered as a command
		}
	}
	view, err := sc.viewAfter(fx)
	if err != nil {
		return err
	}
	var srv simulate.Server
	rb, rebinds := sc.srv.(simulate.Rebinder)
	rl, reloads := sc.srv.(simulate.Reloader)
	switch {
	case rebinds && len(fx.Edits) == 0:
		srv, err = rb.OnView(view) // no config file changes: no parse
	case reloads && len(fx.Edits) > 0:
		srv, err = rl.Reload(view) // only the edited files are parsed
	default:
		srv, err = sc.opts.Fixes.Reload(view)
	}
	if err != nil {
		return fmt.Errorf("the config it leaves does not load: %v", firstLine(err.Error()))
	}
	if g.dec == nil {
		// a finding of the config alone: the server must no longer show it
		for _, f := range srv.Lint() {
			if f.Rule == g.rule && f.Kind == g.kind && f.Site.File == g.site.File && sameSpot(f.Range, g.rng, fx) {
				return fmt.Errorf("the server still shows it")
			}
		}
	} else {
		paths := g.refused
		if len(paths) == 0 {
			paths = []string{g.req.Path}
		}
		if len(paths) > maxRecheck {
			paths = paths[:maxRecheck]
		}
		opened := 0
		var still error
		for _, p := range paths {
			req := g.req
			req.Path, req.RawPath, req.EscapedPath, req.RequestURI = p, "", "", ""
			if d := srv.Simulate(req); !sc.stillRefused(g, d) {
				opened++
			} else if still == nil {
				still = fmt.Errorf("%s still answers %d", p, d.Status)
			}
		}
		// A carve-out opens the well-known files an overmatching deny
		// refuses and leaves the rest of what it refuses for review.
		if still != nil && (g.kind != simulate.KindDenyOvermatch || opened == 0) {
			return still
		}
	}
	ss := sc.samples[g.site]
	if ss == nil {
		return nil
	}
	for _, s := range ss.refused {
		if d := srv.Simulate(s.req); d.Unsure == "" && (d.Status < 400 || d.Backend != "") {
			return fmt.Errorf("it opens %s, refused on purpose before (it answers %d)", s.req.Path, d.Status)
		}
	}
	for _, s := range ss.served {
		if d := srv.Simulate(s.req); d.Unsure == "" && d.Status >= 400 {
			return fmt.Errorf("it breaks %s, served before (it answers %d)", s.req.Path, d.Status)
		}
	}
	return nil
}

// sameSpot reports whether the range r of a finding on the view a fix
// leaves is the range was of the finding it repairs: the same, or the
// same once the fix's edits before it are counted.
func sameSpot(r, was parser.Range, fx fix.Fix) bool {
	if r.File != was.File {
		return false
	}
	shift := 0
	for _, e := range fx.Edits {
		if e.File == was.File && e.End <= was.Start.Offset {
			shift += len(e.New) - (e.End - e.Start)
		}
	}
	return r.Start.Offset == was.Start.Offset+shift
}

// stillRefused reports whether d refuses the request for the cause of g.
func (sc *scanner) stillRefused(g *group, d *simulate.Decision) bool {
	if d.Unsure != "" {
		return true // not shown to serve
	}
	c := d.Cause
	if d.Masked != nil {
		c = d.Masked
	}
	if c == nil {
		return false
	}
	if c.Kind == g.kind && c.Path == g.path && g.path != "" {
		return true
	}
	switch g.kind {
	case simulate.KindUnreadableFile, simulate.KindUnreadableDir, simulate.KindNoSearch:
		// another file or directory is the next cause: the next round's
		// fix repairs it
		return c.Kind == g.kind && c.Path == g.path
	}
	// A refusal of another kind (the index a directory lacks once the
	// alias has its slash) is another finding, not this one.
	return c.Kind == g.kind && (d.Status == 403 || d.Status == 404 || d.Status == 500)
}

// viewAfter returns the filesystem view fx leaves.
func (sc *scanner) viewAfter(fx fix.Fix) (*fsmeta.FS, error) {
	return ViewAfter(sc.fsys, fx.Edits, fx.Ops)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// ViewAfter returns the view of fsys that config edits and filesystem
// operations leave: each edited file with its new text, each operation's
// new mode, owner, ACL or file. Nothing on disk changes.
func ViewAfter(fsys *fsmeta.FS, edits []fix.Edit, ops []fix.Op) (*fsmeta.FS, error) {
	byFile := map[string][]fix.Edit{}
	var files []string
	for _, e := range edits {
		if byFile[e.File] == nil {
			files = append(files, e.File)
		}
		byFile[e.File] = append(byFile[e.File], e)
	}
	texts := map[string][]byte{}
	for _, file := range files {
		src, err := fsys.ReadFile(file)
		if err != nil {
			return nil, err
		}
		b, err := fix.ApplyEdits(file, src, byFile[file])
		if err != nil {
			return nil, err
		}
		texts[file] = b
	}
	return ViewWith(fsys, texts, ops)
}

// ViewWith returns the view of fsys in which the files of texts hold their
// new text and the operations ops are done.
func ViewWith(fsys *fsmeta.FS, texts map[string][]byte, ops []fix.Op) (*fsmeta.FS, error) {
	ch, err := simulate.OpChanges(fsys, ops)
	if err != nil {
		return nil, err
	}
	for file, b := range texts {
		if ch.Files == nil {
			ch.Files = map[string]fsmeta.FileContent{}
		}
		ch.Files[file] = fsmeta.FileContent{Data: b}
	}
	return fsys.With(ch), nil
}
