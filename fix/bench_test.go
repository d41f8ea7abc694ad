package fix

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkNewPlan merges one insertion per server block of a config of
// 5,000 server blocks in one file, and diffs the result.
func BenchmarkNewPlan(b *testing.B) {
	var src strings.Builder
	var fixes []Fix
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&src, "server {\n    server_name s%d;\n    root /srv/s%d;\n", i, i)
		fixes = append(fixes, Fix{Description: fmt.Sprint("fix ", i), Edits: []Edit{{File: "/n.conf", Start: src.Len(), End: src.Len(), New: "    index index.html;\n"}}})
		src.WriteString("}\n")
	}
	text := []byte(src.String())
	read := func(string) ([]byte, error) { return text, nil }
	b.ResetTimer()
	for b.Loop() {
		p, err := NewPlan(fixes, read)
		if err != nil {
			b.Fatal(err)
		}
		if p.Diff() == "" {
			b.Fatal("no diff")
		}
	}
}
