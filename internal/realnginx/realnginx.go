// Package realnginx runs Debian's real nginx against a test tree laid out on
// disk (see package internal/layout), so that end-to-end tests can check
// unforbid's predictions against the statuses the server really answers.
//
// nginx runs as root in a private mount namespace where the tree's
// etc/nginx, srv, var/www, home, usr/share/nginx, etc/passwd and etc/group
// are bind-mounted over the host's, and fresh temporary directories over
// /run, /var/log/nginx and /var/lib/nginx. A Debian nginx.conf (pid
// /run/nginx.pid, logs under /var/log/nginx, temp files under
// /var/lib/nginx) thus works unchanged, does not collide with a system
// nginx, and nothing on the host changes. The tree's etc/passwd and
// etc/group decide who the worker user (www-data, or nobody:nogroup without
// a user directive) is.
//
// The network is not isolated: the config must listen on free ports of
// 127.0.0.1 or [::1].
package realnginx

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/unforbid/unforbid/internal/realserver"
)

// NginxPath is the nginx binary that is run: Debian's.
const NginxPath = "/usr/sbin/nginx"

// DefaultConf is the config nginx reads when Start is given none.
const DefaultConf = "/etc/nginx/nginx.conf"

const (
	startTimeout = 10 * time.Second // for the ports to accept connections
	pollEvery    = 20 * time.Millisecond
)

// treeMounts are the paths of a tree bind-mounted, when the tree has them,
// over the same absolute paths of the host.
var treeMounts = []string{
	"etc/nginx", "srv", "var/www", "home", "usr/share/nginx", "etc/passwd", "etc/group",
}

// tempMounts are the host directories hidden by fresh temporary ones: nginx
// writes its pid file, logs and temp files there.
var tempMounts = []string{"/run", "/var/log/nginx", "/var/lib/nginx"}

// Server is a running nginx. Its methods are safe for concurrent use.
type Server struct {
	cmd   *exec.Cmd
	conf  string // the config nginx reads, as it sees it
	tmp   string // temp dir holding the error log and the dirs of tempMounts
	ports []int
	log   realserver.Log // the error log

	done    chan struct{} // closed when the nginx process has exited
	waitErr error         // the exit status; set before done is closed

	stopOnce sync.Once
	stopErr  error
}

// Available reports whether real nginx can be run here: nil when
// /usr/sbin/nginx, unshare, nsenter and mount exist, we are root, and a
// private mount namespace can be made; otherwise an error saying what is missing. Tests
// skip with it (internal/treetest/need), and fail instead when
// UNFORBID_E2E=1, as in CI, so that a machine without nginx cannot pass the
// end-to-end suite silently.
func Available() error {
	if missing := realserver.Missing(NginxPath, "nginx"); len(missing) > 0 {
		return fmt.Errorf("realnginx: cannot run real nginx, missing: %s", strings.Join(missing, ", "))
	}
	if err := realserver.PrivateNamespace(); err != nil {
		return fmt.Errorf("realnginx: %v", err)
	}
	return nil
}

// Start runs nginx on the tree laid out in treeDir, reading conf (a path as
// nginx sees it, such as /etc/nginx/nginx.conf; DefaultConf when empty).
//
// It runs, as root,
//
//	unshare --mount --propagation private -- sh -c 'mount --bind ...; exec "$@"' \
//		sh /usr/sbin/nginx -c CONF -g 'daemon off; error_log LOG info;'
//
// first with -t, returning nginx's output in the error when the test fails,
// then for real. It returns once every port in ports accepts TCP connections
// on 127.0.0.1 (or [::1]), or with an error holding the error log when nginx
// exits or 10s pass first. A port already taken before the start is an
// error. Call Stop when done, even after an error of Do.
func Start(treeDir, conf string, ports []int) (*Server, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	if conf == "" {
		conf = DefaultConf
	}
	treeDir, err := realserver.TreeDir(treeDir, ports)
	if err != nil {
		return nil, fmt.Errorf("realnginx: %v", err)
	}
	script, err := realserver.MountScript(treeDir, treeMounts)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", "realnginx", err)
	}

	s := &Server{ports: ports, conf: conf, done: make(chan struct{})}
	if s.tmp, err = os.MkdirTemp("", "realnginx-"); err != nil {
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
	for _, d := range []string{"run/lock", "log", "lib"} {
		if err := os.MkdirAll(filepath.Join(s.tmp, d), 0o755); err != nil {
			return nil, err
		}
	}
	for i, d := range []string{"run", "log", "lib"} {
		script += fmt.Sprintf("mount --bind %s %s\n", realserver.ShellQuote(filepath.Join(s.tmp, d)), realserver.ShellQuote(tempMounts[i]))
	}
	script += `exec "$@"` + "\n"
	s.log.Path = filepath.Join(s.tmp, "error.log")

	command := func(global string, extra ...string) *exec.Cmd {
		args := []string{"--mount", "--propagation", "private", "--", "sh", "-c", script, "sh",
			NginxPath, "-c", conf, "-g", global}
		cmd := exec.Command("unshare", append(args, extra...)...)
		cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C"}
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
		return cmd
	}

	if out, err := command("daemon off;", "-t").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("realnginx: nginx -t -c %s failed: %v\n%s", conf, err, strings.TrimSpace(string(out)))
	}

	logFile, err := os.OpenFile(s.log.Path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	s.cmd = command(fmt.Sprintf("daemon off; error_log %q info;", s.log.Path))
	// nginx's early messages go to stderr; once running it points stderr
	// at the error log itself.
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	err = s.cmd.Start()
	logFile.Close()
	if err != nil {
		return nil, fmt.Errorf("realnginx: %v", err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.done)
	}()
	ok = true

	if err := s.waitReady(); err != nil {
		log := s.ErrorLog()
		s.Stop()
		return nil, fmt.Errorf("realnginx: %v\nerror log:\n%s", err, strings.TrimSpace(log))
	}
	return s, nil
}

