#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
# Runs the Python binding's tests (python/tests, stdlib unittest) and prints
# KTAP; exits non-zero on any failure. Needs /dev/semctl (run it in the VM):
#   tools/vm/run --kernel 6.12 --module .cache/build/6.12/module/semctl.ko \
#       --timeout 600 -- python/run_tests.sh [test_module ...]
# PYTHON overrides the interpreter (default: Debian's /usr/bin/python3).
# The C extension (semctl/_semctl*.so) is built first when it is missing or
# older than its source (make -C python; on the host that is where
# `make check` builds it before the VM boots). SEMCTL_PY_NO_EXT=1 tests the
# pure-Python fallback instead.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
py=${PYTHON:-/usr/bin/python3}
[ -x "$py" ] || py=python3
if [ ! -e /dev/semctl ]; then
	echo "KTAP version 1"
	echo "1..0 # SKIP /dev/semctl missing (semctl module not loaded)"
	exit 4
fi
if [ -z "${SEMCTL_PY_NO_EXT:-}" ]; then
	make -s -C "$here" PYTHON="$py" >&2 || { echo "run_tests: the C extension did not build" >&2; exit 1; }
fi
cd "$here/tests" || exit 1
# unclosed fds (ResourceWarning) fail; faulthandler shows where a test hangs
exec "$py" -X faulthandler -W default -W error::ResourceWarning ktap.py "$@"
