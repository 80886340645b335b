// SPDX-License-Identifier: GPL-2.0
/*
 * SEMCTL_IOC_OPEN and SEMCTL_IOC_UNLINK: names, rights of the new fd,
 * lifetime of named semaphores, and each validation path.
 */
#include "semctl_test.h"

SEMCTL_FIXTURE(named)

/* create self->name with value/max, self->fd the creating fd */
static int make_named(FIXTURE_DATA(named) *self, const char *tag,
		      __u64 value, __u64 max, __u32 mode)
{
	unique_name(self->name, sizeof(self->name), tag);
	self->fd = sem_create_full(self->dev, SEMCTL_CREATE_EXCL, value, max,
				   self->name, mode);
	return self->fd;
}

static int open_raw(int dev, struct semctl_open *o)
{
	return ret_or_errno(ioctl(dev, SEMCTL_IOC_OPEN, o));
}

static int unlink_raw(int dev, struct semctl_unlink *u)
{
	return ret_or_errno(ioctl(dev, SEMCTL_IOC_UNLINK, u));
}

TEST_F(named, open_missing_enoent)
{
	unique_name(self->name, sizeof(self->name), "missing");
	EXPECT_EQ(-ENOENT, sem_open_name(self->dev, self->name, 0));
	EXPECT_EQ(-ENOENT, sem_open_name(self->dev, self->name,
					 SEMCTL_OPEN_READ));
	self->name[0] = 0;
}

TEST_F(named, open_shares_state)
{
	struct semctl_info info;
	int fd2;

	ASSERT_LE(0, make_named(self, "share", 1, 3, 0600));
	fd2 = sem_open_name(self->dev, self->name, 0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, sem_query(fd2, &info));
	EXPECT_EQ(1, info.value);
	EXPECT_EQ(3, info.max);
	EXPECT_STREQ(self->name, info.name);
	EXPECT_TRUE(info.flags & SEMCTL_INFO_NAMED);
	EXPECT_EQ(SEMCTL_INFO_READ | SEMCTL_INFO_WRITE,
		  info.flags & (SEMCTL_INFO_READ | SEMCTL_INFO_WRITE));
	EXPECT_EQ(0, sem_release(fd2, 2));
	EXPECT_EQ(3, sem_value(self->fd));
	EXPECT_EQ(0, sem_acquire(self->fd, 3));
	EXPECT_EQ(0, sem_value(fd2));
	close(fd2);
}

TEST_F(named, open_read_only_rights)
{
	struct semctl_info info;
	int fd2;

	ASSERT_LE(0, make_named(self, "rdonly", 1, 3, 0600));
	fd2 = sem_open_name(self->dev, self->name, SEMCTL_OPEN_READ);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, sem_query(fd2, &info));
	EXPECT_EQ(SEMCTL_INFO_READ,
		  info.flags & (SEMCTL_INFO_READ | SEMCTL_INFO_WRITE));
	EXPECT_EQ(1, info.value);
	close(fd2);
}

TEST_F(named, open_write_only_rights)
{
	struct semctl_info info;
	int fd2;

	ASSERT_LE(0, make_named(self, "wronly", 1, 3, 0600));
	fd2 = sem_open_name(self->dev, self->name, SEMCTL_OPEN_WRITE);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(0, sem_release(fd2, 1));
	EXPECT_EQ(0, sem_acquire(fd2, 2));
	EXPECT_EQ(0, sem_value(self->fd));
	/* the creating fd sees what it can do */
	ASSERT_EQ(0, sem_query(self->fd, &info));
	EXPECT_EQ(SEMCTL_INFO_READ | SEMCTL_INFO_WRITE,
		  info.flags & (SEMCTL_INFO_READ | SEMCTL_INFO_WRITE));
	close(fd2);
}

TEST_F(named, open_both_flags_is_both)
{
	struct semctl_info info;
	int fd2;

	ASSERT_LE(0, make_named(self, "both", 1, 3, 0600));
	fd2 = sem_open_name(self->dev, self->name,
			    SEMCTL_OPEN_READ | SEMCTL_OPEN_WRITE);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, sem_query(fd2, &info));
	EXPECT_EQ(SEMCTL_INFO_READ | SEMCTL_INFO_WRITE,
		  info.flags & (SEMCTL_INFO_READ | SEMCTL_INFO_WRITE));
	EXPECT_EQ(0, sem_acquire(fd2, 1));
	close(fd2);
}

