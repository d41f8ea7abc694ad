// Package apache parses Apache httpd 2.4 configuration files (httpd.conf,
// the files it includes, and .htaccess files) into a tree of directives
// that keeps the exact byte offsets and lines of everything, so that rules
// can point at a directive and fixes can edit its original bytes.
//
// Parse reads one file's syntax as httpd's ap_build_config does
// (server/config.c, server/util.c): logical lines joined by backslash
// continuations, words split and unquoted as ap_getword_conf splits them,
// "#" comments at the start of a line, and sections "<Name args>" closed by
// "</Name>". Load reads a whole server from its main file: ServerRoot,
// Include and IncludeOptional, Define and ${VAR}, <IfDefine> and
// <IfModule>.
//
// Files are read only through parser/fsmeta, so the --root view works;
// errors are parser.ErrorList values of "file:line: message" naming files
// as the server sees them.
package apache

import (
	"bytes"
	"slices"
	"strings"
	"sync"

	"github.com/unforbid/unforbid/parser"
)

// MaxFileSize is the largest config file Parse accepts, in bytes.
const MaxFileSize = 16 << 20

// Span is the byte range [Start, End) of a piece of a file as written.
type Span struct {
	Start, End int
}

// Directive is one node of a parsed file: a directive, a section with its
// children, or a comment.
type Directive struct {
	// Name is the directive's name as written, without the "<" of a
	// section; "" for a comment. Compare it with Is.
	Name string
	// Args are the arguments with quotes removed and backslash escapes
	// resolved as ap_getword_conf resolves them. For a section they are
	// the words before the closing ">" of its opening tag. ${VAR} is not
	// substituted here (see Load).
	Args []string
	// ArgSpans are the byte spans of each argument as written, quotes
	// included; len(ArgSpans) == len(Args).
	ArgSpans []Span
	// Range spans the directive: from its first byte to the end of its
	// logical line, or, for a section, to the end of its closing tag's
	// line. Its Start.Line is the first line of a continued line.
	Range parser.Range
	// Section is true for a "<Name ...>" section, whose children are in
	// Block.
	Section bool
	// Block holds a section's children in order, comments included.
	Block []*Directive
	// OpenEnd is the offset just after the opening tag's logical line
	// (its last non-blank byte) of a section; CloseStart is the offset of
	// the "<" of its closing tag "</Name>", and CloseEnd the offset just
	// after that tag's line. All three are 0 for other nodes.
	OpenEnd, CloseStart, CloseEnd int
	// MissingGT is true for a section whose opening tag has arguments
	// but no closing ">". httpd refuses it only when it reads the
	// section (its handler checks), not inside a section it skips, so
	// Parse leaves it to Load, which reports it for the sections it
	// keeps ("<Directory> directive missing closing '>'").
	MissingGT bool
	// Unclosed is true for an <IfModule>, <IfDefine> or <IfFile> left
	// open at the end of its file, outside every other section: its
	// Block runs to the end of the file. httpd accepts it when it keeps
	// the section and refuses it ("Expected </IfModule> before end of
	// configuration") when it skips it; Load does the same.
	Unclosed bool
	// Comment is true for a comment line; Text is then the text after
	// "#" as written (continuations joined), without the final newline.
	Comment bool
	Text    string

	// raw is the logical line after the name (for a section, up to the
	// last ">"), as httpd substitutes ${VAR} in it before splitting.
	raw []byte
	// rawStart is the index in raw where the arguments start.
	rawStart int
}

// Is reports whether the directive is named name, ignoring case as httpd
// does.
func (d *Directive) Is(name string) bool {
	return !d.Comment && len(d.Name) == len(name) && asciiEqualFold(d.Name, name)
}

// asciiEqualFold is strings.EqualFold for ASCII letters only, as httpd
// compares directive names (ap_cstr_casecmp): a name must have the
// length asked for, and no Unicode folding (the Kelvin sign is no k).
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		ca, cb := a[i], b[i]
		if ca == cb {
			continue
		}
		if 'A' <= ca && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if 'A' <= cb && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			return false
		}
	}
	return true
}

// File is one parsed config file.
type File struct {
	// Name is the file as the server sees it.
	Name string
	// Src is the file's contents, the text every offset points into.
	Src []byte
	// Directives are the top-level nodes in order.
	Directives []*Directive
}

// isSpace is C's isspace, as apr_isspace.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// logicalLine is one line as ap_cfg_getline returns it: physical lines
// joined at backslash-newline. text is a slice of the source when the line
// has no continuation; otherwise a copy, and segs maps it back.
type logicalLine struct {
	text []byte
	base int   // file offset of text[0] when segs is nil
	segs []seg // the pieces of a continued line, in order
	line int   // first physical line
}

