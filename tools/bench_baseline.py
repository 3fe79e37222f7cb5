#!/usr/bin/python3
"""bench_baseline.py — false alarms and detection of per-job robust baselines
(baseline_train / baseline_is_anomaly), plain and shrunk toward the fleet
(baseline_fleet), for jobs with 3, 5, 10 and 20 runs of history.

    /usr/bin/python3 tools/bench_baseline.py [--jobs N] [--quick] [--skip-real] [--skip-perf]
    OMEN_DATA=/path/to/data /usr/bin/python3 tools/bench_baseline.py

Behaviours:
  1. build/omen.so is loaded with enable_load_extension/load_extension
     (missing: exit 1).  numpy is needed for the synthetic part (without it:
     message, that part skipped).  Everything is computed by omen through
     SQL; numpy only draws the synthetic data and the "oracle" column.
  2. Protocol, the same for every data set: a job's runs in time order; for
     n = 3, 5, 10, 20 the jobs with more than n runs; history = its first n
     runs, test = the next ones (at most 10 for real data, 20 synthetic).
     One query per n:
        WITH jobs  AS (SELECT job, baseline_train(d) AS m FROM hist GROUP BY job),
             fleet AS (SELECT baseline_fleet(m) AS f FROM jobs)
        SELECT ... baseline_is_anomaly(j.m, t.d), baseline_is_anomaly(j.m, t.d, fleet.f) ...
     The false-positive rate is flagged test runs / test runs (default
     threshold |z| > 3.5); the detection rate is the same on the test runs
     multiplied by a spike factor (every test run spiked in turn: a run that
     took k times its usual time).
  3. Synthetic (no anomalies in the test runs, so every flag is false):
     --jobs (2000) jobs per n, medians log-uniform between 60 s and 2 h,
     durations log-normal with a job-specific sigma = 0.25·exp(0.35·N(0,1))
     ("similar jobs") or 0.25·exp(0.8·N(0,1)) ("dissimilar jobs"), and a
     heavy-tailed variant (log durations from Student t with 3 degrees of
     freedom, same sigmas as "similar").  Seeded: the same numbers on every
     run.  "oracle" is the rate of a detector that knows each job's true
     median and MAD (log-normal variants only): the floor set by the
     distribution's own tail at 3.5.
  4. Real histories from $OMEN_DATA (else ../shared/data; see its
     PROVENANCE.md; absent files are skipped, nothing is copied):
     SWF logs through tools/swf_load.py, completed jobs (status 1) with run
     time > 0, a job = (user, executable, requested processors) where the
     log has executables (CTC-SP2, LANL-CM5, SDSC-DS) and (user, requested
     processors, requested time) where it does not (HPC2N), in submit
     order; Galaxy tool runs (bwa_mem, stringtie), a job = runs on identical
     inputs (the same input sizes, reference and index option), in file
     order.  Real test runs may hold true anomalies and changes of regime, so
     their flag rate is an upper bound of the false-positive rate.
  5. --skip-perf skips the timing part: 1,000,000 runs of 10,000 jobs,
     baseline_train ... GROUP BY job, baseline_fleet, and scoring every run
     plain and with the fleet, the runs interleaved across jobs (each row
     brings another job's model BLOB, which the per-statement model cache
     must decode) and stored in job order (consecutive rows share the
     model); median of 3 repetitions after a warm-up.
  6. Output: Markdown tables on stdout (the figures of docs/BENCHMARKS.md).
"""
import argparse
import csv
import gzip
import os
import sqlite3
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXTENSION = os.path.join(ROOT, "build", "omen.so")
sys.path.insert(0, os.path.join(ROOT, "tools"))

NS = (3, 5, 10, 20)
SPIKES = (1.5, 2.0, 3.0)


def connect():
    if not os.path.exists(EXTENSION):
        sys.exit("bench_baseline.py: %s is missing; run make first" % EXTENSION)
    con = sqlite3.connect(":memory:")
    con.enable_load_extension(True)
    con.load_extension(os.path.splitext(EXTENSION)[0])
    con.enable_load_extension(False)
    return con


