// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring on a semaphore fd (FMODE_NOWAIT): IORING_OP_READ completes
 * with 8 / value 1 once a unit is released, IORING_OP_POLL_ADD reports
 * POLLIN, IORING_OP_ASYNC_CANCEL cancels a pending READ without losing
 * a unit. Skips (exit 4) only when io_uring is unavailable.
 */
#include "semctl_test.h"
#include <liburing.h>

#define UD_READ		0x1000
#define UD_POLL		0x2000
#define UD_CANCEL	0x3000

FIXTURE(ur) {
	int dev;
	int fd;
	struct io_uring ring;
	int ring_ok;
	uint64_t buf[8];
};

FIXTURE_SETUP(ur)
{
	self->fd = -1;
	self->dev = dev_open();
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, io_uring_queue_init(16, &self->ring, 0));
	self->ring_ok = 1;
}

FIXTURE_TEARDOWN(ur)
{
	if (self->ring_ok)
		io_uring_queue_exit(&self->ring);
	if (self->fd >= 0)
		close(self->fd);
	if (self->dev >= 0)
		close(self->dev);
}

static void submit_read(struct io_uring *ring, int fd, void *buf,
			uint64_t ud)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	io_uring_prep_read(sqe, fd, buf, 8, 0);
	io_uring_sqe_set_data64(sqe, ud);
}

static void submit_poll(struct io_uring *ring, int fd, unsigned int mask,
			uint64_t ud)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	io_uring_prep_poll_add(sqe, fd, mask);
	io_uring_sqe_set_data64(sqe, ud);
}

static void submit_cancel(struct io_uring *ring, uint64_t target)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	io_uring_prep_cancel64(sqe, target, 0);
	io_uring_sqe_set_data64(sqe, UD_CANCEL);
}

/* wait for one completion, up to ms; fills ud/res, returns 0 or -ETIME */
static int reap(struct io_uring *ring, int ms, uint64_t *ud, int *res)
{
	struct __kernel_timespec ts = {
		.tv_sec = ms / 1000, .tv_nsec = (long long)(ms % 1000) * 1000000,
	};
	struct io_uring_cqe *cqe;
	int r;

	r = io_uring_wait_cqe_timeout(ring, &cqe, &ts);
	if (r)
		return r;
	*ud = io_uring_cqe_get_data64(cqe);
	*res = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return 0;
}

TEST_F_TIMEOUT(ur, read_available_completes_at_once, 60)
{
	uint64_t ud;
	int res;

	self->fd = sem_create(self->dev, 2, 5);
	ASSERT_LE(0, self->fd);
	submit_read(&self->ring, self->fd, &self->buf[0], UD_READ);
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	ASSERT_EQ(0, reap(&self->ring, WAIT_MS, &ud, &res));
	EXPECT_EQ(UD_READ, ud);
	EXPECT_EQ(8, res);
	EXPECT_EQ(1, self->buf[0]);
	EXPECT_EQ(1, sem_value(self->fd));
}

TEST_F_TIMEOUT(ur, read_completes_on_release, 60)
{
	uint64_t ud;
	int res;

	self->fd = sem_create(self->dev, 0, 5);
	ASSERT_LE(0, self->fd);
	submit_read(&self->ring, self->fd, &self->buf[0], UD_READ);
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	/* pending: no completion while the value is 0 */
	EXPECT_EQ(-ETIME, reap(&self->ring, 200, &ud, &res));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	ASSERT_EQ(0, reap(&self->ring, WAIT_MS, &ud, &res));
	EXPECT_EQ(UD_READ, ud);
	EXPECT_EQ(8, res);
	EXPECT_EQ(1, self->buf[0]);
	EXPECT_EQ(0, sem_value(self->fd));
}

