package scan_test

import (
	"strings"
	"testing"

	"github.com/unforbid/unforbid/internal/treetest"
	"github.com/unforbid/unforbid/rules/scan"
)

// TestTrees scans every test tree and compares the findings with the
// `# want` annotations: unexpected findings and missing ones both fail.
func TestTrees(t *testing.T) {
	for _, file := range treetest.Files(t, "../../testdata/trees") {
		c := treetest.Setup(t, file)
		t.Run(c.Name, func(t *testing.T) {
			findings, stats := scan.Run(c.Server(t), scan.Options{})
			c.CheckFindings(t, findings)
			for _, f := range findings {
				if strings.Contains(f.Message+f.Path+f.Range.File, c.Dir) {
					t.Errorf("finding leaks the --root prefix: %+v", f)
				}
				// findings about suppression comments have no request
				if f.Count < 1 || f.URL == "" && !strings.HasPrefix(f.Rule, "unforbid/") {
					t.Errorf("finding without count or example: %+v", f)
				}
			}
			if stats.Servers == 0 {
				t.Errorf("no server scanned")
			}
		})
	}
}
