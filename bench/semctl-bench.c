// SPDX-License-Identifier: GPL-2.0
/*
 * semctl-bench: semctl against the primitives it replaces, in one run.
 *
 * Peers: eventfd (EFD_SEMAPHORE), SysV semop, POSIX sem_t, a raw futex
 * semaphore, io_uring READ on an eventfd and (6.7+) io_uring FUTEX_WAIT /
 * FUTEX_WAKE. semctl is called three ways: its ioctls, read/write, and
 * libsemctl's mapped fast path (semctl_map_*, linked statically). Rows
 * follow issue 5; each is repeated and printed as "median (min-max)" with
 * the ratios to the peers and the target (MET / MISSES), judged on
 * the best semctl column and naming it. Output is Markdown on stdout; lines starting with
 * "@data" carry the scaling rows for bench/run.sh's plot.
 *
 * Runs anywhere: without /dev/semctl the semctl columns say n/a. Under
 * QEMU TCG absolute times mean little; read the ratios.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/futex.h>
#include <liburing.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <semctl.h>		/* libsemctl: <linux/semctl.h> and semctl_map_* */

/* Not in Debian 12's headers (io_uring futex ops are 6.7+). */
#define OP_FUTEX_WAIT		51
#define OP_FUTEX_WAKE		52
#define F2_SIZE_U32		0x02
#define F2_PRIVATE		128
#define SQE_CMD_OFF		48

_Static_assert(sizeof(struct io_uring_sqe) == 64, "64-byte SQE");
_Static_assert(offsetof(struct io_uring_sqe, addr3) == SQE_CMD_OFF,
	       "sqe->cmd is the last 16 bytes");
_Static_assert(sizeof(struct semctl_uring_acquire) == 16, "cmd fits");

/* ------------------------------------------------------------------ */
/* options and environment */

static int opt_smoke;
static int opt_reps = 5;
static uint64_t opt_dur = 300000000ULL;	/* ns per measurement */
static char opt_rows[16] = "1234567";
static int devfd = -1;			/* /dev/semctl */
static int ncpu;
static int kver_major, kver_minor;
static int have_uring, have_uring_futex, have_uring_cmd;
static char kernel_release[128];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { ns / 1000000000ULL, ns % 1000000000ULL };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "semctl-bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "[bench] ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

/* Raise a numeric knob (sysctl, module parameter) to at least @want; the
 * old value is put back at exit. Quietly does nothing when not allowed. */
#define MAXKNOB 8
static struct { char path[128]; long old; } knobs[MAXKNOB];
static int nknobs;

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static int write_long(const char *path, long v)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (!f)
		return -1;
	ok = fprintf(f, "%ld\n", v) > 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

static void restore_knobs(void)
{
	while (nknobs-- > 0)
		write_long(knobs[nknobs].path, knobs[nknobs].old);
}

static void raise_knob(const char *path, long want)
{
	long old = read_long(path);

	if (old < 0 || old >= want || nknobs == MAXKNOB)
		return;
	if (write_long(path, want))
		return;
	snprintf(knobs[nknobs].path, sizeof(knobs[nknobs].path), "%s", path);
	knobs[nknobs++].old = old;
	if (nknobs == 1)
		atexit(restore_knobs);
	note("raised %s from %ld to %ld for this run", path, old, want);
}

static int row_on(int r)
{
	return strchr(opt_rows, '0' + r) != NULL;
}

static long futex(_Atomic uint32_t *uaddr, int op, uint32_t val,
		  const struct timespec *ts)
{
	return syscall(SYS_futex, uaddr, op, val, ts, NULL, 0);
}

static void pin(int cpu)
{
	cpu_set_t set;
	int i;

	CPU_ZERO(&set);
	if (cpu < 0) {
		for (i = 0; i < ncpu; i++)
			CPU_SET(i, &set);
	} else {
		CPU_SET(cpu % ncpu, &set);
	}
	sched_setaffinity(0, sizeof(set), &set);
}

static void *shared_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	memset(p, 0, size);
	return p;
}

/* ------------------------------------------------------------------ */
/* statistics and printing */

#define MAXREP 16

struct cell {
	int n;
	double v[MAXREP];
	const char *na;		/* why not applicable, or NULL */
};

enum unit { U_NS, U_RATE, U_COUNT, U_BYTES, U_IDX };

static void cell_add(struct cell *c, double v)
{
	if (isnan(v)) {
		if (!c->na)
			c->na = "failed";
		return;
	}
	if (c->n < MAXREP)
		c->v[c->n++] = v;
}

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int cell_ok(const struct cell *c)
{
	return c->n > 0 && !c->na;
}

static double cell_med(const struct cell *c)
{
	double s[MAXREP];

	if (!cell_ok(c))
		return NAN;
	memcpy(s, c->v, sizeof(double) * c->n);
	qsort(s, c->n, sizeof(double), dcmp);
	return c->n % 2 ? s[c->n / 2] : (s[c->n / 2 - 1] + s[c->n / 2]) / 2;
}

static double cell_min(const struct cell *c)
{
	double m = INFINITY;
	int i;

	if (!cell_ok(c))
		return NAN;
	for (i = 0; i < c->n; i++)
		m = fmin(m, c->v[i]);
	return m;
}

static double cell_max(const struct cell *c)
{
	double m = -INFINITY;
	int i;

	if (!cell_ok(c))
		return NAN;
	for (i = 0; i < c->n; i++)
		m = fmax(m, c->v[i]);
	return m;
}

/* Pick a scale for @v: divisor and suffix. */
static void scale(double v, enum unit u, double *div, const char **sfx)
{
	*div = 1;
	*sfx = "";
	switch (u) {
	case U_NS:
		*sfx = " ns";
		if (v >= 1e6) {
			*div = 1e6;
			*sfx = " ms";
		} else if (v >= 1e3) {
			*div = 1e3;
			*sfx = " µs";
		}
		break;
	case U_RATE:
		*sfx = "/s";
		if (v >= 1e6) {
			*div = 1e6;
			*sfx = " M/s";
		} else if (v >= 1e3) {
			*div = 1e3;
			*sfx = " k/s";
		}
		break;
	case U_BYTES:
		*sfx = " B";
		break;
	default:
		break;
	}
}

static const char *num(double v, enum unit u, double div, char *buf)
{
	double x = v / div;

	if (u == U_IDX)
		sprintf(buf, "%.3f", x);
	else if (u == U_COUNT && x == floor(x))
		sprintf(buf, "%.0f", x);
	else if (x >= 100)
		sprintf(buf, "%.0f", x);
	else if (x >= 10)
		sprintf(buf, "%.1f", x);
	else
		sprintf(buf, "%.2f", x);
	return buf;
}

static void put_cell(const struct cell *c, enum unit u)
{
	char a[32], b[32], m[32];
	const char *sfx;
	double div;

	if (c->na) {
		printf(" n/a (%s) |", c->na);
		return;
	}
	if (!c->n) {
		printf(" – |");
		return;
	}
	scale(cell_med(c), u, &div, &sfx);
	num(cell_med(c), u, div, m);
	if (c->n == 1 || cell_min(c) == cell_max(c)) {
		printf(" %s%s |", m, sfx);
		return;
	}
	printf(" %s%s (%s–%s) |", m, sfx, num(cell_min(c), u, div, a),
	       num(cell_max(c), u, div, b));
}

static void table_head(const char *first, const char *const *cols, int n,
		       const char *tail)
{
	int i;

	printf("\n| %s |", first);
	for (i = 0; i < n; i++)
		printf(" %s |", cols[i]);
	printf("%s\n|---|", tail);
	for (i = 0; i < n; i++)
		printf("---|");
	for (i = 0; tail[i]; i++)
		if (tail[i] == '|')
			printf("---|");
	printf("\n");
}

/*
 * Ratio of semctl (@c[@self]) to the best of the peers in @peers (indices
 * into @c, -1 ends). Lower is better unless @higher. Returns NAN if n/a.
 */
static double ratio_best(const struct cell *c, int self, const int *peers,
			 int higher, int *best)
{
	double s = cell_med(&c[self]), b = NAN;
	int i;

	*best = -1;
	for (i = 0; peers[i] >= 0; i++) {
		double v = cell_med(&c[peers[i]]);

		if (isnan(v))
			continue;
		if (isnan(b) || (higher ? v > b : v < b)) {
			b = v;
			*best = peers[i];
		}
	}
	if (isnan(s) || isnan(b) || b == 0)
		return NAN;
	return s / b;
}

static const char *verdict(int known, int met)
{
	if (!known)
		return "n/a";
	return met ? "MET" : "**MISSES**";
}

/* Summary lines collected for the end of the report. */
static char summary[16384];

