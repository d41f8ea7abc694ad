package nginx_test

import (
	"strings"
	"testing"

	"github.com/unforbid/unforbid/internal/treetest"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules/simulate"
	nginxsim "github.com/unforbid/unforbid/rules/simulate/nginx"
)

// TestBlind: run as an ordinary user, unforbid may be unable to look into
// a directory the workers can search (mode 0750, group www-data). What it
// cannot see is no worker's permission problem: the decision is unsure,
// never a 403 blamed on www-data.
func TestBlind(t *testing.T) {
	conf := "user www-data;\nevents {}\nhttp {\n server {\n  listen 80;\n  root /srv/priv/site;\n  index index.html;\n }\n}\n"
	fsys := treetest.Memory(t, conf,
		fsmeta.Entry{Path: "/srv/priv", Type: fsmeta.TypeDir, Perm: 0o750, GID: 33, Sealed: true},
		fsmeta.Entry{Path: "/srv/priv/site", Type: fsmeta.TypeDir, Perm: 0o755},
		fsmeta.Entry{Path: "/srv/priv/site/index.html", Type: fsmeta.TypeRegular, Perm: 0o644, Data: []byte("hi")},
	)
	sim, err := nginxsim.Load("/etc/nginx/nginx.conf", fsys, nginxsim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, uri := range []string{"/", "/index.html", "/a/"} {
		req, err := simulate.ParseRequest("GET", "http://localhost"+uri, "")
		if err != nil {
			t.Fatal(err)
		}
		req.ServerIP = "127.0.0.1"
		d := sim.Simulate(req)
		if !strings.Contains(d.Unsure, "unforbid cannot read /srv/priv itself") {
			t.Errorf("%s: status %d, unsure %q, cause %+v; want unsure, unforbid cannot look there", uri, d.Status, d.Unsure, d.Cause)
		}
	}
}
