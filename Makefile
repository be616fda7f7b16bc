# make install [DESTDIR=/tmp/stage] [PREFIX=/usr/local] [BUILD=release]
PREFIX ?= /usr/local
BUILD ?= release

.PHONY: build test install check-install deb check-deb

build:
	swift build

test:
	swift test

install:
	DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" BUILD="$(BUILD)" scripts/install.sh

check-install:
	scripts/check-install.sh

# prospectd_VERSION_amd64.deb: release binaries with the Swift runtime inside (no toolchain on the server).
deb:
	scripts/make-deb.sh

# Installs the .deb into a clean Debian root (debootstrap, chroot) and runs the programs there.
check-deb: deb
	scripts/check-deb.sh prospectd_*_amd64.deb