def evaluate(con, runs, n, max_test, spikes):
    """runs: iterable of (job, seq, d).  Returns (jobs, test runs, fp plain,
    fp shrunk, {spike: (det plain, det shrunk)})."""
    con.execute("DROP TABLE IF EXISTS r")
    con.execute("CREATE TABLE r(job, seq INTEGER, d REAL)")
    con.executemany("INSERT INTO r VALUES (?, ?, ?)", runs)
    con.execute("CREATE INDEX r_job ON r(job, seq)")
    con.execute("DROP TABLE IF EXISTS hist")
    con.execute("DROP TABLE IF EXISTS test")
    con.execute("CREATE TABLE hist AS SELECT job, d FROM r WHERE seq < ? AND job IN "
                "(SELECT job FROM r GROUP BY job HAVING count(*) > ?)", (n, n))
    con.execute("CREATE TABLE test AS SELECT job, d FROM r WHERE seq >= ? AND seq < ? AND job IN "
                "(SELECT job FROM hist)", (n, n + max_test))
    cols = ["count(*)", "sum(baseline_is_anomaly(j.m, t.d))", "sum(baseline_is_anomaly(j.m, t.d, fleet.f))"]
    for k in spikes:
        cols.append("sum(baseline_is_anomaly(j.m, t.d * %r))" % k)
        cols.append("sum(baseline_is_anomaly(j.m, t.d * %r, fleet.f))" % k)
    row = con.execute("WITH jobs AS (SELECT job, baseline_train(d) AS m FROM hist GROUP BY job), "
                      "fleet AS (SELECT baseline_fleet(m) AS f FROM jobs) "
                      "SELECT (SELECT count(*) FROM jobs), %s FROM test AS t JOIN jobs AS j USING (job), fleet"
                      % ", ".join(cols)).fetchone()
    jobs, total, fp, fs = row[0], row[1], row[2] or 0, row[3] or 0
    det = {}
    for i, k in enumerate(spikes):
        det[k] = ((row[4 + 2 * i] or 0) / total if total else float("nan"),
                  (row[5 + 2 * i] or 0) / total if total else float("nan"))
    info = con.execute("SELECT json_extract(model_info(baseline_fleet(m)), '$.detail.features.value') "
                       "FROM (SELECT baseline_train(d) AS m FROM hist GROUP BY job)").fetchone()[0]
    return jobs, total, (fp / total if total else float("nan")), (fs / total if total else float("nan")), det, info


def pct(x):
    return "n/a" if x != x else "%.2f%%" % (100 * x)


def fleet_note(info):
    import json
    d = json.loads(info) if info else {}
    if not d.get("prior"):
        return "no prior"
    k = d.get("k")
    return "cv %.2f, k %s" % (d["typical_cv"], "∞" if k is None or k > 1e300 else "%.1f" % k)


# ------------------------------------------------------------------ synthetic

def oracle_fpr(np, med, sig, z):
    """Rate of |0.6745 (x - med) / MAD_true| > 3.5 with MAD_true of the log-normal."""
    from math import erf, sqrt
    ncdf = lambda v: 0.5 * (1 + np.vectorize(erf)(v / sqrt(2)))
    lo = np.zeros_like(sig)
    hi = np.ones_like(sig) * 50
    for _ in range(80):  # bisection on d/m: P(|X - m| <= d) = 1/2
        mid = (lo + hi) / 2
        low = np.where(mid < 1, np.log(np.maximum(1 - mid, 1e-300)) / sig, -np.inf)
        p = ncdf(np.log1p(mid) / sig) - ncdf(low)
        lo = np.where(p < 0.5, mid, lo)
        hi = np.where(p < 0.5, hi, mid)
    mad = med * (lo + hi) / 2
    x = med[:, None] * np.exp(sig[:, None] * z)
    return float(np.mean(np.abs(0.6745 * (x - med[:, None]) / mad[:, None]) > 3.5))


