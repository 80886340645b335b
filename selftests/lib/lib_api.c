// SPDX-License-Identifier: GPL-2.0
/*
 * libsemctl: every function, its -errno results, errno preservation,
 * timeouts, undo, rights, listing and thread safety.
 */
#include <sched.h>
#include <sys/mount.h>
#include <sys/time.h>

#include "lib_test.h"

#define ERRNO_SENTINEL	4242

TEST(create_anonymous)
{
	struct semctl_info in;
	int fd;

	fd = semctl_sem_create(NULL, 2, 5, 0600, 0);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, semctl_sem_query(fd, &in));
	EXPECT_EQ(2, in.value);
	EXPECT_EQ(5, in.max);
	EXPECT_EQ(0, in.waiters);
	EXPECT_EQ(0, in.flags & SEMCTL_INFO_NAMED);
	EXPECT_EQ(SEMCTL_INFO_READ | SEMCTL_INFO_WRITE,
		  in.flags & (SEMCTL_INFO_READ | SEMCTL_INFO_WRITE));
	EXPECT_STREQ("", in.name);
	/* close-on-exec by default */
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);

	/* max 0 means SEMCTL_VALUE_MAX */
	fd = semctl_sem_create(NULL, 0, 0, 0600, SEMCTL_FD_NOCLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, semctl_sem_query(fd, &in));
	EXPECT_EQ(SEMCTL_VALUE_MAX, in.max);
	EXPECT_EQ(0, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
}

/*
 * With 0, 1 and 2 closed, a semaphore fd must not take their place: the
 * program's own output would be write(2) releases.
 */
TEST(semaphore_fds_never_take_stdio_numbers)
{
	char name[64];
	pid_t pid;
	int status;

	uniq_name(name, sizeof(name), "stdio");
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int named, opened, anon, flags;

		close(0);
		close(1);
		close(2);
		named = semctl_sem_create(name, 1, 9, 0600, SEMCTL_CREATE_EXCL);
		if (named < 3)
			_exit(10);
		opened = semctl_sem_open(name, SEMCTL_FD_NOCLOEXEC);
		if (opened < 3)
			_exit(11);
		anon = semctl_sem_create(NULL, 1, 9, 0600, 0);
		if (anon < 3)
			_exit(12);
		/* close-on-exec as asked: default on, NOCLOEXEC off */
		flags = fcntl(named, F_GETFD);
		if (flags < 0 || !(flags & FD_CLOEXEC))
			_exit(13);
		flags = fcntl(opened, F_GETFD);
		if (flags < 0 || (flags & FD_CLOEXEC))
			_exit(14);
		if (fcntl(0, F_GETFD) >= 0 || fcntl(1, F_GETFD) >= 0 ||
		    fcntl(2, F_GETFD) >= 0)
			_exit(15);
		semctl_sem_unlink(name);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	semctl_sem_unlink(name);
}

TEST(create_open_unlink)
{
	struct semctl_info in;
	char name[64];
	int fd, fd2, fd3;

	uniq_name(name, sizeof(name), "cou");
	fd = semctl_sem_create(name, 1, 3, 0640, SEMCTL_CREATE_EXCL);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, semctl_sem_query(fd, &in));
	EXPECT_STREQ(name, in.name);
	EXPECT_EQ(0640, in.mode);
	EXPECT_EQ(geteuid(), in.uid);
	EXPECT_EQ(SEMCTL_INFO_NAMED, in.flags & SEMCTL_INFO_NAMED);

	EXPECT_EQ(-EEXIST, semctl_sem_create(name, 1, 3, 0640,
					     SEMCTL_CREATE_EXCL));
	/* without EXCL an existing name is opened, value/max unchanged */
	fd2 = semctl_sem_create(name, 3, 3, 0600, 0);
	ASSERT_GE(fd2, 0);
	ASSERT_EQ(0, semctl_sem_query(fd2, &in));
	EXPECT_EQ(1, in.value);
	EXPECT_EQ(3, in.max);

	fd3 = semctl_sem_open(name, SEMCTL_OPEN_READ);
	ASSERT_GE(fd3, 0);
	ASSERT_EQ(0, semctl_sem_query(fd3, &in));
	EXPECT_EQ(SEMCTL_INFO_READ,
		  in.flags & (SEMCTL_INFO_READ | SEMCTL_INFO_WRITE));
	close(fd3);

	EXPECT_EQ(0, semctl_sem_unlink(name));
	EXPECT_EQ(-ENOENT, semctl_sem_unlink(name));
	EXPECT_EQ(-ENOENT, semctl_sem_open(name, 0));
	/* the old fds still work */
	ASSERT_EQ(0, semctl_sem_query(fd, &in));
	EXPECT_EQ(SEMCTL_INFO_UNLINKED, in.flags & SEMCTL_INFO_UNLINKED);
	EXPECT_EQ(0, semctl_sem_acquire(fd2, 1, 0));
	close(fd);
	close(fd2);
}

