// Package treetest runs unforbid's test trees (testdata/trees/*.txtar): it
// builds a tree's filesystem view (in memory with Setup, so that the
// simulator and scanner tests run as any user; laid out on disk with
// SetupDisk, for the real server of the end-to-end tests), loads its
// server's configuration from that view, and reads the expectations written in the
// tree: the `# want "rule"` annotations on config and .fsmeta lines
// (`# want "suppressed:rule"` for a finding a suppression comment
// silences; on a comment line of its own, the want is for the next line
// that is no comment), and the `.requests` section of URLs with the
// status the real server gives them. A tree is for nginx
// (etc/nginx/nginx.conf) or Apache (etc/apache2/apache2.conf).
package treetest

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/internal/layout"
	"github.com/unforbid/unforbid/internal/treetest/need"
	"github.com/unforbid/unforbid/parser"
	"github.com/unforbid/unforbid/parser/fsmeta"
	conf "github.com/unforbid/unforbid/parser/nginx"
	"github.com/unforbid/unforbid/rules"
	"github.com/unforbid/unforbid/rules/simulate"
	nginxsim "github.com/unforbid/unforbid/rules/simulate/nginx"
	"github.com/unforbid/unforbid/rules/simulate/servers"
)

// MainConfig is the nginx configuration an nginx tree holds.
const MainConfig = "/etc/nginx/nginx.conf"

// ApacheConfig is the Apache configuration an Apache tree holds, laid out
// as Debian's.
const ApacheConfig = "/etc/apache2/apache2.conf"

// Case is one test tree and its filesystem view.
type Case struct {
	Name string
	Tree *layout.Tree
	// Dir is the tree root as a host directory (--root). With SetupDisk it
	// holds the tree laid out for real. With Setup it holds only copies of
	// the tree's files, without modes, owners, ACLs or links, for code that
	// reads the host directly (the command line's config detection); FS
	// is then the tree's in-memory view, whose Root is Dir.
	Dir string
	// FS is the view of the tree the simulator and the scanner read.
	FS *fsmeta.FS
	// Kind is the server the tree's config is for, as parser.Detect
	// tells from its main file, and Main that file as the server sees
	// it (MainConfig for nginx, ApacheConfig for Apache).
	Kind parser.Kind
	Main string
}

// newCase names the case after file and detects its server.
func newCase(file string, tree *layout.Tree, dir string, fsys *fsmeta.FS) *Case {
	c := &Case{Name: caseName(file), Tree: tree, Dir: dir, FS: fsys, Kind: parser.KindNginx, Main: MainConfig}
	if kind, main, err := parser.DetectDefault(fsys, ""); err == nil {
		c.Kind, c.Main = kind, main
	}
	return c
}

// Files lists the test trees under dir (sorted).
func Files(t testing.TB, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.txtar"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no test trees in %s: %v", dir, err)
	}
	sort.Strings(files)
	return files
}

// Setup builds the in-memory view of the tree in file (layout's
// Tree.Memory): modes, owners, ACLs and links as written in its .fsmeta
// section, with no root needed. Dir receives plain copies of the files.
func Setup(t testing.TB, file string) *Case {
	t.Helper()
	tree, err := layout.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return SetupTree(t, tree)
}

