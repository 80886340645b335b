// SPDX-License-Identifier: GPL-2.0
/* semctl-bench peer "SysV semop": a set of one semaphore. */
#include <errno.h>
#include <sys/ipc.h>
#include <sys/sem.h>

#include "../bench.h"

static int init(struct bsem *s, uint32_t value, uint32_t max)
{
	(void)max;
	s->semid = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
	if (s->semid < 0)
		return -errno;
	if (semctl(s->semid, 0, SETVAL, (int)value) < 0)
		return -errno;
	return 0;
}

static void fini(struct bsem *s)
{
	semctl(s->semid, 0, IPC_RMID);
}

static int acquire(struct bsem *s, uint32_t n, int restart)
{
	struct sembuf op = { .sem_num = 0, .sem_op = -(short)n };
	int r;

	do
		r = semop(s->semid, &op, 1);
	while (r < 0 && errno == EINTR && restart);
	return r;
}

static int release(struct bsem *s, uint32_t n)
{
	struct sembuf op = { .sem_num = 0, .sem_op = (short)n };

	return semop(s->semid, &op, 1);
}

static long waiters(struct bsem *s)
{
	return semctl(s->semid, 0, GETNCNT);
}

static long value(struct bsem *s)
{
	return semctl(s->semid, 0, GETVAL);
}

const struct peer peer_sysv = {
	.name = "SysV semop",
	.mode = "sysv",
	.init = init,
	.fini = fini,
	.acquire = acquire,
	.release = release,
	.waiters = waiters,
	.value = value,
};
