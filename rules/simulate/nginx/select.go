package nginx

import (
	"github.com/unforbid/unforbid/rules/simulate"
	"net"
	"strings"
)

// selectServer picks the server that handles a connection to port from
// clientIP with the given Host, following nginx: the listen sockets of that
// port bound to the exact local address win over wildcard ones, then
// server_name decides (exact, leading wildcard, trailing wildcard, regex in
// order), else the default server of that address:port.
func (m *Model) selectServer(host string, port int, clientIP, serverIP string) (*Server, *Listen) {
	ip := net.ParseIP(clientIP)
	v6 := ip != nil && ip.To4() == nil
	local := "127.0.0.1"
	if v6 {
		local = "::1"
	}
	if ip != nil && ip.IsLoopback() {
		local = ip.String()
	}
	if sip := net.ParseIP(serverIP); sip != nil {
		local, v6 = sip.String(), sip.To4() == nil
	}
	type cand struct {
		s *Server
		l *Listen
	}
	var exact, wild []cand
	for _, s := range m.Servers {
		for i := range s.Listens {
			l := &s.Listens[i]
			if l.Unix || l.Port != port || l.IPv6 != v6 {
				continue
			}
			switch {
			case l.Addr == "":
				wild = append(wild, cand{s, l})
			case sameIP(l.Addr, local):
				exact = append(exact, cand{s, l})
			}
		}
	}
	group := exact
	if len(group) == 0 {
		group = wild
	}
	if len(group) == 0 {
		return nil, nil
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	// exact names
	for _, c := range group {
		for _, n := range c.s.Names {
			if n == host && !strings.HasPrefix(n, "~") {
				return c.s, c.l
			}
			if strings.HasPrefix(n, ".") && n[1:] == host {
				return c.s, c.l
			}
		}
	}
	// leading wildcard, longest first
	var best *cand
	bestLen := -1
	for i, c := range group {
		for _, n := range c.s.Names {
			var suffix string
			switch {
			case strings.HasPrefix(n, "*."):
				suffix = n[1:]
			case strings.HasPrefix(n, "."):
				suffix = n
			default:
				continue
			}
			if strings.HasSuffix(host, suffix) && len(suffix) > bestLen {
				best, bestLen = &group[i], len(suffix)
			}
		}
	}
	if best != nil {
		return best.s, best.l
	}
	// trailing wildcard, longest first
	for i, c := range group {
		for _, n := range c.s.Names {
			if strings.HasSuffix(n, ".*") {
				p := n[:len(n)-1]
				if strings.HasPrefix(host, p) && len(p) > bestLen {
					best, bestLen = &group[i], len(p)
				}
			}
		}
	}
	if best != nil {
		return best.s, best.l
	}
	// regex names in config order
	for _, c := range group {
		for _, n := range c.s.Names {
			if re := c.s.nameRes[n]; re != nil && re.MatchString(host) {
				return c.s, c.l
			}
		}
	}
	for _, c := range group {
		if c.l.DefaultServer {
			return c.s, c.l
		}
	}
	return group[0].s, group[0].l
}

func sameIP(a, b string) bool {
	x, y := net.ParseIP(a), net.ParseIP(b)
	return x != nil && y != nil && x.Equal(y)
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
	// auto redirect: uri + "/" is the name of a proxy-type location
	for _, l := range prefix {
		if l.Conf.Handler != "" && strings.HasSuffix(l.Name, "/") && l.Name == uri+"/" {
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
	srv, _ := s.Model.selectServer(req.Host, req.Port, req.ClientIP, req.ServerIP)
	return srv
}
