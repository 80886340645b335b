#!/bin/bash
# Prepare a KDIR for external module builds from Debian's linux-source-X.Y,
# for a Debian kernel whose packaged headers cannot be used on this host
# (Debian 12): linux-kbuild-X.Y's binaries need glibc >= 2.38, the headers
# name gcc-14/gcc-16 and pass pahole options bookworm's pahole lacks.
#
#   tools/vm/prepare-tree.sh --source linux-source-X.Y_V_all.deb \
#       --headers linux-headers-KVER_V_amd64.deb --kver KVER \
#       [--ref MODULE.ko[.xz]] [--toolchain gcc|clang] --out DIR
#
# Steps: unpack the source (a tar inside the .deb), take Debian's .config
# from the headers package, `make olddefconfig` and `make modules_prepare`
# in a separate O= tree with this host's compiler, with LOCALVERSION set so
# that the kernel release is exactly KVER; copy Debian's Module.symvers;
# then scripts/package/install-extmod-build (the script Debian's own
# headers package is made with, kernels >= 6.7) copies what an external
# module build needs into DIR (~70 MB instead of ~1.8 GB) and the rest is
# deleted. A hello-world module is built against DIR with W=1 as a
# self-test (no warning allowed) and, with --ref, its vermagic must equal
# that Debian module's.
#
# Toolchains (DIR remembers its own through DIR/.kernelvariables, which
# Debian's top Makefile includes):
#   gcc    CC=gcc-12 HOSTCC=gcc-12; `make -C DIR M=...` needs no variable
#          (CC=gcc-12 may be given; any other CC makes Kbuild warn that
#          the compiler differs). LLVM=... is refused with a message.
#   clang  LLVM=-19 (clang-19, ld.lld-19, llvm-*-19 of bookworm): builds
#          against DIR must pass LLVM=-19 (refused without it).
#
# DIR is written as DIR.tmp.* and renamed at the end: it exists only when
# complete. The full source and the O= tree (~1.8 GB, deleted at the end)
# go to a scratch directory in ${SEMCTL_PREPARE_TMP:-/dev/shm} when that is
# a tmpfs with 4 GB free, else next to DIR: on a busy virtual disk,
# writing and deleting 80,000 files costs minutes, in RAM seconds.
# Timings go to stderr.
set -euo pipefail

src_deb='' hdr_deb='' kver='' ref='' out='' toolchain=gcc
while [ $# -gt 0 ]; do
	case $1 in
	--source)	src_deb=$2; shift 2 ;;
	--headers)	hdr_deb=$2; shift 2 ;;
	--kver)		kver=$2; shift 2 ;;
	--ref)		ref=$2; shift 2 ;;
	--out)		out=$2; shift 2 ;;
	--toolchain)	toolchain=$2; shift 2 ;;
	*)		echo "prepare-tree: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ -n "$src_deb" ] && [ -n "$hdr_deb" ] && [ -n "$kver" ] && [ -n "$out" ] || {
	sed -n '8,11p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

log() { echo "prepare-tree[$kver/$toolchain]: $*" >&2; }
die() { log "error: $*"; exit 1; }

case $toolchain in
gcc)	tc=(CC=gcc-12 HOSTCC=gcc-12)
	need=(gcc-12)
	kvars='# Written by tools/vm/prepare-tree.sh: this tree was prepared with
# gcc-12 (CC=gcc-12 HOSTCC=gcc-12). Included by the top Makefile after its
# own CC assignment, so a plain `make -C <this dir> M=...` uses gcc-12 too;
# CC=... on the command line still wins.
ifneq ($(LLVM),)
$(error this tree was prepared with gcc-12; clang builds need the tree prepared with clang (fetch-kernel.sh --clang: headers-clang))
endif
CC = gcc-12
HOSTCC = gcc-12'
	;;
clang)	tc=(LLVM=-19)
	need=(clang-19 ld.lld-19 llvm-ar-19 llvm-nm-19 llvm-objcopy-19 llvm-strip-19)
	kvars='# Written by tools/vm/prepare-tree.sh: this tree was prepared with
