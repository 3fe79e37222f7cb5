-- scaler_train_state() and scaler_merge(): mergeable states of scaler_train
-- (docs/scaler_train_state.md, docs/scaler_merge.md; ext/scaler_state.c,
-- core/prep/scl_state.h).  The merged model must be the same BLOB, byte for
-- byte, as scaler_train over all the rows, whatever the split and the order.
CREATE TABLE runs(id INTEGER PRIMARY KEY, cpu REAL, mem REAL, host TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 900)
INSERT INTO runs SELECT i,
  CASE WHEN i % 31 = 0 THEN NULL ELSE 1e6 + 100 * hash_uniform(i, 7) + (i % 3) * 1.5 END,
  CASE WHEN i % 97 = 0 THEN 1e300 * (hash_uniform(i, 3) - 0.5) ELSE exp(3 * hash_uniform(i, 8)) END,
  CASE WHEN i % 41 = 0 THEN NULL ELSE 'h' || (i % 7) END FROM n;
CREATE VIEW fv AS SELECT id, CASE WHEN id % 89 = 0 THEN NULL
  ELSE feature_vector('cpu', cpu, 'mem', mem, 'host', host) END AS v FROM runs;
CREATE TABLE whole AS SELECT scaler_train(v) AS st, scaler_train(v, 'minmax') AS mm,
  scaler_train(v, 'robust') AS rb FROM fv;

-- case: scaler_state.blob
SELECT typeof(s) = 'blob' AND substr(s, 1, 4) = CAST('OMEN' AS BLOB)
  AND json_extract(model_info(s), '$.kind') = 'scaler_state' FROM (SELECT scaler_train_state(v) AS s FROM fv);
-- case: scaler_state.merge.one
SELECT (SELECT scaler_merge(s) FROM (SELECT scaler_train_state(v) AS s FROM fv)) = st FROM whole;
-- case: scaler_state.split.parity
SELECT hex(scaler_merge(s)) = (SELECT hex(st) FROM whole)
  FROM (SELECT scaler_train_state(v) AS s FROM fv GROUP BY id % 2);
-- case: scaler_state.split.ranges
SELECT hex(scaler_merge(s)) = (SELECT hex(st) FROM whole)
  FROM (SELECT scaler_train_state(v) AS s FROM fv GROUP BY id / 37);
-- case: scaler_state.split.minmax
SELECT hex(scaler_merge(s)) = (SELECT hex(mm) FROM whole)
  FROM (SELECT scaler_train_state(v, 'minmax') AS s FROM fv GROUP BY id % 5);
-- case: scaler_state.split.robust
SELECT hex(scaler_merge(s)) = (SELECT hex(rb) FROM whole)
  FROM (SELECT scaler_train_state(v, 'robust') AS s FROM fv GROUP BY id % 7);
-- a part with one row, a part of NULL rows only, an empty part (NULL state)
-- case: scaler_state.split.odd.parts
SELECT hex(scaler_merge(s)) = (SELECT hex(st) FROM whole)
  FROM (SELECT scaler_train_state(v) AS s FROM fv WHERE id = 1
        UNION ALL SELECT scaler_train_state(v) FROM fv WHERE id > 1 AND v IS NOT NULL
        UNION ALL SELECT scaler_train_state(v) FROM fv WHERE v IS NULL
        UNION ALL SELECT scaler_train_state(v) FROM fv WHERE 0
        UNION ALL SELECT NULL);
-- case: scaler_state.order.reversed
SELECT hex(scaler_merge(s)) = (SELECT hex(st) FROM whole)
  FROM (SELECT scaler_train_state(v) AS s, id % 11 AS k FROM fv GROUP BY k ORDER BY k DESC);
-- case: scaler_state.order.shuffled
SELECT hex(scaler_merge(s)) = (SELECT hex(rb) FROM whole)
  FROM (SELECT scaler_train_state(v, 'robust') AS s, id % 13 AS k FROM fv GROUP BY k ORDER BY hash_uniform(k, 3));
-- the merged STATE is byte for byte the state of all rows
-- case: scaler_state.state.bytes
SELECT hex(scaler_train_state(s)) = (SELECT hex(scaler_train_state(v)) FROM fv)
  FROM (SELECT scaler_train_state(v) AS s FROM fv GROUP BY id % 5 ORDER BY id % 5 DESC);
-- roll-ups in levels: hosts -> regions -> all; NULL states in a merge of states are no rows
-- case: scaler_state.levels
SELECT hex(scaler_merge(r)) = (SELECT hex(st) FROM whole)
  FROM (SELECT scaler_train_state(s) AS r FROM
          (SELECT id % 10 AS host, scaler_train_state(v) AS s FROM fv GROUP BY host UNION ALL SELECT 3, NULL)
        GROUP BY host % 3);
