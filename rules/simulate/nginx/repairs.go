package nginx

import (
	"cmp"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/unforbid/unforbid/fix"
	"github.com/unforbid/unforbid/parser"
	"github.com/unforbid/unforbid/parser/fsmeta"
	conf "github.com/unforbid/unforbid/parser/nginx"
	"github.com/unforbid/unforbid/rules"
	"github.com/unforbid/unforbid/rules/simulate"
)

// Repairs returns the config edits that repair p, safe ones first. Each is
// checked before it is offered: the configuration is loaded again with the
// edits applied and the refused requests simulated (they must now be
// served), the other requests the cause refused must answer as before, and
// no secret of any served tree (rules.IsSecret) that was refused may be
// served. A directive whose file has no known offsets gets no edit.
//
// What each kind gets:
//   - nginx/index-missing: add an index-like file the directory holds to
//     the index directive in effect, or insert an index directive with the
//     inherited names first (safe); an exact location listing that one
//     directory (review); an index page created in it (review).
//   - nginx/deny-overmatch: a location opening one well-known public file
//     (ACME challenges, robots.txt, security.txt, favicon.ico) before the
//     overmatching one (safe); the public extensions removed from the
//     regex, or the deny removed, when the pattern still refuses every
//     secret name (review).
//   - nginx/alias-slash: the missing trailing slash of the alias (safe).
//   - nginx/access-rule-shadowed: the shadowed rule moved before the
//     first rule that shadows it (review).
//   - nginx/site-refuses-all: the refusing directive removed (review).
//   - nginx/symlink-denied: disable_symlinks if_not_owner, else off
//     (review).
//   - fs/unreadable-file, fs/unreadable-directory, fs/no-search-permission:
//     a `user` directive naming the distribution's web user, when none is
//     set, the workers run as nobody and the refused object is owned or
//     group-owned by that user (safe).
func (s *Simulator) Repairs(p simulate.Problem) []fix.Fix {
	var out []fix.Fix
	switch p.Kind {
	case simulate.KindIndexMissing:
		out = s.indexRepairs(p)
	case simulate.KindDenyOvermatch:
		out = s.denyRepairs(p)
	case simulate.KindAliasSlash:
		out = s.aliasRepairs(p)
	case simulate.KindRuleShadowed:
		out = s.shadowRepairs(p)
	case simulate.KindSiteRefusesAll:
		out = s.refuseAllRepairs(p)
	case simulate.KindSymlinkDenied:
		out = s.symlinkRepairs(p)
	case simulate.KindUnreadableFile, simulate.KindUnreadableDir, simulate.KindNoSearch:
		out = s.userRepairs(p)
	}
	if len(out) > 0 && s.secretsPartial {
		// Not every secret of the served trees was asked again: a fix
		// that edits the config cannot be shown to keep them all closed.
		for i := range out {
			if out[i].Class == fix.Safe && len(out[i].Edits) > 0 {
				out[i].Class = fix.Review
				out[i].Description += " (review: the served trees are too large to check every secret stays refused)"
			}
		}
	}
	slices.SortStableFunc(out, func(a, b fix.Fix) int { return cmp.Compare(a.Class, b.Class) })
	return out
}

var _ simulate.Repairer = (*Simulator)(nil)

// indexNames are the file names that serve as a directory's index, in the
// order a repair prefers them.
var indexNames = []string{"index.html", "index.htm", "index.php", "default.html", "default.htm", "index.xhtml", "index.shtml"}

// indexRepairs repairs a directory without index file.
func (s *Simulator) indexRepairs(p simulate.Problem) []fix.Fix {
	if p.Request.Path == "" || !strings.HasSuffix(p.Request.Path, "/") {
		return nil
	}
	r := s.simulate(p.Request)
	if r.d.Cause == nil || r.d.Cause.Kind != simulate.KindIndexMissing || r.conf == nil || r.srv == nil {
		return nil
	}
	dir := p.Path
	if dir == "" {
		dir = r.d.Cause.Path
	}
	if dir == "" {
		return nil
	}
	dir = strings.TrimSuffix(dir, "/") + "/"
	c := r.conf
	level, where := r.srv.Dir, s.siteName(r.srv)
	if r.loc != nil {
		level, where = r.loc.Dir, "location "+r.loc.String()
	}
	var out []fix.Fix
	// Safe: an index file the directory already holds under another name.
	for _, name := range s.indexFiles(dir, c.Index) {
		f, ok := s.addIndex(c, r.srv, level, where, name)
		if !ok {
			continue
		}
		script := isScript(name)
		served := func(d *simulate.Decision) bool {
			// A script index must reach its backend: served by the
			// static module, nginx would hand out the source.
			if script {
				return d.Backend != ""
			}
			return d.Status == 200
		}
		if !s.holds(f, []simulate.Request{p.Request}, served, nil) {
			continue
		}
		if script && !s.noScriptSource(f, p.Request, r.d.Site, name) {
			continue
		}
		out = append(out, f)
		break
	}
	// Review: a listing of this directory alone.
	if f, ok := s.listingFix(r, p.Request.Path); ok && s.holds(f, []simulate.Request{p.Request}, status200, nil) {
		out = append(out, f)
	}
	// Review: an index page in the directory.
	if f, ok := s.indexPage(c, dir, p.Request.Path); ok {
		out = append(out, f)
	}
	return out
}

