// Portions of this file are derived from nginx-go-crossplane v0.4.89
// (parse.go, analyze.go, analyze_map.go), Copyright (c) F5, Inc., licensed
// under the Apache License, Version 2.0 (LICENSE-crossplane in this
// directory). Changed: the parser reads the tokens of this package's
// lexer instead of crossplane's token channel, and reports its errors
// through the loader.

package nginx

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"unicode"

	crossplane "github.com/nginxinc/nginx-go-crossplane"

	"github.com/unforbid/unforbid/parser"
)

// Each file is lexed once (lexTokens). crossplane's own Parse lexes it
// again, a rune at a time through a channel and a goroutine: for the
// directive checks the loader runs instead cpParse below, a port of
// crossplane's parse and analyze (parse.go, analyze.go, analyze_map.go of
// v0.4.89) over the tokens of lexTokens, which are crossplane's (the port
// of its lexer). It gives what crossplane.Parse gives the loader
// (crossplaneParse in cpparse_test.go, the oracle that the tests and
// FuzzPort compare it with): the same directives and the same errors,
// quirks included.

// Bits of crossplane's directive masks (analyze.go), which it does not
// export.
const (
	cpConfBlock   = 0x00000100
	cpConfExpr    = 0x00000200
	cpConfFlag    = 0x00000400
	cpConfAny     = 0x00000800
	cpConf1More   = 0x00001000
	cpConf2More   = 0x00002000
	cpConfNoArgs  = 0x00000001
	cpConfTake1   = 0x00000002
	cpMainConf    = 0x000040000
	cpEventConf   = 0x000080000
	cpMailMain    = 0x000100000
	cpMailSrv     = 0x000200000
	cpStreamMain  = 0x000400000
	cpStreamSrv   = 0x000800000
	cpStreamUps   = 0x001000000
	cpHTTPMain    = 0x002000000
	cpHTTPSrv     = 0x004000000
	cpHTTPLoc     = 0x008000000
	cpHTTPUps     = 0x010000000
	cpHTTPSif     = 0x020000000
	cpHTTPLif     = 0x040000000
	cpHTTPLmt     = 0x080000000
	cpMgmtMain    = 0x000020000
	cpHTTPOIDC    = 0x100000000
	cpPremature   = "premature end of file" // crossplane.ErrPrematureLexEnd
	cpIncludeLoop = "configs contain include cycle"
)

// cpContexts are crossplane's contexts (analyze.go, contexts).
var cpContexts = map[string]uint{
	"":                           cpMainConf,
	"events":                     cpEventConf,
	"mail":                       cpMailMain,
	"mail>server":                cpMailSrv,
	"stream":                     cpStreamMain,
	"stream>server":              cpStreamSrv,
	"stream>upstream":            cpStreamUps,
	"http":                       cpHTTPMain,
	"http>server":                cpHTTPSrv,
	"http>location":              cpHTTPLoc,
	"http>upstream":              cpHTTPUps,
	"http>server>if":             cpHTTPSif,
	"http>location>if":           cpHTTPLif,
	"http>location>limit_except": cpHTTPLmt,
	"mgmt":                       cpMgmtMain,
	"http>oidc_provider":         cpHTTPOIDC,
}

// cpMapMasks are crossplane's map-like bodies and the argument masks of
// their parameters (analyze_map.go); mapBodies names the same blocks.
var cpMapMasks = map[string]struct {
	special map[string]uint
	def     uint
}{
	"charset_map":   {def: cpConfTake1},
	"geo":           {special: map[string]uint{"ranges": cpConfNoArgs, "proxy_recursive": cpConfNoArgs}, def: cpConfTake1},
	"map":           {special: map[string]uint{"volatile": cpConfNoArgs, "hostnames": cpConfNoArgs}, def: cpConfTake1},
	"match":         {def: cpConf1More},
	"types":         {def: cpConf1More},
	"split_clients": {def: cpConfTake1},
	"geoip2":        {special: map[string]uint{"auto_reload": cpConfTake1}, def: cpConf1More},
	"otel_exporter": {def: cpConfTake1},
}

