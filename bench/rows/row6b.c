// SPDX-License-Identifier: GPL-2.0
/*
 * semctl-bench row 6b: release + acquire cost with N io_uring acquires
 * queued, each satisfied by one release (row 5's loop, uring_rate()).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../bench.h"

/* @ns: the N, @nn of them; @reps repetitions */
void row6b(const int *ns, int nn, int reps)
{
	struct cell hand[3][NUPRIM];
	const char *cols[NUPRIM];
	int i, k, r;

	memset(hand, 0, sizeof(hand));
	/* 6b: handoff cost with N async waiters (each wants 1 unit) */
	for (r = 0; r < reps; r++)
		for (k = 0; k < nn; k++)
			for (i = 0; i < NUPRIM; i++) {
				double rate;

				hand[k][i].na = uring_na(i);
				if (hand[k][i].na)
					continue;
				if (!r)
					note("row 6b: %s, %d in flight",
					     upeers[i]->name, ns[k]);
				rate = uring_rate(i, ns[k], opt.dur);
				cell_add(&hand[k][i], 1e9 / rate);
			}
	for (k = 0; k < nn; k++)
		for (i = 0; i < NUPRIM; i++)
			if (cell_ok(&hand[k][i]))
				printf("@data handoff %s %d %g\n", upeers[i]->name,
				       ns[k], cell_med(&hand[k][i]));
	printf("\n**6b. Release + acquire cost with N acquires queued** (ns per unit handed to an io_uring waiter).\n"
	       "Row 5's loop with N = 1, 100, 10 000 pending acquires of 1 unit each: every release satisfies\n"
	       "exactly one of them. Threads would need N stacks; io_uring requests do not.\n");
	for (i = 0; i < NUPRIM; i++)
		cols[i] = upeers[i]->name;
	table_head("acquires queued", cols, NUPRIM, " uring_cmd / eventfd READ |");
	for (k = 0; k < nn; k++) {
		printf("| N = %d |", ns[k]);
		for (i = 0; i < NUPRIM; i++)
			put_cell(&hand[k][i], U_NS);
		printf(" %.2f× |\n", cell_med(&hand[k][UP_SCMD]) /
		       cell_med(&hand[k][UP_EFD]));
	}

}
