package main

import (
	"fmt"
	"net"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/unforbid/unforbid/parser/apachelog"
	"github.com/unforbid/unforbid/rules/simulate"
)

// apacheLog is Apache httpd 2.4's error log. Its lines name the client and
// the filesystem path refused, not the request: the request is rebuilt by
// mapping the path back to a URL through the trees the sites serve.
type apacheLog struct{}

func (apacheLog) server() string { return "Apache" }

func (apacheLog) shape() string {
	return `"[Tue Dec 01 13:27:56.123456 2026] [core:error] [pid 1234] ..."`
}

// apacheStatuses are the statuses Apache answers after each message it
// writes for a refused request; a cause not listed is no refusal (a
// script's own error output, a FastCGI backend's error).
var apacheStatuses = map[apachelog.Cause][]int{
	apachelog.CauseRequire:         {403},
	apachelog.CauseAccessCompat:    {403},
	apachelog.CauseAuthzUser:       {401},
	apachelog.CauseSearch:          {403},
	apachelog.CauseStat:            {403},
	apachelog.CauseSymlink:         {403},
	apachelog.CauseNotFile:         {403},
	apachelog.CauseFilePerm:        {403},
	apachelog.CauseHtaccess:        {403},
	apachelog.CauseHtaccessSyntax:  {500},
	apachelog.CauseDirIndex:        {403},
	apachelog.CauseDirOpen:         {403},
	apachelog.CauseRewriteSymlinks: {403},
	apachelog.CauseExecCGI:         {403},
	apachelog.CauseScriptNotFound:  {404},
}

var denied = []simulate.Kind{simulate.KindDenyRule, simulate.KindDenyOvermatch, simulate.KindSiteRefusesAll}

// apacheCauses are the kinds of cause each message names; a cause not
// listed names none the simulator tells apart (lstat failed, not a file).
var apacheCauses = map[apachelog.Cause][]simulate.Kind{
	apachelog.CauseRequire:      denied,
	apachelog.CauseAccessCompat: denied,
	apachelog.CauseSearch:       {simulate.KindNoSearch},
	apachelog.CauseSymlink:      {simulate.KindSymlinkDenied, simulate.KindSymlinkLoop},
	apachelog.CauseFilePerm:     {simulate.KindUnreadableFile},
	// AH00529 is any failure to open the access file: unreadable,
	// behind a directory without search bit, not a regular file
	apachelog.CauseHtaccess:        {simulate.KindUnreadableFile, simulate.KindNoSearch, simulate.KindHtaccessInvalid},
	apachelog.CauseHtaccessSyntax:  {simulate.KindHtaccessInvalid},
	apachelog.CauseDirIndex:        {simulate.KindIndexMissing},
	apachelog.CauseDirOpen:         {simulate.KindUnreadableDir},
	apachelog.CauseRewriteSymlinks: {simulate.KindSymlinkDenied},
	apachelog.CauseExecCGI:         {simulate.KindExecCGIOff},
}

// apacheWords name the causes of apacheCauses in messages.
var apacheWords = map[apachelog.Cause]string{
	apachelog.CauseRequire:         "an access rule refuses the client",
	apachelog.CauseAccessCompat:    "Order/Allow/Deny refuses the client",
	apachelog.CauseSearch:          "a directory on the path lacks the search bit",
	apachelog.CauseSymlink:         "a symbolic link is not followed",
	apachelog.CauseFilePerm:        "the worker cannot read the file",
	apachelog.CauseHtaccess:        "the access file cannot be opened",
	apachelog.CauseHtaccessSyntax:  "the access file holds a directive not allowed there",
	apachelog.CauseDirIndex:        "no DirectoryIndex file and no Indexes",
	apachelog.CauseDirOpen:         "the worker cannot open the directory",
	apachelog.CauseRewriteSymlinks: "per-directory rewriting without FollowSymLinks",
	apachelog.CauseExecCGI:         "Options ExecCGI is off",
}

// Messages of mod_authn_file and mod_auth_basic that apachelog leaves
// unclassified (CauseOther).
const (
	authFileMessage = "Could not open password file: " // AH01620: 500, the request is not named
	userNotFound    = "user "                          // AH01618 "user U not found: URI": 401
)

