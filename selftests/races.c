// SPDX-License-Identifier: GPL-2.0
/*
 * Races around the lifetime of a semaphore file:
 *  - close of the last fd while another thread waits in acquire or read():
 *    the waiter pins the file (fdget), so the wait goes on and ends by a
 *    release through another open file, a timeout, or a signal; undo is
 *    given back when the waiter drops the file;
 *  - close while another thread waits in poll() (POLLNVAL once woken) or
 *    epoll_wait() (the file leaves the epoll set: no event);
 *  - close while an io_uring READ and a URING_CMD acquire are pending,
 *    then completion or ring exit;
 *  - unlink racing open and create: open gives a working fd or ENOENT;
 *  - release racing a timeout expiry (ioctl and URING_CMD): either the
 *    acquire wins or the timeout does, never both or neither;
 *  - rmmod racing the last close (only with SEMCTL_RACE_RMMOD=1 and
 *    SEMCTL_KO=/path/semctl.ko to load it back).
 *
 * Leaks are seen through /sys/class/misc/semctl/semaphores, the number of
 * semaphores alive. Every wait is bounded.
 */
#include <sys/epoll.h>
#include <liburing.h>

#include "semctl_test.h"

#define SEMAPHORES_ATTR	"/sys/class/misc/semctl/semaphores"
#define CQE_WAIT_MS	10000
#define LONG_NS		(20ULL * NSEC_PER_SEC)

static void on_signal(int sig)
{
	(void)sig;
}

/* SIGUSR1 interrupts waits: no SA_RESTART */
static int install_sigusr1(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	return sigaction(SIGUSR1, &sa, NULL);
}

static long sysfs_long(const char *path)
{
	char buf[32];
	ssize_t n;
	int f = open(path, O_RDONLY | O_CLOEXEC);

	if (f < 0)
		return -1;
	n = read(f, buf, sizeof(buf) - 1);
	close(f);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return strtol(buf, NULL, 10);
}

static long nr_semaphores(void)
{
	return sysfs_long(SEMAPHORES_ATTR);
}

/* Bounded wait until the number of live semaphores is @n. */
static int wait_nr_semaphores(long n, long *seen)
{
	uint64_t end = mono_ms() + WAIT_MS;

	for (;;) {
		*seen = nr_semaphores();
		if (*seen == n)
			return 0;
		if (mono_ms() > end)
			return -ETIMEDOUT;
		sleep_ms(1);
	}
}

static int wait_value(int fd, int64_t v, int64_t *seen)
{
	uint64_t end = mono_ms() + WAIT_MS;

	for (;;) {
		*seen = sem_value(fd);
		if (*seen == v)
			return 0;
		if (mono_ms() > end)
			return -ETIMEDOUT;
		sleep_ms(1);
	}
}

FIXTURE(race)
{
	int dev;
	int a;		/* the fd a waiter uses and the test closes */
	int b;		/* a second open file of the same named semaphore */
	char name[128];
	long nr0;	/* live semaphores before the test */
};

FIXTURE_SETUP(race)
{
	self->a = -1;
	self->b = -1;
	self->name[0] = 0;
	ASSERT_EQ(0, install_sigusr1());
	self->dev = dev_open();
	ASSERT_LE(0, self->dev) TH_LOG("open %s: %s", SEMCTL_DEV,
				       strerror(errno));
	/*
	 * The count is global: let what earlier programs left go first.
	 * A name operation frees the names of dead namespaces; rings of
	 * exited processes (and of earlier tests) are torn down
	 * asynchronously, so wait (bounded) for the count to hold still:
	 * no handshake exists for others' leftovers, and the exact counts
	 * asserted below assume nobody else changes it meanwhile.
	 */
	sem_unlink(self->dev, "ksft.races.settle");
	{
		uint64_t end = mono_ms() + 2000;
		long prev = -2;

		for (;;) {
			self->nr0 = nr_semaphores();
			if (self->nr0 == prev || mono_ms() > end)
				break;
			prev = self->nr0;
			sleep_ms(20);
		}
	}
	ASSERT_LE(0, self->nr0) TH_LOG("%s unreadable", SEMAPHORES_ATTR);
}

FIXTURE_TEARDOWN(race)
{
	if (self->a >= 0)
		close(self->a);
	if (self->b >= 0)
		close(self->b);
	if (self->name[0])
		sem_unlink(self->dev, self->name);
	close(self->dev);
}

