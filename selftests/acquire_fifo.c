// SPDX-License-Identifier: GPL-2.0
/*
 * Strict FIFO of SEMCTL_IOC_ACQUIRE: arrival order, no overtaking of a
 * large head request, try-acquire never jumps the queue, all-at-once
 * multi-unit acquisition, no starvation.
 *
 * A waiter is "queued" once query.waiters counts it (bounded poll).
 */
#include "semctl_test.h"

SEMCTL_FIXTURE(fifo)

#define NW 6
static struct waiter w[NW];
static atomic_int order_seq;

static void reap_all(int fd)
{
	int i;

	/* let every remaining waiter finish, then join */
	for (i = 0; i < NW; i++) {
		if (w[i].thread && !atomic_load(&w[i].done))
			sem_release(fd, w[i].count);
	}
	for (i = 0; i < NW; i++)
		waiter_reap(&w[i]);
}

/* start waiter i for count units and wait until it is queued as #n */
#define QUEUE(i, cnt, n) do {						\
	ASSERT_EQ(0, waiter_start_acq(&w[i], self->fd, cnt, &order_seq)); \
	ASSERT_EQ(0, wait_waiters(self->fd, n, NULL)) {			\
		TH_LOG("waiter %d not queued", i);			\
	}								\
} while (0)

TEST_F_TIMEOUT(fifo, arrival_order_single_units, 120)
{
	int i;

	self->fd = sem_create(self->dev, 0, 10);
	ASSERT_LE(0, self->fd);
	for (i = 0; i < NW; i++)
		QUEUE(i, 1, (uint64_t)i + 1);
	for (i = 0; i < NW; i++) {
		ASSERT_EQ(0, sem_release(self->fd, 1));
		ASSERT_EQ(0, waiter_wait(&w[i])) {
			TH_LOG("waiter %d (arrived %d-th) did not get its unit",
			       i, i);
		}
		EXPECT_EQ(0, w[i].ret);
		EXPECT_EQ(i, w[i].order);
		EXPECT_EQ(NW - 1 - i, sem_waiters(self->fd));
	}
	EXPECT_EQ(0, sem_value(self->fd));
	reap_all(self->fd);
}

TEST_F_TIMEOUT(fifo, release_many_serves_in_order, 120)
{
	int i;

	self->fd = sem_create(self->dev, 0, 10);
	ASSERT_LE(0, self->fd);
	for (i = 0; i < NW; i++)
		QUEUE(i, 1, (uint64_t)i + 1);
	ASSERT_EQ(0, sem_release(self->fd, NW));
	for (i = 0; i < NW; i++)
		ASSERT_EQ(0, waiter_wait(&w[i]));
	for (i = 0; i < NW; i++)
		EXPECT_EQ(0, w[i].ret);
	EXPECT_EQ(0, sem_value(self->fd));
	EXPECT_EQ(0, sem_waiters(self->fd));
	reap_all(self->fd);
}

TEST_F_TIMEOUT(fifo, large_head_not_overtaken, 120)
{
	self->fd = sem_create(self->dev, 0, 10);
	ASSERT_LE(0, self->fd);
	QUEUE(0, 5, 1);
	QUEUE(1, 1, 2);
	QUEUE(2, 1, 3);
	/* 4 units: enough for the later waiters, not for the head */
	ASSERT_EQ(0, sem_release(self->fd, 4));
	EXPECT_EQ(4, sem_value(self->fd));
	EXPECT_EQ(3, sem_waiters(self->fd));
	EXPECT_FALSE(atomic_load(&w[1].done));
	EXPECT_FALSE(atomic_load(&w[2].done));
	/* the 5th unit goes with the other 4 to the head */
	ASSERT_EQ(0, sem_release(self->fd, 1));
	ASSERT_EQ(0, waiter_wait(&w[0]));
	EXPECT_EQ(0, w[0].ret);
	EXPECT_EQ(0, sem_value(self->fd));
	EXPECT_EQ(2, sem_waiters(self->fd));
	EXPECT_FALSE(atomic_load(&w[1].done));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	ASSERT_EQ(0, waiter_wait(&w[1]));
	EXPECT_EQ(0, w[1].ret);
	EXPECT_FALSE(atomic_load(&w[2].done));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	ASSERT_EQ(0, waiter_wait(&w[2]));
	EXPECT_EQ(0, w[0].order);
	EXPECT_EQ(1, w[1].order);
	EXPECT_EQ(2, w[2].order);
	reap_all(self->fd);
}

