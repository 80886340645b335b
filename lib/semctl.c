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
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
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

SEMCTL_API int semctl_create(const char *name, uint64_t value, uint64_t max,
			     mode_t mode, unsigned int flags)
{
	struct semctl_create c;

	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.flags = flags;
	c.value = value;
	c.max = max;
	c.name = (uint64_t)(uintptr_t)name;
	c.mode = mode;
	return semctl_dev_ioctl(SEMCTL_IOC_CREATE, &c);
}

SEMCTL_API int semctl_open(const char *name, unsigned int flags)
{
	struct semctl_open o;

	if (!name)
		return -EINVAL;
	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.flags = flags;
	o.name = (uint64_t)(uintptr_t)name;
	return semctl_dev_ioctl(SEMCTL_IOC_OPEN, &o);
}

SEMCTL_API int semctl_unlink(const char *name)
{
	struct semctl_unlink u;

	if (!name)
		return -EINVAL;
	memset(&u, 0, sizeof(u));
	u.size = sizeof(u);
	u.name = (uint64_t)(uintptr_t)name;
	return semctl_dev_ioctl(SEMCTL_IOC_UNLINK, &u);
}

SEMCTL_API int semctl_list(uint64_t *cursor, struct semctl_info *entries,
			   unsigned int count)
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

SEMCTL_API int semctl_acquire(int fd, uint64_t count, unsigned int flags)
{
	struct semctl_acquire a = {
		.size = sizeof(a),
		.flags = flags,
		.count = count,
	};

	return semctl_ioctl(fd, SEMCTL_IOC_ACQUIRE, &a);
}

SEMCTL_API int semctl_try_acquire(int fd, uint64_t count, unsigned int flags)
{
	return semctl_acquire(fd, count, flags | SEMCTL_ACQUIRE_TRY);
}

SEMCTL_API int semctl_acquire_timeout(int fd, uint64_t count,
				      unsigned int flags,
				      const struct timespec *ts)
{
	struct semctl_acquire a = {
		.size = sizeof(a),
		.flags = flags,
		.count = count,
	};

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
	return semctl_ioctl(fd, SEMCTL_IOC_ACQUIRE, &a);
}

SEMCTL_API int semctl_release(int fd, uint64_t count, uint64_t *previous)
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

SEMCTL_API int semctl_query(int fd, struct semctl_info *info)
{
	if (!info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return semctl_ioctl(fd, SEMCTL_IOC_QUERY, info);
}

SEMCTL_API int semctl_poison(int fd)
{
	struct semctl_poison p = {
		.size = sizeof(p),
	};

	return semctl_ioctl(fd, SEMCTL_IOC_POISON, &p);
}
