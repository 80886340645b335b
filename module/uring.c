// SPDX-License-Identifier: GPL-2.0
/*
 * Weighted asynchronous acquire through IORING_OP_URING_CMD, through
 * io_uring's exported command interface only (module/compat.h).
 *
 * Where io_uring tells a driver that a queued command's ring or task is
 * going away (io_uring_cmd_mark_cancelable, 6.7 and later), an acquire
 * issued from its task is a waiter in the semaphore's FIFO like any
 * blocked task, but with no thread behind it: the release that grants its
 * units completes it through task work, and ring exit, task exit and exec
 * cancel it through IO_URING_F_CANCEL.
 *
 * Elsewhere (6.1) nothing would ever cancel a queued command, so exec and
 * ring teardown would wait for it: an acquire that cannot be served at
 * once returns -EAGAIN, io_uring hands it to an io-wq worker, and it waits
 * there as that worker, which io_uring's own cancellation interrupts.
 * An acquire issued with IOSQE_ASYNC waits in its worker on every kernel.
 *
 * SEMCTL_URING_CMD_CANCEL cancels the pending acquires of the same open
 * file that carry a given user_data, where the driver can read it
 * (compat.h: SEMCTL_URING_HAS_USER_DATA).
 */
#include <linux/atomic.h>
#include <linux/hrtimer.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/pid.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "semctl.h"

/*
 * Where a thread-less acquire whose wait has ended stands. Its task work
 * and io_uring's exit notification (semctl_async_cancel()) can meet: the
 * notification marks a granted acquire ABANDONED unless its task work has
 * already begun (COMPLETING), and the task work then gives the units back.
 */
enum {
	SEMCTL_ASYNC_PENDING,
	SEMCTL_ASYNC_ABANDONED,
	SEMCTL_ASYNC_COMPLETING,
};

/* A thread-less acquire; lives until its completion. */
struct semctl_async {
	struct semctl_waiter waiter;
	struct io_uring_cmd *cmd;
	struct semctl_sem *sem;
	/* the deadline fires in hard irq; the dequeue runs from semctl_wq */
	struct hrtimer timer;
	struct work_struct timeout;
	bool timed;
	atomic_t state;
};

/* A command's bytes in the SQE's command area: 16 of 16, or of 80. */
#define SEMCTL_URING_CMD_BYTES		16
#define SEMCTL_URING_SQE128_CMD_BYTES	80

/* Pending acquires in their own cache: many can be queued at once. */
static struct kmem_cache *semctl_async_cache;

static struct semctl_async **semctl_uring_pdu(struct io_uring_cmd *cmd)
{
	BUILD_BUG_ON(sizeof(struct semctl_async *) > sizeof(cmd->pdu));
	return (struct semctl_async **)cmd->pdu;
}

/*
 * Post the result and free @async; neither the timer nor its work can
 * touch it any more. Process context: task work or io_uring's cancel.
 */
static void semctl_async_complete(struct semctl_async *async, int result,
				  unsigned int issue_flags)
{
	if (async->timed) {
		hrtimer_cancel(&async->timer);
		cancel_work_sync(&async->timeout);
	}
	semctl_uring_cmd_done(async->cmd, result, issue_flags);
	put_pid(async->waiter.pid);
	kmem_cache_free(semctl_async_cache, async);
}

/*
 * The completion, in the submitting task (compat.h calls it). Units granted
 * to a request whose completion nobody will read go straight back.
 */
void semctl_uring_task_work(struct io_uring_cmd *cmd, bool dying,
			    unsigned int issue_flags)
{
	struct semctl_async *async = *semctl_uring_pdu(cmd);
	int status = async->waiter.status;

	if (atomic_xchg(&async->state, SEMCTL_ASYNC_COMPLETING) ==
	    SEMCTL_ASYNC_ABANDONED)
		dying = true;
	if (status > 0 && dying) {
		semctl_sem_give_back(async->sem, async->waiter.undo_to,
				     async->waiter.count);
		status = -ECANCELED;
	}
	semctl_async_complete(async, status > 0 ? 0 : status, issue_flags);
}

/* The wait ended (any context, no lock held): complete in task context. */
static void semctl_async_finish(struct semctl_waiter *waiter)
{
	struct semctl_async *async = container_of(waiter, struct semctl_async,
						  waiter);

	semctl_uring_complete_in_task(async->cmd);
}

