package rules

import (
	"path"
	"strings"

	"github.com/unforbid/unforbid/internal/secret"
)

// Kinds of public content, as PublicKind names them.
const (
	PublicWellKnown = "well-known file"
	PublicImage     = "image"
	PublicMedia     = "audio or video"
	PublicDocument  = "document"
	PublicFont      = "font"
	PublicFeed      = "feed"
	PublicDownload  = "release download"
)

// wellKnownNames are the files that crawlers, browsers and other sites
// fetch by name: refusing them is never meant.
var wellKnownNames = map[string]bool{
	"robots.txt": true, "sitemap.xml": true, "sitemap_index.xml": true, "sitemap.xml.gz": true,
	"favicon.ico": true, "humans.txt": true, "ads.txt": true, "app-ads.txt": true,
	"security.txt": true, "manifest.json": true, "manifest.webmanifest": true,
	"site.webmanifest": true, "browserconfig.xml": true, "apple-touch-icon.png": true,
	"apple-touch-icon-precomposed.png": true,
}

// feedNames are the usual names of RSS and Atom feeds.
var feedNames = map[string]bool{
	"feed.xml": true, "atom.xml": true, "rss.xml": true, "index.xml": true, "feed.json": true,
}

// publicSuffixes map file name suffixes to the kind of public content.
var publicSuffixes = map[string]string{
	".png": PublicImage, ".jpg": PublicImage, ".jpeg": PublicImage, ".gif": PublicImage,
	".webp": PublicImage, ".avif": PublicImage, ".svg": PublicImage, ".ico": PublicImage,
	".bmp": PublicImage,
	".mp3": PublicMedia, ".ogg": PublicMedia, ".mp4": PublicMedia, ".webm": PublicMedia,
	".m4a": PublicMedia, ".opus": PublicMedia,
	".pdf": PublicDocument, ".doc": PublicDocument, ".docx": PublicDocument, ".odt": PublicDocument,
	".xls": PublicDocument, ".xlsx": PublicDocument, ".ods": PublicDocument, ".ppt": PublicDocument,
	".pptx": PublicDocument, ".odp": PublicDocument, ".epub": PublicDocument, ".rtf": PublicDocument,
	".woff": PublicFont, ".woff2": PublicFont, ".ttf": PublicFont, ".otf": PublicFont,
	".eot": PublicFont,
	".rss": PublicFeed, ".atom": PublicFeed, ".webmanifest": PublicWellKnown,
}

// IsReleaseDownload reports whether p names an archive or installer that a
// site offers for download: one whose name carries a version number, or
// one in a downloads, releases or dist directory. It is
// secret.IsReleaseDownload.
func IsReleaseDownload(p string) bool { return secret.IsReleaseDownload(p) }

// PublicKind returns the kind of public content a URL path names, or ""
// when it is none (a page, a script, a secret, or unknown). Public content
// is what a site serves to everyone by its nature: images, audio and
// video, documents, fonts, feeds, release downloads, and the well-known
// files that crawlers and browsers ask for (robots.txt, sitemap.xml,
// favicon.ico, humans.txt, ads.txt, security.txt, web manifests, anything
// under /.well-known/). A deny that refuses it overmatches. Secrets
// (IsSecret) are never public.
func PublicKind(p string) string {
	if IsSecret(p) || strings.HasSuffix(p, "/") {
		return ""
	}
	if IsWellKnown(p) {
		return PublicWellKnown
	}
	base := strings.ToLower(path.Base(p))
	if wellKnownNames[base] || strings.HasPrefix(base, "sitemap") && strings.HasSuffix(base, ".xml") {
		return PublicWellKnown
	}
	if feedNames[base] {
		return PublicFeed
	}
	if IsReleaseDownload(p) {
		return PublicDownload
	}
	if k := publicSuffixes[path.Ext(base)]; k != "" {
		return k
	}
	return ""
}

// kindWords are the words of a comment that name a kind of public content.
var kindWords = map[string]string{
	"image": PublicImage, "picture": PublicImage, "photo": PublicImage, "png": PublicImage,
	"jpg": PublicImage, "jpeg": PublicImage, "gif": PublicImage, "webp": PublicImage,
	"svg": PublicImage, "hotlink": PublicImage, "hotlinking": PublicImage, "icon": PublicImage,
	"video": PublicMedia, "audio": PublicMedia, "media": PublicMedia, "mp3": PublicMedia, "mp4": PublicMedia,
	"pdf": PublicDocument, "document": PublicDocument, "doc": PublicDocument, "docx": PublicDocument,
	"xls": PublicDocument, "xlsx": PublicDocument, "office": PublicDocument,
	"font": PublicFont, "woff": PublicFont, "woff2": PublicFont, "ttf": PublicFont,
	"feed": PublicFeed, "rss": PublicFeed, "atom": PublicFeed,
	"download": PublicDownload, "release": PublicDownload, "zip": PublicDownload,
	"archive": PublicDownload, "tarball": PublicDownload, "installer": PublicDownload,
	"robots": PublicWellKnown, "sitemap": PublicWellKnown, "favicon": PublicWellKnown,
	"well-known": PublicWellKnown, "acme": PublicWellKnown, "manifest": PublicWellKnown,
	"humans": PublicWellKnown,
}

// NamesKind reports whether a comment names the kind of public content
// kind (as PublicKind returns it): "# no hotlinking of images" names
// images, "# no PHP in uploads" names none.
func NamesKind(comment, kind string) bool {
	for _, w := range commentWords(comment) {
		k := kindWords[w]
		if k == "" {
			k = kindWords[strings.TrimSuffix(w, "s")]
		}
		if k == kind {
			return true
		}
	}
	return false
}

// otherKindWords name kinds of files that are no public content: a
// comment that names one says what a deny was meant for.
var otherKindWords = map[string]bool{
	"php": true, "script": true, "cgi": true, "perl": true, "python": true, "shell": true,
	"executable": true, "htaccess": true, "htpasswd": true, "dotfile": true, "hidden": true,
	"git": true, "svn": true, "env": true, "backup": true, "log": true, "dump": true, "sql": true,
	"key": true, "secret": true, "source": true, "vcs": true, "swap": true,
}

// CommentKinds tells what a comment next to a deny says it was meant for,
// against the kind of public content it refuses: named is true when the
// comment names that kind ("# no hotlinking of images"), other when it
// names only other kinds of files ("# no PHP in uploads").
func CommentKinds(comment, kind string) (named, other bool) {
	if NamesKind(comment, kind) {
		return true, false
	}
	for _, w := range commentWords(comment) {
		if otherKindWords[w] || otherKindWords[strings.TrimSuffix(w, "s")] || kindWords[w] != "" || kindWords[strings.TrimSuffix(w, "s")] != "" {
			return false, true
		}
	}
	return false, false
}

func commentWords(comment string) []string {
	return strings.FieldsFunc(strings.ToLower(comment), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-')
	})
}
