package apache

import (
	"cmp"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/unforbid/unforbid/fix"
	"github.com/unforbid/unforbid/parser"
	conf "github.com/unforbid/unforbid/parser/apache"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules"
	"github.com/unforbid/unforbid/rules/simulate"
)

// The rule IDs Repairs answers besides those of sim.go (agreed names).
const (
	ruleNotGranted       = "apache/directory-not-granted"
	ruleDenyOvermatch    = "apache/deny-overmatch"
	ruleRewriteForbidden = "apache/rewrite-forbidden"
	ruleSymlinkDenied    = "apache/symlink-denied"
)

// Repairs returns the config edits that repair p, safe ones first. A fix
// the simulator can judge is checked before it is offered: the
// configuration is loaded again with the edits applied and the refused
// requests simulated (they must now be served), and no secret
// (rules.IsSecret) below the tree it opens that was refused may be
// served. A directive whose file has no known offsets gets no edit.
//
// What each rule gets:
//   - apache/directory-not-granted (p.Range is the DocumentRoot or Alias
//     whose target no <Directory> grants): a `<Directory TARGET> Require
//     all granted </Directory>` block inserted just after that directive,
//     with its indentation (safe; review when a secret lies below the
//     target or its links, which the grant would also open, when it
//     opens another site's tree refused on purpose, or when the target
//     lies in the machine's own trees such as /etc or /var/lib). None
//     for a system directory (simulate.IsSystemDir), a target that is
//     a secret, or
//     one whose name holds a wildcard character (the section would be
//     a pattern granting every directory it matches).
//   - apache/directory-index-missing: an index-like file the directory
//     holds added to the DirectoryIndex in effect, in a <Directory> of
//     that directory alone (safe; a script such as index.php only when a
//     PHP module is loaded, and then for review, as the simulator does
//     not model handlers); `Options +Indexes` for that directory alone
//     (review).
//   - apache/deny-overmatch, apache/rewrite-forbidden,
//     apache/require-denied: a carve-out for the well-known public
//     files refused. ACME challenges get a <Directory> of the challenge
//     directory (safe when nothing below it is a secret, as tokens are
//     base64url names without dots); robots.txt, security.txt,
//     favicon.ico a <Files> section granting that name next to the deny
//     (review); the public extensions removed from a <FilesMatch> regex
//     when it still refuses every secret name (review). A RewriteRule
//     that refuses them gets a rule letting them through ("-" [L])
//     before it and its RewriteCond lines (review). A deny is never
//     removed.
//   - apache/symlink-denied: `Options +FollowSymLinks` in a <Directory>
//     of the link's directory (review).
func (s *Simulator) Repairs(p simulate.Problem) []fix.Fix {
	var out []fix.Fix
	switch {
	case p.Rule == ruleNotGranted:
		out = s.grantRepairs(p)
	case p.Rule == RuleIndexMissing || p.Kind == simulate.KindIndexMissing:
		out = s.indexRepairs(p)
	case p.Rule == ruleDenyOvermatch || p.Rule == ruleRewriteForbidden || p.Rule == RuleDenied:
		out = s.denyRepairs(p)
	case p.Rule == ruleSymlinkDenied || p.Kind == simulate.KindSymlinkDenied:
		out = s.symlinkRepairs(p)
	}
	slices.SortStableFunc(out, func(a, b fix.Fix) int { return cmp.Compare(a.Class, b.Class) })
	return out
}

var _ simulate.Repairer = (*Simulator)(nil)

// grantRepairs repairs a DocumentRoot or Alias target no <Directory>
// grants.
func (s *Simulator) grantRepairs(p simulate.Problem) []fix.Fix {
	d := s.directiveAtRange(p.Range)
	if d == nil && p.Decision != nil {
		// The finding names another line: take the mapping step.
		for _, st := range p.Decision.Trace {
			if st.Step == "root" || st.Step == "alias" {
				d = s.directiveAtRange(st.Range)
			}
		}
	}
	if d == nil {
		return nil
	}
	target := ""
	switch {
	case d.Is("DocumentRoot") && len(d.Args) == 1:
		target = d.Args[0]
	case d.Is("Alias") && len(d.Args) == 2:
		target = d.Args[1]
	default:
		return nil
	}
	target = path.Clean(target)
	if !path.IsAbs(target) || simulate.IsSystemDir(target) || rules.IsSecret(target) || hasWild(target) {
		// a wildcard character would make the <Directory> a pattern
		// granting every directory it matches
		return nil
	}
	if info, err := s.FS.Lstat(target); err != nil || info.Type != fsmeta.TypeDir {
		return nil // a file alias or a missing tree: no section of its own
	}
	e, ok := s.editAfter(d, sectionText("Directory", target, "Require all granted"))
	if !ok {
		return nil
	}
	f := fix.Fix{
		Description: fmt.Sprintf("grant access to %s, which %s serves: no <Directory> grants it and <Directory /> denies everything", target, d.Name),
		Class:       fix.Safe,
		Edits:       []fix.Edit{e},
	}
	if p.Request.Path == "" {
		// a finding of the config alone: checked on the URL it serves
		if p.Request, ok = s.requestAt(d, urlOf(d)); !ok {
			return nil
		}
	}
	reqs := refusedRequests(p)
	if len(reqs) == 0 {
		return nil
	}
	after, ok := s.fixHolds(f, reqs, notDenied)
	if !ok {
		return nil
	}
	opened := s.openedSecrets(after, p.Request, urlOf(d), target)
	opened = append(opened, s.othersOpened(after, p)...)
	if sys := machineTree(target); sys != "" {
		opened = append(opened, "files of the machine's own "+sys+" tree, whose names do not say they are secret")
	}
	if len(opened) > 0 {
		f.Class = fix.Review
		f.Description += fmt.Sprintf(" (review: it may also open %s)", strings.Join(opened, ", "))
	}
	return []fix.Fix{f}
}

