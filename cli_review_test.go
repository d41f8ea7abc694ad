package main

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/demo"
	"github.com/unforbid/unforbid/internal/layout"
	"github.com/unforbid/unforbid/rules"
	"github.com/unforbid/unforbid/tui"
)

// scriptedReview makes the command line believe it runs on a terminal and
// replaces the screens by decide, which gets the data the review would
// show; it records that data in *got.
func scriptedReview(t *testing.T, got *tui.Data, decide func(tui.Data) tui.Decisions) {
	t.Helper()
	prevI, prevR := interactive, runReview
	interactive = func(io.Writer) bool { return true }
	runReview = func(opts tui.Options) (tui.Decisions, error) {
		d, err := opts.Scan(func(tui.Progress) {})
		if err != nil {
			return tui.Decisions{}, err
		}
		*got = d
		return decide(d), nil
	}
	t.Cleanup(func() { interactive, runReview = prevI, prevR })
}

// demoOnDisk lays the demo tree out under a temporary directory, as any
// user, with the journal of --apply in another, and returns the root.
func demoOnDisk(t *testing.T) string {
	t.Helper()
	return treeOnDisk(t, "demo.txtar", demo.Tree)
}

// treeOnDisk lays the tree text out in a temporary directory as any user
// (owners are the running user's: layout.Tree.MaterializeModes), sets a
// temporary journal directory for --apply, and returns the root.
func treeOnDisk(t *testing.T, name string, text []byte) string {
	t.Helper()
	tree, err := layout.Parse(name, text)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := tree.MaterializeModes(dir); err != nil {
		t.Fatal(err)
	}
	t.Setenv("UNFORBID_STATE_DIR", t.TempDir())
	return dir
}

// TestBuildReviewDemo checks the data the review shows for the demo: the
// findings of --check with their keys, traces as explain prints them,
// fixes with diffs or commands, the refusals judged deliberate, and the
// progress reports.
func TestBuildReviewDemo(t *testing.T) {
	root := demoRoot(t)
	o := options{root: root}
	l, ok := load(o, "/etc/nginx/nginx.conf", io.Discard)
	if !ok {
		t.Fatal("the demo does not load")
	}
	var reports []tui.Progress
	rv := buildReview(o, l, rules.Warning, func(p tui.Progress) { reports = append(reports, p) })
	d := rv.data
	if !strings.Contains(d.Title, "/etc/nginx/nginx.conf (nginx, workers run as www-data") {
		t.Errorf("title %q", d.Title)
	}
	_, out, _ := runCLI(t, "--check", "--root", root, "/etc/nginx/nginx.conf")
	if n := strings.Count(out, "\n    path:") + strings.Count(out, "\n    example:"); len(d.Findings) == 0 || n == 0 {
		t.Fatalf("%d findings in the review; --check says:\n%s", len(d.Findings), out)
	}
	for _, f := range d.Findings {
		if !strings.Contains(out, f.Location+": "+f.Severity+": "+f.Message) {
			t.Errorf("%s: %q is not what --check says:\n%s", f.Rule, f.Message, out)
		}
		rf, ok := rv.byID[f.ID]
		if !ok || rf.Key() != f.ID {
			t.Errorf("%s: ID %q is not the key of its finding", f.Rule, f.ID)
		}
		if f.URL != "" && (len(f.Trace) < 2 || !strings.HasPrefix(f.Trace[0], "GET "+f.URL+" from ")) {
			t.Errorf("%s: trace of %s:\n%s", f.Rule, f.URL, strings.Join(f.Trace, "\n"))
		}
		for _, fx := range f.Fixes {
			if fx.Diff == "" && len(fx.Commands) == 0 || fx.Class != "safe" && fx.Class != "review" {
				t.Errorf("%s: fix %+v changes nothing or has no class", f.Rule, fx)
			}
		}
		if f.Server == "" {
			t.Errorf("%s: no server", f.Rule)
		}
	}
	blog := findingOf(d, "fs/no-search-permission")
	if blog == nil || !blog.CanSuppress || len(blog.Fixes) == 0 || !strings.Contains(strings.Join(blog.Trace, "\n"), "/etc/nginx/sites-enabled/alice:") {
		t.Errorf("the /home/alice finding: %+v", blog)
	}
	if len(d.Intended) == 0 {
		t.Error("no refusal judged deliberate (the demo's uploads directory has no index on purpose)")
	}
	for _, i := range d.Intended {
		if i.Rule == "" || i.Location == "" || i.Message == "" {
			t.Errorf("intended %+v", i)
		}
	}
	if len(reports) == 0 {
		t.Fatal("no progress")
	}
	last := reports[len(reports)-1]
	if last.Total == 0 || last.Done != last.Total || last.Files == 0 || last.Findings != len(d.Findings) {
		t.Errorf("last progress %+v", last)
	}
	e, err := explainURL(l.srv, "http://alice.example.com/blog/post-1.html")
	if err != nil || !strings.Contains(e, "GET http://alice.example.com/blog/post-1.html from 127.0.0.1 -> 403") {
		t.Errorf("explain: %v\n%s", err, e)
	}
	if _, err := explainURL(l.srv, "http:///x"); err == nil {
		t.Error("explain of a URL without a host: no error")
	}
}

