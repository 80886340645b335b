// SPDX-License-Identifier: GPL-2.0
/*
 * A release wakes exactly the waiters it satisfies (eventfd wakes all;
 * semctl must not). The still-blocked threads are checked two ways:
 * query.waiters, and their voluntary context switch count in
 * /proc/self/task/TID/status (a spurious wake-up makes a sleeper run and
 * sleep again, which counts one more voluntary switch).
 */
#include "semctl_test.h"

SEMCTL_FIXTURE(wake)

#define NW 4
/* observation window for "nothing else happened" */
#define QUIET_MS 300

static struct waiter w[NW];
static atomic_int order_seq;

static void reap_all(int fd)
{
	int i;

	for (i = 0; i < NW; i++)
		if (w[i].thread && !atomic_load(&w[i].done))
			sem_release(fd, w[i].count);
	for (i = 0; i < NW; i++)
		waiter_reap(&w[i]);
}

/* queue NW waiters of op/count each; all asleep in the kernel */
static int queue_all(int fd, enum waiter_op op, const __u64 *counts)
{
	int i, r;

	for (i = 0; i < NW; i++) {
		if (op == OP_READ)
			r = waiter_start(&w[i], fd, OP_READ, 1, 0, 0,
					 &order_seq);
		else
			r = waiter_start_acq(&w[i], fd, counts[i], &order_seq);
		if (r)
			return r;
		r = wait_waiters(fd, (uint64_t)i + 1, NULL);
		if (r)
			return r;
		r = wait_task_sleeping(atomic_load(&w[i].tid));
		if (r)
			return r;
	}
	return 0;
}

static void snap_nvcsw(long *out)
{
	int i;

	for (i = 0; i < NW; i++)
		out[i] = atomic_load(&w[i].done) ? -1 :
			 task_nvcsw(atomic_load(&w[i].tid));
}

static int count_done(void)
{
	int i, n = 0;

	for (i = 0; i < NW; i++)
		n += atomic_load(&w[i].done);
	return n;
}

/*
 * Release `rel` units and check that exactly the first `expect` queued
 * waiters complete and no other waiter even woke up.
 */
static void release_and_check(struct __test_metadata *_metadata, int fd,
			      __u64 rel, int already, int expect)
{
	long before[NW], after[NW];
	int i;

	snap_nvcsw(before);
	for (i = already; i < NW; i++)
		ASSERT_LE(0, before[i]);
	ASSERT_EQ(0, sem_release(fd, rel));
	for (i = already; i < already + expect; i++)
		ASSERT_EQ(0, waiter_wait(&w[i])) {
			TH_LOG("waiter %d not woken", i);
		}
	sleep_ms(QUIET_MS);
	EXPECT_EQ(already + expect, count_done());
	EXPECT_EQ(NW - already - expect, sem_waiters(fd));
	snap_nvcsw(after);
	for (i = already + expect; i < NW; i++) {
		EXPECT_EQ(before[i], after[i]) {
			TH_LOG("waiter %d woke up spuriously (%ld -> %ld)",
			       i, before[i], after[i]);
		}
		EXPECT_EQ('S', task_state(atomic_load(&w[i].tid)));
	}
	for (i = already; i < already + expect; i++) {
		EXPECT_LE(0, w[i].ret);
		/* several woken at once may finish in any order */
		if (expect == 1)
			EXPECT_EQ(i, w[i].order);
	}
}

TEST_F_TIMEOUT(wake, release_one_wakes_exactly_one, 90)
{
	static const __u64 ones[NW] = { 1, 1, 1, 1 };

	self->fd = sem_create(self->dev, 0, 10);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, queue_all(self->fd, OP_ACQUIRE, ones));
	release_and_check(_metadata, self->fd, 1, 0, 1);
	release_and_check(_metadata, self->fd, 1, 1, 1);
	release_and_check(_metadata, self->fd, 2, 2, 2);
	EXPECT_EQ(0, sem_value(self->fd));
	reap_all(self->fd);
}

TEST_F_TIMEOUT(wake, release_two_wakes_exactly_two, 90)
{
	static const __u64 ones[NW] = { 1, 1, 1, 1 };

	self->fd = sem_create(self->dev, 0, 10);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, queue_all(self->fd, OP_ACQUIRE, ones));
	release_and_check(_metadata, self->fd, 2, 0, 2);
	EXPECT_EQ(0, sem_value(self->fd));
	reap_all(self->fd);
}

TEST_F_TIMEOUT(wake, unsatisfying_release_wakes_nobody, 90)
{
	static const __u64 counts[NW] = { 3, 1, 1, 1 };

	self->fd = sem_create(self->dev, 0, 10);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, queue_all(self->fd, OP_ACQUIRE, counts));
	/* 2 units: the head needs 3, the ones behind must not wake */
	release_and_check(_metadata, self->fd, 2, 0, 0);
	EXPECT_EQ(2, sem_value(self->fd));
	/* 1 more: the head only */
	release_and_check(_metadata, self->fd, 1, 0, 1);
	EXPECT_EQ(0, sem_value(self->fd));
	reap_all(self->fd);
}

TEST_F_TIMEOUT(wake, release_satisfying_all_wakes_all, 90)
{
	static const __u64 counts[NW] = { 2, 1, 3, 1 };

	self->fd = sem_create(self->dev, 0, 10);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, queue_all(self->fd, OP_ACQUIRE, counts));
	release_and_check(_metadata, self->fd, 7, 0, NW);
	EXPECT_EQ(0, sem_value(self->fd));
	reap_all(self->fd);
}

TEST_F_TIMEOUT(wake, read_waiters_woken_one_at_a_time, 90)
{
	self->fd = sem_create(self->dev, 0, 10);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, queue_all(self->fd, OP_READ, NULL));
	release_and_check(_metadata, self->fd, 1, 0, 1);
	EXPECT_EQ(8, w[0].ret);
	EXPECT_EQ(1, w[0].readval);
	release_and_check(_metadata, self->fd, 1, 1, 1);
	release_and_check(_metadata, self->fd, 2, 2, 2);
	reap_all(self->fd);
}

TEST_F_TIMEOUT(wake, write_wakes_exactly_n, 90)
{
	long before[NW], after[NW];
	uint64_t v = 1;
	int i;

	self->fd = sem_create(self->dev, 0, 10);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, queue_all(self->fd, OP_READ, NULL));
	snap_nvcsw(before);
	ASSERT_EQ(8, write(self->fd, &v, sizeof(v)));
	ASSERT_EQ(0, waiter_wait(&w[0]));
	sleep_ms(QUIET_MS);
	snap_nvcsw(after);
	EXPECT_EQ(1, count_done());
	for (i = 1; i < NW; i++)
		EXPECT_EQ(before[i], after[i]);
	v = 3;
	ASSERT_EQ(8, write(self->fd, &v, sizeof(v)));
	for (i = 1; i < NW; i++)
		ASSERT_EQ(0, waiter_wait(&w[i]));
	reap_all(self->fd);
}

SEMCTL_HARNESS_MAIN
