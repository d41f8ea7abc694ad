package nginx

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/unforbid/unforbid/parser/fsmeta"
)

// BenchmarkLoad loads 1,000 server blocks, each in its own include file.
func BenchmarkLoad(b *testing.B) {
	root := benchTree(b)
	b.ReportAllocs()
	for b.Loop() {
		c, err := Load("/etc/nginx/nginx.conf", Options{Root: root})
		if err != nil {
			b.Fatal(err)
		}
		if len(c.Files) != 1003 {
			b.Fatalf("%d files", len(c.Files))
		}
	}
}

// BenchmarkReload loads BenchmarkLoad's configuration again with a Cache
// that loaded it before, one file edited (a new edit each time), as a
// fix's check does (on the same filesystem view).
func BenchmarkReload(b *testing.B) {
	root := benchTree(b)
	const site = "/etc/nginx/sites/0500.conf"
	src, err := os.ReadFile(filepath.Join(root, site))
	if err != nil {
		b.Fatal(err)
	}
	cache, fsys := &Cache{}, fsmeta.New(root)
	if _, err := Load("/etc/nginx/nginx.conf", Options{FS: fsys, Cache: cache}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		edited := strings.Replace(string(src), "deny all;", fmt.Sprintf("deny all; # edit %d", i), 1)
		c, err := Load("/etc/nginx/nginx.conf", Options{FS: fsys, Cache: cache, Src: map[string][]byte{site: []byte(edited)}})
		if err != nil {
			b.Fatal(err)
		}
		if len(c.Files) != 1003 {
			b.Fatalf("%d files", len(c.Files))
		}
	}
}

// benchTree lays out the benchmarks' configuration and returns its root.
func benchTree(b *testing.B) string {
	root := b.TempDir()
	etc := filepath.Join(root, "etc/nginx")
	if err := os.MkdirAll(filepath.Join(etc, "sites"), 0o755); err != nil {
		b.Fatal(err)
	}
	main := "worker_processes auto;\nevents { worker_connections 768; }\nhttp {\n\tinclude /etc/nginx/snippets.conf;\n\tinclude /etc/nginx/sites/*.conf;\n}\n"
	if err := os.WriteFile(filepath.Join(etc, "nginx.conf"), []byte(main), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(etc, "snippets.conf"), []byte("sendfile on;\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	for i := range 1000 {
		site := fmt.Sprintf(`# site %[1]d
server {
	listen 80;
	server_name site%[1]d.example.com www.site%[1]d.example.com;
	root "/srv/site%[1]d/public";
	index index.html index.php;
	access_log /var/log/nginx/site%[1]d.log;
	location / {
		try_files $uri $uri/ /index.php?$args;
	}
	location ~ \.php$ {
		include fastcgi_params.conf;
		fastcgi_pass unix:/run/php/php-fpm.sock;
	}
	location ~ /\.ht {
		deny all;
	}
	if ($host = old%[1]d.example.com) { return 301 https://site%[1]d.example.com$request_uri; }
}
`, i)
		if err := os.WriteFile(filepath.Join(etc, "sites", fmt.Sprintf("%04d.conf", i)), []byte(site), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(etc, "fastcgi_params.conf"), []byte("fastcgi_param QUERY_STRING $query_string;\nfastcgi_param REQUEST_METHOD $request_method;\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	return root
}
