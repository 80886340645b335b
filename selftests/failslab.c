// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failures on the create, open and acquire paths (failslab).
 *
 * Each test sweeps N = 1, 2, 3, ...: the N-th slab allocation of one call
 * fails (the task's /proc/thread-self/fail-nth, which failslab honours
 * once /sys/kernel/debug/failslab/ignore-gfp-wait is N so that GFP_KERNEL
 * allocations count), until a run in which no failure was injected (the
 * call made fewer than N allocations), and that run must succeed. Every
 * injected failure must end in a clean error (ENOMEM, EMFILE, ENFILE; on
 * io_uring also EAGAIN from the submit and ECANCELED from io-wq) or in a
 * success, and leave nothing behind: no fd, no new name (SEMCTL_IOC_OPEN
 * gives ENOENT), /sys/class/misc/semctl/semaphores at its previous count,
 * the semaphore's value, waiters and undo unchanged, at most the one
 * namespace table a first name makes (.../namespaces).
 * Leaked memory is kmemleak's job: `make check-debug` scans after the
 * module is unloaded.
 *
 * fail-nth rather than failslab's task filter with times=N: "times N"
 * fails the first N allocations, so a call that returns at its first
 * failure never gets past its first allocation site; fail-nth reaches
 * every site in turn. The debugfs knobs are still set (task-filter Y,
 * probability 0, verbose 0) so that nothing else fails and nothing is
 * logged, and restored after each test.
 *
 * A blocking acquire must not allocate at all: with its first allocation
 * set to fail it succeeds and the failure is never consumed.
 *
 * Needs CONFIG_FAILSLAB and CONFIG_FAULT_INJECTION_DEBUG_FS (the debug
 * kernel of tools/vm/debug-kernel.sh); SKIPs (exit 4) where
 * /sys/kernel/debug/failslab does not exist, as on Debian's kernels.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <sched.h>
#include <liburing.h>

#include "semctl_test.h"

#define FAILSLAB_DIR	"/sys/kernel/debug/failslab"
#define FAIL_NTH	"/proc/thread-self/fail-nth"
#define SYSFS_DIR	"/sys/class/misc/semctl"
/* No semctl call comes near this many slab allocations. */
#define MAX_NTH		400
#define CQE_WAIT_MS	10000

/* ---- failslab and fail-nth ---- */

static const char *const knobs[] = {
	"ignore-gfp-wait", "verbose", "probability", "task-filter",
};
#define NR_KNOBS (sizeof(knobs) / sizeof(knobs[0]))

static int knob_read(const char *knob, char *buf, size_t len)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", FAILSLAB_DIR, knob);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

static int knob_write(const char *knob, const char *val)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", FAILSLAB_DIR, knob);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -EIO;
}

/* Arm (n > 0) or disarm (0) this thread's fail-nth. */
static int nth_set(int nthfd, unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	return pwrite(nthfd, buf, len, 0) == len ? 0 : -errno;
}

/* What is left of fail-nth: 0 once the failure was injected. */
static int nth_get(int nthfd)
{
	char buf[16] = "";

	if (pread(nthfd, buf, sizeof(buf) - 1, 0) <= 0)
		return -1;
	return atoi(buf);
}

/*
 * Run op(arg) with the n-th slab allocation of this thread failing.
 * Returns op's result; *injected says whether the failure happened.
 */
typedef int (*op_fn)(void *arg);

static int run_nth(int nthfd, unsigned int n, op_fn op, void *arg,
		   bool *injected)
{
	int ret, left;

	if (nth_set(nthfd, n))
		return -EBADFD;
	ret = op(arg);
	left = nth_get(nthfd);
	nth_set(nthfd, 0);
	*injected = left == 0;
	return ret;
}

static int sysfs_count(const char *attr)
{
	char path[128], buf[32] = "";
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", SYSFS_DIR, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atoi(buf) : -1;
}