func status200(d *simulate.Decision) bool { return d.Status == 200 }

// isScript reports whether an index file name is a script a backend runs:
// served as a static file, its source would go out.
func isScript(name string) bool {
	switch path.Ext(name) {
	case ".php", ".php5", ".php7", ".phtml", ".cgi", ".pl", ".py", ".rb", ".jsp", ".asp", ".aspx":
		return true
	}
	return false
}

// maxScriptDirs bounds the directories noScriptSource looks at.
const maxScriptDirs = 20000

// noScriptSource reports whether, with the fix f that adds the script name
// to an index directive, no directory of the site's trees that holds name
// would serve its source: the index applies to every directory below the
// level it is written at, and a location without the backend (a ^~ prefix
// location for vendor/, say) would hand the file out as text. A tree too
// large to look at whole is no proof.
func (s *Simulator) noScriptSource(f fix.Fix, req simulate.Request, site parser.Range, name string) bool {
	after, err := s.edited(f.Edits)
	if err != nil {
		return false
	}
	seen := 0
	ok := true
	var walk func(dir, url string, depth int)
	walk = func(dir, url string, depth int) {
		if !ok || depth > maxWalkDepth {
			return
		}
		if seen++; seen > maxScriptDirs {
			ok = false
			return
		}
		names, err := s.FS.ReadDirNames(dir)
		if err != nil {
			return
		}
		for _, n := range names {
			p := path.Join(dir, n)
			info, err := s.FS.Lstat(p)
			if err != nil {
				continue
			}
			switch {
			case n == name && info.Type == fsmeta.TypeRegular:
				r := req
				r.Path, r.RawPath, r.EscapedPath, r.RequestURI = url, url, "", ""
				if d := after.Simulate(r); d.Status == 200 && d.Backend == "" && strings.HasSuffix(d.Path, "/"+name) {
					ok = false
					return
				}
			case info.Type == fsmeta.TypeDir:
				walk(p, url+n+"/", depth+1)
			}
		}
	}
	for _, st := range s.Sites() {
		if st.Range != site {
			continue
		}
		for _, root := range st.Roots {
			walk(root.Dir, strings.TrimSuffix(root.URL, "/")+"/", 0)
		}
	}
	return ok
}

// indexFiles returns the index-like regular files of dir not already
// named by index, in order of preference.
func (s *Simulator) indexFiles(dir string, index []string) []string {
	names, err := s.FS.ReadDirNames(strings.TrimSuffix(dir, "/"))
	if err != nil {
		return nil
	}
	var out []string
	for _, n := range indexNames {
		if !slices.Contains(names, n) || slices.Contains(index, n) {
			continue
		}
		if info, err := s.FS.Lstat(dir + n); err == nil && info.Type == fsmeta.TypeRegular {
			out = append(out, n)
		}
	}
	return out
}

// addIndex adds name to the index directive in effect when it stands in
// the site's own block (the location's or the server's) and in the same
// file, else inserts an index directive into level, the inherited names
// (compiled-in or from http) first.
func (s *Simulator) addIndex(c *LocConf, srv *Server, level *conf.Directive, where, name string) (fix.Fix, bool) {
	d := c.IndexDir
	own := d != nil && d.Range.File == level.Range.File && (inBlock(d, level) || inBlock(d, srv.Dir))
	if own {
		if len(d.ArgSpans) == 0 || !known(d) {
			return fix.Fix{}, false
		}
		at := d.ArgSpans[len(d.ArgSpans)-1].End
		owner := where
		if !inBlock(d, level) {
			owner = s.siteName(srv)
		}
		return fix.Fix{
			Description: fmt.Sprintf("add %s to the index directive of %s", name, owner),
			Class:       fix.Safe,
			Edits:       []fix.Edit{{File: d.Range.File, Start: at, End: at, New: " " + name}},
		}, true
	}
	names := append(slices.Clone(c.Index), name)
	for _, n := range names {
		if needsQuotes(n) {
			return fix.Fix{}, false
		}
	}
	e, ok := s.insertInto(level, "index "+strings.Join(names, " ")+";")
	if !ok {
		return fix.Fix{}, false
	}
	return fix.Fix{
		Description: fmt.Sprintf("add %s to the index of %s (index %s;)", name, where, strings.Join(names, " ")),
		Class:       fix.Safe,
		Edits:       []fix.Edit{e},
	}, true
}