// othersOpened returns the URLs of the served trees of every site that
// after may serve (it does not surely refuse them) though s surely
// refused them for another cause than p's own: the edit lands in a file
// other sites read too (an Include shared by virtual hosts), or in a
// context they inherit, and a later section of the same path replaces
// what they refuse on purpose (an allowlist). Requests come from a
// public client.
func (s *Simulator) othersOpened(after *Simulator, p simulate.Problem) []string {
	own := s.Simulate(p.Request)
	if own.Cause == nil {
		return nil
	}
	var out []string
	for _, site := range s.Sites() {
		for _, root := range site.Roots {
			r, ok := siteRequest(site, root.URL, publicClient)
			if !ok {
				continue
			}
			was := s.Simulate(r)
			if was.Unsure != "" || was.Status < 400 || was.Cause != nil && was.Cause.Range == own.Cause.Range {
				continue // served before, or refused for this very cause
			}
			if now := after.Simulate(r); now.Unsure == "" && now.Status >= 400 {
				continue
			}
			out = append(out, fmt.Sprintf("http://%s:%d%s", site.Host, site.Port, root.URL))
		}
	}
	return out
}

// machineTrees are the trees of the machine's own configuration, state
// and kernel files: a file there (a database password in an .ini) is
// secret whatever its name.
var machineTrees = []string{"/etc", "/root", "/proc", "/sys", "/dev", "/boot", "/run", "/var/lib"}

// machineTree returns the tree of machineTrees that p lies in, "" for
// none.
func machineTree(p string) string {
	for _, t := range machineTrees {
		if p == t || strings.HasPrefix(p, t+"/") {
			return t
		}
	}
	return ""
}

// urlOf returns the URL path a DocumentRoot or Alias directive serves its
// target at, ending in "/".
func urlOf(d *conf.Directive) string {
	if d.Is("Alias") {
		return strings.TrimSuffix(d.Args[0], "/") + "/"
	}
	return "/"
}

// refusedRequests returns the requests a fix of p must have served: p's
// own and one for each of p.Refused.
func refusedRequests(p simulate.Problem) []simulate.Request {
	if p.Request.Path == "" {
		return nil
	}
	reqs := []simulate.Request{p.Request}
	for _, u := range p.Refused {
		if u == p.Request.Path {
			continue
		}
		r := p.Request
		r.Path, r.RawPath, r.EscapedPath, r.RequestURI = u, u, "", ""
		reqs = append(reqs, r)
	}
	return reqs
}

// notDenied reports whether d answers and is no longer refused by an
// access rule (another cause after it, such as a missing index, is
// another finding).
func notDenied(d *simulate.Decision) bool {
	if d.Unsure != "" {
		return false
	}
	return d.Status < 400 || d.Cause == nil || d.Cause.Kind != simulate.KindDenyRule && d.Cause.Kind != simulate.KindDenyOvermatch
}

func served200(d *simulate.Decision) bool { return d.Unsure == "" && d.Status == 200 }

// Bounds of the walk for secrets below a tree a fix opens.
const (
	maxSecretWalk = 20000
	maxWalkDepth  = 12
)

// publicClient is the client address secret checks send from: one of no
// private network (TEST-NET-3), which allowlists do not admit.
const publicClient = "203.0.113.9"

// openedSecrets walks the tree dir served at url for secrets
// (rules.IsSecret), following its symbolic links, and returns the URL of
// each one after may serve (it does not surely refuse it) while s did
// not surely serve it: an unsure answer counts as opened, as nothing
// shows it stays closed (a <Files> section the simulator does not model). A tree too large to walk whole
// answers "secrets not checked".
func (s *Simulator) openedSecrets(after *Simulator, tmpl simulate.Request, url, dir string) []string {
	var opened []string
	seen := map[string]bool{}
	visit := func(_, u string) bool {
		if seen[u] {
			return true
		}
		seen[u] = true
		r := tmpl
		r.Path, r.RawPath, r.EscapedPath, r.RequestURI, r.ClientIP = u, u, "", "", publicClient
		was, now := s.Simulate(r), after.Simulate(r)
		servedBefore := was.Unsure == "" && was.Status < 400
		refusedNow := now.Unsure == "" && now.Status >= 400
		if !servedBefore && !refusedNow {
			opened = append(opened, u)
		}
		return true
	}
	// Apache follows links (Options FollowSymLinks; <Directory> sections
	// match the path the URL maps to, not the link's target).
	sw := simulate.SecretWalk{MaxEntries: maxSecretWalk, MaxDepth: maxWalkDepth, FollowLinks: true}
	sw.Walk(s.FS, dir, url, visit)
	if sw.Partial {
		opened = append(opened, "secrets not checked: the tree is too large")
	}
	return opened
}

