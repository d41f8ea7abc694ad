package scan_test

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/internal/treetest"
	"github.com/unforbid/unforbid/parser"
	"github.com/unforbid/unforbid/parser/fsmeta"
	"github.com/unforbid/unforbid/rules/scan"
	"github.com/unforbid/unforbid/rules/simulate"
	nginxsim "github.com/unforbid/unforbid/rules/simulate/nginx"
	"github.com/unforbid/unforbid/rules/simulate/servers"
)

// noReload is the nginx simulator without its Reload method
// (simulate.Reloader), which it shadows: the scan then checks every fix
// that edits the config with FixOptions.Reload.
type noReload struct{ *nginxsim.Simulator }

func (noReload) Reload() {}

// TestFixesReloader checks that the fixes of each fix-* tree are the same
// whether their checks reload the config through the server's Reload,
// reusing its parse, or through FixOptions.Reload, parsing it all again;
// and that the scan prefers the server's.
func TestFixesReloader(t *testing.T) {
	edited, fixes := 0, 0
	for _, file := range treetest.Files(t, "../../testdata/trees") {
		if !strings.HasPrefix(filepath.Base(file), "fix-") {
			continue
		}
		c := treetest.Setup(t, file)
		t.Run(c.Name, func(t *testing.T) {
			calls := 0
			opts := scan.Options{Fixes: &scan.FixOptions{Reload: func(v *fsmeta.FS) (simulate.Server, error) {
				calls++
				return servers.Load(parser.KindNginx, treetest.MainConfig, v, servers.Options{})
			}}}
			srv := c.Server(t)
			got, _ := scan.Run(srv, opts)
			if calls != 0 {
				t.Errorf("FixOptions.Reload called %d times, though the server reloads itself", calls)
			}
			want, _ := scan.Run(noReload{srv.(*nginxsim.Simulator)}, opts)
			edited += calls
			if len(got) != len(want) {
				t.Fatalf("%d findings, want %d", len(got), len(want))
			}
			for i := range got {
				fixes += len(got[i].Fixes)
				if got[i].Key() != want[i].Key() || !reflect.DeepEqual(got[i].Fixes, want[i].Fixes) {
					t.Errorf("%s: fixes\n%+v\nwant\n%+v", got[i].Key(), got[i].Fixes, want[i].Fixes)
				}
			}
		})
	}
	if edited == 0 || fixes == 0 {
		t.Errorf("%d fix checks edit the config, %d fixes offered", edited, fixes)
	}
	t.Logf("%d fix checks edit the config, %d fixes offered", edited, fixes)
}
