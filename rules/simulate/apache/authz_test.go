package apache

import (
	"testing"

	"github.com/unforbid/unforbid/rules/simulate"
)

// TestAuthzClients checks the Require logic of the authz tree for clients
// other than the loopback one real Apache is asked from.
func TestAuthzClients(t *testing.T) {
	var tt testTree
	for _, x := range trees {
		if x.name == "authz" {
			tt = x
		}
	}
	_, s := load(t, tt)
	for _, c := range []struct {
		client, path string
		want         int
	}{
		{"10.0.0.1", "/ip/a.html", 403},
		{"10.0.0.1", "/ipother/a.html", 200},
		{"192.168.4.5", "/ipother/a.html", 200},
		{"192.169.4.5", "/ipother/a.html", 403},
		{"10.0.0.1", "/local/a.html", 403},
		{"::1", "/local/a.html", 200},
		{"::1", "/ipv6/a.html", 200},
		{"10.0.0.1", "/any/a.html", 200},
		{"10.0.0.2", "/any/a.html", 403},
		{"10.0.0.1", "/all/a.html", 200},
		{"10.0.0.1", "/all2/a.html", 403},
		{"10.0.0.1", "/none/a.html", 200},
		{"10.0.0.1", "/none2/a.html", 403},
		{"127.0.0.2", "/nested/a.html", 403},
		{"10.0.0.1", "/nested/a.html", 200},
		{"127.0.0.2", "/nested2/a.html", 200},
		{"10.0.0.3", "/nested2/a.html", 403},
	} {
		req, err := simulate.ParseRequest("GET", "http://localhost:18455"+c.path, c.client)
		if err != nil {
			t.Fatal(err)
		}
		d := s.Simulate(req)
		if d.Unsure != "" || d.Status != c.want {
			t.Errorf("%s from %s: %d (unsure %q), want %d\n%s", c.path, c.client, d.Status, d.Unsure, c.want, trace(d))
			continue
		}
		if c.want == 403 && (d.Cause == nil || d.Cause.Kind != simulate.KindDenyRule) {
			t.Errorf("%s from %s: cause %+v, want a deny rule", c.path, c.client, d.Cause)
		}
	}
}
