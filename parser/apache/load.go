package apache

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/unforbid/unforbid/parser"
	"github.com/unforbid/unforbid/parser/fsmeta"
)

// MaxIncludeDepth is httpd's AP_MAX_INCLUDE_DEPTH: how deep Include may
// nest, and how deep an included directory may be walked.
const MaxIncludeDepth = 128

// maxFiles bounds the files one Load reads (an include fan-out that is
// no cycle can still be exponential).
const maxFiles = 100000

// DebianBuiltinModules are the modules compiled into Debian's apache2
// (`apache2 -l`), by source file name.
var DebianBuiltinModules = []string{"core.c", "mod_so.c", "mod_watchdog.c", "http_core.c",
	"mod_log_config.c", "mod_logio.c", "mod_version.c", "mod_unixd.c"}

// RHELBuiltinModules are the modules compiled into RHEL's httpd (`httpd -l`).
var RHELBuiltinModules = []string{"core.c", "mod_so.c", "http_core.c"}

// Options tell Load how the server is started.
type Options struct {
	// FS is the filesystem view every file is read through.
	FS *fsmeta.FS
	// Defines are the -D arguments: "NAME", or "NAME=value" to give the
	// name a value for ${NAME} as Define does.
	Defines []string
	// Env is the environment the server starts with, the fallback of
	// ${VAR}. On Debian the export lines of envvars (next to the main
	// file) are read over it, as apache2ctl sources that file.
	Env map[string]string
	// ServerRoot is the compiled-in server root (-d); "" means the one of
	// the layout: /etc/httpd for a main file under /etc/httpd, else the
	// main file's directory.
	ServerRoot string
	// Builtin are the compiled-in modules by source name ("mod_so.c");
	// nil means the layout's list (DebianBuiltinModules or
	// RHELBuiltinModules).
	Builtin []string
}

// Dropped is a conditional section (<IfModule>, <IfDefine>, <IfFile>)
// Load left out, and why.
type Dropped struct {
	// Section is the conditional node, as parsed.
	Section *Directive
	// Reason says what decided it, e.g. "module mod_ssl.c is not loaded".
	Reason string
}

// Include is one Include or IncludeOptional line and the files it read,
// in order.
type Include struct {
	Directive *Directive
	Files     []string
}

// Config is a whole server's configuration as httpd reads it at start.
type Config struct {
	// Main is the main config file as the server sees it.
	Main string
	// ServerRoot is the server root in effect at the end of reading.
	ServerRoot string
	// Directives is the effective tree: Include lines replaced by the
	// files they read, <IfModule>/<IfDefine> sections that hold replaced
	// by their children and the others removed (likewise <IfFile>), and ${VAR} substituted
	// in Args. Nodes are copies; their Range and ArgSpans point into the
	// files they come from (Range.File).
	Directives []*Directive
	// Files are the files read, by name, each parsed once.
	Files map[string]*File
	// Order lists the files in the order they were first read.
	Order []string
	// Includes lists every Include and IncludeOptional line that ran.
	Includes []Include
	// Dropped lists the conditional sections left out.
	Dropped []Dropped
	// Defines are the names defined at the end (-D and Define), with
	// their values ("" when none).
	Defines map[string]string
	// Env is the environment ${VAR} fell back on (Options.Env with
	// Debian's envvars read over it).
	Env map[string]string
	// Modules are the modules loaded at the end: built-in ones and those
	// of LoadModule, by identifier ("rewrite_module") and by source name
	// ("mod_rewrite.c").
	Modules map[string]bool
	// Warnings are what httpd only warns about (an undefined ${VAR}).
	Warnings []*parser.Error
}

// loader holds the state of one Load.
type loader struct {
	opts    Options
	fs      *fsmeta.FS
	cfg     *Config
	errs    parser.ErrorList
	defined map[string]bool   // -D and Define names
	vars    map[string]string // Define names with values
	stack   []string          // files being read, for cycles
	reads   int
	// checkNames is whether directive names are checked against the
	// loaded modules: true while every loaded module is one whose
	// directives moduleDirectives knows.
	checkNames bool
	// builtin are the compiled-in modules, by source name.
	builtin map[string]bool
	// pre holds what prefetch read ahead for the paths a wildcard
	// Include matched, each taken once by includePath and includeFile.
	pre map[string]*prefetched
}

