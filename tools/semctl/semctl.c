// SPDX-License-Identifier: GPL-2.0
/*
 * semctl(1): kernel counting semaphores from the shell, in the style of
 * flock(1) and GNU parallel's sem.
 *
 *   semctl create NAME [--value N] [--max M] [--mode MODE] [--exclusive]
 *   semctl rm NAME
 *   semctl ls [--json]
 *   semctl info NAME [--json]
 *   semctl acquire NAME [-n N] [--timeout S]
 *   semctl release NAME [-n N]
 *   semctl hold NAME [-n N] [--timeout S] [--pid PID]
 *   semctl wait NAME [--timeout S]
 *   semctl poison NAME
 *   semctl run NAME [-n N] [--timeout S] [--create VALUE] -- CMD [ARGS...]
 *
 * `run` acquires with SEMCTL_ACQUIRE_UNDO on an fd opened with
 * SEMCTL_FD_NOCLOEXEC, then forks CMD, which inherits the fd, and waits:
 * the units are recorded on the open file, which both hold, so they come
 * back only when both are gone, however either dies (SIGKILL included). A
 * CMD that closes its inherited fds cannot give them back early, and
 * killing semctl cannot either while CMD runs. See man/man1/semctl.1.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <semctl.h>

#include "parse.h"

#ifndef SEMCTL_CLI_VERSION	/* the VERSION file, from the Makefile */
#define SEMCTL_CLI_VERSION	"unknown"
#endif

/* Exit statuses (sysexits.h values, as flock(1) uses them). */
#define EXIT_TIMEOUT_DEFAULT	1	/* timeout; -E changes it */
#define EX_USAGE		64
#define EX_DATAERR		65	/* bad name or value */
#define EX_NOINPUT		66	/* no such semaphore */
#define EX_UNAVAILABLE		69	/* module not loaded */
#define EX_SOFTWARE		70
#define EX_OSERR		71
#define EX_CANTCREAT		73	/* already exists */
#define EX_IOERR		74	/* output could not be written */
#define EX_POISONED		76	/* EX_PROTOCOL: no closer sysexits code */
#define EX_NOPERM		77	/* permission denied */
#define EXIT_EXEC_FAILED	126
#define EXIT_EXEC_NOTFOUND	127

static const char *prog = "semctl";

