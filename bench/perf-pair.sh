#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Where an uncontended acquire+release pair spends its time, per primitive:
# run inside the guest (bench/run.sh --perf) or on a machine with semctl.ko
# loaded. Needs perf (Debian: linux-perf); samples cpu-clock, so it works
# in QEMU TCG, which has no PMU.
#   bench/perf-pair.sh [PAIRS]
set -u
bench=$(dirname "$0")/semctl-bench
n=${1:-200000}
tmp=$(mktemp -d)
for m in eventfd rw ioctl sysv; do
	"$bench" --profile "$m" "$n"
done
for m in eventfd rw ioctl; do
	echo
	echo "=== perf: $m, top symbols (self)"
	perf record -q -e cpu-clock -F 5000 -o "$tmp/$m.data" -- \
		"$bench" --profile "$m" "$n" >/dev/null 2>&1 || { echo "perf record failed"; continue; }
	perf report -i "$tmp/$m.data" --stdio --no-children --sort sym 2>/dev/null |
		grep -v -e '^#' -e '^$' | head -n 30
done
rm -rf "$tmp"
