package scan

import (
	"testing"

	"github.com/unforbid/unforbid/parser"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules"
	nginxsim "github.com/unforbid/unforbid/rules/simulate/nginx"
)

// TestMeantFor: the comment quoted for a deny is read from the directive's
// own line and the block of comment lines right above it, each line once,
// never from the line of another directive.
func TestMeantFor(t *testing.T) {
	tests := []struct {
		name  string
		above string // lines before the deny
		deny  string // the deny's line
		want  string
	}{
		{name: "line above", above: "# no PHP in uploads\n", deny: "deny all;", want: "no PHP in uploads"},
		{name: "farthest line of a block", above: "# no PHP in uploads\n# and log it\n", deny: "deny all;", want: "no PHP in uploads"},
		{name: "own line", deny: "deny all; # no PHP in uploads", want: "no PHP in uploads"},
		{name: "own line and the block above", above: "# no PHP in uploads\n", deny: "deny all; # blocked", want: "no PHP in uploads"},
		{name: "block names the kind", above: "# no hotlinking of images\n", deny: "deny all; # blocked", want: ""},
		{name: "another directive's comment", above: "# no PHP in uploads\nallow 10.0.0.1; # office\n", deny: "deny all; # blocked", want: ""},
		{name: "nothing", above: "allow 10.0.0.1;\n", deny: "deny all;", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			head := "events {}\nhttp {\nserver {\nlisten 80;\nlocation /img/ {\n"
			src := head + tt.above + tt.deny + "\n}\n}\n}\n"
			line := 6
			for _, c := range tt.above {
				if c == '\n' {
					line++
				}
			}
			fs, err := fsmeta.NewMemory("/", []fsmeta.Entry{
				{Path: "/etc/nginx/nginx.conf", Type: fsmeta.TypeRegular, Perm: 0o644, Data: []byte(src)},
			})
			if err != nil {
				t.Fatal(err)
			}
			sim, err := nginxsim.Load("/etc/nginx/nginx.conf", fs, nginxsim.Options{})
			if err != nil {
				t.Fatal(err)
			}
			sc := &scanner{srv: sim}
			rng := parser.Range{File: "/etc/nginx/nginx.conf", Start: parser.Pos{Line: line}}
			if got := sc.meantFor(rng, rules.PublicImage); got != tt.want {
				t.Errorf("meantFor = %q, want %q\n%s", got, tt.want, src)
			}
		})
	}
}
