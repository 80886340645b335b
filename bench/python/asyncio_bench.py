#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""asyncio.Semaphore against semctl.asyncio.Semaphore, side by side in one
run: 100 tasks on a count of 10, each looping `async with sem: await
asyncio.sleep(0)`; total acquires per second, median of the repetitions
(alternated, so that drift hits both alike).  Prints markdown rows.

    bench/python/asyncio_bench.py [--reps 5] [--acquires 20000] [--smoke]

Needs /dev/semctl (run it in the VM):
    tools/vm/run --kernel 6.12 --module .cache/build/6.12/module/semctl.ko \\
        -- /usr/bin/python3 bench/python/asyncio_bench.py
"""
import argparse
import asyncio
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "python"))
import semctl.asyncio  # noqa: E402
from semctl import _aio  # noqa: E402

TASKS, COUNT = 100, 10


async def run(make, acquires):
    sem = make()
    per_task = acquires // TASKS

    async def worker():
        for _ in range(per_task):
            async with sem:
                await asyncio.sleep(0)
    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(TASKS)))
    dt = time.perf_counter() - t0
    if hasattr(sem, "close"):
        sem.close()
    return per_task * TASKS / dt


def measure(make, acquires, mode=None):
    old = _aio.MODE
    if mode:
        _aio.MODE = mode
    try:
        return asyncio.run(run(make, acquires))
    finally:
        _aio.MODE = old


def rate(x):
    return "%.1f k/s" % (x / 1e3) if x < 1e6 else "%.2f M/s" % (x / 1e6)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--acquires", type=int, default=20000)
    ap.add_argument("--smoke", action="store_true")
    a = ap.parse_args()
    if a.smoke:
        a.reps, a.acquires = 1, 2000
    cols = [
        ("asyncio.Semaphore", lambda: asyncio.Semaphore(COUNT), None),
        ("semctl.asyncio.Semaphore", lambda: semctl.asyncio.Semaphore(COUNT), None),
        ("semctl, poll mode", lambda: semctl.asyncio.Semaphore(COUNT), "poll"),
        ("semctl, undo=True", lambda: semctl.asyncio.Semaphore(COUNT, undo=True),
         None),
    ]
    res = {c[0]: [] for c in cols}
    for name, make, mode in cols:          # warm-up
        measure(make, a.acquires // 10, mode)
    for _ in range(a.reps):
        for name, make, mode in cols:
            res[name].append(measure(make, a.acquires, mode))

    async def m():
        return _aio.mode()
    default_mode = asyncio.run(m())
    med = {k: statistics.median(v) for k, v in res.items()}
    base = med["asyncio.Semaphore"]

    def cell(k):
        v = res[k]
        return "%s (%s–%s)" % (rate(med[k]), rate(min(v)), rate(max(v)))
    print("| case | CPython | semctl | ratio |")
    print("|---|---|---|---|")
    k = "semctl.asyncio.Semaphore"
    verdict = "MET" if med[k] >= base else "**MISSES**"
    print("| asyncio, %d tasks on a count of %d, acquires/s (%s mode) | "
          "`asyncio.Semaphore` %s | %s | %.2f× (target ≥ 1.0×: %s) |"
          % (TASKS, COUNT, default_mode, cell("asyncio.Semaphore"), cell(k),
             med[k] / base, verdict))
    for k in ("semctl, poll mode", "semctl, undo=True"):
        print("| … %s | | %s | %.2f× |" % (k, cell(k), med[k] / base))
    print()
    print("%d repetitions of %d acquires each, alternated; median (min–max); "
          "kernel %s, Python %s." % (a.reps, a.acquires, os.uname().release,
                                      sys.version.split()[0]))


if __name__ == "__main__":
    main()