def synthetic(con, np, jobs, scenario, n, seed):
    rs = np.random.RandomState(seed)
    med = np.exp(rs.uniform(np.log(60), np.log(7200), jobs))
    spread = 0.8 if scenario == "dissimilar" else 0.35
    sig = 0.25 * np.exp(spread * rs.randn(jobs))
    total = n + 20
    if scenario == "heavy-tailed":
        z = rs.standard_t(3, (jobs, total)) / np.sqrt(3.0)  # unit variance
    else:
        z = rs.randn(jobs, total)
    d = med[:, None] * np.exp(sig[:, None] * z)
    runs = [(j, i, float(d[j, i])) for j in range(jobs) for i in range(total)]
    res = evaluate(con, runs, n, 20, SPIKES)
    orc = oracle_fpr(np, med, sig, z[:, n:]) if scenario != "heavy-tailed" else float("nan")
    return res, orc


# ------------------------------------------------------------------ real

def data_dir():
    d = os.environ.get("OMEN_DATA") or os.path.normpath(os.path.join(ROOT, "..", "shared", "data"))
    return d if os.path.isdir(d) else None


SWF = [("CTC-SP2-1996-3.1-cln", "user, exe, procs_req"), ("LANL-CM5-1994-4.1-cln", "user, exe, procs_req"),
       ("SDSC-DS-2004-2.1-cln", "user, exe, procs_req"), ("HPC2N-2002-2.2-cln", "user, procs_req, time_req")]
GALAXY = [("galaxy_bwa_mem_0.7.15.1_example", ("fastq_input1", "fastq_input2", "ref_file",
                                               "parameters.reference_source.index_a")),
          ("galaxy_stringtie_1.3.3_example", ("input_bam", "guide_gff"))]


def swf_runs(path, key):
    import swf_load
    con = sqlite3.connect(":memory:")
    swf_load.load_swf(con, path)
    rows = con.execute("SELECT %s, run FROM runs WHERE status = 1 AND run > 0 ORDER BY submit, job_id" % key)
    seq, out = {}, []
    for r in rows:
        k = "|".join(str(v) for v in r[:-1])
        i = seq.get(k, 0)
        seq[k] = i + 1
        out.append((k, i, float(r[-1])))
    return out


def galaxy_runs(path, key):
    seq, out = {}, []
    with gzip.open(path, "rt", newline="") as f:
        for r in csv.DictReader(f):
            try:
                d = float(r["runtime"])
            except ValueError:
                continue
            if not d > 0:
                continue
            k = "|".join(r[c] for c in key)
            i = seq.get(k, 0)
            seq[k] = i + 1
            out.append((k, i, d))
    return out


# ------------------------------------------------------------------ perf

