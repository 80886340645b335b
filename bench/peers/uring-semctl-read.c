// SPDX-License-Identifier: GPL-2.0
/* semctl-bench io_uring peer "semctl READ": IORING_OP_READ on a semctl fd. */
#include "../bench.h"

const struct upeer upeer_semctl_read = {
	.name = "semctl READ",
	.na = uring_semctl_na,
	.open = uring_semctl_open,
	.prep_acquire = uring_prep_read,
	.release = uring_fd_release,
	.reaped = uring_fd_reaped,
};
