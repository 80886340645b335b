#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs in the VM (bench/run.sh): bench/semctl-bench with its arguments, then
# the Python rows (bench/python/pybench.py and asyncio_bench.py, Debian's
# python3), in one boot.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
bench/semctl-bench "$@" || exit
py_args=()
for a in "$@"; do
	[ "$a" = --smoke ] && py_args+=(--smoke)
done
echo
/usr/bin/python3 bench/python/pybench.py "${py_args[@]}" || exit
echo
echo "### Python asyncio: semctl.asyncio.Semaphore against asyncio.Semaphore"
echo
/usr/bin/python3 bench/python/asyncio_bench.py "${py_args[@]}"
