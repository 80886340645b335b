// SPDX-License-Identifier: GPL-2.0
/*
 * mmap() of a semaphore fd shares its value word: processes take and give
 * back units with a compare-and-swap while SEMCTL_VALUE_KERNEL is clear,
 * and make the syscall while it is set (somebody queued, polling, or the
 * semaphore poisoned). The units are the same either way.
 */
#include <sys/epoll.h>

#include "semctl_test.h"

#define VALUE_MASK	SEMCTL_VALUE_MAX

static _Atomic __u64 *map_word(int fd, int prot)
{
	void *p = mmap(NULL, page_size(), prot, MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void unmap_word(_Atomic __u64 *word)
{
	munmap((void *)word, page_size());
}

static int mmap_errno(int fd, size_t len, int prot, int flags, off_t off)
{
	void *p = mmap(NULL, len, prot, flags, fd, off);

	if (p == MAP_FAILED)
		return -errno;
	munmap(p, len);
	return 0;
}

/* What a library does: CAS while the kernel bit is clear, else syscall. */
static int fast_acquire(_Atomic __u64 *word, int fd, __u64 count)
{
	__u64 v = atomic_load_explicit(word, memory_order_relaxed);

	while (!(v & SEMCTL_VALUE_KERNEL) && v >= count) {
		if (atomic_compare_exchange_weak_explicit(word, &v, v - count,
							  memory_order_acquire,
							  memory_order_relaxed))
			return 0;
	}
	return sem_acquire_bounded(fd, count, 0);
}

static int fast_release(_Atomic __u64 *word, int fd, __u64 count, __u64 max)
{
	__u64 v = atomic_load_explicit(word, memory_order_relaxed);

	while (!(v & SEMCTL_VALUE_KERNEL) && count <= max - v) {
		if (atomic_compare_exchange_weak_explicit(word, &v, v + count,
							  memory_order_release,
							  memory_order_relaxed))
			return 0;
	}
	return sem_release(fd, count);
}

static bool kernel_bit(_Atomic __u64 *word)
{
	return atomic_load(word) & SEMCTL_VALUE_KERNEL;
}

/* Bounded wait for the kernel bit to become @set. */
static int wait_kernel_bit(_Atomic __u64 *word, bool set)
{
	uint64_t end = mono_ms() + WAIT_MS;

	while (kernel_bit(word) != set) {
		if (mono_ms() > end)
			return -ETIMEDOUT;
		sleep_ms(1);
	}
	return 0;
}

/* A new anonymous semaphore with its word mapped read-write. */
struct mapped {
	int dev;
	int fd;
	_Atomic __u64 *word;
};

/* Return: 0, or -errno with nothing left open. */
static int mapped_new(struct mapped *m, __u32 flags, __u64 value, __u64 max)
{
	int ret;

	m->dev = dev_open();
	if (m->dev < 0)
		return -errno;
	m->fd = sem_create_full(m->dev, flags, value, max, NULL, 0600);
	if (m->fd < 0) {
		ret = m->fd;
		goto err_dev;
	}
	m->word = map_word(m->fd, PROT_READ | PROT_WRITE);
	if (!m->word) {
		ret = -errno;
		goto err_fd;
	}
	return 0;

err_fd:
	close(m->fd);
err_dev:
	close(m->dev);
	return ret;
}

static void mapped_put(struct mapped *m)
{
	unmap_word(m->word);
	close(m->fd);
	close(m->dev);
}

TEST(the_word_is_the_value)
{
	struct mapped m;
	__u64 v;

	ASSERT_EQ(0, mapped_new(&m, 0, 3, 5));
	EXPECT_EQ(3, atomic_load(m.word));

	/* Kernel changes show in the m.word, CAS changes in every report. */
	ASSERT_EQ(0, sem_try(m.fd, 1));
	EXPECT_EQ(2, atomic_load(m.word));
	v = 2;
	ASSERT_TRUE(atomic_compare_exchange_strong(m.word, &v, 0));
	EXPECT_EQ(0, sem_value(m.fd));
	EXPECT_EQ(-EAGAIN, sem_try(m.fd, 1));
	v = 0;
	ASSERT_TRUE(atomic_compare_exchange_strong(m.word, &v, 5));
	EXPECT_EQ(5, sem_value(m.fd));
	EXPECT_EQ(-EOVERFLOW, sem_release(m.fd, 1));
	ASSERT_EQ(0, sem_try(m.fd, 5));
	EXPECT_EQ(0, atomic_load(m.word));
	/* Nobody waited: the kernel left the bit clear. */
	EXPECT_FALSE(kernel_bit(m.word));

	mapped_put(&m);
}

struct blocked {
	int fd;
	int ret;
};

static void *acquire_main(void *arg)
{
	struct blocked *b = arg;

	b->ret = sem_acquire_bounded(b->fd, 1, 0);
	return NULL;
}

TEST(a_queued_acquirer_sets_the_bit_until_served)
{
	struct mapped m;
	struct blocked b = { .ret = 1 };
	pthread_t thread;

	ASSERT_EQ(0, mapped_new(&m, 0, 1, 4));

	ASSERT_EQ(0, fast_acquire(m.word, m.fd, 1));
	EXPECT_EQ(0, atomic_load(m.word));
	b.fd = m.fd;
	ASSERT_EQ(0, pthread_create(&thread, NULL, acquire_main, &b));
	ASSERT_EQ(0, wait_waiters(m.fd, 1, NULL));
	/* FIFO: a CAS must not take units past the queued acquirer. */
	EXPECT_EQ(SEMCTL_VALUE_KERNEL, atomic_load(m.word));

	ASSERT_EQ(0, fast_release(m.word, m.fd, 1, 4));
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_EQ(0, b.ret);
	/* The unit went to the waiter; the queue is empty, the bit clear. */
	EXPECT_EQ(0, atomic_load(m.word));
	EXPECT_EQ(0, sem_waiters(m.fd));

	mapped_put(&m);
}

struct poller {
	int fd;
	short revents;
	int ret;
};

static void *poll_main(void *arg)
{
	struct poller *p = arg;
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };

	p->ret = poll(&pfd, 1, WAIT_MS);
	p->revents = pfd.revents;
	return NULL;
}

TEST(a_poller_is_woken_by_a_fast_path_release)
{
	struct mapped m;
	struct poller p = { .ret = -2 };
	pthread_t thread;

	ASSERT_EQ(0, mapped_new(&m, 0, 0, 4));
	EXPECT_FALSE(kernel_bit(m.word));

	p.fd = m.fd;
	ASSERT_EQ(0, pthread_create(&thread, NULL, poll_main, &p));
	/* Polling sets the bit, so the release below enters the kernel. */
	ASSERT_EQ(0, wait_kernel_bit(m.word, true));
	ASSERT_EQ(0, fast_release(m.word, m.fd, 1, 4));
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_EQ(1, p.ret);
	EXPECT_TRUE(p.revents & POLLIN);
	EXPECT_EQ(1, sem_value(m.fd));

	/* poll() has returned: the next kernel change gives the m.word back. */
	ASSERT_EQ(0, sem_try(m.fd, 1));
	EXPECT_EQ(0, atomic_load(m.word));

	mapped_put(&m);
}

TEST(an_epoll_watch_keeps_the_bit)
{
	struct mapped m;
	struct epoll_event ev = { .events = EPOLLIN };
	int ep;

	ASSERT_EQ(0, mapped_new(&m, 0, 0, 4));
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_GE(ep, 0);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, m.fd, &ev));
	EXPECT_TRUE(kernel_bit(m.word));

	/* Every release is made in the kernel and reaches the watch. */
	ASSERT_EQ(0, fast_release(m.word, m.fd, 1, 4));
	EXPECT_TRUE(kernel_bit(m.word));
	EXPECT_EQ(1, epoll_wait(ep, &ev, 1, WAIT_MS));
	ASSERT_EQ(0, fast_acquire(m.word, m.fd, 1));
	EXPECT_TRUE(kernel_bit(m.word));
	EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 0));

	/* The watch is gone once the epoll m.fd closes; the bit follows. */
	close(ep);
	ASSERT_EQ(0, sem_release(m.fd, 1));
	EXPECT_EQ(1, atomic_load(m.word));

	mapped_put(&m);
}

