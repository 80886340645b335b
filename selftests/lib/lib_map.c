// SPDX-License-Identifier: GPL-2.0
/*
 * libsemctl's mapped semaphores: the same results as the fd calls, with
 * the units taken and given back in userspace while nobody waits.
 */
#include <sys/mman.h>

#include "lib_test.h"

TEST(create_needs_a_writable_semaphore_fd)
{
	struct semctl_map *map = NULL;
	char name[64];
	int fd, ro, wo, undo;

	EXPECT_EQ(-EBADF, semctl_map_create(-1, &map));
	EXPECT_EQ(-EINVAL, semctl_map_create(0, NULL));
	uniq_name(name, sizeof(name), "map-rights");
	fd = semctl_sem_create(name, 1, 2, 0600, SEMCTL_CREATE_EXCL);
	ASSERT_GE(fd, 0);
	ro = semctl_sem_open(name, SEMCTL_OPEN_READ);
	ASSERT_GE(ro, 0);
	EXPECT_EQ(-EACCES, semctl_map_create(ro, &map));
	EXPECT_EQ(NULL, map);
	/* A pipe is no semaphore. */
	{
		int pfd[2];

		ASSERT_EQ(0, pipe(pfd));
		EXPECT_EQ(-ENOTTY, semctl_map_create(pfd[1], &map));
		close(pfd[0]);
		close(pfd[1]);
	}
	wo = semctl_sem_open(name, SEMCTL_OPEN_WRITE);
	ASSERT_GE(wo, 0);
	ASSERT_EQ(0, semctl_map_create(wo, &map));
	EXPECT_EQ(0, semctl_map_try_acquire(map, 1, 0));
	EXPECT_EQ(0, semctl_map_release(map, 1, NULL));
	semctl_map_destroy(map);
	close(wo);
	undo = semctl_sem_open(name, SEMCTL_FD_UNDO);
	ASSERT_GE(undo, 0);
	ASSERT_EQ(0, semctl_map_create(undo, &map));
	semctl_map_destroy(map);

	ASSERT_EQ(0, semctl_map_create(fd, &map));
	/* the map's own duplicate, of the same open file */
	EXPECT_LT(2, semctl_map_fd(map));
	EXPECT_NE(fd, semctl_map_fd(map));
	EXPECT_EQ(FD_CLOEXEC, fcntl(semctl_map_fd(map), F_GETFD) & FD_CLOEXEC);
	semctl_map_destroy(map);
	/* destroy leaves the caller's fd open */
	EXPECT_EQ(0, semctl_sem_try_acquire(fd, 1, 0));
	close(undo);
	close(ro);
	close(fd);
	EXPECT_EQ(0, semctl_sem_unlink(name));
}

/*
 * The caller may close its fd while the map lives: the map's slow paths
 * use its own duplicate, never a number another file took meanwhile.
 */
TEST(map_owns_its_fd)
{
	struct semctl_map *map;
	char name[64], byte;
	int fd, holder, pfd[2];

	uniq_name(name, sizeof(name), "map-own");
	fd = semctl_sem_create(name, 1, 4, 0600, SEMCTL_CREATE_EXCL);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, semctl_map_create(fd, &map));
	/* units held with undo keep the word in the kernel: slow releases */
	holder = semctl_sem_open(name, 0);
	ASSERT_GE(holder, 0);
	ASSERT_EQ(0, semctl_sem_acquire(holder, 1, SEMCTL_ACQUIRE_UNDO));
	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(0, pipe2(pfd, O_NONBLOCK | O_CLOEXEC));
	EXPECT_EQ(0, semctl_map_release(map, 1, NULL));
	EXPECT_EQ(-1, read(pfd[0], &byte, 1));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(1, query_field(holder, Q_VALUE));
	semctl_map_destroy(map);
	close(pfd[0]);
	close(pfd[1]);
	close(holder);
	EXPECT_EQ(0, semctl_sem_unlink(name));
}

/*
 * The page's copy of the maximum is writable by every process that maps
 * it: a wrong one there must neither let a release pass the real maximum
 * (the kernel would cap the word: units lost) nor refuse a valid one.
 */
TEST(map_ignores_the_maximum_in_the_page)
{
	struct semctl_map *map;
	_Atomic uint64_t *page;
	int fd;

	fd = semctl_sem_create(NULL, 2, 2, 0600, 0);
	ASSERT_GE(fd, 0);
	page = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE),
		    PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, (void *)page);
	atomic_store(&page[1], UINT64_MAX / 2);
	ASSERT_EQ(0, semctl_map_create(fd, &map));
	EXPECT_EQ(-EOVERFLOW, semctl_map_release(map, 1, NULL));
	EXPECT_EQ(2, query_field(fd, Q_VALUE));
	EXPECT_EQ(0, semctl_map_acquire(map, 2, 0));
	atomic_store(&page[1], 1);
	EXPECT_EQ(0, semctl_map_release(map, 2, NULL));
	EXPECT_EQ(2, query_field(fd, Q_VALUE));
	semctl_map_destroy(map);
	munmap((void *)page, (size_t)sysconf(_SC_PAGESIZE));
	close(fd);
}

