# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""The seed's examples (python/examples/stdlib/) run on semctl with only the
import and the constructor line changed, and the mixed example."""
import difflib
import os
import re
import subprocess
import sys
import unittest

from util import HERE, LONG

TOP = os.path.dirname(HERE)
EXAMPLES = os.path.join(TOP, "examples")


def run(script, *args):
    env = dict(os.environ, PYTHONPATH=TOP, PYTHONUNBUFFERED="1")
    return subprocess.run([sys.executable, os.path.join(EXAMPLES, script)] + list(args),
                          capture_output=True, text=True, env=env, timeout=LONG * 12)


class SeedExamples(unittest.TestCase):
    def check(self, script, last, module="semctl"):
        with open(os.path.join(EXAMPLES, "stdlib", script)) as f:
            orig = f.read().splitlines()
        with open(os.path.join(EXAMPLES, script)) as f:
            ours = f.read().splitlines()
        changed = [l for l in difflib.ndiff(orig, ours) if l[:2] in ("- ", "+ ")]
        self.assertEqual(len([l for l in changed if l.startswith("+ ")]), 2, changed)
        self.assertIn("+ import " + module, changed)
        self.assertTrue(any(re.match(r"\+ +semaphore = %s\.Semaphore\(2\)$"
                                     % re.escape(module), l)
                            for l in changed), changed)
        self.assertEqual(len([l for l in changed if l.startswith("- ")]), 1, changed)

        r = run(script)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        lines = r.stdout.splitlines()
        self.assertEqual(lines[-1], last)
        # Unbuffered print() writes the text and the newline separately, so
        # two threads' lines can share a line: scan events, not lines.
        inside = peak = 0
        for m in re.finditer(r"(acquired|released) access", r.stdout):
            inside += 1 if m.group(1) == "acquired" else -1
            peak = max(peak, inside)
        self.assertEqual(peak, 2, r.stdout)
        self.assertEqual(inside, 0)
        self.assertEqual(r.stdout.count("acquired access"), 3)

    def test_threading(self):
        self.check("seed_threading.py", "All workers finished execution!")

    def test_multiprocessing(self):
        self.check("seed_multiprocessing.py", "All processes finished execution!")

    def test_multiprocessing_spawn(self):
        self.check("seed_multiprocessing_spawn.py", "All processes finished execution!")

    def test_asyncio(self):
        # asyncio code gets asyncio.Semaphore's API from semctl.asyncio
        self.check("seed_asyncio.py", "Task 2 released access! ✅",
                   module="semctl.asyncio")


class MixedExample(unittest.TestCase):
    def test_mixed(self):
        r = run("mixed.py", "--hold", "0.5")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("max inside at once: 2 (slots: 2)", r.stdout)
        self.assertIn("semaphore value back to 2 of 2", r.stdout)
        kinds = set(re.findall(r"\] (\w+) +worker \d+ acquired", r.stdout))
        self.assertEqual(kinds, {"fork", "spawn", "thread", "asyncio"})


if __name__ == "__main__":
    unittest.main()
