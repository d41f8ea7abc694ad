package apachelog

import (
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/apache-2.4.golden")

func at(s string) time.Time {
	t, err := time.Parse(TimeLayout, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestParseLine(t *testing.T) {
	tests := []struct {
		name string
		line string
		want Entry
		err  string // the exact error, "" for none
	}{{
		name: "the brief's line",
		line: `[Tue Dec 01 13:27:56.123456 2026] [core:error] [pid 1234:tid 5678] [client 127.0.0.2:51234] AH01630: client denied by server configuration: /srv/www/admin/x.html`,
		want: Entry{Time: at("Tue Dec 01 13:27:56.123456 2026"), Module: "core", Level: "error", PID: 1234, TID: 5678,
			Client: "127.0.0.2", ClientPort: 51234, Code: "AH01630", Message: "client denied by server configuration: /srv/www/admin/x.html",
			Cause: CauseRequire, Path: "/srv/www/admin/x.html"},
	}, {
		name: "prefork: no thread, referer, IPv6",
		line: `[Sun Mar 03 09:05:01.000001 2024] [authz_core:error] [pid 77] [client 2001:db8::1:443] AH01630: client denied by server configuration: uri /x, referer: https://a.test/?q=1, referer: b`,
		want: Entry{Time: at("Sun Mar 03 09:05:01.000001 2024"), Module: "authz_core", Level: "error", PID: 77,
			Client: "2001:db8::1", ClientPort: 443, Code: "AH01630", Message: "client denied by server configuration: uri /x",
			Referer: "https://a.test/?q=1, referer: b", Cause: CauseRequire, URI: "/x"},
	}, {
		name: "time without microseconds, remote address, no code",
		line: `[Wed Jan 03 01:02:03 2024] [proxy:error] [pid 5:tid 6] (111)Connection refused: [remote 127.0.0.1:9000] AH00957: FCGI: attempt to connect to 127.0.0.1:9000 (127.0.0.1:9000) failed`,
		want: Entry{Time: at("Wed Jan 03 01:02:03 2024"), Module: "proxy", Level: "error", PID: 5, TID: 6,
			Errno: 111, Err: "Connection refused", Client: "127.0.0.1", ClientPort: 9000, Remote: true,
			Code: "AH00957", Message: "FCGI: attempt to connect to 127.0.0.1:9000 (127.0.0.1:9000) failed"},
	}, {
		name: "debug source file and line",
		line: `[Tue Dec 01 13:27:56.123456 2026] [authz_core:debug] [pid 9:tid 10] mod_authz_core.c(818): [client 127.0.0.1:1] AH01626: authorization result of Require all denied: denied`,
		want: Entry{Time: at("Tue Dec 01 13:27:56.123456 2026"), Module: "authz_core", Level: "debug", PID: 9, TID: 10,
			Source: "mod_authz_core.c(818)", Client: "127.0.0.1", ClientPort: 1, Code: "AH01626",
			Message: "authorization result of Require all denied: denied"},
	}, {
		name: "trace level",
		line: `[Tue Dec 01 13:27:56.123456 2026] [rewrite:trace2] [pid 9:tid 10] mod_rewrite.c(483): [client 127.0.0.1:1] 127.0.0.1 - - [localhost/sid#1][rid#2/initial] [perdir /srv/www/] forcing responsecode 403 for /srv/www/x`,
		want: Entry{Time: at("Tue Dec 01 13:27:56.123456 2026"), Module: "rewrite", Level: "trace2", PID: 9, TID: 10,
			Source: "mod_rewrite.c(483)", Client: "127.0.0.1", ClientPort: 1,
			Message: "127.0.0.1 - - [localhost/sid#1][rid#2/initial] [perdir /srv/www/] forcing responsecode 403 for /srv/www/x"},
	}, {
		name: "written before the log was open",
		line: `AH00558: apache2: Could not reliably determine the server's fully qualified domain name, using 127.0.1.1. Set the 'ServerName' directive globally to suppress this message`,
		want: Entry{Code: "AH00558", Message: "apache2: Could not reliably determine the server's fully qualified domain name, using 127.0.1.1. Set the 'ServerName' directive globally to suppress this message"},
	}, {
		name: "mod_cgi before 2.4.59",
		line: `[Tue Dec 01 13:27:56.123456 2026] [cgi:error] [pid 9:tid 10] [client 127.0.0.1:1] AH01215: (13)Permission denied: exec of '/usr/lib/cgi-bin/a.cgi' failed: /usr/lib/cgi-bin/a.cgi`,
		want: Entry{Time: at("Tue Dec 01 13:27:56.123456 2026"), Module: "cgi", Level: "error", PID: 9, TID: 10, Client: "127.0.0.1", ClientPort: 1,
			Code: "AH01215", Message: "(13)Permission denied: exec of '/usr/lib/cgi-bin/a.cgi' failed: /usr/lib/cgi-bin/a.cgi",
			Cause: CauseScriptError, Path: "/usr/lib/cgi-bin/a.cgi"},
	}, {
		name: "mod_cgi stderr",
		line: `[Tue Dec 01 13:27:56.123456 2026] [cgi:error] [pid 9:tid 10] [client 127.0.0.1:1] AH01215: stderr from /usr/lib/cgi-bin/a.cgi: line 3: foo: command not found, referer: http://r/`,
		want: Entry{Time: at("Tue Dec 01 13:27:56.123456 2026"), Module: "cgi", Level: "error", PID: 9, TID: 10, Client: "127.0.0.1", ClientPort: 1,
			Code: "AH01215", Message: "stderr from /usr/lib/cgi-bin/a.cgi: line 3: foo: command not found", Referer: "http://r/",
			Cause: CauseScriptError, Path: "/usr/lib/cgi-bin/a.cgi"},
	}, {
		name: "php-fpm through proxy_fcgi",
		line: `[Tue Dec 01 13:27:56.123456 2026] [proxy_fcgi:error] [pid 9:tid 10] [client 127.0.0.1:1] AH01071: Got error 'Unable to open primary script: /srv/www/i.php (Permission denied)'`,
		want: Entry{Time: at("Tue Dec 01 13:27:56.123456 2026"), Module: "proxy_fcgi", Level: "error", PID: 9, TID: 10, Client: "127.0.0.1", ClientPort: 1,
			Code: "AH01071", Message: "Got error 'Unable to open primary script: /srv/www/i.php (Permission denied)'",
			Cause: CauseFastCGI, Path: "/srv/www/i.php"},
	}, {
		name: "php-fpm limit_extensions",
		line: `[Tue Dec 01 13:27:56.123456 2026] [proxy_fcgi:error] [pid 9:tid 10] [client 127.0.0.1:1] AH01071: Got error 'Access to the script '/srv/www/a.html' has been denied (see security.limit_extensions)'`,
		want: Entry{Time: at("Tue Dec 01 13:27:56.123456 2026"), Module: "proxy_fcgi", Level: "error", PID: 9, TID: 10, Client: "127.0.0.1", ClientPort: 1,
			Code: "AH01071", Message: "Got error 'Access to the script '/srv/www/a.html' has been denied (see security.limit_extensions)'",
			Cause: CauseFastCGI, Path: "/srv/www/a.html"},
	}, {
		name: "cannot map",
		line: `[Tue Dec 01 13:27:56.123456 2026] [core:error] [pid 9:tid 10] [client 127.0.0.1:1] AH00127: Cannot map GET http://x/ HTTP/1.1 to file`,
		want: Entry{Time: at("Tue Dec 01 13:27:56.123456 2026"), Module: "core", Level: "error", PID: 9, TID: 10, Client: "127.0.0.1", ClientPort: 1,
			Code: "AH00127", Message: "Cannot map GET http://x/ HTTP/1.1 to file", Cause: CauseNoMap},
	}, {
		name: "mod_cgi ExecCGI off",
		line: `[Tue Dec 01 13:27:56.123456 2026] [cgi:error] [pid 9] [client 127.0.0.1:1] AH02809: stderr from /srv/www/s.cgi: Options ExecCGI is off in this directory`,
		want: Entry{Time: at("Tue Dec 01 13:27:56.123456 2026"), Module: "cgi", Level: "error", PID: 9, Client: "127.0.0.1", ClientPort: 1,
			Code: "AH02809", Message: "stderr from /srv/www/s.cgi: Options ExecCGI is off in this directory", Cause: CauseExecCGI, Path: "/srv/www/s.cgi"},
	}, {
		name: "a known code with an unknown text",
		line: `[Tue Dec 01 13:27:56.123456 2026] [core:error] [pid 9] AH00035: something else`,
		want: Entry{Time: at("Tue Dec 01 13:27:56.123456 2026"), Module: "core", Level: "error", PID: 9, Code: "AH00035", Message: "something else"},
	}, {
		name: "header only",
		line: `[Tue Dec 01 13:27:56.123456 2026] [core:error] [pid 9]`,
		want: Entry{Time: at("Tue Dec 01 13:27:56.123456 2026"), Module: "core", Level: "error", PID: 9},
	}, {
		name: "raw script stderr",
		line: "no headers, sorry",
		err:  "col 1: not an Apache error log line: no [time]",
	}, {
		name: "nginx line",
		line: `2026/12/01 11:52:52 [error] 15539#15539: *7 open() "/a" failed (13: Permission denied)`,
		err:  "col 1: not an Apache error log line: no [time]",
	}, {
		name: "bad level",
		line: `[Tue Dec 01 13:27:56.123456 2026] [core:fatal] [pid 9] x`,
		want: Entry{Time: at("Tue Dec 01 13:27:56.123456 2026")},
		err:  "col 36: not an Apache error log line: no [module:level]",
	}, {
		name: "bad thread",
		line: `[Tue Dec 01 13:27:56.123456 2026] [core:error] [pid 9:tid -1] x`,
		want: Entry{Time: at("Tue Dec 01 13:27:56.123456 2026"), Module: "core", Level: "error", PID: 9},
		err:  "col 49: not an Apache error log line: bad thread number",
	}, {
		name: "no space after pid",
		line: `[Tue Dec 01 13:27:56.123456 2026] [core:error] [pid 9]x`,
		want: Entry{Time: at("Tue Dec 01 13:27:56.123456 2026"), Module: "core", Level: "error", PID: 9},
		err:  "col 55: no space after [pid]",
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

// render writes the fields of e that are set, one line.
func render(e Entry) string {
	var b strings.Builder
	v := reflect.ValueOf(e)
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if f.IsZero() {
			continue
		}
		switch x := f.Interface().(type) {
		case time.Time:
			fmt.Fprintf(&b, " %s=%s", v.Type().Field(i).Name, x.Format("2006-01-02T15:04:05.000000"))
		case string:
			fmt.Fprintf(&b, " %s=%q", v.Type().Field(i).Name, x)
		default:
			fmt.Fprintf(&b, " %s=%v", v.Type().Field(i).Name, x)
		}
	}
	return strings.TrimSpace(b.String())
}

// TestRealLog reads the log real Apache 2.4.71 wrote (realapache_test.go)
// and compares every entry with testdata/apache-2.4.golden (-update
// rewrites it).
func TestRealLog(t *testing.T) {
	r, c, err := Open(realLog)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var b strings.Builder
	causes := map[Cause]bool{}
	for {
		n, _, e, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Fprintf(&b, "%d: error: %v\n", n, err)
			continue
		}
		causes[e.Cause] = true
		fmt.Fprintf(&b, "%d: %s\n", n, render(e))
	}
	golden := "testdata/apache-2.4.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("entries differ from %s (run with -update and review):\n%s", golden, b.String())
	}
	// Every cause the real server was made to log is recognized.
	for _, c := range []Cause{CauseRequire, CauseAccessCompat, CauseDirIndex, CauseFilePerm, CauseSearch, CauseSymlink,
		CauseHtaccess, CauseHtaccessSyntax, CauseNotRegular, CauseRewriteSymlinks, CauseExecCGI, CauseScriptHeaders, CauseScriptNotFound} {
		if !causes[c] {
			t.Errorf("no line of %s classified as %s", realLog, c)
		}
	}
}

func TestReader(t *testing.T) {
	data, err := os.ReadFile(realLog)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var gz bytes.Buffer
	z := gzip.NewWriter(&gz)
	z.Write(data)
	z.Close()
	long := "[Tue Dec 01 13:27:56 2026] [core:error] [pid 9] " + strings.Repeat("x", MaxLine+10) + "\r\nlast"
	files := map[string][]byte{"error.log": data, "error.log.2.gz": gz.Bytes(), "long.log": []byte(long)}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	read := func(name string) (lines []string, errs []string) {
		r, c, err := Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		for {
			_, line, _, err := r.Next()
			if err == io.EOF {
				return
			}
			var pe *Error
			if errors.As(err, &pe) {
				errs = append(errs, strings.TrimPrefix(err.Error(), dir+"/"))
			} else if err != nil {
				t.Fatal(err)
			}
			lines = append(lines, line)
		}
	}
	plain, plainErrs := read("error.log")
	unz, unzErrs := read("error.log.2.gz")
	if !reflect.DeepEqual(plain, unz) || !reflect.DeepEqual(plainErrs, strings.Split(strings.ReplaceAll(strings.Join(unzErrs, "\n"), ".2.gz", ""), "\n")) {
		t.Errorf("the gzipped log reads differently:\n%q\n%q", plainErrs, unzErrs)
	}
	if want := strings.Count(string(data), "\n"); len(plain) != want {
		t.Errorf("read %d lines, want %d", len(plain), want)
	}
	if want := []string{"error.log:17: col 1: not an Apache error log line: no [time]"}; !reflect.DeepEqual(plainErrs, want) {
		t.Errorf("errors %q, want %q", plainErrs, want)
	}
	lines, errs := read("long.log")
	if len(lines) != 2 || len(lines[0]) != MaxLine || lines[1] != "last" {
		t.Errorf("long line: got %d lines, first %d bytes", len(lines), len(lines[0]))
	}
	if want := []string{"long.log:2: col 1: not an Apache error log line: no [time]"}; !reflect.DeepEqual(errs, want) {
		t.Errorf("errors %q, want %q", errs, want)
	}
	if _, _, err := Open(filepath.Join(dir, "none")); err == nil {
		t.Errorf("Open of a missing file succeeded")
	}
}

func TestNotEntry(t *testing.T) {
	if _, err := ParseLine("hello"); !NotEntry(err) {
		t.Errorf("NotEntry(%v) = false for a line that is no log line", err)
	}
	if _, err := ParseLine("[Tue Dec 01 13:27:56 2026] [core:error] [pid 9]x"); err == nil || NotEntry(err) {
		t.Errorf("NotEntry(%v) = true for a log line with a bad header end", err)
	}
}

func TestCauseString(t *testing.T) {
	for c, want := range map[Cause]string{CauseOther: "other", CauseRequire: "require", CauseNoMap: "no-map", Cause(99): "cause(99)", Cause(-1): "cause(-1)"} {
		if got := c.String(); got != want {
			t.Errorf("Cause(%d).String() = %q, want %q", int(c), got, want)
		}
	}
	if len(causeNames) != int(CauseNoMap)+1 {
		t.Errorf("%d cause names for %d causes", len(causeNames), int(CauseNoMap)+1)
	}
}

func FuzzParseLine(f *testing.F) {
	data, err := os.ReadFile(realLog)
	if err != nil {
		f.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		f.Add(line)
	}
	f.Add(`[Tue Dec 01 13:27:56 2026] [core:error] [pid 9] (13)x: [client ::1:2]`)
	f.Add(`[Tue Dec 01 13:27:56 2026] [core:error] [pid 9] a.c(1): (13`)
	f.Add(`AH00000:`)
	f.Fuzz(func(t *testing.T, line string) {
		e, err := ParseLine(line)
		if err != nil {
			return
		}
		if e.Path != "" && !strings.Contains(e.Message, e.Path) {
			t.Errorf("path %q not in the message %q", e.Path, e.Message)
		}
		if e.Cause != CauseOther && e.Path == "" && e.URI == "" && e.Cause != CauseFastCGI && e.Cause != CauseNoMap {
			t.Errorf("cause %s without path or URI: %q", e.Cause, line)
		}
		if e.Code != "" && !strings.Contains(line, e.Code+":") {
			t.Errorf("code %q not in the line %q", e.Code, line)
		}
		if e.ClientPort < 0 || e.ClientPort > 65535 || e.TID < 0 || e.PID < 0 {
			t.Errorf("bad numbers %+v", e)
		}
	})
}
