package apache

import (
	"fmt"
	"path"
	"strings"
	"sync"

	"github.com/unforbid/unforbid/parser"
	conf "github.com/unforbid/unforbid/parser/apache"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules/simulate"
)

// The override classes of AllowOverride (OR_LIMIT ... OR_INDEXES).
const (
	orLimit = 1 << iota
	orOptions
	orFileInfo
	orAuthCfg
	orIndexes
	orAll = orLimit | orOptions | orFileInfo | orAuthCfg | orIndexes
)

// htDirective is what a .htaccess directive needs: its override class
// and the module that defines it ("" for core).
type htDirective struct {
	class  int
	module string
}

// htDirectives are the directives of a .htaccess file the simulator
// models, by lower-case name (sections without "<").
var htDirectives = map[string]htDirective{
	"require":           {orAuthCfg, "authz_core_module"},
	"requireall":        {orAuthCfg, "authz_core_module"},
	"requireany":        {orAuthCfg, "authz_core_module"},
	"requirenone":       {orAuthCfg, "authz_core_module"},
	"authmerging":       {orAuthCfg, "authz_core_module"},
	"authtype":          {orAuthCfg, "authn_core_module"},
	"authname":          {orAuthCfg, "authn_core_module"},
	"authuserfile":      {orAuthCfg, "authn_file_module"},
	"authbasicprovider": {orAuthCfg, "auth_basic_module"},
	"satisfy":           {orAuthCfg, "access_compat_module"},
	"order":             {orLimit, "access_compat_module"},
	"allow":             {orLimit, "access_compat_module"},
	"deny":              {orLimit, "access_compat_module"},
	"options":           {orOptions, ""},
	"directoryindex":    {orIndexes, "dir_module"},
	"directoryslash":    {orIndexes, "dir_module"},
	"fallbackresource":  {orIndexes, "dir_module"},
	"errordocument":     {orFileInfo, ""},
	"files":             {orAll, ""},
	"ifmodule":          {orAll, ""},
	// <Limit> and <LimitExcept>: AllowOverride Limit or AuthConfig
	// (real Apache refuses them under Indexes and FileInfo)
	"limit":             {orLimit | orAuthCfg, ""},
	"limitexcept":       {orLimit | orAuthCfg, ""},
	"filesmatch":        {orAll, ""},
	"indexoptions":      {orIndexes, "autoindex_module"},
	"indexignore":       {orIndexes, "autoindex_module"},
	"headername":        {orIndexes, "autoindex_module"},
	"readmename":        {orIndexes, "autoindex_module"},
	"adddescription":    {orIndexes, "autoindex_module"},
	"adddefaultcharset": {orFileInfo, ""},
	"addtype":           {orFileInfo, "mime_module"},
	"addcharset":        {orFileInfo, "mime_module"},
	"addencoding":       {orFileInfo, "mime_module"},
	"addlanguage":       {orFileInfo, "mime_module"},
	"removetype":        {orFileInfo, "mime_module"},
	"addhandler":        {orFileInfo, "mime_module"},
	"removehandler":     {orFileInfo, "mime_module"},
	"sethandler":        {orFileInfo, ""},
	"rewriteengine":     {orFileInfo, "rewrite_module"},
	"rewritebase":       {orFileInfo, "rewrite_module"},
	"rewritecond":       {orFileInfo, "rewrite_module"},
	"rewriterule":       {orFileInfo, "rewrite_module"},
	"rewriteoptions":    {orFileInfo, "rewrite_module"},
	// directives of the server config or <Directory> only: "not
	// allowed here" (500) in a .htaccess file whatever AllowOverride
	"allowoverride":     {0, ""},
	"allowoverridelist": {0, ""},
	"accessfilename":    {0, ""},
	"documentroot":      {0, ""},
	"servername":        {0, ""},
	"serveralias":       {0, ""},
	"listen":            {0, ""},
	"loadmodule":        {0, ""},
	"directory":         {0, ""},
	"directorymatch":    {0, ""},
	"location":          {0, ""},
	"locationmatch":     {0, ""},
	"virtualhost":       {0, ""},
	"alias":             {0, "alias_module"},
	"aliasmatch":        {0, "alias_module"},
	"scriptalias":       {0, "alias_module"},
	"scriptaliasmatch":  {0, "alias_module"},
	// mod_php's directives: "Invalid command" (500) where it is not
	// loaded, as on Debian's stock server with PHP-FPM
	"php_value": {orOptions, "php_module"},
	"php_flag":  {orOptions, "php_module"},
}

