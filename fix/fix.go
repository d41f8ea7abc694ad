// Package fix holds unforbid's repairs as data and the engine that renders
// and applies them: byte-range edits of config files (shown as unified
// diffs) and filesystem operations on exact paths (shown as shell
// commands), merged per file, written atomically with a journal that
// --undo reads back.
//
// The package knows no rule and no screen: rules produce Fix values, the
// command line and the review hand the accepted ones to Apply.
package fix

import (
	"fmt"
	"io/fs"
	"strings"
)

// Class says how far a fix may be applied without a human's review.
type Class int

// Classes of fixes.
const (
	// Safe fixes serve exactly what the config already means to serve,
	// to the worker alone: --apply applies them.
	Safe Class = iota
	// Review fixes widen what is exposed or may undo someone's intent:
	// applied only with --fix RULE or --include-review.
	Review
)

// String returns "safe" or "review".
func (c Class) String() string {
	if c == Review {
		return "review"
	}
	return "safe"
}

// MarshalText encodes the class as its name.
func (c Class) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// Fix is one alternative repair of a finding: config edits and filesystem
// operations applied together.
type Fix struct {
	// Description is a verb phrase: "give www-data the search bit on
	// /home/alice".
	Description string
	Class       Class
	Edits       []Edit
	Ops         []Op
}

// Edit replaces the bytes [Start, End) of a config file's original text
// with New. An insertion has Start == End.
type Edit struct {
	File       string // the file as the server sees it (no --root prefix)
	Start, End int
	New        string
}

// OpKind is the kind of a filesystem operation.
type OpKind string

// Kinds of filesystem operations.
const (
	OpChmod   OpKind = "chmod"   // add (and remove) permission bits
	OpChown   OpKind = "chown"   // change owner and/or group
	OpSetACL  OpKind = "setfacl" // add or change entries of the access ACL
	OpCreate  OpKind = "create"  // create a file that does not exist
	OpRestore OpKind = "restorecon"
)

// Op is one filesystem operation on an exact path, as the server sees it.
// Operations never follow a symbolic link: a path that is (or passes
// through) one is refused when applied.
type Op struct {
	Kind OpKind
	Path string
	// Add and Remove are the permission bits a chmod sets and clears
	// (e.g. Add 0o001 is "o+x").
	Add, Remove fs.FileMode
	// Owner and Group name the new owner and group of a chown (either may
	// be empty); UID and GID are their ids, -1 when unchanged.
	Owner, Group string
	UID, GID     int
	// ACL lists the entries a setfacl adds or changes.
	ACL []ACLEntry
	// Content and Mode are the content and permission bits of a created
	// file, owned by UID and GID when those are not -1.
	Content []byte
	Mode    fs.FileMode
	// Context is the SELinux type a restorecon expects
	// (httpd_sys_content_t): the command is `semanage fcontext` then
	// `restorecon`; unforbid never applies it itself.
	Context string
}

// ACLEntry is one entry of a POSIX access ACL to set.
type ACLEntry struct {
	Tag  string // "user", "group" or "mask"
	Name string // user or group name; "" for the mask
	ID   int    // uid or gid; -1 for the mask
	Perm fs.FileMode
}

// String renders the entry as setfacl writes it: "u:www-data:--x".
func (e ACLEntry) String() string {
	return fmt.Sprintf("%s:%s:%s", e.Tag[:1], e.Name, rwx(e.Perm))
}

func rwx(p fs.FileMode) string {
	b := []byte("---")
	if p&4 != 0 {
		b[0] = 'r'
	}
	if p&2 != 0 {
		b[1] = 'w'
	}
	if p&1 != 0 {
		b[2] = 'x'
	}
	return string(b)
}

// Command returns the operation as a shell command an admin could run.
func (o Op) Command() string {
	q := ShellQuote(o.Path)
	switch o.Kind {
	case OpChmod:
		var parts []string
		if o.Add != 0 {
			parts = append(parts, symbolic(o.Add, "+"))
		}
		if o.Remove != 0 {
			parts = append(parts, symbolic(o.Remove, "-"))
		}
		return "chmod " + strings.Join(parts, ",") + " " + q
	case OpChown:
		switch {
		case o.Owner == "":
			return "chgrp -h " + o.Group + " " + q
		case o.Group == "":
			return "chown -h " + o.Owner + " " + q
		}
		return "chown -h " + o.Owner + ":" + o.Group + " " + q
	case OpSetACL:
		es := make([]string, len(o.ACL))
		for i, e := range o.ACL {
			es[i] = e.String()
		}
		return "setfacl -m " + strings.Join(es, ",") + " " + q
	case OpCreate:
		return fmt.Sprintf("install -m %04o /dev/stdin %s <<'EOF'\n%sEOF", o.Mode.Perm(), q, o.Content)
	case OpRestore:
		return fmt.Sprintf("semanage fcontext -a -t %s %s && restorecon -v %s", o.Context, ShellQuote(o.Path+"(/.*)?"), q)
	}
	return "# unknown operation " + string(o.Kind) + " " + q
}

// symbolic renders permission bits as chmod's symbolic mode: 0o051 with
// "+" is "g+rx,o+x".
func symbolic(m fs.FileMode, sign string) string {
	var parts []string
	for _, w := range []struct {
		who   string
		shift uint
	}{{"u", 6}, {"g", 3}, {"o", 0}} {
		bits := (m >> w.shift) & 7
		if bits == 0 {
			continue
		}
		s := w.who + sign
		if bits&4 != 0 {
			s += "r"
		}
		if bits&2 != 0 {
			s += "w"
		}
		if bits&1 != 0 {
			s += "x"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ",")
}

// ShellQuote quotes s for a POSIX shell when it holds anything but
// letters, digits and -_./:@%+=,.
func ShellQuote(s string) string {
	safe := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:@%+=,", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Commands returns the shell commands of the fix's filesystem operations.
func (f Fix) Commands() []string {
	out := make([]string, len(f.Ops))
	for i, o := range f.Ops {
		out[i] = o.Command()
	}
	return out
}
