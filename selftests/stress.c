// SPDX-License-Identifier: GPL-2.0
/*
 * Bounded stress: 3 processes x 3 threads on one semaphore of count 2
 * for ~3 s. A MAP_SHARED counter proves that never more than 2 units are
 * held at once, and the final value equals the initial one. The threads
 * mix ioctl acquire, try-acquire, timed acquire, read()/write(), and undo.
 */
#include "semctl_test.h"

#define NPROC		3
#define NTHREAD		3
#define COUNT		2
#define RUN_MS		3000

struct shared {
	atomic_int inside;	/* units held right now */
	atomic_int max_inside;
	atomic_long ops;
	atomic_int errors;
	atomic_int go;
	char first_error[128];
	atomic_int err_once;
};

static struct shared *sh;

static void note_error(const char *what, int err)
{
	atomic_fetch_add(&sh->errors, 1);
	if (!atomic_exchange(&sh->err_once, 1))
		snprintf(sh->first_error, sizeof(sh->first_error), "%s: %s",
			 what, strerror(err));
}

static void enter(int units)
{
	int now = atomic_fetch_add(&sh->inside, units) + units;
	int m = atomic_load(&sh->max_inside);

	while (now > m && !atomic_compare_exchange_weak(&sh->max_inside, &m,
							now))
		;
}

struct targ {
	int fd;
	int id;
	__u32 undo;	/* SEMCTL_ACQUIRE_UNDO on every acquire */
	int counted;	/* takes part in the inside counter */
};

static void *worker(void *arg)
{
	struct targ *t = arg;
	uint64_t end = mono_ms() + RUN_MS;
	unsigned int i = 0;
	int r;

	while (mono_ms() < end && atomic_load(&sh->errors) == 0) {
		int kind = (int)((i++ + (unsigned int)t->id) % 5);
		int units = (kind == 4) ? 2 : 1;
		uint64_t v;

		switch (kind) {
		case 0:
			r = sem_acquire_bounded(t->fd, 1, t->undo);
			break;
		case 1:
			r = sem_acquire_full(t->fd, 1,
					     SEMCTL_ACQUIRE_TRY | t->undo, 0);
			if (r == -EAGAIN) {
				sched_yield();
				continue;
			}
			break;
		case 2:
			r = read(t->fd, &v, 8) == 8 ? 0 : -errno;
			break;
		case 3:
			r = sem_acquire_bounded(t->fd, 1, SEMCTL_ACQUIRE_UNDO);
			break;
		default:
			r = sem_acquire_bounded(t->fd, 2, t->undo);
			break;
		}
		if (r) {
			note_error("acquire", -r);
			break;
		}
		if (t->counted) {
			enter(units);
			if (atomic_load(&sh->inside) > COUNT)
				note_error("more than COUNT inside", 0);
		}
		for (volatile int spin = 0; spin < 200; spin++)
			;
		if (t->counted)
			atomic_fetch_sub(&sh->inside, units);
		if (kind == 2) {
			v = 1;
			r = write(t->fd, &v, 8) == 8 ? 0 : -errno;
		} else {
			r = sem_release(t->fd, (__u64)units);
		}
		if (r) {
			note_error("release", -r);
			break;
		}
		atomic_fetch_add(&sh->ops, 1);
	}
	return NULL;
}

/*
 * undo_only: every acquisition is recorded for undo (SEMCTL_FD_UNDO for
 * read(), SEMCTL_ACQUIRE_UNDO for the ioctl), and the process stays out
 * of the inside counter: it is the one SIGKILLed mid-run.
 */
static int child(const char *name, int pid_id, int undo_only)
{
	pthread_t th[NTHREAD];
	struct targ ta[NTHREAD];
	int dev = dev_open(), fd, i;

	if (dev < 0)
		return 1;
	fd = sem_open_name(dev, name, undo_only ? SEMCTL_FD_UNDO : 0);
	if (fd < 0)
		return 2;
	close(dev);
	while (!atomic_load(&sh->go))
		sleep_ms(1);
	for (i = 0; i < NTHREAD; i++) {
		ta[i].fd = fd;
		ta[i].id = pid_id * NTHREAD + i;
		ta[i].undo = undo_only ? SEMCTL_ACQUIRE_UNDO : 0;
		ta[i].counted = !undo_only;
		if (pthread_create(&th[i], NULL, worker, &ta[i]))
			return 3;
	}
	for (i = 0; i < NTHREAD; i++)
		pthread_join(th[i], NULL);
	if (sem_undo(fd) != 0)
		note_error("undo left over", 0);
	return 0;
}

FIXTURE(st) {
	int dev;
	int fd;
	char name[128];
};

FIXTURE_SETUP(st)
{
	self->dev = dev_open();
	ASSERT_LE(0, self->dev);
	unique_name(self->name, sizeof(self->name), "stress");
	self->fd = sem_create_full(self->dev, SEMCTL_CREATE_EXCL, COUNT,
				   COUNT, self->name, 0600);
	ASSERT_LE(0, self->fd);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	memset(sh, 0, sizeof(*sh));
}

FIXTURE_TEARDOWN(st)
{
	sem_unlink(self->dev, self->name);
	close(self->fd);
	close(self->dev);
}

static void run_stress(struct __test_metadata *_metadata,
		       FIXTURE_DATA(st) *self, int kill_one)
{
	pid_t pid[NPROC];
	int i, status;

	for (i = 0; i < NPROC; i++) {
		fflush(stdout);
		fflush(stderr);
		pid[i] = fork();
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0)
			_exit(child(self->name, i, kill_one && i == 0));
	}
	atomic_store(&sh->go, 1);
	if (kill_one) {
		/* SIGKILL one process mid-run; its undo units come back */
		uint64_t t0 = mono_ms();

		while (mono_ms() - t0 < RUN_MS / 2)
			sleep_ms(20);
		kill(pid[0], SIGKILL);
	}
	for (i = 0; i < NPROC; i++) {
		status = wait_child(pid[i], RUN_MS + 4 * WAIT_MS);
		if (kill_one && i == 0) {
			EXPECT_TRUE(status != -1 && WIFSIGNALED(status));
		} else {
			EXPECT_EQ(0, child_exit_code(status));
		}
	}
	TH_LOG("%ld operations, max inside %d, errors %d%s%s",
	       (long)atomic_load(&sh->ops), atomic_load(&sh->max_inside),
	       atomic_load(&sh->errors), sh->first_error[0] ? ": " : "",
	       sh->first_error);
	EXPECT_EQ(0, atomic_load(&sh->errors));
	EXPECT_LE(atomic_load(&sh->max_inside), COUNT);
	EXPECT_LT(0, atomic_load(&sh->ops));
	EXPECT_EQ(0, atomic_load(&sh->inside));
	/* with the killed process's undo units given back */
	EXPECT_EQ(COUNT, sem_value(self->fd));
	EXPECT_EQ(0, sem_waiters(self->fd));
}

TEST_F_TIMEOUT(st, procs_x_threads_count_2, 120)
{
	run_stress(_metadata, self, 0);
}

TEST_F_TIMEOUT(st, sigkill_mid_run_undo_restores, 120)
{
	/*
	 * Process 0 acquires only with undo and is SIGKILLed half way;
	 * whatever it held comes back, so the final value is still COUNT.
	 */
	run_stress(_metadata, self, 1);
}

SEMCTL_HARNESS_MAIN
