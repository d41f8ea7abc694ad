package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

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
			code, out, errOut := runCLI(t, "--diff", "--severity", "info", "--root", root, treetest.MainConfig)
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
		code, out, errOut := runCLI(t, "--diff", "--severity", "info", "--format", "json", "--root", root, treetest.MainConfig)
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
