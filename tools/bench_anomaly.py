#!/usr/bin/python3
"""bench_anomaly.py — omen's anomaly detectors (isolation_forest_train,
isolation_score, is_anomaly; baseline_train/baseline_score,
mahalanobis_train/mahalanobis_score, anomaly_ensemble/anomaly_score) side by
side with scikit-learn's IsolationForest, on a synthetic 1,000,000-row
job-execution history with labelled injected anomalies and on real data.

    make bench                               (after tools/bench_real.py)
    /usr/bin/python3 tools/bench_anomaly.py [--rows N] [--quick] [--seeds N] [--threads N]
                                            [--json FILE] [--logs NAME,...] [--skip-real]
                                            [--diagnose [SEEDS]]
    OMEN_DATA=/path/to/data /usr/bin/python3 tools/bench_anomaly.py

Behaviours:
  1. Needs build/omen.so (exit 1 without it), numpy and scikit-learn under
     /usr/bin/python3 (Debian's python3-numpy, python3-sklearn; exit 2
     without them).  Each omen part checks that its functions are
     registered (SELECT 1 FROM pragma_function_list WHERE name = ...) and,
     when one is missing, prints "skipped: <function>() is not in
     build/omen.so" and goes on; the scikit-learn side always runs.  The
     exit status is 0 unless a query fails unexpectedly or a consistency
     check of behaviour 12 fails (1).
  2. Synthetic history, generated with numpy from --data-seed (default 20261)
     so the same rows come out on every machine: --rows (default 1,000,000;
     --quick 100,000) runs over 30 days, in started_at order, of 200 jobs
     (Zipf-like: the commonest ~10% of runs, the rarest ~0.15%) on 50 hosts
     (each job uses its own 3-10 of them).  Per job: thread counts (a base in
     1..16, doubled in 30% of runs), log-normal input_mb, a parallel
     fraction, a CPU efficiency, a memory size and a requested time (3x its
     typical duration, rounded up to 15 min).  Per run:
        duration_s = base * (input/typical)^size_exp * Amdahl(threads)
                     / host speed * (1 + 0.5 retries) * lognormal(0.2)
        cpu_pct    = 100 * threads * efficiency * lognormal(0.1), <= 100*threads
        mem_mb     = base * (input/typical)^mem_exp * lognormal(0.1)
        retries    = 0 (93%), 1 (6%), 2 (1%)
     Anomalies, about 1% of rows, each row labelled with its kind:
        duration_spike          0.30%  duration x U(5, 20)
        resource_spike          0.20%  mem_mb x U(5, 15) and cpu_pct x U(1.5, 3)
                                       (cpu still capped at 100 * threads)
        impossible_threads_cpu  0.15%  threads = 1 with cpu_pct U(800, 1600)
        impossible_host_input   0.15%  a host the job never uses and an input
                                       size drawn from another job's
                                       distribution (>= e^2 x apart); the
                                       other columns unchanged
        slow_host_day           ~0.2%  every run on the busiest host during one
                                       24 h window (day 12): duration x 3
     Features (9): job, host (categorical), threads, input_mb, requested_s,
     duration_s, cpu_pct, mem_mb, retries (numeric).  No time feature: the
     slow host's day can only be seen through its durations.
  3. Storage: one file database in a fresh temporary directory (removed at
     exit; journal off, synchronous off, 1 GiB page cache), table
     runs(run_id INTEGER PRIMARY KEY, started_at, job TEXT, host TEXT,
     threads, input_mb, requested_s, duration_s, cpu_pct, mem_mb, retries,
     label, kind); the load (executemany in chunks of 100,000 rows, one
     transaction) is timed separately.  omen gets job and host as TEXT
     (categorical features of feature_vector, encoded by omen itself);
     scikit-learn gets the same 9 columns as one float32 matrix in run_id
     order, with job and host FREQUENCY-ENCODED (the share of all rows with
     that job / host; --sk-encoding ordinal gives the index instead).
     float32 because IsolationForest converts to it anyway: neither its fit
     nor score_samples pays a conversion.  One-hot encoding (250 columns,
     1 GB at float32) is not offered.
  4. scikit-learn (--seeds, default 5: random_state 0..4):
     IsolationForest(n_estimators=100, max_samples=256, contamination='auto',
     n_jobs=--threads (2)).  Per seed: fit time, score_samples time on all
     rows (single-threaded in scikit-learn 1.2), and the metrics of
     behaviour 6 on -score_samples.  The fraction variant
     (contamination=0.01, the true anomaly share) grows the same trees for a
     given random_state and only sets offset_ = the 1st percentile of
     score_samples(X); so it is not refitted (that would score all rows a
     second time inside fit): its threshold is computed from the scores
     already there.  That this is exactly what fit does is checked once per
     run on a 20,000-row slice (behaviour 12).
  5. omen, same seeds: SELECT isolation_forest_train(feature_vector(...),
     '{"n_trees":100,"sample_size":256,"seed":s,"threads":2}') FROM runs
     (the whole statement timed, scan and feature vectors included), and
     once more with "contamination":0.01.  Scoring: SELECT
     isolation_score(?, feature_vector(...)) FROM runs ORDER BY run_id with
     the model BLOB bound, then with the model saved (model_save) and named
     ('bench_iforest_s<seed>'), each timed as execute + fetchall, i.e. until
     the scores are Python floats as score_samples' are numpy floats; the
     two score lists must be identical (behaviour 12).  For context, SELECT
     count(feature_vector(...)) FROM runs (scan + vectors, no model) and,
     for the first seed, SELECT sum(isolation_score(?, ...)) (no fetch).
     Flags for the false-positive rates: score > the threshold stored in
     the model (model_info(m) -> metrics.threshold; 0.5 for 'auto'), for
     the 'auto' model and for the 0.01 model; that this is exactly SELECT
     is_anomaly(m, fv) is checked on every row for the first seed.
  6. Metrics, computed in Python with sklearn.metrics from the returned
     scores (higher = more anomalous), against the label:
     ROC-AUC (roc_auc_score), average precision (average_precision_score),
     precision at the top 1% (k = ceil(0.01 n) highest scores; rows tied at
     the k-th score count in proportion, so ties do not favour either side),
     per anomaly kind the detection rate at the top 1% (share of that kind's
     rows among the k highest, same tie rule), and at each contamination
     threshold the false-positive rate (flagged normal rows / normal rows),
     the recall and the share flagged.  Every figure is the mean +- sample
     standard deviation over the seeds.
  7. Peak memory of training, each side in its own subprocess (this script
     re-run with --child) so that neither the other library nor the parent's
     data mix in: ru_maxrss after loading the data (numpy: np.load of the
     float32 matrix; omen: opening the database and one
     SELECT count(feature_vector(...)) FROM runs, which fills the page cache
     as training will) and after the fit; the table shows the increase
     (training's own memory) and the peak.  One child per seed and side.
  8. Small-n and multivariate detectors on the same synthetic rows, each
     trained and scored on every row: per-job baselines (CREATE TEMP TABLE
     bl AS SELECT job, baseline_train(duration_s), baseline_train(
     feature_vector(duration_s, mem_mb, cpu_pct)) FROM runs GROUP BY job),
     scored as |baseline_score(m, duration_s)| and as anomaly_score(m, fv)
     (the largest |z| of the three); mahalanobis_train over ln(1+x) of the
     7 numeric columns (named ln_*); the isolation forest of the first seed;
     anomaly_ensemble(iforest, mahalanobis) and, per job,
     anomaly_ensemble(iforest, the job's 3-metric baseline), each with
     min_votes 1 and 2, scored with anomaly_score.  Per-job models are
     joined in job order so that a statement decodes each job's model once.
     ROC-AUC, average precision, precision at 1% and the per-kind rates of
     behaviour 6, single run (no seeds: only the forest has one).
  9. Real data (--skip-real skips; the directory $OMEN_DATA, else
     ../shared/data relative to the repository root; absent: a message and
     the part is skipped, nothing is ever copied into the repository):
     (a) SWF logs of the Parallel Workloads Archive (default SDSC-SP2,
     CTC-SP2, KTH-SP2; --logs picks by name prefix), loaded with
     tools/swf_load.py into an in-memory database.  Rows with a known run
     time; label = overrun (time_req known and run > 1.5 time_req) OR failed
     (status 0); the AUC of each part of the label is shown too.  Features,
     all known when the job ends: run, procs (procs_alloc), time_req, wait,
     cpu_avg, mem_used, hour (submit hour), and user, queue (categorical);
     a feature NULL in every row of a log is left out for both.  omen gets
     NULL as missing; scikit-learn gets the column median for a missing
     numeric value and the frequency of the category (NULL counting as a
     category).  ROC-AUC over the seeds for both; per-user baselines of run
     time (GROUP BY user; with baseline_fleet's prior too, when that
     function exists: users with few jobs are shrunk toward the fleet),
     Mahalanobis over ln(1+x) of the numeric features and the ensemble
     iforest + Mahalanobis as in behaviour 8, where available.
     (b) scikit-learn's bundled breast-cancer data (load_breast_cancer, 569
     rows, 30 numeric features): all 357 benign rows plus 19 malignant ones
     (5% of the 376 rows) drawn with numpy seed r for r in 0..9; on each
     subsample both libraries fit and score all rows with --seeds forest
     seeds (sample_size 256); the figure is the mean +- sd over the
     subsamples of each subsample's mean AUC.
 10. Timing: wall clock (time.perf_counter).  Fits have no warm-up (the
     count(feature_vector) statement warms the page cache); each seed's fit
     and scoring is measured once, and the spread over the seeds is shown.
     Load averages are printed at start and end, and the time of each part.
 11. Output: the tables on stdout, ending with a summary against the goals
     of issue 9 (scoring >= 10x faster than score_samples; ROC-AUC and
     precision at 1% >= scikit-learn's - 0.005) as met / NOT met (which do
     not change the exit status); --json FILE writes every figure (per seed
     too) as one JSON object.
 12. Checks (exit 1 when one fails): the fraction-variant threshold equals a
     refitted IsolationForest(contamination=0.01).offset_ on a 20,000-row
     slice; omen's scores by BLOB and by registry name are identical; every
     omen score is in (0, 1]; two trainings with the same seed give the
     same BLOB; is_anomaly equals score > the stored threshold.
 13. --quick uses 100,000 rows (for trying the script out); docs/BENCHMARKS.md
     quotes the default 1,000,000.  The default run takes about 8 minutes on
     2 cores, most of it scikit-learn's score_samples (50-75 s per seed).
 14. --diagnose [SEEDS] (default 20) adds a sharper AUC comparison: SEEDS
     seeds per library (0..SEEDS-1), each fitted on every row as in (b)/(c)
     but scored on one fixed random subset of 200,000 rows (numpy seed 1),
     so that sklearn's scoring stays affordable; once with the 9 features
     and once with the 7 numeric ones only (what the categorical features
     add).  Mean +- sd per library and the difference +- its standard
     error.  About 3-4 minutes at 1,000,000 rows.
"""
import argparse
import json
import math
import os
import platform
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

