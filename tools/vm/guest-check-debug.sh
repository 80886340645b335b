#!/bin/bash
# Runs inside the VM on the debug kernel (tools/vm/check-debug.sh):
#   [SEMCTL_DEBUG_FLAVOUR=kasan|kcsan] tools/vm/guest-check-debug.sh MODULE.ko [TEST]
# 1. checks this is the debug kernel and that lockdep and kmemleak are live
#    (and KASAN, or for the kcsan flavour KCSAN, enabled)
# 2. insmod MODULE (dmesg line count noted first)
# 3. selftests/run_kselftest.sh [TEST] (with the rmmod race of races.c),
#    then selftests/lib/run.sh and python/run_tests.sh (whole runs only)
# 4. keeps the module's symbols, rmmod semctl
# 5. kmemleak: scan twice, read the report; fails on any leak that mentions
#    semctl or has a backtrace frame in the module area. Every other driver
#    of this kernel is built in, so such a frame can only be semctl's (of
#    this load or of one races.c unloaded); it is unresolved hex once the
#    module is gone and is resolved here from the kept /proc/kallsyms lines.
# 6. fails on any KASAN, lockdep, UBSAN, BUG:, WARNING:, ODEBUG:, list
#    corruption, Oops line in dmesg after the load. Flavour kcsan: a
#    KCSAN report ("BUG: KCSAN: ...", up to its closing ===== line) fails
#    the run when it names a function of the module ("... [semctl]", the
#    title or any frame of its stacks: %ps/%pS print module symbols with
#    the module's name; the bare word semctl would also match the SysV
#    semctl code of ipc/sem.c); any other KCSAN report is the kernel's
#    own: listed ("guest-check: KCSAN other: ..."), not counted.
# Prints "guest-check: RESULT ..." lines like guest-check.sh.
set -uo pipefail

mod=${1:?usage: guest-check-debug.sh MODULE.ko [TEST]}
test=${2:-}
flavour=${SEMCTL_DEBUG_FLAVOUR:-kasan}
name=$(basename "$mod" .ko)
dbg=/sys/kernel/debug
kml=$dbg/kmemleak
work=$(mktemp -d /tmp/guest-check-debug.XXXXXX)
fail=0
reasons=()
note() { echo "guest-check: $*"; }
bad() { fail=1; reasons+=("$1"); note "FAIL: $1"; }
finish() {
	if [ $fail = 0 ]; then
		note "RESULT PASS"
		exit 0
	fi
	note "RESULT FAIL ($(IFS=';'; echo "${reasons[*]}"))"
	exit 1
}
ts() { cut -d' ' -f1 /proc/uptime; }
debug_locks() { sed -n 's/^ *debug_locks: *\([0-9]*\)$/\1/p' /proc/lockdep_stats 2>/dev/null; }

# 1. The debug kernel, with its checkers still on.
note "kernel $(uname -r), up $(ts)s, flavour $flavour"
mountpoint -q $dbg || mount -t debugfs debugfs $dbg
case $flavour in
kasan)	dmesg | grep 'KernelAddressSanitizer initialized' >/dev/null || bad "no KASAN in this kernel" ;;
kcsan)	grep -qx 'enabled: 1' $dbg/kcsan 2>/dev/null || bad "KCSAN not enabled ($dbg/kcsan: $(head -n1 $dbg/kcsan 2>&1))"
	note "KCSAN: $(dmesg | grep -o 'kcsan: selftest: .*' || echo 'no boot selftest line')" ;;
*)	bad "unknown SEMCTL_DEBUG_FLAVOUR=$flavour" ;;
esac
[ -r /proc/lockdep_stats ] || bad "no lockdep in this kernel"
[ -e $kml ] || bad "no $kml (kmemleak missing or disabled)"
[ -d $dbg/failslab ] || bad "no $dbg/failslab"
if [ "$(debug_locks)" != 1 ]; then
	bad "lockdep already turned itself off during boot (debug_locks=$(debug_locks))"
