"""Runs centrifuge-python's suite as its Makefile does (`python -m unittest discover -s tests`)
and also appends each test's outcome to a JSON-lines file as it ends (so a run cut short by
the time bound still counts what it ran), for scripts/sdk-suites.sh to count.

    python unittest_json.py OUT.jsonl [PER_TEST_SECONDS]   (run from the suite's root)

Some of the suite's tests await a server event without a deadline; against a server that never
sends it they would hang the run. Each test is bounded: after PER_TEST_SECONDS (default 60) a
TimeoutError is raised in it, and again every 10 s while its teardown still hangs.
"""

import json
import os
import signal
import sys
import time
import unittest


def _on_alarm(signum, frame):
    signal.alarm(10)
    raise TimeoutError("sdk-suites: test exceeded its time bound")


class RecordingResult(unittest.TextTestResult):
    out_path = ""
    per_test = 60

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._started = 0.0

    def startTest(self, test):
        self._started = time.monotonic()
        signal.alarm(self.per_test)
        super().startTest(test)

    def stopTest(self, test):
        signal.alarm(0)
        super().stopTest(test)

    def _record(self, test, status, detail=""):
        line = {
            "name": test.id(),
            "status": status,
            "seconds": round(time.monotonic() - self._started, 3),
            "detail": detail,
        }
        with open(self.out_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(line) + "\n")

    def addSuccess(self, test):
        super().addSuccess(test)
        self._record(test, "pass")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._record(test, "fail", self._exc_info_to_string(err, test))

    def addError(self, test, err):
        super().addError(test, err)
        # A module whose setUpModule raised is reported as one pseudo-test; its id names it.
        self._record(test, "fail", self._exc_info_to_string(err, test))

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            # Counted under its test method, so every run counts the same tests.
            trace = self._exc_info_to_string(err, test).strip()
            detail = f"{trace}\n{subtest._subDescription()}: {trace.splitlines()[-1]}"
            self._record(test, "fail", detail)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._record(test, "skip", reason)

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._record(test, "pass")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._record(test, "fail", "unexpected success")


def main():
    out = sys.argv[1]
    # `python -m unittest` puts the working directory on sys.path; the tests import `tests.*`.
    sys.path.insert(0, os.getcwd())
    open(out, "w", encoding="utf-8").close()
    RecordingResult.out_path = out
    if len(sys.argv) > 2:
        RecordingResult.per_test = int(sys.argv[2])
    signal.signal(signal.SIGALRM, _on_alarm)
    suite = unittest.defaultTestLoader.discover("tests")
    runner = unittest.TextTestRunner(verbosity=2, resultclass=RecordingResult)
    result = runner.run(suite)
    sys.exit(0 if result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
