package apache

import (
	"fmt"
	"net"
	"path"
	"strings"
	"syscall"

	"github.com/unforbid/unforbid/parser"
	conf "github.com/unforbid/unforbid/parser/apache"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules/simulate"
)

// Rule IDs of the access side.
const (
	RuleDenyOvermatch      = "apache/deny-overmatch"
	RuleNotGranted         = "apache/directory-not-granted"
	RuleHtaccessInvalid    = "apache/htaccess-invalid"
	RuleAuthFileMissing    = "apache/auth-file-missing"
	RuleAuthFileUnreadable = "apache/auth-file-unreadable"
)

// The orders of mod_access_compat.
const (
	denyThenAllow = iota // the default
	allowThenDeny
	mutualFailure
)

// allowDeny is one Allow or Deny line of mod_access_compat.
type allowDeny struct {
	rng  parser.Range
	all  bool
	nets []*net.IPNet
	// env is the variable of "env=VAR" (negated by "env=!VAR").
	env    string
	envNot bool
}

// accessConf is the per-directory configuration of the access side that
// perDir carries: mod_access_compat, authentication, <Files> sections,
// ErrorDocument and FallbackResource.
type accessConf struct {
	order         int
	orderR        parser.Range
	allows, denys []*allowDeny
	satisfyAny    bool
	satisfyR      parser.Range

	authType, authName, userFile string
	authTypeR, userFileR         parser.Range

	// files are the <Files> and <FilesMatch> sections met, in merge
	// order (server level first, then along the directory walk).
	files []*conf.Directive
	// filesAuthz is set when the Require lines in force come from a
	// <Files> section (a refusal of named files: intended).
	filesAuthz bool

	fallback  string
	fallbackR parser.Range
	errorDocs map[string]string
	// method is the request's method, for <Limit> and <LimitExcept>.
	method string
}

// sectionCompat collects the mod_access_compat and authentication lines
// of one section, merged at its end as the modules merge per-directory
// configurations.
type sectionCompat struct {
	order         int
	orderR        parser.Range
	orderSet      bool
	allows, denys []*allowDeny
	satisfy       string
	satisfyR      parser.Range
	// limited is set when the section has lines for other methods
	// only (in <Limit>): it still replaces the inherited ones.
	limited bool
}

// add handles one directive of the access side in a section; ok is false
// for a directive it does not know.
func (p *perDir) addAccess(sc *sectionCompat, d *conf.Directive) (ok bool, why string) {
	args := d.Args
	switch strings.ToLower(d.Name) {
	case "order":
		switch strings.ToLower(strings.Join(args, "")) {
		case "deny,allow":
			sc.order = denyThenAllow
		case "allow,deny":
			sc.order = allowThenDeny
		case "mutual-failure":
			sc.order = mutualFailure
		default:
			return true, fmt.Sprintf("%s: Order %s is not modelled yet", d.Range, strings.Join(args, " "))
		}
		sc.orderR, sc.orderSet = d.Range, true
	case "allow", "deny":
		if len(args) < 2 || !strings.EqualFold(args[0], "from") {
			return true, fmt.Sprintf("%s: %s without from is refused by httpd", d.Range, d.Name)
		}
		a := &allowDeny{rng: d.Range}
		for _, w := range args[1:] {
			switch {
			case strings.EqualFold(w, "all"):
				a.all = true
			case strings.HasPrefix(strings.ToLower(w), "env="):
				v := w[4:]
				if strings.HasPrefix(v, "!") {
					a.envNot, v = true, v[1:]
				}
				if a.env != "" || v == "" {
					return true, fmt.Sprintf("%s: %s with several env= is not modelled yet", d.Range, d.Name)
				}
				a.env = v
			default:
				n := subnet(w)
				if n == nil {
					return true, fmt.Sprintf("%s: %s from %s (a host name: reverse DNS) is not modelled yet", d.Range, d.Name, w)
				}
				a.nets = append(a.nets, n)
			}
		}
		if d.Is("allow") {
			sc.allows = append(sc.allows, a)
		} else {
			sc.denys = append(sc.denys, a)
		}
	case "satisfy":
		if len(args) != 1 || !strings.EqualFold(args[0], "any") && !strings.EqualFold(args[0], "all") {
			return true, fmt.Sprintf("%s: Satisfy %s is not modelled yet", d.Range, strings.Join(args, " "))
		}
		sc.satisfy, sc.satisfyR = strings.ToLower(args[0]), d.Range
	case "authtype":
		if len(args) != 1 {
			return true, fmt.Sprintf("%s: AuthType %s is not modelled yet", d.Range, strings.Join(args, " "))
		}
		p.acc.authType, p.acc.authTypeR = args[0], d.Range
	case "authname":
		if len(args) == 1 {
			p.acc.authName = args[0]
		}
	case "authuserfile":
		if len(args) != 1 {
			return true, fmt.Sprintf("%s: AuthUserFile %s is not modelled yet", d.Range, strings.Join(args, " "))
		}
		p.acc.userFile, p.acc.userFileR = args[0], d.Range
	case "authbasicprovider":
		if len(args) != 1 || !strings.EqualFold(args[0], "file") {
			return true, fmt.Sprintf("%s: AuthBasicProvider %s is not modelled yet", d.Range, strings.Join(args, " "))
		}
	case "fallbackresource":
		if len(args) == 1 {
			p.acc.fallback, p.acc.fallbackR = args[0], d.Range
		}
		if len(args) == 1 && strings.EqualFold(args[0], "disabled") {
			p.acc.fallback = ""
		}
	case "errordocument":
		if len(args) != 2 {
			return true, fmt.Sprintf("%s: ErrorDocument %s is not modelled yet", d.Range, strings.Join(args, " "))
		}
		m := map[string]string{}
		for k, v := range p.acc.errorDocs {
			m[k] = v
		}
		m[args[0]] = args[1]
		p.acc.errorDocs = m
	default:
		return false, ""
	}
	return true, ""
}

