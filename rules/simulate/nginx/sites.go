package nginx

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/unforbid/unforbid/parser/fsmeta"
	conf "github.com/unforbid/unforbid/parser/nginx"
	"github.com/unforbid/unforbid/rules/simulate"
)

// Kind names the server: "nginx".
func (s *Simulator) Kind() string { return "nginx" }

// FileSystem is the filesystem view nginx reads through.
func (s *Simulator) FileSystem() *fsmeta.FS { return s.FS }

// WorkerCred is the identity of nginx's worker processes.
func (s *Simulator) WorkerCred() fsmeta.Cred { return s.Cred }

// Notes says what the model could not simulate and what the simulator
// assumed (a missing user database).
func (s *Simulator) Notes() []simulate.Note {
	var out []simulate.Note
	if s.Note != "" {
		out = append(out, simulate.Note{Message: s.Note})
	}
	for _, u := range s.Model.Config.Unknown {
		out = append(out, simulate.Note{Message: u.Message(), Range: u.At[0]})
	}
	for _, u := range s.Model.Unsupported {
		out = append(out, simulate.Note{Message: "not simulated: " + u})
	}
	return out
}

// Sites returns every server block with an address that reaches it, the
// trees it serves (its root, the roots and aliases of its locations, and
// the trees behind regex aliases built from captures) and its error pages.
//
// They are worked out once (the scan, the lint and every repair ask):
// each call returns a new slice, whose Sites share their slices with the
// other calls' (clipped, so that an append copies): never modify their
// elements.
func (s *Simulator) Sites() []simulate.Site {
	s.sitesOnce.Do(func() {
		// each site is worked out apart from the others: on every core
		sites := make([]simulate.Site, len(s.Model.Servers))
		eachServer(len(sites), func(i int) {
			site := s.site(s.Model.Servers[i])
			site.Names, site.Listens, site.Roots = slices.Clip(site.Names), slices.Clip(site.Listens), slices.Clip(site.Roots)
			site.ErrorPages, site.Notes = slices.Clip(site.ErrorPages), slices.Clip(site.Notes)
			sites[i] = site
		})
		s.sites = sites
	})
	return slices.Clone(s.sites)
}

func (s *Simulator) site(srv *Server) simulate.Site {
	site := simulate.Site{Name: "server " + strings.Join(srv.Names, " "), Range: srv.Dir.Range, Names: append([]string(nil), srv.Names...)}
	for _, l := range srv.Listens {
		if !l.Unix {
			site.Listens = append(site.Listens, simulate.Listen{Addr: l.Addr, Port: l.Port, IPv6: l.IPv6, DualStack: l.DualStack})
		}
	}
	// A server whose names are all regexes may be reached only at the
	// host names its capture roots give (captureRoots tries each listen).
	addrs := listenAddrs(srv)
	if host, port, local, ok := s.address(srv); ok {
		site.Host, site.Port, site.ServerIP = host, port, local
		addrs = []listenAddr{{port, local}}
	}

	var fv *fixedVars
	noted := map[*conf.Directive]bool{}
	add := func(c *LocConf, url string, server bool) {
		if c.Root == "" {
			return
		}
		dir := c.Root
		if strings.Contains(dir, "$") {
			if fv == nil {
				fv = s.newFixedVars(srv)
			}
			v, err := fv.expand(dir)
			if err != nil {
				roots, used, cerr := s.captureRoots(srv, fv, dir, url, c.Alias, addrs)
				for _, hr := range roots {
					r := simulate.Root{Dir: hr.dir, URL: url, Range: Pos(c.RootDir), Directive: rootDirective(c), Host: hr.host}
					site.Roots = append(site.Roots, r)
					if site.Host == "" || site.Host == invalidHost {
						// a name the server answers for is a better
						// example than a host it takes by default
						site.Host, site.Port, site.ServerIP = hr.host, hr.addr.port, hr.addr.local
					}
					addrs = []listenAddr{hr.addr}
				}
				switch {
				case used && cerr == nil && len(roots) > 0:
					return
				case used && cerr == nil:
					site.Notes = append(site.Notes, simulate.Note{Range: Pos(c.RootDir),
						Message: fmt.Sprintf("%s %s: no directory gives a host name of the regex server_name that reaches this server: nothing to walk", rootDirective(c), c.Root)})
					return
				case used:
					err = cerr
				}
				if !noted[c.RootDir] && !(server && ownRootSlash(srv)) {
					noted[c.RootDir] = true
					site.Notes = append(site.Notes, simulate.Note{Range: Pos(c.RootDir), NotWalked: true,
						Message: fmt.Sprintf("%s %s: %s is not walked: %v", rootDirective(c), c.Root, servedAt(url), err)})
				}
				return
			}
			if v == "" {
				return
			}
			dir = v
		}
		if !path.IsAbs(dir) {
			dir = path.Join(s.Model.Prefix, dir)
		}
		r := simulate.Root{URL: url, Range: Pos(c.RootDir)}
		if c.RootDir != nil {
			r.Directive = c.RootDir.Name
		}
		if c.Alias {
			r.Dir = path.Clean(dir)
		} else {
			r.Dir = path.Clean(dir + url)
		}
		site.Roots = append(site.Roots, r)
	}
	add(srv.Conf, "/", true)
	for _, l := range srv.Locations {
		if l.Mod == "@" || l.Mod == "=" || l.Mod == "~" || l.Mod == "~*" || !strings.HasPrefix(l.Name, "/") {
			continue
		}
		if l.Parent == nil && l.Conf.RootDir == srv.Conf.RootDir {
			continue
		}
		url := l.Name
		if !strings.HasSuffix(url, "/") {
			url += "/"
		}
		add(l.Conf, url, false)
	}
	for _, l := range srv.Locations {
		for _, rr := range s.regexRoots(l) {
			r := simulate.Root{Dir: rr.dir, URL: rr.url, Range: Pos(l.Conf.RootDir)}
			if l.Conf.RootDir != nil {
				r.Directive = l.Conf.RootDir.Name
			}
			site.Roots = append(site.Roots, r)
		}
	}
	if site.Host == "" {
		// the notes of capture roots say why no host was found; else
		// the names are taken, or regexes no host was made up for
		notes := site.Notes
		if len(notes) == 0 {
			msg := "no request reaches this server (every name is taken by another server)"
			for _, n := range srv.Names {
				if strings.HasPrefix(n, "~") {
					msg = "no request unforbid can make up reaches this server (its names are regexes, or taken by another server)"
					break
				}
			}
			if len(listenAddrs(srv)) == 0 {
				msg = "no request reaches this server over TCP (it listens on unix sockets only, which unforbid does not simulate)"
			}
			notes = []simulate.Note{{Range: srv.Dir.Range, Message: msg}}
		}
		return simulate.Site{Name: site.Name, Range: site.Range, Names: site.Names, Listens: site.Listens, Notes: notes}
	}
	confs := []*LocConf{srv.Conf}
	for _, l := range srv.Locations {
		confs = append(confs, l.Conf)
	}
	// Every level repeats the pages it inherits: counted first, so that
	// the Sites kept for the scan hold no room to grow.
	local := func(page ErrorPage) bool {
		return strings.HasPrefix(page.Target, "/") && !strings.Contains(page.Target, "$")
	}
	n := 0
	for _, c := range confs {
		for _, page := range c.ErrorPages {
			if local(page) {
				n++
			}
		}
	}
	if n > 0 {
		site.ErrorPages = make([]simulate.ErrorPage, 0, n)
	}
	for _, c := range confs {
		for _, page := range c.ErrorPages {
			if local(page) {
				site.ErrorPages = append(site.ErrorPages, simulate.ErrorPage{Codes: page.Codes, URI: page.Target, Range: Pos(page.Directive)})
			}
		}
	}
	return site
}

