#!/usr/bin/env bash
# Measures unforbid against the tools it is compared with: a 100,000-file
# docroot against find(1), and 10,000 virtual hosts against `nginx -t`.
# Usage: bash docs/bench.sh [WORKDIR]   (needs nginx for the second part)
set -euo pipefail
work=${1:-$(mktemp -d)}
here=$(cd "$(dirname "$0")/.." && pwd)
(cd "$here" && go build -o "$work/unforbid" .)
ub=$work/unforbid

echo "== 100,000 files in one docroot (200 dirs x 500 files, 2 dirs mode 700)"
t=$work/files
rm -rf "$t"; mkdir -p "$t/etc/nginx" "$t/srv/www"
cp /etc/passwd /etc/group "$t/etc/"
cat >"$t/etc/nginx/nginx.conf" <<'CONF'
user www-data;
events {}
http {
 server {
  listen 80;
  server_name bench.test;
  root /srv/www;
  index index.html;
  location / { try_files $uri $uri/ =404; }
 }
}
CONF
python3 - "$t/srv/www" <<'PY'
import os, sys
root = sys.argv[1]
open(os.path.join(root, 'index.html'), 'w').close()
for d in range(200):
    dd = os.path.join(root, 'd%03d' % d)
    os.makedirs(dd)
    open(os.path.join(dd, 'index.html'), 'w').close()
    for f in range(500):
        open(os.path.join(dd, 'f%04d.html' % f), 'w').close()
PY
chmod 700 "$t/srv/www/d000" "$t/srv/www/d050"
measure() { # label, command...
  local label=$1; shift
  for i in 1 2 3; do
    /usr/bin/time -f "%e s  %M KiB" -o "$work/time.out" "$@" >/dev/null 2>&1 || true
    echo "$(cat "$work/time.out" | tail -1)  $label"
  done
}
measure "find (names only)" find "$t/srv/www"
measure "find -printf %m%u%g (stat every file)" find "$t/srv/www" -printf '%m%u%g\n'
measure "unforbid --check" "$ub" --check --root "$t" /etc/nginx/nginx.conf

echo "== 10,000 virtual hosts in 10,000 include files"
v=$work/vhosts
rm -rf "$v"; mkdir -p "$v/etc/nginx/sites-enabled"
cp /etc/passwd /etc/group "$v/etc/"
cat >"$v/etc/nginx/nginx.conf" <<CONF
user www-data;
pid $v/nginx.pid;
error_log $v/error.log;
events {}
http {
 access_log off;
 server_names_hash_bucket_size 128;
 server_names_hash_max_size 65536;
 include $v/etc/nginx/sites-enabled/*;
}
CONF
python3 - "$v/etc/nginx/sites-enabled" <<'PY'
import sys
d = sys.argv[1]
for i in range(10000):
    open('%s/site%05d' % (d, i), 'w').write('''server {
    listen 8080;
    server_name site%05d.example.com www.site%05d.example.com;
    root /srv/sites/site%05d/public;
    index index.html index.php;
    location / { try_files $uri $uri/ /index.php?$args; }
    location ~ \\.php$ { fastcgi_pass unix:/run/php/php-fpm.sock; }
    location ~ /\\.ht { deny all; }
    location ^~ /.well-known/acme-challenge/ { allow all; }
}
''' % (i, i, i))
PY
if command -v nginx >/dev/null; then
  measure "nginx -t" nginx -t -q -c "$v/etc/nginx/nginx.conf"
fi
sed -i "s#include $v/etc#include /etc#" "$v/etc/nginx/nginx.conf"
measure "unforbid --check" "$ub" --check --root "$v" /etc/nginx/nginx.conf
