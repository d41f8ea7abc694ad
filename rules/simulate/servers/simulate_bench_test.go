package servers_test

import (
	"sync/atomic"
	"testing"

	"github.com/unforbid/unforbid/internal/benchgen"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules/simulate"
	"github.com/unforbid/unforbid/rules/simulate/servers"
)

// BenchmarkSimulate measures one simulated request, as a scan sends them
// (no trace), on 200 generated virtual hosts of each server: the home
// page, its index file and the ACME probe of every site in turn, from
// every core at once as the scan's workers do. ns/op is per request.
func BenchmarkSimulate(b *testing.B) {
	for _, kind := range benchgen.VhostServers {
		b.Run(string(kind.Kind), func(b *testing.B) {
			root := b.TempDir()
			if err := kind.Write(root, 200); err != nil {
				b.Fatal(err)
			}
			srv, err := servers.Load(kind.Kind, kind.Main, fsmeta.New(root), servers.Options{})
			if err != nil {
				b.Fatal(err)
			}
			var reqs []simulate.Request
			for _, site := range srv.Sites() {
				for _, p := range []string{"/", "/index.html", "/.well-known/acme-challenge/unforbid-probe"} {
					reqs = append(reqs, simulate.Request{Method: "GET", Scheme: "http", Host: site.Host, Port: site.Port,
						Path: p, ClientIP: "203.0.113.7", ServerIP: site.ServerIP, AssumeAuth: true, NoTrace: true})
				}
			}
			if len(reqs) == 0 {
				b.Fatal("no site")
			}
			var next atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					r := reqs[int(next.Add(1))%len(reqs)]
					if d := srv.Simulate(r); d.Status == 0 {
						b.Errorf("%s: no answer", r.URL())
					}
				}
			})
		})
	}
}
