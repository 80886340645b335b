// SPDX-License-Identifier: GPL-2.0
/*
 * semctl(1)'s --timeout, --count and --mode parsers (tools/semctl/parse.c)
 * on the host, built twice by `make host-tests`: with this machine's
 * 64-bit time_t and with -m32's 32-bit one, where a timeout past 2^31-1 s
 * must saturate instead of wrapping to a short or negative wait.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

static int failed, number;

static void check(int ok, const char *what)
{
	printf("%sok %d %s\n", ok ? "" : "not ", ++number, what);
	if (!ok)
		failed = 1;
}

static void seconds_are(const char *s, long long sec, long nsec)
{
	struct timespec ts = { .tv_sec = -1, .tv_nsec = -1 };
	char what[128];
	bool ok = parse_seconds(s, &ts);

	snprintf(what, sizeof(what), "--timeout '%s' is %lld.%09ld s", s, sec, nsec);
	check(ok && (long long)ts.tv_sec == sec && ts.tv_nsec == nsec, what);
	if (ok && ((long long)ts.tv_sec != sec || ts.tv_nsec != nsec))
		printf("# got %lld.%09ld\n", (long long)ts.tv_sec, (long)ts.tv_nsec);
}

static void seconds_refused(const char *s)
{
	struct timespec ts;
	char what[128];

	snprintf(what, sizeof(what), "--timeout '%s' is refused", s);
	check(!parse_seconds(s, &ts), what);
}

int main(int argc, char **argv)
{
	const int narrow = sizeof(time_t) == 4;
	/* where a 32-bit time_t saturates: its longest wait */
	const long long most = narrow ? INT32_MAX : 0;
	uint64_t v;
	mode_t mode;

	printf("TAP version 13\n1..19\n# time_t is %zu bits\n", sizeof(time_t) * 8);
	seconds_are("5", 5, 0);
	seconds_are("0.25", 0, 250000000);
	seconds_are("1.000000001", 1, 1);
	seconds_are("2147483647", 2147483647, 0);
	if (narrow) {
		seconds_are("2147483648", most, 999999999);
		seconds_are("99999999999.5", most, 999999999);
	} else {
		seconds_are("2147483648", 2147483648LL, 0);
		seconds_are("99999999999.5", 99999999999LL, 500000000);
	}
	seconds_refused("");
	seconds_refused(".");
	seconds_refused("1e3");
	seconds_refused("-1");
	seconds_refused(" 1");
	seconds_refused("1.5s");
	seconds_refused("99999999999999");

	check(parse_u64("18446744073709551615", &v) && v == UINT64_MAX,
	      "--count 2^64-1 is read whole");
	check(!parse_u64("18446744073709551616", &v), "--count 2^64 is refused");
	check(!parse_u64("-1", &v) && !parse_u64("1e3", &v) && !parse_u64("+1", &v),
	      "--count with a sign or an exponent is refused");
	check(parse_mode("0640", &mode) == 0 && mode == 0640, "--mode 0640");
	check(parse_mode("1777", &mode) != 0 && parse_mode("8", &mode) != 0,
	      "--mode past 0777 or not octal is refused");
	/* the -m32 build must really have tested a 32-bit time_t */
	check(argc > 1 && strtoul(argv[1], NULL, 10) == sizeof(time_t) * 8,
	      "time_t has the width this build was made for");
	return failed;
}