/* A named semaphore of value 0 opened twice: a (flags) and b. */
static int named_pair(struct __test_metadata *_metadata,
		      FIXTURE_DATA(race) *self, __u32 a_flags)
{
	unique_name(self->name, sizeof(self->name), "race");
	self->a = sem_create_full(self->dev, SEMCTL_CREATE_EXCL | a_flags, 0,
				  0, self->name, 0600);
	self->b = sem_open_name(self->dev, self->name, 0);
	(void)_metadata;
	return self->a >= 0 && self->b >= 0 ? 0 : -1;
}

/*
 * Acquire with undo waits on a; a is closed (its last fd); the release
 * through b satisfies the wait, and the unit comes back when the waiter
 * drops the file -- the last reference to the open file.
 */
TEST_F(race, close_last_fd_while_acquire_waits_then_release)
{
	struct waiter w;
	int64_t seen;

	ASSERT_EQ(0, named_pair(_metadata, self, 0));
	ASSERT_EQ(0, waiter_start(&w, self->a, OP_ACQUIRE, 1,
				  SEMCTL_ACQUIRE_UNDO | SEMCTL_ACQUIRE_TIMEOUT,
				  LONG_NS, NULL));
	ASSERT_EQ(0, wait_waiters(self->b, 1, NULL));
	ASSERT_EQ(0, close(self->a));
	self->a = -1;
	/* the waiter still holds the file: the wait goes on */
	EXPECT_EQ(1, sem_waiters(self->b));
	EXPECT_EQ(0, atomic_load(&w.done));
	ASSERT_EQ(0, sem_release(self->b, 1));
	ASSERT_EQ(0, waiter_wait(&w));
	waiter_reap(&w);
	EXPECT_EQ(0, w.ret);
	/* the waiter's fdput() was the last close: undo gives the unit back */
	EXPECT_EQ(0, wait_value(self->b, 1, &seen)) TH_LOG("value %lld",
							   (long long)seen);
	EXPECT_EQ(0, sem_waiters(self->b));
}

/* Same with read() on a SEMCTL_FD_UNDO fd. */
TEST_F(race, close_last_fd_while_read_waits_then_release)
{
	struct waiter w;
	int64_t seen;

	ASSERT_EQ(0, named_pair(_metadata, self, SEMCTL_FD_UNDO));
	ASSERT_EQ(0, waiter_start(&w, self->a, OP_READ, 1, 0, 0, NULL));
	ASSERT_EQ(0, wait_waiters(self->b, 1, NULL));
	ASSERT_EQ(0, close(self->a));
	self->a = -1;
	EXPECT_EQ(1, sem_waiters(self->b));
	ASSERT_EQ(0, sem_release(self->b, 1));
	ASSERT_EQ(0, waiter_wait(&w));
	waiter_reap(&w);
	EXPECT_EQ(8, w.ret);
	EXPECT_EQ(1, w.readval);
	EXPECT_EQ(0, wait_value(self->b, 1, &seen)) TH_LOG("value %lld",
							   (long long)seen);
}

/*
 * An anonymous semaphore whose only fd is closed while a thread waits in
 * it (@op): a signal ends the wait with EINTR, and the semaphore is freed
 * once the waiter lets go of the file.
 */
static void anon_close_then_signal(struct __test_metadata *_metadata,
				   FIXTURE_DATA(race) *self, enum waiter_op op)
{
	struct waiter w;
	long seen;

	self->a = sem_create(self->dev, 0, 0);
	ASSERT_LE(0, self->a);
	ASSERT_EQ(self->nr0 + 1, nr_semaphores());
	ASSERT_EQ(0, waiter_start(&w, self->a, op, 1,
				  op == OP_ACQUIRE ? SEMCTL_ACQUIRE_TIMEOUT : 0,
				  op == OP_ACQUIRE ? LONG_NS : 0, NULL));
	ASSERT_EQ(0, wait_waiters(self->a, 1, NULL));
	ASSERT_EQ(0, wait_task_sleeping(atomic_load(&w.tid)));
	ASSERT_EQ(0, close(self->a));
	self->a = -1;
	/* the file is pinned by the waiter: the semaphore is alive */
	EXPECT_EQ(self->nr0 + 1, nr_semaphores());
	EXPECT_EQ(0, atomic_load(&w.done));
	ASSERT_EQ(0, pthread_kill(w.thread, SIGUSR1));
	ASSERT_EQ(0, waiter_wait(&w));
	waiter_reap(&w);
	EXPECT_EQ(-EINTR, w.ret);
	EXPECT_EQ(0, wait_nr_semaphores(self->nr0, &seen)) TH_LOG("%ld alive",
								  seen);
}

