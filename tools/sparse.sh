#!/bin/bash
# Print the path of a sparse binary built here, with bookworm's gcc, from
# the newest Debian *source* package of sparse in trixie/sid (seen through
# the private apt state of tools/vm/apt-suites.sh; nothing from those suites
# is installed). Build it first if it is not cached yet.
#
#   tools/sparse.sh            -> .cache/sparse/<source version>/bin/sparse
#
# Why: bookworm's sparse 0.6.4 cannot parse __typeof_unqual__ (7.x kernel
# headers; Kbuild then says "C=2 specified, but sparse is not available or
# not up to date" and silently skips the check), and sid's binary .deb
# needs a newer glibc than bookworm's. Its source builds and runs here.
#
# Cache: ${SEMCTL_CACHE:-<top>/.cache}/sparse/<exact Debian source version>/
#   source/      the .dsc, .orig.tar.* and .debian.tar.* apt-get fetched
#   bin/sparse   the binary (plain `make sparse`, Debian's patches applied)
#   build.log    dpkg-source and make output
#   BUILDINFO    versions, flags, checksums
#   .complete    written last: a directory without it is not used
# Builds happen in <version>.tmp.<pid> and are renamed into place under a
# lock, so concurrent callers never see a half-built tree.
#
# Every call (cached or not) checks the binary: `sparse --version` must
# work, it must parse `__typeof_unqual__(x) y;` (and drop the qualifiers),
# and it must still report a plain sparse warning. Any failure is fatal.
#
# If the apt state cannot be updated (offline), the newest complete cached
# build is used, with a warning.
#
# Installs from bookworm (the system apt), only when missing and only what
# `make sparse` needs (no sqlite/libxml/gtk/llvm: those are for the other
# programs of the source package, not built here):
#   gcc make libc6-dev   the build
#   dpkg-dev             dpkg-source (unpack + Debian patches), dpkg-buildflags
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${SEMCTL_CACHE:-$top/.cache}
base=$cache/sparse

log() { echo "sparse.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

# check BIN: fail (return 1, reasons on stderr) unless BIN is a usable sparse.
check() {
	local bin=$1 t out rc
	[ -x "$bin" ] || { log "$bin: not an executable"; return 1; }
	out=$("$bin" --version 2>&1) || { log "$bin --version failed: $out"; return 1; }
	[ -n "$out" ] || { log "$bin --version printed nothing"; return 1; }
	t=$(mktemp -d)
	# What 7.x's scripts/checker-valid.sh probes, plus: the qualifier really
	# goes (assigning to a const would be an error), and a file-scope use.
	cat > "$t/unqual.c" <<-'EOF'
	static inline int u(const int *q)
	{
		__typeof_unqual__(q) v = q;
		return *v;
	}
	static const int x = 1;
	static __typeof_unqual__(x) y;
	int f(void);
	int f(void)
	{
		y = 2;
		return u(&x) + y;
	}
	EOF
	set +e
	out=$("$bin" "$t/unqual.c" 2>&1)
	rc=$?
	set -e
	if [ $rc != 0 ] || [ -n "$out" ]; then
		log "$bin does not parse __typeof_unqual__ (exit $rc): $out"
		rm -rf "$t"
		return 1
	fi
	# A lint that prints nothing must mean "nothing found": make sure this
	# binary does report an address-space mismatch.
	cat > "$t/warn.c" <<-'EOF'
	#define __user __attribute__((noderef, address_space(__user)))
	int g(int __user *p);
	int g(int __user *p)
	{
		return *p;
	}
	EOF
	out=$("$bin" "$t/warn.c" 2>&1 || true)
	rm -rf "$t"
	case $out in
	*"warning: dereference of noderef expression"*) ;;
	*)	log "$bin does not report a noderef dereference (got: ${out:-nothing})"
		return 1 ;;
	esac
	return 0
}

# newest VERSION... (Debian ordering)
newest() {
	local best='' v
	for v in "$@"; do
		if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$best"; then
			best=$v
		fi
	done
	echo "$best"
}


mkdir -p "$base"
exec 9>"$base/.lock"
flock 9

# The newest source version trixie/trixie-backports/sid know about.
ver=
if conf=$("$top/tools/vm/apt-suites.sh"); then
	mapfile -t vers < <(APT_CONFIG=$conf apt-cache showsrc sparse 2>/dev/null |
		awk '/^Package: /{p=$2} /^Version: /{if (p=="sparse") print $2}')
	ver=$(newest "${vers[@]}")
	[ -n "$ver" ] || log "warning: apt-cache showsrc sparse found no source package"
else
	log "warning: the private apt state (tools/vm/apt-suites.sh) is unusable"
