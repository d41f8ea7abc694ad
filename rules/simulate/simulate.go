// Package simulate defines the server-neutral types of unforbid's request
// simulators: a request, the decision a real server would take for it, and
// the trace of steps that led there, each pointing at the directive that
// caused it.
//
// The nginx simulator lives in simulate/nginx; rules ask a Simulator what
// the server would answer and `unforbid explain` prints its Decision.
package simulate

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/unforbid/unforbid/parser"
)

// Request is one HTTP request to simulate.
type Request struct {
	Method  string // GET when empty
	Scheme  string // http or https
	Host    string // Host header, without port
	Port    int    // the port the client connects to
	Path    string // the normalized URI path, starting with "/"
	RawPath string // the decoded path before normalization (for merge_slashes off)
	// EscapedPath is the path exactly as the client sent it, percent
	// escapes kept (e.g. "/a%2Fb"): servers that treat an encoded slash
	// apart (Apache's AllowEncodedSlashes) read it. Empty for requests
	// built without ParseRequest (scans), whose Path has nothing escaped.
	EscapedPath string
	Query       string // the query string without "?"
	ClientIP    string // the peer address; 127.0.0.1 when empty
	// ServerIP is the local address the client connects to. When empty,
	// the simulator derives it from Host and the addresses the server
	// listens on; it is never the client's address.
	ServerIP string
	Headers  map[string]string // canonical header names (e.g. "Authorization")
	// AssumeAuth makes auth_basic accept any credentials once its user
	// file can be read: scans use it to check what lies behind a login.
	AssumeAuth bool
	// AssumeAccess lets the client past allow/deny rules that refuse it
	// on purpose (allowlists), so that scans see the files behind them.
	// Denies the simulator judges unintended still refuse.
	AssumeAccess bool
	// RequestURI is the request line's target as sent, escapes, query
	// and fragment included: nginx's $request_uri. Empty means Path
	// and Query.
	RequestURI string
	// NoTrace tells the simulator that nobody reads Decision.Trace: it
	// may leave it empty (a scan's request per file spends a tenth of
	// its time writing the steps otherwise). A simulator whose own
	// logic reads the trace keeps writing it.
	NoTrace bool
}

// ParseRequest builds a request from a URL such as
// http://example.com:8080/docs/?x=1. A URL without scheme and host (a bare
// "/path") is sent to localhost:80. An IP literal host is the local address
// (ServerIP); for a name ServerIP stays empty: which address a name stands
// for depends on the server's listens, which the simulators know.
//
// Only what no HTTP server could take is an error (a URL that does not
// parse, a bad escape, a port out of range). What a server makes of the
// request line (a method it does not know, a path whose ".." climbs above
// "/") is its simulator's call: nginx answers 400 where Apache httpd
// answers 501 for an unknown method. The method is kept as given.
func ParseRequest(method, rawURL, clientIP string) (Request, error) {
	if method == "" {
		method = "GET"
	}
	if clientIP == "" {
		clientIP = "127.0.0.1"
	}
	if net.ParseIP(clientIP) == nil {
		return Request{}, fmt.Errorf("client ip %q is not an IP address", clientIP)
	}
	if strings.HasPrefix(rawURL, "/") {
		rawURL = "http://localhost" + rawURL
	}
	if !strings.Contains(rawURL, "://") {
		rawURL = "http://" + rawURL
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return Request{}, fmt.Errorf("bad url %q: %v", rawURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return Request{}, fmt.Errorf("bad url %q: scheme must be http or https", rawURL)
	}
	r := Request{Method: method, Scheme: u.Scheme, Host: strings.ToLower(u.Hostname()), ClientIP: clientIP, Query: u.RawQuery}
	if ip := net.ParseIP(r.Host); ip != nil {
		r.ServerIP = ip.String()
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			return Request{}, fmt.Errorf("bad url %q: bad port", rawURL)
		}
		r.Port = n
	} else if u.Scheme == "https" {
		r.Port = 443
	} else {
		r.Port = 80
	}
	path := sentPath(rawURL, u)
	dec, err := url.PathUnescape(path)
	if err != nil {
		return Request{}, fmt.Errorf("bad url %q: %v", rawURL, err)
	}
	r.Path = NormalizePath(dec)
	r.RawPath = dec
	r.EscapedPath = path
	r.RequestURI = requestTarget(rawURL)
	return r, nil
}

// sentPath returns the path of rawURL exactly as written, escapes kept
// ("/" when it has none), or u's escaped path when the text does not
// decode to u's path.
func sentPath(rawURL string, u *url.URL) string {
	rest := rawURL[strings.Index(rawURL, "://")+3:]
	p := ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 && rest[i] == '/' {
		p = rest[i:]
	}
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	if p == "" {
		p = "/"
	}
	if dec, err := url.PathUnescape(p); err != nil || (dec != u.Path && u.Path != "") {
		if p = u.EscapedPath(); p == "" {
			p = "/"
		}
	}
	return p
}

// requestTarget returns the target a client sends on the request line for
// the absolute URL rawURL, as written: what follows the authority, with a
// "/" before a query that follows it directly ("http://h?q" sends "/?q").
// A fragment is kept: nginx's $request_uri shows it when a client sends it.
func requestTarget(rawURL string) string {
	rest := rawURL[strings.Index(rawURL, "://")+3:]
	i := strings.IndexAny(rest, "/?#")
	switch {
	case i < 0:
		return "/"
	case rest[i] == '/':
		return rest[i:]
	}
	return "/" + rest[i:]
}