TEST(units_held_with_undo_keep_the_bit)
{
	struct mapped m;
	__u64 unit;

	ASSERT_EQ(0, mapped_new(&m, SEMCTL_FD_UNDO, 2, 4));
	/* The maximum follows the m.word. */
	EXPECT_EQ(4, ((_Atomic __u64 *)m.word)[1]);

	/* A read with undo: the release that pays it back is the kernel's. */
	ASSERT_EQ(sizeof(unit), read(m.fd, &unit, sizeof(unit)));
	EXPECT_EQ(SEMCTL_VALUE_KERNEL | 1, atomic_load(m.word));
	ASSERT_EQ(0, fast_release(m.word, m.fd, 1, 4));
	EXPECT_EQ(0, sem_undo(m.fd));
	EXPECT_EQ(2, atomic_load(m.word));

	/* An ioctl acquire with undo does the same. */
	ASSERT_EQ(0, sem_acquire_bounded(m.fd, 2, SEMCTL_ACQUIRE_UNDO));
	EXPECT_EQ(SEMCTL_VALUE_KERNEL, atomic_load(m.word));
	ASSERT_EQ(0, fast_release(m.word, m.fd, 2, 4));
	EXPECT_EQ(0, sem_undo(m.fd));
	EXPECT_EQ(2, atomic_load(m.word));

	mapped_put(&m);
}