// listingFix turns the listing on for the one directory URL: inside an
// exact location that already names it, else in a new exact location
// nested in the prefix location that serves it (nested, it inherits that
// location's root, access rules and authentication; listing in the
// location itself would list every directory below it), else in a new
// exact location in the server when no location serves it. A regex
// location gets none: nothing nested there is sure to win.
func (s *Simulator) listingFix(r *run, url string) (fix.Fix, bool) {
	if needsQuotes(url) {
		return fix.Fix{}, false
	}
	text := "location = " + url + " { autoindex on; }"
	var (
		e     fix.Edit
		ok    bool
		where string
	)
	switch {
	case r.loc == nil:
		e, ok = s.insertInto(r.srv.Dir, text)
		where = s.siteName(r.srv)
	case r.loc.Mod == "=":
		text = "autoindex on;"
		e, ok = s.insertInto(r.loc.Dir, text)
		where = "location " + r.loc.String()
	case r.loc.Mod == "" || r.loc.Mod == "^~":
		e, ok = s.insertInto(r.loc.Dir, text)
		where = "location " + r.loc.String()
	}
	if !ok {
		return fix.Fix{}, false
	}
	return fix.Fix{
		Description: fmt.Sprintf("list the directory %s (%s in %s)", url, text, where),
		Class:       fix.Review,
		Edits:       []fix.Edit{e},
	}, true
}

// indexPage creates the first index name (a plain .html name) in dir: a
// page that lists nothing, owned like the directory, mode 0644.
func (s *Simulator) indexPage(c *LocConf, dir, url string) (fix.Fix, bool) {
	if len(c.Index) == 0 {
		return fix.Fix{}, false
	}
	name := c.Index[0]
	if strings.ContainsAny(name, "/$") || !strings.HasSuffix(name, ".html") {
		return fix.Fix{}, false
	}
	info, err := s.FS.Lstat(strings.TrimSuffix(dir, "/"))
	if err != nil || info.Type != fsmeta.TypeDir {
		return fix.Fix{}, false
	}
	title := htmlEscape(url)
	content := "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + title + "</title></head>\n<body><h1>" + title + "</h1></body></html>\n"
	return fix.Fix{
		Description: fmt.Sprintf("create an index page %s%s", dir, name),
		Class:       fix.Review,
		Ops: []fix.Op{{Kind: fix.OpCreate, Path: dir + name, Content: []byte(content), Mode: 0o644,
			UID: int(info.UID), GID: int(info.GID)}},
	}, true
}

// htmlEscape escapes the characters that matter in HTML text.
func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// carveOut is a location that opens one well-known public file or
// directory.
type carveOut struct {
	mod, name string
	urls      []string // the refused URLs it opens
}

// what names what the carve-out opens, for descriptions.
func (co carveOut) what() string {
	if co.name == acmeTokens {
		return "the ACME challenges of /.well-known/acme-challenge/"
	}
	return co.name
}

// acmeTokens is the regex of the ACME carve-out: one challenge token, the
// base64url characters certbot's webroot writes, and nothing else.
const acmeTokens = `^/\.well-known/acme-challenge/[-_A-Za-z0-9]+$`

// carveOuts groups the refused URLs into the well-known public files a
// carve-out may open, in a fixed order.
func carveOuts(refused []string) []carveOut {
	const acme = "/.well-known/acme-challenge/"
	files := []string{"/robots.txt", "/.well-known/security.txt", "/favicon.ico"}
	var out []carveOut
	var acmeURLs []string
	for _, u := range refused {
		if strings.HasPrefix(u, acme) && len(u) > len(acme) && !strings.Contains(u[len(acme):], "/") {
			acmeURLs = append(acmeURLs, u)
		}
	}
	if len(acmeURLs) > 0 {
		// Only token-shaped names (RFC 8555: base64url), never a
		// dotfile or a subdirectory someone left in the challenge
		// directory.
		out = append(out, carveOut{"~", acmeTokens, acmeURLs})
	}
	for _, f := range files {
		if slices.Contains(refused, f) {
			out = append(out, carveOut{"=", f, []string{f}})
		}
	}
	return out
}

