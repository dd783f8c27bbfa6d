#!/usr/bin/env bash
# Starts the release server on a fresh database, loaded with the real data where the shared
# data folder exists and with the test fixtures otherwise, then runs the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."

port="${E2E_PORT:-3107}"
work="$(mktemp -d)"
binary=./target/release/covid19
export DATABASE_URL="sqlite:$work/e2e.db"
export LEPTOS_SITE_ADDR="127.0.0.1:$port"
export COVID19_SCHEDULER=false
export RUST_LOG="${RUST_LOG:-warn}"

data_dir="${COVID19_DATA_DIR:-../shared/data}"
if [ -d "$data_dir/jhu_csse" ]; then
  echo "end-to-end: loading the real data from $data_dir"
  "$binary" ingest
  "$binary" hospitals import
else
  echo "end-to-end: no data folder at $data_dir; loading the test fixtures"
  fixtures=server/tests/fixtures
  "$binary" ingest "$fixtures/UID_ISO_FIPS_LookUp_Table.csv" \
    "$fixtures/time_series_covid19_confirmed_global.csv" "$fixtures/time_series_covid19_deaths_global.csv" \
    "$fixtures/time_series_covid19_confirmed_US.csv" "$fixtures/time_series_covid19_deaths_US.csv"
  "$binary" hospitals import "$fixtures/hospitals/hifld.csv" "$fixtures/hospitals/eurostat.csv"
fi

"$binary" serve &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$port/api/v1/summary" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then echo "the server exited before answering" >&2; exit 1; fi
  sleep 0.5
done

cd end2end
BASE_URL="http://127.0.0.1:$port" node --test --test-concurrency=1 tests/
