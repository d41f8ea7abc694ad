// Package nginx loads an nginx configuration: the main file and every file
// it includes, read under --root, parsed with crossplane and returned as one
// tree in which each include is followed by the directives of the files it
// names, as nginx itself reads them. Every directive carries its file, line
// and byte range, recovered from the source since crossplane gives lines only.
package nginx

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"unsafe"

	crossplane "github.com/nginxinc/nginx-go-crossplane"

	"github.com/unforbid/unforbid/parser"
	"github.com/unforbid/unforbid/parser/fsmeta"
)

// DefaultMaxFileSize is the size limit of one config file when
// Options.MaxFileSize is zero.
const DefaultMaxFileSize = 64 << 20

// maxDirectives bounds the tree once includes are spliced: a file included
// twice from a file included twice, and so on, grows it exponentially.
const maxDirectives = 2_000_000

// Options configure Load.
type Options struct {
	// Root is the --root directory: every absolute path (main file,
	// includes) is read under it. "" or "/" is the real root.
	Root string
	// MaxFileSize caps each file (DefaultMaxFileSize when zero or less);
	// larger files are an error.
	MaxFileSize int64
	// FS, when set, reads the files instead of a new fsmeta.FS for Root,
	// which is then ignored: a caller can share one FS, and its cache of
	// directories, with the simulator. An FS is a snapshot (see
	// fsmeta.FS.Reset).
	FS *fsmeta.FS
	// Src, when set, gives the content of files by server path, read in
	// place of what the filesystem holds (which must still hold the file):
	// a repair loads a config with its edits applied this way to check
	// them before offering them.
	Src map[string][]byte
	// Cache, when set, keeps what parsing each file gave, for the next
	// Load given the same Cache to parse only the files whose content
	// changed (see Cache).
	Cache *Cache
}

// Config is a loaded nginx configuration.
type Config struct {
	// Main is the server path of the main file, cleaned and absolute.
	Main string
	// Files holds every file read, in the order read (main first).
	Files []*File
	// Dirs are the main file's top-level directives, includes spliced in.
	Dirs []*Directive
	// Unknown lists the directives the checks do not know (third-party
	// modules'), in order of first use: loaded as written, not checked.
	Unknown []Unknown

	byPath map[string]*File
}

// File returns the file read at server path p, or nil.
func (c *Config) File(p string) *File {
	if c == nil {
		return nil
	}
	return c.byPath[p]
}

// File is one config file as read.
type File struct {
	// Path is the file as the server sees it (no --root prefix).
	Path string
	// Src is the file's content. The directives' arguments share its
	// bytes: never modify it.
	Src []byte
}

// Directive is one statement of the configuration, or a comment.
type Directive struct {
	// Name is the directive name ("server", "location"), or "#" for a
	// comment.
	Name string
	// Args are the arguments as crossplane gives them: quotes removed,
	// backslash escapes kept; for "if" the parentheses are stripped.
	Args []string
	// Block holds the directives of a block; it is nil for a simple
	// directive and non-nil, maybe empty, for a block.
	Block []*Directive
	// Comment is the text after '#' when Name is "#".
	Comment string
	// Range is where the directive stands: Start is the first byte of its
	// name (or of the '#'), End is just past its ';', its closing '}', or the
	// end of the comment. Lines are 1-based, End.Line being the line of the
	// last byte. When a file's offsets cannot be recovered, both Offsets are
	// -1 and both Lines are crossplane's line of the directive.
	Range parser.Range
	// Via is, for a directive at the top level of an included file, the
	// include directive that brought it in; nil otherwise.
	Via *Directive
	// ArgSpans are the byte spans of the argument tokens as written in
	// Range.File, quotes and escapes included: what an edit replaces.
	// There is one per token, so for "if", whose parentheses crossplane
	// strips from Args, the count may differ from len(Args). Nil when the
	// file's offsets are unknown (and for a directive without argument).
	// The slice is shared by every copy of an included file's directive:
	// never modify it.
	ArgSpans []Span
	// open is one past the offset of a block's '{' (so that the zero
	// value means unknown), 0 when unknown or not a block.
	open int
}

// Span is a byte span [Start, End) of a config file.
type Span struct{ Start, End int }