TEST(errors_are_negative_errno_and_errno_is_kept)
{
	char longname[SEMCTL_NAME_MAX + 2];
	char name[64];
	int fd;

	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	uniq_name(name, sizeof(name), "err");

	errno = ERRNO_SENTINEL;
	EXPECT_EQ(-EINVAL, semctl_sem_create(NULL, 3, 2, 0600, 0));
	EXPECT_EQ(-EINVAL, semctl_sem_create("", 1, 1, 0600, 0));
	EXPECT_EQ(-EINVAL, semctl_sem_create("a/b", 1, 1, 0600, 0));
	EXPECT_EQ(-EINVAL, semctl_sem_create(name, 1, 1, 01000, 0));
	EXPECT_EQ(-EINVAL, semctl_sem_create(NULL, 1, 1, 0600,
					     SEMCTL_CREATE_EXCL));
	EXPECT_EQ(-EINVAL, semctl_sem_create(name, 1, 1, 0600, 0x80000000U));
	EXPECT_EQ(-EINVAL, semctl_sem_create(NULL, 0, SEMCTL_VALUE_MAX + 1,
					     0600, 0));
	EXPECT_EQ(-ENAMETOOLONG, semctl_sem_create(longname, 1, 1, 0600, 0));
	EXPECT_EQ(-EINVAL, semctl_sem_open(NULL, 0));
	EXPECT_EQ(-EINVAL, semctl_sem_unlink(NULL));
	EXPECT_EQ(-ENOENT, semctl_sem_open(name, 0));
	EXPECT_EQ(-ENOENT, semctl_sem_unlink(name));
	EXPECT_EQ(-EBADF, semctl_sem_acquire(-1, 1, 0));
	EXPECT_EQ(-EBADF, semctl_sem_release(-1, 1, NULL));
	EXPECT_EQ(-EINVAL, semctl_sem_query(0, NULL));
	EXPECT_EQ(ERRNO_SENTINEL, errno);

	/* a semaphore ioctl on something else */
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	errno = ERRNO_SENTINEL;
	EXPECT_EQ(-ENOTTY, semctl_sem_acquire(fd, 1, 0));
	EXPECT_EQ(-ENOTTY, semctl_sem_try_acquire(fd, 1, 0));
	EXPECT_EQ(-ENOTTY, semctl_sem_release(fd, 1, NULL));
	{
		struct semctl_info in;

		EXPECT_EQ(-ENOTTY, semctl_sem_query(fd, &in));
	}
	EXPECT_EQ(ERRNO_SENTINEL, errno);
	close(fd);
}

