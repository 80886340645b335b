// SPDX-License-Identifier: GPL-2.0
/*
 * SEMCTL_IOC_LIST: the named semaphores the caller may read, in creation
 * order, paged with a cursor; and each validation path. Other programs'
 * names may exist at the same time, so only this test's names (a unique
 * prefix) are looked at.
 */
#include "semctl_test.h"

SEMCTL_FIXTURE(ls)

#define NNAMES 5
#define MAXENT 256

static char names[NNAMES][128];
static char prefix[64];

static int list_raw(int dev, struct semctl_list *l)
{
	return ret_or_errno(ioctl(dev, SEMCTL_IOC_LIST, l));
}

static void make_names(struct __test_metadata *_metadata,
		       FIXTURE_DATA(ls) *self, const char *tag)
{
	int i, fd;

	snprintf(prefix, sizeof(prefix), "ksft.list.%s.%d.", tag, getpid());
	for (i = 0; i < NNAMES; i++) {
		snprintf(names[i], sizeof(names[i]), "%s%d", prefix, i);
		fd = sem_create_full(self->dev, SEMCTL_CREATE_EXCL, (__u64)i,
				     10, names[i], 0600);
		ASSERT_LE(0, fd);
		close(fd);
	}
}

static void drop_names(FIXTURE_DATA(ls) *self)
{
	int i;

	for (i = 0; i < NNAMES; i++)
		if (names[i][0])
			sem_unlink(self->dev, names[i]);
}

/*
 * List everything with pages of `page` entries; copies this test's
 * entries (in order) to out; returns how many, or -errno.
 */
static int list_all(int dev, unsigned int page, struct semctl_info *out,
		    int max)
{
	static struct semctl_info ent[MAXENT];
	struct semctl_list l = { .size = sizeof(l) };
	int found = 0, rounds = 0;
	unsigned int i;
	int r;

	l.entry_size = sizeof(ent[0]);
	for (;;) {
		l.entries = (uintptr_t)ent;
		l.count = page;
		r = list_raw(dev, &l);
		if (r)
			return r;
		if (l.count == 0)
			break;
		if (l.count > page)
			return -E2BIG;
		for (i = 0; i < l.count; i++) {
			if (strncmp(ent[i].name, prefix, strlen(prefix)))
				continue;
			if (found < max)
				out[found] = ent[i];
			found++;
		}
		if (++rounds > 100000)
			return -ELOOP;
	}
	return found;
}

TEST_F(ls, lists_in_creation_order)
{
	static struct semctl_info got[NNAMES + 2];
	int i, n;

	make_names(_metadata, self, "order");
	n = list_all(self->dev, MAXENT, got, NNAMES + 2);
	ASSERT_EQ(NNAMES, n);
	for (i = 0; i < NNAMES; i++) {
		EXPECT_STREQ(names[i], got[i].name);
		EXPECT_EQ((__u64)i, got[i].value);
		EXPECT_EQ(10, got[i].max);
		EXPECT_EQ(0600, got[i].mode);
		EXPECT_EQ(0, got[i].undo);
		EXPECT_EQ(0, got[i].uid);
		EXPECT_TRUE(got[i].flags & SEMCTL_INFO_NAMED);
		EXPECT_EQ(SEMCTL_INFO_READ | SEMCTL_INFO_WRITE,
			  got[i].flags & (SEMCTL_INFO_READ | SEMCTL_INFO_WRITE));
	}
	drop_names(self);
}

TEST_F(ls, pages_of_one)
{
	static struct semctl_info got[NNAMES + 2];
	int i, n;

	make_names(_metadata, self, "page1");
	n = list_all(self->dev, 1, got, NNAMES + 2);
	ASSERT_EQ(NNAMES, n);
	for (i = 0; i < NNAMES; i++)
		EXPECT_STREQ(names[i], got[i].name);
	n = list_all(self->dev, 2, got, NNAMES + 2);
	ASSERT_EQ(NNAMES, n);
	for (i = 0; i < NNAMES; i++)
		EXPECT_STREQ(names[i], got[i].name);
	drop_names(self);
}

TEST_F(ls, unlinked_not_listed)
{
	static struct semctl_info got[NNAMES + 2];
	int n, fd;

	make_names(_metadata, self, "unl");
	/* an open fd keeps the semaphore, not the name */
	fd = sem_open_name(self->dev, names[2], 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, sem_unlink(self->dev, names[2]));
	n = list_all(self->dev, MAXENT, got, NNAMES + 2);
	ASSERT_EQ(NNAMES - 1, n);
	EXPECT_STREQ(names[0], got[0].name);
	EXPECT_STREQ(names[1], got[1].name);
	EXPECT_STREQ(names[3], got[2].name);
	EXPECT_STREQ(names[4], got[3].name);
	close(fd);
	names[2][0] = 0;
	drop_names(self);
}

TEST_F(ls, cursor_survives_unlink_of_last_seen)
{
	static struct semctl_info ent[1];
	struct semctl_list l = { .size = sizeof(l) };
	int seen = 0;

	make_names(_metadata, self, "curs");
	l.entry_size = sizeof(ent[0]);
	/* walk one by one; unlink each of ours right after seeing it */
	for (;;) {
		l.entries = (uintptr_t)ent;
		l.count = 1;
		ASSERT_EQ(0, list_raw(self->dev, &l));
		if (!l.count)
			break;
		if (!strncmp(ent[0].name, prefix, strlen(prefix))) {
			EXPECT_STREQ(names[seen], ent[0].name);
			EXPECT_EQ(0, sem_unlink(self->dev, ent[0].name));
			seen++;
		}
		ASSERT_GT(100000, seen);
	}
	EXPECT_EQ(NNAMES, seen);
	memset(names, 0, sizeof(names));
}

