package apache

import (
	"fmt"
	"net"
	"path"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/unforbid/unforbid/parser"
	conf "github.com/unforbid/unforbid/parser/apache"
	"github.com/unforbid/unforbid/rules/simulate"
)

// RuleSiteRefusesAll: a virtual host answers 403 to every request.
const RuleSiteRefusesAll = "apache/site-refuses-all"

// admitsSomeone reports whether some client may be granted by a: an
// allowlist (Require ip, local) rather than a deny that admits no one
// (Require all denied). Negated requirements never grant by themselves.
func (a *authz) admitsSomeone() bool {
	if a.negate {
		return false
	}
	switch a.provider {
	case "all":
		return a.granted
	case "ip", "local":
		return true
	}
	switch a.op {
	case opAll:
		some := false
		for _, k := range a.kids {
			if k.negate {
				continue
			}
			if !k.admitsSomeone() {
				return false
			}
			some = true
		}
		return some
	default:
		for _, k := range a.kids {
			if k.admitsSomeone() {
				return true
			}
		}
		return false
	}
}

// effective returns the merged per-directory configuration of dir, as the
// directory walk builds it, and the <Directory> whose Require lines apply
// (nil when none); ok is false when something on the way is not
// modelled, or .htaccess files may change it. The caller gives p back
// (release) once it reads it no more.
func (s *Simulator) effective(scopes []*scope, dir string) (*perDir, *conf.Directive, bool) {
	for _, sc := range scopes {
		if sc.unsure != "" {
			return nil, nil, false
		}
	}
	p, why := s.bases.base(scopes, "")
	if why != "" {
		return nil, nil, false
	}
	var src *conf.Directive
	cur := "/"
	comps := strings.Split(strings.Trim(path.Clean(dir), "/"), "/")
	for i := -1; i < len(comps); i++ {
		if i >= 0 {
			if comps[i] == "" {
				continue
			}
			cur = joinComp(cur, comps[i])
		}
		for _, sc := range scopes {
			for i, d := range sc.dirs {
				if !isCanonOf(sc.dirCanon[i], cur) {
					continue
				}
				before := p.authz
				if p.apply(d.Block) != "" {
					return nil, nil, false
				}
				if p.authz != before {
					src = d
				}
			}
		}
		if !strings.EqualFold(p.override, "None") {
			return nil, nil, false
		}
	}
	return p, src, true
}

// shareMainEffects turns on Lint's sharing of the main server's answers
// (mainEffects); tests turn it off to compare.
var shareMainEffects = true

// effect is what Lint reads of effective's answer for a directory: the
// Require lines in force and their range, the <Directory> they come
// from, and whether the answer holds.
type effect struct {
	authz    *authz
	reqRange parser.Range
	src      *conf.Directive
	ok       bool
}

// effectOf is effective's answer for dir in scopes, as Lint reads it.
func (s *Simulator) effectOf(scopes []*scope, dir string) effect {
	p, src, ok := s.effective(scopes, dir)
	if !ok {
		return effect{}
	}
	e := effect{p.authz, p.reqRange, src, true}
	release(p)
	return e
}

// effects keeps effective's answers for directories in the main
// server's scope alone, by directory: Lint asks for the same targets
// (the main server's aliases) in every virtual host. It is safe for
// concurrent use.
type effects struct {
	mu sync.Mutex
	m  map[string]effect
}

// of is effectOf([]*scope{main}, dir), kept.
func (c *effects) of(s *Simulator, main *scope, dir string) effect {
	c.mu.Lock()
	e, ok := c.m[dir]
	c.mu.Unlock()
	if ok {
		return e
	}
	e = s.effectOf([]*scope{main}, dir)
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]effect{}
	}
	c.m[dir] = e
	c.mu.Unlock()
	return e
}

