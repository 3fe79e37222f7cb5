-- model_profile() and feature_drift() (ext/drift.c): the training profile every
-- training aggregate stores (envelope format 2), and PSI against it.
CREATE TABLE small(x REAL, h TEXT);
INSERT INTO small VALUES (1, 'a'), (2, 'a'), (3, 'b'), (4, NULL);
CREATE TABLE sm AS SELECT scaler_train(feature_vector('x', x, 'h', h)) AS m FROM small;

-- ------------------------------------------------------------ model_profile
-- 4 values 1..4: numpy.quantile edges 1.3, 1.6, ..., 3.7 (index 3k/10), one value in bins 0, 3, 6, 9
-- case: profile.small.edges
SELECT group_concat(printf('%.1f', hi), ' ') = '1.3 1.6 1.9 2.2 2.5 2.8 3.1 3.4 3.7 4.0'
  FROM (SELECT hi FROM sm, model_profile(sm.m) WHERE feature = 'x' AND part = 'bin' ORDER BY bin);
-- case: profile.small.fractions
SELECT group_concat(fraction, ' ') = '0.25 0.0 0.0 0.25 0.0 0.0 0.25 0.0 0.0 0.25 0.0'
  FROM (SELECT fraction FROM sm, model_profile(sm.m) WHERE feature = 'x' ORDER BY bin);
-- case: profile.small.lo.min
SELECT lo = 1 AND hi = 1.3 AND type = 'numeric' FROM sm, model_profile(sm.m) WHERE feature = 'x' AND bin = 0;
-- case: profile.small.last.bin
SELECT abs(lo - 3.7) < 1e-12 AND hi = 4 FROM sm, model_profile(sm.m) WHERE feature = 'x' AND bin = 9;
-- case: profile.small.missing.row
SELECT part = 'missing' AND lo IS NULL AND hi IS NULL AND category_hash IS NULL AND fraction = 0
  FROM sm, model_profile(sm.m) WHERE feature = 'x' AND bin = 10;
-- categories by count, then other and missing; hashes as feature_vector_json shows them
-- case: profile.small.categorical
SELECT group_concat(part || ':' || coalesce(category_hash, '-') || ':' || fraction, ' ')
     = 'category:' || json_extract(feature_vector_json(feature_vector('h', 'a')), '$.h') || ':0.5 category:'
       || json_extract(feature_vector_json(feature_vector('h', 'b')), '$.h') || ':0.25 other:-:0.0 missing:-:0.25'
  FROM (SELECT * FROM sm, model_profile(sm.m) WHERE feature = 'h' ORDER BY bin);
-- case: profile.small.columns
SELECT group_concat(name, ',') = 'feature,type,part,bin,lo,hi,category_hash,fraction'
  FROM pragma_table_info('model_profile');
-- case: profile.small.info
SELECT json_extract(model_info(m), '$.profile') = '{"rows":4,"features":2}'
   AND json_extract(model_info(m), '$.format_version') = 2 FROM sm;

-- every trainer that takes feature vectors stores one; fractions add up to 1 per feature
CREATE TABLE runs AS WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 600)
  SELECT i, feature_vector('cpu', (i * 37 % 100) / 4.0, 'threads', 1 << (i % 4),
                           'host', 'h' || (i % 13), 'gpu', CASE WHEN i % 5 = 0 THEN NULL ELSE i % 7 END) AS fv,
         10 + (i * 37 % 100) / 4.0 + (i % 13) AS y FROM s;
CREATE TABLE models AS
  SELECT 'gbt' AS k, (SELECT gbt_train(fv, y, '{"n_trees": 5}') FROM runs) AS m
  UNION ALL SELECT 'iforest', (SELECT isolation_forest_train(fv, '{"n_trees": 5, "seed": 1}') FROM runs)
  UNION ALL SELECT 'mahalanobis', (SELECT mahalanobis_train(fv) FROM runs)
  UNION ALL SELECT 'scaler', (SELECT scaler_train(fv) FROM runs);
-- case: profile.every.trainer
SELECT group_concat(k || ':' || json_extract(model_info(m), '$.profile'), ' ')
     = 'gbt:{"rows":600,"features":4} iforest:{"rows":600,"features":4} mahalanobis:{"rows":600,"features":4} scaler:{"rows":600,"features":4}'
  FROM models;
-- case: profile.every.sums
SELECT count(*) = 16 AND max(abs(s - 1)) < 1e-12
  FROM (SELECT k, feature, sum(fraction) AS s FROM models, model_profile(models.m) GROUP BY k, feature);
-- case: profile.same.for.every.trainer
SELECT count(DISTINCT p) = 1
  FROM (SELECT group_concat(feature || part || bin || quote(lo) || quote(hi) || quote(category_hash) || fraction) AS p
          FROM models, model_profile(models.m) GROUP BY k);
-- 13 hosts: the top 10 (46 rows each, then 46 46 46: ties by hash), other 3/13
-- case: profile.topk.other
SELECT count(*) = 10 AND (SELECT fraction FROM models, model_profile(models.m)
                          WHERE k = 'gbt' AND feature = 'host' AND part = 'other') = 138.0 / 600
  FROM models, model_profile(models.m) WHERE k = 'gbt' AND feature = 'host' AND part = 'category';
