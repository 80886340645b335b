// SPDX-License-Identifier: GPL-2.0
/*
 * Weighted asynchronous acquire through IORING_OP_URING_CMD.
 *
 * An async acquire issued from its task is a waiter in the semaphore's
 * FIFO like any blocked task, but with no task behind it: the release that
 * grants its units completes it through task work, so a pending acquire
 * costs no thread. Ring or task exit cancels it: through IO_URING_F_CANCEL
 * where io_uring can cancel a driver's queued command (6.7 and later); on
 * older kernels, which never tell a driver, a reaper looks at the queued
 * acquires every SEMCTL_REAP_INTERVAL_MS and cancels those whose ring is
 * dying or whose task is exiting (teardown waits for them meanwhile).
 *
 * An acquire issued from an io-wq worker (IOSQE_ASYNC) waits in the FIFO
 * as that worker, which io_uring's cancellation interrupts: its completion
 * could otherwise run in the submitting task while the worker still sets
 * the command up.
 *
 * Either way SEMCTL_URING_CMD_CANCEL cancels the pending acquires of the
 * same open file that carry a given user_data.
 */
#include <linux/hrtimer.h>
#include <linux/percpu-refcount.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "semctl.h"

/* A queued async acquire; lives until its completion's task work. */
struct semctl_async {
	struct semctl_waiter waiter;
	struct io_uring_cmd *cmd;
	struct semctl_sem *sem;
	struct hrtimer timer;
	bool timed;
	struct list_head reap_node;	/* in semctl_reap_list, if reaped */
};

/* Pending acquires in their own cache: many can be queued at once. */
static struct kmem_cache *semctl_async_cache;

#define SEMCTL_REAP_INTERVAL_MS	20

/*
 * The queued acquires the reaper watches. semctl_reap_lock protects the
 * list and nests outside sem->wait.lock: the reaper dequeues under it, so
 * an acquire on the list is never freed under the reaper's feet
 * (semctl_async_complete() takes it off first).
 */
static LIST_HEAD(semctl_reap_list);
static DEFINE_SPINLOCK(semctl_reap_lock);
static void semctl_reap(struct work_struct *work);
static DECLARE_DELAYED_WORK(semctl_reap_work, semctl_reap);

static struct semctl_async **semctl_uring_pdu(struct io_uring_cmd *cmd)
{
	BUILD_BUG_ON(sizeof(struct semctl_async *) > sizeof(cmd->pdu));
	return (struct semctl_async **)cmd->pdu;
}

static u64 semctl_uring_user_data(struct io_uring_cmd *cmd)
{
	return cmd_to_io_kiocb(cmd)->cqe.user_data;
}

/*
 * A ring being torn down posts completions nobody will read. Cancelling a
 * pending acquire there can grant the units to the next one of the same
 * ring: give those back rather than lose them.
 */
static bool semctl_uring_ring_dying(struct io_uring_cmd *cmd)
{
	return percpu_ref_is_dying(&cmd_to_io_kiocb(cmd)->ctx->refs);
}

static void semctl_reap_add(struct semctl_async *async)
{
	spin_lock(&semctl_reap_lock);
	if (list_empty(&semctl_reap_list))
		schedule_delayed_work(&semctl_reap_work,
				      msecs_to_jiffies(SEMCTL_REAP_INTERVAL_MS));
	list_add_tail(&async->reap_node, &semctl_reap_list);
	spin_unlock(&semctl_reap_lock);
}

static void semctl_reap_del(struct semctl_async *async)
{
	spin_lock(&semctl_reap_lock);
	list_del(&async->reap_node);
	spin_unlock(&semctl_reap_lock);
}

/* Free @async and post its result; the timer can no longer touch it. */
static void semctl_async_complete(struct semctl_async *async, int result,
				  unsigned int issue_flags)
{
	if (SEMCTL_URING_REAPS)
		semctl_reap_del(async);
	if (async->timed)
		hrtimer_cancel(&async->timer);
	io_uring_cmd_done(async->cmd, result, 0, issue_flags);
	kmem_cache_free(semctl_async_cache, async);
}