TEST_F_TIMEOUT(ur, several_reads_one_unit_each, 60)
{
	uint64_t ud, seen = 0;
	int i, res;

	self->fd = sem_create(self->dev, 0, 5);
	ASSERT_LE(0, self->fd);
	for (i = 0; i < 3; i++)
		submit_read(&self->ring, self->fd, &self->buf[i], UD_READ + i);
	ASSERT_EQ(3, io_uring_submit(&self->ring));
	EXPECT_EQ(-ETIME, reap(&self->ring, 200, &ud, &res));
	ASSERT_EQ(0, sem_release(self->fd, 2));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, reap(&self->ring, WAIT_MS, &ud, &res));
		EXPECT_EQ(8, res);
		seen |= 1ULL << (ud - UD_READ);
	}
	/* only two units: the third read stays pending */
	EXPECT_EQ(-ETIME, reap(&self->ring, 300, &ud, &res));
	EXPECT_EQ(0, sem_value(self->fd));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	ASSERT_EQ(0, reap(&self->ring, WAIT_MS, &ud, &res));
	EXPECT_EQ(8, res);
	seen |= 1ULL << (ud - UD_READ);
	EXPECT_EQ(7, seen);
	EXPECT_EQ(0, sem_value(self->fd));
}

TEST_F_TIMEOUT(ur, poll_add_reports_pollin, 60)
{
	uint64_t ud;
	int res;

	self->fd = sem_create(self->dev, 0, 5);
	ASSERT_LE(0, self->fd);
	submit_poll(&self->ring, self->fd, POLLIN, UD_POLL);
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	EXPECT_EQ(-ETIME, reap(&self->ring, 200, &ud, &res));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	ASSERT_EQ(0, reap(&self->ring, WAIT_MS, &ud, &res));
	EXPECT_EQ(UD_POLL, ud);
	EXPECT_TRUE(res & POLLIN);
	/* poll does not take the unit */
	EXPECT_EQ(1, sem_value(self->fd));
}

TEST_F_TIMEOUT(ur, poll_add_ready_at_once, 60)
{
	uint64_t ud;
	int res;

	self->fd = sem_create(self->dev, 1, 1);
	ASSERT_LE(0, self->fd);
	submit_poll(&self->ring, self->fd, POLLIN | POLLOUT, UD_POLL);
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	ASSERT_EQ(0, reap(&self->ring, WAIT_MS, &ud, &res));
	EXPECT_EQ(POLLIN, res & (POLLIN | POLLOUT));
}

TEST_F_TIMEOUT(ur, cancel_pending_read_loses_no_unit, 60)
{
	int got_read = 0, got_cancel = 0, read_res = 0, cancel_res = 1;
	uint64_t ud;
	int i, res;

	self->fd = sem_create(self->dev, 0, 5);
	ASSERT_LE(0, self->fd);
	submit_read(&self->ring, self->fd, &self->buf[0], UD_READ);
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	EXPECT_EQ(-ETIME, reap(&self->ring, 200, &ud, &res));
	submit_cancel(&self->ring, UD_READ);
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, reap(&self->ring, WAIT_MS, &ud, &res));
		if (ud == UD_READ) {
			got_read++;
			read_res = res;
		} else if (ud == UD_CANCEL) {
			got_cancel++;
			cancel_res = res;
		}
	}
	EXPECT_EQ(1, got_read);
	EXPECT_EQ(1, got_cancel);
	EXPECT_EQ(-ECANCELED, read_res);
	EXPECT_EQ(0, cancel_res);
	/* the value before the cancel was 0 and still is */
	EXPECT_EQ(0, sem_value(self->fd));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	EXPECT_EQ(-ETIME, reap(&self->ring, 200, &ud, &res));
	EXPECT_EQ(1, sem_value(self->fd));
}

TEST_F_TIMEOUT(ur, cancel_pending_poll, 60)
{
	int res, i, got = 0;
	uint64_t ud;

	self->fd = sem_create(self->dev, 0, 5);
	ASSERT_LE(0, self->fd);
	submit_poll(&self->ring, self->fd, POLLIN, UD_POLL);
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	EXPECT_EQ(-ETIME, reap(&self->ring, 200, &ud, &res));
	submit_cancel(&self->ring, UD_POLL);
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, reap(&self->ring, WAIT_MS, &ud, &res));
		if (ud == UD_POLL) {
			EXPECT_EQ(-ECANCELED, res);
			got++;
		} else {
			EXPECT_EQ(0, res);
		}
	}
	EXPECT_EQ(1, got);
}

