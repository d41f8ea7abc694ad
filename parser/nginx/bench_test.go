package nginx

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkLoad loads 1,000 server blocks, each in its own include file.
func BenchmarkLoad(b *testing.B) {
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
