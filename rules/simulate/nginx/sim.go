// Package nginx simulates how nginx answers a request: which server and
// location take it, which phase ends it, and which file, directory or
// directive is responsible. It follows nginx 1.22's source
// (ngx_http_core_module.c and the access, auth_basic, index, autoindex,
// try_files and static modules); the end-to-end tests hold it to the real
// server.
package nginx

import (
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/unforbid/unforbid/parser"
	"github.com/unforbid/unforbid/parser/fsmeta"
	conf "github.com/unforbid/unforbid/parser/nginx"
	"github.com/unforbid/unforbid/rules"
	"github.com/unforbid/unforbid/rules/simulate"
)

// Rule IDs the simulator attaches to the causes it finds.
const (
	RuleDenyRule         = "nginx/deny-rule"
	RuleDenyOvermatch    = "nginx/deny-overmatch"
	RuleIndexDenied      = "nginx/index-redirect-denied"
	RuleReturn           = "nginx/return-status"
	RuleIndexMissing     = "nginx/index-missing"
	RuleSymlinkDenied    = "nginx/symlink-denied"
	RuleAuthFileMissing  = "nginx/auth-file-missing"
	RuleUnreadableFile   = simulate.RuleUnreadableFile
	RuleUnreadableDir    = simulate.RuleUnreadableDir
	RuleNoSearch         = simulate.RuleNoSearch
	RuleSymlinkLoop      = simulate.RuleSymlinkLoop
	RuleAuthFileUnreadbl = "nginx/auth-file-unreadable"
)

// maxRedirects is nginx's NGX_HTTP_MAX_URI_CHANGES.
const maxRedirects = 10

// Simulator answers requests for one nginx configuration and filesystem.
//
// A Simulator is safe for concurrent use once made: Simulate, Sites,
// Notes, Lint and FileSystem may be called from several goroutines at once
// (TestConcurrentSimulate runs them so under -race): what they compute
// lazily is guarded by sync.Once or a sync.Map, the Model and its Config
// are only read, and the FS is safe for concurrent use. The exported
// fields must not be changed after New.
type Simulator struct {
	Model *Model
	FS    *fsmeta.FS
	Cred  fsmeta.Cred
	Users *fsmeta.Users
	// Note says what the simulator had to assume, for the user to read.
	Note string

	// secrets are the requests for the secrets of the served trees,
	// which every repair must keep refused (repairs.go).
	secretsOnce sync.Once
	// secretsPartial is set when the walk for secrets stopped at one of
	// its bounds: a fix cannot be shown to keep every secret closed.
	secretsPartial bool
	secrets        []simulate.Request

	// sites are the Sites, worked out once.
	sitesOnce sync.Once
	sites     []simulate.Site

	// cache keeps the parsed config files (Load makes it), for a fix's
	// check to parse again only the files it edits (Reload, edited); nil
	// for a simulator made by New.
	cache *conf.Cache

	// lastSel is FileGroup's last server selection (filegroup.go).
	lastSel atomic.Pointer[selectedFor]
}

// fallbackPasswd and fallbackGroup stand in for a missing user database:
// the accounts of Debian's packages and of the other common nginx builds.
const (
	fallbackPasswd = "root:x:0:0:root:/root:/bin/sh\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\nnginx:x:101:101:nginx:/var/cache/nginx:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
	fallbackGroup  = "root:x:0:\nwww-data:x:33:\nnginx:x:101:\nnogroup:x:65534:\n"
)

