-- gbt_train's objective 'aft' (censored durations, 4th argument upper), and
-- predict_cdf() / predict_remaining() on 'aft' and 'duration' models:
-- behaviours, edges and errors.
CREATE TABLE runs(id INTEGER PRIMARY KEY, x REAL, host TEXT, t REAL, c REAL, status TEXT);
-- the true duration t: log t = 3 + 1.2x (+0.5 on h2) + 0.4·noise (noise: mean 0,
-- sd 1, a sum of three uniforms); each run is
-- watched until c (a limit or a cancellation): beyond it, it is censored
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 3000)
INSERT INTO runs
SELECT i, x, host, t, c, CASE WHEN t <= c THEN 'ok' WHEN i % 3 = 0 THEN 'cancelled' ELSE 'killed' END
  FROM (SELECT i, round(hash_uniform(i, 1), 3) AS x, 'h' || (i % 4) AS host,
               round(exp(3 + 1.2 * hash_uniform(i, 1) + CASE WHEN i % 4 = 2 THEN 0.5 ELSE 0 END
                         + 0.4 * 2 * (hash_uniform(i, 2) + hash_uniform(i, 3) + hash_uniform(i, 4) - 1.5)), 2) AS t,
               round(20 + 200 * hash_uniform(i, 5), 2) AS c
          FROM s);
-- what a scheduler records: the time the run ended or was stopped
CREATE VIEW obs AS
SELECT id, x, host, t, status, feature_vector('x', x, 'host', host) AS fv,
       min(t, c) AS duration_s,
       CASE WHEN status IN ('killed', 'cancelled', 'running') THEN NULL ELSE min(t, c) END AS upper
  FROM runs;
CREATE TABLE m AS SELECT
  (SELECT gbt_train(fv, duration_s, '{"objective": "aft", "aft_sigma": 0.4, "n_trees": 60, "max_depth": 3, "learning_rate": 0.2}', upper)
     FROM (SELECT * FROM obs WHERE id <= 2000 ORDER BY id)) AS aft,
  (SELECT gbt_train(fv, duration_s, '{"n_trees": 60, "max_depth": 3, "learning_rate": 0.2}')
     FROM (SELECT * FROM obs WHERE id <= 2000 ORDER BY id)) AS dur,
  (SELECT gbt_train(fv, duration_s, '{"n_trees": 10, "calibration_fraction": 0}')
     FROM (SELECT * FROM obs WHERE id <= 2000 ORDER BY id)) AS nocal,
  (SELECT gbt_train(fv, duration_s, '{"n_trees": 10, "objective": "squared"}') FROM obs) AS sq,
  (SELECT gbt_train(fv, status = 'ok', '{"n_trees": 10, "objective": "binary"}') FROM obs) AS bin;
CREATE TABLE later AS SELECT o.*, m.aft, m.dur FROM obs o, m WHERE o.id > 2000;

-- training
-- case: gbt_aft.censored.share
SELECT avg(upper IS NULL) BETWEEN 0.1 AND 0.4 FROM obs WHERE id <= 2000;
-- case: gbt_aft.info
SELECT json_extract(i, '$.options.objective') = 'aft' AND json_extract(i, '$.options.aft_distribution') = 'normal'
   AND json_extract(i, '$.options.aft_sigma') = 0.4 AND json_extract(i, '$.payload_version') = 4
   AND json_extract(i, '$.rows_used') = 2000 AND json_extract(i, '$.metrics.calibration_rows') = 0
   AND json_type(i, '$.metrics.validation_metric') = 'null'
  FROM (SELECT model_info(aft) AS i FROM m);
-- case: gbt_aft.options.distribution
SELECT json_extract(model_info(gbt_train(fv, duration_s, '{"objective": "aft", "aft_distribution": "extreme", "n_trees": 2}', upper)),
                    '$.options.aft_distribution') = 'extreme' FROM obs;