TEST_F(race, close_last_anon_fd_while_acquire_waits_then_signal)
{
	anon_close_then_signal(_metadata, self, OP_ACQUIRE);
}

TEST_F(race, close_last_anon_fd_while_read_waits_then_signal)
{
	anon_close_then_signal(_metadata, self, OP_READ);
}

/* The timeout ends a wait whose fd is gone. */
TEST_F(race, close_last_anon_fd_while_acquire_waits_then_timeout)
{
	struct waiter w;
	long seen;

	self->a = sem_create(self->dev, 0, 0);
	ASSERT_LE(0, self->a);
	ASSERT_EQ(0, waiter_start(&w, self->a, OP_ACQUIRE, 1,
				  SEMCTL_ACQUIRE_TIMEOUT | SEMCTL_ACQUIRE_UNDO,
				  300 * NSEC_PER_MSEC, NULL));
	ASSERT_EQ(0, wait_waiters(self->a, 1, NULL));
	ASSERT_EQ(0, close(self->a));
	self->a = -1;
	ASSERT_EQ(0, waiter_wait(&w));
	waiter_reap(&w);
	EXPECT_EQ(-ETIMEDOUT, w.ret);
	EXPECT_EQ(0, wait_nr_semaphores(self->nr0, &seen)) TH_LOG("%ld alive",
								  seen);
}

/* ---- poll and epoll ---- */

struct poller {
	pthread_t thread;
	int fd;		/* poll: the fd; epoll: the epoll fd */
	bool epoll;
	int timeout_ms;
	atomic_int tid;
	atomic_int done;
	int ret;
	int revents;
};

static void *poller_main(void *arg)
{
	struct poller *p = arg;

	atomic_store(&p->tid, gettid_());
	if (p->epoll) {
		struct epoll_event ev = { 0 };

		p->ret = epoll_wait(p->fd, &ev, 1, p->timeout_ms);
		p->revents = (int)ev.events;
	} else {
		struct pollfd pfd = { .fd = p->fd, .events = POLLIN };

		p->ret = poll(&pfd, 1, p->timeout_ms);
		p->revents = pfd.revents;
	}
	if (p->ret < 0)
		p->ret = -errno;
	atomic_store(&p->done, 1);
	return NULL;
}

static int poller_start(struct poller *p, int fd, bool epoll, int timeout_ms)
{
	memset(p, 0, sizeof(*p));
	p->fd = fd;
	p->epoll = epoll;
	p->timeout_ms = timeout_ms;
	if (pthread_create(&p->thread, NULL, poller_main, p))
		return -1;
	if (wait_atomic_ge(&p->tid, 1))
		return -1;
	return wait_task_sleeping(atomic_load(&p->tid));
}

/* poll() pins the file; once woken it finds the fd gone: POLLNVAL. */
TEST_F(race, close_while_poll_waits_then_release)
{
	struct poller p;

	ASSERT_EQ(0, named_pair(_metadata, self, 0));
	ASSERT_EQ(0, poller_start(&p, self->a, false, WAIT_MS));
	ASSERT_EQ(0, close(self->a));
	self->a = -1;
	ASSERT_EQ(0, sem_release(self->b, 1));
	ASSERT_EQ(0, wait_atomic_ge(&p.done, 1));
	pthread_join(p.thread, NULL);
	EXPECT_EQ(1, p.ret);
	EXPECT_EQ(POLLNVAL, p.revents);
	EXPECT_EQ(1, sem_value(self->b));
}

