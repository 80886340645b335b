// SPDX-License-Identifier: GPL-2.0
/*
 * The name tables: named semaphores, one table per IPC namespace, found
 * by name and checked against their owner, group and mode as SysV IPC
 * objects are.
 *
 * A linked name holds one reference on its semaphore; unlink drops it, so
 * open files keep a semaphore alive after its name is gone.
 *
 * Namespaces: a module cannot hook the death of an IPC namespace, and
 * holding a reference on one would keep it alive forever. Instead a table
 * pins the namespace's internal mqueue mount: the mount outlives the
 * namespace, so its address identifies the namespace without ever being
 * reused, and put_ipc_ns() clears its superblock's s_fs_info when the
 * namespace dies. Tables of dead namespaces are reaped, names and all, by
 * the next lookup, link, unlink or listing, and at module exit.
 *
 * Each table is an rhashtable, so it grows and shrinks with its names and
 * a lookup stays a short chain walk at any population. Beside it an xarray
 * holds the names by id, in creation order: a listing resumes from its
 * cursor with one xa_find() rather than a walk from the first name. It
 * gathers a batch under the lock and copies it out only after dropping it,
 * so a user page that stalls cannot hold up everybody's names.
 *
 * Every access still happens under semctl_names_lock: lookups cannot move
 * to RCU alone, as semaphores are freed without waiting for a grace period
 * (semaphore.c), so a reader could not safely take a reference on what it
 * found.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/ipc_namespace.h>
#include <linux/jhash.h>
#include <linux/mount.h>
#include <linux/mutex.h>
#include <linux/nsproxy.h>
#include <linux/rhashtable.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/xarray.h>

#include "semctl.h"

/* The names of one IPC namespace. */
struct semctl_ns {
	struct list_head node;		/* in semctl_namespaces */
	struct vfsmount *mq_mnt;	/* pinned; identifies the namespace */
	struct rhashtable names;	/* semctl_sem by name */
	struct xarray order;		/* semctl_sem by id: creation order */
	u64 last_id;			/* ids are never reused */
	unsigned int nr_names;
};

/*
 * Protects semctl_namespaces, every table and order xarray (lookups
 * included; the xarray's own spinlock only serves its API), and the name
 * fields of every semaphore (name_hash, id). Never held across a copy to
 * user memory: listing gathers under it and copies out after. A table's
 * resize runs later from a workqueue without it, under the table's own
 * mutex; the rhashtable's bucket locks and RCU keep our accesses safe
 * against that.
 */
static DEFINE_MUTEX(semctl_names_lock);
static LIST_HEAD(semctl_namespaces);
static unsigned int semctl_nr_namespaces;

/* Names are NUL-terminated strings of any length up to name_max. */
static u32 semctl_name_hashfn(const void *key, u32 len, u32 seed)
{
	const char *name = key;

	return jhash(name, strlen(name), seed);
}

static u32 semctl_name_obj_hashfn(const void *obj, u32 len, u32 seed)
{
	const struct semctl_sem *sem = obj;

	return semctl_name_hashfn(sem->name, len, seed);
}

static int semctl_name_cmpfn(struct rhashtable_compare_arg *arg,
			     const void *obj)
{
	const struct semctl_sem *sem = obj;

	return strcmp(sem->name, arg->key);
}

static const struct rhashtable_params semctl_names_params = {
	.head_offset		= offsetof(struct semctl_sem, name_hash),
	.hashfn			= semctl_name_hashfn,
	.obj_hashfn		= semctl_name_obj_hashfn,
	.obj_cmpfn		= semctl_name_cmpfn,
	.automatic_shrinking	= true,
};

static bool semctl_ns_dead(struct semctl_ns *ns)
{
	return !READ_ONCE(ns->mq_mnt->mnt_sb->s_fs_info);
}

static void semctl_ns_free(struct semctl_ns *ns)
{
	struct semctl_sem *sem;
	unsigned long id;

	lockdep_assert_held(&semctl_names_lock);
	/*
	 * The table first: destroying it waits for a pending rehash, which
	 * hashes the linked names, so they must outlive it. It frees only the
	 * buckets; every linked name is in the order xarray.
	 */
	rhashtable_destroy(&ns->names);
	xa_for_each(&ns->order, id, sem) {
		sem->id = 0;
		semctl_sem_put(sem);
	}
	xa_destroy(&ns->order);
	list_del(&ns->node);
	semctl_nr_namespaces--;
	mntput(ns->mq_mnt);
	kfree(ns);
}

