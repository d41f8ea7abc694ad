package rules

import (
	"strings"

	"github.com/unforbid/unforbid/internal/secret"
)

// IsSecret reports whether a URL path or filesystem path names something
// that must stay private: a dotfile or dot-directory other than
// /.well-known/, version control data, environment files, .ht* files,
// backups, archives that are no release download, private keys, database
// dumps, logs, and the build files at the top of a site (Makefile,
// composer.json, build.sh). Refusing those is intended. It is
// secret.IsSecret, shared with the filesystem repairs.
func IsSecret(p string) bool { return secret.IsSecret(p) }

// IsWellKnown reports whether a URL path is under /.well-known/, which is
// public by design (ACME challenges, security.txt).
func IsWellKnown(p string) bool {
	return p == "/.well-known" || strings.HasPrefix(p, "/.well-known/")
}
