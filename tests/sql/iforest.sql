-- isolation_forest_train(), isolation_score(): docs/isolation_forest_train.md,
-- docs/isolation_score.md; the spec is ext/iforest.c's header and ext/core/forest/ifo.h.
CREATE TABLE runs(id INTEGER PRIMARY KEY, d REAL, t INTEGER, h TEXT);
WITH RECURSIVE s(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM s WHERE k < 600)
INSERT INTO runs
SELECT k, round(100 + 40 * (hash_uniform(k, 1) + hash_uniform(k, 2) + hash_uniform(k, 3) - 1.5), 2),
       4 << (k % 3), 'h' || min(k % 7, 3)
  FROM s;
UPDATE runs SET d = 900 WHERE id = 11;
UPDATE runs SET t = 512 WHERE id = 22;
UPDATE runs SET h = 'lonely' WHERE id = 33;
UPDATE runs SET d = NULL WHERE id % 50 = 7;
CREATE TABLE fv AS SELECT id, feature_vector('d', d, 't', t, 'h', h) AS fv FROM runs;
CREATE TABLE m AS
SELECT isolation_forest_train(fv, '{"seed": 5}') AS auto,
       isolation_forest_train(fv, '{"seed": 5, "contamination": 0.05}') AS c05
  FROM fv;

-- ------------------------------------------------------------ the model
-- case: iforest.train.type
SELECT typeof(auto) = 'blob' AND typeof(c05) = 'blob' FROM m;
-- case: iforest.train.info
SELECT json_extract(i, '$.kind') = 'iforest' AND json_extract(i, '$.format_version') = 2
   AND json_extract(i, '$.payload_version') = 1 AND json_extract(i, '$.rows_used') = 600
   AND json_extract(i, '$.rows_skipped') = 0 AND json_extract(i, '$.seed') = 5
   AND json_type(i, '$.created_at') = 'null'
   AND json_extract(i, '$.features') = '[{"name":"d","type":"numeric"},{"name":"h","type":"categorical"},{"name":"t","type":"numeric"}]'
   AND json_extract(i, '$.options') = '{"n_trees":100,"sample_size":256,"max_depth":"auto","contamination":"auto","seed":5}'
   AND json_extract(i, '$.detail') = '{"n_trees":100,"sample_size":256,"max_depth":8,"contamination":"auto","threshold":0.5}'
  FROM (SELECT model_info(auto) AS i FROM m);
-- case: iforest.train.metrics.keys
SELECT (SELECT group_concat(key, ',') FROM json_each(model_info(auto), '$.metrics'))
       = 'rows,n_trees,sample_size,max_depth,contamination,threshold,n_nodes,score_sample,train_anomaly_fraction'
   AND json_extract(model_info(auto), '$.metrics.rows') = 600
   AND json_extract(model_info(auto), '$.metrics.score_sample') = 600
  FROM m;
-- case: iforest.train.metrics.contamination
SELECT json_extract(i, '$.metrics.contamination') = 0.05 AND json_extract(i, '$.detail.contamination') = 0.05
   AND json_extract(i, '$.options.contamination') = 0.05
   AND json_extract(i, '$.detail.threshold') = json_extract(i, '$.metrics.threshold')
   AND json_extract(i, '$.detail.threshold') > 0.5 AND json_extract(i, '$.detail.threshold') < 1
  FROM (SELECT model_info(c05) AS i FROM m);
-- n_nodes: a tree of s splits has 2s + 1 nodes, so the splits model_importance counts add up.
-- case: iforest.train.nodes.splits
SELECT (SELECT sum(splits) FROM model_importance(m.auto)) * 2 + 100 = json_extract(model_info(auto), '$.metrics.n_nodes')
  FROM m;
-- case: iforest.importance.columns
SELECT count(*) = 3 AND group_concat(feature || ':' || type, ',') = 'd:numeric,h:categorical,t:numeric'
   AND min(gain) >= 0 AND min(cover) > 0 AND min(splits) > 0
  FROM model_importance((SELECT auto FROM m));
-- The explicit defaults, '{}', NULL options and max_depth 0 are the same model.
-- case: iforest.train.defaults
SELECT isolation_forest_train(fv) = isolation_forest_train(fv, NULL)
   AND isolation_forest_train(fv) = isolation_forest_train(fv, '{}')
   AND isolation_forest_train(fv) = isolation_forest_train(fv, '{"n_trees": 100, "sample_size": 256, "max_depth": 0, "contamination": "auto", "seed": 0, "threads": 3}')
  FROM fv;
-- case: iforest.train.options.applied
SELECT json_extract(i, '$.detail.n_trees') = 7 AND json_extract(i, '$.detail.sample_size') = 64
   AND json_extract(i, '$.detail.max_depth') = 3 AND json_extract(i, '$.detail.contamination') = 0.1
   AND json_extract(i, '$.seed') = 9007199254740992
   AND json_extract(i, '$.options') = '{"n_trees":7,"sample_size":64,"max_depth":3,"contamination":0.1,"seed":9007199254740992}'
  FROM (SELECT model_info(isolation_forest_train(fv, '{"n_trees": 7, "sample_size": 64, "max_depth": 3, "contamination": 0.1, "seed": 9007199254740992}')) AS i FROM fv);