/* The only fd of an anonymous semaphore closed under poll(), then EINTR. */
TEST_F(race, close_last_anon_fd_while_poll_waits_then_signal)
{
	struct poller p;
	long seen;

	self->a = sem_create(self->dev, 0, 0);
	ASSERT_LE(0, self->a);
	ASSERT_EQ(0, poller_start(&p, self->a, false, WAIT_MS));
	ASSERT_EQ(0, close(self->a));
	self->a = -1;
	EXPECT_EQ(self->nr0 + 1, nr_semaphores());
	ASSERT_EQ(0, pthread_kill(p.thread, SIGUSR1));
	ASSERT_EQ(0, wait_atomic_ge(&p.done, 1));
	pthread_join(p.thread, NULL);
	/*
	 * fs/select.c rescans the fds before it looks at the signal: the
	 * closed fd reports POLLNVAL first.
	 */
	if (p.ret != -EINTR) {
		EXPECT_EQ(1, p.ret);
		EXPECT_EQ(POLLNVAL, p.revents);
	}
	EXPECT_EQ(0, wait_nr_semaphores(self->nr0, &seen)) TH_LOG("%ld alive",
								  seen);
}

/*
 * epoll holds no reference: the last close takes the file out of the
 * epoll set, so a later release reports nothing to the waiter.
 */
TEST_F(race, close_while_epoll_waits_then_release)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct poller p;
	int ep;

	ASSERT_EQ(0, named_pair(_metadata, self, 0));
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->a, &ev));
	ASSERT_EQ(0, poller_start(&p, ep, true, 500));
	ASSERT_EQ(0, close(self->a));
	self->a = -1;
	ASSERT_EQ(0, sem_release(self->b, 1));
	ASSERT_EQ(0, wait_atomic_ge(&p.done, 1));
	pthread_join(p.thread, NULL);
	EXPECT_EQ(0, p.ret) TH_LOG("events %#x", p.revents);
	EXPECT_EQ(1, sem_value(self->b));
	close(ep);
}

/* The semaphore is freed under an epoll waiter; a signal ends the wait. */
TEST_F(race, close_last_anon_fd_while_epoll_waits)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct poller p;
	long seen;
	int ep;

	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	self->a = sem_create(self->dev, 0, 0);
	ASSERT_LE(0, self->a);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->a, &ev));
	ASSERT_EQ(0, poller_start(&p, ep, true, WAIT_MS));
	ASSERT_EQ(0, close(self->a));
	self->a = -1;
	/* epoll pins nothing: the semaphore goes now */
	EXPECT_EQ(0, wait_nr_semaphores(self->nr0, &seen)) TH_LOG("%ld alive",
								  seen);
	ASSERT_EQ(0, pthread_kill(p.thread, SIGUSR1));
	ASSERT_EQ(0, wait_atomic_ge(&p.done, 1));
	pthread_join(p.thread, NULL);
	EXPECT_EQ(-EINTR, p.ret);
	close(ep);
}

/* ---- io_uring ---- */

static void prep_acquire(struct io_uring_sqe *sqe, int fd, __u32 count,
			 __u32 flags, __u64 timeout_ns, __u64 user_data)
{
	struct semctl_uring_acquire a = {
		.count = count,
		.flags = flags,
		.timeout_ns = timeout_ns,
	};

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = fd;
	sqe->cmd_op = SEMCTL_URING_CMD_ACQUIRE;
	memcpy(sqe->cmd, &a, sizeof(a));
	sqe->user_data = user_data;
}

static int reap(struct io_uring *ring, int timeout_ms, __u64 *ud, int *res)
{
	struct __kernel_timespec ts = {
		.tv_sec = timeout_ms / 1000,
		.tv_nsec = (timeout_ms % 1000) * (long long)NSEC_PER_MSEC,
	};
	struct io_uring_cqe *cqe;
	int ret;

	do {
		ret = io_uring_wait_cqe_timeout(ring, &cqe, &ts);
	} while (ret == -EINTR);
	if (ret)
		return ret;
	*ud = cqe->user_data;
	*res = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return 0;
}

/* READ (8 bytes, ud 1) and URING_CMD acquire with undo (ud 2) on fd. */
static int submit_read_and_acquire(struct io_uring *ring, int fd,
				   __u64 *readbuf)
{
	struct io_uring_sqe *sqe;

	sqe = io_uring_get_sqe(ring);
	if (!sqe)
		return -EBUSY;
	prep_acquire(sqe, fd, 1, SEMCTL_ACQUIRE_UNDO, 0, 2);
	sqe = io_uring_get_sqe(ring);
	if (!sqe)
		return -EBUSY;
	io_uring_prep_read(sqe, fd, readbuf, sizeof(*readbuf), 0);
	sqe->user_data = 1;
	return io_uring_submit(ring);
}