// New returns a simulator for m, reading files through fsys, with the
// credentials of nginx's worker processes: the `user` directive, or
// nobody:nogroup (nginx's compiled-in default when the master runs as root).
func New(m *Model, fsys *fsmeta.FS) (*Simulator, error) {
	users, err := fsys.LoadUsers()
	if err != nil {
		return nil, err
	}
	note := ""
	if _, err := fsys.Lstat("/etc/passwd"); err != nil {
		// A config repository or a bare copy of /etc/nginx has no user
		// database: assume the ids of Debian's packages.
		users = fsmeta.ParseUsers([]byte(fallbackPasswd), []byte(fallbackGroup))
		note = "no /etc/passwd: assuming Debian's users and groups (www-data is uid 33)"
	}
	user, group := m.User, m.Group
	if group == "" {
		group = "nogroup"
		if _, ok := users.Group("nobody"); ok {
			group = "nobody"
		}
	}
	cred, err := users.Cred(user, group)
	if err != nil {
		if m.UserDir != nil {
			return nil, parser.Errorf(m.UserDir.Range.File, m.UserDir.Range.Start.Line, "%v", err)
		}
		return nil, fmt.Errorf("worker identity %s:%s: %v", user, group, err)
	}
	return &Simulator{Model: m, FS: fsys, Cred: cred, Users: users, Note: note}, nil
}

// OnView returns the simulator of the same model on the filesystem view
// fsys (simulate.Rebinder): the configuration is not read again, so fsys
// must hold the same config files.
func (s *Simulator) OnView(fsys *fsmeta.FS) (simulate.Server, error) {
	n, err := New(s.Model, fsys)
	if err != nil {
		return nil, err
	}
	n.cache = s.cache
	return n, nil
}

// Reload loads the configuration again through fsys, another view of the
// filesystem (simulate.Reloader): with the cache of s, only the config
// files whose content differs are parsed again, and the model is built
// with the same options.
func (s *Simulator) Reload(fsys *fsmeta.FS) (simulate.Server, error) {
	return s.reload(fsys, nil)
}

// reload loads the configuration again through fsys, reading the files of
// src with those contents, and returns its simulator, which shares the
// cache of s (when it has one: a simulator of New parses every file).
func (s *Simulator) reload(fsys *fsmeta.FS, src map[string][]byte) (*Simulator, error) {
	cfg, err := conf.Load(s.Model.Config.Main, conf.Options{FS: fsys, Src: src, Cache: s.cache})
	if err != nil {
		return nil, err
	}
	m, err := Build(cfg, Options{Prefix: s.Model.Prefix})
	if err != nil {
		return nil, err
	}
	n, err := New(m, fsys)
	if err != nil {
		return nil, err
	}
	n.cache = s.cache
	return n, nil
}

// Worker describes the worker identity, e.g. "www-data:www-data (uid 33)".
func (s *Simulator) Worker() string {
	return fmt.Sprintf("%s (uid %d, gid %d)", s.Cred.User, s.Cred.UID, s.Cred.GID)
}

// run is the state of one simulated request.
type run struct {
	s         *Simulator
	req       simulate.Request
	d         *simulate.Decision
	srv       *Server
	uri, args string
	loc       *Location
	conf      *LocConf
	caps      []string
	capNames  []string
	vars      map[string]setVar
	depth     int // nesting of variable expansion
	internal  bool
	redirects int
	// addURIToAlias is set when try_files found a file under a regex
	// location's alias: the uri is appended to the alias from then on.
	addURIToAlias bool
	// uriChanged is set by a rewrite without a flag while the rewrite
	// directives of one level run (nginx's r->uri_changed).
	uriChanged bool
	// uriRewritten is set by "rewrite ... break": the location stays but
	// its alias can no longer map the uri.
	uriRewritten bool
	// errorPageSent is set once an error_page redirect happened.
	errorPageSent bool
	// noErrorPage is set by a return with a body, which error_page
	// does not replace.
	noErrorPage bool
	// serverRewrite is set by an internal redirect: nginx starts the
	// redirected request again at the server rewrite phase.
	serverRewrite bool
	// viaIndex is set when the index module redirected a directory
	// request to its index file from a location with its own index
	// directive: a deny there refuses a page the config meant to serve.
	viaIndex *conf.Directive
}

// Simulate decides what nginx answers for req.
func (s *Simulator) Simulate(req simulate.Request) *simulate.Decision {
	return s.simulate(req).d
}