TEST(acquire_release)
{
	uint64_t prev = 77;
	int fd;

	fd = semctl_sem_create(NULL, 3, 3, 0600, 0);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(0, semctl_sem_acquire(fd, 2, 0));
	EXPECT_EQ(1, query_field(fd, Q_VALUE));
	EXPECT_EQ(-EAGAIN, semctl_sem_try_acquire(fd, 2, 0));
	EXPECT_EQ(0, semctl_sem_try_acquire(fd, 1, 0));
	EXPECT_EQ(0, query_field(fd, Q_VALUE));
	EXPECT_EQ(0, semctl_sem_release(fd, 2, &prev));
	EXPECT_EQ(0, prev);
	EXPECT_EQ(0, semctl_sem_release(fd, 1, NULL));
	prev = 77;
	EXPECT_EQ(-EOVERFLOW, semctl_sem_release(fd, 1, &prev));
	EXPECT_EQ(77, prev);		/* untouched on failure */
	EXPECT_EQ(3, query_field(fd, Q_VALUE));

	EXPECT_EQ(-EINVAL, semctl_sem_acquire(fd, 0, 0));
	EXPECT_EQ(-EINVAL, semctl_sem_acquire(fd, 4, 0));	/* above max */
	EXPECT_EQ(-EINVAL, semctl_sem_acquire(fd, 1, 0x80000000U));
	EXPECT_EQ(-EINVAL, semctl_sem_release(fd, 0, NULL));
	/* timeout flags without a timespec */
	EXPECT_EQ(-EINVAL, semctl_sem_acquire(fd, 1, SEMCTL_ACQUIRE_ABSTIME));
	EXPECT_EQ(-EINVAL, semctl_sem_acquire_timeout(fd, 1,
						      SEMCTL_ACQUIRE_ABSTIME,
						      NULL));
	/* NULL timespec: plain acquire */
	EXPECT_EQ(0, semctl_sem_acquire_timeout(fd, 3, 0, NULL));
	EXPECT_EQ(0, query_field(fd, Q_VALUE));
	close(fd);
}

TEST(timeout_relative)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = 50 * NSEC_PER_MSEC };
	uint64_t t0, dt;
	int fd;

	fd = semctl_sem_create(NULL, 0, 1, 0600, 0);
	ASSERT_GE(fd, 0);
	t0 = now_ns(CLOCK_MONOTONIC);
	EXPECT_EQ(-ETIMEDOUT, semctl_sem_acquire_timeout(fd, 1, 0, &ts));
	dt = now_ns(CLOCK_MONOTONIC) - t0;
	EXPECT_GE(dt, 50 * NSEC_PER_MSEC);
	EXPECT_EQ(0, query_field(fd, Q_WAITERS));

	/* zero timeout: takes if free, times out otherwise */
	ts.tv_nsec = 0;
	EXPECT_EQ(-ETIMEDOUT, semctl_sem_acquire_timeout(fd, 1, 0, &ts));
	ASSERT_EQ(0, semctl_sem_release(fd, 1, NULL));
	EXPECT_EQ(0, semctl_sem_acquire_timeout(fd, 1, 0, &ts));

	/* invalid timespecs never reach the kernel */
	ts.tv_nsec = NSEC_PER_SEC;
	EXPECT_EQ(-EINVAL, semctl_sem_acquire_timeout(fd, 1, 0, &ts));
	ts.tv_nsec = -1;
	EXPECT_EQ(-EINVAL, semctl_sem_acquire_timeout(fd, 1, 0, &ts));
	ts.tv_nsec = 0;
	ts.tv_sec = -1;
	EXPECT_EQ(-EINVAL, semctl_sem_acquire_timeout(fd, 1, 0, &ts));
	/* try and timeout do not mix */
	ts.tv_sec = 1;
	EXPECT_EQ(-EINVAL, semctl_sem_acquire_timeout(fd, 1, SEMCTL_ACQUIRE_TRY,
						      &ts));
	/* a huge timeout saturates instead of wrapping: still waits */
	ASSERT_EQ(0, semctl_sem_release(fd, 1, NULL));
	ts.tv_sec = (time_t)INT64_MAX;
	EXPECT_EQ(0, semctl_sem_acquire_timeout(fd, 1, 0, &ts));
	close(fd);
}

