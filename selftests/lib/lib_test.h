/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the libsemctl and semctl(1) selftests.
 *
 * As in the main selftests: ASSERT_*()/EXPECT_*() only in the harness's
 * test process, never in threads or forked children; every wait is
 * bounded; "the waiter is queued" is learnt by polling semctl_query().
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

/*
 * The list mode and test filter of selftests/semctl_test.h, so that
 * selftests/run_kselftest.sh drives these programs as it does those:
 * "-l" lists "fixture.name" and exits; "-t FILTER" (or
 * $SEMCTL_TEST_FILTER) runs only the tests whose "fixture.name" contains
 * FILTER. The 6.1 harness ignores its arguments: without this, "-l" would
 * run every test.
 */
static inline int lib_filter_tests(const char *filter)
{
	struct __fixture_metadata *f;
	int kept = 0;

	for (f = __fixture_list; f; f = f->next) {
		struct __test_metadata *t = f->tests, *next;
		struct __test_metadata *head = NULL, *tail = NULL;
		char full[512];

		for (; t; t = next) {
			next = t->next;
			snprintf(full, sizeof(full), "%s.%s", f->name, t->name);
			if (!strstr(full, filter))
				continue;
			t->next = NULL;
			if (!head) {
				head = t;
			} else {
				tail->next = t;
				t->prev = tail;
			}
			tail = t;
			head->prev = tail;
			kept++;
		}
		f->tests = head;
	}
	return kept;
}

static inline int lib_harness_main(int argc, char **argv)
{
	const char *filter = getenv("SEMCTL_TEST_FILTER");
	struct __fixture_metadata *f;
	struct __test_metadata *t;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-l") || !strcmp(argv[i], "--list")) {
			for (f = __fixture_list; f; f = f->next)
				for (t = f->tests; t; t = t->next)
					printf("%s.%s\n", f->name, t->name);
			return 0;
		}
		if (!strcmp(argv[i], "-t") && i + 1 < argc)
			filter = argv[++i];
	}
	if (filter && *filter && lib_filter_tests(filter) == 0) {
		ksft_print_header();
		ksft_exit_skip("no test matches '%s'\n", filter);
	}
	return test_harness_run(argc, argv);
}

#undef TEST_HARNESS_MAIN
#define TEST_HARNESS_MAIN						\
	int main(int argc, char **argv)					\
	{								\
		return lib_harness_main(argc, argv);			\
	}

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
	int ret = semctl_query(fd, &in);

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
