// SPDX-License-Identifier: GPL-2.0
/*
 * The io_uring_cmd_complete_in_task() callback, and how it learns that
 * nobody will read the completion: io_req_tw_func_t with tw.cancel (7.x),
 * the command and IO_URING_F_TASK_DEAD (6.12), or the command alone.
 */
#ifdef SEMCTL_HAVE_IO_URING_CMD_H
#include <linux/io_uring/cmd.h>
#else
#include <linux/io_uring.h>
#endif

static void probe_done(struct io_uring_cmd *cmd, bool dying, unsigned int flags)
{
}

#if defined(SEMCTL_HAVE_URING_TW_REQ)
static void probe_cb(struct io_tw_req tw_req, io_tw_token_t tw)
{
	probe_done(io_uring_cmd_from_tw(tw_req), tw.cancel,
		   IO_URING_CMD_TASK_WORK_ISSUE_FLAGS);
}
#elif defined(SEMCTL_HAVE_URING_TW_TASK_DEAD)
static void probe_cb(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	probe_done(cmd, issue_flags & IO_URING_F_TASK_DEAD, issue_flags);
}
#elif defined(SEMCTL_URING_TW_CMD)
static void probe_cb(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	probe_done(cmd, false, issue_flags);
}
#endif

void probe(struct io_uring_cmd *cmd)
{
	io_uring_cmd_complete_in_task(cmd, probe_cb);
}
