package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/unforbid/unforbid/fix"
	"github.com/unforbid/unforbid/internal/layout"
	"github.com/unforbid/unforbid/rules"
	"github.com/unforbid/unforbid/rules/report"
	"github.com/unforbid/unforbid/rules/scan"
	"github.com/unforbid/unforbid/rules/simulate"
	"github.com/unforbid/unforbid/tui"
)

// runReview runs the interactive review; tests swap it for a scripted
// admin.
var runReview = tui.Run

// interactive reports whether stdout is the process's own stdout and
// both it and stdin are terminals; tests swap it.
var interactive = func(stdout io.Writer) bool {
	return stdout == io.Writer(os.Stdout) && isTerminal(os.Stdout) && isTerminal(os.Stdin)
}

// The files the review's `w` writes into the current directory.
const (
	patchFile  = "unforbid-fixes.patch"
	scriptFile = "unforbid-fixes.sh"
)

// reviewWanted says whether `unforbid [CONFIG]` (or `unforbid demo`)
// opens the review: no mode flag, text output, and both stdout and stdin
// a terminal. Anything else behaves as --check (CLI.md).
func reviewWanted(o options, stdout io.Writer) bool {
	if o.check || o.diff || o.apply || o.undo || o.format != "text" {
		return false
	}
	return interactive(stdout)
}

// review is the data the review shows, with the findings behind it.
type review struct {
	data tui.Data
	// byID are the reviewed findings by tui.Finding.ID, their fixes
	// naming real files (realFiles), in the order of data.Findings.
	byID  map[string]rules.Finding
	order []string
}

// intended says whether f is an info-level refusal that looks deliberate
// (nginx/deny-rule, nginx/return-status...): the review leaves it alone
// and shows it on request.
func intended(f rules.Finding) bool {
	return f.Severity == rules.Info && !strings.HasPrefix(f.Rule, "unforbid/")
}

// buildReview scans l with fixes, calling progress as it goes (nil for
// none), and returns what the review shows: the findings at or above
// minSev with their traces and fixes, the refusals judged deliberate, and
// the notes of what could not be looked at.
func buildReview(o options, l *loaded, minSev rules.Severity, progress func(tui.Progress)) *review {
	opts := scan.Options{}
	total := 0
	for _, s := range l.srv.Sites() {
		if s.Host != "" {
			total++
		}
	}
	if progress != nil {
		opts.ProgressEvery = 200
		opts.Progress = func(s scan.Stats) {
			progress(tui.Progress{Servers: s.Servers, Files: s.Files, Findings: s.Causes, Done: s.Servers, Total: total})
		}
	}
	all, stats := fixScan(o, l, l.srv, opts)
	rv := &review{byID: map[string]rules.Finding{}}
	rv.data.Title = fmt.Sprintf("%s (%s, workers run as %s)", l.main, l.srv.Kind(), l.srv.Worker())
	render := fixRenderer(l.fsys)
	for _, f := range all {
		switch {
		case f.Suppressed != nil:
			rv.data.Intended = append(rv.data.Intended, tui.Intended{
				Rule:     f.Rule,
				Message:  f.Message + " (marked as meant: " + f.Suppressed.Reason + ")",
				Location: f.Range.String(),
			})
			continue
		case intended(f):
			rv.data.Intended = append(rv.data.Intended, tui.Intended{Rule: f.Rule, Message: f.Message, Location: f.Range.String()})
			continue
		case f.Severity < minSev:
			continue
		}
		for i, fx := range f.Fixes {
			f.Fixes[i] = realFiles(l.fsys, fx)
		}
		tf := tui.Finding{
			ID:       f.Key(),
			Rule:     f.Rule,
			Severity: f.Severity.String(),
			Server:   serverOf(f),
			Message:  f.Message,
			Location: f.Range.String(),
			Path:     f.Path,
			URL:      f.URL,
			Count:    f.Count,
			Trace:    traceOf(l.srv, f),
		}
		for _, r := range f.Related {
			tf.Related = append(tf.Related, r.Range.String()+": "+r.Message)
		}
		for _, fx := range f.Fixes {
			d, err := render(fx)
			if err != nil {
				d = fmt.Sprintf("(no diff: %v)\n", err)
			}
			tf.Fixes = append(tf.Fixes, tui.Fix{Description: fx.Description, Class: fx.Class.String(), Diff: d, Commands: fx.Commands()})
		}
		_, tf.CanSuppress = scan.SuppressionFix(l.srv, f, "meant")
		rv.data.Findings = append(rv.data.Findings, tf)
		rv.byID[tf.ID] = f
		rv.order = append(rv.order, tf.ID)
	}
	for _, n := range append(l.srv.Notes(), stats.Notes()...) {
		msg := n.Message
		if !n.Range.IsZero() {
			msg = n.Range.String() + ": " + msg
		}
		rv.data.Notes = append(rv.data.Notes, msg)
	}
	if progress != nil {
		progress(tui.Progress{Servers: stats.Servers, Files: stats.Files, Findings: len(rv.data.Findings), Done: total, Total: total})
	}
	return rv
}

