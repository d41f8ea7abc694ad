// Package scan finds the unintended 403s of a configuration: it walks
// every tree a server serves (docroots and alias targets) with bounded
// memory, asks the request simulator what each file and directory
// answers, tells intended refusals from unintended ones, and reports each
// root cause once, with the number of files it hides and an example URL.
package scan

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/unforbid/unforbid/parser"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/parser/nginx"
	"github.com/unforbid/unforbid/rules"
	"github.com/unforbid/unforbid/rules/simulate"
	nginxsim "github.com/unforbid/unforbid/rules/simulate/nginx"
)

// Stats counts the work of a scan.
type Stats struct {
	Servers  int // servers scanned
	Roots    int // docroots and alias targets walked
	Files    int // files and directories visited
	Requests int // requests simulated
	Unsure   int // decisions the simulator could not model (skipped)
	// UnsureWhy counts the reasons of unsure decisions (at most
	// maxReasons distinct ones; the rest count under "other").
	UnsureWhy   map[string]int
	Skipped     []string // what could not be scanned, and why (at most maxSkipped)
	SkippedMore int      // how many more notes were left out
}

// Bounds on what Stats keeps, so that memory stays flat on huge trees.
const (
	maxReasons = 10
	maxSkipped = 20
)

func (s *Stats) skip(format string, args ...any) {
	if len(s.Skipped) < maxSkipped {
		s.Skipped = append(s.Skipped, fmt.Sprintf(format, args...))
		return
	}
	s.SkippedMore++
}

// Options tune a scan.
type Options struct {
	// ClientIP is the address scan requests come from; an outside address
	// by default, since allowlists for local clients are intended.
	ClientIP string
	// Progress, when set, is called every ProgressEvery visited entries.
	Progress      func(Stats)
	ProgressEvery int
}

// DefaultClientIP is a documentation address (TEST-NET-3) standing for
// any visitor from the internet.
const DefaultClientIP = "203.0.113.7"

// acmeProbe is requested on every server: certificate renewals need it.
const acmeProbe = "/.well-known/acme-challenge/unforbid-probe"

// Nginx scans every server of sim's model.
func Nginx(sim *nginxsim.Simulator, opts Options) ([]rules.Finding, Stats) {
	if opts.ClientIP == "" {
		opts.ClientIP = DefaultClientIP
	}
	if opts.ProgressEvery <= 0 {
		opts.ProgressEvery = 10000
	}
	sc := &scanner{sim: sim, opts: opts, groups: map[string]*group{}}
	for _, srv := range sim.Model.Servers {
		sc.server(srv)
	}
	return sc.findings(), sc.stats
}

type scanner struct {
	sim    *nginxsim.Simulator
	opts   Options
	stats  Stats
	groups map[string]*group
	order  []string

	srv     *nginxsim.Server
	host    string
	port    int
	localIP string
	visited map[string]bool
	// errorPages maps the files of the server's error pages to their
	// error_page directive (built on first use, per server).
	errorPages map[string]*nginxsim.ErrorPage
	// probing is set while judging the ACME probe, which is no file: it
	// reports a cause nothing else shows, but adds nothing to counts.
	probing bool
}

// group collects the requests that share one root cause.
type group struct {
	rule     string
	severity rules.Severity
	rng      parser.Range
	path     string
	url      string
	method   string
	count    int
	masked   int // of count, requests whose status hides the cause (try_files)
	status   int // the status the masked requests answer
	message  func(count int) string
	related  []rules.Related
}

