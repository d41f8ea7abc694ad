package main

import (
	"errors"
	"fmt"
	"io"
	"path"
	"reflect"
	"slices"
	"strings"

	"github.com/unforbid/unforbid/fix"
	"github.com/unforbid/unforbid/parser"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules"
	"github.com/unforbid/unforbid/rules/report"
	"github.com/unforbid/unforbid/rules/scan"
	"github.com/unforbid/unforbid/rules/simulate"
	"github.com/unforbid/unforbid/rules/simulate/servers"
)

// maxRounds bounds how often --apply looks again behind the causes its
// fixes remove: a file mode 600 in a home directory without the search
// bit shows only once the directory is repaired.
const maxRounds = 4

// fixScan scans l with fixes, each checked by loading the configuration
// again on the view it leaves.
func fixScan(o options, l *loaded, srv simulate.Server, opts scan.Options) ([]rules.Finding, scan.Stats) {
	fo := scan.FixOptions{}
	if opts.Fixes != nil {
		fo = *opts.Fixes
	}
	fo.Reload = func(v *fsmeta.FS) (simulate.Server, error) {
		return l.loadOn(o, srv, v)
	}
	if enough := fo.Enough; enough != nil && l.htaccess != "" {
		// only fixes of the docroot count: the stock config is not here
		fo.Enough = func(rule string, found []fix.Fix) bool {
			return enough(rule, slices.DeleteFunc(slices.Clone(found), func(fx fix.Fix) bool { return !l.fixOK(fx) }))
		}
	}
	opts.Fixes = &fo
	all, stats := scan.Run(srv, opts)
	return l.judgeHtaccess(all), stats
}

// loadOn loads l's configuration, of srv's kind, again on view v.
func (l *loaded) loadOn(o options, srv simulate.Server, v *fsmeta.FS) (simulate.Server, error) {
	if l.reload != nil {
		return l.reload(v)
	}
	return servers.Load(parserKind(srv), l.main, v, servers.Options{NginxPrefix: o.prefix})
}

// chosen returns the fix --apply takes for f: its first safe fix, or its
// first fix of any class when review fixes of its rule are allowed; nil
// when it has none to take.
func chosen(o options, f *rules.Finding) *fix.Fix {
	review := o.includeReview || slices.Contains(o.fixRules, f.Rule)
	for i := range f.Fixes {
		if f.Fixes[i].Class == fix.Safe || review {
			return &f.Fixes[i]
		}
	}
	return nil
}

// plannedFix is a fix --apply takes, with the finding it repairs.
type plannedFix struct {
	finding rules.Finding
	fix     fix.Fix
	round   int
}

// fixPlan is what --apply will do: the fixes taken, the config files
// with their original and final text, and the filesystem operations.
type fixPlan struct {
	planned   []plannedFix
	left      []rules.Finding
	conflicts []fix.Conflict
	change    fix.Change
}