static void msg(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static void msg(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * Turn a library error into a message and an exit status. @what is the
 * operation, @name the semaphore (NULL for device-wide operations).
 */
/*
 * What a failing acquire or release asked for, so that EINVAL and
 * EOVERFLOW can say which argument is wrong (fail() reads it).
 */
static struct {
	int fd;			/* the semaphore, or -1 */
	uint64_t count;
} failing = { .fd = -1 };

/* Why a name is refused, or NULL when it looks valid. */
static const char *name_problem(const char *name)
{
	const unsigned char *p;

	if (!name)
		return NULL;
	if (!*name)
		return "the name is empty";
	if (strlen(name) > SEMCTL_NAME_MAX)
		return NULL;	/* ENAMETOOLONG says it */
	for (p = (const unsigned char *)name; *p; p++) {
		if (*p == '/')
			return "a name may not contain '/'";
		if (*p < 0x20 || *p == 0x7f)
			return "a name may not contain control characters";
	}
	return NULL;
}

static int fail(const char *what, const char *name, int err)
{
	const char *n = name ? name : "";
	const char *sep = name ? ": " : "";
	struct semctl_info info;
	const char *problem;
	bool known;

	/* A write-only descriptor cannot query: ask through a read one. */
	known = failing.fd >= 0 && semctl_sem_query(failing.fd, &info) == 0;
	if (!known && failing.fd >= 0 && name) {
		int rfd = semctl_sem_open(name, SEMCTL_OPEN_READ);

		known = rfd >= 0 && semctl_sem_query(rfd, &info) == 0;
		if (rfd >= 0)
			close(rfd);
	}
	switch (err) {
	case -ENODEV:
		msg("%s: %s does not exist: the semctl kernel module is not loaded",
		    what, SEMCTL_DEVICE);
		fprintf(stderr,
			"  load it as root with 'modprobe semctl' (installed module)\n"
			"  or 'insmod module/semctl.ko' (from a build tree)\n");
		return EX_UNAVAILABLE;
	case -EACCES:
		if (access(SEMCTL_DEVICE, R_OK | W_OK)) {
			msg("%s: cannot open %s: permission denied", what,
			    SEMCTL_DEVICE);
			return EX_NOPERM;
		}
		msg("%s: %s%spermission denied by the semaphore's mode", what,
		    n, sep);
		return EX_NOPERM;
	case -EPERM:
		msg("%s: %s%soperation not permitted (only the owner or CAP_IPC_OWNER may do this)",
		    what, n, sep);
		return EX_NOPERM;
	case -ENOENT:
		msg("%s: %s%sno such semaphore", what, n, sep);
		return EX_NOINPUT;
	case -EEXIST:
		msg("%s: %s%salready exists", what, n, sep);
		return EX_CANTCREAT;
	case -ENAMETOOLONG:
		msg("%s: %s%sname longer than %d bytes", what, n, sep,
		    SEMCTL_NAME_MAX);
		return EX_DATAERR;
	case -EOVERFLOW:
		if (!known) {
			msg("%s: %s%swould exceed the semaphore's maximum; nothing released",
			    what, n, sep);
			return EX_DATAERR;
		}
		msg("%s: %s%s%" PRIu64 " more would exceed the maximum %" PRIu64
		    " (value %" PRIu64 "); nothing released%s", what, n, sep,
		    failing.count, (uint64_t)info.max, (uint64_t)info.value,
		    info.undo_total ?
		    ": units held with undo come back by themselves when their holders close, and need no release" :
		    "");
		return EX_DATAERR;
	case -ENOTTY:
		msg("%s: %s%sthe loaded semctl module does not support this (too old?)",
		    what, n, sep);
		return EX_UNAVAILABLE;
	case -EDQUOT:
		msg("%s: %s%syou own as many semaphores as allowed (semctl module parameter max_per_user)",
		    what, n, sep);
		return EX_CANTCREAT;
	case -ENOSPC:
		msg("%s: %s%sno room for more names (semctl module parameter max_names_per_ns)",
		    what, n, sep);
		return EX_CANTCREAT;
	case -EIDRM:
		msg("%s: %s%sthe semaphore was poisoned: every acquire fails",
		    what, n, sep);
		return EX_POISONED;
	case -EINVAL:
		problem = name_problem(name);
		if (problem) {
			msg("%s: '%s': %s", what, n, problem);
		} else if (known && failing.count > info.max) {
			msg("%s: %s%s--count %" PRIu64
			    " is above the semaphore's maximum %" PRIu64
			    " (it could never be served)", what, n, sep,
			    failing.count, (uint64_t)info.max);
		} else {
			msg("%s: %s%sinvalid argument (name: 1..%d bytes without '/'; count: 1..max)",
			    what, n, sep, SEMCTL_NAME_MAX);
		}
		return EX_DATAERR;
	default:
		msg("%s: %s%s%s", what, n, sep, strerror(-err));
		return EX_OSERR;
	}
}

static int bad_usage(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: %s: ", prog, cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s %s --help'.\n", prog, cmd);
	return EX_USAGE;
}

/*
 * getopt_long() returned '?' (unknown option) or ':' (missing value; every
 * optstring starts with ':').
 */
static int bad_option(const char *cmd, char **argv, int c)
{
	const char *arg = argv[optind - 1];

	if (c == ':')
		return bad_usage(cmd, "option '%s' needs a value", arg);
	if (optopt && strncmp(arg, "--", 2))
		return bad_usage(cmd, "unknown option '-%c'", optopt);
	return bad_usage(cmd, "unknown option '%s'", arg);
}

/* ---- output helpers ---------------------------------------------------- */

/*
 * The length of the valid UTF-8 sequence at @s and its code point, or 0
 * for a byte that starts none (overlong forms and surrogates included).
 */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
	static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		c = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		c = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/*
 * A name for a terminal: C0 and C1 controls, DEL, backslash and bytes
 * that are not UTF-8 are escaped as \xNN. Return: the columns printed,
 * one per character (wide characters are not told apart).
 */
static int print_name(FILE *f, const char *name)
{
	const unsigned char *s = (const unsigned char *)name;
	int columns = 0;
	uint32_t cp;
	size_t len, i;

	while (*s) {
		len = utf8_next(s, &cp);
		if (len && cp >= 0x20 && cp != 0x7f && cp != '\\' &&
		    !(cp >= 0x80 && cp < 0xa0)) {
			fwrite(s, 1, len, f);
			columns++;
		} else {
			for (i = 0; i < (len ? len : 1); i++) {
				fprintf(f, "\\x%02x", s[i]);
				columns += 4;
			}
		}
		s += len ? len : 1;
	}
	return columns;
}

/*
 * A JSON string (RFC 8259): valid UTF-8 passes through, controls are
 * \u-escaped, and a byte that is not UTF-8 becomes U+FFFD, so that the
 * output is always valid JSON (the name itself is in the bytes ls shows).
 */
static void print_json_string(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t cp;
	size_t len;

	fputc('"', f);
	while (*s) {
		len = utf8_next(s, &cp);
		if (!len) {
			fputs("\\ufffd", f);
			s++;
			continue;
		}
		if (cp == '"' || cp == '\\')
			fprintf(f, "\\%c", (int)cp);
		else if (cp < 0x20 || cp == 0x7f)
			fprintf(f, "\\u%04x", (unsigned int)cp);
		else
			fwrite(s, 1, len, f);
		s += len;
	}
	fputc('"', f);
}

static void format_owner(char *buf, size_t len, uint32_t uid, uint32_t gid)
{
	char u[64], g[64];
	struct passwd *pw = getpwuid(uid);
	struct group *gr = getgrgid(gid);

	if (pw)
		snprintf(u, sizeof(u), "%s", pw->pw_name);
	else
		snprintf(u, sizeof(u), "%" PRIu32, uid);
	if (gr)
		snprintf(g, sizeof(g), "%s", gr->gr_name);
	else
		snprintf(g, sizeof(g), "%" PRIu32, gid);
	snprintf(buf, len, "%s:%s", u, g);
}

/*
 * Who holds units with undo and who waits (SEMCTL_IOC_HOLDERS), as JSON
 * members (",\"holders\":[...],\"waiting\":[...]") or as two lines of
 * `info`. @fd needs the read right. Nothing is printed when the loaded
 * module predates the ioctl. Units taken without undo have no holder.
 */
static void print_holders(FILE *f, int fd, bool json)
{
	static struct semctl_holder e[SEMCTL_HOLDERS_MAX];
	uint64_t total[2], shown[2] = { 0, 0 };
	int n, i, pass;

	n = semctl_sem_holders(fd, e, SEMCTL_HOLDERS_MAX, &total[0], &total[1]);
	if (n < 0)
		return;
	for (pass = 0; pass < 2; pass++) {
		bool waiting = pass == 1;

		fputs(json ? (waiting ? ",\"waiting\":[" : ",\"holders\":[") :
			     (waiting ? "waiting:    " : "holders:    "), f);
		for (i = 0; i < n; i++) {
			bool async = e[i].flags & SEMCTL_HOLDER_ASYNC;

			if (!!(e[i].flags & SEMCTL_HOLDER_WAITING) != waiting)
				continue;
			if (json) {
				fprintf(f, "%s{\"pid\":%" PRId32 ",\"units\":%"
					PRIu64 "%s}", shown[pass] ? "," : "",
					(int32_t)e[i].pid, (uint64_t)e[i].count,
					waiting ? (async ? ",\"io_uring\":true" :
						   ",\"io_uring\":false") : "");
			} else {
				if (shown[pass])
					fputs(", ", f);
				if (e[i].pid)
					fprintf(f, "%" PRId32, (int32_t)e[i].pid);
				else
					fputs("(another PID namespace)", f);
				fprintf(f, " (%" PRIu64 " unit%s%s)",
					(uint64_t)e[i].count,
					e[i].count == 1 ? "" : "s",
					async ? ", io_uring" : "");
			}
			shown[pass]++;
		}
		if (json)
			fputc(']', f);
		else if (!shown[pass] && !total[pass])
			fputs(waiting ? "none\n" : "none with undo\n", f);
		else if (!shown[pass])
			fprintf(f, "%" PRIu64 ", not listed\n", total[pass]);
		else if (shown[pass] < total[pass])
			fprintf(f, ", and %" PRIu64 " more\n",
				total[pass] - shown[pass]);
		else
			fputc('\n', f);
	}
}

static void print_info_json(FILE *f, const struct semctl_info *in, int fd)
{
	fputs("{\"name\":", f);
	print_json_string(f, in->name);
	fprintf(f, ",\"value\":%" PRIu64 ",\"max\":%" PRIu64
		",\"waiters\":%" PRIu64 ",\"undo_total\":%" PRIu64
		",\"uid\":%" PRIu32 ",\"gid\":%" PRIu32 ",\"mode\":\"%04o\""
		",\"poisoned\":%s",
		(uint64_t)in->value, (uint64_t)in->max,
		(uint64_t)in->waiters, (uint64_t)in->undo_total,
		(uint32_t)in->uid, (uint32_t)in->gid, (unsigned int)in->mode,
		in->flags & SEMCTL_INFO_POISONED ? "true" : "false");
	if (fd >= 0)
		print_holders(f, fd, true);
	fputc('}', f);
}

/* ---- subcommands ------------------------------------------------------- */

struct subcommand {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
	const char *help;
};

static const struct subcommand *current;

static int usage_of(const struct subcommand *sc, FILE *f)
{
	fprintf(f, "Usage: %s %s %s\n\n%s", prog, sc->name, sc->usage,
		sc->help);
	return 0;
}

#define OPT_HELP	{ "help", no_argument, NULL, 'h' }

/*
 * Open-or-create found a name: if it is not the semaphore asked for (its
 * owner, maximum or mode differ), say so and fail, for somebody else may
 * have created it first to control it (name squatting). Its value is not
 * compared: units in use change it. Return: 0 or EX_CANTCREAT.
 */
static int existing_differs(int fd, const char *name, uint64_t max,
			    mode_t mode)
{
	struct semctl_info info;
	char owner[160];

	if (semctl_sem_query(fd, &info) < 0)
		return 0;	/* no read right: it was not ours to create */
	if (info.uid == (uint32_t)geteuid() && info.max == max &&
	    info.mode == (uint32_t)mode)
		return 0;
	format_owner(owner, sizeof(owner), info.uid, info.gid);
	msg("create: '%s' already exists, and not as asked: owner %s, max %"
	    PRIu64 ", mode %04o (asked: yours, max %" PRIu64 ", mode %04o); "
	    "left as it is (--exclusive fails on any existing name)",
	    name, owner, (uint64_t)info.max, (unsigned int)info.mode, max,
	    (unsigned int)mode);
	return EX_CANTCREAT;
}

static int cmd_create(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "value", required_argument, NULL, 'v' },
		{ "max", required_argument, NULL, 'm' },
		{ "mode", required_argument, NULL, 'M' },
		{ "exclusive", no_argument, NULL, 'x' },
		OPT_HELP, { 0 }
	};
	uint64_t value = 1, max = 0;
	bool have_max = false;
	unsigned int flags = 0;
	mode_t mode = 0600;
	int c, fd, ret;

	while ((c = getopt_long(argc, argv, ":v:m:M:xh", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			if (!parse_u64(optarg, &value) ||
			    value > SEMCTL_VALUE_MAX)
				return bad_usage("create", "bad --value '%s'",
						 optarg);
			break;
		case 'm':
			if (!parse_u64(optarg, &max) || !max ||
			    max > SEMCTL_VALUE_MAX)
				return bad_usage("create", "bad --max '%s'",
						 optarg);
			have_max = true;
			break;
		case 'M':
			if (parse_mode(optarg, &mode))
				return bad_usage("create",
						 "bad --mode '%s' (octal, at most 0777)",
						 optarg);
			break;
		case 'x':
			flags |= SEMCTL_CREATE_EXCL;
			break;
		case 'h':
			return usage_of(current, stdout);
		default:
			return bad_option("create", argv, c);
		}
	}
	if (optind != argc - 1)
		return bad_usage("create", "expected exactly one NAME");
	if (!have_max)
		max = value ? value : 1;
	if (value > max)
		return bad_usage("create", "--value %" PRIu64
				 " is above --max %" PRIu64, value, max);
	fd = semctl_sem_create(argv[optind], value, max, mode, flags);
	if (fd < 0)
		return fail("create", argv[optind], fd);
	ret = existing_differs(fd, argv[optind], max, mode);
	close(fd);
	return ret;
}

