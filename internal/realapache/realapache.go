// Package realapache runs Debian's real Apache httpd 2.4 against a test
// tree laid out on disk (see package internal/layout), so that end-to-end
// tests can check unforbid's predictions for Apache against the statuses
// the server really answers. It is the twin of package internal/realnginx.
//
// A tree carries its Apache config as Debian lays it out: its own
// etc/apache2/apache2.conf (the config Start reads by default), with
// whatever it includes under etc/apache2, and optionally its own
// etc/apache2/envvars. The tree's etc/apache2 replaces the host's whole
// directory, so the host's mods-available is not seen: a tree's config
// loads its modules by their full path, starting with an MPM, which
// Debian's apache2 does not compile in:
//
//	LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
//	LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
//
// (or the tree carries a copy of Debian's mods-available and mods-enabled).
//
// Apache runs as root in a private mount namespace where the tree's
// etc/apache2, srv, var/www, home, usr/share/apache2, etc/passwd and
// etc/group are bind-mounted over the host's, and fresh temporary
// directories over /run (thus /var/run and /var/lock) and /var/log/apache2:
// the tree is seen as / for every path it has. Apache is started as
// apache2ctl starts it, without systemd: the variables of Debian's envvars
// (APACHE_RUN_USER=www-data, APACHE_RUN_GROUP=www-data, APACHE_PID_FILE,
// APACHE_RUN_DIR, APACHE_LOCK_DIR, APACHE_LOG_DIR, LANG=C) are passed in its
// environment, overridden by the `export NAME=value` lines of the tree's
// etc/apache2/envvars, which is read and never executed. The run and lock
// directories are made under the temporary /run, the lock directory and
// the socks directory owned by the run user. Apache's own PidFile,
// DefaultRuntimeDir, Mutex and the main server's ErrorLog are then forced
// into those temporary directories (-c directives, read after the
// config), so a stock Debian apache2.conf works unchanged, does not collide
// with a system Apache, and nothing on the host changes. The tree's
// etc/passwd and etc/group decide who the User and Group of the workers are.
//
// The network is not isolated: the config must listen on free ports of
// 127.0.0.1 or [::1].
package realapache

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/unforbid/unforbid/internal/realserver"
)

// ApachePath is the Apache httpd binary that is run: Debian's.
const ApachePath = "/usr/sbin/apache2"

// DefaultConf is the config Apache reads when Start is given none.
const DefaultConf = "/etc/apache2/apache2.conf"

// ErrorLogPath is the main server's error log as Apache sees it: Start
// forces it with `-c "ErrorLog /var/log/apache2/error.log"`.
const ErrorLogPath = "/var/log/apache2/error.log"

const (
	startTimeout = 10 * time.Second // for the ports to accept connections
	pollEvery    = 20 * time.Millisecond
)

// treeMounts are the paths of a tree bind-mounted, when the tree has them,
// over the same absolute paths of the host.
var treeMounts = []string{
	"etc/apache2", "srv", "var/www", "home", "usr/share/apache2", "etc/passwd", "etc/group",
}

// tempMounts maps the host directories hidden by fresh temporary ones to
// their directory under the server's temp dir: Apache writes its pid file,
// mutexes, sockets and logs there.
var tempMounts = []struct{ host, tmp string }{
	{"/run", "run"},
	{"/var/log/apache2", "log"},
}

// forced are the directives given with -c, read after the config: they
// keep Apache's runtime files in the temporary directories whatever the
// config says.
var forced = []string{
	"DefaultRuntimeDir /run/apache2",
	"PidFile /run/apache2/apache2.pid",
	"Mutex file:/run/lock/apache2 default",
	"ErrorLog " + ErrorLogPath,
}

// debianEnv are the variables of Debian's /etc/apache2/envvars, with an
// empty $SUFFIX, as apache2ctl exports them.
var debianEnv = map[string]string{
	"APACHE_RUN_USER":  "www-data",
	"APACHE_RUN_GROUP": "www-data",
	"APACHE_PID_FILE":  "/var/run/apache2/apache2.pid",
	"APACHE_RUN_DIR":   "/var/run/apache2",
	"APACHE_LOCK_DIR":  "/var/lock/apache2",
	"APACHE_LOG_DIR":   "/var/log/apache2",
	"LANG":             "C",
}

// Server is a running Apache. Its methods are safe for concurrent use.
type Server struct {
	cmd   *exec.Cmd
	conf  string   // the config Apache reads, as it sees it
	env   []string // Apache's environment
	tmp   string   // temp dir holding the dirs of tempMounts
	ports []int
	log   realserver.Log // the error log

	done    chan struct{} // closed when the Apache process has exited
	waitErr error         // the exit status; set before done is closed

	stopOnce sync.Once
	stopErr  error
}

