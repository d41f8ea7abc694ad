package tui

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// updating reports whether -update was given: the flag is defined by
// teatest's golden package, which this test binary links.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// checkGolden compares got with testdata/name.golden (or rewrites it with
// -update).
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if updating() {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./tui/ -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s (go test ./tui/ -update rewrites it):\ngot:\n%s\nwant:\n%s", name, path, got, want)
	}
}

// explainOptions returns Options whose Explain prints a fixed trace.
func explainOptions() Options {
	return Options{NoColor: true, Explain: func(url string) (string, error) {
		return "GET " + url + "\n" +
			"  server a.example (/etc/nginx/sites-enabled/a:1)\n" +
			"  location / (/etc/nginx/sites-enabled/a:3)\n" +
			"  root /srv/a/www (/etc/nginx/sites-enabled/a:4)\n" +
			"  open /srv/a/www/index.html: /srv/a is drwx------ root:root\n" +
			"=> 403 Forbidden", nil
	}}
}

func TestGoldenViews(t *testing.T) {
	size := tea.WindowSizeMsg{Width: 80, Height: 24}
	tests := []struct {
		name  string
		model func() Model
		steps []any
	}{
		{"scan", func() Model { return NewModel(Options{NoColor: true}) },
			[]any{size, progressMsg{Servers: 3, Files: 1204, Findings: 2, Done: 1, Total: 3}}},
		{"scan-unknown-total", func() Model { return NewModel(Options{NoColor: true}) },
			[]any{size, progressMsg{Servers: 1, Files: 17}}},
		{"list", func() Model { return NewReview(testData(), Options{NoColor: true}) },
			[]any{size, "down", "a"}},
		{"list-intended", func() Model { return NewReview(testData(), Options{NoColor: true}) },
			[]any{size, "i", "G"}},
		{"list-filter", func() Model { return NewReview(testData(), Options{NoColor: true}) },
			[]any{size, "/", typed("b.example")}},
		{"list-empty", func() Model {
			return NewReview(Data{Title: "nginx.conf", Notes: []string{"/srv/c: permission denied"}}, Options{NoColor: true})
		}, []any{size}},
		{"detail", func() Model { return NewReview(testData(), Options{NoColor: true}) },
			[]any{size, "enter"}},
		{"detail-alt2-accepted", func() Model { return NewReview(testData(), Options{NoColor: true}) },
			[]any{size, "enter", "2", "a"}},
		{"detail-diff", func() Model { return NewReview(testData(), Options{NoColor: true}) },
			[]any{size, "end", "enter"}},
		{"detail-meant-prompt", func() Model { return NewReview(testData(), Options{NoColor: true}) },
			[]any{size, "enter", "m", typed("staging")}},
		{"confirm", func() Model { return NewReview(testData(), Options{NoColor: true}) },
			[]any{size, "A", "end", "m", typed("admin is internal only"), "enter", "x"}},
		{"confirm-nothing", func() Model { return NewReview(testData(), Options{NoColor: true}) },
			[]any{size, "x"}},
		{"help", func() Model { return NewReview(testData(), Options{NoColor: true}) },
			[]any{size, "?"}},
		{"help-detail", func() Model { return NewReview(testData(), Options{NoColor: true}) },
			[]any{size, "enter", "?"}},
		{"list-resized", func() Model { return NewReview(testData(), Options{NoColor: true}) },
			[]any{size, tea.WindowSizeMsg{Width: 60, Height: 12}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := drive(t, tt.model(), tt.steps...)
			view := m.View()
			checkSize(t, view, m.width, m.height)
			checkGolden(t, tt.name, view)
		})
	}
}

func TestGoldenExplain(t *testing.T) {
	var tm tea.Model = drive(t, NewReview(testData(), explainOptions()),
		tea.WindowSizeMsg{Width: 80, Height: 24}, "enter", "e")
	tm, cmd := tm.Update(keyMsg("enter")) // the finding's URL is proposed
	tm, _ = tm.Update(cmd())
	m := tm.(Model)
	checkSize(t, m.View(), 80, 24)
	checkGolden(t, "explain", m.View())
}

// checkSize checks that a view fills exactly w columns at most and h lines.
func checkSize(t *testing.T, view string, w, h int) {
	t.Helper()
	lines := strings.Split(view, "\n")
	if len(lines) != h {
		t.Errorf("view has %d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if n := len([]rune(l)); n > w {
			t.Errorf("line %d is %d wide, more than %d: %q", i+1, n, w, l)
		}
	}
}

// longData is a review with more findings than fit on a screen.
func longData() Data {
	d := Data{Title: "nginx.conf", Notes: []string{"/srv/private: permission denied while walking"}}
	for i := range 30 {
		sev := []string{"error", "warning", "info"}[i%3]
		d.Findings = append(d.Findings, Finding{
			ID: fmt.Sprintf("f%02d", i), Rule: "rule-" + sev, Severity: sev,
			Server:  fmt.Sprintf("s%d.example", i%4),
			Message: fmt.Sprintf("finding number %d", i), Location: fmt.Sprintf("site:%d", i+1),
		})
	}
	return d
}

func TestGoldenScroll(t *testing.T) {
	size := tea.WindowSizeMsg{Width: 80, Height: 24}
	tests := []struct {
		name  string
		steps []any
	}{
		{"list-pgdown", []any{size, "pgdown"}},
		{"list-bottom", []any{size, "G"}},
		{"list-bottom-up", []any{size, "G", "pgup", "k"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := drive(t, NewReview(longData(), Options{NoColor: true}), tt.steps...)
			view := m.View()
			checkSize(t, view, 80, 24)
			if !strings.Contains(view, "> ") {
				t.Errorf("the cursor is not on screen:\n%s", view)
			}
			checkGolden(t, tt.name, view)
		})
	}
}

func TestDiffColors(t *testing.T) {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.ANSI)
	m := NewReview(testData(), Options{})
	m.st = stylesOf(r)
	for line, want := range map[string]string{
		"+  allow all;": "\x1b[32m", "-  deny all;": "\x1b[31m", "@@ -1 +1 @@": "\x1b[36m",
	} {
		if got := m.diffLine(line); !strings.Contains(got, want) || !strings.Contains(got, line) {
			t.Errorf("diffLine(%q) = %q, want color %q", line, got, want)
		}
	}
	plain := NewReview(testData(), Options{NoColor: true})
	for _, line := range []string{"+a", "-b", "@@ -1 +1 @@", "--- a/x"} {
		if got := plain.diffLine(line); got != line {
			t.Errorf("NoColor diffLine(%q) = %q", line, got)
		}
	}
	if v := drive(t, plain, tea.WindowSizeMsg{Width: 80, Height: 24}, "end", "enter").View(); strings.Contains(v, "\x1b[") {
		t.Errorf("NoColor view has escape sequences:\n%q", v)
	}
}
