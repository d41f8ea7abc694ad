package fix

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUntrustedStateRefused: --undo writes what a journal says, so a state
// directory or a journal that someone else could have written is refused,
// before anything changes.
func TestUntrustedStateRefused(t *testing.T) {
	root, state := t.TempDir(), t.TempDir()
	acl := aclSupported(t, root)
	fullTree(t, root, acl)
	if _, err := Apply(fullChange(acl), ApplyOptions{Root: root, StateDir: state, Allowed: allowAll}); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(state)
	if err != nil {
		t.Fatal(err)
	}
	var journal string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "apply-") {
			journal = filepath.Join(state, e.Name())
		}
	}
	if journal == "" {
		t.Fatal("no journal written")
	}
	applied := snapshot(t, root)
	// a journal others may write
	if err := os.Chmod(journal, 0o666); err != nil {
		t.Fatal(err)
	}
	if _, err := Undo(state, root); err == nil || !strings.Contains(err.Error(), "writable by others") {
		t.Errorf("undo with a journal of mode 0666: %v, want a refusal", err)
	}
	if err := os.Chmod(journal, 0o600); err != nil {
		t.Fatal(err)
	}
	// a state directory others may write (where a journal can be swapped)
	if err := os.Chmod(state, 0o777); err != nil {
		t.Fatal(err)
	}
	if _, err := Undo(state, root); err == nil || !strings.Contains(err.Error(), "writable by others") {
		t.Errorf("undo with a state directory of mode 0777: %v, want a refusal", err)
	}
	if _, err := Apply(fullChange(acl), ApplyOptions{Root: root, StateDir: state, Allowed: allowAll}); err == nil || !strings.Contains(err.Error(), "writable by others") {
		t.Errorf("apply with a state directory of mode 0777: %v, want a refusal", err)
	}
	if d := diffSnapshots(applied, snapshot(t, root)); len(d) > 0 {
		t.Errorf("a refused undo or apply changed the tree: %v", d)
	}
	if err := os.Chmod(state, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := Undo(state, root); err != nil {
		t.Errorf("undo once the state is private again: %v", err)
	}
}
