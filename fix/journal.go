package fix

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// The journal is written ahead of every change Apply makes: the state of
// each file and each operation's target before it, fsynced before the
// first change, so that Undo (or the recovery after a crash) can put
// everything back byte for byte. Journals are JSON files named by the
// time of the apply in the state directory (mode 0700), each mode 0600.

// Journal statuses.
const (
	statusPending    = "pending"     // written ahead; changes may be under way (or the process died)
	statusApplied    = "applied"     // every change made, test and reload passed
	statusRolledBack = "rolled-back" // Apply put everything back itself
	statusUndone     = "undone"      // Undo put everything back
)

// journal is what Apply writes before it changes anything.
type journal struct {
	Version int
	Root    string // the host directory the server paths live under
	Status  string
	Started time.Time
	Files   []*fileRecord   `json:",omitempty"`
	Targets []*targetRecord `json:",omitempty"`
	Ops     []Op            `json:",omitempty"` // the operations, as asked
	Left    []Op            `json:",omitempty"` // operations left to the admin

	name string // the journal's file name in the state directory
}

// fileRecord is a config file's state before Apply replaced it.
type fileRecord struct {
	Path    string  // the server path as asked
	Real    string  // the server path it resolved to (symbolic links followed inside the root)
	Created bool    // the file did not exist: undo removes it
	Old     []byte  `json:",omitempty"` // its bytes
	Meta    meta    // its mode, owner, ACL
	Xattrs  []xattr `json:",omitempty"` // all its extended attributes
	NewSum  string  // sha256 of the bytes Apply writes
	Temp    string  // the temporary file's name in the same directory
}

// targetRecord is the state of an operation's target before the first
// operation on it (and, once applied, after the last).
type targetRecord struct {
	Path    string
	Created bool   // an OpCreate made it: undo removes it
	Before  meta   // when not Created
	After   *meta  `json:",omitempty"` // recorded once Apply succeeded
	NewSum  string `json:",omitempty"` // sha256 of a created file's content
}

// sum is the hex sha256 of b.
func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// DefaultStateDir returns where journals live: $UNFORBID_STATE_DIR when
// set, /var/lib/unforbid for root, else $XDG_STATE_HOME/unforbid or
// ~/.local/state/unforbid.
func DefaultStateDir() string {
	if d := os.Getenv("UNFORBID_STATE_DIR"); d != "" {
		return d
	}
	if os.Geteuid() == 0 {
		return "/var/lib/unforbid"
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "unforbid")
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		home = "/"
	}
	return filepath.Join(home, ".local", "state", "unforbid")
}

// openStateDir creates the state directory (mode 0700) if needed and
// takes its lock, so that two applies or undos never run at once. The
// returned function releases the lock.
func openStateDir(dir string) (func(), error) {
	if dir == "" {
		return nil, errors.New("no state directory for the journal")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("state directory %s: not a directory", dir)
	}
	if err := private(dir, fi); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_RDWR|os.O_CREATE|unix.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("state directory %s: another unforbid --apply or --undo is running", dir)
	}
	return func() { f.Close() }, nil
}

// private checks that the state directory or a journal belongs to the
// user running unforbid and that no one else may write it: --undo writes
// what a journal says, with that user's rights, so a journal someone else
// could have written is never read.
func private(name string, fi os.FileInfo) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("%s: cannot tell its owner", name)
	}
	if int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("%s belongs to uid %d, not to the user running unforbid (uid %d): refusing to trust it", name, st.Uid, os.Geteuid())
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("%s is writable by others (mode %04o): refusing to trust it; chmod go-w it", name, fi.Mode().Perm())
	}
	return nil
}

// journalName is the file name of a journal started at t: it sorts in
// time order.
func journalName(t time.Time) string {
	return "apply-" + t.UTC().Format("20060102T150405.000000000Z") + ".json"
}

// save writes the journal durably: a temporary file, fsync, rename over
// the journal, fsync of the directory.
func (j *journal) save(dir string) error {
	if j.name == "" {
		j.name = journalName(j.Started)
		for {
			if _, err := os.Lstat(filepath.Join(dir, j.name)); errors.Is(err, os.ErrNotExist) {
				break
			}
			j.Started = j.Started.Add(time.Nanosecond)
			j.name = journalName(j.Started)
		}
	}
	data, err := json.MarshalIndent(j, "", "\t")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, "."+j.name+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|unix.O_NOFOLLOW, 0o600)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	_, err = f.Write(append(data, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, j.name))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("journal: %w", err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	return nil
}

// path is the journal's path in dir.
func (j *journal) path(dir string) string { return filepath.Join(dir, j.name) }

// lastJournal returns the newest journal of dir for root ("" for any
// root) that Apply did not roll back itself, or nil when there is none.
func lastJournal(dir, root string) (*journal, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "apply-") && strings.HasSuffix(e.Name(), ".json") && e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for i := len(names) - 1; i >= 0; i-- {
		name := filepath.Join(dir, names[i])
		fi, err := os.Lstat(name)
		if err != nil {
			return nil, err
		}
		if err := private(name, fi); err != nil {
			return nil, err
		}
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		j := &journal{}
		if err := json.Unmarshal(data, j); err != nil {
			return nil, fmt.Errorf("journal %s: %w", filepath.Join(dir, names[i]), err)
		}
		j.name = names[i]
		if root != "" && j.Root != root {
			continue
		}
		if j.Status == statusRolledBack {
			continue
		}
		return j, nil
	}
	return nil, nil
}
