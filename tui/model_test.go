package tui

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// testData is a small review: two errors and a warning on two servers,
// and one intended refusal.
func testData() Data {
	return Data{
		Title: "/etc/nginx/nginx.conf (nginx, workers run as www-data)",
		Findings: []Finding{
			{
				ID: "f1", Rule: "path-not-traversable", Severity: "error", Server: "a.example",
				Message:  "www-data cannot enter /srv/a: the directory lacks o+x",
				Location: "/etc/nginx/sites-enabled/a:4", Path: "/srv/a", URL: "http://a.example/index.html",
				Count: 12,
				Trace: []string{
					"server a.example (/etc/nginx/sites-enabled/a:1)",
					"location / (/etc/nginx/sites-enabled/a:3)",
					"root /srv/a/www (/etc/nginx/sites-enabled/a:4)",
					"open /srv/a/www/index.html: /srv/a is drwx------ root:root: 403",
				},
				Related: []string{"/etc/nginx/nginx.conf:60: include /etc/nginx/sites-enabled/*"},
				Fixes: []Fix{
					{Description: "let others enter /srv/a", Class: "safe", Commands: []string{"chmod o+x /srv/a"}},
					{Description: "let www-data alone enter /srv/a", Class: "review", Commands: []string{"setfacl -m u:www-data:x /srv/a"}},
				},
				CanSuppress: true,
			},
			{
				ID: "f2", Rule: "deny-all", Severity: "warning", Server: "b.example",
				Message:  "deny all refuses every request to /admin",
				Location: "/etc/nginx/sites-enabled/b:9", URL: "http://b.example/admin/",
				Fixes: []Fix{{
					Description: "remove the deny all", Class: "review",
					Diff: "--- a/etc/nginx/sites-enabled/b\n+++ b/etc/nginx/sites-enabled/b\n@@ -7,5 +7,4 @@\n \tlocation /admin/ {\n \t\tallow 10.0.0.0/8;\n-\t\tdeny all;\n \t}\n }\n",
				}},
				CanSuppress: true,
			},
			{
				ID: "f3", Rule: "file-unreadable", Severity: "error", Server: "b.example",
				Message:  "www-data cannot read /srv/b/index.html (-rw-------)",
				Location: "/etc/nginx/sites-enabled/b:3", Path: "/srv/b/index.html", URL: "http://b.example/",
				Fixes: []Fix{{Description: "let others read /srv/b/index.html", Class: "safe", Commands: []string{"chmod o+r /srv/b/index.html"}}},
			},
		},
		Intended: []Intended{{Rule: "deny-all", Message: "deny all on /.git, commented as meant", Location: "/etc/nginx/snippets/git.conf:2"}},
	}
}

// typed is text typed key by key.
type typed string

// keyMsg returns the key message of a key name as bubbletea spells it.
func keyMsg(name string) tea.KeyMsg {
	types := map[string]tea.KeyType{
		"enter": tea.KeyEnter, "esc": tea.KeyEsc, "tab": tea.KeyTab, "shift+tab": tea.KeyShiftTab,
		"up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight,
		"pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown, "home": tea.KeyHome, "end": tea.KeyEnd,
		"ctrl+c": tea.KeyCtrlC, "backspace": tea.KeyBackspace,
	}
	if t, ok := types[name]; ok {
		return tea.KeyMsg{Type: t}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(name)}
}

// drive feeds the steps to m: a string is a key, typed is text, anything
// else is a message. Commands are not run (tests run the ones they need).
func drive(t *testing.T, m Model, steps ...any) Model {
	t.Helper()
	var tm tea.Model = m
	for _, s := range steps {
		var msg tea.Msg
		switch s := s.(type) {
		case string:
			msg = keyMsg(s)
		case typed:
			for _, r := range s {
				tm, _ = tm.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
			}
			continue
		default:
			msg = s
		}
		tm, _ = tm.Update(msg)
	}
	return tm.(Model)
}

