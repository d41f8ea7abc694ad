package scan

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"

	"github.com/unforbid/unforbid/parser"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules"
	"github.com/unforbid/unforbid/rules/simulate"
)

// linkRef is the first page of a site that links to a URL.
type linkRef struct {
	page    string // the page's file, as the server sees it
	pageURL string // the page's URL path
	target  string // the URL path it links to
	line    int    // the line of the tag that holds the link
}

// maxLinkedFrom bounds the pages a finding names as related locations.
const maxLinkedFrom = 3

// readPage reads the links of a served HTML page p (the file the request
// req was answered with) and remembers the same-site URLs they point to.
// Only pages a visitor gets (200, not behind a deny) count, at most
// rules.MaxPages per site, each at most rules.MaxPageSize bytes.
func (sc *scanner) readPage(req simulate.Request, d *simulate.Decision, p string) {
	if sc.probing || !servesPage(req, d, p) {
		return
	}
	if !sc.pagesSpent() {
		sc.readServedPage(req, p)
	}
}

// pagesSpent reports whether the site's pages to read are all read, and
// counts one more page left unread when they are.
func (sc *scanner) pagesSpent() bool {
	if sc.intent.pages >= rules.MaxPages {
		sc.intent.pagesOver++
		return true
	}
	return false
}

// readServedPage is readPage of the page p, which req is served, once
// pagesSpent said there is room.
func (sc *scanner) readServedPage(req simulate.Request, p string) {
	st := &sc.intent
	st.pages++
	b, err := sc.readPageFile(p)
	if err != nil {
		var tl *fsmeta.TooLargeError
		var pe *fs.PathError
		if errors.As(err, &pe) && errors.As(pe.Err, &tl) {
			st.pagesTooLarge++
		} else {
			st.pagesUnread++
		}
		return
	}
	base := &url.URL{Scheme: req.Scheme, Host: req.Host, Path: req.Path}
	for _, l := range rules.Links(b) {
		lp, _, ok := rules.SameSite(base, l.Ref, sc.sameHost)
		if !ok {
			continue
		}
		// the query only matters to backends: the path is what is refused
		lp = simulate.NormalizePath(lp)
		if st.links == nil {
			st.links = map[string]*linkRef{}
		}
		if st.links[lp] != nil {
			continue
		}
		if len(st.order) >= rules.MaxLinks {
			st.linksOver++
			continue
		}
		st.links[lp] = &linkRef{page: p, pageURL: req.Path, line: l.Line, target: lp}
		st.order = append(st.order, lp)
	}
}

// servesPage reports whether the request req answered with d serves the
// HTML page p to a visitor.
func servesPage(req simulate.Request, d *simulate.Decision, p string) bool {
	return rules.IsHTML(p) && d.Unsure == "" && d.Status == 200 && d.Path == p && !req.AssumeAccess
}

// sameHost reports whether a link's host names the site being scanned:
// the host the scan sends, or one of the names of the site.
func (sc *scanner) sameHost(h string) bool {
	h = strings.TrimSuffix(h, ".")
	if h == sc.site.Host {
		return true
	}
	for _, n := range sc.site.Names {
		if strings.EqualFold(n, h) {
			return true
		}
	}
	return false
}

// checkLinks simulates every URL the site's own pages link to. A linked
// URL that answers 403 is unintended beyond doubt: its real cause is
// reported at error level with the linking page as related location,
// even a deny or return that would otherwise be taken as intended. Denies
// that admit some client (allowlists) stay intended.
func (sc *scanner) checkLinks() {
	st := &sc.intent
	for _, u := range st.order {
		sc.checkLink(u, st.links[u])
	}
	sc.noteLinks()
}

