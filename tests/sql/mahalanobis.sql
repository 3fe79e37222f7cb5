-- mahalanobis_train(), mahalanobis_score() and the anomaly functions on a
-- 'mahalanobis' model: docs/mahalanobis_train.md, docs/mahalanobis_score.md;
-- numerics ext/core/robust/mah.h (checked against scikit-learn in
-- mahalanobis_sklearn.sql).
CREATE TABLE r(id INTEGER PRIMARY KEY, a REAL, b REAL, c REAL, h TEXT);
INSERT INTO r(a, b, c, h) VALUES
  (1, 2, 3, 'x'), (2, 3.5, 2, 'y'), (3, 3, 4, 'x'), (4, 5.5, 3, 'y'),
  (5, 5, 6, 'x'), (6, 7.5, 4, 'y'), (7, 6.5, 8, 'x'), (8, 9, 5, 'y');
CREATE TABLE m AS SELECT mahalanobis_train(feature_vector('a', a, 'b', b, 'c', c, 'h', h)) AS m FROM r;
-- the same three numeric columns without the category
CREATE TABLE m3 AS SELECT mahalanobis_train(feature_vector('a', a, 'b', b, 'c', c)) AS m FROM r;
-- a and b only: the marginal model of (a, b)
CREATE TABLE m2 AS SELECT mahalanobis_train(feature_vector('a', a, 'b', b)) AS m FROM r;

-- ------------------------------------------------------------ training
-- case: mahalanobis.train.type
SELECT typeof(m) = 'blob' AND json_extract(model_info(m), '$.kind') = 'mahalanobis'
   AND json_extract(model_info(m), '$.payload_version') = 1 FROM m;
-- case: mahalanobis.train.info
SELECT json_extract(i, '$.rows_used') = 8 AND json_extract(i, '$.rows_skipped') = 0
   AND json_extract(i, '$.features') = '[{"name":"a","type":"numeric"},{"name":"b","type":"numeric"},{"name":"c","type":"numeric"},{"name":"h","type":"categorical"}]'
   AND json_extract(i, '$.options') = '{"method":"empirical","contamination":0.01,"seed":0}'
   AND json_extract(i, '$.metrics.ignored_features') = 1 AND json_extract(i, '$.metrics.numeric_features') = 3
   AND json_extract(i, '$.detail.method') = 'empirical' AND json_extract(i, '$.detail.rank') = 3
   AND json_extract(i, '$.detail.cholesky') = 1 AND json_extract(i, '$.detail.constant_features') = 0
   AND json_extract(i, '$.detail.rows') = 8 AND json_extract(i, '$.detail.contamination') = 0.01
   AND abs(json_extract(i, '$.detail.threshold') - 3.3682141752187276) < 1e-15
  FROM (SELECT model_info(m) AS i FROM m);
-- case: mahalanobis.train.detail.keys
SELECT (SELECT group_concat(key, ',') FROM json_each(json_extract(model_info(m), '$.detail')))
       = 'method,numeric_features,constant_features,rank,cholesky,contamination,threshold,rows' FROM m;
-- the category changes nothing about the numbers
-- case: mahalanobis.train.categorical.ignored
SELECT mahalanobis_score(m.m, fv) = mahalanobis_score(m3.m, fv)
   AND mahalanobis_score(m.m, fv) = mahalanobis_score(m.m, feature_vector('a', 2, 'b', 7, 'c', 1, 'h', 'never seen'))
  FROM m, m3, (SELECT feature_vector('a', 2, 'b', 7, 'c', 1) AS fv);
-- threshold = sqrt(chi2.isf(contamination, rank)): scipy's 7.814727903251178 for 0.05 and 3
-- case: mahalanobis.train.contamination
SELECT abs(json_extract(model_info(mahalanobis_train(feature_vector('a', a, 'b', b, 'c', c), '{"contamination": 0.05}')),
                        '$.detail.threshold') - sqrt(7.814727903251178)) < 1e-14 FROM r;
-- case: mahalanobis.train.options.null
SELECT mahalanobis_train(feature_vector('a', a, 'b', b), NULL) = mahalanobis_train(feature_vector('a', a, 'b', b)) FROM r;
-- case: mahalanobis.train.options.stored.mcd
SELECT json_extract(model_info(mahalanobis_train(feature_vector('a', a, 'b', b), '{"method": "mcd", "seed": 7}')), '$.options')
       = '{"method":"mcd","contamination":0.01,"support_fraction":null,"max_rows":100000,"seed":7}' FROM r;
-- case: mahalanobis.train.ledoit_wolf.p1
SELECT json_extract(model_info(mahalanobis_train(feature_vector('a', a), '{"method": "ledoit_wolf"}')), '$.detail.shrinkage') = 0
  FROM r;
-- case: mahalanobis.train.ledoit_wolf.keys
SELECT json_extract(i, '$.detail.shrinkage') > 0 AND json_extract(i, '$.detail.shrinkage') < 1
   AND json_extract(i, '$.options') = '{"method":"ledoit_wolf","contamination":0.01,"seed":0}'
  FROM (SELECT model_info(mahalanobis_train(feature_vector('a', a, 'b', b, 'c', c), '{"method": "ledoit_wolf"}')) AS i FROM r);
-- max_rows below the row count: MCD fits a sample of that many rows
-- case: mahalanobis.train.mcd.sample
SELECT json_extract(i, '$.rows_used') = 8 AND json_extract(i, '$.detail.sample_rows') = 5
   AND json_extract(i, '$.detail.raw_support') = 5 AND json_extract(i, '$.detail.rows') <= 5
  FROM (SELECT model_info(mahalanobis_train(feature_vector('a', a, 'b', b, 'c', c), '{"method": "mcd", "max_rows": 5}')) AS i FROM r);
