#!/usr/bin/python3
"""state_attach_test.py — mergeable welch_ttest states across database files
(issue 15: histories kept on many hosts; docs/welch_ttest_state.md).

A history of 20,000 runs (4 jobs, 2 variants, durations around 100 s with a
few 1e6 spikes and NULLs, some on a 1e9 offset) is written once into
all.db and, split, into four files f1..f4.db (as four hosts would keep it).
Then, through ATTACH, in ONE query each:

  1. the merge of the four files' states (UNION ALL of
     `SELECT welch_ttest_state(...) FROM fN.runs`) is the same TEXT as
     welch_ttest over all.db, for three splits (by host, by time range, a
     split where one file holds one variant only and one file is empty),
     and with 'less' / 0.99;
  2. per job (GROUP BY job in each file, then in the merge): every job's
     text equals welch_ttest ... GROUP BY job on all.db;
  3. states persisted in a table of each file (what a host would ship) and
     rolled up in levels (files → pairs → all) give the same text, and the
     merged state is byte for byte welch_ttest_state over all.db;
  4. bad input is a clear error naming the function: a state of other
     settings in one file, a bandit state in one file, a damaged state; a
     connection without omen loaded says "no such function".

Run: OMEN_SO=build/omen.so /usr/bin/python3 tests/state_attach_test.py
Prints failures and, last, `state_attach: N passed, M failed`; exit 1 if
any failed.
"""
import os
import random
import sqlite3
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from omentest import Checks, connect  # noqa: E402

T = Checks("state_attach")
check = T.check
N_RUNS = 20000
JOBS = ["build", "test", "deploy", "lint"]


def history():
    rnd = random.Random(15)
    rows = []
    for i in range(1, N_RUNS + 1):
        job = JOBS[rnd.randrange(4)]
        variant = "A" if rnd.random() < 0.55 else "B"
        d = rnd.lognormvariate(4.6, 0.3) * (0.97 if variant == "B" else 1.0)
        if job == "deploy":
            d += 1e9  # a large common offset
        if rnd.random() < 0.001:
            d = 1e6  # a spike
        if rnd.random() < 0.01:
            d = None
        host = rnd.randrange(4)
        rows.append((i, job, host, i * 30, variant if rnd.random() > 0.005 else None, d))
    return rows


SCHEMA = "CREATE TABLE runs(run_id INTEGER PRIMARY KEY, job TEXT, host INTEGER, t INTEGER, variant TEXT, duration_s REAL)"


def write(path, rows):
    con = sqlite3.connect(path)
    con.execute(SCHEMA)
    con.executemany("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?)", rows)
    con.commit()
    con.close()


def union(expr, where="", tail=""):
    return " UNION ALL ".join("SELECT %s FROM f%d.runs %s %s" % (expr, k, where, tail) for k in range(1, 5))