TEST(poison_sets_the_bit_for_good)
{
	struct mapped m;
	struct semctl_poison poison = { .size = sizeof(poison) };

	ASSERT_EQ(0, mapped_new(&m, 0, 2, 4));
	ASSERT_EQ(0, ioctl(m.fd, SEMCTL_IOC_POISON, &poison));
	EXPECT_EQ(SEMCTL_VALUE_KERNEL | 2, atomic_load(m.word));
	EXPECT_EQ(-EIDRM, fast_acquire(m.word, m.fd, 1));
	ASSERT_EQ(0, fast_release(m.word, m.fd, 1, 4));
	EXPECT_EQ(SEMCTL_VALUE_KERNEL | 3, atomic_load(m.word));

	mapped_put(&m);
}

TEST(mapping_rules)
{
	long ps = page_size();
	char name[64];
	int dev, fd, ro, wo, undo;
	void *p;

	dev = dev_open();
	ASSERT_GE(dev, 0);
	unique_name(name, sizeof(name), "mmap");
	fd = sem_create_full(dev, SEMCTL_CREATE_EXCL, 1, 4, name, 0600);
	ASSERT_GE(fd, 0);

	EXPECT_EQ(-EINVAL, mmap_errno(fd, ps, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE, 0));
	EXPECT_EQ(-EINVAL, mmap_errno(fd, ps, PROT_READ, MAP_SHARED, ps));
	EXPECT_EQ(-EINVAL, mmap_errno(fd, 2 * ps, PROT_READ, MAP_SHARED, 0));
	/* A shorter length is one page too. */
	EXPECT_EQ(0, mmap_errno(fd, 8, PROT_READ | PROT_WRITE, MAP_SHARED, 0));

	/*
	 * Never executable: semctl says EACCES; kernels whose anonymous
	 * inodes live on a noexec mount refuse first, with EPERM.
	 */
	{
		int r = mmap_errno(fd, ps, PROT_READ | PROT_EXEC, MAP_SHARED, 0);

		EXPECT_TRUE(r == -EACCES || r == -EPERM);
	}
	p = mmap(NULL, ps, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, mprotect(p, ps, PROT_READ | PROT_EXEC));
	EXPECT_TRUE(errno == EACCES || errno == EPERM);
	munmap(p, ps);

	/* The read right maps read-only, for good. */
	ro = sem_open_name(dev, name, SEMCTL_OPEN_READ);
	ASSERT_GE(ro, 0);
	EXPECT_EQ(-EACCES, mmap_errno(ro, ps, PROT_READ | PROT_WRITE,
				      MAP_SHARED, 0));
	p = mmap(NULL, ps, PROT_READ, MAP_SHARED, ro, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(1, *(volatile __u64 *)p);
	EXPECT_EQ(-1, mprotect(p, ps, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	munmap(p, ps);

	/* The write right alone maps writable. */
	wo = sem_open_name(dev, name, SEMCTL_OPEN_WRITE);
	ASSERT_GE(wo, 0);
	EXPECT_EQ(0, mmap_errno(wo, ps, PROT_READ | PROT_WRITE, MAP_SHARED, 0));

	/* An fd whose reads record undo maps like any other. */
	undo = sem_open_name(dev, name, SEMCTL_FD_UNDO);
	ASSERT_GE(undo, 0);
	EXPECT_EQ(0, mmap_errno(undo, ps, PROT_READ | PROT_WRITE,
				MAP_SHARED, 0));

	close(undo);
	close(wo);
	close(ro);
	close(fd);
	EXPECT_EQ(0, sem_unlink(dev, name));
	close(dev);
}

/* Dropping the page (MADV_DONTNEED) maps it back on the next access. */
TEST(the_word_comes_back_after_madv_dontneed)
{
	_Atomic __u64 *word;
	int dev, fd;

	dev = dev_open();
	ASSERT_GE(dev, 0);
	fd = sem_create(dev, 3, 5);
	ASSERT_GE(fd, 0);
	word = map_word(fd, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, word);
	EXPECT_EQ(3, *word);
	ASSERT_EQ(0, madvise((void *)word, page_size(), MADV_DONTNEED));
	/* SIGBUS here before the mapping had a fault handler */
	EXPECT_EQ(3, *word);
	ASSERT_EQ(0, fast_acquire(word, fd, 1));
	EXPECT_EQ(2, sem_value(fd));
	ASSERT_EQ(0, madvise((void *)word, page_size(), MADV_DONTNEED));
	EXPECT_EQ(2, *word);
	unmap_word(word);
	close(fd);
	close(dev);
}

TEST(every_open_file_maps_the_same_word)
{
	_Atomic __u64 *a, *b;
	char name[64];
	int dev, fd, fd2;
	__u64 v;

	dev = dev_open();
	ASSERT_GE(dev, 0);
	unique_name(name, sizeof(name), "mmap-shared");
	fd = sem_create_full(dev, SEMCTL_CREATE_EXCL, 2, 4, name, 0600);
	ASSERT_GE(fd, 0);
	a = map_word(fd, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, a);
	/* The mapping keeps the semaphore; the name finds it again. */
	close(fd);
	fd2 = sem_open_name(dev, name, 0);
	ASSERT_GE(fd2, 0);
	b = map_word(fd2, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, b);
	v = 2;
	ASSERT_TRUE(atomic_compare_exchange_strong(a, &v, 1));
	EXPECT_EQ(1, atomic_load(b));
	EXPECT_EQ(1, sem_value(fd2));

	unmap_word(a);
	unmap_word(b);
	close(fd2);
	EXPECT_EQ(0, sem_unlink(dev, name));
	close(dev);
}

TEST(a_forked_child_shares_the_word)
{
	struct mapped m;
	int status;
	pid_t pid;

	ASSERT_EQ(0, mapped_new(&m, 0, 2, 2));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid)
		_exit(fast_acquire(m.word, m.fd, 2) ? 1 : 0);
	status = wait_child(pid, WAIT_MS);
	EXPECT_EQ(0, child_exit_code(status));
	EXPECT_EQ(0, sem_value(m.fd));
	EXPECT_EQ(-EAGAIN, sem_try(m.fd, 1));

	mapped_put(&m);
}

TEST(garbage_in_the_word_stays_in_its_semaphore)
{
	struct mapped m;

	ASSERT_EQ(0, mapped_new(&m, 0, 1, 5));

	/* More than the maximum reads back as the maximum. */
	atomic_store(m.word, VALUE_MASK);
	EXPECT_EQ(5, sem_value(m.fd));
	EXPECT_EQ(-EOVERFLOW, sem_release(m.fd, 1));
	ASSERT_EQ(0, sem_try(m.fd, 5));
	EXPECT_EQ(0, atomic_load(m.word));

	/* A stray kernel bit with nobody waiting is dropped on next use. */
	atomic_store(m.word, SEMCTL_VALUE_KERNEL | 3);
	EXPECT_EQ(3, sem_value(m.fd));
	ASSERT_EQ(0, fast_acquire(m.word, m.fd, 1));
	EXPECT_EQ(2, atomic_load(m.word));

	mapped_put(&m);
}

/*
 * The seed scenario under load: workers mixing CAS and syscalls on two
 * units never have more than two inside, and every unit comes back.
 */
#define WORKERS		4
#define ROUNDS		3000

struct worker {
	_Atomic __u64 *word;
	int fd;
	atomic_int *inside;
	atomic_int *most;
	int ret;
	int index;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	int i, n, most;

	for (i = 0; i < ROUNDS; i++) {
		/* Odd workers use the kernel only, as a non-mapping user. */
		w->ret = w->index & 1 ? sem_acquire_bounded(w->fd, 1, 0) :
					fast_acquire(w->word, w->fd, 1);
		if (w->ret)
			return NULL;
		n = atomic_fetch_add(w->inside, 1) + 1;
		most = atomic_load(w->most);
		while (n > most && !atomic_compare_exchange_weak(w->most,
								 &most, n))
			;
		atomic_fetch_sub(w->inside, 1);
		w->ret = w->index & 1 ? sem_release(w->fd, 1) :
					fast_release(w->word, w->fd, 1, 2);
		if (w->ret)
			return NULL;
	}
	return NULL;
}

TEST(mixed_fast_and_kernel_users_keep_the_count)
{
	struct mapped m;
	atomic_int inside = 0, most = 0;
	struct worker w[WORKERS];
	pthread_t thread[WORKERS];
	int i;

	ASSERT_EQ(0, mapped_new(&m, 0, 2, 2));
	for (i = 0; i < WORKERS; i++) {
		w[i] = (struct worker){ .word = m.word, .fd = m.fd, .index = i,
					.inside = &inside, .most = &most };
		ASSERT_EQ(0, pthread_create(&thread[i], NULL, worker_main,
					    &w[i]));
	}
	for (i = 0; i < WORKERS; i++) {
		ASSERT_EQ(0, pthread_join(thread[i], NULL));
		EXPECT_EQ(0, w[i].ret);
	}
	EXPECT_LE(atomic_load(&most), 2);
	EXPECT_GE(atomic_load(&most), 1);
	EXPECT_EQ(2, sem_value(m.fd));
	EXPECT_EQ(0, sem_waiters(m.fd));
	EXPECT_EQ(2, atomic_load(m.word));

	mapped_put(&m);
}

TEST_HARNESS_MAIN
