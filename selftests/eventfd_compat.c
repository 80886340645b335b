// SPDX-License-Identifier: GPL-2.0
/*
 * eventfd (EFD_SEMAPHORE) compatibility of a semaphore fd: read() of 8
 * bytes acquires one unit and returns 1, write() of a u64 releases it.
 */
#include "semctl_test.h"
#include <sys/eventfd.h>
#include <poll.h>

SEMCTL_FIXTURE(efd)

static struct waiter w[3];
static atomic_int handled;

static void handler(int sig)
{
	(void)sig;
	atomic_fetch_add(&handled, 1);
}

static int setup_sem(FIXTURE_DATA(efd) *self, __u32 flags, __u64 value,
		     __u64 max)
{
	self->fd = sem_create_full(self->dev, flags, value, max, NULL, 0600);
	return self->fd;
}

static ssize_t write_u64(int fd, uint64_t v)
{
	ssize_t n = write(fd, &v, sizeof(v));

	return n < 0 ? -errno : n;
}

static ssize_t read_u64(int fd, uint64_t *v)
{
	ssize_t n = read(fd, v, sizeof(*v));

	return n < 0 ? -errno : n;
}

TEST_F(efd, read_acquires_one_returns_1)
{
	uint64_t v = 0;

	ASSERT_LE(0, setup_sem(self, 0, 3, 5));
	EXPECT_EQ(8, read_u64(self->fd, &v));
	EXPECT_EQ(1, v);
	EXPECT_EQ(2, sem_value(self->fd));
	EXPECT_EQ(8, read_u64(self->fd, &v));
	EXPECT_EQ(8, read_u64(self->fd, &v));
	EXPECT_EQ(1, v);
	EXPECT_EQ(0, sem_value(self->fd));
}

TEST_F(efd, read_large_buffer_returns_8)
{
	uint64_t v[4] = { 7, 7, 7, 7 };

	ASSERT_LE(0, setup_sem(self, 0, 3, 5));
	EXPECT_EQ(8, read(self->fd, v, sizeof(v)));
	EXPECT_EQ(1, v[0]);
	EXPECT_EQ(7, v[1]);
	EXPECT_EQ(2, sem_value(self->fd));
}

TEST_F(efd, read_short_buffer_einval)
{
	char buf[7];

	ASSERT_LE(0, setup_sem(self, 0, 3, 5));
	EXPECT_EQ(-1, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, read(self->fd, buf, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(3, sem_value(self->fd));
}

TEST_F(efd, read_bad_buffer_efault_keeps_unit)
{
	ASSERT_LE(0, setup_sem(self, SEMCTL_FD_NONBLOCK, 1, 5));
	EXPECT_EQ(-1, read(self->fd, bad_ptr(), 8));
	EXPECT_EQ(EFAULT, errno);
	/* a unit taken for a read that failed must not be lost */
	EXPECT_EQ(1, sem_value(self->fd));
}

TEST_F(efd, read_nonblock_eagain)
{
	uint64_t v;

	ASSERT_LE(0, setup_sem(self, SEMCTL_FD_NONBLOCK, 0, 5));
	EXPECT_EQ(-EAGAIN, read_u64(self->fd, &v));
	EXPECT_EQ(0, sem_waiters(self->fd));
}

TEST_F(efd, read_nonblock_via_fcntl)
{
	uint64_t v;
	int fl;

	ASSERT_LE(0, setup_sem(self, 0, 0, 5));
	fl = fcntl(self->fd, F_GETFL);
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, fl | O_NONBLOCK));
	EXPECT_EQ(-EAGAIN, read_u64(self->fd, &v));
}

TEST_F_TIMEOUT(efd, read_nonblock_eagain_behind_queued_waiter, 60)
{
	uint64_t v;

	ASSERT_LE(0, setup_sem(self, SEMCTL_FD_NONBLOCK, 0, 5));
	ASSERT_EQ(0, waiter_start_acq(&w[0], self->fd, 2, NULL));
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	/* a unit is free but the queued waiter comes first */
	EXPECT_EQ(-EAGAIN, read_u64(self->fd, &v));
	EXPECT_EQ(1, sem_value(self->fd));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	ASSERT_EQ(0, waiter_wait(&w[0]));
	EXPECT_EQ(0, w[0].ret);
	waiter_reap(&w[0]);
}