// simulate runs req and returns the finished run: its decision, and the
// location and settings that decided it (repairs edit those).
func (s *Simulator) simulate(req simulate.Request) *run {
	r := &run{s: s, req: req, d: &simulate.Decision{}, uri: req.Path, args: req.Query}
	if r.req.Method == "" {
		r.req.Method = "GET"
	}
	r.d.Status = r.serve()
	r.aliasSlash()
	r.errorPage()
	r.words()
	return r
}

// ruleKinds maps the rule IDs this simulator attaches to causes to the
// server-neutral kinds the scanner judges.
var ruleKinds = map[string]simulate.Kind{
	RuleDenyRule:         simulate.KindDenyRule,
	RuleDenyOvermatch:    simulate.KindDenyOvermatch,
	RuleIndexDenied:      simulate.KindIndexDenied,
	RuleReturn:           simulate.KindReturn,
	RuleIndexMissing:     simulate.KindIndexMissing,
	RuleSymlinkDenied:    simulate.KindSymlinkDenied,
	RuleAuthFileMissing:  simulate.KindAuthFileMissing,
	RuleAuthFileUnreadbl: simulate.KindAuthFileUnreadable,
	RuleUnreadableFile:   simulate.KindUnreadableFile,
	RuleUnreadableDir:    simulate.KindUnreadableDir,
	RuleNoSearch:         simulate.KindNoSearch,
	RuleSymlinkLoop:      simulate.KindSymlinkLoop,
	RuleAliasSlash:       simulate.KindAliasSlash,
}

// tracing reports whether the request records its steps: a hot step
// guards its call with it, since its arguments are built (and allocated)
// before step could look.
func (r *run) tracing() bool { return !r.req.NoTrace }

func (r *run) step(kind string, d *conf.Directive, format string, args ...any) {
	if r.req.NoTrace {
		return
	}
	r.d.Trace = append(r.d.Trace, simulate.Step{Step: kind, Range: Pos(d), Detail: fmt.Sprintf(format, args...)})
}

func (r *run) unsure(format string, args ...any) {
	if r.d.Unsure == "" {
		r.d.Unsure = fmt.Sprintf(format, args...)
	}
}

func (r *run) fail(status int, rule string, path string, d *conf.Directive, reason string) int {
	r.d.Cause = &simulate.Cause{Rule: rule, Path: path, Range: Pos(d), Reason: reason}
	return status
}

// serve runs the request through the phases and returns the status.
func (r *run) serve() int {
	if why := requestLineError(r.req); why != "" {
		if r.tracing() {
			r.step("request", nil, "%s", why)
		}
		return 400
	}
	if r.req.Method == "TRACE" {
		// refused while reading the headers, before any phase
		if r.tracing() {
			r.step("request", nil, "client sent TRACE method")
		}
		return 405
	}
	sel := r.s.Model.selectServer(r.req.Host, r.req.Port, r.req.ClientIP, r.req.ServerIP)
	srv, l := sel.s, sel.l
	if srv == nil {
		if r.tracing() {
			r.step("server", nil, "no server listens on port %d for %s", r.req.Port, r.req.ClientIP)
		}
		r.d.Cause = &simulate.Cause{Rule: "", Reason: "connection refused"}
		return 0
	}
	r.srv = srv
	if r.tracing() {
		r.step("server", srv.Dir, "server_name %s (listen %s)", strings.Join(srv.Names, " "), strings.Join(l.Dir.Args, " "))
	}
	if sel.def.s != nil && !sel.def.s.MergeSlashes && r.req.RawPath != "" {
		// the uri is parsed with the socket's default server settings
		r.uri = simulate.NormalizePathKeepSlashes(r.req.RawPath)
		if r.tracing() {
			r.step("request", sel.def.s.Dir, "merge_slashes off: the uri stays %q", r.uri)
		}
	}
	if sel.caps != nil {
		// captures of a regex server_name: $1.. and named variables
		r.caps, r.capNames = sel.caps, sel.capNames
		for i, n := range sel.capNames {
			if n != "" && i < len(sel.caps) {
				r.setVar(n, setVar{value: sel.caps[i]})
			}
		}
	}
	// server rewrite phase
	r.conf = srv.Conf
	if st, done := r.rewrites(srv.Rewrites, true); done {
		return st
	}
	return r.locationPhase()
}

