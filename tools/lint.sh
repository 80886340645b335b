#!/bin/bash
# checkpatch.pl --strict (from Debian's linux-source-6.1, see
# tools/vm/fetch-ksft.sh) on every .c/.h under module/ and uapi/.
# Fails on any ERROR, WARNING or CHECK. No rule is ignored.
#
# uapi/ mirrors the kernel's include/uapi/: checkpatch applies its uapi
# rules (e.g. BIT() is not exported to userspace, so BIT_MACRO does not
# apply; c99 types are allowed) only to paths under include/uapi/. So each
# uapi header is checked through a symlink at include/uapi/<same path> in a
# scratch tree, exactly as checkpatch would see it in the kernel tree.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${SEMCTL_CACHE:-$top/.cache}
cp=$cache/linux-source-6.1/scripts/checkpatch.pl
[ -f "$cp" ] || "$top/tools/vm/fetch-ksft.sh"

cd "$top"
if git rev-parse --git-dir >/dev/null 2>&1; then
	mapfile -t files < <(git ls-files -co --exclude-standard -- \
		'module/*.[ch]' 'uapi/*.[ch]' | grep -v '^module/compat-probes\.h$' | sort -u)
else
	mapfile -t files < <(find module uapi -name '*.[ch]' ! -name compat-probes.h | sort)
fi
[ ${#files[@]} -gt 0 ] || { echo "lint: no files under module/ or uapi/" >&2; exit 1; }

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fail=0
for f in "${files[@]}"; do
	[ -f "$f" ] || continue
	case $f in
	uapi/*)
		name=include/$f
		mkdir -p "$scratch/$(dirname "$name")"
		ln -sf "$top/$f" "$scratch/$name"
		dir=$scratch ;;
	*)	name=$f; dir=$top ;;
	esac
	set +e
	out=$(cd "$dir" && perl "$cp" --strict --no-tree --no-summary --show-types \
		--terse --color=never -f "$name" 2>&1)
	rc=$?
	set -e
	if [ $rc != 0 ] || [ -n "$out" ]; then
		fail=1
		[ "$name" = "$f" ] || out=${out//$name/$f}
		echo "$out"
	fi
done
if [ $fail = 0 ]; then
	echo "lint: checkpatch --strict: no errors, warnings or checks in ${#files[@]} files"
	exit 0
fi
echo "lint: checkpatch --strict found problems (above)" >&2
exit 1
