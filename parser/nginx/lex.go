package nginx

import (
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	crossplane "github.com/nginxinc/nginx-go-crossplane"
)

// crossplane reports lines only. To give every directive a byte range, the
// file is scanned a second time by a port of crossplane's lexer (lex.go,
// tokenize) and parser (parse.go, parse) that keeps offsets; the resulting
// statements are then matched one to one with crossplane's. The port follows
// crossplane, quirks included (a word is split at a quote only when the quote
// starts it, "${" swallows up to "}" or a space, CRs are dropped, an escaped
// character stays escaped in the token), so that both see the same
// statements. Any disagreement makes the caller drop the offsets of the file.

// token is one lexical token with its byte span [start, end).
type token struct {
	val        string
	line       int // crossplane's line for the token
	start, end int
	quoted     bool
	lexErr     *lexError // crossplane's lexer fails here
}

// lexError is the error crossplane's lexer reports: its message and line.
type lexError struct {
	msg  string
	line int
}

// lexer states, as in crossplane.
const (
	stSkipSpace = iota
	stWord
	stComment
	stVar
	stQuote
)

// lexTokens splits src into tokens the way crossplane's tokenize does. Where
// crossplane's lexer reports an error, the last token has lexErr set, with crossplane's message and line (the
// parser may stop before it, and then crossplane never sees the error).
func lexTokens(src []byte) []token {
	return lexText(src, string(src), nil)
}

// lexText is lexTokens with the file's text given twice, as bytes and as a
// string of the same content (the loader makes the string share the bytes,
// which nothing modifies: see ownedText), the tokens' values being windows
// of text where they can. The tokens are appended to toks[:0].
func lexText(src []byte, text string, toks []token) []token {
	var (
		buf            []byte
		tokenLine      = 1
		tokenStartLine = 1
		state          = stSkipSpace
		newToken       bool
		dupSpecial     bool
		readNext       = true
		esc            bool
		depth          int
		quote          rune
		pos            int
		tokStart       int
		wEnd           int // end of the last byte given to the token
		escStart       int
		// the current character: rune, whether a backslash precedes it,
		// and its span (the backslash included).
		r              rune
		rEsc           bool
		laStart, laEnd int
	)
	// Most tokens are written as they read: their value is then a window
	// of one copy of the file rather than a string of its own. A token is
	// about six bytes of a config: room for most files in one allocation.
	if need := len(src)/5 + 8; cap(toks) < need {
		toks = make([]token, 0, need)
	}
	toks = toks[:0]
	emit := func(line int, quoted bool, end int) {
		val := ""
		from := tokStart
		if quoted {
			from++ // past the opening quote
		}
		if to := from + len(buf); to <= len(src) && string(src[from:to]) == string(buf) {
			val = text[from:to]
		} else {
			val = string(buf)
		}
		toks = append(toks, token{val: val, line: line, start: tokStart, end: end, quoted: quoted})
		buf = buf[:0]
		state = stSkipSpace
	}
	write := func() {
		if rEsc {
			buf = append(buf, '\\')
		}
		buf = utf8.AppendRune(buf, r)
		wEnd = laEnd
	}
	for {
		if readNext {
			if pos >= len(src) {
				break
			}
			var size int
			if c := src[pos]; c < utf8.RuneSelf {
				r, size = rune(c), 1
			} else {
				r, size = utf8.DecodeRune(src[pos:])
			}
			rEsc = false
			laStart, laEnd = pos, pos+size
			pos += size
			if r == '\n' {
				tokenLine++
			}
		} else {
			readNext = true
		}
		if r == '\r' && !rEsc {
			continue
		}
		if r == '\\' && !rEsc && !esc {
			esc = true
			escStart = laStart
			continue
		}
		if esc {
			esc = false
			rEsc = true
			laStart = escStart
		}
		space := !rEsc && unicode.IsSpace(r)
		// pr is the character when no backslash precedes it, else -1:
		// pr == c tests for a plain c.
		pr := r
		if rEsc {
			pr = -1
		}

		switch state {
		case stSkipSpace:
			if !space {
				state = stWord
				newToken = true
				readNext = false
				tokenStartLine = tokenLine
				tokStart = laStart
			}
			continue
		case stWord:
			if newToken {
				newToken = false
				if pr == '#' {
					write()
					state = stComment
					tokenStartLine = tokenLine
					continue
				}
			}
			if space {
				emit(tokenStartLine, false, wEnd)
				continue
			}
			if len(buf) > 0 && buf[len(buf)-1] == '$' && pr == '{' {
				write()
				state = stVar
				dupSpecial = false
				continue
			}
			if pr == '"' || pr == '\'' {
				if len(buf) > 0 {
					write()
				} else {
					quote = r
					state = stQuote
					tokenStartLine = tokenLine
					tokStart = laStart
				}
				dupSpecial = false
				continue
			}
			if pr == '{' || pr == '}' || pr == ';' {
				if len(buf) > 0 {
					emit(tokenStartLine, false, wEnd)
				}
				if dupSpecial && r != '}' {
					return append(toks, token{line: tokenStartLine, lexErr: &lexError{`unexpected "` + string(r) + `"`, tokenLine}})
				}
				dupSpecial = true
				if r == '{' {
					depth++
				}
				if r == '}' {
					depth--
					if depth < 0 {
						return append(toks, token{line: tokenStartLine, lexErr: &lexError{`unexpected "}"`, tokenLine}})
					}
				}
				tokStart = laStart
				write()
				emit(tokenStartLine, false, laEnd)
				continue
			}
			dupSpecial = false
			write()
			if end := plainRun(src, pos, &wordBytes); end > pos {
				// what the loop would write a character at a time
				buf = append(buf, src[pos:end]...)
				pos, wEnd = end, end
			}
		case stComment:
			if r == '\n' { // crossplane's isEOL also ends it at an escaped newline
				emit(tokenStartLine, false, wEnd)
				continue
			}
			write()
			if end := plainRun(src, pos, &commentBytes); end > pos {
				buf = append(buf, src[pos:end]...)
				pos, wEnd = end, end
			}
		case stVar:
			write()
			if buf[len(buf)-1] != '}' && !space {
				continue
			}
			state = stWord
		case stQuote:
			if pr == quote {
				wEnd = laEnd
				emit(tokenStartLine, true, laEnd)
				continue
			}
			if rEsc && r == quote {
				rEsc = false // crossplane unescapes the quote itself
				write()
				continue
			}
			write()
		}
	}
	if len(buf) > 0 {
		emit(tokenStartLine, state == stQuote, wEnd)
	}
	if depth > 0 {
		toks = append(toks, token{line: tokenStartLine, lexErr: &lexError{`unexpected end of file, expecting "}"`, tokenLine}})
	}
	return toks
}