TEST(same_results_as_the_fd_calls)
{
	struct semctl_map *map;
	uint64_t previous = 99;
	int fd;

	fd = semctl_sem_create(NULL, 2, 3, 0600, 0);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, semctl_map_create(fd, &map));

	EXPECT_EQ(0, semctl_map_acquire(map, 2, 0));
	EXPECT_EQ(0, query_field(fd, Q_VALUE));
	EXPECT_EQ(-EAGAIN, semctl_map_try_acquire(map, 1, 0));
	EXPECT_EQ(0, semctl_map_release(map, 3, &previous));
	EXPECT_EQ(0, previous);
	EXPECT_EQ(3, query_field(fd, Q_VALUE));
	EXPECT_EQ(-EOVERFLOW, semctl_map_release(map, 1, NULL));
	EXPECT_EQ(3, query_field(fd, Q_VALUE));
	/* What the word cannot say comes from the kernel. */
	EXPECT_EQ(-EINVAL, semctl_map_acquire(map, 0, 0));
	EXPECT_EQ(-EINVAL, semctl_map_acquire(map, 4, 0));
	EXPECT_EQ(-EINVAL, semctl_map_release(map, 0, NULL));
	EXPECT_EQ(-EINVAL, semctl_map_acquire(map, 1, 0x80000000U));
	EXPECT_EQ(-EINVAL, semctl_map_acquire(NULL, 1, 0));
	{
		struct timespec ts = { .tv_nsec = NSEC_PER_MSEC };

		EXPECT_EQ(-EINVAL, semctl_map_acquire_timeout(map, 1,
				SEMCTL_ACQUIRE_TRY, &ts));
		EXPECT_EQ(-EINVAL, semctl_map_acquire_timeout(map, 1,
				SEMCTL_ACQUIRE_REALTIME, &ts));
		ts.tv_nsec = -1;
		EXPECT_EQ(-EINVAL, semctl_map_acquire_timeout(map, 1, 0, &ts));
		EXPECT_EQ(3, query_field(fd, Q_VALUE));
	}

	semctl_map_destroy(map);
	close(fd);
}

TEST(timeout_and_poison_come_from_the_kernel)
{
	struct timespec ts = { .tv_nsec = 20 * NSEC_PER_MSEC };
	struct semctl_map *map;
	int fd;

	fd = semctl_sem_create(NULL, 1, 1, 0600, 0);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, semctl_map_create(fd, &map));
	EXPECT_EQ(0, semctl_map_acquire_timeout(map, 1, 0, &ts));
	EXPECT_EQ(-ETIMEDOUT, semctl_map_acquire_timeout(map, 1, 0, &ts));
	EXPECT_EQ(0, semctl_sem_poison(fd));
	EXPECT_EQ(-EIDRM, semctl_map_try_acquire(map, 1, 0));
	EXPECT_EQ(0, semctl_map_release(map, 1, NULL));
	EXPECT_EQ(-EIDRM, semctl_map_acquire(map, 1, 0));
	semctl_map_destroy(map);
	close(fd);
}

TEST(undo_units_go_through_the_kernel)
{
	struct semctl_map *map;
	int fd;

	fd = semctl_sem_create(NULL, 3, 3, 0600, 0);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, semctl_map_create(fd, &map));
	ASSERT_EQ(0, semctl_map_acquire(map, 2, SEMCTL_ACQUIRE_UNDO));
	EXPECT_EQ(2, query_field(fd, Q_UNDO));
	/* The release pays the undo record back, as the fd's would. */
	ASSERT_EQ(0, semctl_map_release(map, 1, NULL));
	EXPECT_EQ(1, query_field(fd, Q_UNDO));
	ASSERT_EQ(0, semctl_map_release(map, 1, NULL));
	EXPECT_EQ(0, query_field(fd, Q_UNDO));
	EXPECT_EQ(3, query_field(fd, Q_VALUE));
	semctl_map_destroy(map);
	close(fd);
}

struct waiter {
	struct semctl_map *map;
	int ret;
};

static void *waiter_main(void *arg)
{
	struct waiter *w = arg;
	struct timespec ts = { .tv_sec = WAIT_MS / 1000 };

	w->ret = semctl_map_acquire_timeout(w->map, 1, 0, &ts);
	return NULL;
}

