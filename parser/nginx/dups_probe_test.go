package nginx

import (
	"bytes"
	"fmt"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// TestProbeDuplicates measures which directives nginx -t refuses when given
// twice in one block, and writes the table to duplicates_gen.go. For every
// directive of crossplane's nginx 1.24 table it finds a context (from
// crossplane's mask) and arguments nginx -t accepts with the directive
// given once, then gives it twice and looks for nginx's "is duplicate".
// It runs nginx -t some 10,000 times, so only when UNFORBID_PROBE_NGINX is
// set:
//
//	UNFORBID_PROBE_NGINX=1 go test -run TestProbeDuplicates ./parser/nginx/
//
// Run it after upgrading nginx or crossplane, and commit the new table.
// Directives nginx does not know (modules not loaded) and those for which
// no accepted arguments were found are listed in the file, unchecked.
func TestProbeDuplicates(t *testing.T) {
	if os.Getenv("UNFORBID_PROBE_NGINX") == "" {
		t.Skip("set UNFORBID_PROBE_NGINX=1 to measure the duplicate table with /usr/sbin/nginx -t")
	}
	names := ossNames(t)
	root := t.TempDir()
	conf := filepath.Join(root, "etc/nginx/nginx.conf")
	if err := os.MkdirAll(filepath.Dir(conf), 0o755); err != nil {
		t.Fatal(err)
	}
	emerg := regexp.MustCompile(`\[emerg\] [0-9#]+: (.*) in /\S+:(\d+)`)
	runs := 0
	// try returns nginx -t's first emergency message on text and its line
	// ("" when it accepts the text).
	try := func(name, text string) (msg, line string) {
		runs++
		if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		g := "pid " + root + "/nginx.pid; error_log stderr;"
		switch name { // nginx refuses these twice: -g gives them once
		case "pid":
			g = "error_log stderr;"
		case "error_log":
			g = "pid " + root + "/nginx.pid;"
		}
		out, _ := exec.Command("/usr/sbin/nginx", "-t", "-q", "-c", conf, "-p", root+"/", "-g", g).CombinedOutput()
		if m := emerg.FindStringSubmatch(string(out)); m != nil {
			return m[1], m[2]
		}
		if bytes.Contains(out, []byte("[emerg]")) {
			return string(out), ""
		}
		return "", ""
	}
	ctxs := []struct {
		key  string
		mask uint
	}{
		{"", 0x00040000}, {"events", 0x00080000}, {"http", 0x02000000},
		{"http>server", 0x04000000}, {"http>location", 0x08000000},
		{"http>upstream", 0x10000000}, {"http>server>if", 0x20000000},
		{"http>location>if", 0x40000000}, {"http>location>limit_except", 0x80000000},
	}
	// config is text with the directive line stmt count times in ctx.
	config := func(ctx, name, stmt string, count int) string {
		w := probeWrap(ctx)
		pre := "events {}\n"
		if ctx == "events" || name == "events" {
			pre = ""
		}
		return pre + w + strings.Repeat(stmt, count) + strings.Repeat("}\n", strings.Count(w, "{"))
	}
	values := []string{"x", "on", "1", "1s", "1k", "off", "/tmp/x", "127.0.0.1:1", "http://127.0.0.1",
		"$uri", "GET", "none", "any", "text/html", "a=b", "^/a", "a", "/", "=404", "all", "0"}
	var refused, unknown, unprobed, other []string
	for _, name := range names {
		if name == "include" || name == "if" {
			continue // need a file, a condition; nginx accepts repeats of both
		}
		masks, _ := matchOss(name)
		var mask uint
		for _, m := range masks {
			mask |= m
		}
		// Argument lists to try in a context: probeArgs first, then each
		// value repeated for every count a mask of that context allows.
		argLists := func(ctxMask uint) []string {
			var out []string
			if a, ok := probeArgs[name]; ok {
				out = append(out, a)
			}
			for k := 0; k <= 3; k++ {
				if !slices.ContainsFunc(masks, func(m uint) bool { return m&ctxMask != 0 && takes(m, k) }) {
					continue
				}
				if k == 0 {
					out = append(out, "")
					continue
				}
				for _, v := range values {
					out = append(out, strings.TrimSpace(strings.Repeat(" "+v, k)))
				}
			}
			return out
		}
		stmtOf := func(args string) string {
			s := name
			if args != "" {
				s += " " + args
			}
			if mask&0x100 != 0 {
				return s + " {\n}\n"
			}
			return s + ";\n"
		}
		found, isUnknown := false, false
	search:
		for _, c := range ctxs {
			if mask&c.mask == 0 {
				continue
			}
			for _, args := range argLists(c.mask) {
				msg, _ := try(name, config(c.key, name, stmtOf(args), 1))
				if strings.Contains(msg, "unknown directive") {
					isUnknown = true
					break search
				}
				if msg != "" {
					continue
				}
				found = true
				text := config(c.key, name, stmtOf(args), 2)
				msg, line := try(name, text)
				wantLine := fmt.Sprint(strings.Count(text, "\n") - strings.Count(probeWrap(c.key), "{") - strings.Count(stmtOf(args), "\n") + 1)
				switch {
				case msg == fmt.Sprintf("%q directive is duplicate", name) && line == wantLine:
					refused = append(refused, name)
				case msg != "":
					other = append(other, fmt.Sprintf("%s (%s in %q): %s at line %s", name, stmtOf(args)[:len(stmtOf(args))-1], c.key, msg, line))
				}
				break search
			}
		}
		switch {
		case isUnknown:
			unknown = append(unknown, name)
		case !found:
			unprobed = append(unprobed, name)
		}
	}
	t.Logf("%d directives, %d runs of nginx -t: %d refuse a duplicate, %d unknown to nginx, %d unprobed",
		len(names), runs, len(refused), len(unknown), len(unprobed))
	for _, o := range other {
		t.Logf("twice, refused otherwise: %s", o)
	}
	writeDuplicateTable(t, refused, unknown, unprobed)
}

// probeArgs are arguments nginx accepts for directives none of the
// probe's plain values fit; they only help the search, the table records
// what nginx -t says.
var probeArgs = map[string]string{
	"proxy_cache_path":        "/tmp/c keys_zone=z1:1m",
	"fastcgi_cache_path":      "/tmp/c keys_zone=z2:1m",
	"scgi_cache_path":         "/tmp/c keys_zone=z3:1m",
	"uwsgi_cache_path":        "/tmp/c keys_zone=z4:1m",
	"limit_req_zone":          "$binary_remote_addr zone=z5:1m rate=1r/s",
	"limit_conn_zone":         "$binary_remote_addr zone=z6:1m",
	"keyval_zone":             "zone=z7:1m",
	"ssl_session_cache":       "shared:S:1m",
	"log_format":              "f x",
	"open_file_cache":         "max=10",
	"error_page":              "404 /x",
	"return":                  "404",
	"geo":                     "$g",
	"map":                     "$uri $m",
	"split_clients":           "$uri $s",
	"match":                   "m",
	"upstream":                "u1",
	"location":                "/x",
	"types_hash_max_size":     "1024",
	"auth_basic_user_file":    "/etc/hostname",
	"secure_link_md5":         "x",
	"listen":                  "127.0.0.1:1",
	"add_header":              "a b",
	"add_trailer":             "a b",
	"expires":                 "1h",
	"keepalive_timeout":       "1s",
	"image_filter":            "off",
	"gzip_types":              "text/css",
	"sub_filter":              "a b",
	"valid_referers":          "none",
	"ssl_protocols":           "TLSv1.2",
	"worker_rlimit_nofile":    "1024",
	"worker_priority":         "0",
	"working_directory":       "/tmp",
	"env":                     "A",
	"user":                    "www-data",
	"set":                     "$v x",
	"auth_request_set":        "$v $uri",
	"charset_map":             "a b",
	"dav_access":              "user:rw",
	"fastcgi_store_access":    "user:rw",
	"proxy_store_access":      "user:rw",
	"scgi_store_access":       "user:rw",
	"uwsgi_store_access":      "user:rw",
	"fastcgi_ignore_headers":  "X-Accel-Expires",
	"proxy_ignore_headers":    "X-Accel-Expires",
	"grpc_ignore_headers":     "X-Accel-Expires",
	"scgi_ignore_headers":     "X-Accel-Expires",
	"uwsgi_ignore_headers":    "X-Accel-Expires",
	"fastcgi_split_path_info": "^(.+)(/.*)$",
	"gzip_http_version":       "1.0",
	"proxy_http_version":      "1.1",
	"limit_conn_status":       "503",
	"limit_req_status":        "503",
	"limit_conn_log_level":    "info",
	"limit_req_log_level":     "info",
	"memcached_pass":          "127.0.0.1:1",
	"autoindex_format":        "html",
	"zone":                    "zu 64k",
	"grpc_ssl_protocols":      "TLSv1.2",
	"proxy_ssl_protocols":     "TLSv1.2",
	"uwsgi_ssl_protocols":     "TLSv1.2",
	"grpc_ssl_password_file":  "/etc/hostname",
	"proxy_ssl_password_file": "/etc/hostname",
	"uwsgi_ssl_password_file": "/etc/hostname",
	"ssl_password_file":       "/etc/hostname",
	"pid":                     "/tmp/p.pid",
	"lock_file":               "/tmp/l",
	"thread_pool":             "p threads=1",
	"use":                     "epoll",
	"debug_connection":        "127.0.0.1",
	"timer_resolution":        "1s",
	"aio":                     "off",
	"directio":                "off",
	"satisfy":                 "all",
	"limit_rate":              "1k",
	"resolver":                "127.0.0.1",
	"proxy_set_header":        "a b",
	"fastcgi_param":           "a b",
}

// probeWrap is the wrapper of context ctx; an upstream needs a server.
func probeWrap(ctx string) string {
	if ctx == "http>upstream" {
		return wrappers[ctx] + "server 127.0.0.1:1;\n"
	}
	return wrappers[ctx]
}

// takes reports whether a directive of mask takes k arguments.
func takes(mask uint, k int) bool {
	switch {
	case mask&0x800 != 0: // any
		return true
	case mask&0x2000 != 0: // 2more
		return k >= 2
	case mask&0x1000 != 0: // 1more
		return k >= 1
	case mask&0x400 != 0: // flag
		return k == 1
	}
	return mask&(1<<k) != 0
}

// ossNames lists the directives of crossplane's nginx 1.24 table, sorted.
func ossNames(t *testing.T) []string {
	t.Helper()
	dir, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/nginxinc/nginx-go-crossplane").Output()
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(dir)), "analyze_oss_124_directives.gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range regexp.MustCompile(`(?m)^\s*"([a-z0-9_]+)": \{`).FindAllStringSubmatch(string(src), -1) {
		names = append(names, m[1])
	}
	sort.Strings(names)
	return names
}

