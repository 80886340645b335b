// SPDX-License-Identifier: GPL-2.0
/*
 * semctl-bench: what the semctl peers (ioctl, read/write, mapped) share:
 * creating a semaphore on /dev/semctl and asking it for its state.
 */
#include <errno.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../bench.h"

int sc_create(uint64_t value, uint64_t max, const char *name,
	      unsigned int flags)
{
	struct semctl_create c = {
		.size = sizeof(c),
		.flags = flags,
		.value = value,
		.max = max,
		.name = (uintptr_t)name,
		.mode = 0600,
	};

	return ioctl(env.devfd, SEMCTL_IOC_CREATE, &c);
}

int sc_init(struct bsem *s, uint32_t value, uint32_t max)
{
	s->fd = sc_create(value, max, NULL, 0);
	return s->fd < 0 ? -errno : 0;
}

/* semctl and eventfd: the fd is the semaphore */
void fd_fini(struct bsem *s)
{
	if (s->fd >= 0)
		close(s->fd);
}

long sc_waiters(struct bsem *s)
{
	struct semctl_info info = { .size = sizeof(info) };

	if (ioctl(s->fd, SEMCTL_IOC_QUERY, &info) < 0)
		return -1;
	return info.waiters;
}

long sc_value(struct bsem *s)
{
	struct semctl_info info = { .size = sizeof(info) };

	if (ioctl(s->fd, SEMCTL_IOC_QUERY, &info) < 0)
		return -1;
	return info.value;
}
