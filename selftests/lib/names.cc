// SPDX-License-Identifier: GPL-2.0
/*
 * <semctl.h> with <linux/semctl.h> in C++ (names.sh): every uapi struct
 * is a type by its plain name, which the pre-1.2 function names hid, and
 * the semctl_sem_*() functions link. With SEMCTL_LEGACY_NAMES the old
 * names are declared too (and hide the structs again: only the elaborated
 * "struct semctl_create" works then). Runs without the module: the fd
 * calls get -EBADF, the device calls are only linked.
 */
#include <cerrno>
#include <cstdio>
#include <unistd.h>

#include <linux/semctl.h>
#include <semctl.h>

#ifndef SEMCTL_LEGACY_NAMES
/* The plain names, as a C++ user writes them. */
#define USE(s) do {							\
		s v{};							\
		static_assert(sizeof(s) == sizeof(struct s), #s);	\
		static_assert(sizeof(v) > 0, #s);			\
		(void)v;						\
	} while (0)

static void structs(void)
{
	semctl_create args{};

	args.size = sizeof(semctl_create);
	(void)args;
	USE(semctl_create);
	USE(semctl_open);
	USE(semctl_unlink);
	USE(semctl_acquire);
	USE(semctl_release);
	USE(semctl_info);
	USE(semctl_poison);
	USE(semctl_list);
	USE(semctl_uring_acquire);
	USE(semctl_uring_cancel);
}
#endif

/* Only with an argument (names.sh gives none): they open /dev/semctl. */
static int device_calls(void)
{
	semctl_info entries[2];
	uint64_t cursor = 0;
	int fd;

	fd = semctl_sem_create(nullptr, 1, 1, 0600, 0);
	if (fd >= 0)
		close(fd);
	fd = semctl_sem_open("names", SEMCTL_OPEN_READ);
	if (fd >= 0)
		close(fd);
	semctl_sem_unlink("names");
	return semctl_sem_list(&cursor, entries, 2);
}

int main(int argc, char **argv)
{
	struct semctl_info info;
	struct timespec ts = { 0, 0 };
	uint64_t previous;
	int bad = 0;

#ifndef SEMCTL_LEGACY_NAMES
	structs();
#endif
	(void)argv;
	if (argc > 1)
		return device_calls() < 0;
	bad |= semctl_sem_acquire(-1, 1, 0) != -EBADF;
	bad |= semctl_sem_acquire_timeout(-1, 1, 0, &ts) != -EBADF;
	bad |= semctl_sem_try_acquire(-1, 1, 0) != -EBADF;
	bad |= semctl_sem_release(-1, 1, &previous) != -EBADF;
	bad |= semctl_sem_query(-1, &info) != -EBADF;
	bad |= semctl_sem_poison(-1) != -EBADF;
#ifdef SEMCTL_LEGACY_NAMES
	bad |= semctl_query(-1, &info) != -EBADF;
	bad |= semctl_poison(-1) != -EBADF;
#endif
	if (bad)
		fprintf(stderr, "names.cc: a call did not return -EBADF\n");
	return bad;
}