-- case: mahalanobis.train.group.by
SELECT group_concat(g || ':' || json_extract(model_info(mm), '$.rows_used'), ' ') = '0:4 1:4'
  FROM (SELECT id % 2 AS g, mahalanobis_train(feature_vector('a', a, 'b', b)) AS mm FROM r GROUP BY g ORDER BY g);

-- ------------------------------------------------------------ determinism
-- case: mahalanobis.deterministic.same.rows
SELECT (SELECT mahalanobis_train(feature_vector('a', a, 'b', b, 'c', c)) FROM r)
     = (SELECT mahalanobis_train(feature_vector('a', a, 'b', b, 'c', c)) FROM r);
-- case: mahalanobis.deterministic.mcd.seed
SELECT (SELECT mahalanobis_train(feature_vector('a', a, 'b', b, 'c', c), '{"method": "mcd", "seed": 42}') FROM r)
     = (SELECT mahalanobis_train(feature_vector('a', a, 'b', b, 'c', c), '{"method": "mcd", "seed": 42}') FROM r);
-- case: mahalanobis.deterministic.mcd.sample.seed
SELECT (SELECT mahalanobis_train(feature_vector('a', a, 'b', b), '{"method": "mcd", "max_rows": 6, "seed": 3}') FROM r)
     = (SELECT mahalanobis_train(feature_vector('a', a, 'b', b), '{"method": "mcd", "max_rows": 6, "seed": 3}') FROM r);
-- the seed is stored in the envelope
-- case: mahalanobis.deterministic.seed.stored
SELECT json_extract(model_info(mahalanobis_train(feature_vector('a', a, 'b', b), '{"method": "mcd", "seed": 42}')), '$.seed') = 42
  FROM r;

-- ------------------------------------------------------------ NULLs, skipped rows, schema
-- case: mahalanobis.empty
SELECT mahalanobis_train(feature_vector('a', a)) IS NULL FROM r WHERE 0;
-- case: mahalanobis.only.null.rows
SELECT mahalanobis_train(NULL) IS NULL FROM r;
-- a NULL row and a row lacking b are skipped and counted
-- case: mahalanobis.rows.skipped
SELECT json_extract(i, '$.rows_used') = 6 AND json_extract(i, '$.rows_skipped') = 2
   AND json_extract(i, '$.metrics.rows_used') = 6
  FROM (SELECT model_info(mahalanobis_train(CASE id WHEN 2 THEN feature_vector('a', a) WHEN 3 THEN NULL
                                                      ELSE feature_vector('a', a, 'b', b) END)) AS i FROM r);
-- a NULL value is missing too
-- case: mahalanobis.rows.skipped.null.value
SELECT json_extract(model_info(mahalanobis_train(feature_vector('a', a, 'b', CASE WHEN id = 4 THEN NULL ELSE b END))),
                    '$.rows_skipped') = 1 FROM r;
-- the skipped rows leave the fit as if they were not there
-- case: mahalanobis.rows.skipped.same.fit
SELECT (SELECT mahalanobis_score(mahalanobis_train(CASE WHEN id = 4 THEN feature_vector('a', a) ELSE feature_vector('a', a, 'b', b) END),
                                 feature_vector('a', 3, 'b', 3)) FROM r)
     = (SELECT mahalanobis_score(mahalanobis_train(feature_vector('a', a, 'b', b)), feature_vector('a', 3, 'b', 3)) FROM r WHERE id <> 4);
-- the first row's NULL value makes it incomplete, not the schema smaller
-- case: mahalanobis.first.row.null.value
SELECT json_extract(i, '$.features') = '[{"name":"a","type":"numeric"},{"name":"b","type":"numeric"}]'
   AND json_extract(i, '$.rows_skipped') = 1
  FROM (SELECT model_info(mahalanobis_train(feature_vector('a', a, 'b', CASE WHEN id = 1 THEN NULL ELSE b END))) AS i
          FROM (SELECT * FROM r ORDER BY id));
-- case: mahalanobis.all.incomplete
-- error: mahalanobis_train(): no complete row: each of the 8 rows has a missing numeric feature
SELECT mahalanobis_train(feature_vector('a', a, 'b', NULL)) FROM r;
-- case: mahalanobis.only.categorical
-- error: mahalanobis_train(): no numeric feature: the Mahalanobis distance needs at least one
SELECT mahalanobis_train(feature_vector('h', h)) FROM r;
-- case: mahalanobis.new.feature
-- error: mahalanobis_train(): feature "c" is not among the first row's features; the first feature vector fixes the model's features (give every row the same names, NULL where a value is unknown)
SELECT mahalanobis_train(CASE WHEN id = 1 THEN feature_vector('a', a, 'b', b) ELSE feature_vector('a', a, 'b', b, 'c', c) END)
  FROM (SELECT * FROM r ORDER BY id);
-- case: mahalanobis.type.changed
-- error: mahalanobis_train(): feature "h" is categorical in one row and numeric in another
SELECT mahalanobis_train(CASE WHEN id = 1 THEN feature_vector('a', a, 'h', h) ELSE feature_vector('a', a, 'h', id) END)
  FROM (SELECT * FROM r ORDER BY id);
