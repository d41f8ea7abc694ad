// Package layout lays a test tree out for real on disk (Materialize, which
// needs root for owners), or builds the same tree as an in-memory
// fsmeta.FS (Memory, which needs nothing). Both run the same code over the
// files and .fsmeta commands; a root-only test holds them equal.
//
// A tree is a txtar archive (golang.org/x/tools/txtar). Each file of the
// archive is a file of the tree, named by its path relative to the tree root
// (etc/nginx/nginx.conf, srv/www/index.html). Configs inside the tree use
// absolute paths such as /srv/www: unforbid resolves them under --root, and
// the real server of the end-to-end tests sees them through bind mounts
// (package internal/realnginx).
//
// Sections whose name starts with "." are not files. The ".fsmeta" section
// holds the filesystem metadata git cannot carry, one command a line, applied
// in order after every file is written:
//
//	mkdir PATH                  # an empty directory
//	chmod MODE PATH             # octal mode, e.g. 0700 or 4755
//	chown USER[:GROUP] PATH     # does not follow a final symlink
//	symlink PATH -> TARGET      # TARGET written verbatim
//	setfacl SPEC PATH           # runs setfacl -m SPEC on the path
//
// A "#" at the start of a line or after a blank starts a comment; its text is
// kept in Command.Comment, where the test harness finds its `# want "..."`
// annotations. Other dot-sections (".requests" and the like) are left to the
// caller, who reads them with Tree.Section.
package layout

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"strconv"
	"strings"

	"golang.org/x/tools/txtar"
)

// FSMeta is the name of the section holding filesystem commands.
const FSMeta = ".fsmeta"

// Tree is a parsed test tree.
type Tree struct {
	// Archive is the txtar archive the tree was parsed from.
	Archive *txtar.Archive
	// Name names the tree in error messages, usually the archive's file name.
	Name string
}

// Command is one line of the .fsmeta section.
type Command struct {
	// Line is the 1-based line number inside the .fsmeta section.
	Line int
	// Op is the command: mkdir, chmod, chown, symlink or setfacl.
	Op string
	// Path is the path the command acts on, cleaned and relative to the tree
	// root (a leading "/" in the section is accepted and dropped).
	Path string
	// Arg is the command's other operand: the octal mode of chmod, the
	// USER[:GROUP] of chown, the verbatim target of symlink, the ACL spec of
	// setfacl; empty for mkdir.
	Arg string
	// Comment is the text after "#" on the line, trimmed; empty when none.
	Comment string
}

// Parse parses data as a txtar tree. Name is used in error messages. It
// rejects file names that are absolute, escape the root with "..", or
// appear twice.
func Parse(name string, data []byte) (*Tree, error) {
	t := &Tree{Archive: txtar.Parse(data), Name: name}
	seen := make(map[string]bool)
	for _, f := range t.Archive.Files {
		if seen[f.Name] {
			return nil, fmt.Errorf("%s: duplicate section %q", name, f.Name)
		}
		seen[f.Name] = true
		if strings.HasPrefix(f.Name, ".") {
			continue
		}
		if _, err := cleanRel(f.Name); err != nil {
			return nil, fmt.Errorf("%s: file %q: %v", name, f.Name, err)
		}
	}
	return t, nil
}