// waitReady polls until every port accepts connections, nginx exits, or the
// start timeout passes.
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
		if pending = left; len(pending) == 0 {
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("nginx exited before listening (%v)", s.waitErr)
		case <-deadline.C:
			return fmt.Errorf("ports %v do not accept connections after %v", pending, startTimeout)
		case <-tick.C:
		}
	}
}

// Do sends one HTTP/1.1 request with Connection: close and returns the
// status code of the response; redirects are not followed. The request goes
// to 127.0.0.1:port, or to [::1]:port when clientIP is an IPv6 address
// ("::1"); any other IPv4 loopback clientIP (127.0.0.2) is used as the
// source address, so allow/deny rules see it. An empty clientIP means
// 127.0.0.1 and an empty host means "localhost". path is sent verbatim.
//
// headers, at most one map, adds header fields to the request, such as
// Authorization; a Host or Connection field there replaces the default one.
func (s *Server) Do(method string, port int, host, path, clientIP string, headers ...map[string]string) (int, error) {
	code, err := realserver.Do(method, port, host, path, clientIP, headers...)
	if err != nil {
		return 0, fmt.Errorf("%s: %v", "realnginx", err)
	}
	return code, nil
}

// Reload makes the running nginx read its configuration again, as `nginx
// -s reload` does, and returns once the new configuration answers. It
// first tests the configuration with `nginx -t` inside the server's own
// mount namespace (nsenter) and returns nginx's output when the test fails,
// leaving the old configuration serving. Then it sends SIGHUP to the
// master and waits until every worker of the old configuration has exited,
// new workers run and every port accepts connections: requests sent after
// Reload returns meet only new workers. An [emerg] the master logs while
// reloading, or 10s without the new workers, is an error.
func (s *Server) Reload() error {
	select {
	case <-s.done:
		return fmt.Errorf("realnginx: reload: nginx has exited (%v)", s.waitErr)
	default:
	}
	pid := s.cmd.Process.Pid
	test := exec.Command("nsenter", "--target", strconv.Itoa(pid), "--mount", "--",
		NginxPath, "-t", "-c", s.conf, "-g", "daemon off;")
	test.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C"}
	if out, err := test.CombinedOutput(); err != nil {
		return fmt.Errorf("realnginx: reload: nginx -t -c %s failed: %v\n%s", s.conf, err, strings.TrimSpace(string(out)))
	}
	old, err := realserver.Children(pid)
	if err != nil {
		return fmt.Errorf("realnginx: reload: %v", err)
	}
	logStart := len(s.ErrorLog())
	if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
		return fmt.Errorf("realnginx: reload: %v", err)
	}
	deadline := time.Now().Add(startTimeout)
	for {
		if log := s.ErrorLog(); len(log) > logStart && strings.Contains(log[logStart:], "[emerg]") {
			return fmt.Errorf("realnginx: reload failed:\n%s", strings.TrimSpace(log[logStart:]))
		}
		ok, err := realserver.NewGeneration(pid, old, s.ports)
		if err != nil {
			return fmt.Errorf("realnginx: reload: %v", err)
		}
		if ok {
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("realnginx: nginx exited while reloading (%v)\nerror log:\n%s", s.waitErr, strings.TrimSpace(s.ErrorLog()[logStart:]))
		case <-time.After(pollEvery):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("realnginx: reload: the workers of the old configuration still run after %v\nerror log:\n%s", startTimeout, strings.TrimSpace(s.ErrorLog()[logStart:]))
		}
	}
}

// ErrorLog returns what nginx has logged so far at level info and above,
// startup messages included. After Stop it returns the final log.
//
// An error_log set inside http, server or location blocks of the config
// replaces this one for the requests it covers; the tests' configs should
// not set one.
func (s *Server) ErrorLog() string {
	return s.log.Read()
}

// Stop shuts nginx down: SIGTERM to its process group, SIGKILL after 10s,
// then SIGKILL to whatever of the group is left. It waits for the process
// and for the ports to stop accepting connections, and removes the
// temporary directories. It is idempotent and safe to call from t.Cleanup;
// later calls return the first call's result.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() { s.stopErr = s.stop() })
	return s.stopErr
}

func (s *Server) stop() error {
	return realserver.Shutdown("realnginx", s.cmd.Process.Pid, s.done, s.ports, s.tmp, &s.log)
}
