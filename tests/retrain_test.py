#!/usr/bin/python3
"""retrain_test.py — sql/retrain.sql end to end on a history with drift
(issue 13: retrain, shadow, compare, promote or discard; health sees drift;
the event history says which version served when).

A simulated service: 100 runs a day of one job, duration a function of
(threads, input_gb) plus noise.  On day 12 the job drifts: every run takes
1.8x as long and inputs grow.  Each day the application scores the day's runs
with predict_log (champion served, challenger shadowed), the runs finish
(outcomes, a view over the runs table), and cron runs sql/retrain.sql.

Checks:
  1. Before the drift no challenger is promoted (they are discarded as no
     better), and the production version does not change.
  2. After the drift a challenger trained on post-drift runs is promoted
     within a few days, and every promotion came with evidence (its event
     note) showing the challenger's loss lower.
  3. omen_model_health shows the drift: the first production version's
     error on its newest 100 logged runs is far above its error over all,
     and input_gb (whose distribution moved) is the drifted feature.
  4. A deliberately bad challenger (trained on a scrambled target) is
     discarded, never promoted.
  5. omen_alias_history answers "which version served on day D": for every
     logged prediction, the version that served it is the one the history
     gives for that moment.

Prints failures and, last, `retrain: N passed, M failed`.
"""
import os
import random
import sqlite3
import sys
import tempfile

from omentest import Checks, connect

T = Checks("retrain")
check = T.check
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNS_PER_DAY = 100
DRIFT_DAY = 12
DAYS = 20


def run_script(con, path):
    with open(path) as f:
        text = f.read()
    out = []
    # statements end with ';' at the end of a line; comments are skipped by sqlite
    for stmt in [s for s in text.split(";\n") if s.strip() and not all(
            l.strip().startswith("--") or not l.strip() for l in s.splitlines())]:
        out.append(con.execute(stmt).fetchall())
    return out


