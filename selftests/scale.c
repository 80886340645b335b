// SPDX-License-Identifier: GPL-2.0
/*
 * The worst cases of work under the semaphore lock (issue 12, point 3):
 * one release granting 10 000 blocked threads, and 10 000 io_uring
 * acquires timing out together. Each must lose nothing and end every
 * wait; the times are printed, not asserted (make check-debug runs this
 * with lockdep and DEBUG_ATOMIC_SLEEP, and the runner scans dmesg).
 */
#include <liburing.h>

#include "semctl_test.h"
#include "uring_features.h"

#define SCALE_WAITERS	10000
#define SCALE_WAIT_MS	240000	/* creating 10 000 threads under TCG */
#define STACK_BYTES	(64 * 1024)

static atomic_int started, finished, failed;

static void *blocked_acquire(void *arg)
{
	int fd = *(int *)arg;
	int ret;

	atomic_fetch_add(&started, 1);
	ret = sem_acquire_full(fd, 1, SEMCTL_ACQUIRE_TIMEOUT,
			       (__u64)SCALE_WAIT_MS * 2 * NSEC_PER_MSEC);
	if (ret)
		atomic_fetch_add(&failed, 1);
	atomic_fetch_add(&finished, 1);
	return NULL;
}

/* Bounded wait until @counter reaches @n; 0 or -ETIMEDOUT. */
static int wait_count(atomic_int *counter, int n, int timeout_ms)
{
	uint64_t end = mono_ms() + timeout_ms;

	while (atomic_load(counter) < n) {
		if (mono_ms() > end)
			return -ETIMEDOUT;
		sleep_ms(5);
	}
	return 0;
}

/* Bounded wait until @fd has @n waiters; 0 or -ETIMEDOUT. */
static int wait_waiters_for(int fd, int64_t n, int timeout_ms)
{
	uint64_t end = mono_ms() + timeout_ms;

	while (sem_waiters(fd) != n) {
		if (mono_ms() > end)
			return -ETIMEDOUT;
		sleep_ms(5);
	}
	return 0;
}

/* 10 000 threads need more than the 1 GiB guest's default threads-max. */
static void raise_threads_max(long want)
{
	char buf[32] = "";
	long have;
	int f;

	f = open("/proc/sys/kernel/threads-max", O_RDWR | O_CLOEXEC);
	if (f < 0)
		return;
	if (read(f, buf, sizeof(buf) - 1) > 0) {
		have = atol(buf);
		if (have < want) {
			snprintf(buf, sizeof(buf), "%ld\n", want);
			if (pwrite(f, buf, strlen(buf), 0) < 0)
				perror("threads-max");
		}
	}
	close(f);
}

FIXTURE(scale)
{
	int unused;
};

FIXTURE_SETUP(scale)
{
}

FIXTURE_TEARDOWN(scale)
{
}

TEST_F_TIMEOUT(scale, one_release_grants_ten_thousand_threads, 900)
{
	static pthread_t threads[SCALE_WAITERS];
	pthread_attr_t attr;
	uint64_t t0, t_release, t_woken;
	int dev, fd, i, created = 0;

	raise_threads_max(3 * SCALE_WAITERS);
	dev = dev_open();
	ASSERT_LE(0, dev);
	fd = sem_create(dev, 0, SCALE_WAITERS);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pthread_attr_init(&attr));
	ASSERT_EQ(0, pthread_attr_setstacksize(&attr, STACK_BYTES));
	for (i = 0; i < SCALE_WAITERS; i++) {
		if (pthread_create(&threads[i], &attr, blocked_acquire, &fd))
			break;
		created++;
	}
	ASSERT_EQ(SCALE_WAITERS, created);
	ASSERT_EQ(0, wait_waiters_for(fd, SCALE_WAITERS, SCALE_WAIT_MS));

	t0 = now_ns(CLOCK_MONOTONIC);
	ASSERT_EQ(0, sem_release(fd, SCALE_WAITERS));
	t_release = now_ns(CLOCK_MONOTONIC) - t0;
	ASSERT_EQ(0, wait_count(&finished, SCALE_WAITERS, SCALE_WAIT_MS));
	t_woken = now_ns(CLOCK_MONOTONIC) - t0;
	TH_LOG("release granting %d threads: %llu us in the call, %llu us until all ran",
	       SCALE_WAITERS, (unsigned long long)(t_release / 1000),
	       (unsigned long long)(t_woken / 1000));
	EXPECT_EQ(0, atomic_load(&failed));
	EXPECT_EQ(0, sem_value(fd));
	EXPECT_EQ(0, sem_waiters(fd));
	for (i = 0; i < created; i++)
		pthread_join(threads[i], NULL);
	pthread_attr_destroy(&attr);
	close(fd);
	close(dev);
}