-- Other objectives keep their options JSON unchanged (every trained model is payload format 4).
-- case: gbt_aft.options.others.unchanged
SELECT json_type(model_info(dur), '$.options.aft_sigma') IS NULL AND json_extract(model_info(dur), '$.payload_version') = 4 FROM m;
-- A NULL target skips the row; a NULL upper is a right-censored row.
-- case: gbt_aft.skip.null.target
SELECT json_extract(model_info(gbt_train(fv, CASE WHEN id % 10 THEN duration_s END, '{"objective": "aft", "n_trees": 2}', upper)),
                    '$.rows_skipped') = 300 FROM obs;
-- Three arguments: every row exact; the same as a 4th argument equal to the target.
-- case: gbt_aft.three.args.exact
SELECT (SELECT gbt_train(fv, duration_s, '{"objective": "aft", "n_trees": 5}') FROM obs)
     = (SELECT gbt_train(fv, duration_s, '{"objective": "aft", "n_trees": 5}', duration_s) FROM obs);
-- ... and an infinite upper bound is a NULL one.
-- case: gbt_aft.upper.inf
SELECT (SELECT gbt_train(fv, duration_s, '{"objective": "aft", "n_trees": 5}', coalesce(upper, 9e999)) FROM obs)
     = (SELECT gbt_train(fv, duration_s, '{"objective": "aft", "n_trees": 5}', upper) FROM obs);
-- Left-censored rows (target 0: only an upper bound) train.
-- case: gbt_aft.left.censored
SELECT predict_duration(gbt_train(fv, CASE WHEN id % 7 = 0 THEN 0 ELSE duration_s END,
                                  '{"objective": "aft", "n_trees": 5}', CASE WHEN id % 7 = 0 THEN duration_s ELSE upper END),
                        feature_vector('x', 0.5, 'host', 'h1')) > 0 FROM obs;
-- Deterministic whatever the threads.
-- case: gbt_aft.deterministic
SELECT (SELECT gbt_train(fv, duration_s, '{"objective": "aft", "aft_distribution": "logistic", "n_trees": 8, "subsample": 0.8, "threads": 1}', upper) FROM obs)
     = (SELECT gbt_train(fv, duration_s, '{"objective": "aft", "aft_distribution": "logistic", "n_trees": 8, "subsample": 0.8, "threads": 2}', upper) FROM obs);
-- Validation rows: early stopping on the mean negative log-likelihood.
-- case: gbt_aft.validation
SELECT json_extract(i, '$.metrics.trees') = json_extract(i, '$.metrics.best_iteration')
   AND json_extract(i, '$.metrics.rounds') <= 300 AND json_type(i, '$.metrics.validation_metric') = 'real'
   AND json_extract(i, '$.metrics.calibration_rows') = 0
  FROM (SELECT model_info(gbt_train(fv, duration_s, '{"objective": "aft", "aft_sigma": 0.4, "n_trees": 300, "learning_rate": 0.3, "validation_fraction": 0.2, "early_stopping_rounds": 5}', upper)) AS i
          FROM (SELECT * FROM obs ORDER BY id));
-- An offset (here the true typical duration) starts each row at its log.
-- case: gbt_aft.offset
SELECT json_extract(model_info(m2), '$.options.offset') = 'typ'
   AND predict_duration(m2, feature_vector('x', 0.5, 'host', 'h1', 'typ', 40)) <> predict_duration(m2, feature_vector('x', 0.5, 'host', 'h1', 'typ', 80))
  FROM (SELECT gbt_train(feature_vector('x', x, 'host', host, 'typ', round(exp(3 + 1.2 * x))), duration_s,
                         '{"objective": "aft", "offset": "typ", "n_trees": 10}', upper) AS m2 FROM obs);

-- the censoring-aware model recovers the true durations; a 'duration' model
-- trained on the recorded times (stopped runs taken as finished) is too short
-- case: gbt_aft.beats.naive
SELECT avg(abs(ln(predict_duration(aft, fv) / exp(3 + 1.2 * x + CASE WHEN host = 'h2' THEN 0.5 ELSE 0 END)))) < 0.1
   AND avg(predict_duration(aft, fv)) > 1.1 * avg(predict_duration(dur, fv))
  FROM later;