TEST_F_TIMEOUT(fifo, try_does_not_jump_queue, 60)
{
	self->fd = sem_create(self->dev, 0, 10);
	ASSERT_LE(0, self->fd);
	QUEUE(0, 2, 1);
	ASSERT_EQ(0, sem_release(self->fd, 1));
	EXPECT_EQ(1, sem_value(self->fd));
	/* one unit is free, but a waiter is queued */
	EXPECT_EQ(-EAGAIN, sem_try(self->fd, 1));
	EXPECT_EQ(1, sem_value(self->fd));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	ASSERT_EQ(0, waiter_wait(&w[0]));
	EXPECT_EQ(0, w[0].ret);
	EXPECT_EQ(0, sem_value(self->fd));
	/* queue empty again: try works */
	ASSERT_EQ(0, sem_release(self->fd, 1));
	EXPECT_EQ(0, sem_try(self->fd, 1));
	reap_all(self->fd);
}

TEST_F_TIMEOUT(fifo, blocking_acquire_queues_behind_waiter, 60)
{
	/* a new blocking acquire with units free still queues at the tail */
	self->fd = sem_create(self->dev, 0, 10);
	ASSERT_LE(0, self->fd);
	QUEUE(0, 3, 1);
	ASSERT_EQ(0, sem_release(self->fd, 2));
	QUEUE(1, 1, 2);
	EXPECT_FALSE(atomic_load(&w[1].done));
	EXPECT_EQ(2, sem_value(self->fd));
	/*
	 * One more unit serves the head only; the tail still waits. (Two
	 * waiters granted by one release may return in either order.)
	 */
	ASSERT_EQ(0, sem_release(self->fd, 1));
	ASSERT_EQ(0, waiter_wait(&w[0]));
	EXPECT_EQ(0, w[0].order);
	EXPECT_EQ(0, sem_value(self->fd));
	EXPECT_EQ(1, sem_waiters(self->fd));
	EXPECT_FALSE(atomic_load(&w[1].done));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	ASSERT_EQ(0, waiter_wait(&w[1]));
	EXPECT_EQ(1, w[1].order);
	EXPECT_EQ(0, sem_value(self->fd));
	reap_all(self->fd);
}

TEST_F_TIMEOUT(fifo, multi_unit_taken_at_once, 60)
{
	self->fd = sem_create(self->dev, 3, 10);
	ASSERT_LE(0, self->fd);
	QUEUE(0, 5, 1);
	/* the 3 free units are not taken piecemeal */
	EXPECT_EQ(3, sem_value(self->fd));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	EXPECT_EQ(4, sem_value(self->fd));
	EXPECT_FALSE(atomic_load(&w[0].done));
	ASSERT_EQ(0, sem_release(self->fd, 2));
	ASSERT_EQ(0, waiter_wait(&w[0]));
	EXPECT_EQ(0, w[0].ret);
	EXPECT_EQ(1, sem_value(self->fd));
	reap_all(self->fd);
}

