-- conformal_cdf.sql — predict_cdf(model, fv, t, elapsed, calib), predict_remaining(model, fv,
-- elapsed, q, calib) and interval_calibrate's "bins" option (ext/conformal.c behaviours 8-9;
-- ext/core/conformal/cf.h 4b, 10).

-- 3,000 runs in time order; users u0..u5 differ in how noisy they are, and
-- longer runs (more threads here) are noisier: heteroscedastic residuals.
CREATE TABLE runs AS
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
SELECT i AS run_id, 'u' || (i % 6) AS user, 1 + (i % 5) AS threads,
       round((10 + 20 * (i % 5)) * (1 + (0.1 + 0.2 * (i % 5)) * (hash_uniform(i, 1) - 0.5) * (1 + (i % 6) * 0.2)), 3) AS dur
  FROM n;
CREATE VIEW fvs AS SELECT run_id, user, dur, feature_vector('threads', threads, 'user', user) AS fv FROM runs;
CREATE TABLE m AS SELECT gbt_train(feature_vector('threads', threads), dur, '{"n_trees": 20}') AS b,
                         gbt_train(feature_vector('threads', threads), dur, '{"n_trees": 5, "objective": "squared"}') AS sq,
                         gbt_train(feature_vector('threads', threads), dur, '{"n_trees": 5, "objective": "aft"}') AS aft,
                         gbt_train(feature_vector('threads', threads), dur, '{"n_trees": 5, "calibration_fraction": 0}') AS nocal
  FROM (SELECT * FROM runs WHERE run_id <= 1500 ORDER BY run_id);
CREATE TABLE c AS SELECT
  (SELECT interval_calibrate(b, fv, dur) FROM (SELECT * FROM fvs WHERE run_id BETWEEN 1501 AND 2500 ORDER BY run_id)) AS pooled,
  (SELECT interval_calibrate(b, fv, dur, '{"bins": 5}') FROM (SELECT * FROM fvs WHERE run_id BETWEEN 1501 AND 2500 ORDER BY run_id)) AS bins,
  (SELECT interval_calibrate(b, fv, dur, '{"group": "user"}') FROM (SELECT * FROM fvs WHERE run_id BETWEEN 1501 AND 2500 ORDER BY run_id)) AS by_user,
  (SELECT interval_calibrate(b, feature_vector('threads', threads), dur) FROM (SELECT * FROM runs WHERE run_id BETWEEN 1351 AND 1500 ORDER BY run_id)) AS own,
  (SELECT interval_calibrate(sq, fv, dur) FROM (SELECT * FROM fvs WHERE run_id BETWEEN 1501 AND 2500 ORDER BY run_id)) AS sq_cal,
  (SELECT interval_calibrate(nocal, fv, dur) FROM (SELECT * FROM fvs WHERE run_id BETWEEN 1501 AND 2500 ORDER BY run_id)) AS nocal_cal
FROM m;
CREATE TABLE later AS SELECT run_id, user, dur, fv FROM fvs WHERE run_id > 2500;

-- ---------------------------------------------------------------- the distribution (cf.h 10)
-- Over the model's own calibration rows it is the model's own distribution:
-- the same as the 4-argument forms for elapsed > 0, and at elapsed 0 the
-- unconditional P(T <= t) (the 4-argument form conditions on T > 0).
-- case: conformal_cdf.own
SELECT min(abs(predict_cdf(b, fv, t, 5, own) - predict_cdf(b, fv, t, 5)) < 1e-12
           AND abs(predict_cdf(b, fv, t, 0, own) - predict_cdf(b, fv, t)) < 1e-12
           AND abs(predict_remaining(b, fv, 5, 0.7, own) - predict_remaining(b, fv, 5, 0.7)) < 1e-9)
  FROM m, c, (SELECT fv FROM later LIMIT 20), (SELECT 3 AS t UNION ALL SELECT 30 UNION ALL SELECT 80 UNION ALL SELECT 500);

-- A probability, increasing in t, 0 when t <= elapsed.
-- case: conformal_cdf.range
SELECT min(p1 >= 0 AND p1 <= p2 AND p2 <= p3 AND p3 <= 1) AND min(p0 = 0)
  FROM (SELECT predict_cdf(b, fv, 10, 0, pooled) AS p1, predict_cdf(b, fv, 50, 0, pooled) AS p2,
               predict_cdf(b, fv, 1e6, 0, pooled) AS p3, predict_cdf(b, fv, 20, 20, pooled) AS p0
          FROM m, c, later);

