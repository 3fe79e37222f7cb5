#!/usr/bin/python3
"""bench_history.py — run_history() against the SQL idiom it replaces: the
window functions plus correlated subquery of tools/bench_real.py (HISTORY_SQL).

    /usr/bin/python3 tools/bench_history.py [--rows N] [--keys K] [--seed S] [--swf NAME] [--skip-sql]
    OMEN_DATA=/path/to/data /usr/bin/python3 tools/bench_history.py --swf CTC-SP2

Behaviours:
  1. build/omen.so is loaded with enable_load_extension/load_extension
     (missing: exit 1).  Standard library only; in-memory databases.
  2. Synthetic runs (default): --rows (1,000,000) jobs of --keys (50,000)
     users, seeded (--seed, default 1): submits 0-59 s apart, a user drawn
     half uniformly, half from a heavy-tailed (Pareto) activity law, 20
     executables, waits 0-3600 s, log-normal run times (3% unknown), the
     requested time 1-5 times the run time (10% unknown).  The table has
     bench_real's SWF columns (tools/swf_load.py), so HISTORY_SQL runs on it
     unchanged.  --swf NAME loads a real log instead ($OMEN_DATA, else
     ../shared/data; absent: message, exit 0).
  3. Timed, wall clock, each on a fresh copy of the runs table:
       a. run_history by user alone: SELECT count(*) ... FROM run_history
          (the scan), then CREATE TABLE AS SELECT * FROM run_history
          (every column materialised);
       b. the features of bench_real (u_* by user, ue_* by (user, exe)):
          HISTORY_SQL's statements up to the dur_pos bookkeeping (tables
          done, hist_u, hist_ue, their indexes, and feat with the correlated
          subqueries), imported from tools/bench_real.py;
       c. the same features from two run_history scans (by user, and by
          (user, exe)) joined back to the runs: tools' idiom in
          sql/history_features.sql.
     The ratio b / c is printed.  --skip-sql skips b (and the check).
  4. Checked: every u_* and ue_* column of b equals c's (u_n, u_last,
     u_last2, u_ratio_last, ue_n, ue_last exactly; u_mean, u_ratio_mean,
     ue_mean within 1e-12 relative, and the number of bit-identical values
     printed: SQLite 3.40 sums in the same order, so all of them); exit 1
     on any difference.
"""
import argparse
import os
import random
import sqlite3
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXTENSION = os.path.join(ROOT, "build", "omen.so")
sys.path.insert(0, os.path.join(ROOT, "tools"))

COLUMNS = ("job_id INTEGER PRIMARY KEY, submit INTEGER, wait INTEGER, run INTEGER, procs_alloc INTEGER, "
           "cpu_avg REAL, mem_used REAL, procs_req INTEGER, time_req INTEGER, mem_req REAL, status INTEGER, "
           "user INTEGER, grp INTEGER, exe INTEGER, queue INTEGER, partition INTEGER, submit_unix INTEGER, "
           "submit_hour INTEGER, submit_wday INTEGER")

RUNS_VIEW = """
CREATE TEMP VIEW runs_for_history AS
SELECT job_id, user, exe, submit, submit + coalesce(wait, 0) + run AS end_t,
       CASE WHEN run >= 0 THEN run END AS run, time_req
  FROM runs
"""
OPT_U = ('{"id": "job_id", "key": "user", "end": "end_t", "duration": "run", '
         '"requested": "time_req"}')
OPT_UE = ('{"id": "job_id", "key": ["user", "exe"], "end": "end_t", "duration": "run", '
          '"requested": "time_req"}')
FEATURES_RH = f"""
CREATE TABLE feat_rh AS
SELECT r.job_id, u.n AS u_n, u.mean AS u_mean, u.last1 AS u_last, u.mean_last2 AS u_last2,
       u.ratio_last AS u_ratio_last, u.ratio_mean AS u_ratio_mean,
       ue.n AS ue_n, ue.mean AS ue_mean, ue.last1 AS ue_last
  FROM runs AS r
  JOIN run_history('runs_for_history', '{OPT_U}') AS u ON u.id = r.job_id
  JOIN run_history('runs_for_history', '{OPT_UE}') AS ue ON ue.id = r.job_id
"""
EXACT = ["u_n", "u_last", "u_last2", "u_ratio_last", "ue_n", "ue_last"]
CLOSE = ["u_mean", "u_ratio_mean", "ue_mean"]


def connect():
    if not os.path.exists(EXTENSION):
        sys.exit(f"bench_history.py: {EXTENSION} is missing; run make first")
    con = sqlite3.connect(":memory:", isolation_level=None)
    con.enable_load_extension(True)
    con.load_extension(os.path.splitext(EXTENSION)[0])
    con.enable_load_extension(False)
    return con