// serverOf is the site a finding belongs to, for grouping: the host of
// its example request, else the config file of its directive.
func serverOf(f rules.Finding) string {
	if u, err := url.Parse(f.URL); err == nil && u.Host != "" {
		return u.Host
	}
	return f.Range.File
}

// traceOf is the decision trace of f's example request, one line per
// step, as `unforbid explain` prints it. The request comes from the
// scan's outside client, as the finding was found; a server address of
// the other family falls back to explain's loopback client.
func traceOf(srv simulate.Server, f rules.Finding) []string {
	if f.URL == "" {
		return nil
	}
	req, err := simulate.ParseRequest(f.Method, f.URL, scan.DefaultClientIP)
	if err != nil {
		return []string{"(no trace: " + err.Error() + ")"}
	}
	e, err := explainOne(srv, req, "")
	if err != nil {
		req.ClientIP = ""
		if e, err = explainOne(srv, req, ""); err != nil {
			return []string{"(no trace: " + err.Error() + ")"}
		}
	}
	var b bytes.Buffer
	report.ExplainText(&b, []report.Explained{e})
	return strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
}

// explainURL is the review's `e`: the decision trace of a GET of u on the
// loaded config, as `unforbid explain` prints it.
func explainURL(srv simulate.Server, u string) (string, error) {
	req, err := simulate.ParseRequest("GET", strings.TrimSpace(u), "")
	if err != nil {
		return "", err
	}
	if req.Host == "" {
		return "", fmt.Errorf("bad url %q: no host (write http://HOST[:PORT]/PATH, or /PATH for localhost)", u)
	}
	req.ClientIP = "" // any family: the client follows the server address
	e, err := explainOne(srv, req, "")
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	report.ExplainText(&b, []report.Explained{e})
	return b.String(), nil
}

// reviewSession runs the review on l and returns the decisions with the
// review they were made on (nil when the admin quit before the scan
// ended).
func reviewSession(o options, l *loaded, minSev rules.Severity) (tui.Decisions, *review, error) {
	var mu sync.Mutex
	var rv *review
	dec, err := runReview(tui.Options{
		Scan: func(progress func(tui.Progress)) (tui.Data, error) {
			r := buildReview(o, l, minSev, progress)
			mu.Lock()
			rv = r
			mu.Unlock()
			return r.data, nil
		},
		Explain: func(u string) (string, error) { return explainURL(l.srv, u) },
		NoColor: os.Getenv("NO_COLOR") != "",
	})
	mu.Lock()
	defer mu.Unlock()
	return dec, rv, err
}

