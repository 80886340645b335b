// SPDX-License-Identifier: GPL-2.0
/*
 * Undo: SEMCTL_ACQUIRE_UNDO and SEMCTL_FD_UNDO record units on the open
 * file; they come back when the open file is finally closed (close, exit,
 * SIGKILL); a release through the same open file pays the record back
 * first.
 */
#include "semctl_test.h"

SEMCTL_FIXTURE(undo)

static int make_named(FIXTURE_DATA(undo) *self, const char *tag,
		      __u64 value, __u64 max)
{
	unique_name(self->name, sizeof(self->name), tag);
	self->fd = sem_create_full(self->dev, SEMCTL_CREATE_EXCL, value, max,
				   self->name, 0600);
	return self->fd;
}

TEST_F(undo, recorded_in_query)
{
	int fd2;

	ASSERT_LE(0, make_named(self, "rec", 5, 5));
	fd2 = sem_open_name(self->dev, self->name, 0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, sem_acquire_full(fd2, 2, SEMCTL_ACQUIRE_UNDO, 0));
	EXPECT_EQ(2, sem_undo(fd2));
	/* per open file: the other fd holds none */
	EXPECT_EQ(0, sem_undo(self->fd));
	ASSERT_EQ(0, sem_acquire_full(fd2, 1, SEMCTL_ACQUIRE_UNDO, 0));
	EXPECT_EQ(3, sem_undo(fd2));
	/* without the flag nothing is recorded */
	ASSERT_EQ(0, sem_acquire(fd2, 1));
	EXPECT_EQ(3, sem_undo(fd2));
	EXPECT_EQ(1, sem_value(self->fd));
	close(fd2);
}

TEST_F(undo, returned_on_close)
{
	int fd2;

	ASSERT_LE(0, make_named(self, "close", 5, 5));
	fd2 = sem_open_name(self->dev, self->name, 0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, sem_acquire_full(fd2, 3, SEMCTL_ACQUIRE_UNDO, 0));
	ASSERT_EQ(0, sem_acquire(fd2, 1));
	EXPECT_EQ(1, sem_value(self->fd));
	close(fd2);
	/* the 3 undo units come back, the plain one does not */
	EXPECT_EQ(4, sem_value(self->fd));
}

TEST_F(undo, anonymous_returned_on_close_of_last_dup)
{
	int d;

	self->fd = sem_create(self->dev, 2, 2);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, sem_acquire_full(self->fd, 2, SEMCTL_ACQUIRE_UNDO, 0));
	d = dup(self->fd);
	ASSERT_LE(0, d);
	close(self->fd);
	/* the open file lives on in d */
	self->fd = d;
	EXPECT_EQ(0, sem_value(d));
	EXPECT_EQ(2, sem_undo(d));
}

TEST_F(undo, dup_close_returns_only_at_last_close)
{
	int fd2, d;

	ASSERT_LE(0, make_named(self, "dup", 3, 3));
	fd2 = sem_open_name(self->dev, self->name, 0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, sem_acquire_full(fd2, 2, SEMCTL_ACQUIRE_UNDO, 0));
	d = dup(fd2);
	ASSERT_LE(0, d);
	close(fd2);
	EXPECT_EQ(1, sem_value(self->fd));
	close(d);
	EXPECT_EQ(3, sem_value(self->fd));
}

TEST_F(undo, release_pays_back_undo_first)
{
	int fd2;

	ASSERT_LE(0, make_named(self, "payback", 5, 5));
	fd2 = sem_open_name(self->dev, self->name, 0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, sem_acquire_full(fd2, 3, SEMCTL_ACQUIRE_UNDO, 0));
	EXPECT_EQ(3, sem_undo(fd2));
	ASSERT_EQ(0, sem_release(fd2, 1));
	EXPECT_EQ(2, sem_undo(fd2));
	EXPECT_EQ(3, sem_value(self->fd));
	close(fd2);
	EXPECT_EQ(5, sem_value(self->fd));
}

