package fix

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const conf = "server {\n    listen 80;\n    root /srv/www;\n    location / {\n        deny all;\n    }\n}\n"

// at returns the offset of the first s in conf.
func at(s string) int {
	i := strings.Index(conf, s)
	if i < 0 {
		panic("not in conf: " + s)
	}
	return i
}

func TestApplyEdits(t *testing.T) {
	const file = "/etc/nginx/nginx.conf"
	root := at("/srv/www")
	deny := at("        deny all;\n")
	end := len(conf)
	for _, tc := range []struct {
		name    string
		src     string
		edits   []Edit
		want    string
		wantErr string // the error after the file name; "" for none
	}{
		{name: "none", src: conf, want: conf},
		{
			name:  "insert-middle",
			src:   conf,
			edits: []Edit{{File: file, Start: deny, End: deny, New: "        allow 10.0.0.0/8;\n"}},
			want:  strings.Replace(conf, "        deny all;\n", "        allow 10.0.0.0/8;\n        deny all;\n", 1),
		},
		{
			name:  "insert-start",
			src:   conf,
			edits: []Edit{{File: file, Start: 0, End: 0, New: "user www-data;\n"}},
			want:  "user www-data;\n" + conf,
		},
		{
			name:  "insert-end-no-final-newline",
			src:   strings.TrimSuffix(conf, "\n"),
			edits: []Edit{{File: file, Start: end - 1, End: end - 1, New: "\nevents {}"}},
			want:  strings.TrimSuffix(conf, "\n") + "\nevents {}",
		},
		{
			name:  "replace",
			src:   conf,
			edits: []Edit{{File: file, Start: root, End: root + len("/srv/www"), New: "/srv/www/"}},
			want:  strings.Replace(conf, "/srv/www", "/srv/www/", 1),
		},
		{
			name:  "delete",
			src:   conf,
			edits: []Edit{{File: file, Start: deny, End: deny + len("        deny all;\n")}},
			want:  strings.Replace(conf, "        deny all;\n", "", 1),
		},
		{
			name: "unsorted-several",
			src:  conf,
			edits: []Edit{
				{File: file, Start: deny, End: deny + len("        deny all;\n")},
				{File: file, Start: 0, End: 0, New: "# top\n"},
				{File: file, Start: root, End: root + len("/srv/www"), New: "/srv"},
			},
			want: "# top\n" + strings.Replace(strings.Replace(conf, "        deny all;\n", "", 1), "/srv/www", "/srv", 1),
		},
		{
			name: "duplicate-applies-once",
			src:  conf,
			edits: []Edit{
				{File: file, Start: root, End: root + len("/srv/www"), New: "/srv/www/"},
				{File: file, Start: root, End: root + len("/srv/www"), New: "/srv/www/"},
			},
			want: strings.Replace(conf, "/srv/www", "/srv/www/", 1),
		},
		{
			name: "duplicate-insertions-apply-once",
			src:  conf,
			edits: []Edit{
				{File: file, Start: deny, End: deny, New: "A\n"},
				{File: file, Start: deny, End: deny, New: "B\n"},
				{File: file, Start: deny, End: deny, New: "A\n"},
			},
			want: strings.Replace(conf, "        deny all;\n", "A\nB\n        deny all;\n", 1),
		},
		{
			name: "insertions-same-offset-in-given-order",
			src:  conf,
			edits: []Edit{
				{File: file, Start: deny, End: deny, New: "B\n"},
				{File: file, Start: deny, End: deny, New: "A\n"},
			},
			want: strings.Replace(conf, "        deny all;\n", "B\nA\n        deny all;\n", 1),
		},
		{
			name: "insertion-at-start-of-replacement-goes-before",
			src:  "abcdef",
			edits: []Edit{
				{Start: 2, End: 4, New: "XY"},
				{Start: 2, End: 2, New: "<"},
				{Start: 4, End: 4, New: ">"},
			},
			want: "ab<XY>ef",
		},
		{
			name: "adjacent-replacements",
			src:  "abcdef",
			edits: []Edit{
				{Start: 2, End: 4, New: "X"},
				{Start: 0, End: 2, New: "Y"},
				{Start: 4, End: 6, New: "Z"},
			},
			want: "YXZ",
		},
		{
			name: "overlap",
			src:  "abcdef",
			edits: []Edit{
				{Start: 1, End: 4, New: "X"},
				{Start: 3, End: 5, New: "Y"},
			},
			wantErr: ":1: edits overlap: [1,4) and [3,5)",
		},
		{
			name: "same-range-different-text",
			src:  "abcdef",
			edits: []Edit{
				{Start: 1, End: 4, New: "X"},
				{Start: 1, End: 4, New: "Y"},
			},
			wantErr: ":1: edits overlap: [1,4) and [1,4)",
		},
		{
			name: "insertion-inside-replacement",
			src:  "ab\ncdef",
			edits: []Edit{
				{Start: 1, End: 5, New: "X"},
				{Start: 4, End: 4, New: "Y"},
			},
			wantErr: ":2: edits overlap: [1,5) and [4,4)",
		},
		{name: "start-negative", src: "abc", edits: []Edit{{Start: -1, End: 1}}, wantErr: ": edit [-1,1) is out of range (file of 3 bytes)"},
		{name: "end-past-file", src: "abc", edits: []Edit{{Start: 1, End: 4}}, wantErr: ": edit [1,4) is out of range (file of 3 bytes)"},
		{name: "start-after-end", src: "abc", edits: []Edit{{Start: 2, End: 1}}, wantErr: ": edit [2,1) is out of range (file of 3 bytes)"},
		{name: "insert-past-end", src: "", edits: []Edit{{Start: 1, End: 1, New: "x"}}, wantErr: ": edit [1,1) is out of range (file of 0 bytes)"},
		{name: "other-file", src: "abc", edits: []Edit{{File: "g", Start: 0, End: 1}}, wantErr: `: edit [0,1) is for another file "g"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := file
			src := []byte(tc.src)
			before := string(src)
			got, err := ApplyEdits(name, src, tc.edits)
			if string(src) != before {
				t.Fatal("ApplyEdits modified its input")
			}
			if tc.wantErr != "" {
				if err == nil || err.Error() != file+tc.wantErr {
					t.Fatalf("error %v, want %q", err, file+tc.wantErr)
				}
				if strings.Contains(tc.wantErr, "overlap") {
					var ce *ConflictError
					if !errors.As(err, &ce) {
						t.Fatalf("error %T, want *ConflictError", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Fatalf("got\n%q\nwant\n%q", got, tc.want)
			}
			if d := Unified(name, src, got); d != "" {
				checkApplies(t, d, map[string][]byte{name: src}, map[string][]byte{name: got})
			}
		})
	}
}

func TestConflictErrorNamesFixes(t *testing.T) {
	e := &ConflictError{File: "/etc/nginx/nginx.conf", Line: 3, A: Edit{Start: 1, End: 4}, B: Edit{Start: 3, End: 3},
		FixA: 0, FixB: 2, DescA: "add the missing slash", DescB: "insert an allow"}
	want := "/etc/nginx/nginx.conf:3: edits overlap: [1,4) of fix 0 (add the missing slash) and [3,3) of fix 2 (insert an allow)"
	if e.Error() != want {
		t.Errorf("got %q\nwant %q", e.Error(), want)
	}
}

// memFS is the read function of a plan test: the named files, any other
// does not exist.
func memFS(files map[string]string) func(string) ([]byte, error) {
	return func(name string) ([]byte, error) {
		s, ok := files[name]
		if !ok {
			return nil, fmt.Errorf("open %s: %w", name, fs.ErrNotExist)
		}
		return []byte(s), nil
	}
}

func TestNewPlan(t *testing.T) {
	const main, site = "/etc/nginx/nginx.conf", "/etc/nginx/sites-enabled/default"
	siteText := lines(30)
	files := map[string]string{main: conf, site: siteText, "/unreadable": ""}
	line := func(k int) int { return len(strings.Join(splitLines(siteText)[:k-1], "")) }
	rootArg := Edit{File: main, Start: at("/srv/www"), End: at("/srv/www") + len("/srv/www"), New: "/srv/www/"}
	chmod := Op{Kind: OpChmod, Path: "/srv/www", Add: 0o001, UID: -1, GID: -1}
	acl := Op{Kind: OpSetACL, Path: "/srv", ACL: []ACLEntry{{Tag: "user", Name: "www-data", ID: 33, Perm: 1}}, UID: -1, GID: -1}
	fixes := []Fix{
		0: {Description: "add the missing slash", Edits: []Edit{rootArg}, Ops: []Op{chmod}},
		1: {Description: "allow the office", Edits: []Edit{
			{File: site, Start: line(5), End: line(5), New: "allow 10.0.0.0/8;\n"},
			{File: main, Start: at("        deny all;"), End: at("        deny all;"), New: "        allow 10.0.0.0/8;\n"},
		}, Ops: []Op{acl}},
		// Same edit as fix 0 and same op: applies once, no conflict.
		2: {Description: "add the slash again", Edits: []Edit{rootArg}, Ops: []Op{chmod, acl}},
		// Overlaps fix 0's edit: left out with its op.
		3: {Description: "serve /srv instead", Edits: []Edit{
			{File: site, Start: line(20), End: line(21), New: "changed 20\n"},
			{File: main, Start: at("/srv/www"), End: at("/srv/www") + len("/srv/www") + 1, New: "/srv;"},
		}, Ops: []Op{{Kind: OpChmod, Path: "/srv", Add: 0o005, UID: -1, GID: -1}}},
		// Far from the others, in the same file as fix 1.
		4: {Description: "remove line 25", Edits: []Edit{{File: site, Start: line(25), End: line(26)}}},
		// Its own edits overlap: left out.
		5: {Description: "confused", Edits: []Edit{{File: site, Start: line(10), End: line(12)}, {File: site, Start: line(11), End: line(11), New: "x\n"}}},
		// A new file made by an insertion.
		6: {Description: "add a snippet", Edits: []Edit{{File: "/etc/nginx/snippets/acme.conf", New: "location /.well-known/acme-challenge/ {\n    allow all;\n}\n"}}},
		// An edit that changes nothing: the file is not listed.
		7: {Description: "no-op", Edits: []Edit{{File: "/unreadable", New: ""}}},
	}
	p, err := NewPlan(fixes, memFS(files))
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{0, 1, 2, 4, 6, 7}; !reflect.DeepEqual(p.Kept, want) {
		t.Errorf("Kept = %v, want %v", p.Kept, want)
	}
	if want := []Op{chmod, acl}; !reflect.DeepEqual(p.Ops, want) {
		t.Errorf("Ops = %v, want %v", p.Ops, want)
	}
	wantConflicts := []string{
		`/etc/nginx/nginx.conf:3: fix 3 (serve /srv instead) left out: its edit [33,42) overlaps [33,41) of fix 0 (add the missing slash)`,
		`/etc/nginx/sites-enabled/default:11: fix 5 (confused) left out: its edit [71,71) overlaps [63,79) of fix 5 (confused)`,
	}
	var gotConflicts []string
	for _, c := range p.Conflicts {
		gotConflicts = append(gotConflicts, c.String())
	}
	if !reflect.DeepEqual(gotConflicts, wantConflicts) {
		t.Errorf("Conflicts:\n%s\nwant\n%s", strings.Join(gotConflicts, "\n"), strings.Join(wantConflicts, "\n"))
	}
	var paths []string
	for _, f := range p.Files {
		paths = append(paths, f.Path)
	}
	if want := []string{main, site, "/etc/nginx/snippets/acme.conf"}; !reflect.DeepEqual(paths, want) {
		t.Fatalf("Files = %v, want %v", paths, want)
	}
	if !p.Files[2].Create || p.Files[2].Old != nil || p.Files[1].Create || p.Files[0].Create {
		t.Errorf("Create flags wrong: %+v", p.Files)
	}
	d := p.Diff()
	golden(t, filepath.Join("testdata", "plan", "plan.diff"), d)
	// Fix 3 is left out whole: its edit of the other file too.
	if strings.Contains(string(p.Files[1].New), "changed 20") {
		t.Error("an edit of the left-out fix 3 was applied")
	}
	old := map[string][]byte{main: []byte(conf), site: []byte(siteText), "/etc/nginx/snippets/acme.conf": nil}
	want := make(map[string][]byte)
	for _, f := range p.Files {
		want[f.Path] = f.New
	}
	checkApplies(t, d, old, want)
}

func TestNewPlanErrors(t *testing.T) {
	files := memFS(map[string]string{"/a": "abc"})
	broken := func(string) ([]byte, error) { return nil, fs.ErrPermission }
	for _, tc := range []struct {
		name  string
		fixes []Fix
		read  func(string) ([]byte, error)
		want  string
	}{
		{"out-of-range", []Fix{{Description: "d", Edits: []Edit{{File: "/a", Start: 2, End: 9}}}}, files, "/a: edit [2,9) is out of range (file of 3 bytes): fix 0 (d)"},
		{"reversed", []Fix{{Description: "d", Edits: []Edit{{File: "/a", Start: 2, End: 1}}}}, files, "/a: edit [2,1) is out of range (file of 3 bytes): fix 0 (d)"},
		{"no-file", []Fix{{Description: "d", Edits: []Edit{{Start: 0, End: 0}}}}, files, "fix 0 (d): edit [0,0) names no file"},
		{"absent-file-replaced", []Fix{{Description: "d", Edits: []Edit{{File: "/b", Start: 0, End: 1}}}}, files, "/b: fix 0 (d): edit [0,1) of a file that does not exist"},
		{"unreadable", []Fix{{Description: "d", Edits: []Edit{{File: "/a"}}}}, broken, "/a: permission denied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewPlan(tc.fixes, tc.read)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestNewPlanEmpty(t *testing.T) {
	p, err := NewPlan(nil, memFS(nil))
	if err != nil {
		t.Fatal(err)
	}
	if p.Diff() != "" || len(p.Files) != 0 || len(p.Ops) != 0 {
		t.Errorf("empty plan: %+v", p)
	}
}

// TestNewPlanInsertionOrder checks that insertions of several fixes at one
// offset apply in fix order, and an identical one once.
func TestNewPlanInsertionOrder(t *testing.T) {
	ins := func(desc, text string) Fix {
		return Fix{Description: desc, Edits: []Edit{{File: "/f", Start: 2, End: 2, New: text}}}
	}
	fixes := []Fix{ins("b", "B"), ins("a", "A"), ins("b again", "B"), ins("c", "C"),
		{Description: "replace", Edits: []Edit{{File: "/f", Start: 2, End: 3, New: "_"}}}}
	p, err := NewPlan(fixes, memFS(map[string]string{"/f": "xxyy"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Conflicts) != 0 || len(p.Files) != 1 {
		t.Fatalf("plan: %+v", p)
	}
	if got, want := string(p.Files[0].New), "xxBAC_y"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
