package nginx

import "github.com/unforbid/unforbid/rules/simulate/pcre"

// Regex is a PCRE-style regular expression as nginx uses them (package
// pcre: Go's regexp, regexp2 for lookarounds and backreferences).
type Regex = pcre.Regex

// CompileRegex compiles expr, case-insensitively when fold is set.
func CompileRegex(expr string, fold bool) (*Regex, error) { return pcre.Compile(expr, fold) }

// MustCompileRegex is CompileRegex for expressions known to be valid.
func MustCompileRegex(expr string) *Regex { return pcre.MustCompile(expr) }