static void summarize(const char *fmt, ...)
{
	size_t len = strlen(summary);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(summary + len, sizeof(summary) - len, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------ */
/* the blocking primitives */

enum prim { P_SEMCTL, P_SEMCTL_RW, P_SEMCTL_MAP, P_EVENTFD, P_SYSV, P_SEMT,
	    P_FUTEX, NPRIM };

static const char *const prim_name[NPRIM] = {
	"semctl (ioctl)", "semctl (read/write)", "semctl (mapped)", "eventfd",
	"SysV semop", "sem_t", "futex",
};

/* Peers of semctl: everything but the semctl columns. */
static const int peers_all[] = { P_EVENTFD, P_SYSV, P_SEMT, P_FUTEX, -1 };

/*
 * The ways a user can call semctl: the raw ioctls, read(2)/write(2), and
 * libsemctl's mapped fast path (semctl_map_*: one CAS while nobody waits).
 * Targets are judged on the best of them, named in each verdict.
 */
#define NSEMCTL 3
static const int semctl_cols[NSEMCTL + 1] = {
	P_SEMCTL, P_SEMCTL_RW, P_SEMCTL_MAP, -1
};
static const char *const semctl_short[NSEMCTL] = {
	"ioctl", "read/write", "mapped",
};

/* The short name of semctl column @prim (one of semctl_cols). */
static const char *semctl_short_of(int prim)
{
	int j;

	for (j = 0; j < NSEMCTL; j++)
		if (semctl_cols[j] == prim)
			return semctl_short[j];
	return "-";
}

/* Append ", " (unless @buf is empty) and a formatted item to @buf. */
static void __attribute__((format(printf, 3, 4)))
append_item(char *buf, size_t size, const char *fmt, ...)
{
	size_t l = strlen(buf);
	va_list ap;

	if (l && l + 2 < size) {
		strcpy(buf + l, ", ");
		l += 2;
	}
	va_start(ap, fmt);
	vsnprintf(buf + l, size - l, fmt, ap);
	va_end(ap);
}

static int is_semctl(int kind)
{
	return kind == P_SEMCTL || kind == P_SEMCTL_RW || kind == P_SEMCTL_MAP;
}

/* The semctl column of @c with the best median (index into @c), or -1. */
static int best_semctl(const struct cell *c, int higher)
{
	int i, best = -1;

	for (i = 0; i < NSEMCTL; i++) {
		double v = cell_med(&c[semctl_cols[i]]);

		if (isnan(v))
			continue;
		if (best < 0 || (higher ? v > cell_med(&c[best]) :
				 v < cell_med(&c[best])))
			best = semctl_cols[i];
	}
	return best;
}

static const char *semctl_col_name(int kind)
{
	return kind >= 0 ? prim_name[kind] : "semctl (n/a)";
}


struct bsem {
	int kind;
	int fd;
	int semid;
	int shared;
	sem_t ps;
	struct semctl_map *map;	/* P_SEMCTL_MAP; fork() keeps it */
	_Atomic uint32_t fval;
	_Atomic uint32_t fwait;
};

static const char *prim_na(int kind)
{
	if (is_semctl(kind) && devfd < 0)
		return "no /dev/semctl";
	return NULL;
}

static int sc_create(uint64_t value, uint64_t max, const char *name,
			 unsigned int flags)
{
	struct semctl_create c = {
		.size = sizeof(c),
		.flags = flags,
		.value = value,
		.max = max,
		.name = (uintptr_t)name,
		.mode = 0600,
	};

	return ioctl(devfd, SEMCTL_IOC_CREATE, &c);
}

/* Returns 0, or -errno. @shared: used across processes. */
static int bsem_init(struct bsem *s, int kind, uint32_t value, uint32_t max,
		     int shared)
{
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->shared = shared;
	s->fd = -1;
	switch (kind) {
	case P_SEMCTL:
	case P_SEMCTL_RW:
		if (devfd < 0)
			return -ENODEV;
		s->fd = sc_create(value, max, NULL, 0);
		return s->fd < 0 ? -errno : 0;
	case P_SEMCTL_MAP: {
		int r;

		if (devfd < 0)
			return -ENODEV;
		s->fd = sc_create(value, max, NULL, 0);
		if (s->fd < 0)
			return -errno;
		r = semctl_map_create(s->fd, &s->map);
		if (r < 0) {
			close(s->fd);
			s->fd = -1;
		}
		return r;
	}
	case P_EVENTFD:
		s->fd = eventfd(value, EFD_SEMAPHORE);
		return s->fd < 0 ? -errno : 0;
	case P_SYSV:
		s->semid = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
		if (s->semid < 0)
			return -errno;
		if (semctl(s->semid, 0, SETVAL, (int)value) < 0)
			return -errno;
		return 0;
	case P_SEMT:
		return sem_init(&s->ps, shared, value) ? -errno : 0;
	case P_FUTEX:
		atomic_store(&s->fval, value);
		return 0;
	}
	return -EINVAL;
}

static void bsem_fini(struct bsem *s)
{
	switch (s->kind) {
	case P_SEMCTL_MAP:
		semctl_map_destroy(s->map);
		s->map = NULL;
		/* fall through */
	case P_SEMCTL:
	case P_SEMCTL_RW:
	case P_EVENTFD:
		if (s->fd >= 0)
			close(s->fd);
		break;
	case P_SYSV:
		semctl(s->semid, 0, IPC_RMID);
		break;
	case P_SEMT:
		sem_destroy(&s->ps);
		break;
	}
}

static int fop(const struct bsem *s, int op)
{
	return s->shared ? op : op | FUTEX_PRIVATE_FLAG;
}

static void futex_sem_acq(struct bsem *s, uint32_t n)
{
	for (;;) {
		uint32_t v = atomic_load(&s->fval);

		while (v >= n)
			if (atomic_compare_exchange_weak(&s->fval, &v, v - n))
				return;
		atomic_fetch_add(&s->fwait, 1);
		futex(&s->fval, fop(s, FUTEX_WAIT), v, NULL);
		atomic_fetch_sub(&s->fwait, 1);
	}
}

static void futex_sem_rel(struct bsem *s, uint32_t n)
{
	atomic_fetch_add(&s->fval, n);
	if (atomic_load(&s->fwait))
		futex(&s->fval, fop(s, FUTEX_WAKE), n, NULL);
}

/* Acquire @n units; returns 0 or -errno (EINTR only if !restart). */
static int bsem_acq_n(struct bsem *s, uint32_t n, int restart)
{
	struct semctl_acquire a = { .size = sizeof(a), .count = n };
	struct sembuf op = { .sem_num = 0, .sem_op = -(short)n };
	uint64_t u;
	uint32_t i;
	int r = 0;

	switch (s->kind) {
	case P_SEMCTL:
		do
			r = ioctl(s->fd, SEMCTL_IOC_ACQUIRE, &a);
		while (r < 0 && errno == EINTR && restart);
		break;
	case P_SEMCTL_MAP:
		do {
			r = semctl_map_acquire(s->map, n, 0);
			if (r < 0) {
				errno = -r;
				r = -1;
			}
		} while (r < 0 && errno == EINTR && restart);
		break;
	case P_SYSV:
		do
			r = semop(s->semid, &op, 1);
		while (r < 0 && errno == EINTR && restart);
		break;
	case P_SEMCTL_RW:
	case P_EVENTFD:
		for (i = 0; i < n; i++) {
			do
				r = read(s->fd, &u, sizeof(u)) == sizeof(u) ?
					0 : -1;
			while (r < 0 && errno == EINTR && restart);
			if (r)
				break;
		}
		break;
	case P_SEMT:
		for (i = 0; i < n; i++) {
			do
				r = sem_wait(&s->ps);
			while (r < 0 && errno == EINTR && restart);
			if (r)
				break;
		}
		break;
	case P_FUTEX:
		futex_sem_acq(s, n);
		break;
	}
	if (r < 0) {
		if (errno != EINTR)
			die("%s acquire: %s", prim_name[s->kind],
			    strerror(errno));
		return -errno;
	}
	return 0;
}

static void bsem_acq(struct bsem *s)
{
	bsem_acq_n(s, 1, 1);
}

static void bsem_rel(struct bsem *s, uint32_t n)
{
	struct semctl_release rl = { .size = sizeof(rl), .count = n };
	struct sembuf op = { .sem_num = 0, .sem_op = (short)n };
	uint64_t u = n;
	uint32_t i;
	int r = 0;

	switch (s->kind) {
	case P_SEMCTL:
		r = ioctl(s->fd, SEMCTL_IOC_RELEASE, &rl);
		break;
	case P_SEMCTL_MAP:
		r = semctl_map_release(s->map, n, NULL);
		if (r < 0) {
			errno = -r;
			r = -1;
		}
		break;
	case P_SEMCTL_RW:
	case P_EVENTFD:
		r = write(s->fd, &u, sizeof(u)) == sizeof(u) ? 0 : -1;
		break;
	case P_SYSV:
		r = semop(s->semid, &op, 1);
		break;
	case P_SEMT:
		for (i = 0; i < n && !r; i++)
			r = sem_post(&s->ps);
		break;
	case P_FUTEX:
		futex_sem_rel(s, n);
		break;
	}
	if (r < 0)
		die("%s release: %s", prim_name[s->kind], strerror(errno));
}

/* Blocked waiters the kernel knows of, or -1 if it cannot tell. */
static long bsem_waiters(struct bsem *s)
{
	struct semctl_info info = { .size = sizeof(info) };

	switch (s->kind) {
	case P_SEMCTL:
	case P_SEMCTL_RW:
	case P_SEMCTL_MAP:
		if (ioctl(s->fd, SEMCTL_IOC_QUERY, &info) < 0)
			return -1;
		return info.waiters;
	case P_SYSV:
		return semctl(s->semid, 0, GETNCNT);
	}
	return -1;
}

static long bsem_value(struct bsem *s)
{
	struct semctl_info info = { .size = sizeof(info) };

	if (s->kind == P_SYSV)
		return semctl(s->semid, 0, GETVAL);
	if (ioctl(s->fd, SEMCTL_IOC_QUERY, &info) < 0)
		return -1;
	return info.value;
}

/* ------------------------------------------------------------------ */
/* io_uring helpers */

enum uprim { UP_SCMD, UP_SREAD, UP_EFD, UP_FUTEX, NUPRIM };

static const char *const uprim_name[NUPRIM] = {
	"semctl uring_cmd", "semctl READ", "eventfd READ", "FUTEX_WAIT",
};

static void prep_semctl_acquire(struct io_uring_sqe *sqe, int fd,
				uint32_t count)
{
	struct semctl_uring_acquire a = { .count = count };

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = fd;
	sqe->cmd_op = SEMCTL_URING_CMD_ACQUIRE;
	memcpy((char *)sqe + SQE_CMD_OFF, &a, sizeof(a));
}

static void prep_futex(struct io_uring_sqe *sqe, int op,
		       _Atomic uint32_t *uaddr, uint64_t val)
{
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = op;
	sqe->fd = F2_SIZE_U32 | F2_PRIVATE;
	sqe->addr = (uintptr_t)uaddr;
	sqe->off = val;			/* addr2: value, or number to wake */
	sqe->addr3 = 0xffffffffULL;	/* FUTEX_BITSET_MATCH_ANY */
}

static struct io_uring_sqe *get_sqe(struct io_uring *ring)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (!sqe) {
		io_uring_submit(ring);
		sqe = io_uring_get_sqe(ring);
	}
	if (!sqe)
		die("io_uring_get_sqe");
	return sqe;
}

static void uring_detect(void)
{
	struct io_uring_probe *probe;
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	int fd;

	if (io_uring_queue_init(8, &ring, 0) < 0) {
		note("io_uring unavailable: every io_uring column is n/a");
		return;
	}
	have_uring = 1;
	probe = io_uring_get_probe_ring(&ring);
	if (probe) {
		have_uring_futex = io_uring_opcode_supported(probe,
							     OP_FUTEX_WAIT) &&
			io_uring_opcode_supported(probe, OP_FUTEX_WAKE);
		io_uring_free_probe(probe);
	}
	if (devfd >= 0) {
		fd = sc_create(1, 1, NULL, 0);
		if (fd >= 0) {
			prep_semctl_acquire(get_sqe(&ring), fd, 1);
			io_uring_submit_and_wait(&ring, 1);
			if (!io_uring_peek_cqe(&ring, &cqe)) {
				have_uring_cmd = cqe->res == 0;
				io_uring_cqe_seen(&ring, cqe);
			}
			close(fd);
		}
	}
	io_uring_queue_exit(&ring);
}

/* ------------------------------------------------------------------ */
/* row 1: uncontended acquire + release, one thread */

/* Run @fn in batches until the duration passes: ns per call. */
#define TIMED_LOOP(body)						\
	({								\
		uint64_t _t0 = now_ns(), _t, _n = 0;			\
		do {							\
			for (int _i = 0; _i < 64; _i++) {		\
				body;					\
			}						\
			_n += 64;					\
			_t = now_ns();					\
		} while (_t - _t0 < opt_dur);				\
		(double)(_t - _t0) / _n;				\
	})

static double pair_prim(int kind)
{
	struct bsem s;
	double ns;

	if (bsem_init(&s, kind, 1, 1, 0))
		return NAN;
	ns = TIMED_LOOP({ bsem_acq(&s); bsem_rel(&s, 1); });
	bsem_fini(&s);
	return ns;
}

static double pair_uring(int kind)
{
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	struct bsem s;
	uint64_t buf;
	double ns;

	if (!have_uring || (kind != UP_EFD && devfd < 0) ||
	    (kind == UP_SCMD && !have_uring_cmd))
		return NAN;
	if (bsem_init(&s, kind == UP_EFD ? P_EVENTFD : P_SEMCTL, 1, 1, 0))
		return NAN;
	if (io_uring_queue_init(8, &ring, 0) < 0)
		return NAN;
	ns = TIMED_LOOP({
		struct io_uring_sqe *sqe = get_sqe(&ring);

		if (kind == UP_SCMD)
			prep_semctl_acquire(sqe, s.fd, 1);
		else
			io_uring_prep_read(sqe, s.fd, &buf, 8, 0);
		io_uring_submit_and_wait(&ring, 1);
		if (io_uring_peek_cqe(&ring, &cqe) || cqe->res < 0)
			die("%s: %d", uprim_name[kind], cqe ? cqe->res : 0);
		io_uring_cqe_seen(&ring, cqe);
		bsem_rel(&s, 1);
	});
	io_uring_queue_exit(&ring);
	bsem_fini(&s);
	return ns;
}

static void row1(void)
{
	static const char *const extra[] = {
		"semctl uring_cmd + ioctl", "semctl READ + write",
		"eventfd READ + write",
	};
	const char *cols[NPRIM + 4];
	struct cell c[NPRIM + 4];
	int i, r, best;
	double ratio, re, rs;

	memset(c, 0, sizeof(c));
	cols[0] = "getppid (floor)";
	for (i = 0; i < NPRIM; i++)
		cols[1 + i] = prim_name[i];
	for (i = 0; i < 3; i++)
		cols[1 + NPRIM + i] = extra[i];
	for (r = 0; r < (opt_smoke ? 1 : 2 * opt_reps - 1); r++) {
		cell_add(&c[0], TIMED_LOOP(syscall(SYS_getppid)));
		for (i = 0; i < NPRIM; i++) {
			c[1 + i].na = prim_na(i);
			if (!c[1 + i].na)
				cell_add(&c[1 + i], pair_prim(i));
		}
		for (i = 0; i < 3; i++) {
			int k = i == 0 ? UP_SCMD : i == 1 ? UP_SREAD : UP_EFD;

			if (!have_uring)
				c[1 + NPRIM + i].na = "no io_uring";
			else if (k != UP_EFD && devfd < 0)
				c[1 + NPRIM + i].na = "no /dev/semctl";
			else if (k == UP_SCMD && !have_uring_cmd)
				c[1 + NPRIM + i].na = "no uring_cmd";
			else
				cell_add(&c[1 + NPRIM + i], pair_uring(k));
		}
	}
	printf("\n### Row 1: uncontended acquire + release, one thread (ns per pair)\n");
	printf("\nsem_t and futex take no syscall when uncontended; the syscall floor is getppid.\n");
	table_head("", cols, NPRIM + 4, "");
	printf("| ns/pair |");
	for (i = 0; i < NPRIM + 4; i++)
		put_cell(&c[i], U_NS);
	printf("\n");

	{
		/* c[] is offset by one: semctl is c[1], eventfd c[1+P_EVENTFD] */
		const struct cell *p = c + 1;
		int b = best_semctl(p, 0), j;
		double me = cell_min(&p[P_EVENTFD]), ms = cell_min(&p[P_SYSV]);
		char others[256] = "";

		printf("\nPer semctl column, / eventfd (target ≤ 1.0×) and / SysV (target ≤ 0.5×), medians (minima):");
		for (j = 0; j < NSEMCTL; j++) {
			const struct cell *v = &p[semctl_cols[j]];
			double e = cell_med(v) / cell_med(&p[P_EVENTFD]);
			double y = cell_med(v) / cell_med(&p[P_SYSV]);

			printf("%s %s %.2f× (%.2f×) / %.2f× (%.2f×)",
			       j ? ";" : "", prim_name[semctl_cols[j]], e,
			       cell_min(v) / me, y, cell_min(v) / ms);
			if (semctl_cols[j] != b)
				append_item(others, sizeof(others),
					    "%s %.2f× / %.2f×", semctl_short[j],
					    e, y);
		}
		printf(".\n");
		if (b < 0) {
			summarize("| 1 | pair ≤ 1.0× eventfd and ≤ 0.5× SysV | n/a | n/a |\n");
			return;
		}
		re = cell_med(&p[b]) / cell_med(&p[P_EVENTFD]);
		rs = cell_med(&p[b]) / cell_med(&p[P_SYSV]);
		{
			const int pa[] = { 1 + P_EVENTFD, 1 + P_SYSV, 1 + P_SEMT,
					   1 + P_FUTEX, -1 };

			ratio = ratio_best(c, 1 + b, pa, 0, &best);
		}
		printf("Judged on the best semctl column, **%s**: / eventfd = **%.2f×** (target ≤ 1.0×: %s); "
		       "/ SysV = **%.2f×** (target ≤ 0.5×: %s); / best peer incl. no-syscall fast paths (%s) = %.2f×.\n",
		       prim_name[b], re, verdict(!isnan(re), re <= 1.0), rs,
		       verdict(!isnan(rs), rs <= 0.5),
		       best >= 1 ? prim_name[best - 1] : "-", ratio);
		printf("Floor-subtracted (pair minus 2 getppid): semctl (ioctl) %.0f ns, semctl (read/write) %.0f ns, eventfd %.0f ns, SysV %.0f ns.\n",
		       cell_med(&p[P_SEMCTL]) - 2 * cell_med(&c[0]),
		       cell_med(&p[P_SEMCTL_RW]) - 2 * cell_med(&c[0]),
		       cell_med(&p[P_EVENTFD]) - 2 * cell_med(&c[0]),
		       cell_med(&p[P_SYSV]) - 2 * cell_med(&c[0]));
		summarize("| 1 | pair ≤ 1.0× eventfd; judged: %s (minima %.2f×; others: %s) | %.2f× | %s |\n",
			  prim_name[b], cell_min(&p[b]) / me, others, re,
			  verdict(!isnan(re), re <= 1.0));
		summarize("| 1 | pair ≤ 0.5× SysV; judged: %s (minima %.2f×) | %.2f× | %s |\n",
			  prim_name[b], cell_min(&p[b]) / ms, rs,
			  verdict(!isnan(rs), rs <= 0.5));
	}
}

/* ------------------------------------------------------------------ */
/* row 2: ping-pong handoff */

struct pingpong {
	struct bsem a, b;
	_Atomic int stop;
	int cpu;
};

static void pp_partner(struct pingpong *p)
{
	pin(p->cpu);
	for (;;) {
		bsem_acq(&p->a);
		if (atomic_load(&p->stop))
			break;
		bsem_rel(&p->b, 1);
	}
}

static void *pp_thread(void *arg)
{
	pp_partner(arg);
	return NULL;
}

/* ns per round trip; @proc: processes; @cross: partner on CPU 1. */
static double pingpong(int kind, int proc, int cross)
{
	static struct pingpong *p;
	uint64_t t0, t, n = 0;
	pthread_t th;
	pid_t pid = 0;

	if (!p)
		p = shared_alloc(sizeof(*p));
	if (bsem_init(&p->a, kind, 0, 1, proc))
		return NAN;
	if (bsem_init(&p->b, kind, 0, 1, proc)) {
		bsem_fini(&p->a);
		return NAN;
	}
	atomic_store(&p->stop, 0);
	p->cpu = cross ? 1 : 0;
	pin(0);
	if (proc) {
		pid = fork();
		if (pid < 0)
			die("fork: %s", strerror(errno));
		if (!pid) {
			pp_partner(p);
			_exit(0);
		}
	} else if (pthread_create(&th, NULL, pp_thread, p)) {
		die("pthread_create");
	}
	t0 = now_ns();
	do {
		bsem_rel(&p->a, 1);
		bsem_acq(&p->b);
		n++;
		t = now_ns();
	} while (t - t0 < opt_dur || n < 3);
	atomic_store(&p->stop, 1);
	bsem_rel(&p->a, 1);
	if (proc)
		waitpid(pid, NULL, 0);
	else
		pthread_join(th, NULL);
	pin(-1);
	bsem_fini(&p->a);
	bsem_fini(&p->b);
	return (double)(t - t0) / n;
}

static void row2(void)
{
	static const char *const cfg[4] = {
		"threads, same CPU", "threads, cross CPU",
		"processes, same CPU", "processes, cross CPU",
	};
	const char *cols[NPRIM];
	struct cell c[4][NPRIM];
	int i, k, r, best;

	memset(c, 0, sizeof(c));
	for (i = 0; i < NPRIM; i++)
		cols[i] = prim_name[i];
	for (r = 0; r < opt_reps; r++)
		for (k = 0; k < 4; k++)
			for (i = 0; i < NPRIM; i++) {
				c[k][i].na = prim_na(i);
				if ((k & 1) && ncpu < 2)
					c[k][i].na = "1 CPU";
				if (!c[k][i].na)
					cell_add(&c[k][i],
						 pingpong(i, k >= 2, k & 1));
			}
	printf("\n### Row 2: ping-pong handoff (ns per round trip, two handoffs)\n");
	printf("\nBoth sides pinned: same CPU = both on CPU 0, cross CPU = CPU 0 and CPU 1.\n");
	printf("Ratio columns: each semctl column / sem_t, medians (minima); the target is judged on the\n"
	       "best semctl column of the line, named in the judged column.\n");
	table_head("", cols, NPRIM, " ioctl / sem_t | read/write / sem_t | mapped / sem_t | judged: best semctl / sem_t | best semctl / best peer | target ≤ 1.0× sem_t |");
	for (k = 0; k < 4; k++) {
		const int ps[] = { P_SEMT, -1 };
		char others[256] = "";
		double rt, rb;
		int b = best_semctl(c[k], 0), j;

		printf("| %s |", cfg[k]);
		for (i = 0; i < NPRIM; i++)
			put_cell(&c[k][i], U_NS);
		for (j = 0; j < NSEMCTL; j++) {
			int sc = semctl_cols[j];
			double v = ratio_best(c[k], sc, ps, 0, &best);

			printf(" %.2f× (%.2f×) |", v,
			       cell_min(&c[k][sc]) / cell_min(&c[k][P_SEMT]));
			if (sc != b)
				append_item(others, sizeof(others), "%s %.2f×",
					    semctl_short[j], v);
		}
		if (b < 0) {
			printf(" – | – | n/a |\n");
			summarize("| 2 | handoff ≤ 1.0× sem_t, %s | n/a | n/a |\n",
				  cfg[k]);
			continue;
		}
		rt = ratio_best(c[k], b, ps, 0, &best);
		rb = ratio_best(c[k], b, peers_all, 0, &best);
		printf(" %.2f× (%s) | %.2f× (%s) | %s |\n", rt,
		       semctl_short_of(b),
		       rb, best >= 0 ? prim_name[best] : "-",
		       verdict(!isnan(rt), rt <= 1.0));
		summarize("| 2 | handoff ≤ 1.0× sem_t, %s; judged: %s (minima %.2f×; others: %s) | %.2f× | %s |\n",
			  cfg[k], semctl_col_name(b),
			  cell_min(&c[k][b]) / cell_min(&c[k][P_SEMT]), others,
			  rt, verdict(!isnan(rt), rt <= 1.0));
	}
}

/* ------------------------------------------------------------------ */
/* rows 3 and 7: contended throughput and fairness */

#define NWORK 4

struct contend {
	struct bsem s;
	_Atomic uint32_t start;
	_Atomic int stop;
	uint64_t count[NWORK];
	uint64_t maxwait[NWORK];
	int cs_iters;
	int onecpu;
};

static void contend_worker(struct contend *c, int w)
{
	uint64_t n = 0, mw = 0, t0, t1;
	volatile int x = 0;
	int i;

	if (c->onecpu)
		pin(0);
	while (!atomic_load(&c->start))
		futex(&c->start, FUTEX_WAIT, 0, NULL);
	while (!atomic_load(&c->stop)) {
		t0 = now_ns();
		bsem_acq(&c->s);
		t1 = now_ns();
		if (t1 - t0 > mw)
			mw = t1 - t0;
		for (i = 0; i < c->cs_iters; i++)
			x++;
		bsem_rel(&c->s, 1);
		n++;
	}
	c->count[w] = n;
	c->maxwait[w] = mw;
}

struct cw_arg {
	struct contend *c;
	int w;
};

static void *contend_thread(void *arg)
{
	struct cw_arg *a = arg;

	contend_worker(a->c, a->w);
	return NULL;
}

struct contend_res {
	double rate, jain, maxwait;
};

static struct contend_res contend(int kind, int proc, int onecpu)
{
	static struct contend *c;
	struct contend_res res = { NAN, NAN, NAN };
	struct cw_arg args[NWORK];
	pthread_t th[NWORK];
	pid_t pid[NWORK];
	double sum = 0, sq = 0;
	uint64_t t0, t1;
	int w;

	if (!c)
		c = shared_alloc(sizeof(*c));
	memset(c, 0, sizeof(*c));
	c->cs_iters = 50;
	c->onecpu = onecpu;
	if (bsem_init(&c->s, kind, 2, 2, proc))
		return res;
	for (w = 0; w < NWORK; w++) {
		if (proc) {
			pid[w] = fork();
			if (pid[w] < 0)
				die("fork: %s", strerror(errno));
			if (!pid[w]) {
				contend_worker(c, w);
				_exit(0);
			}
		} else {
			args[w].c = c;
			args[w].w = w;
			if (pthread_create(&th[w], NULL, contend_thread,
					   &args[w]))
				die("pthread_create");
		}
	}
	sleep_ns(5000000);
	t0 = now_ns();
	atomic_store(&c->start, 1);
	futex(&c->start, FUTEX_WAKE, INT_MAX, NULL);
	sleep_ns(opt_dur);
	atomic_store(&c->stop, 1);
	t1 = now_ns();
	for (w = 0; w < NWORK; w++) {
		if (proc)
			waitpid(pid[w], NULL, 0);
		else
			pthread_join(th[w], NULL);
	}
	res.maxwait = 0;
	for (w = 0; w < NWORK; w++) {
		sum += c->count[w];
		sq += (double)c->count[w] * c->count[w];
		res.maxwait = fmax(res.maxwait, c->maxwait[w]);
	}
	res.rate = sum * 1e9 / (t1 - t0);
	res.jain = sq ? sum * sum / (NWORK * sq) : NAN;
	bsem_fini(&c->s);
	return res;
}

#define NCCFG 3
static const char *const ccfg[NCCFG] = {
	"4 threads", "4 processes", "4 threads, all on CPU 0",
};
static struct cell fair_jain[NCCFG][NPRIM], fair_wait[NCCFG][NPRIM];

static void row3(void)
{
	const char *cols[NPRIM];
	struct cell c[NCCFG][NPRIM];
	int i, k, r, best;

	memset(c, 0, sizeof(c));
	memset(fair_jain, 0, sizeof(fair_jain));
	memset(fair_wait, 0, sizeof(fair_wait));
	for (i = 0; i < NPRIM; i++)
		cols[i] = prim_name[i];
	for (r = 0; r < opt_reps; r++)
		for (k = 0; k < NCCFG; k++)
			for (i = 0; i < NPRIM; i++) {
				struct contend_res res;

				c[k][i].na = prim_na(i);
				fair_jain[k][i].na = c[k][i].na;
				fair_wait[k][i].na = c[k][i].na;
				if (c[k][i].na)
					continue;
				res = contend(i, k == 1, k == 2);
				cell_add(&c[k][i], res.rate);
				cell_add(&fair_jain[k][i], res.jain);
				cell_add(&fair_wait[k][i], res.maxwait);
			}
	printf("\n### Row 3: contended throughput, %d workers on count 2 (acquire+release per second)\n",
	       NWORK);
	printf("\nEach worker: acquire, 50-iteration critical section, release, repeat; not pinned, except in the\n"
	       "last line, where all four share CPU 0 (no cross-CPU wake-ups: TCG delays those to a timer tick).\n");
	printf("Ratio columns: each semctl column / sem_t; the target is judged on the best semctl\n"
	       "column of the line, named in the judged column.\n");
	table_head("", cols, NPRIM, " ioctl / sem_t | read/write / sem_t | mapped / sem_t | judged: best semctl / sem_t | best semctl / best peer | target ≥ 1.0× sem_t |");
	for (k = 0; k < NCCFG; k++) {
		const int ps[] = { P_SEMT, -1 };
		char others[256] = "";
		double rt, rb;
		int b = best_semctl(c[k], 1), j;

		printf("| %s |", ccfg[k]);
		for (i = 0; i < NPRIM; i++)
			put_cell(&c[k][i], U_RATE);
		for (j = 0; j < NSEMCTL; j++) {
			int sc = semctl_cols[j];
			double v = ratio_best(c[k], sc, ps, 1, &best);

			printf(" %.2f× |", v);
			if (sc != b)
				append_item(others, sizeof(others), "%s %.2f×",
					    semctl_short[j], v);
		}
		if (b < 0) {
			printf(" – | – | n/a |\n");
			summarize("| 3 | contended ≥ 1.0× sem_t, %s | n/a | n/a |\n",
				  ccfg[k]);
			continue;
		}
		rt = ratio_best(c[k], b, ps, 1, &best);
		rb = ratio_best(c[k], b, peers_all, 1, &best);
		printf(" %.2f× (%s) | %.2f× (%s) | %s |\n", rt,
		       semctl_short_of(b),
		       rb, best >= 0 ? prim_name[best] : "-",
		       verdict(!isnan(rt), rt >= 1.0));
		summarize("| 3 | contended ≥ 1.0× sem_t, %s; judged: %s (others: %s) | %.2f× | %s |\n",
			  ccfg[k], semctl_col_name(b), others, rt,
			  verdict(!isnan(rt), rt >= 1.0));
	}
}

static void row7(void)
{
	const char *cols[NPRIM];
	int i, k;

	if (!row_on(3)) {
		printf("\n### Row 7: fairness\n\nNeeds row 3 (its runs are measured).\n");
		return;
	}
	for (i = 0; i < NPRIM; i++)
		cols[i] = prim_name[i];
	printf("\n### Row 7: fairness under row 3's contention (Jain's index of per-worker acquisitions; longest single wait)\n");
	printf("\nThe target is judged on the fairest semctl column of each line (named); the others\n"
	       "are in the verdict table.\n");
	table_head("", cols, NPRIM, " target: best semctl Jain ≥ 0.99 |");
	for (k = 0; k < NCCFG; k++) {
		int b = best_semctl(fair_jain[k], 1), m;
		double j = b >= 0 ? cell_med(&fair_jain[k][b]) : NAN;
		char others[256] = "";

		for (m = 0; m < NSEMCTL; m++)
			if (semctl_cols[m] != b)
				append_item(others, sizeof(others), "%s %.3f",
					    semctl_short[m],
					    cell_med(&fair_jain[k][semctl_cols[m]]));
		printf("| Jain, %s |", ccfg[k]);
		for (i = 0; i < NPRIM; i++)
			put_cell(&fair_jain[k][i], U_IDX);
		printf(" %s (%s) |\n", verdict(!isnan(j), j >= 0.99),
		       semctl_col_name(b));
		summarize("| 7 | Jain ≥ 0.99, %s; judged: %s (others: %s) | %.3f | %s |\n",
			  ccfg[k], semctl_col_name(b), others, j,
			  verdict(!isnan(j), j >= 0.99));
	}
	for (k = 0; k < NCCFG; k++) {
		printf("| longest wait, %s |", ccfg[k]);
		for (i = 0; i < NPRIM; i++)
			put_cell(&fair_wait[k][i], U_NS);
		printf(" |\n");
	}
}

/* ------------------------------------------------------------------ */
/* row 4: herd */

struct herd {
	struct bsem s;
	int w;
	pid_t *tids;
	uint64_t *tret;
	_Atomic int ready;
	_Atomic int returned;
	_Atomic uint32_t home;
};

struct herd_arg {
	struct herd *h;
	int i;
};

static pid_t gettid_(void)
{
	return syscall(SYS_gettid);
}

static void *herd_thread(void *arg)
{
	struct herd_arg *a = arg;
	struct herd *h = a->h;

	h->tids[a->i] = gettid_();
	atomic_fetch_add(&h->ready, 1);
	bsem_acq(&h->s);
	h->tret[a->i] = now_ns();
	atomic_fetch_add(&h->returned, 1);
	while (!atomic_load(&h->home))
		futex(&h->home, FUTEX_WAIT_PRIVATE, 0, NULL);
	return NULL;
}

/* Field of /proc/self/task/TID/status, or -1. */
static long task_status(pid_t tid, const char *key)
{
	char path[64], line[256];
	size_t kl = strlen(key);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			if (!strcmp(key, "State")) {
				char *p = line + kl + 1;

				while (*p == ' ' || *p == '\t')
					p++;
				v = *p;
			} else {
				v = strtol(line + kl + 1, NULL, 10);
			}
			break;
		}
	fclose(f);
	return v;
}

