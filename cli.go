package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/unforbid/unforbid/parser"
	"github.com/unforbid/unforbid/parser/fsmeta"
	conf "github.com/unforbid/unforbid/parser/nginx"
	"github.com/unforbid/unforbid/rules"
	"github.com/unforbid/unforbid/rules/report"
	"github.com/unforbid/unforbid/rules/scan"
	"github.com/unforbid/unforbid/rules/simulate"
	nginxsim "github.com/unforbid/unforbid/rules/simulate/nginx"
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
	format             string
	root               string
	severity           string
	server             string
	prefix             string
	method             string
	clientIP           string
	headers            headerFlags
	progress           bool
	logFile            string // explain --log: the error log to explain
	last               int    // explain --last: only the last N request errors
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
	fs.BoolVar(&o.diff, "diff", false, "print proposed fixes (not available yet)")
	fs.BoolVar(&o.apply, "apply", false, "apply proposed fixes (not available yet)")
	fs.StringVar(&o.format, "format", "text", "output format: text, json or sarif (--check only)")
	fs.StringVar(&o.root, "root", "", "resolve every absolute path under `DIR` (container images, copies of /etc)")
	fs.StringVar(&o.severity, "severity", "warning", "lowest severity reported and counted: info, warning or error")
	fs.StringVar(&o.server, "server", "", "force the server kind: nginx or apache")
	fs.StringVar(&o.prefix, "prefix", nginxsim.DefaultPrefix, "nginx --prefix, for relative root and alias")
	fs.StringVar(&o.method, "method", "GET", "explain: request method")
	fs.StringVar(&o.clientIP, "client-ip", "127.0.0.1", "explain: client address (for allow/deny)")
	fs.Var(&o.headers, "header", "explain: request header 'Name: value' (repeatable)")
	fs.StringVar(&o.logFile, "log", "", "explain: rebuild and explain the requests of nginx error log `FILE` (.gz too)")
	fs.IntVar(&o.last, "last", 0, "explain --log: only the last `N` request errors of the log (0: all)")
	fs.BoolVar(&o.progress, "progress", false, "show scan progress on stderr (default: when stderr is a terminal)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `usage:
  unforbid [flags] [CONFIG]                 report unintended 403s (as --check)
  unforbid --check [flags] [CONFIG]         exit 0 clean, 1 findings, 2 error
  unforbid explain [flags] CONFIG URL...    simulate requests and show the decision trace
  unforbid explain --log FILE [--last N] [flags] CONFIG
                                            explain the request errors of an nginx error log
  unforbid rules [--format json]            list the rules
  unforbid demo                             run on a bundled demo tree with typical 403 causes

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
	switch cmd {
	case "rules":
		return printRules(o, stdout, stderr)
	case "explain":
		return explain(o, pos, stdout, stderr)
	case "demo":
		return demoCmd(o, minSev, stdout, stderr)
	}
	if o.diff || o.apply {
		fmt.Fprintln(stderr, "unforbid: --diff and --apply are not available yet: this version reports causes only")
		return exitError
	}
	if len(pos) > 1 {
		fmt.Fprintf(stderr, "unforbid: one CONFIG at a time (got %d)\n", len(pos))
		return exitError
	}
	config := ""
	if len(pos) == 1 {
		config = pos[0]
	}
	return check(o, config, minSev, stdout, stderr)
}

// loaded is a configuration ready to simulate.
type loaded struct {
	fsys *fsmeta.FS
	cfg  *conf.Config
	sim  *nginxsim.Simulator
}

