package nginx_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/parser"
	"github.com/unforbid/unforbid/rules/simulate"
)

// TestSuppressionTargets: each suppression comment belongs to the
// directive it stands above (through whole-line comments, not through a
// blank line) or after on its line, once however often its file is
// included.
func TestSuppressionTargets(t *testing.T) {
	head := "events {}\nhttp {\n"
	tests := []struct {
		name    string
		body    string            // lines 3 on of nginx.conf, closed by "}\n"
		snippet string            // /etc/nginx/snippet.conf, when set
		want    map[string]string // comment "file:line" -> target "file:line" ("" for none)
	}{
		{
			name: "above",
			body: "  server {\n    # unforbid:ignore nginx/deny-overmatch -- meant\n    deny all;\n  }\n",
			want: map[string]string{"nginx.conf:4": "nginx.conf:5"},
		},
		{
			name: "through other comments",
			body: "  server {\n    # unforbid:ignore nginx/deny-overmatch -- meant\n    # an older note\n    deny all;\n  }\n",
			want: map[string]string{"nginx.conf:4": "nginx.conf:6"},
		},
		{
			name: "parted by a blank line",
			body: "  server {\n    # unforbid:ignore nginx/deny-overmatch -- meant\n\n    deny all;\n  }\n",
			want: map[string]string{"nginx.conf:4": ""},
		},
		{
			name: "after a directive on its line",
			body: "  server {\n    listen 80;\n    deny all; # unforbid:ignore nginx/deny-overmatch -- meant\n  }\n",
			want: map[string]string{"nginx.conf:5": "nginx.conf:5"},
		},
		{
			name: "after an opening brace",
			body: "  server { # unforbid:ignore nginx/site-refuses-all -- meant\n    deny all;\n  }\n",
			want: map[string]string{"nginx.conf:3": "nginx.conf:3"},
		},
		{
			name: "after a closing brace",
			body: "  server {\n    location / { deny all; } # unforbid:ignore nginx/deny-overmatch -- meant\n  }\n",
			want: map[string]string{"nginx.conf:4": "nginx.conf:4"},
		},
		{
			name: "end of a block",
			body: "  server {\n    deny all;\n    # unforbid:ignore nginx/deny-overmatch -- meant\n  }\n",
			want: map[string]string{"nginx.conf:5": ""},
		},
		{
			name: "no suppression",
			body: "  server {\n    # unforbid:ignored nginx/deny-overmatch\n    # a plain comment\n    deny all;\n  }\n",
			want: map[string]string{},
		},
		{
			name:    "include and snippet",
			body:    "  server {\n    # unforbid:ignore nginx/deny-overmatch -- meant\n    include /etc/nginx/snippet.conf;\n    include /etc/nginx/snippet.conf; # unforbid:ignore nginx/deny-rule -- meant\n  }\n",
			snippet: "# unforbid:ignore fs/unreadable-file -- meant\nlocation /a/ { }\n# unforbid:ignore fs/unreadable-file -- meant\n",
			want: map[string]string{
				"nginx.conf:4": "nginx.conf:5", "nginx.conf:6": "nginx.conf:6",
				"snippet.conf:1": "snippet.conf:2", "snippet.conf:3": "",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{"etc/nginx/nginx.conf": head + tt.body + "}\n"}
			if tt.snippet != "" {
				files["etc/nginx/snippet.conf"] = tt.snippet
			}
			sim := loadFiles(t, files)
			got := map[string]string{}
			for _, s := range sim.Suppressions() {
				where := strings.TrimPrefix(s.Range.String(), "/etc/nginx/")
				if _, dup := got[where]; dup {
					t.Errorf("suppression %s returned twice", where)
				}
				got[where] = ""
				if !s.Target.IsZero() {
					got[where] = strings.TrimPrefix(s.Target.String(), "/etc/nginx/")
				}
				if !strings.HasPrefix(s.Text, simulate.SuppressionMarker+" ") {
					t.Errorf("%s: text %q", where, s.Text)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("suppressions (comment: target)\n got %v\nwant %v", got, tt.want)
			}
		})
	}
}

// TestSuppressionEdit: the comment goes on a line of its own above the
// directive, with its indentation, or nowhere.
func TestSuppressionEdit(t *testing.T) {
	conf := "events {}\nhttp {\n  server {\n\tlisten 80;\n    deny all;\n    location / { deny all; }\n  }\n}\n"
	sim := loadFiles(t, map[string]string{"etc/nginx/nginx.conf": conf})
	server := sim.Model.Config.Dirs[1].Block[0]
	listen, deny, loc := server.Block[0], server.Block[1], server.Block[2]
	inner := loc.Block[0]
	tests := []struct {
		name   string
		target parser.Range
		text   string
		want   string // the file after the edit; "" when none
	}{
		{"tab", listen.Range, "unforbid:ignore nginx/x -- why", "events {}\nhttp {\n  server {\n\t# unforbid:ignore nginx/x -- why\n\tlisten 80;\n    deny all;\n    location / { deny all; }\n  }\n}\n"},
		{"spaces", deny.Range, "unforbid:ignore nginx/x -- why", "events {}\nhttp {\n  server {\n\tlisten 80;\n    # unforbid:ignore nginx/x -- why\n    deny all;\n    location / { deny all; }\n  }\n}\n"},
		{"after another directive", inner.Range, "unforbid:ignore nginx/x -- why", ""},
		{"two lines", deny.Range, "unforbid:ignore nginx/x -- why\nnot", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, ok := sim.SuppressionEdit(tt.target, tt.text)
			if !ok {
				if tt.want != "" {
					t.Fatalf("no edit, want one")
				}
				return
			}
			if tt.want == "" {
				t.Fatalf("edit %+v, want none", e)
			}
			got := conf[:e.Start] + e.New + conf[e.End:]
			if got != tt.want || e.File != "/etc/nginx/nginx.conf" {
				t.Errorf("edit of %s:\n%s\nwant\n%s", e.File, got, tt.want)
			}
		})
	}
}
