#!/usr/bin/env bash
# make deb: prospectd_VERSION_amd64.deb, whose binaries carry the Swift runtime
# (--static-swift-stdlib), so the server needs no Swift toolchain; it installs the unit, the
# example configuration as a conffile, man pages and completions, and depends on Debian
# packages only (read off the binaries with ldd and dpkg -S).
#
#   scripts/make-deb.sh [OUTPUT_DIR]      # default: the current directory
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(cd "${1:-.}" && pwd)"
version="$(sed -n 's/.*static let version = "\(.*\)".*/\1/p' Sources/ProspectCore/Build.swift)"
[ -n "$version" ] || { echo "make-deb: cannot read the version from Sources/ProspectCore/Build.swift" >&2; exit 1; }
arch="$(dpkg --print-architecture)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
root="$stage/root"

SWIFT_BUILD_FLAGS="--static-swift-stdlib" DESTDIR="$root" PREFIX=/usr SYSCONFDIR=/etc BUILD=release scripts/install.sh
# Debug symbols stay on the build machine (Debian policy strips installed binaries).
strip --strip-unneeded "$root/usr/bin/prospectd" "$root/usr/bin/prospect"

# No library from the toolchain may be left: every one must come from a Debian package.
libs="$(ldd "$root/usr/bin/prospectd" "$root/usr/bin/prospect" | awk '/=> \// { print $3 }' | sort -u)"
if echo "$libs" | grep -v '^/lib\|^/usr/lib' | grep .; then
    echo "make-deb: the binaries link libraries outside the system's (above); is --static-swift-stdlib in effect?" >&2
    exit 1
fi
packages=""
for lib in $libs; do
    real="$(readlink -f "$lib")"
    pkg="$(dpkg -S "$lib" 2>/dev/null || dpkg -S "$real" 2>/dev/null || dpkg -S "${lib#/usr}" 2>/dev/null || true)"
    pkg="${pkg%%:*}"
    [ -n "$pkg" ] || { echo "make-deb: no Debian package owns $lib" >&2; exit 1; }
    packages="$packages $pkg"
done
depends="$(echo $packages | tr ' ' '\n' | sort -u | paste -sd, | sed 's/,/, /g')"

install -d "$root/DEBIAN"
size="$(du -sk "$root" | cut -f1)"
cat > "$root/DEBIAN/control" <<CONTROL
Package: prospectd
Version: $version
Architecture: $arch
Maintainer: prospectd developers <prospectd@example.com>
Installed-Size: $size
Depends: $depends
Section: admin
Priority: optional
Homepage: https://github.com/prospectd/prospectd
Description: every sales rep, one pipeline-building action every workday
 prospectd reminds each rep who has not yet done one pipeline-building action
 (a cold call, an email to a prospect, a referral ask...) before the end of
 their workday, escalates to their manager, and sends managers digests with
 streaks and a sales-trap alarm. prospect is its command-line client.
CONTROL
echo "/etc/prospectd/prospectd.toml" > "$root/DEBIAN/conffiles"
for script in postinst prerm postrm; do install -m 0755 "packaging/debian/$script" "$root/DEBIAN/$script"; done

deb="$out/prospectd_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "make-deb: $deb ($(du -h "$deb" | cut -f1)), Depends: $depends"
