// SPDX-License-Identifier: GPL-2.0
/* semctl-bench io_uring peer "semctl READ": IORING_OP_READ on a semctl fd. */
#include "../bench.h"

static int open_sem(struct ustate *u)
{
	u->fd = sc_create(0, 0, NULL, 0);
	return u->fd < 0 ? -1 : 0;
}

const struct upeer upeer_semctl_read = {
	.name = "semctl READ",
	.na = uring_semctl_na,
	.open = open_sem,
	.prep_acquire = uring_prep_read,
	.release = uring_fd_release,
	.reaped = uring_fd_reaped,
};
