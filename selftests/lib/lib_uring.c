// SPDX-License-Identifier: GPL-2.0
/*
 * libsemctl io_uring helpers with Debian's liburing 2.3: SQE layout,
 * async acquire, timeout, undo, cancel, FIFO order, ring close.
 */
#include <liburing.h>
#include <stddef.h>

#include "lib_test.h"
#include "../uring_features.h"

/* The SQE the helper fills, byte for byte, with no stale bytes left. */
TEST(prep_layout)
{
	struct semctl_uring_acquire a;
	struct semctl_uring_cancel c;
	struct io_uring_sqe sqe;

	memset(&sqe, 0xa5, sizeof(sqe));
	semctl_prep_acquire(&sqe, 7, 3, SEMCTL_ACQUIRE_UNDO, 0);
	EXPECT_EQ(IORING_OP_URING_CMD, sqe.opcode);
	EXPECT_EQ(7, sqe.fd);
	EXPECT_EQ(SEMCTL_URING_CMD_ACQUIRE, sqe.cmd_op);
	EXPECT_EQ(0, sqe.__pad1);
	EXPECT_EQ(0, sqe.flags);
	EXPECT_EQ(0, sqe.ioprio);
	EXPECT_EQ(0, sqe.addr);
	EXPECT_EQ(0, sqe.len);
	EXPECT_EQ(0, sqe.uring_cmd_flags);
	EXPECT_EQ(0, sqe.user_data);
	EXPECT_EQ(0, sqe.buf_index);
	EXPECT_EQ(0, sqe.personality);
	EXPECT_EQ(0, sqe.file_index);
	memcpy(&a, (char *)&sqe + offsetof(struct io_uring_sqe, addr3),
	       sizeof(a));
	EXPECT_EQ(3, a.count);
	EXPECT_EQ(SEMCTL_ACQUIRE_UNDO, a.flags);
	EXPECT_EQ(0, a.timeout_ns);

	/* a timeout adds SEMCTL_ACQUIRE_TIMEOUT */
	semctl_prep_acquire(&sqe, 7, 1, SEMCTL_ACQUIRE_ABSTIME, 12345);
	memcpy(&a, (char *)&sqe + offsetof(struct io_uring_sqe, addr3),
	       sizeof(a));
	EXPECT_EQ(SEMCTL_ACQUIRE_ABSTIME | SEMCTL_ACQUIRE_TIMEOUT, a.flags);
	EXPECT_EQ(12345, a.timeout_ns);

	memset(&sqe, 0x5a, sizeof(sqe));
	semctl_prep_cancel(&sqe, 9, 0x1122334455667788ULL);
	EXPECT_EQ(IORING_OP_URING_CMD, sqe.opcode);
	EXPECT_EQ(9, sqe.fd);
	EXPECT_EQ(SEMCTL_URING_CMD_CANCEL, sqe.cmd_op);
	EXPECT_EQ(0, sqe.user_data);
	memcpy(&c, (char *)&sqe + offsetof(struct io_uring_sqe, addr3),
	       sizeof(c));
	EXPECT_EQ(0x1122334455667788ULL, c.user_data);
	EXPECT_EQ(0, c.reserved);

	EXPECT_EQ(-EINVAL, semctl_cqe_result(NULL));
}

FIXTURE(ring) {
	struct io_uring ring;
	int fd;
	bool ring_up;
};

FIXTURE_SETUP(ring)
{
	int ret;

	self->ring_up = false;
	self->fd = semctl_sem_create(NULL, 0, 1000, 0600, 0);
	ASSERT_GE(self->fd, 0);
	ret = io_uring_queue_init(256, &self->ring, 0);
	if (ret == -ENOSYS || ret == -EPERM)
		SKIP(return, "io_uring unavailable: %s", strerror(-ret));
	ASSERT_EQ(0, ret);
	self->ring_up = true;
}

FIXTURE_TEARDOWN(ring)
{
	if (self->ring_up)
		io_uring_queue_exit(&self->ring);
	close(self->fd);
}

