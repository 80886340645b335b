// SPDX-License-Identifier: GPL-2.0
/*
 * The semaphore core: one counter and one FIFO of waiters under one lock.
 *
 * Waiters are served strictly in arrival order: a release hands units to
 * the waiters at the head of the queue while they fit, and stops at the
 * first one that does not. A granted waiter already owns its units when
 * it is woken, so a release wakes exactly the waiters it satisfies and
 * a woken waiter never has to compete again. Wake-ups are collected under
 * the lock and issued after it is dropped.
 *
 * The value lives in one 64-bit word that processes may map and change
 * themselves while nobody waits (semctl_sem_map()). Every change the
 * kernel makes starts by claiming the word (setting SEMCTL_VALUE_KERNEL,
 * after which a mapping process makes the syscall instead) and ends by
 * settling it, which keeps the bit while the kernel must see every change:
 * queued acquirers (FIFO order), pollers (their wake-up), poison, units
 * held with undo (paid back by releases).
 *
 * A blocked acquire that a signal interrupts leaves a parked waiter in its
 * place for up to signal_grace_ms: the waiters behind cannot pass it, and
 * the same thread coming back with the same request (an SA_RESTART
 * restart, a stop and continue, io_uring task work) takes the place back.
 * A parked waiter is never granted: when its turn comes it leaves, as it
 * does when the grace ends.
 *
 * The lock is irq-safe, as every wait queue's, but never taken in hard
 * irq (timeouts of thread-less waiters run from a workqueue), and the work
 * done under it is bounded: at most SEMCTL_WAKE_BATCH tasks and
 * SEMCTL_END_BATCH waits are ended, and SEMCTL_LOOK_BATCH waiters looked
 * at, per hold. Past that the lock is dropped, the batch is issued, and
 * the walk goes on (a bookmark holds its place where it must).
 */
#include <linux/hrtimer.h>
#include <linux/minmax.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/user_namespace.h>
#include <linux/wait_bit.h>
#include <linux/workqueue.h>

#include "semctl.h"

/*
 * What to do once the lock is dropped: tasks to wake and async waiters to
 * finish. Code that ends waits with the lock held stops at a full batch,
 * drops the lock to issue it and carries on (semctl_wake_batch_full()).
 */
#define SEMCTL_WAKE_BATCH	16
#define SEMCTL_END_BATCH	64
#define SEMCTL_LOOK_BATCH	256

struct semctl_wake_batch {
	unsigned int nr;		/* tasks to wake */
	unsigned int ended;		/* waits ended, of any kind */
	struct task_struct *tasks[SEMCTL_WAKE_BATCH];
	struct list_head finished;
};

#define SEMCTL_WAKE_BATCH_INIT(name) \
	{ .nr = 0, .ended = 0, .finished = LIST_HEAD_INIT((name).finished) }

/*
 * The place of an interrupted acquire, held for its thread (see the top of
 * the file). Its delayed work runs exactly once, at the end of the grace,
 * and frees it; it holds a reference on the semaphore until then.
 */
struct semctl_parked {
	struct semctl_waiter waiter;
	struct list_head park_node;	/* in sem->parked while queued */
	struct semctl_sem *sem;
	struct delayed_work expire;
};

/* Semaphores in their own cache: no rounding up to a kmalloc size. */
static struct kmem_cache *semctl_sem_cache;

/* Timeouts of thread-less waiters and parked waiters' ends run here. */
struct workqueue_struct *semctl_wq;

/* Parked waiters not freed yet: module exit waits for them. */
static atomic_t semctl_parked_alive = ATOMIC_INIT(0);

int semctl_sem_cache_init(void)
{
	semctl_sem_cache = KMEM_CACHE(semctl_sem, SLAB_ACCOUNT);
	if (!semctl_sem_cache)
		return -ENOMEM;
	semctl_wq = alloc_workqueue("semctl", WQ_UNBOUND, 0);
	if (!semctl_wq) {
		kmem_cache_destroy(semctl_sem_cache);
		return -ENOMEM;
	}
	return 0;
}

void semctl_sem_cache_exit(void)
{
	/* A parked waiter's work is queued only when its grace ends. */
	wait_var_event(&semctl_parked_alive,
		       !atomic_read(&semctl_parked_alive));
	destroy_workqueue(semctl_wq);
	kmem_cache_destroy(semctl_sem_cache);
}

static bool semctl_sem_is_mapped(struct semctl_sem *sem)
{
	return READ_ONCE(sem->word) != &sem->value;
}