-- Bayes' rule on the unconditional form.
-- case: conformal_cdf.bayes
SELECT min(abs(predict_cdf(b, fv, 60, 40, bins)
               - (predict_cdf(b, fv, 60, 0, bins) - predict_cdf(b, fv, 40, 0, bins)) / (1 - predict_cdf(b, fv, 40, 0, bins))) < 1e-12)
  FROM m, c, later;

-- predict_remaining inverts predict_cdf with the same elapsed time (0 too).
-- case: conformal_cdf.inverse
SELECT min(abs(predict_cdf(b, fv, e + predict_remaining(b, fv, e, 0.8, by_user), e, by_user) - 0.8) < 1e-9)
  FROM m, c, (SELECT fv FROM later LIMIT 50), (SELECT 0.001 AS e UNION ALL SELECT 15 UNION ALL SELECT 60);
-- case: conformal_cdf.inverse0
SELECT min(abs(predict_cdf(b, fv, predict_remaining(b, fv, 0, 0.3, pooled), 0, pooled) - 0.3) < 1e-9) FROM m, c, later;

-- Calibrated: the mean predicted probability matches the later runs' share,
-- overall and at deadlines of each prediction level.
-- case: conformal_cdf.calibrated
SELECT abs(avg(predict_cdf(b, fv, 45, 0, pooled)) - avg(dur <= 45)) < 0.03
   AND abs(avg(predict_cdf(b, fv, 45, 0, bins)) - avg(dur <= 45)) < 0.03
  FROM m, c, later;
-- With bins the noisier long runs get their own, wider distribution: at
-- 1.2 × the prediction, the bins' probability follows each level's share
-- (100 later runs per level) much more closely than the pooled one.
-- case: conformal_cdf.bins_levels
SELECT avg(abs(pb - obs)) < avg(abs(pp - obs)) / 2 AND max(abs(pb - obs)) < 0.2
  FROM (SELECT avg(predict_cdf(b, fv, 1.2 * predict_duration(b, fv), 0, bins)) AS pb,
               avg(predict_cdf(b, fv, 1.2 * predict_duration(b, fv), 0, pooled)) AS pp,
               avg(dur <= 1.2 * predict_duration(b, fv)) AS obs
          FROM m, c, later GROUP BY round(predict_duration(b, fv)));

-- Far beyond every residual: memoryless in log1p space, never NULL.
-- case: conformal_cdf.beyond
SELECT abs(predict_remaining(b, fv, 1e7, 0.5, pooled) / (1 + 1e7) - predict_remaining(b, fv, 1e9, 0.5, pooled) / (1 + 1e9)) < 1e-9
   AND predict_cdf(b, fv, 3e7, 1e7, pooled) BETWEEN 0 AND 1
   AND abs(predict_cdf(b, fv, 3e7, 1e7, pooled) - predict_cdf(b, fv, 3e9, 1e9, pooled)) < 1e-9
   AND predict_cdf(b, fv, 1e300, 1e299, pooled) > 0
  FROM m, c, (SELECT fv FROM later LIMIT 1);

-- A model without its own residuals works with a calibration.
-- case: conformal_cdf.nocal
SELECT predict_cdf(nocal, fv, 30, 0, nocal_cal) BETWEEN 0 AND 1 AND predict_remaining(nocal, fv, 10, 0.5, nocal_cal) >= 0
  FROM m, c, (SELECT fv FROM later LIMIT 1);

-- ---------------------------------------------------------------- groups and bins
-- case: conformal_cdf.bins.info
SELECT json_extract(model_info(bins), '$.payload_version') = 2
   AND json_extract(model_info(bins), '$.detail.bins') = 5
   AND json_array_length(json_extract(model_info(bins), '$.detail.edges')) = 4
   AND json_extract(model_info(bins), '$.detail.group_type') = 'bin'
   AND json_extract(model_info(bins), '$.options.bins') = 5
   AND json_extract(model_info(pooled), '$.payload_version') = 1
   AND json_extract(model_info(pooled), '$.detail.bins') IS NULL
  FROM c;
-- The interval says which sample it used.
-- case: conformal_cdf.bins.interval
SELECT min(predict_interval(b, fv, 0.9, bins) ->> 'calibration' = 'bin')
   AND min(predict_interval(b, fv, 0.9, bins) ->> 'residuals' BETWEEN 150 AND 250)
  FROM m, c, later;
-- A row's bin follows its raw score: the same distribution for the same prediction.
-- case: conformal_cdf.bins.same_level
SELECT count(DISTINCT printf('%.15g', predict_cdf(b, fv, 40, 0, bins))) = count(DISTINCT predict_duration(b, fv))
  FROM m, c, later;
