#!/bin/bash
# Build semctl.ko against one cached Debian kernel, from scratch, with W=1,
# failing on any compiler/kbuild warning:
#   tools/vm/build-module.sh 6.1|6.12  ->  .cache/build/<series>/module/semctl.ko
# The sources (Kbuild, module/, uapi/: tracked and untracked files git does
# not ignore, so generated files such as module/compat-probes.h are not
# copied) go to .cache/build/<series>/ so the two kernels never share objects.
set -euo pipefail

series=${1:?usage: build-module.sh 6.1|6.12}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${SEMCTL_CACHE:-$top/.cache}
kdir=$cache/kernels/$series
bdir=$cache/build/$series

log() { echo "build-module[$series]: $*" >&2; }

[ -f "$kdir/.complete" ] || "$here/fetch-kernel.sh" "$series"
[ -f "$top/Kbuild" ] || { log "no top-level Kbuild yet"; exit 1; }

# Build in a private directory and swap it in at the end: other users of
# the same tree may be building or loading .cache/build/<series> right now.
final=$bdir
tmpd=$final.tmp.$$
bdir=$tmpd
trap 'rm -rf "$tmpd"' EXIT
rm -rf "$bdir"
mkdir -p "$bdir"
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$top" && git ls-files -co --exclude-standard -z -- Kbuild module uapi |
		xargs -0 cp --parents -t "$bdir")
else
	(cd "$top" && cp -a --parents Kbuild module uapi "$bdir/")
	rm -f "$bdir/module/compat-probes.h"
fi

logf=$bdir/build.log
set +e
make -C "$kdir/headers" M="$bdir" W=1 -j"$(nproc)" modules >"$logf" 2>&1
rc=$?
set -e
warn=$(grep -E 'warning:|[Ww]arning: ' "$logf" || true)
if [ $rc != 0 ] || [ -n "$warn" ] || [ ! -f "$bdir/module/semctl.ko" ]; then
	cat "$logf" >&2
	if [ $rc != 0 ]; then
		log "FAIL: make exited $rc (log: $final.failed/build.log)"
	elif [ -n "$warn" ]; then
		log "FAIL: $(echo "$warn" | wc -l) warning line(s) under W=1 (log: $final.failed/build.log)"
	else
		log "FAIL: module/semctl.ko was not produced (log: $final.failed/build.log)"
	fi
	rm -rf "$final.failed"
	mv "$bdir" "$final.failed"
	log "build tree kept in $final.failed"
	exit 1
fi
old=$final.old.$$
[ -e "$final" ] && mv "$final" "$old"
mv "$bdir" "$final"
rm -rf "$old"
bdir=$final
log "ok: $bdir/module/semctl.ko ($(cat "$kdir/kver"))"
