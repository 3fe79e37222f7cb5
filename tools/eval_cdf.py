#!/usr/bin/python3
"""eval_cdf.py — are omen's duration distributions calibrated on real job
histories?  predict_cdf and predict_remaining of the run-time recipe's
'duration' model (built in, and recalibrated daily with interval_calibrate)
and of an 'aft' model (censored runs), on Standard Workload Format logs.

    /usr/bin/python3 tools/eval_cdf.py [--logs NAME,...] [--trees N] [--methods built-in,pooled,bins]
                                       [--days D] [--bins K] [--no-aft] [--json FILE]
    OMEN_DATA=/path/to/data OMEN_EXT=/path/to/omen.so /usr/bin/python3 tools/eval_cdf.py

Behaviours:
  1. Data and features are bench_real.py's (imported, not copied): the five
     logs of its DEFAULT_LOGS (SDSC-SP2, CTC-SP2, KTH-SP2, HPC2N-2002,
     SDSC-DS-2004; --logs picks others by name prefix) in $OMEN_DATA or
     ../shared/data, loaded with swf_load.py; the features of the run-time
     recipe (sql/runtime_recipe.sql through bench_real.add_recipe_features:
     RECIPE_NUMERIC, relative to the user's last-2 offset 'off').  Rows with
     a known run time (>= 0), in (submit, job_id) order: the first 75% train,
     the rest test — bench_real's protocol.  Nothing is written; a missing
     data directory or log is skipped (exit 0).  $OMEN_EXT loads another
     build of the extension (default build/omen.so).
  2. Censoring (for the 'aft' model): a run is right-censored at its
     recorded run time when SWF status is 5 (cancelled) or when it ran as
     long as it asked for (time_req > 0 and run >= time_req: killed at its
     limit); status 0 (failed) and 1 (completed) runs that ended before
     their limit are exact durations (a failure is an end).  An exact run
     time of 0 s becomes the interval [0, 1 s] (objective 'aft' needs
     log(duration)).  The 'duration' model, as in bench_real, takes every
     recorded run time as a duration, so its own notion of "finished by t"
     is "recorded as ended by t".
  3. Models: 'duration' = the recipe (eval_intervals.py's prepare(): both
     candidates of bench_real's RECIPE_OPTIONS / RECIPE_ALTERNATIVES over
     the hyperparameters, 2 threads, one kept by bench_real.select_on_tail);
     it holds out the last 10% of the training rows (n_cal) for its built-in
     distribution.  'aft' (unless --no-aft) on the same features with offset
     'off', its aft_distribution (normal, logistic, extreme) and aft_sigma
     (0.5, 0.7, 1.0, 1.4, 2.0) chosen by the validation metric (mean
     negative log-likelihood of the last 20% of the training rows: 15 fits),
     then retrained on every training row.
  4. Methods for the 'duration' model: "built-in" = predict_cdf(model, fv,
     t [, e]) and predict_remaining(model, fv, e, q) (its own calibration
     tail); "pooled" and "bins" = the 5-argument forms predict_cdf(model,
     fv, t, e, calib) (e = 0 for the unconditional probes) and
     predict_remaining(model, fv, e, q, calib) with a calibration refreshed
     daily as eval_intervals.py does: a run ends at submit + wait + run; at
     t_k = T0 + k days (T0 the first test submit) the script runs
       SELECT interval_calibrate(:model, pred, run, :options)
         FROM (SELECT * FROM ev WHERE end_t < :t AND end_t >= :t − D days ORDER BY end_t, pos)
     over the runs the model did not fit (its calibration tail and the test
     runs) that ended in the trailing D days (--days, default 30) — pred is
     the run's predict_duration, computed once and stored, which gives the
     same calibration as the features without scoring each run again in
     every window it falls in (docs/interval_calibrate.md) — and every
     test run submitted in [t_k, t_k + 1 day) is scored with it (a run is
     never in its own calibration).  "pooled": options {} (every row of the
     D days, one sample); "bins": {"bins": K} (--bins, default 10: Mondrian
     by the decile of the model's raw score, edges from the calibration
     rows).  A day without a calibration row uses the built-in forms.
  5. Reliability of predict_cdf(model, fv, t): for every test run, t = three
     run times drawn at random (numpy default_rng(20250310), with
     replacement) from the training rows' run times > 0 — deadlines that
     know nothing of the run, so the predictions spread over [0, 1] — and
     t = 3600 s; each (run, t) is one prediction p.  Predictions are binned
     by p into tenths; per bin the observed share of runs that finished by
     t.  For the 'aft' model a censored run's outcome is unknown when it was
     stopped before t, so the share is a Kaplan-Meier estimate on s =
     recorded time / t (a censored run is at risk until it was stopped;
     independent censoring assumed); without censoring that is the plain
     share.  Printed: per bin n, mean p, observed, and per model the largest
     |observed − mean p| over bins with at least 50 predictions and the
     n-weighted mean of |observed − mean p| (expected calibration error).
     5b. The runs of a user on one day are not independent (a user
     submits hundreds of near-identical runs at once, and they end alike),
     so the largest gap is also recomputed on BOOT_REPS resamples of whole
     (user, submit day) clusters ('duration' methods; not for 'aft', whose
     shares are Kaplan-Meier): the 5%-95% range of those resampled largest
     gaps says how much of the gap one log's clusters can produce.
     A second table gives, one line each, the mean p and the observed share
     at deadlines tied to the model or the job: t = 0.5, 1 and 2 × the
     model's median (predict_duration(model, fv, 0.5), the built-in one for
     every 'duration' method) and t = time_req (when known; the scheduler
     kills a run there, which neither model knows).
  6. The deadline form predict_cdf(model, fv, t, e): e = a fourth random
     training run time, t = 1.5e and 3e, among test runs still running at e
     (recorded time > e; for 'aft' a run censored at or before e is left
     out, as Kaplan-Meier does: whether it would have passed e is
     unknown).  Same table.
  7. predict_remaining: at e = the random draw of 6, 0.5, 1 and 2 × the
     model's median, and 3600 s, among the test runs still running at e:
     the share whose actual remaining time is within [predict_remaining(q =
     0.05), predict_remaining(q = 0.95)] (90% nominal) and the share at
     most the remaining median (50% nominal), both Kaplan-Meier for 'aft'
     (P(R <= hi) − P(R < lo)).
  8. Output: the tables per log, then a summary per log and method, and
     --json writes every number.  Timing is printed; nothing is checked
     (this is evidence, not a test).
"""
import argparse
import json
import os
import sys
import time

