package fix

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// lines builds a file of n numbered lines "line 1\n" … "line n\n".
func lines(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "line %d\n", i)
	}
	return b.String()
}

// replaceLine replaces line k (1-based) of s with repl (a whole line or
// lines, or "" to delete it).
func replaceLine(s string, k int, repl string) string {
	ls := splitLines(s)
	ls[k-1] = repl
	return strings.Join(ls, "")
}

var unifiedCases = []struct {
	name     string
	path     string
	old, new string
}{
	{"insert-middle", "/etc/nginx/nginx.conf", "a\nb\nc\nd\ne\nf\ng\nh\n", "a\nb\nc\nd\nNEW\ne\nf\ng\nh\n"},
	{"insert-start", "/etc/nginx/nginx.conf", "a\nb\nc\nd\ne\n", "NEW\na\nb\nc\nd\ne\n"},
	{"append-no-final-newline", "/etc/nginx/nginx.conf", "a\nb\nc", "a\nb\nc\nd\n"},
	{"append-keep-no-final-newline", "/etc/nginx/nginx.conf", "a\nb\nc", "a\nb\nc\nd"},
	{"replace", "/etc/nginx/sites-enabled/default", lines(10), replaceLine(lines(10), 5, "replaced 5\n")},
	{"delete", "/etc/nginx/sites-enabled/default", lines(10), replaceLine(lines(10), 5, "")},
	{"delete-first", "/etc/nginx/nginx.conf", lines(5), replaceLine(lines(5), 1, "")},
	{"delete-last", "/etc/nginx/nginx.conf", lines(5), replaceLine(lines(5), 5, "")},
	{"close-gap-5-merged", "/x.conf", lines(20), replaceLine(replaceLine(lines(20), 4, "four\n"), 10, "ten\n")},
	{"gap-6-merged", "/x.conf", lines(20), replaceLine(replaceLine(lines(20), 4, "four\n"), 11, "eleven\n")},
	{"gap-7-separate", "/x.conf", lines(20), replaceLine(replaceLine(lines(20), 4, "four\n"), 12, "twelve\n")},
	{"far-apart", "/x.conf", lines(60), replaceLine(replaceLine(replaceLine(lines(60), 2, ""), 30, "thirty\nthirty bis\n"), 59, "")},
	{"crlf", "/etc/nginx/win.conf", "server {\r\n    listen 80;\r\n    root /srv;\r\n}\r\n", "server {\r\n    listen 80;\r\n    root /srv/;\r\n    index index.html;\r\n}\r\n"},
	{"empty-old", "/etc/nginx/conf.d/new.conf", "", "location / {\n}\n"},
	{"empty-new", "/etc/nginx/conf.d/old.conf", "location / {\n}\n", ""},
	{"change-last-no-newline", "/x.conf", "a\nb\nc", "a\nb\nC"},
	{"drop-final-newline", "/x.conf", "a\nb\nc\n", "a\nb\nc"},
	{"add-final-newline", "/x.conf", "a\nb\nc", "a\nb\nc\n"},
	{"one-line-no-newline", "/x.conf", "a", "b"},
	{"path-with-space", "/srv/my site/nginx.conf", "a\nb\n", "a\nc\n"},
	{"path-with-quote", `/srv/we"ird\dir/x.conf`, "a\nb\n", "a\nc\n"},
	{"relative-path", "conf/nginx.conf", "a\nb\n", "a\nc\n"},
	{"repeated-lines", "/x.conf", "}\n}\n}\n}\n", "}\n}\n    deny all;\n}\n}\n"},
	{"equal", "/x.conf", "a\nb\n", "a\nb\n"},
}

func TestUnified(t *testing.T) {
	for _, tc := range unifiedCases {
		t.Run(tc.name, func(t *testing.T) {
			got := Unified(tc.path, []byte(tc.old), []byte(tc.new))
			golden(t, filepath.Join("testdata", "unified", tc.name+".diff"), got)
			if tc.old == tc.new {
				if got != "" {
					t.Fatalf("diff of equal files is %q, want empty", got)
				}
				return
			}
			old := map[string][]byte{tc.path: []byte(tc.old)}
			want := map[string][]byte{tc.path: []byte(tc.new)}
			checkApplies(t, got, old, want)
			sameAsGNU(t, tc.path, tc.old, tc.new, got)
		})
	}
}

