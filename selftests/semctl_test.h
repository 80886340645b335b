/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers for the semctl selftests.
 *
 * Rules the tests follow:
 *  - ASSERT_*() / EXPECT_*() only in the harness's test process, never in
 *    a thread or a forked child (the harness longjmp()s on failure);
 *    threads and children report through plain variables / exit codes.
 *  - No sleep as synchronisation: "the waiter is queued" is learnt by a
 *    bounded poll of SEMCTL_IOC_QUERY's waiters, "the thread sleeps" by a
 *    bounded poll of /proc/self/task/TID/stat.
 *  - Every wait is bounded (timeouts in the helpers and per test).
 */
#ifndef SEMCTL_TEST_H
#define SEMCTL_TEST_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/semctl.h>

#include "kselftest_harness.h"

#define SEMCTL_DEV		"/dev/semctl"
#define NSEC_PER_MSEC		1000000ULL
#define NSEC_PER_SEC		1000000000ULL

/* Bounds for "wait until" loops; the VM is TCG, so be generous. */
#define WAIT_MS			10000

static inline int dev_open(void)
{
	return open(SEMCTL_DEV, O_RDWR | O_CLOEXEC);
}

static inline int ret_or_errno(int r)
{
	return r < 0 ? -errno : r;
}

static inline int sem_create_full(int dev, __u32 flags, __u64 value,
				  __u64 max, const char *name, __u32 mode)
{
	struct semctl_create c = {
		.size = sizeof(c),
		.flags = flags,
		.value = value,
		.max = max,
		.name = (__u64)(uintptr_t)name,
		.mode = mode,
	};

	return ret_or_errno(ioctl(dev, SEMCTL_IOC_CREATE, &c));
}

/* Anonymous semaphore; returns the fd or -errno. */
static inline int sem_create(int dev, __u64 value, __u64 max)
{
	return sem_create_full(dev, 0, value, max, NULL, 0600);
}

static inline int sem_open_name(int dev, const char *name, __u32 flags)
{
	struct semctl_open o = {
		.size = sizeof(o),
		.flags = flags,
		.name = (__u64)(uintptr_t)name,
	};

	return ret_or_errno(ioctl(dev, SEMCTL_IOC_OPEN, &o));
}

static inline int sem_unlink(int dev, const char *name)
{
	struct semctl_unlink u = {
		.size = sizeof(u),
		.name = (__u64)(uintptr_t)name,
	};

	return ret_or_errno(ioctl(dev, SEMCTL_IOC_UNLINK, &u));
}

/* Opens /dev/semctl itself; for cleanups. */
static inline void sem_unlink_quiet(const char *name)
{
	int dev = dev_open();

	if (dev >= 0) {
		sem_unlink(dev, name);
		close(dev);
	}
}

static inline int sem_acquire_full(int fd, __u64 count, __u32 flags,
				   __u64 timeout_ns)
{
	struct semctl_acquire a = {
		.size = sizeof(a),
		.flags = flags,
		.count = count,
		.timeout_ns = timeout_ns,
	};

	return ret_or_errno(ioctl(fd, SEMCTL_IOC_ACQUIRE, &a));
}

static inline int sem_acquire(int fd, __u64 count)
{
	return sem_acquire_full(fd, count, 0, 0);
}

/* Acquire with a (long) relative timeout so that a test never hangs. */
static inline int sem_acquire_bounded(int fd, __u64 count, __u32 flags)
{
	return sem_acquire_full(fd, count, flags | SEMCTL_ACQUIRE_TIMEOUT,
				(__u64)WAIT_MS * NSEC_PER_MSEC);
}

static inline int sem_try(int fd, __u64 count)
{
	return sem_acquire_full(fd, count, SEMCTL_ACQUIRE_TRY, 0);
}

static inline int sem_release_prev(int fd, __u64 count, __u64 *previous)
{
	struct semctl_release r = {
		.size = sizeof(r),
		.count = count,
	};
	int ret = ret_or_errno(ioctl(fd, SEMCTL_IOC_RELEASE, &r));

	if (!ret && previous)
		*previous = r.previous;
	return ret;
}

static inline int sem_release(int fd, __u64 count)
{
	return sem_release_prev(fd, count, NULL);
}

static inline int sem_query(int fd, struct semctl_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return ret_or_errno(ioctl(fd, SEMCTL_IOC_QUERY, info));
}

/* value, or -errno (values in the tests stay far below 2^63) */
static inline int64_t sem_value(int fd)
{
	struct semctl_info info;
	int ret = sem_query(fd, &info);

	return ret ? ret : (int64_t)info.value;
}

static inline int64_t sem_waiters(int fd)
{
	struct semctl_info info;
	int ret = sem_query(fd, &info);

	return ret ? ret : (int64_t)info.waiters;
}

