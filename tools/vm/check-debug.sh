#!/bin/bash
# `make check-debug`: the selftests on a debug kernel.
#   tools/vm/check-debug.sh [--source 6.1|newest] [--flavour kasan|kcsan] [--test NAME]
# --source/--flavour pick the kernel (tools/vm/debug-kernel.sh; default
# 6.1 + kasan, the kernel named "debug"; newest + kasan is "debug-newest",
# newest + kcsan "kcsan-newest", 6.1 + kcsan "kcsan").
# 1. dependencies, kselftest headers, the debug kernel (tools/vm/debug-kernel.sh:
#    built once, then cached under .cache/debug-kernel/)
# 2. semctl.ko against that kernel with W=1, no warning allowed
#    (tools/vm/build-module.sh <name>), the selftests (+ selftests/lib)
# 3. boots it (tools/vm/run --kernel <name>) and runs
#    tools/vm/guest-check-debug.sh: insmod, every selftest program (with
#    the rmmod race), selftests/lib, python/run_tests.sh, rmmod, kmemleak
#    scan, dmesg scan (KASAN, lockdep, UBSAN, BUG:, WARNING:, ODEBUG:,
#    list corruption; kcsan: fails on a KCSAN report involving semctl,
#    lists the kernel's own)
# 4. prints the times and "semctl-debug: N passed, N failed, N skipped";
#    exits non-zero on any failure.
# VM_TIMEOUT (seconds, default 3600) bounds the VM run, boot included.
# VM_WAIT_OTHERS=1 waits before the boot while another QEMU runs.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${SEMCTL_CACHE:-$top/.cache}
test=
kargs=()
flavour=kasan
while [ $# -gt 0 ]; do
	case $1 in
	--test)		test=$2; shift 2 ;;
	--source)	kargs+=(--source "$2"); shift 2 ;;
	--flavour|--flavor)	kargs+=(--flavour "$2"); flavour=$2; shift 2 ;;
	*)		echo "check-debug: unknown argument $1" >&2; exit 2 ;;
	esac
done
vm_timeout=${VM_TIMEOUT:-3600}
t_start=$(date +%s)
name=$("$here/debug-kernel.sh" "${kargs[@]}" --print-name) || exit 2
if [ "$name" = debug ]; then out=$cache/check-debug; else out=$cache/check-debug/$name; fi
mkdir -p "$out"
cd "$top"

step() { echo; echo "=== check-debug: $* ($(( $(date +%s) - t_start ))s)"; }
die() { echo "check-debug: FAIL: $*" >&2; echo "semctl-debug: 0 passed, 1 failed, 0 skipped"; exit 1; }
since() { echo $(( $(date +%s) - $1 )); }

step "dependencies and kselftest headers"
"$top/tools/deps.sh" || die "missing Debian packages (see above)"
"$here/fetch-ksft.sh" || die "cannot fetch linux-source-6.1 bits"

step "debug kernel $name"
t=$(date +%s)
"$here/debug-kernel.sh" "${kargs[@]}" || die "the debug kernel did not build"
t_kernel=$(since "$t")
key=$(cat "$cache/kernels/$name/key")
kver=$(cat "$cache/kernels/$name/kver")
echo "debug kernel $name: $kver ($key) ready after ${t_kernel}s"
[ -f "$cache/debug-kernel/$key/build-time" ] && sed 's/^/  build: /' "$cache/debug-kernel/$key/build-time"
"$here/mkinitramfs.sh" "$name" || die "cannot build the initramfs"

step "build semctl.ko against the debug kernel $name (W=1)"
t=$(date +%s)
if ! "$here/build-module.sh" "$name" ||
   ! cp "$cache/build/$name/module/semctl.ko" "$out/semctl.ko"; then
	die "module build failed or warned under W=1"
fi
t_module=$(since "$t")

step "build selftests"
# the kernel selftests, then libsemctl, the semctl command and their tests
if ! { make -C "$top/selftests" TOP="$top" &&
       make -C "$top/lib" &&
       make -C "$top/tools/semctl" &&
       make -C "$top/selftests/lib" TOP="$top"; } \
	>"$out/selftests-build.log" 2>&1; then
	cat "$out/selftests-build.log"
	die "selftests did not build"
fi
tail -n 2 "$out/selftests-build.log"

step "boot $kver and run the selftests${test:+ ($test)}"
# On a machine shared with others' VM runs: VM_WAIT_OTHERS=1 waits until
# no other QEMU runs (one at a time), checked right before the boot.
if [ "${VM_WAIT_OTHERS:-0}" = 1 ]; then
	while pgrep -f qemu-system >/dev/null; do sleep 5; done
fi
logf=$out/run.log
args=("$out/semctl.ko")
[ -n "$test" ] && args+=("$test")
t=$(date +%s)
VMRUN_QUIET=1 "$here/run" --kernel "$name" --timeout "$vm_timeout" \
	--env "CI=${CI:-}" --env "SEMCTL_DEBUG_FLAVOUR=$flavour" \
	-- tools/vm/guest-check-debug.sh "${args[@]}" 2>&1 |
	tee "$logf"
rc=${PIPESTATUS[0]}
t_vm=$(since "$t")

read -r p f sk < <(tr -d '\r' < "$logf" | sed -n -E \
	's/^[# ]*Totals: pass:([0-9]+) fail:([0-9]+) xfail:([0-9]+) xpass:([0-9]+) skip:([0-9]+) error:([0-9]+).*/\1 \2 \3 \4 \5 \6/p' |
	awk '{ p += $1 + $3; f += $2 + $4 + $6; s += $5 } END { print p+0, f+0, s+0 }')
crashed=$(grep -cE '^not ok [0-9]+ ' "$logf" || true)
[ "$f" -ge "$crashed" ] || f=$crashed
boot=$(tr -d '\r' < "$logf" | sed -n 's/^guest-check: kernel .*, up \([0-9.]*\)s$/\1/p' | head -n1)
suite=$(tr -d '\r' < "$logf" | sed -n 's/^guest-check: suites took \([0-9]*\)s.*/\1/p' | head -n1)

step "summary"
if [ "$flavour" = kcsan ]; then
	tr -d '\r' < "$logf" | grep -E '^guest-check: KCSAN' | sed 's/^guest-check: /semctl-debug: /'
fi
echo "semctl-debug: times: kernel ${t_kernel}s (0 when cached), module ${t_module}s," \
	"VM ${t_vm}s (boot to tests ${boot:-?}s, suites ${suite:-?}s), total $(since "$t_start")s"
if [ "$rc" = 0 ]; then
	echo "semctl-debug: $name $kver: PASS ($((p + f + sk)) tests: $p pass, $f fail, $sk skip)"
else
	case $rc in
	124)	why="VM timed out after ${vm_timeout}s" ;;
	125)	why="VM died (panic?) before the tests finished" ;;
	*)	why=$(tr -d '\r' < "$logf" | sed -n 's/^guest-check: RESULT FAIL (\(.*\))$/\1/p' | tail -n1)
		[ -n "$why" ] || why="guest exited $rc" ;;
	esac
	echo "semctl-debug: $name $kver: FAIL ($why; $((p + f + sk)) tests: $p pass, $f fail, $sk skip)"
	[ "$f" -gt 0 ] || f=1
fi
echo "semctl-debug: $p passed, $f failed, $sk skipped"
[ "$rc" = 0 ]
