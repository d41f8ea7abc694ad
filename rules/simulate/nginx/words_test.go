package nginx_test

import (
	"reflect"
	"testing"

	"github.com/unforbid/unforbid/rules/simulate"
)

// checkWords checks what the nginx simulator tells the server-neutral
// scanner beside the status, in nginx's terms: the directive a cause is
// the setting of, the directive that masked a cause, the kind of block
// that handled the request and the site that took it.
func checkWords(t *testing.T, what string, d *simulate.Decision) {
	t.Helper()
	directives := map[simulate.Kind]string{
		simulate.KindSymlinkDenied:      "disable_symlinks",
		simulate.KindAuthFileMissing:    "auth_basic_user_file",
		simulate.KindAuthFileUnreadable: "auth_basic_user_file",
		simulate.KindIndexMissing:       "index",
	}
	for _, c := range []*simulate.Cause{d.Cause, d.Masked} {
		if c == nil || c.Rule == "" {
			continue
		}
		if c.Directive != directives[c.Kind] {
			t.Errorf("%s: cause %s names directive %q, want %q", what, c.Rule, c.Directive, directives[c.Kind])
		}
		if listing := map[bool]string{true: "autoindex"}[c.Kind == simulate.KindIndexMissing]; c.Listing != listing {
			t.Errorf("%s: cause %s names listing %q, want %q", what, c.Rule, c.Listing, listing)
		}
	}
	if (d.Masked != nil) != (d.MaskedBy == "try_files") {
		t.Errorf("%s: masked cause %v masked by %q", what, d.Masked, d.MaskedBy)
	}
	if (d.Location != "") != (d.Block == "location") {
		t.Errorf("%s: location %q in block %q", what, d.Location, d.Block)
	}
	refusedEarly := len(d.Trace) > 0 && d.Trace[0].Step == "request" // the request line, TRACE
	if d.Status != 0 && d.Site.IsZero() && !refusedEarly {
		t.Errorf("%s: status %d from no site", what, d.Status)
	}
}

// TestSiteAddresses: a site carries its names as written and its TCP
// listens (not its unix sockets).
func TestSiteAddresses(t *testing.T) {
	sim := loadConfig(t, `events {}
http {
	server {
		listen 127.0.0.1:8080;
		listen [::]:8081 ipv6only=off;
		listen unix:/run/x.sock;
		server_name example.com *.example.org ~^(?<sub>.+)\.test$;
	}
	server {
		listen 8082;
	}
}
`)
	sites := sim.Sites()
	if len(sites) != 2 {
		t.Fatalf("%d sites, want 2", len(sites))
	}
	tests := []struct {
		names   []string
		listens []simulate.Listen
	}{
		{[]string{"example.com", "*.example.org", `~^(?<sub>.+)\.test$`}, []simulate.Listen{{Addr: "127.0.0.1", Port: 8080}, {Port: 8081, IPv6: true, DualStack: true}}},
		{[]string{""}, []simulate.Listen{{Port: 8082}}},
	}
	for i, tt := range tests {
		if !reflect.DeepEqual(sites[i].Names, tt.names) {
			t.Errorf("site %d: names %q, want %q", i, sites[i].Names, tt.names)
		}
		if !reflect.DeepEqual(sites[i].Listens, tt.listens) {
			t.Errorf("site %d: listens %+v, want %+v", i, sites[i].Listens, tt.listens)
		}
	}
}
