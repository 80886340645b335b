// SPDX-License-Identifier: GPL-2.0
/*
 * semctl-bench row 3: contended throughput, NWORK workers on a count of 2,
 * threads and processes. Its runs also measure row 7 (struct fairness).
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../bench.h"

struct contend {
	struct bsem s;
	_Atomic uint32_t start;
	_Atomic int stop;
	uint64_t count[NWORK];
	uint64_t maxwait[NWORK];
	int cs_iters;
	int onecpu;
};

static void contend_worker(struct contend *c, int w)
{
	uint64_t n = 0, mw = 0, t0, t1;
	volatile int x = 0;
	int i;

	if (c->onecpu)
		pin(0);
	while (!atomic_load(&c->start))
		futex(&c->start, FUTEX_WAIT, 0, NULL);
	while (!atomic_load(&c->stop)) {
		t0 = now_ns();
		bsem_acq(&c->s);
		t1 = now_ns();
		if (t1 - t0 > mw)
			mw = t1 - t0;
		for (i = 0; i < c->cs_iters; i++)
			x++;
		bsem_rel(&c->s, 1);
		n++;
	}
	c->count[w] = n;
	c->maxwait[w] = mw;
}

struct cw_arg {
	struct contend *c;
	int w;
};

static void *contend_thread(void *arg)
{
	struct cw_arg *a = arg;

	contend_worker(a->c, a->w);
	return NULL;
}

struct contend_res {
	double rate, jain, maxwait;
};

static struct contend_res contend(int kind, int proc, int onecpu)
{
	static struct contend *c;
	struct contend_res res = { NAN, NAN, NAN };
	struct cw_arg args[NWORK];
	pthread_t th[NWORK];
	pid_t pid[NWORK];
	double sum = 0, sq = 0;
	uint64_t t0, t1;
	int w;

	if (!c)
		c = shared_alloc(sizeof(*c));
	memset(c, 0, sizeof(*c));
	c->cs_iters = 50;
	c->onecpu = onecpu;
	if (bsem_init(&c->s, kind, 2, 2, proc))
		return res;
	for (w = 0; w < NWORK; w++) {
		if (proc) {
			pid[w] = fork();
			if (pid[w] < 0)
				die("fork: %s", strerror(errno));
			if (!pid[w]) {
				contend_worker(c, w);
				_exit(0);
			}
		} else {
			args[w].c = c;
			args[w].w = w;
			if (pthread_create(&th[w], NULL, contend_thread,
					   &args[w]))
				die("pthread_create");
		}
	}
	sleep_ns(5000000);
	t0 = now_ns();
	atomic_store(&c->start, 1);
	futex(&c->start, FUTEX_WAKE, INT_MAX, NULL);
	sleep_ns(opt.dur);
	atomic_store(&c->stop, 1);
	t1 = now_ns();
	for (w = 0; w < NWORK; w++) {
		if (proc)
			waitpid(pid[w], NULL, 0);
		else
			pthread_join(th[w], NULL);
	}
	res.maxwait = 0;
	for (w = 0; w < NWORK; w++) {
		sum += c->count[w];
		sq += (double)c->count[w] * c->count[w];
		res.maxwait = fmax(res.maxwait, c->maxwait[w]);
	}
	res.rate = sum * 1e9 / (t1 - t0);
	res.jain = sq ? sum * sum / (NWORK * sq) : NAN;
	bsem_fini(&c->s);
	return res;
}

const char *const ccfg[NCCFG] = {
	"4 threads", "4 processes", "4 threads, all on CPU 0",
};
struct fairness fair;

void row3(void)
{
	const char *cols[NPRIM];
	struct cell c[NCCFG][NPRIM];
	int i, k, r, best;

	memset(c, 0, sizeof(c));
	memset(fair.jain, 0, sizeof(fair.jain));
	memset(fair.wait, 0, sizeof(fair.wait));
	for (i = 0; i < NPRIM; i++)
		cols[i] = peers[i]->name;
	for (r = 0; r < opt.reps; r++)
		for (k = 0; k < NCCFG; k++)
			for (i = 0; i < NPRIM; i++) {
				struct contend_res res;

				c[k][i].na = prim_na(i);
				fair.jain[k][i].na = c[k][i].na;
				fair.wait[k][i].na = c[k][i].na;
				if (c[k][i].na)
					continue;
				res = contend(i, k == 1, k == 2);
				cell_add(&c[k][i], res.rate);
				cell_add(&fair.jain[k][i], res.jain);
				cell_add(&fair.wait[k][i], res.maxwait);
			}
	printf("\n### Row 3: contended throughput, %d workers on count 2 (acquire+release per second)\n",
	       NWORK);
	printf("\nEach worker: acquire, 50-iteration critical section, release, repeat; not pinned, except in the\n"
	       "last line, where all four share CPU 0 (no cross-CPU wake-ups: TCG delays those to a timer tick).\n");
	printf("Ratio columns: each semctl column / sem_t; the target is judged on the best semctl\n"
	       "column of the line, named in the judged column.\n");
	table_head("", cols, NPRIM, " ioctl / sem_t | read/write / sem_t | mapped / sem_t | judged: best semctl / sem_t | best semctl / best peer | target ≥ 1.0× sem_t |");
	for (k = 0; k < NCCFG; k++) {
		const int ps[] = { P_SEMT, -1 };
		char others[256] = "";
		double rt, rb;
		int b = best_semctl(c[k], 1), j;

		printf("| %s |", ccfg[k]);
		for (i = 0; i < NPRIM; i++)
			put_cell(&c[k][i], U_RATE);
		for (j = 0; j < NSEMCTL; j++) {
			int sc = semctl_cols[j];
			double v = ratio_best(c[k], sc, ps, 1, &best);

			printf(" %.2f× |", v);
			if (sc != b)
				append_item(others, sizeof(others), "%s %.2f×",
					    semctl_short[j], v);
		}
		if (b < 0) {
			printf(" – | – | n/a |\n");
			summarize("| 3 | contended ≥ 1.0× sem_t, %s | n/a | n/a |\n",
				  ccfg[k]);
			continue;
		}
		rt = ratio_best(c[k], b, ps, 1, &best);
		rb = ratio_best(c[k], b, peers_all, 1, &best);
		printf(" %.2f× (%s) | %.2f× (%s) | %s |\n", rt,
		       semctl_short_of(b),
		       rb, best >= 0 ? peers[best]->name : "-",
		       verdict(!isnan(rt), rt >= 1.0));
		summarize("| 3 | contended ≥ 1.0× sem_t, %s; judged: %s (others: %s) | %.2f× | %s |\n",
			  ccfg[k], semctl_col_name(b), others, rt,
			  verdict(!isnan(rt), rt >= 1.0));
	}
}
