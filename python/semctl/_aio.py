# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""asyncio support: acquire_async() without blocking the event loop.

Two ways to wait, chosen per event loop:

"uring" (default on x86-64 when io_uring works): one io_uring per event
  loop, made with raw syscalls through ctypes and mmap (no liburing).  An
  acquire that cannot be satisfied at once is submitted as
  IORING_OP_URING_CMD / SEMCTL_URING_CMD_ACQUIRE: it waits *in the kernel's
  FIFO queue* with threads and processes, takes N units at once, times out
  in the kernel.  The loop watches the ring fd with add_reader().  A
  cancelled wait submits SEMCTL_URING_CMD_CANCEL; if the units were granted
  meanwhile, they are released as soon as the completion is reaped.

"poll" (fallback: io_uring unavailable or disabled, other architectures,
  or SEMCTL_PY_ASYNC=poll): add_reader() on the semaphore fd plus a
  try-acquire when it is readable.  Waiters of one loop are served in their
  order, but they are not in the kernel's queue: blocking acquirers that
  queue meanwhile go first, and a weighted waiter re-polls with a back-off.

The ring's SQ/CQ are shared memory read and written here with struct; that
relies on x86-64's ordering (TSO), hence the architecture check.
"""
import asyncio
import collections
import ctypes
import errno
import mmap
import os
import platform
import struct
import time
import weakref

from . import _abi

MODE = os.environ.get("SEMCTL_PY_ASYNC", "auto")   # auto | uring | poll

_NR_SETUP, _NR_ENTER, _NR_REGISTER = 425, 426, 427
_OP_ASYNC_CANCEL = 14
_OP_URING_CMD = 46
_ENTER_GETEVENTS = 1
_FEAT_SINGLE_MMAP = 1
_OFF_SQES = 0x10000000
_REGISTER_IOWQ_MAX_WORKERS = 19
_RING_ENTRIES = 256

_SQE_HEAD = struct.Struct("=BBHiIIQIIQHHi")    # 48 bytes, then 16 of cmd
_CMD_ACQUIRE = struct.Struct("=IIQ")
_CMD_CANCEL = struct.Struct("=QQ")
_CQE = struct.Struct("=QiI")
_U32 = struct.Struct("=I")


class _SqOff(ctypes.Structure):
    _fields_ = [(f, ctypes.c_uint32) for f in (
        "head", "tail", "ring_mask", "ring_entries", "flags", "dropped",
        "array", "resv1")] + [("user_addr", ctypes.c_uint64)]


class _CqOff(ctypes.Structure):
    _fields_ = [(f, ctypes.c_uint32) for f in (
        "head", "tail", "ring_mask", "ring_entries", "overflow", "cqes",
        "flags", "resv1")] + [("user_addr", ctypes.c_uint64)]


class _Params(ctypes.Structure):
    _fields_ = [(f, ctypes.c_uint32) for f in (
        "sq_entries", "cq_entries", "flags", "sq_thread_cpu",
        "sq_thread_idle", "features", "wq_fd")] + [
        ("resv", ctypes.c_uint32 * 3), ("sq_off", _SqOff), ("cq_off", _CqOff)]


_libc = None


def _syscall(*args):
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
        _libc.syscall.restype = ctypes.c_long
    while True:
        r = _libc.syscall(*args)
        if r >= 0:
            return r
        e = ctypes.get_errno()
        if e != errno.EINTR:
            raise OSError(e, os.strerror(e))


class _Ring:
    """One io_uring for one event loop (in one process)."""

    def __init__(self, loop):
        p = _Params()
        self.fd = _syscall(ctypes.c_long(_NR_SETUP), ctypes.c_uint(_RING_ENTRIES),
                           ctypes.byref(p))
        try:
            if not p.features & _FEAT_SINGLE_MMAP:
                raise OSError(errno.ENOSYS, "io_uring without SINGLE_MMAP")
            size = max(p.sq_off.array + p.sq_entries * 4,
                       p.cq_off.cqes + p.cq_entries * _CQE.size)
            prot = mmap.PROT_READ | mmap.PROT_WRITE
            self.ring = mmap.mmap(self.fd, size, mmap.MAP_SHARED, prot, offset=0)
            self.sqes = mmap.mmap(self.fd, p.sq_entries * 64, mmap.MAP_SHARED,
                                  prot, offset=_OFF_SQES)
        except BaseException:
            os.close(self.fd)
            raise
        self.sq, self.cq = p.sq_off, p.cq_off
        self.sq_mask = _U32.unpack_from(self.ring, p.sq_off.ring_mask)[0]
        self.sq_entries = p.sq_entries
        self.cq_mask = _U32.unpack_from(self.ring, p.cq_off.ring_mask)[0]
        # 6.1 waits in io-wq workers, at most min(SQ, 4 x CPUs) by default
        try:
            workers = (ctypes.c_uint32 * 2)(4096, 0)
            _syscall(ctypes.c_long(_NR_REGISTER), ctypes.c_int(self.fd),
                     ctypes.c_uint(_REGISTER_IOWQ_MAX_WORKERS), workers,
                     ctypes.c_uint(2))
        except OSError:
            pass
        self.pid = os.getpid()
        self.pending = {}       # user_data -> [sem, n, fut] (None: a cancel)
        self.next_ud = 1
        self.loop = weakref.ref(loop)
        loop.add_reader(self.fd, self._reap)
        self.closed = False

    def _enter(self, to_submit, flags):
        return _syscall(ctypes.c_long(_NR_ENTER), ctypes.c_int(self.fd),
                        ctypes.c_uint(to_submit), ctypes.c_uint(0),
                        ctypes.c_uint(flags), None, ctypes.c_size_t(0))

    def _submit(self, fd, cmd_op, cmd, ud, opcode=_OP_URING_CMD, addr=0):
        tail = _U32.unpack_from(self.ring, self.sq.tail)[0]
        head = _U32.unpack_from(self.ring, self.sq.head)[0]
        if (tail - head) & 0xFFFFFFFF >= self.sq_entries:
            raise OSError(errno.EBUSY, "io_uring submission queue full")
        idx = tail & self.sq_mask
        _SQE_HEAD.pack_into(self.sqes, idx * 64, opcode, 0, 0, fd,
                            cmd_op, 0, addr, 0, 0, ud, 0, 0, 0)
        self.sqes[idx * 64 + 48:idx * 64 + 64] = cmd
        _U32.pack_into(self.ring, self.sq.array + idx * 4, idx)
        _U32.pack_into(self.ring, self.sq.tail, (tail + 1) & 0xFFFFFFFF)
        while True:
            try:
                n = self._enter(1, 0)
                break
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.EBUSY):
                    raise
                self._reap()        # CQ overflow: make room and retry
        if n != 1:
            raise OSError(errno.EIO, "io_uring did not take the submission")

    def acquire(self, sem, n, flags, deadline_ns, fut):
        ud = self.next_ud
        self.next_ud += 1
        if deadline_ns:
            flags |= _abi.ACQUIRE_TIMEOUT | _abi.ACQUIRE_ABSTIME
        self._submit(sem._fileno(), _abi.URING_CMD_ACQUIRE,
                     _CMD_ACQUIRE.pack(n, flags, deadline_ns), ud)
        self.pending[ud] = [sem, n, fut]
        return ud

    def cancel(self, sem, ud, delay=0.0):
        if ud not in self.pending or self.closed or sem.closed:
            return
        # Until the acquire's completion arrives, cancel it again now and
        # then: a cancel can land in the window where a request issued
        # from io-wq is not yet queued in the semaphore, and miss it.
        loop = self.loop()
        if loop is not None and not loop.is_closed():
            delay = min(max(delay * 2, 0.01), 0.5)
            loop.call_later(delay, self.cancel, sem, ud, delay)
        # semctl's own cancel reaches a request queued in the semaphore;
        # io_uring's ASYNC_CANCEL reaches one still in io-wq, not yet
        # queued in the semaphore.
        for op in ("semctl", "io_uring"):
            cud = self.next_ud
            self.next_ud += 1
            self.pending[cud] = None
            if op == "semctl":
                self._submit(sem._fd, _abi.URING_CMD_CANCEL,
                             _CMD_CANCEL.pack(ud, 0), cud)
            else:
                self._submit(-1, 0, bytes(16), cud, _OP_ASYNC_CANCEL, ud)

    def _reap(self):
        if self.closed:
            return
        try:    # runs task work and flushes an overflowed CQ
            self._enter(0, _ENTER_GETEVENTS)
        except OSError:
            pass
        ring, cq = self.ring, self.cq
        head = _U32.unpack_from(ring, cq.head)[0]
        while True:
            tail = _U32.unpack_from(ring, cq.tail)[0]
            if head == tail:
                break
            ud, res, _flags = _CQE.unpack_from(
                ring, cq.cqes + (head & self.cq_mask) * _CQE.size)
            head = (head + 1) & 0xFFFFFFFF
            _U32.pack_into(ring, cq.head, head)
            self._complete(ud, res)

    def _complete(self, ud, res):
        entry = self.pending.pop(ud, None)
        if entry is None:
            return              # a cancel command's own completion
        sem, n, fut = entry
        if fut.done():          # cancelled (or the loop is gone)
            if res == 0:
                _give_back(sem, n)
        else:
            fut.set_result(res)

    def close(self):
        if self.closed or self.pid != os.getpid():
            return
        self._reap()            # give back units granted to abandoned waits
        self.closed = True
        loop = self.loop()
        if loop is not None and not loop.is_closed():
            loop.remove_reader(self.fd)
        for entry in self.pending.values():
            if entry is not None and not entry[2].done():
                entry[2].cancel()
        self.sqes.close()
        self.ring.close()
        os.close(self.fd)       # the kernel cancels what is still queued


def _give_back(sem, n):
    if not sem.closed:
        try:
            sem.release(n)
        except (OSError, ValueError):
            pass


_rings = weakref.WeakKeyDictionary()     # loop -> _Ring
_no_uring = [None]                        # why io_uring is not used, if not


def _ring_for(loop):
    if MODE == "poll" or _no_uring[0] is not None:
        return None
    ring = _rings.get(loop)
    if ring is not None and ring.pid == os.getpid() and not ring.closed:
        return ring
    if MODE != "uring" and platform.machine() not in ("x86_64", "AMD64"):
        _no_uring[0] = "not x86-64"
        return None
    try:
        ring = _Ring(loop)
    except OSError as e:
        if MODE == "uring":
            raise
        _no_uring[0] = str(e)
        return None
    _rings[loop] = ring
    weakref.finalize(loop, ring.close)
    return ring


def mode(loop=None):
    """'uring' or 'poll': how acquire_async waits in *loop* (default: the
    running loop)."""
    loop = loop or asyncio.get_running_loop()
    return "uring" if _ring_for(loop) is not None else "poll"


class _PollQueue:
    """Poll-mode waiters of one semaphore in one loop, served in order."""

    def __init__(self, loop, sem):
        self.loop, self.sem = loop, sem
        self.waiters = collections.deque()
        self.fd = None
        self.delay = 0.0
        self.timer = None

    def add(self, fut, n):
        self.waiters.append((fut, n))
        self._arm()

    def _arm(self):
        self.timer = None
        if self.fd is None and self.waiters and not self.sem.closed:
            self.fd = self.sem._fd
            self.loop.add_reader(self.fd, self._ready)

    def _disarm(self):
        if self.fd is not None:
            self.loop.remove_reader(self.fd)
            self.fd = None

    def _ready(self):
        w = self.waiters
        while w:
            fut, n = w[0]
            if fut.done():
                w.popleft()
                continue
            try:
                got = self.sem.try_acquire(n)
            except BaseException as e:  # noqa: B902 (poisoned, closed)
                w.popleft()
                fut.set_exception(e)
                continue
            if not got:
                break
            w.popleft()
            fut.set_result(0)
            self.delay = 0.0
        self._disarm()
        if w and self.timer is None:
            # readable, yet the head cannot take its units (weighted, or a
            # kernel waiter queued): poll again after a bounded back-off
            self.delay = min(max(self.delay * 2, 0.001), 0.05)
            self.timer = self.loop.call_later(self.delay, self._arm)


_pollqs = weakref.WeakKeyDictionary()    # loop -> {sem id: _PollQueue}


def _poll_wait(loop, sem, n, timeout, fut):
    qs = _pollqs.setdefault(loop, {})
    q = qs.get(id(sem))
    if q is None or q.sem is not sem:
        q = qs[id(sem)] = _PollQueue(loop, sem)
    q.add(fut, n)
    if timeout is not None:
        h = loop.call_later(timeout, lambda: fut.done() or fut.set_result(-errno.ETIMEDOUT))
        fut.add_done_callback(lambda f: h.cancel())


async def acquire_async(sem, n, timeout):
    loop = asyncio.get_running_loop()
    if sem.try_acquire(n):
        return True
    if timeout is not None and timeout <= 0:
        return False
    deadline = 0
    if timeout is not None:
        deadline = min(time.monotonic_ns() + int(timeout * 1e9) + 1, _abi.VALUE_MAX)
    fut = loop.create_future()
    ring = _ring_for(loop)
    ud = None
    if ring is not None:
        ud = ring.acquire(sem, n, sem._aflags, deadline, fut)
    else:
        _poll_wait(loop, sem, n, timeout, fut)
    try:
        res = await fut
    except asyncio.CancelledError:
        if fut.done() and not fut.cancelled():
            if fut.exception() is None and fut.result() == 0:
                _give_back(sem, n)  # granted, but we were cancelled first
        elif ring is not None:
            ring.cancel(sem, ud)    # a grant that races it is given back
        raise
    if res == 0:
        return True
    if res == -errno.ETIMEDOUT:
        return False
    if res == -errno.EINVAL:
        raise ValueError("cannot acquire %d units: more than the semaphore's "
                         "maximum" % n)
    raise OSError(-res, os.strerror(-res))


def _after_fork():
    # a forked child must not keep its parent's rings alive (their pending
    # requests are cancelled only when the last fd of the ring goes)
    for ring in list(_rings.values()):
        if not ring.closed:
            ring.closed = True
            try:
                ring.sqes.close()
                ring.ring.close()
                os.close(ring.fd)
            except OSError:
                pass
    _rings.clear()
    _pollqs.clear()


os.register_at_fork(after_in_child=_after_fork)