-- rows and states mixed in one scaler_train_state
-- case: scaler_state.mixed
SELECT hex(scaler_merge(s)) = (SELECT hex(st) FROM whole) FROM (
  SELECT scaler_train_state(x) AS s FROM (
    SELECT v AS x FROM fv WHERE id <= 300
    UNION ALL SELECT scaler_train_state(v) FROM fv WHERE id > 300));
-- scale() with the merged model gives the same vectors
-- case: scaler_state.scale.same
SELECT count(*) = 900 AND sum(scale(m, v) IS scale((SELECT st FROM whole), v)) = 900
  FROM fv, (SELECT scaler_merge(s) AS m FROM (SELECT scaler_train_state(v) AS s FROM fv GROUP BY id % 4));
-- model_save takes it, and model_info of the saved one is scaler_train's but created_at
-- case: scaler_state.save
SELECT model_save('sc_merged', scaler_merge(s)) IS NOT NULL FROM (SELECT scaler_train_state(v) AS s FROM fv GROUP BY id % 3);
-- case: scaler_state.save.scale
SELECT sum(scale('sc_merged', v) IS scale((SELECT st FROM whole), v)) = 900 FROM fv;
-- rows_used and rows_skipped add up
-- case: scaler_state.info.rows
SELECT json_extract(i, '$.rows_used') = 890 AND json_extract(i, '$.rows_skipped') = 10
  AND json_extract(i, '$.detail.exact') = 1 AND json_extract(i, '$.options.method') = 'standard'
  FROM (SELECT model_info(scaler_train_state(v)) AS i FROM fv);
-- case: scaler_state.info.merged.rows
SELECT json_extract(i, '$.rows_used') = 890 AND json_extract(i, '$.rows_skipped') = 10
  FROM (SELECT model_info(scaler_merge(s)) AS i FROM (SELECT scaler_train_state(v) AS s FROM fv GROUP BY id % 6));
-- the schema holds the feature names and types, never category text
-- case: scaler_state.no.category.text
SELECT instr(s, CAST('h3' AS BLOB)) = 0 AND instr(s, CAST('host' AS BLOB)) > 0
  FROM (SELECT scaler_train_state(v) AS s FROM fv);
-- NULL and empty inputs
-- case: scaler_state.no.rows
SELECT scaler_train_state(v) IS NULL FROM fv WHERE 0;
-- case: scaler_state.only.null.rows
SELECT json_extract(model_info(scaler_train_state(v)), '$.rows_skipped') = 10 FROM fv WHERE v IS NULL;
-- case: scaler_state.merge.only.null.rows
SELECT scaler_merge(s) IS NULL FROM (SELECT scaler_train_state(v) AS s FROM fv WHERE v IS NULL);
-- case: scaler_state.merge.no.states
SELECT scaler_merge(s) IS NULL FROM (SELECT NULL AS s);
-- case: scaler_state.merge.empty
SELECT scaler_merge(s) IS NULL FROM (SELECT 1 AS s) WHERE 0;
-- a feature missing in every row of a part is still in its schema
-- case: scaler_state.all.missing.feature
SELECT hex(scaler_merge(s)) = (SELECT hex(scaler_train(feature_vector('a', CASE WHEN id > 5 THEN id END, 'b', id)))
                                 FROM runs WHERE id <= 10)
  FROM (SELECT scaler_train_state(feature_vector('a', CASE WHEN id > 5 THEN id END, 'b', id)) AS s
          FROM runs WHERE id <= 10 GROUP BY id > 5);
-- values near the ends of the double range
CREATE TABLE ext(id INTEGER PRIMARY KEY, x REAL, k INTEGER);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
INSERT INTO ext SELECT i,
  CASE WHEN i % 50 = 0 THEN 1.7e308 WHEN i % 51 = 0 THEN -1.7e308 WHEN i % 7 = 0 THEN 4.9e-322 * i
       ELSE hash_uniform(i, 9) - 0.5 END, i % 4 FROM n;
-- case: scaler_state.extreme
SELECT hex(scaler_merge(s)) = (SELECT hex(scaler_train(feature_vector('x', x))) FROM ext)
  FROM (SELECT scaler_train_state(feature_vector('x', x)) AS s FROM ext GROUP BY k);
