package nginx

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/unforbid/unforbid/parser"
	conf "github.com/unforbid/unforbid/parser/nginx"
	"github.com/unforbid/unforbid/rules"
	"github.com/unforbid/unforbid/rules/simulate"
)

// Rule IDs of the configuration's own causes.
const (
	RuleAccessShadowed = "nginx/access-rule-shadowed"
	RuleSiteRefusesAll = "nginx/site-refuses-all"
	RuleAliasSlash     = "nginx/alias-slash"
)

// covers reports whether every client rule b matches is matched by a:
// "all" covers everything, "unix:" covers "unix:", and a network covers
// the networks of its own address clientFamily it contains.
func covers(a, b *AccessRule) bool {
	switch {
	case a.All:
		return true
	case b.All:
		return false
	case a.Unix || b.Unix:
		return a.Unix && b.Unix
	case a.Net == nil || b.Net == nil || a.V6 != b.V6:
		return false
	}
	ao, _ := a.Net.Mask.Size()
	bo, _ := b.Net.Mask.Size()
	return ao <= bo && a.Net.Contains(b.Net.IP)
}

// admitsSomeone reports whether an allow rule of list can match: one that
// no earlier rule covers. An empty list admits everyone.
func admitsSomeone(list []AccessRule) bool {
	if len(list) == 0 {
		return true
	}
	for j := range list {
		if !list[j].Allow {
			continue
		}
		shadowed := false
		for i := 0; i < j && !shadowed; i++ {
			shadowed = covers(&list[i], &list[j])
		}
		if !shadowed {
			return true
		}
	}
	return false
}

// clientFamily is an address family of clients: what part of the access list
// nginx checks them against.
type clientFamily int

const (
	famV4 clientFamily = iota
	famV6
	famUnix
)

// appliesTo reports whether rule a is in the list nginx checks clients of
// family f against.
func (a *AccessRule) appliesTo(f clientFamily) bool {
	switch {
	case a.All:
		return true
	case f == famUnix:
		return a.Unix
	case a.Net != nil:
		return a.V6 == (f == famV6)
	}
	return false
}

// whole reports whether a matches every client of clientFamily f.
func (a *AccessRule) whole(f clientFamily) bool {
	if a.All || f == famUnix && a.Unix {
		return true
	}
	if a.Net == nil || !a.appliesTo(f) {
		return false
	}
	ones, _ := a.Net.Mask.Size()
	return ones == 0
}

// refusesEveryone reports whether list refuses every client of the
// families fams: for each, a deny that matches the whole clientFamily comes
// before any allow that could match.
func refusesEveryone(list []AccessRule, fams []clientFamily) bool {
	for _, f := range fams {
		refused := false
		for i := range list {
			a := &list[i]
			if !a.appliesTo(f) {
				continue
			}
			if a.Allow {
				return false
			}
			if a.whole(f) {
				refused = true
				break
			}
		}
		if !refused {
			return false
		}
	}
	return true
}

// Lint returns the access rules an earlier rule of the same block always
// shadows, and the sites that refuse every request.
func (s *Simulator) Lint() []simulate.ConfigFinding {
	var out []simulate.ConfigFinding
	for _, srv := range s.Model.Servers {
		if f, ok := s.refusesAll(srv); ok {
			out = append(out, f)
		}
	}
	url := ""
	for _, site := range s.Sites() {
		if site.Host != "" {
			url = siteURL(site.Host, site.Port, "/")
			break
		}
	}
	var walk func(block []*conf.Directive, srv *conf.Directive)
	walk = func(block []*conf.Directive, srv *conf.Directive) {
		out = append(out, s.shadowed(block, srv, url)...)
		for _, d := range block {
			if d.IsBlock() {
				inner := srv
				if d.Name == "server" {
					inner = d
				}
				walk(d.Block, inner)
			}
		}
	}
	walk(s.Model.Config.Dirs, nil)
	return out
}

// shadowed reports the allow and deny rules of one block that an earlier
// rule of the block always matches first.
func (s *Simulator) shadowed(block []*conf.Directive, srv *conf.Directive, url string) []simulate.ConfigFinding {
	var list []AccessRule
	for _, d := range block {
		if (d.Name == "allow" || d.Name == "deny") && len(d.Args) == 1 {
			if a, err := parseAccess(d); err == nil {
				list = append(list, a)
			}
		}
	}
	var out []simulate.ConfigFinding
	for j := 1; j < len(list); j++ {
		for i := 0; i < j; i++ {
			if !covers(&list[i], &list[j]) {
				continue
			}
			early, late := list[i].Dir, list[j].Dir
			f := simulate.ConfigFinding{
				Rule: RuleAccessShadowed, Kind: simulate.KindRuleShadowed, Range: late.Range,
				URL:      url,
				Harmless: list[i].Allow == list[j].Allow,
				Related:  []simulate.Related{{Range: early.Range, Message: "the earlier rule that matches first"}},
			}
			what := "refuses"
			if list[i].Allow {
				what = "admits"
			}
			f.Message = fmt.Sprintf("%s %s never applies: %s %s before it already matches every client it names (nginx takes the first matching rule), so it %s them",
				late.Name, late.Args[0], early.Name, early.Args[0], what)
			if srv != nil {
				f.Site = srv.Range
				if site := s.siteOf(srv); site.Host != "" {
					f.SiteName, f.URL = site.Name, siteURL(site.Host, site.Port, "/")
				}
			}
			out = append(out, f)
			break
		}
	}
	return out
}

