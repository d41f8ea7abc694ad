package apache

import (
	"fmt"
	"strings"
	"testing"
)

// dump renders a tree compactly: one node per line, indented by depth,
// each argument quoted, comments as "#text".
func dump(ds []*Directive, depth int, sb *strings.Builder) {
	for _, d := range ds {
		sb.WriteString(strings.Repeat("  ", depth))
		switch {
		case d.Comment:
			fmt.Fprintf(sb, "#%s @%d", d.Text, d.Range.Start.Line)
		case d.Section:
			fmt.Fprintf(sb, "<%s>", d.Name)
		default:
			sb.WriteString(d.Name)
		}
		if !d.Comment {
			for _, a := range d.Args {
				fmt.Fprintf(sb, " %q", a)
			}
			fmt.Fprintf(sb, " @%d", d.Range.Start.Line)
		}
		sb.WriteString("\n")
		if d.Section {
			dump(d.Block, depth+1, sb)
		}
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		{"simple", "Listen 80\nServerName example.com\n", "Listen \"80\" @1\nServerName \"example.com\" @2\n"},
		{"case and blanks", "  \tdocumentroot   /var/www  \r\n\n", "documentroot \"/var/www\" @1\n"},
		{"double quotes", `Header set X "a b \"c\" \\ \d"` + "\n", `Header "set" "X" "a b \"c\" \\ \\d" @1` + "\n"},
		{"single quotes", `RewriteCond '%{X} y' 'it\'s'` + "\n", `RewriteCond "%{X} y" "it's" @1` + "\n"},
		{"unquoted backslashes", `A a\\b c\"d` + "\n", `A "a\\b" "c\\\"d" @1` + "\n"},
		{"quote mid-word", `A a"b c"` + "\n", `A "a\"b" "c\"" @1` + "\n"},
		{"word after quote", `A "x"y` + "\n", `A "x" "y" @1` + "\n"},
		{"unterminated quote", `A "x y` + "\n", `A "x y" @1` + "\n"},
		{"empty quoted", `A "" ''` + "\n", `A "" "" @1` + "\n"},
		{"continuation", "A b \\\n  c\nB\n", "A \"b\" \"c\" @1\nB @3\n"},
		{"continuation glues", "A b\\\nc\n", "A \"bc\" @1\n"},
		{"continuation crlf", "A b\\\r\nc\r\n", "A \"bc\" @1\n"},
		{"double backslash continues", "A b\\\\\nc\n", "A \"b\\\\c\" @1\n"},
		{"continuation at eof", "A b\\", "A \"b\\\\\" @1\n"},
		{"comment", "# hello\n  #indented\nA # not a comment\n", "# hello @1\n#indented @2\nA \"#\" \"not\" \"a\" \"comment\" @3\n"},
		{"comment continued", "# a \\\nB\nC\n", "# a B @1\nC @3\n"},
		{"section", "<Directory /var/www>\n  Require all granted\n</Directory>\n",
			"<Directory> \"/var/www\" @1\n  Require \"all\" \"granted\" @2\n"},
		{"section quoted", "<Directory \"/var/my www\">\n</directory>\n", "<Directory> \"/var/my www\" @1\n"},
		{"section no args", "<Else>\n</Else>\n", "<Else> @1\n"},
		{"section blank before gt", "<Files x >\n</Files>\n", "<Files> \"x\" @1\n"},
		{"section text after gt", "<Files x> y\n</Files> z\n", "<Files> \"x\" @1\n"},
		{"if expr", "<If \"%{HTTP_HOST} == 'a>b'\">\n</If>\n", "<If> \"%{HTTP_HOST} == 'a>b'\" @1\n"},
		{"nested", "<VirtualHost *:80>\n<IfModule mod_x.c>\n<Location />\nA\n</Location>\n</IfModule>\n</VirtualHost>\n",
			"<VirtualHost> \"*:80\" @1\n  <IfModule> \"mod_x.c\" @2\n    <Location> \"/\" @3\n      A @4\n"},
		{"require sections", "<RequireAny>\n<RequireAll>\nRequire ip 1.2.3.4\n</RequireAll>\n<RequireNone>\n</RequireNone>\n</RequireAny>\n",
			"<RequireAny> @1\n  <RequireAll> @2\n    Require \"ip\" \"1.2.3.4\" @3\n  <RequireNone> @5\n"},
		{"unknown section", "<Foo bar>\n</Foo>\n", "<Foo> \"bar\" @1\n"},
		{"open missing gt", "<Directory /x\n</Directory>\n", "<Directory> \"/x\" @1\n"},
		{"name with gt", "Foo>\n", "Foo @1\n"},
		{"empty name", "\"\" x\n", ""},
		{"utf8 and tabs", "ServerName\té.example\n", "ServerName \"é.example\" @1\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse("t.conf", []byte(tc.src))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			var sb strings.Builder
			dump(f.Directives, 0, &sb)
			if got := sb.String(); got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
			checkSpans(t, f)
		})
	}
}

