// SPDX-License-Identifier: GPL-2.0
/*
 * semctl-demo - the "3 workers, 2 slots" semaphore scenario on one kernel
 * semaphore from /dev/semctl, played four times: by threads, by fork()ed
 * processes, by io_uring tasks in one event loop, and by all three kinds at
 * once. A counter in shared memory measures how many workers are inside at
 * the same time; the demo fails unless that is exactly the number of slots
 * and the semaphore's value is back to it at the end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <liburing.h>
#include <linux/semctl.h>

#define DEV_PATH	"/dev/semctl"
#define SEM_NAME	"demo-slots"
#define NR_WORKERS	3
#define NR_SLOTS	2
#define BOUND_MS	30000	/* no wait of the demo lasts longer */

enum kind { KIND_THREAD, KIND_PROCESS, KIND_URING };

static const char *const kind_name[] = {
	[KIND_THREAD]	= "thread",
	[KIND_PROCESS]	= "process",
	[KIND_URING]	= "uring",
};

/* Lives in a MAP_SHARED mapping, so fork()ed workers update the same one. */
struct shared {
	int inside;
	int max_inside;
};

static struct {
	int sem;		/* the semaphore, shared by every worker */
	unsigned int work_ms;
	struct timespec t0;	/* start of the current scenario */
	struct shared *sh;
} demo = { .sem = -1, .work_ms = 1000 };

/* ---- output: one write(2) per line, so lines never mix across processes */

static void vput(int fd, const char *fmt, va_list ap)
{
	char line[512];
	int len;

	len = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	if (len < 0)
		return;
	if (len > (int)sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	if (write(fd, line, len) < 0)
		return;
}

static void __attribute__((format(printf, 2, 3)))
put(int fd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vput(fd, fmt, ap);
	va_end(ap);
}

#define out(...)	put(STDOUT_FILENO, __VA_ARGS__)

static void __attribute__((format(printf, 1, 2))) err(const char *fmt, ...)
{
	char msg[480];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	put(STDERR_FILENO, "semctl-demo: error: %s", msg);
}

static double elapsed(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - demo.t0.tv_sec) +
	       (now.tv_nsec - demo.t0.tv_nsec) / 1e9;
}