// planFixes scans, chooses a fix per finding, and looks again on the view
// those fixes leave, up to maxRounds times, for the causes they uncovered
// (a 0600 file in a home directory without the search bit shows only once
// the directory is fixed). Each round's fixes are found on the text the
// rounds before it left, and merged per file; a fix whose edits overlap
// another's is left out of its round (a conflict, reported) and proposed
// again by the next look on the edited text, checked again there, never
// combined blindly. What is left is what the last look still finds: a
// finding a fix only partly repaired (a carve-out that opens robots.txt,
// not humans.txt) stays in it.
func planFixes(o options, l *loaded, minSev rules.Severity, opts scan.Options) (scan.Stats, *fixPlan, error) {
	var stats scan.Stats
	fp := &fixPlan{}
	srv := l.srv
	texts := map[string][]byte{} // current text of each edited file
	var order []string
	var ops []fix.Op
	read := func(file string) ([]byte, error) {
		if b, ok := texts[file]; ok {
			return b, nil
		}
		return l.fsys.ReadFile(file)
	}
	// --apply takes one fix per finding: the first it may take
	opts.Fixes = &scan.FixOptions{Enough: func(rule string, found []fix.Fix) bool {
		f := rules.Finding{Rule: rule, Fixes: found}
		return chosen(o, &f) != nil
	}}
	for round := 0; round < maxRounds; round++ {
		all, st := fixScan(o, l, srv, opts)
		if round == 0 {
			stats = st
		}
		fp.left = nil
		var took []plannedFix
		for _, f := range all {
			if f.Severity < minSev || f.Suppressed != nil {
				continue
			}
			fx := chosen(o, &f)
			if fx == nil {
				fp.left = append(fp.left, f)
				continue
			}
			took = append(took, plannedFix{finding: f, fix: realFiles(srv.FileSystem(), *fx), round: round})
		}
		if len(took) == 0 {
			break
		}
		plan, err := fix.NewPlan(fixesOf(took), read)
		if err != nil {
			return stats, fp, err
		}
		fp.conflicts = append(fp.conflicts, plan.Conflicts...)
		for _, i := range plan.Kept {
			fp.planned = append(fp.planned, took[i])
		}
		for _, fc := range plan.Files {
			if _, ok := texts[fc.Path]; !ok {
				order = append(order, fc.Path)
			}
			texts[fc.Path] = fc.New
		}
		ops = append(ops, plan.Ops...)
		view, err := scan.ViewWith(l.fsys, texts, ops)
		if err != nil {
			return stats, fp, err
		}
		if rl, ok := l.srv.(simulate.Reloader); ok {
			srv, err = rl.Reload(view) // parses again only the edited files
		} else {
			srv, err = l.loadOn(o, l.srv, view)
		}
		if err != nil {
			return stats, fp, fmt.Errorf("the fixes leave a config that does not load: %v", err)
		}
		if round == maxRounds-1 {
			// what the last round's fixes leave is not looked at again
			fp.left = nil
			all, _ := fixScan(o, l, srv, scan.Options{})
			for _, f := range all {
				if f.Severity >= minSev && f.Suppressed == nil {
					fp.left = append(fp.left, f)
				}
			}
		}
	}
	slices.Sort(order)
	for _, file := range order {
		old, err := l.fsys.ReadFile(file)
		if err != nil {
			return stats, fp, err
		}
		fp.change.Files = append(fp.change.Files, fix.FileWrite{Path: file, Old: old, New: texts[file]})
	}
	for _, op := range ops {
		if !slices.ContainsFunc(fp.change.Ops, func(o fix.Op) bool { return reflect.DeepEqual(o, op) }) {
			fp.change.Ops = append(fp.change.Ops, op)
		}
	}
	return stats, fp, nil
}

// fixesOf returns the fixes of ps.
func fixesOf(ps []plannedFix) []fix.Fix {
	out := make([]fix.Fix, len(ps))
	for i, p := range ps {
		out[i] = p.fix
	}
	return out
}

// parserKind is the kind of the loaded server, for loading it again.
func parserKind(srv simulate.Server) parser.Kind { return parser.Kind(srv.Kind()) }

