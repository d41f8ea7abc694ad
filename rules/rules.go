// Package rules describes the causes of unintended 403s that unforbid
// reports, and the findings it reports for them.
//
// A rule is a plain value: an ID namespaced by server or "fs/", a severity
// and its documentation. The request simulators (rules/simulate) attach
// rule IDs to the causes they find; the scanner (rules/scan) walks what
// each server serves, asks the simulator and turns the unintended
// refusals into findings, one per root cause.
package rules

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/unforbid/unforbid/fix"
	"github.com/unforbid/unforbid/parser"
)

// Severity ranks findings.
type Severity int

// Severities, lowest first.
const (
	Info Severity = iota
	Warning
	Error
)

// String returns the lowercase name of the severity.
func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	}
	return "error"
}

// ParseSeverity parses "info", "warning" or "error".
func ParseSeverity(s string) (Severity, error) {
	switch s {
	case "info":
		return Info, nil
	case "warning":
		return Warning, nil
	case "error":
		return Error, nil
	}
	return 0, fmt.Errorf("unknown severity %q (want info, warning or error)", s)
}

// MarshalText encodes the severity as its name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Doc documents a rule: a one-line lowercase title, an explanation, and a
// before/after example.
type Doc struct {
	Title  string
	Text   string
	Before string
	After  string
}

// Rule is one cause of an unintended refusal.
type Rule struct {
	ID       string
	Server   string // "nginx", "apache" or "" for filesystem rules
	Severity Severity
	Doc      Doc
}

// Related is a secondary location of a finding, e.g. the server block.
type Related struct {
	Range   parser.Range
	Message string
}

// Finding is one reported root cause.
type Finding struct {
	Rule     string
	Severity Severity
	Message  string
	Range    parser.Range // the directive responsible
	Path     string       // the filesystem path responsible, if any
	URL      string       // an example request that shows the problem
	Method   string
	Count    int // how many served files or directories this cause hides
	Related  []Related
	// Fixes are the alternative repairs of the cause, safe ones first;
	// each was checked by simulating again (see rules/scan).
	Fixes []fix.Fix
	// Suppressed is set when a "# unforbid:ignore RULE -- reason" comment
	// silences the finding: it is reported apart and does not count for
	// the exit code.
	Suppressed *Suppression
}

// Suppression is the comment that silences a finding.
type Suppression struct {
	Reason string
	Range  parser.Range // the comment
}

// Key identifies the finding by rule, the byte range of its directive and
// its path: two findings of one line (two directives, or a directive and
// its arguments) stay apart, and a finding keeps its key when lines above
// it change only if their byte lengths stay.
func (f *Finding) Key() string {
	return fmt.Sprintf("%s\x00%s\x00%d\x00%d\x00%s", f.Rule, f.Range.File, f.Range.Start.Offset, f.Range.End.Offset, f.Path)
}

// Sort orders findings by file, line, rule and path.
func Sort(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Range.File != b.Range.File {
			return a.Range.File < b.Range.File
		}
		if a.Range.Start.Line != b.Range.Start.Line {
			return a.Range.Start.Line < b.Range.Start.Line
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Path < b.Path
	})
}

// Lookup returns the rule with the given ID, or nil.
func Lookup(id string) *Rule {
	for _, r := range All {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// idPattern admits the servers' rules, the filesystem's and unforbid's
// own (about its suppression comments).
var idPattern = regexp.MustCompile(`^(nginx|apache|fs|unforbid)/[a-z0-9]+(-[a-z0-9]+)*$`)

// Validate checks the registry: unique well-formed IDs and complete docs.
func Validate() error {
	seen := map[string]bool{}
	for _, r := range All {
		switch {
		case !idPattern.MatchString(r.ID):
			return fmt.Errorf("rule %q: malformed ID", r.ID)
		case seen[r.ID]:
			return fmt.Errorf("rule %q: duplicate ID", r.ID)
		case r.Doc.Title == "" || r.Doc.Text == "":
			return fmt.Errorf("rule %q: missing title or text", r.ID)
		case len(r.Doc.Title) > 60 || strings.HasSuffix(r.Doc.Title, ".") || strings.ToLower(r.Doc.Title[:1]) != r.Doc.Title[:1]:
			return fmt.Errorf("rule %q: title must be lowercase, at most 60 characters, without a period", r.ID)
		case r.Doc.Before == "" || r.Doc.After == "":
			return fmt.Errorf("rule %q: missing before/after example", r.ID)
		}
		seen[r.ID] = true
	}
	return nil
}

// Plural returns "1 file", "2 files", "3 directories": the count n and the
// noun what, in the plural unless n is 1. Messages of every package count
// with it.
func Plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	switch {
	case strings.HasSuffix(what, "y"):
		return fmt.Sprintf("%d %sies", n, what[:len(what)-1])
	case strings.HasSuffix(what, "x"), strings.HasSuffix(what, "s"), strings.HasSuffix(what, "ch"), strings.HasSuffix(what, "sh"):
		return fmt.Sprintf("%d %ses", n, what)
	}
	return fmt.Sprintf("%d %ss", n, what)
}
