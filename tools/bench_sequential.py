#!/usr/bin/python3
"""bench_sequential.py — A/A and A/B simulation of peeking: sequential_test()
(always-valid p-value) against welch_ttest() read after every 100 runs.

    /usr/bin/python3 tools/bench_sequential.py [--quick] [--experiments N]
        [--power-experiments M] [--runs R] [--every K] [--sd SD] [--seed S]

Behaviours:
  1. The extension is $OMEN_SO if set, else build/omen.so, loaded through
     Python's sqlite3 (missing: message, exit 1).  numpy makes the data (a
     bench tool, never a runtime dependency of omen).
  2. Each experiment is R (20,000) runs, each assigned to group 0 or 1 with
     probability 1/2, whose value is normal with mean 100 and sd SD (100);
     in the A/B experiments group 1 has mean 105: "+5%" is +5, i.e. 0.05 sd.
     Group 0 sorts first, so group_a is 0 and diff = mean_0 - mean_1.
  3. Peeking: after every K (100) runs, both tests are read through SQL
     window functions over one table holding a batch of experiments,
       sequential_test(v, g) OVER w, welch_ttest(v, g) OVER w
       WINDOW w AS (PARTITION BY exp ORDER BY blk)     -- blk = run index / K
     The K runs of a block are peers of the frame, so SQLite computes each
     function once per block (and adds every row: sequential_test still
     makes its look after every run, st_seq.h 1); only the rows closing a
     block are returned.  A test rejects at the first peek with p < 0.05.
  4. Printed: the false-positive rate of both over N (2,000) A/A
     experiments with its Monte-Carlo standard error sqrt(f(1-f)/N), the
     check "sequential <= 0.05 + 2 SE" and "welch > 0.2" (exit 1 when
     either fails), then over M (1,000) A/B experiments the power (share
     rejected by R runs) and the median stopping time (runs at the first
     rejecting peek, over the rejecting experiments, and with the
     non-rejecting ones counted as R) of sequential_test, with welch's
     peeking and its single look at R runs (the fixed-horizon test) for
     comparison; and the time taken.
  5. --quick: N = 200, M = 100 (the checks use the same rule; the welch
     threshold is loose enough for 200 experiments).  Deterministic for a
     given --seed (default 12).
"""
import argparse
import math
import os
import sqlite3
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

try:
    import numpy as np
except ImportError:  # pragma: no cover
    sys.stderr.write("bench_sequential: needs python3-numpy\n")
    sys.exit(1)

BATCH = 100  # experiments per table fill (2M rows at R = 20,000)

QUERY = """
SELECT exp, blk,
       json_extract(s, '$.p'), json_extract(w, '$.p')
  FROM (SELECT exp, blk, i,
               sequential_test(v, g) OVER win AS s,
               welch_ttest(v, g) OVER win AS w
          FROM runs
        WINDOW win AS (PARTITION BY exp ORDER BY blk))
 WHERE i % {every} = {every} - 1
 ORDER BY exp, blk
"""


def connect():
    so = os.environ.get("OMEN_SO") or os.path.join(ROOT, "build", "omen.so")
    if not os.path.exists(so):
        sys.stderr.write("bench_sequential: %s not found (make build/omen.so, or set OMEN_SO)\n" % so)
        sys.exit(1)
    con = sqlite3.connect(":memory:")
    con.enable_load_extension(True)
    con.load_extension(os.path.splitext(os.path.abspath(so))[0])
    con.enable_load_extension(False)
    return con


