package nginx

import (
	"reflect"
	"strings"
	"testing"
)

// cached is a configuration whose snippet acl.conf is included in two
// contexts (a server and a location), with a third-party directive, a
// comment and a glob of sites.
var cached = tree{
	"/etc/nginx/nginx.conf": `worker_processes 1;
events { worker_connections 64; }
http {
	include /etc/nginx/common.conf;
	include /etc/nginx/sites/*.conf;
}
`,
	"/etc/nginx/common.conf": "sendfile on; # fast\nmore_set_headers 'X-A: b';\n",
	"/etc/nginx/acl.conf":    "allow 127.0.0.1;\ndeny all;\n",
	"/etc/nginx/sites/a.conf": `server {
	listen 80;
	server_name a.example;
	root /srv/a;
	include /etc/nginx/acl.conf;
}
`,
	"/etc/nginx/sites/b.conf": `server {
	listen 80;
	server_name b.example;
	root "/srv/b";
	location /admin/ {
		include /etc/nginx/acl.conf;
	}
	if ($host = old.example) { return 301 https://b.example$request_uri; }
}
`,
}

// TestCacheSameResult checks that a Load given a Cache that loaded the
// configuration before (and the edited one, and again) returns what a
// Load without it returns.
func TestCacheSameResult(t *testing.T) {
	root := cached.write(t)
	const main = "/etc/nginx/nginx.conf"
	tests := []struct {
		name string
		src  map[string]string // edited files
		err  string            // the error both loads give, "" for none
	}{
		{name: "no edit"},
		{name: "one site", src: map[string]string{
			"/etc/nginx/sites/a.conf": strings.Replace(cached["/etc/nginx/sites/a.conf"], "root /srv/a;", "root /srv/a2;\n\tlocation /x/ { return 404; }", 1)}},
		{name: "snippet in two contexts", src: map[string]string{
			"/etc/nginx/acl.conf": "allow 10.0.0.0/8;\nallow 127.0.0.1;\ndeny all;\n"}},
		{name: "snippet valid in one context only", src: map[string]string{
			"/etc/nginx/acl.conf": "allow 127.0.0.1;\ndeny all;\nlisten 8080;\n"},
			err: `/etc/nginx/acl.conf:3: "listen" directive is not allowed here`},
		{name: "syntax error", src: map[string]string{
			"/etc/nginx/sites/b.conf": strings.Replace(cached["/etc/nginx/sites/b.conf"], "root \"/srv/b\";", "root \"/srv/b\"", 1)},
			err: "/etc/nginx/sites/b.conf"},
		{name: "two files", src: map[string]string{
			"/etc/nginx/common.conf":  "sendfile off;\n",
			"/etc/nginx/sites/b.conf": strings.Replace(cached["/etc/nginx/sites/b.conf"], "b.example;", "b.example c.example;", 1)}},
	}
	load := func(t *testing.T, src map[string]string, cache *Cache) (*Config, string) {
		t.Helper()
		opts := Options{Root: root, Cache: cache}
		if src != nil {
			opts.Src = map[string][]byte{}
			for p, s := range src {
				opts.Src[p] = []byte(s)
			}
		}
		c, err := Load(main, opts)
		if err != nil {
			return c, err.Error()
		}
		return c, ""
	}
	same := func(t *testing.T, what string, got, want *Config, gotErr, wantErr string) {
		t.Helper()
		if gotErr != wantErr {
			t.Fatalf("%s: error\n%s\nwant\n%s", what, gotErr, wantErr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: the cached load differs from the uncached one", what)
		}
	}
	base, baseErr := load(t, nil, nil)
	if baseErr != "" {
		t.Fatal(baseErr)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, wantErr := load(t, tt.src, nil)
			if !strings.Contains(wantErr, tt.err) || (tt.err == "") != (wantErr == "") {
				t.Fatalf("uncached load: error %q, want %q", wantErr, tt.err)
			}
			cache := &Cache{}
			got, gotErr := load(t, nil, cache)
			same(t, "first load", got, base, gotErr, baseErr)
			firsts := map[cacheKey]*parsed{}
			for k, s := range cache.entries {
				firsts[k] = s.first
			}
			got, gotErr = load(t, tt.src, cache)
			same(t, "edited load", got, want, gotErr, wantErr)
			for k, s := range cache.entries {
				first, ok := firsts[k] // a syntax error may include a file in a new context
				if _, edited := tt.src[k.path]; ok && !edited && (s.first != first || s.last != nil) {
					t.Errorf("%s in %q was parsed again", k.path, k.ctx)
				}
			}
			got, gotErr = load(t, tt.src, cache)
			same(t, "edited load again", got, want, gotErr, wantErr)
			got, gotErr = load(t, nil, cache)
			same(t, "first load again", got, base, gotErr, baseErr)
		})
	}
}