// indexNames are the file names that serve as a directory's index, in
// the order a repair prefers them.
var indexNames = []string{"index.html", "index.htm", "index.php", "default.html", "default.htm", "index.xhtml", "index.shtml"}

// phpLoaded reports whether a PHP module is loaded (mod_php).
func (s *Simulator) phpLoaded() bool {
	for m, on := range s.Config.Modules {
		if on && strings.HasPrefix(m, "php") && strings.HasSuffix(m, "_module") {
			return true
		}
	}
	return false
}

// indexRepairs repairs a directory without index file, listing off.
func (s *Simulator) indexRepairs(p simulate.Problem) []fix.Fix {
	if !strings.HasSuffix(p.Request.Path, "/") {
		return nil
	}
	d := s.Simulate(p.Request)
	if d.Cause == nil || d.Cause.Kind != simulate.KindIndexMissing {
		return nil
	}
	dir := p.Path
	if dir == "" {
		dir = d.Cause.Path
	}
	if dir == "" {
		return nil
	}
	dir = path.Clean(dir)
	// The DirectoryIndex in effect: the index step's directive, else
	// the compiled-in index.html.
	var idx *conf.Directive
	for _, st := range d.Trace {
		if st.Step == "index" && !st.Range.IsZero() {
			idx = s.directiveAtRange(st.Range)
		}
	}
	inherited := []string{"index.html"}
	if idx != nil {
		inherited = nil
		for _, a := range idx.Args {
			if !strings.EqualFold(a, "disabled") {
				inherited = append(inherited, a)
			}
		}
	}
	var out []fix.Fix
	names, _ := s.FS.ReadDirNames(dir)
	for _, n := range indexNames {
		if !slices.Contains(names, n) || slices.Contains(inherited, n) {
			continue
		}
		if info, err := s.FS.Lstat(path.Join(dir, n)); err != nil || info.Type != fsmeta.TypeRegular {
			continue
		}
		script := path.Ext(n) == ".php"
		if script && !s.phpLoaded() {
			continue // its source would go out
		}
		var f fix.Fix
		ok := false
		if idx != nil && s.exactDir(idx, dir) && len(idx.ArgSpans) > 0 && !slices.ContainsFunc(idx.Args, func(a string) bool { return strings.EqualFold(a, "disabled") }) {
			// The directory's own DirectoryIndex: name added to it.
			end := idx.ArgSpans[len(idx.ArgSpans)-1].End
			f, ok = fix.Fix{Edits: []fix.Edit{{File: idx.Range.File, Start: end, End: end, New: " " + quoteArg(n)}}}, true
		} else {
			f, ok = s.dirFix(d, dir, "DirectoryIndex "+strings.Join(quoteArgs(append(slices.Clone(inherited), n)), " "))
		}
		if !ok {
			continue
		}
		f.Description, f.Class = fmt.Sprintf("serve %s as the index of %s", n, dir), fix.Safe
		if _, ok := s.fixHolds(f, []simulate.Request{p.Request}, served200); !ok {
			continue
		}
		if script {
			f.Class = fix.Review
			f.Description += " (review: PHP handlers are not simulated)"
		}
		out = append(out, f)
		break
	}
	if f, ok := s.dirFix(d, dir, "Options +Indexes"); ok {
		f.Class = fix.Review
		if after, ok := s.fixHolds(f, []simulate.Request{p.Request}, served200); ok {
			below, secrets := s.newlyListed(after, p.Request, dir)
			if below {
				f.Description = fmt.Sprintf("list the files of %s and of the directories below it that have no index (Options +Indexes)", dir)
			} else {
				f.Description = fmt.Sprintf("list the files of %s (Options +Indexes for that directory alone)", dir)
			}
			if len(secrets) > 0 {
				f.Description += fmt.Sprintf(" (review: it lists %s)", strings.Join(secrets, ", "))
			}
			out = append(out, f)
		}
	}
	return out
}