static int cmd_rm(int argc, char **argv)
{
	static const struct option opts[] = { OPT_HELP, { 0 } };
	int c, i, ret, status = 0;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h')
			return usage_of(current, stdout);
		return bad_option("rm", argv, c);
	}
	if (optind >= argc)
		return bad_usage("rm", "expected NAME");
	for (i = optind; i < argc; i++) {
		ret = semctl_sem_unlink(argv[i]);
		if (ret < 0)
			status = fail("rm", argv[i], ret);
	}
	return status;
}

#define LS_BATCH	32

static int cmd_ls(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' }, OPT_HELP, { 0 }
	};
	struct semctl_info e[LS_BATCH];
	uint64_t cursor = 0;
	bool json = false, first = true;
	char owner[160];
	int c, i, n;

	while ((c = getopt_long(argc, argv, ":jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			return usage_of(current, stdout);
		default:
			return bad_option("ls", argv, c);
		}
	}
	if (optind != argc)
		return bad_usage("ls", "unexpected argument '%s'",
				 argv[optind]);

	n = semctl_sem_list(&cursor, e, LS_BATCH);
	if (n < 0)
		return fail("ls", NULL, n);
	if (json)
		fputc('[', stdout);
	else
		printf("%-20s %10s %10s %8s %8s %-16s %s\n", "NAME", "VALUE",
		       "MAX", "WAITERS", "UNDO", "OWNER", "MODE");
	while (n > 0) {
		for (i = 0; i < n; i++) {
			if (json) {
				int fd = semctl_sem_open(e[i].name,
							 SEMCTL_OPEN_READ);

				fputs(first ? "\n  " : ",\n  ", stdout);
				print_info_json(stdout, &e[i], fd);
				if (fd >= 0)
					close(fd);
			} else {
				int w = print_name(stdout, e[i].name);

				format_owner(owner, sizeof(owner), e[i].uid,
					     e[i].gid);
				printf("%*s %10" PRIu64 " %10" PRIu64 " %8"
				       PRIu64 " %8" PRIu64 " %-16s %04o\n",
				       w < 20 ? 20 - w : 0, "",
				       (uint64_t)e[i].value,
				       (uint64_t)e[i].max,
				       (uint64_t)e[i].waiters,
				       (uint64_t)e[i].undo_total, owner,
				       (unsigned int)e[i].mode);
			}
			first = false;
		}
		n = semctl_sem_list(&cursor, e, LS_BATCH);
		if (n < 0) {
			if (json)
				fputs("\n]\n", stdout);
			return fail("ls", NULL, n);
		}
	}
	if (json)
		fputs(first ? "]\n" : "\n]\n", stdout);
	return 0;
}

