package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path"
	"runtime/debug"
	"strings"
	"time"

	"github.com/unforbid/unforbid/parser"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules"
	"github.com/unforbid/unforbid/rules/report"
	"github.com/unforbid/unforbid/rules/scan"
	"github.com/unforbid/unforbid/rules/simulate"
	nginxsim "github.com/unforbid/unforbid/rules/simulate/nginx"
	"github.com/unforbid/unforbid/rules/simulate/servers"
)

// Exit codes of the command-line contract.
const (
	exitClean    = 0
	exitFindings = 1
	exitError    = 2
)

// options are the parsed command-line flags.
type options struct {
	check, diff, apply bool
	undo               bool
	fixRules           headerFlags // --fix RULE: also that rule's review fixes
	includeReview      bool
	reload             bool
	format             string
	root               string
	severity           string
	server             string
	prefix             string
	method             string
	clientIP           string
	serverIP           string
	headers            headerFlags
	progress           bool
	logFile            string // explain --log: the error log to explain
	last               int    // explain --last: only the last N request errors
	htaccess           string // --htaccess DOCROOT: its .htaccess files under stock Debian apache2
	// view, when set, is the filesystem view to read instead of the
	// disk under --root (the demo's in-memory tree).
	view *fsmeta.FS
}

type headerFlags []string

// String joins the headers (flag.Value).
func (h *headerFlags) String() string { return strings.Join(*h, ", ") }

// Set adds one header (flag.Value).
func (h *headerFlags) Set(v string) error { *h = append(*h, v); return nil }

