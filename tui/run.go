package tui

import (
	"errors"
	"fmt"

	tea "github.com/charmbracelet/bubbletea"
)

// Run opens the review on the terminal: the scan screen while opts.Scan
// runs in the background, then the findings list. It returns the
// decisions once the admin confirmed (Apply or Write set) or quit
// (neither set), ErrCanceled on Ctrl-C, or the scan's error. The
// terminal is restored in every case; Run itself changes nothing.
func Run(opts Options) (Decisions, error) {
	return RunWith(opts)
}

// RunWith is Run with extra bubbletea program options (such as
// tea.WithInput and tea.WithOutput, for tests); the alternate screen is
// always on.
func RunWith(opts Options, progOpts ...tea.ProgramOption) (Decisions, error) {
	if opts.Scan == nil {
		return Decisions{}, errors.New("tui: Options.Scan is nil")
	}
	p := tea.NewProgram(NewModel(opts), append([]tea.ProgramOption{tea.WithAltScreen()}, progOpts...)...)
	go func() {
		data, err := opts.Scan(func(pr Progress) { p.Send(progressMsg(pr)) })
		p.Send(scanDoneMsg{data: data, err: err})
	}()
	final, err := p.Run()
	if errors.Is(err, tea.ErrInterrupted) || errors.Is(err, tea.ErrProgramKilled) {
		return Decisions{}, ErrCanceled
	}
	if err != nil {
		return Decisions{}, fmt.Errorf("tui: %w", err)
	}
	m, ok := final.(Model)
	if !ok {
		return Decisions{}, fmt.Errorf("tui: unexpected final model %T", final)
	}
	if m.Canceled() {
		return Decisions{}, ErrCanceled
	}
	if m.Err() != nil {
		return Decisions{}, m.Err()
	}
	return m.Decisions(), nil
}
