package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/unforbid/unforbid/rules"
)

func printRulesJSON(stdout, stderr io.Writer) int {
	type jr struct {
		ID       string `json:"id"`
		Server   string `json:"server,omitempty"`
		Severity string `json:"severity"`
		Title    string `json:"title"`
		Text     string `json:"text"`
		Before   string `json:"before"`
		After    string `json:"after"`
	}
	out := []jr{}
	for _, r := range rules.All {
		out = append(out, jr{r.ID, r.Server, r.Severity.String(), r.Doc.Title, r.Doc.Text, r.Doc.Before, r.Doc.After})
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		fmt.Fprintf(stderr, "unforbid: %v\n", err)
		return exitError
	}
	return exitClean
}
