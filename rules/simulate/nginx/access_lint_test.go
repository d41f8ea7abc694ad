package nginx

import (
	"testing"

	conf "github.com/unforbid/unforbid/parser/nginx"
	"github.com/unforbid/unforbid/rules/simulate"
)

func rule(t *testing.T, name, arg string) AccessRule {
	t.Helper()
	a, err := parseAccess(&conf.Directive{Name: name, Args: []string{arg}})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestCovers(t *testing.T) {
	tests := []struct {
		early, late string
		want        bool
	}{
		{"all", "10.0.0.1", true},
		{"all", "unix:", true},
		{"10.0.0.0/8", "10.0.0.1", true},
		{"10.0.0.0/8", "10.1.0.0/16", true},
		{"10.0.0.0/16", "10.0.0.0/8", false},
		{"10.0.0.1", "10.0.0.0/8", false},
		{"0.0.0.0/0", "::1", false},
		{"::/0", "127.0.0.1", false},
		{"::/0", "::1", true},
		{"2001:db8::/32", "2001:db8:1::/48", true},
		{"unix:", "unix:", true},
		{"unix:", "all", false},
		{"0.0.0.0/0", "all", false},
		{"127.0.0.1", "127.0.0.1", true},
	}
	for _, tt := range tests {
		a, b := rule(t, "deny", tt.early), rule(t, "allow", tt.late)
		if got := covers(&a, &b); got != tt.want {
			t.Errorf("covers(%s, %s) = %v, want %v", tt.early, tt.late, got, tt.want)
		}
	}
}

func TestRefusesEveryone(t *testing.T) {
	v4, both := []clientFamily{famV4}, []clientFamily{famV4, famV6}
	tests := []struct {
		rules []string // "allow x" or "deny x"
		fams  []clientFamily
		want  bool
	}{
		{[]string{"deny all"}, both, true},
		{[]string{"allow 127.0.0.1", "deny all"}, v4, false},
		{[]string{"deny 0.0.0.0/0"}, v4, true},
		{[]string{"deny 0.0.0.0/0"}, both, false},
		{[]string{"deny 10.0.0.0/8"}, v4, false},
		{[]string{"allow ::1", "deny all"}, v4, true},
		{[]string{"allow ::1", "deny all"}, both, false},
		{nil, v4, false},
	}
	for _, tt := range tests {
		var list []AccessRule
		for _, r := range tt.rules {
			name, arg, _ := cutSpace(r)
			list = append(list, rule(t, name, arg))
		}
		if got := refusesEveryone(list, tt.fams); got != tt.want {
			t.Errorf("refusesEveryone(%v, %v) = %v, want %v", tt.rules, tt.fams, got, tt.want)
		}
	}
}

func cutSpace(s string) (string, string, bool) {
	for i := range s {
		if s[i] == ' ' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func TestTrailingComment(t *testing.T) {
	tests := []struct{ line, want string }{
		{`    deny all; # no PHP in uploads`, "no PHP in uploads"},
		{`    # a comment line`, ""},
		{`    return 403 "#not a comment";`, ""},
		{`    location ~ /\. { # secrets`, "secrets"},
		{`    deny all; # want "nginx/deny-overmatch"`, `want "nginx/deny-overmatch"`},
	}
	for _, tt := range tests {
		if got := trailingComment(tt.line); got != tt.want {
			t.Errorf("trailingComment(%q) = %q, want %q", tt.line, got, tt.want)
		}
	}
	for in, want := range map[string]string{
		`want "nginx/deny-overmatch"`:        "",
		`logs # want "nginx/deny-overmatch"`: "logs",
		`no PHP in uploads`:                  "no PHP in uploads",
		`we want "quotes" here`:              `we want "quotes" here`,
	} {
		if got := simulate.WithoutWant(in); got != want {
			t.Errorf("withoutWant(%q) = %q, want %q", in, got, want)
		}
	}
}
