// SPDX-License-Identifier: GPL-2.0
/*
 * lib/map.c against a userspace model of the kernel, on the host: no
 * module, no VM. The model keeps the kernel's rules for the value word
 * (module/semaphore.c): every change it makes claims the word (sets
 * SEMCTL_VALUE_KERNEL) and settles it, keeping the bit while anybody is
 * queued; a mapping process may CAS the word only while the bit is clear.
 * Waiters are served in FIFO order, as the kernel does.
 *
 * The real map.c is compiled into this program with its system calls
 * renamed (Makefile: -Dread=model_read ...), so every slow path lands here.
 * Threads take and give back units through the map, the fd calls, read(2)
 * and write(2), with random yields; a count of holders checks that the
 * value is never exceeded, and at the end every unit is back: none lost,
 * none duplicated. Built once plain and once with ThreadSanitizer.
 *
 *   map_model [THREADS [ROUNDS [SEED]]]    exits 0 or 1, prints KTAP
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include <semctl.h>

#define MODEL_FD	100	/* the caller's semaphore fd */
#define MODEL_DUP	101	/* the map's duplicate of it */
#define MODEL_MAX	3

/* One queued acquire, as struct semctl_waiter. */
struct model_waiter {
	struct model_waiter *next;
	uint64_t count;
	bool granted;
	pthread_cond_t cond;
};

static struct {
	pthread_mutex_t lock;		/* the semaphore lock */
	struct model_waiter *head, *tail;
	uint64_t max;
	_Atomic uint64_t *page;		/* word, then the page's copy of max */
} model = { .lock = PTHREAD_MUTEX_INITIALIZER };

static _Atomic int holders;		/* units held, by the test's count */
static _Atomic int errors;
static _Thread_local unsigned int seed;

static void maybe_yield(void)
{
	if (rand_r(&seed) % 4 == 0)
		sched_yield();
}

static bool is_model_fd(int fd)
{
	return fd == MODEL_FD || fd == MODEL_DUP;
}

/* semctl_value_claim(): from here the mapping processes keep off. */
static uint64_t model_claim(void)
{
	uint64_t word = atomic_fetch_or(model.page, SEMCTL_VALUE_KERNEL);

	maybe_yield();
	word &= SEMCTL_VALUE_MAX;
	return word < model.max ? word : model.max;
}

/* semctl_value_settle(): the bit stays while anybody is queued. */
static void model_settle(uint64_t value)
{
	if (model.head)
		value |= SEMCTL_VALUE_KERNEL;
	atomic_store_explicit(model.page, value, memory_order_release);
}

/* Hand units to the head of the queue while they fit. */
static void model_grant(uint64_t *value)
{
	while (model.head && model.head->count <= *value) {
		struct model_waiter *w = model.head;

		*value -= w->count;
		model.head = w->next;
		if (!model.head)
			model.tail = NULL;
		w->granted = true;
		pthread_cond_signal(&w->cond);
	}
}

static void model_dequeue(struct model_waiter *w)
{
	struct model_waiter **p;

	for (p = &model.head; *p; p = &(*p)->next) {
		if (*p != w)
			continue;
		*p = w->next;
		if (model.tail == w) {
			model.tail = NULL;
			for (w = model.head; w; w = w->next)
				model.tail = w;
		}
		return;
	}
}

