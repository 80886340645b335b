// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * semctl._semctl: the acquire/release path of semctl.Semaphore in C.
 *
 * The semaphore's value word is mapped (uapi/linux/semctl.h). While its
 * SEMCTL_VALUE_KERNEL bit is clear nobody waits, so an acquire or release
 * without undo is one compare-and-swap with the GIL held, as libsemctl's
 * semctl_map_* do. Otherwise the call goes to the kernel: read(2), write(2)
 * or the ioctls, on the stack, nothing allocated. The GIL is released only
 * around what may block: a blocking acquire that cannot take its units at
 * once (a short spin on the word, then the kernel's wait).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/semctl.h>

/* How long a blocking acquire watches the word before it queues (lib/map.c) */
#define SEM_SPINS	512

struct sem_object {
	PyObject_HEAD
	int fd;				/* -1 once closed */
	unsigned int aflags;		/* SEMCTL_ACQUIRE_UNDO or 0 */
	_Atomic uint64_t *word;		/* NULL: not mapped, kernel calls only */
	uint64_t max;
	size_t map_len;
	/* calls that run without the GIL and may read *word */
	unsigned int inflight;
	bool unmap_pending;
	bool read_acquires;		/* read(2) acquires without undo */
};

static inline void sem_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	atomic_signal_fence(memory_order_seq_cst);
#endif
}

static PyObject *sem_closed_error(void)
{
	PyErr_SetString(PyExc_ValueError, "operation on a closed semaphore");
	return NULL;
}

/* 0 taken, -EAGAIN too few units (nobody waits), -EBUSY kernel's word */
static int sem_take(_Atomic uint64_t *word, uint64_t count)
{
	uint64_t v = atomic_load_explicit(word, memory_order_relaxed);

	for (;;) {
		if (v & SEMCTL_VALUE_KERNEL)
			return -EBUSY;
		if (v < count)
			return -EAGAIN;
		if (atomic_compare_exchange_weak_explicit(word, &v, v - count,
							  memory_order_acquire,
							  memory_order_relaxed))
			return 0;
	}
}

/*
 * Without the GIL: watch the word while nobody is queued, so that a unit
 * released on another CPU is taken without a sleep. Stops when the kernel
 * takes the word (someone queued: FIFO says queue behind them).
 */
static int sem_spin(_Atomic uint64_t *word, uint64_t count)
{
	static __thread int cpus;
	cpu_set_t set;
	uint64_t v;
	int i;

	if (!cpus)
		cpus = sched_getaffinity(0, sizeof(set), &set) ? 2 :
		       CPU_COUNT(&set);
	if (cpus < 2)
		return -EBUSY;
	for (i = 0; i < SEM_SPINS; i++) {
		sem_cpu_relax();
		v = atomic_load_explicit(word, memory_order_relaxed);
		if (v & SEMCTL_VALUE_KERNEL)
			return -EBUSY;
		if (v >= count && !sem_take(word, count))
			return 0;
	}
	return -EBUSY;
}

static int sem_ioctl_acquire(int fd, uint64_t count, unsigned int flags,
			     uint64_t deadline_ns)
{
	struct semctl_acquire arg = {
		.size = sizeof(arg),
		.flags = flags,
		.count = count,
		.timeout_ns = deadline_ns,
	};

	if (deadline_ns)
		arg.flags |= SEMCTL_ACQUIRE_TIMEOUT | SEMCTL_ACQUIRE_ABSTIME;
	return ioctl(fd, SEMCTL_IOC_ACQUIRE, &arg) ? -errno : 0;
}

static void sem_unmap(struct sem_object *self)
{
	if (self->word)
		munmap((void *)self->word, self->map_len);
	self->word = NULL;
	self->unmap_pending = false;
}

static void sem_leave(struct sem_object *self)
{
	if (!--self->inflight && self->unmap_pending)
		sem_unmap(self);
}

static PyObject *sem_acquire_error(int err, uint64_t count)
{
	if (err == EINVAL)
		return PyErr_Format(PyExc_ValueError,
				    "cannot acquire %llu units: more than the semaphore's maximum",
				    (unsigned long long)count);
	errno = err;
	return PyErr_SetFromErrno(PyExc_OSError);
}