def perf(con, reps=3):
    con.execute("DROP TABLE IF EXISTS big")
    con.execute("CREATE TABLE big(job INTEGER, d REAL)")
    con.execute("WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < 999999) "
                "INSERT INTO big SELECT i % 10000, (60 + (i % 10000)) * exp(0.3 * (hash_uniform(i, 1) + "
                "hash_uniform(i, 2) + hash_uniform(i, 3) - 1.5) * 2) FROM s")
    con.execute("CREATE TABLE big_by_job AS SELECT * FROM big ORDER BY job")
    con.execute("CREATE TABLE bj AS SELECT job, baseline_train(d) AS m FROM big GROUP BY job")
    con.execute("CREATE TABLE bf AS SELECT baseline_fleet(m) AS f FROM bj")
    queries = [
        ("baseline_train(d) ... GROUP BY job (1,000,000 runs, 10,000 jobs)",
         "SELECT count(m) FROM (SELECT baseline_train(d) AS m FROM big GROUP BY job)"),
        ("SELECT job, avg(d) ... GROUP BY job (for scale)", "SELECT count(a) FROM (SELECT avg(d) AS a FROM big GROUP BY job)"),
        ("baseline_fleet(m) over 10,000 job models", "SELECT length(baseline_fleet(m)) FROM bj"),
        ("baseline_score(job model, d), every run", "SELECT sum(baseline_score(bj.m, big.d)) FROM big JOIN bj USING (job)"),
        ("baseline_score(job model, d, fleet), every run",
         "SELECT sum(baseline_score(bj.m, big.d, bf.f)) FROM big JOIN bj USING (job), bf"),
        ("the same join without scoring (for scale)", "SELECT sum(big.d) FROM big JOIN bj USING (job), bf"),
        ("baseline_score(job model, d), runs stored in job order",
         "SELECT sum(baseline_score(bj.m, b.d)) FROM big_by_job AS b JOIN bj USING (job)"),
        ("baseline_score(job model, d, fleet), runs stored in job order",
         "SELECT sum(baseline_score(bj.m, b.d, bf.f)) FROM big_by_job AS b JOIN bj USING (job), bf"),
        ("baseline_score(one constant model, d), every run",
         "SELECT sum(baseline_score((SELECT m FROM bj WHERE job = 0), d)) FROM big"),
    ]
    out = []
    for label, q in queries:
        con.execute(q).fetchall()
        ts = []
        for _ in range(reps):
            t0 = time.perf_counter()
            con.execute(q).fetchall()
            ts.append(time.perf_counter() - t0)
        out.append((label, statistics.median(ts)))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--jobs", type=int, default=2000)
    ap.add_argument("--quick", action="store_true", help="300 synthetic jobs, no perf part")
    ap.add_argument("--skip-real", action="store_true")
    ap.add_argument("--skip-perf", action="store_true")
    args = ap.parse_args()
    if args.quick:
        args.jobs = 300
        args.skip_perf = True
    con = connect()
    print("# per-job baselines: false alarms and detection (omen %s, SQLite %s)\n"
          % (con.execute("SELECT omen_version()").fetchone()[0], sqlite3.sqlite_version))
    try:
        import numpy as np
    except ImportError:
        np = None
        print("numpy is not installed: the synthetic part is skipped\n")
    if np is not None:
        print("## Synthetic jobs (%d per n; no anomaly in the test runs: every flag is false)\n" % args.jobs)
        print("| scenario | n | test runs | FPR plain | FPR shrunk | oracle | fleet | det ×1.5 plain / shrunk "
              "| det ×2 plain / shrunk | det ×3 plain / shrunk |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for si, scenario in enumerate(("similar", "dissimilar", "heavy-tailed")):
            for n in NS:
                (jobs, total, fp, fs, det, info), orc = synthetic(con, np, args.jobs, scenario, n, 1000 * si + n)
                print("| %s | %d | %d | %s | %s | %s | %s | %s |" % (
                    scenario, n, total, pct(fp), pct(fs), pct(orc), fleet_note(info),
                    " | ".join("%s / %s" % (pct(det[k][0]), pct(det[k][1])) for k in SPIKES)))
        print()
    if not args.skip_real:
        d = data_dir()
        if not d:
            print("no data directory (set OMEN_DATA): the real histories are skipped\n")
        else:
            print("## Real histories (test runs: up to 10 after the n history runs; flags are an upper bound "
                  "of false alarms)\n")
            print("| history | job = | n | jobs | test runs | flagged plain | flagged shrunk | fleet "
                  "| det ×3 plain / shrunk |")
            print("|---|---|---|---|---|---|---|---|---|")
            sets = []
            for name, key in SWF:
                p = os.path.join(d, name + ".swf.gz")
                if os.path.exists(p):
                    sets.append((name, key, lambda p=p, key=key: swf_runs(p, key)))
            for name, key in GALAXY:
                p = os.path.join(d, name + ".csv.gz")
                if os.path.exists(p):
                    sets.append((name, "identical inputs", lambda p=p, key=key: galaxy_runs(p, key)))
            for name, key, load in sets:
                runs = load()
                for n in NS:
                    jobs, total, fp, fs, det, info = evaluate(con, runs, n, 10, (3.0,))
                    if not total:
                        continue
                    print("| %s | %s | %d | %d | %d | %s | %s | %s | %s / %s |" % (
                        name, key, n, jobs, total, pct(fp), pct(fs), fleet_note(info),
                        pct(det[3.0][0]), pct(det[3.0][1])))
            print()
    if not args.skip_perf:
        print("## Speed (median of 3 after a warm-up; %s)\n" % (os.uname().machine))
        print("| query | seconds |")
        print("|---|---|")
        for label, t in perf(con):
            print("| %s | %.3f |" % (label, t))
        print()


if __name__ == "__main__":
    main()
