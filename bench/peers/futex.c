// SPDX-License-Identifier: GPL-2.0
/*
 * semctl-bench peer "futex": a counting semaphore on a raw futex word,
 * with a waiter count so that an uncontended release makes no syscall.
 */
#include <linux/futex.h>

#include "../bench.h"

static int fop(const struct bsem *s, int op)
{
	return s->shared ? op : op | FUTEX_PRIVATE_FLAG;
}

static int init(struct bsem *s, uint32_t value, uint32_t max)
{
	(void)max;
	atomic_store(&s->fval, value);
	return 0;
}

static int acquire(struct bsem *s, uint32_t n, int restart)
{
	(void)restart;
	for (;;) {
		uint32_t v = atomic_load(&s->fval);

		while (v >= n)
			if (atomic_compare_exchange_weak(&s->fval, &v, v - n))
				return 0;
		atomic_fetch_add(&s->fwait, 1);
		futex(&s->fval, fop(s, FUTEX_WAIT), v, NULL);
		atomic_fetch_sub(&s->fwait, 1);
	}
}

static int release(struct bsem *s, uint32_t n)
{
	atomic_fetch_add(&s->fval, n);
	if (atomic_load(&s->fwait))
		futex(&s->fval, fop(s, FUTEX_WAKE), n, NULL);
	return 0;
}

const struct peer peer_futex = {
	.name = "futex",
	.mode = "futex",
	.init = init,
	.acquire = acquire,
	.release = release,
};
