#!/bin/bash
# `make check`: the whole test loop.
#   tools/vm/check.sh [--kernels "6.1 6.12 6.18 7.0 newest"] [--test NAME]
# 1. installs missing Debian packages (root) or prints the apt-get line
# 2. fetches each kernel and a tree to build against (tools/vm/fetch-kernel.sh,
#    cached by exact version) and the linux-source bits
# 3. builds semctl.ko for every kernel (W=1, no warnings), runs lint,
#    builds the selftests
# 4. boots each kernel (tools/vm/run) and runs tools/vm/guest-check.sh:
#    insmod, selftests (KTAP), rmmod, dmesg scan
# 5. prints one summary line per kernel and a closing
#    "semctl: N passed, N failed, N skipped" line; exits non-zero on any failure.
# VM_TIMEOUT (seconds, default 600) bounds each VM run, boot included:
# the suite takes about 3-4 minutes per kernel here under TCG (the storm
# tests alone about 2), more on a loaded machine.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${SEMCTL_CACHE:-$top/.cache}
kernels="6.1 6.12 6.18 7.0 newest"
test=
while [ $# -gt 0 ]; do
	case $1 in
	--kernels)	kernels=$2; shift 2 ;;
	--test)		test=$2; shift 2 ;;
	*)		echo "check: unknown argument $1" >&2; exit 2 ;;
	esac
done
vm_timeout=${VM_TIMEOUT:-600}
t_start=$(date +%s)
cd "$top"

step() { echo; echo "=== check: $* ($(( $(date +%s) - t_start ))s)"; }
die() { echo "check: FAIL: $*" >&2; exit 1; }

step "dependencies"
"$top/tools/deps.sh" || die "missing Debian packages (see above)"

step "fetch kernels ($kernels) and linux-source bits"
for s in $kernels; do
	case $s in 6.1|6.12|6.18|7.0|newest) ;;
	*) die "unknown kernel series '$s' (6.1, 6.12, 6.18, 7.0 or newest)" ;;
	esac
	# The newest kernel of the run is also linted with clang-19 (below).
	clang=
	[ "$s" = "${kernels##* }" ] && case $s in 6.1|6.12) ;; *) clang=--clang ;; esac
	"$here/fetch-kernel.sh" $clang "$s" || die "cannot fetch kernel $s"
	"$here/mkinitramfs.sh" "$s" || die "cannot build the initramfs for $s"
done
"$here/fetch-ksft.sh" || die "cannot fetch linux-source-6.1 bits"

declare -A result reason count kver
overall=0
for s in $kernels; do
	kver[$s]=$(cat "$cache/kernels/$s/kver")
done

step "lint (checkpatch --strict; sparse on $kernels; clang-19 on the newest)"
lint=PASS
kdirs=()
for s in $kernels; do
	kdirs+=("$cache/kernels/$s/headers")
done
if ! "$top/tools/lint.sh" || ! "$top/tools/lint-kernel.sh" "${kdirs[@]}"; then
	lint=FAIL
	overall=1
