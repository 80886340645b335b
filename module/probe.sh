#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Compile one feature probe against the target kernel, as module/Kbuild
# asks: probe.sh PROBE.c RESULT CC-AND-FLAGS...
#
# PROBE.c names its alternatives as `defined(SEMCTL_...)` conditions, in
# order of preference. Each alternative is compiled on its own with the
# module's own compiler and flags; the first that compiles is written to
# RESULT as a #define. If none compiles, the kernel differs in a way
# module/compat.h does not know: fail the build and show why, rather than
# guess a branch.
set -u

probe=$1
result=$2
shift 2

alternatives=$(grep -o 'defined(SEMCTL_[A-Z0-9_]*)' "$probe" |
	sed 's/defined(\(.*\))/\1/')
if [ -z "$alternatives" ]; then
	echo "$probe: no alternatives (defined(SEMCTL_...)) found" >&2
	exit 1
fi
mkdir -p "$(dirname "$result")"
log=$result.log
: > "$log"
# Type mismatches are only warnings to C: make them decide.
strict="-Werror=incompatible-pointer-types -Werror=int-conversion"
strict="$strict -Werror=implicit-function-declaration -Werror=return-type"
for alt in $alternatives; do
	echo "--- $alt" >> "$log"
	if "$@" $strict -D"$alt" -fsyntax-only "$probe" >> "$log" 2>&1; then
		echo "#define $alt 1	/* $(basename "$probe") */" > "$result"
		rm -f "$log"
		exit 0
	fi
done
echo "$probe: no alternative compiles against this kernel:" >&2
cat "$log" >&2
rm -f "$result"
exit 1
