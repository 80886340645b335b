// SPDX-License-Identifier: GPL-2.0
/*
 * Permission checks of SEMCTL_IOC_OPEN (SysV ipcperms style: owner,
 * group, other bits against euid/egid and supplementary groups;
 * CAP_IPC_OWNER overrides) and the owner check of SEMCTL_IOC_UNLINK.
 * Unprivileged callers are forked children that drop to uid/gid 65534.
 */
#include "semctl_test.h"
#include <grp.h>
#include <poll.h>
#include <linux/capability.h>

#define NOBODY		65534
#define OTHER_GID	65533

SEMCTL_FIXTURE(perm)

struct creds {
	uid_t uid;
	gid_t gid;
	int ngroups;
	gid_t groups[4];
};

/* child's exit codes */
#define CHILD_SETUP_FAILED	200

typedef int (*child_fn)(const char *name, __u32 arg);

/*
 * Run fn(name, arg) in a child with creds; returns the child's exit code
 * (fn returns 0 or a positive errno), or -1/-2 on timeout / signal.
 */
static int run_as(const struct creds *c, child_fn fn, const char *name,
		  __u32 arg)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (setgroups(c->ngroups, c->groups) ||
		    setresgid(c->gid, c->gid, c->gid) ||
		    setresuid(c->uid, c->uid, c->uid))
			_exit(CHILD_SETUP_FAILED);
		_exit(fn(name, arg));
	}
	return child_exit_code(wait_child(pid, WAIT_MS));
}

/* Drop CAP_IPC_OWNER from the effective set; keep uid 0. 0 or -errno. */
static int drop_cap_ipc_owner(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -errno;
	d[CAP_TO_INDEX(CAP_IPC_OWNER)].effective &=
		~CAP_TO_MASK(CAP_IPC_OWNER);
	if (syscall(SYS_capset, &h, d))
		return -errno;
	return 0;
}

/* Run fn(name, arg) as root without CAP_IPC_OWNER; like run_as(). */
static int run_without_cap(child_fn fn, const char *name, __u32 arg)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (drop_cap_ipc_owner())
			_exit(CHILD_SETUP_FAILED);
		_exit(fn(name, arg));
	}
	return child_exit_code(wait_child(pid, WAIT_MS));
}

static const struct creds nobody = {
	.uid = NOBODY, .gid = NOBODY, .ngroups = 0,
};

/* uid nobody, but in the semaphore's group (root's gid 0) */
static const struct creds nobody_gid0 = {
	.uid = NOBODY, .gid = 0, .ngroups = 0,
};

/* uid nobody, gid nobody, gid 0 only as a supplementary group */
static const struct creds nobody_supp0 = {
	.uid = NOBODY, .gid = NOBODY, .ngroups = 2,
	.groups = { OTHER_GID, 0 },
};

/* open name with open flags arg; 0 if it worked, else errno */
static int child_open(const char *name, __u32 flags)
{
	int dev = dev_open(), fd;

	if (dev < 0)
		return CHILD_SETUP_FAILED + 1;
	fd = sem_open_name(dev, name, flags);
	if (fd < 0)
		return -fd;
	return 0;
}

/* open READ only and check that query works and acquire is EBADF */
static int child_open_read_use(const char *name, __u32 unused)
{
	struct semctl_info info;
	int dev = dev_open(), fd;

	(void)unused;
	if (dev < 0)
		return CHILD_SETUP_FAILED + 1;
	fd = sem_open_name(dev, name, SEMCTL_OPEN_READ);
	if (fd < 0)
		return -fd;
	if (sem_query(fd, &info))
		return 101;
	if (sem_acquire(fd, 1) != -EBADF)
		return 102;
	return 0;
}

/* open WRITE only, acquire and release one unit */
static int child_open_write_use(const char *name, __u32 unused)
{
	int dev = dev_open(), fd;

	(void)unused;
	if (dev < 0)
		return CHILD_SETUP_FAILED + 1;
	fd = sem_open_name(dev, name, SEMCTL_OPEN_WRITE);
	if (fd < 0)
		return -fd;
	if (sem_acquire_bounded(fd, 1, 0))
		return 103;
	if (sem_release(fd, 1))
		return 104;
	return 0;
}

