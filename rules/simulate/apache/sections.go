package apache

import (
	"fmt"
	"path"
	"slices"
	"strings"

	conf "github.com/unforbid/unforbid/parser/apache"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules/simulate/pcre"
)

// isRegexDir reports whether d is a regex directory section:
// <Directory ~ "re"> or <DirectoryMatch "re">.
func isRegexDir(d *conf.Directive) bool {
	return d.Is("Directory") && len(d.Args) == 2 && d.Args[0] == "~" ||
		d.Is("DirectoryMatch") && len(d.Args) == 1
}

// isLocation reports whether d is a URL section the simulator models:
// <Location path>, <Location ~ "re">, <LocationMatch "re">.
func isLocation(d *conf.Directive) bool {
	return d.Is("Location") && (len(d.Args) == 1 && d.Args[0] != "~" || len(d.Args) == 2 && d.Args[0] == "~") ||
		d.Is("LocationMatch") && len(d.Args) == 1
}

// sectionRegex is the regex of a regex section (its last argument).
func sectionRegex(d *conf.Directive) (*pcre.Regex, string) {
	return compileRe(d, d.Args[len(d.Args)-1], false)
}

// dirMatches reports whether the <Directory> path or wildcard pattern
// matches the directory dir of the walk, as ap_directory_walk does: both
// with one trailing slash, a wildcard by fnmatch with FNM_PATHNAME (no
// wildcard matches a slash, so it matches at its own depth only).
func dirMatches(pattern, dir string) bool {
	return dirMatchesCanon(pattern, canonDir(pattern), canonDir(dir))
}

// dirMatchesCanon is dirMatches with canonDir of the pattern (pd) and of
// the directory (dd) at hand.
func dirMatchesCanon(pattern, pd, dd string) bool {
	if !hasWild(pattern) {
		return pd == dd
	}
	ok, err := path.Match(fnmatchToGo(pd), dd)
	if err != nil {
		return pd == dd
	}
	return ok
}

// fnmatchToGo turns fnmatch's negated class "[!" into Go's "[^".
func fnmatchToGo(p string) string {
	return strings.ReplaceAll(p, "[!", "[^")
}

// walkSubject is r->filename when the directory walk ends, what the
// regex <Directory> sections are matched against: the file (path info
// cut), the first missing component, or the directory with the slash the
// URL has.
func walkSubject(cur string, finfo *fsmeta.Info, pathInfo, uri string) string {
	switch {
	case finfo == nil:
		first := strings.SplitN(strings.TrimPrefix(pathInfo, "/"), "/", 2)[0]
		return path.Join(cur, first)
	case finfo.Type == fsmeta.TypeDir && strings.HasSuffix(uri, "/"):
		return strings.TrimSuffix(cur, "/") + "/"
	}
	return cur
}

// regexDirsMatching are the regex directory sections of the request that
// match subject, in order; unsure says why one cannot be judged.
func regexDirsMatching(rdirs []*conf.Directive, subject string) ([]*conf.Directive, string) {
	var out []*conf.Directive
	for _, d := range rdirs {
		re, why := sectionRegex(d)
		if why != "" {
			return nil, why
		}
		m, why := matchRe(d, re, subject)
		if why != "" {
			return nil, why
		}
		if m != nil {
			out = append(out, d)
		}
	}
	return out, ""
}

// locationsMatching are the <Location>/<LocationMatch> sections matching
// uri, in config order (the main server's first), as ap_location_walk
// tests them: a regex against the URI, a wildcard by fnmatch with
// FNM_PATHNAME, a path as a prefix ending at a slash or at the end of the
// URI when the path does not end in one.
func locationsMatching(locs []*conf.Directive, uri string) ([]*conf.Directive, string) {
	var out []*conf.Directive
	for _, d := range locs {
		if d.Is("LocationMatch") || d.Args[0] == "~" {
			re, why := sectionRegex(d)
			if why != "" {
				return nil, why
			}
			m, why := matchRe(d, re, uri)
			if why != "" {
				return nil, why
			}
			if m != nil {
				out = append(out, d)
			}
			continue
		}
		loc := d.Args[0]
		if hasWild(loc) {
			ok, err := path.Match(fnmatchToGo(loc), uri)
			if err != nil {
				return nil, fmt.Sprintf("%s: the pattern %q is not modelled yet", d.Range, loc)
			}
			if ok {
				out = append(out, d)
			}
			continue
		}
		if strings.HasPrefix(uri, loc) && (loc == "" || strings.HasSuffix(loc, "/") || len(uri) == len(loc) || uri[len(loc)] == '/') {
			out = append(out, d)
		}
	}
	return out, ""
}

// applySections merges the sections ds into p in order, tracing each as
// kind; unsure says what is not modelled.
func (st *state) applySections(p *perDir, ds []*conf.Directive, kind string) string {
	for _, d := range ds {
		if why := p.apply(d.Block); why != "" {
			return why
		}
		p.rewriteSection(d, d.Block, "")
		p.block = d
		st.step(kind, d.Range, "<%s %s> applies", d.Name, strings.Join(d.Args, " "))
	}
	return ""
}

// sameSections says why the DirectoryIndex subrequest for the file f at
// URL fileURI cannot be judged with the directory's configuration: the
// regex directories or locations that match it differ from those of the
// directory (subject dirSubject at URL uri). "" when they are the same.
func (st *state) sameSections(dirSubject, uri, f, fileURI string) string {
	a, why := regexDirsMatching(st.rdirs, dirSubject)
	if why != "" {
		return why
	}
	b, why := regexDirsMatching(st.rdirs, f)
	if why != "" {
		return why
	}
	c, why := locationsMatching(st.locs, uri)
	if why != "" {
		return why
	}
	d, why := locationsMatching(st.locs, fileURI)
	if why != "" {
		return why
	}
	if !slices.Equal(a, b) || !slices.Equal(c, d) {
		return fmt.Sprintf("the DirectoryIndex subrequest %s meets other <DirectoryMatch> or <Location> sections than %s: not modelled yet", fileURI, uri)
	}
	return ""
}
