// SPDX-License-Identifier: GPL-2.0
/*
 * Kill storm: worker processes and threads acquire a semaphore of count 3
 * with undo in every way there is -- blocking ioctl, timed ioctl, read()
 * on a SEMCTL_FD_UNDO fd, IORING_OP_URING_CMD acquire with
 * SEMCTL_ACQUIRE_UNDO and IORING_OP_READ on a SEMCTL_FD_UNDO fd -- while
 * the driver (the test process) SIGKILLs random holders and waiters and
 * respawns them, for SEMCTL_STORM_SECONDS (default 30) seconds.
 *
 * The invariant "never more units held than the count" is checked
 * continuously through shared memory, without being fooled by the kills.
 * Each acquirer owns a slot: two bits of one shared 64-bit word, @heldmap,
 * hold the units it has, set right after its acquire returns and cleared
 * right before it releases, so a live slot's bits are a lower bound of
 * what it holds. One atomic load of @heldmap is a consistent snapshot of
 * every slot (summing per-slot words one by one is not: a unit passed
 * from one slot to another during the scan would be counted twice). The
 * driver sets a slot's bit in @doomed before it SIGKILLs its process:
 * only then can that process's units come back (undo on the last close),
 * so whoever acquires one of them afterwards and loads @heldmap then
 * @doomed sees the dead slot doomed and does not count it. The sum over
 * the slots not doomed therefore never exceeds the count unless the
 * kernel hands out a unit twice.
 *
 * At the end every worker is killed and reaped, and the semaphore (created
 * with the largest maximum, so that a duplicated unit cannot hide behind a
 * cap) must come back to exactly its initial value with no waiter and no
 * undo left: no unit lost, none duplicated.
 */
#include <liburing.h>

#include "semctl_test.h"

#define COUNT		3
#define NPROC		12
#define MAXTHR		2
#define NSLOT		(NPROC * MAXTHR)	/* at most 32 */
#define STORM_S		30
#define REAP_MS		10000
#define SETTLE_MS	20000

enum method {
	M_IOCTL,	/* SEMCTL_IOC_ACQUIRE, UNDO, no timeout */
	M_TIMED,	/* SEMCTL_IOC_ACQUIRE, UNDO | TIMEOUT */
	M_READ,		/* read() on a SEMCTL_FD_UNDO fd */
	M_URING_CMD,	/* URING_CMD acquire with SEMCTL_ACQUIRE_UNDO */
	M_URING_READ,	/* IORING_OP_READ on a SEMCTL_FD_UNDO fd */
	M_NR
};

static const char *const method_name[M_NR] = {
	"ioctl", "timed-ioctl", "read", "uring-cmd", "uring-read",
};

struct shared {
	/* 2 bits per slot: units held; set after acquire, cleared before release */
	atomic_ullong heldmap;
	atomic_uint doomed;		/* slot bits, set by the driver before SIGKILL */
	atomic_int waiting[NSLOT];	/* inside an acquire */
	atomic_long acquired[M_NR];
	atomic_long timeouts;
	atomic_long violations;
	atomic_int max_inside;
	atomic_int errors;
	atomic_int err_once;
	char first_error[200];
	char violation[200];
	atomic_int viol_once;
	char name[128];
};

static struct shared *sh;

static void note_error(const char *what, int err)
{
	atomic_fetch_add(&sh->errors, 1);
	if (!atomic_exchange(&sh->err_once, 1))
		snprintf(sh->first_error, sizeof(sh->first_error),
			 "pid %d: %s: %d (%s)", getpid(), what, err,
			 strerror(err < 0 ? -err : err));
}

/* Units held by live slots: a lower bound that may never exceed COUNT. */
static int inside_now(void)
{
	unsigned long long held = atomic_load(&sh->heldmap);
	unsigned int doomed = atomic_load(&sh->doomed);
	int i, n = 0;

	for (i = 0; i < NSLOT; i++)
		if (!(doomed & (1U << i)))
			n += (int)((held >> (2 * i)) & 3);
	return n;
}

static void check_inside(const char *who)
{
	int n = inside_now();
	int m = atomic_load(&sh->max_inside);

	while (n > m && !atomic_compare_exchange_weak(&sh->max_inside, &m, n))
		;
	if (n > COUNT) {
		atomic_fetch_add(&sh->violations, 1);
		if (!atomic_exchange(&sh->viol_once, 1))
			snprintf(sh->violation, sizeof(sh->violation),
				 "%s saw %d units held (count %d)", who, n,
				 COUNT);
	}
}

