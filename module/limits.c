// SPDX-License-Identifier: GPL-2.0
/*
 * Limits and counters: how many semaphores a user may keep alive, how many
 * names an IPC namespace may hold, how long a name may be. The limits are
 * module parameters (writable by root in /sys/module/semctl/parameters);
 * the counters are attributes of the device (/sys/class/misc/semctl/).
 *
 * Memory itself is charged to the caller's memory cgroup at allocation
 * (GFP_KERNEL_ACCOUNT); these limits bound the objects, not the bytes.
 */
#include <linux/atomic.h>
#include <linux/device.h>
#include <linux/hashtable.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/sysfs.h>

#include "semctl.h"

/*
 * A user may keep an eighth of what a namespace may name, so that one user
 * cannot fill a namespace (names outlive their creator and only the owner
 * may unlink them); CAP_SYS_RESOURCE passes the namespace limit.
 */
unsigned int semctl_max_per_user = 8192;
unsigned int semctl_max_names_per_ns = 65536;
unsigned int semctl_name_max = SEMCTL_NAME_MAX;
/* How long an interrupted acquire keeps its place for its restart. */
unsigned int semctl_signal_grace_ms = 250;

static int semctl_set_name_max(const char *value,
			       const struct kernel_param *kp)
{
	return param_set_uint_minmax(value, kp, 1, SEMCTL_NAME_MAX);
}

static const struct kernel_param_ops semctl_name_max_ops = {
	.set = semctl_set_name_max,
	.get = param_get_uint,
};

static int semctl_set_signal_grace_ms(const char *value,
				      const struct kernel_param *kp)
{
	return param_set_uint_minmax(value, kp, 0, 10000);
}

static const struct kernel_param_ops semctl_signal_grace_ms_ops = {
	.set = semctl_set_signal_grace_ms,
	.get = param_get_uint,
};

module_param_named(max_per_user, semctl_max_per_user, uint, 0644);
MODULE_PARM_DESC(max_per_user,
		 "Semaphores, named or not, one user may keep alive (EDQUOT past it; default 8192)");
module_param_named(max_names_per_ns, semctl_max_names_per_ns, uint, 0644);
MODULE_PARM_DESC(max_names_per_ns,
		 "Named semaphores one IPC namespace may hold (ENOSPC past it unless CAP_SYS_RESOURCE; default 65536)");
module_param_cb(name_max, &semctl_name_max_ops, &semctl_name_max, 0644);
__MODULE_PARM_TYPE(name_max, "uint");
MODULE_PARM_DESC(name_max,
		 "Longest name in bytes, 1..255 (ENAMETOOLONG past it; default 255)");
module_param_cb(signal_grace_ms, &semctl_signal_grace_ms_ops,
		&semctl_signal_grace_ms, 0644);
__MODULE_PARM_TYPE(signal_grace_ms, "uint");
MODULE_PARM_DESC(signal_grace_ms,
		 "How long a signalled acquire keeps its FIFO place for its restart, 0..10000 ms (0: it leaves at once; default 250)");

/* Semaphores alive per creator; entries live while their count is > 0. */
struct semctl_user {
	struct hlist_node node;
	kuid_t uid;
	unsigned int count;
};

static DEFINE_SPINLOCK(semctl_users_lock);	/* protects semctl_users */
static DEFINE_HASHTABLE(semctl_users, 6);
static atomic_t semctl_nr_semaphores = ATOMIC_INIT(0);

static struct semctl_user *semctl_user_find(kuid_t uid)
{
	struct semctl_user *user;

	lockdep_assert_held(&semctl_users_lock);
	hash_for_each_possible(semctl_users, user, node, __kuid_val(uid))
		if (uid_eq(user->uid, uid))
			return user;
	return NULL;
}

/* Count one more semaphore for @uid. Return: 0, -EDQUOT or -ENOMEM. */
int semctl_user_charge(kuid_t uid)
{
	struct semctl_user *user, *fresh = NULL;
	int ret = 0;

retry:
	spin_lock(&semctl_users_lock);
	user = semctl_user_find(uid);
	if (!user && fresh) {
		user = fresh;
		fresh = NULL;
		user->uid = uid;
		hash_add(semctl_users, &user->node, __kuid_val(uid));
	}
	if (!user) {
		spin_unlock(&semctl_users_lock);
		fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
		if (!fresh)
			return -ENOMEM;
		goto retry;
	}
	if (user->count < READ_ONCE(semctl_max_per_user)) {
		user->count++;
	} else {
		ret = -EDQUOT;
		if (!user->count) {
			hash_del(&user->node);
			kfree(user);
		}
	}
	spin_unlock(&semctl_users_lock);
	kfree(fresh);
	if (!ret)
		atomic_inc(&semctl_nr_semaphores);
	return ret;
}

void semctl_user_uncharge(kuid_t uid)
{
	struct semctl_user *user;

	spin_lock(&semctl_users_lock);
	user = semctl_user_find(uid);
	if (!WARN_ON_ONCE(!user) && !--user->count) {
		hash_del(&user->node);
		kfree(user);
	}
	spin_unlock(&semctl_users_lock);
	atomic_dec(&semctl_nr_semaphores);
}

static ssize_t semaphores_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&semctl_nr_semaphores));
}
static DEVICE_ATTR_RO(semaphores);

static ssize_t namespaces_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", semctl_names_nr_namespaces());
}
static DEVICE_ATTR_RO(namespaces);

/*
 * What io_uring acquires can do on this kernel (module/compat.h):
 * "threadless" when a pending acquire waits with no thread behind it,
 * "user_data" when SEMCTL_URING_CMD_CANCEL can name requests.
 */
static ssize_t io_uring_features_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s%s%s\n",
			  SEMCTL_URING_THREADLESS ? "threadless" : "",
			  SEMCTL_URING_THREADLESS && SEMCTL_URING_HAS_USER_DATA ?
			  " " : "",
			  SEMCTL_URING_HAS_USER_DATA ? "user_data" : "");
}
static DEVICE_ATTR_RO(io_uring_features);

static struct attribute *semctl_attrs[] = {
	&dev_attr_semaphores.attr,
	&dev_attr_namespaces.attr,
	&dev_attr_io_uring_features.attr,
	NULL,
};

static const struct attribute_group semctl_group = {
	.attrs = semctl_attrs,
};

const struct attribute_group *semctl_device_groups[] = {
	&semctl_group,
	NULL,
};
