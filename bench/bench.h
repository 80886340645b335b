/* SPDX-License-Identifier: GPL-2.0 */
/*
 * semctl-bench: what its files share (bench/README.md, "The source").
 *
 * timing.c and env.c: clocks, pinning, messages, knobs; stats.c and
 * table.c: cells, Markdown tables, ratios, verdicts, the summary;
 * peer.c and peers/: the blocking primitives behind one struct peer each,
 * listed in peers/peers.def; uring.c and peers/uring-*.c: the io_uring
 * acquire loop and its primitives, listed in peers/uring.def; rows/: one
 * file per printed row, listed in rows/rows.def; main.c: options, --profile
 * and the order the rows run in.
 */
#ifndef SEMCTL_BENCH_H
#define SEMCTL_BENCH_H

#include <liburing.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <semctl.h>		/* libsemctl: <linux/semctl.h> and semctl_map_* */

/* ------------------------------------------------------------------ */
/* options and environment (main.c fills them before any row runs) */

struct bench_opts {
	int smoke;
	int reps;
	uint64_t dur;		/* ns per measurement */
	char rows[16];		/* which rows run: digits */
};

struct bench_env {
	int devfd;		/* /dev/semctl, or -1 */
	int ncpu;
	int kver_major, kver_minor;
	int have_uring, have_uring_futex, have_uring_cmd;
	char kernel_release[128];
};

extern struct bench_opts opt;
extern struct bench_env env;

int row_on(int r);

/* timing.c */
uint64_t now_ns(void);
void sleep_ns(uint64_t ns);
void pin(int cpu);

/* Run @body in batches until the duration passes: ns per call. */
#define TIMED_LOOP(body)						\
	({								\
		uint64_t _t0 = now_ns(), _t, _n = 0;			\
		do {							\
			for (int _i = 0; _i < 64; _i++) {		\
				body;					\
			}						\
			_n += 64;					\
			_t = now_ns();					\
		} while (_t - _t0 < opt.dur);				\
		(double)(_t - _t0) / _n;				\
	})

/* env.c */
void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...);
void __attribute__((format(printf, 1, 2))) note(const char *fmt, ...);
void raise_knob(const char *path, long want);
long futex(_Atomic uint32_t *uaddr, int op, uint32_t val,
	   const struct timespec *ts);
void *shared_alloc(size_t size);

/* ------------------------------------------------------------------ */
/* statistics and printing (stats.c, table.c) */

#define MAXREP 16

struct cell {
	int n;
	double v[MAXREP];
	const char *na;		/* why not applicable, or NULL */
};

enum unit { U_NS, U_RATE, U_COUNT, U_BYTES, U_IDX };

void cell_add(struct cell *c, double v);
int cell_ok(const struct cell *c);
double cell_med(const struct cell *c);
double cell_min(const struct cell *c);
double cell_max(const struct cell *c);

void put_cell(const struct cell *c, enum unit u);
void table_head(const char *first, const char *const *cols, int n,
		const char *tail);
double ratio_best(const struct cell *c, int self, const int *peers,
		  int higher, int *best);
const char *verdict(int known, int met);
void __attribute__((format(printf, 1, 2))) summarize(const char *fmt, ...);
const char *summary_text(void);
void __attribute__((format(printf, 3, 4)))
append_item(char *buf, size_t size, const char *fmt, ...);

/* ------------------------------------------------------------------ */
/* the blocking primitives (peer.c, peers/) */

enum prim {
#define PEER(id, var) id,
#include "peers/peers.def"
#undef PEER
	NPRIM
};

/*
 * One primitive behind a semaphore of count @value (at most @max).
 * Fields of struct bsem belong to whichever peer uses them; it lives in
 * shared memory for the rows that fork, so it holds no pointers to the
 * heap but the mapping (which fork keeps).
 */
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

struct peer {
	const char *name;	/* column title */
	const char *mode;	/* --profile MODE */
	int semctl;		/* needs /dev/semctl */
	/* 0 or -errno; s->kind, s->shared set, s->fd -1 */
	int (*init)(struct bsem *s, uint32_t value, uint32_t max);
	void (*fini)(struct bsem *s);		/* NULL: nothing to do */
	/* 0, or -1 with errno; retries EINTR if @restart */
	int (*acquire)(struct bsem *s, uint32_t n, int restart);
	int (*release)(struct bsem *s, uint32_t n);	/* 0 or -1, errno */
	long (*waiters)(struct bsem *s);	/* NULL: cannot tell */
	long (*value)(struct bsem *s);		/* NULL: cannot tell */
};

