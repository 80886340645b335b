// SPDX-License-Identifier: GPL-2.0
/*
 * Names are scoped to the caller's IPC namespace, and a namespace's names
 * go away with it; unprivileged callers get what the mode bits allow.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <sched.h>

#include "semctl_test.h"

#define NOBODY	65534

static long read_counter(const char *attr)
{
	char path[128], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/class/misc/semctl/%s", attr);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	return strtol(buf, NULL, 10);
}

/* A listing reaps the tables of namespaces that died. */
static int list_count(int dev)
{
	struct semctl_info entries[8];
	struct semctl_list l = {
		.size = sizeof(l),
		.entries = (__u64)(uintptr_t)entries,
		.entry_size = sizeof(entries[0]),
	};
	int total = 0;

	do {
		l.count = 8;
		if (ioctl(dev, SEMCTL_IOC_LIST, &l))
			return -errno;
		total += l.count;
	} while (l.count);
	return total;
}

/* Is @name among the names the caller may list? 1, 0 or -errno. */
static int list_has(int dev, const char *name)
{
	struct semctl_info entries[8];
	struct semctl_list l = {
		.size = sizeof(l),
		.entries = (__u64)(uintptr_t)entries,
		.entry_size = sizeof(entries[0]),
	};
	__u32 i;

	do {
		l.count = 8;
		if (ioctl(dev, SEMCTL_IOC_LIST, &l))
			return -errno;
		for (i = 0; i < l.count; i++)
			if (!strcmp(entries[i].name, name))
				return 1;
	} while (l.count);
	return 0;
}

static int drop_to_nobody(void)
{
	if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
		return -errno;
	return 0;
}

/* Child steps report through the exit code: 0 or the failing step. */
/*
 * Dead namespaces are freed after an RCU grace period, from a work item,
 * and reaped by name operations: list (bounded) until @n tables are left.
 */
static int wait_namespaces(int dev, long n)
{
	uint64_t end = mono_ms() + WAIT_MS;

	while (read_counter("namespaces") != n) {
		if (list_count(dev) < 0 || mono_ms() > end)
			return -ETIMEDOUT;
		sleep_ms(10);
	}
	return 0;
}

#define CHILD_CHECK(step, cond) do { if (!(cond)) _exit(step); } while (0)

TEST(other_namespace_neither_sees_nor_opens_nor_unlinks)
{
	char name[64];
	int dev, fd;
	pid_t pid;

	dev = dev_open();
	ASSERT_GE(dev, 0);
	unique_name(name, sizeof(name), "iso");
	fd = sem_create_full(dev, 0, 3, 5, name, 0666);
	ASSERT_GE(fd, 0);

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int d, own;

		CHILD_CHECK(10, unshare(CLONE_NEWIPC) == 0);
		d = dev_open();
		CHILD_CHECK(11, d >= 0);
		CHILD_CHECK(12, sem_open_name(d, name, 0) == -ENOENT);
		CHILD_CHECK(13, sem_unlink(d, name) == -ENOENT);
		CHILD_CHECK(14, list_count(d) == 0);
		/* The name is free here: reuse it. */
		own = sem_create_full(d, SEMCTL_CREATE_EXCL, 1, 1, name, 0600);
		CHILD_CHECK(15, own >= 0);
		CHILD_CHECK(16, sem_value(own) == 1);
		CHILD_CHECK(17, list_count(d) == 1);
		_exit(0);
	}
	EXPECT_EQ(0, child_exit_code(wait_child(pid, WAIT_MS)));
	/* Ours is untouched. */
	EXPECT_EQ(3, sem_value(fd));
	EXPECT_EQ(0, sem_unlink(dev, name));
	close(fd);
	close(dev);
}