TOOLS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TOOLS)
EXTENSION = os.path.join(ROOT, "build", "omen.so")
sys.path.insert(0, TOOLS)

N_JOBS = 200
N_HOSTS = 50
SPAN_S = 30 * 86400
T0 = 1_700_000_000
SLOW_DAY = 12
CONTAMINATION = 0.01
TOP = 0.01
N_TREES = 100
SAMPLE_SIZE = 256
KINDS = ["normal", "duration_spike", "resource_spike", "impossible_threads_cpu", "impossible_host_input",
         "slow_host_day"]
ANOMALY_KINDS = KINDS[1:]

NUMERIC = ["threads", "input_mb", "requested_s", "duration_s", "cpu_pct", "mem_mb", "retries"]
FEATURES = ["job", "host"] + NUMERIC          # feature names = column names
FV = "feature_vector(" + ", ".join(f"'{c}', {c}" for c in FEATURES) + ")"
FV_R = "feature_vector(" + ", ".join(f"'{c}', r.{c}" for c in FEATURES) + ")"   # in a join with alias r
FV_LN = "feature_vector(" + ", ".join(f"'ln_{c}', ln(1 + {c})" for c in NUMERIC) + ")"
FV_BL = "feature_vector('duration_s', duration_s, 'mem_mb', mem_mb, 'cpu_pct', cpu_pct)"
FV_ALL = "feature_vector(" + ", ".join([f"'{c}', {c}" for c in FEATURES] +
                                       [f"'ln_{c}', ln(1 + {c})" for c in NUMERIC]) + ")"

DEFAULT_LOGS = ["SDSC-SP2-1998-4.2-cln", "CTC-SP2-1996-3.1-cln", "KTH-SP2-1996-2.1-cln"]
SWF_NUMERIC = [("run", "run"), ("procs", "procs_alloc"), ("time_req", "time_req"), ("wait", "wait"),
               ("cpu_avg", "cpu_avg"), ("mem_used", "mem_used"), ("hour", "submit_hour")]
SWF_CATEGORICAL = [("user", "user"), ("queue", "queue")]
BC_SUBSAMPLES = 10
BC_MALIGNANT_SHARE = 0.05


# ------------------------------------------------------------------ helpers

def fmt_s(seconds):
    if seconds is None:
        return "n/a"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def mean_sd(values):
    values = [v for v in values if v is not None]
    if not values:
        return None, None
    if len(values) == 1:
        return values[0], 0.0
    return statistics.fmean(values), statistics.stdev(values)


def pm(values, fmt="{:.4f}", unit=""):
    m, s = mean_sd(values)
    if m is None:
        return "n/a"
    return (fmt + " ± " + fmt).format(m, s) + unit


def pm_s(values):
    m, s = mean_sd(values)
    if m is None:
        return "n/a"
    return f"{fmt_s(m)} ± {fmt_s(s)}"


