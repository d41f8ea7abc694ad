package apache

import (
	"fmt"
	"sync"

	conf "github.com/unforbid/unforbid/parser/apache"
	"github.com/unforbid/unforbid/rules/simulate/pcre"
)

// compileRe compiles the regex pat of the directive d as httpd's PCRE
// reads it (package pcre: lookarounds and backreferences included),
// case-insensitively when fold is set; unsure says why it cannot.
// Compiled expressions are shared (regexes), every request meeting the
// same sections.
func compileRe(d *conf.Directive, pat string, fold bool) (*pcre.Regex, string) {
	re, err := regexes.compile(pat, fold)
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

// reCache keeps compiled expressions by their text, for every simulator
// (a compiled pcre.Regex is safe for concurrent use and depends on
// nothing else). It is safe for concurrent use, and bounded: it is
// emptied when it holds maxRegexes, so that memory stays flat whatever
// the .htaccess files read.
type reCache struct {
	mu sync.Mutex
	m  map[reKey]reEntry
}

type reKey struct {
	pat  string
	fold bool
}

type reEntry struct {
	re  *pcre.Regex
	err error
}

const maxRegexes = 4096

var regexes reCache

func (c *reCache) compile(pat string, fold bool) (*pcre.Regex, error) {
	k := reKey{pat, fold}
	c.mu.Lock()
	e, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return e.re, e.err
	}
	re, err := pcre.Compile(pat, fold)
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxRegexes {
		c.m = make(map[reKey]reEntry)
	}
	c.m[k] = reEntry{re, err}
	c.mu.Unlock()
	return re, err
}
