#!/usr/bin/python3
"""eval_intervals.py — do omen's 90% intervals hold over time and per user on
real job histories?  The model's built-in split-conformal interval against
recalibration with interval_calibrate() (sliding window, Mondrian by user,
both), refreshed daily or weekly as a user's SQL script would.

    /usr/bin/python3 tools/eval_intervals.py [--logs NAME,...] [--trees N] [--cadence daily,weekly]
                                             [--days D] [--window W] [--min-group M] [--shrink K] [--sweep]
    OMEN_DATA=/path/to/data /usr/bin/python3 tools/eval_intervals.py

Behaviours:
  1. Data, features, split and model are bench_real.py's (imported, not
     copied): the five logs of its DEFAULT_LOGS (--logs picks others by name
     prefix) from $OMEN_DATA or ../shared/data, loaded with swf_load.py, the
     features of its default recipe (sql/runtime_recipe.sql: its
     RECIPE_NUMERIC, both candidates trained and one kept on the
     calibration tail, as bench_real's omen row does), rows with a known run time in (submit,
     job_id) order, the first 75% train and the rest test; the recipe's
     model (bench_real's RECIPE_OPTIONS over its hyperparameters, 2 threads)
     trained over the training rows, which holds out their last 10%
     (n_cal rows) for its built-in split-conformal interval.  A missing data
     directory or log is skipped (exit 0); nothing is written.
  2. Causality.  A run's end is submit + wait + run (wait NULL = 0).  The
     rows a calibration may use are those the model did not fit (the
     calibration tail and the test rows, positions > n_fit = n_train −
     n_cal), and only once they have ended.  Refresh times are t_k = T0 +
     k·P (T0 = the first test submit, P = 1 day or 7 days); at t_k the
     script runs, as a user would,
       SELECT interval_calibrate(:model, fv, run, :options)
         FROM (SELECT * FROM runs WHERE end_t < :t AND end_t >= :t − D days
               ORDER BY end_t, pos)
     and each test run submitted in [t_k, t_k+1) is scored with
     predict_interval(:model, fv, 0.9, :calib).  A run is never in the
     calibration it is scored with (its end ≥ its submit ≥ t_k).  When a
     refresh has no row to use, the run gets the built-in interval.
  3. Methods: "built-in" = predict_interval(model, fv, 0.9) (the model's own
     residuals, today's behaviour); "window" = pooled over the trailing D
     days (--days, default 30) and the last W rows (--window, default 1000);
     "days" = pooled over the trailing D days, every row (no row window);
     "Mondrian" = grouped by user (min_group --min-group, default 30; a user
     with fewer residuals uses the pool) over the same trailing D days without
     a row window; "both" = grouped by user with the row window W (the last
     W of the pool and of each user).  With --aci, "both + ACI" (simulated
     in numpy, not an omen option): adaptive conformal inference (Gibbs &
     Candès 2021), the level α_t of each user group (and of the pool)
     moved after every ended run by γ(0.1 − miss), γ = 0.005, runs
     counted when they end (causal), the interval taken at 1 − α_t from the
     same residuals.  With --shrink K, "Mondrian shrink K": as "Mondrian",
     but with interval_calibrate's option shrink K ({"group": "user",
     "min_group": M, "shrink": K}): a stored user's conformal quantiles are
     pulled towards the pool's, q = w·q_user + (1 − w)·q_pool with
     w = n_user / (n_user + K); a user below min_group uses the pool.  Its
     numpy simulation (the reference the option was built from) is also
     reported as its own row, "Mondrian shrink K (numpy)", per bucket too.
  4. Reported per log and method: coverage (both ends inclusive), the
     median and mean of the width (1 + hi) / (1 + lo) (hi/lo in log1p space:
     a 0-second lower bound stays finite), the coverage of 10 chronological
     slices of the test rows (equal row counts; min and max, and the full
     list in --verbose), and per user bucket (users by their number of test
     runs: 1-9, 10-49, 50-199, >= 200) the pooled coverage, the share of
     users whose own coverage is in 0.88-0.92 and below 0.85, and next to
     them the shares a perfectly calibrated interval would get by chance
     (each user's count of covered runs Binomial(n, 0.9)): with 50 runs a
     user's coverage has a standard deviation of 0.042, so few can be in a
     band of ±0.02 whatever the method.
  5. --sweep: the same protocol computed in numpy from each run's residual
     log1p(run) − log1p(pred) (exact unless the prediction was clamped at
     0 s) for a grid of D, W and min_group, for choosing the defaults; the
     SQL path is not run.  Without --sweep, the numpy simulation of the
     chosen configuration is also run and its largest coverage difference
     from the SQL path printed (a check of interval_calibrate against a
     brute-force reimplementation; C thins samples above 512 residuals to
     order statistics, numpy does not, so tiny differences are expected);
     "numpy disagree" is the share of test runs whose covered/missed status
     differs between the two.  --thin makes the simulation keep, like C,
     only 512 order statistics of a larger sample (ranks round(j(n − 1)/511))
     and interpolate between them (cf.h behaviours 4-5).
  6. Markdown tables on stdout (for docs/BENCHMARKS.md), timing included.
"""
import argparse
import json
import math
import os
import sys
import time