static int submit_acquire(struct io_uring *ring, int fd, uint32_t count,
			  unsigned int flags, uint64_t timeout_ns,
			  uint64_t tag)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (!sqe)
		return -EBUSY;
	semctl_prep_acquire(sqe, fd, count, flags, timeout_ns);
	io_uring_sqe_set_data64(sqe, tag);
	return io_uring_submit(ring);
}

static int submit_cancel(struct io_uring *ring, int fd, uint64_t victim,
			 uint64_t tag)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (!sqe)
		return -EBUSY;
	semctl_prep_cancel(sqe, fd, victim);
	io_uring_sqe_set_data64(sqe, tag);
	return io_uring_submit(ring);
}

/* Wait (bounded) for one CQE; its tag and decoded result. */
static int reap(struct io_uring *ring, uint64_t *tag, int *res)
{
	struct __kernel_timespec ts = { .tv_sec = 10 };
	struct io_uring_cqe *cqe;
	int ret;

	ret = io_uring_wait_cqe_timeout(ring, &cqe, &ts);
	if (ret)
		return ret;
	*tag = io_uring_cqe_get_data64(cqe);
	*res = semctl_cqe_result(cqe);
	io_uring_cqe_seen(ring, cqe);
	return 0;
}

static bool no_cqe(struct io_uring *ring)
{
	struct io_uring_cqe *cqe;

	return io_uring_peek_cqe(ring, &cqe) == -EAGAIN;
}

TEST_F(ring, acquire_available_now)
{
	uint64_t tag;
	int res;

	ASSERT_EQ(0, semctl_sem_release(self->fd, 3, NULL));
	ASSERT_EQ(1, submit_acquire(&self->ring, self->fd, 2, 0, 0, 42));
	ASSERT_EQ(0, reap(&self->ring, &tag, &res));
	if (res == -EOPNOTSUPP)
		SKIP(return, "module without uring_cmd acquire (%d)", res);
	EXPECT_EQ(42, tag);
	EXPECT_EQ(0, res);
	EXPECT_EQ(1, query_field(self->fd, Q_VALUE));
}

TEST_F(ring, acquire_waits_for_release)
{
	uint64_t tag;
	int res;

	ASSERT_EQ(1, submit_acquire(&self->ring, self->fd, 2, 0, 0, 1));
	ASSERT_TRUE(wait_field(self->fd, Q_WAITERS, 1));
	EXPECT_TRUE(no_cqe(&self->ring));
	ASSERT_EQ(0, semctl_sem_release(self->fd, 1, NULL));
	EXPECT_EQ(1, query_field(self->fd, Q_WAITERS));
	EXPECT_TRUE(no_cqe(&self->ring));
	ASSERT_EQ(0, semctl_sem_release(self->fd, 1, NULL));
	ASSERT_EQ(0, reap(&self->ring, &tag, &res));
	EXPECT_EQ(1, tag);
	EXPECT_EQ(0, res);
	EXPECT_EQ(0, query_field(self->fd, Q_VALUE));
	EXPECT_EQ(0, query_field(self->fd, Q_WAITERS));
}

TEST_F(ring, timeout)
{
	uint64_t t0, tag;
	int res;

	t0 = now_ns(CLOCK_MONOTONIC);
	ASSERT_EQ(1, submit_acquire(&self->ring, self->fd, 1, 0,
				    50 * NSEC_PER_MSEC, 5));
	ASSERT_EQ(0, reap(&self->ring, &tag, &res));
	EXPECT_EQ(5, tag);
	EXPECT_EQ(-ETIMEDOUT, res);
	EXPECT_GE(now_ns(CLOCK_MONOTONIC) - t0, 50 * NSEC_PER_MSEC);
	EXPECT_EQ(0, query_field(self->fd, Q_WAITERS));
}

