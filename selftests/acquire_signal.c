// SPDX-License-Identifier: GPL-2.0
/*
 * Signals during a blocking acquire: EINTR without SA_RESTART (with the
 * relative timeout written back), transparent restart with SA_RESTART,
 * a restart never extends a relative timeout, and an interrupted waiter's
 * FIFO place is kept for its restart or retry for signal_grace_ms.
 */
#include "semctl_test.h"

SEMCTL_FIXTURE(sig)

#define MS(x)		((__u64)(x) * NSEC_PER_MSEC)

static atomic_int handled;
static struct waiter w[2];

static void handler(int sig)
{
	(void)sig;
	atomic_fetch_add(&handled, 1);
}

static int install(int sig, int flags)
{
	struct sigaction sa = { .sa_handler = handler, .sa_flags = flags };

	sigemptyset(&sa.sa_mask);
	return sigaction(sig, &sa, NULL);
}

/* Bounded wait until @fd's semaphore holds @n parked places. */
static int wait_parked(int fd, long long n)
{
	uint64_t end = mono_ms() + WAIT_MS;

	while (fdinfo_num(getpid(), fd, "semctl-parked") != n) {
		if (mono_ms() > end)
			return -ETIMEDOUT;
		sleep_ms(1);
	}
	return 0;
}

TEST_F_TIMEOUT(sig, eintr_without_sa_restart, 60)
{
	ASSERT_EQ(0, install(SIGUSR1, 0));
	self->fd = sem_create(self->dev, 0, 5);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, waiter_start_acq(&w[0], self->fd, 1, NULL));
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	ASSERT_EQ(0, pthread_kill(w[0].thread, SIGUSR1));
	ASSERT_EQ(0, waiter_wait(&w[0]));
	EXPECT_EQ(-EINTR, w[0].ret);
	EXPECT_EQ(1, atomic_load(&handled));
	EXPECT_EQ(0, sem_waiters(self->fd));
	EXPECT_EQ(0, sem_value(self->fd));
	/* nothing taken: a later release stays available */
	ASSERT_EQ(0, sem_release(self->fd, 1));
	EXPECT_EQ(1, sem_value(self->fd));
	waiter_reap(&w[0]);
}

TEST_F_TIMEOUT(sig, eintr_untimed_blocking_acquire, 60)
{
	/* no timeout at all: only the signal ends the wait */
	ASSERT_EQ(0, install(SIGUSR1, 0));
	self->fd = sem_create(self->dev, 0, 5);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, waiter_start(&w[0], self->fd, OP_ACQUIRE, 2, 0, 0,
				  NULL));
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	ASSERT_EQ(0, pthread_kill(w[0].thread, SIGUSR1));
	ASSERT_EQ(0, waiter_wait(&w[0])) {
		/* unblock it so the test can end */
		sem_release(self->fd, 2);
	}
	EXPECT_EQ(-EINTR, w[0].ret);
	waiter_reap(&w[0]);
}

TEST_F_TIMEOUT(sig, eintr_writes_back_time_left, 60)
{
	ASSERT_EQ(0, install(SIGUSR1, 0));
	self->fd = sem_create(self->dev, 0, 5);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, waiter_start(&w[0], self->fd, OP_ACQUIRE, 1,
				  SEMCTL_ACQUIRE_TIMEOUT, MS(20000), NULL));
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	ASSERT_EQ(0, pthread_kill(w[0].thread, SIGUSR1));
	ASSERT_EQ(0, waiter_wait(&w[0]));
	EXPECT_EQ(-EINTR, w[0].ret);
	EXPECT_LT(w[0].timeout_left, MS(20000));
	EXPECT_GT(w[0].timeout_left, MS(20000) - MS(15000));
	TH_LOG("time left %llu ms of 20000",
	       (unsigned long long)(w[0].timeout_left / NSEC_PER_MSEC));
	waiter_reap(&w[0]);
}