// newlyListed walks the directories of the tree dir served at
// tmpl.Path (ending in "/") and reports whether a directory below dir
// is listed after and was not before, and the URL of each secret
// (rules.IsSecret) the listing of dir or of a directory newly listed
// shows: one mod_autoindex does not leave out as refused (an unsure
// answer counts as listed and shown). A tree too large to walk whole answers "secrets not
// checked".
func (s *Simulator) newlyListed(after *Simulator, tmpl simulate.Request, dir string) (below bool, secrets []string) {
	walked := 0
	req := func(u string) simulate.Request {
		r := tmpl
		r.Path, r.RawPath, r.EscapedPath, r.RequestURI, r.ClientIP = u, u, "", "", publicClient
		return r
	}
	listedNow := func(u string) bool {
		was, now := s.Simulate(req(u)), after.Simulate(req(u))
		return !(was.Unsure == "" && was.Status == 200) && !(now.Unsure == "" && now.Status != 200)
	}
	// mod_autoindex leaves out the entries its subrequest is refused
	// (it shows those that ask for a password, 401)
	shown := func(u string) bool {
		now := after.Simulate(req(u))
		return !(now.Unsure == "" && now.Status >= 400 && now.Status != 401)
	}
	var walk func(dir, url string, depth int) bool
	walk = func(dir, url string, depth int) bool {
		if depth > maxWalkDepth || walked >= maxSecretWalk {
			return false
		}
		names, err := s.FS.ReadDirNames(dir)
		if err != nil {
			return true
		}
		listed := depth == 0 || listedNow(url)
		if depth > 0 && listed {
			below = true
		}
		for _, n := range names {
			walked++
			p, u := path.Join(dir, n), url+n
			info, err := s.FS.Lstat(p)
			if err != nil {
				continue
			}
			if listed && rules.IsSecret(p) && shown(u) {
				secrets = append(secrets, u)
			}
			if info.Type == fsmeta.TypeDir && !walk(p, u+"/", depth+1) {
				return false
			}
		}
		return true
	}
	if !walk(dir, tmpl.Path, 0) {
		secrets = append(secrets, "secrets not checked: the tree is too large")
	}
	return below, secrets
}

// exactDir reports whether d stands directly in a <Directory> section of
// dir.
func (s *Simulator) exactDir(d *conf.Directive, dir string) bool {
	sec := s.sectionOf(d)
	return sec != nil && sec.Is("Directory") && len(sec.Args) == 1 && canonDir(sec.Args[0]) == canonDir(dir)
}

// dirEdit returns an edit that puts the directive text into the
// <Directory> section of dir alone: into the one the request's scopes
// hold, first in it, else into a new one inserted after the <Directory>
// section that decided d (in its file and context), else after the
// DocumentRoot or Alias that mapped d.
func (s *Simulator) dirEdit(d *simulate.Decision, dir, text string) (fix.Edit, bool) {
	if hasWild(dir) {
		// a <Directory> of that name is a pattern matching others
		return fix.Edit{}, false
	}
	var anchor *conf.Directive
	if !d.LocationRange.IsZero() {
		anchor = s.directiveAtRange(d.LocationRange)
	}
	var mapped *conf.Directive
	for _, st := range d.Trace {
		if st.Step == "root" || st.Step == "alias" {
			mapped = s.directiveAtRange(st.Range)
		}
	}
	// An existing <Directory dir> in the context of the anchor or of
	// the mapping directive.
	for _, ctx := range []*conf.Directive{mapped, anchor} {
		if ctx == nil {
			continue
		}
		for _, sec := range s.blockOf(ctx) {
			if sec.Section && sec.Is("Directory") && len(sec.Args) == 1 && canonDir(sec.Args[0]) == canonDir(dir) {
				// Last, so that it overrides what the section
				// sets before (Options None, -Indexes).
				return s.editLastIn(sec, text)
			}
		}
	}
	block := sectionText("Directory", dir, text)
	// A new section next to the deciding one when that one is the
	// site's own (below the mapped tree, no system directory), else
	// just after the DocumentRoot or Alias.
	if anchor != nil && len(anchor.Args) == 1 && !simulate.IsSystemDir(path.Clean(anchor.Args[0])) &&
		strings.HasPrefix(canonDir(dir), canonDir(anchor.Args[0])) && (mapped == nil || anchor.Range.File == mapped.Range.File) {
		return s.editAfter(anchor, block)
	}
	if mapped != nil {
		return s.editAfter(mapped, block)
	}
	return fix.Edit{}, false
}

