// SPDX-License-Identifier: GPL-2.0
/*
 * Whether io_uring tells a driver that the ring or task of a queued
 * command is going away (io_uring_cmd_mark_cancelable, IO_URING_F_CANCEL:
 * 6.7). Without it a command must not wait outside io-wq.
 */
#ifdef SEMCTL_HAVE_IO_URING_CMD_H
#include <linux/io_uring/cmd.h>
#else
#include <linux/io_uring.h>
#endif

unsigned int probe(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
#if defined(SEMCTL_HAVE_URING_CMD_CANCELABLE)
	io_uring_cmd_mark_cancelable(cmd, issue_flags);
	return issue_flags & IO_URING_F_CANCEL;
#elif defined(SEMCTL_URING_CMD_NOT_CANCELABLE)
	return issue_flags & IO_URING_F_NONBLOCK;
#endif
}
