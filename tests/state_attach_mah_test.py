#!/usr/bin/python3
"""state_attach_mah_test.py — mergeable mahalanobis_train states across
database files (issue 15: histories kept on many hosts;
docs/mahalanobis_train_state.md, docs/mahalanobis_merge.md).

A history of 20,000 runs (duration, rss, cpu correlated; a constant 'ver'; a
categorical 'host'; 1 % spikes; NULL rows and rows missing rss) is written
once into all.db and, split, into four files f1..f4.db (as four hosts would
keep it). Then, through ATTACH, in ONE query each, for 'empirical' and
'ledoit_wolf':

  1. mahalanobis_merge of the four files' states, whatever the split (by
     host, by time range, a split where one file is empty and one holds only
     NULL rows) and the order of the states, agrees with mahalanobis_train
     over all.db: the same rows_used / rows_skipped / rank / threshold, the
     shrinkage and log_det within 1e-12 relative, the distance of every run
     within 1e-12 of max(d, 1), the same anomaly flags; the worst difference
     is printed;
  2. one state of all.db merged alone gives mahalanobis_train's payload byte
     for byte; states persisted in a table of each file (what a host would
     ship), rolled up in levels (files → pairs → all), give a model within
     the same bounds; a merged model saved with model_save scores by name;
  3. bad input is a clear error naming the function: a state of other
     options in one file, of another feature set, a baseline state, a
     mahalanobis model instead of a state, a damaged state; a connection
     without omen loaded says "no such function".

Run: OMEN_SO=build/omen.so /usr/bin/python3 tests/state_attach_mah_test.py
Prints failures and, last, `state_attach_mah: N passed, M failed`; exit 1
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

T = Checks("state_attach_mah")
check = T.check
N_RUNS = 20000
METHODS = ("empirical", "ledoit_wolf")
TOL = 1e-12


def history():
    rnd = random.Random(15)
    rows = []
    for i in range(1, N_RUNS + 1):
        z1, z2, z3 = rnd.gauss(0, 1), rnd.gauss(0, 1), rnd.gauss(0, 1)
        d = 600 + 40 * z1 + (500 if rnd.random() < 0.01 else 0)
        rss = None if rnd.random() < 0.02 else 2e9 + 5e7 * (0.7 * z1 + 0.7 * z2)
        cpu = 0.4 + 0.05 * (0.5 * z2 + 0.8 * z3)
        null = rnd.random() < 0.01
        rows.append((i, rnd.randrange(4), i * 30, None if null else d, rss, cpu))
    return rows


SCHEMA = "CREATE TABLE runs(run_id INTEGER PRIMARY KEY, host_id INTEGER, t INTEGER, d REAL, rss REAL, cpu REAL)"
FV = ("CASE WHEN d IS NULL THEN NULL ELSE feature_vector('dur', d, 'rss', rss, 'cpu', cpu, 'ver', 2.0, "
      "'host', 'h' || host_id) END")


def write(path, rows):
    con = sqlite3.connect(path)
    con.execute(SCHEMA)
    con.executemany("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?)", rows)
    con.commit()
    con.close()


def opts(method):
    return "'{\"method\": \"%s\"}'" % method


def union(expr, order=(1, 2, 3, 4)):
    return " UNION ALL ".join("SELECT %s FROM f%d.runs" % (expr, k) for k in order)


def info(con, blob):
    return json.loads(con.execute("SELECT model_info(?)", (blob,)).fetchone()[0])


def worst_d(con, a, b):
    """The worst |d_a - d_b| / max(d_b, 1) over all runs, and whether the anomaly flags all agree."""
    return con.execute(
        "SELECT max(abs(mahalanobis_score(?1, fv) - mahalanobis_score(?2, fv)) / max(mahalanobis_score(?2, fv), 1)), "
        "min(json_extract(anomaly_report(?1, fv), '$.is_anomaly') = json_extract(anomaly_report(?2, fv), '$.is_anomaly')) "
        "FROM (SELECT %s AS fv FROM main.runs) WHERE fv IS NOT NULL" % FV, (a, b)).fetchone()


def same_model(name, con, merged, direct):
    """Check 1 for one merged model against mahalanobis_train's."""
    g, e = info(con, merged), info(con, direct)
    tests = [
        g["kind"] == "mahalanobis" and g.get("profile") is None,
        g["rows_used"] == e["rows_used"] and g["rows_skipped"] == e["rows_skipped"],
        g["metrics"]["rows_skipped"] == e["metrics"]["rows_skipped"],
        g["detail"]["rank"] == e["detail"]["rank"] and g["detail"]["threshold"] == e["detail"]["threshold"],
        abs(g["detail"].get("shrinkage", 0) - e["detail"].get("shrinkage", 0)) <= TOL * abs(e["detail"].get("shrinkage", 0)),
        abs(g["metrics"].get("log_det", 0) - e["metrics"].get("log_det", 0)) <= TOL * max(1, abs(e["metrics"].get("log_det", 0))),
    ]
    w, flags = worst_d(con, merged, direct)
    tests += [w < TOL, flags == 1]
    check(name, all(tests), (tests, w))
    return w