// SetupTree is Setup for a parsed tree, named after its Name.
func SetupTree(t testing.TB, tree *layout.Tree) *Case {
	t.Helper()
	dir := t.TempDir()
	fsys, err := tree.Memory(dir)
	if err != nil {
		t.Fatalf("%s: %v", tree.Name, err)
	}
	for _, f := range tree.Archive.Files {
		if strings.HasPrefix(f.Name, ".") || strings.HasSuffix(f.Name, "/") {
			continue
		}
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return newCase(tree.Name, tree, dir, fsys)
}

// SetupDisk lays the tree in file out for real in a fresh temporary
// directory (layout's Tree.Materialize: owners need root), read through
// the real-disk FS.
func SetupDisk(t testing.TB, file string) *Case {
	t.Helper()
	// trees set owners (chown): only root lays them out
	need.Root(t, "tests that lay test trees out on disk")
	tree, err := layout.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := tree.Materialize(dir); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return newCase(file, tree, dir, fsmeta.New(dir))
}

func caseName(file string) string {
	return strings.TrimSuffix(filepath.Base(file), ".txtar")
}

// Simulator loads the tree's nginx configuration and returns its nginx
// simulator, for tests of nginx's own; it fails t for a tree of another
// server (see Server).
func (c *Case) Simulator(t testing.TB) *nginxsim.Simulator {
	t.Helper()
	if c.Kind != parser.KindNginx {
		t.Fatalf("%s: an %s tree has no nginx simulator", c.Name, c.Kind)
	}
	cfg, err := conf.Load(MainConfig, conf.Options{FS: c.FS})
	if err != nil {
		t.Fatalf("%s: load: %v", c.Name, err)
	}
	m, err := nginxsim.Build(cfg, nginxsim.Options{})
	if err != nil {
		t.Fatalf("%s: model: %v", c.Name, err)
	}
	sim, err := nginxsim.New(m, c.FS)
	if err != nil {
		t.Fatalf("%s: simulator: %v", c.Name, err)
	}
	return sim
}

// Server loads the tree's configuration, whatever server it is for, and
// returns its simulator through the server-neutral contract.
func (c *Case) Server(t testing.TB) simulate.Server {
	t.Helper()
	if _, ok := c.Tree.Section(c.Main[1:]); !ok {
		t.Fatalf("%s: the tree has no %s", c.Name, c.Main)
	}
	srv, err := servers.Load(c.Kind, c.Main, c.FS, servers.Options{})
	if err != nil {
		t.Fatalf("%s: load: %v", c.Name, err)
	}
	return srv
}

// Request is one line of a tree's .requests section (or of its .apply
// section, the statuses after `unforbid --apply`):
//
//	METHOD URL STATUS [from=IP] [auth] [review]
type Request struct {
	// Section is the section the request is written in: ".requests" or
	// ".apply"; Line its line there.
	Section string
	Line    int
	Method  string
	URL     string
	Want    int
	From    string // client address: 127.0.0.1 (default), 127.0.0.2 or ::1
	Auth    bool   // send Basic credentials user:pass
	// Review marks, in .apply, an unintended refusal that --apply leaves
	// for review: it has no safe fix.
	Review bool
}

// AuthHeader is the Authorization header an `auth` request sends.
var AuthHeader = "Basic " + base64.StdEncoding.EncodeToString([]byte("user:pass"))

// String identifies the request in messages.
func (r Request) String() string {
	sec := r.Section
	if sec == "" {
		sec = ".requests"
	}
	s := fmt.Sprintf("%s:%d: %s %s", sec, r.Line, r.Method, r.URL)
	if r.From != "127.0.0.1" {
		s += " from " + r.From
	}
	if r.Auth {
		s += " with credentials"
	}
	return s
}

// ServerAddr is the local address the request reaches on the real
// server: internal/realnginx connects to 127.0.0.1, or to ::1 from an IPv6
// client, whatever the URL's host (the trees use made-up names); another
// 127/8 client address (127.0.0.2) is the source address only.
func (r Request) ServerAddr() string {
	if strings.Contains(r.From, ":") {
		return "::1"
	}
	return "127.0.0.1"
}

// SecondClient reports whether the request comes from another client
// address than the default 127.0.0.1.
func (r Request) SecondClient() bool { return r.From != "127.0.0.1" }

// Simulated returns the request in the simulator's form, sent to
// ServerAddr: never the client's address.
func (r Request) Simulated() (simulate.Request, error) {
	req, err := simulate.ParseRequest(r.Method, r.URL, r.From)
	if err != nil {
		return req, err
	}
	req.ServerIP = r.ServerAddr()
	if r.Auth {
		req.Headers = map[string]string{"Authorization": AuthHeader}
	}
	return req, nil
}

// Requests parses the tree's .requests section.
func (c *Case) Requests(t testing.TB) []Request {
	t.Helper()
	return c.RequestsIn(t, ".requests")
}

// RequestsIn parses a section of requests such as .requests or .apply;
// a tree without it has none.
func (c *Case) RequestsIn(t testing.TB, section string) []Request {
	t.Helper()
	text, ok := c.Tree.Section(section)
	if !ok {
		return nil
	}
	var out []Request
	for i, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		if len(f) < 3 {
			t.Fatalf("%s: %s:%d: want METHOD URL STATUS", c.Name, section, i+1)
		}
		st, err := strconv.Atoi(f[2])
		if err != nil {
			t.Fatalf("%s: %s:%d: bad status %q", c.Name, section, i+1, f[2])
		}
		r := Request{Section: section, Line: i + 1, Method: f[0], URL: f[1], Want: st, From: "127.0.0.1"}
		for _, opt := range f[3:] {
			switch {
			case strings.HasPrefix(opt, "from="):
				r.From = opt[len("from="):]
			case opt == "auth":
				r.Auth = true
			case opt == "review" && section != ".requests":
				r.Review = true
			default:
				t.Fatalf("%s: %s:%d: unknown option %q", c.Name, section, i+1, opt)
			}
		}
		out = append(out, r)
	}
	return out
}

// Want is one expected finding: a rule at a config line, or at a path
// named by an .fsmeta line.
type Want struct {
	Where string // "file:line" or ".fsmeta:line"
	File  string // config file as the server sees it
	Line  int
	Path  string // for .fsmeta wants: the path as the server sees it
	Rule  string
	hit   bool
}

var wantRe = regexp.MustCompile(`want((?:\s+"[^"]+")+)`)
var quoted = regexp.MustCompile(`"([^"]+)"`)

