package nginx

import (
	"fmt"
	"net"
	"path"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/unforbid/unforbid/parser"
	conf "github.com/unforbid/unforbid/parser/nginx"
)

// Model is the part of an nginx configuration that decides what a request
// gets: the worker identity, the servers and their locations, each with its
// effective (inherited and merged) settings.
type Model struct {
	Config  *conf.Config
	Prefix  string // nginx --prefix, for relative root/alias
	ConfDir string // directory of the main file, for relative auth files
	User    string // worker user
	Group   string // worker group
	UserDir *conf.Directive
	Servers []*Server
	// Unsupported lists constructs the model does not simulate; decisions
	// that touch them are marked unsure.
	Unsupported []string

	mergeSlashes bool // http-level merge_slashes, inherited by servers

	groupsOnce sync.Once
	groups     map[groupKey]*listenGroup
	regexes    sync.Map // "expr\x00fold" -> *Regex or error (regex)

	setOnce sync.Once
	setVars map[string]bool // lower-case names of the variables some set directive sets
}

// declaredBySet reports whether a set directive anywhere in the
// configuration sets the variable name: where none has run yet, the
// variable is empty (ngx_http_rewrite_var logs "using uninitialized").
func (m *Model) declaredBySet(name string) bool {
	m.setOnce.Do(func() {
		m.setVars = map[string]bool{}
		var visit func(ds []*conf.Directive)
		visit = func(ds []*conf.Directive) {
			for _, d := range ds {
				if d.Name == "set" && len(d.Args) == 2 && strings.HasPrefix(d.Args[0], "$") {
					m.setVars[strings.ToLower(d.Args[0][1:])] = true
				}
				visit(d.Block)
			}
		}
		if m.Config != nil {
			visit(m.Config.Dirs)
		}
	})
	return m.setVars[strings.ToLower(name)]
}

// regex compiles (once) a regex of a location, server_name, rewrite, if
// or fastcgi_split_path_info: a Regex is safe for concurrent use.
func (m *Model) regex(expr string, fold bool) (*Regex, error) {
	key := expr
	if fold {
		key += "\x00i"
	}
	if v, ok := m.regexes.Load(key); ok {
		if err, isErr := v.(error); isErr {
			return nil, err
		}
		return v.(*Regex), nil
	}
	re, err := CompileRegex(expr, fold)
	if err != nil {
		m.regexes.Store(key, err)
		return nil, err
	}
	// two goroutines may compile one regex at once: both keep the first
	v, _ := m.regexes.LoadOrStore(key, re)
	return v.(*Regex), nil
}

// Listen is one listen address of a server.
type Listen struct {
	Addr          string // "" for a wildcard address
	IPv6          bool
	Port          int
	Unix          bool
	DefaultServer bool
	DualStack     bool // [::] with ipv6only=off: takes IPv4 connections too
	Dir           *conf.Directive
}

// Server is one server block.
type Server struct {
	Dir     *conf.Directive
	Listens []Listen
	Names   []string
	Conf    *LocConf // the server level settings, used when no location matches
	// Rewrites are the server-level rewrite module directives (return,
	// rewrite, if, set) in config order.
	Rewrites  []*conf.Directive
	Prefix    []*Location // literal locations (=, ^~, plain) in config order
	Regex     []*Location // regex locations in config order
	Named     map[string]*Location
	Locations []*Location // every location, nested ones included, in config order
	nameRes   map[string]*Regex
	// MergeSlashes is merge_slashes (on by default).
	MergeSlashes bool
}

// Location is one location block. What few locations have (nested
// locations, rewrite directives, if blocks, a regex that cannot be
// compiled) is in a locationRare, which the locations without any share:
// at 10,000 server blocks of ten locations, Locations are a tenth of the
// model's memory. A Location is never modified once built.
type Location struct {
	Dir    *conf.Directive
	Mod    string // "", "=", "^~", "~", "~*", "@"
	Name   string
	Re     *Regex // for ~ and ~*
	Parent *Location
	Conf   *LocConf

	*locationRare
}