TEST_F_TIMEOUT(sig, eintr_abstime_unchanged, 60)
{
	__u64 deadline;

	ASSERT_EQ(0, install(SIGUSR1, 0));
	self->fd = sem_create(self->dev, 0, 5);
	ASSERT_LE(0, self->fd);
	deadline = now_ns(CLOCK_MONOTONIC) + MS(20000);
	ASSERT_EQ(0, waiter_start(&w[0], self->fd, OP_ACQUIRE, 1,
				  SEMCTL_ACQUIRE_TIMEOUT |
				  SEMCTL_ACQUIRE_ABSTIME, deadline, NULL));
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	ASSERT_EQ(0, pthread_kill(w[0].thread, SIGUSR1));
	ASSERT_EQ(0, waiter_wait(&w[0]));
	EXPECT_EQ(-EINTR, w[0].ret);
	/* an absolute deadline needs no update */
	EXPECT_EQ(deadline, w[0].timeout_left);
	waiter_reap(&w[0]);
}

TEST_F_TIMEOUT(sig, sa_restart_is_transparent, 60)
{
	ASSERT_EQ(0, install(SIGUSR1, SA_RESTART));
	self->fd = sem_create(self->dev, 0, 5);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, waiter_start_acq(&w[0], self->fd, 1, NULL));
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	ASSERT_EQ(0, pthread_kill(w[0].thread, SIGUSR1));
	ASSERT_EQ(0, wait_atomic_ge(&handled, 1));
	/* the handler ran; the call went back to waiting */
	ASSERT_EQ(0, wait_task_sleeping(atomic_load(&w[0].tid)));
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	EXPECT_FALSE(atomic_load(&w[0].done));
	ASSERT_EQ(0, pthread_kill(w[0].thread, SIGUSR1));
	ASSERT_EQ(0, wait_atomic_ge(&handled, 2));
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	EXPECT_FALSE(atomic_load(&w[0].done));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	ASSERT_EQ(0, waiter_wait(&w[0]));
	EXPECT_EQ(0, w[0].ret);
	EXPECT_EQ(0, sem_value(self->fd));
	waiter_reap(&w[0]);
}

/*
 * The place a signal interrupts: value 3, A waits for 5, B behind it for
 * 1. A's handler runs and the call restarts (SA_RESTART): B must still
 * wait, and A must still come first.
 */
TEST_F_TIMEOUT(sig, sa_restart_keeps_fifo_place, 60)
{
	ASSERT_EQ(0, install(SIGUSR1, SA_RESTART));
	self->fd = sem_create(self->dev, 3, 5);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, waiter_start_acq(&w[0], self->fd, 5, NULL));
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	ASSERT_EQ(0, waiter_start_acq(&w[1], self->fd, 1, NULL));
	ASSERT_EQ(0, wait_waiters(self->fd, 2, NULL));
	ASSERT_EQ(0, pthread_kill(w[0].thread, SIGUSR1));
	ASSERT_EQ(0, wait_atomic_ge(&handled, 1));
	/* A ran its handler and is back in its place */
	ASSERT_EQ(0, wait_parked(self->fd, 0));
	ASSERT_EQ(0, wait_waiters(self->fd, 2, NULL));
	EXPECT_EQ(3, sem_value(self->fd));
	EXPECT_FALSE(atomic_load(&w[1].done));
	ASSERT_EQ(0, sem_release(self->fd, 2));
	ASSERT_EQ(0, waiter_wait(&w[0]));
	EXPECT_EQ(0, w[0].ret);
	EXPECT_EQ(0, sem_value(self->fd));
	EXPECT_FALSE(atomic_load(&w[1].done));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	ASSERT_EQ(0, waiter_wait(&w[1]));
	EXPECT_EQ(0, w[1].ret);
	EXPECT_EQ(0, sem_value(self->fd));
	waiter_reap(&w[0]);
	waiter_reap(&w[1]);
}

/* signal_grace_ms, set per test and put back afterwards */
#define GRACE_PARAM	"/sys/module/semctl/parameters/signal_grace_ms"

