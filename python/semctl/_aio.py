# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""asyncio support: semctl.asyncio.Semaphore and Semaphore.acquire_async().

Per event loop and kernel semaphore there is one queue of waiting tasks
(_Queue).  A task takes a unit at once only while that queue is empty
(else it would overtake a task of its own loop); otherwise it waits:

"uring" (default on x86-64 when io_uring works): one io_uring per event
  loop, made with raw syscalls through ctypes and mmap (no liburing).  Each
  waiting task has one IORING_OP_URING_CMD / SEMCTL_URING_CMD_ACQUIRE in
  flight: it waits *in the kernel's FIFO queue* with threads and processes.
  SQEs are written at once and submitted in one io_uring_enter per loop
  turn, so the kernel queues them in the order the tasks called acquire()
  (a release need not flush them: they are younger than every request
  already in the kernel).  A grant is
  handed to the oldest task of the queue waiting for the same count (on
  6.1 each request waits in its own io-wq worker and they may complete out
  of order).  A release from the loop's thread reaps the ring right after
  the ioctl: on 6.7+ the grant's task work has run on the way back from
  the ioctl, so the woken task runs on the next loop turn, as with
  asyncio.Semaphore.  A cancelled wait submits SEMCTL_URING_CMD_CANCEL and
  IORING_OP_ASYNC_CANCEL; units granted meanwhile are released when the
  completion is reaped.  Closing the ring cancels and reaps every acquire
  in flight first (bounded), so that no grant is left unread in it.

"poll" (fallback: io_uring unavailable, other architectures, or
  SEMCTL_PY_ASYNC=poll): add_reader() on the semaphore fd plus a
  try-acquire for the queue's head when it is readable, and after each
  release of this loop.  These waiters are not in the kernel's queue.