/* A parked waiter leaves the queue's count of parked places. */
static void semctl_parked_leave(struct semctl_sem *sem,
				struct semctl_waiter *waiter)
{
	lockdep_assert_held(&sem->wait.lock);
	sem->nr_parked--;
	list_del(&container_of(waiter, struct semctl_parked,
			       waiter)->park_node);
}

/* Whether anybody is queued; a walk's bookmark does not count. */
static bool semctl_sem_has_waiters(struct semctl_sem *sem)
{
	lockdep_assert_held(&sem->wait.lock);
	return sem->nr_waiters || sem->nr_parked;
}

/* A new semaphore counted against its creator. Return: it or ERR_PTR. */
struct semctl_sem *semctl_sem_alloc(u64 value, u64 max, umode_t mode)
{
	struct semctl_sem *sem;
	int ret;

	ret = semctl_user_charge(current_euid());
	if (ret)
		return ERR_PTR(ret);
	sem = kmem_cache_zalloc(semctl_sem_cache, GFP_KERNEL_ACCOUNT);
	if (!sem) {
		semctl_user_uncharge(current_euid());
		return ERR_PTR(-ENOMEM);
	}
	init_waitqueue_head(&sem->wait);
	atomic64_set(&sem->value, value);
	sem->word = &sem->value;
	sem->max = max;
	INIT_LIST_HEAD(&sem->waiters);
	INIT_LIST_HEAD(&sem->parked);
	INIT_LIST_HEAD(&sem->undo_files);
	kref_init(&sem->ref);
	sem->uid = current_euid();
	sem->gid = current_egid();
	sem->mode = mode;
	return sem;
}

void semctl_sem_get(struct semctl_sem *sem)
{
	kref_get(&sem->ref);
}

static void semctl_sem_free(struct kref *ref)
{
	struct semctl_sem *sem = container_of(ref, struct semctl_sem, ref);

	WARN_ON_ONCE(!list_empty(&sem->waiters));
	/* Mappings hold their own page references. */
	if (semctl_sem_is_mapped(sem))
		put_page(virt_to_page(sem->word));
	semctl_user_uncharge(sem->uid);
	kfree(sem->name);
	kmem_cache_free(semctl_sem_cache, sem);
}

void semctl_sem_put(struct semctl_sem *sem)
{
	kref_put(&sem->ref, semctl_sem_free);
}

/*
 * Claim the value word: from here until semctl_value_settle() a mapping
 * process leaves it alone. A mapping process may have written anything
 * into it; the units are read back as at most the maximum.
 */
static u64 semctl_value_claim(struct semctl_sem *sem)
{
	u64 word;

	lockdep_assert_held(&sem->wait.lock);
	if (semctl_sem_is_mapped(sem))
		word = atomic64_fetch_or(SEMCTL_VALUE_KERNEL, sem->word);
	else
		word = atomic64_read(sem->word);
	return min(word & SEMCTL_VALUE_MAX, sem->max);
}

/*
 * Whether a mapping process must leave every change to the kernel: FIFO
 * order, wake-ups, poison, and a release paying back units held with undo
 * need it.
 */
static bool semctl_sem_needs_kernel(struct semctl_sem *sem)
{
	lockdep_assert_held(&sem->wait.lock);
	if (sem->poisoned || semctl_sem_has_waiters(sem) || sem->undo_total)
		return true;
	/* Pollers are added under wait.lock, which we hold: no barrier. */
	return waitqueue_active(&sem->wait);
}

/* Store the units and give the word back unless the kernel still needs it. */
static void semctl_value_settle(struct semctl_sem *sem, u64 value)
{
	lockdep_assert_held(&sem->wait.lock);
	if (semctl_sem_needs_kernel(sem))
		value |= SEMCTL_VALUE_KERNEL;
	/* A process taking units with a CAS sees what the releaser wrote. */
	atomic64_set_release(sem->word, value);
}

/* Whether ending one more wait must wait for an unlock. */
static bool semctl_wake_batch_full(const struct semctl_wake_batch *batch)
{
	return batch->nr == SEMCTL_WAKE_BATCH ||
	       batch->ended == SEMCTL_END_BATCH;
}

/*
 * End @waiter's wait with @status (1: granted, or -errno); it is already
 * off the queue. A blocked task may return as soon as it sees the status,
 * so its task is pinned first, and the batch must have room for it; an
 * async waiter is finished after unlock; a parked waiter has nobody to
 * tell (its work frees it) and was not counted a waiter.
 */
static void semctl_waiter_end(struct semctl_sem *sem,
			      struct semctl_wake_batch *batch,
			      struct semctl_waiter *waiter, int status)
{
	struct task_struct *task = waiter->task;

