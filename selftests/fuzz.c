// SPDX-License-Identifier: GPL-2.0
/*
 * A seeded random stream of calls on /dev/semctl and semaphore fds (named
 * and anonymous): ioctls with command numbers ours, near ours and random;
 * struct sizes 0, tiny, VER0, larger with a zero or a garbage tail, a page,
 * above a page; random flags and field values; good, NULL, unmapped,
 * PROT_NONE, read-only, kernel and non-canonical pointers, and structs
 * that run into a PROT_NONE page; read()/write() of random sizes; poll,
 * close, dup, O_NONBLOCK toggles; io_uring URING_CMD with random cmd_op and
 * command bytes, and io_uring READ.
 *
 * Pass: every call returns a value or an errno from the documented set for
 * that call (Documentation/userspace-api/semctl.rst, io_uring.rst). The
 * no-oops/no-WARN half is the dmesg scan of the VM run.
 *
 * The seed is printed first; SEMCTL_FUZZ_SEED=N replays a run,
 * SEMCTL_FUZZ_OPS (default 200000) and SEMCTL_FUZZ_SECONDS (default 30)
 * bound it. A second test runs two streams (seeds N and N+1) at once
 * on the same names, half the ops each, 15 s by default. Nothing may
 * block: a 20 ms one-shot SIGALRM to the calling thread (no SA_RESTART)
 * is armed around every call that could wait, so EINTR is in the sets of
 * acquire and read.
 */
#include <liburing.h>
#include <sys/time.h>

#include "semctl_test.h"

#define DEF_OPS		200000
#define DEF_SECONDS	30
#define DEF_MT_SECONDS	15
#define POOL_MAX	48
#define NNAMES		6
#define BOGUS_FD	900
#define MAX_REPORTS	20
#define RING_ENTRIES	32
#define RING_PENDING_MAX 12

#define PG		4096UL

/* ---- random numbers (xorshift64*, replayable from the seed) ---- */

static __thread uint64_t rng_state;

static uint64_t rnd64(void)
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static uint32_t rnd(uint32_t n)
{
	return n ? (uint32_t)(rnd64() % n) : 0;
}

static bool chance(uint32_t one_in)
{
	return rnd(one_in) == 0;
}

/* ---- the errno sets ---- */

enum call {
	C_CREATE, C_OPEN, C_UNLINK, C_LIST, C_DEV_OTHER,
	C_ACQUIRE, C_RELEASE, C_QUERY, C_POISON, C_HOLDERS, C_SEM_OTHER,
	C_SEM_READ, C_SEM_WRITE, C_DEV_READ, C_DEV_WRITE,
	C_POLL, C_DUP, C_CLOSE, C_FCNTL, C_BOGUS_FD,
	C_URING_ACQUIRE, C_URING_CANCEL, C_URING_OTHER, C_URING_DEV,
	C_URING_READ,
	C_NR
};

static const char *const call_name[C_NR] = {
	"CREATE", "OPEN", "UNLINK", "LIST", "dev-ioctl-other",
	"ACQUIRE", "RELEASE", "QUERY", "POISON", "HOLDERS", "sem-ioctl-other",
	"sem-read", "sem-write", "dev-read", "dev-write",
	"poll", "dup", "close", "fcntl", "bogus-fd",
	"uring-ACQUIRE", "uring-CANCEL", "uring-other-op", "uring-on-dev",
	"uring-READ",
};

#define E(...) (const int[]){ __VA_ARGS__, 0 }

static const int *const allowed[C_NR] = {
	[C_CREATE] = E(EFAULT, EINVAL, E2BIG, ENAMETOOLONG, EEXIST, EACCES,
		       ENOMEM, EMFILE, ENOSPC, EDQUOT),
	[C_OPEN] = E(EFAULT, EINVAL, E2BIG, ENAMETOOLONG, ENOENT, EACCES,
		     ENOMEM, EMFILE),
	[C_UNLINK] = E(EFAULT, EINVAL, E2BIG, ENAMETOOLONG, ENOENT, EPERM,
		       ENOMEM),
	[C_LIST] = E(EFAULT, EINVAL, E2BIG, ENOMEM),
	[C_DEV_OTHER] = E(ENOTTY),
	[C_ACQUIRE] = E(EFAULT, EINVAL, E2BIG, EBADF, EAGAIN, ETIMEDOUT,
			EINTR, EIDRM, ERANGE),
	[C_RELEASE] = E(EFAULT, EINVAL, E2BIG, EBADF, EOVERFLOW),
	[C_QUERY] = E(EFAULT, EINVAL, E2BIG, EBADF),
	[C_POISON] = E(EFAULT, EINVAL, E2BIG, EBADF),
	[C_HOLDERS] = E(EFAULT, EINVAL, E2BIG, EBADF, ENOMEM),
	[C_SEM_OTHER] = E(ENOTTY),
	[C_SEM_READ] = E(EINVAL, EFAULT, EAGAIN, EBADF, EINTR, EIDRM, ERANGE),
	[C_SEM_WRITE] = E(EINVAL, EFAULT, EOVERFLOW, EBADF),
	[C_DEV_READ] = E(EINVAL, EFAULT),
	[C_DEV_WRITE] = E(EINVAL, EFAULT),
	[C_POLL] = E(EINTR),
	[C_DUP] = E(EMFILE),
	[C_CLOSE] = E(EINTR),
	[C_FCNTL] = E(EINVAL),
	[C_BOGUS_FD] = E(EBADF),
	/* completions (cqe->res) */
	[C_URING_ACQUIRE] = E(ETIMEDOUT, ECANCELED, EINVAL, EBADF, EIDRM,
			      ENOMEM, EFAULT, ERANGE),
	[C_URING_CANCEL] = E(ENOENT, EINVAL, EBADF, EOPNOTSUPP),
	[C_URING_OTHER] = E(EOPNOTSUPP, EINVAL),
	[C_URING_DEV] = E(EOPNOTSUPP, EINVAL),
	[C_URING_READ] = E(EINVAL, EFAULT, EAGAIN, EBADF, EINTR, EIDRM,
			   ECANCELED, ERANGE),
};

