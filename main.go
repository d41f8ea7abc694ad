// Command unforbid tells why nginx answers 403 Forbidden where it was not
// meant to: it loads the server's configuration, simulates requests
// through it and the filesystem, and reports each unintended refusal once
// per root cause. See README.md and shared/CLI.md for the interface.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
