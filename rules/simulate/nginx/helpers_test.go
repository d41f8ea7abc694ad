package nginx_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/unforbid/unforbid/parser/fsmeta"
	nginxsim "github.com/unforbid/unforbid/rules/simulate/nginx"
)

// loadFiles writes files (a path below the root: its content) under a new
// root and loads its /etc/nginx/nginx.conf.
func loadFiles(t *testing.T, files map[string]string) *nginxsim.Simulator {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sim, err := nginxsim.Load("/etc/nginx/nginx.conf", fsmeta.New(dir), nginxsim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return sim
}
