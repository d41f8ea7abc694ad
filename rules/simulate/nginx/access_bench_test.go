package nginx_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// allowListConfig is a server whose location / holds n generated allow
// lines and a final deny all, as admins write from geo lists. With
// shadowed, a first allow 10.0.0.0/8 covers all n of them, so each is a
// finding.
func allowListConfig(n int, shadowed bool) string {
	var b strings.Builder
	b.WriteString("events {}\nhttp {\n server {\n  listen 127.0.0.1:8080;\n  server_name geo.test;\n  root /srv/www;\n  location / {\n")
	if shadowed {
		b.WriteString("   allow 10.0.0.0/8;\n")
	}
	for i := 0; i < n; i++ {
		// distinct /24 networks spread over 10.0.0.0/8
		fmt.Fprintf(&b, "   allow 10.%d.%d.0/24;\n", i/256, i%256)
	}
	b.WriteString("   deny all;\n  }\n }\n}\n")
	return b.String()
}

// BenchmarkLint lints a location of 5,000 allow rules: disjoint networks
// (no finding), and the same networks all shadowed by an earlier /8 (5,000
// findings).
func BenchmarkLint(b *testing.B) {
	for _, tc := range []struct {
		name     string
		shadowed bool
		findings int
	}{
		{"disjoint", false, 0},
		{"shadowed", true, 5000},
	} {
		b.Run(tc.name, func(b *testing.B) {
			sim := loadConfig(b, allowListConfig(5000, tc.shadowed))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if got := len(sim.Lint()); got != tc.findings {
					b.Fatalf("%d findings, want %d", got, tc.findings)
				}
			}
		})
	}
}

// TestLintLargeAllowlist: linting grows about linearly with the length of
// an allowlist. 20,000 disjoint allow lines take milliseconds; comparing
// every pair of rules took over ten seconds (BenchmarkLint measures it).
func TestLintLargeAllowlist(t *testing.T) {
	if testing.Short() {
		t.Skip("a timing test; -short skips it")
	}
	sim := loadConfig(t, allowListConfig(20000, false))
	start := time.Now()
	if got := len(sim.Lint()); got != 0 {
		t.Fatalf("%d findings, want none", got)
	}
	d := time.Since(start)
	t.Logf("Lint of 20,000 allow rules: %v", d)
	if d > time.Second {
		t.Errorf("Lint of 20,000 allow rules took %v, want well under a second", d)
	}
}
