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
	EXPECT_STREQ("65536\n", self->saved[0]);
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

TEST_F(limits, per_namespace_name_limit_is_enospc)
{
	char name[3][64];
	int fd[3], anon, again, i;

	ASSERT_EQ(0, param_write("max_names_per_ns", "0"));
	for (i = 0; i < 3; i++)
		unique_name(name[i], sizeof(name[i]), "lim");
	EXPECT_EQ(-ENOSPC, sem_create_full(self->dev, SEMCTL_CREATE_EXCL, 1,
					   1, name[0], 0600));
	EXPECT_EQ(-ENOENT, sem_open_name(self->dev, name[0], 0));
	/* Anonymous semaphores have no name to count. */
	anon = sem_create(self->dev, 1, 1);
	EXPECT_GE(anon, 0);
	close(anon);

	ASSERT_EQ(0, param_write("max_names_per_ns", "65536"));
	for (i = 0; i < 2; i++) {
		fd[i] = sem_create_full(self->dev, SEMCTL_CREATE_EXCL, 1, 1,
					name[i], 0600);
		ASSERT_GE(fd[i], 0);
	}
	ASSERT_EQ(0, param_write("max_names_per_ns", "1"));
	fd[2] = sem_create_full(self->dev, SEMCTL_CREATE_EXCL, 1, 1, name[2],
				0600);
	EXPECT_EQ(-ENOSPC, fd[2]);
	/* Opening or open-or-create of an existing name still works. */
	again = sem_create_full(self->dev, 0, 1, 1, name[0], 0600);
	EXPECT_GE(again, 0);
	close(again);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(0, sem_unlink(self->dev, name[i]));
		close(fd[i]);
	}
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
