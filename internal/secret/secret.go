// Package secret tells which paths name something that must stay private
// (version control data, environment files, keys, backups, dumps, logs):
// refusing them is intended, and no fix may open them. It knows no server
// and no rule, so the intent judgement (rules) and the filesystem repairs
// (rules/simulate) share one answer.
package secret

import (
	"path"
	"regexp"
	"strings"
)

// secretNames are file or directory names that hold secrets.
var secretNames = map[string]bool{
	"id_rsa": true, "id_dsa": true, "id_ecdsa": true, "id_ed25519": true,
	"wp-config.php": false, // served through PHP, not a static secret
}

// secretSuffixes mark backups, keys, dumps and logs.
var secretSuffixes = []string{
	".bak", ".backup", ".old", ".orig", ".save", ".swp", ".swo", "~",
	".sql", ".sql.gz", ".sql.bz2", ".sql.xz", ".sql.zst", ".dump",
	".key", ".pem", ".p12", ".pfx", ".jks", ".kdbx", ".gpg", ".asc",
	".log", ".log.gz",
}

// archiveSuffixes mark archives: a backup of the site unless it is a
// release download (see IsReleaseDownload).
var archiveSuffixes = []string{".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip.bak"}

// buildFiles are the build and deployment files of a project: refusing
// them at the top of a site is intended.
var buildFiles = map[string]bool{
	"makefile": true, "dockerfile": true, "docker-compose.yml": true, "docker-compose.yaml": true,
	"compose.yml": true, "compose.yaml": true, "build.sh": true, "deploy.sh": true,
	"composer.json": true, "composer.lock": true, "package.json": true, "package-lock.json": true,
	"yarn.lock": true, "gruntfile.js": true, "gulpfile.js": true, "webpack.config.js": true,
	"artisan": true, "phpunit.xml": true, "gemfile": true, "gemfile.lock": true, "rakefile": true,
	"procfile": true, "vagrantfile": true, "jenkinsfile": true,
}

// IsSecret reports whether a URL path or filesystem path names something
// that must stay private: a dotfile or dot-directory other than
// /.well-known/, version control data, environment files, .ht* files,
// backups, archives that are no release download, private keys, database
// dumps, logs, and the build files at the top of a site (Makefile,
// composer.json, build.sh). Refusing those is intended.
func IsSecret(p string) bool {
	segs := strings.Split(strings.Trim(p, "/"), "/")
	for _, seg := range segs {
		if seg == "" {
			continue
		}
		if strings.HasPrefix(seg, ".") && seg != ".well-known" {
			return true
		}
		if secretNames[seg] {
			return true
		}
	}
	base := strings.ToLower(path.Base(p))
	if len(segs) == 1 && buildFiles[base] {
		return true
	}
	for _, s := range secretSuffixes {
		if strings.HasSuffix(base, s) {
			return true
		}
	}
	for _, s := range archiveSuffixes {
		if strings.HasSuffix(base, s) {
			return !IsReleaseDownload(p)
		}
	}
	return false
}

// downloadSuffixes mark archives and installers.
var downloadSuffixes = []string{
	".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".7z", ".deb", ".rpm", ".dmg",
	".exe", ".msi", ".apk", ".appimage", ".whl", ".jar",
}

// downloadDirs are directory names that hold releases.
var downloadDirs = map[string]bool{
	"downloads": true, "download": true, "releases": true, "release": true, "dist": true, "pub": true,
}

// versioned matches a version number in a file name: app-1.2.zip, tool_v2.tar.gz.
var versioned = regexp.MustCompile(`[-_.]v?\d+(\.\d+)+|[-_]v\d+`)

// IsReleaseDownload reports whether p names an archive or installer that a
// site offers for download: one whose name carries a version number, or
// one in a downloads, releases or dist directory.
func IsReleaseDownload(p string) bool {
	base := strings.ToLower(path.Base(p))
	found := false
	for _, s := range downloadSuffixes {
		if strings.HasSuffix(base, s) {
			found = true
			break
		}
	}
	if !found {
		return false
	}
	if versioned.MatchString(base) {
		return true
	}
	for _, seg := range strings.Split(strings.Trim(path.Dir(p), "/"), "/") {
		if downloadDirs[strings.ToLower(seg)] {
			return true
		}
	}
	return false
}
