// SPDX-License-Identifier: GPL-2.0
/*
 * SEMCTL_ACQUIRE_TIMEOUT: relative, absolute CLOCK_MONOTONIC, absolute
 * CLOCK_REALTIME; ETIMEDOUT; the flag combinations that are EINVAL; a
 * timed-out head waiter lets the next one through.
 */
#include "semctl_test.h"

SEMCTL_FIXTURE(tmo)

#define MS(x)		((__u64)(x) * NSEC_PER_MSEC)
/* upper slack for a TCG guest */
#define SLACK_MS	3000

static struct waiter w[3];

static int setup_sem(FIXTURE_DATA(tmo) *self, __u64 value, __u64 max)
{
	self->fd = sem_create(self->dev, value, max);
	return self->fd;
}

TEST_F(tmo, relative_expires_etimedout)
{
	uint64_t t0, el;

	ASSERT_LE(0, setup_sem(self, 0, 5));
	t0 = now_ns(CLOCK_MONOTONIC);
	EXPECT_EQ(-ETIMEDOUT, sem_acquire_full(self->fd, 1,
					       SEMCTL_ACQUIRE_TIMEOUT,
					       MS(150)));
	el = (now_ns(CLOCK_MONOTONIC) - t0) / NSEC_PER_MSEC;
	EXPECT_GE(el, 149);
	EXPECT_LT(el, 150 + SLACK_MS);
	EXPECT_EQ(0, sem_waiters(self->fd));
	EXPECT_EQ(0, sem_value(self->fd));
}

TEST_F(tmo, relative_zero_expires_at_once)
{
	uint64_t t0, el;

	ASSERT_LE(0, setup_sem(self, 0, 5));
	t0 = now_ns(CLOCK_MONOTONIC);
	EXPECT_EQ(-ETIMEDOUT, sem_acquire_full(self->fd, 1,
					       SEMCTL_ACQUIRE_TIMEOUT, 0));
	el = (now_ns(CLOCK_MONOTONIC) - t0) / NSEC_PER_MSEC;
	EXPECT_LT(el, SLACK_MS);
	EXPECT_EQ(0, sem_waiters(self->fd));
}

TEST_F(tmo, relative_available_succeeds_at_once)
{
	ASSERT_LE(0, setup_sem(self, 2, 5));
	EXPECT_EQ(0, sem_acquire_full(self->fd, 2, SEMCTL_ACQUIRE_TIMEOUT,
				      MS(100)));
	EXPECT_EQ(0, sem_value(self->fd));
	/* even a zero timeout takes what is there */
	ASSERT_EQ(0, sem_release(self->fd, 1));
	EXPECT_EQ(0, sem_acquire_full(self->fd, 1, SEMCTL_ACQUIRE_TIMEOUT,
				      0));
}

TEST_F(tmo, relative_success_before_expiry)
{
	ASSERT_LE(0, setup_sem(self, 0, 5));
	ASSERT_EQ(0, waiter_start(&w[0], self->fd, OP_ACQUIRE, 2,
				  SEMCTL_ACQUIRE_TIMEOUT, MS(20000), NULL));
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	ASSERT_EQ(0, sem_release(self->fd, 2));
	ASSERT_EQ(0, waiter_wait(&w[0]));
	EXPECT_EQ(0, w[0].ret);
	EXPECT_EQ(0, sem_value(self->fd));
	waiter_reap(&w[0]);
}

TEST_F(tmo, abs_monotonic_expires_etimedout)
{
	uint64_t t0, el;

	ASSERT_LE(0, setup_sem(self, 0, 5));
	t0 = now_ns(CLOCK_MONOTONIC);
	EXPECT_EQ(-ETIMEDOUT, sem_acquire_full(self->fd, 1,
			SEMCTL_ACQUIRE_TIMEOUT | SEMCTL_ACQUIRE_ABSTIME,
			t0 + MS(150)));
	el = (now_ns(CLOCK_MONOTONIC) - t0) / NSEC_PER_MSEC;
	EXPECT_GE(el, 149);
	EXPECT_LT(el, 150 + SLACK_MS);
	EXPECT_EQ(0, sem_waiters(self->fd));
}

TEST_F(tmo, abs_monotonic_past_deadline)
{
	uint64_t t0, el;

	ASSERT_LE(0, setup_sem(self, 0, 5));
	t0 = now_ns(CLOCK_MONOTONIC);
	EXPECT_EQ(-ETIMEDOUT, sem_acquire_full(self->fd, 1,
			SEMCTL_ACQUIRE_TIMEOUT | SEMCTL_ACQUIRE_ABSTIME,
			t0 - MS(10)));
	EXPECT_EQ(-ETIMEDOUT, sem_acquire_full(self->fd, 1,
			SEMCTL_ACQUIRE_TIMEOUT | SEMCTL_ACQUIRE_ABSTIME, 1));
	el = (now_ns(CLOCK_MONOTONIC) - t0) / NSEC_PER_MSEC;
	EXPECT_LT(el, SLACK_MS);
	/* a past deadline still takes free units */
	ASSERT_EQ(0, sem_release(self->fd, 1));
	EXPECT_EQ(0, sem_acquire_full(self->fd, 1,
			SEMCTL_ACQUIRE_TIMEOUT | SEMCTL_ACQUIRE_ABSTIME, 1));
}