struct herd_res {
	double woken, returned, handoff;
};

static struct herd_res herd(int kind, int w)
{
	struct herd_res res = { NAN, NAN, NAN };
	struct herd_arg *args;
	pthread_attr_t attr;
	struct herd h;
	pthread_t *th;
	long *csw;
	uint64_t t0, first = UINT64_MAX, deadline;
	int i, woken = 0, created = 0;

	memset(&h, 0, sizeof(h));
	if (bsem_init(&h.s, kind, 0, w + 1, 0))
		return res;
	h.w = w;
	h.tids = calloc(w, sizeof(*h.tids));
	h.tret = calloc(w, sizeof(*h.tret));
	args = calloc(w, sizeof(*args));
	th = calloc(w, sizeof(*th));
	csw = calloc(w, sizeof(*csw));
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 65536);
	for (i = 0; i < w; i++) {
		args[i].h = &h;
		args[i].i = i;
		if (pthread_create(&th[i], &attr, herd_thread, &args[i]))
			break;
		created++;
	}
	if (created < w) {
		note("herd: only %d of %d threads", created, w);
		goto out_release;
	}
	/* Every waiter asleep in its acquire. */
	deadline = now_ns() + 30000000000ULL;
	while (atomic_load(&h.ready) < w && now_ns() < deadline)
		sleep_ns(1000000);
	for (i = 0; i < w && now_ns() < deadline; i++)
		while (task_status(h.tids[i], "State") != 'S' &&
		       now_ns() < deadline)
			sleep_ns(200000);
	if (kind == P_SEMCTL || kind == P_SEMCTL_MAP || kind == P_SYSV)
		while (bsem_waiters(&h.s) < w && now_ns() < deadline)
			sleep_ns(1000000);
	sleep_ns(opt_smoke ? 5000000 : 20000000);
	for (i = 0; i < w; i++)
		csw[i] = task_status(h.tids[i], "voluntary_ctxt_switches");

	t0 = now_ns();
	bsem_rel(&h.s, 1);
	deadline = t0 + 5000000000ULL;
	while (!atomic_load(&h.returned) && now_ns() < deadline)
		sleep_ns(20000);
	/* Let the herd run its course (a cross-CPU wake may wait a tick). */
	sleep_ns(opt_smoke ? 20000000 : 100000000);
	for (i = 0; i < w; i++)
		if (task_status(h.tids[i], "voluntary_ctxt_switches") != csw[i])
			woken++;
	for (i = 0; i < w; i++)
		if (h.tret[i] && h.tret[i] < first)
			first = h.tret[i];
	res.woken = woken;
	res.returned = atomic_load(&h.returned);
	res.handoff = first == UINT64_MAX ? NAN : (double)(first - t0);

