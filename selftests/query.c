// SPDX-License-Identifier: GPL-2.0
/*
 * SEMCTL_IOC_QUERY: the fields of struct semctl_info and its size rules.
 */
#include "semctl_test.h"

SEMCTL_FIXTURE(query)

static int query_raw(int fd, void *info)
{
	return ret_or_errno(ioctl(fd, SEMCTL_IOC_QUERY, info));
}

TEST_F(query, fields_anonymous)
{
	struct semctl_info info;

	self->fd = sem_create(self->dev, 4, 6);
	ASSERT_LE(0, self->fd);
	memset(&info, 0xa5, sizeof(info));
	info.size = sizeof(info);
	ASSERT_EQ(0, query_raw(self->fd, &info));
	EXPECT_EQ(sizeof(info), info.size);
	EXPECT_EQ(4, info.value);
	EXPECT_EQ(6, info.max);
	EXPECT_EQ(0, info.waiters);
	EXPECT_EQ(0, info.undo);
	EXPECT_EQ(geteuid(), info.uid);
	EXPECT_EQ(getegid(), info.gid);
	EXPECT_EQ(0600, info.mode);
	EXPECT_EQ(0, info.reserved);
	EXPECT_EQ(SEMCTL_INFO_READ | SEMCTL_INFO_WRITE, info.flags);
	/* the whole name buffer is written: empty string */
	EXPECT_EQ(0, info.name[0]);
}

TEST_F(query, fields_named)
{
	struct semctl_info info;

	unique_name(self->name, sizeof(self->name), "q");
	self->fd = sem_create_full(self->dev, SEMCTL_CREATE_EXCL |
				   SEMCTL_FD_UNDO, 1, 2, self->name, 0604);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, sem_query(self->fd, &info));
	EXPECT_STREQ(self->name, info.name);
	EXPECT_EQ(0604, info.mode);
	EXPECT_EQ(SEMCTL_INFO_NAMED | SEMCTL_INFO_READ | SEMCTL_INFO_WRITE |
		  SEMCTL_INFO_FD_UNDO, info.flags);
	ASSERT_EQ(0, sem_unlink(self->dev, self->name));
	ASSERT_EQ(0, sem_query(self->fd, &info));
	EXPECT_EQ(SEMCTL_INFO_NAMED | SEMCTL_INFO_UNLINKED |
		  SEMCTL_INFO_READ | SEMCTL_INFO_WRITE | SEMCTL_INFO_FD_UNDO,
		  info.flags);
	self->name[0] = 0;
}

TEST_F(query, value_tracks_operations)
{
	self->fd = sem_create(self->dev, 0, 10);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(0, sem_value(self->fd));
	ASSERT_EQ(0, sem_release(self->fd, 7));
	EXPECT_EQ(7, sem_value(self->fd));
	ASSERT_EQ(0, sem_acquire(self->fd, 5));
	EXPECT_EQ(2, sem_value(self->fd));
	ASSERT_EQ(0, sem_acquire_full(self->fd, 2, SEMCTL_ACQUIRE_UNDO, 0));
	EXPECT_EQ(0, sem_value(self->fd));
	EXPECT_EQ(2, sem_undo(self->fd));
}

TEST_F(query, size_ver0_ok_and_nothing_past_it)
{
	unsigned char *buf = big_buf();
	struct semctl_info *info = (void *)buf;
	size_t i, bad = 0;

	self->fd = sem_create(self->dev, 2, 5);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, sem_acquire_full(self->fd, 1, SEMCTL_ACQUIRE_UNDO, 0));
	memset(buf, 0x5a, 4096);
	info->size = SEMCTL_INFO_SIZE_VER0;
	ASSERT_EQ(0, query_raw(self->fd, info));
	EXPECT_EQ(1, info->value);
	EXPECT_EQ(5, info->max);
	EXPECT_EQ(1, info->undo);
	/* a version-0 caller's buffer ends at the name */
	for (i = SEMCTL_INFO_SIZE_VER0; i < 4096; i++)
		bad += buf[i] != 0x5a;
	EXPECT_EQ(0, bad);
}

