#!/usr/bin/python3
"""bench_real.py — omen's boosted trees on real job histories, judged against
xgboost, scikit-learn's HistGradientBoosting and the classic predictors
(the judge of issue 10: omen's default recipe must be at least as good as the
best baseline on MAE and on accuracy, with 90% intervals covering 0.88-0.92).

    /usr/bin/python3 tools/bench_real.py [--logs NAME,...] [--all] [--more] [--trees N]
                                         [--features base|gaussier] [--omen NAME=JSON ...]
                                         [--no-tune] [--cache DIR | --no-cache] [--json FILE]
                                         [--skip-galaxy]
    OMEN_DATA=/path/to/data /usr/bin/python3 tools/bench_real.py

Behaviours:
  1. Data: the directory $OMEN_DATA, else ../shared/data relative to the repo
     root (see its PROVENANCE.md).  When it (or every file it should hold) is
     absent the script says so and exits 0; nothing is ever copied into the
     repository.  Databases are in memory.  build/omen.so missing: exit 1.
     numpy is required for the comparisons (without it: message, exit 0);
     xgboost, scikit-learn and pandas are optional — a missing one leaves its
     rows as "n/a" (xgboost without pandas gets integer category codes).
  2. SWF logs: by default the five of issue 10 — SDSC-SP2, CTC-SP2, KTH-SP2,
     HPC2N-2002, SDSC-DS-2004; --logs picks any by name prefix; --all runs
     every *.swf.gz in the data directory (those five first, then the others
     by name); --more is accepted and does nothing (its two logs are in the
     default set now).  Each is imported with tools/swf_load.py (one row per
     job, -1 -> NULL, local submit hour and weekday from the header's
     TimeZoneString).
  3. Features (--features NAME, default base), all known when the job is
     submitted, built in SQL.  "base":
       time_req, procs_req, hour, wday (numeric); user, grp, exe, queue,
       partition (categorical: CAST AS TEXT, NULL = missing);
       history of the same user over its FINISHED jobs, i.e. jobs i with
       end_i = submit_i + coalesce(wait_i, 0) + run_i <= submit_j and
       submit_i < submit_j (so a job never sees itself):
         u_n (count; 0 when none), u_mean (mean run), u_last (run of the most
         recently finished), u_last2 (mean of the last two; the last one when
         only one), u_ratio_last (run / time_req of the last), u_ratio_mean
         (mean of run / time_req);
       the same for the pair (user, exe): ue_n, ue_mean, ue_last.
     Cumulative statistics are window functions over each user's jobs in
     finishing order (tables hist_u, hist_ue, typed columns so the index is
     usable); each job finds its latest finished event with one correlated
     subquery on the index (user, end_t, submit, job_id): O(log n) per job.
     "gaussier": base plus features in the style of Gaussier, Glesser, Reis,
     Trystram, "Improving backfilling by using machine learning to predict
     running times", SC'15, computed causally in the same way (GAUSSIER_SQL;
     "finished" as above, "started" = start_i = submit_i + coalesce(wait_i, 0)
     <= submit_j, only jobs with a known run time count as jobs of the user):
         g_last1, g_last2, g_last3 — run times of the user's last three
           finished jobs (finishing order), each capped at the job's own
           time_req when that is known (> 0);
         g_active — the user's jobs submitted before and not finished by the
           submit (queued or running);
         g_active_elapsed — sum over those that have started of
           (submit_j - start_i) (queued ones add 0);
         g_since_end — submit_j - the end of the user's last finished job;
         g_procs_rel — procs_req / the mean procs_req of the user's earlier
           submits (every job submitted before, known run time or not);
         hour_sin, hour_cos, wday_sin, wday_cos — 2*pi*hour/24, 2*pi*wday/7.
       Each is a lookup of one cumulative row (window functions over finishing
       order, start order and submit order; one indexed correlated subquery
       each), so the whole set costs O(n log n).
     A feature that is NULL in every row of a log is left out for all models.
  4. Duration protocol: rows with a known run time (>= 0), cancelled jobs
     with a known run time included (they held the machine that long),
     ordered by (submit, job_id); the first floor(0.75 n) train, the rest
     test.  omen ("omen", the default recipe): gbt_train(fv, run, {"objective":
     "duration"} + the hyperparameters of behaviour 10) over the training rows
     in that order, which holds out the last 10% (calibration_fraction 0.1)
     for split-conformal intervals; predictions and 90% intervals with
     predict_interval(); metrics with regression_metrics() and
     interval_coverage().  With the recipe (the default), when every
     training run time is a whole number, the point predictions — of the
     tail choice too — are rounded to whole seconds, as
     sql/runtime_recipe.sql tells its users to do.
 4b. The recipe's row also gets its intervals refreshed daily, as
     sql/runtime_recipe.sql's step 5 does (recalibrated(): each day,
     interval_calibrate over the stored predictions of the runs that ended in
     the trailing 30 days — calibration tail and test runs, causal — then
     predict_interval with it), twice: at the fixed level 0.9, and at the
     recipe's daily level (adaptive conformal inference, one step a day:
     level += 0.5 * (miss share - 0.1) over the test runs that ended since the
     last step with the interval they were given, when at least 20 did; the
     level kept in [0.70, 0.99]; it starts at 0.9 on the first test day).
     Both coverages are lines of the coverage table, and the goal
     (behaviour 8) judges the daily level's, the built-in coverage shown
     next to it.  --omen NAME=JSON (repeatable) adds a row "omen
     NAME" trained with the JSON object's options merged over those (its keys
     win; passed through unchecked); if omen rejects them the error is printed
     and recorded and the row is skipped; a model without calibration rows
     (e.g. calibration_fraction 0) gets predict_duration() and no interval.
     Every other model is fit on the SAME fit rows (training minus the default
     omen model's calibration tail) and, for its 90% interval, split-conformal
     on that tail with omen's ranks: k_lo = floor((m+1)*0.05),
     k_hi = ceil((m+1)*0.95) of the sorted residuals — residuals of log1p for
     log-target models (multiplicative interval), in seconds for raw-target
     models (additive).  Every prediction and both bounds are clamped at 0,
     omen's too (max(x, 0.0) in SQL: a no-op for 'duration', which never
     predicts below 0; it matters for --omen rows with another objective).
  5. Baselines (issue 10), on the same test rows:
       "requested time" = time_req;
       "last-2" = mean of the user's last two finished runs (the last one when
         only one), capped at time_req when known (Tsafrir, Etsion, Feitelson
         2007); falling back to time_req when the user has no finished run;
       either one, when still unknown (no time_req, or <= 0): the median run
         of the training rows; the label shows the share of test rows that
         used a fallback, e.g. "[time_req for 0.6%]";
       "xgboost log" — XGBRegressor, hist, depthwise, reg:squarederror on
         log1p(run), base_score = mean log1p of the fit rows (what omen starts
         from), predict expm1;
       "xgboost raw" — the same on run in seconds, base_score = mean run of
         the fit rows;
         each "default" (behaviour 10's hyperparameters) and "tuned": the grid
         max_depth {3, 6, 10} x min_child_weight {1, 20} x n_estimators
         {100, 300} at learning_rate 0.1 (12 configs; one 300-round fit per
         depth and weight, the 100-round model read with iteration_range —
         identical to a 100-round fit), every config fit on the fit rows and
         scored on the calibration tail only; "tuned for MAE" is the config
         with the lowest tail MAE, "tuned for accuracy" the one with the
         highest tail accuracy (one row "tuned for MAE and accuracy" when they
         are the same); no refit on the tail; the test rows are never looked
         at; the conformal interval of a tuned row uses the same tail that
         chose it.  The default is read from the grid when it is one of its
         configs (its fit time then shows "grid").  --no-tune skips the grid;
       "HGB abs raw" — HistGradientBoostingRegressor(loss='absolute_error') on
         run in seconds; "HGB log" — the same with loss 'squared_error' on
         log1p(run), predict expm1; both max_iter, max_depth, max_leaf_nodes
         None, l2_regularization, min_samples_leaf = min_child_weight,
         max_bins 255, no early stopping.
     Categoricals: xgboost gets pandas category dtype + enable_categorical
     (every category; max_cat_to_onehot 4 and max_cat_threshold 64, its
     defaults); HistGradientBoosting takes at most 255 codes, so each
     categorical keeps the 255 most frequent categories seen >= 3 times in
     the fit rows (omen's rule) and the rest are missing.
     Diagnostic rows, not baselines: "omen, numeric features only" and
     "xgboost log default, numeric features only" (the ids user, grp, exe,
     queue, partition left out).  A second table per log shows, for each
     categorical, the share of test rows whose id never occurs in the fit
     rows, occurs but too rarely for omen to keep, or is kept.
  6. Point metrics MAE, median absolute error, R2, accuracy (mean of
     min/max), within-20%, RMSE of log1p (what the log models minimise) and
     "under" (share of test rows predicted below their actual time: a
     scheduler kills those): omen's from regression_metrics() (RMSE of log1p:
     regression_metrics(ln(1 + run), ln(1 + pred))) except under,
     everyone else's from the same formulas in numpy; the two are compared on
     every omen row's predictions, coverage too (exit 1 if they differ by
     more than 1e-9 relatively).
  7. Coverage table per log, for every row with an interval: overall; per
     chronological quarter of the test rows (four equal row counts in submit
     order); per user group — users binned by their number of test rows
     (1-9, 10-99, 100-999, >= 1000), coverage over the bin's rows pooled —
     and over the users with >= 100 test rows: how many, the min / median /
     max of their coverages and how many lie in 0.88-0.92.  A grid table
     shows every tuned config's tail and test MAE and accuracy (test numbers
     for information only) and which ones were chosen.
  8. Goal (issue 10) per log, for omen and each --omen row: its MAE against
     the lowest baseline MAE and its accuracy against the highest baseline
     accuracy (baselines = behaviour 5's rows: requested time, last-2,
     xgboost log/raw default/tuned, HGB abs raw, HGB log), with the winner's
     name; its under share; its coverage and whether 0.88 <= coverage <=
     0.92, the worst quarter, and users >= 100 in band.  "ok" means at least
     as good (ties count).  A final table repeats it across logs.
     --json FILE writes every number (per log: sizes, times, features, every
     row's metrics / coverage details / config, the grid, the goal; the
     failure and Galaxy results; the checks) for scripts comparing variants.
  9. Failure, on CTC-SP2 and KTH-SP2 when they are among the logs: rows
     with status 0 or 5 (label 1) vs 1 (label 0), other statuses dropped,
     same features (all, then numeric only), same chronological 75/25 split
     over those rows; omen 'binary' (calibration_fraction 0: fits every
     training row, as xgboost does) + predict_failure() +
     classification_metrics(); xgboost binary:logistic (base_score = the
     training failure rate).  AUC of both, checked against sklearn.
 10. Galaxy (bwa_mem, stringtie; --skip-galaxy skips): every column but
     runtime is a feature (a column whose non-empty values all parse as
     numbers is numeric, else categorical; empty = missing); shuffled 3-fold
     cross-validation (sklearn KFold(3, shuffle=True, random_state=0), the
     same folds for both), R2 of log1p(runtime) per fold, averaged; omen
     with calibration_fraction 0; printed beside the published random-forest
     R2 (Tyryshkina et al. 2019).
 11. Default hyperparameters, the same for every model and not tuned on
     these data: omen's defaults — n_trees 100 (--trees), max_depth 6,
     learning_rate 0.1, lambda 1, min_child_weight 1, max_bins 256; 2 threads
     each.  Only the "tuned" xgboost rows (behaviour 5) depart from them.
 12. Wall-clock seconds of each fit (omen: the whole gbt_train statement,
     feature vectors included), of the SQL features, of each grid (both
     targets) and of each log are printed, and the total at the end.
     OMP_NUM_THREADS=2 and OMP_WAIT_POLICY=PASSIVE are set unless already
     in the environment (libgomp's default spin-waiting collapses under
     other load on 2 cores).
 13. Cache: the xgboost and HistGradientBoosting rows do not depend on omen,
     and the grids cost minutes (mostly SDSC-SP2 and CTC-SP2, whose exe ids
     have 53,308 and 12,303 categories).  Their numbers (metrics, coverage
     details, configs, times and the grids; not their predictions) are
     written to DIR/<key>.json — DIR = build/bench_real_cache (gitignored,
     removed by make clean), --cache DIR elsewhere, --no-cache neither reads
     nor writes — and read back instead of refitting when the key matches.
     The key is a SHA-256 over the bytes of this script, tools/swf_load.py
     and the log file, the feature names, the split sizes (n, n_train, n_cal
     — n_cal comes from omen's default model), the hyperparameters, whether
     the grid runs, the library versions and the thread count: any edit of
     this script invalidates every entry; omen's C code is not in the key
     (it cannot change these rows except through n_cal).  A hit is printed,
     and its times are those of the run that computed it (marked "cached",
     "c").
"""
import argparse
import csv
import gzip
import json
import math
import os
import sqlite3
import sys
import time