static __thread long ops, calls[C_NR], calls_ok[C_NR], failures;
static uint64_t seed;

static bool errno_allowed(enum call c, int err)
{
	const int *e;

	for (e = allowed[c]; *e; e++)
		if (*e == err)
			return true;
	return false;
}

static __thread char last_desc[256];
static __thread int thread_idx;

static void fail(enum call c, long ret, int err)
{
	failures++;
	if (failures <= MAX_REPORTS)
		ksft_print_msg("thread %d op %ld %s: returned %ld errno %d (%s) not documented; %s\n",
			       thread_idx, ops, call_name[c], ret, err,
			       strerror(err), last_desc);
}

/* ret < 0 with errno: must be in the set; else ok_pred decides */
static void check(enum call c, long ret, int err, bool ok)
{
	calls[c]++;
	if (ret < 0) {
		if (!errno_allowed(c, err))
			fail(c, ret, err);
	} else if (!ok) {
		fail(c, ret, 0);
	} else {
		calls_ok[c]++;
	}
}

/* io_uring completions: res >= 0 must satisfy ok */
static void check_res(enum call c, int res, bool ok)
{
	calls[c]++;
	if (res < 0) {
		if (!errno_allowed(c, -res))
			fail(c, res, -res);
	} else if (!ok) {
		fail(c, res, 0);
	} else {
		calls_ok[c]++;
	}
}

/* ---- the watchdog ---- */

static void on_alarm(int sig)
{
	(void)sig;
}

/*
 * A per-thread timer: SIGALRM to this very thread every 20 ms while a call
 * is in flight. Periodic, not one-shot: on a loaded machine a single alarm
 * can fire before the call starts to wait, and the wait would then last
 * forever.
 */
static __thread timer_t watchdog;

static int watchdog_init(void)
{
	struct sigevent sev = {
		.sigev_notify = SIGEV_THREAD_ID,
		.sigev_signo = SIGALRM,
	};

	sev._sigev_un._tid = gettid_();
	return timer_create(CLOCK_MONOTONIC, &sev, &watchdog) ? -errno : 0;
}

static void watchdog_arm(void)
{
	struct itimerspec it = {
		.it_value = { .tv_nsec = 20000000 },
		.it_interval = { .tv_nsec = 20000000 },
	};

	timer_settime(watchdog, 0, &it, NULL);
}

static void watchdog_disarm(void)
{
	struct itimerspec it = { 0 };

	timer_settime(watchdog, 0, &it, NULL);
}

/* ---- memory: good pages, a PROT_NONE page, a read-only page ---- */

static __thread uint8_t *arena;		/* [0,1] RW, [2] NONE, [3] RO */
/*
 * Never mapped: far from the heap and the top-down mmap area. (A hole
 * munmap()ed in the arena would be reused by the next mmap -- an io_uring
 * SQ array, say -- and the "bad" pointers would then scribble on it.)
 */
#define UNMAPPED	((uint8_t *)0x100000000000ULL)
static __thread uint8_t *names;		/* [0] RW, [1] NONE */
static __thread uint8_t *entries;	/* [0..3] RW, [4] NONE */

static void *ptr_special(void)
{
	static const uint64_t kernel[] = {
		0xffff800000000000ULL, 0xffff888000000000ULL,
		0xffffffff81000000ULL, 0xffffffffff600000ULL,
		0x0000800000000000ULL, 0xfffffffffffffff8ULL,
	};

	switch (rnd(6)) {
	case 0:
		return NULL;
	case 1:
		return (void *)(uintptr_t)(1 + rnd(4095));
	case 2:
		return arena + 2 * PG + rnd(PG);		/* PROT_NONE */
	case 3:
		return UNMAPPED + rnd(16 * PG);		/* unmapped */
	case 4:
		return (void *)(uintptr_t)kernel[rnd(6)];
	default:
		return (void *)(uintptr_t)rnd64();
	}
}

/*
 * Place @len bytes of @src as a user struct: in a good page, straddling
 * into the PROT_NONE page, in the read-only page, or at a bad address.
 */
static void *place(const void *src, size_t len)
{
	uint8_t *p;

	switch (rnd(16)) {
	case 0: case 1:
		return ptr_special();
	case 2:	/* runs into PROT_NONE after 1..len-1 bytes */
		if (len > 1 && len <= 2 * PG) {
			size_t fit = 1 + rnd((uint32_t)len - 1);

			p = arena + 2 * PG - fit;
			memcpy(p, src, fit);
			return p;
		}
		break;
	case 3:	/* read-only copy */
		if (len <= PG) {
			p = arena + 3 * PG + (PG - len) / 8 * 8 * rnd(2);
			mprotect(arena + 3 * PG, PG, PROT_READ | PROT_WRITE);
			memcpy(p, src, len);
			mprotect(arena + 3 * PG, PG, PROT_READ);
			return p;
		}
		break;
	}
	if (len > 2 * PG)
		len = 2 * PG;
	p = arena + (len <= PG && chance(2) ? PG - len / 8 * 8 : 0);
	memcpy(p, src, len);
	return p;
}

