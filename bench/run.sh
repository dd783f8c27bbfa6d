#!/usr/bin/env bash
# `make bench`: measures ingestion and serving on this machine, on loopback only, and prints
# a table to paste into BENCHMARKS.md. Nothing here gates CI: shared machines are noisy.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v wrk >/dev/null; then
  echo "Installing Debian's wrk (the load generator)"
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk
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
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
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
"$binary" serve &
server=$!
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/api/v1/summary" >/dev/null 2>&1 && break
  sleep 0.5
done

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
load /api/v1/summary 100
load / 100
