-- gbt_train(), predict_duration(), predict_interval(), predict_failure(),
-- predict() and model_importance(): behaviours and errors.
CREATE TABLE runs(id INTEGER PRIMARY KEY, threads INT, gb REAL, host TEXT, dur REAL, failed INT);
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 3000)
INSERT INTO runs SELECT i, 1 + (i % 16), CASE WHEN i % 11 = 0 THEN NULL ELSE round(hash_uniform(i, 1) * 100, 2) END,
  'h' || (i % 5),
  round((10 + 5 * (hash_uniform(i, 1) * 100) / (1 + (i % 16)) + CASE WHEN i % 5 = 3 THEN 60 ELSE 0 END) * (0.8 + 0.4 * hash_uniform(i, 2)), 3),
  CASE WHEN hash_uniform(i, 3) < 0.05 + 0.4 * (i % 5 = 3) THEN 1 ELSE 0 END FROM s;
CREATE VIEW fv AS SELECT id, feature_vector('threads', threads, 'gb', gb, 'host', host) AS f, dur, failed FROM runs;
CREATE TABLE m AS SELECT
  (SELECT gbt_train(f, dur, '{"n_trees": 40}') FROM (SELECT * FROM fv WHERE id <= 2400 ORDER BY id)) AS dur_model,
  (SELECT gbt_train(f, failed, '{"n_trees": 40, "objective": "binary"}') FROM (SELECT * FROM fv WHERE id <= 2400 ORDER BY id)) AS fail_model,
  (SELECT gbt_train(f, dur, '{"n_trees": 40, "objective": "squared", "calibration_fraction": 0}') FROM fv) AS sq_model;

-- training
-- case: gbt.kind
SELECT json_extract(model_info(dur_model), '$.kind') = 'gbt' AND json_extract(model_info(dur_model), '$.options.objective') = 'duration' FROM m;
-- case: gbt.rows
SELECT json_extract(model_info(dur_model), '$.rows_used') = 2400 AND json_extract(model_info(dur_model), '$.rows_skipped') = 0 FROM m;
-- case: gbt.features
SELECT json_extract(model_info(dur_model), '$.features') = '[{"name":"gb","type":"numeric"},{"name":"host","type":"categorical"},{"name":"threads","type":"numeric"}]' FROM m;
-- case: gbt.trees
SELECT json_extract(model_info(dur_model), '$.metrics.trees') = 40 FROM m;
-- case: gbt.calibration
SELECT json_extract(model_info(dur_model), '$.metrics.calibration_rows') = 240 FROM m;
-- case: gbt.deterministic.threads
SELECT (SELECT gbt_train(f, dur, '{"n_trees": 20, "threads": 1, "subsample": 0.8, "colsample": 0.7, "seed": 5}') FROM fv)
     = (SELECT gbt_train(f, dur, '{"n_trees": 20, "threads": 2, "subsample": 0.8, "colsample": 0.7, "seed": 5}') FROM fv);
-- case: gbt.deterministic.threads4
SELECT count(DISTINCT b) = 1 AND count(*) = 3
  FROM (SELECT (SELECT gbt_train(f, dur, json_object('n_trees', 20, 'max_depth', 8, 'threads', t.n)) FROM fv) AS b
          FROM (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 4) AS t);
-- case: gbt.seed.matters
SELECT (SELECT gbt_train(f, dur, '{"n_trees": 20, "subsample": 0.8, "seed": 5}') FROM fv)
    <> (SELECT gbt_train(f, dur, '{"n_trees": 20, "subsample": 0.8, "seed": 6}') FROM fv);
-- bag (gbt_train.c point 11): bag 1 is the single model, byte for byte, and
-- is not written in the options; a bag's bytes do not depend on threads; the
-- bag's intervals and calibrations work as a single model's.
-- case: gbt.bag.one
SELECT (SELECT gbt_train(f, dur, '{"n_trees": 10, "subsample": 0.8, "bag": 1}') FROM fv)
     = (SELECT gbt_train(f, dur, '{"n_trees": 10, "subsample": 0.8}') FROM fv)
   AND json_type(model_info((SELECT gbt_train(f, dur, '{"n_trees": 10, "bag": 1}') FROM fv)), '$.options.bag') IS NULL;