// denyRepairs repairs a deny that refuses public content.
func (s *Simulator) denyRepairs(p simulate.Problem) []fix.Fix {
	if p.Request.Path == "" {
		return nil
	}
	r := s.simulate(p.Request)
	if r.loc == nil || r.d.Cause == nil || r.d.Cause.Kind != simulate.KindDenyOvermatch || !known(r.loc.Dir) {
		return nil
	}
	deny := r.loc
	refused := p.Refused
	if !slices.Contains(refused, p.Request.Path) {
		refused = append([]string{p.Request.Path}, refused...)
	}
	var out []fix.Fix
	cos := carveOuts(refused)
	if len(cos) > 1 {
		// One fix opens every well-known file the deny refuses: a fix
		// is checked against all the refused URLs of its finding, and
		// --apply takes one fix per finding. It replaces the carve-outs
		// of one file each.
		all := fix.Fix{Class: fix.Safe}
		var files, challenges []string // URLs that must serve, or not be refused
		var names []string
		for _, co := range cos {
			f, ok := s.carveOutFix(r, deny, co)
			if !ok {
				all.Edits = nil
				break
			}
			all.Edits = append(all.Edits, f.Edits...)
			if co.name == acmeTokens {
				challenges = append(challenges, co.urls...)
			} else {
				files = append(files, co.urls...)
			}
			names = append(names, co.what())
		}
		if len(all.Edits) > 0 {
			all.Description = fmt.Sprintf("open %s before location %s", strings.Join(names, " and "), deny)
			var serve, open, keep []simulate.Request
			for _, u := range refused {
				req := p.Request
				req.Path, req.RawPath, req.EscapedPath, req.RequestURI = u, u, "", ""
				switch {
				case slices.Contains(files, u):
					serve = append(serve, req)
				case slices.Contains(challenges, u):
					open = append(open, req) // see notRefused below
				default:
					keep = append(keep, req)
				}
			}
			if s.holds(all, serve, status200, keep) && s.holds(all, open, notRefused, nil) {
				out = append(out, all)
				cos = nil
			}
		}
	}
	for _, co := range cos {
		f, ok := s.carveOutFix(r, deny, co)
		if !ok {
			continue
		}
		var serve, keep []simulate.Request
		for _, u := range refused {
			req := p.Request
			req.Path, req.RawPath, req.EscapedPath, req.RequestURI = u, u, "", ""
			if slices.Contains(co.urls, u) {
				serve = append(serve, req)
			} else {
				keep = append(keep, req)
			}
		}
		served := status200
		if co.name == acmeTokens {
			// a challenge exists only while certbot renews: the
			// carve-out serves it when nothing but its absence answers
			served = notRefused
		}
		if s.holds(f, serve, served, keep) {
			out = append(out, f)
		}
	}
	if f, ok := s.narrowDenyFix(deny, refused); ok && s.holds(f, []simulate.Request{p.Request}, func(d *simulate.Decision) bool { return d.Status != 403 }, nil) {
		out = append(out, f)
	}
	if f, ok := s.removeDenyFix(r, deny); ok && s.holds(f, []simulate.Request{p.Request}, func(d *simulate.Decision) bool { return d.Status != 403 }, nil) {
		out = append(out, f)
	}
	return out
}

// notRefused reports whether d answers without refusing: served, or not
// found (a file that exists only at times, such as an ACME challenge).
func notRefused(d *simulate.Decision) bool {
	return d.Status == 200 || d.Status == 404 && (d.Cause == nil || d.Cause.Kind == simulate.KindNone)
}

// carveOutFix inserts, before the overmatching location deny, a location
// that opens co. The new location inherits the settings of the level
// that holds deny; it must serve the file as the prefix location that
// would take it without the regex does. Where that location has settings
// of its own, an exact carve-out is nested in it instead; a ^~ one gets
// none (nested, it would not stop the outer regex locations).
func (s *Simulator) carveOutFix(r *run, deny *Location, co carveOut) (fix.Fix, bool) {
	parentPrefix, parentConf := r.srv.Prefix, r.srv.Conf
	if deny.Parent != nil {
		parentPrefix, parentConf = deny.Parent.Prefix, deny.Parent.Conf
	}
	serving, _, _, _ := findLocation(parentPrefix, nil, co.urls[0])
	if serving != nil && serving.Mod == "=" && serving.Name == co.name {
		return fix.Fix{}, false // already there, and refusing for another reason
	}
	body := " "
	if serving != nil && serving.Conf.TryFilesDir != nil {
		// try_files is not inherited by a nested location: the
		// carve-out repeats the one the file would be served by.
		d := serving.Conf.TryFilesDir
		if !known(d) {
			return fix.Fix{}, false
		}
		body = " " + string(s.src(d.Range.File)[d.Range.Start.Offset:d.Range.End.Offset]) + " "
	}
	text := "location " + co.mod + " " + co.name + " {" + body + "}"
	if serving == nil || sameServing(serving.Conf, parentConf) {
		e, ok := s.insertBefore(deny.Dir, text, true)
		if !ok {
			return fix.Fix{}, false
		}
		return fix.Fix{
			Description: fmt.Sprintf("open %s before location %s (%s)", co.what(), deny, text),
			Class:       fix.Safe,
			Edits:       []fix.Edit{e},
		}, true
	}
	if co.mod != "=" || serving.Mod == "=" || serving.Conf.Handler != "" || !known(serving.Dir) {
		return fix.Fix{}, false
	}
	e, ok := s.insertInto(serving.Dir, text)
	if !ok {
		return fix.Fix{}, false
	}
	return fix.Fix{
		Description: fmt.Sprintf("open %s inside location %s, ahead of location %s (%s)", co.what(), serving, deny, text),
		Class:       fix.Safe,
		Edits:       []fix.Edit{e},
	}, true
}

// sameServing reports whether a location with settings a serves a static
// file as one with settings b would, try_files apart (the carve-out
// repeats it).
func sameServing(a, b *LocConf) bool {
	return a.Root == b.Root && a.Alias == b.Alias && a.Handler == "" && b.Handler == "" &&
		a.AccessDir == b.AccessDir && a.SatisfyAny == b.SatisfyAny &&
		a.AuthBasic == b.AuthBasic && a.AuthUserFile == b.AuthUserFile && a.AuthRequest == b.AuthRequest &&
		a.DisableSymlinks == b.DisableSymlinks && a.Internal == b.Internal && a.LimitExcept == b.LimitExcept
}

