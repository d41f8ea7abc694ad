// Package realserver holds what the harnesses of the real servers share
// (internal/realnginx, internal/realapache): raw HTTP requests from a
// chosen loopback address, the wait for a port, the bind mounts that show
// a test tree as /, and the worker processes of a master.
package realserver

import (
	"bufio"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// doTimeout bounds one request of Do.
const doTimeout = 10 * time.Second

// Do sends one HTTP/1.1 request to a server listening on the loopback with Connection: close and returns the
// status code of the response; redirects are not followed. The request goes
// to 127.0.0.1:port, or to [::1]:port when clientIP is an IPv6 address
// ("::1"); any other IPv4 loopback clientIP (127.0.0.2) is used as the
// source address, so allow/deny rules see it. An empty clientIP means
// 127.0.0.1 and an empty host means "localhost". path is sent verbatim.
//
// headers, at most one map, adds header fields to the request, such as
// Authorization; a Host or Connection field there replaces the default one.
func Do(method string, port int, host, path, clientIP string, headers ...map[string]string) (int, error) {
	if host == "" {
		host = "localhost"
	}
	for _, v := range []string{method, host, path} {
		if v == "" || strings.ContainsAny(v, " \t\r\n") {
			return 0, fmt.Errorf("bad request field %q", v)
		}
	}
	if len(headers) > 1 {
		return 0, fmt.Errorf("Do takes at most one header map, got %d", len(headers))
	}
	fields := map[string]string{"Host": host, "Connection": "close"}
	switch method {
	case "POST", "PUT", "PATCH":
		fields["Content-Length"] = "0"
	}
	if len(headers) == 1 {
		for k, v := range headers[0] {
			if k == "" || strings.ContainsAny(k, " \t\r\n:") || strings.ContainsAny(v, "\r\n") {
				return 0, fmt.Errorf("bad header field %q: %q", k, v)
			}
			fields[textproto.CanonicalMIMEHeaderKey(k)] = v
		}
	}
	dst := "127.0.0.1"
	var d net.Dialer
	d.Timeout = doTimeout
	if clientIP != "" {
		ip := net.ParseIP(clientIP)
		if ip == nil {
			return 0, fmt.Errorf("bad client IP %q", clientIP)
		}
		if ip.To4() == nil {
			dst = "::1"
		}
		d.LocalAddr = &net.TCPAddr{IP: ip}
	}
	conn, err := d.Dial("tcp", net.JoinHostPort(dst, strconv.Itoa(port)))
	if err != nil {
		return 0, fmt.Errorf("%v", err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(doTimeout)); err != nil {
		return 0, err
	}
	var req strings.Builder
	fmt.Fprintf(&req, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, path, fields["Host"])
	delete(fields, "Host")
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		fmt.Fprintf(&req, "%s: %s\r\n", k, fields[k])
	}
	req.WriteString("\r\n")
	if _, err := conn.Write([]byte(req.String())); err != nil {
		return 0, fmt.Errorf("%v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		return 0, fmt.Errorf("%s %s: %v", method, path, err)
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// Accepts reports whether a TCP connection to port succeeds on 127.0.0.1
// or [::1].
func Accepts(port int) bool {
	for _, host := range []string{"127.0.0.1", "::1"} {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(host, strconv.Itoa(port)), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return true
		}
	}
	return false
}

// MountScript returns the shell lines bind-mounting each of mounts (paths
// relative to treeDir and to /) that
// treeDir has over the host's path. The host path must exist and be of the
// same kind: a mount point is never created on the host.
func MountScript(treeDir string, mounts []string) (string, error) {
	var b strings.Builder
	b.WriteString("set -e\n")
	for _, rel := range mounts {
		src := filepath.Join(treeDir, rel)
		sfi, err := os.Stat(src)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("%v", err)
		}
		dst := "/" + rel
		dfi, err := os.Stat(dst)
		if err != nil {
			return "", fmt.Errorf("cannot mount the tree's %s: %v (mount points are not created on the host)", rel, err)
		}
		if sfi.IsDir() != dfi.IsDir() {
			return "", fmt.Errorf("cannot mount the tree's %s over %s: one is a directory, the other not", rel, dst)
		}
		fmt.Fprintf(&b, "mount --bind %s %s\n", ShellQuote(src), ShellQuote(dst))
	}
	return b.String(), nil
}

// ShellQuote quotes s for sh.
func ShellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Children returns the ids of the processes whose parent is pid, read
// from /proc.
func Children(pid int) ([]int, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var out []int
	for _, e := range ents {
		id, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue // exited meanwhile
		}
		// pid (comm) state ppid ...: comm may hold blanks and parentheses.
		i := strings.LastIndexByte(string(b), ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 2 {
			continue
		}
		// A zombie is a child that has exited but is not reaped yet.
		if ppid, err := strconv.Atoi(f[1]); err == nil && ppid == pid && f[0] != "Z" {
			out = append(out, id)
		}
	}
	return out, nil
}

// Terminate stops the process group pgid of a server whose end done
// reports: SIGTERM, SIGKILL after timeout, then SIGKILL to whatever of the
// group is left (workers of a master that died abruptly). It returns once
// done is closed.
func Terminate(pgid int, done <-chan struct{}, timeout time.Duration) {
	select {
	case <-done:
	default:
		syscall.Kill(-pgid, syscall.SIGTERM)
		t := time.NewTimer(timeout)
		select {
		case <-done:
		case <-t.C:
			syscall.Kill(-pgid, syscall.SIGKILL)
			<-done
		}
		t.Stop()
	}
	syscall.Kill(-pgid, syscall.SIGKILL)
}

// WaitClosed waits until none of ports accepts connections, polling every
// poll, for at most timeout; it returns the ports still open then.
func WaitClosed(ports []int, timeout, poll time.Duration) []int {
	var open []int
	deadline := time.Now().Add(timeout)
	for _, p := range ports {
		for Accepts(p) {
			if time.Now().After(deadline) {
				open = append(open, p)
				break
			}
			// a timer, not a busy loop: the sockets close as the
			// processes die
			<-time.After(poll)
		}
	}
	return open
}

// NewGeneration reports whether the master pid runs only workers that are
// not among old (the workers before a reload) and every one of ports
// accepts connections: the new configuration serves alone.
func NewGeneration(pid int, old, ports []int) (bool, error) {
	now, err := Children(pid)
	if err != nil {
		return false, err
	}
	if len(now) == 0 || slices.ContainsFunc(now, func(p int) bool { return slices.Contains(old, p) }) {
		return false, nil
	}
	for _, p := range ports {
		if !Accepts(p) {
			return false, nil
		}
	}
	return true, nil
}

// Missing lists what running the server binary bin (installed by package
// pkg) in a private mount namespace needs and this machine lacks: the
// binary, unshare, nsenter, mount and sh, and root privileges.
func Missing(bin, pkg string) []string {
	var missing []string
	if fi, err := os.Stat(bin); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
		missing = append(missing, bin+" (apt-get install "+pkg+")")
	}
	for _, tool := range []string{"unshare", "nsenter", "mount", "sh"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool+" (util-linux)")
		}
	}
	if os.Geteuid() != 0 {
		missing = append(missing, "root privileges (running as uid "+strconv.Itoa(os.Geteuid())+")")
	}
	return missing
}