// mergeCompat merges a section's mod_access_compat lines as httpd does
// for a module without a per-directory merger: a section holding any of
// Order, Allow, Deny or Satisfy replaces the whole inherited
// configuration with its own (the defaults for what it does not set:
// Order Deny,Allow, no Allow or Deny lines, Satisfy All), as real Apache
// answers (coverTrees' compat requests).
func (p *perDir) mergeCompat(sc *sectionCompat) {
	if !sc.orderSet && len(sc.allows) == 0 && len(sc.denys) == 0 && sc.satisfy == "" && !sc.limited {
		return
	}
	p.acc.order, p.acc.orderR = sc.order, sc.orderR
	if !sc.orderSet {
		p.acc.order, p.acc.orderR = denyThenAllow, parser.Range{}
	}
	p.acc.allows, p.acc.denys = sc.allows, sc.denys
	p.acc.satisfyAny, p.acc.satisfyR = sc.satisfy == "any", sc.satisfyR
}

// subnet reads an address of Require ip or Allow/Deny from as
// apr_ipsubnet_create does: a whole address, a partial IPv4 address
// ("10.1" or "10.1."), a CIDR block or an IPv4 address/netmask, the
// address masked (127.0.0.1/8 is 127.0.0.0/8, as real Apache admits).
// nil when it is none of them (a host name).
func subnet(s string) *net.IPNet {
	if i := strings.IndexByte(s, '/'); i >= 0 {
		ip := net.ParseIP(s[:i])
		if ip == nil {
			return nil
		}
		if v4 := ip.To4(); v4 != nil && strings.Count(s[:i], ".") == 3 {
			ip = v4
		} else if !strings.Contains(s[:i], ":") {
			return nil
		}
		mask := s[i+1:]
		var mk net.IPMask
		if m := net.ParseIP(mask); m != nil && m.To4() != nil && len(ip) == 4 {
			mk = net.IPMask(m.To4())
			if _, bits := mk.Size(); bits == 0 {
				return nil // not a contiguous netmask
			}
		} else {
			var n int
			if _, err := fmt.Sscanf(mask, "%d", &n); err != nil || fmt.Sprint(n) != mask || n < 1 || n > 8*len(ip) {
				return nil
			}
			mk = net.CIDRMask(n, 8*len(ip))
		}
		return &net.IPNet{IP: ip.Mask(mk), Mask: mk}
	}
	if n := parseIPArg(s); n != nil {
		return n
	}
	t := strings.TrimSuffix(s, ".")
	parts := strings.Split(t, ".")
	if len(parts) == 0 || len(parts) > 3 {
		return nil
	}
	ip := make(net.IP, 4)
	for i, p := range parts {
		var v int
		if _, err := fmt.Sscanf(p, "%d", &v); err != nil || v < 0 || v > 255 || fmt.Sprint(v) != p {
			return nil
		}
		ip[i] = byte(v)
	}
	return &net.IPNet{IP: ip, Mask: net.CIDRMask(8*len(parts), 32)}
}

