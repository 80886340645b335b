#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every man page of libsemctl (man/man3, man/man7) has an EXAMPLE whose
# program (.EX ... .EE) compiles and links against the tree's library with
# -Wall -Wextra -Werror, as C. A page that is only ".so man3/OTHER.3" (an
# old name of a function) has no example of its own: its target must
# exist. KTAP, on the host; nothing is run.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
make -s -C "$top/lib" >"$d/lib.log" 2>&1 || { cat "$d/lib.log"; exit 1; }
pages=("$top"/man/man3/*.3 "$top"/man/man7/*.7)
echo "TAP version 13"
echo "1..${#pages[@]}"
n=0 failed=0
for page in "${pages[@]}"; do
	n=$((n + 1))
	name=${page##*/}
	so=$(sed -n '1s/^\.so //p' "$page")
	if [ -n "$so" ]; then
		if [ "$(wc -l <"$page")" -eq 1 ] && [ -f "$top/man/$so" ]; then
			echo "ok $n $name # SKIP .so $so"
		else
			echo "not ok $n $name # .so $so: not one line, or no such page"
			failed=1
		fi
		continue
	fi
	# the first example block, with groff's \e (backslash) undone
	sed -n '/^\.SH EXAMPLE/,/^\.SH /{/^\.EX/,/^\.EE/p}' "$page" |
		sed '/^\.EX/d;/^\.EE/,$d' | sed 's/\\e/\\/g; s/\\-/-/g' >"$d/$name.c"
	if [ ! -s "$d/$name.c" ]; then
		echo "not ok $n $name # no EXAMPLE with a program"
		failed=1
		continue
	fi
	if ${CC:-gcc} -Wall -Wextra -Werror -D_GNU_SOURCE -I"$top/lib/include" \
		-I"$top/uapi" -o "$d/$name.bin" "$d/$name.c" \
		"$top/lib/libsemctl.a" -luring >"$d/$name.log" 2>&1; then
		echo "ok $n $name"
	else
		sed 's/^/# /' "$d/$name.log"
		echo "not ok $n $name # the example does not compile"
		failed=1
	fi
done
exit $failed