TEST_F(tmo, abs_monotonic_success_before_deadline)
{
	ASSERT_LE(0, setup_sem(self, 0, 5));
	ASSERT_EQ(0, waiter_start(&w[0], self->fd, OP_ACQUIRE, 1,
				  SEMCTL_ACQUIRE_TIMEOUT |
				  SEMCTL_ACQUIRE_ABSTIME,
				  now_ns(CLOCK_MONOTONIC) + MS(20000), NULL));
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	ASSERT_EQ(0, waiter_wait(&w[0]));
	EXPECT_EQ(0, w[0].ret);
	waiter_reap(&w[0]);
}

TEST_F(tmo, abs_realtime_expires_etimedout)
{
	uint64_t t0, el;

	ASSERT_LE(0, setup_sem(self, 0, 5));
	t0 = now_ns(CLOCK_MONOTONIC);
	EXPECT_EQ(-ETIMEDOUT, sem_acquire_full(self->fd, 1,
			SEMCTL_ACQUIRE_TIMEOUT | SEMCTL_ACQUIRE_ABSTIME |
			SEMCTL_ACQUIRE_REALTIME,
			now_ns(CLOCK_REALTIME) + MS(150)));
	el = (now_ns(CLOCK_MONOTONIC) - t0) / NSEC_PER_MSEC;
	EXPECT_GE(el, 140);
	EXPECT_LT(el, 150 + SLACK_MS);
	EXPECT_EQ(0, sem_waiters(self->fd));
}

TEST_F(tmo, abs_realtime_is_not_monotonic)
{
	/*
	 * A CLOCK_MONOTONIC value (seconds since boot) read as
	 * CLOCK_REALTIME is decades in the past: it must expire at once.
	 * Read as monotonic it would be a future deadline.
	 */
	uint64_t t0, el;

	ASSERT_LE(0, setup_sem(self, 0, 5));
	t0 = now_ns(CLOCK_MONOTONIC);
	EXPECT_EQ(-ETIMEDOUT, sem_acquire_full(self->fd, 1,
			SEMCTL_ACQUIRE_TIMEOUT | SEMCTL_ACQUIRE_ABSTIME |
			SEMCTL_ACQUIRE_REALTIME, t0 + MS(60000)));
	el = (now_ns(CLOCK_MONOTONIC) - t0) / NSEC_PER_MSEC;
	EXPECT_LT(el, SLACK_MS);
}

TEST_F(tmo, abs_realtime_success_before_deadline)
{
	ASSERT_LE(0, setup_sem(self, 0, 5));
	ASSERT_EQ(0, waiter_start(&w[0], self->fd, OP_ACQUIRE, 1,
				  SEMCTL_ACQUIRE_TIMEOUT |
				  SEMCTL_ACQUIRE_ABSTIME |
				  SEMCTL_ACQUIRE_REALTIME,
				  now_ns(CLOCK_REALTIME) + MS(20000), NULL));
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	ASSERT_EQ(0, waiter_wait(&w[0]));
	EXPECT_EQ(0, w[0].ret);
	waiter_reap(&w[0]);
}

TEST_F_TIMEOUT(tmo, timed_out_head_lets_next_through, 60)
{
	/*
	 * value 1; head wants 2 with a short timeout, the next wants 1.
	 * When the head gives up, the free unit must go to the next one.
	 */
	ASSERT_LE(0, setup_sem(self, 1, 5));
	ASSERT_EQ(0, waiter_start(&w[0], self->fd, OP_ACQUIRE, 2,
				  SEMCTL_ACQUIRE_TIMEOUT, MS(300), NULL));
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	ASSERT_EQ(0, waiter_start_acq(&w[1], self->fd, 1, NULL));
	ASSERT_EQ(0, waiter_wait(&w[0]));
	EXPECT_EQ(-ETIMEDOUT, w[0].ret);
	ASSERT_EQ(0, waiter_wait(&w[1])) {
		TH_LOG("unit not handed on after the head timed out");
	}
	EXPECT_EQ(0, w[1].ret);
	EXPECT_EQ(0, sem_value(self->fd));
	EXPECT_EQ(0, sem_waiters(self->fd));
	waiter_reap(&w[0]);
	waiter_reap(&w[1]);
}