// diffCmd prints every proposed fix of every finding.
func diffCmd(o options, config string, minSev rules.Severity, stdout, stderr io.Writer) int {
	l, ok := load(o, config, stderr)
	if !ok {
		return exitError
	}
	all, stats := fixScan(o, l, l.srv, scan.Options{})
	var shown, listed []rules.Finding
	for _, f := range all {
		if f.Severity < minSev {
			continue
		}
		for i, fx := range f.Fixes {
			f.Fixes[i] = realFiles(l.fsys, fx)
		}
		if f.Suppressed == nil {
			if slices.Contains(o.fixRules, f.Rule) {
				// --diff --fix RULE: the comment that marks it as meant
				if fx, ok := scan.SuppressionFix(l.srv, f, scan.ReasonPlaceholder); ok && l.fixOK(fx) {
					f.Fixes = append(f.Fixes, realFiles(l.fsys, fx))
				}
			}
			shown = append(shown, f)
		} else {
			f.Fixes = nil
		}
		listed = append(listed, f)
	}
	render := fixRenderer(l.fsys)
	notes := append(l.srv.Notes(), stats.Notes()...)
	if o.format != "text" {
		code := writeStructured(o, stdout, stderr, listed, notes, render, nil)
		if code == exitFindings && len(shown) == 0 {
			code = exitClean // only suppressed findings
		}
		return code
	}
	nfix := 0
	for _, f := range shown {
		writeFindingText(stdout, f)
		if len(f.Fixes) == 0 {
			fmt.Fprintln(stdout, "  no fix: "+noFixWhy(f))
		}
		for i, fx := range f.Fixes {
			nfix++
			fmt.Fprintf(stdout, "  fix %d of %d (%s): %s\n", i+1, len(f.Fixes), fx.Class, fx.Description)
			if d, err := render(fx); err != nil {
				fmt.Fprintf(stdout, "    (no diff: %v)\n", err)
			} else if d != "" {
				fmt.Fprint(stdout, d)
			}
			for _, c := range fx.Commands() {
				fmt.Fprintln(stdout, "    $ "+strings.ReplaceAll(c, "\n", "\n      "))
			}
		}
		fmt.Fprintln(stdout)
	}
	fmt.Fprintf(stderr, "%s, %s proposed (each diff applies alone with patch -p1 -d / ; --apply takes the safe ones)\n", rules.Plural(len(shown), "finding"), rules.Plural(nfix, "fix"))
	writeRejected(stderr, stats)
	if len(shown) > 0 {
		return exitFindings
	}
	return exitClean
}

// noFixWhy says why a finding has no fix.
func noFixWhy(f rules.Finding) string {
	switch {
	case strings.HasPrefix(f.Rule, "unforbid/"):
		return "edit or remove the comment"
	case f.Severity == rules.Info:
		return "it looks deliberate; repair it by hand if it is not"
	case f.Path != "" && rules.IsSecret(f.Path):
		return "it protects a secret"
	}
	return "none that unforbid can check to be safe; see `unforbid rules` for what to change"
}

// writeRejected says which fixes failed their check, on stderr.
func writeRejected(w io.Writer, st scan.Stats) {
	for _, r := range st.Rejected {
		fmt.Fprintf(w, "note: %s: not offered: %s: %s [%s]\n", r.Range, r.Fix.Description, r.Why, r.Rule)
	}
}

// fixRenderer returns the unified diff of a fix's config edits, read
// through fsys.
func fixRenderer(fsys *fsmeta.FS) func(fix.Fix) (string, error) {
	return func(fx fix.Fix) (string, error) {
		if len(fx.Edits) == 0 {
			return "", nil
		}
		p, err := fix.NewPlan([]fix.Fix{realFiles(fsys, fx)}, fsys.ReadFile)
		if err != nil {
			return "", err
		}
		return p.Diff(), nil
	}
}

// realFiles returns fx with each edited file named by its real path:
// Debian's sites-enabled/shop is a link to sites-available/shop, and
// patch refuses to patch a link.
func realFiles(fsys *fsmeta.FS, fx fix.Fix) fix.Fix {
	edits := make([]fix.Edit, len(fx.Edits))
	for i, e := range fx.Edits {
		if res := fsys.Access(fsmeta.Cred{}, e.File, 0, true); res.Err == 0 && res.At != "" {
			e.File = res.At
		}
		edits[i] = e
	}
	fx.Edits = edits
	return fx
}

