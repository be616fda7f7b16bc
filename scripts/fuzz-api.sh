#!/usr/bin/env bash
# Fuzzes the API with schemathesis (from PyPI) against a real daemon, driven by openapi.yaml:
# 0 server errors (5xx), 0 crashes, every response as documented (refusals: 4xx with a JSON
# error body).
#
#   scripts/fuzz-api.sh            # quick: 20 examples per operation (CI)
#   scripts/fuzz-api.sh --long     # 300 examples per operation
set -euo pipefail
cd "$(dirname "$0")/.."
examples=20
[ "${1:-}" = "--long" ] && examples=300
bin="${PROSPECT_BIN_DIR:-.build/debug}"
command -v schemathesis >/dev/null || { echo "fuzz-api: schemathesis is missing: pip install schemathesis" >&2; exit 1; }

dir="$(mktemp -d /tmp/prospectd-fuzz.XXXXXX)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
cat > "$dir/prospectd.toml" <<TOML
[daemon]
database = "$dir/prospectd.sqlite"
socket = "$dir/prospectd.sock"
listen = "127.0.0.1:$port"
token_failure_limit = 100000
public_url = "http://127.0.0.1:$port"
[rule]
counting_kinds = ["call", "email"]
timezone = "UTC"
[kinds.call]
label = "Cold call"
[kinds.email]
label = "Email"
[kinds.won]
label = "Won"
category = "closing"
[[ladder]]
name = "nudge"
at = "14:00"
channels = ["journal"]
[digest]
daily_at = "18:00"
channels = ["journal"]
[channels.journal]
type = "log"
TOML
"$bin/prospectd" run --config "$dir/prospectd.toml" > "$dir/daemon.log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
for _ in $(seq 100); do grep -q "prospectd ready" "$dir/daemon.log" && break; sleep 0.1; done
p() { "$bin/prospect" "$@" --socket "$dir/prospectd.sock"; }
printf 'handle,name,email,timezone,manager,role\nada,Ada Admin,ada@example.com,UTC,,admin\ncarol,Carol,carol@example.com,UTC,,manager\nalice,Alice,alice@example.com,UTC,carol,rep\n' > "$dir/roster.csv"
p admin roster import "$dir/roster.csv" >/dev/null
token="$(p admin token issue ada 2>/dev/null)"

set +e
schemathesis run openapi.yaml --url "http://127.0.0.1:$port" -H "Authorization: Bearer $token" \
  --checks not_a_server_error,response_schema_conformance,content_type_conformance \
  --max-examples "$examples" --seed 20261127 --workers 2 --request-timeout 10 --no-color \
  --suppress-health-check all > "$dir/schemathesis.log" 2>&1
status=$?
set -e
tail -n 25 "$dir/schemathesis.log"
alive=yes
kill -0 "$pid" 2>/dev/null || alive=no
server_errors="$(grep -c 'request failed' "$dir/daemon.log" || true)"
echo "fuzz-api: schemathesis exit $status; daemon alive: $alive; 5xx logged by the daemon: $server_errors"
[ "$status" -eq 0 ] && [ "$alive" = yes ] && [ "$server_errors" -eq 0 ]
