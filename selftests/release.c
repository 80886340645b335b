// SPDX-License-Identifier: GPL-2.0
/*
 * SEMCTL_IOC_RELEASE: previous value, all-or-nothing EOVERFLOW, and each
 * validation path.
 */
#include "semctl_test.h"

SEMCTL_FIXTURE(rel)

static int release_raw(int fd, void *r)
{
	return ret_or_errno(ioctl(fd, SEMCTL_IOC_RELEASE, r));
}

static int setup_sem(FIXTURE_DATA(rel) *self, __u64 value, __u64 max)
{
	self->fd = sem_create(self->dev, value, max);
	return self->fd;
}

TEST_F(rel, release_reports_previous)
{
	__u64 prev = 99;

	ASSERT_LE(0, setup_sem(self, 1, 10));
	EXPECT_EQ(0, sem_release_prev(self->fd, 2, &prev));
	EXPECT_EQ(1, prev);
	EXPECT_EQ(3, sem_value(self->fd));
	EXPECT_EQ(0, sem_release_prev(self->fd, 7, &prev));
	EXPECT_EQ(3, prev);
	EXPECT_EQ(10, sem_value(self->fd));
}

TEST_F(rel, release_to_exact_max_ok)
{
	ASSERT_LE(0, setup_sem(self, 3, 5));
	EXPECT_EQ(0, sem_release(self->fd, 2));
	EXPECT_EQ(5, sem_value(self->fd));
}

TEST_F(rel, count_zero_einval)
{
	ASSERT_LE(0, setup_sem(self, 1, 5));
	EXPECT_EQ(-EINVAL, sem_release(self->fd, 0));
	EXPECT_EQ(1, sem_value(self->fd));
}

TEST_F(rel, overflow_eoverflow_unchanged)
{
	struct semctl_release r = { .size = sizeof(r), .count = 2,
				    .previous = 12345 };

	ASSERT_LE(0, setup_sem(self, 4, 5));
	EXPECT_EQ(-EOVERFLOW, release_raw(self->fd, &r));
	/* all or nothing: not even one unit went in */
	EXPECT_EQ(4, sem_value(self->fd));
	EXPECT_EQ(0, sem_release(self->fd, 1));
	EXPECT_EQ(-EOVERFLOW, sem_release(self->fd, 1));
	EXPECT_EQ(5, sem_value(self->fd));
}

TEST_F(rel, overflow_at_value_max)
{
	ASSERT_LE(0, setup_sem(self, SEMCTL_VALUE_MAX - 1, 0));
	EXPECT_EQ(-EOVERFLOW, sem_release(self->fd, 2));
	EXPECT_EQ(SEMCTL_VALUE_MAX - 1, (__u64)sem_value(self->fd));
	EXPECT_EQ(0, sem_release(self->fd, 1));
	EXPECT_EQ(SEMCTL_VALUE_MAX, (__u64)sem_value(self->fd));
}

TEST_F(rel, huge_count_does_not_wrap)
{
	ASSERT_LE(0, setup_sem(self, 1, 0));
	/* 1 + 2^64-1 wraps to 0 in 64 bits: must still be EOVERFLOW */
	EXPECT_EQ(-EOVERFLOW, sem_release(self->fd, ~0ULL));
	EXPECT_EQ(-EOVERFLOW, sem_release(self->fd, SEMCTL_VALUE_MAX));
	EXPECT_EQ(-EOVERFLOW, sem_release(self->fd, 1ULL << 63));
	EXPECT_EQ(1, sem_value(self->fd));
}

TEST_F(rel, unknown_flag_einval)
{
	struct semctl_release r = { .size = sizeof(r), .count = 1 };

	ASSERT_LE(0, setup_sem(self, 1, 5));
	r.flags = 1;
	EXPECT_EQ(-EINVAL, release_raw(self->fd, &r));
	r.flags = 1U << 31;
	EXPECT_EQ(-EINVAL, release_raw(self->fd, &r));
	EXPECT_EQ(1, sem_value(self->fd));
}

TEST_F(rel, size_zero_einval)
{
	struct semctl_release r = { .size = 0, .count = 1 };

	ASSERT_LE(0, setup_sem(self, 1, 5));
	EXPECT_EQ(-EINVAL, release_raw(self->fd, &r));
	EXPECT_EQ(1, sem_value(self->fd));
}

TEST_F(rel, size_below_ver0_einval)
{
	struct semctl_release r = {
		.size = SEMCTL_RELEASE_SIZE_VER0 - 1, .count = 1,
	};

	ASSERT_LE(0, setup_sem(self, 1, 5));
	EXPECT_EQ(-EINVAL, release_raw(self->fd, &r));
	r.size = 16;
	EXPECT_EQ(-EINVAL, release_raw(self->fd, &r));
	EXPECT_EQ(1, sem_value(self->fd));
}

TEST_F(rel, size_above_page_e2big)
{
	struct semctl_release *r = big_buf();

	ASSERT_LE(0, setup_sem(self, 1, 5));
	r->size = page_size() + 1;
	r->count = 1;
	EXPECT_EQ(-E2BIG, release_raw(self->fd, r));
	EXPECT_EQ(1, sem_value(self->fd));
}

TEST_F(rel, size_larger_nonzero_tail_e2big)
{
	struct semctl_release *r = big_buf();

	ASSERT_LE(0, setup_sem(self, 1, 5));
	r->size = sizeof(*r) + 8;
	r->count = 1;
	((unsigned char *)r)[sizeof(*r) + 4] = 9;
	EXPECT_EQ(-E2BIG, release_raw(self->fd, r));
	EXPECT_EQ(1, sem_value(self->fd));
}

TEST_F(rel, size_larger_zero_tail_ok)
{
	struct semctl_release *r = big_buf();

	ASSERT_LE(0, setup_sem(self, 1, 5));
	r->size = sizeof(*r) + 8;
	r->count = 1;
	EXPECT_EQ(0, release_raw(self->fd, r));
	EXPECT_EQ(1, r->previous);
	EXPECT_EQ(2, sem_value(self->fd));
}

TEST_F(rel, bad_pointer_efault)
{
	ASSERT_LE(0, setup_sem(self, 1, 5));
	EXPECT_EQ(-EFAULT, release_raw(self->fd, bad_ptr()));
	EXPECT_EQ(-EFAULT, release_raw(self->fd, NULL));
	EXPECT_EQ(1, sem_value(self->fd));
}

TEST_F(rel, previous_input_ignored)
{
	struct semctl_release r = { .size = sizeof(r), .count = 1,
				    .previous = 777 };

	/* previous is out only: a stale value in it is not an error */
	ASSERT_LE(0, setup_sem(self, 2, 5));
	EXPECT_EQ(0, release_raw(self->fd, &r));
	EXPECT_EQ(2, r.previous);
}

TEST_F(rel, acquire_release_balance)
{
	int i;

	ASSERT_LE(0, setup_sem(self, 5, 5));
	for (i = 0; i < 1000; i++) {
		ASSERT_EQ(0, sem_acquire(self->fd, 1 + i % 5));
		ASSERT_EQ(0, sem_release(self->fd, 1 + i % 5));
	}
	EXPECT_EQ(5, sem_value(self->fd));
}

SEMCTL_HARNESS_MAIN
