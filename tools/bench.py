#!/usr/bin/python3
"""bench.py — omen's foundation functions timed against SQLite built-ins
(and scipy, when present), on generated 1,000,000- and 10,000,000-row tables.

    make bench                   (builds build/omen.so, checks packages, runs this)
    /usr/bin/python3 tools/bench.py [--reps N] [--quick]

Behaviours:
  1. Stdlib + Python's sqlite3 only; build/omen.so is loaded with
     enable_load_extension/load_extension.  numpy and scipy are optional
     (part (c) and the p-value check are skipped without them).
  2. One file database in a fresh temporary directory (removed at exit),
     journal off, synchronous off, page cache 1 GiB, so that after the
     warm-up every query runs from SQLite's own cache.  Two tables, each
     generated inside SQLite by one INSERT ... SELECT over a recursive CTE
     with hash_uniform() draws (deterministic: the same rows on every run):
        t(duration_s REAL, variant TEXT 'A'|'B', a INTEGER, b REAL, c TEXT)
     duration_s is log-normal-ish (median 120 s, sigma 0.4 on the log scale,
     from a sum of four uniforms) and 0.2% shorter for 'B', so the t-test
     has a moderate p-value; a = 1, 2, 4, 8 or 16; b in [0, 100); c one of
     seven host names.  The generation time of each table is printed.
  3. Every measurement is one warm-up run and then the median of --reps
     (default 3, at least 3) wall-clock repetitions (time.perf_counter around
     execute + fetchall).
  4. (a) SELECT welch_ttest(duration_s, variant) FROM t   against
         SELECT variant, avg(duration_s), count(*) FROM t GROUP BY variant;
         both times and their ratio (goal: ratio <= 1.3).  For context also
         SELECT avg(duration_s), count(variant) FROM t: one pass over the
         same two columns without the GROUP BY's sort.
     (b) SELECT count(feature_vector('a',a,'b',b,'c',c,'d',duration_s)) FROM t
         against SELECT count(abs(a)) FROM t, as ns/row, their difference and
         ratio.  count(expr) must test each value for NULL, so SQLite really
         calls the function for every row; the count returned is checked to
         equal the row count.
     (c) scipy.stats.ttest_ind(A, B, equal_var=False) on the same data, with
         the fetch into two numpy arrays (one SELECT, streamed into
         array('d')) and the test timed separately.
  5. On the 1M table, welch_ttest's t and p are printed next to scipy's with
     their relative differences; the script exits 1 if p differs by more
     than 1e-9 relatively (or if any query fails), else 0.
  5b. (d) On the 1M table only: SELECT omen_median(duration_s) and
     SELECT omen_percentile(duration_s, 95) (plain aggregates: the values
     are kept and selected at the end) against numpy.median and
     numpy.percentile(a, 95) on the column already in memory, and against
     fetch + numpy; ratios printed.  SQLite's own median()/percentile()
     (3.51 with SQLITE_ENABLE_PERCENTILE) are timed too when the library
     has them (Debian's 3.40 does not).  The results must equal numpy's
     bit for bit, else the script exits 1.
  6. --quick uses 100,000 and 1,000,000 rows (for trying the script out);
     the numbers in docs/BENCHMARKS.md come from the default sizes.
"""
import argparse
import array
import json
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXTENSION = os.path.join(ROOT, "build", "omen.so")

GENERATE_SQL = """
INSERT INTO {table}(duration_s, variant, a, b, c)
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < :rows),
draws AS (
  SELECT n,
         hash_uniform(n, 1) < 0.5 AS is_a,
         (hash_uniform(n, 2) + hash_uniform(n, 3) + hash_uniform(n, 4)
          + hash_uniform(n, 5) - 2) * 1.7320508075688772 AS z   -- mean 0, sd 1
  FROM seq
)
SELECT 120 * exp(0.4 * z) * (CASE WHEN is_a THEN 1.0 ELSE 0.998 END),
       CASE WHEN is_a THEN 'A' ELSE 'B' END,
       1 << (n % 5),
       hash_uniform(n, 6) * 100,
       'host-' || (n % 7)
FROM draws
"""

