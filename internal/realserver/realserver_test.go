package realserver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{"a b": `'a b'`, "it's": `'it'\''s'`, "": `''`} {
		if got := ShellQuote(in); got != want {
			t.Errorf("ShellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestMountScript: a path the tree has is mounted over the host's; one it
// lacks is left alone; a mount point the host lacks, or of another kind,
// is an error, never created.
func TestMountScript(t *testing.T) {
	tree := t.TempDir()
	if err := os.MkdirAll(filepath.Join(tree, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	script, err := MountScript(tree, []string{"etc", "srv/unforbid-absent-in-tree"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(script, "mount --bind "+ShellQuote(filepath.Join(tree, "etc"))+" '/etc'") || strings.Contains(script, "unforbid-absent") {
		t.Errorf("script:\n%s", script)
	}
	if err := os.MkdirAll(filepath.Join(tree, "unforbid-no-such-host-dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := MountScript(tree, []string{"unforbid-no-such-host-dir"}); err == nil || !strings.Contains(err.Error(), "not created on the host") {
		t.Errorf("a mount point the host lacks: %v", err)
	}
	if err := os.WriteFile(filepath.Join(tree, "tmp"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := MountScript(tree, []string{"tmp"}); err == nil || !strings.Contains(err.Error(), "one is a directory") {
		t.Errorf("a file over a directory: %v", err)
	}
}