TEST_F(ls, entry_size_ver0_ok)
{
	static unsigned char buf[NNAMES * 2 * SEMCTL_INFO_SIZE_VER0 + 8];
	struct semctl_list l = { .size = sizeof(l) };
	struct semctl_info *e;
	int i, mine = 0;

	make_names(_metadata, self, "ver0");
	l.entry_size = SEMCTL_INFO_SIZE_VER0;
	l.cursor = 0;
	/* all names fit: page through, counting ours */
	for (;;) {
		memset(buf, 0xee, sizeof(buf));
		l.entries = (uintptr_t)buf;
		l.count = NNAMES * 2;
		ASSERT_EQ(0, list_raw(self->dev, &l));
		if (!l.count)
			break;
		for (i = 0; i < (int)l.count; i++) {
			e = (void *)(buf + (size_t)i * SEMCTL_INFO_SIZE_VER0);
			if (!strncmp(e->name, prefix, strlen(prefix)))
				mine++;
		}
		/* nothing written past count entries */
		EXPECT_EQ(0xee, buf[l.count * SEMCTL_INFO_SIZE_VER0]);
	}
	EXPECT_EQ(NNAMES, mine);
	drop_names(self);
}

TEST_F(ls, end_returns_zero)
{
	static struct semctl_info ent[MAXENT];
	struct semctl_list l = { .size = sizeof(l) };

	l.entry_size = sizeof(ent[0]);
	do {
		l.entries = (uintptr_t)ent;
		l.count = MAXENT;
		ASSERT_EQ(0, list_raw(self->dev, &l));
	} while (l.count);
	/* and again from the end cursor */
	l.count = MAXENT;
	ASSERT_EQ(0, list_raw(self->dev, &l));
	EXPECT_EQ(0, l.count);
}

TEST_F(ls, unknown_flag_einval)
{
	static struct semctl_info ent[1];
	struct semctl_list l = { .size = sizeof(l), .flags = 1,
				 .entries = (uintptr_t)ent,
				 .entry_size = sizeof(ent[0]), .count = 1 };

	EXPECT_EQ(-EINVAL, list_raw(self->dev, &l));
}

TEST_F(ls, entry_size_too_small_einval)
{
	static struct semctl_info ent[1];
	struct semctl_list l = { .size = sizeof(l),
				 .entries = (uintptr_t)ent,
				 .entry_size = SEMCTL_INFO_SIZE_VER0 - 1,
				 .count = 1 };

	EXPECT_EQ(-EINVAL, list_raw(self->dev, &l));
	l.entry_size = 0;
	EXPECT_EQ(-EINVAL, list_raw(self->dev, &l));
}

TEST_F(ls, size_below_ver0_einval)
{
	static struct semctl_info ent[1];
	struct semctl_list l = { .size = SEMCTL_LIST_SIZE_VER0 - 1,
				 .entries = (uintptr_t)ent,
				 .entry_size = sizeof(ent[0]), .count = 1 };

	EXPECT_EQ(-EINVAL, list_raw(self->dev, &l));
}

TEST_F(ls, size_above_page_e2big)
{
	static struct semctl_info ent[1];
	struct semctl_list *l = big_buf();

	l->size = page_size() + 1;
	l->entries = (uintptr_t)ent;
	l->entry_size = sizeof(ent[0]);
	l->count = 1;
	EXPECT_EQ(-E2BIG, list_raw(self->dev, l));
}

TEST_F(ls, size_larger_nonzero_tail_e2big)
{
	static struct semctl_info ent[1];
	struct semctl_list *l = big_buf();

	l->size = sizeof(*l) + 8;
	l->entries = (uintptr_t)ent;
	l->entry_size = sizeof(ent[0]);
	l->count = 1;
	((unsigned char *)l)[sizeof(*l) + 1] = 1;
	EXPECT_EQ(-E2BIG, list_raw(self->dev, l));
}

TEST_F(ls, bad_struct_pointer_efault)
{
	EXPECT_EQ(-EFAULT, list_raw(self->dev, bad_ptr()));
}

TEST_F(ls, bad_entries_pointer_efault)
{
	struct semctl_list l = { .size = sizeof(l),
				 .entries = (uintptr_t)bad_ptr(),
				 .entry_size = sizeof(struct semctl_info),
				 .count = 4 };

	make_names(_metadata, self, "efault");
	EXPECT_EQ(-EFAULT, list_raw(self->dev, &l));
	drop_names(self);
}

TEST_F(ls, list_on_sem_fd_enotty)
{
	static struct semctl_info ent[1];
	struct semctl_list l = { .size = sizeof(l),
				 .entries = (uintptr_t)ent,
				 .entry_size = sizeof(ent[0]), .count = 1 };

	self->fd = sem_create(self->dev, 0, 1);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(-ENOTTY, list_raw(self->fd, &l));
}

SEMCTL_HARNESS_MAIN
