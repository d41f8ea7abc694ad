// Command vhostgen writes a generated virtual-host workload for the scale
// benchmarks: vhostgen nginx|apache N DIR (see package benchgen).
package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/unforbid/unforbid/internal/benchgen"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: vhostgen nginx|apache N DIR")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[2])
	if err != nil || n < 0 {
		fmt.Fprintf(os.Stderr, "vhostgen: bad count %q\n", os.Args[2])
		os.Exit(2)
	}
	gen := map[string]func(string, int) error{"nginx": benchgen.NginxVhosts, "apache": benchgen.ApacheVhosts}[os.Args[1]]
	if gen == nil {
		fmt.Fprintf(os.Stderr, "vhostgen: unknown kind %q\n", os.Args[1])
		os.Exit(2)
	}
	if err := gen(os.Args[3], n); err != nil {
		fmt.Fprintf(os.Stderr, "vhostgen: %v\n", err)
		os.Exit(1)
	}
}
