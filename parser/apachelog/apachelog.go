// Package apachelog reads the lines of Apache httpd 2.4's error log into
// values: the time, module, level, process and thread, the APR status
// ("(13)Permission denied"), the client address, the message code
// (AH01630), the message and the Referer header Apache appends to the
// messages of a request. It is the twin of package parser/nginxlog.
//
// Only Apache's default ErrorLogFormat is read (the one Debian, RHEL and
// upstream ship: none of them sets ErrorLogFormat):
//
//	[Tue Dec 01 13:27:56.123456 2026] [core:error] [pid 1234:tid 5678] (13)Permission denied: [client 127.0.0.2:51234] AH00132: file permissions deny server access: /srv/www/f.html, referer: http://a/
//
// where the thread, the status, the client (or [remote ADDR:PORT] for a
// connection without a scoreboard, such as a proxy's backend), the code and
// the referer each appear only when Apache has them, and the lines Apache
// writes before its log is open carry only the message ("AH00558: apache2:
// Could not reliably determine ..."). Apache also lets CGI scripts (under
// mod_cgid) write their standard error straight into the log: such lines
// are no log lines at all (NotEntry).
//
// For the messages unforbid explains, Entry.Cause says what refused the
// request and Entry.Path which file it names (see shared/CAUSES.md, part 2).
// The parser never panics on any input. The package only reads lines; what
// a message means for a request is the business of the simulators in
// rules/.
package apachelog

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// TimeLayout is the layout of the time at the start of a line. Apache
// writes microseconds after the seconds (".123456") with %{u}t, the default;
// they are read too.
const TimeLayout = "Mon Jan _2 15:04:05 2006"

// Entry is one line of the error log.
type Entry struct {
	// Time as written (Apache writes local time without a zone): read as
	// UTC. Zero for a line written before the log was open.
	Time   time.Time
	Module string // the module that logged, e.g. "core", "authz_core"; "" when none
	// Level is emerg, alert, crit, error, warn, notice, info, debug or
	// trace1 to trace8; "" for a line written before the log was open.
	Level string
	PID   int // process id, 0 when none
	TID   int // thread id, 0 when the line names none (a build without threads)

	// Source is the source file and line Apache names at level debug and
	// beyond, e.g. "mod_authz_core.c(818)"; "" when none.
	Source string
	Errno  int    // the APR status in "(13)Permission denied: ", 0 when none
	Err    string // the text of that status, "Permission denied"

	Client     string // the client address without its port, e.g. 127.0.0.1 or ::1; "" when none
	ClientPort int    // the client's port, 0 when none
	// Remote is set when the address was written as [remote ADDR:PORT]:
	// a connection without a scoreboard (a proxy's backend), not a client.
	Remote bool

	Code    string // the message code, e.g. "AH01630"; "" when none
	Message string // the message after the code, the referer cut off
	Referer string // the Referer header of the request, as Apache escaped it

	// What the message says, when it is one of the messages unforbid
	// knows (see Cause).
	Cause Cause
	// Path is the filesystem path the message names: the file refused, the
	// directory without index, the .htaccess that could not be read, the
	// script. For CauseScriptHeaders it is what Apache wrote, which may be
	// the script's base name only.
	Path string
	URI  string // the URI the message names (AH00035, AH00036, AH01630 without a file)
}

// Cause tells which of Apache's refusals (and look-alikes) a line reports.
type Cause int

// The messages Apache writes when it refuses a request or cannot serve it
// (shared/CAUSES.md 2.4 and 2.5; the codes are Apache 2.4's).
const (
	CauseOther           Cause = iota // any other message
	CauseRequire                      // AH01630 client denied by server configuration: Require
	CauseAccessCompat                 // AH01797 client denied by server configuration: Order/Allow/Deny
	CauseAuthzUser                    // AH01631 user U: authorization failure for "URI"
	CauseSearch                       // AH00035 search permissions are missing on a component of the path
	CauseStat                         // AH00036 access to URI failed (filesystem path 'P'): lstat failed
	CauseSymlink                      // AH00037, AH00032 Symbolic link not allowed or link target not accessible
	CauseNotFile                      // AH00038 Forbidden: P doesn't point to a file or directory
	CauseFilePerm                     // AH00132, AH01234 file permissions deny server access
	CauseHtaccess                     // AH00529 .htaccess pcfg_openfile: unable to check htaccess file
	CauseNotRegular                   // AH00554 Access to file P denied by server: not a regular file
	CauseHtaccessSyntax               // (alert, no code) P/.htaccess: a bad or forbidden directive: 500
	CauseDirIndex                     // AH01276 Cannot serve directory: no matching DirectoryIndex, no Indexes
	CauseDirOpen                      // AH01275 Can't open directory for index
	CauseRewriteSymlinks              // AH00670 per-directory RewriteRule with FollowSymLinks and SymLinksIfOwnerMatch off
	CauseExecCGI                      // AH02809, AH01262 Options ExecCGI is off in this directory
	CauseScriptNotFound               // AH02811, AH01264 script not found or unable to stat
	CauseScriptError                  // AH01215 stderr from SCRIPT: a line the script wrote on its standard error
	CauseScriptHeaders                // End of script output before headers: SCRIPT (500)
	CauseFastCGI                      // AH01071 Got error '...' from a FastCGI backend (php-fpm)
	CauseNoMap                        // AH00127 Cannot map REQUEST to file
)

