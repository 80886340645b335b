// SPDX-License-Identifier: GPL-2.0
/* semctl-bench peer "sem_t": POSIX sem_init, process-shared if needed. */
#include <errno.h>

#include "../bench.h"

static int init(struct bsem *s, uint32_t value, uint32_t max)
{
	(void)max;
	return sem_init(&s->ps, s->shared, value) ? -errno : 0;
}

static void fini(struct bsem *s)
{
	sem_destroy(&s->ps);
}

static int acquire(struct bsem *s, uint32_t n, int restart)
{
	uint32_t i;
	int r = 0;

	for (i = 0; i < n; i++) {
		do
			r = sem_wait(&s->ps);
		while (r < 0 && errno == EINTR && restart);
		if (r)
			break;
	}
	return r;
}

static int release(struct bsem *s, uint32_t n)
{
	uint32_t i;
	int r = 0;

	for (i = 0; i < n && !r; i++)
		r = sem_post(&s->ps);
	return r;
}

const struct peer peer_semt = {
	.name = "sem_t",
	.mode = "semt",
	.init = init,
	.fini = fini,
	.acquire = acquire,
	.release = release,
};