static enum method slot_method(int s)
{
	return (enum method)(s % M_NR);
}

static int proc_threads(int p)
{
	return 1 + (p % 2);
}

static uint32_t xorshift(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x ? x : 0x9e3779b9U;
}

struct wctx {
	int slot;
	int dev;
};

static int uring_wait(struct io_uring *ring, int *res)
{
	struct io_uring_cqe *cqe;
	int ret;

	do {
		ret = io_uring_wait_cqe(ring, &cqe);
	} while (ret == -EINTR);
	if (ret)
		return ret;
	*res = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return 0;
}

static void *acquirer(void *arg)
{
	struct wctx *w = arg;
	atomic_int *waiting = &sh->waiting[w->slot];
	unsigned long long shift = 2ULL * (unsigned int)w->slot;
	enum method m = slot_method(w->slot);
	uint32_t rnd = (uint32_t)getpid() * 2654435761U + (uint32_t)w->slot;
	struct io_uring ring;
	bool uring = m == M_URING_CMD || m == M_URING_READ;
	__u32 fdflags = (m == M_READ || m == M_URING_READ) ? SEMCTL_FD_UNDO : 0;
	int fd, ret;

	/* Its own open file, so that its undo dies with this process. */
	fd = sem_open_name(w->dev, sh->name, fdflags | SEMCTL_OPEN_WRITE);
	if (fd < 0) {
		note_error("open", fd);
		return NULL;
	}
	if (uring) {
		ret = io_uring_queue_init(4, &ring, 0);
		if (ret) {
			note_error("io_uring_queue_init", ret);
			return NULL;
		}
	}

	for (;;) {
		__u32 units = 1;
		__u64 one;

		if ((m == M_IOCTL || m == M_TIMED || m == M_URING_CMD) &&
		    xorshift(&rnd) % 4 == 0)
			units = 2;

		atomic_store(waiting, 1);
		switch (m) {
		case M_IOCTL:
			ret = sem_acquire_full(fd, units, SEMCTL_ACQUIRE_UNDO, 0);
			break;
		case M_TIMED:
			ret = sem_acquire_full(fd, units, SEMCTL_ACQUIRE_UNDO |
					       SEMCTL_ACQUIRE_TIMEOUT,
					       (1 + xorshift(&rnd) % 20) *
					       NSEC_PER_MSEC);
			break;
		case M_READ:
			ret = read(fd, &one, sizeof(one)) == sizeof(one) ?
			      0 : -errno;
			if (!ret && one != 1)
				note_error("read value", (int)one);
			break;
		case M_URING_CMD: {
			struct semctl_uring_acquire a = {
				.count = units,
				.flags = SEMCTL_ACQUIRE_UNDO,
			};
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
			int res = 0;

			if (!sqe) {
				ret = -EBUSY;
				break;
			}
			memset(sqe, 0, sizeof(*sqe));
			sqe->opcode = IORING_OP_URING_CMD;
			sqe->fd = fd;
			sqe->cmd_op = SEMCTL_URING_CMD_ACQUIRE;
			memcpy(sqe->cmd, &a, sizeof(a));
			sqe->user_data = 1;
			ret = io_uring_submit(&ring);
			if (ret != 1) {
				note_error("submit uring cmd", ret);
				break;
			}
			ret = uring_wait(&ring, &res);
			if (!ret)
				ret = res;
			break;
		}
		case M_URING_READ: {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
			int res = 0;

			if (!sqe) {
				ret = -EBUSY;
				break;
			}
			io_uring_prep_read(sqe, fd, &one, sizeof(one), 0);
			sqe->user_data = 2;
			ret = io_uring_submit(&ring);
			if (ret != 1) {
				note_error("submit uring read", ret);
				break;
			}
			ret = uring_wait(&ring, &res);
			if (!ret)
				ret = res == sizeof(one) ? 0 : (res < 0 ? res : -EIO);
			break;
		}
		default:
			ret = -EINVAL;
		}
		atomic_store(waiting, 0);
		if (ret == -ETIMEDOUT && m == M_TIMED) {
			atomic_fetch_add(&sh->timeouts, 1);
			continue;
		}
		if (ret) {
			note_error(method_name[m], ret);
			sleep_ms(10);
			continue;
		}

		atomic_fetch_or(&sh->heldmap, (unsigned long long)units << shift);
		atomic_fetch_add(&sh->acquired[m], 1);
		check_inside(method_name[m]);
		/* hold briefly: a window for the driver to catch holders */
		if (xorshift(&rnd) % 2)
			sleep_ms(xorshift(&rnd) % 3);
		else
			sched_yield();
		check_inside(method_name[m]);
		atomic_fetch_and(&sh->heldmap, ~(3ULL << shift));

		if (xorshift(&rnd) % 2) {
			ret = sem_release(fd, units);
		} else {
			__u64 n = units;

			ret = write(fd, &n, sizeof(n)) == sizeof(n) ? 0 : -errno;
		}
		if (ret)
			note_error("release", ret);
	}
	return NULL;
}

