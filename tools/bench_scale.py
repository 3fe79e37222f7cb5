#!/usr/bin/python3
"""bench_scale.py — omen on one node at 1M, 10M and 100M runs (issue 15): time
and peak memory of training, testing and scoring over a history in a file.

    /usr/bin/python3 tools/bench_scale.py [--rows 1e6,1e7,1e8] [--db PATH] [--keep]
    OMEN_SO=build-x/omen.so /usr/bin/python3 tools/bench_scale.py --rows 2e6

Not part of `make test` or `make bench` (100M rows take an hour and ~10 GB of
disk); the figures go to docs/BENCHMARKS.md, "One node, 100M runs".

Behaviours:
  1. Standard library + Python's sqlite3 only; the extension is $OMEN_SO if
     set, else build/omen.so.  The database is --db (default: a file in a new
     temp directory under $TMPDIR, removed at the end unless --keep), WAL,
     with one table runs(id, job, host, threads, size_mb, hour, variant,
     duration_s, failed): 200 jobs, 64 hosts, deterministic values from
     hash_uniform(id, seed) (the same rows on every machine), duration a
     function of job, threads, size and host plus noise, so models have
     something to learn.
  2. Rows are added in batches of 1M (one transaction each) until the table
     holds the next size of --rows; then each task below runs in a child
     process of its own (python3 loading omen), so its peak resident memory
     (ru_maxrss of that child, from os.wait4) is its own:
       welch      SELECT welch_ttest(duration_s, variant) FROM runs
       gbt        gbt_train(feature_vector(job, host, threads, size_mb, hour),
                  duration_s, {n_trees 50, max_depth 6, subsample 0.5})
       gbt_sample the same with max_rows 10,000,000 (a reservoir sample:
                  memory bounded by 10M rows whatever the table)
       iforest    isolation_forest_train(the same vectors) (n_trees 100,
                  sample_size 256: a reservoir, memory bounded)
       score_gbt  SELECT sum(predict_duration('scale_gbt', fv)) over every row
       score_ifo  SELECT sum(isolation_score('scale_iforest', fv)) over every row
     (models saved in the registry by the training tasks, scored by name:
     decoded once per connection.  A model given as a BLOB from a subquery
     or a join is compared byte for byte with the cached one on every row,
     which costs more per row than scoring a small model.)
     Each prints its wall time; the parent prints a table with rows, time,
     peak RSS and bytes of peak RSS per row, and the database's size.
  3. A task that fails (out of memory, an error) is reported with its
     message and the next runs; --skip names tasks not to run (e.g.
     --skip gbt at 100M to see the rest first).
"""
import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXTENSION = os.path.abspath(os.environ.get("OMEN_SO") or os.path.join(ROOT, "build", "omen.so"))
BATCH = 1_000_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs(
  id INTEGER PRIMARY KEY, job TEXT, host TEXT, threads INTEGER, size_mb REAL,
  hour INTEGER, variant TEXT, duration_s REAL, failed INTEGER);
"""

# One batch of rows [lo, hi): every value from hash_uniform(id, seed), so the
# history is the same on every machine and at every batch size.
INSERT = """
WITH RECURSIVE c(i) AS (SELECT :lo UNION ALL SELECT i + 1 FROM c WHERE i + 1 < :hi),
r AS (SELECT i,
             CAST(hash_uniform(i, 1) * 200 AS INTEGER) AS j,
             CAST(hash_uniform(i, 2) * 64 AS INTEGER) AS h,
             1 << CAST(hash_uniform(i, 3) * 5 AS INTEGER) AS t,
             round(10 + hash_uniform(i, 4) * 990, 1) AS s,
             CAST(hash_uniform(i, 5) * 24 AS INTEGER) AS hr,
             hash_uniform(i, 6) AS v,
             hash_uniform(i, 7) AS e,
             hash_uniform(i, 8) AS f
      FROM c)
INSERT INTO runs
SELECT i, 'job' || j, 'host' || h, t, s, hr, CASE WHEN v < 0.5 THEN 'A' ELSE 'B' END,
       (20 + (j % 17) * 7 + s / t * (1 + (h % 8) * 0.05)) * (0.8 + 0.4 * e) + CASE WHEN v < 0.5 THEN 0 ELSE 1.5 END,
       f < 0.02 + (h = 7) * 0.1