-- The parametric 90% quantile covers about 90% of the true durations, censored or not.
-- case: gbt_aft.q90.coverage
SELECT abs(avg(t <= predict_duration(aft, fv, 0.9)) - 0.9) < 0.04 FROM later;
-- The point prediction is the median exp(raw): the 0.5 quantile; predict() agrees.
-- case: gbt_aft.median
SELECT max(abs(predict_duration(aft, fv, 0.5) / predict_duration(aft, fv) - 1)) < 1e-14
   AND min(predict(aft, fv) = predict_duration(aft, fv)) FROM later;
-- Intervals are parametric: lo and hi are the quantiles, their ratio to pred
-- the same for every run.
-- case: gbt_aft.interval
SELECT min(json_extract(i, '$.lo') = predict_duration(aft, fv, 0.05) AND json_extract(i, '$.hi') = predict_duration(aft, fv, 0.95))
   AND max(json_extract(i, '$.hi') / json_extract(i, '$.pred')) - min(json_extract(i, '$.hi') / json_extract(i, '$.pred')) < 1e-9
  FROM (SELECT aft, fv, predict_interval(aft, fv) AS i FROM later);

-- predict_cdf
-- case: gbt_aft.cdf.range.monotone
SELECT min(predict_cdf(aft, fv, 10) <= predict_cdf(aft, fv, 30) AND predict_cdf(aft, fv, 30) <= predict_cdf(aft, fv, 300))
   AND min(predict_cdf(dur, fv, 10) <= predict_cdf(dur, fv, 30) AND predict_cdf(dur, fv, 30) <= predict_cdf(dur, fv, 300))
   AND min(predict_cdf(aft, fv, 1e-9)) >= 0 AND max(predict_cdf(aft, fv, 1e300)) = 1
   AND min(predict_cdf(dur, fv, 1e-9)) >= 0 AND max(predict_cdf(dur, fv, 1e300)) <= 1
  FROM later;
-- An 'aft' model's CDF at its q-quantile is q; a 'duration' model's is the
-- conformal rank/(n + 1): at least q for q >= 0.5, at most q below.
-- case: gbt_aft.cdf.quantile
SELECT max(abs(predict_cdf(aft, fv, predict_duration(aft, fv, 0.8)) - 0.8)) < 1e-12
   AND min(predict_cdf(dur, fv, predict_duration(dur, fv, 0.8)) >= 0.8)
   AND max(predict_cdf(dur, fv, predict_duration(dur, fv, 0.8)) - 0.8) < 0.01
   AND min(predict_cdf(dur, fv, predict_duration(dur, fv, 0.2)) <= 0.2)
  FROM later WHERE id <= 2100;
-- Calibrated: among the later runs the share finishing within the model's
-- 30th-percentile time is about 0.3 (true durations for the aft model).
-- case: gbt_aft.cdf.calibrated
SELECT abs(avg(t <= predict_duration(aft, fv, 0.3)) - 0.3) < 0.04
   AND abs(avg(predict_cdf(aft, fv, t)) - 0.5) < 0.04
  FROM later;
-- With elapsed: P(T <= t | T > elapsed); 0 when t <= elapsed; elapsed 0 is
-- the unconditional CDF of an 'aft' model.
-- case: gbt_aft.cdf.elapsed
SELECT min(predict_cdf(aft, fv, 100, 50) >= 0 AND predict_cdf(aft, fv, 100, 50) <= 1)
   AND max(predict_cdf(aft, fv, 50, 50)) = 0 AND max(predict_cdf(dur, fv, 40, 50)) = 0
   AND max(abs(predict_cdf(aft, fv, 100, 0) - predict_cdf(aft, fv, 100))) < 1e-15
   AND min(predict_cdf(aft, fv, 100, 50) <= predict_cdf(aft, fv, 100))
  FROM later;
-- Conditioning is Bayes' rule: (F(t) − F(e)) / (1 − F(e)).
-- case: gbt_aft.cdf.bayes
SELECT max(abs(predict_cdf(aft, fv, 100, 40) - (predict_cdf(aft, fv, 100) - predict_cdf(aft, fv, 40)) / (1 - predict_cdf(aft, fv, 40)))) < 1e-12
   AND max(abs(predict_cdf(dur, fv, 100, 40) - (predict_cdf(dur, fv, 100) - predict_cdf(dur, fv, 40)) / (1 - predict_cdf(dur, fv, 40)))) < 1e-12
  FROM later;