# LLVM=-19 (clang-19 and the LLVM 19 tools); build against it with LLVM=-19.
ifneq ($(LLVM),-19)
$(error this tree was prepared with LLVM=-19 (clang-19): pass LLVM=-19)
endif'
	;;
*)	die "--toolchain must be gcc or clang" ;;
esac
for t in "${need[@]}" make flex bison bc; do
	command -v "$t" >/dev/null || die "$t missing (bookworm: gcc-12 clang-19 lld-19 llvm-19 flex bison bc libelf-dev libssl-dev)"
done
for f in "$src_deb" "$hdr_deb"; do
	[ -f "$f" ] || die "$f not found"
done

now() { date +%s; }
t_all=$(now)
out=$(realpath -m "$out")
kd=$out.tmp.$$
rm -rf "$kd"
mkdir -p "$(dirname "$out")"
scratch=${SEMCTL_PREPARE_TMP:-/dev/shm}
if [ -z "${SEMCTL_PREPARE_TMP:-}" ] &&
   { [ "$(stat -f -c %T "$scratch" 2>/dev/null)" != tmpfs ] ||
     [ "$(df -Pk "$scratch" | awk 'NR == 2 { print $4 }')" -lt 4000000 ]; }; then
	scratch=$(dirname "$out")
fi
# Leftovers of killed runs (their pid is gone).
for d in "$scratch"/semctl-prepare.*; do
	[ -d "$d" ] || continue
	p=${d##*.}
	kill -0 "$p" 2>/dev/null || rm -rf "$d"
done
work=$scratch/semctl-prepare.$$
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work" "$kd"' EXIT
jobs=$(nproc)
log "scratch directory $work"

# 1. The source: linux-source-X.Y.tar.{xz,zst,bz2} inside the .deb.
t=$(now)
member=$(dpkg-deb -c "$src_deb" | awk '{ print $NF }' |
	grep -E '^\./usr/src/linux-source-[^/]*\.tar\.(xz|zst|bz2|gz)$' | head -n1)
[ -n "$member" ] || die "no usr/src/linux-source-*.tar.* in $src_deb"
case $member in
*.xz)	z=--xz ;; *.zst) z=--zstd ;; *.bz2) z=--bzip2 ;; *.gz) z=--gzip ;;
esac
mkdir -p "$work/src"
dpkg-deb --fsys-tarfile "$src_deb" | tar -xO "$member" |
	tar -x $z -C "$work/src" --strip-components=1 ||
	die "cannot unpack $member from $src_deb"
src=$work/src
[ -f "$src/Makefile" ] && [ -x "$src/scripts/package/install-extmod-build" ] ||
	die "$member has no Makefile or scripts/package/install-extmod-build (kernel < 6.7?)"
grep -q 'include $(objtree)/.kernelvariables' "$src/Makefile" ||
	die "the top Makefile of $member does not include \$(objtree)/.kernelvariables (not Debian's patched source?)"
log "source unpacked ($(du -sh "$src" | cut -f1)) in $(( $(now) - t )) s"

# 2. Debian's .config and Module.symvers from the headers package.
mkdir -p "$work/hdr"
dpkg -x "$hdr_deb" "$work/hdr"
hdir=$work/hdr/usr/src/linux-headers-$kver
[ -f "$hdir/.config" ] && [ -f "$hdir/Module.symvers" ] ||
	die "$hdr_deb has no usr/src/linux-headers-$kver/{.config,Module.symvers}"

upstream=$(make -s -C "$src" kernelversion)
case $kver in
"$upstream"[+-]*) localversion=${kver#"$upstream"} ;;
*) die "kernel release $kver does not start with the source's version $upstream" ;;
esac

