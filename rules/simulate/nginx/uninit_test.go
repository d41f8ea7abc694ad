package nginx_test

import (
	"testing"

	"github.com/unforbid/unforbid/rules/simulate"
)

// TestUninitializedSetVariable checks that a variable some set directive
// sets is empty where none ran, and that the simulator is unsure where a
// set of the same location runs after the variable was read (real nginx
// answers 500, 200 or 404 there: see testdata/trees/diff-set-uninitialized).
func TestUninitializedSetVariable(t *testing.T) {
	conf := `events {}
http {
    server {
        listen 127.0.0.1:8080;
        server_name site.test;
        root /srv/www;
        location / {
            set $d /srv/alt;
            root $d;
            location ~ /x {
            }
        }
        location /b/ {
            if ( -e $document_root/x.html ) {
                return 418;
            }
            set $d /srv/alt;
            root $d;
        }
    }
}
`
	sim := loadFiles(t, map[string]string{
		"etc/nginx/nginx.conf": conf,
		"srv/alt/x.html":       "x",
		"srv/alt/y.html":       "y",
	})
	for _, tc := range []struct {
		path   string
		status int
		unsure bool
	}{
		{"/y.html", 200, false},
		{"/x.html", 404, false}, // the nested location: root "" under the prefix
		{"/b/x.html", 0, true},
	} {
		req, err := simulate.ParseRequest("GET", "http://site.test:8080"+tc.path, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		d := sim.Simulate(req)
		if (d.Unsure != "") != tc.unsure {
			t.Errorf("GET %s: unsure %q, want unsure %v", tc.path, d.Unsure, tc.unsure)
		}
		if tc.status != 0 && d.Status != tc.status {
			t.Errorf("GET %s: status %d, want %d", tc.path, d.Status, tc.status)
		}
	}
}
