// Package apache simulates Apache httpd 2.4's answer to a request, as
// server/request.c, mod_authz_core, mod_dir and mod_autoindex decide it,
// for a configuration loaded by parser/apache. It implements a first
// slice of the server-neutral contract (simulate.Simulator): virtual host
// selection, DocumentRoot, mod_alias (Alias, ScriptAlias, AliasMatch,
// ScriptAliasMatch, Redirect, RedirectMatch), UserDir and server-context
// mod_rewrite (mapping.go, rewrite.go); <Directory> sections by path,
// wildcard and regex, <DirectoryMatch>, <Location> and <LocationMatch>
// in httpd's merge order (sections.go) with Require (all, ip, local,
// not; <RequireAll|Any|None>); Options (symbolic links as
// resolve_symlink checks them, symlink.go); DirectoryIndex,
// FallbackResource, the slash redirect of a directory, per-directory
// mod_rewrite, the cgi-script handler and the permission checks of the
// worker. Every request that meets anything else is answered Unsure,
// never guessed.
package apache

import (
	"fmt"
	"net"
	"net/netip"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/unforbid/unforbid/parser"
	conf "github.com/unforbid/unforbid/parser/apache"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules/simulate"
)

// Rule IDs of Apache's own causes.
const (
	RuleIndexMissing = "apache/directory-index-missing"
	RuleDenied       = "apache/require-denied"
)

// Simulator answers requests for one Apache configuration and filesystem.
//
// A Simulator is safe for concurrent use once New (or Load) has returned:
// Simulate, Sites, Lint and the other methods of simulate.Server may be
// called from several goroutines at once. They read the configuration
// without changing it; what they cache (compiled regexes, the
// per-directory configuration of each server scope, the access files
// AllowOverride None ignores) is kept behind locks, and holds as long as
// the filesystem view does (fsmeta.FS is a snapshot: after changing the
// tree, Reset it or use a new one).
type Simulator struct {
	// Config is the loaded configuration (parser/apache's Load).
	Config *conf.Config
	// FS is the filesystem view the workers read through.
	FS *fsmeta.FS
	// Cred is the identity of the worker processes (User, Group).
	Cred fsmeta.Cred
	// User and Group are the names of the workers' identity as written.
	User, Group string

	listens []listen
	main    *scope
	vhosts  []*vhost
	vindex  vhostIndex // selectVhost's
	userR   parser.Range
	// unsure says why no request can be simulated at all ("" when some
	// can).
	unsure string
	// envNames are the environment variables the configuration may set
	// (see envSetters).
	envNames     map[string]bool
	envNamesOnce sync.Once
	// htaccessRoot is the docroot of LoadHtaccess ("" otherwise): repairs
	// change its .htaccess files, never the stock configuration.
	htaccessRoot string
	// present caches the access files that AllowOverride None ignores
	// (htaccess.go's ignoredAccess).
	present presence
	// bases caches the per-directory configuration the server scopes
	// give before the directory walk.
	bases baseCache
}

// listen is one Listen directive.
type listen struct {
	addr  string // "" for every address
	port  int
	rng   parser.Range
	proto string
}

// scope is the server-level part of the main server or of a virtual host.
type scope struct {
	docRoot  string
	docRange parser.Range
	// plain are the directives outside sections, in order.
	plain []*conf.Directive
	// perDirLines is set when a directive of plain may change the
	// per-directory configuration (perDir.apply): one that is not
	// harmless. Without any, the scope's requests start from the same
	// configuration as those of the scopes above it.
	perDirLines bool
	// dirs are the non-regex <Directory> sections (paths and wildcards),
	// in config order; rdirs the regex ones (<Directory ~>,
	// <DirectoryMatch>) and locs the <Location> and <LocationMatch>
	// sections (sections.go).
	dirs, rdirs, locs []*conf.Directive
	// dirCanon are the paths of dirs as canonDir writes them, in the
	// same order (compared on every step of every request's walk).
	dirCanon []string
	// dirWild says which paths of dirs hold fnmatch wildcards (hasWild).
	dirWild []bool
	// others are the sections the simulator does not model, judged per
	// request (may they apply?).
	others []*conf.Directive
	// access are the AccessFileName directives.
	access []*conf.Directive
	// aliases are mod_alias's Alias, ScriptAlias, AliasMatch and
	// ScriptAliasMatch, redirects its Redirect* directives, userdirs the
	// UserDir directives, each in config order (mapping.go).
	aliases, redirects, userdirs []*conf.Directive
	// rewrite are the server-context mod_rewrite directives
	// (rewrite.go).
	rewrite []*conf.Directive
	// unsure is set when the scope holds something that may change any
	// answer.
	unsure string
}

// vhost is one <VirtualHost>.
type vhost struct {
	sec   *conf.Directive
	addrs []vaddr
	name  string // ServerName, without port; "" when none
	alias []string
	scope *scope
}

// vaddr is one address of a <VirtualHost>.
type vaddr struct {
	ip   string // "" for * and _default_
	port int    // 0 for any port
}

// New returns a simulator of cfg reading files through fsys, its workers
// with the identity of User and Group (Debian's www-data when the
// directives are missing, as apache2 is started with its envvars).
//
// validate's checks run beside the rest (both read cfg alone); what they
// refuse is the error returned, before any of the rest.
func New(cfg *conf.Config, fsys *fsmeta.FS) (*Simulator, error) {
	verr := make(chan error, 1)
	go func() { verr <- validate(cfg, fsys) }()
	s, err := newSimulator(cfg, fsys)
	if err := <-verr; err != nil {
		return nil, err
	}
	return s, err
}

// newSimulator is New without validate.
func newSimulator(cfg *conf.Config, fsys *fsmeta.FS) (*Simulator, error) {
	s := &Simulator{Config: cfg, FS: fsys, User: "www-data", Group: "www-data"}
	s.main = &scope{}
	for _, d := range cfg.Directives {
		if d.Comment {
			continue
		}
		switch {
		case d.Is("Listen"):
			l, err := parseListen(d)
			if err != nil {
				return nil, err
			}
			s.listens = append(s.listens, l)
		case d.Is("User") && len(d.Args) == 1:
			s.User, s.userR = d.Args[0], d.Range
		case d.Is("Group") && len(d.Args) == 1:
			s.Group = d.Args[0]
		case d.Section && d.Is("VirtualHost"):
			v, err := newVhost(d)
			if err != nil {
				return nil, err
			}
			s.vhosts = append(s.vhosts, v)
		default:
			s.main.add(d)
		}
	}
	users, err := loadUsers(fsys)
	if err != nil {
		return nil, err
	}
	cred, err := users.Cred(s.User, s.Group)
	if err != nil {
		if !s.userR.IsZero() {
			return nil, parser.Errorf(s.userR.File, s.userR.Start.Line, "%v", err)
		}
		return nil, fmt.Errorf("worker identity %s:%s: %v", s.User, s.Group, err)
	}
	s.Cred = cred
	// a relative DocumentRoot is under the server root
	// (ap_server_root_relative)
	for _, sc := range append([]*scope{s.main}, vhostScopes(s.vhosts)...) {
		if sc.docRoot != "" && !path.IsAbs(sc.docRoot) {
			sc.docRoot = path.Join(cfg.ServerRoot, sc.docRoot)
		}
	}
	if len(s.listens) == 0 {
		s.unsure = "no Listen directive: the compiled-in port is not modelled yet"
	}
	return s, nil
}

