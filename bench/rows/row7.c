// SPDX-License-Identifier: GPL-2.0
/*
 * semctl-bench row 7: fairness under row 3's contention: Jain's index of
 * per-worker acquisitions and the longest single wait. Measures nothing
 * itself: row 3 fills struct fairness.
 */
#include <math.h>
#include <stdio.h>

#include "../bench.h"

void row7(void)
{
	const char *cols[NPRIM];
	int i, k;

	if (!row_on(3)) {
		printf("\n### Row 7: fairness\n\nNeeds row 3 (its runs are measured).\n");
		return;
	}
	for (i = 0; i < NPRIM; i++)
		cols[i] = peers[i]->name;
	printf("\n### Row 7: fairness under row 3's contention (Jain's index of per-worker acquisitions; longest single wait)\n");
	printf("\nThe target is judged on the fairest semctl column of each line (named); the others\n"
	       "are in the verdict table.\n");
	table_head("", cols, NPRIM, " target: best semctl Jain ≥ 0.99 |");
	for (k = 0; k < NCCFG; k++) {
		int b = best_semctl(fair.jain[k], 1), m;
		double j = b >= 0 ? cell_med(&fair.jain[k][b]) : NAN;
		char others[256] = "";

		for (m = 0; m < NSEMCTL; m++)
			if (semctl_cols[m] != b)
				append_item(others, sizeof(others), "%s %.3f",
					    semctl_short[m],
					    cell_med(&fair.jain[k][semctl_cols[m]]));
		printf("| Jain, %s |", ccfg[k]);
		for (i = 0; i < NPRIM; i++)
			put_cell(&fair.jain[k][i], U_IDX);
		printf(" %s (%s) |\n", verdict(!isnan(j), j >= 0.99),
		       semctl_col_name(b));
		summarize("| 7 | Jain ≥ 0.99, %s; judged: %s (others: %s) | %.3f | %s |\n",
			  ccfg[k], semctl_col_name(b), others, j,
			  verdict(!isnan(j), j >= 0.99));
	}
	for (k = 0; k < NCCFG; k++) {
		printf("| longest wait, %s |", ccfg[k]);
		for (i = 0; i < NPRIM; i++)
			put_cell(&fair.wait[k][i], U_NS);
		printf(" |\n");
	}
}
