package servers_test

import (
	"os"
	"runtime"
	"testing"

	"github.com/unforbid/unforbid/internal/benchgen"
	"github.com/unforbid/unforbid/parser"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules/scan"
	"github.com/unforbid/unforbid/rules/simulate/servers"
)

// BenchmarkCheckNginxVhosts is what `unforbid --check` does on a tree of
// generated nginx server blocks: load, then scan. The tree is the one of
// --root $UNFORBID_BENCH_ROOT when set (make one with
// `go run ./internal/benchgen/cmd/vhostgen nginx 10000 DIR`), else 200
// server blocks made by benchgen (not timed).
func BenchmarkCheckNginxVhosts(b *testing.B) {
	root := benchVhosts(b)
	b.ReportAllocs()
	for b.Loop() {
		srv, err := servers.Load(parser.KindNginx, "/etc/nginx/nginx.conf", fsmeta.New(root), servers.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, stats := scan.Run(srv, scan.Options{}); stats.Servers == 0 {
			b.Fatal("no server scanned")
		}
	}
}

// BenchmarkLoadNginxVhosts is BenchmarkCheckNginxVhosts' load alone. It
// reports the heap still in use once loaded (live-MB).
func BenchmarkLoadNginxVhosts(b *testing.B) {
	root := benchVhosts(b)
	b.ReportAllocs()
	var live uint64
	for b.Loop() {
		srv, err := servers.Load(parser.KindNginx, "/etc/nginx/nginx.conf", fsmeta.New(root), servers.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		live = ms.HeapAlloc
		runtime.KeepAlive(srv)
		b.StartTimer()
	}
	b.ReportMetric(float64(live)/(1<<20), "live-MB")
}

func benchVhosts(b *testing.B) string {
	if root := os.Getenv("UNFORBID_BENCH_ROOT"); root != "" {
		return root
	}
	root := b.TempDir()
	if err := benchgen.NginxVhosts(root, 200); err != nil {
		b.Fatal(err)
	}
	return root
}
