#!/usr/bin/python3
"""eval_cdf.py — are omen's duration distributions calibrated on real job
histories?  predict_cdf and predict_remaining of a 'duration' model and of
an 'aft' model (censored runs), on Standard Workload Format logs.

    /usr/bin/python3 tools/eval_cdf.py [--logs NAME,...] [--trees N]
    OMEN_DATA=/path/to/data /usr/bin/python3 tools/eval_cdf.py

Behaviours:
  1. Data and features are bench_real.py's (imported, not copied): the logs
     of its DEFAULT_LOGS and MORE_LOGS (SDSC-SP2, CTC-SP2, KTH-SP2,
     SDSC-DS-2004, HPC2N-2002; --logs picks others by name prefix) in
     $OMEN_DATA or ../shared/data, loaded with swf_load.py; features from
     its HISTORY_SQL (time_req, procs_req, hour, wday, the user's and the
     user+executable's history of finished runs, user/grp/exe/queue/partition
     as categories).  Rows with a known run time (>= 0), in (submit, job_id)
     order: the first 75% train, the rest test — bench_real's protocol.
     Nothing is written; a missing data directory or log is skipped (exit 0).
  2. Censoring (for the 'aft' model): a run is right-censored at its
     recorded run time when SWF status is 5 (cancelled) or when it ran as
     long as it asked for (time_req > 0 and run >= time_req: killed at its
     limit); status 0 (failed) and 1 (completed) runs that ended before
     their limit are exact durations (a failure is an end).  An exact run
     time of 0 s becomes the interval [0, 1 s] (objective 'aft' needs
     log(duration)).  The 'duration' model, as in bench_real, takes every
     recorded run time as a duration, so its own notion of "finished by t"
     is "recorded as ended by t".
  3. Models (omen's defaults otherwise: 100 trees, depth 6, learning rate
     0.1, 2 threads): 'duration' with loss 'ratio' and offset u_last2 (the
     user's last two finished runs), which holds out the last 10% of the
     training rows for calibration; 'aft' with offset u_last2, its
     aft_distribution (normal, logistic, extreme) and aft_sigma (0.5, 0.7,
     1.0, 1.4, 2.0) chosen by the validation metric (mean negative
     log-likelihood of the last 20% of the training rows: 15 fits), then
     retrained on every training row.
  4. Reliability of predict_cdf(model, fv, t): for every test run, t = three
     run times drawn at random (numpy default_rng(20250310), with
     replacement) from the training rows' run times > 0 — deadlines that
     know nothing of the run, so the predictions spread over [0, 1] — and
     t = 3600 s; each (run, t) is one prediction p.  Predictions are binned
     by p into tenths; per bin the observed share of runs that finished by
     t.  For the 'aft' model a
     censored run's outcome is unknown when it was stopped before t, so the
     share is a Kaplan-Meier estimate on s = recorded time / t (a censored
     run is at risk until it was stopped; independent censoring assumed);
     without censoring that is the plain share.  Printed: per bin n, mean p,
     observed, and per model the largest |observed − mean p| over bins with
     at least 50 predictions and the n-weighted mean of |observed − mean p|
     (expected calibration error).  A second table gives, one line each,
     the mean p and the observed share at deadlines tied to the model or
     the job: t = 0.5, 1 and 2 × the model's median (predict_duration(model,
     fv, 0.5)) and t = time_req (when known; the scheduler kills a run
     there, which neither model knows).
  5. The deadline form predict_cdf(model, fv, t, e): e = a fourth random
     training run time, t = 1.5e and 3e, among test runs still running at e
     (recorded time > e; for 'aft' a run censored at or before e is left
     out, as Kaplan-Meier does: whether it would have passed e is
     unknown).  Same table.
  6. predict_remaining: at e = the random draw of 5, 0.5, 1 and 2 × the
     model's median, and 3600 s, among the test runs still running at e: the share whose
     actual remaining time is within [predict_remaining(q = 0.05),
     predict_remaining(q = 0.95)] (90% nominal) and the share at most the
     remaining median (50% nominal), both Kaplan-Meier for 'aft' (P(R <= hi)
     − P(R < lo)).
  7. Output: the tables per log, then a summary per log and model.  Timing
     is printed; nothing is checked (this is evidence, not a test).
"""
import argparse
import json
import math
import os
import sys
import time

