#!/usr/bin/env bash
# `make bench`: measures ingestion and serving on this machine, on loopback only, and prints
# a table to paste into BENCHMARKS.md. Nothing here gates CI: shared machines are noisy.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
  echo "Installing Debian's wrk (the load generator) and nginx-light (the static-file ceiling)"
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk nginx-light
fi

binary=./target/release/covid19
data_dir="${COVID19_DATA_DIR:-../shared/data}"
if [ ! -d "$data_dir/jhu_csse" ]; then
  echo "make bench needs the real data in $data_dir (set COVID19_DATA_DIR)" >&2
  exit 1
fi
work="$(mktemp -d)"
port="${BENCH_PORT:-3109}"
duration="${BENCH_DURATION:-10s}"
runs="${BENCH_RUNS:-3}"
server=""
cluster=""
nginx_conf=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  if [ -n "$nginx_conf" ]; then nginx -c "$nginx_conf" -s stop 2>/dev/null || true; fi
  if [ -n "$cluster" ]; then ./scripts/pg-test-cluster.sh stop "$cluster" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
export RUST_LOG=warn COVID19_DATA_DIR="$data_dir"

seconds() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
echo "binary:  $binary ($(git rev-parse --short HEAD 2>/dev/null || echo unknown))"
echo

full=()
unchanged=()
for i in $(seq 1 "$runs"); do
  export DATABASE_URL="sqlite:$work/bench-$i.db"
  start=$(seconds); "$binary" ingest >/dev/null; end=$(seconds)
  full+=("$(elapsed "$start" "$end")")
  start=$(seconds); "$binary" ingest >/dev/null; end=$(seconds)
  unchanged+=("$(elapsed "$start" "$end")")
done
rows=$(sqlite3 "$work/bench-1.db" "SELECT COUNT(*) FROM daily" 2>/dev/null || echo "?")
printf 'full ingest of the real data (%s region-days), median of %s: %.2f s (runs: %s)\n' \
  "$rows" "$runs" "$(printf '%s\n' "${full[@]}" | median)" "${full[*]}"
printf 'unchanged re-ingest, median of %s: %.3f s (runs: %s)\n' \
  "$runs" "$(printf '%s\n' "${unchanged[@]}" | median)" "${unchanged[*]}"
echo

export DATABASE_URL="sqlite:$work/bench-1.db" LEPTOS_SITE_ADDR="127.0.0.1:$port" COVID19_SCHEDULER=false
# Waits until the server answers `path` (default: the summary, which needs data loaded).
wait_for_server() {
  for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$port${1:-/api/v1/summary}" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "the server did not answer" >&2
  return 1
}
"$binary" serve &
server=$!
wait_for_server
curl -fsS "http://127.0.0.1:$port/api/v1/summary" -o "$work/summary.json"

load() {
  local path=$1 connections=$2
  curl -fsS "http://127.0.0.1:$port$path" >/dev/null
  wrk -t2 -c"$connections" -d"$duration" --latency "http://127.0.0.1:$port$path" > "$work/wrk.txt"
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
  p50=$(awk '$1 == "50%" {print $2}' "$work/wrk.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
  printf '%-22s %5s connections: %10s requests/s, p50 %8s, p99 %8s\n' "$path" "$connections" "$rps" "$p50" "$p99"
}
ulimit -n 65536 2>/dev/null || true

# Loads the running server (cache on), then restarts it with the cache off and loads it again.
measure_serving() {
  local engine=$1
  echo "$engine, in-process cache on:"
  load /api/v1/summary 100
  load /api/v1/summary 1000
  load / 100
  kill "$server"; wait "$server" 2>/dev/null || true
  COVID19_CACHE=false "$binary" serve &
  server=$!
  wait_for_server
  echo "$engine, in-process cache off:"
  load /api/v1/summary 100
  load / 100
  kill "$server"; wait "$server" 2>/dev/null || true
  server=""
}
measure_serving SQLite

# Booking throughput: 100 clients booking dose 1 over HTTP in a skewed wave, then a count of
# overbooked days (which must be 0).
measure_bookings() {
  local engine=$1 url=$2
  DATABASE_URL="$url" "$binary" migrate >/dev/null
  DATABASE_URL="$url" "$binary" serve &
  server=$!
  wait_for_server /healthz
  printf '%s bookings: ' "$engine"
  DATABASE_URL="$url" ./target/release/bench-bookings --server "http://127.0.0.1:$port" \
    --people "${BENCH_PEOPLE:-20000}" --clients 100 | tail -1
  kill "$server"; wait "$server" 2>/dev/null || true
  server=""
}
measure_bookings SQLite "sqlite:$work/bookings.db"

# Nearest hospitals: the in-memory index over both registers against a linear scan.
echo "nearest hospitals (10 nearest of every open hospital, 10,000 random places):"
"$binary" hospitals bench-nearby --queries 10000 | sed 's/^/  /'

# The same on a throwaway Postgres cluster.
cluster="$(mktemp -d)"
admin_url=$(./scripts/pg-test-cluster.sh start "$cluster")
psql "$admin_url" -qc "CREATE DATABASE bench" >/dev/null
export DATABASE_URL="${admin_url%/*}/bench"
start=$(seconds); "$binary" ingest >/dev/null; end=$(seconds)
printf '\nPostgres: full ingest of the real data: %.2f s\n' "$(elapsed "$start" "$end")"
start=$(seconds); "$binary" ingest >/dev/null; end=$(seconds)
printf 'Postgres: unchanged re-ingest: %.3f s\n' "$(elapsed "$start" "$end")"
"$binary" serve &
server=$!
wait_for_server
measure_serving Postgres
psql "$admin_url" -qc "CREATE DATABASE bookings" >/dev/null
measure_bookings Postgres "${admin_url%/*}/bookings"

# The ceiling: nginx serving the summary's bytes as a static file on the same machine.
if command -v nginx >/dev/null; then
  mkdir -p "$work/nginx/html"
  cp "$work/summary.json" "$work/nginx/html/summary.json"
  cat > "$work/nginx/nginx.conf" <<CONF
user root;
worker_processes 2;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$((port + 1));
    root $work/nginx/html;
  }
}
CONF
  nginx -c "$work/nginx/nginx.conf"
  nginx_conf="$work/nginx/nginx.conf"
  echo "nginx, the same bytes as a static file:"
  port=$((port + 1)) load /summary.json 100
  port=$((port + 1)) load /summary.json 1000
  nginx -c "$nginx_conf" -s stop
  nginx_conf=""
fi