// locationRare holds the fields of a Location that most locations leave
// empty (see Location).
type locationRare struct {
	// ReErr says why the regex could not be compiled.
	ReErr string
	// Prefix and Regex are the nested literal and regex locations, in
	// config order.
	Prefix []*Location
	Regex  []*Location
	// Rewrites are the location's rewrite module directives (return,
	// rewrite, if, set, break) in config order.
	Rewrites []*conf.Directive
	// IfConfs are the settings in force inside each `if` block of the
	// location when its condition is true: nginx swaps in the block's own
	// configuration, which inherits from the location (but, like every
	// nested level, not try_files).
	IfConfs map[*conf.Directive]*LocConf
}

// noLocationRare is the locationRare of the locations whose fields there
// are all empty: shared, never modified.
var noLocationRare = &locationRare{}

// AccessRule is one allow or deny directive.
type AccessRule struct {
	Allow bool
	All   bool
	Unix  bool
	Net   *net.IPNet
	V6    bool // an IPv6 address or network (IPv4-mapped ones included)
	Dir   *conf.Directive
}

// LimitExcept is a limit_except block: its settings replace the location's
// for every method it does not list.
type LimitExcept struct {
	Methods map[string]bool
	Conf    *LocConf
	Dir     *conf.Directive
}

// LocConf holds the effective settings of one server or location level.
// The settings levels seldom set apart from their parent's (index, auth,
// disable_symlinks, error pages...) are in a levelRare that a level shares
// with its parent until it sets one of them: at 10,000 server blocks of
// ten locations, a LocConf is most of the model's memory. A LocConf is
// never modified once built.
type LocConf struct {
	Root        string // root or alias value, unexpanded
	AliasPrefix int    // length of the location name the alias replaces
	RootDir     *conf.Directive

	AutoindexDir *conf.Directive

	TryFiles    []string
	TryFilesDir *conf.Directive

	Access    []AccessRule
	AccessDir *conf.Directive // the first allow/deny of the level that owns the list

	Handler     string // proxy_pass, fastcgi_pass, ... (not inherited)
	HandlerDir  *conf.Directive
	LimitExcept *LimitExcept

	Alias        bool
	Autoindex    bool
	Internal     bool
	AutoRedirect bool // set by the *_pass handlers

	*levelRare
}

// levelRare holds the settings of a LocConf that levels seldom set apart
// from their parent's, shared by the levels that do not (see LocConf).
type levelRare struct {
	// Index is the index directive in force, IndexDir the directive.
	Index    []string
	IndexDir *conf.Directive

	// SatisfyAny is "satisfy any".
	SatisfyAny bool

	// AuthBasic is the realm, "" when off; AuthUserFile the
	// auth_basic_user_file; AuthRequest the auth_request URI, "" when off.
	AuthBasic       string
	AuthBasicDir    *conf.Directive
	AuthUserFile    string
	AuthUserFileDir *conf.Directive
	AuthRequest     string
	AuthRequestDir  *conf.Directive
	// DisableSymlinks is off, on or if_not_owner; DisableFrom its from=.
	DisableSymlinks string
	DisableFrom     string
	DisableDir      *conf.Directive
	// OpenFileCache is open_file_cache not off.
	OpenFileCache bool
	// ErrorPages are the error_page mappings in force.
	ErrorPages []ErrorPage
	// RecursiveErrors is recursive_error_pages.
	RecursiveErrors bool
	// FastCGISplit is fastcgi_split_path_info: its first capture is
	// $fastcgi_script_name, its second $fastcgi_path_info.
	FastCGISplit *Regex
}

// ErrorPage is one error_page mapping.
type ErrorPage struct {
	Codes     []int
	Status    int // the =code override, or 0 to keep the status; -1 for "=" alone
	Target    string
	Directive *conf.Directive
}

// handlerDirectives are the content handlers whose location hands the
// request to something else than the static modules.
var handlerDirectives = map[string]bool{
	"proxy_pass": true, "fastcgi_pass": true, "uwsgi_pass": true, "scgi_pass": true,
	"grpc_pass": true, "memcached_pass": true, "empty_gif": true, "stub_status": true,
	"perl": true, "js_content": true, "content_by_lua": true, "content_by_lua_block": true,
	"content_by_lua_file": true,
}

