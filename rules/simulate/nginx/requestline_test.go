package nginx_test

import (
	"testing"

	"github.com/unforbid/unforbid/rules/simulate"
)

// TestRequestLine: nginx's own request-line rules (methods its parser
// takes, a ".." above "/") are the simulator's, on a request that
// simulate.ParseRequest keeps as sent; requests built without it (scans)
// are judged on their path.
func TestRequestLine(t *testing.T) {
	sim := loadConfig(t, `events {}
http {
	server {
		listen 127.0.0.1:8080;
		location / { return 200; }
	}
}
`)
	tests := []struct {
		method, url string
		req         *simulate.Request // instead of method and url
		want        int
		step        string
	}{
		{method: "GET", url: "http://127.0.0.1:8080/a", want: 200},
		{method: "FOO", url: "http://127.0.0.1:8080/a", want: 200},
		{method: "M-SEARCH", url: "http://127.0.0.1:8080/a", want: 200},
		{method: "get", url: "http://127.0.0.1:8080/a", want: 400, step: "client sent invalid method"},
		{method: "G3T", url: "http://127.0.0.1:8080/a", want: 400, step: "client sent invalid method"},
		{method: "GET", url: "http://127.0.0.1:8080/../a", want: 400, step: `client sent invalid request (the path climbs above "/")`},
		{method: "GET", url: "http://127.0.0.1:8080/%2e%2e/a", want: 400, step: `client sent invalid request (the path climbs above "/")`},
		{method: "GET", url: "http://127.0.0.1:8080/x/../a", want: 200},
		{method: "GET", url: "http://127.0.0.1:8080/x/%2e%2e/a", want: 200},
		{req: &simulate.Request{Scheme: "http", Host: "127.0.0.1", Port: 8080, Path: "/a", ServerIP: "127.0.0.1"}, want: 200},
		{req: &simulate.Request{Method: "get", Scheme: "http", Host: "127.0.0.1", Port: 8080, Path: "/a", ServerIP: "127.0.0.1"}, want: 400, step: "client sent invalid method"},
	}
	for _, tt := range tests {
		var req simulate.Request
		if tt.req != nil {
			req = *tt.req
		} else {
			var err error
			if req, err = simulate.ParseRequest(tt.method, tt.url, ""); err != nil {
				t.Fatalf("%s %s: %v", tt.method, tt.url, err)
			}
		}
		d := sim.Simulate(req)
		if d.Status != tt.want {
			t.Errorf("%s %s: status %d, want %d", req.Method, req.URL(), d.Status, tt.want)
			continue
		}
		if tt.step != "" && (len(d.Trace) == 0 || d.Trace[0].Step != "request" || d.Trace[0].Detail != tt.step) {
			t.Errorf("%s %s: trace %+v, want a first request step %q", req.Method, req.URL(), d.Trace, tt.step)
		}
	}
}
