package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/internal/treetest"
)

// readmeApacheTrees are the trees the README's Apache examples that only
// read were run on: by config, by --htaccess.
var readmeApacheTrees = map[string]string{
	"/etc/apache2/apache2.conf": "testdata/trees/apache-fix-index.txtar",
	"--htaccess":                "testdata/htaccess/wordpress.txtar",
}

// timing matches what changes from run to run: times and journal names.
var timing = regexp.MustCompile(`simulated in \S+|apply-\d{8}T[\d.]+Z\.json`)

// TestReadmeApache keeps the README's Apache examples true: each
// `$ unforbid` command of its Apache section that only reads (--check,
// --diff, explain) is run on the tree it was captured from, and every line
// the README shows for it must be a line of its output (times aside; a
// "..." line stands for lines left out).
func TestReadmeApache(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	start, end := strings.Index(readme, "\n## Apache\n"), strings.Index(readme, "\n## Rules\n")
	if start < 0 || end < start {
		t.Fatal("README.md has no Apache section before Rules")
	}
	ran := 0
	blocks := strings.Split(readme[start:end], "```")
	for i := 1; i < len(blocks); i += 2 {
		var cmd string
		var shown []string
		flush := func() {
			if cmd != "" {
				ran += checkReadmeCommand(t, cmd, shown)
			}
		}
		for _, line := range strings.Split(blocks[i], "\n") {
			if strings.HasPrefix(line, "$ unforbid ") {
				flush()
				cmd, shown = strings.TrimPrefix(line, "$ unforbid "), nil
				continue
			}
			if line != "" && line != "..." {
				shown = append(shown, line)
			}
		}
		flush()
	}
	if ran < 4 {
		t.Errorf("%d README commands checked, want the check, explain and diff of Apache and the --htaccess check", ran)
	}
}

// checkReadmeCommand runs one README command line on its tree and checks
// the lines shown; it returns 1 when it ran, 0 for a command that writes
// (--apply), which the README only shows.
func checkReadmeCommand(t *testing.T, cmd string, shown []string) int {
	t.Helper()
	if strings.Contains(cmd, "--apply") {
		return 0
	}
	args := strings.Fields(cmd)
	tree := readmeApacheTrees["/etc/apache2/apache2.conf"]
	if strings.Contains(cmd, "--htaccess") {
		tree = readmeApacheTrees["--htaccess"]
	}
	c := treetest.Setup(t, filepath.FromSlash(tree))
	root := useMemory(t, c)
	args = append(args[:1:1], append([]string{"--root", root}, args[1:]...)...)
	_, out, errOut := runCLI(t, args...)
	got := map[string]bool{}
	for _, l := range strings.Split(out+errOut, "\n") {
		got[timing.ReplaceAllString(l, "")] = true
	}
	for _, l := range shown {
		if !got[timing.ReplaceAllString(l, "")] {
			t.Errorf("README: unforbid %s: the line\n%s\nis not in its output:\n%s%s", cmd, l, out, errOut)
		}
	}
	return 1
}
