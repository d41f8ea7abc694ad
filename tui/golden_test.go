package tui

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
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