def main():
    tmp = tempfile.mkdtemp(prefix="omen-state-attach-")
    rows = history()
    write(os.path.join(tmp, "all.db"), rows)
    splits = {
        "host": lambda r: r[2],
        "time": lambda r: min(3, r[3] * 4 // (30 * N_RUNS + 1)),
        # file 1: variant A of the first half, file 2: the rest of the first
        # half, file 3: the second half, file 4: empty
        "skewed": lambda r: (0 if r[4] == "A" else 1) if r[0] <= N_RUNS // 2 else 2,
    }
    con = connect(os.path.join(tmp, "all.db"))
    one = lambda sql, *a: con.execute(sql, a).fetchone()[0]
    whole = one("SELECT welch_ttest(duration_s, variant) FROM runs")
    whole_less = one("SELECT welch_ttest(duration_s, variant, 'less', 0.99) FROM runs")
    whole_state = one("SELECT welch_ttest_state(duration_s, variant) FROM runs")
    per_job = dict(con.execute("SELECT job, welch_ttest(duration_s, variant) FROM runs GROUP BY job"))
    check("history", whole is not None and len(per_job) == 4, "no answer over all.db")
    for name, part in splits.items():
        d = os.path.join(tmp, name)
        os.makedirs(d)
        for k in range(4):
            write(os.path.join(d, "f%d.db" % (k + 1)), [r for r in rows if part(r) == k])
        for k in range(1, 5):
            con.execute("ATTACH ? AS f%d" % k, (os.path.join(d, "f%d.db" % k),))
        sizes = [one("SELECT count(*) FROM f%d.runs" % k) for k in range(1, 5)]
        check(name + ".sizes", sum(sizes) == N_RUNS, sizes)
        # 1. one query over four files
        got = one("SELECT welch_ttest_merge(s) FROM (%s)" % union("welch_ttest_state(duration_s, variant) AS s"))
        check(name + ".merge", got == whole, "%s\n  !=\n%s" % (got, whole))
        got = one("SELECT welch_ttest_merge(s) FROM (%s)" % union("welch_ttest_state(duration_s, variant, 'less', 0.99) AS s"))
        check(name + ".merge.less", got == whole_less, "%s\n  !=\n%s" % (got, whole_less))
        got = one("SELECT welch_ttest_merge(s) FROM (SELECT s FROM (%s) ORDER BY random())"
                  % union("welch_ttest_state(duration_s, variant) AS s"))
        check(name + ".merge.any.order", got == whole, got)
        # 2. per job
        got = dict(con.execute("SELECT job, welch_ttest_merge(s) FROM (%s) GROUP BY job"
                               % union("job, welch_ttest_state(duration_s, variant) AS s", tail="GROUP BY job")))
        check(name + ".per.job", got == per_job,
              [j for j in per_job if got.get(j) != per_job[j]])
        # 3. persisted states, rolled up in levels; the state's bytes
        for k in range(1, 5):
            con.execute("CREATE TABLE f%d.states AS SELECT welch_ttest_state(duration_s, variant) AS s FROM f%d.runs"
                        % (k, k))
        got = one("SELECT welch_ttest_merge(p) FROM (SELECT welch_ttest_state(s) AS p FROM "
                  "(SELECT 1 AS pair, s FROM f1.states UNION ALL SELECT 1, s FROM f2.states "
                  " UNION ALL SELECT 2, s FROM f3.states UNION ALL SELECT 2, s FROM f4.states) GROUP BY pair)")
        check(name + ".levels", got == whole, got)
        got = one("SELECT welch_ttest_state(s) FROM (%s)" % " UNION ALL ".join(
            "SELECT s FROM f%d.states" % k for k in (4, 2, 3, 1)))
        check(name + ".state.bytes", got == whole_state, "merged state differs from welch_ttest_state over all.db")
        for k in range(1, 5):
            con.execute("DETACH f%d" % k)

    # 4. bad input, through ATTACH too
    d = os.path.join(tmp, "host")
    for k in range(1, 5):
        con.execute("ATTACH ? AS f%d" % k, (os.path.join(d, "f%d.db" % k),))
    con.execute("UPDATE f3.states SET s = (SELECT welch_ttest_state(duration_s, variant, 'greater') FROM f3.runs)")

    def error_of(sql):
        try:
            con.execute(sql).fetchall()
        except sqlite3.Error as e:
            return str(e)
        return None

    all_states = "SELECT welch_ttest_merge(s) FROM (%s)" % " UNION ALL ".join(
        "SELECT s FROM f%d.states" % k for k in range(1, 5))
    want = ("welch_ttest_merge(): states differ: one has alternative 'two-sided' and confidence 0.95, another "
            "'greater' and confidence 0.95; merge states made with the same settings")
    got = error_of(all_states)
    check("err.settings", got == want, got)
    con.execute("UPDATE f3.states SET s = (SELECT bandit_update(variant, 1) FROM f3.runs)")
    got = error_of(all_states)
    check("err.bandit", got == "welch_ttest_merge(): the state is a bandit state; expected a welch_state, from "
                              "welch_ttest_state()", got)
    con.execute("UPDATE f3.states SET s = CAST(substr(s, 1, 50) || x'00' || substr(s, 52) AS BLOB)")
    got = error_of(all_states)
    check("err.damaged", got is not None and got.startswith("welch_ttest_merge(): "), got)
    plain = sqlite3.connect(os.path.join(tmp, "all.db"))
    try:
        plain.execute("SELECT welch_ttest_state(duration_s, variant) FROM runs").fetchall()
        got = None
    except sqlite3.Error as e:
        got = str(e)
    check("err.no.omen", got == "no such function: welch_ttest_state", got)
    plain.close()
    con.close()
    for root, dirs, files in os.walk(tmp, topdown=False):
        for f in files:
            os.remove(os.path.join(root, f))
        for x in dirs:
            os.rmdir(os.path.join(root, x))
    os.rmdir(tmp)
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