out_release:
	/* Let everybody else through, then home. */
	if (created - atomic_load(&h.returned) > 0)
		bsem_rel(&h.s, created - atomic_load(&h.returned));
	deadline = now_ns() + 60000000000ULL;
	while (atomic_load(&h.returned) < created && now_ns() < deadline)
		sleep_ns(1000000);
	atomic_store(&h.home, 1);
	futex(&h.home, FUTEX_WAKE_PRIVATE, INT_MAX, NULL);
	for (i = 0; i < created; i++)
		pthread_join(th[i], NULL);
	pthread_attr_destroy(&attr);
	bsem_fini(&h.s);
	free(h.tids);
	free(h.tret);
	free(args);
	free(th);
	free(csw);
	return res;
}

static void row4(void)
{
	static const int ws_full[] = { 1, 8, 64, 512 }, ws_smoke[] = { 1, 8 };
	const int *ws = opt_smoke ? ws_smoke : ws_full;
	int nw = opt_smoke ? 2 : 4, reps = opt_smoke ? 1 : 3;
	const char *cols[NPRIM];
	struct cell wk[4][NPRIM], ret[4][NPRIM], ho[4][NPRIM];
	int i, k, r, best;

	memset(wk, 0, sizeof(wk));
	memset(ret, 0, sizeof(ret));
	memset(ho, 0, sizeof(ho));
	for (i = 0; i < NPRIM; i++)
		cols[i] = prim_name[i];
	for (r = 0; r < reps; r++)
		for (k = 0; k < nw; k++)
			for (i = 0; i < NPRIM; i++) {
				struct herd_res res;

				wk[k][i].na = ret[k][i].na = ho[k][i].na =
					prim_na(i);
				if (wk[k][i].na)
					continue;
				res = herd(i, ws[k]);
				cell_add(&wk[k][i], res.woken);
				cell_add(&ret[k][i], res.returned);
				cell_add(&ho[k][i], res.handoff);
			}
	for (k = 0; k < nw; k++)
		for (i = 0; i < NPRIM; i++)
			if (cell_ok(&wk[k][i]))
				printf("@data herd %s %d %g\n", prim_name[i],
				       ws[k], cell_med(&wk[k][i]));
	printf("\n### Row 4: herd — W waiters blocked, one release of 1 unit\n");
	printf("\nWake-ups = waiter threads whose voluntary context switches changed across the release\n"
	       "(/proc/self/task/TID/status); every primitive lets exactly one waiter return.\n");
	table_head("wake-ups caused", cols, NPRIM, " target: every semctl column = 1 |");
	for (k = 0; k < nw; k++) {
		int known = 0, one = 1, j;

		for (j = 0; j < NSEMCTL; j++) {
			const struct cell *v = &wk[k][semctl_cols[j]];

			if (!cell_ok(v))
				continue;
			known = 1;
			if (cell_max(v) != 1 || cell_min(v) != 1)
				one = 0;
		}
		printf("| W = %d |", ws[k]);
		for (i = 0; i < NPRIM; i++)
			put_cell(&wk[k][i], U_COUNT);
		printf(" %s |\n", verdict(known, one));
		summarize("| 4 | exactly 1 wake-up, W = %d; judged: every semctl column | %s | %s |\n",
			  ws[k], known ? (one ? "1" : "> 1") : "n/a",
			  verdict(known, one));
	}
	table_head("waiters returned", cols, NPRIM, "");
	for (k = 0; k < nw; k++) {
		printf("| W = %d |", ws[k]);
		for (i = 0; i < NPRIM; i++)
			put_cell(&ret[k][i], U_COUNT);
		printf("\n");
	}
	table_head("time to hand off (release → waiter returns)", cols,
		   NPRIM, " semctl (ioctl) / best peer |");
	for (k = 0; k < nw; k++) {
		double rb;

		printf("| W = %d |", ws[k]);
		for (i = 0; i < NPRIM; i++)
			put_cell(&ho[k][i], U_NS);
		rb = ratio_best(ho[k], P_SEMCTL, peers_all, 0, &best);
		printf(" %.2f× (%s) |\n", rb,
		       best >= 0 ? prim_name[best] : "-");
	}
}

