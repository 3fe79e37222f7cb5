#!/usr/bin/python3
"""readme_test.py — every SQL block of README.md runs, as written, on the demo database.

Usage (from anywhere; paths are relative to the repo root):
  /usr/bin/python3 tests/readme_test.py [-v] [--label WORD] [FILE.md ...]   (default README.md)

The extension is $OMEN_SO if set, else build/omen.so; the shell is $SQLITE3
(default sqlite3).  Standard library only.

Behaviours:
  1. The demo database is built the way `make demo` (tools/demo) builds
     build/demo.db, but in a temp dir: sql/demo_data.sql, then sql/demo.sql
     (its output discarded), each through `sqlite3 -batch -bail` with the
     extension loaded.  Either failing is one failure ("setup") and no block
     runs.  build/demo.db itself is never read or written.
  2. Every fenced block whose info string starts with `sql` is run, blocks in
     file order, in ONE sqlite3 shell session on that database (as a user
     pasting them in would), with -bail.  A `.load build/omen` line is run as
     `.load $OMEN_SO` (without the .so suffix), so another build can be tested.
  3. Each SQL statement is a case; dot-commands are run but not counted.  A
     case passes if it runs without an error and writes nothing to stderr,
     and, when comment lines `-- => <text>` follow it, its output lines (list
     mode, `|` between columns, NULL empty) are exactly those texts, in order.
     A statement without `-- =>` lines passes if it runs cleanly.
  4. The first failing statement stops the session (-bail); the cases after
     it fail as "not reached".  Failure lines: `FAIL <file>:<line>: <why>`,
     with the line of the statement's first line in the .md file.
  5. A file with no sql block, an unterminated block or statement, or a
     `-- =>` line with no statement before it in its block is one failure.
  6. The last line is `<label>: N passed, M failed`; the exit status is 1 if
     M > 0 or N = 0.
"""

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FENCE_RE = re.compile(r"^( {0,3})(`{3,}|~{3,})\s*([^`]*)$")
EXPECT_RE = re.compile(r"^--\s*=>\s?(.*)$")
LOAD_RE = re.compile(r"^\.load\s+build/omen(\.so)?\s*$")
MARK = "@@readme_test@@"
TIMEOUT = 300


class Stmt:
    def __init__(self, path, line, text, dot):
        self.path = path      # the .md file
        self.line = line      # 1-based line of its first line in the .md
        self.text = text      # the statement (or dot-command) as written
        self.dot = dot        # a dot-command: run, not counted
        self.expect = None    # list of expected output lines, or None

    def where(self):
        return "%s:%d" % (os.path.relpath(self.path, REPO), self.line)


