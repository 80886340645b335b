// SPDX-License-Identifier: GPL-2.0
/*
 * semctl-bench: Markdown output: cells with their unit, table heads,
 * ratios to the best peer, verdicts, and the summary of targets printed
 * at the end.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

/* Pick a scale for @v: divisor and suffix. */
static void scale(double v, enum unit u, double *div, const char **sfx)
{
	*div = 1;
	*sfx = "";
	switch (u) {
	case U_NS:
		*sfx = " ns";
		if (v >= 1e6) {
			*div = 1e6;
			*sfx = " ms";
		} else if (v >= 1e3) {
			*div = 1e3;
			*sfx = " µs";
		}
		break;
	case U_RATE:
		*sfx = "/s";
		if (v >= 1e6) {
			*div = 1e6;
			*sfx = " M/s";
		} else if (v >= 1e3) {
			*div = 1e3;
			*sfx = " k/s";
		}
		break;
	case U_BYTES:
		*sfx = " B";
		break;
	default:
		break;
	}
}

static const char *num(double v, enum unit u, double div, char *buf)
{
	double x = v / div;

	if (u == U_IDX)
		sprintf(buf, "%.3f", x);
	else if (u == U_COUNT && x == floor(x))
		sprintf(buf, "%.0f", x);
	else if (x >= 100)
		sprintf(buf, "%.0f", x);
	else if (x >= 10)
		sprintf(buf, "%.1f", x);
	else
		sprintf(buf, "%.2f", x);
	return buf;
}

void put_cell(const struct cell *c, enum unit u)
{
	char a[32], b[32], m[32];
	const char *sfx;
	double div;

	if (c->na) {
		printf(" n/a (%s) |", c->na);
		return;
	}
	if (!c->n) {
		printf(" – |");
		return;
	}
	scale(cell_med(c), u, &div, &sfx);
	num(cell_med(c), u, div, m);
	if (c->n == 1 || cell_min(c) == cell_max(c)) {
		printf(" %s%s |", m, sfx);
		return;
	}
	printf(" %s%s (%s–%s) |", m, sfx, num(cell_min(c), u, div, a),
	       num(cell_max(c), u, div, b));
}

void table_head(const char *first, const char *const *cols, int n,
		       const char *tail)
{
	int i;

	printf("\n| %s |", first);
	for (i = 0; i < n; i++)
		printf(" %s |", cols[i]);
	printf("%s\n|---|", tail);
	for (i = 0; i < n; i++)
		printf("---|");
	for (i = 0; tail[i]; i++)
		if (tail[i] == '|')
			printf("---|");
	printf("\n");
}

/*
 * Ratio of semctl (@c[@self]) to the best of the peers in @peers (indices
 * into @c, -1 ends). Lower is better unless @higher. Returns NAN if n/a.
 */
double ratio_best(const struct cell *c, int self, const int *peers,
			 int higher, int *best)
{
	double s = cell_med(&c[self]), b = NAN;
	int i;

	*best = -1;
	for (i = 0; peers[i] >= 0; i++) {
		double v = cell_med(&c[peers[i]]);

		if (isnan(v))
			continue;
		if (isnan(b) || (higher ? v > b : v < b)) {
			b = v;
			*best = peers[i];
		}
	}
	if (isnan(s) || isnan(b) || b == 0)
		return NAN;
	return s / b;
}

const char *verdict(int known, int met)
{
	if (!known)
		return "n/a";
	return met ? "MET" : "**MISSES**";
}

/* Summary lines collected for the end of the report. */
static char summary[16384];

void summarize(const char *fmt, ...)
{
	size_t len = strlen(summary);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(summary + len, sizeof(summary) - len, fmt, ap);
	va_end(ap);
}

const char *summary_text(void)
{
	return summary;
}

/* Append ", " (unless @buf is empty) and a formatted item to @buf. */
void append_item(char *buf, size_t size, const char *fmt, ...)
{
	size_t l = strlen(buf);
	va_list ap;

	if (l && l + 2 < size) {
		strcpy(buf + l, ", ");
		l += 2;
	}
	va_start(ap, fmt);
	vsnprintf(buf + l, size - l, fmt, ap);
	va_end(ap);
}
