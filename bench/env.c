// SPDX-License-Identifier: GPL-2.0
/*
 * semctl-bench: messages, knobs raised for the run, futex(2), shared
 * memory for the rows that fork.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "semctl-bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "[bench] ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

/* Raise a numeric knob (sysctl, module parameter) to at least @want; the
 * old value is put back at exit. Quietly does nothing when not allowed. */
#define MAXKNOB 8
static struct { char path[128]; long old; } knobs[MAXKNOB];
static int nknobs;

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static int write_long(const char *path, long v)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (!f)
		return -1;
	ok = fprintf(f, "%ld\n", v) > 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

static void restore_knobs(void)
{
	while (nknobs-- > 0)
		write_long(knobs[nknobs].path, knobs[nknobs].old);
}

void raise_knob(const char *path, long want)
{
	long old = read_long(path);

	if (old < 0 || old >= want || nknobs == MAXKNOB)
		return;
	if (write_long(path, want))
		return;
	snprintf(knobs[nknobs].path, sizeof(knobs[nknobs].path), "%s", path);
	knobs[nknobs++].old = old;
	if (nknobs == 1)
		atexit(restore_knobs);
	note("raised %s from %ld to %ld for this run", path, old, want);
}

long futex(_Atomic uint32_t *uaddr, int op, uint32_t val,
		  const struct timespec *ts)
{
	return syscall(SYS_futex, uaddr, op, val, ts, NULL, 0);
}

void *shared_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	memset(p, 0, size);
	return p;
}