// mainAlone reports whether effective answers for dir in the scopes of
// the main server and the virtual host whose scope is v what it answers
// in the main server's alone, as Lint reads it (effect): v is sure, its
// lines outside sections change nothing of it (filesOnly), and none of
// its <Directory> sections applies on the way to dir (effective merges
// those of v after the main server's at each step).
func mainAlone(v *scope, dir string) bool {
	if v.unsure != "" || !filesOnly(v) {
		return false
	}
	if len(v.dirs) == 0 {
		return true
	}
	c := path.Clean(dir)
	if c == "" || c[0] != '/' {
		return noDirOnWay(v, dir)
	}
	// the steps of effective's walk of an absolute clean path are "/"
	// and c up to each slash and whole: <Directory> pd (canonDir's,
	// with one trailing slash) applies at one of them when it is "/" or
	// c up to a slash or whole, plus the slash
	for _, pd := range v.dirCanon {
		if pd == "/" || strings.HasPrefix(c, pd[:len(pd)-1]) && (len(c) == len(pd)-1 || c[len(pd)-1] == '/') {
			return false
		}
	}
	return true
}

// noDirOnWay reports whether none of the <Directory> sections of v
// applies at a step of effective's walk of dir (mainAlone's for any
// dir).
func noDirOnWay(v *scope, dir string) bool {
	applies := func(cur string) bool {
		for j := range v.dirs {
			if isCanonOf(v.dirCanon[j], cur) {
				return true
			}
		}
		return false
	}
	// the steps of effective's walk: "/", then each component
	cur := "/"
	if applies(cur) {
		return false
	}
	for _, c := range strings.Split(strings.Trim(path.Clean(dir), "/"), "/") {
		if c == "" {
			continue
		}
		if cur = joinComp(cur, c); applies(cur) {
			return false
		}
	}
	return true
}

// filesOnly reports whether the lines of v outside sections change
// nothing of an effect when base merges them: there are none that may
// change the per-directory configuration (base skips them), or they
// are <Files> and <FilesMatch> sections (which perDir.apply only
// appends to acc.files, read after the walk) and lines that change
// nothing (harmless).
func filesOnly(v *scope) bool {
	if !v.perDirLines {
		return true
	}
	for _, d := range v.plain {
		switch {
		case d.Comment:
		case d.Section && (d.Is("Files") || d.Is("FilesMatch")):
		case !d.Section && harmless[strings.ToLower(d.Name)]:
		default:
			return false
		}
	}
	return true
}

// grantsBelow reports whether a <Directory> strictly below dir holds a
// Require line: part of the tree may then be served.
func grantsBelow(scopes []*scope, dir string) bool {
	for _, sc := range scopes {
		for _, d := range sc.dirs {
			if strings.HasPrefix(canonDir(d.Args[0]), canonDir(dir)) && canonDir(d.Args[0]) != canonDir(dir) {
				found := false
				conf.Walk(d.Block, func(c *conf.Directive) bool {
					found = found || c.Is("Require") || c.Is("Allow") || c.Is("Satisfy")
					return true
				})
				if found {
					return true
				}
			}
		}
	}
	return false
}

// sectionsMay reports whether an unmodelled <Location>, <Files> or <If>
// of the scopes may apply to url: it may grant what <Directory> refuses.
func sectionsMay(scopes []*scope, url string) bool {
	for _, sc := range scopes {
		for _, o := range sc.others {
			if !o.Section {
				continue
			}
			if o.Is("Files") || o.Is("FilesMatch") {
				if mayChange(o, url+"index.html") != "" {
					return true
				}
				continue
			}
			if mayChange(o, url) != "" {
				return true
			}
		}
	}
	return false
}