func parseWants(comment string) []string {
	m := wantRe.FindStringSubmatch(comment)
	if m == nil {
		return nil
	}
	var out []string
	for _, q := range quoted.FindAllStringSubmatch(m[1], -1) {
		out = append(out, q[1])
	}
	return out
}

// Wants collects the `# want "rule"` annotations of the tree.
func (c *Case) Wants(t testing.TB) []*Want {
	t.Helper()
	var out []*Want
	for _, f := range c.Tree.Archive.Files {
		// Config files, and Apache's .htaccess files in the trees they
		// serve.
		if strings.HasPrefix(f.Name, ".") || !strings.HasPrefix(f.Name, "etc/") && !strings.HasSuffix(f.Name, "/.htaccess") {
			continue
		}
		lines := strings.Split(string(f.Data), "\n")
		for i, line := range lines {
			j := strings.Index(line, "# want")
			if j < 0 {
				continue
			}
			// A want on a comment line of its own (Apache has no
			// comment after a directive) is for the next line that is
			// no comment.
			at := i
			if strings.TrimSpace(line[:j]) == "" {
				for at+1 < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[at]), "#") {
					at++
				}
			}
			for _, rule := range parseWants(line[j:]) {
				out = append(out, &Want{Where: fmt.Sprintf("/%s:%d", f.Name, i+1), File: "/" + f.Name, Line: at + 1, Rule: rule})
			}
		}
	}
	cmds, err := c.Tree.Commands()
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range cmds {
		for _, rule := range parseWants(cmd.Comment) {
			out = append(out, &Want{Where: fmt.Sprintf(".fsmeta:%d", cmd.Line), Path: "/" + strings.TrimSuffix(cmd.Path, "/"), Rule: rule})
		}
	}
	return out
}

// suppressedPrefix marks the want of a finding a suppression comment
// silences: `# want "suppressed:nginx/deny-overmatch"`. A plain want
// matches only findings not suppressed.
const suppressedPrefix = "suppressed:"

// CheckFindings fails t for every finding of warning or error severity no
// want matches, and every want no finding matches. A config want matches the findings of its rule at
// its line; an .fsmeta want those of its rule at its path.
func (c *Case) CheckFindings(t testing.TB, findings []rules.Finding) {
	t.Helper()
	wants := c.Wants(t)
	fsys := c.FS
	for _, f := range findings {
		// A config included through a symlink (sites-enabled/x) is
		// annotated in the file it points to.
		file := f.Range.File
		if res := fsys.Access(fsmeta.Cred{}, file, 0, true); res.OK() {
			file = res.At
		}
		matched := false
		rule := f.Rule
		if f.Suppressed != nil {
			rule = suppressedPrefix + rule
		}
		for _, w := range wants {
			if w.Rule != rule {
				continue
			}
			if (w.Path != "" && w.Path == f.Path) || (w.Path == "" && w.File == file && w.Line == f.Range.Start.Line) {
				w.hit, matched = true, true
			}
		}
		// Info findings (e.g. ordinary index-less directories) need no
		// want, but a want for one must still be met; a suppressed
		// finding needs its "suppressed:" want.
		if !matched && f.Severity > rules.Info {
			t.Errorf("%s: unexpected finding: %s: %s: %s [%s] path=%q url=%s count=%d", c.Name, f.Range, f.Severity, f.Message, f.Rule, f.Path, f.URL, f.Count)
		}
	}
	for _, w := range wants {
		if !w.hit {
			t.Errorf("%s: %s: no %q finding", c.Name, w.Where, w.Rule)
		}
	}
}

// Root returns the tree root with a trailing separator, for checks that
// no message leaks it.
func (c *Case) Root() string { return c.Dir + string(os.PathSeparator) }

// Memory returns an in-memory filesystem view holding the nginx config
// conf at MainConfig, a user database with root and www-data (uid and gid
// 33), and the entries, for tests that need what a tree's manifest cannot
// say (a directory sealed from the reading process, say).
func Memory(t testing.TB, conf string, entries ...fsmeta.Entry) *fsmeta.FS {
	t.Helper()
	base := []fsmeta.Entry{
		{Path: MainConfig, Type: fsmeta.TypeRegular, Perm: 0o644, Data: []byte(conf)},
		{Path: "/etc/passwd", Type: fsmeta.TypeRegular, Perm: 0o644, Data: []byte("root:x:0:0::/root:/bin/sh\nwww-data:x:33:33::/var/www:/bin/sh\n")},
		{Path: "/etc/group", Type: fsmeta.TypeRegular, Perm: 0o644, Data: []byte("root:x:0:\nwww-data:x:33:\n")},
	}
	fsys, err := fsmeta.NewMemory("", append(base, entries...))
	if err != nil {
		t.Fatal(err)
	}
	return fsys
}