static int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' }, OPT_HELP, { 0 }
	};
	struct semctl_info in;
	bool json = false;
	char owner[160];
	int c, fd, ret;

	while ((c = getopt_long(argc, argv, ":jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			return usage_of(current, stdout);
		default:
			return bad_option("info", argv, c);
		}
	}
	if (optind != argc - 1)
		return bad_usage("info", "expected exactly one NAME");
	fd = semctl_sem_open(argv[optind], SEMCTL_OPEN_READ);
	if (fd < 0)
		return fail("info", argv[optind], fd);
	ret = semctl_sem_query(fd, &in);
	if (ret < 0) {
		close(fd);
		return fail("info", argv[optind], ret);
	}
	if (json) {
		print_info_json(stdout, &in, fd);
		fputc('\n', stdout);
		close(fd);
		return 0;
	}
	format_owner(owner, sizeof(owner), in.uid, in.gid);
	fputs("name:       ", stdout);
	print_name(stdout, in.name);
	printf("\nvalue:      %" PRIu64 "\nmax:        %" PRIu64
	       "\nwaiters:    %" PRIu64 "\nundo-total: %" PRIu64
	       "\nowner:      %s (%" PRIu32 ":%" PRIu32 ")\nmode:       %04o\n",
	       (uint64_t)in.value, (uint64_t)in.max, (uint64_t)in.waiters,
	       (uint64_t)in.undo_total, owner, (uint32_t)in.uid,
	       (uint32_t)in.gid, (unsigned int)in.mode);
	if (in.flags & SEMCTL_INFO_POISONED)
		printf("state:      poisoned (every acquire fails)\n");
	print_holders(stdout, fd, false);
	close(fd);
	return 0;
}

/* Options shared by acquire, release and run. */
struct take_opts {
	uint64_t count;
	bool timed;
	struct timespec timeout;
	bool create;
	uint64_t create_value;
	int timeout_status;
	const char *name;
	pid_t pid;		/* hold: whose lifetime bounds the hold */
	bool counted;		/* -n was given */
};

/* What parse_take() accepts besides NAME and -n. */
#define TAKE_TIMED	0x1	/* --timeout, -E */
#define TAKE_RUN	0x2	/* --create, and "-- CMD" */
#define TAKE_HOLD	0x4	/* --pid */
#define TAKE_NO_COUNT	0x8	/* no -n (wait) */

static int take(int fd, const struct take_opts *o, unsigned int flags)
{
	return semctl_sem_acquire_timeout(fd, o->count, flags,
					  o->timed ? &o->timeout : NULL);
}

/*
 * Options may come before or after NAME ("run -n 2 NAME -- CMD" and
 * "run NAME -n 2 -- CMD"), but scanning stops at "--" or at the first
 * word after NAME, so CMD's own options are never taken for ours.
 * Returns 0, an exit status, or -1 after --help.
 */
