#!/bin/bash
# make check-packages: build the Debian packages from a clean copy of the
# tree, lint them, install them on this machine, check that DKMS built
# semctl.ko for both Debian kernels the VM uses, build a program against the
# installed library with pkg-config, boot the 6.12 VM with the DKMS-built
# module and run the seed demo, the program and semctl(1) there, then purge
# the packages again. python3-semctl is checked too: pip wheel and pip
# install (into a venv) of python/ offline, then in the VM an import of the
# installed package and the seed's three examples (threads, processes,
# asyncio) run on it. Nothing is ever loaded into the running kernel: DKMS
# only builds and copies, and the module is insmod'ed in QEMU.
#
#   tools/pkg/check-packages.sh [--worktree] [--keep]
#
#   --worktree  package the working tree's tracked files (uncommitted edits
#               included) instead of `git archive HEAD`
#   --keep      leave the packages installed at the end
#
# Needs root for everything after lintian (without root it stops there).
# Installs, when missing: the build tooling (debhelper, dh-dkms, dkms,
# lintian, pkg-config), the VM's packages (tools/deps.sh) and
# linux-headers-<kver> for both kernels in .cache/kernels/<series>/kver
# (apt pulls the 6.12 linux-image with them; headers and images are kept).
# Work files: .cache/pkg/ (source copy, .debs, logs).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${SEMCTL_CACHE:-$top/.cache}
work=$cache/pkg
src_mode="head"
keep=
for a in "$@"; do
	case $a in
	--worktree) src_mode=worktree ;;
	--keep) keep=1 ;;
	*) echo "usage: $0 [--worktree] [--keep]" >&2; exit 64 ;;
	esac
done

