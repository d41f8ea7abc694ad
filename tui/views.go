package tui

import (
	"fmt"
	"io"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"
)

// styles are the review's lipgloss styles, all from one renderer so that
// NoColor turns every one of them off.
type styles struct {
	plain, title, dim, accent, selected lipgloss.Style
	err, warn, info                     lipgloss.Style
	add, del, hunk, file                lipgloss.Style
}

// newStyles returns the styles; with noColor, a renderer with the Ascii
// profile drops every color and attribute.
func newStyles(noColor bool) styles {
	r := lipgloss.DefaultRenderer()
	if noColor {
		r = lipgloss.NewRenderer(io.Discard)
		r.SetColorProfile(termenv.Ascii)
	}
	return styles{
		plain:    r.NewStyle(),
		title:    r.NewStyle().Bold(true),
		dim:      r.NewStyle().Faint(true),
		accent:   r.NewStyle().Foreground(lipgloss.Color("6")),
		selected: r.NewStyle().Reverse(true),
		err:      r.NewStyle().Foreground(lipgloss.Color("1")).Bold(true),
		warn:     r.NewStyle().Foreground(lipgloss.Color("3")).Bold(true),
		info:     r.NewStyle().Foreground(lipgloss.Color("4")).Bold(true),
		add:      r.NewStyle().Foreground(lipgloss.Color("2")),
		del:      r.NewStyle().Foreground(lipgloss.Color("1")),
		hunk:     r.NewStyle().Foreground(lipgloss.Color("6")),
		file:     r.NewStyle().Bold(true),
	}
}

// severity returns the style of a severity.
func (s styles) severity(sev string) lipgloss.Style {
	switch sev {
	case "error":
		return s.err
	case "warning":
		return s.warn
	case "info":
		return s.info
	}
	return s.plain
}

// View renders the current screen.
func (m Model) View() string {
	if m.quitting {
		return ""
	}
	header := m.header()
	footer := m.footer()
	bodyH := max(0, m.height-lipgloss.Height(header)-lipgloss.Height(footer))
	var body string
	switch m.screen {
	case screenScan:
		body = m.scanBody()
	case screenList:
		body = m.listBody(bodyH)
	default:
		body = m.vp.View()
	}
	return header + "\n" + fit(body, bodyH) + "\n" + footer
}

