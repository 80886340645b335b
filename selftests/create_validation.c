// SPDX-License-Identifier: GPL-2.0
/*
 * SEMCTL_IOC_CREATE: the device, the new fd, and every validation path of
 * struct semctl_create, each in its own test.
 */
#include "semctl_test.h"

SEMCTL_FIXTURE(create)

static int create_raw(int dev, struct semctl_create *c)
{
	return ret_or_errno(ioctl(dev, SEMCTL_IOC_CREATE, c));
}

static struct semctl_create create_arg(__u64 value, __u64 max)
{
	struct semctl_create c = {
		.size = sizeof(c),
		.value = value,
		.max = max,
		.mode = 0600,
	};

	return c;
}

TEST(abi_struct_sizes)
{
	ASSERT_EQ(SEMCTL_CREATE_SIZE_VER0, sizeof(struct semctl_create));
	ASSERT_EQ(SEMCTL_OPEN_SIZE_VER0, sizeof(struct semctl_open));
	ASSERT_EQ(SEMCTL_UNLINK_SIZE_VER0, sizeof(struct semctl_unlink));
	ASSERT_EQ(SEMCTL_ACQUIRE_SIZE_VER0, sizeof(struct semctl_acquire));
	ASSERT_EQ(SEMCTL_RELEASE_SIZE_VER0, sizeof(struct semctl_release));
	ASSERT_EQ(SEMCTL_INFO_SIZE_VER1, sizeof(struct semctl_info));
	ASSERT_EQ(SEMCTL_INFO_SIZE_VER0,
		  offsetof(struct semctl_info, name) + SEMCTL_NAME_MAX + 1);
}

TEST(device_is_misc_char_0666)
{
	struct stat st;

	ASSERT_EQ(0, stat(SEMCTL_DEV, &st)) {
		TH_LOG("stat %s: %s", SEMCTL_DEV, strerror(errno));
	}
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0666, st.st_mode & 07777);
	/* misc devices have major 10 */
	EXPECT_EQ(10, (int)(st.st_rdev >> 8) & 0xfff);
}

TEST_F(create, anon_ok_and_query)
{
	struct semctl_info info;

	self->fd = sem_create(self->dev, 3, 10);
	ASSERT_LE(0, self->fd);
	ASSERT_NE(self->dev, self->fd);
	ASSERT_EQ(0, sem_query(self->fd, &info));
	EXPECT_EQ(3, info.value);
	EXPECT_EQ(10, info.max);
	EXPECT_EQ(0, info.waiters);
	EXPECT_EQ(0, info.undo);
	EXPECT_EQ(geteuid(), info.uid);
	EXPECT_EQ(getegid(), info.gid);
	EXPECT_EQ(0, info.flags & (SEMCTL_INFO_NAMED | SEMCTL_INFO_UNLINKED));
	EXPECT_EQ(SEMCTL_INFO_READ | SEMCTL_INFO_WRITE,
		  info.flags & (SEMCTL_INFO_READ | SEMCTL_INFO_WRITE));
	EXPECT_EQ(0, info.flags & SEMCTL_INFO_FD_UNDO);
	EXPECT_EQ(0, info.reserved);
	EXPECT_EQ(0, info.name[0]);
}

TEST_F(create, fd_is_cloexec_by_default)
{
	int fl;

	self->fd = sem_create(self->dev, 0, 1);
	ASSERT_LE(0, self->fd);
	fl = fcntl(self->fd, F_GETFD);
	ASSERT_LE(0, fl);
	EXPECT_TRUE(fl & FD_CLOEXEC);
	fl = fcntl(self->fd, F_GETFL);
	ASSERT_LE(0, fl);
	EXPECT_FALSE(fl & O_NONBLOCK);
	EXPECT_EQ(O_RDWR, fl & O_ACCMODE);
}