TOOLS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, TOOLS)
import bench_real  # noqa: E402  (its HISTORY_SQL, features, split and helpers)
import swf_load  # noqa: E402

LEVEL = 0.9
BAND = bench_real.COVER_BAND
LOW = 0.85
BUCKETS = [(1, 9, "1-9"), (10, 49, "10-49"), (50, 199, "50-199"), (200, None, ">=200")]
CADENCES = {"daily": 86400, "weekly": 7 * 86400}
N_SLICES = 10
ACI_GAMMA = 0.005


# ---------------------------------------------------------------- data

def prepare(conn, hp):
    """Train the default model; table ev of the rows a calibration may use."""
    bench_real.add_recipe_features(conn, [], "")
    num, cat = bench_real.used_features(conn, bench_real.RECIPE_NUMERIC, [])
    fv = bench_real.fv_sql(num + cat)
    n = conn.execute("SELECT count(*) FROM feat WHERE dur_pos IS NOT NULL").fetchone()[0]
    n_train = int(n * bench_real.TRAIN_FRACTION)
    t0 = time.perf_counter()
    candidates = [bench_real.omen_options(hp, objective="duration", **bench_real.RECIPE_OPTIONS)]
    for alt in bench_real.RECIPE_ALTERNATIVES:
        candidates.append(bench_real.omen_options(hp, objective="duration", **dict(bench_real.RECIPE_OPTIONS, **alt)))
    blobs = [conn.execute(f"SELECT gbt_train({fv}, run, ?) FROM (SELECT * FROM feat WHERE dur_pos <= ? "
                          "ORDER BY dur_pos)", (o, n_train)).fetchone()[0] for o in candidates]
    model = blobs[bench_real.select_on_tail(conn, fv, n_train, blobs)[0]]
    t_fit = time.perf_counter() - t0
    info = json.loads(conn.execute("SELECT model_info(?)", (model,)).fetchone()[0])
    n_cal = info["metrics"]["calibration_rows"]
    n_fit = n_train - n_cal
    # the calibration groups by the vector's 'user' (a categorical); the
    # recipe's model does not use it, and ignores the extra entry
    fv_ev = fv if "user" in num + cat else bench_real.fv_sql(num + cat + ["user"])
    conn.execute("DROP TABLE IF EXISTS ev")
    conn.execute(f"""CREATE TEMP TABLE ev AS
        SELECT dur_pos AS pos, submit, submit + coalesce(wait_, 0) + run AS end_t, run, user, {fv_ev} AS fv
          FROM (SELECT feat.*, runs.wait AS wait_ FROM feat JOIN runs ON runs.job_id = feat.job_id
                 WHERE feat.dur_pos > ?)
         ORDER BY dur_pos""", (n_fit,))
    conn.execute("CREATE INDEX ev_end ON ev(end_t, pos)")
    conn.execute("CREATE INDEX ev_submit ON ev(submit, pos)")
    return model, dict(n=n, n_train=n_train, n_cal=n_cal, n_fit=n_fit, t_fit=t_fit, features=num + cat)


def builtin(conn, np, model, n_train):
    rows = conn.execute("""SELECT pos, submit, end_t, run, user, pi->>'pred', pi->>'lo', pi->>'hi'
        FROM (SELECT pos, submit, end_t, run, user, predict_interval(?, fv, 0.9) AS pi FROM ev WHERE pos > ?)
        ORDER BY pos""", (model, n_train)).fetchall()
    cols = list(zip(*rows))
    d = {"pos": np.array(cols[0]), "submit": np.array(cols[1], dtype=float), "end": np.array(cols[2], dtype=float),
         "y": np.array(cols[3], dtype=float), "user": list(cols[4]), "pred": np.array(cols[5], dtype=float),
         "lo": np.array(cols[6], dtype=float), "hi": np.array(cols[7], dtype=float)}
    return d