// fit pads or cuts s to exactly h lines.
func fit(s string, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// cut truncates s to the screen's width.
func (m Model) cut(s string) string {
	return ansi.Truncate(s, m.width, "…")
}

// header renders the top lines of the current screen.
func (m Model) header() string {
	rule := m.st.dim.Render(strings.Repeat("─", max(0, m.width)))
	switch m.screen {
	case screenScan:
		return m.cut(m.st.title.Render("unforbid: scanning")) + "\n" + rule
	case screenList:
		title := "unforbid review"
		if m.data.Title != "" {
			title += ": " + m.data.Title
		}
		return m.cut(m.st.title.Render(title)) + "\n" + m.cut(m.counts()) + "\n" + rule
	case screenDetail:
		f, ok := m.selected()
		if !ok {
			return rule
		}
		top := m.st.severity(f.Severity).Render(f.Severity) + " " + m.st.title.Render(f.Rule)
		if f.Server != "" {
			top += " · " + f.Server
		}
		state := "undecided"
		if n, ok := m.fix[f.ID]; ok {
			state = fmt.Sprintf("accepted fix %d", n+1)
		} else if r, ok := m.meant[f.ID]; ok {
			state = "meant: " + r
		} else if m.skipped[f.ID] {
			state = "skipped"
		}
		if len(f.Fixes) > 0 {
			state += fmt.Sprintf(" · showing fix %d of %d", m.alt[f.ID]+1, len(f.Fixes))
		}
		return m.cut(top) + "\n" + m.cut(m.st.dim.Render(state)) + "\n" + rule
	case screenConfirm:
		return m.cut(m.st.title.Render("Confirm: "+m.summary())) + "\n" + rule
	case screenExplain:
		return m.cut(m.st.title.Render("explain "+m.explainURL)) + "\n" + rule
	}
	return rule
}

// summary says in words what the decisions will change.
func (m Model) summary() string {
	parts := []string{}
	if n := len(m.fix); n > 0 {
		parts = append(parts, plural(n, "fix", "fixes"))
	}
	if n := len(m.meant); n > 0 {
		parts = append(parts, plural(n, "suppression comment", "suppression comments"))
	}
	if len(parts) == 0 {
		return "nothing to change"
	}
	return strings.Join(parts, ", ")
}

// plural returns "1 fix" or "2 fixes".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// counts renders the list's count line.
func (m Model) counts() string {
	bySev := map[string]int{}
	for _, f := range m.findings {
		bySev[f.Severity]++
	}
	s := fmt.Sprintf("%s: %s, %s, %d info",
		plural(len(m.findings), "finding", "findings"),
		m.st.err.Render(plural(bySev["error"], "error", "errors")),
		m.st.warn.Render(plural(bySev["warning"], "warning", "warnings")),
		bySev["info"])
	s += fmt.Sprintf(" · %d intended", len(m.data.Intended))
	s += fmt.Sprintf(" · decided: %d fix, %d meant, %d skipped", len(m.fix), len(m.meant), len(m.skipped))
	if m.filter != "" && m.prompt != promptFilter {
		s += fmt.Sprintf(" · filter %q", m.filter)
	}
	return s
}

// footer renders the status or prompt line and the help.
func (m Model) footer() string {
	line := m.st.accent.Render(m.status)
	if m.prompt != promptNone {
		line = m.input.View()
	}
	h := m.help
	h.ShowAll = m.showHelp
	return m.cut(line) + "\n" + h.View(screenKeys{k: &m.keys, screen: m.screen})
}

// bodyHeight returns the lines left between header and footer.
func (m Model) bodyHeight() int {
	return max(1, m.height-lipgloss.Height(m.header())-lipgloss.Height(m.footer()))
}

// listHeight returns the number of body lines of the findings list.
func (m Model) listHeight() int { return m.bodyHeight() }

// resizeViewport fits the viewport between header and footer.
func (m *Model) resizeViewport() {
	m.vp.Width = m.width
	m.vp.Height = m.bodyHeight()
	switch m.screen {
	case screenDetail:
		m.refreshDetail()
	case screenConfirm:
		m.vp.SetContent(m.confirmContent())
	}
}

// scanBody renders the scan screen's progress.
func (m Model) scanBody() string {
	p := m.progress
	var b strings.Builder
	b.WriteString("\n  " + m.spinner.View() + " loading configs and walking trees\n\n")
	fmt.Fprintf(&b, "  servers %d, files %d, findings %d\n", p.Servers, p.Files, p.Findings)
	if p.Total > 0 {
		pct := float64(p.Done) / float64(p.Total)
		fmt.Fprintf(&b, "\n  %s  %d/%d servers\n", m.bar.ViewAs(min(1, pct)), p.Done, p.Total)
	}
	return b.String()
}

// listLines renders every line of the findings list and returns the
// index of the cursor's line.
func (m Model) listLines() (lines []string, cursorLine int) {
	if len(m.items) == 0 {
		if len(m.findings) == 0 && (!m.showIntended || len(m.data.Intended) == 0) {
			lines = append(lines, "  No findings: nothing answers 403 where it was not meant to.")
		} else {
			lines = append(lines, "  Nothing matches the filter.")
		}
		for _, n := range m.data.Notes {
			lines = append(lines, "  note: "+n)
		}
		return lines, 0
	}
	lastSev, lastServer, inIntended := "\x00", "\x00", false
	for i, it := range m.items {
		sel := i == m.cursor
		if sel {
			cursorLine = len(lines)
		}
		marker := "  "
		if sel {
			marker = "> "
		}
		if it.finding < 0 {
			if !inIntended {
				inIntended = true
				lines = append(lines, m.st.title.Render("INTENDED (judged deliberate, left alone)"))
				if sel {
					cursorLine = len(lines)
				}
			}
			in := m.data.Intended[it.intended]
			text := fmt.Sprintf("%s%s  %s  (%s)", marker, in.Rule, in.Message, in.Location)
			lines = append(lines, m.line(text, "", sel))
			continue
		}
		f := m.findings[it.finding]
		if f.Severity != lastSev {
			lastSev, lastServer = f.Severity, "\x00"
			lines = append(lines, m.st.severity(f.Severity).Render(strings.ToUpper(f.Severity)))
		}
		if f.Server != lastServer {
			lastServer = f.Server
			server := f.Server
			if server == "" {
				server = "(no server)"
			}
			lines = append(lines, m.st.dim.Render("  "+server))
		}
		if sel {
			cursorLine = len(lines)
		}
		count := ""
		if f.Count > 1 {
			count = fmt.Sprintf("×%d", f.Count)
		}
		right := fmt.Sprintf(" %5s %-8s", count, m.decision(&f))
		lines = append(lines, m.line(marker+"  "+f.Rule+"  "+f.Message, right, sel))
	}
	return lines, cursorLine
}

// line fits left and right into one line of the screen's width.
func (m Model) line(left, right string, sel bool) string {
	w := max(1, m.width-ansi.StringWidth(right))
	left = ansi.Truncate(left, w, "…")
	if pad := w - ansi.StringWidth(left); pad > 0 {
		left += strings.Repeat(" ", pad)
	}
	s := left + right
	if sel {
		return m.st.selected.Render(s)
	}
	return s
}

// listBody renders the visible part of the findings list, scrolled so
// the cursor shows.
func (m Model) listBody(h int) string {
	lines, cur := m.listLines()
	off := m.offset
	if cur < off {
		off = cur
	}
	if cur >= off+h {
		off = cur - h + 1
	}
	// Keep the group headers above the first item in view when possible.
	if off > 0 && cur-off < 2 {
		off = max(0, cur-2)
	}
	off = max(0, min(off, len(lines)-h))
	end := min(len(lines), off+h)
	return strings.Join(lines[off:end], "\n")
}

// detailContent renders the detail view's scrollable text for f and the
// first line of each fix alternative.
func (m Model) detailContent(f *Finding) (string, []int) {
	w := max(20, m.width)
	var out []string
	add := func(s ...string) { out = append(out, s...) }
	for _, l := range strings.Split(ansi.Wordwrap(f.Message, w, ""), "\n") {
		add(m.st.title.Render(l))
	}
	add("")
	field := func(name, value string) {
		if value != "" {
			add(m.st.dim.Render(fmt.Sprintf("%-9s", name)) + " " + value)
		}
	}
	field("location", f.Location)
	field("path", f.Path)
	field("URL", f.URL)
	if f.Count > 1 {
		field("hides", fmt.Sprintf("%d files or URLs", f.Count))
	}
	if len(f.Trace) > 0 {
		add("", m.st.title.Render("Trace"))
		for _, l := range f.Trace {
			add("  " + l)
		}
	}
	if len(f.Related) > 0 {
		add("", m.st.title.Render("Related"))
		for _, l := range f.Related {
			add("  " + l)
		}
	}
	var starts []int
	if len(f.Fixes) == 0 {
		add("", m.st.dim.Render("No fix is offered for this finding."))
	} else {
		add("", m.st.title.Render(fmt.Sprintf("Fixes (%d): tab or 1-%d picks, a accepts", len(f.Fixes), len(f.Fixes))))
	}
	accepted, hasAccepted := m.fix[f.ID]
	for i, x := range f.Fixes {
		add("")
		starts = append(starts, len(out)-1)
		marker := "  "
		if i == m.alt[f.ID] {
			marker = "▸ "
		}
		head := fmt.Sprintf("%s[%d] %-6s %s", marker, i+1, x.Class, x.Description)
		if hasAccepted && accepted == i {
			head += "  (accepted)"
		}
		if i == m.alt[f.ID] {
			head = m.st.accent.Render(head)
		}
		add(head)
		for _, c := range x.Commands {
			add("    $ " + c)
		}
		if x.Diff != "" {
			for _, l := range strings.Split(strings.TrimRight(x.Diff, "\n"), "\n") {
				add("    " + m.diffLine(l))
			}
		}
	}
	return strings.Join(out, "\n"), starts
}

// diffLine colors one line of a unified diff.
func (m Model) diffLine(l string) string {
	switch {
	case strings.HasPrefix(l, "+++ "), strings.HasPrefix(l, "--- "):
		return m.st.file.Render(l)
	case strings.HasPrefix(l, "@@"):
		return m.st.hunk.Render(l)
	case strings.HasPrefix(l, "+"):
		return m.st.add.Render(l)
	case strings.HasPrefix(l, "-"):
		return m.st.del.Render(l)
	}
	return l
}

// diffStat summarizes a unified diff as "file +added -removed" per file.
func diffStat(diff string) []string {
	var out []string
	file, plus, minus := "", 0, 0
	flush := func() {
		if file != "" {
			out = append(out, fmt.Sprintf("%s +%d -%d", file, plus, minus))
		}
	}
	for _, l := range strings.Split(diff, "\n") {
		switch {
		case strings.HasPrefix(l, "--- "):
		case strings.HasPrefix(l, "+++ "):
			flush()
			file, plus, minus = strings.TrimPrefix(strings.TrimPrefix(l, "+++ "), "b/"), 0, 0
		case strings.HasPrefix(l, "+"):
			plus++
		case strings.HasPrefix(l, "-"):
			minus++
		}
	}
	flush()
	return out
}

// confirmContent lists what applying the decisions will change.
func (m Model) confirmContent() string {
	var out []string
	add := func(s ...string) { out = append(out, s...) }
	if len(m.fix) == 0 && len(m.meant) == 0 {
		add("Nothing is accepted yet: accept a fix (a, or A for every safe fix)",
			"or mark a finding as meant (m), then come back with x.")
		return strings.Join(out, "\n")
	}
	if len(m.fix) > 0 {
		add(m.st.title.Render(fmt.Sprintf("Fixes to apply (%d)", len(m.fix))))
		for _, f := range m.findings {
			n, ok := m.fix[f.ID]
			if !ok || n >= len(f.Fixes) {
				continue
			}
			x := f.Fixes[n]
			add(fmt.Sprintf("  %s  %s", f.Location, f.Rule))
			add(fmt.Sprintf("    fix %d (%s): %s", n+1, x.Class, x.Description))
			for _, c := range x.Commands {
				add("    $ " + c)
			}
			for _, s := range diffStat(x.Diff) {
				add("    " + s)
			}
		}
		add("")
	}
	if len(m.meant) > 0 {
		add(m.st.title.Render(fmt.Sprintf("Marked as meant (%d): a suppression comment is written", len(m.meant))))
		for _, f := range m.findings {
			r, ok := m.meant[f.ID]
			if !ok {
				continue
			}
			add(fmt.Sprintf("  %s  %s", f.Location, f.Rule))
			add(fmt.Sprintf("    reason: %s", r))
		}
		add("")
	}
	if left := len(m.findings) - len(m.fix) - len(m.meant); left > 0 {
		add(m.st.dim.Render(plural(left, "finding is", "findings are") + " left as they are."))
	}
	add("y applies (backups, config test, rollback on failure); w writes a patch",
		"file and a shell script instead; n goes back.")
	return strings.Join(out, "\n")
}
