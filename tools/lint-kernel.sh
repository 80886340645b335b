#!/bin/bash
# Build semctl.ko against kernel trees with a checker, failing on anything
# it reports (see tools/LINT.md):
#
#   tools/lint-kernel.sh [--sparse|--clang] [--src DIR] KDIR...
#
#   --sparse (default)  make C=2 CHECK=<tools/sparse.sh's sparse> W=1: every
#                       compiled .c goes through sparse; fails on any sparse
#                       output, on any compiler warning, on Kbuild's "sparse
#                       is not available or not up to date" (7.x: it then
#                       skips the check and succeeds), and unless sparse ran
#                       on every .c that was compiled.
#   --clang             clang-19/ld.lld-19 W=1 against a gcc-configured tree
#                       (see "clang" below); fails on any warning and unless
#                       every object (and the .ko) was produced by clang.
#   --src DIR           lint DIR (copied whole; it has its own Kbuild) instead
#                       of this tree's Kbuild, module/ and uapi/ (e.g. a
#                       hello-world module, to try a kernel the module does
#                       not build on yet).
#
# Each KDIR gets a private copy of the sources (like tools/vm/build-module.sh:
# tracked and untracked files git does not ignore) in a scratch directory,
# removed on success and kept (path printed) on failure. All KDIRs are tried;
# the exit status is 1 if any failed.
#
# clang: Debian's headers set CC = gcc-12 in .kernelvariables, which the
# Makefile includes after its LLVM block, so LLVM=1 alone silently builds
# with gcc; CC= on the command line wins. And the tree's .config says
# CONFIG_CC_IS_GCC=y: its Makefiles then add gcc-only flags clang rejects
# (-fconserve-stack, -mrecord-mcount, -Wimplicit-fallthrough=5, ...), and
# once those are in KBUILD_CFLAGS every later $(call cc-option) test fails
# under clang, silently dropping flags. The Debian headers carry no Kconfig
# files, so the tree cannot be reconfigured for clang. Instead the compiler
# identity symbols of the config are overridden on make's command line (make
# variables given there beat include/config/auto.conf), so the kernel's own
# Makefiles pick their clang flags, as in a tree configured with clang:
#   CONFIG_CC_IS_GCC= CONFIG_GCC_VERSION=0 CONFIG_CC_IS_CLANG=y
#   CONFIG_CLANG_VERSION=<clang-19's> CONFIG_CC_VERSION_TEXT=<clang-19's>
#   CONFIG_LD_IS_BFD= CONFIG_LD_IS_LLD=y CONFIG_LLD_VERSION=<...>
#   CONFIG_AS_IS_GNU= CONFIG_AS_IS_LLVM=y CONFIG_AS_VERSION=<...>
#   CONFIG_CC_IMPLICIT_FALLTHROUGH=-Wimplicit-fallthrough
#   if CONFIG_FTRACE_MCOUNT_USE_CC=y: that empty, CONFIG_FTRACE_MCOUNT_USE_OBJTOOL=y
#   if CONFIG_UBSAN_BOUNDS_STRICT=y (gcc's -fsanitize=bounds-strict, e.g. the
#   debug kernel): that empty, CONFIG_UBSAN_ARRAY_BOUNDS=y (clang's choice)
# The C side (include/generated/autoconf.h) stays gcc's. One consequence:
# CONFIG_USE_X86_SEG_SUPPORT (named address spaces, gcc-only in Kconfig) makes
# 6.12's asm/current.h and asm/processor.h spell __seg_gs twice for clang, so
# with it KCFLAGS=-Wno-duplicate-decl-specifier (gcc's -Wall, in the sparse
# mode and tools/vm/build-module.sh, still has that warning). The .ko built
# here is a lint product: do not load it.
#
# Installs from bookworm (system apt), only when missing:
#   --clang:  clang-19 lld-19 llvm-19 (llvm-objcopy-19 etc.: LLVM=-19 uses
#             them, e.g. for BTF)
#   --sparse: what tools/sparse.sh installs (gcc make libc6-dev dpkg-dev)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)

usage() { echo "usage: lint-kernel.sh [--sparse|--clang] [--src DIR] KDIR..." >&2; exit 2; }
log() { echo "lint-kernel[$mode]: $*" >&2; }
die() { log "error: $*"; exit 1; }

mode=sparse
srcdir=
kdirs=()
while [ $# -gt 0 ]; do
	case $1 in
	--sparse) mode=sparse ;;
	--clang) mode=clang ;;
	--src) [ $# -ge 2 ] || usage; srcdir=$(cd "$2" && pwd); shift ;;
	-h|--help) sed -n '2,22p' "$0" >&2; exit 0 ;;
	-*) usage ;;
	*) kdirs+=("$1") ;;
	esac
	shift
