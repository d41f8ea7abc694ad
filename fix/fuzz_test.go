package fix

import (
	"bytes"
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