// overrides is an AllowOverride and AllowOverrideList in force.
type overrides struct {
	class int
	// opts are the options Options=... allows, nil for all of them.
	opts map[string]bool
	// list are the directives AllowOverrideList allows, by lower-case
	// name.
	list map[string]bool
}

// parseOverrides reads AllowOverride and AllowOverrideList as written.
func parseOverrides(p *perDir) (overrides, string) {
	o := overrides{list: map[string]bool{}}
	for _, a := range strings.Fields(p.override) {
		switch l := strings.ToLower(a); {
		case l == "none":
			o.class = 0
		case l == "all":
			o.class, o.opts = orAll, nil
		case l == "limit":
			o.class |= orLimit
		case l == "authconfig":
			o.class |= orAuthCfg
		case l == "fileinfo":
			o.class |= orFileInfo
		case l == "indexes":
			o.class |= orIndexes
		case l == "options":
			o.class |= orOptions
		case strings.HasPrefix(l, "options="):
			o.class |= orOptions
			o.opts = map[string]bool{}
			for _, n := range strings.Split(l[len("options="):], ",") {
				name, ok := optionNames[n]
				if !ok && n != "all" && n != "none" {
					return o, fmt.Sprintf("%s: AllowOverride %s is not modelled yet", p.overRange, a)
				}
				if n == "all" {
					for _, v := range []string{"Indexes", "FollowSymLinks", "ExecCGI", "Includes", "IncludesNOEXEC", "SymLinksIfOwnerMatch"} {
						o.opts[v] = true
					}
				}
				o.opts[name] = true
			}
		default:
			return o, fmt.Sprintf("%s: AllowOverride %s is not modelled yet", p.overRange, a)
		}
	}
	for _, a := range strings.Fields(p.overList) {
		if !strings.EqualFold(a, "none") {
			o.list[strings.ToLower(a)] = true
		}
	}
	return o, ""
}

// readAccess reads the access file f of directory dir, which the worker
// may open, checks its directives against AllowOverride and merges it
// into p as ap_parse_htaccess and the directory walk do. A reason is
// returned for what is not modelled; st.d.Status is set when the file
// refuses the request (500 for a directive not allowed).
func (s *Simulator) readAccess(st *state, p *perDir, f, dir string, isReg bool) string {
	if !isReg {
		st.d.Status = 403
		st.d.Cause = &simulate.Cause{Rule: RuleHtaccessInvalid, Kind: simulate.KindHtaccessInvalid, Path: f, Range: p.overRange,
			Reason: fmt.Sprintf("AH00554: Access to file %s denied by server: not a regular file", f)}
		st.step("htaccess", p.overRange, "%s is not a regular file: pcfg_openfile refuses it (AH00529)", f)
		return ""
	}
	src, err := s.FS.ReadFile(f)
	if err != nil {
		return fmt.Sprintf("read %s: %v is not modelled yet", f, err)
	}
	file, err := conf.Parse(f, src)
	if err != nil {
		st.d.Status = 500
		st.d.Cause = &simulate.Cause{Rule: RuleHtaccessInvalid, Kind: simulate.KindHtaccessInvalid, Path: f, Reason: err.Error()}
		st.step("htaccess", parserRange(f), "%v", err)
		return ""
	}
	for _, d := range file.Directives {
		if d.Unclosed {
			return fmt.Sprintf("%s: <%s> left open in a .htaccess file is not modelled yet", d.Range, d.Name)
		}
	}
	ov, why := parseOverrides(p)
	if why != "" {
		return why
	}
	bad, unsure := s.checkAccess(file.Directives, ov)
	if bad == nil {
		if neg := s.negatedInAny(file.Directives); neg != nil {
			bad, unsure = &htError{neg, "negative Require directive has no effect in <RequireAny> directive"}, ""
		}
	}
	if bad != nil {
		st.d.Status = 500
		st.d.Cause = &simulate.Cause{Rule: RuleHtaccessInvalid, Kind: simulate.KindHtaccessInvalid, Path: f, Range: bad.d.Range,
			Reason: fmt.Sprintf("%s: %s", f, bad.msg)}
		st.step("htaccess", bad.d.Range, "%s (%s): 500", bad.msg, overrideText(p.override))
		return ""
	}
	if unsure != "" {
		return unsure
	}
	ds := s.expandIfModule(file.Directives)
	if why := p.apply(ds); why != "" {
		return why
	}
	// its mod_rewrite directives replace the inherited per-directory
	// rules, as a <Directory> section's do
	p.rewriteSection(nil, ds, dir)
	st.step("htaccess", parserRange(f), "%s applies (%s)", f, overrideText(p.override))
	return ""
}