// writeDuplicateTable writes duplicates_gen.go.
func writeDuplicateTable(t *testing.T, refused, unknown, unprobed []string) {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("// Code generated by TestProbeDuplicates (UNFORBID_PROBE_NGINX=1 go test -run TestProbeDuplicates ./parser/nginx/); DO NOT EDIT.\n\npackage nginx\n\n")
	fmt.Fprintf(&b, "// singular holds the %d directives nginx 1.22 -t refuses when given twice in\n", len(refused))
	b.WriteString("// one block (\"\\\"root\\\" directive is duplicate\"), as measured by\n// TestProbeDuplicates.\n")
	if len(unknown) > 0 {
		b.WriteString("//\n// Not measured, unknown to the nginx probed (modules not loaded):\n")
		wrapNames(&b, unknown)
	}
	if len(unprobed) > 0 {
		b.WriteString("//\n// Not measured, no arguments found that nginx -t accepts once:\n")
		wrapNames(&b, unprobed)
	}
	b.WriteString("var singular = map[string]bool{\n")
	for _, n := range refused {
		fmt.Fprintf(&b, "\t%q: true,\n", n)
	}
	b.WriteString("}\n")
	src, err := format.Source(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("duplicates_gen.go", src, 0o644); err != nil {
		t.Fatal(err)
	}
}

// wrapNames writes names as comment lines of at most 80 columns.
func wrapNames(b *bytes.Buffer, names []string) {
	line := "//"
	for _, n := range names {
		if len(line)+1+len(n) > 78 {
			b.WriteString(line + "\n")
			line = "//"
		}
		line += " " + n
	}
	b.WriteString(line + "\n")
}