static int nr_fds(void)
{
	struct dirent *de;
	DIR *dir = opendir("/proc/self/fd");
	int n = 0;

	if (!dir)
		return -1;
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.')
			n++;
	closedir(dir);
	return n - 1;	/* the directory's own fd */
}

static bool clean_errno(int ret)
{
	return ret == -ENOMEM || ret == -EMFILE || ret == -ENFILE;
}

static bool clean_uring_errno(int ret)
{
	return clean_errno(ret) || ret == -EAGAIN || ret == -ECANCELED;
}

/*
 * Where the sweep stands, for the logs. "survived" counts failures the
 * call absorbed: kmemleak's own metadata allocation after each object
 * falls back to its pool, io_uring retries a failed bulk request
 * allocation one by one, and so on.
 */
struct sweep {
	unsigned int n;
	unsigned int failed;	/* injected, call failed cleanly */
	unsigned int survived;	/* injected, call still succeeded */
};

static int precheck(void)
{
	if (access(FAILSLAB_DIR, F_OK)) {
		ksft_print_header();
		ksft_exit_skip("%s does not exist: this kernel has no failslab "
			       "(CONFIG_FAILSLAB, CONFIG_FAULT_INJECTION_DEBUG_FS)\n",
			       FAILSLAB_DIR);
	}
	if (geteuid() != 0 || access(FAIL_NTH, W_OK)) {
		ksft_print_header();
		ksft_exit_skip("needs root and %s\n", FAIL_NTH);
	}
	return 0;
}

FIXTURE(failslab)
{
	int dev;
	int nth;
	char saved[NR_KNOBS][32];
	bool saved_ok;
	char name[128];
};

FIXTURE_SETUP(failslab)
{
	unsigned int i;

	self->saved_ok = false;
	self->name[0] = 0;
	self->dev = dev_open();
	ASSERT_LE(0, self->dev) {
		TH_LOG("open %s: %s (module loaded?)", SEMCTL_DEV,
		       strerror(errno));
	}
	ASSERT_LE(0, sysfs_count("semaphores"));
	for (i = 0; i < NR_KNOBS; i++)
		ASSERT_EQ(0, knob_read(knobs[i], self->saved[i],
				       sizeof(self->saved[i])));
	self->saved_ok = true;
	/*
	 * Only fail-nth injects: no random failure anywhere (probability 0,
	 * and only tasks with make-it-fail if someone raises it), GFP_KERNEL
	 * allocations count, and no stack dump per injected failure.
	 */
	ASSERT_EQ(0, knob_write("probability", "0"));
	ASSERT_EQ(0, knob_write("task-filter", "Y"));
	ASSERT_EQ(0, knob_write("ignore-gfp-wait", "N"));
	ASSERT_EQ(0, knob_write("verbose", "0"));
	self->nth = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->nth);
	ASSERT_EQ(0, nth_set(self->nth, 0));
}

FIXTURE_TEARDOWN(failslab)
{
	unsigned int i;

	if (self->nth >= 0) {
		nth_set(self->nth, 0);
		close(self->nth);
	}
	if (self->saved_ok)
		for (i = 0; i < NR_KNOBS; i++)
			knob_write(knobs[i], self->saved[i]);
	if (self->name[0])
		sem_unlink(self->dev, self->name);
	if (self->dev >= 0)
		close(self->dev);
}

/* ---- create and open ---- */

struct create_arg {
	int dev;
	__u32 flags;
	const char *name;
};

static int op_create(void *p)
{
	struct create_arg *a = p;

	return sem_create_full(a->dev, a->flags, 1, 8, a->name, 0600);
}

static int op_open(void *p)
{
	struct create_arg *a = p;

	return sem_open_name(a->dev, a->name, a->flags);
}

/*
 * Sweep a create. @existing: the name exists before each call (create
 * without EXCL then opens it); otherwise a failed call must leave no name.
 */
