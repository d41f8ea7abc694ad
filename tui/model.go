package tui

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/progress"
	"github.com/charmbracelet/bubbles/spinner"
	"github.com/charmbracelet/bubbles/textinput"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"
)

// ErrCanceled is returned by Run when the admin pressed Ctrl-C.
var ErrCanceled = errors.New("review canceled")

// screen is one of the review's screens.
type screen int

const (
	screenScan screen = iota
	screenList
	screenDetail
	screenConfirm
	screenExplain
)

// prompt is what a text input at the bottom of the screen is asking for.
type prompt int

const (
	promptNone prompt = iota
	promptFilter
	promptReason
	promptURL
)

// progressMsg carries one report of the running scan.
type progressMsg Progress

// scanDoneMsg carries the scan's result.
type scanDoneMsg struct {
	data Data
	err  error
}

// explainMsg carries the output of Options.Explain.
type explainMsg struct {
	url string
	out string
	err error
}

// item is one selectable line of the findings list: a finding (index into
// Model.findings) or an intended refusal (index into Data.Intended).
type item struct {
	finding  int // -1 for an intended refusal
	intended int
}

// Model is the review's bubbletea model. Its zero value is not usable:
// build it with NewModel (scan first) or NewReview (data known).
type Model struct {
	opts Options
	keys KeyMap
	st   styles

	width, height int
	screen        screen
	back          screen // where Esc leads from the explain screen

	progress Progress
	spinner  spinner.Model
	bar      progress.Model
	err      error

	data     Data
	findings []Finding // sorted by severity, then server
	items    []item    // the visible lines, after filter and `i`
	cursor   int
	offset   int // first visible body line of the list

	filter       string
	showIntended bool
	showHelp     bool

	prompt prompt
	input  textinput.Model
	status string // a one-line message under the screen

	alt     map[string]int // the alternative shown per finding ID
	fix     map[string]int
	meant   map[string]string
	skipped map[string]bool

	vp         viewport.Model
	fixLine    []int // first viewport line of each fix in the detail view
	explainURL string
	explainOut string

	help help.Model

	apply, write, canceled, quitting bool
}

// NewModel returns the review's model on its scan screen: Run (or a
// test) feeds it the scan's progress and result.
func NewModel(opts Options) Model {
	st := newStyles(opts.NoColor)
	m := Model{
		opts:    opts,
		keys:    DefaultKeyMap(),
		st:      st,
		width:   80,
		height:  24,
		screen:  screenScan,
		alt:     map[string]int{},
		fix:     map[string]int{},
		meant:   map[string]string{},
		skipped: map[string]bool{},
	}
	m.spinner = spinner.New(spinner.WithSpinner(spinner.Line), spinner.WithStyle(st.accent))
	popts := []progress.Option{progress.WithWidth(40)}
	if opts.NoColor {
		popts = append(popts, progress.WithColorProfile(termenv.Ascii), progress.WithSolidFill(""))
	} else {
		popts = append(popts, progress.WithDefaultGradient())
	}
	m.bar = progress.New(popts...)
	m.input = textinput.New()
	m.input.CharLimit = 500
	if opts.NoColor {
		m.input.PromptStyle = st.plain
		m.input.TextStyle = st.plain
		m.input.PlaceholderStyle = st.plain
		m.input.CompletionStyle = st.plain
		m.input.Cursor.Style = st.plain
		m.input.Cursor.TextStyle = st.plain
	}
	m.help = help.New()
	if opts.NoColor {
		m.help.Styles = help.Styles{
			Ellipsis: st.plain, ShortKey: st.plain, ShortDesc: st.plain, ShortSeparator: st.plain,
			FullKey: st.plain, FullDesc: st.plain, FullSeparator: st.plain,
		}
	}
	m.vp = viewport.New(80, 10)
	return m
}

// NewReview returns the review's model on its findings list, showing
// data without a scan.
func NewReview(data Data, opts Options) Model {
	m := NewModel(opts)
	m.setData(data)
	return m
}

// setData takes the scan's result and opens the findings list.
func (m *Model) setData(d Data) {
	m.data = d
	m.findings = append([]Finding(nil), d.Findings...)
	sort.SliceStable(m.findings, func(i, j int) bool {
		a, b := m.findings[i], m.findings[j]
		if ra, rb := severityRank(a.Severity), severityRank(b.Severity); ra != rb {
			return ra < rb
		}
		return a.Server < b.Server
	})
	m.screen = screenList
	m.refilter()
}

// severityRank orders severities: error, warning, info, then the rest.
func severityRank(s string) int {
	switch s {
	case "error":
		return 0
	case "warning":
		return 1
	case "info":
		return 2
	}
	return 3
}

