package simulate

import (
	"reflect"
	"testing"
)

func TestParseRequest(t *testing.T) {
	tests := []struct {
		url, method, ip string
		want            Request
		wantURL         string
		wantErr         bool
	}{
		{url: "http://Example.com/docs/", want: Request{Method: "GET", Scheme: "http", Host: "example.com", Port: 80, Path: "/docs/", RawPath: "/docs/", EscapedPath: "/docs/", RequestURI: "/docs/", ClientIP: "127.0.0.1"}, wantURL: "http://example.com/docs/"},
		{url: "https://example.com:8443/a?x=1", method: "POST", ip: "::1", want: Request{Method: "POST", Scheme: "https", Host: "example.com", Port: 8443, Path: "/a", RawPath: "/a", EscapedPath: "/a", Query: "x=1", RequestURI: "/a?x=1", ClientIP: "::1"}, wantURL: "https://example.com:8443/a?x=1"},
		{url: "/a/./b/../c//d", want: Request{Method: "GET", Scheme: "http", Host: "localhost", Port: 80, Path: "/a/c/d", RawPath: "/a/./b/../c//d", EscapedPath: "/a/./b/../c//d", RequestURI: "/a/./b/../c//d", ClientIP: "127.0.0.1"}},
		{url: "example.com/%41%20b", want: Request{Method: "GET", Scheme: "http", Host: "example.com", Port: 80, Path: "/A b", RawPath: "/A b", EscapedPath: "/%41%20b", RequestURI: "/%41%20b", ClientIP: "127.0.0.1"}},
		// what a server refuses in the request line is its simulator's call
		{url: "/../etc/passwd", want: Request{Method: "GET", Scheme: "http", Host: "localhost", Port: 80, Path: "/etc/passwd", RawPath: "/../etc/passwd", EscapedPath: "/../etc/passwd", RequestURI: "/../etc/passwd", ClientIP: "127.0.0.1"}},
		{url: "/a", method: "get", want: Request{Method: "get", Scheme: "http", Host: "localhost", Port: 80, Path: "/a", RawPath: "/a", EscapedPath: "/a", RequestURI: "/a", ClientIP: "127.0.0.1"}},
		{url: "/a", method: "FOO", want: Request{Method: "FOO", Scheme: "http", Host: "localhost", Port: 80, Path: "/a", RawPath: "/a", EscapedPath: "/a", RequestURI: "/a", ClientIP: "127.0.0.1"}},
		// the escaped path is kept as sent
		{url: "http://example.com/sub%2Fb.html?x=%2F", want: Request{Method: "GET", Scheme: "http", Host: "example.com", Port: 80, Path: "/sub/b.html", RawPath: "/sub/b.html", EscapedPath: "/sub%2Fb.html", Query: "x=%2F", RequestURI: "/sub%2Fb.html?x=%2F", ClientIP: "127.0.0.1"}},
		{url: "http://example.com/%61.html", want: Request{Method: "GET", Scheme: "http", Host: "example.com", Port: 80, Path: "/a.html", RawPath: "/a.html", EscapedPath: "/%61.html", RequestURI: "/%61.html", ClientIP: "127.0.0.1"}},
		{url: "http://example.com/sub/%2e%2e/a%20b", want: Request{Method: "GET", Scheme: "http", Host: "example.com", Port: 80, Path: "/a b", RawPath: "/sub/../a b", EscapedPath: "/sub/%2e%2e/a%20b", RequestURI: "/sub/%2e%2e/a%20b", ClientIP: "127.0.0.1"}},
		{url: "http://example.com//x//y/", want: Request{Method: "GET", Scheme: "http", Host: "example.com", Port: 80, Path: "/x/y/", RawPath: "//x//y/", EscapedPath: "//x//y/", RequestURI: "//x//y/", ClientIP: "127.0.0.1"}},
		{url: "http://example.com?q=/x", want: Request{Method: "GET", Scheme: "http", Host: "example.com", Port: 80, Path: "/", RawPath: "/", EscapedPath: "/", Query: "q=/x", RequestURI: "/?q=/x", ClientIP: "127.0.0.1"}},
		{url: "http://example.com", want: Request{Method: "GET", Scheme: "http", Host: "example.com", Port: 80, Path: "/", RawPath: "/", EscapedPath: "/", RequestURI: "/", ClientIP: "127.0.0.1"}},
		{url: "http://127.0.0.2:8080/", ip: "127.0.0.3", want: Request{Method: "GET", Scheme: "http", Host: "127.0.0.2", Port: 8080, Path: "/", RawPath: "/", EscapedPath: "/", RequestURI: "/", ClientIP: "127.0.0.3", ServerIP: "127.0.0.2"}},
		{url: "http://[::1]/x", ip: "::1", want: Request{Method: "GET", Scheme: "http", Host: "::1", Port: 80, Path: "/x", RawPath: "/x", EscapedPath: "/x", RequestURI: "/x", ClientIP: "::1", ServerIP: "::1"}, wantURL: "http://[::1]/x"},
		{url: "http://localhost/", ip: "127.0.0.2", want: Request{Method: "GET", Scheme: "http", Host: "localhost", Port: 80, Path: "/", RawPath: "/", EscapedPath: "/", RequestURI: "/", ClientIP: "127.0.0.2"}},
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
		if !reflect.DeepEqual(got, tt.want) {
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

func TestClimbsAboveRoot(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"/", false},
		{"/a/../b", false},
		{"/a/./../b/..", false},
		{"/..", true},
		{"/../a", true},
		{"/a/../../b", true},
		{"//..", true},
		{"/a/..b", false},
		{"/...", false},
	}
	for _, tt := range tests {
		if got := ClimbsAboveRoot(tt.path); got != tt.want {
			t.Errorf("ClimbsAboveRoot(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func TestDecisionWhere(t *testing.T) {
	tests := []struct {
		d    Decision
		want string
	}{
		{Decision{Location: "~ /\\.", Block: "location"}, "location ~ /\\."},
		{Decision{Location: "/srv/admin", Block: "Directory"}, "Directory /srv/admin"},
		{Decision{Location: "/x/"}, "/x/"},
		{Decision{Block: "location"}, ""},
	}
	for _, tt := range tests {
		if got := tt.d.Where(); got != tt.want {
			t.Errorf("%+v.Where() = %q, want %q", tt.d, got, tt.want)
		}
	}
}