// secretProbes are names a deny must keep refusing to be removed.
var secretProbes = []string{"/.git/config", "/.env", "/.htaccess", "/.htpasswd", "/id_rsa", "/backup.sql",
	"/site.tar.gz", "/config.php.bak", "/server.key", "/x/.git/HEAD", "/x/.env"}

// removeDenyFix removes the deny rules of the location deny when its
// pattern refuses no secret name (review): a deny that also protects
// .git or .env is never removed.
func (s *Simulator) removeDenyFix(r *run, deny *Location) (fix.Fix, bool) {
	for _, probe := range secretProbes {
		if matchesLocation(deny, probe) {
			return fix.Fix{}, false
		}
	}
	var edits []fix.Edit
	for _, d := range deny.Dir.Block {
		if d.Name != "deny" {
			continue
		}
		if d.Range.File != deny.Dir.Range.File {
			return fix.Fix{}, false
		}
		e, ok := s.deleteDirective(d)
		if !ok {
			return fix.Fix{}, false
		}
		edits = append(edits, e)
	}
	if len(edits) == 0 {
		return fix.Fix{}, false
	}
	return fix.Fix{
		Description: fmt.Sprintf("remove the deny of location %s", deny),
		Class:       fix.Review,
		Edits:       edits,
	}, true
}

// altGroup matches a group of plain alternatives in a regex: (txt|log).
var altGroup = regexp.MustCompile(`\(([A-Za-z0-9]+(?:\|[A-Za-z0-9]+)+)\)`)

// narrowDenyFix removes from the regex of the location deny the
// extensions of the public files it refuses, in its first group of plain
// alternatives: "~* \.(txt|log)$" refusing /robots.txt becomes
// "~* \.(log)$" (review). Every secret name the old pattern matched must
// still match the new one.
func (s *Simulator) narrowDenyFix(deny *Location, refused []string) (fix.Fix, bool) {
	d := deny.Dir
	if deny.Mod != "~" && deny.Mod != "~*" || len(d.ArgSpans) != 2 || len(d.Args) != 2 || !known(d) {
		return fix.Fix{}, false
	}
	fold := deny.Mod == "~*"
	public := map[string]bool{}
	for _, u := range refused {
		if rules.PublicKind(u) == "" {
			continue
		}
		ext := strings.TrimPrefix(path.Ext(u), ".")
		if fold {
			ext = strings.ToLower(ext)
		}
		public[ext] = true
	}
	sp := d.ArgSpans[1]
	tok := string(s.src(d.Range.File)[sp.Start:sp.End])
	if tok != d.Args[1] {
		return fix.Fix{}, false // quoted or escaped: left alone
	}
	m := altGroup.FindStringSubmatchIndex(tok)
	if m == nil {
		return fix.Fix{}, false
	}
	var kept, dropped []string
	for _, alt := range strings.Split(tok[m[2]:m[3]], "|") {
		key := alt
		if fold {
			key = strings.ToLower(alt)
		}
		if public[key] {
			dropped = append(dropped, alt)
		} else {
			kept = append(kept, alt)
		}
	}
	if len(dropped) == 0 || len(kept) == 0 {
		return fix.Fix{}, false
	}
	narrowed := tok[:m[2]] + strings.Join(kept, "|") + tok[m[3]:]
	re, err := CompileRegex(narrowed, fold)
	if err != nil {
		return fix.Fix{}, false
	}
	for _, probe := range secretProbes {
		if matchesLocation(deny, probe) && !re.MatchString(probe) {
			return fix.Fix{}, false
		}
	}
	return fix.Fix{
		Description: fmt.Sprintf("narrow location %s to %s %s (no longer refusing .%s)", deny, deny.Mod, narrowed, strings.Join(dropped, ", .")),
		Class:       fix.Review,
		Edits:       []fix.Edit{{File: d.Range.File, Start: sp.Start, End: sp.End, New: narrowed}},
	}, true
}

// matchesLocation reports whether uri matches the location's own pattern.
func matchesLocation(l *Location, uri string) bool {
	switch l.Mod {
	case "=":
		return uri == l.Name
	case "", "^~":
		return strings.HasPrefix(uri, l.Name)
	case "~", "~*":
		return l.Re == nil || l.Re.MatchString(uri)
	}
	return false
}

// aliasRepairs adds the trailing slash an alias lacks.
func (s *Simulator) aliasRepairs(p simulate.Problem) []fix.Fix {
	d := s.directiveAt(p.Range)
	if d == nil || d.Name != "alias" || len(d.Args) != 1 || len(d.ArgSpans) != 1 || strings.HasSuffix(d.Args[0], "/") {
		return nil
	}
	src := s.src(d.Range.File)
	at := d.ArgSpans[0].End
	if q := src[at-1]; (q == '"' || q == '\'') && at-1 > d.ArgSpans[0].Start {
		at-- // inside the quotes
	}
	f := fix.Fix{
		Description: fmt.Sprintf("add the trailing slash to alias %s", d.Args[0]),
		Class:       fix.Safe,
		Edits:       []fix.Edit{{File: d.Range.File, Start: at, End: at, New: "/"}},
	}
	var serve []simulate.Request
	if p.Request.Path != "" {
		serve = append(serve, p.Request)
	}
	repaired := func(d *simulate.Decision) bool {
		return d.Cause == nil || d.Cause.Kind != simulate.KindAliasSlash
	}
	if !s.holds(f, serve, repaired, nil) {
		return nil
	}
	return []fix.Fix{f}
}