def calib_rows(conn, np, model):
    """Every row a calibration may use, in (end_t, pos) order, with its residual
    in log1p space (for the numpy simulation)."""
    rows = conn.execute("""SELECT pos, end_t, run, user, predict_duration(?, fv) FROM ev ORDER BY end_t, pos""",
                        (model,)).fetchall()
    cols = list(zip(*rows))
    y = np.array(cols[2], dtype=float)
    pred = np.array(cols[4], dtype=float)
    return {"pos": np.array(cols[0]), "end": np.array(cols[1], dtype=float), "user": list(cols[3]),
            "resid": np.log1p(y) - np.log1p(pred)}


# ---------------------------------------------------------------- the SQL path (behaviour 2)

def options_of(method, days, window, min_group, shrink=0):
    if method == "shrink":
        return {"group": "user", "min_group": min_group, "shrink": shrink}
    if method == "days":
        return {}
    if method == "window":
        return {"window": window}
    if method == "Mondrian":
        return {"group": "user", "min_group": min_group}
    if method == "both":
        return {"group": "user", "min_group": min_group, "window": window}
    raise ValueError(method)


def sql_method(conn, np, model, test, opts, days, period):
    """lo, hi, source ('group'/'pool'/'builtin') of every test run."""
    t0 = test["submit"][0]
    k_of = np.floor((test["submit"] - t0) / period).astype(int)
    lo, hi = test["lo"].copy(), test["hi"].copy()
    src = np.array(["builtin"] * len(lo), dtype=object)
    index = {p: i for i, p in enumerate(test["pos"].tolist())}
    text = json.dumps(opts)
    for k in np.unique(k_of):
        t = t0 + k * period
        try:
            c = conn.execute("""SELECT interval_calibrate(?1, fv, run, ?2)
                FROM (SELECT fv, run FROM ev WHERE end_t < ?3 AND end_t >= ?4 ORDER BY end_t, pos)""",
                             (model, text, t, t - days * 86400)).fetchone()[0]
        except Exception as e:  # no rows yet: the built-in interval stays
            if "no rows to calibrate" not in str(e):
                raise
            continue
        for pos, j in conn.execute("""SELECT pos, predict_interval(?1, fv, 0.9, ?2) FROM ev
                WHERE submit >= ?3 AND submit < ?4 AND pos > ?5""",
                                   (model, c, t, t + period, int(test["pos"][0]) - 1)):
            i = index[pos]
            o = json.loads(j)
            lo[i], hi[i], src[i] = o["lo"], o["hi"], o["calibration"]
    return lo, hi, src


# ---------------------------------------------------------------- the numpy simulation (behaviour 5)

THIN = 0  # --thin: keep this many order statistics of a larger sample, as C does (0 = all)


def conf_q(np, r, q):
    """cf_sample_quantile (r sorted), without thinning unless THIN."""
    n = len(r)
    if q >= 0.5:
        k = math.ceil((n + 1) * q)
        if k > n:
            return math.inf
    else:
        k = math.floor((n + 1) * q)
        if k < 1:
            return -math.inf
    if not THIN or n <= THIN:
        return float(r[k - 1])
    pos = (k - 1) * (THIN - 1) / (n - 1)  # the stored slots around rank k, as cf_sample_quantile
    lo = math.floor(pos)

    def slot(j):  # the order statistic slot j keeps: rank llround(j (n - 1) / (THIN - 1))
        return float(r[math.floor(j * (n - 1) / (THIN - 1) + 0.5)])
    if lo >= THIN - 1:
        return slot(THIN - 1)
    return slot(lo) + (pos - lo) * (slot(lo + 1) - slot(lo))


