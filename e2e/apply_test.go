package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/unforbid/unforbid/internal/treetest"
	"github.com/unforbid/unforbid/parser"
)

// The fix-* trees (testdata/trees/fix-*.txtar for nginx,
// apache-fix-*.txtar for Apache) hold one kind of fix each. Their
// .requests section gives the statuses the real server answers before any
// fix, their .apply section the same requests after `unforbid --apply`
// and a reload (a graceful restart for Apache), a `review` mark on the
// unintended refusals no safe fix repairs. A refusal (see refused) in .requests that .apply still refuses
// without that mark is an intended one (secrets, listings, credentials):
// it must refuse with the same status after the apply. Their .fix section
// is the reference repair a human would make, as shell commands run in the
// tree root: TestApplyReference holds the .apply statuses to the real
// server with it, independently of unforbid's own fixes.

// refused reports whether status refuses the request: a client or server
// error, but for 502, which says nginx passed the request on to a backend
// as the config means it to (the tests have none running).
func refused(status int) bool { return status >= 400 && status != 502 }

// applyOutcome is what one request of a fix-* tree shows about --apply.
type applyOutcome int

const (
	served   applyOutcome = iota // served before, must serve the same after
	fixed                        // an unintended refusal the apply must repair
	review                       // an unintended refusal left for review
	intended                     // a refusal that must stay, with its status
)

var outcomeNames = [...]string{"served", "fixed", "left for review", "intended refusal"}

func (o applyOutcome) String() string { return outcomeNames[o] }

// step is one request of a fix-* tree: before is its line in .requests,
// after its line in .apply.
type step struct {
	before, after treetest.Request
	want          applyOutcome
}

// fixSteps pairs the .requests and .apply lines of c, which must name the
// same requests in the same order, and classifies each.
func fixSteps(t *testing.T, c *treetest.Case) []step {
	t.Helper()
	before, after := c.Requests(t), c.RequestsIn(t, ".apply")
	if len(before) == 0 || len(before) != len(after) {
		t.Fatalf("%s: %d requests in .requests, %d in .apply: want the same, at least one", c.Name, len(before), len(after))
	}
	var out []step
	for i, b := range before {
		a := after[i]
		if a.Method != b.Method || a.URL != b.URL || a.From != b.From || a.Auth != b.Auth {
			t.Fatalf("%s: %s and %s are not the same request", c.Name, b, a)
		}
		s := step{before: b, after: a}
		switch {
		case a.Review:
			s.want = review
			if !refused(b.Want) || a.Want != b.Want {
				t.Fatalf("%s: %s: marked review, but not a refusal left as it was", c.Name, a)
			}
		case !refused(b.Want):
			s.want = served
			if a.Want != b.Want {
				t.Fatalf("%s: %s: served before (%d), so the same after, not %d", c.Name, a, b.Want, a.Want)
			}
		case refused(a.Want):
			s.want = intended
			if a.Want != b.Want {
				t.Fatalf("%s: %s: an intended refusal keeps its status %d, not %d", c.Name, a, b.Want, a.Want)
			}
		default:
			s.want = fixed
		}
		out = append(out, s)
	}
	return out
}

// fixTrees lays out every fix-* tree, of every server kind, for real and
// returns them.
func fixTrees(t *testing.T) []*treetest.Case {
	t.Helper()
	var files []string
	for _, pattern := range []string{"fix-*.txtar", "apache-fix-*.txtar"} {
		found, err := filepath.Glob("../testdata/trees/" + pattern)
		if err != nil || len(found) == 0 {
			t.Fatalf("no %s trees: %v", pattern, err)
		}
		files = append(files, found...)
	}
	var out []*treetest.Case
	for _, f := range files {
		out = append(out, treetest.SetupDisk(t, f))
	}
	return out
}

// needReal skips (or, with UNFORBID_E2E=1, fails) the test when the real
// server of kind cannot run here.
func needReal(t *testing.T, kind parser.Kind) {
	t.Helper()
	if kind == parser.KindApache {
		needRealApache(t)
		return
	}
	needRealNginx(t)
}

// checkStatuses sends every request of steps (its before or after line)
// to srv, the real server of c, and fails t for each status it does not
// answer. It returns the real statuses (0 for a request that failed).
func checkStatuses(t *testing.T, c *treetest.Case, srv realServer, steps []step, after bool) []int {
	t.Helper()
	out := make([]int, len(steps))
	for i, s := range steps {
		r := s.before
		if after {
			r = s.after
		}
		got, err := send(srv, r, false)
		if err != nil {
			t.Errorf("%s: %v", r, err)
			continue
		}
		out[i] = got
		if got != r.Want {
			t.Errorf("%s: real %s answers %d, the tree says %d (%s)", r, c.Kind, got, r.Want, s.want)
		}
	}
	return out
}

