-- gbt_train() and scaler_train() at the edges (issue 8, findings 2, 8, 9):
-- every BLOB a training aggregate returns loads in model_save() and scores
-- in predict(); what cannot is refused with a clear error instead.
CREATE TABLE t AS WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 200)
  SELECT i, feature_vector('x', i, 'h', 'h' || (i % 3)) AS f FROM s;

-- Finding 2: targets too large for 'squared' and 'quantile' (gradient squares
-- overflow near 1e152): the limit is 1e140, checked per row.
-- case: gbt_robust.squared.too.large
-- error: gbt_train(): target (argument 2) is 1.0e+154; objective 'squared' needs targets from -1e140 to 1e140 (rescale it, e.g. divide it by a power of 10)
SELECT gbt_train(f, i * 1e154, '{"objective": "squared", "n_trees": 5}') FROM t;
-- case: gbt_robust.quantile.too.large
-- error: gbt_train(): target (argument 2) is 1.7e+308; objective 'quantile' needs targets from -1e140 to 1e140 (rescale it, e.g. divide it by a power of 10)
SELECT gbt_train(f, CASE WHEN i % 2 THEN 1.7e308 ELSE -1.7e308 END, '{"objective": "quantile", "n_trees": 5}') FROM t;
-- case: gbt_robust.negative.too.large
-- error: gbt_train(): target (argument 2) is -2.0e+140; objective 'squared' needs targets from -1e140 to 1e140 (rescale it, e.g. divide it by a power of 10)
SELECT gbt_train(f, CASE WHEN i = 50 THEN -2e140 ELSE i END, '{"objective": "squared"}') FROM t;
-- At the limit, both objectives train, save and predict.
-- case: gbt_robust.squared.at.limit
SELECT model_save('sq_limit', m) > 0 AND predict('sq_limit', feature_vector('x', 3)) IS NOT NULL
   AND json_extract(predict_interval('sq_limit', feature_vector('x', 3)), '$.pred') IS NOT NULL
  FROM (SELECT gbt_train(f, (i % 7 - 3) / 3.0 * 1e140, '{"objective": "squared", "n_trees": 20}') AS m FROM t);
-- case: gbt_robust.quantile.at.limit
SELECT model_save('q_limit', m) > 0 AND abs(predict('q_limit', feature_vector('x', 3))) <= 1e140
  FROM (SELECT gbt_train(f, CASE WHEN i % 2 THEN 1e140 ELSE -1e140 END, '{"objective": "quantile", "alpha": 0.9, "n_trees": 20}') AS m FROM t);
-- 'duration' fits log1p(y): durations up to the largest double train and save.
-- case: gbt_robust.duration.huge
SELECT model_save('dur_huge', m) > 0 AND predict('dur_huge', feature_vector('x', 4)) > 1e100
   AND json_extract(predict_interval('dur_huge', feature_vector('x', 4)), '$.hi') > 1e100
  FROM (SELECT gbt_train(f, CASE WHEN i % 2 THEN 1 ELSE 1.7e308 END, '{"n_trees": 20, "learning_rate": 1}') AS m FROM t);
-- Tiny and denormal targets are ordinary numbers.
-- case: gbt_robust.squared.denormal
SELECT model_save('sq_tiny', m) > 0 AND predict('sq_tiny', feature_vector('x', 4)) BETWEEN 0 AND 4e-323
  FROM (SELECT gbt_train(f, (i % 9) * 5e-324, '{"objective": "squared", "n_trees": 10}') AS m FROM t);
-- Huge and tiny features too.
-- case: gbt_robust.features.extreme
SELECT model_save('feat_extreme', m) > 0 AND predict('feat_extreme', feature_vector('x', 1.7e308)) IS NOT NULL
   AND predict('feat_extreme', feature_vector('x', -1.7e308)) IS NOT NULL
  FROM (SELECT gbt_train(feature_vector('x', CASE i % 4 WHEN 0 THEN 1.7e308 WHEN 1 THEN -1.7e308 WHEN 2 THEN 5e-324 ELSE -1e-310 END),
                         i % 4, '{"objective": "squared", "n_trees": 10}') AS m FROM t);

