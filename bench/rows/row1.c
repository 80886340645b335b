// SPDX-License-Identifier: GPL-2.0
/*
 * semctl-bench row 1: uncontended acquire + release, one thread, ns per
 * pair, against the getppid syscall floor; io_uring acquires too.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../bench.h"

static double pair_prim(int kind)
{
	struct bsem s;
	double ns;

	if (bsem_init(&s, kind, 1, 1, 0))
		return NAN;
	ns = TIMED_LOOP({ bsem_acq(&s); bsem_rel(&s, 1); });
	bsem_fini(&s);
	return ns;
}

/* Called where uring_na(@kind) is NULL: UP_SCMD, UP_SREAD or UP_EFD. */
static double pair_uring(int kind)
{
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	struct bsem s;
	uint64_t buf;
	double ns;

	if (bsem_init(&s, kind == UP_EFD ? P_EVENTFD : P_SEMCTL, 1, 1, 0))
		return NAN;
	if (io_uring_queue_init(8, &ring, 0) < 0)
		return NAN;
	ns = TIMED_LOOP({
		struct io_uring_sqe *sqe = get_sqe(&ring);

		if (kind == UP_SCMD)
			prep_semctl_acquire(sqe, s.fd, 1);
		else
			io_uring_prep_read(sqe, s.fd, &buf, 8, 0);
		io_uring_submit_and_wait(&ring, 1);
		if (io_uring_peek_cqe(&ring, &cqe) || cqe->res < 0)
			die("%s: %d", upeers[kind]->name, cqe ? cqe->res : 0);
		io_uring_cqe_seen(&ring, cqe);
		bsem_rel(&s, 1);
	});
	io_uring_queue_exit(&ring);
	bsem_fini(&s);
	return ns;
}

void row1(void)
{
	static const char *const extra[] = {
		"semctl uring_cmd + ioctl", "semctl READ + write",
		"eventfd READ + write",
	};
	const char *cols[NPRIM + 4];
	struct cell c[NPRIM + 4];
	int i, r, best;
	double ratio, re, rs;

	memset(c, 0, sizeof(c));
	cols[0] = "getppid (floor)";
	for (i = 0; i < NPRIM; i++)
		cols[1 + i] = peers[i]->name;
	for (i = 0; i < 3; i++)
		cols[1 + NPRIM + i] = extra[i];
	for (r = 0; r < (opt.smoke ? 1 : 2 * opt.reps - 1); r++) {
		cell_add(&c[0], TIMED_LOOP(syscall(SYS_getppid)));
		for (i = 0; i < NPRIM; i++) {
			c[1 + i].na = prim_na(i);
			if (!c[1 + i].na)
				cell_add(&c[1 + i], pair_prim(i));
		}
		for (i = 0; i < 3; i++) {
			int k = i == 0 ? UP_SCMD : i == 1 ? UP_SREAD : UP_EFD;

			c[1 + NPRIM + i].na = uring_na(k);
			if (!c[1 + NPRIM + i].na)
				cell_add(&c[1 + NPRIM + i], pair_uring(k));
		}
	}
	printf("\n### Row 1: uncontended acquire + release, one thread (ns per pair)\n");
	printf("\nsem_t and futex take no syscall when uncontended; the syscall floor is getppid.\n");
	table_head("", cols, NPRIM + 4, "");
	printf("| ns/pair |");
	for (i = 0; i < NPRIM + 4; i++)
		put_cell(&c[i], U_NS);
	printf("\n");

	{
		/* c[] is offset by one: semctl is c[1], eventfd c[1+P_EVENTFD] */
		const struct cell *p = c + 1;
		int b = best_semctl(p, 0), j;
		double me = cell_min(&p[P_EVENTFD]), ms = cell_min(&p[P_SYSV]);
		char others[256] = "";

		printf("\nPer semctl column, / eventfd (target ≤ 1.0×) and / SysV (target ≤ 0.5×), medians (minima):");
		for (j = 0; j < NSEMCTL; j++) {
			const struct cell *v = &p[semctl_cols[j]];
			double e = cell_med(v) / cell_med(&p[P_EVENTFD]);
			double y = cell_med(v) / cell_med(&p[P_SYSV]);

			printf("%s %s %.2f× (%.2f×) / %.2f× (%.2f×)",
			       j ? ";" : "", peers[semctl_cols[j]]->name, e,
			       cell_min(v) / me, y, cell_min(v) / ms);
			if (semctl_cols[j] != b)
				append_item(others, sizeof(others),
					    "%s %.2f× / %.2f×", semctl_short[j],
					    e, y);
		}
		printf(".\n");
		if (b < 0) {
			summarize("| 1 | pair ≤ 1.0× eventfd and ≤ 0.5× SysV | n/a | n/a |\n");
			return;
		}
		re = cell_med(&p[b]) / cell_med(&p[P_EVENTFD]);
		rs = cell_med(&p[b]) / cell_med(&p[P_SYSV]);
		{
			const int pa[] = { 1 + P_EVENTFD, 1 + P_SYSV, 1 + P_SEMT,
					   1 + P_FUTEX, -1 };

			ratio = ratio_best(c, 1 + b, pa, 0, &best);
		}
		printf("Judged on the best semctl column, **%s**: / eventfd = **%.2f×** (target ≤ 1.0×: %s); "
		       "/ SysV = **%.2f×** (target ≤ 0.5×: %s); / best peer incl. no-syscall fast paths (%s) = %.2f×.\n",
		       peers[b]->name, re, verdict(!isnan(re), re <= 1.0), rs,
		       verdict(!isnan(rs), rs <= 0.5),
		       best >= 1 ? peers[best - 1]->name : "-", ratio);
		printf("Floor-subtracted (pair minus 2 getppid): semctl (ioctl) %.0f ns, semctl (read/write) %.0f ns, eventfd %.0f ns, SysV %.0f ns.\n",
		       cell_med(&p[P_SEMCTL]) - 2 * cell_med(&c[0]),
		       cell_med(&p[P_SEMCTL_RW]) - 2 * cell_med(&c[0]),
		       cell_med(&p[P_EVENTFD]) - 2 * cell_med(&c[0]),
		       cell_med(&p[P_SYSV]) - 2 * cell_med(&c[0]));
		summarize("| 1 | pair ≤ 1.0× eventfd; judged: %s (minima %.2f×; others: %s) | %.2f× | %s |\n",
			  peers[b]->name, cell_min(&p[b]) / me, others, re,
			  verdict(!isnan(re), re <= 1.0));
		summarize("| 1 | pair ≤ 0.5× SysV; judged: %s (minima %.2f×) | %.2f× | %s |\n",
			  peers[b]->name, cell_min(&p[b]) / ms, rs,
			  verdict(!isnan(rs), rs <= 0.5));
	}
}