TOOLS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, TOOLS)
import bench_real  # noqa: E402  (its HISTORY_SQL, features and helpers)
import swf_load  # noqa: E402

SIGMAS = [0.5, 0.7, 1.0, 1.4, 2.0]
DISTRIBUTIONS = ["normal", "logistic", "extreme"]
DRAW_SEED = 20250310
MIN_BIN = 50
CENSORED_SQL = "(status = 5 OR (time_req > 0 AND run >= time_req))"


def km_share(np, s, ev, strict=False):
    """P(S <= 1) (P(S < 1) when strict) by Kaplan-Meier: s the values, ev 1
    for an observed value, 0 for a right-censored one (the value is a lower
    bound).  Ties: events before censorings.  Without censoring: the share."""
    if len(s) == 0:
        return float("nan")
    order = np.lexsort((1 - ev, s))
    s, ev = s[order], ev[order]
    at_risk = len(s) - np.arange(len(s))
    hit = ((s < 1) if strict else (s <= 1)) & (ev == 1)
    return float(1 - np.prod(1 - 1 / at_risk[hit]))


def reliability(np, p, s, ev):
    """Rows (bin, n, mean p, observed) over tenths of p, the largest gap over
    bins with >= MIN_BIN predictions, and the n-weighted mean gap."""
    rows, worst, ece, total = [], 0.0, 0.0, 0
    b = np.minimum((p * 10).astype(int), 9)
    for k in range(10):
        m = b == k
        n = int(m.sum())
        if n == 0:
            rows.append((f"[{k / 10:.1f}, {(k + 1) / 10:.1f})", 0, None, None))
            continue
        mp, obs = float(p[m].mean()), km_share(np, s[m], ev[m])
        rows.append((f"[{k / 10:.1f}, {(k + 1) / 10:.1f})", n, mp, obs))
        if n >= MIN_BIN:
            worst = max(worst, abs(obs - mp))
        ece += n * abs(obs - mp)
        total += n
    return rows, worst, ece / total if total else float("nan")


ELAPSED = [("draw", "e1"), ("0.5 × median", "0.5 * med"), ("median", "med"), ("2 × median", "2 * med"),
           ("3600 s", "3600")]


def draws(conn, np, n_train):
    """Behaviour 4: per test row (in dur_pos order) four run times drawn at
    random from the training rows' (> 0), the same for both models."""
    pool = np.array([r[0] for r in conn.execute(
        "SELECT run FROM feat WHERE dur_pos <= ? AND run > 0 ORDER BY dur_pos", (n_train,))], dtype=float)
    n_test = conn.execute("SELECT count(*) FROM feat WHERE dur_pos > ?", (n_train,)).fetchone()[0]
    d = np.random.default_rng(DRAW_SEED).choice(pool, size=(n_test, 4))
    conn.execute("DROP TABLE IF EXISTS draws")
    conn.execute("CREATE TEMP TABLE draws(pos INTEGER PRIMARY KEY, t1 REAL, t2 REAL, t3 REAL, e1 REAL)")
    conn.executemany("INSERT INTO draws VALUES (?, ?, ?, ?, ?)",
                     [(n_train + 1 + i, *map(float, d[i])) for i in range(n_test)])