// cpParser is the state of one cpParse.
type cpParser struct {
	toks    []token
	i       int
	name    string // the file's name for crossplane
	check   bool   // the directive checks are on
	wrapped bool   // included from the wrapper: includes are looked at
	errs    []*crossplane.ParseError
	cycle   bool // an include of the wrapper or of the file itself
	// dirs and args are slabs the statements and their arguments are
	// taken from (newStmt), a few allocations per file rather than two
	// per statement.
	dirs []crossplane.Directive
	args []string
}

// slabDirs is the number of statements allocated together once a file's
// first slab is used up.
const slabDirs = 64

// newStmt returns a new statement named t, with room for n arguments.
// The arguments are a window of the file's slab, capped so that an
// append past n copies rather than overwriting the next statement's.
func (cp *cpParser) newStmt(t token, n int) *crossplane.Directive {
	if len(cp.dirs) == 0 {
		cp.dirs = make([]crossplane.Directive, slabDirs)
	}
	d := &cp.dirs[0]
	cp.dirs = cp.dirs[1:]
	if cap(cp.args)-len(cp.args) < n {
		cp.args = make([]string, 0, max(n, 2*slabDirs))
	}
	at := len(cp.args)
	cp.args = cp.args[:at+n]
	*d = crossplane.Directive{Directive: t.val, Line: t.line, Args: cp.args[at : at : at+n]}
	return d
}

// sizeSlabs sizes the first slabs of a file from its tokens: a statement
// per name, an argument per other word (an estimate, as the parse may
// skip some; newStmt allocates more when it is short).
func (cp *cpParser) sizeSlabs(sc *scratch) {
	stmts, args := countStmts(cp.toks)
	if sc != nil {
		cp.dirs = sc.directives(stmts)
	} else {
		cp.dirs = make([]crossplane.Directive, stmts)
	}
	cp.args = make([]string, 0, args)
}

// scratch holds the slabs of the statements of parses whose trees are
// dropped once built (parseTree): crossplane's statements, and the span
// parser's. They come from scratchPool and go back to it (release).
type scratch struct {
	dirs  []crossplane.Directive
	spans []span
}

// scratchPool holds scratch values.
var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// maxScratch bounds the slabs kept in scratchPool.
const maxScratch = 1 << 14

// directives returns a slab of n statements.
func (sc *scratch) directives(n int) []crossplane.Directive {
	if cap(sc.dirs) < n {
		sc.dirs = make([]crossplane.Directive, n)
	}
	return sc.dirs[:n]
}

// spanSlab returns a slab of n spans.
func (sc *scratch) spanSlab(n int) []span {
	if cap(sc.spans) < n {
		sc.spans = make([]span, n)
	}
	return sc.spans[:n]
}

// release clears sc, so that it keeps no tree alive, and gives it back to
// the pool.
func (sc *scratch) release() {
	if cap(sc.dirs) > maxScratch || cap(sc.spans) > maxScratch {
		return
	}
	clear(sc.dirs[:cap(sc.dirs)])
	clear(sc.spans[:cap(sc.spans)])
	scratchPool.Put(sc)
}

// countStmts estimates the statements and arguments of a file from its
// tokens: a statement per name (comments apart), an argument per other
// word.
func countStmts(toks []token) (stmts, args int) {
	name := true
	for _, t := range toks {
		switch {
		case t.lexErr != nil:
		case !t.quoted && (t.val == "{" || t.val == ";" || t.val == "}"):
			name = true
		case !t.quoted && strings.HasPrefix(t.val, "#"):
		case name:
			stmts++
			name = false
		default:
			args++
		}
	}
	return stmts, args
}

// cpParse parses the tokens of the file p as crossplaneParse(p, src, wrap,
// check) does, toks being lexTokens(src) and ctx the context wrap opens.
func cpParse(p string, toks []token, ctx blockCtx, wrap string, check bool) (dirs crossplane.Directives, errs []*parser.Error) {
	return cpParseWith(p, toks, ctx, wrap, check, nil)
}