-- case: mahalanobis.first.vector.empty
-- error: mahalanobis_train(): the first feature vector is empty; it fixes the model's features
SELECT mahalanobis_train(feature_vector('{}')) FROM r;
-- case: mahalanobis.features.text
-- error: mahalanobis_train(): features (argument 1) is TEXT; expected a feature vector (a BLOB made by feature_vector())
SELECT mahalanobis_train('a=1') FROM r;
-- case: mahalanobis.features.integer
-- error: mahalanobis_train(): features (argument 1) is INTEGER; expected a feature vector (a BLOB made by feature_vector())
SELECT mahalanobis_train(id) FROM r;
-- case: mahalanobis.features.real
-- error: mahalanobis_train(): features (argument 1) is REAL; expected a feature vector (a BLOB made by feature_vector())
SELECT mahalanobis_train(1.5) FROM r;
-- case: mahalanobis.features.bad.blob
-- error: mahalanobis_train(): not a feature vector
SELECT mahalanobis_train(x'00112233') FROM r;
-- case: mahalanobis.huge.values
-- error: mahalanobis_train(): numeric feature 1 (schema position 1) has values too large for a covariance (spread beyond about 1e150); rescale the feature
SELECT mahalanobis_train(feature_vector('a', a * 1e200, 'b', b)) FROM r;
-- case: mahalanobis.tiny.spread
-- error: mahalanobis_train(): numeric feature 2 (schema position 2) has a spread too small to square (below about 1e-150); rescale the feature
SELECT mahalanobis_train(feature_vector('a', a, 'b', b * 1e-200)) FROM r;
-- case: mahalanobis.window
-- error: mahalanobis_train() may not be used as a window function
SELECT mahalanobis_train(feature_vector('a', a)) OVER () FROM r;

-- ------------------------------------------------------------ options
-- case: mahalanobis.options.unknown
-- error: mahalanobis_train(): unknown option "metod"; accepted: method, contamination, support_fraction, max_rows, seed
SELECT mahalanobis_train(feature_vector('a', a), '{"metod": "mcd"}') FROM r;
-- case: mahalanobis.options.method
-- error: mahalanobis_train(): option method must be 'empirical', 'ledoit_wolf' or 'mcd'
SELECT mahalanobis_train(feature_vector('a', a), '{"method": "robust"}') FROM r;
-- case: mahalanobis.options.method.type
-- error: mahalanobis_train(): option method must be 'empirical', 'ledoit_wolf' or 'mcd'
SELECT mahalanobis_train(feature_vector('a', a), '{"method": 2}') FROM r;
-- case: mahalanobis.options.contamination.zero
-- error: mahalanobis_train(): option contamination must be a number in (0, 0.5]
SELECT mahalanobis_train(feature_vector('a', a), '{"contamination": 0}') FROM r;
-- case: mahalanobis.options.contamination.big
-- error: mahalanobis_train(): option contamination must be a number in (0, 0.5]
SELECT mahalanobis_train(feature_vector('a', a), '{"contamination": 0.6}') FROM r;
-- case: mahalanobis.options.contamination.string
-- error: mahalanobis_train(): option contamination must be a number in (0, 0.5]
SELECT mahalanobis_train(feature_vector('a', a), '{"contamination": "0.1"}') FROM r;
-- case: mahalanobis.options.support_fraction
-- error: mahalanobis_train(): option support_fraction must be a number in (0, 1]
SELECT mahalanobis_train(feature_vector('a', a), '{"method": "mcd", "support_fraction": 1.5}') FROM r;
-- case: mahalanobis.options.max_rows.zero
-- error: mahalanobis_train(): option max_rows must be an integer in [1, 100000000]
SELECT mahalanobis_train(feature_vector('a', a), '{"max_rows": 0}') FROM r;
-- case: mahalanobis.options.max_rows.fraction
-- error: mahalanobis_train(): option max_rows must be an integer in [1, 100000000]
SELECT mahalanobis_train(feature_vector('a', a), '{"max_rows": 2.5}') FROM r;
-- case: mahalanobis.options.max_rows.times.p
-- error: mahalanobis_train(): option max_rows times the 2 numeric features must be at most 134217728
SELECT mahalanobis_train(feature_vector('a', a, 'b', b), '{"method": "mcd", "max_rows": 100000000}') FROM r;
-- case: mahalanobis.options.seed.negative
-- error: mahalanobis_train(): option seed must be an integer in [0, 2^53]
SELECT mahalanobis_train(feature_vector('a', a), '{"seed": -1}') FROM r;
-- case: mahalanobis.options.seed.bool
-- error: mahalanobis_train(): option seed must be an integer in [0, 2^53]
SELECT mahalanobis_train(feature_vector('a', a), '{"seed": true}') FROM r;
-- case: mahalanobis.options.not.json
-- error: mahalanobis_train(): options are not a JSON object (expected a JSON object); write them like '{"method": "mcd"}'
SELECT mahalanobis_train(feature_vector('a', a), 'mcd') FROM r;
-- case: mahalanobis.options.array
-- error: mahalanobis_train(): options are not a JSON object (expected a JSON object); write them like '{"method": "mcd"}'
SELECT mahalanobis_train(feature_vector('a', a), '[1]') FROM r;
-- case: mahalanobis.options.integer
-- error: mahalanobis_train(): options (argument 2) is INTEGER; expected a JSON object as TEXT
SELECT mahalanobis_train(feature_vector('a', a), 5) FROM r;
-- case: mahalanobis.options.blob
-- error: mahalanobis_train(): options (argument 2) is BLOB; expected a JSON object as TEXT
SELECT mahalanobis_train(feature_vector('a', a), x'7b7d') FROM r;
-- case: mahalanobis.options.changed
-- error: mahalanobis_train(): options changed between rows; pass the same options on every row
SELECT mahalanobis_train(feature_vector('a', a), CASE WHEN id < 3 THEN '{"method": "mcd"}' ELSE '{"method": "ledoit_wolf"}' END)
  FROM (SELECT * FROM r ORDER BY id);
