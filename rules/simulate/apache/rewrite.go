package apache

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"syscall"

	"github.com/unforbid/unforbid/parser"
	conf "github.com/unforbid/unforbid/parser/apache"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules/simulate"
	"github.com/unforbid/unforbid/rules/simulate/pcre"
)

// RuleRewriteForbidden is a RewriteRule [F] (or [R=403]) refusing a
// request.
const RuleRewriteForbidden = "apache/rewrite-forbidden"

// maxRedirects is LimitInternalRecursion's default: more internal
// redirects answer 500 (AH00124).
const maxRedirects = 10

// isRewrite reports whether d is a mod_rewrite directive.
func isRewrite(d *conf.Directive) bool {
	return d.Is("RewriteEngine") || d.Is("RewriteRule") || d.Is("RewriteCond") || d.Is("RewriteBase") ||
		d.Is("RewriteOptions") || d.Is("RewriteMap")
}

// rwRule is one RewriteRule and the RewriteCond lines above it.
type rwRule struct {
	d     *conf.Directive
	conds []*conf.Directive
}

// rwConf is mod_rewrite's configuration of one context: a server (dir
// "") or a directory (dir, with its trailing slash).
type rwConf struct {
	on, onSet bool
	onRange   parser.Range
	base      string
	baseSet   bool
	rules     []rwRule
	dir       string
	// unsure says why the context cannot be simulated.
	unsure string
}

// parseRewrite reads the mod_rewrite directives of ds into a context
// config; nil when ds holds none (the context then inherits all).
func parseRewrite(ds []*conf.Directive, dir string) *rwConf {
	var c *rwConf
	var conds []*conf.Directive
	for _, d := range ds {
		if d.Comment || !isRewrite(d) {
			continue
		}
		if c == nil {
			c = &rwConf{dir: dir}
		}
		switch {
		case d.Is("RewriteEngine") && len(d.Args) == 1:
			c.on, c.onSet, c.onRange = strings.EqualFold(d.Args[0], "on"), true, d.Range
		case d.Is("RewriteBase") && len(d.Args) == 1:
			c.base, c.baseSet = d.Args[0], true
		case d.Is("RewriteCond") && (len(d.Args) == 2 || len(d.Args) == 3):
			conds = append(conds, d)
		case d.Is("RewriteRule") && (len(d.Args) == 2 || len(d.Args) == 3):
			c.rules = append(c.rules, rwRule{d: d, conds: conds})
			conds = nil
		default:
			if c.unsure == "" {
				c.unsure = fmt.Sprintf("%s: %s %s is not modelled yet", d.Range, d.Name, strings.Join(d.Args, " "))
			}
		}
	}
	return c
}

// mergeRewrite is mod_rewrite's per-directory merge of a section's
// config over the inherited one: the engine state and RewriteBase
// inherit, the rules do not (RewriteOptions Inherit is not modelled).
func mergeRewrite(base, over *rwConf) *rwConf {
	if over == nil {
		return base
	}
	if base == nil {
		return over
	}
	m := *over
	if !m.onSet {
		m.on, m.onSet, m.onRange = base.on, base.onSet, base.onRange
	}
	if !m.baseSet {
		m.base, m.baseSet = base.base, base.baseSet
	}
	if m.unsure == "" {
		m.unsure = base.unsure
	}
	return &m
}

// rewriteSection merges the mod_rewrite directives of section d (or of a
// .htaccess read in the directory dir, d nil) into p.
func (p *perDir) rewriteSection(d *conf.Directive, ds []*conf.Directive, dir string) {
	c := parseRewrite(ds, "")
	if c == nil {
		return // nothing to merge (most sections): no canonDir to write
	}
	c.dir = canonDir(dir)
	if d != nil && (!d.Is("Directory") || hasWild(d.Args[0])) {
		c.unsure = fmt.Sprintf("%s: mod_rewrite in <%s %s> is not modelled yet", d.Range, d.Name, strings.Join(d.Args, " "))
	}
	p.rw = mergeRewrite(p.rw, c)
}

// rwFlags are the flags of a RewriteRule or RewriteCond.
type rwFlags struct {
	last, end, forbidden, gone, nocase, pt, or bool
	redirect                                   int // 0 when no [R]
}