// rootDirective names the directive that set c's root: "root" or "alias".
func rootDirective(c *LocConf) string {
	if c.Alias {
		return "alias"
	}
	return "root"
}

// ownRootSlash reports whether a top-level `location /` sets a root or
// alias of its own: the server's root then serves no walked tree.
func ownRootSlash(srv *Server) bool {
	for _, l := range srv.Locations {
		if l.Parent == nil && l.Name == "/" && (l.Mod == "" || l.Mod == "^~") && l.Conf.RootDir != srv.Conf.RootDir {
			return true
		}
	}
	return false
}

// servedAt describes where a tree is served, for notes.
func servedAt(url string) string {
	if url == "/" {
		return "the server's tree"
	}
	return "the tree at " + url
}

// invalidHost is the host name asked for when no name of a server is
// known: it reaches the server only as its port's default.
const invalidHost = "unforbid.invalid"

// listenAddrs lists the ports and local addresses srv listens on (a
// wildcard address stands for the loopback address of its family).
func listenAddrs(srv *Server) []listenAddr {
	var out []listenAddr
	for _, l := range srv.Listens {
		if l.Unix {
			continue
		}
		local := l.Addr
		if local == "" {
			local = "127.0.0.1"
			if l.IPv6 {
				local = "::1"
			}
		}
		out = append(out, listenAddr{l.Port, local})
	}
	return out
}

// address finds a host, port and local address whose requests reach srv.
func (s *Simulator) address(srv *Server) (string, int, string, bool) {
	var names []string
	for _, n := range srv.Names {
		switch {
		case n == "" || n == "_" || strings.HasPrefix(n, "~"):
		case strings.HasPrefix(n, "*."):
			names = append(names, "www"+n[1:])
		case strings.HasPrefix(n, "."):
			names = append(names, n[1:])
		case strings.HasSuffix(n, ".*"):
			names = append(names, n[:len(n)-1]+"com")
		default:
			names = append(names, n)
		}
	}
	names = append(names, invalidHost)
	for _, a := range listenAddrs(srv) {
		for _, h := range names {
			req := simulate.Request{Method: "GET", Scheme: "http", Host: h, Port: a.port, Path: "/", ServerIP: a.local}
			if s.SelectServer(req) == srv {
				return h, a.port, a.local, true
			}
		}
	}
	return "", 0, "", false
}

// Load reads the nginx configuration whose main file is main (a path as
// nginx sees it) through fsys, builds its model and returns its simulator.
// Errors in the configuration come as parser.ErrorList values, each
// "file:line: message".
func Load(main string, fsys *fsmeta.FS, opts Options) (*Simulator, error) {
	cache := &conf.Cache{}
	cfg, err := conf.Load(main, conf.Options{FS: fsys, Cache: cache})
	if err != nil {
		return nil, err
	}
	m, err := Build(cfg, opts)
	if err != nil {
		return nil, err
	}
	s, err := New(m, fsys)
	if err != nil {
		return nil, err
	}
	s.cache = cache
	return s, nil
}

// Simulator implements the server-neutral contract.
var (
	_ simulate.Server   = (*Simulator)(nil)
	_ simulate.Reloader = (*Simulator)(nil)
)