def sim_method(np, test, cal, days, window, min_group, grouped, period, aci=False, shrink=0):
    """Behaviour 5: lo, hi of every test run under the same protocol.
    shrink K > 0 (grouped, numpy only): a user's quantiles are pulled towards
    the pool's, q = w q_user + (1 - w) q_pool, w = n_user / (n_user + K)."""
    t0 = test["submit"][0]
    k_of = np.floor((test["submit"] - t0) / period).astype(int)
    lo, hi = test["lo"].copy(), test["hi"].copy()
    raw = np.log1p(test["pred"])
    codes = {None: -1}
    cal_user = np.array([codes.setdefault(u, len(codes)) for u in cal["user"]], dtype=np.int64)
    test_user = np.array([codes.setdefault(u, len(codes)) for u in test["user"]], dtype=np.int64)
    ends = cal["end"]
    # ACI state: alpha per user (and the pool), misses fed back when a run ends
    alpha = {}
    fed = 0
    key_used = np.full(len(lo), -2, dtype=np.int64)  # -2: the pool
    test_order = np.argsort(test["end"], kind="stable")
    for k in np.unique(k_of):
        t = t0 + k * period
        a = np.searchsorted(ends, t - days * 86400, side="left")
        b = np.searchsorted(ends, t, side="left")
        if b <= a:
            continue
        r = cal["resid"][a:b]
        u = cal_user[a:b]
        pool = r[-window:] if window else r
        pool_s = np.sort(pool)
        if aci:  # feed back the test runs that ended before t
            while fed < len(test_order) and test["end"][test_order[fed]] < t:
                i = test_order[fed]
                miss = 0.0 if lo[i] <= test["y"][i] <= hi[i] else 1.0
                for kk in {int(key_used[i]), -2}:
                    alpha[kk] = alpha.get(kk, 1 - LEVEL) + ACI_GAMMA * ((1 - LEVEL) - miss)
                fed += 1
        idx = np.nonzero(k_of == k)[0]
        users = set(test_user[idx].tolist())
        samples = {}
        if grouped:
            for usr in users:
                if usr == -1:
                    continue
                ru = r[u == usr]
                if window:
                    ru = ru[-window:]
                if len(ru) >= min_group:
                    samples[usr] = np.sort(ru)
        for i in idx:
            s = samples.get(test_user[i], pool_s)
            key = int(test_user[i]) if test_user[i] in samples else -2
            lvl = 1 - alpha.get(key, 1 - LEVEL) if aci else LEVEL
            lvl = min(max(lvl, 0.5), 0.999)
            q_lo, q_hi = conf_q(np, s, (1 - lvl) / 2), conf_q(np, s, (1 + lvl) / 2)
            if shrink > 0 and key != -2:
                w = len(s) / (len(s) + shrink)
                q_lo = w * q_lo + (1 - w) * conf_q(np, pool_s, (1 - lvl) / 2)
                q_hi = w * q_hi + (1 - w) * conf_q(np, pool_s, (1 + lvl) / 2)
            lo[i] = max(math.expm1(raw[i] + q_lo), 0.0)
            hi[i] = math.expm1(raw[i] + q_hi)
            key_used[i] = key
    return lo, hi


# ---------------------------------------------------------------- numbers (behaviour 4)

def binom_band_share(n, lo_band, hi_band, p=LEVEL):
    """P(Binomial(n, p)/n in [lo_band, hi_band]) and P(... < LOW)."""
    inb = below = 0.0
    for k in range(n + 1):
        pk = math.exp(math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
                      + k * math.log(p) + (n - k) * math.log1p(-p))
        c = k / n
        if lo_band - 1e-12 <= c <= hi_band + 1e-12:
            inb += pk
        if c < LOW - 1e-12:
            below += pk
    return inb, below


def summarise(np, test, lo, hi):
    y = test["y"]
    inside = (lo <= y) & (y <= hi)
    width = (1 + hi) / (1 + lo)
    out = {"coverage": float(inside.mean()), "width_median": float(np.median(width)),
           "width_mean": float(np.mean(width[np.isfinite(width)])), "infinite": int((~np.isfinite(width)).sum()),
           "slices": [float(s.mean()) for s in np.array_split(inside, N_SLICES)], "buckets": {}}
    users = {}
    for i, u in enumerate(test["user"]):
        if u is not None:
            users.setdefault(u, []).append(i)
    for lo_n, hi_n, label in BUCKETS:
        group = [ix for ix in users.values() if len(ix) >= lo_n and (hi_n is None or len(ix) <= hi_n)]
        if not group:
            out["buckets"][label] = None
            continue
        cov = [float(inside[ix].mean()) for ix in group]
        rows = np.concatenate([np.array(ix) for ix in group])
        exp_in = exp_low = 0.0
        for ix in group:
            a, b = binom_band_share(len(ix), *BAND)
            exp_in += a
            exp_low += b
        out["buckets"][label] = {
            "users": len(group), "runs": int(len(rows)), "coverage": float(inside[rows].mean()),
            "in_band": float(np.mean([(BAND[0] <= c <= BAND[1]) for c in cov])),
            "below": float(np.mean([c < LOW for c in cov])),
            "chance_in_band": exp_in / len(group), "chance_below": exp_low / len(group)}
    return out