// ClimbsAboveRoot reports whether the ".." segments of the decoded path p
// climb above "/" (nginx answers such a request line with 400).
func ClimbsAboveRoot(p string) bool {
	depth := 0
	for len(p) > 0 {
		seg := p
		if i := strings.IndexByte(p, '/'); i >= 0 {
			seg, p = p[:i], p[i+1:]
		} else {
			p = ""
		}
		switch seg {
		case "", ".":
		case "..":
			if depth == 0 {
				return true
			}
			depth--
		default:
			depth++
		}
	}
	return false
}

// NormalizePath resolves "." and ".." segments and merges repeated slashes
// the way nginx does, keeping a trailing slash.
func NormalizePath(p string) string { return normalize(p, true) }

// NormalizePathKeepSlashes is NormalizePath for "merge_slashes off": empty
// segments stay, and ".." removes the one before it like any other.
func NormalizePathKeepSlashes(p string) string { return normalize(p, false) }

func normalize(p string, merge bool) string {
	if p == "" {
		return "/"
	}
	trailing := strings.HasSuffix(p, "/") || strings.HasSuffix(p, "/.") || strings.HasSuffix(p, "/..")
	var out []string
	for i, seg := range strings.Split(p, "/") {
		if seg == "" && !merge && i > 0 && i < strings.Count(p, "/") {
			out = append(out, "")
			continue
		}
		switch seg {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, seg)
		}
	}
	s := "/" + strings.Join(out, "/")
	if trailing && (s != "/" || len(out) > 0) {
		// "/" stays "/"; "//" kept unmerged ends in its second slash
		s += "/"
	}
	return s
}

// URL returns the request as a URL string.
func (r Request) URL() string {
	host := r.Host
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if !(r.Scheme == "http" && r.Port == 80) && !(r.Scheme == "https" && r.Port == 443) {
		host += ":" + strconv.Itoa(r.Port)
	}
	s := r.Scheme + "://" + host + r.Path
	if r.Query != "" {
		s += "?" + r.Query
	}
	return s
}

// Step is one step of a decision trace.
type Step struct {
	Step   string       // short kind: "server", "location", "access", "try_files", "static", ...
	Range  parser.Range // the directive responsible, when there is one
	Detail string       // what happened, in the server's terms
}

// Cause names the root cause of a refusal: the rule that describes it, the
// filesystem path responsible (if any) and the directive that set it up.
type Cause struct {
	Rule   string       // e.g. "fs/unreadable-file"
	Kind   Kind         // what the scanner judges, the same for every server
	Path   string       // the file or directory whose mode, owner or link is the cause
	Range  parser.Range // the directive responsible
	Reason string       // the server's own words, e.g. open() "/x" failed (13: Permission denied)
	// Directive names, in the server's own terms, the directive whose
	// setting the cause is, for messages: the symlink policy
	// (KindSymlinkDenied: nginx's "disable_symlinks", Apache's "Options
	// FollowSymLinks"), the password file (KindAuthFile*: nginx's
	// "auth_basic_user_file", Apache's "AuthUserFile"), the index list
	// (KindIndexMissing: "index", "DirectoryIndex"). "" for causes no
	// directive sets (the filesystem's).
	Directive string
	// Listing names, for KindIndexMissing, the setting that would list a
	// directory without index file: nginx's "autoindex", Apache's
	// "Options Indexes".
	Listing string
	// Refused says whom a KindDenyOvermatch refuses when it is not every
	// client: "outside private networks" for an allowlist of private
	// addresses that keeps well-known public files from the internet.
	Refused string
}

// Decision is what the server answers for a request, and why.
type Decision struct {
	Status int    // HTTP status; 0 when no server accepts the connection
	Cause  *Cause // why the answer is an error; nil for a success
	// Masked is set when the status hides another cause: a try_files
	// candidate that could not be read answers 404, but the cause is a
	// permission problem.
	Masked *Cause
	// MaskedBy names the directive whose fallback hid Masked, e.g.
	// nginx's "try_files".
	MaskedBy string
	// Path is the filesystem path the request was finally mapped to.
	Path string
	// Backend is set when the request leaves for a backend (proxy_pass,
	// fastcgi_pass, ...); the server itself reads no file then.
	Backend string
	// Unsure is non-empty when the simulator could not model something on
	// the way (an unsupported variable, regex or directive); rules skip
	// unsure decisions.
	Unsure string
	// Varies is non-empty when the real server's answer also depends on
	// state the simulator does not see (what an earlier request left in a
	// cache): Status is the answer of a first request, and Varies says
	// what may answer otherwise. Rules judge such decisions as usual.
	Varies string
	// Location is the location (or other block) that handled the request,
	// as written, e.g. "~ /\.", and LocationRange where it stands.
	Location      string
	LocationRange parser.Range
	// Block names the kind of block Location is, for messages: nginx's
	// "location", Apache's "Directory" or "Location".
	Block string
	// Site is the site (server block, virtual host) that took the
	// request; zero when none did (no site accepts the connection, or
	// the server refused the request line before choosing one).
	Site  parser.Range
	Trace []Step
}

// Where names the block that handled the request, e.g. "location ~ /\.",
// or "" when no block did.
func (d *Decision) Where() string {
	if d.Location == "" {
		return ""
	}
	if d.Block == "" {
		return d.Location
	}
	return d.Block + " " + d.Location
}

// Rule returns the rule of the decision's cause, or "".
func (d *Decision) Rule() string {
	if d.Cause == nil {
		return ""
	}
	return d.Cause.Rule
}

// Simulator decides what a server would answer for a request.
type Simulator interface {
	Simulate(Request) *Decision
}
