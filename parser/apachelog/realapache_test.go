package apachelog

import (
	"flag"
	"os"
	"testing"

	"github.com/unforbid/unforbid/internal/layout"
	"github.com/unforbid/unforbid/internal/realapache"
)

// regen makes TestRegenerateRealLog run Debian's real apache2 and rewrite
// testdata/apache-2.4.log. It must run under the shared lock:
//
//	flock /tmp/unforbid-e2e.lock go test -count=1 -run TestRegenerateRealLog -regen ./parser/apachelog/
var regen = flag.Bool("regen", false, "run real Apache and rewrite testdata/apache-2.4.log")

// realLog is the golden input: lines real Apache 2.4 wrote for the requests
// of TestRegenerateRealLog.
const realLog = "testdata/apache-2.4.log"

// logTree is the tree on which Apache writes the messages of the causes
// unforbid explains; the root package's explain --log tests read it too.
const logTree = "testdata/apache-2.4.txtar"

// TestRegenerateRealLog runs real Apache on logTree, sends the requests
// below and keeps the error log Apache wrote as testdata/apache-2.4.log.
// It runs only with -regen.
func TestRegenerateRealLog(t *testing.T) {
	if !*regen {
		t.Skip("run with -regen (under flock /tmp/unforbid-e2e.lock) to rewrite " + realLog)
	}
	if err := realapache.Available(); err != nil {
		t.Fatal(err)
	}
	tr, err := layout.ReadFile(logTree)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := tr.Materialize(dir); err != nil {
		t.Fatal(err)
	}
	s, err := realapache.Start(dir, "", []int{18490})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	for _, r := range []struct {
		path, ip, referer string
		want              int
	}{
		{"/ok.html", "", "", 200},
		{"/local/a.html", "127.0.0.2", "", 403},
		{"/local/a.html", "::1", "http://example.test/page?q=1", 403},
		{"/compat/a.html", "", "", 403},
		{"/noindex/", "", "", 403},
		{"/f600.html", "", "", 403},
		{"/closed/a.html", "", "", 403},
		{"/nolinks/link.html", "", "", 403},
		{"/nolinks/dangling.html", "", "", 403},
		{"/ht/unreadable/a.html", "", "", 403},
		{"/ht/bad/a.html", "", "", 500},
		{"/ht/notfile/a.html", "", "", 403},
		{"/rw/x", "", "", 403},
		{"/scripts/s.cgi", "", "", 403},
		{"/cgi-bin/fail.cgi", "", "", 500},
		{"/cgi-bin/missing.cgi", "", "", 404},
		{"/missing.html", "", "", 404},
	} {
		var h []map[string]string
		if r.referer != "" {
			h = append(h, map[string]string{"Referer": r.referer})
		}
		got, err := s.Do("GET", 18490, "localhost", r.path, r.ip, h...)
		if err != nil {
			t.Fatalf("GET %s: %v", r.path, err)
		}
		if got != r.want {
			t.Errorf("GET %s from %q = %d, want %d", r.path, r.ip, got, r.want)
		}
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(realLog, []byte(s.ErrorLog()), 0o644); err != nil {
		t.Fatal(err)
	}
}
