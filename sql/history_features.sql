-- history_features.sql — causal history features of a runs table with
-- run_history() (docs/run_history.md): by user, and by (user, executable),
-- joined back to the runs, ready for feature_vector() and gbt_train().
--
-- For an SWF-style table (tools/swf_load.py, tools/bench_real.py):
--   runs(job_id, submit, wait, run, time_req, user, exe, ...)
-- with times in seconds, -1 already read as NULL.  Adapt the view below to
-- your own columns; everything else stays.
--
--   sqlite3 my.db
--   .load build/omen
--   .read sql/history_features.sql
--
-- It leaves a table history_features(job_id, ...): one row per run with a
-- submit time, each feature computed only from the runs that had FINISHED
-- when it was submitted (end <= submit, submitted strictly before).

-- 1. Which column plays which role.  end = submit + wait + run: when the run
--    left the machine.  A negative run time means "unknown".
DROP VIEW IF EXISTS temp.runs_for_history;
CREATE TEMP VIEW runs_for_history AS
SELECT job_id, user, exe, submit,
       submit + coalesce(wait, 0) + run AS end_t,
       CASE WHEN run >= 0 THEN run END  AS run,
       time_req
  FROM runs;

-- 2. Two histories, joined on the id (a look-up: the second scan follows the
--    first, nothing is stored), then back to the runs.  k = 5: mean_last_k is
--    the mean of the last five, as Gaussier et al. (SC'15) use beside the
--    last three, the last two and all.  Predictions that are run times are
--    capped at the requested time (a job is killed at its limit; Gaussier et
--    al. and Tsafrir et al. do the same): min(x, time_req) when time_req > 0.
DROP TABLE IF EXISTS history_features;
CREATE TABLE history_features AS
SELECT r.job_id, r.submit, r.time_req,
       u.n                 AS u_n,                 -- finished runs of the user
       u.last1             AS u_last1,             -- the three most recent run times
       u.last2             AS u_last2,
       u.last3             AS u_last3,
       u.mean_last2        AS u_mean_last2,        -- Tsafrir, Etsion & Feitelson (2007)
       u.mean_last_k       AS u_mean_last5,
       u.mean              AS u_mean,
       u.ratio_last        AS u_ratio_last,        -- run / requested of the last run
       u.ratio_mean        AS u_ratio_mean,
       u.running           AS u_running,           -- the user's runs queued or running now
       u.running_elapsed   AS u_running_elapsed,   -- and for how long, altogether
       u.since_last_end    AS u_since_last_end,
       u.since_last_submit AS u_since_last_submit,
       u.all_running       AS machine_running,     -- every user's: the load
       CASE WHEN r.time_req > 0 AND u.mean_last2 IS NOT NULL
            THEN min(u.mean_last2, r.time_req) ELSE u.mean_last2 END AS u_pred_last2_capped,
       CASE WHEN r.time_req > 0 AND u.last1 IS NOT NULL
            THEN min(u.last1, r.time_req) ELSE u.last1 END           AS u_last1_capped,
       ue.n                AS ue_n,                -- the same user with the same executable
       ue.last1            AS ue_last1,
       ue.mean_last2       AS ue_mean_last2,
       ue.mean             AS ue_mean,
       CASE WHEN r.time_req > 0 AND ue.mean_last2 IS NOT NULL
            THEN min(ue.mean_last2, r.time_req) ELSE ue.mean_last2 END AS ue_pred_last2_capped
  FROM run_history('runs_for_history',
         '{"id": "job_id", "key": "user", "end": "end_t", "duration": "run",
           "requested": "time_req", "k": 5}') AS u
  JOIN run_history('runs_for_history',
         '{"id": "job_id", "key": ["user", "exe"], "end": "end_t", "duration": "run",
           "requested": "time_req"}') AS ue ON ue.id = u.id
  JOIN runs AS r ON r.job_id = u.id;

-- 3. For example, the "last two, capped" predictor's accuracy, and a feature
--    vector for gbt_train() (train in time order: ORDER BY submit):
--
--   SELECT regression_metrics(r.run, f.u_pred_last2_capped)
--     FROM history_features AS f JOIN runs AS r USING (job_id)
--    WHERE r.run >= 0 AND f.u_pred_last2_capped IS NOT NULL;
--
--   SELECT feature_vector('time_req', time_req, 'u_last1', u_last1, 'u_last2', u_last2,
--                         'u_mean_last5', u_mean_last5, 'u_ratio_mean', u_ratio_mean,
--                         'u_running', u_running, 'machine_running', machine_running)
--     FROM history_features;