// prefetched is what includePath and includeFile would read of a path:
// its directory listing, or else its text and parse.
type prefetched struct {
	names  []string // the entries, when dirErr is nil
	dirErr error    // not a directory (any error will do)
	err    error    // of reading the text
	f      *File
	perr   error // of parsing it
}

// minPrefetch is the number of paths a wildcard must match for them to
// be read and parsed ahead, concurrently (sites-enabled/*.conf on a host
// of many virtual hosts).
var minPrefetch = 16

// prefetch reads and parses the paths ahead, on every CPU, so that the
// Include of many files costs their sum divided by the cores. It changes
// nothing of the outcome: the results are taken in the order httpd reads
// the files, and every error is reported there, as without it. Paths
// already read or at hand are skipped.
func (l *loader) prefetch(paths []string) {
	var todo []string
	for _, p := range paths {
		if _, ok := l.cfg.Files[p]; ok {
			continue
		}
		if _, ok := l.pre[p]; ok {
			continue
		}
		todo = append(todo, p)
	}
	if len(todo) < minPrefetch {
		return
	}
	out := make([]prefetched, len(todo))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(todo)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(todo) {
					return
				}
				r, p := &out[i], todo[i]
				// a file read whole is no directory: includePath's
				// listing of it would fail (only the failure matters)
				src, err := l.fs.ReadFileLimit(p, MaxFileSize)
				if err == nil {
					r.dirErr = syscall.ENOTDIR
					r.f, r.perr = Parse(p, src)
					continue
				}
				if r.names, r.dirErr = l.fs.ReadDirNames(p); r.dirErr != nil {
					r.err = err
				}
			}
		}()
	}
	wg.Wait()
	if l.pre == nil {
		l.pre = map[string]*prefetched{}
	}
	for i, p := range todo {
		l.pre[p] = &out[i]
	}
}

// Load reads the server whose main config file is main (a server path; a
// relative one is taken under the server root) as httpd does at start.
// The Config is returned even with an error, holding what was read; the
// error is a parser.ErrorList of file:line problems that make httpd
// refuse to start: a syntax error, a missing Include, an include cycle.
func Load(main string, opts Options) (*Config, error) {
	if opts.FS == nil {
		opts.FS = fsmeta.New("/")
	}
	root := opts.ServerRoot
	rhel := strings.HasPrefix(main, "/etc/httpd/")
	if root == "" {
		if rhel {
			root = "/etc/httpd"
		} else {
			root = path.Dir(main)
		}
	}
	if !path.IsAbs(main) {
		main = path.Join(root, main)
	}
	builtin := opts.Builtin
	if builtin == nil {
		builtin = DebianBuiltinModules
		if rhel {
			builtin = RHELBuiltinModules
		}
	}
	l := &loader{
		opts: opts,
		fs:   opts.FS,
		cfg: &Config{Main: main, ServerRoot: root, Files: map[string]*File{}, Defines: map[string]string{},
			Env: map[string]string{}, Modules: map[string]bool{}},
		defined:    map[string]bool{},
		vars:       map[string]string{},
		checkNames: true,
		builtin:    map[string]bool{},
	}
	for _, m := range builtin {
		if !KnownModule(m) {
			l.checkNames = false
		}
		l.builtin[m] = true
		l.addModule(strings.TrimSuffix(strings.TrimPrefix(m, "mod_"), ".c")+"_module", m)
	}
	l.cfg.Modules["http_module"] = true
	for k, v := range opts.Env {
		l.cfg.Env[k] = v
	}
	l.readEnvvars(path.Join(path.Dir(main), "envvars"))
	for _, d := range opts.Defines {
		name, val, hasVal := strings.Cut(d, "=")
		l.defined[name] = true
		if hasVal {
			l.vars[name] = val
		}
	}
	l.cfg.Directives = l.includeFile(main, nil, true)
	// A server config loads its MPM (apache2 refuses to start without
	// one: AH00534); a fragment without one, as tests and samples are,
	// is not held to its modules.
	if l.checkNames && (l.cfg.Modules["event.c"] || l.cfg.Modules["prefork.c"] || l.cfg.Modules["worker.c"]) {
		l.checkDirectiveNames(l.cfg.Directives)
	}
	for name := range l.defined {
		l.cfg.Defines[name] = l.vars[name]
	}
	return l.cfg, l.errs.Err()
}

