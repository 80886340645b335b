/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels semctl builds against, one place only.
 * Each SEMCTL_* condition below comes from compat-probes.h, which
 * module/Kbuild generates by compiling each module/probes/ file against the
 * target kernel: never from a version number, as distributions backport.
 */
#ifndef _SEMCTL_COMPAT_H
#define _SEMCTL_COMPAT_H

#include <linux/errno.h>
#include <linux/hrtimer.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/uaccess.h>

#include "compat-probes.h"

/*
 * Write a size-versioned struct back: as much as the caller's @usize holds,
 * zero beyond what the kernel knows.
 */
#if defined(SEMCTL_HAVE_COPY_STRUCT_TO_USER)
static inline int semctl_copy_struct_to_user(void __user *dst, size_t usize,
					     const void *src, size_t ksize)
{
	return copy_struct_to_user(dst, usize, src, ksize, NULL);
}
#elif defined(SEMCTL_COPY_STRUCT_TO_USER_OPEN_CODED)
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

#if defined(SEMCTL_HAVE_HRTIMER_SETUP)
static inline void semctl_hrtimer_setup(struct hrtimer *timer,
					enum hrtimer_restart (*function)(struct hrtimer *),
					clockid_t clock, enum hrtimer_mode mode)
{
	hrtimer_setup(timer, function, clock, mode);
}
#elif defined(SEMCTL_HRTIMER_INIT)
static inline void semctl_hrtimer_setup(struct hrtimer *timer,
					enum hrtimer_restart (*function)(struct hrtimer *),
					clockid_t clock, enum hrtimer_mode mode)
{
	hrtimer_init(timer, clock, mode);
	timer->function = function;
}
#endif

/* vm_flags became private, changed through helpers, in 6.3. */
#if defined(SEMCTL_HAVE_VM_FLAGS_MOD)
static inline void semctl_vm_flags_mod(struct vm_area_struct *vma,
				       vm_flags_t set, vm_flags_t clear)
{
	vm_flags_mod(vma, set, clear);
}
#elif defined(SEMCTL_VM_FLAGS_WRITABLE)
static inline void semctl_vm_flags_mod(struct vm_area_struct *vma,
				       vm_flags_t set, vm_flags_t clear)
{
	vma->vm_flags = (vma->vm_flags | set) & ~clear;
}
#endif

/* Where the io_uring command interface lives (6.7 moved it). */
#if defined(SEMCTL_HAVE_IO_URING_CMD_H)
#include <linux/io_uring/cmd.h>
#elif defined(SEMCTL_IO_URING_H)
#include <linux/io_uring.h>
#endif

/*
 * The 16-byte command area of the SQE, and the SQE's user_data where the
 * driver can see the SQE (6.7 and later: the command points at the SQE,
 * or at a full copy of it once the request went async). 6.1 shows only
 * the command area, possibly copied away from the SQE: no user_data.
 */
#if defined(SEMCTL_HAVE_URING_SQE_CMD_TYPED)
#define semctl_uring_cmd_area(ucmd, type)	io_uring_sqe_cmd((ucmd)->sqe, type)
#elif defined(SEMCTL_HAVE_URING_SQE_CMD)
#define semctl_uring_cmd_area(ucmd, type)	\
	((const type *)io_uring_sqe_cmd((ucmd)->sqe))
#elif defined(SEMCTL_URING_CMD_AREA_ONLY)
#define semctl_uring_cmd_area(ucmd, type)	((const type *)(ucmd)->cmd)
#endif

#if defined(SEMCTL_HAVE_URING_SQE_CMD_TYPED) || defined(SEMCTL_HAVE_URING_SQE_CMD)
#define SEMCTL_URING_HAS_USER_DATA	true

static inline u64 semctl_uring_user_data(const struct io_uring_cmd *cmd)
{
	return READ_ONCE(cmd->sqe->user_data);
}

/*
 * The SQE fields a semaphore command does not use are zero, so that they
 * can carry something later: ioprio, addr, len, uring_cmd_flags (no fixed
 * buffer), buf_index, file_index.
 */
