#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: initdb + pg_ctl on a folder of its own, listening
# on a loopback port only, with a password (scram-sha-256) for its superuser `prospect`.
#
#   postgres-cluster.sh OWNER_PID new   -> prints "URL PASSWORD_FILE" of a new, empty database
#   postgres-cluster.sh OWNER_PID stop  -> stops the cluster and removes its folder
#
# One cluster per OWNER_PID (the test process): the first call starts it, later calls reuse it,
# and a watchdog stops it and removes its folder once that process has gone. As root, the server
# runs as the `postgres` user (initdb refuses root).
set -euo pipefail
owner="$1"
action="${2:-new}"
dir="/tmp/prospect-pg-$owner"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "postgres-cluster: no PostgreSQL server installed (apt-get install postgresql)" >&2
  exit 2
fi
as_server() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [ "$action" = stop ]; then
  [ -d "$dir/data" ] && as_server "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  exit 0
fi

exec 9>"/tmp/prospect-pg-$owner.lock"
flock 9
if [ ! -f "$dir/url" ]; then
  rm -rf "$dir"
  mkdir -p "$dir"
  head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$dir/password"
  [ "$(id -u)" = 0 ] && chown -R postgres "$dir"
  chmod 700 "$dir"
  [ "$(id -u)" = 0 ] && chmod 711 "$dir" && chmod 644 "$dir/password"
  as_server "$bin/initdb" -D "$dir/data" -U prospect --auth=scram-sha-256 --pwfile="$dir/password" \
    -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  # fsync off: a test cluster is thrown away, and the tests are about semantics, not the disk.
  # PROSPECT_PG_DURABLE=1 (the benchmarks) keeps PostgreSQL's defaults: every commit on disk.
  durability="-c fsync=off -c synchronous_commit=off"
  [ "${PROSPECT_PG_DURABLE:-}" = 1 ] && durability=""
  as_server "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir $durability -c max_connections=300" \
    start >/dev/null 9>&- || { cat "$dir/server.log" >&2; exit 1; }
  echo "postgresql://prospect@127.0.0.1:$port" >"$dir/url"
  # Stops the cluster once the owner is gone.
  (
    trap '' HUP
    while kill -0 "$owner" 2>/dev/null; do sleep 2; done
    as_server "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir" "/tmp/prospect-pg-$owner.lock"
  ) </dev/null >/dev/null 2>&1 9>&- &
  disown
fi
base="$(cat "$dir/url")"
name="t_$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
PGPASSWORD="$(cat "$dir/password")" psql -q -X -v ON_ERROR_STOP=1 "$base/postgres" -c "CREATE DATABASE $name" >/dev/null
echo "$base/$name $dir/password"