func newFlagSet(o *options, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("unforbid", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&o.check, "check", false, "report findings; exit 0 clean, 1 findings, 2 error")
	fs.BoolVar(&o.diff, "diff", false, "print every proposed fix: config edits as unified diffs, filesystem changes as commands")
	fs.BoolVar(&o.apply, "apply", false, "apply the safe fix of every finding (backups, journal, nginx -t, rollback)")
	fs.BoolVar(&o.undo, "undo", false, "restore what the last --apply changed, byte for byte")
	fs.Var(&o.fixRules, "fix", "apply: also apply the review fixes of `RULE`; diff: also propose its suppression comment (repeatable)")
	fs.BoolVar(&o.includeReview, "include-review", false, "apply: also apply review fixes (they widen access or undo someone's intent)")
	fs.BoolVar(&o.reload, "reload", false, "apply: reload the server after a successful config test")
	fs.StringVar(&o.format, "format", "text", "output format: text, json or sarif (--check only)")
	fs.StringVar(&o.root, "root", "", "resolve every absolute path under `DIR` (container images, copies of /etc)")
	fs.StringVar(&o.severity, "severity", "warning", "lowest severity reported and counted: info, warning or error")
	fs.StringVar(&o.server, "server", "", "force the server kind: nginx or apache")
	fs.StringVar(&o.prefix, "prefix", nginxsim.DefaultPrefix, "nginx --prefix, for relative root and alias")
	fs.StringVar(&o.method, "method", "GET", "explain: request method")
	fs.StringVar(&o.clientIP, "client-ip", "", "explain: client `ADDR` for allow/deny and $remote_addr (default 127.0.0.1, or ::1 when the server address is IPv6)")
	fs.StringVar(&o.serverIP, "server-ip", "", "explain: the local `ADDR` the client connects to (default: from the URL's host and the listens, never the client's)")
	fs.Var(&o.headers, "header", "explain: request header 'Name: value' (repeatable)")
	fs.StringVar(&o.logFile, "log", "", "explain: rebuild and explain the requests of the nginx or Apache error log `FILE` (.gz too)")
	fs.IntVar(&o.last, "last", 0, "explain --log: only the last `N` request errors of the log (0: all)")
	fs.StringVar(&o.htaccess, "htaccess", "", "Apache: judge the .htaccess files of `DOCROOT` under Debian's stock apache2 config (AllowOverride All); no CONFIG")
	fs.BoolVar(&o.progress, "progress", false, "show scan progress on stderr (default: when stderr is a terminal)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `usage:
  unforbid [flags] [CONFIG]                 review findings and fixes on a terminal; else as --check
  unforbid --check [flags] [CONFIG]         exit 0 clean, 1 findings, 2 error
  unforbid --diff [flags] [CONFIG]          print the proposed fixes (unified diffs, commands)
  unforbid --apply [flags] [CONFIG]         apply the safe fixes (--fix RULE, --include-review for more)
  unforbid --undo [--root DIR]              restore what the last --apply changed
  unforbid --check --htaccess DOCROOT       Apache: judge a docroot's .htaccess files under Debian's
                                            stock apache2 (also --diff, --apply, explain --htaccess DOCROOT URL...)
  unforbid explain [flags] CONFIG URL...    simulate requests and show the decision trace
  unforbid explain --log FILE [--last N] [flags] CONFIG
                                            explain the request errors of an nginx or Apache error log
  unforbid rules [--format json]            list the rules
  unforbid demo                             run on a bundled demo tree with typical 403 causes
                                            (on a terminal: the review, applying to a temporary copy)

flags:
`)
		fs.PrintDefaults()
	}
	return fs
}

// parseArgs parses flags that may stand before or after positionals.
func parseArgs(args []string, o *options, stderr io.Writer) ([]string, error) {
	fs := newFlagSet(o, stderr)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func run(args []string, stdout, stderr io.Writer) int {
	var o options
	cmd := ""
	if len(args) > 0 {
		switch args[0] {
		case "explain", "rules", "demo":
			cmd, args = args[0], args[1:]
		}
	}
	pos, err := parseArgs(args, &o, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitClean
		}
		return exitError
	}
	if o.format != "text" && o.format != "json" && o.format != "sarif" {
		fmt.Fprintf(stderr, "unforbid: unknown --format %q (want text, json or sarif)\n", o.format)
		return exitError
	}
	minSev, err := rules.ParseSeverity(o.severity)
	if err != nil {
		fmt.Fprintf(stderr, "unforbid: %v\n", err)
		return exitError
	}
	if msg := usageError(cmd, o); msg != "" {
		fmt.Fprintf(stderr, "unforbid: %s\n", msg)
		return exitError
	}
	switch cmd {
	case "rules":
		return printRules(o, stdout, stderr)
	case "explain":
		return explain(o, pos, stdout, stderr)
	case "demo":
		return demoCmd(o, minSev, stdout, stderr)
	}
	if o.undo {
		if len(pos) > 0 {
			fmt.Fprintln(stderr, "unforbid: --undo takes no CONFIG: it restores what the last --apply changed")
			return exitError
		}
		return undoCmd(o, stdout, stderr)
	}
	if len(pos) > 1 {
		fmt.Fprintf(stderr, "unforbid: one CONFIG at a time (got %d)\n", len(pos))
		return exitError
	}
	config := ""
	if len(pos) == 1 {
		config = pos[0]
	}
	switch {
	case o.apply:
		return applyCmd(o, config, minSev, stdout, stderr)
	case o.diff:
		return diffCmd(o, config, minSev, stdout, stderr)
	case reviewWanted(o, stdout):
		return reviewCmd(o, config, minSev, stdout, stderr)
	}
	return check(o, config, minSev, stdout, stderr)
}

// usageError checks the flags that make no sense for cmd ("" for
// --check) and returns what is wrong, or "". A flag that would be ignored
// is refused: a script must not read text where it asked for SARIF.
func usageError(cmd string, o options) string {
	switch o.server {
	case "", string(parser.KindNginx), string(parser.KindApache):
	default:
		return fmt.Sprintf("unknown --server %q (want nginx or apache)", o.server)
	}
	modes := 0
	for _, on := range []bool{o.check, o.diff, o.apply, o.undo} {
		if on {
			modes++
		}
	}
	switch {
	case modes > 1:
		return "--check, --diff, --apply and --undo exclude each other: choose one"
	case !o.apply && (o.includeReview || o.reload):
		return "--include-review and --reload go with --apply"
	case !o.apply && !o.diff && len(o.fixRules) > 0:
		return "--fix goes with --apply (or with --diff, to propose suppression comments)"
	}
	for _, r := range o.fixRules {
		if rules.Lookup(r) == nil {
			return fmt.Sprintf("--fix %s: no such rule (unforbid rules lists them)", r)
		}
	}
	if cmd == "" {
		return ""
	}
	if o.diff || o.apply || o.undo {
		return fmt.Sprintf("--diff, --apply and --undo do not go with %s", cmd)
	}
	switch {
	case o.format == "sarif":
		return fmt.Sprintf("--format sarif is for --check; %s prints text or json", cmd)
	case cmd == "demo" && o.format != "text":
		return "demo prints text for a reader; for JSON lay the tree out (go run ./internal/laytree demo/demo.txtar DIR) and run unforbid --check --format json --root DIR"
	}
	return ""
}

// loaded is a configuration ready to simulate.
type loaded struct {
	fsys *fsmeta.FS
	srv  simulate.Server
	main string // the main config file, as the server sees it
	// htaccess is the docroot of --htaccess (main is it too), and reload
	// loads the stock server around it again on another view.
	htaccess string
	reload   func(*fsmeta.FS) (simulate.Server, error)
}

// newFS opens the filesystem view under --root. main_test.go swaps it to
// run the command line on in-memory test trees, as any user.
var newFS = fsmeta.New

// load detects, parses and models the configuration; errors are printed
// as file:line: message.
// loadGCPercent is the collector's target while the configuration loads
// (unless GOGC is set): a load allocates little that dies young, and at
// the default of 100 the collector marked the growing model again and
// again. At 10,000 hosts 300 took a tenth off nginx's check (peak memory
// unchanged, set by the scan) and a twentieth off Apache's (peak 144 ->
// 159 MiB); the scan sets its own target (scan.Run).
const loadGCPercent = 300

func load(o options, config string, stderr io.Writer) (*loaded, bool) {
	fsys := o.view
	if fsys == nil {
		if o.root != "" {
			// else every path under it is "missing", and the message
			// would blame the config
			if st, err := os.Stat(o.root); err != nil || !st.IsDir() {
				why := "not a directory"
				var pe *fs.PathError
				if errors.As(err, &pe) {
					why = pe.Err.Error()
				}
				fmt.Fprintf(stderr, "unforbid: --root %s: %s\n", o.root, why)
				return nil, false
			}
		}
		fsys = newFS(o.root)
	}
	if o.htaccess != "" {
		return loadHtaccess(o, config, fsys, stderr)
	}
	kind, main, err := findConfig(o, config, fsys)
	if err != nil {
		fmt.Fprintf(stderr, "unforbid: %v\n", err)
		return nil, false
	}
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(loadGCPercent))
	}
	srv, err := servers.Load(kind, main, fsys, servers.Options{NginxPrefix: o.prefix})
	if err != nil {
		printErr(stderr, err)
		return nil, false
	}
	return &loaded{fsys: fsys, srv: srv, main: main}, true
}

func findConfig(o options, config string, fsys *fsmeta.FS) (parser.Kind, string, error) {
	if config != "" {
		if o.root != "" && !path.IsAbs(config) {
			return "", "", fmt.Errorf("with --root, CONFIG must be an absolute path as the server sees it (got %q)", config)
		}
		if o.root == "" && !path.IsAbs(config) {
			wd, err := os.Getwd()
			if err != nil {
				return "", "", err
			}
			config = path.Join(wd, config)
		}
		return parser.DetectAs(path.Clean(config), fsys, parser.Kind(o.server))
	}
	return parser.DetectDefault(fsys, parser.Kind(o.server))
}

func printErr(w io.Writer, err error) {
	var list parser.ErrorList
	if errors.As(err, &list) {
		list.Sort()
		for _, e := range list {
			fmt.Fprintln(w, e.Error())
		}
		return
	}
	fmt.Fprintln(w, err.Error())
}

func check(o options, config string, minSev rules.Severity, stdout, stderr io.Writer) int {
	l, ok := load(o, config, stderr)
	if !ok {
		return exitError
	}
	opts := scan.Options{}
	tty := isTerminal(os.Stderr) && stderr == io.Writer(os.Stderr)
	onScreen := false // a progress line stands on the terminal: clear it
	if o.progress || tty {
		// asked for: from the first batch, then every quarter second;
		// by default on a terminal: only for scans longer than a second
		last, every := time.Now(), time.Second
		if o.progress {
			last, every = time.Time{}, 250*time.Millisecond
		}
		opts.ProgressEvery = 5000
		opts.Progress = func(s scan.Stats) {
			if time.Since(last) < every {
				return
			}
			last = time.Now()
			msg := fmt.Sprintf("scanned %d files and directories in %s...", s.Files, rules.Plural(s.Servers, "server"))
			if tty {
				// one line rewritten in place
				fmt.Fprint(stderr, "\r\033[K"+msg)
				onScreen = true
			} else {
				// a file or a pipe gets whole lines, no escapes
				fmt.Fprintln(stderr, msg)
			}
		}
	}
	start := time.Now()
	all, stats := scan.Run(l.srv, opts)
	all = l.judgeHtaccess(all)
	var shown []rules.Finding
	for _, f := range all {
		if f.Severity >= minSev {
			shown = append(shown, f)
		}
	}
	// findings silenced by a suppression comment are reported apart and
	// do not count for the exit code
	counted, suppressed := report.Split(shown)
	if onScreen {
		fmt.Fprint(stderr, "\r\033[K")
	}
	// what could not be looked at or judged: the model's notes, then the
	// scan's (a note alone is no finding and leaves the exit code 0)
	notes := append(l.srv.Notes(), stats.Notes()...)
	if stats.Servers == 0 {
		// an empty file, or one without http or server blocks (mime.types
		// read with --server nginx): nothing was looked at
		msg := "the configuration defines no server: nothing was checked"
		if len(l.srv.Sites()) > 0 {
			// every one is unreachable: their notes say why
			msg = "no request reaches any server of the configuration: nothing was checked"
		}
		notes = append(notes, simulate.Note{Message: msg, Range: parser.Range{File: l.main}})
	}
	switch o.format {
	case "json", "sarif":
		write := report.JSON
		if o.format == "sarif" {
			write = report.SARIF
		}
		if err := write(stdout, shown, notes...); err != nil {
			fmt.Fprintf(stderr, "unforbid: %v\n", err)
			return exitError
		}
	default:
		report.Text(stdout, shown)
		fmt.Fprint(stderr, rules.Plural(len(counted), "finding"))
		if len(suppressed) > 0 {
			// silenced by unforbid:ignore comments: JSON and SARIF list them
			fmt.Fprintf(stderr, "; %s suppressed", rules.Plural(len(suppressed), "finding"))
		}
		if stats.NotWalked > 0 {
			fmt.Fprintf(stderr, "; %s not walked", rules.Plural(stats.NotWalked, "server"))
		}
		if stats.PartlyWalked > 0 {
			fmt.Fprintf(stderr, "; %s walked in part", rules.Plural(stats.PartlyWalked, "server"))
		}
		if stats.NotWalked+stats.PartlyWalked > 0 {
			fmt.Fprint(stderr, " (see the notes: no finding there means nothing)")
		}
		fmt.Fprintf(stderr, "; workers run as %s; %s, %d files and directories, %d requests simulated in %s",
			l.srv.Worker(), rules.Plural(stats.Servers, "server"), stats.Files, stats.Requests, time.Since(start).Round(time.Millisecond))
		if hidden := len(all) - len(shown); hidden > 0 {
			fmt.Fprintf(stderr, "; %d below --severity %s", hidden, o.severity)
		}
		if stats.Unsure > 0 {
			fmt.Fprintf(stderr, "; %d requests not judged (see the notes)", stats.Unsure)
		}
		fmt.Fprintln(stderr)
		report.Notes(stderr, notes)
	}
	if len(counted) > 0 {
		return exitFindings
	}
	return exitClean
}

func explain(o options, pos []string, stdout, stderr io.Writer) int {
	if o.logFile != "" {
		return explainLog(o, pos, stdout, stderr)
	}
	config, urls := "", pos // --htaccess DOCROOT: no CONFIG
	if o.htaccess == "" && len(pos) > 0 {
		config, urls = pos[0], pos[1:]
	}
	if len(urls) < 1 {
		fmt.Fprintln(stderr, "usage: unforbid explain [flags] CONFIG URL [URL...]  (or explain --htaccess DOCROOT URL...)")
		return exitError
	}
	l, ok := load(o, config, stderr)
	if !ok {
		return exitError
	}
	report.Notes(stderr, l.srv.Notes())
	headers := map[string]string{}
	for _, h := range o.headers {
		k, v, ok := strings.Cut(h, ":")
		if !ok {
			fmt.Fprintf(stderr, "unforbid: --header %q: want 'Name: value'\n", h)
			return exitError
		}
		headers[canonicalHeader(strings.TrimSpace(k))] = strings.TrimSpace(v)
	}
	var es []report.Explained
	for _, u := range urls {
		// --method post means POST (nginx itself answers 400 to "post")
		req, err := simulate.ParseRequest(strings.ToUpper(o.method), u, o.clientIP)
		if err != nil {
			fmt.Fprintf(stderr, "unforbid: %v\n", err)
			return exitError
		}
		if req.Host == "" {
			// "" and "http:///x" would ask a server of no name
			fmt.Fprintf(stderr, "unforbid: bad url %q: no host (write http://HOST[:PORT]/PATH, or /PATH for localhost)\n", u)
			return exitError
		}
		req.Headers = headers
		if o.clientIP == "" {
			req.ClientIP = "" // any family: the client follows the server address
		}
		e, err := explainOne(l.srv, req, o.serverIP)
		if err != nil {
			fmt.Fprintf(stderr, "unforbid: %v\n", err)
			return exitError
		}
		es = append(es, e)
	}
	if o.format == "json" {
		if err := report.ExplainJSON(stdout, es); err != nil {
			fmt.Fprintf(stderr, "unforbid: %v\n", err)
			return exitError
		}
		return exitClean
	}
	fmt.Fprintf(stdout, "workers run as %s\n\n", l.srv.Worker())
	report.ExplainText(stdout, es)
	return exitClean
}

// explainOne simulates req with its trace starting at the connection:
// the local address is --server-ip when given, else the one the simulator
// derives from the URL and the listens (never the client's). Without
// --client-ip the client is loopback of that address's family.
func explainOne(sim simulate.Server, req simulate.Request, serverIP string) (report.Explained, error) {
	if serverIP != "" {
		ip := net.ParseIP(serverIP)
		if ip == nil {
			return report.Explained{}, fmt.Errorf("--server-ip %q is not an IP address", serverIP)
		}
		req.ServerIP = ip.String()
	}
	addr, step := sim.LocalAddr(req)
	v6 := net.ParseIP(addr).To4() == nil
	switch c := net.ParseIP(req.ClientIP); {
	case c == nil && v6:
		req.ClientIP = "::1"
	case c == nil:
		req.ClientIP = "127.0.0.1"
	case (c.To4() == nil) != v6:
		return report.Explained{}, fmt.Errorf("client %s cannot connect to %s: another address family (--client-ip and the server address must both be IPv4 or IPv6)", req.ClientIP, addr)
	}
	req.ServerIP = addr
	d := sim.Simulate(req)
	d.Trace = append([]simulate.Step{step}, d.Trace...)
	return report.Explained{Request: req, Decision: d}, nil
}

func canonicalHeader(k string) string {
	parts := strings.Split(strings.ToLower(k), "-")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "-")
}

func printRules(o options, stdout, stderr io.Writer) int {
	if o.format == "json" {
		return printRulesJSON(stdout, stderr)
	}
	for i, r := range rules.All {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		fmt.Fprintf(stdout, "%s (%s): %s\n\n", r.ID, r.Severity, r.Doc.Title)
		for _, line := range strings.Split(r.Doc.Text, "\n") {
			fmt.Fprintf(stdout, "    %s\n", line)
		}
		fmt.Fprintf(stdout, "\n    before:\n")
		for _, line := range strings.Split(r.Doc.Before, "\n") {
			fmt.Fprintf(stdout, "        %s\n", line)
		}
		fmt.Fprintf(stdout, "    after:\n")
		for _, line := range strings.Split(r.Doc.After, "\n") {
			fmt.Fprintf(stdout, "        %s\n", line)
		}
	}
	return exitClean
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
