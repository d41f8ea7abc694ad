package nginx

import (
	"fmt"
	"net"
	"net/netip"
	"path"
	"sort"
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
// the earlier rules together do not cover. An empty list admits everyone.
func admitsSomeone(list []AccessRule) bool {
	if len(list) == 0 {
		return true
	}
	x := newAccessIndex(list)
	for j := range list {
		if list[j].Allow && x.shadowers(&list[j]) == nil {
			return true
		}
		x.add()
	}
	return false
}

// privateNets are the networks of no client on the internet: loopback,
// RFC 1918, shared address space, link-local and unique local addresses.
var privateNets = func() []*net.IPNet {
	var out []*net.IPNet
	for _, s := range []string{"127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16", "::1/128", "fc00::/7", "fe80::/10"} {
		_, n, _ := net.ParseCIDR(s)
		out = append(out, n)
	}
	return out
}()

// admitsPublic reports whether some allow rule of list that no earlier
// rule shadows admits an address on the internet (not only private,
// loopback or link-local ones).
func admitsPublic(list []AccessRule) bool {
	if len(list) == 0 {
		return true
	}
	x := newAccessIndex(list)
	for j := range list {
		a := &list[j]
		if a.Allow && (a.All || a.Net != nil && !insidePrivate(a.Net)) && x.shadowers(a) == nil {
			return true
		}
		x.add()
	}
	return false
}

// insidePrivate reports whether the network n lies within one of the
// private networks.
func insidePrivate(n *net.IPNet) bool {
	ones, bits := n.Mask.Size()
	for _, p := range privateNets {
		pOnes, pBits := p.Mask.Size()
		ip := n.IP
		if pBits == 32 {
			ip = ip.To4()
		}
		if ip != nil && pBits == bits && pOnes <= ones && p.Contains(ip) {
			return true
		}
	}
	return false
}

// shadowers returns the rules of earlier that together match every client
// rule late matches, so that late never applies (nginx takes the first
// matching rule), or nil when some client late names reaches it. A single
// rule that covers late is returned alone; otherwise the earlier rules that
// overlap late and whose union contains it, in order. "all" is in the
// IPv4, the IPv6 and the unix-socket lists alike: it is shadowed only when
// each of them is covered.
func shadowers(earlier []AccessRule, late *AccessRule) []*AccessRule {
	x := newAccessIndex(earlier)
	for range earlier {
		x.add()
	}
	return x.shadowers(late)
}

// accessIndex holds the first rules of an access list so that the earlier
// rules covering or overlapping a later one are found without comparing
// every pair (allowlists of thousands of lines are generated from geo
// lists): address rules sit in a binary trie per family, at the node of
// their network, so the networks that contain a rule's network lie on its
// path and those inside it below its node.
type accessIndex struct {
	list      []AccessRule
	added     int          // list[:added] are indexed
	tries     [2]*trieNode // IPv4 and IPv6 networks (IPv4-mapped in IPv6)
	firstAll  int          // the first "all" rule, -1 when none
	firstUnix int          // the first "unix:" rule, -1 when none
	odd       []int        // address rules with no prefix, compared one by one
	scratch   []netip.Prefix
}

// trieNode is one network of an accessIndex trie: the rules whose network
// it is, in list order, and its two halves.
type trieNode struct {
	rules []int
	kids  [2]*trieNode
}

func newAccessIndex(list []AccessRule) *accessIndex {
	return &accessIndex{list: list, firstAll: -1, firstUnix: -1}
}

// add indexes the next rule of the list.
func (x *accessIndex) add() {
	i := x.added
	x.added++
	a := &x.list[i]
	switch {
	case a.All:
		if x.firstAll < 0 {
			x.firstAll = i
		}
	case a.Unix:
		if x.firstUnix < 0 {
			x.firstUnix = i
		}
	case a.Net != nil:
		p, ok := prefixOf(a)
		if !ok {
			x.odd = append(x.odd, i)
			return
		}
		n := x.node(p, true)
		n.rules = append(n.rules, i)
	}
}

// node returns the trie node of p, made when create is set (else nil when
// there is none).
func (x *accessIndex) node(p netip.Prefix, create bool) *trieNode {
	t := &x.tries[trieFamily(p)]
	if *t == nil {
		if !create {
			return nil
		}
		*t = &trieNode{}
	}
	n := *t
	for b := 0; b < p.Bits(); b++ {
		k := &n.kids[bitAt(p.Addr(), b)]
		if *k == nil {
			if !create {
				return nil
			}
			*k = &trieNode{}
		}
		n = *k
	}
	return n
}

func trieFamily(p netip.Prefix) int {
	if p.Addr().Is4() {
		return 0
	}
	return 1
}

// bitAt is bit b of addr, counted from the most significant.
func bitAt(addr netip.Addr, b int) int {
	if addr.Is4() {
		a := addr.As4()
		return int(a[b/8]>>(7-b%8)) & 1
	}
	a := addr.As16()
	return int(a[b/8]>>(7-b%8)) & 1
}

// ancestors calls f with the rules of each network that contains p (p's
// own included), from the widest.
func (x *accessIndex) ancestors(p netip.Prefix, f func(rules []int)) {
	n := x.tries[trieFamily(p)]
	for b := 0; n != nil; b++ {
		if len(n.rules) > 0 {
			f(n.rules)
		}
		if b == p.Bits() {
			return
		}
		n = n.kids[bitAt(p.Addr(), b)]
	}
}

// inside calls f with the rules of each network strictly inside p.
func (x *accessIndex) inside(p netip.Prefix, f func(rules []int)) {
	n := x.node(p, false)
	if n == nil {
		return
	}
	var walk func(n *trieNode)
	walk = func(n *trieNode) {
		for _, k := range n.kids {
			if k != nil {
				if len(k.rules) > 0 {
					f(k.rules)
				}
				walk(k)
			}
		}
	}
	walk(n)
}

// shadowers is shadowers(list[:added], late).
func (x *accessIndex) shadowers(late *AccessRule) []*AccessRule {
	if i := x.firstCover(late); i >= 0 {
		return []*AccessRule{&x.list[i]}
	}
	var parts []netip.Prefix
	switch {
	case late.All:
		if x.firstUnix < 0 {
			return nil
		}
		parts = []netip.Prefix{netip.PrefixFrom(netip.IPv4Unspecified(), 0), netip.PrefixFrom(netip.IPv6Unspecified(), 0)}
	case late.Unix:
		return nil // only "unix:" or "all" covers it, one rule alone
	default:
		p, ok := prefixOf(late)
		if !ok {
			return nil
		}
		parts = []netip.Prefix{p}
	}
	var idx []int
	for _, p := range parts {
		nets := x.scratch[:0]
		collect := func(rules []int) {
			q, _ := prefixOf(&x.list[rules[0]])
			for _, i := range rules {
				nets = append(nets, q)
				idx = append(idx, i)
			}
		}
		x.ancestors(p, collect)
		x.inside(p, collect)
		x.scratch = nets
		if !unionCovers(nets, p) {
			return nil
		}
	}
	if late.All {
		idx = append(idx, x.firstUnix)
	}
	sort.Ints(idx)
	out := make([]*AccessRule, len(idx))
	for k, i := range idx {
		out[k] = &x.list[i]
	}
	return out
}

// firstCover returns the first indexed rule that covers late alone, or -1.
func (x *accessIndex) firstCover(late *AccessRule) int {
	first := x.firstAll
	better := func(i int) {
		if (first < 0 || i < first) && covers(&x.list[i], late) {
			first = i
		}
	}
	switch {
	case late.All:
	case late.Unix:
		if x.firstUnix >= 0 {
			better(x.firstUnix)
		}
	case late.Net != nil:
		if p, ok := prefixOf(late); ok {
			// the rules of one network are the same network: the first
			// covers late or none does
			x.ancestors(p, func(rules []int) { better(rules[0]) })
		}
		for _, i := range x.odd {
			better(i)
		}
	}
	return first
}

// prefixOf is the network of an address rule as a netip.Prefix (IPv4 in
// 4 bytes; an IPv6 rule, IPv4-mapped ones included, in 16).
func prefixOf(a *AccessRule) (netip.Prefix, bool) {
	if a.Net == nil {
		return netip.Prefix{}, false
	}
	addr, ok := netip.AddrFromSlice(a.Net.IP)
	if !ok {
		return netip.Prefix{}, false
	}
	if !a.V6 {
		addr = addr.Unmap()
	} else if addr.Is4() {
		addr = netip.AddrFrom16(addr.As16())
	}
	ones, bits := a.Net.Mask.Size()
	if bits != addr.BitLen() {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(addr, ones).Masked(), true
}

// unionCovers reports whether the union of nets (all of p's family)
// contains every address of p, exactly: p is covered when one network
// contains it, and otherwise when both its halves are covered by the
// networks that lie inside p. Each level halves p, so the recursion is at
// most 32 or 128 deep and visits only halves that some network splits.
func unionCovers(nets []netip.Prefix, p netip.Prefix) bool {
	var inside []netip.Prefix
	for _, q := range nets {
		if q.Bits() <= p.Bits() && q.Contains(p.Addr()) {
			return true
		}
		if q.Bits() > p.Bits() && p.Contains(q.Addr()) {
			inside = append(inside, q)
		}
	}
	if len(inside) == 0 || p.Bits() >= p.Addr().BitLen() {
		return false
	}
	lo, hi := halves(p)
	return unionCovers(inside, lo) && unionCovers(inside, hi)
}

// halves splits p into its two prefixes one bit longer.
func halves(p netip.Prefix) (netip.Prefix, netip.Prefix) {
	b := p.Bits()
	lo := netip.PrefixFrom(p.Addr(), b+1)
	if p.Addr().Is4() {
		a := p.Addr().As4()
		a[b/8] |= 0x80 >> (b % 8)
		return lo, netip.PrefixFrom(netip.AddrFrom4(a), b+1)
	}
	a := p.Addr().As16()
	a[b/8] |= 0x80 >> (b % 8)
	return lo, netip.PrefixFrom(netip.AddrFrom16(a), b+1)
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
	sites := s.Sites()
	for _, site := range sites {
		if site.Host != "" {
			url = siteURL(site.Host, site.Port, "/")
			break
		}
	}
	// the site of each server block, built once for all its findings
	siteOf := make(map[*conf.Directive]*simulate.Site, len(sites))
	for i, srv := range s.Model.Servers {
		siteOf[srv.Dir] = &sites[i]
	}
	var walk func(block []*conf.Directive, srv *conf.Directive)
	walk = func(block []*conf.Directive, srv *conf.Directive) {
		out = append(out, s.shadowed(block, srv, siteOf[srv], url)...)
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
// rule of the block always matches first; srv is the block's server
// directive and site its site (nil outside servers).
func (s *Simulator) shadowed(block []*conf.Directive, srv *conf.Directive, site *simulate.Site, url string) []simulate.ConfigFinding {
	var list []AccessRule
	for _, d := range block {
		if (d.Name == "allow" || d.Name == "deny") && len(d.Args) == 1 {
			if a, err := parseAccess(d); err == nil {
				list = append(list, a)
			}
		}
	}
	var out []simulate.ConfigFinding
	x := newAccessIndex(list)
	for j := range list {
		var sh []*AccessRule
		if j > 0 {
			sh = x.shadowers(&list[j])
		}
		x.add()
		if sh == nil {
			continue
		}
		late := list[j].Dir
		f := simulate.ConfigFinding{
			Rule: RuleAccessShadowed, Kind: simulate.KindRuleShadowed, Range: late.Range,
			URL: url, Harmless: true,
		}
		admits, refuses := false, false
		names := make([]string, len(sh))
		for i, e := range sh {
			f.Harmless = f.Harmless && e.Allow == list[j].Allow
			admits, refuses = admits || e.Allow, refuses || !e.Allow
			names[i] = e.Dir.Name + " " + e.Dir.Args[0]
			msg := "the earlier rule that matches first"
			if len(sh) > 1 {
				msg = "an earlier rule that, with the others, matches first"
			}
			f.Related = append(f.Related, simulate.Related{Range: e.Dir.Range, Message: msg})
		}
		what := map[[2]bool]string{{true, false}: "admit", {false, true}: "refuse", {true, true}: "admit or refuse"}[[2]bool{admits, refuses}]
		if len(sh) == 1 {
			f.Message = fmt.Sprintf("%s %s never applies: %s before it already matches every client it names (nginx takes the first matching rule), so it %ss them",
				late.Name, late.Args[0], names[0], what)
		} else {
			f.Message = fmt.Sprintf("%s %s never applies: %s before it together match every client it names (nginx takes the first matching rule), so they %s them",
				late.Name, late.Args[0], strings.Join(names, ", "), what)
		}
		if srv != nil {
			f.Site = srv.Range
			if site != nil && site.Host != "" {
				f.SiteName, f.URL = site.Name, siteURL(site.Host, site.Port, "/")
			}
		}
		out = append(out, f)
	}
	return out
}

func siteURL(host string, port int, p string) string {
	return simulate.Request{Scheme: "http", Host: host, Port: port, Path: p}.URL()
}

// refusesAll reports a server that answers 403 to every request from
// every client address: an unconditional `return 403` among the server's
// own rewrite directives, or each level a request can end in (every
// location but named and internal ones, and the server level when some
// URI matches no location) refuses every client, by an unconditional
// `return 403` or by allow/deny rules with nothing that could answer
// before the access phase (return, rewrite, if) or after it (an
// error_page for 403) and no satisfy any with a login. A return inside an
// if refuses some requests only, and is not counted. A catch-all
// server without a name next to named servers on its port refuses unknown
// hosts on purpose and is not reported. Real requests for "/" from an
// IPv4 and an IPv6 client confirm it.
func (s *Simulator) refusesAll(srv *Server) (simulate.ConfigFinding, bool) {
	var none simulate.ConfigFinding
	if s.catchAll(srv) {
		return none, false
	}
	fams := families(srv)
	if len(fams) == 0 {
		return none, false
	}
	serverReturn, ok := returns403(srv.Rewrites)
	if !ok || serverReturn && s.sharesPort(srv, true) {
		// the default_server of a shared port answering return 403
		// refuses unknown hosts on purpose, whatever its name
		return none, false
	}
	refuses := func(c *LocConf, rewrites []*conf.Directive) bool {
		ret, ok := returns403(rewrites)
		if !ok || errorPage403(c) {
			return false
		}
		if ret {
			return true // the rewrite phase answers before access
		}
		if c.LimitExcept != nil || c.SatisfyAny && (c.AuthBasic != "" || c.AuthRequest != "") {
			return false
		}
		return refusesEveryone(c.Access, fams)
	}
	if serverReturn {
		if errorPage403(srv.Conf) {
			return none, false
		}
	} else if !s.locationsRefuse(srv, refuses) {
		return none, false
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
		if d.Status != 403 || d.Unsure != "" || d.Cause == nil {
			return none, false
		}
		switch d.Cause.Kind {
		case simulate.KindDenyRule, simulate.KindDenyOvermatch, simulate.KindReturn:
		default:
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
	why := "its allow/deny rules admit no client address at any location"
	switch {
	case serverReturn:
		why = "the server answers return 403 before any location is searched"
	case cause.Reason != "access forbidden by rule":
		why = "every location answers return 403 or admits no client address"
	}
	return simulate.ConfigFinding{
		Rule: RuleSiteRefusesAll, Kind: simulate.KindSiteRefusesAll, Range: cause.Range,
		Site: srv.Dir.Range, SiteName: site.Name, URL: siteURL(site.Host, site.Port, "/"),
		Message: fmt.Sprintf("%s refuses every request: %s", name, why),
		Related: []simulate.Related{{Range: srv.Dir.Range, Message: site.Name}},
	}, true
}

// locationsRefuse reports whether every level a request can end in
// refuses it: every location but named and internal ones, and the server
// level when some URI matches no location.
func (s *Simulator) locationsRefuse(srv *Server, refuses func(*LocConf, []*conf.Directive) bool) bool {
	rootLoc := false
	for _, l := range srv.Prefix {
		if l.Name == "/" && (l.Mod == "" || l.Mod == "^~") {
			rootLoc = true
		}
	}
	if !rootLoc && !refuses(srv.Conf, nil) {
		return false
	}
	for _, l := range srv.Locations {
		if l.Mod == "@" || l.Conf.Internal {
			continue
		}
		if !refuses(l.Conf, l.Rewrites) {
			return false
		}
	}
	return true
}

// returns403 reads the rewrite directives of a server or location:
// refused is set when, after constant sets only, an unconditional
// `return 403` answers every request; ok is false when anything else
// could answer or change the request first (a rewrite, an if, another
// return).
func returns403(rewrites []*conf.Directive) (refused, ok bool) {
	for _, d := range rewrites {
		switch {
		case d.Name == "set":
		case d.Name == "return" && len(d.Args) >= 1 && d.Args[0] == "403":
			return true, true
		default:
			return false, false
		}
	}
	return false, true
}

// errorPage403 reports whether c has an error_page for 403, which may
// answer something else.
func errorPage403(c *LocConf) bool {
	for _, p := range c.ErrorPages {
		for _, code := range p.Codes {
			if code == 403 {
				return true
			}
		}
	}
	return false
}

// catchAll reports whether srv has no name of its own while a named server
// listens on one of its ports: it is there to refuse unknown hosts.
func (s *Simulator) catchAll(srv *Server) bool {
	for _, n := range srv.Names {
		if n != "" && n != "_" {
			return false
		}
	}
	return s.sharesPort(srv, false)
}

// sharesPort reports whether another server listens on one of srv's
// ports; with asDefault, on one that srv is the default_server of.
func (s *Simulator) sharesPort(srv *Server, asDefault bool) bool {
	for _, other := range s.Model.Servers {
		if other == srv {
			continue
		}
		for _, l := range srv.Listens {
			if asDefault && !l.DefaultServer {
				continue
			}
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
	own, above := s.CommentLines(rng, 1)
	if own == "" && len(above) > 0 {
		return above[0]
	}
	return own
}

// CommentLines returns the comment on the line of the directive at rng
// (after it), then up to max whole-line comments just above it, nearest
// first. Suppression comments ("# unforbid:ignore ...") are left out:
// they tell unforbid what to silence, not what the directive refuses.
func (s *Simulator) CommentLines(rng parser.Range, max int) (own string, above []string) {
	f := s.Model.Config.File(rng.File)
	if f == nil || rng.Start.Line <= 0 {
		return "", nil
	}
	lines := strings.Split(string(f.Src), "\n")
	if rng.Start.Line > len(lines) {
		return "", nil
	}
	own = simulate.WithoutWant(trailingComment(lines[rng.Start.Line-1]))
	if simulate.IsSuppression(own) {
		own = "" // a suppression speaks to unforbid, not of the content
	}
	for n := rng.Start.Line - 1; n >= 1 && len(above) < max; n-- {
		line := strings.TrimSpace(lines[n-1])
		if !strings.HasPrefix(line, "#") {
			break
		}
		if c := simulate.WithoutWant(strings.TrimSpace(strings.TrimLeft(line, "#"))); !simulate.IsSuppression(c) {
			above = append(above, c)
		}
	}
	return own, above
}

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
	if r.tracing() {
		r.step("content", c.RootDir, "%s", reason)
	}
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