fi
if [ -z "$ver" ]; then
	cached=()
	for d in "$base"/*/; do
		d=${d%/}
		[ -f "$d/.complete" ] && cached+=("$(basename "$d")")
	done
	[ ${#cached[@]} -gt 0 ] || die "no sparse source version known and nothing cached in $base"
	ver=$(newest "${cached[@]}")
	log "warning: using the newest cached build, $ver, which may not be the newest source"
fi

dir=$base/$ver
bin=$dir/bin/sparse
if [ -f "$dir/.complete" ]; then
	if check "$bin"; then
		echo "$bin"
		exit 0
	fi
	log "cached $dir is broken; rebuilding it"
fi

# Build from nothing.
"$top/tools/deps.sh" gcc make libc6-dev dpkg-dev || die "missing build packages"
[ -n "${conf:-}" ] || die "cannot download the source of sparse $ver (apt state unusable)"
start=$(date +%s)
tmp=$dir.tmp.$$
trap 'rm -rf "$tmp"' EXIT
rm -rf "$tmp"
mkdir -p "$tmp/source"
logf=$tmp/build.log
log "building sparse $ver from Debian source in $dir (log: build.log there)"
(cd "$tmp/source" && APT_CONFIG=$conf apt-get source --download-only -q \
	-o APT::Sandbox::User=root "sparse=$ver") >>"$logf" 2>&1 ||
	{ cat "$logf" >&2; die "apt-get source sparse=$ver failed"; }
dsc=$(find "$tmp/source" -maxdepth 1 -name "sparse_*.dsc" -print -quit)
[ -f "$dsc" ] || die "no .dsc downloaded"
# dpkg-source verifies the checksums of the .dsc (whose own hash apt checked
# against the signed Sources index) and applies Debian's quilt patches.
# (Extracted next to the .dsc, so dpkg-source does not copy the tarball.)
src=$tmp/source/src
(cd "$tmp/source" && dpkg-source -x "$(basename "$dsc")" src) >>"$logf" 2>&1 ||
	{ cat "$logf" >&2; die "dpkg-source -x failed"; }

# Debian's debian/rules: hardening=+all, no LLVM, version string "<upstream
# Makefile VERSION> (Debian: <version>)" (given explicitly: `git describe`
# would otherwise describe whatever repository the cache sits in). The
# Debian patch sets CC = gcc-<sid's default>; bookworm's gcc replaces it.
# Run from the source dir so -ffile-prefix-map maps it to ".".
gccver=$(gcc -dumpfullversion)
(
	cd "$src"
	export DEB_BUILD_MAINT_OPTIONS=hardening=+all
	CFLAGS=$(dpkg-buildflags --get CFLAGS)
	CPPFLAGS=$(dpkg-buildflags --get CPPFLAGS)
	LDFLAGS=$(dpkg-buildflags --get LDFLAGS)
	export CFLAGS CPPFLAGS LDFLAGS
	echo "CFLAGS=$CFLAGS"; echo "CPPFLAGS=$CPPFLAGS"; echo "LDFLAGS=$LDFLAGS"
	make -j"$(nproc)" V=1 CC=gcc HAVE_LLVM=no PKG_CONFIG=false \
		SPARSE_VERSION="\$(VERSION) (Debian: $ver; rebuilt with bookworm gcc $gccver)" \
		sparse
) >>"$logf" 2>&1 || { tail -n 40 "$logf" >&2; die "make sparse failed (log: $logf)"; }

mkdir -p "$tmp/bin"
install -m 755 "$src/sparse" "$tmp/bin/sparse"
check "$tmp/bin/sparse" || die "the sparse built from $ver does not work (log above)"
{
	echo "source:   sparse $ver ($(basename "$dsc"))"
	(cd "$tmp/source" && sha256sum -- sparse_*)
	echo "compiler: $(gcc --version | head -n1)"
	echo "glibc:    $(dpkg-query -W -f='${Version}' libc6)"
	sed -n 's/^\(C\|CPP\|LD\)FLAGS=/&/p' "$logf"
	echo "binary:   $(sha256sum "$tmp/bin/sparse" | cut -d' ' -f1)  bin/sparse"
	echo "version:  $("$tmp/bin/sparse" --version 2>&1)"
	echo "built:    $(date -u +%FT%TZ) in $(( $(date +%s) - start ))s"
} > "$tmp/BUILDINFO"
rm -rf "$src"

rm -rf "$dir"
mv "$tmp" "$dir"
trap - EXIT
: > "$dir/.complete"
log "ok: $("$dir/bin/sparse" --version) in $(( $(date +%s) - start ))s"
echo "$dir/bin/sparse"
