package nginx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	crossplane "github.com/nginxinc/nginx-go-crossplane"
	"golang.org/x/tools/txtar"

	"github.com/unforbid/unforbid/parser"
)

// The oracle of cpParse: crossplane's own Parse, used the way the loader
// used it before it lexed each file once.

// errNotFollowed is what crossplane gets when it opens an include of the
// checked file: the loader follows includes itself, in their own context.
var errNotFollowed = errors.New("unforbid: include not followed")

// crossplaneParse parses the file p alone (the loader follows includes),
// from memory, turning a panic into an error. With check, crossplane
// checks each directive's context and arguments; the file is then read as
// included from a wrapper that opens its context, unless wrap is empty
// (the top level).
func crossplaneParse(p string, src []byte, wrap string, check bool) (dirs crossplane.Directives, errs []*parser.Error) {
	defer func() {
		if r := recover(); r != nil {
			dirs = nil
			errs = append(errs, &parser.Error{File: p, Msg: fmt.Sprintf("internal parser error: %v", r)})
		}
	}()
	name, wrapped := p, check && wrap != ""
	if wrapped {
		name = includedFile
	}
	opts := &crossplane.ParseOptions{
		SingleFile:                !wrapped,
		ParseComments:             true,
		SkipDirectiveArgsCheck:    !check,
		SkipDirectiveContextCheck: !check,
		ErrorOnUnknownDirectives:  false,
		StopParsingOnError:        false,
		DirectiveSources:          sources,
		Open: func(n string) (io.ReadCloser, error) {
			switch {
			case wrapped && n == wrapperFile:
				return io.NopCloser(strings.NewReader(wrap + "include " + includedFile + ";\n")), nil
			case n == name:
				return io.NopCloser(bytes.NewReader(src)), nil
			}
			return nil, &os.PathError{Op: "open", Path: n, Err: errNotFollowed}
		},
		Glob: func(string) ([]string, error) { return nil, nil },
	}
	main := name
	if wrapped {
		main = wrapperFile
	}
	payload, err := crossplane.Parse(main, opts)
	if err != nil {
		return nil, []*parser.Error{convertError(p, err)}
	}
	for _, pe := range payload.Errors {
		if pe.File != name || errors.Is(pe.Error, errNotFollowed) ||
			strings.Contains(pe.Error.Error(), errNotFollowed.Error()) {
			continue
		}
		errs = append(errs, convertError(p, pe.Error))
	}
	for _, c := range payload.Config {
		if c.File == name {
			dirs = c.Parsed
		}
	}
	return dirs, errs
}

// portInputs are the texts the port is compared with crossplane on: the
// fuzz seeds, the Debian files of the tests, and every file of every test
// tree (configs of both servers, pages, manifests: any text will do).
func portInputs(t *testing.T) []string {
	in := []string{
		"", "a", "a;", "a {", "a }", "}", "{", ";", "a;;", "a {{", "a { b; }}", "a { b }", "a b \"c",
		"events {}\ninclude;\n", "include included.conf;\n", "include /unforbid-check/wrapper.conf;\n",
		"include *.conf;\n", "foo { include; }\n", "if () { }\n", "if ( ) { }\n", "if ($a) { }\n",
		"if (\"x\") { return 403; }\n", "location / { if ($a ~ b) { return 403; } }\n",
		"map $a $b { default 0; volatile; hostnames x; a { } b; }\n",
		"types { text/html html; x; y { } }\ngeo $a { ranges; proxy_recursive 1; default 0; }\n",
		"sendfile maybe;\nsendfile on off;\ngzip ON;\n", "server { listen 80 }\n", "http { server { return; } }\n",
		"log_format main '$remote_addr \"$request\"' # fmt\n  ;\n", "a # c\n b { c # d\n ; }\n",
		"server_name é\u00a0ü;\nreturn 200 \"a\\\"b\";\nadd_header X \\{;\n# c \\\nd;\r\n", "s ${a b} {}\n",
		"\xff\xfe;\nx \"\xc3\";\n", "limit_except GET { deny all; }\n", "upstream u { server a; }\n",
		"location @x { }\nlocation = / { }\nif ($a) { set $b c; }\n", "}\na;\n", "a;\n}\n}\n",
		"events {}\n\ninclude /etc/nginx/x.conf;\n", "worker_processes 1", "{ x { } } y;\n",
	}
	for _, s := range debian {
		in = append(in, s)
	}
	files, err := filepath.Glob("../../testdata/trees/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test trees: %v", err)
	}
	for _, f := range files {
		a, err := txtar.ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		in = append(in, string(a.Comment))
		for _, sec := range a.Files {
			in = append(in, string(sec.Data))
		}
	}
	// each text once: test trees share many files
	seen := map[string]bool{}
	out := in[:0]
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// portContexts are the contexts the port is compared in: each the checks
// know, and one they do not.
func portContexts() []blockCtx {
	out := []blockCtx{nil, {"http", "map"}}
	for key := range wrappers {
		if key != "" {
			out = append(out, strings.Split(key, ">"))
		}
	}
	return out
}

