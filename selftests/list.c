// SPDX-License-Identifier: GPL-2.0
/*
 * SEMCTL_IOC_LIST: the named semaphores the caller may read, in creation
 * order, paged with a cursor; and each validation path. Other programs'
 * names may exist at the same time, so only this test's names (a unique
 * prefix) are looked at.
 */
#include "semctl_test.h"

#define NOBODY	65534

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

/* Many names: create, list and unlink `MANY` of them with a unique prefix */
#define MANY 3000

static char many_prefix[64];

static int make_many(int dev, const char *tag, int n)
{
	char name[128];
	int i, fd;

	snprintf(many_prefix, sizeof(many_prefix), "ksft.list.%s.%d.", tag,
		 getpid());
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s%d", many_prefix, i);
		fd = sem_create_full(dev, SEMCTL_CREATE_EXCL, 0, 1, name, 0600);
		if (fd < 0)
			return fd;
		close(fd);
	}
	return 0;
}

static void drop_many(int dev, int n)
{
	char name[128];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s%d", many_prefix, i);
		sem_unlink(dev, name);
	}
}

/*
 * Page through everything with room for `room` entries a call; check that
 * ours come each exactly once, in creation order. Returns how many of ours
 * were seen (n when all is well) or -errno; *calls counts the calls that
 * returned entries, *short_calls those that returned fewer than the room
 * and yet were not the last to return entries.
 */
static int list_many(int dev, unsigned int room, int n, int *calls,
		     int *short_calls)
{
	static struct semctl_info ent[1024];
	struct semctl_list l = { .size = sizeof(l) };
	size_t plen = strlen(many_prefix);
	bool was_short = false;
	int next = 0;
	unsigned int i;
	char *end;
	long idx;
	int r;

	if (room > sizeof(ent) / sizeof(ent[0]))
		return -EINVAL;
	*calls = 0;
	*short_calls = 0;
	l.entry_size = sizeof(ent[0]);
	for (;;) {
		l.entries = (uintptr_t)ent;
		l.count = room;
		r = list_raw(dev, &l);
		if (r)
			return r;
		if (!l.count)
			break;
		if (l.count > room)
			return -E2BIG;
		++*calls;
		if (was_short)
			++*short_calls;
		was_short = l.count < room;
		for (i = 0; i < l.count; i++) {
			if (strncmp(ent[i].name, many_prefix, plen))
				continue;
			idx = strtol(ent[i].name + plen, &end, 10);
			/* each exactly once, and in creation order */
			if (*end || idx != next)
				return -EILSEQ;
			next++;
		}
		if (*calls > 1000000)
			return -ELOOP;
	}
	return next == n ? n : -ENODATA;
}

TEST_F_TIMEOUT(ls, many_names_small_batches_each_once_in_order, 600)
{
	int calls, short_calls;

	ASSERT_EQ(0, make_many(self->dev, "many", MANY));
	EXPECT_EQ(MANY, list_many(self->dev, 1, MANY, &calls, &short_calls));
	EXPECT_EQ(MANY, list_many(self->dev, 7, MANY, &calls, &short_calls));
	EXPECT_LE(MANY / 7, calls);
	EXPECT_EQ(MANY, list_many(self->dev, 64, MANY, &calls, &short_calls));
	drop_many(self->dev, MANY);
}

/*
 * A call may return fewer entries than it has room for while more follow;
 * a caller that loops until 0 still gets every name.
 */
TEST_F_TIMEOUT(ls, short_batch_is_not_the_end, 300)
{
	int n = 200, calls, short_calls;

	ASSERT_EQ(0, make_many(self->dev, "short", n));
	ASSERT_EQ(n, list_many(self->dev, 1024, n, &calls, &short_calls));
	/*
	 * 200 names do not come in one call, though 1024 would fit: some
	 * call was short and yet not the last, and the loop went on.
	 */
	EXPECT_LT(1, calls);
	EXPECT_LE(1, short_calls);
	drop_many(self->dev, n);
}

/*
 * An entry that cannot be written fails the call with EFAULT and leaves
 * the cursor alone: the entries before it, written or not, come again.
 */
TEST_F(ls, efault_midway_keeps_cursor)
{
	size_t esz = sizeof(struct semctl_info), pg = page_size();
	struct semctl_list l = { .size = sizeof(l) };
	static struct semctl_info first;
	struct semctl_info *ent;
	char *map;

	make_names(_metadata, self, "efmid");
	map = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, mprotect(map + pg, pg, PROT_NONE));
	/* room for one entry before the hole; the second straddles it */
	ent = (void *)(map + pg - esz - esz / 2);
	memset(ent, 0, esz);
	l.entry_size = esz;
	l.entries = (uintptr_t)ent;
	l.count = 4;
	l.cursor = 0;
	EXPECT_EQ(-EFAULT, list_raw(self->dev, &l));
	EXPECT_EQ(0, l.cursor);
	EXPECT_EQ(4, l.count);
	/* the entry that made it out is listed again from the same cursor */
	EXPECT_NE(0, ent->name[0]);
	l.entries = (uintptr_t)&first;
	l.count = 1;
	ASSERT_EQ(0, list_raw(self->dev, &l));
	ASSERT_EQ(1, l.count);
	EXPECT_STREQ(ent->name, first.name);
	munmap(map, 2 * pg);
	drop_names(self);
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

/*
 * A listing says what each name would grant, CAP_IPC_OWNER overriding the
 * mode, as an open would. It asks with ns_capable_noaudit(), so merely
 * listing logs no audit record per name (not observable in the test VM,
 * which runs no audit daemon; Documentation/security.rst).
 */
TEST_F(ls, listing_shows_what_the_capability_grants)
{
	struct semctl_info got[2];
	char name[160];
	pid_t pid;
	int n;

	/* list_all() looks at names that start with prefix only */
	unique_name(prefix, sizeof(prefix), "list-noaudit");
	snprintf(name, sizeof(name), "%s", prefix);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int fd;

		if (setuid(NOBODY))
			_exit(10);
		fd = sem_create_full(self->dev, SEMCTL_CREATE_EXCL, 1, 1,
				     name, 0600);
		_exit(fd >= 0 ? 0 : 11);
	}
	ASSERT_EQ(0, child_exit_code(wait_child(pid, WAIT_MS)));

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		n = list_all(self->dev, 8, got, 2);
		if (n != 1)
			_exit(21);
		/* root may open it (the capability), so the listing says so */
		if (!(got[0].flags & SEMCTL_INFO_READ))
			_exit(22);
		_exit(got[0].flags & SEMCTL_INFO_WRITE ? 0 : 23);
	}
	EXPECT_EQ(0, child_exit_code(wait_child(pid, WAIT_MS)));
	EXPECT_EQ(0, sem_unlink(self->dev, name));
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
