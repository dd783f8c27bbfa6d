#!/usr/bin/env bash
# A throwaway Postgres cluster for the tests: `start DIR` runs initdb into DIR, starts the
# server on a free loopback port with its socket in DIR, and prints the admin URL;
# `stop DIR` stops it and removes DIR. Installs Debian's postgresql when its binaries are
# missing. Runs the server as the `postgres` user when invoked as root, as initdb requires.
set -euo pipefail

command=${1:?usage: pg-test-cluster.sh start|stop|pause|resume DIR}
dir=${2:?usage: pg-test-cluster.sh start|stop|pause|resume DIR}

bindir=""
for candidate in /usr/lib/postgresql/*/bin; do
  if [ -x "$candidate/initdb" ]; then bindir=$candidate; fi
done
if [ -z "$bindir" ]; then
  echo "Installing Debian's postgresql (server binaries for the tests)" >&2
  apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2
  for candidate in /usr/lib/postgresql/*/bin; do
    if [ -x "$candidate/initdb" ]; then bindir=$candidate; fi
  done
fi

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$command" in
  start)
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
    as_owner "$bindir/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-locale >/dev/null
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    echo "$port" > "$dir/port"
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  pause)
    # Stops the server but keeps its data, to test what a database outage does.
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
  resume)
    port=$(cat "$dir/port")
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
    ;;
  stop)
    if [ -d "$dir/data" ]; then as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true; fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: pg-test-cluster.sh start|stop|pause|resume DIR" >&2
    exit 2
    ;;
esac
