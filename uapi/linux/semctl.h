/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * semctl: kernel counting semaphores handed out as file descriptors.
 *
 * /dev/semctl takes the device ioctls (create, open, unlink); each returns
 * a new file descriptor for one semaphore, which takes the semaphore
 * ioctls (acquire, release, query) and eventfd-style read/write/poll.
 *
 * Every argument struct starts with a __u32 size that the caller sets to
 * sizeof() the struct it was compiled with. The kernel accepts any size
 * from the first published one (SEMCTL_*_SIZE_VER0) up to one page: bytes
 * it does not know must be zero (else E2BIG), fields a caller's struct
 * lacks take their zero default. Output structs are written up to the
 * caller's size. The size bits of the ioctl number are ignored so that a
 * struct can grow without changing its ioctl number.
 *
 * Unknown flags and non-zero reserved fields are rejected with EINVAL.
 */
#ifndef _UAPI_LINUX_SEMCTL_H
#define _UAPI_LINUX_SEMCTL_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* Longest name, in bytes, without the terminating NUL. */
#define SEMCTL_NAME_MAX		255

/* Largest value and maximum: bits 0..62 of the value word. */
#define SEMCTL_VALUE_MAX	0x7fffffffffffffffULL

/*
 * The value word, shared: mmap() of a semaphore fd, offset 0, one page,
 * MAP_SHARED, maps the semaphore's value as a naturally aligned __u64 at
 * the start of the page, followed by a __u64 holding its maximum (the
 * kernel never reads that one back); the rest reads as zero. Bits 0..62
 * of the value are the units available. While SEMCTL_VALUE_KERNEL is
 * clear, a process may take units with a compare-and-swap from v to
 * v - count (v >= count) and give them back with one from v to v + count
 * (v + count <= max) instead of the ioctls. While it is set, the kernel
 * owns the word: use the ioctls (or read/write), which keep FIFO order,
 * wake waiters and pay back undo. The kernel sets it before changing the
 * word and keeps it while acquirers are queued, pollers wait (for as long
 * as an epoll watch exists), any open file holds units with undo, or the
 * semaphore is poisoned.
 *
 * A writable mapping needs the write right (else EACCES); any semaphore
 * fd may map the word read-only. Other offsets, lengths and MAP_PRIVATE
 * fail with EINVAL.
 */
#define SEMCTL_VALUE_KERNEL	(1ULL << 63)

/* Flags shared by create and open: how the new fd behaves. */
#define SEMCTL_FD_NOCLOEXEC	0x1U	/* fd survives execve() */
#define SEMCTL_FD_NONBLOCK	0x2U	/* O_NONBLOCK: read() never waits */
#define SEMCTL_FD_UNDO		0x4U	/* read() acquires with undo */

/* create only */
#define SEMCTL_CREATE_EXCL	0x100U	/* EEXIST if the name exists */

/* open only: the rights the fd keeps; neither means both */
#define SEMCTL_OPEN_READ	0x200U	/* query, poll */
#define SEMCTL_OPEN_WRITE	0x400U	/* acquire, release, read, write */

/**
 * struct semctl_create - argument of SEMCTL_IOC_CREATE
 * @size:	sizeof(struct semctl_create)
 * @flags:	SEMCTL_FD_* and SEMCTL_CREATE_EXCL
 * @value:	initial value, at most @max
 * @max:	maximum value, 1..SEMCTL_VALUE_MAX; 0 means SEMCTL_VALUE_MAX
 * @name:	user pointer to a NUL-terminated name, 0 for an anonymous
 *		semaphore. 1..SEMCTL_NAME_MAX bytes, no '/', no ASCII
 *		control character (0x01-0x1f, 0x7f).
 * @mode:	permission bits (0777 at most) checked by SEMCTL_IOC_OPEN
 * @reserved:	must be 0
 *
 * Returns a new fd with read and write rights. Without SEMCTL_CREATE_EXCL
 * an existing name is opened instead (as SEMCTL_IOC_OPEN with both
 * rights); @value, @max and @mode are then not used.
 */
