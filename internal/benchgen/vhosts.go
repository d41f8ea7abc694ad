package benchgen

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/unforbid/unforbid/parser"
)

// VhostServer is a server whose virtual hosts this package writes: its
// kind, its main configuration file and the writer of n hosts under a
// root.
type VhostServer struct {
	Kind  parser.Kind
	Main  string
	Write func(root string, n int) error
}

// VhostServers are the servers NginxVhosts and ApacheVhosts write for.
var VhostServers = []VhostServer{
	{parser.KindNginx, "/etc/nginx/nginx.conf", NginxVhosts},
	{parser.KindApache, "/etc/apache2/apache2.conf", ApacheVhosts},
}

// NginxLocations is the number of location blocks of each generated nginx
// server block.
const NginxLocations = 10

// NginxDirectives is the number of directives of one generated nginx
// include file (the server block, its 6 simple directives, 10 locations
// with one directive each).
const NginxDirectives = 1 + 6 + 2*NginxLocations

// NginxVhosts writes under root a Debian-style nginx configuration of n
// server blocks, each in its own file of /etc/nginx/sites-enabled with
// NginxLocations locations, and each block's docroot
// (/srv/sites/siteNNNNN/public/index.html). The main file is
// /etc/nginx/nginx.conf; every path in it is a server path, so it is read
// with --root root, or by nginx -t once written with NginxMainForHost.
func NginxVhosts(root string, n int) error {
	etc := filepath.Join(root, "etc/nginx")
	sites := filepath.Join(etc, "sites-enabled")
	if err := os.MkdirAll(sites, 0o755); err != nil {
		return err
	}
	if err := copyFiles(filepath.Join(root, "etc"), "/etc/passwd", "/etc/group"); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(etc, "nginx.conf"), []byte(NginxMain("")), 0o644); err != nil {
		return err
	}
	for _, d := range []string{"run", "var/log/nginx"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return err
		}
	}
	var b strings.Builder
	for i := range n {
		b.Reset()
		NginxSite(&b, i)
		if err := os.WriteFile(filepath.Join(sites, fmt.Sprintf("site%05d.conf", i)), []byte(b.String()), 0o644); err != nil {
			return err
		}
		if err := docroot(root, i); err != nil {
			return err
		}
	}
	return nil
}

// NginxMain returns the main file of NginxVhosts with every absolute path
// prefixed by prefix: "" for a tree read with --root, the tree's host
// directory for nginx -t (whose pid and error log then stay in the tree).
func NginxMain(prefix string) string {
	return fmt.Sprintf(`user www-data;
pid %[1]s/run/nginx.pid;
error_log %[1]s/var/log/nginx/error.log;
events { worker_connections 768; }
http {
	access_log off;
	server_names_hash_bucket_size 128;
	server_names_hash_max_size 65536;
	include %[1]s/etc/nginx/sites-enabled/*.conf;
}
`, prefix)
}

// NginxSite writes generated server block number i, as one include file.
func NginxSite(b *strings.Builder, i int) {
	fmt.Fprintf(b, `server {
	listen 8080;
	server_name site%05[1]d.example.com www.site%05[1]d.example.com;
	root /srv/sites/site%05[1]d/public;
	index index.html index.php;
	access_log off;
	error_page 404 /404.html;
	location / { try_files $uri $uri/ /index.php?$args; }
	location ~ \.php$ { fastcgi_pass unix:/run/php/php-fpm.sock; }
	location ~ /\.ht { deny all; }
	location ^~ /.well-known/acme-challenge/ { allow all; }
	location /static/ { expires 30d; }
	location /media/ { autoindex off; }
	location = /favicon.ico { log_not_found off; }
	location = /robots.txt { allow all; }
	location /admin/ { deny all; }
	location /api/ { return 404; }
}
`, i)
}

// ApacheVhosts writes under root a Debian apache2 layout: the host's
// /etc/apache2 (Debian's stock configuration) with sites-enabled replaced
// by n files, one <VirtualHost> each, and each site's docroot
// (/srv/sites/siteNNNNN/public/index.html). The main file is
// /etc/apache2/apache2.conf.
func ApacheVhosts(root string, n int) error {
	etc := filepath.Join(root, "etc")
	if err := os.MkdirAll(etc, 0o755); err != nil {
		return err
	}
	if out, err := exec.Command("cp", "-a", "/etc/apache2", filepath.Join(etc, "apache2")).CombinedOutput(); err != nil {
		return fmt.Errorf("benchgen: cp /etc/apache2: %v: %s", err, out)
	}
	if err := copyFiles(etc, "/etc/passwd", "/etc/group", "/etc/mime.types"); err != nil {
		return err
	}
	sites := filepath.Join(etc, "apache2/sites-enabled")
	if err := os.RemoveAll(sites); err != nil {
		return err
	}
	if err := os.MkdirAll(sites, 0o755); err != nil {
		return err
	}
	var b strings.Builder
	for i := range n {
		b.Reset()
		ApacheSite(&b, i)
		if err := os.WriteFile(filepath.Join(sites, fmt.Sprintf("site%05d.conf", i)), []byte(b.String()), 0o644); err != nil {
			return err
		}
		if err := docroot(root, i); err != nil {
			return err
		}
	}
	return nil
}

// ApacheSite writes generated virtual host number i, as one file of
// sites-enabled.
func ApacheSite(b *strings.Builder, i int) {
	fmt.Fprintf(b, `<VirtualHost *:80>
	ServerName site%05[1]d.example.com
	ServerAlias www.site%05[1]d.example.com
	ServerAdmin webmaster@site%05[1]d.example.com
	DocumentRoot /srv/sites/site%05[1]d/public
	ErrorLog ${APACHE_LOG_DIR}/error.log
	CustomLog ${APACHE_LOG_DIR}/access.log combined
	<Directory /srv/sites/site%05[1]d/public>
		Options FollowSymLinks
		AllowOverride None
		Require all granted
	</Directory>
	<Location /admin>
		Require all denied
	</Location>
	<FilesMatch "^\.ht">
		Require all denied
	</FilesMatch>
</VirtualHost>
`, i)
}

// docroot creates site i's docroot with an index file.
func docroot(root string, i int) error {
	dir := filepath.Join(root, fmt.Sprintf("srv/sites/site%05d/public", i))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "index.html"), []byte("hello\n"), 0o644)
}

// copyFiles copies each host file into dir under its base name.
func copyFiles(dir string, files ...string) error {
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
