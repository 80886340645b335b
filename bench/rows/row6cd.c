// SPDX-License-Identifier: GPL-2.0
/*
 * semctl-bench rows 6c and 6d: create/open/close cost with N semaphores
 * alive, and kernel memory per idle semaphore; both grow the same
 * populations (ramp()).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <unistd.h>

#include "../bench.h"

/* 6c: create/close cost with N semaphores alive; 6d: memory. */

enum rkind { R_SEMCTL_ANON, R_SEMCTL_NAMED, R_SEMCTL_OPEN, R_EVENTFD,
	     R_SYSV, R_POSIX, NRKIND };

static const char *const rkind_name[NRKIND] = {
	"semctl create+close (anon)", "semctl create+close+unlink (named)",
	"semctl open+close (named)", "eventfd create+close",
	"SysV semget+IPC_RMID", "sem_open+close+unlink",
};

#define NLEVEL 6
static const int levels[NLEVEL] = { 1, 10, 100, 1000, 10000, 100000 };

static long slab_kb(void)
{
	char line[128];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Slab:", 5))
			v = strtol(line + 5, NULL, 10);
	fclose(f);
	return v;
}

static uint32_t lcg = 12345;

static uint32_t rnd(void)
{
	lcg = lcg * 1103515245 + 12345;
	return lcg >> 8;
}

static int sysv_max_sets(void)
{
	int a, b, c, d;
	FILE *f = fopen("/proc/sys/kernel/sem", "r");

	if (!f || fscanf(f, "%d %d %d %d", &a, &b, &c, &d) != 4)
		d = 32000;
	if (f)
		fclose(f);
	return d;
}

/* One create/close operation of kind @rk; @alive: how many exist. */
static int ramp_op(int rk, int alive, int seq)
{
	char name[64];
	struct semctl_open o = { .size = sizeof(o) };
	struct semctl_unlink ul = { .size = sizeof(ul) };
	int fd, id;
	sem_t *ps;

	switch (rk) {
	case R_SEMCTL_ANON:
		fd = sc_create(1, 1, NULL, 0);
		if (fd < 0)
			return -errno;
		close(fd);
		return 0;
	case R_SEMCTL_NAMED:
		snprintf(name, sizeof(name), "bench-x-%d", seq);
		fd = sc_create(1, 1, name, SEMCTL_CREATE_EXCL);
		if (fd < 0)
			return -errno;
		close(fd);
		ul.name = (uintptr_t)name;
		return ioctl(env.devfd, SEMCTL_IOC_UNLINK, &ul) < 0 ? -errno : 0;
	case R_SEMCTL_OPEN:
		snprintf(name, sizeof(name), "bench-a-%u", rnd() % alive);
		o.name = (uintptr_t)name;
		fd = ioctl(env.devfd, SEMCTL_IOC_OPEN, &o);
		if (fd < 0)
			return -errno;
		close(fd);
		return 0;
	case R_EVENTFD:
		fd = eventfd(1, EFD_SEMAPHORE);
		if (fd < 0)
			return -errno;
		close(fd);
		return 0;
	case R_SYSV:
		id = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
		if (id < 0)
			return -errno;
		return semctl(id, 0, IPC_RMID) < 0 ? -errno : 0;
	case R_POSIX:
		snprintf(name, sizeof(name), "/bench-x-%d", seq);
		ps = sem_open(name, O_CREAT | O_EXCL, 0600, 1);
		if (ps == SEM_FAILED)
			return -errno;
		sem_close(ps);
		return sem_unlink(name) < 0 ? -errno : 0;
	}
	return -EINVAL;
}

/* The alive population: which objects ramp_grow() creates. */
enum pop { POP_SEMCTL, POP_EVENTFD, POP_SYSV, POP_POSIX, NPOP };

static const char *const pop_name[NPOP] = {
	"semctl, named, no fd open", "eventfd (fd open)",
	"SysV set (1 semaphore)", "sem_open (named, closed)",
};

static int pop_of(int rk)
{
	if (rk <= R_SEMCTL_OPEN)
		return POP_SEMCTL;
	return rk - R_EVENTFD + 1;
}

struct population {
	int n;
	int *ids;	/* fds or semids */
};

static int pop_grow(int pop, struct population *p, int to)
{
	char name[64];
	sem_t *ps;
	int fd;

	while (p->n < to) {
		switch (pop) {
		case POP_SEMCTL:
			snprintf(name, sizeof(name), "bench-a-%d", p->n);
			fd = sc_create(0, 1, name, SEMCTL_CREATE_EXCL);
			if (fd < 0)
				return -errno;
			close(fd);
			break;
		case POP_EVENTFD:
			fd = eventfd(0, EFD_SEMAPHORE);
			if (fd < 0)
				return -errno;
			p->ids[p->n] = fd;
			break;
		case POP_SYSV:
			fd = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
			if (fd < 0)
				return -errno;
			p->ids[p->n] = fd;
			break;
		case POP_POSIX:
			snprintf(name, sizeof(name), "/bench-a-%d", p->n);
			ps = sem_open(name, O_CREAT | O_EXCL, 0600, 0);
			if (ps == SEM_FAILED)
				return -errno;
			sem_close(ps);
			break;
		}
		p->n++;
	}
	return 0;
}

