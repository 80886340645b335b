// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * libsemctl: mapped semaphores, the userspace fast path.
 *
 * The semaphore's value word is mapped (uapi/linux/semctl.h). While its
 * SEMCTL_VALUE_KERNEL bit is clear nobody waits, so units are taken and
 * given back with one compare-and-swap, as sem_t does; otherwise, and for
 * anything the word cannot express (undo, waiting), the call is the
 * ioctl of semctl.c. The kernel keeps the word while any open file holds
 * units with undo, so releases then pay them back in the kernel. Acquire is an acquire barrier, release a release
 * barrier, so a critical section's writes are seen by the next holder.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "semctl.h"

#define SEMCTL_API	__attribute__((visibility("default")))

/* The start of the mapped page (uapi/linux/semctl.h). */
struct semctl_map_page {
	_Atomic uint64_t value;
	uint64_t max;
};

struct semctl_map {
	_Atomic uint64_t *word;
	size_t length;
	/*
	 * The kernel's maximum, or 0 when it would not say (an fd without the
	 * read right): then releases go to the kernel. The page's copy is
	 * writable by every process mapping it, so it is never trusted.
	 */
	uint64_t max;
	int fd;		/* the map's own duplicate: the caller may close theirs */
	/* a plain blocking acquire of 1 may be a read(2): no FD_UNDO */
	bool read_acquires;
};

/*
 * How long an acquire watches the word before it queues in the kernel:
 * long enough for a short critical section on another CPU to end, short
 * against a sleep and a cross-CPU wake-up.
 */
#define SEMCTL_MAP_SPINS	512

/*
 * Spinning pays only if a holder can run on another CPU meanwhile: not for
 * a thread that may run on one CPU only (pinned, or a one-CPU cpuset),
 * where it would only delay the holder. Asked of the kernel once per
 * thread and again every 64 slow paths, as affinity may change.
 * Initial-exec TLS: no allocation on first use, even under dlopen().
 */
static __thread int semctl_thread_cpus
	__attribute__((tls_model("initial-exec")));
static __thread unsigned int semctl_thread_slow_paths
	__attribute__((tls_model("initial-exec")));

static bool semctl_thread_may_spin(void)
{
	cpu_set_t set;

	if (!semctl_thread_cpus || !(++semctl_thread_slow_paths % 64)) {
		int saved = errno;

		/* A failure (more CPUs than cpu_set_t holds) allows it. */
		semctl_thread_cpus = sched_getaffinity(0, sizeof(set), &set) ?
				     2 : CPU_COUNT(&set);
		errno = saved;
	}
	return semctl_thread_cpus > 1;
}

static inline void semctl_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	atomic_signal_fence(memory_order_seq_cst);
#endif
}

SEMCTL_API int semctl_map_create(int fd, struct semctl_map **mapp)
{
	long page = sysconf(_SC_PAGESIZE);
	struct semctl_info info;
	struct semctl_map *map;
	int saved = errno;
	void *shared;
	int own, ret;

	if (!mapp || page <= 0)
		return -EINVAL;
	/*
	 * Is it a semaphore fd? Other files map too, and the slow path
	 * write()s. EBADF: one without the read right (or no fd at all,
	 * which mmap() reports the same way).
	 */
	ret = semctl_sem_query(fd, &info);
	if (ret < 0 && ret != -EBADF)
		return ret;
	map = calloc(1, sizeof(*map));
	if (!map) {
		errno = saved;
		return -ENOMEM;
	}
	shared = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED,
		      fd, 0);
	if (shared == MAP_FAILED)
		goto err_errno;
	/* Never on 0..2, close-on-exec: see semctl_fd_above_stdio(). */
	own = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
	if (own < 0)
		goto err_unmap;
	map->word = &((struct semctl_map_page *)shared)->value;
	map->length = (size_t)page;
	map->max = ret ? 0 : info.max;
	map->fd = own;
	map->read_acquires = !ret && !(info.flags & SEMCTL_INFO_FD_UNDO);
	*mapp = map;
	errno = saved;
	return 0;

err_unmap:
	ret = -errno;
	munmap(shared, (size_t)page);
	goto err_free;
err_errno:
	ret = -errno;
err_free:
	free(map);
	errno = saved;
	return ret;
}

SEMCTL_API void semctl_map_destroy(struct semctl_map *map)
{
	int saved = errno;

	if (!map)
		return;
	munmap((void *)map->word, map->length);
	close(map->fd);
	free(map);
	errno = saved;
}

SEMCTL_API int semctl_map_fd(const struct semctl_map *map)
{
	return map ? map->fd : -EINVAL;
}

/*
 * Take @count units without the kernel. Return: 0 taken, -EAGAIN when
 * nobody waits and too few units are there (a try fails here too),
 * -EBUSY when the kernel owns the word.
 */
static int semctl_map_take(struct semctl_map *map, uint64_t count)
{
	uint64_t v = atomic_load_explicit(map->word, memory_order_relaxed);

	for (;;) {
		if (v & SEMCTL_VALUE_KERNEL)
			return -EBUSY;
		if (v < count)
			return -EAGAIN;
		if (atomic_compare_exchange_weak_explicit(map->word, &v,
							  v - count,
							  memory_order_acquire,
							  memory_order_relaxed))
			return 0;
	}
}

/*
 * Nobody is queued but the units are taken: watch the word a little before
 * queueing, as adaptive mutexes do. Stop as soon as the kernel owns it
 * (somebody queued: FIFO says queue behind them). Return: 0 taken, -EBUSY.
 */
