#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make bench` / `make bench-smoke`: semctl against its peers, in QEMU.
#
#   bench/run.sh [--smoke] [--kernels "6.1 6.12 newest"] [--out DIR] [-- BENCH-ARGS]
#   bench/run.sh --perf [--kernels ...]   perf profile of the uncontended pair
#                                          -> DIR/perf-<kernel>.txt
#
# For each kernel (KERNELS or --kernels; default both): builds semctl.ko
# (tools/vm/build-module.sh), boots the kernel with tools/vm/run, runs
# bench/semctl-bench and the Python rows (bench/python/pybench.py and
# asyncio_bench.py) inside,
# and writes DIR/latest.md (one table set per
# kernel, caveats first) and DIR/latest.png (the scaling rows, gnuplot).
# DIR is bench/results for a full run, .cache/bench/smoke for --smoke (so
# CI never dirties the tree). Raw outputs stay in .cache/bench/<mode>/.
#
# VM_TIMEOUT bounds each VM run (default 900 s full, 240 s smoke).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
cache=${SEMCTL_CACHE:-$top/.cache}
kernels=${KERNELS:-6.1 6.12}
smoke=0
perf=0
out=
bench_args=()
while [ $# -gt 0 ]; do
	case $1 in
	--smoke)	smoke=1; shift ;;
	--perf)		perf=1; shift ;;
	--kernels)	kernels=$2; shift 2 ;;
	--out)		out=$2; shift 2 ;;
	--)		shift; bench_args=("$@"); break ;;
	-h|--help)	sed -n '3,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*)		echo "bench: unknown argument $1" >&2; exit 2 ;;
	esac
done
mode=full
[ $smoke = 1 ] && mode=smoke && bench_args=(--smoke "${bench_args[@]}")
work=$cache/bench/$mode
if [ -z "$out" ]; then
	if [ $smoke = 1 ]; then out=$work; else out=$top/bench/results; fi
fi
vm_timeout=${VM_TIMEOUT:-$([ $smoke = 1 ] && echo 240 || echo 900)}
log() { echo "bench: $*" >&2; }
die() { echo "bench: FAIL: $*" >&2; exit 1; }

mkdir -p "$work" "$out"
cd "$top"
make -s -C bench || die "bench/semctl-bench did not build"
# the Python rows import python/semctl with its C extension, built here
make -s -C python || die "the Python C extension did not build"

status=0
ran=()
for k in $kernels; do
	case $k in
	newest|[0-9]*.[0-9]*) ;;
	*) die "unknown kernel series '$k' (6.1, 6.12, X.Y or newest)" ;;
	esac
	log "building semctl.ko for $k"
	# A private copy: others may rebuild .cache/build/<k> meanwhile.
	mkdir -p "$work/$k"
	if ! "$top/tools/vm/build-module.sh" "$k" >"$work/$k/build.log" 2>&1 ||
	   ! cp "$cache/build/$k/module/semctl.ko" "$work/$k/semctl.ko"; then
		tail -n 20 "$work/$k/build.log" >&2
		die "semctl.ko for $k did not build"
	fi
	if [ $perf = 1 ]; then
		log "perf profile of the uncontended pair on $k"
		VMRUN_QUIET=1 "$top/tools/vm/run" --kernel "$k" \
			--module "$work/$k/semctl.ko" --timeout "$vm_timeout" \
			-- bench/perf-pair.sh 2>&1 | tr -d '\r' >"$out/perf-$k.txt" ||
			status=1
		log "wrote $out/perf-$k.txt"
		continue
	fi
	log "running semctl-bench ($mode) on $k, timeout ${vm_timeout}s"
	VMRUN_QUIET=1 "$top/tools/vm/run" --kernel "$k" \
		--module "$work/$k/semctl.ko" --timeout "$vm_timeout" \
		-- bench/guest-bench.sh "${bench_args[@]}" \
		>"$work/$k/out.txt" 2>"$work/$k/err.txt"
	rc=$?
	tr -d '\r' <"$work/$k/out.txt" >"$work/$k/out.clean"
	if [ $rc != 0 ]; then
		tail -n 20 "$work/$k/err.txt" >&2
		log "$k: VM run failed (exit $rc)"
		status=1
		continue
	fi
	grep -v '^@data ' "$work/$k/out.clean" | grep -v '^\[bench\]' >"$work/$k/table.md"
	grep '^@data ' "$work/$k/out.clean" >"$work/$k/data.txt" || true
	ran+=("$k")