// OpenBrace returns the byte offset of the '{' of a block, or -1 when the
// directive is no block or its file's offsets are unknown: an insertion at
// the top of the block goes just after it.
func (d *Directive) OpenBrace() int {
	if d.Block == nil || d.Range.Start.Offset < 0 {
		return -1
	}
	return d.open - 1
}

// CloseBrace returns the byte offset of the '}' that closes a block, or -1
// when the directive is no block or its file's offsets are unknown: an
// insertion at the end of the block goes just before it.
func (d *Directive) CloseBrace() int {
	if d.Block == nil || d.Range.End.Offset <= 0 {
		return -1
	}
	return d.Range.End.Offset - 1
}

// IsBlock reports whether the directive is a block ({...}).
func (d *Directive) IsBlock() bool { return d.Block != nil }

// Load reads the nginx configuration whose main file is the server path
// mainPath. On any problem in the input it returns nil and a sorted
// parser.ErrorList naming files as the server sees them.
func Load(mainPath string, opts Options) (*Config, error) {
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = DefaultMaxFileSize
	}
	fsys := opts.FS
	if fsys == nil {
		fsys = fsmeta.New(opts.Root)
	}
	main := serverPath(mainPath, fsys.Root() == "/")
	l := &loader{
		opts:    opts,
		fs:      fsys,
		mainDir: path.Dir(main),
		files:   map[string]*loaded{},
		seen:    map[string]bool{},
		cfg:     &Config{Main: main, byPath: map[string]*File{}},
	}
	f := l.load(main, nil)
	if f.rerr != nil && !f.rerr.tooLarge {
		l.errorf(main, 0, "%s: %s", f.rerr.op, f.rerr.msg)
	}
	l.stack = []string{main}
	f.spliced = true
	l.cfg.Dirs = l.expand(f.dirs, nil, nil, true)
	for _, pf := range l.pre {
		<-pf.done // left when the expansion stopped early
	}
	if l.tooMany && len(l.errs) == 0 {
		l.errorf(main, 0, "more than %d directives once includes are expanded", maxDirectives)
	}
	// The directives no table knows are listed on another core while the
	// checks run: both only read the tree.
	var unknown chan []Unknown
	if len(l.errs) == 0 {
		unknown = make(chan []Unknown, 1)
		go func() { unknown <- unknowns(l.cfg.Dirs) }()
	}
	// nginx checks these once the configuration reads without error.
	if len(l.errs) == 0 {
		l.checkDuplicates(l.cfg.Dirs, "")
	}
	if len(l.errs) == 0 {
		l.checkEvents()
	}
	if unknown != nil {
		l.cfg.Unknown = <-unknown
	}
	if len(l.errs) > 0 {
		l.errs.Sort()
		return nil, l.errs
	}
	return l.cfg, nil
}

// serverPath makes p absolute and clean. A relative path is taken from the
// working directory on the real root, and from "/" under --root.
func serverPath(p string, realRoot bool) string {
	if !filepath.IsAbs(p) {
		if realRoot {
			if abs, err := filepath.Abs(p); err == nil {
				return abs
			}
		}
		p = "/" + p
	}
	return filepath.Clean(p)
}

// loaded is one file read and parsed, kept to be spliced wherever it is
// included.
type loaded struct {
	path string
	rerr *readErr     // why it could not be read
	dirs []*Directive // template tree, Via unset
	src  []byte       // content, kept to check it in another context
	// checked holds the keys of the contexts the file was checked in.
	checked map[string]bool
	// syntaxLine is the line of the first syntax error, 0 when none.
	syntaxLine int
	// spliced is set once the file's directives stand in the tree: a
	// later splice copies them (expand).
	spliced bool
}

type loader struct {
	opts    Options
	fs      *fsmeta.FS
	mainDir string
	files   map[string]*loaded
	cfg     *Config
	errs    parser.ErrorList
	seen    map[string]bool
	stack   []string // files being spliced, outermost first
	count   int      // directives in the tree so far
	tooMany bool
	ctxKeys map[[2]string]string // enterKey's cache
	pre     map[string]*pending  // files being fetched ahead (prefetch)
}

