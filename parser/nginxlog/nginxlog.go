// Package nginxlog reads the lines of nginx's error log (error.log) into
// values: the time, level, process and connection numbers, the message, and
// the request context nginx appends to the messages of a request (client,
// server, request line, upstream, host, referrer).
//
// nginx writes the request context raw, without escaping: a request line or
// a Host header may hold quotes, and a line longer than nginx's limit (2048
// bytes) is cut short. The parser reads such lines as far as it can and says
// when a line was cut (Entry.Cut); it never panics on any input.
//
// The package only reads lines; what a message means for a request is the
// business of the simulators in rules/.
package nginxlog

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// TimeLayout is the layout of the time at the start of every line.
const TimeLayout = "2006/01/02 15:04:05"

// Entry is one line of the error log.
type Entry struct {
	Time  time.Time // as written (nginx writes local time without a zone): read as UTC
	Level string    // debug, info, notice, warn, error, crit, alert or emerg
	PID   int       // process id
	TID   int       // thread id (the same as PID on Linux builds without threads)
	Conn  int64     // connection number (*N), 0 when the line names none
	// Message is the text between the connection number and the request
	// context, " while ..." included.
	Message string

	// The request context; empty when nginx did not write it.
	Client     string // client address, e.g. 127.0.0.1 or ::1
	Server     string // the first server_name of the server that took the request
	Request    string // the request line as received, e.g. "GET /a?b=1 HTTP/1.1"
	Method     string // the request line's method
	URI        string // the request line's target, query included
	Protocol   string // the request line's protocol, e.g. HTTP/1.1; "" for HTTP/0.9
	Subrequest string // the URI of the subrequest the message is about
	Upstream   string // the upstream address the message is about
	Host       string // the Host header, as sent (a port included)
	Referrer   string // the Referer header
	// HasRequest is set when the line holds a request: field.
	HasRequest bool
	// Cut names the field the line ends in without its closing quote
	// ("request", "host", ...; "client" when the line ends after the
	// client address): nginx cuts lines at 2048 bytes, so that field is
	// incomplete. It is "" for a whole line.
	Cut string

	// What the message says, when it is one of the messages unforbid
	// knows (see Kind).
	Kind  Kind
	Path  string // the file or directory the message names
	Errno int    // the error number in "(13: Permission denied)", 0 when none
	Err   string // the error text in "(13: Permission denied)"
}

// Kind tells which of nginx's messages about files and access a line holds.
type Kind int

// The messages nginx writes when it refuses or cannot find what a request
// asks for (see shared/CAUSES.md).
const (
	KindOther      Kind = iota // any other message
	KindOpen                   // open() "PATH" failed (ERRNO: TEXT)
	KindOpenat                 // openat() "PATH" failed (ERRNO: TEXT): disable_symlinks
	KindOpendir                // opendir() "PATH" failed (ERRNO: TEXT): autoindex
	KindStat                   // stat() "PATH" failed (ERRNO: TEXT): try_files
	KindForbidden              // "PATH" is forbidden (ERRNO: TEXT): index
	KindNotFound               // "PATH" is not found (ERRNO: TEXT): index
	KindDirIndex               // directory index of "PATH" is forbidden
	KindAccessRule             // access forbidden by rule
)

var kindNames = [...]string{"other", "open", "openat", "opendir", "stat", "forbidden", "not-found", "directory-index", "access-rule"}

// String names the kind.
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "kind(" + strconv.Itoa(int(k)) + ")"
	}
	return kindNames[k]
}

// MaxLine is the longest line nginx writes (NGX_MAX_ERROR_STR), newline
// excluded: longer messages are cut.
const MaxLine = 2047

// Error is a line that could not be read. Col is the 1-based byte column
// where reading stopped.
type Error struct {
	Col int
	Msg string
}

// Error formats the problem as "col N: message".
func (e *Error) Error() string { return fmt.Sprintf("col %d: %s", e.Col, e.Msg) }

// ErrNotEntry is returned (wrapped in *Error) for a line that does not
// start like a line of nginx's error log at all: no time, level and
// process number.
var ErrNotEntry = errors.New("not an nginx error log line")

// NotEntry reports whether err says the line is no error log line at all
// (as opposed to a log line whose request context is malformed).
func NotEntry(err error) bool {
	var e *Error
	return errors.As(err, &e) && strings.HasPrefix(e.Msg, ErrNotEntry.Error())
}

// ParseLine reads one line of the error log (without its newline; a
// trailing "\r" or "\n" is ignored). A line holding a request context
// whose request line cannot be read is an error, and so is a line that is
// no error log line at all (NotEntry reports that case).
func ParseLine(line string) (Entry, error) {
	line = strings.TrimRight(line, "\r\n")
	var e Entry
	rest, col, err := e.header(line)
	if err != nil {
		return e, err
	}
	msg, ctx, hasCtx := splitContext(rest)
	e.Message = msg
	e.classify()
	if !hasCtx {
		return e, nil
	}
	reqCol, err := e.context(ctx, col+len(msg))
	if err != nil {
		return e, err
	}
	if e.HasRequest {
		if err := e.requestLine(); err != nil {
			return e, &Error{Col: reqCol + 1, Msg: err.Error()}
		}
	}
	return e, nil
}

