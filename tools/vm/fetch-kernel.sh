#!/bin/bash
# Fetch one Debian kernel series into the cache (idempotent, re-resolved on
# every run).
#
#   tools/vm/fetch-kernel.sh [--clang] 6.1|6.12|X.Y|newest
#
#   6.1, 6.12  Debian 12's kernels (bookworm, bookworm-security) through the
#              system's apt; KDIR is Debian's headers (+ -common, kbuild).
#   X.Y        the newest X.Y kernel of trixie, trixie-backports or sid
#              (e.g. 6.18, 7.0), through the private apt state of
#              tools/vm/apt-suites.sh (lists refreshed at most daily; a failed
#              refresh fails this script); KDIR is prepared here from
#              linux-source-X.Y (tools/vm/prepare-tree.sh), as Debian's
#              packaged headers for these do not work on Debian 12.
#   newest     the highest amd64 kernel version in trixie-backports or sid.
#   --clang    (X.Y, newest) also prepare a KDIR for clang-19 (LLVM=-19):
#              a gcc-prepared tree cannot build with clang.
#   --resolve  only print "<kver> <version> <package>=<version>..." (what
#              would be fetched) and exit.
#
# Result, under .cache/kernels/<series>/ (per clone):
#   kver      release string (e.g. 6.1.0-56-amd64, 7.3.4+deb13-amd64)
#   version   Debian version of the image package (e.g. 7.3.4-1~bpo13+1)
#   entry     the shared cache entry the links below point into
#   vmlinuz   -> the kernel image
#   root      -> the image (+ linux-modules, linux-base) unpacked, depmod'ed;
#                root/lib/modules/<kver>
#   headers   -> a working KDIR: `make -C headers M=...`
#   headers-clang -> (--clang) the KDIR prepared with clang-19
#   .complete
# The content lives in ${SEMCTL_SHARED_CACHE:-/var/cache/semctl}/<kver>_<version>/
# (debs/ with every download and how it was verified, vmlinuz, root/, the
# KDIR, logs/, .complete written last), shared by every clone on the
# machine. Entries are keyed by the exact version: when a series moves on,
# the next run resolves the new version, fetches it and relinks
# .cache/kernels/<series>; old entries stay until deleted by hand.
# Nothing is hard-coded: every version comes from the apt lists.
set -euo pipefail

clang=0
resolve_only=0
while [ $# -gt 0 ]; do
	case $1 in
	--clang)	clang=1; shift ;;
	--resolve)	resolve_only=1; shift ;;
	-*)		echo "fetch-kernel: unknown option $1" >&2; exit 2 ;;
	*)		break ;;
	esac
done
series=${1:?usage: fetch-kernel.sh [--clang|--resolve] 6.1|6.12|X.Y|newest}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${SEMCTL_CACHE:-$top/.cache}
kdir=$cache/kernels/$series

log() { echo "fetch-kernel[$series]: $*" >&2; }
die() { log "error: $*"; exit 1; }
now() { date +%s; }

case $series in
6.1|6.12)	kind=system ;;
newest)		kind=suites ;;
[0-9]*.[0-9]*)	[[ $series =~ ^[0-9]+\.[0-9]+$ ]] || die "bad series '$series'"
		kind=suites ;;
*)		die "unknown series '$series' (want 6.1, 6.12, X.Y or newest)" ;;
esac
[ "$kind" = system ] && [ "$clang" = 1 ] &&
	die "--clang is for the kernels prepared from linux-source (X.Y, newest), not $series"

# The shared cache: outside the clone so that fresh clones start fast.
shared=${SEMCTL_SHARED_CACHE:-/var/cache/semctl}
if ! mkdir -p "$shared" 2>/dev/null || [ ! -w "$shared" ]; then
	[ -z "${SEMCTL_SHARED_CACHE:-}" ] || die "SEMCTL_SHARED_CACHE=$shared is not writable"
	shared=$cache/shared
	log "/var/cache/semctl not writable: using $shared"
	mkdir -p "$shared"
fi