// Lint reports what the configuration shows alone: every DocumentRoot or
// Alias target that no <Directory> grants, so that Debian's default
// <Directory /> Require all denied refuses it (once per directive), and
// every virtual host whose every tree a Require refuses to every client.
//
// The virtual hosts are judged on every core (each one's findings
// alone), then gathered in their order, a finding of a directive met
// before left out.
func (s *Simulator) Lint() []simulate.ConfigFinding {
	var out []simulate.ConfigFinding
	seen := map[parser.Range]bool{}
	// the targets of the main server's aliases, the same in every
	// virtual host that changes nothing on their way (mainAlone)
	var mainEffects effects
	// lintOut is a finding of one site; once is set for those reported
	// once per directive (Range).
	type lintOut struct {
		f    simulate.ConfigFinding
		once bool
	}
	gather := func(fs []lintOut) {
		for _, o := range fs {
			if o.once {
				if seen[o.f.Range] {
					continue
				}
				seen[o.f.Range] = true
			}
			out = append(out, o.f)
		}
	}
	type target struct {
		dir, url, directive string
		rng                 parser.Range
	}
	lintSite := func(scopes []*scope, site parser.Range, name string, host string, port int, ip string) []lintOut {
		var out []lintOut
		var targets []target
		docRoot, docRange := "", parser.Range{}
		for _, sc := range scopes {
			if sc.docRoot != "" {
				docRoot, docRange = sc.docRoot, sc.docRange
			}
		}
		if docRoot != "" {
			targets = append(targets, target{docRoot, "/", "DocumentRoot", docRange})
		}
		for i := len(scopes) - 1; i >= 0; i-- {
			for _, a := range scopes[i].aliases {
				u := a.Args[0]
				if !strings.HasSuffix(u, "/") {
					u += "/"
				}
				targets = append(targets, target{path.Clean(a.Args[1]), u, "Alias " + a.Args[0], a.Range})
			}
		}
		base := fmt.Sprintf("http://%s", host)
		if port != 80 {
			base = fmt.Sprintf("http://%s", net.JoinHostPort(host, fmt.Sprint(port)))
		}
		refusedAll := len(targets) > 0
		var deny parser.Range
		for _, t := range targets {
			var e effect
			if shareMainEffects && len(scopes) == 2 && mainAlone(scopes[1], t.dir) {
				e = mainEffects.of(s, scopes[0], t.dir)
			} else {
				e = s.effectOf(scopes, t.dir)
			}
			pa, reqRange, src, ok := e.authz, e.reqRange, e.src, e.ok
			if !ok || sectionsMay(scopes, t.url) || pa == nil || pa.admitsSomeone() {
				refusedAll = false
				continue
			}
			if src != nil && canonDir(src.Args[0]) == "/" {
				refusedAll = false
				out = append(out, lintOut{simulate.ConfigFinding{Rule: RuleNotGranted, Kind: simulate.KindDenyOvermatch, Range: t.rng,
					Site: site, SiteName: name, URL: base + t.url,
					Message: fmt.Sprintf("%s %s: no <Directory> grants it, so <Directory /> refuses every request for %s to every client (AH01630: client denied by server configuration)", t.directive, t.dir, t.url),
					Related: []simulate.Related{{Range: reqRange, Message: "the default deny of <Directory />"}}}, true})
				continue
			}
			if grantsBelow(scopes, t.dir) {
				refusedAll = false
				continue
			}
			if deny.IsZero() {
				deny = reqRange
			}
		}
		if refusedAll && !deny.IsZero() && !site.IsZero() {
			out = append(out, lintOut{simulate.ConfigFinding{Rule: RuleSiteRefusesAll, Kind: simulate.KindSiteRefusesAll, Range: deny,
				Site: site, SiteName: name, URL: base + "/",
				Message: fmt.Sprintf("%s answers 403 to every request: its Require admits no client", name),
				Related: []simulate.Related{{Range: site, Message: name}}}, false})
		}
		return out
	}
	if host, port, ip, ok := s.address(nil); ok {
		gather(lintSite([]*scope{s.main}, parser.Range{}, "main server", host, port, ip))
	}
	lintVhost := func(v *vhost) []lintOut {
		host, port, ip, ok := s.address(v)
		if !ok {
			return nil
		}
		name := "<VirtualHost " + strings.Join(v.sec.Args, " ") + ">"
		if v.name != "" {
			name += " " + v.name
		}
		return lintSite([]*scope{s.main, v.scope}, v.sec.Range, name, host, port, ip)
	}
	workers := min(runtime.GOMAXPROCS(0), len(s.vhosts)/lintChunk)
	if workers < 2 {
		for _, v := range s.vhosts {
			gather(lintVhost(v))
		}
		return out
	}
	res := make([][]lintOut, len(s.vhosts))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(int64(lintChunk))) - lintChunk
				if i >= len(s.vhosts) {
					return
				}
				for j := i; j < min(i+lintChunk, len(s.vhosts)); j++ {
					res[j] = lintVhost(s.vhosts[j])
				}
			}
		}()
	}
	wg.Wait()
	for _, r := range res {
		gather(r)
	}
	return out
}

// lintChunk is how many virtual hosts a worker of Lint takes at a time;
// a configuration with fewer than two chunks is judged in one goroutine.
var lintChunk = 128
