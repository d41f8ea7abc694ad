package scan_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/unforbid/unforbid/parser"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules/scan"
	"github.com/unforbid/unforbid/rules/simulate"
	"github.com/unforbid/unforbid/rules/simulate/servers"
)

// benchTree builds a docroot of dirs×files files (a tenth of the
// directories mode 700, so their files share one cause each) and returns
// the root.
func benchTree(b *testing.B, dirs, files int) string {
	b.Helper()
	root := b.TempDir()
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	must(os.Chmod(root, 0o755))
	must(os.MkdirAll(filepath.Join(root, "etc/nginx"), 0o755))
	must(os.WriteFile(filepath.Join(root, "etc/passwd"), []byte("root:x:0:0::/root:/bin/sh\nwww-data:x:33:33::/var/www:/bin/sh\n"), 0o644))
	must(os.WriteFile(filepath.Join(root, "etc/group"), []byte("root:x:0:\nwww-data:x:33:\n"), 0o644))
	must(os.WriteFile(filepath.Join(root, "etc/nginx/nginx.conf"), []byte("user www-data;\nevents {}\nhttp {\n server {\n  listen 80;\n  server_name bench.test;\n  root /srv/www;\n  index index.html;\n  location / { try_files $uri $uri/ =404; }\n  location ~ /\\. { deny all; }\n }\n}\n"), 0o644))
	for d := 0; d < dirs; d++ {
		dir := filepath.Join(root, "srv/www", fmt.Sprintf("d%04d", d))
		must(os.MkdirAll(dir, 0o755))
		for f := 0; f < files; f++ {
			must(os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%05d.html", f)), nil, 0o644))
		}
		if d%10 == 0 {
			must(os.Chmod(dir, 0o700))
		}
	}
	return root
}

func benchSim(b testing.TB, root string) simulate.Server {
	srv, err := servers.Load(parser.KindNginx, "/etc/nginx/nginx.conf", fsmeta.New(root), servers.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return srv
}

// BenchmarkScan walks 100,000 files; ns/op is per scan, files/s and the
// peak heap are reported as metrics.
func BenchmarkScan(b *testing.B) {
	for _, size := range []struct{ dirs, files int }{{100, 100}, {100, 1000}} {
		b.Run(fmt.Sprintf("files=%d", size.dirs*size.files), func(b *testing.B) {
			root := benchTree(b, size.dirs, size.files)
			b.ResetTimer()
			var stats scan.Stats
			var peak uint64
			for i := 0; i < b.N; i++ {
				sim := benchSim(b, root)
				findings, st := scan.Run(sim, scan.Options{ProgressEvery: 10000, Progress: func(scan.Stats) {
					var ms runtime.MemStats
					runtime.ReadMemStats(&ms)
					if ms.HeapInuse > peak {
						peak = ms.HeapInuse
					}
				}})
				stats = st
				if len(findings) != size.dirs+2 { // one per 700 dir, one per other (index-less page) dir, the home page, the ACME probe
					for _, f := range findings {
						b.Log(f.Rule, f.Severity, f.Message)
					}
					b.Fatalf("%d findings", len(findings))
				}
			}
			b.ReportMetric(float64(stats.Files)*float64(b.N)/b.Elapsed().Seconds(), "files/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}
