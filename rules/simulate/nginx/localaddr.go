package nginx

import (
	"fmt"
	"net"
	"strings"

	"github.com/unforbid/unforbid/rules/simulate"
)

// Unclaimed local addresses: a wildcard listen (`listen 80;`) takes every
// address of the machine, but not one that another listen of the port
// names exactly; when loopback is named elsewhere, a documentation
// address (RFC 5737, RFC 3849) stands for "another address of the host".
const (
	otherLocal4 = "192.0.2.1"
	otherLocal6 = "2001:db8::1"
)

// LocalAddr returns the local (server) address a client connects to for
// req, and a "connect" trace step saying why it was assumed and which
// listen takes the connection. It is never the client's address:
//
//   - req.ServerIP when set (e.g. `explain --server-ip`, or an IP literal
//     in the URL, which simulate.ParseRequest copies there);
//   - for `localhost`, 127.0.0.1 then ::1, the first that a listen of the
//     port accepts, as curl tries them;
//   - for a host name, an address that the first server (in config
//     order) whose server_name matches listens on for the port, else the
//     first listen of the port; a wildcard listen gives 127.0.0.1 (::1
//     for [::]).
//
// Only addresses of the client's family count: an IPv4 client cannot
// reach ::1 (with no client address, any family does). When no listen
// accepts one, the address is loopback and the step says the connection
// is refused.
func (s *Simulator) LocalAddr(req simulate.Request) (string, simulate.Step) {
	addr, st := s.Model.localAddr(req.Host, req.Port, req.ClientIP, req.ServerIP)
	client := req.ClientIP
	if net.ParseIP(client) == nil {
		// no client address given: a local client of the same family
		client = loopback(familyOf(addr))
	}
	st.Detail = fmt.Sprintf("client %s connects to %s: %s", client, net.JoinHostPort(addr, fmt.Sprint(req.Port)), st.Detail)
	return addr, st
}

// family is an address family constraint: 0 for any, 4 or 6.
type family int

func familyOf(ip string) family {
	p := net.ParseIP(ip)
	switch {
	case p == nil:
		return 0
	case p.To4() != nil:
		return 4
	default:
		return 6
	}
}

func (f family) String() string {
	if f == 6 {
		return "IPv6"
	}
	return "IPv4"
}

func loopback(f family) string {
	if f == 6 {
		return "::1"
	}
	return "127.0.0.1"
}

// localAddr chooses the local address as LocalAddr documents; the step's
// Detail says why, without the client part.
func (m *Model) localAddr(host string, port int, clientIP, serverIP string) (string, simulate.Step) {
	m.groupsOnce.Do(m.buildGroups)
	fam := familyOf(clientIP)
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if ip := net.ParseIP(serverIP); ip != nil {
		addr := ip.String()
		why := "the local address is given"
		if addr == canonicalIP(host) {
			why = "the URL names the address"
		}
		return addr, m.accepting(addr, port, why)
	}
	if ip := net.ParseIP(host); ip != nil {
		return ip.String(), m.accepting(ip.String(), port, "the URL names the address")
	}
	if host == "" || host == "localhost" {
		return m.localhostAddr(port, fam)
	}
	return m.namedAddr(host, port, fam)
}

// accepting completes why with the listen that takes a connection to
// addr:port, or says that none does.
func (m *Model) accepting(addr string, port int, why string) simulate.Step {
	if l := m.acceptor(addr, port); l != nil {
		return simulate.Step{Step: "connect", Range: Pos(l.Dir), Detail: fmt.Sprintf("%s; listen %s takes it", why, strings.Join(l.Dir.Args, " "))}
	}
	return simulate.Step{Step: "connect", Detail: why + "; no listen takes it: connection refused"}
}

// acceptor returns the listen whose socket takes connections to
// addr:port: one bound to addr itself, else a wildcard of its family.
func (m *Model) acceptor(addr string, port int) *Listen {
	v6 := familyOf(addr) == 6
	for _, k := range []groupKey{{port, canonicalIP(addr), v6}, {port, "", v6}} {
		if g := m.groups[k]; g != nil {
			if g.def != nil {
				return g.def.l
			}
			return g.first.l
		}
	}
	return nil
}

// localhostAddr resolves localhost as curl does: 127.0.0.1 first, then
// ::1, keeping the first address a listen accepts.
func (m *Model) localhostAddr(port int, fam family) (string, simulate.Step) {
	var cands []string
	for _, f := range []family{4, 6} {
		if fam == 0 || fam == f {
			cands = append(cands, loopback(f))
		}
	}
	why := "localhost is 127.0.0.1 and ::1"
	if fam != 0 {
		why += fmt.Sprintf(", of which an %s client reaches %s", fam, cands[0])
	}
	for i, a := range cands {
		if m.acceptor(a, port) != nil {
			if i > 0 {
				why += fmt.Sprintf("; nothing listens on %s port %d", cands[0], port)
			}
			return a, m.accepting(a, port, why)
		}
	}
	return cands[0], m.accepting(cands[0], port, why)
}