// wordBytes and commentBytes are the bytes that a word, or a comment,
// takes as they are, leaving the lexer's state as it was: ASCII, and
// neither a space, a CR, a backslash nor (for a word) a quote, brace or
// semicolon, nor (for a comment) a newline. lexText takes a run of them
// at once rather than a character at a time.
var wordBytes, commentBytes = plainBytes(" \t\n\v\f\r\\\"'{};"), plainBytes("\n\r\\")

// plainBytes returns the table of the ASCII bytes but the control
// characters and not.
func plainBytes(not string) (t [256]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = !strings.ContainsRune(not, c)
	}
	for _, c := range not {
		t[c] = false
	}
	return t
}

// plainRun returns the end of the run of bytes of table at src[pos:].
func plainRun(src []byte, pos int, table *[256]bool) int {
	for pos < len(src) && table[src[pos]] {
		pos++
	}
	return pos
}

// span is one statement found by the port of crossplane's parser.
type span struct {
	name       string
	line       int // crossplane's line
	start, end int
	comment    bool
	isBlock    bool
	block      []*span
	// args are the byte spans of the argument tokens as written, a
	// window of the parser's shared slice; open is the offset of a
	// block's '{'.
	args []Span
	open int
	// argAt is the index of the first of args in the parser's slice.
	argAt int
}

// problem is a syntax error that crossplane lets through but nginx rejects,
// at byte offset off.
type problem struct {
	off int
	msg string
}

// mapBodies are crossplane's map-like blocks, whose bodies hold parameters
// rather than directives (analyze_map.go).
var mapBodies = map[string]bool{
	"charset_map": true, "geo": true, "map": true, "match": true, "types": true,
	"split_clients": true, "geoip2": true, "otel_exporter": true,
}

type spanParser struct {
	toks     []token
	i        int
	closeEnd int  // end offset of the "}" that closed the last block
	closed   bool // the last parse call ended at a "}"
	failed   bool // the parser met the lexer's error
	problems []problem
	// args holds the argument spans of every statement, each statement
	// taking a window: one allocation per file rather than one per
	// directive.
	args []Span
	// slab is where statements are taken from (newSpan).
	slab []span
}

// newSpan returns a new statement, taken from a slab.
func (p *spanParser) newSpan() *span {
	if len(p.slab) == 0 {
		p.slab = make([]span, 16)
	}
	s := &p.slab[0]
	p.slab = p.slab[1:]
	return s
}

