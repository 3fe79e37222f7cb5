-- mahalanobis_train_state() and mahalanobis_merge(): mergeable states of mahalanobis_train
-- (docs/mahalanobis_train_state.md, docs/mahalanobis_merge.md; ext/mahalanobis_state.c,
-- ext/core/robust/mah_state.h).  One state of all rows gives mahalanobis_train's payload byte for
-- byte; states of parts merge by Chan's formulas to the same model within rounding: distances
-- within 1e-12 of max(d, 1) (measured: 8.9e-15 here, 8.5e-14 in tests/unit/test_mah_state.c).
CREATE TABLE runs(id INTEGER PRIMARY KEY, fv BLOB, host INTEGER);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
INSERT INTO runs SELECT i,
  CASE WHEN i % 301 = 0 THEN NULL
       ELSE feature_vector('dur', 600 + 60 * (hash_uniform(i, 1) + hash_uniform(i, 2) - 1) + CASE WHEN i % 499 = 0 THEN 400 ELSE 0 END,
                           'rss', CASE WHEN i % 97 = 0 THEN NULL
                                       ELSE 2e9 + 1e8 * (hash_uniform(i, 1) + 0.5 * hash_uniform(i, 3)) END,
                           'cpu', 0.25 + 0.01 * hash_uniform(i, 4),
                           'ver', 7.0,
                           'host', 'h' || (i % 4)) END,
  i % 4 FROM n;
CREATE TABLE direct AS SELECT method, mahalanobis_train(fv, json_object('method', method)) AS m
  FROM runs, (SELECT 'empirical' AS method UNION ALL SELECT 'ledoit_wolf') GROUP BY method;
CREATE TABLE host_states AS SELECT method, host, mahalanobis_train_state(fv, json_object('method', method)) AS s
  FROM runs, (SELECT 'empirical' AS method UNION ALL SELECT 'ledoit_wolf') GROUP BY method, host;
CREATE TABLE merged AS SELECT method, mahalanobis_merge(s) AS m FROM host_states GROUP BY method;
CREATE TABLE one AS SELECT method, mahalanobis_merge(s) AS m FROM (
  SELECT method, mahalanobis_train_state(fv, json_object('method', method)) AS s
    FROM runs, (SELECT 'empirical' AS method UNION ALL SELECT 'ledoit_wolf') GROUP BY method) GROUP BY method;
-- payload bytes: P = 56 + 8p + 4p(p + 1) = 168 for p = 4 numeric features, just before the 8-byte footer
CREATE VIEW payload AS SELECT 'direct' AS src, method, substr(m, length(m) - 175, 168) AS p FROM direct
  UNION ALL SELECT 'one', method, substr(m, length(m) - 175, 168) FROM one
  UNION ALL SELECT 'merged', method, substr(m, length(m) - 175, 168) FROM merged;

-- case: mahalanobis_state.blob
SELECT count(*) = 8 AND min(typeof(s) = 'blob' AND substr(s, 1, 4) = CAST('OMEN' AS BLOB)
                            AND json_extract(model_info(s), '$.kind') = 'mahalanobis_state') FROM host_states;
-- case: mahalanobis_state.info
SELECT json_extract(model_info(s), '$.detail') = '{"method":"empirical","contamination":0.01,"seed":0,"numeric_features":4,"ignored_features":1,"rows":741}'
   AND json_extract(model_info(s), '$.rows_used') = 741 AND json_extract(model_info(s), '$.rows_skipped') = 9
   AND json_extract(model_info(s), '$.options') = '{"method":"empirical","contamination":0.01,"seed":0}'
  FROM host_states WHERE method = 'empirical' AND host = 0;
-- case: mahalanobis_state.merged.kind
SELECT count(*) = 2 AND min(json_extract(model_info(m), '$.kind') = 'mahalanobis'
                            AND json_extract(model_info(m), '$.format_version') = 1
                            AND json_extract(model_info(m), '$.profile') IS NULL) FROM merged;
-- one state of all rows: mahalanobis_train's payload, metrics, options and counts exactly
-- case: mahalanobis_state.one.payload.bytes
SELECT count(*) = 2 AND min(d.p = o.p) AND min(length(d.p) = 168)
  FROM payload AS d JOIN payload AS o USING (method) WHERE d.src = 'direct' AND o.src = 'one';
