package scan

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/unforbid/unforbid/parser"
	"github.com/unforbid/unforbid/rules"
	"github.com/unforbid/unforbid/rules/simulate"
)

// maxExamples is how many example URLs a deny finding names.
const maxExamples = 3

// denyGroup collects the public files one deny refuses.
type denyGroup struct {
	examples []string
	kinds    map[string]bool
}

// judgeDeny reports a deny or return 403 that refuses public content to
// every client (the simulator's overmatch): once per directive, with the
// count, the kinds and examples of the public files it refuses. A comment
// next to the deny that names another kind of file ("no PHP in uploads")
// is quoted, since it disagrees with what is refused.
func (sc *scanner) judgeDeny(req simulate.Request, d *simulate.Decision) {
	c := d.Cause
	if c.Kind != simulate.KindDenyOvermatch || sc.refusing[sc.site.Range.String()] || sc.linted[c.Rule+"\x00"+c.Range.String()+"\x00"] {
		// a site that refuses every request, or a cause the config
		// finding already reports (Apache's DocumentRoot no
		// <Directory> grants)
		return
	}
	kind := rules.PublicKind(req.Path)
	if kind == "" || sc.probing && sc.blanket(c) {
		return
	}
	comment := sc.meantFor(c.Range, kind)
	if comment == "" && !d.LocationRange.IsZero() {
		comment = sc.meantFor(d.LocationRange, kind)
	}
	key := c.Rule + "\x00" + c.Range.String()
	dg := sc.denies[key]
	if dg == nil {
		dg = &denyGroup{kinds: map[string]bool{}}
		if sc.denies == nil {
			sc.denies = map[string]*denyGroup{}
		}
		sc.denies[key] = dg
	}
	dg.kinds[kind] = true
	if len(dg.examples) < maxExamples && !sc.probing {
		dg.examples = append(dg.examples, req.Path)
	}
	where := "server " + sc.site.Host
	if w := d.Where(); w != "" {
		where = w
	}
	what := ""
	if c.Reason != "access forbidden by rule" && !ownWords(c.Reason) { // a deny's own words: nginx's, Apache's
		what = " with " + c.Reason
	}
	probe := req.Path
	renewing := sc.renewing
	g := sc.add(c.Rule, defaultSeverity, c.Range, "", req, func(n int) string {
		ex := dg.examples
		if len(ex) == 0 {
			ex = []string{probe}
		}
		kinds := make([]string, 0, len(dg.kinds))
		for k := range dg.kinds {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		whom := "every client"
		if c.Refused != "" {
			whom += " " + c.Refused
		}
		msg := fmt.Sprintf("%s refuses %s to %s%s (%s), e.g. %s: %s",
			where, plural(n, "public file"), whom, what, strings.Join(kinds, ", "), strings.Join(ex, ", "), c.Reason)
		if renewing && len(dg.examples) == 0 {
			msg += " (only while certbot renews: the challenge file exists only then)"
		}
		if comment != "" {
			msg += fmt.Sprintf("; its comment says %q", comment)
		}
		return msg
	})
	// The block that holds the deny is where a narrower location (^~ for
	// the public path) would go; it may stand in another file than the
	// server (a snippet every site includes).
	if !d.LocationRange.IsZero() && d.LocationRange != c.Range {
		related := rules.Related{Range: d.LocationRange, Message: where}
		if !slices.Contains(g.related, related) {
			g.related = append(g.related, related)
		}
	}
}

// maxCommentLines bounds the comment block above a directive that
// meantFor reads.
const maxCommentLines = 5

// meantFor returns the line of the admin's comment on the directive at rng
// (its own line and the block of comment lines just above it, read line
// by line where the server tells them apart) that says the directive was
// meant for other files than the public kind it refuses, to quote it; ""
// when a line names that kind, or none names anything. A block is read
// whole: WordPress's "# Deny all attempts to access
// hidden files such as .htaccess, ..." comes above a second line about
// logging.
func (sc *scanner) meantFor(rng parser.Range, kind string) string {
	var lines []string
	if cl, ok := sc.srv.(simulate.CommentLiner); ok {
		own, above := cl.CommentLines(rng, maxCommentLines)
		lines = append([]string{own}, above...)
	} else {
		lines = []string{sc.srv.Comment(rng)}
	}
	quote := ""
	for _, line := range lines {
		if line == "" {
			continue
		}
		named, other := rules.CommentKinds(line, kind)
		if named {
			return ""
		}
		if other {
			quote = line // the farthest line states the intent
		}
	}
	return quote
}

// blanketProbe is a public file no site has: asked for when the ACME probe
// is refused, to tell a deny written for a pattern from a blanket one.
const blanketProbe = "/unforbid-probe.png"

// blanket reports whether the deny c refuses every path, not only some by
// their pattern: the same directive refuses blanketProbe. The ACME probe
// is a file that exists only during renewals, so it is judged only
// against denies written for a pattern (a hidden-files regex) that
// overmatches; a blanket deny is judged on the files that exist.
func (sc *scanner) blanket(c *simulate.Cause) bool {
	_, d := sc.request(blanketProbe)
	return d.Status == 403 && d.Cause != nil && d.Cause.Range == c.Range
}

// lint adds the findings the server's configuration shows by itself
// (shadowed access rules, sites that refuse every request), and notes the
// sites that refuse every request: their denies are not reported again
// one by one.
func (sc *scanner) lint() {
	for _, f := range sc.srv.Lint() {
		if f.Kind == simulate.KindSiteRefusesAll {
			if sc.refusing == nil {
				sc.refusing = map[string]bool{}
			}
			sc.refusing[f.Site.String()] = true
		}
		sc.addConfig(f)
	}
}

// judgeAliasSlash reports an alias that lacks the trailing slash of its
// location: every URL below the location maps to a name glued to the
// alias (/static/x to /srv/assetsx), once per alias directive.
func (sc *scanner) judgeAliasSlash(req simulate.Request, d *simulate.Decision) {
	c := d.Cause
	block := orWords(d.Block, "block")
	sc.add(c.Rule, defaultSeverity, c.Range, "", req, func(n int) string {
		verb := "answer"
		if n == 1 {
			verb = "answers"
		}
		return fmt.Sprintf("%s; %s below the %s %s 403 or 404", c.Reason, plural(n, "URL"), block, verb)
	})
}

// ownWords reports whether reason is Apache's own wording of a deny
// (mod_authz_core's AH01630, mod_access_compat's AH01797, a RewriteRule
// [F]), which the message quotes at its end already.
func ownWords(reason string) bool {
	for _, p := range []string{"AH01630:", "AH01797:", "RewriteRule "} {
		if strings.HasPrefix(reason, p) {
			return true
		}
	}
	return false
}