// matches reports whether the line names the client (find_allowdeny);
// unsure is set when it depends on what the simulator does not know.
func (a *allowDeny) matches(client net.IP, env func(string) (bool, string)) (bool, string) {
	if a.all {
		return true, ""
	}
	if a.env != "" {
		set, why := env(a.env)
		if why != "" {
			return false, why
		}
		return set != a.envNot, ""
	}
	for _, n := range a.nets {
		if client != nil && n.Contains(client) {
			return true, ""
		}
	}
	return false, ""
}

// envSetters lists the variables the configuration may set for a
// request (SetEnv, SetEnvIf, BrowserMatch and kin), by name; "*" when
// something sets variables the simulator cannot name (mod_rewrite's E=).
func (s *Simulator) envSetters() map[string]bool {
	// requests are simulated concurrently: the first one lists them
	s.envNamesOnce.Do(func() { s.envNames = s.listEnvSetters() })
	return s.envNames
}

// listEnvSetters is envSetters' list, made once.
func (s *Simulator) listEnvSetters() map[string]bool {
	names := map[string]bool{}
	conf.Walk(s.Config.Directives, func(d *conf.Directive) bool {
		var vars []string
		switch strings.ToLower(d.Name) {
		case "setenv", "unsetenv", "passenv":
			vars = d.Args
		case "setenvif", "setenvifnocase", "setenvifexpr":
			if len(d.Args) > 2 {
				vars = d.Args[2:]
			}
		case "browsermatch", "browsermatchnocase":
			if len(d.Args) > 1 {
				vars = d.Args[1:]
			}
		case "rewriterule":
			names["*"] = true
		}
		for _, v := range vars {
			v = strings.TrimPrefix(v, "!")
			if i := strings.IndexByte(v, '='); i >= 0 {
				v = v[:i]
			}
			names[v] = true
		}
		return true
	})
	return names
}

// env says whether the variable v is set for the request: never, unless
// the configuration may set it (then unsure).
func (s *Simulator) env(v string) (bool, string) {
	n := s.envSetters()
	if n[v] || n["*"] {
		return false, fmt.Sprintf("the environment variable %s may be set by the configuration: not modelled yet", v)
	}
	return false, ""
}

// envOf is Simulator.env for the request of st: after an internal
// redirect, the variables of the request before it (a RewriteRule's
// [E=], its REDIRECT_STATUS...) are there renamed REDIRECT_NAME, which
// is not modelled.
func (s *Simulator) envOf(st *state) func(string) (bool, string) {
	return func(v string) (bool, string) {
		if st.redirects > 0 && strings.HasPrefix(v, "REDIRECT_") {
			return false, fmt.Sprintf("the environment variable %s after an internal redirect is not modelled yet", v)
		}
		return s.env(v)
	}
}

// compat is mod_access_compat's check_dir_access: ok, or the line that
// refuses the client.
func (s *Simulator) compat(p *perDir, client net.IP, env func(string) (bool, string)) (bool, parser.Range, string) {
	find := func(list []*allowDeny) (*allowDeny, string) {
		for _, a := range list {
			ok, why := a.matches(client, env)
			if why != "" {
				return nil, why
			}
			if ok {
				return a, ""
			}
		}
		return nil, ""
	}
	allow, why := find(p.acc.allows)
	if why != "" {
		return false, parser.Range{}, why
	}
	deny, why := find(p.acc.denys)
	if why != "" {
		return false, parser.Range{}, why
	}
	why = ""
	switch p.acc.order {
	case allowThenDeny:
		switch {
		case deny != nil:
			return false, deny.rng, ""
		case allow != nil:
			return true, allow.rng, ""
		}
		return false, p.acc.orderR, ""
	case mutualFailure:
		if allow != nil && deny == nil {
			return true, allow.rng, ""
		}
		if deny != nil {
			return false, deny.rng, ""
		}
		return false, p.acc.orderR, ""
	}
	if allow != nil {
		return true, allow.rng, ""
	}
	if deny != nil {
		return false, deny.rng, ""
	}
	return true, parser.Range{}, ""
}