-- case: mahalanobis_state.one.meta
SELECT count(*) = 2 AND min(json_extract(model_info(d.m), '$.metrics') = json_extract(model_info(o.m), '$.metrics')
           AND json_extract(model_info(d.m), '$.options') = json_extract(model_info(o.m), '$.options')
           AND json_extract(model_info(d.m), '$.detail') = json_extract(model_info(o.m), '$.detail')
           AND json_extract(model_info(d.m), '$.rows_used') = json_extract(model_info(o.m), '$.rows_used')
           AND json_extract(model_info(d.m), '$.rows_skipped') = json_extract(model_info(o.m), '$.rows_skipped'))
  FROM direct AS d JOIN one AS o USING (method);
-- case: mahalanobis_state.one.scores.equal
SELECT min(mahalanobis_score(o.m, r.fv) = mahalanobis_score(d.m, r.fv))
  FROM runs AS r, direct AS d JOIN one AS o USING (method) WHERE r.fv IS NOT NULL;
-- four hosts merged: the same counts and structure, distances within 1e-12 of max(d, 1)
-- case: mahalanobis_state.merged.rows
SELECT min(json_extract(model_info(d.m), '$.rows_used') = json_extract(model_info(g.m), '$.rows_used')
           AND json_extract(model_info(d.m), '$.rows_skipped') = json_extract(model_info(g.m), '$.rows_skipped')
           AND json_extract(model_info(g.m), '$.rows_used') = 2961
           AND json_extract(model_info(g.m), '$.rows_skipped') = 39
           AND json_extract(model_info(d.m), '$.metrics.rows_skipped') = json_extract(model_info(g.m), '$.metrics.rows_skipped')
           AND json_extract(model_info(d.m), '$.detail.rank') = json_extract(model_info(g.m), '$.detail.rank')
           AND json_extract(model_info(d.m), '$.detail.constant_features') = json_extract(model_info(g.m), '$.detail.constant_features')
           AND abs(json_extract(model_info(g.m), '$.metrics.threshold') - json_extract(model_info(d.m), '$.metrics.threshold')) = 0)
  FROM direct AS d JOIN merged AS g USING (method);
-- case: mahalanobis_state.merged.log_det
SELECT max(abs(json_extract(model_info(g.m), '$.metrics.log_det') - json_extract(model_info(d.m), '$.metrics.log_det'))) < 1e-12
  FROM direct AS d JOIN merged AS g USING (method);
-- case: mahalanobis_state.merged.shrinkage
SELECT abs(json_extract(model_info(g.m), '$.detail.shrinkage') / json_extract(model_info(d.m), '$.detail.shrinkage') - 1) < 1e-12
   AND json_extract(model_info(g.m), '$.detail.shrinkage') > 0
  FROM direct AS d JOIN merged AS g USING (method) WHERE method = 'ledoit_wolf';
-- case: mahalanobis_state.merged.scores
SELECT max(abs(mahalanobis_score(g.m, r.fv) - mahalanobis_score(d.m, r.fv)) / max(mahalanobis_score(d.m, r.fv), 1)) < 1e-12
  FROM runs AS r, direct AS d JOIN merged AS g USING (method) WHERE r.fv IS NOT NULL;
-- case: mahalanobis_state.merged.anomalies
SELECT min(json_extract(anomaly_report(g.m, r.fv), '$.is_anomaly')) = 1 AND count(*) >= 5
  FROM runs AS r, merged AS g WHERE g.method = 'empirical' AND r.id % 499 = 0 AND r.fv IS NOT NULL;
-- case: mahalanobis_state.merged.is_anomaly.agree
SELECT sum(json_extract(anomaly_report(g.m, r.fv), '$.is_anomaly') = json_extract(anomaly_report(d.m, r.fv), '$.is_anomaly')) = count(*)
   AND sum(json_extract(anomaly_report(g.m, r.fv), '$.is_anomaly')) >= 5
  FROM runs AS r, direct AS d JOIN merged AS g USING (method) WHERE r.fv IS NOT NULL;
-- case: mahalanobis_state.merged.anomaly_score
SELECT max(abs(anomaly_score(g.m, r.fv) - anomaly_score(d.m, r.fv)) / max(anomaly_score(d.m, r.fv), 1)) < 1e-12
  FROM runs AS r, direct AS d JOIN merged AS g USING (method) WHERE r.fv IS NOT NULL;
