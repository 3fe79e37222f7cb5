"""omentest.py — what the Python test scripts share: loading the extension
and counting checks.

    from omentest import Checks, connect
    t = Checks("security")
    con = connect(":memory:")
    t.check("name", ok, "why it failed")
    sys.exit(t.finish())

1. connect(path, **kw) opens path in autocommit mode (isolation_level None)
   with omen loaded from $OMEN_SO (default build/omen.so).
2. Checks(label).check(name, ok, why) counts a pass or prints
   "FAIL <label> <name>: <why>"; finish() prints the plain line
   "<label>: N passed, M failed" and returns the exit status: 1 if anything
   failed or nothing was checked, else 0.
"""
import os
import sqlite3

SO = os.environ.get("OMEN_SO", "build/omen.so")


def connect(path, **kw):
    con = sqlite3.connect(path, isolation_level=None, **kw)
    con.enable_load_extension(True)
    con.load_extension(os.path.splitext(SO)[0] if SO.endswith(".so") else SO)
    return con


class Checks:
    def __init__(self, label):
        self.label = label
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, why=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL {self.label} {name}: {why}")

    def finish(self):
        print(f"{self.label}: {self.passed} passed, {self.failed} failed")
        return 1 if self.failed or not self.passed else 0