/* ---- values ---- */

static uint64_t rnd_u64(void)
{
	static const uint64_t special[] = {
		0, 1, 2, 3, 7, 255, 4096, 0x7fffffffULL, 0xffffffffULL,
		0x100000000ULL, SEMCTL_VALUE_MAX - 1, SEMCTL_VALUE_MAX,
		SEMCTL_VALUE_MAX + 1, ~0ULL, ~0ULL - 1,
	};

	switch (rnd(4)) {
	case 0:
		return special[rnd(sizeof(special) / sizeof(special[0]))];
	case 1:
		return rnd(16);
	case 2:
		return rnd64() >> rnd(64);
	default:
		return rnd64();
	}
}

static uint32_t rnd_flags(uint32_t known)
{
	switch (rnd(6)) {
	case 0:
		return 0;
	case 1:
		return (uint32_t)rnd64();
	case 2:
		return known | (1U << rnd(32));
	default:
		return (uint32_t)rnd64() & known;
	}
}

static uint32_t rnd_size(uint32_t ver0, uint32_t full)
{
	switch (rnd(14)) {
	case 0:
		return 0;
	case 1:
		return 1 + rnd(7);
	case 2:
		return ver0 - 1 - rnd(ver0 > 4 ? 4 : 1);
	case 3:
		return ver0;
	case 4: case 5: case 6: case 7:
		return full;
	case 8:
		return full + 8 * (1 + rnd(8));
	case 9:
		return full + 1 + rnd(200);
	case 10:
		return PG;
	case 11:
		return PG + 1 + rnd(16);
	case 12:
		return (uint32_t)rnd64();
	default:
		return 0xffffffffU;
	}
}

/* ---- names ---- */

static char name_set[NNAMES][64];

static void *rnd_name(void)
{
	uint8_t *p;
	size_t len;

	switch (rnd(12)) {
	case 0:
		return ptr_special();
	case 1:	/* empty */
		names[0] = 0;
		return names;
	case 2:	/* with a '/' */
		strcpy((char *)names, "fz/slash");
		return names;
	case 3: case 4:	/* long: 255 ok, 256+ too long */
		len = 250 + rnd(12);
		memset(names, 'n', len);
		names[len] = 0;
		names[0] = (uint8_t)('a' + rnd(3));
		return names;
	case 5:	/* unterminated, running into PROT_NONE */
		len = 1 + rnd(300);
		p = names + PG - len;
		memset(p, 'u', len);
		return p;
	case 6:	/* random bytes */
		len = 1 + rnd(40);
		p = names + PG - len - 1;
		for (size_t i = 0; i < len; i++)
			p[i] = (uint8_t)(1 + rnd(255));
		p[len] = 0;
		return p;
	default:
		p = names + 512;
		strcpy((char *)p, name_set[rnd(NNAMES)]);
		return p;
	}
}

/* ---- the fd pool ---- */

enum kind { K_DEV, K_SEM };

struct pfd {
	int fd;
	enum kind kind;
};

static __thread struct pfd pool[POOL_MAX];
static __thread int npool;

static void pool_add(int fd, enum kind kind)
{
	if (npool == POOL_MAX) {
		int i = (int)rnd(POOL_MAX);

		close(pool[i].fd);
		pool[i] = pool[--npool];
	}
	pool[npool].fd = fd;
	pool[npool].kind = kind;
	npool++;
}

static int pool_pick(enum kind kind)
{
	int i, start = (int)rnd(npool ? (uint32_t)npool : 1);

	for (i = 0; i < npool; i++) {
		int j = (start + i) % npool;

		if (pool[j].kind == kind)
			return j;
	}
	return -1;
}

/* ---- io_uring ---- */

static __thread struct io_uring ring;
static __thread bool ring_up;
static __thread int pending;
/* user_data: a sequence number << 8 | the call kind */
static __thread uint64_t next_seq = 1;
static __thread uint64_t recent_ud[4];	/* of URING_CMD acquires */
static __thread int recent_fd[4];

static void ring_reap(int wait_ms);

static void ring_reset(void)
{
	if (ring_up) {
		io_uring_queue_exit(&ring);
		ring_up = false;
	}
	pending = 0;
	if (io_uring_queue_init(RING_ENTRIES, &ring, 0) == 0)
		ring_up = true;
}

static void ring_reap(int wait_ms)
{
	struct io_uring_cqe *cqe;
	struct __kernel_timespec ts = { .tv_nsec = (long)wait_ms * 1000000L };
	int ret;

	if (!ring_up)
		return;
	if (wait_ms) {
		ret = io_uring_wait_cqe_timeout(&ring, &cqe, &ts);
		if (ret)
			return;
	}
	while (io_uring_peek_cqe(&ring, &cqe) == 0) {
		uint64_t ud = cqe->user_data;
		enum call c = (enum call)(ud & 0xff);
		int res = cqe->res;

		io_uring_cqe_seen(&ring, cqe);
		pending--;
		snprintf(last_desc, sizeof(last_desc), "completion of ud %llu",
			 (unsigned long long)ud);
		switch (c) {
		case C_URING_ACQUIRE:
			check_res(c, res, res == 0);
			break;
		case C_URING_CANCEL:
			check_res(c, res, res >= 1);
			break;
		case C_URING_READ:
			check_res(c, res, res == 8);
			break;
		default:
			check_res(c, res, false);
		}
	}
}

