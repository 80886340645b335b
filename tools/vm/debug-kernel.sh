#!/bin/bash
# Build (once) and cache a semctl debug kernel: x86-64, `make allnoconfig`
# + tools/vm/debug.config (KASAN, lockdep, DEBUG_ATOMIC_SLEEP, kmemleak,
# UBSAN, DEBUG_LIST, DEBUG_OBJECTS, failslab, and virtio/9p/overlay built
# in), no debug info.
#
#   tools/vm/debug-kernel.sh [--source 6.1|newest] [--flavour kasan|kcsan]
#                            [--force] [--print-name]
#
#   --source 6.1      Debian's linux-source-6.1 (the system's apt; default)
#   --source newest   linux-source-X.Y of the highest X.Y (then the highest
#                     version of it) that trixie, trixie-backports or sid
#                     have, through the private apt state of apt-suites.sh;
#                     resolved at run time, never installed; plus
#                     debug-newest.config
#   --flavour kasan   debug.config as is (default)
#   --flavour kcsan   debug.config + debug-kcsan.config: KASAN off (the two
#                     cannot be combined), KCSAN on; the rest stays
#   --print-name      print the kernel name (below) and exit
#
# Kernel names (.cache/kernels/<name>/, `tools/vm/run --kernel <name>`):
#   6.1 + kasan -> debug   newest + kasan -> debug-newest
#   6.1 + kcsan -> kcsan   newest + kcsan -> kcsan-newest
#
# Cache, under .cache/ (ignored by git):
#   debs/linux-source-6.1_<ver>_all.deb    the download (shared with fetch-ksft.sh)
#   debs/linux-source-X.Y_<ver>_all.deb  (--source newest)
#   debug-kernel/src/                      the unpacked linux-source-6.1 (one version)
#   debug-kernel/src-newest/               the unpacked newest source (one version)
#   debug-kernel/<key>/                    the O= build tree; <key> is
#                                          <source version>-<sha of config+recipe>
#   debug-kernel/bzImage, kver, key        the current "debug" kernel
#   debug-kernel/<name>/bzImage, kver, key the current kernel of another name
#   kernels/<name>/                        the layout tools/vm/run,
#                                          mkinitramfs.sh and build-module.sh use:
#                                          vmlinuz, kver, headers -> <key>/,
#                                          root/lib/modules/<kver>/modules.{dep,builtin}
# A cached build is reused when the key matches (a no-op taking < 1 s); an
# interrupted build resumes where make stopped. --force rebuilds from scratch.
# One build tree is kept per name (an older key of the same name is removed).
# Build time is written to debug-kernel/<key>/build-time.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${SEMCTL_CACHE:-$top/.cache}
dk=$cache/debug-kernel
debs=$cache/debs

force=0
source=6.1
flavour=kasan
print_name=0
usage() { echo "usage: debug-kernel.sh [--source 6.1|newest] [--flavour kasan|kcsan] [--force] [--print-name]" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--force)	force=1; shift ;;
	--source)	[ $# -ge 2 ] || usage; source=$2; shift 2 ;;
	--source=*)	source=${1#*=}; shift ;;
	--flavour|--flavor)	[ $# -ge 2 ] || usage; flavour=$2; shift 2 ;;
	--flavour=*|--flavor=*)	flavour=${1#*=}; shift ;;
	--print-name)	print_name=1; shift ;;
	*)		usage ;;
	esac
done
case $source in 6.1|newest) ;; *) usage ;; esac
case $flavour in kasan|kcsan) ;; *) usage ;; esac

# The name under .cache/kernels/ (what tools/vm/run --kernel takes).
case $source-$flavour in
6.1-kasan)	name=debug ;;
6.1-kcsan)	name=kcsan ;;
newest-kasan)	name=debug-newest ;;
newest-kcsan)	name=kcsan-newest ;;
esac
if [ $print_name = 1 ]; then echo "$name"; exit 0; fi

