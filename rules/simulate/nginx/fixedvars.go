package nginx

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	conf "github.com/unforbid/unforbid/parser/nginx"
)

// fixedVars resolves the variables whose value is the same for every
// request a server answers, so that the scanner can walk a tree given as
// `root $MAGE_ROOT/pub;`. It is conservative: a variable is fixed only when
// nothing but one constant `set` at the top of the server can give it a
// value before root or alias is used. Each value agrees with what the
// simulator's runtime expansion (vars.go) computes for any request.
type fixedVars struct {
	s    *Simulator
	srv  *Server
	vals map[string]string // set variables, by name as written
	why  map[string]string // lower-cased name -> why it is not fixed
	// depth bounds nested expansion ($document_root, maps).
	depth int
	// caps, when set, gives the named captures of a regex server_name
	// the values of one host name (captureRoots).
	caps map[string]string
}

// varDefiners are the directives that give a variable a value, with the
// index of the argument naming it.
var varDefiners = map[string]int{
	"set": 0, "auth_request_set": 0, "perl_set": 0, "js_set": 0,
	"set_by_lua": 0, "set_by_lua_block": 0, "set_by_lua_file": 0,
}

// httpDefiners define a variable for the whole http block, with the index
// of the argument naming it (-1: the last one). A map variable is
// resolved through its block; the same name set in a server as well is not.
var httpDefiners = map[string]int{"map": 1, "split_clients": 1, "geo": -1}

// captureName finds named captures of a PCRE regex: (?<n>), (?P<n>), (?'n').
var captureName = regexp.MustCompile(`\(\?(?:P?<([A-Za-z_][A-Za-z0-9_]*)>|'([A-Za-z_][A-Za-z0-9_]*)')`)

// newFixedVars runs the server-level `set` directives of srv that every
// request runs alike.
func (s *Simulator) newFixedVars(srv *Server) *fixedVars {
	fv := &fixedVars{s: s, srv: srv, vals: map[string]string{}, why: map[string]string{}}
	top := map[*conf.Directive]bool{}
	for _, d := range srv.Rewrites {
		top[d] = true
	}
	// Whatever else can give a variable a value makes it vary: a set in a
	// location or an if block, auth_request_set, a named capture of a
	// location, if or rewrite regex, a map or geo of the same name.
	global := map[string]*conf.Directive{}
	var visit func(ds []*conf.Directive, inServer bool)
	visit = func(ds []*conf.Directive, inServer bool) {
		for _, d := range ds {
			if i, ok := varDefiners[d.Name]; ok && i < len(d.Args) && strings.HasPrefix(d.Args[i], "$") && !(inServer && top[d]) {
				fv.notFixed(d.Args[i][1:], fmt.Sprintf("%s at %s gives it another value", d.Name, d.Range))
			}
			if i, ok := httpDefiners[d.Name]; ok && len(d.Args) >= 1 {
				if i < 0 || i >= len(d.Args) {
					i = len(d.Args) - 1
				}
				global[strings.ToLower(strings.TrimPrefix(d.Args[i], "$"))] = d
			}
			var regexes []string
			switch d.Name {
			case "location", "if":
				regexes = d.Args
			case "rewrite":
				if len(d.Args) > 0 {
					regexes = d.Args[:1]
				}
			case "map":
				for _, e := range d.Block {
					regexes = append(regexes, e.Name)
				}
			}
			for _, re := range regexes {
				for _, m := range captureName.FindAllStringSubmatch(re, -1) {
					fv.notFixed(m[1]+m[2], fmt.Sprintf("a named capture of the regex at %s sets it", d.Range))
				}
			}
			if d.IsBlock() && d.Name != "server" && d.Name != "map" {
				visit(d.Block, false)
			}
		}
	}
	visit(srv.Dir.Block, true)
	for _, h := range s.Model.Config.Dirs {
		if h.Name == "http" {
			visit(h.Block, false)
		}
	}
	// Top-level sets in order; a rewrite, if, break or return before a set
	// may end the server's rewrites for some requests, leaving the
	// variable unset for them.
	var stop *conf.Directive
	seen := map[string]string{}
	for _, d := range srv.Rewrites {
		switch d.Name {
		case "set":
			if len(d.Args) != 2 || !strings.HasPrefix(d.Args[0], "$") {
				continue
			}
			name := d.Args[0][1:]
			if fv.why[strings.ToLower(name)] != "" {
				continue
			}
			if g := global[strings.ToLower(name)]; g != nil {
				fv.notFixed(name, fmt.Sprintf("the %s at %s defines it too", g.Name, g.Range))
				continue
			}
			if stop != nil {
				fv.notFixed(name, fmt.Sprintf("set at %s follows %s %s, which can end the server's rewrites first", d.Range, stop.Name, stop.Range))
				continue
			}
			v, err := fv.expand(d.Args[1])
			if err != nil {
				fv.notFixed(name, fmt.Sprintf("set at %s: %v", d.Range, err))
				continue
			}
			if old, ok := seen[strings.ToLower(name)]; ok && old != v {
				fv.notFixed(name, fmt.Sprintf("set twice with different values (%s)", d.Range))
				continue
			}
			seen[strings.ToLower(name)] = v
			fv.vals[name] = v
		case "rewrite", "if", "break", "return":
			if stop == nil {
				stop = d
			}
		}
	}
	return fv
}