static void sweep_create(struct __test_metadata *_metadata,
			 FIXTURE_DATA(failslab) *self, const char *name,
			 __u32 flags, bool existing, struct sweep *s)
{
	struct create_arg a = { .dev = self->dev, .flags = flags, .name = name };
	int nss = sysfs_count("namespaces");
	int sems, fds, ret, fd;
	bool injected = true;

	for (s->n = 1; injected && s->n <= MAX_NTH; s->n++) {
		sems = sysfs_count("semaphores");
		fds = nr_fds();
		ret = run_nth(self->nth, s->n, op_create, &a, &injected);
		if (ret >= 0) {
			if (injected)
				s->survived++;
			ASSERT_EQ(existing ? sems : sems + 1,
				  sysfs_count("semaphores"));
			ASSERT_EQ(1, sem_value(ret));
			close(ret);
			if (name && !existing)
				ASSERT_EQ(0, sem_unlink(self->dev, name));
			ASSERT_EQ(sems, sysfs_count("semaphores"));
			continue;
		}
		ASSERT_TRUE(injected) {
			TH_LOG("N=%u: create failed (%s) with no injected failure",
			       s->n, strerror(-ret));
		}
		ASSERT_TRUE(clean_errno(ret)) {
			TH_LOG("N=%u: create failed with %s", s->n,
			       strerror(-ret));
		}
		s->failed++;
		ASSERT_EQ(sems, sysfs_count("semaphores")) {
			TH_LOG("N=%u: a failed create (%s) left a semaphore",
			       s->n, strerror(-ret));
		}
		/*
		 * A namespace's table may stay once made (it goes when the
		 * namespace dies), but a sweep makes at most one.
		 */
		ASSERT_GE(nss + 1, sysfs_count("namespaces"));
		ASSERT_EQ(fds, nr_fds()) {
			TH_LOG("N=%u: a failed create left an fd", s->n);
		}
		if (name) {
			fd = sem_open_name(self->dev, name, 0);
			if (existing) {
				ASSERT_LE(0, fd);
				ASSERT_EQ(1, sem_value(fd));
				close(fd);
			} else {
				ASSERT_EQ(-ENOENT, fd) {
					TH_LOG("N=%u: a failed create (%s) left its name",
					       s->n, strerror(-ret));
					if (fd >= 0)
						close(fd);
				}
			}
		}
	}
	ASSERT_FALSE(injected) {
		TH_LOG("still failing after %u allocations", MAX_NTH);
	}
}

TEST_F(failslab, create_anonymous)
{
	struct sweep s = { 0 };

	sweep_create(_metadata, self, NULL, 0, false, &s);
	TH_LOG("anonymous create: %u allocation(s) failed: %u clean errors, %u survived",
	       s.n - 2, s.failed, s.survived);
	ASSERT_LT(0, s.failed);
}

TEST_F(failslab, create_named)
{
	struct sweep s = { 0 };

	unique_name(self->name, sizeof(self->name), "failslab");
	sweep_create(_metadata, self, self->name, SEMCTL_CREATE_EXCL, false,
		     &s);
	TH_LOG("named create: %u allocation(s) failed: %u clean errors, %u survived",
	       s.n - 2, s.failed, s.survived);
	ASSERT_LT(0, s.failed);
}

/* The first name of a fresh IPC namespace also allocates its table. */
TEST_F(failslab, create_named_in_new_ipc_namespace)
{
	struct sweep s = { 0 };
	int nss;

	ASSERT_EQ(0, unshare(CLONE_NEWIPC));
	nss = sysfs_count("namespaces");
	unique_name(self->name, sizeof(self->name), "failslab-ns");
	sweep_create(_metadata, self, self->name, SEMCTL_CREATE_EXCL, false,
		     &s);
	TH_LOG("named create in a new namespace: %u allocation(s) failed: %u clean errors, %u survived",
	       s.n - 2, s.failed, s.survived);
	ASSERT_LT(0, s.failed);
	ASSERT_GE(nss + 1, sysfs_count("namespaces"));
}

