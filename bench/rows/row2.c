// SPDX-License-Identifier: GPL-2.0
/*
 * semctl-bench row 2: ping-pong handoff between two threads or two
 * processes, same CPU and cross CPU, ns per round trip.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../bench.h"

struct pingpong {
	struct bsem a, b;
	_Atomic int stop;
	int cpu;
};

static void pp_partner(struct pingpong *p)
{
	pin(p->cpu);
	for (;;) {
		bsem_acq(&p->a);
		if (atomic_load(&p->stop))
			break;
		bsem_rel(&p->b, 1);
	}
}

static void *pp_thread(void *arg)
{
	pp_partner(arg);
	return NULL;
}

/* ns per round trip; @proc: processes; @cross: partner on CPU 1. */
static double pingpong(int kind, int proc, int cross)
{
	static struct pingpong *p;
	uint64_t t0, t, n = 0;
	pthread_t th;
	pid_t pid = 0;

	if (!p)
		p = shared_alloc(sizeof(*p));
	if (bsem_init(&p->a, kind, 0, 1, proc))
		return NAN;
	if (bsem_init(&p->b, kind, 0, 1, proc)) {
		bsem_fini(&p->a);
		return NAN;
	}
	atomic_store(&p->stop, 0);
	p->cpu = cross ? 1 : 0;
	pin(0);
	if (proc) {
		pid = fork();
		if (pid < 0)
			die("fork: %s", strerror(errno));
		if (!pid) {
			pp_partner(p);
			_exit(0);
		}
	} else if (pthread_create(&th, NULL, pp_thread, p)) {
		die("pthread_create");
	}
	t0 = now_ns();
	do {
		bsem_rel(&p->a, 1);
		bsem_acq(&p->b);
		n++;
		t = now_ns();
	} while (t - t0 < opt.dur || n < 3);
	atomic_store(&p->stop, 1);
	bsem_rel(&p->a, 1);
	if (proc)
		waitpid(pid, NULL, 0);
	else
		pthread_join(th, NULL);
	pin(-1);
	bsem_fini(&p->a);
	bsem_fini(&p->b);
	return (double)(t - t0) / n;
}

void row2(void)
{
	static const char *const cfg[4] = {
		"threads, same CPU", "threads, cross CPU",
		"processes, same CPU", "processes, cross CPU",
	};
	const char *cols[NPRIM];
	struct cell c[4][NPRIM];
	int i, k, r, best;

	memset(c, 0, sizeof(c));
	for (i = 0; i < NPRIM; i++)
		cols[i] = peers[i]->name;
	for (r = 0; r < opt.reps; r++)
		for (k = 0; k < 4; k++)
			for (i = 0; i < NPRIM; i++) {
				c[k][i].na = prim_na(i);
				if ((k & 1) && env.ncpu < 2)
					c[k][i].na = "1 CPU";
				if (!c[k][i].na)
					cell_add(&c[k][i],
						 pingpong(i, k >= 2, k & 1));
			}
	printf("\n### Row 2: ping-pong handoff (ns per round trip, two handoffs)\n");
	printf("\nBoth sides pinned: same CPU = both on CPU 0, cross CPU = CPU 0 and CPU 1.\n");
	printf("Ratio columns: each semctl column / sem_t, medians (minima); the target is judged on the\n"
	       "best semctl column of the line, named in the judged column.\n");
	table_head("", cols, NPRIM, " ioctl / sem_t | read/write / sem_t | mapped / sem_t | judged: best semctl / sem_t | best semctl / best peer | target ≤ 1.0× sem_t |");
	for (k = 0; k < 4; k++) {
		const int ps[] = { P_SEMT, -1 };
		char others[256] = "";
		double rt, rb;
		int b = best_semctl(c[k], 0), j;

		printf("| %s |", cfg[k]);
		for (i = 0; i < NPRIM; i++)
			put_cell(&c[k][i], U_NS);
		for (j = 0; j < NSEMCTL; j++) {
			int sc = semctl_cols[j];
			double v = ratio_best(c[k], sc, ps, 0, &best);

			printf(" %.2f× (%.2f×) |", v,
			       cell_min(&c[k][sc]) / cell_min(&c[k][P_SEMT]));
			if (sc != b)
				append_item(others, sizeof(others), "%s %.2f×",
					    semctl_short[j], v);
		}
		if (b < 0) {
			printf(" – | – | n/a |\n");
			summarize("| 2 | handoff ≤ 1.0× sem_t, %s | n/a | n/a |\n",
				  cfg[k]);
			continue;
		}
		rt = ratio_best(c[k], b, ps, 0, &best);
		rb = ratio_best(c[k], b, peers_all, 0, &best);
		printf(" %.2f× (%s) | %.2f× (%s) | %s |\n", rt,
		       semctl_short_of(b),
		       rb, best >= 0 ? peers[best]->name : "-",
		       verdict(!isnan(rt), rt <= 1.0));
		summarize("| 2 | handoff ≤ 1.0× sem_t, %s; judged: %s (minima %.2f×; others: %s) | %.2f× | %s |\n",
			  cfg[k], semctl_col_name(b),
			  cell_min(&c[k][b]) / cell_min(&c[k][P_SEMT]), others,
			  rt, verdict(!isnan(rt), rt <= 1.0));
	}
}