// load detects, parses and models the configuration; errors are printed
// as file:line: message.
func load(o options, config string, stderr io.Writer) (*loaded, bool) {
	fsys := fsmeta.New(o.root)
	kind, main, err := findConfig(o, config, fsys)
	if err != nil {
		fmt.Fprintf(stderr, "unforbid: %v\n", err)
		return nil, false
	}
	if kind != parser.KindNginx {
		fmt.Fprintf(stderr, "%s: Apache httpd configs are not supported yet (nginx only in this version)\n", main)
		return nil, false
	}
	cfg, err := conf.Load(main, conf.Options{FS: fsys})
	if err != nil {
		printErr(stderr, err)
		return nil, false
	}
	m, err := nginxsim.Build(cfg, nginxsim.Options{Prefix: o.prefix})
	if err != nil {
		printErr(stderr, err)
		return nil, false
	}
	sim, err := nginxsim.New(m, fsys)
	if err != nil {
		printErr(stderr, err)
		return nil, false
	}
	if sim.Note != "" {
		fmt.Fprintln(stderr, "note: "+sim.Note)
	}
	for _, u := range m.Unsupported {
		fmt.Fprintln(stderr, "note: not simulated: "+u)
	}
	return &loaded{fsys: fsys, cfg: cfg, sim: sim}, true
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
		kind, main, err := parser.Detect(path.Clean(config), fsys.HostPath)
		if err != nil {
			return "", "", err
		}
		if o.server != "" {
			kind = parser.Kind(o.server)
		}
		return kind, main, nil
	}
	for _, c := range parser.DefaultConfigs {
		if _, err := os.Stat(fsys.HostPath(c)); err == nil {
			kind, main, err := parser.Detect(c, fsys.HostPath)
			if err == nil && (o.server == "" || parser.Kind(o.server) == kind) {
				return kind, main, nil
			}
		}
	}
	return "", "", fmt.Errorf("no CONFIG given and none of %s exists", strings.Join(parser.DefaultConfigs, ", "))
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
	if o.progress || isTerminal(os.Stderr) && stderr == io.Writer(os.Stderr) {
		last := time.Now()
		opts.ProgressEvery = 5000
		opts.Progress = func(s scan.Stats) {
			if time.Since(last) > time.Second {
				last = time.Now()
				fmt.Fprintf(stderr, "\rscanned %d files and directories in %d servers...", s.Files, s.Servers)
			}
		}
	}
	start := time.Now()
	all, stats := scan.Nginx(l.sim, opts)
	var shown []rules.Finding
	for _, f := range all {
		if f.Severity >= minSev {
			shown = append(shown, f)
		}
	}
	if opts.Progress != nil {
		fmt.Fprint(stderr, "\r\033[K")
	}
	switch o.format {
	case "json", "sarif":
		write := report.JSON
		if o.format == "sarif" {
			write = report.SARIF
		}
		if err := write(stdout, shown); err != nil {
			fmt.Fprintf(stderr, "unforbid: %v\n", err)
			return exitError
		}
	default:
		report.Text(stdout, shown)
		fmt.Fprintf(stderr, "%s; workers run as %s; %d servers, %d files and directories, %d requests simulated in %s",
			plural(len(shown), "finding"), l.sim.Worker(), stats.Servers, stats.Files, stats.Requests, time.Since(start).Round(time.Millisecond))
		if hidden := len(all) - len(shown); hidden > 0 {
			fmt.Fprintf(stderr, "; %d below --severity %s", hidden, o.severity)
		}
		if stats.Unsure > 0 {
			fmt.Fprintf(stderr, "; %d requests not judged (constructs the simulator does not model)", stats.Unsure)
		}
		fmt.Fprintln(stderr)
		whys := make([]string, 0, len(stats.UnsureWhy))
		for why := range stats.UnsureWhy {
			whys = append(whys, why)
		}
		sort.Slice(whys, func(i, j int) bool {
			return stats.UnsureWhy[whys[i]] > stats.UnsureWhy[whys[j]] || stats.UnsureWhy[whys[i]] == stats.UnsureWhy[whys[j]] && whys[i] < whys[j]
		})
		for _, why := range whys {
			fmt.Fprintf(stderr, "note: not judged (%d requests): %s\n", stats.UnsureWhy[why], why)
		}
		for _, s := range stats.Skipped {
			fmt.Fprintln(stderr, "note: "+s)
		}
		if stats.SkippedMore > 0 {
			fmt.Fprintf(stderr, "note: ... and %d more like these\n", stats.SkippedMore)
		}
	}
	if len(shown) > 0 {
		return exitFindings
	}
	return exitClean
}

func explain(o options, pos []string, stdout, stderr io.Writer) int {
	if o.logFile != "" {
		return explainLog(o, pos, stdout, stderr)
	}
	if len(pos) < 2 {
		fmt.Fprintln(stderr, "usage: unforbid explain [flags] CONFIG URL [URL...]")
		return exitError
	}
	l, ok := load(o, pos[0], stderr)
	if !ok {
		return exitError
	}
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
	for _, u := range pos[1:] {
		// --method post means POST (nginx itself answers 400 to "post")
		req, err := simulate.ParseRequest(strings.ToUpper(o.method), u, o.clientIP)
		if err != nil {
			fmt.Fprintf(stderr, "unforbid: %v\n", err)
			return exitError
		}
		req.Headers = headers
		es = append(es, report.Explained{Request: req, Decision: l.sim.Simulate(req)})
	}
	if o.format == "json" {
		if err := report.ExplainJSON(stdout, es); err != nil {
			fmt.Fprintf(stderr, "unforbid: %v\n", err)
			return exitError
		}
		return exitClean
	}
	fmt.Fprintf(stdout, "workers run as %s\n\n", l.sim.Worker())
	report.ExplainText(stdout, es)
	return exitClean
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

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
