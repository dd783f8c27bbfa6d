#!/usr/bin/env bash
# Runs the integration tests against Postgres: against TEST_DATABASE_URL when it is set (an
# admin URL of an existing server; each test creates its own database there), and otherwise
# against a throwaway cluster started here and torn down afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${TEST_DATABASE_URL:-}" ]; then
  exec cargo test -p server --test it
fi

cluster="$(mktemp -d)"
trap './scripts/pg-test-cluster.sh stop "$cluster"' EXIT
TEST_DATABASE_URL="$(./scripts/pg-test-cluster.sh start "$cluster")"
export TEST_DATABASE_URL
echo "integration tests on a throwaway Postgres cluster at ${TEST_DATABASE_URL}"
cargo test -p server --test it
