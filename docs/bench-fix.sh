#!/usr/bin/env bash
# Times --check, --diff and --apply on N virtual hosts that are all broken
# the same three ways: a home directory of mode 700 (the search bit),
# docs/ holding index.htm while index names index.html (an index name),
# and a hidden-files deny that also refuses ACME challenges (a carve-out,
# found once the home directory is searchable). Run as root (ACLs).
# Usage: bash docs/bench-fix.sh [N] (default 1000).
set -euo pipefail
N=${1:-1000}
cd "$(dirname "$0")/.."
go build -o /tmp/unforbid-bench .
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/etc/nginx/sites"
cp /etc/passwd /etc/group "$dir/etc/"
printf 'user www-data;\nevents {}\nhttp {\n    include /etc/nginx/sites/*;\n}\n' >"$dir/etc/nginx/nginx.conf"
for i in $(seq 1 "$N"); do
  mkdir -p "$dir/home/u$i/public_html/docs"
  echo hi >"$dir/home/u$i/public_html/index.html"
  echo docs >"$dir/home/u$i/public_html/docs/index.htm"
  chmod 700 "$dir/home/u$i"
  printf 'server {\n    listen 80;\n    server_name u%d.example.com;\n    root /home/u%d/public_html;\n    index index.html;\n    location / {\n        try_files $uri $uri/ =404;\n    }\n    location ~ /\\. {\n        deny all;\n    }\n}\n' "$i" "$i" >"$dir/etc/nginx/sites/u$i"
done
export UNFORBID_STATE_DIR="$dir/state"
t() { /usr/bin/time -f "%e s, max RSS %M KiB" "$@" >/dev/null 2>"$dir/err" || true; tail -1 "$dir/err"; }
echo "--check:        $(t /tmp/unforbid-bench --check --root "$dir" /etc/nginx/nginx.conf)"
echo "--diff:         $(t /tmp/unforbid-bench --diff --root "$dir" /etc/nginx/nginx.conf)"
echo "--apply:        $(t /tmp/unforbid-bench --apply --root "$dir" /etc/nginx/nginx.conf)"
echo "second --apply: $(t /tmp/unforbid-bench --apply --root "$dir" /etc/nginx/nginx.conf)"
echo "--undo:         $(t /tmp/unforbid-bench --undo --root "$dir")"
