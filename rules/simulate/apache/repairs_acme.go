package apache

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/unforbid/unforbid/fix"
	"github.com/unforbid/unforbid/parser"
	conf "github.com/unforbid/unforbid/parser/apache"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules/simulate"
)

// acmeTokenPattern matches the URL path of one ACME HTTP-01 token: a
// base64url name straight below /.well-known/acme-challenge/, never a
// dotfile, never a directory below it.
const acmeTokenPattern = `^/\.well-known/acme-challenge/[-_A-Za-z0-9]+$`

// maxACMEEntries bounds the entries of an ACME challenge directory a
// carve-out's check asks for again.
const maxACMEEntries = 1000

// textOf returns the current text of a file a fix may edit: a config file
// read, or a .htaccess file (htaccessText); nil for another file.
func (s *Simulator) textOf(file string) []byte {
	if b := s.confText(file); b != nil {
		return b
	}
	return s.htaccessText(file)
}

// htaccessDirective returns the directive of the .htaccess file that
// stands at rng and the directives of the block it stands in (the file,
// or the <IfModule> holding it); nil when rng is no such directive.
func (s *Simulator) htaccessDirective(rng parser.Range) (*conf.Directive, []*conf.Directive) {
	if rng.IsZero() || path.Base(rng.File) != s.accessFileName() {
		return nil, nil
	}
	src := s.htaccessText(rng.File)
	if src == nil {
		return nil, nil
	}
	file, err := conf.Parse(rng.File, src)
	if err != nil {
		return nil, nil
	}
	var find func(ds []*conf.Directive) (*conf.Directive, []*conf.Directive)
	find = func(ds []*conf.Directive) (*conf.Directive, []*conf.Directive) {
		for _, d := range ds {
			if !d.Comment && d.Range == rng && hasOffsets(d) {
				return d, ds
			}
			if d.Section {
				if f, sibs := find(d.Block); f != nil {
					return f, sibs
				}
			}
		}
		return nil, nil
	}
	return find(file.Directives)
}

// acmeRequest returns the refused request of p that asks for an ACME
// challenge, and the directory its token maps to ("" when it maps to no
// acme-challenge directory).
func (s *Simulator) acmeRequest(p simulate.Problem) (simulate.Request, string, bool) {
	for _, r := range refusedRequests(p) {
		if !strings.HasPrefix(r.Path, acmePrefix) || len(r.Path) == len(acmePrefix) {
			continue
		}
		d := s.Simulate(r)
		rest := strings.TrimPrefix(r.Path, acmePrefix)
		dir := ""
		if d.Path != "" && strings.HasSuffix(d.Path, "/"+rest) {
			dir = strings.TrimSuffix(d.Path, "/"+rest)
			if path.Base(dir) != "acme-challenge" || simulate.IsSystemDir(dir) {
				dir = ""
			}
		}
		return r, dir, true
	}
	return simulate.Request{}, "", false
}

// acmeExemptClass says how a fix f letting ACME challenges through a
// RewriteRule [F] is offered: safe when, simulated, the challenge is no
// longer refused and nothing of the challenge directory that was refused
// opens (a secret, a file behind a password); review otherwise, with the
// reason to add to its description.
func (s *Simulator) acmeExemptClass(p simulate.Problem, f fix.Fix) (fix.Class, string) {
	req, dir, ok := s.acmeRequest(p)
	if !ok {
		return fix.Review, ""
	}
	after, ok := s.acmeHolds(f, req, dir)
	if !ok {
		return fix.Review, " (review: not simulated)"
	}
	if opened := s.acmeOpened(after, nil, p, req, dir); len(opened) > 0 {
		return fix.Review, fmt.Sprintf(" (review: it may also open %s)", strings.Join(opened, ", "))
	}
	return fix.Safe, ""
}

