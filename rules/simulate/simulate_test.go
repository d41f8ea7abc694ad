package simulate

import "testing"

func TestParseRequest(t *testing.T) {
	tests := []struct {
		url, method, ip string
		want            Request
		wantURL         string
		wantErr         bool
	}{
		{url: "http://Example.com/docs/", want: Request{Method: "GET", Scheme: "http", Host: "example.com", Port: 80, Path: "/docs/", ClientIP: "127.0.0.1"}, wantURL: "http://example.com/docs/"},
		{url: "https://example.com:8443/a?x=1", method: "POST", ip: "::1", want: Request{Method: "POST", Scheme: "https", Host: "example.com", Port: 8443, Path: "/a", Query: "x=1", ClientIP: "::1"}, wantURL: "https://example.com:8443/a?x=1"},
		{url: "/a/./b/../c//d", want: Request{Method: "GET", Scheme: "http", Host: "localhost", Port: 80, Path: "/a/c/d", ClientIP: "127.0.0.1"}},
		{url: "example.com/%41%20b", want: Request{Method: "GET", Scheme: "http", Host: "example.com", Port: 80, Path: "/A b", ClientIP: "127.0.0.1"}},
		{url: "/../etc/passwd", want: Request{Method: "GET", Scheme: "http", Host: "localhost", Port: 80, Path: "/etc/passwd", ClientIP: "127.0.0.1", Invalid: "client sent invalid request (the path climbs above \"/\")"}},
		{url: "/a", method: "get", want: Request{Method: "get", Scheme: "http", Host: "localhost", Port: 80, Path: "/a", ClientIP: "127.0.0.1", Invalid: "client sent invalid method"}},
		{url: "http://127.0.0.2:8080/", ip: "127.0.0.3", want: Request{Method: "GET", Scheme: "http", Host: "127.0.0.2", Port: 8080, Path: "/", ClientIP: "127.0.0.3", ServerIP: "127.0.0.2"}},
		{url: "http://[::1]/x", ip: "::1", want: Request{Method: "GET", Scheme: "http", Host: "::1", Port: 80, Path: "/x", ClientIP: "::1", ServerIP: "::1"}, wantURL: "http://[::1]/x"},
		{url: "http://localhost/", ip: "127.0.0.2", want: Request{Method: "GET", Scheme: "http", Host: "localhost", Port: 80, Path: "/", ClientIP: "127.0.0.2"}},
		{url: "ftp://x/", wantErr: true},
		{url: "http://x:99999/", wantErr: true},
		{url: "http://x/", ip: "not-an-ip", wantErr: true},
		{url: "http://x/%zz", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseRequest(tt.method, tt.url, tt.ip)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseRequest(%q): err %v, wantErr %v", tt.url, err, tt.wantErr)
			continue
		}
		if tt.wantErr {
			continue
		}
		if got.Method != tt.want.Method || got.Scheme != tt.want.Scheme || got.Host != tt.want.Host || got.Port != tt.want.Port ||
			got.Path != tt.want.Path || got.Query != tt.want.Query || got.ClientIP != tt.want.ClientIP || got.ServerIP != tt.want.ServerIP || got.Invalid != tt.want.Invalid {
			t.Errorf("ParseRequest(%q) = %+v, want %+v", tt.url, got, tt.want)
		}
		if tt.wantURL != "" && got.URL() != tt.wantURL {
			t.Errorf("URL() = %q, want %q", got.URL(), tt.wantURL)
		}
	}
}

func TestNormalizePath(t *testing.T) {
	tests := []struct{ in, merged, kept string }{
		{"/", "/", "/"},
		{"//secret/s.html", "/secret/s.html", "//secret/s.html"},
		{"/x//../secret/s.html", "/secret/s.html", "/x/secret/s.html"},
		{"/a/./b/../c/", "/a/c/", "/a/c/"},
		{"/a//", "/a/", "/a//"},
	}
	for _, tt := range tests {
		if got := NormalizePath(tt.in); got != tt.merged {
			t.Errorf("NormalizePath(%q) = %q, want %q", tt.in, got, tt.merged)
		}
		if got := NormalizePathKeepSlashes(tt.in); got != tt.kept {
			t.Errorf("NormalizePathKeepSlashes(%q) = %q, want %q", tt.in, got, tt.kept)
		}
	}
}
