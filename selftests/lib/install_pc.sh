#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# semctl.pc names the PREFIX of the install, not of an earlier build:
# `make -C lib` (default /usr/local), then `make -C lib install
# DESTDIR=... PREFIX=/usr`, then a program built with the installed .pc's
# flags (under DESTDIR) finds <semctl.h> and links. KTAP, on the host.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
echo "TAP version 13"
echo "1..1"
fail() { echo "# $*"; echo "not ok 1 install_pc"; exit 1; }
make -s -C "$top/lib" >"$d/log" 2>&1 || fail "make -C lib: $(tail -3 "$d/log")"
make -s -C "$top/lib" install DESTDIR="$d/root" PREFIX=/usr >"$d/log" 2>&1 ||
	fail "install: $(tail -3 "$d/log")"
pc=$d/root/usr/lib/pkgconfig/semctl.pc
[ -f "$pc" ] || fail "no $pc"
grep -qx 'prefix=/usr' "$pc" || fail "$(grep '^prefix=' "$pc") in the installed semctl.pc"
inc=$(sed -n 's/^includedir=//p' "$pc")
lib=$(sed -n 's/^libdir=//p' "$pc")
[ "$inc" = /usr/include ] || fail "includedir=$inc"
printf '#include <semctl.h>\nint main(void) { return semctl_sem_unlink("x") == 0 ? 0 : 0; }\n' >"$d/p.c"
${CC:-gcc} -I"$d/root$inc" -o "$d/p" "$d/p.c" -L"$d/root$lib" -l:libsemctl.a ||
	fail "a program built with the installed semctl.pc's paths"
echo "ok 1 install_pc"
