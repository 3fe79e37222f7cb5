#!/usr/bin/python3
"""state_attach_scaler_test.py — mergeable scaler_train states across
database files (issue 15: histories kept on many hosts;
docs/scaler_train_state.md, docs/scaler_merge.md).

A history of 20,000 runs (features cpu around 1e6, mem log-normal with a few
±1e300 spikes, host TEXT; NULL values and NULL vectors) is written once into
all.db and, split, into four files f1..f4.db (as four hosts would keep it).
Then, through ATTACH, in ONE query each:

  1. scaler_merge of the four files' states (UNION ALL of
     `SELECT scaler_train_state(fv, method) FROM fN.runs`) is the same BLOB,
     byte for byte, as scaler_train over all.db, for every method and three
     splits (by host, by time range, a split where one file holds only NULL
     vectors and one file is empty), in any order of the states;
  2. per job (GROUP BY job in each file, then in the merge): every job's
     model equals scaler_train ... GROUP BY job on all.db;
  3. states persisted in a table of each file (what a host would ship),
     rolled up in levels (files → pairs → all), give the same model; the
     merged state is byte for byte scaler_train_state over all.db; the merged
     model saved with model_save scales every row as scaler_train's does;
  4. bad input is a clear error naming the function: a state of another
     method in one file, of another feature set, a welch state, a damaged
     state; a connection without omen loaded says "no such function".

Run: OMEN_SO=build/omen.so /usr/bin/python3 tests/state_attach_scaler_test.py
Prints failures and, last, `state_attach_scaler: N passed, M failed`; exit 1
if any failed.
"""
import os
import random
import sqlite3
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from omentest import Checks, connect  # noqa: E402

T = Checks("state_attach_scaler")
check = T.check
N_RUNS = 20000
JOBS = ["build", "test", "deploy", "lint"]
METHODS = ["standard", "minmax", "robust"]
FV = "feature_vector('cpu', cpu, 'mem', mem, 'host', host)"


def history():
    rnd = random.Random(15)
    rows = []
    for i in range(1, N_RUNS + 1):
        job = JOBS[rnd.randrange(4)]
        cpu = 1e6 + rnd.gauss(50, 10) if rnd.random() > 0.02 else None
        mem = rnd.lognormvariate(3, 1) if rnd.random() > 0.0005 else 1e300 * (rnd.random() - 0.5)
        host = "h%d" % rnd.randrange(9) if rnd.random() > 0.01 else None
        null_fv = 1 if rnd.random() < 0.005 else 0
        rows.append((i, job, rnd.randrange(4), i * 30, null_fv, cpu, mem, host))
    return rows


SCHEMA = ("CREATE TABLE runs(run_id INTEGER PRIMARY KEY, job TEXT, host_id INTEGER, t INTEGER, null_fv INTEGER, "
          "cpu REAL, mem REAL, host TEXT)")
VIEW = "CREATE VIEW fvs AS SELECT run_id, job, CASE WHEN null_fv THEN NULL ELSE %s END AS fv FROM runs" % FV


