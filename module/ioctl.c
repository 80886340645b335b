// SPDX-License-Identifier: GPL-2.0
/*
 * Ioctl decoding: copy each size-versioned argument in, validate every
 * field, then call the core. Nothing changes before validation is done.
 *
 * The size bits of the ioctl number are ignored: the struct's own size
 * field says which version the caller speaks, as for openat2() and
 * clone3().
 */
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "semctl.h"

#define SEMCTL_IOC_BASE(cmd)	((cmd) & ~IOCSIZE_MASK)

#define SEMCTL_FD_FLAGS	(SEMCTL_FD_NOCLOEXEC | SEMCTL_FD_NONBLOCK | \
			 SEMCTL_FD_UNDO)
#define SEMCTL_RIGHTS	(SEMCTL_OPEN_READ | SEMCTL_OPEN_WRITE)
#define SEMCTL_ACQUIRE_FLAGS	(SEMCTL_ACQUIRE_TRY | SEMCTL_ACQUIRE_UNDO | \
				 SEMCTL_ACQUIRE_TIMEOUT | \
				 SEMCTL_ACQUIRE_ABSTIME | \
				 SEMCTL_ACQUIRE_REALTIME)

/* Copy a struct that starts with its __u32 size, from any known version. */
static int semctl_copy_arg(void *karg, size_t ksize, size_t size_ver0,
			   const void __user *uarg)
{
	u32 usize;

	if (get_user(usize, (const u32 __user *)uarg))
		return -EFAULT;
	if (usize < size_ver0)
		return -EINVAL;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	return copy_struct_from_user(karg, ksize, uarg, usize);
}

/*
 * Whether @name holds only what a name may: no '/', and no ASCII control
 * character (they would forge lines in fdinfo and garble a terminal).
 */
static bool semctl_name_valid(const char *name)
{
	for (; *name; name++)
		if (*name == '/' || (u8)*name < 0x20 || *name == 0x7f)
			return false;
	return true;
}

/*
 * A name: 1..name_max bytes, see semctl_name_valid().
 * Return: a kmalloc'ed copy of its own length, or ERR_PTR.
 */
static char *semctl_name_from_user(u64 uname)
{
	char *buf, *name;
	long len;

	buf = kmalloc(SEMCTL_NAME_MAX + 1, GFP_KERNEL);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	len = strncpy_from_user(buf, u64_to_user_ptr(uname),
				SEMCTL_NAME_MAX + 1);
	if (len < 0)
		name = ERR_PTR(len);
	else if (len > READ_ONCE(semctl_name_max))
		name = ERR_PTR(-ENAMETOOLONG);
	else if (!len || !semctl_name_valid(buf))
		name = ERR_PTR(-EINVAL);
	else
		name = kmemdup(buf, len + 1, GFP_KERNEL_ACCOUNT) ?:
		       ERR_PTR(-ENOMEM);
	kfree(buf);
	return name;
}

static int semctl_validate_create(const struct semctl_create *args)
{
	u64 max = args->max ? args->max : SEMCTL_VALUE_MAX;

	if (args->flags & ~(SEMCTL_FD_FLAGS | SEMCTL_CREATE_EXCL))
		return -EINVAL;
	if (args->reserved || args->mode & ~0777)
		return -EINVAL;
	if (max > SEMCTL_VALUE_MAX || args->value > max)
		return -EINVAL;
	/* Exclusive makes sense only for a name. */
	if ((args->flags & SEMCTL_CREATE_EXCL) && !args->name)
		return -EINVAL;
	return 0;
}

/* Link @name to the new @sem, or fall back to the semaphore holding it. */
static struct semctl_sem *semctl_create_named(struct semctl_sem *sem,
					      char *name, bool exclusive)
{
	struct semctl_sem *existing;
	int ret;

	ret = semctl_names_link(sem, name, &existing);
	if (!ret)
		return sem;
	semctl_sem_put(sem);
	if (ret != -EEXIST)
		return ERR_PTR(ret);
	if (exclusive)
		goto err_put;
	ret = semctl_sem_permission(existing, SEMCTL_RIGHTS);
	if (ret)
		goto err_put;
	return existing;

err_put:
	semctl_sem_put(existing);
	return ERR_PTR(ret);
}