static int parse_take(const char *cmd, int argc, char **argv,
		      struct take_opts *o, unsigned int what)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "create", required_argument, NULL, 'c' },
		{ "timeout-status", required_argument, NULL, 'E' },
		{ "pid", required_argument, NULL, 'p' },
		OPT_HELP, { 0 }
	};
	const bool timed = what & TAKE_TIMED, run = what & TAKE_RUN;
	uint64_t v;
	int c;

	o->count = 1;
	o->timeout_status = EXIT_TIMEOUT_DEFAULT;
	o->name = NULL;
	for (;;) {
		c = getopt_long(argc, argv, "+:n:t:c:E:p:h", opts, NULL);
		if (c == -1) {
			bool dashdash = optind > 1 &&
					!strcmp(argv[optind - 1], "--");

			if (o->name || optind >= argc)
				break;
			o->name = argv[optind++];
			if (dashdash)
				break;
			continue;
		}
		switch (c) {
		case 'n':
			if (what & TAKE_NO_COUNT)
				return bad_usage(cmd, "no --count here");
			if (!parse_u64(optarg, &o->count) || !o->count)
				return bad_usage(cmd, "bad count '%s'", optarg);
			o->counted = true;
			break;
		case 'p':
			if (!(what & TAKE_HOLD))
				return bad_usage(cmd, "no --pid here");
			if (!parse_u64(optarg, &v) || !v || v > INT_MAX)
				return bad_usage(cmd, "bad --pid '%s'", optarg);
			o->pid = (pid_t)v;
			break;
		case 't':
			if (!timed)
				return bad_usage(cmd, "no --timeout here");
			if (!parse_seconds(optarg, &o->timeout))
				return bad_usage(cmd,
						 "bad --timeout '%s' (seconds, e.g. 2.5)",
						 optarg);
			o->timed = true;
			break;
		case 'c':
			if (!run)
				return bad_usage(cmd, "no --create here");
			if (!parse_u64(optarg, &o->create_value) ||
			    !o->create_value ||
			    o->create_value > SEMCTL_VALUE_MAX)
				return bad_usage(cmd, "bad --create '%s'",
						 optarg);
			o->create = true;
			break;
		case 'E':
			if (!timed || !parse_u64(optarg, &v) || v > 255)
				return bad_usage(cmd,
						 "bad --timeout-status (0..255)");
			o->timeout_status = (int)v;
			break;
		case 'h':
			usage_of(current, stdout);
			return -1;
		default:
			return bad_option(cmd, argv, c);
		}
	}
	if (!o->name)
		return bad_usage(cmd, "expected NAME");
	if (run && optind >= argc)
		return bad_usage(cmd, "expected NAME -- CMD [ARGS...]");
	if (!run && optind != argc)
		return bad_usage(cmd, "unexpected argument '%s'", argv[optind]);
	return 0;
}

static int cmd_acquire(int argc, char **argv)
{
	struct take_opts o = { 0 };
	int fd, ret;

	ret = parse_take("acquire", argc, argv, &o, TAKE_TIMED);
	if (ret)
		return ret < 0 ? 0 : ret;
	fd = semctl_sem_open(o.name, SEMCTL_OPEN_WRITE);
	if (fd < 0)
		return fail("acquire", o.name, fd);
	/* No undo: the units stay taken after this process exits. */
	ret = take(fd, &o, 0);
	failing.fd = fd;
	failing.count = o.count;
	if (ret < 0 && ret != -ETIMEDOUT)
		ret = fail("acquire", o.name, ret);
	else if (ret == -ETIMEDOUT)
		ret = o.timeout_status;
	close(fd);
	if (ret)
		return ret;
	return 0;
}

static int cmd_release(int argc, char **argv)
{
	struct take_opts o = { 0 };
	int fd, ret;

	ret = parse_take("release", argc, argv, &o, 0);
	if (ret)
		return ret < 0 ? 0 : ret;
	fd = semctl_sem_open(o.name, SEMCTL_OPEN_WRITE);
	if (fd < 0)
		return fail("release", o.name, fd);
	ret = semctl_sem_release(fd, o.count, NULL);
	failing.fd = fd;
	failing.count = o.count;
	if (ret < 0)
		ret = fail("release", o.name, ret);
	close(fd);
	if (ret)
		return ret;
	return 0;
}

/* Close every fd from 3 up but the three given. */
static void close_fds_but(int a, int b, int c)
{
	int keep[3] = { a, b, c }, t, i, j;
	unsigned int from = 3;

	for (i = 0; i < 3; i++)		/* in increasing order */
		for (j = i + 1; j < 3; j++)
			if (keep[j] < keep[i]) {
				t = keep[i];
				keep[i] = keep[j];
				keep[j] = t;
			}
	for (i = 0; i < 3; i++) {
		if ((unsigned int)keep[i] > from)
			close_range(from, (unsigned int)keep[i] - 1, 0);
		if ((unsigned int)keep[i] >= from)
			from = (unsigned int)keep[i] + 1;
	}
	close_range(from, ~0U, 0);
}

/*
 * hold: a child takes the units with undo and keeps the open file (the
 * units are recorded on it) for as long as the process --pid names lives
 * (default: our parent, the calling shell), or until it gets SIGTERM,
 * SIGINT or SIGHUP; however it ends, the units come back. The child is the
 * acquirer, so SEMCTL_IOC_HOLDERS names it. Until it reports, it dies with
 * us (PR_SET_PDEATHSIG) and shares our process group, so an interrupted
 * `hold` leaves nothing held; after that a hold lasts at most until --pid
 * exits. We print its PID once the units are held.
 */
