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

// secretSuffixes mark backups, keys and dumps.
var secretSuffixes = []string{
	".bak", ".backup", ".old", ".orig", ".save", ".swp", ".swo", "~",
	".sql", ".sql.gz", ".sql.bz2", ".sql.xz", ".sql.zst", ".dump",
	".key", ".pem", ".p12", ".pfx", ".jks", ".kdbx", ".gpg", ".asc",
	".tar", ".tar.gz", ".tgz", ".zip.bak",
}

// IsSecret reports whether a URL path or filesystem path names something
// that must stay private: a dotfile or dot-directory other than
// /.well-known/, version control data, environment files, .ht* files,
// backups, private keys and database dumps. Refusing those is intended.
func IsSecret(p string) bool {
	for _, seg := range strings.Split(strings.Trim(p, "/"), "/") {
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
	for _, s := range secretSuffixes {
		if strings.HasSuffix(base, s) {
			return true
		}
	}
	return false
}

// IsWellKnown reports whether a URL path is under /.well-known/, which is
// public by design (ACME challenges, security.txt).
func IsWellKnown(p string) bool {
	return p == "/.well-known" || strings.HasPrefix(p, "/.well-known/")
}