// parseFlags reads "[F,L]"; unsure names a flag not modelled.
func parseFlags(d *conf.Directive, cond bool) (rwFlags, string) {
	var f rwFlags
	if len(d.Args) < 3 {
		return f, ""
	}
	text := d.Args[2]
	if !strings.HasPrefix(text, "[") || !strings.HasSuffix(text, "]") {
		return f, fmt.Sprintf("%s: flags %s are not modelled yet", d.Range, text)
	}
	for _, fl := range strings.Split(text[1:len(text)-1], ",") {
		name, val, _ := strings.Cut(strings.TrimSpace(fl), "=")
		switch n := strings.ToLower(name); {
		case n == "nc" || n == "nocase":
			f.nocase = true
		case cond && (n == "or" || n == "ornext"):
			f.or = true
		case cond:
			return f, fmt.Sprintf("%s: the flag %s is not modelled yet", d.Range, fl)
		case n == "l" || n == "last":
			f.last = true
		case n == "end":
			f.end = true
		case n == "f" || n == "forbidden":
			f.forbidden = true
		case n == "g" || n == "gone":
			f.gone = true
		case n == "pt" || n == "passthrough":
			f.pt = true
		case n == "qsa" || n == "qsappend" || n == "qsd" || n == "qsdiscard" || n == "ne" || n == "noescape":
		case (n == "e" || n == "env") && val != "" && val != "!":
			// E=VAR[:VALUE] or E=!VAR sets or unsets an environment
			// variable when the rule matches, status unchanged. Its
			// readers: %{ENV:...} (not modelled: unsure), and, the
			// per-directory rules running at fixups, after the access
			// checks, only a later internal redirect's checks, where it
			// is REDIRECT_VAR (Simulator.env: unsure); in server
			// context envSetters makes every env test unsure.
		case n == "r" || n == "redirect":
			f.redirect = 302
			if val != "" {
				switch strings.ToLower(val) {
				case "permanent":
					f.redirect = 301
				case "temp":
					f.redirect = 302
				case "seeother":
					f.redirect = 303
				default:
					c, err := strconv.Atoi(val)
					if err != nil || c < 300 || c > 599 {
						return f, fmt.Sprintf("%s: [R=%s] is not modelled yet", d.Range, val)
					}
					f.redirect = c
				}
			}
		default:
			return f, fmt.Sprintf("%s: the flag %s is not modelled yet", d.Range, fl)
		}
	}
	return f, ""
}

// rwEnv is what the variables of one rewrite pass read.
type rwEnv struct {
	s        *Simulator
	st       *state
	uri      string // r->uri
	filename string // r->filename (REQUEST_FILENAME)
	docRoot  string
}

// varRe finds %{NAME}, $N and %N in a string to expand.
var varRe = regexp.MustCompile(`%\{([A-Za-z0-9_:]+)\}|\$([0-9])|%([0-9])`)

// expand replaces the variables and back-references of text.
func (e *rwEnv) expand(d *conf.Directive, text string, ruleSub, condSub []string) (string, string) {
	why := ""
	out := varRe.ReplaceAllStringFunc(text, func(m string) string {
		switch {
		case m[0] == '$':
			if n := int(m[1] - '0'); n < len(ruleSub) {
				return ruleSub[n]
			}
			return ""
		case m[1] >= '0' && m[1] <= '9':
			if n := int(m[1] - '0'); n < len(condSub) {
				return condSub[n]
			}
			return ""
		}
		name := strings.ToUpper(m[2 : len(m)-1])
		req := e.st.req
		switch name {
		case "REQUEST_URI":
			return e.uri
		case "REQUEST_FILENAME", "SCRIPT_FILENAME":
			return e.filename
		case "DOCUMENT_ROOT":
			return e.docRoot
		case "QUERY_STRING":
			return req.Query
		case "HTTP_HOST":
			return req.Host
		case "REQUEST_METHOD":
			if req.Method == "" {
				return "GET"
			}
			return req.Method
		case "HTTPS":
			return "off"
		case "SERVER_PORT":
			return strconv.Itoa(req.Port)
		case "REMOTE_ADDR":
			if req.ClientIP == "" {
				return "127.0.0.1"
			}
			return req.ClientIP
		}
		if h, ok := strings.CutPrefix(m[2:len(m)-1], "HTTP:"); ok || strings.HasPrefix(name, "HTTP_") {
			if !ok {
				h = strings.ReplaceAll(strings.TrimPrefix(name, "HTTP_"), "_", "-")
			}
			if v, ok := header(req.Headers, h); ok {
				return v
			}
			// A request without Referer is a direct visit, without
			// Authorization an anonymous one (a browser sends it only
			// once challenged); other headers depend on the client.
			if strings.EqualFold(h, "Referer") || strings.EqualFold(h, "Authorization") {
				return ""
			}
		}
		if why == "" {
			why = fmt.Sprintf("%s: %s is not modelled yet", d.Range, m)
		}
		return ""
	})
	return out, why
}