// denyRepairs repairs a deny that refuses public content: carve-outs for
// the well-known public files it refuses, a narrower <FilesMatch>.
func (s *Simulator) denyRepairs(p simulate.Problem) []fix.Fix {
	deny := s.directiveAtRange(p.Range)
	refused := p.Refused
	if len(refused) == 0 && p.Request.Path != "" {
		refused = []string{p.Request.Path}
	}
	if deny == nil {
		// a deny of a .htaccess file: its RewriteRule [F] is exempted
		// in the file itself
		if d, sibs := s.htaccessDirective(p.Range); d != nil && d.Is("RewriteRule") {
			return s.rewriteRepairs(p, d, sibs, refused)
		}
		return nil
	}
	var out []fix.Fix
	if deny.Is("RewriteRule") {
		return s.rewriteRepairs(p, deny, s.blockOf(deny), refused)
	}
	acme, files := false, map[string]bool{}
	for _, u := range refused {
		switch {
		case strings.HasPrefix(u, acmePrefix) && len(u) > len(acmePrefix):
			acme = true
		case u == "/robots.txt" || u == "/favicon.ico" || u == "/.well-known/security.txt" || u == "/security.txt":
			files[path.Base(u)] = true
		}
	}
	if acme {
		if f, ok := s.acmeFix(p); ok {
			out = append(out, f)
		}
	}
	sec := s.sectionOf(deny)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if rules.IsSecret("/" + name) {
			continue
		}
		text := sectionText("Files", name, "Require all granted")
		var e fix.Edit
		ok := false
		switch {
		case sec != nil && (sec.Is("Files") || sec.Is("FilesMatch")):
			// A <Files> cannot nest in a <Files>: next to it, later,
			// so that it merges after it.
			e, ok = s.editAfter(sec, text)
		case sec != nil && (sec.Is("Directory") || sec.Is("VirtualHost")):
			e, ok = s.editFirstIn(sec, text)
		case sec == nil:
			e, ok = s.editAfter(deny, text)
		}
		if !ok {
			continue
		}
		out = append(out, fix.Fix{Description: fmt.Sprintf("open %s, a public file the deny refuses, with a <Files> section granting it", name),
			Class: fix.Review, Edits: []fix.Edit{e}})
	}
	if sec != nil && sec.Is("FilesMatch") {
		if f, ok := s.narrowFilesMatch(sec, refused); ok {
			out = append(out, f)
		}
	}
	return out
}

// publicPattern returns a RewriteRule pattern matching the well-known
// public URL u stands for (any ACME challenge, robots.txt,
// security.txt, favicon.ico) in server and per-directory context alike,
// "" for another URL.
func publicPattern(u string) string {
	switch {
	case strings.HasPrefix(u, acmePrefix) && len(u) > len(acmePrefix):
		return `^/?\.well-known/acme-challenge/[A-Za-z0-9_-]+$`
	case u == "/robots.txt" || u == "/favicon.ico" || u == "/.well-known/security.txt" || u == "/security.txt":
		return "^/?" + regexp.QuoteMeta(strings.TrimPrefix(u, "/")) + "$"
	}
	return ""
}

// rewriteRepairs exempts the well-known public URLs a RewriteRule [F]
// refuses: a rule that leaves them alone ("-" [L]) inserted before it and
// the RewriteCond lines that belong to it (review).
func (s *Simulator) rewriteRepairs(p simulate.Problem, rule *conf.Directive, sibs []*conf.Directive, refused []string) []fix.Fix {
	i := slices.Index(sibs, rule)
	if i < 0 {
		return nil
	}
	first := rule
	for j := i - 1; j >= 0; j-- {
		if sibs[j].Comment {
			continue
		}
		if !sibs[j].Is("RewriteCond") {
			break
		}
		first = sibs[j]
	}
	var out []fix.Fix
	seen := map[string]bool{}
	for _, u := range refused {
		pat := publicPattern(u)
		if pat == "" || seen[pat] {
			continue
		}
		seen[pat] = true
		e, ok := s.editBefore(first, "RewriteRule "+quoteArg(pat)+" - [L]")
		if !ok {
			continue
		}
		what, why := strings.TrimPrefix(u, "/"), ""
		f := fix.Fix{Class: fix.Review, Edits: []fix.Edit{e}}
		if strings.HasPrefix(u, acmePrefix) {
			what = "ACME challenges"
			f.Class, why = s.acmeExemptClass(p, f)
		}
		f.Description = fmt.Sprintf("let %s through before the RewriteRule that refuses them", what) + why
		out = append(out, f)
	}
	return out
}

// acmePrefix is the URL path of ACME HTTP-01 challenges.
const acmePrefix = "/.well-known/acme-challenge/"

// acmeFix grants the ACME challenge directory of the refused request. It
// is safe when the directory exists, holds no secret and the grant
// serves the challenge: ACME tokens are base64url names, never dotfiles.
func (s *Simulator) acmeFix(p simulate.Problem) (fix.Fix, bool) {
	var req simulate.Request
	for _, r := range refusedRequests(p) {
		if strings.HasPrefix(r.Path, acmePrefix) {
			req = r
			break
		}
	}
	if req.Path == "" {
		return fix.Fix{}, false
	}
	d := s.Simulate(req)
	rest := strings.TrimPrefix(req.Path, acmePrefix)
	if d.Path == "" || !strings.HasSuffix(d.Path, "/"+rest) {
		return fix.Fix{}, false
	}
	dir := strings.TrimSuffix(d.Path, "/"+rest)
	if path.Base(dir) != "acme-challenge" || simulate.IsSystemDir(dir) {
		return fix.Fix{}, false
	}
	f, ok := s.dirFix(d, dir, "Require all granted")
	if !ok {
		return fix.Fix{}, false
	}
	f.Description, f.Class = fmt.Sprintf("serve the ACME challenges in %s, which the deny refuses", dir), fix.Safe
	info, err := s.FS.Lstat(dir)
	if err != nil || info.Type != fsmeta.TypeDir {
		if _, holds := s.fixHolds(f, []simulate.Request{req}, notDenied); !holds {
			// a deny that merges after <Directory>: the tokens'
			// <LocationMatch> holds whether the directory exists
			if lf, ok := s.acmeLocationFix(p, req, dir); ok {
				return lf, true
			}
		}
		f.Class = fix.Review
		f.Description += " (review: the directory does not exist yet)"
		return f, true
	}
	after, ok := s.fixHolds(f, []simulate.Request{req}, notDenied)
	if !ok {
		// a deny that merges after <Directory> (<DirectoryMatch>,
		// <Files>, <Location>): a <LocationMatch> of the tokens alone
		if lf, ok := s.acmeLocationFix(p, req, dir); ok {
			return lf, true
		}
		f.Class = fix.Review
		f.Description += " (review: not simulated)"
		return f, true
	}
	if opened := s.openedSecrets(after, req, acmePrefix, dir); len(opened) > 0 {
		f.Class = fix.Review
		f.Description += fmt.Sprintf(" (review: it may also open %s)", strings.Join(opened, ", "))
	}
	return f, true
}