// autoRedirectDirectives set auto_redirect on their location: a request
// for the location's name without its trailing slash answers 301.
var autoRedirectDirectives = map[string]bool{
	"proxy_pass": true, "fastcgi_pass": true, "uwsgi_pass": true, "scgi_pass": true,
	"grpc_pass": true, "memcached_pass": true,
}

// rewriteDirectives belong to the rewrite module and run in the rewrite
// phases; they are not inherited.
var rewriteDirectives = map[string]bool{"return": true, "rewrite": true, "if": true, "set": true, "break": true}

// Options tune model building.
type Options struct {
	// Prefix is nginx's --prefix (relative root and alias resolve against
	// it). Debian's build uses /usr/share/nginx.
	Prefix string
}

// DefaultPrefix is the prefix of Debian's nginx build.
const DefaultPrefix = "/usr/share/nginx"

// Build builds the model of cfg.
func Build(cfg *conf.Config, opts Options) (*Model, error) {
	m := &Model{Config: cfg, Prefix: opts.Prefix, ConfDir: path.Dir(cfg.Main), User: "nobody", Group: ""}
	if m.Prefix == "" {
		m.Prefix = DefaultPrefix
	}
	var errs parser.ErrorList
	for _, d := range cfg.Dirs {
		switch d.Name {
		case "user":
			if len(d.Args) >= 1 {
				m.User, m.UserDir = d.Args[0], d
				m.Group = d.Args[0]
				if len(d.Args) >= 2 {
					m.Group = d.Args[1]
				}
			}
		case "http":
			m.mergeSlashes = true
			for _, c := range d.Block {
				if c.Name == "merge_slashes" && len(c.Args) == 1 {
					m.mergeSlashes = c.Args[0] != "off"
				}
			}
			httpConf := &LocConf{Root: "html", levelRare: &levelRare{Index: []string{"index.html"}, DisableSymlinks: "off"}}
			httpConf = mergeLevel(httpConf, d.Block, m, &errs, nil)
			var blocks []*conf.Directive
			for _, s := range d.Block {
				if s.Name == "server" {
					blocks = append(blocks, s)
				}
			}
			for _, b := range buildServers(blocks, httpConf, m) {
				m.Servers = append(m.Servers, b.srv)
				errs = append(errs, b.errs...)
				m.Unsupported = append(m.Unsupported, b.unsupported...)
			}
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return m, nil
}

// builtServer is one server block built (buildServers): the server, and
// what building it added to the errors and to Model.Unsupported.
type builtServer struct {
	srv         *Server
	errs        parser.ErrorList
	unsupported []string
}

// serverChunk is the number of server blocks a goroutine of buildServers
// takes at a time.
const serverChunk = 64

// buildServers builds the server blocks of one http block, on every core
// when there are many: each is built apart from the others (the regexes
// they compile are shared through the Model, which is safe), the results
// in the order of blocks.
func buildServers(blocks []*conf.Directive, parent *LocConf, m *Model) []builtServer {
	out := make([]builtServer, len(blocks))
	eachServer(len(blocks), func(i int) {
		b := &out[i]
		b.srv = buildServer(blocks[i], parent, m, &b.errs, &b.unsupported)
	})
	return out
}

// eachServer calls f(i) for every i below n, on every core in chunks of
// serverChunk when there are several chunks, and returns once all are
// done: f must be safe for concurrent use.
func eachServer(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), (n+serverChunk-1)/serverChunk)
	if workers < 2 {
		for i := range n {
			f(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				end := int(next.Add(serverChunk))
				start := end - serverChunk
				if start >= n {
					return
				}
				for i := start; i < min(end, n); i++ {
					f(i)
				}
			}
		})
	}
	wg.Wait()
}