def synthetic_rows(n, keys, seed):
    rng = random.Random(seed)
    t = 1_600_000_000
    for i in range(1, n + 1):
        t += rng.randrange(60)
        if rng.random() < 0.5:
            user = rng.randrange(keys)
        else:
            user = min(int(rng.paretovariate(1.1)) - 1, keys - 1)
        run = int(rng.lognormvariate(6.0, 1.5))
        if rng.random() < 0.03:
            run = None
        req = int((run if run is not None else 600) * rng.uniform(1, 5)) + 1 if rng.random() < 0.9 else None
        yield (i, t, rng.randrange(3600), run, None, None, None, 1, req, None, 1, user, None, rng.randrange(20),
               None, None, t, None, None)


def load(con, args):
    """Fill con's runs table; returns a label."""
    if args.swf:
        import swf_load
        data = os.environ.get("OMEN_DATA") or os.path.normpath(os.path.join(ROOT, "..", "shared", "data"))
        hits = sorted(f for f in os.listdir(data) if f.startswith(args.swf) and f.endswith(".swf.gz")) \
            if os.path.isdir(data) else []
        if not hits:
            print(f"bench_history.py: no SWF log {args.swf}* in {data}; skipped")
            sys.exit(0)
        info = swf_load.load_swf(con, os.path.join(data, hits[0]))
        return f"{hits[0]}: {info['rows']:,} jobs"
    con.execute(f"CREATE TABLE runs({COLUMNS})")
    con.executemany(f"INSERT INTO runs VALUES ({', '.join('?' * 19)})",
                    synthetic_rows(args.rows, args.keys, args.seed))
    return f"synthetic: {args.rows:,} runs of {args.keys:,} users (seed {args.seed})"


def timed(con, sql, script=False):
    t0 = time.perf_counter()
    if script:
        con.executescript(sql)
    else:
        con.execute(sql).fetchall()
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--keys", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--swf", help="a real SWF log by name prefix (e.g. CTC-SP2) instead of synthetic runs")
    ap.add_argument("--skip-sql", action="store_true", help="do not run the SQL idiom (slow)")
    args = ap.parse_args()

    con = connect()
    t0 = time.perf_counter()
    label = load(con, args)
    n = con.execute("SELECT count(*) FROM runs").fetchone()[0]
    users = con.execute("SELECT count(DISTINCT user) FROM runs").fetchone()[0]
    print(f"bench_history — {label}; {users:,} distinct users; loaded in {time.perf_counter() - t0:.1f} s")
    print(f"SQLite {sqlite3.sqlite_version}, omen {con.execute('SELECT omen_version()').fetchone()[0]}; "
          "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    con.execute(RUNS_VIEW)

    t_scan = timed(con, f"SELECT count(*), sum(n), sum(running), sum(all_running) "
                        f"FROM run_history('runs_for_history', '{OPT_U}')")
    t_mat = timed(con, f"CREATE TABLE rh_u AS SELECT * FROM run_history('runs_for_history', '{OPT_U}')")
    print(f"a. run_history by user, {n:,} rows: scan {t_scan:.2f} s; every column into a table {t_mat:.2f} s")

    t_rh = timed(con, FEATURES_RH)
    print(f"c. u_* and ue_* features from two run_history scans joined to the runs: {t_rh:.2f} s")
    if args.skip_sql:
        return 0

    import bench_real
    sql = bench_real.HISTORY_SQL.split("-- dur_pos")[0]
    t_sql = timed(con, sql, script=True)
    print(f"b. the same features with bench_real's HISTORY_SQL (windows + correlated subqueries): {t_sql:.2f} s")
    print(f"   ratio b / c: {t_sql / t_rh:.1f}x")

    status = 0
    join = "FROM feat AS f JOIN feat_rh AS h ON h.job_id = f.job_id"
    nf, nj = con.execute(f"SELECT (SELECT count(*) FROM feat), count(*) {join}").fetchone()
    if nf != nj:
        print(f"bench_history.py: {nf} feat rows but {nj} joined", file=sys.stderr)
        status = 1
    parts = []
    for c in EXACT:
        bad = con.execute(f"SELECT count(*) {join} WHERE NOT (f.{c} IS h.{c})").fetchone()[0]
        parts.append(f"{c} {bad}")
        status |= bad > 0
    for c in CLOSE:
        bad, same = con.execute(
            f"SELECT sum(NOT ((f.{c} IS NULL AND h.{c} IS NULL) OR "
            f"coalesce(abs(f.{c} - h.{c}) <= 1e-12 * abs(f.{c}), 0))), sum(f.{c} IS h.{c}) {join}").fetchone()
        parts.append(f"{c} {bad} ({same:,} bit-identical)")
        status |= bad > 0
    print(f"   differences, {nj:,} rows: " + ", ".join(parts))
    if status:
        print("bench_history.py: run_history and HISTORY_SQL disagree", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