// parseListen reads "Listen [addr:]port [protocol]".
func parseListen(d *conf.Directive) (listen, error) {
	bad := func() (listen, error) {
		return listen{}, parser.Errorf(d.Range.File, d.Range.Start.Line, "bad Listen %q", strings.Join(d.Args, " "))
	}
	if len(d.Args) == 0 {
		return bad()
	}
	l := listen{rng: d.Range}
	if len(d.Args) > 1 {
		l.proto = strings.ToLower(d.Args[1])
	}
	a := d.Args[0]
	portText := a
	if i := strings.LastIndex(a, ":"); i >= 0 {
		host := strings.TrimSuffix(strings.TrimPrefix(a[:i], "["), "]")
		if ip := net.ParseIP(host); ip != nil {
			l.addr = ip.String()
		} else {
			return bad()
		}
		portText = a[i+1:]
	}
	p, err := strconv.Atoi(portText)
	if err != nil || p <= 0 || p > 65535 {
		return bad()
	}
	l.port = p
	return l, nil
}

// newVhost reads a <VirtualHost> section.
func newVhost(d *conf.Directive) (*vhost, error) {
	v := &vhost{sec: d, scope: &scope{}}
	for _, a := range d.Args {
		host, port := a, ""
		if i := strings.LastIndex(a, ":"); i >= 0 && !strings.HasSuffix(a, "]") && (strings.Count(a, ":") == 1 || strings.HasPrefix(a, "[")) {
			host, port = a[:i], a[i+1:]
		}
		va := vaddr{}
		switch port {
		case "", "*":
			if port == "" {
				// httpd takes the port of... not modelled: mark below.
				va.port = -1
			}
		default:
			p, err := strconv.Atoi(port)
			if err != nil {
				return nil, parser.Errorf(d.Range.File, d.Range.Start.Line, "bad VirtualHost address %q", a)
			}
			va.port = p
		}
		host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
		switch {
		case host == "*" || strings.EqualFold(host, "_default_"):
		case net.ParseIP(host) != nil:
			va.ip = net.ParseIP(host).String()
		default:
			va.port = -2 // a host name, resolved at start: not modelled
		}
		v.addrs = append(v.addrs, va)
	}
	for _, c := range d.Block {
		if c.Comment {
			continue
		}
		switch {
		case c.Is("ServerName") && len(c.Args) == 1:
			n := c.Args[0]
			if i := strings.Index(n, "://"); i >= 0 {
				n = n[i+3:]
			}
			if h, _, err := net.SplitHostPort(n); err == nil {
				n = h
			}
			v.name = strings.ToLower(n)
		case c.Is("ServerAlias"):
			for _, a := range c.Args {
				v.alias = append(v.alias, strings.ToLower(a))
			}
		default:
			v.scope.add(c)
		}
	}
	return v, nil
}

// harmless are the directives of server or directory context that change
// no status this simulator answers (logging, MIME types, tuning, listing
// looks), by lower-case name.
var harmless = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`loadmodule loadfile pidfile mutex defaultruntimedir typesconfig
		addtype adddefaultcharset addcharset addlanguage addencoding defaulttype errorlog customlog
		transferlog loglevel logformat serveradmin serverroot servername serveralias timeout keepalive
		maxkeepaliverequests keepalivetimeout hostnamelookups servertokens serversignature traceenable
		indexoptions indexignore addicon addiconbytype addiconbyencoding defaulticon readmename
		headername indexorderdefault indexstylesheet adddescription mimemagicfile define setenvif
		setenvifnocase browsermatch browsermatchnocase header requestheader startservers minsparethreads
		maxsparethreads threadlimit threadsperchild maxrequestworkers maxconnectionsperchild
		serverlimit maxrequestsperchild minspareservers maxspareservers maxclients enablesendfile
		enablemmap fileetag usecanonicalname usecanonicalphysicalport languagepriority
		forcelanguagepriority addoutputfilter addoutputfilterbytype expiresactive expiresbytype
		expiresdefault limitrequestbody limitrequestfields limitrequestfieldsize limitrequestline
		gracefulshutdowntimeout listenbacklog sendbuffersize receivebuffersize errorlogformat
		removetype extendedstatus proxystatus indexheadinsert indexignorereset requestreadtimeout protocols`) {
		harmless[n] = true
	}
}

// add files a directive of a server-level scope.
func (sc *scope) add(d *conf.Directive) {
	if d.Comment {
		return
	}
	switch {
	case d.Section && d.Is("Directory") && len(d.Args) == 1 && d.Args[0] != "~":
		sc.dirs = append(sc.dirs, d)
		sc.dirCanon = append(sc.dirCanon, canonDir(d.Args[0]))
		sc.dirWild = append(sc.dirWild, hasWild(d.Args[0]))
	case d.Section && (d.Is("Files") || d.Is("FilesMatch")):
		// Merged by perDir.apply, judged after the directory walk.
		sc.addPlain(d)
	case isAccessDirective(d):
		sc.addPlain(d)
	case d.Section && isRegexDir(d):
		sc.rdirs = append(sc.rdirs, d)
	case d.Section && isLocation(d):
		sc.locs = append(sc.locs, d)
	case d.Section:
		sc.others = append(sc.others, d)
	case d.Is("DocumentRoot") && len(d.Args) == 1:
		sc.docRoot, sc.docRange = path.Clean(d.Args[0]), d.Range
	case d.Is("Options"), d.Is("DirectoryIndex"), d.Is("DirectorySlash"), d.Is("AllowOverride"), d.Is("AllowOverrideList"),
		d.Is("AddHandler"), d.Is("SetHandler"), d.Is("RemoveHandler"):
		sc.addPlain(d)
	case isAlias(d):
		sc.aliases = append(sc.aliases, d)
	case isRedirect(d):
		sc.redirects = append(sc.redirects, d)
	case d.Is("UserDir"):
		sc.userdirs = append(sc.userdirs, d)
	case isRewrite(d):
		sc.rewrite = append(sc.rewrite, d)
	case d.Is("Alias"), d.Is("ScriptAlias"), d.Is("AliasMatch"), d.Is("ScriptAliasMatch"):
		sc.others = append(sc.others, d)
	case d.Is("AccessFileName"):
		sc.access = append(sc.access, d)
	case harmless[strings.ToLower(d.Name)]:
	default:
		if sc.unsure == "" {
			sc.unsure = fmt.Sprintf("%s: %s is not modelled yet", d.Range, d.Name)
		}
	}
}

