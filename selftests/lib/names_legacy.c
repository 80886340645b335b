// SPDX-License-Identifier: GPL-2.0
/*
 * The pre-1.2 names in C (names.sh): still declared by <semctl.h>, still
 * exported (LIBSEMCTL_1.0), and the same functions as the semctl_sem_*()
 * ones (LIBSEMCTL_1.2): in the loaded libsemctl.so.1 each old name at its
 * version resolves to the address of its new name. Runs without the
 * module: only the fd calls are made.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include <semctl.h>

static const char *const names[] = {
	"create", "open", "unlink", "list", "acquire", "acquire_timeout",
	"try_acquire", "release", "query", "poison",
};

/* Only with an argument (names.sh gives none): they open /dev/semctl. */
static int device_calls(void)
{
	struct semctl_info entries[2];
	uint64_t cursor = 0;
	int fd;

	fd = semctl_create(NULL, 1, 1, 0600, 0);
	if (fd >= 0)
		close(fd);
	fd = semctl_open("names", SEMCTL_OPEN_READ);
	if (fd >= 0)
		close(fd);
	semctl_unlink("names");
	return semctl_list(&cursor, entries, 2);
}

int main(int argc, char **argv)
{
	struct timespec ts = { 0, 0 };
	struct semctl_info info;
	uint64_t previous;
	unsigned int i;
	int bad = 0;
	void *lib;

	(void)argv;
	if (argc > 1)
		return device_calls() < 0;
	lib = dlopen("libsemctl.so.1", RTLD_NOW | RTLD_NOLOAD);
	if (!lib) {
		fprintf(stderr, "libsemctl.so.1 not loaded: %s\n", dlerror());
		return 1;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char old[64], new[64];
		void *o, *n;

		snprintf(old, sizeof(old), "semctl_%s", names[i]);
		snprintf(new, sizeof(new), "semctl_sem_%s", names[i]);
		o = dlvsym(lib, old, "LIBSEMCTL_1.0");
		n = dlvsym(lib, new, "LIBSEMCTL_1.2");
		if (!o || !n || o != n) {
			fprintf(stderr, "%s at %p, %s at %p\n", old, o, new, n);
			bad = 1;
		}
	}
	bad |= semctl_acquire(-1, 1, 0) != -EBADF;
	bad |= semctl_acquire_timeout(-1, 1, 0, &ts) != -EBADF;
	bad |= semctl_try_acquire(-1, 1, 0) != -EBADF;
	bad |= semctl_release(-1, 1, &previous) != -EBADF;
	bad |= semctl_query(-1, &info) != -EBADF;
	bad |= semctl_poison(-1) != -EBADF;
	if (bad)
		fprintf(stderr, "names_legacy.c: an old name is not its new one\n");
	return bad;
}