/* A blocking acquire that must wait: the GIL is released around it. */
static PyObject *sem_acquire_wait(struct sem_object *self, uint64_t count,
				  uint64_t deadline_ns)
{
	bool fast = self->word && !self->aflags && count <= self->max;
	bool plain = !self->aflags && !deadline_ns && count == 1 &&
		     self->read_acquires;
	_Atomic uint64_t *word = self->word;
	int fd = self->fd;
	int ret;

	self->inflight++;
	for (;;) {
		Py_BEGIN_ALLOW_THREADS
		ret = fast ? sem_spin(word, count) : -EBUSY;
		if (ret && plain) {
			uint64_t unit;
			ssize_t n = read(fd, &unit, sizeof(unit));

			ret = n == sizeof(unit) ? 0 : n < 0 ? -errno : -EIO;
			if (ret == -EAGAIN)	/* O_NONBLOCK: the ioctl waits */
				plain = false;
		}
		if (ret && !plain)
			ret = sem_ioctl_acquire(fd, count, self->aflags,
						deadline_ns);
		Py_END_ALLOW_THREADS
		if (ret != -EINTR)
			break;
		/* handlers run, then the wait resumes with the same deadline */
		if (PyErr_CheckSignals()) {
			sem_leave(self);
			return NULL;
		}
	}
	sem_leave(self);
	if (!ret)
		Py_RETURN_TRUE;
	if (ret == -ETIMEDOUT)
		Py_RETURN_FALSE;
	return sem_acquire_error(-ret, count);
}

static PyObject *sem_do_acquire(struct sem_object *self, uint64_t count,
				bool blocking, uint64_t deadline_ns)
{
	int ret = -EBUSY;

	if (self->fd < 0)
		return sem_closed_error();
	if (self->word && !self->aflags && count <= self->max) {
		ret = sem_take(self->word, count);
		if (!ret)
			Py_RETURN_TRUE;
		if (ret == -EAGAIN && !blocking)
			Py_RETURN_FALSE;
	}
	/* a try never blocks: keep the GIL; a blocking call tries first too */
	if (ret == -EBUSY) {
		ret = sem_ioctl_acquire(self->fd, count,
					self->aflags | SEMCTL_ACQUIRE_TRY, 0);
		if (!ret)
			Py_RETURN_TRUE;
		if (ret != -EAGAIN)
			return sem_acquire_error(-ret, count);
	}
	if (!blocking)
		Py_RETURN_FALSE;
	return sem_acquire_wait(self, count, deadline_ns);
}

/* n: an int 1..SEMCTL_VALUE_MAX. Returns 0 with an exception set. */
static uint64_t sem_count(PyObject *n)
{
	long long v;
	PyObject *i;
	int over;

	i = PyNumber_Index(n);
	if (!i)
		return 0;
	v = PyLong_AsLongLongAndOverflow(i, &over);
	Py_DECREF(i);
	if (v == -1 && PyErr_Occurred())
		return 0;
	if (over > 0) {
		PyErr_Format(PyExc_ValueError, "n must be at most %llu",
			     (unsigned long long)SEMCTL_VALUE_MAX);
		return 0;
	}
	if (over < 0 || v < 1) {
		PyErr_SetString(PyExc_ValueError, "n must be one or more");
		return 0;
	}
	return (uint64_t)v;
}

static uint64_t sem_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * acquire(blocking=True, timeout=None, *, n=1), also as multiprocessing's
 * acquire(block=True, timeout=None): then a timeout with block=False is
 * ignored, as there; with threading's keyword it is a ValueError.
 */
