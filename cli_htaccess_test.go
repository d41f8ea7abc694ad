package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/fix"
	"github.com/unforbid/unforbid/internal/treetest"
	"github.com/unforbid/unforbid/parser"
	"github.com/unforbid/unforbid/rules"
)

// TestHtaccessCLI: --htaccess DOCROOT judges a docroot's .htaccess files
// under Debian's stock apache2 (--check in text, JSON and SARIF, --diff,
// explain); only fixes of the docroot are offered; the outputs are golden
// files.
func TestHtaccessCLI(t *testing.T) {
	const docroot = "/home/alice/public_html"
	tests := []struct {
		name, golden string
		args         []string
		code         int
		contains     []string
	}{
		{"check", "htaccess.txt", []string{"--check", "--htaccess", docroot}, exitFindings,
			[]string{"[apache/deny-overmatch]", "[fs/unreadable-file]"}},
		{"json", "htaccess.json", []string{"--check", "--format", "json", "--htaccess", docroot}, exitFindings,
			[]string{`"notes"`, "assuming Debian's stock Apache configuration"}},
		{"sarif", "htaccess.sarif", []string{"--check", "--format", "sarif", "--htaccess", docroot}, exitFindings,
			[]string{`"toolExecutionNotifications"`, "assuming Debian's stock Apache configuration"}},
		{"diff", "htaccess-diff.txt", []string{"--diff", "--htaccess", docroot}, exitFindings,
			[]string{"+++ b" + docroot + "/gallery/.htaccess", "+DirectoryIndex index.html index.cgi index.pl index.php index.xhtml index.htm default.html", "$ setfacl -m u:www-data:r-- " + docroot + "/wp-content/uploads/2024/05/photo.jpg"}},
		{"explain", "htaccess-explain.txt", []string{"explain", "--htaccess", docroot, "http://localhost/downloads/manual.pdf", "http://localhost/2024/hello-world/"}, exitClean,
			[]string{"-> 403", "downloads/.htaccess"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := treetest.Setup(t, filepath.Join("testdata", "htaccess", "wordpress.txtar"))
			root := useMemory(t, c)
			args := append([]string{tt.args[0], "--root", root}, tt.args[1:]...)
			code, out, errOut := runCLI(t, args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stdout:\n%s\nstderr:\n%s", code, tt.code, out, errOut)
			}
			for _, want := range tt.contains {
				if !strings.Contains(out+errOut, want) {
					t.Errorf("output lacks %q:\n%s\n%s", want, out, errOut)
				}
			}
			if strings.Contains(out+errOut, root) {
				t.Errorf("output leaks the --root prefix:\n%s\n%s", out, errOut)
			}
			if strings.Contains(out, "/etc/apache2/") && (tt.name == "diff") {
				t.Errorf("a fix edits the stock config, which is not on the user's disk:\n%s", out)
			}
			golden(t, tt.golden, out)
		})
	}
}