// checkSimulator fails t for every request of steps (after lines) whose
// real status the simulator of the tree's server kind, reading the tree
// as it is now on disk, does not predict.
func checkSimulator(t *testing.T, c *treetest.Case, steps []step, real []int) {
	t.Helper()
	c.FS.Reset() // the tree changed on disk
	sim := c.Server(t)
	for i, s := range steps {
		req, err := s.after.Simulated()
		if err != nil {
			t.Fatal(err)
		}
		if d := sim.Simulate(req); real[i] != 0 && d.Status != real[i] {
			t.Errorf("%s: after the fix real %s answers %d, the simulator predicts %d", s.after, c.Kind, real[i], d.Status)
			for _, st := range d.Trace {
				t.Logf("    %s %s (%s)", st.Step, st.Detail, st.Range)
			}
		}
	}
}

// TestApplyReference applies the reference repair of each fix-* tree (its
// .fix section) by hand, reloads the real server and holds the tree's .apply
// statuses to it, and the simulator's predictions on the repaired tree.
func TestApplyReference(t *testing.T) {
	for _, c := range fixTrees(t) {
		t.Run(c.Name, func(t *testing.T) {
			needReal(t, c.Kind)
			steps := fixSteps(t, c)
			script, ok := c.Tree.Section(".fix")
			if !ok {
				t.Fatalf("%s: no .fix section", c.Name)
			}
			srv := startTree(t, c, c.Requests(t))
			checkStatuses(t, c, srv, steps, false)
			cmd := exec.Command("sh", "-ec", script)
			cmd.Dir = c.Dir
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: .fix: %v\n%s", c.Name, err, out)
			}
			if err := srv.Reload(); err != nil {
				t.Fatal(err)
			}
			real := checkStatuses(t, c, srv, steps, true)
			checkSimulator(t, c, steps, real)
			if t.Failed() {
				t.Logf("%s error log:\n%s", c.Kind, srv.ErrorLog())
			}
		})
	}
}

// cliReport is the part of the JSON of --apply (../shared/CLI.md) the
// test reads.
type cliReport struct {
	Findings []struct {
		Rule     string `json:"rule"`
		Severity string `json:"severity"`
		Message  string `json:"message"`
		File     string `json:"file"`
		Line     int    `json:"line"`
		Path     string `json:"path"`
		Fixes    []struct {
			Description string   `json:"description"`
			Class       string   `json:"class"`
			Commands    []string `json:"commands"`
		} `json:"fixes"`
	} `json:"findings"`
	Applied []struct {
		Rule        string   `json:"rule"`
		Description string   `json:"description"`
		Files       []string `json:"files"`
		Commands    []string `json:"commands"`
	} `json:"applied"`
}

// buildCLI builds the unforbid binary into a temporary directory.
func buildCLI(t *testing.T) string {
	t.Helper()
	return buildCLIIn(t, t.TempDir())
}

// buildCLIIn builds the unforbid binary into dir.
func buildCLIIn(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "unforbid")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/unforbid/unforbid")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runCLI runs the binary with args and the journal in stateDir, and
// returns its stdout, stderr and exit code.
func runCLI(t *testing.T, bin, stateDir string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "UNFORBID_STATE_DIR="+stateDir)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		t.Fatalf("unforbid %s: %v", strings.Join(args, " "), err)
	}
	return o.String(), e.String(), code
}

// applyTally counts, for one tree, what its real server answered after
// --apply.
type applyTally struct {
	name                              string
	kind                              parser.Kind
	unintended, fixed, review, missed int
	intended, kept, opened            int
	served, broke, applied, leftRules int
}

