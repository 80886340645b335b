#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run semctl selftest programs and print KTAP the way kselftest's runner
# does:
#
#   selftests/run_kselftest.sh          every program
#   selftests/run_kselftest.sh PROG     one program (e.g. acquire_fifo)
#   selftests/run_kselftest.sh FILTER   the tests whose "fixture.name"
#                                       contains FILTER, in every program
#                                       that has one (e.g. try_does_not)
#   selftests/run_kselftest.sh -l       list programs and tests
#
# Options (before PROG/FILTER), for other suites than this directory's:
#   -d, --dir DIR      run the TEST_GEN_PROGS of DIR/Makefile, with the
#                      timeout of DIR/settings; default: this script's
#                      directory (the kernel selftests)
#   -s, --suite NAME   the name in the KTAP lines (default: semctl)
#   -b, --bindir DIR   where the binaries are (default: $SEMCTL_SELFTESTS_DIR
#                      without --dir, else the --dir directory)
# e.g. selftests/lib/run.sh is: run_kselftest.sh -d selftests/lib -s semctl-lib
#
# Each program's own KTAP is indented with "# "; the top level prints
# "ok N selftests: SUITE: PROG" / "not ok ...". Exit status is non-zero
# when any program failed (a program that exits 4 is a SKIP, not a
# failure), 2 on a usage error. Per-program timeout: "timeout=" in
# DIR/settings (seconds), else 300.

set -u

here=$(cd "$(dirname "$0")" && pwd)
me=run_kselftest.sh
dir=
suite=semctl
bindir=
skip_rc=4
timeout_rc=124

usage()
{
	sed -n '4,/^$/s/^# \{0,1\}//p' "$here/$me"
}

list=
while [ $# -gt 0 ]; do
	case $1 in
	-d|--dir|-s|--suite|-b|--bindir)
		if [ $# -lt 2 ] || [ -z "$2" ]; then
			echo "$me: $1 needs an argument" >&2
			exit 2
		fi
		case $1 in
		-d|--dir)	dir=$2 ;;
		-s|--suite)	suite=$2 ;;
		*)		bindir=$2 ;;
		esac
		shift 2
		;;
	-l|--list)
		list=1
		shift
		;;
	-h|--help)
		usage
		exit 0
		;;
	--)
		shift
		break
		;;
	*)
		break
		;;
	esac
done

if [ -z "$dir" ]; then
	dir=$here
	bindir=${bindir:-${SEMCTL_SELFTESTS_DIR:-$here}}
elif [ -d "$dir" ]; then
	dir=$(cd "$dir" && pwd)
else
	echo "$me: no directory '$dir'" >&2
	exit 2
fi
bindir=${bindir:-$dir}

# The programs, in order: TEST_GEN_PROGS of DIR/Makefile.
if [ ! -r "$dir/Makefile" ]; then
	echo "$me: no $dir/Makefile" >&2
	exit 2
fi
PROGS=$(awk '/^TEST_GEN_PROGS[ \t]*:?=/ { on = 1; sub(/^[^=]*=/, "") }
	     on { c = sub(/\\$/, ""); printf "%s ", $0; if (!c) exit }' \
	"$dir/Makefile" | tr -s ' \t' '  ')
if [ -z "${PROGS// /}" ]; then
	echo "$me: no TEST_GEN_PROGS in $dir/Makefile" >&2
	exit 2
fi

timeout_s=300
if [ -r "$dir/settings" ]; then
	t=$(sed -n 's/^timeout=\([0-9]\+\)$/\1/p' "$dir/settings")
	[ -n "$t" ] && timeout_s=$t
fi

if [ -n "$list" ]; then
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
			echo "$me: no program or test matches '$sel'" >&2
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
	hdr="selftests: $suite: $p"
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

echo "# $suite selftests: $((total - failed)) of $total programs passed"
[ $failed = 0 ]