// buildServer builds the server block d, whose parent level has the
// settings parent, adding to errs and unsupported (Model.Unsupported).
func buildServer(d *conf.Directive, parent *LocConf, m *Model, errs *parser.ErrorList, unsupported *[]string) *Server {
	s := &Server{Dir: d, Named: map[string]*Location{}, nameRes: map[string]*Regex{}, MergeSlashes: m.mergeSlashes}
	for _, c := range d.Block {
		switch c.Name {
		case "listen":
			if l, ok := parseListen(c, errs); ok {
				s.Listens = append(s.Listens, l)
			}
		case "merge_slashes":
			if len(c.Args) == 1 {
				s.MergeSlashes = c.Args[0] != "off"
			}
		case "server_name":
			for _, n := range c.Args {
				if strings.HasPrefix(n, "~") {
					if re, err := m.regex(n[1:], false); err == nil {
						s.nameRes[n] = re
					} else {
						*unsupported = append(*unsupported, fmt.Sprintf("%s: server_name regex %q: %v", c.Range, n, err))
					}
					s.Names = append(s.Names, n)
					continue
				}
				s.Names = append(s.Names, strings.ToLower(n))
			}
		}
		if rewriteDirectives[c.Name] {
			s.Rewrites = append(s.Rewrites, c)
		}
	}
	if len(s.Listens) == 0 {
		s.Listens = []Listen{{Port: 80, Dir: d}}
	}
	if len(s.Names) == 0 {
		s.Names = []string{""}
	}
	s.Conf = mergeLevel(parent, d.Block, m, errs, nil)
	s.Prefix, s.Regex = buildLocations(d.Block, s.Conf, nil, s, m, errs)
	return s
}

func buildLocations(block []*conf.Directive, parent *LocConf, up *Location, s *Server, m *Model, errs *parser.ErrorList) (prefix, regex []*Location) {
	for _, c := range block {
		if c.Name != "location" || !c.IsBlock() {
			continue
		}
		l := &Location{Dir: c, Parent: up, locationRare: noLocationRare}
		var rare locationRare // the fields of l's own locationRare, if any
		switch len(c.Args) {
		case 1:
			l.Name = c.Args[0]
			if strings.HasPrefix(l.Name, "@") {
				l.Mod = "@"
			} else if strings.HasPrefix(l.Name, "=") && len(l.Name) > 1 {
				l.Mod, l.Name = "=", l.Name[1:]
			} else if strings.HasPrefix(l.Name, "~*") && len(l.Name) > 2 {
				l.Mod, l.Name = "~*", l.Name[2:]
			} else if strings.HasPrefix(l.Name, "^~") && len(l.Name) > 2 {
				l.Mod, l.Name = "^~", l.Name[2:]
			} else if strings.HasPrefix(l.Name, "~") && len(l.Name) > 1 {
				l.Mod, l.Name = "~", l.Name[1:]
			}
		case 2:
			l.Mod, l.Name = c.Args[0], c.Args[1]
			switch l.Mod {
			case "=", "~", "~*", "^~":
			default:
				errs.Add(rangeErr(c, "invalid location modifier %q", l.Mod))
				continue
			}
		default:
			errs.Add(rangeErr(c, "invalid number of arguments in \"location\" directive"))
			continue
		}
		if l.Mod == "~" || l.Mod == "~*" {
			// compiled once for the configuration: thousands of sites
			// repeat the same few location regexes
			re, err := m.regex(l.Name, l.Mod == "~*")
			if err != nil {
				rare.ReErr = fmt.Sprintf("regex %q cannot be simulated: %v", l.Name, err)
			} else {
				l.Re = re
			}
		}
		aliasPrefix := len(l.Name)
		if l.Mod == "~" || l.Mod == "~*" {
			aliasPrefix = -1
		}
		l.Conf = mergeLevel(parent, c.Block, m, errs, &aliasPrefix)
		if sameLevel(l.Conf, parent) {
			// nothing of its own (expires, log_not_found, return...):
			// the parent's settings, shared (nothing compares a
			// location's LocConf with its parent's by pointer)
			l.Conf = parent
		}
		for _, r := range c.Block {
			if rewriteDirectives[r.Name] {
				rare.Rewrites = append(rare.Rewrites, r)
			}
			if r.Name == "if" && r.IsBlock() {
				if rare.IfConfs == nil {
					rare.IfConfs = map[*conf.Directive]*LocConf{}
				}
				ic := mergeLevel(l.Conf, r.Block, m, errs, &aliasPrefix)
				if ic.Handler == "" {
					// proxy_pass, fastcgi_pass... apply inside if blocks
					ic.Handler, ic.HandlerDir = l.Conf.Handler, l.Conf.HandlerDir
				}
				ic.Internal = l.Conf.Internal
				rare.IfConfs[r] = ic
			}
		}
		rare.Prefix, rare.Regex = buildLocations(c.Block, l.Conf, l, s, m, errs)
		if rare.ReErr != "" || rare.Prefix != nil || rare.Regex != nil || rare.Rewrites != nil || rare.IfConfs != nil {
			own := rare // on the heap only here
			l.locationRare = &own
		}
		s.Locations = append(s.Locations, l)
		switch l.Mod {
		case "@":
			s.Named[l.Name] = l
		case "~", "~*":
			regex = append(regex, l)
		default:
			prefix = append(prefix, l)
		}
	}
	return prefix, regex
}

