#!/usr/bin/python3
"""state_attach_bstate_test.py — mergeable baseline_train states across
database files (issue 15: histories kept on many hosts;
docs/baseline_train_state.md, docs/baseline_merge.md).

A history of 20,000 runs of four jobs (durations log-normal around 60 s to
20 min with 1 % spikes ×10, rss around 2e9, NULL durations) is written once
into all.db and, split, into four files f1..f4.db (as four hosts would keep
it). Then, through ATTACH, in ONE query each:

  1. per job (GROUP BY job in each file, then in the merge): baseline_merge
     of the four files' states is the same BLOB, byte for byte, whatever the
     split (by host, by time range, a split where one file is empty and one
     holds only NULL durations) and the order of the states, and equals
     baseline_merge(baseline_train_state(...)) over all.db;
  2. against baseline_train over all.db: n, min, max, rows exact; mean, sd
     within 1e-12; median and quantiles within alpha |value| (alpha 0.0005),
     MAD and MeanAD within the documented bound; the robust z of every run
     within 6 % (+0.06) and the anomaly flags agreeing on >= 99.5 % of runs;
     feature vectors (dur, rss) too;
  3. states persisted in a table of each file (what a host would ship),
     rolled up in levels (files → pairs → all), give the same models; the
     merged state is byte for byte baseline_train_state over all.db; a
     merged model saved with model_save scores by name;
  4. bad input is a clear error naming the function: a state of other
     options in one file, of another feature set, a welch state, a baseline
     model instead of a state, a damaged state; a connection without omen
     loaded says "no such function".

Run: OMEN_SO=build/omen.so /usr/bin/python3 tests/state_attach_bstate_test.py
Prints failures and, last, `state_attach_bstate: N passed, M failed`; exit 1
if any failed.
"""
import json
import os
import random
import sqlite3
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from omentest import Checks, connect  # noqa: E402

T = Checks("state_attach_bstate")
check = T.check
N_RUNS = 20000
JOBS = {"build": 60.0, "test": 240.0, "deploy": 1200.0, "lint": 8.0}
ALPHA = 0.0005


def history():
    rnd = random.Random(16)
    rows = []
    names = sorted(JOBS)
    for i in range(1, N_RUNS + 1):
        job = names[rnd.randrange(4)]
        d = JOBS[job] * rnd.lognormvariate(0, 0.12) * (10 if rnd.random() < 0.01 else 1)
        if rnd.random() < 0.01:
            d = None
        rows.append((i, job, rnd.randrange(4), i * 30, d, 2e9 + rnd.gauss(0, 5e7)))
    return rows


SCHEMA = "CREATE TABLE runs(run_id INTEGER PRIMARY KEY, job TEXT, host_id INTEGER, t INTEGER, d REAL, rss REAL)"


def write(path, rows):
    con = sqlite3.connect(path)
    con.execute(SCHEMA)
    con.executemany("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?)", rows)
    con.commit()
    con.close()


def union(expr, order=(1, 2, 3, 4), tail=""):
    return " UNION ALL ".join("SELECT %s FROM f%d.runs %s" % (expr, k, tail) for k in order)


def feats(con, blob):
    return json.loads(con.execute("SELECT model_info(?)", (blob,)).fetchone()[0])["detail"]["features"]


def compare(name, con, merged, direct):
    """Check 2 for one job's models (dicts of feature -> statistics)."""
    ok, why = True, []
    for f, e in direct.items():
        g = merged[f]
        tests = [
            g["n"] == e["n"] and g["n_kept"] == g["n"] and g["min"] == e["min"] and g["max"] == e["max"],
            abs(g["mean"] - e["mean"]) <= 1e-12 * abs(e["mean"]),
            abs(g["sd"] - e["sd"]) <= 1e-12 * e["sd"],
            abs(g["median"] - e["median"]) <= ALPHA * 1.01 * abs(e["median"]),
            all(abs(g[q] - e[q]) <= ALPHA * 1.01 * abs(e[q]) for q in ("p5", "p25", "p75", "p95")),
            abs(g["mad"] - e["mad"]) <= ALPHA * (e["mad"] + 2 * 1.01 * abs(e["median"])),
            abs(g["meanad"] - e["meanad"]) <= ALPHA * (abs(e["mean"]) + 1.01 * abs(e["median"])),
            g["scale_source"] == e["scale_source"],
        ]
        if not all(tests):
            ok = False
            why.append((f, tests))
    check(name, ok, why)