func (s *Simulator) siteOf(d *conf.Directive) simulate.Site {
	for _, srv := range s.Model.Servers {
		if srv.Dir == d {
			return s.site(srv)
		}
	}
	return simulate.Site{}
}

func siteURL(host string, port int, p string) string {
	return simulate.Request{Scheme: "http", Host: host, Port: port, Path: p}.URL()
}

// refusesAll reports a server that answers 403 to every request from
// every client address: each level a request can end in (every location
// but named and internal ones, and the server level when some URI matches
// no location) refuses every client by its allow/deny rules, with nothing
// that could answer before the access phase (return, rewrite) or after it
// (an error_page for 403), and no satisfy any with a login. A catch-all
// server without a name next to named servers on its port refuses unknown
// hosts on purpose and is not reported. Real requests for "/" from an
// IPv4 and an IPv6 client confirm it.
func (s *Simulator) refusesAll(srv *Server) (simulate.ConfigFinding, bool) {
	var none simulate.ConfigFinding
	if s.catchAll(srv) {
		return none, false
	}
	for _, d := range srv.Rewrites {
		if d.Name != "set" {
			return none, false
		}
	}
	fams := families(srv)
	if len(fams) == 0 {
		return none, false
	}
	refuses := func(c *LocConf, rewrites []*conf.Directive) bool {
		for _, d := range rewrites {
			if d.Name != "set" {
				return false
			}
		}
		if c.LimitExcept != nil || c.SatisfyAny && (c.AuthBasic != "" || c.AuthRequest != "") {
			return false
		}
		for _, p := range c.ErrorPages {
			for _, code := range p.Codes {
				if code == 403 {
					return false
				}
			}
		}
		return refusesEveryone(c.Access, fams)
	}
	rootLoc := false
	for _, l := range srv.Prefix {
		if l.Name == "/" && (l.Mod == "" || l.Mod == "^~") {
			rootLoc = true
		}
	}
	if !rootLoc && !refuses(srv.Conf, nil) {
		return none, false
	}
	for _, l := range srv.Locations {
		if l.Mod == "@" || l.Conf.Internal {
			continue
		}
		if !refuses(l.Conf, l.Rewrites) {
			return none, false
		}
	}
	site := s.site(srv)
	if site.Host == "" {
		return none, false
	}
	var cause *simulate.Cause
	for _, f := range fams {
		client := map[clientFamily]string{famV4: "203.0.113.7", famV6: "2001:db8::7"}[f]
		if client == "" {
			continue
		}
		d := s.Simulate(simulate.Request{Method: "GET", Scheme: "http", Host: site.Host, Port: site.Port, Path: "/", ClientIP: client, ServerIP: site.ServerIP})
		if d.Status != 403 || d.Unsure != "" || d.Cause == nil || d.Cause.Kind != simulate.KindDenyRule && d.Cause.Kind != simulate.KindDenyOvermatch {
			return none, false
		}
		cause = d.Cause
	}
	if cause == nil {
		return none, false
	}
	name := site.Host
	if strings.HasSuffix(name, ".invalid") {
		name = site.Name
	}
	return simulate.ConfigFinding{
		Rule: RuleSiteRefusesAll, Kind: simulate.KindSiteRefusesAll, Range: cause.Range,
		Site: srv.Dir.Range, SiteName: site.Name, URL: siteURL(site.Host, site.Port, "/"),
		Message: fmt.Sprintf("%s refuses every request: its allow/deny rules admit no client address at any location", name),
		Related: []simulate.Related{{Range: srv.Dir.Range, Message: site.Name}},
	}, true
}

// catchAll reports whether srv has no name of its own while a named server
// listens on one of its ports: it is there to refuse unknown hosts.
func (s *Simulator) catchAll(srv *Server) bool {
	for _, n := range srv.Names {
		if n != "" && n != "_" {
			return false
		}
	}
	for _, other := range s.Model.Servers {
		if other == srv {
			continue
		}
		for _, l := range srv.Listens {
			for _, ol := range other.Listens {
				if l.Port == ol.Port && l.Unix == ol.Unix {
					return true
				}
			}
		}
	}
	return false
}