static int cmd_hold(int argc, char **argv)
{
	struct take_opts o = { 0 };
	int fd, pidfd, ret, err, report[2];
	pid_t child, self = getpid();
	ssize_t n;

	ret = parse_take("hold", argc, argv, &o, TAKE_TIMED | TAKE_HOLD);
	if (ret)
		return ret < 0 ? 0 : ret;
	if (!o.pid)
		o.pid = getppid();
	/* pinned now: a PID reused after the process exits is not followed */
	pidfd = (int)syscall(SYS_pidfd_open, o.pid, 0);
	if (pidfd < 0) {
		err = errno;
		msg("hold: --pid %d: %s", (int)o.pid,
		    err == ESRCH ? "no such process" : strerror(err));
		return err == ESRCH ? EX_NOINPUT : EX_OSERR;
	}
	if (pidfd < 3) {	/* started with stdio closed: keep it off 0-2 */
		err = fcntl(pidfd, F_DUPFD_CLOEXEC, 3);
		close(pidfd);
		pidfd = err;
		if (pidfd < 0) {
			msg("hold: %s", strerror(errno));
			return EX_OSERR;
		}
	}
	fd = semctl_sem_open(o.name, SEMCTL_OPEN_WRITE);
	if (fd < 0)
		return fail("hold", o.name, fd);
	if (pipe2(report, O_CLOEXEC) < 0) {
		msg("hold: %s", strerror(errno));
		return EX_OSERR;
	}
	fflush(NULL);
	child = fork();
	if (child < 0) {
		msg("hold: fork: %s", strerror(errno));
		return EX_OSERR;
	}
	if (child == 0) {
		struct pollfd target = { .fd = pidfd, .events = POLLIN };
		int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != self)
			_exit(1);
		/* `$(semctl hold ...)` returns at EOF: let go of the caller's
		 * stdio (the semaphore fd is never 0, 1 or 2) and of the rest
		 * of its fds (a pipe's reader would wait for us). */
		if (devnull >= 0) {
			dup2(devnull, 0);
			dup2(devnull, 1);
			dup2(devnull, 2);
		}
		close_fds_but(fd, pidfd, report[1]);
		/* a kill ends the hold even where the shell ignored these */
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		ret = take(fd, &o, SEMCTL_ACQUIRE_UNDO);
		if (!ret && (prctl(PR_SET_PDEATHSIG, 0) || setsid() < 0))
			ret = -errno;
		if (write(report[1], &ret, sizeof(ret)) != sizeof(ret) || ret)
			_exit(0);	/* nothing held, or given back now */
		close(report[1]);
		while (poll(&target, 1, -1) < 0 && errno == EINTR)
			;
		_exit(0);	/* the units come back with the open file */
	}
	close(report[1]);
	close(pidfd);
	do
		n = read(report[0], &ret, sizeof(ret));
	while (n < 0 && errno == EINTR);
	close(report[0]);
	if (n != sizeof(ret)) {
		waitpid(child, NULL, 0);
		msg("hold: the holding process died before it held the units");
		close(fd);
		return EX_SOFTWARE;
	}
	if (ret) {
		waitpid(child, NULL, 0);
		failing.fd = fd;
		failing.count = o.count;
		ret = ret == -ETIMEDOUT ? o.timeout_status :
					  fail("hold", o.name, ret);
		close(fd);
		return ret;
	}
	close(fd);
	printf("%d\n", (int)child);
	return 0;
}

/*
 * wait: until every unit is free at once. It takes all `max` units with
 * undo, queued in FIFO order like any acquire (so acquirers that come
 * later wait behind it), and gives them back at once.
 */
static int cmd_wait(int argc, char **argv)
{
	struct take_opts o = { 0 };
	struct semctl_info info = { .size = sizeof(info) };
	int fd, ret;

	ret = parse_take("wait", argc, argv, &o, TAKE_TIMED | TAKE_NO_COUNT);
	if (ret)
		return ret < 0 ? 0 : ret;
	fd = semctl_sem_open(o.name, SEMCTL_OPEN_READ | SEMCTL_OPEN_WRITE);
	if (fd < 0)
		return fail("wait", o.name, fd);
	ret = semctl_sem_query(fd, &info);
	if (!ret) {
		o.count = info.max;
		ret = take(fd, &o, SEMCTL_ACQUIRE_UNDO);
	}
	if (!ret)
		ret = semctl_sem_release(fd, o.count, NULL);
	if (ret == -ETIMEDOUT)
		ret = o.timeout_status;
	else if (ret < 0)
		ret = fail("wait", o.name, ret);
	close(fd);
	return ret;
}

static int cmd_poison(int argc, char **argv)
{
	static const struct option opts[] = { OPT_HELP, { 0 } };
	int c, fd, ret;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h')
			return usage_of(current, stdout);
		return bad_option("poison", argv, c);
	}
	if (optind != argc - 1)
		return bad_usage("poison", "expected exactly one NAME");
	/* The kernel wants the write right, as for acquire and release. */
	fd = semctl_sem_open(argv[optind], SEMCTL_OPEN_WRITE);
	if (fd < 0)
		return fail("poison", argv[optind], fd);
	ret = semctl_sem_poison(fd);
	close(fd);
	if (ret < 0)
		return fail("poison", argv[optind], ret);
	return 0;
}

/* Signals sent to semctl run that CMD should get instead. */
static const int run_forwarded[] = {
	SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM,
};

static void run_signal_set(sigset_t *set)
{
	unsigned int i;

	sigemptyset(set);
	for (i = 0; i < sizeof(run_forwarded) / sizeof(run_forwarded[0]); i++)
		sigaddset(set, run_forwarded[i]);
	sigaddset(set, SIGCHLD);
}

/*
 * The child: CMD, with the signal mask semctl run started with. An exec
 * failure's errno goes back through @report (close-on-exec: a successful
 * exec closes it empty).
 */