static inline bool semctl_uring_sqe_unused_clear(const struct io_uring_cmd *cmd)
{
	const struct io_uring_sqe *sqe = cmd->sqe;

	return !READ_ONCE(sqe->ioprio) && !READ_ONCE(sqe->addr) &&
	       !READ_ONCE(sqe->len) && !READ_ONCE(sqe->uring_cmd_flags) &&
	       !READ_ONCE(sqe->buf_index) && !READ_ONCE(sqe->file_index);
}
#else
#define SEMCTL_URING_HAS_USER_DATA	false

static inline u64 semctl_uring_user_data(const struct io_uring_cmd *cmd)
{
	return 0;
}

/* Only the command area is visible: nothing else can be checked. */
static inline bool semctl_uring_sqe_unused_clear(const struct io_uring_cmd *cmd)
{
	return true;
}
#endif

#if defined(SEMCTL_HAVE_URING_CMD_DONE_NO_RES2)
static inline void semctl_uring_cmd_done(struct io_uring_cmd *cmd, int ret,
					 unsigned int issue_flags)
{
	io_uring_cmd_done(cmd, ret, issue_flags);
}
#elif defined(SEMCTL_URING_CMD_DONE_RES2)
static inline void semctl_uring_cmd_done(struct io_uring_cmd *cmd, int ret,
					 unsigned int issue_flags)
{
	io_uring_cmd_done(cmd, ret, 0, issue_flags);
}
#endif

/*
 * Task work of a command: semctl_uring_task_work() (uring.c) gets the
 * command, whether io_uring said nobody will read its completion (its
 * task is exiting or, on 7.x, its ring is going away), and the issue flags
 * to complete it with.
 */
void semctl_uring_task_work(struct io_uring_cmd *cmd, bool dying,
			    unsigned int issue_flags);

#if defined(SEMCTL_HAVE_URING_TW_REQ)
static inline void semctl_uring_tw(struct io_tw_req tw_req, io_tw_token_t tw)
{
	semctl_uring_task_work(io_uring_cmd_from_tw(tw_req), tw.cancel,
			       IO_URING_CMD_TASK_WORK_ISSUE_FLAGS);
}
#elif defined(SEMCTL_HAVE_URING_TW_TASK_DEAD)
static inline void semctl_uring_tw(struct io_uring_cmd *cmd,
				   unsigned int issue_flags)
{
	semctl_uring_task_work(cmd, issue_flags & IO_URING_F_TASK_DEAD,
			       issue_flags);
}
#elif defined(SEMCTL_URING_TW_CMD)
static inline void semctl_uring_tw(struct io_uring_cmd *cmd,
				   unsigned int issue_flags)
{
	semctl_uring_task_work(cmd, false, issue_flags);
}
#endif

static inline void semctl_uring_complete_in_task(struct io_uring_cmd *cmd)
{
	io_uring_cmd_complete_in_task(cmd, semctl_uring_tw);
}

/*
 * Whether io_uring tells the driver when the ring or task of a queued
 * command goes away (6.7). Only then may an acquire be queued with no
 * thread behind it; otherwise it waits in an io-wq worker, which ring
 * exit, task exit and exec cancel.
 */
#if defined(SEMCTL_HAVE_URING_CMD_CANCELABLE)
#define SEMCTL_URING_THREADLESS		true
#define SEMCTL_URING_F_CANCEL		IO_URING_F_CANCEL

static inline void semctl_uring_mark_cancelable(struct io_uring_cmd *cmd,
						unsigned int issue_flags)
{
	io_uring_cmd_mark_cancelable(cmd, issue_flags);
}
#elif defined(SEMCTL_URING_CMD_NOT_CANCELABLE)
#define SEMCTL_URING_THREADLESS		false
#define SEMCTL_URING_F_CANCEL		0

static inline void semctl_uring_mark_cancelable(struct io_uring_cmd *cmd,
						unsigned int issue_flags)
{
}
#endif

#endif /* _SEMCTL_COMPAT_H */