static void semctl_async_timeout_work(struct work_struct *work)
{
	struct semctl_async *async = container_of(work, struct semctl_async,
						  timeout);

	if (semctl_sem_dequeue(async->sem, &async->waiter, -ETIMEDOUT))
		semctl_async_finish(&async->waiter);
}

/* Hard irq: the semaphore lock is never taken here. */
static enum hrtimer_restart semctl_async_timeout(struct hrtimer *timer)
{
	struct semctl_async *async = container_of(timer, struct semctl_async,
						  timer);

	queue_work(semctl_wq, &async->timeout);
	return HRTIMER_NORESTART;
}

int semctl_uring_init(void)
{
	semctl_async_cache = KMEM_CACHE(semctl_async, SLAB_ACCOUNT);
	return semctl_async_cache ? 0 : -ENOMEM;
}

/* Module exit: every fd, so every queued acquire, is gone by now. */
void semctl_uring_exit(void)
{
	kmem_cache_destroy(semctl_async_cache);
}

/*
 * Ring exit, task exit or exec. io_uring calls this under its ring lock
 * for every cancelable command not completed yet, so @async is alive here:
 * its completion needs that lock too.
 */
static void semctl_async_cancel(struct io_uring_cmd *cmd,
				unsigned int issue_flags)
{
	struct semctl_async *async = *semctl_uring_pdu(cmd);

	if (semctl_sem_dequeue(async->sem, &async->waiter, -ECANCELED)) {
		semctl_async_complete(async, -ECANCELED, issue_flags);
		return;
	}
	/* Granted or timed out: its task work is on the way. */
	atomic_cmpxchg(&async->state, SEMCTL_ASYNC_PENDING,
		       SEMCTL_ASYNC_ABANDONED);
}

static int semctl_uring_queue(struct semctl_file *sfile,
			      struct io_uring_cmd *cmd,
			      const struct semctl_acquire *args,
			      const ktime_t *deadline, clockid_t clock,
			      unsigned int issue_flags)
{
	struct semctl_async *async;
	int ret;

	async = kmem_cache_zalloc(semctl_async_cache, GFP_KERNEL_ACCOUNT);
	if (!async)
		return -ENOMEM;
	async->waiter.count = args->count;
	if (args->flags & SEMCTL_ACQUIRE_UNDO)
		async->waiter.undo_to = sfile;
	async->waiter.owner = sfile;
	async->waiter.tag = semctl_uring_user_data(cmd);
	async->waiter.finish = semctl_async_finish;
	async->waiter.pid = get_pid(task_tgid(current));
	async->cmd = cmd;
	async->sem = sfile->sem;
	atomic_set(&async->state, SEMCTL_ASYNC_PENDING);
	if (deadline) {
		semctl_hrtimer_setup(&async->timer, semctl_async_timeout,
				     clock, HRTIMER_MODE_ABS);
		INIT_WORK(&async->timeout, semctl_async_timeout_work);
		async->timed = true;
	}
	*semctl_uring_pdu(cmd) = async;

	ret = semctl_sem_queue_async(sfile->sem, &async->waiter);
	if (ret) {
		put_pid(async->waiter.pid);
		kmem_cache_free(semctl_async_cache, async);
		return ret < 0 ? ret : 0;
	}
	/*
	 * Completions run as task work of this very task, so nothing can
	 * complete the command before we return: marking it and arming the
	 * timer after queueing is safe.
	 */
	semctl_uring_mark_cancelable(cmd, issue_flags);
	if (deadline)
		hrtimer_start(&async->timer, *deadline, HRTIMER_MODE_ABS);
	return -EIOCBQUEUED;
}

/* Wait as the calling io-wq worker. */
static int semctl_uring_block(struct semctl_file *sfile,
			      struct io_uring_cmd *cmd,
			      const struct semctl_acquire *args,
			      const ktime_t *deadline, clockid_t clock)
{
	struct semctl_waiter waiter = {
		.count = args->count,
		.owner = sfile,
		.tag = semctl_uring_user_data(cmd),
	};
	int ret;

	if (args->flags & SEMCTL_ACQUIRE_UNDO)
		waiter.undo_to = sfile;
	ret = semctl_sem_wait(sfile->sem, &waiter, false, deadline, clock);
	/*
	 * A worker is signalled to cancel its request (ring exit, task exit,
	 * exec, IORING_OP_ASYNC_CANCEL; nobody takes units granted as that
	 * happens, so they go back) and, with no way to tell the two apart
	 * here, by the freezer: a suspend also ends such a wait, with
	 * -ECANCELED (Documentation/io_uring.rst).
	 */
	if (!ret && signal_pending(current)) {
		semctl_sem_give_back(sfile->sem, waiter.undo_to, waiter.count);
		ret = -ECANCELED;
	}
	if (ret == -ERESTARTSYS)
		ret = -ECANCELED;
	return ret;
}