static void run_exec(char **argv, const sigset_t *old_mask, int report)
{
	int err;

	sigprocmask(SIG_SETMASK, old_mask, NULL);
	execvp(argv[0], argv);
	err = errno;
	if (write(report, &err, sizeof(err)) < 0)
		err = 0;
	_exit(err == ENOENT ? EXIT_EXEC_NOTFOUND : EXIT_EXEC_FAILED);
}

/*
 * Wait for CMD, passing on the signals somebody sends us (a terminal's
 * signals reach CMD's process group by themselves: si_code says who sent
 * it). Return: CMD's wait status.
 */
static int run_wait(pid_t child, const sigset_t *set)
{
	siginfo_t info;
	int status, sig;

	for (;;) {
		pid_t pid = waitpid(child, &status, WNOHANG);

		if (pid == child)
			return status;
		if (pid < 0 && errno != EINTR)
			return W_EXITCODE(EX_OSERR, 0);
		sig = sigwaitinfo(set, &info);
		if (sig < 0 || sig == SIGCHLD)
			continue;
		if (info.si_code <= 0)	/* SI_USER, SI_QUEUE, SI_TKILL */
			kill(child, sig);
	}
}

/* Exit as CMD did: its status, or its signal (without a core of ours). */
static int run_exit_as(int status)
{
	struct rlimit no_core = { 0, 0 };
	sigset_t set;

	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (!WIFSIGNALED(status))
		return EX_SOFTWARE;
	setrlimit(RLIMIT_CORE, &no_core);
	signal(WTERMSIG(status), SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, WTERMSIG(status));
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(WTERMSIG(status));
	return 128 + WTERMSIG(status);
}

static int cmd_run(int argc, char **argv)
{
	struct take_opts o = { 0 };
	const unsigned int fdflags = SEMCTL_FD_NOCLOEXEC;
	sigset_t set, old_mask;
	int fd, ret, err, report[2];
	const char *name;
	char fdstr[16];
	pid_t child;
	ssize_t n;

	ret = parse_take("run", argc, argv, &o, TAKE_TIMED | TAKE_RUN);
	if (ret)
		return ret < 0 ? 0 : ret;
	name = o.name;

	fd = semctl_sem_open(name, SEMCTL_OPEN_WRITE | fdflags);
	if (fd == -ENOENT && o.create)
		fd = semctl_sem_create(name, o.create_value, o.create_value,
				       0600, fdflags);
	if (fd < 0)
		return fail("run", name, fd);

	ret = take(fd, &o, SEMCTL_ACQUIRE_UNDO);
	if (ret == -ETIMEDOUT)
		return o.timeout_status;
	failing.fd = fd;
	failing.count = o.count;
	if (ret < 0)
		return fail("run", name, ret);

	snprintf(fdstr, sizeof(fdstr), "%d", fd);
	setenv("SEMCTL_FD", fdstr, 1);
	/* An inherited SIG_IGN would reap CMD before we could wait for it. */
	signal(SIGCHLD, SIG_DFL);
	run_signal_set(&set);
	if (pipe2(report, O_CLOEXEC) < 0 ||
	    sigprocmask(SIG_BLOCK, &set, &old_mask) < 0) {
		msg("run: %s", strerror(errno));
		return EX_OSERR;
	}
	child = fork();
	if (child < 0) {
		msg("run: fork: %s", strerror(errno));
		return EX_OSERR;
	}
	if (child == 0) {
		close(report[0]);
		run_exec(&argv[optind], &old_mask, report[1]);
	}
	close(report[1]);
	do
		n = read(report[0], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	close(report[0]);
	ret = run_wait(child, &set);
	if (n == sizeof(err))
		msg("run: %s: %s", argv[optind], strerror(err));
	/* CMD is gone: our close gives the units back unless a child of its
	 * still holds the open file. */
	close(fd);
	return run_exit_as(ret);
}

static const struct subcommand subcommands[] = {
	{ "create", cmd_create,
	  "NAME [--value N] [--max M] [--mode MODE] [--exclusive]",
	  "Create the named semaphore NAME, or leave an existing one as it is.\n\n"
	  "  -v, --value N     initial value (default 1)\n"
	  "  -m, --max M       maximum value (default: the initial value, 1 if 0)\n"
	  "  -M, --mode MODE   octal permission bits (default 0600): read lets\n"
	  "                    others query it, write lets them acquire/release\n"
	  "  -x, --exclusive   fail (exit 73) if NAME exists\n" },
	{ "rm", cmd_rm, "NAME...",
	  "Remove the names. Holders keep their units and fds; the semaphore\n"
	  "goes away with its last fd. Only the owner (or CAP_IPC_OWNER) may.\n" },
	{ "ls", cmd_ls, "[--json]",
	  "List every named semaphore you may read: name, value, max, waiters,\n"
	  "units held with undo (by all holders), owner, mode.\n\n"
	  "  -j, --json        one JSON array of objects\n" },
	{ "info", cmd_info, "NAME [--json]",
	  "Show one semaphore (needs read permission).\n\n"
	  "  -j, --json        one JSON object\n" },
	{ "acquire", cmd_acquire, "NAME [-n N] [--timeout S] [-E STATUS]",
	  "Take N units and exit, for shell scripts. The units stay taken\n"
	  "after the command exits, until some 'semctl release' gives them\n"
	  "back: nothing returns them if the script dies. Prefer 'run'.\n\n"
	  "  -n, --count N     units (default 1)\n"
	  "  -t, --timeout S   give up after S seconds (fractions allowed;\n"
	  "                    0 takes them only if free now)\n"
	  "  -E, --timeout-status STATUS\n"
	  "                    exit status on timeout (default 1)\n" },
	{ "release", cmd_release, "NAME [-n N]",
	  "Give N units back.\n\n"
	  "  -n, --count N     units (default 1); exit 65 if that would exceed\n"
	  "                    the maximum (nothing is released then)\n" },
	{ "hold", cmd_hold, "NAME [-n N] [--timeout S] [-E STATUS] [--pid PID]",
	  "Take N units with undo for as long as process PID lives (default:\n"
	  "the caller, e.g. the shell running the script), as 'exec 9>f;\n"
	  "flock 9' holds a lock: a holding process in the background keeps\n"
	  "them and gives them back when PID exits, however it exits. Prints\n"
	  "that process's PID once the units are held: 'kill' it to give them\n"
	  "back earlier (not 'semctl release').\n\n"
	  "  -n, --count N     units (default 1)\n"
	  "  -t, --timeout S   give up after S seconds\n"
	  "  -E, --timeout-status STATUS\n"
	  "                    exit status on timeout (default 1)\n"
	  "  -p, --pid PID     hold while PID lives (default: the parent)\n" },
	{ "wait", cmd_wait, "NAME [--timeout S] [-E STATUS]",
	  "Wait until every unit is free at once (all holders done), as GNU\n"
	  "parallel's 'sem --wait'. It queues in FIFO order like an acquire of\n"
	  "all max units, so acquirers that come after it wait for it too.\n\n"
	  "  -t, --timeout S   give up after S seconds\n"
	  "  -E, --timeout-status STATUS\n"
	  "                    exit status on timeout (default 1)\n" },
	{ "poison", cmd_poison, "NAME",
	  "Poison the semaphore for good, as IPC_RMID does to SysV waiters:\n"
	  "every queued acquire and every later one fails (acquire and run\n"
	  "exit 76), on every descriptor. Releases still work, so holders can\n"
	  "give their units back. There is no way back; 'rm' removes the\n"
	  "name. Needs write permission; poisoning twice is not an error.\n" },
	{ "run", cmd_run,
	  "NAME [-n N] [--timeout S] [--create VALUE] [-E STATUS] -- CMD [ARGS...]",
	  "Take N units with undo, then run CMD holding them, and wait for it.\n"
	  "They come back when CMD exits or dies, and not before: semctl and\n"
	  "CMD both hold the semaphore fd (its number is in $SEMCTL_FD), so\n"
	  "neither CMD closing its fds nor semctl being killed ends the hold;\n"
	  "a background child of CMD that keeps the fd keeps the units too.\n"
	  "Signals sent to semctl are passed to CMD. Exits with CMD's status\n"
	  "(dies of CMD's signal); 126/127 if CMD cannot be executed.\n\n"
	  "  -n, --count N     units (default 1)\n"
	  "  -t, --timeout S   give up after S seconds\n"
	  "  -c, --create VALUE\n"
	  "                    create NAME with value and max VALUE (mode 0600)\n"
	  "                    if it does not exist\n"
	  "  -E, --timeout-status STATUS\n"
	  "                    exit status on timeout (default 1)\n" },
};

#define N_SUBCOMMANDS	(sizeof(subcommands) / sizeof(subcommands[0]))

static int main_usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: %s COMMAND [OPTIONS] [ARGS]\n\n"
		"Kernel counting semaphores (the semctl module) from the shell.\n\n"
		"Commands:\n", prog);
	for (i = 0; i < N_SUBCOMMANDS; i++)
		fprintf(f, "  %s %s\n", subcommands[i].name,
			subcommands[i].usage);
	fprintf(f, "\n'%s COMMAND --help' describes one command; see semctl(1).\n"
		"Exit status: 0 ok, 1 timeout (-E), 64 usage, 65 bad value,\n"
		"66 no such semaphore, 69 module not loaded, 73 exists,\n"
		"77 permission denied, 71 other errors; run: CMD's status.\n",
		prog);
	return 0;
}