TEST_F(tmo, realtime_without_timeout_einval)
{
	ASSERT_LE(0, setup_sem(self, 1, 5));
	EXPECT_EQ(-EINVAL, sem_acquire_full(self->fd, 1,
					    SEMCTL_ACQUIRE_REALTIME, 0));
	EXPECT_EQ(-EINVAL, sem_acquire_full(self->fd, 1,
			SEMCTL_ACQUIRE_REALTIME | SEMCTL_ACQUIRE_ABSTIME, 0));
	EXPECT_EQ(1, sem_value(self->fd));
}

TEST_F(tmo, abstime_without_timeout_einval)
{
	ASSERT_LE(0, setup_sem(self, 1, 5));
	EXPECT_EQ(-EINVAL, sem_acquire_full(self->fd, 1,
					    SEMCTL_ACQUIRE_ABSTIME, 0));
	EXPECT_EQ(1, sem_value(self->fd));
}

TEST_F(tmo, timeout_ns_without_flag_einval)
{
	ASSERT_LE(0, setup_sem(self, 1, 5));
	EXPECT_EQ(-EINVAL, sem_acquire_full(self->fd, 1, 0, 1));
	EXPECT_EQ(-EINVAL, sem_acquire_full(self->fd, 1, SEMCTL_ACQUIRE_TRY,
					    MS(5)));
	EXPECT_EQ(1, sem_value(self->fd));
}

/*
 * Past 2^63-1 ns no kernel time can hold the timeout (relative: 292 years;
 * absolute: negative as a signed time): EINVAL, where it used to wait for
 * ever.
 */
TEST_F(tmo, timeout_beyond_ktime_einval)
{
	static const __u32 kinds[] = {
		SEMCTL_ACQUIRE_TIMEOUT,
		SEMCTL_ACQUIRE_TIMEOUT | SEMCTL_ACQUIRE_ABSTIME,
		SEMCTL_ACQUIRE_TIMEOUT | SEMCTL_ACQUIRE_ABSTIME |
			SEMCTL_ACQUIRE_REALTIME,
	};
	unsigned int i;

	ASSERT_LE(0, setup_sem(self, 0, 5));
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		EXPECT_EQ(-EINVAL, sem_acquire_full(self->fd, 1, kinds[i],
						    1ULL << 63));
		EXPECT_EQ(-EINVAL, sem_acquire_full(self->fd, 1, kinds[i],
						    ~0ULL));
	}
	/* an absolute deadline long past expires at once */
	EXPECT_EQ(-ETIMEDOUT, sem_acquire_full(self->fd, 1,
					       SEMCTL_ACQUIRE_TIMEOUT |
					       SEMCTL_ACQUIRE_ABSTIME, 1));
	EXPECT_EQ(0, sem_waiters(self->fd));
}

TEST_F(tmo, try_with_timeout_einval)
{
	ASSERT_LE(0, setup_sem(self, 1, 5));
	EXPECT_EQ(-EINVAL, sem_acquire_full(self->fd, 1, SEMCTL_ACQUIRE_TRY |
					    SEMCTL_ACQUIRE_TIMEOUT, MS(5)));
	EXPECT_EQ(-EINVAL, sem_acquire_full(self->fd, 1, SEMCTL_ACQUIRE_TRY |
					    SEMCTL_ACQUIRE_TIMEOUT, 0));
	EXPECT_EQ(1, sem_value(self->fd));
}

TEST_F(tmo, timeout_with_undo)
{
	ASSERT_LE(0, setup_sem(self, 0, 5));
	EXPECT_EQ(-ETIMEDOUT, sem_acquire_full(self->fd, 1,
			SEMCTL_ACQUIRE_TIMEOUT | SEMCTL_ACQUIRE_UNDO, MS(20)));
	EXPECT_EQ(0, sem_undo(self->fd));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	EXPECT_EQ(0, sem_acquire_full(self->fd, 1,
			SEMCTL_ACQUIRE_TIMEOUT | SEMCTL_ACQUIRE_UNDO, MS(20)));
	EXPECT_EQ(1, sem_undo(self->fd));
}

TEST_F_TIMEOUT(tmo, many_timeouts_leave_no_waiters, 60)
{
	int i;

	ASSERT_LE(0, setup_sem(self, 0, 5));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, waiter_start(&w[i], self->fd, OP_ACQUIRE, 1,
					  SEMCTL_ACQUIRE_TIMEOUT,
					  MS(100 + 50 * i), NULL));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, waiter_wait(&w[i]));
		EXPECT_EQ(-ETIMEDOUT, w[i].ret);
	}
	EXPECT_EQ(0, sem_waiters(self->fd));
	/* and the semaphore still works */
	ASSERT_EQ(0, sem_release(self->fd, 1));
	EXPECT_EQ(0, sem_try(self->fd, 1));
	for (i = 0; i < 3; i++)
		waiter_reap(&w[i]);
}

SEMCTL_HARNESS_MAIN