// locationPhase finds the location for r.uri and runs the remaining
// phases; internal redirects loop back here.
func (r *run) locationPhase() int {
	for {
		r.redirects++
		if r.redirects > maxRedirects+1 {
			if r.tracing() {
				r.step("redirect", nil, "rewrite or internal redirection cycle while processing %q", r.uri)
			}
			return r.fail(500, "", "", nil, fmt.Sprintf("rewrite or internal redirection cycle while processing %q", r.uri))
		}
		if r.serverRewrite {
			// ngx_http_internal_redirect: the server's rewrite directives
			// run again for the new uri
			r.serverRewrite = false
			r.loc, r.conf = nil, r.srv.Conf
			if st, done := r.rewrites(r.srv.Rewrites, true); done {
				return st
			}
		}
		loc, caps, rc, unsure := findLocation(r.srv.Prefix, r.srv.Regex, r.uri)
		if unsure != "" {
			r.unsure("%s", unsure)
		}
		r.loc, r.caps, r.capNames = loc, nil, nil
		if loc == nil {
			r.conf = r.srv.Conf
			if r.tracing() {
				r.step("location", r.srv.Dir, "no location matches %q: server level settings apply", r.uri)
			}
		} else {
			r.conf = loc.Conf
			if caps != nil {
				var names []string
				if re := regexOf(loc); re != nil {
					names = re.SubexpNames()
				}
				r.setCaps(caps, names)
			}
			if r.tracing() {
				r.step("location", loc.Dir, "location %s matches %q", loc, r.uri)
			}
			r.d.Location, r.d.LocationRange = loc.String(), loc.Dir.Range
		}
		if loc != nil && loc.Conf.Internal && !r.internal {
			if r.tracing() {
				r.step("location", loc.Dir, "location is internal: external requests get 404")
			}
			return r.fail(404, "", "", loc.Dir, "internal location")
		}
		if rc == findRedirect {
			if r.tracing() {
				r.step("redirect", loc.Dir, "auto redirect to %q", r.uri+"/")
			}
			return 301
		}
		limited := r.limitExcept()
		if loc != nil && !limited {
			st, done := r.rewrites(loc.Rewrites, false)
			if done {
				return st
			}
			if st == -1 { // uri changed by rewrite: search again
				continue
			}
		}
		if st, ok := r.access(); !ok {
			return st
		}
		st, again := r.precontent()
		if again {
			continue
		}
		if st != 0 {
			return st
		}
		st, again = r.content()
		if again {
			continue
		}
		return st
	}
}

// limitExcept swaps in the limit_except block's settings for a method it
// does not list; the location's rewrite directives then do not run.
func (r *run) limitExcept() bool {
	le := r.conf.LimitExcept
	if le == nil || le.Methods[r.req.Method] {
		return false
	}
	if r.tracing() {
		r.step("limit_except", le.Dir, "method %s is not listed: the limit_except block applies", r.req.Method)
	}
	r.conf = le.Conf
	return true
}

// splitRedirect is the internal redirect of error_page and of try_files'
// fallback: the target is split at "?" (ngx_http_split_args) and its
// query, empty when it has none, replaces the request's arguments.
func (r *run) splitRedirect(uri string) {
	r.internalRedirect(uri)
	if !strings.Contains(uri, "?") {
		r.args = ""
	}
}

// internalRedirect switches to uri (with optional args) for a new location
// search.
func (r *run) internalRedirect(uri string) {
	r.uriRewritten, r.addURIToAlias = false, false
	if i := strings.IndexByte(uri, '?'); i >= 0 {
		r.uri, r.args = uri[:i], uri[i+1:]
	} else {
		r.uri = uri
	}
	r.internal = true
	r.serverRewrite = true
}