TEST_F(ring, invalid)
{
	uint64_t tag;
	int res;

	ASSERT_EQ(1, submit_acquire(&self->ring, self->fd, 0, 0, 0, 1));
	ASSERT_EQ(0, reap(&self->ring, &tag, &res));
	EXPECT_EQ(-EINVAL, res);
	ASSERT_EQ(1, submit_acquire(&self->ring, self->fd, 1001, 0, 0, 2));
	ASSERT_EQ(0, reap(&self->ring, &tag, &res));
	EXPECT_EQ(-EINVAL, res);
	ASSERT_EQ(1, submit_acquire(&self->ring, self->fd, 1,
				    SEMCTL_ACQUIRE_TRY, 0, 3));
	ASSERT_EQ(0, reap(&self->ring, &tag, &res));
	EXPECT_EQ(-EINVAL, res);
	/* nothing pending to cancel (6.1: no user_data to cancel by) */
	ASSERT_EQ(1, submit_cancel(&self->ring, self->fd, 99, 4));
	ASSERT_EQ(0, reap(&self->ring, &tag, &res));
	EXPECT_EQ(4, tag);
	EXPECT_EQ(uring_feature("user_data") ? -ENOENT : -EOPNOTSUPP, res);
}

TEST_F(ring, undo_shared_by_dup)
{
	uint64_t tag;
	int res, fd2;

	fd2 = dup(self->fd);
	ASSERT_GE(fd2, 0);
	ASSERT_EQ(0, semctl_sem_release(self->fd, 2, NULL));
	ASSERT_EQ(1, submit_acquire(&self->ring, fd2, 2,
				    SEMCTL_ACQUIRE_UNDO, 0, 1));
	ASSERT_EQ(0, reap(&self->ring, &tag, &res));
	EXPECT_EQ(0, res);
	EXPECT_EQ(2, query_field(self->fd, Q_UNDO));
	close(fd2);
	/* same open file: held until its last close */
	EXPECT_EQ(0, query_field(self->fd, Q_VALUE));
}

TEST_F(ring, undo_returns_on_last_close)
{
	uint64_t tag;
	int res, holder, watch;
	char name[64];

	uniq_name(name, sizeof(name), "uring-undo");
	holder = semctl_sem_create(name, 2, 2, 0600, SEMCTL_CREATE_EXCL);
	ASSERT_GE(holder, 0);
	watch = semctl_sem_open(name, SEMCTL_OPEN_READ);
	ASSERT_GE(watch, 0);
	ASSERT_EQ(0, semctl_sem_unlink(name));
	ASSERT_EQ(1, submit_acquire(&self->ring, holder, 2,
				    SEMCTL_ACQUIRE_UNDO, 0, 1));
	ASSERT_EQ(0, reap(&self->ring, &tag, &res));
	EXPECT_EQ(0, res);
	EXPECT_EQ(0, query_field(watch, Q_VALUE));
	EXPECT_EQ(2, query_field(watch, Q_UNDO_TOTAL));
	close(holder);
	EXPECT_EQ(2, query_field(watch, Q_VALUE));
	EXPECT_EQ(0, query_field(watch, Q_UNDO_TOTAL));
	close(watch);
}

TEST_F(ring, cancel_one_leaves_the_rest)
{
	uint64_t tag, got[3];
	int res, i, n;

	if (!uring_feature("user_data"))
		SKIP(return, "this kernel shows a driver no user_data: cancel with IORING_OP_ASYNC_CANCEL");

	for (i = 1; i <= 3; i++) {
		ASSERT_EQ(1, submit_acquire(&self->ring, self->fd, 1, 0, 0,
					    (uint64_t)i));
		ASSERT_TRUE(wait_field(self->fd, Q_WAITERS, i));
	}
	ASSERT_EQ(1, submit_cancel(&self->ring, self->fd, 2, 100));
	/* the cancel's own CQE (1) and the victim's (-ECANCELED) */
	for (n = 0; n < 2; n++) {
		ASSERT_EQ(0, reap(&self->ring, &tag, &res));
		if (tag == 100) {
			EXPECT_EQ(1, res);
		} else {
			EXPECT_EQ(2, tag);
			EXPECT_EQ(-ECANCELED, res);
		}
	}
	EXPECT_EQ(2, query_field(self->fd, Q_WAITERS));
	/*
	 * One unit at a time: on 6.1 requests granted by one release post
	 * their CQEs from separate io-wq workers, in any order.
	 */
	for (n = 0; n < 2; n++) {
		ASSERT_EQ(0, semctl_sem_release(self->fd, 1, NULL));
		ASSERT_EQ(0, reap(&self->ring, &got[n], &res));
		EXPECT_EQ(0, res);
	}
	EXPECT_EQ(1, got[0]);
	EXPECT_EQ(3, got[1]);
	EXPECT_EQ(0, query_field(self->fd, Q_VALUE));
}