	lockdep_assert_held(&sem->wait.lock);
	WARN_ON_ONCE(semctl_wake_batch_full(batch));
	batch->ended++;
	if (waiter->parked) {
		semctl_parked_leave(sem, waiter);
		waiter->status = status;
		return;
	}
	sem->nr_waiters--;
	if (!task) {
		waiter->status = status;
		list_add_tail(&waiter->node, &batch->finished);
		return;
	}
	get_task_struct(task);
	/* Pairs with smp_load_acquire() in semctl_sem_sleep(). */
	smp_store_release(&waiter->status, status);
	batch->tasks[batch->nr++] = task;
}

/* Issue @batch (no lock held) and leave it empty for reuse. */
static void semctl_wake_batch_issue(struct semctl_wake_batch *batch)
{
	struct semctl_waiter *waiter, *next;
	unsigned int i;

	for (i = 0; i < batch->nr; i++) {
		wake_up_process(batch->tasks[i]);
		put_task_struct(batch->tasks[i]);
	}
	batch->nr = 0;
	batch->ended = 0;
	list_for_each_entry_safe(waiter, next, &batch->finished, node) {
		list_del(&waiter->node);
		waiter->finish(waiter);
	}
}

/*
 * Whether @count more units fit the undo records. Releases through another
 * open file do not pay a record, so records can outgrow what is held:
 * their sum stays within the maximum, and an acquire with undo that would
 * pass it fails with -ERANGE (as SysV does past SEMVMX).
 */
static bool semctl_undo_fits(struct semctl_sem *sem, struct semctl_file *file,
			     u64 count)
{
	lockdep_assert_held(&sem->wait.lock);
	return !file || count <= sem->max - sem->undo_total;
}

/* Record @count units on @file for undo; they come back on its last close. */
static void semctl_undo_add(struct semctl_sem *sem, struct semctl_file *file,
			    u64 count)
{
	lockdep_assert_held(&sem->wait.lock);
	if (!file || !count)
		return;
	if (!file->undo) {
		list_add_tail(&file->undo_node, &sem->undo_files);
		sem->nr_undo_files++;
	}
	file->undo += count;
	sem->undo_total += count;
}

/* Pay back up to @count units of @file's undo record. */
static void semctl_undo_pay(struct semctl_sem *sem, struct semctl_file *file,
			    u64 count)
{
	lockdep_assert_held(&sem->wait.lock);
	if (!file || !file->undo)
		return;
	count = min(file->undo, count);
	file->undo -= count;
	sem->undo_total -= count;
	if (!file->undo) {
		list_del_init(&file->undo_node);
		sem->nr_undo_files--;
	}
}

/*
 * Name the current process as @file's undo holder (SEMCTL_IOC_HOLDERS),
 * from an acquire's own context: a grant may run in the releaser's. The
 * name it replaces goes to @drop, for put_pid() once the lock is dropped.
 */
static void semctl_undo_note_holder(struct semctl_sem *sem,
				    struct semctl_file *file, struct pid **drop)
{
	struct pid *pid = task_tgid(current);

	lockdep_assert_held(&sem->wait.lock);
	if (!file || file->undo_pid == pid)
		return;
	*drop = file->undo_pid;
	file->undo_pid = get_pid(pid);
}

/* What poll reports: acquire 1 would succeed now / release 1 would fit. */
static __poll_t semctl_sem_mask_locked(struct semctl_sem *sem, u64 value)
{
	__poll_t mask = 0;

	lockdep_assert_held(&sem->wait.lock);
	/*
	 * The bits eventfd reports (IN, OUT), not RDNORM/WRNORM: a drop-in
	 * replacement shows callers the same mask. Poisoned: wake readers,
	 * whose read then fails with EIDRM.
	 */
	if (sem->poisoned)
		mask |= EPOLLIN | EPOLLERR | EPOLLHUP;
	else if (value && !semctl_sem_has_waiters(sem))
		mask |= EPOLLIN;
	if (value < sem->max)
		mask |= EPOLLOUT;
	return mask;
}

/*
 * The caller has just added itself to the poll wait queue (if it waits):
 * claiming and settling the word makes every later release by a mapping
 * process come through the kernel, which wakes it.
 */
__poll_t semctl_sem_poll_mask(struct semctl_sem *sem)
{
	__poll_t mask;
	u64 value;

	spin_lock_irq(&sem->wait.lock);
	value = semctl_value_claim(sem);
	mask = semctl_sem_mask_locked(sem, value);
	semctl_value_settle(sem, value);
	spin_unlock_irq(&sem->wait.lock);
	return mask;
}