// addPlain files a directive outside sections.
func (sc *scope) addPlain(d *conf.Directive) {
	sc.plain = append(sc.plain, d)
	if d.Section || !harmless[strings.ToLower(d.Name)] {
		sc.perDirLines = true
	}
}

// hasWild reports whether a <Directory> path has fnmatch wildcards.
func hasWild(p string) bool { return strings.ContainsAny(p, "*?[") }

// state is what one request has met so far.
type state struct {
	req simulate.Request
	d   *simulate.Decision
	// others are the unmodelled sections of the request's scopes (their
	// <Directory> sections are dirs' answer).
	others []*conf.Directive
	// rdirs and locs are the regex directory and the location sections
	// of the request's scopes (sections.go).
	rdirs, locs []*conf.Directive
	// redirects counts the internal redirects of mod_rewrite, and
	// rewriteEnded is set after a rule with [END] (rewrite.go).
	redirects    int
	rewriteEnded bool
	// scopes are the request's server scopes (the main server's, then
	// its virtual host's).
	scopes []*scope
	// serverIP is the local address of the connection.
	serverIP string
	// p is the per-directory configuration of the request, once the
	// walk starts.
	p *perDir
	// scopeRoom holds Simulate's scopes (the main server's, its virtual
	// host's) without an allocation of their own.
	scopeRoom [2]*scope
}

// dirs returns the non-regex <Directory> sections of the request's
// scopes, in config order.
func (st *state) dirs() []*conf.Directive {
	return joined(nil, st.scopes, func(sc *scope) []*conf.Directive { return sc.dirs })
}

// step records a step of the decision's trace.
//
// A request with NoTrace (a scan's) keeps the steps without their text,
// but for the access files': the simulator's own logic and its repairs
// read the kinds and ranges of the steps (the mapping directive, the
// DirectoryIndex in effect) and LintDir the text of the access-file steps.
func (st *state) step(kind string, r parser.Range, format string, args ...any) {
	detail := ""
	if !st.req.NoTrace || kind == "htaccess" {
		detail = fmt.Sprintf(format, args...)
	}
	if st.d.Trace == nil {
		// room for the steps of most requests (listen, server, the
		// mapping, two or three sections, the handler): one allocation
		st.d.Trace = make([]simulate.Step, 0, 8)
	}
	st.d.Trace = append(st.d.Trace, simulate.Step{Step: kind, Range: r, Detail: detail})
}

// quiet records a step of the trace without its text when the request
// keeps none (NoTrace; the access files' steps keep theirs), and
// reports whether it did: the caller then leaves out step, whose
// arguments would be boxed for nothing.
func (st *state) quiet(kind string, r parser.Range) bool {
	if !st.req.NoTrace || kind == "htaccess" {
		return false
	}
	st.step(kind, r, "")
	return true
}

func (st *state) notSure(format string, args ...any) *simulate.Decision {
	st.d.Unsure = fmt.Sprintf(format, args...)
	return st.d
}

// Simulate returns what Apache answers for req.
func (s *Simulator) Simulate(req simulate.Request) *simulate.Decision {
	st := &state{req: req, d: &simulate.Decision{}}
	if s.unsure != "" {
		return st.notSure("%s", s.unsure)
	}
	method := req.Method
	if method == "" {
		method = "GET"
	}
	if method != "GET" && method != "HEAD" {
		return st.notSure("method %s is not modelled yet", method)
	}
	ip := req.ServerIP
	if ip == "" {
		ip = "127.0.0.1"
		if strings.Contains(req.Host, ":") {
			ip = req.Host
		}
	}
	ip = canonIP(ip)
	var lst *listen
	for i := range s.listens {
		l := &s.listens[i]
		if l.port == req.Port && (l.addr == "" || l.addr == ip) {
			lst = l
			break
		}
	}
	if lst == nil {
		st.step("listen", parser.Range{}, "nothing listens on %s port %d", ip, req.Port)
		return st.d
	}
	if lst.proto != "" && lst.proto != "http" || req.Scheme == "https" {
		return st.notSure("TLS and protocols other than http are not modelled yet")
	}
	if !st.quiet("listen", lst.rng) {
		st.step("listen", lst.rng, "Listen %s:%d accepts the connection", ip, req.Port)
	}
	st.serverIP = ip

	v, why := s.selectVhost(ip, req.Port, strings.TrimSuffix(strings.ToLower(req.Host), "."))
	if why != "" {
		return st.notSure("%s", why)
	}
	st.scopeRoom[0] = s.main
	scopes := st.scopeRoom[:1:2]
	if v != nil {
		scopes = append(scopes, v.scope)
		st.d.Site = v.sec.Range
		if !st.quiet("server", v.sec.Range) {
			st.step("server", v.sec.Range, "<VirtualHost %s> %s takes the request", strings.Join(v.sec.Args, " "), v.name)
		}
	} else {
		st.step("server", parser.Range{}, "no <VirtualHost> matches: the main server takes the request")
	}
	d := s.finish(st, s.serve(st, scopes))
	// the request's configuration is read no more (an internal
	// redirect's first one, replaced in st.p, is left to the collector)
	release(st.p)
	st.p = nil
	return d
}

// canonIP is ip as net.ParseIP(ip).String() writes it, ip itself when
// it is no address. A dotted quad netip.ParseAddr takes (four decimal
// fields without leading zeros) is already so written, and is returned
// without the two copies (every request writes its server address).
func canonIP(ip string) string {
	if a, err := netip.ParseAddr(ip); err == nil && a.Is4() {
		return ip
	}
	if p := net.ParseIP(ip); p != nil {
		return p.String()
	}
	return ip
}

// perDir is the merged per-directory configuration at some point of the
// walk.
type perDir struct {
	opts       optSet
	optsRange  parser.Range
	index      []string
	indexRange parser.Range
	// authz is the implicit <RequireAny> of the section whose Require
	// lines apply (nil when none met: access is granted), reqRange
	// that section's or line's range.
	authz    *authz
	reqRange parser.Range
	// override is AllowOverride as written, "" when never set (httpd
	// then reads .htaccess files), and overList AllowOverrideList.
	override  string
	overList  string
	overRange parser.Range
	block     *conf.Directive
	// acc is the access side: mod_access_compat, authentication,
	// <Files> sections (access.go).
	acc accessConf
	// handlers are the AddHandler, SetHandler and RemoveHandler lines
	// met, in merge order (mapping.go's handlerOf).
	handlers []*conf.Directive
	// fallback is FallbackResource (mapping.go), nil when unset.
	fallback *conf.Directive
	// rw is the merged per-directory mod_rewrite config (rewrite.go's
	// rewriteSection), nil when no section had any.
	rw *rwConf
}