/* A worker process: its threads acquire until they are killed. */
static void worker_main(int p)
{
	struct wctx ctx[MAXTHR];
	pthread_t thr[MAXTHR];
	int t, n = proc_threads(p), dev;

	dev = dev_open();
	if (dev < 0) {
		note_error("open /dev/semctl", -errno);
		_exit(1);
	}
	for (t = 0; t < n; t++) {
		ctx[t].slot = p * MAXTHR + t;
		ctx[t].dev = dev;
	}
	for (t = 1; t < n; t++)
		if (pthread_create(&thr[t], NULL, acquirer, &ctx[t]))
			note_error("pthread_create", EAGAIN);
	acquirer(&ctx[0]);
	/* only reached after an early error: stay until killed */
	for (;;)
		pause();
}

static pid_t spawn(int p)
{
	pid_t pid = fork();

	if (pid == 0)
		worker_main(p);
	return pid;
}

/* Bounded reap of a SIGKILLed worker; false if it does not die. */
static bool reap(pid_t pid)
{
	uint64_t end = mono_ms() + REAP_MS;
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid || (r < 0 && errno == ECHILD))
			return true;
		if (mono_ms() > end)
			return false;
		sleep_ms(1);
	}
}

static void slots_doom(int p, int v)
{
	unsigned int bits = ((1U << MAXTHR) - 1) << (p * MAXTHR);

	if (v)
		atomic_fetch_or(&sh->doomed, bits);
	else
		atomic_fetch_and(&sh->doomed, ~bits);
}

static void slots_clear(int p)
{
	int t;

	for (t = 0; t < MAXTHR; t++) {
		atomic_fetch_and(&sh->heldmap,
				 ~(3ULL << (2 * (p * MAXTHR + t))));
		atomic_store(&sh->waiting[p * MAXTHR + t], 0);
	}
	slots_doom(p, 0);
}

static bool proc_has(int p, bool holder)
{
	int t;

	for (t = 0; t < proc_threads(p); t++) {
		int i = p * MAXTHR + t;

		if (holder ? (atomic_load(&sh->heldmap) >> (2 * i)) & 3 :
		    (unsigned long long)atomic_load(&sh->waiting[i]))
			return true;
	}
	return false;
}

static unsigned int storm_seconds(void)
{
	const char *s = getenv("SEMCTL_STORM_SECONDS");
	long v = s ? strtol(s, NULL, 10) : 0;

	return v > 0 ? (unsigned int)v : STORM_S;
}

FIXTURE(storm)
{
	int dev;
	int fd;		/* read-only fd of the parent, for queries */
	pid_t pid[NPROC];
};

