#!/bin/bash
# Build (once) and cache the semctl debug kernel: x86-64, from Debian's
# linux-source-6.1, `make allnoconfig` + tools/vm/debug.config (KASAN,
# lockdep, DEBUG_ATOMIC_SLEEP, kmemleak, UBSAN, DEBUG_LIST, DEBUG_OBJECTS,
# failslab, and virtio/9p/overlay built in), no debug info.
#
#   tools/vm/debug-kernel.sh [--force]
#
# Cache, under .cache/ (ignored by git):
#   debs/linux-source-6.1_<ver>_all.deb    the download (shared with fetch-ksft.sh)
#   debug-kernel/src/                      the unpacked source tree (one version)
#   debug-kernel/<key>/                    the O= build tree; <key> is
#                                          <source version>-<sha of config+recipe>
#   debug-kernel/bzImage, kver, key        the current kernel
#   kernels/debug/                         the layout tools/vm/run,
#                                          mkinitramfs.sh and build-module.sh use:
#                                          vmlinuz, kver, headers -> <key>/,
#                                          root/lib/modules/<kver>/modules.{dep,builtin}
# A cached build is reused when the key matches (a no-op taking < 1 s); an
# interrupted build resumes where make stopped. --force rebuilds from scratch.
# Build time is written to debug-kernel/<key>/build-time.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${SEMCTL_CACHE:-$top/.cache}
dk=$cache/debug-kernel
debs=$cache/debs
frag=$here/debug.config
pkg=linux-source-6.1
# Bump when the build recipe below changes in a way that changes the kernel.
recipe="allnoconfig+merge_config+olddefconfig;bzImage modules modules_prepare;r1"

force=0
case ${1:-} in
--force)	force=1 ;;
"")		;;
*)		echo "usage: debug-kernel.sh [--force]" >&2; exit 2 ;;
esac

log() { echo "debug-kernel: $*" >&2; }
die() { log "error: $*"; exit 1; }

mkdir -p "$dk" "$debs"
# One builder at a time; a second caller waits and then finds the cache.
exec 9>"$dk/.lock"
if ! flock -n 9; then
	log "another build holds $dk/.lock; waiting"
	flock 9
fi

# Build dependencies (the VM loop's own are tools/deps.sh's job).
need=()
for p in gcc make flex bison bc libelf-dev libssl-dev xz-utils cpio kmod; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	[ "$(id -u)" = 0 ] || die "missing packages; run as root: apt-get install ${need[*]}"
	log "installing ${need[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		"${need[@]}" >&2 || {
		apt-get update -qq >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends "${need[@]}" >&2
	}
fi

# Source version: the candidate in the apt lists.
ver=$(apt-cache show --no-all-versions "$pkg" 2>/dev/null | sed -n 's/^Version: //p' | head -n1)
if [ -z "$ver" ]; then
	apt-get update -qq >&2 || die "apt-get update failed (not root?)"
	ver=$(apt-cache show --no-all-versions "$pkg" | sed -n 's/^Version: //p' | head -n1)
fi
[ -n "$ver" ] || die "$pkg unknown to apt"

hash=$( { cat "$frag"; echo "$recipe"; gcc --version | head -n1; } | sha256sum | cut -c1-12)
key=${ver}-$hash
obj=$dk/$key
kdir=$cache/kernels/debug

install_layout() {
	local kver
	kver=$(cat "$obj/kver")
	cp "$obj/arch/x86/boot/bzImage" "$dk/bzImage.tmp"
	mv "$dk/bzImage.tmp" "$dk/bzImage"
	echo "$kver" > "$dk/kver"
	echo "$key" > "$dk/key"
	# The layout of a fetched Debian kernel (tools/vm/fetch-kernel.sh), so
	# run, mkinitramfs.sh and build-module.sh treat "debug" like 6.1/6.12.
	local tmp=$kdir.tmp.$$
	rm -rf "$tmp"
	mkdir -p "$tmp/root/lib/modules/$kver"
	ln -s "$dk/bzImage" "$tmp/vmlinuz"
	ln -s "$obj" "$tmp/headers"
	echo "$kver" > "$tmp/kver"
	echo "$key" > "$tmp/key"
	cp "$obj/modules.builtin" "$obj/modules.order" "$tmp/root/lib/modules/$kver/"
	cp "$obj/modules.builtin.modinfo" "$tmp/root/lib/modules/$kver/" 2>/dev/null || true
	depmod -b "$tmp/root" "$kver" 2>/dev/null || : > "$tmp/root/lib/modules/$kver/modules.dep"
	touch "$tmp/.complete"
	rm -rf "$kdir.old.$$"
	[ -e "$kdir" ] && mv "$kdir" "$kdir.old.$$"
	mv "$tmp" "$kdir"
	rm -rf "$kdir.old.$$"
}

