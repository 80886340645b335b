# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""Cross-process use with multiprocessing (fork and spawn): inheritance,
pickling (named: reopened by name; anonymous: the fd is passed), undo on
SIGKILL, and no resource_tracker noise."""
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
import unittest

from util import HERE, LONG, semctl, uname, wait_for


def _contend(sem, inside, peak, lock, hold, barrier):
    barrier.wait(LONG * 3)
    with sem:
        with lock:
            inside.value += 1
            peak.value = max(peak.value, inside.value)
        time.sleep(hold)
        with lock:
            inside.value -= 1


def _take_and_die(sem, n, ready):
    sem.acquire(n=n)
    ready.set()
    os.kill(os.getpid(), signal.SIGKILL)


def _take_and_exit(sem, n):
    sem.acquire(n=n)
    # normal exit without release: undo gives them back too


def _report(sems, q):
    for sem in sems:
        i = sem.info()
        q.put((type(sem).__name__, sem.name, i.value, i.max, sem.undo))


def _from_queue(q_in, q_out):
    sem = q_in.get(timeout=LONG)
    q_out.put(sem.try_acquire())
    sem.release()
    sem.close()


def _mp_api(sem, q):
    # the calls multiprocessing.Semaphore users write, in a child
    got = [sem.acquire(block=False), sem.get_value(),
           sem.acquire(block=True, timeout=0.05)]
    sem.release()
    q.put(got + [sem.get_value()])


def _hold_open(ready, done):
    ready.set()
    done.wait(LONG)


_pool_sem = None


def _pool_init(sem):
    global _pool_sem
    _pool_sem = sem


def _pool_task(i):
    with _pool_sem:
        return _pool_sem.info().max


class ProcessTests:
    method = None

    def setUp(self):
        self.ctx = multiprocessing.get_context(self.method)

    def sem(self, *a, **kw):
        kw.setdefault("undo", True)    # most tests here are about undo
        s = semctl.Semaphore(*a, **kw)
        self.addCleanup(s.close)
        if s.name is not None:
            self.addCleanup(semctl.unlink, s.name)
        return s

    def run_procs(self, target, args_list):
        ps = [self.ctx.Process(target=target, args=a) for a in args_list]
        for p in ps:
            p.start()
        for p in ps:
            p.join(LONG * 3)
            self.assertFalse(p.is_alive())
        return [p.exitcode for p in ps]

    def check_contention(self, sem):
        inside = self.ctx.Value("i", 0, lock=False)
        peak = self.ctx.Value("i", 0, lock=False)
        lock = self.ctx.Lock()
        barrier = self.ctx.Barrier(3)
        codes = self.run_procs(_contend, [(sem, inside, peak, lock, 0.5, barrier)] * 3)
        self.assertEqual(codes, [0] * 3)
        self.assertEqual(peak.value, 2)
        self.assertEqual(sem.value, 2)

    def test_anonymous_contention(self):
        self.check_contention(self.sem(2))

    def test_named_contention(self):
        self.check_contention(self.sem(2, name=uname()))

    def test_no_undo_contention(self):
        # undo=False: the compare-and-swap on the shared mapped word
        self.check_contention(self.sem(2, undo=False))
        self.check_contention(self.sem(2, undo=False, name=uname()))

    def test_multiprocessing_api(self):
        for kw in ({}, {"name": uname()}, {"undo": False}):
            s = self.sem(2, **kw)
            s.acquire()
            q = self.ctx.Queue()
            self.assertEqual(self.run_procs(_mp_api, [(s, q)]), [0])
            self.assertEqual(q.get(timeout=LONG), [True, 0, False, 1])
            s.release()
            self.assertEqual(s.get_value(), 2)

    def test_pickled_state(self):
        sems, want = [], []
        for named in (False, True):
            for cls in (semctl.Semaphore, semctl.BoundedSemaphore):
                s = cls(3, undo=False, name=uname() if named else None)
                self.addCleanup(s.close)
                if s.name:
                    self.addCleanup(semctl.unlink, s.name)
                sems.append(s)
                want.append((cls.__name__, s.name, 3,
                             3 if cls is semctl.BoundedSemaphore
                             else semctl.VALUE_MAX, False))
        q = self.ctx.Queue()
        self.assertEqual(self.run_procs(_report, [(sems, q)]), [0])
        self.assertEqual([q.get(timeout=LONG) for _ in sems], want)

    def test_named_crash_gives_units_back(self):
        s = self.sem(3, name=uname())
        ev = self.ctx.Event()
        codes = self.run_procs(_take_and_die, [(s, 2, ev)])
        self.assertEqual(codes, [-signal.SIGKILL])
        self.assertTrue(ev.is_set())
        self.assertTrue(wait_for(lambda: s.value == 3))

    def test_named_exit_gives_units_back(self):
        s = self.sem(3, name=uname())
        self.assertEqual(self.run_procs(_take_and_exit, [(s, 3)]), [0])
        self.assertTrue(wait_for(lambda: s.value == 3))

    def test_named_crash_while_parent_holds(self):
        # the parent's own units stay taken: undo is per process here
        s = self.sem(3, name=uname())
        s.acquire()
        ev = self.ctx.Event()
        self.run_procs(_take_and_die, [(s, 2, ev)])
        self.assertTrue(wait_for(lambda: s.value == 2))
        self.assertEqual(s.info().undo, 1)
        s.release()

    def test_anonymous_crash_shares_open_file(self):
        # Documented limit: an anonymous semaphore has one open file, shared
        # with the children (fork inherits it, spawn passes it); its undo
        # comes back when the last process holding it closes it.
        s = semctl.Semaphore(3, undo=True)
        ev = self.ctx.Event()
        self.run_procs(_take_and_die, [(s, 2, ev)])
        self.assertEqual(s.value, 1)
        dup = os.dup(s.fileno())
        self.addCleanup(os.close, dup)
        s.close()
        # nobody but our dup holds it now: query through the raw fd
        self.assertEqual(semctl._abi.query(dup).value, 1)

    def test_queue_passes_fd(self):
        # pickled outside process start: the fd travels by resource_sharer
        for kw in ({}, {"name": uname()}):
            s = self.sem(1, **kw)
            q_in, q_out = self.ctx.Queue(), self.ctx.Queue()
            p = self.ctx.Process(target=_from_queue, args=(q_in, q_out))
            p.start()
            s.acquire()
            q_in.put(s)
            self.assertIs(q_out.get(timeout=LONG), False)   # it is ours
            p.join(LONG)
            self.assertEqual(p.exitcode, 0)
            self.assertEqual(s.value, 1)                    # child released

    def test_pool_initializer(self):
        s = self.sem(2, max=7)
        with self.ctx.Pool(2, initializer=_pool_init, initargs=(s,)) as pool:
            self.assertEqual(pool.map(_pool_task, range(6)), [7] * 6)
        self.assertEqual(s.value, 2)


class ForkTests(ProcessTests, unittest.TestCase):
    method = "fork"

    def test_fork_reopens_named(self):
        # after fork a named semaphore has its own open file in the child
        s = self.sem(2, name=uname())
        s.acquire()
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                undo = s.info().undo
                s.acquire()
                os.write(w, b"%d %d" % (undo, s.info().undo))
            finally:
                os._exit(0)
        os.close(w)
        self.assertEqual(os.read(r, 100), b"0 1")
        os.close(r)
        os.waitpid(pid, 0)
        self.assertEqual(s.info().undo, 1)
        self.assertTrue(wait_for(lambda: s.value == 1))
        s.release()


    def test_fork_child_keeps_no_parent_open_file(self):
        # the forked child maps its own reopened file, not the parent's:
        # the parent's close() gives its undo units back while it lives
        s = self.sem(1, name=uname())
        s.acquire()
        ready, done = self.ctx.Event(), self.ctx.Event()
        p = self.ctx.Process(target=_hold_open, args=(ready, done))
        p.start()
        try:
            self.assertTrue(ready.wait(LONG))
            s.close()
            t = semctl.Semaphore.open(s.name)
            self.addCleanup(t.close)
            self.assertEqual(t.get_value(), 1)
        finally:
            done.set()
            p.join(LONG)
        self.assertEqual(p.exitcode, 0)


class SpawnTests(ProcessTests, unittest.TestCase):
    method = "spawn"


class NoLeakTests(unittest.TestCase):
    def test_no_resource_tracker_warnings(self):
        code = textwrap.dedent("""
            import multiprocessing as mp, sys
            sys.path.insert(0, %r)
            import semctl

            def work(sem):
                with sem:
                    pass

            if __name__ == "__main__":
                for method in ("fork", "spawn"):
                    ctx = mp.get_context(method)
                    for kw in ({}, {"name": "pyleak-%%d" %% id(ctx)}):
                        sem = semctl.Semaphore(1, **kw)
                        p = ctx.Process(target=work, args=(sem,))
                        p.start(); p.join()
                        assert p.exitcode == 0, p.exitcode
                        if sem.name:
                            sem.unlink()
                # left open on purpose: closed by the finalizer at exit
                keep = semctl.Semaphore(2)
                print("done")
        """ % os.path.dirname(HERE))
        import tempfile
        with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
            f.write(code)
        self.addCleanup(os.unlink, f.name)
        r = subprocess.run([sys.executable, "-X", "dev", f.name],
                           capture_output=True, text=True, timeout=LONG * 6)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), "done")
        self.assertEqual(r.stderr, "")


if __name__ == "__main__":
    unittest.main()
