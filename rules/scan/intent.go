package scan

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules"
	"github.com/unforbid/unforbid/rules/simulate"
)

// intentState is what the scanner learns of a site's intent while it
// walks it: the contents of the directory being judged and the links of
// the site's own pages (see links.go). It is reset for every site.
type intentState struct {
	// dir sums up the directory whose refusal is being judged; nil when
	// its contents are unknown (a directory seen before through a link).
	dir *rules.DirContents
	// link is set while a linked URL is judged.
	link *linkRef
	// links are the same-site URLs the site's pages link to, in the
	// order first seen, with the first page that links to each.
	links map[string]*linkRef
	order []string
	// relinked marks the groups whose message already names a link;
	// ownMessage is set while a group is made whose message does.
	relinked   map[*group]bool
	ownMessage bool
	// pages read for links; what was left out, for the site's note.
	pages, pagesOver, pagesTooLarge, pagesUnread, linksOver int
}

// dependsOnContents reports whether the verdict on a refused directory
// request depends on what the directory holds (pages or assets), so that
// the walk judges it after listing the directory.
func dependsOnContents(d *simulate.Decision) bool {
	if d.Unsure != "" || d.Masked != nil || d.Cause == nil || d.Status != 403 {
		return false
	}
	return d.Cause.Kind == simulate.KindIndexMissing || d.Cause.Kind == simulate.KindUnreadableDir
}

// judgeDir judges a directory request once the directory's contents are
// known (nil when they are not).
func (sc *scanner) judgeDir(req simulate.Request, d *simulate.Decision, dir string, isDir bool, in *rules.DirContents) {
	sc.intent.dir = in
	sc.judge(req, d, dir, isDir)
	sc.intent.dir = nil
}

// count adds the entry name of a listed directory to its contents, with
// whether its request answers 403.
func count(in *rules.DirContents, name string, d *simulate.Decision) {
	if in == nil {
		return
	}
	in.Add(name)
	if d.Status == 403 {
		in.Refused++
	}
}

// pageIndexMissing reports, at error level, a directory without index
// file that holds pages or that a page of the site links to; it returns
// false for other directories, which the caller reports at info level.
func (sc *scanner) pageIndexMissing(c *simulate.Cause, req simulate.Request, dir string) bool {
	in, link := sc.intent.dir, sc.intent.link
	if link == nil && (in == nil || !in.PageDir() || req.AssumeAccess) {
		// behind an intended deny (an allowlist, deny all) visitors
		// meet the deny, not the missing index: be conservative
		return false
	}
	reason := c.Reason
	_, off := indexWords(c)
	why := ""
	if link == nil {
		why = fmt.Sprintf("it holds pages (%s) but no index file", in.FirstPage)
	} else {
		why = "it has no index file"
		if !sc.holdsPages(dir) {
			// the walk counted it with the ordinary index-less
			// directories of its location: it is reported here instead
			sc.uncount(c.Rule + "\x00" + c.Range.String() + "\x00")
		}
	}
	sc.add(c.Rule, rules.Error, c.Range, dir+"/", req, func(int) string {
		return fmt.Sprintf("%s: %s and %s", reason, why, off)
	})
	return true
}

// holdsPages lists dir until its first page, in bounded batches.
func (sc *scanner) holdsPages(dir string) bool {
	found := errors.New("found")
	err := sc.fsys.ReadDirBatches(dir, dirBatch, func(names []string) error {
		for _, n := range names {
			if rules.Classify(n) == rules.ClassPage {
				return found
			}
		}
		return nil
	})
	return err == found
}

// uncount takes one request back from the info group with the given key
// (see add), and drops the group when none is left.
func (sc *scanner) uncount(key string) {
	g := sc.groups[key]
	if g == nil || g.severity != rules.Info {
		return
	}
	if g.count--; g.count > 0 {
		return
	}
	delete(sc.groups, key)
	for i, k := range sc.order {
		if k == key {
			sc.order = append(sc.order[:i], sc.order[i+1:]...)
			break
		}
	}
}

// fsSeverity is the severity of a filesystem cause c and why it differs
// from the rule's own: a refusal written down in an ACL is intended (info),
// and so is a directory of assets without read permission whose files all
// serve (only /dir without its slash answers 403 there). A URL a page of
// the site links to is never intended: add raises it again.
func (sc *scanner) fsSeverity(c *simulate.Cause) (rules.Severity, string) {
	want := fsmeta.Read
	if c.Kind == simulate.KindNoSearch {
		want = fsmeta.Exec
	}
	if info, err := sc.fsys.Lstat(c.Path); err == nil {
		if why, ok := rules.Deliberate(info, sc.cred, want); ok {
			return rules.Info, why + ": taken as intended"
		}
	}
	if in := sc.intent.dir; c.Kind == simulate.KindUnreadableDir && in != nil && !in.PageDir() && in.Refused == 0 {
		return rules.Info, "it holds no pages and its files serve: taken as a directory not meant to be listed"
	}
	return defaultSeverity, ""
}

// withNote appends a note to a message, after "; ".
func withNote(msg, note string) string {
	if note == "" {
		return msg
	}
	return msg + "; " + note
}

// isSecretHere reports whether a refusal of the request or of the path p
// is intended because it protects a secret. A URL a page of the site
// links to is no secret.
func (sc *scanner) isSecretHere(urlPath, p string) bool {
	if sc.intent.link != nil {
		return false
	}
	return rules.IsSecret(urlPath) || (p != "" && rules.IsSecret(p))
}

// linkedDir is the directory a linked directory URL maps to.
func linkedDir(d *simulate.Decision) string {
	p := d.Path
	if p == "" && d.Cause != nil {
		p = d.Cause.Path
	}
	if p != "/" {
		p = strings.TrimSuffix(p, "/")
	}
	return path.Clean(p)
}