// cpParseWith is cpParse taking the statements from the slab of sc, when
// not nil, rather than from a new one: the tree is then valid until sc
// is reused.
func cpParseWith(p string, toks []token, ctx blockCtx, wrap string, check bool, sc *scratch) (dirs crossplane.Directives, errs []*parser.Error) {
	defer func() {
		if r := recover(); r != nil {
			dirs = nil
			errs = append(errs, &parser.Error{File: p, Msg: fmt.Sprintf("internal parser error: %v", r)})
		}
	}()
	cp := &cpParser{toks: toks, name: p, check: check, wrapped: check && wrap != ""}
	cp.sizeSlabs(sc)
	if cp.wrapped {
		cp.name = includedFile
	} else {
		ctx = nil
	}
	parsed, err := cp.parse(ctx, false)
	if err != nil {
		cp.errs = append(cp.errs, err)
		parsed = crossplane.Directives{}
	}
	if cp.cycle {
		return nil, []*parser.Error{convertError(p, fmt.Errorf("%s", cpIncludeLoop))}
	}
	for _, e := range cp.errs {
		errs = append(errs, convertError(p, e))
	}
	return parsed, errs
}

func (cp *cpParser) next() (token, bool) {
	if cp.i >= len(cp.toks) {
		return token{}, false
	}
	t := cp.toks[cp.i]
	cp.i++
	return t, true
}

// lastBlock is crossplane's blockCtx.getLastBlock.
func lastBlock(ctx blockCtx) string {
	if len(ctx) == 0 {
		return "main"
	}
	return ctx[len(ctx)-1]
}

func (cp *cpParser) parseErr(what string, line int, ctx blockCtx) *crossplane.ParseError {
	return &crossplane.ParseError{What: what, File: &cp.name, Line: &line, BlockCtx: lastBlock(ctx)}
}

// parse is crossplane's parser.parse.
func (cp *cpParser) parse(ctx blockCtx, consume bool) (parsed crossplane.Directives, _ *crossplane.ParseError) {
	// what every statement of the block looks up, once for the block
	var lv level
	if !consume {
		lv = cp.level(ctx)
	}
	for {
		t, ok := cp.next()
		if !ok {
			break
		}
		if t.lexErr != nil {
			return nil, cp.parseErr(t.lexErr.msg, t.lexErr.line, ctx)
		}
		if t.val == "}" && !t.quoted {
			break
		}
		if consume {
			if t.val == "{" && !t.quoted {
				_, _ = cp.parse(nil, true)
			}
			continue
		}
		if strings.HasPrefix(t.val, "#") && !t.quoted {
			comment := t.val[1:]
			parsed = append(parsed, &crossplane.Directive{Directive: "#", Line: t.line, Args: []string{}, Comment: &comment})
			continue
		}
		// the arguments, counted ahead: the directive keeps them
		stmt := cp.newStmt(t, cp.countArgs())
		var commentsInArgs []string
		t, ok = cp.next()
		if !ok {
			return nil, cp.parseErr(cpPremature, stmt.Line, ctx)
		}
		for t.quoted || (t.val != "{" && t.val != ";" && t.val != "}") {
			if !strings.HasPrefix(t.val, "#") || t.quoted {
				stmt.Args = append(stmt.Args, t.val)
			} else {
				commentsInArgs = append(commentsInArgs, t.val[1:])
			}
			t, ok = cp.next()
			if !ok {
				return nil, cp.parseErr(cpPremature, stmt.Line, ctx)
			}
		}
		if lv.mapBody {
			if err := cp.analyzeMapBody(stmt, t.val, ctx[len(ctx)-1], lv.mapMasks.special, lv.mapMasks.def); err != nil {
				cp.errs = append(cp.errs, err)
				if t.val == "{" && !t.quoted {
					_, _ = cp.parse(nil, true)
				}
				continue
			}
			stmt.IsMapBlockParameter = true
			parsed = append(parsed, stmt)
			continue
		}
		if err := cp.analyze(stmt, t.val, ctx, lv); err != nil {
			cp.errs = append(cp.errs, err)
			if strings.HasSuffix(err.What, ` is not terminated by ";"`) {
				if t.val != "}" && !t.quoted {
					_, _ = cp.parse(nil, true)
				} else {
					break
				}
			}
			continue
		}
		if stmt.Directive == "if" {
			prepareIfArgs(stmt)
		}
		if cp.wrapped && stmt.Directive == "include" {
			if len(stmt.Args) == 0 {
				return nil, cp.parseErr(fmt.Sprintf(`invalid number of arguments in "%s" directive in %s:%d`,
					stmt.Directive, cp.name, stmt.Line), stmt.Line, ctx)
			}
			// crossplane opens (through parseWith's Open) what the include
			// names: the file itself or the wrapper make a cycle, anything
			// else an error the caller drops (errNotFollowed).
			pattern := stmt.Args[0]
			if !filepath.IsAbs(pattern) {
				pattern = filepath.Join(filepath.Dir(wrapperFile), pattern)
			}
			if !strings.ContainsAny(pattern, "*?[") && (pattern == includedFile || pattern == wrapperFile) {
				cp.cycle = true
			}
		}
		if t.val == "{" && !t.quoted {
			blocks, err := cp.parse(ctx.enter(stmt.Directive), false)
			if err != nil {
				return nil, err
			}
			if blocks == nil {
				blocks = crossplane.Directives{} // a block, empty
			}
			stmt.Block = blocks
		}
		parsed = append(parsed, stmt)
		for _, comment := range commentsInArgs {
			comment := comment
			parsed = append(parsed, &crossplane.Directive{Directive: "#", Line: stmt.Line, Args: []string{}, Comment: &comment})
		}
	}
	return parsed, nil
}