def simulate(con, rng, n_exp, runs, every, sd, effect):
    """Per experiment: the runs at the first peek where each test had p < 0.05
    (None: never), and whether welch_ttest had p < 0.05 at the last peek."""
    seq_stop = [None] * n_exp
    welch_stop = [None] * n_exp
    welch_final = [None] * n_exp
    for start in range(0, n_exp, BATCH):
        nb = min(BATCH, n_exp - start)
        con.execute("DROP TABLE IF EXISTS runs")
        con.execute("CREATE TABLE runs(exp INTEGER, blk INTEGER, i INTEGER, g INTEGER, v REAL, "
                    "PRIMARY KEY (exp, blk, i)) WITHOUT ROWID")
        i = np.arange(runs)
        rows = []
        for e in range(nb):
            g = rng.integers(0, 2, size=runs)
            v = rng.normal(100.0, sd, size=runs) + effect * g
            rows.append(zip([start + e] * runs, (i // every).tolist(), i.tolist(), g.tolist(), v.tolist()))
        for r in rows:
            con.executemany("INSERT INTO runs VALUES (?, ?, ?, ?, ?)", r)
        for exp, blk, ps, pw in con.execute(QUERY.format(every=every)):
            n = (blk + 1) * every
            if ps is not None and ps < 0.05 and seq_stop[exp] is None:
                seq_stop[exp] = n
            if pw is not None and pw < 0.05 and welch_stop[exp] is None:
                welch_stop[exp] = n
            if n == runs:
                welch_final[exp] = pw is not None and pw < 0.05
    return seq_stop, welch_stop, welch_final


def rate(stops):
    n = len(stops)
    f = sum(s is not None for s in stops) / n
    return f, math.sqrt(f * (1 - f) / n)


def median_stop(stops, runs):
    hit = sorted(s for s in stops if s is not None)
    censored = sorted(s if s is not None else runs for s in stops)
    med = lambda xs: float(np.median(xs)) if xs else float("nan")
    return med(hit), med(censored)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="200 A/A and 100 A/B experiments")
    ap.add_argument("--experiments", type=int, default=None, help="A/A experiments (2000)")
    ap.add_argument("--power-experiments", type=int, default=None, help="A/B experiments (1000)")
    ap.add_argument("--runs", type=int, default=20000, help="runs per experiment (20000)")
    ap.add_argument("--every", type=int, default=100, help="peek every K runs (100)")
    ap.add_argument("--sd", type=float, default=100.0, help="sd of a run's value; the mean is 100 (100)")
    ap.add_argument("--seed", type=int, default=12)
    a = ap.parse_args()
    n_aa = a.experiments or (200 if a.quick else 2000)
    n_ab = a.power_experiments or (100 if a.quick else 1000)
    if a.runs % a.every:
        ap.error("--runs must be a multiple of --every")
    con = connect()
    rng = np.random.default_rng(a.seed)
    t0 = time.time()
    print("bench_sequential: %d A/A + %d A/B experiments of %d runs, peeking every %d runs; "
          "values N(100, %g^2), +5%% = +5 = %.3g sd" % (n_aa, n_ab, a.runs, a.every, a.sd, 5.0 / a.sd))
    seq, welch, _ = simulate(con, rng, n_aa, a.runs, a.every, a.sd, 0.0)
    t1 = time.time()
    fs, ses = rate(seq)
    fw, sew = rate(welch)
    print("A/A false-positive rate (reject at the first peek with p < 0.05):")
    print("  sequential_test  %.4f  (MC se %.4f)" % (fs, ses))
    print("  welch_ttest      %.4f  (MC se %.4f)   [peeking at a fixed-horizon test]" % (fw, sew))
    print("  A/A time %.1f s (%.2g rows/s)" % (t1 - t0, n_aa * a.runs / (t1 - t0)))
    ok_seq = fs <= 0.05 + 2 * ses
    ok_welch = fw > 0.2
    print("  check sequential_test FPR <= 0.05 + 2 se: %s" % ("ok" if ok_seq else "FAILED"))
    print("  check welch_ttest FPR > 0.2 when peeking: %s" % ("ok" if ok_welch else "FAILED"))
    seq_p, welch_p, welch_fixed = simulate(con, rng, n_ab, a.runs, a.every, a.sd, 5.0)
    t2 = time.time()
    ps, pse = rate(seq_p)
    pw, _ = rate(welch_p)
    pf = sum(welch_fixed) / n_ab
    m_hit, m_cens = median_stop(seq_p, a.runs)
    w_hit, w_cens = median_stop(welch_p, a.runs)
    print("A/B (+5%%) power and stopping time over %d experiments:" % n_ab)
    print("  sequential_test  power %.4f (MC se %.4f); median stop %.0f runs (rejecting), %.0f (all, none = %d)"
          % (ps, pse, m_hit, m_cens, a.runs))
    print("  welch_ttest      peeking power %.4f, median stop %.0f runs [invalid: FPR above]" % (pw, w_hit))
    print("  welch_ttest      one look at %d runs (fixed horizon): power %.4f" % (a.runs, pf))
    print("  A/B time %.1f s" % (t2 - t1))
    print("bench_sequential: total %.1f s" % (t2 - t0))
    return 0 if ok_seq and ok_welch else 1


if __name__ == "__main__":
    sys.exit(main())
