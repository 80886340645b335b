// SPDX-License-Identifier: GPL-2.0
/*
 * semctl-bench io_uring peer "semctl uring_cmd": SEMCTL_URING_CMD_ACQUIRE,
 * the SQE filled by hand (liburing 2.3 has no io_uring_prep_uring_cmd).
 */
#include <errno.h>

#include "../bench.h"

static const char *na(void)
{
	const char *why = uring_semctl_na();

	if (!why && !env.have_uring_cmd)
		why = "no uring_cmd";
	return why;
}

static void prep_acquire(struct ustate *u, struct io_uring_sqe *sqe)
{
	prep_semctl_acquire(sqe, u->fd, 1);
}

const struct upeer upeer_semctl_cmd = {
	.name = "semctl uring_cmd",
	.na = na,
	.open = uring_semctl_open,
	.prep_acquire = prep_acquire,
	.release = uring_fd_release,
	.reaped = uring_fd_reaped,
};
