// SPDX-License-Identifier: GPL-2.0
/*
 * semctl-bench: semctl against the primitives it replaces, in one run.
 *
 * Peers: eventfd (EFD_SEMAPHORE), SysV semop, POSIX sem_t, a raw futex
 * semaphore, io_uring READ on an eventfd and (6.7+) io_uring FUTEX_WAIT /
 * FUTEX_WAKE. semctl is called three ways: its ioctls, read/write, and
 * libsemctl's mapped fast path (semctl_map_*, linked statically). Rows
 * follow issue 5; each is repeated and printed as "median (min-max)" with
 * the ratios to the peers and the target (MET / MISSES), judged on
 * the best semctl column and naming it. Output is Markdown on stdout; lines starting with
 * "@data" carry the scaling rows for bench/run.sh's plot.
 *
 * Runs anywhere: without /dev/semctl the semctl columns say n/a. Under
 * QEMU TCG absolute times mean little; read the ratios.
 *
 * This file: options, --profile, and the rows in the order of
 * rows/rows.def; bench.h says where the rest is.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench.h"

struct bench_opts opt = {
	.reps = 5,
	.dur = 300000000ULL,
	.rows = "1234567",
};

struct bench_env env = {
	.devfd = -1,
};

static const struct bench_row rows[] = {
#define ROW(id, fn, measures) { id, measures, fn },
#include "rows/rows.def"
#undef ROW
};

int row_on(int r)
{
	return strchr(opt.rows, '0' + r) != NULL;
}

/* "ioctl|rw|...": the --profile modes, one per peer */
static const char *profile_modes(void)
{
	static char buf[256];
	int k;

	for (k = 0; k < NPRIM; k++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s",
			 k ? "|" : "", peers[k]->mode);
	return buf;
}

/* --profile MODE N: one tight pair loop, for perf record in the guest. */
static int profile(const char *mode, long n)
{
	struct bsem s;
	uint64_t t0;
	long i;
	int k;

	for (k = 0; k < NPRIM; k++)
		if (!strcmp(mode, peers[k]->mode))
			break;
	if (k == NPRIM)
		die("--profile %s N", profile_modes());
	if (bsem_init(&s, k, 1, 1, 0))
		die("%s: cannot create", peers[k]->name);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		bsem_acq(&s);
		bsem_rel(&s, 1);
	}
	printf("%s: %.0f ns per acquire+release pair (%ld pairs)\n",
	       peers[k]->name, (double)(now_ns() - t0) / n, n);
	bsem_fini(&s);
	return 0;
}

static void usage(void)
{
	printf("usage: semctl-bench [--smoke] [--reps N] [--duration-ms MS] [--rows 1234567]\n"
	       "       semctl-bench --profile %s N   (one pair loop, for perf)\n"
	       "  Needs /dev/semctl (semctl.ko loaded) for the semctl columns; peers run anyway.\n"
	       "  Markdown on stdout; '@data' lines are plot data; progress on stderr.\n",
	       profile_modes());
}

int main(int argc, char **argv)
{
	struct utsname un;
	uint64_t t0 = now_ns();
	size_t r;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--smoke")) {
			opt.smoke = 1;
			opt.reps = 1;
			opt.dur = 20000000ULL;
		} else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
			opt.reps = atoi(argv[++i]);
			if (opt.reps < 1 || opt.reps > MAXREP)
				die("--reps 1..%d", MAXREP);
		} else if (!strcmp(argv[i], "--duration-ms") && i + 1 < argc) {
			opt.dur = strtoull(argv[++i], NULL, 10) * 1000000ULL;
		} else if (!strcmp(argv[i], "--profile") && i + 2 < argc) {
			env.devfd = open("/dev/semctl", O_RDWR | O_CLOEXEC);
			return profile(argv[i + 1], atol(argv[i + 2]));
		} else if (!strcmp(argv[i], "--rows") && i + 1 < argc) {
			snprintf(opt.rows, sizeof(opt.rows), "%s", argv[++i]);
		} else {
			usage();
			return !strcmp(argv[i], "--help") ? 0 : 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	env.ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	uname(&un);
	snprintf(env.kernel_release, sizeof(env.kernel_release), "%s", un.release);
	sscanf(un.release, "%d.%d", &env.kver_major, &env.kver_minor);
	env.devfd = open("/dev/semctl", O_RDWR | O_CLOEXEC);
	if (env.devfd < 0)
		note("/dev/semctl: %s: semctl columns are n/a", strerror(errno));
	uring_detect();

	printf("## Kernel %s (%d CPUs)\n\n", env.kernel_release, env.ncpu);
	printf("Mode %s: %d repetitions of %.0f ms per measurement; cells are median (min–max).\n"
	       "io_uring: %s; FUTEX_WAIT/WAKE ops: %s; semctl uring_cmd: %s.\n",
	       opt.smoke ? "smoke" : "full", opt.reps, opt.dur / 1e6,
	       env.have_uring ? "yes" : "no", env.have_uring_futex ? "yes" : "no",
	       env.have_uring_cmd ? "yes" : "no");
	summarize("| row | target | measured | verdict |\n|---|---|---|---|\n");

	for (r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		if (!row_on(rows[r].id))
			continue;
		if (rows[r].measures)
			note("row %d", rows[r].id);
		rows[r].run();
	}
	printf("\n### Targets on %s\n\n%s", env.kernel_release, summary_text());
	printf("\n(run took %.0f s)\n", (now_ns() - t0) / 1e9);
	return 0;
}
