-- conformal.sql — interval_calibrate() and predict_interval(model, fv, coverage, calib)
-- (ext/conformal.c behaviours 1-7; ext/core/conformal/cf.h).

-- 3,000 runs in time order; users u0..u5 differ in how noisy they are (u0
-- exact, u5 ±75%), which one pooled interval cannot express.
CREATE TABLE runs AS
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
SELECT i AS run_id, 'u' || (i % 6) AS user, 1 + (i % 5) AS threads, i % 11 AS team,
       round((10 + 5 * (i % 5)) * (1 + (i % 6) * 0.3 * (hash_uniform(i, 1) - 0.5)), 3) AS dur FROM n;
CREATE VIEW fvs AS SELECT run_id, user, dur, feature_vector('threads', threads, 'user', user, 'team', team) AS fv FROM runs;
CREATE TABLE m AS SELECT gbt_train(feature_vector('threads', threads), dur, '{"n_trees": 20}') AS b
  FROM (SELECT * FROM runs WHERE run_id <= 1500 ORDER BY run_id);
CREATE TABLE c AS SELECT
  (SELECT interval_calibrate(b, fv, dur, '{"group": "user"}') FROM (SELECT * FROM fvs WHERE run_id BETWEEN 1501 AND 2500 ORDER BY run_id)) AS by_user,
  (SELECT interval_calibrate(b, fv, dur) FROM (SELECT * FROM fvs WHERE run_id BETWEEN 1501 AND 2500 ORDER BY run_id)) AS pooled,
  (SELECT interval_calibrate(b, fv, dur, '{"group": "team", "window": 100}') FROM (SELECT * FROM fvs WHERE run_id BETWEEN 1501 AND 2500 ORDER BY run_id)) AS by_team
FROM m;
CREATE TABLE later AS SELECT run_id, user, dur,
       predict_interval(b, fv, 0.9) AS i0, predict_interval(b, fv, 0.9, pooled) AS ip, predict_interval(b, fv, 0.9, by_user) AS iu
  FROM fvs, m, c WHERE run_id > 2500;

-- case: conformal.kind
SELECT json_extract(model_info(by_user), '$.kind') = 'conformal'
   AND json_extract(model_info(by_user), '$.rows_used') = 1000
   AND json_extract(model_info(by_user), '$.detail.groups') = 6
   AND json_extract(model_info(by_user), '$.detail.group_type') = 'categorical'
   AND json_extract(model_info(by_user), '$.detail.space') = 'log1p'
   AND json_extract(model_info(pooled), '$.detail.group') IS NULL
   AND json_extract(model_info(pooled), '$.options') = '{"group":null,"min_group":30,"window":0,"max_groups":10000}'
  FROM c;

-- The keys of the 4-argument form, in order; pred is the model's.
-- case: conformal.keys
SELECT min((SELECT group_concat(key, ',') FROM json_each(iu)) = 'pred,lo,hi,coverage,calibration,residuals')
   AND min(iu->>'pred' = i0->>'pred') AND min(iu->>'calibration' = 'group') AND min(ip->>'calibration' = 'pool')
   AND min(ip->>'residuals' = 1000)
  FROM later;

-- Per user, the grouped calibration covers about 90% of every user; the
-- pooled one over-covers u0 and under-covers u5.
-- case: conformal.per_user
SELECT min(cu) >= 0.75 AND max(cu) <= 1.0
   AND (SELECT interval_coverage(dur, ip->>'lo', ip->>'hi') FROM later WHERE user = 'u5') < 0.85
  FROM (SELECT user, interval_coverage(dur, iu->>'lo', iu->>'hi') AS cu FROM later GROUP BY user);
-- case: conformal.per_user.width
SELECT (SELECT avg((1 + (iu->>'hi')) / (1 + (iu->>'lo'))) FROM later WHERE user = 'u0')
     < (SELECT avg((1 + (iu->>'hi')) / (1 + (iu->>'lo'))) FROM later WHERE user = 'u5');

