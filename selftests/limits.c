// SPDX-License-Identifier: GPL-2.0
/*
 * The limits are module parameters: max_per_user (EDQUOT),
 * max_names_per_ns (ENOSPC), name_max (ENAMETOOLONG). Each test sets one
 * and puts the old value back.
 */
#include "semctl_test.h"

#define PARAMS	"/sys/module/semctl/parameters/"

static int param_read(const char *name, char *buf, size_t len)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return 0;
}

static int param_write(const char *name, const char *value)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, value, strlen(value));
	close(fd);
	return n < 0 ? -errno : 0;
}

FIXTURE(limits)
{
	int dev;
	char saved[3][32];
};

static const char *const limit_names[] = {
	"max_per_user", "max_names_per_ns", "name_max",
};

FIXTURE_SETUP(limits)
{
	int i;

	self->dev = dev_open();
	ASSERT_GE(self->dev, 0);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, param_read(limit_names[i], self->saved[i],
					sizeof(self->saved[i])));
}

FIXTURE_TEARDOWN(limits)
{
	int i;

	for (i = 0; i < 3; i++)
		param_write(limit_names[i], self->saved[i]);
	close(self->dev);
}

static int semaphores_alive(void)
{
	char buf[32];
	ssize_t n;
	int fd;

	fd = open("/sys/class/misc/semctl/semaphores", O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	return atoi(buf);
}

TEST_F(limits, defaults_are_documented)
{
	EXPECT_STREQ("8192\n", self->saved[0]);
	EXPECT_STREQ("65536\n", self->saved[1]);
	EXPECT_STREQ("255\n", self->saved[2]);
}

TEST_F(limits, per_user_limit_is_edquot)
{
	char value[32];
	int alive, fd[2], extra;

	alive = semaphores_alive();
	ASSERT_GE(alive, 0);
	/* root's own semaphores are the ones alive in this VM run */
	snprintf(value, sizeof(value), "%d", alive + 2);
	ASSERT_EQ(0, param_write("max_per_user", value));
	fd[0] = sem_create(self->dev, 1, 1);
	ASSERT_GE(fd[0], 0);
	fd[1] = sem_create(self->dev, 1, 1);
	ASSERT_GE(fd[1], 0);
	EXPECT_EQ(-EDQUOT, sem_create(self->dev, 1, 1));
	EXPECT_EQ(alive + 2, semaphores_alive());
	close(fd[0]);
	extra = sem_create(self->dev, 1, 1);
	EXPECT_GE(extra, 0);
	close(extra);
	close(fd[1]);
	EXPECT_EQ(alive, semaphores_alive());
}

#define NOBODY	65534

/*
 * Create @name (EXCL unless @open_existing) as the user nobody, in a child.
 * Return: 0 if created, the create's -errno, or -ECHILD if the child failed.
 */
static int create_as_nobody(int dev, const char *name, bool open_existing)
{
	pid_t pid;
	int code;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd;

		if (setgid(NOBODY) || setuid(NOBODY))
			_exit(100);
		fd = sem_create_full(dev, open_existing ? 0 : SEMCTL_CREATE_EXCL,
				     1, 1, name, 0666);
		_exit(fd >= 0 ? 0 : -fd);
	}
	code = child_exit_code(wait_child(pid, WAIT_MS));
	if (code < 0 || code == 100)
		return -ECHILD;
	return -code;
}

/*
 * Past max_names_per_ns an unprivileged named create fails with ENOSPC;
 * CAP_SYS_RESOURCE passes the limit, so users who fill the namespace
 * cannot lock root out (it used to get ENOSPC as well).
 */
TEST_F(limits, per_namespace_name_limit_is_enospc)
{
	char name[4][64];
	int anon, root_fd, i;

	for (i = 0; i < 4; i++)
		unique_name(name[i], sizeof(name[i]), "lim");
	ASSERT_EQ(0, param_write("max_names_per_ns", "0"));
	EXPECT_EQ(-ENOSPC, create_as_nobody(self->dev, name[0], false));
	EXPECT_EQ(-ENOENT, sem_open_name(self->dev, name[0], 0));
	/* Anonymous semaphores have no name to count. */
	anon = sem_create(self->dev, 1, 1);
	EXPECT_GE(anon, 0);
	close(anon);

	ASSERT_EQ(0, param_write("max_names_per_ns", "65536"));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, create_as_nobody(self->dev, name[i], false));
	ASSERT_EQ(0, param_write("max_names_per_ns", "1"));
	EXPECT_EQ(-ENOSPC, create_as_nobody(self->dev, name[2], false));
	/* Opening or open-or-create of an existing name still works. */
	EXPECT_EQ(0, create_as_nobody(self->dev, name[0], true));
	/* root (CAP_SYS_RESOURCE) is not locked out */
	root_fd = sem_create_full(self->dev, SEMCTL_CREATE_EXCL, 1, 1, name[3],
				  0600);
	EXPECT_GE(root_fd, 0);
	close(root_fd);
	EXPECT_EQ(0, sem_unlink(self->dev, name[3]));
	for (i = 0; i < 2; i++)
		EXPECT_EQ(0, sem_unlink(self->dev, name[i]));
}

TEST_F(limits, name_max_is_enametoolong)
{
	int fd;

	ASSERT_EQ(0, param_write("name_max", "8"));
	EXPECT_EQ(-ENAMETOOLONG, sem_create_full(self->dev, 0, 1, 1,
						 "123456789", 0600));
	fd = sem_create_full(self->dev, SEMCTL_CREATE_EXCL, 1, 1, "12345678",
			     0600);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(0, sem_unlink(self->dev, "12345678"));
	close(fd);
}

TEST_F(limits, name_max_out_of_range_is_rejected)
{
	char buf[32];

	EXPECT_EQ(-EINVAL, param_write("name_max", "0"));
	EXPECT_EQ(-EINVAL, param_write("name_max", "256"));
	ASSERT_EQ(0, param_read("name_max", buf, sizeof(buf)));
	EXPECT_STREQ(self->saved[2], buf);
}

TEST_HARNESS_MAIN
