/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * libsemctl: a small C library over the semctl kernel module.
 *
 * Every function returns a non-negative value on success and a negative
 * errno value on failure; errno is not the error channel, and every
 * function leaves it as the caller had it. Every function is safe to call
 * from any thread at any time; the only state is per thread (below, and
 * the map's spinning). The acquire and release paths are one system call
 * each and never allocate.
 *
 * A relative semctl_sem_acquire_timeout() (or map) call that a signal ends
 * with -EINTR, retried by the same thread with the same fd, count, flags
 * and the same, unchanged timespec object, waits only for the time the
 * first call had left: a loop around -EINTR ends by the first deadline.
 * Any other call starts its timeout afresh.
 *
 * The kernel ABI is <linux/semctl.h>, included here; see semctl(7) /
 * Documentation/userspace-api/semctl.rst for the semantics.
 */
#ifndef LIBSEMCTL_SEMCTL_H
#define LIBSEMCTL_SEMCTL_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <linux/semctl.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LIBSEMCTL_VERSION_MAJOR	1
#define LIBSEMCTL_VERSION_MINOR	2

/* The control device the module registers. */
#define SEMCTL_DEVICE		"/dev/semctl"

/*
 * Device operations. Each opens SEMCTL_DEVICE for the duration of the
 * call and fails with -ENODEV when it does not exist (module not loaded).
 */
int semctl_sem_create(const char *name, uint64_t value, uint64_t max,
		      mode_t mode, unsigned int flags);
int semctl_sem_open(const char *name, unsigned int flags);
int semctl_sem_unlink(const char *name);
int semctl_sem_list(uint64_t *cursor, struct semctl_info *entries,
		    unsigned int count);

/* Semaphore fd operations: one ioctl each. */
struct timespec;

int semctl_sem_acquire(int fd, uint64_t count, unsigned int flags);
int semctl_sem_acquire_timeout(int fd, uint64_t count, unsigned int flags,
			       const struct timespec *ts);
int semctl_sem_try_acquire(int fd, uint64_t count, unsigned int flags);
int semctl_sem_release(int fd, uint64_t count, uint64_t *previous);
int semctl_sem_query(int fd, struct semctl_info *info);
int semctl_sem_poison(int fd);
/*
 * Who holds units with undo and who waits (SEMCTL_IOC_HOLDERS): up to
 * @count (at most SEMCTL_HOLDERS_MAX) entries, holders first; returns how
 * many were written, or -errno. @holders and @waiters (each may be NULL)
 * get how many there are in all.
 */
int semctl_sem_holders(int fd, struct semctl_holder *entries,
		       unsigned int count, uint64_t *holders,
		       uint64_t *waiters);

/*
 * Before 1.2 the semctl_sem_*() functions were called semctl_create(),
 * semctl_open(), ..., the names of the structs of <linux/semctl.h>. In
 * C++ a function hides the struct of the same name: sizeof(semctl_create)
 * names the function and "semctl_create args{};" does not compile. The
 * old names stay in the library (LIBSEMCTL_1.0, the same code as the new
 * ones), so old binaries keep working; they are declared here for C, and
 * for C++ only when SEMCTL_LEGACY_NAMES is defined before this header is
 * included, which brings the clash back.
 */
#if !defined(__cplusplus) || defined(SEMCTL_LEGACY_NAMES)
int semctl_create(const char *name, uint64_t value, uint64_t max,
		  mode_t mode, unsigned int flags);
int semctl_open(const char *name, unsigned int flags);
int semctl_unlink(const char *name);
int semctl_list(uint64_t *cursor, struct semctl_info *entries,
		unsigned int count);
int semctl_acquire(int fd, uint64_t count, unsigned int flags);
int semctl_acquire_timeout(int fd, uint64_t count, unsigned int flags,
			   const struct timespec *ts);
int semctl_try_acquire(int fd, uint64_t count, unsigned int flags);
int semctl_release(int fd, uint64_t count, uint64_t *previous);
int semctl_query(int fd, struct semctl_info *info);
int semctl_poison(int fd);
#endif

/*
 * Mapped semaphores: the fast path (since 1.1). semctl_map_create() maps
 * the value word of @fd (which needs the write right); the map's acquire
 * and release then take and give back units with one compare-and-swap
 * while nobody waits, and make the syscall otherwise, with the same
 * results, flags and FIFO order as the fd calls. Acquires with
 * SEMCTL_ACQUIRE_UNDO always make the ioctl; while any open file holds
 * units with undo the kernel keeps the word, so every release pays them
 * back as the fd's would. A map is used by any number
 * of threads; fork() keeps it. The map owns a duplicate of the fd (the
 * caller may close theirs); semctl_map_destroy() unmaps it and closes the
 * duplicate. semctl_map_create() allocates; the others never do.
 */
struct semctl_map;

int semctl_map_create(int fd, struct semctl_map **map);
void semctl_map_destroy(struct semctl_map *map);
int semctl_map_fd(const struct semctl_map *map);
int semctl_map_acquire(struct semctl_map *map, uint64_t count,
		       unsigned int flags);
int semctl_map_acquire_timeout(struct semctl_map *map, uint64_t count,
			       unsigned int flags, const struct timespec *ts);
int semctl_map_try_acquire(struct semctl_map *map, uint64_t count,
			   unsigned int flags);
int semctl_map_release(struct semctl_map *map, uint64_t count,
		       uint64_t *previous);

/*
 * io_uring helpers (IORING_OP_URING_CMD). They work with any liburing,
 * including versions without io_uring_prep_uring_cmd(), and with raw
 * rings; including this header does not need liburing: the structs are
 * only named here (<linux/io_uring.h> or <liburing.h> defines them).
 */
struct io_uring_sqe;
struct io_uring_cqe;

void semctl_prep_acquire(struct io_uring_sqe *sqe, int fd, uint32_t count,
			 unsigned int flags, uint64_t timeout_ns);
void semctl_prep_cancel(struct io_uring_sqe *sqe, int fd,
			uint64_t user_data);
int semctl_cqe_result(const struct io_uring_cqe *cqe);

#ifdef __cplusplus
}
#endif

#endif /* LIBSEMCTL_SEMCTL_H */
