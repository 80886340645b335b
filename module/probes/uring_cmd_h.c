// SPDX-License-Identifier: GPL-2.0
/*
 * Where the io_uring command interface lives: include/linux/io_uring/cmd.h
 * since 6.7, include/linux/io_uring.h before. The other io_uring probes
 * are compiled with this one's result.
 */
#if defined(SEMCTL_HAVE_IO_URING_CMD_H)
#include <linux/io_uring/cmd.h>
#elif defined(SEMCTL_IO_URING_H)
#include <linux/io_uring.h>
#endif

u32 probe(const struct io_uring_cmd *cmd)
{
	return cmd->cmd_op;
}