static void semctl_sem_wake_pollers(struct semctl_sem *sem, u64 value)
{
	lockdep_assert_held(&sem->wait.lock);
	/* Pollers are added under wait.lock, which we hold: no barrier. */
	if (waitqueue_active(&sem->wait))
		wake_up_locked_poll(&sem->wait,
				    semctl_sem_mask_locked(sem, value));
}

/*
 * Hand units to the waiters at the head of the queue while they fit; a
 * parked waiter whose turn comes leaves instead.
 * Return: true if it stopped at a full batch, with more to grant maybe.
 */
static bool semctl_sem_grant(struct semctl_sem *sem, u64 *value,
			     struct semctl_wake_batch *batch)
{
	struct semctl_waiter *waiter, *next;

	lockdep_assert_held(&sem->wait.lock);
	list_for_each_entry_safe(waiter, next, &sem->waiters, node) {
		if (waiter->bookmark)
			continue;
		if (waiter->count > *value)
			break;
		if (semctl_wake_batch_full(batch))
			return true;
		list_del(&waiter->node);
		if (waiter->parked) {
			semctl_waiter_end(sem, batch, waiter, -EINTR);
			continue;
		}
		if (!semctl_undo_fits(sem, waiter->undo_to, waiter->count)) {
			semctl_waiter_end(sem, batch, waiter, -ERANGE);
			continue;
		}
		*value -= waiter->count;
		semctl_undo_add(sem, waiter->undo_to, waiter->count);
		semctl_waiter_end(sem, batch, waiter, 1);
	}
	return false;
}

/*
 * Grant what the claimed @value allows, wake pollers, settle the word and
 * drop the lock, issuing @batch; a full batch is issued between rounds, so
 * the lock is never held for more than one batch of grants.
 */
static void semctl_sem_grant_unlock(struct semctl_sem *sem, u64 value,
				    struct semctl_wake_batch *batch)
	__releases(&sem->wait.lock)
{
	bool more;

	lockdep_assert_held(&sem->wait.lock);
	for (;;) {
		more = semctl_sem_grant(sem, &value, batch);
		semctl_sem_wake_pollers(sem, value);
		semctl_value_settle(sem, value);
		spin_unlock_irq(&sem->wait.lock);
		semctl_wake_batch_issue(batch);
		if (!more)
			return;
		spin_lock_irq(&sem->wait.lock);
		value = semctl_value_claim(sem);
	}
}

/* Take the units now if nobody queued before us; lock held. */
static bool semctl_sem_take_locked(struct semctl_sem *sem, u64 *value,
				   struct semctl_file *undo_to, u64 count)
{
	lockdep_assert_held(&sem->wait.lock);
	if (semctl_sem_has_waiters(sem) || *value < count)
		return false;
	if (*value == sem->max)
		semctl_sem_wake_pollers(sem, *value - count);
	*value -= count;
	semctl_undo_add(sem, undo_to, count);
	return true;
}

/*
 * Sleep until the wait ends, a signal or the deadline. Returns the end's
 * status, or -ERESTARTSYS or -ETIMEDOUT while the waiter may still be
 * queued.
 */
static int semctl_sem_sleep(struct semctl_waiter *waiter,
			    const ktime_t *deadline, clockid_t clock)
{
	ktime_t expires;
	int status;

	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		/* Pairs with smp_store_release() in semctl_waiter_end(). */
		status = smp_load_acquire(&waiter->status);
		if (status)
			break;
		if (signal_pending(current)) {
			__set_current_state(TASK_RUNNING);
			return -ERESTARTSYS;
		}
		if (!deadline) {
			schedule();
			continue;
		}
		expires = *deadline;
		/* 0 means expired; a grant racing it is kept by the caller */
		if (!schedule_hrtimeout_range_clock(&expires, 0,
						    HRTIMER_MODE_ABS, clock))
			return -ETIMEDOUT;
	}
	__set_current_state(TASK_RUNNING);
	return status > 0 ? 0 : status;
}

/**
 * semctl_sem_dequeue - end a queued wait early
 * @sem:	the semaphore
 * @waiter:	a waiter queued on @sem
 * @status:	-errno to end it with
 *
 * Leaving may unblock the waiters behind (a large request at the head).
 *
 * Return: true if @waiter was still queued and now ends with @status;
 * false if its wait already ended (granted or cancelled) meanwhile.
 */