static PyObject *sem_acquire(PyObject *op, PyObject *const *args,
			     Py_ssize_t nargs, PyObject *kwnames)
{
	struct sem_object *self = (struct sem_object *)op;
	PyObject *blocking_o = NULL, *timeout_o = NULL, *n_o = NULL;
	bool mp_style = false, blocking = true;
	uint64_t count = 1, deadline = 0;
	Py_ssize_t i, nkw;

	if (!nargs && !kwnames)
		return sem_do_acquire(self, 1, true, 0);
	if (nargs > 2)
		return PyErr_Format(PyExc_TypeError,
				    "acquire() takes at most 2 positional arguments (%zd given)",
				    nargs);
	if (nargs > 0)
		blocking_o = args[0];
	if (nargs > 1)
		timeout_o = args[1];
	nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
	for (i = 0; i < nkw; i++) {
		PyObject *key = PyTuple_GET_ITEM(kwnames, i);
		PyObject **slot;

		if (!PyUnicode_CompareWithASCIIString(key, "blocking")) {
			slot = &blocking_o;
		} else if (!PyUnicode_CompareWithASCIIString(key, "block")) {
			slot = &blocking_o;
			mp_style = true;
		} else if (!PyUnicode_CompareWithASCIIString(key, "timeout")) {
			slot = &timeout_o;
		} else if (!PyUnicode_CompareWithASCIIString(key, "n")) {
			slot = &n_o;
		} else {
			return PyErr_Format(PyExc_TypeError,
					    "acquire() got an unexpected keyword argument '%U'",
					    key);
		}
		if (*slot)
			return PyErr_Format(PyExc_TypeError,
					    "acquire() got multiple values for argument '%U'",
					    key);
		*slot = args[nargs + i];
	}
	if (blocking_o) {
		int b = PyObject_IsTrue(blocking_o);

		if (b < 0)
			return NULL;
		blocking = b;
	}
	if (n_o) {
		count = sem_count(n_o);
		if (!count)
			return NULL;
	}
	if (timeout_o == Py_None)
		timeout_o = NULL;
	if (timeout_o && !blocking) {
		if (!mp_style) {
			PyErr_SetString(PyExc_ValueError,
					"can't specify timeout for non-blocking acquire");
			return NULL;
		}
		timeout_o = NULL;
	}
	if (timeout_o) {
		double t = PyFloat_AsDouble(timeout_o);

		if (t == -1.0 && PyErr_Occurred())
			return NULL;
		if (isnan(t)) {
			PyErr_SetString(PyExc_ValueError,
					"timeout must not be NaN");
			return NULL;
		}
		if (t <= 0) {
			blocking = false;	/* one try, as threading */
		} else if (!isinf(t)) {
			double ns = ceil(t * 1e9);

			deadline = sem_now_ns();
			if (ns >= (double)(SEMCTL_VALUE_MAX - deadline))
				deadline = SEMCTL_VALUE_MAX;
			else
				deadline += (uint64_t)ns;
		}
	}
	return sem_do_acquire(self, count, blocking, deadline);
}

static PyObject *sem_try_acquire(PyObject *op, PyObject *const *args,
				 Py_ssize_t nargs)
{
	uint64_t count = 1;

	if (nargs > 1)
		return PyErr_Format(PyExc_TypeError,
				    "try_acquire() takes at most 1 argument (%zd given)",
				    nargs);
	if (nargs) {
		count = sem_count(args[0]);
		if (!count)
			return NULL;
	}
	return sem_do_acquire((struct sem_object *)op, count, false, 0);
}

static int sem_query(int fd, struct semctl_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return ioctl(fd, SEMCTL_IOC_QUERY, info) ? -errno : 0;
}

/*
 * A release past the maximum: say whether units held with undo are in the
 * way. Held units are not in the value, so value + undo_total > max means
 * a release elsewhere already returned units some open file still holds
 * with undo (a hand-off with undo=True); their holder's own release then
 * overflows, and its exit gives them back again, capped at the maximum.
 */
static PyObject *sem_overflow_error(struct sem_object *self, uint64_t count)
{
	struct semctl_info info;
	const char *why;

	if (sem_query(self->fd, &info))
		return PyErr_Format(PyExc_ValueError,
				    "Semaphore released too many times (releasing %llu would exceed the maximum)",
				    (unsigned long long)count);
	if (!info.undo_total)
		return PyErr_Format(PyExc_ValueError,
				    "Semaphore released too many times: value %llu + %llu would exceed the maximum %llu; no units are held with undo",
				    (unsigned long long)info.value,
				    (unsigned long long)count,
				    (unsigned long long)info.max);
	if (info.undo_total > info.max || info.value > info.max - info.undo_total)
		why = "they are in the way: another open file's release returned them already; "
		      "release where the units were acquired, or use undo=False";
	else
		why = "they are not in the way: more units were released than acquired";
	return PyErr_Format(PyExc_ValueError,
			    "Semaphore released too many times: value %llu + %llu would exceed the maximum %llu, "
			    "while %llu units are held with undo (%llu by this open file): %s",
			    (unsigned long long)info.value,
			    (unsigned long long)count,
			    (unsigned long long)info.max,
			    (unsigned long long)info.undo_total,
			    (unsigned long long)info.undo, why);
}

