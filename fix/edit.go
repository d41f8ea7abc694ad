package fix

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"slices"
	"sort"
	"strings"
)

// ConflictError reports two edits of one file that overlap: applying both
// would combine two changes of the same bytes, which is never done.
type ConflictError struct {
	File string
	// Line is the 1-based line of the original text where the later edit
	// (B) starts; 0 when unknown.
	Line int
	// A and B are the two edits, A the one that sorts first.
	A, B Edit
	// FixA and FixB are the indexes of the fixes the edits came from, -1
	// when unknown; DescA and DescB are their descriptions.
	FixA, FixB   int
	DescA, DescB string
}

// Error returns "file:line: edits overlap: [s,e) ... and [s,e) ...",
// naming the fixes when they are known.
func (e *ConflictError) Error() string {
	pos := e.File
	if e.Line > 0 {
		pos = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	return fmt.Sprintf("%s: edits overlap: %s and %s", pos, describe(e.A, e.FixA, e.DescA), describe(e.B, e.FixB, e.DescB))
}

func describe(ed Edit, fix int, desc string) string {
	s := fmt.Sprintf("[%d,%d)", ed.Start, ed.End)
	if fix >= 0 {
		s += fmt.Sprintf(" of fix %d", fix)
		if desc != "" {
			s += fmt.Sprintf(" (%s)", desc)
		}
	}
	return s
}

// ApplyEdits applies edits to src, the original text of file, and returns
// the new text; src is not modified.
//
// Edits are applied in the order of their offsets. Identical edits (same
// range, same text: two findings proposing the same change) apply once.
// Insertions at one offset with different texts all apply, in the order
// they are given (the sort is stable), and an insertion at the start or
// the end of a replaced range goes before or after it; any other overlap
// is a *ConflictError naming both edits. An edit whose range is out of
// src, whose Start is past its End, or whose File names another file is an
// error.
func ApplyEdits(file string, src []byte, edits []Edit) ([]byte, error) {
	tagged := make([]taggedEdit, len(edits))
	for i, e := range edits {
		tagged[i] = taggedEdit{Edit: e, fix: -1}
	}
	merged, err := mergeEdits(file, src, tagged)
	if err != nil {
		return nil, err
	}
	return splice(src, merged), nil
}

// taggedEdit is an edit with the fix it came from (-1 when unknown).
type taggedEdit struct {
	Edit
	fix  int
	desc string
}

// checkEdit reports an edit whose range does not fit src.
func checkEdit(file string, src []byte, e Edit) error {
	if e.File != "" && e.File != file {
		return fmt.Errorf("%s: edit [%d,%d) is for another file %q", file, e.Start, e.End, e.File)
	}
	if e.Start < 0 || e.End < e.Start || e.End > len(src) {
		return fmt.Errorf("%s: edit [%d,%d) is out of range (file of %d bytes)", file, e.Start, e.End, len(src))
	}
	return nil
}

// mergeEdits checks edits against src, sorts them by range (stable, so
// insertions at one offset keep their order), drops exact duplicates and
// reports the first overlap.
func mergeEdits(file string, src []byte, edits []taggedEdit) ([]taggedEdit, error) {
	for _, e := range edits {
		if err := checkEdit(file, src, e.Edit); err != nil {
			return nil, err
		}
	}
	sorted := slices.Clone(edits)
	slices.SortStableFunc(sorted, func(a, b taggedEdit) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		return a.End - b.End
	})
	out := sorted[:0]
	for _, e := range sorted {
		if dup(out, e) {
			continue
		}
		if n := len(out); n > 0 {
			p := out[n-1]
			// p.Start <= e.Start, and p ends last of all kept edits.
			// They overlap when e starts inside p; an insertion at p's
			// end, or at p's offset when p is an insertion too, does
			// not. (An insertion at a replacement's start sorts before
			// it, by End.)
			if e.Start < p.End {
				return nil, &ConflictError{
					File: file, Line: lineOf(src, e.Start),
					A: p.Edit, B: e.Edit,
					FixA: p.fix, FixB: e.fix, DescA: p.desc, DescB: e.desc,
				}
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// dup reports whether out already holds an edit equal to e: the same range
// and text. Edits with e's range are at the end of out.
func dup(out []taggedEdit, e taggedEdit) bool {
	for i := len(out) - 1; i >= 0 && out[i].Start == e.Start && out[i].End == e.End; i-- {
		if out[i].New == e.New {
			return true
		}
	}
	return false
}

// splice applies sorted, non-overlapping edits to src.
func splice(src []byte, edits []taggedEdit) []byte {
	size := len(src)
	for _, e := range edits {
		size += len(e.New) - (e.End - e.Start)
	}
	out := make([]byte, 0, size)
	last := 0
	for _, e := range edits {
		out = append(out, src[last:e.Start]...)
		out = append(out, e.New...)
		last = e.End
	}
	return append(out, src[last:]...)
}

// lineOf returns the 1-based line of offset in src.
func lineOf(src []byte, offset int) int {
	return bytes.Count(src[:min(offset, len(src))], []byte("\n")) + 1
}

// FileChange is one config file a plan changes: its original and new
// text. Create is set for a file that did not exist, made by insertions
// at offset 0; its Old is nil.
type FileChange struct {
	Path     string
	Old, New []byte
	Create   bool
}

// Conflict records two fixes whose edits of one file overlap. First is the
// fix that was kept, Second the later one that was left out of the plan;
// they are equal when a fix's own edits overlap (it is left out too).
type Conflict struct {
	File string
	// Line is the 1-based line of the original text where SecondEdit
	// starts.
	Line                  int
	First, Second         int
	FirstDesc, SecondDesc string
	FirstEdit, SecondEdit Edit
}

// String describes the conflict: "file:line: fix 3 (desc) left out: its
// edit [s,e) overlaps [s,e) of fix 1 (desc)".
func (c Conflict) String() string {
	return fmt.Sprintf("%s:%d: fix %d (%s) left out: its edit [%d,%d) overlaps [%d,%d) of fix %d (%s)",
		c.File, c.Line, c.Second, c.SecondDesc, c.SecondEdit.Start, c.SecondEdit.End,
		c.FirstEdit.Start, c.FirstEdit.End, c.First, c.FirstDesc)
}

// Plan is what a set of accepted fixes does: the new text of each config
// file they edit and the filesystem operations they run, with the fixes
// that had to be left out because their edits overlap an earlier fix's.
type Plan struct {
	// Files are the changed config files, sorted by path. A file whose
	// edits leave it as it was is not listed.
	Files []FileChange
	// Ops are the filesystem operations of the kept fixes, in fix order,
	// each distinct operation once.
	Ops []Op
	// Kept are the indexes of the fixes in the plan, ascending.
	Kept []int
	// Conflicts lists the fixes left out, in fix order.
	Conflicts []Conflict
}

// NewPlan merges fixes, in the given order, into one plan. read returns the
// original text of a file as the server sees it; a file it reports as not
// existing (fs.ErrNotExist) is created when all the edits of it are
// insertions at offset 0, and is an error otherwise.
//
// A fix's edits all apply or none does: a fix with an edit that overlaps an
// edit of an earlier kept fix (or another of its own edits) is left out,
// with its operations, and recorded in Conflicts. Identical edits of
// different fixes apply once; insertions at one offset apply in fix order.
// An edit out of its file's range, or a file that cannot be read, is an
// error: that is a bug of the rule that made the fix, not a conflict.
func NewPlan(fixes []Fix, read func(file string) ([]byte, error)) (*Plan, error) {
	files := make(map[string]*planFile)
	load := func(name string) (*planFile, error) {
		if st, ok := files[name]; ok {
			return st, nil
		}
		src, err := read(name)
		st := &planFile{old: src}
		if errors.Is(err, fs.ErrNotExist) {
			st.old, st.create = nil, true
		} else if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		files[name] = st
		return st, nil
	}
	p := &Plan{}
	for i, f := range fixes {
		// Group the fix's edits per file, checking each first.
		byFile := make(map[string][]taggedEdit)
		var names []string
		for _, e := range f.Edits {
			if e.File == "" {
				return nil, fmt.Errorf("fix %d (%s): edit [%d,%d) names no file", i, f.Description, e.Start, e.End)
			}
			st, err := load(e.File)
			if err != nil {
				return nil, err
			}
			if st.create && (e.Start != 0 || e.End != 0) {
				return nil, fmt.Errorf("%s: fix %d (%s): edit [%d,%d) of a file that does not exist", e.File, i, f.Description, e.Start, e.End)
			}
			if err := checkEdit(e.File, st.old, e); err != nil {
				return nil, fmt.Errorf("%w: fix %d (%s)", err, i, f.Description)
			}
			if _, ok := byFile[e.File]; !ok {
				names = append(names, e.File)
			}
			byFile[e.File] = append(byFile[e.File], taggedEdit{Edit: e, fix: i, desc: f.Description})
		}
		slices.Sort(names)
		var conflict *Conflict
		for _, name := range names {
			st := files[name]
			// The fix's own edits first, then each against the kept ones.
			own, err := mergeEdits(name, st.old, byFile[name])
			if err != nil {
				var ce *ConflictError
				if !errors.As(err, &ce) {
					return nil, err
				}
				conflict = &Conflict{File: name, First: i, Second: i, FirstDesc: f.Description, SecondDesc: f.Description, FirstEdit: ce.A, SecondEdit: ce.B, Line: ce.Line}
				break
			}
			byFile[name] = own
			for _, e := range own {
				if k := st.overlap(e); k >= 0 {
					o := st.edits[k]
					conflict = &Conflict{File: name, First: o.fix, Second: i, FirstDesc: o.desc, SecondDesc: f.Description, FirstEdit: o.Edit, SecondEdit: e.Edit, Line: lineOf(st.old, e.Start)}
					break
				}
			}
			if conflict != nil {
				break
			}
		}
		if conflict != nil {
			p.Conflicts = append(p.Conflicts, *conflict)
			continue
		}
		for _, name := range names {
			st := files[name]
			for _, e := range byFile[name] {
				st.insert(e)
			}
		}
		p.Kept = append(p.Kept, i)
		for _, op := range f.Ops {
			if !slices.ContainsFunc(p.Ops, func(o Op) bool { return reflect.DeepEqual(o, op) }) {
				p.Ops = append(p.Ops, op)
			}
		}
	}
	for name, st := range files {
		nw := splice(st.old, st.edits)
		if bytes.Equal(nw, st.old) {
			continue
		}
		p.Files = append(p.Files, FileChange{Path: name, Old: st.old, New: nw, Create: st.create})
	}
	slices.SortFunc(p.Files, func(a, b FileChange) int { return strings.Compare(a.Path, b.Path) })
	return p, nil
}

// planFile is a file of a plan being built: its original text and the
// edits of the fixes kept so far, sorted by (Start, End), fix order among
// equal ranges, without overlap or duplicate.
type planFile struct {
	old    []byte
	create bool
	edits  []taggedEdit
}

// after returns the index of the first kept edit that sorts after e.
func (st *planFile) after(e taggedEdit) int {
	return sort.Search(len(st.edits), func(i int) bool {
		k := st.edits[i]
		return k.Start > e.Start || k.Start == e.Start && k.End > e.End
	})
}

// overlap returns the index of a kept edit that e overlaps, or -1. An
// edit identical to a kept one does not overlap it.
func (st *planFile) overlap(e taggedEdit) int {
	i := st.after(e)
	if st.dup(i, e) {
		return -1
	}
	// Kept edits do not overlap, so the one before i ends last of those
	// that start at or before e, and the one at i starts first of the
	// others: only those two can overlap e (as in mergeEdits).
	if i > 0 && e.Start < st.edits[i-1].End {
		return i - 1
	}
	if i < len(st.edits) && st.edits[i].Start < e.End {
		return i
	}
	return -1
}

// dup reports whether a kept edit before index i equals e.
func (st *planFile) dup(i int, e taggedEdit) bool {
	return dup(st.edits[:i], e)
}

// insert keeps e, after the kept edits of the same range; e must not
// overlap any.
func (st *planFile) insert(e taggedEdit) {
	i := st.after(e)
	if st.dup(i, e) {
		return
	}
	st.edits = slices.Insert(st.edits, i, e)
}

// Diff returns the unified diffs of every changed file, in path order; a
// created file is diffed from /dev/null.
func (p *Plan) Diff() string {
	var b strings.Builder
	for _, f := range p.Files {
		if f.Create {
			b.WriteString(UnifiedCreate(f.Path, f.New))
		} else {
			b.WriteString(Unified(f.Path, f.Old, f.New))
		}
	}
	return b.String()
}
