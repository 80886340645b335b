/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What io_uring acquires can do on the running kernel, as the module says
 * in /sys/class/misc/semctl/io_uring_features ("threadless": pending
 * acquires wait with no thread; "user_data": SEMCTL_URING_CMD_CANCEL can
 * name requests).
 */
#ifndef SEMCTL_URING_FEATURES_H
#define SEMCTL_URING_FEATURES_H

#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

static inline bool uring_feature(const char *feature)
{
	char buf[128], *word, *save;
	ssize_t n;
	int fd;

	fd = open("/sys/class/misc/semctl/io_uring_features", O_RDONLY);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	for (word = strtok_r(buf, " \n", &save); word;
	     word = strtok_r(NULL, " \n", &save))
		if (!strcmp(word, feature))
			return true;
	return false;
}

#endif
