package main

import (
	"os"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/rules"
)

// TestReadmeRules keeps the README's rule table in step with the registry.
func TestReadmeRules(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, r := range rules.All {
		row := "| `" + r.ID + "` | " + r.Severity.String() + " | " + r.Doc.Title + " |"
		if !strings.Contains(readme, row) {
			t.Errorf("README.md lacks the row %s", row)
		}
	}
}
