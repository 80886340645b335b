#!/bin/bash
# Make sure the Debian packages the build and the VM test loop need are
# installed. As root, installs what is missing; otherwise prints the one
# apt-get line to run and fails.
#
#   tools/deps.sh [--check] [PKG...]
#                   (--check: only report, never install; PKG...: only
#                   these, for scripts that need a few of them)
set -euo pipefail

# qemu-system-x86  the VM           busybox-static  the initramfs
# kmod             depmod/insmod   cpio, xz-utils  initramfs, .ko.xz
# liburing-dev     selftests/demo  gcc, make, libc6-dev, perl  build, checkpatch
# dwarves          pahole: the 6.12 headers ship vmlinux, so Kbuild runs
#                  pahole to add BTF to modules and fails without it
# python3          test helpers in the guest (the host root is its root)
# python3-dev python3-setuptools
#                  the Python binding's C extension (python/setup.py)
# curl, zstd       kernel packages from the mirror's pool, and unpacking them
# flex bison bc libelf-dev libssl-dev
#                  preparing trees from linux-source (6.18, 7.0, newest)
# clang-19 lld-19 llvm-19
#                  the clang lint and its tree (bookworm's clang-14 is too old)
# dpkg-dev         dpkg-source: sparse built from Debian's source
# libtsan2         ThreadSanitizer: the host model test of lib/map.c
# g++              selftests/lib/names.sh: <semctl.h> compiles as C++
# gcc-multilib     selftests/lib/cli_parse: semctl(1)'s parsers, 32-bit time_t
pkgs="qemu-system-x86 busybox-static kmod cpio xz-utils liburing-dev
	gcc make libc6-dev perl dwarves python3 python3-dev python3-setuptools
	ca-certificates
	curl zstd flex bison bc libelf-dev libssl-dev clang-19 lld-19 llvm-19
	dpkg-dev libtsan2 g++ gcc-multilib"

check=
if [ "${1:-}" = --check ]; then
	check=1
	shift
fi
[ $# -eq 0 ] || pkgs="$*"
missing=()
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

line="apt-get install -y --no-install-recommends ${missing[*]}"
if [ -n "$check" ] || [ "$(id -u)" != 0 ]; then
	echo "deps: missing Debian packages; run as root:" >&2
	echo "  apt-get update && $line" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