static int semctl_uring_acquire(struct semctl_file *sfile,
				struct io_uring_cmd *cmd,
				unsigned int issue_flags)
{
	const struct semctl_uring_acquire *area =
		semctl_uring_cmd_area(cmd, struct semctl_uring_acquire);
	struct semctl_acquire args = {
		.count = READ_ONCE(area->count),
		.flags = READ_ONCE(area->flags),
		.timeout_ns = READ_ONCE(area->timeout_ns),
	};
	ktime_t deadline, *until;
	clockid_t clock;
	int ret;

	if (args.flags & SEMCTL_ACQUIRE_TRY)
		return -EINVAL;
	ret = semctl_acquire_check(&args, sfile);
	if (ret)
		return ret;
	until = semctl_acquire_deadline(&args, &deadline, &clock);
	if (!(issue_flags & IO_URING_F_NONBLOCK))
		return semctl_uring_block(sfile, cmd, &args, until, clock);
	if (SEMCTL_URING_THREADLESS)
		return semctl_uring_queue(sfile, cmd, &args, until, clock,
					  issue_flags);
	/* Served at once, or -EAGAIN: off to an io-wq worker to wait there. */
	return semctl_sem_acquire(sfile->sem,
				  args.flags & SEMCTL_ACQUIRE_UNDO ? sfile : NULL,
				  args.count, true, NULL, CLOCK_MONOTONIC);
}

static int semctl_uring_cancel(struct semctl_file *sfile,
			       struct io_uring_cmd *cmd)
{
	const struct semctl_uring_cancel *area =
		semctl_uring_cmd_area(cmd, struct semctl_uring_cancel);
	u64 user_data = READ_ONCE(area->user_data);
	unsigned int cancelled;

	if (READ_ONCE(area->reserved))
		return -EINVAL;
	/* No user_data to match: IORING_OP_ASYNC_CANCEL reaches io-wq. */
	if (!SEMCTL_URING_HAS_USER_DATA)
		return -EOPNOTSUPP;
	cancelled = semctl_sem_cancel_tagged(sfile->sem, sfile, user_data);
	return cancelled ? cancelled : -ENOENT;
}

/*
 * What a command does not use must be zero, so that it can mean something
 * later: the SQE fields the driver can see (compat.h) and, in a 128-byte
 * SQE, the command area past the command's 16 bytes.
 */
static bool semctl_uring_unused_clear(struct io_uring_cmd *cmd,
				      unsigned int issue_flags)
{
	const u8 *area = semctl_uring_cmd_area(cmd, u8);

	BUILD_BUG_ON(sizeof(struct semctl_uring_acquire) != SEMCTL_URING_CMD_BYTES);
	BUILD_BUG_ON(sizeof(struct semctl_uring_cancel) != SEMCTL_URING_CMD_BYTES);
	if ((issue_flags & IO_URING_F_SQE128) &&
	    memchr_inv(area + SEMCTL_URING_CMD_BYTES, 0,
		       SEMCTL_URING_SQE128_CMD_BYTES - SEMCTL_URING_CMD_BYTES))
		return false;
	return semctl_uring_sqe_unused_clear(cmd);
}

int semctl_uring_cmd(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct semctl_file *sfile = cmd->file->private_data;

	if (issue_flags & SEMCTL_URING_F_CANCEL) {
		semctl_async_cancel(cmd, issue_flags);
		return 0;
	}
	if (!semctl_uring_unused_clear(cmd, issue_flags))
		return -EINVAL;
	switch (cmd->cmd_op) {
	case SEMCTL_URING_CMD_ACQUIRE:
		return semctl_uring_acquire(sfile, cmd, issue_flags);
	case SEMCTL_URING_CMD_CANCEL:
		return semctl_uring_cancel(sfile, cmd);
	default:
		return -EOPNOTSUPP;
	}
}
