package apache

import (
	"bytes"
	"fmt"
	"net"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/unforbid/unforbid/fix"
	"github.com/unforbid/unforbid/parser"
	conf "github.com/unforbid/unforbid/parser/apache"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules/simulate"
)

// Kind names the server: "apache".
func (s *Simulator) Kind() string { return "apache" }

// FileSystem is the filesystem view the workers read through.
func (s *Simulator) FileSystem() *fsmeta.FS { return s.FS }

// WorkerCred is the identity of the worker processes (User, Group).
func (s *Simulator) WorkerCred() fsmeta.Cred { return s.Cred }

// Worker describes the workers' identity, e.g. "www-data (uid 33, gid 33)".
func (s *Simulator) Worker() string {
	return fmt.Sprintf("%s (uid %d, gid %d)", s.Cred.User, s.Cred.UID, s.Cred.GID)
}

// Describe returns "mode 0700, alice:alice" for p, with its ACL if any.
func (s *Simulator) Describe(p string) string {
	users, err := loadUsers(s.FS)
	if err != nil {
		users = nil
	}
	return simulate.Describe(s.FS, users, p)
}

// fallbackPasswd and fallbackGroup stand in for a missing user database:
// the accounts of Debian's and RHEL's packages.
const (
	fallbackPasswd = "root:x:0:0:root:/root:/bin/sh\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\napache:x:48:48:Apache:/usr/share/httpd:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
	fallbackGroup  = "root:x:0:\nwww-data:x:33:\napache:x:48:\nnogroup:x:65534:\n"
	noPasswdNote   = "no /etc/passwd: assuming Debian's users and groups (www-data is uid 33)"
)

// loadUsers reads the user database of fsys; a config repository or a
// bare copy of /etc/apache2 has none: Debian's accounts are assumed, and
// Notes says so.
func loadUsers(fsys *fsmeta.FS) (*fsmeta.Users, error) {
	if _, err := fsys.Lstat("/etc/passwd"); err != nil {
		return fsmeta.ParseUsers([]byte(fallbackPasswd), []byte(fallbackGroup)), nil
	}
	return fsys.LoadUsers()
}

// Load reads the Apache configuration whose main file is main (a path as
// Apache sees it, such as /etc/apache2/apache2.conf) through fsys, as
// apache2ctl starts it (Debian's envvars read, never executed), and
// returns its simulator. Errors in the configuration come as
// parser.ErrorList values, each "file:line: message".
func Load(main string, fsys *fsmeta.FS) (*Simulator, error) {
	cfg, err := conf.Load(main, conf.Options{FS: fsys})
	if err != nil {
		return nil, err
	}
	return New(cfg, fsys)
}

// invalidHost is the host name asked for when a virtual host has no name:
// it reaches it only as the first of its address.
const invalidHost = "unforbid.invalid"

// LocalAddr returns the local address a client connects to for req: the
// given one, the URL's address, else the address of the Listen that takes
// the request's port (the loopback address for a wildcard).
func (s *Simulator) LocalAddr(req simulate.Request) (string, simulate.Step) {
	if ip := net.ParseIP(req.ServerIP); ip != nil {
		return ip.String(), s.accepting(ip.String(), req.Port, "the local address is given")
	}
	if ip := net.ParseIP(strings.Trim(req.Host, "[]")); ip != nil {
		return ip.String(), s.accepting(ip.String(), req.Port, "the URL names the address")
	}
	for _, l := range s.listens {
		if l.port != req.Port {
			continue
		}
		if l.addr == "" {
			return "127.0.0.1", simulate.Step{Step: "connect", Range: l.rng,
				Detail: fmt.Sprintf("Listen %d takes every address: the request is taken to come to 127.0.0.1", l.port)}
		}
		return l.addr, simulate.Step{Step: "connect", Range: l.rng,
			Detail: fmt.Sprintf("Listen %s takes port %d: the request is taken to come to %s", listenText(l), l.port, l.addr)}
	}
	return "127.0.0.1", simulate.Step{Step: "connect", Detail: fmt.Sprintf("no Listen takes port %d: connection refused", req.Port)}
}

