// SPDX-License-Identifier: GPL-2.0
/*
 * How a driver reaches the command area of the SQE, and whether it sees
 * the SQE itself (for user_data): io_uring_sqe_cmd(sqe, type) (7.x),
 * io_uring_sqe_cmd(sqe) (6.7), or only a pointer to the area (6.1).
 */
#ifdef SEMCTL_HAVE_IO_URING_CMD_H
#include <linux/io_uring/cmd.h>
#else
#include <linux/io_uring.h>
#endif

struct probe_area {
	__u64 a, b;
};

u64 probe(const struct io_uring_cmd *cmd)
{
#if defined(SEMCTL_HAVE_URING_SQE_CMD_TYPED)
	const struct probe_area *area = io_uring_sqe_cmd(cmd->sqe,
							 struct probe_area);

	return area->a + cmd->sqe->user_data;
#elif defined(SEMCTL_HAVE_URING_SQE_CMD)
	const struct probe_area *area = io_uring_sqe_cmd(cmd->sqe);

	return area->a + cmd->sqe->user_data;
#elif defined(SEMCTL_URING_CMD_AREA_ONLY)
	const struct probe_area *area = cmd->cmd;

	return area->a;
#endif
}