/* Pending READ and acquire on a closed fd complete through a release. */
TEST_F(race, close_with_uring_pending_then_release)
{
	struct io_uring ring;
	__u64 readbuf = 0, ud;
	int i, res, seen_read = 0, seen_cmd = 0;
	int64_t seen;

	ASSERT_EQ(0, named_pair(_metadata, self, 0));
	ASSERT_EQ(0, io_uring_queue_init(8, &ring, 0));
	ASSERT_EQ(2, submit_read_and_acquire(&ring, self->a, &readbuf));
	ASSERT_EQ(0, wait_waiters(self->b, 1, NULL));
	ASSERT_EQ(0, close(self->a));
	self->a = -1;
	/* one unit for the queued command, one for the READ behind it */
	ASSERT_EQ(0, sem_release(self->b, 2));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, reap(&ring, CQE_WAIT_MS, &ud, &res));
		if (ud == 1) {
			EXPECT_EQ(8, res);
			seen_read++;
		} else {
			EXPECT_EQ(2, ud);
			EXPECT_EQ(0, res);
			seen_cmd++;
		}
	}
	EXPECT_EQ(1, seen_read);
	EXPECT_EQ(1, seen_cmd);
	EXPECT_EQ(1, readbuf);
	io_uring_queue_exit(&ring);
	/* a's open file is gone with its requests: the undo unit comes back */
	EXPECT_EQ(0, wait_value(self->b, 1, &seen)) TH_LOG("value %lld",
							   (long long)seen);
	EXPECT_EQ(0, sem_waiters(self->b));
}

/* Pending READ and acquire on a closed fd, then the ring exits. */
TEST_F(race, close_with_uring_pending_then_ring_exit)
{
	struct io_uring ring;
	__u64 readbuf = 0;

	ASSERT_EQ(0, named_pair(_metadata, self, 0));
	ASSERT_EQ(0, io_uring_queue_init(8, &ring, 0));
	ASSERT_EQ(2, submit_read_and_acquire(&ring, self->a, &readbuf));
	ASSERT_EQ(0, wait_waiters(self->b, 1, NULL));
	ASSERT_EQ(0, close(self->a));
	self->a = -1;
	io_uring_queue_exit(&ring);
	ASSERT_EQ(0, wait_waiters(self->b, 0, NULL));
	EXPECT_EQ(0, sem_value(self->b));
	/* no ghost waiter takes what is released now */
	ASSERT_EQ(0, sem_release(self->b, 1));
	EXPECT_EQ(1, sem_value(self->b));
	EXPECT_EQ(0, readbuf);
}

/* The same on an anonymous semaphore: it is freed with the ring. */
TEST_F(race, close_last_anon_fd_with_uring_pending_then_ring_exit)
{
	struct io_uring ring;
	__u64 readbuf = 0;
	long seen;

	self->a = sem_create(self->dev, 0, 0);
	ASSERT_LE(0, self->a);
	ASSERT_EQ(0, io_uring_queue_init(8, &ring, 0));
	ASSERT_EQ(2, submit_read_and_acquire(&ring, self->a, &readbuf));
	ASSERT_EQ(0, wait_waiters(self->a, 1, NULL));
	ASSERT_EQ(0, close(self->a));
	self->a = -1;
	EXPECT_EQ(self->nr0 + 1, nr_semaphores());
	io_uring_queue_exit(&ring);
	EXPECT_EQ(0, wait_nr_semaphores(self->nr0, &seen)) TH_LOG("%ld alive",
								  seen);
}

/* ---- unlink racing open and create ---- */

struct unlinker {
	const char *name;
	atomic_int stop;
	long cycles;
	int bad;	/* first unexpected result, as -errno or fd */
	int bad_op;
};

static void *unlinker_main(void *arg)
{
	struct unlinker *u = arg;
	int dev = dev_open();

	if (dev < 0) {
		u->bad = -errno;
		return NULL;
	}
	while (!atomic_load(&u->stop)) {
		int fd = sem_create_full(dev, SEMCTL_CREATE_EXCL, 1, 0, u->name,
					 0600);
		int r;

		if (fd >= 0)
			close(fd);
		else if (fd != -EEXIST && !u->bad_op) {
			u->bad = fd;
			u->bad_op = 1;
		}
		r = sem_unlink(dev, u->name);
		if (r && r != -ENOENT && !u->bad_op) {
			u->bad = r;
			u->bad_op = 2;
		}
		u->cycles++;
	}
	close(dev);
	return NULL;
}

