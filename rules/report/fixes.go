package report

import (
	"github.com/unforbid/unforbid/fix"
	"github.com/unforbid/unforbid/rules"
)

// Options add what --diff and --apply report to the structured formats.
type Options struct {
	// Diff renders the config edits of a fix as a unified diff ("" for a
	// fix without edits). When nil, findings carry no fixes: --check
	// does not look for them.
	Diff func(fix.Fix) (string, error)
	// Applied lists what --apply changed; nil for the other modes (the
	// JSON then has no "applied").
	Applied []Applied
}

// Applied is one fix --apply applied.
type Applied struct {
	Rule        string
	Description string
	Files       []string // config files changed
	Commands    []string // filesystem operations, as shell commands
}

// jsonFix is one fix alternative in the JSON of --diff and --apply.
type jsonFix struct {
	Description string   `json:"description"`
	Class       string   `json:"class"`
	Diff        string   `json:"diff"`
	Commands    []string `json:"commands"`
}

type jsonApplied struct {
	Rule        string   `json:"rule"`
	Description string   `json:"description"`
	Files       []string `json:"files"`
	Commands    []string `json:"commands"`
}

// jsonFixes renders the fixes of f; an edit whose diff cannot be made
// (the file changed since it was read) drops that fix.
func jsonFixes(f rules.Finding, o Options) []any {
	out := []any{}
	if o.Diff == nil {
		return out
	}
	for _, fx := range f.Fixes {
		d, err := o.Diff(fx)
		if err != nil {
			continue
		}
		cmds := fx.Commands()
		if cmds == nil {
			cmds = []string{}
		}
		out = append(out, jsonFix{Description: fx.Description, Class: fx.Class.String(), Diff: d, Commands: cmds})
	}
	return out
}

func jsonAppliedList(as []Applied) []jsonApplied {
	out := []jsonApplied{}
	for _, a := range as {
		ja := jsonApplied(a)
		if ja.Files == nil {
			ja.Files = []string{}
		}
		if ja.Commands == nil {
			ja.Commands = []string{}
		}
		out = append(out, ja)
	}
	return out
}

// SARIF fix objects (§3.55): config edits as byte-range replacements of
// the files, filesystem operations as commands in the property bag (SARIF
// has no way to say them).
type sarifFix struct {
	Description     sarifText             `json:"description"`
	ArtifactChanges []sarifArtifactChange `json:"artifactChanges"`
	Properties      map[string]any        `json:"properties,omitempty"`
}

type sarifArtifactChange struct {
	Artifact     sarifArtifact      `json:"artifactLocation"`
	Replacements []sarifReplacement `json:"replacements"`
}

type sarifReplacement struct {
	Deleted  sarifByteRegion `json:"deletedRegion"`
	Inserted *sarifContent   `json:"insertedContent,omitempty"`
}

type sarifByteRegion struct {
	ByteOffset int `json:"byteOffset"`
	ByteLength int `json:"byteLength"`
}

type sarifContent struct {
	Text string `json:"text"`
}

// sarifFixes renders the fixes of f that edit config files; SARIF wants
// at least one artifact change per fix, so the fixes that only change
// modes, owners or ACLs go to the result's property bag (sarifFSFixes).
func sarifFixes(f rules.Finding) []sarifFix {
	var out []sarifFix
	for _, fx := range f.Fixes {
		if len(fx.Edits) == 0 {
			continue
		}
		sf := sarifFix{Description: sarifText{fx.Description}, ArtifactChanges: []sarifArtifactChange{}, Properties: map[string]any{"class": fx.Class.String()}}
		byFile := map[string]int{}
		for _, e := range fx.Edits {
			i, ok := byFile[e.File]
			if !ok {
				i = len(sf.ArtifactChanges)
				byFile[e.File] = i
				sf.ArtifactChanges = append(sf.ArtifactChanges, sarifArtifactChange{Artifact: artifact(e.File)})
			}
			r := sarifReplacement{Deleted: sarifByteRegion{ByteOffset: e.Start, ByteLength: e.End - e.Start}}
			if e.New != "" {
				r.Inserted = &sarifContent{Text: e.New}
			}
			sf.ArtifactChanges[i].Replacements = append(sf.ArtifactChanges[i].Replacements, r)
		}
		if cmds := fx.Commands(); len(cmds) > 0 {
			sf.Properties["commands"] = cmds
		}
		out = append(out, sf)
	}
	return out
}

// sarifFSFix is a fix without config edits, in a result's property bag
// ("fsFixes"): its description, class and shell commands.
type sarifFSFix struct {
	Description string   `json:"description"`
	Class       string   `json:"class"`
	Commands    []string `json:"commands"`
}

// sarifFSFixes renders the fixes of f that change only the filesystem.
func sarifFSFixes(f rules.Finding) []sarifFSFix {
	var out []sarifFSFix
	for _, fx := range f.Fixes {
		if len(fx.Edits) == 0 {
			out = append(out, sarifFSFix{Description: fx.Description, Class: fx.Class.String(), Commands: fx.Commands()})
		}
	}
	return out
}