func TestDecisions(t *testing.T) {
	size := tea.WindowSizeMsg{Width: 80, Height: 24}
	tests := []struct {
		name  string
		steps []any
		want  Decisions
		quit  bool
	}{
		{"accept in detail then apply", []any{size, "enter", "a", "esc", "x", "y"},
			Decisions{Fix: map[string]int{"f1": 0}, Meant: map[string]string{}, Apply: true}, true},
		{"pick alternative 2 by number", []any{size, "enter", "2", "a"},
			Decisions{Fix: map[string]int{"f1": 1}, Meant: map[string]string{}}, false},
		{"pick alternative 2 by tab", []any{size, "enter", "tab", "a"},
			Decisions{Fix: map[string]int{"f1": 1}, Meant: map[string]string{}}, false},
		{"pick alternative by right then left", []any{size, "enter", "right", "left", "a"},
			Decisions{Fix: map[string]int{"f1": 0}, Meant: map[string]string{}}, false},
		{"alternative out of range is refused", []any{size, "enter", "3", "a"},
			Decisions{Fix: map[string]int{"f1": 0}, Meant: map[string]string{}}, false},
		{"accept on the list", []any{size, "down", "a"},
			Decisions{Fix: map[string]int{"f3": 0}, Meant: map[string]string{}}, false},
		{"skip undoes an accept", []any{size, "a", "s"},
			Decisions{Fix: map[string]int{}, Meant: map[string]string{}}, false},
		{"meant with a reason", []any{size, "enter", "m", typed("staging site, closed on purpose"), "enter"},
			Decisions{Fix: map[string]int{}, Meant: map[string]string{"f1": "staging site, closed on purpose"}}, false},
		{"meant with an empty reason is refused", []any{size, "m", typed("  "), "enter", "esc"},
			Decisions{Fix: map[string]int{}, Meant: map[string]string{}}, false},
		{"meant replaces an accepted fix", []any{size, "a", "m", typed("on purpose"), "enter"},
			Decisions{Fix: map[string]int{}, Meant: map[string]string{"f1": "on purpose"}}, false},
		{"meant refused without CanSuppress", []any{size, "down", "m", typed("x"), "enter"},
			Decisions{Fix: map[string]int{}, Meant: map[string]string{}}, false},
		{"accept all safe", []any{size, "A"},
			Decisions{Fix: map[string]int{"f1": 0, "f3": 0}, Meant: map[string]string{}}, false},
		{"accept all safe keeps meant", []any{size, "m", typed("meant"), "enter", "A"},
			Decisions{Fix: map[string]int{"f3": 0}, Meant: map[string]string{"f1": "meant"}}, false},
		{"quit changes nothing", []any{size, "A", "q"},
			Decisions{Fix: map[string]int{}, Meant: map[string]string{}}, true},
		{"quit from detail changes nothing", []any{size, "A", "enter", "q"},
			Decisions{Fix: map[string]int{}, Meant: map[string]string{}}, true},
		{"confirm then y applies", []any{size, "A", "x", "y"},
			Decisions{Fix: map[string]int{"f1": 0, "f3": 0}, Meant: map[string]string{}, Apply: true}, true},
		{"confirm then w writes", []any{size, "A", "x", "w"},
			Decisions{Fix: map[string]int{"f1": 0, "f3": 0}, Meant: map[string]string{}, Write: true}, true},
		{"confirm then n goes back", []any{size, "A", "x", "n"},
			Decisions{Fix: map[string]int{"f1": 0, "f3": 0}, Meant: map[string]string{}}, false},
		{"confirm with nothing decided refuses y", []any{size, "x", "y"},
			Decisions{Fix: map[string]int{}, Meant: map[string]string{}}, false},
		{"meant alone can be applied", []any{size, "m", typed("why"), "enter", "x", "y"},
			Decisions{Fix: map[string]int{}, Meant: map[string]string{"f1": "why"}, Apply: true}, true},
		{"decide in the warning group", []any{size, "end", "enter", "a", "esc", "x", "w"},
			Decisions{Fix: map[string]int{"f2": 0}, Meant: map[string]string{}, Write: true}, true},
		{"keys read together are taken one by one", []any{size, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("jax")}, "y"},
			Decisions{Fix: map[string]int{"f3": 0}, Meant: map[string]string{}, Apply: true}, true},
		{"keys read together go on into a prompt", []any{size, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("mon purpose")}, "enter"},
			Decisions{Fix: map[string]int{}, Meant: map[string]string{"f1": "on purpose"}}, false},
		{"keys after quitting are ignored", []any{size, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("qA")}},
			Decisions{Fix: map[string]int{}, Meant: map[string]string{}}, true},
		{"decisions survive a resize", []any{size, "a", tea.WindowSizeMsg{Width: 120, Height: 40}, "down", "a"},
			Decisions{Fix: map[string]int{"f1": 0, "f3": 0}, Meant: map[string]string{}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := drive(t, NewReview(testData(), Options{NoColor: true}), tt.steps...)
			if got := m.Decisions(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("decisions = %+v, want %+v", got, tt.want)
			}
			if m.quitting != tt.quit {
				t.Errorf("quitting = %v, want %v", m.quitting, tt.quit)
			}
			if m.Canceled() {
				t.Errorf("canceled")
			}
		})
	}
}

