package main

import (
	"fmt"
	"io"

	"github.com/unforbid/unforbid/demo"
	"github.com/unforbid/unforbid/internal/layout"
	"github.com/unforbid/unforbid/rules"
)

// demoURL is the request the demo explains after its check.
const demoURL = "http://alice.example.com/blog/post-1.html"

// demoCmd checks the bundled demo tree and explains one of its findings,
// so that a newcomer sees unforbid at work on any machine, as any user,
// with nginx or without. The tree (demo/demo.txtar: files, modes, owners
// and ACLs) is read as an in-memory view: owners that only root could set
// on disk are the same for everyone.
func demoCmd(o options, minSev rules.Severity, stdout, stderr io.Writer) int {
	tree, err := layout.Parse("demo.txtar", demo.Tree)
	if err != nil {
		fmt.Fprintf(stderr, "unforbid: demo: %v\n", err)
		return exitError
	}
	view, err := tree.Memory("/demo")
	if err != nil {
		fmt.Fprintf(stderr, "unforbid: demo: %v\n", err)
		return exitError
	}
	o.root, o.view = "/demo", view
	if reviewWanted(o, stdout) {
		return demoReview(o, minSev, tree, stdout, stderr)
	}
	fmt.Fprintf(stdout, "a small shared host (demo/demo.txtar), checked as:\n  unforbid --check /etc/nginx/nginx.conf\n\n")
	code := check(o, "/etc/nginx/nginx.conf", minSev, stdout, stderr)
	if code == exitError {
		return code
	}
	fmt.Fprintf(stdout, "\nwhy the first one? asked as:\n  unforbid explain /etc/nginx/nginx.conf %s\n\n", demoURL)
	if c := explain(o, []string{"/etc/nginx/nginx.conf", demoURL}, stdout, stderr); c != exitClean {
		return c
	}
	fmt.Fprintf(stdout, "\nhow to repair them, asked as:\n  unforbid --diff /etc/nginx/nginx.conf\n\n")
	if c := diffCmd(o, "/etc/nginx/nginx.conf", minSev, stdout, stderr); c == exitError {
		return c
	}
	fmt.Fprintf(stdout, "to lay the tree out on disk and apply them there (owners need root; nothing outside DIR changes):\n"+
		"  go run ./internal/laytree demo/demo.txtar DIR\n"+
		"  unforbid --apply --root DIR /etc/nginx/nginx.conf     # the safe fixes; --include-review for the rest\n"+
		"  unforbid --check --root DIR /etc/nginx/nginx.conf     # what is left\n"+
		"  unforbid --undo --root DIR                            # back as it was\n")
	// findings are what the demo is for
	return exitClean
}