// accepting completes why with the Listen that takes addr:port.
func (s *Simulator) accepting(addr string, port int, why string) simulate.Step {
	for _, l := range s.listens {
		if l.port == port && (l.addr == "" || l.addr == addr) {
			return simulate.Step{Step: "connect", Range: l.rng, Detail: fmt.Sprintf("%s; Listen %s takes it", why, listenText(l))}
		}
	}
	return simulate.Step{Step: "connect", Detail: why + "; no Listen takes it: connection refused"}
}

// listenText is a Listen's address as written back: "127.0.0.1:80", "80".
func listenText(l listen) string {
	switch {
	case l.addr == "":
		return strconv.Itoa(l.port)
	case strings.Contains(l.addr, ":"):
		return "[" + l.addr + "]:" + strconv.Itoa(l.port)
	}
	return l.addr + ":" + strconv.Itoa(l.port)
}

// Sites returns the main server, when a Listen address no <VirtualHost>
// takes reaches it, then every <VirtualHost> in config order: the
// addresses that reach it, its DocumentRoot and Alias trees and its local
// ErrorDocument pages.
func (s *Simulator) Sites() []simulate.Site {
	// room for the main server and every host at once: a Site is large,
	// and growing the slice copied 10,000 of them a dozen times over
	out := make([]simulate.Site, 0, len(s.vhosts)+1)
	if host, port, ip, ok := s.address(nil); ok {
		site := simulate.Site{Name: "main server", Names: s.mainNames(), Host: host, Port: port, ServerIP: ip}
		for _, l := range s.listens {
			site.Listens = append(site.Listens, simulate.Listen{Addr: l.addr, Port: l.port, IPv6: strings.Contains(l.addr, ":")})
		}
		s.fill(&site, []*scope{s.main}, s.Config.Directives)
		out = append(out, site)
	}
	for _, v := range s.vhosts {
		site := simulate.Site{Name: "<VirtualHost " + strings.Join(v.sec.Args, " ") + ">", Range: v.sec.Range}
		if v.name != "" {
			site.Names = append(site.Names, v.name)
			site.Name += " " + v.name
		}
		site.Names = append(site.Names, v.alias...)
		for _, l := range s.listens {
			for _, a := range v.addrs {
				if (a.port == 0 || a.port == l.port) && (a.ip == "" || l.addr == "" || a.ip == l.addr) {
					site.Listens = append(site.Listens, simulate.Listen{Addr: l.addr, Port: l.port, IPv6: strings.Contains(l.addr, ":")})
					break
				}
			}
		}
		host, port, ip, ok := s.address(v)
		if !ok {
			site.Notes = append(site.Notes, simulate.Note{Range: v.sec.Range,
				Message: "no request unforbid can make up reaches this virtual host (its names are taken by an earlier one, or no Listen takes its address)"})
			out = append(out, site)
			continue
		}
		site.Host, site.Port, site.ServerIP = host, port, ip
		s.fill(&site, []*scope{s.main, v.scope}, v.sec.Block)
		out = append(out, site)
	}
	if len(out) == 0 {
		return nil // as before the room was made
	}
	return out
}

// mainNames is the main server's ServerName, when set.
func (s *Simulator) mainNames() []string {
	var names []string
	for _, d := range s.Config.Directives {
		if d.Is("ServerName") && len(d.Args) == 1 {
			names = []string{d.Args[0]}
		}
	}
	return names
}

// fill adds the trees and error pages of the scopes to site; ds are the
// directives of the site's own level (the main config's, a virtual
// host's block) for its ErrorDocument lines.
func (s *Simulator) fill(site *simulate.Site, scopes []*scope, ds []*conf.Directive) {
	docRoot, docRange := "", parser.Range{}
	for _, sc := range scopes {
		if sc.docRoot != "" {
			docRoot, docRange = sc.docRoot, sc.docRange
		}
	}
	if docRoot != "" {
		site.Roots = append(site.Roots, simulate.Root{Dir: docRoot, URL: "/", Range: docRange, Directive: "DocumentRoot"})
	}
	for i := len(scopes) - 1; i >= 0; i-- {
		for _, a := range scopes[i].aliases {
			url := a.Args[0]
			if !strings.HasSuffix(url, "/") {
				url += "/"
			}
			site.Roots = append(site.Roots, simulate.Root{Dir: path.Clean(a.Args[1]), URL: url, Range: a.Range, Directive: "Alias"})
		}
	}
	if len(scopes) > 1 {
		// the main server's, read once: its level holds every vhost
		site.ErrorPages = append(site.ErrorPages, s.mainErrorPages()...)
	}
	site.ErrorPages = append(site.ErrorPages, errorPages(ds)...)
	for _, sc := range scopes {
		if sc.unsure != "" {
			site.Notes = append(site.Notes, simulate.Note{Message: "not simulated: " + sc.unsure})
		}
	}
}