// shadowRepairs moves a shadowed access rule before the first rule that
// shadows it (review: it changes who is let in).
func (s *Simulator) shadowRepairs(p simulate.Problem) []fix.Fix {
	late := s.directiveAt(p.Range)
	if late == nil || len(p.Related) == 0 {
		return nil
	}
	var early *conf.Directive
	for _, rel := range p.Related {
		if d := s.directiveAt(rel.Range); d != nil && (early == nil || d.Range.Start.Offset < early.Range.Start.Offset) {
			early = d
		}
	}
	if early == nil || early.Range.File != late.Range.File || early.Range.Start.Offset >= late.Range.Start.Offset {
		return nil
	}
	src := s.src(late.Range.File)
	text := string(src[late.Range.Start.Offset:late.Range.End.Offset])
	del, ok := s.deleteDirective(late)
	if !ok {
		return nil
	}
	ins, ok := s.insertBefore(early, text, true)
	if !ok {
		return nil
	}
	f := fix.Fix{
		Description: fmt.Sprintf("move %q before %q", text, string(src[early.Range.Start.Offset:early.Range.End.Offset])),
		Class:       fix.Review,
		Edits:       []fix.Edit{ins, del},
	}
	if !s.holds(f, nil, nil, nil) {
		return nil
	}
	return []fix.Fix{f}
}

// refuseAllRepairs removes the directive that makes a site refuse every
// request (review).
func (s *Simulator) refuseAllRepairs(p simulate.Problem) []fix.Fix {
	d := s.directiveAt(p.Range)
	if d == nil || d.Name != "deny" && d.Name != "return" {
		return nil
	}
	e, ok := s.deleteDirective(d)
	if !ok {
		return nil
	}
	src := s.src(d.Range.File)
	f := fix.Fix{
		Description: fmt.Sprintf("remove %q", string(src[d.Range.Start.Offset:d.Range.End.Offset])),
		Class:       fix.Review,
		Edits:       []fix.Edit{e},
	}
	var serve []simulate.Request
	if p.Request.Path != "" {
		serve = append(serve, p.Request)
	}
	if !s.holds(f, serve, func(d *simulate.Decision) bool { return d.Status != 403 }, nil) {
		return nil
	}
	return []fix.Fix{f}
}

// symlinkRepairs relaxes disable_symlinks: if_not_owner when the links
// and their targets share an owner, else off; the first that serves the
// refused request is offered (review).
func (s *Simulator) symlinkRepairs(p simulate.Problem) []fix.Fix {
	d := s.directiveAt(p.Range)
	if d == nil || d.Name != "disable_symlinks" || len(d.Args) == 0 || len(d.ArgSpans) != len(d.Args) || p.Request.Path == "" {
		return nil
	}
	var values []string
	if d.Args[0] == "on" {
		values = append(values, "if_not_owner")
	}
	values = append(values, "off")
	served := func(dec *simulate.Decision) bool {
		return dec.Cause == nil || dec.Cause.Kind != simulate.KindSymlinkDenied && dec.Cause.Kind != simulate.KindSymlinkLoop
	}
	for _, v := range values {
		sp := d.ArgSpans[0]
		f := fix.Fix{
			Description: fmt.Sprintf("change disable_symlinks %s to %s", d.Args[0], v),
			Class:       fix.Review,
			Edits:       []fix.Edit{{File: d.Range.File, Start: sp.Start, End: sp.End, New: v}},
		}
		if v == "off" && len(d.ArgSpans) > 1 {
			// "from=" means nothing once the links are followed.
			f.Edits[0].End = d.ArgSpans[len(d.ArgSpans)-1].End
		}
		if s.holds(f, []simulate.Request{p.Request}, served, nil) {
			return []fix.Fix{f}
		}
	}
	return nil
}

// webUsers are the users distributions run their web servers as:
// Debian's and RHEL's.
var webUsers = []string{"www-data", "nginx"}

// userRepairs inserts `user <web user>;` at the top of the main file when
// no user directive is set, the workers therefore run as nobody, the
// user database (not an assumed one) holds the distribution's web user
// and the refused object is owned, or group-owned, by that user or its
// group. The check simulates again under the new identity: the refused
// request is served, and no secret opens on any site.
func (s *Simulator) userRepairs(p simulate.Problem) []fix.Fix {
	if s.Model.UserDir != nil || s.Cred.User != "nobody" || s.Note != "" || p.Path == "" || p.Request.Path == "" {
		return nil
	}
	info, err := s.FS.Lstat(p.Path)
	if err != nil {
		return nil
	}
	for _, name := range webUsers {
		u, ok := s.Users.User(name)
		if !ok {
			continue
		}
		g, hasGroup := s.Users.Group(name)
		if info.UID != u.UID && !(hasGroup && info.GID == g.GID) {
			continue
		}
		e, ok := s.insertTop("user " + name + ";")
		if !ok {
			return nil
		}
		f := fix.Fix{
			Description: fmt.Sprintf("run the workers as %s (user %s;)", name, name),
			Class:       fix.Safe,
			Edits:       []fix.Edit{e},
		}
		if s.holds(f, []simulate.Request{p.Request}, status200, nil) {
			return []fix.Fix{f}
		}
	}
	return nil
}

