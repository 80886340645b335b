// SPDX-License-Identifier: GPL-2.0
/*
 * SEMCTL_IOC_HOLDERS: who holds units with undo and who waits, by PID in
 * the caller's PID namespace, as one snapshot (issue 14, point 3).
 */
#include <liburing.h>
#include <sched.h>
#include <sys/wait.h>

#include "semctl_test.h"

SEMCTL_FIXTURE(holders)

static int holders_raw(int fd, struct semctl_holders *h)
{
	return ret_or_errno(ioctl(fd, SEMCTL_IOC_HOLDERS, h));
}

/* Up to @room entries into @e; returns the entries written or -errno. */
static int holders_of(int fd, struct semctl_holder *e, __u32 room,
		      __u64 *holders, __u64 *waiters)
{
	struct semctl_holders h = {
		.size = sizeof(h),
		.entries = (__u64)(uintptr_t)e,
		.entry_size = sizeof(*e),
		.count = room,
	};
	int ret = holders_raw(fd, &h);

	if (ret)
		return ret;
	if (holders)
		*holders = h.holders;
	if (waiters)
		*waiters = h.waiters;
	return (int)h.count;
}

/*
 * A child that opens @name, takes @count units (with undo if @undo), says
 * so on @ready and holds them until @done is readable. Exits 0.
 */
static pid_t start_holder(const char *name, __u64 count, bool undo,
			  int ready, int done)
{
	pid_t pid = fork();
	char c = 1;
	int dev, fd;

	if (pid)
		return pid;
	dev = dev_open();
	fd = sem_open_name(dev, name, 0);
	if (fd < 0 || sem_acquire_full(fd, count,
				       undo ? SEMCTL_ACQUIRE_UNDO : 0, 0))
		_exit(1);
	if (write(ready, &c, 1) != 1)
		_exit(2);
	while (read(done, &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

TEST_F_TIMEOUT(holders, names_holders_then_waiters_in_fifo_order, 60)
{
	struct semctl_holder e[8];
	int ready[2], done[2];
	__u64 holders, waiters;
	pid_t a, b;
	char c;

	unique_name(self->name, sizeof(self->name), "holders");
	self->fd = sem_create_full(self->dev, 0, 4, 4, self->name, 0600);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(done));

	/* A holds 2 with undo, we take 1 without (nobody to name) */
	a = start_holder(self->name, 2, true, ready[1], done[0]);
	ASSERT_GT(a, 0);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ(0, sem_acquire(self->fd, 1));
	ASSERT_EQ(1, holders_of(self->fd, e, 8, &holders, &waiters));
	EXPECT_EQ(1, holders);
	EXPECT_EQ(0, waiters);
	EXPECT_EQ(a, e[0].pid);
	EXPECT_EQ(2, e[0].count);
	EXPECT_EQ(0, e[0].flags);

	/* B waits for 3 (1 is free) */
	b = start_holder(self->name, 3, true, ready[1], done[0]);
	ASSERT_GT(b, 0);
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	ASSERT_EQ(2, holders_of(self->fd, e, 8, &holders, &waiters));
	EXPECT_EQ(1, holders);
	EXPECT_EQ(1, waiters);
	EXPECT_EQ(a, e[0].pid);
	EXPECT_EQ(b, e[1].pid);
	EXPECT_EQ(3, e[1].count);
	EXPECT_EQ(SEMCTL_HOLDER_WAITING, e[1].flags);

	/* room for one: the holder first, the totals still whole */
	ASSERT_EQ(1, holders_of(self->fd, e, 1, &holders, &waiters));
	EXPECT_EQ(a, e[0].pid);
	EXPECT_EQ(1, waiters);
	ASSERT_EQ(0, holders_of(self->fd, NULL, 0, &holders, &waiters));
	EXPECT_EQ(1, holders);

	/* A's exit returns its units: B is granted and becomes the holder */
	ASSERT_EQ(0, sem_release(self->fd, 1));
	ASSERT_EQ(1, write(done[1], "x", 1));
	ASSERT_EQ(0, wait_child(a, WAIT_MS));
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ(1, holders_of(self->fd, e, 8, &holders, &waiters));
	EXPECT_EQ(b, e[0].pid);
	EXPECT_EQ(3, e[0].count);
	EXPECT_EQ(0, waiters);
	ASSERT_EQ(1, write(done[1], "x", 1));
	ASSERT_EQ(0, wait_child(b, WAIT_MS));
	ASSERT_EQ(0, holders_of(self->fd, e, 8, &holders, &waiters));
	EXPECT_EQ(0, holders);
	EXPECT_EQ(4, sem_value(self->fd));
}

/* A release through the holding file pays the record: no longer named. */
TEST_F(holders, paid_back_undo_is_not_held)
{
	struct semctl_holder e[2];
	__u64 holders;

	self->fd = sem_create(self->dev, 2, 2);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, sem_acquire_full(self->fd, 2, SEMCTL_ACQUIRE_UNDO, 0));
	ASSERT_EQ(1, holders_of(self->fd, e, 2, &holders, NULL));
	EXPECT_EQ(getpid(), e[0].pid);
	ASSERT_EQ(0, sem_release(self->fd, 1));
	ASSERT_EQ(1, holders_of(self->fd, e, 2, &holders, NULL));
	EXPECT_EQ(1, e[0].count);
	ASSERT_EQ(0, sem_release(self->fd, 1));
	ASSERT_EQ(0, holders_of(self->fd, e, 2, &holders, NULL));
	EXPECT_EQ(0, holders);
}

/* An io_uring acquire that waits is named, flagged ASYNC, and goes. */
TEST_F_TIMEOUT(holders, async_waiter, 60)
{
	struct semctl_uring_acquire a = { .count = 1 };
	struct semctl_holder e[2];
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	__u64 waiters;

	self->fd = sem_create(self->dev, 0, 1);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));
	sqe = io_uring_get_sqe(&ring);
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = self->fd;
	sqe->cmd_op = SEMCTL_URING_CMD_ACQUIRE;
	memcpy(sqe->cmd, &a, sizeof(a));
	sqe->user_data = 7;
	ASSERT_EQ(1, io_uring_submit(&ring));
	ASSERT_EQ(0, wait_waiters(self->fd, 1, NULL));
	ASSERT_EQ(1, holders_of(self->fd, e, 2, NULL, &waiters));
	EXPECT_EQ(1, waiters);
	EXPECT_EQ(getpid(), e[0].pid);
	EXPECT_EQ(1, e[0].count);
	EXPECT_TRUE(e[0].flags & SEMCTL_HOLDER_WAITING);
	ASSERT_EQ(0, sem_release(self->fd, 1));
	ASSERT_EQ(0, io_uring_wait_cqe(&ring, &cqe));
	EXPECT_EQ(0, cqe->res);
	io_uring_cqe_seen(&ring, cqe);
	ASSERT_EQ(0, holders_of(self->fd, e, 2, NULL, &waiters));
	EXPECT_EQ(0, waiters);
	io_uring_queue_exit(&ring);
}