/* create without EXCL (opens the existing name with both rights) */
static int child_create_existing(const char *name, __u32 unused)
{
	int dev = dev_open(), fd;

	(void)unused;
	if (dev < 0)
		return CHILD_SETUP_FAILED + 1;
	fd = sem_create_full(dev, 0, 0, 1, name, 0666);
	return fd < 0 ? -fd : 0;
}

static int child_unlink(const char *name, __u32 unused)
{
	int dev = dev_open(), r;

	(void)unused;
	if (dev < 0)
		return CHILD_SETUP_FAILED + 1;
	r = sem_unlink(dev, name);
	return -r;
}

/*
 * As nobody: create name with mode arg (owner read bit set), check the
 * owner bits apply to the owner itself (0400: READ yes, WRITE no), and
 * that info shows us as the owner.
 */
static int child_create_owned(const char *name, __u32 mode)
{
	struct semctl_info info;
	int dev = dev_open(), fd, fd2;

	if (dev < 0)
		return CHILD_SETUP_FAILED + 1;
	fd = sem_create_full(dev, SEMCTL_CREATE_EXCL, 1, 2, name, mode);
	if (fd < 0)
		return -fd;
	if (sem_query(fd, &info))
		return 110;
	if (info.uid != NOBODY || info.gid != NOBODY || info.mode != mode)
		return 111;
	fd2 = sem_open_name(dev, name, SEMCTL_OPEN_READ);
	if (fd2 < 0)
		return 112;
	close(fd2);
	fd2 = sem_open_name(dev, name, SEMCTL_OPEN_WRITE);
	if ((mode & 0200) ? fd2 < 0 : fd2 != -EACCES)
		return 113;
	/* the creating fd has both rights regardless of mode */
	if (sem_acquire_bounded(fd, 1, 0) || sem_release(fd, 1))
		return 114;
	return 0;
}

static int make_named(FIXTURE_DATA(perm) *self, const char *tag,
		      __u32 mode)
{
	unique_name(self->name, sizeof(self->name), tag);
	self->fd = sem_create_full(self->dev, SEMCTL_CREATE_EXCL, 1, 2,
				   self->name, mode);
	return self->fd;
}

TEST_F(perm, root_creator_is_owner)
{
	struct semctl_info info;

	ASSERT_EQ(0, geteuid()) {
		TH_LOG("these tests run as root");
	}
	ASSERT_LE(0, make_named(self, "owner", 0640));
	ASSERT_EQ(0, sem_query(self->fd, &info));
	EXPECT_EQ(0, info.uid);
	EXPECT_EQ(getegid(), info.gid);
	EXPECT_EQ(0640, info.mode);
}

/*
 * The fd's own rights, not the VFS mode, decide (semctl.rst, "the open
 * file's mode does not mirror them"): a read-only fd polls readable, as a
 * watcher needs, yet read(2), an acquire, is EBADF; every fd is O_RDWR to
 * fcntl(F_GETFL); QUERY tells the rights.
 */
TEST_F(perm, read_right_polls_but_does_not_acquire)
{
	struct semctl_info info;
	struct pollfd pfd;
	uint64_t unit;
	int ro;

	ASSERT_LE(0, make_named(self, "rights", 0600));
	ro = sem_open_name(self->dev, self->name, SEMCTL_OPEN_READ);
	ASSERT_LE(0, ro);
	pfd.fd = ro;
	pfd.events = POLLIN;
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_TRUE(pfd.revents & POLLIN);
	EXPECT_EQ(-1, read(ro, &unit, sizeof(unit)));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(1, sem_value(self->fd));
	EXPECT_EQ(O_RDWR, fcntl(ro, F_GETFL) & O_ACCMODE);
	ASSERT_EQ(0, sem_query(ro, &info));
	EXPECT_EQ(SEMCTL_INFO_READ,
		  info.flags & (SEMCTL_INFO_READ | SEMCTL_INFO_WRITE));
	close(ro);
}

