package apache

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkParse parses 10,000 virtual hosts in one file.
func BenchmarkParse(b *testing.B) {
	var sb strings.Builder
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&sb, "<VirtualHost *:80>\n  ServerName site%d.example\n  DocumentRoot \"/srv/site%d/public\"\n  <Directory /srv/site%d/public>\n    Options -Indexes \\\n      +FollowSymLinks\n    Require all granted\n  </Directory>\n  # comment %d\n</VirtualHost>\n", i, i, i, i)
	}
	src := []byte(sb.String())
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("big.conf", src); err != nil {
			b.Fatal(err)
		}
	}
}
