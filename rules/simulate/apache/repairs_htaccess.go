package apache

import (
	"io/fs"
	"path"
	"strings"

	"github.com/unforbid/unforbid/fix"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules/simulate"
)

// dirFix returns the change that puts the directive text into the
// configuration of dir alone, as a fix without description or class:
// for a simulator of LoadHtaccess whose docroot holds dir, in dir's own
// .htaccess (the stock configuration is not on the user's disk), else
// in a <Directory> section of the configuration (dirEdit).
func (s *Simulator) dirFix(d *simulate.Decision, dir, text string) (fix.Fix, bool) {
	if s.htaccessRoot == "" {
		e, ok := s.dirEdit(d, dir, text)
		return fix.Fix{Edits: []fix.Edit{e}}, ok
	}
	if !s.inHtaccessRoot(dir) {
		return fix.Fix{}, false
	}
	file := path.Join(dir, s.accessFileName())
	if s.linkBelowRoot(file) {
		return fix.Fix{}, false // the write would follow it out of the docroot
	}
	src, err := s.FS.ReadFile(file)
	if err != nil {
		if _, lerr := s.FS.Lstat(file); lerr == nil {
			return fix.Fix{}, false // there but unreadable: not rewritten blindly
		}
		return fix.Fix{Ops: []fix.Op{{Kind: fix.OpCreate, Path: file, Content: []byte(text + "\n"), Mode: 0o644}}}, true
	}
	add := text + "\n"
	if len(src) > 0 && src[len(src)-1] != '\n' {
		add = "\n" + add
	}
	return fix.Fix{Edits: []fix.Edit{{File: file, Start: len(src), End: len(src), New: add}}}, true
}

// accessFileName is the name of the per-directory files the stock
// configuration reads: .htaccess.
func (s *Simulator) accessFileName() string {
	return ".htaccess"
}

// inHtaccessRoot reports whether p is the --htaccess docroot or under it.
func (s *Simulator) inHtaccessRoot(p string) bool {
	p = path.Clean(p)
	return p == s.htaccessRoot || strings.HasPrefix(p, s.htaccessRoot+"/")
}

// linkBelowRoot reports whether p, or a directory between it and the
// --htaccess docroot, is a symbolic link (or cannot be looked at): a
// .htaccess linked to a file elsewhere, a subdirectory linked to another
// tree. A write there would change a file outside the docroot.
func (s *Simulator) linkBelowRoot(p string) bool {
	for q := path.Clean(p); q != s.htaccessRoot && s.inHtaccessRoot(q); q = path.Dir(q) {
		info, err := s.FS.Lstat(q)
		if err != nil {
			if q == path.Clean(p) {
				continue // the file to create
			}
			return true
		}
		if info.Type == fsmeta.TypeSymlink {
			return true
		}
	}
	return false
}

// htaccessText returns the current text of a .htaccess file a fix
// edits: for LoadHtaccess's simulator any file of its docroot, else a
// per-directory file (AccessFileName); nil for another file.
func (s *Simulator) htaccessText(file string) []byte {
	switch {
	case s.htaccessRoot != "":
		if !s.inHtaccessRoot(file) || s.linkBelowRoot(file) {
			return nil // a write through a link would leave the docroot
		}
	case path.Base(file) != s.accessFileName():
		return nil
	default:
		// a .htaccess in a served tree may belong to its users: a link
		// there could lead a write as root to any file
		if info, err := s.FS.Lstat(file); err != nil || info.Type == fsmeta.TypeSymlink {
			return nil
		}
	}
	b, err := s.FS.ReadFile(file)
	if err != nil {
		return nil
	}
	return b
}

// createdFiles returns the files the create operations of ops make, as
// the view after them holds them.
func createdFiles(ops []fix.Op) map[string]fsmeta.FileContent {
	files := map[string]fsmeta.FileContent{}
	for _, op := range ops {
		if op.Kind == fix.OpCreate {
			files[op.Path] = fsmeta.FileContent{Data: op.Content, Perm: uint32(op.Mode & fs.ModePerm)}
		}
	}
	return files
}
