// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * libsemctl: device and semaphore operations.
 *
 * Each call is a thin, stateless wrapper around one ioctl (device calls
 * open SEMCTL_DEVICE for their duration). Results are >= 0 or -errno;
 * errno itself is preserved across every call.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "semctl.h"

#define SEMCTL_API	__attribute__((visibility("default")))
#define NSEC_PER_SEC	1000000000ULL

/* ioctl() returning -errno, with errno left as the caller had it. */
static int semctl_ioctl(int fd, unsigned long req, void *arg)
{
	int saved = errno;
	int ret;

	ret = ioctl(fd, req, arg);
	if (ret < 0)
		ret = -errno;
	errno = saved;
	return ret;
}

/*
 * Open the control device. A missing node (or a node with no driver
 * behind it) means the module is not loaded: say so with -ENODEV rather
 * than -ENOENT, which would read as "no such semaphore".
 */
static int semctl_dev_open(void)
{
	int saved = errno;
	int fd;

	fd = open(SEMCTL_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fd = -errno;
		if (fd == -ENOENT || fd == -ENXIO)
			fd = -ENODEV;
	}
	errno = saved;
	return fd;
}

static void semctl_dev_close(int dev)
{
	int saved = errno;

	close(dev);
	errno = saved;
}

static int semctl_dev_ioctl(unsigned long req, void *arg)
{
	int dev, ret;

	dev = semctl_dev_open();
	if (dev < 0)
		return dev;
	ret = semctl_ioctl(dev, req, arg);
	semctl_dev_close(dev);
	return ret;
}

/*
 * A semaphore fd must never be 0, 1 or 2: a program started with those
 * closed would take its own output for releases (write(2) is a release).
 * Move such an fd to the lowest free number from 3, keeping close-on-exec.
 */
static int semctl_fd_above_stdio(int fd)
{
	int saved = errno;
	int flags, moved;

	if (fd < 0 || fd > STDERR_FILENO)
		return fd;
	flags = fcntl(fd, F_GETFD);
	moved = fcntl(fd, flags >= 0 && (flags & FD_CLOEXEC) ?
		      F_DUPFD_CLOEXEC : F_DUPFD, STDERR_FILENO + 1);
	if (moved < 0)
		moved = -errno;
	close(fd);
	errno = saved;
	return moved;
}

SEMCTL_API int semctl_sem_create(const char *name, uint64_t value,
				 uint64_t max, mode_t mode, unsigned int flags)
{
	struct semctl_create c;

	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.flags = flags;
	c.value = value;
	c.max = max;
	c.name = (uint64_t)(uintptr_t)name;
	c.mode = mode;
	return semctl_fd_above_stdio(semctl_dev_ioctl(SEMCTL_IOC_CREATE, &c));
}

SEMCTL_API int semctl_sem_open(const char *name, unsigned int flags)
{
	struct semctl_open o;

	if (!name)
		return -EINVAL;
	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.flags = flags;
	o.name = (uint64_t)(uintptr_t)name;
	return semctl_fd_above_stdio(semctl_dev_ioctl(SEMCTL_IOC_OPEN, &o));
}

SEMCTL_API int semctl_sem_unlink(const char *name)
{
	struct semctl_unlink u;

	if (!name)
		return -EINVAL;
	memset(&u, 0, sizeof(u));
	u.size = sizeof(u);
	u.name = (uint64_t)(uintptr_t)name;
	return semctl_dev_ioctl(SEMCTL_IOC_UNLINK, &u);
}

SEMCTL_API int semctl_sem_list(uint64_t *cursor,
			       struct semctl_info *entries, unsigned int count)
{
	struct semctl_list l;
	int ret;

	if (!cursor || (!entries && count))
		return -EINVAL;
	if (count > INT32_MAX)
		count = INT32_MAX;
	memset(&l, 0, sizeof(l));
	l.size = sizeof(l);
	l.cursor = *cursor;
	l.entries = (uint64_t)(uintptr_t)entries;
	l.entry_size = sizeof(*entries);
	l.count = count;
	ret = semctl_dev_ioctl(SEMCTL_IOC_LIST, &l);
	if (ret < 0)
		return ret;
	*cursor = l.cursor;
	return l.count;
}

SEMCTL_API int semctl_sem_acquire(int fd, uint64_t count, unsigned int flags)
{
	struct semctl_acquire a = {
		.size = sizeof(a),
		.flags = flags,
		.count = count,
	};

	return semctl_ioctl(fd, SEMCTL_IOC_ACQUIRE, &a);
}

SEMCTL_API int semctl_sem_try_acquire(int fd, uint64_t count,
				      unsigned int flags)
{
	return semctl_sem_acquire(fd, count, flags | SEMCTL_ACQUIRE_TRY);
}

/*
 * The last relative acquire of this thread that a signal interrupted: the
 * kernel wrote the time left into its argument. Retried with the same
 * arguments (a loop around -EINTR), the wait goes on with that time left
 * instead of the full timeout, as a restart would. Initial-exec TLS: no
 * allocation on first use, even in a dlopen()ed copy of the library.
 */
struct semctl_interrupted {
	const struct timespec *ts;	/* the caller's object, and its value */
	struct timespec value;
	uint64_t count;
	uint64_t left_ns;		/* the kernel's time left */
	uint64_t since_ns;		/* CLOCK_MONOTONIC at the -EINTR */
	int fd;
	unsigned int flags;
	bool valid;
};

