#!/usr/bin/env bash
# Median wall time of `prospect log call` against a running daemon, next to `curl --unix-socket`
# posting the same JSON request to the same daemon in the same run.
#   scripts/bench-log.sh [RUNS]      (default 100; builds release binaries first)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-100}
swift build -c release >/dev/null
bin=$(swift build -c release --show-bin-path)
work=$(mktemp -d /tmp/prospectd-bench.XXXXXX)
trap 'kill "$daemon" 2>/dev/null; wait "$daemon" 2>/dev/null; rm -rf "$work"' EXIT
"$bin/prospectd" run --dev "$work" 2>"$work/daemon.log" &
daemon=$!
for _ in $(seq 100); do grep -q "prospectd ready" "$work/daemon.log" && break; sleep 0.05; done
sock="$work/prospectd.sock"
"$bin/prospect" admin rep add bench --name Bench --email bench@example.com \
  --timezone UTC --unix-user "$(id -un)" --socket "$sock" >/dev/null

median() { sort -n | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.2f", m / 1e6 }'; }
time_runs() {  # prints one duration in ns per run
  for i in $(seq "$runs"); do
    s=$(date +%s%N); "$@" "$i" >/dev/null; e=$(date +%s%N); echo $((e - s))
  done
}
cli() { "$bin/prospect" log call --socket "$sock" >/dev/null; }
raw() {
  curl -sf --unix-socket "$sock" -H 'Content-Type: application/json' \
    -d "{\"kind\":\"call\",\"client_id\":\"bench-curl-$1-$RANDOM$RANDOM\"}" http://localhost/v1/activities >/dev/null
}
# Interleave warm-up, then measure each alternately in blocks so machine noise hits both.
time_runs raw >/dev/null; time_runs cli >/dev/null
c=$(time_runs cli | median); r=$(time_runs raw | median)
echo "runs: $runs each"
echo "prospect log call: median ${c} ms"
echo "curl --unix-socket: median ${r} ms"
awk -v c="$c" -v r="$r" 'BEGIN { printf "ratio prospect/curl: %.2f\n", c / r }'