static void fuzz_uring(void)
{
	struct io_uring_sqe *sqe;
	uint8_t cmd[16];
	uint64_t sqe_ud_last;
	enum call c;
	int i, fd, ret;
	uint32_t op;

	if (!ring_up || pending >= RING_PENDING_MAX || chance(500)) {
		ring_reset();	/* cancels whatever is pending */
		if (!ring_up)
			return;
	}
	i = pool_pick(chance(8) ? K_DEV : K_SEM);
	if (i < 0)
		return;
	fd = pool[i].fd;
	sqe = io_uring_get_sqe(&ring);
	if (!sqe)
		return;

	if (pool[i].kind == K_SEM && chance(4)) {
		void *buf = chance(3) ? ptr_special() : arena;

		io_uring_prep_read(sqe, fd, buf, rnd(3) ? 8 : rnd(20), 0);
		c = C_URING_READ;
	} else {
		switch (rnd(6)) {
		case 0: case 1: case 2:
			op = SEMCTL_URING_CMD_ACQUIRE;
			break;
		case 3:
			op = SEMCTL_URING_CMD_CANCEL;
			break;
		case 4:
			op = 0x5e00 + rnd(16);
			break;
		default:
			op = (uint32_t)rnd64();
		}
		for (size_t k = 0; k < sizeof(cmd); k++)
			cmd[k] = (uint8_t)rnd64();
		if (op == SEMCTL_URING_CMD_ACQUIRE && rnd(3)) {
			struct semctl_uring_acquire a = {
				.count = (uint32_t)(rnd(3) ? 1 + rnd(3) :
						    rnd_u64()),
				.flags = rnd_flags(SEMCTL_ACQUIRE_UNDO |
						   SEMCTL_ACQUIRE_TIMEOUT |
						   SEMCTL_ACQUIRE_ABSTIME |
						   SEMCTL_ACQUIRE_REALTIME |
						   SEMCTL_ACQUIRE_TRY),
				.timeout_ns = rnd(2) ? rnd(5) * 1000000ULL :
					      rnd_u64(),
			};
			memcpy(cmd, &a, sizeof(a));
		} else if (op == SEMCTL_URING_CMD_CANCEL && rnd(3)) {
			struct semctl_uring_cancel cc = {
				.user_data = rnd64(),
				.reserved = chance(8) ? rnd64() : 0,
			};
			int k = (int)rnd(4), j;

			/* mostly aim at a recent acquire, on its own fd */
			for (j = 0; rnd(4) && j < npool; j++) {
				if (pool[j].kind == K_SEM &&
				    pool[j].fd == recent_fd[k]) {
					cc.user_data = recent_ud[k];
					i = j;
					fd = pool[j].fd;
					break;
				}
			}
			memcpy(cmd, &cc, sizeof(cc));
		}
		memset(sqe, 0, sizeof(*sqe));
		sqe->opcode = IORING_OP_URING_CMD;
		sqe->fd = fd;
		sqe->cmd_op = op;
		memcpy(sqe->cmd, cmd, sizeof(cmd));
		if (pool[i].kind == K_DEV)
			c = C_URING_DEV;
		else if (op == SEMCTL_URING_CMD_ACQUIRE)
			c = C_URING_ACQUIRE;
		else if (op == SEMCTL_URING_CMD_CANCEL)
			c = C_URING_CANCEL;
		else
			c = C_URING_OTHER;
	}
	sqe->user_data = next_seq++ << 8 | c;
	sqe_ud_last = sqe->user_data;
	if (c == C_URING_ACQUIRE) {
		int k = (int)rnd(4);

		recent_ud[k] = sqe->user_data;
		recent_fd[k] = fd;
	}
	snprintf(last_desc, sizeof(last_desc), "submit %s on fd %d",
		 call_name[c], fd);
	ret = io_uring_submit(&ring);
	if (ret > 0)
		pending += ret;
	ring_reap(1);

	/* cancel it at once now and then: found if it is still queued */
	if (c == C_URING_ACQUIRE && ret > 0 && chance(3)) {
		struct semctl_uring_cancel cc = {
			.user_data = sqe_ud_last,
		};

		sqe = io_uring_get_sqe(&ring);
		if (!sqe)
			return;
		memset(sqe, 0, sizeof(*sqe));
		sqe->opcode = IORING_OP_URING_CMD;
		sqe->fd = fd;
		sqe->cmd_op = SEMCTL_URING_CMD_CANCEL;
		memcpy(sqe->cmd, &cc, sizeof(cc));
		sqe->user_data = next_seq++ << 8 | C_URING_CANCEL;
		snprintf(last_desc, sizeof(last_desc),
			 "submit cancel of %llu on fd %d",
			 (unsigned long long)cc.user_data, fd);
		ret = io_uring_submit(&ring);
		if (ret > 0)
			pending += ret;
		ring_reap(1);
	}
}

/* ---- ioctls ---- */

static __thread uint8_t sbuf[3 * PG];

