#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The library's names (1.2): <semctl.h> with <linux/semctl.h> compiles as
# C++ with every uapi struct usable by its plain name (names.cc), the
# pre-1.2 function names stay declared in C (names_legacy.c) and, with
# SEMCTL_LEGACY_NAMES, in C++, but not in C++ without it; libsemctl.so
# exports each old name at LIBSEMCTL_1.0 and its semctl_sem_*() name at
# LIBSEMCTL_1.2, at one address. KTAP, on the host; no module needed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
make -s -C "$top/lib" >"$d/lib.log" 2>&1 || { cat "$d/lib.log"; exit 1; }
so=$(ls "$top"/lib/libsemctl.so.*.*.* | head -n1)
CC=${CC:-gcc}
CXX=${CXX:-g++}
inc=(-I"$top/lib/include" -I"$top/uapi")
cxxflags=(-std=c++11 -Wall -Wextra -Werror "${inc[@]}")
names="create open unlink list acquire acquire_timeout try_acquire release
	query poison"
echo "TAP version 13"
echo "1..5"
failed=0
result() {	# n, name, log (empty: ok)
	if [ -s "$3" ]; then
		sed 's/^/# /' "$3"
		echo "not ok $1 $2"
		failed=1
	else
		echo "ok $1 $2"
	fi
}

# the program's own output, or what failed to build it
build_run() {	# log, binary, build command...
	local log=$1 bin=$2
	shift 2
	"$@" >"$log" 2>&1 || return
	LD_LIBRARY_PATH="$top/lib" "$bin" >"$log" 2>&1 ||
		echo "$bin exited with $?" >>"$log"
}

build_run "$d/1.log" "$d/cxx" "$CXX" "${cxxflags[@]}" -o "$d/cxx" \
	"$here/names.cc" -L"$top/lib" -lsemctl
result 1 "c++: uapi structs by their plain names, semctl_sem_*() calls" "$d/1.log"

build_run "$d/2.log" "$d/cxx-legacy" "$CXX" "${cxxflags[@]}" \
	-DSEMCTL_LEGACY_NAMES -o "$d/cxx-legacy" "$here/names.cc" \
	-L"$top/lib" -lsemctl
result 2 "c++ with SEMCTL_LEGACY_NAMES: the old names are declared" "$d/2.log"

# without SEMCTL_LEGACY_NAMES an old name is the struct, not a function
printf '#include <semctl.h>\nint (*f)(int) = semctl_poison;\n' >"$d/hidden.cc"
: >"$d/3.log"
if "$CXX" "${cxxflags[@]}" -fsyntax-only "$d/hidden.cc" >/dev/null 2>&1; then
	echo "C++ without SEMCTL_LEGACY_NAMES sees the function semctl_poison" >"$d/3.log"
fi
result 3 "c++: no old function names without SEMCTL_LEGACY_NAMES" "$d/3.log"

# an old-name C program binds LIBSEMCTL_1.0, as binaries built before 1.2
build_run "$d/4.log" "$d/legacy" "$CC" -Wall -Wextra -Werror -D_GNU_SOURCE \
	"${inc[@]}" -o "$d/legacy" "$here/names_legacy.c" -L"$top/lib" \
	-lsemctl -ldl
if [ ! -s "$d/4.log" ]; then
	for n in $names; do
		objdump -T "$d/legacy" | grep -q "(LIBSEMCTL_1\.0) *semctl_$n\$" ||
			echo "the C program does not bind semctl_$n@LIBSEMCTL_1.0" >>"$d/4.log"
	done
fi
result 4 "c: the old names compile, link and are the new functions" "$d/4.log"

# both sets exported, each at its version, each pair at one address
readelf --dyn-syms -W "$so" >"$d/syms" 2>&1
: >"$d/5.log"
addr() {	# symbol@@version: its value, or nothing
	awk -v s="$1" '$8 == s && $7 != "UND" { print $2 }' "$d/syms"
}
for n in $names; do
	old=$(addr "semctl_$n@@LIBSEMCTL_1.0")
	new=$(addr "semctl_sem_$n@@LIBSEMCTL_1.2")
	if [ -z "$old" ] || [ "$old" != "$new" ]; then
		echo "semctl_$n@@LIBSEMCTL_1.0 at '$old'," \
		     "semctl_sem_$n@@LIBSEMCTL_1.2 at '$new'" >>"$d/5.log"
	fi
done
result 5 "libsemctl.so: semctl_*@LIBSEMCTL_1.0 = semctl_sem_*@LIBSEMCTL_1.2" "$d/5.log"
exit $failed