done
[ $perf = 1 ] && exit $status
[ ${#ran[@]} -gt 0 ] || die "no kernel ran"

# The plot: one panel per scaling row, one line per primitive and kernel.
png=$out/latest.png
plot_ok=0
if ! command -v gnuplot >/dev/null && [ "$(id -u)" = 0 ]; then
	log "installing gnuplot-nox"
	apt-get install -y -qq gnuplot-nox >/dev/null 2>&1 || true
fi
if command -v gnuplot >/dev/null; then
	pdir=$work/plot
	rm -rf "$pdir"
	mkdir -p "$pdir"
	# @data TABLE SERIES... X Y  ->  $pdir/TABLE/KERNEL/SERIES.dat
	for k in "${ran[@]}"; do
		awk -v dir="$pdir" -v k="$k" '{
			s = $3; for (i = 4; i <= NF - 2; i++) s = s " " $i
			f = s; gsub(/[^A-Za-z0-9_.+-]/, "_", f)
			d = dir "/" $2 "/" k
			system("mkdir -p \"" d "\"")
			print $(NF-1), $NF >> (d "/" f ".dat")
			print s > (d "/" f ".name")
		}' "$work/$k/data.txt"
	done
	panel() { # TABLE TITLE XLABEL YLABEL LOGY
		local t=$1 sep="" cmd="" f k name dt
		[ -d "$pdir/$t" ] || { echo "set title '$2 (no data)'; plot 2 notitle"; return; }
		echo "set title '$2'; set xlabel '$3'; set ylabel '$4'"
		echo "set logscale x"
		[ "$5" = 1 ] && echo "set logscale y" || echo "unset logscale y"
		for k in "${ran[@]}"; do
			dt=1; [ "$k" = 6.1 ] && dt=2
			for f in "$pdir/$t/$k"/*.dat; do
				[ -f "$f" ] || continue
				sort -n -o "$f" "$f"
				name=$(head -n1 "${f%.dat}.name")
				cmd+="$sep'$f' using 1:2 with linespoints dt $dt lw 2 title '$name ($k)'"
				sep=", "
			done
		done
		echo "plot $cmd"
	}
	{
		echo "set terminal pngcairo size 1600,1200 font 'DejaVu Sans,10' noenhanced"
		echo "set output '$png'"
		echo "set multiplot layout 2,2 title 'semctl-bench scaling rows ($mode, QEMU TCG; ratios matter, not absolute times)'"
		echo "set key top left font ',8'"
		echo "set grid"
		panel herd "Row 4: wake-ups caused by one release of 1 unit" \
			"W blocked waiters" "waiters woken" 1
		panel release "Row 6a: release cost, N waiters not woken" \
			"N queued waiters (want 32767 units)" "ns per release" 1
		panel handoff "Row 6b: handoff cost, N io_uring acquires queued" \
			"N acquires in flight" "ns per acquire" 1
		panel create "Row 6c: create/open/close cost, N alive" \
			"N semaphores alive" "ns per operation" 1
		echo "unset multiplot"
	} >"$pdir/plot.gp"
	if gnuplot "$pdir/plot.gp" 2>"$pdir/gnuplot.err"; then
		plot_ok=1
	else
		cat "$pdir/gnuplot.err" >&2
		log "gnuplot failed; no PNG"
	fi
else
	log "gnuplot not installed (apt-get install gnuplot-nox); no PNG"
fi

md=$out/latest.md
{
	echo "# semctl benchmarks ($mode run)"
	echo
	echo "Made by \`$( [ $smoke = 1 ] && echo 'make bench-smoke' || echo 'make bench')\` (bench/run.sh) on $(date -u '+%Y-%m-%d %H:%M UTC'),"
	echo "semctl at $(git -C "$top" describe --always --dirty 2>/dev/null || echo '?'), kernels: ${ran[*]}."
	echo "Each kernel boots in QEMU (2 vCPUs, 1 GiB) with semctl.ko loaded and runs \`bench/semctl-bench\`."
	echo
	echo "## Read this first"
	echo
	echo "- **Ratios first.** Every row measures semctl and its peers in the same run, back to back;"
	echo "  compare the ratio columns, not absolute times."
	echo "- **QEMU TCG, not KVM** (nested KVM hangs on this host): a syscall costs ~4× native, pure"
	echo "  userspace ~16×, so userspace-only fast paths (sem_t, futex uncontended) look relatively"
	echo "  slower than on hardware and syscall-bound ones relatively faster."
	echo "- **Cross-CPU wake-ups** in TCG can stall until the next guest timer tick (milliseconds):"
	echo "  the cross-CPU ping-pong rows and every \"longest wait\" are dominated by that, and vary"
	echo "  widely between repetitions; look at min–max."
	echo "- The guest boots with \`tsc=reliable\` so clock_gettime() stays in the vDSO."
	echo "- Cells are median (min–max) over the repetitions; \`n/a\` says why a cell does not apply."
	echo "- The same binary runs on a real machine with semctl.ko loaded: see bench/README.md."
	echo "- Other VMs may share this 2-core host; each run records its own spread."
	[ -f "$out/analysis.md" ] &&
		echo "- **Why semctl misses some targets** and what would fix it: [analysis.md](analysis.md)."
	[ $plot_ok = 1 ] && { echo; echo "![scaling rows]($(basename "$png"))"; }
	for k in "${ran[@]}"; do
		echo
		sed 's/^## /## /' "$work/$k/table.md"
	done
} >"$md"
[ $plot_ok = 1 ] && log "wrote $md and $png" || log "wrote $md"
exit $status
