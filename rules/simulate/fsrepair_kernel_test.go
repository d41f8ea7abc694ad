package simulate_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/unforbid/unforbid/fix"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules/simulate"
)

// TestOpChangesMatchSetfacl runs the commands of filesystem operations
// with the real chmod and setfacl on a scratch file and checks that
// OpChanges predicted the mode and ACL the kernel keeps: the view a fix
// is checked on is the filesystem the fix leaves.
func TestOpChangesMatchSetfacl(t *testing.T) {
	if _, err := exec.LookPath("setfacl"); err != nil {
		t.Skip("setfacl is not installed")
	}
	user := func(id int, perm os.FileMode) fix.ACLEntry {
		return fix.ACLEntry{Tag: "user", Name: fmt.Sprint(id), ID: id, Perm: perm}
	}
	mask := func(perm os.FileMode) fix.ACLEntry { return fix.ACLEntry{Tag: "mask", ID: -1, Perm: perm} }
	tests := []struct {
		name  string
		mode  os.FileMode
		setup string // setfacl -m entries made before, "" for none
		ops   func(p string) []fix.Op
	}{
		{"first entry", 0o640, "", func(p string) []fix.Op {
			return []fix.Op{{Kind: fix.OpSetACL, Path: p, ACL: []fix.ACLEntry{user(33, 1)}}}
		}},
		{"recomputed mask", 0o640, "u:1001:rw-,m::r--", func(p string) []fix.Op {
			return []fix.Op{{Kind: fix.OpSetACL, Path: p, ACL: []fix.ACLEntry{user(33, 4)}}}
		}},
		{"named mask", 0o640, "u:1001:rw-,m::r--", func(p string) []fix.Op {
			return []fix.Op{{Kind: fix.OpSetACL, Path: p, ACL: []fix.ACLEntry{user(33, 4), mask(4)}}}
		}},
		{"mask of none raised", 0o600, "u:33:r--,m::---", func(p string) []fix.Op {
			return []fix.Op{{Kind: fix.OpSetACL, Path: p, ACL: []fix.ACLEntry{mask(4)}}}
		}},
		{"extended entry", 0o700, "u:33:--x,m::--x", func(p string) []fix.Op {
			return []fix.Op{{Kind: fix.OpSetACL, Path: p, ACL: []fix.ACLEntry{user(33, 5), mask(5)}}}
		}},
		{"chmod with an ACL", 0o640, "u:1001:rw-,m::r--", func(p string) []fix.Op {
			return []fix.Op{{Kind: fix.OpChmod, Path: p, Add: 0o011}}
		}},
		{"chmod without", 0o600, "", func(p string) []fix.Op {
			return []fix.Op{{Kind: fix.OpChmod, Path: p, Add: 0o004}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "f")
			if err := os.WriteFile(p, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(p, tt.mode); err != nil {
				t.Fatal(err)
			}
			if tt.setup != "" {
				if out, err := exec.Command("setfacl", "-m", tt.setup, p).CombinedOutput(); err != nil {
					t.Skipf("setfacl here: %v: %s", err, out)
				}
			}
			fsys := fsmeta.New("/")
			ops := tt.ops(p)
			ch, err := simulate.OpChanges(fsys, ops)
			if err != nil {
				t.Fatal(err)
			}
			predicted, err := fsys.With(ch).Lstat(p)
			if err != nil {
				t.Fatal(err)
			}
			for _, op := range ops {
				if out, err := exec.Command("sh", "-c", op.Command()).CombinedOutput(); err != nil {
					t.Fatalf("%s: %v: %s", op.Command(), err, out)
				}
			}
			real, err := fsmeta.New("/").Lstat(p)
			if err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprintf("%04o %s", predicted.Perm, predicted.ACL)
			want := fmt.Sprintf("%04o %s", real.Perm, real.ACL)
			if got != want {
				t.Errorf("%q: OpChanges predicted %s, the kernel keeps %s", ops[0].Command(), got, want)
			}
		})
	}
}
