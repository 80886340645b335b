/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SEMCTL_CLI_PARSE_H
#define SEMCTL_CLI_PARSE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* Decimal unsigned integer, the whole string, no sign. */
bool parse_u64(const char *s, uint64_t *out);
/*
 * Seconds with an optional fraction ("5", "0.25"). Past the longest time_t
 * (2^31-1 s with a 32-bit time_t) it saturates there; an integer part above
 * about 2.1e12 s (68 000 years) is refused.
 */
bool parse_seconds(const char *s, struct timespec *ts);
/* Octal permission bits, 0..0777; 0 or -EINVAL. */
int parse_mode(const char *s, mode_t *mode);

#endif