// siteName names a server block for descriptions.
func (s *Simulator) siteName(srv *Server) string {
	if len(srv.Names) == 0 || srv.Names[0] == "" {
		return "server " + srv.Dir.Range.String()
	}
	return "server " + srv.Names[0]
}

// needsQuotes reports whether a word must be quoted in nginx's syntax.
func needsQuotes(w string) bool {
	return w == "" || strings.ContainsAny(w, " \t\r\n;{}\"'#\\")
}

// known reports whether the offsets of d are known.
func known(d *conf.Directive) bool {
	return d != nil && d.Range.Start.Offset >= 0 && d.Range.End.Offset > d.Range.Start.Offset
}

// src returns the text of a config file, nil when it was not read.
func (s *Simulator) src(file string) []byte {
	if f := s.Model.Config.File(file); f != nil {
		return f.Src
	}
	return nil
}

// directiveAt returns the directive that stands at rng, or nil.
func (s *Simulator) directiveAt(rng parser.Range) *conf.Directive {
	if rng.Start.Offset < 0 {
		return nil
	}
	var found *conf.Directive
	var walk func([]*conf.Directive)
	walk = func(ds []*conf.Directive) {
		for _, d := range ds {
			if found != nil {
				return
			}
			if d.Range == rng {
				found = d
				return
			}
			walk(d.Block)
		}
	}
	walk(s.Model.Config.Dirs)
	if !known(found) {
		return nil
	}
	return found
}

// lineOf returns the start of the line holding off, its indentation (the
// blanks the line starts with) and whether only blanks precede off.
func lineOf(src []byte, off int) (start int, indent string, alone bool) {
	start = off
	for start > 0 && src[start-1] != '\n' {
		start--
	}
	i := start
	for i < off && (src[i] == ' ' || src[i] == '\t') {
		i++
	}
	return start, string(src[start:i]), i == off
}

// insertBefore returns an edit that puts the statement text just before
// the directive d: on a line of its own with d's indentation when d
// starts its line (with aboveComments, above the comment lines just over
// d, which speak of d), else on d's line.
func (s *Simulator) insertBefore(d *conf.Directive, text string, aboveComments bool) (fix.Edit, bool) {
	src := s.src(d.Range.File)
	if src == nil || !known(d) {
		return fix.Edit{}, false
	}
	start, indent, alone := lineOf(src, d.Range.Start.Offset)
	if alone {
		for aboveComments && start > 0 {
			prev, _, _ := lineOf(src, start-1)
			if line := strings.TrimSpace(string(src[prev : start-1])); !strings.HasPrefix(line, "#") {
				break
			}
			start = prev
		}
		return fix.Edit{File: d.Range.File, Start: start, End: start, New: indent + text + "\n"}, true
	}
	at := d.Range.Start.Offset
	return fix.Edit{File: d.Range.File, Start: at, End: at, New: text + " "}, true
}

// insertInto returns an edit that puts the statement text first in the
// block b: on the line after the '{' when the '{' ends its line, indented
// like the block's first directive (or one step deeper than the block),
// else just after the '{'.
func (s *Simulator) insertInto(b *conf.Directive, text string) (fix.Edit, bool) {
	src := s.src(b.Range.File)
	open := b.OpenBrace()
	if src == nil || open < 0 || !known(b) {
		return fix.Edit{}, false
	}
	rest := src[open+1:]
	eol := slices.Index(rest, '\n')
	if eol < 0 || strings.TrimSpace(string(rest[:eol])) != "" && !strings.HasPrefix(strings.TrimSpace(string(rest[:eol])), "#") {
		return fix.Edit{File: b.Range.File, Start: open + 1, End: open + 1, New: " " + text}, true
	}
	at := open + 1 + eol + 1
	_, blockIndent, _ := lineOf(src, b.Range.Start.Offset)
	indent := blockIndent + indentUnit(src, blockIndent)
	for _, c := range b.Block {
		if c.Range.File == b.Range.File && known(c) {
			if _, ind, alone := lineOf(src, c.Range.Start.Offset); alone {
				indent = ind
			}
			break
		}
	}
	return fix.Edit{File: b.Range.File, Start: at, End: at, New: indent + text + "\n"}, true
}

// indentUnit guesses one step of indentation: a tab when the file
// indents with tabs, else four spaces.
func indentUnit(src []byte, blockIndent string) string {
	if strings.Contains(blockIndent, "\t") {
		return "\t"
	}
	if blockIndent == "" {
		for _, line := range strings.Split(string(src), "\n") {
			if strings.HasPrefix(line, "\t") {
				return "\t"
			}
			if strings.HasPrefix(line, " ") {
				break
			}
		}
	}
	return "    "
}

