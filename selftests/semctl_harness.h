/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kselftest harness main with a test-name filter and a list mode,
 * shared by selftests/ and selftests/lib/ so that run_kselftest.sh drives
 * every program alike: "-l" lists "fixture.name" and exits; "-t FILTER"
 * (or $SEMCTL_TEST_FILTER) runs only the tests whose "fixture.name"
 * contains FILTER. The 6.1 harness ignores its arguments: without this,
 * "-l" would run every test. Include after kselftest_harness.h.
 */
#ifndef SEMCTL_HARNESS_H
#define SEMCTL_HARNESS_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline bool semctl_name_match(const char *filter,
				     struct __fixture_metadata *f,
				     struct __test_metadata *t)
{
	char full[512];

	if (!filter || !*filter)
		return true;
	snprintf(full, sizeof(full), "%s.%s", f->name, t->name);
	return strstr(full, filter) != NULL;
}

/* Keep only the tests matching filter; returns how many are left. */
static inline int semctl_filter_tests(const char *filter)
{
	struct __fixture_metadata *f;
	int kept = 0;

	for (f = __fixture_list; f; f = f->next) {
		struct __test_metadata *t = f->tests, *next;
		struct __test_metadata *head = NULL, *tail = NULL;

		for (; t; t = next) {
			next = t->next;
			if (!semctl_name_match(filter, f, t))
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

/* Optional per-program check run before the tests (e.g. io_uring). */
typedef int (*semctl_precheck_fn)(void);

static inline int semctl_harness_main(int argc, char **argv,
				      semctl_precheck_fn precheck)
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
	if (filter && *filter && semctl_filter_tests(filter) == 0) {
		ksft_print_header();
		ksft_exit_skip("no test matches '%s'\n", filter);
	}
	if (precheck) {
		int r = precheck();

		if (r)
			return r;
	}
	return test_harness_run(argc, argv);
}

#define SEMCTL_HARNESS_MAIN						\
	int main(int argc, char **argv)					\
	{								\
		return semctl_harness_main(argc, argv, NULL);		\
	}

/*
 * Programs written with the plain harness main get the filter and list
 * mode too (run_kselftest.sh relies on -l).
 */
#undef TEST_HARNESS_MAIN
#define TEST_HARNESS_MAIN SEMCTL_HARNESS_MAIN

#define SEMCTL_HARNESS_MAIN_PRECHECK(fn)				\
	int main(int argc, char **argv)					\
	{								\
		return semctl_harness_main(argc, argv, fn);		\
	}

#endif /* SEMCTL_HARNESS_H */