TEST_F(undo, release_more_than_undo)
{
	int fd2;

	ASSERT_LE(0, make_named(self, "more", 5, 10));
	fd2 = sem_open_name(self->dev, self->name, 0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, sem_acquire(fd2, 2));
	ASSERT_EQ(0, sem_acquire_full(fd2, 2, SEMCTL_ACQUIRE_UNDO, 0));
	EXPECT_EQ(1, sem_value(self->fd));
	ASSERT_EQ(0, sem_release(fd2, 3));
	EXPECT_EQ(0, sem_undo(fd2));
	EXPECT_EQ(4, sem_value(self->fd));
	close(fd2);
	/* nothing more comes back */
	EXPECT_EQ(4, sem_value(self->fd));
}

TEST_F(undo, release_on_other_fd_keeps_record)
{
	int fd2;

	ASSERT_LE(0, make_named(self, "other", 5, 10));
	fd2 = sem_open_name(self->dev, self->name, 0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, sem_acquire_full(fd2, 2, SEMCTL_ACQUIRE_UNDO, 0));
	ASSERT_EQ(0, sem_release(self->fd, 2));
	EXPECT_EQ(2, sem_undo(fd2));
	EXPECT_EQ(0, sem_undo(self->fd));
	EXPECT_EQ(5, sem_value(self->fd));
	close(fd2);
	EXPECT_EQ(7, sem_value(self->fd));
}

/*
 * Undo gives back at most up to the maximum: when other releases refilled
 * the semaphore, the surplus is dropped (the value never exceeds the
 * maximum) and the close still succeeds.
 */
TEST_F(undo, return_stops_at_the_maximum)
{
	int fd2;

	ASSERT_LE(0, make_named(self, "cap", 2, 2));
	fd2 = sem_open_name(self->dev, self->name, 0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, sem_acquire_full(fd2, 2, SEMCTL_ACQUIRE_UNDO, 0));
	ASSERT_EQ(0, sem_release(self->fd, 2));
	EXPECT_EQ(2, sem_value(self->fd));
	EXPECT_EQ(2, sem_undo(fd2));
	EXPECT_EQ(0, close(fd2));
	EXPECT_EQ(2, sem_value(self->fd));
	EXPECT_EQ(-EOVERFLOW, sem_release(self->fd, 1));
}

TEST_F(undo, failed_release_keeps_record)
{
	int fd2;

	ASSERT_LE(0, make_named(self, "failrel", 3, 3));
	fd2 = sem_open_name(self->dev, self->name, 0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, sem_acquire_full(fd2, 2, SEMCTL_ACQUIRE_UNDO, 0));
	EXPECT_EQ(-EOVERFLOW, sem_release(fd2, 3));
	EXPECT_EQ(2, sem_undo(fd2));
	EXPECT_EQ(1, sem_value(self->fd));
	close(fd2);
	EXPECT_EQ(3, sem_value(self->fd));
}

TEST_F(undo, returned_on_exit)
{
	pid_t pid;
	int status;

	ASSERT_LE(0, make_named(self, "exit", 4, 4));
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int dev = dev_open(), fd;

		fd = dev < 0 ? -1 : sem_open_name(dev, self->name, 0);
		if (fd < 0)
			_exit(1);
		if (sem_acquire_full(fd, 3, SEMCTL_ACQUIRE_UNDO, 0))
			_exit(2);
		_exit(0);	/* no close: exit does it */
	}
	status = wait_child(pid, WAIT_MS);
	EXPECT_EQ(0, child_exit_code(status));
	EXPECT_EQ(4, sem_value(self->fd));
}

TEST_F_TIMEOUT(undo, returned_on_sigkill_of_holder, 60)
{
	int pfd[2];
	pid_t pid;
	char c;
	int status;

	ASSERT_LE(0, make_named(self, "kill", 3, 3));
	ASSERT_EQ(0, pipe2(pfd, O_CLOEXEC));
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int dev = dev_open(), fd;

		close(pfd[0]);
		fd = dev < 0 ? -1 : sem_open_name(dev, self->name, 0);
		if (fd < 0)
			_exit(1);
		if (sem_acquire_full(fd, 2, SEMCTL_ACQUIRE_UNDO, 0))
			_exit(2);
		write_full(pfd[1], "k", 1);
		for (;;)
			pause();
	}
	close(pfd[1]);
	ASSERT_EQ(0, read_full_timeout(pfd[0], &c, 1, WAIT_MS));
	EXPECT_EQ(1, sem_value(self->fd));
	kill(pid, SIGKILL);
	status = wait_child(pid, WAIT_MS);
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	EXPECT_EQ(3, sem_value(self->fd));
	close(pfd[0]);
}