// secretProbes are names a deny must keep refusing to be narrowed.
var secretProbes = []string{".git", ".env", ".htaccess", ".htpasswd", "id_rsa", "backup.sql",
	"site.tar.gz", "config.php.bak", "server.key", "HEAD", "debug.log", "dump.sql"}

// altGroup matches the first group of alternatives of a regex: "(a|b)".
var altGroup = regexp.MustCompile(`\((\?:)?([^()]*\|[^()]*)\)`)

// narrowFilesMatch removes from the first group of alternatives of a
// <FilesMatch> regex those matching a refused public name, when the
// narrowed regex still matches every secret probe the old one matched
// and none of the refused names (review).
func (s *Simulator) narrowFilesMatch(sec *conf.Directive, refused []string) (fix.Fix, bool) {
	if len(sec.Args) != 1 || len(sec.ArgSpans) != 1 || !hasOffsets(sec) {
		return fix.Fix{}, false
	}
	pat := sec.Args[0]
	old, err := regexp.Compile(pat)
	if err != nil {
		return fix.Fix{}, false
	}
	m := altGroup.FindStringSubmatchIndex(pat)
	if m == nil {
		return fix.Fix{}, false
	}
	alts := strings.Split(pat[m[4]:m[5]], "|")
	var keep []string
	for _, a := range alts {
		one, err := regexp.Compile(pat[:m[4]] + a + pat[m[5]:])
		if err != nil {
			return fix.Fix{}, false
		}
		public := false
		for _, u := range refused {
			if one.MatchString(path.Base(u)) {
				public = true
			}
		}
		if !public {
			keep = append(keep, a)
		}
	}
	if len(keep) == 0 || len(keep) == len(alts) {
		return fix.Fix{}, false
	}
	narrowed := pat[:m[4]] + strings.Join(keep, "|") + pat[m[5]:]
	re, err := regexp.Compile(narrowed)
	if err != nil {
		return fix.Fix{}, false
	}
	for _, probe := range secretProbes {
		if old.MatchString(probe) && !re.MatchString(probe) {
			return fix.Fix{}, false
		}
	}
	for _, u := range refused {
		if re.MatchString(path.Base(u)) {
			return fix.Fix{}, false
		}
	}
	sp := sec.ArgSpans[0]
	return fix.Fix{Description: fmt.Sprintf("narrow <FilesMatch %q> to %q, which refuses every secret name it refused", pat, narrowed),
		Class: fix.Review, Edits: []fix.Edit{{File: sec.Range.File, Start: sp.Start, End: sp.End, New: quoteAlways(narrowed)}}}, true
}

// symlinkRepairs lets Apache follow the links of the refused link's
// directory (review).
func (s *Simulator) symlinkRepairs(p simulate.Problem) []fix.Fix {
	if p.Path == "" || p.Decision == nil {
		return nil
	}
	dir := path.Dir(path.Clean(p.Path))
	if simulate.IsSystemDir(dir) {
		return nil
	}
	f, ok := s.dirFix(p.Decision, dir, "Options +FollowSymLinks")
	if !ok {
		return nil
	}
	f.Description, f.Class = fmt.Sprintf("follow the symbolic links of %s and of the directories below it (Options +FollowSymLinks)", dir), fix.Review
	// the secrets the links there lead to, as the link's URL names them
	link := path.Clean(p.Path)
	rest := strings.TrimPrefix(p.Decision.Path, link)
	if p.Request.Path == "" || p.Decision.Path != link && !strings.HasPrefix(p.Decision.Path, link+"/") || !strings.HasSuffix(p.Request.Path, rest) ||
		!strings.HasSuffix(strings.TrimSuffix(p.Request.Path, rest), "/"+path.Base(link)) {
		f.Description += " (review: the secrets its links lead to were not checked)"
		return []fix.Fix{f}
	}
	linkURL := strings.TrimSuffix(p.Request.Path, rest)
	dirURL := strings.TrimSuffix(linkURL, path.Base(link)) // ends in "/"
	after, err := s.withChange(f.Edits, createdFiles(f.Ops))
	if err != nil {
		return nil
	}
	if opened := s.openedSecrets(after, p.Request, dirURL, dir); len(opened) > 0 {
		f.Description += fmt.Sprintf(" (review: it may also open %s)", strings.Join(opened, ", "))
	}
	return []fix.Fix{f}
}

