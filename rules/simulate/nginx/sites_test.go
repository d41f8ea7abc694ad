package nginx_test

import (
	"strings"
	"testing"
)

// TestUnreachableSiteNotes: a server no made-up request reaches keeps the
// note that says why, and is not said to have every name taken by another
// server when its names are regexes.
func TestUnreachableSiteNotes(t *testing.T) {
	tests := []struct {
		name   string
		server string // directives of the second server, after the default one
		want   string // a part of the notes wanted
		not    string // a part of the notes that would be false
	}{
		{name: "names taken", server: "listen 127.0.0.1:8080; server_name shop.test; root /srv/b;",
			want: "every name is taken by another server"},
		{name: "regex name without captures", server: `listen 127.0.0.1:8080; server_name ~^www\d+\.test$; root /srv/b;`,
			want: "no request unforbid can make up reaches this server (its names are regexes", not: "every name is taken"},
		{name: "unix socket only", server: "listen unix:/run/nginx.sock; server_name other.test; root /srv/b;",
			want: "it listens on unix sockets only", not: "every name is taken"},
		{name: "capture root without directories", server: `listen 127.0.0.1:8080; server_name ~^(?<user>[a-z]+)\.users\.test$; root /srv/users/$user;`,
			want: "no directory gives a host name of the regex server_name", not: "every name is taken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{
				"etc/nginx/nginx.conf": "events {}\nhttp {\nserver {\nlisten 127.0.0.1:8080 default_server; server_name shop.test; root /srv/a;\n}\n" +
					"server {\n" + tt.server + "\n}\n}\n",
				"etc/passwd":  "root:x:0:0::/root:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n",
				"etc/group":   "root:x:0:\nnogroup:x:65534:\n",
				"srv/a/index": "a",
			}
			sim := loadFiles(t, files)
			sites := sim.Sites()
			if len(sites) != 2 {
				t.Fatalf("%d sites", len(sites))
			}
			site := sites[1]
			if site.Host != "" {
				t.Fatalf("host %q, want none", site.Host)
			}
			var notes []string
			for _, n := range site.Notes {
				notes = append(notes, n.String())
			}
			all := strings.Join(notes, "\n")
			if !strings.Contains(all, tt.want) || tt.not != "" && strings.Contains(all, tt.not) {
				t.Errorf("notes:\n%s\nwant one with %q, none with %q", all, tt.want, tt.not)
			}
		})
	}
}