static void pop_clear(int pop, struct population *p)
{
	struct semctl_unlink ul = { .size = sizeof(ul) };
	char name[64];
	int i;

	for (i = 0; i < p->n; i++)
		switch (pop) {
		case POP_SEMCTL:
			snprintf(name, sizeof(name), "bench-a-%d", i);
			ul.name = (uintptr_t)name;
			ioctl(env.devfd, SEMCTL_IOC_UNLINK, &ul);
			break;
		case POP_EVENTFD:
			close(p->ids[i]);
			break;
		case POP_SYSV:
			semctl(p->ids[i], 0, IPC_RMID);
			break;
		case POP_POSIX:
			snprintf(name, sizeof(name), "/bench-a-%d", i);
			sem_unlink(name);
			break;
		}
	p->n = 0;
}

static void raise_nofile(int want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	if (rl.rlim_max < (rlim_t)want) {
		struct rlimit nl = { want, want };

		if (!setrlimit(RLIMIT_NOFILE, &nl))
			return;
	}
	rl.rlim_cur = rl.rlim_max < (rlim_t)want ? rl.rlim_max : (rlim_t)want;
	setrlimit(RLIMIT_NOFILE, &rl);
}

/* What ramp() measures for row6cd() to print. */
struct ramp_res {
	struct cell cc[NRKIND][NLEVEL];	/* 6c */
	double mem_per[NPOP + 1], mem_obj[NPOP + 1];	/* 6d */
	int mem_n[NPOP + 1];
};

/* Bytes in allocated slab objects, all caches (/proc/slabinfo, root). */
static double slab_obj_bytes(void)
{
	char line[512], name[64];
	unsigned long act, num, size;
	double sum = 0;
	FILE *f = fopen("/proc/slabinfo", "r");

	if (!f)
		return NAN;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lu %lu %lu", name, &act, &num,
			   &size) == 4)
			sum += (double)act * size;
	fclose(f);
	return sum;
}

/*
 * Kernel memory per idle object: after a pause for deferred frees of the
 * previous rows, grow one population by @n and divide the growth of Slab
 * (/proc/meminfo: pages) and of the allocated slab objects (slabinfo).
 */
static void mem_one(struct ramp_res *rs, int pop, struct population *p,
		    int n)
{
	double o0, o1;
	long kb0, kb1;
	int i, created, *fds;

	sleep_ns(opt.smoke ? 100000000 : 1000000000);
	kb0 = slab_kb();
	o0 = slab_obj_bytes();
	if (pop < NPOP) {
		if (pop_grow(pop, p, n)) {
			pop_clear(pop, p);
			return;
		}
		kb1 = slab_kb();
		o1 = slab_obj_bytes();
		pop_clear(pop, p);
	} else {
		/* anonymous semctl semaphores, each with its fd open */
		fds = calloc(n, sizeof(int));
		for (i = 0; i < n; i++) {
			fds[i] = sc_create(0, 1, NULL, 0);
			if (fds[i] < 0)
				break;
		}
		kb1 = slab_kb();
		o1 = slab_obj_bytes();
		created = i;
		while (i-- > 0)
			close(fds[i]);
		free(fds);
		if (created < n)
			return;
	}
	if (kb0 >= 0 && kb1 >= 0)
		rs->mem_per[pop] = (kb1 - kb0) * 1024.0 / n;
	rs->mem_obj[pop] = (o1 - o0) / n;
	rs->mem_n[pop] = n;
}

static void mem_measure(struct ramp_res *rs, struct population *p)
{
	int pop, n;

	for (pop = 0; pop <= NPOP; pop++) {
		if ((pop == POP_SEMCTL || pop == NPOP) && env.devfd < 0)
			continue;
		n = opt.smoke ? 1000 : 20000;
		if (pop == POP_POSIX && !opt.smoke)
			n = 4000;	/* a tmpfs file each: slow */
		if (pop == POP_SYSV && n > sysv_max_sets() - 100)
			n = sysv_max_sets() - 100;
		note("row 6d: memory of %d × %s", n,
		     pop < NPOP ? pop_name[pop] : "semctl anonymous + fd");
		mem_one(rs, pop, p, n);
	}
}