-- Per user: the user's own residuals (u0 quiet, u5 noisy).
-- case: conformal_cdf.by_user
SELECT (SELECT avg(predict_remaining(b, fv, 0, 0.95, by_user) - predict_remaining(b, fv, 0, 0.05, by_user)) FROM m, c, later WHERE user = 'u0')
     < (SELECT avg(predict_remaining(b, fv, 0, 0.95, by_user) - predict_remaining(b, fv, 0, 0.05, by_user)) FROM m, c, later WHERE user = 'u5');
-- A row without the group feature uses the pool.
-- case: conformal_cdf.by_user.pool
SELECT predict_cdf(b, feature_vector('threads', 2), 30, 0, by_user) = predict_cdf(b, feature_vector('threads', 2), 30, 0, pooled) FROM m, c;
-- Deterministic: the registry reference makes the same bytes.
-- case: conformal_cdf.bins.registry
SELECT model_save('rt', b) = 1 AND model_save('rt_bins', bins) = 1 FROM m, c;
-- case: conformal_cdf.bins.registry.same
SELECT interval_calibrate('rt', fv, dur, '{"bins": 5}') = (SELECT bins FROM c)
  FROM (SELECT * FROM fvs WHERE run_id BETWEEN 1501 AND 2500 ORDER BY run_id);
-- case: conformal_cdf.registry.use
SELECT predict_cdf('rt', feature_vector('threads', 3), 40, 10, 'rt_bins') = predict_cdf(b, feature_vector('threads', 3), 40, 10, bins)
   AND predict_remaining('rt', feature_vector('threads', 3), 10, 0.5, 'rt_bins') = predict_remaining(b, feature_vector('threads', 3), 10, 0.5, bins)
  FROM m, c;
-- bins with a window: the last rows only.
-- case: conformal_cdf.bins.window
SELECT json_extract(model_info(interval_calibrate(b, fv, dur, '{"bins": 3, "window": 200, "min_group": 10}')), '$.detail.residuals') = 200
  FROM m, (SELECT * FROM fvs WHERE run_id BETWEEN 1501 AND 2500 ORDER BY run_id);

-- ---------------------------------------------------------------- NULL
-- case: conformal_cdf.null
SELECT predict_cdf(b, fv, NULL, 0, pooled) IS NULL AND predict_cdf(b, fv, 10, NULL, pooled) IS NULL
   AND predict_cdf(NULL, fv, 10, 0, pooled) IS NULL AND predict_cdf(b, NULL, 10, 0, pooled) IS NULL
   AND predict_remaining(b, fv, NULL, 0.5, pooled) IS NULL AND predict_remaining(b, NULL, 1, 0.5, pooled) IS NULL
  FROM m, c, (SELECT fv FROM later LIMIT 1);
-- NULL calibration: exactly the 4-argument forms.
-- case: conformal_cdf.null_calib
SELECT predict_cdf(b, fv, 30, 5, NULL) = predict_cdf(b, fv, 30, 5) AND predict_cdf(b, fv, 30, 0, NULL) = predict_cdf(b, fv, 30, 0)
   AND predict_remaining(b, fv, 5, 0.5, NULL) = predict_remaining(b, fv, 5, 0.5)
  FROM m, (SELECT fv FROM later LIMIT 1);

