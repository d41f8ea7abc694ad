package main

import (
	"fmt"
	"io"
	"os"

	"github.com/unforbid/unforbid/demo"
	"github.com/unforbid/unforbid/internal/layout"
	"github.com/unforbid/unforbid/rules"
)

// demo lays the bundled demo tree out in a temporary directory and checks
// it, so that a newcomer sees findings on any machine, nginx or not.
func demoCmd(o options, minSev rules.Severity, stdout, stderr io.Writer) int {
	tree, err := layout.Parse("demo.txtar", demo.Tree)
	if err != nil {
		fmt.Fprintf(stderr, "unforbid: demo: %v\n", err)
		return exitError
	}
	dir, err := os.MkdirTemp("", "unforbid-demo-")
	if err != nil {
		fmt.Fprintf(stderr, "unforbid: demo: %v\n", err)
		return exitError
	}
	if err := tree.Materialize(dir); err != nil {
		fmt.Fprintf(stderr, "unforbid: demo: %v\n", err)
		return exitError
	}
	fmt.Fprintf(stdout, "demo tree laid out in %s; checking it as:\n  unforbid --check --root %s /etc/nginx/nginx.conf\n\n", dir, dir)
	o.root = dir
	code := check(o, "/etc/nginx/nginx.conf", minSev, stdout, stderr)
	fmt.Fprintf(stdout, "\nexplain one of them:\n  unforbid explain --root %s /etc/nginx/nginx.conf http://alice.example.com/blog/post-1.html\n(remove the tree with: rm -rf %s)\n", dir, dir)
	if code == exitFindings {
		// findings are what the demo is for
		return exitClean
	}
	return code
}