static int semctl_map_spin(struct semctl_map *map, uint64_t count)
{
	unsigned int i;
	uint64_t v;

	if (!semctl_thread_may_spin())
		return -EBUSY;
	for (i = 0; i < SEMCTL_MAP_SPINS; i++) {
		semctl_cpu_relax();
		v = atomic_load_explicit(map->word, memory_order_relaxed);
		if (v & SEMCTL_VALUE_KERNEL)
			return -EBUSY;
		if (v >= count && !semctl_map_take(map, count))
			return 0;
	}
	return -EBUSY;
}

/*
 * Serve an acquire in userspace if it can be. Flags the word cannot honour
 * (undo) and every invalid argument go to the kernel, for its answer.
 * Return: as semctl_map_take().
 */
static int semctl_map_acquire_fast(struct semctl_map *map, uint64_t count,
				   unsigned int flags, unsigned int fast_flags)
{
	int ret;

	if (!count || !map->max || count > map->max || (flags & ~fast_flags))
		return -EBUSY;
	ret = semctl_map_take(map, count);
	if (ret == -EAGAIN && !(flags & SEMCTL_ACQUIRE_TRY))
		return semctl_map_spin(map, count);
	return ret;
}

/*
 * read(2) of 8 bytes is the kernel's blocking acquire of one unit, and
 * cheaper than the ioctl (no struct, no LSM ioctl hook), on an fd whose
 * reads record no undo. An O_NONBLOCK fd answers EAGAIN instead of
 * waiting: then the ioctl waits. Return: as semctl_map_take().
 */
static int semctl_map_read(struct semctl_map *map)
{
	int saved = errno;
	uint64_t unit;
	ssize_t n;

	n = read(map->fd, &unit, sizeof(unit));
	if (n < 0)
		n = errno == EAGAIN ? -EBUSY : -errno;
	else
		n = n == sizeof(unit) ? 0 : -EIO;
	errno = saved;
	return (int)n;
}

SEMCTL_API int semctl_map_acquire(struct semctl_map *map, uint64_t count,
				  unsigned int flags)
{
	int ret;

	if (!map)
		return -EINVAL;
	ret = semctl_map_acquire_fast(map, count, flags, SEMCTL_ACQUIRE_TRY);
	if (ret != -EBUSY)
		return ret;
	if (count == 1 && !flags && map->read_acquires) {
		ret = semctl_map_read(map);
		if (ret != -EBUSY)
			return ret;
	}
	return semctl_sem_acquire(map->fd, count, flags);
}

SEMCTL_API int semctl_map_try_acquire(struct semctl_map *map, uint64_t count,
				      unsigned int flags)
{
	return semctl_map_acquire(map, count, flags | SEMCTL_ACQUIRE_TRY);
}

/* The combinations the kernel accepts; it answers the others itself. */
static bool semctl_map_timeout_valid(unsigned int flags,
				     const struct timespec *ts)
{
	if (!ts)
		return true;
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000L)
		return false;
	if (flags & SEMCTL_ACQUIRE_TRY)
		return false;
	return !(flags & SEMCTL_ACQUIRE_REALTIME) ||
	       (flags & SEMCTL_ACQUIRE_ABSTIME);
}

SEMCTL_API int semctl_map_acquire_timeout(struct semctl_map *map,
					  uint64_t count, unsigned int flags,
					  const struct timespec *ts)
{
	int ret;

	if (!map)
		return -EINVAL;
	ret = -EBUSY;
	if (semctl_map_timeout_valid(flags, ts))
		ret = semctl_map_acquire_fast(map, count, flags,
					      ts ? SEMCTL_ACQUIRE_ABSTIME |
					      SEMCTL_ACQUIRE_REALTIME :
					      SEMCTL_ACQUIRE_TRY);
	if (ret != -EBUSY)
		return ret;
	return semctl_sem_acquire_timeout(map->fd, count, flags, ts);
}

/*
 * write(2) of the count is the kernel's release without the previous
 * value, and cheaper than the ioctl: no argument struct, no LSM ioctl
 * hook. Only here, where mmap() proved the fd is a semaphore: on another
 * fd a write would not fail but write.
 */
static int semctl_map_write(struct semctl_map *map, uint64_t count)
{
	int saved = errno;
	ssize_t n;

	if (!count)
		return -EINVAL;
	n = write(map->fd, &count, sizeof(count));
	if (n < 0)
		n = -errno;
	else if (n != sizeof(count))
		n = -EIO;
	else
		n = 0;
	errno = saved;
	return (int)n;
}

SEMCTL_API int semctl_map_release(struct semctl_map *map, uint64_t count,
				  uint64_t *previous)
{
	uint64_t v;

	if (!map)
		return -EINVAL;
	if (!count || !map->max)
		goto kernel;
	v = atomic_load_explicit(map->word, memory_order_relaxed);
	while (!(v & SEMCTL_VALUE_KERNEL)) {
		if (v > map->max || count > map->max - v)
			return -EOVERFLOW;
		if (atomic_compare_exchange_weak_explicit(map->word, &v,
							  v + count,
							  memory_order_release,
							  memory_order_relaxed)) {
			if (previous)
				*previous = v;
			return 0;
		}
	}
kernel:
	return previous ? semctl_sem_release(map->fd, count, previous) :
			  semctl_map_write(map, count);
}
