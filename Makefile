# make install [DESTDIR=/tmp/stage] [PREFIX=/usr/local] [BUILD=release]
PREFIX ?= /usr/local
BUILD ?= release

.PHONY: build test install check-install

build:
	swift build

test:
	swift test

install:
	DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" BUILD="$(BUILD)" scripts/install.sh

check-install:
	scripts/check-install.sh
