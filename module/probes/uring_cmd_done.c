// SPDX-License-Identifier: GPL-2.0
/* io_uring_cmd_done() lost its res2 argument (io_uring_cmd_done32() has it). */
#ifdef SEMCTL_HAVE_IO_URING_CMD_H
#include <linux/io_uring/cmd.h>
#else
#include <linux/io_uring.h>
#endif

void probe(struct io_uring_cmd *cmd, int ret, unsigned int issue_flags)
{
#if defined(SEMCTL_HAVE_URING_CMD_DONE_NO_RES2)
	io_uring_cmd_done(cmd, ret, issue_flags);
#elif defined(SEMCTL_URING_CMD_DONE_RES2)
	io_uring_cmd_done(cmd, ret, 0, issue_flags);
#endif
}