// parseSpansWith builds statements from toks as crossplane's parse does,
// and lists what nginx would reject besides. ok is false where crossplane
// fails. The statements are taken from the slab of sc when it is not nil:
// they are then valid until sc is reused.
func parseSpansWith(toks []token, sc *scratch) ([]*span, []problem, bool) {
	// Tokens bound the arguments: p.args never grows, so each window
	// stays in the one array. That array is scratch: the spans kept take
	// windows of an exact copy (the directives keep them).
	scratch := argScratch.Get().(*[]Span)
	if cap(*scratch) < len(toks) {
		*scratch = make([]Span, 0, len(toks))
	}
	p := &spanParser{toks: toks, args: (*scratch)[:0]}
	stmts, _ := countStmts(toks)
	if sc != nil {
		p.slab = sc.spanSlab(stmts)
	} else {
		p.slab = make([]span, stmts)
	}
	defer argScratch.Put(scratch)
	out, ok := p.parse("", 0)
	ok = ok && !p.failed
	if ok && p.closed {
		// crossplane stops at a "}" closing nothing and ignores the rest.
		t := toks[p.i-1]
		p.problems = append(p.problems, problem{t.start, `unexpected "}"`})
	}
	if ok {
		rewindow(out, slices.Clone(p.args))
	}
	return out, p.problems, ok
}

// argScratch holds parseSpansWith's scratch slices.
var argScratch = sync.Pool{New: func() any { return new([]Span) }}

// rewindow points the args of spans at the same windows of args, a copy of
// the parser's slice.
func rewindow(spans []*span, args []Span) {
	for _, s := range spans {
		if s.args != nil {
			n := len(s.args)
			s.args = args[s.argAt : s.argAt+n : s.argAt+n]
		}
		rewindow(s.block, args)
	}
}

func (p *spanParser) next() (token, bool) {
	if p.i >= len(p.toks) {
		return token{}, false
	}
	t := p.toks[p.i]
	p.i++
	if t.lexErr != nil {
		p.failed = true
		p.i = len(p.toks)
		return token{}, false
	}
	return t, true
}

func (p *spanParser) parse(ctx string, depth int) ([]*span, bool) {
	var out []*span
	p.closed = false
	if depth > maxDepth {
		return nil, false
	}
	for {
		t, more := p.next()
		if !more {
			return out, true
		}
		if t.val == "}" && !t.quoted {
			p.closeEnd = t.end
			p.closed = true
			return out, true
		}
		s := p.newSpan()
		*s = span{name: t.val, line: t.line, start: t.start}
		if !t.quoted && strings.HasPrefix(t.val, "#") {
			s.comment = true
			s.end = t.end
			out = append(out, s)
			continue
		}
		if !t.quoted && (t.val == "{" || t.val == ";") {
			p.problems = append(p.problems, problem{t.start, `unexpected "` + t.val + `"`})
		}
		var comments []*span
		first := len(p.args)
		for {
			t, more = p.next()
			if !more {
				return nil, false
			}
			if !t.quoted && (t.val == "{" || t.val == ";" || t.val == "}") {
				break
			}
			if !t.quoted && strings.HasPrefix(t.val, "#") {
				comments = append(comments, &span{name: t.val, line: s.line, start: t.start, end: t.end, comment: true})
				continue
			}
			p.args = append(p.args, Span{Start: t.start, End: t.end})
		}
		s.args, s.argAt = p.args[first:len(p.args):len(p.args)], first
		if mapBodies[ctx] {
			if t.val != ";" {
				return nil, false // crossplane reports and drops it
			}
			s.end = t.end
			out = append(out, s) // crossplane drops comments among parameters
			continue
		}
		s.end = t.end
		switch t.val {
		case "{":
			s.isBlock = true
			s.open = t.start
			inner, ok := p.parse(s.name, depth+1)
			if !ok {
				return nil, false
			}
			s.block = inner
			if p.closed {
				s.end = p.closeEnd
				p.closed = false
			} else {
				// crossplane accepts a block cut by the end of the file when
				// a "}" ended a simple directive inside it.
				s.end = p.toks[len(p.toks)-1].end
				p.problems = append(p.problems, problem{s.end - 1, `unexpected end of file, expecting "}"`})
			}
		case "}":
			// nginx: "unexpected "}"" (the directive lacks its ";");
			// crossplane takes the "}" as the terminator.
			p.problems = append(p.problems, problem{t.start, `unexpected "}"`})
		}
		out = append(out, s)
		out = append(out, comments...)
	}
}

// maxDepth bounds block nesting in the port; crossplane recurses without a
// bound, so a deeper file simply keeps no offsets.
const maxDepth = 10000

// matchSpans reports whether crossplane's directives and the port's
// statements agree one to one: same count, lines, names and shape.
func matchSpans(cp crossplane.Directives, sp []*span) bool {
	if len(cp) != len(sp) {
		return false
	}
	for i, c := range cp {
		s := sp[i]
		if c.Line != s.line || c.IsBlock() != s.isBlock {
			return false
		}
		if s.comment {
			if c.Directive != "#" || c.Comment == nil || "#"+*c.Comment != s.name {
				return false
			}
		} else if c.Directive != s.name {
			return false
		}
		if s.isBlock && !matchSpans(c.Block, s.block) {
			return false
		}
	}
	return true
}