// compile compiles a mod_rewrite regex (PCRE) in Go's syntax.
func compile(d *conf.Directive, pat string, nocase bool) (*pcre.Regex, string) {
	return compileRe(d, pat, nocase)
}

// cond evaluates one RewriteCond; sub are its submatches (%N) when it
// is a regex that matched.
func (e *rwEnv) cond(d *conf.Directive, ruleSub, condSub []string) (bool, []string, string) {
	fl, why := parseFlags(d, true)
	if why != "" {
		return false, nil, why
	}
	test, why := e.expand(d, d.Args[0], ruleSub, condSub)
	if why != "" {
		return false, nil, why
	}
	pat := d.Args[1]
	neg := strings.HasPrefix(pat, "!")
	if neg {
		pat = pat[1:]
	}
	switch pat {
	case "-f", "-d", "-s", "-l":
		res := e.s.FS.Access(e.s.Cred, test, 0, pat != "-l")
		if res.Blind {
			return false, nil, "cannot read the metadata of " + res.At
		}
		ok := false
		if res.OK() {
			switch pat {
			case "-f":
				ok = res.Info.Type == fsmeta.TypeRegular
			case "-d":
				ok = res.Info.Type == fsmeta.TypeDir
			case "-s":
				ok = res.Info.Type == fsmeta.TypeRegular && res.Info.Size > 0
			case "-l":
				ok = res.Info.Type == fsmeta.TypeSymlink
			}
		} else if res.Err != syscall.ENOENT && res.Err != syscall.ENOTDIR && res.Err != syscall.EACCES {
			return false, nil, fmt.Sprintf("stat %s: %v is not modelled yet", test, res.Err)
		}
		return ok != neg, nil, ""
	}
	if eq, ok := strings.CutPrefix(pat, "="); ok && !strings.HasPrefix(eq, "=") {
		// Lexical equality ("=" alone: the empty string).
		if eq == `""` {
			eq = ""
		}
		match := test == eq
		if fl.nocase {
			match = strings.EqualFold(test, eq)
		}
		return match != neg, nil, ""
	}
	if strings.HasPrefix(pat, "-") || strings.HasPrefix(pat, "=") || strings.HasPrefix(pat, "<") || strings.HasPrefix(pat, ">") {
		return false, nil, fmt.Sprintf("%s: the condition %s is not modelled yet", d.Range, d.Args[1])
	}
	re, why := compile(d, pat, fl.nocase)
	if why != "" {
		return false, nil, why
	}
	sub, why := matchRe(d, re, test)
	if why != "" {
		return false, nil, why
	}
	if neg {
		return sub == nil, condSub, ""
	}
	if sub == nil {
		return false, nil, ""
	}
	return true, sub, ""
}

// rwResult is the outcome of a rule list.
type rwResult struct {
	changed bool
	target  string // the new URL-path or file (query string cut)
	status  int    // F, G, R: the status answered
	rule    *rwRule
	end, pt bool
}