static int model_acquire(uint64_t count, unsigned int flags,
			 const struct timespec *ts)
{
	struct model_waiter w = { .count = count };
	struct timespec deadline;
	uint64_t value;
	int ret = 0;

	if (!count || count > model.max)
		return -EINVAL;
	pthread_mutex_lock(&model.lock);
	value = model_claim();
	if (!model.head && value >= count) {
		model_settle(value - count);
		pthread_mutex_unlock(&model.lock);
		return 0;
	}
	if (flags & SEMCTL_ACQUIRE_TRY) {
		model_settle(value);
		pthread_mutex_unlock(&model.lock);
		return -EAGAIN;
	}
	pthread_cond_init(&w.cond, NULL);
	if (model.tail)
		model.tail->next = &w;
	else
		model.head = &w;
	model.tail = &w;
	model_settle(value);
	if (ts) {
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_sec += ts->tv_sec;
		deadline.tv_nsec += ts->tv_nsec;
		if (deadline.tv_nsec >= 1000000000L) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000L;
		}
	}
	while (!w.granted && !ret)
		ret = ts ? -pthread_cond_timedwait(&w.cond, &model.lock,
						    &deadline) :
			   -pthread_cond_wait(&w.cond, &model.lock);
	if (!w.granted) {
		/* Leaving may let the waiters behind through. */
		model_dequeue(&w);
		value = model_claim();
		model_grant(&value);
		model_settle(value);
		ret = -ETIMEDOUT;
	} else {
		ret = 0;
	}
	pthread_mutex_unlock(&model.lock);
	pthread_cond_destroy(&w.cond);
	return ret;
}

static int model_release(uint64_t count, uint64_t *previous)
{
	uint64_t value;

	pthread_mutex_lock(&model.lock);
	value = model_claim();
	if (!count || count > model.max - value) {
		model_settle(value);
		pthread_mutex_unlock(&model.lock);
		return count ? -EOVERFLOW : -EINVAL;
	}
	if (previous)
		*previous = value;
	value += count;
	model_grant(&value);
	model_settle(value);
	pthread_mutex_unlock(&model.lock);
	return 0;
}

/* ---- what map.c calls, renamed to here by the Makefile ---- */

int semctl_sem_query(int fd, struct semctl_info *info)
{
	if (!is_model_fd(fd))
		return -EBADF;
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	info->max = model.max;
	info->value = atomic_load(model.page) & SEMCTL_VALUE_MAX;
	info->flags = SEMCTL_INFO_READ | SEMCTL_INFO_WRITE;
	return 0;
}

int semctl_sem_acquire(int fd, uint64_t count, unsigned int flags)
{
	return is_model_fd(fd) ? model_acquire(count, flags, NULL) : -EBADF;
}

int semctl_sem_acquire_timeout(int fd, uint64_t count, unsigned int flags,
			       const struct timespec *ts)
{
	if (!is_model_fd(fd))
		return -EBADF;
	if (ts && (flags & SEMCTL_ACQUIRE_ABSTIME))
		return -EINVAL;		/* the test uses relative ones */
	return model_acquire(count, flags & ~SEMCTL_ACQUIRE_TIMEOUT, ts);
}

int semctl_sem_release(int fd, uint64_t count, uint64_t *previous)
{
	return is_model_fd(fd) ? model_release(count, previous) : -EBADF;
}

ssize_t model_read(int fd, void *buf, size_t len)
{
	if (!is_model_fd(fd) || len < sizeof(uint64_t)) {
		errno = EINVAL;
		return -1;
	}
	model_acquire(1, 0, NULL);
	*(uint64_t *)buf = 1;
	return sizeof(uint64_t);
}

ssize_t model_write(int fd, const void *buf, size_t len)
{
	int ret;

	if (!is_model_fd(fd) || len != sizeof(uint64_t)) {
		errno = EINVAL;
		return -1;
	}
	ret = model_release(*(const uint64_t *)buf, NULL);
	if (ret) {
		errno = -ret;
		return -1;
	}
	return sizeof(uint64_t);
}

void *model_mmap(void *addr, size_t len, int prot, int flags, int fd,
		 off_t off)
{
	(void)addr; (void)len; (void)prot; (void)flags; (void)off;
	return is_model_fd(fd) ? (void *)model.page : NULL;
}

int model_munmap(void *addr, size_t len)
{
	(void)addr; (void)len;
	return 0;
}

int model_fcntl(int fd, int cmd, ...)
{
	(void)cmd;
	return fd == MODEL_FD ? MODEL_DUP : -1;
}

int model_close(int fd)
{
	return is_model_fd(fd) ? 0 : -1;
}

/* ---- the workload ---- */

