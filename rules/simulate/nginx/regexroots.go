package nginx

import (
	"fmt"
	"path"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"

	"github.com/unforbid/unforbid/rules/simulate"
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

// hostRoot is a tree served at one host name of a regex server_name whose
// captures build the root: `server_name ~^(?<user>[a-z]+)\.example\.com$;
// root /srv/users/$user/public;` serves /srv/users/alice/public at
// alice.example.com.
type hostRoot struct {
	dir, host string
	addr      listenAddr
}

// listenAddr is a port and local address a request can come in on.
type listenAddr struct {
	port  int
	local string
}

// capMarker stands for capture group i in a template being expanded.
func capMarker(i int) string { return "\x00" + strconv.Itoa(i) + "\x01" }

var capMarkerRe = regexp.MustCompile("\x00([0-9]+)\x01")

// globMeta escapes the wildcards of a literal part of a glob pattern.
var globMeta = strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`)

// hostName matches the host names captureRoots walks at: lower-case
// labels nginx takes as they are.
var hostName = regexp.MustCompile(`^[a-z0-9_-]+(\.[a-z0-9_-]+)*$`)

// captureRoots finds the trees of a root or alias value built from the
// named captures of the server's regex server_names, per known name: the
// value is globbed with each capture as "*", and for each directory found
// the host name that makes the regex capture those values is built
// (invert), checked to give back the very same directory, and checked to
// reach srv at one of addrs (the first address that works is kept for the
// rest). used is false when the value holds no capture of a regex name;
// err says what could not be inverted exactly (directories then missed).
func (s *Simulator) captureRoots(srv *Server, fv *fixedVars, value, url string, alias bool, addrs []listenAddr) (out []hostRoot, used bool, err error) {
	treeDir := func(v string) string {
		if !path.IsAbs(v) {
			v = path.Join(s.Model.Prefix, v)
		}
		if alias {
			return path.Clean(v)
		}
		return path.Clean(v + url)
	}
	for _, n := range srv.Names {
		re := srv.nameRes[n]
		if re == nil {
			continue
		}
		names := re.SubexpNames()
		caps := map[string]string{}
		for i, cn := range names {
			if cn != "" {
				caps[cn] = capMarker(i)
			}
		}
		if len(caps) == 0 {
			continue
		}
		fv.caps = caps
		tmpl, xerr := fv.expand(value)
		fv.caps = nil
		if xerr != nil {
			err = xerr
			continue
		}
		if !strings.Contains(tmpl, "\x00") {
			continue
		}
		used = true
		tmpl = treeDir(tmpl)
		var glob, solve strings.Builder
		var groups []int
		prev := 0
		for _, m := range capMarkerRe.FindAllStringSubmatchIndex(tmpl, -1) {
			glob.WriteString(globMeta.Replace(tmpl[prev:m[0]]) + "*")
			solve.WriteString(regexp.QuoteMeta(tmpl[prev:m[0]]) + "([^/]+)")
			g, _ := strconv.Atoi(tmpl[m[2]:m[3]])
			groups = append(groups, g)
			prev = m[1]
		}
		glob.WriteString(globMeta.Replace(tmpl[prev:]))
		solve.WriteString(regexp.QuoteMeta(tmpl[prev:]))
		solveRe, err1 := regexp.Compile("^" + solve.String() + "$")
		parsed, err2 := syntax.Parse(re.String(), syntax.Perl)
		dirs, err3 := s.FS.Glob(glob.String())
		if err1 != nil || err2 != nil || err3 != nil {
			err = fmt.Errorf("the captures of server_name %s cannot be inverted", n)
			continue
		}
		probe := map[int]string{}
		for _, g := range groups {
			probe[g] = "x"
		}
		if _, ok := invert(parsed, probe); !ok {
			err = fmt.Errorf("server_name %s is not inverted exactly (only literals, captures and optional parts are)", n)
			continue
		}
		for _, d := range dirs {
			m := solveRe.FindStringSubmatch(d)
			if m == nil {
				continue
			}
			vals := map[int]string{}
			same := true
			for i, g := range groups {
				if v, seen := vals[g]; seen && v != m[i+1] {
					same = false
				}
				vals[g] = m[i+1]
			}
			if !same {
				continue
			}
			host, ok := invert(parsed, vals)
			if !ok {
				err = fmt.Errorf("server_name %s is not inverted exactly (only literals, captures and optional parts are)", n)
				continue
			}
			host = strings.ToLower(host)
			sm := re.FindStringSubmatch(host)
			if !hostName.MatchString(host) || sm == nil {
				continue // no request gives these captures
			}
			named := map[string]string{}
			for i, cn := range names {
				if cn != "" && i < len(sm) {
					named[cn] = sm[i]
				}
			}
			fv.caps = named
			back, xerr := fv.expand(value)
			fv.caps = nil
			if xerr != nil || treeDir(back) != d {
				continue
			}
			for i, a := range addrs {
				req := simulate.Request{Method: "GET", Scheme: "http", Host: host, Port: a.port, Path: "/", ServerIP: a.local}
				if s.SelectServer(req) == srv {
					out = append(out, hostRoot{dir: d, host: host, addr: a})
					addrs = addrs[i : i+1]
					break
				}
			}
		}
	}
	return out, used, err
}