def main():
    rng = random.Random(7)
    d = tempfile.mkdtemp(prefix="omen-retrain-")
    con = connect(os.path.join(d, "svc.db"))
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE runs(id INTEGER PRIMARY KEY, day INTEGER, finished_at TEXT, threads INTEGER, "
                "input_gb REAL, duration_s REAL)")

    def add_day(day):
        for i in range(RUNS_PER_DAY):
            threads = rng.choice([1, 2, 4, 8, 16])
            gb = rng.uniform(1, 50) * (1.6 if day >= DRIFT_DAY else 1.0)
            dur = (20 + 40 * gb / threads ** 0.7) * (1.8 if day >= DRIFT_DAY else 1.0) * rng.lognormvariate(0, 0.1)
            con.execute("INSERT INTO runs(day, finished_at, threads, input_gb, duration_s) VALUES (?, ?, ?, ?, NULL)",
                        (day, f"2026-01-{day:02d} {i // 5:02d}:{i % 5 * 10:02d}:00", threads, gb))
            con.execute("UPDATE runs SET duration_s = ? WHERE id = last_insert_rowid()", (None,))
            con.execute("CREATE TEMP TABLE IF NOT EXISTS truth(id INTEGER PRIMARY KEY, d REAL)")
            con.execute("INSERT INTO temp.truth SELECT max(id), ? FROM runs", (dur,))

    con.execute("CREATE TABLE omen_retrain(name TEXT PRIMARY KEY, train_options TEXT, compare_options TEXT, "
                "window_runs INTEGER)")
    con.execute("INSERT INTO omen_retrain VALUES ('job', '{\"n_trees\": 40}', '{\"min_runs\": 100}', 300)")
    con.execute("CREATE VIEW omen_training_rows AS SELECT 'job' AS name, "
                "feature_vector('threads', threads, 'input_gb', input_gb) AS fv, duration_s AS target, finished_at AS at "
                "FROM runs WHERE duration_s IS NOT NULL")
    con.execute("CREATE VIEW omen_outcomes AS SELECT id AS run_key, duration_s AS actual FROM runs "
                "WHERE duration_s IS NOT NULL")
    # days 1-3: history before omen; the registry starts with the first save
    for day in (1, 2, 3):
        add_day(day)
        con.execute("UPDATE runs SET duration_s = (SELECT d FROM temp.truth WHERE truth.id = runs.id) WHERE day = ?", (day,))
    con.execute("SELECT model_save('job', gbt_train(fv, target, '{\"n_trees\": 40}'), 'production') FROM omen_training_rows").fetchall()
    served_at = []  # (id, version served, at)
    decisions = []
    bad_day = 8
    for day in range(4, DAYS + 1):
        add_day(day)
        if day == bad_day:  # a bad challenger slipped in by hand: scrambled target
            con.execute("SELECT model_alias('job', 'challenger', NULL)").fetchall()
            con.execute("SELECT model_save('job', gbt_train(fv, target * (1 + abs(random()) % 3), '{\"n_trees\": 40}'), "
                        "'challenger') FROM omen_training_rows").fetchall()
            bad_version = con.execute("SELECT version FROM omen_aliases WHERE name='job' AND alias='challenger'").fetchone()[0]
        con.execute("SELECT count(predict_log(id, 'job', feature_vector('threads', threads, 'input_gb', input_gb))) "
                    "FROM runs WHERE day = ?", (day,)).fetchall()
        con.execute("UPDATE runs SET duration_s = (SELECT d FROM temp.truth WHERE truth.id = runs.id) WHERE day = ?", (day,))
        out = run_script(con, os.path.join(ROOT, "sql", "retrain.sql"))
        decisions.append((day, out[0], out[1]))
    prod_history = con.execute("SELECT version, from_at, note FROM omen_alias_history WHERE name = 'job' AND "
                               "alias = 'production' ORDER BY event_id").fetchall()
    promotions = con.execute("SELECT to_version, at, note FROM omen_model_events WHERE name = 'job' AND "
                             "alias = 'production' AND note LIKE 'promote_if_better:%' ORDER BY id").fetchall()
    # day of each promotion = the day whose retrain run made it
    promo_days = [day for day, p, _ in decisions if any(x[1] == "promoted" for x in p)]
    check("1.no.promotion.before.drift", all(dy >= DRIFT_DAY for dy in promo_days), f"promotion days {promo_days}")
    check("2.promoted.after.drift", any(DRIFT_DAY <= dy <= DRIFT_DAY + 5 for dy in promo_days),
          f"promotion days {promo_days}; decisions {decisions}")
    check("2.evidence.noted", len(promotions) >= 1 and all("mean_diff=" in n for _, _, n in promotions), repr(promotions))
    h = dict(((w), (mae, n)) for w, mae, n in con.execute(
        "SELECT win, mae, n FROM omen_model_health WHERE name = 'job' AND version = 1 AND role = 'champion'"))
    check("3.health.sees.drift", h["last_100"][0] > 1.5 * h["all"][0], repr(h))
    psi = con.execute("SELECT max_psi, drifted FROM omen_model_health WHERE name = 'job' AND version = 1 AND "
                      "role = 'champion' AND win = 'last_100'").fetchone()
    check("3.health.input.drift", psi[0] > 0.25 and psi[1] == "input_gb", repr(psi))
    bad_promoted = con.execute("SELECT count(*) FROM omen_model_events WHERE name = 'job' AND alias = 'production' "
                               "AND to_version = ?", (bad_version,)).fetchone()[0]
    check("4.bad.never.promoted", bad_promoted == 0, f"bad v{bad_version} promoted")
    bad_gone = con.execute("SELECT count(*) FROM omen_model_events WHERE name = 'job' AND alias = 'challenger' AND "
                           "from_version = ? AND to_version IS NULL AND note LIKE 'retrain.sql: discard%'",
                           (bad_version,)).fetchone()[0]
    check("4.bad.discarded", bad_gone == 1, repr(decisions))
    # 5. which version served when
    wrong = con.execute(
        "SELECT count(*) FROM omen_predictions p WHERE p.role = 'champion' AND p.version IS NOT "
        "(SELECT h.version FROM omen_alias_history h WHERE h.name = 'job' AND h.alias = 'production' "
        " AND h.from_at <= p.at AND (h.until_at IS NULL OR h.until_at > p.at))").fetchone()[0]
    total = con.execute("SELECT count(*) FROM omen_predictions WHERE role = 'champion'").fetchone()[0]
    check("5.history.answers.which.version", wrong == 0 and total == RUNS_PER_DAY * (DAYS - 3), f"{wrong} of {total}")
    print(f"production history: {[(v, n) for v, _, n in prod_history]}", file=sys.stderr) if T.failed else None
    con.close()
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
