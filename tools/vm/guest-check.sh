#!/bin/bash
# Runs inside the VM (tools/vm/run) for `make check`:
#   tools/vm/guest-check.sh MODULE.ko [TEST]
# 1. notes how many dmesg lines exist (no dmesg -C: boot warnings stay visible)
# 2. insmod MODULE
# 3. selftests/run_kselftest.sh [TEST]  (prints KTAP, non-zero on failure),
#    then, without TEST, selftests/lib/run.sh (the same runner on
#    selftests/lib/: libsemctl and semctl(1)) and python/run_tests.sh if
#    present, then tools/demo/semctl-demo
# 4. rmmod semctl (must succeed)
# 5. fails if dmesg since the load shows WARNING/BUG/lockdep/KASAN/...
# Prints "guest-check: RESULT ..." lines that tools/vm/check.sh summarises.
set -uo pipefail

mod=${1:?usage: guest-check.sh MODULE.ko [TEST]}
test=${2:-}
fail=0
reasons=()
note() { echo "guest-check: $*"; }
bad() { fail=1; reasons+=("$1"); note "FAIL: $1"; }

boot_bad=$(dmesg | grep -cE 'WARNING:|BUG:|Oops|general protection' || true)
if [ "$boot_bad" != 0 ]; then
	note "boot-time dmesg already has $boot_bad warning lines:"
	dmesg | grep -E 'WARNING:|BUG:|Oops|general protection' | head -n 20
fi
start=$(dmesg | wc -l)

name=$(basename "$mod" .ko)
if ! insmod "$mod"; then
	bad "insmod $mod failed"
	dmesg | tail -n 20
	note "RESULT FAIL (${reasons[*]})"
	exit 1
fi
[ -e /dev/semctl ] || note "warning: /dev/semctl did not appear after insmod"

# The time-boxed tests run shorter here than their defaults so that five
# kernels fit make check's budget (README); run them alone for longer.
export SEMCTL_STORM_SECONDS=${SEMCTL_STORM_SECONDS:-15}
export SEMCTL_FUZZ_SECONDS=${SEMCTL_FUZZ_SECONDS:-10}

# races.c unloads and reloads the module (rmmod racing the last close).
export SEMCTL_RACE_RMMOD=1 SEMCTL_KO
SEMCTL_KO=$(readlink -f "$mod")

runner=selftests/run_kselftest.sh
if [ ! -e "$runner" ]; then
	bad "$runner missing (the selftests are not built or not written yet)"
else
	if [ -n "$test" ]; then
		bash "$runner" "$test"
	else
		bash "$runner"
	fi
	rc=$?
	[ $rc = 0 ] || bad "selftests exited $rc"
fi

# libsemctl and the semctl command (whole runs only)
if [ -z "$test" ]; then
	bash selftests/lib/run.sh
	rc=$?
	[ $rc = 0 ] || bad "library and CLI selftests exited $rc"
fi

# The Python binding's tests (KTAP), when present and no single test is asked.
if [ -z "$test" ] && [ -x python/run_tests.sh ]; then
	python/run_tests.sh
	rc=$?
	[ $rc = 0 ] || bad "python tests exited $rc"
fi

# The seed demo (3 workers, 2 slots; whole runs only): it fails unless
# exactly 2 are inside every time.
if [ -z "$test" ]; then
	if tools/demo/semctl-demo >/tmp/demo.log 2>&1; then
		note "demo: PASS"
		echo "ok 1 semctl-demo"
		echo "# Totals: pass:1 fail:0 xfail:0 xpass:0 skip:0 error:0"
	else
		cat /tmp/demo.log
		echo "not ok 1 semctl-demo"
		bad "tools/demo/semctl-demo failed"
	fi
fi

# rmmod must succeed once every test has closed its fds; give lingering
# fds of killed children a moment (bounded) before calling it a failure.
ok=0
for _ in 1 2 3 4 5 6 7 8 9 10; do
	if rmmod "$name" 2>/tmp/rmmod.err; then ok=1; break; fi
	sleep 0.5
done
if [ $ok = 0 ]; then
	cat /tmp/rmmod.err
	lsmod | grep -E "^$name " || true
	bad "rmmod $name failed"
fi

pat='WARNING:|BUG:|lockdep|KASAN|UBSAN|Oops|general protection|possible circular|INFO: task .* blocked|Call Trace:|refcount_t:|list_(add|del) corruption'
hits=$(dmesg | tail -n +"$((start + 1))" | grep -E "$pat" || true)
if [ -n "$hits" ]; then
	note "kernel log since insmod has warnings:"
	echo "$hits" | head -n 50
	note "full kernel log since insmod:"
	dmesg | tail -n +"$((start + 1))" | tail -n 200
	bad "dmesg: $(echo "$hits" | wc -l) warning lines after insmod"
fi

if [ $fail = 0 ]; then
	note "RESULT PASS"
	exit 0
fi
note "RESULT FAIL ($(IFS=';'; echo "${reasons[*]}"))"
exit 1
