package nginx

import (
	"path"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
)

// regexRoot is a tree served by a regex location whose alias is built from
// captures, e.g. per-user sites:
//
//	location ~ ^/~(.+?)(/.*)?$ { alias /home/$1/public_html$2; }
//
// Each directory matching the alias template (/home/*/public_html) is walked
// at the URL that makes the regex capture its parts (/~alice/).
type regexRoot struct {
	dir, url string
}

var captureRef = regexp.MustCompile(`\$(\d)|\$\{(\d)\}`)

// regexRoots finds the trees behind a regex location's alias template.
// It gives up (returns nil) on anything it cannot invert exactly.
func (s *Simulator) regexRoots(l *Location) []regexRoot {
	c := l.Conf
	if !c.Alias || c.AliasPrefix >= 0 || l.Re == nil || !strings.Contains(c.Root, "$") {
		return nil
	}
	tmpl := c.Root
	// The template must end with the capture that carries the rest of the
	// path ("$2"); what comes before it names the directory.
	refs := captureRef.FindAllStringSubmatchIndex(tmpl, -1)
	if len(refs) == 0 || refs[len(refs)-1][1] != len(tmpl) {
		return nil
	}
	last := refs[len(refs)-1]
	restGroup := groupNumber(tmpl, last)
	dirTmpl := tmpl[:last[0]]
	if strings.Contains(captureRef.ReplaceAllString(dirTmpl, ""), "$") {
		return nil // other variables
	}
	// glob pattern and a regex that recovers the captures from a match
	glob := captureRef.ReplaceAllString(dirTmpl, "*")
	var reText strings.Builder
	var groups []int
	prev := 0
	for _, m := range captureRef.FindAllStringSubmatchIndex(dirTmpl, -1) {
		reText.WriteString(regexp.QuoteMeta(dirTmpl[prev:m[0]]))
		reText.WriteString("([^/]+)")
		groups = append(groups, groupNumber(dirTmpl, m))
		prev = m[1]
	}
	reText.WriteString(regexp.QuoteMeta(dirTmpl[prev:]))
	solve, err := regexp.Compile("^" + reText.String() + "$")
	if err != nil {
		return nil
	}
	parsed, err := syntax.Parse(l.Re.String(), syntax.Perl)
	if err != nil {
		return nil
	}
	dirs, err := s.FS.Glob(path.Clean(glob))
	if err != nil {
		return nil
	}
	var out []regexRoot
	for _, d := range dirs {
		m := solve.FindStringSubmatch(d)
		if m == nil {
			continue
		}
		caps := map[int]string{restGroup: "/"}
		for i, g := range groups {
			caps[g] = m[i+1]
		}
		url, ok := invert(parsed, caps)
		if !ok || !strings.HasSuffix(url, "/") {
			continue
		}
		// the regex must give back exactly these captures
		sm := l.Re.FindStringSubmatch(url)
		if sm == nil {
			continue
		}
		good := true
		for g, v := range caps {
			if g >= len(sm) || sm[g] != v {
				good = false
			}
		}
		if good {
			out = append(out, regexRoot{dir: d, url: url})
		}
	}
	return out
}

func groupNumber(s string, m []int) int {
	digits := s[m[2]:m[3]]
	if m[2] < 0 {
		digits = s[m[4]:m[5]]
	}
	n, _ := strconv.Atoi(digits)
	return n
}

// invert builds the string a regex matches when its capture groups take
// the given values; ok is false for any construct outside a capture that
// can match more than one string.
func invert(re *syntax.Regexp, caps map[int]string) (string, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return strings.ToLower(string(re.Rune)), true
		}
		return string(re.Rune), true
	case syntax.OpCapture:
		v, ok := caps[re.Cap]
		return v, ok
	case syntax.OpConcat:
		var b strings.Builder
		for _, sub := range re.Sub {
			s, ok := invert(sub, caps)
			if !ok {
				return "", false
			}
			b.WriteString(s)
		}
		return b.String(), true
	case syntax.OpBeginText, syntax.OpEndText, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpEmptyMatch:
		return "", true
	case syntax.OpQuest:
		if s, ok := invert(re.Sub[0], caps); ok {
			return s, true
		}
		return "", true
	}
	return "", false
}