/* Create of an existing name (no EXCL) opens it, or fails cleanly. */
TEST_F(failslab, create_existing_name)
{
	struct sweep s = { 0 };
	int fd;

	unique_name(self->name, sizeof(self->name), "failslab-ex");
	fd = sem_create_full(self->dev, SEMCTL_CREATE_EXCL, 1, 8, self->name,
			     0600);
	ASSERT_LE(0, fd);
	close(fd);
	sweep_create(_metadata, self, self->name, 0, true, &s);
	TH_LOG("create of an existing name: %u allocation(s) failed: %u clean errors, %u survived",
	       s.n - 2, s.failed, s.survived);
	ASSERT_LT(0, s.failed);
}

TEST_F(failslab, open)
{
	struct create_arg a = { .dev = self->dev, .name = self->name };
	struct sweep s = { 0 };
	bool injected = true;
	int sems, fds, ret, fd;

	unique_name(self->name, sizeof(self->name), "failslab-open");
	fd = sem_create_full(self->dev, SEMCTL_CREATE_EXCL, 1, 8, self->name,
			     0600);
	ASSERT_LE(0, fd);
	close(fd);
	for (s.n = 1; injected && s.n <= MAX_NTH; s.n++) {
		sems = sysfs_count("semaphores");
		fds = nr_fds();
		ret = run_nth(self->nth, s.n, op_open, &a, &injected);
		if (ret >= 0) {
			if (injected)
				s.survived++;
			ASSERT_EQ(1, sem_value(ret));
			close(ret);
		} else {
			ASSERT_TRUE(injected) {
				TH_LOG("N=%u: open failed (%s) with no injected failure",
				       s.n, strerror(-ret));
			}
			ASSERT_TRUE(clean_errno(ret)) {
				TH_LOG("N=%u: open failed with %s", s.n,
				       strerror(-ret));
			}
			s.failed++;
			ASSERT_EQ(fds, nr_fds());
		}
		/* The name and its one semaphore are still there. */
		ASSERT_EQ(sems, sysfs_count("semaphores"));
		fd = sem_open_name(self->dev, self->name, 0);
		ASSERT_LE(0, fd);
		ASSERT_EQ(1, sem_value(fd));
		close(fd);
	}
	ASSERT_FALSE(injected);
	TH_LOG("open: %u allocation(s) failed: %u clean errors, %u survived",
	       s.n - 2, s.failed, s.survived);
	ASSERT_LT(0, s.failed);
}

/* ---- io_uring acquire ---- */

static void prep_acquire(struct io_uring_sqe *sqe, int fd, __u32 count,
			 __u64 user_data)
{
	struct semctl_uring_acquire a = { .count = count };

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = fd;
	sqe->cmd_op = SEMCTL_URING_CMD_ACQUIRE;
	memcpy(sqe->cmd, &a, sizeof(a));
	sqe->user_data = user_data;
}

static int op_submit(void *p)
{
	return io_uring_submit(p);
}

/* Bounded wait for one CQE: 0 and *res, or -ETIME when none came. */
static int reap(struct io_uring *ring, int timeout_ms, int *res)
{
	struct __kernel_timespec ts = {
		.tv_sec = timeout_ms / 1000,
		.tv_nsec = (timeout_ms % 1000) * NSEC_PER_MSEC,
	};
	struct io_uring_cqe *cqe;
	int ret;

	ret = io_uring_wait_cqe_timeout(ring, &cqe, &ts);
	if (ret)
		return ret;
	*res = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return 0;
}

/*
 * Sweep an IORING_OP_URING_CMD acquire of 1 unit on a semaphore holding
 * @value (1: completes at once; 0: waits until we release one). A fresh
 * ring each time, so that io_uring's first-use allocations (task context,
 * io-wq and its worker) are swept too. Where the module allocates nothing
 * (an available unit; a waiting acquire allocates its queue entry) every
 * failure may be absorbed.
 */
