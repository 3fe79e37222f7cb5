#!/usr/bin/python3
"""make_help_test.py — `make help` lists every target, one clean line each.

Usage: /usr/bin/python3 tests/make_help_test.py [--label WORD]     (from anywhere)

Behaviours:
  1. The targets are the names in the Makefile's `.PHONY:` lines
     (backslash continuations joined).
  2. `make -s --no-print-directory help` is run in the repo root; a line
     `  <target>  <description>` (two spaces, the name, spaces, text) lists a
     target.  Each .PHONY target listed exactly once with a non-empty
     description is a pass; each one missing, listed twice or without a
     description is a failure; a listed name that is not a .PHONY target is a
     failure (the list went stale).
  3. Raw Makefile text in the output (a line starting with `#`, a recipe
     line with a tab, or an unexpanded `$(`) is a failure; so is a non-zero
     exit of make.
  4. The last line is `<label>: N passed, M failed`; exit 1 if M > 0 or N = 0.
Standard library only.
"""

import os
import re
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LINE_RE = re.compile(r"^  ([A-Za-z0-9_.-]+) +(\S.*)$")


def phony_targets():
    with open(os.path.join(REPO, "Makefile"), encoding="utf-8") as f:
        text = f.read().replace("\\\n", " ")
    names = []
    for line in text.split("\n"):
        if line.startswith(".PHONY:"):
            names += line[len(".PHONY:"):].split()
    return names


def main(argv):
    label = argv[argv.index("--label") + 1] if "--label" in argv else "make_help"
    passed = failed = 0

    def fail(msg):
        nonlocal failed
        failed += 1
        print("FAIL make help: " + msg, flush=True)

    targets = phony_targets()
    if not targets:
        fail("no .PHONY targets found in the Makefile")
    make = os.environ.get("MAKE", "make")
    try:
        p = subprocess.run([make, "-s", "--no-print-directory", "help"], cwd=REPO, capture_output=True,
                           text=True, timeout=60)
        out, rc = p.stdout, p.returncode
    except (OSError, subprocess.TimeoutExpired) as e:
        out, rc = "", -1
        fail("cannot run make help: %s" % e)
    if rc != 0:
        fail("exit status %d" % rc)
    listed = {}
    for line in out.split("\n"):
        if line.startswith("#") or "\t" in line or "$(" in line:
            fail("raw Makefile text in the output: %r" % line)
        m = LINE_RE.match(line)
        if m:
            listed.setdefault(m.group(1), []).append(m.group(2).strip())
    for t in targets:
        if t not in listed:
            fail("target %r is not listed" % t)
        elif len(listed[t]) > 1:
            fail("target %r is listed %d times" % (t, len(listed[t])))
        elif not listed[t][0]:
            fail("target %r has no description" % t)
        else:
            passed += 1
    for name in sorted(set(listed) - set(targets)):
        fail("%r is listed but is not a .PHONY target of the Makefile" % name)
    print("%s: %d passed, %d failed" % (label, passed, failed), flush=True)
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
