package apache

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/unforbid/unforbid/parser"
	conf "github.com/unforbid/unforbid/parser/apache"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules/simulate"
)

// Rule IDs of the mapping's causes.
const (
	// RuleExecCGIOff is a CGI handler (ScriptAlias aside) where Options
	// lacks ExecCGI.
	RuleExecCGIOff = "apache/execcgi-off"
	// RuleRedirectStatus is a Redirect or RedirectMatch answering an
	// error status (gone, 403, ...) on purpose.
	RuleRedirectStatus = "apache/redirect-status"
)

// mapping is what translate_name decided for a request.
type mapping struct {
	file string
	// uri is the URL-path the later phases see (r->uri): the request's,
	// or what a RewriteRule [PT] made of it.
	uri string
	// cgi is set under ScriptAlias/ScriptAliasMatch: the handler is
	// cgi-script and ExecCGI is implied.
	cgi    bool
	cgiDir parser.Range
}

// isRedirect reports whether d is one of mod_alias's redirects.
func isRedirect(d *conf.Directive) bool {
	return d.Is("Redirect") || d.Is("RedirectMatch") || d.Is("RedirectPermanent") || d.Is("RedirectTemp")
}

// isAlias reports whether d is one of mod_alias's aliases of two
// arguments.
func isAlias(d *conf.Directive) bool {
	return (d.Is("Alias") || d.Is("ScriptAlias") || d.Is("AliasMatch") || d.Is("ScriptAliasMatch")) && len(d.Args) == 2
}

// translate is the translate_name phase: mod_alias's redirects, then its
// aliases (the virtual host's before the main server's, each in config
// order, the first match winning), then mod_userdir, then core's
// DocumentRoot. A non-nil decision ends the request (a redirect, or
// unsure).
func (s *Simulator) translate(st *state, scopes []*scope, uri, docRoot string, docRange parser.Range) (mapping, *simulate.Decision) {
	// mod_rewrite's translate hook runs first.
	rm, done := s.rewriteServer(st, scopes, uri, docRoot)
	if done != nil {
		return mapping{}, done
	}
	if rm.file != "" {
		rm.uri = uri
		return rm, nil
	}
	if rm.uri != "" {
		uri = rm.uri
	}
	m, done := s.mapURI(st, scopes, uri, docRoot, docRange)
	m.uri = uri
	return m, done
}

// mapURI is translate_name after mod_rewrite: mod_alias, mod_userdir,
// core.
func (s *Simulator) mapURI(st *state, scopes []*scope, uri, docRoot string, docRange parser.Range) (mapping, *simulate.Decision) {
	for i := len(scopes) - 1; i >= 0; i-- {
		for _, d := range scopes[i].redirects {
			if done := s.redirect(st, d, uri); done != nil {
				return mapping{}, done
			}
		}
	}
	for i := len(scopes) - 1; i >= 0; i-- {
		for _, a := range scopes[i].aliases {
			m, ok, why := aliasMap(a, uri)
			if why != "" {
				return mapping{}, st.notSure("%s", why)
			}
			if ok {
				st.step("alias", a.Range, "%s %s maps %s to %s", a.Name, a.Args[0], uri, m.file)
				return m, nil
			}
		}
	}
	if m, ok, done := s.userDir(st, scopes, uri); done != nil || ok {
		return m, done
	}
	file := strings.TrimSuffix(docRoot, "/") + uri
	if !st.quiet("root", docRange) {
		st.step("root", docRange, "DocumentRoot %s maps %s to %s", docRoot, uri, file)
	}
	return mapping{file: file}, nil
}

// aliasMap applies one Alias, ScriptAlias, AliasMatch or ScriptAliasMatch
// to uri (try_alias_list).
func aliasMap(a *conf.Directive, uri string) (mapping, bool, string) {
	m := mapping{cgi: a.Is("ScriptAlias") || a.Is("ScriptAliasMatch")}
	if m.cgi {
		m.cgiDir = a.Range
	}
	if a.Is("AliasMatch") || a.Is("ScriptAliasMatch") {
		re, why := compileRe(a, a.Args[0], false)
		if why != "" {
			return m, false, why
		}
		sub, why := matchRe(a, re, uri)
		if sub == nil {
			return m, false, why
		}
		m.file = pregsub(a.Args[1], sub)
		if !strings.HasPrefix(m.file, "/") {
			return m, false, fmt.Sprintf("%s: a relative target %q is not modelled yet", a.Range, m.file)
		}
		return m, true, ""
	}
	if !strings.HasPrefix(a.Args[0], "/") || !strings.HasPrefix(a.Args[1], "/") {
		return m, false, fmt.Sprintf("%s: %s %s %s is not modelled yet", a.Range, a.Name, a.Args[0], a.Args[1])
	}
	n := aliasMatches(uri, a.Args[0])
	if n == 0 {
		return m, false, ""
	}
	m.file = a.Args[1] + uri[n:]
	return m, true, ""
}