// apply runs a rule list on subject (the URL-path in server context, the
// path below c.dir in directory context), as apply_rewrite_list does.
func (e *rwEnv) apply(c *rwConf, subject string) (rwResult, string) {
	var res rwResult
	for i := range c.rules {
		r := &c.rules[i]
		fl, why := parseFlags(r.d, false)
		if why != "" {
			return res, why
		}
		pat := r.d.Args[0]
		neg := strings.HasPrefix(pat, "!")
		if neg {
			pat = pat[1:]
		}
		re, why := compile(r.d, pat, fl.nocase)
		if why != "" {
			return res, why
		}
		sub, why := matchRe(r.d, re, subject)
		if why != "" {
			return res, why
		}
		if (sub != nil) == neg {
			continue
		}
		if neg {
			sub = []string{subject}
		}
		ok, condSub := true, []string(nil)
		for j := 0; j < len(r.conds); j++ {
			cd := r.conds[j]
			cfl, why := parseFlags(cd, true)
			if why != "" {
				return res, why
			}
			m, cs, why := e.cond(cd, sub, condSub)
			if why != "" {
				return res, why
			}
			if m && cs != nil {
				condSub = cs
			}
			if cfl.or {
				if m {
					// skip the rest of the [OR] chain
					for j < len(r.conds) {
						nf, _ := parseFlags(r.conds[j], true)
						if !nf.or {
							break
						}
						j++
					}
				}
				continue
			}
			if !m {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		e.st.step("rewrite", r.d.Range, "RewriteRule %s matches %q", strings.Join(r.d.Args, " "), subject)
		switch {
		case fl.forbidden:
			res.status, res.rule = 403, r
			return res, ""
		case fl.gone:
			res.status, res.rule = 410, r
			return res, ""
		case fl.redirect != 0 && (fl.redirect < 300 || fl.redirect > 399):
			res.status, res.rule = fl.redirect, r
			return res, ""
		}
		subst := r.d.Args[1]
		if fl.redirect == 0 && strings.Contains(subst, "://") {
			// An absolute URL redirects (302) unless it names this
			// server, which mod_rewrite reduces to a local path.
			t, why := e.expand(r.d, subst, sub, condSub)
			if why != "" {
				return res, why
			}
			host := strings.SplitN(t[strings.Index(t, "://")+3:], "/", 2)[0]
			if strings.EqualFold(strings.Split(host, ":")[0], e.st.req.Host) {
				return res, fmt.Sprintf("%s: a substitution to an absolute URL of this server is not modelled yet", r.d.Range)
			}
			fl.redirect = 302
		}
		if fl.redirect != 0 {
			// The status of a redirect does not depend on its target.
			subst = "-"
		}
		if subst != "-" {
			t, why := e.expand(r.d, subst, sub, condSub)
			if why != "" {
				return res, why
			}
			t, _, _ = strings.Cut(t, "?")
			if c.dir != "" && !strings.HasPrefix(t, "/") {
				t = c.dir + t
			}
			res.changed, res.target, res.rule = true, t, r
			subject = t
			if c.dir != "" {
				subject = strings.TrimPrefix(t, c.dir)
			}
		} else if res.rule == nil {
			res.rule = r
		}
		if fl.redirect != 0 {
			if !fl.last && !fl.end && i+1 < len(c.rules) {
				// The later rules see the redirect's URL: judged
				// only when none of their patterns matches it.
				t, why := e.expand(r.d, r.d.Args[1], sub, condSub)
				if why != "" {
					return res, why
				}
				for _, later := range c.rules[i+1:] {
					lf, _ := parseFlags(later.d, false)
					p := strings.TrimPrefix(later.d.Args[0], "!")
					re, why := compile(later.d, p, lf.nocase)
					m, err := re.Match(t)
					if why != "" || err != nil || (m != nil) != strings.HasPrefix(later.d.Args[0], "!") {
						return res, fmt.Sprintf("%s: [R] without [L] before a rule that may match %s is not modelled yet", r.d.Range, t)
					}
				}
			}
			res.rule, res.status = r, fl.redirect
			return res, ""
		}
		res.pt = res.pt || fl.pt
		if fl.end {
			res.end = true
			return res, ""
		}
		if fl.last {
			return res, ""
		}
	}
	return res, ""
}

// sameForEveryClient are the RewriteCond test strings whose value no
// client chooses: the file the request maps to and its URL-path.
var sameForEveryClient = map[string]bool{"%{REQUEST_FILENAME}": true, "%{SCRIPT_FILENAME}": true,
	"%{REQUEST_URI}": true, "%{DOCUMENT_ROOT}": true}

// clientConds reports whether a rule's conditions may tell clients apart
// (a Referer, an address, an agent): its [F] is then taken as meant for
// some clients (a deny rule). Conditions on the mapped file alone (h5bp's
// "-d [OR] -f" before its hidden-files rule) refuse every client.
func clientConds(conds []*conf.Directive) bool {
	for _, c := range conds {
		if len(c.Args) == 0 || !sameForEveryClient[strings.ToUpper(c.Args[0])] {
			return true
		}
	}
	return false
}

// statusOf turns the status of a rule list into the request's answer.
func (e *rwEnv) statusOf(res rwResult) *simulate.Decision {
	st := e.st
	st.d.Status = res.status
	r := res.rule.d
	if res.status == 403 {
		kind := simulate.KindDenyOvermatch
		if clientConds(res.rule.conds) {
			kind = simulate.KindDenyRule
		}
		st.d.Cause = &simulate.Cause{Rule: RuleRewriteForbidden, Kind: kind, Range: r.Range, Path: e.filename,
			Reason: fmt.Sprintf("RewriteRule %s forces 403 for %s (no error-log line at the default LogLevel)", strings.Join(r.Args, " "), e.uri)}
	}
	st.step("rewrite", r.Range, "RewriteRule answers %d", res.status)
	return st.d
}

// rewriteServer runs the server-context rules (hook_uri2file) on uri: a
// decision ends the request; else m.file is set when a rule mapped the
// request to a file, m.uri when [PT] handed a new URL-path on.
func (s *Simulator) rewriteServer(st *state, scopes []*scope, uri, docRoot string) (mapping, *simulate.Decision) {
	if st.rewriteEnded {
		return mapping{}, nil
	}
	var c *rwConf
	on := false
	for _, sc := range scopes {
		c = parseRewrite(sc.rewrite, "")
		if c != nil && c.onSet {
			on = c.on
		}
	}
	// c is the virtual host's (the last scope's): the main server's
	// rules are not inherited without RewriteOptions Inherit.
	if c == nil || !on || len(c.rules) == 0 {
		return mapping{}, nil
	}
	if c.unsure != "" {
		return mapping{}, st.notSure("%s", c.unsure)
	}
	e := &rwEnv{s: s, st: st, uri: uri, filename: uri, docRoot: docRoot}
	res, why := e.apply(c, uri)
	if why != "" {
		return mapping{}, st.notSure("%s", why)
	}
	if res.status != 0 {
		return mapping{}, e.statusOf(res)
	}
	if !res.changed {
		return mapping{}, nil
	}
	if res.pt {
		st.step("rewrite", res.rule.d.Range, "[PT] passes %s on to the URL mapping", res.target)
		return mapping{uri: res.target}, nil
	}
	// prefix_stat: a target whose first component exists is a file
	// path, else a URL-path below the DocumentRoot.
	first := "/" + strings.SplitN(strings.TrimPrefix(res.target, "/"), "/", 2)[0]
	r := s.FS.Access(s.Cred, first, 0, true)
	if r.Blind {
		return mapping{}, st.notSure("cannot read the metadata of %s", r.At)
	}
	file := res.target
	if !r.OK() {
		file = strings.TrimSuffix(docRoot, "/") + res.target
	}
	st.step("rewrite", res.rule.d.Range, "RewriteRule maps %s to %s", uri, file)
	return mapping{file: file}, nil
}

// rewriteDir runs the directory-context rules (hook_fixup) after the
// walk and authorization: a decision ends the request (a status, or the
// answer of the internal redirect to the rewritten URL). noSlash is set
// for a directory asked without its slash.
func (s *Simulator) rewriteDir(st *state, p *perDir, scopes []*scope, uri, filename, full, docRoot string, noSlash bool) *simulate.Decision {
	c := p.rw
	if st.rewriteEnded || c == nil || !c.on || len(c.rules) == 0 {
		return nil
	}
	if c.unsure != "" {
		return st.notSure("%s", c.unsure)
	}
	if filename+"/" == c.dir {
		// The rules of the directory itself, asked without its slash:
		// hook_fixup leaves it to mod_dir's redirect (RewriteOptions
		// AllowNoSlash aside), before its FollowSymLinks check.
		st.step("rewrite", c.rules[0].d.Range, "%s is asked without its slash: its own per-directory rules are skipped", filename)
		return nil
	}
	if !p.opts.has(optFollowSymLinks) && !p.opts.has(optSymLinksIfOwnerMatch) {
		st.d.Status = 403
		st.d.Cause = &simulate.Cause{Rule: RuleSymlinkDenied, Kind: simulate.KindSymlinkDenied, Range: p.optsRange,
			Directive: symlinkDirective, Path: filename,
			Reason: "AH00670: Options FollowSymLinks and SymLinksIfOwnerMatch are both off, so the RewriteRule directive is also forbidden due to its similar ability to circumvent directory restrictions : " + filename}
		st.step("rewrite", c.rules[0].d.Range, "per-directory rewriting needs FollowSymLinks or SymLinksIfOwnerMatch")
		return st.d
	}
	subject := full
	if strings.HasPrefix(full, c.dir) {
		subject = full[len(c.dir):]
	}
	e := &rwEnv{s: s, st: st, uri: uri, filename: filename, docRoot: docRoot}
	res, why := e.apply(c, subject)
	if why != "" {
		return st.notSure("%s", why)
	}
	if res.status != 0 {
		if res.status >= 300 && res.status < 400 {
			st.d.Status = res.status
			st.step("rewrite", res.rule.d.Range, "RewriteRule redirects with %d", res.status)
			return st.d
		}
		return e.statusOf(res)
	}
	if !res.changed {
		return nil
	}
	target := res.target
	if target == filename {
		st.step("rewrite", res.rule.d.Range, "the rewritten %s is the request's file: ignored", target)
		return nil
	}
	if c.baseSet {
		target = substPrefix(target, c.dir, c.base)
	} else if root := strings.TrimSuffix(docRoot, "/"); root != "" && strings.HasPrefix(target, root) {
		target = target[len(root):]
	}
	if !strings.HasPrefix(target, "/") {
		return st.notSure("the rewritten URL %q is not modelled yet", target)
	}
	if noSlash && s.Config.Modules["dir_module"] {
		// The internal redirect waits for mod_rewrite's handler; the
		// fixups go on, and mod_dir's redirects the directory first.
		st.step("rewrite", res.rule.d.Range, "RewriteRule rewrites %s to %s, but mod_dir's fixup redirects the directory to its slash first", uri, target)
		return nil
	}
	if res.end {
		st.rewriteEnded = true
	}
	return s.internalRedirect(st, scopes, target, res.rule.d.Range)
}

// substPrefix is mod_rewrite's subst_prefix_path: the directory prefix
// match of input replaced by the URL subst (RewriteBase).
func substPrefix(input, match, subst string) string {
	m := strings.TrimSuffix(match, "/")
	if !strings.HasPrefix(input, m+"/") {
		return input
	}
	return strings.TrimSuffix(subst, "/") + "/" + input[len(m)+1:]
}

// internalRedirect serves the rewritten URL as a new request
// (ap_internal_redirect), its answer being the request's.
func (s *Simulator) internalRedirect(st *state, scopes []*scope, target string, r parser.Range) *simulate.Decision {
	st.redirects++
	if st.redirects > maxRedirects {
		st.d.Status = 500
		st.d.Cause = &simulate.Cause{Kind: simulate.KindNone, Range: r,
			Reason: "AH00124: Request exceeded the limit of 10 internal redirects due to probable configuration error. Use 'LimitInternalRecursion' to increase the limit if necessary."}
		st.step("rewrite", r, "more than %d internal redirects", maxRedirects)
		return st.d
	}
	st.step("rewrite", r, "internal redirect to %s", target)
	st.req.Path, st.req.RawPath, st.req.EscapedPath = target, "", ""
	st.others, st.rdirs, st.locs = nil, nil, nil
	st.d.Status, st.d.Cause, st.d.Path, st.d.Location, st.d.LocationRange, st.d.Block = 0, nil, "", "", parser.Range{}, ""
	return s.serve(st, scopes)
}

// fullPath is r->filename with the path info after it, what directory
// rules match (their directory cut).
func fullPath(cur string, finfo *fsmeta.Info, pathInfo, uri string) string {
	full := walkSubject(cur, finfo, pathInfo, uri)
	switch {
	case finfo == nil:
		full = strings.TrimSuffix(cur, "/") + pathInfo
		if strings.HasSuffix(uri, "/") && !strings.HasSuffix(full, "/") {
			full += "/"
		}
	case finfo.Type != fsmeta.TypeDir && pathInfo != "":
		full = cur + pathInfo
	}
	return full
}

// indexRewritten says why the DirectoryIndex subrequest for uri cannot
// be judged: a server-context RewriteRule (which subrequests run too)
// matches it. "" when none does.
func (s *Simulator) indexRewritten(st *state, uri string) string {
	if st.rewriteEnded || !st.hasServerRewrite(st.scopes) {
		return ""
	}
	dry := &state{req: st.req, d: &simulate.Decision{}}
	dry.req.Path = uri
	m, d := s.rewriteServer(dry, st.scopes, uri, "")
	switch {
	case d != nil && d.Unsure != "":
		return d.Unsure
	case d != nil || m.file != "" || m.uri != "":
		return fmt.Sprintf("a server-context RewriteRule rewrites the DirectoryIndex subrequest %s: not modelled yet", uri)
	}
	return ""
}

// header finds the header field name in h, case-insensitively.
func header(h map[string]string, name string) (string, bool) {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}
