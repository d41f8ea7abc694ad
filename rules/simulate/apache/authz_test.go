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

// TestAuthzUnsure checks that the Require shapes httpd refuses at start
// or that are not modelled are answered unsure.
func TestAuthzUnsure(t *testing.T) {
	for _, c := range []struct{ name, block string }{
		{"negated alone", "Require not ip 10.0.0.1"},
		{"negated in implicit any", "Require all granted\n    Require not ip 10.0.0.1"},
		{"negated in RequireAny", "<RequireAny>\n Require all granted\n Require not ip 10.0.0.1\n</RequireAny>"},
		{"negated in RequireNone", "<RequireAll>\n Require all granted\n <RequireNone>\n Require not ip 10.0.0.1\n Require ip 10.0.0.2\n </RequireNone>\n</RequireAll>"},
		{"RequireNone alone", "<RequireNone>\n Require ip 10.0.0.1\n</RequireNone>"},
		{"negatives only", "<RequireAll>\n Require not ip 10.0.0.1\n</RequireAll>"},
		{"empty section", "<RequireAll>\n</RequireAll>"},
		{"not all", "<RequireAll>\n Require all granted\n Require not all denied\n</RequireAll>"},
		{"host", "Require host localhost"},
		{"other in section", "<RequireAll>\n Require all granted\n Options None\n</RequireAll>"},
	} {
		tt := testTree{name: "unsure", tree: head + `Listen 127.0.0.1:18455
DocumentRoot /srv/www
<Directory /srv/www>
    ` + c.block + `
</Directory>
-- srv/www/a.html --
`}
		_, s := load(t, tt)
		d := request{18455, "localhost", "/a.html", unsure, 0}.simulate(t, s)
		if d.Unsure == "" {
			t.Errorf("%s: %d, want unsure\n%s", c.name, d.Status, trace(d))
		}
	}
}
