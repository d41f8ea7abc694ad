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
	// FollowLinks follows symbolic links as a server that serves through
	// them does: a link whose target is a secret is visited at the link's
	// URL, and a link to a directory has that directory walked below the
	// link's URL (its secrets, and its own links in turn). A directory
	// reached through a link once is not walked again through another
	// (which also ends loops); the bounds hold for linked trees too.
	FollowLinks bool
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
// skipped, and so are links it cannot resolve.
func (w *SecretWalk) Walk(fsys *fsmeta.FS, dir, url string, visit func(p, u string) bool) {
	linked := map[string]bool{} // directories walked through a link
	stop := func(p, u string) bool {
		if !visit(p, u) {
			w.Partial = true
			return true
		}
		return false
	}
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
			if secret.IsSecret(u) && stop(p, u) {
				return false
			}
			switch {
			case info.Type == fsmeta.TypeDir:
				if !walk(p, u, depth+1) {
					return false
				}
			case info.Type == fsmeta.TypeSymlink && w.FollowLinks:
				res := fsys.Access(fsmeta.Cred{}, p, 0, true)
				if res.Err != 0 || res.Info == nil || res.At == "" {
					continue
				}
				target := path.Clean(res.At)
				if res.Info.Type != fsmeta.TypeDir {
					if !secret.IsSecret(u) && secret.IsSecret(target) && stop(p, u) {
						return false
					}
					continue
				}
				u += "/"
				if (secret.IsSecret(u) || secret.IsSecret(target+"/")) && stop(p, u) {
					return false
				}
				if linked[target] {
					continue // a loop, or a tree seen through another link
				}
				linked[target] = true
				if !walk(target, u, depth+1) {
					return false
				}
			}
		}
		return true
	}
	walk(dir, url, 0)
}
