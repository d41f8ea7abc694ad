package apache

import (
	"encoding/json"
	"net"
	"testing"

	"github.com/unforbid/unforbid/rules/simulate"
)

// TestCanonIP checks canonIP against what it stands for,
// net.ParseIP(ip).String() (ip itself when it is no address), on
// addresses netip takes as written and on those it refuses or writes
// otherwise: leading zeros, IPv4 in IPv6, zones, short forms.
func TestCanonIP(t *testing.T) {
	for _, ip := range []string{"127.0.0.1", "0.0.0.0", "255.255.255.255", "192.0.2.10", "010.0.0.1", "1.2.3.04",
		"1.2.3", "1.2.3.4.5", "256.1.1.1", "::1", "::ffff:192.0.2.1", "::FFFF:C000:0201", "2001:DB8::1", "2001:db8:0:0:0:0:0:1",
		"fe80::1%eth0", "", "localhost", "example.com", " 1.2.3.4", "1.2.3.4 ", "[::1]", "1.2.3.4:80"} {
		want := ip
		if p := net.ParseIP(ip); p != nil {
			want = p.String()
		}
		if got := canonIP(ip); got != want {
			t.Errorf("canonIP(%q) = %q, want %q", ip, got, want)
		}
	}
}

// TestPerDirReleased checks that nothing a decision holds is the
// per-directory configuration its request gave back to perDirs: every
// request of every tree is answered in turn on one simulator, each
// answer written out (JSON, pointers followed) only once all are made,
// and held to what it wrote right after it was made; and Lint, which
// gives its configurations back too, says the same before and after.
func TestPerDirReleased(t *testing.T) {
	for _, tt := range trees {
		t.Run(tt.name, func(t *testing.T) {
			_, s := load(t, tt)
			lint, err := json.Marshal(s.Lint())
			if err != nil {
				t.Fatal(err)
			}
			got := make([]*simulate.Decision, len(tt.reqs))
			want := make([][]byte, len(tt.reqs))
			for round := range 2 {
				for i, r := range tt.reqs {
					d := r.simulate(t, s)
					b, err := json.Marshal(d)
					if err != nil {
						t.Fatal(err)
					}
					if round == 0 {
						got[i], want[i] = d, b
					}
				}
			}
			for i, r := range tt.reqs {
				if b, _ := json.Marshal(got[i]); string(b) != string(want[i]) {
					t.Errorf("%s%s: once others were answered\n%s\nwant %s", r.host, r.path, b, want[i])
				}
			}
			if b, _ := json.Marshal(s.Lint()); string(b) != string(lint) {
				t.Errorf("Lint once requests were answered:\n%s\nwant %s", b, lint)
			}
		})
	}
}