/* An ioctl number: ours, ours with other size/dir bits, near, random. */
static unsigned long pick_cmd(bool dev, unsigned long *base_out)
{
	static const unsigned long dev_cmds[] = {
		SEMCTL_IOC_CREATE, SEMCTL_IOC_OPEN, SEMCTL_IOC_UNLINK,
		SEMCTL_IOC_LIST,
	};
	static const unsigned long sem_cmds[] = {
		SEMCTL_IOC_ACQUIRE, SEMCTL_IOC_RELEASE, SEMCTL_IOC_QUERY,
		SEMCTL_IOC_POISON, SEMCTL_IOC_HOLDERS,
	};
	const uint32_t nr_dev = sizeof(dev_cmds) / sizeof(dev_cmds[0]);
	const uint32_t nr_sem = sizeof(sem_cmds) / sizeof(sem_cmds[0]);
	unsigned long cmd;

	switch (rnd(10)) {
	case 0:	/* near ours: other nr, other dir */
		cmd = _IOC(rnd(4), SEMCTL_IOC_MAGIC, rnd(0x20), rnd(0x4000));
		break;
	case 1: {	/* random, but never one of the VFS's generic ioctls */
		unsigned int type;

		do {
			cmd = (uint32_t)rnd64();
			type = _IOC_TYPE(cmd);
		} while (type == 'T' || type == 'f' || type == 'X' ||
			 type == 0x15 || type == 0x94 || type == 0 ||
			 type == SEMCTL_IOC_MAGIC);
		break;
	}
	case 2:	/* the other kind's */
		cmd = dev ? sem_cmds[rnd(nr_sem)] : dev_cmds[rnd(nr_dev)];
		break;
	default:
		cmd = dev ? dev_cmds[rnd(nr_dev)] : sem_cmds[rnd(nr_sem)];
		if (chance(3))	/* other size bits: ignored */
			cmd = (cmd & ~((unsigned long)_IOC_SIZEMASK <<
				       _IOC_SIZESHIFT)) |
			      ((unsigned long)rnd(0x4000) << _IOC_SIZESHIFT);
	}
	*base_out = cmd & ~((unsigned long)_IOC_SIZEMASK << _IOC_SIZESHIFT);
	return cmd;
}

#define BASE(c) ((unsigned long)(c) & ~((unsigned long)_IOC_SIZEMASK << \
					_IOC_SIZESHIFT))

/* Header of every struct plus a tail: zero, garbage, or nothing. */
static size_t fill_struct(const void *head, size_t head_len, uint32_t size)
{
	size_t len = size;

	if (len > 2 * PG)
		len = 2 * PG;
	if (len < head_len)
		len = head_len;
	memset(sbuf, 0, len);
	memcpy(sbuf, head, head_len);
	((uint32_t *)sbuf)[0] = size;
	if (len > head_len && chance(4)) {
		size_t at = head_len + rnd((uint32_t)(len - head_len));

		sbuf[at] = (uint8_t)(1 + rnd(255));
	}
	return len;
}

static void fuzz_dev_ioctl(int fd)
{
	unsigned long base, cmd = pick_cmd(true, &base);
	enum call c;
	size_t len = 8;
	void *arg;
	long ret;
	int err;

	memset(sbuf, 0, 64);
	if (base == BASE(SEMCTL_IOC_CREATE)) {
		struct semctl_create a = {
			.flags = rnd_flags(SEMCTL_FD_NOCLOEXEC |
					   SEMCTL_FD_NONBLOCK | SEMCTL_FD_UNDO |
					   SEMCTL_CREATE_EXCL),
			.value = rnd(2) ? rnd(8) : rnd_u64(),
			.max = rnd(2) ? rnd(16) : rnd_u64(),
			.name = chance(3) ? 0 : (uintptr_t)rnd_name(),
			.mode = rnd(3) ? 0600 + rnd(0200) : (uint32_t)rnd64(),
			.reserved = chance(8) ? (uint32_t)rnd64() : 0,
		};

		len = fill_struct(&a, sizeof(a), rnd_size(SEMCTL_CREATE_SIZE_VER0,
							  sizeof(a)));
		c = C_CREATE;
	} else if (base == BASE(SEMCTL_IOC_OPEN)) {
		struct semctl_open a = {
			.flags = rnd_flags(SEMCTL_FD_NOCLOEXEC |
					   SEMCTL_FD_NONBLOCK | SEMCTL_FD_UNDO |
					   SEMCTL_OPEN_READ | SEMCTL_OPEN_WRITE),
			.name = (uintptr_t)rnd_name(),
		};

		len = fill_struct(&a, sizeof(a), rnd_size(SEMCTL_OPEN_SIZE_VER0,
							  sizeof(a)));
		c = C_OPEN;
	} else if (base == BASE(SEMCTL_IOC_UNLINK)) {
		struct semctl_unlink a = {
			.flags = chance(6) ? (uint32_t)rnd64() : 0,
			.name = (uintptr_t)rnd_name(),
		};

		len = fill_struct(&a, sizeof(a), rnd_size(SEMCTL_UNLINK_SIZE_VER0,
							  sizeof(a)));
		c = C_UNLINK;
	} else if (base == BASE(SEMCTL_IOC_LIST)) {
		static const uint32_t esz[] = {
			SEMCTL_INFO_SIZE_VER0, SEMCTL_INFO_SIZE_VER1, 0, 8,
			SEMCTL_INFO_SIZE_VER0 - 1, PG, PG + 1, 4000,
		};
		struct semctl_list a = {
			.flags = chance(6) ? (uint32_t)rnd64() : 0,
			.cursor = rnd(2) ? 0 : rnd_u64(),
			.entries = chance(4) ? (uintptr_t)ptr_special() :
				   (uintptr_t)(entries + rnd(4) * PG),
			.entry_size = rnd(2) ? esz[rnd(8)] : (uint32_t)rnd64(),
			.count = rnd(2) ? rnd(12) : (uint32_t)rnd64(),
		};

		len = fill_struct(&a, sizeof(a), rnd_size(SEMCTL_LIST_SIZE_VER0,
							  sizeof(a)));
		c = C_LIST;
	} else {
		for (size_t k = 0; k < 64; k++)
			sbuf[k] = (uint8_t)rnd64();
		len = 64;
		c = C_DEV_OTHER;
	}
	arg = place(sbuf, len);
	snprintf(last_desc, sizeof(last_desc),
		 "ioctl(dev fd %d, cmd %#lx, arg %p) size field %u",
		 fd, cmd, arg, ((uint32_t *)sbuf)[0]);
	errno = 0;
	ret = ioctl(fd, cmd, arg);
	err = errno;
	check(c, ret, err, (c == C_CREATE || c == C_OPEN) ? ret >= 0 :
	      ret == 0);
	if (ret >= 0 && (c == C_CREATE || c == C_OPEN))
		pool_add((int)ret, K_SEM);
}