-- case: profile.missing.gpu
SELECT fraction = 0.2 FROM models, model_profile(models.m) WHERE k = 'scaler' AND feature = 'gpu' AND part = 'missing';
-- repeated values merge edges: threads is 1, 2, 4 or 8 (150 rows each); the
-- median interpolates between the 300th and 301st values: edges 1 2 3 4 8, six bins
-- case: profile.merged.edges
SELECT group_concat(hi, ' ') = '1.0 2.0 3.0 4.0 8.0 8.0'
  FROM (SELECT hi FROM models, model_profile(models.m) WHERE k = 'scaler' AND feature = 'threads' AND part = 'bin'
        ORDER BY bin);
-- a model saved and read back by reference (model_save stamps created_at: the profile stays valid)
-- case: profile.save
SELECT model_save('drift_gbt', m) = 1 FROM models WHERE k = 'gbt';
-- case: profile.reference
SELECT (SELECT group_concat(fraction) FROM model_profile('drift_gbt'))
     = (SELECT group_concat(fraction) FROM models, model_profile(models.m) WHERE k = 'gbt');
-- models without a profile: none written before envelope format 2, none for forecasts
-- case: profile.none.old
SELECT count(*) = 0 FROM model_profile(x'4f4d454e010001000100000000000000e300000000000000260000003d00000048000000000000000000000000000000040000000100030063707502000400686f7374010006006d656d5f67620100050071756575650600000000000000000000000000000000000000000000000000000000000000130000007b226d6574686f64223a22726f62757374227d020000007b7d0100000000000000000000000000074000000000008003400000000000000000000000000000f03f000000000000304000000000000038400000000000000840000000000000f03f0569afe324d62713');
-- case: profile.none.forecast
SELECT count(*) = 0 FROM model_profile((SELECT forecast_train(t, y) FROM
  (WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < 29) SELECT i * 60 AS t, i % 7 AS y FROM s)));
-- case: profile.null
SELECT count(*) = 0 FROM model_profile(NULL);
-- case: profile.err.int
-- error: model_profile(): model is INTEGER; expected a model BLOB or a registry name (TEXT)
SELECT * FROM model_profile(42);
-- case: profile.err.not.model
-- error: model_profile(): not an omen model
SELECT * FROM model_profile(x'00112233');
-- case: profile.err.no.reference
-- error: model_profile(): no model named 'nope' in omen_models
SELECT * FROM model_profile('nope');
-- case: profile.err.no.constraint
-- error: no query solution
SELECT * FROM model_profile;
-- a corrupt profile makes the model corrupt (checksum first, as every BLOB check)
-- case: profile.err.corrupt
-- error: model_profile(): model checksum mismatch
SELECT * FROM model_profile((SELECT CAST(substr(m, 1, 200) || x'ff' || substr(m, 202) AS BLOB) FROM sm));

-- ------------------------------------------------------------ feature_drift
-- the training rows themselves: PSI 0 for every feature (exact profile)
-- case: drift.train.zero
SELECT feature_drift(sm.m, feature_vector('x', x, 'h', h))
     = '{"rows":4,"features":{"h":0,"x":0},"max_psi":0,"drifted":[]}' FROM sm, small;
-- case: drift.train.zero.every.trainer
SELECT count(*) = 4 AND max(json_extract(d, '$.max_psi')) = 0
  FROM (SELECT k, feature_drift(models.m, runs.fv) AS d FROM models, runs GROUP BY k);
-- by hand: x = 1, 1, 1, 4 against bins 0/3/6/9 of 0.25 each:
--   (0.75 - 0.25) ln 3 + 2 (1e-4 - 0.25) ln(1e-4 / 0.25) = 4.45976434056003
-- h = a, c, c, NULL against a .5, b .25, other 0, missing .25:
--   (.25-.5)ln(.5) + (1e-4-.25)ln(1e-4/.25) + (.5-1e-4)ln(.5/1e-4) + 0 = 6.38626076964195
CREATE TABLE shifted(x REAL, h TEXT);
INSERT INTO shifted VALUES (1, 'a'), (1, 'c'), (1, 'c'), (4, NULL);
-- case: drift.hand.x
SELECT abs(json_extract(d, '$.features.x') - 4.45976434056003) <= 1e-12 * 4.45976434056003
  FROM (SELECT feature_drift(sm.m, feature_vector('x', x, 'h', h)) AS d FROM sm, shifted);
-- case: drift.hand.h
SELECT abs(json_extract(d, '$.features.h') - 6.38626076964195) <= 1e-12 * 6.38626076964195
  FROM (SELECT feature_drift(sm.m, feature_vector('x', x, 'h', h)) AS d FROM sm, shifted);
-- case: drift.hand.summary
SELECT json_extract(d, '$.rows') = 4 AND json_extract(d, '$.max_psi') = json_extract(d, '$.features.h')
   AND json_extract(d, '$.drifted') = '["h","x"]'
  FROM (SELECT feature_drift(sm.m, feature_vector('x', x, 'h', h)) AS d FROM sm, shifted);