// header reads "YYYY/MM/DD HH:MM:SS [level] PID#TID: [*CONN ]" and returns
// the rest and the 0-based column where it starts.
func (e *Entry) header(line string) (string, int, error) {
	notEntry := func(col int, why string) error {
		return &Error{Col: col + 1, Msg: ErrNotEntry.Error() + ": " + why}
	}
	if len(line) < len(TimeLayout) {
		return "", 0, notEntry(0, "no time")
	}
	t, err := time.Parse(TimeLayout, line[:len(TimeLayout)])
	if err != nil {
		return "", 0, notEntry(0, "no time")
	}
	e.Time = t
	col := len(TimeLayout)
	rest := line[col:]
	if !strings.HasPrefix(rest, " [") {
		return "", 0, notEntry(col, "no [level]")
	}
	end := strings.IndexByte(rest, ']')
	if end < 0 || !knownLevel(rest[2:end]) {
		return "", 0, notEntry(col+2, "no [level]")
	}
	e.Level = rest[2:end]
	col += end + 1
	rest = rest[end+1:]
	if !strings.HasPrefix(rest, " ") {
		return "", 0, notEntry(col, "no process number")
	}
	colon := strings.Index(rest, ": ")
	if colon < 0 && strings.HasSuffix(rest, ":") {
		colon = len(rest) - 1
	}
	if colon < 0 {
		return "", 0, notEntry(col+1, "no process number")
	}
	pid, tid, ok := strings.Cut(rest[1:colon], "#")
	if !ok {
		return "", 0, notEntry(col+1, "no process number")
	}
	if e.PID, err = strconv.Atoi(pid); err != nil || e.PID < 0 {
		return "", 0, notEntry(col+1, "bad process number")
	}
	if e.TID, err = strconv.Atoi(tid); err != nil || e.TID < 0 {
		return "", 0, notEntry(col+1, "bad thread number")
	}
	col += min(colon+2, len(rest))
	rest = rest[min(colon+2, len(rest)):]
	if strings.HasPrefix(rest, "*") {
		sp := strings.IndexByte(rest, ' ')
		num := rest[1:]
		if sp >= 0 {
			num = rest[1:sp]
		}
		if n, err := strconv.ParseInt(num, 10, 64); err == nil && n >= 0 {
			e.Conn = n
			if sp < 0 {
				return "", col + len(rest), nil
			}
			col += sp + 1
			rest = rest[sp+1:]
		}
	}
	return rest, col, nil
}

func knownLevel(s string) bool {
	switch s {
	case "debug", "info", "notice", "warn", "error", "crit", "alert", "emerg":
		return true
	}
	return false
}

// splitContext cuts the request context (", client: ...") off the message.
func splitContext(rest string) (msg, ctx string, ok bool) {
	i := strings.Index(rest, ", client: ")
	if i < 0 {
		return rest, "", false
	}
	return rest[:i], rest[i:], true
}

// quotedKeys are the quoted fields of the request context, in the order
// nginx writes them (ngx_http_log_error_handler).
var quotedKeys = []string{"request", "subrequest", "upstream", "host", "referrer"}

// context reads ", client: C, server: S" and the quoted fields after it.
// col is the 0-based column of ctx in the line; it returns the column of
// the request line.
func (e *Entry) context(ctx string, col int) (int, error) {
	reqCol := 0
	rest := strings.TrimPrefix(ctx, ", client: ")
	col += len(ctx) - len(rest)
	cut := strings.Index(rest, ", server: ")
	if cut < 0 {
		if strings.Contains(rest, ", ") {
			return 0, &Error{Col: col + 1, Msg: "client: without server:"}
		}
		// cut short right after the client address
		e.Client, e.Cut = rest, "client"
		return 0, nil
	}
	e.Client = rest[:cut]
	if e.Client == "" || strings.ContainsAny(e.Client, " \"") {
		return 0, &Error{Col: col + 1, Msg: fmt.Sprintf("bad client address %q", e.Client)}
	}
	col += cut + len(", server: ")
	rest = rest[cut+len(", server: "):]
	next := nextKey(rest, 0)
	e.Server = rest[:next]
	col += next
	rest = rest[next:]
	k := 0
	for rest != "" {
		key := ""
		for ; k < len(quotedKeys); k++ {
			if strings.HasPrefix(rest, ", "+quotedKeys[k]+": \"") {
				key = quotedKeys[k]
				break
			}
		}
		if key == "" {
			return 0, &Error{Col: col + 1, Msg: fmt.Sprintf("unexpected %q after the request context", clip(rest))}
		}
		skip := len(", " + key + `: "`)
		rest = rest[skip:]
		col += skip
		end, closed := valueEnd(rest, k+1)
		val := rest[:end]
		if !closed {
			e.Cut = key
		}
		switch key {
		case "request":
			e.Request, e.HasRequest, reqCol = val, true, col
		case "subrequest":
			e.Subrequest = val
		case "upstream":
			e.Upstream = val
		case "host":
			e.Host = val
		case "referrer":
			e.Referrer = val
		}
		if !closed {
			return reqCol, nil
		}
		col += end + 1
		rest = rest[end+1:]
		k++
	}
	return reqCol, nil
}