// countArgs returns the number of arguments of the statement whose name
// was the last token read: the tokens up to its terminator but comments.
func (cp *cpParser) countArgs() int {
	n := 0
	for _, t := range cp.toks[cp.i:] {
		if !t.quoted && (t.val == "{" || t.val == ";" || t.val == "}") {
			break
		}
		if !strings.HasPrefix(t.val, "#") || t.quoted {
			n++
		}
	}
	return n
}

// analyzeMapBody is crossplane's analyzeMapBody.
func (cp *cpParser) analyzeMapBody(stmt *crossplane.Directive, term, mapCtx string, special map[string]uint, def uint) *crossplane.ParseError {
	if term != ";" {
		return &crossplane.ParseError{What: fmt.Sprintf(`unexpected "%s"`, term), File: &cp.name, Line: &stmt.Line, BlockCtx: mapCtx}
	}
	mask, ok := special[stmt.Directive]
	if !ok {
		mask = def
	}
	if validArgs(mask, stmt.Args) {
		return nil
	}
	return &crossplane.ParseError{What: "invalid number of parameters", File: &cp.name, Line: &stmt.Line, BlockCtx: mapCtx}
}

// validArgs is crossplane's hasValidArguments.
func validArgs(mask uint, args []string) bool {
	return ((mask>>len(args)&1) != 0 && len(args) <= 7) ||
		((mask&cpConfFlag) != 0 && len(args) == 1 && validFlag(args[0])) ||
		((mask & cpConfAny) != 0) ||
		((mask&cpConf1More) != 0 && len(args) >= 1) ||
		((mask&cpConf2More) != 0 && len(args) >= 2)
}

// level is what the statements of one block look up in crossplane's
// tables: the mask of its context, and the masks of a map-like body.
type level struct {
	ctxMask  uint
	knownCtx bool
	mapBody  bool
	mapMasks struct {
		special map[string]uint
		def     uint
	}
}

// level looks up the tables for the statements of a block in context ctx.
func (cp *cpParser) level(ctx blockCtx) level {
	var lv level
	if len(ctx) > 0 {
		lv.mapMasks, lv.mapBody = cpMapMasks[ctx[len(ctx)-1]]
	}
	if cp.check {
		switch len(ctx) {
		case 0:
			lv.ctxMask, lv.knownCtx = cpContexts[""]
		case 1:
			lv.ctxMask, lv.knownCtx = cpContexts[ctx[0]]
		case 2:
			lv.ctxMask, lv.knownCtx = cpContexts[ctx[0]+">"+ctx[1]] // ctx.key() without keeping it
		default:
			lv.ctxMask, lv.knownCtx = cpContexts[ctx.key()]
		}
	}
	return lv
}