TEST_F(perm, mode_0600_other_denied_eacces)
{
	ASSERT_LE(0, make_named(self, "m0600", 0600));
	EXPECT_EQ(EACCES, run_as(&nobody, child_open, self->name, 0));
	EXPECT_EQ(EACCES, run_as(&nobody, child_open, self->name,
				 SEMCTL_OPEN_READ));
	EXPECT_EQ(EACCES, run_as(&nobody, child_open, self->name,
				 SEMCTL_OPEN_WRITE));
	EXPECT_EQ(EACCES, run_as(&nobody, child_open, self->name,
				 SEMCTL_OPEN_READ | SEMCTL_OPEN_WRITE));
}

TEST_F(perm, mode_0604_other_read_only)
{
	ASSERT_LE(0, make_named(self, "m0604", 0604));
	EXPECT_EQ(0, run_as(&nobody, child_open, self->name,
			    SEMCTL_OPEN_READ));
	EXPECT_EQ(0, run_as(&nobody, child_open_read_use, self->name, 0));
	EXPECT_EQ(EACCES, run_as(&nobody, child_open, self->name,
				 SEMCTL_OPEN_WRITE));
	/* neither flag means both rights: denied */
	EXPECT_EQ(EACCES, run_as(&nobody, child_open, self->name, 0));
}

TEST_F(perm, mode_0602_other_write_only)
{
	ASSERT_LE(0, make_named(self, "m0602", 0602));
	EXPECT_EQ(0, run_as(&nobody, child_open_write_use, self->name, 0));
	EXPECT_EQ(EACCES, run_as(&nobody, child_open, self->name,
				 SEMCTL_OPEN_READ));
	EXPECT_EQ(EACCES, run_as(&nobody, child_open, self->name, 0));
}

TEST_F(perm, mode_0606_other_both)
{
	ASSERT_LE(0, make_named(self, "m0606", 0606));
	EXPECT_EQ(0, run_as(&nobody, child_open, self->name, 0));
	EXPECT_EQ(0, run_as(&nobody, child_open_write_use, self->name, 0));
}

TEST_F(perm, mode_0640_group_read_by_egid)
{
	ASSERT_EQ(0, getegid());
	ASSERT_LE(0, make_named(self, "m0640", 0640));
	EXPECT_EQ(0, run_as(&nobody_gid0, child_open, self->name,
			    SEMCTL_OPEN_READ));
	EXPECT_EQ(EACCES, run_as(&nobody_gid0, child_open, self->name,
				 SEMCTL_OPEN_WRITE));
	/* not in the group: the other bits (none) apply */
	EXPECT_EQ(EACCES, run_as(&nobody, child_open, self->name,
				 SEMCTL_OPEN_READ));
}

TEST_F(perm, mode_0640_group_read_by_supplementary)
{
	ASSERT_EQ(0, getegid());
	ASSERT_LE(0, make_named(self, "m0640s", 0640));
	EXPECT_EQ(0, run_as(&nobody_supp0, child_open, self->name,
			    SEMCTL_OPEN_READ));
	EXPECT_EQ(EACCES, run_as(&nobody_supp0, child_open, self->name,
				 SEMCTL_OPEN_WRITE));
}

TEST_F(perm, mode_0660_group_write)
{
	ASSERT_LE(0, make_named(self, "m0660", 0660));
	EXPECT_EQ(0, run_as(&nobody_supp0, child_open_write_use, self->name,
			    0));
	EXPECT_EQ(0, run_as(&nobody_gid0, child_open, self->name, 0));
	EXPECT_EQ(EACCES, run_as(&nobody, child_open, self->name,
				 SEMCTL_OPEN_WRITE));
}

TEST_F(perm, mode_0604_group_bits_not_other_bits_for_group)
{
	/* like SysV: a group member gets the group bits (none here) */
	ASSERT_LE(0, make_named(self, "m0604g", 0604));
	EXPECT_EQ(EACCES, run_as(&nobody_gid0, child_open, self->name,
				 SEMCTL_OPEN_READ));
}

