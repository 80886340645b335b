// SPDX-License-Identifier: GPL-2.0
/*
 * semctl(1), driven as a user would: exit statuses, messages, JSON, and
 * `run` holding units for exactly as long as CMD lives.
 *
 * The binary is SEMCTL_CLI (built in), or $SEMCTL_CLI. This program is
 * also the CMD of the parallel test: "cli --slot FILE" counts itself in
 * and out of a shared-memory counter.
 */
#include <sched.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <sys/mount.h>

#include "lib_test.h"

#define OUT_MAX		65536

struct capture {
	int status;	/* exit status, 128+N for a signal */
	char out[OUT_MAX];
	char err[OUT_MAX];
};

static const char *cli_path(void)
{
	const char *p = getenv("SEMCTL_CLI");

	return p && *p ? p : SEMCTL_CLI;
}

static void read_all(int fd, char *buf, size_t len)
{
	ssize_t n;
	size_t got = 0;

	lseek(fd, 0, SEEK_SET);
	while (got < len - 1 && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
}

typedef void (*pre_exec_fn)(void *arg);

/* Run the CLI with argv (NULL-terminated, without argv[0]). */
static int run_cli_hook(struct capture *c, pre_exec_fn hook, void *arg,
			const char *const *args)
{
	const char *argv[64];
	int o, e, i, st;
	pid_t pid;

	argv[0] = cli_path();
	for (i = 0; args[i] && i < 62; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;

	o = memfd_create("out", MFD_CLOEXEC);
	e = memfd_create("err", MFD_CLOEXEC);
	if (o < 0 || e < 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		dup2(o, 1);
		dup2(e, 2);
		if (hook)
			hook(arg);
		execv(argv[0], (char *const *)argv);
		_exit(200);
	}
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	c->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	read_all(o, c->out, sizeof(c->out));
	read_all(e, c->err, sizeof(c->err));
	close(o);
	close(e);
	return c->status;
}

#define CLI(c, ...) \
	run_cli_hook((c), NULL, NULL, (const char *const[]){ __VA_ARGS__, NULL })
#define CLI_AS(c, hook, arg, ...) \
	run_cli_hook((c), (hook), (arg), \
		     (const char *const[]){ __VA_ARGS__, NULL })

static void become_nobody(void *arg);

static bool has(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

/* Start the CLI in the background (stdout/stderr to /dev/null). */
static pid_t spawn_cli(const char *const *args)
{
	const char *argv[64];
	int i, null;
	pid_t pid;

	argv[0] = cli_path();
	for (i = 0; args[i] && i < 62; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	fflush(NULL);
	pid = fork();
	if (pid)
		return pid;
	null = open("/dev/null", O_RDWR);
	dup2(null, 0);
	dup2(null, 1);
	execv(argv[0], (char *const *)argv);
	_exit(200);
}

#define SPAWN(...) spawn_cli((const char *const[]){ __VA_ARGS__, NULL })

FIXTURE(cli) {
	struct capture c;
	char name[64];
	int fd;		/* a library fd on the semaphore, for checks */
};

FIXTURE_SETUP(cli)
{
	uniq_name(self->name, sizeof(self->name), "cli");
	self->fd = -1;
	if (access(cli_path(), X_OK))
		SKIP(return, "no semctl binary at %s", cli_path());
}

FIXTURE_TEARDOWN(cli)
{
	if (self->fd >= 0)
		close(self->fd);
	semctl_sem_unlink(self->name);
}

/* Create self->name with the CLI and open a library fd on it. */
static int make_sem(struct __test_metadata *_metadata,
		    FIXTURE_DATA(cli) *self, const char *value)
{
	CLI(&self->c, "create", self->name, "--value", value, "--mode",
	    "0644");
	if (self->c.status)
		TH_LOG("create: %d %s", self->c.status, self->c.err);
	self->fd = semctl_sem_open(self->name, 0);
	return self->c.status ? -1 : self->fd;
}

TEST_F(cli, help)
{
	static const char *const subs[] = {
		"create", "rm", "ls", "info", "acquire", "release", "hold",
		"wait", "poison", "run",
	};
	char want[64];
	size_t i;

	EXPECT_EQ(0, CLI(&self->c, "--help"));
	EXPECT_TRUE(has(self->c.out, "Usage: semctl"));
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		snprintf(want, sizeof(want), "Usage: semctl %s", subs[i]);
		EXPECT_EQ(0, CLI(&self->c, subs[i], "--help"));
		EXPECT_TRUE(has(self->c.out, want));
		EXPECT_EQ(0, CLI(&self->c, "help", subs[i]));
		EXPECT_TRUE(has(self->c.out, want));
	}
	EXPECT_EQ(0, CLI(&self->c, "--version"));
}

TEST_F(cli, usage_errors)
{
	EXPECT_EQ(64, CLI(&self->c, "bogus"));
	EXPECT_TRUE(has(self->c.err, "unknown command"));
	EXPECT_EQ(64, CLI(&self->c, "create"));
	EXPECT_EQ(64, CLI(&self->c, "create", "a", "b"));
	EXPECT_EQ(64, CLI(&self->c, "create", self->name, "--value", "3",
			  "--max", "2"));
	EXPECT_EQ(64, CLI(&self->c, "create", self->name, "--value", "-1"));
	EXPECT_EQ(64, CLI(&self->c, "create", self->name, "--mode", "999"));
	EXPECT_EQ(64, CLI(&self->c, "acquire", self->name, "-n", "0"));
	EXPECT_EQ(64, CLI(&self->c, "acquire", self->name, "--timeout",
			  "soon"));
	EXPECT_EQ(64, CLI(&self->c, "release", self->name, "extra"));
	EXPECT_EQ(64, CLI(&self->c, "run", self->name));
	EXPECT_EQ(64, CLI(&self->c, "ls", "extra"));
	EXPECT_EQ(64, CLI(&self->c, "poison"));
	EXPECT_EQ(64, CLI(&self->c, "poison", "a", "b"));
	EXPECT_EQ(64, CLI(&self->c, "poison", self->name, "-n", "1"));
	EXPECT_TRUE(has(self->c.err, "--help"));
	/* nothing was created by any of these */
	EXPECT_EQ(-ENOENT, semctl_sem_open(self->name, 0));
}

TEST_F(cli, lifecycle)
{
	char want[128];

	EXPECT_EQ(0, CLI(&self->c, "create", self->name, "--value", "2",
			 "--mode", "0640"));
	EXPECT_EQ(73, CLI(&self->c, "create", self->name, "--exclusive"));
	EXPECT_TRUE(has(self->c.err, "already exists"));
	/* without --exclusive the same semaphore again is fine... */
	EXPECT_EQ(0, CLI(&self->c, "create", self->name, "--value", "2",
			 "--mode", "0640"));
	/* ...another one is said and fails, and the name is left as it is */
	EXPECT_EQ(73, CLI(&self->c, "create", self->name, "--value", "5"));
	EXPECT_TRUE(has(self->c.err, "not as asked"));
	EXPECT_TRUE(has(self->c.err, "max 2"));

	EXPECT_EQ(0, CLI(&self->c, "info", self->name));
	EXPECT_TRUE(has(self->c.out, "value:      2"));
	EXPECT_TRUE(has(self->c.out, "max:        2"));
	EXPECT_TRUE(has(self->c.out, "mode:       0640"));

	EXPECT_EQ(0, CLI(&self->c, "info", self->name, "--json"));
	snprintf(want, sizeof(want), "{\"name\":\"%s\",\"value\":2,\"max\":2,",
		 self->name);
	EXPECT_TRUE(has(self->c.out, want));
	EXPECT_TRUE(has(self->c.out, "\"mode\":\"0640\""));

	EXPECT_EQ(0, CLI(&self->c, "ls"));
	EXPECT_TRUE(has(self->c.out, "NAME"));
	EXPECT_TRUE(has(self->c.out, self->name));
	EXPECT_EQ(0, CLI(&self->c, "ls", "--json"));
	EXPECT_EQ('[', self->c.out[0]);
	EXPECT_TRUE(has(self->c.out, want));

	EXPECT_EQ(0, CLI(&self->c, "rm", self->name));
	EXPECT_EQ(66, CLI(&self->c, "info", self->name));
	EXPECT_TRUE(has(self->c.err, "no such semaphore"));
	EXPECT_EQ(66, CLI(&self->c, "rm", self->name));
	EXPECT_EQ(66, CLI(&self->c, "acquire", self->name));
	EXPECT_EQ(0, CLI(&self->c, "ls"));
	EXPECT_FALSE(has(self->c.out, self->name));
}

/* The JSON output parses (when python3 is there to check it). */
TEST_F(cli, json_parses)
{
	char cmd[512];
	int st;

	if (system("command -v python3 >/dev/null 2>&1"))
		SKIP(return, "no python3 to validate JSON");
	ASSERT_EQ(0, CLI(&self->c, "create", self->name, "--value", "1"));
	snprintf(cmd, sizeof(cmd),
		 "%s ls --json | python3 -c 'import json,sys; "
		 "l = json.load(sys.stdin); "
		 "assert any(e[\"name\"] == \"%s\" for e in l)' && "
		 "%s info --json %s | python3 -c 'import json,sys; "
		 "assert json.load(sys.stdin)[\"max\"] == 1'",
		 cli_path(), self->name, cli_path(), self->name);
	st = system(cmd);
	EXPECT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
}

/*
 * Names are bytes: ls escapes C1 controls (U+0080..U+009F, which terminals
 * obey) and bytes that are not UTF-8, and aligns on what it printed;
 * --json stays valid JSON (U+FFFD for a byte that is not UTF-8).
 */
TEST_F(cli, odd_bytes_in_names)
{
	char name[96], line[256];
	const char *p;
	int fd;

	/* U+00E9 passes, U+0085 (NEL) is escaped, 0xff is not UTF-8 */
	snprintf(name, sizeof(name), "%s-\xc3\xa9\xc2\x85\xff", self->name);
	fd = semctl_sem_create(name, 1, 1, 0600, SEMCTL_CREATE_EXCL);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(0, CLI(&self->c, "ls"));
	snprintf(line, sizeof(line), "%s-\xc3\xa9\\xc2\\x85\\xff ", self->name);
	p = strstr(self->c.out, line);
	EXPECT_TRUE(p != NULL);
	EXPECT_FALSE(has(self->c.out, "\xc2\x85"));
	EXPECT_EQ(0, CLI(&self->c, "ls", "--json"));
	snprintf(line, sizeof(line), "\"name\":\"%s-\xc3\xa9\xc2\x85\\ufffd\"",
		 self->name);
	EXPECT_TRUE(has(self->c.out, line));
	if (!system("command -v python3 >/dev/null 2>&1")) {
		char cmd[512];
		int st;

		snprintf(cmd, sizeof(cmd),
			 "%s ls --json | python3 -c 'import json,sys; json.load(sys.stdin)'",
			 cli_path());
		st = system(cmd);
		EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	close(fd);
	semctl_sem_unlink(name);
}

static void stdout_to_full(void *arg)
{
	int full = open("/dev/full", O_WRONLY);

	(void)arg;
	dup2(full, 1);
}

/* Output that cannot be written is a failure (74), as in coreutils. */
/*
 * Name squatting: nobody creates the name first, with a maximum of 1 and
 * mode 0666; root's README create must not quietly accept that one.
 */
TEST_F(cli, create_finds_a_squatted_name)
{
	EXPECT_EQ(0, CLI_AS(&self->c, become_nobody, NULL, "create",
			    self->name, "--value", "0", "--max", "1", "--mode",
			    "0666"));
	EXPECT_EQ(73, CLI(&self->c, "create", self->name, "--value", "2"));
	EXPECT_TRUE(has(self->c.err, "already exists, and not as asked"));
	EXPECT_TRUE(has(self->c.err, "nobody"));
	/* --exclusive fails on it too; rm by root (CAP_IPC_OWNER) clears it */
	EXPECT_EQ(73, CLI(&self->c, "create", self->name, "--value", "2",
			  "--exclusive"));
	EXPECT_EQ(0, CLI(&self->c, "rm", self->name));
	EXPECT_EQ(0, CLI(&self->c, "create", self->name, "--value", "2"));
}

/*
 * One prefix style, "semctl: CMD: ...", getopt's errors included: they name
 * the option, and say whether it is unknown or lacks its value.
 */
TEST_F(cli, usage_messages_have_one_prefix)
{
	EXPECT_EQ(64, CLI(&self->c, "run", self->name, "--bogus", "--", "true"));
	EXPECT_TRUE(has(self->c.err, "semctl: run: unknown option '--bogus'\n"));
	EXPECT_EQ(64, CLI(&self->c, "acquire", self->name, "-q"));
	EXPECT_TRUE(has(self->c.err, "semctl: acquire: unknown option '-q'\n"));
	EXPECT_EQ(64, CLI(&self->c, "acquire", self->name, "--timeout"));
	EXPECT_TRUE(has(self->c.err,
			"semctl: acquire: option '--timeout' needs a value\n"));
	EXPECT_EQ(64, CLI(&self->c, "create", self->name, "-v"));
	EXPECT_TRUE(has(self->c.err, "semctl: create: option '-v' needs a value\n"));
	EXPECT_EQ(64, CLI(&self->c, "ls", "--jsn"));
	EXPECT_TRUE(has(self->c.err, "semctl: ls: unknown option '--jsn'\n"));
	EXPECT_TRUE(has(self->c.err, "Try 'semctl ls --help'."));
	/* getopt's own "semctl: unrecognized option" style is gone */
	EXPECT_FALSE(has(self->c.err, "unrecognized"));
	EXPECT_EQ(64, CLI(&self->c, "poison"));
	EXPECT_TRUE(has(self->c.err, "semctl: poison: expected exactly one NAME"));
}

/* Errors say which argument is wrong and why. */
TEST_F(cli, messages_name_the_problem)
{
	ASSERT_GE(make_sem(_metadata, self, "2"), 0);
	EXPECT_EQ(65, CLI(&self->c, "run", self->name, "-n", "3", "--",
			  "true"));
	EXPECT_TRUE(has(self->c.err, "--count 3 is above the semaphore's maximum 2"));
	EXPECT_EQ(65, CLI(&self->c, "acquire", self->name, "-n", "3"));
	EXPECT_TRUE(has(self->c.err, "--count 3 is above"));
	EXPECT_EQ(65, CLI(&self->c, "create", ""));
	EXPECT_TRUE(has(self->c.err, "the name is empty"));
	/* a release refused while units held with undo will come back */
	ASSERT_EQ(0, semctl_sem_acquire(self->fd, 1, SEMCTL_ACQUIRE_UNDO));
	ASSERT_EQ(0, semctl_sem_release(self->fd, 1, NULL));
	ASSERT_EQ(0, semctl_sem_acquire(self->fd, 1, SEMCTL_ACQUIRE_UNDO));
	EXPECT_EQ(0, CLI(&self->c, "release", self->name));
	EXPECT_EQ(65, CLI(&self->c, "release", self->name));
	EXPECT_TRUE(has(self->c.err, "1 more would exceed the maximum 2 (value 2)"));
	EXPECT_TRUE(has(self->c.err, "held with undo come back by themselves"));
}

TEST_F(cli, write_errors_fail)
{
	ASSERT_GE(make_sem(_metadata, self, "1"), 0);
	EXPECT_EQ(74, CLI_AS(&self->c, stdout_to_full, NULL, "ls"));
	EXPECT_TRUE(has(self->c.err, "write error"));
	EXPECT_EQ(74, CLI_AS(&self->c, stdout_to_full, NULL, "info", "--json",
			     self->name));
	EXPECT_EQ(74, CLI_AS(&self->c, stdout_to_full, NULL, "--help"));
	EXPECT_EQ(0, CLI(&self->c, "ls"));
}

TEST_F(cli, bad_names)
{
	char longname[SEMCTL_NAME_MAX + 2];

	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	EXPECT_EQ(65, CLI(&self->c, "create", "a/b"));
	EXPECT_TRUE(has(self->c.err, "may not contain '/'"));
	EXPECT_EQ(65, CLI(&self->c, "create", longname));
	EXPECT_TRUE(has(self->c.err, "longer than"));
}

TEST_F(cli, acquire_release_timeout)
{
	ASSERT_GE(make_sem(_metadata, self, "2"), 0);
	EXPECT_EQ(0, CLI(&self->c, "acquire", self->name, "-n", "2"));
	/* no undo: the units stay taken after the command exits */
	EXPECT_EQ(0, query_field(self->fd, Q_VALUE));
	EXPECT_EQ(1, CLI(&self->c, "acquire", self->name, "--timeout", "0.1"));
	EXPECT_EQ(42, CLI(&self->c, "acquire", "--timeout", "0", "-E", "42",
			  self->name));
	EXPECT_EQ(0, CLI(&self->c, "release", self->name, "-n", "2"));
	EXPECT_EQ(2, query_field(self->fd, Q_VALUE));
	EXPECT_EQ(65, CLI(&self->c, "release", self->name));
	EXPECT_TRUE(has(self->c.err, "maximum"));
	EXPECT_EQ(2, query_field(self->fd, Q_VALUE));
	EXPECT_EQ(65, CLI(&self->c, "acquire", self->name, "-n", "3"));
	EXPECT_EQ(0, CLI(&self->c, "acquire", self->name, "--count", "1",
			 "--timeout", "5"));
	EXPECT_EQ(1, query_field(self->fd, Q_VALUE));
}

TEST_F(cli, run_status)
{
	ASSERT_GE(make_sem(_metadata, self, "1"), 0);
	EXPECT_EQ(7, CLI(&self->c, "run", self->name, "--", "sh", "-c",
			 "exit 7"));
	EXPECT_EQ(0, CLI(&self->c, "run", self->name, "--", "true"));
	EXPECT_EQ(127, CLI(&self->c, "run", self->name, "--",
			   "/nonexistent/cmd"));
	EXPECT_EQ(126, CLI(&self->c, "run", self->name, "--", "/dev/null"));
	/* CMD killed by a signal: the status a shell would see */
	EXPECT_EQ(128 + SIGTERM, CLI(&self->c, "run", self->name, "--", "sh",
				     "-c", "kill -TERM $$"));
	/* CMD's own options are not taken for ours, even without "--" */
	EXPECT_EQ(3, CLI(&self->c, "run", self->name, "sh", "-c", "exit 3"));
	/* every run gave its unit back */
	EXPECT_EQ(1, query_field(self->fd, Q_VALUE));
	EXPECT_EQ(0, query_field(self->fd, Q_UNDO_TOTAL));
}

TEST_F(cli, run_holds_units_while_cmd_runs)
{
	char want[128];

	ASSERT_GE(make_sem(_metadata, self, "3"), 0);
	EXPECT_EQ(0, CLI(&self->c, "run", "-n", "2", self->name, "--", "sh",
			 "-c", "echo fd=$SEMCTL_FD; exec \"$0\" info --json \"$1\"",
			 cli_path(), self->name));
	EXPECT_TRUE(has(self->c.out, "\"value\":1,"));
	EXPECT_TRUE(has(self->c.out, "\"undo_total\":2,"));
	EXPECT_TRUE(has(self->c.out, "fd="));
	EXPECT_FALSE(has(self->c.out, "fd=\n"));
	snprintf(want, sizeof(want), "\"name\":\"%s\"", self->name);
	EXPECT_TRUE(has(self->c.out, want));
	EXPECT_EQ(3, query_field(self->fd, Q_VALUE));
}

/* Bounded wait for @path to exist (a handshake with a child's shell). */
static bool wait_path(const char *path, int timeout_ms)
{
	int i;

	for (i = 0; i < timeout_ms; i++) {
		if (!access(path, F_OK))
			return true;
		sleep_ms(1);
	}
	return false;
}

static void close_stdio(void *arg)
{
	(void)arg;
	close(0);
	close(1);
	close(2);
}

/*
 * Started with 0..2 closed, run's semaphore fd must not land there: CMD's
 * output would be write(2) releases.
 */
TEST_F(cli, run_with_stdio_closed_releases_nothing)
{
	CLI(&self->c, "create", self->name, "--value", "1", "--max",
	    "9223372036854775807", "--mode", "0600");
	ASSERT_EQ(0, self->c.status);
	self->fd = semctl_sem_open(self->name, 0);
	ASSERT_GE(self->fd, 0);
	EXPECT_EQ(0, CLI_AS(&self->c, close_stdio, NULL, "run", self->name,
			    "--", "sh", "-c",
			    "echo warning: x >&2; echo out; true"));
	EXPECT_EQ(1, query_field(self->fd, Q_VALUE));
	EXPECT_EQ(0, query_field(self->fd, Q_UNDO_TOTAL));
}

/*
 * A CMD that closes every inherited fd (close_range, daemons) still holds
 * its units until it exits: semctl run keeps the open file too.
 */
TEST_F(cli, run_holds_units_when_cmd_closes_its_fds)
{
	ASSERT_GE(make_sem(_metadata, self, "1"), 0);
	EXPECT_EQ(0, CLI(&self->c, "run", self->name, "--", "sh", "-c",
			 "eval \"exec $SEMCTL_FD>&-\"; exec \"$0\" info --json \"$1\"",
			 cli_path(), self->name));
	EXPECT_TRUE(has(self->c.out, "\"value\":0,"));
	EXPECT_EQ(1, query_field(self->fd, Q_VALUE));
}

/* A signal sent to semctl run goes to CMD, and run dies as CMD did. */
TEST_F(cli, run_passes_signals_to_cmd)
{
	char ready[PATH_MAX];
	pid_t pid;
	int status;

	ASSERT_GE(make_sem(_metadata, self, "1"), 0);
	snprintf(ready, sizeof(ready), "/tmp/semctl-cli-ready-%d", getpid());
	unlink(ready);
	pid = SPAWN("run", self->name, "--", "sh", "-c",
		    "trap 'exit 42' TERM; : > \"$0\"; while :; do sleep 0.05; done",
		    ready);
	ASSERT_GT(pid, 0);
	/* the trap is set once the file exists */
	ASSERT_TRUE(wait_path(ready, WAIT_MS));
	EXPECT_EQ(0, query_field(self->fd, Q_VALUE));
	ASSERT_EQ(0, kill(pid, SIGTERM));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(42, WEXITSTATUS(status));
	EXPECT_EQ(1, query_field(self->fd, Q_VALUE));
	unlink(ready);
}

/* Killing semctl run itself, even with SIGKILL, leaves CMD the units. */
TEST_F(cli, run_sigkilled_keeps_the_units_while_cmd_runs)
{
	char ready[PATH_MAX], go[PATH_MAX];
	pid_t pid;
	int status;

	ASSERT_GE(make_sem(_metadata, self, "1"), 0);
	snprintf(ready, sizeof(ready), "/tmp/semctl-cli-ready-%d", getpid());
	snprintf(go, sizeof(go), "/tmp/semctl-cli-go-%d", getpid());
	unlink(ready);
	unlink(go);
	pid = SPAWN("run", self->name, "--", "sh", "-c",
		    ": > \"$0\"; n=0; while [ ! -e \"$1\" ] && [ $n -lt 600 ]; do sleep 0.05; n=$((n+1)); done",
		    ready, go);
	ASSERT_GT(pid, 0);
	ASSERT_TRUE(wait_path(ready, WAIT_MS));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	/* CMD still runs: nothing came back */
	EXPECT_EQ(0, query_field(self->fd, Q_VALUE));
	ASSERT_EQ(0, close(open(go, O_CREAT | O_WRONLY | O_CLOEXEC, 0600)));
	EXPECT_TRUE(wait_field(self->fd, Q_VALUE, 1));
	unlink(ready);
	unlink(go);
}

TEST_F(cli, run_timeout_and_create)
{
	char other[64];
	int fd;

	ASSERT_GE(make_sem(_metadata, self, "1"), 0);
	ASSERT_EQ(0, semctl_sem_acquire(self->fd, 1, 0));
	EXPECT_EQ(1, CLI(&self->c, "run", self->name, "--timeout", "0.1",
			 "--", "true"));
	EXPECT_EQ(9, CLI(&self->c, "run", self->name, "--timeout", "0.1",
			 "-E", "9", "--", "sh", "-c", "exit 0"));
	ASSERT_EQ(0, semctl_sem_release(self->fd, 1, NULL));

	uniq_name(other, sizeof(other), "cli-create");
	EXPECT_EQ(66, CLI(&self->c, "run", other, "--", "true"));
	EXPECT_EQ(0, CLI(&self->c, "run", other, "--create", "4", "-n", "3",
			 "--", "true"));
	fd = semctl_sem_open(other, 0);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(4, query_field(fd, Q_VALUE));
	close(fd);
	EXPECT_EQ(0, semctl_sem_unlink(other));
}

/* The CMD of the parallel test: count in, linger, count out. */
struct slots {
	atomic_int inside;
	atomic_int peak;
	atomic_int done;
};

static int slot_main(const char *path)
{
	struct slots *s;
	int fd, in, peak;

	fd = open(path, O_RDWR);
	if (fd < 0)
		return 90;
	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (s == MAP_FAILED)
		return 91;
	in = atomic_fetch_add(&s->inside, 1) + 1;
	peak = atomic_load(&s->peak);
	while (in > peak && !atomic_compare_exchange_weak(&s->peak, &peak, in))
		;
	sleep_ms(300);
	atomic_fetch_sub(&s->inside, 1);
	atomic_fetch_add(&s->done, 1);
	return 0;
}

#define N_RUNS	6

TEST_F_TIMEOUT(cli, parallel_runs_never_exceed_value, 120)
{
	char path[] = "/tmp/semctl-cli-slots-XXXXXX";
	char self_exe[PATH_MAX];
	struct slots *s;
	pid_t pids[N_RUNS];
	int i, st, shm;
	ssize_t n;

	n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	ASSERT_GT(n, 0);
	self_exe[n] = '\0';
	shm = mkstemp(path);
	ASSERT_GE(shm, 0);
	ASSERT_EQ(0, ftruncate(shm, sizeof(*s)));
	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE, MAP_SHARED, shm, 0);
	ASSERT_NE(MAP_FAILED, s);
	ASSERT_GE(make_sem(_metadata, self, "2"), 0);

	for (i = 0; i < N_RUNS; i++) {
		pids[i] = SPAWN("run", "-n", "1", self->name, "--", "sh", "-c",
				"exec \"$0\" --slot \"$1\"", self_exe, path);
		ASSERT_GT(pids[i], 0);
	}
	for (i = 0; i < N_RUNS; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &st, 0));
		EXPECT_TRUE(WIFEXITED(st));
		EXPECT_EQ(0, WEXITSTATUS(st));
	}
	TH_LOG("peak overlap %d of 2", atomic_load(&s->peak));
	EXPECT_EQ(N_RUNS, atomic_load(&s->done));
	EXPECT_LE(atomic_load(&s->peak), 2);
	EXPECT_GE(atomic_load(&s->peak), 1);
	EXPECT_EQ(0, atomic_load(&s->inside));
	EXPECT_EQ(2, query_field(self->fd, Q_VALUE));
	EXPECT_EQ(0, query_field(self->fd, Q_UNDO_TOTAL));
	munmap(s, sizeof(*s));
	close(shm);
	unlink(path);
}

/* read a pid a child's shell wrote to @path, bounded; 0 if none */
static pid_t read_pid_file(const char *path)
{
	char buf[32] = "";
	int i, f;

	for (i = 0; i < WAIT_MS; i++, sleep_ms(1)) {
		f = open(path, O_RDONLY | O_CLOEXEC);
		if (f < 0)
			continue;
		if (read(f, buf, sizeof(buf) - 1) > 0 && strchr(buf, '\n')) {
			close(f);
			return (pid_t)atoi(buf);
		}
		close(f);
	}
	return 0;
}

TEST_F_TIMEOUT(cli, sigkill_returns_units, 60)
{
	char pidfile[PATH_MAX], tmp[PATH_MAX + 8];
	pid_t holder, waiter, cmd;
	int st;

	ASSERT_GE(make_sem(_metadata, self, "2"), 0);
	snprintf(pidfile, sizeof(pidfile), "/tmp/semctl-cli-pid-%d", getpid());
	snprintf(tmp, sizeof(tmp), "%s.tmp", pidfile);
	unlink(pidfile);
	holder = SPAWN("run", "-n", "2", self->name, "--", "sh", "-c",
		       "echo $$ > \"$0\"; mv \"$0\" \"$1\"; exec sleep 100",
		       tmp, pidfile);
	ASSERT_GT(holder, 0);
	ASSERT_TRUE(wait_field(self->fd, Q_VALUE, 0));
	EXPECT_EQ(2, query_field(self->fd, Q_UNDO_TOTAL));
	cmd = read_pid_file(pidfile);
	ASSERT_GT(cmd, 0);
	/* a second run queues behind it */
	waiter = SPAWN("run", "-n", "1", self->name, "--", "true");
	ASSERT_GT(waiter, 0);
	ASSERT_TRUE(wait_field(self->fd, Q_WAITERS, 1));

	/* CMD killed the hard way: run dies of the same signal, units back */
	ASSERT_EQ(0, kill(cmd, SIGKILL));
	ASSERT_EQ(holder, waitpid(holder, &st, 0));
	EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	ASSERT_EQ(waiter, waitpid(waiter, &st, 0));
	EXPECT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_TRUE(wait_field(self->fd, Q_VALUE, 2));
	EXPECT_EQ(0, query_field(self->fd, Q_UNDO_TOTAL));
	unlink(pidfile);
}

/* A process that lives until its pipe's write end closes. */
static pid_t start_target(int *release_fd)
{
	int p[2];
	char c;
	pid_t pid;

	if (pipe(p))
		return -1;
	fflush(NULL);
	pid = fork();
	if (!pid) {
		close(p[1]);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(p[0]);
	*release_fd = p[1];
	return pid;
}

/*
 * "semctl hold NAME --pid PID": the units are held when it returns, by a
 * background process whose PID it prints, and come back when PID exits
 * (issue 14, point 2: flock's `exec 9>f; flock 9` for a shell script).
 */
TEST_F_TIMEOUT(cli, hold_until_the_process_exits, 60)
{
	char pidstr[16];
	int release;
	pid_t target;

	ASSERT_GE(make_sem(_metadata, self, "3"), 0);
	target = start_target(&release);
	ASSERT_GT(target, 0);
	snprintf(pidstr, sizeof(pidstr), "%d", (int)target);
	EXPECT_EQ(0, CLI(&self->c, "hold", self->name, "-n", "2", "--pid",
			 pidstr));
	EXPECT_GT(atoi(self->c.out), 1);
	EXPECT_EQ(1, query_field(self->fd, Q_VALUE));
	EXPECT_EQ(2, query_field(self->fd, Q_UNDO_TOTAL));
	/* the holder is not the target: still held while the target lives */
	EXPECT_EQ(0, kill(atoi(self->c.out), 0));
	close(release);
	ASSERT_EQ(target, waitpid(target, NULL, 0));
	EXPECT_TRUE(wait_field(self->fd, Q_VALUE, 3));
	EXPECT_EQ(0, query_field(self->fd, Q_UNDO_TOTAL));
}

/* Without --pid the hold lasts as long as the caller (its parent). */
TEST_F_TIMEOUT(cli, hold_defaults_to_the_caller, 60)
{
	int p[2], st;
	char c;
	pid_t caller;

	ASSERT_GE(make_sem(_metadata, self, "1"), 0);
	ASSERT_EQ(0, pipe(p));
	fflush(NULL);
	caller = fork();
	ASSERT_GE(caller, 0);
	if (!caller) {
		struct capture *mine = malloc(sizeof(*mine));

		close(p[1]);
		if (!mine || CLI(mine, "hold", self->name))
			_exit(1);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(p[0]);
	EXPECT_TRUE(wait_field(self->fd, Q_VALUE, 0));
	EXPECT_EQ(1, query_field(self->fd, Q_UNDO_TOTAL));
	close(p[1]);
	ASSERT_EQ(caller, waitpid(caller, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_TRUE(wait_field(self->fd, Q_VALUE, 1));
}

/* kill(1) on the printed PID gives the units back early. */
TEST_F_TIMEOUT(cli, hold_ends_with_a_kill, 60)
{
	char pidstr[16];
	pid_t holder;

	ASSERT_GE(make_sem(_metadata, self, "2"), 0);
	snprintf(pidstr, sizeof(pidstr), "%d", (int)getpid());
	EXPECT_EQ(0, CLI(&self->c, "hold", self->name, "-n", "2", "--pid",
			 pidstr));
	holder = atoi(self->c.out);
	ASSERT_GT(holder, 1);
	EXPECT_EQ(0, query_field(self->fd, Q_VALUE));
	EXPECT_EQ(0, kill(holder, SIGTERM));
	EXPECT_TRUE(wait_field(self->fd, Q_VALUE, 2));
}

/*
 * A hold killed while it waits leaves nothing queued or held: its holding
 * process dies with it (a release right after finds nobody to grant).
 */
TEST_F_TIMEOUT(cli, hold_interrupted_holds_nothing, 60)
{
	char pidstr[16];
	pid_t hold;
	int st;

	ASSERT_GE(make_sem(_metadata, self, "0"), 0);
	snprintf(pidstr, sizeof(pidstr), "%d", (int)getpid());
	hold = SPAWN("hold", self->name, "--pid", pidstr);
	ASSERT_GT(hold, 0);
	ASSERT_TRUE(wait_field(self->fd, Q_WAITERS, 1));
	ASSERT_EQ(0, kill(hold, SIGTERM));
	ASSERT_EQ(hold, waitpid(hold, &st, 0));
	EXPECT_TRUE(WIFSIGNALED(st));
	EXPECT_TRUE(wait_field(self->fd, Q_WAITERS, 0));
	ASSERT_EQ(0, semctl_sem_release(self->fd, 1, NULL));
	EXPECT_EQ(1, query_field(self->fd, Q_VALUE));
	EXPECT_EQ(0, query_field(self->fd, Q_UNDO_TOTAL));
}

/* A hold that times out, or names no process, holds nothing. */
TEST_F_TIMEOUT(cli, hold_failures_hold_nothing, 60)
{
	char pidstr[16];
	pid_t gone, holder;

	ASSERT_GE(make_sem(_metadata, self, "1"), 0);
	snprintf(pidstr, sizeof(pidstr), "%d", (int)getpid());
	EXPECT_EQ(0, CLI(&self->c, "hold", self->name, "--pid", pidstr));
	holder = atoi(self->c.out);
	EXPECT_EQ(1, CLI(&self->c, "hold", self->name, "-n", "1", "--pid",
			 pidstr, "--timeout", "0"));
	EXPECT_EQ(7, CLI(&self->c, "hold", self->name, "--pid", pidstr,
			 "--timeout", "0.1", "-E", "7"));
	EXPECT_EQ(0, query_field(self->fd, Q_WAITERS));
	EXPECT_EQ(1, query_field(self->fd, Q_UNDO_TOTAL));

	gone = fork();
	ASSERT_GE(gone, 0);
	if (!gone)
		_exit(0);
	ASSERT_EQ(gone, waitpid(gone, NULL, 0));
	snprintf(pidstr, sizeof(pidstr), "%d", (int)gone);
	EXPECT_EQ(66, CLI(&self->c, "hold", self->name, "--pid", pidstr));
	EXPECT_TRUE(has(self->c.err, "semctl: hold: --pid"));
	EXPECT_TRUE(has(self->c.err, "no such process"));
	EXPECT_EQ(64, CLI(&self->c, "acquire", self->name, "--pid", pidstr));
	EXPECT_EQ(1, query_field(self->fd, Q_UNDO_TOTAL));
	ASSERT_GT(holder, 1);
	EXPECT_EQ(0, kill(holder, SIGTERM));
	EXPECT_TRUE(wait_field(self->fd, Q_VALUE, 1));
}

/*
 * "semctl wait NAME": returns once every unit is free at once (GNU sem's
 * --wait), queued in FIFO order: an acquire that comes later waits too.
 */
TEST_F_TIMEOUT(cli, wait_for_every_unit, 60)
{
	pid_t waiter;
	int st;

	ASSERT_GE(make_sem(_metadata, self, "2"), 0);
	ASSERT_EQ(0, semctl_sem_acquire(self->fd, 1, 0));
	EXPECT_EQ(1, CLI(&self->c, "wait", self->name, "--timeout", "0.1"));
	EXPECT_EQ(1, query_field(self->fd, Q_VALUE));
	EXPECT_EQ(0, query_field(self->fd, Q_WAITERS));

	waiter = SPAWN("wait", self->name);
	ASSERT_GT(waiter, 0);
	ASSERT_TRUE(wait_field(self->fd, Q_WAITERS, 1));
	/* one unit is free, but the wait is queued first */
	EXPECT_EQ(-EAGAIN, semctl_sem_try_acquire(self->fd, 1, 0));
	ASSERT_EQ(0, semctl_sem_release(self->fd, 1, NULL));
	ASSERT_EQ(waiter, waitpid(waiter, &st, 0));
	EXPECT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_EQ(2, query_field(self->fd, Q_VALUE));
	EXPECT_EQ(0, query_field(self->fd, Q_UNDO_TOTAL));
	EXPECT_EQ(64, CLI(&self->c, "wait", self->name, "-n", "1"));
}

/* Runs tools/semctl/boot/semctl-boot in place of the CLI. */
static void exec_boot(void *dirs)
{
	char script[PATH_MAX];
	const char *cli = cli_path();
	const char *slash = strrchr(cli, '/');

	snprintf(script, sizeof(script), "%.*s/boot/semctl-boot",
		 slash ? (int)(slash - cli) : 1, slash ? cli : ".");
	setenv("SEMCTL", cli, 1);
	setenv("SEMCTL_CONFIG_DIRS", dirs, 1);
	execl(script, script, (char *)NULL);
	_exit(201);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/*
 * semctl.d(5): names declared in config files exist after semctl-boot,
 * owned and made as declared; /etc overrides a file of the same name in
 * /usr/lib; a bad line is reported and the rest applied; a rerun leaves
 * names as declared alone and reports one someone else made first
 * (issue 14, point 4).
 */
TEST_F_TIMEOUT(cli, boot_declares_names, 60)
{
	char dir[] = "/tmp/semctl-boot-XXXXXX", dirs[128], path[160];
	char text[512], name[3][64];
	struct semctl_info in;
	struct passwd *nobody = getpwnam("nobody");
	int fd, i;

	if (geteuid())
		SKIP(return, "needs root to create names for others");
	ASSERT_NE(NULL, nobody);
	ASSERT_NE(NULL, mkdtemp(dir));
	for (i = 0; i < 3; i++)
		uniq_name(name[i], sizeof(name[i]), "boot");
	snprintf(dirs, sizeof(dirs), "%s/usr %s/etc", dir, dir);
	snprintf(path, sizeof(path), "%s/usr", dir);
	ASSERT_EQ(0, mkdir(path, 0755));
	snprintf(path, sizeof(path), "%s/etc", dir);
	ASSERT_EQ(0, mkdir(path, 0755));
	/* overridden by etc/a.conf: name[1] must not appear */
	snprintf(path, sizeof(path), "%s/usr/a.conf", dir);
	snprintf(text, sizeof(text), "%s 1 - - -\n%s 5 5 root 0600\n",
		 name[0], name[1]);
	write_file(path, text);
	snprintf(path, sizeof(path), "%s/etc/a.conf", dir);
	snprintf(text, sizeof(text), "# local\n%s 2 4 nobody 0640\n%s 3\n",
		 name[0], name[1]);
	write_file(path, text);
	snprintf(path, sizeof(path), "%s/usr/b.conf", dir);
	snprintf(text, sizeof(text), "\n%s 1 - - 0644", name[2]);
	write_file(path, text);

	EXPECT_EQ(1, CLI_AS(&self->c, exec_boot, dirs, "-"));
	EXPECT_TRUE(has(self->c.err, "etc/a.conf:3: expected NAME VALUE MAX"));
	fd = semctl_sem_open(name[0], 0);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, semctl_sem_query(fd, &in));
	EXPECT_EQ(2, in.value);
	EXPECT_EQ(4, in.max);
	EXPECT_EQ(nobody->pw_uid, in.uid);
	EXPECT_EQ(0640, in.mode);
	close(fd);
	EXPECT_EQ(-ENOENT, semctl_sem_open(name[1], 0));
	fd = semctl_sem_open(name[2], 0);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, semctl_sem_query(fd, &in));
	EXPECT_EQ(1, in.value);
	EXPECT_EQ(1, in.max);
	EXPECT_EQ(0, in.uid);
	EXPECT_EQ(0644, in.mode);
	close(fd);

	/* again: what is as declared passes; a squatter is named */
	EXPECT_EQ(0, semctl_sem_unlink(name[2]));
	EXPECT_EQ(0, CLI_AS(&self->c, become_nobody, NULL, "create", name[2],
			    "--mode", "0666"));
	EXPECT_EQ(1, CLI_AS(&self->c, exec_boot, dirs, "-"));
	EXPECT_FALSE(has(self->c.err, name[0]));
	EXPECT_TRUE(has(self->c.err, "already exists, and not as asked"));
	EXPECT_TRUE(has(self->c.err, name[2]));
	fd = semctl_sem_open(name[2], 0);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, semctl_sem_query(fd, &in));
	EXPECT_EQ(nobody->pw_uid, in.uid);	/* left as it is */
	close(fd);

	for (i = 0; i < 3; i++)
		semctl_sem_unlink(name[i]);
	snprintf(text, sizeof(text), "rm -rf '%s'", dir);
	EXPECT_EQ(0, system(text));
}

/*
 * "Who holds my units?": info names the processes holding units with undo
 * and those waiting, in text and in --json (and ls --json), by PID
 * (issue 14, point 3).
 */
TEST_F_TIMEOUT(cli, info_names_holders_and_waiters, 60)
{
	char pidstr[16], want[160];
	pid_t holder, waiter;
	int st;

	ASSERT_GE(make_sem(_metadata, self, "2"), 0);
	EXPECT_EQ(0, CLI(&self->c, "info", self->name));
	EXPECT_TRUE(has(self->c.out, "holders:    none with undo\n"));
	EXPECT_TRUE(has(self->c.out, "waiting:    none\n"));
	EXPECT_EQ(0, CLI(&self->c, "info", "--json", self->name));
	EXPECT_TRUE(has(self->c.out, ",\"holders\":[],\"waiting\":[]}"));

	snprintf(pidstr, sizeof(pidstr), "%d", (int)getpid());
	ASSERT_EQ(0, CLI(&self->c, "hold", self->name, "-n", "2", "--pid",
			 pidstr));
	holder = atoi(self->c.out);
	ASSERT_GT(holder, 1);
	waiter = SPAWN("acquire", self->name);
	ASSERT_GT(waiter, 0);
	ASSERT_TRUE(wait_field(self->fd, Q_WAITERS, 1));

	EXPECT_EQ(0, CLI(&self->c, "info", self->name));
	snprintf(want, sizeof(want), "holders:    %d (2 units)\n", (int)holder);
	EXPECT_TRUE(has(self->c.out, want));
	snprintf(want, sizeof(want), "waiting:    %d (1 unit)\n", (int)waiter);
	EXPECT_TRUE(has(self->c.out, want));
	EXPECT_EQ(0, CLI(&self->c, "info", "--json", self->name));
	snprintf(want, sizeof(want),
		 ",\"holders\":[{\"pid\":%d,\"units\":2}],"
		 "\"waiting\":[{\"pid\":%d,\"units\":1,\"io_uring\":false}]}",
		 (int)holder, (int)waiter);
	EXPECT_TRUE(has(self->c.out, want));
	EXPECT_EQ(0, CLI(&self->c, "ls", "--json"));
	EXPECT_TRUE(has(self->c.out, want));

	/* the holder goes: the waiter holds (without undo: nobody named) */
	ASSERT_EQ(0, kill(holder, SIGTERM));
	ASSERT_EQ(waiter, waitpid(waiter, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_TRUE(wait_field(self->fd, Q_UNDO_TOTAL, 0));
	EXPECT_EQ(0, CLI(&self->c, "info", self->name));
	EXPECT_TRUE(has(self->c.out, "holders:    none with undo\n"));
}

TEST_F(cli, poisoned)
{
	ASSERT_GE(make_sem(_metadata, self, "1"), 0);
	EXPECT_EQ(0, CLI(&self->c, "info", "--json", self->name));
	EXPECT_TRUE(has(self->c.out, "\"poisoned\":false,"));
	ASSERT_EQ(0, semctl_sem_poison(self->fd));
	EXPECT_EQ(0, CLI(&self->c, "info", "--json", self->name));
	EXPECT_TRUE(has(self->c.out, "\"poisoned\":true,"));
	EXPECT_EQ(0, CLI(&self->c, "info", self->name));
	EXPECT_TRUE(has(self->c.out, "poisoned"));
	EXPECT_EQ(76, CLI(&self->c, "acquire", self->name));
	EXPECT_TRUE(has(self->c.err, "poisoned"));
	EXPECT_EQ(76, CLI(&self->c, "run", self->name, "--", "true"));
}

/*
 * "semctl poison NAME": a queued acquire and every later one fail with
 * EIDRM (the CLI's "poisoned" message, exit 76), releases still work.
 */
TEST_F_TIMEOUT(cli, poison_command, 60)
{
	pid_t waiter;
	int st;

	EXPECT_EQ(66, CLI(&self->c, "poison", self->name));
	EXPECT_TRUE(has(self->c.err, "no such semaphore"));

	ASSERT_GE(make_sem(_metadata, self, "2"), 0);
	EXPECT_EQ(0, CLI(&self->c, "acquire", self->name, "-n", "2"));
	EXPECT_EQ(0, query_field(self->fd, Q_VALUE));
	/*
	 * An acquire queued when the poison comes; the child exits with the
	 * CLI's status if its message says why, else 100.
	 */
	fflush(NULL);
	waiter = fork();
	ASSERT_GE(waiter, 0);
	if (!waiter) {
		CLI(&self->c, "acquire", self->name);
		_exit(has(self->c.err, "poisoned") ? self->c.status : 100);
	}
	ASSERT_TRUE(wait_field(self->fd, Q_WAITERS, 1));

	EXPECT_EQ(0, CLI(&self->c, "poison", self->name));
	EXPECT_STREQ("", self->c.out);
	EXPECT_STREQ("", self->c.err);
	ASSERT_EQ(waiter, waitpid(waiter, &st, 0));
	EXPECT_TRUE(WIFEXITED(st));
	EXPECT_EQ(76, WEXITSTATUS(st));
	EXPECT_EQ(0, query_field(self->fd, Q_WAITERS));

	EXPECT_EQ(0, CLI(&self->c, "info", "--json", self->name));
	EXPECT_TRUE(has(self->c.out, "\"poisoned\":true,"));
	/* later acquires: EIDRM, whatever the value and the timeout */
	EXPECT_EQ(76, CLI(&self->c, "acquire", self->name));
	EXPECT_TRUE(has(self->c.err, "poisoned"));
	EXPECT_EQ(-EIDRM, semctl_sem_try_acquire(self->fd, 1, 0));

	/* releases still work: the holder gives its units back */
	EXPECT_EQ(0, CLI(&self->c, "release", self->name));
	EXPECT_EQ(1, query_field(self->fd, Q_VALUE));
	EXPECT_EQ(0, CLI(&self->c, "release", self->name));
	EXPECT_EQ(2, query_field(self->fd, Q_VALUE));
	EXPECT_EQ(65, CLI(&self->c, "release", self->name));

	/* units are free now, and still nobody may take them */
	EXPECT_EQ(76, CLI(&self->c, "acquire", self->name, "--timeout", "0"));
	EXPECT_TRUE(has(self->c.err, "poisoned"));
	EXPECT_EQ(76, CLI(&self->c, "run", self->name, "--", "true"));
	EXPECT_EQ(2, query_field(self->fd, Q_VALUE));

	/* poisoning twice is not an error; there is no way back */
	EXPECT_EQ(0, CLI(&self->c, "poison", self->name));
	EXPECT_EQ(76, CLI(&self->c, "acquire", self->name));
	EXPECT_EQ(0, CLI(&self->c, "rm", self->name));
	EXPECT_EQ(66, CLI(&self->c, "poison", self->name));
}

static void hide_dev(void *arg)
{
	(void)arg;
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("tmpfs", "/dev", "tmpfs", 0, NULL))
		_exit(210);
}

TEST_F(cli, module_not_loaded)
{
	if (geteuid())
		SKIP(return, "needs root for a private mount namespace");
	CLI_AS(&self->c, hide_dev, NULL, "ls");
	if (self->c.status == 210)
		SKIP(return, "cannot hide /dev in a mount namespace");
	EXPECT_EQ(69, self->c.status);
	EXPECT_TRUE(has(self->c.err, "module is not loaded"));
	EXPECT_TRUE(has(self->c.err, "modprobe semctl"));
	EXPECT_TRUE(has(self->c.err, "insmod"));
	EXPECT_EQ(69, CLI_AS(&self->c, hide_dev, NULL, "run", self->name,
			     "--", "true"));
}

static void become_nobody(void *arg)
{
	(void)arg;
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		_exit(211);
}

TEST_F(cli, permission_denied)
{
	char want[128];

	if (geteuid())
		SKIP(return, "needs root to switch users");
	ASSERT_EQ(0, CLI(&self->c, "create", self->name, "--mode", "0600"));
	EXPECT_EQ(77, CLI_AS(&self->c, become_nobody, NULL, "info",
			     self->name));
	EXPECT_TRUE(has(self->c.err, "permission denied"));
	EXPECT_EQ(77, CLI_AS(&self->c, become_nobody, NULL, "acquire",
			     self->name));
	EXPECT_EQ(77, CLI_AS(&self->c, become_nobody, NULL, "rm",
			     self->name));
	EXPECT_TRUE(has(self->c.err, "not permitted"));
	EXPECT_EQ(77, CLI_AS(&self->c, become_nobody, NULL, "poison",
			     self->name));
	EXPECT_TRUE(has(self->c.err, "permission denied"));
	/* ls shows nobody what nobody may not read */
	EXPECT_EQ(0, CLI_AS(&self->c, become_nobody, NULL, "ls", "--json"));
	snprintf(want, sizeof(want), "\"%s\"", self->name);
	EXPECT_FALSE(has(self->c.out, want));
	/* still there for root */
	EXPECT_EQ(0, CLI(&self->c, "info", self->name));
}

/* "cli --slot FILE" is the CMD of parallel_runs_never_exceed_value. */
int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--slot"))
		return slot_main(argv[2]);
	return semctl_harness_main(argc, argv, NULL);
}
