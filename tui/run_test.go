package tui

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
)

// waitFor waits until the program's output contains s.
func waitFor(t *testing.T, tm *teatest.TestModel, s string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(s)) },
		teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

// TestProgram runs the review as a real bubbletea program (teatest, at
// 80x24): the scan reports progress, the list appears, a fix is
// accepted in the detail view and confirmed.
func TestProgram(t *testing.T) {
	tm := teatest.NewTestModel(t, NewModel(Options{NoColor: true}), teatest.WithInitialTermSize(80, 24))
	tm.Send(progressMsg{Servers: 2, Files: 40, Findings: 3, Done: 1, Total: 2})
	waitFor(t, tm, "servers 2, files 40, findings 3")
	tm.Send(scanDoneMsg{data: testData()})
	waitFor(t, tm, "path-not-traversable")
	tm.Send(keyMsg("enter"))
	waitFor(t, tm, "Trace")
	tm.Send(keyMsg("2"))
	tm.Send(keyMsg("a"))
	waitFor(t, tm, "accepted fix 2")
	tm.Send(keyMsg("x"))
	waitFor(t, tm, "Confirm: 1 fix")
	tm.Send(keyMsg("y"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	m := tm.FinalModel(t).(Model)
	want := Decisions{Fix: map[string]int{"f1": 1}, Meant: map[string]string{}, Apply: true}
	if got := m.Decisions(); got.Apply != want.Apply || got.Write != want.Write || len(got.Fix) != 1 || got.Fix["f1"] != 1 || len(got.Meant) != 0 {
		t.Errorf("decisions = %+v, want %+v", got, want)
	}
}

// TestProgramQuit checks that q ends the program with nothing decided.
func TestProgramQuit(t *testing.T) {
	tm := teatest.NewTestModel(t, NewReview(testData(), Options{NoColor: true}), teatest.WithInitialTermSize(80, 24))
	waitFor(t, tm, "deny-all")
	tm.Send(keyMsg("A"))
	waitFor(t, tm, "accepted 2 safe fixes")
	tm.Type("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	d := tm.FinalModel(t).(Model).Decisions()
	if d.Apply || d.Write || len(d.Fix) != 0 || len(d.Meant) != 0 {
		t.Errorf("decisions after q = %+v", d)
	}
}

// blockingScan returns a Scan that reports once and then waits for done.
func blockingScan(done <-chan struct{}) func(func(Progress)) (Data, error) {
	return func(progress func(Progress)) (Data, error) {
		progress(Progress{Servers: 1})
		<-done
		return Data{}, nil
	}
}

func TestRunCancel(t *testing.T) {
	done := make(chan struct{})
	defer close(done)
	_, err := RunWith(Options{NoColor: true, Scan: blockingScan(done)},
		tea.WithInput(strings.NewReader("\x03")), tea.WithOutput(io.Discard), tea.WithoutSignalHandler())
	if !errors.Is(err, ErrCanceled) {
		t.Errorf("Run after ctrl+c: err = %v, want ErrCanceled", err)
	}
}

func TestRunScanError(t *testing.T) {
	boom := errors.New("nginx.conf:3: unknown directive")
	pr, pw := io.Pipe()
	defer pw.Close()
	_, err := RunWith(Options{NoColor: true, Scan: func(func(Progress)) (Data, error) { return Data{}, boom }},
		tea.WithInput(pr), tea.WithOutput(io.Discard), tea.WithoutSignalHandler())
	if !errors.Is(err, boom) {
		t.Errorf("Run with a failing scan: err = %v, want %v", err, boom)
	}
	if _, err := Run(Options{}); err == nil {
		t.Errorf("Run without Scan: no error")
	}
}