static int grace_read(void)
{
	char buf[32] = "";
	int f = open(GRACE_PARAM, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (f < 0)
		return -errno;
	n = read(f, buf, sizeof(buf) - 1);
	close(f);
	return n > 0 ? atoi(buf) : -EIO;
}

static int grace_write(int ms)
{
	char buf[32];
	int f = open(GRACE_PARAM, O_WRONLY | O_CLOEXEC);
	int len, ok;

	if (f < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%d\n", ms);
	ok = write(f, buf, len) == len;
	close(f);
	return ok ? 0 : -errno;
}

FIXTURE(grace)
{
	int dev;
	int fd;
	int saved_ms;
};

FIXTURE_SETUP(grace)
{
	self->fd = -1;
	self->dev = dev_open();
	ASSERT_LE(0, self->dev);
	self->saved_ms = grace_read();
	ASSERT_LE(0, self->saved_ms);
}

FIXTURE_TEARDOWN(grace)
{
	if (self->saved_ms >= 0)
		grace_write(self->saved_ms);
	if (self->fd >= 0)
		close(self->fd);
	close(self->dev);
}

/* A thread that gets EINTR and gives up holds its place for the grace. */
TEST_F_TIMEOUT(grace, abandoned_place_leaves_when_the_grace_ends, 60)
{
	uint64_t t0;

	ASSERT_EQ(0, grace_write(2000));
	ASSERT_EQ(0, install(SIGUSR1, 0));
	self->fd = sem_create(self->dev, 3, 5);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, waiter_start_acq(&w[0], self->fd, 5, NULL));
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	ASSERT_EQ(0, waiter_start_acq(&w[1], self->fd, 1, NULL));
	ASSERT_EQ(0, wait_waiters(self->fd, 2, NULL));
	t0 = mono_ms();
	ASSERT_EQ(0, pthread_kill(w[0].thread, SIGUSR1));
	ASSERT_EQ(0, waiter_wait(&w[0]));
	EXPECT_EQ(-EINTR, w[0].ret);
	/* B is still behind A's place, unless the grace passed already */
	if (mono_ms() - t0 < 1500) {
		EXPECT_EQ(1, fdinfo_num(getpid(), self->fd, "semctl-parked"));
		EXPECT_EQ(1, sem_waiters(self->fd));
		EXPECT_EQ(3, sem_value(self->fd));
	}
	ASSERT_EQ(0, waiter_wait(&w[1]));
	EXPECT_EQ(0, w[1].ret);
	EXPECT_GE(mono_ms() - t0, 2000);
	EXPECT_EQ(0, fdinfo_num(getpid(), self->fd, "semctl-parked"));
	EXPECT_EQ(2, sem_value(self->fd));
	waiter_reap(&w[0]);
	waiter_reap(&w[1]);
}

/* When units for an absent thread come, its place leaves: none is held. */
TEST_F_TIMEOUT(grace, absent_place_leaves_at_its_turn, 60)
{
	ASSERT_EQ(0, grace_write(10000));
	ASSERT_EQ(0, install(SIGUSR1, 0));
	self->fd = sem_create(self->dev, 0, 5);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, waiter_start_acq(&w[0], self->fd, 1, NULL));
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	ASSERT_EQ(0, waiter_start_acq(&w[1], self->fd, 1, NULL));
	ASSERT_EQ(0, wait_waiters(self->fd, 2, NULL));
	ASSERT_EQ(0, pthread_kill(w[0].thread, SIGUSR1));
	ASSERT_EQ(0, waiter_wait(&w[0]));
	EXPECT_EQ(-EINTR, w[0].ret);
	EXPECT_EQ(1, fdinfo_num(getpid(), self->fd, "semctl-parked"));
	/* the release grants B at once, long before the grace ends */
	ASSERT_EQ(0, sem_release(self->fd, 1));
	EXPECT_EQ(0, sem_value(self->fd));
	EXPECT_EQ(0, fdinfo_num(getpid(), self->fd, "semctl-parked"));
	ASSERT_EQ(0, waiter_wait(&w[1]));
	EXPECT_EQ(0, w[1].ret);
	waiter_reap(&w[0]);
	waiter_reap(&w[1]);
}

/* A thread that retries its acquire once after EINTR, when told to. */
struct retrier {
	pthread_t thread;
	int fd;
	atomic_int interrupted;
	atomic_int go;
	atomic_int done;
	int first, second;
};

