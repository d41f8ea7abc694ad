package parser

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"regexp"
)

// Kind is the kind of web server a config belongs to.
type Kind string

// The kinds of config unforbid reads.
const (
	KindNginx  Kind = "nginx"
	KindApache Kind = "apache"
)

// DefaultConfigs is the list of main files tried, in order, when no CONFIG
// is given.
var DefaultConfigs = []string{
	"/etc/nginx/nginx.conf",
	"/etc/apache2/apache2.conf",
	"/etc/httpd/conf/httpd.conf",
}

// dirConfigs are the main files looked for, in order, in a directory given
// as CONFIG.
var dirConfigs = []string{"nginx.conf", "apache2.conf", "httpd.conf", "conf/httpd.conf"}

// detectLimit is how much of a file is read to guess its kind.
const detectLimit = 1 << 20

var (
	nginxHints = []*regexp.Regexp{
		regexp.MustCompile(`(?m)^[ \t]*(http|server|events)[ \t\r\n]*\{`),
		regexp.MustCompile(`(?m)^[ \t]*worker_processes[ \t]`),
		regexp.MustCompile(`(?m)^[ \t]*location[ \t]`),
	}
	apacheHints = []*regexp.Regexp{
		regexp.MustCompile(`(?mi)^[ \t]*<VirtualHost[ \t>]`),
		regexp.MustCompile(`(?mi)^[ \t]*<Directory[ \t>]`),
		regexp.MustCompile(`(?m)^[ \t]*ServerRoot[ \t]`),
		regexp.MustCompile(`(?m)^[ \t]*DocumentRoot[ \t]`),
		regexp.MustCompile(`(?m)^[ \t]*Listen[ \t]`),
	}
	commentLine = regexp.MustCompile(`(?m)^[ \t]*#.*$`)
)

// Detect returns the kind and the main file for cfgPath, a main file or a
// directory holding nginx.conf, apache2.conf, httpd.conf or conf/httpd.conf
// (tried in that order). cfgPath and the returned main file are server paths;
// hostPath maps a server path to the host (--root), nil meaning the
// identity. The kind comes from the file name (nginx.conf, apache2.conf,
// httpd.conf), else from the content; when neither tells, Detect fails and
// the user must say with --server.
func Detect(cfgPath string, hostPath func(string) string) (Kind, string, error) {
	if hostPath == nil {
		hostPath = func(p string) string { return p }
	}
	fi, err := os.Stat(hostPath(cfgPath))
	if err != nil {
		return "", "", &Error{File: cfgPath, Msg: "open: " + errnoText(err)}
	}
	main := cfgPath
	if fi.IsDir() {
		main = ""
		for _, name := range dirConfigs {
			p := path.Join(cfgPath, name)
			if st, err := os.Stat(hostPath(p)); err == nil && st.Mode().IsRegular() {
				main = p
				break
			}
		}
		if main == "" {
			return "", "", &Error{File: cfgPath, Msg: "directory holds no nginx.conf, apache2.conf, httpd.conf or conf/httpd.conf"}
		}
	}
	switch path.Base(main) {
	case "nginx.conf":
		return KindNginx, main, nil
	case "apache2.conf", "httpd.conf":
		return KindApache, main, nil
	}
	f, err := os.Open(hostPath(main))
	if err != nil {
		return "", "", &Error{File: main, Msg: "open: " + errnoText(err)}
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, detectLimit))
	if err != nil {
		return "", "", &Error{File: main, Msg: "read: " + errnoText(err)}
	}
	src = commentLine.ReplaceAll(src, nil)
	n, a := matchAny(nginxHints, src), matchAny(apacheHints, src)
	switch {
	case n && !a:
		return KindNginx, main, nil
	case a && !n:
		return KindApache, main, nil
	}
	return "", "", fmt.Errorf("cannot tell whether %s is an nginx or an Apache config; use --server", main)
}

func matchAny(res []*regexp.Regexp, src []byte) bool {
	for _, re := range res {
		if re.Match(src) {
			return true
		}
	}
	return false
}

// errnoText returns the system's reason for err without the (host) path.
func errnoText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