-- NULL in, NULL out (t and elapsed too).
-- case: gbt_aft.cdf.null
SELECT predict_cdf(aft, NULL, 10) IS NULL AND predict_cdf(NULL, fv, 10) IS NULL AND predict_cdf(aft, fv, NULL) IS NULL
   AND predict_cdf(aft, fv, 10, NULL) IS NULL FROM later WHERE id = 2001;

-- predict_remaining
-- case: gbt_aft.remaining.median.default
SELECT min(predict_remaining(aft, fv, 30) = predict_remaining(aft, fv, 30, 0.5))
   AND min(predict_remaining(aft, fv, 0, 0.7) / predict_duration(aft, fv, 0.7) BETWEEN 1 - 1e-12 AND 1 + 1e-12) FROM later;
-- It inverts the conditional CDF, for both kinds of model.
-- case: gbt_aft.remaining.inverse
SELECT max(abs(predict_cdf(aft, fv, 60 + predict_remaining(aft, fv, 60, 0.25), 60) - 0.25)) < 1e-9
   AND max(abs(predict_cdf(dur, fv, 60 + predict_remaining(dur, fv, 60, 0.25), 60) - 0.25)) < 1e-9
  FROM later;
-- Higher q, more time left; never negative.
-- case: gbt_aft.remaining.order
SELECT min(predict_remaining(m, fv, e, 0.1) <= predict_remaining(m, fv, e, 0.5)
       AND predict_remaining(m, fv, e, 0.5) <= predict_remaining(m, fv, e, 0.9)
       AND predict_remaining(m, fv, e, 1e-9) >= 0)
  FROM (SELECT fv, aft AS m FROM later UNION ALL SELECT fv, dur FROM later), (SELECT 0 AS e UNION ALL SELECT 45 UNION ALL SELECT 400);
-- q at the edges: a tiny q leaves almost nothing, one close to 1 a finite lot.
-- case: gbt_aft.remaining.q.edges
SELECT predict_remaining(aft, fv, 30, 1e-12) < 1e-6 AND predict_remaining(dur, fv, 30, 1e-12) < 1e-6
   AND predict_remaining(aft, fv, 30, 1 - 1e-12) BETWEEN 300 AND 1e300
   AND predict_remaining(dur, fv, 30, 1 - 1e-12) BETWEEN 100 AND 1e300
  FROM later WHERE id = 2001;
-- Elapsed beyond every calibration residual of a 'duration' model: the tail
-- is memoryless in log1p space, so the time left grows in proportion to
-- 1 + elapsed — a defined number, never NaN.
-- case: gbt_aft.remaining.beyond.residuals
SELECT abs(predict_remaining(dur, fv, 1e6) / (1 + 1e6) - predict_remaining(dur, fv, 1e8) / (1 + 1e8)) < 1e-9
   AND predict_remaining(dur, fv, 1e6) > 0 AND typeof(predict_remaining(dur, fv, 1e12)) = 'real'
   AND predict_cdf(dur, fv, 2e6, 1e6) BETWEEN 0 AND 1
  FROM later WHERE id = 2001;
-- ... and an 'aft' model (normal) far beyond its distribution: a finite, shrinking share.
-- case: gbt_aft.remaining.beyond.aft
SELECT predict_remaining(aft, fv, 1e6) > 0 AND predict_remaining(aft, fv, 1e6) / 1e6 < 0.1
   AND predict_remaining(aft, fv, 1e300) >= 0 AND predict_cdf(aft, fv, 2e300, 1e300) BETWEEN 0 AND 1
  FROM later WHERE id = 2001;
-- Overflow is +Inf, never NaN (a wide logistic model, a very long run, q near 1).
-- case: gbt_aft.remaining.overflow
SELECT predict_remaining(w, feature_vector('x', 0.5), 1e300, 1 - 1e-15) = 9e999
   AND predict_remaining(w, feature_vector('x', 0.5), 1e300, 0.5) BETWEEN 1e300 AND 1e308
  FROM (SELECT gbt_train(fv, duration_s, '{"objective": "aft", "aft_distribution": "logistic", "aft_sigma": 5, "n_trees": 2}', upper) AS w FROM obs);
