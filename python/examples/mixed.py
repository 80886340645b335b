# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""The seed scenario with every kind of worker at once: threads, processes
(fork and spawn) and asyncio tasks share ONE semctl semaphore of 2 slots.

A counter in shared memory (multiprocessing.Value) records how many
workers are inside; the script exits non-zero unless the peak is exactly 2
and the semaphore is back to 2 at the end.

    PYTHONPATH=python python3 python/examples/mixed.py [--hold SECONDS]
"""
import asyncio
import multiprocessing
import sys
import threading
import time

import semctl

T0 = time.monotonic()


def log(kind, worker_id, what):
    print(f"[{time.monotonic() - T0:6.2f}s] {kind:<7} worker {worker_id} {what}",
          flush=True)


def enter(inside, peak):
    with inside.get_lock():
        inside.value += 1
        if inside.value > peak.value:
            peak.value = inside.value


def leave(inside):
    with inside.get_lock():
        inside.value -= 1


def worker(kind, worker_id, semaphore, inside, peak, hold):
    """A thread or a process: the blocking API."""
    log(kind, worker_id, "is waiting to access the resource...")
    with semaphore:
        enter(inside, peak)
        log(kind, worker_id, "acquired access! 🚀")
        time.sleep(hold)
        log(kind, worker_id, "released access! ✅")
        leave(inside)


async def task(worker_id, semaphore, inside, peak, hold):
    log("asyncio", worker_id, "is waiting to access the resource...")
    async with semaphore:
        enter(inside, peak)
        log("asyncio", worker_id, "acquired access! 🚀")
        await asyncio.sleep(hold)
        log("asyncio", worker_id, "released access! ✅")
        leave(inside)


async def tasks(ids, semaphore, inside, peak, hold):
    await asyncio.gather(*(task(i, semaphore, inside, peak, hold) for i in ids))


def main():
    hold = float(sys.argv[sys.argv.index("--hold") + 1]) if "--hold" in sys.argv else 1.0
    semaphore = semctl.Semaphore(2)
    # The counter's lock must come from the spawn context: on 3.11 a
    # multiprocessing lock made in the fork context crashes a spawned child
    # (3.12 refuses it).  The semctl semaphore has no such restriction.
    shared = multiprocessing.get_context("spawn")
    inside = shared.Value("i", 0)
    peak = shared.Value("i", 0)
    args = (semaphore, inside, peak, hold)

    workers = []
    for i, method in ((0, "fork"), (1, "spawn")):
        ctx = multiprocessing.get_context(method)
        workers.append(ctx.Process(target=worker, args=(method, i) + args))
    for i in (2, 3):
        workers.append(threading.Thread(target=worker, args=("thread", i) + args))
    loop_thread = threading.Thread(target=lambda: asyncio.run(tasks((4, 5), *args)))
    workers.append(loop_thread)
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    codes = [w.exitcode for w in workers if hasattr(w, "exitcode")]

    print(f"max inside at once: {peak.value} (slots: 2)")
    print(f"semaphore value back to {semaphore.value} of 2")
    ok = peak.value == 2 and semaphore.value == 2 and codes == [0, 0]
    print("All workers finished execution!" if ok else f"FAILED (exit codes {codes})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