WELCH_SQL = "SELECT welch_ttest(duration_s, variant) FROM {table}"
GROUP_BY_SQL = "SELECT variant, avg(duration_s), count(*) FROM {table} GROUP BY variant"
ONE_PASS_SQL = "SELECT avg(duration_s), count(variant) FROM {table}"
FEATURE_SQL = "SELECT count(feature_vector('a', a, 'b', b, 'c', c, 'd', duration_s)) FROM {table}"
ABS_SQL = "SELECT count(abs(a)) FROM {table}"
FETCH_SQL = "SELECT duration_s, variant FROM {table}"
MEDIAN_SQL = "SELECT omen_median(duration_s) FROM {table}"
PCT_SQL = "SELECT omen_percentile(duration_s, 95) FROM {table}"
SQLITE_MEDIAN_SQL = "SELECT median(duration_s) FROM {table}"
SQLITE_PCT_SQL = "SELECT percentile(duration_s, 95) FROM {table}"


def median_time(fn, reps):
    """One warm-up call, then the median wall-clock time of reps calls.
    Returns (seconds, result of the last call)."""
    result = fn()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def query(conn, sql):
    return lambda: conn.execute(sql).fetchall()


def fetch_arrays(conn, table):
    """duration_s of group A and of group B as two numpy float64 arrays."""
    import numpy as np

    a, b = array.array("d"), array.array("d")
    append_a, append_b = a.append, b.append
    for duration, variant in conn.execute(FETCH_SQL.format(table=table)):
        if variant == "A":
            append_a(duration)
        else:
            append_b(duration)
    return np.frombuffer(a, dtype=np.float64), np.frombuffer(b, dtype=np.float64)


def fetch_all(conn, table):
    """duration_s of every row as one numpy float64 array."""
    import numpy as np

    a = array.array("d")
    append = a.append
    for (duration,) in conn.execute(f"SELECT duration_s FROM {table}"):
        append(duration)
    return np.frombuffer(a, dtype=np.float64)


def sqlite_has(conn, name):
    return conn.execute("SELECT count(*) FROM pragma_function_list WHERE name = ?", (name,)).fetchone()[0] > 0


def machine_description(conn):
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kib = int(f.readline().split()[1])
            mem = f", {kib / 1048576:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    omen = conn.execute("SELECT omen_version()").fetchone()[0]
    return (
        f"{cpu}, {os.cpu_count()} CPUs{mem}; {platform.platform()}\n"
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version} (library), omen {omen}"
    )


def fmt_s(seconds):
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.3f} s"


def rel_diff(x, y):
    if x == y:
        return 0.0
    return abs(x - y) / max(abs(x), abs(y))


