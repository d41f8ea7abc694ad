package apache

import (
	"fmt"

	conf "github.com/unforbid/unforbid/parser/apache"
	"github.com/unforbid/unforbid/rules/simulate/pcre"
)

// compileRe compiles the regex pat of the directive d as httpd's PCRE
// reads it (package pcre: lookarounds and backreferences included),
// case-insensitively when fold is set; unsure says why it cannot.
func compileRe(d *conf.Directive, pat string, fold bool) (*pcre.Regex, string) {
	re, err := pcre.Compile(pat, fold)
	if err != nil {
		return nil, fmt.Sprintf("%s: the regex %q is not understood: %v", d.Range, pat, err)
	}
	return re, ""
}

// matchRe runs re on s: its match and groups, nil when s does not match;
// unsure when a backtracking match ran out of time.
func matchRe(d *conf.Directive, re *pcre.Regex, s string) ([]string, string) {
	m, err := re.Match(s)
	if err != nil {
		return nil, fmt.Sprintf("%s: the regex %q on %q: %v", d.Range, re.String(), s, err)
	}
	return m, ""
}