-- sample_size above the row count: every tree gets every row (ψ = rows), depth from ψ.
-- case: iforest.train.sample.all
SELECT json_extract(model_info(isolation_forest_train(fv, '{"sample_size": 5000}')), '$.detail.sample_size') = 600
   AND json_extract(model_info(isolation_forest_train(fv, '{"sample_size": 5000}')), '$.detail.max_depth') = 10
  FROM fv;

-- ------------------------------------------------------------ determinism
-- case: iforest.determinism.twice
SELECT isolation_forest_train(fv, '{"seed": 5}') = (SELECT auto FROM m) FROM fv;
-- case: iforest.determinism.threads
SELECT isolation_forest_train(fv, '{"seed": 5, "threads": 1}') = isolation_forest_train(fv, '{"seed": 5, "threads": 2}')
   AND isolation_forest_train(fv, '{"seed": 5, "threads": 1}') = isolation_forest_train(fv, '{"seed": 5, "threads": 4}')
   AND isolation_forest_train(fv, '{"seed": 5, "threads": 1}') = isolation_forest_train(fv, '{"seed": 5, "threads": 0}')
  FROM fv;
-- case: iforest.determinism.seed
SELECT isolation_forest_train(fv, '{"seed": 5}') <> isolation_forest_train(fv, '{"seed": 6}') FROM fv;
-- case: iforest.determinism.order
SELECT (SELECT isolation_forest_train(fv, '{"seed": 5}') FROM (SELECT fv FROM fv ORDER BY id DESC)) <> (SELECT auto FROM m);

-- ------------------------------------------------------------ scores
-- case: iforest.score.range
SELECT min(s) > 0 AND max(s) <= 1 AND count(s) = 600
  FROM (SELECT isolation_score(m.auto, fv.fv) AS s FROM fv, m);
-- The incidents rank high: the long run first, the absurd thread count in the top 3,
-- the host seen once in the top 5%.
-- case: iforest.score.ranks
SELECT group_concat(id || ':' || (rk <= CASE id WHEN 11 THEN 1 WHEN 22 THEN 3 ELSE 30 END), ' ') = '11:1 22:1 33:1'
  FROM (SELECT id, rank() OVER (ORDER BY isolation_score(m.auto, fv.fv) DESC) AS rk FROM fv, m)
 WHERE id IN (11, 22, 33);
-- case: iforest.score.anomaly_score
SELECT count(*) = 0 FROM fv, m WHERE isolation_score(m.auto, fv.fv) IS NOT anomaly_score(m.auto, fv.fv);
-- case: iforest.score.is_anomaly.threshold
SELECT count(*) = 0
  FROM fv, m
 WHERE is_anomaly(m.c05, fv.fv) <> (isolation_score(m.c05, fv.fv) > json_extract(model_info(m.c05), '$.detail.threshold'))
    OR is_anomaly(m.auto, fv.fv) <> (isolation_score(m.auto, fv.fv) > 0.5);
-- contamination c: the share of training rows flagged is c (all 600 rows are the score sample).
-- case: iforest.score.contamination.share
SELECT abs(avg(is_anomaly(m.c05, fv.fv)) - 0.05) <= 1.0 / 600
   AND abs(avg(is_anomaly(m.c05, fv.fv)) - json_extract(model_info(m.c05), '$.metrics.train_anomaly_fraction')) < 1e-12
  FROM fv, m;
-- case: iforest.score.contamination.shares
SELECT count(*) = 4
  FROM (SELECT c, isolation_forest_train(fv, json_object('contamination', c, 'seed', 1)) AS mc
          FROM (SELECT 0.01 AS c UNION ALL SELECT 0.1 UNION ALL SELECT 0.25 UNION ALL SELECT 0.5), fv GROUP BY c)
 WHERE abs((SELECT avg(is_anomaly(mc, fv)) FROM fv) - c) <= 1.0 / 600;
-- Above 8,192 rows the threshold comes from a uniform sample of 8,192: the share stays close.
-- case: iforest.score.contamination.large
WITH RECURSIVE s(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM s WHERE k < 30000),
     big AS (SELECT feature_vector('a', hash_uniform(k, 7) + hash_uniform(k, 8), 'b', hash_uniform(k, 9)) AS v FROM s),
     mm AS (SELECT isolation_forest_train(v, '{"contamination": 0.02, "seed": 2}') AS mm FROM big)
SELECT json_extract(model_info(mm), '$.rows_used') = 30000
   AND json_extract(model_info(mm), '$.metrics.score_sample') = 8192
   AND abs((SELECT avg(is_anomaly(mm, v)) FROM big) - 0.02) < 0.005
  FROM mm;