// ReadFile reads and parses the txtar tree in the named file; the tree is
// named after the file.
func ReadFile(path string) (*Tree, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Section returns the content of the dot-section called name (".requests")
// and whether the tree has it.
func (t *Tree) Section(name string) (string, bool) {
	for _, f := range t.Archive.Files {
		if f.Name == name {
			return string(f.Data), true
		}
	}
	return "", false
}

// file returns the content of the tree file called name (not a dot-section).
func (t *Tree) file(name string) ([]byte, bool) {
	for _, f := range t.Archive.Files {
		if !strings.HasPrefix(f.Name, ".") && path.Clean(f.Name) == name {
			return f.Data, true
		}
	}
	return nil, false
}

// Commands parses the .fsmeta section. A tree without one has no commands.
// Errors read "NAME:.fsmeta:LINE: message".
func (t *Tree) Commands() ([]Command, error) {
	text, ok := t.Section(FSMeta)
	if !ok {
		return nil, nil
	}
	var cmds []Command
	for i, line := range strings.Split(text, "\n") {
		c, err := parseCommand(line)
		if err != nil {
			return nil, t.errorf(i+1, "%v", err)
		}
		if c.Op == "" {
			continue
		}
		c.Line = i + 1
		cmds = append(cmds, c)
	}
	return cmds, nil
}

// errorf formats an error at a line of the .fsmeta section.
func (t *Tree) errorf(line int, format string, args ...any) error {
	return fmt.Errorf("%s:%s:%d: %s", t.Name, FSMeta, line, fmt.Sprintf(format, args...))
}

// parseCommand parses one .fsmeta line. A blank or comment-only line gives
// a Command with an empty Op.
func parseCommand(line string) (Command, error) {
	var c Command
	body := line
	for i := 0; i < len(line); i++ {
		if line[i] == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t') {
			body, c.Comment = line[:i], strings.TrimSpace(line[i+1:])
			break
		}
	}
	f := strings.Fields(body)
	if len(f) == 0 {
		return c, nil
	}
	c.Op = f[0]
	var p string
	switch c.Op {
	case "mkdir":
		if len(f) != 2 {
			return c, fmt.Errorf("mkdir wants 1 argument (mkdir PATH), got %d", len(f)-1)
		}
		p = f[1]
	case "chmod", "chown", "setfacl":
		if len(f) != 3 {
			return c, fmt.Errorf("%s wants 2 arguments (%s), got %d", c.Op, usage[c.Op], len(f)-1)
		}
		c.Arg, p = f[1], f[2]
	case "symlink":
		// The target is the rest of the line after "->", kept verbatim but
		// for surrounding blanks.
		before, target, ok := strings.Cut(body, " -> ")
		bf := strings.Fields(before)
		target = strings.TrimSpace(target)
		if !ok || len(bf) != 2 || target == "" {
			return c, fmt.Errorf("symlink wants %s", usage["symlink"])
		}
		p, c.Arg = bf[1], target
	default:
		return c, fmt.Errorf("unknown command %q (want mkdir, chmod, chown, symlink or setfacl)", c.Op)
	}
	rel := strings.TrimLeft(p, "/")
	if rel == "" {
		rel = "."
	}
	rel, err := cleanRel(rel)
	if err != nil {
		return c, fmt.Errorf("%s %q: %v", c.Op, p, err)
	}
	if rel == "." {
		return c, fmt.Errorf("%s %q: path is the tree root", c.Op, p)
	}
	c.Path = rel
	switch c.Op {
	case "chmod":
		if _, err := parseMode(c.Arg); err != nil {
			return c, err
		}
	case "chown":
		u, g, _ := strings.Cut(c.Arg, ":")
		if u == "" && g == "" {
			return c, fmt.Errorf("chown: empty owner %q", c.Arg)
		}
	}
	return c, nil
}

// usage shows the operands of each command in error messages.
var usage = map[string]string{
	"chmod":   "chmod MODE PATH",
	"chown":   "chown USER[:GROUP] PATH",
	"setfacl": "setfacl SPEC PATH",
	"symlink": "PATH -> TARGET",
}

// parseMode parses an octal permission mode such as 0644 or 4755.
func parseMode(s string) (uint32, error) {
	m, err := strconv.ParseUint(s, 8, 32)
	if err != nil || m > 0o7777 {
		return 0, fmt.Errorf("chmod: bad mode %q (want octal, at most 7777)", s)
	}
	return uint32(m), nil
}

// cleanRel cleans a slash-separated path that must stay inside the root.
func cleanRel(p string) (string, error) {
	switch {
	case p == "":
		return "", fmt.Errorf("empty path")
	case path.IsAbs(p):
		return "", fmt.Errorf("path must be relative to the tree root")
	}
	c := path.Clean(p)
	if c == ".." || strings.HasPrefix(c, "../") {
		return "", fmt.Errorf("path escapes the tree root")
	}
	return c, nil
}

// DefaultUsers returns /etc/passwd and /etc/group text like a Debian
// bookworm host with nginx installed, plus two login users: alice
// (1000:1000) and bob (1001:1001). Materialize writes them when a tree
// has no etc/passwd or etc/group of its own.
func DefaultUsers() (passwd, group string) {
	passwd = `root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
bin:x:2:2:bin:/bin:/usr/sbin/nologin
sys:x:3:3:sys:/dev:/usr/sbin/nologin
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash
bob:x:1001:1001:Bob,,,:/home/bob:/bin/bash
`
	group = `root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
www-data:x:33:
users:x:100:
nogroup:x:65534:
alice:x:1000:
bob:x:1001:
`
	return passwd, group
}

// idDB maps user or group names to numeric ids, read from passwd or group
// text (name:x:id:...); for passwd it also keeps each user's primary gid.
type idDB struct {
	id      map[string]int
	primary map[string]int
}

func parseIDDB(data []byte) idDB {
	db := idDB{id: map[string]int{}, primary: map[string]int{}}
	for _, line := range bytes.Split(data, []byte("\n")) {
		f := strings.Split(string(line), ":")
		if len(f) < 3 || strings.HasPrefix(f[0], "#") {
			continue
		}
		id, err := strconv.Atoi(f[2])
		if err != nil {
			continue
		}
		if _, dup := db.id[f[0]]; dup {
			continue // the first entry wins, as in getpwnam
		}
		db.id[f[0]] = id
		if len(f) >= 4 {
			if g, err := strconv.Atoi(f[3]); err == nil {
				db.primary[f[0]] = g
			}
		}
	}
	return db
}
