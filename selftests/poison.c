// SPDX-License-Identifier: GPL-2.0
/*
 * SEMCTL_IOC_POISON closes a semaphore to acquirers: every queued and
 * later acquire fails with EIDRM, releases still work.
 */
#include <liburing.h>

#include "semctl_test.h"

static int poison(int fd, __u32 flags)
{
	struct semctl_poison p = { .size = sizeof(p), .flags = flags };

	return ret_or_errno(ioctl(fd, SEMCTL_IOC_POISON, &p));
}

struct blocked {
	int fd;
	int ret;
};

static void *waiter_main(void *arg)
{
	struct blocked *w = arg;

	w->ret = sem_acquire_bounded(w->fd, 1, 0);
	return NULL;
}

TEST(queued_and_later_acquires_fail_with_eidrm)
{
	struct blocked w[3];
	pthread_t thread[3];
	__u64 unit;
	int dev, fd, i;

	dev = dev_open();
	ASSERT_GE(dev, 0);
	fd = sem_create(dev, 0, 4);
	ASSERT_GE(fd, 0);
	for (i = 0; i < 3; i++) {
		w[i].fd = fd;
		ASSERT_EQ(0, pthread_create(&thread[i], NULL, waiter_main, &w[i]));
		ASSERT_EQ(0, wait_waiters(fd, i + 1, NULL));
	}
	ASSERT_EQ(0, poison(fd, 0));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, pthread_join(thread[i], NULL));
		EXPECT_EQ(-EIDRM, w[i].ret);
	}
	EXPECT_EQ(0, sem_waiters(fd));
	EXPECT_EQ(-EIDRM, sem_acquire_bounded(fd, 1, 0));
	EXPECT_EQ(-EIDRM, sem_try(fd, 1));
	EXPECT_EQ(-1, read(fd, &unit, sizeof(unit)));
	EXPECT_EQ(EIDRM, errno);
	/* Holders can still give back. */
	EXPECT_EQ(0, sem_release(fd, 2));
	EXPECT_EQ(2, sem_value(fd));
	EXPECT_EQ(-EIDRM, sem_try(fd, 1));
	close(fd);
	close(dev);
}

TEST(query_and_poll_report_the_state)
{
	struct semctl_info info = { .size = sizeof(info) };
	struct pollfd pfd;
	int dev, fd;

	dev = dev_open();
	ASSERT_GE(dev, 0);
	fd = sem_create(dev, 0, 1);
	ASSERT_GE(fd, 0);
	pfd.fd = fd;
	pfd.events = POLLIN;
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	ASSERT_EQ(0, poison(fd, 0));
	ASSERT_EQ(0, ioctl(fd, SEMCTL_IOC_QUERY, &info));
	EXPECT_TRUE(info.flags & SEMCTL_INFO_POISONED);
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_TRUE(pfd.revents & POLLERR);
	EXPECT_TRUE(pfd.revents & POLLIN);
	close(fd);
	close(dev);
}

TEST(pending_uring_acquire_fails_with_eidrm)
{
	struct semctl_uring_acquire a = { .count = 1 };
	struct __kernel_timespec ts = { .tv_sec = 10 };
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	int dev, fd;

	dev = dev_open();
	ASSERT_GE(dev, 0);
	fd = sem_create(dev, 0, 1);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));
	sqe = io_uring_get_sqe(&ring);
	ASSERT_NE(NULL, sqe);
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = fd;
	sqe->cmd_op = SEMCTL_URING_CMD_ACQUIRE;
	memcpy(sqe->cmd, &a, sizeof(a));
	sqe->user_data = 1;
	ASSERT_EQ(1, io_uring_submit(&ring));
	ASSERT_EQ(0, wait_waiters(fd, 1, NULL));
	ASSERT_EQ(0, poison(fd, 0));
	ASSERT_EQ(0, io_uring_wait_cqe_timeout(&ring, &cqe, &ts));
	EXPECT_EQ(-EIDRM, cqe->res);
	io_uring_cqe_seen(&ring, cqe);
	io_uring_queue_exit(&ring);
	close(fd);
	close(dev);
}

TEST(unknown_flag_is_einval)
{
	int dev, fd;

	dev = dev_open();
	ASSERT_GE(dev, 0);
	fd = sem_create(dev, 1, 1);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(-EINVAL, poison(fd, 1));
	EXPECT_EQ(0, sem_try(fd, 1));
	close(fd);
	close(dev);
}

TEST(read_only_fd_cannot_poison)
{
	char name[64];
	int dev, fd, ro;

	dev = dev_open();
	ASSERT_GE(dev, 0);
	unique_name(name, sizeof(name), "poison-ro");
	fd = sem_create_full(dev, 0, 1, 1, name, 0600);
	ASSERT_GE(fd, 0);
	ro = sem_open_name(dev, name, SEMCTL_OPEN_READ);
	ASSERT_GE(ro, 0);
	EXPECT_EQ(-EBADF, poison(ro, 0));
	EXPECT_EQ(0, sem_try(fd, 1));
	sem_unlink(dev, name);
	close(ro);
	close(fd);
	close(dev);
}

TEST_HARNESS_MAIN