TOOLS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TOOLS)
EXTENSION = os.path.join(ROOT, "build", "omen.so")
sys.path.insert(0, TOOLS)
import swf_load  # noqa: E402

# OpenMP (xgboost, HistGradientBoosting): two threads, and sleeping rather than
# spinning at barriers.  On a shared 2-core machine libgomp's default spinning
# made single xgboost fits 20-50x slower whenever another process was busy.
os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

GOAL_LOGS = ["SDSC-SP2-1998-4.2-cln", "CTC-SP2-1996-3.1-cln", "KTH-SP2-1996-2.1-cln",
             "HPC2N-2002-2.2-cln", "SDSC-DS-2004-2.1-cln"]
DEFAULT_LOGS = GOAL_LOGS
FAILURE_LOGS = ["CTC-SP2", "KTH-SP2"]
GALAXY = [("bwa_mem 0.7.15.1", "galaxy_bwa_mem_0.7.15.1_example.csv.gz", 0.8235),
          ("stringtie 1.3.3", "galaxy_stringtie_1.3.3_example.csv.gz", 0.9648)]
TRAIN_FRACTION = 0.75
COVERAGE = 0.9
COVER_BAND = (0.88, 0.92)
THREADS = 2
KFOLD_SEED = 0
# the tuned grid of the xgboost baselines (behaviour 5)
GRID_DEPTHS = (3, 6, 10)
GRID_MIN_CHILD_WEIGHTS = (1, 20)
GRID_LEARNING_RATE = 0.1
GRID_TREES = (100, 300)
# user groups by their number of test rows (behaviour 7)
USER_BINS = [(1, 9, "1-9"), (10, 99, "10-99"), (100, 999, "100-999"), (1000, None, ">=1000")]
FREQUENT_USER = 100

NUMERIC = ["time_req", "procs_req", "hour", "wday", "u_n", "u_mean", "u_last", "u_last2",
           "u_ratio_last", "u_ratio_mean", "ue_n", "ue_mean", "ue_last"]
CATEGORICAL = ["user", "grp", "exe", "queue", "partition"]
GAUSSIER_NUMERIC = ["g_last1", "g_last2", "g_last3", "g_active", "g_active_elapsed", "g_since_end",
                    "g_procs_rel", "hour_sin", "hour_cos", "wday_sin", "wday_cos"]
# the recipe of sql/runtime_recipe.sql (behaviour 3): its features and options
RECIPE_SQL_FILE = os.path.join(ROOT, "sql", "runtime_recipe.sql")
RECIPE_NUMERIC = ["off", "r_req", "r_mean", "r_last", "r_last2", "r_last3", "r_mean5", "r_max3", "r_ue", "r_uemean",
                  "u_ratio_last", "u_ratio_mean", "procs_req", "hour", "wday", "time_req", "u_n10", "u_running",
                  "u_running_elapsed", "u_since_last_end", "u_since_last_submit", "machine_running"]
RECIPE_OPTIONS = {"loss": "ratio", "ratio_width": 4, "offset": "off", "n_trees": 200, "learning_rate": 0.05,
                  "min_child_weight": 50, "subsample": 0.7, "colsample": 0.7, "bag": 20}
# the recipe's other candidate (sql/runtime_recipe.sql step 3): the median
# instead of the ratio's mode; the one with the lower calibration-tail MAE is kept
RECIPE_ALTERNATIVES = [{"loss": "absolute", "min_child_weight": 20}]
FEATURE_SETS = {"base": (NUMERIC, CATEGORICAL), "gaussier": (NUMERIC + GAUSSIER_NUMERIC, CATEGORICAL),
                "recipe": (RECIPE_NUMERIC, [])}
# the columns of runtime_features that feat already has (HISTORY_SQL, swf_load)
RECIPE_SHARED = ["u_ratio_last", "u_ratio_mean", "procs_req", "hour", "wday", "time_req"]

# ---------------------------------------------------------------- SQL

HISTORY_SQL = """
CREATE TABLE done(job_id INTEGER, user INTEGER, exe INTEGER, submit INTEGER, end_t INTEGER,
                  run REAL, ratio REAL);
INSERT INTO done
SELECT job_id, user, exe, submit, submit + coalesce(wait, 0) + run,
       run, CASE WHEN time_req > 0 THEN run * 1.0 / time_req END
FROM runs WHERE run IS NOT NULL AND run >= 0 AND submit IS NOT NULL AND user IS NOT NULL;

CREATE TABLE hist_u(user INTEGER, end_t INTEGER, submit INTEGER, job_id INTEGER,
                    n INTEGER, mean_run REAL, last_run REAL, last2 REAL, last_ratio REAL, mean_ratio REAL);
INSERT INTO hist_u
SELECT user, end_t, submit, job_id,
       count(*) OVER w, avg(run) OVER w, run, (run + coalesce(lag(run) OVER w, run)) / 2.0,
       ratio, avg(ratio) OVER w
FROM done WINDOW w AS (PARTITION BY user ORDER BY end_t, submit, job_id);
CREATE INDEX hist_u_key ON hist_u(user, end_t, submit, job_id);

CREATE TABLE hist_ue(user INTEGER, exe INTEGER, end_t INTEGER, submit INTEGER, job_id INTEGER,
                     n INTEGER, mean_run REAL, last_run REAL);
INSERT INTO hist_ue
SELECT user, exe, end_t, submit, job_id, count(*) OVER w, avg(run) OVER w, run
FROM done WHERE exe IS NOT NULL
WINDOW w AS (PARTITION BY user, exe ORDER BY end_t, submit, job_id);
CREATE INDEX hist_ue_key ON hist_ue(user, exe, end_t, submit, job_id);

CREATE TABLE feat AS
SELECT r.job_id, r.submit, r.run, r.status, r.time_req, r.procs_req,
       r.submit_hour AS hour, r.submit_wday AS wday,
       CAST(r.user AS TEXT) AS user, CAST(r.grp AS TEXT) AS grp, CAST(r.exe AS TEXT) AS exe,
       CAST(r.queue AS TEXT) AS queue, CAST(r.partition AS TEXT) AS partition,
       coalesce(u.n, 0) AS u_n, u.mean_run AS u_mean, u.last_run AS u_last, u.last2 AS u_last2,
       u.last_ratio AS u_ratio_last, u.mean_ratio AS u_ratio_mean,
       coalesce(x.n, 0) AS ue_n, x.mean_run AS ue_mean, x.last_run AS ue_last
FROM (SELECT r.*,
             (SELECT e.rowid FROM hist_u e
               WHERE e.user = r.user AND e.end_t <= r.submit AND e.submit < r.submit
               ORDER BY e.end_t DESC, e.submit DESC, e.job_id DESC LIMIT 1) AS u_id,
             (SELECT e.rowid FROM hist_ue e
               WHERE e.user = r.user AND e.exe = r.exe AND e.end_t <= r.submit AND e.submit < r.submit
               ORDER BY e.end_t DESC, e.submit DESC, e.job_id DESC LIMIT 1) AS ue_id
      FROM runs r WHERE r.submit IS NOT NULL) r
LEFT JOIN hist_u u ON u.rowid = r.u_id
LEFT JOIN hist_ue x ON x.rowid = r.ue_id;

-- dur_pos: position among rows with a known run time; fail_pos: among status 0/1/5
ALTER TABLE feat ADD COLUMN dur_pos INTEGER;
ALTER TABLE feat ADD COLUMN fail_pos INTEGER;
UPDATE feat SET dur_pos = p.pos FROM
  (SELECT job_id, row_number() OVER (ORDER BY submit, job_id) AS pos FROM feat
    WHERE run IS NOT NULL AND run >= 0) p WHERE feat.job_id = p.job_id;
UPDATE feat SET fail_pos = p.pos FROM
  (SELECT job_id, row_number() OVER (ORDER BY submit, job_id) AS pos FROM feat
    WHERE status IN (0, 1, 5)) p WHERE feat.job_id = p.job_id;
CREATE INDEX feat_dur ON feat(dur_pos);
CREATE INDEX feat_fail ON feat(fail_pos);
"""

# Gaussier et al. (SC'15)-style features, after HISTORY_SQL (behaviour 3).  Three
# cumulative tables per user — finishing order (g_fin), start order (g_start),
# submit order over every job (g_sub) — and one indexed lookup in each per job.
# The "finished before submit_j" set {end_i <= s, submit_i < s} is a prefix of
# the (end_t, submit, job_id) order (end_i < s implies submit_i < s), and so is
# the "started" set in (start_t, submit, job_id) order: the cumulative row found
# is exact.  Active = (done jobs submitted before s) - (finished by s); the
# elapsed sum over the started-but-unfinished ones is
# (n_started - n_finished) * s - (sum of their starts).
GAUSSIER_SQL = """
CREATE TABLE g_fin(user INTEGER, end_t INTEGER, submit INTEGER, job_id INTEGER,
                   n INTEGER, sum_start REAL, run1 REAL, run2 REAL, run3 REAL);
INSERT INTO g_fin
SELECT user, end_t, submit, job_id, count(*) OVER w, sum(end_t - run) OVER w,
       run, lag(run, 1) OVER w, lag(run, 2) OVER w
FROM done WINDOW w AS (PARTITION BY user ORDER BY end_t, submit, job_id);
CREATE INDEX g_fin_key ON g_fin(user, end_t, submit, job_id);

CREATE TABLE g_start(user INTEGER, start_t INTEGER, submit INTEGER, job_id INTEGER,
                     n INTEGER, sum_start REAL);
INSERT INTO g_start
SELECT user, end_t - run, submit, job_id, count(*) OVER w, sum(end_t - run) OVER w
FROM done WINDOW w AS (PARTITION BY user ORDER BY end_t - run, submit, job_id);
CREATE INDEX g_start_key ON g_start(user, start_t, submit, job_id);

CREATE TABLE g_sub(user INTEGER, submit INTEGER, job_id INTEGER, n_done INTEGER, mean_procs REAL);
INSERT INTO g_sub
SELECT user, submit, job_id, sum(run IS NOT NULL AND run >= 0) OVER w, avg(procs_req) OVER w
FROM runs WHERE submit IS NOT NULL AND user IS NOT NULL
WINDOW w AS (PARTITION BY user ORDER BY submit, job_id);
CREATE INDEX g_sub_key ON g_sub(user, submit, job_id);

CREATE TABLE g_feat(job_id INTEGER PRIMARY KEY, g_last1 REAL, g_last2 REAL, g_last3 REAL,
                    g_active INTEGER, g_active_elapsed REAL, g_since_end REAL, g_procs_rel REAL,
                    hour_sin REAL, hour_cos REAL, wday_sin REAL, wday_cos REAL);
INSERT INTO g_feat
SELECT r.job_id,
       CASE WHEN r.time_req > 0 THEN min(f.run1, r.time_req) ELSE f.run1 END,
       CASE WHEN r.time_req > 0 THEN min(f.run2, r.time_req) ELSE f.run2 END,
       CASE WHEN r.time_req > 0 THEN min(f.run3, r.time_req) ELSE f.run3 END,
       coalesce(b.n_done, 0) - coalesce(f.n, 0),
       (coalesce(s.n, 0) - coalesce(f.n, 0)) * r.submit - (coalesce(s.sum_start, 0) - coalesce(f.sum_start, 0)),
       r.submit - f.end_t,
       r.procs_req * 1.0 / nullif(b.mean_procs, 0),
       sin(2 * pi() * r.submit_hour / 24.0), cos(2 * pi() * r.submit_hour / 24.0),
       sin(2 * pi() * r.submit_wday / 7.0), cos(2 * pi() * r.submit_wday / 7.0)
FROM (SELECT r.job_id, r.submit, r.time_req, r.procs_req, r.submit_hour, r.submit_wday,
             (SELECT e.rowid FROM g_fin e
               WHERE e.user = r.user AND e.end_t <= r.submit AND e.submit < r.submit
               ORDER BY e.end_t DESC, e.submit DESC, e.job_id DESC LIMIT 1) AS f_id,
             (SELECT e.rowid FROM g_start e
               WHERE e.user = r.user AND e.start_t <= r.submit AND e.submit < r.submit
               ORDER BY e.start_t DESC, e.submit DESC, e.job_id DESC LIMIT 1) AS s_id,
             (SELECT e.rowid FROM g_sub e
               WHERE e.user = r.user AND e.submit < r.submit
               ORDER BY e.submit DESC, e.job_id DESC LIMIT 1) AS b_id
      FROM runs r WHERE r.submit IS NOT NULL) r
LEFT JOIN g_fin f ON f.rowid = r.f_id
LEFT JOIN g_start s ON s.rowid = r.s_id
LEFT JOIN g_sub b ON b.rowid = r.b_id;

ALTER TABLE feat ADD COLUMN g_last1 REAL;
ALTER TABLE feat ADD COLUMN g_last2 REAL;
ALTER TABLE feat ADD COLUMN g_last3 REAL;
ALTER TABLE feat ADD COLUMN g_active INTEGER;
ALTER TABLE feat ADD COLUMN g_active_elapsed REAL;
ALTER TABLE feat ADD COLUMN g_since_end REAL;
ALTER TABLE feat ADD COLUMN g_procs_rel REAL;
ALTER TABLE feat ADD COLUMN hour_sin REAL;
ALTER TABLE feat ADD COLUMN hour_cos REAL;
ALTER TABLE feat ADD COLUMN wday_sin REAL;
ALTER TABLE feat ADD COLUMN wday_cos REAL;
UPDATE feat SET (g_last1, g_last2, g_last3, g_active, g_active_elapsed, g_since_end, g_procs_rel,
                 hour_sin, hour_cos, wday_sin, wday_cos)
  = (g.g_last1, g.g_last2, g.g_last3, g.g_active, g.g_active_elapsed, g.g_since_end, g.g_procs_rel,
     g.hour_sin, g.hour_cos, g.wday_sin, g.wday_cos)
  FROM g_feat g WHERE g.job_id = feat.job_id;
"""


