package nginxlog

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// A line of nginx 1.22 as written for a request of testdata/trees/basic.
const realOpen = `2026/12/01 11:52:52 [error] 15539#15539: *7 open() "/srv/www/f600.html" failed (13: Permission denied), client: 127.0.0.1, server: site.test, request: "GET /f600.html HTTP/1.1", host: "site.test:8080"`

func TestParseLine(t *testing.T) {
	long := "/" + strings.Repeat("a", 3000)
	tests := []struct {
		name string
		line string
		want Entry
		err  string // the exact error, "" for none
	}{{
		name: "unreadable file",
		line: realOpen,
		want: Entry{Time: time.Date(2026, 12, 1, 11, 52, 52, 0, time.UTC), Level: "error", PID: 15539, TID: 15539, Conn: 7,
			Message: `open() "/srv/www/f600.html" failed (13: Permission denied)`, Client: "127.0.0.1", Server: "site.test",
			Request: "GET /f600.html HTTP/1.1", Method: "GET", URI: "/f600.html", Protocol: "HTTP/1.1", Host: "site.test:8080", HasRequest: true,
			Kind: KindOpen, Path: "/srv/www/f600.html", Errno: 13, Err: "Permission denied"},
	}, {
		name: "startup notice",
		line: `2026/12/01 11:52:52 [notice] 15530#15530: using the "epoll" event method`,
		want: Entry{Time: time.Date(2026, 12, 1, 11, 52, 52, 0, time.UTC), Level: "notice", PID: 15530, TID: 15530,
			Message: `using the "epoll" event method`},
	}, {
		name: "connection without request",
		line: `2026/12/01 11:52:52 [info] 15539#15539: *1 client closed connection while waiting for request, client: 127.0.0.1, server: 127.0.0.1:8080`,
		want: Entry{Time: time.Date(2026, 12, 1, 11, 52, 52, 0, time.UTC), Level: "info", PID: 15539, TID: 15539, Conn: 1,
			Message: "client closed connection while waiting for request", Client: "127.0.0.1", Server: "127.0.0.1:8080"},
	}, {
		name: "directory index",
		line: `2026/12/01 11:52:52 [error] 15539#15539: *11 directory index of "/srv/www/noindex/" is forbidden, client: 127.0.0.1, server: site.test, request: "GET /noindex/ HTTP/1.1", host: "site.test:8080"`,
		want: Entry{Time: time.Date(2026, 12, 1, 11, 52, 52, 0, time.UTC), Level: "error", PID: 15539, TID: 15539, Conn: 11,
			Message: `directory index of "/srv/www/noindex/" is forbidden`, Client: "127.0.0.1", Server: "site.test",
			Request: "GET /noindex/ HTTP/1.1", Method: "GET", URI: "/noindex/", Protocol: "HTTP/1.1", Host: "site.test:8080", HasRequest: true,
			Kind: KindDirIndex, Path: "/srv/www/noindex/"},
	}, {
		name: "deny from an IPv6 client",
		line: `2026/12/01 11:52:52 [error] 15570#15570: *3 access forbidden by rule, client: ::1, server: site.test, request: "GET /local/a.html HTTP/1.1", host: "site.test:8080"`,
		want: Entry{Time: time.Date(2026, 12, 1, 11, 52, 52, 0, time.UTC), Level: "error", PID: 15570, TID: 15570, Conn: 3,
			Message: "access forbidden by rule", Client: "::1", Server: "site.test",
			Request: "GET /local/a.html HTTP/1.1", Method: "GET", URI: "/local/a.html", Protocol: "HTTP/1.1", Host: "site.test:8080", HasRequest: true,
			Kind: KindAccessRule},
	}, {
		name: "index test forbidden",
		line: `2026/12/01 11:52:52 [error] 1#1: *16 "/srv/www/d644/index.html" is forbidden (13: Permission denied), client: 10.0.0.1, server: , request: "GET /d644/ HTTP/1.0"`,
		want: Entry{Time: time.Date(2026, 12, 1, 11, 52, 52, 0, time.UTC), Level: "error", PID: 1, TID: 1, Conn: 16,
			Message: `"/srv/www/d644/index.html" is forbidden (13: Permission denied)`, Client: "10.0.0.1",
			Request: "GET /d644/ HTTP/1.0", Method: "GET", URI: "/d644/", Protocol: "HTTP/1.0", HasRequest: true,
			Kind: KindForbidden, Path: "/srv/www/d644/index.html", Errno: 13, Err: "Permission denied"},
	}, {
		name: "symlink refused, query, upstream and referrer",
		line: `2024/01/31 23:59:59 [error] 7#8: *900 openat() "/srv/www/t.html" failed (40: Too many levels of symbolic links), client: 2001:db8::7, server: www.example.com, request: "HEAD /t.html?a=1&b=%22 HTTP/2.0", subrequest: "/sub", upstream: "http://127.0.0.1:9000/t", host: "www.example.com", referrer: "https://www.example.com/?q=\"x\""`,
		want: Entry{Time: time.Date(2024, 1, 31, 23, 59, 59, 0, time.UTC), Level: "error", PID: 7, TID: 8, Conn: 900,
			Message: `openat() "/srv/www/t.html" failed (40: Too many levels of symbolic links)`, Client: "2001:db8::7", Server: "www.example.com",
			Request: "HEAD /t.html?a=1&b=%22 HTTP/2.0", Method: "HEAD", URI: "/t.html?a=1&b=%22", Protocol: "HTTP/2.0",
			Subrequest: "/sub", Upstream: "http://127.0.0.1:9000/t", Host: "www.example.com", Referrer: `https://www.example.com/?q=\"x\"`, HasRequest: true,
			Kind: KindOpenat, Path: "/srv/www/t.html", Errno: 40, Err: "Too many levels of symbolic links"},
	}, {
		name: "raw quotes in the request line and host",
		line: `2026/12/01 11:52:52 [error] 5#5: *2 open() "/srv/www/a"b.html" failed (13: Permission denied), client: 127.0.0.1, server: site.test, request: "GET /a"b.html HTTP/1.1", host: "evil", x=""`,
		want: Entry{Time: time.Date(2026, 12, 1, 11, 52, 52, 0, time.UTC), Level: "error", PID: 5, TID: 5, Conn: 2,
			Message: `open() "/srv/www/a"b.html" failed (13: Permission denied)`, Client: "127.0.0.1", Server: "site.test",
			Request: `GET /a"b.html HTTP/1.1`, Method: "GET", URI: `/a"b.html`, Protocol: "HTTP/1.1", Host: `evil", x="`, HasRequest: true,
			Kind: KindOpen, Path: `/srv/www/a"b.html`, Errno: 13, Err: "Permission denied"},
	}, {
		name: "try_files stat with while",
		line: `2026/12/01 11:52:53 [crit] 15651#15651: *3 stat() "/srv/www/d700/a.html" failed (13: Permission denied) while reading the request, client: 127.0.0.1, server: site.test, request: "GET /d700/a.html HTTP/1.1", host: "site.test"`,
		want: Entry{Time: time.Date(2026, 12, 1, 11, 52, 53, 0, time.UTC), Level: "crit", PID: 15651, TID: 15651, Conn: 3,
			Message: `stat() "/srv/www/d700/a.html" failed (13: Permission denied) while reading the request`, Client: "127.0.0.1", Server: "site.test",
			Request: "GET /d700/a.html HTTP/1.1", Method: "GET", URI: "/d700/a.html", Protocol: "HTTP/1.1", Host: "site.test", HasRequest: true,
			Kind: KindStat, Path: "/srv/www/d700/a.html", Errno: 13, Err: "Permission denied"},
	}, {
		name: "HTTP/0.9 request line without host",
		line: `2026/12/01 11:52:53 [error] 9#9: *4 opendir() "/srv/www/d711" failed (13: Permission denied), client: 127.0.0.1, server: _, request: "GET /d711/"`,
		want: Entry{Time: time.Date(2026, 12, 1, 11, 52, 53, 0, time.UTC), Level: "error", PID: 9, TID: 9, Conn: 4,
			Message: `opendir() "/srv/www/d711" failed (13: Permission denied)`, Client: "127.0.0.1", Server: "_",
			Request: "GET /d711/", Method: "GET", URI: "/d711/", HasRequest: true,
			Kind: KindOpendir, Path: "/srv/www/d711", Errno: 13, Err: "Permission denied"},
	}, {
		name: "host cut short",
		line: `2026/12/01 11:52:53 [error] 9#9: *4 "/x/index.html" is not found (2: No such file or directory), client: 127.0.0.1, server: a, request: "GET /x/ HTTP/1.1", host: "site.te`,
		want: Entry{Time: time.Date(2026, 12, 1, 11, 52, 53, 0, time.UTC), Level: "error", PID: 9, TID: 9, Conn: 4,
			Message: `"/x/index.html" is not found (2: No such file or directory)`, Client: "127.0.0.1", Server: "a",
			Request: "GET /x/ HTTP/1.1", Method: "GET", URI: "/x/", Protocol: "HTTP/1.1", Host: "site.te", HasRequest: true, Cut: "host",
			Kind: KindNotFound, Path: "/x/index.html", Errno: 2, Err: "No such file or directory"},
	}, {
		name: "long request line cut short",
		line: `2026/12/01 11:52:53 [error] 9#9: *4 access forbidden by rule, client: 127.0.0.1, server: a, request: "GET ` + long,
		want: Entry{Time: time.Date(2026, 12, 1, 11, 52, 53, 0, time.UTC), Level: "error", PID: 9, TID: 9, Conn: 4,
			Message: "access forbidden by rule", Client: "127.0.0.1", Server: "a",
			Request: "GET " + long, HasRequest: true, Cut: "request", Kind: KindAccessRule},
		err: `col 103: request line "GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa..." cut short`,
	}, {
		name: "long request line whole",
		line: `2026/12/01 11:52:53 [error] 9#9: *4 access forbidden by rule, client: 127.0.0.1, server: a, request: "GET ` + long + ` HTTP/1.1", host: "a"`,
		want: Entry{Time: time.Date(2026, 12, 1, 11, 52, 53, 0, time.UTC), Level: "error", PID: 9, TID: 9, Conn: 4,
			Message: "access forbidden by rule", Client: "127.0.0.1", Server: "a",
			Request: "GET " + long + " HTTP/1.1", Method: "GET", URI: long, Protocol: "HTTP/1.1", Host: "a", HasRequest: true, Kind: KindAccessRule},
	}, {
		name: "cut after the client",
		line: `2026/12/01 11:52:53 [error] 9#9: *4 access forbidden by rule, client: 127.0.0.1`,
		want: Entry{Time: time.Date(2026, 12, 1, 11, 52, 53, 0, time.UTC), Level: "error", PID: 9, TID: 9, Conn: 4,
			Message: "access forbidden by rule", Client: "127.0.0.1", Cut: "client", Kind: KindAccessRule},
	}, {
		name: "empty request line",
		line: `2026/12/01 11:52:53 [info] 9#9: *4 client sent invalid request, client: 127.0.0.1, server: a, request: ""`,
		want: Entry{Time: time.Date(2026, 12, 1, 11, 52, 53, 0, time.UTC), Level: "info", PID: 9, TID: 9, Conn: 4,
			Message: "client sent invalid request", Client: "127.0.0.1", Server: "a", HasRequest: true},
		err: "col 105: empty request line",
	}, {
		name: "binary request line",
		line: "2026/12/01 11:52:53 [info] 9#9: *4 client sent invalid method, client: 127.0.0.1, server: a, request: \"\x16\x03\x01 /\"",
		want: Entry{Time: time.Date(2026, 12, 1, 11, 52, 53, 0, time.UTC), Level: "info", PID: 9, TID: 9, Conn: 4,
			Message: "client sent invalid method", Client: "127.0.0.1", Server: "a", Request: "\x16\x03\x01 /", HasRequest: true},
		err: "col 104: bad method in request line \"\\x16\\x03\\x01 /\"",
	}, {
		name: "garbage",
		line: "garbage \x00\xff line",
		err:  "col 1: not an nginx error log line: no time",
	}, {
		name: "truncated header",
		line: "2026/12/01 11:52:53 [err",
		want: Entry{Time: time.Date(2026, 12, 1, 11, 52, 53, 0, time.UTC)},
		err:  "col 22: not an nginx error log line: no [level]",
	}, {
		name: "unknown field after the context",
		line: `2026/12/01 11:52:53 [error] 9#9: *4 x, client: 1.2.3.4, server: a, login: "bob"`,
		want: Entry{Time: time.Date(2026, 12, 1, 11, 52, 53, 0, time.UTC), Level: "error", PID: 9, TID: 9, Conn: 4,
			Message: "x", Client: "1.2.3.4", Server: `a, login: "bob"`},
	}, {
		name: "client without server",
		line: `2026/12/01 11:52:53 [error] 9#9: *4 x, client: 1.2.3.4, foo: bar`,
		want: Entry{Time: time.Date(2026, 12, 1, 11, 52, 53, 0, time.UTC), Level: "error", PID: 9, TID: 9, Conn: 4,
			Message: "x"},
		err: "col 48: client: without server:",
	}, {
		name: "errno-like text that is no errno",
		line: `2026/12/01 11:52:53 [error] 9#9: open() "/a" failed (x: y)`,
		want: Entry{Time: time.Date(2026, 12, 1, 11, 52, 53, 0, time.UTC), Level: "error", PID: 9, TID: 9,
			Message: `open() "/a" failed (x: y)`},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseLine(tt.line)
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if gotErr != tt.err {
				t.Errorf("error %q, want %q", gotErr, tt.err)
			}
			if got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestNotEntry(t *testing.T) {
	if _, err := ParseLine("hello"); !NotEntry(err) {
		t.Errorf("NotEntry(%v) = false for a line that is no log line", err)
	}
	_, err := ParseLine(`2026/12/01 11:52:53 [info] 9#9: *4 x, client: 127.0.0.1, server: a, request: ""`)
	if err == nil || NotEntry(err) {
		t.Errorf("NotEntry(%v) = true for a log line with a bad request line", err)
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{KindOther: "other", KindAccessRule: "access-rule", KindDirIndex: "directory-index", Kind(99): "kind(99)"} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", int(k), got, want)
		}
	}
}

func FuzzParseLine(f *testing.F) {
	f.Add(realOpen)
	f.Add(`2026/12/01 11:52:52 [notice] 15530#15530: using the "epoll" event method`)
	f.Add(`2024/01/31 23:59:59 [error] 7#8: *900 openat() "/srv/www/t.html" failed (40: Too many levels of symbolic links), client: 2001:db8::7, server: w, request: "HEAD /t.html?a=1 HTTP/2.0", subrequest: "/s", upstream: "http://u/t", host: "w", referrer: "r"`)
	f.Add(`2026/12/01 11:52:53 [error] 9#9: *4 "/x/index.html" is not found (2: No such file or directory), client: 127.0.0.1, server: a, request: "GET /x/ HTTP/1.1", host: "site.te`)
	f.Add("2026/12/01 11:52:53 [err")
	f.Add(`2026/12/01 11:52:53 [error] 9#9: *`)
	f.Add(`2026/12/01 11:52:53 [error] 9#9:`)
	f.Fuzz(func(t *testing.T, line string) {
		e, err := ParseLine(line)
		if err == nil && e.HasRequest && e.Cut != "request" && (e.Method == "" || e.URI == "") {
			t.Errorf("a request without method or target parsed without error: %q", line)
		}
		switch e.Kind {
		case KindOther, KindAccessRule, KindDirIndex:
		default:
			if !strings.Contains(e.Message, "("+strconv.Itoa(e.Errno)+": "+e.Err+")") {
				t.Errorf("kind %s: errno %d %q not in the message: %q", e.Kind, e.Errno, e.Err, line)
			}
		}
	})
}
