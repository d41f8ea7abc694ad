package parser

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"

	"github.com/unforbid/unforbid/parser/fsmeta"
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

// detectLimit is how much of a file is looked at to guess its kind.
const detectLimit = 1 << 20

// readLimit is the largest file Detect reads (the config loader's limit).
const readLimit = 64 << 20

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

// rootCred looks files up without permission checks: unforbid reads the
// config as root does.
var rootCred = fsmeta.Cred{User: "root"}

// Detect returns the kind and the main file for cfgPath, a main file or a
// directory holding nginx.conf, apache2.conf, httpd.conf or conf/httpd.conf
// (tried in that order). cfgPath and the returned main file are server
// paths, looked up through fsys, whose symlinks resolve inside its root
// (--root) however they are written; nil means the real root. The kind
// comes from the file name (nginx.conf, apache2.conf, httpd.conf), else
// from the content; when neither tells, Detect fails and the user must say
// with --server.
func Detect(cfgPath string, fsys *fsmeta.FS) (Kind, string, error) {
	return DetectAs(cfgPath, fsys, "")
}

// DetectAs is Detect with the kind forced to want when want is not empty
// (--server): the main file is found as Detect finds it, and its content is
// not asked, so a config Detect cannot tell is read as want.
func DetectAs(cfgPath string, fsys *fsmeta.FS, want Kind) (Kind, string, error) {
	if fsys == nil {
		fsys = fsmeta.New("/")
	}
	r := fsys.Access(rootCred, cfgPath, 0, true)
	if r.Err != 0 {
		return "", "", &Error{File: cfgPath, Msg: "open: " + r.Err.Error()}
	}
	main := cfgPath
	if r.Info.IsDir() {
		main = ""
		for _, name := range dirConfigs {
			p := path.Join(cfgPath, name)
			if r := fsys.Access(rootCred, p, 0, true); r.Err == 0 && r.Info.Type == fsmeta.TypeRegular {
				main = p
				break
			}
		}
		if main == "" {
			return "", "", &Error{File: cfgPath, Msg: "directory holds no nginx.conf, apache2.conf, httpd.conf or conf/httpd.conf"}
		}
	}
	if want != "" {
		return want, main, nil
	}
	switch path.Base(main) {
	case "nginx.conf":
		return KindNginx, main, nil
	case "apache2.conf", "httpd.conf":
		return KindApache, main, nil
	}
	src, err := fsys.ReadFileLimit(main, readLimit)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return "", "", &Error{File: main, Msg: pe.Op + ": " + pe.Err.Error()}
		}
		return "", "", &Error{File: main, Msg: err.Error()}
	}
	if len(src) > detectLimit {
		src = src[:detectLimit]
	}
	src = commentLine.ReplaceAll(src, nil)
	n, a := matchAny(nginxHints, src), matchAny(apacheHints, src)
	switch {
	case n && !a:
		return KindNginx, main, nil
	case a && !n:
		return KindApache, main, nil
	}
	return "", "", &Error{File: main, Msg: "cannot tell whether it is an nginx or an Apache config; use --server"}
}

// DetectDefault returns the kind and main file of the first of
// DefaultConfigs that exists in fsys (nil: the real root) and, when want is
// not empty, is of that kind.
func DetectDefault(fsys *fsmeta.FS, want Kind) (Kind, string, error) {
	if fsys == nil {
		fsys = fsmeta.New("/")
	}
	for _, c := range DefaultConfigs {
		if r := fsys.Access(rootCred, c, 0, true); r.Err != 0 {
			continue
		}
		kind, main, err := Detect(c, fsys)
		if err == nil && (want == "" || want == kind) {
			return kind, main, nil
		}
	}
	return "", "", fmt.Errorf("no CONFIG given and none of %s exists", strings.Join(DefaultConfigs, ", "))
}

func matchAny(res []*regexp.Regexp, src []byte) bool {
	for _, re := range res {
		if re.Match(src) {
			return true
		}
	}
	return false
}
