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
switches() {  # voluntary + involuntary context switches over all threads of a process
  cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches/ { n += $2 } END { print n }'
}
rss() { awk '/VmRSS/ { print $2 }' /proc/"$1"/status; }
d0=$(switches "$daemon"); p0=$(switches "$python")
sleep "$seconds"
d1=$(switches "$daemon"); p1=$(switches "$python")
dw=$(( (d1 - d0) * 3600 / seconds )); pw=$(( (p1 - p0) * 3600 / seconds ))
echo "idle for ${seconds}s, nothing due (one ladder step, empty roster)"
echo "prospectd:         RSS $(rss "$daemon") kB, $(ls /proc/"$daemon"/task | wc -l) threads, ${dw} wake-ups/hour"
echo "python http.server: RSS $(rss "$python") kB, $(ls /proc/"$python"/task | wc -l) threads, ${pw} wake-ups/hour"