var causeNames = [...]string{"other", "require", "access-compat", "authz-user", "search", "stat", "symlink",
	"not-file", "file-permissions", "htaccess", "not-regular", "htaccess-syntax", "directory-index",
	"directory-open", "rewrite-symlinks", "execcgi", "script-not-found", "script-error", "script-headers",
	"fastcgi", "no-map"}

// String names the cause.
func (c Cause) String() string {
	if c < 0 || int(c) >= len(causeNames) {
		return "cause(" + strconv.Itoa(int(c)) + ")"
	}
	return causeNames[c]
}

// Error is a line that could not be read. Col is the 1-based byte column
// where reading stopped; File and Line are set by Reader.
type Error struct {
	File string
	Line int
	Col  int
	Msg  string
}

// Error formats the problem as "file:line: col N: message", leaving out
// what is unknown.
func (e *Error) Error() string {
	pos := ""
	switch {
	case e.File != "" && e.Line > 0:
		pos = e.File + ":" + strconv.Itoa(e.Line) + ": "
	case e.File != "":
		pos = e.File + ": "
	case e.Line > 0:
		pos = "line " + strconv.Itoa(e.Line) + ": "
	}
	return fmt.Sprintf("%scol %d: %s", pos, e.Col, e.Msg)
}

// ErrNotEntry is returned (wrapped in *Error) for a line that does not
// start like a line of Apache's error log at all.
var ErrNotEntry = errors.New("not an Apache error log line")

// NotEntry reports whether err says the line is no error log line at all
// (as opposed to a log line whose header is malformed).
func NotEntry(err error) bool {
	var e *Error
	return errors.As(err, &e) && strings.HasPrefix(e.Msg, ErrNotEntry.Error())
}

// ParseLine reads one line of the error log (without its newline; a
// trailing "\r" or "\n" is ignored). A line that is no error log line at
// all is an error NotEntry reports; so is a line that starts like one but
// whose header ([time] [module:level] [pid ...]) cannot be read.
func ParseLine(line string) (Entry, error) {
	line = strings.TrimRight(line, "\r\n")
	var e Entry
	notEntry := func(col int, why string) error {
		return &Error{Col: col + 1, Msg: ErrNotEntry.Error() + ": " + why}
	}
	col := 0
	rest := line
	if !strings.HasPrefix(rest, "[") {
		// Written before the log was open: the message alone, with a code.
		if code, ok := cutCode(rest); !ok || code == "" {
			return e, notEntry(0, "no [time]")
		}
		e.body(rest)
		return e, nil
	}
	end := strings.IndexByte(rest, ']')
	if end < 0 {
		return e, notEntry(1, "no [time]")
	}
	t, err := time.Parse(TimeLayout, rest[1:end])
	if err != nil {
		return e, notEntry(1, "no [time]")
	}
	e.Time = t
	col += end + 1
	rest = rest[end+1:]

	if !strings.HasPrefix(rest, " [") {
		return e, notEntry(col, "no [module:level]")
	}
	end = strings.IndexByte(rest, ']')
	mod, level, ok := strings.Cut(rest[2:max(end, 2)], ":")
	if end < 0 || !ok || !knownLevel(level) || strings.ContainsAny(mod, " [") {
		return e, notEntry(col+2, "no [module:level]")
	}
	e.Module, e.Level = mod, level
	col += end + 1
	rest = rest[end+1:]

	if !strings.HasPrefix(rest, " [pid ") {
		return e, notEntry(col+1, "no [pid]")
	}
	end = strings.IndexByte(rest, ']')
	if end < 0 {
		return e, notEntry(col+2, "no [pid]")
	}
	pid, tid, hasTID := strings.Cut(rest[len(" [pid "):end], ":tid ")
	if e.PID, err = strconv.Atoi(pid); err != nil || e.PID < 0 {
		return e, notEntry(col+2, "bad process number")
	}
	if hasTID {
		// Thread ids are unsigned and may be pthread_t values.
		n, err := strconv.ParseUint(tid, 10, 63)
		if err != nil {
			return e, notEntry(col+2, "bad thread number")
		}
		e.TID = int(n)
	}
	col += end + 1
	rest = rest[end+1:]
	if rest == "" {
		return e, nil
	}
	if !strings.HasPrefix(rest, " ") {
		return e, &Error{Col: col + 1, Msg: "no space after [pid]"}
	}
	rest = rest[1:]

	// mod_x.c(123): at level debug and beyond.
	if i := strings.Index(rest, "): "); i > 0 {
		if open := strings.IndexByte(rest[:i], '('); open > 2 && strings.HasSuffix(rest[:open], ".c") &&
			!strings.ContainsAny(rest[:open], " [") && allDigits(rest[open+1:i]) {
			e.Source = rest[:i+1]
			rest = rest[i+3:]
		}
	}
	// (13)Permission denied:
	if strings.HasPrefix(rest, "(") {
		if close := strings.IndexByte(rest, ')'); close > 1 {
			if n, err := strconv.Atoi(rest[1:close]); err == nil {
				if colon := strings.Index(rest[close:], ": "); colon > 0 {
					e.Errno, e.Err = n, rest[close+1:close+colon]
					rest = rest[close+colon+2:]
				}
			}
		}
	}
	// [client 127.0.0.1:5678] or [remote ...]
	for _, f := range []struct {
		prefix string
		remote bool
	}{{"[client ", false}, {"[remote ", true}} {
		if !strings.HasPrefix(rest, f.prefix) {
			continue
		}
		end := strings.Index(rest, "] ")
		if end < 0 && strings.HasSuffix(rest, "]") {
			end = len(rest) - 1
		}
		if end < 0 {
			break
		}
		addr := rest[len(f.prefix):end]
		if addr == "" || strings.ContainsAny(addr, " []") {
			break
		}
		e.Client, e.Remote = addr, f.remote
		if i := strings.LastIndexByte(addr, ':'); i >= 0 {
			if p, err := strconv.Atoi(addr[i+1:]); err == nil && p >= 0 && p <= 65535 {
				e.Client, e.ClientPort = addr[:i], p
			}
		}
		rest = rest[min(end+2, len(rest)):]
		break
	}
	e.body(rest)
	return e, nil
}