func (sc *scanner) server(srv *nginxsim.Server) {
	host, port, local, ok := sc.address(srv)
	if !ok {
		sc.stats.skip("%s: no request reaches this server (every name is taken by another server)", srv.Dir.Range)
		return
	}
	sc.stats.Servers++
	sc.srv, sc.host, sc.port, sc.localIP = srv, host, port, local
	sc.visited = map[string]bool{}
	sc.errorPages = nil

	type root struct {
		dir, url string
		set      *nginx.Directive // the root or alias directive, nil for the default
	}
	var roots []root
	add := func(c *nginxsim.LocConf, url string, regex bool) {
		if c.Root == "" || strings.Contains(c.Root, "$") || regex {
			return
		}
		dir := c.Root
		if !path.IsAbs(dir) {
			dir = path.Join(sc.sim.Model.Prefix, dir)
		}
		if c.Alias {
			roots = append(roots, root{path.Clean(dir), url, c.RootDir})
			return
		}
		roots = append(roots, root{path.Clean(dir + url), url, c.RootDir})
	}
	add(srv.Conf, "/", false)
	for _, l := range srv.Locations {
		if l.Mod == "@" || l.Mod == "=" || !strings.HasPrefix(l.Name, "/") {
			continue
		}
		if l.Parent == nil && l.Conf.RootDir == srv.Conf.RootDir {
			continue
		}
		url := l.Name
		if !strings.HasSuffix(url, "/") {
			url += "/"
		}
		add(l.Conf, url, l.Mod == "~" || l.Mod == "~*")
	}
	for _, l := range srv.Locations {
		for _, rr := range sc.regexRoots(l) {
			roots = append(roots, root{rr.dir, rr.url, l.Conf.RootDir})
		}
	}
	for _, r := range roots {
		info, err := sc.sim.FS.Lstat(r.dir)
		if err != nil {
			if r.set != nil && r.url == "/" {
				sc.stats.skip("%s: %s %s does not exist (requests answer 404)", r.set.Range, r.set.Name, r.dir)
			}
			continue
		}
		if info.Type == fsmeta.TypeSymlink {
			res := sc.sim.FS.Access(fsmeta.Cred{}, r.dir, 0, true)
			if res.Err != 0 || res.Info.Type != fsmeta.TypeDir {
				continue
			}
		} else if info.Type != fsmeta.TypeDir {
			continue
		}
		sc.stats.Roots++
		sc.walk(r.dir, r.url)
	}
	sc.probeACME()
}

// address finds a host, port and local address whose requests reach srv.
func (sc *scanner) address(srv *nginxsim.Server) (string, int, string, bool) {
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
	names = append(names, "unforbid.invalid")
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
		for _, h := range names {
			req := simulate.Request{Method: "GET", Scheme: "http", Host: h, Port: l.Port, Path: "/", ClientIP: sc.clientIP(local), ServerIP: local}
			if sc.sim.SelectServer(req) == srv {
				return h, l.Port, local, true
			}
		}
	}
	return "", 0, "", false
}

func (sc *scanner) clientIP(local string) string {
	if strings.Contains(local, ":") && !strings.Contains(sc.opts.ClientIP, ":") {
		return "2001:db8::7"
	}
	return sc.opts.ClientIP
}

func (sc *scanner) request(urlPath string) (simulate.Request, *simulate.Decision) {
	req := simulate.Request{
		Method: "GET", Scheme: "http", Host: sc.host, Port: sc.port, Path: urlPath,
		ClientIP: sc.clientIP(sc.localIP), ServerIP: sc.localIP,
		// Credentials are sent so that content behind auth_basic is
		// checked too (passwords are not simulated).
		Headers:    map[string]string{"Authorization": "Basic dW5mb3JiaWQ6cHJvYmU="},
		AssumeAuth: true,
	}
	sc.stats.Requests++
	d := sc.sim.Simulate(req)
	if d.Rule() == nginxsim.RuleDenyRule {
		// an intended deny (an allowlist, say): look behind it, since
		// the clients it admits meet the same files
		req.AssumeAccess = true
		sc.stats.Requests++
		d = sc.sim.Simulate(req)
	}
	return req, d
}

// walk visits dir, served at url (ending in "/"), and everything below it.
// Memory is bounded by the depth times the widest directory.
func (sc *scanner) walk(dir, url string) {
	// Directories are known by their real path, so that a symbolic link
	// back up the tree cannot make the walk go round.
	key := dir
	if res := sc.sim.FS.Access(fsmeta.Cred{}, dir, 0, true); res.Err == 0 {
		key = res.At
	}
	if sc.visited[key] {
		return
	}
	sc.visited[key] = true
	sc.tick()
	req, d := sc.request(url)
	sc.judge(req, d, dir, true)
	// Entries come in bounded batches: a directory of a million uploads
	// costs a batch of names, not a million.
	err := sc.sim.FS.ReadDirBatches(dir, dirBatch, func(names []string) error {
		for _, name := range names {
			sc.entry(dir, url, name)
		}
		return nil
	})
	if err != nil {
		sc.stats.skip("%s: cannot list: %v (run unforbid as root to see every docroot)", dir, errText(err))
	}
}

