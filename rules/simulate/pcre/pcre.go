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
	"strconv"
	"time"

	"github.com/dlclark/regexp2"
)

// Regex is a compiled PCRE-style regular expression.
type Regex struct {
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
		return &Regex{re: re, names: re.SubexpNames(), expr: expr}, nil
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