// compatAdmits reports whether mod_access_compat's lines admit some
// client (false for "Deny from all" with nothing allowed after it).
func (p *perDir) compatAdmits() bool {
	someAllow := false
	for _, a := range p.acc.allows {
		someAllow = someAllow || a.all || len(a.nets) > 0 || a.env != ""
	}
	denyAll := false
	for _, a := range p.acc.denys {
		denyAll = denyAll || a.all
	}
	switch p.acc.order {
	case allowThenDeny, mutualFailure:
		return someAllow && !denyAll
	}
	return !denyAll || someAllow
}

// applyFiles merges the <Files> and <FilesMatch> sections that match the
// request's file name base, after the directory walk (ap_file_walk).
func (p *perDir) applyFiles(st *state, base string) string {
	for _, f := range p.acc.files {
		ok, why := filesMatch(f, base)
		if why != "" {
			return why
		}
		if !ok {
			continue
		}
		before := p.authz
		if why := p.apply(f.Block); why != "" {
			return why
		}
		if p.authz != before {
			p.acc.filesAuthz = true
		}
		p.block = f
		st.step("files", f.Range, "<%s %s> applies to %q", f.Name, strings.Join(f.Args, " "), base)
	}
	return ""
}

// filesMatch reports whether a <Files> or <FilesMatch> section matches
// the name base.
func filesMatch(f *conf.Directive, base string) (bool, string) {
	if len(f.Args) == 0 || len(f.Args) > 2 {
		return false, fmt.Sprintf("%s: <%s> with %d arguments is not modelled yet", f.Range, f.Name, len(f.Args))
	}
	pat := f.Args[len(f.Args)-1]
	if f.Is("FilesMatch") || len(f.Args) == 2 && f.Args[0] == "~" {
		re, why := compileRe(f, pat, false)
		if why != "" {
			return false, why
		}
		m, why := matchRe(f, re, base)
		return m != nil, why
	}
	if len(f.Args) != 1 {
		return false, fmt.Sprintf("%s: <%s> with %d arguments is not modelled yet", f.Range, f.Name, len(f.Args))
	}
	// apr_fnmatch without flags: * and ? match any character.
	ok, err := path.Match(pat, base)
	if err != nil || strings.Contains(pat, "\\") {
		return false, fmt.Sprintf("%s: the pattern %q is not modelled yet", f.Range, pat)
	}
	return ok, ""
}

// filesMay says why the <Files> sections in force may change the answer
// for the file name base (for the subrequest of an index).
func (p *perDir) filesMay(base string) string {
	for _, f := range p.acc.files {
		ok, why := filesMatch(f, base)
		if why != "" {
			return why
		}
		if ok {
			return fmt.Sprintf("%s: <%s> on the index %s (mod_dir's subrequest) is not modelled yet", f.Range, f.Name, base)
		}
	}
	return ""
}