// namedAddr finds the address a host name stands for: one the server
// named host listens on for port, else the first listen of the port.
func (m *Model) namedAddr(host string, port int, fam family) (string, simulate.Step) {
	for _, s := range m.Servers {
		if !s.nameMatches(host) {
			continue
		}
		for i := range s.Listens {
			if a, ok := m.listenAddr(&s.Listens[i], port, fam); ok {
				why := fmt.Sprintf("the first server matching %s listens", host)
				return a, m.accepting(a, port, why+m.onAddr(&s.Listens[i], a))
			}
		}
	}
	for _, s := range m.Servers {
		for i := range s.Listens {
			if a, ok := m.listenAddr(&s.Listens[i], port, fam); ok {
				why := fmt.Sprintf("no server matching %s listens on port %d", host, port)
				if fam != 0 {
					why += " for " + fam.String()
				}
				why += ", the first listen of the port does"
				return a, m.accepting(a, port, why+m.onAddr(&s.Listens[i], a))
			}
		}
	}
	f := fam
	if f == 0 {
		f = 4
	}
	a := loopback(f)
	return a, simulate.Step{Step: "connect", Detail: fmt.Sprintf("no listen on port %d takes %s connections: connection refused", port, f)}
}

// onAddr says where l listens: on addr itself, or on any address.
func (m *Model) onAddr(l *Listen, addr string) string {
	switch {
	case l.Addr != "":
		return " on it"
	case addr == otherLocal4 || addr == otherLocal6:
		return fmt.Sprintf(" on any address but %s, which another listen names: %s assumed", loopback(familyOf(addr)), addr)
	}
	return fmt.Sprintf(" on any address: %s assumed", addr)
}

// listenAddr returns a local address of the client's family that l
// takes connections on for port.
func (m *Model) listenAddr(l *Listen, port int, fam family) (string, bool) {
	if l.Unix || l.Port != port {
		return "", false
	}
	if l.Addr != "" {
		ip := net.ParseIP(l.Addr)
		if ip == nil || fam != 0 && familyOf(l.Addr) != fam {
			return "", false
		}
		return ip.String(), true
	}
	f := family(4)
	switch {
	case !l.IPv6 && fam == 6:
		return "", false
	case l.IPv6 && fam == 6, l.IPv6 && fam == 0 && !l.DualStack:
		f = 6
	case l.IPv6 && !l.DualStack:
		return "", false
	}
	// a wildcard socket does not get connections to an address that
	// another listen of the port names
	a := loopback(f)
	if g := m.groups[groupKey{port, a, f == 6}]; g != nil {
		a = otherLocal4
		if f == 6 {
			a = otherLocal6
		}
	}
	return a, true
}

// nameMatches reports whether host matches one of the server's names
// (exact, wildcard or regex).
func (s *Server) nameMatches(host string) bool {
	for _, n := range s.Names {
		switch {
		case strings.HasPrefix(n, "~"):
			if re := s.nameRes[n]; re != nil && re.MatchString(host) {
				return true
			}
		case strings.HasPrefix(n, "*."):
			if strings.HasSuffix(host, n[1:]) {
				return true
			}
		case strings.HasPrefix(n, "."):
			if host == n[1:] || strings.HasSuffix(host, n) {
				return true
			}
		case strings.HasSuffix(n, ".*"):
			if strings.HasPrefix(host, n[:len(n)-1]) {
				return true
			}
		case n == host:
			return true
		}
	}
	return false
}

// connAddr returns addr as nginx prints the addresses of the connection
// ($remote_addr, $server_addr): an IPv4 address that came through an IPv6
// socket ([::]:80 ipv6only=off) is IPv4-mapped, e.g. "::ffff:127.0.0.2".
func (r *run) connAddr(addr string) string {
	ip := net.ParseIP(addr)
	if ip == nil || ip.To4() == nil || strings.Contains(addr, ":") {
		return addr
	}
	sel := r.s.Model.selectServer(r.req.Host, r.req.Port, r.req.ClientIP, r.req.ServerIP)
	if sel.l != nil && sel.l.IPv6 {
		return "::ffff:" + ip.String()
	}
	return addr
}

// localAddr is the local address of the request's connection.
func (r *run) localAddr() string {
	a, _ := r.s.Model.localAddr(r.req.Host, r.req.Port, r.req.ClientIP, r.req.ServerIP)
	return a
}