// access runs the access phase: allow/deny, auth_basic, auth_request, with
// satisfy all or any.
func (r *run) access() (int, bool) {
	c := r.conf
	accessRC, rule := r.checkAccess(c.Access)
	// Only an allowlist is looked behind: the clients it admits meet the
	// files. Behind a deny that admits no client, nothing is ever served.
	if accessRC == 403 && r.req.AssumeAccess && !r.overmatch() && r.viaIndex == nil && admitsSomeone(c.Access) {
		if r.tracing() {
			r.step("access", rule.Dir, "%s %s would refuse client %s (an intended deny: assumed passed to see what lies behind)", rule.Dir.Name, rule.Dir.Args[0], r.req.ClientIP)
		}
		accessRC = 200
	}
	// The access module's handler runs before auth_basic's (nginx calls
	// a phase's handlers in reverse module order): with satisfy any an
	// allow ends the phase before the user file is read, with satisfy
	// all a deny does.
	authRC := 0
	if c.SatisfyAny && accessRC != 200 || !c.SatisfyAny && accessRC != 403 {
		authRC = r.checkAuth(c)
	}
	if c.AuthRequest != "" {
		r.unsure("auth_request %s: the subrequest's answer is not simulated", c.AuthRequest)
		if r.tracing() {
			r.step("access", c.AuthRequestDir, "auth_request %s: assumed to allow", c.AuthRequest)
		}
	}
	if !c.SatisfyAny {
		if accessRC == 403 {
			return r.denied(rule), false
		}
		if accessRC == 200 {
			if r.tracing() {
				r.step("access", rule.Dir, "allow %s matches client %s", rule.Dir.Args[0], r.req.ClientIP)
			}
		}
		if authRC != 0 && authRC != 200 {
			return authRC, false
		}
		return 0, true
	}
	// satisfy any: a hard error (500) ends the request at once; otherwise
	// one module that admits is enough, and 401 beats 403
	if authRC != 0 && authRC != 200 && authRC != 401 && authRC != 403 {
		return authRC, false
	}
	if accessRC == 200 || authRC == 200 {
		if r.tracing() {
			r.step("access", nil, "satisfy any: admitted")
		}
		r.d.Cause = nil
		return 0, true
	}
	if authRC == 401 {
		return 401, false
	}
	if accessRC == 403 {
		return r.denied(rule), false
	}
	if authRC != 0 {
		return authRC, false
	}
	return 0, true
}

// denied ends the request with the 403 of a deny rule. A deny that
// refuses everyone and public content (an image, a font, robots.txt, see
// rules.PublicKind) is an overmatch; other denies are intended.
func (r *run) denied(rule *AccessRule) int {
	if r.tracing() {
		r.step("access", rule.Dir, "%s %s matches client %s: access forbidden by rule", rule.Dir.Name, rule.Dir.Args[0], r.req.ClientIP)
	}
	id := RuleDenyRule
	switch {
	case r.overmatch():
		id = RuleDenyOvermatch
		if admitsSomeone(r.conf.Access) {
			if r.tracing() {
				r.step("access", rule.Dir, "the location's access rules admit private addresses only, and %q is a well-known file the internet asks for", r.uri)
			}
			r.fail(403, id, "", rule.Dir, "access forbidden by rule")
			r.d.Cause.Refused = "outside private networks"
			return 403
		}
		if r.tracing() {
			r.step("access", rule.Dir, "the access rules admit no client, and %q is public content (%s)", r.uri, rules.PublicKind(r.uri))
		}
	case r.viaIndex != nil:
		id = RuleIndexDenied
		if r.tracing() {
			r.step("access", r.viaIndex, "the index redirect to %q left the location that serves the directory; this deny refuses it", r.uri)
		}
	}
	return r.fail(403, id, "", rule.Dir, "access forbidden by rule")
}