// insertTop returns an edit that puts the statement text at the top
// level of the main file, before its first directive.
func (s *Simulator) insertTop(text string) (fix.Edit, bool) {
	main := s.Model.Config.Main
	for _, d := range s.Model.Config.Dirs {
		if d.Range.File == main && d.Name != "#" {
			// The comments above the first directive head the file.
			return s.insertBefore(d, text, false)
		}
	}
	src := s.src(main)
	if src == nil {
		return fix.Edit{}, false
	}
	// Only comments: append.
	n := len(src)
	prefix := ""
	if n > 0 && src[n-1] != '\n' {
		prefix = "\n"
	}
	return fix.Edit{File: main, Start: n, End: n, New: prefix + text + "\n"}, true
}

// deleteDirective returns an edit that removes d: its whole line when it
// stands alone there, else the directive and the blanks after it.
func (s *Simulator) deleteDirective(d *conf.Directive) (fix.Edit, bool) {
	src := s.src(d.Range.File)
	if src == nil || !known(d) {
		return fix.Edit{}, false
	}
	start, _, alone := lineOf(src, d.Range.Start.Offset)
	end := d.Range.End.Offset
	for end < len(src) && (src[end] == ' ' || src[end] == '\t') {
		end++
	}
	if alone && (end == len(src) || src[end] == '\n') {
		if end < len(src) {
			end++
		}
		return fix.Edit{File: d.Range.File, Start: start, End: end}, true
	}
	return fix.Edit{File: d.Range.File, Start: d.Range.Start.Offset, End: end}, true
}

// ApplyEdits returns the texts of the files edits change, read from srcs
// (each file's original text), merged by fix.ApplyEdits: an edit out of
// range or overlapping another is an error.
func ApplyEdits(srcs func(file string) []byte, edits []fix.Edit) (map[string][]byte, error) {
	byFile := map[string][]fix.Edit{}
	for _, e := range edits {
		byFile[e.File] = append(byFile[e.File], e)
	}
	out := map[string][]byte{}
	for file, es := range byFile {
		src := srcs(file)
		if src == nil {
			return nil, fmt.Errorf("%s: not a config file read", file)
		}
		b, err := fix.ApplyEdits(file, src, es)
		if err != nil {
			return nil, err
		}
		out[file] = b
	}
	return out, nil
}

// edited loads the configuration again with edits applied, on the same
// filesystem view, parsing again only the files edited.
func (s *Simulator) edited(edits []fix.Edit) (*Simulator, error) {
	srcs, err := ApplyEdits(s.src, edits)
	if err != nil {
		return nil, err
	}
	return s.reload(s.FS, srcs)
}

// holds reports whether the fix f passes its check: the configuration
// loads with its edits, each of serve answers as served says, each of
// keep answers with the status it had, and every secret of the served
// trees that was refused is still refused.
func (s *Simulator) holds(f fix.Fix, serve []simulate.Request, served func(*simulate.Decision) bool, keep []simulate.Request) bool {
	if len(f.Edits) == 0 {
		return false
	}
	after, err := s.edited(f.Edits)
	if err != nil {
		return false
	}
	for _, req := range serve {
		if !served(after.Simulate(req)) {
			return false
		}
	}
	for _, req := range keep {
		if after.Simulate(req).Status != s.Simulate(req).Status {
			return false
		}
	}
	for _, req := range s.secretRequests() {
		if s.Simulate(req).Status != 200 && after.Simulate(req).Status == 200 {
			return false
		}
	}
	return true
}

// Bounds of the walk for secrets a fix must keep refused.
const (
	maxSecretWalk = 20000 // entries looked at
	maxSecrets    = 500   // secrets checked
	maxWalkDepth  = 12
)

// publicClient is the client address the secret checks send from: one
// of no private network, which allowlists do not admit (TEST-NET-3).
const publicClient = "203.0.113.9"

// secretRequests returns a request for each secret (rules.IsSecret) in
// the trees the sites serve, and each one reached through their symbolic
// links, at the site's address, from a public client; computed once.
func (s *Simulator) secretRequests() []simulate.Request {
	s.secretsOnce.Do(func() {
		seen := map[string]bool{}
		// nginx follows links unless disable_symlinks says otherwise;
		// following them always checks more secrets, the safe side.
		sw := simulate.SecretWalk{MaxEntries: maxSecretWalk, MaxDepth: maxWalkDepth, FollowLinks: true}
		for _, site := range s.Sites() {
			if site.Host == "" {
				continue
			}
			for _, root := range site.Roots {
				host := site.Host
				if root.Host != "" {
					host = root.Host
				}
				sw.Walk(s.FS, root.Dir, strings.TrimSuffix(root.URL, "/")+"/", func(_, u string) bool {
					if len(s.secrets) >= maxSecrets {
						return false
					}
					if key := host + "\x00" + u; !seen[key] {
						seen[key] = true
						s.secrets = append(s.secrets, simulate.Request{Method: "GET", Scheme: "http", Host: host,
							Port: site.Port, ServerIP: site.ServerIP, Path: u, RawPath: u, ClientIP: publicClient})
					}
					return true
				})
			}
		}
		s.secretsPartial = sw.Partial
	})
	return s.secrets
}