fi
[ $fail = 0 ] || finish
pat='BUG:|WARNING:|UBSAN:|ODEBUG:|Oops|general protection|KASAN|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU|sleeping function called from invalid context|list_(add|del) corruption|DEBUG_LOCKS_WARN_ON|refcount_t:|INFO: task .* blocked|kmemleak:.*(disabled|Cannot)'
# KCSAN reports are judged by kcsan_scan (step 6), not by this pattern.
nokcsan() { if [ "$flavour" = kcsan ]; then grep -v 'BUG: KCSAN:'; else cat; fi; }
# kcsan_scan: stdin a kernel log; prints "ours|other<TAB>title" per report
kcsan_scan() {
	awk -v tag="[$name]" '
	function flush() {
		if (title != "") printf "%s\t%s\n", (ours ? "ours" : "other"), title
		title = ""; ours = 0
	}
	/BUG: KCSAN: / { flush(); title = $0; sub(/^.*BUG: KCSAN: /, "", title) }
	title != "" && index($0, tag) { ours = 1 }
	title != "" && index($0, "==========") { flush() }
	END { flush() }'
}
boot_bad=$(dmesg | grep -E "$pat" | nokcsan || true)
if [ -n "$boot_bad" ]; then
	note "boot-time dmesg already has warning lines (before $name was loaded; not counted):"
	echo "$boot_bad" | head -n 20
fi
if [ "$flavour" = kcsan ]; then
	n=$(dmesg | kcsan_scan | wc -l)
	[ "$n" = 0 ] || note "KCSAN: $n report(s) during boot (the kernel's own, not counted):"
	dmesg | kcsan_scan | cut -f2 | sort | uniq -c | head -n 30 | sed 's/^ */guest-check: KCSAN boot: /'
fi
start=$(dmesg | wc -l)

# 2. Load.
t0=$(ts)
if ! insmod "$mod"; then
	bad "insmod $mod failed"
	dmesg | tail -n 20
	finish
fi
[ -e /dev/semctl ] || note "warning: /dev/semctl did not appear after insmod"
# (no <(...) here: the guest's /dev has no /dev/fd)
modline=$(grep "^$name " /proc/modules)
note "$name loaded: $modline"
# races.c unloads and reloads the module (rmmod racing the last close).
export SEMCTL_RACE_RMMOD=1 SEMCTL_KO
SEMCTL_KO=$(readlink -f "$mod")

# 3. The suites.
runner=selftests/run_kselftest.sh
if [ ! -e "$runner" ]; then
	bad "$runner missing"
else
	bash "$runner" ${test:+"$test"}
	rc=$?
	[ $rc = 0 ] || bad "selftests exited $rc"
fi
if [ -z "$test" ] && [ -e selftests/lib/run.sh ]; then
	bash selftests/lib/run.sh
	rc=$?
	[ $rc = 0 ] || bad "library and CLI selftests exited $rc"
fi
if [ -z "$test" ] && [ -x python/run_tests.sh ]; then
	python/run_tests.sh
	rc=$?
	[ $rc = 0 ] || bad "python tests exited $rc"
fi
t1=$(ts)
note "suites took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", b - a }')s (guest clock)"

# 4. Unload (lingering fds of killed children may need a moment), keeping
# the symbols of the instance loaded now for leaks reported after rmmod.
grep "\[$name\]\$" /proc/kallsyms | sort > "$work/syms"
ok=0
for _ in $(seq 20); do
	if rmmod "$name" 2>"$work/rmmod.err"; then ok=1; break; fi
	sleep 0.5
done
if [ $ok = 0 ]; then
	cat "$work/rmmod.err"
	lsmod | grep -E "^$name " || true
	bad "rmmod $name failed"
fi

# 5. kmemleak, as Documentation/dev-tools/kmemleak.rst says: objects
# younger than 5 s are never reported, and a second scan drops transient
# false positives.
sleep 6
if ! echo scan > $kml 2>"$work/kml.err" || ! echo scan > $kml 2>>"$work/kml.err"; then
	cat "$work/kml.err"
	bad "kmemleak scan failed (kmemleak disabled?)"