TEST_F_TIMEOUT(undo, sigkill_holder_blocked_in_acquire, 60)
{
	/* holds 1 with undo, then waits for 2 more: SIGKILL undoes both */
	int pfd[2];
	pid_t pid;
	char c;
	int status;

	ASSERT_LE(0, make_named(self, "killwait", 2, 3));
	ASSERT_EQ(0, pipe2(pfd, O_CLOEXEC));
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int dev = dev_open(), fd;

		close(pfd[0]);
		fd = dev < 0 ? -1 : sem_open_name(dev, self->name, 0);
		if (fd < 0)
			_exit(1);
		if (sem_acquire_full(fd, 1, SEMCTL_ACQUIRE_UNDO, 0))
			_exit(2);
		write_full(pfd[1], "k", 1);
		sem_acquire_full(fd, 2, SEMCTL_ACQUIRE_UNDO, 0);
		_exit(3);
	}
	close(pfd[1]);
	ASSERT_EQ(0, read_full_timeout(pfd[0], &c, 1, WAIT_MS));
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	EXPECT_EQ(1, sem_value(self->fd));
	kill(pid, SIGKILL);
	status = wait_child(pid, WAIT_MS);
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(0, sem_waiters(self->fd));
	EXPECT_EQ(2, sem_value(self->fd));
	close(pfd[0]);
}

TEST_F(undo, inherited_file_undo_waits_for_last_close)
{
	pid_t pid;
	int status, fd2;

	ASSERT_LE(0, make_named(self, "inherit", 3, 3));
	fd2 = sem_open_name(self->dev, self->name, 0);
	ASSERT_LE(0, fd2);
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(sem_acquire_full(fd2, 2, SEMCTL_ACQUIRE_UNDO, 0) ? 1 : 0);
	status = wait_child(pid, WAIT_MS);
	EXPECT_EQ(0, child_exit_code(status));
	/* the open file is still open here: nothing returned yet */
	EXPECT_EQ(1, sem_value(self->fd));
	EXPECT_EQ(2, sem_undo(fd2));
	close(fd2);
	EXPECT_EQ(3, sem_value(self->fd));
}

TEST_F(undo, fd_undo_read_recorded)
{
	struct semctl_info info;
	uint64_t v = 0;
	int fd2;

	ASSERT_LE(0, make_named(self, "fdundo", 3, 3));
	fd2 = sem_open_name(self->dev, self->name, SEMCTL_FD_UNDO);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, sem_query(fd2, &info));
	EXPECT_TRUE(info.flags & SEMCTL_INFO_FD_UNDO);
	ASSERT_EQ(8, read(fd2, &v, sizeof(v)));
	EXPECT_EQ(1, v);
	ASSERT_EQ(8, read(fd2, &v, sizeof(v)));
	EXPECT_EQ(2, sem_undo(fd2));
	EXPECT_EQ(1, sem_value(self->fd));
	/* write pays the record back first */
	v = 1;
	ASSERT_EQ(8, write(fd2, &v, sizeof(v)));
	EXPECT_EQ(1, sem_undo(fd2));
	close(fd2);
	EXPECT_EQ(3, sem_value(self->fd));
}

TEST_F(undo, fd_undo_returned_on_sigkill)
{
	int pfd[2];
	pid_t pid;
	char c;

	ASSERT_LE(0, make_named(self, "fdundokill", 2, 2));
	ASSERT_EQ(0, pipe2(pfd, O_CLOEXEC));
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int dev = dev_open(), fd;
		uint64_t v;

		close(pfd[0]);
		fd = dev < 0 ? -1 : sem_open_name(dev, self->name,
						  SEMCTL_FD_UNDO);
		if (fd < 0 || read(fd, &v, 8) != 8 || read(fd, &v, 8) != 8)
			_exit(1);
		write_full(pfd[1], "k", 1);
		for (;;)
			pause();
	}
	close(pfd[1]);
	ASSERT_EQ(0, read_full_timeout(pfd[0], &c, 1, WAIT_MS));
	EXPECT_EQ(0, sem_value(self->fd));
	kill(pid, SIGKILL);
	wait_child(pid, WAIT_MS);
	EXPECT_EQ(2, sem_value(self->fd));
	close(pfd[0]);
}