/*
 * Seen from a child PID namespace, a holder outside it has no PID there:
 * 0. Seen from outside, the child's holder has its outer PID.
 */
TEST_F_TIMEOUT(holders, pid_namespaces, 60)
{
	struct semctl_holder e[2];
	pid_t child;

	self->fd = sem_create(self->dev, 2, 2);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, sem_acquire_full(self->fd, 1, SEMCTL_ACQUIRE_UNDO, 0));
	if (unshare(CLONE_NEWPID))
		SKIP(return, "unshare(CLONE_NEWPID): %s", strerror(errno));
	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		struct semctl_holder mine[2];
		int n = holders_of(self->fd, mine, 2, NULL, NULL);

		/* what the child sees of our hold: no PID */
		_exit(n == 1 && mine[0].pid == 0 && mine[0].count == 1 ? 0 : 10);
	}
	ASSERT_EQ(0, wait_child(child, WAIT_MS));
	ASSERT_EQ(1, holders_of(self->fd, e, 2, NULL, NULL));
	EXPECT_EQ(getpid(), e[0].pid);
}

TEST_F(holders, bad_arguments)
{
	struct semctl_holder e[SEMCTL_HOLDERS_MAX + 2];
	struct semctl_holders h;
	unsigned char wide[24];
	int wo, i;

	self->fd = sem_create(self->dev, 3, 3);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, sem_acquire_full(self->fd, 1, SEMCTL_ACQUIRE_UNDO, 0));
	memset(&h, 0, sizeof(h));
	h.size = sizeof(h);
	h.entries = (__u64)(uintptr_t)e;
	h.entry_size = sizeof(e[0]);
	h.count = 1;

	h.flags = 1;
	EXPECT_EQ(-EINVAL, holders_raw(self->fd, &h));
	h.flags = 0;
	h.holders = 1;		/* out fields must come in as 0 */
	EXPECT_EQ(-EINVAL, holders_raw(self->fd, &h));
	h.holders = 0;
	h.entry_size = 8;
	EXPECT_EQ(-EINVAL, holders_raw(self->fd, &h));
	h.entry_size = sizeof(e[0]);
	h.size = SEMCTL_HOLDERS_SIZE_VER0 - 8;
	EXPECT_EQ(-EINVAL, holders_raw(self->fd, &h));
	h.size = sizeof(h);
	h.entries = (__u64)(uintptr_t)bad_ptr();
	EXPECT_EQ(-EFAULT, holders_raw(self->fd, &h));
	h.entries = (__u64)(uintptr_t)e;

	/* a larger entry (a later version) is written with a zero tail */
	memset(wide, 0xa5, sizeof(wide));
	h.entries = (__u64)(uintptr_t)wide;
	h.entry_size = sizeof(wide);
	ASSERT_EQ(0, holders_raw(self->fd, &h));
	EXPECT_EQ(1, h.count);
	for (i = 16; i < (int)sizeof(wide); i++)
		EXPECT_EQ(0, wide[i]);
	h.entries = (__u64)(uintptr_t)e;
	h.entry_size = sizeof(e[0]);

	/* room beyond SEMCTL_HOLDERS_MAX is not an error */
	h.count = SEMCTL_HOLDERS_MAX + 2;
	h.holders = h.waiters = 0;
	ASSERT_EQ(0, holders_raw(self->fd, &h));
	EXPECT_EQ(1, h.count);

	/* needs the read right */
	unique_name(self->name, sizeof(self->name), "holders-wo");
	close(self->fd);
	self->fd = sem_create_full(self->dev, 0, 1, 1, self->name, 0600);
	ASSERT_LE(0, self->fd);
	wo = sem_open_name(self->dev, self->name, SEMCTL_OPEN_WRITE);
	ASSERT_LE(0, wo);
	h.count = 1;
	h.holders = h.waiters = 0;
	EXPECT_EQ(-EBADF, holders_raw(wo, &h));
	close(wo);
}

TEST_HARNESS_MAIN
