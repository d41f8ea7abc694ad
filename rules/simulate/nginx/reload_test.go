package nginx_test

import (
	"reflect"
	"testing"

	"github.com/unforbid/unforbid/internal/treetest"
	"github.com/unforbid/unforbid/parser/fsmeta"
	conf "github.com/unforbid/unforbid/parser/nginx"
	"github.com/unforbid/unforbid/rules/simulate"
	nginxsim "github.com/unforbid/unforbid/rules/simulate/nginx"
)

// TestReload checks that Reload, which parses again only the config files
// that changed, loads on each tree what a fresh load does: with no change,
// and with the last file read edited (a comment added at its top, which
// moves every range in it).
func TestReload(t *testing.T) {
	for _, file := range treetest.Files(t, "../../../testdata/trees") {
		c := treetest.Setup(t, file)
		t.Run(c.Name, func(t *testing.T) {
			sim, err := nginxsim.Load(treetest.MainConfig, c.FS, nginxsim.Options{})
			if err != nil {
				t.Skipf("does not load: %v", err)
			}
			files := sim.Model.Config.Files
			last := files[len(files)-1]
			views := map[string]*fsmeta.FS{
				"unchanged": c.FS,
				"edited": c.FS.With(fsmeta.Changes{Files: map[string]fsmeta.FileContent{
					last.Path: {Data: append([]byte("# edited\n"), last.Src...)}}}),
			}
			for name, view := range views {
				want, wantErr := conf.Load(treetest.MainConfig, conf.Options{FS: view})
				srv, err := sim.Reload(view)
				if (err != nil) != (wantErr != nil) || err != nil && err.Error() != wantErr.Error() {
					t.Fatalf("%s: Reload error %v, want %v", name, err, wantErr)
				}
				if err != nil {
					continue
				}
				got := srv.(*nginxsim.Simulator).Model.Config
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s: Reload's config differs from a fresh load's", name)
				}
				if _, ok := srv.(simulate.Reloader); !ok {
					t.Errorf("%s: the reloaded server cannot reload", name)
				}
			}
		})
	}
}