TEST(timeout_absolute)
{
	struct timespec ts;
	uint64_t t0, dt;
	int fd;

	fd = semctl_sem_create(NULL, 0, 1, 0600, 0);
	ASSERT_GE(fd, 0);

	clock_gettime(CLOCK_MONOTONIC, &ts);
	t0 = now_ns(CLOCK_MONOTONIC);
	ts.tv_nsec += 50 * NSEC_PER_MSEC;
	if (ts.tv_nsec >= (long)NSEC_PER_SEC) {
		ts.tv_sec++;
		ts.tv_nsec -= NSEC_PER_SEC;
	}
	EXPECT_EQ(-ETIMEDOUT, semctl_sem_acquire_timeout(fd, 1,
							 SEMCTL_ACQUIRE_ABSTIME,
							 &ts));
	dt = now_ns(CLOCK_MONOTONIC) - t0;
	EXPECT_GE(dt, 40 * NSEC_PER_MSEC);

	clock_gettime(CLOCK_REALTIME, &ts);
	t0 = now_ns(CLOCK_MONOTONIC);
	ts.tv_nsec += 50 * NSEC_PER_MSEC;
	if (ts.tv_nsec >= (long)NSEC_PER_SEC) {
		ts.tv_sec++;
		ts.tv_nsec -= NSEC_PER_SEC;
	}
	EXPECT_EQ(-ETIMEDOUT,
		  semctl_sem_acquire_timeout(fd, 1, SEMCTL_ACQUIRE_ABSTIME |
					     SEMCTL_ACQUIRE_REALTIME, &ts));
	dt = now_ns(CLOCK_MONOTONIC) - t0;
	EXPECT_GE(dt, 40 * NSEC_PER_MSEC);

	/* a past deadline with a unit free succeeds */
	ASSERT_EQ(0, semctl_sem_release(fd, 1, NULL));
	ts.tv_sec = 1;
	ts.tv_nsec = 0;
	EXPECT_EQ(0, semctl_sem_acquire_timeout(fd, 1, SEMCTL_ACQUIRE_ABSTIME,
						&ts));
	/* REALTIME without ABSTIME */
	EXPECT_EQ(-EINVAL, semctl_sem_acquire_timeout(fd, 1,
						      SEMCTL_ACQUIRE_REALTIME,
						      &ts));
	close(fd);
}

TEST(undo_on_close)
{
	struct semctl_info in;
	int fd, fd2;

	fd = semctl_sem_create(NULL, 3, 3, 0600, 0);
	ASSERT_GE(fd, 0);
	fd2 = dup(fd);
	ASSERT_GE(fd2, 0);
	EXPECT_EQ(0, semctl_sem_acquire(fd, 2, SEMCTL_ACQUIRE_UNDO));
	ASSERT_EQ(0, semctl_sem_query(fd, &in));
	EXPECT_EQ(1, in.value);
	EXPECT_EQ(2, in.undo);
	EXPECT_EQ(2, in.undo_total);
	/* a release pays the undo back first */
	EXPECT_EQ(0, semctl_sem_release(fd, 1, NULL));
	EXPECT_EQ(1, query_field(fd, Q_UNDO));
	/* dup shares the open file: closing one copy keeps the units */
	close(fd2);
	EXPECT_EQ(2, query_field(fd, Q_VALUE));
	close(fd);
}

TEST(undo_across_open_files)
{
	char name[64];
	int fd, holder;

	uniq_name(name, sizeof(name), "undo");
	fd = semctl_sem_create(name, 2, 2, 0600, SEMCTL_CREATE_EXCL);
	ASSERT_GE(fd, 0);
	holder = semctl_sem_open(name, 0);
	ASSERT_GE(holder, 0);
	EXPECT_EQ(0, semctl_sem_try_acquire(holder, 2, SEMCTL_ACQUIRE_UNDO));
	EXPECT_EQ(0, query_field(fd, Q_VALUE));
	EXPECT_EQ(0, query_field(fd, Q_UNDO));
	EXPECT_EQ(2, query_field(fd, Q_UNDO_TOTAL));
	close(holder);
	EXPECT_EQ(2, query_field(fd, Q_VALUE));
	EXPECT_EQ(0, query_field(fd, Q_UNDO_TOTAL));
	EXPECT_EQ(0, semctl_sem_unlink(name));
	close(fd);
}

TEST(rights)
{
	char name[64];
	int fd, ro, wo;

	uniq_name(name, sizeof(name), "rights");
	fd = semctl_sem_create(name, 1, 1, 0600, SEMCTL_CREATE_EXCL);
	ASSERT_GE(fd, 0);
	ro = semctl_sem_open(name, SEMCTL_OPEN_READ);
	wo = semctl_sem_open(name, SEMCTL_OPEN_WRITE);
	ASSERT_GE(ro, 0);
	ASSERT_GE(wo, 0);
	EXPECT_EQ(-EBADF, semctl_sem_acquire(ro, 1, 0));
	EXPECT_EQ(-EBADF, semctl_sem_release(ro, 1, NULL));
	EXPECT_EQ(1, query_field(ro, Q_VALUE));
	EXPECT_EQ(-EBADF, query_field(wo, Q_VALUE));
	EXPECT_EQ(0, semctl_sem_acquire(wo, 1, 0));
	EXPECT_EQ(0, semctl_sem_release(wo, 1, NULL));
	EXPECT_EQ(0, semctl_sem_unlink(name));
	close(ro);
	close(wo);
	close(fd);
}

