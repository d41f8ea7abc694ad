package nginx

import (
	"testing"

	"github.com/unforbid/unforbid/parser/fsmeta"
	conf "github.com/unforbid/unforbid/parser/nginx"
	"github.com/unforbid/unforbid/rules/simulate"
)

// TestRepairsUnknownOffsets checks that a file whose offsets are unknown
// gets no edit: the same causes that get fixes with offsets get none once
// every offset of the file is forgotten.
func TestRepairsUnknownOffsets(t *testing.T) {
	const main = "/etc/nginx/nginx.conf"
	cfg := `user www-data;
events {}
http {
    server {
        listen 80;
        server_name example.com;
        root /srv/www;
        location / {
            index index.html;
        }
        location /static/ {
            alias /srv/assets;
        }
        location ~ /\. {
            deny all;
        }
    }
}
`
	fsys, err := fsmeta.NewMemory("", []fsmeta.Entry{
		{Path: main, Type: fsmeta.TypeRegular, Perm: 0o644, Data: []byte(cfg)},
		{Path: "/etc/passwd", Type: fsmeta.TypeRegular, Perm: 0o644, Data: []byte("root:x:0:0::/root:/bin/sh\nwww-data:x:33:33::/var/www:/bin/sh\n")},
		{Path: "/etc/group", Type: fsmeta.TypeRegular, Perm: 0o644, Data: []byte("root:x:0:\nwww-data:x:33:\n")},
		{Path: "/srv/www/docs/index.htm", Type: fsmeta.TypeRegular, Perm: 0o644, Data: []byte("d")},
		{Path: "/srv/www/.well-known/acme-challenge/tok", Type: fsmeta.TypeRegular, Perm: 0o644, Data: []byte("t")},
		{Path: "/srv/assets/logo.png", Type: fsmeta.TypeRegular, Perm: 0o644, Data: []byte("p")},
	})
	if err != nil {
		t.Fatal(err)
	}
	urls := []string{"/docs/", "/.well-known/acme-challenge/tok", "/static/logo.png"}
	problems := func(s *Simulator) []simulate.Problem {
		var out []simulate.Problem
		for _, u := range urls {
			req, err := simulate.ParseRequest("GET", "http://example.com"+u, "127.0.0.1")
			if err != nil {
				t.Fatal(err)
			}
			d := s.Simulate(req)
			if d.Cause == nil {
				t.Fatalf("%s: no cause", u)
			}
			out = append(out, simulate.Problem{Rule: d.Cause.Rule, Kind: d.Cause.Kind, Range: d.Cause.Range,
				Path: d.Cause.Path, Request: req, Decision: d, Refused: []string{u}})
		}
		return out
	}
	s, err := Load(main, fsys, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems(s) {
		if len(s.Repairs(p)) == 0 {
			t.Fatalf("%s: no fix even with offsets", p.Request.Path)
		}
	}
	var forget func([]*conf.Directive)
	forget = func(ds []*conf.Directive) {
		for _, d := range ds {
			d.Range.Start.Offset, d.Range.End.Offset = -1, -1
			d.ArgSpans = nil
			forget(d.Block)
		}
	}
	forget(s.Model.Config.Dirs)
	for _, p := range problems(s) {
		for _, f := range s.Repairs(p) {
			if len(f.Edits) > 0 {
				t.Errorf("%s: %q edits a file whose offsets are unknown", p.Request.Path, f.Description)
			}
		}
	}
}