/* Grow each population level by level, timing its create/close ops. */
static void ramp(struct ramp_res *rs)
{
	int max_level = opt.smoke ? 1000 : 100000;
	uint64_t budget = opt.smoke ? 3000000000ULL : 45000000000ULL;
	int batch = opt.smoke ? 16 : 64, reps = opt.smoke ? 1 : opt.reps;
	struct population p = { 0 };
	int pop, rk, l, r, i, seq = 0;

	memset(rs->cc, 0, sizeof(rs->cc));
	for (pop = 0; pop <= NPOP; pop++)
		rs->mem_per[pop] = rs->mem_obj[pop] = NAN;
	raise_nofile(max_level + 1000);
	/* semctl.ko's per-user and per-namespace limits default to 65536 */
	raise_knob("/sys/module/semctl/parameters/max_per_user", 2L * max_level);
	raise_knob("/sys/module/semctl/parameters/max_names_per_ns", 2L * max_level);
	p.ids = calloc(max_level, sizeof(int));
	for (pop = 0; pop < NPOP; pop++) {
		uint64_t start = now_ns();
		int err = 0;

		if (pop == POP_SEMCTL && env.devfd < 0) {
			for (rk = 0; rk < NRKIND; rk++)
				if (pop_of(rk) == pop)
					for (l = 0; l < NLEVEL; l++)
						rs->cc[rk][l].na = "no /dev/semctl";
			continue;
		}
		for (l = 0; l < NLEVEL; l++) {
			const char *na = NULL;

			if (levels[l] > max_level)
				na = "smoke";
			else if (pop == POP_SYSV && levels[l] > sysv_max_sets() - 1)
				na = "SEMMNI";
			else if (now_ns() - start > budget)
				na = "time budget";
			else if ((err = pop_grow(pop, &p, levels[l])))
				na = strerror(-err);
			if (na) {
				for (rk = 0; rk < NRKIND; rk++)
					if (pop_of(rk) == pop)
						rs->cc[rk][l].na = na;
				continue;
			}
			for (rk = 0; rk < NRKIND; rk++) {
				if (pop_of(rk) != pop)
					continue;
				for (r = 0; r < reps; r++) {
					uint64_t t0 = now_ns();

					for (i = 0; i < batch; i++) {
						err = ramp_op(rk, p.n, seq++);
						if (err)
							break;
					}
					if (err) {
						rs->cc[rk][l].na = strerror(-err);
						break;
					}
					cell_add(&rs->cc[rk][l],
						 (double)(now_ns() - t0) / batch);
				}
			}
		}
		pop_clear(pop, &p);
	}
	mem_measure(rs, &p);
	free(p.ids);
}

void row6cd(void)
{
	static struct ramp_res res;
	struct ramp_res *rs = &res;
	int i, l;

	note("row 6c: create/close ramp");
	ramp(rs);
	for (i = 0; i < NRKIND; i++)
		for (l = 0; l < NLEVEL; l++)
			if (cell_ok(&rs->cc[i][l]))
				printf("@data create %s %d %g\n",
				       rkind_name[i], levels[l],
				       cell_med(&rs->cc[i][l]));
	printf("\n**6c. Create/open/close cost with N semaphores alive** (ns per operation).\n"
	       "The alive semctl semaphores are named ones with no fd open (they live in the name table);\n"
	       "eventfds are open fds; SysV sets stop at SEMMNI.\n");
	{
		const char *lc[NLEVEL];
		char lb[NLEVEL][24];

		for (l = 0; l < NLEVEL; l++) {
			snprintf(lb[l], sizeof(lb[l]), "N = %d", levels[l]);
			lc[l] = lb[l];
		}
		table_head("operation", lc, NLEVEL, "");
		for (i = 0; i < NRKIND; i++) {
			printf("| %s |", rkind_name[i]);
			for (l = 0; l < NLEVEL; l++)
				put_cell(&rs->cc[i][l], U_NS);
			printf("\n");
		}
	}
	printf("\n**6d. Kernel memory per idle semaphore** (Slab in /proc/meminfo, delta ÷ count).\n\n");
	printf("| object | slab objects, bytes each (slabinfo) | Slab pages, bytes each (meminfo) | count |\n|---|---|---|---|\n");
	for (i = 0; i <= NPOP; i++) {
		const char *nm = i < NPOP ? pop_name[i] :
			"semctl, anonymous, fd open";

		if (isnan(rs->mem_per[i]))
			printf("| %s | n/a | n/a | |\n", nm);
		else
			printf("| %s | %.0f | %.0f | %d |\n", nm,
			       rs->mem_obj[i], rs->mem_per[i], rs->mem_n[i]);
	}
	{
		/* slabinfo (object bytes) when readable, else meminfo */
		double m = isnan(rs->mem_obj[POP_SEMCTL]) ?
			rs->mem_per[POP_SEMCTL] : rs->mem_obj[POP_SEMCTL];
		double a = isnan(rs->mem_obj[NPOP]) ? rs->mem_per[NPOP] :
			rs->mem_obj[NPOP];
		double e = isnan(rs->mem_obj[POP_EVENTFD]) ?
			rs->mem_per[POP_EVENTFD] : rs->mem_obj[POP_EVENTFD];

		printf("\nTarget ≤ 256 bytes per semaphore, applied to the semctl semaphore alone (named, no fd;\n"
		       "slab object bytes): %.0f B, %s. An open fd adds a struct file (and its dentry/inode\n"
		       "share) to every fd-based primitive alike: compare the two fd-open lines.\n",
		       m, verdict(!isnan(m), m <= 256));
		summarize("| 6 | ≤ 256 B per idle semaphore (named, no fd) | %.0f B | %s |\n",
			  m, verdict(!isnan(m), m <= 256));
		summarize("| 6 | (info) anonymous semaphore + its fd vs eventfd + its fd | %.0f B vs %.0f B | – |\n",
			  a, e);
	}
}