func (l *loader) errorf(file string, line int, format string, args ...any) {
	e := parser.Errorf(file, line, format, args...)
	key := e.Error()
	if l.seen[key] {
		return
	}
	l.seen[key] = true
	l.errs.Add(e)
}

// load reads and parses the file at server path p once, included in
// context ctx; later calls return the same result, after checking the
// directives in their context when it is a new one.
func (l *loader) load(p string, ctx blockCtx) *loaded {
	if f, ok := l.files[p]; ok {
		if key := ctx.key(); f.src != nil && !f.checked[key] {
			f.checked[key] = true
			r := l.opts.Cache.get(p, key, f.src)
			if r == nil {
				r = &parsed{src: l.cacheSrc(f.src)}
				toks := lexOwned(f.src)
				_, r.syntax, r.checks = parseChecked(p, *toks, ctx)
				freeTokens(toks)
				l.opts.Cache.put(p, key, r)
			}
			l.report(before(r.checks, f.syntaxLine))
		}
		return f
	}
	f := &loaded{path: p, checked: map[string]bool{ctx.key(): true}}
	l.files[p] = f
	r := l.prefetched(p, ctx)
	if r == nil {
		r = l.fetch(p, ctx)
	}
	if r.err != nil {
		rerr := newReadErr(r.err)
		f.rerr = rerr
		if rerr.tooLarge {
			l.errorf(p, 0, "too large (%d bytes, limit %d)", rerr.size, l.opts.MaxFileSize)
		}
		return f
	}
	src := r.src
	file := &File{Path: p, Src: src}
	l.cfg.Files = append(l.cfg.Files, file)
	l.cfg.byPath[p] = file
	if r.parsed == nil {
		i := bytes.IndexByte(src, 0)
		l.errorf(p, 1+bytes.Count(src[:i], []byte{'\n'}), "binary data (NUL byte)")
		return f
	}
	f.src = src
	f.dirs = l.parse(f, r.parsed)
	return f
}

// fetched is what reading and parsing one file gave (fetch).
type fetched struct {
	src    []byte
	err    error   // the read's
	parsed *parsed // nil when not parsed (a read error, a NUL byte)
}

// fetch reads the file at server path p and parses it in context ctx (or
// takes the Cache's result). It changes nothing of the loader but the
// Cache, so that several files are fetched at once (prefetch).
func (l *loader) fetch(p string, ctx blockCtx) *fetched {
	read := l.fs.ReadFileLimit
	if l.opts.Cache != nil {
		// loaded again and again to check fixes: read each file once
		read = l.fs.ReadFileKept
	}
	src, err := read(p, l.opts.MaxFileSize)
	if edited, ok := l.opts.Src[p]; ok && err == nil {
		// the caller's: the loader's own copy is never modified (lexOwned)
		src = bytes.Clone(edited)
	}
	if err != nil {
		return &fetched{err: err}
	}
	if bytes.IndexByte(src, 0) >= 0 {
		return &fetched{src: src}
	}
	key := ctx.key()
	r := l.opts.Cache.get(p, key, src)
	if r == nil || !r.tree {
		r = parseTree(p, src, ctx)
		if l.opts.Cache != nil {
			r.src = l.cacheSrc(src)
			l.opts.Cache.put(p, key, r)
		}
	}
	return &fetched{src: src, parsed: r}
}

// pending is a file being fetched ahead of its turn, in context ctx.
type pending struct {
	ctx  string
	done chan struct{}
	r    *fetched
}

// prefetch fetches, on all cores, the files an include names that are not
// loaded yet, in the include's context ctx: load then takes them in order
// (prefetched), reporting exactly what fetching each in turn would.
func (l *loader) prefetch(names []string, ctx blockCtx) {
	var todo []string
	for _, name := range names {
		if _, ok := l.files[name]; ok || l.pre[name] != nil || slices.Contains(l.stack, name) {
			continue
		}
		todo = append(todo, name)
	}
	if len(todo) < 2 {
		return
	}
	if l.pre == nil {
		l.pre = map[string]*pending{}
	}
	key := ctx.key()
	jobs := make(chan *pendingJob, len(todo))
	for _, name := range todo {
		pf := &pending{ctx: key, done: make(chan struct{})}
		l.pre[name] = pf
		jobs <- &pendingJob{name, pf}
	}
	close(jobs)
	for range min(runtime.GOMAXPROCS(0), len(todo)) {
		go func() {
			for j := range jobs {
				j.pf.r = l.fetch(j.name, ctx)
				close(j.pf.done)
			}
		}()
	}
}

