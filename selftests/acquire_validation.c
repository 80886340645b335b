// SPDX-License-Identifier: GPL-2.0
/*
 * SEMCTL_IOC_ACQUIRE argument checks, one test per error path, and the
 * basic non-blocking behaviour. Timeout flag combinations are in
 * acquire_timeout.
 */
#include "semctl_test.h"

SEMCTL_FIXTURE(acq)

static int acquire_raw(int fd, void *a)
{
	return ret_or_errno(ioctl(fd, SEMCTL_IOC_ACQUIRE, a));
}

static int setup_sem(FIXTURE_DATA(acq) *self, __u64 value, __u64 max)
{
	self->fd = sem_create(self->dev, value, max);
	return self->fd;
}

TEST_F(acq, acquire_available_ok)
{
	ASSERT_LE(0, setup_sem(self, 3, 5));
	EXPECT_EQ(0, sem_acquire(self->fd, 2));
	EXPECT_EQ(1, sem_value(self->fd));
	EXPECT_EQ(0, sem_acquire(self->fd, 1));
	EXPECT_EQ(0, sem_value(self->fd));
}

TEST_F(acq, acquire_all_at_max)
{
	ASSERT_LE(0, setup_sem(self, 5, 5));
	EXPECT_EQ(0, sem_acquire(self->fd, 5));
	EXPECT_EQ(0, sem_value(self->fd));
}

TEST_F(acq, acquire_large_counts_default_max)
{
	ASSERT_LE(0, setup_sem(self, SEMCTL_VALUE_MAX, 0));
	EXPECT_EQ(0, sem_acquire(self->fd, SEMCTL_VALUE_MAX - 1));
	EXPECT_EQ(1, sem_value(self->fd));
	EXPECT_EQ(0, sem_release(self->fd, SEMCTL_VALUE_MAX - 1));
	EXPECT_EQ(SEMCTL_VALUE_MAX, (__u64)sem_value(self->fd));
}

TEST_F(acq, count_zero_einval)
{
	ASSERT_LE(0, setup_sem(self, 1, 5));
	EXPECT_EQ(-EINVAL, sem_acquire(self->fd, 0));
	EXPECT_EQ(-EINVAL, sem_try(self->fd, 0));
	EXPECT_EQ(1, sem_value(self->fd));
}

TEST_F(acq, count_above_max_einval)
{
	/* could never succeed: EINVAL, not a wait */
	ASSERT_LE(0, setup_sem(self, 5, 5));
	EXPECT_EQ(-EINVAL, sem_acquire(self->fd, 6));
	EXPECT_EQ(-EINVAL, sem_try(self->fd, 6));
	EXPECT_EQ(-EINVAL, sem_acquire(self->fd, ~0ULL));
	EXPECT_EQ(5, sem_value(self->fd));
	EXPECT_EQ(0, sem_waiters(self->fd));
}

TEST_F(acq, unknown_flag_einval)
{
	ASSERT_LE(0, setup_sem(self, 1, 5));
	EXPECT_EQ(-EINVAL, sem_acquire_full(self->fd, 1, 1U << 5, 0));
	EXPECT_EQ(-EINVAL, sem_acquire_full(self->fd, 1, 1U << 31, 0));
	EXPECT_EQ(1, sem_value(self->fd));
}

TEST_F(acq, size_zero_einval)
{
	struct semctl_acquire a = { .size = 0, .count = 1 };

	ASSERT_LE(0, setup_sem(self, 1, 5));
	EXPECT_EQ(-EINVAL, acquire_raw(self->fd, &a));
	EXPECT_EQ(1, sem_value(self->fd));
}

TEST_F(acq, size_below_ver0_einval)
{
	struct semctl_acquire a = {
		.size = SEMCTL_ACQUIRE_SIZE_VER0 - 1, .count = 1,
	};

	ASSERT_LE(0, setup_sem(self, 1, 5));
	EXPECT_EQ(-EINVAL, acquire_raw(self->fd, &a));
	a.size = 16;
	EXPECT_EQ(-EINVAL, acquire_raw(self->fd, &a));
	EXPECT_EQ(1, sem_value(self->fd));
}

TEST_F(acq, size_above_page_e2big)
{
	struct semctl_acquire *a = big_buf();

	ASSERT_LE(0, setup_sem(self, 1, 5));
	a->size = page_size() + 1;
	a->count = 1;
	EXPECT_EQ(-E2BIG, acquire_raw(self->fd, a));
	EXPECT_EQ(1, sem_value(self->fd));
}

TEST_F(acq, size_larger_nonzero_tail_e2big)
{
	struct semctl_acquire *a = big_buf();

	ASSERT_LE(0, setup_sem(self, 1, 5));
	a->size = sizeof(*a) + 8;
	a->count = 1;
	((unsigned char *)a)[sizeof(*a)] = 1;
	EXPECT_EQ(-E2BIG, acquire_raw(self->fd, a));
	EXPECT_EQ(1, sem_value(self->fd));
}

TEST_F(acq, size_larger_zero_tail_ok)
{
	struct semctl_acquire *a = big_buf();

	ASSERT_LE(0, setup_sem(self, 1, 5));
	a->size = sizeof(*a) + 8;
	a->count = 1;
	EXPECT_EQ(0, acquire_raw(self->fd, a));
	EXPECT_EQ(0, sem_value(self->fd));
}

TEST_F(acq, bad_pointer_efault)
{
	ASSERT_LE(0, setup_sem(self, 1, 5));
	EXPECT_EQ(-EFAULT, acquire_raw(self->fd, bad_ptr()));
	EXPECT_EQ(-EFAULT, acquire_raw(self->fd, NULL));
	EXPECT_EQ(1, sem_value(self->fd));
}

TEST_F(acq, try_available_ok)
{
	ASSERT_LE(0, setup_sem(self, 2, 5));
	EXPECT_EQ(0, sem_try(self->fd, 2));
	EXPECT_EQ(0, sem_value(self->fd));
}

TEST_F(acq, try_unavailable_eagain)
{
	ASSERT_LE(0, setup_sem(self, 2, 5));
	EXPECT_EQ(-EAGAIN, sem_try(self->fd, 3));
	EXPECT_EQ(2, sem_value(self->fd));
	EXPECT_EQ(0, sem_waiters(self->fd));
	EXPECT_EQ(0, sem_try(self->fd, 1));
	EXPECT_EQ(0, sem_try(self->fd, 1));
	EXPECT_EQ(-EAGAIN, sem_try(self->fd, 1));
}

TEST_F(acq, try_with_undo)
{
	ASSERT_LE(0, setup_sem(self, 2, 5));
	EXPECT_EQ(0, sem_acquire_full(self->fd, 2,
				      SEMCTL_ACQUIRE_TRY | SEMCTL_ACQUIRE_UNDO,
				      0));
	EXPECT_EQ(2, sem_undo(self->fd));
	EXPECT_EQ(-EAGAIN, sem_acquire_full(self->fd, 1, SEMCTL_ACQUIRE_TRY |
					    SEMCTL_ACQUIRE_UNDO, 0));
	EXPECT_EQ(2, sem_undo(self->fd));
}

TEST_F(acq, nonblock_fd_does_not_affect_ioctl_try)
{
	/* O_NONBLOCK is for read(); the ioctl still needs TRY for EAGAIN */
	self->fd = sem_create_full(self->dev, SEMCTL_FD_NONBLOCK, 0, 1, NULL,
				   0600);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(-EAGAIN, sem_try(self->fd, 1));
}

SEMCTL_HARNESS_MAIN
