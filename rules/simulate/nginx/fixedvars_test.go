package nginx_test

import (
	"strings"
	"testing"

	"github.com/unforbid/unforbid/rules/simulate"
)

// TestRootVariables: Sites resolves root and alias values through the
// variables fixed for a server, and notes every other one. Each resolved
// tree is checked against the simulator: a request for a file in it must
// be mapped into it, without doubt, exactly as the runtime expands the
// same variables.
func TestRootVariables(t *testing.T) {
	tests := []struct {
		name   string
		http   string // http-level directives before the server
		server string // directives inside the server block
		// want maps a URL prefix to the directory it is walked at; note
		// is a part of the note wanted instead (or as well).
		want map[string]string
		note string
	}{
		{name: "constant set", server: "set $R /srv/a; root $R;", want: map[string]string{"/": "/srv/a"}},
		{name: "set from set", server: "set $base /srv; set $R ${base}/a; root $R;", want: map[string]string{"/": "/srv/a"}},
		{name: "set twice alike", server: "set $R /srv/a; set $R /srv/a; root $R;", want: map[string]string{"/": "/srv/a"}},
		{name: "set in included style", server: "set $MAGE_ROOT /srv; root $MAGE_ROOT/a; location /pub { alias $MAGE_ROOT/a; }",
			want: map[string]string{"/": "/srv/a", "/pub/": "/srv/a"}},
		{name: "server_name", server: "root /srv/$server_name;", want: map[string]string{"/": "/srv/shop.test"}},
		{name: "document_root in a set", server: "root /srv/a; set $b $document_root; location /x/ { alias $b/x/; }",
			want: map[string]string{"/": "/srv/a", "/x/": "/srv/a/x"}},
		{name: "map with a default only", http: "map $http_user_agent $R { default /srv/a; }", server: "root $R;", want: map[string]string{"/": "/srv/a"}},
		{name: "map on a fixed source", http: "map $server_name $R { default /srv/b; SHOP.test /srv/a; }", server: "root $R;", want: map[string]string{"/": "/srv/a"}},
		{name: "map on a fixed source, default", http: "map $server_name $R { default /srv/a; other.test /srv/b; }", server: "root $R;", want: map[string]string{"/": "/srv/a"}},

		{name: "host", server: "root /srv/$host;", note: "root /srv/$host: the server's tree is not walked: $host varies per request"},
		{name: "set in a server if", server: "set $R /srv/a; if ($arg_x) { set $R /srv/b; } root $R;", note: "gives it another value"},
		{name: "set in a location", server: "set $R /srv/a; root $R; location /x/ { set $R /srv/b; }", note: "gives it another value"},
		{name: "set twice differently", server: "set $R /srv/a; set $R /srv/b; root $R;", note: "set twice with different values"},
		{name: "set after a rewrite", server: "rewrite ^/old$ /new last; set $R /srv/a; root $R;", note: "follows rewrite"},
		{name: "set after a return", server: "if ($arg_x) { return 404; } set $R /srv/a; root $R;", note: "follows if"},
		{name: "named capture of a location", server: "set $R /srv/a; root $R; location ~ ^/(?<R>x)/ { }", note: "a named capture of the regex at"},
		{name: "case differs", server: "set $R /srv/a; root $R; location /x/ { set $r /srv/b; }", note: "gives it another value"},
		{name: "auth_request_set", server: "set $R /srv/a; root $R; location /x/ { auth_request /auth; auth_request_set $R $upstream_http_x; }", note: "auth_request_set at /etc/nginx/nginx.conf:5 gives it another value"},
		{name: "map and set", http: "map $uri $R { default /srv/b; }", server: "set $R /srv/a; root $R;", note: "the map at /etc/nginx/nginx.conf:3 defines it too"},
		{name: "map on a varying source", http: "map $uri $R { default /srv/b; /x /srv/a; }", server: "root $R;", note: "$uri varies per request"},
		{name: "map with a regex", http: "map $server_name $R { default /srv/b; ~^shop /srv/a; }", server: "root $R;", note: "map regex"},
		{name: "capture of a regex server_name, not invertible", server: "server_name ~^(?<sub>.+)\\.(test|example)$; root /srv/$sub;", note: "is not inverted exactly"},
		{name: "capture of a regex server_name", server: "server_name ~^(?<sub>[a-z]+)\\.test$; root /srv/$sub;", want: map[string]string{"/": "/srv/shop"}},
		{name: "numbered capture", server: "root /srv/$1;", note: "$1 is a regex capture"},
		{name: "location alias", server: "root /srv/a; location /u/ { alias /home/$remote_user/; }", want: map[string]string{"/": "/srv/a"},
			note: "alias /home/$remote_user/: the tree at /u/ is not walked: $remote_user varies per request"},
		{name: "location / with its own root", server: "root /srv/$host; location / { root /srv/a; }", want: map[string]string{"/": "/srv/a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			server := "listen 127.0.0.1:8080; server_name shop.test; " + tt.server
			if strings.HasPrefix(tt.server, "server_name") {
				server = "listen 127.0.0.1:8080; " + tt.server
			}
			files := map[string]string{
				"etc/nginx/nginx.conf": "events {}\nhttp {\n" + tt.http + "\nserver {\n" + server + "\n}\n}\n",
				"etc/passwd":           "root:x:0:0::/root:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n",
				"etc/group":            "root:x:0:\nnogroup:x:65534:\n",
			}
			for _, d := range tt.want {
				files[strings.TrimPrefix(d, "/")+"/f.html"] = "f"
			}
			sim := loadFiles(t, files)
			sites := sim.Sites()
			if len(sites) != 1 {
				t.Fatalf("%d sites", len(sites))
			}
			site := sites[0]
			got := map[string]string{}
			for _, r := range site.Roots {
				got[r.URL] = r.Dir
			}
			for url, want := range tt.want {
				if got[url] != want {
					t.Errorf("tree at %s = %q, want %q (roots %v, notes %v)", url, got[url], want, site.Roots, site.Notes)
					continue
				}
				// the simulator maps a request into the same tree
				host := site.Host
				for _, r := range site.Roots {
					if r.URL == url && r.Host != "" {
						host = r.Host
					}
				}
				req := simulate.Request{Method: "GET", Scheme: "http", Host: host, Port: site.Port, ServerIP: site.ServerIP, ClientIP: "127.0.0.1", Path: url + "f.html"}
				d := sim.Simulate(req)
				if d.Unsure != "" || d.Status != 200 || d.Path != want+"/f.html" {
					t.Errorf("GET %s: status %d, path %q, unsure %q; want 200 from %s/f.html", req.Path, d.Status, d.Path, d.Unsure, want)
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("roots %v, want %v", got, tt.want)
			}
			var notes []string
			for _, n := range site.Notes {
				notes = append(notes, n.String())
				if !n.NotWalked || n.Range.Start.Line == 0 {
					t.Errorf("note %q: NotWalked %v, range %v", n.Message, n.NotWalked, n.Range)
				}
			}
			all := strings.Join(notes, "\n")
			if tt.note == "" && all != "" || !strings.Contains(all, tt.note) {
				t.Errorf("notes:\n%s\nwant one with %q", all, tt.note)
			}
		})
	}
}