// reviewCmd is `unforbid [CONFIG]` on a terminal: the review, then its
// decisions applied through the --apply code, or written as a patch and a
// script.
func reviewCmd(o options, config string, minSev rules.Severity, stdout, stderr io.Writer) int {
	l, ok := load(o, config, stderr)
	if !ok {
		return exitError
	}
	dec, rv, err := reviewSession(o, l, minSev)
	if err != nil {
		return reviewFailed(err, stderr)
	}
	return carryOut(o, l, rv, dec, fix.DefaultStateDir(), stdout, stderr)
}

// reviewFailed reports a review that ended without decisions: canceled
// with Ctrl-C, or failed. Nothing changed either way; there is no result,
// so the exit code is 2.
func reviewFailed(err error, stderr io.Writer) int {
	if errors.Is(err, tui.ErrCanceled) {
		fmt.Fprintln(stderr, "unforbid: canceled: nothing changed")
		return exitError
	}
	fmt.Fprintf(stderr, "unforbid: %v\n", err)
	return exitError
}

// carryOut does what the admin decided: nothing when they quit, else
// applies the accepted fixes and suppression comments (Apply) or writes
// them into the current directory (Write).
func carryOut(o options, l *loaded, rv *review, dec tui.Decisions, stateDir string, stdout, stderr io.Writer) int {
	if rv == nil || !dec.Apply && !dec.Write {
		fmt.Fprintln(stdout, "nothing changed")
		return exitClean
	}
	planned, err := rv.picked(l, dec)
	if err != nil {
		fmt.Fprintf(stderr, "unforbid: %v\n", err)
		return exitError
	}
	if len(planned) == 0 {
		fmt.Fprintln(stdout, "no fix accepted: nothing changed")
		return exitClean
	}
	plan, err := fix.NewPlan(fixesOf(planned), l.fsys.ReadFile)
	if err != nil {
		fmt.Fprintf(stderr, "unforbid: %v\n", err)
		return exitError
	}
	for _, c := range plan.Conflicts {
		fmt.Fprintf(stderr, "note: %s; not taken: run unforbid again to review it on the edited text\n", c)
	}
	kept := make([]plannedFix, 0, len(plan.Kept))
	for _, i := range plan.Kept {
		kept = append(kept, planned[i])
	}
	if dec.Write {
		return writeFixes(plan, stdout, stderr)
	}
	applied, err := applyChange(o, l, kept, changeOf(plan), stateDir)
	if err != nil {
		fmt.Fprintf(stderr, "unforbid: %v\n", err)
		return exitError
	}
	printApplied(stdout, kept, applied)
	fmt.Fprintf(stderr, "%s applied; run unforbid again to see what is left\n", rules.Plural(len(kept), "fix"))
	return exitClean
}

// picked returns the fixes the admin accepted, in the review's order: the
// chosen alternative of each finding, or the suppression comment with its
// reason of a finding marked as meant (which wins over a fix).
func (rv *review) picked(l *loaded, dec tui.Decisions) ([]plannedFix, error) {
	var out []plannedFix
	for _, id := range rv.order {
		f := rv.byID[id]
		if reason, ok := dec.Meant[id]; ok {
			fx, ok := scan.SuppressionFix(l.srv, f, reason)
			if !ok {
				return nil, fmt.Errorf("%s: cannot write the comment that marks %s as meant", f.Range, f.Rule)
			}
			out = append(out, plannedFix{finding: f, fix: realFiles(l.fsys, fx)})
			continue
		}
		i, ok := dec.Fix[id]
		if !ok {
			continue
		}
		if i < 0 || i >= len(f.Fixes) {
			return nil, fmt.Errorf("%s: %s has no fix %d", f.Range, f.Rule, i+1)
		}
		out = append(out, plannedFix{finding: f, fix: f.Fixes[i]})
	}
	return out, nil
}

