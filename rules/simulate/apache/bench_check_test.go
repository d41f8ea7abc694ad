package apache_test

import (
	"os"
	"testing"

	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules/scan"
	"github.com/unforbid/unforbid/rules/simulate/apache"
)

// BenchmarkCheckTree loads the Apache configuration of the tree named by
// UNFORBID_BENCH_TREE (a tree of internal/benchgen/cmd/vhostgen apache N)
// and scans it, as --check does: for CPU profiles of the whole check
// (go test -run '^$' -bench CheckTree -cpuprofile cpu.out).
func BenchmarkCheckTree(b *testing.B) {
	root := os.Getenv("UNFORBID_BENCH_TREE")
	if root == "" {
		b.Skip("UNFORBID_BENCH_TREE names no tree")
	}
	b.ReportAllocs()
	for b.Loop() {
		fsys := fsmeta.New(root)
		srv, err := apache.Load("/etc/apache2/apache2.conf", fsys)
		if err != nil {
			b.Fatal(err)
		}
		scan.Run(srv, scan.Options{})
	}
}

// BenchmarkLoadTree is BenchmarkCheckTree's load alone: parser/apache's
// Load of the tree named by UNFORBID_BENCH_TREE, then the simulator's
// construction.
func BenchmarkLoadTree(b *testing.B) {
	root := os.Getenv("UNFORBID_BENCH_TREE")
	if root == "" {
		b.Skip("UNFORBID_BENCH_TREE names no tree")
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := apache.Load("/etc/apache2/apache2.conf", fsmeta.New(root)); err != nil {
			b.Fatal(err)
		}
	}
}
