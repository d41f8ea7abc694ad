// Command laytree lays a test tree (testdata/trees/*.txtar) out in a
// directory, so that unforbid can be run on it by hand:
//
//	go run ./internal/laytree testdata/trees/basic.txtar /tmp/basic
//	go run . --check --root /tmp/basic
package main

import (
	"fmt"
	"os"

	"github.com/unforbid/unforbid/internal/layout"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: laytree TREE.txtar DIR")
		os.Exit(2)
	}
	tree, err := layout.ReadFile(os.Args[1])
	if err == nil {
		err = os.MkdirAll(os.Args[2], 0o755)
	}
	if err == nil {
		err = tree.Materialize(os.Args[2])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "laytree:", err)
		if os.Geteuid() != 0 {
			fmt.Fprintln(os.Stderr, "laytree: (the owners a tree's .fsmeta section sets need root)")
		}
		os.Exit(1)
	}
}