TEST(names_of_a_dead_namespace_are_freed)
{
	long namespaces, semaphores;
	int dev, pipefd[2];
	pid_t pid;

	dev = dev_open();
	ASSERT_GE(dev, 0);
	ASSERT_GE(list_count(dev), 0);
	namespaces = read_counter("namespaces");
	semaphores = read_counter("semaphores");
	ASSERT_GE(namespaces, 0);
	ASSERT_GE(semaphores, 0);
	ASSERT_EQ(0, pipe(pipefd));

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		char name[32];
		int d, i, fd;

		close(pipefd[0]);
		CHILD_CHECK(10, unshare(CLONE_NEWIPC) == 0);
		d = dev_open();
		CHILD_CHECK(11, d >= 0);
		for (i = 0; i < 3; i++) {
			snprintf(name, sizeof(name), "dead-ns-%d", i);
			fd = sem_create_full(d, SEMCTL_CREATE_EXCL, 1, 1,
					     name, 0600);
			CHILD_CHECK(12, fd >= 0);
			close(fd);	/* the name alone keeps it */
		}
		CHILD_CHECK(13, read_counter("namespaces") == namespaces + 1);
		CHILD_CHECK(14, read_counter("semaphores") == semaphores + 3);
		_exit(0);
	}
	close(pipefd[1]);
	ASSERT_EQ(0, child_exit_code(wait_child(pid, WAIT_MS)));
	close(pipefd[0]);

	ASSERT_EQ(0, wait_namespaces(dev, namespaces));
	EXPECT_EQ(namespaces, read_counter("namespaces"));
	EXPECT_EQ(semaphores, read_counter("semaphores"));
	close(dev);
}

/*
 * A namespace dies while its name table is still growing (a rehash
 * pending) and the parent keeps calling name operations, which reap dead
 * tables: freeing a table must not leave the rehash to hash freed names
 * (a use-after-free that KASAN reports; make check-debug runs this).
 */
#define BURST_NAMES	4000
#define BURST_ROUNDS	6
/* A KASAN kernel on two CPUs needs over 10 s for one round. */
#define BURST_ROUND_MS	45000

FIXTURE(burst)
{
	int unused;
};

FIXTURE_SETUP(burst)
{
}

FIXTURE_TEARDOWN(burst)
{
}

TEST_F_TIMEOUT(burst, namespace_dies_during_a_rehash, 300)
{
	long namespaces;
	int dev, round;

	dev = dev_open();
	ASSERT_GE(dev, 0);
	ASSERT_GE(list_count(dev), 0);
	namespaces = read_counter("namespaces");
	for (round = 0; round < BURST_ROUNDS; round++) {
		uint64_t end;
		pid_t pid;
		int status;

		pid = fork();
		ASSERT_GE(pid, 0);
		if (pid == 0) {
			char name[32];
			int d, i, fd;

			CHILD_CHECK(10, unshare(CLONE_NEWIPC) == 0);
			d = dev_open();
			CHILD_CHECK(11, d >= 0);
			for (i = 0; i < BURST_NAMES; i++) {
				snprintf(name, sizeof(name), "burst-%d", i);
				fd = sem_create_full(d, SEMCTL_CREATE_EXCL, 1,
						     1, name, 0600);
				CHILD_CHECK(12, fd >= 0);
				close(fd);
			}
			_exit(0);	/* the table dies growing */
		}
		/* Name operations race the child's exit and the reap. */
		end = mono_ms() + BURST_ROUND_MS;
		for (;;) {
			EXPECT_EQ(-ENOENT, sem_open_name(dev, "burst-none",
							 SEMCTL_OPEN_READ));
			ASSERT_GE(list_count(dev), 0);
			if (waitpid(pid, &status, WNOHANG) == pid)
				break;
			ASSERT_LT(mono_ms(), end);
		}
		ASSERT_EQ(0, child_exit_code(status));
	}
	ASSERT_EQ(0, wait_namespaces(dev, namespaces));
	EXPECT_EQ(namespaces, read_counter("namespaces"));
	close(dev);
}