struct waiter_arg {
	int fd;
	uint64_t count;
	int ret;
};

static void *waiter_fn(void *p)
{
	struct waiter_arg *a = p;

	a->ret = semctl_sem_acquire(a->fd, a->count, 0);
	return NULL;
}

TEST(blocking_acquire_woken_by_release)
{
	struct waiter_arg a = { .count = 2, .ret = 1 };
	uint64_t prev;
	pthread_t t;

	a.fd = semctl_sem_create(NULL, 0, 4, 0600, 0);
	ASSERT_GE(a.fd, 0);
	ASSERT_EQ(0, pthread_create(&t, NULL, waiter_fn, &a));
	ASSERT_TRUE(wait_field(a.fd, Q_WAITERS, 1));
	EXPECT_EQ(0, semctl_sem_release(a.fd, 1, &prev));
	EXPECT_EQ(1, query_field(a.fd, Q_WAITERS));	/* 1 < 2: still waits */
	EXPECT_EQ(0, semctl_sem_release(a.fd, 1, &prev));
	EXPECT_EQ(1, prev);
	pthread_join(t, NULL);
	EXPECT_EQ(0, a.ret);
	EXPECT_EQ(0, query_field(a.fd, Q_VALUE));
	close(a.fd);
}

static void on_usr1(int sig)
{
	(void)sig;
}

TEST(eintr_without_sa_restart)
{
	struct waiter_arg a = { .count = 1, .ret = 1 };
	struct sigaction sa = { .sa_handler = on_usr1 };	/* no SA_RESTART */
	pthread_t t;

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	a.fd = semctl_sem_create(NULL, 0, 1, 0600, 0);
	ASSERT_GE(a.fd, 0);
	ASSERT_EQ(0, pthread_create(&t, NULL, waiter_fn, &a));
	ASSERT_TRUE(wait_field(a.fd, Q_WAITERS, 1));
	pthread_kill(t, SIGUSR1);
	pthread_join(t, NULL);
	EXPECT_EQ(-EINTR, a.ret);
	EXPECT_EQ(0, query_field(a.fd, Q_WAITERS));
	EXPECT_EQ(0, query_field(a.fd, Q_VALUE));
	close(a.fd);
}

static atomic_int ticks;

static void on_alarm(int sig)
{
	(void)sig;
	atomic_fetch_add(&ticks, 1);
}

/*
 * ITIMER_REAL every 5 ms without SA_RESTART, a 50 ms acquire retried while
 * it fails with -EINTR: the retries continue the first call's timeout, so
 * the loop times out near 50 ms instead of never. @use_map: the same
 * through a map's slow path.
 */
static void retried_timeout(struct __test_metadata *_metadata, bool use_map)
{
	struct itimerval every5ms = {
		.it_interval = { .tv_usec = 5000 },
		.it_value = { .tv_usec = 5000 },
	}, off = { 0 };
	struct sigaction sa = { .sa_handler = on_alarm };
	const struct timespec ts = { .tv_nsec = 50 * 1000000L };
	struct semctl_map *map = NULL;
	uint64_t t0, elapsed_ms;
	int fd, ret, tries = 0;

	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	fd = semctl_sem_create(NULL, 0, 1, 0600, 0);
	ASSERT_GE(fd, 0);
	if (use_map)
		ASSERT_EQ(0, semctl_map_create(fd, &map));
	atomic_store(&ticks, 0);
	t0 = now_ns(CLOCK_MONOTONIC);
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &every5ms, NULL));
	do {
		ret = use_map ? semctl_map_acquire_timeout(map, 1, 0, &ts) :
				semctl_sem_acquire_timeout(fd, 1, 0, &ts);
		tries++;
	} while (ret == -EINTR &&
		 now_ns(CLOCK_MONOTONIC) - t0 < 5 * NSEC_PER_SEC);
	setitimer(ITIMER_REAL, &off, NULL);
	elapsed_ms = (now_ns(CLOCK_MONOTONIC) - t0) / NSEC_PER_MSEC;
	TH_LOG("%d calls, %d signals, %llu ms", tries, atomic_load(&ticks),
	       (unsigned long long)elapsed_ms);
	EXPECT_EQ(-ETIMEDOUT, ret);
	EXPECT_GE(elapsed_ms, 50);
	EXPECT_LT(elapsed_ms, 1000);
	/* a fresh call (other flags) starts a full timeout again */
	t0 = now_ns(CLOCK_MONOTONIC);
	EXPECT_EQ(-ETIMEDOUT, semctl_sem_acquire_timeout(fd, 1, 0, &ts));
	EXPECT_GE((now_ns(CLOCK_MONOTONIC) - t0) / NSEC_PER_MSEC, 50);
	semctl_map_destroy(map);
	close(fd);
}

