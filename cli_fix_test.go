package main

import (
	"fmt"

	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/unforbid/unforbid/internal/treetest"
)

// TestDiffGolden runs --diff on every test tree and compares what it
// proposes with testdata/golden/diff/<tree>.txt (go test -update
// rewrites them): every change of a fix is reviewed as a change of a
// golden file.
func TestDiffGolden(t *testing.T) {
	for _, file := range treetest.Files(t, "testdata/trees") {
		name := strings.TrimSuffix(filepath.Base(file), ".txtar")
		t.Run(name, func(t *testing.T) {
			c := treetest.Setup(t, file)
			root := useMemory(t, c)
			code, out, errOut := runCLI(t, "--diff", "--severity", "info", "--root", root, c.Main)
			if code == exitError {
				t.Fatalf("exit %d; stderr:\n%s", code, errOut)
			}
			golden(t, filepath.Join("diff", name+".txt"), out)
		})
	}
}

// diffFile is the path a unified diff's "+++ b/PATH" header names.
var diffFile = regexp.MustCompile(`(?m)^\+\+\+ b/(\S+)`)

// TestDiffsApply checks that every diff --diff proposes, over every test
// tree, applies to the files it was made from with `patch -p1` and `git
// apply`, alone.
func TestDiffsApply(t *testing.T) {
	tools := map[string][]string{"patch": {"patch", "-p1", "--dry-run", "--quiet"}, "git": {"git", "apply", "--check"}}
	for tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Logf("%s not installed: its check is skipped", tool)
			delete(tools, tool)
		}
	}
	if len(tools) == 0 {
		t.Skip("neither patch nor git is installed")
	}
	checked := 0
	for _, file := range treetest.Files(t, "testdata/trees") {
		c := treetest.Setup(t, file)
		root := useMemory(t, c)
		code, out, errOut := runCLI(t, "--diff", "--severity", "info", "--format", "json", "--root", root, c.Main)
		if code == exitError {
			t.Fatalf("%s: exit %d; stderr:\n%s", c.Name, code, errOut)
		}
		var doc struct {
			Findings []struct {
				Rule  string `json:"rule"`
				Fixes []struct {
					Description string `json:"description"`
					Diff        string `json:"diff"`
				} `json:"fixes"`
			} `json:"findings"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("%s: %v\n%s", c.Name, err, out)
		}
		for _, f := range doc.Findings {
			for _, fx := range f.Fixes {
				if fx.Diff == "" {
					continue
				}
				dir := t.TempDir()
				for _, m := range diffFile.FindAllStringSubmatch(fx.Diff, -1) {
					src, err := c.FS.ReadFile("/" + m[1])
					if err != nil {
						t.Fatalf("%s: %s: %v", c.Name, m[1], err)
					}
					host := filepath.Join(dir, m[1])
					if err := os.MkdirAll(filepath.Dir(host), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(host, src, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				for tool, argv := range tools {
					cmd := exec.Command(argv[0], argv[1:]...)
					cmd.Dir = dir
					cmd.Stdin = strings.NewReader(fx.Diff)
					if b, err := cmd.CombinedOutput(); err != nil {
						t.Errorf("%s: %s: %q: %s does not apply its diff: %v\n%s\n%s", c.Name, f.Rule, fx.Description, tool, err, b, fx.Diff)
					}
				}
				checked++
			}
		}
	}
	t.Logf("%d diffs apply", checked)
	if checked == 0 {
		t.Error("no diff was checked: the trees propose no config edit")
	}
}

// snapshotTree records every entry under dir: its mode, owner, content and
// access ACL, for byte-for-byte comparisons.
func snapshotTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		s := fmt.Sprintf("mode %o uid %d gid %d", st.Mode, st.Uid, st.Gid)
		buf := make([]byte, 4096)
		if n, err := unix.Lgetxattr(p, "system.posix_acl_access", buf); err == nil {
			s += fmt.Sprintf(" acl %x", buf[:n])
		}
		if d.Type().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			s += " content " + string(b)
		}
		out[rel] = s
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sameTree reports every entry of a snapshot that differs from before, or
// is new, when (e.g. "after --undo").
func sameTree(t *testing.T, when string, before, got map[string]string) {
	t.Helper()
	for k, v := range before {
		if got[k] != v {
			t.Errorf("%s %s:\n  %s\nwant\n  %s", k, when, got[k], v)
		}
	}
	for k := range got {
		if _, ok := before[k]; !ok {
			t.Errorf("%s is left %s", k, when)
		}
	}
}

// TestApplyUndoDemo applies the demo's safe fixes to the tree laid out on
// disk, as any user: the causes they repair are gone, a second --apply
// has nothing to do, and --undo gives back every byte, mode and ACL.
func TestApplyUndoDemo(t *testing.T) {
	dir := demoOnDisk(t)
	before := snapshotTree(t, dir)
	code, out, errOut := runCLI(t, "--apply", "--format", "json", "--root", dir, "/etc/nginx/nginx.conf")
	if code != exitFindings {
		t.Fatalf("--apply: exit %d, want 1 (a finding needs review); stderr:\n%s\nstdout:\n%s", code, errOut, out)
	}
	var doc struct {
		Findings []struct{ Rule, Path string }
		Applied  []struct {
			Rule        string
			Description string
			Files       []string
			Commands    []string
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	var applied []string
	for _, a := range doc.Applied {
		applied = append(applied, a.Rule)
	}
	want := []string{"fs/no-search-permission", "fs/unreadable-file", "nginx/index-missing", "nginx/deny-overmatch"}
	if strings.Join(applied, " ") != strings.Join(want, " ") {
		t.Errorf("applied %q, want %q", applied, want)
	}
	if len(doc.Findings) != 1 || doc.Findings[0].Path != "/home/alice/public_html/blog/" {
		t.Errorf("left %+v, want only the blog directory (its fixes need review)", doc.Findings)
	}
	after := snapshotTree(t, dir)
	if after["etc/nginx/sites-available/shop"] == before["etc/nginx/sites-available/shop"] {
		t.Error("the shop config did not change")
	}
	code, out, errOut = runCLI(t, "--apply", "--format", "json", "--root", dir, "/etc/nginx/nginx.conf")
	if code != exitFindings || !strings.Contains(out, `"applied": []`) {
		t.Errorf("second --apply: exit %d, want 1 with nothing applied; stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if again := snapshotTree(t, dir); fmt.Sprint(again) != fmt.Sprint(after) {
		t.Error("the second --apply changed the tree")
	}
	code, _, errOut = runCLI(t, "--undo", "--root", dir)
	if code != exitClean {
		t.Fatalf("--undo: exit %d; stderr:\n%s", code, errOut)
	}
	sameTree(t, "after --undo", before, snapshotTree(t, dir))
}

// TestApplyRollsBack: when the server's config test fails after the
// writes, --apply puts every file, mode and ACL back and exits 2.
func TestApplyRollsBack(t *testing.T) {
	dir := demoOnDisk(t)
	prev := configTester
	configTester = func(options, *loaded) func() error {
		return func() error {
			return fmt.Errorf("nginx: [emerg] unknown directive in /etc/nginx/sites-available/shop:7")
		}
	}
	t.Cleanup(func() { configTester = prev })
	before := snapshotTree(t, dir)
	code, out, errOut := runCLI(t, "--apply", "--root", dir, "/etc/nginx/nginx.conf")
	if code != exitError {
		t.Fatalf("exit %d, want 2; stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "[emerg] unknown directive") || !strings.Contains(errOut, "rolled back") {
		t.Errorf("stderr does not say the test failed and everything was rolled back:\n%s", errOut)
	}
	sameTree(t, "after the rollback", before, snapshotTree(t, dir))
}

// TestDiffDemoStructured keeps the JSON and SARIF of --diff on the demo
// (fixes per finding: description, class, diff, commands; SARIF fixes as
// byte-range replacements).
func TestDiffDemoStructured(t *testing.T) {
	root := demoRoot(t)
	for _, format := range []string{"json", "sarif"} {
		code, out, errOut := runCLI(t, "--diff", "--format", format, "--root", root, "/etc/nginx/nginx.conf")
		if code != exitFindings {
			t.Fatalf("%s: exit %d; stderr:\n%s", format, code, errOut)
		}
		golden(t, "demo-diff."+format, out)
	}
}