func TestEmptyReasonStaysInPrompt(t *testing.T) {
	m := drive(t, NewReview(testData(), Options{NoColor: true}), "m", "enter")
	if m.prompt != promptReason {
		t.Fatalf("prompt closed after an empty reason")
	}
	if !strings.Contains(m.View(), "a reason is required") {
		t.Errorf("view does not say a reason is required:\n%s", m.View())
	}
}

func TestCancel(t *testing.T) {
	for _, steps := range [][]any{{"ctrl+c"}, {"A", "enter", "ctrl+c"}, {"m", typed("x"), "ctrl+c"}, {tea.InterruptMsg{}}} {
		m := drive(t, NewReview(testData(), Options{NoColor: true}), steps...)
		if !m.Canceled() || !m.quitting {
			t.Errorf("%v: not canceled", steps)
		}
		if d := m.Decisions(); d.Apply || d.Write || len(d.Fix) > 0 {
			t.Errorf("%v: decisions after cancel: %+v", steps, d)
		}
	}
	m := drive(t, NewModel(Options{NoColor: true}), progressMsg{Servers: 1}, "ctrl+c")
	if !m.Canceled() {
		t.Errorf("ctrl+c on the scan screen does not cancel")
	}
}

// visibleIDs returns the IDs of the findings on the list, in order.
func visibleIDs(m Model) []string {
	var ids []string
	for _, it := range m.items {
		if it.finding >= 0 {
			ids = append(ids, m.findings[it.finding].ID)
		} else {
			ids = append(ids, fmt.Sprintf("intended%d", it.intended))
		}
	}
	return ids
}

