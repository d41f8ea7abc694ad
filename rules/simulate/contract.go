package simulate

import (
	"path"
	"strings"
	"syscall"

	"github.com/unforbid/unforbid/fix"
	"github.com/unforbid/unforbid/parser"
	"github.com/unforbid/unforbid/parser/fsmeta"
)

// Server is the contract every simulated server (nginx, Apache httpd)
// implements. The scanner, the CLI and the test harness speak only to it:
// a new server is a new implementation, never a copy of the scanner.
//
// A Server must be safe for concurrent use: the scanner calls Simulate
// from a worker on every core while it reads the FileSystem itself, and
// each call must answer as it would alone (test it under -race with
// requests from several goroutines, as the nginx and Apache simulators'
// TestConcurrentSimulate do).
type Server interface {
	Simulator
	// Kind names the server: "nginx" or "apache".
	Kind() string
	// LocalAddr returns the local address a client connects to for req
	// when req.ServerIP is empty (from the URL's host and the addresses
	// the server listens on; never the client's), and a trace step saying
	// why. A set req.ServerIP is returned as it is.
	LocalAddr(req Request) (string, Step)
	// Sites returns every site (an nginx server block, an Apache virtual
	// host) with an address that reaches it, the trees it serves and its
	// error pages, in config order.
	Sites() []Site
	// FileSystem is the filesystem view the server reads through.
	FileSystem() *fsmeta.FS
	// WorkerCred is the identity of the processes that open files.
	WorkerCred() fsmeta.Cred
	// Worker describes that identity for messages, e.g.
	// "www-data (uid 33, gid 33)".
	Worker() string
	// Describe returns "mode 0700, alice:alice" (and the ACL, if any) of
	// the server path p.
	Describe(p string) string
	// Notes says what the server's model could not simulate or had to
	// assume, for every output format.
	Notes() []Note
	// Lint returns the causes the configuration shows by itself, with no
	// request: access rules that can never match, sites that refuse every
	// request.
	Lint() []ConfigFinding
	// Comment returns the admin's comment on the line of the directive at
	// r, or on the line just above it; "" when there is none. It tells
	// what a directive was meant for.
	Comment(r parser.Range) string
}

// Problem is a cause to repair, as a finding knows it: what a Repairer
// and the filesystem repairs start from.
type Problem struct {
	Rule  string
	Kind  Kind
	Range parser.Range // the directive responsible
	Path  string       // the filesystem path responsible, if any
	// Request is an example request the cause refuses, and Decision the
	// simulator's answer to it; zero and nil for findings about the
	// config alone (Lint).
	Request  Request
	Decision *Decision
	// Refused holds more URL paths the cause refuses (for an overmatching
	// deny: the public files), Request's among them.
	Refused []string
	Related []Related
}

// Repairer is implemented by servers that repair causes with edits of
// their own config syntax (a carve-out location, an index name, the
// slash of an alias). Filesystem repairs are server-neutral
// (FSRepairs).
type Repairer interface {
	// Repairs returns the alternative fixes of p, safe ones first; none
	// when the server cannot repair it by config (a file whose offsets
	// are unknown gets no edit rather than a wrong one).
	Repairs(p Problem) []fix.Fix
}

// Rebinder is implemented by servers that answer on another view of the
// filesystem without loading their configuration again: checking a fix
// that changes modes, owners or ACLs, and no config file, then costs no
// parse.
type Rebinder interface {
	// OnView returns the server as it answers on fsys, whose config
	// files must read as the server's own.
	OnView(fsys *fsmeta.FS) (Server, error)
}

// Reloader is implemented by servers that load their configuration again
// from another view of the filesystem, reusing what did not change (a
// fix's check).
type Reloader interface {
	// Reload returns the server as it loads on fsys: its config files
	// read again there, those whose content did not change not parsed
	// again.
	Reload(fsys *fsmeta.FS) (Server, error)
}

// PasswordFileUser is implemented by servers whose error log may name a
// password file rather than the request that read it (Apache's AH01620
// "Could not open password file"): it tells which requests read it.
type PasswordFileUser interface {
	// PasswordFileDirs returns the directories (server paths) whose
	// logins read the password file f, in config order.
	PasswordFileDirs(f string) []string
}

// CommentLiner is implemented by a Server that reads the admin's comments
// around a directive line by line, which Comment cannot tell apart (a
// comment on the directive's own line, or on the line above it).
type CommentLiner interface {
	// CommentLines returns the comment on the line of the directive at r
	// ("" when none), then the block of whole-line comments just above
	// it, nearest first, at most max lines.
	CommentLines(r parser.Range, max int) (own string, above []string)
}