/* ------------------------------------------------------------------ */
/* rows 5 and 6b: io_uring async acquires with N in flight */

struct ustate {
	struct io_uring ring;
	int kind;
	int fd;
	_Atomic uint32_t fval;
	uint64_t buf;
};

#define TAG_WAKE	(1ULL << 62)

static void u_submit_acquire(struct ustate *u)
{
	struct io_uring_sqe *sqe = get_sqe(&u->ring);

	switch (u->kind) {
	case UP_SCMD:
		prep_semctl_acquire(sqe, u->fd, 1);
		break;
	case UP_SREAD:
	case UP_EFD:
		io_uring_prep_read(sqe, u->fd, &u->buf, 8, 0);
		break;
	case UP_FUTEX:
		prep_futex(sqe, OP_FUTEX_WAIT, &u->fval, 0);
		break;
	}
	sqe->user_data = 1;
}

static const char *uring_na(int kind, int inflight)
{
	(void)inflight;
	if (!have_uring)
		return "no io_uring";
	if (kind != UP_EFD && kind != UP_FUTEX && devfd < 0)
		return "no /dev/semctl";
	if (kind == UP_SCMD && !have_uring_cmd)
		return "no uring_cmd";
	if (kind == UP_FUTEX && !have_uring_futex)
		return "kernel < 6.7";
	return NULL;
}

/*
 * Keep @inflight acquires pending; one thread releases one unit at a time
 * (write(2) of 1, or an io_uring FUTEX_WAKE for the futex) and reaps.
 * Returns acquires completed per second.
 */
