/* SPDX-License-Identifier: GPL-2.0 */
/*
 * semctl internals shared by the files of the module.
 *
 * Lifetime: a struct semctl_sem is reference counted. Every open semaphore
 * file holds one reference, and the name table holds one while the name
 * is linked. The semaphore is freed when the last reference goes.
 *
 * Locking:
 *   semctl_names_lock (mutex, names.c) protects the per-namespace name
 *     tables (rhashtables, looked up under it too, not under RCU alone)
 *     and creation-order xarrays, and the name fields of every semaphore.
 *     It nests outside sem->wait.lock and is never held across a copy to
 *     or from user memory.
 *   sem->wait.lock (spinlock) protects sem->waiters, sem->nr_waiters,
 *     sem->parked, sem->nr_parked, sem->word (the pointer), every change
 *     the kernel makes to the value word, and the undo count, undo_node
 *     and undo_pid of every open file of the semaphore, with
 *     sem->undo_files and sem->nr_undo_files. Readers that only report (fdinfo, query) may
 *     read the word without it. A process that maps the word changes it
 *     with atomic compare-and-swap, only while SEMCTL_VALUE_KERNEL is clear.
 *     It is irq-safe like every wait queue's lock but never taken in hard
 *     irq, and the work under it is bounded (semaphore.c). Walkers skip
 *     bookmark entries; "anybody queued" is nr_waiters + nr_parked, not
 *     list_empty().
 */
#ifndef _SEMCTL_H
#define _SEMCTL_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/rhashtable-types.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/semctl.h>

#include "compat.h"

struct attribute_group;
struct page;
struct file;
struct semctl_file;

struct semctl_sem {
	/* poll and io_uring waiters; its lock is the semaphore lock */
	wait_queue_head_t wait;
	/*
	 * The value word: units available, and SEMCTL_VALUE_KERNEL while the
	 * kernel must see every change. @word points at @value until the
	 * semaphore is first mapped, then into a page of its own.
	 */
	atomic64_t value;
	atomic64_t *word;
	u64 max;
	/* blocked acquirers in arrival order (struct semctl_waiter) */
	struct list_head waiters;
	u64 nr_waiters;		/* parked ones are not counted */
	unsigned int nr_parked;	/* places held for interrupted threads */
	struct list_head parked;	/* those places (semaphore.c) */
	u64 undo_total;		/* sum of the undo of every open file */
	/* open files whose undo is not 0, in the order it became so */
	struct list_head undo_files;
	u64 nr_undo_files;
	bool poisoned;		/* acquires fail with EIDRM from now on */
	struct kref ref;

	/* constant after creation */
	kuid_t uid;
	kgid_t gid;
	umode_t mode;

	/* in its namespace's name table while linked; semctl_names_lock */
	struct rhash_head name_hash;
	/* index in its namespace's order xarray while linked, else 0 */
	u64 id;
	char *name;		/* NULL when anonymous; constant once set */
};

/* The state of one open file of a semaphore. */
struct semctl_file {
	struct semctl_sem *sem;
	u64 undo;		/* units held with undo, under sem->wait.lock */
	struct list_head undo_node;	/* in sem->undo_files while undo */
	struct pid *undo_pid;	/* last process to acquire with undo here */
	unsigned int rights;	/* SEMCTL_OPEN_READ | SEMCTL_OPEN_WRITE */
	bool undo_reads;	/* SEMCTL_FD_UNDO */
};

/*
 * One acquire waiting in sem->waiters: a blocked task, or an async request
 * (task NULL) finished by finish() once its wait ends.
 */
struct semctl_waiter {
	struct list_head node;		/* in sem->waiters */
	u64 count;
	struct semctl_file *undo_to;	/* record the units for undo, or NULL */
	struct semctl_file *owner;	/* open file a cancel may name, or NULL */
	u64 tag;			/* io_uring user_data, with @owner */
	struct task_struct *task;
	struct pid *pid;	/* async: the submitter (uring.c's reference) */
	void (*finish)(struct semctl_waiter *waiter);
	/* 0 while queued, then 1 (granted) or -errno; set under the lock */
	int status;
	bool may_park;		/* a signal parks it (a system call's wait) */
	bool parked;		/* a place held for @task, never granted */
	bool bookmark;		/* a walk's place across an unlock: skipped */
};

