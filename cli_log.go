package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"net"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/unforbid/unforbid/parser"
	"github.com/unforbid/unforbid/parser/nginxlog"
	"github.com/unforbid/unforbid/rules"
	"github.com/unforbid/unforbid/rules/report"
	"github.com/unforbid/unforbid/rules/scan"
	"github.com/unforbid/unforbid/rules/simulate"
)

// maxLogLine bounds the bytes of one log line kept in memory; nginx itself
// writes at most 2048.
const maxLogLine = 64 << 10

// maxCachedDecisions bounds the decisions remembered per distinct request.
const maxCachedDecisions = 4096

// maxLogCauses bounds the distinct causes explain --log keeps (each with
// its example request and trace): the first ones met in the log. The lines
// of later causes are counted, not explained: "... and N more causes (M
// log lines)" in text, a note on stderr in every format.
const maxLogCauses = 1000

// maxCountedCauses bounds the causes past maxLogCauses still told apart
// (by a hash of their key) to count them; past it the count is a lower
// bound ("at least").
const maxCountedCauses = 100_000

// logLine is one relevant line of the error log: a request error, read or
// not, in words that do not depend on the server that wrote it.
type logLine struct {
	n       int // 1-based line number in the log
	time    time.Time
	level   string
	message string // the message as the log wrote it (Apache's with its code)
	request string // the request line the log names ("GET /x HTTP/1.1"); "" when it names none
	client  string // the client's address
	kind    string // the kind of message, to tell causes apart the simulator does not find
	path    string // the filesystem path the message names
	// want holds the statuses the message allows, nil when any fits.
	want []int
	// causes holds the kinds of cause the message names, nil when the
	// log does not tell (nginx's open() failed may be a search bit
	// missing on a parent or the file's own read bit); what, in words,
	// for the disagreement.
	causes []simulate.Kind
	what   string
	// rebuild makes the request of the line against the server's sites;
	// note says what it had to choose (a path more than one site serves).
	rebuild func(srv simulate.Server, sites []simulate.Site, sim func(simulate.Request) *simulate.Decision) (req simulate.Request, note string, err error)
	err     string // why the line could not be read; "" when it was
	// accessFile is set when path is the per-directory config file read
	// on the way to the request (Apache's .htaccess), not what the
	// request asked for: its name says nothing of the request's intent.
	accessFile bool
}

// logFormat is the error log of one kind of server: it reads the lines
// into logLines, and rebuilds their requests.
type logFormat interface {
	// line reads one line of the log: entry says it is a line of this
	// server's error log at all, ok that it is a request error to
	// explain (possibly one that cannot be read: logLine.err).
	line(n int, text string) (ll logLine, entry, ok bool)
	// server names the server in messages: "nginx", "Apache".
	server() string
	// shape says how the lines of the log start, for the error that a
	// file is no such log.
	shape() string
}

// logGroup collects the log lines that share one cause.
type logGroup struct {
	key      string
	rule     string
	severity string
	message  string
	rng      parser.Range
	path     string
	count    int
	first    logLine
	example  report.Explained
	// disagree counts the lines whose status the simulator does not
	// predict; disagreement describes the first of them.
	disagree     int
	disagreement string
	// unsure counts the lines the simulator could not model; unsureWhy
	// says why for the first of them.
	unsure    int
	unsureWhy string
	// ambiguous says, for the first line that needed it, what rebuilding
	// its request had to choose.
	ambiguous string
}

// logExplainer reads an error log and explains its request errors.
type logExplainer struct {
	srv    simulate.Server
	format logFormat
	sites  []simulate.Site
	groups map[string]*logGroup
	order  []*logGroup
	cache  map[string]*simulate.Decision

	lines        int // lines read
	entries      int // lines that are entries of the server's error log
	firstNUL     int // the first line with a NUL byte, before any entry
	relevant     int // request error lines considered
	unparsed     int // request error lines that could not be read
	firstUnparse string
	noRefusal    int // lines the simulator agrees are no refusal (404s)
	noRefusalEx  string
	explained    int // lines explained by a cause (a rule)
	agreeing     int // lines whose status the simulator predicts
	disagreeing  int // lines whose status it does not
	unsureLines  int // lines it could not model (Decision.Unsure)

	maxCauses   int                 // the causes kept; maxLogCauses
	more        map[uint64]struct{} // hashes of the keys of the causes past it
	moreAtLeast bool                // more reached maxCountedCauses
	moreLines   int                 // the log lines of those causes
	seed        maphash.Seed
}