// findingOf returns the first finding of rule in d.
func findingOf(d tui.Data, rule string) *tui.Finding {
	for i := range d.Findings {
		if d.Findings[i].Rule == rule {
			return &d.Findings[i]
		}
	}
	return nil
}

// TestReviewApplies: the fixes accepted in the review, and a finding
// marked as meant, are applied to the tree through the --apply code;
// --undo gives everything back.
func TestReviewApplies(t *testing.T) {
	dir := demoOnDisk(t)
	before := snapshotTree(t, dir)
	var d tui.Data
	scriptedReview(t, &d, func(d tui.Data) tui.Decisions {
		dec := tui.Decisions{Fix: map[string]int{}, Meant: map[string]string{}, Apply: true}
		for _, f := range d.Findings {
			switch f.Rule {
			case "fs/no-search-permission":
				dec.Fix[f.ID] = 0
			case "nginx/deny-overmatch":
				dec.Meant[f.ID] = "the acme client runs elsewhere"
			}
		}
		return dec
	})
	code, out, errOut := runCLI(t, "--root", dir, "/etc/nginx/nginx.conf")
	if code != exitClean {
		t.Fatalf("exit %d; stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "fixed: ") || !strings.Contains(out, "journal: ") || !strings.Contains(errOut, "2 fixes applied") {
		t.Errorf("the result is not shown; stdout:\n%s\nstderr:\n%s", out, errOut)
	}
	after := snapshotTree(t, dir)
	if after["home/alice"] == before["home/alice"] {
		t.Errorf("/home/alice is unchanged: %s", after["home/alice"])
	}
	if !strings.Contains(after["etc/nginx/sites-available/shop"], "unforbid:ignore nginx/deny-overmatch -- the acme client runs elsewhere") {
		t.Errorf("no suppression comment in the shop config:\n%s", after["etc/nginx/sites-available/shop"])
	}
	for k, v := range before {
		if k != "home/alice" && k != "etc/nginx/sites-available/shop" && after[k] != v {
			t.Errorf("%s changed, no fix accepted touches it:\n%s", k, after[k])
		}
	}
	if code, _, errOut := runCLI(t, "--undo", "--root", dir); code != exitClean {
		t.Fatalf("--undo: exit %d; stderr:\n%s", code, errOut)
	}
	sameTree(t, "after --undo", before, snapshotTree(t, dir))
}

// TestReviewQuitsAndWrites: quitting changes nothing; `w` writes the
// accepted fixes as a patch and a script, and never over existing files.
func TestReviewQuitsAndWrites(t *testing.T) {
	dir := demoOnDisk(t)
	before := snapshotTree(t, dir)
	var d tui.Data
	write := false
	scriptedReview(t, &d, func(d tui.Data) tui.Decisions {
		dec := tui.Decisions{Fix: map[string]int{}, Write: write}
		for _, f := range d.Findings {
			if len(f.Fixes) > 0 && f.Fixes[0].Class == "safe" {
				dec.Fix[f.ID] = 0
			}
		}
		return dec
	})
	code, out, _ := runCLI(t, "--root", dir, "/etc/nginx/nginx.conf")
	if code != exitClean || strings.TrimSpace(out) != "nothing changed" {
		t.Errorf("quit: exit %d, stdout %q", code, out)
	}
	sameTree(t, "after quitting", before, snapshotTree(t, dir))

	write = true
	t.Chdir(t.TempDir())
	code, out, errOut := runCLI(t, "--root", dir, "/etc/nginx/nginx.conf")
	if code != exitClean {
		t.Fatalf("write: exit %d; stderr:\n%s", code, errOut)
	}
	sameTree(t, "after writing the fixes", before, snapshotTree(t, dir))
	patch, err := os.ReadFile(patchFile)
	if err != nil || !strings.Contains(string(patch), "+++ b/etc/nginx/sites-available/shop") {
		t.Errorf("patch: %v\n%s", err, patch)
	}
	script, err := os.ReadFile(scriptFile)
	if err != nil || !strings.HasPrefix(string(script), "#!/bin/sh\n") || !strings.Contains(string(script), "\nset -e\n") || !strings.Contains(string(script), " /home/alice\n") {
		t.Errorf("script: %v\n%s", err, script)
	}
	for _, name := range []string{patchFile, scriptFile} {
		if abs, _ := filepath.Abs(name); !strings.Contains(out, abs) {
			t.Errorf("stdout does not name %s:\n%s", abs, out)
		}
	}
	code, _, errOut = runCLI(t, "--root", dir, "/etc/nginx/nginx.conf")
	if code != exitError || !strings.Contains(errOut, "exists: not overwritten") {
		t.Errorf("second write: exit %d; stderr:\n%s", code, errOut)
	}
	if again, _ := os.ReadFile(patchFile); string(again) != string(patch) {
		t.Error("the patch was overwritten")
	}
}

// TestReviewOnlyOnTerminal: with a mode flag, JSON output, or stdout not
// a terminal, there is no review.
func TestReviewOnlyOnTerminal(t *testing.T) {
	tests := []struct {
		o        options
		terminal bool
		want     bool
	}{
		{options{format: "text"}, true, true},
		{options{format: "text"}, false, false},
		{options{format: "json"}, true, false},
		{options{format: "text", check: true}, true, false},
		{options{format: "text", diff: true}, true, false},
		{options{format: "text", apply: true}, true, false},
		{options{format: "text", undo: true}, true, false},
	}
	prev := interactive
	t.Cleanup(func() { interactive = prev })
	for _, tt := range tests {
		interactive = func(io.Writer) bool { return tt.terminal }
		if got := reviewWanted(tt.o, io.Discard); got != tt.want {
			t.Errorf("%+v on a terminal %v: review %v, want %v", tt.o, tt.terminal, got, tt.want)
		}
	}
	interactive = prev
	if interactive(io.Discard) {
		t.Error("a buffer is taken for a terminal")
	}
}

// TestDemoReviewApplies: applying in the demo's review lays the tree out
// under a new temporary directory and changes only that copy, with its
// own journal, which --undo reads.
func TestDemoReviewApplies(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Setenv("UNFORBID_STATE_DIR", filepath.Join(tmp, "not-this-one"))
	var d tui.Data
	scriptedReview(t, &d, func(d tui.Data) tui.Decisions {
		dec := tui.Decisions{Fix: map[string]int{}, Apply: true}
		for _, f := range d.Findings {
			if f.Rule == "nginx/index-missing" {
				dec.Fix[f.ID] = 0
			}
		}
		return dec
	})
	code, out, errOut := runCLI(t, "demo")
	if code != exitClean {
		t.Fatalf("exit %d; stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	dirs, _ := filepath.Glob(filepath.Join(tmp, "unforbid-demo-*"))
	if len(dirs) != 1 {
		t.Fatalf("demo copies %q; stdout:\n%s", dirs, out)
	}
	root, state := filepath.Join(dirs[0], "root"), filepath.Join(dirs[0], "state")
	shop, err := os.ReadFile(filepath.Join(root, "etc/nginx/sites-available/shop"))
	if err != nil || !regexp.MustCompile(`index\.htm\b`).Match(shop) {
		t.Errorf("the copy's shop config is not fixed: %v\n%s", err, shop)
	}
	if !strings.Contains(out, "UNFORBID_STATE_DIR="+state+" unforbid --undo --root "+root) {
		t.Errorf("stdout does not say how to undo:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(tmp, "not-this-one")); err == nil {
		t.Error("the demo wrote its journal to the default state directory")
	}
	t.Setenv("UNFORBID_STATE_DIR", state)
	if code, _, errOut := runCLI(t, "--undo", "--root", root); code != exitClean {
		t.Errorf("--undo: exit %d; stderr:\n%s", code, errOut)
	}
}

// TestReviewCanceled: Ctrl-C in the review changes nothing and says so.
func TestReviewCanceled(t *testing.T) {
	dir := demoOnDisk(t)
	before := snapshotTree(t, dir)
	prevI, prevR := interactive, runReview
	interactive = func(io.Writer) bool { return true }
	runReview = func(tui.Options) (tui.Decisions, error) { return tui.Decisions{}, tui.ErrCanceled }
	t.Cleanup(func() { interactive, runReview = prevI, prevR })
	code, _, errOut := runCLI(t, "--root", dir, "/etc/nginx/nginx.conf")
	if code != exitError || !strings.Contains(errOut, "canceled: nothing changed") {
		t.Errorf("exit %d; stderr:\n%s", code, errOut)
	}
	sameTree(t, "after canceling", before, snapshotTree(t, dir))
}
