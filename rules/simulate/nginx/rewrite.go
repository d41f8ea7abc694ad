package nginx

import (
	"strconv"
	"strings"

	"github.com/unforbid/unforbid/parser/fsmeta"
	conf "github.com/unforbid/unforbid/parser/nginx"
	"github.com/unforbid/unforbid/rules"
)

// rewrites runs rewrite-module directives (return, rewrite, if, set, break)
// in order. done reports that the request ends with status st. Otherwise st
// is -1 when the uri changed and the location must be searched again, 0 to
// go on.
func (r *run) rewrites(dirs []*conf.Directive, server bool) (st int, done bool) {
	r.uriChanged = false
	st, done, _ = r.script(dirs, server)
	if done {
		return st, true
	}
	return r.afterRewrite(r.uriChanged, server), false
}

// script runs one level of rewrite directives. The directives of an if
// block are compiled into the same script as the level around it, so a
// break, a return or a rewrite with a flag there ends the whole script
// (ended).
func (r *run) script(dirs []*conf.Directive, server bool) (st int, done, ended bool) {
	for _, d := range dirs {
		switch d.Name {
		case "return":
			return r.doReturn(d), true, true
		case "set":
			if len(d.Args) == 2 && strings.HasPrefix(d.Args[0], "$") {
				// An unknown value only matters where the variable is used.
				v, err := r.expand(d.Args[1])
				r.setVar(d.Args[0][1:], setVar{v, err})
			}
		case "break":
			if r.tracing() {
				r.step("break", d, "break: the rewrite directives stop here")
			}
			if r.uriChanged {
				// ngx_http_script_break_code: no new location search, and
				// alias can no longer map the changed uri
				r.uriRewritten = true
				r.uriChanged = false
			}
			return 0, false, true
		case "rewrite":
			st, stop, ch := r.doRewrite(d)
			if stop == stopDone {
				return st, true, true
			}
			r.uriChanged = r.uriChanged || ch
			if stop == stopBreak {
				// the uri changed without a new location search:
				// alias cannot map it any more (valid_location = 0,
				// reset only by an internal redirect)
				r.uriRewritten = true
				r.uriChanged = false
				return 0, false, true
			}
			if stop == stopLast {
				return 0, false, true
			}
		case "if":
			ok, err := r.evalIf(d.Args)
			if err != nil {
				r.unsure("if (%s): %v", strings.Join(d.Args, " "), err)
				if r.tracing() {
					r.step("if", d, "condition not simulated: %v", err)
				}
				continue
			}
			if !ok {
				if r.tracing() {
					r.step("if", d, "condition is false")
				}
				continue
			}
			if r.tracing() {
				r.step("if", d, "condition is true: the if block's settings apply")
			}
			if server {
				for _, c := range d.Block {
					switch c.Name {
					case "return", "rewrite", "set", "break", "#":
					default:
						r.unsure("%q inside a server-level if is not simulated", c.Name)
					}
				}
			} else if ic := r.loc.IfConfs[d]; ic != nil {
				r.conf = ic
			}
			if st, done, ended := r.script(d.Block, server); ended {
				return st, done, true
			}
		}
	}
	return 0, false, false
}

func (r *run) afterRewrite(changed, server bool) int {
	if changed && !server {
		return -1
	}
	return 0
}

func (r *run) doReturn(d *conf.Directive) int {
	if len(d.Args) == 0 {
		return 444
	}
	code, err := strconv.Atoi(d.Args[0])
	if err != nil {
		if r.tracing() {
			r.step("return", d, "return %s: redirect", d.Args[0])
		}
		return 302
	}
	if r.tracing() {
		r.step("return", d, "return %d", code)
	}
	if len(d.Args) > 1 && code >= 400 {
		// a return with a body sends it at once: error_page does not apply
		r.noErrorPage = true
	}
	if code >= 400 {
		id := RuleReturn
		// An unconditional return 403 in a location that also takes
		// public content (images, robots.txt) overmatches.
		if code == 403 && r.unconditional(d) && rules.PublicKind(r.uri) != "" {
			id = RuleDenyOvermatch
		}
		r.fail(code, id, "", d, "return "+d.Args[0])
	}
	return code
}

type rewriteStop int

const (
	stopNone rewriteStop = iota
	stopLast
	stopBreak
	stopDone
)