bool semctl_sem_dequeue(struct semctl_sem *sem, struct semctl_waiter *waiter,
			int status)
{
	struct semctl_wake_batch batch = SEMCTL_WAKE_BATCH_INIT(batch);

	spin_lock_irq(&sem->wait.lock);
	if (waiter->status) {
		spin_unlock_irq(&sem->wait.lock);
		return false;
	}
	list_del(&waiter->node);
	if (waiter->parked)
		semctl_parked_leave(sem, waiter);
	else
		sem->nr_waiters--;
	waiter->status = status;
	semctl_sem_grant_unlock(sem, semctl_value_claim(sem), &batch);
	return true;
}

/* The grace of a parked waiter ended: it leaves if still queued. */
static void semctl_parked_expire(struct work_struct *work)
{
	struct semctl_parked *parked = container_of(to_delayed_work(work),
						    struct semctl_parked,
						    expire);

	semctl_sem_dequeue(parked->sem, &parked->waiter, -EINTR);
	put_task_struct(parked->waiter.task);
	semctl_sem_put(parked->sem);
	kfree(parked);
	if (atomic_dec_and_test(&semctl_parked_alive))
		wake_up_var(&semctl_parked_alive);
}

/*
 * A signal interrupted @waiter: leave a parked waiter in its place for the
 * grace, unless parking is off or memory is short (then it just leaves).
 * Return: the wait's status if it ended meanwhile, else -ERESTARTSYS.
 */
static int semctl_sem_park(struct semctl_sem *sem,
			   struct semctl_waiter *waiter)
{
	unsigned int grace_ms = READ_ONCE(semctl_signal_grace_ms);
	struct semctl_parked *parked = NULL;

	if (grace_ms && !fatal_signal_pending(current))
		parked = kzalloc(sizeof(*parked), GFP_KERNEL_ACCOUNT);
	if (!parked) {
		if (semctl_sem_dequeue(sem, waiter, -ERESTARTSYS))
			return -ERESTARTSYS;
		return waiter->status;
	}
	parked->waiter.count = waiter->count;
	parked->waiter.undo_to = waiter->undo_to;
	parked->waiter.task = get_task_struct(current);
	parked->waiter.parked = true;
	parked->sem = sem;
	INIT_DELAYED_WORK(&parked->expire, semctl_parked_expire);

	spin_lock_irq(&sem->wait.lock);
	if (waiter->status) {
		/* Granted or ended as the signal came: nothing to keep. */
		spin_unlock_irq(&sem->wait.lock);
		put_task_struct(current);
		kfree(parked);
		return waiter->status;
	}
	list_replace(&waiter->node, &parked->waiter.node);
	waiter->status = -ERESTARTSYS;
	sem->nr_waiters--;
	sem->nr_parked++;
	list_add_tail(&parked->park_node, &sem->parked);
	semctl_sem_get(sem);
	atomic_inc(&semctl_parked_alive);
	queue_delayed_work(semctl_wq, &parked->expire,
			   msecs_to_jiffies(grace_ms));
	spin_unlock_irq(&sem->wait.lock);
	return -ERESTARTSYS;
}

/*
 * The place @waiter's thread left when a signal interrupted the same
 * request, if it is still queued: @waiter takes it. Lock held.
 */
static bool semctl_sem_unpark(struct semctl_sem *sem,
			      struct semctl_waiter *waiter)
{
	struct semctl_parked *parked;

	lockdep_assert_held(&sem->wait.lock);
	/* Only the places of interrupted threads: a handful at a time. */
	list_for_each_entry(parked, &sem->parked, park_node) {
		if (parked->waiter.task != current ||
		    parked->waiter.count != waiter->count ||
		    parked->waiter.undo_to != waiter->undo_to)
			continue;
		list_replace(&parked->waiter.node, &waiter->node);
		parked->waiter.status = -EINTR;
		semctl_parked_leave(sem, &parked->waiter);
		sem->nr_waiters++;
		waiter->status = 0;
		return true;
	}
	return false;
}

/*
 * Take the units now, or queue @waiter (unless @try); lock held.
 * Return: 1 if taken, 0 if not, -EIDRM if the semaphore is poisoned,
 * -ERANGE if the units would not fit the undo records.
 */
static int semctl_sem_take_or_queue(struct semctl_sem *sem,
				    struct semctl_waiter *waiter, bool try,
				    struct pid **drop)
{
	int ret = 0;
	u64 value;