-- a shifted population of the big table: cpu + 20 drifts, the others do not
-- case: drift.shifted.cpu
SELECT json_extract(d, '$.features.cpu') > 1 AND json_extract(d, '$.features.threads') = 0
   AND json_extract(d, '$.drifted') = '["cpu"]'
  FROM (SELECT feature_drift((SELECT m FROM models WHERE k = 'gbt'),
                             feature_vector('cpu', (i * 37 % 100) / 4.0 + 20, 'threads', 1 << (i % 4),
                                            'host', 'h' || (i % 13),
                                            'gpu', CASE WHEN i % 5 = 0 THEN NULL ELSE i % 7 END)) AS d FROM runs);
-- absent and NULL features are missing; unknown ones ignored; NULL rows skipped:
--   x: (1 - 1e-4) ln(1e4) + 4 (1e-4 - .25) ln(1e-4/.25) = 17.030335730390934
--   h: .75 ln 4 + (1e-4 - .5) ln(1e-4/.5) + (1e-4 - .25) ln(1e-4/.25) = 7.252694745341882
-- case: drift.missing.and.unknown
SELECT json_extract(d, '$.rows') = 2 AND abs(json_extract(d, '$.features.x') - 17.030335730390934) <= 1e-12 * 17.03
   AND abs(json_extract(d, '$.features.h') - 7.252694745341882) <= 1e-12 * 7.25
  FROM (SELECT feature_drift(sm.m, v) AS d
          FROM sm, (SELECT feature_vector('zz', 1) AS v UNION ALL SELECT feature_vector('x', NULL) UNION ALL SELECT NULL));
-- case: drift.no.rows
SELECT feature_drift(m, NULL) IS NULL FROM sm;
-- case: drift.empty.table
SELECT feature_drift(sm.m, fv) IS NULL FROM sm, (SELECT fv FROM runs WHERE 0);
-- case: drift.null.model.skipped
SELECT json_extract(feature_drift(CASE WHEN x > 1 THEN sm.m END, feature_vector('x', x, 'h', h)), '$.rows') = 3
  FROM sm, small;
-- case: drift.reference
SELECT feature_drift('drift_gbt', fv) = (SELECT feature_drift(m, fv) FROM models, runs WHERE k = 'gbt') FROM runs;
-- case: drift.group.by.model
SELECT group_concat(k || '=' || json_extract(d, '$.rows'), ' ') = 'gbt=600 scaler=600'
  FROM (SELECT k, feature_drift(models.m, runs.fv) AS d FROM models, runs WHERE k IN ('gbt', 'scaler') GROUP BY k ORDER BY k);
-- case: drift.err.no.profile
-- error: feature_drift(): the scaler model has no training profile (models trained before envelope format 2, and kinds trained without feature vectors, have none); retrain it to measure drift
SELECT feature_drift(x'4f4d454e010001000100000000000000e300000000000000260000003d00000048000000000000000000000000000000040000000100030063707502000400686f7374010006006d656d5f67620100050071756575650600000000000000000000000000000000000000000000000000000000000000130000007b226d6574686f64223a22726f62757374227d020000007b7d0100000000000000000000000000074000000000008003400000000000000000000000000000f03f000000000000304000000000000038400000000000000840000000000000f03f0569afe324d62713', feature_vector('x', 1));
-- case: drift.err.other.model
-- error: feature_drift(): model (argument 1) differs from the first row's; measure one model per aggregate (GROUP BY the model)
SELECT feature_drift(models.m, runs.fv) FROM models, runs WHERE k IN ('gbt', 'scaler');
-- case: drift.err.other.reference
-- error: feature_drift(): model (argument 1) differs from the first row's; measure one model per aggregate (GROUP BY the model)
SELECT feature_drift(CASE WHEN i = 1 THEN 'drift_gbt' ELSE 'drift_gbt@1' END, fv) FROM runs;
-- case: drift.err.type
-- error: feature_drift(): feature "x" is categorical in this row but numeric in the model
SELECT feature_drift(m, feature_vector('x', 'one')) FROM sm;
-- case: drift.err.features.text
-- error: feature_drift(): features (argument 2) is TEXT; expected a feature vector (a BLOB made by feature_vector())
SELECT feature_drift(m, 'x') FROM sm;
-- case: drift.err.features.corrupt
-- error: feature_drift(): not a feature vector
SELECT feature_drift(m, x'4f4d4656010001') FROM sm;
-- case: drift.err.model.int
-- error: feature_drift(): model is INTEGER; expected a model BLOB or a registry name (TEXT)
SELECT feature_drift(42, feature_vector('x', 1));
-- case: drift.err.model.fv
-- error: feature_drift(): not an omen model: it is a feature vector (the model comes first, then the features)
SELECT feature_drift(feature_vector('x', 1), feature_vector('x', 1));
-- case: drift.err.reference
-- error: feature_drift(): no model named 'nope' in omen_models
SELECT feature_drift('nope', feature_vector('x', 1));
-- case: drift.err.nargs
-- error: wrong number of arguments to function feature_drift()
SELECT feature_drift(m) FROM sm;
