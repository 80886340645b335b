// SPDX-License-Identifier: GPL-2.0
/*
 * semctl-bench row 4: herd: W waiters blocked, one release of 1 unit;
 * how many wake up, how many return, how long the handoff takes.
 */
#include <limits.h>
#include <linux/futex.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../bench.h"

struct herd {
	struct bsem s;
	int w;
	pid_t *tids;
	uint64_t *tret;
	_Atomic int ready;
	_Atomic int returned;
	_Atomic uint32_t home;
};

struct herd_arg {
	struct herd *h;
	int i;
};

static pid_t gettid_(void)
{
	return syscall(SYS_gettid);
}

static void *herd_thread(void *arg)
{
	struct herd_arg *a = arg;
	struct herd *h = a->h;

	h->tids[a->i] = gettid_();
	atomic_fetch_add(&h->ready, 1);
	bsem_acq(&h->s);
	h->tret[a->i] = now_ns();
	atomic_fetch_add(&h->returned, 1);
	while (!atomic_load(&h->home))
		futex(&h->home, FUTEX_WAIT_PRIVATE, 0, NULL);
	return NULL;
}

/* Field of /proc/self/task/TID/status, or -1. */
static long task_status(pid_t tid, const char *key)
{
	char path[64], line[256];
	size_t kl = strlen(key);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			if (!strcmp(key, "State")) {
				char *p = line + kl + 1;

				while (*p == ' ' || *p == '\t')
					p++;
				v = *p;
			} else {
				v = strtol(line + kl + 1, NULL, 10);
			}
			break;
		}
	fclose(f);
	return v;
}

struct herd_res {
	double woken, returned, handoff;
};

static struct herd_res herd(int kind, int w)
{
	struct herd_res res = { NAN, NAN, NAN };
	struct herd_arg *args;
	pthread_attr_t attr;
	struct herd h;
	pthread_t *th;
	long *csw;
	uint64_t t0, first = UINT64_MAX, deadline;
	int i, woken = 0, created = 0;

	memset(&h, 0, sizeof(h));
	if (bsem_init(&h.s, kind, 0, w + 1, 0))
		return res;
	h.w = w;
	h.tids = calloc(w, sizeof(*h.tids));
	h.tret = calloc(w, sizeof(*h.tret));
	args = calloc(w, sizeof(*args));
	th = calloc(w, sizeof(*th));
	csw = calloc(w, sizeof(*csw));
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 65536);
	for (i = 0; i < w; i++) {
		args[i].h = &h;
		args[i].i = i;
		if (pthread_create(&th[i], &attr, herd_thread, &args[i]))
			break;
		created++;
	}
	if (created < w) {
		note("herd: only %d of %d threads", created, w);
		goto out_release;
	}
	/* Every waiter asleep in its acquire. */
	deadline = now_ns() + 30000000000ULL;
	while (atomic_load(&h.ready) < w && now_ns() < deadline)
		sleep_ns(1000000);
	for (i = 0; i < w && now_ns() < deadline; i++)
		while (task_status(h.tids[i], "State") != 'S' &&
		       now_ns() < deadline)
			sleep_ns(200000);
	if (kind == P_SEMCTL || kind == P_SEMCTL_MAP || kind == P_SYSV)
		while (bsem_waiters(&h.s) < w && now_ns() < deadline)
			sleep_ns(1000000);
	sleep_ns(opt.smoke ? 5000000 : 20000000);
	for (i = 0; i < w; i++)
		csw[i] = task_status(h.tids[i], "voluntary_ctxt_switches");

	t0 = now_ns();
	bsem_rel(&h.s, 1);
	deadline = t0 + 5000000000ULL;
	while (!atomic_load(&h.returned) && now_ns() < deadline)
		sleep_ns(20000);
	/* Let the herd run its course (a cross-CPU wake may wait a tick). */
	sleep_ns(opt.smoke ? 20000000 : 100000000);
	for (i = 0; i < w; i++)
		if (task_status(h.tids[i], "voluntary_ctxt_switches") != csw[i])
			woken++;
	for (i = 0; i < w; i++)
		if (h.tret[i] && h.tret[i] < first)
			first = h.tret[i];
	res.woken = woken;
	res.returned = atomic_load(&h.returned);
	res.handoff = first == UINT64_MAX ? NAN : (double)(first - t0);

