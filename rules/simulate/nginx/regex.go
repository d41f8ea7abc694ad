package nginx

import (
	"regexp"
	"time"

	"github.com/dlclark/regexp2"
)

// Regex is a PCRE-style regular expression as nginx uses them. Go's regexp
// (RE2) is used when it accepts the expression; the lookarounds and
// backreferences it lacks, such as the common "location ~ /\.(?!well-known)",
// fall back to regexp2, a backtracking engine with PCRE-like syntax, under a
// match time limit.
type Regex struct {
	re    *regexp.Regexp
	re2   *regexp2.Regexp
	names []string
	expr  string
}

// regexTimeout bounds one backtracking match.
const regexTimeout = 100 * time.Millisecond

// CompileRegex compiles expr, case-insensitively when fold is set.
func CompileRegex(expr string, fold bool) (*Regex, error) {
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
	re2.MatchTimeout = regexTimeout
	names := make([]string, 0)
	for _, n := range re2.GetGroupNumbers() {
		name := re2.GroupNameFromNumber(n)
		if name == "" || name == itoa(n) {
			name = ""
		}
		names = append(names, name)
	}
	return &Regex{re2: re2, names: names, expr: expr}, nil
}

// MustCompileRegex is CompileRegex for expressions known to be valid.
func MustCompileRegex(expr string) *Regex {
	r, err := CompileRegex(expr, false)
	if err != nil {
		panic(err)
	}
	return r
}

// String returns the expression as written.
func (r *Regex) String() string { return r.expr }

// SubexpNames returns the names of the capture groups, "" for unnamed ones,
// index 0 standing for the whole match.
func (r *Regex) SubexpNames() []string { return r.names }

// MatchString reports whether s matches. A backtracking match that runs
// out of time counts as no match.
func (r *Regex) MatchString(s string) bool {
	if r.re != nil {
		return r.re.MatchString(s)
	}
	ok, err := r.re2.MatchString(s)
	return err == nil && ok
}

// FindStringSubmatch returns the match and its groups (unmatched groups
// are ""), or nil.
func (r *Regex) FindStringSubmatch(s string) []string {
	if r.re != nil {
		return r.re.FindStringSubmatch(s)
	}
	m, err := r.re2.FindStringMatch(s)
	if err != nil || m == nil {
		return nil
	}
	groups := m.Groups()
	out := make([]string, len(groups))
	for i, g := range groups {
		if len(g.Captures) > 0 {
			out[i] = g.String()
		}
	}
	return out
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