// TestApply runs `unforbid --apply --root TREE` on each fix-* tree laid
// out for real (nginx's and Apache's), reloads the real server (nginx -s
// reload, Apache's graceful restart) and holds it to the tree's .apply
// statuses: every unintended refusal with a safe fix now serves, every
// intended refusal still refuses as before, nothing served broke. A
// second --apply finds nothing to do; --undo gives back the tree byte
// for byte (content, modes, owners, ACLs and other extended attributes)
// and the real server its .requests statuses. It logs, per tree and in
// total per server kind, how many unintended refusals the apply fixed on
// the real server and how many it left for review.
func TestApply(t *testing.T) {
	// built by the first tree whose server runs here, kept for the others
	bin, binDir := "", t.TempDir()
	var tallies []applyTally
	for _, c := range fixTrees(t) {
		t.Run(c.Name, func(t *testing.T) {
			needReal(t, c.Kind)
			if bin == "" {
				bin = buildCLIIn(t, binDir)
			}
			tl := applyTally{name: c.Name, kind: c.Kind}
			defer func() { tallies = append(tallies, tl) }()
			applyTree(t, bin, c, &tl)
		})
	}
	for _, kind := range []parser.Kind{parser.KindNginx, parser.KindApache} {
		var sum applyTally
		trees := 0
		for _, x := range tallies {
			if x.kind != kind {
				continue
			}
			if trees == 0 {
				t.Logf("%-22s %10s %6s %7s %7s %9s %5s %6s %7s %6s", "tree", "unintended", "fixed", "review", "missed", "intended", "kept", "opened", "served", "broke")
			}
			trees++
			t.Logf("%-22s %10d %6d %7d %7d %9d %5d %6d %7d %6d", x.name, x.unintended, x.fixed, x.review, x.missed, x.intended, x.kept, x.opened, x.served, x.broke)
			sum.unintended += x.unintended
			sum.fixed += x.fixed
			sum.review += x.review
			sum.missed += x.missed
			sum.intended += x.intended
			sum.kept += x.kept
			sum.opened += x.opened
			sum.served += x.served
			sum.broke += x.broke
		}
		if trees == 0 {
			continue
		}
		t.Logf("%-22s %10d %6d %7d %7d %9d %5d %6d %7d %6d", "total "+string(kind), sum.unintended, sum.fixed, sum.review, sum.missed, sum.intended, sum.kept, sum.opened, sum.served, sum.broke)
		t.Logf("--apply fixed %d of %d unintended refusals on real %s over %d trees, left %d for review (%d it should have fixed did not serve); %d of %d intended refusals still refuse, %d opened; %d of %d served requests broke",
			sum.fixed, sum.unintended, kind, trees, sum.review, sum.missed, sum.kept, sum.intended, sum.opened, sum.broke, sum.served)
	}
}

