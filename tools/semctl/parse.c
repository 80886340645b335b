// SPDX-License-Identifier: GPL-2.0
/*
 * semctl(1)'s argument parsers, apart so that a host test can build them
 * for 32- and 64-bit time_t (selftests/lib/cli_parse.c).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "parse.h"

#define NSEC_PER_SEC		1000000000L

/* Decimal unsigned integer, the whole string, no sign. */
bool parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

/* Seconds with an optional fraction: "5", "0.25", "1.000000001". */
bool parse_seconds(const char *s, struct timespec *ts)
{
	/* The longest time_t, 32 or 64 bits: longer waits saturate there. */
	const uint64_t time_max = (UINT64_C(1) << (sizeof(time_t) * 8 - 1)) - 1;
	uint64_t sec = 0;
	long nsec = 0, scale = NSEC_PER_SEC / 10;
	const char *p = s;

	if (!s || !*s || (*s == '.' && !s[1]))
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (sec > (uint64_t)INT32_MAX * 100)
			return false;
		sec = sec * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			nsec += (*p - '0') * scale;
			scale /= 10;
		}
	}
	if (*p)
		return false;
	if (sec > time_max) {
		sec = time_max;
		nsec = NSEC_PER_SEC - 1;
	}
	ts->tv_sec = (time_t)sec;
	ts->tv_nsec = nsec;
	return true;
}

int parse_mode(const char *s, mode_t *mode)
{
	unsigned long v;
	char *end;

	if (!s || *s < '0' || *s > '7')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 8);
	if (errno || *end || v > 0777)
		return -EINVAL;
	*mode = (mode_t)v;
	return 0;
}