// explainLog is `unforbid explain --log FILE [--last N] CONFIG`: it rebuilds
// the requests of the error log's request errors, simulates them and prints
// each distinct cause once.
func explainLog(o options, pos []string, stdout, stderr io.Writer) int {
	if len(pos) > 1 {
		fmt.Fprintln(stderr, "usage: unforbid explain --log ERROR_LOG [--last N] [flags] [CONFIG] (no URL with --log)")
		return exitError
	}
	if o.last < 0 {
		fmt.Fprintf(stderr, "unforbid: --last %d: want a count of lines, 0 for all\n", o.last)
		return exitError
	}
	r, closeLog, err := openLog(o.logFile)
	if err != nil {
		fmt.Fprintf(stderr, "unforbid: %v\n", err)
		return exitError
	}
	defer closeLog()
	config := ""
	if len(pos) == 1 {
		config = pos[0]
	}
	l, ok := load(o, config, stderr)
	if !ok {
		return exitError
	}
	x := newLogExplainer(l.srv, maxLogCauses)
	if x.format == nil {
		fmt.Fprintf(stderr, "unforbid: explain --log reads the error logs of nginx and Apache; this config is for %s\n", l.srv.Kind())
		return exitError
	}
	if err := x.read(r, o.last); err != nil {
		fmt.Fprintf(stderr, "unforbid: %s: %v\n", o.logFile, err)
		return exitError
	}
	sort.SliceStable(x.order, func(i, j int) bool {
		a, b := x.order[i], x.order[j]
		if a.count != b.count {
			return a.count > b.count
		}
		return a.first.n < b.first.n
	})
	if o.format == "json" {
		if err := x.writeJSON(stdout); err != nil {
			fmt.Fprintf(stderr, "unforbid: %v\n", err)
			return exitError
		}
	} else {
		fmt.Fprintf(stdout, "workers run as %s\n", l.srv.Worker())
		x.writeText(stdout)
	}
	x.summary(stderr, o.logFile)
	return exitClean
}

// newLogExplainer explains the log lines against srv, keeping at most
// maxCauses distinct causes.
func newLogExplainer(srv simulate.Server, maxCauses int) *logExplainer {
	return &logExplainer{srv: srv, format: logFormatOf(srv.Kind()), sites: srv.Sites(), groups: map[string]*logGroup{}, cache: map[string]*simulate.Decision{},
		maxCauses: maxCauses, more: map[uint64]struct{}{}, seed: maphash.MakeSeed()}
}

// logFormatOf returns the error log format of the server kind, nil when
// its log cannot be read.
func logFormatOf(kind string) logFormat {
	switch kind {
	case "nginx":
		return nginxLog{}
	case "apache":
		return apacheLog{}
	}
	return nil
}

// openLog opens the error log; a name ending in .gz is decompressed.
func openLog(name string) (io.Reader, func(), error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	if !strings.HasSuffix(name, ".gz") {
		return f, func() { f.Close() }, nil
	}
	z, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%s: %v", name, err)
	}
	return z, func() { z.Close(); f.Close() }, nil
}

// read goes through the log line by line. With last > 0 only the last
// `last` request error lines count: they are kept in a ring, so memory
// stays bounded whatever the size of the log.
func (x *logExplainer) read(r io.Reader, last int) error {
	var ring []logLine
	next := 0
	br := bufio.NewReaderSize(r, 64<<10)
	for n := 1; ; n++ {
		line, err := readLine(br)
		if err == io.EOF && line == "" {
			break
		}
		if err != nil && err != io.EOF {
			return err
		}
		x.lines++
		if x.entries == 0 && x.firstNUL == 0 && strings.IndexByte(line, 0) >= 0 {
			x.firstNUL = n
		}
		ll, entry, ok := x.format.line(n, line)
		if entry {
			x.entries++
		}
		if ok {
			if last == 0 {
				x.handle(ll)
			} else if len(ring) < last {
				ring = append(ring, ll)
			} else {
				ring[next] = ll
				next = (next + 1) % last
			}
		}
		if err == io.EOF {
			break
		}
	}
	if x.lines > 0 && x.entries == 0 {
		// an access log, a binary file: saying "0 causes" would call
		// it clean
		if x.firstNUL > 0 {
			return fmt.Errorf("binary data (NUL byte at line %d): not an %s error log", x.firstNUL, x.format.server())
		}
		return fmt.Errorf("not an %s error log: no line starts as %s writes them (%s)", x.format.server(), x.format.server(), x.format.shape())
	}
	for i := range ring {
		x.handle(ring[(next+i)%len(ring)])
	}
	return nil
}

