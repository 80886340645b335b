// SPDX-License-Identifier: GPL-2.0
/*
 * semctl-bench peer "eventfd": EFD_SEMAPHORE, read(2) takes one unit,
 * write(2) adds a count. The read/write helpers serve semctl's
 * read/write peer too.
 */
#include <errno.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "../bench.h"

/* @n reads of one unit each */
int fd_read_acquire(struct bsem *s, uint32_t n, int restart)
{
	uint64_t u;
	uint32_t i;
	int r = 0;

	for (i = 0; i < n; i++) {
		do
			r = read(s->fd, &u, sizeof(u)) == sizeof(u) ? 0 : -1;
		while (r < 0 && errno == EINTR && restart);
		if (r)
			break;
	}
	return r;
}

int fd_write_release(struct bsem *s, uint32_t n)
{
	uint64_t u = n;

	return write(s->fd, &u, sizeof(u)) == sizeof(u) ? 0 : -1;
}

static int init(struct bsem *s, uint32_t value, uint32_t max)
{
	(void)max;
	s->fd = eventfd(value, EFD_SEMAPHORE);
	return s->fd < 0 ? -errno : 0;
}

const struct peer peer_eventfd = {
	.name = "eventfd",
	.mode = "eventfd",
	.init = init,
	.fini = fd_fini,
	.acquire = fd_read_acquire,
	.release = fd_write_release,
};
