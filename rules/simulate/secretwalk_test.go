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
