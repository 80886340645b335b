# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""semctl.Semaphore against CPython's semaphores, side by side in one run.

    python3 bench/python/pybench.py [--smoke] [--reps N] [--duration-ms MS]

Rows (issue 13): the uncontended acquire+release pair (against
threading.Semaphore and multiprocessing.Semaphore), 4 threads on a count of
2 (threading.Semaphore) and 4 fork()ed processes on a count of 2
(multiprocessing.Semaphore). semctl is measured with undo=False (the constructor's
default: the mapped compare-and-swap while nobody waits) and with undo=True
(every call is a syscall, the kernel must record the undo).
Prints Markdown in the style of bench/semctl-bench. Needs /dev/semctl.
"""
import argparse
import multiprocessing
import os
import statistics
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "python"))

import semctl  # noqa: E402
from semctl import _semaphore  # noqa: E402

WORKERS = 4
COUNT = 2
CRITICAL = 10       # loop iterations inside the critical section


def fmt_time(ns):
    if ns >= 1e6:
        return "%.3g ms" % (ns / 1e6)
    if ns >= 1e3:
        return "%.3g µs" % (ns / 1e3)
    return "%.3g ns" % ns


def fmt_rate(r):
    if r >= 1e6:
        return "%.3g M/s" % (r / 1e6)
    if r >= 1e3:
        return "%.3g k/s" % (r / 1e3)
    return "%.3g /s" % r


def cell(vals, fmt):
    return "%s (%s–%s)" % (fmt(statistics.median(vals)), fmt(min(vals)).split()[0],
                          fmt(max(vals)))


# -- row 1: uncontended pair ------------------------------------------------

def pair_ns(sem, duration):
    acquire, release = sem.acquire, sem.release
    n = 1000
    # calibrate to about the duration, then one timed batch
    while True:
        t0 = time.perf_counter_ns()
        for _ in range(n):
            acquire()
            release()
        dt = time.perf_counter_ns() - t0
        if dt >= duration * 1e9 / 4:
            break
        n *= 4
    n = max(int(n * duration * 1e9 / dt), 1000)
    t0 = time.perf_counter_ns()
    for _ in range(n):
        acquire()
        release()
    return (time.perf_counter_ns() - t0) / n


# -- row 2: 4 threads on a count of 2 ---------------------------------------

def threads_rate(sem, duration):
    stop = False
    counts = [0] * WORKERS
    start = threading.Barrier(WORKERS + 1)

    def work(i):
        acquire, release = sem.acquire, sem.release
        n = 0
        start.wait()
        while not stop:
            acquire()
            for _ in range(CRITICAL):
                pass
            release()
            n += 1
        counts[i] = n
    ts = [threading.Thread(target=work, args=(i,)) for i in range(WORKERS)]
    for t in ts:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    time.sleep(duration)
    stop = True
    for t in ts:
        t.join()
    return sum(counts) / (time.perf_counter() - t0)


# -- row 3: 4 fork()ed processes on a count of 2 -----------------------------

def processes_rate(sem, duration):
    rfd, wfd = os.pipe()
    begin = time.monotonic() + 0.3 + 0.1 * WORKERS   # after every fork
    end = begin + duration
    pids = []
    for _ in range(WORKERS):
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                os.close(rfd)
                acquire, release = sem.acquire, sem.release
                while time.monotonic() < begin:
                    time.sleep(0.001)
                n = 0
                while True:
                    acquire()
                    for _ in range(CRITICAL):
                        pass
                    release()
                    n += 1
                    if not n & 63 and time.monotonic() >= end:
                        break
                os.write(wfd, b"%d %d\n" % (n, time.monotonic_ns()))
                code = 0
            finally:
                os._exit(code)
        pids.append(pid)
    os.close(wfd)
    data = b""
    while True:
        chunk = os.read(rfd, 4096)
        if not chunk:
            break
        data += chunk
    os.close(rfd)
    for pid in pids:
        _, status = os.waitpid(pid, 0)
        if status:
            raise RuntimeError("a benchmark child failed")
    lines = [line.split() for line in data.decode().splitlines()]
    if len(lines) != WORKERS:
        raise RuntimeError("a benchmark child did not report")
    last = max(int(t) for _, t in lines) / 1e9
    return sum(int(n) for n, _ in lines) / (last - begin)


# -- table ------------------------------------------------------------------

def run(label, make, measure, reps, duration):
    vals = []
    for _ in range(reps):
        sem = make()
        try:
            vals.append(measure(sem, duration))
        finally:
            close = getattr(sem, "close", None)
            if close and isinstance(sem, semctl.Semaphore):
                close()
    print("[bench] %s: %r" % (label, vals), file=sys.stderr)
    return vals


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--reps", type=int)
    ap.add_argument("--duration-ms", type=int)
    a = ap.parse_args()
    reps = a.reps or (1 if a.smoke else 5)
    duration = (a.duration_ms or (100 if a.smoke else 300)) / 1000
    mp = multiprocessing.get_context("fork")

    semctl_cols = [
        ("semctl undo=False (default)", lambda v: semctl.Semaphore(v)),
        ("semctl undo=True", lambda v: semctl.Semaphore(v, undo=True)),
    ]
    rows = [
        ("uncontended acquire+release pair, ns per pair", "threading.Semaphore",
         lambda: threading.Semaphore(1), lambda v: v, 1, pair_ns, True),
        ("uncontended acquire+release pair, ns per pair", "multiprocessing.Semaphore",
         lambda: mp.Semaphore(1), lambda v: v, 1, pair_ns, True),
        ("4 threads on a count of 2, acquire+release per second", "threading.Semaphore",
         lambda: threading.Semaphore(COUNT), None, COUNT, threads_rate, False),
        ("4 fork()ed processes on a count of 2, acquire+release per second",
         "multiprocessing.Semaphore", lambda: mp.Semaphore(COUNT), None, COUNT,
         processes_rate, False),
    ]
    print("### Python: semctl.Semaphore against CPython's semaphores")
    print()
    print("Python %s (%s), semctl C extension: %s; %d repetitions of %d ms per cell,"
          " median (min–max)." % (sys.version.split()[0], sys.executable,
                                  "yes" if _semaphore.EXTENSION else
                                  "**no** (pure-Python fallback)", reps,
                                  duration * 1000))
    print("Each worker: acquire, a %d-iteration Python loop, release. Ratio = semctl's speed"
          " / CPython's (time ratio inverted for ns rows); target ≥ 1.0× in every row."
          % CRITICAL)
    print("undo=True: every acquire is an ioctl (the kernel records the undo) and the kernel"
          " keeps the value word, so no compare-and-swap path exists.")
    print()
    hdr = ["case", "CPython"] + ["CPython time/rate"] + [c for c, _ in semctl_cols] + \
        ["ratio " + c for c, _ in semctl_cols] + ["target ≥ 1.0× (best semctl column)"]
    print("| " + " | ".join(hdr) + " |")
    print("|" + "---|" * len(hdr))
    verdicts = []
    for case, peer, make_peer, _, _, measure, is_time in rows:
        fmt = fmt_time if is_time else fmt_rate
        value = 1 if is_time else COUNT
        pv = run(peer + " " + case, make_peer, measure, reps, duration)
        cols, ratios = [], []
        for label, make in semctl_cols:
            sv = run(label + " " + case, lambda m=make: m(value), measure, reps,
                     duration)
            cols.append(cell(sv, fmt))
            pm, sm = statistics.median(pv), statistics.median(sv)
            ratios.append(pm / sm if is_time else sm / pm)
        best = max(range(len(ratios)), key=lambda i: ratios[i])
        ok = ratios[best] >= 1.0
        verdicts.append((case, peer, ratios, ok))
        print("| %s | `%s` | %s | %s | %s | %s |" % (
            case, peer, cell(pv, fmt), " | ".join(cols),
            " | ".join("%.2f×" % r for r in ratios),
            "%s: %.2f× (%s)" % ("MET" if ok else "**MISSES**", ratios[best],
                                semctl_cols[best][0])))
    print()
    for case, peer, ratios, ok in verdicts:
        print("- %s vs `%s`: undo=False %.2f×, undo=True %.2f× — %s" % (
            case.split(",")[0], peer, ratios[0], ratios[1],
            "MET" if ok else "**MISSES**"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