// line reads one line of Apache's error log.
func (apacheLog) line(n int, text string) (logLine, bool, bool) {
	e, err := apachelog.ParseLine(text)
	if err != nil {
		// Not a log line (a CGI script's raw standard error), or a
		// header that cannot be read: no request to rebuild either way.
		return logLine{}, !apachelog.NotEntry(err), false
	}
	if e.Client == "" || e.Remote {
		// startup lines, and lines of a proxy's backend connection
		return logLine{}, true, false
	}
	msg := e.Message
	if e.Code != "" {
		msg = e.Code + ": " + msg
	}
	if e.Errno != 0 {
		msg = fmt.Sprintf("(%d)%s: %s", e.Errno, e.Err, msg)
	}
	ll := logLine{n: n, time: e.Time, level: e.Level, message: msg, client: e.Client, kind: e.Cause.String(), path: e.Path,
		accessFile: e.Cause == apachelog.CauseHtaccess || e.Cause == apachelog.CauseHtaccessSyntax}
	want, ok := apacheStatuses[e.Cause]
	ll.causes, ll.what = apacheCauses[e.Cause], apacheWords[e.Cause]
	uri := e.URI
	switch {
	case ok:
	case e.Code == "AH01620" && strings.HasPrefix(e.Message, authFileMessage):
		// the line names the password file, not the request: the
		// request is one of a directory whose login reads that file
		ll.kind, ll.path = "auth-file", strings.TrimPrefix(e.Message, authFileMessage)
		ll.causes = []simulate.Kind{simulate.KindAuthFileMissing, simulate.KindAuthFileUnreadable}
		ll.what = "a password file that cannot be opened"
		ll.want = []int{500}
		file := ll.path
		ll.rebuild = func(srv simulate.Server, sites []simulate.Site, sim func(simulate.Request) *simulate.Decision) (simulate.Request, string, error) {
			return passwordFileRequest(srv, sites, e, file, sim)
		}
		return ll, true, true
	case e.Code == "AH01618" && strings.HasPrefix(e.Message, userNotFound) && strings.Contains(e.Message, " not found: /"):
		want, ll.kind = []int{401}, "user-not-found"
		uri = e.Message[strings.Index(e.Message, " not found: /")+len(" not found: "):]
	default:
		return logLine{}, true, false
	}
	ll.want = want
	ll.rebuild = func(_ simulate.Server, sites []simulate.Site, sim func(simulate.Request) *simulate.Decision) (simulate.Request, string, error) {
		return apacheRequest(sites, e, uri, want, sim)
	}
	return ll, true, true
}

// passwordFileRequest rebuilds the request of an AH01620 line, which
// names the password file it could not open and not the request: a
// request of the first served directory whose login reads that file
// (simulate.PasswordFileUser), the note naming the others.
func passwordFileRequest(srv simulate.Server, sites []simulate.Site, e apachelog.Entry, file string, sim func(simulate.Request) *simulate.Decision) (simulate.Request, string, error) {
	pu, ok := srv.(simulate.PasswordFileUser)
	if !ok {
		return simulate.Request{}, "", fmt.Errorf("the line names the password file %s, not the request (the access log has it)", file)
	}
	var dirs []string
	for _, dir := range pu.PasswordFileDirs(file) {
		if len(pathTargets(sites, strings.TrimSuffix(dir, "/")+"/")) > 0 {
			dirs = append(dirs, dir)
		}
	}
	if len(dirs) == 0 {
		return simulate.Request{}, "", fmt.Errorf("the line names the password file %s, which no served directory's AuthUserFile reads", file)
	}
	e.Path = strings.TrimSuffix(dirs[0], "/") + "/"
	req, note, err := apacheRequest(sites, e, "", []int{500}, sim)
	if len(dirs) > 1 {
		more := fmt.Sprintf("the line names the password file %s, which %d directories read (%s): explained on the first", file, len(dirs), strings.Join(dirs, ", "))
		if note != "" {
			more += "; " + note
		}
		note = more
	}
	return req, note, err
}

// apacheTarget is a request target that may have written a line: the URL
// path on one site.
type apacheTarget struct {
	site *simulate.Site
	path string // the URL path
}

