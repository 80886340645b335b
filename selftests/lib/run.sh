#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the libsemctl and semctl(1) selftests (TEST_GEN_PROGS of the Makefile
# next to this script) with selftests/run_kselftest.sh, as suite
# "semctl-lib":
#
#   selftests/lib/run.sh            every program
#   selftests/lib/run.sh PROG       one program (lib_api, lib_uring, cli)
#   selftests/lib/run.sh FILTER     the tests whose "fixture.name" contains
#                                   FILTER (e.g. cli.poison)
#   selftests/lib/run.sh -l         list programs and tests
#
# KTAP and exit status as run_kselftest.sh's. Binaries are looked up in
# $SEMCTL_LIB_SELFTESTS_DIR, else next to this script. Needs semctl.ko
# loaded (run it in the VM: tools/vm/run ... -- $0).

here=$(cd "$(dirname "$0")" && pwd)
exec bash "$here/../run_kselftest.sh" --dir "$here" --suite semctl-lib \
	--bindir "${SEMCTL_LIB_SELFTESTS_DIR:-$here}" "$@"
