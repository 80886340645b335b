// SPDX-License-Identifier: GPL-2.0
/*
 * semctl-bench peer "semctl (mapped)": libsemctl's semctl_map_*, one
 * compare-and-swap on the mapped value word while nobody waits.
 */
#include <errno.h>
#include <unistd.h>

#include "../bench.h"

static int init(struct bsem *s, uint32_t value, uint32_t max)
{
	int r;

	s->fd = sc_create(value, max, NULL, 0);
	if (s->fd < 0)
		return -errno;
	r = semctl_map_create(s->fd, &s->map);
	if (r < 0) {
		close(s->fd);
		s->fd = -1;
	}
	return r;
}

static void fini(struct bsem *s)
{
	semctl_map_destroy(s->map);
	s->map = NULL;
	fd_fini(s);
}

static int acquire(struct bsem *s, uint32_t n, int restart)
{
	int r;

	do {
		r = semctl_map_acquire(s->map, n, 0);
		if (r < 0) {
			errno = -r;
			r = -1;
		}
	} while (r < 0 && errno == EINTR && restart);
	return r;
}

static int release(struct bsem *s, uint32_t n)
{
	int r = semctl_map_release(s->map, n, NULL);

	if (r < 0) {
		errno = -r;
		r = -1;
	}
	return r;
}

const struct peer peer_semctl_map = {
	.name = "semctl (mapped)",
	.mode = "map",
	.semctl = 1,
	.init = init,
	.fini = fini,
	.acquire = acquire,
	.release = release,
	.waiters = sc_waiters,
	.value = sc_value,
};
