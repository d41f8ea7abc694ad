package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tmuxTree has one finding with a config fix: docs/ holds index.htm,
// which the index directive does not list.
const tmuxTree = `-- etc/nginx/nginx.conf --
user www-data;
events {}
http {
    server {
        listen 127.0.0.1:8080;
        server_name site.test;
        root /srv/www;
        index index.html;
    }
}
-- srv/www/index.html --
home
-- srv/www/docs/index.htm --
docs
`

// tmuxSession is the real binary running in a detached tmux session of
// 80x24 on a private tmux server.
type tmuxSession struct {
	t    *testing.T
	sock string
}

// startTmux builds unforbid and runs it with args in a new tmux session;
// when it exits, the shell prints whether the terminal is back in
// canonical mode with echo, then its exit status (last, so that waiting
// for "exit N" sees both), then waits.
func startTmux(t *testing.T, bin string, args ...string) *tmuxSession {
	t.Helper()
	s := &tmuxSession{t: t, sock: filepath.Join(t.TempDir(), "tmux.sock")}
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	script := "'" + bin + "' " + strings.Join(quoted, " ") +
		`; rc=$?; stty -a | tr ' ;' '\n\n' | grep -x -e -icanon -e -echo -e icanon -e echo | tr '\n' ' '; echo; echo "exit $rc"; sleep 120`
	s.tmux("new-session", "-d", "-x", "80", "-y", "24", "-s", "review",
		"env", "NO_COLOR=1", "TERM=xterm-256color", "UNFORBID_STATE_DIR="+os.Getenv("UNFORBID_STATE_DIR"), "sh", "-c", script)
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", s.sock, "kill-server").Run() })
	return s
}

// tmux runs one tmux command on the session's server.
func (s *tmuxSession) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", s.sock}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// keys sends keys (tmux key names: Enter, Escape, q...).
func (s *tmuxSession) keys(keys ...string) {
	s.t.Helper()
	s.tmux(append([]string{"send-keys", "-t", "review"}, keys...)...)
}

// waitFor waits until the screen shows want, and returns the screen.
func (s *tmuxSession) waitFor(want string) string {
	s.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		screen := s.tmux("capture-pane", "-p", "-t", "review")
		if strings.Contains(screen, want) {
			return screen
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the screen never showed %q; it shows:\n%s", want, screen)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestReviewInTmux runs the real binary in tmux: the finding appears,
// Enter shows its diff, accepting and confirming applies the fix to a
// temporary tree (checked on disk); in a second run, q exits without
// changing anything and leaves the terminal as it was.
func TestReviewInTmux(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed: the end-to-end test of the review is skipped (.ci/run installs it)")
	}
	if testing.Short() {
		t.Skip("-short: the review's end-to-end test builds the binary and drives it in tmux")
	}
	dir := treeOnDisk(t, "tmux.txtar", []byte(tmuxTree))
	bin := filepath.Join(t.TempDir(), "unforbid")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	conf := filepath.Join(dir, "etc/nginx/nginx.conf")
	before, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("quit", func(t *testing.T) {
		s := startTmux(t, bin, "--root", dir, "/etc/nginx/nginx.conf")
		s.waitFor("nginx/index-missing")
		s.keys("q")
		screen := s.waitFor("exit 0")
		if !strings.Contains(screen, "nothing changed") {
			t.Errorf("no \"nothing changed\" after q:\n%s", screen)
		}
		if !strings.Contains(screen, "icanon echo") {
			t.Errorf("the terminal is not restored (canonical mode and echo):\n%s", screen)
		}
		if after, _ := os.ReadFile(conf); string(after) != string(before) {
			t.Errorf("q changed the config:\n%s", after)
		}
	})

	t.Run("apply", func(t *testing.T) {
		s := startTmux(t, bin, "--root", dir, "/etc/nginx/nginx.conf")
		s.waitFor("nginx/index-missing")
		s.keys("Enter")
		s.waitFor("GET http://site.test:8080/docs/ from ")
		s.keys("1") // scrolls the detail to its first fix
		s.waitFor("+        index index.html index.htm;")
		s.keys("a")
		s.keys("x")
		s.waitFor("Confirm: 1 fix")
		s.keys("y")
		screen := s.waitFor("exit 0")
		if !strings.Contains(screen, "fixed: /etc/nginx/nginx.conf:8: add index.htm") {
			t.Errorf("the result is not shown:\n%s", screen)
		}
		after, err := os.ReadFile(conf)
		if err != nil || !strings.Contains(string(after), "    index index.html index.htm;\n") {
			t.Errorf("the fix is not on disk: %v\n%s", err, after)
		}
	})
}
