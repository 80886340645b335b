// SPDX-License-Identifier: GPL-2.0
/*
 * The semaphore fd: eventfd-style read/write/poll, ioctls, fdinfo, and
 * undo on the last close of the open file.
 *
 * read() of 8 bytes acquires one unit and returns the u64 1, as an eventfd
 * with EFD_SEMAPHORE does; write() of a u64 releases that many units.
 * FMODE_NOWAIT lets io_uring try a read without blocking and fall back to
 * poll, so io_uring READ and POLL_ADD wait asynchronously and can be
 * cancelled. read(2) and write(2) take the plain .read/.write, which need
 * no iov_iter; io_uring uses the _iter ones.
 *
 * mmap() shares the value word (uapi/linux/semctl.h) so that processes can
 * take and give back units without a syscall while nobody waits.
 */
#include <linux/anon_inodes.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/poll.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uio.h>

#include "semctl.h"

static bool semctl_file_may(struct semctl_file *sfile, unsigned int right)
{
	return sfile->rights & right;
}

/* What a read takes: one unit, recorded for undo on an SEMCTL_FD_UNDO fd. */
static struct semctl_file *semctl_file_read_undo(struct semctl_file *sfile)
{
	return sfile->undo_reads ? sfile : NULL;
}

static int semctl_file_read_check(struct semctl_file *sfile, size_t len)
{
	if (!semctl_file_may(sfile, SEMCTL_OPEN_WRITE))
		return -EBADF;
	return len < sizeof(u64) ? -EINVAL : 0;
}

/* Nobody saw the unit a read took: give it back, nothing is lost. */
static ssize_t semctl_file_read_unseen(struct semctl_file *sfile)
{
	u64 previous;

	semctl_sem_release(sfile->sem, semctl_file_read_undo(sfile), 1,
			   &previous);
	return -EFAULT;
}

static ssize_t semctl_file_read(struct file *file, char __user *buf,
				size_t len, loff_t *ppos)
{
	struct semctl_file *sfile = file->private_data;
	int ret;

	ret = semctl_file_read_check(sfile, len);
	if (ret)
		return ret;
	ret = semctl_sem_acquire(sfile->sem, semctl_file_read_undo(sfile), 1,
				 file->f_flags & O_NONBLOCK, NULL,
				 CLOCK_MONOTONIC);
	if (ret)
		return ret;
	if (put_user((u64)1, (u64 __user *)buf))
		return semctl_file_read_unseen(sfile);
	return sizeof(u64);
}

static ssize_t semctl_file_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct file *file = iocb->ki_filp;
	struct semctl_file *sfile = file->private_data;
	u64 one = 1;
	bool try;
	int ret;

	ret = semctl_file_read_check(sfile, iov_iter_count(to));
	if (ret)
		return ret;
	try = (file->f_flags & O_NONBLOCK) || (iocb->ki_flags & IOCB_NOWAIT);
	ret = semctl_sem_acquire(sfile->sem, semctl_file_read_undo(sfile), 1,
				 try, NULL, CLOCK_MONOTONIC);
	if (ret)
		return ret;
	if (copy_to_iter(&one, sizeof(one), to) != sizeof(one))
		return semctl_file_read_unseen(sfile);
	return sizeof(one);
}

static ssize_t semctl_file_release_count(struct semctl_file *sfile, u64 count)
{
	u64 previous;
	int ret;

	if (!count)
		return -EINVAL;
	ret = semctl_sem_release(sfile->sem, sfile, count, &previous);
	return ret ? ret : sizeof(count);
}

static ssize_t semctl_file_write(struct file *file, const char __user *buf,
				 size_t len, loff_t *ppos)
{
	struct semctl_file *sfile = file->private_data;
	u64 count;

	if (!semctl_file_may(sfile, SEMCTL_OPEN_WRITE))
		return -EBADF;
	/* Exactly one u64, as eventfd takes it on 6.12 and later. */
	if (len != sizeof(count))
		return -EINVAL;
	if (get_user(count, (const u64 __user *)buf))
		return -EFAULT;
	return semctl_file_release_count(sfile, count);
}

static ssize_t semctl_file_write_iter(struct kiocb *iocb,
				      struct iov_iter *from)
{
	struct semctl_file *sfile = iocb->ki_filp->private_data;
	u64 count;