-- case: gbt.bag.threads
SELECT (SELECT gbt_train(f, dur, '{"n_trees": 10, "subsample": 0.8, "colsample": 0.7, "bag": 3, "threads": 1}') FROM fv)
     = (SELECT gbt_train(f, dur, '{"n_trees": 10, "subsample": 0.8, "colsample": 0.7, "bag": 3, "threads": 2}') FROM fv);
-- case: gbt.bag.seeds
SELECT (SELECT gbt_train(f, dur, '{"n_trees": 10, "subsample": 0.8, "bag": 2, "seed": 0}') FROM fv)
    <> (SELECT gbt_train(f, dur, '{"n_trees": 10, "subsample": 0.8, "bag": 2, "seed": 2}') FROM fv);
-- case: gbt.bag.interval
SELECT abs(avg(dur BETWEEN json_extract(iv, '$.lo') AND json_extract(iv, '$.hi')) - 0.9) < 0.05
  FROM (SELECT dur, predict_interval(b.m, f, 0.9) AS iv
          FROM fv, (SELECT gbt_train(f, dur, '{"n_trees": 20, "subsample": 0.7, "bag": 4}') AS m
                      FROM (SELECT * FROM fv WHERE id <= 2400 ORDER BY id)) AS b
         WHERE id > 2400);