TEST_F(named, read_only_fd_cannot_modify_ebadf)
{
	__u64 v = 1;
	int fd2;

	ASSERT_LE(0, make_named(self, "ebadf", 2, 3, 0600));
	fd2 = sem_open_name(self->dev, self->name,
			    SEMCTL_OPEN_READ | SEMCTL_FD_NONBLOCK);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(-EBADF, sem_acquire(fd2, 1));
	EXPECT_EQ(-EBADF, sem_try(fd2, 1));
	EXPECT_EQ(-EBADF, sem_release(fd2, 1));
	EXPECT_EQ(-1, read(fd2, &v, sizeof(v)));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, write(fd2, &v, sizeof(v)));
	EXPECT_EQ(EBADF, errno);
	/* nothing changed, and query works */
	EXPECT_EQ(2, sem_value(fd2));
	close(fd2);
}

TEST_F(named, open_fd_flags)
{
	int fd2, fl;

	ASSERT_LE(0, make_named(self, "fdflags", 0, 3, 0600));
	fd2 = sem_open_name(self->dev, self->name, 0);
	ASSERT_LE(0, fd2);
	fl = fcntl(fd2, F_GETFD);
	EXPECT_TRUE(fl & FD_CLOEXEC);
	fl = fcntl(fd2, F_GETFL);
	EXPECT_FALSE(fl & O_NONBLOCK);
	close(fd2);

	fd2 = sem_open_name(self->dev, self->name,
			    SEMCTL_FD_NOCLOEXEC | SEMCTL_FD_NONBLOCK);
	ASSERT_LE(0, fd2);
	fl = fcntl(fd2, F_GETFD);
	EXPECT_FALSE(fl & FD_CLOEXEC);
	fl = fcntl(fd2, F_GETFL);
	EXPECT_TRUE(fl & O_NONBLOCK);
	close(fd2);
}

TEST_F(named, open_fd_undo_flag)
{
	struct semctl_info info;
	int fd2;

	ASSERT_LE(0, make_named(self, "fdundo", 0, 3, 0600));
	fd2 = sem_open_name(self->dev, self->name, SEMCTL_FD_UNDO);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, sem_query(fd2, &info));
	EXPECT_TRUE(info.flags & SEMCTL_INFO_FD_UNDO);
	ASSERT_EQ(0, sem_query(self->fd, &info));
	EXPECT_FALSE(info.flags & SEMCTL_INFO_FD_UNDO);
	close(fd2);
}

TEST_F(named, open_unknown_flag_einval)
{
	ASSERT_LE(0, make_named(self, "oflag", 0, 3, 0600));
	EXPECT_EQ(-EINVAL, sem_open_name(self->dev, self->name, 1U << 31));
	EXPECT_EQ(-EINVAL, sem_open_name(self->dev, self->name, 1U << 3));
}

TEST_F(named, open_create_excl_flag_einval)
{
	/* SEMCTL_CREATE_EXCL is a create flag only */
	ASSERT_LE(0, make_named(self, "oexcl", 0, 3, 0600));
	EXPECT_EQ(-EINVAL, sem_open_name(self->dev, self->name,
					 SEMCTL_CREATE_EXCL));
}

TEST_F(named, open_size_below_ver0_einval)
{
	struct semctl_open o = { .size = SEMCTL_OPEN_SIZE_VER0 - 1 };

	ASSERT_LE(0, make_named(self, "osize", 0, 3, 0600));
	o.name = (uintptr_t)self->name;
	EXPECT_EQ(-EINVAL, open_raw(self->dev, &o));
	o.size = 0;
	EXPECT_EQ(-EINVAL, open_raw(self->dev, &o));
}

TEST_F(named, open_size_above_page_e2big)
{
	struct semctl_open *o = big_buf();

	ASSERT_LE(0, make_named(self, "obig", 0, 3, 0600));
	o->name = (uintptr_t)self->name;
	o->size = page_size() + 1;
	EXPECT_EQ(-E2BIG, open_raw(self->dev, o));
}

TEST_F(named, open_size_larger_nonzero_tail_e2big)
{
	struct semctl_open *o = big_buf();

	ASSERT_LE(0, make_named(self, "otail", 0, 3, 0600));
	o->name = (uintptr_t)self->name;
	o->size = sizeof(*o) + 8;
	((unsigned char *)o)[sizeof(*o) + 7] = 0xff;
	EXPECT_EQ(-E2BIG, open_raw(self->dev, o));
}

