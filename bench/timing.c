// SPDX-License-Identifier: GPL-2.0
/*
 * semctl-bench: the clock, sleeping and CPU pinning every row uses.
 */
#include <errno.h>
#include <sched.h>
#include <time.h>

#include "bench.h"

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void sleep_ns(uint64_t ns)
{
	struct timespec ts = { ns / 1000000000ULL, ns % 1000000000ULL };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

void pin(int cpu)
{
	cpu_set_t set;
	int i;

	CPU_ZERO(&set);
	if (cpu < 0) {
		for (i = 0; i < env.ncpu; i++)
			CPU_SET(i, &set);
	} else {
		CPU_SET(cpu % env.ncpu, &set);
	}
	sched_setaffinity(0, sizeof(set), &set);
}