def score(conn, model, n_train, fv):
    """Per test row: run, censored, time_req, the draws and every probe of behaviours 4-6."""
    cols = ["run", "cens", "time_req", "med", "t1", "t2", "t3", "e1",
            "c_t1", "c_t2", "c_t3", "c_hour", "c_half", "c_med", "c_two", "c_req", "d_15", "d_3"]
    rem = []
    for _, e in ELAPSED:
        for q in (0.05, 0.5, 0.95):
            rem.append(f"predict_remaining(:m, fv, {e}, {q})")
            cols.append(f"r_{e}_{q}")
    conn.execute("DROP TABLE IF EXISTS scored")
    conn.execute(f"""CREATE TEMP TABLE scored AS
        SELECT run, {CENSORED_SQL} AS cens, time_req, {fv} AS fv, max(predict_duration(:m, {fv}, 0.5), 1) AS med,
               t1, t2, t3, e1
          FROM feat JOIN draws ON draws.pos = feat.dur_pos WHERE dur_pos > :n ORDER BY dur_pos""",
                 {"m": model, "n": n_train})
    sql = f"""SELECT run, cens, time_req, med, t1, t2, t3, e1,
        predict_cdf(:m, fv, t1), predict_cdf(:m, fv, t2), predict_cdf(:m, fv, t3), predict_cdf(:m, fv, 3600),
        predict_cdf(:m, fv, 0.5 * med), predict_cdf(:m, fv, med), predict_cdf(:m, fv, 2 * med),
        CASE WHEN time_req > 0 THEN predict_cdf(:m, fv, time_req) END,
        predict_cdf(:m, fv, 1.5 * e1, e1), predict_cdf(:m, fv, 3 * e1, e1),
        {", ".join(rem)}
        FROM scored"""
    return bench_real.fetch_columns(conn, sql, {"m": model}, cols)


def evaluate(np, d, aft):
    """Behaviours 4-6 from the scored columns; aft: use the censoring flags."""
    a = {k: np.array([np.nan if v is None else v for v in d[k]], dtype=float) for k in d}
    run, med = a["run"], a["med"]
    ev = (1 - a["cens"]) if aft else np.ones_like(run)
    # 4. unconditional: the random deadlines and one hour pooled in the table ...
    ps, ss, es = [], [], []
    for col, t in (("c_t1", a["t1"]), ("c_t2", a["t2"]), ("c_t3", a["t3"]), ("c_hour", np.full_like(run, 3600.0))):
        ps.append(a[col]), ss.append(run / t), es.append(ev)
    uncond = reliability(np, np.concatenate(ps), np.concatenate(ss), np.concatenate(es))
    # ... and, one line each, t relative to the model's median and t = time_req
    probes = []
    for label, col, t in (("t = 0.5 × median", "c_half", 0.5 * med), ("t = median", "c_med", med),
                          ("t = 2 × median", "c_two", 2 * med), ("t = time_req", "c_req", a["time_req"])):
        ok = ~np.isnan(a[col]) & (t > 0)
        probes.append((label, int(ok.sum()), float(a[col][ok].mean()), km_share(np, run[ok] / t[ok], ev[ok])))
    # 5. conditional on running at a random elapsed time e1
    live = run > a["e1"]
    ps, ss, es = [], [], []
    for col, k in (("d_15", 1.5), ("d_3", 3.0)):
        ps.append(a[col][live]), ss.append(run[live] / (k * a["e1"][live])), es.append(ev[live])
    cond = reliability(np, np.concatenate(ps), np.concatenate(ss), np.concatenate(es))
    # 6. remaining time
    rem = []
    for label, key in ELAPSED:
        e = a["e1"] if key == "e1" else {"0.5 * med": 0.5 * med, "med": med, "2 * med": 2 * med,
                                          "3600": np.full_like(run, 3600.0)}[key]
        m = run > e
        r = run[m] - e[m]
        lo, mid, hi = a[f"r_{key}_0.05"][m], a[f"r_{key}_0.5"][m], a[f"r_{key}_0.95"][m]
        # s = R / bound: R <= bound is s <= 1; a bound of 0 holds only R = 0, an infinite one everything
        ratio = lambda b: np.where(b > 0, r / np.where(b > 0, b, 1.0), np.where(r > 0, np.inf, 0.0))  # noqa: E731
        cover = km_share(np, ratio(hi), ev[m]) - km_share(np, ratio(lo), ev[m], strict=True)
        below = km_share(np, ratio(mid), ev[m])
        rem.append((label, int(m.sum()), cover, below))
    return uncond, cond, rem, probes


