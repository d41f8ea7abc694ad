package nginx

import (
	"strings"
	"testing"
)

// TestShadowers: a rule is shadowed when the earlier rules of its list,
// together, match every client it names; the union is exact for IPv4 and
// IPv6, "all" needs every list covered, and the shadowers are the earlier
// rules that overlap it, in order.
func TestShadowers(t *testing.T) {
	tests := []struct {
		rules []string // the last one is judged
		want  string   // the shadowing rules, "" for none
	}{
		{[]string{"deny 10.0.0.0/9", "deny 10.128.0.0/9", "allow 10.1.2.3"}, "deny 10.0.0.0/9"},
		{[]string{"deny 10.0.0.0/9", "deny 10.128.0.0/9", "allow 10.0.0.0/8"}, "deny 10.0.0.0/9, deny 10.128.0.0/9"},
		{[]string{"deny 10.0.0.0/9", "deny 10.128.0.0/10", "allow 10.0.0.0/8"}, ""},
		{[]string{"deny 10.0.0.0/9", "allow 10.128.0.0/10", "deny 10.192.0.0/10", "deny 10.0.0.0/8"}, "deny 10.0.0.0/9, allow 10.128.0.0/10, deny 10.192.0.0/10"},
		{[]string{"deny 0.0.0.0/1", "allow 128.0.0.0/1", "deny 0.0.0.0/0"}, "deny 0.0.0.0/1, allow 128.0.0.0/1"},
		{[]string{"deny 0.0.0.0/1", "deny 192.168.0.0/16", "allow 128.0.0.0/1"}, ""},
		{[]string{"deny 10.0.0.0/24", "deny 10.0.1.0/24", "deny 10.0.2.0/24", "deny 10.0.3.0/24", "deny 172.16.0.0/12", "allow 10.0.0.0/22"},
			"deny 10.0.0.0/24, deny 10.0.1.0/24, deny 10.0.2.0/24, deny 10.0.3.0/24"},
		{[]string{"deny 10.0.0.0/24", "deny 10.0.1.0/24", "deny 10.0.3.0/24", "allow 10.0.0.0/22"}, ""},
		{[]string{"deny 10.0.0.0/31", "deny 10.0.0.1", "allow 10.0.0.0/31"}, "deny 10.0.0.0/31"},
		{[]string{"deny 10.0.0.0", "deny 10.0.0.1", "allow 10.0.0.0/31"}, "deny 10.0.0.0, deny 10.0.0.1"},
		{[]string{"deny 10.0.0.0", "deny 10.0.0.2", "allow 10.0.0.0/31"}, ""},
		{[]string{"deny ::/1", "deny 8000::/1", "allow ::1"}, "deny ::/1"},
		{[]string{"deny ::/1", "deny 8000::/1", "allow ::/0"}, "deny ::/1, deny 8000::/1"},
		{[]string{"deny 2001:db8::/33", "deny 2001:db8:8000::/33", "allow 2001:db8::/32"}, "deny 2001:db8::/33, deny 2001:db8:8000::/33"},
		{[]string{"deny 2001:db8::/33", "deny 2001:db8:c000::/34", "allow 2001:db8::/32"}, ""},
		{[]string{"deny ::/1", "deny 8000::/1", "allow 10.0.0.1"}, ""},
		{[]string{"deny 0.0.0.0/1", "deny 128.0.0.0/1", "allow ::1"}, ""},
		{[]string{"deny 0.0.0.0/1", "deny 128.0.0.0/1", "deny ::/0", "allow all"}, ""},
		{[]string{"deny 0.0.0.0/1", "deny 128.0.0.0/1", "deny ::/0", "deny unix:", "allow all"}, "deny 0.0.0.0/1, deny 128.0.0.0/1, deny ::/0, deny unix:"},
		{[]string{"deny all", "allow 10.0.0.1"}, "deny all"},
		{[]string{"deny unix:", "allow unix:"}, "deny unix:"},
		{[]string{"deny 10.0.0.0/8", "allow unix:"}, ""},
		{[]string{"deny ::ffff:10.0.0.0/105", "deny ::ffff:10.128.0.0/105", "allow ::ffff:10.0.0.0/104"}, "deny ::ffff:10.0.0.0/105, deny ::ffff:10.128.0.0/105"},
		{[]string{"deny 10.0.0.0/9", "deny 10.128.0.0/9", "allow ::ffff:10.0.0.0/104"}, ""},
		{[]string{"allow 10.0.0.1"}, ""},
	}
	for _, tt := range tests {
		var list []AccessRule
		for _, r := range tt.rules {
			name, arg, _ := cutSpace(r)
			list = append(list, rule(t, name, arg))
		}
		n := len(list) - 1
		var got []string
		for _, e := range shadowers(list[:n], &list[n]) {
			got = append(got, e.Dir.Name+" "+e.Dir.Args[0])
		}
		if g := strings.Join(got, ", "); g != tt.want {
			t.Errorf("shadowers(%v) = %q, want %q", tt.rules, g, tt.want)
		}
	}
}

// TestAdmitsSomeoneUnion: an allow that the earlier rules cover together
// admits no one.
func TestAdmitsSomeoneUnion(t *testing.T) {
	tests := []struct {
		rules []string
		want  bool
	}{
		{[]string{"deny all"}, false},
		{[]string{"allow 10.0.0.0/8", "deny all"}, true},
		{[]string{"deny 10.0.0.0/9", "deny 10.128.0.0/9", "allow 10.0.0.0/8", "deny all"}, false},
		{[]string{"deny 10.0.0.0/9", "allow 10.0.0.0/8", "deny all"}, true},
		{nil, true},
	}
	for _, tt := range tests {
		var list []AccessRule
		for _, r := range tt.rules {
			name, arg, _ := cutSpace(r)
			list = append(list, rule(t, name, arg))
		}
		if got := admitsSomeone(list); got != tt.want {
			t.Errorf("admitsSomeone(%v) = %v, want %v", tt.rules, got, tt.want)
		}
	}
}

func TestAdmitsPublic(t *testing.T) {
	tests := []struct {
		rules []string
		want  bool
	}{
		{nil, true},
		{[]string{"deny all"}, false},
		{[]string{"allow all"}, true},
		{[]string{"allow 192.168.0.0/16", "deny all"}, false},
		{[]string{"allow 10.1.0.0/16", "allow 127.0.0.1", "allow ::1", "allow fd00::/8", "deny all"}, false},
		{[]string{"allow 172.16.0.0/12", "allow fe80::/64", "allow 100.64.0.0/10", "deny all"}, false},
		{[]string{"allow 172.0.0.0/8", "deny all"}, true},   // wider than 172.16/12
		{[]string{"allow 203.0.113.7", "deny all"}, true},   // a public address
		{[]string{"allow 2001:db8::/32", "deny all"}, true}, // IPv6 outside fc00::/7
		{[]string{"deny 203.0.113.0/24", "allow 203.0.113.7", "allow 10.0.0.0/8", "deny all"}, false},
		{[]string{"allow ::ffff:192.168.1.0/120", "deny all"}, true}, // IPv4-mapped: not judged private (conservative: stays quiet)
	}
	for _, tt := range tests {
		var list []AccessRule
		for _, r := range tt.rules {
			name, arg, _ := cutSpace(r)
			list = append(list, rule(t, name, arg))
		}
		if got := admitsPublic(list); got != tt.want {
			t.Errorf("admitsPublic(%v) = %v, want %v", tt.rules, got, tt.want)
		}
	}
}