TEST_F(perm, owner_bits_apply_to_owner)
{
	int fd2;

	unique_name(self->name, sizeof(self->name), "ownbits");
	EXPECT_EQ(0, run_as(&nobody, child_create_owned, self->name, 0400));
	/* root has CAP_IPC_OWNER: opens with both rights anyway */
	fd2 = sem_open_name(self->dev, self->name, 0);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(0, sem_acquire(fd2, 1));
	close(fd2);
}

TEST_F(perm, cap_ipc_owner_overrides_mode_0000)
{
	struct semctl_info info;
	int fd2;

	ASSERT_LE(0, make_named(self, "m0000", 0000));
	fd2 = sem_open_name(self->dev, self->name, 0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, sem_query(fd2, &info));
	EXPECT_EQ(0, info.mode);
	EXPECT_EQ(0, sem_acquire(fd2, 1));
	close(fd2);
	EXPECT_EQ(EACCES, run_as(&nobody, child_open, self->name,
				 SEMCTL_OPEN_READ));
}

TEST_F(perm, create_without_excl_on_existing_checks_mode)
{
	ASSERT_LE(0, make_named(self, "crexist", 0604));
	/* opening via create asks for both rights */
	EXPECT_EQ(EACCES, run_as(&nobody, child_create_existing, self->name,
				 0));
	ASSERT_EQ(0, sem_unlink(self->dev, self->name));
	self->name[0] = 0;
}

TEST_F(perm, create_without_excl_on_existing_allowed)
{
	ASSERT_LE(0, make_named(self, "crexist2", 0666));
	EXPECT_EQ(0, run_as(&nobody, child_create_existing, self->name, 0));
}

TEST_F(perm, unlink_by_non_owner_eperm)
{
	ASSERT_LE(0, make_named(self, "unl", 0666));
	EXPECT_EQ(EPERM, run_as(&nobody, child_unlink, self->name, 0));
	/* still there */
	EXPECT_EQ(0, run_as(&nobody, child_open, self->name, 0));
}

TEST_F(perm, unlink_by_owner_ok)
{
	unique_name(self->name, sizeof(self->name), "unlown");
	ASSERT_EQ(0, run_as(&nobody, child_create_owned, self->name, 0600));
	EXPECT_EQ(0, run_as(&nobody, child_unlink, self->name, 0));
	EXPECT_EQ(-ENOENT, sem_open_name(self->dev, self->name, 0));
	self->name[0] = 0;
}

TEST_F(perm, unlink_by_root_of_others_sem)
{
	unique_name(self->name, sizeof(self->name), "unlroot");
	ASSERT_EQ(0, run_as(&nobody, child_create_owned, self->name, 0600));
	/* CAP_IPC_OWNER */
	EXPECT_EQ(0, sem_unlink(self->dev, self->name));
	self->name[0] = 0;
}

TEST_F(perm, missing_name_enoent_before_eacces)
{
	unique_name(self->name, sizeof(self->name), "nothere");
	EXPECT_EQ(ENOENT, run_as(&nobody, child_open, self->name, 0));
	self->name[0] = 0;
}

TEST_F(perm, root_without_cap_ipc_owner_obeys_owner_bits)
{
	/* the override is the capability, not uid 0 */
	ASSERT_LE(0, make_named(self, "nocap", 0400));
	EXPECT_EQ(0, run_without_cap(child_open, self->name,
				     SEMCTL_OPEN_READ));
	EXPECT_EQ(EACCES, run_without_cap(child_open, self->name,
					  SEMCTL_OPEN_WRITE));
	EXPECT_EQ(EACCES, run_without_cap(child_open, self->name, 0));
}

TEST_F(perm, root_without_cap_ipc_owner_cannot_unlink_others)
{
	unique_name(self->name, sizeof(self->name), "nocapunl");
	ASSERT_EQ(0, run_as(&nobody, child_create_owned, self->name, 0644));
	EXPECT_EQ(EPERM, run_without_cap(child_unlink, self->name, 0));
	/* the owner's other bits let root (without the cap) read it */
	EXPECT_EQ(0, run_without_cap(child_open, self->name,
				     SEMCTL_OPEN_READ));
	EXPECT_EQ(EACCES, run_without_cap(child_open, self->name,
					  SEMCTL_OPEN_WRITE));
}

SEMCTL_HARNESS_MAIN