def fv_sql(features):
    """feature_vector('name', name, ...) over the given feat columns."""
    return "feature_vector(" + ", ".join(f"'{f}', {f}" for f in features) + ")"


# ---------------------------------------------------------------- numbers

def point_metrics(np, actual, pred):
    """mae, medae, r2, accuracy, within_20pct with regression_metrics' formulas,
    RMSE of log1p, and under (share predicted below the actual)."""
    a = np.asarray(actual, dtype=np.float64)
    p = np.asarray(pred, dtype=np.float64)
    err = np.abs(a - p)
    ss_res = float(np.sum((a - p) ** 2))
    ss_tot = float(np.sum((a - a.mean()) ** 2))
    if ss_tot == 0:
        r2 = 1.0 if ss_res == 0 else 0.0
    else:
        r2 = 1.0 - ss_res / ss_tot
    lo, hi = np.minimum(a, p), np.maximum(a, p)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(a == p, 1.0, np.where(lo <= 0, 0.0, lo / hi))
    log_rmse = float(np.sqrt(np.mean((np.log1p(a) - np.log1p(p)) ** 2)))
    return {"n": len(a), "mae": float(err.mean()), "medae": float(np.median(err)), "r2": r2,
            "accuracy": float(ratio.mean()), "within_20pct": float(np.mean(err <= 0.2 * np.abs(a))),
            "log_rmse": log_rmse, "under": float(np.mean(p < a))}


def coverage(np, actual, lo, hi):
    a = np.asarray(actual, dtype=np.float64)
    return float(np.mean((lo <= a) & (a <= hi)))


def conformal_bounds(np, resid, c):
    """Residual quantiles at (1-c)/2 and (1+c)/2 with omen's conformal ranks."""
    r = np.sort(np.asarray(resid, dtype=np.float64))
    n = len(r)
    k_lo = math.floor((n + 1) * ((1 - c) / 2))
    k_hi = math.ceil((n + 1) * ((1 + c) / 2))
    q_lo = -math.inf if k_lo < 1 else float(r[k_lo - 1])
    q_hi = math.inf if k_hi > n else float(r[k_hi - 1])
    return q_lo, q_hi


def rel_diff(x, y):
    """Relative difference; infinite when one side is missing or NaN."""
    if x is None or y is None or x != x or y != y:
        return 0.0 if (x is None or x != x) and (y is None or y != y) else math.inf
    if x == y:
        return 0.0
    return abs(x - y) / max(abs(x), abs(y))


class UserGroups:
    """The test rows' users, for coverage per user group (behaviour 7)."""

    def __init__(self, np, users):
        self.np = np
        known = np.array([u is not None for u in users])
        codes = {}
        inv = np.array([codes.setdefault(u, len(codes)) if u is not None else -1 for u in users], dtype=np.int64)
        self.known = known
        self.inv = inv
        self.n_users = len(codes)
        self.counts = np.bincount(inv[known], minlength=self.n_users) if self.n_users else np.zeros(0, np.int64)
        row_count = np.where(known, self.counts[np.maximum(inv, 0)] if self.n_users else 0, 0)
        self.bins = []
        for lo, hi, label in USER_BINS:
            rows = known & (row_count >= lo) & ((row_count <= hi) if hi is not None else True)
            users = int(np.sum((self.counts >= lo) & ((self.counts <= hi) if hi is not None else True)))
            self.bins.append((label, rows, users, int(rows.sum())))
        self.frequent = np.nonzero(self.counts >= FREQUENT_USER)[0]

    def describe(self):
        return ", ".join(f"{label}: {u} users / {n:,} rows" for label, _, u, n in self.bins)


def coverage_detail(np, y, lo, hi, groups):
    """Behaviour 7: overall, per chronological quarter, per user bin, over
    frequent users."""
    inside = (lo <= y) & (y <= hi)
    out = {"overall": float(inside.mean()),
           "quarters": [float(q.mean()) for q in np.array_split(inside, 4)],
           "user_bins": {}}
    for label, rows, users, n in groups.bins:
        out["user_bins"][label] = {"users": users, "rows": n, "coverage": float(inside[rows].mean()) if n else None}
    fr = {"users": int(len(groups.frequent)), "min": None, "median": None, "max": None, "in_band": 0}
    if len(groups.frequent):
        hits = np.bincount(groups.inv[groups.known], weights=inside[groups.known].astype(np.float64),
                           minlength=groups.n_users)
        per_user = hits[groups.frequent] / groups.counts[groups.frequent]
        fr.update(min=float(per_user.min()), median=float(np.median(per_user)), max=float(per_user.max()),
                  in_band=int(np.sum((per_user >= COVER_BAND[0]) & (per_user <= COVER_BAND[1]))))
    out["frequent_users"] = fr
    return out


# ---------------------------------------------------------------- printing

def print_table(title, header, rows):
    rows = [[str(c) for c in r] for r in rows]
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    print(f"\n{title}")
    print(line)
    print("| " + " | ".join(str(h).ljust(w) for h, w in zip(header, widths)) + " |")
    print(line)
    for r in rows:
        print("| " + " | ".join([r[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(r[1:], widths[1:])]) + " |")
    print(line)


def fmt(x, digits=3):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:.{digits}f}"


def fmt_s(x):
    if isinstance(x, str):
        return x
    return "n/a" if x is None else f"{x:.1f}"


def fmt_int(x):
    return "n/a" if x is None else f"{x:,.0f}"


# ---------------------------------------------------------------- models

class Libs:
    """The optional Python libraries, imported once."""

    def __init__(self):
        import numpy
        self.np = numpy
        try:
            import pandas
            self.pd = pandas
        except ImportError:
            self.pd = None
        try:
            import xgboost
            self.xgb = xgboost
        except ImportError:
            self.xgb = None
        try:
            import sklearn
            from sklearn.ensemble import HistGradientBoostingRegressor
            from sklearn.metrics import roc_auc_score
            from sklearn.model_selection import KFold
            self.sklearn = sklearn
            self.HGB = HistGradientBoostingRegressor
            self.roc_auc = roc_auc_score
            self.KFold = KFold
        except ImportError:
            self.sklearn = None

    def versions(self):
        out = [f"numpy {self.np.__version__}"]
        out.append(f"pandas {self.pd.__version__}" if self.pd else "pandas absent")
        out.append(f"xgboost {self.xgb.__version__}" if self.xgb else "xgboost absent")
        out.append(f"scikit-learn {self.sklearn.__version__}" if self.sklearn else "scikit-learn absent")
        return ", ".join(out)


def omen_options(hp, **extra):
    o = {"n_trees": hp["n_trees"], "max_depth": hp["max_depth"], "learning_rate": hp["learning_rate"],
         "lambda": hp["lambda"], "min_child_weight": hp["min_child_weight"], "max_bins": hp["max_bins"],
         "threads": THREADS}
    o.update(extra)
    return json.dumps(o)


def fetch_columns(conn, sql, params, columns):
    """Rows of a query as a dict of Python lists, one per column."""
    out = {c: [] for c in columns}
    appends = [out[c].append for c in columns]
    for row in conn.execute(sql, params):
        for app, v in zip(appends, row):
            app(v)
    return out


def xgb_frame(libs, data, numeric, categorical, categories=None):
    """A pandas DataFrame (category dtype) for xgboost, or a float matrix of
    integer codes without pandas.  categories: {col: list} to reuse codes."""
    np, pd = libs.np, libs.pd
    if categories is None:
        categories = {}
        for c in categorical:
            categories[c] = sorted({v for v in data[c] if v is not None})
    if pd is not None:
        cols = {}
        for c in numeric:
            cols[c] = np.array([np.nan if v is None else v for v in data[c]], dtype=np.float64)
        for c in categorical:
            cols[c] = pd.Categorical([v for v in data[c]], categories=categories[c])
        return pd.DataFrame(cols, columns=numeric + categorical), categories
    mats = [np.array([np.nan if v is None else v for v in data[c]], dtype=np.float64) for c in numeric]
    for c in categorical:
        index = {v: i for i, v in enumerate(categories[c])}
        mats.append(np.array([np.nan if v is None else index.get(v, np.nan) for v in data[c]], dtype=np.float64))
    return np.column_stack(mats), categories


def rows_of(libs, X, sl):
    """X[sl] for a numpy matrix or a DataFrame."""
    return X[sl] if libs.pd is None else X.iloc[sl]


def hgb_matrix(libs, data, numeric, categorical, fit_rows):
    """Float matrix for HistGradientBoosting: categoricals recoded to the 255
    most frequent categories with >= 3 fit rows (omen's rule), others NaN."""
    np = libs.np
    mats = [np.array([np.nan if v is None else v for v in data[c]], dtype=np.float64) for c in numeric]
    for c in categorical:
        counts = {}
        for v in data[c][:fit_rows]:
            if v is not None:
                counts[v] = counts.get(v, 0) + 1
        kept = sorted((v for v, k in counts.items() if k >= 3), key=lambda v: (-counts[v], v))[:255]
        index = {v: i for i, v in enumerate(kept)}
        mats.append(np.array([index.get(v, np.nan) if v is not None else np.nan for v in data[c]],
                             dtype=np.float64))
    mask = [False] * len(numeric) + [True] * len(categorical)
    return np.column_stack(mats), mask