// pendingJob is one file for prefetch's workers.
type pendingJob struct {
	name string
	pf   *pending
}

// prefetched returns the fetch of p started by prefetch in context ctx,
// waiting for it, or nil when there is none (or in another context).
func (l *loader) prefetched(p string, ctx blockCtx) *fetched {
	pf := l.pre[p]
	if pf == nil {
		return nil
	}
	delete(l.pre, p)
	<-pf.done
	if pf.ctx != ctx.key() {
		return nil
	}
	return pf.r
}

func (l *loader) report(errs []*parser.Error) {
	for _, e := range errs {
		l.errorf(e.File, e.Line, "%s", e.Msg)
	}
}

// parse reports what parsing the file gave (fetch), its template tree
// being returned.
func (l *loader) parse(f *loaded, r *parsed) []*Directive {
	p := f.path
	l.report(r.syntax)
	f.syntaxLine = firstLine(r.syntax)
	if r.problem != nil {
		// Like nginx, stop at the first: the rest follow from it.
		l.errorf(p, r.problem.Line, "%s", r.problem.Msg)
		if f.syntaxLine == 0 || r.problem.Line < f.syntaxLine {
			f.syntaxLine = r.problem.Line
		}
	}
	l.report(before(r.checks, f.syntaxLine))
	return r.dirs
}

// parseTree parses the file p (content src) in context ctx: its template
// tree, with byte ranges when they can be recovered, and its errors.
func parseTree(p string, src []byte, ctx blockCtx) *parsed {
	r := &parsed{tree: true}
	tp := lexOwned(src) // the one lexing of the file
	defer freeTokens(tp)
	toks := *tp
	// the statements of both parses are scratch once built
	sc := scratchPool.Get().(*scratch)
	defer sc.release()
	cp, syntax, checks := parseCheckedWith(p, toks, ctx, sc)
	r.syntax, r.checks = syntax, checks
	lines := newLineIndex(src)
	var spans []*span
	if sp, problems, ok := parseSpansWith(toks, sc); ok && matchSpans(cp, sp) {
		spans = sp
		if len(problems) > 0 {
			r.problem = &parser.Error{File: p, Line: lines.line(problems[0].off), Msg: problems[0].msg}
		}
	}
	r.dirs, _ = build(p, cp, spans, lines, make([]Directive, countDirs(cp)))
	return r
}

// cacheSrc returns the content the Cache keeps, or nil without a Cache:
// src itself, which is the loader's own copy (fetch clones what
// Options.Src gives) and is never modified.
func (l *loader) cacheSrc(src []byte) []byte {
	if l.opts.Cache == nil {
		return nil
	}
	return src
}

// lexOwned lexes src, a file's content that the loader owns and that
// nothing modifies (File.Src), the tokens' values being windows of src
// itself rather than of a copy of it: the directives' arguments keep the
// file's one copy alive. The tokens come from a pool: give them back with
// freeTokens once parsed (the values stay valid).
func lexOwned(src []byte) *[]token {
	tp := tokenPool.Get().(*[]token)
	*tp = lexText(src, unsafe.String(unsafe.SliceData(src), len(src)), *tp)
	return tp
}

// tokenPool holds the token slices of lexOwned: tokens are scratch once a
// file is parsed.
var tokenPool = sync.Pool{New: func() any { return new([]token) }}

// maxPooledTokens bounds the slices kept in tokenPool.
const maxPooledTokens = 1 << 16

// freeTokens gives a slice of lexOwned back to the pool, cleared so that
// it keeps no file alive.
func freeTokens(tp *[]token) {
	if cap(*tp) > maxPooledTokens {
		return
	}
	clear(*tp)
	*tp = (*tp)[:0]
	tokenPool.Put(tp)
}

// firstLine returns the first line of errs, 0 when none has a line.
func firstLine(errs []*parser.Error) int {
	first := 0
	for _, e := range errs {
		if e.Line > 0 && (first == 0 || e.Line < first) {
			first = e.Line
		}
	}
	return first
}

