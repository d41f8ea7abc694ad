package fix

import (
	"fmt"
	"strings"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// contextLines is the number of unchanged lines shown around a change, as
// `diff -u` shows them.
const contextLines = 3

// maxDistinctLines bounds the distinct lines go-diff is asked to compare:
// it encodes each distinct line as one rune and panics past about 1.1
// million of them. Beyond the bound the changed middle of the files is
// shown as one replacement, which is still a correct diff.
const maxDistinctLines = 1 << 20

// Unified returns the unified diff that turns old into new, the text of the
// server file path, labelled `--- a/<path>` and `+++ b/<path>` with the
// path's leading "/" removed, so that `patch -p1 -d ROOT` and `git apply`
// run in ROOT apply it. Hunks carry 3 lines of context, changes closer than
// 7 unchanged lines share a hunk, headers and the `\ No newline at end of
// file` marker are written as GNU diff writes them. Unified returns "" when
// old and new are equal.
func Unified(path string, old, new []byte) string {
	return unified("a/"+strings.TrimPrefix(path, "/"), "b/"+strings.TrimPrefix(path, "/"), old, new)
}

// UnifiedCreate returns the unified diff that creates the file path with
// the given content: labelled `--- /dev/null` and `+++ b/<path>`, so that
// `patch -p1` and `git apply` create the file. It returns "" for empty
// content, which no unified diff can create.
func UnifiedCreate(path string, content []byte) string {
	return unified("/dev/null", "b/"+strings.TrimPrefix(path, "/"), nil, content)
}

func unified(oldLabel, newLabel string, old, new []byte) string {
	if string(old) == string(new) {
		return ""
	}
	ops := lineOps(splitLines(string(old)), splitLines(string(new)))
	var b strings.Builder
	b.WriteString("--- " + quoteLabel(oldLabel) + "\n")
	b.WriteString("+++ " + quoteLabel(newLabel) + "\n")
	writeHunks(&b, ops)
	return b.String()
}

// quoteLabel writes a file label the way git does: names holding a double
// quote, a backslash or a control character are quoted C-style (both GNU
// patch and git apply read that form), names holding a space end in a tab
// so that the name is not cut at the space.
func quoteLabel(name string) string {
	needQuote := false
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || c == 0x7f || c == '"' || c == '\\' {
			needQuote = true
			break
		}
	}
	if !needQuote {
		if strings.Contains(name, " ") {
			return name + "\t"
		}
		return name
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(name); i++ {
		switch c := name[i]; c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\a':
			b.WriteString(`\a`)
		case '\b':
			b.WriteString(`\b`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\v':
			b.WriteString(`\v`)
		case '\f':
			b.WriteString(`\f`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if c < 0x20 || c == 0x7f {
				fmt.Fprintf(&b, `\%03o`, c)
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// splitLines cuts s after every "\n"; the last line lacks its "\n" when s
// does not end in one.
func splitLines(s string) []string {
	var lines []string
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			lines = append(lines, s)
			break
		}
		lines = append(lines, s[:i+1])
		s = s[i+1:]
	}
	return lines
}

// lineOp is one line of a diff: ' ' kept, '-' deleted, '+' inserted.
type lineOp struct {
	kind byte
	line string
}

// lineOps compares two files line by line with go-diff's line mode and
// returns the lines of both in diff order, each run of changed lines with
// its deletions before its insertions, as diff writes them.
func lineOps(a, b []string) []lineOp {
	// Common prefix and suffix are kept as they are; only the middle is
	// handed to go-diff (which would trim them too) so that the bound on
	// distinct lines concerns the changed part alone.
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	ops := make([]lineOp, 0, len(a)+len(b))
	for _, l := range a[:pre] {
		ops = append(ops, lineOp{' ', l})
	}
	midA, midB := a[pre:len(a)-suf], b[pre:len(b)-suf]
	var dels, ins []string
	flush := func() {
		for _, l := range dels {
			ops = append(ops, lineOp{'-', l})
		}
		for _, l := range ins {
			ops = append(ops, lineOp{'+', l})
		}
		dels, ins = dels[:0], ins[:0]
	}
	if len(midA) == 0 || len(midB) == 0 || distinct(midA, midB) > maxDistinctLines {
		dels, ins = midA, midB
		flush()
	} else {
		dmp := diffmatchpatch.New()
		// No deadline: a diff must not depend on the machine's speed.
		dmp.DiffTimeout = 0
		ca, cb, lines := dmp.DiffLinesToChars(strings.Join(midA, ""), strings.Join(midB, ""))
		diffs := dmp.DiffCharsToLines(dmp.DiffMain(ca, cb, false), lines)
		for _, d := range diffs {
			for _, l := range splitLines(d.Text) {
				switch d.Type {
				case diffmatchpatch.DiffEqual:
					flush()
					ops = append(ops, lineOp{' ', l})
				case diffmatchpatch.DiffDelete:
					dels = append(dels, l)
				case diffmatchpatch.DiffInsert:
					ins = append(ins, l)
				}
			}
		}
		flush()
	}
	for _, l := range a[len(a)-suf:] {
		ops = append(ops, lineOp{' ', l})
	}
	return ops
}

// distinct counts the distinct lines of a and b, stopping past the bound.
func distinct(a, b []string) int {
	seen := make(map[string]struct{})
	for _, ls := range [][]string{a, b} {
		for _, l := range ls {
			seen[l] = struct{}{}
			if len(seen) > maxDistinctLines {
				return len(seen)
			}
		}
	}
	return len(seen)
}

// writeHunks writes the hunks of ops: each run of changes with up to
// contextLines unchanged lines around it, runs separated by at most
// 2*contextLines unchanged lines sharing one hunk (GNU diff's rule).
func writeHunks(b *strings.Builder, ops []lineOp) {
	for i := 0; i < len(ops); {
		// Find the next change.
		for i < len(ops) && ops[i].kind == ' ' {
			i++
		}
		if i == len(ops) {
			return
		}
		start := max(0, i-contextLines)
		// Extend over changes separated by short runs of kept lines.
		end := i
		for {
			for end < len(ops) && ops[end].kind != ' ' {
				end++
			}
			gap := end
			for gap < len(ops) && ops[gap].kind == ' ' {
				gap++
			}
			if gap < len(ops) && gap-end <= 2*contextLines {
				end = gap
				continue
			}
			end = min(len(ops), end+contextLines)
			break
		}
		writeHunk(b, ops, start, end)
		i = end
	}
}

// writeHunk writes ops[start:end] as one hunk.
func writeHunk(b *strings.Builder, ops []lineOp, start, end int) {
	oldLine, newLine := 1, 1
	for _, o := range ops[:start] {
		if o.kind != '+' {
			oldLine++
		}
		if o.kind != '-' {
			newLine++
		}
	}
	oldCount, newCount := 0, 0
	for _, o := range ops[start:end] {
		if o.kind != '+' {
			oldCount++
		}
		if o.kind != '-' {
			newCount++
		}
	}
	fmt.Fprintf(b, "@@ -%s +%s @@\n", hunkRange(oldLine, oldCount), hunkRange(newLine, newCount))
	for _, o := range ops[start:end] {
		b.WriteByte(o.kind)
		b.WriteString(o.line)
		if !strings.HasSuffix(o.line, "\n") {
			b.WriteString("\n\\ No newline at end of file\n")
		}
	}
}

// hunkRange writes a hunk's range as GNU diff does: "l,n", "l" for one
// line, and for no line "l,0" where l is the line before the range (0 at
// the start of the file), which is what patch expects.
func hunkRange(first, count int) string {
	switch count {
	case 0:
		return fmt.Sprintf("%d,0", first-1)
	case 1:
		return fmt.Sprint(first)
	}
	return fmt.Sprintf("%d,%d", first, count)
}
