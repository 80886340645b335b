// SPDX-License-Identifier: GPL-2.0
/*
 * poll / epoll / select on a semaphore fd: EPOLLIN when acquiring one
 * unit would succeed now (value >= 1 and nobody queued), EPOLLOUT when
 * releasing one would not overflow; wake-ups on change.
 */
#include "semctl_test.h"
#include <sys/epoll.h>
#include <sys/select.h>

SEMCTL_FIXTURE(pl)

static struct waiter w[2];

static int setup_sem(FIXTURE_DATA(pl) *self, __u64 value, __u64 max)
{
	self->fd = sem_create(self->dev, value, max);
	return self->fd;
}

static short poll_now(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };

	if (poll(&p, 1, 0) < 0)
		return -1;
	return p.revents;
}

TEST_F(pl, poll_in_and_out_when_available)
{
	ASSERT_LE(0, setup_sem(self, 1, 5));
	EXPECT_EQ(POLLIN | POLLOUT, poll_now(self->fd));
}

TEST_F(pl, poll_no_in_at_zero)
{
	ASSERT_LE(0, setup_sem(self, 0, 5));
	EXPECT_EQ(POLLOUT, poll_now(self->fd));
}

TEST_F(pl, poll_no_out_at_max)
{
	ASSERT_LE(0, setup_sem(self, 5, 5));
	EXPECT_EQ(POLLIN, poll_now(self->fd));
}

TEST_F(pl, poll_max_one)
{
	ASSERT_LE(0, setup_sem(self, 0, 1));
	EXPECT_EQ(POLLOUT, poll_now(self->fd));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	EXPECT_EQ(POLLIN, poll_now(self->fd));
}

TEST_F_TIMEOUT(pl, poll_no_in_while_waiter_queued, 60)
{
	ASSERT_LE(0, setup_sem(self, 1, 5));
	ASSERT_EQ(0, waiter_start_acq(&w[0], self->fd, 2, NULL));
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	/* value 1, but a read would queue behind the waiter */
	EXPECT_EQ(POLLOUT, poll_now(self->fd));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	ASSERT_EQ(0, waiter_wait(&w[0]));
	EXPECT_EQ(POLLOUT, poll_now(self->fd));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	EXPECT_EQ(POLLIN | POLLOUT, poll_now(self->fd));
	waiter_reap(&w[0]);
}

struct poller {
	pthread_t thread;
	int fd;
	short events;
	short revents;
	int ret;
	atomic_int tid;
	atomic_int done;
	int use_epoll;
	int epfd;
};

static struct poller pr;

static void *poller_fn(void *arg)
{
	struct poller *p = arg;

	atomic_store(&p->tid, gettid_());
	if (p->use_epoll) {
		struct epoll_event ev;

		p->ret = epoll_wait(p->epfd, &ev, 1, 3 * WAIT_MS);
		p->revents = p->ret > 0 ? (short)ev.events : 0;
	} else {
		struct pollfd pf = { .fd = p->fd, .events = p->events };

		p->ret = poll(&pf, 1, 3 * WAIT_MS);
		p->revents = pf.revents;
	}
	atomic_store(&p->done, 1);
	return NULL;
}

static int poller_start(struct poller *p, int fd, short events, int epfd)
{
	memset(p, 0, sizeof(*p));
	p->fd = fd;
	p->events = events;
	p->epfd = epfd;
	p->use_epoll = epfd >= 0;
	if (pthread_create(&p->thread, NULL, poller_fn, p))
		return -1;
	while (!atomic_load(&p->tid))
		sleep_ms(1);
	/* the poller is asleep in poll/epoll_wait */
	return wait_task_sleeping(atomic_load(&p->tid));
}

TEST_F_TIMEOUT(pl, poll_wakes_on_release, 60)
{
	ASSERT_LE(0, setup_sem(self, 0, 5));
	ASSERT_EQ(0, poller_start(&pr, self->fd, POLLIN, -1));
	EXPECT_FALSE(atomic_load(&pr.done));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	ASSERT_EQ(0, wait_atomic_ge(&pr.done, 1));
	EXPECT_EQ(1, pr.ret);
	EXPECT_TRUE(pr.revents & POLLIN);
	pthread_join(pr.thread, NULL);
}

TEST_F_TIMEOUT(pl, poll_out_wakes_on_acquire, 60)
{
	ASSERT_LE(0, setup_sem(self, 3, 3));
	ASSERT_EQ(0, poller_start(&pr, self->fd, POLLOUT, -1));
	EXPECT_FALSE(atomic_load(&pr.done));
	ASSERT_EQ(0, sem_acquire(self->fd, 1));
	ASSERT_EQ(0, wait_atomic_ge(&pr.done, 1));
	EXPECT_EQ(1, pr.ret);
	EXPECT_TRUE(pr.revents & POLLOUT);
	pthread_join(pr.thread, NULL);
}

TEST_F_TIMEOUT(pl, poll_in_when_last_waiter_times_out, 60)
{
	/* waiter gives up: the free unit becomes acquirable -> POLLIN */
	ASSERT_LE(0, setup_sem(self, 1, 5));
	ASSERT_EQ(0, waiter_start(&w[0], self->fd, OP_ACQUIRE, 2,
				  SEMCTL_ACQUIRE_TIMEOUT,
				  500 * NSEC_PER_MSEC, NULL));
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	ASSERT_EQ(0, poller_start(&pr, self->fd, POLLIN, -1));
	ASSERT_EQ(0, waiter_wait(&w[0]));
	EXPECT_EQ(-ETIMEDOUT, w[0].ret);
	ASSERT_EQ(0, wait_atomic_ge(&pr.done, 1));
	EXPECT_EQ(1, pr.ret);
	EXPECT_TRUE(pr.revents & POLLIN);
	pthread_join(pr.thread, NULL);
	waiter_reap(&w[0]);
}

