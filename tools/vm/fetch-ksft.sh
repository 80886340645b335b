#!/bin/bash
# Extract the few files the project needs from Debian's linux-source-6.1:
#   scripts/checkpatch.pl, scripts/spelling.txt, scripts/const_structs.checkpatch
#   tools/testing/selftests/kselftest*.h (kselftest_harness.h needs kselftest.h)
# into .cache/linux-source-6.1/ (idempotent; about 10 s plus the download).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${SEMCTL_CACHE:-$top/.cache}
dst=$cache/linux-source-6.1
debs=$cache/debs

log() { echo "fetch-ksft: $*" >&2; }
die() { log "error: $*"; exit 1; }

[ -f "$dst/.complete" ] && exit 0

pkg=linux-source-6.1
ver=$(apt-cache show --no-all-versions "$pkg" 2>/dev/null | sed -n 's/^Version: //p' | head -n1)
if [ -z "$ver" ]; then
	apt-get update -qq >&2 || die "apt-get update failed (not root?)"
	ver=$(apt-cache show --no-all-versions "$pkg" | sed -n 's/^Version: //p' | head -n1)
fi
[ -n "$ver" ] || die "$pkg unknown to apt"
mkdir -p "$debs"
deb=$(ls "$debs/${pkg}_${ver//:/%3a}_"*.deb 2>/dev/null | head -n1 || true)
if [ -z "$deb" ]; then
	log "downloading $pkg=$ver (~140 MB)"
	(cd "$debs" && apt-get download -q -o APT::Sandbox::User=root "$pkg=$ver" >&2) ||
		die "apt-get download $pkg=$ver failed"
	deb=$(ls "$debs/${pkg}_${ver//:/%3a}_"*.deb | head -n1)
fi

tmp=$dst.tmp.$$
rm -rf "$tmp"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
# The .deb holds usr/src/linux-source-6.1.tar.xz; stream it out of the data
# member and pull only the members we need.
log "extracting checkpatch and kselftest headers"
dpkg-deb --fsys-tarfile "$deb" |
	tar -xf - -C "$tmp" --wildcards './usr/src/linux-source-*.tar.xz'
tarball=$(ls "$tmp"/usr/src/linux-source-*.tar.xz | head -n1)
[ -n "$tarball" ] || die "no source tarball in $deb"
tar -xJf "$tarball" -C "$tmp" --strip-components=1 --wildcards \
	'*/scripts/checkpatch.pl' \
	'*/scripts/spelling.txt' \
	'*/scripts/const_structs.checkpatch' \
	'*/tools/testing/selftests/kselftest.h' \
	'*/tools/testing/selftests/kselftest_harness.h' \
	'*/tools/testing/selftests/kselftest_module.h' \
	'*/tools/testing/selftests/lib.mk'
rm -rf "$tmp/usr"
for f in scripts/checkpatch.pl scripts/spelling.txt scripts/const_structs.checkpatch \
	tools/testing/selftests/kselftest.h tools/testing/selftests/kselftest_harness.h; do
	[ -f "$tmp/$f" ] || die "missing $f in $tarball"
done
echo "$ver" > "$tmp/version"
touch "$tmp/.complete"
rm -rf "$dst"
mv "$tmp" "$dst"
trap - EXIT
log "done: $dst"
