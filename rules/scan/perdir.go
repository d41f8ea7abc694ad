package scan

import (
	"fmt"
	"path"

	"github.com/unforbid/unforbid/rules"
	"github.com/unforbid/unforbid/rules/simulate"
)

// judgeHtaccessInvalid reports a per-directory config file the server
// refuses (Apache's .htaccess with a directive AllowOverride does not
// allow: 500; one that is no regular file: 403): once per file, counting
// the public URLs below it that answer so. Secrets below it are refused
// anyway and are not counted.
func (sc *scanner) judgeHtaccessInvalid(req simulate.Request, d *simulate.Decision, c *simulate.Cause) {
	if sc.isSecretHere(req.Path, "") {
		return
	}
	// The file is named by the finding's range, not its path: the path
	// of a .htaccess would read as a secret the refusal protects.
	status, dir, p := d.Status, path.Dir(c.Path), ""
	if c.Range.IsZero() {
		p = c.Path // a file that does not parse: no directive to name
	}
	sc.add(c.Rule, defaultSeverity, c.Range, p, req, func(n int) string {
		return fmt.Sprintf("%s below %s answer %d: %s", plural(n, "URL"), dir, status, c.Reason)
	})
}

// judgeExecCGIOff reports scripts that a CGI handler takes where the
// server may not run them (Apache: Options without ExecCGI, 403 AH01215),
// once per handler directive, with the count and an example. Secrets
// (a backup script, a dotfile) stay quiet.
func (sc *scanner) judgeExecCGIOff(req simulate.Request, c *simulate.Cause) {
	if sc.isSecretHere(req.Path, c.Path) {
		return
	}
	sc.add(c.Rule, defaultSeverity, c.Range, "", req, func(n int) string {
		return fmt.Sprintf("%s taken by a CGI handler answer 403, e.g. %s: %s", plural(n, "script"), c.Path, c.Reason)
	})
}

// lintDir asks a server that reads per-directory config files
// (simulate.DirLinter) about the directory dir, which the request req
// reaches, and adds what it finds as config findings.
func (sc *scanner) lintDir(req simulate.Request, d *simulate.Decision, dir string) {
	dl, ok := sc.srv.(simulate.DirLinter)
	if !ok || d.Unsure != "" {
		return
	}
	for _, f := range dl.LintDir(req, d, dir) {
		if f.Site.IsZero() || f.Site == sc.site.Range && f.SiteName == "" {
			f.Site, f.SiteName = sc.site.Range, sc.site.Name
		}
		sc.addConfig(f)
	}
}

// addConfig adds a finding of the configuration alone (Lint, LintDir)
// once per rule and directive; the first one found stays.
func (sc *scanner) addConfig(f simulate.ConfigFinding) {
	sev := defaultSeverity
	if r := rules.Lookup(f.Rule); r != nil {
		sev = r.Severity
	}
	if f.Harmless {
		sev = rules.Info
	}
	key := f.Rule + "\x00" + f.Range.String() + "\x00"
	if sc.groups[key] != nil {
		return
	}
	if sc.linted == nil {
		sc.linted = map[string]bool{}
	}
	sc.linted[key] = true
	msg := f.Message
	g := &group{rule: f.Rule, severity: sev, rng: f.Range, url: f.URL, method: "GET", count: 1, message: func(int) string { return msg }, kind: f.Kind, site: f.Site}
	for _, r := range f.Related {
		g.related = append(g.related, rules.Related{Range: r.Range, Message: r.Message})
	}
	g.causeRelated = f.Related
	if !f.Site.IsZero() && f.Kind != simulate.KindSiteRefusesAll {
		g.related = append(g.related, rules.Related{Range: f.Site, Message: f.SiteName})
	}
	sc.groups[key] = g
	sc.order = append(sc.order, key)
}

// authMessage words a password-file cause as CauseMessage does, with the
// status a login meets where the server answers a missing file otherwise
// than nginx's 403 (Apache: 500).
func authMessage(srv simulate.Server, c *simulate.Cause, status int) string {
	if c.Kind == simulate.KindAuthFileMissing && status != 403 && status != 0 {
		return fmt.Sprintf("%s %q does not exist: every login answers %d (%s)", orWords(c.Directive, "the password file"), c.Path, status, c.Reason)
	}
	return CauseMessage(srv, c, c.Reason)
}
