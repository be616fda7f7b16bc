#!/usr/bin/env bash
# Installs a prospectd .deb into a clean Debian root made by debootstrap (no Swift in it) and
# runs the programs there: prospectd version, prospect --version, prospectd check-config on the
# packaged configuration; ldd must show no library from a Swift toolchain. Needs root and
# debootstrap, and reaches a Debian mirror (DEBIAN_MIRROR, default deb.debian.org).
#
#   sudo scripts/check-deb.sh prospectd_0.1.0_amd64.deb
#
# Exit 0: PASS; 1: the package failed a check; 3: no Debian root could be made (the mirror is
# unreachable), so nothing was checked.
set -euo pipefail
deb="$(readlink -f "${1:?usage: check-deb.sh PACKAGE.deb}")"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
suite="${DEBIAN_SUITE:-bookworm}"
root="$(mktemp -d /tmp/prospectd-deb-root.XXXXXX)"
cleanup() { umount "$root/proc" 2>/dev/null || true; rm -rf "$root"; }
trap cleanup EXIT
fail() { echo "check-deb: FAIL: $*" >&2; exit 1; }

start=$(date +%s)
echo "check-deb: debootstrap $suite (minbase) into $root"
debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$root.debootstrap.log" 2>&1 || {
    tail -20 "$root.debootstrap.log" >&2
    echo "check-deb: NOT CHECKED: debootstrap could not make a Debian root from $mirror" >&2
    exit 3
}
rm -f "$root.debootstrap.log"
if [ -e "$root/opt/swift" ] || compgen -G "$root/usr/lib/swift*" >/dev/null || chroot "$root" sh -c 'command -v swift' >/dev/null; then
    fail "the clean root has a Swift toolchain"
fi
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
cp "$deb" "$root/tmp/"
name="$(basename "$deb")"
echo "check-deb: apt-get install /tmp/$name (resolving its Depends from $mirror)"
chroot "$root" apt-get install -y -qq "/tmp/$name" >/dev/null || fail "the package did not install"
chroot "$root" dpkg -s prospectd | grep -q "Status: install ok installed" || fail "dpkg does not list prospectd as installed"

version="$(chroot "$root" /usr/bin/prospectd version)"
echo "check-deb: prospectd version -> $version"
[[ "$version" == prospectd\ * ]] || fail "prospectd version printed '$version'"
cli="$(chroot "$root" /usr/bin/prospect --version)"
echo "check-deb: prospect --version -> $cli"
[ -n "$cli" ] || fail "prospect --version printed nothing"
echo "check-deb: prospectd check-config (the packaged /etc/prospectd/prospectd.toml)"
chroot "$root" /usr/bin/prospectd check-config --config /etc/prospectd/prospectd.toml || fail "check-config refused the packaged configuration"
for binary in prospectd prospect; do
    echo "check-deb: ldd /usr/bin/$binary"
    chroot "$root" ldd "/usr/bin/$binary" | sed 's/^/  /'
    if chroot "$root" ldd "/usr/bin/$binary" | grep -qi 'swift\|not found'; then fail "$binary links a Swift library or misses one"; fi
done
for path in /usr/lib/systemd/system/prospectd.service /usr/share/man/man1/prospectd.1 /usr/share/man/man1/prospect.1 \
    /usr/share/bash-completion/completions/prospect /usr/share/zsh/site-functions/_prospect; do
    [ -e "$root$path" ] || fail "$path is not installed"
done
grep -q '^/etc/prospectd/prospectd.toml$' "$root/var/lib/dpkg/info/prospectd.conffiles" || fail "the configuration is not a conffile"
grep -q 'ExecStart=/usr/bin/prospectd run' "$root/usr/lib/systemd/system/prospectd.service" || fail "the unit does not name /usr/bin/prospectd"
echo "check-deb: PASS in $(( $(date +%s) - start )) s"