static void *retrier_fn(void *arg)
{
	struct retrier *r = arg;

	r->first = sem_acquire_full(r->fd, 5, SEMCTL_ACQUIRE_TIMEOUT,
				    (__u64)3 * WAIT_MS * NSEC_PER_MSEC);
	atomic_store(&r->interrupted, 1);
	if (wait_atomic_ge(&r->go, 1) == 0)
		r->second = sem_acquire_full(r->fd, 5, SEMCTL_ACQUIRE_TIMEOUT,
					     (__u64)3 * WAIT_MS *
					     NSEC_PER_MSEC);
	atomic_store(&r->done, 1);
	return NULL;
}

/* A retry after EINTR (PEP 475, a loop around EINTR) finds the place. */
TEST_F_TIMEOUT(grace, retry_after_eintr_takes_the_place_back, 60)
{
	static struct retrier r;

	ASSERT_EQ(0, grace_write(10000));
	ASSERT_EQ(0, install(SIGUSR1, 0));
	self->fd = sem_create(self->dev, 3, 5);
	ASSERT_LE(0, self->fd);
	r.fd = self->fd;
	ASSERT_EQ(0, pthread_create(&r.thread, NULL, retrier_fn, &r));
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	ASSERT_EQ(0, waiter_start_acq(&w[1], self->fd, 1, NULL));
	ASSERT_EQ(0, wait_waiters(self->fd, 2, NULL));
	ASSERT_EQ(0, pthread_kill(r.thread, SIGUSR1));
	ASSERT_EQ(0, wait_atomic_ge(&r.interrupted, 1));
	EXPECT_EQ(-EINTR, r.first);
	EXPECT_EQ(1, fdinfo_num(getpid(), self->fd, "semctl-parked"));
	EXPECT_EQ(1, sem_waiters(self->fd));
	EXPECT_EQ(3, sem_value(self->fd));
	atomic_store(&r.go, 1);
	ASSERT_EQ(0, wait_parked(self->fd, 0));
	ASSERT_EQ(0, wait_waiters(self->fd, 2, NULL));
	EXPECT_EQ(3, sem_value(self->fd));
	EXPECT_FALSE(atomic_load(&w[1].done));
	ASSERT_EQ(0, sem_release(self->fd, 2));
	ASSERT_EQ(0, wait_atomic_ge(&r.done, 1));
	EXPECT_EQ(0, r.second);
	EXPECT_FALSE(atomic_load(&w[1].done));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	ASSERT_EQ(0, waiter_wait(&w[1]));
	EXPECT_EQ(0, w[1].ret);
	pthread_join(r.thread, NULL);
	waiter_reap(&w[1]);
}

/* signal_grace_ms 0: a signalled waiter leaves at once, as before. */
TEST_F_TIMEOUT(grace, zero_grace_leaves_at_once, 60)
{
	ASSERT_EQ(0, grace_write(0));
	ASSERT_EQ(0, install(SIGUSR1, SA_RESTART));
	self->fd = sem_create(self->dev, 3, 5);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, waiter_start_acq(&w[0], self->fd, 5, NULL));
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	ASSERT_EQ(0, waiter_start_acq(&w[1], self->fd, 1, NULL));
	ASSERT_EQ(0, wait_waiters(self->fd, 2, NULL));
	ASSERT_EQ(0, pthread_kill(w[0].thread, SIGUSR1));
	/* B is granted as A leaves; A queues again, behind */
	ASSERT_EQ(0, waiter_wait(&w[1]));
	EXPECT_EQ(0, w[1].ret);
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	ASSERT_EQ(0, sem_release(self->fd, 3));
	ASSERT_EQ(0, waiter_wait(&w[0]));
	EXPECT_EQ(0, w[0].ret);
	EXPECT_EQ(0, sem_value(self->fd));
	waiter_reap(&w[0]);
	waiter_reap(&w[1]);
}

/* signal the waiter thread at fixed times after start */
struct pinger {
	pthread_t target;
	uint64_t start_ms;
	int at_ms[12];
	int n;
	atomic_int *stop;
};