done
[ ${#kdirs[@]} -gt 0 ] || usage


if [ $mode = sparse ]; then
	sparse=$("$top/tools/sparse.sh") || die "tools/sparse.sh could not provide a working sparse"
	log "using $sparse ($("$sparse" --version))"
else
	"$top/tools/deps.sh" clang-19 lld-19 llvm-19 || die "missing clang-19"
	cc_text=$(LC_ALL=C clang-19 --version | head -n1)
	cc_ver=$(clang-19 -dM -E -x c /dev/null | awk '
		/ __clang_major__ /{a=$3} / __clang_minor__ /{b=$3} / __clang_patchlevel__ /{c=$3}
		END {printf "%d%02d%02d", a, b, c}')
	lld_ver=$(ld.lld-19 --version | sed -n 's/.*LLD \([0-9]*\)\.\([0-9]*\)\.\([0-9]*\).*/\1 \2 \3/p' |
		awk '{printf "%d%02d%02d", $1, $2, $3}')
	if [ "$cc_ver" -le 0 ] || [ -z "$lld_ver" ]; then
		die "cannot read the versions of clang-19/ld.lld-19"
	fi
	log "using $cc_text, LLD $lld_ver"
fi

# copy_sources DEST: what the module build needs, nothing generated.
copy_sources() {
	local dest=$1
	mkdir -p "$dest"
	if [ -n "$srcdir" ]; then
		cp -a "$srcdir/." "$dest/"
	elif git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
		(cd "$top" && git ls-files -co --exclude-standard -z -- Kbuild module uapi |
			xargs -0 cp --parents -t "$dest")
	else
		(cd "$top" && cp -a --parents Kbuild module uapi "$dest/")
		rm -f "$dest/module/compat-probes.h"
	fi
}

# compiled_c SRC: every .c under SRC that has an object of the same stem
# (what Kbuild compiled; multi-object modules' link objects have no .c).
compiled_c() {
	find "$1" -name '*.o' ! -name '*.mod.o' ! -name '.*' -print | while read -r o; do
		[ -f "${o%.o}.c" ] && echo "${o%.o}.c"
	done | sort
}

# warnings LOG: the compiler's/Kbuild's warning and error lines.
warnings() {
	grep -E '(^|[^A-Za-z])(warning|error)[: ]|WARNING:|ERROR:' "$1" || true
}

lint_one() { # KDIR -> 0 ok, 1 failed
	local kdir=$1 kver scratch src rec logf rc problems=() o c n
	kdir=$(cd "$kdir" 2>/dev/null && pwd) || { log "$1: no such directory"; return 1; }
	if [ ! -f "$kdir/Makefile" ] || [ ! -f "$kdir/.config" ]; then
		log "$kdir: not a prepared kernel tree (no Makefile or .config)"
		return 1
	fi
	kver=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' \
		"$kdir/include/generated/utsrelease.h" 2>/dev/null || true)
	scratch=$(mktemp -d "${TMPDIR:-/tmp}/semctl-lint-$mode.XXXXXX")
	scratch=$(cd "$scratch" && pwd -P)
	src=$scratch/src
	rec=$scratch/runs
	logf=$scratch/make.log
	mkdir -p "$rec"
	copy_sources "$src"

	local -a mk=(make -C "$kdir" M="$src" W=1 -j"$(nproc)")
	if [ $mode = sparse ]; then
		# CHECK: record each run (the file checked and sparse's output),
		# then pass sparse's output and status on.
		cat > "$scratch/sparse" <<-EOF
		#!/bin/bash
		n=\$(mktemp $(printf %q "$rec")/run.XXXXXX)
		readlink -f -- "\${@: -1}" > "\$n.file"
		out=\$($(printf %q "$sparse") "\$@" 2>&1)
		rc=\$?
		printf '%s' "\$out" > "\$n.out"
		echo \$rc > "\$n.rc"
		[ -z "\$out" ] || printf '%s\n' "\$out" >&2
		exit \$rc
		EOF
		chmod +x "$scratch/sparse"
		mk+=(C=2 CHECK="$scratch/sparse")
	else
		mk+=(LLVM=-19 CC=clang-19 LD=ld.lld-19)
		if ! grep -q '^CONFIG_CC_IS_CLANG=y' "$kdir/.config"; then
			mk+=(CONFIG_CC_IS_GCC= CONFIG_GCC_VERSION=0
				CONFIG_CC_IS_CLANG=y CONFIG_CLANG_VERSION="$cc_ver"
				CONFIG_CC_VERSION_TEXT="$cc_text"
				CONFIG_LD_IS_BFD= CONFIG_LD_IS_LLD=y CONFIG_LLD_VERSION="$lld_ver"
				CONFIG_AS_IS_GNU= CONFIG_AS_IS_LLVM=y CONFIG_AS_VERSION="$cc_ver"
				CONFIG_CC_IMPLICIT_FALLTHROUGH=-Wimplicit-fallthrough)
			if grep -q '^CONFIG_FTRACE_MCOUNT_USE_CC=y' "$kdir/.config"; then
				mk+=(CONFIG_FTRACE_MCOUNT_USE_CC= CONFIG_FTRACE_MCOUNT_USE_OBJTOOL=y)
			fi
			if grep -q '^CONFIG_UBSAN_BOUNDS_STRICT=y' "$kdir/.config"; then
				mk+=(CONFIG_UBSAN_BOUNDS_STRICT= CONFIG_UBSAN_ARRAY_BOUNDS=y)
			fi
			if grep -q '^CONFIG_USE_X86_SEG_SUPPORT=y' "$kdir/.config"; then
				mk+=(KCFLAGS=-Wno-duplicate-decl-specifier)
			fi
		fi
	fi
	mk+=(modules)
	printf '%q ' "${mk[@]}" > "$scratch/make.cmd"
	echo >> "$scratch/make.cmd"

	set +e
	"${mk[@]}" > "$logf" 2>&1
	rc=$?
	set -e
	[ $rc = 0 ] || problems+=("make exited $rc")
	n=$(warnings "$logf" | wc -l)
	[ "$n" = 0 ] || problems+=("$n warning/error line(s) in make's output")
	[ -n "$(find "$src" -name '*.ko' -print -quit)" ] || problems+=("no .ko was produced")

	mapfile -t cfiles < <(compiled_c "$src")
	[ ${#cfiles[@]} -gt 0 ] || problems+=("no C file was compiled")

	local checked=0
	if [ $mode = sparse ]; then
		if grep -q 'is not available or not up to date' "$logf"; then
			problems+=("Kbuild found sparse not available or not up to date (and skipped it)")
		fi
		for c in "${cfiles[@]}"; do
			if grep -qxF "$c" "$rec"/*.file 2>/dev/null; then
				checked=$((checked + 1))
			else
				problems+=("sparse did not run on ${c#"$src"/}")
			fi
		done
		for f in "$rec"/*.file; do
			[ -e "$f" ] || continue
			n=${f%.file}
			case $(cat "$f") in "$src"/*) ;; *) continue ;; esac
			if [ -s "$n.out" ] || [ "$(cat "$n.rc")" != 0 ]; then
				problems+=("sparse on $(sed "s|^$src/||" "$f"): exit $(cat "$n.rc"), $(grep -c . "$n.out" || true) line(s) of output")
			fi
		done
	else
		# Every compiled object, the link products and the .ko: clang's.
		for o in "${cfiles[@]/%.c/.o}" $(find "$src" -name '*.mod.o' -o -name '*.ko'); do
			c=$(readelf -p .comment "$o" 2>/dev/null || true)
			if [[ $c != *"clang version"* ]] || [[ $c == *"GCC:"* ]]; then
				problems+=("${o#"$src"/} was not compiled by clang: .comment says $(echo "$c" |
					sed -n 's/^ *\[ *[0-9]*\] *//p' | tr '\n' ';')")
			fi
		done
		for c in "${cfiles[@]}"; do
			o=$(dirname "$c")/.$(basename "${c%.c}").o.cmd
			if [ -f "$o" ] && [ "$(sed -n '1s/^[^=]*:= *\([^ ]*\).*/\1/p' "$o")" = clang-19 ]; then
				checked=$((checked + 1))
			else
				problems+=("${c#"$src"/}: its .cmd does not show clang-19 as the compiler")
			fi
		done
	fi

	if [ ${#problems[@]} = 0 ]; then
		log "ok: $kdir ($kver): $checked C file(s) $([ $mode = sparse ] && echo "checked by sparse" || echo "compiled by clang-19"), no warnings"
		rm -rf "$scratch"
		return 0
	fi
	warnings "$logf" | sed "s|$src/||g" >&2
	log "FAIL: $kdir ($kver):"
	for p in "${problems[@]}"; do
		echo "  - $p" >&2
	done
	log "make command: $scratch/make.cmd, log: $logf (scratch kept: $scratch)"
	return 1
}

fail=0
for k in "${kdirs[@]}"; do
	lint_one "$k" || fail=1
done
exit $fail