TOOLS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, TOOLS)
import bench_real  # noqa: E402  (its HISTORY_SQL, recipe, features and helpers)
import swf_load  # noqa: E402

SIGMAS = [0.5, 0.7, 1.0, 1.4, 2.0]
DISTRIBUTIONS = ["normal", "logistic", "extreme"]
DRAW_SEED = 20250310
MIN_BIN = 50
BOOT_REPS = 200
BOOT_SEED = 7
DAY = 86400
CENSORED_SQL = "(status = 5 OR (time_req > 0 AND run >= time_req))"
METHODS = ["built-in", "pooled", "bins"]


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
COLS = ["c_t1", "c_t2", "c_t3", "c_hour", "c_half", "c_med", "c_two", "c_req", "d_15", "d_3"] + \
    [f"r_{e}_{q}" for _, e in ELAPSED for q in (0.05, 0.5, 0.95)]


def clusters(np, user, submit):
    """Behaviour 5b: the cluster of each test run, (user, day of its submit
    counted from the first test submit) — a NULL user is its own user."""
    day = np.floor((submit - submit[0]) / DAY).astype(np.int64)
    key = {}
    return np.array([key.setdefault((u, k), len(key)) for u, k in zip(user, day.tolist())], dtype=np.int64)


def cluster_bootstrap(np, p, hit, cl):
    """Behaviour 5b: the largest |observed − mean p| over p bins with at
    least MIN_BIN predictions, recomputed on BOOT_REPS resamples of whole
    clusters (with replacement; numpy default_rng(BOOT_SEED)); returns its
    5% and 95% quantiles, the number of clusters and the largest cluster's
    share of the predictions."""
    b = np.minimum((p * 10).astype(int), 9)
    n_cl = int(cl.max()) + 1
    stats = np.zeros((n_cl, 10, 3))
    np.add.at(stats, (cl, b, 0), p)
    np.add.at(stats, (cl, b, 1), hit.astype(float))
    np.add.at(stats, (cl, b, 2), 1.0)
    rng = np.random.default_rng(BOOT_SEED)
    worst = []
    for _ in range(BOOT_REPS):
        t = stats[rng.integers(0, n_cl, n_cl)].sum(axis=0)
        n = t[:, 2]
        gap = np.abs(t[:, 1] - t[:, 0]) / np.maximum(n, 1)
        worst.append(float(np.max(np.where(n >= MIN_BIN, gap, 0.0))))
    lo, hi = np.quantile(worst, [0.05, 0.95])
    return float(lo), float(hi), n_cl, float(np.bincount(cl).max() / len(cl))


