package apache

import (
	"fmt"
	"maps"
	"net"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/unforbid/unforbid/rules/simulate"
)

// With thousands of <VirtualHost>s, scanning all of them for every
// request made a scan quadratic. selectVhost keeps, per address and port,
// the chain of candidate hosts and an index of their names: the answer is
// the one the scan in order gives, found in time independent of the
// number of hosts (but for wildcard aliases, tried in order).

// vhostIndex holds the chains already built, by address and port.
type vhostIndex struct {
	mu     sync.Mutex
	chains map[vhostKey]*vchain
	// built is a copy of chains that every request reads without the
	// lock (two cores fought over it): replaced, never changed, when a
	// chain is added.
	built    atomic.Pointer[map[vhostKey]*vchain]
	mainOnce sync.Once
	mainName string
	// pages are the main server's ErrorDocuments, once read.
	pagesOnce sync.Once
	pages     []simulate.ErrorPage
}

// vhostKey is the local address and port of a connection.
type vhostKey struct {
	ip   string
	port int
}

// vchain is the candidate hosts of one address and port, indexed.
type vchain struct {
	hosts []*vhost
	why   string // the addresses are not modelled: selectVhost's answer
	// noName is the index of the first host after the first that has no
	// name (neither its own ServerName nor the main one): reaching it is
	// selectVhost's "not modelled"; len(hosts) when none.
	noName int
	names  map[string]int // first index of each ServerName, and literal alias
	// patterns are the aliases to match as patterns, in order.
	patterns []vpattern
}

// vpattern is a wildcard ServerAlias of the host at index i of a chain.
type vpattern struct {
	i       int
	pattern string
}

// serverMainName returns the main server's ServerName (the last one),
// lower-cased and without port.
func (s *Simulator) serverMainName() string {
	s.vindex.mainOnce.Do(func() {
		for _, d := range s.Config.Directives {
			if d.Is("ServerName") && len(d.Args) == 1 {
				name := strings.ToLower(d.Args[0])
				if h, _, err := net.SplitHostPort(name); err == nil {
					name = h
				}
				s.vindex.mainName = name
			}
		}
	})
	return s.vindex.mainName
}

// chain returns the indexed chain of address ip and port.
func (s *Simulator) chain(ip string, port int) *vchain {
	x := &s.vindex
	k := vhostKey{ip, port}
	if m := x.built.Load(); m != nil {
		if c := (*m)[k]; c != nil {
			return c
		}
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if c := x.chains[k]; c != nil {
		return c
	}
	c := s.buildChain(ip, port)
	if x.chains == nil {
		x.chains = map[vhostKey]*vchain{}
	}
	x.chains[k] = c
	built := maps.Clone(x.chains)
	x.built.Store(&built)
	return c
}

// buildChain scans the hosts for address ip and port, as Apache picks the
// candidates of a connection: those naming the address exactly, else
// those listening on every address.
func (s *Simulator) buildChain(ip string, port int) *vchain {
	var exact, wild []*vhost
	for _, v := range s.vhosts {
		for _, a := range v.addrs {
			switch a.port {
			case -1:
				return &vchain{why: fmt.Sprintf("%s: a <VirtualHost> address without port is not modelled yet", v.sec.Range)}
			case -2:
				return &vchain{why: fmt.Sprintf("%s: a <VirtualHost> address by host name is not modelled yet", v.sec.Range)}
			}
			if a.port != 0 && a.port != port {
				continue
			}
			if a.ip == ip {
				exact = append(exact, v)
				break
			}
			if a.ip == "" {
				wild = append(wild, v)
				break
			}
		}
	}
	hosts := exact
	if len(hosts) == 0 {
		hosts = wild
	}
	c := &vchain{hosts: hosts, noName: len(hosts), names: map[string]int{}}
	mainName := s.serverMainName()
	add := func(name string, i int) {
		if _, ok := c.names[name]; !ok {
			c.names[name] = i
		}
	}
	for i, v := range hosts {
		name := v.name
		if name == "" {
			name = mainName
		}
		if name == "" {
			if i == 0 {
				continue
			}
			c.noName = i
			break
		}
		add(name, i)
		for _, a := range v.alias {
			if strings.ContainsAny(a, `*?[\`) {
				c.patterns = append(c.patterns, vpattern{i, a})
			} else {
				add(a, i)
			}
		}
	}
	return c
}

// selectVhost returns the virtual host serving a request for host on
// address ip and port: the first candidate whose ServerName or
// ServerAlias matches, else the first candidate; nil when no
// <VirtualHost> matches the address (the main server answers). A non-empty
// string says why the choice is not modelled.
func (s *Simulator) selectVhost(ip string, port int, host string) (*vhost, string) {
	c := s.chain(ip, port)
	if c.why != "" {
		return nil, c.why
	}
	if len(c.hosts) == 0 {
		return nil, ""
	}
	best := c.noName
	if i, ok := c.names[host]; ok && i < best {
		best = i
	}
	for _, p := range c.patterns {
		if p.i >= best {
			break
		}
		if ok, _ := path.Match(p.pattern, host); ok || p.pattern == host {
			best = p.i
			break
		}
	}
	if best < c.noName {
		return c.hosts[best], ""
	}
	if c.noName < len(c.hosts) {
		return nil, fmt.Sprintf("%s: a <VirtualHost> without ServerName takes the machine's host name: not modelled yet", c.hosts[c.noName].sec.Range)
	}
	return c.hosts[0], ""
}

// mainErrorPages returns a copy of the main server's error pages, read
// from the top level of the configuration the first time: every virtual
// host inherits them, and reading that level (which holds every host)
// again for each of thousands of hosts made Sites quadratic.
func (s *Simulator) mainErrorPages() []simulate.ErrorPage {
	s.vindex.pagesOnce.Do(func() {
		s.vindex.pages = errorPages(s.Config.Directives)
	})
	out := make([]simulate.ErrorPage, len(s.vindex.pages))
	for i, p := range s.vindex.pages {
		p.Codes = slices.Clone(p.Codes)
		out[i] = p
	}
	return out
}
