package simulate

import (
	"path"

	"github.com/unforbid/unforbid/internal/secret"
	"github.com/unforbid/unforbid/parser/fsmeta"
)

// SecretWalk finds the secrets (.git, .env, keys, backups: see
// internal/secret) in served trees within bounds, for the checks that a
// fix keeps them refused. One SecretWalk may walk several trees: its
// bounds hold for all of them together.
type SecretWalk struct {
	MaxEntries int // directory entries looked at, over every walk
	MaxDepth   int // directories below a tree's top
	// Walked counts the entries looked at so far.
	Walked int
	// Partial is set when a walk stopped at a bound (or because visit
	// asked to stop): secrets past it were not seen.
	Partial bool
}

// Walk visits the tree dir served at url (ending in "/") depth first and
// calls visit with the server path and URL path of every secret in it (a
// directory's URL ends in "/"). visit returns false to stop the walk,
// which then counts as partial. Entries the walk cannot list or stat are
// skipped.
func (w *SecretWalk) Walk(fsys *fsmeta.FS, dir, url string, visit func(p, u string) bool) {
	var walk func(dir, url string, depth int) bool
	walk = func(dir, url string, depth int) bool {
		if depth > w.MaxDepth || w.Walked >= w.MaxEntries {
			w.Partial = true
			return false
		}
		names, err := fsys.ReadDirNames(dir)
		if err != nil {
			return true
		}
		for _, n := range names {
			w.Walked++
			p, u := path.Join(dir, n), url+n
			info, err := fsys.Lstat(p)
			if err != nil {
				continue
			}
			if info.Type == fsmeta.TypeDir {
				u += "/"
			}
			if secret.IsSecret(u) && !visit(p, u) {
				w.Partial = true
				return false
			}
			if info.Type == fsmeta.TypeDir && !walk(p, u, depth+1) {
				return false
			}
		}
		return true
	}
	walk(dir, url, 0)
}