// Available reports whether real Apache can be run here: nil when
// /usr/sbin/apache2, unshare, nsenter and mount exist, we are root, and a
// private mount namespace can be made; otherwise an error saying what is
// missing. Tests skip with it (internal/treetest/need), and fail instead
// when UNFORBID_E2E=1, as in CI, so that a machine without Apache cannot
// pass the end-to-end suite silently.
func Available() error {
	if missing := realserver.Missing(ApachePath, "apache2"); len(missing) > 0 {
		return fmt.Errorf("realapache: cannot run real Apache, missing: %s", strings.Join(missing, ", "))
	}
	if err := realserver.PrivateNamespace(); err != nil {
		return fmt.Errorf("realapache: %v", err)
	}
	return nil
}

// Start runs Apache on the tree laid out in treeDir, reading conf (a path
// as Apache sees it, such as /etc/apache2/apache2.conf; DefaultConf when
// empty).
//
// It runs, as root, with the envvars variables in the environment,
//
//	unshare --mount --propagation private -- sh -c 'mount --bind ...; mkdir ...; exec "$@"' \
//		sh /usr/sbin/apache2 -f CONF -DFOREGROUND -c 'PidFile ...' -c 'ErrorLog ...' ...
//
// first with -t, returning Apache's output in the error when the test
// fails, then for real. It returns once Apache logs that it resumes
// normal operations and every port in ports accepts TCP connections on
// 127.0.0.1 (or [::1]), or with an error holding the error
// log when Apache exits or 10s pass first. A port already taken before the
// start is an error. Call Stop when done, even after an error of Do.
func Start(treeDir, conf string, ports []int) (*Server, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	if conf == "" {
		conf = DefaultConf
	}
	treeDir, err := realserver.TreeDir(treeDir, ports)
	if err != nil {
		return nil, fmt.Errorf("realapache: %v", err)
	}
	vars, err := envvars(filepath.Join(treeDir, "etc/apache2/envvars"))
	if err != nil {
		return nil, err
	}
	script, err := realserver.MountScript(treeDir, treeMounts)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", "realapache", err)
	}

	s := &Server{ports: ports, conf: conf, done: make(chan struct{})}
	s.env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		s.env = append(s.env, k+"="+vars[k])
	}
	if s.tmp, err = os.MkdirTemp("", "realapache-"); err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(s.tmp)
		}
	}()
	if err := os.Chmod(s.tmp, 0o755); err != nil {
		return nil, err
	}
	for _, m := range tempMounts {
		if err := os.MkdirAll(filepath.Join(s.tmp, m.tmp), 0o755); err != nil {
			return nil, err
		}
		script += fmt.Sprintf("mount --bind %s %s\n", realserver.ShellQuote(filepath.Join(s.tmp, m.tmp)), realserver.ShellQuote(m.host))
	}
	// As apache2ctl: the run dir, and owned by the run user its socks
	// dir and the lock dir; ours as well as the envvars' ones.
	user := vars["APACHE_RUN_USER"]
	for _, d := range []struct {
		dir   string
		owned bool
	}{
		{"/run/apache2", false}, {"/run/apache2/socks", true}, {"/run/lock/apache2", true},
		{vars["APACHE_RUN_DIR"], false}, {vars["APACHE_RUN_DIR"] + "/socks", true},
		{vars["APACHE_LOCK_DIR"], true}, {vars["APACHE_LOG_DIR"], false},
	} {
		if !inTemp(d.dir) {
			continue // never made on the host
		}
		script += "mkdir -p " + realserver.ShellQuote(d.dir) + "\n"
		if d.owned && user != "" {
			script += fmt.Sprintf("chown %s %s\n", realserver.ShellQuote(user), realserver.ShellQuote(d.dir))
		}
	}
	script += `exec "$@"` + "\n"
	s.log.Path = filepath.Join(s.tmp, "log", strings.TrimPrefix(ErrorLogPath, "/var/log/apache2/"))

	if out, err := s.command(script, "-t").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("realapache: apache2 -t -f %s failed: %v\n%s", conf, err, strings.TrimSpace(string(out)))
	}

	logFile, err := os.OpenFile(s.log.Path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	s.cmd = s.command(script, "-DFOREGROUND")
	// Apache's early messages go to stderr; once running it points stderr
	// at the main server's error log itself.
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	err = s.cmd.Start()
	logFile.Close()
	if err != nil {
		return nil, fmt.Errorf("realapache: %v", err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.done)
	}()
	ok = true

	if err := s.waitReady(); err != nil {
		log := s.ErrorLog()
		s.Stop()
		return nil, fmt.Errorf("realapache: %v\nerror log:\n%s", err, strings.TrimSpace(log))
	}
	return s, nil
}

