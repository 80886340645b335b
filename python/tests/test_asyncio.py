# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""asyncio: async with / acquire_async against asyncio.Semaphore's
documented behaviour (CPython's test_asyncio/test_locks.py cases that
apply), cancellation without lost units, FIFO with threads, both modes."""
import asyncio
import errno
import random
import threading
import time
import unittest

from util import LONG, Threads, semctl, wait_for, waiters

from semctl import _aio


class AsyncBase:
    mode = None

    def setUp(self):
        self._old = _aio.MODE
        _aio.MODE = self.mode
        _aio._no_uring[0] = None

    def tearDown(self):
        _aio.MODE = self._old

    def sem(self, *a, cls=semctl.Semaphore, **kw):
        s = cls(*a, **kw)
        self.addCleanup(s.close)
        return s

    def run_async(self, coro):
        return asyncio.run(asyncio.wait_for(coro, LONG * 3))

    def test_mode(self):
        async def f():
            return semctl.async_mode()
        self.assertEqual(self.run_async(f()), self.mode)

    def test_acquire_release(self):
        s = self.sem(2)

        async def f():
            self.assertIs(await s.acquire_async(), True)
            self.assertFalse(s.locked())
            self.assertIs(await s.acquire_async(), True)
            self.assertTrue(s.locked())
            s.release(2)
            self.assertFalse(s.locked())
        self.run_async(f())
        self.assertEqual(s.value, 2)

    def test_async_with(self):
        s = self.sem(1)

        async def f():
            async with s as v:
                self.assertIsNone(v)
                self.assertEqual(s.value, 0)
            self.assertEqual(s.value, 1)
            with self.assertRaises(ZeroDivisionError):
                async with s:
                    1 / 0
            self.assertEqual(s.value, 1)
        self.run_async(f())

    def test_waits_without_blocking_loop(self):
        s = self.sem(0)

        async def f():
            ticks = 0
            t = asyncio.create_task(s.acquire_async())
            while ticks < 20:
                await asyncio.sleep(0.005)
                ticks += 1
            self.assertFalse(t.done())
            s.release()
            self.assertIs(await t, True)
        self.run_async(f())
        self.assertEqual(s.value, 0)

    def test_order(self):
        s = self.sem(0)
        order = []

        async def w(i, n=1):
            await s.acquire_async(n)
            order.append(i)

        async def f():
            ts = []
            for i in range(4):
                ts.append(asyncio.create_task(w(i)))
                await asyncio.sleep(0.02)
                if self.mode == "uring":   # queued in the kernel, in order
                    self.assertTrue(waiters(s, i + 1))
            for i in range(4):
                # one at a time: waiters granted by one release complete in
                # any order (on 6.1 each is an io-wq worker)
                s.release()
                for _ in range(500):
                    if len(order) > i:
                        break
                    await asyncio.sleep(0.01)
            await asyncio.gather(*ts)
        self.run_async(f())
        self.assertEqual(order, [0, 1, 2, 3])

    def test_timeout(self):
        s = self.sem(0)

        async def f():
            t0 = time.monotonic()
            self.assertIs(await s.acquire_async(timeout=0.2), False)
            self.assertGreaterEqual(time.monotonic() - t0, 0.19)
            self.assertIs(await s.acquire_async(timeout=0), False)
            s.release()
            self.assertIs(await s.acquire_async(timeout=0), True)
        self.run_async(f())

    def test_weighted(self):
        s = self.sem(1)

        async def f():
            t = asyncio.create_task(s.acquire_async(3))
            await asyncio.sleep(0.05)
            self.assertFalse(t.done())
            s.release()
            await asyncio.sleep(0.05)
            self.assertFalse(t.done())
            s.release()
            self.assertIs(await t, True)
            self.assertEqual(s.value, 0)
            with self.assertRaises(ValueError):
                await s.acquire_async(0)
        self.run_async(f())
        s2 = self.sem(1, max=2)
        with self.assertRaises(ValueError):
            self.run_async(s2.acquire_async(3))

    def test_cancel_waiting(self):
        s = self.sem(0)

        async def f():
            t = asyncio.create_task(s.acquire_async())
            await asyncio.sleep(0.05)
            t.cancel()
            with self.assertRaises(asyncio.CancelledError):
                await t
            await asyncio.sleep(0.05)
            s.release()
            await asyncio.sleep(0.05)
            self.assertEqual(s.value, 1)      # nobody took it
        self.run_async(f())
        self.assertEqual(s.info().waiters, 0)

    def test_cancel_after_grant(self):
        # asyncio's test_acquire_cancel_before_awoken: the release grants
        # the waiter, which is cancelled before it runs: no unit is lost
        s = self.sem(0)

        async def f():
            t1 = asyncio.create_task(s.acquire_async())
            t2 = asyncio.create_task(s.acquire_async())
            await asyncio.sleep(0.05)
            if self.mode == "uring":
                self.assertTrue(waiters(s, 2))
            s.release()
            await asyncio.sleep(0.05)     # t1's grant is reaped...
            t1.cancel()                   # ...but t1 is cancelled first
            for _ in range(50):
                if t1.done():
                    break
                await asyncio.sleep(0.01)
            self.assertTrue(t1.cancelled() or t1.result() is True)
            if t1.cancelled():
                self.assertIs(await asyncio.wait_for(t2, LONG), True)
            else:
                s.release()
                self.assertIs(await t2, True)
        self.run_async(f())
        self.assertEqual(s.value, 0)

    def test_acquire_hang(self):
        s = self.sem(0)

        async def f():
            t1 = asyncio.create_task(s.acquire_async())
            t2 = asyncio.create_task(s.acquire_async())
            await asyncio.sleep(0.05)
            t1.cancel()
            s.release()
            self.assertIs(await asyncio.wait_for(t2, LONG), True)
            with self.assertRaises(asyncio.CancelledError):
                await t1
        self.run_async(f())
        self.assertEqual(s.value, 0)

    def test_wait_for_timeout_cancels(self):
        s = self.sem(0)

        async def f():
            with self.assertRaises(asyncio.TimeoutError):
                await asyncio.wait_for(s.acquire_async(), 0.1)
        self.run_async(f())
        s.release()
        time.sleep(0.05)
        self.assertEqual(s.value, 1)
        self.assertEqual(s.info().waiters, 0)

    def test_cancel_storm_keeps_units(self):
        # releases from a thread race with cancellations: every unit is
        # either held by a finished acquire or still in the semaphore
        s = self.sem(0, undo=False)
        rng = random.Random(6)

        async def f():
            held = 0
            stop = threading.Event()

            def releaser():
                while not stop.is_set():
                    s.release()
                    time.sleep(rng.random() * 0.004)
            th = threading.Thread(target=releaser)
            th.start()
            released_before = 0
            try:
                for _ in range(60):
                    t = asyncio.create_task(s.acquire_async(rng.choice((1, 2))))
                    await asyncio.sleep(rng.random() * 0.004)
                    t.cancel()
                    try:
                        await t
                        held += 1
                    except asyncio.CancelledError:
                        pass
            finally:
                stop.set()
                th.join()
            # every cancelled wait has left the kernel queue (loop still up)
            for _ in range(500):
                if s.info().waiters == 0:
                    break
                await asyncio.sleep(0.01)
            self.assertEqual(s.info().waiters, 0,
                             "still queued after cancel: %r" % s.info())
            return held
        self.run_async(f())
        self.assertTrue(wait_for(lambda: s.info().waiters == 0))
        # nothing is lost: draining what is left must be possible in full
        v = s.value
        self.assertTrue(v == 0 or s.try_acquire(v), repr(s.info()))

    def test_release_not_acquired(self):
        s = self.sem(1)
        s.release()
        self.assertEqual(s.value, 2)
        b = self.sem(1, cls=semctl.BoundedSemaphore)

        async def f():
            async with b:
                pass
            with self.assertRaises(ValueError):
                b.release()
        self.run_async(f())

    def test_poisoned(self):
        s = self.sem(0)

        async def f():
            t = asyncio.create_task(s.acquire_async())
            await asyncio.sleep(0.05)
            s.poison()
            with self.assertRaises(OSError) as cm:
                await t
            self.assertEqual(cm.exception.errno, errno.EIDRM)
        self.run_async(f())

    def test_threads_and_tasks_share(self):
        s = self.sem(2)
        lock = threading.Lock()
        inside = [0, 0]

        def enter():
            with lock:
                inside[0] += 1
                inside[1] = max(inside[1], inside[0])

        def leave():
            with lock:
                inside[0] -= 1

        def thread_worker(i):
            for _ in range(5):
                with s:
                    enter()
                    time.sleep(0.01)
                    leave()

        async def task_worker():
            for _ in range(5):
                async with s:
                    enter()
                    await asyncio.sleep(0.01)
                    leave()

        async def f():
            await asyncio.gather(*(task_worker() for _ in range(3)))
        th = Threads(thread_worker, 3)
        self.run_async(f())
        th.join()
        self.assertEqual(inside, [0, 2])
        self.assertEqual(s.value, 2)


class UringTests(AsyncBase, unittest.TestCase):
    mode = "uring"

    def test_fifo_with_threads(self):
        # thread, task, thread: served in arrival order, one queue
        s = self.sem(0)
        order = []

        def thread_acq(tag):
            s.acquire()
            order.append(tag)

        async def f():
            t1 = threading.Thread(target=thread_acq, args=("thread1",))
            t1.start()
            self.assertTrue(waiters(s, 1))
            task = asyncio.create_task(s.acquire_async())
            for _ in range(200):
                if s.info().waiters >= 2:
                    break
                await asyncio.sleep(0.01)
            t2 = threading.Thread(target=thread_acq, args=("thread2",))
            t2.start()
            self.assertTrue(waiters(s, 3))
            for _ in range(3):
                s.release()
                await asyncio.sleep(0.1)
                if task.done() and "task" not in order:
                    order.append("task")
            t1.join(LONG)
            t2.join(LONG)
            await task
        self.run_async(f())
        self.assertEqual(order, ["thread1", "task", "thread2"])

    def test_weighted_head_blocks_later_thread(self):
        s = self.sem(1)

        async def f():
            task = asyncio.create_task(s.acquire_async(2))
            for _ in range(200):
                if s.info().waiters >= 1:
                    break
                await asyncio.sleep(0.01)
            self.assertFalse(s.acquire(False))   # no jumping the queue
            s.release()
            self.assertIs(await task, True)
        self.run_async(f())

    def test_loop_close_gives_back(self):
        # pending requests of a loop that goes away do not keep units
        s = self.sem(0)

        async def f():
            asyncio.create_task(s.acquire_async(1))
            asyncio.create_task(s.acquire_async(1))
            await asyncio.sleep(0.05)
        asyncio.run(f())          # cancels the tasks, closes the loop
        import gc
        gc.collect()
        time.sleep(0.1)
        self.assertEqual(s.info().waiters, 0)
        s.release(2)
        self.assertEqual(s.value, 2)


class PollTests(AsyncBase, unittest.TestCase):
    mode = "poll"


if __name__ == "__main__":
    unittest.main()
