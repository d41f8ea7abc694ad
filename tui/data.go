// Package tui is unforbid's interactive review, built with bubbletea: it
// shows the scan's progress, the findings grouped by severity and server,
// each finding's decision trace and its fix alternatives as colored
// diffs, and collects the admin's decisions (accept a fix, skip, mark as
// meant with a reason). It computes nothing itself: it receives plain view
// data and returns decisions, which the command line applies through the
// same code as --apply.
package tui

// Finding is one finding as the review shows it.
type Finding struct {
	// ID identifies the finding in Decisions (its key).
	ID       string
	Rule     string
	Severity string // "error", "warning" or "info"
	Server   string // the site (server block) it belongs to, for grouping
	Message  string
	Location string // file:line of the directive responsible
	Path     string // the filesystem path responsible, if any
	URL      string // an example request
	Count    int    // how many files or URLs it hides
	// Trace is the decision trace of the example request, one line per
	// step, as `unforbid explain` prints it.
	Trace   []string
	Related []string // related locations, "file:line: message"
	Fixes   []Fix
	// CanSuppress says the finding may be marked as meant (a suppression
	// comment can be written above its directive).
	CanSuppress bool
}

// Fix is one fix alternative of a finding.
type Fix struct {
	Description string
	Class       string   // "safe" or "review"
	Diff        string   // unified diff of its config edits; "" for none
	Commands    []string // its filesystem operations as shell commands
}

// Intended is a refusal the scan judged deliberate and left alone, shown
// on request so the admin sees what was judged meant, and why.
type Intended struct {
	Rule     string
	Message  string
	Location string
}

// Data is everything the review shows.
type Data struct {
	Title    string // e.g. "/etc/nginx/nginx.conf (nginx, workers run as www-data)"
	Findings []Finding
	Intended []Intended
	Notes    []string // what the scan could not look at
}

// Progress is one report of a running scan, sent to the program while
// configs load and trees are walked.
type Progress struct {
	Servers  int
	Files    int
	Findings int
	// Done and Total measure the work where its total is known (servers
	// walked of all); Total 0 means unknown.
	Done, Total int
}

// Decisions are what the admin decided: Apply or Write is set when they
// confirmed; neither when they quit.
type Decisions struct {
	// Fix maps a finding ID to the index of its accepted fix.
	Fix map[string]int
	// Meant maps a finding ID to the reason given when it was marked as
	// meant (a suppression comment is written for it).
	Meant map[string]string
	// Apply is set when the admin confirmed applying; Write when they
	// chose to write a patch file and a shell script instead.
	Apply, Write bool
}

// Options configure Run.
type Options struct {
	// Scan runs the scan while the scan screen shows its progress: it
	// calls progress as it goes and returns the data to review. Run calls
	// it once, in the background.
	Scan func(progress func(Progress)) (Data, error)
	// Explain returns the decision trace of a URL on the loaded config,
	// as `unforbid explain` prints it (the `e` key).
	Explain func(url string) (string, error)
	// NoColor turns colors off (NO_COLOR is set, or the terminal has none).
	NoColor bool
}