TEST_F(query, undo_total_counts_all_open_files)
{
	struct semctl_info info;
	int fd2;

	unique_name(self->name, sizeof(self->name), "undotot");
	self->fd = sem_create_full(self->dev, SEMCTL_CREATE_EXCL, 5, 5,
				   self->name, 0600);
	ASSERT_LE(0, self->fd);
	fd2 = sem_open_name(self->dev, self->name, 0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, sem_acquire_full(self->fd, 1, SEMCTL_ACQUIRE_UNDO, 0));
	ASSERT_EQ(0, sem_acquire_full(fd2, 2, SEMCTL_ACQUIRE_UNDO, 0));
	ASSERT_EQ(0, sem_query(self->fd, &info));
	EXPECT_EQ(1, info.undo);
	EXPECT_EQ(3, info.undo_total);
	close(fd2);
	ASSERT_EQ(0, sem_query(self->fd, &info));
	EXPECT_EQ(1, info.undo_total);
}

TEST_F(query, size_zero_einval)
{
	struct semctl_info info = { .size = 0 };

	self->fd = sem_create(self->dev, 0, 1);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(-EINVAL, query_raw(self->fd, &info));
}

TEST_F(query, size_below_ver0_einval)
{
	struct semctl_info info = { .size = SEMCTL_INFO_SIZE_VER0 - 1 };

	self->fd = sem_create(self->dev, 0, 1);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(-EINVAL, query_raw(self->fd, &info));
	info.size = 8;
	EXPECT_EQ(-EINVAL, query_raw(self->fd, &info));
}

TEST_F(query, size_above_page_e2big)
{
	struct semctl_info *info = big_buf();

	self->fd = sem_create(self->dev, 0, 1);
	ASSERT_LE(0, self->fd);
	info->size = page_size() + 1;
	EXPECT_EQ(-E2BIG, query_raw(self->fd, info));
}

TEST_F(query, size_larger_ok_and_tail_zeroed)
{
	unsigned char *buf = big_buf();
	struct semctl_info *info = (void *)buf;
	size_t i, bad = 0;

	self->fd = sem_create(self->dev, 3, 5);
	ASSERT_LE(0, self->fd);
	/* output only: non-zero bytes past the kernel's struct are no E2BIG */
	memset(buf + sizeof(*info), 0xaa, 64);
	info->size = sizeof(*info) + 64;
	ASSERT_EQ(0, query_raw(self->fd, info));
	EXPECT_EQ(3, info->value);
	EXPECT_EQ(5, info->max);
	for (i = sizeof(*info); i < sizeof(*info) + 64; i++)
		bad += buf[i] != 0;
	EXPECT_EQ(0, bad);
	/* nothing written past the caller's size */
	for (i = sizeof(*info) + 64; i < 4096; i++)
		bad += buf[i] != 0;
	EXPECT_EQ(0, bad);
}

TEST_F(query, bad_pointer_efault)
{
	self->fd = sem_create(self->dev, 0, 1);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(-EFAULT, query_raw(self->fd, bad_ptr()));
}

TEST_F(query, readonly_output_buffer_efault)
{
	struct semctl_info *info;
	void *p;

	self->fd = sem_create(self->dev, 0, 1);
	ASSERT_LE(0, self->fd);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	info = p;
	info->size = sizeof(*info);
	ASSERT_EQ(0, mprotect(p, 4096, PROT_READ));
	EXPECT_EQ(-EFAULT, query_raw(self->fd, info));
	munmap(p, 4096);
}

TEST_F(query, dup_shares_open_file_undo)
{
	int d;

	self->fd = sem_create(self->dev, 3, 3);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, sem_acquire_full(self->fd, 2, SEMCTL_ACQUIRE_UNDO, 0));
	d = dup(self->fd);
	ASSERT_LE(0, d);
	EXPECT_EQ(2, sem_undo(d));
	close(d);
}

SEMCTL_HARNESS_MAIN