-- case: mahalanobis.options.changed.to.null
-- error: mahalanobis_train(): options changed between rows; pass the same options on every row
SELECT mahalanobis_train(feature_vector('a', a), CASE WHEN id < 3 THEN '{"method": "mcd"}' END)
  FROM (SELECT * FROM r ORDER BY id);
-- case: mahalanobis.options.changed.from.null
-- error: mahalanobis_train(): options changed between rows; pass the same options on every row
SELECT mahalanobis_train(feature_vector('a', a), CASE WHEN id = 3 THEN '{"method": "mcd"}' END)
  FROM (SELECT * FROM r ORDER BY id);
-- the same text on every row is fine, whatever its spelling
-- case: mahalanobis.options.same
SELECT mahalanobis_train(feature_vector('a', a), ' { "method" : "empirical" } ') = mahalanobis_train(feature_vector('a', a)) FROM r;

-- ------------------------------------------------------------ scoring
-- the mean of the training rows is at distance 0
-- case: mahalanobis.score.mean
SELECT abs(mahalanobis_score(m, feature_vector('a', 4.5, 'b', 5.25, 'c', 4.375))) < 1e-12 FROM m;
-- one feature: d = |x - mean| / sd (population sd of 1..8 = sqrt(5.25))
-- case: mahalanobis.score.p1
SELECT abs(mahalanobis_score(mahalanobis_train(feature_vector('a', a)), feature_vector('a', 10)) - 5.5 / sqrt(5.25)) < 1e-14
  FROM r;
-- scoring ignores extra features and matches by name in any order
-- case: mahalanobis.score.extra.features
SELECT mahalanobis_score(m, feature_vector('zz', 1, 'c', 1, 'b', 7, 'a', 2)) = mahalanobis_score(m, feature_vector('a', 2, 'b', 7, 'c', 1))
  FROM m;
-- mahalanobis_score is d; anomaly_report's distance is the same d, and d^2 = the sum of the contributions
-- case: mahalanobis.score.report.distance
SELECT json_extract(anomaly_report(m, fv), '$.distance') = mahalanobis_score(m, fv)
   AND anomaly_score(m, fv) = mahalanobis_score(m, fv)
  FROM m, (SELECT feature_vector('a', 2, 'b', 7, 'c', 1) AS fv);
-- case: mahalanobis.score.report.keys
SELECT (SELECT group_concat(key, ',') FROM json_each(anomaly_report(m, feature_vector('a', 2, 'b', 7, 'c', 1))))
       = 'kind,score,threshold,is_anomaly,distance,p_value,df,outside,top_features' FROM m;
-- is_anomaly is d > threshold for a complete row
-- case: mahalanobis.score.is_anomaly
SELECT is_anomaly(m, feature_vector('a', 2, 'b', 7, 'c', 1)) = (mahalanobis_score(m, feature_vector('a', 2, 'b', 7, 'c', 1)) > 3.3682141752187276)
   AND is_anomaly(m, feature_vector('a', 4, 'b', 5, 'c', 4)) = 0
   AND is_anomaly(m, feature_vector('a', 1, 'b', 9, 'c', 4)) = 1
  FROM m;
-- case: mahalanobis.score.null
SELECT mahalanobis_score(m, NULL) IS NULL AND mahalanobis_score(NULL, feature_vector('a', 1)) IS NULL
   AND mahalanobis_score(NULL, NULL) IS NULL FROM m;
-- a deviation that overflows is +Inf, an anomaly with p_value 0
-- case: mahalanobis.score.overflow
SELECT mahalanobis_score(m, fv) = 9e999 AND json_extract(anomaly_report(m, fv), '$.p_value') = 0
   AND is_anomaly(m, fv) = 1
  FROM m, (SELECT feature_vector('a', 1e300, 'b', 1, 'c', 1) AS fv);

-- ------------------------------------------------------------ missing features at scoring
-- c missing: d is the distance of (a, b) under their marginal, i.e. the (a, b) model's
-- case: mahalanobis.missing.marginal
SELECT abs(mahalanobis_score(m.m, feature_vector('a', 2, 'b', 7)) - mahalanobis_score(m2.m, feature_vector('a', 2, 'b', 7)))
       <= 1e-12 * mahalanobis_score(m2.m, feature_vector('a', 2, 'b', 7))
  FROM m, m2;
-- present as NULL = absent
-- case: mahalanobis.missing.null.value
SELECT mahalanobis_score(m, feature_vector('a', 2, 'b', 7, 'c', NULL)) = mahalanobis_score(m, feature_vector('a', 2, 'b', 7)) FROM m;
-- df = 2 observed features; chi-square with 2 df: p = exp(-d^2/2)
-- case: mahalanobis.missing.p_value
SELECT json_extract(r, '$.df') = 2 AND abs(json_extract(r, '$.p_value') - exp(-d * d / 2)) <= 1e-12 * exp(-d * d / 2)
   AND json_extract(r, '$.distance') = d
  FROM (SELECT mahalanobis_score(m, fv) AS d, anomaly_report(m, fv) AS r
          FROM m, (SELECT feature_vector('a', 2, 'b', 7) AS fv));
-- anomaly_score is the complete-row distance of the same p-value, so it is
-- above the threshold exactly when p < contamination
-- case: mahalanobis.missing.anomaly_score
SELECT anomaly_score(m, fv) > mahalanobis_score(m, fv)
   AND is_anomaly(m, fv) = (json_extract(anomaly_report(m, fv), '$.p_value') < 0.01)
   AND json_extract(anomaly_report(m, fv), '$.score') = anomaly_score(m, fv)
  FROM m, (SELECT feature_vector('a', 2, 'b', 7) AS fv);
