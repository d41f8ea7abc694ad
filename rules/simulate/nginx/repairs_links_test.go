package nginx_test

import (
	"os"
	"testing"

	"github.com/unforbid/unforbid/fix"
	"github.com/unforbid/unforbid/internal/realnginx"
	"github.com/unforbid/unforbid/internal/treetest/need"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules/simulate"
	nginxsim "github.com/unforbid/unforbid/rules/simulate/nginx"
)

// linkedSecretCases are trees whose secrets are reached through symbolic
// links, which nginx follows (disable_symlinks off, the default): a
// `user www-data` that lets the workers into the root would serve them
// too, so it is not offered as safe. A case with no secrets has a link
// to a plain page: its fix stays safe.
var linkedSecretCases = []repairCase{
	{
		name: "user_link_to_key",
		entries: []fsmeta.Entry{
			{Path: "/srv/www/key.txt", Type: fsmeta.TypeSymlink, Target: "../../home/alice/.ssh/id_rsa"},
		},
		secrets: []string{"/key.txt"},
	},
	{
		name: "user_link_to_home",
		entries: []fsmeta.Entry{
			{Path: "/srv/www/data", Type: fsmeta.TypeSymlink, Target: "/home/alice"},
		},
		secrets: []string{"/data/.ssh/id_rsa"},
	},
	{
		name: "user_link_to_key_below_linked_dir",
		entries: []fsmeta.Entry{
			{Path: "/srv/www/data", Type: fsmeta.TypeSymlink, Target: "/srv/shared"},
			dir("/srv/shared", 0o755, 0, 0),
			{Path: "/srv/shared/deploy.txt", Type: fsmeta.TypeSymlink, Target: "/home/alice/.ssh/id_rsa"},
		},
		secrets: []string{"/data/deploy.txt"},
	},
	{
		// a link to a page that is no secret: the fix stays safe
		name: "user_link_to_page",
		entries: []fsmeta.Entry{
			{Path: "/srv/www/page.html", Type: fsmeta.TypeSymlink, Target: "/srv/shared/page.html"},
			dir("/srv/shared", 0o755, 0, 0),
			file("/srv/shared/page.html", 0o644, 0, 0, "hi"),
		},
	},
}

// TestRepairsLinkedSecrets checks that a fix's secret check follows links
// as nginx does: no fix offered as safe serves a secret reached through a
// link out of the tree, and every fix offered keeps them refused.
func TestRepairsLinkedSecrets(t *testing.T) {
	for _, c := range linkedSecretCases {
		t.Run(c.name, func(t *testing.T) {
			c = linkedCase(c)
			sim, err := nginxsim.Load(repairMain, memoryTree(t, c, nil), nginxsim.Options{})
			if err != nil {
				t.Fatal(err)
			}
			safe := false
			for _, f := range sim.Repairs(problem(t, sim, c)) {
				safe = safe || f.Class == fix.Safe
				if f.Class == fix.Safe && len(c.secrets) > 0 {
					t.Errorf("%s offered as safe: it serves %q", f.Description, c.secrets)
				}
				if len(f.Edits) == 0 {
					continue
				}
				edited, err := nginxsim.ApplyEdits(func(string) []byte { return []byte(c.conf) }, f.Edits)
				if err != nil {
					t.Fatalf("%s: %v", f.Description, err)
				}
				checkFixed(t, c, f, edited)
			}
			if !safe && len(c.secrets) == 0 {
				t.Error("no safe fix offered")
			}
		})
	}
}

// linkedCase completes a linkedSecretCases case: workers running as
// nobody cannot search the root, which www-data may; alice's key is
// world-readable.
func linkedCase(c repairCase) repairCase {
	c.conf = `# main config
worker_processes 1;
events {}
http {
    server {
        listen 80;
        server_name example.com;
        root /srv/www;
    }
}
`
	c.url, c.kind = "/", simulate.KindNoSearch
	c.entries = append([]fsmeta.Entry{
		dir("/srv/www", 0o750, 0, 33),
		file("/srv/www/index.html", 0o640, 0, 33, "hi"),
		dir("/home/alice", 0o755, 1000, 1000),
		dir("/home/alice/.ssh", 0o755, 1000, 1000),
		file("/home/alice/.ssh/id_rsa", 0o644, 1000, 1000, "-----BEGIN OPENSSH PRIVATE KEY-----"),
	}, c.entries...)
	return c
}

// TestRepairsLinkedSecretsRealNginx runs real nginx on each linked-secret
// case as it is and with `user www-data;`, and checks that it answers
// the case's request and its secrets as the simulator does: the key
// reached through a link is served once the workers may search the root.
// Like TestRepairsRealNginx, it runs only with UNFORBID_E2E=1, under the
// shared lock.
func TestRepairsLinkedSecretsRealNginx(t *testing.T) {
	if os.Getenv(need.Env) != "1" {
		t.Skip("skipping: starts real nginx on 127.0.0.1:8080; set " + need.Env + "=1 and hold /tmp/unforbid-e2e.lock")
	}
	if err := realnginx.Available(); err != nil {
		need.Skip(t, "real-nginx repair tests: "+err.Error())
	}
	for _, c := range linkedSecretCases {
		t.Run(c.name, func(t *testing.T) {
			c = linkedCase(c)
			for i, conf := range []string{c.conf, "user www-data;\n" + c.conf} {
				for u, got := range againstReal(t, c, i, conf) {
					if i == 1 && got != 200 {
						t.Errorf("%s answers %d with user www-data; want 200 (the hole the check closes)", u, got)
					}
				}
			}
		})
	}
}