TEST_F_TIMEOUT(race, unlink_racing_open, 120)
{
	struct unlinker u = { 0 };
	struct semctl_info info;
	long opened = 0, enoent = 0, other = 0;
	uint64_t end;
	pthread_t t;
	int i, first_other = 0;

	unique_name(self->name, sizeof(self->name), "unlinkrace");
	u.name = self->name;
	ASSERT_EQ(0, pthread_create(&t, NULL, unlinker_main, &u));
	end = mono_ms() + 3000;
	for (i = 0; i < 20000 && mono_ms() < end; i++) {
		int fd = sem_open_name(self->dev, self->name, 0);

		if (fd == -ENOENT) {
			enoent++;
			continue;
		}
		if (fd < 0) {
			if (!other++)
				first_other = fd;
			continue;
		}
		/* a working fd of that semaphore, linked or not */
		if (sem_query(fd, &info) || strcmp(info.name, self->name) ||
		    info.value > 1 || sem_release(fd, 1) ||
		    sem_try(fd, 1)) {
			if (!other++)
				first_other = 1;
		}
		opened++;
		close(fd);
	}
	atomic_store(&u.stop, 1);
	pthread_join(t, NULL);
	ksft_print_msg("%d opens: %ld fds, %ld ENOENT; %ld create/unlink cycles\n",
		       i, opened, enoent, u.cycles);
	EXPECT_EQ(0, other) TH_LOG("first: %d (%s)", first_other,
				   first_other < 0 ? strerror(-first_other) :
				   "fd did not work");
	EXPECT_EQ(0, u.bad_op) TH_LOG("%s: %s", u.bad_op == 1 ? "create" :
				      "unlink", strerror(-u.bad));
	EXPECT_LT(0, u.cycles);
	sem_unlink(self->dev, self->name);
	self->name[0] = 0;
}

/* ---- release racing a timeout expiry ---- */

struct racer {
	int fd;
	atomic_int go;		/* iteration to run */
	atomic_int started;	/* iteration whose acquire is being called */
	atomic_ullong t0;	/* CLOCK_MONOTONIC ns just before the call */
	atomic_int done;	/* iteration finished */
	atomic_int stop;
	__u64 timeout_ns;
	int ret;
};

static void *racer_main(void *arg)
{
	struct racer *r = arg;
	int iter = 0;

	for (;;) {
		uint64_t end = mono_ms() + WAIT_MS;

		while (atomic_load(&r->go) == iter) {
			if (atomic_load(&r->stop) || mono_ms() > end)
				return NULL;
			sched_yield();
		}
		iter = atomic_load(&r->go);
		atomic_store(&r->t0, now_ns(CLOCK_MONOTONIC));
		atomic_store(&r->started, iter);
		r->ret = sem_acquire_full(r->fd, 1, SEMCTL_ACQUIRE_UNDO |
					  SEMCTL_ACQUIRE_TIMEOUT, r->timeout_ns);
		atomic_store(&r->done, iter);
	}
}

static void spin_ns(uint64_t ns)
{
	uint64_t end = now_ns(CLOCK_MONOTONIC) + ns;

	while (now_ns(CLOCK_MONOTONIC) < end)
		;
}

/*
 * Each round: value 0, a timed acquire with undo, and a release aimed at
 * the moment of the timeout. Either the acquire got the unit (value 0,
 * undo 1) or it timed out (value 1): the unit is never lost nor doubled.
 */
