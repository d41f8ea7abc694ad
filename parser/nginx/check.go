package nginx

import (
	"fmt"
	"strings"

	crossplane "github.com/nginxinc/nginx-go-crossplane"

	"github.com/unforbid/unforbid/parser"
)

// Directive checks. nginx -t refuses a directive where it is not allowed
// ("proxy_pass" at server level) or with the wrong number of arguments
// ("rewrite" with one); crossplane's analysis knows where each directive
// may stand and what it takes, and words its errors as nginx does. It
// checks a directive against the context of its block, so each file is
// parsed in the context nginx reads it in: the main file at the top, an
// included file inside a small wrapper that opens the blocks around its
// include (see wrappers).

// sources are the directive tables the checks use: nginx 1.24 (the
// nearest crossplane has to Debian's 1.22, whose directives it all knows)
// and the third-party modules Debian packages that crossplane describes.
// A directive none of them knows is loaded unchecked (Config.Unknown).
var sources = []crossplane.MatchFunc{
	matchOss,
	crossplane.MatchHeadersMoreLatest,
	crossplane.MatchGeoip2Latest,
	crossplane.MatchNjsLatest,
	crossplane.MatchLuaLatest,
}

// fixes replace crossplane's entries where nginx 1.22 -t disagrees, as
// found by probing every directive in every http context (probe_test.go):
// uwsgi_cache_background_update is a flag, not any one argument.
var fixes = map[string][]uint{
	"uwsgi_cache_background_update": {httpMainSrvLoc | confFlag},
}

// Bits of crossplane's directive masks (its ngxHTTPMainConf,
// ngxHTTPSrvConf, ngxHTTPLocConf and ngxConfFlag), which it does not
// export.
const (
	httpMainSrvLoc = 0x002000000 | 0x004000000 | 0x008000000
	confFlag       = 0x00000400
)

// matchOss is crossplane's table of nginx 1.24 with fixes applied.
func matchOss(name string) ([]uint, bool) {
	if m, ok := fixes[name]; ok {
		return m, true
	}
	return crossplane.MatchOss124(name)
}

// blockCtx is where a directive stands, as crossplane names it: the names
// of the enclosing blocks, with every location inside http collapsed to
// {"http", "location"} (nginx's NGX_HTTP_LOC_CONF covers nested ones).
type blockCtx []string

// enter returns the context of the block of directive name standing in c
// (crossplane's enterBlockCtx).
func (c blockCtx) enter(name string) blockCtx {
	if len(c) > 0 && c[0] == "http" && name == "location" {
		return blockCtx{"http", "location"}
	}
	return append(c[:len(c):len(c)], name)
}

func (c blockCtx) key() string { return strings.Join(c, ">") }

// wrappers holds, for each context the checks know, the text that opens
// its blocks around an include. A context missing here (inside map,
// types, or a third-party block) is not checked, as crossplane does not
// check it either.
var wrappers = map[string]string{
	"":                           "",
	"events":                     "events {\n",
	"mail":                       "mail {\n",
	"mail>server":                "mail {\nserver {\n",
	"stream":                     "stream {\n",
	"stream>server":              "stream {\nserver {\n",
	"stream>upstream":            "stream {\nupstream u {\n",
	"http":                       "http {\n",
	"http>server":                "http {\nserver {\n",
	"http>upstream":              "http {\nupstream u {\n",
	"http>server>if":             "http {\nserver {\nif ($a) {\n",
	"http>location":              "http {\nserver {\nlocation / {\n",
	"http>location>if":           "http {\nserver {\nlocation / {\nif ($a) {\n",
	"http>location>limit_except": "http {\nserver {\nlocation / {\nlimit_except GET {\n",
}

// The wrapper's own name and the name it includes the checked file by:
// crossplane opens them through parseWith's Open, never on disk (cpParse
// follows what crossplane does with them).
const (
	wrapperFile  = "/unforbid-check/wrapper.conf"
	includedFile = "/unforbid-check/included.conf"
)

// known reports whether a directive table knows name.
func known(name string) bool {
	_, ok := directiveMasks(name)
	return ok
}