	if (!semctl_file_may(sfile, SEMCTL_OPEN_WRITE))
		return -EBADF;
	if (iov_iter_count(from) != sizeof(count))
		return -EINVAL;
	if (copy_from_iter(&count, sizeof(count), from) != sizeof(count))
		return -EFAULT;
	return semctl_file_release_count(sfile, count);
}

static __poll_t semctl_file_poll(struct file *file, poll_table *wait)
{
	struct semctl_file *sfile = file->private_data;

	if (!semctl_file_may(sfile, SEMCTL_OPEN_READ))
		return EPOLLERR;
	poll_wait(file, &sfile->sem->wait, wait);
	return semctl_sem_poll_mask(sfile->sem);
}

/*
 * Map the value word: one page at offset 0, shared. Any open file may map
 * it read-only (every right already tells the value); a writable mapping
 * needs the write right.
 */
/*
 * The page is mapped on demand, so that an access after
 * madvise(MADV_DONTNEED) finds it again instead of SIGBUS.
 */
static vm_fault_t semctl_vm_fault(struct vm_fault *vmf)
{
	struct semctl_file *sfile = vmf->vma->vm_file->private_data;
	struct page *page;

	/* Allocated by semctl_file_mmap(): this only looks it up. */
	page = semctl_sem_map_page(sfile->sem);
	if (!page)
		return VM_FAULT_OOM;
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct semctl_vm_ops = {
	.fault = semctl_vm_fault,
};

static int semctl_file_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct semctl_file *sfile = file->private_data;
	bool writable = semctl_file_may(sfile, SEMCTL_OPEN_WRITE);
	vm_flags_t clear = VM_MAYEXEC;

	/*
	 * The fast path is a 64-bit compare-and-swap shared with userspace:
	 * where the kernel emulates 64-bit atomics with a lock, userspace
	 * cannot take part.
	 */
	if (IS_ENABLED(CONFIG_GENERIC_ATOMIC64))
		return -EOPNOTSUPP;
	if (vma->vm_pgoff || vma->vm_end - vma->vm_start != PAGE_SIZE ||
	    !(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EACCES;
	if (vma->vm_flags & VM_WRITE) {
		if (!writable)
			return -EACCES;
	} else if (!writable) {
		/* mprotect() must not make it writable later either. */
		clear |= VM_MAYWRITE;
	}
	if (!semctl_sem_map_page(sfile->sem))
		return -ENOMEM;
	semctl_vm_flags_mod(vma, VM_DONTEXPAND | VM_DONTDUMP, clear);
	vma->vm_ops = &semctl_vm_ops;
	return 0;
}

static int semctl_file_release(struct inode *inode, struct file *file)
{
	struct semctl_file *sfile = file->private_data;

	/* An fd reserved by semctl_file_prepare() that was never installed */
	if (sfile->sem) {
		semctl_sem_return_undo(sfile->sem, sfile);
		semctl_sem_put(sfile->sem);
	}
	put_pid(sfile->undo_pid);
	kfree(sfile);
	return 0;
}

static void semctl_file_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct semctl_file *sfile = file->private_data;
	struct semctl_sem *sem = sfile->sem;

	seq_printf(m, "semctl-value:\t%llu\n", semctl_sem_value(sem));
	seq_printf(m, "semctl-max:\t%llu\n", sem->max);
	seq_printf(m, "semctl-waiters:\t%llu\n", READ_ONCE(sem->nr_waiters));
	/* Of those, places held for signalled threads (semaphore.c). */
	seq_printf(m, "semctl-parked:\t%u\n", READ_ONCE(sem->nr_parked));
	seq_printf(m, "semctl-undo:\t%llu\n", READ_ONCE(sfile->undo));
	/* Octal escapes, as /proc/self/mounts: one name, one field, one line. */
	seq_puts(m, "semctl-name:\t");
	if (sem->name)
		seq_escape(m, sem->name, " \t\n\\");
	seq_putc(m, '\n');
}

static const struct file_operations semctl_file_fops = {
	.owner		= THIS_MODULE,
	.read		= semctl_file_read,
	.read_iter	= semctl_file_read_iter,
	.write		= semctl_file_write,
	.write_iter	= semctl_file_write_iter,
	.poll		= semctl_file_poll,
	.mmap		= semctl_file_mmap,
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
	INIT_LIST_HEAD(&fd->sfile->undo_node);

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