// seg is one physical piece of a continued logical line: it starts at
// index at of the text, at file offset off, on physical line line.
type seg struct {
	at, off, line int
}

// offset returns the file offset of text[i].
func (ll *logicalLine) offset(i int) int {
	if ll.segs == nil {
		return ll.base + i
	}
	k := ll.find(i)
	return ll.segs[k].off + i - ll.segs[k].at
}

// lineAt returns the physical line of text[i].
func (ll *logicalLine) lineAt(i int) int {
	if ll.segs == nil {
		return ll.line
	}
	return ll.segs[ll.find(i)].line
}

// find returns the index of the segment holding text[i].
func (ll *logicalLine) find(i int) int {
	k := 0
	for k+1 < len(ll.segs) && ll.segs[k+1].at <= i {
		k++
	}
	return k
}

// readLinesTo splits src into logical lines as ap_cfg_getline does: a line
// ends at LF (a CR before it is dropped); a backslash right before the
// line end joins the next line in its place, leading blanks included.
// Leading and trailing whitespace is trimmed.
// The lines are appended to out[:0] (a slice of linesPool's).
func readLinesTo(out []logicalLine, src []byte) []logicalLine {
	// one logical line at most per physical line
	out = slices.Grow(out[:0], bytes.Count(src, []byte("\n"))+1)
	line := 1
	i := 0
	for i < len(src) {
		ll := logicalLine{line: line, base: i}
		for {
			// One physical line from i.
			j := i
			if k := bytes.IndexByte(src[i:], '\n'); k >= 0 {
				j = i + k
			} else {
				j = len(src)
			}
			end := j
			if j < len(src) && end > i && src[end-1] == '\r' {
				end--
			}
			cont := j < len(src) && end > i && src[end-1] == '\\'
			if cont {
				end--
			}
			if cont || ll.segs != nil {
				ll.segs = append(ll.segs, seg{at: len(ll.text), off: i, line: line})
				ll.text = append(ll.text, src[i:end]...)
			} else {
				ll.text = src[i:end:end]
			}
			if j < len(src) {
				j++ // the LF
				line++
			}
			i = j
			if !cont || i >= len(src) {
				break
			}
		}
		// Trim as ap_cfg_getline does.
		s, e := 0, len(ll.text)
		for s < e && isSpace(ll.text[s]) {
			s++
		}
		for e > s && isSpace(ll.text[e-1]) {
			e--
		}
		if ll.segs == nil {
			ll.base += s
		} else {
			for k := range ll.segs {
				ll.segs[k].at -= s
			}
		}
		ll.text = ll.text[s:e]
		if len(ll.text) > 0 {
			ll.line = ll.lineAt(0)
		}
		out = append(out, ll)
	}
	return out
}

// word is one word of a logical line: its value, and its index range
// [start, end) in the line's text as written.
type word struct {
	val        string
	start, end int
}

// getword is ap_getword_conf: it returns the word starting at or after
// text[i] and the index where the next word starts.
func getword(text []byte, i int) (word, int) {
	return getwordIn(text, "", i)
}

// getwordIn is getword with str, when not "", holding text as a string:
// a word without a backslash is then a substring of it, not a copy.
func getwordIn(text []byte, str string, i int) (word, int) {
	for i < len(text) && isSpace(text[i]) {
		i++
	}
	start := i
	var w word
	if i < len(text) && (text[i] == '"' || text[i] == '\'') {
		quote := text[i]
		e := i + 1
		for e < len(text) && text[e] != quote {
			if text[e] == '\\' && e+1 < len(text) && (text[e+1] == quote || text[e+1] == '\\') {
				e += 2
			} else {
				e++
			}
		}
		if e > len(text) {
			e = len(text)
		}
		w.val = substringIn(text, str, i+1, e, quote)
		if e < len(text) && text[e] == quote {
			e++
		}
		i = e
	} else {
		e := i
		for e < len(text) && !isSpace(text[e]) {
			e++
		}
		w.val = substringIn(text, str, i, e, 0)
		i = e
	}
	w.start, w.end = start, i
	for i < len(text) && isSpace(text[i]) {
		i++
	}
	return w, i
}

// substringIn is substringConf(text[i:e], quote), a substring of str
// (text as a string, or "") when it has no backslash.
func substringIn(text []byte, str string, i, e int, quote byte) string {
	if str != "" && bytes.IndexByte(text[i:e], '\\') < 0 {
		return str[i:e]
	}
	return substringConf(text[i:e], quote)
}