// changeOf is what Apply writes for plan.
func changeOf(plan *fix.Plan) fix.Change {
	ch := fix.Change{Ops: plan.Ops}
	for _, fc := range plan.Files {
		ch.Files = append(ch.Files, fix.FileWrite(fc))
	}
	return ch
}

// writeFixes writes the config edits of plan as one patch file and its
// filesystem operations as a shell script into the current directory,
// never over an existing file.
func writeFixes(plan *fix.Plan, stdout, stderr io.Writer) int {
	var script strings.Builder
	if len(plan.Ops) > 0 {
		script.WriteString("#!/bin/sh\n# the filesystem changes unforbid's review accepted\nset -e\n")
		for _, op := range plan.Ops {
			script.WriteString(op.Command() + "\n")
		}
	}
	files := []struct{ name, text string }{{patchFile, plan.Diff()}, {scriptFile, script.String()}}
	for _, f := range files {
		if f.text == "" {
			continue
		}
		if _, err := os.Lstat(f.name); !errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintf(stderr, "unforbid: %s exists: not overwritten, nothing written (move it away and review again)\n", f.name)
			return exitError
		}
	}
	for _, f := range files {
		if f.text == "" {
			continue
		}
		w, err := os.OpenFile(f.name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			_, err = io.WriteString(w, f.text)
			if cerr := w.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintf(stderr, "unforbid: %v\n", err)
			return exitError
		}
		abs, _ := filepath.Abs(f.name)
		switch f.name {
		case patchFile:
			fmt.Fprintf(stdout, "wrote %s (config edits; apply with: patch -p1 -d / < %s)\n", abs, f.name)
		default:
			fmt.Fprintf(stdout, "wrote %s (filesystem changes; run with: sh %s)\n", abs, f.name)
		}
	}
	return exitClean
}

// demoReview is `unforbid demo` on a terminal: the review of the demo's
// in-memory tree. Applying there is harmless: the tree is laid out afresh
// under a new temporary directory (modes and ACLs; owners only as root),
// the accepted fixes are applied to that copy, with its journal beside it,
// and the commands to look at it and undo it are printed. Nothing outside
// that directory changes. `w` writes the patch and the script as anywhere.
func demoReview(o options, minSev rules.Severity, tree *layout.Tree, stdout, stderr io.Writer) int {
	const main = "/etc/nginx/nginx.conf"
	l, ok := load(o, main, stderr)
	if !ok {
		return exitError
	}
	dec, rv, err := reviewSession(o, l, minSev)
	if err != nil {
		return reviewFailed(err, stderr)
	}
	if !dec.Apply || rv == nil {
		return carryOut(o, l, rv, dec, "", stdout, stderr)
	}
	dir, err := os.MkdirTemp("", "unforbid-demo-")
	if err != nil {
		fmt.Fprintf(stderr, "unforbid: demo: %v\n", err)
		return exitError
	}
	root, state := filepath.Join(dir, "root"), filepath.Join(dir, "state")
	if err := os.Mkdir(root, 0o755); err != nil {
		fmt.Fprintf(stderr, "unforbid: demo: %v\n", err)
		return exitError
	}
	if err := tree.MaterializeModes(root); err != nil {
		fmt.Fprintf(stderr, "unforbid: demo: %v\n", err)
		return exitError
	}
	o.root, o.view = root, nil
	disk, ok := load(o, main, stderr)
	if !ok {
		return exitError
	}
	fmt.Fprintf(stdout, "demo: the tree is laid out in %s; the fixes are applied there, nothing else changes\n", root)
	code := carryOut(o, disk, rv, dec, state, stdout, stderr)
	if code == exitClean {
		fmt.Fprintf(stdout, "look at what is left, and undo it:\n"+
			"  unforbid --check --root %[1]s %[2]s\n"+
			"  UNFORBID_STATE_DIR=%[3]s unforbid --undo --root %[1]s\n"+
			"  rm -rf %[4]s\n", root, main, state, dir)
	}
	return code
}