-- p = exp(-d^2/2) < 0.01 beyond d = sqrt(2 ln 100) = 3.0349: flagged with 2 df
-- case: mahalanobis.missing.flagged
SELECT json_extract(anomaly_report(m, fv), '$.p_value') < 0.01 AND is_anomaly(m, fv) = 1
   AND anomaly_score(m, fv) > 3.3682141752187276
  FROM m, (SELECT feature_vector('a', 1, 'b', 9) AS fv);
-- case: mahalanobis.missing.not.flagged
SELECT json_extract(anomaly_report(m, fv), '$.p_value') > 0.01 AND is_anomaly(m, fv) = 0
  FROM m, (SELECT feature_vector('a', 3, 'b', 3) AS fv);
-- every numeric feature missing (but named): d = 0, p = 1, df = 0
-- case: mahalanobis.missing.all
SELECT mahalanobis_score(m, fv) = 0 AND json_extract(anomaly_report(m, fv), '$.p_value') = 1
   AND json_extract(anomaly_report(m, fv), '$.df') = 0 AND is_anomaly(m, fv) = 0
  FROM m, (SELECT feature_vector('a', NULL, 'h', 'x') AS fv);
-- case: mahalanobis.missing.none.named
-- error: mahalanobis_score(): none of the model's 4 features (a, b, c, h) is in the feature vector; check the names (they are case-sensitive)
SELECT mahalanobis_score(m, feature_vector('A', 1)) FROM m;
-- case: mahalanobis.missing.only.feature
-- error: mahalanobis_score(): the model's only feature (a) is not in the feature vector; check the name (it is case-sensitive)
SELECT mahalanobis_score(mahalanobis_train(feature_vector('a', a)), feature_vector('b', 1)) FROM r;
-- case: mahalanobis.score.features.text
-- error: mahalanobis_score(): features (argument 2) is TEXT; expected a feature vector (a BLOB made by feature_vector())
SELECT mahalanobis_score(m, 'a=1') FROM m;
-- case: mahalanobis.score.type.changed
-- error: mahalanobis_score(): feature "a" is categorical but the model was trained with it numeric (a number stored as TEXT is a category: CAST it AS REAL in training and prediction alike)
SELECT mahalanobis_score(m, feature_vector('a', '2')) FROM m;
-- case: mahalanobis.score.type.changed.categorical
-- error: mahalanobis_score(): feature "h" is numeric but the model was trained with it categorical (a number stored as TEXT is a category: CAST it AS REAL in training and prediction alike)
SELECT mahalanobis_score(m, feature_vector('a', 2, 'h', 3)) FROM m;

-- ------------------------------------------------------------ small n, constant and collinear columns
-- one row: every feature constant, rank 0; the row itself is normal, any other value is outside
CREATE TABLE one AS SELECT mahalanobis_train(feature_vector('a', 3, 'b', 4)) AS m;
-- case: mahalanobis.one.row.info
SELECT json_extract(i, '$.detail.rank') = 0 AND json_extract(i, '$.detail.constant_features') = 2
   AND json_type(i, '$.detail.threshold') = 'null' AND json_extract(i, '$.rows_used') = 1
  FROM (SELECT model_info(m) AS i FROM one);
-- case: mahalanobis.one.row.same
SELECT mahalanobis_score(m, fv) = 0 AND anomaly_score(m, fv) = 0 AND is_anomaly(m, fv) = 0
   AND json_extract(anomaly_report(m, fv), '$.outside') = 0
  FROM one, (SELECT feature_vector('a', 3, 'b', 4) AS fv);
-- case: mahalanobis.one.row.other
SELECT mahalanobis_score(m, fv) = 0 AND anomaly_score(m, fv) = 9e999 AND is_anomaly(m, fv) = 1
   AND json_extract(anomaly_report(m, fv), '$.outside') = 1 AND json_extract(anomaly_report(m, fv), '$.is_anomaly') = 1
  FROM one, (SELECT feature_vector('a', 3, 'b', 4.5) AS fv);
-- n <= p: two rows, three features: rank 1; both rows are at distance 1 (MLE covariance)
CREATE TABLE two AS SELECT mahalanobis_train(fv) AS m
  FROM (SELECT feature_vector('a', 1, 'b', 2, 'c', 3) AS fv UNION ALL SELECT feature_vector('a', 2, 'b', 5, 'c', 1));
-- case: mahalanobis.n.le.p.info
SELECT json_extract(model_info(m), '$.detail.rank') = 1 AND json_extract(model_info(m), '$.detail.cholesky') = 0 FROM two;
-- case: mahalanobis.n.le.p.training.rows
SELECT abs(mahalanobis_score(m, feature_vector('a', 1, 'b', 2, 'c', 3)) - 1) < 1e-12
   AND abs(mahalanobis_score(m, feature_vector('a', 2, 'b', 5, 'c', 1)) - 1) < 1e-12
   AND json_extract(anomaly_report(m, feature_vector('a', 1, 'b', 2, 'c', 3)), '$.df') = 1
  FROM two;
-- on the line through the two rows, 3 half-gaps from the mean: d = 3, inside
-- case: mahalanobis.n.le.p.on.line
SELECT abs(mahalanobis_score(m, feature_vector('a', 3, 'b', 8, 'c', -1)) - 3) < 1e-12
   AND json_extract(anomaly_report(m, feature_vector('a', 3, 'b', 8, 'c', -1)), '$.outside') = 0
  FROM two;