-- case: gbt_aft.remaining.null
SELECT predict_remaining(aft, fv, NULL) IS NULL AND predict_remaining(NULL, fv, 1) IS NULL
   AND predict_remaining(aft, NULL, 1, 0.5) IS NULL FROM later WHERE id = 2001;
-- A registry name works like the BLOB.
-- case: gbt_aft.registry
SELECT model_save('aft', aft) = 1 AND model_save('dur', dur) = 1 FROM m;
-- case: gbt_aft.registry.same
SELECT min(predict_cdf('aft', fv, 80, 20) = predict_cdf(aft, fv, 80, 20) AND predict_remaining('dur', fv, 20) = predict_remaining(dur, fv, 20))
  FROM later;

-- errors: gbt_train
-- case: gbt_aft.err.upper.objective
-- error: gbt_train(): upper (argument 4) needs objective 'aft' (censored durations); objective 'duration' takes exact targets: call gbt_train with 3 arguments
SELECT gbt_train(fv, duration_s, '{"n_trees": 2}', upper) FROM obs;
-- case: gbt_aft.err.upper.objective.null.options
-- error: gbt_train(): upper (argument 4) needs objective 'aft' (censored durations); objective 'duration' takes exact targets: call gbt_train with 3 arguments
SELECT gbt_train(fv, duration_s, NULL, NULL) FROM obs;
-- case: gbt_aft.err.upper.below
-- error: gbt_train(): upper (argument 4) is 5.0, below the target (argument 2) 10.0; the upper bound of a duration must be >= its lower bound
SELECT gbt_train(fv, 10, '{"objective": "aft"}', 5.0) FROM obs;
-- case: gbt_aft.err.upper.text
-- error: gbt_train(): upper (argument 4) is TEXT; expected a number, or NULL when the run did not finish (right-censored)
SELECT gbt_train(fv, duration_s, '{"objective": "aft"}', 'inf') FROM obs;
-- case: gbt_aft.err.upper.zero
-- error: gbt_train(): upper (argument 4) is 0; objective 'aft' models log(duration), so an exact duration must be > 0 (target 0 and upper 1 say it took less than 1 s)
SELECT gbt_train(fv, 0, '{"objective": "aft"}', 0) FROM obs;
-- case: gbt_aft.err.target.zero
-- error: gbt_train(): target (argument 2) is 0; objective 'aft' models log(duration), so an exact duration must be > 0 (for a run too short to time, pass an upper bound as the 4th argument: target 0 and upper 1 say it took less than 1 s)
SELECT gbt_train(fv, CASE WHEN id = 3 THEN 0 ELSE duration_s END, '{"objective": "aft"}') FROM obs;
-- case: gbt_aft.err.target.negative
-- error: gbt_train(): target (argument 2) is -1.0; objective 'aft' needs targets >= 0
SELECT gbt_train(fv, CASE WHEN id = 3 THEN -1.0 ELSE duration_s END, '{"objective": "aft"}', upper) FROM obs;
-- case: gbt_aft.err.sigma.objective
-- error: gbt_train(): option aft_sigma needs objective 'aft'
SELECT gbt_train(fv, duration_s, '{"aft_sigma": 0.5}') FROM obs;
-- case: gbt_aft.err.distribution.objective
-- error: gbt_train(): option aft_distribution needs objective 'aft'
SELECT gbt_train(fv, duration_s, '{"objective": "squared", "aft_distribution": "logistic"}') FROM obs;
-- case: gbt_aft.err.distribution
-- error: gbt_train(): option aft_distribution must be 'normal', 'logistic' or 'extreme'
SELECT gbt_train(fv, duration_s, '{"objective": "aft", "aft_distribution": "weibull"}') FROM obs;
-- case: gbt_aft.err.sigma.range
-- error: gbt_train(): option aft_sigma must be a number in (0, 100]
SELECT gbt_train(fv, duration_s, '{"objective": "aft", "aft_sigma": 0}') FROM obs;
-- case: gbt_aft.err.loss
-- error: gbt_train(): option loss 'ratio' needs objective 'duration'
SELECT gbt_train(fv, duration_s, '{"objective": "aft", "loss": "ratio"}') FROM obs;