/* Drop the tables of namespaces that died. */
static void semctl_names_reap(void)
{
	struct semctl_ns *ns, *next;

	lockdep_assert_held(&semctl_names_lock);
	list_for_each_entry_safe(ns, next, &semctl_namespaces, node)
		if (semctl_ns_dead(ns))
			semctl_ns_free(ns);
}

/* The caller's table, or NULL; reaps dead ones on the way. */
static struct semctl_ns *semctl_ns_current(void)
{
	struct vfsmount *mnt = current->nsproxy->ipc_ns->mq_mnt;
	struct semctl_ns *ns;

	lockdep_assert_held(&semctl_names_lock);
	semctl_names_reap();
	list_for_each_entry(ns, &semctl_namespaces, node)
		if (ns->mq_mnt == mnt)
			return ns;
	return NULL;
}

static struct semctl_ns *semctl_ns_create(void)
{
	struct ipc_namespace *ipc_ns = current->nsproxy->ipc_ns;
	struct semctl_ns *ns;

	lockdep_assert_held(&semctl_names_lock);
	ns = kzalloc(sizeof(*ns), GFP_KERNEL_ACCOUNT);
	if (!ns)
		return NULL;
	/*
	 * The buckets are not charged to the caller's memcg (lib/rhashtable.c
	 * allocates them), but max_names_per_ns bounds them as it bounds the
	 * names.
	 */
	if (rhashtable_init(&ns->names, &semctl_names_params)) {
		kfree(ns);
		return NULL;
	}
	ns->mq_mnt = mntget(ipc_ns->mq_mnt);
	xa_init(&ns->order);
	list_add_tail(&ns->node, &semctl_namespaces);
	semctl_nr_namespaces++;
	return ns;
}

static struct semctl_sem *semctl_ns_find(struct semctl_ns *ns,
					 const char *name)
{
	lockdep_assert_held(&semctl_names_lock);
	if (!ns)
		return NULL;
	return rhashtable_lookup_fast(&ns->names, name, semctl_names_params);
}

static void semctl_ns_remove(struct semctl_ns *ns, struct semctl_sem *sem)
{
	lockdep_assert_held(&semctl_names_lock);
	/* Cannot fail: @sem is in the table and we hold the lock. */
	WARN_ON_ONCE(rhashtable_remove_fast(&ns->names, &sem->name_hash,
					    semctl_names_params));
	xa_erase(&ns->order, sem->id);
	sem->id = 0;
	ns->nr_names--;
}

/**
 * semctl_names_link - give @sem the name @name in the caller's namespace
 * @sem:	a new semaphore; takes ownership of @name
 * @name:	the name, allocated with kmalloc
 * @existing:	out: the semaphore already holding the name, with a reference
 *
 * Return: 0 once linked, -EEXIST with *@existing set if the name is taken,
 * -ENOSPC if the namespace holds max_names_per_ns names, -ENOMEM.
 */
int semctl_names_link(struct semctl_sem *sem, char *name,
		      struct semctl_sem **existing)
{
	struct semctl_sem *found;
	struct semctl_ns *ns;
	u64 id;
	int ret = 0;

	sem->name = name;
	mutex_lock(&semctl_names_lock);
	ns = semctl_ns_current();
	found = semctl_ns_find(ns, name);
	if (found) {
		semctl_sem_get(found);
		*existing = found;
		ret = -EEXIST;
		goto out_unlock;
	}
	if (!ns)
		ns = semctl_ns_create();
	if (!ns) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	/*
	 * Ids are xarray indices; running out of them needs a 32-bit box.
	 * CAP_SYS_RESOURCE passes the limit, as for POSIX message queues:
	 * unprivileged users filling the table cannot lock root out.
	 */
	if ((ns->nr_names >= READ_ONCE(semctl_max_names_per_ns) &&
	     !ns_capable(current->nsproxy->ipc_ns->user_ns, CAP_SYS_RESOURCE)) ||
	    ns->last_id >= ULONG_MAX) {
		ret = -ENOSPC;
		goto out_reap;
	}
	/* Ids are never reused, so the slot is free: this fails on -ENOMEM. */
	id = ns->last_id + 1;
	if (xa_insert(&ns->order, id, sem, GFP_KERNEL_ACCOUNT)) {
		ret = -ENOMEM;
		goto out_reap;
	}
	/*
	 * The name is known to be free, so this only fails when the table
	 * must grow and cannot allocate right now (it does so atomically).
	 */
	if (rhashtable_insert_fast(&ns->names, &sem->name_hash,
				   semctl_names_params)) {
		xa_erase(&ns->order, id);
		ret = -ENOMEM;
		goto out_reap;
	}
	semctl_sem_get(sem);
	sem->id = id;
	ns->last_id = id;
	ns->nr_names++;
out_reap:
	/* A table we just made and could not use */
	if (!ns->nr_names)
		semctl_ns_free(ns);
out_unlock:
	mutex_unlock(&semctl_names_lock);
	return ret;
}

