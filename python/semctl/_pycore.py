# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""The pure-Python fallback of semctl._semctl.Core.

Used only when the C extension is not built (a tree on PYTHONPATH without
``make -C python``) or when SEMCTL_PY_NO_EXT is set.  Same behaviour, no
mapped fast path: every acquire and release is an ioctl through
``fcntl.ioctl`` with a struct packed per call and a Python frame per call.
bench/python does not measure it; the seed's code, which did the same,
took 14.9 us per uncontended acquire+release pair in issue 13's QEMU run.
"""
import errno
import math
import os
import time

from . import _abi


_UNSET = object()


class Core:
    _fd = None
    _aflags = 0
    _mapped = False

    def _attach(self, fd, undo):
        if self._fd is not None or fd < 0:
            raise ValueError("_attach: bad fd or attached")
        self._fd = fd
        self._aflags = _abi.ACQUIRE_UNDO if undo else 0

    def _remap(self):
        pass

    def __del__(self):
        self.close()

    @property
    def closed(self):
        return self._fd is None

    def _fileno(self):
        fd = self._fd
        if fd is None:
            raise ValueError("operation on a closed semaphore")
        return fd

    fileno = _fileno

    def close(self):
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

    def get_value(self):
        return _abi.query(self._fileno()).value

    def try_acquire(self, n=1):
        n = _abi.check_count(n)
        try:
            _abi.acquire(self._fileno(), n, self._aflags | _abi.ACQUIRE_TRY)
            return True
        except BlockingIOError:
            return False
        except OSError as e:
            raise _acquire_error(e, n) from None

    def acquire(self, blocking=_UNSET, timeout=None, *, n=1, block=_UNSET):
        mp_style = block is not _UNSET
        if mp_style:
            if blocking is not _UNSET:
                raise TypeError("acquire() got multiple values for argument 'block'")
            blocking = block
        elif blocking is _UNSET:
            blocking = True
        n = _abi.check_count(n)
        fd = self._fileno()
        if timeout is not None and not blocking:
            if not mp_style:
                raise ValueError("can't specify timeout for non-blocking acquire")
            timeout = None
        if not blocking:
            return self.try_acquire(n)
        flags = self._aflags
        deadline = 0
        if timeout is not None and timeout != math.inf:
            if timeout != timeout:
                raise ValueError("timeout must not be NaN")
            if timeout <= 0:
                return self.try_acquire(n)
            flags |= _abi.ACQUIRE_TIMEOUT | _abi.ACQUIRE_ABSTIME
            deadline = min(time.monotonic_ns() + math.ceil(timeout * 1e9),
                           _abi.VALUE_MAX)
        while True:
            try:
                _abi.acquire(fd, n, flags, deadline)
                return True
            except InterruptedError:
                continue        # handlers ran (PEP 475); same deadline
            except TimeoutError:
                return False
            except OSError as e:
                raise _acquire_error(e, n) from None

    def __enter__(self):
        return self.acquire()

    def release(self, n=1):
        n = _abi.check_count(n)
        try:
            _abi.release(self._fileno(), n)
        except OSError as e:
            if e.errno == errno.EOVERFLOW:
                raise ValueError(overflow_message(_abi.query(self._fd), n)) from None
            raise

    def __exit__(self, t, v, tb):
        self.release()


def _acquire_error(e, n):
    if e.errno == errno.EINVAL:
        return ValueError("cannot acquire %d units: more than the "
                          "semaphore's maximum" % n)
    return e


def overflow_message(info, n):
    """The extension's wording (python/src/_semctl.c)."""
    head = ("Semaphore released too many times: value %d + %d would exceed "
            "the maximum %d" % (info.value, n, info.max))
    if not info.undo_total:
        return head + "; no units are held with undo"
    if info.value + info.undo_total > info.max:
        why = ("they are in the way: another open file's release returned "
               "them already; release where the units were acquired, or use "
               "undo=False")
    else:
        why = "they are not in the way: more units were released than acquired"
    return head + (", while %d units are held with undo (%d by this open "
                   "file): %s" % (info.undo_total, info.undo, why))
