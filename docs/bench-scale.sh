#!/usr/bin/env bash
# Scale benchmarks of issue 15, virtual hosts: unforbid --check against
# `nginx -t` on N generated server blocks, and against `apache2 -t` on N
# generated VirtualHosts (Debian layout), side by side on the same trees,
# for N = 100, 1,000, 10,000 (or the Ns given after WORKDIR). Then
# docroots: unforbid --check against `find DIR ! -perm -o+r` on generated
# docroots of FILES:DIRS each (DOCROOTS, by default 100,000, 200,000 and
# 1,000,000 files, and 1,000,000 files in one directory; DOCROOTS= skips
# them). Prints the median of 3 runs of each (wall time, peak RSS from
# /usr/bin/time -v) and unforbid's ratio to the reference.
# Usage: [DOCROOTS="FILES:DIRS..."] bash docs/bench-scale.sh [WORKDIR [N...]]
set -euo pipefail
work=${1:-$(mktemp -d)}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100 1000 10000)
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$work"
(cd "$here" && go build -o "$work/unforbid" . && go build -o "$work/vhostgen" ./internal/benchgen/cmd/vhostgen &&
  go build -o "$work/benchgen" ./internal/benchgen/cmd/benchgen)
ub=$work/unforbid

# run3 LABEL CMD...: runs CMD 3 times, prints "median_seconds median_KiB".
run3() {
  local ts=() ms=() i out
  for i in 1 2 3; do
    out=$work/time.$i
    /usr/bin/time -v -o "$out" "$@" >/dev/null 2>"$work/stderr.$i" || true
    ts+=("$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,a,":"); s=0; for(j=1;j<=n;j++) s=s*60+a[j]; print s}' "$out")")
    ms+=("$(awk -F': ' '/Maximum resident set size/{print $2}' "$out")")
  done
  printf '%s %s\n' "$(printf '%s\n' "${ts[@]}" | sort -g | sed -n 2p)" "$(printf '%s\n' "${ms[@]}" | sort -g | sed -n 2p)"
}

row() { # kind N ref_label unforbid_result ref_result
  read -r ut um <<<"$4"; read -r rt rm <<<"$5"
  awk -v k="$1" -v n="$2" -v r="$3" -v ut="$ut" -v um="$um" -v rt="$rt" -v rm="$rm" 'BEGIN{
    printf "%-6s %6d  unforbid %6.2f s %6.0f MiB | %-10s %6.2f s %6.0f MiB | time %.2fx  memory %.2fx\n",
      k, n, ut, um/1024, r, rt, rm/1024, (rt>0? ut/rt : 0), (rm>0? um/rm : 0)}'
}

echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
for n in "${sizes[@]}"; do
  t=$work/nginx-$n
  if [ ! -d "$t" ]; then "$work/vhostgen" nginx "$n" "$t"; fi
  # nginx -t reads the same files through host paths (its own copy of the
  # main file, the one unforbid reads being in server paths).
  sed "s#include /etc#include $t/etc#; s#pid /run#pid $t/run#; s#error_log /var#error_log $t/var#" \
    "$t/etc/nginx/nginx.conf" >"$t/nginx-host.conf"
  if ! nginx -t -q -c "$t/nginx-host.conf" -p "$t" 2>"$work/nginx-t.err"; then
    echo "nginx -t refuses the generated config:"; cat "$work/nginx-t.err"; exit 1
  fi
  if ! "$ub" --check --root "$t" /etc/nginx/nginx.conf >"$work/check.out" 2>&1; then
    case $? in 1) ;; *) echo "unforbid failed:"; cat "$work/check.out"; exit 1;; esac
  fi
  u=$(run3 "$ub" --check --root "$t" /etc/nginx/nginx.conf)
  r=$(run3 nginx -t -q -c "$t/nginx-host.conf" -p "$t")
  row nginx "$n" "nginx -t" "$u" "$r"
done

if command -v apache2 >/dev/null; then
  for n in "${sizes[@]}"; do
    t=$work/apache-$n
    if [ ! -d "$t" ]; then "$work/vhostgen" apache "$n" "$t"; fi
    conf=$t/etc/apache2
    # apache2 -t on the tree's own config, Debian's way (apache2ctl
    # sources envvars; APACHE_CONFDIR names the tree's etc/apache2).
    at() { (export APACHE_CONFDIR=$conf; . "$conf/envvars"; export APACHE_LOG_DIR=$t/var/log/apache2 APACHE_RUN_DIR=$t/run/apache2 APACHE_LOCK_DIR=$t/lock; mkdir -p "$APACHE_LOG_DIR" "$APACHE_RUN_DIR" "$APACHE_LOCK_DIR"; exec apache2 -t -d "$conf" -f "$conf/apache2.conf"); }
    if ! at >/dev/null 2>"$work/apache-t.err"; then
      echo "apache2 -t refuses the generated config:"; cat "$work/apache-t.err"; exit 1
    fi
    if ! "$ub" --check --root "$t" /etc/apache2/apache2.conf >"$work/check.out" 2>&1; then
      case $? in 1) ;; *) echo "unforbid failed:"; cat "$work/check.out"; exit 1;; esac
    fi
    u=$(run3 "$ub" --check --root "$t" /etc/apache2/apache2.conf)
    export -f at; export conf t
    r=$(run3 bash -c at)
    row apache "$n" "apache2 -t" "$u" "$r"
  done
fi

docroots=${DOCROOTS-100000:2000 200000:4000 1000000:20000 1000000:1}
for spec in $docroots; do
  files=${spec%%:*} dirs=${spec##*:}
  t=$work/docroot-$files-$dirs
  if [ ! -d "$t" ]; then "$work/benchgen" docroot -files "$files" -dirs "$dirs" -acls "$t" >/dev/null; fi
  u=$(run3 "$ub" --check --root "$t" /etc/nginx/nginx.conf)
  r=$(run3 find "$t/srv/www" ! -perm -o+r)
  row files "$files" "find ($dirs d)" "$u" "$r"
done