/* Return: the semaphore named @name with a reference, or NULL. */
struct semctl_sem *semctl_names_lookup(const char *name)
{
	struct semctl_sem *sem;

	mutex_lock(&semctl_names_lock);
	sem = semctl_ns_find(semctl_ns_current(), name);
	if (sem)
		semctl_sem_get(sem);
	mutex_unlock(&semctl_names_lock);
	return sem;
}

/*
 * CAP_IPC_OWNER over the namespace the caller's IPC objects live in.
 * Audited (and marking the task PF_SUPERPRIV) only where it grants an
 * operation, not where it merely decides what a listing shows.
 */
static bool semctl_capable(bool audit)
{
	struct user_namespace *ns = current->nsproxy->ipc_ns->user_ns;

	return audit ? ns_capable(ns, CAP_IPC_OWNER) :
		       ns_capable_noaudit(ns, CAP_IPC_OWNER);
}

/* Return: 0, -ENOENT if no such name, -EPERM if not the owner. */
int semctl_names_unlink(const char *name)
{
	struct semctl_sem *sem;
	struct semctl_ns *ns;
	int ret = 0;

	mutex_lock(&semctl_names_lock);
	ns = semctl_ns_current();
	sem = semctl_ns_find(ns, name);
	if (!sem) {
		ret = -ENOENT;
		goto out_unlock;
	}
	if (!uid_eq(current_euid(), sem->uid) && !semctl_capable(true)) {
		ret = -EPERM;
		goto out_unlock;
	}
	semctl_ns_remove(ns, sem);
	semctl_sem_put(sem);
	if (!ns->nr_names)
		semctl_ns_free(ns);
out_unlock:
	mutex_unlock(&semctl_names_lock);
	return ret;
}

bool semctl_names_is_linked(struct semctl_sem *sem)
{
	bool linked;

	mutex_lock(&semctl_names_lock);
	linked = sem->id != 0;
	mutex_unlock(&semctl_names_lock);
	return linked;
}

unsigned int semctl_names_nr_namespaces(void)
{
	unsigned int nr;

	mutex_lock(&semctl_names_lock);
	nr = semctl_nr_namespaces;
	mutex_unlock(&semctl_names_lock);
	return nr;
}

static bool semctl_sem_allowed(struct semctl_sem *sem, unsigned int rights,
			       bool audit);

/* What an open of @sem would grant, as SEMCTL_INFO_READ/WRITE. */
static u32 semctl_names_rights(struct semctl_sem *sem)
{
	u32 flags = 0;

	if (semctl_sem_allowed(sem, SEMCTL_OPEN_READ, false))
		flags |= SEMCTL_INFO_READ;
	if (semctl_sem_allowed(sem, SEMCTL_OPEN_WRITE, false))
		flags |= SEMCTL_INFO_WRITE;
	return flags;
}

/* Entries one listing call returns at most */
#define SEMCTL_LIST_BATCH	64
/* Names a listing looks at, at most, in one hold of semctl_names_lock */
#define SEMCTL_LIST_SCAN	1024

/* One entry of a listing: gathered under the lock, copied out after it. */
struct semctl_list_entry {
	struct semctl_info info;
	u64 id;
};

/*
 * Gather into @batch, from *@nr on, the names of @ns after *@cursor that
 * the caller may read, until @room entries are gathered or SEMCTL_LIST_SCAN
 * names were looked at; move *@cursor past every name looked at, whether
 * gathered or skipped.
 *
 * Return: true if @ns may hold names after *@cursor.
 */
static bool semctl_ns_gather(struct semctl_ns *ns, u64 *cursor,
			     struct semctl_list_entry *batch,
			     unsigned int room, unsigned int *nr)
{
	unsigned int scanned = 0;
	struct semctl_sem *sem;
	unsigned long index;
	u32 rights;

	lockdep_assert_held(&semctl_names_lock);
	/* Ids are xarray indices: none lies beyond ULONG_MAX. */
	if (*cursor >= ULONG_MAX)
		return false;
	xa_for_each_start(&ns->order, index, sem, *cursor + 1) {
		if (*nr == room || scanned == SEMCTL_LIST_SCAN)
			return true;
		scanned++;
		rights = semctl_names_rights(sem);
		if (rights & SEMCTL_INFO_READ) {
			semctl_sem_info(sem, &batch[*nr].info);
			batch[*nr].info.flags |= rights;
			batch[*nr].id = sem->id;
			(*nr)++;
		}
		*cursor = sem->id;
	}
	return false;
}