fi
cat $kml > "$work/kmemleak" 2>/dev/null
t2=$(ts)
note "kmemleak: two scans took $(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.0f", b - a - 6 }')s"
# One block per "unreferenced object"; ours if it names the module, has a
# frame in the module area, or was allocated under do_init_module. The
# module area: MODULES_VADDR..MODULES_END of x86-64 without KASLR.
awk -v base=0xffffffffa0000000 -v size=1593835520 -v name="$name" -v syms="$work/syms" '
# Module addresses all start with ffffffff: compare the low 32 bits only
# (awk numbers are doubles) and the high half as a string.
function high(s) { s = tolower(s); sub(/^0x/, "", s); return substr(s, 1, length(s) - 8) }
function hex(s,    i, c, v) {
	s = tolower(s); sub(/^0x/, "", s); s = substr(s, length(s) - 7); v = 0
	for (i = 1; i <= length(s); i++) {
		c = index("0123456789abcdef", substr(s, i, 1))
		if (!c) break
		v = v * 16 + c - 1
	}
	return v
}
function resolve(a,    i, best) {
	best = ""
	for (i = 1; i <= nsym; i++)
		if (saddr[i] <= a) best = sprintf("%s+0x%x", sname[i], a - saddr[i])
	return best
}
function flush() {
	if (blk == "") return
	if (ours) { nours++; printf "%s", blk > "/dev/stderr" }
	else nother++
	blk = ""; ours = 0
}
BEGIN {
	lo = hex(base); hi = lo + size; bhigh = high(base)
	while ((getline line < syms) > 0) {
		split(line, f, " "); nsym++; saddr[nsym] = hex(f[1]); sname[nsym] = f[3]
	}
}
/^unreferenced object/ { flush() }
{
	l = $0
	if (index(l, name) || l ~ /do_init_module/) ours = 1
	# A frame of an unloaded module prints as "[<addr>] 0x<addr>", or as
	# "[<(____ptrval____)>] 0x<addr>" while %p hashing has no entropy yet.
	if (match(l, /\[<[0-9a-f]+>\]/) || match(l, /0xffffffff[0-9a-f]+/)) {
		raw = substr(l, RSTART, RLENGTH)
		gsub(/[^0-9a-fx]/, "", raw)
		a = hex(raw)
		if (lo > 0 && high(raw) == bhigh && a >= lo && a < hi) {
			ours = 1
			r = resolve(a)
			l = l "   <- module area (" name ")" (r != "" ? "; in its last load: " r : "")
		}
	}
	blk = blk l "\n"
}
END {
	flush()
	printf "%d %d\n", nours + 0, nother + 0
}' "$work/kmemleak" > "$work/kml.count" 2>"$work/kml.ours"
read -r nours nother < "$work/kml.count"
if [ "${nours:-0}" -gt 0 ]; then
	note "kmemleak: $nours leak(s) of $name (the first ones):"
	head -n 200 "$work/kml.ours"
	bad "kmemleak: $nours leak(s) of $name"
else
	note "kmemleak: no leak of $name (${nother:-0} other suspect(s) in the kernel, not ours)"
	if [ "${nother:-0}" -gt 0 ]; then
		head -n 40 "$work/kmemleak" | sed 's/^/guest-check:   /'
	fi
fi

# 6. dmesg since the load.
hits=$(dmesg | tail -n +"$((start + 1))" | grep -E "$pat" | nokcsan || true)
if [ -n "$hits" ]; then
	note "kernel log since insmod has warnings:"
	echo "$hits" | head -n 50
	note "full kernel log since insmod (last 300 lines):"
	dmesg | tail -n +"$((start + 1))" | tail -n 300
	bad "dmesg: $(echo "$hits" | wc -l) warning lines after insmod"
fi
if [ "$flavour" = kcsan ]; then
	dmesg | tail -n +"$((start + 1))" | kcsan_scan > "$work/kcsan"
	nours=$(grep -c '^ours' "$work/kcsan" || true)
	nother=$(grep -c '^other' "$work/kcsan" || true)
	note "KCSAN: $nours report(s) involving $name, $nother other(s) in the kernel since insmod"
	grep '^other' "$work/kcsan" | cut -f2 | sort | uniq -c | sed 's/^ */guest-check: KCSAN other: /'
	if [ "$nours" -gt 0 ]; then
		grep '^ours' "$work/kcsan" | cut -f2 | sed 's/^/guest-check: KCSAN ours: /'
		note "the KCSAN reports involving $name, verbatim:"
		dmesg | tail -n +"$((start + 1))" | awk -v tag="[$name]" '
		/BUG: KCSAN: / { if (blk != "" && ours) printf "%s", blk; blk = ""; ours = 0; on = 1 }
		on { blk = blk $0 "\n"; if (index($0, tag)) ours = 1 }
		on && index($0, "==========") && blk ~ /BUG: KCSAN/ { if (ours) printf "%s", blk; blk = ""; ours = 0; on = 0 }' |
			head -n 400
		bad "KCSAN: $nours data race report(s) involving $name"
	fi
	grep -q 'enabled: 1' $dbg/kcsan 2>/dev/null || bad "KCSAN turned off during the run"
fi
if [ "$(debug_locks)" != 1 ]; then
	bad "lockdep turned itself off during the run (debug_locks=$(debug_locks))"
fi
rm -rf "$work"
finish