-- ---------------------------------------------------------------- errors
-- case: conformal_cdf.err.t
-- error: predict_cdf(): t (argument 3) must be a finite number > 0 (seconds since the run started)
SELECT predict_cdf(b, feature_vector('threads', 2), 0, 0, pooled) FROM m, c;
-- case: conformal_cdf.err.t.text
-- error: predict_cdf(): t (argument 3) must be a finite number > 0 (seconds since the run started)
SELECT predict_cdf(b, feature_vector('threads', 2), '10', 0, pooled) FROM m, c;
-- case: conformal_cdf.err.t.inf
-- error: predict_cdf(): t (argument 3) must be a finite number > 0 (seconds since the run started)
SELECT predict_cdf(b, feature_vector('threads', 2), 1e999, 0, pooled) FROM m, c;
-- case: conformal_cdf.err.elapsed
-- error: predict_cdf(): elapsed (argument 4) must be a finite number >= 0 (seconds the run has been running)
SELECT predict_cdf(b, feature_vector('threads', 2), 10, -1, pooled) FROM m, c;
-- case: conformal_cdf.err.elapsed.null_calib
-- error: predict_cdf(): elapsed (argument 4) must be a finite number >= 0 (seconds the run has been running)
SELECT predict_cdf(b, feature_vector('threads', 2), 10, -1, NULL) FROM m;
-- case: conformal_cdf.err.rem.elapsed
-- error: predict_remaining(): elapsed (argument 3) must be a finite number >= 0 (seconds the run has been running)
SELECT predict_remaining(b, feature_vector('threads', 2), -5, 0.5, pooled) FROM m, c;
-- case: conformal_cdf.err.rem.q
-- error: predict_remaining(): q (argument 4) must be a number between 0 and 1 (exclusive), e.g. 0.9 for 90%
SELECT predict_remaining(b, feature_vector('threads', 2), 5, 1, pooled) FROM m, c;
-- case: conformal_cdf.err.rem.q_null
-- error: predict_remaining(): q (argument 4) must be a number between 0 and 1 (exclusive), e.g. 0.9 for 90%
SELECT predict_remaining(b, feature_vector('threads', 2), 5, NULL, pooled) FROM m, c;
-- case: conformal_cdf.err.kind
-- error: predict_cdf(): calibration (argument 5) is a gbt model; expected a conformal calibration made by interval_calibrate()
SELECT predict_cdf(b, feature_vector('threads', 2), 10, 0, b) FROM m;
-- case: conformal_cdf.err.rem.kind
-- error: predict_remaining(): calibration (argument 5) is a gbt model; expected a conformal calibration made by interval_calibrate()
SELECT predict_remaining(b, feature_vector('threads', 2), 10, 0.5, b) FROM m;
-- case: conformal_cdf.err.other_model
-- error: predict_cdf(): calibration (argument 5) was made for another model (its model_id is 03a5c50c3b2c6e32, this model's is d453c79c45cb3fab); recalibrate with interval_calibrate() on this model
SELECT predict_cdf(b, feature_vector('threads', 2), 10, 0, sq_cal) FROM m, c;
-- case: conformal_cdf.err.squared
-- error: predict_cdf(): model is a gbt model with objective 'squared'; a calibrated distribution needs objective 'duration'
SELECT predict_cdf(sq, feature_vector('threads', 2), 10, 0, sq_cal) FROM m, c;
-- case: conformal_cdf.err.aft
-- error: predict_remaining(): model is a gbt model with objective 'aft'; a calibrated distribution needs objective 'duration'
SELECT predict_remaining(aft, feature_vector('threads', 2), 10, 0.5, pooled) FROM m, c;
-- case: conformal_cdf.err.group_type
-- error: predict_cdf(): feature "user" (the calibration's group) is numeric but the calibration grouped it as categorical
SELECT predict_cdf(b, feature_vector('threads', 2, 'user', 3), 10, 0, by_user) FROM m, c;
-- case: conformal_cdf.err.features
-- error: predict_cdf(): the model's only feature (threads) is not in the feature vector; check the name (it is case-sensitive)
SELECT predict_cdf(b, feature_vector('thread', 2), 10, 0, pooled) FROM m, c;
-- case: conformal_cdf.err.not_blob
-- error: predict_cdf(): model is INTEGER; expected a model BLOB or a registry name (TEXT)
SELECT predict_cdf(b, feature_vector('threads', 2), 10, 0, 7) FROM m;
-- case: conformal_cdf.err.corrupt
-- error: predict_remaining(): model checksum mismatch
SELECT predict_remaining(b, feature_vector('threads', 2), 10, 0.5, CAST(substr(bins, 1, 60) || x'07' || substr(bins, 62) AS BLOB)) FROM m, c;
-- case: conformal_cdf.err.bins_group
-- error: interval_calibrate(): options group and bins cannot be combined; calibrate by one of them
SELECT interval_calibrate(b, fv, dur, '{"bins": 4, "group": "user"}') FROM m, fvs;
-- case: conformal_cdf.err.bins_range
-- error: interval_calibrate(): option bins must be an integer from 2 to 1000 (the number of prediction-level bins)
SELECT interval_calibrate(b, fv, dur, '{"bins": 1}') FROM m, fvs;
-- case: conformal_cdf.err.args
-- error: wrong number of arguments to function predict_cdf()
SELECT predict_cdf(b, feature_vector('threads', 2), 10, 0, NULL, 1) FROM m;
-- It reads the registry: in a view only when the schema is trusted.
CREATE VIEW p_view AS SELECT predict_cdf('rt', fv, 10, 0, 'rt_bins') AS p FROM later;
-- case: conformal_cdf.view.trusted
SELECT count(*) = (SELECT count(*) FROM later) FROM p_view;
PRAGMA trusted_schema = OFF;
-- case: conformal_cdf.err.untrusted.view
-- error: unsafe use of predict_cdf()
SELECT count(*) FROM p_view;
PRAGMA trusted_schema = ON;