// families lists the address families of the clients srv can take.
func families(srv *Server) []clientFamily {
	seen := map[clientFamily]bool{}
	var out []clientFamily
	add := func(f clientFamily) {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	for _, l := range srv.Listens {
		switch {
		case l.Unix:
			add(famUnix)
		case l.IPv6:
			add(famV6)
			if l.DualStack {
				add(famV4)
			}
		default:
			add(famV4)
		}
	}
	return out
}

// unconditional reports whether the rewrite directive d stands directly in
// the current location (or server) rather than inside an if block.
func (r *run) unconditional(d *conf.Directive) bool {
	if r.loc == nil {
		return false // a server-level return 403 is a catch-all's answer
	}
	for _, x := range r.loc.Rewrites {
		if x == d {
			return true
		}
	}
	return false
}

// Comment returns the comment on the line of the directive at rng (after
// it), or the comment line just above it.
func (s *Simulator) Comment(rng parser.Range) string {
	f := s.Model.Config.File(rng.File)
	if f == nil || rng.Start.Line <= 0 {
		return ""
	}
	lines := strings.Split(string(f.Src), "\n")
	if rng.Start.Line > len(lines) {
		return ""
	}
	line := lines[rng.Start.Line-1]
	if c := withoutWant(trailingComment(line)); c != "" {
		return c
	}
	if rng.Start.Line >= 2 {
		above := strings.TrimSpace(lines[rng.Start.Line-2])
		if strings.HasPrefix(above, "#") {
			return withoutWant(strings.TrimSpace(strings.TrimLeft(above, "#")))
		}
	}
	return ""
}

// withoutWant drops the `want "rule"` annotation of unforbid's own test
// trees from a comment: it says what the test expects, not what the
// directive was meant for.
func withoutWant(c string) string {
	if loc := wantAnnotation.FindStringIndex(c); loc != nil {
		c = strings.TrimRight(strings.TrimSpace(c[:loc[0]]), "#")
	}
	return strings.TrimSpace(c)
}

// wantAnnotation is a test tree's `want "rule" ...` at the end of a comment.
var wantAnnotation = regexp.MustCompile(`(?:^|[\s#])want(?:\s+"[^"]+")+\s*$`)

// trailingComment returns the text after the first '#' of line outside
// quotes, when something stands before it.
func trailingComment(line string) string {
	var quote byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\\':
			i++
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '#':
			if strings.TrimSpace(line[:i]) == "" {
				return ""
			}
			return strings.TrimSpace(strings.TrimLeft(line[i:], "#"))
		}
	}
	return ""
}

// aliasSlash names the alias as the cause of a 403 or 404 when it lacks
// the trailing slash of its location's name: "location /static/ { alias
// /srv/assets; }" maps /static/x to /srv/assetsx and looks for
// /srv/assetsindex.html. Refusals of another cause (a deny, a
// permission) keep theirs.
func (r *run) aliasSlash() {
	c := r.conf
	if r.d.Status != 403 && r.d.Status != 404 || c == nil || !c.Alias || c.AliasPrefix <= 0 || r.loc == nil {
		return
	}
	if !strings.HasSuffix(r.loc.Name, "/") || strings.HasSuffix(c.Root, "/") || c.AliasPrefix != len(r.loc.Name) {
		return
	}
	if cause := r.d.Cause; cause != nil && cause.Rule != "" && cause.Rule != RuleIndexMissing {
		return
	}
	reason := fmt.Sprintf("location %s maps %q to %q: the alias lacks the trailing slash", r.loc, r.uri, r.mapped())
	r.step("content", c.RootDir, "%s", reason)
	r.d.Cause = &simulate.Cause{Rule: RuleAliasSlash, Kind: simulate.KindAliasSlash, Range: Pos(c.RootDir), Reason: reason}
}

// mapped is the path r.uri maps to, or "?" when it cannot be expanded.
func (r *run) mapped() string {
	p, _, err := r.mapURI(r.uri)
	if err != nil {
		return "?"
	}
	return p
}

// comment is the admin's comment on the directive d (its line or the line
// above), else on the current location's.
func (r *run) comment(d *conf.Directive) string {
	if d != nil {
		if c := r.s.Comment(d.Range); c != "" {
			return c
		}
	}
	if r.loc != nil {
		return r.s.Comment(r.loc.Dir.Range)
	}
	return ""
}

// namesDirectory reports whether the current location names the
// directory of r.uri: a prefix location other than "/", or a regex that
// matches the directory's URL. /.well-known/ is a public directory: a
// pattern that matches it by its leading dot names no directory.
func (r *run) namesDirectory() bool {
	l := r.loc
	if l == nil || rules.IsWellKnown(r.uri) {
		return false
	}
	switch l.Mod {
	case "", "^~", "=":
		return l.Name != "/" && strings.HasSuffix(l.Name, "/")
	case "~", "~*":
		dir := path.Dir(r.uri)
		if dir == "/" {
			return false
		}
		return l.Re != nil && l.Re.MatchString(dir+"/")
	}
	return false
}