static long semctl_ioctl_create(void __user *uarg)
{
	struct semctl_create args;
	struct semctl_sem *sem;
	struct semctl_fd fd;
	char *name = NULL;
	int ret;

	ret = semctl_copy_arg(&args, sizeof(args), SEMCTL_CREATE_SIZE_VER0,
			      uarg);
	if (ret)
		return ret;
	ret = semctl_validate_create(&args);
	if (ret)
		return ret;
	if (args.name) {
		name = semctl_name_from_user(args.name);
		if (IS_ERR(name))
			return PTR_ERR(name);
	}
	sem = semctl_sem_alloc(args.value, args.max ? args.max :
			       SEMCTL_VALUE_MAX, args.mode);
	if (IS_ERR(sem)) {
		ret = PTR_ERR(sem);
		goto err_free_name;
	}
	ret = semctl_file_prepare(&fd, args.flags & SEMCTL_FD_FLAGS,
				  SEMCTL_RIGHTS);
	if (ret)
		goto err_put_sem;
	if (name) {
		/* From here the name belongs to the semaphore. */
		sem = semctl_create_named(sem, name,
					  args.flags & SEMCTL_CREATE_EXCL);
		if (IS_ERR(sem)) {
			semctl_file_abort(&fd);
			return PTR_ERR(sem);
		}
	}
	return semctl_file_commit(&fd, sem);

err_put_sem:
	semctl_sem_put(sem);
err_free_name:
	kfree(name);
	return ret;
}

static long semctl_ioctl_open(void __user *uarg)
{
	struct semctl_open args;
	struct semctl_sem *sem;
	struct semctl_fd fd;
	unsigned int rights;
	char *name;
	int ret;

	ret = semctl_copy_arg(&args, sizeof(args), SEMCTL_OPEN_SIZE_VER0, uarg);
	if (ret)
		return ret;
	if (args.flags & ~(SEMCTL_FD_FLAGS | SEMCTL_RIGHTS))
		return -EINVAL;
	rights = args.flags & SEMCTL_RIGHTS;
	if (!rights)
		rights = SEMCTL_RIGHTS;
	name = semctl_name_from_user(args.name);
	if (IS_ERR(name))
		return PTR_ERR(name);
	sem = semctl_names_lookup(name);
	kfree(name);
	if (!sem)
		return -ENOENT;
	ret = semctl_sem_permission(sem, rights);
	if (ret)
		goto err_put;
	ret = semctl_file_prepare(&fd, args.flags & SEMCTL_FD_FLAGS, rights);
	if (ret)
		goto err_put;
	return semctl_file_commit(&fd, sem);

err_put:
	semctl_sem_put(sem);
	return ret;
}

static long semctl_ioctl_unlink(void __user *uarg)
{
	struct semctl_unlink args;
	char *name;
	int ret;

	ret = semctl_copy_arg(&args, sizeof(args), SEMCTL_UNLINK_SIZE_VER0,
			      uarg);
	if (ret)
		return ret;
	if (args.flags)
		return -EINVAL;
	name = semctl_name_from_user(args.name);
	if (IS_ERR(name))
		return PTR_ERR(name);
	ret = semctl_names_unlink(name);
	kfree(name);
	return ret;
}

static long semctl_ioctl_list(struct semctl_list __user *uarg)
{
	struct semctl_list args;
	int ret;

	ret = semctl_copy_arg(&args, sizeof(args), SEMCTL_LIST_SIZE_VER0, uarg);
	if (ret)
		return ret;
	if (args.flags)
		return -EINVAL;
	if (args.entry_size < SEMCTL_INFO_SIZE_VER0 ||
	    args.entry_size > PAGE_SIZE)
		return -EINVAL;
	ret = semctl_names_list(&args.cursor, u64_to_user_ptr(args.entries),
				args.entry_size, &args.count);
	if (ret)
		return ret;
	if (put_user(args.cursor, &uarg->cursor) ||
	    put_user(args.count, &uarg->count))
		return -EFAULT;
	return 0;
}

long semctl_device_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (SEMCTL_IOC_BASE(cmd)) {
	case SEMCTL_IOC_BASE(SEMCTL_IOC_CREATE):
		return semctl_ioctl_create(uarg);
	case SEMCTL_IOC_BASE(SEMCTL_IOC_OPEN):
		return semctl_ioctl_open(uarg);
	case SEMCTL_IOC_BASE(SEMCTL_IOC_UNLINK):
		return semctl_ioctl_unlink(uarg);
	case SEMCTL_IOC_BASE(SEMCTL_IOC_LIST):
		return semctl_ioctl_list(uarg);
	default:
		return -ENOTTY;
	}
}