static void sweep_uring(struct __test_metadata *_metadata,
			FIXTURE_DATA(failslab) *self, __u64 value,
			struct sweep *s)
{
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	bool injected = true;
	int fd, sems, ret, res, got;
	uint64_t end;

	fd = sem_create(self->dev, value, 8);
	ASSERT_LE(0, fd);
	sems = sysfs_count("semaphores");
	for (s->n = 1; injected && s->n <= MAX_NTH; s->n++) {
		ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));
		sqe = io_uring_get_sqe(&ring);
		ASSERT_NE(NULL, sqe);
		prep_acquire(sqe, fd, 1, s->n);
		ret = run_nth(self->nth, s->n, op_submit, &ring, &injected);
		if (ret < 0) {
			/* Nothing was submitted. */
			ASSERT_TRUE(injected);
			ASSERT_TRUE(clean_uring_errno(ret)) {
				TH_LOG("N=%u: submit failed with %s", s->n,
				       strerror(-ret));
			}
			s->failed++;
			goto check;
		}
		ASSERT_EQ(1, ret);
		/* Completed, or waiting in the FIFO. */
		res = 1;
		end = mono_ms() + CQE_WAIT_MS;
		for (;;) {
			got = reap(&ring, 1, &res);
			if (!got || (value == 0 && sem_waiters(fd) == 1) ||
			    mono_ms() > end)
				break;
		}
		if (got && value == 0 && sem_waiters(fd) == 1) {
			ASSERT_EQ(0, sem_release(fd, 1));
			ASSERT_EQ(0, reap(&ring, CQE_WAIT_MS, &res));
		}
		ASSERT_NE(1, res) {
			TH_LOG("N=%u: no completion and no waiter", s->n);
		}
		if (res == 0) {
			if (injected)
				s->survived++;
			/* We hold the unit: give it back to where it was. */
			if (value)
				ASSERT_EQ(0, sem_release(fd, 1));
		} else {
			ASSERT_TRUE(injected) {
				TH_LOG("N=%u: acquire completed with %s and no injected failure",
				       s->n, strerror(-res));
			}
			ASSERT_TRUE(clean_uring_errno(res)) {
				TH_LOG("N=%u: acquire completed with %s",
				       s->n, strerror(-res));
			}
			s->failed++;
		}
check:
		io_uring_queue_exit(&ring);
		ASSERT_EQ((int64_t)value, sem_value(fd));
		ASSERT_EQ(0, sem_waiters(fd));
		ASSERT_EQ(0, sem_undo(fd));
		ASSERT_EQ(sems, sysfs_count("semaphores"));
	}
	ASSERT_FALSE(injected);
	close(fd);
}

TEST_F_TIMEOUT(failslab, uring_acquire_available, 600)
{
	struct sweep s = { 0 };

	sweep_uring(_metadata, self, 1, &s);
	TH_LOG("uring acquire (available): %u allocation(s) failed: %u clean errors, %u survived",
	       s.n - 2, s.failed, s.survived);
}

TEST_F_TIMEOUT(failslab, uring_acquire_waits, 600)
{
	struct sweep s = { 0 };

	sweep_uring(_metadata, self, 0, &s);
	TH_LOG("uring acquire (waiting): %u allocation(s) failed: %u clean errors, %u survived",
	       s.n - 2, s.failed, s.survived);
}

/* ---- blocking acquire: no allocation at all ---- */

struct acq_arg {
	int fd;
	__u32 flags;
	bool use_read;
	/* for the waiting variant, filled by the thread */
	atomic_int armed;
	int ret;
	bool injected;
};

