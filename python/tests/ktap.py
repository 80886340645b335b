# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""Run unittest modules and print KTAP: one "ok N - id" / "not ok N - id"
line per test (skips as "ok N - id # SKIP why"), details as "# " lines.
Exits 1 on any failure or error.

    python3 ktap.py [test_module ...]     (default: every test_*.py here)
"""
import faulthandler
import os
import sys
import time
import traceback
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

PER_TEST_TIMEOUT = int(os.environ.get("SEMCTL_PY_TEST_TIMEOUT", "120"))


class KtapResult(unittest.TestResult):
    def __init__(self, out):
        super().__init__()
        self.out = out
        self.n = 0
        self.failed_ids = []
        self._t0 = 0.0

    def _line(self, s):
        self.out.write(s + "\n")
        self.out.flush()

    def _diag(self, text):
        for line in text.rstrip().splitlines():
            self._line("# " + line)

    def startTest(self, test):
        super().startTest(test)
        self._t0 = time.monotonic()
        faulthandler.dump_traceback_later(PER_TEST_TIMEOUT, exit=True)

    def stopTest(self, test):
        faulthandler.cancel_dump_traceback_later()
        super().stopTest(test)

    def _id(self, test):
        return test.id().replace(" ", "_")

    def addSuccess(self, test):
        super().addSuccess(test)
        self.n += 1
        self._line("ok %d - %s (%.2fs)" % (self.n, self._id(test),
                                            time.monotonic() - self._t0))

    def _bad(self, test, err, kind):
        self.n += 1
        self.failed_ids.append(self._id(test))
        self._diag("".join(traceback.format_exception(*err)))
        self._line("not ok %d - %s # %s" % (self.n, self._id(test), kind))

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._bad(test, err, "FAIL")

    def addError(self, test, err):
        super().addError(test, err)
        self._bad(test, err, "ERROR")

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.n += 1
        self._line("ok %d - %s # SKIP %s" % (self.n, self._id(test), reason))

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self.n += 1
        self._line("ok %d - %s # XFAIL" % (self.n, self._id(test)))

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._bad(test, (AssertionError, AssertionError("unexpected success"),
                         None), "XPASS")

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._bad(subtest, err, "FAIL")


def main(argv):
    names = argv or sorted(f[:-3] for f in os.listdir(HERE)
                           if f.startswith("test_") and f.endswith(".py"))
    suite = unittest.defaultTestLoader.loadTestsFromNames(names)
    out = sys.stdout
    out.write("KTAP version 1\n1..%d\n" % suite.countTestCases())
    out.flush()
    result = KtapResult(out)
    suite.run(result)
    bad = len(result.failed_ids)
    skipped = len(result.skipped)
    xfail = len(result.expectedFailures)
    xpass = len(result.unexpectedSuccesses)
    errors = len(result.errors)
    passed = result.testsRun - bad - skipped - xfail
    out.write("# python: %d passed, %d failed, %d skipped\n"
              % (passed, bad, skipped))
    # the kselftest harness's summary line, which tools/vm/check.sh counts
    out.write("# Totals: pass:%d fail:%d xfail:%d xpass:%d skip:%d error:%d\n"
              % (passed, bad - errors - xpass, xfail, xpass, skipped, errors))
    for t in result.failed_ids:
        out.write("# failed: %s\n" % t)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