mkdir -p "$cache/kernels"
exec 8>"$cache/kernels/.lock.$series"
flock 8

# ---------------------------------------------------------------- resolve
# Sets kver, ver, pkgs (pkg=version of every .deb to download), aptenv.
pkgs=()
if [ "$kind" = system ]; then
	# The system's apt, with a pkgcache.bin of our own: Docker images'
	# apt.conf.d/docker-clean turns the cache off, and then every
	# apt-cache call parses all the lists (~1 s each). apt reads
	# APT_CONFIG, apt.conf.d/, then Dir::Etc::main: ours, which includes
	# the system's apt.conf (if any) and adds the cache.
	sa=$cache/apt-system
	mkdir -p "$sa"
	{
		[ -f /etc/apt/apt.conf ] && echo '#include "/etc/apt/apt.conf";'
		echo "Dir::Cache::pkgcache \"$sa/pkgcache.bin\";"
		echo "Dir::Cache::srcpkgcache \"$sa/srcpkgcache.bin\";"
	} > "$sa/late.conf.$$"
	mv "$sa/late.conf.$$" "$sa/late.conf"
	echo "Dir::Etc::main \"$sa/late.conf\";" > "$sa/apt.conf.$$"
	mv "$sa/apt.conf.$$" "$sa/apt.conf"
	aptenv=(env APT_CONFIG="$sa/apt.conf")
	case $series in
	6.1)	pat='^linux-image-6\.1\.0-[0-9]+-amd64(-unsigned)?$' ;;
	6.12)	pat='^linux-image-6\.12\.[0-9]+\+deb12-amd64(-unsigned)?$' ;;
	esac
	pkgfield() { # pkg field -> value of the candidate version
		"${aptenv[@]}" apt-cache show --no-all-versions "$1" 2>/dev/null |
			sed -n "s/^$2: //p" | head -n1
	}
	candidates() {
		"${aptenv[@]}" apt-cache pkgnames linux-image-"$series". 2>/dev/null |
			grep -E "$pat" | sed -e 's/^linux-image-//' -e 's/-unsigned$//' |
			sort -uV -r
	}
	# Newest kernel release whose image and headers are both known to apt.
	pick() {
		local k
		for k in $(candidates); do
			if [ -n "$(pkgfield "linux-headers-$k" Version)" ]; then
				echo "$k"
				return
			fi
		done
	}
	kver=$(pick)
	if [ -z "$kver" ]; then
		log "no linux-image for $series in the apt lists; running apt-get update"
		apt-get update -qq >&2 || die "apt-get update failed (not root?)"
		kver=$(pick)
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
	pkgs=("$img=$ver" "linux-headers-$kver=$ver" "$common=$ver" "$kbuild=$ver")
else
	conf=$("$here/apt-suites.sh") || die "the private apt state is not usable (see above): not resolving from stale lists"
	aptenv=(env APT_CONFIG="$conf")
	# Flavour amd64 only (no -cloud, -rt, -dbg, -unsigned); X.Y[.Z]+debNN.
	names=$("${aptenv[@]}" apt-cache pkgnames linux-image- |
		grep -E '^linux-image-[0-9]+\.[0-9]+(\.[0-9]+)?\+deb[0-9]+-amd64$' || true)
	if [ "$series" != newest ]; then
		names=$(echo "$names" | grep -E "^linux-image-${series//./\\.}(\\.[0-9]+)?\\+" || true)
	fi
	[ -n "$names" ] || die "no linux-image-$series.*-amd64 in trixie, trixie-backports or sid"
	# Every (version, package) pair, from the suites that count.
	best='' bestpkg=''
	while read -r p v s; do
		if [ "$series" = newest ]; then
			case $s in trixie-backports/*|sid/*) ;; *) continue ;; esac
		fi
		if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$best"; then
			best=$v bestpkg=$p
		fi
	done < <("${aptenv[@]}" apt-cache madison $names |
		awk -F' *[|] *' '$3 ~ / Packages$/ { split($3, a, " "); print $1, $2, a[2] }')
	[ -n "$best" ] || die "no amd64 kernel for $series in the suites"
	ver=$best
	img=${bestpkg# }
	kver=${img#linux-image-}
	show=$("${aptenv[@]}" apt-cache show "$img=$ver")
	# Everything else is built from the same "linux" source version
	# (Built-Using of the signed image; the same as its version otherwise).
	lver=$(echo "$show" | sed -n 's/^Built-Using:.*linux (= \([^)]*\)).*/\1/p' | head -n1)
	: "${lver:=$ver}"
	# 7.x images are metapackages over linux-base/-binary/-modules.
	deps=$(echo "$show" | sed -n 's/^Depends: //p' | head -n1 | tr ',' '\n' |
		sed -n "s/^ *\\(linux-\\(base\\|binary\\|modules\\)-${kver//./\\.}\\) *(= \\([^)]*\\)).*/\\1=\\3/p")
	pkgs=("$img=$ver")
	for d in $deps; do pkgs+=("$d"); done
	xy=$(echo "$kver" | sed -E 's/^([0-9]+\.[0-9]+).*/\1/')
	pkgs+=("linux-headers-$kver=$lver" "linux-source-$xy=$lver")