def print_table(title, header, rows, note=None):
    rows = [tuple(str(c) for c in r) for r in rows]
    widths = [max(len(r[i]) for r in [tuple(header)] + rows) for i in range(len(header))]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    print(f"\n{title}")
    print(line)
    print("| " + " | ".join(str(h).ljust(w) for h, w in zip(header, widths)) + " |")
    print(line)
    for r in rows:
        print("| " + " | ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))) + " |")
    print(line)
    if note:
        print(note)
    sys.stdout.flush()


def load_avg():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def goal(ok):
    return "met" if ok else "NOT met"


def maxrss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def proc_status_mb(key):
    """VmRSS / VmHWM of this process in MB, or None."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024.0
    except (OSError, ValueError, IndexError):
        pass
    return None


def reset_peak_rss():
    """Resets the kernel's resident-set high-water mark (VmHWM) to the
    current RSS (Linux >= 4.0: write 5 to /proc/self/clear_refs).  Returns
    the current RSS in MB when that worked, else None."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return None
    return proc_status_mb("VmRSS")


def open_omen(path, uri=False):
    conn = sqlite3.connect(path, isolation_level=None, uri=uri)
    conn.enable_load_extension(True)
    conn.load_extension(EXTENSION)
    conn.enable_load_extension(False)
    return conn


def set_pragmas(conn):
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -1048576")  # 1 GiB


def have(conn, name):
    return conn.execute("SELECT 1 FROM pragma_function_list WHERE name = ?", (name,)).fetchone() is not None


def skip_note(missing):
    return "skipped: " + ", ".join(f"{m}()" for m in missing) + \
        (" is" if len(missing) == 1 else " are") + " not in build/omen.so yet"


def if_options(seed, threads, contamination=None):
    o = {"n_trees": N_TREES, "sample_size": SAMPLE_SIZE, "seed": seed, "threads": threads}
    if contamination is not None:
        o["contamination"] = contamination
    return json.dumps(o)


def machine_description(conn, np, sklearn):
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        omen = conn.execute("SELECT omen_version()").fetchone()[0]
    except sqlite3.Error:
        omen = "?"
    return (f"{cpu}, {os.cpu_count()} CPUs; {platform.platform()}\n"
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, omen {omen}, "
            f"numpy {np.__version__}, scikit-learn {sklearn.__version__}")


# ------------------------------------------------------------------ metrics

def top_k_shares(np, scores, masks, frac=TOP):
    """For each boolean mask, the expected number of its rows among the
    k = ceil(frac n) highest scores, rows tied at the k-th score counting in
    proportion (k - #above) / #tied.  Returns (k, [counts])."""
    n = len(scores)
    k = max(1, int(math.ceil(frac * n)))
    t = np.partition(scores, n - k)[n - k]          # the k-th highest score
    above = scores > t
    tied = scores == t
    n_above = int(above.sum())
    share = (k - n_above) / int(tied.sum())
    return k, [float((m & above).sum()) + share * float((m & tied).sum()) for m in masks]


def detection_metrics(np, skm, y, kind, scores, flags=None):
    """Behaviour 6 on one score vector; flags maps a threshold name to a 0/1
    array (is_anomaly or the library's own rule)."""
    scores = np.asarray(scores, dtype=np.float64)
    out = {"auc": float(skm.roc_auc_score(y, scores)),
           "ap": float(skm.average_precision_score(y, scores))}
    masks = [y == 1] + [kind == i for i in range(1, len(KINDS))]
    k, counts = top_k_shares(np, scores, masks)
    out["p_at_1pct"] = counts[0] / k
    out["top1_rate"] = {}
    for i, name in enumerate(ANOMALY_KINDS):
        total = int(masks[i + 1].sum())
        out["top1_rate"][name] = counts[i + 1] / total if total else None
    normal = y == 0
    for name, f in (flags or {}).items():
        f = np.asarray(f, dtype=bool)
        out[f"fpr_{name}"] = float((f & normal).sum() / normal.sum())
        out[f"recall_{name}"] = float((f & ~normal).sum() / max(1, (~normal).sum()))
        out[f"flagged_{name}"] = float(f.mean())
    return out


def collect(per_seed, key, sub=None):
    if sub is None:
        return [d.get(key) for d in per_seed]
    return [d[key].get(sub) for d in per_seed]


# ------------------------------------------------------------------ synthetic data

def generate(np, n, seed):
    """Behaviour 2: returns a dict of numpy columns plus job/host names."""
    rng = np.random.default_rng(seed)
    # jobs
    w = 1.0 / np.arange(1, N_JOBS + 1) ** 0.8
    w /= w.sum()
    pools = [rng.choice(N_HOSTS, size=int(rng.integers(3, 11)), replace=False) for _ in range(N_JOBS)]
    base_threads = rng.choice([1, 2, 4, 8, 16], size=N_JOBS, p=[0.25, 0.25, 0.2, 0.2, 0.1])
    par = rng.uniform(0.3, 0.98, N_JOBS)
    eff = rng.uniform(0.2, 0.95, N_JOBS)
    in_mu = rng.uniform(math.log(10), math.log(50000), N_JOBS)
    in_sigma = rng.uniform(0.2, 0.8, N_JOBS)
    dur_base = rng.uniform(math.log(30), math.log(7200), N_JOBS)
    size_exp = rng.uniform(0.3, 1.0, N_JOBS)
    mem_base = rng.uniform(math.log(200), math.log(32000), N_JOBS)
    mem_exp = rng.uniform(0.3, 0.7, N_JOBS)
    requested = np.ceil(3 * np.exp(dur_base) / 900) * 900
    speed = rng.uniform(0.85, 1.15, N_HOSTS)

    # runs
    started = np.sort(rng.uniform(0, SPAN_S, n))
    job = rng.choice(N_JOBS, size=n, p=w)
    pool_len = np.array([len(p) for p in pools])
    pool_mat = np.full((N_JOBS, 10), -1)
    for j, p in enumerate(pools):
        pool_mat[j, :len(p)] = p
    host = pool_mat[job, (rng.random(n) * pool_len[job]).astype(np.int64)]
    threads = base_threads[job] * np.where(rng.random(n) < 0.3, 2, 1)
    u = rng.random(n)
    retries = np.where(u < 0.93, 0, np.where(u < 0.99, 1, 2))
    z_in = rng.standard_normal(n)
    input_mb = np.exp(in_mu[job] + in_sigma[job] * z_in)
    amdahl = (1 - par[job]) + par[job] * base_threads[job] / threads
    duration = np.exp(dur_base[job] + size_exp[job] * in_sigma[job] * z_in + 0.2 * rng.standard_normal(n)) \
        * amdahl / speed[host] * (1 + 0.5 * retries)
    cap = 100.0 * threads
    cpu = np.minimum(cap, cap * eff[job] * np.exp(0.1 * rng.standard_normal(n)))
    mem = np.exp(mem_base[job] + mem_exp[job] * in_sigma[job] * z_in + 0.1 * rng.standard_normal(n))
    req = requested[job].copy()

    kind = np.zeros(n, dtype=np.int8)
    # slow host for a day: the busiest host, day SLOW_DAY
    busiest = int(np.bincount(host, minlength=N_HOSTS).argmax())
    day0 = SLOW_DAY * 86400
    slow = (host == busiest) & (started >= day0) & (started < day0 + 86400)
    duration[slow] *= 3
    kind[slow] = KINDS.index("slow_host_day")
    free = np.flatnonzero(kind == 0)
    shares = [("duration_spike", 0.003), ("resource_spike", 0.002), ("impossible_threads_cpu", 0.0015),
              ("impossible_host_input", 0.0015)]
    chosen = rng.choice(free, size=sum(int(round(s * n)) for _, s in shares), replace=False)
    at = 0
    for name, s in shares:
        idx = chosen[at:at + int(round(s * n))]
        at += len(idx)
        kind[idx] = KINDS.index(name)
        m = len(idx)
        if name == "duration_spike":
            duration[idx] *= rng.uniform(5, 20, m)
        elif name == "resource_spike":
            mem[idx] *= rng.uniform(5, 15, m)
            cpu[idx] = np.minimum(cap[idx], cpu[idx] * rng.uniform(1.5, 3, m))
        elif name == "impossible_threads_cpu":
            threads[idx] = 1
            cpu[idx] = rng.uniform(800, 1600, m)
        else:  # impossible_host_input
            for i in idx:
                j = job[i]
                others = np.setdiff1d(np.arange(N_HOSTS), pools[j])
                host[i] = rng.choice(others)
                far = np.flatnonzero(np.abs(in_mu - in_mu[j]) >= 2)
                o = rng.choice(far)
                input_mb[i] = math.exp(in_mu[o] + in_sigma[o] * rng.standard_normal())
    return {
        "run_id": np.arange(1, n + 1),
        "started_at": (T0 + started).astype(np.int64),
        "job": job, "host": host,
        "threads": threads.astype(np.int64),
        "input_mb": np.round(input_mb, 2),
        "requested_s": req.astype(np.int64),
        "duration_s": np.round(duration, 1),
        "cpu_pct": np.round(cpu, 1),
        "mem_mb": np.round(mem, 0),
        "retries": retries.astype(np.int64),
        "label": (kind > 0).astype(np.int8),
        "kind": kind,
        "slow_host": busiest,
    }


def job_name(j):
    return f"job-{j:03d}"


def host_name(h):
    return f"node-{h:02d}"


def load_runs(conn, np, d):
    conn.execute("""CREATE TABLE runs(run_id INTEGER PRIMARY KEY, started_at INTEGER NOT NULL,
        job TEXT NOT NULL, host TEXT NOT NULL, threads INTEGER, input_mb REAL, requested_s INTEGER,
        duration_s REAL, cpu_pct REAL, mem_mb REAL, retries INTEGER, label INTEGER, kind TEXT)""")
    jobs = [job_name(j) for j in range(N_JOBS)]
    hosts = [host_name(h) for h in range(N_HOSTS)]
    n = len(d["run_id"])
    t0 = time.perf_counter()
    conn.execute("BEGIN")
    for a in range(0, n, 100_000):
        b = min(n, a + 100_000)
        cols = [d["run_id"][a:b].tolist(), d["started_at"][a:b].tolist(),
                [jobs[j] for j in d["job"][a:b].tolist()], [hosts[h] for h in d["host"][a:b].tolist()],
                d["threads"][a:b].tolist(), d["input_mb"][a:b].tolist(), d["requested_s"][a:b].tolist(),
                d["duration_s"][a:b].tolist(), d["cpu_pct"][a:b].tolist(), d["mem_mb"][a:b].tolist(),
                d["retries"][a:b].tolist(), d["label"][a:b].tolist(),
                [KINDS[k] for k in d["kind"][a:b].tolist()]]
        conn.executemany("INSERT INTO runs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", zip(*cols))
    conn.execute("COMMIT")
    return time.perf_counter() - t0


def sklearn_matrix(np, d, encoding):
    """Behaviour 3: the float32 matrix scikit-learn gets (columns = FEATURES)."""
    n = len(d["run_id"])
    cols = []
    for c in ("job", "host"):
        if encoding == "frequency":
            freq = np.bincount(d[c]) / n
            cols.append(freq[d[c]])
        else:
            cols.append(d[c].astype(np.float64))
    for c in NUMERIC:
        cols.append(d[c].astype(np.float64))
    return np.ascontiguousarray(np.column_stack(cols), dtype=np.float32)


# ------------------------------------------------------------------ children (behaviour 7)

def child_main(args):
    import numpy as np
    if args.child == "sklearn":
        from sklearn.ensemble import IsolationForest
        X = np.load(args.npy)
        before = reset_peak_rss()
        t0 = time.perf_counter()
        IsolationForest(n_estimators=N_TREES, max_samples=SAMPLE_SIZE, random_state=args.seed,
                        n_jobs=args.threads).fit(X)
        fit = time.perf_counter() - t0
    else:
        conn = open_omen(f"file:{args.db}?mode=ro", uri=True)
        conn.execute("PRAGMA cache_size = -1048576")
        conn.execute(f"SELECT count({FV}) FROM runs").fetchone()
        before = reset_peak_rss()
        t0 = time.perf_counter()
        blob = conn.execute(f"SELECT isolation_forest_train({FV}, ?) FROM runs",
                            (if_options(args.seed, args.threads),)).fetchone()[0]
        fit = time.perf_counter() - t0
        if not blob:
            raise SystemExit("isolation_forest_train returned no model")
        conn.close()
    if before is None:   # no clear_refs: the high-water mark of the whole process
        print(json.dumps({"before_mb": proc_status_mb("VmRSS"), "peak_mb": maxrss_mb(), "fit_s": fit,
                          "method": "ru_maxrss"}))
    else:
        print(json.dumps({"before_mb": before, "peak_mb": proc_status_mb("VmHWM"), "fit_s": fit,
                          "method": "VmHWM after clear_refs"}))
    return 0


def run_child(kind, seed, threads, db=None, npy=None):
    cmd = [sys.executable, os.path.abspath(__file__), "--child", kind, "--seed", str(seed),
           "--threads", str(threads)]
    if db:
        cmd += ["--db", db]
    if npy:
        cmd += ["--npy", npy]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"child {kind} seed {seed} failed: {p.stderr.strip()[-500:]}")
    r = json.loads(p.stdout.strip().splitlines()[-1])
    r["delta_mb"] = r["peak_mb"] - r["before_mb"]
    return r