fi
# clang on the newest kernel in the run (the last of the list).
newest=${kdirs[${#kdirs[@]}-1]}
[ -d "$newest-clang" ] && newest=$newest-clang
if ! "$top/tools/lint-kernel.sh" --clang "$newest"; then
	lint=FAIL
	overall=1
fi

step "build semctl.ko for $kernels (W=1)"
for s in $kernels; do
	# Keep a private copy: the shared .cache/build may be rebuilt by
	# someone else while this run's VM is loading it.
	mkdir -p "$cache/check/$s"
	if ! "$here/build-module.sh" "$s" ||
	   ! cp "$cache/build/$s/module/semctl.ko" "$cache/check/$s/semctl.ko"; then
		result[$s]=FAIL
		reason[$s]="module build failed or warned under W=1"
		overall=1
	fi
done

step "build selftests"
selftests=PASS
# the kernel selftests, then libsemctl, the semctl command and their tests,
# the demo and the Python binding's C extension
if ! { make -C "$top/selftests" TOP="$top" &&
       make -C "$top/lib" &&
       make -C "$top/tools/semctl" &&
       make -C "$top/selftests/lib" TOP="$top" &&
       make -C "$top/tools/demo" &&
       make -C "$top/python"; } \
	>"$cache/selftests-build.log" 2>&1; then
	cat "$cache/selftests-build.log"
	selftests=FAIL
	overall=1
else
	tail -n 3 "$cache/selftests-build.log"
fi

step "host: lib/map.c against a model of the kernel (plain, ThreadSanitizer); semctl.pc of an install; man page examples compile; one version"
host_tests=PASS
if make -s -C "$top/selftests/lib" TOP="$top" host-tests \
	>"$cache/host-tests.log" 2>&1; then
	grep -E '^(not )?ok ' "$cache/host-tests.log" || true
else
	cat "$cache/host-tests.log"
	host_tests=FAIL
	overall=1
fi

total_pass=0 total_fail=0 total_skip=0
mkdir -p "$cache/check"
for s in $kernels; do
	[ -z "${result[$s]:-}" ] || continue
	if [ $selftests = FAIL ]; then
		result[$s]=FAIL
		reason[$s]="selftests did not build"
		continue
	fi
	step "boot ${kver[$s]} and run the selftests${test:+ ($test)}"
	logf=$cache/check/$s.log
	args=("$cache/check/$s/semctl.ko")
	[ -n "$test" ] && args+=("$test")
	VMRUN_QUIET=1 "$here/run" --kernel "$s" --timeout "$vm_timeout" \
		--env "CI=${CI:-}" -- tools/vm/guest-check.sh "${args[@]}" 2>&1 |
		tee "$logf"
	rc=${PIPESTATUS[0]}
	# Count test cases from the harness's per-binary "Totals" lines
	# (at any KTAP nesting depth).
	read -r p f sk < <(tr -d '\r' < "$logf" | sed -n -E \
		's/^[# ]*Totals: pass:([0-9]+) fail:([0-9]+) xfail:([0-9]+) xpass:([0-9]+) skip:([0-9]+) error:([0-9]+).*/\1 \2 \3 \4 \5 \6/p' |
		awk '{ p += $1 + $3; f += $2 + $4 + $6; s += $5 } END { print p+0, f+0, s+0 }')
	# A binary that died before its Totals line shows only as a
	# top-level "not ok": count those too.
	crashed=$(grep -cE '^not ok [0-9]+ ' "$logf" || true)
	[ "$f" -ge "$crashed" ] || f=$crashed
	count[$s]="$((p + f + sk)) tests: $p pass, $f fail, $sk skip"
	total_pass=$((total_pass + p)); total_fail=$((total_fail + f)); total_skip=$((total_skip + sk))
	if [ "$rc" = 0 ]; then
		result[$s]=PASS
	else
		result[$s]=FAIL
		overall=1
		# The runner's own verdict (timeout, VM died, setup failed) wins,
		# then guest-check's, then the bare exit status.
		reason[$s]=$(sed -n -E 's/^vm-run(\[[^]]*\])?: (FAIL: |TIMEOUT: )?//p' "$logf" | tail -n1)
		[ -n "${reason[$s]}" ] ||
			reason[$s]=$(sed -n 's/^guest-check: RESULT FAIL (\(.*\))$/\1/p' "$logf" | tail -n1)
		[ -n "${reason[$s]}" ] || reason[$s]="guest exited $rc"
		[ "$f" -gt 0 ] || total_fail=$((total_fail + 1))
	fi
done

step "summary"
echo "semctl: lint: $lint"
[ $selftests = PASS ] || echo "semctl: selftests build: FAIL (log: $cache/selftests-build.log)"
echo "semctl: host tests (map model, install, man examples, versions): $host_tests"
for s in $kernels; do
	# A kernel that failed before any test ran still counts as one failure.
	[ "${result[$s]}" = PASS ] || [ -n "${count[$s]:-}" ] || total_fail=$((total_fail + 1))
	line="semctl: ${kver[$s]}: ${result[$s]}"
	if [ "${result[$s]}" = PASS ]; then
		line+=" (${count[$s]})"
	else
		line+=" (${reason[$s]}${count[$s]:+; ${count[$s]}})"
	fi
	echo "$line"
done
[ $lint = PASS ] || total_fail=$((total_fail + 1))
[ $selftests = PASS ] || total_fail=$((total_fail + 1))
[ $host_tests = PASS ] || total_fail=$((total_fail + 1))
echo "semctl: $total_pass passed, $total_fail failed, $total_skip skipped"
exit $overall