def xgb_regressor(libs, hp, y_fit, **override):
    """XGBRegressor with hp (n_trees, max_depth, learning_rate, lambda,
    min_child_weight, max_bins); base_score = mean of the fit targets."""
    params = dict(
        n_estimators=hp["n_trees"], max_depth=hp["max_depth"], learning_rate=hp["learning_rate"],
        reg_lambda=hp["lambda"], reg_alpha=0.0, gamma=0.0, min_child_weight=hp["min_child_weight"],
        max_bin=hp["max_bins"], tree_method="hist", grow_policy="depthwise", subsample=1.0,
        colsample_bytree=1.0, enable_categorical=True, n_jobs=THREADS, random_state=0,
        base_score=float(libs.np.mean(y_fit)))
    params.update(override)
    return libs.xgb.XGBRegressor(**params)


def hgb_regressor(libs, hp, mask, loss="squared_error"):
    return libs.HGB(
        loss=loss, learning_rate=hp["learning_rate"], max_iter=hp["n_trees"],
        max_leaf_nodes=None, max_depth=hp["max_depth"], min_samples_leaf=max(1, int(hp["min_child_weight"])),
        l2_regularization=hp["lambda"], max_bins=255, categorical_features=mask, early_stopping=False,
        random_state=0)


# ---------------------------------------------------------------- SWF logs

def used_features(conn, numeric=NUMERIC, categorical=CATEGORICAL):
    """The feature columns that are not NULL in every row."""
    num, cat = [], []
    for f in numeric + categorical:
        if conn.execute(f"SELECT count({f}) FROM feat").fetchone()[0] > 0:
            (num if f in numeric else cat).append(f)
    return num, cat


class Split:
    """Row positions of the duration protocol (behaviour 4), 0-based."""

    def __init__(self, n, n_train, n_cal):
        self.n, self.n_train, self.n_cal = n, n_train, n_cal
        self.n_fit = n_train - n_cal
        self.n_test = n - n_train
        self.fit = slice(0, self.n_fit)
        self.cal = slice(self.n_fit, n_train)
        self.test = slice(n_train, n)


def make_row(name, family, pred=None, lo=None, hi=None, t_fit=None, t_pred=None, config=None, note=None,
             error=None, metrics=None):
    """One row of a log's table.  family: omen (the default recipe), variant
    (--omen), baseline (issue 10's), diagnostic (numeric-only)."""
    return {"name": name, "family": family, "pred": pred, "lo": lo, "hi": hi, "t_fit": t_fit, "t_pred": t_pred,
            "config": config, "note": note, "error": error, "metrics": metrics, "coverage": None}


def interval_from(np, target, y_cal, raw_cal, raw_test):
    """Split-conformal 90% interval on the calibration tail: residuals of
    log1p for a log-target model, of seconds for a raw one."""
    if target == "log":
        q_lo, q_hi = conformal_bounds(np, np.log1p(y_cal) - raw_cal, COVERAGE)
        return np.maximum(np.expm1(raw_test + q_lo), 0.0), np.maximum(np.expm1(raw_test + q_hi), 0.0)
    q_lo, q_hi = conformal_bounds(np, y_cal - raw_cal, COVERAGE)
    return np.maximum(raw_test + q_lo, 0.0), np.maximum(raw_test + q_hi, 0.0)


def to_seconds(np, target, raw):
    return np.maximum(np.expm1(raw), 0.0) if target == "log" else np.maximum(raw, 0.0)


def whole_seconds(conn, n_train):
    """True when every training run time is a whole number (the recipe then
    rounds its point predictions: sql/runtime_recipe.sql, step 3)."""
    return conn.execute("SELECT count(*) FROM feat WHERE dur_pos <= ? AND run <> round(run)",
                        (n_train,)).fetchone()[0] == 0


def select_on_tail(conn, fv, n_train, blobs, rounded=False):
    """The recipe's choice between candidate models (sql/runtime_recipe.sql,
    step 3): the lowest MAE on the calibration tail — the last
    calibration_rows training rows, which no candidate fit — ties to the
    higher accuracy, then to the first; with rounded, of the predictions
    rounded to whole seconds.  Returns (index, [(mae, acc)])."""
    point = f"round(predict_duration(?1, {fv}))" if rounded else f"predict_duration(?1, {fv})"
    scores = []
    for blob in blobs:
        info = json.loads(conn.execute("SELECT model_info(?)", (blob,)).fetchone()[0])
        n_cal = (info.get("metrics") or {}).get("calibration_rows") or 0
        m = json.loads(conn.execute(
            f"SELECT regression_metrics(run, {point}) FROM feat "
            "WHERE dur_pos > ?2 AND dur_pos <= ?3", (blob, n_train - n_cal, n_train)).fetchone()[0])
        scores.append((m["mae"], m["accuracy"]))
    best = min(range(len(blobs)), key=lambda i: (scores[i][0], -scores[i][1], i))
    return best, scores


RECAL_DAYS = 30  # behaviour 4b: the recipe's daily refresh looks back this many days
# behaviour 4b: the recipe's daily level (sql/runtime_recipe.sql step 5)
LEVEL_START, LEVEL_STEP, LEVEL_MIN_RUNS, LEVEL_RANGE = 0.9, 0.5, 20, (0.70, 0.99)


def recalibrated(conn, np, blob, fv, n_train, n_cal):
    """Behaviour 4b: the recipe's intervals refreshed daily (sql/runtime_recipe.sql,
    step 5).  Every row the model did not fit (calibration tail and test) gets
    its stored prediction (predict_duration, unrounded); at the start of each
    day from the first test submit, interval_calibrate(model, prediction, run)
    over the rows that ENDED in the trailing RECAL_DAYS days (end = submit +
    wait + run), in end order; the test rows submitted that day get
    predict_interval(model, fv, 0.9, calib) and predict_interval(model, fv,
    level, calib) — the built-in calibration when no row has ended yet.  The
    level moves at each day's start, before that day's intervals, from the
    test runs that ended since its last move, by the step rule of behaviour
    4b (in SQL, over the intervals as issued).  Returns (lo, hi, lo_level,
    hi_level), bounds clamped at 0, in test order, and the levels used."""
    conn.execute("DROP TABLE IF EXISTS recal")
    conn.execute(f"""CREATE TEMP TABLE recal AS
        SELECT dur_pos AS pos, submit, submit + coalesce(wait_, 0) + run AS end_t, run,
               predict_duration(?1, {fv}) AS pred
          FROM (SELECT feat.*, runs.wait AS wait_ FROM feat JOIN runs ON runs.job_id = feat.job_id
                 WHERE feat.dur_pos > ?2)""", (blob, n_train - n_cal))
    conn.execute("CREATE INDEX recal_end ON recal(end_t, pos)")
    conn.execute("DROP TABLE IF EXISTS issued")
    conn.execute("CREATE TEMP TABLE issued(pos INTEGER PRIMARY KEY, end_t REAL, run REAL, lo REAL, hi REAL)")
    conn.execute("CREATE INDEX issued_end ON issued(end_t)")
    conn.execute("DROP TABLE IF EXISTS level")
    conn.execute("CREATE TEMP TABLE level(level REAL, since REAL)")
    test = conn.execute("SELECT pos, submit FROM recal WHERE pos > ? ORDER BY pos", (n_train,)).fetchall()
    conn.execute("INSERT INTO level VALUES (?, ?)", (LEVEL_START, test[0][1]))
    pos = np.array([r[0] for r in test], dtype=np.int64)
    day = np.floor((np.array([r[1] for r in test], dtype=np.float64) - test[0][1]) / 86400).astype(np.int64)
    lo, hi = np.empty(len(test)), np.empty(len(test))
    lo_l, hi_l, levels = np.empty(len(test)), np.empty(len(test)), []
    starts = np.flatnonzero(np.r_[True, day[1:] != day[:-1]])
    ends = np.r_[starts[1:], len(test)]
    for a, b in zip(starts, ends):
        t = test[0][1] + 86400.0 * day[a]
        since = t - RECAL_DAYS * 86400.0
        # the recipe's nightly step: the miss share of the runs ended since the last move
        conn.execute("""UPDATE level SET level = min(?3, max(?2, level + ?4 * (m.miss - ?5))), since = ?1
            FROM (SELECT avg(run < lo OR run > hi) AS miss, count(run < lo OR run > hi) AS n FROM issued
                   WHERE end_t >= (SELECT since FROM level) AND end_t < ?1) AS m
           WHERE m.n >= ?6""", (t, LEVEL_RANGE[0], LEVEL_RANGE[1], LEVEL_STEP, 1 - LEVEL_START, LEVEL_MIN_RUNS))
        level = conn.execute("SELECT level FROM level").fetchone()[0]
        levels.append(level)
        calib = None  # no run has ended yet: the built-in interval
        if conn.execute("SELECT 1 FROM recal WHERE end_t < ?1 AND end_t >= ?2 LIMIT 1", (t, since)).fetchone():
            calib = conn.execute("""SELECT interval_calibrate(?1, pred, run) FROM (SELECT pred, run FROM recal
                WHERE end_t < ?2 AND end_t >= ?3 ORDER BY end_t, pos)""", (blob, t, since)).fetchone()[0]
        got = conn.execute(f"""SELECT max(json_extract(pi, '$.lo'), 0.0), max(coalesce(json_extract(pi, '$.hi'), 9e999), 0.0),
                   max(json_extract(pl, '$.lo'), 0.0), max(coalesce(json_extract(pl, '$.hi'), 9e999), 0.0)
            FROM (SELECT dur_pos, predict_interval(?1, {fv}, 0.9, ?2) AS pi, predict_interval(?1, {fv}, ?5, ?2) AS pl
                    FROM feat WHERE dur_pos >= ?3 AND dur_pos <= ?4 ORDER BY dur_pos)""",
                           (blob, calib, int(pos[a]), int(pos[b - 1]), level)).fetchall()
        lo[a:b] = [g[0] for g in got]
        hi[a:b] = [g[1] for g in got]
        lo_l[a:b] = [g[2] for g in got]
        hi_l[a:b] = [g[3] for g in got]
        conn.executemany("INSERT INTO issued SELECT pos, end_t, run, ?2, ?3 FROM recal WHERE pos = ?1",
                         [(int(pos[i]), float(lo_l[i]), float(hi_l[i])) for i in range(a, b)])
    conn.execute("DROP TABLE recal")
    conn.execute("DROP TABLE issued")
    conn.execute("DROP TABLE level")
    return lo, hi, lo_l, hi_l, levels