// dirBatch is how many names of one directory the walk holds at a time.
const dirBatch = 1024

// entry judges one directory entry of dir (served at url) and walks into
// subdirectories.
func (sc *scanner) entry(dir, url, name string) {
	p := path.Join(dir, name)
	u := url + name
	info, err := sc.sim.FS.Lstat(p)
	if err != nil {
		return
	}
	switch info.Type {
	case fsmeta.TypeDir:
		if rules.IsSecret(u) {
			return
		}
		if !fsmeta.Permits(info, sc.sim.Cred, fsmeta.Read) && fsmeta.Permits(info, sc.sim.Cred, fsmeta.Exec) {
			// /dir without its slash opens the directory (needs r)
			req, d := sc.request(u)
			sc.judge(req, d, p, false)
		}
		sc.walk(p, u+"/")
	case fsmeta.TypeRegular, fsmeta.TypeSymlink:
		sc.tick()
		req, d := sc.request(u)
		sc.judge(req, d, p, false)
		if info.Type == fsmeta.TypeSymlink && !rules.IsSecret(u) {
			// nginx serves through links to directories (Laravel's
			// public/storage, shared uploads): walk them too
			if res := sc.sim.FS.Access(fsmeta.Cred{}, p, 0, true); res.Err == 0 && res.Info.Type == fsmeta.TypeDir {
				sc.walk(p, u+"/")
			}
		}
	}
}

func (sc *scanner) tick() {
	sc.stats.Files++
	if sc.opts.Progress != nil && sc.stats.Files%sc.opts.ProgressEvery == 0 {
		sc.opts.Progress(sc.stats)
	}
}

// probeACME asks for an ACME http-01 challenge, which must never be denied
// by a rule meant for hidden files.
func (sc *scanner) probeACME() {
	// The challenge file exists only while certbot renews, so the probe
	// answers 404 when all is well; a 403 is an overmatched deny or a
	// webroot the worker cannot reach.
	req, d := sc.request(acmeProbe)
	sc.probing = true
	sc.judge(req, d, "/", false)
	sc.probing = false
}

// indexLikeNames are the index files of common setups: a directory that
// holds one the index directive does not list has a misnamed index.
var indexLikeNames = []string{
	"index.html", "index.htm", "index.php", "index.shtml", "index.xhtml", "index.cgi", "index.pl",
	"index.py", "index.jsp", "index.asp", "default.htm", "default.html", "default.asp", "home.html",
}

// indexLikeFiles returns the index-like files of dir.
func (sc *scanner) indexLikeFiles(dir string) []string {
	var out []string
	for _, n := range indexLikeNames {
		if info, err := sc.sim.FS.Lstat(path.Join(dir, n)); err == nil && info.Type != fsmeta.TypeDir {
			out = append(out, n)
		}
	}
	return out
}