// doRewrite applies one rewrite directive.
func (r *run) doRewrite(d *conf.Directive) (int, rewriteStop, bool) {
	if len(d.Args) < 2 {
		return 0, stopNone, false
	}
	re, err := r.s.Model.regex(d.Args[0], false)
	if err != nil {
		r.unsure("rewrite regex %q cannot be simulated: %v", d.Args[0], err)
		return 0, stopNone, false
	}
	// A rewrite regex replaces the captures when it matches and clears
	// them when it does not (ngx_http_script_regex_start_code).
	sm := re.FindStringSubmatch(r.uri)
	if sm == nil {
		r.caps, r.capNames = nil, nil
		return 0, stopNone, false
	}
	r.setCaps(sm, re.SubexpNames())
	repl, err := r.expand(d.Args[1])
	if err != nil {
		r.unsure("%v", err)
		return 0, stopNone, false
	}
	flag := ""
	if len(d.Args) > 2 {
		flag = d.Args[2]
	}
	if strings.HasPrefix(repl, "http://") || strings.HasPrefix(repl, "https://") || flag == "redirect" || flag == "permanent" {
		code := 302
		if flag == "permanent" {
			code = 301
		}
		if r.tracing() {
			r.step("rewrite", d, "rewrite %s redirects to %s (%d)", d.Args[0], repl, code)
		}
		return code, stopDone, false
	}
	if r.tracing() {
		r.step("rewrite", d, "rewrite %s: uri becomes %s", d.Args[0], repl)
	}
	// a rewritten request counts as internal: internal locations take it
	r.internal = true
	if i := strings.IndexByte(repl, '?'); i >= 0 {
		r.uri, r.args = repl[:i], repl[i+1:]
	} else {
		r.uri = repl
	}
	switch flag {
	case "last":
		return 0, stopLast, true
	case "break":
		return 0, stopBreak, true
	}
	return 0, stopNone, true
}

// evalIf evaluates an if condition (parentheses already stripped).
func (r *run) evalIf(args []string) (bool, error) {
	switch len(args) {
	case 1:
		v, err := r.expand(args[0])
		return v != "" && v != "0", err
	case 2:
		neg := strings.HasPrefix(args[0], "!")
		op := strings.TrimPrefix(args[0], "!")
		p, err := r.expand(args[1])
		if err != nil {
			return false, err
		}
		var ok bool
		res := r.openFile(p, r.probeWant(), true)
		switch op {
		case "-f":
			ok = res.Err == 0 && res.Info.Type == fsmeta.TypeRegular
		case "-d":
			ok = res.Err == 0 && res.Info.Type == fsmeta.TypeDir
		case "-e":
			ok = res.Err == 0
		case "-x":
			ok = res.Err == 0 && res.Info.Perm&0o111 != 0
		default:
			return false, errUnsupported("operator " + args[0])
		}
		return ok != neg, nil
	case 3:
		v, err := r.expand(args[0])
		if err != nil {
			return false, err
		}
		arg, err := r.expand(args[2])
		if err != nil {
			return false, err
		}
		switch args[1] {
		case "=":
			return v == arg, nil
		case "!=":
			return v != arg, nil
		case "~", "~*", "!~", "!~*":
			re, err := r.s.Model.regex(args[2], strings.HasSuffix(args[1], "*"))
			if err != nil {
				return false, err
			}
			sm := re.FindStringSubmatch(v)
			if sm != nil {
				r.setCaps(sm, re.SubexpNames())
			} else {
				r.caps, r.capNames = nil, nil
			}
			return (sm != nil) != strings.HasPrefix(args[1], "!"), nil
		}
	}
	return false, errUnsupported("condition")
}

type errUnsupported string

// Error says what is not simulated.
func (e errUnsupported) Error() string { return string(e) + " is not simulated" }

// setVar is a variable set by "set"; err is kept when its value could not
// be computed, and reported only where the variable is used.
type setVar struct {
	value string
	err   error
}

// setCaps keeps the captures of a regex that matched. Named captures are
// variables as well (ngx_http_regex_exec stores them in r->variables):
// they outlive later regexes that match without them or do not match.
func (r *run) setCaps(sm, names []string) {
	r.caps, r.capNames = sm, names
	for i, n := range names {
		if n != "" && i < len(sm) {
			r.setVar(n, setVar{value: sm[i]})
		}
	}
}