// substringConf is util.c's substring_conf: a backslash before another
// backslash, or before the quote inside a quoted word, is dropped.
func substringConf(b []byte, quote byte) string {
	var sb strings.Builder
	sb.Grow(len(b))
	for i := 0; i < len(b); i++ {
		if b[i] == '\\' && i+1 < len(b) && (b[i+1] == '\\' || (quote != 0 && b[i+1] == quote)) {
			i++
		}
		sb.WriteByte(b[i])
	}
	return sb.String()
}

// words splits text[i:] into words.
func words(text []byte, i int) []word {
	return appendWords(nil, text, "", i)
}

// appendWords appends the words of text[i:] to ws; str is text as a
// string, or "" (see getwordIn).
func appendWords(ws []word, text []byte, str string, i int) []word {
	for i < len(text) {
		w, next := getwordIn(text, str, i)
		if w.end == w.start && next == i {
			break
		}
		ws = append(ws, w)
		i = next
	}
	return ws
}

// Parse parses one config file's syntax. file names it as the server sees
// it, for positions and messages. It returns the tree, and a
// parser.ErrorList when the file is refused: a NUL byte, a file over
// MaxFileSize, a stray or mismatched closing tag, a closing tag without
// its ">", or a section left open. (An opening tag without its ">" is
// marked MissingGT, not refused: see Directive.MissingGT.) The tree returned with an error holds what was
// read before it.
func Parse(file string, src []byte) (*File, error) {
	f := &File{Name: file, Src: src}
	var errs parser.ErrorList
	if len(src) > MaxFileSize {
		errs.Add(parser.Errorf(file, 0, "file too large (%d bytes, limit %d)", len(src), MaxFileSize))
		return f, errs
	}
	if i := bytes.IndexByte(src, 0); i >= 0 {
		errs.Add(parser.Errorf(file, 1+bytes.Count(src[:i], []byte("\n")), "NUL byte in config file"))
		return f, errs
	}
	type open struct {
		d      *Directive
		parent *[]*Directive
	}
	var stack []open
	cur := &f.Directives
	// The lines are read into a slice of lines of files parsed before:
	// nothing Parse returns refers to it (a continued line's text is a
	// copy of its own).
	lb := linesPool.Get().(*[]logicalLine)
	lines := readLinesTo(*lb, src)
	defer func() {
		if cap(lines) <= maxPooledLines {
			clear(lines) // nothing of src is kept
			*lb = lines[:0]
			linesPool.Put(lb)
		}
	}()
	// The file's directives are allocated together, and their
	// arguments and spans in a few arrays (each directive's clipped):
	// a large configuration is thousands of small files.
	var a fileAlloc
	nd, na := countDirectives(lines)
	a.dirs = make([]Directive, 0, nd)
	a.strs, a.spans = make([]string, 0, na), make([]Span, 0, na)
	var ws []word
	for _, ll := range lines {
		if len(ll.text) == 0 {
			continue
		}
		rng := parser.Range{
			File:  file,
			Start: parser.Pos{Line: ll.line, Offset: ll.offset(0)},
			End:   parser.Pos{Line: ll.lineAt(len(ll.text) - 1), Offset: ll.offset(len(ll.text)-1) + 1},
		}
		if ll.text[0] == '#' {
			d := a.directive()
			d.Comment, d.Text, d.Range = true, string(ll.text[1:]), rng
			*cur = append(*cur, d)
			continue
		}
		str := string(ll.text)
		name, next := getwordIn(ll.text, str, 0)
		cmd := name.val
		if cmd == "" {
			continue // an empty quoted name: httpd ignores the line
		}
		span := func(w word) Span {
			if w.end <= w.start {
				return Span{Start: ll.offset(w.start), End: ll.offset(w.start)}
			}
			return Span{Start: ll.offset(w.start), End: ll.offset(w.end-1) + 1}
		}
		if len(cmd) >= 2 && cmd[0] == '<' && cmd[1] == '/' {
			// A closing tag.
			if len(stack) == 0 {
				errs.Add(parser.Errorf(file, ll.line, "%s without matching <%s section", cmd, cmd[2:]))
				return f, errs
			}
			if cmd[len(cmd)-1] != '>' {
				errs.Add(parser.Errorf(file, ll.line, "%s> directive missing closing '>'", cmd))
				return f, errs
			}
			top := stack[len(stack)-1]
			if !strings.EqualFold(cmd[2:len(cmd)-1], top.d.Name) {
				errs.Add(parser.Errorf(file, ll.line, "Expected </%s> but saw %s", top.d.Name, cmd))
				return f, errs
			}
			top.d.CloseStart = ll.offset(name.start)
			top.d.CloseEnd = rng.End.Offset
			top.d.Range.End = rng.End
			stack = stack[:len(stack)-1]
			cur = top.parent
			continue
		}
		d := a.directive()
		d.Range = rng
		if cmd[len(cmd)-1] == '>' {
			cmd = cmd[:len(cmd)-1]
		}
		if cmd != "" && cmd[0] == '<' {
			d.Section = true
			d.Name = cmd[1:]
			// The arguments end at the last ">" of the line, as every
			// section handler finds it; a tag "<Name>" has none.
			argText := ll.text[:0:0]
			if next < len(ll.text) {
				gt := bytes.LastIndexByte(ll.text[next:], '>')
				if gt < 0 {
					d.MissingGT = true
					gt = len(ll.text) - next
				}
				argText = ll.text[:next+gt]
			}
			d.raw, d.rawStart = argText, next
			if len(argText) > next {
				ws = appendWords(ws[:0], argText, str[:len(argText)], next)
				d.Args, d.ArgSpans = a.args(len(ws))
				for i, w := range ws {
					d.Args[i], d.ArgSpans[i] = w.val, span(w)
				}
			}
			d.OpenEnd = rng.End.Offset
			*cur = append(*cur, d)
			stack = append(stack, open{d: d, parent: cur})
			cur = &d.Block
			continue
		}
		d.Name = cmd
		d.raw, d.rawStart = ll.text, next
		ws = appendWords(ws[:0], ll.text, str, next)
		d.Args, d.ArgSpans = a.args(len(ws))
		for i, w := range ws {
			d.Args[i], d.ArgSpans[i] = w.val, span(w)
		}
		*cur = append(*cur, d)
	}
	if len(stack) > 0 && (stack[0].d.Is("IfModule") || stack[0].d.Is("IfDefine") || stack[0].d.Is("IfFile")) {
		// httpd reads a conditional section it keeps to the end of the
		// file without complaint, whatever it holds; Load decides.
		stack[0].d.Unclosed = true
		stack = nil
	}
	for i := len(stack) - 1; i >= 0; i-- {
		d := stack[i].d
		errs.Add(parser.Errorf(file, d.Range.Start.Line, "<%s> was not closed.", d.Name))
	}
	if len(errs) > 0 {
		return f, errs
	}
	return f, nil
}