// acmeLocationFix grants the ACME tokens alone with a <LocationMatch>
// after the section holding the deny: <Location> sections merge last, so
// it overrides a <DirectoryMatch>, <Files> or <Location> deny that a
// <Directory> grant cannot. It is safe when, simulated, the challenge is
// served and nothing of the challenge directory that was refused opens:
// the pattern names no dotfile, but a <Location> grant also overrides a
// password a .htaccess asks for there.
func (s *Simulator) acmeLocationFix(p simulate.Problem, req simulate.Request, dir string) (fix.Fix, bool) {
	if s.htaccessRoot != "" {
		return fix.Fix{}, false
	}
	deny := s.directiveAtRange(p.Range)
	if deny == nil {
		return fix.Fix{}, false
	}
	sec := s.sectionOf(deny)
	if sec == nil || sec.Is("VirtualHost") {
		return fix.Fix{}, false
	}
	// a <LocationMatch> cannot nest in a <Directory>: after the
	// outermost section below the virtual host
	for {
		up := s.sectionOf(sec)
		if up == nil || up.Is("VirtualHost") {
			break
		}
		sec = up
	}
	e, ok := s.editAfter(sec, sectionText("LocationMatch", acmeTokenPattern, "Require all granted"))
	if !ok {
		return fix.Fix{}, false
	}
	f := fix.Fix{Edits: []fix.Edit{e}, Class: fix.Safe,
		Description: "serve the ACME challenge tokens alone with a <LocationMatch>, which merges after the deny"}
	after, ok := s.acmeHolds(f, req, dir)
	if !ok {
		return fix.Fix{}, false
	}
	// what the deny hides: a password a .htaccess asks for below it
	// (merged before a <DirectoryMatch>, so overridden by it) is seen
	// on the configuration without the deny
	bare, err := s.withEdits([]fix.Edit{{File: deny.Range.File, Start: deny.Range.Start.Offset, End: deny.Range.End.Offset, New: "# " + deny.Name}})
	if err != nil {
		bare = nil
	}
	if opened := s.acmeOpened(after, bare, p, req, dir); len(opened) > 0 {
		f.Class = fix.Review
		f.Description += fmt.Sprintf(" (review: it may also open %s)", strings.Join(opened, ", "))
	}
	return f, true
}

// acmeHolds applies f and simulates the ACME request req: it must be
// served (200) with its token in place, as certbot writes it during a
// renewal (0644, root) into dir when it is not there, for a deny of what
// exists (RewriteCond -f) refuses only then. When dir does not exist the
// request need only be no longer refused. It returns the simulator
// after f, on the view without the token.
func (s *Simulator) acmeHolds(f fix.Fix, req simulate.Request, dir string) (*Simulator, bool) {
	after, ok := s.fixHolds(f, []simulate.Request{req}, notDenied)
	if !ok || dir == "" {
		return after, ok
	}
	if info, err := s.FS.Lstat(dir); err != nil || info.Type != fsmeta.TypeDir {
		// no directory to write the token into on a view (the
		// overlay creates files in existing directories only): the
		// answer without it must do
		return after, true
	}
	token := path.Join(dir, strings.TrimPrefix(req.Path, acmePrefix))
	if _, err := s.FS.Lstat(token); err == nil {
		return after, served200(after.Simulate(req))
	}
	files := createdFiles(f.Ops)
	files[token] = fsmeta.FileContent{Data: []byte("token\n"), Perm: 0o644}
	renewing, err := s.withChange(f.Edits, files)
	if err != nil || !served200(renewing.Simulate(req)) {
		return nil, false
	}
	return after, true
}

// acmeOpened returns what after opens in the ACME challenge directory dir
// ("" when it maps to none or does not exist): the secrets below it
// (openedSecrets), and every entry refused before for another cause than
// p's (a password, another deny) that after serves, or that bare (the
// configuration without p's deny, when not nil) refuses. Requests carry
// no credentials, so a password counts as a refusal.
func (s *Simulator) acmeOpened(after, bare *Simulator, p simulate.Problem, req simulate.Request, dir string) []string {
	if dir == "" {
		return nil
	}
	if info, err := s.FS.Lstat(dir); err != nil || info.Type != fsmeta.TypeDir {
		return nil
	}
	opened := s.openedSecrets(after, req, acmePrefix, dir)
	names, err := s.FS.ReadDirNames(dir)
	if err != nil {
		return append(opened, dir+" not checked: "+err.Error())
	}
	if len(names) > maxACMEEntries {
		return append(opened, dir+" not checked: too many entries")
	}
	for _, name := range names {
		u := acmePrefix + name
		if slices.Contains(opened, u) {
			continue
		}
		r := req
		r.Path, r.RawPath, r.EscapedPath, r.RequestURI, r.ClientIP = u, u, "", "", publicClient
		r.AssumeAuth, r.AssumeAccess, r.Headers = false, false, nil
		was, now := s.Simulate(r), after.Simulate(r)
		refusedBefore := was.Unsure != "" || was.Status == 401 || was.Status == 403 && (was.Cause == nil || was.Cause.Range != p.Range)
		if bare != nil {
			b := bare.Simulate(r)
			refusedBefore = refusedBefore || b.Unsure != "" || b.Status == 401 || b.Status == 403
		}
		servesNow := now.Unsure != "" || now.Status < 400
		if refusedBefore && servesNow {
			opened = append(opened, u)
		}
	}
	return opened
}
