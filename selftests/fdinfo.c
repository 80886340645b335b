// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/PID/fdinfo/FD of a semaphore fd shows semctl-value, -max,
 * -waiters, -parked and -name (tab after the colon, like other fdinfo lines).
 */
#include "semctl_test.h"

SEMCTL_FIXTURE(fi)

static struct waiter w;

TEST_F(fi, fields_present)
{
	char v[300];

	unique_name(self->name, sizeof(self->name), "fdinfo");
	self->fd = sem_create_full(self->dev, SEMCTL_CREATE_EXCL, 3, 10,
				   self->name, 0600);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, fdinfo_field(getpid(), self->fd, "semctl-value", v,
				  sizeof(v)));
	EXPECT_STREQ("3", v);
	ASSERT_EQ(0, fdinfo_field(getpid(), self->fd, "semctl-max", v,
				  sizeof(v)));
	EXPECT_STREQ("10", v);
	ASSERT_EQ(0, fdinfo_field(getpid(), self->fd, "semctl-waiters", v,
				  sizeof(v)));
	EXPECT_STREQ("0", v);
	ASSERT_EQ(0, fdinfo_field(getpid(), self->fd, "semctl-parked", v,
				  sizeof(v)));
	EXPECT_STREQ("0", v);
	ASSERT_EQ(0, fdinfo_field(getpid(), self->fd, "semctl-name", v,
				  sizeof(v)));
	EXPECT_STREQ(self->name, v);
}

TEST_F(fi, standard_fields_kept)
{
	char v[64];

	self->fd = sem_create(self->dev, 0, 1);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(0, fdinfo_field(getpid(), self->fd, "flags", v, sizeof(v)));
	EXPECT_EQ(0, fdinfo_field(getpid(), self->fd, "mnt_id", v, sizeof(v)));
}

TEST_F(fi, anonymous_name_line)
{
	char v[300];

	self->fd = sem_create(self->dev, 0, 0);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, fdinfo_field(getpid(), self->fd, "semctl-max", v,
				  sizeof(v)));
	EXPECT_STREQ("9223372036854775807", v);
	/* the line is there; an anonymous semaphore has an empty name */
	ASSERT_EQ(0, fdinfo_field(getpid(), self->fd, "semctl-name", v,
				  sizeof(v)));
	EXPECT_STREQ("", v);
}

/*
 * A name cannot forge fdinfo lines: control characters are refused at
 * create (a newline would have started a "semctl-value:" line), and what
 * may be printed ambiguously is octal-escaped, as /proc/self/mounts does.
 */
TEST_F(fi, name_cannot_forge_lines)
{
	static const char *const bad[] = {
		"x\nsemctl-value:\t999", "tab\there", "esc\x1b[2J", "del\x7f",
	};
	char name[200], want[300], v[300];
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_EQ(-EINVAL, sem_create_full(self->dev, 0, 1, 1, bad[i],
						   0600));
	unique_name(name, sizeof(name), "fdinfo esc");
	strcat(name, "\\b");
	self->fd = sem_create_full(self->dev, SEMCTL_CREATE_EXCL, 1, 1, name,
				   0600);
	ASSERT_LE(0, self->fd);
	strcpy(self->name, name);
	ASSERT_EQ(0, fdinfo_field(getpid(), self->fd, "semctl-name", v,
				  sizeof(v)));
	/* "ksft.fdinfo esc.<pid>..." with its space and backslash escaped */
	snprintf(want, sizeof(want), "%.*s\\040%s", 11, name, name + 12);
	want[strlen(want) - 2] = 0;
	strcat(want, "\\134b");
	EXPECT_STREQ(want, v);
}

TEST_F(fi, value_tracks_changes)
{
	self->fd = sem_create(self->dev, 0, 10);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(0, fdinfo_num(getpid(), self->fd, "semctl-value"));
	ASSERT_EQ(0, sem_release(self->fd, 7));
	EXPECT_EQ(7, fdinfo_num(getpid(), self->fd, "semctl-value"));
	ASSERT_EQ(0, sem_acquire(self->fd, 5));
	EXPECT_EQ(2, fdinfo_num(getpid(), self->fd, "semctl-value"));
}

TEST_F_TIMEOUT(fi, waiters_shown, 60)
{
	self->fd = sem_create(self->dev, 0, 10);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, waiter_start_acq(&w, self->fd, 1, NULL));
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	EXPECT_EQ(1, fdinfo_num(getpid(), self->fd, "semctl-waiters"));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	ASSERT_EQ(0, waiter_wait(&w));
	EXPECT_EQ(0, fdinfo_num(getpid(), self->fd, "semctl-waiters"));
	waiter_reap(&w);
}

TEST_F_TIMEOUT(fi, other_process_fdinfo, 60)
{
	int pfd[2];
	pid_t pid;
	char c;

	self->fd = sem_create(self->dev, 4, 8);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, pipe2(pfd, O_CLOEXEC));
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(pfd[1]);
		/* hold the fd until the parent closes the pipe */
		read_full_timeout(pfd[0], &c, 1, WAIT_MS);
		_exit(0);
	}
	close(pfd[0]);
	EXPECT_EQ(4, fdinfo_num(pid, self->fd, "semctl-value"));
	EXPECT_EQ(8, fdinfo_num(pid, self->fd, "semctl-max"));
	close(pfd[1]);
	wait_child(pid, WAIT_MS);
}

SEMCTL_HARNESS_MAIN