def probes_sql(calib):
    """The SELECT list of every probe (behaviours 5-7), in COLS order; calib:
    the 5-argument forms with :c."""
    if calib:
        cdf = lambda t, e="0": f"predict_cdf(:m, fv, {t}, {e}, :c)"  # noqa: E731
        rem = lambda e, q: f"predict_remaining(:m, fv, {e}, {q}, :c)"  # noqa: E731
    else:
        cdf = lambda t, e=None: f"predict_cdf(:m, fv, {t}" + (f", {e})" if e else ")")  # noqa: E731
        rem = lambda e, q: f"predict_remaining(:m, fv, {e}, {q})"  # noqa: E731
    out = [cdf("t1"), cdf("t2"), cdf("t3"), cdf("3600"), cdf("0.5 * med"), cdf("med"), cdf("2 * med"),
           f"CASE WHEN time_req > 0 THEN {cdf('time_req')} END", cdf("1.5 * e1", "e1"), cdf("3 * e1", "e1")]
    out += [rem(e, q) for _, e in ELAPSED for q in (0.05, 0.5, 0.95)]
    return ", ".join(out)


def draws(conn, np, n_train):
    """Behaviour 5: per test row (in dur_pos order) four run times drawn at
    random from the training rows' (> 0), the same for every model."""
    pool = np.array([r[0] for r in conn.execute(
        "SELECT run FROM feat WHERE dur_pos <= ? AND run > 0 ORDER BY dur_pos", (n_train,))], dtype=float)
    n_test = conn.execute("SELECT count(*) FROM feat WHERE dur_pos > ?", (n_train,)).fetchone()[0]
    d = np.random.default_rng(DRAW_SEED).choice(pool, size=(n_test, 4))
    conn.execute("DROP TABLE IF EXISTS draws")
    conn.execute("CREATE TEMP TABLE draws(pos INTEGER PRIMARY KEY, t1 REAL, t2 REAL, t3 REAL, e1 REAL)")
    conn.executemany("INSERT INTO draws VALUES (?, ?, ?, ?, ?)",
                     [(n_train + 1 + i, *map(float, d[i])) for i in range(n_test)])


