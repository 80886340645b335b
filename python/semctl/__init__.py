# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""semctl: one kernel semaphore for threads, processes and asyncio.

    import semctl
    sem = semctl.Semaphore(2)            # as threading.Semaphore(2)
    with sem: ...                        # threads
    async with sem: ...                  # asyncio tasks
    multiprocessing.Process(target=f, args=(sem,))   # processes

Acquire and release are the C extension semctl._semctl (a compare-and-swap
on the mapped value word while nobody waits, the kernel otherwise); without
it, semctl._pycore does the same with ioctls.  Talks to /dev/semctl (the
semctl kernel module).  See Documentation/python.rst.
"""
from ._abi import VALUE_MAX, Info
from ._semaphore import BoundedSemaphore, Semaphore, unlink


def async_mode(loop=None):
    """How acquire_async() waits in *loop* (default: the running loop):
    'uring' (queued in the kernel FIFO) or 'poll' (the fallback)."""
    from . import _aio
    return _aio.mode(loop)

__all__ = ["Semaphore", "BoundedSemaphore", "unlink", "async_mode", "Info",
           "VALUE_MAX"]
__version__ = "1.2.0"