-- A missing feature follows the bulk; the same row with every feature missing is NULL.
-- case: iforest.score.missing
SELECT isolation_score(auto, feature_vector('t', 8, 'h', 'h3')) > 0
   AND isolation_score(auto, feature_vector('d', NULL, 't', NULL, 'h', NULL)) IS NULL
   AND anomaly_score(auto, feature_vector('d', NULL)) IS NULL
   AND is_anomaly(auto, feature_vector('h', NULL)) IS NULL
  FROM m;
-- Unknown features are ignored, order does not matter.
-- case: iforest.score.by.name
SELECT isolation_score(auto, feature_vector('h', 'h1', 'zz', 'x', 't', 8, 'd', 100))
     = isolation_score(auto, feature_vector('d', 100, 't', 8, 'h', 'h1'))
  FROM m;
-- A category the model does not know is 0 (the rare end): 'other_category', and more anomalous.
-- case: iforest.score.unknown.category
SELECT isolation_score(auto, feature_vector('d', 100, 't', 8, 'h', 'never-seen'))
     > isolation_score(auto, feature_vector('d', 100, 't', 8, 'h', 'h3'))
   AND (SELECT status FROM model_features(m.auto, feature_vector('d', 100, 't', 8, 'h', 'never-seen')) WHERE name = 'h') = 'other_category'
   AND (SELECT status FROM model_features(m.auto, feature_vector('d', 100, 't', 8, 'h', 'lonely')) WHERE name = 'h') = 'other_category'
  FROM m;
-- Values beyond float32 saturate: 1e39 and 1e308 are the same extreme value.
-- case: iforest.score.saturate
SELECT isolation_score(auto, feature_vector('d', 1e39, 't', 8, 'h', 'h3')) = isolation_score(auto, feature_vector('d', 1e308, 't', 8, 'h', 'h3'))
   AND isolation_score(auto, feature_vector('d', -1e308, 't', 8, 'h', 'h3')) = isolation_score(auto, feature_vector('d', -1e39, 't', 8, 'h', 'h3'))
   AND isolation_score(auto, feature_vector('d', 1e308, 't', 8, 'h', 'h3')) BETWEEN 0.5 AND 1
  FROM m;
-- case: iforest.score.null
SELECT isolation_score(NULL, feature_vector('d', 1)) IS NULL AND isolation_score(auto, NULL) IS NULL
   AND isolation_score(NULL, NULL) IS NULL
  FROM m;

-- ------------------------------------------------------------ evidence
-- case: iforest.explain.sum
SELECT max(abs(c - log2(2 * isolation_score(m.auto, fv.fv)))) < 1e-12
  FROM m, fv, (SELECT id AS r, sum(contribution) AS c FROM m, fv, anomaly_explain(m.auto, fv.fv) GROUP BY id)
 WHERE r = fv.id;
-- case: iforest.explain.reason
SELECT group_concat(id || ':' || reason, ' ') = '11:d 22:t 33:h'
  FROM (SELECT id, (SELECT feature FROM anomaly_explain(m.auto, fv.fv) ORDER BY contribution DESC LIMIT 1) AS reason
          FROM fv, m WHERE id IN (11, 22, 33) ORDER BY id);
-- deviation: 0 inside the expected range, in range widths outside; NULL when missing.
-- case: iforest.explain.deviation
SELECT count(*) = 3
  FROM anomaly_explain((SELECT auto FROM m), feature_vector('d', 900, 't', 8, 'h', NULL))
 WHERE (feature = 'd' AND expected_lo < 100 AND expected_hi < 900 AND abs(deviation - (900 - expected_hi) / (expected_hi - expected_lo)) < 1e-9)
    OR (feature = 't' AND deviation = 0 AND 8 BETWEEN expected_lo AND expected_hi)
    OR (feature = 'h' AND status = 'null' AND value IS NULL AND deviation IS NULL AND expected_lo IS NOT NULL);
-- The expected range is Tukey's fences of the training values, clipped to the values seen:
-- t is 4, 8 or 16 (quartiles 4 and 16: 4 - 18 below 4, 16 + 18 = 34 above).
-- case: iforest.explain.range
SELECT expected_lo = 4 AND expected_hi = 34
  FROM anomaly_explain((SELECT auto FROM m), feature_vector('t', 8)) WHERE feature = 't';
-- case: iforest.report
SELECT json_extract(r, '$.kind') = 'iforest' AND json_extract(r, '$.is_anomaly') = 1
   AND json_extract(r, '$.threshold') = 0.5 AND json_extract(r, '$.top_features[0].feature') = 't'
   AND json_extract(r, '$.top_features[0].value') = 512
  FROM (SELECT anomaly_report(auto, fv) AS r FROM m, fv WHERE id = 22);