def score(conn, model, n_train, fv, method=None, days=30, opts=None):
    """Per test row (dur_pos order): run, censored, time_req, the draws and
    every probe of behaviours 5-7; method "pooled"/"bins": behaviour 4's
    daily refresh with options opts, from ev.pred — the stored predictions of
    the recipe's 'duration' model, so only that model takes a method."""
    conn.execute("DROP TABLE IF EXISTS scored")
    conn.execute(f"""CREATE TEMP TABLE scored AS
        SELECT dur_pos AS pos, submit, user, run, {CENSORED_SQL} AS cens, time_req, {fv} AS fv,
               max(predict_duration(:m, {fv}, 0.5), 1) AS med, t1, t2, t3, e1
          FROM feat JOIN draws ON draws.pos = feat.dur_pos WHERE dur_pos > :n ORDER BY dur_pos""",
                 {"m": model, "n": n_train})
    conn.execute("CREATE INDEX scored_submit ON scored(submit, pos)")
    head = ["run", "cens", "time_req", "med", "t1", "t2", "t3", "e1", "submit", "user"]
    d = bench_real.fetch_columns(conn, f"SELECT {', '.join(head)}, {probes_sql(False)} FROM scored ORDER BY pos",
                                 {"m": model}, head + COLS)
    d["source"] = ["built-in"] * len(d["run"])
    if method is None or method == "built-in":
        return d
    pos0 = n_train + 1
    submit = [r[0] for r in conn.execute("SELECT submit FROM scored ORDER BY pos")]
    t0, t_end = submit[0], submit[-1]
    text = json.dumps(opts or {})
    sql = f"SELECT pos, {probes_sql(True)} FROM scored WHERE submit >= :t AND submit < :u"
    k = 0
    while t0 + k * DAY <= t_end:
        t = t0 + k * DAY
        k += 1
        try:
            c = conn.execute("""SELECT interval_calibrate(?1, pred, run, ?2)
                FROM (SELECT pred, run FROM ev WHERE end_t < ?3 AND end_t >= ?4 ORDER BY end_t, pos)""",
                             (model, text, t, t - days * DAY)).fetchone()[0]
        except Exception as e:  # no ended run yet: the built-in forms stay
            if "no rows to calibrate" not in str(e):
                raise
            continue
        for row in conn.execute(sql, {"m": model, "c": c, "t": t, "u": t + DAY}):
            i = row[0] - pos0
            for col, v in zip(COLS, row[1:]):
                d[col][i] = v
            d["source"][i] = method
    return d


def evaluate(np, d, aft):
    """Behaviours 5-7 from the scored columns; aft: use the censoring flags."""
    a = {k: np.array([np.nan if v is None else v for v in d[k]], dtype=float) for k in d if k not in ("source", "user")}
    run, med = a["run"], a["med"]
    ev = (1 - a["cens"]) if aft else np.ones_like(run)
    # 5. unconditional: the random deadlines and one hour pooled in the table ...
    ps, ss, es = [], [], []
    for col, t in (("c_t1", a["t1"]), ("c_t2", a["t2"]), ("c_t3", a["t3"]), ("c_hour", np.full_like(run, 3600.0))):
        ps.append(a[col]), ss.append(run / t), es.append(ev)
    uncond = reliability(np, np.concatenate(ps), np.concatenate(ss), np.concatenate(es))
    boot = None if aft else cluster_bootstrap(np, np.concatenate(ps), np.concatenate(ss) <= 1,
                                              np.tile(clusters(np, d["user"], a["submit"]), len(ps)))
    # ... and, one line each, t relative to the model's median and t = time_req
    probes = []
    for label, col, t in (("t = 0.5 × median", "c_half", 0.5 * med), ("t = median", "c_med", med),
                          ("t = 2 × median", "c_two", 2 * med), ("t = time_req", "c_req", a["time_req"])):
        ok = ~np.isnan(a[col]) & (t > 0)
        probes.append((label, int(ok.sum()), float(a[col][ok].mean()), km_share(np, run[ok] / t[ok], ev[ok])))
    # 6. conditional on running at a random elapsed time e1
    live = run > a["e1"]
    ps, ss, es = [], [], []
    for col, k in (("d_15", 1.5), ("d_3", 3.0)):
        ps.append(a[col][live]), ss.append(run[live] / (k * a["e1"][live])), es.append(ev[live])
    cond = reliability(np, np.concatenate(ps), np.concatenate(ss), np.concatenate(es))
    # 7. remaining time
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
    share = {s: d["source"].count(s) / len(d["source"]) for s in set(d["source"])}
    return uncond, cond, rem, probes, share, boot