// SuppressionMarker starts a suppression comment: "# unforbid:ignore
// RULE[,RULE...] -- reason" silences the findings of the rules named at
// the directive it stands above (or after, on the directive's line).
const SuppressionMarker = "unforbid:ignore"

// IsSuppression reports whether the comment text (without its comment
// sign) is a suppression: the marker as a word of its own, first.
func IsSuppression(text string) bool {
	rest, ok := strings.CutPrefix(strings.TrimSpace(text), SuppressionMarker)
	return ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t')
}

// Suppressor is implemented by a Server that reads the admin's
// suppression comments from its config, in its own comment syntax; the
// scanner parses their text (rules/scan) and applies them.
type Suppressor interface {
	// Suppressions returns every comment of the configuration that is a
	// suppression (IsSuppression), once each, in file order.
	Suppressions() []SuppressionComment
	// SuppressionEdit returns the config edit that adds the comment
	// "# <text>" on a line of its own just above the directive at target,
	// with the directive's indentation; ok is false when the file's
	// offsets are unknown or another directive stands before target on
	// its line (the comment would then belong to that one).
	SuppressionEdit(target parser.Range, text string) (e fix.Edit, ok bool)
}

// SuppressionComment is one suppression comment of a config.
type SuppressionComment struct {
	// Text is the comment without its comment sign, trimmed:
	// "unforbid:ignore nginx/deny-overmatch -- logs stay private".
	Text  string
	Range parser.Range // the comment
	// Target is the directive the comment stands above (with nothing but
	// whole-line comments between them) or after on the same line; zero
	// when it stands above no directive (a blank line follows, or the end
	// of its block or file).
	Target parser.Range
}

// ConfigFinding is a cause found in the configuration alone.
type ConfigFinding struct {
	Rule string
	Kind Kind
	// Range is the directive responsible (the shadowed rule, the deny
	// that refuses every request).
	Range parser.Range
	// Site is the site it concerns (zero for a setting above every
	// site), SiteName its name, and URL an example request that shows it.
	Site     parser.Range
	SiteName string
	URL      string
	Message  string
	// Harmless is set when the finding changes no answer (a rule shadowed
	// by an earlier one with the same effect): information only.
	Harmless bool
	Related  []Related
}

// Related is a secondary location of a finding, e.g. the earlier rule
// that shadows this one.
type Related struct {
	Range   parser.Range
	Message string
}

// Site is one site of a server: what it answers to and what it serves.
type Site struct {
	// Name describes the site in messages, e.g. "server example.com".
	Name  string
	Range parser.Range // the server block or virtual host
	// Names are the host names the site answers to, as written (nginx's
	// server_name, Apache's ServerName and ServerAlias): exact names,
	// wildcards and patterns alike, the first one first.
	Names []string
	// Listens are the TCP addresses the site listens on, in config order.
	Listens []Listen
	// Host, Port and ServerIP make a request that reaches this site.
	// Host is "" when no request can reach it (every name is taken by
	// another site); Notes then says why.
	Host     string
	Port     int
	ServerIP string
	// Roots are the directory trees the site serves, each at its URL.
	Roots []Root
	// ErrorPages are the site's error pages given by a local URI.
	ErrorPages []ErrorPage
	// Notes says what of the site cannot be walked, and why.
	Notes []Note
}

// Listen is a TCP address a site listens on.
type Listen struct {
	Addr string // the local address; "" for every address of its family
	Port int
	IPv6 bool // an IPv6 socket
	// DualStack is set on an IPv6 wildcard socket that takes IPv4
	// connections too.
	DualStack bool
}

// Root is a directory tree a site serves.
type Root struct {
	Dir string // the directory, as the server sees it
	URL string // the URL path it is served at, ending in "/"
	// Range is the directive that set it (root, alias, DocumentRoot);
	// zero for a compiled-in default.
	Range parser.Range
	// Directive names that directive ("root", "alias"); "" for a default.
	Directive string
	// Host is the host name whose requests this tree answers, when it
	// differs per name (a root built from the captures of a regex
	// server_name); "" means the site's Host.
	Host string
}

// ErrorPage is an error page the server answers with a local URI.
type ErrorPage struct {
	Codes []int
	URI   string
	Range parser.Range
}

// Note is something a check could not look at or judge, and why. A check
// that could not look somewhere must say so: silence means it looked.
type Note struct {
	Message string
	Range   parser.Range // where it stands in the config, when known
	// NotWalked is set when a tree the site serves could not be walked
	// (a root or alias whose value is not known before a request comes):
	// nothing below it was checked, so no finding there means nothing.
	NotWalked bool
}

// String returns "file:line: message", or the message alone.
func (n Note) String() string {
	if n.Range.IsZero() {
		return n.Message
	}
	return n.Range.String() + ": " + n.Message
}