static void fuzz_sem_ioctl(int fd)
{
	unsigned long base, cmd = pick_cmd(false, &base);
	enum call c;
	size_t len;
	void *arg;
	long ret;
	int err;

	if (base == BASE(SEMCTL_IOC_ACQUIRE)) {
		struct semctl_acquire a = {
			.flags = rnd_flags(SEMCTL_ACQUIRE_TRY |
					   SEMCTL_ACQUIRE_UNDO |
					   SEMCTL_ACQUIRE_TIMEOUT |
					   SEMCTL_ACQUIRE_ABSTIME |
					   SEMCTL_ACQUIRE_REALTIME),
			.count = rnd(2) ? 1 + rnd(3) : rnd_u64(),
			.timeout_ns = rnd(2) ? 0 : (rnd(2) ? rnd(3) * 1000000ULL :
						    rnd_u64()),
		};

		len = fill_struct(&a, sizeof(a),
				  rnd_size(SEMCTL_ACQUIRE_SIZE_VER0, sizeof(a)));
		c = C_ACQUIRE;
	} else if (base == BASE(SEMCTL_IOC_RELEASE)) {
		struct semctl_release a = {
			.flags = chance(6) ? (uint32_t)rnd64() : 0,
			.count = rnd(2) ? 1 + rnd(3) : rnd_u64(),
			.previous = rnd64(),
		};

		len = fill_struct(&a, sizeof(a),
				  rnd_size(SEMCTL_RELEASE_SIZE_VER0, sizeof(a)));
		c = C_RELEASE;
	} else if (base == BASE(SEMCTL_IOC_QUERY)) {
		struct semctl_info a;

		memset(&a, chance(4) ? 0xa5 : 0, sizeof(a));
		len = fill_struct(&a, sizeof(a),
				  rnd(2) ? sizeof(a) :
				  rnd_size(SEMCTL_INFO_SIZE_VER0, sizeof(a)));
		c = C_QUERY;
	} else if (base == BASE(SEMCTL_IOC_POISON)) {
		struct semctl_poison a = {
			.flags = rnd(32) ? (uint32_t)rnd64() | 1 : 0,
		};

		/* mostly invalid: a poisoned semaphore stays poisoned */
		len = fill_struct(&a, sizeof(a),
				  rnd_size(SEMCTL_POISON_SIZE_VER0, sizeof(a)));
		c = C_POISON;
	} else if (base == BASE(SEMCTL_IOC_HOLDERS)) {
		static __thread uint8_t out[2 * PG];
		struct semctl_holders a = {
			.flags = chance(8) ? (uint32_t)rnd64() : 0,
			.entries = (uint64_t)(uintptr_t)(rnd(4) ? (void *)out :
							 ptr_special()),
			.entry_size = rnd(2) ? sizeof(struct semctl_holder) :
					       rnd(64),
			.count = rnd(2) ? rnd(4) : (uint32_t)rnd64(),
			.holders = chance(8) ? rnd64() : 0,
		};

		len = fill_struct(&a, sizeof(a),
				  rnd_size(SEMCTL_HOLDERS_SIZE_VER0, sizeof(a)));
		c = C_HOLDERS;
	} else {
		for (size_t k = 0; k < 64; k++)
			sbuf[k] = (uint8_t)rnd64();
		len = 64;
		c = C_SEM_OTHER;
	}
	arg = place(sbuf, len);
	snprintf(last_desc, sizeof(last_desc),
		 "ioctl(sem fd %d, cmd %#lx, arg %p) size field %u flags %#x",
		 fd, cmd, arg, ((uint32_t *)sbuf)[0], ((uint32_t *)sbuf)[1]);
	if (c == C_ACQUIRE)
		watchdog_arm();
	errno = 0;
	ret = ioctl(fd, cmd, arg);
	err = errno;
	if (c == C_ACQUIRE)
		watchdog_disarm();
	check(c, ret, err, ret == 0);
}

static void *rw_buf(size_t len)
{
	if (chance(4))
		return ptr_special();
	if (chance(8) && len <= PG)
		return arena + 3 * PG;		/* read-only */
	if (chance(6) && len >= 1)
		return arena + 2 * PG - 1 - rnd(len > 8 ? 8 : (uint32_t)len);
	return arena;
}

static size_t rw_len(void)
{
	static const size_t lens[] = { 0, 1, 7, 8, 8, 8, 9, 16, 4096,
				       1UL << 20, SIZE_MAX };

	return lens[rnd(sizeof(lens) / sizeof(lens[0]))];
}

static void fuzz_rw(int i)
{
	int fd = pool[i].fd;
	bool sem = pool[i].kind == K_SEM;
	size_t len = rw_len();
	void *buf = rw_buf(len);
	ssize_t ret;
	int err;

	if (chance(2)) {
		snprintf(last_desc, sizeof(last_desc), "read(%s fd %d, %p, %zu)",
			 sem ? "sem" : "dev", fd, buf, len);
		if (sem)
			watchdog_arm();
		errno = 0;
		ret = read(fd, buf, len);
		err = errno;
		if (sem)
			watchdog_disarm();
		check(sem ? C_SEM_READ : C_DEV_READ, ret, err, sem && ret == 8);
	} else {
		uint64_t v = rnd(2) ? 1 + rnd(3) : rnd_u64();

		if (buf == arena)
			memcpy(arena, &v, sizeof(v));
		snprintf(last_desc, sizeof(last_desc),
			 "write(%s fd %d, %p, %zu) value %llu", sem ? "sem" : "dev",
			 fd, buf, len, (unsigned long long)v);
		errno = 0;
		ret = write(fd, buf, len);
		err = errno;
		check(sem ? C_SEM_WRITE : C_DEV_WRITE, ret, err,
		      sem && ret == 8);
	}
}

