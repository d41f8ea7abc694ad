// Package pcre compiles the PCRE-style regular expressions web servers
// read (nginx's locations and rewrites, Apache's <FilesMatch>,
// <DirectoryMatch>, <LocationMatch>, AliasMatch and mod_rewrite). Go's
// regexp (RE2) is used when it accepts the expression; the lookarounds
// and backreferences it lacks, such as the common "\.(?!well-known)",
// fall back to regexp2, a backtracking engine with PCRE-like syntax,
// under a match time limit.
package pcre

import (
	"errors"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"time"

	"github.com/dlclark/regexp2"
)

// Regex is a compiled PCRE-style regular expression.
type Regex struct {
	// lit, when set, answers for re without running it (literalOf)
	lit   *literal
	re    *regexp.Regexp
	re2   *regexp2.Regexp
	names []string
	expr  string
}

// Timeout bounds one backtracking match.
const Timeout = 100 * time.Millisecond

// ErrTimeout is returned by Match for a backtracking match that ran out
// of time.
var ErrTimeout = errors.New("the regex match ran out of time")

// Compile compiles expr, case-insensitively when fold is set.
func Compile(expr string, fold bool) (*Regex, error) {
	goExpr := expr
	if fold {
		goExpr = "(?i)" + expr
	}
	if re, err := regexp.Compile(goExpr); err == nil {
		return &Regex{lit: literalOf(goExpr), re: re, names: re.SubexpNames(), expr: expr}, nil
	}
	opts := regexp2.None
	if fold {
		opts |= regexp2.IgnoreCase
	}
	re2, err := regexp2.Compile(expr, opts)
	if err != nil {
		return nil, err
	}
	re2.MatchTimeout = Timeout
	names := make([]string, 0)
	for _, n := range re2.GetGroupNumbers() {
		name := re2.GroupNameFromNumber(n)
		if name == "" || name == strconv.Itoa(n) {
			name = ""
		}
		names = append(names, name)
	}
	return &Regex{re2: re2, names: names, expr: expr}, nil
}

// MustCompile is Compile for expressions known to be valid.
func MustCompile(expr string) *Regex {
	r, err := Compile(expr, false)
	if err != nil {
		panic(err)
	}
	return r
}

// String returns the expression as written.
func (r *Regex) String() string { return r.expr }

// Backtracking reports whether r needs the backtracking engine (Go's
// regexp does not read it).
func (r *Regex) Backtracking() bool { return r.re2 != nil }

// SubexpNames returns the names of the capture groups, "" for unnamed ones,
// index 0 standing for the whole match.
func (r *Regex) SubexpNames() []string { return r.names }

// MatchString reports whether s matches. A backtracking match that runs
// out of time counts as no match.
func (r *Regex) MatchString(s string) bool {
	m, err := r.Match(s)
	return err == nil && m != nil
}

// FindStringSubmatch returns the match and its groups (unmatched groups
// are ""), or nil.
func (r *Regex) FindStringSubmatch(s string) []string {
	m, err := r.Match(s)
	if err != nil {
		return nil
	}
	return m
}

// Match returns the match and its groups (unmatched groups are ""), nil
// when s does not match, or ErrTimeout when a backtracking match ran
// out of time (the answer is then unknown).
func (r *Regex) Match(s string) ([]string, error) {
	if r.lit != nil {
		return r.lit.match(s), nil
	}
	if r.re != nil {
		// most subjects do not match, and telling so is cheaper than
		// looking for the groups
		if !r.re.MatchString(s) {
			return nil, nil
		}
		return r.re.FindStringSubmatch(s), nil
	}
	m, err := r.re2.FindStringMatch(s)
	if err != nil {
		return nil, ErrTimeout
	}
	if m == nil {
		return nil, nil
	}
	groups := m.Groups()
	out := make([]string, len(groups))
	for i, g := range groups {
		if len(g.Captures) > 0 {
			out[i] = g.String()
		}
	}
	return out, nil
}

// A literal is a regex without groups that is a string of plain
// characters (case-sensitive), anywhere in the subject, at its start
// (^) or at its end ($, the end of the text as Go's regexp reads it):
// "/\.", "\.php$". Matching one is a string search, without the engine's
// fixed cost on every subject.
type literal struct {
	text          string
	start, suffix bool // anchored at the start, or at the end
}

// literalOf returns expr as a literal, or nil when it is not one.
func literalOf(expr string) *literal {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil
	}
	re = re.Simplify()
	lit := func(r *syntax.Regexp) (string, bool) {
		if r.Op != syntax.OpLiteral || r.Flags&syntax.FoldCase != 0 {
			return "", false
		}
		return string(r.Rune), true
	}
	if t, ok := lit(re); ok {
		return &literal{text: t}
	}
	if re.Op != syntax.OpConcat || len(re.Sub) != 2 {
		return nil
	}
	if t, ok := lit(re.Sub[1]); ok && re.Sub[0].Op == syntax.OpBeginText {
		return &literal{text: t, start: true}
	}
	if t, ok := lit(re.Sub[0]); ok && re.Sub[1].Op == syntax.OpEndText {
		return &literal{text: t, suffix: true}
	}
	return nil
}

// match is Match of the literal: the match alone (no groups), or nil.
func (l *literal) match(s string) []string {
	var ok bool
	switch {
	case l.start:
		ok = strings.HasPrefix(s, l.text)
	case l.suffix:
		ok = strings.HasSuffix(s, l.text)
	default:
		ok = strings.Contains(s, l.text)
	}
	if !ok {
		return nil
	}
	return []string{l.text}
}
