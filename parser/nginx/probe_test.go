package nginx

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestProbeNginx compares the directive checks with real nginx -t: every
// directive of crossplane's nginx 1.24 table in every http context the
// checks know, then, where nginx accepts it, with 0 to 4 arguments. It
// runs nginx about 8,000 times (a minute or two), so only when
// UNFORBID_PROBE_NGINX is set; run it after upgrading crossplane or nginx.
// Directives nginx does not know (modules not loaded) are skipped.
func TestProbeNginx(t *testing.T) {
	if os.Getenv("UNFORBID_PROBE_NGINX") == "" {
		t.Skip("set UNFORBID_PROBE_NGINX=1 to compare the directive checks with /usr/sbin/nginx -t")
	}
	names := ossNames(t)
	root := t.TempDir()
	conf := filepath.Join(root, "etc/nginx/nginx.conf")
	if err := os.MkdirAll(filepath.Dir(conf), 0o755); err != nil {
		t.Fatal(err)
	}
	emerg := regexp.MustCompile(`\[emerg\] [0-9#]+: (.*) in /`)
	// try returns what nginx -t and Load say of text, classified.
	try := func(text string) (nginx, ours, msg string) {
		if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		out, _ := exec.Command("/usr/sbin/nginx", "-t", "-c", conf, "-p", root+"/",
			"-g", "pid "+root+"/nginx.pid; error_log stderr;").CombinedOutput()
		if m := emerg.FindStringSubmatch(string(out)); m != nil {
			msg = m[1]
		}
		ourMsg := ""
		if _, err := Load("/etc/nginx/nginx.conf", Options{Root: root}); err != nil {
			ourMsg = err.Error()
		}
		return classify(msg), classify(ourMsg), msg + " / " + ourMsg
	}
	ctxs := []string{"", "events", "http", "http>server", "http>location", "http>server>if",
		"http>location>if", "http>location>limit_except", "http>upstream"}
	config := func(ctx, name string, nargs int, mask uint) string {
		args := strings.Repeat(" x", nargs)
		if mask&confFlag != 0 && nargs == 1 {
			args = " on"
		}
		s := name + args + ";\n"
		if mask&0x100 != 0 { // ngxConfBlock
			s = name + args + " {\n}\n"
		}
		w := wrappers[ctx]
		pre := "events {}\n"
		if ctx == "events" || name == "events" {
			pre = ""
		}
		return pre + w + s + strings.Repeat("}\n", strings.Count(w, "{"))
	}
	checked := 0
	for _, name := range names {
		if name == "include" || name == "if" {
			continue // need a file, a condition
		}
		masks, _ := matchOss(name)
		var mask uint
		for _, m := range masks {
			mask |= m
		}
		n := 0
		switch {
		case mask&(0x2|confFlag|0x1000) != 0: // TAKE1, FLAG, 1MORE
			n = 1
		case mask&(0x4|0x2000) != 0: // TAKE2, 2MORE
			n = 2
		case mask&0x8 != 0:
			n = 3
		case mask&0x10 != 0:
			n = 4
		}
		okCtx := -1
		for i, ctx := range ctxs {
			nginx, ours, msg := try(config(ctx, name, n, mask))
			if nginx == "unknown" {
				break
			}
			checked++
			if nginx != ours {
				t.Errorf("%s in %q: nginx -t / Load: %s", name, ctx, msg)
			}
			if nginx == "ok" && okCtx < 0 {
				okCtx = i
			}
		}
		if okCtx < 0 {
			continue
		}
		for k := 0; k <= 4; k++ {
			if k == n {
				continue
			}
			checked++
			if nginx, ours, msg := try(config(ctxs[okCtx], name, k, mask)); nginx != ours {
				t.Errorf("%s with %d arguments in %q: nginx -t / Load: %s", name, k, ctxs[okCtx], msg)
			}
		}
	}
	t.Logf("%d directives, %d configs compared", len(names), checked)
}

// classify names the kind of an error message of nginx -t or Load; "ok"
// for none or one the checks do not make (a bad value, say).
func classify(msg string) string {
	switch {
	case msg == "":
		return "ok"
	case strings.Contains(msg, "unknown directive"):
		return "unknown"
	case strings.Contains(msg, "is not allowed here"):
		return "context"
	case strings.Contains(msg, "invalid number of arguments"):
		return "arguments"
	case strings.Contains(msg, "is not terminated by"), strings.Contains(msg, "has no opening"):
		return "block"
	case strings.Contains(msg, `it must be "on" or "off"`):
		return "flag"
	}
	return "ok"
}