def omen_row(conn, libs, name, family, opts, fv, n_train, y_test, checks, log_name, alternatives=(), rounded=False,
             recal=False):
    """Train omen over the training rows with options opts (JSON text) and
    score the test rows; an error from omen gives a row with 'error' set.
    alternatives: more option sets (JSON text); then every one is trained
    and select_on_tail keeps one (the fit time counts them all).  rounded:
    the point predictions are rounded to whole seconds (the recipe's rule
    when the training run times are whole seconds)."""
    np = libs.np
    t0 = time.perf_counter()
    blobs = []
    for o in (opts,) + tuple(alternatives):
        try:
            blob = conn.execute(
                f"SELECT gbt_train({fv}, run, ?) FROM (SELECT * FROM feat WHERE dur_pos <= ? ORDER BY dur_pos)",
                (o, n_train)).fetchone()[0]
            if blob is None:
                raise sqlite3.Error("gbt_train returned NULL")
        except sqlite3.Error as e:
            print(f"  {log_name}: {name} with {o}: omen refused: {e}; row skipped")
            return make_row(name, family, config=json.loads(o), error=str(e)), None
        blobs.append(blob)
    chosen_note = None
    if len(blobs) > 1:
        k, scores = select_on_tail(conn, fv, n_train, blobs, rounded)
        blob, opts = blobs[k], ((opts,) + tuple(alternatives))[k]
        chosen_note = "chose " + ("the first" if k == 0 else f"alternative {k}") + " on the tail (MAE, accuracy: " + \
            ", ".join(f"{m:.0f} {a:.3f}" for m, a in scores) + ")"
        print(f"  {log_name}: {name}: {chosen_note}: {opts}")
    else:
        blob = blobs[0]
    t_fit = time.perf_counter() - t0
    info = json.loads(conn.execute("SELECT model_info(?)", (blob,)).fetchone()[0])
    n_cal = (info.get("metrics") or {}).get("calibration_rows") or 0
    conn.execute("DROP TABLE IF EXISTS pred_omen")
    t0 = time.perf_counter()
    has_interval = True
    try:
        conn.execute(
            f"CREATE TABLE pred_omen AS SELECT dur_pos, run, "
            f"max({'round' if rounded else ''}(json_extract(pi, '$.pred')), 0.0) AS pred, "
            f"max(json_extract(pi, '$.lo'), 0.0) AS lo, "
            f"max(coalesce(json_extract(pi, '$.hi'), 9e999), 0.0) AS hi "
            f"FROM (SELECT dur_pos, run, predict_interval(?1, {fv}) AS pi "
            f"FROM feat WHERE dur_pos > ?2 ORDER BY dur_pos)", (blob, n_train))
    except sqlite3.Error:
        has_interval = False
        conn.execute("DROP TABLE IF EXISTS pred_omen")
        try:
            conn.execute(
                f"CREATE TABLE pred_omen AS SELECT dur_pos, run, "
                f"max({'round' if rounded else ''}(predict_duration(?1, {fv})), 0.0) AS pred, "
                f"NULL AS lo, NULL AS hi FROM feat WHERE dur_pos > ?2 ORDER BY dur_pos", (blob, n_train))
        except sqlite3.Error as e:
            print(f"  {log_name}: {name}: prediction failed: {e}; row skipped")
            return make_row(name, family, config=json.loads(opts), error=str(e)), None
    t_pred = time.perf_counter() - t0
    m_sql, cov_sql, m_log = conn.execute(
        "SELECT regression_metrics(run, pred), interval_coverage(run, lo, hi), "
        "regression_metrics(ln(1 + run), ln(1 + pred)) FROM pred_omen").fetchone()
    m_sql = json.loads(m_sql)
    m_sql["log_rmse"] = json.loads(m_log)["rmse"]
    om = fetch_columns(conn, "SELECT run, pred, lo, hi FROM pred_omen ORDER BY dur_pos", (),
                       ["run", "pred", "lo", "hi"])
    pred = np.array(om["pred"], dtype=np.float64)
    m_np = point_metrics(np, y_test, pred)
    worst = max(rel_diff(m_sql[k], m_np[k]) for k in ("mae", "medae", "r2", "accuracy", "within_20pct", "log_rmse"))
    lo = hi = None
    if has_interval:
        lo = np.array(om["lo"], dtype=np.float64)
        hi = np.array(om["hi"], dtype=np.float64)
        worst = max(worst, rel_diff(cov_sql, coverage(np, y_test, lo, hi)))
    checks.append((f"{log_name}, {name}: regression_metrics()/interval_coverage() vs numpy on its predictions",
                   worst))
    metrics = {k: m_sql[k] for k in ("n", "mae", "medae", "r2", "accuracy", "within_20pct", "log_rmse")}
    metrics["under"] = m_np["under"]
    note = None if has_interval else "no calibration rows: no interval"
    if chosen_note:
        note = chosen_note if note is None else note + "; " + chosen_note
    if rounded:
        note = "predictions rounded to whole seconds" if note is None else note + "; predictions rounded to whole seconds"
    row = make_row(name, family, pred, lo, hi, t_fit, t_pred, config=json.loads(opts), note=note, metrics=metrics)
    row["trees"] = (info.get("metrics") or {}).get("trees")
    if recal and has_interval and n_cal:
        t0 = time.perf_counter()
        (row["lo_recal"], row["hi_recal"], row["lo_level"], row["hi_level"],
         levels) = recalibrated(conn, np, blob, fv, n_train, n_cal)
        row["levels"] = [min(levels), float(np.median(levels)), max(levels)]
        row["t_recal"] = time.perf_counter() - t0
    return row, n_cal


def xgb_rows(libs, X, y, sp, hp, target, tune, suffix="", family="baseline"):
    """xgboost on one target ('log' or 'raw'): the default row and, with
    tune, the tuned rows (behaviour 5).  Returns (rows, grid info)."""
    np = libs.np
    yt = np.log1p(y) if target == "log" else y
    default = (hp["max_depth"], float(hp["min_child_weight"]), float(hp["learning_rate"]), hp["n_trees"])
    fits = []
    if tune:
        fits = [(d, float(w), GRID_LEARNING_RATE, GRID_TREES, True)
                for d in GRID_DEPTHS for w in GRID_MIN_CHILD_WEIGHTS]
    if not any((d, w, lr) == default[:3] and default[3] in trees for d, w, lr, trees, _ in fits):
        fits.append(default[:3] + ((default[3],), False))
    Xfit, Xcal, Xtest = rows_of(libs, X, sp.fit), rows_of(libs, X, sp.cal), rows_of(libs, X, sp.test)
    y_cal, y_test = y[sp.cal], y[sp.test]
    configs = []
    t_grid = 0.0
    for d, w, lr, trees, in_grid in fits:
        model = xgb_regressor(libs, dict(hp, max_depth=d, min_child_weight=w, learning_rate=lr, n_trees=max(trees)),
                              yt[sp.fit])
        t0 = time.perf_counter()
        model.fit(Xfit, yt[sp.fit])
        t_fit = time.perf_counter() - t0
        for k in trees:
            t0 = time.perf_counter()
            raw_cal = model.predict(Xcal, iteration_range=(0, k))
            raw_test = model.predict(Xtest, iteration_range=(0, k))
            t_pred = time.perf_counter() - t0
            if in_grid:
                t_grid += t_pred
            cfg = {"max_depth": d, "min_child_weight": w, "learning_rate": lr, "n_estimators": k}
            configs.append({"config": cfg, "grid": in_grid, "raw_cal": raw_cal, "raw_test": raw_test,
                            "t_fit": t_fit if k == max(trees) and not in_grid else "grid",
                            "t_pred": t_pred,
                            "cal": point_metrics(np, y_cal, to_seconds(np, target, raw_cal)),
                            "test": point_metrics(np, y_test, to_seconds(np, target, raw_test))})
        if in_grid:
            t_grid += t_fit

    def row_of(c, name):
        lo, hi = interval_from(np, target, y_cal, c["raw_cal"], c["raw_test"])
        return make_row(name, family, to_seconds(np, target, c["raw_test"]), lo, hi, c["t_fit"], c["t_pred"],
                        config=dict(c["config"], target=target))

    def short(c):
        g = c["config"]
        return f"d{g['max_depth']} w{g['min_child_weight']:g} lr{g['learning_rate']:g} n{g['n_estimators']}"

    rows = []
    dflt = next(c for c in configs if (c["config"]["max_depth"], c["config"]["min_child_weight"],
                                       c["config"]["learning_rate"], c["config"]["n_estimators"]) == default)
    rows.append(row_of(dflt, f"xgboost {target} default{suffix}"))
    grid = [c for c in configs if c["grid"]]
    chosen = {}
    if grid:
        by_mae = min(grid, key=lambda c: c["cal"]["mae"])
        by_acc = max(grid, key=lambda c: c["cal"]["accuracy"])
        if by_mae is by_acc:
            rows.append(row_of(by_mae, f"xgboost {target} tuned for MAE and accuracy [{short(by_mae)}]"))
            rows[-1]["chosen_for"] = ["mae", "accuracy"]
        else:
            rows.append(row_of(by_mae, f"xgboost {target} tuned for MAE [{short(by_mae)}]"))
            rows[-1]["chosen_for"] = ["mae"]
            rows.append(row_of(by_acc, f"xgboost {target} tuned for accuracy [{short(by_acc)}]"))
            rows[-1]["chosen_for"] = ["accuracy"]
        chosen = {"mae": short(by_mae), "accuracy": short(by_acc)}
    info = {"target": target, "seconds": t_grid if grid else None, "chosen": chosen,
            "configs": [{"config": c["config"], "label": short(c),
                         "tail": {k: c["cal"][k] for k in ("mae", "accuracy")},
                         "test": {k: c["test"][k] for k in ("mae", "accuracy")}} for c in grid]}
    return rows, info


def hgb_rows(libs, data, num, cat, y, sp, hp):
    """HistGradientBoosting: absolute_error on seconds, squared_error on log1p."""
    np = libs.np
    Xh, mask = hgb_matrix(libs, data, num, cat, sp.n_fit)
    rows = []
    for loss, target, name in (("absolute_error", "raw", "HGB abs raw"), ("squared_error", "log", "HGB log")):
        yt = np.log1p(y) if target == "log" else y
        model = hgb_regressor(libs, hp, mask, loss=loss)
        t0 = time.perf_counter()
        model.fit(Xh[sp.fit], yt[sp.fit])
        t_fit = time.perf_counter() - t0
        t0 = time.perf_counter()
        raw_cal = model.predict(Xh[sp.cal])
        raw_test = model.predict(Xh[sp.test])
        t_pred = time.perf_counter() - t0
        lo, hi = interval_from(np, target, y[sp.cal], raw_cal, raw_test)
        rows.append(make_row(name, "baseline", to_seconds(np, target, raw_test), lo, hi, t_fit, t_pred,
                             config={"loss": loss, "target": target}))
    return rows


def classic_rows(conn, libs, y, sp):
    """requested time and last-2 (behaviour 5)."""
    np = libs.np
    base = fetch_columns(conn, "SELECT time_req, u_last2 FROM feat WHERE dur_pos > ? ORDER BY dur_pos",
                         (sp.n_train,), ["time_req", "u_last2"])
    median_train = float(np.median(y[:sp.n_train]))
    req, n_req_fallback = [], 0
    last2, n_last2_req, n_last2_median = [], 0, 0
    for t, h in zip(base["time_req"], base["u_last2"]):
        treq = t if t is not None and t > 0 else None
        req.append(treq if treq is not None else median_train)
        n_req_fallback += treq is None
        if h is not None:
            last2.append(min(h, treq) if treq is not None else h)
        elif treq is not None:
            last2.append(treq)
            n_last2_req += 1
        else:
            last2.append(median_train)
            n_last2_median += 1
    n_test = len(req)

    def share(k):
        return f"{100.0 * k / n_test:.1f}%"

    rows = []
    label = "requested time"
    if n_req_fallback:
        label += f" [median for {share(n_req_fallback)}]"
    rows.append(make_row(label, "baseline", np.array(req, dtype=np.float64),
                         config={"fallback_median": n_req_fallback / n_test}))
    label = "last-2 (Tsafrir)"
    notes = []
    if n_last2_req:
        notes.append(f"time_req for {share(n_last2_req)}")
    if n_last2_median:
        notes.append(f"median for {share(n_last2_median)}")
    if notes:
        label += " [" + ", ".join(notes) + "]"
    rows.append(make_row(label, "baseline", np.array(last2, dtype=np.float64),
                         config={"fallback_time_req": n_last2_req / n_test,
                                 "fallback_median": n_last2_median / n_test}))
    return rows


def add_recipe_features(conn, checks, log_name):
    """Runs sql/runtime_recipe.sql (the file a user reads) and copies its
    features into feat; the ones feat already has must agree."""
    with open(RECIPE_SQL_FILE) as f:
        conn.executescript(f.read())
    conn.execute("CREATE INDEX runtime_features_id ON runtime_features(job_id)")
    own = [c for c in RECIPE_NUMERIC if c not in RECIPE_SHARED]
    for c in own:
        conn.execute(f"ALTER TABLE feat ADD COLUMN {c} REAL")
    conn.execute(f"UPDATE feat SET ({', '.join(own)}) = ({', '.join('f.' + c for c in own)}) "
                 "FROM runtime_features AS f WHERE f.job_id = feat.job_id")
    worst = 0.0
    for c in RECIPE_SHARED:
        bad, diff = conn.execute(
            f"SELECT sum((a.{c} IS NULL) <> (f.{c} IS NULL)), max(abs(a.{c} - f.{c}) / max(abs(a.{c}), 1e-300)) "
            f"FROM feat AS a JOIN runtime_features AS f USING (job_id) WHERE a.dur_pos IS NOT NULL").fetchone()
        worst = max(worst, float("inf") if bad else (diff or 0.0))
    checks.append((f"{log_name}: runtime_recipe.sql's shared features equal bench_real's", worst))