// authorize runs the access and authorization phases of
// ap_process_request_internal: mod_access_compat's access checker, then
// mod_authz_core (authorize_user_core), with Satisfy; authentication
// answers 401. It returns false when the request is refused (st.d is
// then answered) or unsure.
func (s *Simulator) authorize(st *state, p *perDir, file string) bool {
	req := st.req
	client := req.ClientIP
	if client == "" {
		client = "127.0.0.1"
	}
	method := req.Method
	if method == "" {
		method = "GET"
	}
	cip := net.ParseIP(client)
	compatOK, compatR, why := s.compat(p, cip, s.envOf(st))
	if why != "" {
		st.notSure("%s", why)
		return false
	}
	if !compatOK && req.AssumeAccess && p.compatAdmits() {
		st.step("access", compatR, "Allow/Deny would refuse client %s (an allowlist: assumed passed to see what lies behind)", client)
		compatOK = true
	}
	if p.acc.satisfyAny && compatOK {
		st.step("access", p.acc.satisfyR, "Satisfy Any: Allow/Deny admits client %s, no authorization is checked", client)
		return true
	}
	if !compatOK && !p.acc.satisfyAny {
		st.d.Status = 403
		c := &simulate.Cause{Rule: RuleDenied, Kind: simulate.KindDenyRule, Range: compatR,
			Reason: "AH01797: client denied by server configuration: " + file}
		if !p.compatAdmits() {
			c.Rule, c.Kind = RuleDenyOvermatch, simulate.KindDenyOvermatch
		}
		st.d.Cause = c
		st.step("access", compatR, "Allow/Deny refuses the client %s", client)
		return false
	}
	if !compatOK {
		st.step("access", compatR, "Allow/Deny refuses the client %s: Satisfy Any asks authorization", client)
	}
	if p.authz == nil {
		if p.acc.authType != "" {
			st.d.Status = 500
			st.step("access", p.acc.authTypeR, "AH01627: AuthType configured with no corresponding authorization directives")
			return false
		}
		st.step("access", parser.Range{}, "no Require: authorization granted (no directives)")
		return true
	}
	for _, v := range envNames(p.authz) {
		if _, why := s.envOf(st)(v); why != "" {
			st.notSure("%s", why)
			return false
		}
	}
	w := who{client: cip, server: net.ParseIP(st.serverIP), method: method}
	res := p.authz.eval(w)
	if res == authzDeniedNoUser {
		return s.authenticate(st, p, w, file)
	}
	if res == authzGranted {
		if !st.quiet("access", p.reqRange) {
			st.step("access", p.reqRange, "Require grants the client %s", client)
		}
		return true
	}
	return s.refuse(st, p, file, client)
}

// refuse answers mod_authz_core's 403 (AH01630), looking behind an
// allowlist when the request assumes access.
func (s *Simulator) refuse(st *state, p *perDir, file, client string) bool {
	if st.req.AssumeAccess && p.authz.admits() && !p.acc.filesAuthz {
		st.step("access", p.reqRange, "Require would refuse client %s (an allowlist: assumed passed to see what lies behind)", client)
		return true
	}
	st.d.Status = 403
	c := &simulate.Cause{Rule: RuleDenied, Kind: simulate.KindDenyRule, Range: p.reqRange,
		Reason: "AH01630: client denied by server configuration: " + file}
	at := p.reqRange // the refusing line, for the trace
	if ov := p.authz.overmatch(); ov != nil && !p.acc.filesAuthz {
		c.Rule, c.Kind, c.Range = RuleDenyOvermatch, simulate.KindDenyOvermatch, ov.rng
		at = ov.rng
		// The default <Directory /> Require all denied: no <Directory>
		// grants the path.
		for _, d := range st.dirs() {
			if canonDir(d.Args[0]) == "/" && inside(ov.rng, d.Range) {
				c.Rule = RuleNotGranted
			}
		}
		if c.Rule == RuleNotGranted {
			// the tree's mapping directive (DocumentRoot, Alias) is
			// the cause, where Lint reports it and the grant goes
			for _, t := range st.d.Trace {
				if (t.Step == "root" || t.Step == "alias") && !t.Range.IsZero() {
					c.Range, c.Directive = t.Range, "<Directory>"
				}
			}
		}
	}
	st.d.Cause = c
	if c.Kind == simulate.KindDenyOvermatch {
		st.step("access", at, "Require refuses every client: %s", c.Reason)
	} else {
		st.step("access", at, "Require refuses the client %s", client)
	}
	return false
}