-- the merged payload itself differs from the direct one only in the last bits (another fold order)
-- case: mahalanobis_state.merged.payload.not.bytes
SELECT count(*) >= 1 FROM payload AS d JOIN payload AS g USING (method) WHERE d.src = 'direct' AND g.src = 'merged' AND d.p <> g.p;
-- a missing feature at scoring: the conditional completion of the merged model
-- case: mahalanobis_state.merged.missing
SELECT abs(mahalanobis_score(g.m, feature_vector('dur', 700.0, 'cpu', 0.255)) - mahalanobis_score(d.m, feature_vector('dur', 700.0, 'cpu', 0.255)))
       < 1e-12 * mahalanobis_score(d.m, feature_vector('dur', 700.0, 'cpu', 0.255))
  FROM direct AS d JOIN merged AS g USING (method) WHERE method = 'empirical';
-- states of states: roll-ups in levels give the same model (two levels here: pairs of hosts, then all)
-- case: mahalanobis_state.levels
SELECT max(abs(mahalanobis_score(x.m, r.fv) - mahalanobis_score(d.m, r.fv)) / max(mahalanobis_score(d.m, r.fv), 1)) < 1e-12
  FROM runs AS r, direct AS d JOIN (
    SELECT method, mahalanobis_merge(s2) AS m FROM (
      SELECT method, host % 2 AS pair, mahalanobis_train_state(s) AS s2 FROM host_states GROUP BY method, host % 2)
    GROUP BY method) AS x USING (method) WHERE r.fv IS NOT NULL;
-- the same states in another order: the same model within rounding, the same counts
-- case: mahalanobis_state.order
SELECT max(abs(mahalanobis_score(x.m, r.fv) - mahalanobis_score(g.m, r.fv)) / max(mahalanobis_score(g.m, r.fv), 1)) < 1e-12
  FROM runs AS r, merged AS g JOIN (
    SELECT method, mahalanobis_merge(s) AS m FROM (SELECT * FROM host_states ORDER BY host DESC) GROUP BY method) AS x USING (method)
  WHERE r.fv IS NOT NULL;
-- a merged state round-trips: merging it alone gives the model of merging its parts, byte for byte
-- case: mahalanobis_state.state.of.states
SELECT min(x.m = g.m) FROM merged AS g JOIN (
  SELECT method, mahalanobis_merge(s) AS m FROM (SELECT method, mahalanobis_train_state(s) AS s FROM host_states GROUP BY method)
  GROUP BY method) AS x USING (method);
-- rows and states mixed in one call
-- case: mahalanobis_state.mixed
SELECT json_extract(model_info(mahalanobis_merge(s)), '$.rows_used') = 2961 FROM (
  SELECT mahalanobis_train_state(x) AS s FROM (
    SELECT s AS x FROM host_states WHERE method = 'empirical' AND host > 0
    UNION ALL SELECT fv FROM runs WHERE host = 0));
-- the merged model is a model: saved, scored by name, explained
-- case: mahalanobis_state.model_save
SELECT model_save('maha_merged', m) > 0 FROM merged WHERE method = 'empirical';
-- case: mahalanobis_state.score.by.name
SELECT mahalanobis_score('maha_merged', feature_vector('dur', 600.0, 'rss', 2.07e9, 'cpu', 0.255, 'ver', 7.0, 'host', 'h1')) < 2;
-- case: mahalanobis_state.report
SELECT json_extract(anomaly_report('maha_merged', feature_vector('dur', 1000.0, 'rss', 2.07e9, 'cpu', 0.255, 'ver', 7.0, 'host', 'h1')), '$.is_anomaly') = 1;
-- case: mahalanobis_state.no.profile
-- error: feature_drift(): the mahalanobis model has no training profile (models trained before envelope format 2, and kinds trained without feature vectors, have none); retrain it to measure drift
SELECT feature_drift(m, fv) FROM merged, runs WHERE method = 'empirical' AND id = 1;
-- NULLs and empty input
-- case: mahalanobis_state.nulls.only
SELECT json_extract(model_info(mahalanobis_train_state(NULL)), '$.rows_skipped') = 1
   AND json_extract(model_info(mahalanobis_train_state(NULL)), '$.detail.numeric_features') = 0;
-- case: mahalanobis_state.nulls.merge
SELECT json_extract(model_info(mahalanobis_merge(s)), '$.rows_skipped') = 39 + 3 FROM (
  SELECT s FROM host_states WHERE method = 'empirical'
  UNION ALL SELECT mahalanobis_train_state(x) FROM (SELECT NULL AS x UNION ALL SELECT NULL UNION ALL SELECT NULL));