// address finds a host, port and local address whose requests reach v
// (the main server for nil).
func (s *Simulator) address(v *vhost) (string, int, string, bool) {
	var names []string
	if v != nil {
		if v.name != "" {
			names = append(names, v.name)
		}
		for _, a := range v.alias {
			if !strings.ContainsAny(a, "*?[") {
				names = append(names, a)
			}
		}
	} else {
		for _, n := range s.mainNames() {
			names = append(names, strings.ToLower(n))
		}
	}
	names = append(names, invalidHost)
	for _, l := range s.listens {
		if l.proto != "" && l.proto != "http" {
			continue
		}
		ip := l.addr
		if ip == "" {
			ip = "127.0.0.1"
		}
		for _, h := range names {
			got, why := s.selectVhost(ip, l.port, h)
			if why == "" && got == v {
				return h, l.port, ip, true
			}
		}
	}
	return "", 0, "", false
}

// Notes says what the simulator does not model in this configuration:
// each such reason answers the requests it meets Unsure.
func (s *Simulator) Notes() []simulate.Note {
	var out []simulate.Note
	if _, err := s.FS.Lstat("/etc/passwd"); err != nil {
		out = append(out, simulate.Note{Message: noPasswdNote})
	}
	if s.unsure != "" {
		out = append(out, simulate.Note{Message: "not simulated: " + s.unsure})
	}
	seen := map[string]bool{}
	add := func(n simulate.Note) {
		if !seen[n.String()] {
			seen[n.String()] = true
			out = append(out, n)
		}
	}
	scopes := []*scope{s.main}
	for _, v := range s.vhosts {
		scopes = append(scopes, v.scope)
	}
	for _, sc := range scopes {
		if sc.unsure != "" {
			add(simulate.Note{Message: "not simulated: " + sc.unsure})
		}
		for _, o := range sc.others {
			what := o.Name
			if o.Section {
				what = "<" + o.Name + " " + strings.Join(o.Args, " ") + ">"
			}
			add(simulate.Note{Range: o.Range, Message: "not simulated: " + what + " (requests it may apply to are unsure)"})
		}
	}
	for _, w := range s.Config.Warnings {
		add(simulate.Note{Message: w.Error()})
	}
	return out
}

// Comment returns the admin's comment just above the directive at rng:
// Apache's comments are whole lines, so a directive has none on its own
// line.
func (s *Simulator) Comment(rng parser.Range) string {
	_, above := s.CommentLines(rng, 1)
	if len(above) > 0 {
		return above[0]
	}
	return ""
}

// CommentLines returns "" (Apache has no comment after a directive on its
// line), then up to max whole-line comments just above the directive at
// rng, nearest first; suppression comments are left out.
func (s *Simulator) CommentLines(rng parser.Range, max int) (own string, above []string) {
	f := s.Config.Files[rng.File]
	if f == nil || rng.Start.Line <= 0 {
		return "", nil
	}
	lines := strings.Split(string(f.Src), "\n")
	for n := rng.Start.Line - 1; n >= 1 && n <= len(lines) && len(above) < max; n-- {
		line := strings.TrimSpace(lines[n-1])
		if !strings.HasPrefix(line, "#") {
			break
		}
		if c := simulate.WithoutWant(strings.TrimSpace(strings.TrimLeft(line, "#"))); c != "" && !simulate.IsSuppression(c) {
			above = append(above, c)
		}
	}
	return "", above
}