TEST_F_TIMEOUT(ur, read_nonblock_fd_still_async, 60)
{
	/*
	 * With FMODE_NOWAIT, io_uring does not turn O_NONBLOCK into
	 * -EAGAIN: it arms poll and retries, as it does for eventfd.
	 */
	uint64_t ud;
	int res;

	self->fd = sem_create_full(self->dev, SEMCTL_FD_NONBLOCK, 0, 5, NULL,
				   0600);
	ASSERT_LE(0, self->fd);
	submit_read(&self->ring, self->fd, &self->buf[0], UD_READ);
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	EXPECT_EQ(-ETIME, reap(&self->ring, 200, &ud, &res));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	ASSERT_EQ(0, reap(&self->ring, WAIT_MS, &ud, &res));
	EXPECT_EQ(8, res);
	EXPECT_EQ(1, self->buf[0]);
	EXPECT_EQ(0, sem_value(self->fd));
}

TEST_F_TIMEOUT(ur, read_behind_queued_waiter_waits, 60)
{
	/* a READ does not jump the FIFO: the ioctl waiter comes first */
	static struct waiter w;
	uint64_t ud;
	int res;

	self->fd = sem_create(self->dev, 0, 5);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, waiter_start_acq(&w, self->fd, 2, NULL));
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	submit_read(&self->ring, self->fd, &self->buf[0], UD_READ);
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	EXPECT_EQ(-ETIME, reap(&self->ring, 300, &ud, &res));
	EXPECT_EQ(1, sem_value(self->fd));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	ASSERT_EQ(0, waiter_wait(&w));
	EXPECT_EQ(0, w.ret);
	EXPECT_EQ(-ETIME, reap(&self->ring, 200, &ud, &res));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	ASSERT_EQ(0, reap(&self->ring, WAIT_MS, &ud, &res));
	EXPECT_EQ(8, res);
	EXPECT_EQ(0, sem_value(self->fd));
	waiter_reap(&w);
}

TEST_F_TIMEOUT(ur, ring_exit_with_pending_read_loses_no_unit, 60)
{
	uint64_t ud;
	int res;

	self->fd = sem_create(self->dev, 0, 5);
	ASSERT_LE(0, self->fd);
	submit_read(&self->ring, self->fd, &self->buf[0], UD_READ);
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	EXPECT_EQ(-ETIME, reap(&self->ring, 200, &ud, &res));
	io_uring_queue_exit(&self->ring);
	self->ring_ok = 0;
	ASSERT_EQ(0, sem_release(self->fd, 1));
	/* nobody is left to take it (ring teardown is async: bounded poll) */
	{
		uint64_t end = mono_ms() + WAIT_MS;

		while (sem_value(self->fd) != 1 && mono_ms() < end)
			sleep_ms(5);
	}
	EXPECT_EQ(1, sem_value(self->fd));
}

TEST_F_TIMEOUT(ur, read_on_fd_undo_records_undo, 60)
{
	uint64_t ud;
	int res;

	self->fd = sem_create_full(self->dev, SEMCTL_FD_UNDO, 0, 5, NULL,
				   0600);
	ASSERT_LE(0, self->fd);
	submit_read(&self->ring, self->fd, &self->buf[0], UD_READ);
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	EXPECT_EQ(-ETIME, reap(&self->ring, 200, &ud, &res));
	ASSERT_EQ(0, sem_release(self->fd, 2));
	ASSERT_EQ(0, reap(&self->ring, WAIT_MS, &ud, &res));
	EXPECT_EQ(8, res);
	EXPECT_EQ(1, sem_undo(self->fd));
	EXPECT_EQ(1, sem_value(self->fd));
}

static int uring_precheck(void)
{
	struct io_uring ring;
	int r = io_uring_queue_init(4, &ring, 0);

	if (r == -ENOSYS || r == -EPERM) {
		ksft_print_header();
		ksft_exit_skip("io_uring unavailable (%s)\n", strerror(-r));
	}
	if (!r)
		io_uring_queue_exit(&ring);
	return 0;
}

SEMCTL_HARNESS_MAIN_PRECHECK(uring_precheck)
