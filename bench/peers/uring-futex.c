// SPDX-License-Identifier: GPL-2.0
/*
 * semctl-bench io_uring peer "FUTEX_WAIT" (6.7+): wait while the count is
 * 0, then compare-and-swap it down; released by an atomic increment and
 * an io_uring FUTEX_WAKE.
 */
#include <string.h>

#include "../bench.h"

#define F2_SIZE_U32		0x02
#define F2_PRIVATE		128

static void prep_futex(struct io_uring_sqe *sqe, int op,
		       _Atomic uint32_t *uaddr, uint64_t val)
{
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = op;
	sqe->fd = F2_SIZE_U32 | F2_PRIVATE;
	sqe->addr = (uintptr_t)uaddr;
	sqe->off = val;			/* addr2: value, or number to wake */
	sqe->addr3 = 0xffffffffULL;	/* FUTEX_BITSET_MATCH_ANY */
}

static const char *na(void)
{
	return env.have_uring_futex ? NULL : "kernel < 6.7";
}

/* no fd: the count is u->fval */
static int open_sem(struct ustate *u)
{
	u->fd = -1;
	return 0;
}

static void prep_acquire(struct ustate *u, struct io_uring_sqe *sqe)
{
	prep_futex(sqe, OP_FUTEX_WAIT, &u->fval, 0);
}

static void release(struct ustate *u)
{
	struct io_uring_sqe *sqe = get_sqe(&u->ring);

	atomic_fetch_add(&u->fval, 1);
	prep_futex(sqe, OP_FUTEX_WAKE, &u->fval, 1);
	sqe->user_data = TAG_WAKE;
	io_uring_submit(&u->ring);
}

/* a wake-up, not a unit: take one if one is there */
static int reaped(struct ustate *u, const struct io_uring_cqe *cqe)
{
	uint32_t v = atomic_load(&u->fval);

	(void)cqe;
	return v && atomic_compare_exchange_strong(&u->fval, &v, v - 1);
}

const struct upeer upeer_futex_wait = {
	.name = "FUTEX_WAIT",
	.na = na,
	.open = open_sem,
	.prep_acquire = prep_acquire,
	.release = release,
	.reaped = reaped,
};
