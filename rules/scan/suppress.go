package scan

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/unforbid/unforbid/fix"
	"github.com/unforbid/unforbid/parser"
	"github.com/unforbid/unforbid/rules"
	"github.com/unforbid/unforbid/rules/simulate"
)

// Rule IDs of unforbid's findings about its own suppression comments.
const (
	RuleUnusedSuppression    = "unforbid/unused-suppression"
	RuleSuppressionNoReason  = "unforbid/suppression-without-reason"
	RuleSuppressionBadRule   = "unforbid/suppression-unknown-rule"
	suppressionReasonDivider = "--"
)

// Suppression is a parsed "unforbid:ignore RULE[,RULE...] -- reason"
// comment.
type Suppression struct {
	Rules  []string // the rule IDs named, as written
	Reason string   // "" when none is given
	Range  parser.Range
	Target parser.Range // the directive it stands above or after
}

// ParseSuppression parses the text of a suppression comment (without its
// comment sign): the marker, one or more rule IDs separated by commas
// (or spaces), then " -- " and the reason. ok is false when text is no
// suppression comment (it does not start with the marker as a word).
func ParseSuppression(text string) (ruleIDs []string, reason string, ok bool) {
	if !simulate.IsSuppression(text) {
		return nil, "", false
	}
	rest := strings.TrimPrefix(strings.TrimSpace(text), simulate.SuppressionMarker)
	// rule IDs hold single dashes only, so the first "--" ends them
	names, reason, _ := strings.Cut(rest, suppressionReasonDivider)
	ruleIDs = strings.FieldsFunc(names, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
	reason = strings.TrimSpace(reason)
	if reason == ReasonPlaceholder {
		reason = "" // proposed by --diff, never filled in
	}
	return ruleIDs, reason, true
}

// ReasonPlaceholder is the reason of the suppression comments --diff
// --fix RULE proposes: the admin replaces it with theirs. Until then the
// comment silences its rule but is reported as a suppression without a
// reason.
const ReasonPlaceholder = "REASON: say why this refusal is meant"

// suppressions returns the parsed suppression comments of srv, none when
// the server reads no comments.
func suppressions(srv simulate.Server) []Suppression {
	sp, ok := srv.(simulate.Suppressor)
	if !ok {
		return nil
	}
	var out []Suppression
	for _, c := range sp.Suppressions() {
		ids, reason, ok := ParseSuppression(c.Text)
		if !ok {
			continue
		}
		out = append(out, Suppression{Rules: ids, Reason: reason, Range: c.Range, Target: c.Target})
	}
	return out
}

// suppress sets Finding.Suppressed on every finding a suppression comment
// of srv silences, and returns the findings with those about the
// suppressions themselves added: one naming no known rule (warning), one
// without a reason (info; it silences all the same) and one that
// silences nothing (info, per rule).
func suppress(srv simulate.Server, fs []rules.Finding) []rules.Finding {
	sups := suppressions(srv)
	if len(sups) == 0 {
		return fs
	}
	used := make([]map[string]bool, len(sups))
	for i := range used {
		used[i] = map[string]bool{}
	}
	var roots []simulate.Root // the trees of the sites a request reaches
	for _, site := range srv.Sites() {
		if site.Host != "" {
			roots = append(roots, site.Roots...)
		}
	}
	for i := range fs {
		f := &fs[i]
		by := silencedBy(sups, f, roots)
		for _, j := range by {
			used[j][f.Rule] = true
		}
		if len(by) > 0 && f.Suppressed == nil {
			f.Suppressed = &rules.Suppression{Reason: sups[by[0]].Reason, Range: sups[by[0]].Range}
		}
	}
	var extra []rules.Finding
	report := func(s Suppression, rule, msg string) {
		sev := rules.Info
		if r := rules.Lookup(rule); r != nil {
			sev = r.Severity
		}
		extra = append(extra, rules.Finding{Rule: rule, Severity: sev, Message: msg, Range: s.Range, Count: 1})
	}
	for i, s := range sups {
		if len(s.Rules) == 0 {
			report(s, RuleSuppressionBadRule, simulate.SuppressionMarker+" names no rule: write the rule IDs it silences, separated by commas")
			continue
		}
		if s.Reason == "" {
			report(s, RuleSuppressionNoReason, fmt.Sprintf("%s %s gives no reason: say why the refusal is meant after %q", simulate.SuppressionMarker, strings.Join(s.Rules, ","), " -- "))
		}
		for _, id := range s.Rules {
			switch {
			case rules.Lookup(id) == nil:
				report(s, RuleSuppressionBadRule, fmt.Sprintf("%s names %q, which is no rule of unforbid (%s): it silences nothing", simulate.SuppressionMarker, id, didYouMean(id)))
			case used[i][id]:
			case s.Target.IsZero():
				report(s, RuleUnusedSuppression, fmt.Sprintf("%s %s silences nothing: it stands above no directive (a blank line or the end of a block follows it)", simulate.SuppressionMarker, id))
			default:
				report(s, RuleUnusedSuppression, fmt.Sprintf("%s %s silences nothing: %s has no %s finding", simulate.SuppressionMarker, id, s.Target, id))
			}
		}
	}
	out := append(fs, extra...)
	rules.Sort(out)
	return out
}

// didYouMean suggests the rule whose ID ends in "/"+id ("deny-overmatch"
// for "nginx/deny-overmatch"), else points at the list of rules.
func didYouMean(id string) string {
	for _, r := range rules.All {
		if strings.HasSuffix(r.ID, "/"+id) {
			return fmt.Sprintf("did you mean %q?", r.ID)
		}
	}
	return `see "unforbid rules"`
}

// silencedBy returns the indexes of the suppressions that silence the
// finding f, none when f stays. A suppression of f's rule silences f
// when f stands at its directive or inside the block it stands above.
// A filesystem finding (fs/*) about a path is one cause for every site
// that meets it, reported at the first one's root: it is silenced when
// every tree of a reachable site that the path lies in or leads to (a
// directory above the docroot) is set by a root or alias a suppression
// of the rule covers, so that one site's comment does not hide a cause
// other sites meet too; or by a suppression at its directive when that
// is no root (the error_page of an unreadable error page).
func silencedBy(sups []Suppression, f *rules.Finding, roots []simulate.Root) []int {
	covering := func(r parser.Range) []int {
		var out []int
		for i, s := range sups {
			if !s.Target.IsZero() && slices.Contains(s.Rules, f.Rule) && within(r, s.Target) {
				out = append(out, i)
			}
		}
		return out
	}
	if !strings.HasPrefix(f.Rule, "fs/") || f.Path == "" {
		return covering(f.Range)
	}
	atRoot := false // f stands at the root of the first site that met it
	for _, r := range roots {
		atRoot = atRoot || r.Range == f.Range
	}
	if by := covering(f.Range); len(by) > 0 && !atRoot {
		return by // another directive: the error_page of an unreadable page
	}
	var by []int
	for _, r := range roots {
		if !pathWithin(f.Path, r.Dir) && !pathWithin(r.Dir, f.Path) {
			continue
		}
		c := covering(r.Range)
		if len(c) == 0 {
			return nil // a tree no suppression covers meets the cause
		}
		by = append(by, c...)
	}
	return by
}

// within reports whether the config range r lies inside outer (or is
// it): by byte offsets when both are known, else by line.
func within(r, outer parser.Range) bool {
	if r.File != outer.File || r.File == "" {
		return false
	}
	if r.Start.Offset < 0 || outer.Start.Offset < 0 || r.End.Offset < 0 || outer.End.Offset < 0 {
		return r.Start.Line == outer.Start.Line
	}
	return r.Start.Offset >= outer.Start.Offset && r.End.Offset <= outer.End.Offset
}

// pathWithin reports whether the server path p is dir or below it.
func pathWithin(p, dir string) bool {
	p, dir = path.Clean(p), path.Clean(dir)
	return p == dir || dir == "/" || strings.HasPrefix(p, dir+"/")
}

// SuppressionComment returns the text of the comment that marks rule as
// meant, with its reason: "unforbid:ignore RULE -- REASON" (the server
// adds its comment sign). Line breaks in reason become spaces.
func SuppressionComment(rule, reason string) string {
	return simulate.SuppressionMarker + " " + rule + " " + suppressionReasonDivider + " " + strings.Join(strings.Fields(reason), " ")
}

// SuppressionFix returns the review fix that marks the finding f as
// meant: a suppression comment of f's rule with reason, on a line of its
// own above f's directive, in the server's comment syntax. ok is false
// when the server writes no comments, when reason is empty, or when the
// server cannot place the comment there (unknown offsets, another
// directive before f's on its line).
func SuppressionFix(srv simulate.Server, f rules.Finding, reason string) (fix.Fix, bool) {
	sp, ok := srv.(simulate.Suppressor)
	if !ok || strings.TrimSpace(reason) == "" || f.Range.IsZero() {
		return fix.Fix{}, false
	}
	e, ok := sp.SuppressionEdit(f.Range, SuppressionComment(f.Rule, reason))
	if !ok {
		return fix.Fix{}, false
	}
	return fix.Fix{
		Description: fmt.Sprintf("mark %s at %s as meant: add an %s comment", f.Rule, f.Range, simulate.SuppressionMarker),
		Class:       fix.Review,
		Edits:       []fix.Edit{e},
	}, true
}