export DEBIAN_FRONTEND=noninteractive
t0=$(date +%s)
log() { printf 'check-packages: [%4ss] %s\n' "$(($(date +%s) - t0))" "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }
is_root() { [ "$(id -u)" = 0 ]; }
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

version=$(cat "$top/VERSION")
pkgs=(semctl-dkms libsemctl1 libsemctl-dev semctl python3-semctl)
series_all="6.1 6.12"
vm_series=6.12

# --- tooling -------------------------------------------------------------
tools="debhelper dh-dkms dkms lintian fakeroot dpkg-dev build-essential pkg-config xz-utils zstd
	dh-python python3-all-dev python3-setuptools python3-wheel python3-pip python3-venv"
missing=()
for p in $tools; do installed "$p" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
	if ! is_root; then
		die "missing ${missing[*]}; run as root: apt-get install --no-install-recommends ${missing[*]}"
	fi
	log "installing ${missing[*]}"
	apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 || {
		apt-get update -qq
		apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
	}
fi

# --- clean source copy -----------------------------------------------------
rm -rf "$work"
mkdir -p "$work/src"
if [ $src_mode = head ] && git -C "$top" rev-parse --verify -q HEAD >/dev/null; then
	log "source: git archive $(git -C "$top" rev-parse --short HEAD)"
	git -C "$top" archive HEAD | tar -x -C "$work/src"
elif git -C "$top" rev-parse --verify -q HEAD >/dev/null; then
	log "source: the working tree's tracked files"
	(cd "$top" && git ls-files -z | cpio -0 -pdm --quiet "$work/src")
else
	die "not a git checkout: cannot make a clean copy"
fi
for f in debian/control dkms.conf VERSION; do
	[ -f "$work/src/$f" ] || die "$f is not in the $src_mode source (not committed?)"
done

# --- build -----------------------------------------------------------------
log "dpkg-buildpackage -us -uc -b (log: $work/build.log)"
(cd "$work/src" && dpkg-buildpackage -us -uc -b) > "$work/build.log" 2>&1 ||
	{ tail -n 40 "$work/build.log" >&2; die "dpkg-buildpackage failed"; }
changes=$(ls "$work"/semctl_*.changes)
debs=()
for p in "${pkgs[@]}"; do
	f=$(ls "$work/${p}_${version}_"*.deb 2>/dev/null | head -n1)
	[ -n "$f" ] || die "no $p .deb was built"
	debs+=("$f")
done
log "built: $(cd "$work" && ls ./*.deb | sed 's|^\./||' | tr '\n' ' ')"

# --- lintian ---------------------------------------------------------------
log "lintian (log: $work/lintian.log)"
lintian --pedantic --display-info "$changes" > "$work/lintian.log" 2>&1 || true
sed -i '/running with root privileges is not recommended/d' "$work/lintian.log"
for tag in E W I P; do
	printf '%s=%s ' "$tag" "$(grep -c "^$tag: " "$work/lintian.log" || true)"
done | sed 's/ $/\n/' | { read -r counts; log "lintian: $counts"; }
if grep -q '^E: ' "$work/lintian.log"; then
	grep '^E: ' "$work/lintian.log" >&2
	die "lintian reports errors"
fi
grep '^[WIP]: ' "$work/lintian.log" >&2 || true

if ! is_root; then
	log "not root: stopping after build and lintian (install, DKMS and VM need root)"
	exit 0
fi

# --- machine state before --------------------------------------------------
for p in "${pkgs[@]}"; do
	if installed "$p"; then
		die "$p is already installed; dpkg --purge ${pkgs[*]} first"
	fi
done
if [ -n "$(dkms status -m semctl 2>/dev/null)" ]; then
	die "semctl is already in DKMS (make dkms-remove first): $(dkms status -m semctl)"
fi

"$top/tools/deps.sh"

# --- kernel headers for both VM kernels ------------------------------------
declare -A kver
for s in $series_all; do
	"$top/tools/vm/fetch-kernel.sh" "$s"
	kver[$s]=$(cat "$cache/kernels/$s/kver")
	if ! installed "linux-headers-${kver[$s]}"; then
		log "installing linux-headers-${kver[$s]} (log: $work/headers.log)"
		apt-get install -y -q --no-install-recommends "linux-headers-${kver[$s]}" \
			>> "$work/headers.log" 2>&1 || {
			tail -n 20 "$work/headers.log" >&2
			die "apt-get install linux-headers-${kver[$s]} failed"
		}
	fi
	[ -e "/lib/modules/${kver[$s]}/build/Makefile" ] ||
		die "/lib/modules/${kver[$s]}/build is not a kernel build tree"
done

# --- install the packages ----------------------------------------------------
cleanup() {
	local rc=$?
	if [ -z "$keep" ]; then
		log "purging ${pkgs[*]}"
		dpkg --purge "${pkgs[@]}" >> "$work/purge.log" 2>&1 || log "dpkg --purge failed (see $work/purge.log)"
	fi
	exit $rc
}
trap cleanup EXIT
log "dpkg -i ${pkgs[*]} (log: $work/install.log)"
if ! dpkg -i "${debs[@]}" > "$work/install.log" 2>&1; then
	log "dpkg -i left dependencies open: apt-get -f install"
	apt-get -f install -y -q --no-install-recommends >> "$work/install.log" 2>&1 ||
		{ tail -n 30 "$work/install.log" >&2; die "apt-get -f install failed"; }
fi
for p in "${pkgs[@]}"; do installed "$p" || { tail -n 30 "$work/install.log" >&2; die "$p is not installed"; }; done
sed -n '/^Building for/,/^Setting up/p' "$work/install.log" | grep -v readelf >&2 || true

# --- DKMS built semctl.ko for both kernels --------------------------------------
# semctl-dkms's postinst builds for the running and the newest kernel (all
# kernels when the running one is not installed, as on this machine); the
# kernel and header hooks do the rest when a kernel is installed later.
ko_of() { ls /lib/modules/"$1"/updates/dkms/semctl.ko* 2>/dev/null | head -n1; }
for s in $series_all; do
	k=${kver[$s]}
	if ! dkms status -m semctl -v "$version" -k "$k" 2>/dev/null | grep -q ': installed'; then
		log "postinst did not build for $k; dkms autoinstall -k $k (what the kernel hooks run)"
		dkms autoinstall -k "$k" >> "$work/install.log" 2>&1 || true
	fi
	st=$(dkms status -m semctl -v "$version" -k "$k" 2>/dev/null)
	echo "$st" | grep -q ': installed' || die "DKMS did not install semctl for $k: ${st:-no status}"
	ko=$(ko_of "$k")
	[ -n "$ko" ] || die "no /lib/modules/$k/updates/dkms/semctl.ko*"
	[ "$(modinfo -k "$k" -F filename semctl)" = "$ko" ] ||
		die "modinfo -k $k semctl does not find $ko (depmod?)"
	[ "$(modinfo -k "$k" -F vermagic semctl | cut -d' ' -f1)" = "$k" ] ||
		die "$ko: vermagic is not $k"
	[ "$(modinfo -k "$k" -F version semctl)" = "$version" ] ||
		die "$ko: version is not $version"
	for field in description license author; do
		[ -n "$(modinfo -k "$k" -F "$field" semctl)" ] || die "$ko: no $field"
	done
	parms=$(modinfo -k "$k" -F parm semctl)
	for p in max_per_user max_names_per_ns name_max; do
		echo "$parms" | grep -Eq "^$p:.{8,}" || die "$ko: parameter $p has no description"
	done
	log "DKMS: $st -> $ko"
done

# --- a program built with pkg-config ------------------------------------------
prog=$work/pkgconfig-test
cat > "$prog.c" <<'EOF'
/* Built with `pkg-config --cflags --libs semctl`: one anonymous semaphore. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <semctl.h>

int main(void)
{
	struct semctl_info info = { .size = sizeof(info) };
	int sem = semctl_sem_create(NULL, 2, 2, 0600, 0);

	if (sem < 0) {
		fprintf(stderr, "semctl_sem_create: %d\n", sem);
		return 1;
	}
	if (semctl_sem_acquire(sem, 2, 0) ||
	    semctl_sem_try_acquire(sem, 1, 0) != -EAGAIN ||
	    semctl_sem_release(sem, 2, NULL) || semctl_sem_query(sem, &info) ||
	    info.value != 2) {
		fprintf(stderr, "pkgconfig-test: unexpected result\n");
		return 1;
	}
	close(sem);
	puts("pkgconfig-test: ok");
	return 0;
}
EOF
# loaded at boot, names declared for boot (issue 14, point 4)
for f in /usr/lib/modules-load.d/semctl.conf /lib/systemd/system/semctl.service \
	/usr/libexec/semctl/semctl-boot /usr/share/man/man5/semctl.d.5.gz; do
	[ -e "$f" ] || die "$f is not installed"
done
grep -qx semctl /usr/lib/modules-load.d/semctl.conf || die "modules-load.d/semctl.conf does not name semctl"
flags=$(pkg-config --cflags --libs semctl) || die "pkg-config does not know semctl"
log "cc pkgconfig-test.c $flags"
# shellcheck disable=SC2086
cc -Wall -Werror -o "$prog" "$prog.c" $flags || die "pkgconfig-test does not build"
ldd "$prog" | grep -Eq "libsemctl\.so\.1 => /(usr/)?lib/" || die "pkgconfig-test is not linked to the installed libsemctl.so.1"
# shellcheck disable=SC2086
sflags=$(pkg-config --static --cflags --libs semctl)
# shellcheck disable=SC2086
cc -static -o "$prog-static" "$prog.c" $sflags ||
	die "pkgconfig-test does not link statically against libsemctl.a"

# --- pip, offline, from the clean copy ----------------------------------------
# No index is reachable: Debian's setuptools and wheel build it in place.
log "pip wheel and pip install of python/ (log: $work/pip.log)"
{
	/usr/bin/python3 -m pip wheel --no-build-isolation --no-index --no-deps \
		-w "$work/wheel" "$work/src/python" &&
	/usr/bin/python3 -m venv --system-site-packages "$work/venv" &&
	"$work/venv/bin/pip" install --no-build-isolation --no-index "$work/src/python" &&
	"$work/venv/bin/python" -c 'import semctl._semaphore as s; assert s.EXTENSION'
} > "$work/pip.log" 2>&1 || { tail -n 30 "$work/pip.log" >&2; die "pip wheel or pip install failed"; }
ls "$work"/wheel/semctl-"$version"-cp3*-linux_*.whl >/dev/null 2>&1 || die "pip wheel made no semctl wheel"
rm -rf "$work/src/python/build" "$work/src/python/semctl.egg-info"

# --- the VM, with the DKMS-built module --------------------------------------------
k=${kver[$vm_series]}
ko=$(ko_of "$k")
vmko=$work/semctl-$k.ko
case $ko in
*.xz)	xz -dc "$ko" > "$vmko" ;;
*.zst)	zstd -q -dc "$ko" > "$vmko" ;;
*.gz)	gzip -dc "$ko" > "$vmko" ;;
*)	cp "$ko" "$vmko" ;;
esac
make -s -C "$work/src/tools/demo" > "$work/demo-build.log" 2>&1 ||
	{ cat "$work/demo-build.log" >&2; die "tools/demo does not build"; }
log "VM $vm_series ($k), module $ko: semctl-demo, pkgconfig-test, semctl(1)"
guest="set -e
v=\$(cat /sys/module/semctl/version); echo \"module version \$v\"; [ \"\$v\" = $version ]
tools/demo/semctl-demo
$prog
$prog-static
/usr/bin/semctl create pkgcheck --value 2
/usr/bin/semctl run pkgcheck -- /usr/bin/semctl info pkgcheck
/usr/bin/semctl ls
/usr/bin/semctl rm pkgcheck
mkdir -p /tmp/semctl.d
echo 'pkgboot 2 4 nobody 0640' > /tmp/semctl.d/check.conf
SEMCTL_CONFIG_DIRS=/tmp/semctl.d /usr/libexec/semctl/semctl-boot
/usr/bin/semctl info pkgboot | grep -q '^owner: *nobody'
/usr/bin/semctl rm pkgboot
echo 'semctl-boot: ok'
cd /tmp
/usr/bin/python3 -I -c 'import semctl, semctl._semaphore as s; assert s.EXTENSION; print(\"python3-semctl:\", semctl.__file__); assert semctl.__file__.startswith(\"/usr/lib/python3/dist-packages/\")'
for ex in seed_threading seed_multiprocessing seed_asyncio; do
	/usr/bin/python3 -I $work/src/python/examples/\$ex.py > /tmp/\$ex.out
	tail -n 1 /tmp/\$ex.out
	[ \$(grep -c 'acquired access' /tmp/\$ex.out) = 3 ]
	echo \"python3-semctl: \$ex: ok\"
done"
# the host is shared: boot only when no other VM runs
while [ -n "${SEMCTL_PKG_WAIT_VM:-}" ] && pgrep -f qemu-system >/dev/null; do sleep 5; done
set +e
(cd "$work/src" && "$top/tools/vm/run" --kernel "$vm_series" --module "$vmko" \
	--timeout "${VM_TIMEOUT:-300}" -- sh -c "$guest") 2>&1 | tee "$work/vm.log" >&2
rc=${PIPESTATUS[0]}
set -e
[ "$rc" = 0 ] || die "the VM run failed with status $rc (log: $work/vm.log)"
grep -q '^semctl-demo: ok' "$work/vm.log" || die "no 'semctl-demo: ok' in the VM output"
grep -q '^semctl-boot: ok' "$work/vm.log" || die "the installed semctl-boot did not create its name in the VM"
for ex in seed_threading seed_multiprocessing seed_asyncio; do
	grep -q "^python3-semctl: $ex: ok" "$work/vm.log" || die "python3-semctl: $ex did not run in the VM"
done

# --- uninstall ------------------------------------------------------------------
if [ -z "$keep" ]; then
	trap - EXIT
	log "dpkg --purge ${pkgs[*]}"
	dpkg --purge "${pkgs[@]}" > "$work/purge.log" 2>&1 || { cat "$work/purge.log" >&2; die "dpkg --purge failed"; }
	for s in $series_all; do
		[ -z "$(ko_of "${kver[$s]}")" ] || die "semctl.ko left in /lib/modules/${kver[$s]}/updates/dkms"
	done
	[ -z "$(dkms status -m semctl 2>/dev/null)" ] || die "DKMS still knows semctl: $(dkms status -m semctl)"
	[ ! -e "/usr/src/semctl-$version" ] || die "/usr/src/semctl-$version left behind"
	[ ! -e /usr/include/semctl.h ] || die "/usr/include/semctl.h left behind"
fi
log "ok: packages built, lintian clean of errors, DKMS for ${kver[6.1]} and ${kver[6.12]}, pkg-config program, demo in the VM$([ -n "$keep" ] && echo '; packages kept' || echo '; packages purged')"
