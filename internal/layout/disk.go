package layout

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// diskTarget lays a tree out in a directory through an os.Root, which
// keeps every operation inside it.
type diskTarget struct {
	root   *os.Root
	dir    string
	asRoot bool // chown what is created to root:root
	// noOwners skips the tree's chown commands (MaterializeModes).
	noOwners bool
}

func (d *diskTarget) lstat(p string) (dir, link bool, err error) {
	fi, err := d.root.Lstat(p)
	if err != nil {
		return false, false, err
	}
	return fi.IsDir(), fi.Mode()&fs.ModeSymlink != 0, nil
}

func (d *diskTarget) readlink(p string) (string, error) { return d.root.Readlink(p) }

func (d *diskTarget) mkdir(p string) error {
	if err := d.root.Mkdir(p, 0o755); err != nil {
		return err
	}
	// Mkdir's mode passes through the umask.
	if err := d.root.Chmod(p, 0o755); err != nil {
		return err
	}
	return d.own(p)
}

func (d *diskTarget) writeFile(p string, data []byte) error {
	if err := d.root.WriteFile(p, data, 0o644); err != nil {
		return err
	}
	// WriteFile's mode passes through the umask and keeps the mode of a
	// file already there: set it.
	if err := d.root.Chmod(p, 0o644); err != nil {
		return err
	}
	return d.own(p)
}

func (d *diskTarget) symlink(target, p string) error {
	if err := d.root.Symlink(target, p); err != nil {
		return err
	}
	return d.own(p)
}

func (d *diskTarget) chmod(p string, mode uint32) error { return d.root.Chmod(p, fileMode(mode)) }

func (d *diskTarget) lchown(p string, uid, gid int) error {
	if d.noOwners {
		return nil
	}
	return d.root.Lchown(p, uid, gid)
}

func (d *diskTarget) setfacl(p, spec string) error {
	bin, err := exec.LookPath("setfacl")
	if err != nil {
		return fmt.Errorf("setfacl not found (install the acl package): %v", err)
	}
	if _, err := d.root.Lstat(p); err != nil {
		return err
	}
	out, err := exec.Command(bin, "-m", spec, filepath.Join(d.dir, filepath.FromSlash(p))).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// own makes a new entry root:root when running as root, whatever the
// parent's set-group-id bit says.
func (d *diskTarget) own(p string) error {
	if !d.asRoot {
		return nil
	}
	return d.root.Lchown(p, 0, 0)
}