// pregsub is ap_pregsub: $0-$9 and & in tmpl replaced by the submatches,
// a backslash escaping the next character.
func pregsub(tmpl string, sub []string) string {
	var b strings.Builder
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		switch {
		case c == '\\' && i+1 < len(tmpl) && (tmpl[i+1] == '$' || tmpl[i+1] == '&'):
			i++
			b.WriteByte(tmpl[i])
		case c == '&':
			b.WriteString(sub[0])
		case c == '$' && i+1 < len(tmpl) && tmpl[i+1] >= '0' && tmpl[i+1] <= '9':
			i++
			if n := int(tmpl[i] - '0'); n < len(sub) {
				b.WriteString(sub[n])
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// redirect applies one server-level Redirect or RedirectMatch to uri:
// its status when it matches, nil otherwise.
func (s *Simulator) redirect(st *state, d *conf.Directive, uri string) *simulate.Decision {
	args := d.Args
	status := 302
	switch {
	case d.Is("RedirectPermanent"):
		status = 301
	case d.Is("RedirectTemp"):
		status = 302
	case len(args) > 0 && (args[0] != "" && args[0][0] >= '0' && args[0][0] <= '9' ||
		slices.Contains([]string{"permanent", "temp", "seeother", "gone"}, strings.ToLower(args[0]))):
		// A status first (add_redirect_internal): a keyword or a
		// number.
		switch strings.ToLower(args[0]) {
		case "permanent":
			status = 301
		case "temp":
			status = 302
		case "seeother":
			status = 303
		case "gone":
			status = 410
		default:
			n, err := strconv.Atoi(args[0])
			if err != nil || n < 100 || n > 599 {
				return st.notSure("%s: %s status %q is not modelled yet", d.Range, d.Name, args[0])
			}
			status = n
		}
		args = args[1:]
	}
	if len(args) == 0 {
		return st.notSure("%s: %s without a URL-path is not modelled yet", d.Range, d.Name)
	}
	if d.Is("RedirectMatch") {
		re, why := compileRe(d, args[0], false)
		if why != "" {
			return st.notSure("%s", why)
		}
		m, why := matchRe(d, re, uri)
		if why != "" {
			return st.notSure("%s", why)
		}
		if m == nil {
			return nil
		}
	} else if aliasMatches(uri, args[0]) == 0 {
		return nil
	}
	st.d.Status = status
	if status >= 300 && status < 400 {
		st.step("redirect", d.Range, "%s %s answers %d", d.Name, strings.Join(d.Args, " "), status)
		return st.d
	}
	st.d.Cause = &simulate.Cause{Rule: RuleRedirectStatus, Kind: simulate.KindReturn, Range: d.Range,
		Reason: fmt.Sprintf("%s answers %d for %s", d.Name, status, uri)}
	st.step("redirect", d.Range, "%s %s answers %d", d.Name, strings.Join(d.Args, " "), status)
	return st.d
}

// userDir is mod_userdir's translate_userdir for /~user URLs; ok is set
// when it mapped the request.
func (s *Simulator) userDir(st *state, scopes []*scope, uri string) (mapping, bool, *simulate.Decision) {
	if !s.Config.Modules["userdir_module"] || !strings.HasPrefix(uri, "/~") {
		return mapping{}, false, nil
	}
	var dirs []string
	var dirR parser.Range
	global := false
	disabled, enabled := map[string]bool{}, map[string]bool{}
	for _, sc := range scopes {
		for _, d := range sc.userdirs {
			switch {
			case len(d.Args) == 0:
				return mapping{}, false, st.notSure("%s: UserDir without argument", d.Range)
			case strings.EqualFold(d.Args[0], "disabled") && len(d.Args) == 1:
				global = true
			case strings.EqualFold(d.Args[0], "disabled"):
				for _, u := range d.Args[1:] {
					disabled[u] = true
				}
			case strings.EqualFold(d.Args[0], "enabled") && len(d.Args) == 1:
				global = false
			case strings.EqualFold(d.Args[0], "enabled"):
				for _, u := range d.Args[1:] {
					enabled[u] = true
				}
			default:
				dirs, dirR = d.Args, d.Range
			}
		}
	}
	rest := uri[2:]
	user, dname := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		user, dname = rest[:i], rest[i:]
	}
	if user == "" || user == "." || user == ".." || disabled[user] || global && !enabled[user] {
		return mapping{}, false, nil
	}
	if dirs == nil {
		return mapping{}, false, st.notSure("mod_userdir without a UserDir directory is not modelled yet")
	}
	users, err := s.FS.LoadUsers()
	if err != nil {
		return mapping{}, false, st.notSure("reading the users: %v", err)
	}
	for i, ud := range dirs {
		var base string
		switch {
		case strings.Contains(ud, ":"):
			return mapping{}, false, st.notSure("%s: UserDir redirecting to a URL is not modelled yet", dirR)
		case strings.HasPrefix(ud, "/") && strings.Contains(ud, "*"):
			base = strings.Replace(ud, "*", user, 1)
		case strings.HasPrefix(ud, "/"):
			base = ud + "/" + user
		default:
			u, ok := users.User(user)
			if !ok {
				// apr_uid_homepath_get fails: this entry maps nothing.
				continue
			}
			base = strings.TrimSuffix(u.Home, "/") + "/" + ud
		}
		if i < len(dirs)-1 {
			res := s.FS.Access(s.Cred, base, 0, true)
			if res.Blind {
				return mapping{}, false, st.notSure("cannot read the metadata of %s", res.At)
			}
			if !res.OK() {
				continue
			}
		}
		file := base + dname
		st.step("userdir", dirR, "UserDir %s maps %s to %s", ud, uri, file)
		return mapping{file: file}, true, nil
	}
	st.step("userdir", dirR, "UserDir: no directory of %s for %q: the DocumentRoot maps the URL", strings.Join(dirs, " "), user)
	return mapping{}, false, nil
}

// handlerOf is the handler of the request's file name under p: SetHandler
// last set, else mod_mime's AddHandler of the name's extensions (the last
// one with a handler winning); "" for the default handler, and the
// directive that set it.
func handlerOf(p *perDir, name string) (string, *conf.Directive) {
	forced, forcedBy := "", (*conf.Directive)(nil)
	byExt := map[string]*conf.Directive{}
	for _, d := range p.handlers {
		switch {
		case d.Is("SetHandler") && len(d.Args) == 1:
			if strings.EqualFold(d.Args[0], "none") {
				forced, forcedBy = "", nil
			} else {
				forced, forcedBy = d.Args[0], d
			}
		case d.Is("AddHandler") && len(d.Args) > 1:
			for _, e := range d.Args[1:] {
				byExt[strings.ToLower(strings.TrimPrefix(e, "."))] = d
			}
		case d.Is("RemoveHandler"):
			for _, e := range d.Args {
				delete(byExt, strings.ToLower(strings.TrimPrefix(e, ".")))
			}
		}
	}
	if forcedBy != nil {
		return forced, forcedBy
	}
	h, by := "", (*conf.Directive)(nil)
	parts := strings.Split(name, ".")
	for _, e := range parts[min(1, len(parts)):] {
		if d := byExt[strings.ToLower(e)]; d != nil {
			h, by = d.Args[0], d
		}
	}
	return h, by
}

// handle runs the handler stage for the file (r->filename) the walk
// ended on when a handler other than the default one applies; nil when
// the default handler serves the request.
func (s *Simulator) handle(st *state, p *perDir, m mapping, uri, file string, finfo *fsmeta.Info, pathInfo string) *simulate.Decision {
	h, by := handlerOf(p, path.Base(file))
	if m.cgi {
		if by != nil {
			return st.notSure("%s: %s under %s is not modelled yet", by.Range, by.Name, "ScriptAlias")
		}
		h = "cgi-script"
	}
	switch strings.ToLower(h) {
	case "", "default-handler":
		return nil
	case "cgi-script":
	default:
		if why := s.handlerClaimed(h); why != "" {
			return st.notSure("%s: %s", by.Range, why)
		}
		// No loaded module claims it: core's default handler serves
		// the request (a file as it is; a directory mod_dir does not
		// resolve to an index answers 404, Simulator.directory).
		st.step("handler", by.Range, "no loaded module handles %q: core's default handler serves %s", strings.ToLower(h), file)
		return nil
	}
	mod, refusedID, dirID := "", "", ""
	switch {
	case s.Config.Modules["cgid_module"]:
		mod, refusedID, dirID = "cgid", "AH01262", "AH01265"
	case s.Config.Modules["cgi_module"]:
		mod, refusedID, dirID = "cgi", "AH02809", "AH02812"
	default:
		return st.notSure("%s: the cgi-script handler without mod_cgi or mod_cgid is not modelled yet", by.Range)
	}
	if finfo != nil && finfo.Type == fsmeta.TypeDir {
		if !strings.HasSuffix(uri, "/") {
			return nil // mod_dir's redirect comes first
		}
		for _, name := range p.index {
			res := s.FS.Access(s.Cred, path.Join(file, name), 0, true)
			if res.Blind || res.Err != syscall.ENOENT {
				return st.notSure("the DirectoryIndex %s of a CGI directory is not modelled yet", path.Join(file, name))
			}
		}
	}
	rng := m.cgiDir
	if by != nil {
		rng = by.Range
	}
	st.step("handler", rng, "the handler of %s is cgi-script (mod_%s)", file, mod)
	if !m.cgi && !p.opts.has(optExecCGI) {
		st.d.Status = 403
		st.d.Cause = &simulate.Cause{Rule: RuleExecCGIOff, Kind: simulate.KindExecCGIOff, Path: file, Range: rng,
			Directive: "Options ExecCGI",
			Reason:    fmt.Sprintf("%s: stderr from %s: Options ExecCGI is off in this directory", refusedID, file)}
		st.step("handler", p.optsRange, "Options lacks ExecCGI: mod_%s refuses to run %s", mod, file)
		return st.d
	}
	if finfo == nil {
		st.d.Status = 404
		st.step("handler", rng, "%s: script not found", file)
		return st.d
	}
	if finfo.Type == fsmeta.TypeDir {
		st.d.Status = 403
		st.d.Cause = &simulate.Cause{Kind: simulate.KindNone, Path: file, Range: rng,
			Reason: fmt.Sprintf("%s: stderr from %s: attempt to invoke directory as script", dirID, file)}
		st.step("handler", rng, "%s is a directory: mod_%s refuses to run it", file, mod)
		return st.d
	}
	res := s.FS.Access(s.Cred, file, fsmeta.Exec, true)
	if res.Blind {
		return st.notSure("cannot read the metadata of %s", res.At)
	}
	if res.Err == syscall.EACCES {
		st.d.Status = 500
		st.d.Cause = &simulate.Cause{Kind: simulate.KindNone, Path: res.At,
			Reason: fmt.Sprintf("(13)Permission denied: AH01241: exec of '%s' failed", file)}
		st.step("handler", rng, "%s is not executable by the worker: the exec fails", file)
		return st.d
	}
	st.d.Backend = "cgi-script " + file
	return st.notSure("%s runs as a CGI script: its answer is its own", file)
}

// handlerModules are the handler names the modules of Debian's apache2
// (and mod_php) claim in their handler hooks, by lower-case name.
var handlerModules = map[string]string{
	"cgi-script": "cgi_module", "server-status": "status_module", "server-info": "info_module",
	"type-map": "negotiation_module", "send-as-is": "asis_module", "imap-file": "imagemap_module",
	"ldap-status": "ldap_module", "balancer-manager": "proxy_balancer_module", "proxy-server": "proxy_module",
	"redirect-handler": "rewrite_module", "httpd/unix-directory": "dir_module", "server-parsed": "include_module",
	"text/x-server-parsed-html": "include_module", "text/x-server-parsed-html3": "include_module",
	"lua-script": "lua_module", "md-status": "md_module", "dav-handler": "dav_module",
	"application/x-httpd-php": "php_module", "application/x-httpd-php-source": "php_module", "php-script": "php_module",
}

// handlerClaimers are modules that may claim handler names the
// configuration invents (mod_actions' Action, mod_lua's LuaMapHandler,
// language embeddings).
var handlerClaimers = []string{"actions_module", "lua_module", "perl_module", "python_module", "wsgi_module",
	"php_module", "php5_module", "php7_module", "fcgid_module", "fastcgi_module", "proxy_module", "dav_module"}

// handlerClaimed says why the handler h (SetHandler or AddHandler) may be
// taken by a loaded module; "" when none can take it, and core's
// default handler then serves the request as a static file.
func (s *Simulator) handlerClaimed(h string) string {
	h = strings.ToLower(h)
	if mod, ok := handlerModules[h]; ok && (s.Config.Modules[mod] || mod == "cgi_module" && s.Config.Modules["cgid_module"]) {
		return fmt.Sprintf("the handler %s of %s is not modelled yet", h, mod)
	}
	if strings.HasPrefix(h, "proxy:") && s.Config.Modules["proxy_module"] {
		return fmt.Sprintf("the handler %s of proxy_module is not modelled yet", h)
	}
	for _, m := range handlerClaimers {
		if s.Config.Modules[m] {
			return fmt.Sprintf("the handler %s with %s loaded is not modelled yet", h, m)
		}
	}
	return ""
}

// fallback is mod_dir's fixup_dflt: a request for nothing on disk, with
// no handler, is served by FallbackResource's URL when a subrequest finds
// a regular file there; nil when it does not apply (the 404 stands).
func (s *Simulator) fallback(st *state, p *perDir, scopes []*scope, uri string) *simulate.Decision {
	if p.fallback == nil || !s.Config.Modules["dir_module"] {
		return nil
	}
	target := p.fallback.Args[0]
	if strings.EqualFold(target, "disabled") {
		return nil
	}
	if h, _ := handlerOf(p, path.Base(uri)); h != "" {
		return nil
	}
	if !strings.HasPrefix(target, "/") {
		target = uri[:strings.LastIndex(uri, "/")+1] + target
	}
	if p.rw != nil || st.hasServerRewrite(scopes) {
		return st.notSure("%s: FallbackResource's subrequest with mod_rewrite rules in play is not modelled yet", p.fallback.Range)
	}
	if st.redirects >= maxRedirects {
		// ap_is_recursion_limit_exceeded: the subrequest fails with 500,
		// which every level returns.
		st.d.Status = 500
		st.d.Cause = &simulate.Cause{Kind: simulate.KindNone, Range: p.fallback.Range,
			Reason: "AH00125: Request exceeded the limit of 10 subrequest nesting levels due to probable configuration error. Use 'LimitInternalRecursion' to increase the limit if necessary."}
		st.step("fallback", p.fallback.Range, "FallbackResource %s: subrequests nested more than %d deep", target, maxRedirects)
		return st.d
	}
	st.step("fallback", p.fallback.Range, "FallbackResource: subrequest for %s", target)
	sub := &state{req: st.req, d: &simulate.Decision{}, redirects: st.redirects + 1}
	sub.req.Path, sub.req.RawPath, sub.req.EscapedPath = target, "", ""
	sub.serverIP = st.serverIP
	d := s.serve(sub, scopes)
	st.d.Trace = append(st.d.Trace, d.Trace...)
	if d.Unsure != "" {
		return st.notSure("FallbackResource %s: %s", target, d.Unsure)
	}
	if d.Status == 200 && d.Path != "" {
		if info, err := s.FS.Lstat(d.Path); err == nil && info.Type == fsmeta.TypeRegular || err == nil && info.Type == fsmeta.TypeSymlink {
			st.d.Status, st.d.Path = 200, d.Path
			st.step("fallback", p.fallback.Range, "FallbackResource serves %s", d.Path)
			return st.d
		}
	}
	if d.Status >= 300 && d.Status < 400 {
		return st.notSure("FallbackResource %s redirects: not modelled yet", target)
	}
	if d.Status != 200 && d.Status != 404 && d.Status != 0 {
		// fixup_dflt returns the subrequest's error rather than 404.
		st.d.Status, st.d.Cause = d.Status, d.Cause
		st.step("fallback", p.fallback.Range, "FallbackResource %s answers %d: mod_dir returns it", target, d.Status)
		return st.d
	}
	st.step("fallback", p.fallback.Range, "FallbackResource %s answers %d: not used", target, d.Status)
	return nil
}

// hasServerRewrite reports whether a scope of the request has
// server-context mod_rewrite directives.
func (st *state) hasServerRewrite(scopes []*scope) bool {
	for _, sc := range scopes {
		if len(sc.rewrite) > 0 {
			return true
		}
	}
	return false
}
