// SPDX-License-Identifier: GPL-2.0
/*
 * semctl-bench io_uring peer "eventfd READ": IORING_OP_READ on an
 * EFD_SEMAPHORE eventfd. Its READ prep serves "semctl READ" too.
 */
#include <sys/eventfd.h>

#include "../bench.h"

void uring_prep_read(struct ustate *u, struct io_uring_sqe *sqe)
{
	io_uring_prep_read(sqe, u->fd, &u->buf, 8, 0);
}

static int open_sem(struct ustate *u)
{
	u->fd = eventfd(0, EFD_SEMAPHORE);
	return u->fd < 0 ? -1 : 0;
}

const struct upeer upeer_eventfd_read = {
	.name = "eventfd READ",
	.open = open_sem,
	.prep_acquire = uring_prep_read,
	.release = uring_fd_release,
	.reaped = uring_fd_reaped,
};