def main():
    tmp = tempfile.mkdtemp(prefix="omen-state-attach-bstate-")
    rows = history()
    write(os.path.join(tmp, "all.db"), rows)
    splits = {
        "host": lambda r: r[2],
        "time": lambda r: min(3, r[3] * 4 // (30 * N_RUNS + 1)),
        # file 1: the NULL durations only, file 2: the first half, file 3: the rest, file 4: empty
        "skewed": lambda r: 0 if r[4] is None else (1 if r[0] <= N_RUNS // 2 else 2),
    }
    con = connect(os.path.join(tmp, "all.db"))
    one = lambda sql, *a: con.execute(sql, a).fetchone()[0]
    direct = dict(con.execute("SELECT job, baseline_train(d) FROM runs GROUP BY job"))
    whole = dict(con.execute("SELECT job, baseline_merge(s) FROM (SELECT job, baseline_train_state(d) AS s "
                             "FROM runs GROUP BY job) GROUP BY job"))
    whole_state = dict(con.execute("SELECT job, baseline_train_state(d) FROM runs GROUP BY job"))
    fv = "feature_vector('dur', d, 'rss', rss)"
    direct_fv = dict(con.execute("SELECT job, baseline_train(%s) FROM runs GROUP BY job" % fv))
    check("history", len(direct) == 4 and all(whole.values()), "no models over all.db")
    # 2. against baseline_train
    for job in JOBS:
        compare("stats." + job, con, feats(con, whole[job]), feats(con, direct[job]))
    worst = one("SELECT max(abs(baseline_score(w.m, r.d) - baseline_score(x.m, r.d)) / (abs(baseline_score(x.m, r.d)) + 1)) "
                "FROM runs AS r JOIN (SELECT column1 AS job, column2 AS m FROM (VALUES %s)) AS w USING (job) "
                "JOIN (SELECT column1 AS job, column2 AS m FROM (VALUES %s)) AS x USING (job) WHERE r.d IS NOT NULL"
                % (", ".join("('%s', x'%s')" % (j, whole[j].hex()) for j in JOBS),
                   ", ".join("('%s', x'%s')" % (j, direct[j].hex()) for j in JOBS)))
    check("scores.close", worst < 0.06, worst)
    agree = one("SELECT avg(baseline_is_anomaly(w.m, r.d) = baseline_is_anomaly(x.m, r.d)) "
                "FROM runs AS r JOIN (SELECT column1 AS job, column2 AS m FROM (VALUES %s)) AS w USING (job) "
                "JOIN (SELECT column1 AS job, column2 AS m FROM (VALUES %s)) AS x USING (job) WHERE r.d IS NOT NULL"
                % (", ".join("('%s', x'%s')" % (j, whole[j].hex()) for j in JOBS),
                   ", ".join("('%s', x'%s')" % (j, direct[j].hex()) for j in JOBS)))
    check("flags.agree", agree >= 0.995, agree)
    print("  worst robust-z difference %.4f (relative, +1 floor); anomaly flags agree on %.4f of runs" % (worst, agree))
    for name, part in splits.items():
        d = os.path.join(tmp, name)
        os.makedirs(d)
        for k in range(4):
            write(os.path.join(d, "f%d.db" % (k + 1)), [r for r in rows if part(r) == k])
        for k in range(1, 5):
            con.execute("ATTACH ? AS f%d" % k, (os.path.join(d, "f%d.db" % k),))
        sizes = [one("SELECT count(*) FROM f%d.runs" % k) for k in range(1, 5)]
        check(name + ".sizes", sum(sizes) == N_RUNS, sizes)
        # 1. per job, one query over four files, any order
        got = dict(con.execute("SELECT job, baseline_merge(s) FROM (%s) GROUP BY job"
                               % union("job, baseline_train_state(d) AS s", tail="GROUP BY job")))
        check(name + ".per.job", got == whole, [j for j in whole if got.get(j) != whole[j]])
        got = dict(con.execute("SELECT job, baseline_merge(s) FROM (SELECT * FROM (%s) ORDER BY random()) GROUP BY job"
                               % union("job, baseline_train_state(d) AS s", order=(3, 1, 4, 2), tail="GROUP BY job")))
        check(name + ".any.order", got == whole, [j for j in whole if got.get(j) != whole[j]])
        got = dict(con.execute("SELECT job, baseline_merge(s) FROM (%s) GROUP BY job"
                               % union("job, baseline_train_state(%s) AS s" % fv, tail="GROUP BY job")))
        for job in JOBS:
            compare("%s.vectors.%s" % (name, job), con, feats(con, got[job]), feats(con, direct_fv[job]))
        # 3. persisted states, rolled up in levels; the state's bytes
        for k in range(1, 5):
            con.execute("CREATE TABLE f%d.states AS SELECT job, baseline_train_state(d) AS s FROM f%d.runs GROUP BY job"
                        % (k, k))
        got = dict(con.execute(
            "SELECT job, baseline_merge(p) FROM (SELECT job, baseline_train_state(s) AS p FROM "
            "(SELECT 1 AS pair, job, s FROM f1.states UNION ALL SELECT 1, job, s FROM f2.states "
            " UNION ALL SELECT 2, job, s FROM f3.states UNION ALL SELECT 2, job, s FROM f4.states) GROUP BY pair, job) "
            "GROUP BY job"))
        check(name + ".levels", got == whole, [j for j in whole if got.get(j) != whole[j]])
        got = dict(con.execute("SELECT job, baseline_train_state(s) FROM (%s) GROUP BY job" % " UNION ALL ".join(
            "SELECT job, s FROM f%d.states" % k for k in (4, 2, 3, 1))))
        check(name + ".state.bytes", got == whole_state, [j for j in whole if got.get(j) != whole_state[j]])
        for k in range(1, 5):
            con.execute("DETACH f%d" % k)

    d = os.path.join(tmp, "host")
    for k in range(1, 5):
        con.execute("ATTACH ? AS f%d" % k, (os.path.join(d, "f%d.db" % k),))
    con.execute("SELECT model_save('merged_' || job, baseline_merge(s)) FROM (SELECT job, s FROM f1.states UNION ALL "
                "SELECT job, s FROM f2.states UNION ALL SELECT job, s FROM f3.states UNION ALL "
                "SELECT job, s FROM f4.states) GROUP BY job")
    got = one("SELECT sum(baseline_score('merged_' || job, d) = baseline_score(?, d)) FROM runs WHERE job = 'build'",
              whole["build"])
    check("score.by.name", got == one("SELECT count(d) FROM runs WHERE job = 'build'"), got)

    # 4. bad input, through ATTACH too
    def error_of(sql):
        try:
            con.execute(sql).fetchall()
        except sqlite3.Error as e:
            return str(e)
        return None

    all_states = "SELECT job, baseline_merge(s) FROM (%s) GROUP BY job" % " UNION ALL ".join(
        "SELECT job, s FROM f%d.states" % k for k in range(1, 5))
    con.execute("UPDATE f3.states SET s = (SELECT baseline_train_state(d, '{\"seed\": 1}') FROM f3.runs "
                "WHERE job = 'test') WHERE job = 'test'")
    got = error_of(all_states)
    check("err.options", got is not None and got.startswith("baseline_merge(): states have different options: ")
          and "seed 1" in got, got)
    con.execute("UPDATE f3.states SET s = (SELECT baseline_train_state(feature_vector('dur', d)) FROM f3.runs "
                "WHERE job = 'test') WHERE job = 'test'")
    got = error_of(all_states)
    check("err.features", got in ("baseline_merge(): states have different features: 'dur' is in one and not the "
                                  "other", "baseline_merge(): states have different features: 'value' is in one and "
                                  "not the other"), got)
    con.execute("UPDATE f3.states SET s = (SELECT welch_ttest_state(d, host_id % 2) FROM f3.runs) WHERE job = 'test'")
    got = error_of(all_states)
    check("err.welch", got == "baseline_merge(): the state is a welch_state state; expected a baseline_state, from "
                              "baseline_train_state()", got)
    con.execute("UPDATE f3.states SET s = (SELECT baseline_train(d) FROM f3.runs WHERE job = 'test') WHERE job = 'test'")
    got = error_of(all_states)
    check("err.model", got == "baseline_merge(): the state is a baseline state; expected a baseline_state, from "
                              "baseline_train_state()", got)
    con.execute("UPDATE f3.states SET s = (SELECT baseline_train_state(d) FROM f3.runs WHERE job = 'test') "
                "WHERE job = 'test'")
    con.execute("UPDATE f3.states SET s = CAST(substr(s, 1, 54) || x'ff' || substr(s, 56) AS BLOB) WHERE job = 'test'")
    got = error_of(all_states)
    check("err.damaged", got is not None and got.startswith("baseline_merge(): "), got)
    plain = sqlite3.connect(os.path.join(tmp, "all.db"))
    try:
        plain.execute("SELECT baseline_train_state(NULL)").fetchall()
        got = None
    except sqlite3.Error as e:
        got = str(e)
    check("err.no.omen", got == "no such function: baseline_train_state", got)
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