// mergeLevel returns the settings of a level whose own directives are
// block, inheriting from parent what the level does not set. aliasPrefix is
// the length of the enclosing location's name (-1 for a regex location),
// nil at http and server level.
func mergeLevel(parent *LocConf, block []*conf.Directive, m *Model, errs *parser.ErrorList, aliasPrefix *int) *LocConf {
	c := *parent
	// Not inherited: try_files has no merge function, the content handler
	// and limit_except belong to the location itself. internal is merged
	// (ngx_conf_merge_value): nested locations are internal too.
	c.TryFiles, c.TryFilesDir = nil, nil
	c.Handler, c.HandlerDir, c.AutoRedirect = "", nil, false
	c.LimitExcept = nil
	// own makes the level's levelRare its own before one of its settings
	// is set: until then the parent's is shared.
	owned := false
	own := func() {
		if !owned {
			r := *c.levelRare
			c.levelRare, owned = &r, true
		}
	}
	var ownAccess []AccessRule
	var ownAccessDir *conf.Directive
	var ownPages []ErrorPage
	var leDir *conf.Directive
	for _, d := range block {
		switch d.Name {
		case "root", "alias":
			if len(d.Args) < 1 {
				continue
			}
			if strings.Contains(d.Args[0], "$document_root") || strings.Contains(d.Args[0], "$realpath_root") {
				errs.Add(rangeErr(d, "the $document_root variable cannot be used in the %q directive", d.Name))
				continue
			}
			c.Root, c.RootDir, c.Alias = d.Args[0], d, d.Name == "alias"
			if c.Alias && aliasPrefix != nil {
				c.AliasPrefix = *aliasPrefix
			}
		case "index":
			own()
			c.Index, c.IndexDir = append([]string(nil), d.Args...), d
		case "autoindex":
			if len(d.Args) == 1 {
				c.Autoindex, c.AutoindexDir = d.Args[0] == "on", d
			}
		case "try_files":
			if len(d.Args) >= 2 {
				c.TryFiles, c.TryFilesDir = append([]string(nil), d.Args...), d
			} else {
				errs.Add(rangeErr(d, "invalid number of arguments in \"try_files\" directive"))
			}
		case "allow", "deny":
			if len(d.Args) != 1 {
				errs.Add(rangeErr(d, "invalid number of arguments in %q directive", d.Name))
				continue
			}
			r, err := parseAccess(d)
			if err != nil {
				errs.Add(rangeErr(d, "%v", err))
				continue
			}
			if ownAccessDir == nil {
				ownAccessDir = d
			}
			ownAccess = append(ownAccess, r)
		case "satisfy":
			if len(d.Args) == 1 {
				own()
				c.SatisfyAny = d.Args[0] == "any"
			}
		case "auth_basic":
			if len(d.Args) == 1 {
				own()
				c.AuthBasic, c.AuthBasicDir = d.Args[0], d
				if d.Args[0] == "off" {
					c.AuthBasic = ""
				}
			}
		case "auth_basic_user_file":
			if len(d.Args) == 1 {
				own()
				c.AuthUserFile, c.AuthUserFileDir = d.Args[0], d
			}
		case "auth_request":
			if len(d.Args) == 1 {
				own()
				c.AuthRequest, c.AuthRequestDir = d.Args[0], d
				if d.Args[0] == "off" {
					c.AuthRequest = ""
				}
			}
		case "disable_symlinks":
			if len(d.Args) >= 1 {
				own()
				c.DisableSymlinks, c.DisableDir, c.DisableFrom = d.Args[0], d, ""
				for _, a := range d.Args[1:] {
					if v, ok := strings.CutPrefix(a, "from="); ok {
						c.DisableFrom = v
					}
				}
			}
		case "open_file_cache":
			if len(d.Args) >= 1 {
				own()
				c.OpenFileCache = d.Args[0] != "off"
			}
		case "internal":
			c.Internal = true
		case "fastcgi_split_path_info":
			if len(d.Args) == 1 {
				if re, err := m.regex(d.Args[0], false); err == nil {
					own()
					c.FastCGISplit = re
				}
			}
		case "recursive_error_pages":
			if len(d.Args) == 1 {
				own()
				c.RecursiveErrors = d.Args[0] == "on"
			}
		case "error_page":
			if p, ok := parseErrorPage(d); ok {
				ownPages = append(ownPages, p)
			}
		case "limit_except":
			if d.IsBlock() {
				// built below, once the location's own settings are known:
				// nginx merges the block like a nested location
				leDir = d
			}
		default:
			if handlerDirectives[d.Name] {
				c.Handler, c.HandlerDir = d.Name, d
				c.AutoRedirect = autoRedirectDirectives[d.Name]
			}
		}
	}
	c.Access, c.AccessDir = ownOr(ownAccess, ownAccessDir, parent)
	if len(ownPages) > 0 {
		own()
		c.ErrorPages = ownPages
	}
	if leDir != nil {
		le := &LimitExcept{Methods: map[string]bool{}, Dir: leDir}
		for _, a := range leDir.Args {
			le.Methods[strings.ToUpper(a)] = true
		}
		if le.Methods["GET"] {
			le.Methods["HEAD"] = true
		}
		le.Conf = mergeLevel(&c, leDir.Block, m, errs, aliasPrefix)
		if le.Conf.Handler == "" {
			// the *_pass modules hand their handler to limit_except
			le.Conf.Handler, le.Conf.HandlerDir, le.Conf.AutoRedirect = c.Handler, c.HandlerDir, c.AutoRedirect
		}
		c.LimitExcept = le
	}
	return &c
}