-- case: mahalanobis_state.nulls.merge.alone
SELECT mahalanobis_merge(s) IS NULL FROM (SELECT mahalanobis_train_state(NULL) AS s);
-- case: mahalanobis_state.no.rows
SELECT mahalanobis_train_state(fv) IS NULL AND mahalanobis_merge(fv) IS NULL FROM runs WHERE id < 0;
-- case: mahalanobis_state.null.states.skipped
SELECT mahalanobis_merge(s) = (SELECT m FROM merged WHERE method = 'empirical')
  FROM (SELECT s FROM host_states WHERE method = 'empirical' UNION ALL SELECT NULL);
-- a state whose rows were all incomplete: the merge gives mahalanobis_train's error
-- case: mahalanobis_state.incomplete
-- error: mahalanobis_merge(): no complete row: each of the 2 rows has a missing numeric feature
SELECT mahalanobis_merge(s) FROM (SELECT mahalanobis_train_state(x) AS s FROM (
  SELECT feature_vector('a', 1.0, 'b', NULL) AS x UNION ALL SELECT feature_vector('a', 2.0, 'b', NULL)));

-- errors
-- case: mahalanobis_state.err.mcd
-- error: mahalanobis_train_state(): method 'mcd' has no mergeable state (it fits a subsample); use 'empirical' or 'ledoit_wolf'
SELECT mahalanobis_train_state(fv, '{"method": "mcd"}') FROM runs;
-- case: mahalanobis_state.err.merge.text
-- error: mahalanobis_merge(): state (argument 1) is TEXT; expected a mahalanobis_state BLOB (from mahalanobis_train_state())
SELECT mahalanobis_merge('x');
-- case: mahalanobis_state.err.not.omen
-- error: mahalanobis_merge(): not an omen model
SELECT mahalanobis_merge(x'00112233445566778899');
-- case: mahalanobis_state.err.kind
-- error: mahalanobis_merge(): the state is a baseline_state state; expected a mahalanobis_state, from mahalanobis_train_state()
SELECT mahalanobis_merge(s) FROM (SELECT baseline_train_state(feature_vector('dur', 1.0)) AS s);
-- case: mahalanobis_state.err.kind.model
-- error: mahalanobis_train_state(): the state is a mahalanobis state; expected a mahalanobis_state, from mahalanobis_train_state()
SELECT mahalanobis_train_state(m) FROM direct WHERE method = 'empirical';
-- case: mahalanobis_state.err.checksum
-- error: mahalanobis_merge(): model checksum mismatch
SELECT mahalanobis_merge(CAST(substr(s, 1, 150) || x'ff' || substr(s, 152) AS BLOB)) FROM host_states WHERE method = 'empirical' AND host = 1;
-- case: mahalanobis_state.err.options
-- error: mahalanobis_merge(): states have different options: method 'empirical', contamination 0.01, seed 0 and method 'ledoit_wolf', contamination 0.01, seed 0; merge states made with the same options
SELECT mahalanobis_merge(s) FROM (SELECT s FROM host_states ORDER BY method, host);
-- case: mahalanobis_state.err.options.contamination
-- error: mahalanobis_merge(): states have different options: method 'empirical', contamination 0.01, seed 0 and method 'empirical', contamination 0.05, seed 0; merge states made with the same options
SELECT mahalanobis_merge(s) FROM (SELECT mahalanobis_train_state(fv) AS s FROM runs WHERE host = 0
                                  UNION ALL SELECT mahalanobis_train_state(fv, '{"contamination": 0.05}') FROM runs WHERE host = 1);
-- case: mahalanobis_state.err.options.rows
-- error: mahalanobis_train_state(): states have different options: method 'ledoit_wolf', contamination 0.01, seed 0 and method 'empirical', contamination 0.01, seed 0; merge states made with the same options
SELECT mahalanobis_train_state(x) FROM (SELECT s AS x FROM host_states WHERE method = 'ledoit_wolf' AND host = 1
                                        UNION ALL SELECT fv FROM runs WHERE id = 1);
