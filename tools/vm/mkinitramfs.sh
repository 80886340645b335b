#!/bin/bash
# Build the busybox initramfs for one cached kernel:
#   tools/vm/mkinitramfs.sh SERIES   ->  .cache/kernels/<series>/initramfs.cpio
# (SERIES: 6.1, 6.12, X.Y, newest, debug; fetched first when not cached)
# Holds busybox-static, tools/vm/init, and the modules needed to mount the
# host root over virtio-9p with an overlay on top (resolved through that
# kernel's modules.dep; .ko.xz are decompressed since busybox insmod cannot).
# Rebuilt when tools/vm/init or this script is newer than the archive.
set -euo pipefail

series=${1:?usage: mkinitramfs.sh 6.1|6.12|X.Y|newest|debug}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${SEMCTL_CACHE:-$top/.cache}
kdir=$cache/kernels/$series
out=$kdir/initramfs.cpio

die() { echo "mkinitramfs[$series]: error: $*" >&2; exit 1; }

[ -f "$kdir/.complete" ] || "$here/fetch-kernel.sh" "$series"
kver=$(cat "$kdir/kver")
mods=$kdir/root/lib/modules/$kver

if [ -f "$out" ] && [ "$out" -nt "$here/init" ] && [ "$out" -nt "$0" ] &&
   [ "$out" -nt "$kdir/.complete" ]; then
	exit 0
fi

bb=
for b in /bin/busybox /usr/bin/busybox; do
	if [ -x "$b" ] && ! LC_ALL=C ldd "$b" >/dev/null 2>&1; then bb=$b; break; fi
done
[ -n "$bb" ] || die "no static busybox (apt-get install busybox-static)"

# Wanted: virtio PCI transport, 9p over virtio, overlayfs. Anything built in
# (modules.builtin) is skipped; dependencies come first (depth-first).
wanted="virtio_pci 9pnet_virtio 9p overlay"
declare -A seen=()
order=()
modpath() { # name -> relative path from modules.dep, or "" if builtin/absent
	local n=${1//-/_}
	sed -n -E "s#^([^:]*/${n}\.ko(\.xz|\.zst|\.gz)?):.*#\1#p" "$mods/modules.dep" | head -n1
}
add() { # relative path
	local p=$1 d
	[ -n "${seen[$p]:-}" ] && return 0
	seen[$p]=1
	for d in $(sed -n "s#^${p//./\\.}: *##p" "$mods/modules.dep"); do
		add "$d"
	done
	order+=("$p")
}
for m in $wanted; do
	p=$(modpath "$m")
	if [ -z "$p" ]; then
		grep -qE "/${m}\.ko$" "$mods/modules.builtin" ||
			die "module $m neither in modules.dep nor modules.builtin"
		continue
	fi
	add "$p"
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/{bin,dev,proc,sys,lower,newroot,ovl,mods}
cp "$bb" "$tmp/bin/busybox"
ln -s busybox "$tmp/bin/sh"
cp "$here/init" "$tmp/init"
chmod 755 "$tmp/init"
: > "$tmp/mods/order"
for p in "${order[@]}"; do
	b=$(basename "$p")
	case $p in
	*.xz)	xz -dc "$mods/$p" > "$tmp/mods/${b%.xz}"; b=${b%.xz} ;;
	*.zst)	zstd -qdc "$mods/$p" > "$tmp/mods/${b%.zst}"; b=${b%.zst} ;;
	*.gz)	gzip -dc "$mods/$p" > "$tmp/mods/${b%.gz}"; b=${b%.gz} ;;
	*)	cp "$mods/$p" "$tmp/mods/$b" ;;
	esac
	echo "$b" >> "$tmp/mods/order"
done
echo "$kver" > "$tmp/kver"
# Uncompressed: the kernel unpacks it fastest under TCG and it is small.
(cd "$tmp" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --quiet -R 0:0) > "$out.tmp.$$"
mv "$out.tmp.$$" "$out"
echo "mkinitramfs[$series]: $out ($(tr '\n' ' ' < "$tmp/mods/order"))" >&2
