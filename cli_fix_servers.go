package main

import (
	"os"
	"os/exec"
	"path"
	"strings"
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