// fixHolds applies f's edits, loads the configuration again and simulates
// serve: each must answer as served says. It returns the new simulator.
func (s *Simulator) fixHolds(f fix.Fix, serve []simulate.Request, served func(*simulate.Decision) bool) (*Simulator, bool) {
	after, err := s.withChange(f.Edits, createdFiles(f.Ops))
	if err != nil {
		return nil, false
	}
	for _, r := range serve {
		if !served(after.Simulate(r)) {
			return nil, false
		}
	}
	return after, true
}

// withEdits returns the simulator of the configuration with edits
// applied, on a view of the same filesystem where the edited files hold
// their new text.
func (s *Simulator) withEdits(edits []fix.Edit) (*Simulator, error) {
	return s.withChange(edits, nil)
}

// withChange is withEdits with the files created in files too; with
// LoadHtaccess, edits may change the docroot's .htaccess files.
func (s *Simulator) withChange(edits []fix.Edit, files map[string]fsmeta.FileContent) (*Simulator, error) {
	byFile := map[string][]fix.Edit{}
	for _, e := range edits {
		byFile[e.File] = append(byFile[e.File], e)
	}
	if files == nil {
		files = map[string]fsmeta.FileContent{}
	}
	for file, es := range byFile {
		src := s.confText(file)
		if src == nil {
			src = s.htaccessText(file)
		}
		if src == nil {
			return nil, fmt.Errorf("%s: not a config file read", file)
		}
		b, err := fix.ApplyEdits(file, src, es)
		if err != nil {
			return nil, err
		}
		files[file] = fsmeta.FileContent{Data: b}
	}
	view := s.FS.With(fsmeta.Changes{Files: files})
	if s.htaccessRoot != "" {
		// the stock configuration again, around the changed docroot
		after, _, err := LoadHtaccess(s.htaccessRoot, view)
		return after, err
	}
	var defines []string
	for k, v := range s.Config.Defines {
		if v != "" {
			k += "=" + v
		}
		defines = append(defines, k)
	}
	slices.Sort(defines)
	cfg, err := conf.Load(s.Config.Main, conf.Options{FS: view, Env: s.Config.Env, Defines: defines, ServerRoot: s.Config.ServerRoot})
	if err != nil {
		return nil, err
	}
	return New(cfg, view)
}

// confText returns the text of a config file, nil when it was not read.
func (s *Simulator) confText(file string) []byte {
	if f := s.Config.Files[file]; f != nil {
		return f.Src
	}
	return nil
}

// hasOffsets reports whether the offsets of d are known.
func hasOffsets(d *conf.Directive) bool {
	return d != nil && d.Range.Start.Offset >= 0 && d.Range.End.Offset > d.Range.Start.Offset
}

// directiveAtRange returns the directive of the effective tree that stands at
// rng, or nil.
func (s *Simulator) directiveAtRange(rng parser.Range) *conf.Directive {
	if rng.IsZero() {
		return nil
	}
	var found *conf.Directive
	conf.Walk(s.Config.Directives, func(d *conf.Directive) bool {
		if found == nil && !d.Comment && d.Range == rng {
			found = d
		}
		return found == nil
	})
	if !hasOffsets(found) || s.confText(found.Range.File) == nil {
		return nil
	}
	return found
}

// sectionOf returns the section d stands directly in, nil at the top.
func (s *Simulator) sectionOf(d *conf.Directive) *conf.Directive {
	var parent *conf.Directive
	var walk func(sec *conf.Directive, ds []*conf.Directive) bool
	walk = func(sec *conf.Directive, ds []*conf.Directive) bool {
		for _, c := range ds {
			if c == d {
				parent = sec
				return true
			}
			if c.Section && walk(c, c.Block) {
				return true
			}
		}
		return false
	}
	walk(nil, s.Config.Directives)
	return parent
}

// blockOf returns the directives of the block d stands in.
func (s *Simulator) blockOf(d *conf.Directive) []*conf.Directive {
	if p := s.sectionOf(d); p != nil {
		return p.Block
	}
	return s.Config.Directives
}

// lineStart returns the start of the line holding off and its indentation.
func lineStart(src []byte, off int) (start int, indent string) {
	start = off
	for start > 0 && src[start-1] != '\n' {
		start--
	}
	i := start
	for i < off && (src[i] == ' ' || src[i] == '\t') {
		i++
	}
	return start, string(src[start:i])
}

// lineEnd returns the offset just after the line that ends at or after
// off (its newline), and whether the file ends there without one.
func lineEnd(src []byte, off int) (int, bool) {
	if off > 0 && off <= len(src) && src[off-1] == '\n' {
		return off, false
	}
	i := off
	for i < len(src) && src[i] != '\n' {
		i++
	}
	if i == len(src) {
		return i, true
	}
	return i + 1, false
}