// overmatch reports whether the access rules in force refuse public
// content to every client, unintended. Intended: an allowlist that admits
// someone (for well-known files: someone on the internet), rules of a
// limit_except block (which refuse some methods only), a deny whose
// comment names the kind of content refused, and a deny whose location
// names the directory the file is in ("location /private/", "~
// /(data|config)/") unless its comment names another kind of file ("#
// no PHP in uploads").
func (r *run) overmatch() bool {
	kind := rules.PublicKind(r.uri)
	if kind == "" {
		return false
	}
	if r.loc != nil && r.loc.Conf.LimitExcept != nil && r.conf == r.loc.Conf.LimitExcept.Conf {
		return false
	}
	if admitsSomeone(r.conf.Access) && !r.keepsFromInternet(kind) {
		return false
	}
	named, other := rules.CommentKinds(r.comment(r.conf.AccessDir), kind)
	if named {
		return false
	}
	return other || !r.namesDirectory()
}

// keepsFromInternet reports whether the allowlist in force, which admits
// private networks only, keeps a well-known file (robots.txt,
// security.txt, ads.txt, an ACME challenge) of a public site from the
// crawlers and services of the internet that ask for it: the allowlist is
// a location's own, narrower than the server's access rules, which admit
// the internet, and narrower than "location /". An intranet site (its
// server-level rules, or those of "location /", admit private networks
// only) keeps everything from the internet on purpose.
func (r *run) keepsFromInternet(kind string) bool {
	if kind != rules.PublicWellKnown || admitsPublic(r.conf.Access) {
		return false
	}
	srv := r.srv.Conf
	whole := r.loc == nil || r.loc.Parent == nil && r.loc.Name == "/" && (r.loc.Mod == "" || r.loc.Mod == "^~")
	return !whole && r.conf.AccessDir != srv.AccessDir && admitsPublic(srv.Access)
}

// checkAccess returns 200 when an allow rule matches, 403 for a deny, 0 when
// no rule matches (the module declines).
func (r *run) checkAccess(rules []AccessRule) (int, *AccessRule) {
	// An IPv4 peer (or an IPv4-mapped IPv6 one, when there are IPv4
	// rules) is checked against the IPv4 rules only, an IPv6 peer against
	// the IPv6 ones; "all" is in both lists.
	ip := net.ParseIP(r.req.ClientIP)
	v4 := ip.To4() != nil
	if v4 && strings.Contains(r.req.ClientIP, ":") {
		v4 = false
		for _, a := range rules {
			if a.Net != nil && !a.V6 {
				v4 = true
			}
		}
	}
	if v4 {
		ip = ip.To4()
	}
	for i := range rules {
		a := &rules[i]
		match := false
		switch {
		case a.All:
			match = true
		case a.Unix:
		case a.Net != nil && a.V6 != v4:
			match = a.Net.Contains(ip)
		}
		if match {
			if a.Allow {
				return 200, a
			}
			return 403, a
		}
	}
	return 0, nil
}

// checkAuth simulates auth_basic: 0 when off, 401 without credentials, 403
// when the user file is missing, 500 when it cannot be read, 200 when
// credentials were sent and the file can be read (passwords are not
// checked).
func (r *run) checkAuth(c *LocConf) int {
	if c.AuthBasic == "" {
		return 0
	}
	if _, ok := r.req.Headers["Authorization"]; !ok {
		if r.tracing() {
			r.step("access", c.AuthBasicDir, "auth_basic %q: no user/password was provided for basic authentication", c.AuthBasic)
		}
		r.d.Cause = &simulate.Cause{Rule: "", Range: Pos(c.AuthBasicDir), Reason: "no user/password was provided for basic authentication"}
		return 401
	}
	if c.AuthUserFile == "" {
		if r.tracing() {
			r.step("access", c.AuthBasicDir, "auth_basic without auth_basic_user_file")
		}
		return 200
	}
	file, err := r.expand(c.AuthUserFile)
	if err != nil {
		r.unsure("%v", err)
		return 200
	}
	if !path.IsAbs(file) {
		file = path.Join(r.s.Model.ConfDir, file)
	}
	res := r.seen(r.s.FS.Access(r.s.Cred, file, fsmeta.Read, true))
	switch res.Err {
	case 0:
		if r.req.AssumeAuth {
			if r.tracing() {
				r.step("access", c.AuthUserFileDir, "%s is readable; the credentials are assumed valid", file)
			}
			return 200
		}
		return r.checkPassword(c, file)
	case syscall.ENOENT:
		reason := fmt.Sprintf("open() %q failed (2: No such file or directory)", file)
		if r.tracing() {
			r.step("access", c.AuthUserFileDir, "%s", reason)
		}
		return r.fail(403, RuleAuthFileMissing, file, c.AuthUserFileDir, reason)
	default:
		reason := fmt.Sprintf("open() %q failed (%s)", file, errnoText(res.Err))
		if r.tracing() {
			r.step("access", c.AuthUserFileDir, "%s", reason)
		}
		return r.fail(500, RuleAuthFileUnreadbl, res.At, c.AuthUserFileDir, reason)
	}
}