TEST_F(undo, undo_return_wakes_waiter)
{
	static struct waiter w;
	int fd2;

	ASSERT_LE(0, make_named(self, "wake", 2, 2));
	fd2 = sem_open_name(self->dev, self->name, 0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, sem_acquire_full(fd2, 2, SEMCTL_ACQUIRE_UNDO, 0));
	ASSERT_EQ(0, waiter_start_acq(&w, self->fd, 2, NULL));
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	close(fd2);
	ASSERT_EQ(0, waiter_wait(&w)) {
		TH_LOG("undo on close did not wake the waiter");
		sem_release(self->fd, 2);
	}
	EXPECT_EQ(0, w.ret);
	EXPECT_EQ(0, sem_value(self->fd));
	waiter_reap(&w);
}

TEST_F(undo, undo_after_unlink)
{
	int fd2;

	ASSERT_LE(0, make_named(self, "unl", 2, 2));
	fd2 = sem_open_name(self->dev, self->name, 0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, sem_acquire_full(fd2, 2, SEMCTL_ACQUIRE_UNDO, 0));
	ASSERT_EQ(0, sem_unlink(self->dev, self->name));
	self->name[0] = 0;
	close(fd2);
	EXPECT_EQ(2, sem_value(self->fd));
}

TEST_F_TIMEOUT(undo, blocked_undo_acquire_recorded_on_grant, 60)
{
	static struct waiter w;
	int fd2;

	ASSERT_LE(0, make_named(self, "grant", 0, 5));
	fd2 = sem_open_name(self->dev, self->name, 0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, waiter_start(&w, fd2, OP_ACQUIRE, 3,
				  SEMCTL_ACQUIRE_UNDO | SEMCTL_ACQUIRE_TIMEOUT,
				  (__u64)3 * WAIT_MS * NSEC_PER_MSEC, NULL));
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	EXPECT_EQ(0, sem_undo(fd2));
	/* the units are handed over while it sleeps: recorded then */
	ASSERT_EQ(0, sem_release(self->fd, 3));
	ASSERT_EQ(0, waiter_wait(&w));
	EXPECT_EQ(0, w.ret);
	EXPECT_EQ(3, sem_undo(fd2));
	EXPECT_EQ(0, sem_value(self->fd));
	waiter_reap(&w);
	close(fd2);
	EXPECT_EQ(3, sem_value(self->fd));
}

/*
 * Releases through another open file leave a record behind, so records
 * could outgrow what anybody holds: their sum stays within the maximum,
 * and an acquire with undo past it fails with ERANGE, taking nothing.
 */
TEST_F(undo, records_cannot_outgrow_the_maximum)
{
	int fd2;

	ASSERT_LE(0, make_named(self, "range", 3, 3));
	fd2 = sem_open_name(self->dev, self->name, 0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, sem_acquire_full(fd2, 3, SEMCTL_ACQUIRE_UNDO, 0));
	ASSERT_EQ(0, sem_release(self->fd, 3));
	EXPECT_EQ(3, sem_undo(fd2));
	EXPECT_EQ(-ERANGE, sem_acquire_full(fd2, 1, SEMCTL_ACQUIRE_UNDO, 0));
	EXPECT_EQ(-ERANGE, sem_acquire_full(self->fd, 1, SEMCTL_ACQUIRE_UNDO,
					    0));
	EXPECT_EQ(3, sem_value(self->fd));
	EXPECT_EQ(3, sem_undo(fd2));
	/* without undo nothing changes */
	ASSERT_EQ(0, sem_acquire_full(fd2, 1, 0, 0));
	ASSERT_EQ(0, sem_release(fd2, 1));
	close(fd2);
	/* the record comes back clamped at the maximum */
	EXPECT_EQ(3, sem_value(self->fd));
}