def train(conn, fv, n_train, options, upper=None):
    up = f", {upper}" if upper else ""
    return conn.execute(f"SELECT gbt_train({fv}, run, ?{up}) FROM (SELECT * FROM feat WHERE dur_pos <= ? ORDER BY dur_pos)",
                        (options, n_train)).fetchone()[0]


def run_log(conn, np, hp, args):
    bench_real.add_recipe_features(conn, [], "")
    num, cat = bench_real.used_features(conn, bench_real.RECIPE_NUMERIC, [])
    fv = bench_real.fv_sql(num + cat)
    n = conn.execute("SELECT count(*) FROM feat WHERE dur_pos IS NOT NULL").fetchone()[0]
    n_train = int(n * bench_real.TRAIN_FRACTION)
    cens_train = conn.execute(f"SELECT avg({CENSORED_SQL}) FROM feat WHERE dur_pos <= ?", (n_train,)).fetchone()[0]
    cens_test = conn.execute(f"SELECT avg({CENSORED_SQL}) FROM feat WHERE dur_pos > ?", (n_train,)).fetchone()[0]
    t0 = time.perf_counter()
    candidates = [bench_real.omen_options(hp, objective="duration", **bench_real.RECIPE_OPTIONS)]
    for alt in bench_real.RECIPE_ALTERNATIVES:
        candidates.append(bench_real.omen_options(hp, objective="duration", **dict(bench_real.RECIPE_OPTIONS, **alt)))
    blobs = [train(conn, fv, n_train, o) for o in candidates]
    chosen, tail = bench_real.select_on_tail(conn, fv, n_train, blobs)
    dur = blobs[chosen]
    t_dur = time.perf_counter() - t0
    n_cal = json.loads(conn.execute("SELECT model_info(?)", (dur,)).fetchone()[0])["metrics"]["calibration_rows"]
    n_fit = n_train - n_cal
    conn.execute("DROP TABLE IF EXISTS ev")
    conn.execute(f"""CREATE TEMP TABLE ev AS
        SELECT dur_pos AS pos, submit + coalesce(wait_, 0) + run AS end_t, run, predict_duration(?1, {fv}) AS pred
          FROM (SELECT feat.*, runs.wait AS wait_ FROM feat JOIN runs ON runs.job_id = feat.job_id
                 WHERE feat.dur_pos > ?2)
         ORDER BY dur_pos""", (dur, n_fit))
    conn.execute("CREATE INDEX ev_end ON ev(end_t, pos)")
    metrics, dist, sigma, t_aft = {}, None, None, 0.0
    upper = f"CASE WHEN {CENSORED_SQL} THEN NULL WHEN run = 0 THEN 1 ELSE run END"
    aft = None
    if not args.no_aft:
        t0 = time.perf_counter()
        for dname in DISTRIBUTIONS:
            for s in SIGMAS:
                m = train(conn, fv, n_train, bench_real.omen_options(
                    hp, objective="aft", aft_distribution=dname, aft_sigma=s, validation_fraction=0.2, offset="off"),
                    upper)
                metrics[(dname, s)] = json.loads(conn.execute("SELECT model_info(?)", (m,)).fetchone()[0])[
                    "metrics"]["validation_metric"]
        dist, sigma = min(metrics, key=lambda k: metrics[k])
        aft = train(conn, fv, n_train, bench_real.omen_options(hp, objective="aft", aft_distribution=dist,
                                                              aft_sigma=sigma, offset="off"), upper)
        t_aft = time.perf_counter() - t0
    draws(conn, np, n_train)
    res, t_score = {}, {}
    for method in args.methods.split(","):
        t0 = time.perf_counter()
        opts = {"bins": args.bins} if method == "bins" else {}
        res[method] = evaluate(np, score(conn, dur, n_train, fv, method, args.days, opts), False)
        t_score[method] = time.perf_counter() - t0
    if aft is not None:
        t0 = time.perf_counter()
        res["aft"] = evaluate(np, score(conn, aft, n_train, fv), True)
        t_score["aft"] = time.perf_counter() - t0
    info = dict(n=n, n_train=n_train, n_cal=n_cal, cens_train=cens_train, cens_test=cens_test, sigma=sigma,
                dist=dist, sigma_metrics=metrics, t_dur=t_dur, t_aft=t_aft, t_score=t_score,
                chosen=["ratio", "absolute"][chosen], tail_mae=[m for m, _ in tail])
    return res, info