struct semctl_create {
	__u32 size;
	__u32 flags;
	__u64 value;
	__u64 max;
	__u64 name;
	__u32 mode;
	__u32 reserved;
};

#define SEMCTL_CREATE_SIZE_VER0	40

/**
 * struct semctl_open - argument of SEMCTL_IOC_OPEN
 * @size:	sizeof(struct semctl_open)
 * @flags:	SEMCTL_FD_* and SEMCTL_OPEN_READ / SEMCTL_OPEN_WRITE
 * @name:	user pointer to the NUL-terminated name
 *
 * Returns a new fd; ENOENT if the name does not exist, EACCES if the
 * semaphore's mode denies a right asked for.
 */
struct semctl_open {
	__u32 size;
	__u32 flags;
	__u64 name;
};

#define SEMCTL_OPEN_SIZE_VER0	16

/**
 * struct semctl_unlink - argument of SEMCTL_IOC_UNLINK
 * @size:	sizeof(struct semctl_unlink)
 * @flags:	must be 0
 * @name:	user pointer to the NUL-terminated name
 *
 * Removes the name. Open fds keep working; the semaphore is freed when
 * its last fd is closed. Only the owner or CAP_IPC_OWNER may unlink.
 */
struct semctl_unlink {
	__u32 size;
	__u32 flags;
	__u64 name;
};

#define SEMCTL_UNLINK_SIZE_VER0	16

/* acquire flags */
#define SEMCTL_ACQUIRE_TRY	0x1U	/* EAGAIN instead of waiting */
#define SEMCTL_ACQUIRE_UNDO	0x2U	/* give back on last close */
#define SEMCTL_ACQUIRE_TIMEOUT	0x4U	/* @timeout_ns is used */
#define SEMCTL_ACQUIRE_ABSTIME	0x8U	/* ... as an absolute time */
#define SEMCTL_ACQUIRE_REALTIME	0x10U	/* ... on CLOCK_REALTIME */

/**
 * struct semctl_acquire - argument of SEMCTL_IOC_ACQUIRE
 * @size:	sizeof(struct semctl_acquire)
 * @flags:	SEMCTL_ACQUIRE_*
 * @count:	units to take at once, 1..max of the semaphore
 * @timeout_ns:	with SEMCTL_ACQUIRE_TIMEOUT: nanoseconds from now, or with
 *		SEMCTL_ACQUIRE_ABSTIME the deadline in nanoseconds on
 *		CLOCK_MONOTONIC (CLOCK_REALTIME with SEMCTL_ACQUIRE_REALTIME).
 *		At most 2^63-1 (EINVAL above: no kernel time holds it).
 *		Must be 0 without SEMCTL_ACQUIRE_TIMEOUT.
 *
 * Waiters are served in arrival order. Returns 0 with the units taken,
 * or fails with EAGAIN (try), ETIMEDOUT, EINTR. When a signal interrupts
 * a relative timeout, @timeout_ns is updated to the time left, so a
 * restart (SA_RESTART) never extends the wait.
 */
struct semctl_acquire {
	__u32 size;
	__u32 flags;
	__u64 count;
	__u64 timeout_ns;
};

#define SEMCTL_ACQUIRE_SIZE_VER0	24

/**
 * struct semctl_release - argument of SEMCTL_IOC_RELEASE
 * @size:	sizeof(struct semctl_release)
 * @flags:	must be 0
 * @count:	units to give back, at least 1
 * @previous:	out: the value before the release
 *
 * All or nothing: EOVERFLOW if the value would exceed the maximum.
 * Units this fd holds with undo are paid back first.
 */
struct semctl_release {
	__u32 size;
	__u32 flags;
	__u64 count;
	__u64 previous;
};

#define SEMCTL_RELEASE_SIZE_VER0	24