TEST_F(create, fd_nocloexec)
{
	int fl;

	self->fd = sem_create_full(self->dev, SEMCTL_FD_NOCLOEXEC, 0, 1,
				   NULL, 0600);
	ASSERT_LE(0, self->fd);
	fl = fcntl(self->fd, F_GETFD);
	ASSERT_LE(0, fl);
	EXPECT_FALSE(fl & FD_CLOEXEC);
}

TEST_F(create, fd_nonblock)
{
	int fl;

	self->fd = sem_create_full(self->dev, SEMCTL_FD_NONBLOCK, 0, 1,
				   NULL, 0600);
	ASSERT_LE(0, self->fd);
	fl = fcntl(self->fd, F_GETFL);
	ASSERT_LE(0, fl);
	EXPECT_TRUE(fl & O_NONBLOCK);
}

TEST_F(create, fd_undo_flag_in_query)
{
	struct semctl_info info;

	self->fd = sem_create_full(self->dev, SEMCTL_FD_UNDO, 1, 1, NULL,
				   0600);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, sem_query(self->fd, &info));
	EXPECT_TRUE(info.flags & SEMCTL_INFO_FD_UNDO);
}

TEST_F(create, many_fds_independent)
{
	int a, b;

	a = sem_create(self->dev, 1, 5);
	ASSERT_LE(0, a);
	b = sem_create(self->dev, 4, 5);
	ASSERT_LE(0, b);
	EXPECT_EQ(0, sem_release(a, 1));
	EXPECT_EQ(2, sem_value(a));
	EXPECT_EQ(4, sem_value(b));
	close(a);
	close(b);
}

TEST_F(create, max_zero_means_value_max)
{
	struct semctl_info info;

	self->fd = sem_create(self->dev, 7, 0);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, sem_query(self->fd, &info));
	EXPECT_EQ(SEMCTL_VALUE_MAX, info.max);
	EXPECT_EQ(7, info.value);
}

TEST_F(create, value_max_ok)
{
	self->fd = sem_create(self->dev, SEMCTL_VALUE_MAX, SEMCTL_VALUE_MAX);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(SEMCTL_VALUE_MAX, (__u64)sem_value(self->fd));
}

TEST_F(create, value_equal_max_ok)
{
	self->fd = sem_create(self->dev, 5, 5);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(5, sem_value(self->fd));
}

TEST_F(create, value_above_max_einval)
{
	EXPECT_EQ(-EINVAL, sem_create(self->dev, 6, 5));
}

TEST_F(create, value_above_default_max_einval)
{
	EXPECT_EQ(-EINVAL, sem_create(self->dev, SEMCTL_VALUE_MAX + 1, 0));
}

TEST_F(create, max_above_value_max_einval)
{
	EXPECT_EQ(-EINVAL, sem_create(self->dev, 0, SEMCTL_VALUE_MAX + 1));
	EXPECT_EQ(-EINVAL, sem_create(self->dev, 0, ~0ULL));
}

TEST_F(create, mode_bits_outside_0777_einval)
{
	EXPECT_EQ(-EINVAL, sem_create_full(self->dev, 0, 0, 1, NULL, 01000));
	EXPECT_EQ(-EINVAL, sem_create_full(self->dev, 0, 0, 1, NULL, 04755));
	EXPECT_EQ(-EINVAL,
		  sem_create_full(self->dev, 0, 0, 1, NULL, 0x80000000U));
}

TEST_F(create, unknown_flag_einval)
{
	struct semctl_create c = create_arg(0, 1);

	c.flags = 1U << 31;
	EXPECT_EQ(-EINVAL, create_raw(self->dev, &c));
	c.flags = 1U << 3;
	EXPECT_EQ(-EINVAL, create_raw(self->dev, &c));
}

TEST_F(create, open_only_flag_einval)
{
	struct semctl_create c = create_arg(0, 1);

	/* SEMCTL_OPEN_* are not create flags */
	c.flags = SEMCTL_OPEN_READ;
	EXPECT_EQ(-EINVAL, create_raw(self->dev, &c));
	c.flags = SEMCTL_OPEN_WRITE;
	EXPECT_EQ(-EINVAL, create_raw(self->dev, &c));
}

