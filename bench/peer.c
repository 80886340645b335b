// SPDX-License-Identifier: GPL-2.0
/*
 * semctl-bench: the blocking primitives as the rows see them: struct bsem
 * and bsem_*(), which call the peer of each kind (peers/, listed in
 * peers/peers.def), and the semctl columns targets are judged on.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "bench.h"

const struct peer *const peers[NPRIM] = {
#define PEER(id, var) [id] = &var,
#include "peers/peers.def"
#undef PEER
};

const int peers_all[] = { P_EVENTFD, P_SYSV, P_SEMT, P_FUTEX, -1 };

const int semctl_cols[NSEMCTL + 1] = {
	P_SEMCTL, P_SEMCTL_RW, P_SEMCTL_MAP, -1
};
const char *const semctl_short[NSEMCTL] = {
	"ioctl", "read/write", "mapped",
};

/* The short name of semctl column @prim (one of semctl_cols). */
const char *semctl_short_of(int prim)
{
	int j;

	for (j = 0; j < NSEMCTL; j++)
		if (semctl_cols[j] == prim)
			return semctl_short[j];
	return "-";
}

/* The semctl column of @c with the best median (index into @c), or -1. */
int best_semctl(const struct cell *c, int higher)
{
	int i, best = -1;

	for (i = 0; i < NSEMCTL; i++) {
		double v = cell_med(&c[semctl_cols[i]]);

		if (isnan(v))
			continue;
		if (best < 0 || (higher ? v > cell_med(&c[best]) :
				 v < cell_med(&c[best])))
			best = semctl_cols[i];
	}
	return best;
}

const char *semctl_col_name(int kind)
{
	return kind >= 0 ? peers[kind]->name : "semctl (n/a)";
}

const char *prim_na(int kind)
{
	if (peers[kind]->semctl && env.devfd < 0)
		return "no /dev/semctl";
	return NULL;
}

/* Returns 0, or -errno. @shared: used across processes. */
int bsem_init(struct bsem *s, int kind, uint32_t value, uint32_t max,
	      int shared)
{
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->shared = shared;
	s->fd = -1;
	if (peers[kind]->semctl && env.devfd < 0)
		return -ENODEV;
	return peers[kind]->init(s, value, max);
}

void bsem_fini(struct bsem *s)
{
	if (peers[s->kind]->fini)
		peers[s->kind]->fini(s);
}

/* Acquire @n units; returns 0 or -errno (EINTR only if !restart). */
int bsem_acq_n(struct bsem *s, uint32_t n, int restart)
{
	if (peers[s->kind]->acquire(s, n, restart) < 0) {
		if (errno != EINTR)
			die("%s acquire: %s", peers[s->kind]->name,
			    strerror(errno));
		return -errno;
	}
	return 0;
}

void bsem_acq(struct bsem *s)
{
	bsem_acq_n(s, 1, 1);
}

void bsem_rel(struct bsem *s, uint32_t n)
{
	if (peers[s->kind]->release(s, n) < 0)
		die("%s release: %s", peers[s->kind]->name, strerror(errno));
}

/* Blocked waiters the kernel knows of, or -1 if it cannot tell. */
long bsem_waiters(struct bsem *s)
{
	return peers[s->kind]->waiters ? peers[s->kind]->waiters(s) : -1;
}

long bsem_value(struct bsem *s)
{
	return peers[s->kind]->value ? peers[s->kind]->value(s) : -1;
}
