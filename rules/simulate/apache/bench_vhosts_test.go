package apache

import (
	"testing"

	"github.com/unforbid/unforbid/internal/benchgen"
	conf "github.com/unforbid/unforbid/parser/apache"
	"github.com/unforbid/unforbid/parser/fsmeta"
)

// BenchmarkLoadVhosts loads and readies 1,000 generated VirtualHosts
// (benchgen.ApacheVhosts, Debian layout): parser/apache's Load, then New.
func BenchmarkLoadVhosts(b *testing.B) {
	root := b.TempDir()
	if err := benchgen.ApacheVhosts(root, 1000); err != nil {
		b.Skip(err) // no /etc/apache2 to copy
	}
	b.ReportAllocs()
	for b.Loop() {
		fsys := fsmeta.New(root)
		cfg, err := conf.Load("/etc/apache2/apache2.conf", conf.Options{FS: fsys})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := New(cfg, fsys); err != nil {
			b.Fatal(err)
		}
	}
}