def run_duration(conn, libs, name, hp, num, cat, checks, variants, tune, cache=None, log_path=None, omen_extra=None):
    """Behaviours 4-8 on one log: returns a result dict (rows with their
    prediction arrays, the split, the grid).  omen_extra: options of the
    default omen row over the hyperparameters (the recipe's)."""
    np = libs.np
    features = num + cat
    n = conn.execute("SELECT count(*) FROM feat WHERE dur_pos IS NOT NULL").fetchone()[0]
    n_train = int(n * TRAIN_FRACTION)
    fv = fv_sql(features)
    y_test = np.array([r[0] for r in conn.execute(
        "SELECT run FROM feat WHERE dur_pos > ? ORDER BY dur_pos", (n_train,))], dtype=np.float64)

    rows = []
    base_opts = json.loads(omen_options(hp, objective="duration"))
    base_opts.update(omen_extra or {})
    alternatives = []
    if omen_extra:
        for alt in RECIPE_ALTERNATIVES:
            o = dict(base_opts)
            o.update(alt)
            alternatives.append(json.dumps(o))
    rounded = bool(omen_extra) and whole_seconds(conn, n_train)
    row, n_cal = omen_row(conn, libs, "omen", "omen", json.dumps(base_opts), fv, n_train, y_test, checks, name,
                          alternatives, rounded, recal=bool(omen_extra))
    rows.append(row)
    if n_cal is None:
        n_cal = round(n_train * 0.1)
    sp = Split(n, n_train, n_cal)
    for vname, vopts in variants:
        opts = dict(base_opts)
        opts.update(vopts)
        rows.append(omen_row(conn, libs, f"omen {vname}", "variant", json.dumps(opts), fv, n_train, y_test,
                             checks, name)[0])

    cols = ["dur_pos", "run", "status", "user"] + [f for f in features if f != "user"]
    data = fetch_columns(conn, f"SELECT {', '.join(cols)} FROM feat WHERE dur_pos IS NOT NULL ORDER BY dur_pos",
                         (), cols)
    y = np.array(data["run"], dtype=np.float64)
    rows += classic_rows(conn, libs, y, sp)

    groups = UserGroups(np, data["user"][n_train:])
    key = cache_key(libs, log_path, hp, num, cat, sp, tune) if cache else None
    hit = cache_load(cache, key) if cache else None
    if hit is not None:
        model_rows, grids = hit["rows"], hit["grids"]
        for r in model_rows:
            r.update(pred=None, lo=None, hi=None, cached=True)
        print(f"  {name}: xgboost and HistGradientBoosting rows from the cache {cache} ({key[:12]}, computed "
              f"{hit['when']}, {hit['seconds']:.0f} s then)")
    else:
        t0 = time.perf_counter()
        model_rows, grids = [], {}
        if libs.xgb is not None:
            X, _ = xgb_frame(libs, data, num, cat)
            for target in ("log", "raw"):
                r, grids[target] = xgb_rows(libs, X, y, sp, hp, target, tune)
                model_rows += r
            del X
        else:
            model_rows += [make_row(f"xgboost {t} default", "baseline", error="xgboost absent")
                           for t in ("log", "raw")]
        if libs.sklearn is not None:
            model_rows += hgb_rows(libs, data, num, cat, y, sp, hp)
        else:
            model_rows += [make_row(n_, "baseline", error="scikit-learn absent")
                           for n_ in ("HGB abs raw", "HGB log")]
        evaluate_rows(np, model_rows, y_test, groups)
        if cache:
            cache_save(cache, key, model_rows, grids, time.perf_counter() - t0)
    rows += model_rows

    if cat:
        suffix = ", numeric features only"
        rows.append(omen_row(conn, libs, "omen" + suffix, "diagnostic", json.dumps(base_opts), fv_sql(num),
                             n_train, y_test, checks, name)[0])
        if libs.xgb is not None:
            Xn, _ = xgb_frame(libs, data, num, [])
            rows += xgb_rows(libs, Xn, y, sp, hp, "log", False, suffix=suffix, family="diagnostic")[0]

    evaluate_rows(np, rows, y_test, groups)
    return {"split": sp, "rows": rows, "grids": grids, "data": data, "groups": groups, "cached": hit is not None}


def evaluate_rows(np, rows, y_test, groups):
    """Metrics (unless omen's SQL gave them) and coverage of rows holding predictions."""
    for r in rows:
        if r["pred"] is None:
            continue
        if r["metrics"] is None:
            r["metrics"] = point_metrics(np, y_test, r["pred"])
        if r["lo"] is not None and r["coverage"] is None:
            r["coverage"] = coverage_detail(np, y_test, r["lo"], r["hi"], groups)
        if r.get("lo_recal") is not None and r.get("coverage_recal") is None:
            r["coverage_recal"] = coverage_detail(np, y_test, r["lo_recal"], r["hi_recal"], groups)
        if r.get("lo_level") is not None and r.get("coverage_level") is None:
            r["coverage_level"] = coverage_detail(np, y_test, r["lo_level"], r["hi_level"], groups)


# The xgboost and HistGradientBoosting rows do not depend on omen: with --cache DIR
# their numbers (not their predictions) are kept in DIR/<key>.json, the key a
# hash of everything they depend on (behaviour 13).
def cache_key(libs, log_path, hp, num, cat, sp, tune):
    import hashlib
    h = hashlib.sha256()
    for path in (os.path.abspath(__file__), os.path.join(TOOLS, "swf_load.py"), log_path):
        with open(path, "rb") as f:
            h.update(hashlib.sha256(f.read()).digest())
    h.update(json.dumps([hp, num, cat, sp.n, sp.n_train, sp.n_cal, tune, libs.versions(), THREADS,
                         sqlite3.sqlite_version]).encode())
    return h.hexdigest()