TEST_F(create, reserved_nonzero_einval)
{
	struct semctl_create c = create_arg(0, 1);

	c.reserved = 1;
	EXPECT_EQ(-EINVAL, create_raw(self->dev, &c));
}

TEST_F(create, size_zero_einval)
{
	struct semctl_create c = create_arg(0, 1);

	c.size = 0;
	EXPECT_EQ(-EINVAL, create_raw(self->dev, &c));
}

TEST_F(create, size_below_ver0_einval)
{
	struct semctl_create c = create_arg(0, 1);

	c.size = SEMCTL_CREATE_SIZE_VER0 - 1;
	EXPECT_EQ(-EINVAL, create_raw(self->dev, &c));
	c.size = 8;
	EXPECT_EQ(-EINVAL, create_raw(self->dev, &c));
}

TEST_F(create, size_above_page_e2big)
{
	struct semctl_create *c = big_buf();

	*c = create_arg(0, 1);
	c->size = page_size() + 1;
	EXPECT_EQ(-E2BIG, create_raw(self->dev, c));
	c->size = 0xffffffffU;
	EXPECT_EQ(-E2BIG, create_raw(self->dev, c));
}

TEST_F(create, size_larger_zero_tail_ok)
{
	struct semctl_create *c = big_buf();

	*c = create_arg(2, 3);
	c->size = sizeof(*c) + 64;
	self->fd = create_raw(self->dev, c);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(2, sem_value(self->fd));
}

TEST_F(create, size_page_zero_tail_ok)
{
	struct semctl_create *c = big_buf();

	*c = create_arg(1, 3);
	c->size = page_size();
	self->fd = create_raw(self->dev, c);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(1, sem_value(self->fd));
}

TEST_F(create, size_larger_nonzero_tail_e2big)
{
	struct semctl_create *c = big_buf();

	*c = create_arg(0, 1);
	c->size = sizeof(*c) + 64;
	((unsigned char *)c)[sizeof(*c) + 63] = 1;
	EXPECT_EQ(-E2BIG, create_raw(self->dev, c));
	((unsigned char *)c)[sizeof(*c) + 63] = 0;
	((unsigned char *)c)[sizeof(*c)] = 0x80;
	EXPECT_EQ(-E2BIG, create_raw(self->dev, c));
}

TEST_F(create, bad_struct_pointer_efault)
{
	EXPECT_EQ(-EFAULT, ret_or_errno(ioctl(self->dev, SEMCTL_IOC_CREATE,
					      bad_ptr())));
	EXPECT_EQ(-EFAULT, ret_or_errno(ioctl(self->dev, SEMCTL_IOC_CREATE,
					      NULL)));
}

TEST_F(create, struct_straddles_unmapped_page_efault)
{
	char *p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct semctl_create *c;

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, mprotect(p + 4096, 4096, PROT_NONE));
	/* size readable, the rest of the struct is not */
	c = (struct semctl_create *)(p + 4096 - 8);
	c->size = sizeof(*c);
	c->flags = 0;
	EXPECT_EQ(-EFAULT, create_raw(self->dev, c));
	munmap(p, 2 * 4096);
}

TEST_F(create, name_bad_pointer_efault)
{
	struct semctl_create c = create_arg(0, 1);

	c.name = (__u64)(uintptr_t)bad_ptr();
	EXPECT_EQ(-EFAULT, create_raw(self->dev, &c));
}

TEST_F(create, name_empty_einval)
{
	EXPECT_EQ(-EINVAL, sem_create_full(self->dev, 0, 0, 1, "", 0600));
}

