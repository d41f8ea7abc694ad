package scan_test

import (
	"strings"
	"testing"

	"github.com/unforbid/unforbid/internal/treetest"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules/scan"
	nginxsim "github.com/unforbid/unforbid/rules/simulate/nginx"
)

// TestBlindRoot: a docroot unforbid itself cannot look at (run as an
// ordinary user below a directory of mode 0750 of group www-data) is no
// finding against the workers but a note that the tree was not walked.
func TestBlindRoot(t *testing.T) {
	conf := "user www-data;\nevents {}\nhttp {\n server {\n  listen 80;\n  root /srv/priv/site;\n }\n}\n"
	fsys := treetest.Memory(t, conf,
		fsmeta.Entry{Path: "/srv/priv", Type: fsmeta.TypeDir, Perm: 0o750, GID: 33, Sealed: true},
		fsmeta.Entry{Path: "/srv/priv/site", Type: fsmeta.TypeDir, Perm: 0o755},
		fsmeta.Entry{Path: "/srv/priv/site/index.html", Type: fsmeta.TypeRegular, Perm: 0o644, Data: []byte("hi")},
	)
	sim, err := nginxsim.Load("/etc/nginx/nginx.conf", fsys, nginxsim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	findings, stats := scan.Run(sim, scan.Options{})
	if len(findings) != 0 {
		t.Errorf("findings %+v, want none: unforbid could not look", findings)
	}
	found := false
	for _, n := range stats.Notes() {
		if n.NotWalked && strings.Contains(n.Message, "/srv/priv/site: unforbid cannot look at it itself") {
			found = true
		}
	}
	if !found {
		t.Errorf("no note that the root was not walked: %+v", stats.Notes())
	}
}