static void semctl_async_done_tw(struct io_uring_cmd *cmd,
				 unsigned int issue_flags)
{
	struct semctl_async *async = *semctl_uring_pdu(cmd);
	int status = async->waiter.status;

	if (status > 0 && semctl_uring_ring_dying(cmd)) {
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

	io_uring_cmd_complete_in_task(async->cmd, semctl_async_done_tw);
}

static enum hrtimer_restart semctl_async_timeout(struct hrtimer *timer)
{
	struct semctl_async *async = container_of(timer, struct semctl_async,
						  timer);

	if (semctl_sem_dequeue(async->sem, &async->waiter, -ETIMEDOUT))
		semctl_async_finish(&async->waiter);
	return HRTIMER_NORESTART;
}

/* Whether nobody will see @async's completion but io_uring's teardown. */
static bool semctl_async_orphaned(struct semctl_async *async)
{
	struct io_kiocb *req = cmd_to_io_kiocb(async->cmd);

	return semctl_uring_ring_dying(async->cmd) ||
	       (READ_ONCE(req->task->flags) & PF_EXITING);
}

static void semctl_reap(struct work_struct *work)
{
	struct semctl_async *async;

	spin_lock(&semctl_reap_lock);
	list_for_each_entry(async, &semctl_reap_list, reap_node) {
		if (semctl_async_orphaned(async) &&
		    semctl_sem_dequeue(async->sem, &async->waiter, -ECANCELED))
			semctl_async_finish(&async->waiter);
	}
	/* Until the list empties; a later semctl_reap_add() restarts it. */
	if (!list_empty(&semctl_reap_list))
		schedule_delayed_work(&semctl_reap_work,
				      msecs_to_jiffies(SEMCTL_REAP_INTERVAL_MS));
	spin_unlock(&semctl_reap_lock);
}

int semctl_uring_init(void)
{
	semctl_async_cache = KMEM_CACHE(semctl_async, SLAB_ACCOUNT);
	return semctl_async_cache ? 0 : -ENOMEM;
}

/* Module exit: every fd, so every queued acquire, is gone by now. */
void semctl_uring_exit(void)
{
	cancel_delayed_work_sync(&semctl_reap_work);
	kmem_cache_destroy(semctl_async_cache);
}

/* Ring or task exit: io_uring guarantees the command is not done yet. */
static void semctl_async_cancel(struct io_uring_cmd *cmd,
				unsigned int issue_flags)
{
	struct semctl_async *async = *semctl_uring_pdu(cmd);

	/* Already granted or ended: its task work completes it. */
	if (!semctl_sem_dequeue(async->sem, &async->waiter, -ECANCELED))
		return;
	semctl_async_complete(async, -ECANCELED, issue_flags);
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
	async->cmd = cmd;
	async->sem = sfile->sem;
	if (deadline) {
		hrtimer_init(&async->timer, clock, HRTIMER_MODE_ABS);
		async->timer.function = semctl_async_timeout;
		async->timed = true;
	}
	*semctl_uring_pdu(cmd) = async;

	ret = semctl_sem_queue_async(sfile->sem, &async->waiter);
	if (ret) {
		kmem_cache_free(semctl_async_cache, async);
		return ret < 0 ? ret : 0;
	}
	/*
	 * Completions run as task work of this very task, so nothing can
	 * complete the command before we return: marking it and arming the
	 * timer after queueing is safe.
	 */
	if (SEMCTL_URING_REAPS)
		semctl_reap_add(async);
	else
		semctl_uring_mark_cancelable(cmd, issue_flags);
	if (deadline)
		hrtimer_start(&async->timer, *deadline, HRTIMER_MODE_ABS);
	return -EIOCBQUEUED;
}

static int semctl_uring_block(struct semctl_file *sfile,
			      struct io_uring_cmd *cmd,
			      const struct semctl_acquire *args,
			      const ktime_t *deadline, clockid_t clock,
			      unsigned int issue_flags)
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
	/* A worker is only ever signalled by io_uring to cancel it. */
	if (ret == -ERESTARTSYS)
		ret = -ECANCELED;
	if (!ret && semctl_uring_ring_dying(cmd)) {
		semctl_sem_give_back(sfile->sem, waiter.undo_to, waiter.count);
		ret = -ECANCELED;
	}
	return ret;
}

static int semctl_uring_acquire(struct semctl_file *sfile,
				struct io_uring_cmd *cmd,
				unsigned int issue_flags)
{
	const struct semctl_uring_acquire *area = semctl_uring_cmd_area(cmd);
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
	/* Issued from its task (not io-wq): see the top of this file. */
	if (issue_flags & IO_URING_F_NONBLOCK)
		return semctl_uring_queue(sfile, cmd, &args, until, clock,
					  issue_flags);
	return semctl_uring_block(sfile, cmd, &args, until, clock,
				  issue_flags);
}

static int semctl_uring_cancel(struct semctl_file *sfile,
			       struct io_uring_cmd *cmd)
{
	const struct semctl_uring_cancel *area = semctl_uring_cmd_area(cmd);
	u64 user_data = READ_ONCE(area->user_data);
	unsigned int cancelled;

	if (READ_ONCE(area->reserved))
		return -EINVAL;
	cancelled = semctl_sem_cancel_tagged(sfile->sem, sfile, user_data);
	return cancelled ? cancelled : -ENOENT;
}

int semctl_uring_cmd(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct semctl_file *sfile = cmd->file->private_data;

	if (issue_flags & SEMCTL_URING_F_CANCEL) {
		semctl_async_cancel(cmd, issue_flags);
		return 0;
	}
	switch (cmd->cmd_op) {
	case SEMCTL_URING_CMD_ACQUIRE:
		return semctl_uring_acquire(sfile, cmd, issue_flags);
	case SEMCTL_URING_CMD_CANCEL:
		return semctl_uring_cancel(sfile, cmd);
	default:
		return -EOPNOTSUPP;
	}
}