#define FIFO_N	64

TEST_F_TIMEOUT(ring, fifo_order_with_blocking_waiters, 120)
{
	unsigned int workers[2] = { FIFO_N + 8, 0 };
	uint64_t tag;
	int res, i;

	/*
	 * On 6.1 each pending request is an io-wq worker, and io-wq starts
	 * at most min(sq_entries, 4 * CPUs) bounded workers: raise that, or
	 * the rest wait in io-wq, outside the semaphore's queue.
	 */
	ASSERT_EQ(0, io_uring_register_iowq_max_workers(&self->ring, workers));
	/* one request at a time: on 6.1 a batch may enter in any order */
	for (i = 0; i < FIFO_N; i++) {
		ASSERT_EQ(1, submit_acquire(&self->ring, self->fd, 1, 0, 0,
					    (uint64_t)i));
		if (!wait_field(self->fd, Q_WAITERS, i + 1)) {
			TH_LOG("request %d never queued (waiters %" PRId64 ")",
			       i, query_field(self->fd, Q_WAITERS));
			ASSERT_TRUE(false);
		}
	}
	for (i = 0; i < FIFO_N; i++) {
		ASSERT_EQ(0, semctl_sem_release(self->fd, 1, NULL));
		ASSERT_EQ(0, reap(&self->ring, &tag, &res));
		EXPECT_EQ((uint64_t)i, tag);
		EXPECT_EQ(0, res);
	}
	EXPECT_EQ(0, query_field(self->fd, Q_WAITERS));
	EXPECT_EQ(0, query_field(self->fd, Q_VALUE));
}

TEST(ring_close_with_pending_leaks_nothing)
{
	struct io_uring ring;
	int fd, i, ret;

	fd = semctl_sem_create(NULL, 1, 8, 0600, 0);
	ASSERT_GE(fd, 0);
	ret = io_uring_queue_init(16, &ring, 0);
	if (ret)
		SKIP(return, "io_uring unavailable: %s", strerror(-ret));
	/* one is granted at once (with undo), four wait */
	ASSERT_EQ(1, submit_acquire(&ring, fd, 1, SEMCTL_ACQUIRE_UNDO, 0, 0));
	for (i = 1; i <= 4; i++) {
		ASSERT_EQ(1, submit_acquire(&ring, fd, 2, SEMCTL_ACQUIRE_UNDO,
					    0, (uint64_t)i));
		ASSERT_TRUE(wait_field(fd, Q_WAITERS, i));
	}
	io_uring_queue_exit(&ring);
	EXPECT_TRUE(wait_field(fd, Q_WAITERS, 0));
	/* the granted unit stays held by fd's open file (undo) */
	EXPECT_EQ(0, query_field(fd, Q_VALUE));
	EXPECT_EQ(1, query_field(fd, Q_UNDO));
	EXPECT_EQ(0, semctl_sem_release(fd, 1, NULL));
	EXPECT_EQ(1, query_field(fd, Q_VALUE));
	close(fd);
}

TEST(task_exit_with_pending_leaks_nothing)
{
	int fd, status;
	pid_t pid;

	fd = semctl_sem_create(NULL, 0, 8, 0600, 0);
	ASSERT_GE(fd, 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		struct io_uring ring;
		int i;

		if (io_uring_queue_init(8, &ring, 0))
			_exit(4);
		for (i = 0; i < 3; i++)
			if (submit_acquire(&ring, fd, 1, 0, 0, (uint64_t)i) != 1)
				_exit(1);
		for (i = 0; i < WAIT_MS && query_field(fd, Q_WAITERS) < 3; i++)
			sleep_ms(1);
		_exit(query_field(fd, Q_WAITERS) == 3 ? 0 : 2);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_TRUE(wait_field(fd, Q_WAITERS, 0));
	EXPECT_EQ(0, query_field(fd, Q_VALUE));
	/* a release now finds nobody: the units stay */
	EXPECT_EQ(0, semctl_sem_release(fd, 2, NULL));
	EXPECT_EQ(2, query_field(fd, Q_VALUE));
	close(fd);
}

TEST_HARNESS_MAIN