// htError is a directive of a .htaccess file that httpd refuses.
type htError struct {
	d   *conf.Directive
	msg string
}

// checkAccess finds the first directive of ds that httpd refuses in a
// .htaccess file under ov (it answers 500 for it), else says why some
// directive is not modelled.
func (s *Simulator) checkAccess(ds []*conf.Directive, ov overrides) (*htError, string) {
	unsure := ""
	for _, d := range ds {
		if d.Comment {
			continue
		}
		name := strings.ToLower(d.Name)
		h, known := htDirectives[name]
		harmless, isHarmless := htHarmless[name]
		if isHarmless {
			h, known = harmless.htDirective, true
		}
		if !known && s.Config.Undefined(sectionName(d)) {
			return &htError{d, fmt.Sprintf("Invalid command '%s', perhaps misspelled or defined by a module not included in the server configuration", sectionName(d))}, ""
		}
		if !known {
			if unsure == "" {
				unsure = fmt.Sprintf("%s: %s in a .htaccess file is not modelled yet", d.Range, d.Name)
			}
			continue
		}
		if h.module != "" && !s.Config.Modules[h.module] {
			return &htError{d, fmt.Sprintf("Invalid command '%s', perhaps misspelled or defined by a module not included in the server configuration", d.Name)}, ""
		}
		if ov.class&h.class == 0 && !ov.list[name] {
			n := d.Name
			if d.Section {
				n = "<" + n
			}
			return &htError{d, n + " not allowed here"}, ""
		}
		if d.Is("Options") && ov.opts != nil && !ov.list[name] {
			for _, a := range d.Args {
				n := strings.ToLower(strings.TrimLeft(a, "+-"))
				if n == "all" || n == "none" {
					if unsure == "" {
						unsure = fmt.Sprintf("%s: Options %s under AllowOverride Options=... is not modelled yet", d.Range, a)
					}
					continue
				}
				if on, ok := optionNames[n]; ok && !ov.opts[on] {
					return &htError{d, "Option " + on + " not allowed here"}, ""
				}
			}
		}
		if isHarmless && harmless.check != nil {
			msg, why := harmless.check(s, d)
			if msg != "" {
				return &htError{d, msg}, ""
			}
			if unsure == "" {
				unsure = why
			}
		}
		if d.Is("IfModule") && !s.ifModule(d) {
			continue
		}
		if d.Section {
			bad, why := s.checkAccess(d.Block, ov)
			if bad != nil {
				return bad, ""
			}
			if unsure == "" {
				unsure = why
			}
		}
	}
	return nil, unsure
}

// negatedInAny finds a "Require not" line that mod_authz_core refuses
// when it reads the file: one whose section is a <RequireAny>, the
// implicit one of the file, of <Files> and <Limit> sections included.
// The lines of <RequireAll> (where negation belongs) and of the sections
// it does not know are not looked at.
func (s *Simulator) negatedInAny(ds []*conf.Directive) *conf.Directive {
	for _, d := range ds {
		switch {
		case d.Comment:
		case d.Is("Require") && len(d.Args) > 0 && strings.EqualFold(d.Args[0], "not"):
			return d
		case d.Section && d.Is("IfModule") && !s.ifModule(d):
		case d.Section && (d.Is("IfModule") || d.Is("Files") || d.Is("FilesMatch") || d.Is("Limit") || d.Is("LimitExcept") || d.Is("RequireAny")):
			if n := s.negatedInAny(d.Block); n != nil {
				return n
			}
		}
	}
	return nil
}

// parserRange is the range of a whole file, for trace steps.
func parserRange(f string) (r parser.Range) {
	r.File = f
	r.Start.Line = 1
	return r
}

