// SPDX-License-Identifier: GPL-2.0
/*
 * One semaphore across processes: fork()ed children on an inherited fd,
 * unrelated processes (fresh exec) opening one name, an fd passed over
 * SCM_RIGHTS, close-on-exec, FIFO across processes.
 */
#include "semctl_test.h"
#include <sys/socket.h>
#include <sys/un.h>

SEMCTL_FIXTURE(mp)

/*
 * Helper modes, reached by re-executing this binary:
 *   multiprocess --acquire NAME COUNT   open NAME, acquire COUNT, print "A\n"
 *                                       on stdout, release COUNT, exit 0
 *   multiprocess --check-fd FD          exit 0 if FD is a semctl fd
 */
static int helper_main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "--acquire")) {
		int dev = dev_open(), fd;
		__u64 n = strtoull(argv[3], NULL, 0);

		if (dev < 0)
			return 10;
		fd = sem_open_name(dev, argv[2], 0);
		if (fd < 0)
			return 11;
		close(dev);
		if (sem_acquire_bounded(fd, n, 0))
			return 12;
		if (write(1, "A\n", 2) != 2)
			return 13;
		if (sem_release(fd, n))
			return 14;
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "--check-fd")) {
		struct semctl_info info;

		return sem_query(atoi(argv[2]), &info) ? 20 : 0;
	}
	return -1;
}

static pid_t spawn(char *const argv[], int out_fd)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		if (out_fd >= 0)
			dup2(out_fd, 1);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	return pid;
}

TEST_F_TIMEOUT(mp, fork_child_blocks_parent_releases, 60)
{
	pid_t pid;

	self->fd = sem_create(self->dev, 0, 3);
	ASSERT_LE(0, self->fd);
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(sem_acquire_bounded(self->fd, 2, 0) ? 1 : 0);
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	ASSERT_EQ(0, sem_release(self->fd, 2));
	EXPECT_EQ(0, child_exit_code(wait_child(pid, WAIT_MS)));
	EXPECT_EQ(0, sem_value(self->fd));
}

TEST_F_TIMEOUT(mp, fork_children_fifo_order, 90)
{
	enum { N = 4 };
	pid_t pid[N];
	int pfd[2], i;
	char c;

	self->fd = sem_create(self->dev, 0, 3);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, pipe2(pfd, O_CLOEXEC));
	for (i = 0; i < N; i++) {
		fflush(stderr);
		pid[i] = fork();
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0) {
			char id = (char)('0' + i);

			close(pfd[0]);
			if (sem_acquire_bounded(self->fd, 1, 0))
				_exit(1);
			_exit(write(pfd[1], &id, 1) == 1 ? 0 : 2);
		}
		/* queue them one after the other */
		ASSERT_EQ(0, wait_waiters(self->fd, (uint64_t)i + 1, NULL));
	}
	close(pfd[1]);
	for (i = 0; i < N; i++) {
		ASSERT_EQ(0, sem_release(self->fd, 1));
		ASSERT_EQ(0, read_full_timeout(pfd[0], &c, 1, WAIT_MS));
		EXPECT_EQ('0' + i, c);
	}
	for (i = 0; i < N; i++)
		EXPECT_EQ(0, child_exit_code(wait_child(pid[i], WAIT_MS)));
	close(pfd[0]);
}

TEST_F_TIMEOUT(mp, unrelated_processes_open_one_name, 90)
{
	enum { N = 3 };
	char *argv[5];
	char count[] = "1";
	pid_t pid[N];
	int pfd[2], i;
	char buf[2];

	unique_name(self->name, sizeof(self->name), "unrel");
	self->fd = sem_create_full(self->dev, SEMCTL_CREATE_EXCL, 0, 5,
				   self->name, 0600);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, pipe2(pfd, O_CLOEXEC));
	argv[0] = "multiprocess";
	argv[1] = "--acquire";
	argv[2] = self->name;
	argv[3] = count;
	argv[4] = NULL;
	for (i = 0; i < N; i++) {
		pid[i] = spawn(argv, pfd[1]);
		ASSERT_LT(0, pid[i]);
	}
	close(pfd[1]);
	/* all three are queued on the name, from separate opens */
	ASSERT_EQ(0, wait_waiters(self->fd, N, NULL));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	/* each takes the unit, reports, gives it back to the next */
	for (i = 0; i < N; i++)
		ASSERT_EQ(0, read_full_timeout(pfd[0], buf, 2, WAIT_MS));
	for (i = 0; i < N; i++)
		EXPECT_EQ(0, child_exit_code(wait_child(pid[i], WAIT_MS)));
	EXPECT_EQ(1, sem_value(self->fd));
	close(pfd[0]);
}