// applyTree is TestApply for one tree.
func applyTree(t *testing.T, bin string, c *treetest.Case, tl *applyTally) {
	steps := fixSteps(t, c)
	pristine := snapshotTree(t, c.Dir)
	srv := startTree(t, c, c.Requests(t))
	defer func() {
		if t.Failed() {
			t.Logf("%s error log:\n%s", c.Kind, srv.ErrorLog())
		}
	}()
	if checkStatuses(t, c, srv, steps, false); t.Failed() {
		t.FailNow()
	}

	state := t.TempDir()
	args := []string{"--apply", "--root", c.Dir, "--format", "json", c.Main}
	stdout, stderr, code := runCLI(t, bin, state, args...)
	if code == 2 {
		t.Fatalf("unforbid --apply: exit 2\nstderr:\n%s\nstdout:\n%s", stderr, stdout)
	}
	var rep cliReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("unforbid --apply: bad JSON: %v\n%s\nstderr:\n%s", err, stdout, stderr)
	}
	if c.Kind == parser.KindApache && strings.Contains(stderr, "no Apache config test") {
		// the tree's config must pass the real apache2 -t before it stays
		t.Errorf("unforbid --apply ran no config test:\n%s", stderr)
	}
	tl.applied = len(rep.Applied)
	for _, a := range rep.Applied {
		t.Logf("applied [%s] %s: files %v, commands %v", a.Rule, a.Description, a.Files, a.Commands)
	}
	if err := srv.Reload(); err != nil {
		t.Fatalf("reload after --apply: %v", err)
	}
	real := checkStatuses(t, c, srv, steps, true)
	for i, s := range steps {
		got := real[i]
		if got == 0 {
			continue
		}
		switch s.want {
		case served:
			tl.served++
			if got != s.before.Want {
				tl.broke++
			}
		case fixed, review:
			tl.unintended++
			switch {
			case !refused(got):
				tl.fixed++
				t.Logf("fixed: %s %s: %d before, %d after", s.after.Method, s.after.URL, s.before.Want, got)
			case s.want == review:
				tl.review++
				t.Logf("left for review: %s %s: %d", s.after.Method, s.after.URL, got)
			default:
				tl.missed++
				t.Logf("NOT fixed: %s %s: %d", s.after.Method, s.after.URL, got)
			}
		case intended:
			tl.intended++
			if got == s.before.Want {
				tl.kept++
			}
			if !refused(got) {
				tl.opened++
				t.Errorf("%s: an intended refusal now serves (%d)", s.after, got)
			}
		}
	}
	checkSimulator(t, c, steps, real)

	// Exit 1 exactly when findings remain that had no safe fix.
	wantCode := 0
	for _, s := range steps {
		if s.want == review {
			wantCode = 1
		}
	}
	for _, f := range rep.Findings {
		tl.leftRules++
		var fixes []string
		for _, x := range f.Fixes {
			fixes = append(fixes, x.Class+": "+x.Description)
		}
		t.Logf("left: %s:%d: %s: %s [%s] path=%q fixes=%q", f.File, f.Line, f.Severity, f.Message, f.Rule, f.Path, fixes)
	}
	if code != wantCode {
		t.Errorf("unforbid --apply: exit %d, want %d\nstderr:\n%s", code, wantCode, stderr)
	}

	// Idempotent: nothing left to apply.
	stdout2, stderr2, code2 := runCLI(t, bin, state, args...)
	var rep2 cliReport
	if err := json.Unmarshal([]byte(stdout2), &rep2); err != nil {
		t.Fatalf("second --apply: bad JSON: %v\n%s\nstderr:\n%s", err, stdout2, stderr2)
	}
	if code2 != wantCode || len(rep2.Applied) != 0 {
		t.Errorf("second --apply: exit %d (want %d), applied %d fixes (want none): %+v\nstderr:\n%s", code2, wantCode, len(rep2.Applied), rep2.Applied, stderr2)
	}

	if tl.applied == 0 {
		// No journal to undo: the tree must be as it was.
		if got := snapshotTree(t, c.Dir); got != pristine {
			t.Errorf("--apply applied nothing but changed the tree:\n%s", lineDiff(pristine, got))
		}
		return
	}
	// --undo gives back the tree as it was, and the server its old answers.
	if _, stderr, code := runCLI(t, bin, state, "--undo", "--root", c.Dir); code != 0 {
		t.Fatalf("unforbid --undo: exit %d\nstderr:\n%s", code, stderr)
	}
	if got := snapshotTree(t, c.Dir); got != pristine {
		t.Errorf("--undo did not restore the tree:\n%s", lineDiff(pristine, got))
	}
	if err := srv.Reload(); err != nil {
		t.Fatalf("reload after --undo: %v", err)
	}
	checkStatuses(t, c, srv, steps, false)
}

// snapshotTree records every entry under dir without following links: its
// path, type and permission bits, owner and group, size, the SHA-256 of a
// file's content or a link's target, and every extended attribute (the
// POSIX ACLs system.posix_acl_access and _default among them). Times are
// left out: a restored file has new ones.
func snapshotTree(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		rel, _ := filepath.Rel(dir, p)
		fmt.Fprintf(&b, "%s %v %d:%d %d", rel, fi.Mode(), st.Uid, st.Gid, fi.Size())
		switch {
		case fi.Mode().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, " %x", sha256.Sum256(data))
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, " -> %s", target)
		}
		for _, name := range xattrs(t, p) {
			val := make([]byte, 4096)
			n, err := unix.Lgetxattr(p, name, val)
			if err != nil {
				return fmt.Errorf("%s: %s: %v", p, name, err)
			}
			fmt.Fprintf(&b, " %s=%x", name, val[:n])
		}
		b.WriteString("\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// xattrs lists the names of the extended attributes of p itself, sorted.
func xattrs(t *testing.T, p string) []string {
	t.Helper()
	buf := make([]byte, 4096)
	n, err := unix.Llistxattr(p, buf)
	if err != nil {
		if errors.Is(err, unix.ENOTSUP) {
			return nil
		}
		t.Fatalf("%s: listxattr: %v", p, err)
	}
	var names []string
	for _, name := range strings.Split(string(buf[:n]), "\x00") {
		if name != "" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// lineDiff lists the lines only in a (-) and only in b (+).
func lineDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out strings.Builder
	for _, l := range al {
		if !slices.Contains(bl, l) {
			fmt.Fprintf(&out, "- %s\n", l)
		}
	}
	for _, l := range bl {
		if !slices.Contains(al, l) {
			fmt.Fprintf(&out, "+ %s\n", l)
		}
	}
	return out.String()
}
