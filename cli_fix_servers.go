package main

import (
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"

	conf "github.com/unforbid/unforbid/parser/apache"
	apachesim "github.com/unforbid/unforbid/rules/simulate/apache"
)

// serverCmd is a command line of a server's own tools, and the
// environment it adds.
type serverCmd struct {
	Args []string
	Env  []string
}

// String returns the command as a shell would show it.
func (c serverCmd) String() string {
	return strings.Join(append(append([]string{}, c.Env...), c.Args...), " ")
}

// lookBinary returns the path of the first of names found in $PATH or in
// /usr/sbin, "" when none is installed; a test swaps it.
var lookBinary = func(names ...string) string {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
		if _, err := os.Stat("/usr/sbin/" + n); err == nil {
			return "/usr/sbin/" + n
		}
	}
	return ""
}

// serverCommands returns the config test and the graceful reload of the
// server of kind whose main config file is main, as its own tools run
// them; ok is false when its tools are not installed.
//
//   - nginx: `nginx -t -q -c MAIN` and `nginx -s reload -c MAIN`.
//   - Apache on Debian (apache2ctl, which reads envvars): `apache2ctl -t`
//     and `apache2ctl graceful` for /etc/apache2/apache2.conf; for
//     another main file, APACHE_CONFDIR set to its directory and
//     `apache2ctl -t -f MAIN`, `apache2ctl -k graceful -f MAIN`.
//   - Apache on RHEL (httpd, a main file under /etc/httpd, or no
//     apache2ctl): `httpd -t -f MAIN` and `httpd -k graceful -f MAIN`.
func serverCommands(kind, main string) (test, reload serverCmd, ok bool) {
	switch kind {
	case "nginx":
		bin := lookBinary("nginx")
		if bin == "" {
			return serverCmd{}, serverCmd{}, false
		}
		return serverCmd{Args: []string{bin, "-t", "-q", "-c", main}}, serverCmd{Args: []string{bin, "-s", "reload", "-c", main}}, true
	case "apache":
		if !strings.HasPrefix(main, "/etc/httpd/") {
			if ctl := lookBinary("apache2ctl"); ctl != "" {
				if main == "/etc/apache2/apache2.conf" {
					return serverCmd{Args: []string{ctl, "-t"}}, serverCmd{Args: []string{ctl, "graceful"}}, true
				}
				env := []string{"APACHE_CONFDIR=" + path.Dir(main)}
				return serverCmd{Args: []string{ctl, "-t", "-f", main}, Env: env},
					serverCmd{Args: []string{ctl, "-k", "graceful", "-f", main}, Env: env}, true
			}
		}
		if bin := lookBinary("httpd"); bin != "" {
			return serverCmd{Args: []string{bin, "-t", "-f", main}}, serverCmd{Args: []string{bin, "-k", "graceful", "-f", main}}, true
		}
	}
	return serverCmd{}, serverCmd{}, false
}