TEST_F(named, open_size_larger_zero_tail_ok)
{
	struct semctl_open *o = big_buf();
	int fd2;

	ASSERT_LE(0, make_named(self, "otail0", 1, 3, 0600));
	o->name = (uintptr_t)self->name;
	o->size = sizeof(*o) + 8;
	fd2 = open_raw(self->dev, o);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(1, sem_value(fd2));
	close(fd2);
}

TEST_F(named, open_bad_struct_pointer_efault)
{
	EXPECT_EQ(-EFAULT, open_raw(self->dev, bad_ptr()));
}

TEST_F(named, open_name_bad_pointer_efault)
{
	struct semctl_open o = { .size = sizeof(o) };

	o.name = (uintptr_t)bad_ptr();
	EXPECT_EQ(-EFAULT, open_raw(self->dev, &o));
}

TEST_F(named, open_name_empty_einval)
{
	EXPECT_EQ(-EINVAL, sem_open_name(self->dev, "", 0));
}

TEST_F(named, open_name_slash_einval)
{
	EXPECT_EQ(-EINVAL, sem_open_name(self->dev, "a/b", 0));
}

TEST_F(named, open_name_too_long_enametoolong)
{
	char name[SEMCTL_NAME_MAX + 2];

	memset(name, 'q', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	EXPECT_EQ(-ENAMETOOLONG, sem_open_name(self->dev, name, 0));
}

TEST_F(named, named_persists_without_fds)
{
	int fd2;

	ASSERT_LE(0, make_named(self, "persist", 2, 5, 0600));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	close(self->fd);
	self->fd = -1;
	fd2 = sem_open_name(self->dev, self->name, 0);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(3, sem_value(fd2));
	close(fd2);
}

TEST_F(named, unlink_missing_enoent)
{
	unique_name(self->name, sizeof(self->name), "nounlink");
	EXPECT_EQ(-ENOENT, sem_unlink(self->dev, self->name));
	self->name[0] = 0;
}

TEST_F(named, unlink_twice_enoent)
{
	ASSERT_LE(0, make_named(self, "twice", 0, 1, 0600));
	EXPECT_EQ(0, sem_unlink(self->dev, self->name));
	EXPECT_EQ(-ENOENT, sem_unlink(self->dev, self->name));
	self->name[0] = 0;
}

TEST_F(named, unlink_open_fds_keep_working)
{
	struct semctl_info info;
	int fd2;

	ASSERT_LE(0, make_named(self, "keep", 1, 4, 0600));
	fd2 = sem_open_name(self->dev, self->name, 0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, sem_unlink(self->dev, self->name));
	EXPECT_EQ(-ENOENT, sem_open_name(self->dev, self->name, 0));
	EXPECT_EQ(0, sem_release(self->fd, 2));
	EXPECT_EQ(0, sem_acquire(fd2, 3));
	EXPECT_EQ(0, sem_value(self->fd));
	EXPECT_EQ(0, sem_release(fd2, 4));
	ASSERT_EQ(0, sem_query(self->fd, &info));
	EXPECT_EQ(4, info.value);
	EXPECT_TRUE(info.flags & SEMCTL_INFO_NAMED);
	EXPECT_TRUE(info.flags & SEMCTL_INFO_UNLINKED);
	close(fd2);
	self->name[0] = 0;
}

TEST_F(named, unlink_then_recreate_is_fresh)
{
	struct semctl_info info;
	int fd2;

	ASSERT_LE(0, make_named(self, "fresh", 1, 4, 0600));
	ASSERT_EQ(0, sem_unlink(self->dev, self->name));
	fd2 = sem_create_full(self->dev, SEMCTL_CREATE_EXCL, 7, 9, self->name,
			      0644);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, sem_query(fd2, &info));
	EXPECT_EQ(7, info.value);
	EXPECT_EQ(9, info.max);
	EXPECT_EQ(0644, info.mode);
	EXPECT_FALSE(info.flags & SEMCTL_INFO_UNLINKED);
	/* the old one is separate */
	EXPECT_EQ(1, sem_value(self->fd));
	EXPECT_EQ(0, sem_acquire(fd2, 7));
	EXPECT_EQ(1, sem_value(self->fd));
	/* and the name now opens the new one */
	close(fd2);
	fd2 = sem_open_name(self->dev, self->name, 0);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(0, sem_value(fd2));
	close(fd2);
}