// checkDirectiveNames reports, as httpd does when it walks the tree it
// read, every directive (and section) of ds that no loaded module
// defines. httpd looks names up only once every LoadModule has run, so
// the modules are those loaded at the end, wherever the line stands.
func (l *loader) checkDirectiveNames(ds []*Directive) {
	// the answer per name as written: a large configuration is the same
	// few names many times over
	type key struct {
		name    string
		section bool
	}
	known := map[key]bool{}
	Walk(ds, func(d *Directive) bool {
		if d.Comment || d.Name == "" {
			return true
		}
		name := func() string {
			if d.Section {
				return "<" + d.Name
			}
			return d.Name
		}
		k := key{d.Name, d.Section}
		ok, seen := known[k]
		if !seen {
			ok = directiveKnown(name(), l.cfg.Modules)
			known[k] = ok
		}
		if !ok {
			l.errAt(d, "Invalid command '%s', perhaps misspelled or defined by a module not included in the server configuration", name())
			return false
		}
		return true
	})
}

// addModule records a loaded module by identifier and source name.
func (l *loader) addModule(id, source string) {
	l.cfg.Modules[id] = true
	l.cfg.Modules[source] = true
}

// moduleSource guesses a module's source file name from its identifier:
// rewrite_module is mod_rewrite.c; the MPMs are event.c, prefork.c and
// worker.c.
func moduleSource(id string) string {
	base := strings.TrimSuffix(id, "_module")
	if mpm, ok := strings.CutPrefix(base, "mpm_"); ok {
		return mpm + ".c"
	}
	return "mod_" + base + ".c"
}

// readEnvvars reads Debian's envvars: its "export NAME=value" lines, with
// $NAME and ${NAME} expanded from what is set so far. It never runs the
// file; a missing file is no error.
func (l *loader) readEnvvars(p string) {
	src, err := l.fs.ReadFileLimit(p, MaxFileSize)
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(src), "\n") {
		line = strings.TrimSpace(line)
		rest, ok := strings.CutPrefix(line, "export ")
		if !ok {
			continue
		}
		name, val, ok := strings.Cut(strings.TrimSpace(rest), "=")
		if !ok || name == "" || strings.ContainsAny(name, " \t$") {
			continue
		}
		l.cfg.Env[name] = shellValue(val, l.cfg.Env)
	}
}

// shellValue expands a simple shell word: quotes removed, $NAME and
// ${NAME} replaced from env (unset names are empty), a comment after
// blanks dropped.
func shellValue(v string, env map[string]string) string {
	var sb strings.Builder
	var quote byte
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case quote == 0 && (c == ' ' || c == '\t'):
			return sb.String()
		case c == '\'' && quote != '"':
			if quote == '\'' {
				quote = 0
			} else {
				quote = '\''
			}
		case c == '"' && quote != '\'':
			if quote == '"' {
				quote = 0
			} else {
				quote = '"'
			}
		case c == '$' && quote != '\'' && i+1 < len(v):
			name, n := "", 0
			if v[i+1] == '{' {
				if end := strings.IndexByte(v[i:], '}'); end > 0 {
					name, n = v[i+2:i+end], end
					if k := strings.IndexAny(name, ":-=+?#%"); k >= 0 {
						name = name[:k]
					}
				}
			} else {
				j := i + 1
				for j < len(v) && (v[j] == '_' || v[j] >= 'a' && v[j] <= 'z' || v[j] >= 'A' && v[j] <= 'Z' || v[j] >= '0' && v[j] <= '9') {
					j++
				}
				name, n = v[i+1:j], j-i-1
			}
			if n == 0 {
				sb.WriteByte(c)
				continue
			}
			sb.WriteString(env[name])
			i += n
		default:
			sb.WriteByte(c)
		}
	}
	return sb.String()
}