-- ------------------------------------------------------------ NULLs, empty, small
-- case: iforest.null.rows.skipped
SELECT json_extract(model_info(isolation_forest_train(CASE WHEN id % 10 = 0 THEN NULL ELSE fv END)), '$.rows_skipped') = 60
   AND json_extract(model_info(isolation_forest_train(CASE WHEN id % 10 = 0 THEN NULL ELSE fv END)), '$.rows_used') = 540
  FROM fv;
-- case: iforest.empty
SELECT isolation_forest_train(fv) IS NULL FROM fv WHERE id < 0;
-- case: iforest.only.nulls
SELECT isolation_forest_train(NULL) IS NULL AND isolation_forest_train(NULL, '{"n_trees": 3}') IS NULL FROM fv;
-- A vector whose entries are all NULL is a row with every feature missing: it is used.
-- case: iforest.all.missing.row.used
SELECT json_extract(model_info(isolation_forest_train(CASE WHEN id = 1 THEN feature_vector('d', NULL) ELSE fv END)), '$.rows_used') = 600
  FROM fv;
-- A feature NULL in every row is not part of the model.
-- case: iforest.feature.always.null
SELECT json_extract(model_info(isolation_forest_train(feature_vector('d', d, 'gone', NULL))), '$.features') = '[{"name":"d","type":"numeric"}]'
  FROM runs;
-- Features discovered late (missing in the earlier rows) still join the schema.
-- case: iforest.feature.late
SELECT json_extract(model_info(isolation_forest_train(CASE WHEN id > 590 THEN feature_vector('d', d, 'late', id) ELSE feature_vector('d', d) END)), '$.features')
       = '[{"name":"d","type":"numeric"},{"name":"late","type":"numeric"}]'
  FROM runs;