#define PEER(id, var) extern const struct peer var;
#include "peers/peers.def"
#undef PEER

extern const struct peer *const peers[NPRIM];

/* Peers of semctl: everything but the semctl columns. */
extern const int peers_all[];

/*
 * The ways a user can call semctl: the raw ioctls, read(2)/write(2), and
 * libsemctl's mapped fast path (semctl_map_*: one CAS while nobody waits).
 * Targets are judged on the best of them, named in each verdict.
 */
#define NSEMCTL 3
extern const int semctl_cols[NSEMCTL + 1];
extern const char *const semctl_short[NSEMCTL];
const char *semctl_short_of(int prim);
int best_semctl(const struct cell *c, int higher);
const char *semctl_col_name(int kind);

const char *prim_na(int kind);
int bsem_init(struct bsem *s, int kind, uint32_t value, uint32_t max,
	      int shared);
void bsem_fini(struct bsem *s);
int bsem_acq_n(struct bsem *s, uint32_t n, int restart);
void bsem_acq(struct bsem *s);
void bsem_rel(struct bsem *s, uint32_t n);
long bsem_waiters(struct bsem *s);
long bsem_value(struct bsem *s);

/* peers/semctl.c: what the three semctl peers share */
int sc_create(uint64_t value, uint64_t max, const char *name,
	      unsigned int flags);
int sc_init(struct bsem *s, uint32_t value, uint32_t max);
void fd_fini(struct bsem *s);
long sc_waiters(struct bsem *s);
long sc_value(struct bsem *s);
/* peers/eventfd.c: read(2)/write(2) of 8 bytes per unit */
int fd_read_acquire(struct bsem *s, uint32_t n, int restart);
int fd_write_release(struct bsem *s, uint32_t n);

/* ------------------------------------------------------------------ */
/* io_uring (uring.c, peers/uring-*.c) */

/* Not in Debian 12's headers (io_uring futex ops are 6.7+). */
#define OP_FUTEX_WAIT		51
#define OP_FUTEX_WAKE		52

enum uprim {
#define UPEER(id, var) id,
#include "peers/uring.def"
#undef UPEER
	NUPRIM
};

/* One io_uring acquire loop (uring_rate) and its semaphore. */
struct ustate {
	struct io_uring ring;
	int kind;
	int fd;
	_Atomic uint32_t fval;
	uint64_t buf;
};

struct upeer {
	const char *name;	/* column title */
	/* why n/a when io_uring works, or NULL */
	const char *(*na)(void);
	int (*open)(struct ustate *u);	/* 0, or -1: u->fd, -1 if none */
	void (*prep_acquire)(struct ustate *u, struct io_uring_sqe *sqe);
	void (*release)(struct ustate *u);	/* one unit */
	/* a completion of an acquire: 1 if it took a unit */
	int (*reaped)(struct ustate *u, const struct io_uring_cqe *cqe);
};

#define UPEER(id, var) extern const struct upeer var;
#include "peers/uring.def"
#undef UPEER

extern const struct upeer *const upeers[NUPRIM];

#define TAG_WAKE	(1ULL << 62)

struct io_uring_sqe *get_sqe(struct io_uring *ring);
void prep_semctl_acquire(struct io_uring_sqe *sqe, int fd, uint32_t count);
void uring_detect(void);
const char *uring_na(int kind);
double uring_rate(int kind, int inflight, uint64_t dur);
/* for the fd-based io_uring peers */
void uring_fd_release(struct ustate *u);
int uring_fd_reaped(struct ustate *u, const struct io_uring_cqe *cqe);
void uring_prep_read(struct ustate *u, struct io_uring_sqe *sqe);
const char *uring_semctl_na(void);
int uring_semctl_open(struct ustate *u);

/* ------------------------------------------------------------------ */
/* the rows (rows/), in the order they run */

struct bench_row {
	int id;			/* --rows digit */
	int measures;		/* 0: prints what others measured, no note */
	void (*run)(void);
};

#define ROW(id, fn, measures) void fn(void);
#include "rows/rows.def"
#undef ROW

/* row 6's parts after 6a (rows/row6b.c, rows/row6cd.c) */
void row6b(const int *ns, int nn, int reps);
void row6cd(void);

/* rows 3 and 7: row 3 measures what row 7 prints */
#define NWORK 4
#define NCCFG 3
extern const char *const ccfg[NCCFG];
struct fairness {
	struct cell jain[NCCFG][NPRIM], wait[NCCFG][NPRIM];
};
extern struct fairness fair;

#endif
