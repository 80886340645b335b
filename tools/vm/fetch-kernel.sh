#!/bin/bash
# Fetch one Debian 12 kernel series into the cache (idempotent).
#
#   tools/vm/fetch-kernel.sh 6.1|6.12
#
# Result, under .cache/kernels/<series>/:
#   kver      release string (e.g. 6.1.0-56-amd64)
#   vmlinuz   the kernel image
#   root/     dpkg -x of linux-image-<kver>[-unsigned], depmod'ed
#   headers/  a working KDIR built from linux-headers-<kver>, -common and
#             linux-kbuild-*: usable as `make -C headers M=...` without
#             installing anything into /usr/src or /lib/modules.
#
# The newest ABI available in the apt lists is used; nothing is hard-coded.
set -euo pipefail

series=${1:?usage: fetch-kernel.sh 6.1|6.12}
top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${SEMCTL_CACHE:-$top/.cache}
kdir=$cache/kernels/$series
debs=$cache/debs

log() { echo "fetch-kernel[$series]: $*" >&2; }
die() { log "error: $*"; exit 1; }

if [ -s "$kdir/kver" ] && [ -f "$kdir/vmlinuz" ] && [ -f "$kdir/.complete" ]; then
	exit 0
fi

case $series in
6.1)	pat='^linux-image-6\.1\.0-[0-9]+-amd64(-unsigned)?$' ;;
6.12)	pat='^linux-image-6\.12\.[0-9]+\+deb12-amd64(-unsigned)?$' ;;
*)	die "unknown series '$series' (want 6.1 or 6.12)" ;;
esac

pkgfield() { # pkg field -> value of the candidate version
	apt-cache show --no-all-versions "$1" 2>/dev/null |
		sed -n "s/^$2: //p" | head -n1
}

# Newest kernel release whose image and headers are both known to apt.
candidates() {
	apt-cache pkgnames linux-image-"$series". 2>/dev/null |
		grep -E "$pat" | sed -e 's/^linux-image-//' -e 's/-unsigned$//' |
		sort -uV -r
}
kver=
for k in $(candidates); do
	if [ -n "$(pkgfield "linux-headers-$k" Version)" ]; then
		kver=$k
		break
	fi
done
if [ -z "$kver" ]; then
	log "no linux-image for $series in the apt lists; running apt-get update"
	apt-get update -qq >&2 || die "apt-get update failed (not root?)"
	for k in $(candidates); do
		if [ -n "$(pkgfield "linux-headers-$k" Version)" ]; then
			kver=$k
			break
		fi
	done
fi
[ -n "$kver" ] || die "no linux-image/linux-headers pair found for $series"

ver=$(pkgfield "linux-headers-$kver" Version)
# The unsigned image is the same kernel without the secure-boot signature.
img=linux-image-$kver-unsigned
[ -n "$(pkgfield "$img" Version)" ] || img=linux-image-$kver
common=linux-headers-${kver%-amd64}-common
kbuild=$(pkgfield "linux-headers-$kver" Depends | tr ',' '\n' |
	sed -n 's/^ *\(linux-kbuild-[^ ]*\).*/\1/p' | head -n1)
[ -n "$kbuild" ] || die "cannot find the linux-kbuild dependency of linux-headers-$kver"
log "kernel $kver (version $ver): $img, linux-headers-$kver, $common, $kbuild"

mkdir -p "$debs"
fetch() { # pkg version -> path of the .deb
	local pkg=$1 v=$2 f
	f=$(ls "$debs/${pkg}_${v//:/%3a}_"*.deb 2>/dev/null | head -n1 || true)
	if [ -z "$f" ]; then
		log "downloading $pkg=$v"
		(cd "$debs" && apt-get download -q -o APT::Sandbox::User=root "$pkg=$v" >&2) ||
			die "apt-get download $pkg=$v failed"
		f=$(ls "$debs/${pkg}_${v//:/%3a}_"*.deb | head -n1)
	fi
	echo "$f"
}
img_deb=$(fetch "$img" "$ver")
hdr_deb=$(fetch "linux-headers-$kver" "$ver")
com_deb=$(fetch "$common" "$ver")
kb_deb=$(fetch "$kbuild" "$ver")

tmp=$kdir.tmp.$$
rm -rf "$tmp"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT

log "unpacking image"
dpkg -x "$img_deb" "$tmp/root"
[ -d "$tmp/root/lib/modules/$kver" ] || die "$img has no lib/modules/$kver"
depmod -b "$tmp/root" "$kver"
cp "$tmp/root/boot/vmlinuz-$kver" "$tmp/vmlinuz"

log "unpacking headers"
h=$tmp/hdr
for d in "$hdr_deb" "$com_deb" "$kb_deb"; do
	dpkg -x "$d" "$h"
done
# Layout after dpkg -x:
#   usr/src/linux-headers-<kver>          (arch part: .config, Module.symvers, Makefile)
#   usr/src/linux-headers-<kver-flavourless>-common
#   usr/lib/linux-kbuild-<x>/{scripts,tools}
arch=$h/usr/src/linux-headers-$kver
com=$h/usr/src/linux-headers-${kver%-amd64}-common
[ -d "$arch" ] && [ -d "$com" ] || die "unexpected layout in the headers packages"
kbdir=$(cd "$h/usr/lib" && ls -d linux-kbuild-* | head -n1)
[ -n "$kbdir" ] || die "no usr/lib/linux-kbuild-* in $kbuild"
# The arch Makefile includes the common tree by absolute path: make it relative
# to wherever the cache lives (the final path is known now).
log "arch Makefile: $(grep -n 'linux-headers' "$arch/Makefile" | tr '\n' ' ')"
final_com=$kdir/headers.d/usr/src/linux-headers-${kver%-amd64}-common
sed -i "s|/usr/src/linux-headers-${kver%-amd64}-common|$final_com|g" "$arch/Makefile"
# scripts and tools are absolute-ish symlinks into /usr/lib/linux-kbuild-*:
# point them at the unpacked copy.
for l in scripts tools; do
	for base in "$arch" "$com"; do
		if [ -L "$base/$l" ]; then
			ln -sfn "../../lib/$kbdir/$l" "$base/$l"
		fi
	done
done
[ -e "$arch/scripts/basic/fixdep" ] || [ -e "$arch/scripts/mod/modpost" ] ||
	die "scripts symlink in $arch does not resolve"

echo "$kver" > "$tmp/kver"
echo "$ver" > "$tmp/version"
rm -rf "$kdir"
mkdir -p "$(dirname "$kdir")"
mv "$tmp/hdr" "$tmp/headers.d"
mkdir -p "$kdir"
mv "$tmp/root" "$kdir/root"
mv "$tmp/vmlinuz" "$tmp/kver" "$tmp/version" "$kdir/"
mv "$tmp/headers.d" "$kdir/headers.d"
# headers -> the arch tree: this is KDIR.
ln -sfn "headers.d/usr/src/linux-headers-$kver" "$kdir/headers"
touch "$kdir/.complete"
log "done: KDIR=$kdir/headers"