// sameLevel reports whether a and b hold the same settings, slices and
// directives being the same ones (not merely equal): a level that sets
// nothing of its own can then share its parent's LocConf.
// TestSameLevelCoversFields checks that it compares every field.
func sameLevel(a, b *LocConf) bool {
	return a.Root == b.Root && a.AliasPrefix == b.AliasPrefix && a.RootDir == b.RootDir &&
		a.AutoindexDir == b.AutoindexDir &&
		sameSlice(a.TryFiles, b.TryFiles) && a.TryFilesDir == b.TryFilesDir &&
		sameSlice(a.Access, b.Access) && a.AccessDir == b.AccessDir &&
		a.Handler == b.Handler && a.HandlerDir == b.HandlerDir && a.LimitExcept == b.LimitExcept &&
		a.Alias == b.Alias && a.Autoindex == b.Autoindex && a.Internal == b.Internal &&
		a.AutoRedirect == b.AutoRedirect && a.levelRare == b.levelRare
}

// sameSlice reports whether a and b are the same window of the same array
// (or both empty with no array).
func sameSlice[T any](a, b []T) bool {
	return len(a) == len(b) && cap(a) == cap(b) && unsafe.SliceData(a) == unsafe.SliceData(b)
}

func ownOr(own []AccessRule, ownDir *conf.Directive, parent *LocConf) ([]AccessRule, *conf.Directive) {
	if ownDir != nil {
		return own, ownDir
	}
	return parent.Access, parent.AccessDir
}