// TestApplyUndoHtaccess applies the safe fixes of --htaccess to the tree
// laid out on disk: they change only the docroot (its .htaccess files and
// modes or ACLs), no config test runs and stderr says so, a second
// --apply has nothing to do, and --undo gives back every byte.
func TestApplyUndoHtaccess(t *testing.T) {
	text, err := os.ReadFile(filepath.Join("testdata", "htaccess", "wordpress.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	dir := treeOnDisk(t, "wordpress.txtar", text)
	const docroot = "/home/alice/public_html"
	before := snapshotTree(t, dir)
	code, out, errOut := runCLI(t, "--apply", "--format", "json", "--root", dir, "--htaccess", docroot)
	if code != exitFindings {
		t.Fatalf("--apply: exit %d, want 1 (the deny has no fix); stderr:\n%s\nstdout:\n%s", code, errOut, out)
	}
	if !strings.Contains(errOut, NoConfigTestNote) {
		t.Errorf("stderr does not say that no config test ran:\n%s", errOut)
	}
	var doc struct {
		Findings []struct{ Rule string }
		Applied  []struct {
			Rule  string
			Files []string
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	var applied []string
	for _, a := range doc.Applied {
		applied = append(applied, a.Rule)
		for _, f := range a.Files {
			if !strings.HasPrefix(f, docroot+"/") {
				t.Errorf("%s: a fix edits %s, outside the docroot", a.Rule, f)
			}
		}
	}
	slices.Sort(applied)
	if want := []string{"apache/directory-index-missing", "fs/unreadable-file"}; !slices.Equal(applied, want) {
		t.Errorf("applied %q, want %q", applied, want)
	}
	if len(doc.Findings) != 1 || doc.Findings[0].Rule != "apache/deny-overmatch" {
		t.Errorf("left %+v, want the deny of the downloads alone", doc.Findings)
	}
	after := snapshotTree(t, dir)
	for p := range after {
		if after[p] != before[p] && !strings.HasPrefix("/"+p, docroot+"/") {
			t.Errorf("--apply changed %s, outside the docroot", p)
		}
	}
	gallery := "home/alice/public_html/gallery/.htaccess"
	if !strings.Contains(after[gallery], "DirectoryIndex index.html index.cgi index.pl index.php index.xhtml index.htm default.html") {
		t.Errorf("%s after --apply:\n%s", gallery, after[gallery])
	}
	code, out, errOut = runCLI(t, "--apply", "--format", "json", "--root", dir, "--htaccess", docroot)
	if code != exitFindings || !strings.Contains(out, `"applied": []`) {
		t.Errorf("second --apply: exit %d, want 1 with nothing applied; stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	code, _, errOut = runCLI(t, "--undo", "--root", dir)
	if code != exitClean {
		t.Fatalf("--undo: exit %d; stderr:\n%s", code, errOut)
	}
	sameTree(t, "after --undo", before, snapshotTree(t, dir))
}

// TestHtaccessUsage: --htaccess takes no CONFIG, is for Apache only, and
// wants a directory.
func TestHtaccessUsage(t *testing.T) {
	c := treetest.Setup(t, filepath.Join("testdata", "htaccess", "wordpress.txtar"))
	root := useMemory(t, c)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--check", "--htaccess", "/home/alice/public_html", "/etc/apache2/apache2.conf"}, "takes no CONFIG"},
		{[]string{"--check", "--server", "nginx", "--htaccess", "/home/alice/public_html"}, "does not go with --server nginx"},
		{[]string{"--check", "--htaccess", "/home/alice/public_html/about.html"}, "not a directory"},
		{[]string{"--check", "--htaccess", "public_html"}, "must be an absolute path"},
		{[]string{"--apply", "--reload", "--htaccess", "/home/alice/public_html"}, "--reload does not go with --htaccess"},
		{[]string{"explain", "--htaccess", "/home/alice/public_html"}, "usage: unforbid explain"},
	} {
		code, _, errOut := runCLI(t, append(tt.args, "--root", root)...)
		if code != exitError || !strings.Contains(errOut, tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tt.args, code, errOut, tt.want)
		}
	}
}

// TestJudgeHtaccess: with --htaccess, fixes that edit the stock config
// are dropped, and an Apache finding of a stock directive says so.
func TestJudgeHtaccess(t *testing.T) {
	l := &loaded{htaccess: "/home/u/www"}
	stock := fix.Fix{Description: "stock", Edits: []fix.Edit{{File: "/etc/apache2/apache2.conf"}}}
	own := fix.Fix{Description: "own", Edits: []fix.Edit{{File: "/home/u/www/.htaccess"}}}
	created := fix.Fix{Description: "created", Ops: []fix.Op{{Kind: fix.OpCreate, Path: "/home/u/www/d/.htaccess"}}}
	elsewhere := fix.Fix{Description: "elsewhere", Ops: []fix.Op{{Kind: fix.OpCreate, Path: "/etc/apache2/conf-enabled/x.conf"}}}
	chmod := fix.Fix{Description: "chmod", Ops: []fix.Op{{Kind: fix.OpChmod, Path: "/home/u"}}}
	for _, tt := range []struct {
		name      string
		f         rules.Finding
		wantFixes []string
		stockNote bool
	}{
		{"htaccess directive", rules.Finding{Rule: "apache/deny-overmatch", Range: parser.Range{File: "/home/u/www/.htaccess"}, Fixes: []fix.Fix{stock, own, created, elsewhere}},
			[]string{"own", "created"}, false},
		{"stock directive", rules.Finding{Rule: "apache/symlink-denied", Range: parser.Range{File: "/etc/apache2/apache2.conf"}, Fixes: []fix.Fix{stock}},
			[]string{}, true},
		{"filesystem", rules.Finding{Rule: "fs/no-search-permission", Range: parser.Range{File: "/etc/apache2/sites-enabled/000-default.conf"}, Fixes: []fix.Fix{chmod}},
			[]string{"chmod"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := l.judgeHtaccess([]rules.Finding{tt.f})[0]
			descs := []string{}
			for _, fx := range got.Fixes {
				descs = append(descs, fx.Description)
			}
			if !slices.Equal(descs, tt.wantFixes) {
				t.Errorf("fixes %q, want %q", descs, tt.wantFixes)
			}
			if strings.HasSuffix(got.Message, stockDirective) != tt.stockNote {
				t.Errorf("message %q: stock note %v, want %v", got.Message, !tt.stockNote, tt.stockNote)
			}
		})
	}
}