// PrivateNamespace checks that a private mount namespace can be made.
func PrivateNamespace() error {
	if out, err := exec.Command("unshare", "--mount", "--propagation", "private", "--", "true").CombinedOutput(); err != nil {
		return fmt.Errorf("cannot make a private mount namespace: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// TreeDir returns the absolute path of the tree directory a server is
// started on, checking that it is a directory and that none of ports
// accepts connections yet (another server would answer in its place).
func TreeDir(treeDir string, ports []int) (string, error) {
	treeDir, err := filepath.Abs(treeDir)
	if err != nil {
		return "", err
	}
	if fi, err := os.Stat(treeDir); err != nil {
		return "", err
	} else if !fi.IsDir() {
		return "", fmt.Errorf("%s: not a directory", treeDir)
	}
	for _, p := range ports {
		if Accepts(p) {
			return "", fmt.Errorf("port %d already accepts connections before the server starts (another server?)", p)
		}
	}
	return treeDir, nil
}

// Bounds of Shutdown.
const (
	stopTimeout = 10 * time.Second // for the server to shut down on SIGTERM
	portTimeout = 5 * time.Second  // for the ports to close after Stop
	pollEvery   = 20 * time.Millisecond
)

// Log is a real server's error log file: read while the server runs, and
// kept in memory once Shutdown removes the server's temporary files.
type Log struct {
	Path string // the log file as the host sees it

	mu      sync.Mutex
	final   string // the log as it was when Shutdown removed it
	stopped bool
}

// Read returns what the server has logged so far, or the final log after
// Shutdown.
func (l *Log) Read() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopped {
		return l.final
	}
	b, _ := os.ReadFile(l.Path)
	return string(b)
}

// Shutdown stops the server process whose process group is pgid and
// which closes done when it exits (Terminate), waits for its ports to
// stop accepting connections, keeps its log and removes its temporary
// directory tmp. name prefixes the errors ("realnginx").
func Shutdown(name string, pgid int, done <-chan struct{}, ports []int, tmp string, log *Log) error {
	Terminate(pgid, done, stopTimeout)
	var errs []error
	for _, p := range WaitClosed(ports, portTimeout, pollEvery) {
		errs = append(errs, fmt.Errorf("%s: port %d still accepts connections after Stop", name, p))
	}
	log.mu.Lock()
	b, _ := os.ReadFile(log.Path)
	log.final, log.stopped = string(b), true
	log.mu.Unlock()
	if err := os.RemoveAll(tmp); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