/* A queued acquire with undo that would pass the maximum fails on grant. */
TEST_F_TIMEOUT(undo, queued_acquire_past_the_maximum_fails_on_grant, 60)
{
	static struct waiter first, second;
	int fd2;

	ASSERT_LE(0, make_named(self, "range-q", 0, 2));
	fd2 = sem_open_name(self->dev, self->name, 0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, waiter_start(&first, fd2, OP_ACQUIRE, 2,
				  SEMCTL_ACQUIRE_UNDO | SEMCTL_ACQUIRE_TIMEOUT,
				  (__u64)3 * WAIT_MS * NSEC_PER_MSEC, NULL));
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	ASSERT_EQ(0, waiter_start(&second, fd2, OP_ACQUIRE, 1,
				  SEMCTL_ACQUIRE_UNDO | SEMCTL_ACQUIRE_TIMEOUT,
				  (__u64)3 * WAIT_MS * NSEC_PER_MSEC, NULL));
	ASSERT_EQ(0, wait_waiters(self->fd, 2, NULL));
	ASSERT_EQ(0, sem_release(self->fd, 2));
	ASSERT_EQ(0, waiter_wait(&first));
	EXPECT_EQ(0, first.ret);
	/* fd2's record is 2 = max: the second cannot be recorded */
	ASSERT_EQ(0, sem_release(self->fd, 1));
	ASSERT_EQ(0, waiter_wait(&second));
	EXPECT_EQ(-ERANGE, second.ret);
	EXPECT_EQ(1, sem_value(self->fd));
	EXPECT_EQ(0, sem_waiters(self->fd));
	waiter_reap(&first);
	waiter_reap(&second);
	close(fd2);
}

/*
 * Holders whose records fill the maximum do not make a new waiter with
 * undo fail: it queues, and is granted once a holder gives a unit back.
 */
TEST_F_TIMEOUT(undo, waiter_behind_full_records_queues, 60)
{
	static struct waiter w;

	ASSERT_LE(0, make_named(self, "range-wait", 2, 2));
	ASSERT_EQ(0, sem_acquire_full(self->fd, 2, SEMCTL_ACQUIRE_UNDO, 0));
	ASSERT_EQ(0, waiter_start(&w, self->fd, OP_ACQUIRE, 1,
				  SEMCTL_ACQUIRE_UNDO | SEMCTL_ACQUIRE_TIMEOUT,
				  (__u64)3 * WAIT_MS * NSEC_PER_MSEC, NULL));
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	ASSERT_EQ(0, waiter_wait(&w));
	EXPECT_EQ(0, w.ret);
	EXPECT_EQ(2, sem_undo(self->fd));
	waiter_reap(&w);
}

static void nop_handler(int sig)
{
	(void)sig;
}

TEST_F_TIMEOUT(undo, interrupted_undo_acquire_records_nothing, 60)
{
	struct sigaction sa = { .sa_handler = nop_handler };
	static struct waiter w;
	int fd2;

	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_LE(0, make_named(self, "intr", 1, 5));
	fd2 = sem_open_name(self->dev, self->name, 0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, waiter_start(&w, fd2, OP_ACQUIRE, 3,
				  SEMCTL_ACQUIRE_UNDO | SEMCTL_ACQUIRE_TIMEOUT,
				  (__u64)3 * WAIT_MS * NSEC_PER_MSEC, NULL));
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	ASSERT_EQ(0, pthread_kill(w.thread, SIGUSR1));
	ASSERT_EQ(0, waiter_wait(&w));
	EXPECT_EQ(-EINTR, w.ret);
	EXPECT_EQ(0, sem_undo(fd2));
	EXPECT_EQ(1, sem_value(self->fd));
	waiter_reap(&w);
	close(fd2);
	EXPECT_EQ(1, sem_value(self->fd));
}

TEST_F_TIMEOUT(undo, fd_undo_blocking_read_recorded_on_grant, 60)
{
	static struct waiter w;
	int fd2;

	ASSERT_LE(0, make_named(self, "fdgrant", 0, 5));
	fd2 = sem_open_name(self->dev, self->name, SEMCTL_FD_UNDO);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, waiter_start(&w, fd2, OP_READ, 1, 0, 0, NULL));
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	ASSERT_EQ(0, waiter_wait(&w));
	EXPECT_EQ(8, w.ret);
	EXPECT_EQ(1, sem_undo(fd2));
	waiter_reap(&w);
	close(fd2);
	EXPECT_EQ(1, sem_value(self->fd));
}

SEMCTL_HARNESS_MAIN
