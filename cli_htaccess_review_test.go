package main

import (
	"testing"

	"github.com/unforbid/unforbid/fix"
	"github.com/unforbid/unforbid/internal/layout"
	"github.com/unforbid/unforbid/rules"
)

// TestJudgeHtaccessLinks: with --htaccess, a fix may write only files
// that really lie in the docroot: not a .htaccess that is a symbolic
// link to a file elsewhere, nor one below a subdirectory linked out of
// the docroot (--apply writes a config file where its links lead).
func TestJudgeHtaccessLinks(t *testing.T) {
	tree, err := layout.Parse("links.txtar", []byte(`-- home/u/www/index.html --
-- home/u/www/.htaccess --
Options -Indexes
-- home/u/other/conf --
-- home/u/elsewhere/x --
-- .fsmeta --
symlink home/u/www/sub/.htaccess -> ../../other/conf
symlink home/u/www/out -> ../elsewhere
`))
	if err != nil {
		t.Fatal(err)
	}
	fsys, err := tree.Memory("")
	if err != nil {
		t.Fatal(err)
	}
	l := &loaded{htaccess: "/home/u/www", fsys: fsys}
	own := fix.Fix{Description: "own", Edits: []fix.Edit{{File: "/home/u/www/.htaccess"}}}
	linked := fix.Fix{Description: "linked", Edits: []fix.Edit{{File: "/home/u/www/sub/.htaccess"}}}
	below := fix.Fix{Description: "below a link", Ops: []fix.Op{{Kind: fix.OpCreate, Path: "/home/u/www/out/.htaccess"}}}
	belowEdit := fix.Fix{Description: "edit below a link", Edits: []fix.Edit{{File: "/home/u/www/out/x"}}}
	f := rules.Finding{Rule: "apache/directory-index-missing", Fixes: []fix.Fix{own, linked, below, belowEdit}}
	got := l.judgeHtaccess([]rules.Finding{f})[0]
	var descs []string
	for _, fx := range got.Fixes {
		descs = append(descs, fx.Description)
	}
	if len(descs) != 1 || descs[0] != "own" {
		t.Errorf("fixes %q, want only \"own\"", descs)
	}
}