def write(path, rows):
    con = sqlite3.connect(path)
    con.execute(SCHEMA)
    con.executemany("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.commit()
    con.close()


def fv_of(k):
    return "CASE WHEN f%d.runs.null_fv THEN NULL ELSE %s END" % (k, FV)


def union(expr, tail=""):
    return " UNION ALL ".join("SELECT %s FROM f%d.runs %s" % (expr.replace("FV", fv_of(k)), k, tail)
                              for k in range(1, 5))


def main():
    tmp = tempfile.mkdtemp(prefix="omen-state-attach-scaler-")
    rows = history()
    write(os.path.join(tmp, "all.db"), rows)
    splits = {
        "host": lambda r: r[2],
        "time": lambda r: min(3, r[3] * 4 // (30 * N_RUNS + 1)),
        # file 1: the NULL vectors only, file 2: the first half, file 3: the rest, file 4: empty
        "skewed": lambda r: 0 if r[4] else (1 if r[0] <= N_RUNS // 2 else 2),
    }
    con = connect(os.path.join(tmp, "all.db"))
    con.execute(VIEW)
    one = lambda sql, *a: con.execute(sql, a).fetchone()[0]
    whole = {m: one("SELECT scaler_train(fv, ?) FROM fvs", m) for m in METHODS}
    whole_state = one("SELECT scaler_train_state(fv) FROM fvs")
    per_job = dict(con.execute("SELECT job, scaler_train(fv) FROM fvs GROUP BY job"))
    check("history", all(whole.values()) and len(per_job) == 4, "no model over all.db")
    check("history.exact", one("SELECT json_extract(model_info(?), '$.detail.exact')", whole_state) == 1,
          "the history should stay in the exact range")
    for name, part in splits.items():
        d = os.path.join(tmp, name)
        os.makedirs(d)
        for k in range(4):
            write(os.path.join(d, "f%d.db" % (k + 1)), [r for r in rows if part(r) == k])
        for k in range(1, 5):
            con.execute("ATTACH ? AS f%d" % k, (os.path.join(d, "f%d.db" % k),))
        sizes = [one("SELECT count(*) FROM f%d.runs" % k) for k in range(1, 5)]
        check(name + ".sizes", sum(sizes) == N_RUNS, sizes)
        # 1. one query over four files, every method, any order
        for m in METHODS:
            got = one("SELECT scaler_merge(s) FROM (%s)" % union("scaler_train_state(FV, '%s') AS s" % m))
            check("%s.merge.%s" % (name, m), got == whole[m], "merged model differs from scaler_train")
        got = one("SELECT scaler_merge(s) FROM (SELECT s FROM (%s) ORDER BY random())"
                  % union("scaler_train_state(FV) AS s"))
        check(name + ".merge.any.order", got == whole["standard"], "merged model differs")
        # 2. per job
        got = dict(con.execute("SELECT job, scaler_merge(s) FROM (%s) GROUP BY job"
                               % union("job, scaler_train_state(FV) AS s", tail="GROUP BY job")))
        check(name + ".per.job", got == per_job, [j for j in per_job if got.get(j) != per_job[j]])
        # 3. persisted states, rolled up in levels; the state's bytes
        for k in range(1, 5):
            con.execute("CREATE TABLE f%d.states AS SELECT scaler_train_state(%s) AS s FROM f%d.runs"
                        % (k, fv_of(k), k))
        got = one("SELECT scaler_merge(p) FROM (SELECT scaler_train_state(s) AS p FROM "
                  "(SELECT 1 AS pair, s FROM f1.states UNION ALL SELECT 1, s FROM f2.states "
                  " UNION ALL SELECT 2, s FROM f3.states UNION ALL SELECT 2, s FROM f4.states) GROUP BY pair)")
        check(name + ".levels", got == whole["standard"], "rolled-up model differs")
        got = one("SELECT scaler_train_state(s) FROM (%s)" % " UNION ALL ".join(
            "SELECT s FROM f%d.states" % k for k in (4, 2, 3, 1)))
        check(name + ".state.bytes", got == whole_state, "merged state differs from scaler_train_state over all.db")
        for k in range(1, 5):
            con.execute("DETACH f%d" % k)

    # the merged model in use: saved, then scale() by name on every row
    d = os.path.join(tmp, "host")
    for k in range(1, 5):
        con.execute("ATTACH ? AS f%d" % k, (os.path.join(d, "f%d.db" % k),))
    con.execute("SELECT model_save('merged_scaler', scaler_merge(s)) FROM (SELECT s FROM f1.states UNION ALL "
                "SELECT s FROM f2.states UNION ALL SELECT s FROM f3.states UNION ALL SELECT s FROM f4.states)")
    got = one("SELECT sum(scale('merged_scaler', fv) IS scale(?, fv)) FROM fvs", whole["standard"])
    check("scale.by.name", got == N_RUNS, got)

    # 4. bad input, through ATTACH too
    def error_of(sql):
        try:
            con.execute(sql).fetchall()
        except sqlite3.Error as e:
            return str(e)
        return None

    all_states = "SELECT scaler_merge(s) FROM (%s)" % " UNION ALL ".join(
        "SELECT s FROM f%d.states" % k for k in range(1, 5))
    con.execute("UPDATE f3.states SET s = (SELECT scaler_train_state(%s, 'robust') FROM f3.runs)" % fv_of(3))
    got = error_of(all_states)
    check("err.method", got == "scaler_merge(): states have different methods: 'standard' and 'robust'", got)
    con.execute("UPDATE f3.states SET s = (SELECT scaler_train_state(feature_vector('cpu', cpu, 'cpu_pct', cpu, "
                "'host', host, 'mem', mem)) FROM f3.runs)")
    got = error_of(all_states)
    check("err.features", got == "scaler_merge(): states have different features: 'cpu_pct' is in one and not "
                                 "the other", got)
    con.execute("UPDATE f3.states SET s = (SELECT welch_ttest_state(cpu, host_id % 2) FROM f3.runs)")
    got = error_of(all_states)
    check("err.welch", got == "scaler_merge(): the state is a welch_state state; expected a scaler_state, from "
                              "scaler_train_state()", got)
    con.execute("UPDATE f3.states SET s = (SELECT scaler_train_state(%s) FROM f3.runs)" % fv_of(3))
    con.execute("UPDATE f3.states SET s = CAST(substr(s, 1, 54) || x'ff' || substr(s, 56) AS BLOB)")
    got = error_of(all_states)
    check("err.damaged", got is not None and got.startswith("scaler_merge(): "), got)
    plain = sqlite3.connect(os.path.join(tmp, "all.db"))
    try:
        plain.execute("SELECT scaler_train_state(NULL)").fetchall()
        got = None
    except sqlite3.Error as e:
        got = str(e)
    check("err.no.omen", got == "no such function: scaler_train_state", got)
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