TEST_F_TIMEOUT(scale, ten_thousand_async_acquires_time_out_together, 600)
{
	struct semctl_uring_acquire a = {
		.count = 1,
		.flags = SEMCTL_ACQUIRE_TIMEOUT | SEMCTL_ACQUIRE_ABSTIME,
	};
	struct __kernel_timespec ts = { .tv_sec = 60 };
	struct io_uring_params params = {
		.flags = IORING_SETUP_CQSIZE,
		.cq_entries = 2 * SCALE_WAITERS,
	};
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	uint64_t deadline, t_last = 0;
	int dev, fd, i, timed_out = 0, other = 0, seen = 0;

	if (!uring_feature("threadless"))
		SKIP(return, "no thread-less io_uring acquires on this kernel: each waits (and times out) in its own io-wq worker");
	dev = dev_open();
	ASSERT_LE(0, dev);
	fd = sem_create(dev, 0, SCALE_WAITERS);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, io_uring_queue_init_params(16384, &ring, &params));
	/* one absolute deadline for all, far enough to queue them first */
	deadline = now_ns(CLOCK_MONOTONIC) + 20 * NSEC_PER_SEC;
	a.timeout_ns = deadline;
	for (i = 0; i < SCALE_WAITERS; i++) {
		sqe = io_uring_get_sqe(&ring);
		if (!sqe) {
			ASSERT_LT(0, io_uring_submit(&ring));
			sqe = io_uring_get_sqe(&ring);
		}
		ASSERT_NE(NULL, sqe);
		memset(sqe, 0, sizeof(*sqe));
		sqe->opcode = IORING_OP_URING_CMD;
		sqe->fd = fd;
		sqe->cmd_op = SEMCTL_URING_CMD_ACQUIRE;
		memcpy(sqe->cmd, &a, sizeof(a));
		sqe->user_data = i;
	}
	ASSERT_LE(0, io_uring_submit(&ring));
	ASSERT_GT(deadline, now_ns(CLOCK_MONOTONIC)) {
		TH_LOG("queueing took longer than the 20 s deadline");
	}
	EXPECT_EQ(SCALE_WAITERS, sem_waiters(fd));

	while (seen < SCALE_WAITERS) {
		if (io_uring_wait_cqe_timeout(&ring, &cqe, &ts))
			break;
		if (cqe->res == -ETIMEDOUT)
			timed_out++;
		else
			other++;
		seen++;
		t_last = now_ns(CLOCK_MONOTONIC);
		io_uring_cqe_seen(&ring, cqe);
	}
	TH_LOG("%d acquires timed out together: the last completion %llu us after the deadline",
	       timed_out, (unsigned long long)((t_last - deadline) / 1000));
	EXPECT_EQ(SCALE_WAITERS, timed_out);
	EXPECT_EQ(0, other);
	EXPECT_EQ(0, sem_waiters(fd));
	EXPECT_EQ(0, sem_value(fd));
	/* nothing was lost: every unit released is there to take */
	ASSERT_EQ(0, sem_release(fd, SCALE_WAITERS));
	EXPECT_EQ(SCALE_WAITERS, sem_value(fd));
	io_uring_queue_exit(&ring);
	close(fd);
	close(dev);
}

TEST_HARNESS_MAIN