def fmt(x, d=3):
    return bench_real.fmt(x, d)


def md_table(title, header, rows):
    print(f"\n{title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|")
    for r in rows:
        print("| " + " | ".join(str(c) for c in r) + " |")


# ---------------------------------------------------------------- main

def run_log(conn, np, hp, args):
    model, info = prepare(conn, hp)
    test = builtin(conn, np, model, info["n_train"])
    cal = calib_rows(conn, np, model)
    res = {"built-in": summarise(np, test, test["lo"], test["hi"])}
    span_days = (test["submit"][-1] - test["submit"][0]) / 86400
    info.update(test_days=span_days, n_test=len(test["y"]))
    if args.sweep:
        for days in (14, 30, 60, 90, 100000):
            for window in (0, 1000, 2000, 5000):
                for mg in (30, 100):
                    for grouped in (False, True):
                        if not grouped and mg != 30:
                            continue
                        lo, hi = sim_method(np, test, cal, days, window, mg, grouped, CADENCES["daily"])
                        name = f"{'user' if grouped else 'pool'} D={days} W={window} mg={mg}"
                        res[name] = summarise(np, test, lo, hi)
        return res, info
    timing = {}
    for cadence in args.cadence.split(","):
        period = CADENCES[cadence]
        methods = args.methods.split(",") + (["shrink"] if args.shrink else [])
        for method in methods:
            opts = options_of(method, args.days, args.window, args.min_group, args.shrink)
            name = f"Mondrian shrink {args.shrink:g}" if method == "shrink" else method
            t0 = time.perf_counter()
            lo, hi, src = sql_method(conn, np, model, test, opts, args.days, period)
            timing[f"{name}, {cadence}"] = time.perf_counter() - t0
            s = summarise(np, test, lo, hi)
            s["group_share"] = float(np.mean(src == "group"))
            s["builtin_share"] = float(np.mean(src == "builtin"))
            grouped = method in ("Mondrian", "both", "shrink")
            window = args.window if method in ("window", "both") else 0
            slo, shi = sim_method(np, test, cal, args.days, window, args.min_group, grouped, period,
                                  shrink=args.shrink if method == "shrink" else 0)
            sim_in = (slo <= test["y"]) & (test["y"] <= shi)
            s["sim_coverage"] = float(np.mean(sim_in))
            s["sim_disagree"] = float(np.mean(sim_in != ((lo <= test["y"]) & (test["y"] <= hi))))
            res[f"{name}, {cadence}"] = s
            if method == "shrink":
                res[f"{name} (numpy), {cadence}"] = summarise(np, test, slo, shi)
        if args.aci:
            lo, hi = sim_method(np, test, cal, args.days, args.window, args.min_group, True, period, aci=True)
            res[f"both + ACI (numpy), {cadence}"] = summarise(np, test, lo, hi)
    info["timing"] = timing
    return res, info


def print_log(short, res, info):
    print(f"\n### {short}: {info['n']:,} runs, train {info['n_train']:,} (calibration tail {info['n_cal']:,}), "
          f"test {info['n_test']:,} over {info['test_days']:.0f} days; fit {info['t_fit']:.0f} s")
    rows = []
    for name, s in res.items():
        extra = ""
        if "sim_coverage" in s:
            extra = f"{s['sim_coverage']:.3f} ({s['sim_disagree']:.4f})"
        rows.append([name, fmt(s["coverage"]), fmt(s["width_median"], 2), fmt(s["width_mean"], 2),
                     fmt(min(s["slices"])), fmt(max(s["slices"])),
                     " ".join(f"{c:.2f}" for c in s["slices"]),
                     fmt(s.get("group_share"), 2) if "group_share" in s else "", extra])
    md_table(f"{short}: coverage of the 90% interval, width (1+hi)/(1+lo), 10 chronological slices",
             ["method", "coverage", "width median", "width mean", "slice min", "slice max", "slices",
              "share by user", "numpy check (disagree)"], rows)
    rows = []
    for name, s in res.items():
        for label, b in s["buckets"].items():
            if b is None:
                continue
            rows.append([name, label, b["users"], f"{b['runs']:,}", fmt(b["coverage"]),
                         f"{b['in_band']:.2f} ({b['chance_in_band']:.2f})", f"{b['below']:.2f} ({b['chance_below']:.2f})"])
    md_table(f"{short}: per user bucket (users by test runs): pooled coverage; share of users in 0.88-0.92 and "
             f"below 0.85 (in parentheses: what a perfectly calibrated interval gets by chance)",
             ["method", "users with", "users", "runs", "coverage", "in band", "below 0.85"], rows)
    if info.get("timing"):
        print("\n" + "; ".join(f"{k}: {v:.0f} s" for k, v in info["timing"].items()))