// checkPassword checks the Basic credentials against the user file:
// unknown user or wrong password answer 401. Schemes other than {PLAIN},
// {SHA} and {SSHA} (crypt, $apr1$, bcrypt) are not verified: the trace
// says so and the password is assumed right.
func (r *run) checkPassword(c *LocConf, file string) int {
	user, pass, ok := basicCredentials(r.req.Headers["Authorization"])
	if !ok {
		if r.tracing() {
			r.step("access", c.AuthBasicDir, "no user/password was provided for basic authentication")
		}
		return 401
	}
	data, err := r.s.FS.ReadFile(file)
	if err != nil {
		r.unsure("reading %s: %v", file, err)
		return 200
	}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, hash, found := strings.Cut(line, ":")
		if !found || name != user {
			continue
		}
		if i := strings.IndexByte(hash, ':'); i >= 0 {
			hash = hash[:i]
		}
		match, known := passwordMatches(hash, pass)
		switch {
		case !known:
			if r.tracing() {
				r.step("access", c.AuthUserFileDir, "user %q found in %s (password scheme not verified: assumed right)", user, file)
			}
			return 200
		case !match:
			if r.tracing() {
				r.step("access", c.AuthUserFileDir, "user %q: password mismatch", user)
			}
			return 401
		}
		if r.tracing() {
			r.step("access", c.AuthUserFileDir, "user %q authenticated by %s", user, file)
		}
		return 200
	}
	if r.tracing() {
		r.step("access", c.AuthUserFileDir, "user %q was not found in %q", user, file)
	}
	return 401
}

// errorPage applies error_page to the final status, as
// ngx_http_send_error_page: the error page is an internal redirect
// answered with the original status, or with =code, or (with "=" alone)
// with the page's own status. When the page itself fails, that failure is
// sent plainly, unless recursive_error_pages lets error_page apply again.
// A page that is a uri turns the request into a GET; a named location
// keeps its method.
//
// A page whose processing ends in a special response (an error, or a
// redirect: a return 301, rewrite ... redirect, a directory's 301) sends
// that status, since ngx_http_special_response_handler sets it again.
func (r *run) errorPage() {
	for guard := 0; r.conf != nil && special(r.d.Status) && guard < 2*maxRedirects; guard++ {
		if r.noErrorPage || r.errorPageSent && !r.conf.RecursiveErrors {
			return
		}
		p, code := r.matchErrorPage(r.d.Status)
		if p == nil {
			return
		}
		r.errorPageSent = true
		target, err := r.expand(p.Target)
		if err != nil {
			r.unsure("%v", err)
			return
		}
		if !strings.HasPrefix(target, "/") && !strings.HasPrefix(target, "@") {
			st := 302
			switch p.Status {
			case 301, 302, 303, 307, 308:
				st = p.Status
			}
			if r.tracing() {
				r.step("error_page", p.Directive, "error_page %d redirects to %s (%d)", code, target, st)
			}
			r.d.Status, r.d.Cause = st, nil
			return
		}
		if r.tracing() {
			r.step("error_page", p.Directive, "error_page %d: internal redirect to %s", code, target)
		}
		if r.req.Method != "HEAD" && !strings.HasPrefix(target, "@") {
			// only a uri makes the request a GET: a named location
			// keeps the method (ngx_http_send_error_page)
			r.req.Method = "GET"
		}
		saved := r.d.Cause
		r.d.Cause = nil
		var st int
		if strings.HasPrefix(target, "@") {
			named := r.srv.Named[target]
			if named == nil {
				if r.tracing() {
					r.step("error_page", p.Directive, "named location %s does not exist", target)
				}
				r.d.Status, r.d.Cause = 500, saved
				return
			}
			var again bool
			if st, again = r.named(named); again {
				st = r.locationPhase()
			}
		} else {
			r.splitRedirect(target)
			st = r.locationPhase()
		}
		if special(st) {
			// the error page itself failed or redirects: that status is
			// sent; when it is the same status, the first failure stays
			// the cause
			if r.tracing() {
				r.step("error_page", p.Directive, "the error page answers %d, which is sent instead", st)
			}
			if st == code && saved != nil {
				r.d.Cause = saved
			}
			r.d.Status = st
			continue
		}
		switch {
		case p.Status > 0:
			r.d.Status = p.Status
		case p.Status < 0:
			r.d.Status = st
		default:
			r.d.Status = code
		}
		r.d.Cause = saved
		if r.d.Status < 400 {
			r.d.Cause = nil
		}
		return
	}
}

