// SPDX-License-Identifier: GPL-2.0
/*
 * The name table: named semaphores, found by name, checked against their
 * owner, group and mode as SysV IPC objects are.
 *
 * A linked name holds one reference on its semaphore; unlink drops it, so
 * open files keep a semaphore alive after its name is gone.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/stringhash.h>

#include "semctl.h"

/* Protects semctl_names and the name fields of every semaphore. */
static DEFINE_MUTEX(semctl_names_lock);
static DEFINE_HASHTABLE(semctl_names, 8);
static LIST_HEAD(semctl_names_order);
static u64 semctl_names_last_id;

static u32 semctl_name_hash(const char *name)
{
	return full_name_hash(NULL, name, strlen(name));
}

static struct semctl_sem *semctl_names_find(const char *name)
{
	struct semctl_sem *sem;

	lockdep_assert_held(&semctl_names_lock);
	hash_for_each_possible(semctl_names, sem, name_node,
			       semctl_name_hash(name))
		if (!strcmp(sem->name, name))
			return sem;
	return NULL;
}

/**
 * semctl_names_link - give @sem the name @name
 * @sem:	a new semaphore; takes ownership of @name
 * @name:	the name, allocated with kmalloc
 * @existing:	out: the semaphore already holding the name, with a reference
 *
 * Return: 0 once linked, -EEXIST with *@existing set if the name is taken.
 */
int semctl_names_link(struct semctl_sem *sem, char *name,
		      struct semctl_sem **existing)
{
	struct semctl_sem *found;

	sem->name = name;
	mutex_lock(&semctl_names_lock);
	found = semctl_names_find(name);
	if (found) {
		semctl_sem_get(found);
		mutex_unlock(&semctl_names_lock);
		*existing = found;
		return -EEXIST;
	}
	semctl_sem_get(sem);
	sem->id = ++semctl_names_last_id;
	hash_add(semctl_names, &sem->name_node, semctl_name_hash(name));
	list_add_tail(&sem->name_order, &semctl_names_order);
	mutex_unlock(&semctl_names_lock);
	return 0;
}

/* Return: the semaphore named @name with a reference, or NULL. */
struct semctl_sem *semctl_names_lookup(const char *name)
{
	struct semctl_sem *sem;

	mutex_lock(&semctl_names_lock);
	sem = semctl_names_find(name);
	if (sem)
		semctl_sem_get(sem);
	mutex_unlock(&semctl_names_lock);
	return sem;
}

static bool semctl_is_owner(struct semctl_sem *sem)
{
	return uid_eq(current_euid(), sem->uid) ||
	       capable(CAP_IPC_OWNER);
}

static void semctl_names_remove(struct semctl_sem *sem)
{
	lockdep_assert_held(&semctl_names_lock);
	hash_del(&sem->name_node);
	list_del(&sem->name_order);
}

/* Return: 0, -ENOENT if no such name, -EPERM if not the owner. */
int semctl_names_unlink(const char *name)
{
	struct semctl_sem *sem;

	mutex_lock(&semctl_names_lock);
	sem = semctl_names_find(name);
	if (!sem) {
		mutex_unlock(&semctl_names_lock);
		return -ENOENT;
	}
	if (!semctl_is_owner(sem)) {
		mutex_unlock(&semctl_names_lock);
		return -EPERM;
	}
	semctl_names_remove(sem);
	mutex_unlock(&semctl_names_lock);
	semctl_sem_put(sem);
	return 0;
}

bool semctl_names_is_linked(struct semctl_sem *sem)
{
	bool linked;

	mutex_lock(&semctl_names_lock);
	linked = hash_hashed(&sem->name_node);
	mutex_unlock(&semctl_names_lock);
	return linked;
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
 * semctl_names_list - copy out the names the caller may read
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
	u32 written = 0;
	u32 rights;
	int ret = 0;

	mutex_lock(&semctl_names_lock);
	list_for_each_entry(sem, &semctl_names_order, name_order) {
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
	mutex_unlock(&semctl_names_lock);
	*count = written;
	return ret;
}

/* Module exit: no file is open any more, so the table holds the last refs. */
void semctl_names_clear(void)
{
	struct hlist_node *next;
	struct semctl_sem *sem;
	unsigned int bucket;

	mutex_lock(&semctl_names_lock);
	hash_for_each_safe(semctl_names, bucket, next, sem, name_node) {
		semctl_names_remove(sem);
		semctl_sem_put(sem);
	}
	mutex_unlock(&semctl_names_lock);
}

/*
 * May the caller get @rights (SEMCTL_OPEN_READ/WRITE) on @sem? The owner,
 * group and other bits of the mode are checked as ipcperms() does, with
 * CAP_IPC_OWNER overriding them.
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
	if ((requested & ~granted & 0007) && !capable(CAP_IPC_OWNER))
		return -EACCES;
	return 0;
}
