#!/usr/bin/env bash
# Installs prospectd: binaries, the systemd unit, the example configuration, man pages and
# shell completions. Honours DESTDIR (staging root) and PREFIX (default /usr/local).
#
#   sudo scripts/install.sh                     # build in release and install under /usr/local
#   DESTDIR=/tmp/stage PREFIX=/usr scripts/install.sh
#   BUILD=debug scripts/install.sh               # reuse a debug build (CI checks the layout this way)
#   SWIFT_BUILD_FLAGS=--static-swift-stdlib ...  # binaries that carry the Swift runtime (make deb)
#
# Never overwrites an existing /etc/prospectd/prospectd.toml: the new example goes next to it
# as prospectd.toml.example.
set -euo pipefail
cd "$(dirname "$0")/.."

PREFIX="${PREFIX:-/usr/local}"
DESTDIR="${DESTDIR:-}"
BUILD="${BUILD:-release}"
SYSCONFDIR="${SYSCONFDIR:-/etc}"
UNITDIR="${UNITDIR:-$PREFIX/lib/systemd/system}"
[ "$PREFIX" = /usr ] && UNITDIR="${UNITDIR_OVERRIDE:-/usr/lib/systemd/system}"

echo "install: building ($BUILD)"
swift build -c "$BUILD" ${SWIFT_BUILD_FLAGS:-} --product prospectd
swift build -c "$BUILD" ${SWIFT_BUILD_FLAGS:-} --product prospect
swift build -c "$BUILD" --product generate-manual
bin=".build/$BUILD"

install -d "$DESTDIR$PREFIX/bin"
install -m 0755 "$bin/prospectd" "$bin/prospect" "$DESTDIR$PREFIX/bin/"

# The unit names the binaries where they are installed.
install -d "$DESTDIR$UNITDIR"
sed -e "s|/usr/local/bin/|$PREFIX/bin/|g" -e "s|/etc/prospectd/|$SYSCONFDIR/prospectd/|g" systemd/prospectd.service \
  > "$DESTDIR$UNITDIR/prospectd.service"
chmod 0644 "$DESTDIR$UNITDIR/prospectd.service"

install -d -m 0755 "$DESTDIR$SYSCONFDIR/prospectd"
if [ -e "$DESTDIR$SYSCONFDIR/prospectd/prospectd.toml" ]; then
  install -m 0644 config/prospectd.toml "$DESTDIR$SYSCONFDIR/prospectd/prospectd.toml.example"
  echo "install: kept $SYSCONFDIR/prospectd/prospectd.toml; the new example is prospectd.toml.example"
else
  install -m 0644 config/prospectd.toml "$DESTDIR$SYSCONFDIR/prospectd/prospectd.toml"
fi
install -d "$DESTDIR$PREFIX/share/doc/prospectd"
install -m 0644 config/roster.example.csv README.md "$DESTDIR$PREFIX/share/doc/prospectd/"

# Man pages and completions, generated from the commands' own definitions.
install -d "$DESTDIR$PREFIX/share/man/man1"
for tool in prospectd prospect; do
  "$bin/generate-manual" "$bin/$tool" --output-directory "$DESTDIR$PREFIX/share/man/man1"
done
install -d "$DESTDIR$PREFIX/share/bash-completion/completions" "$DESTDIR$PREFIX/share/zsh/site-functions" \
  "$DESTDIR$PREFIX/share/fish/vendor_completions.d"
for tool in prospectd prospect; do
  "$bin/$tool" --generate-completion-script bash > "$DESTDIR$PREFIX/share/bash-completion/completions/$tool"
  "$bin/$tool" --generate-completion-script zsh > "$DESTDIR$PREFIX/share/zsh/site-functions/_$tool"
  "$bin/$tool" --generate-completion-script fish > "$DESTDIR$PREFIX/share/fish/vendor_completions.d/$tool.fish"
done

echo "install: done under ${DESTDIR:-/}$PREFIX"
if [ -z "$DESTDIR" ]; then
  echo "next: edit $SYSCONFDIR/prospectd/prospectd.toml, then: systemctl daemon-reload && systemctl enable --now prospectd"
fi
