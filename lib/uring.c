// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * libsemctl: io_uring helpers for IORING_OP_URING_CMD on a semaphore fd.
 *
 * liburing 2.3 (Debian 12) has no io_uring_prep_uring_cmd(), so the SQE
 * is filled here by hand from the kernel's <linux/io_uring.h> layout:
 * cmd_op shares the union with sqe->off, and the command's 16-byte
 * struct goes in sqe->cmd, the tail of a plain 64-byte SQE (addr3 and
 * __pad2), so no IORING_SETUP_SQE128 ring is needed.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <linux/io_uring.h>

#include "semctl.h"

#define SEMCTL_API	__attribute__((visibility("default")))

_Static_assert(sizeof(struct semctl_uring_acquire) == 16,
	       "acquire command must fit a 64-byte SQE");
_Static_assert(sizeof(struct semctl_uring_cancel) == 16,
	       "cancel command must fit a 64-byte SQE");
_Static_assert(offsetof(struct io_uring_sqe, cmd) + 16 ==
	       sizeof(struct io_uring_sqe),
	       "sqe->cmd is the last 16 bytes of a 64-byte SQE");

static void semctl_prep_cmd(struct io_uring_sqe *sqe, int fd, uint32_t op,
			    const void *cmd, size_t len)
{
	/*
	 * Clear the whole 64-byte entry as liburing's own prep helpers do:
	 * user_data, flags, personality, buf_index must not carry over
	 * from the previous use of this slot. The caller sets user_data
	 * (io_uring_sqe_set_data64() or sqe->user_data) afterwards.
	 */
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = fd;
	sqe->cmd_op = op;
	memcpy(sqe->cmd, cmd, len);
}

SEMCTL_API void semctl_prep_acquire(struct io_uring_sqe *sqe, int fd,
				    uint32_t count, unsigned int flags,
				    uint64_t timeout_ns)
{
	struct semctl_uring_acquire a = {
		.count = count,
		.flags = flags,
		.timeout_ns = timeout_ns,
	};

	if (timeout_ns)
		a.flags |= SEMCTL_ACQUIRE_TIMEOUT;
	semctl_prep_cmd(sqe, fd, SEMCTL_URING_CMD_ACQUIRE, &a, sizeof(a));
}

SEMCTL_API void semctl_prep_cancel(struct io_uring_sqe *sqe, int fd,
				   uint64_t user_data)
{
	struct semctl_uring_cancel c = {
		.user_data = user_data,
	};

	semctl_prep_cmd(sqe, fd, SEMCTL_URING_CMD_CANCEL, &c, sizeof(c));
}

SEMCTL_API int semctl_cqe_result(const struct io_uring_cqe *cqe)
{
	if (!cqe)
		return -EINVAL;
	return cqe->res;
}