TEST(unprivileged_caller_gets_what_the_mode_allows)
{
	char private[64], readable[64];
	int dev, a, b;
	pid_t pid;

	dev = dev_open();
	ASSERT_GE(dev, 0);
	unique_name(private, sizeof(private), "priv");
	unique_name(readable, sizeof(readable), "ro");
	a = sem_create_full(dev, 0, 1, 1, private, 0600);
	ASSERT_GE(a, 0);
	b = sem_create_full(dev, 0, 1, 1, readable, 0604);
	ASSERT_GE(b, 0);

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct semctl_info info = { .size = sizeof(info) };
		__u64 one = 1;
		int d, ro, own;

		d = dev_open();
		CHILD_CHECK(10, d >= 0);
		CHILD_CHECK(11, drop_to_nobody() == 0);
		CHILD_CHECK(12, sem_open_name(d, private, 0) == -EACCES);
		CHILD_CHECK(13, sem_open_name(d, private, SEMCTL_OPEN_READ) ==
				-EACCES);
		CHILD_CHECK(14, sem_open_name(d, readable, 0) == -EACCES);
		CHILD_CHECK(15, sem_open_name(d, readable, SEMCTL_OPEN_WRITE) ==
				-EACCES);
		ro = sem_open_name(d, readable, SEMCTL_OPEN_READ);
		CHILD_CHECK(16, ro >= 0);
		CHILD_CHECK(17, ioctl(ro, SEMCTL_IOC_QUERY, &info) == 0);
		CHILD_CHECK(18, info.flags & SEMCTL_INFO_READ);
		CHILD_CHECK(19, !(info.flags & SEMCTL_INFO_WRITE));
		CHILD_CHECK(20, sem_try(ro, 1) == -EBADF);
		CHILD_CHECK(21, sem_release(ro, 1) == -EBADF);
		CHILD_CHECK(22, read(ro, &one, 8) < 0 && errno == EBADF);
		CHILD_CHECK(23, write(ro, &one, 8) < 0 && errno == EBADF);
		CHILD_CHECK(24, sem_unlink(d, readable) == -EPERM);
		CHILD_CHECK(25, sem_unlink(d, private) == -EPERM);
		/* Only what nobody may read is listed. */
		CHILD_CHECK(26, list_has(d, readable) == 1);
		CHILD_CHECK(29, list_has(d, private) == 0);
		/* Nobody may still make semaphores of its own. */
		own = sem_create(d, 1, 1);
		CHILD_CHECK(27, own >= 0);
		CHILD_CHECK(28, sem_try(own, 1) == 0);
		_exit(0);
	}
	EXPECT_EQ(0, child_exit_code(wait_child(pid, WAIT_MS)));
	EXPECT_EQ(1, sem_value(a));
	EXPECT_EQ(1, sem_value(b));
	EXPECT_EQ(0, sem_unlink(dev, private));
	EXPECT_EQ(0, sem_unlink(dev, readable));
	close(a);
	close(b);
	close(dev);
}

/* CAP_IPC_OWNER overrides the mode, as for SysV IPC. */
TEST(cap_ipc_owner_overrides_mode_and_ownership)
{
	char name[64];
	int dev, fd, status;
	pid_t pid;

	dev = dev_open();
	ASSERT_GE(dev, 0);
	unique_name(name, sizeof(name), "capown");
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		CHILD_CHECK(10, drop_to_nobody() == 0);
		fd = sem_create_full(dev, SEMCTL_CREATE_EXCL, 1, 1, name, 0);
		CHILD_CHECK(11, fd >= 0);
		_exit(0);
	}
	status = wait_child(pid, WAIT_MS);
	ASSERT_EQ(0, child_exit_code(status));
	fd = sem_open_name(dev, name, 0);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(0, sem_try(fd, 1));
	EXPECT_EQ(0, sem_unlink(dev, name));
	close(fd);
	close(dev);
}

TEST_HARNESS_MAIN
