package tui

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
)

// KeyMap is the review's key bindings; the help bar (`?`) is built from it.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Open, Back                              key.Binding
	Filter, Intended                        key.Binding
	Accept, Skip, Meant, AcceptAllSafe      key.Binding
	NextAlt, PrevAlt, PickAlt               key.Binding
	Explain, Confirm                        key.Binding
	Yes, Write, No                          key.Binding
	Help, Quit, Cancel                      key.Binding
}

// DefaultKeyMap returns the review's key bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:            key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:          key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:        key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		PageDown:      key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down")),
		Top:           key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g/home", "top")),
		Bottom:        key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G/end", "bottom")),
		Open:          key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "details")),
		Back:          key.NewBinding(key.WithKeys("esc", "backspace"), key.WithHelp("esc", "back")),
		Filter:        key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Intended:      key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "intended refusals")),
		Accept:        key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "accept fix")),
		Skip:          key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "skip")),
		Meant:         key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "mark as meant")),
		AcceptAllSafe: key.NewBinding(key.WithKeys("A"), key.WithHelp("A", "accept all safe fixes")),
		NextAlt:       key.NewBinding(key.WithKeys("tab", "right", "l"), key.WithHelp("tab/→", "next fix")),
		PrevAlt:       key.NewBinding(key.WithKeys("shift+tab", "left", "h"), key.WithHelp("shift+tab/←", "previous fix")),
		PickAlt:       key.NewBinding(key.WithKeys("1", "2", "3", "4", "5", "6", "7", "8", "9"), key.WithHelp("1-9", "pick fix")),
		Explain:       key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "explain a URL")),
		Confirm:       key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "review and apply")),
		Yes:           key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "apply")),
		Write:         key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "write patch and script")),
		No:            key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n/esc", "back")),
		Help:          key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:          key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit, change nothing")),
		Cancel:        key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "cancel")),
	}
}

// screenKeys is the part of the key map that applies on one screen, as
// help.KeyMap wants it.
type screenKeys struct {
	k      *KeyMap
	screen screen
}

var _ help.KeyMap = screenKeys{}

// ShortHelp returns the keys shown in the one-line help bar.
func (s screenKeys) ShortHelp() []key.Binding {
	k := s.k
	switch s.screen {
	case screenScan:
		return []key.Binding{k.Cancel}
	case screenDetail:
		return []key.Binding{k.Accept, k.NextAlt, k.Skip, k.Meant, k.Back, k.Help}
	case screenConfirm:
		return []key.Binding{k.Yes, k.Write, k.No}
	case screenExplain:
		return []key.Binding{k.Up, k.Down, k.Back}
	}
	return []key.Binding{k.Open, k.Accept, k.Skip, k.Filter, k.Confirm, k.Quit, k.Help}
}

// FullHelp returns the keys shown when help is expanded, in columns.
func (s screenKeys) FullHelp() [][]key.Binding {
	k := s.k
	switch s.screen {
	case screenScan:
		return [][]key.Binding{{k.Cancel}}
	case screenDetail:
		return [][]key.Binding{
			{k.Up, k.Down, k.PageUp, k.PageDown},
			{k.Accept, k.NextAlt, k.PrevAlt, k.PickAlt},
			{k.Skip, k.Meant, k.Explain},
			{k.Back, k.Confirm, k.Help, k.Quit},
		}
	case screenConfirm:
		return [][]key.Binding{{k.Yes, k.Write, k.No}, {k.Up, k.Down, k.Quit}}
	case screenExplain:
		return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown}, {k.Back}}
	}
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Open, k.Accept, k.Skip, k.Meant, k.AcceptAllSafe},
		{k.Filter, k.Intended, k.Explain},
		{k.Confirm, k.Help, k.Quit, k.Cancel},
	}
}