// errAt records a problem at a directive.
func (l *loader) errAt(d *Directive, format string, args ...any) {
	l.errs.Add(parser.Errorf(d.Range.File, d.Range.Start.Line, format, args...))
}

// includeFile reads and parses one file and returns its effective nodes.
// from is the Include line, nil for the main file.
func (l *loader) includeFile(p string, from *Directive, mustExist bool) []*Directive {
	for _, s := range l.stack {
		if s == p {
			l.errAt(from, "Exceeded the maximum include directory nesting level of %d. You have probably a recursion somewhere.", MaxIncludeDepth)
			return nil
		}
	}
	if len(l.stack) >= MaxIncludeDepth {
		l.errAt(from, "Exceeded the maximum include directory nesting level of %d. You have probably a recursion somewhere.", MaxIncludeDepth)
		return nil
	}
	l.reads++
	if l.reads > maxFiles {
		if l.reads == maxFiles+1 {
			l.errAt(from, "more than %d config files read", maxFiles)
		}
		return nil
	}
	f, ok := l.cfg.Files[p]
	if !ok {
		var err, perr error
		if pre := l.pre[p]; pre != nil {
			delete(l.pre, p)
			err, f, perr = pre.err, pre.f, pre.perr
		} else {
			var src []byte
			if src, err = l.fs.ReadFileLimit(p, MaxFileSize); err == nil {
				f, perr = Parse(p, src)
			}
		}
		if err != nil {
			msg := fmt.Sprintf("Could not open configuration file %s: %s", p, errText(err))
			var tl *fsmeta.TooLargeError
			if errors.As(err, &tl) {
				msg = fmt.Sprintf("%s: file too large (%d bytes, limit %d)", p, tl.Size, tl.Limit)
			}
			if from == nil {
				l.errs.Add(&parser.Error{File: p, Msg: msg})
			} else if mustExist || !errors.Is(err, fs.ErrNotExist) {
				l.errAt(from, "%s", msg)
			}
			return nil
		}
		if perr != nil {
			var list parser.ErrorList
			if errors.As(perr, &list) {
				l.errs = append(l.errs, list...)
			} else {
				l.errs.Add(&parser.Error{File: p, Msg: perr.Error()})
			}
			return nil
		}
		l.cfg.Files[p] = f
		l.cfg.Order = append(l.cfg.Order, p)
	}
	l.stack = append(l.stack, p)
	out := l.nodes(f.Directives)
	l.stack = l.stack[:len(l.stack)-1]
	return out
}