// Suppressions returns every "# unforbid:ignore ..." comment line of the
// files read, once each, in the order the files were read, with the
// directive it stands above (only whole-line comments between them).
func (s *Simulator) Suppressions() []simulate.SuppressionComment {
	var out []simulate.SuppressionComment
	for _, name := range s.Config.Order {
		f := s.Config.Files[name]
		if f == nil || !bytes.Contains(f.Src, []byte(simulate.SuppressionMarker)) {
			// a file without the marker holds no suppression (most
			// files: no need to split them into lines)
			continue
		}
		// the lines directives start on, gathered at the file's first
		// suppression comment (most files have none)
		var starts map[int]parser.Range
		startsOf := func() map[int]parser.Range {
			if starts == nil {
				starts = map[int]parser.Range{}
				conf.Walk(f.Directives, func(d *conf.Directive) bool {
					if !d.Comment {
						starts[d.Range.Start.Line] = d.Range
					}
					return true
				})
			}
			return starts
		}
		lines := strings.Split(string(f.Src), "\n")
		off := 0
		for i, line := range lines {
			lineStart := off
			off += len(line) + 1
			t := strings.TrimSpace(line)
			if !strings.HasPrefix(t, "#") {
				continue
			}
			text := simulate.WithoutWant(strings.TrimSpace(strings.TrimLeft(t, "#")))
			if !simulate.IsSuppression(text) {
				continue
			}
			c := simulate.SuppressionComment{Text: text, Range: parser.Range{File: name,
				Start: parser.Pos{Line: i + 1, Offset: lineStart + strings.Index(line, "#")},
				End:   parser.Pos{Line: i + 1, Offset: lineStart + len(strings.TrimRight(line, " \t\r"))}}}
			for j := i + 1; j < len(lines); j++ {
				n := strings.TrimSpace(lines[j])
				if strings.HasPrefix(n, "#") {
					continue
				}
				if r, ok := startsOf()[j+1]; ok && n != "" {
					c.Target = r
				}
				break
			}
			out = append(out, c)
		}
	}
	return out
}

// SuppressionEdit returns the edit that adds "# text" on a line of its
// own just above the directive at target, with its indentation.
func (s *Simulator) SuppressionEdit(target parser.Range, text string) (fix.Edit, bool) {
	f := s.Config.Files[target.File]
	if f == nil || target.Start.Offset < 0 || target.Start.Offset > len(f.Src) {
		return fix.Edit{}, false
	}
	start := target.Start.Offset
	for start > 0 && f.Src[start-1] != '\n' {
		start--
	}
	indent := string(f.Src[start:target.Start.Offset])
	if strings.TrimLeft(indent, " \t") != "" {
		return fix.Edit{}, false
	}
	return fix.Edit{File: target.File, Start: start, End: start, New: indent + "# " + text + "\n"}, true
}

// Simulator implements the server-neutral contract.
var (
	_ simulate.Server       = (*Simulator)(nil)
	_ simulate.CommentLiner = (*Simulator)(nil)
	_ simulate.Suppressor   = (*Simulator)(nil)
)

// PasswordFileDirs returns the directories whose <Directory> section
// (of the main server or a virtual host) names f as its AuthUserFile, in
// config order: the requests whose login reads f
// (simulate.PasswordFileUser).
func (s *Simulator) PasswordFileDirs(f string) []string {
	var dirs []string
	var walk func(ds []*conf.Directive, dir string)
	walk = func(ds []*conf.Directive, dir string) {
		for _, d := range ds {
			switch {
			case d.Comment:
			case d.Section && d.Is("Directory") && len(d.Args) == 1 && !hasWild(d.Args[0]):
				walk(d.Block, canonDir(d.Args[0]))
			case d.Section:
				walk(d.Block, dir)
			case d.Is("AuthUserFile") && len(d.Args) == 1 && path.Clean(d.Args[0]) == path.Clean(f) && dir != "" && !slices.Contains(dirs, dir):
				dirs = append(dirs, dir)
			}
		}
	}
	walk(s.Config.Directives, "")
	return dirs
}

// errorPages returns the local error pages (ErrorDocument CODE /URI) of a
// list of directives.
func errorPages(ds []*conf.Directive) []simulate.ErrorPage {
	var out []simulate.ErrorPage
	for _, d := range ds {
		if !d.Is("ErrorDocument") || len(d.Args) != 2 || !strings.HasPrefix(d.Args[1], "/") {
			continue
		}
		code, err := strconv.Atoi(d.Args[0])
		if err != nil {
			continue
		}
		out = append(out, simulate.ErrorPage{Codes: []int{code}, URI: d.Args[1], Range: d.Range})
	}
	return out
}