# The fragments, merged in this order (a later line wins).
frags=("$here/debug.config")
[ "$source" = newest ] && frags+=("$here/debug-newest.config")
[ "$flavour" = kcsan ] && frags+=("$here/debug-kcsan.config")
# Bump when the build recipe below changes in a way that changes the kernel.
# (6.1 + kasan keeps the recipe, and so the cache key, it always had.)
recipe="allnoconfig+merge_config+olddefconfig;bzImage modules modules_prepare;r1"
[ "$name" = debug ] || recipe="$recipe;$source;$flavour;r1"

log() { echo "debug-kernel[$name]: $*" >&2; }
die() { log "error: $*"; exit 1; }

mkdir -p "$dk" "$debs"
# One caller per name at a time (.lock.<name>), so a cached kernel is
# found while another name builds; one builder at a time (.lock), a
# second one waits and then finds the cache.
exec 8>"$dk/.lock.$name"
if ! flock -n 8; then
	log "another caller holds $dk/.lock.$name; waiting"
	flock 8
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

# Source package and version.
if [ "$source" = 6.1 ]; then
	# The candidate in the system's apt lists.
	pkg=linux-source-6.1
	aptc=()
	src=$dk/src
	ver=$(apt-cache show --no-all-versions "$pkg" 2>/dev/null | sed -n 's/^Version: //p' | head -n1)
	if [ -z "$ver" ]; then
		apt-get update -qq >&2 || die "apt-get update failed (not root?)"
		ver=$(apt-cache show --no-all-versions "$pkg" | sed -n 's/^Version: //p' | head -n1)
	fi
else
	# The highest linux-source-X.Y the private apt state (trixie,
	# trixie-backports, sid) knows, and its highest version (whatever
	# the pin priorities would pick).
	conf=$("$here/apt-suites.sh") || die "apt-suites.sh failed"
	aptc=(env APT_CONFIG="$conf")
	src=$dk/src-newest
	pkg=$("${aptc[@]}" apt-cache search --names-only '^linux-source-[0-9]+\.[0-9]+$' |
		cut -d' ' -f1 | sort -V | tail -n1)
	[ -n "$pkg" ] || die "no linux-source-X.Y in trixie/trixie-backports/sid"
	ver=
	for v in $("${aptc[@]}" apt-cache madison "$pkg" | awk -F' *[|] *' '{ print $2 }'); do
		if [ -z "$ver" ] || dpkg --compare-versions "$v" gt "$ver"; then ver=$v; fi
	done
fi
[ -n "$ver" ] || die "$pkg unknown to apt"

# The compiler: gcc (bookworm's gcc-12 has -fsanitize=thread with
# --param tsan-distinguish-volatile=1, all KCSAN needs).
kcc=gcc
hash=$( { cat "${frags[@]}"; echo "$recipe"; $kcc --version | head -n1; } | sha256sum | cut -c1-12)
key=${ver}-$hash
obj=$dk/$key
kdir=$cache/kernels/$name
if [ "$name" = debug ]; then cur=$dk; else cur=$dk/$name; fi
log "$pkg $ver, flavour $flavour, key $key"