// run runs c, its output returned with the error.
func (c serverCmd) run() (string, error) {
	cmd := exec.Command(c.Args[0], c.Args[1:]...)
	if len(c.Env) > 0 {
		cmd.Env = append(os.Environ(), c.Env...)
	}
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// rootedApacheTest returns the config test of an Apache configuration
// read under --root (a copy of /etc/apache2, a container image, a test
// tree): the host's apache2 (or httpd) run as `apache2 -t -d
// ROOT/SERVERROOT -f ROOT/MAIN`, the variables of the tree's envvars
// given in its environment (read by the parser, never executed: a tree is
// not trusted as apache2ctl trusts /etc/apache2/envvars). The server then
// reads the tree's files, relative Includes resolving under the tree.
// When it would read others (an absolute Include, a ServerRoot directive,
// a file read outside ServerRoot or through a link out of the tree),
// would run code the tree names
// (loadsUntrusted), or no server binary is installed, it returns why not
// instead.
func rootedApacheTest(root string, cfg *conf.Config) (serverCmd, string) {
	bin := lookBinary("apache2", "httpd")
	if bin == "" {
		return serverCmd{}, "neither apache2 nor httpd is installed"
	}
	sr := path.Clean(cfg.ServerRoot)
	for _, d := range cfg.Directives {
		if strings.EqualFold(d.Name, "ServerRoot") {
			return serverCmd{}, fmt.Sprintf("%s sets ServerRoot, which the host's server would read on the host", d.Range)
		}
	}
	var loads string
	conf.Walk(cfg.Directives, func(d *conf.Directive) bool {
		if loads == "" {
			loads = loadsUntrusted(d)
		}
		return loads == ""
	})
	if loads != "" {
		return serverCmd{}, loads
	}
	for _, inc := range cfg.Includes {
		for _, a := range inc.Directive.Args {
			if path.IsAbs(a) {
				return serverCmd{}, fmt.Sprintf("%s includes %s by an absolute path, which the host's server would read on the host", inc.Directive.Range, a)
			}
		}
	}
	for _, f := range cfg.Order {
		if f != sr && !strings.HasPrefix(f, sr+"/") {
			return serverCmd{}, fmt.Sprintf("%s lies outside ServerRoot %s", f, sr)
		}
	}
	host := func(p string) string { return filepath.Join(root, filepath.FromSlash(p)) }
	if why := leavesTree(root, append([]string{sr}, cfg.Order...), host); why != "" {
		return serverCmd{}, why
	}
	var env []string
	for _, k := range slices.Sorted(maps.Keys(cfg.Env)) {
		env = append(env, k+"="+cfg.Env[k])
	}
	return serverCmd{Args: []string{bin, "-t", "-d", host(sr), "-f", host(cfg.Main)}, Env: env}, ""
}

// systemLibDirs are the directories whose shared objects a config test
// of a tree may load: the system's own, which the tree cannot write.
var systemLibDirs = []string{"/usr/lib/", "/usr/lib64/", "/lib/", "/lib64/"}

// loadsUntrusted says why the host's server must not read a tree holding
// d, "" when it may: `apache2 -t` runs the code of what LoadModule and
// LoadFile name (a relative path resolves under the tree's ServerRoot, an
// absolute one may lie anywhere), and mod_perl runs the config's <Perl>
// sections and PerlRequire files while it reads them.
func loadsUntrusted(d *conf.Directive) string {
	var file string
	switch {
	case d.Is("LoadModule") && len(d.Args) == 2:
		if strings.EqualFold(d.Args[0], "perl_module") {
			return fmt.Sprintf("%s loads mod_perl, which runs the tree's code while it reads the config", d.Range)
		}
		file = d.Args[1]
	case d.Is("LoadFile") && len(d.Args) > 0:
		for _, a := range d.Args {
			if why := loadsUntrusted(&conf.Directive{Name: "LoadModule", Args: []string{"", a}, Range: d.Range}); why != "" {
				return why
			}
		}
		return ""
	default:
		return ""
	}
	clean := path.Clean(file)
	if path.IsAbs(file) && slices.ContainsFunc(systemLibDirs, func(dir string) bool { return strings.HasPrefix(clean, dir) }) {
		return ""
	}
	return fmt.Sprintf("%s loads %s, code the host's server would run, from outside the system's library directories", d.Range, file)
}

// leavesTree says which of the server paths files the host's server
// would read outside the tree at root, "" when none: a symbolic link on
// the way to an absolute path (resolved on the host, not in the tree) or
// climbing out of it. The config test would then check other files than
// those --apply writes.
func leavesTree(root string, files []string, host func(string) string) string {
	top, err := filepath.EvalSymlinks(root)
	if err != nil {
		return fmt.Sprintf("%s: %v", root, err)
	}
	for _, f := range files {
		real, err := filepath.EvalSymlinks(host(f))
		if err != nil {
			return fmt.Sprintf("%s does not resolve on the host as in the tree (a symbolic link out of the tree?): %v", f, err)
		}
		if real != top && !strings.HasPrefix(real, top+string(filepath.Separator)) {
			return fmt.Sprintf("%s is reached through a symbolic link that leads out of the tree on the host (to %s)", f, real)
		}
	}
	return ""
}

// rootedTest returns the config test of the configuration l read under
// --root: Apache's (rootedApacheTest); ok is false for another server or
// when the test would not read the tree's own files.
func rootedTest(o options, l *loaded) (serverCmd, bool) {
	cmd, why := rootedTestWhy(o, l)
	return cmd, why == ""
}

// rootedTestWhy is rootedTest with the reason there is none.
func rootedTestWhy(o options, l *loaded) (serverCmd, string) {
	s, ok := l.srv.(*apachesim.Simulator)
	if !ok {
		return serverCmd{}, "the " + l.srv.Kind() + " config test does not run under --root"
	}
	return rootedApacheTest(o.root, s.Config)
}

// noConfigTestWhy says why --apply runs no Apache config test after its
// writes, "" when it runs one (or the server is not Apache: nginx's test
// runs for the machine's own config alone, as it always did).
func noConfigTestWhy(o options, l *loaded) string {
	switch {
	case l.htaccess != "":
		return NoConfigTestNote
	case l.srv.Kind() != "apache" || o.view != nil:
		return ""
	case o.root != "":
		if _, why := rootedTestWhy(o, l); why != "" {
			return "no Apache config test under --root: " + why
		}
	default:
		if _, _, ok := serverCommands(l.srv.Kind(), l.main); !ok {
			return "no Apache config test: neither apache2ctl nor httpd is installed"
		}
	}
	return ""
}