// Decisions returns what the admin decided so far (Apply and Write are
// set only once they confirmed).
func (m Model) Decisions() Decisions {
	d := Decisions{Fix: map[string]int{}, Meant: map[string]string{}, Apply: m.apply, Write: m.write}
	for id, n := range m.fix {
		d.Fix[id] = n
	}
	for id, r := range m.meant {
		d.Meant[id] = r
	}
	return d
}

// Canceled reports whether the admin pressed Ctrl-C.
func (m Model) Canceled() bool { return m.canceled }

// Err returns the scan's error, if it failed.
func (m Model) Err() error { return m.err }

// refilter recomputes the visible items from the filter and `i`.
func (m *Model) refilter() {
	var cur *item
	if m.cursor < len(m.items) {
		c := m.items[m.cursor]
		cur = &c
	}
	m.items = m.items[:0]
	q := strings.ToLower(strings.TrimSpace(m.filter))
	for i, f := range m.findings {
		if q == "" || matches(q, f.Rule, f.Message, f.Path, f.Location, f.Server, f.URL) {
			m.items = append(m.items, item{finding: i, intended: -1})
		}
	}
	if m.showIntended {
		for i, in := range m.data.Intended {
			if q == "" || matches(q, in.Rule, in.Message, in.Location) {
				m.items = append(m.items, item{finding: -1, intended: i})
			}
		}
	}
	m.cursor = 0
	if cur != nil {
		for i, it := range m.items {
			if it == *cur {
				m.cursor = i
			}
		}
	}
	m.offset = 0
}

// matches reports whether any field contains q (already lower case).
func matches(q string, fields ...string) bool {
	for _, f := range fields {
		if strings.Contains(strings.ToLower(f), q) {
			return true
		}
	}
	return false
}

// selected returns the finding under the cursor, if the cursor is on one.
func (m *Model) selected() (*Finding, bool) {
	if m.cursor >= len(m.items) || m.items[m.cursor].finding < 0 {
		return nil, false
	}
	return &m.findings[m.items[m.cursor].finding], true
}

// Init starts the spinner while the scan runs.
func (m Model) Init() tea.Cmd {
	if m.screen == screenScan {
		return m.spinner.Tick
	}
	return nil
}

// Update handles a message and returns the updated model.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.Width = msg.Width
		m.bar.Width = min(60, max(10, msg.Width-20))
		m.resizeViewport()
		return m, nil
	case tea.InterruptMsg:
		m.canceled, m.quitting = true, true
		return m, tea.Quit
	case progressMsg:
		m.progress = Progress(msg)
		return m, nil
	case scanDoneMsg:
		if msg.err != nil {
			m.err = msg.err
			m.quitting = true
			return m, tea.Quit
		}
		m.setData(msg.data)
		return m, nil
	case explainMsg:
		m.explainURL = msg.url
		if msg.err != nil {
			m.explainOut = "error: " + msg.err.Error()
		} else {
			m.explainOut = msg.out
		}
		if m.screen != screenExplain {
			m.back = m.screen
		}
		m.screen = screenExplain
		m.resizeViewport()
		m.vp.SetContent(m.explainOut)
		m.vp.GotoTop()
		return m, nil
	case spinner.TickMsg:
		if m.screen != screenScan {
			return m, nil
		}
		var cmd tea.Cmd
		m.spinner, cmd = m.spinner.Update(msg)
		return m, cmd
	case tea.KeyMsg:
		if key.Matches(msg, m.keys.Cancel) {
			m.canceled, m.quitting = true, true
			return m, tea.Quit
		}
		if m.prompt != promptNone {
			return m.updatePrompt(msg)
		}
		m.status = ""
		if key.Matches(msg, m.keys.Help) && m.screen != screenScan {
			m.showHelp = !m.showHelp
			m.resizeViewport()
			return m, nil
		}
		switch m.screen {
		case screenList:
			return m.updateList(msg)
		case screenDetail:
			return m.updateDetail(msg)
		case screenConfirm:
			return m.updateConfirm(msg)
		case screenExplain:
			return m.updateExplain(msg)
		}
	}
	return m, nil
}

// startPrompt opens the text input at the bottom of the screen.
func (m *Model) startPrompt(p prompt, label, value string) tea.Cmd {
	m.prompt = p
	m.input.Prompt = label
	m.input.Placeholder = ""
	m.input.SetValue(value)
	m.input.CursorEnd()
	m.input.Width = max(10, m.width-len(label)-2)
	m.resizeViewport()
	return m.input.Focus()
}

// endPrompt closes the text input.
func (m *Model) endPrompt() {
	m.prompt = promptNone
	m.input.Blur()
	m.resizeViewport()
}

