// SPDX-License-Identifier: GPL-2.0
/*
 * semctl-bench: a cell is one measurement repeated; median, min and max.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

void cell_add(struct cell *c, double v)
{
	if (isnan(v)) {
		if (!c->na)
			c->na = "failed";
		return;
	}
	if (c->n < MAXREP)
		c->v[c->n++] = v;
}

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int cell_ok(const struct cell *c)
{
	return c->n > 0 && !c->na;
}

double cell_med(const struct cell *c)
{
	double s[MAXREP];

	if (!cell_ok(c))
		return NAN;
	memcpy(s, c->v, sizeof(double) * c->n);
	qsort(s, c->n, sizeof(double), dcmp);
	return c->n % 2 ? s[c->n / 2] : (s[c->n / 2 - 1] + s[c->n / 2]) / 2;
}

double cell_min(const struct cell *c)
{
	double m = INFINITY;
	int i;

	if (!cell_ok(c))
		return NAN;
	for (i = 0; i < c->n; i++)
		m = fmin(m, c->v[i]);
	return m;
}

double cell_max(const struct cell *c)
{
	double m = -INFINITY;
	int i;

	if (!cell_ok(c))
		return NAN;
	for (i = 0; i < c->n; i++)
		m = fmax(m, c->v[i]);
	return m;
}