def main():
    global np, THIN
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logs", help="comma-separated SWF log name prefixes (default: bench_real's five)")
    parser.add_argument("--trees", type=int, default=100)
    parser.add_argument("--cadence", default="daily,weekly")
    parser.add_argument("--days", type=float, default=30, help="trailing window of the refresh query (days)")
    parser.add_argument("--window", type=int, default=1000, help="interval_calibrate's window option (rows)")
    parser.add_argument("--min-group", type=int, default=30)
    parser.add_argument("--sweep", action="store_true")
    parser.add_argument("--aci", action="store_true")
    parser.add_argument("--shrink", type=float, default=0,
                        help="also run interval_calibrate's option shrink K by user (and its numpy simulation)")
    parser.add_argument("--methods", default="days,window,Mondrian,both",
                        help="comma-separated SQL methods besides shrink (days, window, Mondrian, both)")
    parser.add_argument("--thin", action="store_true",
                        help="the numpy simulation keeps 512 order statistics per sample, as interval_calibrate does")
    parser.add_argument("--json", help="write every number to this file")
    args = parser.parse_args()
    THIN = 512 if args.thin else 0
    data_dir = os.environ.get("OMEN_DATA") or os.path.normpath(os.path.join(bench_real.ROOT, "..", "shared", "data"))
    if not os.path.isdir(data_dir):
        print(f"eval_intervals.py: no data directory {data_dir}; skipped")
        return 0
    if not os.path.exists(bench_real.EXTENSION):
        print(f"eval_intervals.py: {bench_real.EXTENSION} is missing; run: make", file=sys.stderr)
        return 1
    import numpy
    np = numpy
    names = args.logs.split(",") if args.logs else bench_real.DEFAULT_LOGS
    logs = bench_real.find_logs(data_dir, names)
    hp = {"n_trees": args.trees, "max_depth": 6, "learning_rate": 0.1, "lambda": 1.0, "min_child_weight": 1.0,
          "max_bins": 256}
    wall = time.perf_counter()
    print("omen eval_intervals — 90% interval coverage over time and per user group on real job histories")
    print(f"model: {json.dumps(hp)}, objective 'duration'; trailing window {args.days:g} days, window option "
          f"{args.window} rows, min_group {args.min_group}")
    summary, everything = [], {}
    for path in logs:
        short = os.path.basename(path).split("-cln")[0].replace(".swf.gz", "")
        conn = bench_real.open_db()
        swf_load.load_swf(conn, path)
        conn.executescript(bench_real.HISTORY_SQL)
        res, info = run_log(conn, np, hp, args)
        conn.close()
        print_log(short, res, info)
        everything[short] = {"info": info, "results": res}
        for name, s in res.items():
            big = s["buckets"].get(">=200")
            summary.append([short, name, fmt(s["coverage"]), fmt(min(s["slices"])), fmt(max(s["slices"])),
                            fmt(s["width_median"], 2),
                            "n/a" if not big else f"{big['in_band']:.2f} ({big['chance_in_band']:.2f})",
                            "n/a" if not big else f"{big['below']:.2f} ({big['chance_below']:.2f})"])
        sys.stdout.flush()
    md_table("Summary: coverage per log (goal 0.88-0.92), worst and best of 10 slices, median width, users with "
             ">= 200 test runs in 0.88-0.92 / below 0.85 (chance under perfect calibration)",
             ["log", "method", "coverage", "slice min", "slice max", "width median", ">=200 in band",
              ">=200 below 0.85"], summary)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(everything, f, indent=1, default=float)
    print(f"\ntotal eval_intervals time {time.perf_counter() - wall:.0f} s")
    return 0


np = None

if __name__ == "__main__":
    sys.exit(main())