if [ $force = 0 ] && [ -f "$obj/.complete" ]; then
	if [ "$(cat "$kdir/key" 2>/dev/null)" != "$key" ] || [ ! -f "$dk/bzImage" ] ||
	   [ "$(cat "$dk/key" 2>/dev/null)" != "$key" ]; then
		install_layout
	fi
	exit 0
fi

t0=$(date +%s)

# 1. The source: download the .deb (~140 MB) and unpack its tarball once.
src=$dk/src
if [ "$(cat "$src/.semctl-version" 2>/dev/null)" != "$ver" ]; then
	deb=$(ls "$debs/${pkg}_${ver//:/%3a}_"*.deb 2>/dev/null | head -n1 || true)
	if [ -z "$deb" ]; then
		log "downloading $pkg=$ver (~140 MB)"
		(cd "$debs" && apt-get download -q -o APT::Sandbox::User=root "$pkg=$ver" >&2) ||
			die "apt-get download $pkg=$ver failed"
		deb=$(ls "$debs/${pkg}_${ver//:/%3a}_"*.deb | head -n1)
	fi
	log "unpacking $(basename "$deb") into $src"
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	dpkg-deb --fsys-tarfile "$deb" |
		tar -xf - -C "$src.tmp" --wildcards './usr/src/linux-source-*.tar.xz'
	tarball=$(ls "$src.tmp"/usr/src/linux-source-*.tar.xz | head -n1)
	[ -n "$tarball" ] || die "no source tarball in $deb"
	mkdir -p "$src.tmp/tree"
	tar -xJf "$tarball" -C "$src.tmp/tree" --strip-components=1
	rm -f "$tarball"
	mv "$src.tmp/tree" "$src"
	rm -rf "$src.tmp"
	echo "$ver" > "$src/.semctl-version"
fi
t1=$(date +%s)

# 2. The configuration: allnoconfig (x86-64) + the fragment, then verify.
if [ $force = 1 ]; then rm -rf "$obj"; fi
# Keep only this key's build tree (each is ~1 GB).
for d in "$dk"/*/; do
	d=${d%/}
	case $(basename "$d") in src|src.tmp|"$key") continue ;; esac
	[ -f "$d/.config" ] && { log "removing old build tree $d"; rm -rf "$d"; }
done
mkdir -p "$obj"
kmake() { make -C "$src" O="$obj" ARCH=x86_64 "$@"; }
if [ ! -f "$obj/.config-done" ] || ! cmp -s "$frag" "$obj/debug.config"; then
	log "configuring: allnoconfig + $(basename "$frag")"
	rm -f "$obj/.config-done"
	kmake -s allnoconfig >&2
	(cd "$obj" && "$src/scripts/kconfig/merge_config.sh" -m -O "$obj" \
		"$obj/.config" "$frag" >"$obj/merge_config.log" 2>&1) ||
		{ cat "$obj/merge_config.log" >&2; die "merge_config.sh failed"; }
	kmake -s olddefconfig >&2
	cp "$frag" "$obj/debug.config"
fi
bad=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*)
		grep -qxF "$line" "$obj/.config" && continue
		log "Kconfig dropped '$line' (missing dependency?); .config has: $(grep -E "^(# )?${line%%=*}[= ]" "$obj/.config" || echo nothing)"
		bad=1 ;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }; sym=${sym%% *}
		grep -q "^$sym=" "$obj/.config" || continue
		log "'$line' but .config has $(grep "^$sym=" "$obj/.config")"
		bad=1 ;;
	esac
done < "$frag"
[ $bad = 0 ] || die "the .config does not match $frag (see above)"
touch "$obj/.config-done"

# 3. Build. Everything is =y, so `modules` only produces Module.symvers
# (needed by external module builds) and modules.builtin.
log "building $key with -j$(nproc) (bzImage modules modules_prepare); log: $obj/build.log"
if ! kmake -j"$(nproc)" bzImage modules modules_prepare >"$obj/build.log" 2>&1; then
	tail -n 40 "$obj/build.log" >&2
	die "kernel build failed (log: $obj/build.log)"
fi
kmake -s kernelrelease > "$obj/kver"
[ -f "$obj/arch/x86/boot/bzImage" ] || die "no bzImage produced"
[ -f "$obj/Module.symvers" ] || die "no Module.symvers produced"
t2=$(date +%s)
{
	echo "unpack $((t1 - t0)) s"
	echo "configure+build $((t2 - t1)) s"
	echo "total $((t2 - t0)) s"
	echo "nproc $(nproc), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$obj/build-time"
touch "$obj/.complete"
install_layout
log "done in $((t2 - t0)) s (unpack $((t1 - t0)) s): $dk/bzImage ($(cat "$obj/kver"), $(du -h "$dk/bzImage" | cut -f1))"
