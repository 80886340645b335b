#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the libsemctl and semctl(1) selftests and print KTAP the way
# kselftest's runner (and selftests/run_kselftest.sh) does:
#
#   selftests/lib/run.sh            every program
#   selftests/lib/run.sh PROG       one program (lib_api, lib_uring, cli)
#   selftests/lib/run.sh -l         list programs and tests
#
# Each program's KTAP is indented with "# "; the top level prints
# "ok N selftests: semctl-lib: PROG" / "not ok ...". Exit status is
# non-zero when any program failed (exit 4 is a SKIP). Binaries are
# looked up in $SEMCTL_LIB_SELFTESTS_DIR, else next to this script.
# Needs semctl.ko loaded (run it in the VM: tools/vm/run ... -- $0).

set -u

here=$(cd "$(dirname "$0")" && pwd)
bindir=${SEMCTL_LIB_SELFTESTS_DIR:-$here}
skip_rc=4
timeout_rc=124
timeout_s=300

PROGS="lib_api lib_uring cli"

if [ "${1:-}" = "-l" ] || [ "${1:-}" = "--list" ]; then
	for p in $PROGS; do
		echo "$p"
		[ -x "$bindir/$p" ] && "$bindir/$p" -l | sed 's/^/  /'
	done
	exit 0
fi

run=$PROGS
if [ -n "${1:-}" ]; then
	run=
	for p in $PROGS; do
		[ "$p" = "$1" ] && run=$p
	done
	if [ -z "$run" ]; then
		echo "run.sh: no program '$1' (programs: $PROGS)" >&2
		exit 2
	fi
fi

total=$(echo $run | wc -w)
echo "TAP version 13"
echo "1..$total"
n=0
failed=0
for p in $run; do
	n=$((n + 1))
	hdr="selftests: semctl-lib: $p"
	echo "# $hdr"
	if [ ! -x "$bindir/$p" ]; then
		echo "# Warning: file $bindir/$p is missing!"
		echo "not ok $n $hdr"
		failed=$((failed + 1))
		continue
	fi
	(cd "$bindir" && timeout --foreground -k 10 "$timeout_s" "./$p" 2>&1) |
		sed -u -e 's/^/# /'
	rc=${PIPESTATUS[0]}
	if [ "$rc" = 0 ]; then
		echo "ok $n $hdr"
	elif [ "$rc" = "$skip_rc" ]; then
		echo "ok $n $hdr # SKIP"
	elif [ "$rc" = "$timeout_rc" ]; then
		echo "not ok $n $hdr # TIMEOUT $timeout_s seconds"
		failed=$((failed + 1))
	else
		echo "not ok $n $hdr # exit=$rc"
		failed=$((failed + 1))
	fi
done

echo "# semctl-lib selftests: $((total - failed)) of $total programs passed"
[ $failed = 0 ]