static int op_acquire(void *p)
{
	struct acq_arg *a = p;
	uint64_t v;

	if (a->use_read) {
		ssize_t n = read(a->fd, &v, sizeof(v));

		return n < 0 ? -errno : (n == sizeof(v) ? 0 : -EIO);
	}
	if (a->flags & SEMCTL_ACQUIRE_TIMEOUT)
		return sem_acquire_full(a->fd, 1, a->flags,
					(__u64)3 * WAIT_MS * NSEC_PER_MSEC);
	return sem_acquire_full(a->fd, 1, a->flags, 0);
}

static void *acquire_thread(void *p)
{
	struct acq_arg *a = p;
	int nth = open(FAIL_NTH, O_RDWR | O_CLOEXEC);

	if (nth < 0) {
		a->ret = -errno;
		atomic_store(&a->armed, 1);
		return NULL;
	}
	if (nth_set(nth, 1)) {
		a->ret = -EBADFD;
		atomic_store(&a->armed, 1);
		close(nth);
		return NULL;
	}
	atomic_store(&a->armed, 1);
	a->ret = op_acquire(a);
	a->injected = nth_get(nth) == 0;
	nth_set(nth, 0);
	close(nth);
	return NULL;
}

static const struct {
	const char *what;
	__u32 flags;
	bool use_read;
} acq_variants[] = {
	{ "ioctl", 0, false },
	{ "ioctl+timeout", SEMCTL_ACQUIRE_TIMEOUT, false },
	{ "ioctl+undo", SEMCTL_ACQUIRE_UNDO, false },
	{ "read()", 0, true },
};

TEST_F(failslab, blocking_acquire_allocates_nothing)
{
	unsigned int i;
	pthread_t t;
	int fd;

	fd = sem_create(self->dev, 0, 8);
	ASSERT_LE(0, fd);
	for (i = 0; i < sizeof(acq_variants) / sizeof(acq_variants[0]); i++) {
		struct acq_arg a = {
			.fd = fd,
			.flags = acq_variants[i].flags,
			.use_read = acq_variants[i].use_read,
		};
		bool injected = false;
		int ret;

		/* A unit is there: taken at once. */
		ASSERT_EQ(0, sem_release(fd, 1));
		ret = run_nth(self->nth, 1, op_acquire, &a, &injected);
		EXPECT_EQ(0, ret) {
			TH_LOG("%s: %s", acq_variants[i].what, strerror(-ret));
		}
		EXPECT_FALSE(injected) {
			TH_LOG("%s (unit available) allocated", acq_variants[i].what);
		}
		if (ret == 0)
			ASSERT_EQ(0, sem_release(fd, 1));
		ASSERT_EQ(0, sem_try(fd, 1));
		ASSERT_EQ(0, sem_value(fd));

		/* No unit: it waits in the FIFO until we release one. */
		ASSERT_EQ(0, pthread_create(&t, NULL, acquire_thread, &a));
		ASSERT_EQ(0, wait_atomic_ge(&a.armed, 1));
		ASSERT_EQ(0, wait_waiters(fd, 1, NULL)) {
			TH_LOG("%s: the waiter never queued (ret %d)",
			       acq_variants[i].what, a.ret);
		}
		ASSERT_EQ(0, sem_release(fd, 1));
		pthread_join(t, NULL);
		EXPECT_EQ(0, a.ret) {
			TH_LOG("%s (waiting): %s", acq_variants[i].what,
			       strerror(-a.ret));
		}
		EXPECT_FALSE(a.injected) {
			TH_LOG("%s (waiting) allocated", acq_variants[i].what);
		}
		ASSERT_EQ(0, sem_value(fd));
		ASSERT_EQ(0, sem_waiters(fd));
		/* Give the thread's unit back (undo units are paid first). */
		if (a.ret == 0) {
			ASSERT_EQ(0, sem_release(fd, 1));
			ASSERT_EQ(0, sem_try(fd, 1));
		}
		ASSERT_EQ(0, sem_undo(fd));
	}
	close(fd);
}

SEMCTL_HARNESS_MAIN_PRECHECK(precheck)