-- case: mahalanobis.n.le.p.off.line
SELECT json_extract(anomaly_report(m, fv), '$.outside') = 1 AND is_anomaly(m, fv) = 1 AND anomaly_score(m, fv) = 9e999
  FROM two, (SELECT feature_vector('a', 1.5, 'b', 3.5, 'c', 3) AS fv);
-- a constant column c = 5
CREATE TABLE kc AS SELECT mahalanobis_train(feature_vector('a', a, 'b', b, 'c', 5)) AS m FROM r;
-- case: mahalanobis.constant.info
SELECT json_extract(model_info(m), '$.detail.constant_features') = 1 AND json_extract(model_info(m), '$.detail.rank') = 2
   AND abs(json_extract(model_info(m), '$.detail.threshold') - sqrt(-2 * ln(0.01))) < 1e-12
  FROM kc;
-- c at its value: scored on a and b alone (the (a, b) model's distance), not flagged
-- case: mahalanobis.constant.unmoved
SELECT abs(mahalanobis_score(kc.m, feature_vector('a', 3, 'b', 3, 'c', 5)) - mahalanobis_score(m2.m, feature_vector('a', 3, 'b', 3))) < 1e-12
   AND is_anomaly(kc.m, feature_vector('a', 3, 'b', 3, 'c', 5)) = 0
  FROM kc, m2;
-- a row that moves c: outside the training subspace, an anomaly whatever its distance
-- case: mahalanobis.constant.moved
SELECT is_anomaly(m, fv) = 1 AND anomaly_score(m, fv) = 9e999
   AND json_extract(anomaly_report(m, fv), '$.outside') = 1 AND json_extract(anomaly_report(m, fv), '$.is_anomaly') = 1
   AND json_extract(anomaly_report(m, fv), '$.p_value') > 0.01
  FROM kc, (SELECT feature_vector('a', 3, 'b', 3, 'c', 5.001) AS fv);
-- anomaly_explain names it: deviation +Inf, contribution 0 (it is not part of d^2)
-- case: mahalanobis.constant.explain
SELECT deviation = 9e999 AND contribution = 0 AND expected_lo = 5 AND expected_hi = 5
  FROM kc, anomaly_explain(kc.m, feature_vector('a', 3, 'b', 3, 'c', 5.001)) WHERE feature = 'c';
-- ledoit_wolf gives the constant column the shrinkage target's variance: full rank, not outside
-- case: mahalanobis.constant.ledoit_wolf
SELECT json_extract(model_info(m), '$.detail.rank') = 3 AND json_extract(model_info(m), '$.detail.constant_features') = 0
   AND json_extract(anomaly_report(m, feature_vector('a', 3, 'b', 3, 'c', 5.001)), '$.outside') = 0
  FROM (SELECT mahalanobis_train(feature_vector('a', a, 'b', b, 'c', 5), '{"method": "ledoit_wolf"}') AS m FROM r);
-- c = a + b exactly: rank 2 (pseudo-inverse); a row that breaks the relation is outside
CREATE TABLE kl AS SELECT mahalanobis_train(feature_vector('a', a, 'b', b, 'c', a + b)) AS m FROM r;
-- case: mahalanobis.collinear.info
SELECT json_extract(model_info(m), '$.detail.rank') = 2 AND json_extract(model_info(m), '$.detail.cholesky') = 0 FROM kl;
-- case: mahalanobis.collinear.inside
SELECT abs(mahalanobis_score(kl.m, feature_vector('a', 3, 'b', 3, 'c', 6)) - mahalanobis_score(m2.m, feature_vector('a', 3, 'b', 3))) < 1e-9
   AND json_extract(anomaly_report(kl.m, feature_vector('a', 3, 'b', 3, 'c', 6)), '$.df') = 2
   AND is_anomaly(kl.m, feature_vector('a', 3, 'b', 3, 'c', 6)) = 0
  FROM kl, m2;
-- case: mahalanobis.collinear.outside
SELECT json_extract(anomaly_report(m, fv), '$.outside') = 1 AND is_anomaly(m, fv) = 1
  FROM kl, (SELECT feature_vector('a', 3, 'b', 3, 'c', 7) AS fv);
-- missing c: determined by a and b, so the same distance with df 2; missing b: likewise from a and c
-- case: mahalanobis.collinear.missing
SELECT abs(mahalanobis_score(m, feature_vector('a', 3, 'b', 3)) - mahalanobis_score(m, feature_vector('a', 3, 'b', 3, 'c', 6))) < 1e-9
   AND abs(mahalanobis_score(m, feature_vector('a', 3, 'c', 6)) - mahalanobis_score(m, feature_vector('a', 3, 'b', 3, 'c', 6))) < 1e-9
   AND json_extract(anomaly_report(m, feature_vector('a', 3, 'b', 3)), '$.df') = 2
   AND json_extract(anomaly_report(m, feature_vector('c', 6)), '$.df') = 1
  FROM kl;
-- the contributions still sum to d^2 (here the completed feature carries part of it)
-- case: mahalanobis.collinear.missing.explain
SELECT abs(sum(x.contribution) - d * d) <= 1e-9 * d * d
  FROM kl, (SELECT mahalanobis_score(m, feature_vector('a', 3, 'b', 3)) AS d FROM kl),
       anomaly_explain(kl.m, feature_vector('a', 3, 'b', 3)) AS x;
-- MCD exact fit: 6 of 8 rows identical, so the MCD subset has covariance 0:
-- rank 0, and the two other training rows are outside
-- case: mahalanobis.mcd.exact.fit
SELECT json_extract(model_info(m), '$.detail.rank') = 0 AND json_extract(model_info(m), '$.detail.rows') = 6
   AND is_anomaly(m, feature_vector('a', 1, 'b', 2)) = 0 AND is_anomaly(m, feature_vector('a', 8, 'b', 9)) = 1
  FROM (SELECT mahalanobis_train(feature_vector('a', CASE WHEN id < 7 THEN 1 ELSE a END, 'b', CASE WHEN id < 7 THEN 2 ELSE b END),
                                 '{"method": "mcd"}') AS m FROM r);

-- ------------------------------------------------------------ anomaly_explain
-- one row per schema feature; the contributions sum to d^2
-- case: mahalanobis.explain.rows
SELECT count(*) = 4 AND group_concat(feature, ',') = 'a,b,c,h' FROM m, anomaly_explain(m.m, feature_vector('a', 1, 'b', 9, 'c', 4));
-- case: mahalanobis.explain.sum
SELECT abs(sum(x.contribution) - d * d) <= 1e-9 * d * d
  FROM m, (SELECT mahalanobis_score(m, feature_vector('a', 1, 'b', 9, 'c', 4)) AS d FROM m),
       anomaly_explain(m.m, feature_vector('a', 1, 'b', 9, 'c', 4)) AS x;
-- case: mahalanobis.explain.sum.far
SELECT abs(sum(x.contribution) - d * d) <= 1e-9 * d * d
  FROM m, (SELECT mahalanobis_score(m, feature_vector('a', 40, 'b', -3, 'c', 0.5)) AS d FROM m),
       anomaly_explain(m.m, feature_vector('a', 40, 'b', -3, 'c', 0.5)) AS x;
-- with a missing feature the sum is the marginal d^2 (the missing one contributes 0)
-- case: mahalanobis.explain.sum.missing
SELECT abs(sum(x.contribution) - d * d) <= 1e-9 * d * d
   AND (SELECT contribution FROM anomaly_explain(m.m, feature_vector('a', 1, 'b', 9)) WHERE feature = 'c') = 0
  FROM m, (SELECT mahalanobis_score(m, feature_vector('a', 1, 'b', 9)) AS d FROM m),
       anomaly_explain(m.m, feature_vector('a', 1, 'b', 9)) AS x;
-- deviation = (x - mean)/sd; range = mean -/+ 2.5758 sd (contamination 0.01); the category: no range, contribution 0
-- case: mahalanobis.explain.columns
SELECT abs(deviation - (10 - 4.5) / sqrt(5.25)) < 1e-12
   AND abs(expected_lo - (4.5 - 2.5758293035489004 * sqrt(5.25))) < 1e-12
   AND abs(expected_hi - (4.5 + 2.5758293035489004 * sqrt(5.25))) < 1e-12 AND status = 'used'
  FROM m, anomaly_explain(m.m, feature_vector('a', 10, 'b', 5, 'c', 4)) WHERE feature = 'a';
-- case: mahalanobis.explain.categorical
SELECT expected_lo IS NULL AND contribution = 0 AND type = 'categorical'
  FROM m, anomaly_explain(m.m, feature_vector('a', 10, 'b', 5, 'c', 4, 'h', 'x')) WHERE feature = 'h';
-- the report's top features are the largest positive contributions
-- case: mahalanobis.report.top
SELECT json_extract(anomaly_report(m, fv), '$.top_features[0].feature')
       = (SELECT feature FROM anomaly_explain(m.m, fv) ORDER BY contribution DESC LIMIT 1)
  FROM m, (SELECT feature_vector('a', 40, 'b', -3, 'c', 0.5) AS fv);

-- ------------------------------------------------------------ registry
-- case: mahalanobis.registry.save
SELECT model_save('runs_maha', m) = 1 FROM m;
-- case: mahalanobis.registry.score.by.name
SELECT mahalanobis_score('runs_maha', fv) = mahalanobis_score(m, fv) AND anomaly_score('runs_maha', fv) = anomaly_score(m, fv)
   AND is_anomaly('runs_maha', fv) = is_anomaly(m, fv) AND anomaly_report('runs_maha', fv) = anomaly_report(m, fv)
  FROM m, (SELECT feature_vector('a', 1, 'b', 9, 'c', 4) AS fv);
-- case: mahalanobis.registry.explain.by.name
SELECT count(*) = 4 FROM anomaly_explain('runs_maha', feature_vector('a', 1, 'b', 9, 'c', 4));
-- case: mahalanobis.registry.version
SELECT mahalanobis_score('runs_maha@1', feature_vector('a', 1, 'b', 9, 'c', 4)) = mahalanobis_score('runs_maha', feature_vector('a', 1, 'b', 9, 'c', 4));
-- case: mahalanobis.registry.unknown
-- error: mahalanobis_score(): no model named 'nope' in omen_models
SELECT mahalanobis_score('nope', feature_vector('a', 1));

-- ------------------------------------------------------------ wrong kinds, bad BLOBs
-- case: mahalanobis.kind.baseline.blob
-- error: mahalanobis_score(): model is a baseline model; expected a mahalanobis model
SELECT mahalanobis_score(baseline_train(a), feature_vector('value', 1)) FROM r;
-- case: mahalanobis.kind.baseline.name
SELECT model_save('bl', baseline_train(a)) = 1 FROM r;
-- case: mahalanobis.kind.baseline.by.name
-- error: mahalanobis_score(): model 'bl' is a baseline model; expected a mahalanobis model
SELECT mahalanobis_score('bl', feature_vector('value', 1));
-- case: mahalanobis.kind.iforest
-- error: mahalanobis_score(): model is an iforest model; expected a mahalanobis model
SELECT mahalanobis_score(isolation_forest_train(feature_vector('a', a)), feature_vector('a', 1)) FROM r;
-- case: mahalanobis.kind.to.baseline_score
-- error: baseline_score(): model is a mahalanobis model; expected a baseline model
SELECT baseline_score(m, feature_vector('a', 1)) FROM m;
-- case: mahalanobis.kind.to.baseline_score.by.name
-- error: baseline_score(): model 'runs_maha' is a mahalanobis model; expected a baseline model
SELECT baseline_score('runs_maha', feature_vector('a', 1));
-- case: mahalanobis.kind.to.isolation_score
-- error: isolation_score(): model is a mahalanobis model; expected an iforest model
SELECT isolation_score(m, feature_vector('a', 1)) FROM m;
-- case: mahalanobis.kind.to.predict
-- error: predict(): model is a mahalanobis model; expected a gbt model
SELECT predict(m, feature_vector('a', 1)) FROM m;
-- case: mahalanobis.kind.to.scale
-- error: scale(): model is a mahalanobis model; expected a scaler model
SELECT scale(m, feature_vector('a', 1)) FROM m;
-- case: mahalanobis.model.integer
-- error: mahalanobis_score(): model is INTEGER; expected a model BLOB or a registry name (TEXT)
SELECT mahalanobis_score(5, feature_vector('a', 1));
-- case: mahalanobis.model.not.a.model
-- error: mahalanobis_score(): not an omen model
SELECT mahalanobis_score(x'00', feature_vector('a', 1));
-- case: mahalanobis.model.truncated
-- error: mahalanobis_score(): model is truncated or has trailing bytes (1145 bytes; header says 1148)
SELECT mahalanobis_score(CAST(substr(m, 1, length(m) - 3) AS BLOB), feature_vector('a', 1)) FROM m;
-- one byte of the payload changed
-- case: mahalanobis.model.corrupt
-- error: mahalanobis_score(): model checksum mismatch
SELECT mahalanobis_score(CAST(substr(m, 1, 400) || x'ff' || substr(m, 402) AS BLOB), feature_vector('a', 1)) FROM m;
-- case: mahalanobis.model.corrupt.anomaly_score
-- error: anomaly_score(): model checksum mismatch
SELECT anomaly_score(CAST(substr(m, 1, 400) || x'ff' || substr(m, 402) AS BLOB), feature_vector('a', 1)) FROM m;
-- case: mahalanobis.model.corrupt.length
SELECT length(m) = 1148 FROM m;

-- ------------------------------------------------------------ ensembles
CREATE TABLE big(id INTEGER PRIMARY KEY, a REAL, b REAL, c REAL);
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 200)
INSERT INTO big(a, b, c) SELECT (i * 37 % 101) / 10.0, (i * 37 % 101) / 5.0 + (i * 53 % 17) / 10.0, (i * 71 % 89) / 7.0 FROM s;
CREATE TABLE em AS SELECT mahalanobis_train(feature_vector('a', a, 'b', b, 'c', c)) AS mh,
                          isolation_forest_train(feature_vector('a', a, 'b', b, 'c', c), '{"seed": 1}') AS fo FROM big;