def print_table(title, header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    print(f"\n{title}")
    print(line)
    print("| " + " | ".join(str(h).ljust(w) for h, w in zip(header, widths)) + " |")
    print(line)
    for r in rows:
        print("| " + " | ".join(str(c).rjust(w) for c, w in zip(r, widths)) + " |")
    print(line)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3, help="timed repetitions after the warm-up (>= 3)")
    parser.add_argument("--quick", action="store_true", help="100k and 1M rows instead of 1M and 10M")
    args = parser.parse_args()
    reps = max(3, args.reps)
    sizes = [("t_100k", 100_000), ("t_1m", 1_000_000)] if args.quick else [("t_1m", 1_000_000), ("t_10m", 10_000_000)]
    check_table = "t_1m"

    if not os.path.exists(EXTENSION):
        print(f"bench.py: {EXTENSION} is missing; run: make", file=sys.stderr)
        return 1
    try:
        import numpy  # noqa: F401
        import scipy
        import scipy.stats

        have_scipy = True
    except ImportError:
        have_scipy = False

    wall_start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="omen-bench-") as tmp:
        db_path = os.path.join(tmp, "bench.db")
        conn = sqlite3.connect(db_path, isolation_level=None)
        conn.enable_load_extension(True)
        conn.load_extension(EXTENSION)
        conn.enable_load_extension(False)
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -1048576")  # 1 GiB

        print("omen bench — wall-clock medians of", reps, "runs after one warm-up")
        print(machine_description(conn))
        if have_scipy:
            print(f"numpy {numpy.__version__}, scipy {scipy.__version__}")
        else:
            print("numpy/scipy not importable: part (c) and the p-value check are skipped")
        print(f"database: file {db_path} (temporary), journal off, page cache 1 GiB")
        print("load average at start: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))

        gen_rows = []
        for table, rows in sizes:
            conn.execute(f"CREATE TABLE {table}(duration_s REAL, variant TEXT, a INTEGER, b REAL, c TEXT)")
            start = time.perf_counter()
            conn.execute(GENERATE_SQL.format(table=table), {"rows": rows})
            seconds = time.perf_counter() - start
            gen_rows.append((table, f"{rows:,}", fmt_s(seconds), f"{rows / seconds / 1e6:.2f} M rows/s"))
        size_mb = os.path.getsize(db_path) / 1e6
        print_table(
            f"Generation (recursive CTE + hash_uniform, one INSERT each; file is {size_mb:.0f} MB)",
            ["table", "rows", "time", "speed"],
            gen_rows,
        )

        results = {}
        for table, rows in sizes:
            r = results[table] = {"rows": rows}
            r["welch_s"], welch_out = median_time(query(conn, WELCH_SQL.format(table=table)), reps)
            r["welch"] = json.loads(welch_out[0][0])
            r["group_s"], _ = median_time(query(conn, GROUP_BY_SQL.format(table=table)), reps)
            r["one_pass_s"], _ = median_time(query(conn, ONE_PASS_SQL.format(table=table)), reps)
            r["fv_s"], fv_out = median_time(query(conn, FEATURE_SQL.format(table=table)), reps)
            r["abs_s"], abs_out = median_time(query(conn, ABS_SQL.format(table=table)), reps)
            if fv_out[0][0] != rows or abs_out[0][0] != rows:
                print(f"bench.py: {table}: count() returned {fv_out[0][0]} / {abs_out[0][0]}, expected {rows}",
                      file=sys.stderr)
                return 1
            if have_scipy:
                r["fetch_s"], (xa, xb) = median_time(lambda t=table: fetch_arrays(conn, t), reps)
                r["scipy_s"], r["scipy"] = median_time(
                    lambda: scipy.stats.ttest_ind(xa, xb, equal_var=False), reps)
                del xa, xb
        # (d) order statistics on the 1M table
        od = results[check_table]
        od["median_s"], med_out = median_time(query(conn, MEDIAN_SQL.format(table=check_table)), reps)
        od["pct_s"], pct_out = median_time(query(conn, PCT_SQL.format(table=check_table)), reps)
        od["median"], od["pct"] = med_out[0][0], pct_out[0][0]
        od["sqlite_pct"] = sqlite_has(conn, "percentile") and sqlite_has(conn, "median")
        if od["sqlite_pct"]:
            od["sqlite_median_s"], _ = median_time(query(conn, SQLITE_MEDIAN_SQL.format(table=check_table)), reps)
            od["sqlite_pct_s"], _ = median_time(query(conn, SQLITE_PCT_SQL.format(table=check_table)), reps)
        if have_scipy:
            od["fetch_all_s"], col = median_time(lambda: fetch_all(conn, check_table), reps)
            od["np_median_s"], od["np_median"] = median_time(lambda: float(numpy.median(col)), reps)
            od["np_pct_s"], od["np_pct"] = median_time(lambda: float(numpy.percentile(col, 95)), reps)
            del col
        conn.close()

    print_table(
        "(a) welch_ttest(duration_s, variant) vs GROUP BY variant with avg() and count()",
        ["rows", "welch_ttest", "GROUP BY", "ratio", "goal <= 1.3", "one pass: avg(), count()",
         "welch / one pass"],
        [(f"{r['rows']:,}", fmt_s(r["welch_s"]), fmt_s(r["group_s"]),
          f"{r['welch_s'] / r['group_s']:.2f}", "met" if r["welch_s"] / r["group_s"] <= 1.3 else "NOT met",
          fmt_s(r["one_pass_s"]), f"{r['welch_s'] / r['one_pass_s']:.2f}")
         for r in results.values()],
    )
    print_table(
        "(b) per-row cost: count(feature_vector(4 features: int, real, text, real)) vs count(abs(a))",
        ["rows", "feature_vector", "abs", "difference", "ratio"],
        [(f"{r['rows']:,}", f"{r['fv_s'] / r['rows'] * 1e9:.0f} ns/row", f"{r['abs_s'] / r['rows'] * 1e9:.0f} ns/row",
          f"{(r['fv_s'] - r['abs_s']) / r['rows'] * 1e9:.0f} ns/row", f"{r['fv_s'] / r['abs_s']:.1f}")
         for r in results.values()],
    )
    status = 0
    if have_scipy:
        print_table(
            "(c) scipy.stats.ttest_ind(equal_var=False) on the same data, for context",
            ["rows", "fetch into numpy", "ttest_ind", "fetch + test", "welch_ttest"],
            [(f"{r['rows']:,}", fmt_s(r["fetch_s"]), fmt_s(r["scipy_s"]), fmt_s(r["fetch_s"] + r["scipy_s"]),
              fmt_s(r["welch_s"])) for r in results.values()],
        )
        r = results[check_table]
        w, s = r["welch"], r["scipy"]
        t_rel, p_rel = rel_diff(w["t"], float(s.statistic)), rel_diff(w["p"], float(s.pvalue))
        print_table(
            f"Agreement on {check_table} ({r['rows']:,} rows; n_a = {w['n_a']:,}, n_b = {w['n_b']:,})",
            ["", "welch_ttest", "scipy", "relative difference"],
            [("t", f"{w['t']:.15g}", f"{float(s.statistic):.15g}", f"{t_rel:.1e}"),
             ("p", f"{w['p']:.15g}", f"{float(s.pvalue):.15g}", f"{p_rel:.1e}")],
        )
        if p_rel > 1e-9:
            print("bench.py: welch_ttest's p disagrees with scipy's", file=sys.stderr)
            status = 1
        else:
            print("p agrees with scipy (relative difference <= 1e-9)")
    od = results[check_table]
    rows_d = []
    for label, key, np_key, sq_key in (("omen_median(duration_s)", "median", "np_median", "sqlite_median_s"),
                                       ("omen_percentile(duration_s, 95)", "pct", "np_pct", "sqlite_pct_s")):
        t = od[key + "_s"]
        row = [label, fmt_s(t)]
        if have_scipy:
            tn, tf = od[np_key + "_s"], od["fetch_all_s"]
            row += [fmt_s(tn), f"{t / tn:.2f}", fmt_s(tf + tn), f"{t / (tf + tn):.2f}",
                    "equal" if od[key] == od[np_key] else f"DIFFERS ({od[key]!r} vs {od[np_key]!r})"]
            if od[key] != od[np_key]:
                status = 1
        else:
            row += ["-", "-", "-", "-", "-"]
        row += [fmt_s(od[sq_key]), f"{t / od[sq_key]:.2f}"] if od["sqlite_pct"] else [f"not in SQLite {sqlite3.sqlite_version}", "-"]
        rows_d.append(tuple(row))
    print_table(
        f"(d) order statistics on {check_table} ({od['rows']:,} rows, plain aggregates: values kept, selected at the end)",
        ["query", "omen", "numpy (in memory)", "omen / numpy", "fetch + numpy", "omen / (fetch + numpy)",
         "result vs numpy", "SQLite median()/percentile()", "omen / SQLite"],
        rows_d,
    )
    if status:
        print("bench.py: an omen order statistic differs from numpy's", file=sys.stderr)
    print("load average at end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(f"total bench time {time.perf_counter() - wall_start:.0f} s")
    return status


if __name__ == "__main__":
    sys.exit(main())
