// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * libsemctl: mapped semaphores, the userspace fast path.
 *
 * The semaphore's value word is mapped (uapi/linux/semctl.h). While its
 * SEMCTL_VALUE_KERNEL bit is clear nobody waits, so units are taken and
 * given back with one compare-and-swap, as sem_t does; otherwise, and for
 * anything the word cannot express (undo, waiting), the call is the
 * ioctl of semctl.c. Acquire is an acquire barrier, release a release
 * barrier, so a critical section's writes are seen by the next holder.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "semctl.h"

#define SEMCTL_API	__attribute__((visibility("default")))

struct semctl_map {
	_Atomic uint64_t *word;
	size_t length;
	uint64_t max;
	/* units taken with undo through this map and not given back */
	_Atomic uint64_t undo;
	int fd;
};

SEMCTL_API int semctl_map_create(int fd, struct semctl_map **mapp)
{
	struct semctl_info info;
	struct semctl_map *map;
	long page = sysconf(_SC_PAGESIZE);
	int saved = errno;
	void *word;
	int ret;

	if (!mapp || page <= 0)
		return -EINVAL;
	ret = semctl_query(fd, &info);
	if (ret < 0)
		return ret;
	map = calloc(1, sizeof(*map));
	if (!map) {
		errno = saved;
		return -ENOMEM;
	}
	word = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED,
		    fd, 0);
	if (word == MAP_FAILED) {
		ret = -errno;
		free(map);
		errno = saved;
		return ret;
	}
	map->word = word;
	map->length = (size_t)page;
	map->max = info.max;
	map->fd = fd;
	*mapp = map;
	return 0;
}

SEMCTL_API void semctl_map_destroy(struct semctl_map *map)
{
	int saved = errno;

	if (!map)
		return;
	munmap((void *)map->word, map->length);
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
 * Serve an acquire in userspace if it can be. Flags the word cannot honour
 * (undo) and every invalid argument go to the kernel, for its answer.
 * Return: as semctl_map_take().
 */
static int semctl_map_acquire_fast(struct semctl_map *map, uint64_t count,
				   unsigned int flags, unsigned int fast_flags)
{
	int ret;

	if (!count || count > map->max || (flags & ~fast_flags))
		return -EBUSY;
	ret = semctl_map_take(map, count);
	if (ret == -EAGAIN && !(flags & SEMCTL_ACQUIRE_TRY))
		return -EBUSY;
	return ret;
}

static void semctl_map_note_undo(struct semctl_map *map, uint64_t count,
				 unsigned int flags, int ret)
{
	if (!ret && (flags & SEMCTL_ACQUIRE_UNDO))
		atomic_fetch_add(&map->undo, count);
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
	ret = semctl_acquire(map->fd, count, flags);
	semctl_map_note_undo(map, count, flags, ret);
	return ret;
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
	ret = semctl_acquire_timeout(map->fd, count, flags, ts);
	semctl_map_note_undo(map, count, flags, ret);
	return ret;
}

/* Pay up to @count units of this map's undo record back; the kernel did. */
static void semctl_map_pay_undo(struct semctl_map *map, uint64_t count)
{
	uint64_t undo = atomic_load(&map->undo);

	while (undo && !atomic_compare_exchange_weak(&map->undo, &undo,
						     undo > count ?
						     undo - count : 0))
		;
}

SEMCTL_API int semctl_map_release(struct semctl_map *map, uint64_t count,
				  uint64_t *previous)
{
	uint64_t v;
	int ret;

	if (!map)
		return -EINVAL;
	/* Units held with undo are paid back by the kernel's release. */
	if (!count || atomic_load(&map->undo))
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
	ret = semctl_release(map->fd, count, previous);
	if (!ret)
		semctl_map_pay_undo(map, count);
	return ret;
}