// readLine returns the next line without its newline, keeping at most
// maxLogLine bytes of it.
func readLine(br *bufio.Reader) (string, error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(buf) < maxLogLine {
			buf = append(buf, chunk[:min(len(chunk), maxLogLine-len(buf))]...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		return strings.TrimRight(string(buf), "\r\n"), err
	}
}

// refusalKinds are the messages nginx writes when it refuses a request or
// cannot read what the request maps to.
var refusalKinds = map[nginxlog.Kind]bool{
	nginxlog.KindOpen: true, nginxlog.KindOpenat: true, nginxlog.KindOpendir: true, nginxlog.KindStat: true,
	nginxlog.KindForbidden: true, nginxlog.KindNotFound: true, nginxlog.KindDirIndex: true, nginxlog.KindAccessRule: true,
}

// nginxLog is nginx's error log.
type nginxLog struct{}

func (nginxLog) server() string { return "nginx" }

func (nginxLog) shape() string { return `"2006/01/02 15:04:05 [error] ..."` }

// line reads one line and says whether it is a request error: a refusal
// message with its request, or a line that looks like one but cannot be
// read.
func (nginxLog) line(n int, line string) (logLine, bool, bool) {
	e, err := nginxlog.ParseLine(line)
	entry := err == nil || !nginxlog.NotEntry(err)
	ll := logLine{n: n, time: e.Time, level: e.Level, message: e.Message, request: e.Request, client: e.Client,
		kind: e.Kind.String(), path: e.Path, want: logStatuses(e),
		rebuild: func(_ simulate.Server, sites []simulate.Site, _ func(simulate.Request) *simulate.Decision) (simulate.Request, string, error) {
			req, err := logRequest(sites, e)
			return req, "", err
		}}
	switch {
	case err != nil && nginxlog.NotEntry(err):
		// Not a log line at all (a continuation of a multi-line
		// message, say): it counts only if it carries a request.
		if strings.Contains(line, ", client: ") && strings.Contains(line, ", request: ") {
			return logLine{n: n, err: err.Error()}, entry, true
		}
		return logLine{}, entry, false
	case !refusalKinds[e.Kind] || e.Client == "" && !e.HasRequest:
		// other messages, and refusals outside a request (startup)
		return logLine{}, entry, false
	case err != nil:
		ll.err = err.Error()
		return ll, entry, true
	case !e.HasRequest:
		ll.err = "the line has no request: field (cut short?)"
		return ll, entry, true
	case e.Kind == nginxlog.KindOpen && strings.HasSuffix(e.Path, ".gz") && !strings.HasSuffix(strings.SplitN(e.URI, "?", 2)[0], ".gz"):
		// gzip_static could not open the .gz twin: it declines and
		// the plain file may still be served (no refusal)
		return logLine{}, entry, false
	}
	return ll, entry, true
}

// handle simulates the request of one line and adds it to its cause.
func (x *logExplainer) handle(ll logLine) {
	x.relevant++
	if ll.err != "" {
		x.unparsable(ll.n, ll.err)
		return
	}
	req, note, err := ll.rebuild(x.srv, x.sites, x.simulate)
	if err != nil {
		x.unparsable(ll.n, err.Error())
		return
	}
	d := x.simulate(req)
	if d.Status == 401 && !containsInt(ll.want, 401) {
		// the server reached the file (or the user file) only because
		// the client sent credentials: simulate the request with them
		req.Headers = withHeader(req.Headers, "Authorization", "Basic dW5mb3JiaWQ6bG9n")
		req.AssumeAuth = true
		d = x.simulate(req)
	}
	cause := d.Cause
	if d.Masked != nil {
		cause = d.Masked
	}
	want := ll.want
	agree := want == nil || containsInt(want, d.Status)
	// the status fits, the cause does not: the simulator found another
	// refusal than the one the server logged
	otherCause := agree && ll.causes != nil && d.Status >= 400 && (cause == nil || !slices.Contains(ll.causes, cause.Kind))
	agree = agree && !otherCause
	// the simulator could not model the request: no disagreement,
	// no cause either
	unsure := !agree && d.Unsure != ""
	switch {
	case agree:
		x.agreeing++
	case unsure:
		x.unsureLines++
	default:
		x.disagreeing++
	}
	var key string
	switch {
	case cause != nil && cause.Rule != "":
		x.explained++
		key = cause.Rule + "\x00" + cause.Path + "\x00" + cause.Range.String()
	case agree:
		x.noRefusal++
		if x.noRefusalEx == "" {
			x.noRefusalEx = fmt.Sprintf("line %d: %s %s %s", ll.n, req.Method, req.URL(), simStatus(d.Status))
		}
		return
	default:
		key = "\x00" + ll.kind + "\x00" + ll.path + "\x00" + strconv.Itoa(d.Status) + "\x00" + d.LocationRange.String() + "\x00" + strconv.FormatBool(unsure)
	}
	g := x.groups[key]
	if g == nil && len(x.order) >= x.maxCauses {
		x.moreLines++
		if h := maphash.String(x.seed, key); len(x.more) < maxCountedCauses {
			x.more[h] = struct{}{}
		} else if _, ok := x.more[h]; !ok {
			x.moreAtLeast = true
		}
		return
	}
	if g == nil {
		g = &logGroup{key: key, first: ll, example: report.Explained{Request: req, Decision: d}}
		if cause != nil && cause.Rule != "" {
			g.rule, g.rng, g.path = cause.Rule, cause.Range, cause.Path
			g.message = x.message(cause, d)
			if r := rules.Lookup(cause.Rule); r != nil {
				g.severity = r.Severity.String()
			}
			if rules.IsSecret(req.Path) || rules.IsSecret(cause.Path) && !ll.accessFile {
				// as --check judges it: refusing a secret is meant
				g.severity = rules.Info.String()
				g.message += "; likely intended: the path looks like a secret"
			}
		} else {
			g.rng, g.path = d.LocationRange, ll.path
			if g.rng.IsZero() {
				g.rng = d.Site
			}
			g.message = fmt.Sprintf("%s logged %q but the simulator finds no refusal", x.format.server(), ll.message)
			if unsure {
				g.message = fmt.Sprintf("%s logged %q; the simulator cannot tell why: it does not model the request", x.format.server(), ll.message)
			}
		}
		x.groups[key] = g
		x.order = append(x.order, g)
	}
	g.count++
	if note != "" && g.ambiguous == "" {
		g.ambiguous = fmt.Sprintf("line %d: %s", ll.n, note)
	}
	if unsure {
		g.unsure++
		if g.unsureWhy == "" {
			g.unsureWhy = fmt.Sprintf("line %d: %s", ll.n, d.Unsure)
		}
	} else if !agree {
		g.disagree++
		if g.disagreement == "" && otherCause {
			found := "no cause"
			if cause != nil && cause.Rule != "" {
				found = cause.Rule
			}
			g.disagreement = fmt.Sprintf("line %d: the log says %s (%s), the simulator answers %d too but finds %s: the config or the files changed since, or the simulator is wrong",
				ll.n, statusText(want), ll.what, d.Status, found)
		}
		if g.disagreement == "" {
			g.disagreement = fmt.Sprintf("line %d: the log says %s, the simulator %s: the config or the files changed since, or the simulator is wrong",
				ll.n, statusText(want), simStatus(d.Status))
		}
	}
}

func (x *logExplainer) unparsable(n int, why string) {
	x.unparsed++
	if x.firstUnparse == "" {
		x.firstUnparse = fmt.Sprintf("line %d: %s", n, why)
	}
}

// simulate asks the simulator, remembering the decisions of repeated
// requests.
func (x *logExplainer) simulate(req simulate.Request) *simulate.Decision {
	key := strings.Join([]string{req.Method, req.URL(), req.ClientIP, req.ServerIP, req.Headers["Referer"], req.Headers["Authorization"]}, "\x00")
	if d, ok := x.cache[key]; ok {
		return d
	}
	if len(x.cache) >= maxCachedDecisions {
		clear(x.cache)
	}
	d := x.srv.Simulate(req)
	x.cache[key] = d
	return d
}

func withHeader(h map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for hk, hv := range h {
		if hk != k {
			out[hk] = hv
		}
	}
	return out
}

// logRequest rebuilds the request of a log line: method and target from
// the request line, the host from the Host header (or the server's name),
// the client's address, and the port from the Host header or else from
// the listens of the site nginx named (80 when none).
func logRequest(sites []simulate.Site, e nginxlog.Entry) (simulate.Request, error) {
	client := e.Client
	ip := net.ParseIP(client)
	if ip == nil {
		return simulate.Request{}, fmt.Errorf("client %q is no IP address", client)
	}
	v6 := ip.To4() == nil
	target, host, port := e.URI, "", 0
	if lower := strings.ToLower(target); strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://") {
		// an absolute target names the host itself, and nginx uses it
		u, err := url.Parse(target)
		if err != nil {
			return simulate.Request{}, fmt.Errorf("bad request target %q: %v", target, err)
		}
		host = u.Hostname()
		if p := u.Port(); p != "" {
			port, _ = strconv.Atoi(p)
		}
		target = u.EscapedPath()
		if u.RawQuery != "" {
			target += "?" + u.RawQuery
		}
		if target == "" {
			target = "/"
		}
	}
	if !strings.HasPrefix(target, "/") {
		return simulate.Request{}, fmt.Errorf("request target %q is no path", target)
	}
	if host == "" && e.Host != "" && e.Cut != "host" {
		h, p, err := net.SplitHostPort(e.Host)
		if err != nil {
			h = strings.TrimSuffix(strings.TrimPrefix(e.Host, "["), "]")
		} else if n, err := strconv.Atoi(p); err == nil && n > 0 && n <= 65535 {
			port = n
		}
		host = h
	}
	srv := siteNamed(sites, e.Server)
	if port == 0 {
		port = 80
		if l := listenOf(srv, 0, v6); l != nil {
			port = l.Port
		}
	}
	serverIP := ""
	if l := listenOf(srv, port, v6); l != nil {
		serverIP = l.Addr
	} else if l := anyListen(sites, port, v6); l != nil {
		serverIP = l.Addr
	}
	if serverIP == "" || serverIP == "0.0.0.0" || serverIP == "::" {
		serverIP = "127.0.0.1"
		if v6 {
			serverIP = "::1"
		}
	}
	if host == "" {
		host = e.Server
		if host == "" || strings.ContainsAny(host, "~*: ") {
			host = serverIP
		}
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	scheme := "http"
	if port == 443 {
		scheme = "https"
	}
	req, err := simulate.ParseRequest(strings.ToUpper(e.Method), scheme+"://"+host+":"+strconv.Itoa(port)+target, client)
	if err != nil {
		return req, err
	}
	req.ServerIP = serverIP
	if e.Referrer != "" && e.Cut != "referrer" {
		req.Headers = map[string]string{"Referer": e.Referrer}
	}
	return req, nil
}

// siteNamed returns the site whose first name nginx logged as server:
// (the first site that has the name anywhere, failing that).
func siteNamed(sites []simulate.Site, name string) *simulate.Site {
	for _, first := range []bool{true, false} {
		for i := range sites {
			for j, n := range sites[i].Names {
				if n == name && (j == 0 || !first) {
					return &sites[i]
				}
			}
		}
	}
	return nil
}

// listenOf returns site's first listen on port (any port when 0),
// preferring the client's address family.
func listenOf(site *simulate.Site, port int, v6 bool) *simulate.Listen {
	if site == nil {
		return nil
	}
	var other *simulate.Listen
	for i := range site.Listens {
		l := &site.Listens[i]
		if port != 0 && l.Port != port {
			continue
		}
		if l.IPv6 == v6 || l.DualStack {
			return l
		}
		if other == nil {
			other = l
		}
	}
	return other
}

// anyListen returns a listen on port of any site, of the client's
// family when there is one.
func anyListen(sites []simulate.Site, port int, v6 bool) *simulate.Listen {
	var other *simulate.Listen
	for i := range sites {
		if l := listenOf(&sites[i], port, v6); l != nil {
			if l.IPv6 == v6 || l.DualStack {
				return l
			}
			if other == nil {
				other = l
			}
		}
	}
	return other
}

// logStatuses returns the statuses a log message allows (nginx logs these
// messages on the way to them), or nil when any status fits (try_files
// goes on after a failed stat).
func logStatuses(e nginxlog.Entry) []int {
	const (
		enoent, eacces, enotdir, enametoolong, emlink, eloop = 2, 13, 20, 36, 31, 40
	)
	switch e.Kind {
	case nginxlog.KindAccessRule, nginxlog.KindDirIndex, nginxlog.KindForbidden:
		return []int{403}
	case nginxlog.KindNotFound:
		return []int{404}
	case nginxlog.KindStat:
		return nil
	case nginxlog.KindOpendir:
		switch e.Errno {
		case eacces:
			return []int{403}
		case enoent, enotdir, enametoolong:
			return []int{404}
		}
		return []int{500}
	}
	switch e.Errno {
	case eacces:
		if e.Level == "crit" {
			return []int{500} // an auth_basic user file the worker cannot read
		}
		return []int{403}
	case eloop, emlink:
		return []int{403}
	case enoent:
		return []int{404, 403} // 403: a missing auth_basic user file
	case enotdir, enametoolong:
		return []int{404}
	}
	return []int{500}
}

func statusText(st []int) string {
	parts := make([]string, len(st))
	for i, s := range st {
		parts[i] = strconv.Itoa(s)
	}
	return strings.Join(parts, " or ")
}

// simStatus says what the simulator answers: "answers 404", or "finds no
// server listening there" for status 0 (the connection is refused).
func simStatus(st int) string {
	if st == 0 {
		return "finds no server listening there (connection refused)"
	}
	return "answers " + strconv.Itoa(st)
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// message words a cause as a finding, in the words of `unforbid --check`.
func (x *logExplainer) message(c *simulate.Cause, d *simulate.Decision) string {
	if w := d.Where(); (c.Kind == simulate.KindDenyRule || c.Kind == simulate.KindDenyOvermatch) && w != "" {
		return fmt.Sprintf("%s refuses the client: %s", w, c.Reason)
	}
	return scan.CauseMessage(x.srv, c, c.Reason)
}

// writeText prints one block per cause.
func (x *logExplainer) writeText(w io.Writer) {
	for _, g := range x.order {
		fmt.Fprintln(w)
		where := g.rng.String()
		if g.rule != "" && g.severity == "" {
			// a rule not registered (yet): no severity to tell
			fmt.Fprintf(w, "%s: %s [%s]\n", where, g.message, g.rule)
		} else if g.rule != "" {
			fmt.Fprintf(w, "%s: %s: %s [%s]\n", where, g.severity, g.message, g.rule)
		} else {
			fmt.Fprintf(w, "%s: %s\n", where, g.message)
		}
		fmt.Fprintf(w, "    cause: %s", orDash(g.rule))
		if g.path != "" {
			fmt.Fprintf(w, "   path: %s", g.path)
		}
		fmt.Fprintf(w, "   log lines: %d\n", g.count)
		fmt.Fprintf(w, "    first at line %d: [%s] %s\n", g.first.n, g.first.level, g.first.message)
		if g.ambiguous != "" {
			fmt.Fprintf(w, "    ambiguous: %s\n", g.ambiguous)
		}
		if g.unsure > 0 {
			fmt.Fprintf(w, "    unsure (%d of %d lines): %s\n", g.unsure, g.count, g.unsureWhy)
		}
		if g.disagree > 0 {
			fmt.Fprintf(w, "    disagrees (%d of %d lines): %s\n", g.disagree, g.count, g.disagreement)
		}
		var b bytes.Buffer
		report.ExplainText(&b, []report.Explained{g.example})
		for i, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
			if i == 0 {
				line = "example: " + line
			}
			fmt.Fprintf(w, "    %s\n", line)
		}
	}
	if more := x.moreText(); more != "" {
		fmt.Fprintf(w, "\n... and %s\n", more)
	}
}

// moreText says how many causes and lines were left out: "N more causes
// (M log lines)", or "" when none was.
func (x *logExplainer) moreText() string {
	if x.moreLines == 0 {
		return ""
	}
	n := rules.Plural(len(x.more), "more cause")
	if x.moreAtLeast {
		n = "at least " + n
	}
	return fmt.Sprintf("%s (%s)", n, rules.Plural(x.moreLines, "log line"))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// jsonLogCause is one cause in the JSON of explain --log.
type jsonLogCause struct {
	Rule         string          `json:"rule,omitempty"`
	Severity     string          `json:"severity,omitempty"`
	Message      string          `json:"message"`
	File         string          `json:"file,omitempty"`
	Line         int             `json:"line,omitempty"`
	Path         string          `json:"path,omitempty"`
	Count        int             `json:"count"`
	Log          jsonLogLine     `json:"log"`
	Disagree     int             `json:"disagree,omitempty"`
	Disagreement string          `json:"disagreement,omitempty"`
	Ambiguous    string          `json:"ambiguous,omitempty"`
	Unsure       int             `json:"unsure,omitempty"`
	UnsureWhy    string          `json:"unsure_why,omitempty"`
	Example      json.RawMessage `json:"example"`
}

type jsonLogLine struct {
	Line    int    `json:"line"`
	Time    string `json:"time"`
	Level   string `json:"level"`
	Message string `json:"message"`
	// Request is the request line the log names; Apache's lines name
	// none (the example holds the request rebuilt from the path).
	Request string `json:"request,omitempty"`
	Client  string `json:"client,omitempty"`
}

// writeJSON prints the array of causes; each example has the shape of an
// element of `unforbid explain --format json`.
func (x *logExplainer) writeJSON(w io.Writer) error {
	out := []jsonLogCause{}
	for _, g := range x.order {
		var b bytes.Buffer
		if err := report.ExplainJSON(&b, []report.Explained{g.example}); err != nil {
			return err
		}
		var one []json.RawMessage
		if err := json.Unmarshal(b.Bytes(), &one); err != nil || len(one) != 1 {
			return errors.New("internal error: explain JSON is not a one-element array")
		}
		f := g.first
		out = append(out, jsonLogCause{
			Rule: g.rule, Severity: g.severity, Message: g.message, File: g.rng.File, Line: g.rng.Start.Line,
			Path: g.path, Count: g.count, Disagree: g.disagree, Disagreement: g.disagreement, Ambiguous: g.ambiguous,
			Unsure: g.unsure, UnsureWhy: g.unsureWhy,
			Log:     jsonLogLine{Line: f.n, Time: f.time.Format("2006-01-02T15:04:05"), Level: f.level, Message: f.message, Request: f.request, Client: f.client},
			Example: one[0],
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// summary says on stderr what was read, and what could not be.
func (x *logExplainer) summary(w io.Writer, name string) {
	causes := rules.Plural(len(x.order)+len(x.more), "cause")
	if x.moreAtLeast {
		causes = "at least " + causes
	}
	fmt.Fprintf(w, "%s: %s read, %s considered, %s\n", name, rules.Plural(x.lines, "line"), rules.Plural(x.relevant, "request error"), causes)
	if read := x.relevant - x.unparsed; read > 0 {
		fmt.Fprintf(w, "agreement: %d of %d request errors read agree with the simulator (%d disagree, %d it cannot model); %d explained by a cause\n",
			x.agreeing, read, x.disagreeing, x.unsureLines, x.explained)
	}
	if more := x.moreText(); more != "" {
		fmt.Fprintf(w, "note: %s not explained: only the first %d distinct causes of the log are kept (--last N looks at the latest lines)\n", more, x.maxCauses)
	}
	if x.noRefusal > 0 {
		fmt.Fprintf(w, "note: %s the simulator agrees are no refusal (e.g. %s)\n", rules.Plural(x.noRefusal, "line"), x.noRefusalEx)
	}
	if x.unparsed > 0 {
		fmt.Fprintf(w, "note: %s look like request errors but could not be read (first: %s)\n", rules.Plural(x.unparsed, "line"), x.firstUnparse)
	}
}