fi
key=${kver}_${ver//:/%3a}
entry=$shared/$key
if [ "$resolve_only" = 1 ]; then
	echo "$kver $ver ${pkgs[*]}"
	exit 0
fi

# ------------------------------------------------------- per-clone links
# A prepared tree is bound to the exact compiler it was prepared with
# (Kbuild warns "the compiler differs" otherwise, which fails W=1 builds
# that allow no warning): an updated gcc-12 or clang-19 package means
# preparing the tree again (from the kept downloads).
cc_now() { # toolchain -> first line of its --version (CONFIG_CC_VERSION_TEXT)
	case $1 in
	gcc)	gcc-12 --version 2>/dev/null | head -n1 ;;
	clang)	clang-19 --version 2>/dev/null | head -n1 ;;
	esac
}
tree_ok() { # dir toolchain -> prepared by this toolchain as installed now?
	[ "$kind" = system ] && return 0
	[ -f "$1/.semctl-tree" ] &&
		[ "$(sed -n 's/^cc=//p' "$1/.semctl-tree")" = "$(cc_now "$2")" ]
}
linked() { # is .cache/kernels/<series> linked to this exact entry?
	[ -f "$kdir/.complete" ] && [ "$(cat "$kdir/entry" 2>/dev/null)" = "$entry" ] &&
		[ "$(cat "$kdir/kver")" = "$kver" ] && [ "$(cat "$kdir/version")" = "$ver" ] &&
		[ -f "$entry/.complete" ] && [ -f "$kdir/vmlinuz" ] && [ -d "$kdir/headers/" ] &&
		tree_ok "$kdir/headers" gcc &&
		{ [ "$clang" = 0 ] || { [ -f "$entry/.complete-clang" ] && tree_ok "$kdir/headers-clang" clang; }; }
}
if linked; then
	exit 0
fi
log "resolved $kver (version $ver) -> $entry"

# ----------------------------------------------------------- shared entry
mkdir -p "$shared/.locks"
exec 9>"$shared/.locks/$key"
flock 9

mirror=$("$here/apt-suites.sh" --mirror)