// applyCmd applies the chosen fix of every finding.
func applyCmd(o options, config string, minSev rules.Severity, stdout, stderr io.Writer) int {
	l, ok := load(o, config, stderr)
	if !ok {
		return exitError
	}
	stats, fp, err := planFixes(o, l, minSev, scan.Options{})
	if err != nil {
		fmt.Fprintf(stderr, "unforbid: %v\n", err)
		return exitError
	}
	planned, left := fp.planned, fp.left
	for _, c := range fp.conflicts {
		fmt.Fprintf(stderr, "note: %s; looked at again on the edited text\n", c)
	}
	if why := noConfigTestWhy(o, l); why != "" && len(planned) > 0 {
		fmt.Fprintln(stderr, "note: "+why)
	}
	applied, err := applyChange(o, l, planned, fp.change, fix.DefaultStateDir())
	if err != nil {
		fmt.Fprintf(stderr, "unforbid: %v\n", err)
		return exitError
	}
	if o.format != "text" {
		return writeStructured(o, stdout, stderr, left, append(l.srv.Notes(), stats.Notes()...), fixRenderer(l.fsys), appliedOf(planned))
	}
	printApplied(stdout, planned, applied)
	for _, f := range left {
		writeFindingText(stdout, f)
		fmt.Fprintln(stdout, "  left: "+leftWhy(f))
	}
	fmt.Fprintf(stderr, "%s applied, %s left\n", rules.Plural(len(planned), "fix"), rules.Plural(len(left), "finding"))
	if len(left) > 0 {
		return exitFindings
	}
	return exitClean
}

// applyChange applies change, the merged fixes of planned, as --apply and
// the review do: a journal in stateDir (--undo), atomic writes, operations
// only on the served trees, the server's config test and rollback, and
// --reload. Nothing to change returns nil.
func applyChange(o options, l *loaded, planned []plannedFix, change fix.Change, stateDir string) (*fix.Applied, error) {
	if len(change.Files) == 0 && len(change.Ops) == 0 {
		return nil, nil
	}
	return fix.Apply(change, fix.ApplyOptions{
		Root:     hostRoot(o),
		StateDir: stateDir,
		Allowed:  servedOrAbove(l.srv, planned),
		Test:     configTester(o, l),
		Reload:   reloader(o, l),
	})
}

// printApplied prints the fixes applied and what changed.
func printApplied(stdout io.Writer, planned []plannedFix, applied *fix.Applied) {
	for _, p := range planned {
		fmt.Fprintf(stdout, "fixed: %s: %s [%s]\n", p.finding.Range, p.fix.Description, p.finding.Rule)
		for _, c := range p.fix.Commands() {
			fmt.Fprintln(stdout, "    $ "+strings.ReplaceAll(c, "\n", "\n      "))
		}
	}
	if applied != nil {
		for _, f := range applied.Files {
			fmt.Fprintf(stdout, "changed: %s\n", f)
		}
		fmt.Fprintf(stdout, "journal: %s (unforbid --undo restores it)\n", applied.Journal)
	}
}

// leftWhy says why --apply left a finding.
func leftWhy(f rules.Finding) string {
	if len(f.Fixes) > 0 {
		return fmt.Sprintf("its fixes need review (%s; --fix %s or --include-review applies them)", f.Fixes[0].Description, f.Rule)
	}
	return "no fix: " + noFixWhy(f)
}

// hostRoot is the host directory server paths live under.
func hostRoot(o options) string {
	if o.root == "" {
		return "/"
	}
	return o.root
}

// servedOrAbove allows operations on the served trees and the directories
// above them (never a system directory such as /home), and on the
// password files that findings name.
func servedOrAbove(srv simulate.Server, planned []plannedFix) func(string) bool {
	var dirs []string
	fsys := srv.FileSystem()
	for _, s := range srv.Sites() {
		for _, r := range s.Roots {
			dirs = append(dirs, path.Clean(r.Dir))
			if res := fsys.Access(fsmeta.Cred{}, r.Dir, 0, true); res.Err == 0 && res.At != "" {
				dirs = append(dirs, path.Clean(res.At)) // a root that is a link
			}
		}
	}
	named := map[string]bool{}
	for _, p := range planned {
		// the one file outside the served trees a fix may touch: the
		// password file the config names
		if p.finding.Path != "" && strings.HasSuffix(p.finding.Rule, "/auth-file-unreadable") {
			named[path.Clean(p.finding.Path)] = true
		}
	}
	return func(p string) bool {
		p = path.Clean(p)
		if simulate.IsSystemDir(p) {
			return false
		}
		if named[p] {
			return true
		}
		for _, d := range dirs {
			if p == d || strings.HasPrefix(p, d+"/") || strings.HasPrefix(d, p+"/") {
				return true
			}
		}
		return false
	}
}

