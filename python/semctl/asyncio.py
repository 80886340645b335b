# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""semctl for asyncio code: asyncio.Semaphore's API on a kernel semaphore.

    import semctl.asyncio
    sem = semctl.asyncio.Semaphore(2)          # a new kernel semaphore
    sem = semctl.asyncio.Semaphore(tsem)       # the same one as semctl.Semaphore tsem
    async with sem: ...
    await sem.acquire(); sem.release()

See Documentation/python-asyncio.rst.
"""
from ._aio import BoundedSemaphore, Semaphore, mode

__all__ = ["Semaphore", "BoundedSemaphore", "mode"]