def cache_load(cache, key):
    try:
        with open(os.path.join(cache, key + ".json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def cache_save(cache, key, rows, grids, seconds):
    os.makedirs(cache, exist_ok=True)
    data = {"when": time.strftime("%Y-%m-%d %H:%M:%S"), "seconds": seconds,
            "rows": [clean_json(row_json(r)) for r in rows], "grids": clean_json(grids)}
    tmp = os.path.join(cache, key + ".tmp")
    with open(tmp, "w") as f:
        json.dump(data, f)
    os.replace(tmp, os.path.join(cache, key + ".json"))


def goal_of(rows):
    """Behaviour 8: every omen row against the best baseline."""
    base = [r for r in rows if r["family"] == "baseline" and r["metrics"] is not None]
    if not base:
        return []
    best_mae = min(base, key=lambda r: r["metrics"]["mae"])
    best_acc = max(base, key=lambda r: r["metrics"]["accuracy"])
    out = []
    for r in rows:
        if r["family"] not in ("omen", "variant") or r["metrics"] is None:
            continue
        m = r["metrics"]
        cov = r["coverage"]
        g = {"row": r["name"], "mae": m["mae"], "best_mae": best_mae["metrics"]["mae"],
             "best_mae_by": best_mae["name"], "mae_ok": m["mae"] <= best_mae["metrics"]["mae"],
             "accuracy": m["accuracy"], "best_accuracy": best_acc["metrics"]["accuracy"],
             "best_accuracy_by": best_acc["name"], "accuracy_ok": m["accuracy"] >= best_acc["metrics"]["accuracy"],
             "under": m["under"], "best_mae_under": best_mae["metrics"]["under"],
             "best_accuracy_under": best_acc["metrics"]["under"],
             "coverage": cov["overall"] if cov else None,
             "coverage_ok": bool(cov) and COVER_BAND[0] <= cov["overall"] <= COVER_BAND[1],
             "coverage_quarters": cov["quarters"] if cov else None,
             "quarters_ok": bool(cov) and all(COVER_BAND[0] <= q <= COVER_BAND[1] for q in cov["quarters"]),
             "frequent_users": cov["frequent_users"] if cov else None}
        rc = r.get("coverage_level")
        g["coverage_builtin"] = g["coverage"]
        g["coverage_daily_fixed"] = r["coverage_recal"]["overall"] if r.get("coverage_recal") else None
        if rc:  # behaviour 4b: the recipe's intervals are the daily recalibrated ones, at its daily level
            g.update(coverage=rc["overall"], coverage_ok=COVER_BAND[0] <= rc["overall"] <= COVER_BAND[1],
                     coverage_quarters=rc["quarters"],
                     quarters_ok=all(COVER_BAND[0] <= q <= COVER_BAND[1] for q in rc["quarters"]),
                     frequent_users=rc["frequent_users"])
        g["met"] = g["mae_ok"] and g["accuracy_ok"] and g["coverage_ok"]
        out.append(g)
    return out


def short_name(name):
    """A baseline's name without its bracketed note, for narrow columns."""
    return name.split(" [")[0]


def print_log(short, info, res, extra_title):
    """The tables of one log (behaviours 5-8)."""
    sp, rows = res["split"], res["rows"]
    title = (f"{short}: {info['rows']:,} jobs, {sp.n:,} with a run time; train {sp.n_train:,} "
             f"(fit {sp.n_fit:,} + calibration {sp.n_cal:,}), test {sp.n_test:,}; {extra_title}")
    table = []
    for r in rows:
        m = r["metrics"]
        label = r["name"]
        if m is None:
            table.append((label, "n/a", "n/a", "n/a", "n/a", "n/a", "n/a", "n/a", "n/a", "", "")
                         if not r["error"] else (label + " — " + r["error"][:60],) + ("",) * 10)
            continue
        cov = r["coverage"]["overall"] if r["coverage"] else None
        table.append((label, fmt_int(m["mae"]), fmt_int(m["medae"]), fmt(m["r2"]), fmt(m["accuracy"]),
                      fmt(m["within_20pct"]), fmt(m["log_rmse"]), fmt(m["under"]),
                      fmt(cov) if cov is not None else "—", fmt_s(r["t_fit"]) + (" c" if r.get("cached") else ""),
                      fmt_s(r["t_pred"]) + (" c" if r.get("cached") else "")))
    print_table(title, ["model (test rows)", "MAE s", "median AE s", "R2", "accuracy", "within 20%",
                        "RMSE log1p", "under", "90% cover", "fit s", "predict s"], table)
    if res["cached"]:
        print("  c = from the cache: the time of the run that computed it")

    g = res["groups"]
    ctab = []
    for name_, c in [(short_name(r["name"]), r["coverage"]) for r in rows] + \
            [(short_name(r["name"]) + f", recalibrated daily ({r.get('t_recal') or 0:.1f} s)", r["coverage_recal"])
             for r in rows if r.get("coverage_recal")] + \
            [(short_name(r["name"]) + ", recalibrated daily, daily level (levels {:.3f}/{:.3f}/{:.3f})".format(
                *r["levels"]), r["coverage_level"]) for r in rows if r.get("coverage_level")]:
        if not c:
            continue
        fr = c["frequent_users"]
        ctab.append([name_, fmt(c["overall"])] + [fmt(q) for q in c["quarters"]]
                    + [fmt(c["user_bins"][label]["coverage"]) for _, _, label in USER_BINS]
                    + [str(fr["users"]), fmt(fr["min"]), fmt(fr["median"]), fmt(fr["max"]),
                       f"{fr['in_band']}/{fr['users']}"])
    print_table(f"{short}: 90% interval coverage on the test rows — per chronological quarter; per user bin "
                f"(users by test rows: {g.describe()}), pooled; over users with >= {FREQUENT_USER} test rows",
                ["row", "overall", "Q1", "Q2", "Q3", "Q4"] + [f"users {label}" for _, _, label in USER_BINS]
                + [f"n >={FREQUENT_USER}", "min", "median", "max", "in 0.88-0.92"], ctab)

    for target, gi in res["grids"].items():
        if not gi["configs"]:
            continue
        gtab = []
        for c in gi["configs"]:
            mark = []
            if c["label"] == gi["chosen"].get("mae"):
                mark.append("MAE")
            if c["label"] == gi["chosen"].get("accuracy"):
                mark.append("accuracy")
            gtab.append((c["label"], fmt_int(c["tail"]["mae"]), fmt(c["tail"]["accuracy"]),
                         fmt_int(c["test"]["mae"]), fmt(c["test"]["accuracy"]), ", ".join(mark)))
        print_table(f"{short}: xgboost {target}-target grid — fit on the fit rows, chosen on the calibration tail "
                    f"({gi['seconds']:.1f} s{' (cached)' if res['cached'] else ''}; test columns for information only)",
                    ["config", "tail MAE s", "tail accuracy", "test MAE s", "test accuracy", "chosen for"], gtab)


def print_goal(title, goals, with_log):
    tab = []
    for log, g in goals:
        fr = g["frequent_users"]
        tab.append(([log] if with_log else []) + [
            g["row"], fmt_int(g["mae"]), f"{fmt_int(g['best_mae'])} {short_name(g['best_mae_by'])}",
            "yes" if g["mae_ok"] else "no", fmt(g["accuracy"]),
            f"{fmt(g['best_accuracy'])} {short_name(g['best_accuracy_by'])}", "yes" if g["accuracy_ok"] else "no",
            f"{fmt(g['under'])} / {fmt(g['best_mae_under'])}",
            fmt(g["coverage"]) + ("" if g.get("coverage_builtin") in (None, g["coverage"])
                                  else f" (built-in {fmt(g['coverage_builtin'])}"
                                  + ("" if g.get("coverage_daily_fixed") is None
                                     else f", daily 0.9 {fmt(g['coverage_daily_fixed'])}") + ")"),
            "yes" if g["coverage_ok"] else "no",
            "n/a" if g["coverage_quarters"] is None else
            f"{min(g['coverage_quarters']):.3f}-{max(g['coverage_quarters']):.3f}",
            "n/a" if not fr else f"{fr['in_band']}/{fr['users']}", "MET" if g["met"] else "not met"])
    print_table(title, (["log"] if with_log else []) + [
        "omen row", "MAE s", "best baseline MAE", "ok", "accuracy", "best baseline accuracy", "ok",
        "under (omen / best-MAE baseline)", "cover", "in band", "quarters", f"users >={FREQUENT_USER} in band",
        "goal"], tab)


def run_failure(conn, libs, name, hp, num, cat, checks, suffix=""):
    """Behaviour 9 on one log: a dict of sizes, AUCs, log losses, times."""
    np = libs.np
    features = num + cat
    n = conn.execute("SELECT count(*) FROM feat WHERE fail_pos IS NOT NULL").fetchone()[0]
    n_train = int(n * TRAIN_FRACTION)
    fv = fv_sql(features)
    label = "(status <> 1)"
    t0 = time.perf_counter()
    blob = conn.execute(
        f"SELECT gbt_train({fv}, {label}, ?) FROM (SELECT * FROM feat WHERE fail_pos <= ? ORDER BY fail_pos)",
        (omen_options(hp, objective="binary", calibration_fraction=0), n_train)).fetchone()[0]
    t_omen = time.perf_counter() - t0
    m = json.loads(conn.execute(
        f"SELECT classification_metrics(y, p) FROM (SELECT {label} AS y, predict_failure(?1, {fv}) AS p "
        f"FROM feat WHERE fail_pos > ?2)", (blob, n_train)).fetchone()[0])
    res = {"n_train": n_train, "n_test": n - n_train, "omen_auc": m["auc"], "omen_logloss": m["logloss"],
           "t_omen": t_omen}
    cols = ["fail_pos", "status"] + features
    data = fetch_columns(conn, f"SELECT {', '.join(cols)} FROM feat WHERE fail_pos IS NOT NULL ORDER BY fail_pos",
                         (), cols)
    y = np.array([0.0 if s == 1 else 1.0 for s in data["status"]])
    res["rate_train"] = float(y[:n_train].mean())
    res["rate_test"] = float(y[n_train:].mean())
    if libs.sklearn is not None:
        p_om = np.array([r[0] for r in conn.execute(
            f"SELECT predict_failure(?1, {fv}) FROM feat WHERE fail_pos > ?2 ORDER BY fail_pos", (blob, n_train))])
        checks.append((f"{name}{suffix}: classification_metrics() AUC vs sklearn roc_auc_score",
                       rel_diff(m["auc"], float(libs.roc_auc(y[n_train:], p_om)))))
    if libs.xgb is not None:
        X, _ = xgb_frame(libs, data, num, cat)
        model = libs.xgb.XGBClassifier(
            objective="binary:logistic", n_estimators=hp["n_trees"], max_depth=hp["max_depth"],
            learning_rate=hp["learning_rate"], reg_lambda=hp["lambda"], reg_alpha=0.0, gamma=0.0,
            min_child_weight=hp["min_child_weight"], max_bin=hp["max_bins"], tree_method="hist",
            grow_policy="depthwise", enable_categorical=True, n_jobs=THREADS, random_state=0,
            base_score=float(y[:n_train].mean()))
        t0 = time.perf_counter()
        Xtr = X[:n_train] if libs.pd is None else X.iloc[:n_train]
        Xte = X[n_train:] if libs.pd is None else X.iloc[n_train:]
        model.fit(Xtr, y[:n_train])
        res["t_xgb"] = time.perf_counter() - t0
        p = model.predict_proba(Xte)[:, 1]
        res["xgb_auc"] = float(libs.roc_auc(y[n_train:], p)) if libs.sklearn is not None else None
        eps = np.finfo(np.float64).eps
        pc = np.clip(p, eps, 1 - eps)
        res["xgb_logloss"] = float(-np.mean(y[n_train:] * np.log(pc) + (1 - y[n_train:]) * np.log(1 - pc)))
    return res


# ---------------------------------------------------------------- Galaxy

def load_galaxy(conn, path):
    """CSV -> table galaxy(rid, <columns>); returns (numeric, categorical, n)."""
    with gzip.open(path, "rt", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    kinds = []
    for i, col in enumerate(header):
        numeric = True
        for r in rows:
            v = r[i]
            if v == "":
                continue
            try:
                float(v)
            except ValueError:
                numeric = False
                break
        kinds.append(numeric)
    conv = []
    for r in rows:
        out = []
        for v, is_num in zip(r, kinds):
            out.append(None if v == "" else (float(v) if is_num else v))
        conv.append(out)
    quoted = ['"' + h.replace('"', '""') + '"' for h in header]
    types = ["REAL" if k else "TEXT" for k in kinds]
    conn.execute("DROP TABLE IF EXISTS galaxy")
    conn.execute("CREATE TABLE galaxy(rid INTEGER PRIMARY KEY, fold INTEGER, "
                 + ", ".join(f"{q} {t}" for q, t in zip(quoted, types)) + ")")
    conn.executemany(f"INSERT INTO galaxy VALUES (NULL, NULL, {', '.join('?' * len(header))})", conv)
    numeric = [h for h, k in zip(header, kinds) if k and h != "runtime"]
    categorical = [h for h, k in zip(header, kinds) if not k and h != "runtime"]
    return numeric, categorical, len(rows)


def run_galaxy(conn, libs, path, hp):
    np = libs.np
    num, cat, n = load_galaxy(conn, path)
    folds = libs.KFold(n_splits=3, shuffle=True, random_state=KFOLD_SEED)
    fold_of = np.empty(n, dtype=np.int64)
    for k, (_, te) in enumerate(folds.split(np.arange(n))):
        fold_of[te] = k
    conn.executemany("UPDATE galaxy SET fold = ? WHERE rid = ?", [(int(fold_of[i]), i + 1) for i in range(n)])
    features = num + cat
    qname = {f: '"' + f.replace('"', '""') + '"' for f in features}
    fv = "feature_vector(" + ", ".join(f"'{f}', {qname[f]}" for f in features) + ")"
    res = {"n": n, "n_num": len(num), "n_cat": len(cat), "omen": [], "xgb": [], "t_omen": 0.0, "t_xgb": 0.0}
    opts = omen_options(hp, objective="duration", calibration_fraction=0)
    for k in range(3):
        t0 = time.perf_counter()
        blob = conn.execute(f"SELECT gbt_train({fv}, runtime, ?) FROM (SELECT * FROM galaxy WHERE fold <> ? "
                            f"ORDER BY rid)", (opts, k)).fetchone()[0]
        res["t_omen"] += time.perf_counter() - t0
        m = json.loads(conn.execute(
            f"SELECT regression_metrics(ln(1 + runtime), ln(1 + predict_duration(?1, {fv}))) "
            f"FROM galaxy WHERE fold = ?2", (blob, k)).fetchone()[0])
        res["omen"].append(m["r2"])
    if libs.xgb is not None:
        qcols = ", ".join(['rid', 'fold', 'runtime'] + [qname[f] for f in features])
        data = fetch_columns(conn, f"SELECT {qcols} FROM galaxy ORDER BY rid", (),
                             ["rid", "fold", "runtime"] + features)
        X, _ = xgb_frame(libs, data, num, cat)
        y_log = np.log1p(np.array(data["runtime"], dtype=float))
        fold = np.array(data["fold"])
        for k in range(3):
            tr, te = fold != k, fold == k
            model = xgb_regressor(libs, hp, y_log[tr])
            t0 = time.perf_counter()
            model.fit(X[tr] if libs.pd is None else X.loc[tr], y_log[tr])
            res["t_xgb"] += time.perf_counter() - t0
            pred = np.log1p(np.maximum(np.expm1(model.predict(X[te] if libs.pd is None else X.loc[te])), 0.0))
            res["xgb"].append(point_metrics(np, y_log[te], pred)["r2"])
    return res


# ---------------------------------------------------------------- main

def find_logs(data_dir, names):
    found = []
    for name in names:
        hits = sorted(f for f in os.listdir(data_dir) if f.startswith(name) and f.endswith(".swf.gz"))
        if hits:
            found.append(os.path.join(data_dir, hits[0]))
        else:
            print(f"bench_real.py: no SWF log named {name}* in {data_dir}; skipped")
    return found


def all_logs(data_dir):
    """Every SWF log in the directory: issue 10's five first, then the rest by name."""
    files = sorted(f for f in os.listdir(data_dir) if f.endswith(".swf.gz"))
    first = [f for name in GOAL_LOGS for f in files if f.startswith(name)]
    return [os.path.join(data_dir, f) for f in first + [f for f in files if f not in first]]


def open_db():
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.enable_load_extension(True)
    conn.load_extension(EXTENSION)
    conn.enable_load_extension(False)
    return conn


def parse_variant(text):
    """--omen NAME=JSON -> (NAME, dict)."""
    name, sep, js = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=JSON, got {text!r}")
    try:
        opts = json.loads(js)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"{name}: not JSON: {e}")
    if not isinstance(opts, dict):
        raise argparse.ArgumentTypeError(f"{name}: the options must be a JSON object")
    return name.strip(), opts


def clean_json(x):
    """Make a result JSON-safe: arrays dropped by the caller; non-finite -> None."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {str(k): clean_json(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [clean_json(v) for v in x]
    if hasattr(x, "item"):  # numpy scalar
        return clean_json(x.item())
    return x


def row_json(r):
    return {k: r.get(k) for k in ("name", "family", "config", "note", "error", "metrics", "coverage", "t_fit",
                                  "t_pred", "trees", "chosen_for", "cached", "coverage_recal", "t_recal",
                                  "coverage_level", "levels")}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logs", help="comma-separated SWF log name prefixes "
                        "(default: SDSC-SP2,CTC-SP2,KTH-SP2,HPC2N,SDSC-DS)")
    parser.add_argument("--all", action="store_true", help="every SWF log in the data directory")
    parser.add_argument("--more", action="store_true", help="no effect (SDSC-DS and HPC2N are in the default set)")
    parser.add_argument("--trees", type=int, default=100, help="n_trees / n_estimators / max_iter (default 100)")
    parser.add_argument("--features", choices=sorted(FEATURE_SETS), default="recipe",
                        help="feature set (default recipe: sql/runtime_recipe.sql)")
    parser.add_argument("--omen", action="append", default=[], type=parse_variant, metavar="NAME=JSON",
                        help="an extra omen row with these gbt_train options over the defaults (repeatable)")
    parser.add_argument("--no-tune", action="store_true", help="skip the tuned xgboost grids")
    parser.add_argument("--json", metavar="FILE", help="write every number to FILE")
    parser.add_argument("--cache", metavar="DIR", default=os.path.join(ROOT, "build", "bench_real_cache"),
                        help="keep/reuse the xgboost and HistGradientBoosting rows' numbers in DIR "
                        "(default build/bench_real_cache; they do not depend on omen)")
    parser.add_argument("--no-cache", action="store_true", help="refit every baseline; read and write no cache")
    parser.add_argument("--skip-galaxy", action="store_true", help="leave out the Galaxy part")
    args = parser.parse_args()

    data_dir = os.environ.get("OMEN_DATA") or os.path.normpath(os.path.join(ROOT, "..", "shared", "data"))
    if not os.path.isdir(data_dir):
        print(f"bench_real.py: no data directory {data_dir} (set OMEN_DATA=/path to point elsewhere); "
              "the real-data benchmark is skipped")
        return 0
    if not os.path.exists(EXTENSION):
        print(f"bench_real.py: {EXTENSION} is missing; run: make", file=sys.stderr)
        return 1
    try:
        libs = Libs()
    except ImportError:
        print("bench_real.py: numpy is not importable under this Python; the real-data benchmark is skipped "
              "(use /usr/bin/python3 with python3-numpy)")
        return 0

    if args.all:
        logs = all_logs(data_dir)
    else:
        logs = find_logs(data_dir, args.logs.split(",") if args.logs else list(DEFAULT_LOGS))
    galaxy = [(label, os.path.join(data_dir, f), pub) for label, f, pub in GALAXY
              if not args.skip_galaxy and os.path.exists(os.path.join(data_dir, f))]
    if not logs and not galaxy:
        print(f"bench_real.py: none of the expected files are in {data_dir}; the real-data benchmark is skipped")
        return 0

    hp = {"n_trees": args.trees, "max_depth": 6, "learning_rate": 0.1, "lambda": 1.0, "min_child_weight": 1.0,
          "max_bins": 256}
    numeric_set, categorical_set = FEATURE_SETS[args.features]
    tune = not args.no_tune and libs.xgb is not None
    wall = time.perf_counter()
    conn0 = open_db()
    omen_version = conn0.execute('SELECT omen_version()').fetchone()[0]
    conn0.close()
    print("omen bench_real — real job histories (data: " + data_dir + ")")
    print(f"omen {omen_version}, SQLite {sqlite3.sqlite_version}, " + libs.versions())
    print("default hyperparameters for every model: " + json.dumps(hp) + f", {THREADS} threads")
    omen_default = omen_options(hp, objective="duration", **(RECIPE_OPTIONS if args.features == "recipe" else {}))
    print(f"feature set: {args.features}; omen rows: omen = " + omen_default
          + "".join(f"; omen {n} = defaults + {json.dumps(o)}" for n, o in args.omen))
    if tune:
        print(f"xgboost tuned grid: max_depth {list(GRID_DEPTHS)} x min_child_weight {list(GRID_MIN_CHILD_WEIGHTS)} x "
              f"n_estimators {list(GRID_TREES)} at learning_rate {GRID_LEARNING_RATE}, chosen on the calibration "
              "tail per metric (MAE, accuracy), no refit")
    else:
        print("xgboost tuned grid: skipped" + (" (--no-tune)" if args.no_tune else " (xgboost absent)"))
    xgb_cat = "pandas category dtype + enable_categorical" if libs.pd else "integer codes (pandas absent)"
    print(f"xgboost categoricals: {xgb_cat}; HistGradientBoosting: 255 most frequent categories seen >= 3 times")
    print("load average at start: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))

    out = {"omen_version": omen_version, "sqlite": sqlite3.sqlite_version, "libraries": libs.versions(),
           "data_dir": data_dir, "hyperparameters": hp, "features": args.features, "tuned": tune,
           "grid": {"max_depth": list(GRID_DEPTHS), "min_child_weight": list(GRID_MIN_CHILD_WEIGHTS),
                    "learning_rate": GRID_LEARNING_RATE, "n_estimators": list(GRID_TREES)},
           "omen_variants": {n: o for n, o in args.omen}, "coverage_band": list(COVER_BAND),
           "load_start": list(os.getloadavg()), "logs": {}, "failure": [], "galaxy": []}
    checks = []
    fail_results = []
    all_goals = []
    for path in logs:
        t_log = time.perf_counter()
        base = os.path.basename(path)
        short = base.split("-cln")[0].replace(".swf.gz", "")
        conn = open_db()
        t0 = time.perf_counter()
        info = swf_load.load_swf(conn, path)
        t_load = time.perf_counter() - t0
        t0 = time.perf_counter()
        conn.executescript(HISTORY_SQL)
        if args.features == "gaussier":
            conn.executescript(GAUSSIER_SQL)
        if args.features == "recipe":
            add_recipe_features(conn, checks, short)
        t_feat = time.perf_counter() - t0
        num, cat = used_features(conn, numeric_set, categorical_set)
        if conn.execute("SELECT count(*) FROM feat WHERE dur_pos IS NOT NULL").fetchone()[0] < 100:
            print(f"\n{short}: fewer than 100 jobs with a run time; skipped")
            conn.close()
            continue
        print(f"\n  {short}: local time zone {info['tz_used']} ({info['tz_source']}); numeric: "
              + ", ".join(num) + " | categorical: " + ", ".join(cat))
        res = run_duration(conn, libs, short, hp, num, cat, checks, args.omen, tune,
                           None if args.no_cache else args.cache, path,
                           RECIPE_OPTIONS if args.features == "recipe" else None)
        t_grid = sum(g["seconds"] or 0.0 for g in res["grids"].values())
        goals = goal_of(res["rows"])
        t_dur = time.perf_counter() - t_log
        cached = " (cached)" if res["cached"] else ""
        print_log(short, info, res, f"load {t_load:.1f} s, features ({args.features}) in SQL {t_feat:.1f} s, "
                  f"xgboost grids {t_grid:.1f} s{cached}, log {t_dur:.1f} s")
        sp = res["split"]
        print_table(f"{short}: categorical ids in the test rows vs the fit rows (duration protocol)",
                    ["feature", "distinct in fit rows", "kept by omen (>= 3 rows, top 255)", "test rows: unseen id",
                     "seen, not kept", "kept"], category_drift(res["data"], cat, sp.n_fit, sp.n_train))
        if goals:
            print_goal(f"{short}: goal (issue 10) — omen vs the best baseline; ok = at least as good", 
                       [(short, g) for g in goals], False)
        all_goals += [(short, g) for g in goals]
        if any(short.startswith(f) for f in FAILURE_LOGS):
            fail_results.append((short, "all features", run_failure(conn, libs, short, hp, num, cat, checks)))
            if cat:
                fail_results.append((short, "numeric only", run_failure(conn, libs, short, hp, num, [], checks,
                                                                        ", numeric only")))
        conn.close()
        out["logs"][short] = {
            "file": base, "jobs": info["rows"], "n": sp.n, "n_train": sp.n_train, "n_fit": sp.n_fit,
            "n_cal": sp.n_cal, "n_test": sp.n_test, "numeric": num, "categorical": cat,
            "issue10": any(base.startswith(g) for g in GOAL_LOGS),
            "seconds": {"load": t_load, "features": t_feat, "grids": t_grid, "log": time.perf_counter() - t_log},
            "baselines_cached": res["cached"],
            "grids": {k: {kk: vv for kk, vv in v.items()} for k, v in res["grids"].items()},
            "user_bins": {label: {"users": u, "rows": nn} for label, _, u, nn in res["groups"].bins},
            "rows": [row_json(r) for r in res["rows"]], "goal": goals}
        del res

    if all_goals:
        print_goal("Goal (issue 10) across logs — omen's default recipe (and --omen rows) vs the best baseline "
                   "per log; under = share predicted below the actual", all_goals, True)
        named = [(s, g) for s, g in all_goals if g["row"] == "omen" and out["logs"][s]["issue10"]]
        if named:
            print(f"omen default: goal met on {sum(g['met'] for _, g in named)} of {len(named)} issue-10 logs "
                  f"(MAE ok {sum(g['mae_ok'] for _, g in named)}, accuracy ok "
                  f"{sum(g['accuracy_ok'] for _, g in named)}, coverage ok {sum(g['coverage_ok'] for _, g in named)})")
        print_table("Seconds per log", ["log", "load", "features", "xgboost grids", "whole log"],
                    [(s, fmt_s(v["seconds"]["load"]), fmt_s(v["seconds"]["features"]),
                      fmt_s(v["seconds"]["grids"]) + (" (cached)" if v["baselines_cached"] else ""),
                      fmt_s(v["seconds"]["log"])) for s, v in out["logs"].items()])

    if fail_results:
        print_table("Failure prediction (status 0 or 5 = 1, status 1 = 0; chronological 75/25; test AUC)",
                    ["log", "features", "train", "test", "failure rate train/test", "omen AUC", "xgboost AUC",
                     "omen logloss", "xgboost logloss", "omen fit s", "xgboost fit s"],
                    [(s, v, f"{r['n_train']:,}", f"{r['n_test']:,}", f"{r['rate_train']:.3f} / {r['rate_test']:.3f}",
                      fmt(r["omen_auc"], 4), fmt(r.get("xgb_auc"), 4), fmt(r["omen_logloss"], 4),
                      fmt(r.get("xgb_logloss"), 4), fmt_s(r["t_omen"]), fmt_s(r.get("t_xgb")))
                     for s, v, r in fail_results])
        out["failure"] = [dict(r, log=s, features=v) for s, v, r in fail_results]

    if galaxy and libs.sklearn is None:
        print("\nGalaxy part skipped: scikit-learn (KFold) is not importable")
    elif galaxy:
        grows = []
        for label, path, published in galaxy:
            conn = open_db()
            r = run_galaxy(conn, libs, path, hp)
            conn.close()
            om = sum(r["omen"]) / 3
            xg = sum(r["xgb"]) / 3 if r["xgb"] else None
            out["galaxy"].append(dict(r, tool=label, published_rf=published, omen_mean=om, xgb_mean=xg))
            grows.append((label, f"{r['n']:,}", f"{r['n_num']} + {r['n_cat']}",
                          f"{om:.4f} ({', '.join(f'{v:.3f}' for v in r['omen'])})",
                          "n/a" if xg is None else f"{xg:.4f} ({', '.join(f'{v:.3f}' for v in r['xgb'])})",
                          f"{published:.4f}", fmt_s(r["t_omen"]), fmt_s(r["t_xgb"] if r["xgb"] else None)))
        print_table("Galaxy tool runs: R2 of log1p(runtime), shuffled 3-fold CV (KFold seed 0), mean (per fold)",
                    ["tool", "rows", "features num + cat", "omen", "xgboost", "published RF",
                     "omen fit s (3)", "xgboost fit s (3)"], grows)
        print("published RF: random forest of Tyryshkina, Coraor, Nekrutenko, Bioinformatics 35(18):3453, 2019 "
              "(their own split and features; for reference, not the same protocol)")

    status = 0
    print_table("Agreement of omen's SQL metrics with the numpy / sklearn formulas (largest relative difference)",
                ["check", "rel. diff"], [(c, f"{d:.1e}") for c, d in checks])
    if any(d > 1e-9 for _, d in checks):
        print("bench_real.py: a metric disagrees by more than 1e-9", file=sys.stderr)
        status = 1
    out["checks"] = [{"check": c, "rel_diff": d} for c, d in checks]
    out["load_end"] = list(os.getloadavg())
    out["seconds"] = time.perf_counter() - wall
    print("load average at end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(f"total bench_real time {out['seconds']:.0f} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(clean_json(out), f, indent=1, allow_nan=False)
        print(f"every number written to {args.json}")
    return status


def category_drift(data, cat, n_fit, n_train):
    """Per categorical feature: how many test rows carry an id never seen in
    the fit rows, or seen but too rarely for omen to keep (behaviour 4)."""
    out = []
    for c in cat:
        counts = {}
        for v in data[c][:n_fit]:
            if v is not None:
                counts[v] = counts.get(v, 0) + 1
        kept = set(sorted((v for v, k in counts.items() if k >= 3), key=lambda v: (-counts[v], v))[:255])
        test = [v for v in data[c][n_train:] if v is not None]
        if not test:
            continue
        unseen = sum(v not in counts for v in test) / len(test)
        rare = sum(v in counts and v not in kept for v in test) / len(test)
        out.append((c, f"{len(counts):,}", f"{len(kept):,}", f"{unseen:.3f}", f"{rare:.3f}",
                    f"{1 - unseen - rare:.3f}"))
    return out


if __name__ == "__main__":
    sys.exit(main())