// comparePort fails t where cpParse and crossplane disagree on src in ctx.
func comparePort(t *testing.T, src string, ctx blockCtx) {
	t.Helper()
	const p = "/etc/nginx/x.conf"
	toks := lexTokens([]byte(src))
	for _, check := range []bool{false, true} {
		wrap := ""
		if check {
			wrap = wrappers[ctx.key()]
		}
		wantDirs, wantErrs := crossplaneParse(p, []byte(src), wrap, check)
		dirs, errs := cpParse(p, toks, ctx, wrap, check)
		if !reflect.DeepEqual(dirs, wantDirs) || !reflect.DeepEqual(errs, wantErrs) {
			t.Fatalf("in %q (check %v) of %q:\nport       %s %v\ncrossplane %s %v", ctx.key(), check, src,
				dumpDirs(dirs), errs, dumpDirs(wantDirs), wantErrs)
		}
	}
	wantDirs, wantSyntax, wantChecks := crossplaneChecked(p, []byte(src), ctx)
	dirs, syntax, checks := parseChecked(p, toks, ctx)
	if !reflect.DeepEqual(dirs, wantDirs) || !reflect.DeepEqual(syntax, wantSyntax) || !reflect.DeepEqual(checks, wantChecks) {
		t.Fatalf("parseChecked in %q of %q: %v %v, crossplane %v %v", ctx.key(), src, syntax, checks, wantSyntax, wantChecks)
	}
}

// crossplaneChecked is parseChecked on crossplane's own Parse.
func crossplaneChecked(p string, src []byte, ctx blockCtx) (dirs crossplane.Directives, syntax, checks []*parser.Error) {
	return checkedWith(ctx, func(wrap string, check bool) (crossplane.Directives, []*parser.Error) {
		return crossplaneParse(p, src, wrap, check)
	})
}

func dumpDirs(dirs crossplane.Directives) string {
	var b strings.Builder
	for _, d := range dirs {
		fmt.Fprintf(&b, "%d:%q%q", d.Line, d.Directive, d.Args)
		if d.Comment != nil {
			fmt.Fprintf(&b, "#%q", *d.Comment)
		}
		if d.Block != nil {
			fmt.Fprintf(&b, "{%s}", dumpDirs(d.Block))
		}
		b.WriteString(" ")
	}
	return b.String()
}

// TestPortMatchesCrossplane compares cpParse with crossplane's Parse on
// every input of portInputs, in every context.
func TestPortMatchesCrossplane(t *testing.T) {
	for _, src := range portInputs(t) {
		for _, ctx := range portContexts() {
			comparePort(t, src, ctx)
		}
	}
}

// FuzzPort compares cpParse with crossplane's Parse on any input.
func FuzzPort(f *testing.F) {
	f.Add([]byte("http { server { if () { } } }\n"))
	f.Add([]byte("map $a $b { default 0; include x; }\ninclude included.conf;\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		for _, ctx := range portContexts() {
			comparePort(t, string(src), ctx)
		}
	})
}
