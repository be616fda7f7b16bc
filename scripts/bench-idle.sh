#!/usr/bin/env bash
# The daemon's resident memory and wake-ups per hour while nothing is due, next to an idle
# `python3 -m http.server` measured the same way in the same run.
#   scripts/bench-idle.sh [SECONDS]   (default 60; needs release binaries: swift build -c release)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
bin=$(swift build -c release --show-bin-path)
work=$(mktemp -d /tmp/prospectd-idle.XXXXXX)
trap 'kill "$daemon" "$python" 2>/dev/null; rm -rf "$work"' EXIT
cat > "$work/prospectd.toml" <<TOML
[daemon]
database = "$work/prospectd.sqlite"
socket = "$work/prospectd.sock"
[rule]
counting_kinds = ["call"]
[kinds.call]
[[ladder]]
name = "nudge"
at = "14:00"
channels = ["journal"]
[channels.journal]
type = "log"
TOML
"$bin/prospectd" run --config "$work/prospectd.toml" 2>"$work/daemon.log" &
daemon=$!
python3 -m http.server 0 --bind 127.0.0.1 >/dev/null 2>&1 &
python=$!
sleep 5
snapshot() {  # "tid switches" per thread (voluntary + involuntary context switches)
  for t in /proc/"$1"/task/*; do
    echo "${t##*/} $(awk '/ctxt_switches/ { n += $2 } END { print n }' "$t/status" 2>/dev/null)"
  done
}
delta() {  # switches between two snapshots: threads that lived through both, plus threads born since
  awk 'NR == FNR { before[$1] = $2; next } { n += ($1 in before) ? $2 - before[$1] : $2 } END { print n + 0 }' "$1" "$2"
}
rss() { awk '/VmRSS/ { print $2 }' /proc/"$1"/status; }
snapshot "$daemon" >"$work/d0"; snapshot "$python" >"$work/p0"
sleep "$seconds"
snapshot "$daemon" >"$work/d1"; snapshot "$python" >"$work/p1"
dw=$(( $(delta "$work/d0" "$work/d1") * 3600 / seconds )); pw=$(( $(delta "$work/p0" "$work/p1") * 3600 / seconds ))
echo "idle for ${seconds}s, nothing due (one ladder step, empty roster)"
echo "prospectd:         RSS $(rss "$daemon") kB, $(ls /proc/"$daemon"/task | wc -l) threads, ${dw} wake-ups/hour"
echo "python http.server: RSS $(rss "$python") kB, $(ls /proc/"$python"/task | wc -l) threads, ${pw} wake-ups/hour"
