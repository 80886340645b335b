// SPDX-License-Identifier: GPL-2.0
/*
 * semctl-bench: io_uring: what the kernel offers (uring_detect), and the
 * loop of rows 5 and 6b that keeps N acquires in flight, run for each
 * io_uring peer (peers/uring-*.c, listed in peers/uring.def).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define SQE_CMD_OFF		48

_Static_assert(sizeof(struct io_uring_sqe) == 64, "64-byte SQE");
_Static_assert(offsetof(struct io_uring_sqe, addr3) == SQE_CMD_OFF,
	       "sqe->cmd is the last 16 bytes");
_Static_assert(sizeof(struct semctl_uring_acquire) == 16, "cmd fits");

const struct upeer *const upeers[NUPRIM] = {
#define UPEER(id, var) [id] = &var,
#include "peers/uring.def"
#undef UPEER
};

void prep_semctl_acquire(struct io_uring_sqe *sqe, int fd, uint32_t count)
{
	struct semctl_uring_acquire a = { .count = count };

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = fd;
	sqe->cmd_op = SEMCTL_URING_CMD_ACQUIRE;
	memcpy((char *)sqe + SQE_CMD_OFF, &a, sizeof(a));
}

struct io_uring_sqe *get_sqe(struct io_uring *ring)
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

void uring_detect(void)
{
	struct io_uring_probe *probe;
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	int fd;

	if (io_uring_queue_init(8, &ring, 0) < 0) {
		note("io_uring unavailable: every io_uring column is n/a");
		return;
	}
	env.have_uring = 1;
	probe = io_uring_get_probe_ring(&ring);
	if (probe) {
		env.have_uring_futex = io_uring_opcode_supported(probe,
							     OP_FUTEX_WAIT) &&
			io_uring_opcode_supported(probe, OP_FUTEX_WAKE);
		io_uring_free_probe(probe);
	}
	if (env.devfd >= 0) {
		fd = sc_create(1, 1, NULL, 0);
		if (fd >= 0) {
			prep_semctl_acquire(get_sqe(&ring), fd, 1);
			io_uring_submit_and_wait(&ring, 1);
			if (!io_uring_peek_cqe(&ring, &cqe)) {
				env.have_uring_cmd = cqe->res == 0;
				io_uring_cqe_seen(&ring, cqe);
			}
			close(fd);
		}
	}
	io_uring_queue_exit(&ring);
}

/* Why io_uring peer @kind is n/a, or NULL. */
const char *uring_na(int kind)
{
	if (!env.have_uring)
		return "no io_uring";
	return upeers[kind]->na ? upeers[kind]->na() : NULL;
}

const char *uring_semctl_na(void)
{
	return env.devfd < 0 ? "no /dev/semctl" : NULL;
}

/* the semctl peers: an anonymous semaphore at 0, no maximum */
int uring_semctl_open(struct ustate *u)
{
	u->fd = sc_create(0, 0, NULL, 0);
	return u->fd < 0 ? -1 : 0;
}

/* the fd-based peers: write(2) of 1 releases, a completion is a unit */
void uring_fd_release(struct ustate *u)
{
	uint64_t one = 1;

	if (write(u->fd, &one, 8) != 8)
		die("%s release: %s", upeers[u->kind]->name, strerror(errno));
}

int uring_fd_reaped(struct ustate *u, const struct io_uring_cqe *cqe)
{
	if (cqe->res < 0)
		die("%s: %s", upeers[u->kind]->name, strerror(-cqe->res));
	return 1;
}

static void u_submit_acquire(struct ustate *u)
{
	struct io_uring_sqe *sqe = get_sqe(&u->ring);

	upeers[u->kind]->prep_acquire(u, sqe);
	sqe->user_data = 1;
}

/*
 * Keep @inflight acquires pending; one thread releases one unit at a time
 * (write(2) of 1, or an io_uring FUTEX_WAKE for the futex) and reaps.
 * Returns acquires completed per second.
 */
double uring_rate(int kind, int inflight, uint64_t dur)
{
	const struct upeer *up = upeers[kind];
	struct io_uring_params p = { 0 };
	struct io_uring_cqe *cqe;
	struct ustate *u;
	uint64_t t0, t, got = 0;
	unsigned int entries = 64;
	double rate = NAN;
	int i;

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
	if (up->open(u))
		goto out;
	for (i = 0; i < inflight; i++)
		u_submit_acquire(u);
	io_uring_submit(&u->ring);
	/* Let the initial batch settle into its wait. */
	sleep_ns(opt.smoke ? 2000000 : 20000000);
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

		up->release(u);
		while (!progress) {
			if (io_uring_wait_cqe_timeout(&u->ring, &cqe, &ts)) {
				note("%s with %d in flight: no completion in 5 s",
				     up->name, inflight);
				goto out;
			}
			io_uring_for_each_cqe(&u->ring, head, cqe) {
				seen++;
				if (cqe->user_data == TAG_WAKE)
					continue;
				if (up->reaped(u, cqe)) {
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
out:
	io_uring_queue_exit(&u->ring);
	if (u->fd >= 0)
		close(u->fd);
	free(u);
	return rate;
}