// optionNames are the flags of Options, by lower-case name.
var optionNames = map[string]string{"indexes": "Indexes", "followsymlinks": "FollowSymLinks",
	"symlinksifownermatch": "SymLinksIfOwnerMatch", "execcgi": "ExecCGI", "includes": "Includes",
	"includesnoexec": "IncludesNOEXEC", "multiviews": "MultiViews"}

// optSet is a set of the flags of Options.
type optSet uint8

// The flags of Options.
const (
	optIndexes optSet = 1 << iota
	optFollowSymLinks
	optSymLinksIfOwnerMatch
	optExecCGI
	optIncludes
	optIncludesNOEXEC
	optMultiViews
)

// optionBits are the flags of Options, by name as optionNames writes it.
var optionBits = map[string]optSet{"Indexes": optIndexes, "FollowSymLinks": optFollowSymLinks,
	"SymLinksIfOwnerMatch": optSymLinksIfOwnerMatch, "ExecCGI": optExecCGI, "Includes": optIncludes,
	"IncludesNOEXEC": optIncludesNOEXEC, "MultiViews": optMultiViews}

// optionList are the flags of Options by lower-case name, for optionBit.
var optionList = []struct {
	lower string
	bit   optSet
}{{"indexes", optIndexes}, {"followsymlinks", optFollowSymLinks}, {"symlinksifownermatch", optSymLinksIfOwnerMatch},
	{"execcgi", optExecCGI}, {"includes", optIncludes}, {"includesnoexec", optIncludesNOEXEC}, {"multiviews", optMultiViews}}

// optionBit returns the flag of Options named a, in any case: what
// optionBits says of optionNames' name of strings.ToLower(a), without
// the lower-cased copy of an ASCII a (every request merges the Options
// lines of its sections).
func optionBit(a string) (optSet, bool) {
	if !isASCII(a) {
		n, ok := optionNames[strings.ToLower(a)]
		return optionBits[n], ok
	}
	for _, o := range optionList {
		if asciiLowerIs(a, o.lower) {
			return o.bit, true
		}
	}
	return 0, false
}