// checkSpans checks that every span of f lies in its source, in order, and
// that an argument's span unquotes to the argument when it has no
// continuation inside.
func checkSpans(t *testing.T, f *File) {
	t.Helper()
	Walk(f.Directives, func(d *Directive) bool {
		r := d.Range
		if r.Start.Offset < 0 || r.End.Offset > len(f.Src) || r.Start.Offset > r.End.Offset || r.End.Line < r.Start.Line {
			t.Errorf("%s: bad range %+v", d.Name, r)
			return false
		}
		if want := 1 + strings.Count(string(f.Src[:r.Start.Offset]), "\n"); r.Start.Line != want {
			t.Errorf("%s: start line %d, want %d", d.Name, r.Start.Line, want)
		}
		if want := 1 + strings.Count(string(f.Src[:r.End.Offset-1]), "\n"); r.End.Offset > 0 && r.End.Line != want {
			t.Errorf("%s: end line %d, want %d", d.Name, r.End.Line, want)
		}
		if len(d.Args) != len(d.ArgSpans) {
			t.Errorf("%s: %d args, %d spans", d.Name, len(d.Args), len(d.ArgSpans))
			return false
		}
		prev := r.Start.Offset
		for i, s := range d.ArgSpans {
			if s.Start < prev || s.End < s.Start || s.End > r.End.Offset {
				t.Errorf("%s: arg %d span %+v out of order", d.Name, i, s)
			}
			prev = s.End
			raw := f.Src[s.Start:s.End]
			if strings.Contains(string(raw), "\n") {
				continue
			}
			if w, _ := getword(raw, 0); w.val != d.Args[i] {
				t.Errorf("%s: arg %d %q, span text %q", d.Name, i, d.Args[i], raw)
			}
		}
		if d.Section {
			if d.OpenEnd < r.Start.Offset || (d.CloseStart != 0 && (d.CloseStart < d.OpenEnd || d.CloseEnd > len(f.Src))) {
				t.Errorf("%s: bad open/close %d %d %d", d.Name, d.OpenEnd, d.CloseStart, d.CloseEnd)
			}
		}
		return true
	})
}

