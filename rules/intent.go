package rules

import (
	"fmt"
	"path"
	"strings"

	"github.com/unforbid/unforbid/parser/fsmeta"
)

// Class is what a served file is to a visitor: a page one navigates to, a
// document one downloads, or an asset a page pulls in. The scanner judges
// a refused directory by the classes of the files it holds.
type Class int

// Classes of served files.
const (
	// ClassOther is anything unclassified (data, archives, scripts run
	// by a backend such as .php): it makes no directory a page directory.
	ClassOther Class = iota
	// ClassPage is a hypertext page a visitor navigates to and whose
	// neighbours, the directory itself included, he expects to open:
	// .html .htm .xhtml .xht .shtml .shtm.
	ClassPage
	// ClassDocument is a document a page links to one by one: PDFs,
	// office files, e-books, plain text and Markdown. Upload directories
	// hold them (WordPress' uploads/2024/05/brochure.pdf) and are not
	// meant to be listed.
	ClassDocument
	// ClassAsset is what pages pull in: style sheets, scripts, source
	// maps, images, fonts, audio and video, WebAssembly.
	ClassAsset
)

// String names the class.
func (c Class) String() string {
	switch c {
	case ClassPage:
		return "page"
	case ClassDocument:
		return "document"
	case ClassAsset:
		return "asset"
	}
	return "other"
}

// classOfExt maps lowercase extensions (with the dot) to their class.
var classOfExt = map[string]Class{}

func init() {
	for class, exts := range map[Class]string{
		ClassPage:     ".html .htm .xhtml .xht .shtml .shtm",
		ClassDocument: ".pdf .md .markdown .txt .rtf .odt .ods .odp .doc .docx .xls .xlsx .ppt .pptx .epub .csv",
		ClassAsset: ".css .js .mjs .cjs .map .wasm " +
			".png .jpg .jpeg .jpe .gif .webp .avif .svg .svgz .ico .bmp .tif .tiff .apng .jxl .heic " +
			".woff .woff2 .ttf .otf .eot " +
			".mp3 .mp4 .m4a .m4v .webm .ogg .oga .ogv .opus .wav .flac .aac .mov .vtt",
	} {
		for _, e := range strings.Fields(exts) {
			classOfExt[e] = class
		}
	}
}

// boilerplate are base names (without extension, lowercase) that vendored
// asset bundles ship next to their files: a font directory's OFL.txt or a
// library's README.html makes no page directory.
var boilerplate = map[string]bool{
	"license": true, "licence": true, "copying": true, "notice": true, "readme": true,
	"changelog": true, "changes": true, "authors": true, "ofl": true, "third-party-notices": true,
}

// Classify returns the class of a file by its name. Pages named like an
// HTTP status (404.html, 50x.html) are error pages, which nobody browses
// to, and vendored boilerplate (LICENSE.html, README.md) is neither page
// nor document: both are ClassOther.
func Classify(name string) Class {
	base := strings.ToLower(path.Base(name))
	ext := path.Ext(base)
	class, ok := classOfExt[ext]
	if !ok {
		return ClassOther
	}
	stem := strings.TrimSuffix(base, ext)
	if class == ClassPage || class == ClassDocument {
		if boilerplate[stem] || isStatusName(stem) {
			return ClassOther
		}
	}
	return class
}

// IsHTML reports whether name is a page whose links can be read: the
// classes' ClassPage names.
func IsHTML(name string) bool { return Classify(name) == ClassPage }

// isStatusName reports whether s looks like an HTTP status: 404, 50x, 5xx.
func isStatusName(s string) bool {
	if len(s) != 3 || s[0] < '1' || s[0] > '5' {
		return false
	}
	for _, c := range s[1:] {
		if !(c >= '0' && c <= '9' || c == 'x') {
			return false
		}
	}
	return true
}

// DirContents sums up the files of one directory as they are listed, in
// constant memory: a directory of a million files costs two counters.
type DirContents struct {
	Pages, Assets, Others int
	// FirstPage is the first page seen, for messages.
	FirstPage string
	// Refused counts files of the directory that answer an error.
	Refused int
}

// Add counts the file name.
func (d *DirContents) Add(name string) { d.AddClass(name, Classify(name)) }

// AddClass counts the file name, of class c (Classify's).
func (d *DirContents) AddClass(name string, c Class) {
	switch c {
	case ClassPage:
		if d.Pages == 0 {
			d.FirstPage = name
		}
		d.Pages++
	case ClassAsset:
		d.Assets++
	default:
		d.Others++
	}
}

// PageDir reports whether the directory holds pages: then its own URL
// is one visitors open, and a refusal of it is unintended.
func (d *DirContents) PageDir() bool { return d.Pages > 0 }

// Deliberate reports whether the ACL of the object info refuses the
// worker (credentials c) the right want on purpose, and says why:
//
//   - an entry names the worker's user, or a group the worker holds,
//     and grants no right covering want (user:www-data:---): someone
//     wrote that decision down;
//   - no entry names the worker, the mode refuses it, and the ACL grants
//     want to other named users or groups (the file is shared with alice
//     but not with the web server).
//
// An entry that grants want but is cut by the mask (a chmod after
// setfacl) is an accident, not a decision: Deliberate returns false.
func Deliberate(info *fsmeta.Info, c fsmeta.Cred, want fsmeta.Perm) (string, bool) {
	if info == nil || info.ACL == nil || c.UID == 0 || c.UID == info.UID {
		return "", false
	}
	acl := info.ACL
	right := rightName(want, info.Type == fsmeta.TypeDir)
	for _, e := range acl.Users {
		if e.ID == c.UID {
			if e.Perm&want != want {
				return fmt.Sprintf("its ACL names the worker user %s without %s permission", c.User, right), true
			}
			return "", false
		}
	}
	named, covered := false, false
	for _, e := range acl.Groups {
		if c.InGroup(e.ID) {
			named = true
			covered = covered || e.Perm&want == want
		}
	}
	if c.InGroup(info.GID) && acl.GroupObj&want == want {
		covered = true
	}
	if named {
		if !covered {
			return fmt.Sprintf("its ACL names a group of the worker without %s permission", right), true
		}
		return "", false
	}
	if c.InGroup(info.GID) || info.Perm&0o070 == 0 {
		// the owning group decides, or the mode's group bits (the
		// mask) are clear and the ACL is not consulted at all
		return "", false
	}
	mask := fsmeta.Perm(7)
	if acl.HasMask {
		mask = acl.Mask
	}
	for _, e := range acl.Users {
		if e.Perm&mask&want == want {
			return fmt.Sprintf("its ACL grants %s to other named users but not to the worker", right), true
		}
	}
	for _, e := range acl.Groups {
		if e.Perm&mask&want == want {
			return fmt.Sprintf("its ACL grants %s to other named groups but not to the worker", right), true
		}
	}
	return "", false
}

// rightName names the right want in messages: "read", "search" (x on a
// directory), "execute".
func rightName(want fsmeta.Perm, dir bool) string {
	switch {
	case want == fsmeta.Read:
		return "read"
	case want == fsmeta.Exec && dir:
		return "search"
	case want == fsmeta.Exec:
		return "execute"
	}
	return want.String()
}