-- case: mahalanobis_state.err.features
-- error: mahalanobis_merge(): states have different features: 'gpu' is in one and not the other
SELECT mahalanobis_merge(s) FROM (SELECT s FROM host_states WHERE method = 'empirical' AND host = 0
                                  UNION ALL SELECT mahalanobis_train_state(feature_vector('cpu', 1.0, 'dur', 1.0, 'gpu', 1.0, 'host', 'a', 'rss', 1.0, 'ver', 1.0)));
-- case: mahalanobis_state.err.features.missing
-- error: mahalanobis_merge(): states have different features: 'ver' is in one and not the other
SELECT mahalanobis_merge(s) FROM (SELECT s FROM host_states WHERE method = 'empirical' AND host = 0
                                  UNION ALL SELECT mahalanobis_train_state(feature_vector('cpu', 1.0, 'dur', 1.0, 'host', 'a', 'rss', 1.0)));
-- case: mahalanobis_state.err.features.type
-- error: mahalanobis_merge(): states have different features: 'host' is categorical in one and numeric in the other
SELECT mahalanobis_merge(s) FROM (SELECT s FROM host_states WHERE method = 'empirical' AND host = 0
                                  UNION ALL SELECT mahalanobis_train_state(feature_vector('cpu', 1.0, 'dur', 1.0, 'host', 3.0, 'rss', 1.0, 'ver', 1.0)));
-- case: mahalanobis_state.err.rows.after.states
-- error: mahalanobis_train_state(): feature "gpu" is not among the first row's features; the first feature vector fixes the model's features (give every row the same names, NULL where a value is unknown)
SELECT mahalanobis_train_state(x) FROM (SELECT s AS x FROM host_states WHERE method = 'empirical' AND host = 0
                                        UNION ALL SELECT feature_vector('gpu', 1.0));
-- case: mahalanobis_state.err.options.changed
-- error: mahalanobis_train_state(): options changed between rows; pass the same options on every row
SELECT mahalanobis_train_state(fv, CASE WHEN id < 10 THEN '{}' ELSE '{"seed": 1}' END) FROM runs;
-- case: mahalanobis_state.err.option.unknown
-- error: mahalanobis_train_state(): unknown option "alpha"; accepted: method, contamination, support_fraction, max_rows, seed
SELECT mahalanobis_train_state(fv, '{"alpha": 0.01}') FROM runs;
-- case: mahalanobis_state.err.option.range
-- error: mahalanobis_train_state(): option contamination must be a number in (0, 0.5]
SELECT mahalanobis_train_state(fv, '{"contamination": 0.9}') FROM runs;
-- case: mahalanobis_state.err.options.json
-- error: mahalanobis_train_state(): options (argument 2) is INTEGER; expected a JSON object as TEXT
SELECT mahalanobis_train_state(fv, 5) FROM runs;
-- case: mahalanobis_state.err.text
-- error: mahalanobis_train_state(): features (argument 1) is TEXT; expected a feature vector (a BLOB made by feature_vector())
SELECT mahalanobis_train_state('12');
-- case: mahalanobis_state.err.number
-- error: mahalanobis_train_state(): features (argument 1) is REAL; expected a feature vector (a BLOB made by feature_vector())
SELECT mahalanobis_train_state(1.5);
-- case: mahalanobis_state.err.new.feature
-- error: mahalanobis_train_state(): feature "gpu" is not among the first row's features; the first feature vector fixes the model's features (give every row the same names, NULL where a value is unknown)
SELECT mahalanobis_train_state(x) FROM (SELECT feature_vector('a', 1.0) AS x UNION ALL SELECT feature_vector('a', 2.0, 'gpu', 1.0));
-- case: mahalanobis_state.err.type.changed
-- error: mahalanobis_train_state(): feature "a" is numeric in one row and categorical in another
SELECT mahalanobis_train_state(x) FROM (SELECT feature_vector('a', 1.0) AS x UNION ALL SELECT feature_vector('a', 'x'));
-- case: mahalanobis_state.err.no.numeric
-- error: mahalanobis_train_state(): no numeric feature: the Mahalanobis distance needs at least one
SELECT mahalanobis_train_state(feature_vector('host', 'a'));
-- case: mahalanobis_state.err.window
-- error: mahalanobis_train_state() may not be used as a window function
SELECT mahalanobis_train_state(fv) OVER () FROM runs;
-- case: mahalanobis_state.err.merge.window
-- error: mahalanobis_merge() may not be used as a window function
SELECT mahalanobis_merge(s) OVER () FROM host_states;