TEST_F_TIMEOUT(efd, read_blocks_until_release, 60)
{
	ASSERT_LE(0, setup_sem(self, 0, 0, 5));
	ASSERT_EQ(0, waiter_start(&w[0], self->fd, OP_READ, 1, 0, 0, NULL));
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	EXPECT_FALSE(atomic_load(&w[0].done));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	ASSERT_EQ(0, waiter_wait(&w[0]));
	EXPECT_EQ(8, w[0].ret);
	EXPECT_EQ(1, w[0].readval);
	EXPECT_EQ(0, sem_value(self->fd));
	waiter_reap(&w[0]);
}

TEST_F_TIMEOUT(efd, read_fifo_with_ioctl_waiters, 60)
{
	static atomic_int seq;

	ASSERT_LE(0, setup_sem(self, 0, 0, 5));
	ASSERT_EQ(0, waiter_start_acq(&w[0], self->fd, 2, &seq));
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	ASSERT_EQ(0, waiter_start(&w[1], self->fd, OP_READ, 1, 0, 0, &seq));
	ASSERT_EQ(0, wait_waiters(self->fd, 2, NULL));
	ASSERT_EQ(0, waiter_start_acq(&w[2], self->fd, 1, &seq));
	ASSERT_EQ(0, wait_waiters(self->fd, 3, NULL));
	/* one unit: the head wants 2, the reader must not overtake */
	ASSERT_EQ(0, sem_release(self->fd, 1));
	EXPECT_EQ(3, sem_waiters(self->fd));
	EXPECT_FALSE(atomic_load(&w[1].done));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	ASSERT_EQ(0, waiter_wait(&w[0]));
	EXPECT_EQ(0, w[0].order);
	EXPECT_FALSE(atomic_load(&w[2].done));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	ASSERT_EQ(0, waiter_wait(&w[1]));
	EXPECT_EQ(8, w[1].ret);
	EXPECT_EQ(1, w[1].order);
	ASSERT_EQ(0, sem_release(self->fd, 1));
	ASSERT_EQ(0, waiter_wait(&w[2]));
	EXPECT_EQ(2, w[2].order);
	waiter_reap(&w[0]);
	waiter_reap(&w[1]);
	waiter_reap(&w[2]);
}

TEST_F_TIMEOUT(efd, read_eintr_without_sa_restart, 60)
{
	struct sigaction sa = { .sa_handler = handler };

	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_LE(0, setup_sem(self, 0, 0, 5));
	ASSERT_EQ(0, waiter_start(&w[0], self->fd, OP_READ, 1, 0, 0, NULL));
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	ASSERT_EQ(0, pthread_kill(w[0].thread, SIGUSR1));
	ASSERT_EQ(0, waiter_wait(&w[0])) {
		sem_release(self->fd, 1);
	}
	EXPECT_EQ(-EINTR, w[0].ret);
	EXPECT_EQ(0, sem_waiters(self->fd));
	waiter_reap(&w[0]);
}

TEST_F_TIMEOUT(efd, read_sa_restart_transparent, 60)
{
	struct sigaction sa = { .sa_handler = handler,
				.sa_flags = SA_RESTART };

	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_LE(0, setup_sem(self, 0, 0, 5));
	ASSERT_EQ(0, waiter_start(&w[0], self->fd, OP_READ, 1, 0, 0, NULL));
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	ASSERT_EQ(0, pthread_kill(w[0].thread, SIGUSR1));
	ASSERT_EQ(0, wait_atomic_ge(&handled, 1));
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	EXPECT_FALSE(atomic_load(&w[0].done));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	ASSERT_EQ(0, waiter_wait(&w[0]));
	EXPECT_EQ(8, w[0].ret);
	waiter_reap(&w[0]);
}

TEST_F(efd, write_releases_n)
{
	ASSERT_LE(0, setup_sem(self, 0, 1, 10));
	EXPECT_EQ(8, write_u64(self->fd, 3));
	EXPECT_EQ(4, sem_value(self->fd));
	EXPECT_EQ(8, write_u64(self->fd, 6));
	EXPECT_EQ(10, sem_value(self->fd));
}

TEST_F(efd, write_overflow_eoverflow)
{
	ASSERT_LE(0, setup_sem(self, 0, 4, 5));
	EXPECT_EQ(-EOVERFLOW, write_u64(self->fd, 2));
	EXPECT_EQ(4, sem_value(self->fd));
	EXPECT_EQ(-EOVERFLOW, write_u64(self->fd, ~0ULL - 1));
	EXPECT_EQ(4, sem_value(self->fd));
}