TEST_F(create, name_with_slash_einval)
{
	EXPECT_EQ(-EINVAL, sem_create_full(self->dev, 0, 0, 1, "a/b", 0600));
	EXPECT_EQ(-EINVAL, sem_create_full(self->dev, 0, 0, 1, "/", 0600));
	EXPECT_EQ(-EINVAL,
		  sem_create_full(self->dev, 0, 0, 1, "ksft-slash/", 0600));
}

TEST_F(create, name_too_long_enametoolong)
{
	char name[SEMCTL_NAME_MAX + 2];

	memset(name, 'x', SEMCTL_NAME_MAX + 1);
	name[SEMCTL_NAME_MAX + 1] = 0;
	EXPECT_EQ(-ENAMETOOLONG,
		  sem_create_full(self->dev, 0, 0, 1, name, 0600));
}

TEST_F(create, name_unterminated_long_enametoolong)
{
	/* a page of non-NUL bytes: the kernel must stop at NAME_MAX */
	char *p = big_buf();

	memset(p, 'y', 2 * 4096);
	EXPECT_EQ(-ENAMETOOLONG, sem_create_full(self->dev, 0, 0, 1, p, 0600));
}

TEST_F(create, name_max_length_ok)
{
	char name[SEMCTL_NAME_MAX + 1];
	struct semctl_info info;
	int n;

	n = snprintf(name, sizeof(name), "ksft.long.%d.", getpid());
	memset(name + n, 'z', SEMCTL_NAME_MAX - n);
	name[SEMCTL_NAME_MAX] = 0;
	ASSERT_EQ(SEMCTL_NAME_MAX, strlen(name));
	strcpy(self->name, "");
	self->fd = sem_create_full(self->dev, SEMCTL_CREATE_EXCL, 1, 2, name,
				   0600);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, sem_query(self->fd, &info));
	EXPECT_STREQ(name, info.name);
	EXPECT_EQ(0, sem_unlink(self->dev, name));
}

TEST_F(create, named_info)
{
	struct semctl_info info;

	unique_name(self->name, sizeof(self->name), "info");
	self->fd = sem_create_full(self->dev, SEMCTL_CREATE_EXCL, 2, 9,
				   self->name, 0640);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, sem_query(self->fd, &info));
	EXPECT_STREQ(self->name, info.name);
	EXPECT_TRUE(info.flags & SEMCTL_INFO_NAMED);
	EXPECT_FALSE(info.flags & SEMCTL_INFO_UNLINKED);
	EXPECT_EQ(0640, info.mode);
	EXPECT_EQ(2, info.value);
	EXPECT_EQ(9, info.max);
	EXPECT_EQ(geteuid(), info.uid);
	EXPECT_EQ(getegid(), info.gid);
}

TEST_F(create, named_excl_exists_eexist)
{
	unique_name(self->name, sizeof(self->name), "excl");
	self->fd = sem_create_full(self->dev, SEMCTL_CREATE_EXCL, 0, 1,
				   self->name, 0600);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(-EEXIST, sem_create_full(self->dev, SEMCTL_CREATE_EXCL, 0,
					   1, self->name, 0600));
}

TEST_F(create, named_without_excl_opens_existing)
{
	struct semctl_info info;
	int fd2;

	unique_name(self->name, sizeof(self->name), "reopen");
	self->fd = sem_create_full(self->dev, 0, 2, 4, self->name, 0600);
	ASSERT_LE(0, self->fd);
	/* value, max and mode are not used when the name exists */
	fd2 = sem_create_full(self->dev, 0, 0, 100, self->name, 0644);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, sem_query(fd2, &info));
	EXPECT_EQ(2, info.value);
	EXPECT_EQ(4, info.max);
	EXPECT_EQ(0600, info.mode);
	EXPECT_EQ(SEMCTL_INFO_READ | SEMCTL_INFO_WRITE,
		  info.flags & (SEMCTL_INFO_READ | SEMCTL_INFO_WRITE));
	/* one semaphore */
	EXPECT_EQ(0, sem_acquire(fd2, 2));
	EXPECT_EQ(0, sem_value(self->fd));
	EXPECT_EQ(0, sem_release(self->fd, 1));
	EXPECT_EQ(1, sem_value(fd2));
	close(fd2);
}

