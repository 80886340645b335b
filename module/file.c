// SPDX-License-Identifier: GPL-2.0
/*
 * The semaphore fd: eventfd-style read/write/poll, ioctls, fdinfo, and
 * undo on the last close of the open file.
 *
 * read() of 8 bytes acquires one unit and returns the u64 1, as an eventfd
 * with EFD_SEMAPHORE does; write() of a u64 releases that many units.
 * FMODE_NOWAIT lets io_uring try a read without blocking and fall back to
 * poll, so io_uring READ and POLL_ADD wait asynchronously and can be
 * cancelled.
 */
#include <linux/anon_inodes.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uio.h>

#include "semctl.h"

static bool semctl_file_may(struct semctl_file *sfile, unsigned int right)
{
	return sfile->rights & right;
}

static ssize_t semctl_file_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct file *file = iocb->ki_filp;
	struct semctl_file *sfile = file->private_data;
	struct semctl_file *undo_to = sfile->undo_reads ? sfile : NULL;
	u64 one = 1, previous;
	bool try;
	int ret;

	if (!semctl_file_may(sfile, SEMCTL_OPEN_WRITE))
		return -EBADF;
	if (iov_iter_count(to) < sizeof(one))
		return -EINVAL;
	try = (file->f_flags & O_NONBLOCK) || (iocb->ki_flags & IOCB_NOWAIT);
	ret = semctl_sem_acquire(sfile->sem, undo_to, 1, try, NULL,
				 CLOCK_MONOTONIC);
	if (ret)
		return ret;
	if (copy_to_iter(&one, sizeof(one), to) != sizeof(one)) {
		/* Nobody saw the unit: give it back, nothing is lost. */
		semctl_sem_release(sfile->sem, undo_to, 1, &previous);
		return -EFAULT;
	}
	return sizeof(one);
}

static ssize_t semctl_file_write_iter(struct kiocb *iocb,
				      struct iov_iter *from)
{
	struct semctl_file *sfile = iocb->ki_filp->private_data;
	u64 count, previous;
	int ret;

	if (!semctl_file_may(sfile, SEMCTL_OPEN_WRITE))
		return -EBADF;
	if (iov_iter_count(from) < sizeof(count))
		return -EINVAL;
	if (copy_from_iter(&count, sizeof(count), from) != sizeof(count))
		return -EFAULT;
	if (!count)
		return -EINVAL;
	ret = semctl_sem_release(sfile->sem, sfile, count, &previous);
	return ret ? ret : sizeof(count);
}

static __poll_t semctl_file_poll(struct file *file, poll_table *wait)
{
	struct semctl_file *sfile = file->private_data;

	if (!semctl_file_may(sfile, SEMCTL_OPEN_READ))
		return EPOLLERR;
	poll_wait(file, &sfile->sem->wait, wait);
	return semctl_sem_poll_mask(sfile->sem);
}

static int semctl_file_release(struct inode *inode, struct file *file)
{
	struct semctl_file *sfile = file->private_data;

	/* An fd reserved by semctl_file_prepare() that was never installed */
	if (sfile->sem) {
		semctl_sem_return_undo(sfile->sem, sfile);
		semctl_sem_put(sfile->sem);
	}
	kfree(sfile);
	return 0;
}

static void semctl_file_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct semctl_file *sfile = file->private_data;
	struct semctl_sem *sem = sfile->sem;

	seq_printf(m, "semctl-value:\t%llu\n",
		   (u64)atomic64_read(&sem->value));
	seq_printf(m, "semctl-max:\t%llu\n", sem->max);
	seq_printf(m, "semctl-waiters:\t%llu\n", READ_ONCE(sem->nr_waiters));
	seq_printf(m, "semctl-undo:\t%llu\n", READ_ONCE(sfile->undo));
	seq_printf(m, "semctl-name:\t%s\n", sem->name ? sem->name : "");
}

static const struct file_operations semctl_file_fops = {
	.owner		= THIS_MODULE,
	.read_iter	= semctl_file_read_iter,
	.write_iter	= semctl_file_write_iter,
	.poll		= semctl_file_poll,
	.unlocked_ioctl	= semctl_sem_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.uring_cmd	= semctl_uring_cmd,
	.release	= semctl_file_release,
	.show_fdinfo	= semctl_file_show_fdinfo,
};

/**
 * semctl_file_prepare - reserve an fd and its file, before any name changes
 * @fd:		out: the reservation
 * @fd_flags:	SEMCTL_FD_* flags
 * @rights:	SEMCTL_OPEN_READ | SEMCTL_OPEN_WRITE
 *
 * Everything that can fail for lack of resources happens here, so that a
 * failed create never leaves a new name behind.
 */
int semctl_file_prepare(struct semctl_fd *fd, unsigned int fd_flags,
			unsigned int rights)
{
	int open_flags = O_RDWR;
	int ret;

	fd->sfile = kzalloc(sizeof(*fd->sfile), GFP_KERNEL_ACCOUNT);
	if (!fd->sfile)
		return -ENOMEM;
	fd->sfile->rights = rights;
	fd->sfile->undo_reads = fd_flags & SEMCTL_FD_UNDO;

	fd->fd = get_unused_fd_flags(fd_flags & SEMCTL_FD_NOCLOEXEC ?
				     0 : O_CLOEXEC);
	if (fd->fd < 0) {
		ret = fd->fd;
		goto err_free;
	}
	if (fd_flags & SEMCTL_FD_NONBLOCK)
		open_flags |= O_NONBLOCK;
	fd->file = anon_inode_getfile("[semctl]", &semctl_file_fops,
				      fd->sfile, open_flags);
	if (IS_ERR(fd->file)) {
		ret = PTR_ERR(fd->file);
		goto err_put_fd;
	}
	fd->file->f_mode |= FMODE_NOWAIT;
	return 0;

err_put_fd:
	put_unused_fd(fd->fd);
err_free:
	kfree(fd->sfile);
	return ret;
}

/* Bind the reserved file to @sem, consuming the caller's reference. */
int semctl_file_commit(struct semctl_fd *fd, struct semctl_sem *sem)
{
	fd->sfile->sem = sem;
	fd_install(fd->fd, fd->file);
	return fd->fd;
}

void semctl_file_abort(struct semctl_fd *fd)
{
	fput(fd->file);
	put_unused_fd(fd->fd);
}
