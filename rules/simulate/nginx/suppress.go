package nginx

import (
	"bytes"
	"sort"
	"strings"

	"github.com/unforbid/unforbid/fix"
	"github.com/unforbid/unforbid/parser"
	conf "github.com/unforbid/unforbid/parser/nginx"
	"github.com/unforbid/unforbid/rules/simulate"
)

// Suppressions returns every "# unforbid:ignore ..." comment of the
// configuration, once each (a file included twice holds its comments
// once), sorted by file and position, with the directive each stands
// above or after: a comment on a directive's line after it belongs to that
// directive (to the block, after its opening brace or its closing one); a
// comment on a line of its own belongs to the next directive of its block
// when only whole-line comments stand between them, no blank line.
func (s *Simulator) Suppressions() []simulate.SuppressionComment {
	if s.Model == nil || s.Model.Config == nil {
		return nil
	}
	seen := map[parser.Range]bool{}
	var out []simulate.SuppressionComment
	var walk func(dirs []*conf.Directive, parent *conf.Directive)
	walk = func(dirs []*conf.Directive, parent *conf.Directive) {
		for i, d := range dirs {
			if d.Name != "#" {
				walk(d.Block, d)
				continue
			}
			text := simulate.WithoutWant(d.Comment)
			if !simulate.IsSuppression(text) || seen[d.Range] {
				continue
			}
			seen[d.Range] = true
			out = append(out, simulate.SuppressionComment{Text: text, Range: d.Range, Target: commentTarget(dirs, i, parent)})
		}
	}
	walk(s.Model.Config.Dirs, nil)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Range, out[j].Range
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Start.Line != b.Start.Line {
			return a.Start.Line < b.Start.Line
		}
		return a.Start.Offset < b.Start.Offset
	})
	return out
}

// commentTarget returns the range of the directive the comment dirs[i]
// belongs to (see Suppressions), zero when none.
func commentTarget(dirs []*conf.Directive, i int, parent *conf.Directive) parser.Range {
	c := dirs[i]
	line := c.Range.Start.Line
	// after a directive on its line: the nearest earlier directive of
	// the same file, or the block this is the first comment of
	for j := i - 1; j >= 0; j-- {
		p := dirs[j]
		if p.Range.File != c.Range.File {
			if p.Via != nil {
				continue // spliced in by an include of this file
			}
			break
		}
		if p.Name == "#" {
			continue // on an earlier line: a comment runs to the end of its line
		}
		if p.Range.End.Line == line {
			return p.Range
		}
		break
	}
	if parent != nil && parent.Range.File == c.Range.File && parent.Range.Start.Line == line {
		return parent.Range // "location / {  # ..."
	}
	// on a line of its own: the next directive, through whole-line
	// comments on the lines between
	next := line + 1
	for j := i + 1; j < len(dirs); j++ {
		d := dirs[j]
		if d.Range.File != c.Range.File || d.Range.Start.Line != next {
			break
		}
		if d.Name != "#" {
			return d.Range
		}
		next++
	}
	return parser.Range{}
}

// SuppressionEdit returns the edit that inserts "# text" on a line of its
// own above the directive at target, indented as the directive is. ok is
// false when the file or its offsets are unknown, when text spans lines,
// or when something stands before the directive on its line (a comment
// above that line would belong to the first directive of it).
func (s *Simulator) SuppressionEdit(target parser.Range, text string) (fix.Edit, bool) {
	if s.Model == nil || strings.ContainsAny(text, "\r\n") || target.Start.Offset < 0 {
		return fix.Edit{}, false
	}
	f := s.Model.Config.File(target.File)
	if f == nil || target.Start.Offset > len(f.Src) {
		return fix.Edit{}, false
	}
	start := bytes.LastIndexByte(f.Src[:target.Start.Offset], '\n') + 1
	indent := string(f.Src[start:target.Start.Offset])
	if strings.Trim(indent, " \t") != "" {
		return fix.Edit{}, false
	}
	return fix.Edit{File: target.File, Start: start, End: start, New: indent + "# " + text + "\n"}, true
}