TEST_F_TIMEOUT(fifo, mixed_sizes_served_in_order, 120)
{
	/* queue: 2, 1, 3, 1; release 7 -> all, in order */
	self->fd = sem_create(self->dev, 0, 10);
	ASSERT_LE(0, self->fd);
	QUEUE(0, 2, 1);
	QUEUE(1, 1, 2);
	QUEUE(2, 3, 3);
	QUEUE(3, 1, 4);
	ASSERT_EQ(0, sem_release(self->fd, 3));
	/* 2 and 1 served; 3 at the head blocks the last 1 */
	ASSERT_EQ(0, waiter_wait(&w[0]));
	ASSERT_EQ(0, waiter_wait(&w[1]));
	ASSERT_EQ(0, wait_waiters(self->fd, 2, NULL));
	EXPECT_FALSE(atomic_load(&w[3].done));
	ASSERT_EQ(0, sem_release(self->fd, 2));
	EXPECT_EQ(2, sem_value(self->fd));
	EXPECT_FALSE(atomic_load(&w[3].done));
	ASSERT_EQ(0, sem_release(self->fd, 2));
	ASSERT_EQ(0, waiter_wait(&w[2]));
	ASSERT_EQ(0, waiter_wait(&w[3]));
	EXPECT_EQ(0, sem_value(self->fd));
	reap_all(self->fd);
}

/* small takers loop acquire(1)/release(1) while a big request waits */
static atomic_int stop_small;
static atomic_int small_errors;

static void *small_loop(void *arg)
{
	int fd = *(int *)arg;

	while (!atomic_load(&stop_small)) {
		if (sem_acquire_bounded(fd, 1, 0)) {
			atomic_fetch_add(&small_errors, 1);
			break;
		}
		if (sem_release(fd, 1)) {
			atomic_fetch_add(&small_errors, 1);
			break;
		}
	}
	return NULL;
}

TEST_F_TIMEOUT(fifo, no_starvation_of_large_request, 120)
{
	pthread_t th[3];
	uint64_t t0;
	int i;

	self->fd = sem_create(self->dev, 4, 4);
	ASSERT_LE(0, self->fd);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, small_loop,
					    &self->fd));
	t0 = mono_ms();
	/* let the small takers churn, then ask for everything */
	while (mono_ms() - t0 < 100)
		sleep_ms(10);
	ASSERT_EQ(0, waiter_start_acq(&w[0], self->fd, 4, NULL));
	EXPECT_EQ(0, waiter_wait(&w[0])) {
		TH_LOG("acquire(4) starved by acquire(1)/release(1) loops");
	}
	EXPECT_EQ(0, w[0].ret);
	atomic_store(&stop_small, 1);
	if (atomic_load(&w[0].done) && w[0].ret == 0)
		sem_release(self->fd, 4);
	for (i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	EXPECT_EQ(0, atomic_load(&small_errors));
	reap_all(self->fd);
	EXPECT_EQ(4, sem_value(self->fd));
}

TEST_F_TIMEOUT(fifo, waiters_counts_requests, 60)
{
	self->fd = sem_create(self->dev, 0, 10);
	ASSERT_LE(0, self->fd);
	QUEUE(0, 3, 1);
	QUEUE(1, 2, 2);
	EXPECT_EQ(2, sem_waiters(self->fd));
	ASSERT_EQ(0, sem_release(self->fd, 5));
	ASSERT_EQ(0, waiter_wait(&w[0]));
	ASSERT_EQ(0, waiter_wait(&w[1]));
	EXPECT_EQ(0, sem_waiters(self->fd));
	reap_all(self->fd);
}

TEST_F_TIMEOUT(fifo, close_fd_while_waiter_blocked, 60)
{
	int fd2;

	/* the blocked call holds the open file: closing the fd number
	 * neither wakes nor frees it
	 */
	unique_name(self->name, sizeof(self->name), "closeblk");
	self->fd = sem_create_full(self->dev, SEMCTL_CREATE_EXCL, 0, 5,
				   self->name, 0600);
	ASSERT_LE(0, self->fd);
	fd2 = sem_open_name(self->dev, self->name, 0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, waiter_start_acq(&w[0], fd2, 1, NULL));
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	close(fd2);
	EXPECT_EQ(1, sem_waiters(self->fd));
	EXPECT_FALSE(atomic_load(&w[0].done));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	ASSERT_EQ(0, waiter_wait(&w[0]));
	EXPECT_EQ(0, w[0].ret);
	EXPECT_EQ(0, sem_value(self->fd));
	waiter_reap(&w[0]);
}

SEMCTL_HARNESS_MAIN