// body reads the code, message and referer, and classifies the message.
func (e *Entry) body(rest string) {
	if e.Client != "" && !e.Remote {
		// Apache appends the Referer to the messages of a request. A
		// message may hold ", referer: " too; the first one is taken.
		if i := strings.Index(rest, ", referer: "); i >= 0 {
			rest, e.Referer = rest[:i], rest[i+len(", referer: "):]
		}
	}
	if code, ok := cutCode(rest); ok {
		e.Code = code
		rest = strings.TrimPrefix(rest[len(code):], ":")
		rest = strings.TrimPrefix(rest, " ")
	}
	e.Message = rest
	e.classify()
}

// cutCode returns the "AHnnnnn" code that starts s and is followed by ':'.
func cutCode(s string) (string, bool) {
	if len(s) < 8 || s[:2] != "AH" || s[7] != ':' || !allDigits(s[2:7]) {
		return "", false
	}
	return s[:7], true
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func knownLevel(s string) bool {
	switch s {
	case "emerg", "alert", "crit", "error", "warn", "notice", "info", "debug":
		return true
	}
	return len(s) == 6 && strings.HasPrefix(s, "trace") && s[5] >= '1' && s[5] <= '8'
}

// classify recognizes the messages of Cause in e.Message.
func (e *Entry) classify() {
	m := e.Message
	after := func(prefix string) (string, bool) {
		if strings.HasPrefix(m, prefix) && len(m) > len(prefix) {
			return m[len(prefix):], true
		}
		return "", false
	}
	set := func(c Cause, path string) { e.Cause, e.Path = c, path }
	if p, ok := after("End of script output before headers: "); ok {
		// mod_cgi and mod_cgid, with or without a code.
		set(CauseScriptHeaders, p)
		return
	}
	switch e.Code {
	case "AH01630", "AH01797":
		c := CauseRequire
		if e.Code == "AH01797" {
			c = CauseAccessCompat
		}
		if p, ok := after("client denied by server configuration: "); ok {
			if u, ok := strings.CutPrefix(p, "uri "); ok {
				e.Cause, e.URI = c, u
			} else {
				set(c, p)
			}
		}
	case "AH01631":
		if strings.HasPrefix(m, "user ") && strings.Contains(m, ": authorization failure for \"") {
			e.Cause = CauseAuthzUser
			i := strings.Index(m, ": authorization failure for \"") + len(": authorization failure for \"")
			if j := strings.IndexByte(m[i:], '"'); j >= 0 {
				e.URI = m[i : i+j]
			}
		}
	case "AH00035", "AH00036":
		// access to URI denied (filesystem path 'P') because search permissions ...
		// access to URI failed (filesystem path 'P')
		rest, ok := after("access to ")
		if !ok {
			return
		}
		i := strings.LastIndex(rest, " (filesystem path '")
		if i < 0 {
			return
		}
		p := rest[i+len(" (filesystem path '"):]
		j := strings.LastIndex(p, "')")
		if j < 0 {
			return
		}
		k := strings.LastIndexByte(rest[:i], ' ')
		if k < 0 {
			return
		}
		uri, verb := rest[:k], rest[k+1:i]
		switch {
		case e.Code == "AH00035" && verb == "denied" && strings.HasSuffix(p[j:], "because search permissions are missing on a component of the path"):
			e.Cause = CauseSearch
		case e.Code == "AH00036" && verb == "failed" && p[j:] == "')":
			e.Cause = CauseStat
		default:
			return
		}
		e.URI, e.Path = uri, p[:j]
	case "AH00037", "AH00032":
		if p, ok := after("Symbolic link not allowed or link target not accessible: "); ok {
			set(CauseSymlink, p)
		}
	case "AH00038":
		if p, ok := after("Forbidden: "); ok && strings.HasSuffix(p, " doesn't point to a file or directory") {
			set(CauseNotFile, strings.TrimSuffix(p, " doesn't point to a file or directory"))
		}
	case "AH00132", "AH01234":
		if p, ok := after("file permissions deny server access: "); ok {
			set(CauseFilePerm, p)
		}
	case "AH00529":
		if i := strings.Index(m, " pcfg_openfile: unable to check htaccess file"); i > 0 {
			set(CauseHtaccess, m[:i])
		}
	case "AH00554":
		if p, ok := after("Access to file "); ok && strings.HasSuffix(p, " denied by server: not a regular file") {
			set(CauseNotRegular, strings.TrimSuffix(p, " denied by server: not a regular file"))
		}
	case "AH01276":
		if p, ok := after("Cannot serve directory "); ok {
			if i := strings.Index(p, ": No matching DirectoryIndex"); i > 0 {
				set(CauseDirIndex, p[:i])
			}
		}
	case "AH01275":
		if p, ok := after("Can't open directory for index: "); ok {
			set(CauseDirOpen, p)
		}
	case "AH00670":
		if strings.HasPrefix(m, "Options FollowSymLinks and SymLinksIfOwnerMatch are both off") {
			if i := strings.LastIndex(m, " : "); i >= 0 && i+3 < len(m) {
				set(CauseRewriteSymlinks, m[i+3:])
			}
		}
	case "AH02809", "AH01262", "AH02811", "AH01264", "AH01215":
		p, ok := after("stderr from ")
		if !ok {
			// Before 2.4.59, mod_cgi wrote "AH01215: LINE: SCRIPT".
			if i := strings.LastIndex(m, ": /"); e.Code == "AH01215" && i >= 0 {
				set(CauseScriptError, m[i+2:])
			}
			return
		}
		var c Cause
		var i int
		switch {
		case e.Code == "AH01215":
			c, i = CauseScriptError, strings.Index(p, ": ")
		case e.Code == "AH02809" || e.Code == "AH01262":
			c, i = CauseExecCGI, strings.LastIndex(p, ": Options ExecCGI is off in this directory")
		default:
			c, i = CauseScriptNotFound, strings.LastIndex(p, ": script not found or unable to stat")
		}
		if i > 0 {
			set(c, p[:i])
		}
	case "AH01071":
		if text, ok := after("Got error '"); ok {
			e.Cause = CauseFastCGI
			// php-fpm's messages that name the script.
			for _, f := range []struct{ prefix, end string }{
				{"Unable to open primary script: ", " ("},
				{"Access to the script '", "' has been denied"},
			} {
				if i := strings.Index(text, f.prefix); i >= 0 {
					p := text[i+len(f.prefix):]
					if j := strings.Index(p, f.end); j > 0 {
						e.Path = p[:j]
					}
					break
				}
			}
		}
	case "AH00127":
		if strings.HasPrefix(m, "Cannot map ") && strings.HasSuffix(m, " to file") {
			e.Cause = CauseNoMap
		}
	case "":
		// A bad or forbidden directive in a .htaccess: "PATH: message",
		// logged at alert without a code.
		if e.Level == "alert" && strings.HasPrefix(m, "/") {
			if i := strings.Index(m, ": "); i > 1 && !strings.HasSuffix(m[:i], "/") {
				set(CauseHtaccessSyntax, m[:i])
			}
		}
	}
}
