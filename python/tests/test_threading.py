# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""semctl.Semaphore / BoundedSemaphore against threading's documented
behaviour (the cases of CPython's Lib/test/lock_tests.py that apply)."""
import errno
import os
import re
import sys
import threading
import time
import unittest

from util import LONG, SHORT, Threads, semctl, uname, wait_for, waiters

from semctl import _abi, _pycore, _semaphore


class PySemaphore(_semaphore._Methods, _pycore.Core):
    """semctl.Semaphore on the pure-Python fallback (no C extension)."""


class PyBoundedSemaphore(PySemaphore):
    _bounded = True


class SemaphoreTests(unittest.TestCase):
    """With undo=True (the kernel path); NoUndoSemaphoreTests: the default."""
    cls = semctl.Semaphore
    undo = True

    def sem(self, *a, **kw):
        kw.setdefault("undo", self.undo)
        s = self.cls(*a, **kw)
        self.addCleanup(s.close)
        return s

    def test_constructor(self):
        self.assertRaises(ValueError, self.cls, value=-1)
        self.assertRaises(ValueError, self.cls, value=-sys.maxsize)
        self.assertRaises(TypeError, self.cls, 1.5)
        self.sem(value=0 if not self.cls._bounded else 1)
        self.sem(value=5)

    def test_default_value(self):
        s = self.sem()
        self.assertEqual(s.value, 1)
        self.assertTrue(s.acquire(False))
        self.assertFalse(s.acquire(False))
        s.release()

    def test_acquire_release(self):
        s = self.sem(3)
        self.assertIs(s.acquire(), True)
        self.assertIs(s.acquire(blocking=True), True)
        self.assertEqual(s.value, 1)
        s.release()
        s.release()
        self.assertEqual(s.value, 3)

    def test_acquire_destroy(self):
        s = self.cls()
        s.acquire()
        del s

    def test_try_acquire(self):
        s = self.sem(2)
        self.assertTrue(s.acquire(False))
        self.assertTrue(s.acquire(blocking=False))
        self.assertFalse(s.acquire(False))
        self.assertFalse(s.try_acquire())
        s.release(2)
        self.assertTrue(s.try_acquire(2))
        s.release(2)

    def test_nonblocking_with_timeout_is_an_error(self):
        s = self.sem()
        self.assertRaises(ValueError, s.acquire, False, 1)
        self.assertRaises(ValueError, s.acquire, blocking=False, timeout=1)

    def test_acquire_timeout(self):
        s = self.sem(2)
        s.acquire()
        s.acquire()
        t0 = time.monotonic()
        self.assertFalse(s.acquire(timeout=0.2))
        dt = time.monotonic() - t0
        self.assertGreaterEqual(dt, 0.2 - 0.01)
        self.assertLess(dt, 0.2 + LONG)
        self.assertFalse(s.acquire(timeout=0))
        self.assertFalse(s.acquire(timeout=-1))   # as threading: no wait
        s.release()
        self.assertTrue(s.acquire(timeout=0))
        s.release(2)

    def test_acquire_timeout_granted(self):
        s = self.sem(1)
        s.acquire()
        t = Threads(lambda i: s.acquire(timeout=LONG), 1)
        self.assertTrue(waiters(s, 1))
        s.release()
        self.assertEqual(t.join(), [True])

    def test_acquire_contended(self):
        s = self.sem(7)
        s.acquire()
        phase = []
        lock = threading.Lock()

        def f(i):
            s.acquire()
            with lock:
                phase.append(i)
        t = Threads(f, 10)
        self.assertTrue(wait_for(lambda: len(phase) == 6))
        self.assertTrue(waiters(s, 4))
        self.assertEqual(len(phase), 6)
        s.release()
        self.assertTrue(wait_for(lambda: len(phase) == 7))
        s.release(3)
        t.join()
        self.assertEqual(len(phase), 10)
        self.assertEqual(s.value, 0)
        s.release(7)

    def test_fifo_order(self):
        # stronger than threading (which promises no order): arrival order
        s = self.sem(1)
        s.acquire()
        order = []
        ts = []
        for i in range(5):
            th = threading.Thread(target=lambda i=i: (s.acquire(), order.append(i),
                                                      s.release()))
            th.start()
            ts.append(th)
            self.assertTrue(waiters(s, i + 1))
        s.release()
        for th in ts:
            th.join(LONG)
        self.assertEqual(order, [0, 1, 2, 3, 4])

    def test_with(self):
        s = self.sem(2)

        def f():
            with s as got:
                self.assertIs(got, True)
                self.assertEqual(s.value, 1)
                raise TypeError("boom")
        self.assertRaises(TypeError, f)
        self.assertEqual(s.value, 2)

    def test_release_n(self):
        s = self.sem(3)
        s.acquire(n=3)
        got = []
        t = Threads(lambda i: got.append(s.acquire(timeout=LONG)), 3)
        self.assertTrue(waiters(s, 3))
        s.release(3)
        t.join()
        self.assertEqual(got, [True] * 3)

    def test_release_n_invalid(self):
        s = self.sem()
        self.assertRaises(ValueError, s.release, 0)
        self.assertRaises(ValueError, s.release, -1)
        self.assertRaises(TypeError, s.release, 1.0)

    def test_weighted(self):
        s = self.sem(5)
        self.assertTrue(s.acquire(n=3))
        self.assertEqual(s.value, 2)
        self.assertFalse(s.acquire(n=3, timeout=0.05))
        self.assertFalse(s.acquire(False, n=3))
        # a waiter for 3 at the head is not overtaken by one for 1
        t = Threads(lambda i: s.acquire(n=3), 1)
        self.assertTrue(waiters(s, 1))
        self.assertFalse(s.acquire(False))
        s.release(1)
        t.join()
        self.assertEqual(s.value, 0)
        s.release(5)
        self.assertRaises(ValueError, s.acquire, n=0)
        self.assertRaises(ValueError, s.acquire, n=s.max + 1)

    def test_gil_released_while_blocked(self):
        s = self.sem(2)
        s.acquire(n=2)
        t = Threads(lambda i: s.acquire(timeout=5.0), 2)
        self.assertTrue(waiters(s, 2))
        # pure-Python work keeps running while both threads are blocked
        t0 = time.monotonic()
        n = 0
        while time.monotonic() - t0 < 0.2:
            n += 1
        self.assertLess(time.monotonic() - t0, 2.0)
        s.release(2)
        self.assertEqual(t.join(), [True, True])

    def test_signal_interrupts_then_resumes(self):
        import signal
        import os
        s = self.sem(1)
        s.acquire()
        hits = []
        old = signal.signal(signal.SIGUSR1, lambda *a: hits.append(1))
        self.addCleanup(signal.signal, signal.SIGUSR1, old)
        threading.Timer(0.1, os.kill, (os.getpid(), signal.SIGUSR1)).start()
        t0 = time.monotonic()
        self.assertFalse(s.acquire(timeout=0.5))   # handler ran, wait resumed
        self.assertEqual(hits, [1])
        self.assertGreaterEqual(time.monotonic() - t0, 0.49)
        s.release()

    def test_keyboard_interrupt(self):
        import signal
        import os
        s = self.sem(1)
        s.acquire()
        threading.Timer(0.1, os.kill, (os.getpid(), signal.SIGINT)).start()
        with self.assertRaises(KeyboardInterrupt):
            s.acquire(timeout=LONG)
        self.assertEqual(s.value, 0)
        s.release()

    def test_value_and_info(self):
        s = self.sem(3, max=5) if not self.cls._bounded else self.sem(3)
        i = s.info()
        self.assertEqual(i.value, 3)
        self.assertEqual(i.max, 5 if not self.cls._bounded else 3)
        self.assertEqual(i.waiters, 0)
        s.acquire(n=2)
        self.assertEqual(s.info().undo, 2)   # this class asks for undo
        self.assertFalse(s.locked())
        s.acquire()
        self.assertTrue(s.locked())
        s.release(3)
        self.assertIsNone(s.name)
        self.assertIn("value=3", repr(s))

    def test_undo_false(self):
        s = self.sem(2, undo=False)
        s.acquire()
        self.assertEqual(s.info().undo, 0)
        s.release()

    def test_close(self):
        s = self.cls(2)
        fd = s.fileno()
        self.assertIsInstance(fd, int)
        s.close()
        s.close()
        self.assertTrue(s.closed)
        self.assertRaises(ValueError, s.acquire)
        self.assertRaises(ValueError, s.release)
        self.assertRaises(ValueError, s.fileno)
        self.assertIn("closed", repr(s))

    def test_fileno_poll(self):
        import select
        s = self.sem(1)
        p = select.poll()
        p.register(s.fileno(), select.POLLIN)
        self.assertTrue(p.poll(0))
        s.acquire()
        self.assertFalse(p.poll(0))
        s.release()

    def test_named(self):
        name = uname()
        a = self.sem(2, name=name)
        self.addCleanup(semctl.unlink, name)
        b = self.cls(name=name, create=False)   # opens, value not used
        self.addCleanup(b.close)
        self.assertEqual(b.name, name)
        a.acquire()
        self.assertEqual(b.value, 1)
        b.release()
        self.assertEqual(a.value, 2)
        c = self.cls(99 if not self.cls._bounded else 2, name=name)
        self.addCleanup(c.close)
        self.assertEqual(c.value, 2)
        self.assertRaises(FileExistsError, self.cls, 1, name=name, create="exclusive")
        self.assertRaises(FileNotFoundError, self.cls, name=uname("missing"),
                          create=False)
        self.assertRaises(ValueError, self.cls, name="a/b")
        self.assertRaises(ValueError, self.cls, name="")
        with self.assertRaises(OSError) as cm:
            self.cls(name="x" * 256)
        self.assertEqual(cm.exception.errno, errno.ENAMETOOLONG)

    def test_unlink(self):
        name = uname()
        a = self.sem(1, name=name)
        a.unlink()
        self.assertRaises(FileNotFoundError, a.unlink)
        self.assertRaises(FileNotFoundError, semctl.unlink, name)
        self.assertTrue(a.acquire(False))   # the fd keeps working
        a.release()
        self.assertRaises(ValueError, self.sem().unlink)

    def test_poison(self):
        s = self.sem(1)
        s.acquire()
        t = Threads(lambda i: s.acquire(), 1)
        self.assertTrue(waiters(s, 1))
        s.poison()
        with self.assertRaises(OSError) as cm:
            t.join()
        self.assertEqual(cm.exception.errno, errno.EIDRM)
        s.release()


class SemaphoreOnlyTests(unittest.TestCase):
    def test_release_unacquired(self):
        s = semctl.Semaphore(0)
        self.addCleanup(s.close)
        s.release()           # threading.Semaphore allows it
        s.release(5)
        self.assertEqual(s.value, 6)
        self.assertTrue(s.acquire(n=6))

    def test_max(self):
        s = semctl.Semaphore(1, max=2)
        self.addCleanup(s.close)
        s.release()
        self.assertRaises(ValueError, s.release)
        self.assertEqual(s.value, 2)
        self.assertEqual(semctl.Semaphore(0).max, semctl.VALUE_MAX)
        self.assertRaises(ValueError, semctl.Semaphore, 3, max=2)
        self.assertRaises(ValueError, semctl.Semaphore, 1, max=semctl.VALUE_MAX + 1)
        self.assertRaises(ValueError, semctl.Semaphore, semctl.VALUE_MAX + 1)


class BoundedSemaphoreTests(SemaphoreTests):
    cls = semctl.BoundedSemaphore

    def test_release_unacquired(self):
        s = semctl.BoundedSemaphore(2)
        self.addCleanup(s.close)
        self.assertRaises(ValueError, s.release)
        s.acquire()
        self.assertRaises(ValueError, s.release, 2)   # all or nothing
        self.assertEqual(s.value, 1)
        s.release()
        self.assertRaises(ValueError, s.release)

    def test_release_message(self):
        s = semctl.BoundedSemaphore(1)
        self.addCleanup(s.close)
        with self.assertRaisesRegex(ValueError, "released too many times"):
            s.release()

    def test_zero(self):
        self.assertRaises(ValueError, semctl.BoundedSemaphore, 0)

    def test_is_semaphore(self):
        self.assertTrue(issubclass(semctl.BoundedSemaphore, semctl.Semaphore))


class NoUndoSemaphoreTests(SemaphoreTests):
    """The same with undo=False: the mapped compare-and-swap path."""
    undo = False

    def sem(self, *a, **kw):
        kw.setdefault("undo", False)
        return super().sem(*a, **kw)

    def test_value_and_info(self):
        s = self.sem(3)
        if _semaphore.EXTENSION and self.cls in (semctl.Semaphore,
                                                 semctl.BoundedSemaphore):
            self.assertTrue(s._mapped)
        s.acquire(n=2)
        self.assertEqual(s.info().undo, 0)
        self.assertEqual(s.get_value(), 1)
        s.release(2)


class NoUndoBoundedSemaphoreTests(NoUndoSemaphoreTests, BoundedSemaphoreTests):
    cls = semctl.BoundedSemaphore


class FallbackSemaphoreTests(SemaphoreTests):
    cls = PySemaphore


class FallbackNoUndoSemaphoreTests(NoUndoSemaphoreTests):
    cls = PySemaphore


class FallbackBoundedSemaphoreTests(BoundedSemaphoreTests):
    cls = PyBoundedSemaphore

    def test_is_semaphore(self):
        self.assertTrue(issubclass(PyBoundedSemaphore, PySemaphore))


class ExtensionTests(unittest.TestCase):
    @unittest.skipIf(os.environ.get("SEMCTL_PY_NO_EXT"), "SEMCTL_PY_NO_EXT set")
    def test_extension_is_used(self):
        # run_tests.sh builds it: a missing extension is a failure here
        self.assertTrue(_semaphore.EXTENSION)
        self.assertEqual(type(semctl.Semaphore.acquire).__name__,
                         "method_descriptor")
        s = semctl.Semaphore(2, undo=False)
        self.addCleanup(s.close)
        self.assertTrue(s._mapped)

    def test_fast_path_counts(self):
        # 4 threads on a count of 2 through the CAS: never more than 2 in
        for cls in (semctl.Semaphore, PySemaphore):
            s = cls(2, undo=False)
            self.addCleanup(s.close)
            inside = [0, 0]
            lock = threading.Lock()

            def f(i):
                for _ in range(2000):
                    with s:
                        with lock:
                            inside[0] += 1
                            inside[1] = max(inside[1], inside[0])
                        with lock:
                            inside[0] -= 1
            Threads(f, 4).join()
            self.assertEqual(s.get_value(), 2)
            self.assertLessEqual(inside[1], 2)

    def test_close_while_blocked(self):
        # close() in one thread while another waits: no crash; the waiter
        # keeps its open file until its wait ends
        s = semctl.Semaphore(0, undo=False)
        dup = os.dup(s.fileno())
        self.addCleanup(os.close, dup)
        t = Threads(lambda i: s.acquire(timeout=0.5), 1)
        self.assertTrue(wait_for(lambda: _abi.query(dup).waiters >= 1))
        s.close()
        self.assertEqual(t.join(), [False])
        self.assertTrue(s.closed)


class CompatTests(unittest.TestCase):
    """What code written for multiprocessing and threading relies on."""
    classes = (semctl.Semaphore, PySemaphore)

    def each(self, *a, **kw):
        for cls in self.classes:
            s = cls(*a, **kw)
            self.addCleanup(s.close)
            yield s

    def test_multiprocessing_keywords(self):
        for s in self.each(2):
            self.assertIs(s.acquire(block=True), True)
            self.assertIs(s.acquire(block=True, timeout=None), True)
            self.assertEqual(s.get_value(), 0)
            self.assertIs(s.acquire(block=False), False)
            self.assertIs(s.acquire(block=True, timeout=0.05), False)
            # multiprocessing ignores a timeout when block is False
            self.assertIs(s.acquire(block=False, timeout=5), False)
            self.assertIs(s.acquire(False), False)
            self.assertRaises(TypeError, s.acquire, True, None, block=True)
            self.assertRaises(TypeError, s.acquire, bogus=1)
            s.release()
            s.release()
            self.assertEqual(s.get_value(), 2)

    def test_pattern_of_multiprocessing_semaphore(self):
        # the calls of multiprocessing's docs and tests
        for s in self.each(3):
            with s:
                self.assertEqual(s.get_value(), 2)
            self.assertTrue(s.acquire(True, 1.0))
            s.release()
            self.assertEqual(s.get_value(), 3)

    def test_repr_as_threading(self):
        pat = r"<semctl\.%s at 0x[0-9a-f]+: value=%s>"
        s = semctl.Semaphore(3)
        self.addCleanup(s.close)
        self.assertRegex(repr(s), "^%s$" % (pat % ("Semaphore", "3")))
        self.assertIn("at %#x:" % id(s), repr(s))
        s.acquire()
        self.assertRegex(repr(s), "^%s$" % (pat % ("Semaphore", "2")))
        b = semctl.BoundedSemaphore(3)
        self.addCleanup(b.close)
        self.assertRegex(repr(b), "^%s$" % (pat % ("BoundedSemaphore", "3/3")))
        b.acquire()
        self.assertRegex(repr(b), "^%s$" % (pat % ("BoundedSemaphore", "2/3")))
        m = semctl.Semaphore(1, max=5)
        self.addCleanup(m.close)
        self.assertRegex(repr(m), "^%s$" % (pat % ("Semaphore", "1/5")))
        # the very format of CPython's threading.Semaphore
        t = threading.Semaphore(3)
        self.assertEqual(re.sub("0x[0-9a-f]+", "X", repr(t)).replace("threading", "semctl"),
                         re.sub("0x[0-9a-f]+", "X", repr(s)).replace("value=2", "value=3"))
        c = semctl.Semaphore(1)
        c.close()
        self.assertRegex(repr(c), r"^<semctl\.Semaphore at 0x[0-9a-f]+: closed>$")


class ErrorMessageTests(unittest.TestCase):
    def test_open_missing_names_it(self):
        name = uname("missing")
        for call in (lambda: semctl.Semaphore.open(name),
                     lambda: semctl.Semaphore(name=name, create=False),
                     lambda: semctl.unlink(name)):
            with self.assertRaises(FileNotFoundError) as cm:
                call()
            self.assertIn(repr(name), str(cm.exception))
            self.assertEqual(cm.exception.errno, errno.ENOENT)

    def test_exclusive_exists_names_it(self):
        name = uname()
        s = semctl.Semaphore(1, name=name)
        self.addCleanup(s.close)
        self.addCleanup(semctl.unlink, name)
        with self.assertRaisesRegex(FileExistsError, re.escape(repr(name))):
            semctl.Semaphore(1, name=name, create="exclusive")

    def test_module_not_loaded_says_how_to_load(self):
        old = _abi.DEVICE
        _abi.DEVICE = "/nonexistent/semctl"
        self.addCleanup(setattr, _abi, "DEVICE", old)
        with self.assertRaises(OSError) as cm:
            semctl.Semaphore(1)
        self.assertEqual(cm.exception.errno, errno.ENODEV)
        self.assertIn("modprobe semctl", str(cm.exception))
        self.assertIn("not loaded", str(cm.exception))

    def test_default_is_no_undo(self):
        # as threading's and multiprocessing's: no undo unless asked for
        name = uname()
        for s in (semctl.Semaphore(2), semctl.BoundedSemaphore(2),
                  semctl.Semaphore(2, name=name), semctl.Semaphore.open(name),
                  PySemaphore(2)):
            self.addCleanup(s.close)
            self.assertIs(s.undo, False)
            s.acquire()
            self.assertEqual(s.info().undo, 0)
            s.release()
        semctl.unlink(name)

    def test_release_past_max_without_undo(self):
        for cls in (semctl.BoundedSemaphore, PyBoundedSemaphore):
            s = cls(1, undo=True)
            self.addCleanup(s.close)
            with self.assertRaisesRegex(ValueError, r"released too many times: "
                                        r"value 1 \+ 1 would exceed the maximum 1; "
                                        r"no units are held with undo"):
                s.release()
            s.acquire()
            with self.assertRaisesRegex(ValueError, r"value 0 \+ 2 would exceed the "
                                        r"maximum 1, while 1 units are held with undo "
                                        r"\(1 by this open file\): they are not in the way"):
                s.release(2)
            s.release()

    def test_release_past_max_with_undo_in_the_way(self):
        # a hand-off with undo: A acquires (undo), B releases, A releases
        for cls in (semctl.BoundedSemaphore, PyBoundedSemaphore):
            name = uname()
            a = cls(1, name=name, undo=True)
            self.addCleanup(a.close)
            self.addCleanup(semctl.unlink, name)
            b = cls.open(name, undo=False)
            self.addCleanup(b.close)
            a.acquire()
            b.release()
            with self.assertRaisesRegex(
                    ValueError, r"value 1 \+ 1 would exceed the maximum 1, while 1 "
                    r"units are held with undo \(1 by this open file\): they are in the way"):
                a.release()
            with self.assertRaisesRegex(ValueError, r"\(0 by this open file\)"):
                b.release()
            a.close()    # A's undo comes back, capped at the maximum
            self.assertEqual(b.get_value(), 1)


if __name__ == "__main__":
    unittest.main()