// linesPool holds the slices Parse reads the logical lines of a file
// into: a large configuration is thousands of small files, each read
// once (13 MB of lines for 10,000 virtual hosts).
var linesPool = sync.Pool{New: func() any { return new([]logicalLine) }}

// maxPooledLines is the most lines a slice given back to linesPool holds
// room for.
const maxPooledLines = 4096

// countDirectives counts the lines of a file that may be directives or
// comments (not closing tags), and the blank-separated fields after the
// first of those that are not comments (about their arguments): Parse's
// room for them.
func countDirectives(lines []logicalLine) (dirs, args int) {
	for _, ll := range lines {
		if len(ll.text) == 0 || bytes.HasPrefix(ll.text, []byte("</")) {
			continue
		}
		dirs++
		if ll.text[0] == '#' {
			continue
		}
		for i := 1; i < len(ll.text); i++ {
			if isSpace(ll.text[i-1]) && !isSpace(ll.text[i]) {
				args++
			}
		}
	}
	return dirs, args
}

// fileAlloc allocates the nodes of one file together.
type fileAlloc struct {
	dirs  []Directive
	strs  []string
	spans []Span
}

// directive returns a new, zero Directive.
func (a *fileAlloc) directive() *Directive {
	if len(a.dirs) == cap(a.dirs) {
		return &Directive{}
	}
	a.dirs = a.dirs[:len(a.dirs)+1]
	return &a.dirs[len(a.dirs)-1]
}

// args returns room for n arguments and their spans, clipped (nil when
// n is 0, as a directive without arguments has).
func (a *fileAlloc) args(n int) ([]string, []Span) {
	if n == 0 {
		return nil, nil
	}
	if len(a.strs)+n > cap(a.strs) {
		size := max(n, 8)
		a.strs, a.spans = make([]string, 0, size), make([]Span, 0, size)
	}
	i, j := len(a.strs), len(a.strs)+n
	a.strs, a.spans = a.strs[:j], a.spans[:j]
	return a.strs[i:j:j], a.spans[i:j:j]
}

// Walk calls fn for every node of ds in order, depth first, a section
// before its children; fn returning false skips a section's children.
func Walk(ds []*Directive, fn func(d *Directive) bool) {
	for _, d := range ds {
		if fn(d) && d.Section {
			Walk(d.Block, fn)
		}
	}
}