install_layout() {
	local kver
	kver=$(cat "$obj/kver")
	mkdir -p "$cur"
	cp "$obj/arch/x86/boot/bzImage" "$cur/bzImage.tmp"
	mv "$cur/bzImage.tmp" "$cur/bzImage"
	echo "$kver" > "$cur/kver"
	echo "$key" > "$cur/key"
	# The layout of a fetched Debian kernel (tools/vm/fetch-kernel.sh), so
	# run, mkinitramfs.sh and build-module.sh treat <name> like 6.1/6.12
	# (they only call fetch-kernel.sh when <name>/.complete is missing).
	local tmp=$kdir.tmp.$$
	rm -rf "$tmp"
	mkdir -p "$tmp/root/lib/modules/$kver"
	ln -s "$cur/bzImage" "$tmp/vmlinuz"
	ln -s "$obj" "$tmp/headers"
	echo "$kver" > "$tmp/kver"
	echo "$key" > "$tmp/key"
	echo "$name $pkg $ver $flavour" > "$tmp/what"
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
	if [ "$(cat "$kdir/key" 2>/dev/null)" != "$key" ] || [ ! -f "$cur/bzImage" ] ||
	   [ "$(cat "$cur/key" 2>/dev/null)" != "$key" ]; then
		install_layout
	fi
	exit 0
fi

exec 9>"$dk/.lock"
if ! flock -n 9; then
	log "another build holds $dk/.lock; waiting"
	flock 9
fi
t0=$(date +%s)

# 1. The source: download the .deb (~140-170 MB) and unpack its tarball once.
if [ "$(cat "$src/.semctl-version" 2>/dev/null)" != "$ver" ]; then
	deb=$(ls "$debs/${pkg}_${ver//:/%3a}_"*.deb 2>/dev/null | head -n1 || true)
	if [ -z "$deb" ]; then
		log "downloading $pkg=$ver (~140-170 MB)"
		(cd "$debs" && "${aptc[@]}" apt-get download -q -o APT::Sandbox::User=root "$pkg=$ver" >&2) ||
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
# Keep only this key's build tree of this name (each is ~1 GB); a tree
# without .semctl-name is an old "debug" one.
for d in "$dk"/*/; do
	d=${d%/}
	case $(basename "$d") in src|src.tmp|src-newest|src-newest.tmp|"$key") continue ;; esac
	[ -f "$d/.config" ] || continue
	[ "$(cat "$d/.semctl-name" 2>/dev/null || echo debug)" = "$name" ] || continue
	log "removing old build tree $d"; rm -rf "$d"
done
mkdir -p "$obj"
echo "$name" > "$obj/.semctl-name"
# The fragments merged into one file (a later line wins in merge_config.sh;
# the check below keeps the last line of each symbol).
cat "${frags[@]}" > "$obj/fragment.tmp"
frag=$obj/fragment.config
kmake() { make -C "$src" O="$obj" ARCH=x86_64 "$@"; }
if [ ! -f "$obj/.config-done" ] || ! cmp -s "$obj/fragment.tmp" "$obj/debug.config"; then
	log "configuring: allnoconfig + $(for f in "${frags[@]}"; do basename "$f"; done | paste -sd+)"
	mv "$obj/fragment.tmp" "$frag"
	rm -f "$obj/.config-done"
	kmake -s allnoconfig >&2
	(cd "$obj" && "$src/scripts/kconfig/merge_config.sh" -m -O "$obj" \
		"$obj/.config" "${frags[@]}" >"$obj/merge_config.log" 2>&1) ||
		{ cat "$obj/merge_config.log" >&2; die "merge_config.sh failed"; }
	kmake -s olddefconfig >&2
	cp "$frag" "$obj/debug.config"
fi
rm -f "$obj/fragment.tmp"
# The effective fragment: the last line of each symbol.
awk '{ s = "" }
/^CONFIG_[A-Za-z0-9_]+=/ { s = $0; sub(/=.*/, "", s) }
/^# CONFIG_[A-Za-z0-9_]+ is not set/ { s = $2 }
s != "" { last[s] = NR; line[NR] = $0 }
END { for (s in last) print last[s] "\t" line[last[s]] }' "$obj/debug.config" |
	sort -n | cut -f2- > "$obj/effective.config"
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
done < "$obj/effective.config"
[ $bad = 0 ] || die "the .config does not match $(for f in "${frags[@]}"; do basename "$f"; done | paste -sd+) (see above)"
touch "$obj/.config-done"

# 3. Build. Everything is =y, so `modules` only produces Module.symvers
# (needed by external module builds) and modules.builtin.
log "building $key with -j$(nproc) (bzImage modules modules_prepare); log: $obj/build.log"
if ! kmake -j"$(nproc)" bzImage modules modules_prepare >"$obj/build.log" 2>&1; then
	tail -n 40 "$obj/build.log" >&2
	die "kernel build failed (log: $obj/build.log)"
fi
# --no-print-directory: under a recursive make (make check-debug-newest)
# make would wrap the answer in "Entering directory" lines
kmake -s --no-print-directory kernelrelease > "$obj/kver"
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
log "done in $((t2 - t0)) s (unpack $((t1 - t0)) s): $cur/bzImage ($(cat "$obj/kver"), $(du -h "$cur/bzImage" | cut -f1))"
