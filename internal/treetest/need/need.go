// Package need decides what a test does when the machine lacks what it
// needs (root, Debian's real nginx): it skips with one line naming what is
// missing, or fails when the environment variable UNFORBID_E2E is "1", as
// .ci/run sets it, so that CI cannot pass without running those tests.
package need

import (
	"os"
	"testing"
)

// Env is the environment variable that turns a skip into a failure.
const Env = "UNFORBID_E2E"

// Skip skips t with "skipping: REASON", or fails it when UNFORBID_E2E=1.
// reason says which tests need what, and how to get it, e.g. "real-nginx
// tests need root and /usr/sbin/nginx (apt-get install nginx)".
func Skip(t testing.TB, reason string) {
	t.Helper()
	if os.Getenv(Env) == "1" {
		t.Fatalf("%s (%s=1: these tests must run here)", reason, Env)
	}
	t.Skip("skipping: " + reason)
}

// Root skips (or fails, see Skip) t unless the test runs as root; tests
// names the tests in the message, e.g. "kernel cross-check tests".
func Root(t testing.TB, tests string) {
	t.Helper()
	if os.Geteuid() != 0 {
		Skip(t, tests+" need root (they chown files)")
	}
}