static struct semctl_map *map;
static int rounds = 2000;

static void hold(uint64_t count)
{
	int now = atomic_fetch_add(&holders, (int)count) + (int)count;

	if (now > MODEL_MAX) {
		fprintf(stderr, "# %d units held of %d\n", now, MODEL_MAX);
		atomic_fetch_add(&errors, 1);
	}
	maybe_yield();
	atomic_fetch_sub(&holders, (int)count);
}

static void *worker(void *arg)
{
	const struct timespec short_wait = { .tv_nsec = 200000 };
	int i, ret;

	seed = (unsigned int)(uintptr_t)arg;
	for (i = 0; i < rounds; i++) {
		uint64_t count = 1 + rand_r(&seed) % MODEL_MAX, previous;
		int how = rand_r(&seed) % 6;

		switch (how) {
		case 0:
			ret = semctl_map_acquire(map, count, 0);
			break;
		case 1:
			ret = semctl_map_try_acquire(map, count, 0);
			break;
		case 2:
			ret = semctl_map_acquire_timeout(map, count, 0,
							 &short_wait);
			break;
		case 3:
			count = 1;	/* read(2) of one unit */
			ret = semctl_map_acquire(map, 1, 0);
			break;
		default:
			ret = semctl_sem_acquire(MODEL_FD, count, 0);
			break;
		}
		if (ret == -EAGAIN || ret == -ETIMEDOUT)
			continue;
		if (ret) {
			fprintf(stderr, "# acquire: %s\n", strerror(-ret));
			atomic_fetch_add(&errors, 1);
			continue;
		}
		hold(count);
		switch (rand_r(&seed) % 3) {
		case 0:
			ret = semctl_map_release(map, count, NULL);
			break;
		case 1:
			ret = semctl_map_release(map, count, &previous);
			break;
		default:
			ret = semctl_sem_release(MODEL_FD, count, NULL);
			break;
		}
		if (ret) {
			fprintf(stderr, "# release: %s\n", strerror(-ret));
			atomic_fetch_add(&errors, 1);
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = argc > 1 ? atoi(argv[1]) : 8;
	unsigned int base = argc > 3 ? (unsigned int)atoi(argv[3]) :
			    (unsigned int)time(NULL);
	pthread_t tid[64];
	uint64_t word;
	int i;

	if (argc > 2)
		rounds = atoi(argv[2]);
	if (threads < 1 || threads > 64 || rounds < 1) {
		fprintf(stderr, "usage: map_model [THREADS [ROUNDS [SEED]]]\n");
		return 2;
	}
	printf("TAP version 13\n1..1\n# %d threads, %d rounds, seed %u\n",
	       threads, rounds, base);
	model.page = aligned_alloc(4096, 4096);
	if (!model.page)
		return 1;
	memset((void *)model.page, 0, 4096);
	model.max = MODEL_MAX;
	atomic_store(&model.page[0], MODEL_MAX);
	/* A wrong maximum in the page: the map must ask the kernel's. */
	atomic_store(&model.page[1], 1000);
	if (semctl_map_create(MODEL_FD, &map)) {
		printf("not ok 1 map_model # map_create failed\n");
		return 1;
	}
	if (semctl_map_release(map, 1, NULL) != -EOVERFLOW) {
		fprintf(stderr, "# a release past the maximum was taken\n");
		atomic_fetch_add(&errors, 1);
	}
	for (i = 0; i < threads; i++)
		pthread_create(&tid[i], NULL, worker,
			       (void *)(uintptr_t)(base + (unsigned int)i));
	for (i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	word = atomic_load(model.page);
	if (word != MODEL_MAX) {
		fprintf(stderr, "# the word ends at %#llx, not %d\n",
			(unsigned long long)word, MODEL_MAX);
		atomic_fetch_add(&errors, 1);
	}
	semctl_map_destroy(map);
	printf("%sok 1 map_model\n", atomic_load(&errors) ? "not " : "");
	return atomic_load(&errors) ? 1 : 0;
}