TEST_F_TIMEOUT(race, release_racing_timeout_ioctl, 120)
{
	struct racer r = { 0 };
	long won = 0, timedout = 0, bad = 0;
	uint64_t end = mono_ms() + 5000;
	uint32_t rnd = (uint32_t)getpid() | 1;
	pthread_t t;
	int i;

	self->a = sem_create(self->dev, 0, 0);
	ASSERT_LE(0, self->a);
	r.fd = self->a;
	r.timeout_ns = 1000000;	/* 1 ms */
	ASSERT_EQ(0, pthread_create(&t, NULL, racer_main, &r));
	for (i = 1; i <= 3000 && mono_ms() < end; i++) {
		uint64_t aim;
		int64_t v;

		rnd ^= rnd << 13;
		rnd ^= rnd >> 17;
		rnd ^= rnd << 5;
		atomic_store(&r.go, i);
		{
			uint64_t bound = mono_ms() + WAIT_MS;

			/* spin, not sleep: the aim is a few hundred us */
			while (atomic_load(&r.started) < i &&
			       mono_ms() < bound)
				;
			ASSERT_EQ(i, atomic_load(&r.started));
		}
		/* release within +-500 us of the expiry */
		aim = atomic_load(&r.t0) + r.timeout_ns + rnd % 1000000 -
		      500000;
		while (now_ns(CLOCK_MONOTONIC) < aim)
			;
		if (rnd & 0x100000) {
			ASSERT_EQ(0, sem_release(self->a, 1));
		} else {
			__u64 one = 1;

			ASSERT_EQ(8, write(self->a, &one, sizeof(one)));
		}
		ASSERT_EQ(0, wait_atomic_ge(&r.done, i));
		v = sem_value(self->a);
		if (r.ret == 0) {
			won++;
			/* got it: nothing left; the undo pays it back */
			if (v != 0 || sem_undo(self->a) != 1)
				bad++;
			ASSERT_EQ(0, sem_release(self->a, 1));
			ASSERT_EQ(0, sem_try(self->a, 1));
		} else if (r.ret == -ETIMEDOUT) {
			timedout++;
			if (v != 1 || sem_undo(self->a) != 0)
				bad++;
			ASSERT_EQ(0, sem_try(self->a, 1));
		} else {
			bad++;
			TH_LOG("acquire returned %d", r.ret);
			break;
		}
		ASSERT_EQ(0, sem_value(self->a));
		ASSERT_EQ(0, sem_waiters(self->a));
	}
	atomic_store(&r.stop, 1);
	pthread_join(t, NULL);
	ksft_print_msg("%d rounds: acquire won %ld, timeout won %ld\n", i - 1,
		       won, timedout);
	EXPECT_EQ(0, bad);
	EXPECT_LT(0, won + timedout);
}

/* The same race for a URING_CMD acquire: grant vs its timer. */
TEST_F_TIMEOUT(race, release_racing_timeout_uring_cmd, 120)
{
	struct io_uring ring;
	long won = 0, timedout = 0, bad = 0;
	uint64_t end = mono_ms() + 5000;
	uint32_t rnd = (uint32_t)getpid() | 1;
	struct io_uring_sqe *sqe;
	int i, res;
	__u64 ud;

	self->a = sem_create(self->dev, 0, 0);
	ASSERT_LE(0, self->a);
	ASSERT_EQ(0, io_uring_queue_init(8, &ring, 0));
	for (i = 1; i <= 2000 && mono_ms() < end; i++) {
		int64_t v;

		rnd ^= rnd << 13;
		rnd ^= rnd >> 17;
		rnd ^= rnd << 5;
		sqe = io_uring_get_sqe(&ring);
		ASSERT_NE(NULL, sqe);
		prep_acquire(sqe, self->a, 1,
			     SEMCTL_ACQUIRE_UNDO | SEMCTL_ACQUIRE_TIMEOUT,
			     200000, i);
		ASSERT_EQ(1, io_uring_submit(&ring));
		spin_ns(rnd % 400000);
		ASSERT_EQ(0, sem_release(self->a, 1));
		ASSERT_EQ(0, reap(&ring, CQE_WAIT_MS, &ud, &res));
		ASSERT_EQ((__u64)i, ud);
		v = sem_value(self->a);
		if (res == 0) {
			won++;
			if (v != 0 || sem_undo(self->a) != 1)
				bad++;
			ASSERT_EQ(0, sem_release(self->a, 1));
			ASSERT_EQ(0, sem_try(self->a, 1));
		} else if (res == -ETIMEDOUT) {
			timedout++;
			if (v != 1 || sem_undo(self->a) != 0)
				bad++;
			ASSERT_EQ(0, sem_try(self->a, 1));
		} else {
			bad++;
			TH_LOG("completion %d", res);
			break;
		}
		ASSERT_EQ(0, sem_value(self->a));
		ASSERT_EQ(0, wait_waiters(self->a, 0, NULL));
	}
	io_uring_queue_exit(&ring);
	ksft_print_msg("%d rounds: acquire won %ld, timeout won %ld\n", i - 1,
		       won, timedout);
	EXPECT_EQ(0, bad);
	EXPECT_LT(0, won + timedout);
}

