#!/usr/bin/python3
"""bench_experiments.py — the experiments toolkit timed against SQLite
built-ins on a generated 1,000,000-row table: ab_assign() per row against
abs(), and each experiment aggregate against a GROUP BY avg().

    /usr/bin/python3 tools/bench_experiments.py [--rows N] [--reps N]
    OMEN_SO=build-x/omen.so /usr/bin/python3 tools/bench_experiments.py

Behaviours:
  1. Standard library + Python's sqlite3 only.  The extension is $OMEN_SO if
     set, else build/omen.so (missing: message, exit 1), loaded with
     enable_load_extension/load_extension into an in-memory database.
  2. One table, generated inside SQLite by one INSERT ... SELECT over a
     recursive CTE with hash_uniform() draws (deterministic: the same rows on
     every run and machine):
        t(unit INTEGER, value REAL, grp TEXT 'A'|'B', success INTEGER 0|1, cat TEXT)
     value ~ 100 + 15·z (z from a sum of four uniforms, sd 1), 0.5 higher in
     'B'; success with probability 0.10 in 'A' and 0.105 in 'B'; cat one of
     'x', 'y', 'z' (B leans to 'z').  --rows (default 1,000,000).
  3. Every timing is the best (minimum) of --reps (default 3, at least 3)
     wall-clock runs after one warm-up (time.perf_counter around execute +
     fetchall).
  4. Per-row cost: SELECT sum(abs(value)) FROM t against
     SELECT count(ab_assign(unit, 'exp')) FROM t and
     SELECT count(ab_assign(unit, 'exp', '{"control": 0.5, "t1": 0.25, "t2": 0.25}')) FROM t,
     as ns/row and the ratio to abs().  count() must test each value for NULL,
     so the function really runs on every row; the count returned is checked
     to equal the row count (else exit 1).
  5. Aggregates: for each of welch_ttest(value, grp),
     proportions_ztest(success, grp), mann_whitney(value, grp),
     ks_2samp(value, grp), chi2_test(cat, grp), anova_oneway(value, grp),
     sequential_test(value, grp) registered with two arguments
     (pragma_function_list), SELECT f(...) FROM t against
     SELECT grp, avg(value) FROM t GROUP BY grp: both times and the ratio.
     A function not registered is listed as "not built yet"; one that fails
     prints its error in the table and the script exits 1 at the end.
  6. Output: a few lines on the machine and the data, then ONE table
     (measurement, omen, reference, ratio), in the style of tools/bench.py.
"""
import argparse
import os
import platform
import sqlite3
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXTENSION = os.environ.get("OMEN_SO") or os.path.join(ROOT, "build", "omen.so")

GENERATE_SQL = """
INSERT INTO t(unit, value, grp, success, cat)
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < :rows),
draws AS (
  SELECT n,
         hash_uniform(n, 11) < 0.5 AS is_a,
         (hash_uniform(n, 12) + hash_uniform(n, 13) + hash_uniform(n, 14)
          + hash_uniform(n, 15) - 2) * 1.7320508075688772 AS z,   -- mean 0, sd 1
         hash_uniform(n, 16) AS s,
         hash_uniform(n, 17) AS c
  FROM seq
)
SELECT n,
       100 + 15 * z + CASE WHEN is_a THEN 0 ELSE 0.5 END,
       CASE WHEN is_a THEN 'A' ELSE 'B' END,
       s < CASE WHEN is_a THEN 0.10 ELSE 0.105 END,
       CASE WHEN c < 0.3 THEN 'x' WHEN c < (CASE WHEN is_a THEN 0.7 ELSE 0.68 END) THEN 'y' ELSE 'z' END
FROM draws
"""

ABS_SQL = "SELECT sum(abs(value)) FROM t"
ASSIGN_SQL = "SELECT count(ab_assign(unit, 'exp')) FROM t"
ASSIGN_W_SQL = "SELECT count(ab_assign(unit, 'exp', '{\"control\": 0.5, \"t1\": 0.25, \"t2\": 0.25}')) FROM t"
GROUP_BY_SQL = "SELECT grp, avg(value) FROM t GROUP BY grp"