func (fv *fixedVars) notFixed(name, why string) {
	low := strings.ToLower(name)
	if fv.why[low] == "" {
		fv.why[low] = why
	}
	for n := range fv.vals {
		if strings.ToLower(n) == low {
			delete(fv.vals, n)
		}
	}
}

// expand follows the runtime expansion (run.expand, run.variable) for the
// variables that are fixed per server, and fails on any other. It
// resolves root and alias values for the scanner.
func (fv *fixedVars) expand(s string) (string, error) {
	return expandVars(s, &fv.depth, fv.variable)
}

// variable is the fixed value of $name, in the runtime's order of lookup:
// captures of a regex server_name, set variables, builtins, maps.
func (fv *fixedVars) variable(name string) (string, error) {
	if len(name) == 1 && name[0] >= '0' && name[0] <= '9' {
		return "", fmt.Errorf("$%s is a regex capture, which varies per request", name)
	}
	if why := fv.why[strings.ToLower(name)]; why != "" {
		return "", fmt.Errorf("$%s can differ per request: %s", name, why)
	}
	if v, ok := fv.caps[name]; ok {
		return v, nil
	}
	for _, re := range fv.srv.nameRes {
		for _, cn := range re.SubexpNames() {
			if cn == name {
				return "", fmt.Errorf("$%s is a capture of a regex server_name, which varies per host name", name)
			}
		}
	}
	if v, ok := fv.vals[name]; ok {
		return v, nil
	}
	switch name {
	case "server_name":
		// the first name, as written; nginx takes a wildcard or regex
		// name as it stands, so only a plain one is certain
		if n := fv.srv.Names[0]; n != "" && !strings.ContainsAny(n, "*~") && !strings.HasPrefix(n, ".") {
			return n, nil
		}
		return "", fmt.Errorf("$server_name of a server without a plain first name is not resolved")
	case "document_root", "realpath_root":
		if name == "realpath_root" {
			return "", fmt.Errorf("$realpath_root depends on symbolic links and is not resolved")
		}
		// the server-level root while the server's rewrites run
		c := fv.srv.Conf
		v, err := fv.expand(c.Root)
		if err != nil {
			return "", err
		}
		if !path.IsAbs(v) {
			v = path.Join(fv.s.Model.Prefix, v)
		}
		if v = strings.TrimSuffix(v, "/"); v == "" {
			v = "/"
		}
		return v, nil
	}
	if md := fv.s.Model.mapOf(name); md != nil {
		if md.unsupported != "" {
			return "", fmt.Errorf("$%s comes from a map with %s, which is not resolved", name, md.unsupported)
		}
		v, err := md.eval(fv.expand)
		if err != nil {
			return "", fmt.Errorf("$%s comes from the map at %s: %v", name, md.dir.Range, err)
		}
		return v, nil
	}
	return "", fmt.Errorf("$%s varies per request", name)
}