// apacheRequest rebuilds the request of an Apache line: the URL path the
// line names (AH00035, a <Location> denial), or else the URL the path the
// line names is served at; a directory or .htaccess stands for a request
// of the directory. The site is the one whose trees hold the path; when
// several do (or the line names a URL, which any site may serve), the
// first one whose simulated status agrees with the line is taken, and
// the note says the line left the choice open. The client is the line's,
// the Referer header the one Apache appended.
func apacheRequest(sites []simulate.Site, e apachelog.Entry, uri string, want []int, sim func(simulate.Request) *simulate.Decision) (simulate.Request, string, error) {
	if net.ParseIP(e.Client) == nil {
		return simulate.Request{}, "", fmt.Errorf("client %q is no IP address", e.Client)
	}
	var targets []apacheTarget
	if uri != "" {
		if !strings.HasPrefix(uri, "/") {
			return simulate.Request{}, "", fmt.Errorf("URL path %q does not start with /", uri)
		}
		// Pick the sites whose trees hold the path the line names too
		// (AH00035 names both), failing that every site.
		if e.Path != "" {
			for _, t := range pathTargets(sites, e.Path) {
				targets = append(targets, apacheTarget{t.site, uri})
			}
		}
		if len(targets) == 0 {
			for i := range sites {
				if sites[i].Host != "" {
					targets = append(targets, apacheTarget{&sites[i], uri})
				}
			}
		}
	} else {
		p := e.Path
		if e.Cause == apachelog.CauseHtaccess || e.Cause == apachelog.CauseHtaccessSyntax {
			// the access file of the directory of the request
			p = path.Dir(p) + "/"
		}
		if !strings.HasPrefix(p, "/") {
			return simulate.Request{}, "", fmt.Errorf("the line names no absolute path (%q)", e.Path)
		}
		targets = pathTargets(sites, p)
		if len(targets) == 0 {
			return simulate.Request{}, "", fmt.Errorf("no site serves %s (no DocumentRoot or Alias holds it)", p)
		}
	}
	if len(targets) == 0 {
		return simulate.Request{}, "", fmt.Errorf("no site can be reached to request %s", uri)
	}
	var first simulate.Request
	for i, t := range targets {
		req, err := targetRequest(t, e)
		if err != nil {
			return req, "", err
		}
		if i == 0 {
			first = req
		}
		if len(targets) == 1 {
			return req, "", nil
		}
		if d := sim(req); containsInt(want, d.Status) {
			return req, ambiguity(targets, t), nil
		}
	}
	return first, ambiguity(targets, targets[0]), nil
}

// ambiguity says which targets the line left open and which was taken.
func ambiguity(targets []apacheTarget, took apacheTarget) string {
	var names []string
	for _, t := range targets {
		names = append(names, t.site.Name)
	}
	return fmt.Sprintf("Apache does not log the virtual host; %d sites serve the path (%s): explained on %s, the first whose answer agrees with the line",
		len(targets), strings.Join(names, ", "), took.site.Name)
}

// pathTargets returns, for each reachable site whose trees hold the
// filesystem path p, the URL path p is served at (by the deepest tree:
// an Alias inside the DocumentRoot wins). A p ending in "/" is a
// directory, requested with its slash.
func pathTargets(sites []simulate.Site, p string) []apacheTarget {
	dir := strings.HasSuffix(p, "/")
	clean := path.Clean(p)
	var out []apacheTarget
	for i := range sites {
		s := &sites[i]
		if s.Host == "" {
			continue
		}
		best, bestLen := "", -1
		for _, r := range s.Roots {
			root := path.Clean(r.Dir)
			var rel string
			switch {
			case clean == root:
				rel = ""
			case root == "/":
				rel = clean[1:]
			case strings.HasPrefix(clean, root+"/"):
				rel = clean[len(root)+1:]
			default:
				continue
			}
			if len(root) <= bestLen {
				continue
			}
			u := r.URL
			if !strings.HasSuffix(u, "/") {
				u += "/"
			}
			u += rel
			if rel != "" && dir {
				u += "/"
			}
			best, bestLen = u, len(root)
		}
		if bestLen >= 0 {
			out = append(out, apacheTarget{s, best})
		}
	}
	return out
}

// targetRequest makes the request of the line for the target: the site's
// host, port and address, the line's client and referer.
func targetRequest(t apacheTarget, e apachelog.Entry) (simulate.Request, error) {
	host := t.site.Host
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	scheme := "http"
	if t.site.Port == 443 {
		scheme = "https"
	}
	u := (&url.URL{Path: t.path}).EscapedPath()
	req, err := simulate.ParseRequest("GET", scheme+"://"+host+":"+strconv.Itoa(t.site.Port)+u, e.Client)
	if err != nil {
		return req, err
	}
	req.ServerIP = t.site.ServerIP
	if e.Referer != "" {
		req.Headers = map[string]string{"Referer": e.Referer}
	}
	return req, nil
}