TEST_F(pl, epoll_level_triggered)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT }, out[2];
	int ep;

	ASSERT_LE(0, setup_sem(self, 0, 2));
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ev.data.fd = self->fd;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->fd, &ev));
	ASSERT_EQ(1, epoll_wait(ep, out, 2, 0));
	EXPECT_EQ(EPOLLOUT, out[0].events);
	ASSERT_EQ(0, sem_release(self->fd, 2));
	ASSERT_EQ(1, epoll_wait(ep, out, 2, 0));
	EXPECT_EQ(EPOLLIN, out[0].events);
	ASSERT_EQ(0, sem_acquire(self->fd, 1));
	ASSERT_EQ(1, epoll_wait(ep, out, 2, 0));
	EXPECT_EQ(EPOLLIN | EPOLLOUT, out[0].events);
	/* level triggered: reported again */
	ASSERT_EQ(1, epoll_wait(ep, out, 2, 0));
	close(ep);
}

TEST_F(pl, epoll_edge_triggered)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET }, out[2];
	int ep;

	ASSERT_LE(0, setup_sem(self, 0, 5));
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->fd, &ev));
	EXPECT_EQ(0, epoll_wait(ep, out, 2, 0));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	ASSERT_EQ(1, epoll_wait(ep, out, 2, 0));
	EXPECT_TRUE(out[0].events & EPOLLIN);
	/* edge: not again until the next change */
	EXPECT_EQ(0, epoll_wait(ep, out, 2, 0));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	EXPECT_EQ(1, epoll_wait(ep, out, 2, 0));
	close(ep);
}

TEST_F_TIMEOUT(pl, epoll_wakes_on_release, 60)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep;

	ASSERT_LE(0, setup_sem(self, 0, 5));
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->fd, &ev));
	ASSERT_EQ(0, poller_start(&pr, self->fd, 0, ep));
	EXPECT_FALSE(atomic_load(&pr.done));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	ASSERT_EQ(0, wait_atomic_ge(&pr.done, 1));
	EXPECT_EQ(1, pr.ret);
	EXPECT_TRUE(pr.revents & EPOLLIN);
	pthread_join(pr.thread, NULL);
	close(ep);
}

TEST_F(pl, select_readable_writable)
{
	struct timeval tv = { 0, 0 };
	fd_set r, wr;

	ASSERT_LE(0, setup_sem(self, 0, 1));
	FD_ZERO(&r);
	FD_ZERO(&wr);
	FD_SET(self->fd, &r);
	FD_SET(self->fd, &wr);
	ASSERT_EQ(1, select(self->fd + 1, &r, &wr, NULL, &tv));
	EXPECT_FALSE(FD_ISSET(self->fd, &r));
	EXPECT_TRUE(FD_ISSET(self->fd, &wr));
	ASSERT_EQ(0, sem_release(self->fd, 1));
	FD_ZERO(&r);
	FD_ZERO(&wr);
	FD_SET(self->fd, &r);
	FD_SET(self->fd, &wr);
	tv.tv_sec = 0;
	tv.tv_usec = 0;
	ASSERT_EQ(1, select(self->fd + 1, &r, &wr, NULL, &tv));
	EXPECT_TRUE(FD_ISSET(self->fd, &r));
	EXPECT_FALSE(FD_ISSET(self->fd, &wr));
}

TEST_F_TIMEOUT(pl, select_blocks_until_release, 60)
{
	struct timeval tv = { 10, 0 };
	fd_set r;
	int fd2;
	pid_t pid;

	ASSERT_LE(0, setup_sem(self, 0, 1));
	fd2 = dup(self->fd);
	ASSERT_LE(0, fd2);
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* releases once the parent is queued in select */
		uint64_t end = mono_ms() + WAIT_MS;

		while (task_state(getppid()) != 'S' && mono_ms() < end)
			sleep_ms(1);
		_exit(sem_release(fd2, 1) ? 1 : 0);
	}
	FD_ZERO(&r);
	FD_SET(self->fd, &r);
	EXPECT_EQ(1, select(self->fd + 1, &r, NULL, NULL, &tv));
	EXPECT_TRUE(FD_ISSET(self->fd, &r));
	EXPECT_EQ(0, child_exit_code(wait_child(pid, WAIT_MS)));
	close(fd2);
}

TEST_F(pl, read_only_fd_polls_in)
{
	int fd2;

	unique_name(self->name, sizeof(self->name), "pollro");
	self->fd = sem_create_full(self->dev, SEMCTL_CREATE_EXCL, 1, 5,
				   self->name, 0600);
	ASSERT_LE(0, self->fd);
	fd2 = sem_open_name(self->dev, self->name, SEMCTL_OPEN_READ);
	ASSERT_LE(0, fd2);
	EXPECT_TRUE(poll_now(fd2) & POLLIN);
	close(fd2);
}

SEMCTL_HARNESS_MAIN