TEST_F(efd, write_overflow_nonblock_fd)
{
	/* eventfd would EAGAIN; semctl reports EOVERFLOW either way */
	ASSERT_LE(0, setup_sem(self, SEMCTL_FD_NONBLOCK, 5, 5));
	EXPECT_EQ(-EOVERFLOW, write_u64(self->fd, 1));
	EXPECT_EQ(5, sem_value(self->fd));
}

TEST_F(efd, write_zero_einval)
{
	ASSERT_LE(0, setup_sem(self, 0, 1, 5));
	EXPECT_EQ(-EINVAL, write_u64(self->fd, 0));
	EXPECT_EQ(1, sem_value(self->fd));
}

TEST_F(efd, write_short_buffer_einval)
{
	uint32_t v = 1;

	ASSERT_LE(0, setup_sem(self, 0, 1, 5));
	EXPECT_EQ(-1, write(self->fd, &v, sizeof(v)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1, sem_value(self->fd));
}

/*
 * Measured against a real eventfd(EFD_SEMAPHORE) on the running kernel:
 * a write must be exactly 8 bytes (semctl: everywhere; eventfd: on 6.12
 * and later, and whatever this kernel's does is logged), and poll reports
 * the same mask, IN and OUT only (no RDNORM/WRNORM).
 */
TEST_F(efd, write_size_and_poll_mask_match_eventfd)
{
	uint64_t buf[2] = { 1, 0 };
	struct pollfd p[2];
	int efd, i;

	ASSERT_LE(0, setup_sem(self, 0, 1, 5));
	efd = eventfd(1, EFD_SEMAPHORE);
	ASSERT_LE(0, efd);
	for (i = 9; i <= 16; i += 7) {
		ssize_t e = write(efd, buf, i);

		EXPECT_EQ(-1, write(self->fd, buf, i));
		EXPECT_EQ(EINVAL, errno);
		if (e != -1)
			TH_LOG("this kernel's eventfd took a %d-byte write", i);
	}
	/* the eventfd may have taken writes above: reset it to 1 */
	close(efd);
	efd = eventfd(1, EFD_SEMAPHORE);
	ASSERT_LE(0, efd);
	EXPECT_EQ(1, sem_value(self->fd));
	p[0] = (struct pollfd){ .fd = self->fd, .events = POLLIN | POLLOUT |
				POLLRDNORM | POLLWRNORM };
	p[1] = (struct pollfd){ .fd = efd, .events = p[0].events };
	ASSERT_EQ(2, poll(p, 2, 0));
	EXPECT_EQ(p[1].revents, p[0].revents);
	close(efd);
}

TEST_F(efd, write_bad_buffer_efault)
{
	ASSERT_LE(0, setup_sem(self, 0, 1, 5));
	EXPECT_EQ(-1, write(self->fd, bad_ptr(), 8));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(1, sem_value(self->fd));
}

TEST_F_TIMEOUT(efd, write_wakes_reader, 60)
{
	ASSERT_LE(0, setup_sem(self, 0, 0, 5));
	ASSERT_EQ(0, waiter_start(&w[0], self->fd, OP_READ, 1, 0, 0, NULL));
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	ASSERT_EQ(8, write_u64(self->fd, 2));
	ASSERT_EQ(0, waiter_wait(&w[0]));
	EXPECT_EQ(8, w[0].ret);
	EXPECT_EQ(1, w[0].readval);
	EXPECT_EQ(1, sem_value(self->fd));
	waiter_reap(&w[0]);
}

TEST_F(efd, read_write_roundtrip_many)
{
	uint64_t v;
	int i;

	ASSERT_LE(0, setup_sem(self, SEMCTL_FD_NONBLOCK, 0, 3));
	for (i = 0; i < 1000; i++) {
		ASSERT_EQ(8, write_u64(self->fd, 3));
		ASSERT_EQ(8, read_u64(self->fd, &v));
		ASSERT_EQ(8, read_u64(self->fd, &v));
		ASSERT_EQ(8, read_u64(self->fd, &v));
		ASSERT_EQ(-EAGAIN, read_u64(self->fd, &v));
	}
}

SEMCTL_HARNESS_MAIN