// errText words an fsmeta error as strerror does ("No such file or
// directory").
func errText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		if s != "" {
			return strings.ToUpper(s[:1]) + s[1:]
		}
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// nodes returns the effective nodes of ds, in order, running the
// directives httpd runs while it reads (EXEC_ON_READ).
//
// What nodes keeps as written is not copied: a directive without ${VAR}
// is the parsed file's own, so is a section whose children are all kept
// as written, and ds itself is returned when every node is kept (the
// files of a large configuration are mostly such: the Config shares
// them with the parsed Files instead of holding a second copy).
func (l *loader) nodes(ds []*Directive) []*Directive {
	out := splice{src: ds}
	for _, d := range ds {
		if d.Comment {
			out.add(d)
			continue
		}
		c := l.substitute(d)
		if c.Section && c.MissingGT {
			l.errAt(c, "<%s> directive missing closing '>'", c.Name)
			continue
		}
		switch {
		case c.Is("Include") || c.Is("IncludeOptional"):
			if len(c.Args) != 1 {
				l.errAt(c, "%s takes one argument, Name(s) of the config files to be included; fails if the wildcard does not match at least one file", c.Name)
				continue
			}
			inc := Include{Directive: c}
			out.add(l.include(c, &inc)...)
			l.cfg.Includes = append(l.cfg.Includes, inc)
		case c.Is("ServerRoot") && !c.Section:
			if len(c.Args) == 1 {
				l.cfg.ServerRoot = l.rootRelative(c.Args[0])
			}
			out.add(c)
		case c.Is("Define") && !c.Section:
			if len(c.Args) < 1 || len(c.Args) > 2 {
				l.errAt(c, "Define takes 1-2 arguments, Define a variable, optionally to a value.  Same as passing -D to the command line.")
				continue
			}
			if strings.Contains(c.Args[0], ":") {
				l.errAt(c, "Variable name must not contain ':'")
				continue
			}
			l.defined[c.Args[0]] = true
			if len(c.Args) == 2 {
				l.vars[c.Args[0]] = c.Args[1]
			} else {
				delete(l.vars, c.Args[0])
			}
			out.add(c)
		case c.Is("UnDefine") && !c.Section:
			if len(c.Args) != 1 {
				l.errAt(c, "UnDefine takes one argument, Undefine the existence of a variable. Undo a Define.")
				continue
			}
			delete(l.defined, c.Args[0])
			delete(l.vars, c.Args[0])
			out.add(c)
		case c.Is("LoadModule") && !c.Section:
			if len(c.Args) != 2 {
				l.errAt(c, "LoadModule takes two arguments, a module name and the name of a shared object file to load it from")
				continue
			}
			src := moduleSource(c.Args[0])
			if l.builtin[src] {
				l.errAt(c, "module %s is built-in and can't be loaded", c.Args[0])
				continue
			}
			if !KnownModule(src) {
				l.checkNames = false // its directives are unknown to us
			}
			l.addModule(c.Args[0], src)
			out.add(c)
		case c.Section && (c.Is("IfModule") || c.Is("IfDefine") || c.Is("IfFile")):
			if len(c.Args) == 0 {
				l.errAt(c, "<%s> directive requires additional arguments", c.Name)
				continue
			}
			arg := c.Args[0]
			neg := strings.HasPrefix(arg, "!")
			arg = strings.TrimPrefix(arg, "!")
			var have bool
			var what string
			switch {
			case c.Is("IfFile"):
				p := l.rootRelative(arg)
				have = l.fs.Access(fsmeta.Cred{User: "root"}, p, 0, true).OK()
				what = p + " does not exist"
				if neg {
					what = p + " exists"
				}
			case c.Is("IfModule"):
				have = l.cfg.Modules[arg]
				what = "module " + arg + " is not loaded"
				if neg {
					what = "module " + arg + " is loaded"
				}
			default:
				have = l.defined[arg]
				what = arg + " is not defined"
				if neg {
					what = arg + " is defined"
				}
			}
			if have != neg {
				// httpd reads a section it keeps up to a line that is
				// exactly "</Name>"; any other closing line is seen
				// outside every section.
				if src := l.cfg.Files[c.Range.File]; src != nil && c.CloseStart < c.CloseEnd &&
					!strings.EqualFold(joinContinued(src.Src[c.CloseStart:c.CloseEnd]), "</"+c.Name+">") {
					w, _ := getword([]byte(joinContinued(src.Src[c.CloseStart:c.CloseEnd])), 0)
					l.errs.Add(parser.Errorf(c.Range.File, c.Range.End.Line, "%s without matching <%s section", w.val, w.val[2:]))
					continue
				}
				out.add(l.nodes(c.Block)...)
			} else if c.Unclosed {
				l.errAt(c, "Expected </%s> before end of configuration", c.Name)
			} else {
				l.cfg.Dropped = append(l.cfg.Dropped, Dropped{Section: d, Reason: what})
			}
		case c.Section:
			kids := l.nodes(d.Block)
			if c == d && !slices.Equal(kids, d.Block) {
				cc := *d
				c = &cc
			}
			if c != d {
				c.Block = kids
			}
			out.add(c)
		default:
			out.add(c)
		}
	}
	return out.result()
}