/* Validate an acquire from the ioctl or io_uring; the fd must may write. */
int semctl_acquire_check(const struct semctl_acquire *args,
			 const struct semctl_file *sfile)
{
	u32 timed = SEMCTL_ACQUIRE_TIMEOUT | SEMCTL_ACQUIRE_ABSTIME |
		    SEMCTL_ACQUIRE_REALTIME;

	if (args->flags & ~SEMCTL_ACQUIRE_FLAGS)
		return -EINVAL;
	if (!args->count || args->count > sfile->sem->max)
		return -EINVAL;
	if (!(args->flags & SEMCTL_ACQUIRE_TIMEOUT)) {
		if ((args->flags & timed) || args->timeout_ns)
			return -EINVAL;
	} else if (args->timeout_ns > KTIME_MAX ||
		   (args->flags & SEMCTL_ACQUIRE_TRY) ||
		   ((args->flags & SEMCTL_ACQUIRE_REALTIME) &&
		    !(args->flags & SEMCTL_ACQUIRE_ABSTIME))) {
		return -EINVAL;
	}
	if (!(sfile->rights & SEMCTL_OPEN_WRITE))
		return -EBADF;
	return 0;
}

/*
 * Turn a checked acquire's timeout into an absolute @deadline on @clock.
 * Return: @deadline, or NULL when the acquire waits without a timeout.
 */
ktime_t *semctl_acquire_deadline(const struct semctl_acquire *args,
				 ktime_t *deadline, clockid_t *clock)
{
	/* semctl_acquire_check() refused what ktime_t cannot hold. */
	ktime_t timeout = args->timeout_ns;

	*clock = CLOCK_MONOTONIC;
	if (!(args->flags & SEMCTL_ACQUIRE_TIMEOUT))
		return NULL;
	if (args->flags & SEMCTL_ACQUIRE_REALTIME)
		*clock = CLOCK_REALTIME;
	if (args->flags & SEMCTL_ACQUIRE_ABSTIME)
		*deadline = timeout;
	else
		*deadline = ktime_add_safe(ktime_get(), timeout);
	return deadline;
}

static long semctl_ioctl_acquire(struct semctl_file *sfile,
				 struct semctl_acquire __user *uarg)
{
	struct semctl_acquire args;
	ktime_t deadline, *until;
	clockid_t clock;
	ktime_t left;
	int ret;

	ret = semctl_copy_arg(&args, sizeof(args), SEMCTL_ACQUIRE_SIZE_VER0,
			      uarg);
	if (ret)
		return ret;
	ret = semctl_acquire_check(&args, sfile);
	if (ret)
		return ret;
	until = semctl_acquire_deadline(&args, &deadline, &clock);
	ret = semctl_sem_acquire(sfile->sem, args.flags & SEMCTL_ACQUIRE_UNDO ?
				 sfile : NULL, args.count,
				 args.flags & SEMCTL_ACQUIRE_TRY, until, clock);
	if (ret == -ERESTARTSYS && until &&
	    !(args.flags & SEMCTL_ACQUIRE_ABSTIME)) {
		/* A restart must not extend the wait: hand back what is left. */
		left = ktime_sub(deadline, ktime_get());
		if (put_user(max_t(s64, left, 0), &uarg->timeout_ns))
			return -EFAULT;
	}
	return ret;
}

static long semctl_ioctl_release(struct semctl_file *sfile,
				 struct semctl_release __user *uarg)
{
	struct semctl_release args;
	u64 previous;
	int ret;

	ret = semctl_copy_arg(&args, sizeof(args), SEMCTL_RELEASE_SIZE_VER0,
			      uarg);
	if (ret)
		return ret;
	if (args.flags || !args.count)
		return -EINVAL;
	if (!(sfile->rights & SEMCTL_OPEN_WRITE))
		return -EBADF;
	/* Fault before releasing, so a bad buffer loses no units. */
	if (put_user(args.previous, &uarg->previous))
		return -EFAULT;
	ret = semctl_sem_release(sfile->sem, sfile, args.count, &previous);
	if (ret)
		return ret;
	return put_user(previous, &uarg->previous);
}

static void semctl_fill_info(struct semctl_file *sfile,
			     struct semctl_info *info)
{
	struct semctl_sem *sem = sfile->sem;

