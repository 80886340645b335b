#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# One version number for everything semctl ships: the VERSION file, the
# module's MODULE_VERSION, the library (its .so and semctl.pc), semctl
# --version, the Python package and the Debian changelog. KTAP, host.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
want=$(cat "$top/VERSION")
echo "TAP version 13"
echo "1..1"
bad=
check() {	# what, version found
	[ "$2" = "$want" ] || { echo "# $1 says '$2', VERSION says '$want'"; bad=1; }
}
check module "$(sed -n 's/^MODULE_VERSION("\(.*\)");/\1/p' "$top/module/device.c")"
make -s -C "$top/lib" >/dev/null 2>&1 && make -s -C "$top/tools/semctl" >/dev/null 2>&1
check semctl.pc "$(sed -n 's/^Version: //p' "$top/lib/semctl.pc")"
check libsemctl.so "$(ls "$top"/lib/libsemctl.so.*.*.* 2>/dev/null | sed 's/.*libsemctl\.so\.//' | head -n1)"
check "semctl --version" "$("$top/tools/semctl/semctl" --version | sed -n 's/^semctl \([^ ]*\).*/\1/p')"
check debian/changelog "$(sed -n '1s/^semctl (\([^)-]*\).*/\1/p' "$top/debian/changelog")"
py=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' "$top"/python/semctl/__init__.py)
check "python __version__" "$py"
if [ -n "$bad" ]; then echo "not ok 1 versions"; exit 1; fi
echo "ok 1 versions"