static double uring_rate(int kind, int inflight, uint64_t dur)
{
	struct io_uring_params p = { 0 };
	struct io_uring_cqe *cqe;
	struct ustate *u;
	uint64_t t0, t, got = 0, one = 1;
	unsigned int entries = 64;
	int i, pending = inflight;
	double rate = NAN;

	u = calloc(1, sizeof(*u));
	u->kind = kind;
	while (entries < (unsigned int)inflight + 8 && entries < 4096)
		entries *= 2;
	p.flags = IORING_SETUP_CQSIZE;
	p.cq_entries = 4 * entries;
	while (p.cq_entries < (unsigned int)inflight * 2)
		p.cq_entries *= 2;
	if (io_uring_queue_init_params(entries, &u->ring, &p) < 0) {
		free(u);
		return NAN;
	}
	if (kind == UP_EFD)
		u->fd = eventfd(0, EFD_SEMAPHORE);
	else if (kind != UP_FUTEX)
		u->fd = sc_create(0, 0, NULL, 0);
	if (kind != UP_FUTEX && u->fd < 0)
		goto out;
	for (i = 0; i < inflight; i++)
		u_submit_acquire(u);
	io_uring_submit(&u->ring);
	/* Let the initial batch settle into its wait. */
	sleep_ns(opt_smoke ? 2000000 : 20000000);
	while (!io_uring_peek_cqe(&u->ring, &cqe)) {
		/* futex waits may complete -EAGAIN at once; resubmit */
		io_uring_cqe_seen(&u->ring, cqe);
		u_submit_acquire(u);
		io_uring_submit(&u->ring);
	}

	t0 = now_ns();
	do {
		struct __kernel_timespec ts = { .tv_sec = 5 };
		unsigned int head, seen = 0;
		int progress = 0;

		if (kind == UP_FUTEX) {
			struct io_uring_sqe *sqe = get_sqe(&u->ring);

			atomic_fetch_add(&u->fval, 1);
			prep_futex(sqe, OP_FUTEX_WAKE, &u->fval, 1);
			sqe->user_data = TAG_WAKE;
			io_uring_submit(&u->ring);
		} else if (write(u->fd, &one, 8) != 8) {
			die("%s release: %s", uprim_name[kind],
			    strerror(errno));
		}
		while (!progress) {
			if (io_uring_wait_cqe_timeout(&u->ring, &cqe, &ts)) {
				note("%s with %d in flight: no completion in 5 s",
				     uprim_name[kind], inflight);
				goto out;
			}
			io_uring_for_each_cqe(&u->ring, head, cqe) {
				seen++;
				if (cqe->user_data == TAG_WAKE)
					continue;
				if (kind == UP_FUTEX) {
					uint32_t v = atomic_load(&u->fval);

					if (v && atomic_compare_exchange_strong(&u->fval, &v, v - 1)) {
						got++;
						progress = 1;
					}
				} else if (cqe->res < 0) {
					die("%s: %s", uprim_name[kind],
					    strerror(-cqe->res));
				} else {
					got++;
					progress = 1;
				}
				u_submit_acquire(u);
			}
			io_uring_cq_advance(&u->ring, seen);
			seen = 0;
			io_uring_submit(&u->ring);
		}
		t = now_ns();
	} while (t - t0 < dur || got < 3);
	rate = got * 1e9 / (t - t0);
	pending = 0;
out:
	(void)pending;
	io_uring_queue_exit(&u->ring);
	if (kind != UP_FUTEX && u->fd >= 0)
		close(u->fd);
	free(u);
	return rate;
}

static void row5(void)
{
	static const int nf[] = { 64, 1024 };
	const char *cols[NUPRIM];
	struct cell c[2][NUPRIM];
	int i, k, r, best, reps = opt_smoke ? 1 : 3;

	memset(c, 0, sizeof(c));
	for (i = 0; i < NUPRIM; i++)
		cols[i] = uprim_name[i];
	for (r = 0; r < reps; r++)
		for (k = 0; k < 2; k++)
			for (i = 0; i < NUPRIM; i++) {
				c[k][i].na = uring_na(i, nf[k]);
				if (!c[k][i].na)
					cell_add(&c[k][i],
						 uring_rate(i, nf[k], opt_dur));
			}
	printf("\n### Row 5: io_uring async acquires per second, N in flight\n");
	printf("\nOne thread keeps N acquires pending and releases 1 unit at a time (write(2); FUTEX_WAKE\n"
	       "through the ring for the futex), reaping and resubmitting. FUTEX_WAIT: wait for 0 → CAS.\n");
	table_head("", cols, NUPRIM, " uring_cmd / eventfd READ | semctl READ / eventfd READ | target uring_cmd ≥ 1.5× eventfd READ (64) |");
	for (k = 0; k < 2; k++) {
		const int pe[] = { UP_EFD, -1 };
		double rc = ratio_best(c[k], UP_SCMD, pe, 1, &best);
		double rr = ratio_best(c[k], UP_SREAD, pe, 1, &best);

		printf("| N = %d |", nf[k]);
		for (i = 0; i < NUPRIM; i++)
			put_cell(&c[k][i], U_RATE);
		printf(" %.2f× | %.2f× | %s |\n", rc, rr,
		       k ? "–" : verdict(!isnan(rc), rc >= 1.5));
		if (!k)
			summarize("| 5 | uring_cmd ≥ 1.5× eventfd READ, 64 in flight | %.2f× | %s |\n",
				  rc, verdict(!isnan(rc), rc >= 1.5));
	}
}

/* ------------------------------------------------------------------ */
/* row 6: scale */

/* 6a: release cost with N waiters queued that it does not wake. */

#define BIG 32767	/* SysV SEMVMX; the waiters want all of it */

struct qwait {
	struct bsem *s;
	_Atomic int ready;
};

static void on_usr1(int sig)
{
	(void)sig;
}

static void *qwait_thread(void *arg)
{
	struct qwait *q = arg;

	atomic_fetch_add(&q->ready, 1);
	if (!bsem_acq_n(q->s, BIG, 0))
		bsem_rel(q->s, BIG);
	return NULL;
}

/* ns per release of 1 unit with @n waiters for BIG queued; reps in @c. */
static void release_scale(int kind, int n, struct cell *c)
{
	struct qwait q = { 0 };
	pthread_attr_t attr;
	pthread_t *th;
	struct bsem s;
	uint64_t deadline, t0;
	int i, created = 0, r, k = opt_smoke ? 200 : 1000;
	int reps = opt_smoke ? 1 : opt_reps;

	if (bsem_init(&s, kind, 0, BIG, 0)) {
		c->na = "create failed";
		return;
	}
	q.s = &s;
	th = calloc(n, sizeof(*th));
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 32768);
	for (i = 0; i < n; i++) {
		if (pthread_create(&th[i], &attr, qwait_thread, &q))
			break;
		created++;
	}
	deadline = now_ns() + 120000000000ULL;
	while (created == n && bsem_waiters(&s) < n && now_ns() < deadline)
		sleep_ns(2000000);
	if (created < n) {
		c->na = "thread limit";
	} else if (bsem_waiters(&s) < n) {
		c->na = "waiters did not queue";
	} else {
		for (r = 0; r < reps && (r + 1) * k < BIG; r++) {
			t0 = now_ns();
			for (i = 0; i < k; i++)
				bsem_rel(&s, 1);
			cell_add(c, (double)(now_ns() - t0) / k);
		}
		if (bsem_value(&s) == 0 || bsem_waiters(&s) != n)
			note("release_scale: a waiter was woken?");
	}
	/* Interrupt every waiter (EINTR, no SA_RESTART). */
	for (i = 0; i < created; i++)
		pthread_kill(th[i], SIGUSR1);
	for (i = 0; i < created; i++)
		pthread_join(th[i], NULL);
	pthread_attr_destroy(&attr);
	free(th);
	bsem_fini(&s);
}

/* 6c: create/close cost with N semaphores alive; 6d: memory. */

enum rkind { R_SEMCTL_ANON, R_SEMCTL_NAMED, R_SEMCTL_OPEN, R_EVENTFD,
	     R_SYSV, R_POSIX, NRKIND };

static const char *const rkind_name[NRKIND] = {
	"semctl create+close (anon)", "semctl create+close+unlink (named)",
	"semctl open+close (named)", "eventfd create+close",
	"SysV semget+IPC_RMID", "sem_open+close+unlink",
};

#define NLEVEL 6
static const int levels[NLEVEL] = { 1, 10, 100, 1000, 10000, 100000 };

static long slab_kb(void)
{
	char line[128];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Slab:", 5))
			v = strtol(line + 5, NULL, 10);
	fclose(f);
	return v;
}

static uint32_t lcg = 12345;

static uint32_t rnd(void)
{
	lcg = lcg * 1103515245 + 12345;
	return lcg >> 8;
}

static int sysv_max_sets(void)
{
	int a, b, c, d;
	FILE *f = fopen("/proc/sys/kernel/sem", "r");

	if (!f || fscanf(f, "%d %d %d %d", &a, &b, &c, &d) != 4)
		d = 32000;
	if (f)
		fclose(f);
	return d;
}

/* One create/close operation of kind @rk; @alive: how many exist. */
static int ramp_op(int rk, int alive, int seq)
{
	char name[64];
	struct semctl_open o = { .size = sizeof(o) };
	struct semctl_unlink ul = { .size = sizeof(ul) };
	int fd, id;
	sem_t *ps;

	switch (rk) {
	case R_SEMCTL_ANON:
		fd = sc_create(1, 1, NULL, 0);
		if (fd < 0)
			return -errno;
		close(fd);
		return 0;
	case R_SEMCTL_NAMED:
		snprintf(name, sizeof(name), "bench-x-%d", seq);
		fd = sc_create(1, 1, name, SEMCTL_CREATE_EXCL);
		if (fd < 0)
			return -errno;
		close(fd);
		ul.name = (uintptr_t)name;
		return ioctl(devfd, SEMCTL_IOC_UNLINK, &ul) < 0 ? -errno : 0;
	case R_SEMCTL_OPEN:
		snprintf(name, sizeof(name), "bench-a-%u", rnd() % alive);
		o.name = (uintptr_t)name;
		fd = ioctl(devfd, SEMCTL_IOC_OPEN, &o);
		if (fd < 0)
			return -errno;
		close(fd);
		return 0;
	case R_EVENTFD:
		fd = eventfd(1, EFD_SEMAPHORE);
		if (fd < 0)
			return -errno;
		close(fd);
		return 0;
	case R_SYSV:
		id = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
		if (id < 0)
			return -errno;
		return semctl(id, 0, IPC_RMID) < 0 ? -errno : 0;
	case R_POSIX:
		snprintf(name, sizeof(name), "/bench-x-%d", seq);
		ps = sem_open(name, O_CREAT | O_EXCL, 0600, 1);
		if (ps == SEM_FAILED)
			return -errno;
		sem_close(ps);
		return sem_unlink(name) < 0 ? -errno : 0;
	}
	return -EINVAL;
}

