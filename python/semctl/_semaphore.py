# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""semctl.Semaphore and semctl.BoundedSemaphore."""
import errno
import math
import operator
import os
import threading
import time
import weakref

from . import _abi

try:
    if os.environ.get("SEMCTL_PY_NO_EXT"):
        raise ImportError("SEMCTL_PY_NO_EXT is set")
    from ._semctl import Core as _Core
    EXTENSION = True
except ImportError:
    from ._pycore import Core as _Core
    EXTENSION = False

__all__ = ["Semaphore", "BoundedSemaphore", "unlink"]

# Live named semaphores: a fork()ed child reopens them by name so that it
# gets an open file of its own, hence undo of its own (see _after_fork).
_named = weakref.WeakSet()
_named_lock = threading.Lock()


def unlink(name):
    """Remove the name *name* (``SEMCTL_IOC_UNLINK``).

    Open semaphores keep working; the name can be created afresh at once.
    Raises FileNotFoundError if there is no such name."""
    _abi.unlink(name)


class _Methods:
    """A counting semaphore held by the semctl kernel module.

    Drop-in for :class:`threading.Semaphore`; also works across processes
    (``multiprocessing`` with ``fork`` or ``spawn``) and in asyncio
    (``async with``, :meth:`acquire_async`).  See Documentation/python.rst.

    *value*   initial value (used only when a new semaphore is created).
    *name*    ``None``: anonymous; else the name of a named semaphore,
              opened if it exists, created otherwise (with *create*).
    *max*     maximum value; ``None``: 2**63-1 (BoundedSemaphore: *value*).
              A release past it raises ValueError.
    *create*  ``False``: only open an existing name (FileNotFoundError if
              missing); ``"exclusive"``: only create (FileExistsError).
    *undo*    acquire with ``SEMCTL_ACQUIRE_UNDO``: units this process
              holds come back when it exits, however it exits.  Off by
              default, as threading's and multiprocessing's semaphores
              have no such thing (any holder may release, and it keeps the
              mapped compare-and-swap path); an extra to ask for.
    *mode*    permission bits of a new named semaphore.
    """

    _bounded = False

    def __init__(self, value=1, *, name=None, max=None, create=True, undo=False,
                 mode=0o600):
        value = operator.index(value)
        if value < 0:
            raise ValueError("semaphore initial value must be >= 0")
        if max is None:
            max = value if self._bounded else _abi.VALUE_MAX
        max = operator.index(max)
        if max < 1:
            raise ValueError("max must be >= 1 (the kernel has no empty "
                             "bound; BoundedSemaphore(0) is not supported)")
        if value > max:
            raise ValueError("initial value %d exceeds max %d" % (value, max))
        if max > _abi.VALUE_MAX:
            raise ValueError("max must be at most %d" % _abi.VALUE_MAX)
        if name is not None and not isinstance(name, (str, bytes)):
            raise TypeError("name must be str, bytes or None")
        if create not in (True, False, "exclusive"):
            raise ValueError("create must be True, False or 'exclusive'")
        self._undo = bool(undo)
        if name is None:
            if create is not True:
                raise ValueError("create=%r needs a name" % (create,))
            fd = _abi.create(None, value, max, mode, 0)
        elif create is False:
            fd = _abi.open_(name, 0)
        else:
            flags = _abi.CREATE_EXCL if create == "exclusive" else 0
            fd = _abi.create(name, value, max, mode, flags)
        self._init_fd(fd, name)

    def _init_fd(self, fd, name):
        self._name = os.fsdecode(name) if name is not None else None
        self._attach(fd, self._undo)
        if self._name is not None:
            with _named_lock:
                _named.add(self)

    @classmethod
    def _from_fd(cls, fd, name, undo):
        self = cls.__new__(cls)
        self._undo = bool(undo)
        self._init_fd(fd, name)
        return self

    @classmethod
    def open(cls, name, *, undo=False):
        """Open the existing named semaphore *name*."""
        return cls(name=name, create=False, undo=undo)

    # -- introspection -------------------------------------------------

    @property
    def name(self):
        """The name, or None for an anonymous semaphore."""
        return self._name

    @property
    def undo(self):
        return self._undo

    def info(self):
        """Everything SEMCTL_IOC_QUERY says: value, max, waiters, undo
        (units this process's open file holds with undo), name, mode..."""
        return _abi.query(self._fileno())

    @property
    def value(self):
        """Units available now (a snapshot: it may change at once)."""
        return self.info().value

    @property
    def max(self):
        """The maximum value; a release past it raises ValueError."""
        return self.info().max

    def locked(self):
        """True if acquire() would not succeed immediately (as
        asyncio.Semaphore.locked(): no unit free, or someone queued)."""
        i = self.info()
        return i.value == 0 or i.waiters > 0

    def __repr__(self):
        # threading's formats: value=V, or value=V/MAX when bounded
        cls = type(self)
        where = "%s.%s at %#x" % (cls.__module__.split(".")[0], cls.__qualname__,
                                  id(self))
        if self.closed:
            return "<%s: closed>" % where
        try:
            i = self.info()
        except OSError:
            return "<%s: value=unknown>" % where
        if i.max == _abi.VALUE_MAX and not self._bounded:
            return "<%s: value=%d>" % (where, i.value)
        return "<%s: value=%d/%d>" % (where, i.value, i.max)

    # -- acquire / release ---------------------------------------------
    #
    # acquire(blocking=True, timeout=None, *, n=1) (also block=, as
    # multiprocessing), try_acquire(n=1), release(n=1), __enter__,
    # __exit__, get_value(), fileno(), close() and closed come from _Core:
    # semctl._semctl in C, or semctl._pycore when the extension is missing.

    # -- asyncio -------------------------------------------------------

    async def acquire_async(self, n=1, timeout=None):
        """Take *n* units without blocking the event loop; returns True, or
        False when *timeout* seconds expire first.

        Waits in the kernel's FIFO queue with every other waiter (through
        io_uring; see Documentation/python.rst for the poll fallback).
        Cancellation never leaves units taken."""
        n = _abi.check_count(n)
        if timeout is not None:
            if timeout != timeout:
                raise ValueError("timeout must not be NaN")
            if timeout == math.inf:
                timeout = None
        from . import _aio
        return await _aio.acquire_async(self, n, timeout)

    async def __aenter__(self):
        await self.acquire_async()
        return None

    async def __aexit__(self, t, v, tb):
        # A waiter of this loop the release grants is woken right here.
        from . import _aio
        _aio._release(self, 1)

    def poison(self):
        """Close the semaphore to acquirers for good: every queued and
        later acquire fails with OSError(EIDRM); releases still work."""
        _abi.poison(self._fileno())

    # -- lifetime ------------------------------------------------------

    def unlink(self):
        """Remove this semaphore's name; open fds keep working."""
        if self._name is None:
            raise ValueError("an anonymous semaphore has no name to unlink")
        _abi.unlink(self._name)

    # -- processes -----------------------------------------------------

    def __reduce__(self):
        fd = self._fileno()
        if self._name is not None and not (_abi.query(fd).flags & _abi.INFO_UNLINKED):
            return (_reopen, (type(self), self._name, self._undo))
        from multiprocessing import reduction
        return (_from_dupfd, (type(self), reduction.DupFd(fd), self._name,
                              self._undo))

    def _reopen_after_fork(self):
        fd = self._fd
        if fd is None or self._name is None:
            return
        try:
            new = _abi.open_(self._name, 0)
        except OSError:
            return              # unlinked or not allowed: keep sharing
        try:
            os.dup2(new, fd, inheritable=False)
        finally:
            os.close(new)
        self._remap()


class Semaphore(_Methods, _Core):
    # acquire and release are _Core's methods, so that a call runs no
    # Python code; _Methods holds the rest (and serves the tests' fallback)
    __doc__ = _Methods.__doc__


class BoundedSemaphore(Semaphore):
    """A Semaphore whose maximum defaults to its initial value: a release
    past it raises ValueError, as threading.BoundedSemaphore does."""

    _bounded = True


def _reopen(cls, name, undo):
    fd = _abi.open_(name, 0)
    return cls._from_fd(fd, name, undo)


def _from_dupfd(cls, dupfd, name, undo):
    return cls._from_fd(dupfd.detach(), name, undo)


def _after_fork():
    # The child shares every inherited fd's open file with the parent, and
    # undo is recorded per open file: reopen named semaphores so that units
    # this child takes come back when *it* dies.  The fd number stays.
    global _named_lock
    _named_lock = threading.Lock()
    for sem in list(_named):
        sem._reopen_after_fork()


os.register_at_fork(after_in_child=_after_fork)