func TestParseOffsets(t *testing.T) {
	src := "# c\n<Directory \"/a b\">\n  Options +Indexes \\\n    -FollowSymLinks\n</Directory>\n"
	f, err := Parse("/etc/apache2/x.conf", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	dir := f.Directives[1]
	if got := src[dir.ArgSpans[0].Start:dir.ArgSpans[0].End]; got != `"/a b"` {
		t.Errorf("section arg span %q", got)
	}
	if got := src[dir.Range.Start.Offset:dir.Range.End.Offset]; got != src[4:len(src)-1] {
		t.Errorf("section range %q", got)
	}
	if got := src[dir.CloseStart:dir.CloseEnd]; got != "</Directory>" {
		t.Errorf("close %q", got)
	}
	if got := src[dir.Range.Start.Offset:dir.OpenEnd]; got != `<Directory "/a b">` {
		t.Errorf("open %q", got)
	}
	opt := dir.Block[0]
	if got := src[opt.Range.Start.Offset:opt.Range.End.Offset]; got != "Options +Indexes \\\n    -FollowSymLinks" {
		t.Errorf("options range %q", got)
	}
	if opt.Range.Start.Line != 3 || opt.Range.End.Line != 4 || dir.Range.End.Line != 5 {
		t.Errorf("lines %+v %+v", opt.Range, dir.Range)
	}
	if got := src[opt.ArgSpans[1].Start:opt.ArgSpans[1].End]; got != "-FollowSymLinks" {
		t.Errorf("arg span %q", got)
	}
	if !opt.Is("OPTIONS") || dir.Is("options") || f.Directives[0].Is("") {
		t.Error("Is")
	}
	if dir.Range.String() != "/etc/apache2/x.conf:2" {
		t.Errorf("range string %s", dir.Range)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		{"unclosed", "A\n<Directory /x>\nB\n", "t.conf:2: <Directory> was not closed."},
		// httpd keeps reading a conditional section to the end of the
		// file; Load refuses it only when it skips it (Unclosed)
		{"unclosed IfModule", "<IfModule x>\n<Directory /x>\nB\n", ""},
		{"unclosed nested", "<VirtualHost *>\n<Location />\n", "t.conf:2: <Location> was not closed.\nt.conf:1: <VirtualHost> was not closed."},
		{"close blank before gt", "<Files x>\n</Files >\n", "t.conf:2: </Files> directive missing closing '>'"},
		{"stray", "</Files>\n", "t.conf:1: </Files> without matching <Files> section"},
		{"mismatch", "<Directory /x>\n</Files>\n", "t.conf:2: Expected </Directory> but saw </Files>"},
		{"mismatch keeps case", "<directory /x>\n</FILES>\n", "t.conf:2: Expected </directory> but saw </FILES>"},
		{"close missing gt", "<Files x>\n</Files\n", "t.conf:2: </Files> directive missing closing '>'"},
		{"nul", "A\nB\x00\n", "t.conf:2: NUL byte in config file"},
		{"continued close", "<If true>\n</If\\\n>\n", ""},
		{"comment hides close", "<If true>\n# x \\\n</If>\n", "t.conf:1: <If> was not closed."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("t.conf", []byte(tc.src))
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	big := make([]byte, MaxFileSize+1)
	if _, err := Parse("big.conf", big); err == nil || !strings.HasPrefix(err.Error(), "big.conf: file too large") {
		t.Errorf("big file: %v", err)
	}
}

// TestDirectiveIs checks that names compare as httpd compares them:
// ASCII letters in either case, nothing else folded.
func TestDirectiveIs(t *testing.T) {
	for _, tt := range []struct {
		name, asked string
		want        bool
	}{
		{"KeepAlive", "keepalive", true},
		{"KEEPALIVE", "KeepAlive", true},
		{"KeepAlive", "KeepAliveTimeout", false},
		{"KeepAliveTimeout", "KeepAlive", false},
		{"\u212AeepAlive", "KeepAlive", false}, // the Kelvin sign folds to k in Unicode only
		{"Keep-Alive", "Keep_Alive", false},
		{"Option[", "Option{", false}, // '[' and '{' are not a case pair
		{"", "", true},
	} {
		d := &Directive{Name: tt.name}
		if got := d.Is(tt.asked); got != tt.want {
			t.Errorf("%q.Is(%q) = %v, want %v", tt.name, tt.asked, got, tt.want)
		}
	}
	if (&Directive{Name: "Options", Comment: true}).Is("Options") {
		t.Error("a comment is a directive")
	}
}
