package nginx

import (
	"net"
	"sort"
	"strings"

	"github.com/unforbid/unforbid/rules/simulate"
)

// selectServer picks the server that handles a connection to port with the
// given Host, following nginx: the listen sockets of that port bound to the
// exact local address win over wildcard ones, then server_name decides
// (exact, leading wildcard, trailing wildcard, regex in order), else the
// default server of that address:port. The local address is serverIP, or
// when empty the one localAddr derives from the host (never the client's
// address, which only access rules and $remote_addr see).
func (m *Model) selectServer(host string, port int, clientIP, serverIP string) selection {
	var local, addr string
	if ip := net.ParseIP(serverIP); ip != nil {
		local = canonicalText(serverIP, ip)
		addr = local // canonical already
	} else {
		local, _ = m.localAddr(host, port, clientIP, "")
		addr = canonicalIP(local)
	}
	v6 := familyOf(local) == 6
	m.groupsOnce.Do(m.buildGroups)
	g := m.groups[groupKey{port, addr, v6}]
	if g == nil {
		g = m.groups[groupKey{port, "", v6}]
	}
	if g == nil {
		return selection{}
	}
	sel := g.pick(strings.TrimSuffix(strings.ToLower(host), "."))
	sel.def = g.first
	if g.def != nil {
		sel.def = *g.def
	}
	return sel
}

// canonicalText is ip.String() for ip parsed from text, without making a
// new string when the text is already canonical: dotted decimal that
// ParseIP takes (it refuses leading zeros) is, as a scan's addresses are.
func canonicalText(text string, ip net.IP) string {
	if !strings.Contains(text, ":") {
		return text
	}
	return ip.String()
}

// selection is the outcome of server selection: the server and listen
// that took the request, the default server of that socket (whose
// settings apply before the Host header is known, e.g. merge_slashes), and
// the captures of a regex server_name.
type selection struct {
	candidate
	def      candidate
	caps     []string
	capNames []string
}

// groupKey names the servers sharing one listen socket: port, address
// ("" for the wildcard) and family.
type groupKey struct {
	port int
	addr string
	v6   bool
}

type candidate struct {
	s *Server
	l *Listen
}

type wildName struct {
	affix string
	c     candidate
}

// listenGroup is the name index of the servers on one socket, like
// nginx's server names hash: built once, so that selection costs the same
// with 10 or 10,000 servers.
type listenGroup struct {
	exact    map[string]candidate
	leading  []wildName // "*.example.com" and ".example.com", longest first
	trailing []wildName // "www.example.*", longest first
	regex    []candidate
	regexNm  []string
	def      *candidate
	first    candidate
}

func canonicalIP(s string) string {
	if ip := net.ParseIP(s); ip != nil {
		return ip.String()
	}
	return s
}

func (m *Model) buildGroups() {
	m.groups = map[groupKey]*listenGroup{}
	for _, s := range m.Servers {
		for i := range s.Listens {
			l := &s.Listens[i]
			if l.Unix {
				continue
			}
			keys := []groupKey{{l.Port, canonicalIP(l.Addr), l.IPv6}}
			if l.DualStack && l.IPv6 && l.Addr == "" {
				keys = append(keys, groupKey{l.Port, "", false})
			}
			for _, k := range keys {
				m.addToGroup(k, s, l)
			}
		}
	}
	for _, g := range m.groups {
		sort.SliceStable(g.leading, func(i, j int) bool { return len(g.leading[i].affix) > len(g.leading[j].affix) })
		sort.SliceStable(g.trailing, func(i, j int) bool { return len(g.trailing[i].affix) > len(g.trailing[j].affix) })
	}
}

// addToGroup adds the names of s, listening with l, to the group k.
func (m *Model) addToGroup(k groupKey, s *Server, l *Listen) {
	g := m.groups[k]
	if g == nil {
		g = &listenGroup{exact: map[string]candidate{}, first: candidate{s, l}}
		m.groups[k] = g
	}
	c := candidate{s, l}
	if l.DefaultServer && g.def == nil {
		g.def = &c
	}
	for _, n := range s.Names {
		switch {
		case strings.HasPrefix(n, "~"):
			if s.nameRes[n] != nil {
				g.regex = append(g.regex, c)
				g.regexNm = append(g.regexNm, n)
			}
		case strings.HasPrefix(n, "*."):
			g.leading = append(g.leading, wildName{n[1:], c})
		case strings.HasPrefix(n, "."):
			if _, ok := g.exact[n[1:]]; !ok {
				g.exact[n[1:]] = c
			}
			g.leading = append(g.leading, wildName{n, c})
		case strings.HasSuffix(n, ".*"):
			g.trailing = append(g.trailing, wildName{n[:len(n)-1], c})
		default:
			if _, ok := g.exact[n]; !ok {
				g.exact[n] = c
			}
		}
	}
}