FIXTURE_SETUP(storm)
{
	int i;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	memset(sh, 0, sizeof(*sh));
	for (i = 0; i < NPROC; i++)
		self->pid[i] = -1;
	self->fd = -1;
	self->dev = dev_open();
	ASSERT_LE(0, self->dev);
	unique_name(sh->name, sizeof(sh->name), "killstorm");
	/* max = SEMCTL_VALUE_MAX: a duplicated unit cannot hide at a cap */
	self->fd = sem_create_full(self->dev, SEMCTL_CREATE_EXCL, COUNT, 0,
				   sh->name, 0600);
	ASSERT_LE(0, self->fd);
	close(self->fd);
	self->fd = sem_open_name(self->dev, sh->name, SEMCTL_OPEN_READ);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(storm)
{
	int i;

	for (i = 0; i < NPROC; i++) {
		if (self->pid[i] > 0) {
			kill(self->pid[i], SIGKILL);
			reap(self->pid[i]);
		}
	}
	if (self->dev >= 0) {
		sem_unlink(self->dev, sh->name);
		close(self->dev);
	}
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F_TIMEOUT(storm, kill_holders_and_waiters, 600)
{
	unsigned int secs = storm_seconds();
	uint64_t end = mono_ms() + secs * 1000ULL;
	uint32_t rnd = (uint32_t)getpid() | 1;
	long kills = 0, kill_holder = 0, kill_waiter = 0, hung = 0;
	struct semctl_info info;
	long total = 0;
	int i, m;

	ksft_print_msg("kill storm: %u s, count %d, %d processes, %d acquirers\n",
		       secs, COUNT, NPROC, NSLOT - NPROC / 2);
	for (i = 0; i < NPROC; i++) {
		self->pid[i] = spawn(i);
		ASSERT_LT(0, self->pid[i]);
	}

	while (mono_ms() < end) {
		uint32_t pick = xorshift(&rnd);
		int victim = -1, k;
		bool want_holder = pick & 1;

		/* pacing, not synchronisation: give the workers a moment */
		sleep_ms(1 + (pick >> 8) % 8);
		check_inside("driver");

		/* prefer a holder or a waiter, else anybody */
		for (k = 0; k < NPROC; k++) {
			int p = (int)((pick >> 4) + (uint32_t)k) % NPROC;

			if (proc_has(p, want_holder)) {
				victim = p;
				break;
			}
		}
		if (victim < 0)
			victim = (int)((pick >> 4) % NPROC);
		if (proc_has(victim, true))
			kill_holder++;
		else if (proc_has(victim, false))
			kill_waiter++;

		slots_doom(victim, 1);
		kill(self->pid[victim], SIGKILL);
		if (!reap(self->pid[victim])) {
			hung++;
			break;
		}
		kills++;
		slots_clear(victim);
		self->pid[victim] = spawn(victim);
		ASSERT_LT(0, self->pid[victim]);
	}

	/* the end: every worker killed and reaped */
	for (i = 0; i < NPROC; i++)
		slots_doom(i, 1);
	for (i = 0; i < NPROC; i++)
		kill(self->pid[i], SIGKILL);
	for (i = 0; i < NPROC; i++) {
		if (!reap(self->pid[i]))
			hung++;
		else
			self->pid[i] = -1;
	}

	for (m = 0; m < M_NR; m++) {
		long n = atomic_load(&sh->acquired[m]);

		total += n;
		ksft_print_msg("acquisitions by %-11s %ld\n", method_name[m], n);
	}
	ksft_print_msg("timed-ioctl timeouts %ld; kills %ld (holders %ld, waiters %ld); max inside %d\n",
		       atomic_load(&sh->timeouts), kills, kill_holder,
		       kill_waiter, atomic_load(&sh->max_inside));

	EXPECT_EQ(0, hung) TH_LOG("a SIGKILLed worker did not die in %d ms",
				  REAP_MS);
	EXPECT_EQ(0, atomic_load(&sh->errors)) TH_LOG("%s", sh->first_error);
	EXPECT_EQ(0, atomic_load(&sh->violations)) TH_LOG("%s", sh->violation);
	EXPECT_LE(atomic_load(&sh->max_inside), COUNT);

	/* Ring teardown is asynchronous: the last undo may come a bit later. */
	{
		uint64_t settle = mono_ms() + SETTLE_MS;

		for (;;) {
			ASSERT_EQ(0, sem_query(self->fd, &info));
			if ((info.value == COUNT && info.waiters == 0 &&
			     info.undo_total == 0) || mono_ms() > settle)
				break;
			sleep_ms(5);
		}
	}
	EXPECT_EQ(COUNT, info.value) TH_LOG("units lost or duplicated");
	EXPECT_EQ(0, info.waiters);
	EXPECT_EQ(0, info.undo_total);

	/* liveness: the FIFO methods made progress under the storm */
	EXPECT_LT(0, total);
	EXPECT_LT(0, atomic_load(&sh->acquired[M_IOCTL]));
	EXPECT_LT(0, atomic_load(&sh->acquired[M_READ]));
	EXPECT_LT(0, atomic_load(&sh->acquired[M_URING_CMD]));
	EXPECT_LT(0, kill_holder);
	EXPECT_LT(0, kill_waiter);
}

TEST_HARNESS_MAIN