FROM r
"""

FV = "feature_vector('job', job, 'host', host, 'threads', threads, 'size_mb', size_mb, 'hour', hour)"

TASKS = {
    "welch": "SELECT welch_ttest(duration_s, variant) FROM runs",
    "gbt": "SELECT model_save('scale_gbt', gbt_train(" + FV +
           ", duration_s, '{\"n_trees\": 50, \"max_depth\": 6, \"subsample\": 0.5}')) FROM runs",
    "gbt_sample": "SELECT model_save('scale_gbt_sample', gbt_train(" + FV +
                  ", duration_s, '{\"n_trees\": 50, \"max_depth\": 6, \"subsample\": 0.5, "
                  "\"max_rows\": 10000000}')) FROM runs",
    "iforest": "SELECT model_save('scale_iforest', isolation_forest_train(" + FV +
               ", '{\"n_trees\": 100, \"sample_size\": 256}')) FROM runs",
    "score_gbt": "SELECT sum(predict_duration('scale_gbt', " + FV + ")) FROM runs",
    "score_ifo": "SELECT sum(isolation_score('scale_iforest', " + FV + ")) FROM runs",
}

CHILD = r"""
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.enable_load_extension(True)
db.load_extension(sys.argv[2])
db.execute("PRAGMA journal_mode=WAL")
t = time.perf_counter()
rows = db.execute(sys.argv[3]).fetchall()
print("elapsed", time.perf_counter() - t)
print("result", str(rows[0][0])[:80] if rows else None)
"""


def run_task(path, sql):
    """(seconds, peak RSS bytes, output) of sql in a child process."""
    p = subprocess.Popen([sys.executable, "-c", CHILD, path, EXTENSION, sql],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    secs = None
    for line in out.splitlines():
        if line.startswith("elapsed "):
            secs = float(line.split()[1])
    return secs, ru.ru_maxrss * 1024, out, p.returncode


def grow(db, have, want):
    lo = have
    while lo < want:
        hi = min(lo + BATCH, want)
        t = time.perf_counter()
        db.execute("BEGIN")
        db.execute(INSERT, {"lo": lo, "hi": hi})
        db.execute("COMMIT")
        lo = hi
        print("  rows %d (%.1f s for the batch)" % (lo, time.perf_counter() - t), file=sys.stderr, flush=True)
    return want


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", default="1e6,1e7,1e8")
    ap.add_argument("--db")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--skip", default="")
    a = ap.parse_args()
    sizes = [int(float(x)) for x in a.rows.split(",")]
    skip = set(x for x in a.skip.split(",") if x)
    tmpdir = None
    if a.db:
        path = a.db
    else:
        tmpdir = tempfile.mkdtemp(prefix="omen-scale.")
        path = os.path.join(tmpdir, "history.db")
    db = sqlite3.connect(path, isolation_level=None)
    db.enable_load_extension(True)
    db.load_extension(EXTENSION)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(SCHEMA)
    have = db.execute("SELECT count(*) FROM runs").fetchone()[0]
    print("omen %s, SQLite %s, %s" % (db.execute("SELECT omen_version()").fetchone()[0], sqlite3.sqlite_version, path))
    results = []
    try:
        for n in sizes:
            if have > n:
                print("the database already holds %d rows > %d; skipping that size" % (have, n))
                continue
            t = time.perf_counter()
            have = grow(db, have, n)
            gen = time.perf_counter() - t
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            size = os.path.getsize(path)
            print("\n%d rows (generated in %.0f s), file %.2f GB" % (n, gen, size / 1e9), flush=True)
            for name, sql in TASKS.items():
                if name in skip:
                    continue
                secs, rss, out, rc = run_task(path, sql)
                ok = rc == 0 and secs is not None
                results.append((n, name, secs, rss, ok))
                if ok:
                    print("  %-10s %9.1f s  peak RSS %7.2f GB  %7.1f bytes/row  %.0f rows/s" %
                          (name, secs, rss / 1e9, rss / n, n / secs), flush=True)
                else:
                    print("  %-10s FAILED (exit %d, peak RSS %.2f GB): %s" %
                          (name, rc, rss / 1e9, out.strip().splitlines()[-1:] if out.strip() else ""), flush=True)
    finally:
        db.close()
        if tmpdir and not a.keep:
            shutil.rmtree(tmpdir, ignore_errors=True)
    print("\n| rows | task | seconds | peak RSS (GB) | bytes/row |")
    print("|---|---|---|---|---|")
    for n, name, secs, rss, ok in results:
        print("| %d | %s | %s | %.2f | %.0f |" % (n, name, "%.1f" % secs if ok else "failed", rss / 1e9, rss / n))


if __name__ == "__main__":
    main()