AGGREGATES = [
    ("welch_ttest", "value, grp"),
    ("proportions_ztest", "success, grp"),
    ("mann_whitney", "value, grp"),
    ("ks_2samp", "value, grp"),
    ("chi2_test", "cat, grp"),
    ("anova_oneway", "value, grp"),
    ("sequential_test", "value, grp"),
]


def best_time(fn, reps):
    """One warm-up call, then the minimum wall-clock time of reps calls.
    Returns (seconds, result of the last call)."""
    result = fn()
    best = float("inf")
    for _ in range(reps):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def query(conn, sql):
    return lambda: conn.execute(sql).fetchall()


def registered(conn, name, nargs):
    return conn.execute("SELECT count(*) FROM pragma_function_list WHERE name = ? AND narg = ?",
                        (name, nargs)).fetchone()[0] > 0


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
    omen = conn.execute("SELECT omen_version()").fetchone()[0]
    return (f"{cpu}, {os.cpu_count()} CPUs; {platform.platform()}\n"
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version} (library), omen {omen}")


def fmt_s(seconds):
    return f"{seconds * 1e3:.1f} ms" if seconds < 1 else f"{seconds:.3f} s"


def print_table(title, header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    print(f"\n{title}")
    print(line)
    print("| " + " | ".join(str(h).ljust(w) for h, w in zip(header, widths)) + " |")
    print(line)
    for r in rows:
        cells = [str(r[0]).ljust(widths[0])] + [str(c).rjust(w) for c, w in zip(r[1:], widths[1:])]
        print("| " + " | ".join(cells) + " |")
    print(line)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the table (default 1,000,000)")
    parser.add_argument("--reps", type=int, default=3, help="timed repetitions after the warm-up (>= 3)")
    args = parser.parse_args()
    reps, rows = max(3, args.reps), max(1, args.rows)
    if not os.path.exists(EXTENSION):
        print(f"bench_experiments.py: {EXTENSION} is missing; run: make", file=sys.stderr)
        return 1
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.enable_load_extension(True)
    conn.load_extension(os.path.splitext(EXTENSION)[0])
    conn.enable_load_extension(False)

    print("omen experiments bench — wall-clock best of", reps, "runs after one warm-up")
    print(machine_description(conn))
    print(f"extension: {os.path.relpath(EXTENSION, ROOT)}")
    conn.execute("CREATE TABLE t(unit INTEGER, value REAL, grp TEXT, success INTEGER, cat TEXT)")
    start = time.perf_counter()
    conn.execute(GENERATE_SQL, {"rows": rows})
    print(f"table t: {rows:,} rows (in memory), generated in {fmt_s(time.perf_counter() - start)}")

    failed = False
    table = []
    ns = lambda s: s / rows * 1e9
    t_abs, r_abs = best_time(query(conn, ABS_SQL), reps)
    for label, sql in (("ab_assign(unit, 'exp')", ASSIGN_SQL), ("ab_assign(unit, 'exp', 3 variants)", ASSIGN_W_SQL)):
        if not registered(conn, "ab_assign", 2):
            table.append((label + " ns/row", "not built yet", f"{ns(t_abs):.1f} (abs)", ""))
            continue
        t, r = best_time(query(conn, sql), reps)
        if r[0][0] != rows:
            print(f"bench_experiments.py: {sql} counted {r[0][0]} rows, expected {rows}", file=sys.stderr)
            failed = True
        table.append((label + " ns/row", f"{ns(t):.1f}", f"{ns(t_abs):.1f} (abs)", f"{t / t_abs:.2f}"))

    t_grp, _ = best_time(query(conn, GROUP_BY_SQL), reps)
    for name, cols in AGGREGATES:
        label = f"{name}({cols})"
        if not registered(conn, name, 2):
            table.append((label, "not built yet", fmt_s(t_grp) + " (GROUP BY avg)", ""))
            continue
        try:
            t, _ = best_time(query(conn, f"SELECT {name}({cols}) FROM t"), reps)
        except sqlite3.Error as e:
            table.append((label, f"error: {e}", fmt_s(t_grp) + " (GROUP BY avg)", ""))
            failed = True
            continue
        table.append((label, fmt_s(t), fmt_s(t_grp) + " (GROUP BY avg)", f"{t / t_grp:.2f}"))

    print_table(f"Experiments on {rows:,} rows: omen against SQLite built-ins (ratio = omen / reference)",
                ["measurement", "omen", "reference", "ratio"], table)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