func TestUnifiedCreate(t *testing.T) {
	for _, tc := range []struct {
		name, path, content string
	}{
		{"create", "/var/www/html/index.html", "<h1>hello</h1>\n"},
		{"create-no-newline", "/var/www/html/robots.txt", "User-agent: *\nDisallow:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := UnifiedCreate(tc.path, []byte(tc.content))
			golden(t, filepath.Join("testdata", "unified", tc.name+".diff"), got)
			checkApplies(t, got, map[string][]byte{tc.path: nil}, map[string][]byte{tc.path: []byte(tc.content)})
		})
	}
	if got := UnifiedCreate("/x", nil); got != "" {
		t.Errorf("UnifiedCreate of an empty file = %q, want empty", got)
	}
}

func TestQuoteLabel(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a/etc/nginx.conf", "a/etc/nginx.conf"},
		{"a/my site/x", "a/my site/x\t"},
		{`a/we"ird\x`, `"a/we\"ird\\x"`},
		{"a/tab\there", `"a/tab\there"`},
		{"a/nl\nx\x01", `"a/nl\nx\001"`},
		{"a/café", "a/café"},
	} {
		if got := quoteLabel(tc.in); got != tc.want {
			t.Errorf("quoteLabel(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestUnifiedLargeDistinct checks the fallback past the bound on distinct
// lines gives a correct diff (it would make go-diff panic).
func TestUnifiedLargeDistinct(t *testing.T) {
	if testing.Short() {
		t.Skip("large input")
	}
	var a, b strings.Builder
	a.WriteString("head\n")
	b.WriteString("head\n")
	for i := 0; i < maxDistinctLines/2+10; i++ {
		fmt.Fprintf(&a, "a%d\n", i)
		fmt.Fprintf(&b, "b%d\n", i)
	}
	a.WriteString("tail\n")
	b.WriteString("tail\n")
	d := Unified("/big", []byte(a.String()), []byte(b.String()))
	got, err := applyUnified(d, map[string][]byte{"/big": []byte(a.String())})
	if err != nil {
		t.Fatal(err)
	}
	if string(got["/big"]) != b.String() {
		t.Fatal("the diff does not give the new file")
	}
}

// golden compares got with the file, or rewrites it under -update.
func golden(t *testing.T, file, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs:\n--- got\n%s--- want\n%s", file, got, want)
	}
}

// sameAsGNU compares a diff with what GNU diff writes for the same files,
// when diff is installed.
func sameAsGNU(t *testing.T, path, old, new, got string) {
	t.Helper()
	bin, err := exec.LookPath("diff")
	if err != nil {
		t.Log("no diff binary: not compared with GNU diff")
		return
	}
	dir := t.TempDir()
	a, b := filepath.Join(dir, "old"), filepath.Join(dir, "new")
	must(t, os.WriteFile(a, []byte(old), 0o644))
	must(t, os.WriteFile(b, []byte(new), 0o644))
	p := strings.TrimPrefix(path, "/")
	if strings.ContainsAny(p, "\"\\") {
		t.Log("quoted name: GNU diff does not quote labels, not compared")
		return
	}
	out, _ := exec.Command(bin, "-u", "--label", "a/"+p, "--label", "b/"+p, a, b).Output()
	// GNU diff ends a label with no tab; ours ends one holding a space
	// with a tab, as git does.
	want := string(out)
	if strings.Contains(p, " ") {
		want = strings.Replace(strings.Replace(want, "a/"+p+"\n", "a/"+p+"\t\n", 1), "b/"+p+"\n", "b/"+p+"\t\n", 1)
	}
	if got != want {
		t.Errorf("differs from GNU diff -u:\n--- ours\n%s--- GNU\n%s", got, want)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// checkApplies checks that diff, applied to the old files (nil: absent),
// gives the new ones: with the pure-Go applier below, with GNU patch -p1
// (dry run, then for real) and with git apply (--check, then for real),
// each when installed.
func checkApplies(t *testing.T, diff string, old, want map[string][]byte) {
	t.Helper()
	got, err := applyUnified(diff, old)
	if err != nil {
		t.Fatalf("pure-Go apply: %v\n%s", err, diff)
	}
	for p, w := range want {
		if !bytes.Equal(got[p], w) {
			t.Fatalf("pure-Go apply: %s is %q, want %q", p, got[p], w)
		}
	}
	write := func() string {
		root := t.TempDir()
		for p, b := range old {
			if b == nil {
				continue
			}
			f := filepath.Join(root, strings.TrimPrefix(p, "/"))
			must(t, os.MkdirAll(filepath.Dir(f), 0o755))
			must(t, os.WriteFile(f, b, 0o644))
		}
		return root
	}
	compare := func(tool, root string) {
		t.Helper()
		for p, w := range want {
			b, err := os.ReadFile(filepath.Join(root, strings.TrimPrefix(p, "/")))
			if err != nil {
				t.Errorf("%s: %v", tool, err)
				continue
			}
			if !bytes.Equal(b, w) {
				t.Errorf("%s: %s is %q, want %q", tool, p, b, w)
			}
		}
	}
	run := func(root, name string, args ...string) {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = root
		cmd.Stdin = strings.NewReader(diff)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s %s: %v\n%s\ndiff:\n%s", name, strings.Join(args, " "), err, out, diff)
		}
	}
	if _, err := exec.LookPath("patch"); err == nil {
		root := write()
		run(root, "patch", "-p1", "--dry-run", "--batch", "--force", "--silent")
		// -d ROOT, as the report tells the admin to run it.
		run(t.TempDir(), "patch", "-p1", "--batch", "--force", "--silent", "-d", root)
		compare("patch -p1", root)
	} else {
		t.Log("no patch binary: not checked with patch")
	}
	if _, err := exec.LookPath("git"); err == nil {
		root := write()
		// A repository of its own, so that git apply never looks at an
		// enclosing one.
		run(root, "git", "init", "-q")
		run(root, "git", "apply", "--check", "-")
		run(root, "git", "apply", "-")
		compare("git apply", root)
		// And outside any repository, as an admin runs it in ROOT.
		root = write()
		cmd := exec.Command("git", "apply", "--check", "-")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GIT_CEILING_DIRECTORIES="+filepath.Dir(root))
		cmd.Stdin = strings.NewReader(diff)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git apply --check outside a repository: %v\n%s", err, out)
		}
	} else {
		t.Log("no git binary: not checked with git apply")
	}
}

var hunkHeader = regexp.MustCompile(`^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$`)

// applyUnified is an independent, strict reader of unified diffs: it
// applies every file's hunks to old (keyed by server path; nil or absent
// is a file that does not exist) and returns the new texts. Context and
// deleted lines must match exactly, counts must match the headers, hunks
// must come in order.
func applyUnified(diff string, old map[string][]byte) (map[string][]byte, error) {
	out := make(map[string][]byte)
	ls := splitLines(diff)
	for i := 0; i < len(ls); {
		if !strings.HasPrefix(ls[i], "--- ") || i+1 >= len(ls) || !strings.HasPrefix(ls[i+1], "+++ ") {
			return nil, fmt.Errorf("line %d: want a --- / +++ pair, got %q", i+1, ls[i])
		}
		from := label(ls[i][4:])
		to := label(ls[i+1][4:])
		i += 2
		if !strings.HasPrefix(to, "b/") {
			return nil, fmt.Errorf("line %d: label %q", i, to)
		}
		path := to[2:]
		if !strings.HasPrefix(path, "conf/") { // the one relative path of the tests
			path = "/" + path
		}
		var src []string
		if from == "/dev/null" {
			if old[path] != nil {
				return nil, fmt.Errorf("%s: created but exists", path)
			}
		} else {
			if from != "a/"+to[2:] {
				return nil, fmt.Errorf("labels %q and %q differ", from, to)
			}
			b, ok := old[path]
			if !ok || b == nil {
				return nil, fmt.Errorf("%s: no such file", path)
			}
			src = splitLines(string(b))
		}
		var dst []string
		pos := 0 // next line of src to copy
		for i < len(ls) && strings.HasPrefix(ls[i], "@@ ") {
			m := hunkHeader.FindStringSubmatch(strings.TrimSuffix(ls[i], "\n"))
			if m == nil {
				return nil, fmt.Errorf("line %d: bad hunk header %q", i+1, ls[i])
			}
			i++
			num := func(s string, def int) int {
				if s == "" {
					return def
				}
				n, _ := strconv.Atoi(s)
				return n
			}
			oStart, oCount := num(m[1], 0), num(m[2], 1)
			nStart, nCount := num(m[3], 0), num(m[4], 1)
			// An empty range names the line before it.
			first := oStart - 1
			if oCount == 0 {
				first = oStart
			}
			if first < pos || first > len(src) {
				return nil, fmt.Errorf("line %d: hunk at old line %d out of order or range", i, oStart)
			}
			dst = append(dst, src[pos:first]...)
			pos = first
			newFirst := nStart - 1
			if nCount == 0 {
				newFirst = nStart
			}
			if newFirst != len(dst) {
				return nil, fmt.Errorf("line %d: hunk at new line %d, but %d lines precede it", i, nStart, len(dst))
			}
			var seenOld, seenNew int
			for i < len(ls) && (seenOld < oCount || seenNew < nCount || strings.HasPrefix(ls[i], `\`)) {
				l := ls[i]
				i++
				if strings.HasPrefix(l, `\`) {
					if l != "\\ No newline at end of file\n" {
						return nil, fmt.Errorf("line %d: %q", i, l)
					}
					// Strip the newline of the line before: it is the
					// last of its file.
					prev := ls[i-2]
					switch prev[0] {
					case ' ':
						if pos != len(src) {
							return nil, fmt.Errorf("line %d: no-newline marker not at the end", i)
						}
						dst[len(dst)-1] = strings.TrimSuffix(dst[len(dst)-1], "\n")
					case '+':
						dst[len(dst)-1] = strings.TrimSuffix(dst[len(dst)-1], "\n")
					}
					continue
				}
				if l == "" || l[len(l)-1] != '\n' {
					return nil, fmt.Errorf("line %d: unterminated diff line", i)
				}
				text := l[1:]
				oldText := func() (string, error) {
					if pos >= len(src) {
						return "", fmt.Errorf("line %d: past the end of %s", i, path)
					}
					s := src[pos]
					// The last line of a file may lack its newline: then a
					// marker follows this line.
					if !strings.HasSuffix(s, "\n") {
						if i >= len(ls) || ls[i] != "\\ No newline at end of file\n" {
							return "", fmt.Errorf("line %d: unterminated old line without marker", i)
						}
						s += "\n"
					}
					return s, nil
				}
				switch l[0] {
				case ' ', '-':
					s, err := oldText()
					if err != nil {
						return nil, err
					}
					if s != text {
						return nil, fmt.Errorf("line %d: %q does not match old line %d %q", i, text, pos+1, src[pos])
					}
					if l[0] == ' ' {
						dst = append(dst, text)
						seenNew++
					}
					pos++
					seenOld++
				case '+':
					dst = append(dst, text)
					seenNew++
				default:
					return nil, fmt.Errorf("line %d: bad diff line %q", i, l)
				}
			}
			if seenOld != oCount || seenNew != nCount {
				return nil, fmt.Errorf("hunk %s: counted -%d +%d", m[0], seenOld, seenNew)
			}
		}
		dst = append(dst, src[pos:]...)
		out[path] = []byte(strings.Join(dst, ""))
	}
	return out, nil
}

// label reads a ---/+++ file label: a quoted name unquoted, a tab and what
// follows it dropped.
func label(s string) string {
	s = strings.TrimSuffix(s, "\n")
	if strings.HasPrefix(s, `"`) {
		if u, err := strconv.Unquote(s); err == nil {
			return u
		}
	}
	if i := strings.IndexByte(s, '\t'); i >= 0 {
		s = s[:i]
	}
	return s
}