func (g *listenGroup) pick(host string) selection {
	if c, ok := g.exact[host]; ok {
		return selection{candidate: c}
	}
	for _, w := range g.leading {
		if strings.HasSuffix(host, w.affix) {
			return selection{candidate: w.c}
		}
	}
	for _, w := range g.trailing {
		if strings.HasPrefix(host, w.affix) {
			return selection{candidate: w.c}
		}
	}
	for i, c := range g.regex {
		re := c.s.nameRes[g.regexNm[i]]
		if sm := re.FindStringSubmatch(host); sm != nil {
			return selection{candidate: c, caps: sm, capNames: re.SubexpNames()}
		}
	}
	if g.def != nil {
		return selection{candidate: *g.def}
	}
	return selection{candidate: g.first}
}

// findResult is the outcome of one level of the location search, as the
// return codes of ngx_http_core_find_location.
type findResult int

const (
	findDeclined findResult = iota // nothing matched at this level
	findAgain                      // a literal prefix matched
	findOK                         // an exact or regex location matched
	findRedirect                   // auto redirect to uri + "/"
)

// findLocation mirrors ngx_http_core_find_location: the longest literal
// prefix (an exact "=" match returns at once), then its nested locations,
// then, unless the prefix was ^~, the regex locations of the level in
// order. It returns the location (nil for none: the server level applies)
// and the regex captures.
func findLocation(prefix, regex []*Location, uri string) (loc *Location, caps []string, rc findResult, unsure string) {
	var best *Location
	for _, l := range prefix {
		if l.Mod == "=" {
			if uri == l.Name {
				return l, nil, findOK, ""
			}
			continue
		}
		if strings.HasPrefix(uri, l.Name) && (best == nil || len(l.Name) > len(best.Name)) {
			best = l
		}
	}
	// auto redirect: uri + "/" is the name of a location with a *_pass
	// handler, and no location is named uri itself (an equal name ends the
	// tree walk first)
	equal := false
	for _, l := range prefix {
		if l.Name == uri {
			equal = true
		}
	}
	for _, l := range prefix {
		if !equal && l.Conf.AutoRedirect && strings.HasSuffix(l.Name, "/") && l.Name == uri+"/" {
			return l, nil, findRedirect, ""
		}
	}
	noregex := false
	rc = findDeclined
	if best != nil {
		loc, rc, noregex = best, findAgain, best.Mod == "^~"
		if len(best.Prefix)+len(best.Regex) > 0 {
			inner, icaps, irc, iunsure := findLocation(best.Prefix, best.Regex, uri)
			unsure = iunsure
			switch irc {
			case findOK, findRedirect:
				return inner, icaps, irc, unsure
			case findAgain:
				loc = inner
			}
		}
	}
	if noregex {
		return loc, nil, rc, unsure
	}
	for _, l := range regex {
		if l.Re == nil {
			if unsure == "" {
				unsure = l.ReErr
			}
			continue
		}
		sm := l.Re.FindStringSubmatch(uri)
		if sm == nil {
			continue
		}
		if len(l.Prefix)+len(l.Regex) > 0 {
			inner, icaps, irc, iunsure := findLocation(l.Prefix, l.Regex, uri)
			if unsure == "" {
				unsure = iunsure
			}
			switch irc {
			case findOK:
				return inner, icaps, findOK, unsure
			case findAgain:
				return inner, sm, findOK, unsure
			}
		}
		return l, sm, findOK, unsure
	}
	return loc, nil, rc, unsure
}

// SelectServer returns the server that takes req.
func (s *Simulator) SelectServer(req simulate.Request) *Server {
	return s.Model.selectServer(req.Host, req.Port, req.ClientIP, req.ServerIP).s
}