/*
 * What was printed must have reached its file, as coreutils' close_stdout
 * checks: a full disk or a closed pipe is a failure, not a success. The
 * units of `run` are not at stake here: its CMD has exited by now.
 */
static void check_stdout(void)
{
	bool failed = ferror(stdout);

	if (fclose(stdout) && errno != EBADF)
		failed = true;
	if (failed) {
		fprintf(stderr, "%s: write error: %s\n", prog,
			errno ? strerror(errno) : "output failed");
		_exit(EX_IOERR);
	}
}

int main(int argc, char **argv)
{
	size_t i;

	atexit(check_stdout);

	if (argc < 2) {
		main_usage(stderr);
		return EX_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		if (argc > 2 && strcmp(argv[1], "help") == 0) {
			for (i = 0; i < N_SUBCOMMANDS; i++)
				if (!strcmp(argv[2], subcommands[i].name))
					return usage_of(&subcommands[i],
							stdout);
		}
		return main_usage(stdout);
	}
	if (!strcmp(argv[1], "--version")) {
		printf("semctl %s (libsemctl %d.%d)\n", SEMCTL_CLI_VERSION,
		       LIBSEMCTL_VERSION_MAJOR, LIBSEMCTL_VERSION_MINOR);
		return 0;
	}
	for (i = 0; i < N_SUBCOMMANDS; i++) {
		if (strcmp(argv[1], subcommands[i].name))
			continue;
		current = &subcommands[i];
		/* getopt sees "CMD ARGS..."; its own messages are off, so that
		 * bad_option() names the command in the usual prefix. */
		opterr = 0;
		optind = 1;
		return current->fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "%s: unknown command '%s'\n", prog, argv[1]);
	main_usage(stderr);
	return EX_USAGE;
}