// knownMasks caches directiveMasks for the directives some table knows
// (a finite set: the names a config makes up are looked up each time).
var knownMasks sync.Map // name -> []uint

// directiveMasks returns the masks every table in sources gives the
// directive name, in order, and whether one of them knows it. The slice
// is shared: never modify it.
func directiveMasks(name string) ([]uint, bool) {
	if v, ok := knownMasks.Load(name); ok {
		return v.([]uint), true
	}
	var masks []uint
	known := false
	for _, match := range sources {
		if m, found := match(name); found {
			masks = append(masks, m...)
			known = true
		}
	}
	if known {
		knownMasks.Store(name, masks)
	}
	return masks, known
}

// analyze is crossplane's analyze with the loader's options: the checks
// of context and arguments when cp.check, unknown directives let through;
// lv is cp.level(ctx).
func (cp *cpParser) analyze(stmt *crossplane.Directive, term string, ctx blockCtx, lv level) *crossplane.ParseError {
	if !cp.check {
		return nil // both checks skipped: analyze has nothing to say
	}
	currCtx, knownContext := lv.ctxMask, lv.knownCtx
	if !knownContext {
		return nil
	}
	masks, knownDirective := directiveMasks(stmt.Directive)
	if !knownDirective {
		return nil
	}
	if !slices.ContainsFunc(masks, func(mask uint) bool { return mask&currCtx != 0 }) {
		return cp.parseErr(fmt.Sprintf(`"%s" directive is not allowed here`, stmt.Directive), stmt.Line, ctx)
	}
	var what string
	for _, mask := range masks {
		if mask&currCtx == 0 {
			continue // crossplane's ctxMasks hold the others
		}
		if mask&cpConfExpr > 0 && !validExpr(stmt) {
			what = fmt.Sprintf(`directive "%s"'s is not enclosed in parentheses`, stmt.Directive)
			continue
		}
		if mask&cpConfBlock != 0 && term != "{" {
			what = fmt.Sprintf(`directive "%s" has no opening "{"`, stmt.Directive)
			continue
		}
		if mask&cpConfBlock == 0 && term != ";" {
			what = fmt.Sprintf(`directive "%s" is not terminated by ";"`, stmt.Directive)
			continue
		}
		if validArgs(mask, stmt.Args) {
			return nil
		} else if mask&cpConfFlag != 0 && len(stmt.Args) == 1 && !validFlag(stmt.Args[0]) {
			what = fmt.Sprintf(`invalid value "%s" in "%s" directive, it must be "on" or "off"`, stmt.Args[0], stmt.Directive)
		} else {
			what = fmt.Sprintf(`invalid number of arguments in "%s" directive`, stmt.Directive)
		}
	}
	return cp.parseErr(what, stmt.Line, ctx)
}

// validFlag is crossplane's validFlag.
func validFlag(s string) bool {
	l := strings.ToLower(s)
	return l == "on" || l == "off"
}

// validExpr is crossplane's validExpr: an expression in parentheses, not
// empty.
func validExpr(d *crossplane.Directive) bool {
	l := len(d.Args)
	b, e := 0, l-1
	return l > 0 &&
		strings.HasPrefix(d.Args[b], "(") &&
		strings.HasSuffix(d.Args[e], ")") &&
		((l == 1 && len(d.Args[b]) > 2) ||
			(l == 2 && (len(d.Args[b]) > 1 || len(d.Args[e]) > 1)) ||
			(l > 2))
}

// prepareIfArgs is crossplane's: it strips the parentheses of an if.
func prepareIfArgs(d *crossplane.Directive) {
	b, e := 0, len(d.Args)-1
	if len(d.Args) > 0 && strings.HasPrefix(d.Args[0], "(") && strings.HasSuffix(d.Args[e], ")") {
		d.Args[0] = strings.TrimLeftFunc(strings.TrimPrefix(d.Args[0], "("), unicode.IsSpace)
		d.Args[e] = strings.TrimRightFunc(strings.TrimSuffix(d.Args[e], ")"), unicode.IsSpace)
		if len(d.Args[0]) == 0 {
			b++
		}
		if len(d.Args[e]) == 0 {
			e--
		}
		d.Args = d.Args[b : e+1]
	}
}