// Kind is the server-neutral kind of a cause: what the scanner judges.
// Each server attaches its own rule ID to a cause and one of these kinds.
type Kind int

// Kinds of causes.
const (
	KindNone Kind = iota
	// Filesystem causes, the same for every server.
	KindUnreadableFile // the worker cannot read a served file
	KindUnreadableDir  // the worker cannot read a directory it must list or open
	KindNoSearch       // a directory on the path lacks the search bit
	KindSymlinkLoop    // a symbolic link loop (ELOOP)
	// Server causes.
	KindSymlinkDenied      // the server's symlink policy refuses a link
	KindIndexMissing       // a directory without index file, listing off
	KindDenyRule           // an access rule refuses the client (usually intended)
	KindDenyOvermatch      // a deny that admits no one refuses public content
	KindIndexDenied        // the index redirect lands where access is denied
	KindReturn             // an explicit return/redirect of an error status
	KindAuthFileMissing    // the password file does not exist
	KindAuthFileUnreadable // the password file cannot be read
	KindAliasSlash         // an alias without the trailing slash of its location
	KindRuleShadowed       // an access rule an earlier one always shadows
	KindSiteRefusesAll     // a site answers 403 to every request
	KindHtaccessInvalid    // a per-directory config file the server refuses (a directive not allowed, not a regular file)
	KindExecCGIOff         // a CGI handler where the server may not run scripts (Apache: Options ExecCGI)
	KindConfigIgnored      // a per-directory config file the server never reads (Apache: AllowOverride None)
)

// Rule IDs of the filesystem causes, shared by every server.
const (
	RuleUnreadableFile = "fs/unreadable-file"
	RuleUnreadableDir  = "fs/unreadable-directory"
	RuleNoSearch       = "fs/no-search-permission"
	RuleSymlinkLoop    = "fs/symlink-loop"
)

// FSCause classifies a failed access (an fsmeta.Result with an errno) into
// a filesystem cause: EACCES on the object itself is an unreadable file or
// directory, on a directory above it a missing search bit; ELOOP and
// EMLINK are a symbolic link loop. ok is false for other errors (ENOENT,
// ENOTDIR), which are not permission problems. Servers with a symlink
// policy of their own check ELOOP first.
func FSCause(res fsmeta.Result) (rule string, kind Kind, ok bool) {
	switch res.Err {
	case syscall.ELOOP, syscall.EMLINK:
		return RuleSymlinkLoop, KindSymlinkLoop, true
	case syscall.EACCES:
		switch {
		case res.Info != nil && path.Clean(res.At) == path.Clean(res.Info.Path) && res.Info.Type == fsmeta.TypeDir:
			return RuleUnreadableDir, KindUnreadableDir, true
		case res.Info != nil && path.Clean(res.At) == path.Clean(res.Info.Path):
			return RuleUnreadableFile, KindUnreadableFile, true
		default:
			return RuleNoSearch, KindNoSearch, true
		}
	}
	return "", KindNone, false
}

// DirLinter is implemented by servers that read config files of their
// own in the directories they serve (Apache's .htaccess). The scanner
// asks it about every directory it walks, with the request for that
// directory and the server's answer to it, and reports what it returns
// as config findings (once per rule and directive).
type DirLinter interface {
	// LintDir returns what the per-directory config files of dir show
	// by themselves, as req (answered d) reaches it: a file the server
	// never reads, say. Site may be left zero: the scanner fills in the
	// site walked.
	LintDir(req Request, d *Decision, dir string) []ConfigFinding
}

// FileGrouper is implemented by servers that can tell, without
// simulating, which requests of one directory's files they answer alike:
// the scanner then simulates one file of a group and takes its answer
// for the rest, which is what makes a directory of a million uploads
// cost a million permission checks rather than a million requests.
type FileGrouper interface {
	// FileGroup returns a key for req, a GET of a file in a directory of
	// the tree it serves, ok false when the server cannot vouch for one
	// (then each request is simulated). The promise: take two requests
	// equal but for the last segment of their paths (names of plain
	// letters, digits, '.', '-' and '_', not starting with '.'), or but
	// for the last two when the files are in two directories (not links)
	// of one parent, of regular files, not links, that the worker may
	// read (its directory searched), with equal keys. When one is served
	// (200, no Cause, nothing Masked, no Backend, Unsure and Varies
	// empty), the other is too, its decision equal in everything but
	// Path, which is then its own file's. Keys must be comparable.
	//
	// FileGroup tells from the request and the configuration alone: it
	// makes no system call (no file, no network), since it may run on a
	// thread that holds the worker's credentials (fsmeta.Prober).
	FileGroup(req Request) (key any, ok bool)
}