// before returns the errors of errs before line stop (all when stop is 0):
// from a syntax error on, crossplane's checks see a misread file.
func before(errs []*parser.Error, stop int) []*parser.Error {
	if stop == 0 {
		return errs
	}
	var out []*parser.Error
	for _, e := range errs {
		if e.Line < stop {
			out = append(out, e)
		}
	}
	return out
}

var inFileLine = regexp.MustCompile(` in \S+:\d+$`)

// convertError rewrites crossplane's "what in file:line" as file:line: what.
func convertError(p string, err error) *parser.Error {
	e := &parser.Error{File: p}
	var pe *crossplane.ParseError
	if errors.As(err, &pe) {
		if pe.Line != nil {
			e.Line = *pe.Line
		}
		e.Msg = pe.What
		switch {
		case pe.What == crossplane.ErrPrematureLexEnd.Error():
			e.Msg = `unexpected end of file, expecting ";" or "}"`
		case pe.What == "invalid number of parameters" && pe.BlockCtx != "":
			e.Msg = fmt.Sprintf("invalid number of parameters in %q block", pe.BlockCtx)
		}
	} else {
		e.Msg = err.Error()
	}
	e.Msg = inFileLine.ReplaceAllString(e.Msg, "")
	if e.Msg == "" {
		e.Msg = "syntax error"
	}
	return e
}

// build turns crossplane's directives into the template tree of a file,
// with ranges from the matching spans when there are any.
// The directives are taken in turn from store, which holds room for all
// of the file's (countDirs): one allocation per file. build returns what
// it left of store.
func build(p string, cp crossplane.Directives, spans []*span, lines lineIndex, store []Directive) ([]*Directive, []Directive) {
	out := make([]*Directive, len(cp))
	for i, c := range cp {
		d := &store[0]
		store = store[1:]
		*d = Directive{Name: c.Directive, Args: c.Args}
		if c.Comment != nil {
			d.Comment = *c.Comment
		}
		var sub []*span
		if spans != nil {
			s := spans[i]
			sub = s.block
			if sub == nil {
				sub = []*span{}
			}
			d.Range = parser.Range{File: p,
				Start: parser.Pos{Line: lines.line(s.start), Offset: s.start},
				End:   parser.Pos{Line: lines.line(max(s.end-1, s.start)), Offset: s.end}}
			if len(s.args) > 0 {
				d.ArgSpans = s.args
			}
			if s.isBlock {
				d.open = s.open + 1
			}
		} else {
			d.Range = parser.Range{File: p,
				Start: parser.Pos{Line: c.Line, Offset: -1},
				End:   parser.Pos{Line: c.Line, Offset: -1}}
		}
		if c.Block != nil {
			d.Block, store = build(p, c.Block, sub, lines, store)
		}
		out[i] = d
	}
	return out, store
}

// countDirs returns the number of directives of a tree, nested ones
// included.
func countDirs(cp crossplane.Directives) int {
	n := len(cp)
	for _, c := range cp {
		n += countDirs(c.Block)
	}
	return n
}

// expand copies a template list for one place in the tree, setting Via on
// its members and splicing in the files that includes name; ctx is the
// context of the list. With share (the first splice of a file: its
// template then stands nowhere else in the tree), what needs no change is
// taken as it is rather than copied: a directive without Via to set whose
// block, if any, includes nothing, and the arguments of every directive.
// Nothing modifies a loaded tree, so the Config and the Cache may share it.
func (l *loader) expand(tmpl []*Directive, via *Directive, ctx blockCtx, share bool) []*Directive {
	out := make([]*Directive, 0, len(tmpl))
	for _, t := range tmpl {
		if l.count >= maxDirectives {
			l.tooMany = true
			return out
		}
		if share && via == nil && t.Name != "include" {
			// the count as copying would make it, stopping at the same place
			if n, plain := plainSize(t.Block); plain && l.count+1+n <= maxDirectives {
				l.count += 1 + n
				out = append(out, t)
				continue
			}
		}
		l.count++
		d := &Directive{Name: t.Name, Args: t.Args, Comment: t.Comment, Range: t.Range, Via: via, ArgSpans: t.ArgSpans, open: t.open}
		if !share {
			d.Args = slices.Clone(t.Args)
		}
		if t.Block != nil {
			d.Block = l.expand(t.Block, nil, ctx.enter(t.Name), share)
		}
		out = append(out, d)
		if d.Name == "include" {
			out = append(out, l.include(d, ctx)...)
		}
	}
	return out
}

