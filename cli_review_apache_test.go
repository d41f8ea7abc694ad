package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/unforbid/unforbid/tui"
)

// screenBuffer collects what the program draws; safe for concurrent use.
type screenBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write adds p to the screen (io.Writer).
func (s *screenBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

// String returns all that was drawn.
func (s *screenBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// waitScreen waits until the screen holds want, at most 10 seconds.
func (s *screenBuffer) waitScreen(want string) error {
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if strings.Contains(s.String(), want) {
			return nil
		}
	}
	return fmt.Errorf("the screen never shows %q", want)
}

// TestReviewApacheProgram reviews an Apache tree in the real bubbletea
// program, its keys typed on its input as a user types them (teatest
// itself cannot be linked into this package: its -update flag is
// main_test.go's): the scan of the tree's config lists its finding, the
// detail view shows its trace and fixes, the first fix is accepted and applied, on a
// copy of the tree laid out in a temporary directory, through the --apply
// code (journal; the host's apache2 -t on the tree's config when
// installed); --undo gives every byte back.
func TestReviewApacheProgram(t *testing.T) {
	text, err := os.ReadFile(filepath.Join("testdata", "trees", "apache-fix-index.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	dir := treeOnDisk(t, "apache-fix-index.txtar", text)
	before := snapshotTree(t, dir)
	prevI, prevR := interactive, runReview
	interactive = func(io.Writer) bool { return true }
	t.Cleanup(func() { interactive, runReview = prevI, prevR })
	screen := &screenBuffer{}
	typed := make(chan error, 1)
	runReview = func(opts tui.Options) (tui.Decisions, error) {
		opts.NoColor = true
		keys, typer := io.Pipe()
		defer typer.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		go func() {
			for _, step := range []struct{ see, key string }{
				{"directory-index-missing", "\r"}, // open the finding
				{"showing fix 1 of 2", "a"},       // its first fix, the safe one: accept it
				{"accepted fix 1", "x"},           // apply
				{"Confirm: 1 fix", "y"},           // confirm
			} {
				if err := screen.waitScreen(step.see); err != nil {
					typed <- err
					cancel()
					return
				}
				if _, err := typer.Write([]byte(step.key)); err != nil {
					typed <- err
					return
				}
			}
			typed <- nil
		}()
		return tui.RunWith(opts, tea.WithInput(keys), tea.WithOutput(screen), tea.WithoutSignalHandler(), tea.WithContext(ctx))
	}
	code, out, errOut := runCLI(t, "--root", dir, "/etc/apache2/apache2.conf")
	if err := <-typed; err != nil {
		t.Fatalf("%v; screen:\n%s", err, screen)
	}
	if code != exitClean {
		t.Fatalf("exit %d; stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "fixed: /etc/apache2/apache2.conf:") || !strings.Contains(out, "[apache/directory-index-missing]") || !strings.Contains(errOut, "1 fix applied") {
		t.Errorf("the result is not shown; stdout:\n%s\nstderr:\n%s", out, errOut)
	}
	after := snapshotTree(t, dir)
	const conf = "etc/apache2/apache2.conf"
	if !strings.Contains(after[conf], "<Directory /srv/docs/manual>\n        DirectoryIndex index.html index.htm\n    </Directory>") {
		t.Errorf("%s after the review:\n%s", conf, after[conf])
	}
	for k, v := range before {
		if k != conf && after[k] != v {
			t.Errorf("%s changed; the accepted fix touches only %s", k, conf)
		}
	}
	if code, _, errOut := runCLI(t, "--undo", "--root", dir); code != exitClean {
		t.Fatalf("--undo: exit %d; stderr:\n%s", code, errOut)
	}
	sameTree(t, "after --undo", before, snapshotTree(t, dir))
}