def print_log(short, res, info):
    f = bench_real.fmt
    pct = lambda x: "n/a" if x is None else f"{100 * x:.1f}%"  # noqa: E731 (a log without status and limits)
    print(f"\n{short}: {info['n']:,} runs with a run time, train {info['n_train']:,} (calibration tail "
          f"{info['n_cal']:,}), test {info['n'] - info['n_train']:,}; right-censored (cancelled or at the limit) "
          f"{pct(info['cens_train'])} of train, {pct(info['cens_test'])} of test; recipe kept "
          f"'{info['chosen']}' (tail MAE {', '.join(f'{m:.0f}' for m in info['tail_mae'])}); fit {info['t_dur']:.0f} s"
          + (f"; aft {info['dist']} sigma {info['sigma']} ({len(info['sigma_metrics']) + 1} fits, "
             f"{info['t_aft']:.0f} s)" if info["dist"] else "")
          + "; scoring " + ", ".join(f"{k} {v:.0f} s" for k, v in info["t_score"].items()))
    if info["dist"]:
        print("  aft validation NLL: " + "; ".join(
            d + " " + ", ".join(f"{s}: {info['sigma_metrics'][(d, s)]:.3f}" for s in SIGMAS) for d in DISTRIBUTIONS))
    names = list(res)
    for title, idx in (("predict_cdf(model, fv, t): t = three run times drawn from the training rows, and 3600 s", 0),
                       ("predict_cdf(model, fv, t, e): e drawn from the training rows, t = 1.5e and 3e, "
                        "runs still running at e", 1)):
        rows = []
        for b in range(10):
            row = [res[names[0]][idx][0][b][0]]
            for nm in names:
                _, n1, p1, o1 = res[nm][idx][0][b]
                row += [f"{n1:,}", f(p1), f(o1)]
            rows.append(row)
        rows.append(["max |obs − p| (n ≥ 50)"] + sum([["", "", f(res[nm][idx][1])] for nm in names], []))
        rows.append(["mean |obs − p| (ECE)"] + sum([["", "", f(res[nm][idx][2])] for nm in names], []))
        header = ["p bin"] + sum([[f"{nm} n", "mean p", "observed" + (" (KM)" if nm == "aft" else "")]
                                  for nm in names], [])
        bench_real.print_table(f"{short}: {title}", header, rows)
    rows = []
    for i in range(4):
        row = [res[names[0]][3][i][0]]
        for nm in names:
            _, n1, p1, o1 = res[nm][3][i]
            row += [f"{n1:,}", f(p1), f(o1)]
        rows.append(row)
    bench_real.print_table(f"{short}: predict_cdf at deadlines tied to the model or the job (every test run)",
                           ["deadline"] + sum([[f"{nm} n", "mean p", "observed"] for nm in names], []), rows)
    rows = []
    for i in range(len(ELAPSED)):
        row = [res[names[0]][2][i][0]]
        for nm in names:
            _, n1, c1, b1 = res[nm][2][i]
            row += [f"{n1:,}", f(c1), f(b1)]
        rows.append(row)
    bench_real.print_table(f"{short}: predict_remaining at elapsed e, runs still running at e",
                           ["elapsed e"] + sum([[f"{nm} n", "in [q05, q95] (0.90)", "<= q50 (0.50)"] for nm in names],
                                               []), rows)
    print("  share of test runs scored by each source: " + "; ".join(
        f"{nm}: " + ", ".join(f"{k} {v:.3f}" for k, v in sorted(res[nm][4].items())) for nm in names))
    for nm in names:
        if res[nm][5] is not None:
            lo, hi, n_cl, big = res[nm][5]
            print(f"  {nm}: predict_cdf's largest gap {res[nm][0][1]:.3f}; resampling the {n_cl:,} (user, day) "
                  f"clusters: 90% of resamples between {lo:.3f} and {hi:.3f} (largest cluster: {100 * big:.1f}% "
                  "of the predictions)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logs", help="comma-separated SWF log name prefixes (default: bench_real's five)")
    parser.add_argument("--trees", type=int, default=100, help="n_trees of the 'aft' model (default 100)")
    parser.add_argument("--methods", default=",".join(METHODS), help="of: " + ", ".join(METHODS))
    parser.add_argument("--days", type=float, default=30, help="trailing days of each calibration (default 30)")
    parser.add_argument("--bins", type=int, default=10, help="interval_calibrate's bins option (default 10)")
    parser.add_argument("--no-aft", action="store_true", help="skip the 'aft' model")
    parser.add_argument("--json", help="write every number to this file")
    args = parser.parse_args()
    for m in args.methods.split(","):
        if m not in METHODS:
            parser.error(f"unknown method {m!r}")
    data_dir = os.environ.get("OMEN_DATA") or os.path.normpath(os.path.join(bench_real.ROOT, "..", "shared", "data"))
    if os.environ.get("OMEN_EXT"):
        bench_real.EXTENSION = os.environ["OMEN_EXT"]
    if not os.path.isdir(data_dir):
        print(f"eval_cdf.py: no data directory {data_dir}; skipped")
        return 0
    if not os.path.exists(bench_real.EXTENSION):
        print(f"eval_cdf.py: {bench_real.EXTENSION} is missing; run: make", file=sys.stderr)
        return 1
    import numpy as np
    names = args.logs.split(",") if args.logs else list(bench_real.DEFAULT_LOGS)
    logs = bench_real.find_logs(data_dir, names)
    hp = {"n_trees": args.trees, "max_depth": 6, "learning_rate": 0.1, "lambda": 1.0, "min_child_weight": 1.0,
          "max_bins": 256}
    wall = time.perf_counter()
    print("omen eval_cdf — calibration of predict_cdf / predict_remaining on real job histories")
    print("'duration': the recipe (sql/runtime_recipe.sql: ratio and absolute candidates, kept by tail MAE); "
          f"methods {args.methods}, daily refresh over {args.days:g} trailing days, bins {args.bins}"
          + ("" if args.no_aft else "; 'aft': " + json.dumps(hp) + ", offset 'off', distribution and sigma by "
             "validation NLL"))
    summary, everything = [], {}
    for path in logs:
        short = os.path.basename(path).split("-cln")[0].replace(".swf.gz", "")
        conn = bench_real.open_db()
        swf_load.load_swf(conn, path)
        conn.executescript(bench_real.HISTORY_SQL)
        res, info = run_log(conn, np, hp, args)
        conn.close()
        print_log(short, res, info)
        everything[short] = {"info": {k: v for k, v in info.items() if k != "sigma_metrics"}, "results": res}
        for model, (u, c, r, _, _, boot) in res.items():
            summary.append((short, model, bench_real.fmt(u[1]),
                            "n/a" if boot is None else f"{boot[0]:.3f}-{boot[1]:.3f}", bench_real.fmt(u[2]),
                            bench_real.fmt(c[1]),
                            bench_real.fmt(c[2]), bench_real.fmt(r[0][2]), bench_real.fmt(r[0][3])))
        sys.stdout.flush()
    bench_real.print_table("Summary: largest |observed − predicted| over p bins with >= 50 predictions, and ECE",
                           ["log", "model", "cdf max", "cdf max, cluster bootstrap 90%", "cdf ECE", "deadline max", "deadline ECE",
                            "remaining 90% cover, e drawn", "<= q50, e drawn"], summary)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(everything, fh, indent=1, default=float)
    print(f"total eval_cdf time {time.perf_counter() - wall:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