/* semaphore.c: the counter and its FIFO of waiters */
struct workqueue_struct;
extern struct workqueue_struct *semctl_wq;
int semctl_sem_cache_init(void);
void semctl_sem_cache_exit(void);
struct semctl_sem *semctl_sem_alloc(u64 value, u64 max, umode_t mode);	/* ERR_PTR */
void semctl_sem_get(struct semctl_sem *sem);
void semctl_sem_put(struct semctl_sem *sem);
int semctl_sem_acquire(struct semctl_sem *sem, struct semctl_file *undo_to,
		       u64 count, bool try, const ktime_t *deadline,
		       clockid_t clock);
int semctl_sem_wait(struct semctl_sem *sem, struct semctl_waiter *waiter,
		    bool try, const ktime_t *deadline, clockid_t clock);
int semctl_sem_queue_async(struct semctl_sem *sem,
			   struct semctl_waiter *waiter);
void semctl_sem_poison(struct semctl_sem *sem);
bool semctl_sem_dequeue(struct semctl_sem *sem, struct semctl_waiter *waiter,
			int status);
unsigned int semctl_sem_cancel_tagged(struct semctl_sem *sem,
				      struct semctl_file *owner, u64 tag);
int semctl_sem_release(struct semctl_sem *sem, struct semctl_file *undo_from,
		       u64 count, u64 *previous);
void semctl_sem_give_back(struct semctl_sem *sem,
			  struct semctl_file *undo_from, u64 count);
void semctl_sem_return_undo(struct semctl_sem *sem, struct semctl_file *file);
__poll_t semctl_sem_poll_mask(struct semctl_sem *sem);
struct page *semctl_sem_map_page(struct semctl_sem *sem);
u64 semctl_sem_value(struct semctl_sem *sem);
void semctl_sem_info(struct semctl_sem *sem, struct semctl_info *info);
u32 semctl_sem_holders(struct semctl_sem *sem, struct semctl_holder *out,
		       u32 room, u64 *holders, u64 *waiters);

/* names.c: the name table and permission checks */
int semctl_names_link(struct semctl_sem *sem, char *name,
		      struct semctl_sem **existing);
struct semctl_sem *semctl_names_lookup(const char *name);
int semctl_names_unlink(const char *name);
bool semctl_names_is_linked(struct semctl_sem *sem);
int semctl_names_list(u64 *cursor, void __user *entries, u32 entry_size,
		      u32 *count);
void semctl_names_clear(void);
unsigned int semctl_names_nr_namespaces(void);
int semctl_sem_permission(struct semctl_sem *sem, unsigned int rights);

/* limits.c: module parameters, per-user counts, device attributes */
extern unsigned int semctl_max_per_user;
extern unsigned int semctl_max_names_per_ns;
extern unsigned int semctl_name_max;
extern unsigned int semctl_signal_grace_ms;
extern const struct attribute_group *semctl_device_groups[];
int semctl_user_charge(kuid_t uid);
void semctl_user_uncharge(kuid_t uid);

/* file.c: the semaphore fd */
struct semctl_fd {
	int fd;
	struct file *file;
	struct semctl_file *sfile;
};

int semctl_file_prepare(struct semctl_fd *fd, unsigned int fd_flags,
			unsigned int rights);
int semctl_file_commit(struct semctl_fd *fd, struct semctl_sem *sem);
void semctl_file_abort(struct semctl_fd *fd);

/* ioctl.c: argument decoding */
long semctl_device_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg);
long semctl_sem_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
int semctl_acquire_check(const struct semctl_acquire *args,
			 const struct semctl_file *sfile);
ktime_t *semctl_acquire_deadline(const struct semctl_acquire *args,
				 ktime_t *deadline, clockid_t *clock);

/* uring.c: IORING_OP_URING_CMD on a semaphore fd */
struct io_uring_cmd;
int semctl_uring_cmd(struct io_uring_cmd *cmd, unsigned int issue_flags);
int semctl_uring_init(void);
void semctl_uring_exit(void);

#endif /* _SEMCTL_H */