	lockdep_assert_held(&sem->wait.lock);
	if (sem->poisoned)
		return -EIDRM;
	if (waiter->may_park && !try && semctl_sem_unpark(sem, waiter))
		return 0;
	value = semctl_value_claim(sem);
	/*
	 * Like a grant, taking now must fit the undo records; a waiter's
	 * records are checked when it is granted (semctl_sem_grant()).
	 */
	if (!semctl_sem_has_waiters(sem) && value >= waiter->count &&
	    !semctl_undo_fits(sem, waiter->undo_to, waiter->count)) {
		ret = -ERANGE;
	} else if (semctl_sem_take_locked(sem, &value, waiter->undo_to,
					  waiter->count)) {
		ret = 1;
	} else if (!try) {
		waiter->status = 0;
		list_add_tail(&waiter->node, &sem->waiters);
		sem->nr_waiters++;
	}
	semctl_value_settle(sem, value);
	if (ret == 1 || (!ret && !try))
		semctl_undo_note_holder(sem, waiter->undo_to, drop);
	return ret;
}

/**
 * semctl_sem_wait - take @waiter's units, in FIFO order with other waiters
 * @sem:	the semaphore
 * @waiter:	count, undo_to, owner and tag filled by the caller
 * @try:	fail with -EAGAIN instead of waiting
 * @deadline:	absolute time on @clock to give up at, or NULL
 * @clock:	CLOCK_MONOTONIC or CLOCK_REALTIME
 *
 * Return: 0, -EAGAIN, -ETIMEDOUT, -ERESTARTSYS, -ECANCELED, -EIDRM or -ERANGE.
 */
int semctl_sem_wait(struct semctl_sem *sem, struct semctl_waiter *waiter,
		    bool try, const ktime_t *deadline, clockid_t clock)
{
	struct pid *drop = NULL;
	int ret;

	waiter->task = current;
	spin_lock_irq(&sem->wait.lock);
	ret = semctl_sem_take_or_queue(sem, waiter, try, &drop);
	spin_unlock_irq(&sem->wait.lock);
	put_pid(drop);
	if (ret)
		return ret < 0 ? ret : 0;
	if (try)
		return -EAGAIN;

	ret = semctl_sem_sleep(waiter, deadline, clock);
	/* A grant racing the signal or timeout wins: nothing lost. */
	if (ret == -ERESTARTSYS && waiter->may_park)
		ret = semctl_sem_park(sem, waiter);
	else if ((ret == -ERESTARTSYS || ret == -ETIMEDOUT) &&
		 !semctl_sem_dequeue(sem, waiter, ret))
		ret = waiter->status;
	return ret > 0 ? 0 : ret;
}

/*
 * semctl_sem_wait() for a system call (no cancel tag): a signal parks the
 * wait, so that the call's restart finds its place.
 */
int semctl_sem_acquire(struct semctl_sem *sem, struct semctl_file *undo_to,
		       u64 count, bool try, const ktime_t *deadline,
		       clockid_t clock)
{
	struct semctl_waiter waiter = {
		.count = count,
		.undo_to = undo_to,
		.may_park = true,
	};

	return semctl_sem_wait(sem, &waiter, try, deadline, clock);
}

/**
 * semctl_sem_queue_async - take @waiter's units now or queue it
 * @sem:	the semaphore
 * @waiter:	count, undo_to, owner, tag and finish filled by the caller
 *
 * Once queued, @waiter ends exactly once: granted by a release, or by
 * semctl_sem_dequeue() or semctl_sem_cancel_tagged(); its finish() is then
 * called without the lock held.
 *
 * Return: 1 if the units were taken at once (nothing queued), 0 once
 * queued, -EIDRM if the semaphore is poisoned.
 */
int semctl_sem_queue_async(struct semctl_sem *sem,
			   struct semctl_waiter *waiter)
{
	struct pid *drop = NULL;
	int ret;

	waiter->task = NULL;
	spin_lock_irq(&sem->wait.lock);
	ret = semctl_sem_take_or_queue(sem, waiter, false, &drop);
	spin_unlock_irq(&sem->wait.lock);
	put_pid(drop);
	return ret;
}

/**
 * semctl_sem_poison - close the semaphore to acquirers for good
 * @sem:	the semaphore
 *
 * Every queued waiter ends with -EIDRM, and so does every later acquire;
 * releases still work, so holders can finish.
 */
