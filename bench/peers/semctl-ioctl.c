// SPDX-License-Identifier: GPL-2.0
/* semctl-bench peer "semctl (ioctl)": SEMCTL_IOC_ACQUIRE / _RELEASE. */
#include <errno.h>
#include <sys/ioctl.h>

#include "../bench.h"

static int acquire(struct bsem *s, uint32_t n, int restart)
{
	struct semctl_acquire a = { .size = sizeof(a), .count = n };
	int r;

	do
		r = ioctl(s->fd, SEMCTL_IOC_ACQUIRE, &a);
	while (r < 0 && errno == EINTR && restart);
	return r;
}

static int release(struct bsem *s, uint32_t n)
{
	struct semctl_release rl = { .size = sizeof(rl), .count = n };

	return ioctl(s->fd, SEMCTL_IOC_RELEASE, &rl);
}

const struct peer peer_semctl_ioctl = {
	.name = "semctl (ioctl)",
	.mode = "ioctl",
	.semctl = 1,
	.init = sc_init,
	.fini = fd_fini,
	.acquire = acquire,
	.release = release,
	.waiters = sc_waiters,
	.value = sc_value,
};
