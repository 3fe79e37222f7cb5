-- demo.sql — a tour of omen on the execution history built by
-- sql/demo_data.sql (table runs: 20,000 runs of five jobs over 60 days).
--
--   make demo
--   (or: sqlite3 -cmd '.load build/omen' build/demo.db < sql/demo.sql)
--
-- Sections, each printed under a title:
--   1. the runs table: a few rows and a per-job summary;
--   2. feature vectors built from columns and from the params JSON, shown
--      with feature_vector_json();
--   3. a 'standard' scaler: trained with scaler_train(), saved in the
--      registry with model_save(... 'production'), listed from omen_models,
--      fetched with model_load(), inspected with model_info('run_scaler'),
--      applied by name with scale('run_scaler', fv);
--   4. the A/B experiment: welch_ttest() of variant A against B, per job;
--   5. the same test as a sliding window over the last 1,000 runs of one job;
--   6. a reproducible 10% sample with hash_uniform();
--   7. how long will a run take, and will it fail: gbt_train() on the first
--      80% of the history (models 'runtime' and 'failures' in the registry),
--      accuracy, interval coverage and AUC on the newest 20%,
--      model_importance(), planned runs scored with predict_interval() and
--      predict_failure(), and runs far outside their 99% interval;
--   8. the runs in progress at 03:00 on 2025-03-05: how long each has run,
--      its time left (predict_remaining: median and 90% range) and the chance
--      it is done within 10 minutes (predict_cdf with the elapsed time);
--   9. anomalies: an isolation forest over each run's features and its
--      deviation from the runtime model (saved as run_anomalies), per-job
--      duration baselines, the ten most anomalous runs with the feature that
--      isolated them, anomaly_explain's evidence for the top one, and an
--      ensemble with a Mahalanobis model that needs both votes (run_guard);
--  10. load over time: trend_test() of each job's duration, the hourly load
--      (time_bucket, sparkline), a forecast model of it (hourly_load) and the
--      next week per day (forecast), when an hour may reach a capacity of 35
--      runs (forecast_crossing), and the anomalous days (series_anomalies);
--  11. an experiment end to end: assignment with ab_assign() and a ramp-up
--      that moves no run back, a daily always-valid look with
--      sequential_test(), the report of every job's A/B test
--      (experiment_report, read as rows with experiment_variants), and a
--      bandit choosing the next runs' parallelism (bandit_update,
--      bandit_stats, bandit_choose);
--  12. models in production: a challenger retrained on recent runs and
--      saved under an alias, the held-out runs scored with predict_log()
--      (served by production, shadowed by the challenger), outcomes through
--      a view omen_outcomes, live health (omen_model_health), the paired
--      comparison (model_compare), model_promote_if_better and the alias
--      history it leaves, and why the slowest run was slow (explain,
--      explain_diff against its job's median run).
-- Everything here is deterministic except created_at in the registry.
-- It creates the table run_features, the view omen_outcomes, the registry
-- (omen_models and the tables beside it, sql/registry.sql: run_scaler,
-- runtime, failures, run_anomalies, run_guard, hourly_load) and TEMP objects; run it on a fresh database
-- (tools/demo rebuilds build/demo.db each time).  The README quick start is
-- written for the database it leaves; docs/TUTORIAL.md wants a new file.

.headers on
.mode box --wrap 110
.nullvalue NULL

.print
.print '================================================================'
.print ' omen demo — ML inside the database that holds job history'
.print '================================================================'
SELECT omen_version() AS omen_version, sqlite_version() AS sqlite_version;

-- ---------------------------------------------------------------------------
.print
.print '== 1. The runs table ============================================='
.print 'The first runs of 2025-01-06 (params is a JSON object):'
SELECT run_id, job, host, started_at, params, duration_s, status, variant
FROM runs ORDER BY run_id LIMIT 6;

.print 'Per job: ci-03 (old hardware) is slow and flaky; big inputs fail more.'
SELECT job,
       count(*)                                   AS runs,
       count(DISTINCT host)                       AS hosts,
       round(avg(duration_s), 1)                  AS avg_s,
       max(duration_s)                            AS max_s,
       printf('%.1f%%', 100.0 * avg(status = 'failed')) AS failed
FROM runs GROUP BY job ORDER BY job;

-- ---------------------------------------------------------------------------
.print
.print '== 2. Feature vectors ============================================'
.print 'feature_vector(name, value, ...): numbers stay numbers, text is hashed'
.print '(XXH3-64), entries are sorted by name.  One vector per successful run:'
DROP TABLE IF EXISTS run_features;
CREATE TABLE run_features AS
SELECT run_id,
       feature_vector('threads',  json_extract(params, '$.threads'),
                      'input_gb', json_extract(params, '$.input_gb'),
                      'retries',  json_extract(params, '$.retries'),
                      'host',     host,
                      'job',      job) AS fv
FROM runs WHERE status = 'ok';

SELECT run_id, length(fv) AS bytes, feature_vector_json(fv) AS feature_vector_json
FROM run_features ORDER BY run_id LIMIT 4;

.print 'The same numbers straight from the params JSON object: feature_vector(params)'
SELECT run_id, params, feature_vector_json(feature_vector(params)) AS from_json
FROM runs ORDER BY run_id LIMIT 3;

-- ---------------------------------------------------------------------------
.print
.print '== 3. A standard scaler, saved in the model registry =============='
.print "scaler_train(fv, 'standard') over all vectors, saved as run_scaler (production):"
SELECT model_save('run_scaler', scaler_train(fv, 'standard'), 'production') AS version
FROM run_features;

.print 'The registry is an ordinary table, omen_models:'
SELECT name, version, kind, stage, created_at, length(model) AS bytes
FROM omen_models ORDER BY name, version;
.print "model_load('run_scaler') fetches the BLOB by name (newest 'production' version):"
SELECT length(model_load('run_scaler')) AS bytes,
       model_load('run_scaler') = (SELECT model FROM omen_models
                                   WHERE name = 'run_scaler' AND stage = 'production'
                                   ORDER BY version DESC LIMIT 1) AS same_as_registry_row;

.print "model_info('run_scaler') — the model is found by name:"
SELECT key,
       CASE key WHEN 'created_at' THEN value || ' (' || datetime(value, 'unixepoch') || ' UTC)'
                WHEN 'features' THEN 'the table below'
                ELSE value END AS value
FROM json_each(model_info('run_scaler'));
SELECT json_extract(value, '$.name') AS feature, json_extract(value, '$.type') AS type
FROM json_each(model_info('run_scaler'), '$.features');

.print "scale('run_scaler', fv): numeric features centred and scaled, categoricals kept:"
WITH s AS (
  SELECT run_id, feature_vector_json(fv) AS raw, feature_vector_json(scale('run_scaler', fv)) AS scaled
  FROM run_features ORDER BY run_id LIMIT 4
)
SELECT run_id,
       json_extract(raw, '$.threads') AS threads,
       printf('%+.3f', json_extract(scaled, '$.threads')) AS threads_scaled,
       json_extract(raw, '$.input_gb') AS input_gb,
       printf('%+.3f', json_extract(scaled, '$.input_gb')) AS input_gb_scaled,
       json_extract(raw, '$.retries') AS retries,
       printf('%+.3f', json_extract(scaled, '$.retries')) AS retries_scaled,
       CASE WHEN json_extract(raw, '$.host') = json_extract(scaled, '$.host')
            THEN 'unchanged' ELSE 'CHANGED' END AS host
FROM s;

.print 'Check: over all vectors, each scaled numeric feature has mean 0 and sd 1:'
WITH scaled AS (SELECT feature_vector_json(scale('run_scaler', fv)) AS j FROM run_features)
SELECT f.name AS feature,
       printf('%.1e', avg(json_extract(j, '$.' || f.name))) AS mean,
       printf('%.6f', sqrt(avg(json_extract(j, '$.' || f.name) * json_extract(j, '$.' || f.name))
                           - avg(json_extract(j, '$.' || f.name)) * avg(json_extract(j, '$.' || f.name))))
         AS sd
FROM scaled, (SELECT 'input_gb' AS name UNION ALL SELECT 'retries' UNION ALL SELECT 'threads') AS f
GROUP BY f.name ORDER BY f.name;

-- ---------------------------------------------------------------------------
.print
.print '== 4. A/B test per job: welch_ttest(duration_s, variant) ========='
.print 'diff = mean_A - mean_B (positive: B is faster); 95% CI of diff; successful runs.'
.print 'Only build-frontend really has an effect (B ~5% faster); a hung nightly-etl'
.print "run of ~50 h inflates that job's variance."
WITH ab AS (
  SELECT job, welch_ttest(duration_s, variant) AS w
  FROM runs WHERE status = 'ok' GROUP BY job
)
SELECT job,
       json_extract(w, '$.n_a') AS n_a,
       json_extract(w, '$.n_b') AS n_b,
       printf('%.1f', json_extract(w, '$.mean_a')) AS mean_a_s,
       printf('%.1f', json_extract(w, '$.mean_b')) AS mean_b_s,
       printf('%+.1f', json_extract(w, '$.diff')) AS diff_s,
       printf('%+.1f%%', 100.0 * json_extract(w, '$.diff') / json_extract(w, '$.mean_a')) AS b_faster_by,
       printf('[%.1f, %.1f]', json_extract(w, '$.ci_low'), json_extract(w, '$.ci_high')) AS ci_95,
       printf('%.2g', json_extract(w, '$.p')) AS p,
       CASE WHEN json_extract(w, '$.p') < 0.05 THEN 'significant' ELSE '-' END AS at_5pct
FROM ab ORDER BY job;

.print 'One-sided, 99% confidence: is B faster for build-frontend (mean_A > mean_B)?'
SELECT json_extract(w, '$.alternative') AS alternative,
       json_extract(w, '$.confidence') AS confidence,
       printf('%.2f', json_extract(w, '$.t')) AS t,
       printf('%.1f', json_extract(w, '$.df')) AS df,
       printf('%.2g', json_extract(w, '$.p')) AS p,
       printf('%.1f', json_extract(w, '$.ci_low')) AS ci_low,
       CASE WHEN json_extract(w, '$.ci_high') IS NULL THEN '+inf (one-sided)'
            ELSE printf('%.1f', json_extract(w, '$.ci_high')) END AS ci_high
FROM (SELECT welch_ttest(duration_s, variant, 'greater', 0.99) AS w
      FROM runs WHERE job = 'build-frontend' AND status = 'ok');

-- ---------------------------------------------------------------------------
.print
.print '== 5. Sliding window: the last 1,000 build-frontend runs =========='
.print 'welch_ttest(...) OVER (ORDER BY started_at ROWS 999 PRECEDING), every 500th run.'
.print 'A 5% effect is too small for 1,000 runs to show reliably: p wanders, and'
.print 'peeking at it would mislead; the full 60 days (section 4) settle it.'
WITH ok AS (
  SELECT run_id, started_at, duration_s, variant
  FROM runs WHERE job = 'build-frontend' AND status = 'ok'
),
win AS (
  SELECT row_number() OVER (ORDER BY started_at, run_id) AS runs_seen,
         started_at,
         welch_ttest(duration_s, variant) OVER last_1000 AS w
  FROM ok
  WINDOW last_1000 AS (ORDER BY started_at, run_id ROWS 999 PRECEDING)
)
SELECT runs_seen,
       substr(started_at, 1, 10) AS up_to,
       json_extract(w, '$.n_a') AS n_a,
       json_extract(w, '$.n_b') AS n_b,
       printf('%+.1f', json_extract(w, '$.diff')) AS diff_s,
       printf('%.3f', json_extract(w, '$.p')) AS p,
       CASE WHEN json_extract(w, '$.p') < 0.05 THEN '*' ELSE '' END AS "p<0.05"
FROM win
WHERE runs_seen % 500 = 0 OR runs_seen = (SELECT count(*) FROM ok)
ORDER BY runs_seen;

-- ---------------------------------------------------------------------------
.print
.print '== 6. A reproducible 10% sample: hash_uniform(run_id, 42) < 0.1 ==='
.print 'Same rows on every machine and every run; another seed, another sample.'
SELECT count(*) AS sampled,
       printf('%.2f%%', 100.0 * count(*) / (SELECT count(*) FROM runs)) AS share,
       (SELECT group_concat(run_id, ' ')
          FROM (SELECT run_id FROM runs WHERE hash_uniform(run_id, 42) < 0.1
                ORDER BY run_id LIMIT 8)) AS first_run_ids,
       (SELECT count(*) FROM runs
         WHERE hash_uniform(run_id, 42) < 0.1 AND hash_uniform(run_id, 7) < 0.1) AS also_in_seed_7_sample
FROM runs WHERE hash_uniform(run_id, 42) < 0.1;

.print 'The sample keeps the job mix and the averages of the full table:'
SELECT job,
       printf('%.1f%%', 100.0 * count(*) / (SELECT count(*) FROM runs)) AS share_all,
       printf('%.1f%%', 100.0 * sum(hash_uniform(run_id, 42) < 0.1)
                        / (SELECT count(*) FROM runs WHERE hash_uniform(run_id, 42) < 0.1)) AS share_sample,
       printf('%.1f', avg(duration_s)) AS avg_s_all,
       printf('%.1f', avg(CASE WHEN hash_uniform(run_id, 42) < 0.1 THEN duration_s END)) AS avg_s_sample
FROM runs GROUP BY job ORDER BY job;

-- ---------------------------------------------------------------------------
.print
.print '== 7. How long will it take, and will it fail? =================='
.print 'Boosted trees trained in SQL on the first 80% of the history (in time'
.print 'order: the last rows of the input calibrate the 90% intervals), then'
.print 'scored on the most recent 20% it has never seen.'
CREATE TEMP VIEW run_fv AS
  SELECT run_id, started_at, duration_s, status = 'failed' AS failed,
         feature_vector('job', job, 'host', host,
                        'threads', json_extract(params, '$.threads'),
                        'input_gb', json_extract(params, '$.input_gb'),
                        'retries', json_extract(params, '$.retries'),
                        'hour', CAST(strftime('%H', started_at) AS INTEGER)) AS fv
    FROM runs;
CREATE TEMP TABLE split AS
  SELECT max(started_at) AS cutoff FROM (SELECT started_at FROM runs ORDER BY started_at, run_id
                                         LIMIT (SELECT count(*) * 8 / 10 FROM runs));
SELECT model_save('runtime', gbt_train(fv, duration_s, '{"n_trees": 150, "learning_rate": 0.1}'), 'production') AS runtime_version,
       model_save('failures', (SELECT gbt_train(fv, failed, '{"objective": "binary", "n_trees": 100, "max_depth": 4}')
                                 FROM (SELECT * FROM run_fv WHERE started_at <= (SELECT cutoff FROM split)
                                       ORDER BY started_at, run_id)), 'production') AS failures_version
  FROM (SELECT * FROM run_fv WHERE started_at <= (SELECT cutoff FROM split) AND failed = 0 ORDER BY started_at, run_id);
.print 'Saved as runtime (from successful runs) and failures; model_info says:'
SELECT name, version, kind, json_extract(info, '$.options.objective') AS objective,
       json_extract(info, '$.rows_used') AS rows, json_extract(info, '$.metrics.trees') AS trees,
       json_extract(info, '$.metrics.calibration_rows') AS calibration_rows, length(model) AS bytes
  FROM omen_models WHERE name IN ('runtime', 'failures') ORDER BY name;
.print 'Accuracy on the held-out recent runs (successful ones):'
SELECT json_extract(m, '$.n') AS n, round(json_extract(m, '$.mae'), 1) AS mae_s,
       round(json_extract(m, '$.medae'), 1) AS median_abs_err_s, round(json_extract(m, '$.r2'), 3) AS r2,
       round(json_extract(m, '$.accuracy'), 3) AS accuracy, round(json_extract(m, '$.within_20pct'), 3) AS within_20pct,
       (SELECT round(interval_coverage(duration_s, json_extract(pi, '$.lo'), json_extract(pi, '$.hi')), 3)
          FROM (SELECT duration_s, predict_interval('runtime', fv) AS pi FROM run_fv
                 WHERE started_at > (SELECT cutoff FROM split) AND failed = 0)) AS coverage_90
  FROM (SELECT regression_metrics(duration_s, predict_duration('runtime', fv)) AS m
          FROM run_fv WHERE started_at > (SELECT cutoff FROM split) AND failed = 0);
.print 'Failure prediction on the same recent runs:'
SELECT json_extract(m, '$.n') AS n, round(json_extract(m, '$.auc'), 3) AS auc,
       round(json_extract(m, '$.logloss'), 3) AS logloss, round(json_extract(m, '$.brier'), 4) AS brier
  FROM (SELECT classification_metrics(failed, predict_failure('failures', fv)) AS m
          FROM run_fv WHERE started_at > (SELECT cutoff FROM split));
.print 'What drives run time (model_importance, total gain):'
SELECT feature, type, round(gain, 1) AS gain, splits FROM model_importance('runtime') ORDER BY gain DESC;
.print 'Planned runs: predicted duration with a 90% interval, and failure risk:'
WITH planned(job, host, threads, input_gb, retries, hour) AS (
  VALUES ('nightly-etl', 'etl-01', 8, 40.0, 0, 1), ('nightly-etl', 'etl-02', 2, 120.0, 0, 1),
         ('build-frontend', 'ci-01', 8, 1.5, 0, 14), ('build-frontend', 'ci-03', 8, 1.5, 0, 14),
         ('train-model', 'gpu-01', 16, 8.0, 1, 3))
SELECT job, host, threads, input_gb,
       round(json_extract(pi, '$.pred'), 0) AS predicted_s, round(json_extract(pi, '$.lo'), 0) AS lo_s,
       round(json_extract(pi, '$.hi'), 0) AS hi_s, round(100 * predict_failure('failures', f), 1) AS fail_pct
  FROM (SELECT *, predict_interval('runtime', f) AS pi
          FROM (SELECT *, feature_vector('job', job, 'host', host, 'threads', threads, 'input_gb', input_gb,
                                         'retries', retries, 'hour', hour) AS f FROM planned));
.print 'Runs far outside their 99% interval (section 9 finds them without a threshold):'
SELECT run_id, job, host, round(duration_s) AS duration_s, round(json_extract(pi, '$.hi')) AS hi99_s,
       round(duration_s / json_extract(pi, '$.hi'), 1) AS times_over
  FROM (SELECT r.*, predict_interval('runtime', v.fv, 0.99) AS pi FROM runs r JOIN run_fv v USING (run_id)
         WHERE r.status = 'ok' AND v.started_at > (SELECT cutoff FROM split))
 WHERE duration_s > 2 * json_extract(pi, '$.hi') ORDER BY times_over DESC LIMIT 8;

-- ---------------------------------------------------------------------------
.print
.print '== 8. Running jobs: remaining time and deadline risk =============='
.print 'At 03:00 on 2025-03-05 these runs had started and not finished.  Given how'
.print "long each has run, the runtime model's time left (predict_remaining: median"
.print 'and 90% range) and the chance it is done within 10 minutes'
.print '(predict_cdf(model, fv, elapsed + 600, elapsed)); the last column is what happened.'
WITH running AS (
  SELECT r.run_id, r.job, r.host, r.started_at, r.duration_s, v.fv,
         unixepoch('2025-03-05T03:00:00Z') - unixepoch(r.started_at) AS elapsed
    FROM runs r JOIN run_fv v USING (run_id)
   WHERE r.started_at <= '2025-03-05T03:00:00Z'
     AND unixepoch(r.started_at) + r.duration_s > unixepoch('2025-03-05T03:00:00Z')
)
SELECT run_id, job, host, substr(started_at, 12, 8) AS started, elapsed AS elapsed_s,
       printf('%.0f', predict_remaining('runtime', fv, elapsed)) AS left_s,
       printf('%.0f - %.0f', predict_remaining('runtime', fv, elapsed, 0.05),
                             predict_remaining('runtime', fv, elapsed, 0.95)) AS left_90pct_s,
       printf('%.0f%%', 100 * predict_cdf('runtime', fv, elapsed + 600, elapsed)) AS done_in_10_min,
       printf('%.0f', duration_s - elapsed) AS actual_left_s
  FROM running ORDER BY started_at, run_id;

-- ---------------------------------------------------------------------------
.print
.print '== 9. Which runs were abnormal, and why? ========================='
.print 'An isolation forest (isolation_forest_train) over what each successful run'
.print 'looked like: job, host, threads, input size, its duration, and how far the'
.print 'duration was from what the runtime model predicted.  contamination 0.005'
.print 'flags the 0.5% of runs that isolate fastest; saved as run_anomalies.'
CREATE TEMP TABLE anomaly_fv AS
  SELECT r.run_id, r.job, r.host, r.duration_s,
         feature_vector('job', r.job, 'host', r.host,
                        'threads', json_extract(r.params, '$.threads'),
                        'log_input_gb', ln(json_extract(r.params, '$.input_gb')),
                        'log_duration', ln(r.duration_s),
                        'log_vs_predicted', ln(r.duration_s / predict_duration('runtime', v.fv))) AS af
    FROM runs r JOIN run_fv v USING (run_id) WHERE r.status = 'ok';
SELECT model_save('run_anomalies', isolation_forest_train(af, '{"contamination": 0.005, "seed": 7}')) AS version
  FROM anomaly_fv;
SELECT json_extract(model_info('run_anomalies'), '$.detail.n_trees') AS trees,
       json_extract(model_info('run_anomalies'), '$.detail.sample_size') AS sample_size,
       round(json_extract(model_info('run_anomalies'), '$.detail.threshold'), 4) AS threshold,
       (SELECT sum(is_anomaly('run_anomalies', af)) FROM anomaly_fv) AS runs_flagged;
.print 'Per-job robust baselines of the duration (baseline_train ... GROUP BY job):'
CREATE TEMP TABLE job_baseline AS
  SELECT job, baseline_train(duration_s) AS model FROM anomaly_fv GROUP BY job;
.print 'The ten most anomalous runs: isolation score, the robust z of the duration'
.print 'within its job, and the feature that isolated the run first (anomaly_report):'
SELECT a.run_id, a.job, a.host, round(a.duration_s) AS duration_s,
       round(isolation_score('run_anomalies', a.af), 3) AS score,
       round(baseline_score(b.model, a.duration_s), 1) AS job_z,
       json_extract(anomaly_report('run_anomalies', a.af), '$.top_features[0].feature') AS why
  FROM anomaly_fv a JOIN job_baseline b USING (job)
 ORDER BY score DESC LIMIT 10;
.print 'The evidence for the top run, one row per feature (anomaly_explain; what a BI'
.print 'tool reads over ODBC):'
SELECT feature, value, round(expected_lo, 2) AS expected_lo, round(expected_hi, 2) AS expected_hi,
       round(contribution, 3) AS contribution
  FROM anomaly_explain('run_anomalies',
         (SELECT af FROM anomaly_fv ORDER BY isolation_score('run_anomalies', af) DESC LIMIT 1))
 ORDER BY contribution DESC;
.print 'Two detectors must agree: an ensemble of the forest and a Mahalanobis model'
.print '(anomaly_ensemble, min_votes 2) flags fewer runs, each with both votes:'
SELECT model_save('run_guard', anomaly_ensemble('run_anomalies',
         (SELECT mahalanobis_train(af, '{"contamination": 0.005}') FROM anomaly_fv), '{"min_votes": 2}')) AS version;
SELECT sum(is_anomaly('run_anomalies', af)) AS forest_flags, sum(is_anomaly('run_guard', af)) AS ensemble_flags
  FROM anomaly_fv;

.print
.print "Done.  Explore further: sqlite3 -cmd '.load build/omen' build/demo.db (the README quick start is written for it)"

-- ---------------------------------------------------------------------------
.print
.print '== 10. Load over time: trends, forecasts, anomalous days ========='
.print "Is backup-db getting slower?  trend_test() per job: Sen's slope per day,"
.print 'the Mann-Kendall p-value and its verdict:'
SELECT job, json_extract(t, '$.n') AS runs,
       round(json_extract(t, '$.sen_slope') * 86400, 2) AS sen_s_per_day,
       printf('%.1e', json_extract(t, '$.mk_p')) AS mk_p, json_extract(t, '$.trend') AS trend
  FROM (SELECT job, trend_test(started_at, duration_s) AS t FROM runs WHERE status = 'ok' GROUP BY job)
 ORDER BY job;
.print 'Runs started per hour (time_bucket), the last three days as a sparkline:'
CREATE TEMP TABLE hourly AS
  SELECT time_bucket(started_at, '1 hour') AS hour, count(*) AS runs FROM runs GROUP BY 1;
SELECT sparkline(runs) AS last_72_hours, min(runs) AS min, max(runs) AS max
  FROM (SELECT runs FROM hourly ORDER BY hour DESC LIMIT 72) ORDER BY 1;
.print 'A forecast model of the hourly load (forecast_train; an hour without runs'
.print "is 0, hence fill 'zero'), saved as hourly_load; what it chose:"
SELECT model_save('hourly_load', forecast_train(hour, runs, '{"fill": "zero"}')) AS version FROM hourly;
SELECT json_extract(i, '$.detail.method') AS method, json_extract(i, '$.detail.model') AS model,
       json_extract(i, '$.detail.season_lengths') AS seasons, round(json_extract(i, '$.detail.sigma'), 2) AS sigma
  FROM (SELECT model_info('hourly_load') AS i);
.print 'Next week, per day: the forecast runs and the 90% range of the busiest hour (forecast):'
SELECT substr(ts, 1, 10) AS day, round(sum(yhat)) AS runs_forecast, round(max(yhat), 1) AS busiest_hour,
       round(max(hi), 1) AS busiest_hour_hi
  FROM forecast('hourly_load', 168) GROUP BY 1 ORDER BY 1;
.print 'Capacity: the pool starts at most 35 runs an hour.  When might an hour reach it,'
.print 'and how likely is it within the week (forecast_crossing, 5,000 simulated weeks)?'
SELECT bound, step AS hours_ahead, ts, round(probability, 3) AS probability
  FROM forecast_crossing('hourly_load', 35, 168, 'hi')
UNION ALL
SELECT bound, step, ts, round(probability, 3) FROM forecast_crossing('hourly_load', 35, 168);
.print 'Anomalous days: a model of runs per day and one of failed runs per day, and'
.print 'the days outside their 99% one-step intervals (series_anomalies; the daily'
.print 'load is regular here, the failures are not):'
CREATE TEMP TABLE daily AS
  SELECT time_bucket(started_at, '1 day') AS day, count(*) AS runs, sum(status = 'failed') AS failed
    FROM runs GROUP BY 1;
SELECT substr(ts, 1, 10) AS day, value AS runs, round(expected, 1) AS expected, round(score, 1) AS score, direction
  FROM series_anomalies((SELECT forecast_train(day, runs) FROM daily));
SELECT substr(ts, 1, 10) AS day, value AS failed_runs, round(expected, 1) AS expected, round(score, 1) AS score
  FROM series_anomalies((SELECT forecast_train(day, failed) FROM daily));

-- ---------------------------------------------------------------------------
.print
.print '== 11. An experiment end to end ==================================='
.print "Assignment: ab_assign(run_id, 'faster-cache') puts each run in A or B from"
.print 'XXH3 of (experiment, salt, run): the same run always gets the same variant.'
.print 'Ramping B up from 10% to 50% moves runs from A to B only, never back:'
SELECT sum(a10 = 'A' AND a50 = 'A') AS stay_a, sum(a10 = 'A' AND a50 = 'B') AS a_to_b,
       sum(a10 = 'B' AND a50 = 'B') AS stay_b, sum(a10 = 'B' AND a50 = 'A') AS b_to_a
  FROM (SELECT ab_assign(run_id, 'faster-cache', '{"A": 0.9, "B": 0.1}') AS a10,
               ab_assign(run_id, 'faster-cache', '{"A": 0.5, "B": 0.5}') AS a50 FROM runs);
.print 'A daily look at the A/B test already in the history, build-frontend (sequential_test:'
.print 'an always-valid p-value and confidence sequence, safe to read after every run;'
.print 'diff = mean A - mean B in seconds), the first days and the last:'
CREATE TEMP TABLE seq_days AS
WITH looks AS (
  SELECT date(started_at) AS day,
         sequential_test(duration_s, variant) OVER (ORDER BY started_at, run_id) AS r,
         row_number() OVER (PARTITION BY date(started_at) ORDER BY started_at DESC, run_id DESC) AS back
    FROM runs WHERE job = 'build-frontend' AND status = 'ok'
)
SELECT day, json_extract(r, '$.n_a') + json_extract(r, '$.n_b') AS runs,
       printf('%+.1f', json_extract(r, '$.diff')) AS diff_s,
       CASE WHEN json_extract(r, '$.ci_low') IS NULL THEN '-'
            ELSE printf('[%.1f, %.1f]', max(json_extract(r, '$.ci_low'), -9999), min(json_extract(r, '$.ci_high'), 9999)) END AS ci_95,
       printf('%.3f', json_extract(r, '$.p')) AS p,
       CASE WHEN json_extract(r, '$.reject') THEN 'B differs' ELSE 'keep running' END AS decision
  FROM looks WHERE back = 1;
SELECT * FROM seq_days WHERE day IN (SELECT day FROM seq_days ORDER BY day LIMIT 3)
                          OR day IN (SELECT day FROM seq_days ORDER BY day DESC LIMIT 3) ORDER BY day;
.print 'The first day the always-valid test could stop (p < 0.05, however often it was read):'
SELECT min(day) AS first_day_stopped FROM seq_days WHERE decision = 'B differs';
.print 'The report of the A/B test of every job (experiment_report, durations: lower is better;'
.print 'read as rows with experiment_variants, as a BI tool would):'
SELECT job, v.variant, v.n, printf('%.1f', v.mean) AS mean_s,
       CASE WHEN v.is_control THEN 'control' ELSE printf('%+.1f%% [%+.1f%%, %+.1f%%]', 100 * v.lift, 100 * v.lift_low, 100 * v.lift_high) END AS lift,
       CASE WHEN v.is_control THEN '' ELSE printf('%.2g', v.p_holm) END AS p, v.decision
  FROM (SELECT job, experiment_report(duration_s, variant, 'A', '{"better": "lower"}') AS r
          FROM runs WHERE status = 'ok' GROUP BY job) AS e,
       experiment_variants(e.r) AS v
 ORDER BY job, v.variant;
.print 'A bandit for parallelism: each successful build-frontend run of the last 30 days'
.print 'is a reward of -duration (gaussian Thompson sampling over its threads setting);'
.print 'bandit_stats shows what it learnt, bandit_choose picks the next five runs'
.print "(deterministic per key, so each choice can be replayed):"
CREATE TEMP TABLE threads_bandit AS
  SELECT bandit_update(json_extract(params, '$.threads'), -duration_s, '{"reward": "gaussian"}') AS state
    FROM (SELECT * FROM runs WHERE job = 'build-frontend' AND status = 'ok'
           AND started_at >= (SELECT date(max(started_at), '-30 days') FROM runs) ORDER BY started_at, run_id);
SELECT arm AS threads, n, printf('%.1f', -mean) AS mean_duration_s, printf('%.3f', p_best) AS p_best
  FROM bandit_stats((SELECT state FROM threads_bandit)) ORDER BY arm;
WITH RECURSIVE next(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM next WHERE k < 5)
SELECT 'next-run-' || k AS key, bandit_choose((SELECT state FROM threads_bandit), 'next-run-' || k) AS threads
  FROM next;

-- ---------------------------------------------------------------------------
.print
.print '== 12. Models in production: shadow, compare, promote, explain ==='
.print 'A challenger: runtime retrained on the last two weeks of the training window'
.print "only, saved under the alias 'challenger' (aliases: model_alias, model_rollback):"
SELECT model_save('runtime', gbt_train(fv, duration_s, '{"n_trees": 150, "learning_rate": 0.1}'), 'challenger') AS challenger_version
  FROM (SELECT * FROM run_fv WHERE failed = 0 AND started_at <= (SELECT cutoff FROM split)
           AND started_at > (SELECT datetime(cutoff, '-14 days') FROM split) ORDER BY started_at, run_id);
.print 'The held-out runs scored as they would be live: predict_log() serves the production'
.print 'version, shadow-scores the challenger and logs both with their versions (one transaction):'
BEGIN;
SELECT count(predict_log(run_id, 'runtime', fv)) AS logged_runs
  FROM run_fv WHERE failed = 0 AND started_at > (SELECT cutoff FROM split);
COMMIT;
.print 'Outcomes come from the runs table through a view omen_outcomes(run_key, actual);'
.print 'omen_model_health reads log and outcomes as plain rows, per version, role and window:'
CREATE VIEW IF NOT EXISTS omen_outcomes AS SELECT run_id AS run_key, duration_s AS actual FROM runs;
SELECT version, role, win, logged, n, round(mae, 1) AS mae_s, round(median_ape, 3) AS median_ape,
       round(coverage, 3) AS coverage_90
  FROM omen_model_health WHERE name = 'runtime';
.print 'Champion against challenger on the same runs (model_compare: one-sided paired t and'
.print 'Wilcoxon signed-rank on the absolute errors, the coverage of both, a decision):'
SELECT champion, challenger, n, round(champion_loss, 1) AS champion_mae, round(challenger_loss, 1) AS challenger_mae,
       printf('%.3g', t_p) AS t_p, printf('%.3g', wilcoxon_p) AS wilcoxon_p,
       round(champion_coverage, 3) AS champion_cov, round(challenger_coverage, 3) AS challenger_cov, decision, reason
  FROM model_compare('runtime');
.print 'Acting on it (model_promote_if_better: promotes only on that evidence; a challenger'
.print 'that is not better is then retired), and the history of the aliases it leaves:'
SELECT model_promote_if_better('runtime') AS decision;
SELECT model_alias('runtime', 'challenger', NULL, 'demo: not better, retired') AS challenger_now
  WHERE EXISTS (SELECT 1 FROM omen_aliases WHERE name = 'runtime' AND alias = 'challenger');
SELECT alias, version, from_at, coalesce(until_at, '(now)') AS until_at, note
  FROM omen_alias_history WHERE name = 'runtime' ORDER BY event_id;
.print 'Why was the slowest held-out run slow?  Its TreeSHAP contributions (explain; raw'
.print "units are ln(1 + seconds)), then against its job's median run (explain_diff: the"
.print 'factor each feature multiplies (1 + duration) by, relative to the median run):'
CREATE TEMP TABLE slowest AS
  SELECT r.run_id, r.job, r.duration_s, v.fv FROM runs r JOIN run_fv v USING (run_id)
   WHERE r.status = 'ok' AND r.started_at > (SELECT cutoff FROM split) ORDER BY r.duration_s DESC LIMIT 1;
CREATE TEMP TABLE median_run AS
  SELECT r.run_id, r.duration_s, v.fv FROM runs r JOIN run_fv v USING (run_id), slowest s
   WHERE r.job = s.job AND r.status = 'ok'
   ORDER BY r.duration_s LIMIT 1 OFFSET (SELECT count(*) / 2 FROM runs r2, slowest s2 WHERE r2.job = s2.job AND r2.status = 'ok');
SELECT s.run_id, s.job, s.duration_s, round(predict_duration('runtime', s.fv), 1) AS predicted_s,
       m.run_id AS median_run, m.duration_s AS median_s
  FROM slowest s, median_run m;
SELECT e.feature, e.value, round(e.contribution, 3) AS contribution
  FROM slowest s, explain('runtime', s.fv) e ORDER BY abs(e.contribution) DESC LIMIT 5;
SELECT d.feature, d.value, d.reference_value, printf('x%.2f', exp(d.contribution)) AS factor
  FROM slowest s, median_run m, explain_diff('runtime', s.fv, m.fv) d ORDER BY d.contribution DESC;