/* The alive population: which objects ramp_grow() creates. */
enum pop { POP_SEMCTL, POP_EVENTFD, POP_SYSV, POP_POSIX, NPOP };

static const char *const pop_name[NPOP] = {
	"semctl, named, no fd open", "eventfd (fd open)",
	"SysV set (1 semaphore)", "sem_open (named, closed)",
};

static int pop_of(int rk)
{
	if (rk <= R_SEMCTL_OPEN)
		return POP_SEMCTL;
	return rk - R_EVENTFD + 1;
}

struct population {
	int n;
	int *ids;	/* fds or semids */
};

static int pop_grow(int pop, struct population *p, int to)
{
	char name[64];
	sem_t *ps;
	int fd;

	while (p->n < to) {
		switch (pop) {
		case POP_SEMCTL:
			snprintf(name, sizeof(name), "bench-a-%d", p->n);
			fd = sc_create(0, 1, name, SEMCTL_CREATE_EXCL);
			if (fd < 0)
				return -errno;
			close(fd);
			break;
		case POP_EVENTFD:
			fd = eventfd(0, EFD_SEMAPHORE);
			if (fd < 0)
				return -errno;
			p->ids[p->n] = fd;
			break;
		case POP_SYSV:
			fd = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
			if (fd < 0)
				return -errno;
			p->ids[p->n] = fd;
			break;
		case POP_POSIX:
			snprintf(name, sizeof(name), "/bench-a-%d", p->n);
			ps = sem_open(name, O_CREAT | O_EXCL, 0600, 0);
			if (ps == SEM_FAILED)
				return -errno;
			sem_close(ps);
			break;
		}
		p->n++;
	}
	return 0;
}

static void pop_clear(int pop, struct population *p)
{
	struct semctl_unlink ul = { .size = sizeof(ul) };
	char name[64];
	int i;

	for (i = 0; i < p->n; i++)
		switch (pop) {
		case POP_SEMCTL:
			snprintf(name, sizeof(name), "bench-a-%d", i);
			ul.name = (uintptr_t)name;
			ioctl(devfd, SEMCTL_IOC_UNLINK, &ul);
			break;
		case POP_EVENTFD:
			close(p->ids[i]);
			break;
		case POP_SYSV:
			semctl(p->ids[i], 0, IPC_RMID);
			break;
		case POP_POSIX:
			snprintf(name, sizeof(name), "/bench-a-%d", i);
			sem_unlink(name);
			break;
		}
	p->n = 0;
}

static void raise_nofile(int want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	if (rl.rlim_max < (rlim_t)want) {
		struct rlimit nl = { want, want };

		if (!setrlimit(RLIMIT_NOFILE, &nl))
			return;
	}
	rl.rlim_cur = rl.rlim_max < (rlim_t)want ? rl.rlim_max : (rlim_t)want;
	setrlimit(RLIMIT_NOFILE, &rl);
}

static struct cell cc[NRKIND][NLEVEL];
static double mem_per[NPOP + 1], mem_obj[NPOP + 1];
static int mem_n[NPOP + 1];

/* Bytes in allocated slab objects, all caches (/proc/slabinfo, root). */
static double slab_obj_bytes(void)
{
	char line[512], name[64];
	unsigned long act, num, size;
	double sum = 0;
	FILE *f = fopen("/proc/slabinfo", "r");

	if (!f)
		return NAN;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lu %lu %lu", name, &act, &num,
			   &size) == 4)
			sum += (double)act * size;
	fclose(f);
	return sum;
}

/*
 * Kernel memory per idle object: after a pause for deferred frees of the
 * previous rows, grow one population by @n and divide the growth of Slab
 * (/proc/meminfo: pages) and of the allocated slab objects (slabinfo).
 */
static void mem_one(int pop, struct population *p, int n)
{
	double o0, o1;
	long kb0, kb1;
	int i, created, *fds;

	sleep_ns(opt_smoke ? 100000000 : 1000000000);
	kb0 = slab_kb();
	o0 = slab_obj_bytes();
	if (pop < NPOP) {
		if (pop_grow(pop, p, n)) {
			pop_clear(pop, p);
			return;
		}
		kb1 = slab_kb();
		o1 = slab_obj_bytes();
		pop_clear(pop, p);
	} else {
		/* anonymous semctl semaphores, each with its fd open */
		fds = calloc(n, sizeof(int));
		for (i = 0; i < n; i++) {
			fds[i] = sc_create(0, 1, NULL, 0);
			if (fds[i] < 0)
				break;
		}
		kb1 = slab_kb();
		o1 = slab_obj_bytes();
		created = i;
		while (i-- > 0)
			close(fds[i]);
		free(fds);
		if (created < n)
			return;
	}
	if (kb0 >= 0 && kb1 >= 0)
		mem_per[pop] = (kb1 - kb0) * 1024.0 / n;
	mem_obj[pop] = (o1 - o0) / n;
	mem_n[pop] = n;
}

static void mem_measure(struct population *p)
{
	int pop, n;

	for (pop = 0; pop <= NPOP; pop++) {
		if ((pop == POP_SEMCTL || pop == NPOP) && devfd < 0)
			continue;
		n = opt_smoke ? 1000 : 20000;
		if (pop == POP_POSIX && !opt_smoke)
			n = 4000;	/* a tmpfs file each: slow */
		if (pop == POP_SYSV && n > sysv_max_sets() - 100)
			n = sysv_max_sets() - 100;
		note("row 6d: memory of %d × %s", n,
		     pop < NPOP ? pop_name[pop] : "semctl anonymous + fd");
		mem_one(pop, p, n);
	}
}

/* Grow each population level by level, timing its create/close ops. */
static void ramp(void)
{
	int max_level = opt_smoke ? 1000 : 100000;
	uint64_t budget = opt_smoke ? 3000000000ULL : 45000000000ULL;
	int batch = opt_smoke ? 16 : 64, reps = opt_smoke ? 1 : opt_reps;
	struct population p = { 0 };
	int pop, rk, l, r, i, seq = 0;

	memset(cc, 0, sizeof(cc));
	for (pop = 0; pop <= NPOP; pop++)
		mem_per[pop] = mem_obj[pop] = NAN;
	raise_nofile(max_level + 1000);
	/* semctl.ko's per-user and per-namespace limits default to 65536 */
	raise_knob("/sys/module/semctl/parameters/max_per_user", 2L * max_level);
	raise_knob("/sys/module/semctl/parameters/max_names_per_ns", 2L * max_level);
	p.ids = calloc(max_level, sizeof(int));
	for (pop = 0; pop < NPOP; pop++) {
		uint64_t start = now_ns();
		int err = 0;

		if (pop == POP_SEMCTL && devfd < 0) {
			for (rk = 0; rk < NRKIND; rk++)
				if (pop_of(rk) == pop)
					for (l = 0; l < NLEVEL; l++)
						cc[rk][l].na = "no /dev/semctl";
			continue;
		}
		for (l = 0; l < NLEVEL; l++) {
			const char *na = NULL;

			if (levels[l] > max_level)
				na = "smoke";
			else if (pop == POP_SYSV && levels[l] > sysv_max_sets() - 1)
				na = "SEMMNI";
			else if (now_ns() - start > budget)
				na = "time budget";
			else if ((err = pop_grow(pop, &p, levels[l])))
				na = strerror(-err);
			if (na) {
				for (rk = 0; rk < NRKIND; rk++)
					if (pop_of(rk) == pop)
						cc[rk][l].na = na;
				continue;
			}
			for (rk = 0; rk < NRKIND; rk++) {
				if (pop_of(rk) != pop)
					continue;
				for (r = 0; r < reps; r++) {
					uint64_t t0 = now_ns();

					for (i = 0; i < batch; i++) {
						err = ramp_op(rk, p.n, seq++);
						if (err)
							break;
					}
					if (err) {
						cc[rk][l].na = strerror(-err);
						break;
					}
					cell_add(&cc[rk][l],
						 (double)(now_ns() - t0) / batch);
				}
			}
		}
		pop_clear(pop, &p);
	}
	mem_measure(&p);
	free(p.ids);
}

