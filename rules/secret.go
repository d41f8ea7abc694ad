package rules

import (
	"path"
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

// IsWellKnown reports whether a URL path is under /.well-known/, which is
// public by design (ACME challenges, security.txt).
func IsWellKnown(p string) bool {
	return p == "/.well-known" || strings.HasPrefix(p, "/.well-known/")
}
