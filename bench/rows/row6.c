// SPDX-License-Identifier: GPL-2.0
/*
 * semctl-bench row 6: scale. This file: the row, and 6a, the release cost
 * with N waiters queued that it does not wake; 6b is rows/row6b.c, 6c and
 * 6d rows/row6cd.c.
 */
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../bench.h"

/* 6a: release cost with N waiters queued that it does not wake. */

#define BIG 32767	/* SysV SEMVMX; the waiters want all of it */

struct qwait {
	struct bsem *s;
	_Atomic int ready;
};

static void on_usr1(int sig)
{
	(void)sig;
}

static void *qwait_thread(void *arg)
{
	struct qwait *q = arg;

	atomic_fetch_add(&q->ready, 1);
	if (!bsem_acq_n(q->s, BIG, 0))
		bsem_rel(q->s, BIG);
	return NULL;
}

/* ns per release of 1 unit with @n waiters for BIG queued; reps in @c. */
static void release_scale(int kind, int n, struct cell *c)
{
	struct qwait q = { 0 };
	pthread_attr_t attr;
	pthread_t *th;
	struct bsem s;
	uint64_t deadline, t0;
	int i, created = 0, r, k = opt.smoke ? 200 : 1000;
	int reps = opt.smoke ? 1 : opt.reps;

	if (bsem_init(&s, kind, 0, BIG, 0)) {
		c->na = "create failed";
		return;
	}
	q.s = &s;
	th = calloc(n, sizeof(*th));
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 32768);
	for (i = 0; i < n; i++) {
		if (pthread_create(&th[i], &attr, qwait_thread, &q))
			break;
		created++;
	}
	deadline = now_ns() + 120000000000ULL;
	while (created == n && bsem_waiters(&s) < n && now_ns() < deadline)
		sleep_ns(2000000);
	if (created < n) {
		c->na = "thread limit";
	} else if (bsem_waiters(&s) < n) {
		c->na = "waiters did not queue";
	} else {
		for (r = 0; r < reps && (r + 1) * k < BIG; r++) {
			t0 = now_ns();
			for (i = 0; i < k; i++)
				bsem_rel(&s, 1);
			cell_add(c, (double)(now_ns() - t0) / k);
		}
		if (bsem_value(&s) == 0 || bsem_waiters(&s) != n)
			note("release_scale: a waiter was woken?");
	}
	/* Interrupt every waiter (EINTR, no SA_RESTART). */
	for (i = 0; i < created; i++)
		pthread_kill(th[i], SIGUSR1);
	for (i = 0; i < created; i++)
		pthread_join(th[i], NULL);
	pthread_attr_destroy(&attr);
	free(th);
	bsem_fini(&s);
}

void row6(void)
{
	static const int ns_full[] = { 1, 100, 10000 }, ns_smoke[] = { 1, 100 };
	static const int sprims[2] = { P_SEMCTL, P_SYSV };
	const int *ns = opt.smoke ? ns_smoke : ns_full;
	int nn = opt.smoke ? 2 : 3, i, k, reps = opt.smoke ? 1 : 3;
	struct cell rel[3][2];
	struct sigaction sa = { .sa_handler = on_usr1 };

	sigaction(SIGUSR1, &sa, NULL);	/* no SA_RESTART */
	/* a 1 GiB guest allows ~7800 threads; 6a wants 10 000 waiters */
	raise_knob("/proc/sys/kernel/threads-max", 30000);
	memset(rel, 0, sizeof(rel));
	for (k = 0; k < nn; k++)
		for (i = 0; i < 2; i++) {
			if ((rel[k][i].na = prim_na(sprims[i])))
				continue;
			note("row 6a: %s, %d waiters", peers[sprims[i]]->name, ns[k]);
			release_scale(sprims[i], ns[k], &rel[k][i]);
			if (cell_ok(&rel[k][i]))
				printf("@data release %s %d %g\n",
				       peers[sprims[i]]->name, ns[k],
				       cell_med(&rel[k][i]));
		}
	printf("\n### Row 6: scale\n");
	printf("\n**6a. Release cost with N waiters queued that the release does not wake** (ns per release of 1 unit).\n"
	       "N threads each block acquiring 32767 units (SysV's SEMVMX) of a semaphore at 0; the main thread\n"
	       "then releases 1 unit at a time, which satisfies nobody. eventfd, sem_t and a futex cannot wait for\n"
	       "more than 1 unit, so this row has only semctl and SysV.\n");
	{
		const char *c2[2] = { peers[P_SEMCTL]->name, peers[P_SYSV]->name };
		double first, last, mfirst, mlast, g, gm;
		int known = 1;

		table_head("waiters queued", c2, 2, " semctl / SysV |");
		for (k = 0; k < nn; k++) {
			printf("| N = %d |", ns[k]);
			put_cell(&rel[k][0], U_NS);
			put_cell(&rel[k][1], U_NS);
			printf(" %.2f× |\n", cell_med(&rel[k][0]) / cell_med(&rel[k][1]));
			if (!cell_ok(&rel[k][0]))
				known = 0;
		}
		/* Does the cost grow from the fewest to the most waiters? */
		first = cell_med(&rel[0][0]);
		last = cell_med(&rel[nn - 1][0]);
		mfirst = cell_min(&rel[0][0]);
		mlast = cell_min(&rel[nn - 1][0]);
		g = last / first;
		gm = mlast / mfirst;
		printf("\nsemctl release cost at N = %d over N = %d: %.2f× (minima: %.2f×); SysV: %.2f×. "
		       "Target: independent of N, taken as ≤ 1.5×: %s.\n",
		       ns[nn - 1], ns[0], g, gm,
		       cell_med(&rel[nn - 1][1]) / cell_med(&rel[0][1]),
		       verdict(known, g <= 1.5));
		summarize("| 6 | release cost independent of waiters not woken (N = %d / N = %d ≤ 1.5×; minima %.2f×) | %.2f× | %s |\n",
			  ns[nn - 1], ns[0], gm, g, verdict(known, g <= 1.5));
	}

	row6b(ns, nn, reps);
	row6cd();
}