def main():
    tmp = tempfile.mkdtemp(prefix="omen-state-attach-mah-")
    rows = history()
    write(os.path.join(tmp, "all.db"), rows)
    splits = {
        "host": lambda r: r[1],
        "time": lambda r: min(3, r[2] * 4 // (30 * N_RUNS + 1)),
        # file 1: the NULL rows only, file 2: the first half, file 3: the rest, file 4: empty
        "skewed": lambda r: 0 if r[3] is None else (1 if r[0] <= N_RUNS // 2 else 2),
    }
    con = connect(os.path.join(tmp, "all.db"))
    one = lambda sql, *a: con.execute(sql, a).fetchone()[0]
    direct = {m: one("SELECT mahalanobis_train(%s, %s) FROM runs" % (FV, opts(m))) for m in METHODS}
    whole = {m: one("SELECT mahalanobis_merge(s) FROM (SELECT mahalanobis_train_state(%s, %s) AS s FROM runs)"
                    % (FV, opts(m))) for m in METHODS}
    worst = 0.0
    for m in METHODS:
        # 2. one state of all rows: mahalanobis_train's payload (p = 4: 168 bytes before the footer)
        pd, pw = direct[m][-176:-8], whole[m][-176:-8]
        check("one.state.payload." + m, pd == pw and len(pd) == 168, m)
        check("one.state.metrics." + m, info(con, direct[m])["metrics"] == info(con, whole[m])["metrics"], m)
    for name, part in splits.items():
        d = os.path.join(tmp, name)
        os.makedirs(d)
        for k in range(4):
            write(os.path.join(d, "f%d.db" % (k + 1)), [r for r in rows if part(r) == k])
        for k in range(1, 5):
            con.execute("ATTACH ? AS f%d" % k, (os.path.join(d, "f%d.db" % k),))
        sizes = [one("SELECT count(*) FROM f%d.runs" % k) for k in range(1, 5)]
        check(name + ".sizes", sum(sizes) == N_RUNS, sizes)
        for m in METHODS:
            # 1. one query over four files, two orders
            got = one("SELECT mahalanobis_merge(s) FROM (%s)" % union("mahalanobis_train_state(%s, %s) AS s" % (FV, opts(m))))
            worst = max(worst, same_model("%s.%s.merge" % (name, m), con, got, direct[m]))
            got = one("SELECT mahalanobis_merge(s) FROM (SELECT * FROM (%s) ORDER BY random())"
                      % union("mahalanobis_train_state(%s, %s) AS s" % (FV, opts(m)), order=(3, 1, 4, 2)))
            worst = max(worst, same_model("%s.%s.any.order" % (name, m), con, got, direct[m]))
            # 2. persisted states, rolled up in levels
            for k in range(1, 5):
                con.execute("CREATE TABLE f%d.states_%s AS SELECT mahalanobis_train_state(%s, %s) AS s FROM f%d.runs"
                            % (k, m, FV, opts(m), k))
            got = one("SELECT mahalanobis_merge(p) FROM (SELECT mahalanobis_train_state(s) AS p FROM "
                      "(SELECT 1 AS pair, s FROM f1.states_{m} UNION ALL SELECT 1, s FROM f2.states_{m} "
                      " UNION ALL SELECT 2, s FROM f3.states_{m} UNION ALL SELECT 2, s FROM f4.states_{m}) "
                      "GROUP BY pair)".format(m=m))
            worst = max(worst, same_model("%s.%s.levels" % (name, m), con, got, direct[m]))
        for k in range(1, 5):
            con.execute("DETACH f%d" % k)
    print("  worst distance difference merged vs mahalanobis_train: %.2e (relative to max(d, 1))" % worst)

    d = os.path.join(tmp, "host")
    for k in range(1, 5):
        con.execute("ATTACH ? AS f%d" % k, (os.path.join(d, "f%d.db" % k),))
    all_states = "SELECT mahalanobis_merge(s) FROM (%s)" % " UNION ALL ".join(
        "SELECT s FROM f%d.states_empirical" % k for k in range(1, 5))
    con.execute("SELECT model_save('maha_merged', (%s))" % all_states)
    got = one("SELECT sum(mahalanobis_score('maha_merged', fv) = mahalanobis_score(?, fv)) FROM (SELECT %s AS fv "
              "FROM runs) WHERE fv IS NOT NULL" % FV, one(all_states))
    check("score.by.name", got == one("SELECT count(d) FROM runs"), got)

    # 3. bad input, through ATTACH too
    def error_of(sql):
        try:
            con.execute(sql).fetchall()
        except sqlite3.Error as e:
            return str(e)
        return None

    con.execute("UPDATE f3.states_empirical SET s = (SELECT mahalanobis_train_state(%s, '{\"seed\": 1}') FROM f3.runs)" % FV)
    got = error_of(all_states)
    check("err.options", got == "mahalanobis_merge(): states have different options: method 'empirical', "
          "contamination 0.01, seed 0 and method 'empirical', contamination 0.01, seed 1; merge states made with the "
          "same options", got)
    con.execute("UPDATE f3.states_empirical SET s = (SELECT mahalanobis_train_state(feature_vector('dur', d, 'rss', rss)) "
                "FROM f3.runs)")
    got = error_of(all_states)
    check("err.features", got == "mahalanobis_merge(): states have different features: 'cpu' is in one and not the "
          "other", got)
    con.execute("UPDATE f3.states_empirical SET s = (SELECT baseline_train_state(d) FROM f3.runs)")
    got = error_of(all_states)
    check("err.baseline", got == "mahalanobis_merge(): the state is a baseline_state state; expected a "
          "mahalanobis_state, from mahalanobis_train_state()", got)
    con.execute("UPDATE f3.states_empirical SET s = (SELECT mahalanobis_train(%s) FROM f3.runs)" % FV)
    got = error_of(all_states)
    check("err.model", got == "mahalanobis_merge(): the state is a mahalanobis state; expected a mahalanobis_state, "
          "from mahalanobis_train_state()", got)
    con.execute("UPDATE f3.states_empirical SET s = (SELECT mahalanobis_train_state(%s) FROM f3.runs)" % FV)
    con.execute("UPDATE f3.states_empirical SET s = CAST(substr(s, 1, 54) || x'ff' || substr(s, 56) AS BLOB)")
    got = error_of(all_states)
    check("err.damaged", got is not None and got.startswith("mahalanobis_merge(): "), got)
    got = error_of("SELECT mahalanobis_train_state(%s, '{\"method\": \"mcd\"}') FROM f3.runs" % FV)
    check("err.mcd", got == "mahalanobis_train_state(): method 'mcd' has no mergeable state (it fits a subsample); "
          "use 'empirical' or 'ledoit_wolf'", got)
    plain = sqlite3.connect(os.path.join(tmp, "all.db"))
    try:
        plain.execute("SELECT mahalanobis_train_state(NULL)").fetchall()
        got = None
    except sqlite3.Error as e:
        got = str(e)
    check("err.no.omen", got == "no such function: mahalanobis_train_state", got)
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