// parseChecked parses the file p (its tokens toks) alone, in context ctx,
// with crossplane's directive checks when it knows ctx. It returns the tree
// when the checks pass (else the tree of an unchecked parse, so the loader
// goes on with the right directives), the syntax errors and the errors of
// the checks.
func parseChecked(p string, toks []token, ctx blockCtx) (dirs crossplane.Directives, syntax, checks []*parser.Error) {
	return parseCheckedWith(p, toks, ctx, nil)
}

// parseCheckedWith is parseChecked taking the statements from sc (see
// cpParseWith) when it is not nil: the tree returned is valid until sc
// is reused.
func parseCheckedWith(p string, toks []token, ctx blockCtx, sc *scratch) (dirs crossplane.Directives, syntax, checks []*parser.Error) {
	// The two parses checkedWith may make share sc: it drops the tree of
	// the first when it makes the second.
	return checkedWith(ctx, func(wrap string, check bool) (crossplane.Directives, []*parser.Error) {
		return cpParseWith(p, toks, ctx, wrap, check, sc)
	})
}

// checkedWith is parseChecked on the parser parse (with the wrapper of a
// context and the checks, or with neither).
func checkedWith(ctx blockCtx, parse func(wrap string, check bool) (crossplane.Directives, []*parser.Error)) (dirs crossplane.Directives, syntax, checks []*parser.Error) {
	wrap, ok := wrappers[ctx.key()]
	if !ok {
		dirs, syntax = parse("", false)
		return dirs, syntax, nil
	}
	dirs, errs := parse(wrap, true)
	if len(errs) == 0 {
		return dirs, nil, nil
	}
	plain, syntax := parse("", false)
	seen := map[string]bool{}
	for _, e := range syntax {
		seen[e.Error()] = true
	}
	for _, e := range errs {
		if seen[e.Error()] {
			continue
		}
		checks = append(checks, e)
		// crossplane leaves the block of a directive it refuses in the
		// token stream, to be read as directives of the enclosing one:
		// what it says after that is noise. (nginx stops at the first.)
		if blockAt(plain, e.Line) {
			break
		}
	}
	return plain, syntax, checks
}

// blockAt reports whether a block directive of the tree starts at line.
func blockAt(dirs crossplane.Directives, line int) bool {
	for _, d := range dirs {
		if d.Line == line && d.Block != nil {
			return true
		}
		if blockAt(d.Block, line) {
			return true
		}
	}
	return false
}

// Unknown is a directive no directive table of the checks knows, most
// likely of a third-party module: nginx accepts it when that module is
// loaded. It is loaded as written and not checked.
type Unknown struct {
	// Name is the directive's name.
	Name string
	// At lists where it stands, in the order of the tree (a file included
	// twice counts once).
	At []parser.Range
}

// Message says what is unknown and how often it is used, as a note for
// the user (without its position, At[0]).
func (u Unknown) Message() string {
	s := fmt.Sprintf("unknown directive %q (a third-party module?): loaded, not checked", u.Name)
	if len(u.At) > 1 {
		s += fmt.Sprintf(" (%d uses)", len(u.At))
	}
	return s
}

// String is the note "file:line: message" at the first use.
func (u Unknown) String() string {
	return fmt.Sprintf("%s: %s", u.At[0], u.Message())
}

// unknowns lists the directives of the tree the checks do not know, one
// entry per name in order of first use. Directives in contexts the checks
// do not know (map bodies, third-party blocks) are not directives to
// judge and are skipped.
func unknowns(dirs []*Directive) []Unknown {
	var out []Unknown
	index := map[string]int{}
	seen := map[parser.Range]bool{}
	var walk func(list []*Directive, ctx blockCtx)
	walk = func(list []*Directive, ctx blockCtx) {
		if _, ok := wrappers[ctx.key()]; !ok {
			return
		}
		for _, d := range list {
			if d.Name == "#" {
				continue
			}
			if !known(d.Name) && !seen[d.Range] {
				seen[d.Range] = true
				i, ok := index[d.Name]
				if !ok {
					i = len(out)
					index[d.Name] = i
					out = append(out, Unknown{Name: d.Name})
				}
				out[i].At = append(out[i].At, d.Range)
			}
			if d.Block != nil {
				walk(d.Block, ctx.enter(d.Name))
			}
		}
	}
	walk(dirs, nil)
	return out
}