// nextKey returns where the next quoted field (of index >= from) starts in
// s, or len(s).
func nextKey(s string, from int) int {
	best := len(s)
	for _, k := range quotedKeys[from:] {
		if i := strings.Index(s, ", "+k+`: "`); i >= 0 && i < best {
			best = i
		}
	}
	return best
}

// valueEnd returns the end of a quoted value (the index of its closing
// quote) that is followed by a field of index >= from or by the end of the
// line. closed is false when the line ends without the closing quote.
func valueEnd(s string, from int) (int, bool) {
	// The value is raw: it may hold quotes, so its end is the first quote
	// followed by a later field, or the last quote of the line.
	best := -1
	for _, k := range quotedKeys[min(from, len(quotedKeys)):] {
		if i := strings.Index(s, `", `+k+`: "`); i >= 0 && (best < 0 || i < best) {
			best = i
		}
	}
	if best >= 0 {
		return best, true
	}
	if strings.HasSuffix(s, `"`) {
		return len(s) - 1, true
	}
	return len(s), false
}

// requestLine splits the request line into method, target and protocol.
func (e *Entry) requestLine() error {
	r := e.Request
	method, rest, ok := strings.Cut(r, " ")
	if method == "" {
		return errors.New("empty request line")
	}
	for i := 0; i < len(method); i++ {
		c := method[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_' || c == '-') {
			return fmt.Errorf("bad method in request line %q", clip(r))
		}
	}
	if !ok || rest == "" {
		if e.Cut == "request" {
			return fmt.Errorf("request line %q cut short before its target", clip(r))
		}
		return fmt.Errorf("request line %q has no target", clip(r))
	}
	uri := rest
	if i := strings.LastIndexByte(rest, ' '); i >= 0 && strings.HasPrefix(rest[i+1:], "HTTP/") {
		uri, e.Protocol = rest[:i], rest[i+1:]
	} else if e.Cut == "request" {
		// The target may be cut short too: it cannot be trusted.
		return fmt.Errorf("request line %q cut short", clip(r))
	}
	if uri == "" {
		return fmt.Errorf("request line %q has no target", clip(r))
	}
	e.Method, e.URI = method, uri
	return nil
}

// classify recognizes the messages of Kind in e.Message.
func (e *Entry) classify() {
	m := e.Message
	switch {
	case m == "access forbidden by rule":
		e.Kind = KindAccessRule
		return
	case strings.HasPrefix(m, `directory index of "`) && strings.HasSuffix(m, `" is forbidden`):
		e.Kind = KindDirIndex
		e.Path = m[len(`directory index of "`) : len(m)-len(`" is forbidden`)]
		return
	}
	for _, f := range []struct {
		prefix string
		kind   Kind
	}{{"open() \"", KindOpen}, {"openat() \"", KindOpenat}, {"opendir() \"", KindOpendir}, {"stat() \"", KindStat}} {
		if !strings.HasPrefix(m, f.prefix) {
			continue
		}
		body := m[len(f.prefix):]
		i := strings.LastIndex(body, `" failed (`)
		if i < 0 {
			return
		}
		if errno, text, ok := parseErrno(body[i+len(`" failed `):]); ok {
			e.Kind, e.Path, e.Errno, e.Err = f.kind, body[:i], errno, text
		}
		return
	}
	if strings.HasPrefix(m, `"`) {
		for _, f := range []struct {
			infix string
			kind  Kind
		}{{`" is forbidden `, KindForbidden}, {`" is not found `, KindNotFound}} {
			i := strings.LastIndex(m, f.infix)
			if i < 1 {
				continue
			}
			if errno, text, ok := parseErrno(m[i+len(f.infix):]); ok {
				e.Kind, e.Path, e.Errno, e.Err = f.kind, m[1:i], errno, text
			}
			return
		}
	}
}

// parseErrno reads "(13: Permission denied)" optionally followed by
// " while ...".
func parseErrno(s string) (int, string, bool) {
	if !strings.HasPrefix(s, "(") {
		return 0, "", false
	}
	end := strings.IndexByte(s, ')')
	if end < 0 {
		return 0, "", false
	}
	num, text, ok := strings.Cut(s[1:end], ": ")
	if !ok {
		return 0, "", false
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 {
		return 0, "", false
	}
	if tail := s[end+1:]; tail != "" && !strings.HasPrefix(tail, " while ") {
		return 0, "", false
	}
	return n, text, true
}

// clip shortens s for messages.
func clip(s string) string {
	const limit = 60
	if len(s) <= limit {
		return s
	}
	return s[:limit] + "..."
}