/* query flags (out) */
#define SEMCTL_INFO_NAMED	0x1U	/* created with a name */
#define SEMCTL_INFO_UNLINKED	0x2U	/* ... since unlinked */
#define SEMCTL_INFO_READ	0x4U	/* this fd may query, poll */
#define SEMCTL_INFO_WRITE	0x8U	/* this fd may acquire, release */
#define SEMCTL_INFO_FD_UNDO	0x10U	/* fd opened with SEMCTL_FD_UNDO */
#define SEMCTL_INFO_POISONED	0x20U	/* acquires fail with EIDRM */

/**
 * struct semctl_info - argument of SEMCTL_IOC_QUERY
 * @size:	in: sizeof(struct semctl_info); every other field is out
 * @flags:	SEMCTL_INFO_*
 * @value:	units available now
 * @max:	maximum value
 * @waiters:	blocked acquires and queued io_uring acquire commands
 *		(an io_uring READ waits on poll and is not counted)
 * @undo:	units this open file holds with undo
 * @uid:	owner (named semaphores; the creator otherwise)
 * @gid:	group
 * @mode:	permission bits
 * @reserved:	0
 * @name:	NUL-terminated name, empty when anonymous
 */
struct semctl_info {
	__u32 size;
	__u32 flags;
	__u64 value;
	__u64 max;
	__u64 waiters;
	__u64 undo;
	__u32 uid;
	__u32 gid;
	__u32 mode;
	__u32 reserved;
	char name[SEMCTL_NAME_MAX + 1];
	/* version 1 */
	__u64 undo_total;	/* units held with undo by all open files */
};

#define SEMCTL_INFO_SIZE_VER0	312
#define SEMCTL_INFO_SIZE_VER1	320

/**
 * struct semctl_poison - argument of SEMCTL_IOC_POISON
 * @size:	sizeof(struct semctl_poison)
 * @flags:	must be 0
 *
 * Closes the semaphore to acquirers for good, as SysV's IPC_RMID does to
 * its waiters and tokio's Semaphore::close(): every queued acquire (ioctl,
 * read, io_uring) fails with EIDRM, and so does every later one. Releases
 * still work, so holders can finish. Needs the write right.
 */
struct semctl_poison {
	__u32 size;
	__u32 flags;
};

#define SEMCTL_POISON_SIZE_VER0	8

/**
 * struct semctl_list - argument of SEMCTL_IOC_LIST on /dev/semctl
 * @size:	sizeof(struct semctl_list)
 * @flags:	must be 0
 * @cursor:	in: 0 to start, else the value returned by the previous call;
 *		out: where the next call continues
 * @entries:	user pointer to an array of @count entries of @entry_size
 *		bytes each (struct semctl_info, any known version)
 * @entry_size:	sizeof(struct semctl_info)
 * @count:	in: room in @entries; out: entries written, 0 at the end
 *
 * Lists the named semaphores the caller may read (mode's read bit, or
 * CAP_IPC_OWNER), in creation order. A call may write fewer entries than
 * there is room for while more follow: call again until @count is 0. An entry's @undo is 0 and its
 * SEMCTL_INFO_READ/WRITE flags say what an open would grant.
 */
struct semctl_list {
	__u32 size;
	__u32 flags;
	__u64 cursor;
	__u64 entries;
	__u32 entry_size;
	__u32 count;
};

#define SEMCTL_LIST_SIZE_VER0	32

/* holder flags (out) */
#define SEMCTL_HOLDER_WAITING	0x1U	/* queued for @count units, not holding */
#define SEMCTL_HOLDER_ASYNC	0x2U	/* ... an io_uring acquire command */

/**
 * struct semctl_holder - one entry of SEMCTL_IOC_HOLDERS
 * @count:	units held with undo by the open file, or (WAITING) asked for
 * @pid:	the process, as a PID in the caller's PID namespace; 0 if it
 *		is not visible there. For a holder: the process that last
 *		acquired with undo through the open file (an open file shared
 *		across fork() names one of its processes).
 * @flags:	SEMCTL_HOLDER_*
 */
struct semctl_holder {
	__u64 count;
	__s32 pid;
	__u32 flags;
};

#define SEMCTL_HOLDER_SIZE_VER0	16