// plainSize returns the number of directives of a block, nested ones
// included, and whether none of them is an include.
func plainSize(block []*Directive) (int, bool) {
	n := len(block)
	for _, d := range block {
		if d.Name == "include" {
			return 0, false
		}
		if d.Block != nil {
			m, ok := plainSize(d.Block)
			if !ok {
				return 0, false
			}
			n += m
		}
	}
	return n, true
}

// include returns the directives of the files an include directive names,
// each file's top-level directives pointing back at it; ctx is the
// context of the include.
func (l *loader) include(inc *Directive, ctx blockCtx) []*Directive {
	file, line := inc.Range.File, inc.Range.Start.Line
	if inc.Block != nil {
		l.errorf(file, line, `directive "include" is not terminated by ";"`)
		return nil
	}
	if len(inc.Args) != 1 {
		l.errorf(file, line, `invalid number of arguments in "include" directive`)
		return nil
	}
	pattern := inc.Args[0]
	if pattern == "" {
		l.errorf(file, line, `invalid number of arguments in "include" directive`)
		return nil
	}
	if !path.IsAbs(pattern) {
		pattern = path.Join(l.mainDir, pattern)
	}
	pattern = path.Clean(pattern)
	names := []string{pattern}
	if hasMagic(pattern) {
		names = l.fs.GlobLenient(pattern)
		l.prefetch(names, ctx)
	}
	var out []*Directive
	for _, name := range names {
		if i := slices.Index(l.stack, name); i >= 0 {
			cycle := append(slices.Clone(l.stack[i:]), name)
			l.errorf(file, line, "include cycle: %s", strings.Join(cycle, " -> "))
			continue
		}
		f := l.load(name, ctx)
		if f.rerr != nil {
			if !f.rerr.tooLarge {
				l.errorf(file, line, "include %q: %s", name, f.rerr.msg)
			}
			continue
		}
		if l.count >= maxDirectives || l.tooMany {
			l.errorf(file, line, "include %q: more than %d directives once includes are expanded", name, maxDirectives)
			l.tooMany = true
			return out
		}
		l.stack = append(l.stack, name)
		share := !f.spliced
		f.spliced = true
		out = append(out, l.expand(f.dirs, inc, ctx, share)...)
		l.stack = l.stack[:len(l.stack)-1]
	}
	return out
}

// hasMagic reports whether an include argument is a pattern; nginx and
// crossplane both look for these three characters.
func hasMagic(s string) bool { return strings.ContainsAny(s, "*?[") }

// readErr says why a file could not be read.
type readErr struct {
	op       string // "open" or "read"
	msg      string // errno text, never a host path
	tooLarge bool   // size exceeds the limit: reported against the file itself
	size     int64
}

// newReadErr turns an error of fsmeta.FS.ReadFileLimit into a readErr.
func newReadErr(err error) *readErr {
	var tl *fsmeta.TooLargeError
	if errors.As(err, &tl) {
		return &readErr{tooLarge: true, size: tl.Size}
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		// fsmeta names the server path in pe.Path, never the host path,
		// and the reason alone is wanted here.
		return &readErr{op: pe.Op, msg: pe.Err.Error()}
	}
	return &readErr{op: "open", msg: "input/output error"}
}

// lineIndex maps byte offsets to 1-based lines.
type lineIndex []int // offsets of the '\n' bytes

func newLineIndex(src []byte) lineIndex {
	nl := make(lineIndex, 0, bytes.Count(src, []byte{'\n'}))
	for i := 0; ; i++ {
		j := bytes.IndexByte(src[i:], '\n')
		if j < 0 {
			return nl
		}
		i += j
		nl = append(nl, i)
	}
}

// line returns the line holding the byte at off.
func (x lineIndex) line(off int) int { return sort.SearchInts(x, off) + 1 }