def blocks(path):
    """Yield (first line number, [lines]) for each sql block; raise on a bad fence."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    fence = None
    for i, line in enumerate(lines):
        if fence is None:
            m = FENCE_RE.match(line)
            if m:
                info = m.group(3).split()
                fence = (m.group(2), bool(info) and info[0].lower() == "sql", i + 2, [])
            continue
        s = line.strip()
        if len(line) - len(line.lstrip(" ")) <= 3 and len(s) >= len(fence[0]) and set(s) == {fence[0][0]}:
            if fence[1]:
                yield fence[2], fence[3]
            fence = None
            continue
        fence[3].append(line)
    if fence is not None:
        raise ValueError("%s:%d: fence never closed" % (os.path.relpath(path, REPO), fence[2] - 1))


def parse(path):
    """Return (statements, problems) for one .md file."""
    stmts, problems = [], []
    try:
        found = list(blocks(path))
    except ValueError as e:
        return [], [str(e)]
    if not found:
        problems.append("%s: no ```sql block" % os.path.relpath(path, REPO))
    for first, lines in found:
        buf, start, last = [], None, None
        for k, line in enumerate(lines):
            no = first + k
            if not buf:
                m = EXPECT_RE.match(line.strip())
                if m:
                    if last is None or last.dot:
                        problems.append("%s:%d: '-- =>' line with no statement before it" %
                                        (os.path.relpath(path, REPO), no))
                    else:
                        last.expect = (last.expect or []) + [m.group(1).rstrip()]
                    continue
                if not line.strip() or line.strip().startswith("--"):
                    continue
                if line.startswith("."):
                    last = Stmt(path, no, line.strip(), True)
                    stmts.append(last)
                    continue
                start = no
            buf.append(line)
            text = "\n".join(buf)
            if sqlite3.complete_statement(text):
                last = Stmt(path, start, text, False)
                stmts.append(last)
                buf = []
        if buf:
            problems.append("%s:%d: statement never ends (no ';')" % (os.path.relpath(path, REPO), start))
    return stmts, problems


def shell_cmd(sqlite, db):
    return [sqlite, "-init", os.devnull, "-batch", "-bail", db]


def build_demo(sqlite, so, db):
    """Build the demo database like tools/demo; return None or an error text."""
    load = ".load %s\n" % os.path.splitext(so)[0] if so.endswith(".so") else ".load %s\n" % so
    for script in ("sql/demo_data.sql", "sql/demo.sql"):
        with open(os.path.join(REPO, script), encoding="utf-8") as f:
            sql = f.read()
        try:
            p = subprocess.run(shell_cmd(sqlite, db), input=load + sql, capture_output=True, text=True,
                               cwd=REPO, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            return "%s timed out" % script
        if p.returncode != 0 or p.stderr.strip():
            return "%s failed (exit %d): %s" % (script, p.returncode, p.stderr.strip()[:500])
    return None


def main(argv):
    verbose = "-v" in argv
    argv = [a for a in argv[1:] if a != "-v"]
    label = "readme"
    if "--label" in argv:
        i = argv.index("--label")
        label = argv[i + 1]
        del argv[i:i + 2]
    files = [os.path.join(REPO, a) if not os.path.isabs(a) else a for a in argv] or [os.path.join(REPO, "README.md")]
    so = os.environ.get("OMEN_SO", "build/omen.so")
    so = so if os.path.isabs(so) else os.path.join(REPO, so)
    sqlite = os.environ.get("SQLITE3", "sqlite3")
    passed = failed = 0

    def fail(msg):
        nonlocal failed
        failed += 1
        print("FAIL " + msg, flush=True)

    stmts = []
    for path in files:
        s, problems = parse(path)
        stmts += s
        for p in problems:
            fail(p)
    cases = [s for s in stmts if not s.dot]
    if not os.path.exists(so):
        fail("setup: %s is missing (make)" % os.path.relpath(so, REPO))
        print("%s: %d passed, %d failed" % (label, passed, failed + len(cases)))
        return 1
    if shutil.which(sqlite) is None:
        fail("setup: the sqlite3 shell (%s) is not installed" % sqlite)
        print("%s: %d passed, %d failed" % (label, passed, failed + len(cases)))
        return 1

    tmp = tempfile.mkdtemp(prefix="omen-readme.")
    try:
        db = os.path.join(tmp, "demo.db")
        err = build_demo(sqlite, so, db)
        if err:
            fail("setup: building the demo database: " + err)
            failed += len(cases)
            print("%s: %d passed, %d failed" % (label, passed, failed))
            return 1
        feed = []
        for i, s in enumerate(stmts):
            feed.append(".print '%s %d'" % (MARK, i))
            if s.dot and LOAD_RE.match(s.text):
                feed.append(".load %s" % os.path.splitext(so)[0])
            else:
                feed.append(s.text)
        feed.append(".print '%s end'" % MARK)
        try:
            p = subprocess.run(shell_cmd(sqlite, db), input="\n".join(feed) + "\n", capture_output=True,
                               text=True, cwd=REPO, timeout=TIMEOUT)
            out, errtext, rc = p.stdout, p.stderr, p.returncode
        except subprocess.TimeoutExpired as e:
            out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
            errtext, rc = "timed out after %d s" % TIMEOUT, -1
        # Split stdout at the markers: output[i] = lines printed by statement i.
        output, current, ended = {}, None, False
        for line in out.split("\n"):
            if line.startswith(MARK + " "):
                tag = line[len(MARK) + 1:]
                if tag == "end":
                    ended = True
                    current = None
                else:
                    current = int(tag)
                    output[current] = []
            elif current is not None:
                output[current].append(line)
        if output:
            last = max(output)
            if output[last] and output[last][-1] == "":
                output[last].pop()
        crashed_at = None if ended and rc == 0 and not errtext.strip() else (max(output) if output else 0)
        for i, s in enumerate(stmts):
            if crashed_at is not None and i > crashed_at:
                if not s.dot:
                    fail("%s: not reached (an earlier statement failed)" % s.where())
                continue
            if crashed_at is not None and i == crashed_at:
                why = errtext.strip().replace("\n", " / ") or "exit status %d" % rc
                if s.dot:
                    fail("%s: %s failed: %s" % (s.where(), s.text, why))
                else:
                    fail("%s: %s" % (s.where(), why))
                continue
            if s.dot:
                continue
            got = output.get(i, [])
            if s.expect is not None and got != s.expect:
                fail("%s: printed %r; the README says %r" % (s.where(), got, s.expect))
                continue
            passed += 1
            if verbose:
                print("pass %s" % s.where())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%s: %d passed, %d failed" % (label, passed, failed), flush=True)
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
