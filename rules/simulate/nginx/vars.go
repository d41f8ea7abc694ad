package nginx

import (
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"

	conf "github.com/unforbid/unforbid/parser/nginx"
)

// expand substitutes nginx variables in s. Variables the simulator does not
// know are an error: the caller marks the decision unsure.
func (r *run) expand(s string) (string, error) {
	return expandVars(s, &r.depth, r.variable)
}

// expandVars substitutes the variables of s ($name, ${name}, and the
// captures $0 to $9) with what variable returns for their names. depth
// counts the expansions under way: $document_root expands root, which may
// hold variables again, so a configuration that refers to itself stops
// at maxExpandDepth.
func expandVars(s string, depth *int, variable func(name string) (string, error)) (string, error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	*depth++
	defer func() { *depth-- }()
	if *depth > maxExpandDepth {
		return "", fmt.Errorf("variables in %q refer to themselves", s)
	}
	if name, ok := wholeVariable(s); ok {
		// "$uri" and the like: the value itself, no new string
		return variable(name)
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '$' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		var name string
		if s[i+1] == '{' {
			j := strings.IndexByte(s[i+2:], '}')
			if j < 0 {
				return "", fmt.Errorf("unterminated variable in %q", s)
			}
			name = s[i+2 : i+2+j]
			i += j + 2
		} else if s[i+1] >= '0' && s[i+1] <= '9' {
			name = s[i+1 : i+2]
			i++
		} else {
			j := i + 1
			for j < len(s) && (s[j] == '_' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= '0' && s[j] <= '9') {
				j++
			}
			name = s[i+1 : j]
			i = j - 1
		}
		v, err := variable(name)
		if err != nil {
			return "", err
		}
		b.WriteString(v)
	}
	return b.String(), nil
}

// wholeVariable reports whether s is one variable and nothing else
// ("$uri", not "${uri}", "$1" or "$uri/"), and returns its name.
func wholeVariable(s string) (string, bool) {
	if len(s) < 2 || s[0] != '$' || !(s[1] == '_' || s[1] >= 'a' && s[1] <= 'z' || s[1] >= 'A' && s[1] <= 'Z') {
		return "", false
	}
	for i := 2; i < len(s); i++ {
		if c := s[i]; !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return "", false
		}
	}
	return s[1:], true
}

// maxExpandDepth bounds nested variable expansion.
const maxExpandDepth = 8

// captureNumber is strconv.Atoi of a variable's name, which names a
// capture when it is a number; names that cannot be one fail without
// Atoi's error value (one allocation per variable looked up).
func captureNumber(name string) (int, error) {
	if name == "" || (name[0] < '0' || name[0] > '9') && name[0] != '+' && name[0] != '-' {
		return 0, errNotNumber
	}
	return strconv.Atoi(name)
}

var errNotNumber = errors.New("not a number")

// variable returns the value of one nginx variable.
func (r *run) variable(name string) (string, error) {
	if n, err := captureNumber(name); err == nil {
		if n < len(r.caps) {
			return r.caps[n], nil
		}
		return "", nil
	}
	for i, cn := range r.capNames {
		if cn == name && i < len(r.caps) {
			return r.caps[i], nil
		}
	}
	if v, ok := r.vars[name]; ok {
		if v.err != nil {
			return "", v.err
		}
		return v.value, nil
	}
	switch name {
	case "uri", "document_uri":
		return r.uri, nil
	case "request_uri":
		if r.req.RequestURI != "" {
			return r.req.RequestURI, nil
		}
		if r.req.Query != "" {
			return r.req.Path + "?" + r.req.Query, nil
		}
		return r.req.Path, nil
	case "args", "query_string":
		return r.args, nil
	case "is_args":
		if r.args != "" {
			return "?", nil
		}
		return "", nil
	case "host":
		if r.req.Host != "" {
			// ngx_http_validate_host drops a trailing dot
			return strings.TrimSuffix(r.req.Host, "."), nil
		}
		if r.srv != nil && len(r.srv.Names) > 0 {
			return r.srv.Names[0], nil
		}
		return "", nil
	case "http_host":
		return r.req.Host, nil
	case "server_name":
		if r.srv != nil && len(r.srv.Names) > 0 {
			return r.srv.Names[0], nil
		}
		return "", nil
	case "server_port":
		return strconv.Itoa(r.req.Port), nil
	case "scheme":
		return r.req.Scheme, nil
	case "request_method":
		return r.req.Method, nil
	case "remote_addr", "binary_remote_addr":
		// the client's address; the server's is $server_addr
		return r.connAddr(r.req.ClientIP), nil
	case "server_addr":
		return r.connAddr(r.localAddr()), nil
	case "document_root", "realpath_root":
		return r.documentRoot()
	case "request_filename":
		p, _, err := r.mapURI(r.uri)
		return p, err
	case "fastcgi_script_name", "fastcgi_path_info":
		script, info := r.uri, ""
		if re := r.conf.FastCGISplit; re != nil {
			if sm := re.FindStringSubmatch(r.uri); len(sm) >= 3 {
				script, info = sm[1], sm[2]
			}
		}
		if name == "fastcgi_path_info" {
			return info, nil
		}
		return script, nil
	}
	if h, ok := strings.CutPrefix(name, "http_"); ok {
		return r.header(h), nil
	}
	if a, ok := strings.CutPrefix(name, "arg_"); ok {
		for _, kv := range strings.Split(r.args, "&") {
			k, v, _ := strings.Cut(kv, "=")
			if strings.EqualFold(k, a) {
				return v, nil
			}
		}
		return "", nil
	}
	if md := r.s.Model.mapOf(name); md != nil {
		return md.eval(r.expand)
	}
	if r.s.Model.declaredBySet(name) {
		// Empty, but nginx's answer is erratic when a set of the
		// location or server runs after the variable was first read:
		// its script engine measures and copies in two passes that
		// disagree ("no buffer space in script copy", 500)
		if r.tracing() {
			r.step("variable", nil, "using uninitialized \"%s\" variable: no set for it ran on this request, it is empty", name)
		}
		if r.loc != nil && setsVar(r.loc.Rewrites, name) || r.srv != nil && setsVar(r.srv.Rewrites, name) {
			r.unsure("$%s is read before the set that gives it a value", name)
		}
		return "", nil
	}
	return "", fmt.Errorf("variable $%s is not simulated", name)
}

