// SPDX-License-Identifier: GPL-2.0
/*
 * The module stays pinned while a semaphore fd is open: delete_module()
 * (rmmod) is refused. The module is never actually unloaded here: the
 * call is only made while an fd is open and the refcount says in use.
 */
#include "semctl_test.h"

#define MODNAME "semctl"

SEMCTL_FIXTURE(mod)

static long refcnt(void)
{
	char buf[32];
	ssize_t n;
	int f = open("/sys/module/" MODNAME "/refcnt", O_RDONLY | O_CLOEXEC);

	if (f < 0)
		return -1;
	n = read(f, buf, sizeof(buf) - 1);
	close(f);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return strtol(buf, NULL, 10);
}

TEST_F(mod, refcnt_follows_sem_fd)
{
	long base, held;

	self->fd = sem_create(self->dev, 0, 1);
	ASSERT_LE(0, self->fd);
	close(self->dev);
	self->dev = -1;
	held = refcnt();
	ASSERT_LE(1, held) {
		TH_LOG("/sys/module/%s/refcnt: %ld", MODNAME, held);
	}
	close(self->fd);
	self->fd = -1;
	base = refcnt();
	EXPECT_EQ(held - 1, base);
}

TEST_F(mod, rmmod_refused_with_sem_fd_open)
{
	long r;
	int ret;

	self->fd = sem_create(self->dev, 0, 1);
	ASSERT_LE(0, self->fd);
	/* only the semaphore fd pins the module now */
	close(self->dev);
	self->dev = -1;
	r = refcnt();
	/* never try to unload a module that says it is unused */
	ASSERT_LE(1, r) {
		TH_LOG("module refcnt %ld with a semaphore fd open", r);
	}
	ret = syscall(SYS_delete_module, MODNAME, O_NONBLOCK);
	ASSERT_EQ(-1, ret) {
		TH_LOG("delete_module succeeded with an fd open!");
	}
	EXPECT_TRUE(errno == EWOULDBLOCK || errno == EBUSY) {
		TH_LOG("errno %d (%s)", errno, strerror(errno));
	}
	/* still working */
	EXPECT_EQ(0, sem_release(self->fd, 1));
	EXPECT_EQ(1, sem_value(self->fd));
}

TEST_F(mod, rmmod_refused_with_only_named_fd_after_unlink)
{
	long r;
	int ret;

	unique_name(self->name, sizeof(self->name), "modref");
	self->fd = sem_create_full(self->dev, SEMCTL_CREATE_EXCL, 0, 1,
				   self->name, 0600);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, sem_unlink(self->dev, self->name));
	self->name[0] = 0;
	close(self->dev);
	self->dev = -1;
	r = refcnt();
	ASSERT_LE(1, r);
	ret = syscall(SYS_delete_module, MODNAME, O_NONBLOCK);
	ASSERT_EQ(-1, ret);
	EXPECT_TRUE(errno == EWOULDBLOCK || errno == EBUSY);
	EXPECT_EQ(0, sem_value(self->fd));
}

TEST_F(mod, rmmod_refused_with_device_open)
{
	long r;
	int ret;

	r = refcnt();
	ASSERT_LE(1, r);
	ret = syscall(SYS_delete_module, MODNAME, O_NONBLOCK);
	ASSERT_EQ(-1, ret);
	EXPECT_TRUE(errno == EWOULDBLOCK || errno == EBUSY);
}

SEMCTL_HARNESS_MAIN