// indentStep guesses one step of indentation: a tab when the block's
// indentation or the file's first indented line uses tabs, else four
// spaces.
func indentStep(src []byte, indent string) string {
	if strings.Contains(indent, "\t") {
		return "\t"
	}
	for _, line := range strings.Split(string(src), "\n") {
		if strings.HasPrefix(line, "\t") {
			return "\t"
		}
		if strings.HasPrefix(line, " ") {
			return "    "
		}
	}
	return "    "
}

// indentText indents every line of text by indent, with unit for the
// inner step "\t" stands for in text, and ends it with a newline.
func indentText(text, indent, unit string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = indent + strings.ReplaceAll(l, "\t", unit)
	}
	return strings.Join(lines, "\n") + "\n"
}

// editAfter returns an edit that puts text on the lines just after d
// (a directive or a whole section), with d's indentation.
func (s *Simulator) editAfter(d *conf.Directive, text string) (fix.Edit, bool) {
	src := s.textOf(d.Range.File)
	if src == nil || !hasOffsets(d) {
		return fix.Edit{}, false
	}
	_, indent := lineStart(src, d.Range.Start.Offset)
	end := d.Range.End.Offset
	if d.Section && d.CloseEnd > 0 {
		end = d.CloseEnd
	}
	at, noNewline := lineEnd(src, end)
	prefix := ""
	if noNewline {
		prefix = "\n"
	}
	return fix.Edit{File: d.Range.File, Start: at, End: at, New: prefix + indentText(text, indent, indentStep(src, indent))}, true
}

// editBefore returns an edit that puts text on a line of its own just
// before d, with d's indentation; d must start its line.
func (s *Simulator) editBefore(d *conf.Directive, text string) (fix.Edit, bool) {
	src := s.textOf(d.Range.File)
	if src == nil || !hasOffsets(d) {
		return fix.Edit{}, false
	}
	start, indent := lineStart(src, d.Range.Start.Offset)
	if start+len(indent) != d.Range.Start.Offset {
		return fix.Edit{}, false
	}
	return fix.Edit{File: d.Range.File, Start: start, End: start, New: indentText(text, indent, indentStep(src, indent))}, true
}

// editFirstIn returns an edit that puts text first in the section sec, on
// the line after its opening tag, indented one step deeper than sec.
func (s *Simulator) editFirstIn(sec *conf.Directive, text string) (fix.Edit, bool) {
	src := s.textOf(sec.Range.File)
	if src == nil || !hasOffsets(sec) || sec.OpenEnd <= 0 {
		return fix.Edit{}, false
	}
	_, indent := lineStart(src, sec.Range.Start.Offset)
	unit := indentStep(src, indent)
	inner := indent + unit
	for _, c := range sec.Block {
		if !c.Comment && c.Range.File == sec.Range.File && hasOffsets(c) {
			_, inner = lineStart(src, c.Range.Start.Offset)
			break
		}
	}
	at, noNewline := lineEnd(src, sec.OpenEnd)
	if noNewline {
		return fix.Edit{}, false
	}
	return fix.Edit{File: sec.Range.File, Start: at, End: at, New: indentText(text, inner, unit)}, true
}

// editLastIn returns an edit that puts text last in the section sec, on
// a line of its own just before its closing tag.
func (s *Simulator) editLastIn(sec *conf.Directive, text string) (fix.Edit, bool) {
	src := s.textOf(sec.Range.File)
	if src == nil || !hasOffsets(sec) || sec.CloseStart <= 0 {
		return fix.Edit{}, false
	}
	start, closeIndent := lineStart(src, sec.CloseStart)
	if start+len(closeIndent) != sec.CloseStart {
		return fix.Edit{}, false // the closing tag does not start its line
	}
	_, indent := lineStart(src, sec.Range.Start.Offset)
	unit := indentStep(src, indent)
	inner := indent + unit
	for _, c := range sec.Block {
		if !c.Comment && c.Range.File == sec.Range.File && hasOffsets(c) {
			_, inner = lineStart(src, c.Range.Start.Offset)
		}
	}
	return fix.Edit{File: sec.Range.File, Start: start, End: start, New: indentText(text, inner, unit)}, true
}

// sectionText is a section of one argument holding the lines body, its
// inner lines marked with a tab for indentText.
func sectionText(name, arg, body string) string {
	lines := strings.Split(body, "\n")
	for i := range lines {
		lines[i] = "\t" + lines[i]
	}
	return fmt.Sprintf("<%s %s>\n%s\n</%s>", name, quoteArg(arg), strings.Join(lines, "\n"), name)
}

// quoteArg quotes an argument when httpd would split or misread it.
func quoteArg(a string) string {
	if a == "" || strings.ContainsAny(a, " \t\"'\\>#$") {
		return quoteAlways(a)
	}
	return a
}

// quoteAlways double-quotes an argument, escaping quotes and
// backslashes before them as ap_getword_conf reads them back.
func quoteAlways(a string) string {
	return `"` + strings.ReplaceAll(a, `"`, `\"`) + `"`
}

func quoteArgs(as []string) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = quoteArg(a)
	}
	return out
}