def train(conn, fv, n_train, options, upper=None):
    up = f", {upper}" if upper else ""
    return conn.execute(f"SELECT gbt_train({fv}, run, ?{up}) FROM (SELECT * FROM feat WHERE dur_pos <= ? ORDER BY dur_pos)",
                        (options, n_train)).fetchone()[0]


def run_log(conn, np, short, hp):
    num, cat = bench_real.used_features(conn)
    fv = bench_real.fv_sql(num + cat)
    n = conn.execute("SELECT count(*) FROM feat WHERE dur_pos IS NOT NULL").fetchone()[0]
    n_train = int(n * bench_real.TRAIN_FRACTION)
    cens_train = conn.execute(f"SELECT avg({CENSORED_SQL}) FROM feat WHERE dur_pos <= ?", (n_train,)).fetchone()[0]
    cens_test = conn.execute(f"SELECT avg({CENSORED_SQL}) FROM feat WHERE dur_pos > ?", (n_train,)).fetchone()[0]
    offset = {"offset": "u_last2"} if "u_last2" in num else {}
    upper = f"CASE WHEN {CENSORED_SQL} THEN NULL WHEN run = 0 THEN 1 ELSE run END"
    t0 = time.perf_counter()
    dur = train(conn, fv, n_train, bench_real.omen_options(hp, objective="duration", loss="ratio", **offset))
    t_dur = time.perf_counter() - t0
    t0 = time.perf_counter()
    metrics = {}
    for dist in DISTRIBUTIONS:
        for s in SIGMAS:
            m = train(conn, fv, n_train, bench_real.omen_options(hp, objective="aft", aft_distribution=dist, aft_sigma=s,
                                                                validation_fraction=0.2, **offset), upper)
            metrics[(dist, s)] = json.loads(conn.execute("SELECT model_info(?)", (m,)).fetchone()[0])["metrics"][
                "validation_metric"]
    dist, sigma = min(metrics, key=lambda k: metrics[k])
    aft = train(conn, fv, n_train, bench_real.omen_options(hp, objective="aft", aft_distribution=dist, aft_sigma=sigma,
                                                          **offset), upper)
    t_aft = time.perf_counter() - t0
    t0 = time.perf_counter()
    draws(conn, np, n_train)
    res = {"duration": evaluate(np, score(conn, dur, n_train, fv), False),
           "aft": evaluate(np, score(conn, aft, n_train, fv), True)}
    t_score = time.perf_counter() - t0
    info = dict(n=n, n_train=n_train, cens_train=cens_train, cens_test=cens_test, sigma=sigma, dist=dist,
                sigma_metrics=metrics, t_dur=t_dur, t_aft=t_aft, t_score=t_score)
    return res, info