static PyObject *sem_do_release(struct sem_object *self, uint64_t count)
{
	_Atomic uint64_t *word = self->word;
	ssize_t n;

	if (self->fd < 0)
		return sem_closed_error();
	if (word) {
		uint64_t v = atomic_load_explicit(word, memory_order_relaxed);

		while (!(v & SEMCTL_VALUE_KERNEL)) {
			if (v > self->max || count > self->max - v)
				return sem_overflow_error(self, count);
			if (atomic_compare_exchange_weak_explicit(word, &v,
								  v + count,
								  memory_order_release,
								  memory_order_relaxed))
				Py_RETURN_NONE;
		}
	}
	/*
	 * A release never waits: the GIL stays. write(2) is the release
	 * without the previous value (it pays back undo as the ioctl does);
	 * only on a mapped fd, which mmap() proved to be a semaphore.
	 */
	if (word) {
		n = write(self->fd, &count, sizeof(count));
		if (n == sizeof(count))
			Py_RETURN_NONE;
		if (n >= 0)
			errno = EIO;
	} else {
		struct semctl_release arg = {
			.size = sizeof(arg),
			.count = count,
		};

		if (!ioctl(self->fd, SEMCTL_IOC_RELEASE, &arg))
			Py_RETURN_NONE;
	}
	if (errno == EOVERFLOW)
		return sem_overflow_error(self, count);
	return PyErr_SetFromErrno(PyExc_OSError);
}

static PyObject *sem_release(PyObject *op, PyObject *const *args,
			     Py_ssize_t nargs)
{
	uint64_t count = 1;

	if (nargs > 1)
		return PyErr_Format(PyExc_TypeError,
				    "release() takes at most 1 argument (%zd given)",
				    nargs);
	if (nargs) {
		count = sem_count(args[0]);
		if (!count)
			return NULL;
	}
	return sem_do_release((struct sem_object *)op, count);
}

static PyObject *sem_enter(PyObject *op, PyObject *unused)
{
	return sem_do_acquire((struct sem_object *)op, 1, true, 0);
}

static PyObject *sem_exit(PyObject *op, PyObject *const *args,
			  Py_ssize_t nargs)
{
	return sem_do_release((struct sem_object *)op, 1);
}

static PyObject *sem_get_value(PyObject *op, PyObject *unused)
{
	struct sem_object *self = (struct sem_object *)op;
	struct semctl_info info;
	int ret;

	if (self->fd < 0)
		return sem_closed_error();
	ret = sem_query(self->fd, &info);
	if (ret) {
		errno = -ret;
		return PyErr_SetFromErrno(PyExc_OSError);
	}
	return PyLong_FromUnsignedLongLong(info.value);
}

/* Map the word of self->fd; without a map every call is a kernel call. */
static void sem_map(struct sem_object *self)
{
	long page = sysconf(_SC_PAGESIZE);
	struct semctl_info info;
	uint64_t *shared;

	if (page <= 0)
		return;
	/* read(2) acquires record undo on an FD_UNDO fd: not for us then */
	self->read_acquires = !sem_query(self->fd, &info) &&
			      !(info.flags & SEMCTL_INFO_FD_UNDO);
	shared = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED,
		      self->fd, 0);
	if (shared == MAP_FAILED)
		return;		/* e.g. an fd without the write right */
	self->word = (_Atomic uint64_t *)shared;
	self->max = shared[1];
	self->map_len = (size_t)page;
}

static PyObject *sem_attach(PyObject *op, PyObject *const *args,
			    Py_ssize_t nargs)
{
	struct sem_object *self = (struct sem_object *)op;
	int fd, undo;
	long lfd;

	if (nargs != 2)
		return PyErr_Format(PyExc_TypeError,
				    "_attach(fd, undo) takes 2 arguments");
	lfd = PyLong_AsLong(args[0]);
	if (lfd == -1 && PyErr_Occurred())
		return NULL;
	fd = lfd < 0 || lfd > INT_MAX ? -1 : (int)lfd;
	undo = PyObject_IsTrue(args[1]);
	if (undo < 0)
		return NULL;
	if (self->fd >= 0 || fd < 0) {
		PyErr_SetString(PyExc_ValueError, "_attach: bad fd or attached");
		return NULL;
	}
	self->fd = fd;
	self->aflags = undo ? SEMCTL_ACQUIRE_UNDO : 0;
	sem_map(self);
	Py_RETURN_NONE;
}

/*
 * After fork(): the fd now refers to an open file of the child's own
 * (dup2 by _semaphore.py); the inherited mapping holds the parent's open
 * file, whose undo would then wait for this child too. Map the new one.
 * Threads that were inside calls did not survive the fork.
 */
static PyObject *sem_remap(PyObject *op, PyObject *unused)
{
	struct sem_object *self = (struct sem_object *)op;

	self->inflight = 0;
	sem_unmap(self);
	if (self->fd >= 0)
		sem_map(self);
	Py_RETURN_NONE;
}

static void sem_do_close(struct sem_object *self)
{
	/* the mapping holds the open file too: undo comes back with both */
	if (self->inflight)
		self->unmap_pending = true;
	else
		sem_unmap(self);
	if (self->fd >= 0)
		close(self->fd);
	self->fd = -1;
}