TEST(a_release_reaches_a_waiter_in_the_kernel)
{
	struct waiter w = { .ret = 1 };
	struct semctl_map *map;
	pthread_t thread;
	int fd;

	fd = semctl_sem_create(NULL, 0, 1, 0600, 0);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, semctl_map_create(fd, &map));
	w.map = map;
	ASSERT_EQ(0, pthread_create(&thread, NULL, waiter_main, &w));
	ASSERT_TRUE(wait_field(fd, Q_WAITERS, 1));
	ASSERT_EQ(0, semctl_map_release(map, 1, NULL));
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_EQ(0, w.ret);
	EXPECT_EQ(0, query_field(fd, Q_VALUE));
	EXPECT_EQ(0, query_field(fd, Q_WAITERS));
	semctl_map_destroy(map);
	close(fd);
}

/*
 * A blocking acquire of one unit waits on an O_NONBLOCK fd too, and takes
 * no undo on an SEMCTL_FD_UNDO fd: the fd's own read() behaviour must not
 * leak into the map's calls.
 */
/* Unbounded on purpose (the call under test); the harness bounds it. */
static void *blocking_main(void *arg)
{
	struct waiter *w = arg;

	w->ret = semctl_map_acquire(w->map, 1, 0);
	return NULL;
}

TEST(fd_flags_do_not_change_a_blocking_acquire)
{
	static const unsigned int fd_flags[] = {
		SEMCTL_FD_NONBLOCK, SEMCTL_FD_UNDO,
	};
	unsigned int i;

	for (i = 0; i < 2; i++) {
		struct waiter w = { .ret = 1 };
		struct semctl_map *map;
		pthread_t thread;
		int fd;

		fd = semctl_sem_create(NULL, 0, 1, 0600, fd_flags[i]);
		ASSERT_GE(fd, 0);
		ASSERT_EQ(0, semctl_map_create(fd, &map));
		w.map = map;
		ASSERT_EQ(0, pthread_create(&thread, NULL, blocking_main, &w));
		ASSERT_TRUE(wait_field(fd, Q_WAITERS, 1));
		ASSERT_EQ(0, semctl_sem_release(fd, 1, NULL));
		ASSERT_EQ(0, pthread_join(thread, NULL));
		EXPECT_EQ(0, w.ret);
		EXPECT_EQ(0, query_field(fd, Q_UNDO));
		/* ...and a plain one with the unit there, too. */
		ASSERT_EQ(0, semctl_sem_release(fd, 1, NULL));
		EXPECT_EQ(0, semctl_map_acquire(map, 1, 0));
		EXPECT_EQ(0, query_field(fd, Q_UNDO));
		semctl_map_destroy(map);
		close(fd);
	}
}

/* The seed scenario: 3 workers, 2 slots, at most 2 inside at once. */
#define WORKERS		3
#define ROUNDS		2000

struct worker {
	struct semctl_map *map;
	atomic_int *inside;
	atomic_int *most;
	int ret;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	int i, n, most;

	for (i = 0; i < ROUNDS && !w->ret; i++) {
		w->ret = semctl_map_acquire(w->map, 1, 0);
		if (w->ret)
			break;
		n = atomic_fetch_add(w->inside, 1) + 1;
		most = atomic_load(w->most);
		while (n > most &&
		       !atomic_compare_exchange_weak(w->most, &most, n))
			;
		atomic_fetch_sub(w->inside, 1);
		w->ret = semctl_map_release(w->map, 1, NULL);
	}
	return NULL;
}

TEST(three_workers_two_slots)
{
	atomic_int inside = 0, most = 0;
	pthread_t thread[WORKERS];
	struct worker w[WORKERS];
	struct semctl_map *map;
	int fd, i;

	fd = semctl_sem_create(NULL, 2, 2, 0600, 0);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, semctl_map_create(fd, &map));
	for (i = 0; i < WORKERS; i++) {
		w[i] = (struct worker){ .map = map, .inside = &inside,
					.most = &most };
		ASSERT_EQ(0, pthread_create(&thread[i], NULL, worker_main,
					    &w[i]));
	}
	for (i = 0; i < WORKERS; i++) {
		ASSERT_EQ(0, pthread_join(thread[i], NULL));
		EXPECT_EQ(0, w[i].ret);
	}
	EXPECT_LE(atomic_load(&most), 2);
	EXPECT_EQ(2, query_field(fd, Q_VALUE));
	EXPECT_EQ(0, query_field(fd, Q_WAITERS));
	semctl_map_destroy(map);
	close(fd);
}

TEST_HARNESS_MAIN