# 3. Configure and prepare in an O= tree (keeps the source clean so that
#    install-extmod-build can tell source from output files).
t=$(now)
obj=$work/obj
mkdir -p "$obj"
cp "$hdir/.config" "$obj/.config"
# Rust off whatever this host has: Debian builds its Rust drivers with
# rustc/bindgen versions of its own; with a rustc in PATH, Kconfig would
# keep RUST=y here and modules_prepare would try to build rust/.
"$src/scripts/config" --file "$obj/.config" -d RUST
printf '%s\n' "$kvars" > "$obj/.kernelvariables"
mk() { make -s -C "$src" O="$obj" "${tc[@]}" LOCALVERSION="$localversion" "$@"; }
mk olddefconfig >"$work/olddefconfig.log" 2>&1 ||
	{ cat "$work/olddefconfig.log" >&2; die "make olddefconfig failed"; }
# What the host compiler changed in Debian's configuration (compiler
# capability symbols mostly): kept next to the tree for reference.
diff <(grep '^CONFIG_' "$hdir/.config" | sort) <(grep '^CONFIG_' "$obj/.config" | sort) \
	> "$work/config.diff" || true
log "olddefconfig: $(grep -c '^[<>]' "$work/config.diff") changed lines vs Debian's .config (kept in .config.diff)"
mk -j"$jobs" modules_prepare >"$work/prepare.log" 2>&1 ||
	{ tail -n 40 "$work/prepare.log" >&2; die "make modules_prepare failed"; }
rel=$(cat "$obj/include/config/kernel.release")
[ "$rel" = "$kver" ] || die "prepared kernel release is $rel, want $kver"
cp "$hdir/Module.symvers" "$obj/Module.symvers"
log "olddefconfig + modules_prepare ($toolchain) in $(( $(now) - t )) s"

# 4. The pruned KDIR.
t=$(now)
mk run-command KBUILD_RUN_COMMAND="\$(srctree)/scripts/package/install-extmod-build $kd" \
	>"$work/install.log" 2>&1 ||
	{ cat "$work/install.log" >&2; die "install-extmod-build failed"; }
cp "$obj/.config" "$kd/.config"
cp "$obj/.kernelvariables" "$kd/.kernelvariables"
cp "$work/config.diff" "$kd/.config.diff"
cp "$hdir/.config" "$kd/.config.debian"
{
	echo "kver=$kver"
	echo "toolchain=$toolchain ${tc[*]}"
	echo "source=$(basename "$src_deb")"
	echo "headers=$(basename "$hdr_deb")"
	echo "cc=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\(.*\)"$/\1/p' "$kd/.config")"
} > "$kd/.semctl-tree"
log "pruned KDIR $(du -sh "$kd" | cut -f1) in $(( $(now) - t )) s"
rm -rf "$src" "$obj" "$work/hdr"

# 5. Self-test: a hello-world module, W=1, no warning; vermagic as Debian's.
t=$(now)
h=$work/hello
mkdir -p "$h"
cat > "$h/hello.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0
#include <linux/init.h>
#include <linux/module.h>

static int __init hello_init(void)
{
	pr_info("hello: loaded\n");
	return 0;
}

static void __exit hello_exit(void)
{
	pr_info("hello: unloaded\n");
}

module_init(hello_init);
module_exit(hello_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("prepare-tree.sh self-test");
EOF
echo 'obj-m := hello.o' > "$h/Kbuild"
extra=()
[ "$toolchain" = clang ] && extra=(LLVM=-19)
make -C "$kd" M="$h" W=1 "${extra[@]}" modules >"$h/build.log" 2>&1 ||
	{ cat "$h/build.log" >&2; die "self-test module build failed"; }
if grep -E 'warning:|[Ww]arning: ' "$h/build.log" | grep -v 'Skipping BTF generation' >&2; then
	die "self-test module build warned (see above)"
fi
vm=$(modinfo -F vermagic "$h/hello.ko")
if [ -n "$ref" ]; then
	rvm=$(modinfo -F vermagic "$ref")
	[ "$vm" = "$rvm" ] || die "vermagic '$vm' differs from Debian's '$rvm' ($(basename "$ref"))"
fi
same=
[ -n "$ref" ] && same=" (the same as $(basename "$ref"))"
log "self-test: hello.ko builds with W=1, vermagic '$vm'$same in $(( $(now) - t )) s"

rm -rf "$out"
mv "$kd" "$out"
log "done in $(( $(now) - t_all )) s: $out"