# download pkg=version into $1: apt-get download (the sha256 in the signed
# index is checked) when the index has that version, else straight from the
# mirror's pool (NOT hash-verified: Debian drops a backport's older versions
# from the index, the pool keeps the files). Records which in $1/SOURCES.
download() {
	local d=$1 pv=$2 pkg=${2%%=*} v=${2#*=} f how url src arch
	f=$(ls "$d/${pkg}_${v//:/%3a}_"*.deb 2>/dev/null | head -n1 || true)
	if [ -n "$f" ]; then
		echo "$f"
		return
	fi
	# (apt-cache show exits 0, printing nothing, for a name only known
	# from another package's Depends.)
	if "${aptenv[@]}" apt-cache show "$pv" 2>/dev/null | grep -x "Version: $v" >/dev/null; then
		log "downloading $pv (apt, hash-verified)"
		(cd "$d" && "${aptenv[@]}" apt-get download -q -o APT::Sandbox::User=root "$pv" >&2) ||
			die "apt-get download $pv failed"
		f=$(ls "$d/${pkg}_${v//:/%3a}_"*.deb | head -n1)
		how="apt-get download (sha256 from the signed index)"
	else
		for src in linux linux-signed-amd64; do
			for arch in amd64 all; do
				url=$mirror/pool/main/${src:0:1}/$src/${pkg}_${v#*:}_$arch.deb
				f=$d/${pkg}_${v//:/%3a}_$arch.deb
				if curl -fsSL --retry 3 -o "$f.part" "$url" 2>/dev/null; then
					break 2
				fi
				rm -f "$f.part"
				f=
			done
		done
		[ -n "$f" ] || die "$pv is neither in the index nor in $mirror/pool/main/l/{linux,linux-signed-amd64}/"
		log "downloaded $pv from the pool (not in the index: NOT hash-verified)"
		dpkg-deb --info "$f.part" >/dev/null 2>&1 || { rm -f "$f.part"; die "$url is not a valid .deb"; }
		mv "$f.part" "$f"
		how="pool $url (not in the index: NOT hash-verified)"
	fi
	dpkg-deb --info "$f" >/dev/null 2>&1 || { rm -f "$f"; die "$f is not a valid .deb"; }
	[ "$(dpkg-deb -f "$f" Package)" = "$pkg" ] && [ "$(dpkg-deb -f "$f" Version)" = "$v" ] ||
		{ rm -f "$f"; die "$f is not $pv"; }
	echo "$(basename "$f") $(sha256sum "$f" | cut -d' ' -f1) $how" >> "$d/SOURCES"
	echo "$f"
}

# prepare toolchain base: base/kdir (gcc) or base/kdir-clang from the
# linux-source and linux-headers .debs in base/debs.
prepare() {
	local tc=$1 b=$2 out t ref
	t=$(now)
	out=$b/kdir
	[ "$tc" = clang ] && out=$b/kdir-clang
	ref=$(find "$b/root/lib/modules/$kver/kernel/fs" -name 'overlay.ko*' | head -n1)
	if ! "$here/prepare-tree.sh" --source "$(ls "$b"/debs/linux-source-*_all.deb | head -n1)" \
		--headers "$(ls "$b/debs/linux-headers-${kver}_"*.deb | head -n1)" --kver "$kver" \
		${ref:+--ref "$ref"} --toolchain "$tc" --out "$out" 2>&1 |
		tee "$b/logs/prepare-$tc.log" >&2; then
		die "preparing the $tc KDIR failed (log above; $b/logs/prepare-$tc.log)"
	fi
	echo "prepare-$tc $(( $(now) - t ))s" >> "$b/logs/timings"
}

if [ ! -f "$entry/.complete" ]; then
	t0=$(now)
	rm -rf "$entry"
	# Partial state from an interrupted run: keep only whole downloads.
	part=$shared/$key.partial
	mkdir -p "$part/debs"
	find "$part" -mindepth 1 -maxdepth 1 ! -name debs -exec rm -rf {} +
	rm -f "$part"/debs/*.part
	debfiles=()
	for pv in "${pkgs[@]}"; do
		debfiles+=("$(download "$part/debs" "$pv")")
	done
	t_dl=$(( $(now) - t0 ))
	mb=$(du -cm "${debfiles[@]}" | tail -n1 | cut -f1)
	log "downloads: ${#debfiles[@]} .debs, $mb MB, $t_dl s"
	mkdir -p "$part/logs"
	echo "download ${t_dl}s ${mb}MB" > "$part/logs/timings"

	t=$(now)
	img_debs=()
	for f in "${debfiles[@]}"; do
		case $(basename "$f") in
		linux-image-*|linux-base-*|linux-binary-*|linux-modules-*) img_debs+=("$f") ;;
		esac
	done
	log "unpacking the image"
	for f in "${img_debs[@]}"; do
		dpkg -x "$f" "$part/root"
	done
	r=$part/root
	# Debian 13+ ships /usr/lib/modules and no /boot: give root/ the
	# lib/modules/<kver> path the rest of tools/vm reads.
	if [ ! -e "$r/lib" ] && [ -d "$r/usr/lib/modules/$kver" ]; then
		ln -s usr/lib "$r/lib"
	fi
	[ -d "$r/lib/modules/$kver/kernel" ] || die "no lib/modules/$kver/kernel in ${img_debs[*]}"
	depmod -b "$r" "$kver"
	[ -s "$r/lib/modules/$kver/modules.dep" ] || die "depmod produced no modules.dep"
	if [ -f "$r/boot/vmlinuz-$kver" ]; then
		cp "$r/boot/vmlinuz-$kver" "$part/vmlinuz"
	elif [ -f "$r/lib/modules/$kver/vmlinuz" ]; then
		cp "$r/lib/modules/$kver/vmlinuz" "$part/vmlinuz"
	else
		die "no vmlinuz in ${img_debs[*]}"
	fi
	echo "unpack $(( $(now) - t ))s" >> "$part/logs/timings"

	hdr_of() { # package name prefix -> its .deb
		local f
		for f in "${debfiles[@]}"; do
			case $(basename "$f") in "$1"_*) echo "$f"; return ;; esac
		done
	}
	if [ "$kind" = system ]; then
		log "unpacking headers"
		h=$part/headers.d
		for f in "$(hdr_of "linux-headers-$kver")" "$(hdr_of "$common")" "$(hdr_of "$kbuild")"; do
			dpkg -x "$f" "$h"
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
		# The arch Makefile includes the common tree by absolute path: point
		# it at where the entry will be once complete.
		final_com=$entry/headers.d/usr/src/linux-headers-${kver%-amd64}-common
		sed -i "s|/usr/src/linux-headers-${kver%-amd64}-common|$final_com|g" "$arch/Makefile"
		# scripts and tools are symlinks into /usr/lib/linux-kbuild-*:
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
		ln -s "headers.d/usr/src/linux-headers-$kver" "$part/headers"
	else
		prepare gcc "$part"
		ln -s kdir "$part/headers"
	fi
	echo "$kver" > "$part/kver"
	echo "$ver" > "$part/version"
	touch "$part/.complete"
	mv "$part" "$entry"
	log "shared entry ready in $(( $(now) - t0 )) s: $entry ($(du -sh "$entry" | cut -f1))"
fi

if ! tree_ok "$entry/kdir" gcc; then
	log "gcc-12 is not the one $entry/kdir was prepared with: preparing it again"
	prepare gcc "$entry"
fi
if [ "$clang" = 1 ]; then
	if [ ! -f "$entry/.complete-clang" ] || ! tree_ok "$entry/kdir-clang" clang; then
		rm -f "$entry/.complete-clang"
		prepare clang "$entry"
		touch "$entry/.complete-clang"
	fi
fi

# Link this clone's .cache/kernels/<series> to the entry (a fresh directory,
# swapped in: the old initramfs belongs to the old kernel).
new=$kdir.new.$$
rm -rf "$new"
mkdir -p "$new"
echo "$kver" > "$new/kver"
echo "$ver" > "$new/version"
echo "$entry" > "$new/entry"
ln -s "$entry/vmlinuz" "$new/vmlinuz"
ln -s "$entry/root" "$new/root"
ln -s "$(readlink -f "$entry/headers")" "$new/headers"
[ -f "$entry/.complete-clang" ] && ln -s "$entry/kdir-clang" "$new/headers-clang"
touch "$new/.complete"
old=$kdir.old.$$
[ -e "$kdir" ] && mv "$kdir" "$old"
mv "$new" "$kdir"
rm -rf "$old"
log "done: $kver, KDIR=$kdir/headers"
