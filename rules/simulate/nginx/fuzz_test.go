package nginx_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/unforbid/unforbid/internal/layout"
	"github.com/unforbid/unforbid/parser/fsmeta"
	conf "github.com/unforbid/unforbid/parser/nginx"
	"github.com/unforbid/unforbid/rules/simulate"
	nginxsim "github.com/unforbid/unforbid/rules/simulate/nginx"
)

// FuzzSimulate feeds arbitrary configurations and request paths through
// the loader, the model and the simulator: whatever the input, they return
// an error or a decision, never panic, and a decision always has a trace.
func FuzzSimulate(f *testing.F) {
	files, _ := filepath.Glob("../../../testdata/trees/*.txtar")
	for _, file := range files {
		tree, err := layout.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, af := range tree.Archive.Files {
			if af.Name == "etc/nginx/nginx.conf" {
				f.Add(string(af.Data), "/index.html")
				f.Add(string(af.Data), "/a/../.well-known/x/")
			}
		}
	}
	f.Add("http { server { location ~ ( { } } }", "/")
	f.Add("http { server { listen [::1]; root $x; try_files $uri/ =99999; } }", "/x/")
	// variables that refer back to the path mapping must not recurse forever
	f.Add("http { server { root /x/$request_filename; location / { alias $document_root/; } } }", "/a")
	f.Add("http { server { set $a $request_filename; root /$a; } }", "/a")
	root := f.TempDir()
	passwd, group := layout.DefaultUsers()
	if err := os.MkdirAll(filepath.Join(root, "etc/nginx"), 0o755); err != nil {
		f.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "etc/passwd"), []byte(passwd), 0o644)
	os.WriteFile(filepath.Join(root, "etc/group"), []byte(group), 0o644)
	f.Fuzz(func(t *testing.T, config, urlPath string) {
		start := time.Now()
		defer func() {
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("one input took %s", d)
			}
		}()
		if err := os.WriteFile(filepath.Join(root, "etc/nginx/nginx.conf"), []byte(config), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, err := conf.Load("/etc/nginx/nginx.conf", conf.Options{Root: root})
		if err != nil {
			return
		}
		m, err := nginxsim.Build(cfg, nginxsim.Options{})
		if err != nil {
			return
		}
		sim, err := nginxsim.New(m, fsmeta.New(root))
		if err != nil {
			return
		}
		if !strings.HasPrefix(urlPath, "/") {
			urlPath = "/" + urlPath
		}
		for _, method := range []string{"GET", "POST"} {
			for _, port := range []string{"", ":8080"} {
				req, err := simulate.ParseRequest(method, "http://site.test"+port+urlPath, "127.0.0.1")
				if err != nil {
					return
				}
				d := sim.Simulate(req)
				if d == nil || len(d.Trace) == 0 {
					t.Fatalf("no decision or empty trace for %s %s", method, urlPath)
				}
			}
		}
	})
}
