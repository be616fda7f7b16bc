#!/usr/bin/env bash
# Renders digest HTML to PNG with headless Chromium, so a person can look at it as a mail client would.
#
#   scripts/render-digest.sh [HTML_FILE ...]     # default: the golden daily and weekly digests
#
# Writes FILE.png next to each file. Needs chromium (apt-get install chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
if [ -z "$browser" ]; then
  echo "render-digest: no Chromium found; install it with: apt-get install chromium" >&2
  exit 1
fi
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(Tests/ProspectMessagesTests/Golden/daily.html Tests/ProspectMessagesTests/Golden/weekly.html)
for f in "${files[@]}"; do
  out="${f%.html}.png"
  "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=820,900 \
    --screenshot="$PWD/$out" "file://$PWD/$f" >/dev/null 2>&1
  echo "render-digest: $out"
done