TEST_F(create, named_without_excl_validates_value)
{
	/* a new name is created with the given value, so it is checked */
	unique_name(self->name, sizeof(self->name), "newval");
	EXPECT_EQ(-EINVAL, sem_create_full(self->dev, 0, 3, 2, self->name,
					   0600));
	EXPECT_EQ(-ENOENT, sem_open_name(self->dev, self->name, 0));
}

TEST_F(create, unknown_ioctl_on_device_enotty)
{
	EXPECT_EQ(-ENOTTY, ret_or_errno(ioctl(self->dev,
		  _IOW(SEMCTL_IOC_MAGIC, 0x7f, struct semctl_create), big_buf())));
	EXPECT_EQ(-ENOTTY, ret_or_errno(ioctl(self->dev, _IO('T', 1), 0)));
	EXPECT_EQ(-ENOTTY, ret_or_errno(ioctl(self->dev,
		  _IOW(SEMCTL_IOC_MAGIC, 0x0f, struct semctl_unlink), big_buf())));
}

TEST_F(create, unknown_ioctl_on_sem_enotty)
{
	self->fd = sem_create(self->dev, 0, 1);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(-ENOTTY, ret_or_errno(ioctl(self->fd,
		  _IOWR(SEMCTL_IOC_MAGIC, 0x7e, struct semctl_info), big_buf())));
	EXPECT_EQ(-ENOTTY, ret_or_errno(ioctl(self->fd, _IO('T', 1), 0)));
}

TEST_F(create, device_ioctls_on_sem_fd_enotty)
{
	struct semctl_create c = create_arg(0, 1);
	struct semctl_open o = { .size = sizeof(o), .name = (uintptr_t)"x" };
	struct semctl_unlink u = { .size = sizeof(u), .name = (uintptr_t)"x" };

	self->fd = sem_create(self->dev, 0, 1);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(-ENOTTY, create_raw(self->fd, &c));
	EXPECT_EQ(-ENOTTY, ret_or_errno(ioctl(self->fd, SEMCTL_IOC_OPEN, &o)));
	EXPECT_EQ(-ENOTTY,
		  ret_or_errno(ioctl(self->fd, SEMCTL_IOC_UNLINK, &u)));
}

TEST_F(create, sem_ioctls_on_device_enotty)
{
	struct semctl_acquire a = { .size = sizeof(a), .count = 1 };
	struct semctl_release r = { .size = sizeof(r), .count = 1 };
	struct semctl_info info = { .size = sizeof(info) };

	EXPECT_EQ(-ENOTTY,
		  ret_or_errno(ioctl(self->dev, SEMCTL_IOC_ACQUIRE, &a)));
	EXPECT_EQ(-ENOTTY,
		  ret_or_errno(ioctl(self->dev, SEMCTL_IOC_RELEASE, &r)));
	EXPECT_EQ(-ENOTTY,
		  ret_or_errno(ioctl(self->dev, SEMCTL_IOC_QUERY, &info)));
}

TEST_F(create, ioctl_size_bits_ignored)
{
	/* the header: size bits of the ioctl number are ignored */
	struct semctl_create c = create_arg(1, 2);
	unsigned long nr = _IOC(_IOC_WRITE, SEMCTL_IOC_MAGIC, 0x00, 8);

	self->fd = ret_or_errno(ioctl(self->dev, nr, &c));
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(1, sem_value(self->fd));
}

TEST_F_TIMEOUT(create, create_close_many, 120)
{
	int i, fd;

	for (i = 0; i < 2000; i++) {
		fd = sem_create(self->dev, i % 5, 5);
		ASSERT_LE(0, fd);
		close(fd);
	}
}

SEMCTL_HARNESS_MAIN