static void row6(void)
{
	static const int ns_full[] = { 1, 100, 10000 }, ns_smoke[] = { 1, 100 };
	static const int sprims[2] = { P_SEMCTL, P_SYSV };
	const int *ns = opt_smoke ? ns_smoke : ns_full;
	int nn = opt_smoke ? 2 : 3, i, k, r, l, reps = opt_smoke ? 1 : 3;
	struct cell rel[3][2], hand[3][NUPRIM];
	const char *cols[NUPRIM];
	struct sigaction sa = { .sa_handler = on_usr1 };

	sigaction(SIGUSR1, &sa, NULL);	/* no SA_RESTART */
	/* a 1 GiB guest allows ~7800 threads; 6a wants 10 000 waiters */
	raise_knob("/proc/sys/kernel/threads-max", 30000);
	memset(rel, 0, sizeof(rel));
	memset(hand, 0, sizeof(hand));
	for (k = 0; k < nn; k++)
		for (i = 0; i < 2; i++) {
			if ((rel[k][i].na = prim_na(sprims[i])))
				continue;
			note("row 6a: %s, %d waiters", prim_name[sprims[i]], ns[k]);
			release_scale(sprims[i], ns[k], &rel[k][i]);
			if (cell_ok(&rel[k][i]))
				printf("@data release %s %d %g\n",
				       prim_name[sprims[i]], ns[k],
				       cell_med(&rel[k][i]));
		}
	printf("\n### Row 6: scale\n");
	printf("\n**6a. Release cost with N waiters queued that the release does not wake** (ns per release of 1 unit).\n"
	       "N threads each block acquiring 32767 units (SysV's SEMVMX) of a semaphore at 0; the main thread\n"
	       "then releases 1 unit at a time, which satisfies nobody. eventfd, sem_t and a futex cannot wait for\n"
	       "more than 1 unit, so this row has only semctl and SysV.\n");
	{
		const char *c2[2] = { prim_name[P_SEMCTL], prim_name[P_SYSV] };
		double first, last, mfirst, mlast, g, gm;
		int known = 1;

		table_head("waiters queued", c2, 2, " semctl / SysV |");
		for (k = 0; k < nn; k++) {
			printf("| N = %d |", ns[k]);
			put_cell(&rel[k][0], U_NS);
			put_cell(&rel[k][1], U_NS);
			printf(" %.2f× |\n", cell_med(&rel[k][0]) / cell_med(&rel[k][1]));
			if (!cell_ok(&rel[k][0]))
				known = 0;
		}
		/* Does the cost grow from the fewest to the most waiters? */
		first = cell_med(&rel[0][0]);
		last = cell_med(&rel[nn - 1][0]);
		mfirst = cell_min(&rel[0][0]);
		mlast = cell_min(&rel[nn - 1][0]);
		g = last / first;
		gm = mlast / mfirst;
		printf("\nsemctl release cost at N = %d over N = %d: %.2f× (minima: %.2f×); SysV: %.2f×. "
		       "Target: independent of N, taken as ≤ 1.5×: %s.\n",
		       ns[nn - 1], ns[0], g, gm,
		       cell_med(&rel[nn - 1][1]) / cell_med(&rel[0][1]),
		       verdict(known, g <= 1.5));
		summarize("| 6 | release cost independent of waiters not woken (N = %d / N = %d ≤ 1.5×; minima %.2f×) | %.2f× | %s |\n",
			  ns[nn - 1], ns[0], gm, g, verdict(known, g <= 1.5));
	}

	/* 6b: handoff cost with N async waiters (each wants 1 unit) */
	for (r = 0; r < reps; r++)
		for (k = 0; k < nn; k++)
			for (i = 0; i < NUPRIM; i++) {
				double rate;

				hand[k][i].na = uring_na(i, ns[k]);
				if (hand[k][i].na)
					continue;
				if (!r)
					note("row 6b: %s, %d in flight",
					     uprim_name[i], ns[k]);
				rate = uring_rate(i, ns[k], opt_dur);
				cell_add(&hand[k][i], 1e9 / rate);
			}
	for (k = 0; k < nn; k++)
		for (i = 0; i < NUPRIM; i++)
			if (cell_ok(&hand[k][i]))
				printf("@data handoff %s %d %g\n", uprim_name[i],
				       ns[k], cell_med(&hand[k][i]));
	printf("\n**6b. Release + acquire cost with N acquires queued** (ns per unit handed to an io_uring waiter).\n"
	       "Row 5's loop with N = 1, 100, 10 000 pending acquires of 1 unit each: every release satisfies\n"
	       "exactly one of them. Threads would need N stacks; io_uring requests do not.\n");
	for (i = 0; i < NUPRIM; i++)
		cols[i] = uprim_name[i];
	table_head("acquires queued", cols, NUPRIM, " uring_cmd / eventfd READ |");
	for (k = 0; k < nn; k++) {
		printf("| N = %d |", ns[k]);
		for (i = 0; i < NUPRIM; i++)
			put_cell(&hand[k][i], U_NS);
		printf(" %.2f× |\n", cell_med(&hand[k][UP_SCMD]) /
		       cell_med(&hand[k][UP_EFD]));
	}

	/* 6c/6d */
	note("row 6c: create/close ramp");
	ramp();
	for (i = 0; i < NRKIND; i++)
		for (l = 0; l < NLEVEL; l++)
			if (cell_ok(&cc[i][l]))
				printf("@data create %s %d %g\n",
				       rkind_name[i], levels[l],
				       cell_med(&cc[i][l]));
	printf("\n**6c. Create/open/close cost with N semaphores alive** (ns per operation).\n"
	       "The alive semctl semaphores are named ones with no fd open (they live in the name table);\n"
	       "eventfds are open fds; SysV sets stop at SEMMNI.\n");
	{
		const char *lc[NLEVEL];
		char lb[NLEVEL][24];

		for (l = 0; l < NLEVEL; l++) {
			snprintf(lb[l], sizeof(lb[l]), "N = %d", levels[l]);
			lc[l] = lb[l];
		}
		table_head("operation", lc, NLEVEL, "");
		for (i = 0; i < NRKIND; i++) {
			printf("| %s |", rkind_name[i]);
			for (l = 0; l < NLEVEL; l++)
				put_cell(&cc[i][l], U_NS);
			printf("\n");
		}
	}
	printf("\n**6d. Kernel memory per idle semaphore** (Slab in /proc/meminfo, delta ÷ count).\n\n");
	printf("| object | slab objects, bytes each (slabinfo) | Slab pages, bytes each (meminfo) | count |\n|---|---|---|---|\n");
	for (i = 0; i <= NPOP; i++) {
		const char *nm = i < NPOP ? pop_name[i] :
			"semctl, anonymous, fd open";

		if (isnan(mem_per[i]))
			printf("| %s | n/a | n/a | |\n", nm);
		else
			printf("| %s | %.0f | %.0f | %d |\n", nm, mem_obj[i],
			       mem_per[i], mem_n[i]);
	}
	{
		/* slabinfo (object bytes) when readable, else meminfo */
		double m = isnan(mem_obj[POP_SEMCTL]) ? mem_per[POP_SEMCTL] :
			mem_obj[POP_SEMCTL];
		double a = isnan(mem_obj[NPOP]) ? mem_per[NPOP] : mem_obj[NPOP];
		double e = isnan(mem_obj[POP_EVENTFD]) ? mem_per[POP_EVENTFD] :
			mem_obj[POP_EVENTFD];

		printf("\nTarget ≤ 256 bytes per semaphore, applied to the semctl semaphore alone (named, no fd;\n"
		       "slab object bytes): %.0f B, %s. An open fd adds a struct file (and its dentry/inode\n"
		       "share) to every fd-based primitive alike: compare the two fd-open lines.\n",
		       m, verdict(!isnan(m), m <= 256));
		summarize("| 6 | ≤ 256 B per idle semaphore (named, no fd) | %.0f B | %s |\n",
			  m, verdict(!isnan(m), m <= 256));
		summarize("| 6 | (info) anonymous semaphore + its fd vs eventfd + its fd | %.0f B vs %.0f B | – |\n",
			  a, e);
	}
}

/* ------------------------------------------------------------------ */

/* --profile MODE N: one tight pair loop, for perf record in the guest. */
static int profile(const char *mode, long n)
{
	static const char *const modes[] = {
		"ioctl", "rw", "map", "eventfd", "sysv", "semt", "futex",
	};
	struct bsem s;
	uint64_t t0;
	long i;
	int k;

	for (k = 0; k < NPRIM; k++)
		if (!strcmp(mode, modes[k]))
			break;
	if (k == NPRIM)
		die("--profile ioctl|rw|map|eventfd|sysv|semt|futex N");
	if (bsem_init(&s, k, 1, 1, 0))
		die("%s: cannot create", prim_name[k]);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		bsem_acq(&s);
		bsem_rel(&s, 1);
	}
	printf("%s: %.0f ns per acquire+release pair (%ld pairs)\n",
	       prim_name[k], (double)(now_ns() - t0) / n, n);
	bsem_fini(&s);
	return 0;
}

static void usage(void)
{
	printf("usage: semctl-bench [--smoke] [--reps N] [--duration-ms MS] [--rows 1234567]\n"
	       "       semctl-bench --profile ioctl|rw|map|eventfd|sysv|semt|futex N   (one pair loop, for perf)\n"
	       "  Needs /dev/semctl (semctl.ko loaded) for the semctl columns; peers run anyway.\n"
	       "  Markdown on stdout; '@data' lines are plot data; progress on stderr.\n");
}

int main(int argc, char **argv)
{
	struct utsname un;
	uint64_t t0 = now_ns();
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--smoke")) {
			opt_smoke = 1;
			opt_reps = 1;
			opt_dur = 20000000ULL;
		} else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
			opt_reps = atoi(argv[++i]);
			if (opt_reps < 1 || opt_reps > MAXREP)
				die("--reps 1..%d", MAXREP);
		} else if (!strcmp(argv[i], "--duration-ms") && i + 1 < argc) {
			opt_dur = strtoull(argv[++i], NULL, 10) * 1000000ULL;
		} else if (!strcmp(argv[i], "--profile") && i + 2 < argc) {
			devfd = open("/dev/semctl", O_RDWR | O_CLOEXEC);
			return profile(argv[i + 1], atol(argv[i + 2]));
		} else if (!strcmp(argv[i], "--rows") && i + 1 < argc) {
			snprintf(opt_rows, sizeof(opt_rows), "%s", argv[++i]);
		} else {
			usage();
			return !strcmp(argv[i], "--help") ? 0 : 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	uname(&un);
	snprintf(kernel_release, sizeof(kernel_release), "%s", un.release);
	sscanf(un.release, "%d.%d", &kver_major, &kver_minor);
	devfd = open("/dev/semctl", O_RDWR | O_CLOEXEC);
	if (devfd < 0)
		note("/dev/semctl: %s: semctl columns are n/a", strerror(errno));
	uring_detect();

	printf("## Kernel %s (%d CPUs)\n\n", kernel_release, ncpu);
	printf("Mode %s: %d repetitions of %.0f ms per measurement; cells are median (min–max).\n"
	       "io_uring: %s; FUTEX_WAIT/WAKE ops: %s; semctl uring_cmd: %s.\n",
	       opt_smoke ? "smoke" : "full", opt_reps, opt_dur / 1e6,
	       have_uring ? "yes" : "no", have_uring_futex ? "yes" : "no",
	       have_uring_cmd ? "yes" : "no");
	summarize("| row | target | measured | verdict |\n|---|---|---|---|\n");

	if (row_on(1)) {
		note("row 1");
		row1();
	}
	if (row_on(2)) {
		note("row 2");
		row2();
	}
	if (row_on(3)) {
		note("row 3");
		row3();
	}
	if (row_on(4)) {
		note("row 4");
		row4();
	}
	if (row_on(5)) {
		note("row 5");
		row5();
	}
	if (row_on(6)) {
		note("row 6");
		row6();
	}
	if (row_on(7))
		row7();
	printf("\n### Targets on %s\n\n%s", kernel_release, summary);
	printf("\n(run took %.0f s)\n", (now_ns() - t0) / 1e9);
	return 0;
}