CREATE TABLE ens AS SELECT anomaly_ensemble(mh, fo, '{"min_votes": 2}') AS e FROM em;
-- case: mahalanobis.ensemble.kind
SELECT json_extract(model_info(e), '$.kind') = 'ensemble' FROM ens;
-- a normal row: neither member votes
-- case: mahalanobis.ensemble.normal
SELECT is_anomaly(e, fv) = 0 AND anomaly_score(e, fv) < 1
   AND json_extract(anomaly_report(e, fv), '$.members[0].kind') = 'mahalanobis'
   AND json_extract(anomaly_report(e, fv), '$.members[0].vote') = 0
  FROM ens, (SELECT feature_vector('a', 5, 'b', 10, 'c', 6) AS fv);
-- far on every feature: both vote
-- case: mahalanobis.ensemble.far
SELECT is_anomaly(e, fv) = 1 AND json_extract(anomaly_report(e, fv), '$.members[0].vote') = 1
   AND json_extract(anomaly_report(e, fv), '$.members[1].vote') = 1
   AND abs(json_extract(anomaly_report(e, fv), '$.members[0].score') - anomaly_score(mh, fv)) < 1e-12
  FROM ens, em, (SELECT feature_vector('a', 50, 'b', 100, 'c', 60) AS fv);
-- the members' severities: score / threshold; with two members and min_votes 2 the ensemble's score is the smaller
-- case: mahalanobis.ensemble.score
SELECT abs(anomaly_score(e, fv) - min(anomaly_score(mh, fv) / 3.3682141752187276,
                                      anomaly_score(fo, fv) / json_extract(model_info(fo), '$.detail.threshold'))) < 1e-12
  FROM ens, em, (SELECT feature_vector('a', 5, 'b', 30, 'c', 6) AS fv);
-- case: mahalanobis.ensemble.explain
SELECT count(*) = 3 AND abs(sum(contribution) - 1) < 1e-12 FROM ens, anomaly_explain(ens.e, feature_vector('a', 50, 'b', 100, 'c', 60));
-- a rank-0 member (one training row) gives severity 0 or +Inf, never NULL
-- case: mahalanobis.ensemble.rank0
SELECT anomaly_score(anomaly_ensemble(one.m, one.m, '{"min_votes": 2}'), feature_vector('a', 3, 'b', 5)) = 9e999
   AND anomaly_score(anomaly_ensemble(one.m, one.m, '{"min_votes": 2}'), feature_vector('a', 3, 'b', 4)) = 0
  FROM one;