// splice gathers the nodes of a list src, copying src only from the
// first node that differs from src's own.
type splice struct {
	src, out []*Directive
	n        int  // nodes of src kept as they are, while !copied
	copied   bool // out holds the nodes
}

// add appends nodes.
func (s *splice) add(ds ...*Directive) {
	for _, d := range ds {
		if !s.copied {
			if s.n < len(s.src) && s.src[s.n] == d {
				s.n++
				continue
			}
			s.out = append(make([]*Directive, 0, len(s.src)+len(ds)), s.src[:s.n]...)
			s.copied = true
		}
		s.out = append(s.out, d)
	}
}

// result returns the nodes added, nil when none.
func (s *splice) result() []*Directive {
	switch {
	case s.copied:
		return s.out
	case s.n == 0:
		return nil
	}
	return s.src[:s.n:s.n]
}

// joinContinued returns b with its backslash-newlines removed, as the
// logical line httpd reads.
func joinContinued(b []byte) string {
	return strings.NewReplacer("\\\r\n", "", "\\\n", "").Replace(string(b))
}

// rootRelative is ap_server_root_relative: p joined to the server root
// unless absolute.
func (l *loader) rootRelative(p string) string {
	if path.IsAbs(p) {
		return path.Clean(p)
	}
	return path.Join(l.cfg.ServerRoot, p)
}

// include runs one Include or IncludeOptional line c and returns the
// nodes of the files it reads, noting them in inc.
func (l *loader) include(c *Directive, inc *Include) []*Directive {
	optional := c.Is("IncludeOptional")
	p := l.rootRelative(c.Args[0])
	if !hasWildcard(p) {
		return l.includePath(c, inc, p, !optional, 0)
	}
	// Walk the components: those without wildcards are joined, those
	// with them are matched against directory entries (fnmatch with
	// APR_FNM_PERIOD), sorted.
	return l.includeGlob(c, inc, "/", strings.Split(strings.TrimPrefix(p, "/"), "/"), optional)
}

// includeGlob is process_resource_config_fnmatch: dir is a directory
// path without wildcards, comps the components still to match.
func (l *loader) includeGlob(c *Directive, inc *Include, dir string, comps []string, optional bool) []*Directive {
	comp, rest := comps[0], comps[1:]
	if !hasWildcard(comp) {
		p := path.Join(dir, comp)
		if len(rest) > 0 {
			return l.includeGlob(c, inc, p, rest, optional)
		}
		return l.includePath(c, inc, p, !optional, 0)
	}
	names, err := l.fs.ReadDirNames(dir)
	if err != nil {
		if optional && errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		l.errAt(c, "Include/IncludeOptional: Could not open directory %s: %s", dir, errText(err))
		return nil
	}
	var matched []string
	for _, n := range names {
		if !fnmatchPeriod(comp, n) {
			continue
		}
		full := path.Join(dir, n)
		if len(rest) > 0 && !l.isDir(full) {
			continue
		}
		matched = append(matched, full)
	}
	sort.Strings(matched)
	if len(matched) == 0 {
		if !optional {
			l.errAt(c, "Include/IncludeOptional: No matches for the wildcard '%s' in '%s', failing", comp, dir)
		}
		return nil
	}
	if len(rest) == 0 {
		l.prefetch(matched)
	}
	var out []*Directive
	for _, m := range matched {
		if len(rest) > 0 {
			out = append(out, l.includeGlob(c, inc, m, rest, optional)...)
		} else {
			out = append(out, l.includePath(c, inc, m, true, 0)...)
		}
	}
	return out
}

// isDir reports whether p is a directory, following symlinks.
func (l *loader) isDir(p string) bool {
	_, err := l.fs.ReadDirNames(p)
	return err == nil
}