// ifModule reports whether the condition of an <IfModule> section holds
// (a module by identifier or source file name, "!" negating it).
func (s *Simulator) ifModule(d *conf.Directive) bool {
	if len(d.Args) != 1 {
		return false
	}
	arg := d.Args[0]
	neg := strings.HasPrefix(arg, "!")
	return s.Config.Modules[strings.TrimPrefix(arg, "!")] != neg
}

// expandIfModule replaces the <IfModule> sections of ds by their
// contents when their condition holds, and drops them otherwise, in
// nested sections too (<Files> holding <IfModule>, as Drupal's does):
// those are copied, the parsed file left as it is.
func (s *Simulator) expandIfModule(ds []*conf.Directive) []*conf.Directive {
	var out []*conf.Directive
	for _, d := range ds {
		switch {
		case d.Section && d.Is("IfModule"):
			if s.ifModule(d) {
				out = append(out, s.expandIfModule(d.Block)...)
			}
			continue
		case d.Section && hasIfModule(d.Block):
			c := *d
			c.Block = s.expandIfModule(d.Block)
			d = &c
		}
		out = append(out, d)
	}
	return out
}

// hasIfModule reports whether an <IfModule> section lies in ds, at any
// depth.
func hasIfModule(ds []*conf.Directive) bool {
	for _, d := range ds {
		if d.Section && (d.Is("IfModule") || hasIfModule(d.Block)) {
			return true
		}
	}
	return false
}

// ignoredAccess records in the trace the access files of dir that
// AllowOverride None leaves unread (httpd does not even stat them; the
// simulator looks, so that the reader learns why they do not apply).
// dirInfo is dir's metadata as the walk met it (nil when not at hand).
func (s *Simulator) ignoredAccess(st *state, p *perDir, dir string, dirInfo *fsmeta.Info, scopes []*scope) {
	for _, name := range s.accessFiles(scopes) {
		if s.present.lstat(s.FS, dir, dirInfo, name) {
			st.step("htaccess", p.overRange, "AllowOverride None: %s is never read", path.Join(dir, name))
		}
	}
}

// presence remembers whether the access files of directories exist, for
// ignoredAccess: every request walks the same directories, and most
// hold no access file (a lookup that fsmeta does not cache). An answer
// holds while the directory's metadata is the very *fsmeta.Info the FS
// keeps for it, as long as the FS holds it (until Reset, or until its
// cache is full): what a directory holds is then read once per
// snapshot of it, as its metadata is. It is safe for concurrent use and
// bounded (emptied when it holds maxPresence entries).
type presence struct {
	mu sync.Mutex
	m  map[presenceKey]presenceEntry
}

// presenceKey is a directory by the metadata the FS keeps for it (a
// pointer, cheaper to hash than its path) and the name asked for.
type presenceKey struct {
	dir  *fsmeta.Info
	name string
}

// presenceEntry is an answer, with the FS and the directory's path it
// was asked of (an answer holds for those only).
type presenceEntry struct {
	fs     *fsmeta.FS
	dir    string
	exists bool
}

const maxPresence = 100_000

// lstat reports whether the entry name of the directory dir (whose
// metadata is dirInfo, looked up when nil) exists: FS.Lstat of their
// path.Join succeeds.
func (c *presence) lstat(fsys *fsmeta.FS, dir string, dirInfo *fsmeta.Info, name string) bool {
	if dirInfo == nil {
		if i, err := fsys.Lstat(dir); err == nil {
			dirInfo = i
		}
	}
	if dirInfo == nil || dirInfo.Type != fsmeta.TypeDir {
		info, err := fsys.Lstat(path.Join(dir, name))
		return err == nil && info != nil
	}
	k := presenceKey{dirInfo, name}
	c.mu.Lock()
	e, ok := c.m[k]
	c.mu.Unlock()
	if ok && e.fs == fsys && e.dir == dir {
		return e.exists
	}
	info, err := fsys.Lstat(path.Join(dir, name))
	exists := err == nil && info != nil
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxPresence {
		c.m = make(map[presenceKey]presenceEntry)
	}
	c.m[k] = presenceEntry{fsys, dir, exists}
	c.mu.Unlock()
	return exists
}

// sectionName is d's name as httpd looks it up: "<Name" for a section.
func sectionName(d *conf.Directive) string {
	if d.Section {
		return "<" + d.Name
	}
	return d.Name
}