func (sc *scanner) checkLink(u string, ref *linkRef) {
	req, d := sc.request(u)
	if req.AssumeAccess {
		// an intended deny refused it; the visitor meets that deny
		raw := req
		raw.AssumeAccess = false
		sc.stats.Requests++
		d = sc.srv.Simulate(raw)
		req = raw
	}
	if d.Unsure != "" || d.Status != 403 || d.Cause == nil {
		return
	}
	sc.intent.link = ref
	defer func() { sc.intent.link = nil }()
	c := d.Cause
	switch c.Kind {
	case simulate.KindDenyRule, simulate.KindReturn:
		if c.Kind == simulate.KindDenyRule && sc.admitsSomeone(req) {
			return // an allowlist: the link is for the clients it admits
		}
		what := "an explicit return"
		if c.Kind == simulate.KindDenyRule {
			what = "a deny"
		}
		reason, where := c.Reason, d.Where()
		if where == "" {
			where = "server " + sc.site.Host
		}
		sc.intent.ownMessage = true
		sc.add(c.Rule, rules.Error, c.Range, "", req, func(n int) string {
			return fmt.Sprintf("%s in %s refuses %s that the site's own pages link to (e.g. %s, linked from %s): %s", what, where, plural(n, "URL"), req.Path, ref.pageURL, reason)
		})
		sc.intent.ownMessage = false
	default:
		// the walk's own judgement of the cause, raised by add; counts
		// stay those of the walk
		sc.probing = true
		isDir := strings.HasSuffix(req.Path, "/")
		fsPath := d.Path
		if isDir || fsPath == "" {
			fsPath = linkedDir(d)
		}
		sc.judge(req, d, fsPath, isDir)
		sc.probing = false
	}
}

// allowlistProbes are client addresses an allowlist commonly admits.
var allowlistProbes = map[bool][]string{
	false: {"127.0.0.1", "10.0.0.1", "172.16.0.1", "192.168.0.1", "192.168.1.1"},
	true:  {"::1", "fd00::1", "fe80::1"},
}

// admitsSomeone reports whether the deny that refuses req admits one of
// the usual allowlisted addresses (loopback, private networks).
func (sc *scanner) admitsSomeone(req simulate.Request) bool {
	for _, ip := range allowlistProbes[strings.Contains(req.ClientIP, ":")] {
		r := req
		r.ClientIP = ip
		sc.stats.Requests++
		d := sc.srv.Simulate(r)
		if d.Unsure != "" || d.Status != 403 || d.Cause == nil || d.Cause.Kind != simulate.KindDenyRule {
			return true
		}
	}
	return false
}

// linked, called by add for every group, raises the group of a linked
// URL's cause to error and names the linking page.
func (sc *scanner) linked(g *group) {
	ref := sc.intent.link
	if ref == nil {
		return
	}
	g.severity = rules.Error
	if sc.intent.relinked == nil {
		sc.intent.relinked = map[*group]bool{}
	}
	if !sc.intent.relinked[g] {
		sc.intent.relinked[g] = true
		if !sc.intent.ownMessage {
			// a cause the walk judges: say why it is no longer intended
			old, page := g.message, ref.pageURL
			g.message = func(n int) string {
				return old(n) + fmt.Sprintf("; the site's own page %s links to it", page)
			}
		}
	}
	linked := 0
	for _, r := range g.related {
		if strings.HasPrefix(r.Message, "links to ") {
			if r.Range.File == ref.page {
				return
			}
			linked++
		}
	}
	if linked >= maxLinkedFrom {
		return
	}
	g.related = append(g.related, rules.Related{
		Range:   parser.Range{File: ref.page, Start: parser.Pos{Line: ref.line}, End: parser.Pos{Offset: -1}},
		Message: "links to " + ref.target,
	})
}

// noteLinks says which of the site's pages were not read for links.
func (sc *scanner) noteLinks() {
	st := &sc.intent
	var parts []string
	if st.pagesOver > 0 {
		parts = append(parts, fmt.Sprintf("%s beyond the first %d", plural(st.pagesOver, "page"), rules.MaxPages))
	}
	if st.pagesTooLarge > 0 {
		parts = append(parts, fmt.Sprintf("%s over %d KiB", plural(st.pagesTooLarge, "page"), rules.MaxPageSize>>10))
	}
	if st.pagesUnread > 0 {
		parts = append(parts, fmt.Sprintf("%s that could not be read", plural(st.pagesUnread, "page")))
	}
	if len(parts) > 0 {
		sc.stats.skip(simulate.Note{Range: sc.site.Range, Message: fmt.Sprintf("%s: the links of %s were not checked", sc.site.Name, strings.Join(parts, ", "))})
	}
	if st.linksOver > 0 {
		sc.stats.skip(simulate.Note{Range: sc.site.Range, Message: fmt.Sprintf("%s: %s beyond the first %d were not checked", sc.site.Name, plural(st.linksOver, "linked URL"), rules.MaxLinks)})
	}
}
