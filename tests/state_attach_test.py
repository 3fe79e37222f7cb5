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

The metrics aggregates (docs/*_metrics_state.md, interval_coverage_state.md)
get the same treatment on a table preds kept next to runs in each file
(predicted durations, failure labels and probabilities, p10/p90 intervals):
  5. interval_coverage_merge equals interval_coverage over all.db;
     regression_metrics_merge equals regression_metrics in every member but
     medae, which is within 0.5%; classification_metrics_merge equals
     classification_metrics (probabilities with 3 digits: exact auc) and,
     with continuous probabilities, in every member but auc, which is
     within the bound model_info reports; per job; persisted states rolled up
     in levels; merged states byte for byte the state over all.db.
  6. errors: a classification state among regression states, states with
     different thresholds, no omen loaded.

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


PREDS = ("CREATE TABLE preds(run_id INTEGER PRIMARY KEY, job TEXT, actual REAL, predicted REAL, failed INTEGER, "
         "p3 REAL, p REAL, lo REAL, hi REAL)")


def preds_of(rows):
    """Predictions for the runs (a generator of its own per run, so runs stay as
    they were and a run gets the same prediction in every file)."""
    out = []
    for r in rows:
        rnd = random.Random(16 * 1000003 + r[0])
        d = r[5]
        pred = (d if d is not None else 100.0) * rnd.lognormvariate(0, 0.2)
        failed = 1 if rnd.random() < 0.25 else 0
        p = min(1.0, max(0.0, rnd.random() * 0.7 + 0.3 * failed * rnd.random()))
        lo, hi = pred * 0.8, pred * 1.25
        out.append((r[0], r[1], d, pred, failed if rnd.random() > 0.01 else None, round(p, 3), p, lo, hi))
    return out


def write_preds(path, rows):
    con = sqlite3.connect(path)
    con.execute(PREDS)
    con.executemany("INSERT INTO preds VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", preds_of(rows))
    con.commit()
    con.close()


def punion(expr, tail=""):
    return " UNION ALL ".join("SELECT %s FROM f%d.preds %s" % (expr, k, tail) for k in range(1, 5))


def drop(j, key):
    import json
    d = json.loads(j)
    d.pop(key)
    return d


def metrics_checks(con, name, ref):
    """Behaviour 5 on the four attached files."""
    import json
    one = lambda sql: con.execute(sql).fetchone()[0]
    got = one("SELECT interval_coverage_merge(s) FROM (%s)" % punion("interval_coverage_state(actual, lo, hi) AS s"))
    check(name + ".coverage", got == ref["cov"], (got, ref["cov"]))
    got = one("SELECT regression_metrics_merge(s) FROM (SELECT s FROM (%s) ORDER BY random())"
              % punion("regression_metrics_state(actual, predicted) AS s"))
    want = ref["reg"]
    m, w = json.loads(got), json.loads(want)
    check(name + ".regression", drop(got, "medae") == drop(want, "medae")
          and abs(m["medae"] - w["medae"]) <= 0.005 * w["medae"], "%s\n  vs\n%s" % (got, want))
    ref["medae_err"] = max(ref.get("medae_err", 0), abs(m["medae"] - w["medae"]) / w["medae"])
    got = one("SELECT classification_metrics_merge(s) FROM (%s)" % punion("classification_metrics_state(failed, p3, 0.3) AS s"))
    check(name + ".classification.exact", got == ref["cls"], "%s\n  vs\n%s" % (got, ref["cls"]))
    st = one("SELECT classification_metrics_state(s) FROM (%s)" % punion("classification_metrics_state(failed, p) AS s"))
    got = one("SELECT classification_metrics_merge(?)", st) if False else con.execute(
        "SELECT classification_metrics_merge(?)", (st,)).fetchone()[0]
    bound = json.loads(con.execute("SELECT model_info(?)", (st,)).fetchone()[0])["detail"]["auc_error_bound"]
    a, b = json.loads(got)["auc"], json.loads(ref["clsb"])["auc"]
    check(name + ".classification.bucketed", drop(got, "auc") == drop(ref["clsb"], "auc") and abs(a - b) <= bound,
          (got, ref["clsb"], bound))
    ref["auc_err"] = max(ref.get("auc_err", 0), abs(a - b))
    ref["auc_bound"] = bound
    check(name + ".classification.bucketed.bytes", st == ref["clsb_state"], "merged bucketed state differs")
    got = dict(con.execute("SELECT job, regression_metrics_merge(s) FROM (%s) GROUP BY job"
                           % punion("job, regression_metrics_state(actual, predicted) AS s", tail="GROUP BY job")))
    check(name + ".regression.per.job", sorted(got) == sorted(ref["reg_job"]) and all(
        drop(got[j], "medae") == drop(ref["reg_job"][j], "medae") for j in got), name)
    for k in range(1, 5):
        con.execute("CREATE TABLE f%d.mstates AS SELECT 'cov' AS fn, interval_coverage_state(actual, lo, hi) AS s FROM f%d.preds "
                    "UNION ALL SELECT 'reg', regression_metrics_state(actual, predicted) FROM f%d.preds "
                    "UNION ALL SELECT 'cls', classification_metrics_state(failed, p3, 0.3) FROM f%d.preds" % (k, k, k, k))
    levels = ("(SELECT 1 AS pair, fn, s FROM f1.mstates UNION ALL SELECT 1, fn, s FROM f2.mstates "
              " UNION ALL SELECT 2, fn, s FROM f3.mstates UNION ALL SELECT 2, fn, s FROM f4.mstates)")
    got = one("SELECT classification_metrics_merge(p) FROM (SELECT classification_metrics_state(s) AS p FROM %s "
              "WHERE fn = 'cls' GROUP BY pair)" % levels)
    check(name + ".levels.classification", got == ref["cls"], got)
    got = one("SELECT interval_coverage_merge(p) FROM (SELECT interval_coverage_state(s) AS p FROM %s "
              "WHERE fn = 'cov' GROUP BY pair)" % levels)
    check(name + ".levels.coverage", got == ref["cov"], got)
    for fn, f in (("reg", "regression_metrics_state"), ("cls", "classification_metrics_state"),
                  ("cov", "interval_coverage_state")):
        got = one("SELECT %s(s) FROM (%s)" % (f, " UNION ALL ".join(
            "SELECT s FROM f%d.mstates WHERE fn = '%s'" % (k, fn) for k in (3, 1, 4, 2))))
        check(name + ".state.bytes." + fn, got == ref[fn + "_state"], "merged %s state differs" % fn)


def union(expr, where="", tail=""):
    return " UNION ALL ".join("SELECT %s FROM f%d.runs %s %s" % (expr, k, where, tail) for k in range(1, 5))


def main():
    tmp = tempfile.mkdtemp(prefix="omen-state-attach-")
    rows = history()
    write(os.path.join(tmp, "all.db"), rows)
    write_preds(os.path.join(tmp, "all.db"), rows)
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
    ref = {
        "cov": one("SELECT interval_coverage(actual, lo, hi) FROM preds"),
        "reg": one("SELECT regression_metrics(actual, predicted) FROM preds"),
        "cls": one("SELECT classification_metrics(failed, p3, 0.3) FROM preds"),
        "clsb": one("SELECT classification_metrics(failed, p) FROM preds"),
        "clsb_state": one("SELECT classification_metrics_state(failed, p) FROM preds"),
        "reg_state": one("SELECT regression_metrics_state(actual, predicted) FROM preds"),
        "cls_state": one("SELECT classification_metrics_state(failed, p3, 0.3) FROM preds"),
        "cov_state": one("SELECT interval_coverage_state(actual, lo, hi) FROM preds"),
        "reg_job": dict(con.execute("SELECT job, regression_metrics(actual, predicted) FROM preds GROUP BY job")),
    }
    for name, part in splits.items():
        d = os.path.join(tmp, name)
        os.makedirs(d)
        for k in range(4):
            write(os.path.join(d, "f%d.db" % (k + 1)), [r for r in rows if part(r) == k])
            write_preds(os.path.join(d, "f%d.db" % (k + 1)), [r for r in rows if part(r) == k])
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
        metrics_checks(con, name, ref)
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
    # 6. metrics states: another function's state, thresholds, no omen
    got = error_of("SELECT regression_metrics_merge(s) FROM (SELECT s FROM f1.mstates WHERE fn = 'reg' "
                   "UNION ALL SELECT s FROM f2.mstates WHERE fn = 'cls')")
    check("err.metrics.function", got == "regression_metrics_merge(): the state is a classification_metrics state, from "
          "classification_metrics_state(); expected one from regression_metrics_state()", got)
    got = error_of("SELECT classification_metrics_merge(s) FROM (SELECT s FROM f1.mstates WHERE fn = 'cls' "
                   "UNION ALL SELECT classification_metrics_state(failed, p3) FROM f2.preds)")
    check("err.metrics.threshold", got == "classification_metrics_merge(): states differ: one has threshold 0.3, another "
          "0.5; merge states made with the same threshold", got)
    got = error_of("SELECT regression_metrics_merge(s) FROM f3.states")
    check("err.metrics.kind", got is not None and got.startswith("regression_metrics_merge(): "), got)
    print("state_attach: worst medae relative error %.3g (bound 0.005); worst auc |diff| %.3g (bound %.3g)"
          % (ref.get("medae_err", 0), ref.get("auc_err", 0), ref.get("auc_bound", 0)))
    plain = sqlite3.connect(os.path.join(tmp, "all.db"))
    try:
        plain.execute("SELECT welch_ttest_state(duration_s, variant) FROM runs").fetchall()
        got = None
    except sqlite3.Error as e:
        got = str(e)
    check("err.no.omen", got == "no such function: welch_ttest_state", got)
    try:
        plain.execute("SELECT regression_metrics_state(actual, predicted) FROM preds").fetchall()
        got = None
    except sqlite3.Error as e:
        got = str(e)
    check("err.no.omen.metrics", got == "no such function: regression_metrics_state", got)
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