// authenticate is the check_user_id phase for Require lines that need a
// user: mod_auth_basic asks for credentials (401); with AssumeAuth a
// valid login is assumed once the AuthUserFile can be read.
func (s *Simulator) authenticate(st *state, p *perDir, w who, file string) bool {
	switch {
	case p.acc.authType == "":
		st.d.Status = 500
		st.step("auth", p.reqRange, "AH01796/AH00027: a Require needs a user but no AuthType is set")
		return false
	case !strings.EqualFold(p.acc.authType, "Basic"):
		st.notSure("%s: AuthType %s is not modelled yet", p.acc.authTypeR, p.acc.authType)
		return false
	case !s.Config.Modules["auth_basic_module"]:
		st.notSure("%s: AuthType Basic without mod_auth_basic is not modelled yet", p.acc.authTypeR)
		return false
	}
	if p.acc.authName == "" {
		st.d.Status = 500
		st.step("auth", p.acc.authTypeR, "AH01615: AuthType Basic needs AuthName")
		return false
	}
	var cause *simulate.Cause
	if p.acc.userFile == "" {
		st.notSure("%s: AuthType Basic without AuthUserFile is not modelled yet", p.acc.authTypeR)
		return false
	}
	uf := p.acc.userFile
	if !path.IsAbs(uf) {
		st.notSure("%s: a relative AuthUserFile is not modelled yet", p.acc.userFileR)
		return false
	}
	res := s.FS.Access(s.Cred, uf, fsmeta.Read, true)
	switch {
	case res.Blind:
		st.notSure("cannot read the metadata of %s", res.At)
		return false
	case res.OK() && res.Info.Type == fsmeta.TypeRegular:
	case res.OK():
		st.notSure("AuthUserFile %s is not a regular file: not modelled yet", uf)
		return false
	case res.Err == syscall.ENOENT || res.Err == syscall.ENOTDIR:
		cause = &simulate.Cause{Rule: RuleAuthFileMissing, Kind: simulate.KindAuthFileMissing, Path: uf, Range: p.acc.userFileR,
			Reason: "AH01620: Could not open password file: " + uf}
	default:
		cause = &simulate.Cause{Rule: RuleAuthFileUnreadable, Kind: simulate.KindAuthFileUnreadable, Path: uf, Range: p.acc.userFileR,
			Reason: "(13)Permission denied: AH01620: Could not open password file: " + uf}
	}
	if _, sent := st.req.Headers["Authorization"]; !st.req.AssumeAuth && (cause == nil || !sent) {
		// credentials sent meet the password file, whatever they are:
		// one that cannot be opened answers 500
		st.d.Status = 401
		st.d.Cause = cause
		st.step("auth", p.acc.authTypeR, "AuthType Basic: no credentials, 401 asks for a login (AuthName %q)", p.acc.authName)
		return false
	}
	if cause != nil {
		st.d.Status = 500
		st.d.Cause = cause
		st.step("auth", p.acc.userFileR, "%s", cause.Reason)
		return false
	}
	w.user = firstUser(p.authz)
	st.step("auth", p.acc.userFileR, "AuthUserFile %s is readable: a valid login as %s is assumed", uf, w.user)
	switch p.authz.eval(w) {
	case authzGranted:
		st.step("access", p.reqRange, "Require grants the user %s", w.user)
		return true
	case authzDenied, authzNeutral:
		st.d.Status = 401
		st.step("access", p.reqRange, "AH01631: user %s: authorization failure for %s", w.user, file)
		return false
	}
	st.d.Status = 401
	st.step("access", p.reqRange, "AH01629: authorization failure (no authenticated user): %s", file)
	return false
}

// firstUser is the user a valid login is assumed to be: the first one a
// Require user line names, else "user".
func firstUser(a *authz) string {
	if a.provider == "user" && !a.negate && len(a.names) > 0 {
		return a.names[0]
	}
	for _, k := range a.kids {
		if u := firstUser(k); u != "user" {
			return u
		}
	}
	return "user"
}

// envNames lists the variables Require env lines test.
func envNames(a *authz) []string {
	var out []string
	if a.provider == "env" {
		out = append(out, a.names...)
	}
	for _, k := range a.kids {
		out = append(out, envNames(k)...)
	}
	return out
}

// finish looks at the final answer for what the access side leaves
// unmodelled: FallbackResource on a missing file, an ErrorDocument that
// redirects.
func (s *Simulator) finish(st *state, d *simulate.Decision) *simulate.Decision {
	p := st.p
	if d.Unsure != "" || p == nil {
		return d
	}
	s.htaccessDecided(d)
	if d.Status == 404 && p.acc.fallback != "" {
		return st.notSure("%s: FallbackResource %s on a missing file is not modelled yet", p.acc.fallbackR, p.acc.fallback)
	}
	if doc, ok := p.acc.errorDocs[fmt.Sprint(d.Status)]; ok && strings.Contains(doc, "://") {
		return st.notSure("ErrorDocument %d %s (a redirect) is not modelled yet", d.Status, doc)
	}
	return d
}