static PyObject *sem_close(PyObject *op, PyObject *unused)
{
	sem_do_close((struct sem_object *)op);
	Py_RETURN_NONE;
}

static PyObject *sem_fileno(PyObject *op, PyObject *unused)
{
	struct sem_object *self = (struct sem_object *)op;

	if (self->fd < 0)
		return sem_closed_error();
	return PyLong_FromLong(self->fd);
}

static PyObject *sem_get_fd(PyObject *op, void *closure)
{
	struct sem_object *self = (struct sem_object *)op;

	if (self->fd < 0)
		Py_RETURN_NONE;
	return PyLong_FromLong(self->fd);
}

static PyObject *sem_get_closed(PyObject *op, void *closure)
{
	return PyBool_FromLong(((struct sem_object *)op)->fd < 0);
}

static PyObject *sem_get_aflags(PyObject *op, void *closure)
{
	return PyLong_FromUnsignedLong(((struct sem_object *)op)->aflags);
}

static PyObject *sem_get_mapped(PyObject *op, void *closure)
{
	return PyBool_FromLong(!!((struct sem_object *)op)->word);
}

static PyObject *sem_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
	struct sem_object *self = (struct sem_object *)type->tp_alloc(type, 0);

	if (self)
		self->fd = -1;
	return (PyObject *)self;
}

static void sem_dealloc(PyObject *op)
{
	struct sem_object *self = (struct sem_object *)op;
	PyTypeObject *type = Py_TYPE(op);

	self->inflight = 0;	/* nobody can be inside a call any more */
	sem_do_close(self);
	type->tp_free(op);
}

static PyMethodDef sem_methods[] = {
	{ "acquire", (PyCFunction)(void (*)(void))sem_acquire,
	  METH_FASTCALL | METH_KEYWORDS,
	  "acquire(blocking=True, timeout=None, *, n=1) -> bool" },
	{ "try_acquire", (PyCFunction)(void (*)(void))sem_try_acquire,
	  METH_FASTCALL, "try_acquire(n=1) -> bool: take n units if free now" },
	{ "release", (PyCFunction)(void (*)(void))sem_release, METH_FASTCALL,
	  "release(n=1): give back n units" },
	{ "__enter__", sem_enter, METH_NOARGS, "acquire()" },
	{ "__exit__", (PyCFunction)(void (*)(void))sem_exit, METH_FASTCALL,
	  "release()" },
	{ "get_value", sem_get_value, METH_NOARGS,
	  "get_value() -> int: units available now (as multiprocessing)" },
	{ "fileno", sem_fileno, METH_NOARGS, "the semaphore fd" },
	{ "_fileno", sem_fileno, METH_NOARGS, NULL },
	{ "close", sem_close, METH_NOARGS, "close the fd (idempotent)" },
	{ "_attach", (PyCFunction)(void (*)(void))sem_attach, METH_FASTCALL,
	  NULL },
	{ "_remap", sem_remap, METH_NOARGS, NULL },
	{ NULL }
};

static PyGetSetDef sem_getset[] = {
	{ "_fd", sem_get_fd, NULL, NULL, NULL },
	{ "_aflags", sem_get_aflags, NULL, NULL, NULL },
	{ "_mapped", sem_get_mapped, NULL,
	  "True when acquire and release use the mapped word", NULL },
	{ "closed", sem_get_closed, NULL, "True once close() ran", NULL },
	{ NULL }
};

static PyTypeObject sem_type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "semctl._semctl.Core",
	.tp_basicsize = sizeof(struct sem_object),
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
	.tp_doc = "The kernel semaphore behind semctl.Semaphore",
	.tp_new = sem_new,
	.tp_dealloc = sem_dealloc,
	.tp_methods = sem_methods,
	.tp_getset = sem_getset,
};

static struct PyModuleDef sem_module = {
	PyModuleDef_HEAD_INIT,
	.m_name = "semctl._semctl",
	.m_doc = "semctl.Semaphore's acquire and release, in C",
	.m_size = -1,
};

PyMODINIT_FUNC PyInit__semctl(void)
{
	PyObject *m;

	if (PyType_Ready(&sem_type) < 0)
		return NULL;
	m = PyModule_Create(&sem_module);
	if (!m)
		return NULL;
	Py_INCREF(&sem_type);
	if (PyModule_AddObject(m, "Core", (PyObject *)&sem_type) < 0) {
		Py_DECREF(&sem_type);
		Py_DECREF(m);
		return NULL;
	}
	return m;
}