static void fuzz_misc(int i)
{
	int fd = pool[i].fd;
	long ret;
	int err;

	switch (rnd(5)) {
	case 0: {
		struct pollfd p = { .fd = fd, .events = (short)rnd64() };

		snprintf(last_desc, sizeof(last_desc), "poll(fd %d, %#x)", fd,
			 (unsigned int)(unsigned short)p.events);
		ret = poll(&p, 1, 0);
		check(C_POLL, ret, errno, ret == 0 || ret == 1);
		break;
	}
	case 1:
		snprintf(last_desc, sizeof(last_desc), "dup(%d)", fd);
		ret = dup(fd);
		err = errno;
		check(C_DUP, ret, err, ret >= 0);
		if (ret >= 0)
			pool_add((int)ret, pool[i].kind);
		break;
	case 2:
		snprintf(last_desc, sizeof(last_desc), "close(%d)", fd);
		ret = close(fd);
		check(C_CLOSE, ret, errno, ret == 0);
		pool[i] = pool[--npool];
		break;
	case 3: {
		int fl = fcntl(fd, F_GETFL);

		snprintf(last_desc, sizeof(last_desc), "fcntl(%d, F_SETFL)", fd);
		ret = fcntl(fd, F_SETFL, fl ^ O_NONBLOCK);
		check(C_FCNTL, ret, errno, ret == 0);
		break;
	}
	default: {
		int bad = rnd(2) ? -1 : BOGUS_FD;
		uint64_t v = 1;

		snprintf(last_desc, sizeof(last_desc), "calls on bad fd %d", bad);
		ret = ioctl(bad, SEMCTL_IOC_QUERY, arena);
		check(C_BOGUS_FD, ret, errno, false);
		ret = read(bad, &v, 8);
		check(C_BOGUS_FD, ret, errno, false);
	}
	}
}

/* Keep at least one of each kind in the pool. */
static void refill(void)
{
	int dev;

	if (pool_pick(K_DEV) < 0) {
		dev = dev_open();
		if (dev >= 0)
			pool_add(dev, K_DEV);
	}
	if (pool_pick(K_SEM) < 0) {
		int d = pool[pool_pick(K_DEV)].fd;
		int fd;

		if (chance(2))
			fd = sem_create(d, rnd(4), rnd(2) ? 0 : 8);
		else
			fd = sem_create_full(d, rnd(8) & SEMCTL_FD_UNDO, rnd(4),
					     0, name_set[rnd(NNAMES)], 0600);
		if (fd >= 0)
			pool_add(fd, K_SEM);
	}
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *s = getenv(name);

	return s && *s ? strtoull(s, NULL, 0) : def;
}

struct run {
	int idx;
	uint64_t seed;
	uint64_t max_ops;
	uint64_t end_ms;
	int setup_err;		/* -errno of a failed setup step */
	const char *setup_what;
	long ops, failures, calls[C_NR], calls_ok[C_NR];
};

static int map_areas(struct run *r)
{
	unsigned char vec[16];

	r->setup_what = "mmap";
	arena = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	names = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	entries = mmap(NULL, 5 * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (arena == MAP_FAILED || names == MAP_FAILED || entries == MAP_FAILED)
		return -ENOMEM;
	if (mprotect(arena + 2 * PG, PG, PROT_NONE) ||
	    mprotect(arena + 3 * PG, PG, PROT_READ) ||
	    mprotect(names + PG, PG, PROT_NONE) ||
	    mprotect(entries + 4 * PG, PG, PROT_NONE))
		return -errno;
	/* mincore() fails with ENOMEM on an unmapped range */
	r->setup_what = "UNMAPPED is mapped";
	if (mincore(UNMAPPED, 16 * PG, vec) == 0 || errno != ENOMEM)
		return -EEXIST;
	r->setup_what = "timer_create";
	return watchdog_init();
}

static void unmap_areas(void)
{
	munmap(arena, 4 * PG);
	munmap(names, 2 * PG);
	munmap(entries, 5 * PG);
	timer_delete(watchdog);
}

/* One stream; runs in the test process or in a thread of it. */
static void *fuzz_run(void *arg)
{
	struct run *r = arg;
	int i, dev;

	thread_idx = r->idx;
	rng_state = r->seed | 1;
	r->setup_err = map_areas(r);
	if (r->setup_err)
		return NULL;
	r->setup_what = "open " SEMCTL_DEV;
	dev = dev_open();
	if (dev < 0) {
		r->setup_err = -errno;
		return NULL;
	}
	pool_add(dev, K_DEV);
	ring_reset();
	r->setup_what = "io_uring_queue_init";
	if (!ring_up) {
		r->setup_err = -ENOMEM;
		return NULL;
	}

	for (ops = 0; (uint64_t)ops < r->max_ops; ops++) {
		if (!(ops & 255) && mono_ms() > r->end_ms)
			break;
		refill();
		switch (rnd(20)) {
		case 0: case 1: case 2: case 3: case 4:
			i = pool_pick(K_DEV);
			if (i >= 0)
				fuzz_dev_ioctl(pool[i].fd);
			break;
		case 5: case 6: case 7: case 8: case 9: case 10:
			i = pool_pick(K_SEM);
			if (i >= 0)
				fuzz_sem_ioctl(pool[i].fd);
			break;
		case 11: case 12: case 13:
			fuzz_rw((int)rnd((uint32_t)npool));
			break;
		case 14: case 15:
			fuzz_misc((int)rnd((uint32_t)npool));
			break;
		default:
			fuzz_uring();
		}
	}

	/* Tear down: pending io_uring requests are cancelled by the exit. */
	ring_reap(0);
	if (ring_up)
		io_uring_queue_exit(&ring);
	ring_up = false;
	while (npool)
		close(pool[--npool].fd);
	unmap_areas();
	r->ops = ops;
	r->failures = failures;
	memcpy(r->calls, calls, sizeof(calls));
	memcpy(r->calls_ok, calls_ok, sizeof(calls_ok));
	return NULL;
}

static uint64_t fuzz_seed(void)
{
	uint64_t s = env_u64("SEMCTL_FUZZ_SEED", 0);

	return s ? s : now_ns(CLOCK_REALTIME) ^ ((uint64_t)getpid() << 32);
}

static void setup_common(struct __test_metadata *_metadata)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	int i;

	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(-1, fcntl(BOGUS_FD, F_GETFD));
	for (i = 0; i < NNAMES; i++)
		snprintf(name_set[i], sizeof(name_set[i]), "fz.%d.%d",
			 getpid(), i);
}