The ring's SQ/CQ are shared memory read and written through memoryviews;
that relies on x86-64's ordering (TSO), hence the architecture check.
"""
import asyncio
import collections
import ctypes
import errno
import itertools
import math
import mmap
import operator
import os
import platform
import time
import weakref

from . import _abi

MODE = os.environ.get("SEMCTL_PY_ASYNC", "auto")   # auto | uring | poll

_NR_SETUP, _NR_ENTER, _NR_REGISTER = 425, 426, 427
_OP_ASYNC_CANCEL = 14
_OP_URING_CMD = 46
_ENTER_GETEVENTS = 1
_ENTER_EXT_ARG = 8
_FEAT_SINGLE_MMAP = 1
_OFF_SQES = 0x10000000
_REGISTER_IOWQ_MAX_WORKERS = 19
_RING_ENTRIES = 256
_ECANCELED = errno.ECANCELED
# how long close() waits for the acquires it cancels to complete
_DRAIN_SECONDS = 5.0


class _SqOff(ctypes.Structure):
    _fields_ = [(f, ctypes.c_uint32) for f in (
        "head", "tail", "ring_mask", "ring_entries", "flags", "dropped",
        "array", "resv1")] + [("user_addr", ctypes.c_uint64)]


class _CqOff(ctypes.Structure):
    _fields_ = [(f, ctypes.c_uint32) for f in (
        "head", "tail", "ring_mask", "ring_entries", "overflow", "cqes",
        "flags", "resv1")] + [("user_addr", ctypes.c_uint64)]


class _Timespec(ctypes.Structure):
    _fields_ = [("sec", ctypes.c_int64), ("nsec", ctypes.c_int64)]


class _GeteventsArg(ctypes.Structure):      # IORING_ENTER_EXT_ARG (5.11+)
    _fields_ = [("sigmask", ctypes.c_uint64), ("sigmask_sz", ctypes.c_uint32),
                ("pad", ctypes.c_uint32), ("ts", ctypes.c_uint64)]


class _Params(ctypes.Structure):
    _fields_ = [(f, ctypes.c_uint32) for f in (
        "sq_entries", "cq_entries", "flags", "sq_thread_cpu",
        "sq_thread_idle", "features", "wq_fd")] + [
        ("resv", ctypes.c_uint32 * 3), ("sq_off", _SqOff), ("cq_off", _CqOff)]


_sys = {}


def _syscalls():
    # glibc's syscall() only moves registers, so fixed prototypes are safe
    # and spare ctypes the per-call argument conversion of a bare call
    if not _sys:
        libc = ctypes.CDLL(None, use_errno=True)
        L, I, U, P = ctypes.c_long, ctypes.c_int, ctypes.c_uint, ctypes.c_void_p
        _sys["enter"] = ctypes.CFUNCTYPE(L, L, I, U, U, U, P, ctypes.c_size_t,
                                         use_errno=True)(("syscall", libc))
        _sys["setup"] = ctypes.CFUNCTYPE(L, L, U, P, use_errno=True)(
            ("syscall", libc))
        _sys["register"] = ctypes.CFUNCTYPE(L, L, I, U, P, U, use_errno=True)(
            ("syscall", libc))
    return _sys


def _check(r):
    if r < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return r


class _Ticket:
    """One SEMCTL_URING_CMD_ACQUIRE in flight."""
    __slots__ = ("queue", "n", "waiter", "ud")


class _Ring:
    """One io_uring for one event loop (in one process)."""

    def __init__(self, loop):
        sc = _syscalls()
        self._enter_fn = sc["enter"]
        p = _Params()
        self.fd = _check(sc["setup"](_NR_SETUP, _RING_ENTRIES, ctypes.byref(p)))
        try:
            if not p.features & _FEAT_SINGLE_MMAP:
                raise OSError(errno.ENOSYS, "io_uring without SINGLE_MMAP")
            size = max(p.sq_off.array + p.sq_entries * 4,
                       p.cq_off.cqes + p.cq_entries * 16)
            prot = mmap.PROT_READ | mmap.PROT_WRITE
            self.ring = mmap.mmap(self.fd, size, mmap.MAP_SHARED, prot, offset=0)
            self.sqes = mmap.mmap(self.fd, p.sq_entries * 64, mmap.MAP_SHARED,
                                  prot, offset=_OFF_SQES)
        except BaseException:
            os.close(self.fd)
            raise
        r32 = memoryview(self.ring).cast("I")
        self._r32 = r32
        self._sq_head = p.sq_off.head // 4
        self._sq_tail = p.sq_off.tail // 4
        self._cq_head = p.cq_off.head // 4
        self._cq_tail = p.cq_off.tail // 4
        # completions the kernel had to drop: none may go unnoticed
        self._cq_overflow = p.cq_off.overflow // 4
        self._sq_mask = r32[p.sq_off.ring_mask // 4]
        self._cq_mask = r32[p.cq_off.ring_mask // 4]
        self._sq_entries = p.sq_entries
        # CQEs read as u64 words (user_data) and i32 words (res)
        self._cq_base = p.cq_off.cqes
        self._r64 = memoryview(self.ring)[:len(self.ring) & ~7].cast("Q")
        self._ri32 = memoryview(self.ring).cast("i")
        self._sqe64 = memoryview(self.sqes).cast("Q")
        arr = p.sq_off.array // 4
        for i in range(p.sq_entries):      # SQ slot i always names SQE i
            r32[arr + i] = i
        # 6.1 waits in io-wq workers, at most min(SQ, 4 x CPUs) by default
        try:
            workers = (ctypes.c_uint32 * 2)(4096, 0)
            _check(sc["register"](_NR_REGISTER, self.fd,
                                  _REGISTER_IOWQ_MAX_WORKERS, workers, 2))
        except OSError:
            pass
        self.pid = os.getpid()
        self.tickets = {}        # user_data -> _Ticket (None: a cancel)
        self.unsubmitted = 0
        self.flush_scheduled = False
        self.loop = weakref.ref(loop)   # the loop's finalizer closes us
        self.closing = False     # close() drains: grants are given back
        self.closed = False
        loop.add_reader(self.fd, self.reap, True)

    def _sqe(self, opcode, fd, cmd_op, addr, ud, w6, w7):
        if self.unsubmitted >= self._sq_entries:
            self.flush()
        r32 = self._r32
        tail = r32[self._sq_tail]
        base = (tail & self._sq_mask) * 8
        q = self._sqe64
        q[base] = opcode | ((fd & 0xFFFFFFFF) << 32)   # flags, ioprio 0
        q[base + 1] = cmd_op
        q[base + 2] = addr
        q[base + 3] = 0
        q[base + 4] = ud
        q[base + 5] = 0
        q[base + 6] = w6
        q[base + 7] = w7
        r32[self._sq_tail] = (tail + 1) & 0xFFFFFFFF
        self.unsubmitted += 1
        if not self.flush_scheduled and not self.closing:
            self.flush_scheduled = True
            self.loop().call_soon(self.flush)

    def flush(self):
        """Submit what _sqe() wrote; reap what completed at once."""
        self.flush_scheduled = False
        if self.closed:
            return
        n = self.unsubmitted
        if not n:
            return
        while n:
            r = self._enter_fn(_NR_ENTER, self.fd, n, 0, 0, None, 0)
            if r < 0:
                e = ctypes.get_errno()
                if e == errno.EINTR:
                    continue
                if e in (errno.EAGAIN, errno.EBUSY):
                    self.reap()          # CQ overflow: make room, retry
                    continue
                self._take_back_unsubmitted(e)
                break
            if r == 0:
                self._take_back_unsubmitted(errno.EIO)
                break
            n -= r
        self.unsubmitted = 0
        self.reap()

    def _take_back_unsubmitted(self, err):
        """io_uring_enter failed: the SQEs past the kernel's SQ head were
        not consumed.  Move the tail back over them (else a later enter
        would submit them behind newer ones) and fail their acquires with
        *err*; a cancel among them is sent again by its retry timer."""
        r32, q, mask = self._r32, self._sqe64, self._sq_mask
        head, tail = r32[self._sq_head], r32[self._sq_tail]
        failed = []
        while head != tail:
            failed.append(self.tickets.pop(q[(head & mask) * 8 + 4], None))
            head = (head + 1) & 0xFFFFFFFF
        r32[self._sq_tail] = r32[self._sq_head]
        self.unsubmitted = 0
        for t in failed:
            if t is not None:
                t.queue.granted(t, -err)

    def acquire(self, queue, n, waiter):
        t = _Ticket()
        t.queue, t.n, t.waiter = queue, n, waiter
        ud = t.ud = _new_user_data()
        self.tickets[ud] = t
        self._sqe(_OP_URING_CMD, queue.fd, _abi.URING_CMD_ACQUIRE, 0, ud,
                  n | (queue.aflags << 32), 0)
        return t

    def cancel(self, t, delay=0.0):
        if self.closed or self.tickets.get(t.ud) is not t:
            return
        loop = self.loop()
        if t.queue.closed() or loop is None or loop.is_closed():
            return
        # Until the acquire's completion arrives, cancel it again now and
        # then: a cancel can land in the window where a request issued
        # from io-wq is not yet queued in the semaphore, and miss it.
        delay = min(max(delay * 2, 0.01), 0.5)
        loop.call_later(delay, self.cancel, t, delay)
        self._cancel_sqes(t)
        self.flush()

    def _cancel_sqes(self, t):
        # semctl's own cancel reaches a request queued in the semaphore
        # (not once the semaphore's fd is closed: its number may be reused);
        # io_uring's ASYNC_CANCEL one still in io-wq (and every one on 6.1)
        if not t.queue.closed():
            cud = _new_user_data()
            self.tickets[cud] = None
            self._sqe(_OP_URING_CMD, t.queue.fd, _abi.URING_CMD_CANCEL, 0,
                      cud, t.ud, 0)
        cud = _new_user_data()
        self.tickets[cud] = None
        self._sqe(_OP_ASYNC_CANCEL, -1, 0, t.ud, cud, 0, 0)

    def reap(self, kick=False):
        """Hand out what completed.  *kick* (the ring fd polled readable):
        enter the kernel first, to flush an overflowed CQ."""
        if self.closed:
            return
        r32 = self._r32
        if kick:
            self._enter_fn(_NR_ENTER, self.fd, 0, 0, _ENTER_GETEVENTS, None, 0)
        if r32[self._cq_overflow]:
            raise OSError(errno.EIO, "io_uring dropped %d completions of "
                          "semctl acquires: their units cannot be accounted"
                          % r32[self._cq_overflow])
        mask, base, r64, ri32 = self._cq_mask, self._cq_base, self._r64, self._ri32
        tickets = self.tickets
        hi, ti = self._cq_head, self._cq_tail
        while True:
            # head re-read each time: granted() may cancel, which reaps
            head = r32[hi]
            if head == r32[ti] or self.closed:
                break
            off = base + (head & mask) * 16
            ud = r64[off // 8]
            res = ri32[off // 4 + 2]
            r32[hi] = (head + 1) & 0xFFFFFFFF
            t = tickets.pop(ud, None)
            if t is None:
                continue
            if not self.closing:
                t.queue.granted(t, res)
            elif res == 0:
                s = t.queue.sem()
                if s is not None:
                    _give_back(s, t.n)

    def close(self):
        """Cancel every acquire in flight, give back what completes granted
        meanwhile, then close the ring.  A grant that completed after the
        last reap would otherwise sit unread in the closed ring: units held
        for good (or until the semaphore's fd closes, with undo)."""
        if self.closed or self.pid != os.getpid():
            return
        self.closing = True
        self.flush()
        left = self._drain(_DRAIN_SECONDS)
        self.closed = True
        loop = self.loop()
        if loop is not None and not loop.is_closed():
            loop.remove_reader(self.fd)
        for w in {id(t.waiter): t.waiter for t in self.tickets.values()
                  if t is not None and t.waiter is not None}.values():
            if not w[0].done():
                try:
                    w[0].cancel()
                except RuntimeError:    # its loop is closed already
                    pass
        self._release_views()
        os.close(self.fd)       # the kernel cancels what is still queued
        if left:
            raise OSError(errno.ETIMEDOUT, "%d semctl acquires did not "
                          "complete within %.0f s of their cancel; their "
                          "ring is closed" % (left, _DRAIN_SECONDS))

    def _drain(self, budget):
        """Reap until no acquire is in flight, cancelling those left every
        10 ms, for at most *budget* seconds; how many are left."""
        ts = _Timespec(0, 10 * 1000 * 1000)
        arg = _GeteventsArg(0, 0, 0, ctypes.addressof(ts))
        end = time.monotonic() + budget
        while True:
            self.reap()
            # a closed semaphore's units cannot be given back through it
            # (with undo its file's release returns them): not waited for
            pending = [t for t in self.tickets.values()
                       if t is not None and not t.queue.closed()]
            if not pending or time.monotonic() > end:
                return len(pending)
            for t in pending:
                self._cancel_sqes(t)
            self.flush()
            # wait for one completion, 10 ms at most (-ETIME: none came)
            self._enter_fn(_NR_ENTER, self.fd, 0, 1,
                           _ENTER_GETEVENTS | _ENTER_EXT_ARG,
                           ctypes.addressof(arg), ctypes.sizeof(arg))

    def _release_views(self):
        for v in (self._r32, self._r64, self._ri32, self._sqe64):
            v.release()
        self.sqes.close()
        self.ring.close()


def _give_back(sem, n):
    if not sem.closed:
        try:
            sem.release(n)
        except (OSError, ValueError):
            pass


class _LoopState:
    # holds its loop weakly: _states' values must not keep their keys alive
    __slots__ = ("loop", "ring", "queues", "__weakref__")

    def __init__(self, loop, ring):
        self.loop, self.ring = weakref.ref(loop), ring
        self.queues = {}         # id(sem) -> _Queue


# The kernel's cancel matches (open file, user_data), and an open file is
# shared by every ring of this process (threads' loops) and, for anonymous
# semaphores, by forked children: user_data is the pid and a counter of
# the process, never reused by another ring that may share the file.
_ud_counter = itertools.count(1)
# glibc no longer caches getpid(): the pid part is kept here, renewed at fork
_ud_pid = [os.getpid() << 40]


def _new_user_data():
    return _ud_pid[0] | (next(_ud_counter) & ((1 << 40) - 1))


_states = weakref.WeakKeyDictionary()     # loop -> _LoopState
_last = [lambda: None, None]              # the last loop (weakly), its state
_no_uring = [None]                        # why io_uring is not used, if not


def _new_ring(loop):
    if MODE == "poll" or _no_uring[0] is not None:
        return None
    if platform.machine() not in ("x86_64", "AMD64"):
        # the ring's shared memory is read with plain loads: x86-64's TSO
        if MODE == "uring":
            raise OSError(errno.ENOTSUP, "SEMCTL_PY_ASYNC=uring: the io_uring "
                          "mode needs x86-64 (its memory ordering)")
        _no_uring[0] = "not x86-64"
        return None
    try:
        return _Ring(loop)
    except OSError as e:
        if MODE == "uring":
            raise
        _no_uring[0] = str(e)
        return None


def _state(loop):
    if _last[0]() is loop:
        st = _last[1]
        if st.ring is None or not st.ring.closed:
            return st
    st = _states.get(loop)
    if st is None or (st.ring is not None and st.ring.closed):
        ring = _new_ring(loop)
        st = _LoopState(loop, ring)
        _states[loop] = st
        if ring is not None:
            weakref.finalize(loop, ring.close)
    _last[0], _last[1] = st.loop, st
    return st


def _queue(loop, sem):
    st = _state(loop)
    q = st.queues.get(id(sem))
    if q is None or q.sem() is not sem:
        q = st.queues[id(sem)] = _Queue(st, sem)
    return q


def mode(loop=None):
    """'uring' or 'poll': how tasks wait in *loop* (default: the running
    loop)."""
    loop = loop or asyncio.get_running_loop()
    return "uring" if _state(loop).ring is not None else "poll"


class _Queue:
    """The waiting tasks of one event loop on one kernel semaphore, in the
    order they called acquire().  A waiter is [future, n, ticket]."""

    __slots__ = ("sem", "fd", "aflags", "loop", "ring", "waiters", "live",
                 "poll_fd", "delay", "timer", "__weakref__")

    def __init__(self, st, sem):
        self.sem = weakref.ref(sem)
        self.fd = sem._fileno()
        self.aflags = sem._aflags
        self.loop, self.ring = st.loop, st.ring
        self.waiters = collections.deque()
        self.live = 0            # waiters whose future is not done
        self.poll_fd = None
        self.delay = 0.0
        self.timer = None

    def closed(self):
        s = self.sem()
        return s is None or s.closed

    def _drop_done(self):
        w = self.waiters
        while w and w[0][0].done():
            w.popleft()

    # -- uring ---------------------------------------------------------

    def granted(self, t, res):
        """Ticket *t* completed with *res*."""
        owner = t.waiter
        t.waiter = None
        if owner is not None and owner[2] is t:
            owner[2] = None
        if res == 0:
            # the units go to the oldest live waiter for the same count; a
            # younger owner takes over that waiter's request in flight
            if owner is not None and owner[3] and not owner[0].done():
                w = owner           # timing out: it keeps what it got
            else:
                w = None
                for x in self.waiters:
                    if x[1] == t.n and not x[3] and not x[0].done():
                        w = x
                        break
            if w is None:
                s = self.sem()
                if s is not None:
                    _give_back(s, t.n)      # owner cancelled meanwhile
                return
            other = w[2]
            unneeded = None
            if w is not owner and other is not None:
                if owner is not None and not owner[0].done():
                    other.waiter = owner
                    owner[2] = other
                else:               # nobody needs it any more
                    other.waiter = None
                    unneeded = other
            w[2] = None
            self.live -= 1
            w[0].set_result(True)
            self._drop_done()
            # Only now: a cancel flushes and reaps, which re-enters here,
            # and must find w served already.
            if unneeded is not None:
                self.ring.cancel(unneeded)
            return
        if owner is None or owner[0].done():
            return
        self.live -= 1
        if res == -_ECANCELED and owner[3]:
            owner[0].set_result(False)      # the timeout's cancel landed
        elif res == -errno.EINVAL:
            owner[0].set_exception(ValueError(
                "cannot acquire %d units: more than the semaphore's maximum"
                % t.n))
        else:
            owner[0].set_exception(OSError(-res, os.strerror(-res)))
        self._drop_done()

    # -- poll ----------------------------------------------------------

    def _poll_arm(self):
        self.timer = None
        if self.poll_fd is None and self.live and not self.closed():
            self.poll_fd = self.fd
            self.loop().add_reader(self.fd, self.serve)

    def _poll_disarm(self):
        if self.poll_fd is not None:
            loop = self.loop()
            if loop is not None and not loop.is_closed():
                loop.remove_reader(self.poll_fd)
            self.poll_fd = None

    def serve(self):
        """Poll mode: hand free units to the waiters in order."""
        s = self.sem()
        w = self.waiters
        while w and s is not None:
            fut, n = w[0][0], w[0][1]
            if fut.done():
                w.popleft()
                continue
            try:
                got = s.try_acquire(n)
            except BaseException as e:  # noqa: B902 (poisoned, closed)
                w.popleft()
                self.live -= 1
                fut.set_exception(e)
                continue
            if not got:
                break
            w.popleft()
            self.live -= 1
            fut.set_result(True)
            self.delay = 0.0
        self._poll_disarm()
        if self.live and self.timer is None:
            # readable, yet the head cannot take its units (weighted, or a
            # kernel waiter queued): poll again after a bounded back-off
            self.delay = min(max(self.delay * 2, 0.001), 0.05)
            self.timer = self.loop().call_later(self.delay, self._poll_arm)

    # -- both ----------------------------------------------------------

    async def wait(self, sem, n, timeout):
        """Queue behind this loop's waiters; True once *n* units are held,
        False if *timeout* seconds pass first."""
        loop = self.loop()
        fut = loop.create_future()
        w = [fut, n, None, False]   # future, count, ticket, timing out
        self.waiters.append(w)
        self.live += 1
        ring = self.ring
        if ring is not None:
            if n > 0xFFFFFFFF:      # the command's count is 32 bits wide
                self.waiters.pop()
                self.live -= 1
                raise ValueError("asyncio acquires at most 2**32-1 units at once")
            w[2] = ring.acquire(self, n, w)
        else:
            self._poll_arm()
        timer = None
        if timeout is not None:
            timer = loop.call_later(timeout, self._expire, w)
        try:
            await fut
        except asyncio.CancelledError:
            self._abandon(w, sem)
            raise
        finally:
            if timer is not None:
                timer.cancel()
        return fut.result()

    def _expire(self, w):
        if w[0].done():
            return
        if w[2] is not None and self.ring is not None:
            # False only once the kernel has let go of the request (on 6.1
            # the cancel reaches an io-wq worker some time later), so that
            # nothing of ours is still queued after acquire returns False
            w[3] = True
            self.ring.cancel(w[2])
            return
        self.live -= 1
        w[0].set_result(False)
        self._withdraw(w)

    def _abandon(self, w, sem):
        fut = w[0]
        if fut.done() and not fut.cancelled():
            if fut.exception() is None and fut.result():
                _give_back(sem, w[1])   # granted, but cancelled first
            return
        if not fut.done():
            fut.cancel()
        self.live -= 1
        self._withdraw(w)

    def _withdraw(self, w):
        t = w[2]
        if t is not None and self.ring is not None:
            self.ring.cancel(t)     # a grant that races it is given back
        self._drop_done()

    def after_release(self):
        """A release from this loop's thread: wake who it satisfied now
        (on 6.7+ the grant's task work ran on the way out of the ioctl)."""
        ring = self.ring
        if ring is not None:
            r32 = ring._r32
            if r32[ring._cq_head] != r32[ring._cq_tail]:
                ring.reap()
        elif self.live:
            self.serve()


def _running_queue(sem):
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return None
    return _queue(loop, sem)


async def acquire_async(sem, n, timeout):
    """Semaphore.acquire_async(): True, or False when *timeout* expires."""
    loop = asyncio.get_running_loop()
    q = _queue(loop, sem)
    if not q.live and sem.try_acquire(n):
        return True
    if timeout is not None and timeout <= 0:
        return False
    return await q.wait(sem, n, timeout)


def _release(sem, n):
    """Release, then hand what it granted to this loop's waiters at once.

    Requests written but not yet submitted are younger than every one in
    the kernel, so they need not be flushed first: they enter the kernel
    queue (or take the freed units) at the loop turn's flush, in order."""
    sem.release(n)
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return
    _queue(loop, sem).after_release()


class Semaphore:
    """asyncio.Semaphore's API on a semctl kernel semaphore.

    ``Semaphore(value=1, **kw)`` creates a new kernel semaphore, with the
    keywords of semctl.Semaphore (name, max, create, undo, mode).
    ``Semaphore(sem)`` wraps the existing semctl.Semaphore *sem*: both
    objects use the same fd, hence the same kernel semaphore.  The object
    for threads and processes is ``.semaphore``.
    """

    _bounded = False

    def __init__(self, value=1, **kw):
        from ._semaphore import BoundedSemaphore as _B, Semaphore as _S
        if isinstance(value, _S):
            if kw:
                raise TypeError("no keywords with an existing semaphore")
            self._sem = value
            self._owned = False
        else:
            value = operator.index(value)
            if value < 0:
                raise ValueError("Semaphore initial value must be >= 0")
            self._sem = (_B if self._bounded else _S)(value, **kw)
            self._owned = True

    @property
    def semaphore(self):
        """The semctl.Semaphore (threads, processes) on the same fd."""
        return self._sem

    def __repr__(self):
        cls = type(self)
        res = "%s.%s object at %#x" % (cls.__module__, cls.__qualname__, id(self))
        if self._sem.closed:
            return "<%s [closed]>" % res
        i = self._sem.info()
        q = _running_queue(self._sem)
        live = q.live if q is not None else 0
        if i.value == 0 or i.waiters or live:
            extra = "locked"
        else:
            extra = "unlocked, value:%d" % i.value
        if i.waiters or live:
            extra += ", waiters:%d" % max(i.waiters, live)
        return "<%s [%s]>" % (res, extra)

    def locked(self):
        """True if acquire() would not succeed immediately: no unit free,
        or a task of this loop or any kernel waiter is queued."""
        q = _running_queue(self._sem)
        if q is not None and q.live:
            return True
        i = self._sem.info()
        return i.value == 0 or i.waiters > 0

    async def acquire(self, *, n=1):
        """Take *n* units (default 1); returns True.  Waits, without
        blocking the loop, behind the tasks of this loop that called
        acquire() earlier and in the kernel's FIFO with every other waiter.
        Cancellation (task.cancel, asyncio.timeout, wait_for) leaves no
        unit taken."""
        sem = self._sem
        if n != 1:
            n = _check_n(n)
        q = _queue(asyncio.get_running_loop(), sem)
        if not q.live and sem.try_acquire(n):
            return True
        return await q.wait(sem, n, None)

    async def acquire_timeout(self, timeout, *, n=1):
        """acquire() bounded by *timeout* seconds: False when it expires."""
        if timeout != timeout:
            raise ValueError("timeout must not be NaN")
        return await acquire_async(self._sem, _check_n(n),
                                   None if timeout == math.inf else timeout)

    def release(self, n=1):
        """Give back *n* units (default 1); the tasks of this loop that
        they satisfy are woken now, as asyncio.Semaphore.release() does."""
        try:
            _release(self._sem, n)
        except ValueError:
            if self._bounded:
                raise ValueError("BoundedSemaphore released too many times") \
                    from None
            raise

    async def __aenter__(self):
        await self.acquire()
        return None

    async def __aexit__(self, exc_type, exc, tb):
        self.release()

    def close(self):
        """Close the fd if this object created the semaphore."""
        if self._owned:
            self._sem.close()


class BoundedSemaphore(Semaphore):
    """Semaphore whose maximum defaults to its initial value: a release past
    it raises ValueError, as asyncio.BoundedSemaphore's does."""

    _bounded = True


def _check_n(n):
    n = operator.index(n)
    if not 1 <= n <= _abi.VALUE_MAX:
        raise ValueError("n must be 1..%d" % _abi.VALUE_MAX)
    return n


Semaphore.__module__ = BoundedSemaphore.__module__ = "semctl.asyncio"


def _after_fork():
    # a forked child must not keep its parent's rings alive (their pending
    # requests are cancelled only when the last fd of the ring goes)
    for st in list(_states.values()):
        ring = st.ring
        if ring is not None and not ring.closed:
            ring.closed = True
            try:
                ring._release_views()
                os.close(ring.fd)
            except (OSError, BufferError):
                pass
    _states.clear()
    _last[0], _last[1] = (lambda: None), None
    _ud_pid[0] = os.getpid() << 40


os.register_at_fork(after_in_child=_after_fork)
