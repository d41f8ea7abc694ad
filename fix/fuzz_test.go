package fix

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// linePieces turn fuzz bytes into files of few distinct lines, so that
// the diffs have context, repeated lines and many hunks; some pieces lack
// a newline or end in CRLF.
var linePieces = []string{"a\n", "b\n", "c\n", "\n", "{\n", "}\n", "a", "x\r\n", "    deny all;\n"}

func toLines(b []byte) []byte {
	var s strings.Builder
	for _, c := range b {
		s.WriteString(linePieces[int(c)%len(linePieces)])
	}
	return []byte(s.String())
}

// FuzzUnified checks that every diff Unified writes gives the new text
// when the pure-Go applier applies it to the old one, for the fuzz bytes
// taken as they are and mapped to lines.
func FuzzUnified(f *testing.F) {
	for _, tc := range unifiedCases {
		f.Add([]byte(tc.old), []byte(tc.new))
	}
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2}, []byte{0, 1, 9, 3, 4, 5, 6, 7, 8, 0, 6})
	f.Fuzz(func(t *testing.T, old, new []byte) {
		for _, p := range [][2][]byte{{old, new}, {toLines(old), toLines(new)}} {
			d := Unified("/etc/nginx/nginx.conf", p[0], p[1])
			if bytes.Equal(p[0], p[1]) != (d == "") {
				t.Fatalf("equal %v but diff %q", bytes.Equal(p[0], p[1]), d)
			}
			if d == "" {
				continue
			}
			got, err := applyUnified(d, map[string][]byte{"/etc/nginx/nginx.conf": p[0]})
			if err != nil {
				t.Fatalf("%v\nold %q\nnew %q\ndiff:\n%s", err, p[0], p[1], d)
			}
			if !bytes.Equal(got["/etc/nginx/nginx.conf"], p[1]) {
				t.Fatalf("applied diff gives %q, want %q\ndiff:\n%s", got["/etc/nginx/nginx.conf"], p[1], d)
			}
			checkHunkShape(t, d)
		}
	})
}

// checkHunkShape checks each hunk has at most 3 context lines at either
// end and no run of more than 6 inside, and that hunks are not empty.
func checkHunkShape(t *testing.T, d string) {
	t.Helper()
	var body []byte // kinds of the current hunk's lines
	check := func() {
		if body == nil {
			return
		}
		lead := 0
		for lead < len(body) && body[lead] == ' ' {
			lead++
		}
		if lead == len(body) {
			t.Fatalf("hunk without change:\n%s", d)
		}
		trail := 0
		for trail < len(body) && body[len(body)-1-trail] == ' ' {
			trail++
		}
		run := 0
		for _, k := range body[lead : len(body)-trail] {
			if k == ' ' {
				run++
				if run > 2*contextLines {
					t.Fatalf("hunk holds %d unchanged lines in a row:\n%s", run, d)
				}
			} else {
				run = 0
			}
		}
		if lead > contextLines || trail > contextLines {
			t.Fatalf("hunk has %d leading, %d trailing context lines:\n%s", lead, trail, d)
		}
	}
	for _, l := range splitLines(d)[2:] {
		switch l[0] {
		case '@':
			check()
			body = []byte{}
		case ' ', '-', '+':
			body = append(body, l[0])
		}
	}
	check()
}

// FuzzNewPlan builds fixes of random edits of one file and checks the plan
// against ApplyEdits: the kept fixes' edits apply together to the plan's
// text, and every fix left out conflicts with itself or with the kept
// fixes before it.
func FuzzNewPlan(f *testing.F) {
	f.Add([]byte("0123456789abcdef"), []byte{0, 2, 1, 2, 4, 0, 3, 3, 2, 1, 3, 1, 8, 9, 0})
	f.Add([]byte("ab\ncd\n"), []byte{1, 1, 0, 0, 1, 1, 1, 0, 2, 4, 1, 1})
	f.Fuzz(func(t *testing.T, src, spec []byte) {
		const file = "/f"
		// Each edit takes 3 bytes: start, length (mod 4), text (mod 4);
		// a text of 3 ends the fix.
		texts := []string{"", "X", "Y\n"}
		var fixes []Fix
		cur := Fix{Description: "fix 0"}
		for len(spec) >= 3 {
			start := int(spec[0]) % (len(src) + 1)
			end := min(len(src), start+int(spec[1])%4)
			k := int(spec[2]) % 4
			spec = spec[3:]
			if k == 3 {
				fixes = append(fixes, cur)
				cur = Fix{Description: fmt.Sprint("fix ", len(fixes))}
				continue
			}
			cur.Edits = append(cur.Edits, Edit{File: file, Start: start, End: end, New: texts[k]})
		}
		fixes = append(fixes, cur)
		p, err := NewPlan(fixes, func(string) ([]byte, error) { return src, nil })
		if err != nil {
			t.Fatal(err)
		}
		var kept []Edit
		ki := 0
		for i, fx := range fixes {
			if ki < len(p.Kept) && p.Kept[ki] == i {
				kept = append(kept, fx.Edits...)
				ki++
				continue
			}
			// Left out: it must conflict with the kept edits so far, or
			// with itself.
			if _, err := ApplyEdits(file, src, append(slices.Clone(kept), fx.Edits...)); err == nil {
				t.Fatalf("fix %d left out but applies with the kept ones", i)
			}
		}
		want, err := ApplyEdits(file, src, kept)
		if err != nil {
			t.Fatalf("kept edits conflict: %v", err)
		}
		got := src
		if len(p.Files) == 1 {
			got = p.Files[0].New
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("plan gives %q, ApplyEdits %q", got, want)
		}
		if d := p.Diff(); d != "" {
			res, err := applyUnified(d, map[string][]byte{file: src})
			if err != nil || !bytes.Equal(res[file], want) {
				t.Fatalf("plan diff does not apply: %v\n%s", err, d)
			}
		}
	})
}