-- case: gbt.bag.early.stopping
SELECT json_extract(i, '$.metrics.trees') = json_extract(i, '$.metrics.best_iteration')
   AND json_extract(i, '$.metrics.trees') < json_extract(i, '$.metrics.rounds')
   AND json_extract(i, '$.metrics.rounds') < 3 * 300
  FROM (SELECT model_info(gbt_train(f, dur, '{"n_trees": 300, "learning_rate": 0.3, "subsample": 0.7, "bag": 3,
                                         "validation_fraction": 0.2, "early_stopping_rounds": 5}')) AS i
          FROM (SELECT * FROM fv ORDER BY id));
-- case: gbt.bag.not.integer
-- error: gbt_train(): option bag must be an integer from 1 to 100
SELECT gbt_train(f, dur, '{"bag": 2.5}') FROM fv;
-- case: gbt.skip.null.target
SELECT json_extract(model_info(gbt_train(f, CASE WHEN id % 10 = 0 THEN NULL ELSE dur END, '{"n_trees": 5}')), '$.rows_skipped') = 300 FROM fv;
-- case: gbt.skip.null.features
SELECT json_extract(model_info(gbt_train(CASE WHEN id <= 7 THEN NULL ELSE f END, dur, '{"n_trees": 5}')), '$.rows_skipped') = 7 FROM fv;
-- case: gbt.no.rows
SELECT gbt_train(f, dur) IS NULL FROM fv WHERE 0;
-- case: gbt.union.of.features
SELECT json_array_length(json_extract(model_info(gbt_train(CASE WHEN id % 2 THEN feature_vector('a', id) ELSE feature_vector('b', id) END, dur, '{"n_trees": 3}')), '$.features')) = 2 FROM fv;
-- case: gbt.saved
SELECT model_save('runtime', dur_model, 'production') = 1 AND model_save('failure', fail_model) = 1 AND model_save('sq', sq_model) = 1 FROM m;

-- prediction
-- case: gbt.predict.accuracy
SELECT json_extract(regression_metrics(dur, predict_duration('runtime', f)), '$.r2') > 0.9 FROM fv WHERE id > 2400;
-- case: gbt.predict.blob.equals.name
SELECT count(*) = 0 FROM fv, m WHERE id > 2900 AND predict_duration(dur_model, f) <> predict_duration('runtime', f);
-- case: gbt.predict.equals.predict
SELECT count(*) = 0 FROM fv WHERE id > 2900 AND predict('runtime', f) <> predict_duration('runtime', f);
-- case: gbt.predict.nonnegative
SELECT min(predict_duration('runtime', f)) >= 0 FROM fv;
-- case: gbt.interval.order
SELECT count(*) = 0 FROM (SELECT predict_interval('runtime', f) AS j FROM fv WHERE id > 2400)
 WHERE NOT (json_extract(j, '$.lo') <= json_extract(j, '$.pred') AND json_extract(j, '$.pred') <= json_extract(j, '$.hi'));
-- case: gbt.interval.coverage
SELECT interval_coverage(dur, json_extract(j, '$.lo'), json_extract(j, '$.hi')) BETWEEN 0.82 AND 0.97
  FROM (SELECT dur, predict_interval('runtime', f) AS j FROM fv WHERE id > 2400);
-- case: gbt.interval.default.coverage
SELECT json_extract(predict_interval('runtime', feature_vector('threads', 4)), '$.coverage') = 0.9;
-- case: gbt.interval.wider.at.higher.coverage
SELECT json_extract(predict_interval('runtime', f, 0.98), '$.hi') - json_extract(predict_interval('runtime', f, 0.98), '$.lo')
    >= json_extract(predict_interval('runtime', f, 0.5), '$.hi') - json_extract(predict_interval('runtime', f, 0.5), '$.lo')
  FROM fv WHERE id = 2999;
-- case: gbt.quantile.monotone
SELECT predict_duration('runtime', f, 0.1) <= predict_duration('runtime', f, 0.5) AND predict_duration('runtime', f, 0.5) <= predict_duration('runtime', f, 0.9) FROM fv WHERE id = 2999;
-- case: gbt.quantile.matches.interval
SELECT predict_duration('runtime', f, 0.05) = json_extract(predict_interval('runtime', f), '$.lo') FROM fv WHERE id = 2998;
-- case: gbt.missing.feature.ok
SELECT predict_duration('runtime', feature_vector('threads', 4)) > 0;
-- case: gbt.unknown.feature.ignored
SELECT predict_duration('runtime', feature_vector('threads', 4, 'zzz', 'x')) = predict_duration('runtime', feature_vector('threads', 4));
-- case: gbt.null.equals.absent
SELECT predict_duration('runtime', feature_vector('threads', 4, 'gb', NULL)) = predict_duration('runtime', feature_vector('threads', 4));
-- case: gbt.unseen.category
SELECT predict_duration('runtime', feature_vector('threads', 4, 'gb', 10, 'host', 'never-seen')) > 0;
-- case: gbt.failure.probability
SELECT min(predict_failure('failure', f)) >= 0 AND max(predict_failure('failure', f)) <= 1 FROM fv;
-- case: gbt.failure.auc
SELECT json_extract(classification_metrics(failed, predict_failure('failure', f)), '$.auc') > 0.75 FROM fv WHERE id > 2400;
-- case: gbt.null.args
SELECT predict_duration(NULL, feature_vector('a', 1)) IS NULL AND predict_duration('runtime', NULL) IS NULL
   AND predict_interval('runtime', NULL) IS NULL AND predict_failure('failure', NULL) IS NULL AND predict(NULL, NULL) IS NULL;

-- importance
-- case: gbt.importance.rows
SELECT count(*) = 3 AND sum(splits) > 0 FROM model_importance('runtime');
-- case: gbt.importance.blob
SELECT (SELECT group_concat(feature || ':' || splits) FROM model_importance((SELECT dur_model FROM m)))
     = (SELECT group_concat(feature || ':' || splits) FROM model_importance('runtime'));
-- case: gbt.importance.null
SELECT count(*) = 0 FROM model_importance(NULL);
-- case: gbt.importance.columns
SELECT group_concat(name) = 'feature,type,gain,cover,splits,shap' FROM pragma_table_xinfo('model_importance') WHERE hidden = 0;

-- errors: options
-- case: gbt.err.option.unknown
-- error: gbt_train(): unknown option "trees"; accepted: n_trees, max_depth, learning_rate, min_child_weight, lambda, subsample, colsample, max_bins, max_cat_threshold, seed, bag, objective, loss, ratio_width, offset, aft_distribution, aft_sigma, alpha, validation_fraction, early_stopping_rounds, interval_coverage, calibration_fraction, threads, max_rows
SELECT gbt_train(f, dur, '{"trees": 10}') FROM fv;
-- case: gbt.err.option.range
-- error: gbt_train(): option max_depth must be an integer from 1 to 16
SELECT gbt_train(f, dur, '{"max_depth": 0}') FROM fv;
-- case: gbt.err.option.max_cat_threshold.zero
-- error: gbt_train(): option max_cat_threshold must be an integer from 1 to 255
SELECT gbt_train(f, dur, '{"max_cat_threshold": 0}') FROM fv;
-- case: gbt.err.option.max_cat_threshold.big
-- error: gbt_train(): option max_cat_threshold must be an integer from 1 to 255
SELECT gbt_train(f, dur, '{"max_cat_threshold": 256}') FROM fv;
-- case: gbt.option.max_cat_threshold.stored
SELECT json_extract(model_info(gbt_train(f, dur, '{"n_trees": 3, "max_cat_threshold": 5}')), '$.options.max_cat_threshold') = 5
  AND json_extract(model_info(gbt_train(f, dur, '{"n_trees": 3}')), '$.options.max_cat_threshold') = 16 FROM fv;
-- case: gbt.err.option.fraction
-- error: gbt_train(): option subsample must be a number in (0, 1]
SELECT gbt_train(f, dur, '{"subsample": 1.5}') FROM fv;
-- case: gbt.err.option.type
-- error: gbt_train(): option learning_rate must be a number in (0, 10]
SELECT gbt_train(f, dur, '{"learning_rate": "fast"}') FROM fv;
-- case: gbt.err.option.bool
-- error: gbt_train(): option n_trees must be an integer from 1 to 100000
SELECT gbt_train(f, dur, '{"n_trees": true}') FROM fv;
-- case: gbt.err.option.fractional.int
-- error: gbt_train(): option n_trees must be an integer from 1 to 100000
SELECT gbt_train(f, dur, '{"n_trees": 10.5}') FROM fv;
-- case: gbt.err.objective
-- error: gbt_train(): option objective must be 'duration', 'squared', 'quantile', 'binary' or 'aft'
SELECT gbt_train(f, dur, '{"objective": "poisson"}') FROM fv;
-- case: gbt.err.loss
-- error: gbt_train(): option loss must be 'squared', 'absolute' or 'ratio'
SELECT gbt_train(f, dur, '{"loss": "huber"}') FROM fv;
-- case: gbt.err.loss.ratio.squared
-- error: gbt_train(): option loss 'ratio' needs objective 'duration'
SELECT gbt_train(f, dur, '{"loss": "ratio", "objective": "squared"}') FROM fv;
-- case: gbt.err.loss.absolute.binary
-- error: gbt_train(): option loss 'absolute' needs objective 'duration' or 'squared'
SELECT gbt_train(f, failed, '{"loss": "absolute", "objective": "binary"}') FROM fv;
-- case: gbt.err.ratio_width
-- error: gbt_train(): option ratio_width must be a number in (0, 100]
SELECT gbt_train(f, dur, '{"loss": "ratio", "ratio_width": 0}') FROM fv;
-- case: gbt.err.offset.type
-- error: gbt_train(): option offset must be the name of a numeric feature, e.g. "last_duration"
SELECT gbt_train(f, dur, '{"offset": 3}') FROM fv;
-- case: gbt.err.offset.binary
-- error: gbt_train(): option offset does not apply to objective 'binary'
SELECT gbt_train(f, failed, '{"offset": "gb", "objective": "binary"}') FROM fv;
-- case: gbt.err.offset.unknown
-- error: gbt_train(): option offset names "last", which is not a feature of any row
SELECT gbt_train(f, dur, '{"offset": "last"}') FROM fv;
-- case: gbt.err.offset.categorical
-- error: gbt_train(): option offset names "host", a categorical feature; it must be numeric
SELECT gbt_train(f, dur, '{"offset": "host"}') FROM fv;
-- case: gbt.loss.stored
-- loss, ratio_width and offset are in the options only when set (older models' options are unchanged)
SELECT json_extract(model_info(gbt_train(f, dur, '{"n_trees": 3, "loss": "ratio", "offset": "gb"}')), '$.options') LIKE '{"objective":"duration","loss":"ratio","ratio_width":1,"offset":"gb",%'
   AND json_extract(model_info(gbt_train(f, dur, '{"n_trees": 3, "loss": "absolute"}')), '$.options.ratio_width') IS NULL
   AND json_extract(model_info(gbt_train(f, dur, '{"n_trees": 3}')), '$.options') NOT LIKE '%loss%' FROM fv;
-- case: gbt.loss.payload.version
-- every trained model is payload format 4 (node covers; gbt_codec.c)
SELECT json_extract(model_info(gbt_train(f, dur, '{"n_trees": 3}')), '$.payload_version') = 4
   AND json_extract(model_info(gbt_train(f, dur, '{"n_trees": 3, "loss": "absolute"}')), '$.payload_version') = 4
   AND json_extract(model_info(gbt_train(f, dur, '{"n_trees": 3, "offset": "gb"}')), '$.payload_version') = 4 FROM fv;
-- case: gbt.loss.absolute.median
-- one feature that never splits (min_child_weight above the row count): the prediction is the median of the targets
SELECT abs(predict_duration(gbt_train(feature_vector('k', 1), v, '{"loss": "absolute", "calibration_fraction": 0, "n_trees": 2}'), feature_vector('k', 1)) - 10) < 1e-9
  FROM (SELECT column1 AS v FROM (VALUES (1), (2), (10), (500), (1000)));
-- case: gbt.loss.ratio.mode
-- the same with loss 'ratio': the repeated value wins over the median
SELECT abs(predict_duration(gbt_train(feature_vector('k', 1), v, '{"loss": "ratio", "calibration_fraction": 0, "n_trees": 2}'), feature_vector('k', 1)) - 7) < 1e-9
  FROM (SELECT column1 AS v FROM (VALUES (7), (7), (7), (300), (900), (2000), (5000)));
-- case: gbt.offset.exact
-- targets equal to the offset feature: every prediction is that feature's value; rows without it (target 9) start from the base score (10, the mode) and one tree at learning rate 1 moves them to 9
WITH t(i, last) AS (SELECT id, CASE WHEN id % 7 = 0 THEN NULL ELSE 5 + id % 13 END FROM runs WHERE id <= 500),
     mm(model) AS (SELECT gbt_train(feature_vector('last', last, 'x', i % 3), coalesce(last, 9), '{"offset": "last", "loss": "ratio", "n_trees": 1, "learning_rate": 1}') FROM t)
SELECT abs(predict_duration(model, feature_vector('last', 12, 'x', 1)) - 12) < 1e-9
   AND abs(predict_duration(model, feature_vector('last', 17.5, 'x', 2)) - 17.5) < 1e-9
   AND abs(predict_duration(model, feature_vector('x', 2)) - 9) < 1e-9 FROM mm;
-- case: gbt.offset.deterministic
SELECT (SELECT gbt_train(f, dur, '{"n_trees": 10, "threads": 1, "offset": "gb", "loss": "ratio"}') FROM fv)
     = (SELECT gbt_train(f, dur, '{"n_trees": 10, "threads": 2, "offset": "gb", "loss": "ratio"}') FROM fv);
-- case: gbt.err.early.stopping
-- error: gbt_train(): option early_stopping_rounds needs validation_fraction > 0
SELECT gbt_train(f, dur, '{"early_stopping_rounds": 5}') FROM fv;
-- case: gbt.err.options.json
-- error: gbt_train(): options are not a JSON object (expected a JSON object); write them like '{"objective": "binary"}'
SELECT gbt_train(f, dur, '[1]') FROM fv;
-- case: gbt.err.options.nested
-- error: gbt_train(): options are not a JSON object (value of "n_trees" is an object; expected a number, string, true, false or null); write them like '{"objective": "binary"}'
SELECT gbt_train(f, dur, '{"n_trees": {"a": 1}}') FROM fv;
-- case: gbt.err.options.type
-- error: gbt_train(): options (argument 3) is INTEGER; expected a JSON object as TEXT
SELECT gbt_train(f, dur, 5) FROM fv;
-- errors: data
-- case: gbt.err.target.text
-- error: gbt_train(): target (argument 2) is TEXT; expected a number (a number stored as TEXT, e.g. by the shell's .import? CAST it AS REAL)
SELECT gbt_train(f, 'x') FROM fv;
-- case: gbt.err.target.inf
-- error: gbt_train(): target (argument 2) is not a finite number
SELECT gbt_train(f, 1e999) FROM fv;
-- case: gbt.err.target.negative
-- error: gbt_train(): target (argument 2) is -1.0; objective 'duration' needs targets >= 0
SELECT gbt_train(f, -1.0) FROM fv;
-- case: gbt.err.target.binary
-- error: gbt_train(): target (argument 2) is 2.0; objective 'binary' needs targets 0 or 1
SELECT gbt_train(f, 2, '{"objective": "binary"}') FROM fv;
-- case: gbt.err.features.type
-- error: gbt_train(): features (argument 1) is TEXT; expected a feature vector (a BLOB made by feature_vector())
SELECT gbt_train('x', 1);
-- case: gbt.err.features.corrupt
-- error: gbt_train(): not a feature vector
SELECT gbt_train(x'0102', 1);
-- case: gbt.err.type.conflict
-- error: gbt_train(): feature "a" is numeric in one row and categorical in another
SELECT gbt_train(CASE WHEN id % 2 THEN feature_vector('a', 1) ELSE feature_vector('a', 'x') END, dur) FROM fv;
-- case: gbt.err.too.few
-- error: gbt_train(): needs at least 2 rows with a target; got 1
SELECT gbt_train(f, dur) FROM fv WHERE id = 1;
-- case: gbt.err.no.features
-- error: gbt_train(): the feature vectors hold no features
SELECT gbt_train(feature_vector('{}'), dur) FROM fv;
-- errors: prediction
-- case: gbt.err.wrong.kind
-- error: predict_duration(): model is a scaler model; expected a gbt model
SELECT predict_duration(scaler_train(f), feature_vector('a', 1)) FROM fv;
-- case: gbt.err.wrong.objective
-- error: predict_duration(): model is a gbt model with objective 'binary'; expected objective 'duration', 'squared', 'quantile' or 'aft'
SELECT predict_duration('failure', feature_vector('a', 1));
-- case: gbt.err.failure.objective
-- error: predict_failure(): model is a gbt model with objective 'duration'; expected objective 'binary' (train it with '{"objective": "binary"}' on 0/1 targets)
SELECT predict_failure('runtime', feature_vector('a', 1));
-- case: gbt.err.feature.type
-- error: predict_duration(): feature "host" is numeric but the model was trained with it categorical (a number stored as TEXT is a category: CAST it AS REAL in training and prediction alike)
SELECT predict_duration('runtime', feature_vector('host', 3));
-- case: gbt.err.features.arg
-- error: predict(): features (argument 2) is TEXT; expected a feature vector (a BLOB made by feature_vector())
SELECT predict('runtime', 'x');
-- case: gbt.err.q
-- error: predict_duration(): q (argument 3) must be a number between 0 and 1 (exclusive), e.g. 0.9 for 90%
SELECT predict_duration('runtime', feature_vector('a', 1), 1.5);
-- case: gbt.err.coverage
-- error: predict_interval(): coverage (argument 3) must be a number between 0 and 1 (exclusive), e.g. 0.9 for 90%
SELECT predict_interval('runtime', feature_vector('a', 1), 90);
-- case: gbt.err.no.calibration
-- error: predict_interval(): model has no calibration residuals (trained with calibration_fraction 0 and no validation rows); quantiles and intervals are unavailable
SELECT predict_interval('sq', feature_vector('gb', 1));
-- case: gbt.err.corrupt
-- error: predict(): model checksum mismatch
SELECT predict(CAST(substr(dur_model, 1, 200) || CASE WHEN substr(dur_model, 201, 1) = x'00' THEN x'01' ELSE x'00' END || substr(dur_model, 202) AS BLOB), feature_vector('a', 1)) FROM m;
-- case: gbt.err.importance.kind
-- error: model_importance(): model is a scaler model, which has no feature importance
SELECT * FROM model_importance((SELECT scaler_train(f) FROM fv));
-- case: gbt.err.importance.missing.arg
-- error: no query solution
SELECT * FROM model_importance;
-- case: gbt.err.importance.unknown
-- error: model_importance(): no model named 'nope' in omen_models
SELECT * FROM model_importance('nope');
-- case: gbt.err.options.change
-- error: gbt_train(): options changed between rows; pass the same options on every row
SELECT gbt_train(f, dur, CASE WHEN id < 100 THEN '{"n_trees": 5}' ELSE '{"n_trees": 6}' END) FROM fv;
-- case: gbt.err.options.null.then.text
-- error: gbt_train(): options changed between rows; pass the same options on every row
SELECT gbt_train(f, dur, CASE WHEN id < 100 THEN NULL ELSE '{"n_trees": 6}' END) FROM fv;
-- case: gbt.binary.no.holdout
SELECT json_extract(model_info(fail_model), '$.metrics.calibration_rows') = 0 AND json_extract(model_info(fail_model), '$.rows_used') = 2400 FROM m;
-- case: gbt.shape.new.column
-- A feature first seen after rows of another shape moves the columns; the rows
-- of the earlier shape must still fill b (ext/gbt_train.c behaviour 10).
SELECT group_concat(feature || ':' || splits, ' ') = 'a:0 b:45' FROM model_importance((SELECT gbt_train(
  CASE WHEN id = 11 THEN feature_vector('a', 5, 'b', id % 10) ELSE feature_vector('b', id % 10) END, id % 10,
  '{"n_trees": 5, "objective": "squared", "calibration_fraction": 0}') FROM runs WHERE id <= 400));
-- case: gbt.shape.corrupt.value
-- error: gbt_train(): feature vector is corrupt (entry 1)
SELECT gbt_train(CASE WHEN id = 50 THEN CAST(substr(feature_vector('a', 1, 'b', 2), 1, 13) || x'000000000000F87F'
  || substr(feature_vector('a', 1, 'b', 2), 22) AS BLOB) ELSE feature_vector('a', 1, 'b', 2) END, dur) FROM fv;
-- case: gbt.shape.negative.zero
-- error: gbt_train(): feature vector is corrupt (entry 2)
SELECT gbt_train(CASE WHEN id = 50 THEN CAST(substr(feature_vector('a', 1, 'b', 2), 1, 26) || x'0000000000000080'
  AS BLOB) ELSE feature_vector('a', 1, 'b', 2) END, dur) FROM fv;
-- case: gbt.options.same.text
SELECT gbt_train(f, dur, CASE WHEN id < 100 THEN '{"n_trees": 5}' ELSE printf('{"n_trees": %d}', 5) END)
     = gbt_train(f, dur, '{"n_trees": 5}') FROM fv;
-- case: gbt.err.features.truncated.entry
-- error: gbt_train(): feature vector is corrupt (entry 2)
SELECT gbt_train(CASE WHEN id = 50 THEN CAST(substr(feature_vector('a', 1, 'b', 2), 1, 30) AS BLOB) ELSE feature_vector('a', 1, 'b', 2) END, dur) FROM fv;
-- max_rows (ext/gbt_train.c behaviour 12; the sample itself is checked against
-- an independent redraw in tests/gbt_sample_test.py): a sample of the rows,
-- deterministic, every row still checked, a new feature met only in a row
-- that is not kept is still in the schema.
-- case: gbt.max_rows.sample
SELECT json_extract(i, '$.rows_used') = 700 AND json_extract(i, '$.metrics.rows_read') = 3000
   AND json_extract(i, '$.options.max_rows') = 700
  FROM (SELECT model_info(gbt_train(f, dur, '{"n_trees": 10, "max_rows": 700, "subsample": 0.9}')) AS i FROM fv);
-- case: gbt.max_rows.deterministic
SELECT (SELECT gbt_train(f, dur, '{"n_trees": 10, "max_rows": 700, "threads": 1}') FROM fv)
     = (SELECT gbt_train(f, dur, '{"n_trees": 10, "max_rows": 700, "threads": 2}') FROM fv);
-- case: gbt.max_rows.all
SELECT (SELECT group_concat(round(predict_duration(x.m, f), 9)) FROM fv, (SELECT gbt_train(f, dur, '{"n_trees": 10, "max_rows": 5000}') AS m FROM fv) AS x)
     = (SELECT group_concat(round(predict_duration(x.m, f), 9)) FROM fv, (SELECT gbt_train(f, dur, '{"n_trees": 10}') AS m FROM fv) AS x);
-- case: gbt.max_rows.features
SELECT json_extract(model_info(gbt_train(CASE WHEN id = 2999 THEN feature_vector('late', 1, 'b', id % 7) ELSE feature_vector('b', id % 7) END,
         id % 7, '{"n_trees": 3, "objective": "squared", "max_rows": 20, "calibration_fraction": 0}')), '$.features')
     = '[{"name":"b","type":"numeric"},{"name":"late","type":"numeric"}]' FROM runs;
-- case: gbt.max_rows.checks.every.row
-- error: gbt_train(): feature vector is corrupt (entry 2)
SELECT gbt_train(CASE WHEN id = 2990 THEN CAST(substr(feature_vector('a', 1, 'b', 2), 1, 30) AS BLOB) ELSE feature_vector('a', 1, 'b', 2) END,
  dur, '{"max_rows": 10}') FROM fv;
-- case: gbt.max_rows.bad
-- error: gbt_train(): option max_rows must be an integer from 2 to 1099511627776
SELECT gbt_train(f, dur, '{"max_rows": 1}') FROM fv;