# ------------------------------------------------------------------ omen helpers

def omen_scores(conn, sql, params=()):
    return [r[0] for r in conn.execute(sql, params).fetchall()]


def try_sql(fn, label, notes):
    """Runs fn(); on sqlite3.Error records and prints a skip note."""
    try:
        return fn()
    except sqlite3.Error as e:
        msg = f"{label}: failed: {e}"
        print(msg)
        notes.append(msg)
        return None


def frequency_codes(np, values):
    """Frequency encoding of a list of hashable values (None is a category)."""
    counts = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    n = len(values)
    return np.array([counts[v] / n for v in values], dtype=np.float64)


# ------------------------------------------------------------------ main

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=None, help="synthetic rows (default 1,000,000)")
    parser.add_argument("--quick", action="store_true", help="100,000 rows")
    parser.add_argument("--seeds", type=int, default=5, help="forest seeds per library (default 5)")
    parser.add_argument("--threads", type=int, default=2, help="training threads (default 2)")
    parser.add_argument("--data-seed", type=int, default=20261, help="seed of the synthetic history")
    parser.add_argument("--sk-encoding", choices=["frequency", "ordinal"], default="frequency",
                        help="how scikit-learn gets job and host (default frequency)")
    parser.add_argument("--json", metavar="FILE", help="write every figure to FILE")
    parser.add_argument("--logs", help="SWF logs by name prefix, comma-separated")
    parser.add_argument("--skip-real", action="store_true", help="skip the real-data part")
    parser.add_argument("--diagnose", type=int, nargs="?", const=20, default=0, metavar="SEEDS",
                        help="also compare the AUCs over SEEDS (20) seeds scored on a 200,000-row subset, "
                             "with and without the categorical features (about 3-4 minutes)")
    parser.add_argument("--child", choices=["sklearn", "omen"], help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--npy", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child_main(args)

    n_rows = args.rows or (100_000 if args.quick else 1_000_000)
    seeds = list(range(max(1, args.seeds)))
    if not os.path.exists(EXTENSION):
        print(f"bench_anomaly.py: {EXTENSION} is missing; run: make", file=sys.stderr)
        return 1
    try:
        import numpy as np
        import sklearn
        import sklearn.metrics as skm
        from sklearn.ensemble import IsolationForest
    except ImportError as e:
        print(f"bench_anomaly.py: needs numpy and scikit-learn under {sys.executable} ({e}); "
              "on Debian: apt-get install python3-numpy python3-sklearn", file=sys.stderr)
        return 2

    wall_start = time.perf_counter()
    sections = {}
    last = [wall_start]

    def section_done(name):
        now = time.perf_counter()
        sections[name] = now - last[0]
        last[0] = now

    status = 0
    notes = []
    R = {"config": {"rows": n_rows, "seeds": seeds, "threads": args.threads, "data_seed": args.data_seed,
                    "n_trees": N_TREES, "sample_size": SAMPLE_SIZE, "contamination_fraction": CONTAMINATION,
                    "sk_encoding": args.sk_encoding}}

    with tempfile.TemporaryDirectory(prefix="omen-bench-anomaly-") as tmp:
        db_path = os.path.join(tmp, "anomaly.db")
        conn = open_omen(db_path)
        set_pragmas(conn)
        fn = {f: have(conn, f) for f in ("isolation_forest_train", "isolation_score", "is_anomaly",
                                          "anomaly_score", "baseline_train", "baseline_score",
                                          "mahalanobis_train", "mahalanobis_score", "anomaly_ensemble",
                                          "model_save")}
        have_if = fn["isolation_forest_train"] and fn["isolation_score"] and fn["is_anomaly"]
        R["functions"] = fn
        print("omen anomaly bench — isolation forest against scikit-learn's IsolationForest "
              f"({N_TREES} trees, sample size {SAMPLE_SIZE}, seeds {seeds[0]}..{seeds[-1]})")
        print(machine_description(conn, np, sklearn))
        R["machine"] = machine_description(conn, np, sklearn)
        print(f"load average at start: {load_avg()}")
        R["load_start"] = os.getloadavg()
        missing = [f for f, ok in fn.items() if not ok]
        if missing:
            print("not in build/omen.so yet (their parts are skipped): " + ", ".join(f"{m}()" for m in missing))

        # -------------------------------------------------------- (a) data
        t0 = time.perf_counter()
        d = generate(np, n_rows, args.data_seed)
        t_gen = time.perf_counter() - t0
        t_load = load_runs(conn, np, d)
        y = d["label"].astype(np.int64)
        kind = d["kind"].astype(np.int64)
        X = sklearn_matrix(np, d, args.sk_encoding)
        npy_path = os.path.join(tmp, "X.npy")
        np.save(npy_path, X)
        counts = np.bincount(kind, minlength=len(KINDS))
        print_table(f"(a) synthetic history: {n_rows:,} runs, {N_JOBS} jobs, {N_HOSTS} hosts, 30 days "
                    f"(data seed {args.data_seed}; slow host {host_name(d['slow_host'])} on day {SLOW_DAY})",
                    ["kind", "rows", "share"],
                    [(k, f"{int(c):,}", f"{c / n_rows:.3%}") for k, c in zip(KINDS, counts)] +
                    [("all anomalies", f"{int(y.sum()):,}", f"{y.mean():.3%}")],
                    f"generation (numpy) {fmt_s(t_gen)}; load into SQLite (executemany, one transaction) "
                    f"{fmt_s(t_load)} = {n_rows / t_load / 1e3:.0f}k rows/s; database file "
                    f"{os.path.getsize(db_path) / 1e6:.0f} MB")
        R["data"] = {"generate_s": t_gen, "load_s": t_load, "kinds": {k: int(c) for k, c in zip(KINDS, counts)},
                     "anomaly_share": float(y.mean()), "slow_host": host_name(d["slow_host"])}
        section_done("(a) data")

        # -------------------------------------------------------- (b) scikit-learn
        sk = []
        sk_scores0 = None
        for s in seeds:
            m = IsolationForest(n_estimators=N_TREES, max_samples=SAMPLE_SIZE, contamination="auto",
                                random_state=s, n_jobs=args.threads)
            t0 = time.perf_counter()
            m.fit(X)
            t_fit = time.perf_counter() - t0
            t0 = time.perf_counter()
            ss = m.score_samples(X)
            t_score = time.perf_counter() - t0
            score = -ss
            offset_frac = np.percentile(ss, 100.0 * CONTAMINATION)
            met = detection_metrics(np, skm, y, kind, score,
                                    {"auto": ss < m.offset_, "frac": ss < offset_frac})
            met.update({"fit_s": t_fit, "score_s": t_score, "seed": s})
            sk.append(met)
            if s == seeds[0]:
                sk_scores0 = score
            print(f"  sklearn seed {s}: fit {fmt_s(t_fit)}, score_samples {fmt_s(t_score)}, "
                  f"AUC {met['auc']:.4f}, P@1% {met['p_at_1pct']:.4f}", flush=True)
        # behaviour 12: the fraction variant's threshold
        Xs = X[:20_000]
        a = IsolationForest(n_estimators=N_TREES, max_samples=SAMPLE_SIZE, random_state=0).fit(Xs)
        b = IsolationForest(n_estimators=N_TREES, max_samples=SAMPLE_SIZE, random_state=0,
                            contamination=CONTAMINATION).fit(Xs)
        frac_ok = float(np.percentile(a.score_samples(Xs), 100.0 * CONTAMINATION)) == float(b.offset_)
        print(f"  check: contamination={CONTAMINATION} offset_ = 1st percentile of the 'auto' model's "
              f"score_samples on 20,000 rows: {'yes' if frac_ok else 'NO'}")
        if not frac_ok:
            status = 1
        R["sklearn"] = {"per_seed": sk, "fraction_threshold_check": frac_ok}
        section_done("(b) sklearn")

        # -------------------------------------------------------- (c) omen
        om = []
        t_fv = None
        if_model0 = None
        if have_if:
            t0 = time.perf_counter()
            conn.execute(f"SELECT count({FV}) FROM runs").fetchone()    # warm-up
            t0 = time.perf_counter()
            conn.execute(f"SELECT count({FV}) FROM runs").fetchone()
            t_fv = time.perf_counter() - t0
            score_sql = f"SELECT isolation_score(?, {FV}) FROM runs ORDER BY run_id"
            flag_sql = f"SELECT is_anomaly(?, {FV}), is_anomaly(?, {FV}) FROM runs ORDER BY run_id"
            for s in seeds:
                t0 = time.perf_counter()
                blob = conn.execute(f"SELECT isolation_forest_train({FV}, ?) FROM runs",
                                    (if_options(s, args.threads),)).fetchone()[0]
                t_fit = time.perf_counter() - t0
                blob_frac = conn.execute(f"SELECT isolation_forest_train({FV}, ?) FROM runs",
                                         (if_options(s, args.threads, CONTAMINATION),)).fetchone()[0]
                if s == seeds[0]:
                    if_model0 = blob
                    again = conn.execute(f"SELECT isolation_forest_train({FV}, ?) FROM runs",
                                         (if_options(s, args.threads),)).fetchone()[0]
                    same_blob = again == blob
                    print(f"  check: the same seed gives the same BLOB: {'yes' if same_blob else 'NO'}")
                    R.setdefault("checks", {})["same_seed_same_blob"] = same_blob
                    if not same_blob:
                        status = 1
                    omen_scores(conn, score_sql, (blob,))   # warm-up of the scoring statement
                t0 = time.perf_counter()
                scores = omen_scores(conn, score_sql, (blob,))
                t_score = time.perf_counter() - t0
                t_name = None
                if fn["model_save"]:
                    name = f"bench_iforest_s{s}"
                    conn.execute("SELECT model_save(?, ?)", (name, blob)).fetchone()
                    conn.execute(score_sql + " LIMIT 1", (name,)).fetchall()  # decodes and caches the model
                    t0 = time.perf_counter()
                    by_name = omen_scores(conn, score_sql, (name,))
                    t_name = time.perf_counter() - t0
                    if by_name != scores:
                        print(f"  CHECK FAILED: seed {s}: scores by registry name differ from scores by BLOB")
                        status = 1
                    del by_name
                t_sum = None
                if s == seeds[0]:
                    t0 = time.perf_counter()
                    conn.execute(f"SELECT sum(isolation_score(?, {FV})) FROM runs", (blob,)).fetchone()
                    t_sum = time.perf_counter() - t0
                sc = np.array(scores, dtype=np.float64)
                del scores
                if not (np.all(sc > 0) and np.all(sc <= 1)):
                    print(f"  CHECK FAILED: seed {s}: a score outside (0, 1]")
                    status = 1
                # Flags: score > the model's stored threshold (model_info), which
                # is is_anomaly's rule; checked against is_anomaly on the first seed.
                thr = [json.loads(conn.execute("SELECT model_info(?)", (b,)).fetchone()[0])["metrics"]["threshold"]
                       for b in (blob, blob_frac)]
                flags = {"auto": sc > thr[0], "frac": sc > thr[1]}
                if s == seeds[0]:
                    fl = np.array(conn.execute(flag_sql, (blob, blob_frac)).fetchall(), dtype=bool)
                    same = bool(np.array_equal(fl[:, 0], flags["auto"]) and np.array_equal(fl[:, 1], flags["frac"]))
                    print(f"  check: is_anomaly = (isolation_score > model_info's threshold) on every row, "
                          f"both models: {'yes' if same else 'NO'}")
                    R.setdefault("checks", {})["is_anomaly_matches_threshold"] = same
                    if not same:
                        status = 1
                    del fl
                met = detection_metrics(np, skm, y, kind, sc, flags)
                met.update({"threshold_auto": thr[0], "threshold_frac": thr[1]})
                met.update({"fit_s": t_fit, "score_s": t_score, "score_name_s": t_name, "score_sum_s": t_sum,
                            "seed": s, "model_bytes": len(blob)})
                if s == seeds[0]:
                    met["corr_with_sklearn_seed0"] = float(np.corrcoef(sc, sk_scores0)[0, 1])
                om.append(met)
                print(f"  omen seed {s}: fit {fmt_s(t_fit)}, scoring {fmt_s(t_score)} (BLOB), "
                      f"{fmt_s(t_name)} (name), AUC {met['auc']:.4f}, P@1% {met['p_at_1pct']:.4f}", flush=True)
                del sc, flags
        else:
            print("\n(c) omen isolation forest: " +
                  skip_note([f for f in ("isolation_forest_train", "isolation_score", "is_anomaly") if not fn[f]]))
        R["omen"] = {"per_seed": om, "count_fv_s": t_fv}
        section_done("(c) omen")

        # -------------------------------------------------------- (d) memory
        mem_sk, mem_om = [], []
        for s in seeds:
            mem_sk.append(run_child("sklearn", s, args.threads, npy=npy_path))
            if have_if:
                mem_om.append(run_child("omen", s, args.threads, db=db_path))
        R["memory"] = {"sklearn": mem_sk, "omen": mem_om}
        section_done("(d) memory")

        # -------------------------------------------------------- side by side
        def col(rows, key, sub=None):
            return collect(rows, key, sub) if rows else []

        def ratio(a, b):
            ma, mb = mean_sd(a)[0], mean_sd(b)[0]
            return f"{ma / mb:.2f}" if ma and mb else ""

        def diff(a, b):
            ma, mb = mean_sd(a)[0], mean_sd(b)[0]
            return f"{ma - mb:+.4f}" if ma is not None and mb is not None else ""

        rows = [
            ("fit (omen: whole statement)", pm_s(col(sk, "fit_s")), pm_s(col(om, "fit_s")),
             ratio(col(sk, "fit_s"), col(om, "fit_s"))),
            ("score all rows (sklearn: score_samples; omen: SELECT ... fetchall, BLOB bound)",
             pm_s(col(sk, "score_s")), pm_s(col(om, "score_s")), ratio(col(sk, "score_s"), col(om, "score_s"))),
            ("  omen, model by registry name", "", pm_s(col(om, "score_name_s")),
             ratio(col(sk, "score_s"), col(om, "score_name_s"))),
            ("  omen, SELECT sum(isolation_score(...)) (no fetch; first seed only)", "", pm_s(col(om, "score_sum_s")),
             ratio(col(sk, "score_s"), col(om, "score_sum_s"))),
            ("  omen, SELECT count(feature_vector(...)) (scan + vectors only)", "",
             fmt_s(t_fv) if t_fv else "n/a", ""),
            ("peak memory of the fit: increase over the loaded data (child process)",
             pm(col(mem_sk, "delta_mb"), "{:.1f}", unit=" MB"), pm(col(mem_om, "delta_mb"), "{:.1f}", unit=" MB"),
             ratio(col(mem_sk, "delta_mb"), col(mem_om, "delta_mb"))),
            ("peak memory of the fit: whole child process", pm(col(mem_sk, "peak_mb"), "{:.0f}", unit=" MB"),
             pm(col(mem_om, "peak_mb"), "{:.0f}", unit=" MB"), ""),
        ]
        print_table(f"(b)-(d) time and memory, {n_rows:,} rows, mean ± sd over {len(seeds)} seeds "
                    f"(ratio = scikit-learn / omen: > 1 means omen is faster or smaller)",
                    ["measure", "scikit-learn", "omen", "ratio"], rows,
                    f"scikit-learn: IsolationForest n_jobs={args.threads} on a float32 numpy matrix "
                    f"(job/host {args.sk_encoding}-encoded); omen: threads {args.threads}, feature vectors "
                    "built in SQL from the table")
        rows = []
        for key, label in (("auc", "ROC-AUC"), ("ap", "average precision"), ("p_at_1pct", "precision at top 1%"),
                           ("fpr_auto", "FPR at contamination 'auto' (score > 0.5)"),
                           ("recall_auto", "recall at 'auto'"), ("flagged_auto", "share flagged at 'auto'"),
                           ("fpr_frac", f"FPR at contamination {CONTAMINATION}"),
                           ("recall_frac", f"recall at {CONTAMINATION}"),
                           ("flagged_frac", f"share flagged at {CONTAMINATION}")):
            rows.append((label, pm(col(sk, key)), pm(col(om, key)), diff(col(om, key), col(sk, key))))
        for k in ANOMALY_KINDS:
            rows.append((f"top-1% detection rate: {k}", pm(col(sk, "top1_rate", k)), pm(col(om, "top1_rate", k)),
                         diff(col(om, "top1_rate", k), col(sk, "top1_rate", k))))
        print_table(f"(b)-(c) detection on all {n_rows:,} rows ({int(y.sum()):,} anomalies), mean ± sd over "
                    f"{len(seeds)} seeds", ["measure", "scikit-learn", "omen", "omen − sklearn"], rows,
                    None if om else "omen: " + skip_note(["isolation_forest_train"]))
        if om and "corr_with_sklearn_seed0" in om[0]:
            print(f"Pearson correlation of omen's and scikit-learn's seed-{seeds[0]} scores: "
                  f"{om[0]['corr_with_sklearn_seed0']:.4f}")

        # -------------------------------------------------------- (e) baselines, Mahalanobis, ensemble
        other = {}
        if sk:
            other["isolation forest (scikit-learn, seed 0)"] = {k: sk[0][k] for k in ("auc", "ap", "p_at_1pct",
                                                                                     "top1_rate")}
        if om:
            other["isolation forest (omen, seed 0)"] = {k: om[0][k] for k in ("auc", "ap", "p_at_1pct", "top1_rate")}

        def add(label, sql, params=()):
            """sql returns (run_id, score) rows in any order; a NULL score ranks lowest."""
            t0 = time.perf_counter()
            pairs = conn.execute(sql, params).fetchall()
            dt = time.perf_counter() - t0
            v = np.full(n_rows, np.nan)
            for rid, x in pairs:
                if x is not None:
                    v[rid - 1] = x
            nulls = int(np.isnan(v).sum())
            v = np.where(np.isnan(v), -np.inf, v)
            met = detection_metrics(np, skm, y, kind, v)
            other[label] = {"auc": met["auc"], "ap": met["ap"], "p_at_1pct": met["p_at_1pct"],
                            "top1_rate": met["top1_rate"], "score_s": dt, "null_scores": nulls}

        # Per-job models drive the join (CROSS JOIN keeps the model table as
        # the outer loop; runs are found through an index on job), so that a
        # statement decodes each job's model once: the per-statement model
        # cache holds a few models, not 200, and an ORDER BY would be applied
        # only after the scores were computed in the scan's order.
        have_bl = fn["baseline_train"] and fn["baseline_score"]
        if have_bl or (fn["anomaly_ensemble"] and if_model0 is not None):
            t0 = time.perf_counter()
            conn.execute("CREATE INDEX runs_job ON runs(job, run_id)")
            other["_index_runs_job_s"] = time.perf_counter() - t0
        bl_fv = None
        if have_bl:
            def baselines():
                t0 = time.perf_counter()
                conn.execute(f"CREATE TEMP TABLE bl AS SELECT job, baseline_train(duration_s) AS m_dur, "
                             f"baseline_train({FV_BL}) AS m_fv FROM runs GROUP BY job")
                other["_baseline_train_s (two models per job)"] = time.perf_counter() - t0
                add("per-job baseline: |baseline_score| of duration_s",
                    "SELECT r.run_id, abs(baseline_score(bl.m_dur, r.duration_s)) "
                    "FROM bl CROSS JOIN runs r ON r.job = bl.job")
                if fn["anomaly_score"]:
                    add("per-job baseline of duration_s, mem_mb, cpu_pct: anomaly_score (max |z|)",
                        f"SELECT r.run_id, anomaly_score(bl.m_fv, {FV_R}) FROM bl CROSS JOIN runs r ON r.job = bl.job")
                return True
            bl_fv = try_sql(baselines, "per-job baselines", notes)
        else:
            print("\n(e) per-job baselines: " + skip_note([f for f in ("baseline_train", "baseline_score")
                                                           if not fn[f]]))
        maha = None
        if fn["mahalanobis_train"] and fn["mahalanobis_score"]:
            def mahalanobis():
                t0 = time.perf_counter()
                m = conn.execute(f"SELECT mahalanobis_train({FV_LN}) FROM runs").fetchone()[0]
                other["_mahalanobis_train_s"] = time.perf_counter() - t0
                add("Mahalanobis over ln(1 + x) of the 7 numeric columns",
                    f"SELECT run_id, mahalanobis_score(?, {FV_LN}) FROM runs", (m,))
                return m
            maha = try_sql(mahalanobis, "Mahalanobis", notes)
        else:
            print("(e) Mahalanobis: " + skip_note([f for f in ("mahalanobis_train", "mahalanobis_score")
                                                  if not fn[f]]))
        if fn["anomaly_ensemble"] and fn["anomaly_score"] and if_model0 is not None:
            for votes in (1, 2):
                if maha is not None:
                    def ens(votes=votes):
                        e = conn.execute("SELECT anomaly_ensemble(?, ?, ?)",
                                         (if_model0, maha, json.dumps({"min_votes": votes}))).fetchone()[0]
                        add(f"ensemble iforest + Mahalanobis, min_votes {votes}",
                            f"SELECT run_id, anomaly_score(?, {FV_ALL}) FROM runs", (e,))
                    try_sql(ens, f"ensemble iforest + Mahalanobis (min_votes {votes})", notes)
            for votes in (1, 2):
                if bl_fv:
                    def ens_bl(votes=votes):
                        conn.execute("DROP TABLE IF EXISTS temp.ens")
                        conn.execute("CREATE TEMP TABLE ens AS SELECT job, anomaly_ensemble(?, m_fv, ?) AS e FROM bl",
                                     (if_model0, json.dumps({"min_votes": votes})))
                        add(f"per-job ensemble iforest + job baseline, min_votes {votes}",
                            f"SELECT r.run_id, anomaly_score(ens.e, {FV_R}) "
                            "FROM ens CROSS JOIN runs r ON r.job = ens.job")
                    try_sql(ens_bl, f"ensemble iforest + baseline (min_votes {votes})", notes)
            if maha is None and not bl_fv:
                print("(e) ensemble: needs a second detector (Mahalanobis or baselines): skipped")
        else:
            print("(e) ensemble: " + (skip_note([f for f in ("anomaly_ensemble", "anomaly_score") if not fn[f]])
                                      if not (fn["anomaly_ensemble"] and fn["anomaly_score"])
                                      else "skipped: no omen isolation forest"))
        det = {k: v for k, v in other.items() if not k.startswith("_")}
        if det:
            print_table(f"(e) detectors on the same {n_rows:,} rows (trained on all rows, scores on all rows)",
                        ["detector", "ROC-AUC", "average precision", "precision at 1%"] +
                        [k.replace("impossible_", "imp. ") for k in ANOMALY_KINDS],
                        [(k, f"{v['auc']:.4f}", f"{v['ap']:.4f}", f"{v['p_at_1pct']:.4f}") +
                         tuple(f"{v['top1_rate'][a]:.3f}" if "top1_rate" in v else "" for a in ANOMALY_KINDS)
                         for k, v in det.items()],
                        "the kind columns: share of that kind's rows among the top 1% of scores")
        R["detectors"] = other
        section_done("(e) detectors")

        # -------------------------------------------------------- diagnose
        if args.diagnose and have_if:
            R["diagnose"] = diagnose(conn, np, skm, IsolationForest, d, X, y, args)
            section_done("diagnose")

        # -------------------------------------------------------- (f) real data
        if args.skip_real:
            print("\n(f) real data: skipped (--skip-real)")
        else:
            R["real"] = real_data(args, np, skm, IsolationForest, fn, have_if, seeds, notes)
            if R["real"].get("status"):
                status = 1
        section_done("(f) real data")
        conn.close()

    # ------------------------------------------------------------ summary
    srows = []

    def m(rows, key):
        return mean_sd(collect(rows, key))[0] if rows else None

    if om:
        sp = m(sk, "score_s") / m(om, "score_s")
        sp_name = m(sk, "score_s") / m(om, "score_name_s") if m(om, "score_name_s") else None
        d_auc = m(om, "auc") - m(sk, "auc")
        d_p = m(om, "p_at_1pct") - m(sk, "p_at_1pct")

        def se_diff(key):
            a, b = collect(om, key), collect(sk, key)
            if len(a) < 2 or len(b) < 2:
                return float("nan")
            return math.sqrt(statistics.variance(a) / len(a) + statistics.variance(b) / len(b))
        srows += [("scoring all rows: score_samples / omen (BLOB bound)", f"{sp:.1f}x", ">= 10x", goal(sp >= 10))]
        if sp_name:
            srows.append(("scoring all rows: score_samples / omen (registry name)", f"{sp_name:.1f}x", ">= 10x",
                          goal(sp_name >= 10)))
        srows += [("ROC-AUC omen − scikit-learn (± standard error of the difference)",
                   f"{d_auc:+.4f} ± {se_diff('auc'):.4f}", ">= −0.005", goal(d_auc >= -0.005)),
                  ("precision at 1% omen − scikit-learn (± standard error)",
                   f"{d_p:+.4f} ± {se_diff('p_at_1pct'):.4f}", ">= −0.005", goal(d_p >= -0.005)),
                  ("fit time scikit-learn / omen", f"{m(sk, 'fit_s') / m(om, 'fit_s'):.2f}", "(no goal)", "")]
        R["summary"] = {"score_speedup_blob": sp, "score_speedup_name": sp_name, "auc_diff": d_auc,
                        "auc_diff_se": se_diff("auc"), "p_at_1pct_diff": d_p, "p_at_1pct_diff_se": se_diff("p_at_1pct")}
        if "diagnose" in R:
            dg = R["diagnose"]["categorical"]
            srows.append((f"  --diagnose: ROC-AUC omen − scikit-learn over {len(dg['sklearn'])} seeds, "
                          f"{R['diagnose']['subset_rows']:,}-row subset", f"{dg['diff']:+.4f} ± {dg['se']:.4f}",
                          ">= −0.005", goal(dg["diff"] >= -0.005)))
    else:
        srows.append(("omen isolation forest", "not built yet", "", "skipped"))
    print_table("Summary against the goals of issue 9 (synthetic history)", ["goal", "measured", "target", "status"],
                srows)
    if notes:
        print("notes:\n  " + "\n  ".join(notes))
    R["notes"] = notes
    R["load_end"] = os.getloadavg()
    R["sections_s"] = sections
    R["total_s"] = time.perf_counter() - wall_start
    print(f"load average at end: {load_avg()}")
    print("time per part: " + ", ".join(f"{k} {v:.0f} s" for k, v in sections.items()))
    print(f"peak RSS {maxrss_mb():.0f} MB; total bench time {R['total_s']:.0f} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(R, f, indent=1, default=float)
        print(f"figures written to {args.json}")
    return status


# ------------------------------------------------------------------ diagnose (behaviour 14)

def diagnose(conn, np, skm, IsolationForest, d, X, y, args):
    """More seeds for the AUC comparison: both libraries fit on every row
    (as in (b)/(c)) but are scored on one fixed random subset of rows, so
    that many seeds fit in minutes; once with job and host, once without."""
    n = len(y)
    seeds = list(range(args.diagnose))
    rng = np.random.default_rng(1)
    sub = np.sort(rng.choice(n, size=min(n, 200_000), replace=False))
    conn.execute("CREATE TEMP TABLE diag_sub(run_id INTEGER PRIMARY KEY)")
    conn.executemany("INSERT INTO diag_sub VALUES (?)", ((int(i) + 1,) for i in sub))
    fv_num = "feature_vector(" + ", ".join(f"'{c}', {c}" for c in NUMERIC) + ")"
    out = {"subset_rows": len(sub), "seeds": seeds}
    rows = []
    for name, cols, fv in (("categorical", slice(None), FV), ("numeric only", slice(2, None), fv_num)):
        Xv = np.ascontiguousarray(X[:, cols])
        a_sk, a_om = [], []
        for s in seeds:
            m = IsolationForest(n_estimators=N_TREES, max_samples=SAMPLE_SIZE, random_state=s,
                                n_jobs=args.threads).fit(Xv)
            a_sk.append(float(skm.roc_auc_score(y[sub], -m.score_samples(Xv[sub]))))
            blob = conn.execute(f"SELECT isolation_forest_train({fv}, ?) FROM runs",
                                (if_options(s, args.threads),)).fetchone()[0]
            sc = omen_scores(conn, f"SELECT isolation_score(?, {fv}) FROM runs JOIN diag_sub USING (run_id) "
                                   "ORDER BY run_id", (blob,))
            a_om.append(float(skm.roc_auc_score(y[sub], sc)))
        diff = statistics.fmean(a_om) - statistics.fmean(a_sk)
        se = math.sqrt(statistics.variance(a_om) / len(a_om) + statistics.variance(a_sk) / len(a_sk)) \
            if len(seeds) > 1 else float("nan")
        out[name] = {"sklearn": a_sk, "omen": a_om, "diff": diff, "se": se}
        rows.append((name if name != "categorical" else "job, host + 7 numeric (as in (b)/(c))",
                     pm(a_sk), pm(a_om), f"{diff:+.4f} ± {se:.4f}"))
    print_table(f"diagnose: ROC-AUC over {len(seeds)} seeds, models fitted on all {n:,} rows, scored on a fixed "
                f"random subset of {len(sub):,} rows", ["features", "scikit-learn", "omen",
                                                        "omen − sklearn ± se"], rows)
    return out


# ------------------------------------------------------------------ real data (behaviour 9)

def data_dir():
    return os.environ.get("OMEN_DATA") or os.path.join(os.path.dirname(ROOT), "shared", "data")


def real_data(args, np, skm, IsolationForest, fn, have_if, seeds, notes):
    out = {}
    out["swf"] = swf_part(args, np, skm, IsolationForest, fn, have_if, seeds, notes)
    out["breast_cancer"] = breast_cancer_part(np, skm, IsolationForest, fn, have_if, seeds)
    return out


def fit_score_both(conn, np, IsolationForest, X, fv_sql, table, where, params, seed, have_if):
    """One seed: (sklearn -score_samples, omen isolation_score or None)."""
    m = IsolationForest(n_estimators=N_TREES, max_samples=SAMPLE_SIZE, random_state=seed, n_jobs=1).fit(X)
    s_sk = -m.score_samples(X)
    s_om = None
    if have_if:
        blob = conn.execute(f"SELECT isolation_forest_train({fv_sql}, ?) FROM {table} WHERE {where} ORDER BY rid",
                            (if_options(seed, 1),) + params).fetchone()[0]
        s_om = np.array(omen_scores(conn, f"SELECT isolation_score(?, {fv_sql}) FROM {table} WHERE {where} "
                                          "ORDER BY rid", (blob,) + params), dtype=np.float64)
    return s_sk, s_om


def swf_part(args, np, skm, IsolationForest, fn, have_if, seeds, notes):
    import swf_load
    ddir = data_dir()
    if not os.path.isdir(ddir):
        print(f"\n(f) SWF logs: {ddir} is absent (set OMEN_DATA): skipped")
        return {"skipped": f"{ddir} absent"}
    names = DEFAULT_LOGS
    if args.logs:
        prefixes = [p.strip() for p in args.logs.split(",") if p.strip()]
        avail = sorted(f[:-len(".swf.gz")] for f in os.listdir(ddir) if f.endswith(".swf.gz"))
        names = [a for p in prefixes for a in avail if a.startswith(p)]
    res = {}
    rows_out = []
    for name in names:
        path = os.path.join(ddir, name + ".swf.gz")
        if not os.path.exists(path):
            print(f"(f) {name}: {path} is absent: skipped")
            continue
        t_log = time.perf_counter()
        conn = open_omen(":memory:")
        swf_load.load_swf(conn, path)
        # features present in this log
        num = [(f, c) for f, c in SWF_NUMERIC
               if conn.execute(f"SELECT count({c}) FROM runs WHERE run IS NOT NULL").fetchone()[0] > 0]
        cat = [(f, c) for f, c in SWF_CATEGORICAL
               if conn.execute(f"SELECT count({c}) FROM runs WHERE run IS NOT NULL").fetchone()[0] > 0]
        conn.execute("CREATE TABLE sw AS SELECT job_id AS rid, " +
                     ", ".join(f"{c} AS {f}" for f, c in num) + ", " +
                     ", ".join(f"CAST({c} AS TEXT) AS {f}" for f, c in cat) +
                     ", (time_req IS NOT NULL AND time_req > 0 AND run > 1.5 * time_req) AS overrun, "
                     "coalesce(status = 0, 0) AS failed FROM runs WHERE run IS NOT NULL ORDER BY job_id")
        fv_sql = "feature_vector(" + ", ".join(f"'{f}', {f}" for f, _ in num + cat) + ")"
        fv_ln = "feature_vector(" + ", ".join(f"'ln_{f}', ln(1 + max({f}, 0))" for f, _ in num) + ")"
        fv_all = "feature_vector(" + ", ".join([f"'{f}', {f}" for f, _ in num + cat] +
                                               [f"'ln_{f}', ln(1 + max({f}, 0))" for f, _ in num]) + ")"
        data = conn.execute("SELECT " + ", ".join(f for f, _ in num + cat) +
                            ", overrun, failed, rid FROM sw ORDER BY rid").fetchall()
        n = len(data)
        overrun = np.array([r[-3] for r in data], dtype=np.int64)
        failed = np.array([r[-2] for r in data], dtype=np.int64)
        y = overrun | failed
        cols = []
        for i in range(len(num)):
            v = np.array([np.nan if r[i] is None else float(r[i]) for r in data])
            med = np.nanmedian(v)
            cols.append(np.where(np.isnan(v), med, v))
        for i in range(len(num), len(num) + len(cat)):
            cols.append(frequency_codes(np, [r[i] for r in data]))
        X = np.ascontiguousarray(np.column_stack(cols), dtype=np.float32)
        per = {"sklearn": [], "omen": []}
        label_sets = {"overrun or failed": y, "overrun": overrun, "failed": failed}
        label_sets = {k: v for k, v in label_sets.items()
                      if 0 < v.sum() < n and (k == "overrun or failed" or not np.array_equal(v, y))}
        for s in seeds:
            s_sk, s_om = fit_score_both(conn, np, IsolationForest, X, fv_sql, "sw", "1", (), s, have_if)
            per["sklearn"].append({k: float(skm.roc_auc_score(v, s_sk)) for k, v in label_sets.items()})
            if s_om is not None:
                per["omen"].append({k: float(skm.roc_auc_score(v, s_om)) for k, v in label_sets.items()})
        r = {"rows": n, "prevalence": {k: float(v.mean()) for k, v in label_sets.items()},
             "features": [f for f, _ in num + cat], "auc_per_seed": per, "detectors": {}}

        pos = {row[-1]: i for i, row in enumerate(data)}

        def extra(label, sql, params=()):
            """sql returns (rid, score) rows in any order; a NULL score ranks lowest."""
            v = np.full(n, -np.inf)
            for rid, x in conn.execute(sql, params):
                if x is not None:
                    v[pos[rid]] = x
            r["detectors"][label] = {k: float(skm.roc_auc_score(lab, v)) for k, lab in label_sets.items()}

        if fn["baseline_train"] and fn["baseline_score"]:
            def bl():
                conn.execute("CREATE TEMP TABLE blu AS SELECT user, baseline_train(run) AS m FROM sw GROUP BY user")
                extra("per-user baseline: |z| of run",
                      "SELECT sw.rid, abs(baseline_score(blu.m, sw.run)) FROM sw JOIN blu ON blu.user IS sw.user "
                      "ORDER BY sw.user, sw.rid")
                if have(conn, "baseline_fleet"):
                    extra("per-user baseline with the fleet prior: |z| of run",
                          "WITH fleet AS (SELECT baseline_fleet(m) AS f FROM blu) "
                          "SELECT sw.rid, abs(baseline_score(blu.m, sw.run, fleet.f)) "
                          "FROM sw JOIN blu ON blu.user IS sw.user, fleet ORDER BY sw.user, sw.rid")
            try_sql(bl, f"{name}: per-user baseline", notes)
        maha = None
        if fn["mahalanobis_train"] and fn["mahalanobis_score"]:
            def mh():
                mm = conn.execute(f"SELECT mahalanobis_train({fv_ln}) FROM sw").fetchone()[0]
                extra("Mahalanobis over ln(1 + x)", f"SELECT rid, mahalanobis_score(?, {fv_ln}) FROM sw", (mm,))
                return mm
            maha = try_sql(mh, f"{name}: Mahalanobis", notes)
        if maha is not None and have_if and fn["anomaly_ensemble"] and fn["anomaly_score"]:
            def en():
                ifm = conn.execute(f"SELECT isolation_forest_train({fv_sql}, ?) FROM sw",
                                   (if_options(seeds[0], 1),)).fetchone()[0]
                for votes in (1, 2):
                    e = conn.execute("SELECT anomaly_ensemble(?, ?, ?)",
                                     (ifm, maha, json.dumps({"min_votes": votes}))).fetchone()[0]
                    extra(f"ensemble iforest + Mahalanobis, min_votes {votes}",
                          f"SELECT rid, anomaly_score(?, {fv_all}) FROM sw", (e,))
            try_sql(en, f"{name}: ensemble", notes)
        r["seconds"] = time.perf_counter() - t_log
        res[name] = r
        conn.close()
        for lab in label_sets:
            a_sk = [p[lab] for p in per["sklearn"]]
            a_om = [p[lab] for p in per["omen"]]
            first = lab == "overrun or failed"
            rows_out.append((name if first else "", f"{n:,}" if first else "", lab, f"{r['prevalence'][lab]:.2%}",
                             pm(a_sk), pm(a_om), f"{mean_sd(a_om)[0] - mean_sd(a_sk)[0]:+.4f}" if a_om else "")
                            + tuple(f"{r['detectors'][dn][lab]:.4f}" if dn in r["detectors"] else ""
                                    for dn in ("per-user baseline: |z| of run",
                                               "per-user baseline with the fleet prior: |z| of run",
                                               "Mahalanobis over ln(1 + x)",
                                               "ensemble iforest + Mahalanobis, min_votes 1")))
        print(f"  {name}: {n:,} jobs with a run time, features {', '.join(r['features'])}; "
              f"{r['seconds']:.1f} s", flush=True)
    if rows_out:
        print_table(f"(f) SWF logs: ROC-AUC, mean ± sd over {len(seeds)} seeds; label = overrun (run > 1.5 "
                    "time_req) or failed (status 0); all jobs with a run time, fitted and scored on all; "
                    "a part of the label equal to the whole one is not repeated",
                    ["log", "jobs", "label", "prevalence", "scikit-learn", "omen", "omen − sklearn",
                     "per-user baseline", "+ fleet prior", "Mahalanobis", "ensemble (1 vote)"], rows_out,
                    None if have_if else "omen: " + skip_note(["isolation_forest_train"]))
    return res


def breast_cancer_part(np, skm, IsolationForest, fn, have_if, seeds):
    from sklearn.datasets import load_breast_cancer
    bc = load_breast_cancer()
    Xall = bc.data
    malignant = bc.target == 0          # target 0 = malignant, 1 = benign
    ben = np.flatnonzero(~malignant)
    mal = np.flatnonzero(malignant)
    k = int(round(BC_MALIGNANT_SHARE * len(ben) / (1 - BC_MALIGNANT_SHARE)))
    names = [f.replace(" ", "_") for f in bc.feature_names]
    conn = open_omen(":memory:")
    conn.execute("CREATE TABLE bc(sub INTEGER, rid INTEGER, label INTEGER, " +
                  ", ".join(f"{c} REAL" for c in names) + ")")
    fv_sql = "feature_vector(" + ", ".join(f"'{c}', {c}" for c in names) + ")"
    fv_all = fv_sql
    subs = []
    for r in range(BC_SUBSAMPLES):
        rng = np.random.default_rng(r)
        idx = np.concatenate([ben, rng.choice(mal, size=k, replace=False)])
        idx.sort()
        subs.append(idx)
        conn.executemany(f"INSERT INTO bc VALUES ({','.join('?' * (3 + len(names)))})",
                         [(r, i, int(malignant[j])) + tuple(float(x) for x in Xall[j]) for i, j in enumerate(idx)])
    per_sub = []
    for r, idx in enumerate(subs):
        X = np.ascontiguousarray(Xall[idx], dtype=np.float32)
        y = malignant[idx].astype(np.int64)
        a_sk, a_om = [], []
        for s in seeds:
            s_sk, s_om = fit_score_both(conn, np, IsolationForest, X, fv_sql, "bc", "sub = ?", (r,), s, have_if)
            a_sk.append(float(skm.roc_auc_score(y, s_sk)))
            if s_om is not None:
                a_om.append(float(skm.roc_auc_score(y, s_om)))
        d = {"subsample": r, "rows": len(idx), "malignant": int(y.sum()), "sklearn": a_sk, "omen": a_om}
        if fn["mahalanobis_train"] and fn["mahalanobis_score"]:
            try:
                mm = conn.execute(f"SELECT mahalanobis_train({fv_sql}) FROM bc WHERE sub = ?", (r,)).fetchone()[0]
                v = omen_scores(conn, f"SELECT mahalanobis_score(?, {fv_sql}) FROM bc WHERE sub = ? ORDER BY rid",
                                (mm, r))
                d["mahalanobis"] = float(skm.roc_auc_score(y, v))
                if have_if and fn["anomaly_ensemble"] and fn["anomaly_score"]:
                    ifm = conn.execute(f"SELECT isolation_forest_train({fv_sql}, ?) FROM bc WHERE sub = ? "
                                       "ORDER BY rid", (if_options(seeds[0], 1), r)).fetchone()[0]
                    e = conn.execute("SELECT anomaly_ensemble(?, ?, '{\"min_votes\": 1}')", (ifm, mm)).fetchone()[0]
                    v = omen_scores(conn, f"SELECT anomaly_score(?, {fv_all}) FROM bc WHERE sub = ? ORDER BY rid",
                                    (e, r))
                    d["ensemble"] = float(skm.roc_auc_score(y, v))
            except sqlite3.Error as e:
                d["error"] = str(e)
        per_sub.append(d)
    conn.close()
    sk_means = [statistics.fmean(d["sklearn"]) for d in per_sub]
    om_means = [statistics.fmean(d["omen"]) for d in per_sub if d["omen"]]
    rows = [("scikit-learn IsolationForest", pm(sk_means)),
            ("omen isolation forest", pm(om_means) if om_means else "n/a (" + skip_note(["isolation_forest_train"])
             + ")")]
    if om_means:
        rows.append(("omen − scikit-learn", f"{statistics.fmean(om_means) - statistics.fmean(sk_means):+.4f}"))
    for key, label in (("mahalanobis", "omen Mahalanobis (30 raw features)"),
                       ("ensemble", "omen ensemble iforest + Mahalanobis, min_votes 1")):
        v = [d[key] for d in per_sub if key in d]
        if v:
            rows.append((label, pm(v)))
    print_table(f"(f) breast cancer (scikit-learn's bundled copy of the Wisconsin diagnostic data): "
                f"{len(ben)} benign + {k} malignant rows = {len(ben) + k}, {BC_SUBSAMPLES} subsamples x "
                f"{len(seeds)} forest seeds; ROC-AUC, mean ± sd over the subsamples",
                ["model", "ROC-AUC"], rows)
    return {"benign": int(len(ben)), "malignant_kept": k, "per_subsample": per_sub,
            "sklearn_mean_sd": mean_sd(sk_means), "omen_mean_sd": mean_sd(om_means)}


if __name__ == "__main__":
    sys.exit(main())