out_release:
	/* Let everybody else through, then home. */
	if (created - atomic_load(&h.returned) > 0)
		bsem_rel(&h.s, created - atomic_load(&h.returned));
	deadline = now_ns() + 60000000000ULL;
	while (atomic_load(&h.returned) < created && now_ns() < deadline)
		sleep_ns(1000000);
	atomic_store(&h.home, 1);
	futex(&h.home, FUTEX_WAKE_PRIVATE, INT_MAX, NULL);
	for (i = 0; i < created; i++)
		pthread_join(th[i], NULL);
	pthread_attr_destroy(&attr);
	bsem_fini(&h.s);
	free(h.tids);
	free(h.tret);
	free(args);
	free(th);
	free(csw);
	return res;
}

void row4(void)
{
	static const int ws_full[] = { 1, 8, 64, 512 }, ws_smoke[] = { 1, 8 };
	const int *ws = opt.smoke ? ws_smoke : ws_full;
	int nw = opt.smoke ? 2 : 4, reps = opt.smoke ? 1 : 3;
	const char *cols[NPRIM];
	struct cell wk[4][NPRIM], ret[4][NPRIM], ho[4][NPRIM];
	int i, k, r, best;

	memset(wk, 0, sizeof(wk));
	memset(ret, 0, sizeof(ret));
	memset(ho, 0, sizeof(ho));
	for (i = 0; i < NPRIM; i++)
		cols[i] = peers[i]->name;
	for (r = 0; r < reps; r++)
		for (k = 0; k < nw; k++)
			for (i = 0; i < NPRIM; i++) {
				struct herd_res res;

				wk[k][i].na = ret[k][i].na = ho[k][i].na =
					prim_na(i);
				if (wk[k][i].na)
					continue;
				res = herd(i, ws[k]);
				cell_add(&wk[k][i], res.woken);
				cell_add(&ret[k][i], res.returned);
				cell_add(&ho[k][i], res.handoff);
			}
	for (k = 0; k < nw; k++)
		for (i = 0; i < NPRIM; i++)
			if (cell_ok(&wk[k][i]))
				printf("@data herd %s %d %g\n", peers[i]->name,
				       ws[k], cell_med(&wk[k][i]));
	printf("\n### Row 4: herd — W waiters blocked, one release of 1 unit\n");
	printf("\nWake-ups = waiter threads whose voluntary context switches changed across the release\n"
	       "(/proc/self/task/TID/status); every primitive lets exactly one waiter return.\n");
	table_head("wake-ups caused", cols, NPRIM, " target: every semctl column = 1 |");
	for (k = 0; k < nw; k++) {
		int known = 0, one = 1, j;

		for (j = 0; j < NSEMCTL; j++) {
			const struct cell *v = &wk[k][semctl_cols[j]];

			if (!cell_ok(v))
				continue;
			known = 1;
			if (cell_max(v) != 1 || cell_min(v) != 1)
				one = 0;
		}
		printf("| W = %d |", ws[k]);
		for (i = 0; i < NPRIM; i++)
			put_cell(&wk[k][i], U_COUNT);
		printf(" %s |\n", verdict(known, one));
		summarize("| 4 | exactly 1 wake-up, W = %d; judged: every semctl column | %s | %s |\n",
			  ws[k], known ? (one ? "1" : "> 1") : "n/a",
			  verdict(known, one));
	}
	table_head("waiters returned", cols, NPRIM, "");
	for (k = 0; k < nw; k++) {
		printf("| W = %d |", ws[k]);
		for (i = 0; i < NPRIM; i++)
			put_cell(&ret[k][i], U_COUNT);
		printf("\n");
	}
	table_head("time to hand off (release → waiter returns)", cols,
		   NPRIM, " semctl (ioctl) / best peer |");
	for (k = 0; k < nw; k++) {
		double rb;

		printf("| W = %d |", ws[k]);
		for (i = 0; i < NPRIM; i++)
			put_cell(&ho[k][i], U_NS);
		rb = ratio_best(ho[k], P_SEMCTL, peers_all, 0, &best);
		printf(" %.2f× (%s) |\n", rb,
		       best >= 0 ? peers[best]->name : "-");
	}
}