-- Calibrating on the model's own calibration rows (the last 10% of its
-- training input) reproduces its built-in interval exactly.
CREATE TABLE own AS SELECT interval_calibrate(b, feature_vector('threads', threads), dur) AS c
  FROM m, (SELECT * FROM runs WHERE run_id BETWEEN 1351 AND 1500 ORDER BY run_id);
-- case: conformal.own_residuals
SELECT min(predict_interval(b, feature_vector('threads', t), 0.9, own.c) ->> 'lo' = predict_interval(b, feature_vector('threads', t), 0.9) ->> 'lo'
       AND predict_interval(b, feature_vector('threads', t), 0.8, own.c) ->> 'hi' = predict_interval(b, feature_vector('threads', t), 0.8) ->> 'hi')
  FROM m, own, (SELECT 1 AS t UNION ALL SELECT 3 UNION ALL SELECT 5);

-- NULL calibration: exactly the 3-argument form.
-- case: conformal.null_calib
SELECT predict_interval(b, feature_vector('threads', 2), 0.8, NULL) = predict_interval(b, feature_vector('threads', 2), 0.8) FROM m;
-- case: conformal.null_args
SELECT predict_interval(NULL, feature_vector('threads', 2), 0.8, by_user) IS NULL
   AND predict_interval(b, NULL, 0.8, by_user) IS NULL FROM m, c;

-- window: only the last 100 residuals of the pool and of each team.
-- case: conformal.window
SELECT json_extract(model_info(by_team), '$.detail.residuals') = 100
   AND json_extract(model_info(by_team), '$.detail.groups') = 11
   AND json_extract(model_info(by_team), '$.detail.group_type') = 'numeric'
   AND json_extract(model_info(by_team), '$.detail.groups_seen') = 11 FROM c;
-- the same as calibrating on the last 100 rows only
-- case: conformal.window.same
SELECT predict_interval(b, feature_vector('threads', 2), 0.9, by_team)
     = predict_interval(b, feature_vector('threads', 2), 0.9,
         (SELECT interval_calibrate(b, fv, dur) FROM (SELECT * FROM fvs WHERE run_id BETWEEN 2401 AND 2500 ORDER BY run_id)))
  FROM m, c;
-- numeric groups: a team with min_group 10 and window 20
-- case: conformal.numeric_group
SELECT predict_interval(b, feature_vector('threads', 2, 'team', 3), 0.9, x) ->> 'calibration' = 'group'
   AND predict_interval(b, feature_vector('threads', 2, 'team', 3), 0.9, x) ->> 'residuals' = 20
   AND predict_interval(b, feature_vector('threads', 2, 'team', 3.5), 0.9, x) ->> 'calibration' = 'pool'
   AND predict_interval(b, feature_vector('threads', 2, 'team', NULL), 0.9, x) ->> 'calibration' = 'pool'
  FROM m, (SELECT interval_calibrate((SELECT b FROM m), fv, dur, '{"group": "team", "min_group": 10, "window": 20}') AS x
             FROM (SELECT * FROM fvs WHERE run_id > 1500 ORDER BY run_id));

-- Deterministic.
-- case: conformal.deterministic
SELECT (SELECT interval_calibrate(b, fv, dur, '{"group": "user"}') FROM (SELECT * FROM fvs WHERE run_id BETWEEN 1501 AND 2500 ORDER BY run_id)) = by_user FROM m, c;

-- NULL rows are skipped and counted.
-- case: conformal.skipped
SELECT json_extract(model_info(x), '$.rows_used') = 2 AND json_extract(model_info(x), '$.rows_skipped') = 2
  FROM (SELECT interval_calibrate(b, f, d) AS x FROM m,
          (SELECT feature_vector('threads', 1) AS f, 12 AS d UNION ALL SELECT NULL, 3 UNION ALL SELECT feature_vector('threads', 2), NULL
           UNION ALL SELECT feature_vector('threads', 3), 20));
