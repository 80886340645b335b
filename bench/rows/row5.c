// SPDX-License-Identifier: GPL-2.0
/*
 * semctl-bench row 5: io_uring async acquires per second with N in flight
 * (the loop is uring_rate() in uring.c).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../bench.h"

void row5(void)
{
	static const int nf[] = { 64, 1024 };
	const char *cols[NUPRIM];
	struct cell c[2][NUPRIM];
	int i, k, r, best, reps = opt.smoke ? 1 : 3;

	memset(c, 0, sizeof(c));
	for (i = 0; i < NUPRIM; i++)
		cols[i] = upeers[i]->name;
	for (r = 0; r < reps; r++)
		for (k = 0; k < 2; k++)
			for (i = 0; i < NUPRIM; i++) {
				c[k][i].na = uring_na(i);
				if (!c[k][i].na)
					cell_add(&c[k][i],
						 uring_rate(i, nf[k], opt.dur));
			}
	printf("\n### Row 5: io_uring async acquires per second, N in flight\n");
	printf("\nOne thread keeps N acquires pending and releases 1 unit at a time (write(2); FUTEX_WAKE\n"
	       "through the ring for the futex), reaping and resubmitting. FUTEX_WAIT: wait for 0 → CAS.\n");
	table_head("", cols, NUPRIM, " uring_cmd / eventfd READ | semctl READ / eventfd READ | target uring_cmd ≥ 1.5× eventfd READ (64) |");
	for (k = 0; k < 2; k++) {
		const int pe[] = { UP_EFD, -1 };
		double rc = ratio_best(c[k], UP_SCMD, pe, 1, &best);
		double rr = ratio_best(c[k], UP_SREAD, pe, 1, &best);

		printf("| N = %d |", nf[k]);
		for (i = 0; i < NUPRIM; i++)
			put_cell(&c[k][i], U_RATE);
		printf(" %.2f× | %.2f× | %s |\n", rc, rr,
		       k ? "–" : verdict(!isnan(rc), rc >= 1.5));
		if (!k)
			summarize("| 5 | uring_cmd ≥ 1.5× eventfd READ, 64 in flight | %.2f× | %s |\n",
				  rc, verdict(!isnan(rc), rc >= 1.5));
	}
}