TEST_F(named, unlink_without_fds_frees)
{
	int fd2;

	ASSERT_LE(0, make_named(self, "free", 3, 4, 0600));
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, sem_unlink(self->dev, self->name));
	EXPECT_EQ(-ENOENT, sem_open_name(self->dev, self->name, 0));
	/* without EXCL a fresh one is created */
	fd2 = sem_create_full(self->dev, 0, 0, 2, self->name, 0600);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(0, sem_value(fd2));
	close(fd2);
}

TEST_F(named, unlink_unknown_flag_einval)
{
	struct semctl_unlink u = { .size = sizeof(u), .flags = 1 };

	ASSERT_LE(0, make_named(self, "uflag", 0, 1, 0600));
	u.name = (uintptr_t)self->name;
	EXPECT_EQ(-EINVAL, unlink_raw(self->dev, &u));
	u.flags = 1U << 31;
	EXPECT_EQ(-EINVAL, unlink_raw(self->dev, &u));
	/* still there */
	u.flags = 0;
	EXPECT_EQ(0, unlink_raw(self->dev, &u));
	self->name[0] = 0;
}

TEST_F(named, unlink_size_below_ver0_einval)
{
	struct semctl_unlink u = { .size = SEMCTL_UNLINK_SIZE_VER0 - 1 };

	ASSERT_LE(0, make_named(self, "usize", 0, 1, 0600));
	u.name = (uintptr_t)self->name;
	EXPECT_EQ(-EINVAL, unlink_raw(self->dev, &u));
}

TEST_F(named, unlink_size_above_page_e2big)
{
	struct semctl_unlink *u = big_buf();

	ASSERT_LE(0, make_named(self, "ubig", 0, 1, 0600));
	u->name = (uintptr_t)self->name;
	u->size = page_size() + 1;
	EXPECT_EQ(-E2BIG, unlink_raw(self->dev, u));
}

TEST_F(named, unlink_size_larger_nonzero_tail_e2big)
{
	struct semctl_unlink *u = big_buf();

	ASSERT_LE(0, make_named(self, "utail", 0, 1, 0600));
	u->name = (uintptr_t)self->name;
	u->size = sizeof(*u) + 16;
	((unsigned char *)u)[sizeof(*u) + 3] = 1;
	EXPECT_EQ(-E2BIG, unlink_raw(self->dev, u));
}

TEST_F(named, unlink_size_larger_zero_tail_ok)
{
	struct semctl_unlink *u = big_buf();

	ASSERT_LE(0, make_named(self, "utail0", 0, 1, 0600));
	u->name = (uintptr_t)self->name;
	u->size = sizeof(*u) + 16;
	EXPECT_EQ(0, unlink_raw(self->dev, u));
	self->name[0] = 0;
}

TEST_F(named, unlink_bad_struct_pointer_efault)
{
	EXPECT_EQ(-EFAULT, unlink_raw(self->dev, bad_ptr()));
}

TEST_F(named, unlink_name_bad_pointer_efault)
{
	struct semctl_unlink u = { .size = sizeof(u) };

	u.name = (uintptr_t)bad_ptr();
	EXPECT_EQ(-EFAULT, unlink_raw(self->dev, &u));
}

TEST_F(named, unlink_name_empty_einval)
{
	EXPECT_EQ(-EINVAL, sem_unlink(self->dev, ""));
}

TEST_F(named, unlink_name_slash_einval)
{
	EXPECT_EQ(-EINVAL, sem_unlink(self->dev, "x/y"));
}

TEST_F(named, unlink_name_too_long_enametoolong)
{
	char name[SEMCTL_NAME_MAX + 2];

	memset(name, 'r', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	EXPECT_EQ(-ENAMETOOLONG, sem_unlink(self->dev, name));
}

TEST_F(named, names_are_independent)
{
	char other[160];
	int fd2;

	ASSERT_LE(0, make_named(self, "indep", 1, 2, 0600));
	snprintf(other, sizeof(other), "%s.b", self->name);
	fd2 = sem_create_full(self->dev, SEMCTL_CREATE_EXCL, 2, 2, other,
			      0600);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(1, sem_value(self->fd));
	EXPECT_EQ(2, sem_value(fd2));
	EXPECT_EQ(0, sem_unlink(self->dev, other));
	close(fd2);
}

SEMCTL_HARNESS_MAIN