func (r *run) header(lowerUnderscore string) string {
	want := strings.ReplaceAll(lowerUnderscore, "_", "-")
	for k, v := range r.req.Headers {
		if strings.EqualFold(k, want) {
			return v
		}
	}
	return ""
}

// documentRoot is $document_root: the expanded root or alias value.
func (r *run) documentRoot() (string, error) {
	v, err := r.expand(r.conf.Root)
	if err != nil {
		return "", err
	}
	if !path.IsAbs(v) {
		v = path.Join(r.s.Model.Prefix, v)
	}
	if !r.conf.Alias {
		v = strings.TrimSuffix(v, "/")
		if v == "" {
			v = "/"
		}
	}
	return v, nil
}

// mapURI is ngx_http_map_uri_to_path: root + uri, or alias + the uri
// after the location's prefix (the whole path for a regex location).
// It returns the path and the directive (root/alias) that decided it.
func (r *run) mapURI(uri string) (string, bool, error) {
	c := r.conf
	root, err := r.expand(c.Root)
	if err != nil {
		return "", false, err
	}
	if !path.IsAbs(root) {
		root = path.Join(r.s.Model.Prefix, root)
		if strings.HasSuffix(c.Root, "/") {
			root += "/"
		}
	}
	if !c.Alias {
		return strings.TrimSuffix(root, "/") + uri, false, nil
	}
	if c.AliasPrefix < 0 {
		if r.addURIToAlias && uri != "" {
			return root + uri, true, nil
		}
		return root, true, nil
	}
	rest := ""
	if c.AliasPrefix <= len(uri) {
		rest = uri[c.AliasPrefix:]
	}
	return root + rest, true, nil
}

// mapDef is a map block of the http level: map SOURCE $VAR { ... }.
type mapDef struct {
	dir   *conf.Directive
	src   string            // the source value, unexpanded
	dflt  string            // the default value ("" unless set)
	exact map[string]string // lower-cased key -> value
	// unsupported says what the simulator does not model in the block
	// (regex keys, hostnames, include); "" when it models all of it.
	unsupported string
}

// mapOf returns the map block that defines $name, or nil. nginx variable
// names are case-insensitive.
func (m *Model) mapOf(name string) *mapDef {
	if m.Config == nil {
		return nil
	}
	for _, h := range m.Config.Dirs {
		if h.Name != "http" {
			continue
		}
		for _, d := range h.Block {
			if d.Name != "map" || len(d.Args) != 2 || !d.IsBlock() || !strings.EqualFold(strings.TrimPrefix(d.Args[1], "$"), name) {
				continue
			}
			return parseMap(d)
		}
	}
	return nil
}

func parseMap(d *conf.Directive) *mapDef {
	md := &mapDef{dir: d, src: d.Args[0], exact: map[string]string{}}
	for _, e := range d.Block {
		switch {
		case e.Name == "#":
		case e.Name == "default" && len(e.Args) == 1:
			md.dflt = e.Args[0]
		case e.Name == "volatile" && len(e.Args) == 0:
		case e.Name == "hostnames" || e.Name == "include":
			md.unsupported = fmt.Sprintf("map %q (%s)", e.Name, e.Range)
		case len(e.Args) != 1:
			md.unsupported = fmt.Sprintf("map entry %q (%s)", e.Name, e.Range)
		case strings.HasPrefix(e.Name, "~"):
			md.unsupported = fmt.Sprintf("map regex %q (%s)", e.Name, e.Range)
		case strings.HasPrefix(e.Name, "\\") || e.Name == "":
			md.unsupported = fmt.Sprintf("map entry %q (%s)", e.Name, e.Range)
		default:
			// keys are compared without case (ngx_hash_add_key lowers
			// them, ngx_http_map_find the value)
			md.exact[strings.ToLower(e.Name)] = e.Args[0]
		}
	}
	return md
}

// eval computes the map's value through expand: an exact key matching the
// source value without case, else the default. A map with only a default
// does not look at its source at all.
func (md *mapDef) eval(expand func(string) (string, error)) (string, error) {
	if md.unsupported != "" {
		return "", fmt.Errorf("%s is not simulated", md.unsupported)
	}
	if len(md.exact) == 0 {
		return expand(md.dflt)
	}
	src, err := expand(md.src)
	if err != nil {
		return "", err
	}
	if v, ok := md.exact[strings.ToLower(src)]; ok && src != "" {
		return expand(v)
	}
	return expand(md.dflt)
}

// setsVar reports whether a set directive among dirs (or in their if
// blocks) sets the variable name.
func setsVar(dirs []*conf.Directive, name string) bool {
	for _, d := range dirs {
		if d.Name == "set" && len(d.Args) == 2 && strings.EqualFold(d.Args[0], "$"+name) {
			return true
		}
		if d.Name == "if" && setsVar(d.Block, name) {
			return true
		}
	}
	return false
}

// setVar sets a variable of the request; the map is made on the first
// (most requests set none).
func (r *run) setVar(name string, v setVar) {
	if r.vars == nil {
		r.vars = map[string]setVar{}
	}
	r.vars[name] = v
}