// judge turns one decision into a finding when it is an unintended refusal.
func (sc *scanner) judge(req simulate.Request, d *simulate.Decision, fsPath string, isDir bool) {
	if d.Unsure != "" {
		sc.stats.Unsure++
		if sc.stats.UnsureWhy == nil {
			sc.stats.UnsureWhy = map[string]int{}
		}
		why := d.Unsure
		if _, ok := sc.stats.UnsureWhy[why]; !ok && len(sc.stats.UnsureWhy) >= maxReasons {
			why = "other"
		}
		sc.stats.UnsureWhy[why]++
		return
	}
	maskedHere := d.Masked != nil && strings.HasPrefix(fsPath, d.Masked.Path)
	if d.Path != "" && !strings.HasPrefix(d.Path, fsPath) && !maskedHere {
		return // another location maps this URL elsewhere; its own walk judges it
	}
	c, masked := d.Cause, false
	switch {
	case d.Masked != nil:
		// try_files skipped what the worker cannot stat: that first
		// failure is the root cause, whatever the fallback answered
		c, masked = d.Masked, true
	case d.Status == 403 && c != nil:
	case d.Status == 500 && c != nil && c.Rule == nginxsim.RuleAuthFileUnreadbl:
	case d.Status == 404 && c != nil && c.Rule == nginxsim.RuleSymlinkDenied:
	default:
		return
	}
	worker := sc.sim.Cred.User
	var g *group
	defer func() {
		if g != nil && masked {
			g.masked++
			g.status = d.Status
		}
	}()
	switch c.Rule {
	case nginxsim.RuleDenyOvermatch:
		if !isDir { // a directory URL is no resource of its own
			sc.judgeDeny(req, d)
		}
	case nginxsim.RuleIndexDenied:
		if isDir {
			reason, loc := c.Reason, d.Location
			sc.add(c.Rule, defaultSeverity, c.Range, fsPath+"/", req, func(int) string {
				return fmt.Sprintf("%s is answered by an internal redirect to its index file, which location %s refuses: %s", req.Path, loc, reason)
			})
		}
	case nginxsim.RuleUnreadableFile, nginxsim.RuleUnreadableDir, nginxsim.RuleSymlinkLoop, nginxsim.RuleSymlinkDenied:
		if rules.IsSecret(req.Path) || rules.IsSecret(c.Path) {
			return
		}
		what := sc.describe(c.Path)
		rule, reason, rng := c.Rule, c.Reason, c.Range
		var page *nginxsim.ErrorPage
		if rule == nginxsim.RuleUnreadableFile {
			if page = sc.errorPageFor(c.Path); page != nil {
				rng = page.Directive.Range
			}
		}
		g = sc.add(c.Rule, defaultSeverity, rng, c.Path, req, func(n int) string {
			var msg string
			switch rule {
			case nginxsim.RuleUnreadableFile:
				msg = fmt.Sprintf("%s cannot read %q (%s): %s", worker, c.Path, what, reason)
				if page != nil {
					msg += fmt.Sprintf("; it is the error page for %s, so those errors answer 403 instead", codes(page.Codes))
				}
			case nginxsim.RuleUnreadableDir:
				msg = fmt.Sprintf("%s cannot read directory %q (%s): %s", worker, c.Path, what, reason)
			case nginxsim.RuleSymlinkDenied:
				msg = fmt.Sprintf("symbolic link %q (%s) is refused by disable_symlinks%s: %s", c.Path, what, sc.linkTarget(c.Path), reason)
			default:
				msg = fmt.Sprintf("symbolic link loop at %q: %s", c.Path, reason)
			}
			return msg
		})
	case nginxsim.RuleNoSearch:
		if rules.IsSecret(req.Path) {
			return
		}
		what := sc.describe(c.Path)
		g = sc.add(c.Rule, defaultSeverity, c.Range, c.Path, req, func(n int) string {
			return fmt.Sprintf("%s cannot search directory %q (%s): %s below it cannot be served", worker, c.Path, what, plural(n, "path"))
		})
	case nginxsim.RuleIndexMissing:
		if !isDir || masked {
			return
		}
		others := sc.indexLikeFiles(fsPath)
		reason := c.Reason
		switch {
		case len(others) > 0:
			sc.add(c.Rule, rules.Error, c.Range, fsPath+"/", req, func(int) string {
				return fmt.Sprintf("%s: the directory has %s but the index directive does not list it", reason, strings.Join(others, ", "))
			})
		case req.Path == "/":
			sc.add(c.Rule, rules.Error, c.Range, fsPath+"/", req, func(int) string {
				return fmt.Sprintf("%s: the home page of the site has no index file and autoindex is off", reason)
			})
		default:
			// Ordinary index-less directories (assets, uploads) are
			// grouped per location at info level.
			key := c.Range
			sc.add(c.Rule, rules.Info, key, "", req, func(n int) string {
				return fmt.Sprintf("%s without an index file answer 403 (autoindex is off), e.g. %q", plural(n, "directory"), fsPath)
			})
		}
	case nginxsim.RuleAuthFileMissing, nginxsim.RuleAuthFileUnreadbl:
		reason := c.Reason
		sc.add(c.Rule, defaultSeverity, c.Range, c.Path, req, func(n int) string {
			if c.Rule == nginxsim.RuleAuthFileMissing {
				return fmt.Sprintf("auth_basic_user_file %q does not exist: every login answers 403 (%s)", c.Path, reason)
			}
			return fmt.Sprintf("auth_basic_user_file cannot be read by %s: every login answers 500 (%s)", worker, reason)
		})
	}
}