-- One row: ψ = 1, c(1) = 0, every score 0.5 (scikit-learn's rule), nothing flagged.
-- case: iforest.one.row
SELECT json_extract(model_info(m1), '$.detail') = '{"n_trees":100,"sample_size":1,"max_depth":1,"contamination":"auto","threshold":0.5}'
   AND isolation_score(m1, feature_vector('x', 5)) = 0.5 AND isolation_score(m1, feature_vector('x', -1e300)) = 0.5
   AND is_anomaly(m1, feature_vector('x', 5)) = 0
  FROM (SELECT isolation_forest_train(feature_vector('x', 3)) AS m1);
-- Two rows: c(2) = 1 and each leaf holds one row at depth 1, so every score is exactly 0.5.
-- case: iforest.two.rows
SELECT isolation_score(m2, feature_vector('x', 1)) = 0.5 AND isolation_score(m2, feature_vector('x', 100)) = 0.5
  FROM (SELECT isolation_forest_train(feature_vector('x', x)) AS m2 FROM (SELECT 1 AS x UNION ALL SELECT 2));
-- Three rows, depth 1: h(1) + h(10) = 3 in every tree, h(2) = 2; c(3) = 2(ln 2 + γ) - 4/3.
-- case: iforest.three.rows.c3
WITH t(x) AS (VALUES (1), (2), (10)),
     m3(m3) AS (SELECT isolation_forest_train(feature_vector('x', x), '{"max_depth": 1, "n_trees": 40, "seed": 8}') FROM t),
     c(c3) AS (SELECT 2 * (ln(2) + 0.5772156649015329) - 4.0 / 3)
SELECT abs(isolation_score(m3, feature_vector('x', 2)) - power(2, -2 / c3)) < 1e-15
   AND abs(log2(isolation_score(m3, feature_vector('x', 1))) + log2(isolation_score(m3, feature_vector('x', 10))) + 3 / c3) < 1e-12
  FROM m3, c;
-- Constant data: every tree is one leaf, every row scores 0.5 up to rounding, exactly as
-- scikit-learn (0.50000000000000067 for 600 rows of 256 per tree); 'auto' flags them all,
-- as scikit-learn's predict() does, a contamination fraction none.
-- case: iforest.constant
SELECT printf('%!.17g', isolation_score(mc, feature_vector('k', 7))) = '0.50000000000000067'
   AND isolation_score(mc, feature_vector('k', 1e9)) = isolation_score(mc, feature_vector('k', 7))
   AND json_extract(model_info(mc), '$.metrics.n_nodes') = 100
   AND json_extract(model_info(mc), '$.metrics.train_anomaly_fraction') = 1
   AND json_extract(model_info(mcc), '$.metrics.train_anomaly_fraction') = 0
   AND is_anomaly(mcc, feature_vector('k', 7)) = 0
  FROM (SELECT isolation_forest_train(feature_vector('k', 7)) AS mc,
               isolation_forest_train(feature_vector('k', 7), '{"contamination": 0.1}') AS mcc FROM runs);
-- A constant column next to a varying one is never split on.
-- case: iforest.constant.column
SELECT (SELECT splits FROM model_importance(mk) WHERE feature = 'k') = 0
   AND (SELECT splits FROM model_importance(mk) WHERE feature = 'd') > 0
  FROM (SELECT isolation_forest_train(feature_vector('d', d, 'k', 7)) AS mk FROM runs);
-- ±1e308 in training: a valid model, finite scores in (0, 1].
-- case: iforest.huge.values
SELECT json_extract(model_info(mh), '$.rows_used') = 600
   AND isolation_score(mh, feature_vector('d', 1e308)) BETWEEN 0 AND 1
   AND isolation_score(mh, feature_vector('d', 100)) < isolation_score(mh, feature_vector('d', -1e308))
  FROM (SELECT isolation_forest_train(feature_vector('d', CASE id WHEN 1 THEN 1e308 WHEN 2 THEN -1e308 ELSE d END)) AS mh FROM runs);
-- NaN cannot arrive (SQLite stores it as NULL); ±Inf is refused by feature_vector.
-- case: iforest.nan.is.null
SELECT feature_vector_json(feature_vector('d', 0.0 / 0.0)) = '{"d":null}';
-- case: iforest.inf.refused
-- error: feature_vector(): value of "d" (argument 2) is not a finite number
SELECT isolation_forest_train(feature_vector('d', 9e999));
-- 1,000 distinct categories, each seen twice: every frequency is 1/1000, the column is
-- constant; seen once each (an id), every value encodes as 0.
-- case: iforest.categories.1000
WITH RECURSIVE s(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM s WHERE k < 1999)
SELECT (SELECT splits FROM model_importance(two) WHERE feature = 'c') = 0
   AND (SELECT splits FROM model_importance(one) WHERE feature = 'c') = 0
   AND length(two) - length(one) = 1000 * 16
   AND isolation_score(two, feature_vector('c', 'c17', 'x', 0.5)) > 0
   AND (SELECT status FROM model_features(two, feature_vector('c', 'c17')) WHERE name = 'c') = 'used'
   AND (SELECT status FROM model_features(one, feature_vector('c', 'c17')) WHERE name = 'c') = 'other_category'
  FROM (SELECT isolation_forest_train(feature_vector('c', 'c' || (k % 1000), 'x', hash_uniform(k, 1)), '{"seed": 1}') AS two,
               isolation_forest_train(feature_vector('c', 'c' || k, 'x', hash_uniform(k, 1)), '{"seed": 1}') AS one FROM s);
-- Per group: one model per GROUP BY key.
-- case: iforest.group.by
SELECT group_concat(g || ':' || json_extract(model_info(mg), '$.rows_used'), ' ') = '0:200 1:200 2:200'
  FROM (SELECT id % 3 AS g, isolation_forest_train(fv) AS mg FROM fv GROUP BY g ORDER BY g);

-- ------------------------------------------------------------ registry
-- case: iforest.registry.save
SELECT model_save('if_runs', auto) = 1 FROM m;
-- case: iforest.registry.score
SELECT count(*) = 600 FROM fv, m WHERE isolation_score('if_runs', fv.fv) = isolation_score(m.auto, fv.fv);
-- case: iforest.registry.version
SELECT isolation_score('if_runs@1', fv) = isolation_score(auto, fv) AND is_anomaly('if_runs', fv) = is_anomaly(auto, fv)
  FROM fv, m WHERE id = 11;
-- case: iforest.registry.kind
SELECT kind = 'iforest' FROM omen_models WHERE name = 'if_runs';
-- case: iforest.registry.missing
-- error: isolation_score(): no model named 'nope' in omen_models
SELECT isolation_score('nope', feature_vector('d', 1));

-- ------------------------------------------------------------ flags
-- A pure aggregate: allowed in a view.
CREATE VIEW v_if AS SELECT isolation_forest_train(fv, '{"n_trees": 5}') AS mv FROM fv;
-- case: iforest.view.train.select
SELECT json_extract(model_info(mv), '$.detail.n_trees') = 5 FROM v_if;
-- isolation_score may read the registry: from a view only in a trusted schema.
CREATE VIEW v_score AS SELECT isolation_score('if_runs', fv) AS s FROM fv;
-- case: iforest.view.score.trusted
SELECT count(*) = (SELECT count(*) FROM fv) FROM v_score;
PRAGMA trusted_schema = OFF;
-- case: iforest.view.score.refused
-- error: unsafe use of isolation_score()
SELECT count(*) FROM v_score;
PRAGMA trusted_schema = ON;
-- case: iforest.window
-- error: isolation_forest_train() may not be used as a window function
SELECT isolation_forest_train(fv) OVER () FROM fv;
-- case: iforest.window.frame
-- error: isolation_forest_train() may not be used as a window function
SELECT isolation_forest_train(fv) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM fv;
-- case: iforest.arity.train
-- error: wrong number of arguments to function isolation_forest_train()
SELECT isolation_forest_train(fv, '{}', 1) FROM fv;
-- case: iforest.arity.score
-- error: wrong number of arguments to function isolation_score()
SELECT isolation_score(auto) FROM m;

-- ------------------------------------------------------------ option errors
-- case: iforest.err.option.unknown
-- error: isolation_forest_train(): unknown option "n_tree"; accepted: n_trees, sample_size, max_depth, contamination, seed, threads
SELECT isolation_forest_train(fv, '{"n_tree": 10}') FROM fv;
-- case: iforest.err.option.n_trees.zero
-- error: isolation_forest_train(): option n_trees must be an integer from 1 to 10000
SELECT isolation_forest_train(fv, '{"n_trees": 0}') FROM fv;
-- case: iforest.err.option.n_trees.big
-- error: isolation_forest_train(): option n_trees must be an integer from 1 to 10000
SELECT isolation_forest_train(fv, '{"n_trees": 10001}') FROM fv;
-- case: iforest.err.option.n_trees.fraction
-- error: isolation_forest_train(): option n_trees must be an integer from 1 to 10000
SELECT isolation_forest_train(fv, '{"n_trees": 2.5}') FROM fv;
-- case: iforest.err.option.n_trees.bool
-- error: isolation_forest_train(): option n_trees must be an integer from 1 to 10000
SELECT isolation_forest_train(fv, '{"n_trees": true}') FROM fv;
-- case: iforest.err.option.n_trees.text
-- error: isolation_forest_train(): option n_trees must be an integer from 1 to 10000
SELECT isolation_forest_train(fv, '{"n_trees": "50"}') FROM fv;
-- case: iforest.err.option.sample_size
-- error: isolation_forest_train(): option sample_size must be an integer from 1 to 1048576
SELECT isolation_forest_train(fv, '{"sample_size": 0}') FROM fv;
-- case: iforest.err.option.sample_size.big
-- error: isolation_forest_train(): option sample_size must be an integer from 1 to 1048576
SELECT isolation_forest_train(fv, '{"sample_size": 1048577}') FROM fv;
-- case: iforest.err.option.max_depth
-- error: isolation_forest_train(): option max_depth must be an integer from 1 to 64
SELECT isolation_forest_train(fv, '{"max_depth": 65}') FROM fv;
-- case: iforest.err.option.max_depth.negative
-- error: isolation_forest_train(): option max_depth must be an integer from 1 to 64
SELECT isolation_forest_train(fv, '{"max_depth": -1}') FROM fv;
-- case: iforest.err.option.contamination.zero
-- error: isolation_forest_train(): option contamination must be 'auto' or a number in (0, 0.5]
SELECT isolation_forest_train(fv, '{"contamination": 0}') FROM fv;
-- case: iforest.err.option.contamination.big
-- error: isolation_forest_train(): option contamination must be 'auto' or a number in (0, 0.5]
SELECT isolation_forest_train(fv, '{"contamination": 0.51}') FROM fv;
-- case: iforest.err.option.contamination.text
-- error: isolation_forest_train(): option contamination must be 'auto' or a number in (0, 0.5]
SELECT isolation_forest_train(fv, '{"contamination": "AUTO"}') FROM fv;
-- case: iforest.err.option.contamination.null
-- error: isolation_forest_train(): option contamination must be 'auto' or a number in (0, 0.5]
SELECT isolation_forest_train(fv, '{"contamination": null}') FROM fv;
-- case: iforest.err.option.seed
-- error: isolation_forest_train(): option seed must be an integer from 0 to 2^53
SELECT isolation_forest_train(fv, '{"seed": -1}') FROM fv;
-- case: iforest.err.option.seed.big
-- error: isolation_forest_train(): option seed must be an integer from 0 to 2^53
SELECT isolation_forest_train(fv, '{"seed": 1e16}') FROM fv;
-- case: iforest.err.option.threads
-- error: isolation_forest_train(): option threads must be an integer from 0 (automatic) to 64
SELECT isolation_forest_train(fv, '{"threads": 65}') FROM fv;
-- case: iforest.err.options.array
-- error: isolation_forest_train(): options are not a JSON object (expected a JSON object); write them like '{"n_trees": 200}'
SELECT isolation_forest_train(fv, '[1, 2]') FROM fv;
-- case: iforest.err.options.text
-- error: isolation_forest_train(): options are not a JSON object (expected a JSON object); write them like '{"n_trees": 200}'
SELECT isolation_forest_train(fv, 'n_trees=5') FROM fv;
-- case: iforest.err.options.duplicate
-- error: isolation_forest_train(): options are not a JSON object (duplicate key "seed"); write them like '{"n_trees": 200}'
SELECT isolation_forest_train(fv, '{"seed": 1, "seed": 2}') FROM fv;
-- case: iforest.err.options.integer
-- error: isolation_forest_train(): options (argument 2) is INTEGER; expected a JSON object as TEXT
SELECT isolation_forest_train(fv, 100) FROM fv;
-- case: iforest.err.options.real
-- error: isolation_forest_train(): options (argument 2) is REAL; expected a JSON object as TEXT
SELECT isolation_forest_train(fv, 0.5) FROM fv;
-- case: iforest.err.options.blob
-- error: isolation_forest_train(): options (argument 2) is BLOB; expected a JSON object as TEXT
SELECT isolation_forest_train(fv, x'7b7d') FROM fv;
-- case: iforest.err.options.changed
-- error: isolation_forest_train(): options changed between rows; pass the same options on every row
SELECT isolation_forest_train(fv, CASE WHEN id < 300 THEN '{"seed": 1}' ELSE '{"seed": 2}' END) FROM fv;
-- case: iforest.err.options.changed.from.null
-- error: isolation_forest_train(): options changed between rows; pass the same options on every row
SELECT isolation_forest_train(fv, CASE WHEN id < 300 THEN NULL ELSE '{}' END) FROM fv;
-- case: iforest.err.options.changed.to.null
-- error: isolation_forest_train(): options changed between rows; pass the same options on every row
SELECT isolation_forest_train(fv, CASE WHEN id < 300 THEN '{}' END) FROM fv;
-- Options are checked on the first row, even when its features are NULL.
-- case: iforest.err.options.first.row.null
-- error: isolation_forest_train(): option n_trees must be an integer from 1 to 10000
SELECT isolation_forest_train(NULL, '{"n_trees": 0}');
-- case: iforest.err.budget
-- error: isolation_forest_train(): the training sample could take 400000 MiB (n_trees 10000 × sample_size 1048576 rows of 0 features); lower n_trees or sample_size
SELECT isolation_forest_train(fv, '{"n_trees": 10000, "sample_size": 1048576}') FROM fv;

-- ------------------------------------------------------------ feature errors
-- case: iforest.err.features.integer
-- error: isolation_forest_train(): features (argument 1) is INTEGER; expected a feature vector (a BLOB made by feature_vector())
SELECT isolation_forest_train(t) FROM runs;
-- case: iforest.err.features.real
-- error: isolation_forest_train(): features (argument 1) is REAL; expected a feature vector (a BLOB made by feature_vector())
SELECT isolation_forest_train(d) FROM runs WHERE d IS NOT NULL;
-- case: iforest.err.features.text
-- error: isolation_forest_train(): features (argument 1) is TEXT; expected a feature vector (a BLOB made by feature_vector())
SELECT isolation_forest_train(feature_vector_json(fv)) FROM fv;
-- case: iforest.err.features.blob
-- error: isolation_forest_train(): not a feature vector
SELECT isolation_forest_train(x'00112233');
-- case: iforest.err.features.model
-- error: isolation_forest_train(): not a feature vector
SELECT isolation_forest_train(auto) FROM m;
-- case: iforest.err.mixed.types
-- error: isolation_forest_train(): feature "t" is numeric in one row and categorical in another
SELECT isolation_forest_train(feature_vector('t', CASE WHEN id = 50 THEN 'many' ELSE t END)) FROM runs;
-- case: iforest.err.mixed.types.reverse
-- error: isolation_forest_train(): feature "h" is categorical in one row and numeric in another
SELECT isolation_forest_train(feature_vector('h', CASE WHEN id = 50 THEN 3 ELSE h END)) FROM runs;
-- case: iforest.err.all.null.features
-- error: isolation_forest_train(): the feature vectors hold no values (every feature is NULL in every row)
SELECT isolation_forest_train(feature_vector('d', NULL, 't', NULL)) FROM runs;
-- case: iforest.err.empty.vectors
-- error: isolation_forest_train(): the feature vectors hold no values (every feature is NULL in every row)
SELECT isolation_forest_train(feature_vector('{}')) FROM runs;

-- ------------------------------------------------------------ scoring errors
-- case: iforest.err.score.features.integer
-- error: isolation_score(): features (argument 2) is INTEGER; expected a feature vector (a BLOB made by feature_vector())
SELECT isolation_score(auto, 5) FROM m;
-- case: iforest.err.score.features.text
-- error: isolation_score(): features (argument 2) is TEXT; expected a feature vector (a BLOB made by feature_vector())
SELECT isolation_score(auto, '{"d": 1}') FROM m;
-- case: iforest.err.score.features.blob
-- error: isolation_score(): not a feature vector
SELECT isolation_score(auto, x'0102') FROM m;
-- case: iforest.err.score.no.feature
-- error: isolation_score(): none of the model's 3 features (d, h, t) is in the feature vector; check the names (they are case-sensitive)
SELECT isolation_score(auto, feature_vector('D', 1)) FROM m;
-- case: iforest.err.score.only.feature
-- error: isolation_score(): the model's only feature (x) is not in the feature vector; check the name (it is case-sensitive)
SELECT isolation_score(isolation_forest_train(feature_vector('x', 1)), feature_vector('y', 1));
-- case: iforest.err.score.type
-- error: isolation_score(): feature "d" is categorical but the model was trained with it numeric (a number stored as TEXT is a category: CAST it AS REAL in training and prediction alike)
SELECT isolation_score(auto, feature_vector('d', '100')) FROM m;
-- case: iforest.err.score.type.reverse
-- error: isolation_score(): feature "h" is numeric but the model was trained with it categorical (a number stored as TEXT is a category: CAST it AS REAL in training and prediction alike)
SELECT isolation_score(auto, feature_vector('h', 3)) FROM m;
-- case: iforest.err.score.model.integer
-- error: isolation_score(): model is INTEGER; expected a model BLOB or a registry name (TEXT)
SELECT isolation_score(42, feature_vector('d', 1));
-- case: iforest.err.score.model.fv
-- error: isolation_score(): not an omen model: it is a feature vector (the model comes first, then the features)
SELECT isolation_score(fv, auto) FROM m, fv WHERE id = 1;
-- Wrong kinds, both ways.
-- case: iforest.err.kind.gbt
-- error: isolation_score(): model is a gbt model; expected an iforest model
SELECT isolation_score(gbt_train(feature_vector('t', t), d, '{"n_trees": 2}'), feature_vector('t', 8)) FROM runs WHERE d IS NOT NULL;
-- case: iforest.err.kind.baseline
-- error: isolation_score(): model is a baseline model; expected an iforest model
SELECT isolation_score(baseline_train(d), feature_vector('value', 8)) FROM runs;
-- case: iforest.err.kind.ensemble
-- error: isolation_score(): model is an ensemble model; expected an iforest model
SELECT isolation_score(anomaly_ensemble(auto, c05), feature_vector('d', 8)) FROM m;
-- case: iforest.err.kind.registry
-- error: isolation_score(): model 'gbt_runs' is a gbt model; expected an iforest model
SELECT isolation_score('gbt_runs', feature_vector('t', 8))
  FROM (SELECT model_save('gbt_runs', gbt_train(feature_vector('t', t), d, '{"n_trees": 2}')) FROM runs WHERE d IS NOT NULL);
-- case: iforest.err.predict.duration
-- error: predict_duration(): model is an iforest model; expected a gbt model
SELECT predict_duration(auto, feature_vector('d', 1)) FROM m;
-- case: iforest.err.predict.registry
-- error: predict_duration(): model 'if_runs' is an iforest model; expected a gbt model
SELECT predict_duration('if_runs', feature_vector('d', 1));
-- case: iforest.err.scale
-- error: scale(): model is an iforest model; expected a scaler model
SELECT scale(auto, feature_vector('d', 1)) FROM m;
-- case: iforest.err.baseline_score
-- error: baseline_score(): model is an iforest model; expected a baseline model
SELECT baseline_score(auto, feature_vector('d', 1)) FROM m;

-- ------------------------------------------------------------ damaged BLOBs
-- One byte flipped in the middle (|| turns BLOBs into TEXT; CAST takes the bytes back).
-- case: iforest.err.corrupt.flip
-- error: isolation_score(): model checksum mismatch
SELECT isolation_score(CAST(substr(auto, 1, 999) || CAST(x'ff' AS TEXT) || substr(auto, 1001) AS BLOB), feature_vector('d', 1)) FROM m;
-- case: iforest.err.corrupt.flip.size
SELECT length(CAST(substr(auto, 1, 999) || CAST(x'ff' AS TEXT) || substr(auto, 1001) AS BLOB)) = length(auto) FROM m;
-- case: iforest.err.corrupt.truncated
-- error: isolation_score(): model is truncated (40 bytes)
SELECT isolation_score(substr(auto, 1, 40), feature_vector('d', 1)) FROM m;
CREATE TABLE tiny AS SELECT isolation_forest_train(feature_vector('x', 1), '{"n_trees": 1}') AS b;
-- case: iforest.err.corrupt.tiny.size
SELECT length(b) = 484 FROM tiny;
-- case: iforest.err.corrupt.truncated.one
-- error: isolation_score(): model is truncated or has trailing bytes (483 bytes; header says 484)
SELECT isolation_score(substr(b, 1, length(b) - 1), feature_vector('x', 1)) FROM tiny;
-- case: iforest.err.corrupt.trailing
-- error: isolation_score(): model is truncated or has trailing bytes (485 bytes; header says 484)
SELECT isolation_score(CAST(b || CAST(x'00' AS TEXT) AS BLOB), feature_vector('x', 1)) FROM tiny;
-- case: iforest.err.corrupt.explain
-- error: anomaly_explain(): model checksum mismatch
SELECT * FROM anomaly_explain((SELECT CAST(substr(auto, 1, 999) || CAST(x'ff' AS TEXT) || substr(auto, 1001) AS BLOB) FROM m), feature_vector('d', 1));
-- A corrupt model in a later row of a statement that already scored good ones.
-- case: iforest.err.corrupt.later.row
-- error: isolation_score(): model checksum mismatch
SELECT isolation_score(CASE WHEN id < 5 THEN auto ELSE CAST(substr(auto, 1, 999) || CAST(x'ff' AS TEXT) || substr(auto, 1001) AS BLOB) END, fv)
  FROM m, fv;