func TestList(t *testing.T) {
	tests := []struct {
		name  string
		steps []any
		want  []string
	}{
		{"grouped by severity then server", nil, []string{"f1", "f3", "f2"}},
		{"filter by rule", []any{"/", typed("deny"), "enter"}, []string{"f2"}},
		{"filter by message", []any{"/", typed("CANNOT READ")}, []string{"f3"}},
		{"filter by path", []any{"/", typed("/srv/a"), "enter"}, []string{"f1"}},
		{"filter matching nothing", []any{"/", typed("nothing like this"), "enter"}, nil},
		{"esc in the filter clears it", []any{"/", typed("deny"), "esc"}, []string{"f1", "f3", "f2"}},
		{"esc on the list clears the filter", []any{"/", typed("deny"), "enter", "esc"}, []string{"f1", "f3", "f2"}},
		{"i shows intended refusals", []any{"i"}, []string{"f1", "f3", "f2", "intended0"}},
		{"i twice hides them", []any{"i", "i"}, []string{"f1", "f3", "f2"}},
		{"filter applies to intended refusals", []any{"i", "/", typed("git"), "enter"}, []string{"intended0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := drive(t, NewReview(testData(), Options{NoColor: true}), tt.steps...)
			if got := visibleIDs(m); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("items = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCursor(t *testing.T) {
	tests := []struct {
		steps []any
		want  int
	}{
		{[]any{"down"}, 1},
		{[]any{"j", "j"}, 2},
		{[]any{"j", "j", "j", "j"}, 2},
		{[]any{"j", "k"}, 0},
		{[]any{"up"}, 0},
		{[]any{"pgdown"}, 2},
		{[]any{"pgdown", "pgup"}, 0},
		{[]any{"G"}, 2},
		{[]any{"G", "g"}, 0},
	}
	for _, tt := range tests {
		m := drive(t, NewReview(testData(), Options{NoColor: true}), tt.steps...)
		if m.cursor != tt.want {
			t.Errorf("%v: cursor = %d, want %d", tt.steps, m.cursor, tt.want)
		}
	}
}

func TestScanThenList(t *testing.T) {
	m := drive(t, NewModel(Options{NoColor: true}),
		tea.WindowSizeMsg{Width: 80, Height: 24},
		progressMsg{Servers: 2, Files: 10, Findings: 1, Done: 1, Total: 2})
	if m.screen != screenScan || !strings.Contains(m.View(), "servers 2, files 10, findings 1") {
		t.Fatalf("scan screen:\n%s", m.View())
	}
	m = drive(t, m, scanDoneMsg{data: testData()})
	if m.screen != screenList || len(m.items) != 3 {
		t.Fatalf("after the scan: screen %d, %d items", m.screen, len(m.items))
	}
	boom := errors.New("boom")
	m = drive(t, NewModel(Options{NoColor: true}), scanDoneMsg{err: boom})
	if !errors.Is(m.Err(), boom) || !m.quitting {
		t.Errorf("scan error: err %v, quitting %v", m.Err(), m.quitting)
	}
}

func TestExplain(t *testing.T) {
	var asked string
	opts := Options{NoColor: true, Explain: func(url string) (string, error) {
		asked = url
		return "server a.example\nlocation /\n403", nil
	}}
	var tm tea.Model = drive(t, NewReview(testData(), opts), "e", typed("http://a.example/x"))
	tm, cmd := tm.Update(keyMsg("enter"))
	if cmd == nil {
		t.Fatal("enter on the URL prompt returned no command")
	}
	tm, _ = tm.Update(cmd())
	m := tm.(Model)
	if asked != "http://a.example/x" || m.screen != screenExplain || !strings.Contains(m.View(), "location /") {
		t.Fatalf("asked %q, screen %d:\n%s", asked, m.screen, m.View())
	}
	m = drive(t, m, "esc")
	if m.screen != screenList {
		t.Errorf("esc from explain: screen %d", m.screen)
	}
}

func TestDetailScrollsAndResizes(t *testing.T) {
	m := drive(t, NewReview(testData(), Options{NoColor: true}), tea.WindowSizeMsg{Width: 80, Height: 24}, "enter")
	top := m.vp.YOffset
	m = drive(t, m, "pgdown")
	if m.vp.YOffset <= top {
		t.Errorf("pgdown did not scroll the detail view (offset %d)", m.vp.YOffset)
	}
	if !strings.Contains(m.View(), "setfacl -m u:www-data:x /srv/a") {
		t.Errorf("after pgdown the second fix is not in view:\n%s", m.View())
	}
	m = drive(t, m, tea.WindowSizeMsg{Width: 100, Height: 40})
	if m.vp.Width != 100 || len(strings.Split(m.View(), "\n")) != 40 {
		t.Errorf("after a resize: viewport width %d, %d lines", m.vp.Width, len(strings.Split(m.View(), "\n")))
	}
}