static void *pinger_fn(void *arg)
{
	struct pinger *p = arg;
	int i;

	for (i = 0; i < p->n && !atomic_load(p->stop); i++) {
		while (mono_ms() - p->start_ms < (uint64_t)p->at_ms[i] &&
		       !atomic_load(p->stop))
			sleep_ms(2);
		if (!atomic_load(p->stop))
			pthread_kill(p->target, SIGUSR1);
	}
	return NULL;
}

TEST_F_TIMEOUT(sig, sa_restart_never_extends_timeout, 60)
{
	/*
	 * 1000 ms relative timeout, interrupted every 250 ms (until it
	 * ends, for at most 2.5 s) and restarted. Restarting with the full
	 * timeout would never expire while the signals come, so it would
	 * end at >= 3.5 s; the written-back time left ends it near 1 s.
	 */
	static atomic_int stop;
	struct pinger p = {
		.at_ms = { 250, 500, 750, 1000, 1250, 1500, 1750, 2000, 2250,
			   2500 },
		.n = 10, .stop = &stop,
	};
	pthread_t pt;
	uint64_t t0, el;

	ASSERT_EQ(0, install(SIGUSR1, SA_RESTART));
	self->fd = sem_create(self->dev, 0, 5);
	ASSERT_LE(0, self->fd);
	t0 = mono_ms();
	ASSERT_EQ(0, waiter_start(&w[0], self->fd, OP_ACQUIRE, 1,
				  SEMCTL_ACQUIRE_TIMEOUT, MS(1000), NULL));
	p.target = w[0].thread;
	p.start_ms = t0;
	ASSERT_EQ(0, pthread_create(&pt, NULL, pinger_fn, &p));
	ASSERT_EQ(0, waiter_wait(&w[0]));
	el = mono_ms() - t0;
	atomic_store(&stop, 1);
	pthread_join(pt, NULL);
	TH_LOG("ended after %llu ms, %d signals handled",
	       (unsigned long long)el, atomic_load(&handled));
	EXPECT_EQ(-ETIMEDOUT, w[0].ret);
	EXPECT_GE(el, 990);
	EXPECT_LT(el, 3000);
	EXPECT_GE(atomic_load(&handled), 2);
	waiter_reap(&w[0]);
}

TEST_F_TIMEOUT(sig, sa_restart_abstime_deadline_kept, 60)
{
	static atomic_int stop;
	struct pinger p = {
		.at_ms = { 200, 400 }, .n = 2, .stop = &stop,
	};
	pthread_t pt;
	uint64_t t0, el;

	ASSERT_EQ(0, install(SIGUSR1, SA_RESTART));
	self->fd = sem_create(self->dev, 0, 5);
	ASSERT_LE(0, self->fd);
	t0 = mono_ms();
	ASSERT_EQ(0, waiter_start(&w[0], self->fd, OP_ACQUIRE, 1,
				  SEMCTL_ACQUIRE_TIMEOUT |
				  SEMCTL_ACQUIRE_ABSTIME,
				  now_ns(CLOCK_MONOTONIC) + MS(600), NULL));
	p.target = w[0].thread;
	p.start_ms = t0;
	ASSERT_EQ(0, pthread_create(&pt, NULL, pinger_fn, &p));
	ASSERT_EQ(0, waiter_wait(&w[0]));
	el = mono_ms() - t0;
	atomic_store(&stop, 1);
	pthread_join(pt, NULL);
	EXPECT_EQ(-ETIMEDOUT, w[0].ret);
	EXPECT_GE(el, 590);
	EXPECT_LT(el, 1300);
	waiter_reap(&w[0]);
}

TEST_F_TIMEOUT(sig, fatal_signal_while_waiting_leaves_queue, 60)
{
	pid_t pid;
	int status;

	self->fd = sem_create(self->dev, 0, 5);
	ASSERT_LE(0, self->fd);
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		sem_acquire_bounded(self->fd, 1, 0);
		_exit(0);
	}
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	kill(pid, SIGKILL);
	status = wait_child(pid, WAIT_MS);
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(0, sem_waiters(self->fd));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	EXPECT_EQ(1, sem_value(self->fd));
}

SEMCTL_HARNESS_MAIN