// args returns Apache's arguments: the config, the forced directives, then
// extra.
func (s *Server) args(extra ...string) []string {
	args := []string{ApachePath, "-f", s.conf}
	for _, d := range forced {
		args = append(args, "-c", d)
	}
	return append(args, extra...)
}

// command returns the command running Apache with extra arguments in a new
// private mount namespace set up by script.
func (s *Server) command(script string, extra ...string) *exec.Cmd {
	args := append([]string{"--mount", "--propagation", "private", "--", "sh", "-c", script, "sh"}, s.args(extra...)...)
	cmd := exec.Command("unshare", args...)
	cmd.Env = s.env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	return cmd
}

// exportLine matches the lines of envvars that this package reads.
var exportLine = regexp.MustCompile(`^\s*export\s+([A-Za-z_][A-Za-z0-9_]*)=(\S*)\s*$`)

// envvars returns Debian's envvars variables overridden by the `export
// NAME=value` lines of the file at path, when it exists. A value may be
// quoted and may use $NAME or ${NAME} of the variables set before it;
// $SUFFIX is empty, as for /etc/apache2. The file is never executed.
func envvars(path string) (map[string]string, error) {
	vars := maps.Clone(debianEnv)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return vars, nil
	}
	if err != nil {
		return nil, fmt.Errorf("realapache: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		m := exportLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		v := m[2]
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		vars[m[1]] = os.Expand(v, func(name string) string { return vars[name] })
	}
	return vars, nil
}

// inTemp reports whether the absolute path dir, as Apache sees it, lies in
// one of the temporary directories (/var/run and /var/lock are under /run).
func inTemp(dir string) bool {
	if !path.IsAbs(dir) {
		return false
	}
	dir = path.Clean(dir)
	for _, link := range [][2]string{{"/var/run", "/run"}, {"/var/lock", "/run/lock"}} {
		if dir == link[0] || strings.HasPrefix(dir, link[0]+"/") {
			dir = link[1] + dir[len(link[0]):]
		}
	}
	for _, m := range tempMounts {
		if dir == m.host || strings.HasPrefix(dir, m.host+"/") {
			return true
		}
	}
	return false
}

