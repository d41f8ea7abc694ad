package nginx

import (
	"net"
	"testing"
)

func TestCanonicalText(t *testing.T) {
	for _, s := range []string{"127.0.0.1", "0.0.0.0", "10.1.2.3", "255.255.255.255", "::1", "::ffff:1.2.3.4", "2001:DB8::7", "2001:0db8:0:0::1"} {
		ip := net.ParseIP(s)
		if got := canonicalText(s, ip); got != ip.String() {
			t.Errorf("canonicalText(%q) = %q, want %q", s, got, ip.String())
		}
	}
}

// TestExpandVars checks variable expansion, a whole variable ("$uri",
// answered without a new string) among the rest.
func TestExpandVars(t *testing.T) {
	vars := map[string]string{"uri": "/a/b.html", "u_1x": "U", "1": "one", "dollar": "$uri"}
	lookup := func(name string) (string, error) { return vars[name], nil }
	for _, tt := range []struct{ in, want string }{
		{"$uri", "/a/b.html"},
		{"$uri/", "/a/b.html/"},
		{"${uri}", "/a/b.html"},
		{"$u_1x", "U"},
		{"$1", "one"},
		{"$12", "one2"},
		{"$dollar", "$uri"}, // values are not expanded again
		{"a$uri", "a/a/b.html"},
		{"$", "$"},
		{"plain", "plain"},
		{"$missing", ""},
	} {
		depth := 0
		got, err := expandVars(tt.in, &depth, lookup)
		if err != nil || got != tt.want || depth != 0 {
			t.Errorf("expandVars(%q) = %q, %v (depth %d), want %q", tt.in, got, err, depth, tt.want)
		}
	}
}