TEST(retry_after_eintr_continues_the_timeout)
{
	retried_timeout(_metadata, false);
}

TEST(map_retry_after_eintr_continues_the_timeout)
{
	retried_timeout(_metadata, true);
}

TEST(poison)
{
	struct waiter_arg a = { .count = 1, .ret = 1 };
	struct semctl_info in;
	char name[64];
	pthread_t t;
	int ro;

	uniq_name(name, sizeof(name), "poison");
	a.fd = semctl_sem_create(name, 0, 2, 0600, SEMCTL_CREATE_EXCL);
	ASSERT_GE(a.fd, 0);
	ro = semctl_sem_open(name, SEMCTL_OPEN_READ);
	ASSERT_GE(ro, 0);
	ASSERT_EQ(0, semctl_sem_unlink(name));
	EXPECT_EQ(-EBADF, semctl_sem_poison(ro));
	{
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		EXPECT_EQ(-ENOTTY, semctl_sem_poison(null));
		close(null);
	}
	ASSERT_EQ(0, pthread_create(&t, NULL, waiter_fn, &a));
	ASSERT_TRUE(wait_field(a.fd, Q_WAITERS, 1));
	errno = ERRNO_SENTINEL;
	EXPECT_EQ(0, semctl_sem_poison(a.fd));
	EXPECT_EQ(ERRNO_SENTINEL, errno);
	pthread_join(t, NULL);
	EXPECT_EQ(-EIDRM, a.ret);
	EXPECT_EQ(-EIDRM, semctl_sem_try_acquire(a.fd, 1, 0));
	/* releases still work */
	EXPECT_EQ(0, semctl_sem_release(a.fd, 1, NULL));
	EXPECT_EQ(-EIDRM, semctl_sem_acquire(a.fd, 1, 0));
	ASSERT_EQ(0, semctl_sem_query(ro, &in));
	EXPECT_EQ(SEMCTL_INFO_POISONED, in.flags & SEMCTL_INFO_POISONED);
	close(ro);
	close(a.fd);
}

static bool list_find(const char *name, struct semctl_info *out,
		      unsigned int batch, int *err)
{
	struct semctl_info e[8];
	uint64_t cursor = 0;
	bool found = false;
	int i, n;

	*err = 0;
	while ((n = semctl_sem_list(&cursor, e, batch)) > 0) {
		for (i = 0; i < n; i++) {
			if (!strcmp(e[i].name, name)) {
				if (found)
					*err = -EEXIST;	/* listed twice */
				*out = e[i];
				found = true;
			}
		}
	}
	if (n < 0)
		*err = n;
	return found;
}

