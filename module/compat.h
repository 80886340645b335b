/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels semctl builds against, one place only.
 * Each SEMCTL_HAVE_* comes from a probe of the kernel's headers in
 * module/Kbuild, never from a version number: distributions backport.
 */
#ifndef _SEMCTL_COMPAT_H
#define _SEMCTL_COMPAT_H

#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/uaccess.h>

/*
 * Write a size-versioned struct back: as much as the caller's @usize holds,
 * zero beyond what the kernel knows. Kernels from 6.13 provide this.
 */
#ifdef SEMCTL_HAVE_COPY_STRUCT_TO_USER
static inline int semctl_copy_struct_to_user(void __user *dst, size_t usize,
					     const void *src, size_t ksize)
{
	return copy_struct_to_user(dst, usize, src, ksize, NULL);
}
#else
static inline int semctl_copy_struct_to_user(void __user *dst, size_t usize,
					     const void *src, size_t ksize)
{
	size_t size = min(ksize, usize);

	if (usize > ksize && clear_user(dst + ksize, usize - ksize))
		return -EFAULT;
	if (copy_to_user(dst, src, size))
		return -EFAULT;
	return 0;
}
#endif

/* Where the io_uring command interface lives (6.7 moved it). */
#ifdef SEMCTL_HAVE_IO_URING_CMD_H
#include <linux/io_uring/cmd.h>
#else
#include <linux/io_uring.h>
#include <linux/io_uring_types.h>
#endif

/* The 16-byte command area of the SQE. */
static inline const void *semctl_uring_cmd_area(struct io_uring_cmd *cmd)
{
#ifdef SEMCTL_HAVE_URING_CMD_SQE
	return io_uring_sqe_cmd(cmd->sqe);
#else
	return cmd->cmd;
#endif
}

/*
 * Whether io_uring can cancel a driver's queued command when its ring or
 * task goes away (io_uring_cmd_mark_cancelable, 6.7). Without it a queued
 * command would hold ring teardown forever, so semctl reaps them itself.
 */
#ifdef SEMCTL_HAVE_URING_CMD_CANCELABLE
#define SEMCTL_URING_REAPS		false
#define SEMCTL_URING_F_CANCEL		IO_URING_F_CANCEL

static inline void semctl_uring_mark_cancelable(struct io_uring_cmd *cmd,
						unsigned int issue_flags)
{
	io_uring_cmd_mark_cancelable(cmd, issue_flags);
}
#else
#define SEMCTL_URING_REAPS		true
#define SEMCTL_URING_F_CANCEL		0

static inline void semctl_uring_mark_cancelable(struct io_uring_cmd *cmd,
						unsigned int issue_flags)
{
}
#endif

/* vm_flags became private, changed through helpers, in 6.3. */
#ifdef SEMCTL_HAVE_VM_FLAGS_SET
static inline void semctl_vm_flags_mod(struct vm_area_struct *vma,
				       vm_flags_t set, vm_flags_t clear)
{
	vm_flags_mod(vma, set, clear);
}
#else
static inline void semctl_vm_flags_mod(struct vm_area_struct *vma,
				       vm_flags_t set, vm_flags_t clear)
{
	vma->vm_flags = (vma->vm_flags | set) & ~clear;
}
#endif

#endif /* _SEMCTL_COMPAT_H */