// updatePrompt handles a key while a text input is open.
func (m Model) updatePrompt(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch msg.Type {
	case tea.KeyEsc:
		if m.prompt == promptFilter {
			m.filter = ""
			m.refilter()
		}
		m.status = ""
		m.endPrompt()
		return m, nil
	case tea.KeyEnter:
		value := m.input.Value()
		switch m.prompt {
		case promptFilter:
			m.endPrompt()
		case promptReason:
			reason := strings.TrimSpace(value)
			if reason == "" {
				m.status = "a reason is required to mark a finding as meant"
				return m, nil
			}
			if f, ok := m.current(); ok {
				delete(m.fix, f.ID)
				delete(m.skipped, f.ID)
				m.meant[f.ID] = reason
				m.status = "marked as meant: " + reason
			}
			m.endPrompt()
			m.refreshDetail()
		case promptURL:
			url := strings.TrimSpace(value)
			m.endPrompt()
			if url == "" {
				return m, nil
			}
			if m.opts.Explain == nil {
				m.status = "explain is not available here"
				return m, nil
			}
			explain := m.opts.Explain
			return m, func() tea.Msg {
				out, err := explain(url)
				return explainMsg{url: url, out: out, err: err}
			}
		}
		return m, nil
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	if m.prompt == promptFilter {
		m.filter = m.input.Value()
		m.refilter()
	}
	return m, cmd
}

// current returns the finding the decision keys act on: the one shown in
// the detail view, or the one under the list's cursor.
func (m *Model) current() (*Finding, bool) {
	return m.selected()
}

// accept records the chosen alternative of f.
func (m *Model) accept(f *Finding, n int) {
	if n < 0 || n >= len(f.Fixes) {
		m.status = "this finding has no fix to accept"
		return
	}
	delete(m.meant, f.ID)
	delete(m.skipped, f.ID)
	m.fix[f.ID] = n
	m.status = fmt.Sprintf("accepted fix %d: %s", n+1, f.Fixes[n].Description)
}

// skip records that f is left as it is.
func (m *Model) skip(f *Finding) {
	delete(m.meant, f.ID)
	delete(m.fix, f.ID)
	m.skipped[f.ID] = true
	m.status = "skipped"
}

// markMeant asks for the reason f is meant.
func (m *Model) markMeant(f *Finding) tea.Cmd {
	if !f.CanSuppress {
		m.status = "this finding cannot be marked as meant (no directive to comment)"
		return nil
	}
	return m.startPrompt(promptReason, "reason it is meant: ", m.meant[f.ID])
}

// acceptAllSafe accepts the first safe fix of every finding not decided
// otherwise.
func (m *Model) acceptAllSafe() {
	n := 0
	for _, f := range m.findings {
		if _, ok := m.meant[f.ID]; ok {
			continue
		}
		for i, x := range f.Fixes {
			if x.Class == "safe" {
				m.fix[f.ID] = i
				delete(m.skipped, f.ID)
				n++
				break
			}
		}
	}
	m.status = fmt.Sprintf("accepted %d safe fixes", n)
}

// updateList handles a key on the findings list.
func (m Model) updateList(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	page := max(1, m.listHeight()-1)
	switch {
	case key.Matches(msg, k.Quit):
		m.quitting = true
		return m, tea.Quit
	case key.Matches(msg, k.Up):
		m.cursor = max(0, m.cursor-1)
	case key.Matches(msg, k.Down):
		m.cursor = max(0, min(len(m.items)-1, m.cursor+1))
	case key.Matches(msg, k.PageUp):
		m.cursor = max(0, m.cursor-page)
	case key.Matches(msg, k.PageDown):
		m.cursor = max(0, min(len(m.items)-1, m.cursor+page))
	case key.Matches(msg, k.Top):
		m.cursor = 0
	case key.Matches(msg, k.Bottom):
		m.cursor = max(0, len(m.items)-1)
	case key.Matches(msg, k.Filter):
		return m, m.startPrompt(promptFilter, "/", m.filter)
	case key.Matches(msg, k.Back):
		if m.filter != "" {
			m.filter = ""
			m.refilter()
		}
	case key.Matches(msg, k.Intended):
		m.showIntended = !m.showIntended
		m.refilter()
		if m.showIntended {
			m.status = fmt.Sprintf("showing %d intended refusals", len(m.data.Intended))
		}
	case key.Matches(msg, k.Open):
		if _, ok := m.selected(); ok {
			m.screen = screenDetail
			m.resizeViewport()
			m.refreshDetail()
			m.vp.GotoTop()
		}
	case key.Matches(msg, k.Accept):
		if f, ok := m.selected(); ok {
			m.accept(f, m.alt[f.ID])
		}
	case key.Matches(msg, k.Skip):
		if f, ok := m.selected(); ok {
			m.skip(f)
		}
	case key.Matches(msg, k.Meant):
		if f, ok := m.selected(); ok {
			return m, m.markMeant(f)
		}
	case key.Matches(msg, k.AcceptAllSafe):
		m.acceptAllSafe()
	case key.Matches(msg, k.Explain):
		return m, m.startPrompt(promptURL, "explain URL: ", "")
	case key.Matches(msg, k.Confirm):
		m.openConfirm()
	}
	return m, nil
}

// updateDetail handles a key on the detail view.
func (m Model) updateDetail(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	f, ok := m.selected()
	if !ok {
		m.screen = screenList
		return m, nil
	}
	switch {
	case key.Matches(msg, k.Quit):
		m.quitting = true
		return m, tea.Quit
	case key.Matches(msg, k.Back):
		m.screen = screenList
		m.resizeViewport()
		return m, nil
	case key.Matches(msg, k.NextAlt), key.Matches(msg, k.PrevAlt), key.Matches(msg, k.PickAlt):
		if len(f.Fixes) == 0 {
			return m, nil
		}
		n := m.alt[f.ID]
		switch {
		case key.Matches(msg, k.NextAlt):
			n = (n + 1) % len(f.Fixes)
		case key.Matches(msg, k.PrevAlt):
			n = (n + len(f.Fixes) - 1) % len(f.Fixes)
		default:
			p := int(msg.Runes[0] - '1')
			if p >= len(f.Fixes) {
				m.status = fmt.Sprintf("this finding has %d fix alternatives", len(f.Fixes))
				return m, nil
			}
			n = p
		}
		m.alt[f.ID] = n
		m.refreshDetail()
		if n < len(m.fixLine) {
			m.vp.SetYOffset(m.fixLine[n])
		}
		return m, nil
	case key.Matches(msg, k.Accept):
		m.accept(f, m.alt[f.ID])
		m.refreshDetail()
		return m, nil
	case key.Matches(msg, k.Skip):
		m.skip(f)
		m.refreshDetail()
		return m, nil
	case key.Matches(msg, k.Meant):
		return m, m.markMeant(f)
	case key.Matches(msg, k.Explain):
		return m, m.startPrompt(promptURL, "explain URL: ", f.URL)
	case key.Matches(msg, k.Confirm):
		m.openConfirm()
		return m, nil
	}
	var cmd tea.Cmd
	m.vp, cmd = m.vp.Update(msg)
	return m, cmd
}

// openConfirm shows what will change.
func (m *Model) openConfirm() {
	m.screen = screenConfirm
	m.resizeViewport()
	m.vp.SetContent(m.confirmContent())
	m.vp.GotoTop()
}

// updateConfirm handles a key on the confirmation screen.
func (m Model) updateConfirm(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	switch {
	case key.Matches(msg, k.Yes), key.Matches(msg, k.Write):
		if len(m.fix) == 0 && len(m.meant) == 0 {
			m.status = "nothing accepted: accept a fix or mark a finding as meant first"
			return m, nil
		}
		if key.Matches(msg, k.Yes) {
			m.apply = true
		} else {
			m.write = true
		}
		m.quitting = true
		return m, tea.Quit
	case key.Matches(msg, k.No):
		m.screen = screenList
		m.resizeViewport()
		return m, nil
	case key.Matches(msg, k.Quit):
		m.quitting = true
		return m, tea.Quit
	}
	var cmd tea.Cmd
	m.vp, cmd = m.vp.Update(msg)
	return m, cmd
}

// updateExplain handles a key on the explain screen.
func (m Model) updateExplain(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	switch {
	case key.Matches(msg, k.Back):
		m.screen = m.back
		m.resizeViewport()
		if m.screen == screenDetail {
			m.refreshDetail()
		} else if m.screen == screenConfirm {
			m.vp.SetContent(m.confirmContent())
		}
		return m, nil
	case key.Matches(msg, k.Explain):
		return m, m.startPrompt(promptURL, "explain URL: ", m.explainURL)
	case key.Matches(msg, k.Quit):
		m.quitting = true
		return m, tea.Quit
	}
	var cmd tea.Cmd
	m.vp, cmd = m.vp.Update(msg)
	return m, cmd
}

// refreshDetail rebuilds the detail view's content, keeping its scroll.
func (m *Model) refreshDetail() {
	if m.screen != screenDetail {
		return
	}
	f, ok := m.selected()
	if !ok {
		return
	}
	y := m.vp.YOffset
	content, lines := m.detailContent(f)
	m.fixLine = lines
	m.vp.SetContent(content)
	m.vp.SetYOffset(y)
}

// decision returns the short label of what was decided for f.
func (m *Model) decision(f *Finding) string {
	if n, ok := m.fix[f.ID]; ok {
		return fmt.Sprintf("fix %d", n+1)
	}
	if _, ok := m.meant[f.ID]; ok {
		return "meant"
	}
	if m.skipped[f.ID] {
		return "skipped"
	}
	return ""
}
