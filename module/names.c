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
 * a lookup stays a short chain walk at any population. Every access still
 * happens under semctl_names_lock: lookups cannot move to RCU alone, as
 * semaphores are freed without waiting for a grace period (semaphore.c),
 * so a reader could not safely take a reference on what it found.
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
#include <linux/slab.h>
#include <linux/string.h>

#include "semctl.h"

/* The names of one IPC namespace. */
struct semctl_ns {
	struct list_head node;		/* in semctl_namespaces */
	struct vfsmount *mq_mnt;	/* pinned; identifies the namespace */
	struct rhashtable names;	/* semctl_sem by name */
	struct list_head order;		/* creation order, for listing */
	u64 last_id;
	unsigned int nr_names;
};

/*
 * Protects semctl_namespaces, every table (lookups included), and the name
 * fields of every semaphore (name_hash, name_order, id). A table's resize
 * runs later from a workqueue without it, under the table's own mutex; the
 * rhashtable's bucket locks and RCU keep our accesses safe against that.
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
	struct semctl_sem *sem, *next;

	lockdep_assert_held(&semctl_names_lock);
	/* Every linked name is on the order list; the table goes whole. */
	list_for_each_entry_safe(sem, next, &ns->order, name_order) {
		list_del_init(&sem->name_order);
		semctl_sem_put(sem);
	}
	rhashtable_destroy(&ns->names);
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
	INIT_LIST_HEAD(&ns->order);
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
	list_del_init(&sem->name_order);
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
	if (ns->nr_names >= READ_ONCE(semctl_max_names_per_ns)) {
		ret = -ENOSPC;
		goto out_reap;
	}
	/*
	 * The name is known to be free, so this only fails when the table
	 * must grow and cannot allocate right now (it does so atomically).
	 */
	if (rhashtable_insert_fast(&ns->names, &sem->name_hash,
				   semctl_names_params)) {
		ret = -ENOMEM;
		goto out_reap;
	}
	semctl_sem_get(sem);
	sem->id = ++ns->last_id;
	list_add_tail(&sem->name_order, &ns->order);
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

/* CAP_IPC_OWNER over the namespace the caller's IPC objects live in */
static bool semctl_capable(void)
{
	return ns_capable(current->nsproxy->ipc_ns->user_ns, CAP_IPC_OWNER);
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
	if (!uid_eq(current_euid(), sem->uid) && !semctl_capable()) {
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
	linked = !list_empty(&sem->name_order);
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

/* What an open of @sem would grant, as SEMCTL_INFO_READ/WRITE. */
static u32 semctl_names_rights(struct semctl_sem *sem)
{
	u32 flags = 0;

	if (!semctl_sem_permission(sem, SEMCTL_OPEN_READ))
		flags |= SEMCTL_INFO_READ;
	if (!semctl_sem_permission(sem, SEMCTL_OPEN_WRITE))
		flags |= SEMCTL_INFO_WRITE;
	return flags;
}

/**
 * semctl_names_list - copy out the caller's namespace's readable names
 * @cursor:	in: the last id seen (0 to start); out: the last id passed
 * @entries:	user array of struct semctl_info, @entry_size bytes apart
 * @entry_size:	the caller's sizeof(struct semctl_info)
 * @count:	in: room in @entries; out: entries written
 *
 * Return: 0 or -EFAULT.
 */
int semctl_names_list(u64 *cursor, void __user *entries, u32 entry_size,
		      u32 *count)
{
	struct semctl_info info;
	struct semctl_sem *sem;
	struct semctl_ns *ns;
	u32 written = 0;
	u32 rights;
	int ret = 0;

	mutex_lock(&semctl_names_lock);
	ns = semctl_ns_current();
	if (!ns)
		goto out_unlock;
	list_for_each_entry(sem, &ns->order, name_order) {
		if (sem->id <= *cursor)
			continue;
		if (written == *count)
			break;
		rights = semctl_names_rights(sem);
		if (rights & SEMCTL_INFO_READ) {
			semctl_sem_info(sem, &info);
			info.flags |= rights;
			ret = semctl_copy_struct_to_user(entries, entry_size,
							 &info, sizeof(info));
			if (ret)
				break;
			entries += entry_size;
			written++;
		}
		*cursor = sem->id;
	}
out_unlock:
	mutex_unlock(&semctl_names_lock);
	*count = written;
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
int semctl_sem_permission(struct semctl_sem *sem, unsigned int rights)
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
	if ((requested & ~granted & 0007) && !semctl_capable())
		return -EACCES;
	return 0;
}
