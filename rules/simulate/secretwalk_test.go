package simulate_test

import (
	"reflect"
	"testing"

	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules/simulate"
)

func TestSecretWalk(t *testing.T) {
	fsys, err := fsmeta.NewMemory("", []fsmeta.Entry{
		dir("/srv", 0o755, 0, 0),
		dir("/srv/www", 0o755, 0, 0),
		file("/srv/www/index.html", 0o644, 0, 0),
		file("/srv/www/.env", 0o600, 0, 0),
		dir("/srv/www/.git", 0o755, 0, 0),
		file("/srv/www/.git/config", 0o644, 0, 0),
		dir("/srv/www/a", 0o755, 0, 0),
		dir("/srv/www/a/b", 0o755, 0, 0),
		file("/srv/www/a/b/id_rsa", 0o600, 0, 0),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name           string
		entries, depth int
		stopAfter      int // visit asks to stop after this many secrets; 0 never
		want           []string
		partial        bool
	}{
		{name: "whole", entries: 100, depth: 5, want: []string{"/.env", "/.git/", "/.git/config", "/a/b/id_rsa"}},
		{name: "shallow", entries: 100, depth: 1, want: []string{"/.env", "/.git/", "/.git/config"}, partial: true},
		// the bound is checked as a directory is entered
		{name: "few entries", entries: 2, depth: 5, want: []string{"/.env", "/.git/"}, partial: true},
		{name: "visit stops", entries: 100, depth: 5, stopAfter: 1, want: []string{"/.env"}, partial: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sw := simulate.SecretWalk{MaxEntries: tt.entries, MaxDepth: tt.depth}
			var got []string
			sw.Walk(fsys, "/srv/www", "/", func(p, u string) bool {
				if tt.stopAfter > 0 && len(got) == tt.stopAfter {
					return false
				}
				got = append(got, u)
				return true
			})
			if !reflect.DeepEqual(got, tt.want) || sw.Partial != tt.partial {
				t.Errorf("secrets %q partial %v; want %q partial %v", got, sw.Partial, tt.want, tt.partial)
			}
		})
	}
}

func link(p, target string) fsmeta.Entry {
	return fsmeta.Entry{Path: p, Type: fsmeta.TypeSymlink, Target: target}
}

// TestSecretWalkLinks walks trees with symbolic links: followed, a link
// to a secret is visited at the link's URL and a linked directory is
// walked below it, each directory once through links, within the bounds.
func TestSecretWalkLinks(t *testing.T) {
	base := []fsmeta.Entry{
		dir("/home", 0o755, 0, 0),
		dir("/home/alice", 0o755, 1000, 1000),
		file("/home/alice/notes.txt", 0o644, 1000, 1000),
		dir("/home/alice/.ssh", 0o700, 1000, 1000),
		file("/home/alice/.ssh/id_rsa", 0o600, 1000, 1000),
		dir("/srv", 0o755, 0, 0),
		dir("/srv/www", 0o755, 0, 0),
		file("/srv/www/index.html", 0o644, 0, 0),
		dir("/srv/deep", 0o755, 0, 0),
		dir("/srv/deep/a", 0o755, 0, 0),
		dir("/srv/deep/a/b", 0o755, 0, 0),
		file("/srv/deep/a/b/db.sql", 0o644, 0, 0),
	}
	for _, tt := range []struct {
		name     string
		links    []fsmeta.Entry
		depth    int // 5 when 0
		entries  int // 100 when 0
		noFollow bool
		want     []string
		partial  bool
	}{
		{name: "file link to a secret", links: []fsmeta.Entry{link("/srv/www/key.txt", "../../home/alice/.ssh/id_rsa")},
			want: []string{"/key.txt"}},
		{name: "not followed", noFollow: true, links: []fsmeta.Entry{link("/srv/www/key.txt", "/home/alice/.ssh/id_rsa"), link("/srv/www/data", "/home/alice")}},
		{name: "file link to a plain file", links: []fsmeta.Entry{link("/srv/www/notes.txt", "/home/alice/notes.txt")}},
		// a link named as a secret is visited once, by its own name
		{name: "secret-named link", links: []fsmeta.Entry{link("/srv/www/.env", "/home/alice/notes.txt")},
			want: []string{"/.env"}},
		{name: "dir link", links: []fsmeta.Entry{link("/srv/www/data", "/home/alice")},
			want: []string{"/data/.ssh/", "/data/.ssh/id_rsa"}},
		{name: "dir link to a secret dir", links: []fsmeta.Entry{link("/srv/www/keys", "/home/alice/.ssh")},
			want: []string{"/keys/", "/keys/id_rsa"}},
		{name: "link below a linked dir", links: []fsmeta.Entry{
			link("/srv/www/shared", "/srv/deep/a"), link("/srv/deep/a/key", "/home/alice/.ssh/id_rsa")},
			want: []string{"/shared/b/db.sql", "/shared/key"}},
		// the second link to the same tree is not walked again
		{name: "tree seen twice", links: []fsmeta.Entry{link("/srv/www/d1", "/home/alice"), link("/srv/www/d2", "/home/alice/")},
			want: []string{"/d1/.ssh/", "/d1/.ssh/id_rsa"}},
		// the loop is walked once more through the link, then no more
		{name: "loop", links: []fsmeta.Entry{file("/srv/www/.env", 0o600, 0, 0), dir("/srv/www/sub", 0o755, 0, 0), link("/srv/www/sub/up", "..")},
			want: []string{"/.env", "/sub/up/.env"}},
		{name: "loop through a secret", links: []fsmeta.Entry{link("/srv/www/.git", "/srv/www/sub"), dir("/srv/www/sub", 0o755, 0, 0), link("/srv/www/sub/up", "..")},
			want: []string{"/.git", "/.git/", "/.git/up", "/.git/up/", "/.git/up/.git", "/.git/up/.git/", "/.git/up/index.html", "/.git/up/sub/", "/.git/up/sub/up", "/.git/up/sub/up/"}},
		{name: "broken link", links: []fsmeta.Entry{link("/srv/www/gone", "/nowhere/.env")}},
		{name: "link past the depth", depth: 2, links: []fsmeta.Entry{link("/srv/www/deep", "/srv/deep")},
			partial: true},
		// the bound is checked as a directory is entered
		{name: "link past the entries", entries: 2, links: []fsmeta.Entry{link("/srv/www/data", "/home/alice")},
			want: []string{"/data/.ssh/"}, partial: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fsys, err := fsmeta.NewMemory("", append(append([]fsmeta.Entry{}, base...), tt.links...))
			if err != nil {
				t.Fatal(err)
			}
			sw := simulate.SecretWalk{MaxEntries: tt.entries, MaxDepth: tt.depth, FollowLinks: !tt.noFollow}
			if sw.MaxEntries == 0 {
				sw.MaxEntries = 100
			}
			if sw.MaxDepth == 0 {
				sw.MaxDepth = 5
			}
			var got []string
			sw.Walk(fsys, "/srv/www", "/", func(p, u string) bool {
				got = append(got, u)
				return true
			})
			if !reflect.DeepEqual(got, tt.want) || sw.Partial != tt.partial {
				t.Errorf("secrets %q partial %v; want %q partial %v", got, sw.Partial, tt.want, tt.partial)
			}
		})
	}
}