	semctl_sem_info(sem, info);
	spin_lock_irq(&sem->wait.lock);
	info->undo = sfile->undo;
	spin_unlock_irq(&sem->wait.lock);
	if (sfile->rights & SEMCTL_OPEN_READ)
		info->flags |= SEMCTL_INFO_READ;
	if (sfile->rights & SEMCTL_OPEN_WRITE)
		info->flags |= SEMCTL_INFO_WRITE;
	if (sfile->undo_reads)
		info->flags |= SEMCTL_INFO_FD_UNDO;
	if (sem->name && !semctl_names_is_linked(sem))
		info->flags |= SEMCTL_INFO_UNLINKED;
}

static long semctl_ioctl_query(struct semctl_file *sfile,
			       struct semctl_info __user *uarg)
{
	struct semctl_info info;
	u32 usize;

	if (get_user(usize, &uarg->size))
		return -EFAULT;
	if (usize < SEMCTL_INFO_SIZE_VER0)
		return -EINVAL;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	if (!(sfile->rights & SEMCTL_OPEN_READ))
		return -EBADF;
	semctl_fill_info(sfile, &info);
	return semctl_copy_struct_to_user(uarg, usize, &info, sizeof(info));
}

static long semctl_ioctl_poison(struct semctl_file *sfile,
				struct semctl_poison __user *uarg)
{
	struct semctl_poison args;
	int ret;

	ret = semctl_copy_arg(&args, sizeof(args), SEMCTL_POISON_SIZE_VER0,
			      uarg);
	if (ret)
		return ret;
	if (args.flags)
		return -EINVAL;
	if (!(sfile->rights & SEMCTL_OPEN_WRITE))
		return -EBADF;
	semctl_sem_poison(sfile->sem);
	return 0;
}

static long semctl_ioctl_holders(struct semctl_file *sfile,
				 struct semctl_holders __user *uarg)
{
	struct semctl_holders args;
	struct semctl_holder *out;
	void __user *entries;
	u32 n, i, room;
	int ret;

	ret = semctl_copy_arg(&args, sizeof(args), SEMCTL_HOLDERS_SIZE_VER0,
			      uarg);
	if (ret)
		return ret;
	if (args.flags || args.holders || args.waiters)
		return -EINVAL;
	if (args.entry_size < SEMCTL_HOLDER_SIZE_VER0 ||
	    args.entry_size > PAGE_SIZE)
		return -EINVAL;
	if (!(sfile->rights & SEMCTL_OPEN_READ))
		return -EBADF;
	room = min_t(u32, args.count, SEMCTL_HOLDERS_MAX);
	/* the snapshot is taken under a spinlock: room for it first */
	out = kcalloc(max_t(u32, room, 1), sizeof(*out), GFP_KERNEL_ACCOUNT);
	if (!out)
		return -ENOMEM;
	n = semctl_sem_holders(sfile->sem, out, room, &args.holders,
			       &args.waiters);
	entries = u64_to_user_ptr(args.entries);
	for (i = 0; i < n; i++) {
		ret = semctl_copy_struct_to_user(entries, args.entry_size,
						 &out[i], sizeof(out[i]));
		if (ret)
			goto out;
		entries += args.entry_size;
	}
	args.count = n;
	ret = -EFAULT;
	if (put_user(args.count, &uarg->count) ||
	    put_user(args.holders, &uarg->holders) ||
	    put_user(args.waiters, &uarg->waiters))
		goto out;
	ret = 0;
out:
	kfree(out);
	return ret;
}

long semctl_sem_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct semctl_file *sfile = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (SEMCTL_IOC_BASE(cmd)) {
	case SEMCTL_IOC_BASE(SEMCTL_IOC_ACQUIRE):
		return semctl_ioctl_acquire(sfile, uarg);
	case SEMCTL_IOC_BASE(SEMCTL_IOC_RELEASE):
		return semctl_ioctl_release(sfile, uarg);
	case SEMCTL_IOC_BASE(SEMCTL_IOC_QUERY):
		return semctl_ioctl_query(sfile, uarg);
	case SEMCTL_IOC_BASE(SEMCTL_IOC_POISON):
		return semctl_ioctl_poison(sfile, uarg);
	case SEMCTL_IOC_BASE(SEMCTL_IOC_HOLDERS):
		return semctl_ioctl_holders(sfile, uarg);
	default:
		return -ENOTTY;
	}
}
