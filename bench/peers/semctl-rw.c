// SPDX-License-Identifier: GPL-2.0
/*
 * semctl-bench peer "semctl (read/write)": read(2) takes a unit, write(2)
 * of a count gives them back, as on an EFD_SEMAPHORE eventfd.
 */
#include "../bench.h"

const struct peer peer_semctl_rw = {
	.name = "semctl (read/write)",
	.mode = "rw",
	.semctl = 1,
	.init = sc_init,
	.fini = fd_fini,
	.acquire = fd_read_acquire,
	.release = fd_write_release,
	.waiters = sc_waiters,
	.value = sc_value,
};