// special reports whether a handler's status goes through
// ngx_http_special_response_handler, where error_page applies and which
// sets the status sent: errors and the redirects (a return or rewrite
// redirect, the static module's 301 for a directory).
func special(st int) bool {
	switch st {
	case 301, 302, 303, 307, 308:
		return true
	}
	return st >= 400
}

// matchErrorPage returns the error_page of the current settings for status.
func (r *run) matchErrorPage(status int) (*ErrorPage, int) {
	for i := range r.conf.ErrorPages {
		p := &r.conf.ErrorPages[i]
		for _, code := range p.Codes {
			if code == status {
				return p, code
			}
		}
	}
	return nil, 0
}

// basicCredentials decodes an Authorization: Basic header.
func basicCredentials(h string) (user, pass string, ok bool) {
	enc, found := strings.CutPrefix(h, "Basic ")
	if !found {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
	if err != nil {
		return "", "", false
	}
	user, pass, ok = strings.Cut(string(raw), ":")
	return user, pass, ok
}

// passwordMatches checks pass against an htpasswd hash in a scheme nginx
// supports without crypt(3); known is false for the other schemes.
func passwordMatches(hash, pass string) (match, known bool) {
	switch {
	case strings.HasPrefix(hash, "{PLAIN}"):
		return hash[len("{PLAIN}"):] == pass, true
	case strings.HasPrefix(hash, "{SHA}"):
		sum := sha1.Sum([]byte(pass))
		return hash[len("{SHA}"):] == base64.StdEncoding.EncodeToString(sum[:]), true
	case strings.HasPrefix(hash, "{SSHA}"):
		raw, err := base64.StdEncoding.DecodeString(hash[len("{SSHA}"):])
		if err != nil || len(raw) < sha1.Size {
			return false, true
		}
		sum := sha1.Sum(append([]byte(pass), raw[sha1.Size:]...))
		return string(sum[:]) == string(raw[:sha1.Size]), true
	}
	return false, false
}

func regexOf(l *Location) interface{ SubexpNames() []string } {
	for p := l; p != nil; p = p.Parent {
		if p.Re != nil {
			return p.Re
		}
	}
	return nil
}

func errnoText(e syscall.Errno) string {
	return fmt.Sprintf("%d: %s", int(e), errnoName(e))
}

func errnoName(e syscall.Errno) string {
	switch e {
	case syscall.EACCES:
		return "Permission denied"
	case syscall.ENOENT:
		return "No such file or directory"
	case syscall.ENOTDIR:
		return "Not a directory"
	case syscall.ELOOP:
		return "Too many levels of symbolic links"
	}
	s := e.Error()
	if s != "" {
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	return s
}

// Describe returns "mode 0700, alice:alice" for p, with its ACL if any.
func (s *Simulator) Describe(p string) string { return simulate.Describe(s.FS, s.Users, p) }