// includePath is process_resource_config_nofnmatch: a directory is read
// whole, its entries (dot files too) sorted and included recursively; a
// file is parsed. A missing path is an error when mustExist.
func (l *loader) includePath(c *Directive, inc *Include, p string, mustExist bool, depth int) []*Directive {
	if depth > MaxIncludeDepth {
		l.errAt(c, "Exceeded the maximum include directory nesting level of %d. You have probably a recursion somewhere.", MaxIncludeDepth)
		return nil
	}
	pre := l.pre[p]
	var names []string
	var err error
	if pre != nil {
		names, err = pre.names, pre.dirErr
		pre.names, pre.dirErr = nil, nil
		if err == nil {
			delete(l.pre, p)
		}
	} else {
		names, err = l.fs.ReadDirNames(p)
	}
	if err == nil {
		var out []*Directive
		for _, n := range names {
			out = append(out, l.includePath(c, inc, path.Join(p, n), true, depth+1)...)
		}
		return out
	}
	before := len(l.cfg.Order)
	_, known := l.cfg.Files[p]
	out := l.includeFile(p, c, mustExist)
	if known || len(l.cfg.Order) > before {
		inc.Files = append(inc.Files, p)
	}
	return out
}

// hasWildcard is apr_fnmatch_test: whether s holds *, ? or a [...] set.
func hasWildcard(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '*', '?':
			return true
		case '[':
			if strings.IndexByte(s[i:], ']') > 0 {
				return true
			}
		}
	}
	return false
}

// fnmatchPeriod is apr_fnmatch with APR_FNM_PERIOD for one component: a
// leading "." must be matched by a literal ".".
func fnmatchPeriod(pattern, name string) bool {
	if strings.HasPrefix(name, ".") && !strings.HasPrefix(pattern, ".") && !strings.HasPrefix(pattern, `\.`) {
		return false
	}
	ok, err := path.Match(pattern, name)
	if err != nil {
		return pattern == name
	}
	return ok
}

// substitute returns d with ${VAR} substituted as ap_resolve_env
// does, before the words are split: from Define's values first, then the
// environment. An undefined name is left as written, with a warning
// (AH00111). d itself is returned when it has no ${VAR}, a copy
// otherwise (the parsed file is left as it is).
func (l *loader) substitute(d *Directive) *Directive {
	if !containsVar(d.raw) && !strings.Contains(d.Name, "${") {
		return d
	}
	c := *d
	c.Block = nil
	c.Name = l.resolve(d, d.Name)
	if containsVar(d.raw) && d.rawStart <= len(d.raw) {
		text := []byte(l.resolve(d, string(d.raw[d.rawStart:])))
		ws := words(text, 0)
		c.Args = make([]string, len(ws))
		for i, w := range ws {
			c.Args[i] = w.val
		}
		if len(ws) != len(d.ArgSpans) {
			// The spans no longer map one to one: each new word spans
			// all the arguments as written.
			all := Span{}
			if n := len(d.ArgSpans); n > 0 {
				all = Span{Start: d.ArgSpans[0].Start, End: d.ArgSpans[n-1].End}
			}
			c.ArgSpans = make([]Span, len(ws))
			for i := range c.ArgSpans {
				c.ArgSpans[i] = all
			}
		}
	}
	c.Block = d.Block
	return &c
}

// containsVar reports whether b holds "${".
func containsVar(b []byte) bool {
	return bytes.Contains(b, []byte("${"))
}

// resolve is ap_resolve_env on one string.
func (l *loader) resolve(d *Directive, s string) string {
	var sb strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			sb.WriteString(s)
			return sb.String()
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			sb.WriteString(s)
			return sb.String()
		}
		name := s[i+2 : i+end]
		sb.WriteString(s[:i])
		if v, ok := l.vars[name]; ok {
			sb.WriteString(v)
		} else if v, ok := l.cfg.Env[name]; ok {
			sb.WriteString(v)
		} else {
			sb.WriteString(s[i : i+end+1])
			l.cfg.Warnings = append(l.cfg.Warnings, parser.Errorf(d.Range.File, d.Range.Start.Line, "AH00111: Config variable ${%s} is not defined", name))
		}
		s = s[i+end+1:]
	}
}