void semctl_sem_poison(struct semctl_sem *sem)
{
	struct semctl_wake_batch batch = SEMCTL_WAKE_BATCH_INIT(batch);
	struct semctl_waiter *waiter;
	u64 value;

	spin_lock_irq(&sem->wait.lock);
	value = semctl_value_claim(sem);
	sem->poisoned = true;
	/* Nobody queues once poisoned; a cancel's bookmark stays for it. */
	while (semctl_sem_has_waiters(sem)) {
		if (semctl_wake_batch_full(&batch)) {
			semctl_value_settle(sem, value);
			spin_unlock_irq(&sem->wait.lock);
			semctl_wake_batch_issue(&batch);
			spin_lock_irq(&sem->wait.lock);
			value = semctl_value_claim(sem);
			continue;
		}
		list_for_each_entry(waiter, &sem->waiters, node)
			if (!waiter->bookmark)
				break;
		list_del(&waiter->node);
		semctl_waiter_end(sem, &batch, waiter, -EIDRM);
	}
	semctl_sem_wake_pollers(sem, value);
	semctl_value_settle(sem, value);
	spin_unlock_irq(&sem->wait.lock);
	semctl_wake_batch_issue(&batch);
}

/**
 * semctl_sem_cancel_tagged - cancel the waits an io_uring cancel names
 * @sem:	the semaphore
 * @owner:	the open file the waits were submitted on
 * @tag:	their io_uring user_data
 *
 * Return: how many waits now end with -ECANCELED.
 */
unsigned int semctl_sem_cancel_tagged(struct semctl_sem *sem,
				      struct semctl_file *owner, u64 tag)
{
	struct semctl_wake_batch batch = SEMCTL_WAKE_BATCH_INIT(batch);
	struct semctl_waiter bookmark = { .bookmark = true };
	struct semctl_waiter *waiter;
	unsigned int cancelled = 0, looked = 0;
	struct list_head *pos;

	spin_lock_irq(&sem->wait.lock);
	pos = sem->waiters.next;
	while (pos != &sem->waiters) {
		if (++looked > SEMCTL_LOOK_BATCH ||
		    semctl_wake_batch_full(&batch)) {
			/* Keep our place across the unlock: grants skip it. */
			list_add_tail(&bookmark.node, pos);
			spin_unlock_irq(&sem->wait.lock);
			semctl_wake_batch_issue(&batch);
			cond_resched();
			spin_lock_irq(&sem->wait.lock);
			pos = bookmark.node.next;
			list_del(&bookmark.node);
			looked = 0;
			continue;
		}
		waiter = list_entry(pos, struct semctl_waiter, node);
		pos = pos->next;
		if (waiter->bookmark || waiter->owner != owner ||
		    waiter->tag != tag)
			continue;
		list_del(&waiter->node);
		semctl_waiter_end(sem, &batch, waiter, -ECANCELED);
		cancelled++;
	}
	/* Leaving may let the waiters behind through; so may a bookmark's. */
	semctl_sem_grant_unlock(sem, semctl_value_claim(sem), &batch);
	return cancelled;
}

/**
 * semctl_sem_release - give back @count units, all or nothing
 * @sem:	the semaphore
 * @undo_from:	open file whose undo record is paid back first, or NULL
 * @count:	units, at least 1 (checked by the caller)
 * @previous:	out: the value before the release
 *
 * Return: 0, or -EOVERFLOW if the value would exceed the maximum.
 */
int semctl_sem_release(struct semctl_sem *sem, struct semctl_file *undo_from,
		       u64 count, u64 *previous)
{
	struct semctl_wake_batch batch = SEMCTL_WAKE_BATCH_INIT(batch);
	u64 value;

	spin_lock_irq(&sem->wait.lock);
	value = semctl_value_claim(sem);
	if (count > sem->max - value) {
		semctl_value_settle(sem, value);
		spin_unlock_irq(&sem->wait.lock);
		return -EOVERFLOW;
	}
	*previous = value;
	semctl_undo_pay(sem, undo_from, count);
	semctl_sem_grant_unlock(sem, value + count, &batch);
	return 0;
}

/**
 * semctl_sem_give_back - return units whose taker cannot use them
 * @sem:	the semaphore
 * @undo_from:	open file whose undo record they are paid from, or NULL
 * @count:	units
 *
 * For a dying holder or a request whose completion nobody will see; it
 * cannot fail. If plain releases (by anyone with the write right) already
 * refilled the semaphore, the value stops at the maximum: the surplus is
 * dropped, as the value can never exceed the maximum (undo.c tests it).
 */
void semctl_sem_give_back(struct semctl_sem *sem,
			  struct semctl_file *undo_from, u64 count)
{
	struct semctl_wake_batch batch = SEMCTL_WAKE_BATCH_INIT(batch);
	u64 value;

	spin_lock_irq(&sem->wait.lock);
	value = semctl_value_claim(sem);
	value += min(count, sem->max - value);
	semctl_undo_pay(sem, undo_from, count);
	semctl_sem_grant_unlock(sem, value, &batch);
}