/* Entries one SEMCTL_IOC_HOLDERS call writes at most. */
#define SEMCTL_HOLDERS_MAX	128

/**
 * struct semctl_holders - argument of SEMCTL_IOC_HOLDERS on a semaphore fd
 * @size:	sizeof(struct semctl_holders)
 * @flags:	must be 0
 * @entries:	user pointer to an array of @count entries of @entry_size
 *		bytes each (struct semctl_holder, any known version)
 * @entry_size:	sizeof(struct semctl_holder)
 * @count:	in: room in @entries; out: entries written, at most
 *		SEMCTL_HOLDERS_MAX
 * @holders:	out: open files holding units with undo
 * @waiters:	out: queued acquires (as SEMCTL_IOC_QUERY's @waiters)
 *
 * Who holds units and who waits, as one snapshot: first the open files
 * holding units with undo (in the order they first took them), then the
 * queued acquires in FIFO order. Units taken without undo belong to no
 * one the kernel could name and are not listed. When @holders + @waiters
 * exceeds what was written, the rest was left out. Needs the read right.
 */
struct semctl_holders {
	__u32 size;
	__u32 flags;
	__u64 entries;
	__u32 entry_size;
	__u32 count;
	__u64 holders;
	__u64 waiters;
};

#define SEMCTL_HOLDERS_SIZE_VER0	40

/*
 * Asynchronous acquire through io_uring: IORING_OP_URING_CMD on a
 * semaphore fd, with sqe->cmd_op one of the commands below and the
 * command's struct in sqe->cmd (16 bytes, so it fits a plain 64-byte SQE).
 *
 * SEMCTL_URING_CMD_ACQUIRE completes with 0 once @count units are held,
 * queued in the same FIFO as blocking acquirers; -ETIMEDOUT, -ECANCELED
 * (cancel command, ring or task exit) or -EINVAL otherwise.
 */
struct semctl_uring_acquire {
	__u32 count;		/* units, 1..max */
	__u32 flags;		/* SEMCTL_ACQUIRE_* but TRY */
	__u64 timeout_ns;
};

/*
 * SEMCTL_URING_CMD_CANCEL completes every pending async acquire on the
 * same open file whose user_data is @user_data with -ECANCELED; it
 * completes itself with the number cancelled, or -ENOENT for none.
 */
struct semctl_uring_cancel {
	__u64 user_data;
	__u64 reserved;		/* must be 0 */
};

#define SEMCTL_URING_CMD_ACQUIRE	0x5e01
#define SEMCTL_URING_CMD_CANCEL		0x5e02

#define SEMCTL_IOC_MAGIC	0xE9

/* on /dev/semctl */
#define SEMCTL_IOC_CREATE	_IOW(SEMCTL_IOC_MAGIC, 0x00, struct semctl_create)
#define SEMCTL_IOC_OPEN		_IOW(SEMCTL_IOC_MAGIC, 0x01, struct semctl_open)
#define SEMCTL_IOC_UNLINK	_IOW(SEMCTL_IOC_MAGIC, 0x02, struct semctl_unlink)
#define SEMCTL_IOC_LIST		_IOWR(SEMCTL_IOC_MAGIC, 0x03, struct semctl_list)

/* on a semaphore fd */
#define SEMCTL_IOC_ACQUIRE	_IOWR(SEMCTL_IOC_MAGIC, 0x10, struct semctl_acquire)
#define SEMCTL_IOC_RELEASE	_IOWR(SEMCTL_IOC_MAGIC, 0x11, struct semctl_release)
#define SEMCTL_IOC_QUERY	_IOWR(SEMCTL_IOC_MAGIC, 0x12, struct semctl_info)
#define SEMCTL_IOC_POISON	_IOW(SEMCTL_IOC_MAGIC, 0x13, struct semctl_poison)
#define SEMCTL_IOC_HOLDERS	_IOWR(SEMCTL_IOC_MAGIC, 0x14, struct semctl_holders)

#endif /* _UAPI_LINUX_SEMCTL_H */
