package apache

import (
	"fmt"
	"path"
	"strings"

	conf "github.com/unforbid/unforbid/parser/apache"
	"github.com/unforbid/unforbid/rules/simulate"
)

// RuleHtaccessIgnored is a .htaccess file that holds directives under
// AllowOverride None: httpd never reads it, while its author believes it
// applies.
const RuleHtaccessIgnored = "apache/htaccess-ignored"

// ignoredPrefix and ignoredSuffix frame the trace step of an access file
// that AllowOverride None leaves unread (htaccess.go's ignoredAccess):
// "AllowOverride None: /srv/www/.htaccess is never read".
const (
	ignoredPrefix = "AllowOverride None: "
	ignoredSuffix = " is never read"
)

// maxIgnoredNames bounds the directive names an htaccess-ignored message
// lists.
const maxIgnoredNames = 3

// LintDir reports the access files the request req (answered d) met on
// its directory walk that AllowOverride None leaves unread and that hold
// directives (simulate.DirLinter): once per file, at its first
// directive, with the AllowOverride None that applies as related
// location. A file of comments only is no finding.
func (s *Simulator) LintDir(req simulate.Request, d *simulate.Decision, dir string) []simulate.ConfigFinding {
	var out []simulate.ConfigFinding
	for _, st := range d.Trace {
		if st.Step != "htaccess" || !strings.HasPrefix(st.Detail, ignoredPrefix) || !strings.HasSuffix(st.Detail, ignoredSuffix) {
			continue
		}
		f := strings.TrimSuffix(strings.TrimPrefix(st.Detail, ignoredPrefix), ignoredSuffix)
		src, err := s.FS.ReadFile(f)
		if err != nil {
			continue // what cannot be read says nothing of what it holds
		}
		file, err := conf.Parse(f, src)
		if err != nil {
			continue
		}
		var names []string
		first := (*conf.Directive)(nil)
		n := 0
		for _, dd := range file.Directives {
			if dd.Comment {
				continue
			}
			if first == nil {
				first = dd
			}
			n++
			if len(names) < maxIgnoredNames {
				names = append(names, strings.TrimSpace(dd.Name+" "+strings.Join(dd.Args, " ")))
			}
		}
		if first == nil {
			continue
		}
		what := strings.Join(names, "; ")
		if n > len(names) {
			what += "; ..."
		}
		where := "AllowOverride None (httpd's default)"
		if !st.Range.IsZero() {
			where = fmt.Sprintf("AllowOverride None at %s", st.Range)
		}
		fd := simulate.ConfigFinding{
			Rule: RuleHtaccessIgnored, Kind: simulate.KindConfigIgnored, Range: first.Range,
			Site: d.Site, URL: ignoredURL(req, path.Dir(f), dir),
			Message: fmt.Sprintf("%s is never read: %s applies to %s, so its %s no effect: %s", f, where, path.Dir(f),
				ignoredCount(n), what),
			Harmless: true,
		}
		if !st.Range.IsZero() {
			fd.Related = []simulate.Related{{Range: st.Range, Message: "AllowOverride None: the .htaccess file is never read"}}
		}
		out = append(out, fd)
	}
	return out
}

// ignoredURL returns the URL of the directory fdir, an ancestor of (or the
// same as) dir, which req asks for.
func ignoredURL(req simulate.Request, fdir, dir string) string {
	u := req
	if rest, ok := strings.CutPrefix(strings.TrimSuffix(dir, "/"), strings.TrimSuffix(fdir, "/")); ok && strings.HasSuffix(u.Path, "/") {
		p := strings.TrimSuffix(u.Path, "/")
		if strings.HasSuffix(p, rest) {
			u.Path = strings.TrimSuffix(p, rest) + "/"
		}
	}
	return u.URL()
}

// ignoredCount returns "directive has" or "3 directives have".
func ignoredCount(n int) string {
	if n == 1 {
		return "directive has"
	}
	return fmt.Sprintf("%d directives have", n)
}