// judgeDeny reports a deny or return 403 that the simulator judged an
// overmatch: a location meant for secrets that refuses a public path.
func (sc *scanner) judgeDeny(req simulate.Request, d *simulate.Decision) {
	if d.Cause.Rule != nginxsim.RuleDenyOvermatch {
		return
	}
	what := "deny"
	if d.Cause.Reason != "access forbidden by rule" {
		what = d.Cause.Reason
	}
	locName := d.Location
	sc.add(d.Cause.Rule, defaultSeverity, d.Cause.Range, "", req, func(n int) string {
		return fmt.Sprintf("location %s is meant for hidden files but its %s also refuses %s (e.g. %s): %s", locName, what, plural(n, "public path"), req.Path, d.Cause.Reason)
	})
}

func (sc *scanner) add(rule string, sev rules.Severity, rng parser.Range, p string, req simulate.Request, msg func(int) string) *group {
	key := rule + "\x00" + rng.String() + "\x00" + p
	g := sc.groups[key]
	if g == nil {
		if r := rules.Lookup(rule); r != nil && sev == defaultSeverity {
			sev = r.Severity
		}
		g = &group{rule: rule, severity: sev, rng: rng, path: p, url: req.URL(), method: req.Method, message: msg}
		g.related = []rules.Related{{Range: sc.srv.Dir.Range, Message: "server " + strings.Join(sc.srv.Names, " ")}}
		sc.groups[key] = g
		sc.order = append(sc.order, key)
	}
	if !sc.probing || g.count == 0 {
		g.count++
	}
	return g
}

// errorPageFor returns the error_page of the current server whose page
// is the file p, if any. The pages are mapped to files once per server,
// by simulating a request for each.
func (sc *scanner) errorPageFor(p string) *nginxsim.ErrorPage {
	if sc.errorPages == nil {
		sc.errorPages = map[string]*nginxsim.ErrorPage{}
		confs := []*nginxsim.LocConf{sc.srv.Conf}
		for _, l := range sc.srv.Locations {
			confs = append(confs, l.Conf)
		}
		for _, c := range confs {
			for i := range c.ErrorPages {
				page := &c.ErrorPages[i]
				if !strings.HasPrefix(page.Target, "/") || strings.Contains(page.Target, "$") {
					continue
				}
				_, d := sc.request(page.Target)
				if d.Path != "" && sc.errorPages[d.Path] == nil {
					sc.errorPages[d.Path] = page
				}
			}
		}
	}
	return sc.errorPages[p]
}

// linkTarget describes where the symbolic link p leads and who owns it.
func (sc *scanner) linkTarget(p string) string {
	res := sc.sim.FS.Access(fsmeta.Cred{}, p, 0, true)
	if res.Err != 0 {
		return " (dangling)"
	}
	return fmt.Sprintf(" (target %s: %s)", res.At, sc.describe(res.At))
}

func codes(cs []int) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = fmt.Sprint(c)
	}
	return strings.Join(parts, ", ")
}

// describe returns "mode 0600, alice:alice" for p.
func (sc *scanner) describe(p string) string { return sc.sim.Describe(p) }

func (sc *scanner) findings() []rules.Finding {
	out := make([]rules.Finding, 0, len(sc.order))
	for _, k := range sc.order {
		g := sc.groups[k]
		msg := g.message(g.count)
		switch {
		case g.masked == g.count && g.count > 0:
			msg += fmt.Sprintf(" (they answer %d instead: try_files skips what the worker cannot stat)", g.status)
		case g.masked > 0:
			msg += fmt.Sprintf(" (%d answer 403; %d answer %d instead, because try_files skips what the worker cannot stat)", g.count-g.masked, g.masked, g.status)
		}
		out = append(out, rules.Finding{
			Rule: g.rule, Severity: g.severity, Message: msg, Range: g.rng,
			Path: g.path, URL: g.url, Method: g.method, Count: g.count, Related: g.related,
		})
	}
	rules.Sort(out)
	return out
}

// errText is the system's reason without the path (which may carry the
// --root prefix).
func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	if strings.HasSuffix(what, "y") {
		return fmt.Sprintf("%d %sies", n, what[:len(what)-1])
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// defaultSeverity asks add for the rule's own severity.
const defaultSeverity rules.Severity = -1