/*
 * Gather the caller's next readable names into @batch: *@nr of them, 0 only
 * at the end. The lock is dropped every SEMCTL_LIST_SCAN names, so a long
 * run of names the caller may not read does not hold up everybody else.
 *
 * Return: 0, or -EINTR on a fatal signal.
 */
static int semctl_names_gather(u64 *cursor, struct semctl_list_entry *batch,
			       unsigned int room, unsigned int *nr)
{
	struct semctl_ns *ns;
	bool more;

	*nr = 0;
	for (;;) {
		mutex_lock(&semctl_names_lock);
		ns = semctl_ns_current();
		more = ns && semctl_ns_gather(ns, cursor, batch, room, nr);
		mutex_unlock(&semctl_names_lock);
		if (*nr || !more)
			return 0;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
}

/**
 * semctl_names_list - copy out the caller's namespace's readable names
 * @cursor:	in: the last id seen (0 to start); out: the last id passed
 * @entries:	user array of struct semctl_info, @entry_size bytes apart
 * @entry_size:	the caller's sizeof(struct semctl_info)
 * @count:	in: room in @entries; out: entries written
 *
 * Writes SEMCTL_LIST_BATCH entries at most, so fewer than the room even
 * when more names follow; only 0 entries means the end. The batch is
 * gathered under semctl_names_lock and copied out after dropping it: a
 * user page that stalls (userfaultfd, FUSE) must not hold the lock.
 *
 * Return: 0; -EFAULT with *@count the entries written before the fault and
 * *@cursor at the last of them, so that no name is passed undelivered;
 * -ENOMEM; -EINTR on a fatal signal.
 */
int semctl_names_list(u64 *cursor, void __user *entries, u32 entry_size,
		      u32 *count)
{
	unsigned int room = min_t(u32, *count, SEMCTL_LIST_BATCH);
	struct semctl_list_entry *batch;
	u64 start = *cursor;
	unsigned int nr, i;
	int ret;

	*count = 0;
	if (!room)
		return 0;
	batch = kvmalloc_array(room, sizeof(*batch), GFP_KERNEL_ACCOUNT);
	if (!batch)
		return -ENOMEM;
	ret = semctl_names_gather(cursor, batch, room, &nr);
	if (ret)
		goto out_free;
	for (i = 0; i < nr; i++) {
		ret = semctl_copy_struct_to_user(entries, entry_size,
						 &batch[i].info,
						 sizeof(batch[i].info));
		if (ret) {
			*cursor = i ? batch[i - 1].id : start;
			break;
		}
		entries += entry_size;
	}
	*count = i;
out_free:
	kvfree(batch);
	return ret;
}

/* Module exit: no file is open any more, so the tables hold the last refs. */
void semctl_names_clear(void)
{
	struct semctl_ns *ns, *next;

	mutex_lock(&semctl_names_lock);
	list_for_each_entry_safe(ns, next, &semctl_namespaces, node)
		semctl_ns_free(ns);
	mutex_unlock(&semctl_names_lock);
}

/*
 * May the caller get @rights (SEMCTL_OPEN_READ/WRITE) on @sem? The owner,
 * group and other bits of the mode are checked as ipcperms() does, with
 * CAP_IPC_OWNER in the IPC namespace's user namespace overriding them.
 */
static bool semctl_sem_allowed(struct semctl_sem *sem, unsigned int rights,
			       bool audit)
{
	unsigned int granted = sem->mode;
	unsigned int requested = 0;

	if (rights & SEMCTL_OPEN_READ)
		requested |= 4;
	if (rights & SEMCTL_OPEN_WRITE)
		requested |= 2;

	if (uid_eq(current_euid(), sem->uid))
		granted >>= 6;
	else if (in_egroup_p(sem->gid))
		granted >>= 3;
	return !(requested & ~granted & 0007) || semctl_capable(audit);
}

int semctl_sem_permission(struct semctl_sem *sem, unsigned int rights)
{
	return semctl_sem_allowed(sem, rights, true) ? 0 : -EACCES;
}