static __thread struct semctl_interrupted semctl_interrupted
	__attribute__((tls_model("initial-exec")));

static uint64_t semctl_mono_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * NSEC_PER_SEC + (uint64_t)now.tv_nsec;
}

/* The time left of this very call interrupted before, if it is a retry. */
static bool semctl_retry_left(int fd, uint64_t count, unsigned int flags,
			      const struct timespec *ts, __u64 *timeout_ns)
{
	struct semctl_interrupted *last = &semctl_interrupted;
	uint64_t gone;

	if (!last->valid || last->ts != ts || last->fd != fd ||
	    last->count != count || last->flags != flags ||
	    last->value.tv_sec != ts->tv_sec ||
	    last->value.tv_nsec != ts->tv_nsec)
		return false;
	/* The time spent in the signal handler counts too. */
	gone = semctl_mono_ns() - last->since_ns;
	*timeout_ns = last->left_ns > gone ? last->left_ns - gone : 0;
	return true;
}

SEMCTL_API int semctl_sem_acquire_timeout(int fd, uint64_t count,
					  unsigned int flags,
					  const struct timespec *ts)
{
	struct semctl_interrupted *last = &semctl_interrupted;
	struct semctl_acquire a = {
		.size = sizeof(a),
		.flags = flags,
		.count = count,
	};
	bool relative;
	int ret;

	if (ts) {
		uint64_t sec = (uint64_t)ts->tv_sec;

		if (ts->tv_sec < 0 || ts->tv_nsec < 0 ||
		    ts->tv_nsec >= (long)NSEC_PER_SEC)
			return -EINVAL;
		a.flags |= SEMCTL_ACQUIRE_TIMEOUT;
		/* Saturate at the longest time the kernel takes (2^63-1 ns). */
		if (sec > (INT64_MAX - (uint64_t)ts->tv_nsec) / NSEC_PER_SEC)
			a.timeout_ns = INT64_MAX;
		else
			a.timeout_ns = sec * NSEC_PER_SEC +
				       (uint64_t)ts->tv_nsec;
	}
	relative = ts && !(flags & SEMCTL_ACQUIRE_ABSTIME);
	if (relative)
		semctl_retry_left(fd, count, flags, ts, &a.timeout_ns);
	last->valid = false;
	ret = semctl_ioctl(fd, SEMCTL_IOC_ACQUIRE, &a);
	if (ret == -EINTR && relative) {
		*last = (struct semctl_interrupted) {
			.ts = ts, .value = *ts, .count = count,
			.left_ns = a.timeout_ns, .since_ns = semctl_mono_ns(),
			.fd = fd, .flags = flags, .valid = true,
		};
	}
	return ret;
}

SEMCTL_API int semctl_sem_release(int fd, uint64_t count,
				  uint64_t *previous)
{
	struct semctl_release r = {
		.size = sizeof(r),
		.count = count,
	};
	int ret;

	ret = semctl_ioctl(fd, SEMCTL_IOC_RELEASE, &r);
	if (!ret && previous)
		*previous = r.previous;
	return ret;
}

SEMCTL_API int semctl_sem_query(int fd, struct semctl_info *info)
{
	if (!info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return semctl_ioctl(fd, SEMCTL_IOC_QUERY, info);
}

SEMCTL_API int semctl_sem_poison(int fd)
{
	struct semctl_poison p = {
		.size = sizeof(p),
	};

	return semctl_ioctl(fd, SEMCTL_IOC_POISON, &p);
}

SEMCTL_API int semctl_sem_holders(int fd, struct semctl_holder *entries,
				  unsigned int count, uint64_t *holders,
				  uint64_t *waiters)
{
	struct semctl_holders h = {
		.size = sizeof(h),
		.entries = (uint64_t)(uintptr_t)entries,
		.entry_size = sizeof(*entries),
		.count = count,
	};
	int ret;

	if (!entries && count)
		return -EINVAL;
	ret = semctl_ioctl(fd, SEMCTL_IOC_HOLDERS, &h);
	if (ret)
		return ret;
	if (holders)
		*holders = h.holders;
	if (waiters)
		*waiters = h.waiters;
	return (int)h.count;
}

/*
 * The names before 1.2 (LIBSEMCTL_1.0 in libsemctl.map), which C++ cannot
 * use next to the structs of the same name (see <semctl.h>). Aliases, not
 * wrappers: the same code at the same address, no extra call.
 */
#define SEMCTL_ALIAS(old, new) \
	extern __typeof__(new) old \
		__attribute__((alias(#new), visibility("default")))

SEMCTL_ALIAS(semctl_create, semctl_sem_create);
SEMCTL_ALIAS(semctl_open, semctl_sem_open);
SEMCTL_ALIAS(semctl_unlink, semctl_sem_unlink);
SEMCTL_ALIAS(semctl_list, semctl_sem_list);
SEMCTL_ALIAS(semctl_acquire, semctl_sem_acquire);
SEMCTL_ALIAS(semctl_acquire_timeout, semctl_sem_acquire_timeout);
SEMCTL_ALIAS(semctl_try_acquire, semctl_sem_try_acquire);
SEMCTL_ALIAS(semctl_release, semctl_sem_release);
SEMCTL_ALIAS(semctl_query, semctl_sem_query);
SEMCTL_ALIAS(semctl_poison, semctl_sem_poison);