// asciiLowerIs reports whether strings.ToLower(a) == lower, lower being
// ASCII and lower-case, without the copy when a is ASCII.
func asciiLowerIs(a, lower string) bool {
	if !isASCII(a) {
		return strings.ToLower(a) == lower
	}
	if len(a) != len(lower) {
		return false
	}
	for i := 0; i < len(a); i++ {
		c := a[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// isASCII reports whether s holds ASCII bytes only.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// has reports whether the flag o is set.
func (s optSet) has(o optSet) bool { return s&o != 0 }

// apply merges the directives ds (of one section or scope) into p; a
// reason is returned for what is not modelled.
func (p *perDir) apply(ds []*conf.Directive) string {
	var reqs []*authz
	var reqR parser.Range
	var index []string
	var idxR parser.Range
	var compat sectionCompat
	merging := opAny - 1 // AuthMerging Off
	ds, limited, why := p.expandLimit(ds)
	if why != "" {
		return why
	}
	compat.limited = limited.compat
	for _, d := range ds {
		if d.Comment {
			continue
		}
		switch {
		case d.Section && (d.Is("Files") || d.Is("FilesMatch")):
			p.acc.files = append(slices.Clip(p.acc.files), d)
		case d.Section && (d.Is("RequireAll") || d.Is("RequireAny") || d.Is("RequireNone")):
			a, why := parseSection(d)
			if why != "" {
				return why
			}
			reqs, reqR = append(reqs, a), d.Range
		case d.Section:
			return fmt.Sprintf("%s: <%s> is not modelled yet", d.Range, d.Name)
		case d.Is("AuthMerging"):
			switch strings.ToLower(strings.Join(d.Args, " ")) {
			case "off":
				merging = opAny - 1
			case "and":
				merging = opAll
			case "or":
				merging = opAny
			default:
				return fmt.Sprintf("%s: AuthMerging %s is not modelled yet", d.Range, strings.Join(d.Args, " "))
			}
		case d.Is("Options"):
			if why := p.options(d); why != "" {
				return why
			}
		case d.Is("DirectoryIndex"):
			idxR = d.Range
			for _, a := range d.Args {
				if strings.EqualFold(a, "disabled") {
					index = []string{}
					continue
				}
				index = append(index, a)
			}
			if index == nil {
				index = []string{}
			}
		case d.Is("Require"):
			a, why := parseRequire(d)
			if why != "" {
				return why
			}
			reqs, reqR = append(reqs, a), d.Range
		case d.Is("AllowOverride"):
			p.override, p.overRange = strings.Join(d.Args, " "), d.Range
		case d.Is("AllowOverrideList"):
			p.overList = strings.Join(d.Args, " ")
		case d.Is("AddHandler"), d.Is("SetHandler"), d.Is("RemoveHandler"):
			p.handlers = append(p.handlers, d)
		case isRewrite(d):
			// merged by rewriteSection, which knows the directory
		case d.Is("FallbackResource") && len(d.Args) == 1:
			p.fallback = d
		case d.Is("DirectorySlash"):
			if len(d.Args) != 1 || !strings.EqualFold(d.Args[0], "on") {
				return fmt.Sprintf("%s: DirectorySlash %s is not modelled yet", d.Range, strings.Join(d.Args, " "))
			}
		case harmless[strings.ToLower(d.Name)]:
		default:
			if ok, why := p.addAccess(&compat, d); ok {
				if why != "" {
					return why
				}
				continue
			}
			return fmt.Sprintf("%s: %s is not modelled yet", d.Range, d.Name)
		}
	}
	p.mergeCompat(&compat)
	if reqs == nil && limited.require {
		// Require lines for other methods only: mod_authz_core's
		// section does not apply to this one, which it grants, and it
		// still replaces the inherited lines (AuthMerging Off), or
		// joins them with And (granted changes nothing).
		if merging == opAny {
			return fmt.Sprintf("%s: AuthMerging Or with Require lines of other methods is not modelled yet", limited.rng)
		}
		if merging < opAny {
			p.authz, p.reqRange = &authz{rng: limited.rng, provider: "all", granted: true}, limited.rng
			p.acc.filesAuthz = false
		}
	}
	if reqs != nil {
		// Several Require lines are an implicit <RequireAny>; a section
		// with any replaces the inherited ones (AuthMerging Off), or
		// joins them in a <RequireAll> (And) or <RequireAny> (Or).
		top := &authz{rng: reqR, op: opAny, kids: reqs}
		if why := top.check("RequireAny"); why != "" {
			return why
		}
		if merging >= opAny && p.authz != nil {
			top = &authz{rng: reqR, op: merging, kids: []*authz{p.authz, top}}
		}
		p.authz, p.reqRange = top, reqR
		p.acc.filesAuthz = false
	}
	if index != nil {
		p.index, p.indexRange = index, idxR
	}
	return ""
}

// baseCache keeps, per method, the per-directory configuration of the
// main server before the directory walk: the defaults merged with its
// lines outside sections. A virtual host's lines outside sections (few:
// most are in its sections) are merged on a copy for each request, not
// kept: 10,000 virtual hosts holding a <FilesMatch> of their own would
// keep 10,000 entries. It is safe for concurrent use; it holds at most
// one entry per method a request reached (Simulate models GET and HEAD
// only).
type baseCache struct {
	m sync.Map // baseKey -> baseEntry
}

type baseKey struct {
	first  *scope // the request's first scope (the main server's)
	method string
}

type baseEntry struct {
	p   *perDir
	why string
}

// base returns a copy of the per-directory configuration of scopes
// before the walk, for the method, that the request may change; why
// says what is not modelled.
func (c *baseCache) base(scopes []*scope, method string) (*perDir, string) {
	k := baseKey{scopes[0], method}
	e, ok := c.m.Load(k)
	if !ok {
		p := &perDir{opts: optFollowSymLinks, index: []string{"index.html"}}
		p.acc.method = method
		why := p.apply(scopes[0].plain)
		e, _ = c.m.LoadOrStore(k, baseEntry{p, why})
	}
	be := e.(baseEntry)
	p := perDirs.Get().(*perDir)
	be.p.cloneTo(p)
	if be.why != "" {
		return p, be.why
	}
	for _, sc := range scopes[1:] {
		// a scope whose lines change nothing is skipped (every virtual
		// host of a generated config but for its <FilesMatch>)
		if !sc.perDirLines {
			continue
		}
		if why := p.apply(sc.plain); why != "" {
			return p, why
		}
	}
	return p, ""
}

// cloneTo makes q a copy of p that merges more sections without
// changing p: the maps and trees p holds are replaced, never changed,
// when sections merge; the slices that merging appends to are clipped.
func (p *perDir) cloneTo(q *perDir) {
	*q = *p
	q.handlers = slices.Clip(q.handlers)
	q.acc.files = slices.Clip(q.acc.files)
}

// perDirs holds the per-directory configurations that base copies,
// given back by release once their request is answered: every request
// copies one (744 bytes), a tenth of what a scan allocates. Nothing
// keeps a *perDir past its request: a decision holds copies of its
// fields, never p itself.
var perDirs = sync.Pool{New: func() any { return new(perDir) }}

// release gives p, which base returned and nothing reads any more,
// back to perDirs.
func release(p *perDir) {
	if p != nil {
		perDirs.Put(p)
	}
}

// options merges one Options directive.
func (p *perDir) options(d *conf.Directive) string {
	rel := len(d.Args) > 0 && (d.Args[0] != "" && (d.Args[0][0] == '+' || d.Args[0][0] == '-'))
	var next optSet
	if rel {
		next = p.opts
	}
	for _, a := range d.Args {
		sign := byte(0)
		if a != "" && (a[0] == '+' || a[0] == '-') {
			sign, a = a[0], a[1:]
		}
		if (sign != 0) != rel {
			return fmt.Sprintf("%s: Options mixing +/- with plain options is refused by httpd", d.Range)
		}
		var bits optSet
		switch {
		case asciiLowerIs(a, "none"):
		case asciiLowerIs(a, "all"):
			bits = optIndexes | optFollowSymLinks | optExecCGI | optIncludes
		default:
			b, ok := optionBit(a)
			if !ok {
				return fmt.Sprintf("%s: Options %s is not modelled yet", d.Range, a)
			}
			bits = b
		}
		if sign == '-' {
			next &^= bits
		} else {
			next |= bits
		}
	}
	p.opts, p.optsRange = next, d.Range
	return ""
}

// multiViews says why mod_negotiation may answer for the missing file
// f: Options MultiViews in force with the module loaded (its
// type_checker then looks for variants f.*); "" when it cannot.
func (s *Simulator) multiViews(p *perDir, f string) string {
	if !p.opts.has(optMultiViews) || !s.Config.Modules["negotiation_module"] {
		return ""
	}
	return fmt.Sprintf("%s: Options MultiViews: mod_negotiation's search for variants of %s is not modelled yet", p.optsRange, f)
}

// serve maps the request into the tree of the chosen scopes and walks it.
func (s *Simulator) serve(st *state, scopes []*scope) *simulate.Decision {
	req := st.req
	docRoot, docRange := "", parser.Range{}
	for _, sc := range scopes {
		if sc.unsure != "" {
			return st.notSure("%s", sc.unsure)
		}
		if sc.docRoot != "" {
			docRoot, docRange = sc.docRoot, sc.docRange
		}
	}
	if docRoot == "" {
		return st.notSure("no DocumentRoot: the compiled-in one is not modelled yet")
	}
	uri := req.Path
	if uri == "" {
		uri = "/"
	}
	if strings.Contains(strings.ToLower(req.EscapedPath), "%2f") {
		return st.notSure("an encoded slash (AllowEncodedSlashes) is not modelled yet")
	}
	if req.RawPath != "" && req.RawPath != uri {
		return st.notSure("a path with . or .. segments or repeated slashes is not modelled yet")
	}
	for _, sc := range scopes {
		st.others = append(st.others, sc.others...)
		for _, o := range sc.others {
			if why := mayChange(o, uri); why != "" {
				return st.notSure("%s", why)
			}
		}
	}
	m, done := s.translate(st, scopes, uri, docRoot, docRange)
	if done != nil {
		return done
	}
	file := m.file
	uri = m.uri
	st.d.Path = file

	// The server-level per-dir defaults: FollowSymLinks, index.html,
	// then the scopes' own lines.
	p, why := s.bases.base(scopes, req.Method)
	if why != "" {
		st.p = p
		return st.notSure("%s", why)
	}
	st.p = p
	st.scopes = scopes
	st.rdirs = joined(st.rdirs, scopes, func(sc *scope) []*conf.Directive { return sc.rdirs })
	st.locs = joined(st.locs, scopes, func(sc *scope) []*conf.Directive { return sc.locs })

	// ap_directory_walk: every component from "/", its sections merged
	// as the walk reaches it, each component stat()ed by the worker.
	comps := strings.Split(strings.Trim(file, "/"), "/")
	cur := "/"
	var finfo *fsmeta.Info
	applyAt := func(dir string, dirInfo *fsmeta.Info) string {
		dd := "" // canonDir(dir), written when a wildcard needs it
		for _, sc := range scopes {
			for i, d := range sc.dirs {
				pd := sc.dirCanon[i]
				if sc.dirWild[i] {
					if dd == "" {
						dd = canonDir(dir)
					}
					if !dirMatchesCanon(d.Args[0], pd, dd) {
						continue
					}
				} else if !isCanonOf(pd, dir) {
					continue
				}
				if why := p.apply(d.Block); why != "" {
					return why
				}
				p.rewriteSection(d, d.Block, d.Args[0])
				p.block = d
				if !st.quiet("directory", d.Range) {
					st.step("directory", d.Range, "<Directory %s> applies", d.Args[0])
				}
			}
		}
		if strings.EqualFold(p.override, "None") && (p.overList == "" || strings.EqualFold(p.overList, "None")) {
			s.ignoredAccess(st, p, dir, dirInfo, scopes)
			return ""
		}
		// ap_parse_htaccess: the worker opens the access files of
		// every directory the walk enters; a missing one is skipped.
		for _, name := range s.accessFiles(scopes) {
			f := path.Join(dir, name)
			res := s.FS.Access(s.Cred, f, fsmeta.Read, true)
			switch {
			case res.Blind:
				return "cannot read the metadata of " + res.At
			case res.Err == syscall.ENOENT || res.Err == syscall.ENOTDIR:
				continue
			case res.Err == syscall.EACCES:
				rule, kind, _ := simulate.FSCause(res)
				st.d.Status = 403
				st.d.Cause = &simulate.Cause{Rule: rule, Kind: kind, Path: res.At, Range: p.overRange,
					Reason: fmt.Sprintf("(13)Permission denied: AH00529: %s pcfg_openfile: unable to check htaccess file, ensure it is readable and that '%s/' is executable", f, strings.TrimSuffix(dir, "/"))}
				st.step("htaccess", p.overRange, "%s: open %s: permission denied", overrideText(p.override), f)
				return ""
			case res.OK():
				// The first access file found is the only one read.
				return s.readAccess(st, p, f, dir, res.Info.Type == fsmeta.TypeRegular)
			default:
				return fmt.Sprintf("open %s: %v is not modelled yet", f, res.Err)
			}
		}
		return ""
	}
	if why := applyAt("/", nil); why != "" {
		return st.notSure("%s", why)
	}
	if st.d.Status != 0 {
		return st.d
	}
	rootInfo, err := s.FS.Lstat("/")
	if err != nil {
		return st.notSure("cannot read /: %v", err)
	}
	finfo = rootInfo
	pathInfo := ""
	for i, c := range comps {
		if c == "" {
			continue
		}
		next := joinComp(cur, c)
		res := s.FS.Access(s.Cred, next, 0, false)
		if res.Blind {
			return st.notSure("cannot read the metadata of %s", res.At)
		}
		if !res.OK() {
			if res.Err == syscall.EACCES {
				rule, kind, _ := simulate.FSCause(res)
				st.d.Status = 403
				st.d.Cause = &simulate.Cause{Rule: rule, Kind: kind, Path: res.At,
					Reason: fmt.Sprintf("AH00035: access to %s denied (filesystem path '%s') because search permissions are missing on a component of the path", uri, file)}
				st.step("walk", parser.Range{}, "stat %s: permission denied", next)
				return st.d
			}
			if res.Err == syscall.ENOENT {
				finfo = nil
				pathInfo = "/" + strings.Join(comps[i:], "/")
				break
			}
			return st.notSure("stat %s: %v is not modelled yet", next, res.Err)
		}
		info := res.Info
		if info.Type == fsmeta.TypeSymlink {
			var stop *simulate.Decision
			if info, stop = s.walkLink(st, p, next, info); stop != nil {
				return stop
			}
		}
		cur, finfo = next, info
		if finfo.Type == fsmeta.TypeDir {
			if why := applyAt(cur, finfo); why != "" {
				return st.notSure("%s", why)
			}
			if st.d.Status != 0 {
				return st.d
			}
			continue
		}
		if finfo.Type != fsmeta.TypeRegular {
			return st.notSure("%s is not a regular file nor a directory", cur)
		}
		if i+1 < len(comps) {
			pathInfo = "/" + strings.Join(comps[i+1:], "/")
		} else if strings.HasSuffix(uri, "/") {
			pathInfo = "/"
		}
		break
	}
	// After the walk (and its .htaccess files): the regex <Directory>
	// sections on r->filename, then ap_file_walk's <Files> and
	// <FilesMatch> on the file name (the first missing component of a
	// missing path), then the <Location> sections on the URI, each in
	// config order. Then access and authorization.
	subject := walkSubject(cur, finfo, pathInfo, uri)
	rd, why := regexDirsMatching(st.rdirs, subject)
	if why == "" {
		why = st.applySections(p, rd, "directory")
	}
	if why != "" {
		return st.notSure("%s", why)
	}
	if why := s.filesWalk(st, p, uri, cur, finfo, pathInfo); why != "" {
		return st.notSure("%s", why)
	}
	locs, why := locationsMatching(st.locs, uri)
	if why == "" {
		why = st.applySections(p, locs, "location")
	}
	if why != "" {
		return st.notSure("%s", why)
	}
	if !s.authorize(st, p, file) {
		s.where(st, p)
		return st.d
	}
	s.where(st, p)
	if finfo == nil {
		// mod_negotiation's type_checker comes before the fixups
		if why := s.multiViews(p, subject); why != "" {
			return st.notSure("%s", why)
		}
	}
	noSlash := finfo != nil && finfo.Type == fsmeta.TypeDir && !strings.HasSuffix(uri, "/")
	full := "" // what rewriteDir reads only when there are rules
	if c := p.rw; c != nil && c.on && len(c.rules) > 0 {
		full = fullPath(cur, finfo, pathInfo, uri)
	}
	if d := s.rewriteDir(st, p, scopes, uri, subject, full, docRoot, noSlash); d != nil {
		return d
	}
	if d := s.handle(st, p, m, uri, subject, finfo, pathInfo); d != nil {
		return d
	}
	if finfo == nil {
		if d := s.fallback(st, p, scopes, uri); d != nil {
			return d
		}
		st.d.Status = 404
		if !st.quiet("static", parser.Range{}) {
			st.step("static", parser.Range{}, "%s does not exist", file)
		}
		return st.d
	}
	if pathInfo != "" && pathInfo != "/" || (pathInfo == "/" && finfo.Type != fsmeta.TypeDir) {
		st.d.Status = 404
		st.step("static", parser.Range{}, "%s is a file: the path info %s is refused (AcceptPathInfo default)", cur, pathInfo)
		return st.d
	}
	if finfo.Type == fsmeta.TypeDir {
		return s.directory(st, p, uri, cur)
	}
	return s.open(st, cur)
}

// overrideText describes an AllowOverride setting.
func overrideText(o string) string {
	if o == "" {
		return "AllowOverride not set"
	}
	return "AllowOverride " + o
}

// defaultAccess is httpd's AccessFileName (shared: never changed).
var defaultAccess = []string{".htaccess"}

// accessFiles are the names of AccessFileName in the scopes, the last
// one set winning; .htaccess by default.
func (s *Simulator) accessFiles(scopes []*scope) []string {
	names := defaultAccess
	for _, sc := range scopes {
		for _, d := range sc.access {
			names = d.Args
		}
	}
	return names
}

// where records the section that decided the request.
func (s *Simulator) where(st *state, p *perDir) {
	if p.block != nil {
		st.d.Location, st.d.LocationRange, st.d.Block = strings.Join(p.block.Args, " "), p.block.Range, p.block.Name
	}
}

// open is the default handler on a regular file: the worker opens it.
func (s *Simulator) open(st *state, file string) *simulate.Decision {
	res := s.FS.Access(s.Cred, file, fsmeta.Read, true)
	if res.Blind {
		return st.notSure("cannot read the metadata of %s", res.At)
	}
	if !res.OK() {
		rule, kind, ok := simulate.FSCause(res)
		if !ok {
			return st.notSure("open %s: %v is not modelled yet", file, res.Err)
		}
		st.d.Status = 403
		st.d.Cause = &simulate.Cause{Rule: rule, Kind: kind, Path: res.At,
			Reason: "(13)Permission denied: AH00132: file permissions deny server access: " + file}
		st.step("static", parser.Range{}, "open %s: permission denied", file)
		return st.d
	}
	st.d.Path = file
	st.d.Status = 200
	if !st.quiet("static", parser.Range{}) {
		st.step("static", parser.Range{}, "serves %s", file)
	}
	return st.d
}

// directory is mod_dir's fixup and the handlers of a directory.
func (s *Simulator) directory(st *state, p *perDir, uri, dir string) *simulate.Decision {
	if !s.Config.Modules["dir_module"] {
		return st.notSure("a directory without mod_dir is not modelled yet")
	}
	if !strings.HasSuffix(uri, "/") {
		st.d.Status = 301
		st.step("dir", parser.Range{}, "mod_dir redirects %s to %s/", uri, uri)
		return st.d
	}
	var refused *simulate.Cause
	for _, name := range p.index {
		if strings.Contains(name, "/") {
			return st.notSure("%s: DirectoryIndex %s with a path is not modelled yet", p.indexRange, name)
		}
		if why := p.filesMay(name); why != "" {
			return st.notSure("%s", why)
		}
		f := path.Join(dir, name)
		if why := st.sameSections(strings.TrimSuffix(dir, "/")+"/", uri, f, uri+name); why != "" {
			return st.notSure("%s", why)
		}
		if why := s.indexRewritten(st, uri+name); why != "" {
			return st.notSure("%s", why)
		}
		if h, by := handlerOf(p, name); h != "" {
			if why := s.handlerClaimed(h); why != "" || strings.EqualFold(h, "cgi-script") {
				return st.notSure("%s: the DirectoryIndex %s has the handler %s: not modelled yet", by.Range, name, h)
			}
		}
		res := s.FS.Access(s.Cred, f, 0, false)
		if res.Blind {
			return st.notSure("cannot read the metadata of %s", res.At)
		}
		if res.OK() && res.Info.Type == fsmeta.TypeSymlink {
			// The index's subrequest walks to the link under the
			// directory's Options: a refused link is its error.
			target, cause, detail, why := s.followLink(p, f, res.Info)
			if why != "" {
				return st.notSure("%s", why)
			}
			if cause != nil {
				if refused == nil {
					refused = cause
				}
				st.step("index", cause.Range, "DirectoryIndex %s: %s", name, detail)
				continue
			}
			if target.Type != fsmeta.TypeRegular && target.Type != fsmeta.TypeDir {
				return st.notSure("%s points to neither a file nor a directory (AH00038): not modelled yet", f)
			}
			res.Info = target
		}
		if res.OK() && res.Info.Type == fsmeta.TypeRegular {
			if !st.quiet("index", p.indexRange) {
				st.step("index", p.indexRange, "DirectoryIndex finds %s", f)
			}
			return s.open(st, f)
		}
		if res.OK() && res.Info.Type == fsmeta.TypeDir {
			// The index's subrequest meets a directory without its
			// slash: mod_dir propagates its redirect at once.
			for _, d := range st.dirs() {
				if dirMatches(d.Args[0], f) {
					return st.notSure("%s: <Directory> of an index directory is not modelled yet", d.Range)
				}
			}
			if !strings.EqualFold(p.override, "None") {
				return st.notSure("an index directory whose .htaccess is read is not modelled yet")
			}
			st.d.Status = 301
			st.step("index", p.indexRange, "DirectoryIndex %s is a directory: its subrequest redirects to %s%s/", name, uri, name)
			return st.d
		}
		if res.Err == syscall.EACCES {
			// The index's subrequest is refused in its directory walk
			// (AH00035): mod_dir answers its status unless a later
			// index is found.
			if refused == nil {
				rule, kind, _ := simulate.FSCause(res)
				refused = &simulate.Cause{Rule: rule, Kind: kind, Path: res.At,
					Reason: fmt.Sprintf("AH00035: access to %s%s denied (filesystem path '%s') because search permissions are missing on a component of the path", uri, name, f)}
			}
			st.step("index", p.indexRange, "stat %s: permission denied", f)
			continue
		}
		if !res.OK() && res.Err != syscall.ENOENT {
			return st.notSure("the index %s: %v is not modelled yet", f, res.Err)
		}
		if why := s.multiViews(p, f); why != "" {
			return st.notSure("%s", why)
		}
	}
	if refused != nil {
		st.d.Status, st.d.Cause = 403, refused
		return st.d
	}
	if h, by := handlerOf(p, ""); h != "" {
		// SetHandler takes the directory from mod_autoindex: a handler
		// no module claims leaves it to core's default handler, which
		// refuses to serve a directory (AH00129).
		if why := s.handlerClaimed(h); why != "" || strings.EqualFold(h, "cgi-script") {
			return st.notSure("%s: the handler %s of a directory without its index is not modelled yet", by.Range, h)
		}
		if m := st.req.Method; m != "" && m != "GET" && m != "HEAD" && m != "POST" {
			return st.notSure("core's default handler on %s with the method %s is not modelled yet", dir, m)
		}
		st.d.Status = 404
		st.d.Cause = &simulate.Cause{Kind: simulate.KindNone, Path: dir, Range: by.Range,
			Reason: "AH00129: Attempt to serve directory: " + strings.TrimSuffix(dir, "/") + "/"}
		st.step("handler", by.Range, "no DirectoryIndex file in %s and the handler %s: core's default handler does not serve a directory", dir, strings.ToLower(h))
		return st.d
	}
	if !s.Config.Modules["autoindex_module"] {
		st.d.Status = 404
		st.step("index", p.indexRange, "no DirectoryIndex file in %s and no mod_autoindex", dir)
		return st.d
	}
	if !p.opts.has(optIndexes) {
		st.d.Status = 403
		st.d.Cause = &simulate.Cause{Rule: RuleIndexMissing, Kind: simulate.KindIndexMissing, Path: dir,
			Range: p.optsRange, Directive: "DirectoryIndex", Listing: "Options Indexes",
			Reason: fmt.Sprintf("AH01276: Cannot serve directory %s/: No matching DirectoryIndex (%s) found, and server-generated directory index forbidden by Options directive", strings.TrimSuffix(dir, "/"), strings.Join(p.index, ","))}
		st.step("index", p.indexRange, "no DirectoryIndex file in %s and Options Indexes is off", dir)
		return st.d
	}
	res := s.FS.Access(s.Cred, dir, fsmeta.Read, true)
	if !res.OK() {
		rule, kind, ok := simulate.FSCause(res)
		if !ok {
			return st.notSure("opendir %s: %v is not modelled yet", dir, res.Err)
		}
		st.d.Status = 403
		st.d.Cause = &simulate.Cause{Rule: rule, Kind: kind, Path: res.At,
			Reason: "AH01275: Can't open directory for index: " + dir + "/"}
		st.step("autoindex", p.optsRange, "opendir %s: permission denied", dir)
		return st.d
	}
	st.d.Status = 200
	st.step("autoindex", p.optsRange, "Options Indexes lists %s", dir)
	return st.d
}

// aliasMatches is mod_alias's alias_matches: the length of the prefix of
// uri that the Alias URL-path fake matches (any run of slashes in fake
// matching a run of at least one in uri, the last component whole), 0
// when it does not match.
func aliasMatches(uri, fake string) int {
	a, u := 0, 0
	for a < len(fake) {
		if fake[a] == '/' {
			if u >= len(uri) || uri[u] != '/' {
				return 0
			}
			for a < len(fake) && fake[a] == '/' {
				a++
			}
			for u < len(uri) && uri[u] == '/' {
				u++
			}
			continue
		}
		if u >= len(uri) || uri[u] != fake[a] {
			return 0
		}
		a++
		u++
	}
	if a > 0 && fake[a-1] != '/' && u < len(uri) && uri[u] != '/' {
		return 0
	}
	return u
}

// isCanonOf reports whether pd, a path as canonDir writes it, is
// canonDir(dir) for the clean path dir, without writing the latter.
func isCanonOf(pd, dir string) bool {
	if dir == "/" {
		return pd == "/"
	}
	return len(pd) == len(dir)+1 && pd[len(dir)] == '/' && pd[:len(dir)] == dir
}

// joinComp is path.Join(dir, c) for the clean path dir and a component
// c (no slash): without path.Join's cleaning when c is neither "." nor
// "..".
func joinComp(dir, c string) string {
	switch {
	case c == "" || c == "." || c == "..":
		return path.Join(dir, c)
	case dir == "/":
		return "/" + c
	}
	return dir + "/" + c
}

// joined returns to (for a request: the sections of its scopes, nil
// at first) with the slices field gives of every scope appended. When
// to is empty and one scope alone has any, that scope's own slice is
// returned, clipped, not a copy.
func joined(to []*conf.Directive, scopes []*scope, field func(*scope) []*conf.Directive) []*conf.Directive {
	if len(to) == 0 {
		var only []*conf.Directive
		n := 0
		for _, sc := range scopes {
			if f := field(sc); len(f) > 0 {
				only = f
				n++
			}
		}
		if n <= 1 {
			return slices.Clip(only)
		}
	}
	for _, sc := range scopes {
		to = append(to, field(sc)...)
	}
	return to
}

// canonDir is a directory path with one trailing slash.
func canonDir(p string) string {
	return strings.TrimSuffix(path.Clean(p), "/") + "/"
}

// mayChange says why the section or directive o, which the simulator does
// not model, may change the answer for uri; "" when it cannot.
func mayChange(o *conf.Directive, uri string) string {
	unsure := func() string { return fmt.Sprintf("%s: %s is not modelled yet", o.Range, o.Name) }
	switch {
	case o.Is("Alias"), o.Is("ScriptAlias"), o.Is("Redirect"), o.Is("RedirectPermanent"), o.Is("RedirectTemp"):
		if len(o.Args) == 0 {
			return unsure()
		}
		prefix := o.Args[0]
		if o.Is("Redirect") && len(o.Args) > 1 && !strings.HasPrefix(prefix, "/") {
			prefix = o.Args[1]
		}
		if strings.HasPrefix(uri, strings.TrimSuffix(prefix, "/")) {
			return unsure()
		}
		return ""
	case o.Is("AddHandler"):
		// mod_mime gives the handler to a name with any of the
		// extensions among its dot-separated parts.
		for _, seg := range strings.Split(uri, "/") {
			parts := strings.Split(strings.ToLower(seg), ".")
			for _, ext := range o.Args[min(1, len(o.Args)):] {
				if slices.Contains(parts[min(1, len(parts)):], strings.TrimPrefix(strings.ToLower(ext), ".")) {
					return unsure()
				}
			}
		}
		return ""
	case o.Is("UserDir"):
		if len(o.Args) == 1 && strings.EqualFold(o.Args[0], "disabled") {
			return ""
		}
		if strings.HasPrefix(uri, "/~") {
			return unsure()
		}
		return ""
	case o.Is("AliasMatch"), o.Is("ScriptAliasMatch"), o.Is("RedirectMatch"):
		pat := ""
		for _, a := range o.Args {
			if !strings.HasPrefix(a, "/") && pat == "" && o.Is("RedirectMatch") && len(o.Args) > 2 {
				continue
			}
			pat = a
			break
		}
		return regexMay(pat, []string{uri}, unsure())
	case o.Is("Location"), o.Is("LocationMatch"):
		if len(o.Args) == 0 {
			return unsure()
		}
		if o.Is("LocationMatch") || o.Args[0] == "~" {
			return regexMay(o.Args[len(o.Args)-1], []string{uri}, unsure())
		}
		if strings.HasPrefix(uri, strings.TrimSuffix(o.Args[0], "/")) || hasWild(o.Args[0]) {
			return unsure()
		}
		return ""
	case o.Is("Files"), o.Is("FilesMatch"):
		if len(o.Args) == 0 {
			return unsure()
		}
		// Any segment of the path may be the last component Apache
		// matches: judged conservatively. Index names are judged by
		// the caller.
		names := strings.Split(uri, "/")
		if o.Is("FilesMatch") || o.Args[0] == "~" {
			return regexMay(o.Args[len(o.Args)-1], names, unsure())
		}
		for _, n := range names {
			if ok, err := path.Match(o.Args[0], n); err != nil || ok {
				return unsure()
			}
		}
		return ""
	case o.Is("Directory"), o.Is("DirectoryMatch"):
		// A regex or wildcard directory: unsure when it may match any
		// directory of the request's path.
		return unsure()
	}
	return unsure()
}

// regexMay says unsure when the regex pat may match one of subjects, or
// does not compile in Go.
func regexMay(pat string, subjects []string, unsure string) string {
	re, err := regexes.compile(pat, false)
	if err != nil {
		return unsure
	}
	for _, s := range subjects {
		if m, err := re.Match(s); m != nil || err != nil {
			return unsure
		}
	}
	return ""
}

// vhostScopes are the scopes of vs.
func vhostScopes(vs []*vhost) []*scope {
	out := make([]*scope, len(vs))
	for i, v := range vs {
		out[i] = v.scope
	}
	return out
}
