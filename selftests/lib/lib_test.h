/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the libsemctl and semctl(1) selftests.
 *
 * As in the main selftests: ASSERT_*()/EXPECT_*() only in the harness's
 * test process, never in threads or forked children; every wait is
 * bounded; "the waiter is queued" is learnt by polling semctl_sem_query().
 */
#ifndef SEMCTL_LIB_TEST_H
#define SEMCTL_LIB_TEST_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <semctl.h>

#include "kselftest_harness.h"

#include "../semctl_harness.h"

#define NSEC_PER_MSEC	1000000ULL
#define NSEC_PER_SEC	1000000000ULL
/* TCG is slow: bounds for "wait until" loops. */
#define WAIT_MS		10000

static inline uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static inline void sleep_ms(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (long)(ms % 1000) * 1000000L,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* A name no other test (or earlier run) uses. */
static inline void uniq_name(char *buf, size_t len, const char *tag)
{
	static atomic_uint seq;

	snprintf(buf, len, "libtest-%s-%d-%u", tag, (int)getpid(),
		 atomic_fetch_add(&seq, 1));
}

static inline int64_t query_field(int fd, int which)
{
	struct semctl_info in;
	int ret = semctl_sem_query(fd, &in);

	if (ret < 0)
		return ret;
	switch (which) {
	case 0:
		return (int64_t)in.value;
	case 1:
		return (int64_t)in.waiters;
	case 2:
		return (int64_t)in.undo;
	default:
		return (int64_t)in.undo_total;
	}
}

#define Q_VALUE		0
#define Q_WAITERS	1
#define Q_UNDO		2
#define Q_UNDO_TOTAL	3

/* Poll until a query field reaches @want; true on success. */
static inline bool wait_field(int fd, int which, int64_t want)
{
	int i;

	for (i = 0; i < WAIT_MS; i++) {
		if (query_field(fd, which) == want)
			return true;
		sleep_ms(1);
	}
	return false;
}

#endif /* SEMCTL_LIB_TEST_H */
