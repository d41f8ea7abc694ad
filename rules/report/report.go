// Package report writes findings and explain decisions in the formats of
// the command-line contract (shared/CLI.md): text for people, JSON for
// scripts, SARIF for code-scanning services. Every format carries the
// notes of what could not be looked at, so that a blind spot never looks
// clean.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/unforbid/unforbid/rules"
	"github.com/unforbid/unforbid/rules/simulate"
)

// Text writes one block per finding, sorted by file and line:
//
//	file:line: severity: message [rule]
//	    path: P   example: GET URL   count: N
//
// Suppressed findings are left out: the caller says how many there are
// (Suppressed).
func Text(w io.Writer, fs []rules.Finding) error {
	for _, f := range fs {
		if f.Suppressed != nil {
			continue
		}
		if _, err := fmt.Fprintf(w, "%s: %s: %s [%s]\n", f.Range, f.Severity, f.Message, f.Rule); err != nil {
			return err
		}
		var parts []string
		if f.Path != "" {
			parts = append(parts, "path: "+f.Path)
		}
		if f.URL != "" {
			parts = append(parts, "example: "+f.Method+" "+f.URL)
		}
		if f.Count > 1 {
			parts = append(parts, fmt.Sprintf("count: %d", f.Count))
		}
		if len(parts) > 0 {
			if _, err := fmt.Fprintf(w, "    %s\n", strings.Join(parts, "   ")); err != nil {
				return err
			}
		}
	}
	return nil
}

// jsonFinding is one finding in the JSON of --check.
type jsonFinding struct {
	Rule     string        `json:"rule"`
	Severity string        `json:"severity"`
	Message  string        `json:"message"`
	File     string        `json:"file"`
	Line     int           `json:"line"`
	Path     string        `json:"path,omitempty"`
	URL      string        `json:"url,omitempty"`
	Count    int           `json:"count"`
	Related  []jsonRelated `json:"related,omitempty"`
	Fixes    []any         `json:"fixes"`
	// Reason is the reason of the suppression comment that silences a
	// finding of "suppressed".
	Reason *string `json:"reason,omitempty"`
}

type jsonRelated struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Message string `json:"message"`
}

// jsonNote is one note in the JSON of --check: what could not be looked at
// or judged, and why.
type jsonNote struct {
	Message string `json:"message"`
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	// NotWalked marks a tree that was not walked: no finding there
	// means nothing.
	NotWalked bool `json:"not_walked,omitempty"`
}

// Notes writes one "note: file:line: message" line per note, for stderr
// in text mode.
func Notes(w io.Writer, notes []simulate.Note) error {
	for _, n := range notes {
		if _, err := fmt.Fprintln(w, "note: "+n.String()); err != nil {
			return err
		}
	}
	return nil
}

// Split parts findings into those that count and those a suppression
// comment silences (Finding.Suppressed), each in its order.
func Split(fs []rules.Finding) (counted, suppressed []rules.Finding) {
	for _, f := range fs {
		if f.Suppressed != nil {
			suppressed = append(suppressed, f)
		} else {
			counted = append(counted, f)
		}
	}
	return counted, suppressed
}

// JSON writes {"findings": [...], "notes": [...]}, with "suppressed":
// [...] when a suppression comment silences some of fs (each with its
// "reason"; they are not among "findings"). notes say what the check
// could not look at or judge: silence means it looked.
func JSON(w io.Writer, fs []rules.Finding, notes ...simulate.Note) error {
	return JSONWith(w, fs, Options{}, notes...)
}