-- errors: predict_cdf and predict_remaining
-- case: gbt_aft.err.cdf.t.zero
-- error: predict_cdf(): t (argument 3) must be a finite number > 0 (seconds since the run started)
SELECT predict_cdf(aft, fv, 0) FROM later WHERE id = 2001;
-- case: gbt_aft.err.cdf.t.negative
-- error: predict_cdf(): t (argument 3) must be a finite number > 0 (seconds since the run started)
SELECT predict_cdf(aft, fv, -5) FROM later WHERE id = 2001;
-- case: gbt_aft.err.cdf.t.text
-- error: predict_cdf(): t (argument 3) must be a finite number > 0 (seconds since the run started)
SELECT predict_cdf(aft, fv, '3600') FROM later WHERE id = 2001;
-- case: gbt_aft.err.cdf.t.inf
-- error: predict_cdf(): t (argument 3) must be a finite number > 0 (seconds since the run started)
SELECT predict_cdf(aft, fv, 9e999) FROM later WHERE id = 2001;
-- case: gbt_aft.err.cdf.elapsed
-- error: predict_cdf(): elapsed (argument 4) must be a finite number >= 0 (seconds the run has been running)
SELECT predict_cdf(aft, fv, 10, -1) FROM later WHERE id = 2001;
-- case: gbt_aft.err.remaining.elapsed
-- error: predict_remaining(): elapsed (argument 3) must be a finite number >= 0 (seconds the run has been running)
SELECT predict_remaining(dur, fv, -0.5) FROM later WHERE id = 2001;
-- case: gbt_aft.err.remaining.q
-- error: predict_remaining(): q (argument 4) must be a number between 0 and 1 (exclusive), e.g. 0.9 for 90%
SELECT predict_remaining(dur, fv, 10, 1) FROM later WHERE id = 2001;
-- case: gbt_aft.err.remaining.q.null
-- error: predict_remaining(): q (argument 4) must be a number between 0 and 1 (exclusive), e.g. 0.9 for 90%
SELECT predict_remaining(dur, fv, 10, NULL) FROM later WHERE id = 2001;
-- case: gbt_aft.err.cdf.squared
-- error: predict_cdf(): model is a gbt model with objective 'squared'; expected objective 'duration' (with calibration residuals) or 'aft'
SELECT predict_cdf(sq, feature_vector('x', 1), 10) FROM m;
-- case: gbt_aft.err.remaining.binary
-- error: predict_remaining(): model is a gbt model with objective 'binary'; expected objective 'duration' (with calibration residuals) or 'aft'
SELECT predict_remaining(bin, feature_vector('x', 1), 10) FROM m;
-- case: gbt_aft.err.cdf.nocal
-- error: predict_cdf(): model has no calibration residuals (trained with calibration_fraction 0 and no validation rows); the distribution of its durations is unknown
SELECT predict_cdf(nocal, feature_vector('x', 1), 10) FROM m;
-- case: gbt_aft.err.remaining.nocal
-- error: predict_remaining(): model has no calibration residuals (trained with calibration_fraction 0 and no validation rows); the distribution of its durations is unknown
SELECT predict_remaining(nocal, feature_vector('x', 1), 10, 0.9) FROM m;
-- case: gbt_aft.err.features
-- error: predict_cdf(): none of the model's 2 features (host, x) is in the feature vector; check the names (they are case-sensitive)
SELECT predict_cdf(aft, feature_vector('y', 1), 10) FROM m;
-- case: gbt_aft.err.scaler
-- error: predict_remaining(): model is a scaler model; expected a gbt model
SELECT predict_remaining(scaler_train(feature_vector('x', x)), feature_vector('x', 1), 10) FROM runs;
-- case: gbt_aft.err.arity
-- error: wrong number of arguments to function predict_cdf()
SELECT predict_cdf(aft, feature_vector('x', 1)) FROM m;
