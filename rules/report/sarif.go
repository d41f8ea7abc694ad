package report

import (
	"encoding/json"
	"io"
	"strings"

	"github.com/unforbid/unforbid/parser"
	"github.com/unforbid/unforbid/rules"
	"github.com/unforbid/unforbid/rules/simulate"
)

// SARIF 2.1.0, the subset code-scanning services read.
type sarifLog struct {
	Version string     `json:"version"`
	Schema  string     `json:"$schema"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	Results     []sarifResult     `json:"results"`
}

// sarifInvocation is §3.20 of SARIF 2.1.0: the run completed
// (executionSuccessful), with notifications (§3.58) of what it could not
// look at.
type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID               string       `json:"id"`
	ShortDescription sarifText    `json:"shortDescription"`
	FullDescription  sarifText    `json:"fullDescription"`
	Default          sarifDefault `json:"defaultConfiguration"`
}

type sarifDefault struct {
	Level string `json:"level"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations"`
	// Suppressions holds the suppression comment that silences the
	// result, if any (result.suppressions of SARIF 2.1.0).
	Suppressions []sarifSuppression `json:"suppressions,omitempty"`
	Properties   map[string]any     `json:"properties,omitempty"`
	Fixes        []sarifFix         `json:"fixes,omitempty"`
}

// sarifSuppression is a suppression object of SARIF 2.1.0: one written
// in the source (kind "inSource"), with its justification and where it
// stands.
type sarifSuppression struct {
	Kind          string         `json:"kind"`
	Justification string         `json:"justification,omitempty"`
	Location      *sarifLocation `json:"location,omitempty"`
}

type sarifLocation struct {
	Physical sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	Artifact sarifArtifact `json:"artifactLocation"`
	Region   *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

func sarifLevel(s rules.Severity) string {
	switch s {
	case rules.Error:
		return "error"
	case rules.Warning:
		return "warning"
	}
	return "note"
}

// location is the SARIF location of a config range.
func location(r parser.Range) sarifLocation {
	loc := sarifLocation{Physical: sarifPhysical{Artifact: artifact(r.File)}}
	if r.Start.Line > 0 {
		loc.Physical.Region = &sarifRegion{StartLine: r.Start.Line}
	}
	return loc
}

// artifact is the SARIF artifact of a config file.
func artifact(file string) sarifArtifact {
	return sarifArtifact{URI: strings.TrimPrefix(file, "/"), URIBaseID: "ROOT"}
}

// SARIF writes the findings as a SARIF 2.1.0 log for code-scanning
// services; a finding a suppression comment silences carries it as an
// "inSource" suppression with the comment's reason as justification. File URIs are the paths as the server sees them, relative to
// the filesystem root (uriBaseId ROOT): a config repository checked with
// --root at its top maps them onto its own files. The notes become the
// notifications of the run's invocation.
func SARIF(w io.Writer, fs []rules.Finding, notes ...simulate.Note) error {
	return SARIFWith(w, fs, Options{}, notes...)
}

// SARIFWith is SARIF with the fixes of --diff (result.fixes).
func SARIFWith(w io.Writer, fs []rules.Finding, o Options, notes ...simulate.Note) error {
	driver := sarifDriver{Name: "unforbid", Rules: []sarifRule{}}
	index := map[string]int{}
	for _, r := range rules.All {
		index[r.ID] = len(driver.Rules)
		driver.Rules = append(driver.Rules, sarifRule{
			ID:               r.ID,
			ShortDescription: sarifText{r.Doc.Title},
			FullDescription:  sarifText{strings.Join(strings.Fields(r.Doc.Text), " ")},
			Default:          sarifDefault{sarifLevel(r.Severity)},
		})
	}
	results := []sarifResult{}
	for _, f := range fs {
		res := sarifResult{
			RuleID: f.Rule, RuleIndex: index[f.Rule], Level: sarifLevel(f.Severity),
			Message:    sarifText{f.Message},
			Properties: map[string]any{"count": f.Count},
		}
		if f.Path != "" {
			res.Properties["path"] = f.Path
		}
		if f.URL != "" {
			res.Properties["url"] = f.URL
		}
		res.Locations = []sarifLocation{location(f.Range)}
		if o.Diff != nil && f.Suppressed == nil {
			res.Fixes = sarifFixes(f)
			if fs := sarifFSFixes(f); len(fs) > 0 {
				res.Properties["fsFixes"] = fs
			}
		}
		if f.Suppressed != nil {
			loc := location(f.Suppressed.Range)
			res.Suppressions = []sarifSuppression{{Kind: "inSource", Justification: f.Suppressed.Reason, Location: &loc}}
		}
		results = append(results, res)
	}
	inv := sarifInvocation{ExecutionSuccessful: true}
	for _, n := range notes {
		// A tree not walked makes the results incomplete, which SARIF
		// says with an "error" notification (Appendix I); the run itself
		// succeeded.
		level := "note"
		if n.NotWalked {
			level = "error"
		}
		sn := sarifNotification{Level: level, Message: sarifText{n.Message}}
		if n.Range.File != "" {
			sn.Locations = []sarifLocation{location(n.Range)}
		}
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sn)
	}
	log := sarifLog{
		Version: "2.1.0",
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Runs:    []sarifRun{{Tool: sarifTool{Driver: driver}, Invocations: []sarifInvocation{inv}, Results: results}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(log)
}