TEST(list)
{
	char names[3][64];
	struct semctl_info in;
	int fds[3], i, err;
	uint64_t cursor;

	for (i = 0; i < 3; i++) {
		uniq_name(names[i], sizeof(names[i]), "list");
		fds[i] = semctl_sem_create(names[i], (uint64_t)i, 10 + i, 0640,
					   SEMCTL_CREATE_EXCL);
		ASSERT_GE(fds[i], 0);
	}
	ASSERT_EQ(0, semctl_sem_acquire(fds[2], 1, SEMCTL_ACQUIRE_UNDO));
	for (i = 0; i < 3; i++) {
		memset(&in, 0, sizeof(in));
		EXPECT_TRUE(list_find(names[i], &in, 1, &err));
		EXPECT_EQ(0, err);
		EXPECT_TRUE(list_find(names[i], &in, 8, &err));
		EXPECT_EQ(0, err);
		EXPECT_EQ((uint64_t)i - (i == 2), in.value);
		EXPECT_EQ(10 + i, in.max);
		EXPECT_EQ(0640, in.mode);
		EXPECT_EQ(0, in.undo);
		EXPECT_EQ(i == 2 ? 1 : 0, in.undo_total);
		EXPECT_EQ(SEMCTL_INFO_NAMED, in.flags & SEMCTL_INFO_NAMED);
	}
	/* unlinked names disappear from the list */
	ASSERT_EQ(0, semctl_sem_unlink(names[1]));
	EXPECT_FALSE(list_find(names[1], &in, 8, &err));
	EXPECT_EQ(0, err);

	cursor = 0;
	errno = ERRNO_SENTINEL;
	EXPECT_EQ(-EINVAL, semctl_sem_list(NULL, &in, 1));
	EXPECT_EQ(-EINVAL, semctl_sem_list(&cursor, NULL, 1));
	EXPECT_EQ(-EFAULT, semctl_sem_list(&cursor, (void *)16, 1));
	EXPECT_EQ(ERRNO_SENTINEL, errno);
	semctl_sem_unlink(names[0]);
	semctl_sem_unlink(names[2]);
	for (i = 0; i < 3; i++)
		close(fds[i]);
}

#define MT_THREADS	8
#define MT_ROUNDS	2000

struct mt_arg {
	int fd;
	atomic_int *inside;
	atomic_int *peak;
	int ret;
};

static void *mt_fn(void *p)
{
	struct mt_arg *a = p;
	int i, in, peak, ret;

	for (i = 0; i < MT_ROUNDS; i++) {
		ret = semctl_sem_acquire(a->fd, 1, SEMCTL_ACQUIRE_UNDO);
		if (ret) {
			a->ret = ret;
			return NULL;
		}
		in = atomic_fetch_add(a->inside, 1) + 1;
		peak = atomic_load(a->peak);
		while (in > peak && !atomic_compare_exchange_weak(a->peak,
								  &peak, in))
			;
		atomic_fetch_sub(a->inside, 1);
		ret = semctl_sem_release(a->fd, 1, NULL);
		if (ret) {
			a->ret = ret;
			return NULL;
		}
	}
	return NULL;
}

FIXTURE(slow) {
	int unused;
};

FIXTURE_SETUP(slow)
{
	self->unused = 0;
}

FIXTURE_TEARDOWN(slow)
{
}

TEST_F_TIMEOUT(slow, threads_share_one_semaphore, 120)
{
	struct mt_arg a[MT_THREADS];
	atomic_int inside = 0, peak = 0;
	pthread_t t[MT_THREADS];
	int fd, i;

	fd = semctl_sem_create(NULL, 2, 2, 0600, 0);
	ASSERT_GE(fd, 0);
	for (i = 0; i < MT_THREADS; i++) {
		a[i] = (struct mt_arg){ .fd = fd, .inside = &inside,
					.peak = &peak };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, mt_fn, &a[i]));
	}
	for (i = 0; i < MT_THREADS; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(0, a[i].ret);
	}
	EXPECT_LE(atomic_load(&peak), 2);
	EXPECT_EQ(2, query_field(fd, Q_VALUE));
	EXPECT_EQ(0, query_field(fd, Q_UNDO));
	close(fd);
}

/* Without /dev/semctl every device call says -ENODEV, not -ENOENT. */
TEST(missing_device_is_enodev)
{
	int status;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root for a private mount namespace");
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		uint64_t cursor = 0;
		struct semctl_info in;

		if (unshare(CLONE_NEWNS) ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    mount("tmpfs", "/dev", "tmpfs", 0, NULL))
			_exit(10);
		if (semctl_sem_create(NULL, 1, 1, 0600, 0) != -ENODEV)
			_exit(1);
		if (semctl_sem_open("x", 0) != -ENODEV)
			_exit(2);
		if (semctl_sem_unlink("x") != -ENODEV)
			_exit(3);
		if (semctl_sem_list(&cursor, &in, 1) != -ENODEV)
			_exit(4);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	if (WEXITSTATUS(status) == 10)
		SKIP(return, "cannot hide /dev in a mount namespace");
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