-- errors
-- case: scaler_state.err.method
-- error: scaler_train_state(): method (argument 2) is 'zscore'; expected 'standard', 'robust' or 'minmax'
SELECT scaler_train_state(v, 'zscore') FROM fv;
-- case: scaler_state.err.method.type
-- error: scaler_train_state(): method (argument 2) is INTEGER; expected 'standard', 'robust' or 'minmax'
SELECT scaler_train_state(v, 3) FROM fv;
-- case: scaler_state.err.method.changed
-- error: scaler_train_state(): method changed from 'standard' to 'robust' between rows
SELECT scaler_train_state(v, CASE WHEN id < 5 THEN 'standard' ELSE 'robust' END) FROM fv;
-- case: scaler_state.err.features.type
-- error: scaler_train_state(): features (argument 1) is TEXT; expected a feature vector (a BLOB made by feature_vector()) or a scaler_state
SELECT scaler_train_state('cpu');
-- case: scaler_state.err.features.corrupt
-- error: scaler_train_state(): not a feature vector
SELECT scaler_train_state(x'00112233445566778899');
-- case: scaler_state.err.type
-- error: scaler_merge(): state (argument 1) is TEXT; expected a scaler_state BLOB (from scaler_train_state())
SELECT scaler_merge('x');
-- case: scaler_state.err.not.omen
-- error: scaler_merge(): not an omen model
SELECT scaler_merge(x'00112233445566778899');
-- case: scaler_state.err.model
-- error: scaler_merge(): the state is a scaler state; expected a scaler_state, from scaler_train_state()
SELECT scaler_merge(st) FROM whole;
-- case: scaler_state.err.model.state
-- error: scaler_train_state(): the state is a scaler state; expected a scaler_state, from scaler_train_state()
SELECT scaler_train_state(st) FROM whole;
-- case: scaler_state.err.welch
-- error: scaler_merge(): the state is a welch_state state; expected a scaler_state, from scaler_train_state()
SELECT scaler_merge(w) FROM (SELECT welch_ttest_state(id, id % 2) AS w FROM runs);
-- case: scaler_state.err.checksum
-- error: scaler_merge(): model checksum mismatch
SELECT scaler_merge(CAST(substr(s, 1, 60) || x'ff' || substr(s, 62) AS BLOB)) FROM (SELECT scaler_train_state(v) AS s FROM fv);
-- case: scaler_state.err.truncated
-- error: scaler_merge(): model is truncated (20 bytes)
SELECT scaler_merge(substr(s, 1, 20)) FROM (SELECT scaler_train_state(v) AS s FROM fv);
-- case: scaler_state.err.methods
-- error: scaler_merge(): states have different methods: 'standard' and 'robust'
SELECT scaler_merge(s) FROM (SELECT scaler_train_state(v) AS s FROM fv UNION ALL SELECT scaler_train_state(v, 'robust') FROM fv);
-- case: scaler_state.err.methods.state
-- error: scaler_train_state(): states have different methods: 'minmax' and 'standard'
SELECT scaler_train_state(s) FROM (SELECT scaler_train_state(v, 'minmax') AS s FROM fv UNION ALL SELECT scaler_train_state(v) FROM fv);
-- case: scaler_state.err.features
-- error: scaler_merge(): states have different features: 'cpu_pct' is in one and not the other
SELECT scaler_merge(s) FROM (SELECT scaler_train_state(v) AS s FROM fv
  UNION ALL SELECT scaler_train_state(feature_vector('cpu', cpu, 'cpu_pct', cpu, 'host', host, 'mem', mem)) FROM runs);
-- case: scaler_state.err.features.fewer
-- error: scaler_merge(): states have different features: 'mem' is in one and not the other
SELECT scaler_merge(s) FROM (SELECT scaler_train_state(v) AS s FROM fv
  UNION ALL SELECT scaler_train_state(feature_vector('cpu', cpu, 'host', host)) FROM runs);
-- case: scaler_state.err.feature.type
-- error: scaler_merge(): feature "host" is categorical in one state and numeric in another
SELECT scaler_merge(s) FROM (SELECT scaler_train_state(v) AS s FROM fv
  UNION ALL SELECT scaler_train_state(feature_vector('cpu', cpu, 'host', id, 'mem', mem)) FROM runs);
-- case: scaler_state.err.range
-- error: scaler_merge(): feature "x" has values too large to scale (its scale is beyond ±1.8e308; rescale the feature)
SELECT scaler_merge(s) FROM (SELECT scaler_train_state(feature_vector('x', 1.7e308), 'minmax') AS s
  UNION ALL SELECT scaler_train_state(feature_vector('x', -1.7e308), 'minmax'));
-- case: scaler_state.err.window
-- error: scaler_merge() may not be used as a window function
SELECT scaler_merge(NULL) OVER () FROM runs;