-- case: conformal.skipped.model
SELECT json_extract(model_info(interval_calibrate(x, feature_vector('threads', 1), 5)), '$.rows_skipped') = 1
  FROM (SELECT NULL AS x UNION ALL SELECT b FROM m);

-- The registry: a saved model (created_at stamped) keeps its identity.
-- case: conformal.registry
SELECT model_save('rt', b) = 1 AND model_save('rt_cal', by_user) = 1 FROM m, c;
-- case: conformal.registry.use
SELECT predict_interval('rt', feature_vector('threads', 2, 'user', 'u3'), 0.9, 'rt_cal')
     = predict_interval(b, feature_vector('threads', 2, 'user', 'u3'), 0.9, by_user) FROM m, c;
-- case: conformal.registry.calibrate
SELECT interval_calibrate('rt', fv, dur, '{"group": "user"}') = by_user
  FROM (SELECT * FROM fvs WHERE run_id BETWEEN 1501 AND 2500 ORDER BY run_id), c;

-- ---------------------------------------------------------------- errors
-- case: conformal.err.other_model
-- error: predict_interval(): calibration (argument 4) was made for another model (its model_id is 7db93e5980b72d5e, this model's is a8c2fbc35867b510); recalibrate with interval_calibrate() on this model
SELECT predict_interval(gbt_train(feature_vector('threads', threads), dur, '{"n_trees": 3}'), feature_vector('threads', 2), 0.9, (SELECT by_user FROM c)) FROM runs;
-- case: conformal.err.kind
-- error: predict_interval(): calibration (argument 4) is a gbt model; expected a conformal calibration made by interval_calibrate()
SELECT predict_interval(b, feature_vector('threads', 2), 0.9, b) FROM m;
-- case: conformal.err.kind.scaler
-- error: predict_interval(): calibration (argument 4) is a scaler model; expected a conformal calibration made by interval_calibrate()
SELECT predict_interval(b, feature_vector('threads', 2), 0.9, (SELECT scaler_train(feature_vector('x', 1)))) FROM m;
-- case: conformal.err.corrupt
-- error: predict_interval(): model checksum mismatch
SELECT predict_interval(b, feature_vector('threads', 2), 0.9, CAST(substr(by_user, 1, 60) || x'07' || substr(by_user, 62) AS BLOB)) FROM m, c;
-- case: conformal.err.not_blob
-- error: predict_interval(): model is INTEGER; expected a model BLOB or a registry name (TEXT)
SELECT predict_interval(b, feature_vector('threads', 2), 0.9, 7) FROM m;
-- case: conformal.err.coverage
-- error: predict_interval(): coverage (argument 3) must be a number between 0 and 1 (exclusive), e.g. 0.9 for 90%
SELECT predict_interval(b, feature_vector('threads', 2), 90, by_user) FROM m, c;
-- case: conformal.err.coverage_null
-- error: predict_interval(): coverage (argument 3) must be a number between 0 and 1 (exclusive), e.g. 0.9 for 90%
SELECT predict_interval(b, feature_vector('threads', 2), NULL, by_user) FROM m, c;
-- case: conformal.err.group_type
-- error: predict_interval(): feature "user" (the calibration's group) is numeric but the calibration grouped it as categorical
SELECT predict_interval(b, feature_vector('threads', 2, 'user', 3), 0.9, by_user) FROM m, c;
-- case: conformal.err.binary
-- error: interval_calibrate(): model is a gbt model with objective 'binary'; calibrated intervals need objective 'duration', 'squared' or 'quantile'
SELECT interval_calibrate((SELECT gbt_train(feature_vector('threads', threads), threads > 2, '{"objective": "binary", "n_trees": 2}') FROM runs), feature_vector('threads', 1), 1);
-- case: conformal.err.aft
-- error: interval_calibrate(): model is a gbt model with objective 'aft'; calibrated intervals need objective 'duration', 'squared' or 'quantile'
SELECT interval_calibrate((SELECT gbt_train(feature_vector('threads', threads), dur, '{"objective": "aft", "n_trees": 2}') FROM runs), feature_vector('threads', 1), 1);
-- case: conformal.err.predict_aft
-- error: predict_interval(): model is a gbt model with objective 'aft'; calibrated intervals need objective 'duration', 'squared' or 'quantile'
SELECT predict_interval((SELECT gbt_train(feature_vector('threads', threads), dur, '{"objective": "aft", "n_trees": 2}') FROM runs), feature_vector('threads', 1), 0.9, by_user) FROM c;
-- case: conformal.err.negative
-- error: interval_calibrate(): actual (argument 3) is -1; objective 'duration' needs actual durations >= 0
SELECT interval_calibrate(b, feature_vector('threads', 1), -1) FROM m;
-- case: conformal.err.squared_negative_ok
SELECT interval_calibrate((SELECT gbt_train(feature_vector('threads', threads), dur - 20, '{"objective": "squared", "n_trees": 3}') FROM runs), feature_vector('threads', 1), -1) IS NOT NULL;
-- case: conformal.err.inf
-- error: interval_calibrate(): actual (argument 3) is not a finite number
SELECT interval_calibrate(b, feature_vector('threads', 1), 1e999) FROM m;
-- case: conformal.err.text
-- error: interval_calibrate(): actual (argument 3) is TEXT; expected a number (a number stored as TEXT? CAST it AS REAL)
SELECT interval_calibrate(b, feature_vector('threads', 1), '12') FROM m;
-- case: conformal.err.blob
-- error: interval_calibrate(): actual (argument 3) is BLOB; expected a number
SELECT interval_calibrate(b, feature_vector('threads', 1), x'00') FROM m;
-- case: conformal.err.empty
-- error: interval_calibrate(): no rows to calibrate with (every row was NULL or there were none); a calibration needs finished runs with a model, features and an actual value
SELECT interval_calibrate(b, feature_vector('threads', 1), 3) FROM m WHERE 0;
-- case: conformal.err.all_null
-- error: interval_calibrate(): no rows to calibrate with (every row was NULL or there were none); a calibration needs finished runs with a model, features and an actual value
SELECT interval_calibrate(b, feature_vector('threads', 1), NULL) FROM m;
-- case: conformal.err.option
-- error: interval_calibrate(): unknown option "windows"; accepted: group, min_group, window, max_groups, bins, shrink
SELECT interval_calibrate(b, feature_vector('threads', 1), 3, '{"windows": 10}') FROM m;
-- case: conformal.err.option.range
-- error: interval_calibrate(): option min_group must be an integer from 1 to 1000000
SELECT interval_calibrate(b, feature_vector('threads', 1), 3, '{"min_group": 0}') FROM m;
-- case: conformal.err.option.group
-- error: interval_calibrate(): option group must be the name of a feature, e.g. "user"
SELECT interval_calibrate(b, feature_vector('threads', 1), 3, '{"group": 5}') FROM m;
-- case: conformal.err.option.json
-- error: interval_calibrate(): options are not a JSON object (expected a JSON object); write them like '{"group": "user"}'
SELECT interval_calibrate(b, feature_vector('threads', 1), 3, '[1]') FROM m;
-- case: conformal.err.option.type
-- error: interval_calibrate(): options (argument 4) is INTEGER; expected a JSON object as TEXT
SELECT interval_calibrate(b, feature_vector('threads', 1), 3, 5) FROM m;
-- case: conformal.err.option.changed
-- error: interval_calibrate(): options changed between rows; pass the same options on every row
SELECT interval_calibrate(b, feature_vector('threads', 1), 3, CASE WHEN run_id = 1 THEN '{}' ELSE '{"window": 5}' END) FROM m, runs;
-- case: conformal.err.model_changed
-- error: interval_calibrate(): model (argument 1) changed between rows; calibrate one model at a time
SELECT interval_calibrate(x, feature_vector('threads', 1), 3)
  FROM (SELECT b AS x FROM m UNION ALL SELECT gbt_train(feature_vector('threads', threads), dur, '{"n_trees": 2}') FROM runs);
-- case: conformal.err.model_changed.ref
-- error: interval_calibrate(): model (argument 1) changed between rows; calibrate one model at a time
SELECT interval_calibrate(x, feature_vector('threads', 1), 3) FROM (SELECT 'rt' AS x UNION ALL SELECT 'rt@1');
-- case: conformal.err.group_changed
-- error: interval_calibrate(): group feature "g" is numeric in one row and categorical in another
SELECT interval_calibrate(b, f, 3, '{"group": "g"}') FROM m,
  (SELECT feature_vector('threads', 1, 'g', 1) AS f UNION ALL SELECT feature_vector('threads', 1, 'g', 'x'));
-- case: conformal.err.model_kind
-- error: interval_calibrate(): model is a conformal model; expected a gbt model
SELECT interval_calibrate(by_user, feature_vector('threads', 1), 3) FROM c;
-- case: conformal.err.features
-- error: interval_calibrate(): the model's only feature (threads) is not in the feature vector; check the name (it is case-sensitive)
SELECT interval_calibrate(b, feature_vector('x', 1), 3) FROM m;
CREATE VIEW cal_view AS SELECT interval_calibrate('rt', fv, dur) AS c FROM fvs;
-- it reads the registry: allowed in a view of a trusted schema, refused when
-- trusted_schema is OFF (omen.c behaviour 4)
-- case: conformal.view.trusted
SELECT count(*) = 1 FROM cal_view;
PRAGMA trusted_schema = OFF;
-- case: conformal.err.untrusted.view
-- error: unsafe use of interval_calibrate()
SELECT count(*) FROM cal_view;
PRAGMA trusted_schema = ON;

-- Behaviour 11: a stored prediction instead of the features.
CREATE TABLE issued AS SELECT run_id, dur, predict_duration(b, fv) AS pred FROM fvs, m WHERE run_id BETWEEN 1501 AND 2500;
-- case: conformal.stored.same
SELECT (SELECT interval_calibrate(b, pred, dur) FROM (SELECT * FROM issued ORDER BY run_id), m) = (SELECT pooled FROM c);
-- case: conformal.stored.bins
SELECT (SELECT interval_calibrate(b, pred, dur, '{"bins": 4}') FROM (SELECT * FROM issued ORDER BY run_id), m)
     = (SELECT interval_calibrate(b, fv, dur, '{"bins": 4}') FROM (SELECT * FROM fvs WHERE run_id BETWEEN 1501 AND 2500 ORDER BY run_id), m);
-- case: conformal.stored.integer
SELECT length(interval_calibrate(b, CAST(pred AS INTEGER), dur)) > 0 FROM issued, m;
-- case: conformal.stored.squared
SELECT (SELECT interval_calibrate(s.b, predict(s.b, fv), dur) FROM (SELECT * FROM fvs WHERE run_id > 1500 ORDER BY run_id))
     = (SELECT interval_calibrate(s.b, fv, dur) FROM (SELECT * FROM fvs WHERE run_id > 1500 ORDER BY run_id))
  FROM (SELECT gbt_train(feature_vector('threads', threads), dur, '{"n_trees": 10, "objective": "squared"}') AS b
          FROM (SELECT * FROM runs WHERE run_id <= 1500 ORDER BY run_id)) AS s;
-- case: conformal.stored.infinite
-- error: interval_calibrate(): features (argument 2) is the prediction Inf; a stored prediction must be a finite number
SELECT interval_calibrate(s.b, 9e999, dur)
  FROM fvs, (SELECT gbt_train(feature_vector('threads', threads), dur, '{"n_trees": 5, "objective": "squared"}') AS b FROM runs) AS s;