// JSONWith is JSON with the fixes of --diff and --apply, and what --apply
// applied.
func JSONWith(w io.Writer, fs []rules.Finding, o Options, notes ...simulate.Note) error {
	out := struct {
		Findings   []jsonFinding  `json:"findings"`
		Suppressed []jsonFinding  `json:"suppressed,omitempty"`
		Notes      []jsonNote     `json:"notes"`
		Applied    *[]jsonApplied `json:"applied,omitempty"`
	}{Findings: []jsonFinding{}, Notes: []jsonNote{}}
	if o.Applied != nil {
		a := jsonAppliedList(o.Applied)
		out.Applied = &a
	}
	for _, n := range notes {
		out.Notes = append(out.Notes, jsonNote{Message: n.Message, File: n.Range.File, Line: n.Range.Start.Line, NotWalked: n.NotWalked})
	}
	for _, f := range fs {
		jf := jsonFinding{
			Rule: f.Rule, Severity: f.Severity.String(), Message: f.Message,
			File: f.Range.File, Line: f.Range.Start.Line, Path: f.Path, URL: f.URL, Count: f.Count,
			Fixes: jsonFixes(f, o),
		}
		for _, r := range f.Related {
			jf.Related = append(jf.Related, jsonRelated{File: r.Range.File, Line: r.Range.Start.Line, Message: r.Message})
		}
		if f.Suppressed != nil {
			reason := f.Suppressed.Reason
			jf.Reason = &reason
			out.Suppressed = append(out.Suppressed, jf)
			continue
		}
		out.Findings = append(out.Findings, jf)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// Explained is one request and the decision for it.
type Explained struct {
	Request  simulate.Request
	Decision *simulate.Decision
}

type jsonStep struct {
	Step   string `json:"step"`
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Detail string `json:"detail"`
}

type jsonExplain struct {
	URL      string     `json:"url"`
	Method   string     `json:"method"`
	ClientIP string     `json:"client_ip"`
	Status   int        `json:"status"`
	Rule     string     `json:"rule,omitempty"`
	Reason   string     `json:"reason,omitempty"`
	Path     string     `json:"path,omitempty"`
	Masked   *jsonCause `json:"masked,omitempty"`
	Backend  string     `json:"backend,omitempty"`
	Unsure   string     `json:"unsure,omitempty"`
	Varies   string     `json:"varies,omitempty"`
	Trace    []jsonStep `json:"trace"`
}

type jsonCause struct {
	Rule   string `json:"rule"`
	Reason string `json:"reason"`
	Path   string `json:"path,omitempty"`
}

// ExplainJSON writes the top-level array of explain decisions.
func ExplainJSON(w io.Writer, es []Explained) error {
	out := []jsonExplain{}
	for _, e := range es {
		d := e.Decision
		je := jsonExplain{URL: e.Request.URL(), Method: e.Request.Method, ClientIP: e.Request.ClientIP, Status: d.Status, Backend: d.Backend, Unsure: d.Unsure, Varies: d.Varies, Trace: []jsonStep{}}
		if d.Cause != nil {
			je.Rule, je.Reason, je.Path = d.Cause.Rule, d.Cause.Reason, d.Cause.Path
		}
		if d.Masked != nil {
			je.Masked = &jsonCause{Rule: d.Masked.Rule, Reason: d.Masked.Reason, Path: d.Masked.Path}
		}
		for _, s := range d.Trace {
			je.Trace = append(je.Trace, jsonStep{Step: s.Step, File: s.Range.File, Line: s.Range.Start.Line, Detail: s.Detail})
		}
		out = append(out, je)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// ExplainText writes each decision and its trace for people.
func ExplainText(w io.Writer, es []Explained) error {
	for i, e := range es {
		d := e.Decision
		if i > 0 {
			fmt.Fprintln(w)
		}
		status := fmt.Sprint(d.Status)
		if d.Status == 0 {
			status = "no answer (connection refused)"
		}
		fmt.Fprintf(w, "%s %s from %s -> %s\n", e.Request.Method, e.Request.URL(), e.Request.ClientIP, status)
		for _, s := range d.Trace {
			where := s.Range.String()
			if s.Range.IsZero() {
				where = ""
			}
			fmt.Fprintf(w, "  %-10s %s", s.Step, s.Detail)
			if where != "" {
				fmt.Fprintf(w, "  (%s)", where)
			}
			fmt.Fprintln(w)
		}
		if d.Cause != nil && d.Cause.Rule != "" {
			fmt.Fprintf(w, "  cause:     [%s] %s", d.Cause.Rule, d.Cause.Reason)
			if d.Cause.Path != "" {
				fmt.Fprintf(w, "; path %s", d.Cause.Path)
			}
			fmt.Fprintln(w)
		}
		if d.Masked != nil {
			fmt.Fprintf(w, "  masked:    [%s] %s; path %s\n", d.Masked.Rule, d.Masked.Reason, d.Masked.Path)
		}
		if d.Unsure != "" {
			fmt.Fprintf(w, "  unsure:    %s\n", d.Unsure)
		}
		if d.Varies != "" {
			fmt.Fprintf(w, "  varies:    %s\n", d.Varies)
		}
	}
	return nil
}
