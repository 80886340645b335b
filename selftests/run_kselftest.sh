#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the semctl selftests and print KTAP the way kselftest's runner does:
#
#   selftests/run_kselftest.sh          every program
#   selftests/run_kselftest.sh PROG     one program (e.g. acquire_fifo)
#   selftests/run_kselftest.sh FILTER   the tests whose "fixture.name"
#                                       contains FILTER, in every program
#                                       that has one (e.g. try_does_not)
#   selftests/run_kselftest.sh -l       list programs and tests
#
# Each program's own KTAP is indented with "# "; the top level prints
# "ok N selftests: semctl: PROG" / "not ok ...". Exit status is non-zero
# when any program failed (a program that exits 4 is a SKIP, not a
# failure). Binaries are looked up in $SEMCTL_SELFTESTS_DIR, else next to
# this script. Per-program timeout: "timeout=" in ./settings (seconds).

set -u

here=$(cd "$(dirname "$0")" && pwd)
bindir=${SEMCTL_SELFTESTS_DIR:-$here}
skip_rc=4
timeout_rc=124

# The programs, in order: TEST_GEN_PROGS of the Makefile next to us.
PROGS=$(awk '/^TEST_GEN_PROGS[ \t]*:?=/ { on = 1; sub(/^[^=]*=/, "") }
	     on { c = sub(/\\$/, ""); printf "%s ", $0; if (!c) exit }' \
	"$here/Makefile" | tr -s ' \t' '  ')
if [ -z "${PROGS// /}" ]; then
	echo "run_kselftest.sh: no TEST_GEN_PROGS in $here/Makefile" >&2
	exit 2
fi

timeout_s=300
if [ -r "$here/settings" ]; then
	t=$(sed -n 's/^timeout=\([0-9]\+\)$/\1/p' "$here/settings")
	[ -n "$t" ] && timeout_s=$t
fi

if [ "${1:-}" = "-l" ] || [ "${1:-}" = "--list" ]; then
	for p in $PROGS; do
		echo "$p"
		[ -x "$bindir/$p" ] && "$bindir/$p" -l | sed 's/^/  /'
	done
	exit 0
fi

sel=${1:-}
filter=
run=
if [ -z "$sel" ]; then
	run=$PROGS
else
	for p in $PROGS; do
		[ "$p" = "$sel" ] && run=$p
	done
	if [ -z "$run" ]; then
		# not a program name: a test name filter
		filter=$sel
		for p in $PROGS; do
			[ -x "$bindir/$p" ] || continue
			if "$bindir/$p" -l | grep -qF -- "$filter"; then
				run="$run $p"
			fi
		done
		if [ -z "$run" ]; then
			echo "run_kselftest.sh: no program or test matches '$sel'" >&2
			echo "programs: $(echo $PROGS)" >&2
			exit 2
		fi
	fi
fi

prefix()
{
	# unbuffered enough: the programs flush per line
	sed -u -e 's/^/# /'
}

total=$(echo $run | wc -w)
echo "TAP version 13"
echo "1..$total"
n=0
failed=0
for p in $run; do
	n=$((n + 1))
	hdr="selftests: semctl: $p"
	echo "# $hdr"
	if [ ! -x "$bindir/$p" ]; then
		echo "# Warning: file $bindir/$p is missing!"
		echo "not ok $n $hdr"
		failed=$((failed + 1))
		continue
	fi
	(
		cd "$bindir" || exit 1
		if [ -n "$filter" ]; then
			export SEMCTL_TEST_FILTER=$filter
		fi
		timeout --foreground -k 10 "$timeout_s" "./$p" 2>&1
	) | prefix
	rc=${PIPESTATUS[0]}
	if [ "$rc" = 0 ]; then
		echo "ok $n $hdr"
	elif [ "$rc" = "$skip_rc" ]; then
		echo "ok $n $hdr # SKIP"
	elif [ "$rc" = "$timeout_rc" ]; then
		echo "#"
		echo "not ok $n $hdr # TIMEOUT $timeout_s seconds"
		failed=$((failed + 1))
	else
		echo "not ok $n $hdr # exit=$rc"
		failed=$((failed + 1))
	fi
done

echo "# semctl selftests: $((total - failed)) of $total programs passed"
[ $failed = 0 ]