static inline int64_t sem_undo(int fd)
{
	struct semctl_info info;
	int ret = sem_query(fd, &info);

	return ret ? ret : (int64_t)info.undo;
}

static inline uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static inline uint64_t mono_ms(void)
{
	return now_ns(CLOCK_MONOTONIC) / NSEC_PER_MSEC;
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

/*
 * Bounded poll until query.waiters == n. Returns 0, or -ETIMEDOUT with
 * the last seen count left in *seen (if given).
 */
static inline int wait_waiters(int fd, uint64_t n, int64_t *seen)
{
	uint64_t end = mono_ms() + WAIT_MS;
	int64_t w;

	for (;;) {
		w = sem_waiters(fd);
		if (seen)
			*seen = w;
		if (w >= 0 && (uint64_t)w == n)
			return 0;
		if (mono_ms() > end)
			return -ETIMEDOUT;
		sleep_ms(1);
	}
}

/* Bounded poll until *counter (an atomic) reaches n. */
static inline int wait_atomic_ge(atomic_int *counter, int n)
{
	uint64_t end = mono_ms() + WAIT_MS;

	while (atomic_load(counter) < n) {
		if (mono_ms() > end)
			return -ETIMEDOUT;
		sleep_ms(1);
	}
	return 0;
}

static inline pid_t gettid_(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* State letter from /proc/self/task/TID/stat ('S' sleeping), or 0. */
static inline char task_state(pid_t tid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return 0;
	return p[2];
}

/* Bounded poll until thread TID is asleep (interruptible). */
static inline int wait_task_sleeping(pid_t tid)
{
	uint64_t end = mono_ms() + WAIT_MS;

	while (task_state(tid) != 'S') {
		if (mono_ms() > end)
			return -ETIMEDOUT;
		sleep_ms(1);
	}
	return 0;
}

/* voluntary_ctxt_switches of a thread of this process, or -1. */
static inline long task_nvcsw(pid_t tid)
{
	char path[64], buf[2048], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strstr(buf, "\nvoluntary_ctxt_switches:");
	if (!p)
		return -1;
	return strtol(p + strlen("\nvoluntary_ctxt_switches:"), NULL, 10);
}

/* A name no other test (or earlier run) uses. */
static inline void unique_name(char *buf, size_t len, const char *tag)
{
	static unsigned int seq;

	snprintf(buf, len, "ksft.%s.%d.%u.%llu", tag, getpid(), seq++,
		 (unsigned long long)(now_ns(CLOCK_MONOTONIC) % 1000000007ULL));
}

/*
 * waitpid() with a bound: returns the status, or -1 after killing the
 * child when it did not end in time.
 */
static inline int wait_child(pid_t pid, int timeout_ms)
{
	uint64_t end = mono_ms() + (uint64_t)timeout_ms;
	int status;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		if (r < 0)
			return -1;
		if (mono_ms() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		sleep_ms(2);
	}
}

/* Exit code of a child that exited normally, else -1 (-2 if killed). */
static inline int child_exit_code(int status)
{
	if (status == -1)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return -2;
}

/* Read exactly len bytes from a pipe with a bound; 0 or -errno. */
static inline int read_full_timeout(int fd, void *buf, size_t len,
				    int timeout_ms)
{
	uint64_t end = mono_ms() + (uint64_t)timeout_ms;
	size_t done = 0;

	while (done < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t left = (int64_t)(end - mono_ms());
		ssize_t n;

		if (left <= 0 || mono_ms() > end)
			return -ETIMEDOUT;
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		n = read(fd, (char *)buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		done += (size_t)n;
	}
	return 0;
}

static inline int write_full(int fd, const void *buf, size_t len)
{
	return write(fd, buf, len) == (ssize_t)len ? 0 : -EIO;
}

/* An address that faults: a PROT_NONE page. */
static inline void *bad_ptr(void)
{
	static void *p;

	if (!p)
		p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	return p;
}

/* Zeroed, page-aligned buffer of two pages for struct size tests. */
static inline void *big_buf(void)
{
	static void *p;

	if (!p)
		p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(p, 0, 2 * 4096);
	return p;
}

static inline long page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

/* the text after "key:\t" on its line, in out; 0 or -ENOENT */
static inline int fdinfo_field(pid_t pid, int fd, const char *key, char *out,
			size_t len)
{
	char path[64], buf[4096], pat[64], *p, *e;
	ssize_t n;
	int f;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", pid, fd);
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return -errno;
	n = read(f, buf, sizeof(buf) - 1);
	close(f);
	if (n < 0)
		return -EIO;
	buf[n] = 0;
	snprintf(pat, sizeof(pat), "\n%s:\t", key);
	p = strstr(buf, pat);
	if (!p)
		return -ENOENT;
	p += strlen(pat);
	e = strchr(p, '\n');
	if (!e)
		e = p + strlen(p);
	snprintf(out, len, "%.*s", (int)(e - p), p);
	return 0;
}

static inline long long fdinfo_num(pid_t pid, int fd, const char *key)
{
	char v[64];

	if (fdinfo_field(pid, fd, key, v, sizeof(v)))
		return -1;
	return strtoll(v, NULL, 0);
}

/* ---- a thread blocked in some call, for the queueing tests ---- */

enum waiter_op {
	OP_ACQUIRE,	/* SEMCTL_IOC_ACQUIRE of count with flags/timeout */
	OP_READ,	/* read() 8 bytes */
};

struct waiter {
	pthread_t thread;
	int fd;
	enum waiter_op op;
	__u64 count;
	__u32 flags;
	__u64 timeout_ns;
	__u64 timeout_left;	/* the struct's timeout_ns after the call */
	atomic_int started;
	atomic_int done;
	atomic_int tid;
	int ret;		/* 0 / bytes read, or -errno */
	uint64_t readval;
	int order;		/* completion order, from *order_seq */
	atomic_int *order_seq;
};

static inline void *waiter_fn(void *arg)
{
	struct waiter *w = arg;
	struct semctl_acquire a = {
		.size = sizeof(a),
		.flags = w->flags,
		.count = w->count,
		.timeout_ns = w->timeout_ns,
	};
	int ret;

	atomic_store(&w->tid, gettid_());
	atomic_store(&w->started, 1);
	if (w->op == OP_READ) {
		ssize_t n = read(w->fd, &w->readval, sizeof(w->readval));

		ret = n < 0 ? -errno : (int)n;
	} else {
		ret = ret_or_errno(ioctl(w->fd, SEMCTL_IOC_ACQUIRE, &a));
		w->timeout_left = a.timeout_ns;
	}
	w->ret = ret;
	if (w->order_seq)
		w->order = atomic_fetch_add(w->order_seq, 1);
	atomic_store(&w->done, 1);
	return NULL;
}

/*
 * Start a waiter. Bounded by a timeout unless the caller asked for
 * specific flags (then the caller is responsible for unblocking it).
 */
static inline int waiter_start(struct waiter *w, int fd, enum waiter_op op,
			       __u64 count, __u32 flags, __u64 timeout_ns,
			       atomic_int *order_seq)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->op = op;
	w->count = count;
	w->flags = flags;
	w->timeout_ns = timeout_ns;
	w->order = -1;
	w->order_seq = order_seq;
	return -pthread_create(&w->thread, NULL, waiter_fn, w);
}

/* Acquire waiter with a long safety timeout. */
static inline int waiter_start_acq(struct waiter *w, int fd, __u64 count,
				   atomic_int *order_seq)
{
	return waiter_start(w, fd, OP_ACQUIRE, count, SEMCTL_ACQUIRE_TIMEOUT,
			    (__u64)3 * WAIT_MS * NSEC_PER_MSEC, order_seq);
}

/* Bounded wait for the waiter to finish; 0 or -ETIMEDOUT. */
static inline int waiter_wait(struct waiter *w)
{
	return wait_atomic_ge(&w->done, 1);
}

/* Join a waiter thread, first unblocking it with releases if needed. */
static inline void waiter_reap(struct waiter *w)
{
	if (!w->thread)
		return;
	if (!atomic_load(&w->done)) {
		/* it is stuck; the timeout will end it */
		wait_atomic_ge(&w->done, 1);
	}
	pthread_join(w->thread, NULL);
	w->thread = 0;
}

#include "semctl_harness.h"

/*
 * Fixture used by most tests: /dev/semctl open as self->dev, one
 * anonymous semaphore as self->fd when a test creates it.
 */
#define SEMCTL_FIXTURE(fname)						\
	FIXTURE(fname) {						\
		int dev;						\
		int fd;							\
		char name[128];						\
	};								\
	FIXTURE_SETUP(fname)						\
	{								\
		self->fd = -1;						\
		self->name[0] = 0;					\
		self->dev = dev_open();					\
		ASSERT_LE(0, self->dev) {				\
			TH_LOG("open %s: %s (module loaded?)",		\
			       SEMCTL_DEV, strerror(errno));		\
		}							\
	}								\
	FIXTURE_TEARDOWN(fname)						\
	{								\
		if (self->name[0])					\
			sem_unlink(self->dev, self->name);		\
		if (self->fd >= 0)					\
			close(self->fd);				\
		if (self->dev >= 0)					\
			close(self->dev);				\
	}

#endif /* SEMCTL_TEST_H */