def print_log(short, res, info):
    f = bench_real.fmt
    print(f"\n{short}: {info['n']:,} runs with a run time, train {info['n_train']:,}, test "
          f"{info['n'] - info['n_train']:,}; right-censored (cancelled or at the limit) "
          f"{100 * info['cens_train']:.1f}% of train, {100 * info['cens_test']:.1f}% of test; aft {info['dist']} sigma "
          f"{info['sigma']}; fit duration {info['t_dur']:.1f} s, aft ({len(info['sigma_metrics']) + 1} fits) "
          f"{info['t_aft']:.1f} s, scoring {info['t_score']:.1f} s")
    print("  aft validation NLL: " + "; ".join(
        d + " " + ", ".join(f"{s}: {info['sigma_metrics'][(d, s)]:.3f}" for s in SIGMAS) for d in DISTRIBUTIONS))
    for title, idx in (("predict_cdf(model, fv, t): t = three run times drawn from the training rows, and 3600 s", 0),
                       ("predict_cdf(model, fv, t, e): e drawn from the training rows, t = 1.5e and 3e, "
                        "runs still running at e", 1)):
        du, af = res["duration"][idx], res["aft"][idx]
        rows = []
        for (b, n1, p1, o1), (_, n2, p2, o2) in zip(du[0], af[0]):
            rows.append((b, f"{n1:,}", f(p1), f(o1), f(None if p1 is None else abs(o1 - p1)),
                         f"{n2:,}", f(p2), f(o2), f(None if p2 is None else abs(o2 - p2))))
        rows.append(("max |obs − p| (n ≥ 50)", "", "", "", f(du[1]), "", "", "", f(af[1])))
        rows.append(("mean |obs − p| (ECE)", "", "", "", f(du[2]), "", "", "", f(af[2])))
        bench_real.print_table(f"{short}: {title}",
                               ["p bin", "duration n", "mean p", "observed", "|diff|",
                                "aft n", "mean p", "observed (KM)", "|diff|"], rows)
    rows = []
    for (lab, n1, p1, o1), (_, n2, p2, o2) in zip(res["duration"][3], res["aft"][3]):
        rows.append((lab, f"{n1:,}", f(p1), f(o1), f(abs(o1 - p1)), f"{n2:,}", f(p2), f(o2), f(abs(o2 - p2))))
    bench_real.print_table(f"{short}: predict_cdf at deadlines tied to the model or the job (every test run)",
                           ["deadline", "duration n", "mean p", "observed", "|diff|",
                            "aft n", "mean p", "observed (KM)", "|diff|"], rows)
    rows = []
    for (lab, n1, c1, b1), (_, n2, c2, b2) in zip(res["duration"][2], res["aft"][2]):
        rows.append((lab, f"{n1:,}", f(c1), f(b1), f"{n2:,}", f(c2), f(b2)))
    bench_real.print_table(f"{short}: predict_remaining at elapsed e, runs still running at e",
                           ["elapsed e", "duration n", "in [q05, q95] (0.90)", "<= q50 (0.50)",
                            "aft n", "in [q05, q95] (KM)", "<= q50 (KM)"], rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logs", help="comma-separated SWF log name prefixes (default: bench_real's five)")
    parser.add_argument("--trees", type=int, default=100, help="n_trees (default 100)")
    args = parser.parse_args()
    data_dir = os.environ.get("OMEN_DATA") or os.path.normpath(os.path.join(bench_real.ROOT, "..", "shared", "data"))
    if not os.path.isdir(data_dir):
        print(f"eval_cdf.py: no data directory {data_dir}; skipped")
        return 0
    if not os.path.exists(bench_real.EXTENSION):
        print(f"eval_cdf.py: {bench_real.EXTENSION} is missing; run: make", file=sys.stderr)
        return 1
    import numpy as np
    names = args.logs.split(",") if args.logs else bench_real.DEFAULT_LOGS + bench_real.MORE_LOGS
    logs = bench_real.find_logs(data_dir, names)
    hp = {"n_trees": args.trees, "max_depth": 6, "learning_rate": 0.1, "lambda": 1.0, "min_child_weight": 1.0,
          "max_bins": 256}
    wall = time.perf_counter()
    print("omen eval_cdf — calibration of predict_cdf / predict_remaining on real job histories")
    print("hyperparameters: " + json.dumps(hp) + f", {bench_real.THREADS} threads; 'duration': loss 'ratio', "
          "offset u_last2; 'aft': offset u_last2, distribution and sigma by validation NLL")
    summary = []
    for path in logs:
        short = os.path.basename(path).split("-cln")[0].replace(".swf.gz", "")
        conn = bench_real.open_db()
        swf_load.load_swf(conn, path)
        conn.executescript(bench_real.HISTORY_SQL)
        res, info = run_log(conn, np, short, hp)
        conn.close()
        print_log(short, res, info)
        for model in ("duration", "aft"):
            u, c, r, _ = res[model]
            summary.append((short, model, bench_real.fmt(u[1]), bench_real.fmt(u[2]), bench_real.fmt(c[1]),
                            bench_real.fmt(c[2]), bench_real.fmt(r[0][2]), bench_real.fmt(r[0][3])))
        sys.stdout.flush()
    bench_real.print_table("Summary: largest |observed − predicted| over p bins with >= 50 predictions, and ECE",
                           ["log", "model", "cdf max", "cdf ECE", "deadline max", "deadline ECE",
                            "remaining 90% cover, e drawn", "<= q50, e drawn"], summary)
    print(f"total eval_cdf time {time.perf_counter() - wall:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