static void say(enum kind kind, int id, const char *what)
{
	out("[%+8.3fs] %-8s worker %d %s", elapsed(), kind_name[kind], id, what);
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ---- the shared "inside" counter */

static void enter(void)
{
	int now = __atomic_add_fetch(&demo.sh->inside, 1, __ATOMIC_SEQ_CST);
	int max = __atomic_load_n(&demo.sh->max_inside, __ATOMIC_SEQ_CST);

	while (now > max &&
	       !__atomic_compare_exchange_n(&demo.sh->max_inside, &max, now,
					    false, __ATOMIC_SEQ_CST,
					    __ATOMIC_SEQ_CST))
		;
}

static void leave(void)
{
	__atomic_sub_fetch(&demo.sh->inside, 1, __ATOMIC_SEQ_CST);
}

static int inside(void)
{
	return __atomic_load_n(&demo.sh->inside, __ATOMIC_SEQ_CST);
}

/* ---- thin wrappers around the semctl ioctls */

static int dev_open(void)
{
	int dev = open(DEV_PATH, O_RDWR | O_CLOEXEC);

	if (dev < 0 && errno == ENOENT) {
		put(STDERR_FILENO, "semctl-demo: " DEV_PATH " is missing: the semctl module is not loaded.");
		put(STDERR_FILENO, "  load it:    make && sudo insmod module/semctl.ko");
		put(STDERR_FILENO, "  or use a VM: make demo  (boots QEMU, loads it, runs this demo)");
	} else if (dev < 0) {
		err("open " DEV_PATH ": %s", strerror(errno));
	}
	return dev;
}

static int sem_create(int dev, const char *name, __u64 value, __u64 max)
{
	struct semctl_create arg = {
		.size	= sizeof(arg),
		.flags	= SEMCTL_CREATE_EXCL,
		.value	= value,
		.max	= max,
		.name	= (__u64)(unsigned long)name,
		.mode	= 0600,
	};

	return ioctl(dev, SEMCTL_IOC_CREATE, &arg);
}

static int sem_unlink(int dev, const char *name)
{
	struct semctl_unlink arg = {
		.size	= sizeof(arg),
		.name	= (__u64)(unsigned long)name,
	};

	return ioctl(dev, SEMCTL_IOC_UNLINK, &arg);
}

/* Open a named semaphore the way an unrelated process would. */
static int sem_open_named(const char *name)
{
	struct semctl_open arg = {
		.size	= sizeof(arg),
		.name	= (__u64)(unsigned long)name,
	};
	int dev, fd;

	dev = open(DEV_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return -1;
	fd = ioctl(dev, SEMCTL_IOC_OPEN, &arg);
	close(dev);
	return fd;
}

/* Take one unit, given back automatically should this fd's holder die. */
static int sem_acquire(int fd)
{
	struct semctl_acquire arg = {
		.size		= sizeof(arg),
		.flags		= SEMCTL_ACQUIRE_UNDO | SEMCTL_ACQUIRE_TIMEOUT,
		.count		= 1,
		.timeout_ns	= BOUND_MS * 1000000ULL,
	};
	int ret;

	do
		ret = ioctl(fd, SEMCTL_IOC_ACQUIRE, &arg);
	while (ret && errno == EINTR);
	return ret;
}

static int sem_release(int fd)
{
	struct semctl_release arg = { .size = sizeof(arg), .count = 1 };

	return ioctl(fd, SEMCTL_IOC_RELEASE, &arg);
}

static int sem_query(int fd, struct semctl_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return ioctl(fd, SEMCTL_IOC_QUERY, info);
}

/*
 * The handshake before worker n starts: the n workers started so far are
 * all inside (they said so, and the semaphore's value shows it). So worker
 * NR_SLOTS, the third one, starts only once both slots are taken.
 */
static int wait_holders(int n)
{
	struct semctl_info info;
	int ms;

	for (ms = 0; ms < BOUND_MS; ms++) {
		if (sem_query(demo.sem, &info)) {
			err("query: %s", strerror(errno));
			return -1;
		}
		if (info.value == (__u64)(NR_SLOTS - n) && inside() == n)
			return 0;
		sleep_ms(1);
	}
	err("after %d s: semaphore value %llu with %d inside (expected %d and %d)",
	    BOUND_MS / 1000, (unsigned long long)info.value, inside(),
	    NR_SLOTS - n, n);
	return -1;
}

/* ---- a blocking worker: the body of a thread or of a process */

static int worker(int fd, enum kind kind, int id)
{
	say(kind, id, "is waiting to access the resource...");
	if (sem_acquire(fd)) {
		err("%s worker %d: acquire: %s", kind_name[kind], id,
		    strerror(errno));
		return -1;
	}
	say(kind, id, "acquired access! 🚀");
	enter();
	sleep_ms(demo.work_ms);
	leave();
	say(kind, id, "released access! ✅");
	if (sem_release(fd)) {
		err("%s worker %d: release: %s", kind_name[kind], id,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static void *thread_main(void *arg)
{
	int id = (int)(long)arg;

	return (void *)(long)worker(demo.sem, KIND_THREAD, id);
}

static int thread_start(pthread_t *thread, int id)
{
	int ret = pthread_create(thread, NULL, thread_main, (void *)(long)id);

	if (ret)
		err("pthread_create: %s", strerror(ret));
	return ret ? -1 : 0;
}

static int thread_join(pthread_t thread)
{
	void *ret;

	if (pthread_join(thread, &ret))
		return -1;
	return ret ? -1 : 0;
}

/* The child opens the semaphore by its name rather than using demo.sem. */
static pid_t process_start(int id)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		err("fork: %s", strerror(errno));
	if (pid)
		return pid;

	close(demo.sem);
	fd = sem_open_named(SEM_NAME);
	if (fd < 0) {
		err("process worker %d: open \"%s\": %s", id, SEM_NAME,
		    strerror(errno));
		_exit(1);
	}
	_exit(worker(fd, KIND_PROCESS, id) ? 1 : 0);
}

static int process_join(pid_t pid)
{
	int status;

	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* ---- io_uring tasks: one ring, one thread, a small event loop */

enum task_state { TASK_IDLE, TASK_WAITING, TASK_WORKING, TASK_DONE };

struct task {
	int id;
	enum task_state state;
	__u64 buf;			/* the read's 8 bytes */
	struct __kernel_timespec work;	/* the IORING_OP_TIMEOUT */
};

struct loop {
	struct io_uring ring;
	struct task task[NR_WORKERS];
	int acquired;
	int done;
};

static int loop_init(struct loop *l)
{
	int ret = io_uring_queue_init(8, &l->ring, 0);

	memset(l->task, 0, sizeof(l->task));
	l->acquired = 0;
	l->done = 0;
	if (ret)
		err("io_uring_queue_init: %s", strerror(-ret));
	return ret ? -1 : 0;
}

static int loop_submit(struct loop *l)
{
	int ret = io_uring_submit(&l->ring);

	if (ret < 0)
		err("io_uring_submit: %s", strerror(-ret));
	return ret < 0 ? -1 : 0;
}

/* The task awaits the semaphore: an eventfd-style read takes one unit. */
static int task_start(struct loop *l, int id)
{
	struct task *t = &l->task[id];
	struct io_uring_sqe *sqe = io_uring_get_sqe(&l->ring);

	t->id = id;
	t->state = TASK_WAITING;
	say(KIND_URING, id, "is waiting to access the resource...");
	io_uring_prep_read(sqe, demo.sem, &t->buf, sizeof(t->buf), 0);
	io_uring_sqe_set_data(sqe, t);
	return loop_submit(l);
}

/* Acquired: the task's work is an asynchronous sleep. */
static int task_acquired(struct loop *l, struct task *t, int res)
{
	struct io_uring_sqe *sqe;

	if (res != sizeof(t->buf) || t->buf != 1) {
		err("uring worker %d: read returned %d (%s), value %llu",
		    t->id, res, res < 0 ? strerror(-res) : "short",
		    (unsigned long long)t->buf);
		return -1;
	}
	say(KIND_URING, t->id, "acquired access! 🚀");
	enter();
	l->acquired++;
	t->state = TASK_WORKING;
	t->work.tv_sec = demo.work_ms / 1000;
	t->work.tv_nsec = (demo.work_ms % 1000) * 1000000LL;
	sqe = io_uring_get_sqe(&l->ring);
	io_uring_prep_timeout(sqe, &t->work, 0, 0);
	io_uring_sqe_set_data(sqe, t);
	return loop_submit(l);
}

/* Work done: release with an eventfd-style write of 1. */
static int task_worked(struct loop *l, struct task *t, int res)
{
	__u64 one = 1;

	if (res != -ETIME) {
		err("uring worker %d: timeout returned %d", t->id, res);
		return -1;
	}
	leave();
	say(KIND_URING, t->id, "released access! ✅");
	t->state = TASK_DONE;
	l->done++;
	if (write(demo.sem, &one, sizeof(one)) != sizeof(one)) {
		err("uring worker %d: release: %s", t->id, strerror(errno));
		return -1;
	}
	return 0;
}

static int loop_step(struct loop *l)
{
	struct __kernel_timespec bound = { .tv_sec = BOUND_MS / 1000 };
	struct io_uring_cqe *cqe;
	struct task *t;
	int ret, res;

	ret = io_uring_wait_cqe_timeout(&l->ring, &cqe, &bound);
	if (ret == -EINTR)
		return 0;
	if (ret) {
		err("io_uring wait: %s", strerror(-ret));
		return -1;
	}
	t = io_uring_cqe_get_data(cqe);
	res = cqe->res;
	io_uring_cqe_seen(&l->ring, cqe);

	if (t->state == TASK_WAITING)
		return task_acquired(l, t, res);
	if (t->state == TASK_WORKING)
		return task_worked(l, t, res);
	err("uring worker %d: unexpected completion", t->id);
	return -1;
}

/* Run the loop until *counter reaches goal. */
static int loop_run(struct loop *l, const int *counter, int goal)
{
	while (*counter < goal)
		if (loop_step(l))
			return -1;
	return 0;
}

/* ---- the four scenarios */

static int scenario_threads(void)
{
	pthread_t thr[NR_WORKERS];
	int i, started = 0, ret = 0;

	for (i = 0; i < NR_WORKERS && !ret; i++) {
		ret = wait_holders(i);
		if (!ret)
			ret = thread_start(&thr[i], i);
		if (!ret)
			started++;
	}
	for (i = 0; i < started; i++)
		ret |= thread_join(thr[i]);
	return ret;
}

static int scenario_processes(void)
{
	pid_t pid[NR_WORKERS];
	int i, started = 0, ret = 0;

	for (i = 0; i < NR_WORKERS && !ret; i++) {
		ret = wait_holders(i);
		if (!ret)
			pid[i] = process_start(i);
		if (!ret && pid[i] < 0)
			ret = -1;
		if (!ret)
			started++;
	}
	for (i = 0; i < started; i++)
		ret |= process_join(pid[i]);
	return ret;
}

static int scenario_uring(void)
{
	struct loop l;
	int i, ret = 0;

	if (loop_init(&l))
		return -1;
	for (i = 0; i < NR_WORKERS && !ret; i++) {
		ret = loop_run(&l, &l.acquired, i);
		if (!ret)
			ret = wait_holders(i);
		if (!ret)
			ret = task_start(&l, i);
	}
	if (!ret)
		ret = loop_run(&l, &l.done, NR_WORKERS);
	io_uring_queue_exit(&l.ring);
	return ret;
}

/*
 * Worker 0 is a process, 1 a thread, 2 an io_uring task, all on one
 * semaphore. The process is forked before the thread exists.
 */
static int scenario_mixed(void)
{
	bool thread_started = false;
	struct loop l;
	pthread_t thr;
	pid_t pid;
	int ret;

	if (loop_init(&l))
		return -1;
	pid = process_start(0);
	ret = pid < 0 ? -1 : wait_holders(1);
	if (!ret)
		ret = thread_start(&thr, 1);
	if (!ret) {
		thread_started = true;
		ret = wait_holders(2);
	}
	if (!ret)
		ret = task_start(&l, 2);
	if (!ret)
		ret = loop_run(&l, &l.done, 1);
	io_uring_queue_exit(&l.ring);
	if (thread_started)
		ret |= thread_join(thr);
	if (pid > 0)
		ret |= process_join(pid);
	return ret;
}

struct scenario {
	const char *title;
	int (*run)(void);
};

static const struct scenario scenarios[] = {
	{ "threads: 3 pthreads, one fd",			scenario_threads },
	{ "processes: 3 fork()ed children, each opens \"" SEM_NAME "\"",
							scenario_processes },
	{ "io_uring: 3 async tasks on one ring (READ acquires, TIMEOUT works)",
							scenario_uring },
	{ "mixed: process 0, thread 1, io_uring task 2 at once", scenario_mixed },
};

/* The semaphore must be back to all slots free and nobody queued. */
static int check_value(const char *when)
{
	struct semctl_info info;

	if (sem_query(demo.sem, &info)) {
		err("query: %s", strerror(errno));
		return -1;
	}
	if (info.value != NR_SLOTS || info.waiters != 0) {
		err("%s: semaphore value %llu, %llu waiters (expected %d, 0)",
		    when, (unsigned long long)info.value,
		    (unsigned long long)info.waiters, NR_SLOTS);
		return -1;
	}
	return 0;
}

static int run_scenario(int nr, const struct scenario *s)
{
	int ret, max;

	out("%s", "");
	out("== %d/%zu %s, %d slots ==", nr, sizeof(scenarios) / sizeof(*s),
	    s->title, NR_SLOTS);
	if (check_value("before the scenario"))
		return -1;
	demo.sh->inside = 0;
	demo.sh->max_inside = 0;
	clock_gettime(CLOCK_MONOTONIC, &demo.t0);

	ret = s->run();
	max = __atomic_load_n(&demo.sh->max_inside, __ATOMIC_SEQ_CST);
	out("max inside at once: %d (slots: %d)", max, NR_SLOTS);
	if (ret)
		err("scenario %d: a worker failed", nr);
	if (max != NR_SLOTS) {
		err("scenario %d: max inside was %d, expected %d", nr, max,
		    NR_SLOTS);
		ret = -1;
	}
	if (check_value("after the scenario"))
		ret = -1;
	return ret;
}

/* ---- setup and main */

static int setup(void)
{
	int dev;

	demo.sh = mmap(NULL, sizeof(*demo.sh), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (demo.sh == MAP_FAILED) {
		err("mmap: %s", strerror(errno));
		return -1;
	}
	dev = dev_open();
	if (dev < 0)
		return -1;

	demo.sem = sem_create(dev, SEM_NAME, NR_SLOTS, NR_SLOTS);
	if (demo.sem < 0 && errno == EEXIST) {
		out("semctl-demo: removing a stale \"%s\" left by an earlier run",
		    SEM_NAME);
		sem_unlink(dev, SEM_NAME);
		demo.sem = sem_create(dev, SEM_NAME, NR_SLOTS, NR_SLOTS);
	}
	if (demo.sem < 0)
		err("create \"%s\": %s", SEM_NAME, strerror(errno));
	close(dev);
	return demo.sem < 0 ? -1 : 0;
}

static void teardown(void)
{
	int dev = open(DEV_PATH, O_RDWR | O_CLOEXEC);

	if (dev >= 0) {
		if (sem_unlink(dev, SEM_NAME))
			err("unlink \"%s\": %s", SEM_NAME, strerror(errno));
		close(dev);
	}
	close(demo.sem);
}

static void usage(int status)
{
	out("usage: semctl-demo [--work-ms MS]");
	out("  Plays the seed's 3-workers/2-slots scenario on one semctl semaphore");
	out("  with threads, processes, io_uring tasks, and all three mixed.");
	out("  --work-ms MS   how long each worker holds its slot (default 1000)");
	exit(status);
}

static void parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "work-ms",	required_argument,	NULL, 'w' },
		{ "help",	no_argument,		NULL, 'h' },
		{ }
	};
	char *end;
	long ms;
	int c;

	while ((c = getopt_long(argc, argv, "w:h", opts, NULL)) != -1) {
		switch (c) {
		case 'w':
			ms = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || ms < 1 ||
			    ms > 60000) {
				err("--work-ms wants 1..60000, not \"%s\"",
				    optarg);
				exit(1);
			}
			demo.work_ms = ms;
			break;
		case 'h':
			usage(0);
			break;
		default:
			usage(1);
		}
	}
	if (optind != argc)
		usage(1);
}

int main(int argc, char **argv)
{
	size_t i, nr = sizeof(scenarios) / sizeof(scenarios[0]);
	int failed = 0;

	parse_args(argc, argv);
	if (setup())
		return 1;

	out("semctl-demo: %d workers, %d slots, one kernel semaphore \"%s\", work %u ms",
	    NR_WORKERS, NR_SLOTS, SEM_NAME, demo.work_ms);
	for (i = 0; i < nr; i++)
		if (run_scenario(i + 1, &scenarios[i]))
			failed++;

	out("%s", "");
	out("All workers finished execution!");
	if (check_value("at the end"))
		failed++;
	else
		out("semaphore value back to %d of %d", NR_SLOTS, NR_SLOTS);
	teardown();

	if (failed) {
		out("semctl-demo: FAILED (%d problem%s above)", failed,
		    failed == 1 ? "" : "s");
		return 1;
	}
	out("semctl-demo: ok");
	return 0;
}