/* The last close of an open file: nothing else can change its undo now. */
void semctl_sem_return_undo(struct semctl_sem *sem, struct semctl_file *file)
{
	if (file->undo)
		semctl_sem_give_back(sem, file, file->undo);
}

/**
 * semctl_sem_map_page - the page holding the value word, for mmap()
 * @sem:	the semaphore
 *
 * The word moves from the semaphore into a page of its own on the first
 * call and stays there: only mapped semaphores pay for a page.
 *
 * Return: the page, or NULL when out of memory. The caller maps it; the
 * semaphore keeps its own reference until it is freed.
 */
struct page *semctl_sem_map_page(struct semctl_sem *sem)
{
	struct page *page;
	atomic64_t *word;

	if (semctl_sem_is_mapped(sem))
		goto out;
	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!page)
		return NULL;
	word = page_address(page);
	spin_lock_irq(&sem->wait.lock);
	if (semctl_sem_is_mapped(sem)) {
		/* Another mmap() won the race. */
		spin_unlock_irq(&sem->wait.lock);
		put_page(page);
		goto out;
	}
	atomic64_set(word, atomic64_read(&sem->value));
	/* For the mapping processes only: the kernel never reads it back. */
	atomic64_set(&word[1], sem->max);
	/* Pairs with smp_load_acquire() in semctl_sem_value(). */
	smp_store_release(&sem->word, word);
	spin_unlock_irq(&sem->wait.lock);
out:
	return virt_to_page(READ_ONCE(sem->word));
}

/* The units available, for reports; no lock needed. */
u64 semctl_sem_value(struct semctl_sem *sem)
{
	/* Pairs with smp_store_release() in semctl_sem_map_page(). */
	atomic64_t *word = smp_load_acquire(&sem->word);

	return min(atomic64_read(word) & SEMCTL_VALUE_MAX, sem->max);
}

/* Fill what any reader may know of @sem; the caller adds per-file state. */
void semctl_sem_info(struct semctl_sem *sem, struct semctl_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	spin_lock_irq(&sem->wait.lock);
	info->value = semctl_sem_value(sem);
	info->waiters = sem->nr_waiters;
	info->undo_total = sem->undo_total;
	spin_unlock_irq(&sem->wait.lock);
	info->max = sem->max;
	info->uid = from_kuid_munged(current_user_ns(), sem->uid);
	info->gid = from_kgid_munged(current_user_ns(), sem->gid);
	info->mode = sem->mode;
	if (READ_ONCE(sem->poisoned))
		info->flags |= SEMCTL_INFO_POISONED;
	if (sem->name) {
		info->flags |= SEMCTL_INFO_NAMED;
		strscpy(info->name, sem->name, sizeof(info->name));
	}
}

/**
 * semctl_sem_holders - who holds units with undo, and who waits
 * @sem:	the semaphore
 * @out:	room for @room entries
 * @room:	at most SEMCTL_HOLDERS_MAX
 * @holders:	out: open files holding units with undo
 * @waiters:	out: queued acquires
 *
 * One snapshot under the lock: holders first, then waiters in FIFO order.
 * PIDs are the caller's view (0: not in its PID namespace). The walk looks
 * at no more than 2 * SEMCTL_HOLDERS_MAX entries with interrupts off.
 *
 * Return: the entries written.
 */
u32 semctl_sem_holders(struct semctl_sem *sem, struct semctl_holder *out,
		       u32 room, u64 *holders, u64 *waiters)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	unsigned int looked = 0, look_max = 2 * SEMCTL_HOLDERS_MAX;
	struct semctl_waiter *waiter;
	struct semctl_file *file;
	u32 n = 0;

	spin_lock_irq(&sem->wait.lock);
	list_for_each_entry(file, &sem->undo_files, undo_node) {
		if (n == room)
			break;
		out[n].count = file->undo;
		out[n].pid = pid_nr_ns(file->undo_pid, ns);
		out[n].flags = 0;
		n++;
	}
	list_for_each_entry(waiter, &sem->waiters, node) {
		if (n == room || ++looked > look_max)
			break;
		if (waiter->bookmark || waiter->parked)
			continue;
		out[n].count = waiter->count;
		out[n].pid = pid_nr_ns(waiter->task ? task_tgid(waiter->task) :
				       waiter->pid, ns);
		out[n].flags = SEMCTL_HOLDER_WAITING |
			       (waiter->task ? 0 : SEMCTL_HOLDER_ASYNC);
		n++;
	}
	*holders = sem->nr_undo_files;
	*waiters = sem->nr_waiters;
	spin_unlock_irq(&sem->wait.lock);
	return n;
}