// htaccessDecided names the per-directory file (.htaccess) whose line
// refused d as the block that decided it, rather than the last section
// merged before it was read: a deny or RewriteRule [F] of a .htaccess is
// the .htaccess's, not its <Directory>'s.
func (s *Simulator) htaccessDecided(d *simulate.Decision) {
	c := d.Cause
	if c == nil || c.Kind != simulate.KindDenyOvermatch && c.Kind != simulate.KindDenyRule {
		return
	}
	f := c.Range.File
	if f == "" || s.Config.Files[f] != nil {
		return // a line of the configuration
	}
	// its range is the deciding line: the file holds no section to
	// point at besides it
	d.Location, d.LocationRange, d.Block = f, c.Range, ""
}

// filesWalk applies the <Files> sections to the request's file name, as
// ap_file_walk takes it from r->filename: the file, the first missing
// component, or "" for a directory asked with its slash.
func (s *Simulator) filesWalk(st *state, p *perDir, uri, cur string, finfo *fsmeta.Info, pathInfo string) string {
	if len(p.acc.files) == 0 {
		return ""
	}
	var base string
	switch {
	case finfo == nil:
		base = strings.SplitN(strings.TrimPrefix(pathInfo, "/"), "/", 2)[0]
	case finfo.Type == fsmeta.TypeDir && strings.HasSuffix(uri, "/"):
		for _, f := range p.acc.files {
			if ok, why := filesMatch(f, ""); ok || why != "" {
				return fmt.Sprintf("%s: <%s> on a directory is not modelled yet", f.Range, f.Name)
			}
		}
		return ""
	default:
		base = path.Base(cur)
	}
	return p.applyFiles(st, base)
}

// isAccessDirective reports whether d is a directive of the access side
// that may stand at server level (merged with the server's defaults).
func isAccessDirective(d *conf.Directive) bool {
	// The others are of directory context only: apache2 -t refuses
	// them here.
	return d.Is("ErrorDocument")
}

// inside reports whether the range r lies in the range of section sec.
func inside(r, sec parser.Range) bool {
	return r.File == sec.File && r.Start.Offset >= sec.Start.Offset && r.End.Offset <= sec.End.Offset
}

// limitedOut says what the <Limit> sections expandLimit dropped held:
// Require lines, mod_access_compat lines, and where.
type limitedOut struct {
	require, compat bool
	rng             parser.Range
}

// expandLimit replaces the <Limit> and <LimitExcept> sections of ds by
// their contents when they apply to the request's method (GET covers
// HEAD) and drops them otherwise: their Require and Allow/Deny lines
// then weigh as those of the enclosing section, as httpd skips limited
// lines for other methods; what was dropped is returned, for the
// section still replaces the inherited configuration of its modules.
// Only access lines are modelled inside.
func (p *perDir) expandLimit(ds []*conf.Directive) ([]*conf.Directive, limitedOut, string) {
	var out []*conf.Directive
	var dropped limitedOut
	has := false
	for _, d := range ds {
		has = has || d.Section && (d.Is("Limit") || d.Is("LimitExcept"))
	}
	if !has {
		return ds, dropped, ""
	}
	m := p.acc.method
	if m == "" || m == "HEAD" {
		m = "GET"
	}
	for _, d := range ds {
		if !d.Section || !d.Is("Limit") && !d.Is("LimitExcept") {
			out = append(out, d)
			continue
		}
		if len(d.Args) == 0 {
			return nil, dropped, fmt.Sprintf("%s: <%s> without methods is refused by httpd", d.Range, d.Name)
		}
		in := false
		for _, a := range d.Args {
			if a != strings.ToUpper(a) {
				return nil, dropped, fmt.Sprintf("%s: <%s> with the method %s is not modelled yet", d.Range, d.Name, a)
			}
			in = in || a == m
		}
		for _, c := range d.Block {
			if c.Comment {
				continue
			}
			switch n := strings.ToLower(c.Name); n {
			case "require", "requireall", "requireany", "requirenone", "order", "allow", "deny", "satisfy":
				if in != d.Is("LimitExcept") {
					out = append(out, c)
					continue
				}
				if strings.HasPrefix(n, "require") {
					dropped.require = true
				} else {
					dropped.compat = true
				}
				dropped.rng = d.Range
			default:
				return nil, dropped, fmt.Sprintf("%s: %s in <%s> is not modelled yet", c.Range, c.Name, d.Name)
			}
		}
	}
	return out, dropped, ""
}