func parseAccess(d *conf.Directive) (AccessRule, error) {
	r := AccessRule{Allow: d.Name == "allow", Dir: d}
	a := d.Args[0]
	switch {
	case a == "all":
		r.All = true
	case a == "unix:":
		r.Unix = true
	case strings.Contains(a, "/"):
		addr, bitsText, _ := strings.Cut(a, "/")
		ip := net.ParseIP(addr)
		bits, err := strconv.Atoi(bitsText)
		r.V6 = strings.Contains(addr, ":")
		max := 32
		if r.V6 {
			max = 128
		} else if ip != nil {
			ip = ip.To4()
		}
		if ip == nil || err != nil || bits < 0 || bits > max {
			return r, fmt.Errorf("invalid parameter %q", a)
		}
		// nginx masks host bits (with a warning) rather than refusing them.
		mask := net.CIDRMask(bits, max)
		r.Net = &net.IPNet{IP: ip.Mask(mask), Mask: mask}
	default:
		ip := net.ParseIP(a)
		if ip == nil {
			return r, fmt.Errorf("invalid parameter %q", a)
		}
		r.V6 = strings.Contains(a, ":")
		bits := 32
		if r.V6 {
			bits = 128
		} else {
			ip = ip.To4()
		}
		r.Net = &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)}
	}
	return r, nil
}

func parseErrorPage(d *conf.Directive) (ErrorPage, bool) {
	if len(d.Args) < 2 {
		return ErrorPage{}, false
	}
	p := ErrorPage{Directive: d, Target: d.Args[len(d.Args)-1]}
	for _, a := range d.Args[:len(d.Args)-1] {
		if strings.HasPrefix(a, "=") {
			if a == "=" {
				p.Status = -1
			} else if n, err := strconv.Atoi(a[1:]); err == nil {
				p.Status = n
			}
			continue
		}
		if n, err := strconv.Atoi(a); err == nil {
			p.Codes = append(p.Codes, n)
		}
	}
	return p, len(p.Codes) > 0
}

func parseListen(d *conf.Directive, errs *parser.ErrorList) (Listen, bool) {
	l := Listen{Dir: d}
	if len(d.Args) == 0 {
		errs.Add(rangeErr(d, "invalid number of arguments in \"listen\" directive"))
		return l, false
	}
	a := d.Args[0]
	for _, p := range d.Args[1:] {
		switch p {
		case "default_server", "default":
			l.DefaultServer = true
		case "ipv6only=off":
			l.DualStack = true
		}
	}
	if strings.HasPrefix(a, "unix:") {
		l.Unix = true
		return l, true
	}
	host, port := "", a
	switch {
	case strings.HasPrefix(a, "["):
		i := strings.Index(a, "]")
		if i < 0 {
			errs.Add(rangeErr(d, "invalid listen address %q", a))
			return l, false
		}
		host, port = a[1:i], strings.TrimPrefix(a[i+1:], ":")
		l.IPv6 = true
		if port == "" {
			port = "80"
		}
	case strings.Contains(a, ":"):
		i := strings.LastIndex(a, ":")
		host, port = a[:i], a[i+1:]
	default:
		if _, err := strconv.Atoi(a); err != nil {
			host, port = a, "80"
		}
	}
	n, err := strconv.Atoi(port)
	if err != nil || n <= 0 || n > 65535 {
		errs.Add(rangeErr(d, "invalid port in %q of the \"listen\" directive", a))
		return l, false
	}
	l.Port = n
	switch host {
	case "", "*", "0.0.0.0", "::":
		l.Addr = ""
	case "localhost":
		l.Addr = "127.0.0.1"
	default:
		l.Addr = host
	}
	return l, true
}

func rangeErr(d *conf.Directive, format string, args ...any) *parser.Error {
	return parser.Errorf(d.Range.File, d.Range.Start.Line, format, args...)
}

// Pos returns the directive's range, or a zero range for nil.
func Pos(d *conf.Directive) parser.Range {
	if d == nil {
		return parser.Range{}
	}
	return d.Range
}

// String returns the location as written, e.g. "~ /\.".
func (l *Location) String() string {
	if l.Mod == "" || l.Mod == "@" {
		return l.Name
	}
	return l.Mod + " " + l.Name
}