// configTester returns the server's config test for --apply; a test
// swaps it.
var configTester = configTest

// configTest runs the server's own config test (serverCommands: `nginx
// -t`, `apache2ctl -t`, `httpd -t`) when its tools are installed and the
// config is the machine's own (not under --root); nil otherwise.
func configTest(o options, l *loaded) func() error {
	test, _, ok := serverCommands(l.srv.Kind(), l.main)
	if o.root != "" && o.view == nil && l.htaccess == "" {
		test, ok = rootedTest(o, l)
	}
	if !ok || o.view != nil || l.htaccess != "" {
		return nil
	}
	return func() error {
		if out, err := test.run(); err != nil {
			return fmt.Errorf("%s failed: %s", test, out)
		}
		return nil
	}
}

// reloader reloads the server gracefully after a successful apply, with
// --reload (`nginx -s reload`, `apache2ctl graceful`, `httpd -k
// graceful`).
func reloader(o options, l *loaded) func() error {
	_, reload, ok := serverCommands(l.srv.Kind(), l.main)
	if !o.reload || !ok || o.root != "" || o.view != nil || l.htaccess != "" {
		return nil
	}
	return func() error {
		if out, err := reload.run(); err != nil {
			return fmt.Errorf("%s failed: %s", reload, out)
		}
		return nil
	}
}

// undoCmd restores what the last --apply changed.
func undoCmd(o options, stdout, stderr io.Writer) int {
	res, err := fix.Undo(fix.DefaultStateDir(), hostRoot(o))
	if errors.Is(err, fix.ErrNothingToUndo) {
		fmt.Fprintln(stderr, "unforbid: nothing to undo: the last --apply was undone already, or none ran")
		return exitClean
	}
	if err != nil {
		fmt.Fprintf(stderr, "unforbid: %v\n", err)
		return exitError
	}
	for _, f := range res.Files {
		fmt.Fprintf(stdout, "restored: %s\n", f)
	}
	for _, f := range res.Removed {
		fmt.Fprintf(stdout, "removed: %s\n", f)
	}
	for _, r := range res.Restored {
		fmt.Fprintf(stdout, "restored: %s\n", r)
	}
	fmt.Fprintf(stderr, "undone: %s\n", res.Journal)
	return exitClean
}

// writeStructured writes the JSON or SARIF of --diff and --apply.
func writeStructured(o options, stdout, stderr io.Writer, shown []rules.Finding, notes []simulate.Note, render func(fix.Fix) (string, error), applied []report.Applied) int {
	ro := report.Options{Diff: render, Applied: applied}
	write := report.JSONWith
	if o.format == "sarif" {
		write = report.SARIFWith
	}
	if err := write(stdout, shown, ro, notes...); err != nil {
		fmt.Fprintf(stderr, "unforbid: %v\n", err)
		return exitError
	}
	if len(shown) > 0 {
		return exitFindings
	}
	return exitClean
}

// writeFindingText writes one finding as --check does.
func writeFindingText(w io.Writer, f rules.Finding) {
	report.Text(w, []rules.Finding{f})
}

// appliedOf lists the planned fixes as the report shows them applied.
func appliedOf(planned []plannedFix) []report.Applied {
	out := []report.Applied{}
	for _, p := range planned {
		a := report.Applied{Rule: p.finding.Rule, Description: p.fix.Description, Commands: p.fix.Commands()}
		for _, e := range p.fix.Edits {
			if !slices.Contains(a.Files, e.File) {
				a.Files = append(a.Files, e.File)
			}
		}
		out = append(out, a)
	}
	return out
}
