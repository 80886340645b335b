# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""Shared test helpers: import semctl from the tree, unique names."""
import os
import sys
import threading
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import semctl  # noqa: E402

# the scheduling slack for "it waited" / "it did not wait" (QEMU TCG is slow)
SHORT = 0.3
LONG = 30.0   # spawn start-up alone can take over 10 s under TCG


def uname(tag="t"):
    return "pytest-%s-%d-%s" % (tag, os.getpid(), uuid.uuid4().hex[:8])


def wait_for(pred, timeout=LONG, step=0.005):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


def waiters(sem, n, timeout=LONG):
    """Wait until *n* acquirers are queued in the kernel on *sem*."""
    return wait_for(lambda: sem.info().waiters >= n, timeout)


class Threads:
    """Start *n* threads running f(i); join() them all, re-raising."""

    def __init__(self, f, n):
        self.errors = []
        self.results = [None] * n

        def run(i):
            try:
                self.results[i] = f(i)
            except BaseException as e:  # noqa: B902
                self.errors.append(e)
        self.threads = [threading.Thread(target=run, args=(i,), daemon=True)
                        for i in range(n)]
        for t in self.threads:
            t.start()

    def join(self, timeout=LONG):
        for t in self.threads:
            t.join(timeout)
            if t.is_alive():
                raise AssertionError("thread did not finish")
        if self.errors:
            raise self.errors[0]
        return self.results
