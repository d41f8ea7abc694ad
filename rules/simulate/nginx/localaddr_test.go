package nginx_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/parser/fsmeta"
	conf "github.com/unforbid/unforbid/parser/nginx"
	"github.com/unforbid/unforbid/rules/simulate"
	nginxsim "github.com/unforbid/unforbid/rules/simulate/nginx"
)

// loadConfig builds a simulator for one nginx.conf text, laid out under a
// temporary root.
func loadConfig(t testing.TB, text string) *nginxsim.Simulator {
	t.Helper()
	root := t.TempDir()
	p := filepath.Join(root, "etc/nginx/nginx.conf")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := conf.Load("/etc/nginx/nginx.conf", conf.Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	m, err := nginxsim.Build(cfg, nginxsim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sim, err := nginxsim.New(m, fsmeta.New(root))
	if err != nil {
		t.Fatal(err)
	}
	return sim
}

// TestLocalAddr: the local address comes from the URL and the listens,
// never from the client's address.
func TestLocalAddr(t *testing.T) {
	const (
		loop4  = "http {\n server {\n  listen 127.0.0.1:8080;\n  server_name a.test;\n  return 200;\n }\n}\nevents {}\n"
		loop6  = "http {\n server {\n  listen [::1]:8080;\n  server_name a.test;\n  return 200;\n }\n}\nevents {}\n"
		loop80 = "http {\n server {\n  listen 127.0.0.1;\n  return 200;\n }\n}\nevents {}\n"
		wild   = "http {\n server {\n  listen 8080;\n  server_name a.test;\n  return 200;\n }\n}\nevents {}\n"
		wild6  = "http {\n server {\n  listen [::]:8080;\n  server_name a.test;\n  return 200;\n }\n}\nevents {}\n"
		dual   = "http {\n server {\n  listen [::]:8080 ipv6only=off;\n  server_name a.test;\n  return 200;\n }\n}\nevents {}\n"
		// b.test listens on 127.0.0.3 only; the wildcard server c.test
		// cannot be reached on 127.0.0.1, which a.test names
		multi = "http {\n server {\n  listen 127.0.0.1:8080;\n  server_name a.test;\n  return 200;\n }\n" +
			" server {\n  listen 127.0.0.3:8080;\n  listen [::1]:8080;\n  server_name b.test *.b.test;\n  return 201;\n }\n" +
			" server {\n  listen 8080;\n  server_name c.test;\n  return 202;\n }\n}\nevents {}\n"
	)
	tests := []struct {
		name, config, url, client, server string
		want                              string // the local address
		wantStatus                        int
		wantLine                          int    // the listen that takes it; 0 for none
		wantWhy                           string // in the step's detail
	}{
		{"localhost, second client", loop4, "http://localhost:8080/", "127.0.0.2", "", "127.0.0.1", 200, 3, "localhost is 127.0.0.1 and ::1"},
		{"localhost, IPv6 client", loop6, "http://localhost:8080/", "::1", "", "::1", 200, 3, "an IPv6 client reaches ::1"},
		{"localhost, IPv4 client, IPv6 listen", loop6, "http://localhost:8080/", "127.0.0.1", "", "127.0.0.1", 0, 0, "connection refused"},
		{"bare path is localhost", loop80, "/", "127.0.0.5", "", "127.0.0.1", 200, 3, "localhost"},
		{"IP literal", loop4, "http://127.0.0.1:8080/", "127.0.0.2", "", "127.0.0.1", 200, 3, "the URL names the address"},
		{"IP literal nobody listens on", loop4, "http://127.0.0.2:8080/", "127.0.0.2", "", "127.0.0.2", 0, 0, "no listen takes it"},
		{"name on a bound listen", loop4, "http://a.test:8080/", "127.0.0.2", "", "127.0.0.1", 200, 3, "the first server matching a.test listens on it"},
		{"unknown name, first listen", loop4, "http://x.test:8080/", "10.1.2.3", "", "127.0.0.1", 200, 3, "no server matching x.test listens on port 8080 for IPv4, the first listen of the port does on it"},
		{"wildcard listen", wild, "http://a.test:8080/", "127.0.0.2", "", "127.0.0.1", 200, 3, "the first server matching a.test listens on any address: 127.0.0.1 assumed"},
		{"IPv6 wildcard", wild6, "http://a.test:8080/", "::1", "", "::1", 200, 3, "on any address"},
		{"IPv6 wildcard, IPv4 client", wild6, "http://a.test:8080/", "127.0.0.2", "", "127.0.0.1", 0, 0, "takes IPv4 connections: connection refused"},
		{"dual-stack wildcard, IPv4 client", dual, "http://a.test:8080/", "127.0.0.2", "", "127.0.0.1", 200, 3, "on any address"},
		{"server named by the name", multi, "http://b.test:8080/", "127.0.0.2", "", "127.0.0.3", 201, 8, "the first server matching b.test listens on it; listen 127.0.0.3:8080 takes it"},
		{"wildcard name", multi, "http://www.b.test:8080/", "127.0.0.2", "", "127.0.0.3", 201, 8, "the first server matching www.b.test listens on it"},
		{"named server, IPv6 client", multi, "http://b.test:8080/", "::1", "", "::1", 201, 9, "the first server matching b.test listens on it; listen [::1]:8080 takes it"},
		{"wildcard shadowed on loopback", multi, "http://c.test:8080/", "127.0.0.2", "", "192.0.2.1", 202, 14, "listens on any address but 127.0.0.1, which another listen names: 192.0.2.1 assumed; listen 8080 takes it"},
		{"--server-ip forces it", multi, "http://c.test:8080/", "127.0.0.2", "127.0.0.1", "127.0.0.1", 200, 3, "the local address is given"},
		{"--server-ip over a literal", multi, "http://127.0.0.3:8080/", "127.0.0.2", "127.0.0.1", "127.0.0.1", 200, 3, "the local address is given"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := loadConfig(t, tt.config)
			req, err := simulate.ParseRequest("GET", tt.url, tt.client)
			if err != nil {
				t.Fatal(err)
			}
			if tt.server != "" {
				req.ServerIP = tt.server
			}
			got, step := sim.LocalAddr(req)
			if got != tt.want {
				t.Errorf("LocalAddr = %s, want %s (%s)", got, tt.want, step.Detail)
			}
			if step.Range.Start.Line != tt.wantLine || !strings.Contains(step.Detail, tt.wantWhy) || !strings.Contains(step.Detail, "client "+tt.client+" connects to ") {
				t.Errorf("step %s at line %d, want line %d and %q", step.Detail, step.Range.Start.Line, tt.wantLine, tt.wantWhy)
			}
			// the simulator derives the same address when none is given
			if d := sim.Simulate(req); d.Status != tt.wantStatus {
				t.Errorf("Simulate: status %d, want %d", d.Status, tt.wantStatus)
			}
		})
	}
}