static int send_fd(int sock, int fd)
{
	char data = 'F';
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	memset(&u, 0, sizeof(u));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char data;
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm;
	struct pollfd p = { .fd = sock, .events = POLLIN };
	int fd;

	if (poll(&p, 1, WAIT_MS) != 1)
		return -1;
	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

TEST_F_TIMEOUT(mp, scm_rights_passes_anonymous_sem, 60)
{
	int sv[2], fd;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* creates an anonymous semaphore, passes it, waits on it */
		int dev = dev_open(), s;

		close(sv[0]);
		s = dev < 0 ? -1 : sem_create(dev, 0, 4);
		if (s < 0)
			_exit(1);
		close(dev);
		if (send_fd(sv[1], s))
			_exit(2);
		if (sem_acquire_bounded(s, 3, 0))
			_exit(3);
		_exit(0);
	}
	close(sv[1]);
	fd = recv_fd(sv[0]);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, wait_waiters(fd, 1, NULL));
	EXPECT_EQ(0, sem_value(fd));
	ASSERT_EQ(0, sem_release(fd, 4));
	EXPECT_EQ(0, child_exit_code(wait_child(pid, WAIT_MS)));
	/* the child is gone; the passed fd still holds the semaphore */
	EXPECT_EQ(1, sem_value(fd));
	EXPECT_EQ(0, sem_acquire(fd, 1));
	close(fd);
	close(sv[0]);
}

TEST_F_TIMEOUT(mp, scm_rights_fd_undo_follows_open_file, 60)
{
	int sv[2], fd;
	pid_t pid;

	unique_name(self->name, sizeof(self->name), "scmundo");
	self->fd = sem_create_full(self->dev, SEMCTL_CREATE_EXCL, 2, 2,
				   self->name, 0600);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int dev = dev_open(), s;

		close(sv[0]);
		s = dev < 0 ? -1 : sem_open_name(dev, self->name, 0);
		if (s < 0 || sem_acquire_full(s, 2, SEMCTL_ACQUIRE_UNDO, 0))
			_exit(1);
		_exit(send_fd(sv[1], s) ? 2 : 0);
	}
	close(sv[1]);
	fd = recv_fd(sv[0]);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, child_exit_code(wait_child(pid, WAIT_MS)));
	/* the child exited, but its open file lives on in our fd */
	EXPECT_EQ(0, sem_value(self->fd));
	EXPECT_EQ(2, sem_undo(fd));
	close(fd);
	EXPECT_EQ(2, sem_value(self->fd));
	close(sv[0]);
}

TEST_F_TIMEOUT(mp, exec_closes_cloexec_fd, 60)
{
	char fdstr[16];
	char *argv[] = { "multiprocess", "--check-fd", fdstr, NULL };
	pid_t pid;

	self->fd = sem_create(self->dev, 0, 1);
	ASSERT_LE(0, self->fd);
	snprintf(fdstr, sizeof(fdstr), "%d", self->fd);
	pid = spawn(argv, -1);
	ASSERT_LT(0, pid);
	EXPECT_EQ(20, child_exit_code(wait_child(pid, WAIT_MS)));
}

TEST_F_TIMEOUT(mp, exec_keeps_nocloexec_fd, 60)
{
	char fdstr[16];
	char *argv[] = { "multiprocess", "--check-fd", fdstr, NULL };
	pid_t pid;

	self->fd = sem_create_full(self->dev, SEMCTL_FD_NOCLOEXEC, 0, 1, NULL,
				   0600);
	ASSERT_LE(0, self->fd);
	snprintf(fdstr, sizeof(fdstr), "%d", self->fd);
	pid = spawn(argv, -1);
	ASSERT_LT(0, pid);
	EXPECT_EQ(0, child_exit_code(wait_child(pid, WAIT_MS)));
}

TEST_F_TIMEOUT(mp, killed_waiter_process_leaves_queue, 60)
{
	pid_t a, b;

	self->fd = sem_create(self->dev, 0, 3);
	ASSERT_LE(0, self->fd);
	fflush(stderr);
	a = fork();
	ASSERT_LE(0, a);
	if (a == 0)
		_exit(sem_acquire_bounded(self->fd, 1, 0) ? 1 : 0);
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	b = fork();
	ASSERT_LE(0, b);
	if (b == 0)
		_exit(sem_acquire_bounded(self->fd, 1, 0) ? 1 : 0);
	ASSERT_EQ(0, wait_waiters(self->fd, 2, NULL));
	kill(a, SIGKILL);
	wait_child(a, WAIT_MS);
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	EXPECT_EQ(0, child_exit_code(wait_child(b, WAIT_MS)));
	EXPECT_EQ(0, sem_value(self->fd));
}

int main(int argc, char **argv)
{
	if (argc > 1 && argv[1][0] == '-' && argv[1][1] == '-') {
		int r = helper_main(argc, argv);

		if (r >= 0)
			return r;
	}
	return semctl_harness_main(argc, argv, NULL);
}
