#!/usr/bin/env bash
# Checks the install and the systemd unit: installs a debug build into a staging root, checks
# every file is there, then runs `systemd-analyze verify` (which exits 0 even on unknown keys,
# so its stderr must be empty) and `systemd-analyze security --offline=yes` (at most 1.5).
set -euo pipefail
cd "$(dirname "$0")/.."
stage="$(mktemp -d /tmp/prospectd-stage.XXXXXX)"
trap 'rm -rf "$stage"' EXIT

DESTDIR="$stage" PREFIX=/usr/local BUILD="${BUILD:-debug}" scripts/install.sh >/dev/null

for f in bin/prospectd bin/prospect lib/systemd/system/prospectd.service share/man/man1/prospectd.1 share/man/man1/prospect.1 \
  share/bash-completion/completions/prospect share/zsh/site-functions/_prospect share/fish/vendor_completions.d/prospect.fish \
  share/bash-completion/completions/prospectd share/doc/prospectd/roster.example.csv; do
  [ -s "$stage/usr/local/$f" ] || { echo "check-install: missing $f" >&2; exit 1; }
done
[ -s "$stage/etc/prospectd/prospectd.toml" ] || { echo "check-install: missing /etc/prospectd/prospectd.toml" >&2; exit 1; }
"$stage/usr/local/bin/prospectd" check-config --config "$stage/etc/prospectd/prospectd.toml" >/dev/null
grep -q "test-channel" "$stage/usr/local/share/man/man1/prospect.1" || { echo "check-install: the man page lacks test-channel" >&2; exit 1; }

# verify checks that the commands exist: point the unit at the staged binaries.
unit="$stage/prospectd.service"
sed "s|/usr/local/bin/|$stage/usr/local/bin/|g" "$stage/usr/local/lib/systemd/system/prospectd.service" > "$unit"
errors="$(systemd-analyze verify "$unit" 2>&1 >/dev/null || true)"
if [ -n "$errors" ]; then
  echo "check-install: systemd-analyze verify complained:" >&2
  echo "$errors" >&2
  exit 1
fi
security="$(systemd-analyze security --offline=yes "$unit" 2>/dev/null || true)"
# libdispatch calls setpriority(2) for its worker threads: the effective filter must allow it, or
# every start logs "Failed to set thread priority for worker thread: errno=1".
grep -q "setpriority is allowed" <<<"$security" || { echo "check-install: the unit's system call filter denies setpriority" >&2; exit 1; }
grep -q "^LimitNOFILE=" "$unit" || { echo "check-install: the unit sets no LimitNOFILE=" >&2; exit 1; }
score="$(systemd-analyze security --offline=yes "$unit" 2>/dev/null | sed -n 's/.*Overall exposure level for prospectd.service: \([0-9.]*\).*/\1/p')"
[ -n "$score" ] || { echo "check-install: no security score" >&2; exit 1; }
awk -v s="$score" 'BEGIN { exit !(s <= 1.5) }' || { echo "check-install: security exposure $score is above 1.5" >&2; exit 1; }
echo "check-install: ok: files in place, unit verifies cleanly, security exposure $score"