// waitReady polls until Apache logs that it resumes normal operations
// and every port accepts connections, Apache exits, or the start timeout
// passes. The ports alone do not tell: Apache opens them before its
// modules check their configuration, and may exit after.
func (s *Server) waitReady() error {
	deadline := time.NewTimer(startTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	pending := append([]int(nil), s.ports...)
	for {
		var left []int
		for _, p := range pending {
			if !realserver.Accepts(p) {
				left = append(left, p)
			}
		}
		if pending = left; len(pending) == 0 && strings.Contains(s.ErrorLog(), resumed) {
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("apache2 exited before serving (%v)", s.waitErr)
		case <-deadline.C:
			if len(pending) == 0 {
				return fmt.Errorf("apache2 does not log %q after %v", resumed, startTimeout)
			}
			return fmt.Errorf("ports %v do not accept connections after %v", pending, startTimeout)
		case <-tick.C:
		}
	}
}

// Do sends one HTTP/1.1 request with Connection: close and returns the
// status code of the response; redirects are not followed. The request goes
// to 127.0.0.1:port, or to [::1]:port when clientIP is an IPv6 address
// ("::1"); any other IPv4 loopback clientIP (127.0.0.2) is used as the
// source address, so Require ip and Allow/Deny see it. An empty clientIP
// means 127.0.0.1 and an empty host means "localhost". path is sent
// verbatim.
//
// headers, at most one map, adds header fields to the request, such as
// Authorization; a Host or Connection field there replaces the default one.
func (s *Server) Do(method string, port int, host, path, clientIP string, headers ...map[string]string) (int, error) {
	code, err := realserver.Do(method, port, host, path, clientIP, headers...)
	if err != nil {
		return 0, fmt.Errorf("%s: %v", "realapache", err)
	}
	return code, nil
}

// resumed is the notice Apache logs, whatever its LogLevel, when a
// generation of the configuration serves: at start and after each
// restart.
const resumed = "resuming normal operations"

// Reload makes the running Apache read its configuration again with a
// graceful restart, as `apache2ctl graceful` does, and returns once the new
// configuration answers. It first tests the configuration with `apache2
// -t` inside the server's own mount namespace (nsenter) and returns
// Apache's output when the test fails, leaving the old configuration
// serving: a graceful restart on a broken configuration would stop Apache.
// Then it sends SIGUSR1 to the master and waits until Apache logs that it
// resumes normal operations, every child of the old generation has exited,
// new children run and every port accepts connections: requests sent
// after Reload returns meet only new children. Apache exiting, or 10s
// without the new generation, is an error.
func (s *Server) Reload() error {
	select {
	case <-s.done:
		return fmt.Errorf("realapache: reload: apache2 has exited (%v)", s.waitErr)
	default:
	}
	pid := s.cmd.Process.Pid
	test := exec.Command("nsenter", append([]string{"--target", strconv.Itoa(pid), "--mount", "--"}, s.args("-t")...)...)
	test.Env = s.env
	if out, err := test.CombinedOutput(); err != nil {
		return fmt.Errorf("realapache: reload: apache2 -t -f %s failed: %v\n%s", s.conf, err, strings.TrimSpace(string(out)))
	}
	old, err := realserver.Children(pid)
	if err != nil {
		return fmt.Errorf("realapache: reload: %v", err)
	}
	logStart := len(s.ErrorLog())
	if err := syscall.Kill(pid, syscall.SIGUSR1); err != nil {
		return fmt.Errorf("realapache: reload: %v", err)
	}
	deadline := time.Now().Add(startTimeout)
	for {
		if log := s.ErrorLog(); len(log) > logStart && strings.Contains(log[logStart:], resumed) {
			ok, err := realserver.NewGeneration(pid, old, s.ports)
			if err != nil {
				return fmt.Errorf("realapache: reload: %v", err)
			}
			if ok {
				return nil
			}
		}
		select {
		case <-s.done:
			return fmt.Errorf("realapache: apache2 exited while reloading (%v)\nerror log:\n%s", s.waitErr, strings.TrimSpace(s.ErrorLog()[logStart:]))
		case <-time.After(pollEvery):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("realapache: reload: no new generation serving alone after %v\nerror log:\n%s", startTimeout, strings.TrimSpace(s.ErrorLog()[logStart:]))
		}
	}
}

// ErrorLog returns what Apache has logged so far in the main server's
// error log (ErrorLogPath), startup messages included. After Stop it
// returns the final log.
//
// An ErrorLog inside a <VirtualHost> replaces this one for the requests
// of that virtual host, unless it names ErrorLogPath
// (${APACHE_LOG_DIR}/error.log, as Debian's sites do); the tests' configs
// should not set another.
func (s *Server) ErrorLog() string {
	return s.log.Read()
}

// Stop shuts Apache down: SIGTERM to its process group, SIGKILL after 10s,
// then SIGKILL to whatever of the group is left. It waits for the process
// and for the ports to stop accepting connections, and removes the
// temporary directories. It is idempotent and safe to call from t.Cleanup;
// later calls return the first call's result.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() { s.stopErr = s.stop() })
	return s.stopErr
}

func (s *Server) stop() error {
	return realserver.Shutdown("realapache", s.cmd.Process.Pid, s.done, s.ports, s.tmp, &s.log)
}

// ConfHead returns the start of a test tree's etc/apache2/apache2.conf as
// Start runs it, Debian's way: the runtime files and the worker user from
// the envvars variables, the mime types, and a LoadModule line by full path
// for each module named ("mpm_event", "authz_core", "dir" ...; an MPM
// first), since the tree's etc/apache2 hides the host's mods-available.
func ConfHead(modules ...string) string {
	var b strings.Builder
	b.WriteString(`DefaultRuntimeDir ${APACHE_RUN_DIR}
PidFile ${APACHE_PID_FILE}
Mutex file:${APACHE_LOCK_DIR} default
User ${APACHE_RUN_USER}
Group ${APACHE_RUN_GROUP}
ErrorLog ${APACHE_LOG_DIR}/error.log
TypesConfig /etc/mime.types
`)
	for _, m := range modules {
		fmt.Fprintf(&b, "LoadModule %s_module /usr/lib/apache2/modules/mod_%s.so\n", m, m)
	}
	return b.String()
}

// CopyDebianConfig copies the host's /etc/apache2 into the tree dir
// (Debian's stock configuration, as the package installs it) and writes
// each of files over it: names relative to etc/apache2 ("ports.conf",
// "sites-enabled/site.conf"), a link such as sites-enabled/000-default.conf
// being replaced by the file.
func CopyDebianConfig(dir string, files map[string]string) error {
	if out, err := exec.Command("cp", "-a", "/etc/apache2", filepath.Join(dir, "etc/apache2")).CombinedOutput(); err != nil {
		return fmt.Errorf("realapache: cp: %v: %s", err, out)
	}
	for name, text := range files {
		p := filepath.Join(dir, "etc/apache2", name)
		os.Remove(p) // a symlink into sites-available
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			return fmt.Errorf("realapache: %v", err)
		}
	}
	return nil
}
