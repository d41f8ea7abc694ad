package scan_test

import (
	"os"
	"testing"

	"github.com/unforbid/unforbid/internal/benchgen"
	"github.com/unforbid/unforbid/rules/scan"
)

// BenchmarkWalk scans a docroot made by benchgen (20,000 files in 400
// directories, 1% of them private), or the tree of --root
// $UNFORBID_BENCH_ROOT when set (make one with
// `go run ./internal/benchgen/cmd/benchgen docroot DIR`). Tree making is not
// timed.
func BenchmarkWalk(b *testing.B) {
	root := os.Getenv("UNFORBID_BENCH_ROOT")
	if root == "" {
		root = b.TempDir()
		if _, err := (benchgen.Docroot{Files: 20_000, Dirs: 400, Seed: 1, Private: 10}).Write(root); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	var stats scan.Stats
	for i := 0; i < b.N; i++ {
		_, stats = scan.Run(benchSim(b, root), scan.Options{})
	}
	b.ReportMetric(float64(stats.Files)*float64(b.N)/b.Elapsed().Seconds(), "files/s")
}