/* ---- rmmod racing the last close ---- */

#define MODNAME "semctl"

struct unloader {
	atomic_int go;
	atomic_int unloaded;
	atomic_int stop;
	long tries;
	int bad;
};

static void *unloader_main(void *arg)
{
	struct unloader *u = arg;
	uint64_t end;

	while (!atomic_load(&u->go))
		if (atomic_load(&u->stop))
			return NULL;
	end = mono_ms() + WAIT_MS;
	while (mono_ms() < end && !atomic_load(&u->stop)) {
		u->tries++;
		if (syscall(SYS_delete_module, MODNAME, O_NONBLOCK) == 0) {
			atomic_store(&u->unloaded, 1);
			return NULL;
		}
		if (errno != EWOULDBLOCK && errno != EBUSY && errno != EAGAIN) {
			u->bad = errno;
			return NULL;
		}
	}
	return NULL;
}

static int load_module(const char *ko)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = (int)syscall(SYS_finit_module, fd, "", 0);
	ret = ret ? -errno : 0;
	close(fd);
	return ret;
}

static int wait_dev_node(void)
{
	uint64_t end = mono_ms() + WAIT_MS;
	int fd;

	for (;;) {
		fd = dev_open();
		if (fd >= 0) {
			close(fd);
			return 0;
		}
		if (mono_ms() > end)
			return -ETIMEDOUT;
		sleep_ms(2);
	}
}

/*
 * A thread spins on delete_module(O_NONBLOCK) while this one closes the
 * last fds (one with an io_uring acquire pending on it, one holding a
 * unit with undo). The unload must wait for the last close and then
 * succeed; the module is loaded back from $SEMCTL_KO.
 */
TEST(rmmod_racing_last_close)
{
	const char *ko = getenv("SEMCTL_KO");
	const char *on = getenv("SEMCTL_RACE_RMMOD");
	int round;

	if (!on || strcmp(on, "1"))
		SKIP(return, "unloads the module: set SEMCTL_RACE_RMMOD=1");
	if (!ko || !*ko)
		SKIP(return, "set SEMCTL_KO to the .ko to load it back");

	for (round = 0; round < 20; round++) {
		struct unloader u = { 0 };
		struct io_uring ring;
		struct io_uring_sqe *sqe;
		int dev, fd, fd2, r;
		pthread_t t;

		dev = dev_open();
		ASSERT_LE(0, dev) TH_LOG("round %d: open: %s", round,
					 strerror(errno));
		fd = sem_create(dev, 1, 0);
		ASSERT_LE(0, fd);
		fd2 = sem_create(dev, 0, 0);
		ASSERT_LE(0, fd2);
		ASSERT_EQ(0, sem_acquire_full(fd, 1, SEMCTL_ACQUIRE_UNDO, 0));
		ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));
		sqe = io_uring_get_sqe(&ring);
		ASSERT_NE(NULL, sqe);
		prep_acquire(sqe, fd2, 1, SEMCTL_ACQUIRE_UNDO, 0, 1);
		ASSERT_EQ(1, io_uring_submit(&ring));
		ASSERT_EQ(0, wait_waiters(fd2, 1, NULL));

		ASSERT_EQ(0, pthread_create(&t, NULL, unloader_main, &u));
		atomic_store(&u.go, 1);
		close(dev);
		if (round & 1) {
			close(fd2);
			io_uring_queue_exit(&ring);	/* drops fd2's file */
			close(fd);
		} else {
			close(fd);
			close(fd2);
			io_uring_queue_exit(&ring);
		}
		pthread_join(t, NULL);
		EXPECT_EQ(0, u.bad) TH_LOG("delete_module: %s",
					   strerror(u.bad));
		ASSERT_EQ(1, atomic_load(&u.unloaded)) {
			TH_LOG("round %d: no unload after %ld tries", round,
			       u.tries);
		}
		r = load_module(ko);
		ASSERT_EQ(0, r) TH_LOG("finit_module(%s): %s", ko,
				       strerror(-r));
		ASSERT_EQ(0, wait_dev_node());
	}
}

TEST_HARNESS_MAIN