static void unlink_names(void)
{
	int i, dev = dev_open();

	if (dev < 0)
		return;
	for (i = 0; i < NNAMES; i++)
		sem_unlink(dev, name_set[i]);
	close(dev);
}

static void report(struct __test_metadata *_metadata, struct run *run,
		   int n)
{
	long total[C_NR] = { 0 }, ok[C_NR] = { 0 }, ops_all = 0, fail_all = 0;
	int t, c;

	for (t = 0; t < n; t++) {
		ASSERT_EQ(0, run[t].setup_err) {
			TH_LOG("thread %d: %s: %s", t, run[t].setup_what,
			       strerror(-run[t].setup_err));
		}
		ops_all += run[t].ops;
		fail_all += run[t].failures;
		for (c = 0; c < C_NR; c++) {
			total[c] += run[t].calls[c];
			ok[c] += run[t].calls_ok[c];
		}
	}
	ksft_print_msg("%ld ops in %d stream(s), seed %llu; calls per kind (succeeded):\n",
		       ops_all, n, (unsigned long long)seed);
	for (c = 0; c < C_NR; c++)
		ksft_print_msg("  %-16s %7ld (%ld)\n", call_name[c], total[c],
			       ok[c]);
	EXPECT_EQ(0, fail_all) {
		TH_LOG("%ld calls returned an undocumented result; replay with SEMCTL_FUZZ_SEED=%llu",
		       fail_all, (unsigned long long)seed);
	}
	EXPECT_LT(0, ops_all);
}

FIXTURE(fuzz) {
	int unused;
};

FIXTURE_SETUP(fuzz)
{
	self->unused = 0;
	setup_common(_metadata);
}

FIXTURE_TEARDOWN(fuzz)
{
	unlink_names();
}

/* One replayable stream: the same seed gives the same calls. */
TEST_F_TIMEOUT(fuzz, seeded_stream, 600)
{
	struct run run = {
		.max_ops = env_u64("SEMCTL_FUZZ_OPS", DEF_OPS),
	};
	uint64_t secs = env_u64("SEMCTL_FUZZ_SECONDS", DEF_SECONDS);

	seed = fuzz_seed();
	run.seed = seed;
	run.end_ms = mono_ms() + secs * 1000;
	ksft_print_msg("fuzz seed %llu (replay: SEMCTL_FUZZ_SEED=%llu), at most %llu ops / %llu s\n",
		       (unsigned long long)seed, (unsigned long long)seed,
		       (unsigned long long)run.max_ops,
		       (unsigned long long)secs);
	fuzz_run(&run);
	report(_metadata, &run, 1);
}

/*
 * Two streams at once on the same named semaphores (each thread with its
 * own fds and ring): acquire, release, poison, unlink, create and ring
 * exits of one run under the other's calls. The interleaving is not
 * replayable; the seeds of the streams are.
 */
TEST_F_TIMEOUT(fuzz, two_concurrent_streams, 600)
{
	struct run run[2];
	uint64_t secs = env_u64("SEMCTL_FUZZ_SECONDS", DEF_MT_SECONDS);
	uint64_t max_ops = env_u64("SEMCTL_FUZZ_OPS", DEF_OPS) / 2;
	pthread_t t[2];
	int i;

	seed = fuzz_seed();
	ksft_print_msg("fuzz seed %llu (streams %llu and %llu), at most %llu ops each / %llu s\n",
		       (unsigned long long)seed, (unsigned long long)seed,
		       (unsigned long long)seed + 1,
		       (unsigned long long)max_ops, (unsigned long long)secs);
	for (i = 0; i < 2; i++) {
		memset(&run[i], 0, sizeof(run[i]));
		run[i].idx = i;
		run[i].seed = seed + (uint64_t)i;
		run[i].max_ops = max_ops;
		run[i].end_ms = mono_ms() + secs * 1000;
		ASSERT_EQ(0, pthread_create(&t[i], NULL, fuzz_run, &run[i]));
	}
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	report(_metadata, run, 2);
}

TEST_HARNESS_MAIN