-- Finding 9: divergence is an error naming the round.
-- case: gbt_robust.diverged.duration
-- error: gbt_train(): training diverged at round 5 (a leaf value of 1.05e+06, more than 1000 times the largest initial residual 345); use a smaller learning_rate (at most 1) or a larger lambda
SELECT gbt_train(feature_vector('x', i), CASE WHEN i % 2 THEN 1 ELSE 1e300 END, '{"learning_rate": 10, "n_trees": 20}') FROM t;
-- case: gbt_robust.diverged.squared
-- error: gbt_train(): training diverged at round 4 (a leaf value of 7.08e+03, more than 1000 times the largest initial residual 4); use a smaller learning_rate (at most 1) or a larger lambda
SELECT gbt_train(f, i % 9, '{"objective": "squared", "learning_rate": 10, "validation_fraction": 0.2}') FROM t;
-- The same data at learning_rate 1 trains; its predictions and intervals are numbers.
-- case: gbt_robust.learning_rate.1
SELECT model_save('lr1', m) > 0 AND json_extract(predict_interval('lr1', feature_vector('x', 3)), '$.hi') > 0
  FROM (SELECT gbt_train(feature_vector('x', i), CASE WHEN i % 2 THEN 1 ELSE 1e300 END, '{"learning_rate": 1, "n_trees": 20}') AS m FROM t);
-- case: gbt_robust.binary.lambda0
SELECT model_save('bin0', m) > 0 AND predict('bin0', feature_vector('x', 3, 'h', 'h0')) BETWEEN 0 AND 1
  FROM (SELECT gbt_train(f, i % 3 = 0, '{"objective": "binary", "lambda": 0, "min_child_weight": 0, "n_trees": 20}') AS m FROM t);

-- Finding 8: a model that cannot fit in a BLOB is refused before training.
-- 12,500 trees of depth 16 on 100,000 rows: up to 65,536 leaves per tree.
CREATE TABLE big AS WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 100000)
  SELECT i, feature_vector('x', i) AS f FROM s;
-- case: gbt_robust.size.too.big
-- error: gbt_train(): the model could take up to 39321283516 bytes (12500 trees of up to 65536 leaves), more than SQLite's BLOB limit of 1000000000 bytes (SQLITE_LIMIT_LENGTH); use fewer n_trees or a smaller max_depth
SELECT gbt_train(f, i, '{"n_trees": 12500, "max_depth": 16}') FROM big;
-- The bound counts the rows: 200 rows allow at most 180 leaves per tree, so
-- the same options are accepted there (3 trees keep the test quick) ...
-- case: gbt_robust.size.rows.bound
SELECT length(gbt_train(f, i, '{"n_trees": 3, "max_depth": 16}')) > 0 FROM t;
-- ... and a small model on 100,000 rows trains.
-- case: gbt_robust.size.small.on.big
SELECT json_extract(model_info(gbt_train(f, i % 5, '{"n_trees": 1, "max_depth": 2}')), '$.metrics.trees') = 1 FROM big;

-- Options are the same on every row (finding 19).
-- case: gbt_robust.options.changed
-- error: gbt_train(): options changed between rows; pass the same options on every row
SELECT gbt_train(f, i, CASE WHEN i < 100 THEN '{"n_trees": 5}' ELSE '{"n_trees": 6}' END) FROM t;

-- scaler_train: values near ±1.8e308 train when center and scale are
-- representable, and the model saves and scales.
-- case: scaler_robust.standard.huge
SELECT model_save('sc_std', m) > 0
   AND feature_vector_json(scale('sc_std', feature_vector('x', 1e308))) = '{"x":1}'
   AND feature_vector_json(scale('sc_std', feature_vector('x', -1e308))) = '{"x":-1}'
  FROM (SELECT scaler_train(feature_vector('x', CASE WHEN i % 2 THEN 1e308 ELSE -1e308 END)) AS m FROM t);
-- case: scaler_robust.robust.huge
SELECT model_save('sc_rob', m) > 0 AND feature_vector_json(scale('sc_rob', feature_vector('x', 0))) = '{"x":0}'
  FROM (SELECT scaler_train(feature_vector('x', CASE WHEN i % 2 THEN 1.7e308 ELSE -1.7e308 END), 'robust') AS m FROM t WHERE i <= 2);
-- A range that is not a double is an error naming the feature.
-- case: scaler_robust.minmax.overflow
-- error: scaler_train(): feature "x" has values too large to scale (its scale is beyond ±1.8e308; rescale the feature)
SELECT scaler_train(feature_vector('x', CASE WHEN i % 2 THEN 1.7e308 ELSE -1.7e308 END), 'minmax') FROM t;
