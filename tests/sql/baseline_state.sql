-- baseline_train_state() and baseline_merge(): mergeable states of baseline_train
-- (docs/baseline_train_state.md, docs/baseline_merge.md; ext/baseline_state.c,
-- ext/core/baseline/bl_state.h).  n, min, max are exact; mean and sd come from
-- exact sums; median, quantiles, MAD and MeanAD from a merged DDSketch within
-- the bound of bl_state.h 3 (alpha = 0.0005); the merged model does not depend
-- on the split or the order of the states.
CREATE TABLE runs(id INTEGER PRIMARY KEY, job TEXT, d REAL, host INTEGER);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
INSERT INTO runs SELECT i, 'job' || (i % 3),
  CASE WHEN i % 211 = 0 THEN NULL
       WHEN i % 97 = 0 THEN 900 + 10 * (i % 7)
       ELSE (60 + 60 * (i % 3)) * exp(0.15 * (hash_uniform(i, 1) + hash_uniform(i, 2) + hash_uniform(i, 3) - 1.5)) END,
  i % 4 FROM n;
CREATE TABLE direct AS SELECT job, baseline_train(d) AS m FROM runs GROUP BY job;
CREATE TABLE host_states AS SELECT host, job, baseline_train_state(d) AS s FROM runs GROUP BY host, job;
CREATE TABLE merged AS SELECT job, baseline_merge(s) AS m FROM host_states GROUP BY job;
CREATE VIEW cmp AS
  SELECT d.job, json_extract(model_info(d.m), '$.detail.features.value') AS e,
         json_extract(model_info(g.m), '$.detail.features.value') AS g
    FROM direct AS d JOIN merged AS g USING (job);
-- a constant job: exact, as baseline_train
CREATE TABLE flat(d REAL, part INT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40) INSERT INTO flat SELECT 60.5, i % 3 FROM n;

-- case: baseline_state.blob
SELECT typeof(s) = 'blob' AND substr(s, 1, 4) = CAST('OMEN' AS BLOB)
   AND json_extract(model_info(s), '$.kind') = 'baseline_state' FROM host_states LIMIT 1;
-- case: baseline_state.info
SELECT json_extract(model_info(s), '$.detail') = '{"threshold":3.5,"constant_cv":0.01,"seed":0,"sketch_alpha":0.0005,"features":[{"feature":"value","n":249}]}'
   AND json_extract(model_info(s), '$.rows_used') = 249 AND json_extract(model_info(s), '$.rows_skipped') = 1
  FROM host_states WHERE host = 0 AND job = 'job0';
-- case: baseline_state.merged.kind
SELECT count(*) = 3 AND min(json_extract(model_info(m), '$.kind') = 'baseline'
                            AND json_extract(model_info(m), '$.detail.role') = 'job'
                            AND json_extract(model_info(m), '$.metrics.sketch_alpha') = 0.0005) FROM merged;
-- the rows add up, the exact statistics are exact
-- case: baseline_state.rows
SELECT min(json_extract(model_info(d.m), '$.rows_used') = json_extract(model_info(g.m), '$.rows_used')
           AND json_extract(model_info(d.m), '$.rows_skipped') = json_extract(model_info(g.m), '$.rows_skipped'))
  FROM direct AS d JOIN merged AS g USING (job);
-- case: baseline_state.exact.n.min.max
SELECT min(json_extract(e, '$.n') = json_extract(g, '$.n') AND json_extract(g, '$.n_kept') = json_extract(g, '$.n')
           AND json_extract(e, '$.min') = json_extract(g, '$.min') AND json_extract(e, '$.max') = json_extract(g, '$.max'))
  FROM cmp;
-- case: baseline_state.mean.sd
SELECT max(abs(json_extract(g, '$.mean') / json_extract(e, '$.mean') - 1)) < 1e-13
   AND max(abs(json_extract(g, '$.sd') / json_extract(e, '$.sd') - 1)) < 1e-12 FROM cmp;
-- median and quantiles within alpha |value| (one-signed data), MAD within alpha (MAD + 2 |median|)
-- case: baseline_state.median.quantiles.bound
SELECT min(abs(json_extract(g, '$.median') - json_extract(e, '$.median')) <= 0.0005 * json_extract(e, '$.median')
       AND abs(json_extract(g, '$.p5') - json_extract(e, '$.p5')) <= 0.0005 * json_extract(e, '$.p5')
       AND abs(json_extract(g, '$.p95') - json_extract(e, '$.p95')) <= 0.0005 * json_extract(e, '$.p95'))
  FROM cmp;
-- case: baseline_state.mad.bound
SELECT min(abs(json_extract(g, '$.mad') - json_extract(e, '$.mad'))
             <= 0.0005 * (json_extract(e, '$.mad') + 2 * json_extract(e, '$.median') * 1.0006)
       AND abs(json_extract(g, '$.meanad') - json_extract(e, '$.meanad'))
             <= 0.0005 * (json_extract(e, '$.mean') + json_extract(e, '$.median') * 1.0006)
       AND json_extract(g, '$.scale_source') = json_extract(e, '$.scale_source'))
  FROM cmp;
-- measured here: MADs within 5 % (0.051 at worst), so robust z within 5 % (+ 0.05) on every row
-- case: baseline_state.score.close
SELECT max(abs(baseline_score(g.m, r.d) - baseline_score(d.m, r.d)) / (abs(baseline_score(d.m, r.d)) + 1)) < 0.06
  FROM runs AS r JOIN direct AS d USING (job) JOIN merged AS g USING (job) WHERE r.d IS NOT NULL;
-- case: baseline_state.anomalies.agree
SELECT sum(baseline_is_anomaly(g.m, r.d) = baseline_is_anomaly(d.m, r.d)) * 1.0 / count(*) > 0.995
   AND sum(baseline_is_anomaly(g.m, r.d)) > 20
  FROM runs AS r JOIN direct AS d USING (job) JOIN merged AS g USING (job) WHERE r.d IS NOT NULL;
-- whatever the split and the order: the same model bytes; the merged state is the state of all rows
-- case: baseline_state.split.independent
SELECT min(g.m = x.m) FROM merged AS g JOIN (
  SELECT job, baseline_merge(s) AS m FROM (
    SELECT job, baseline_train_state(d) AS s FROM runs GROUP BY job, id % 7 ORDER BY hash_uniform(id % 7, 5))
  GROUP BY job) AS x USING (job);
-- case: baseline_state.one.state
SELECT min(g.m = x.m) FROM merged AS g JOIN (
  SELECT job, baseline_merge(s) AS m FROM (SELECT job, baseline_train_state(d) AS s FROM runs GROUP BY job) GROUP BY job) AS x USING (job);
-- case: baseline_state.state.bytes
SELECT min(a.s = b.s) FROM
  (SELECT job, baseline_train_state(s) AS s FROM (SELECT * FROM host_states ORDER BY host DESC) GROUP BY job) AS a
  JOIN (SELECT job, baseline_train_state(d) AS s FROM runs GROUP BY job) AS b USING (job);
-- roll-ups in levels: hosts -> pairs of hosts -> all
-- case: baseline_state.levels
SELECT min(g.m = x.m) FROM merged AS g JOIN (
  SELECT job, baseline_merge(s) AS m FROM (
    SELECT job, baseline_train_state(s) AS s FROM host_states GROUP BY host % 2, job) GROUP BY job) AS x USING (job);
-- rows and states mixed in one baseline_train_state(x)
-- case: baseline_state.mixed
SELECT baseline_train_state(x) = (SELECT baseline_train_state(d) FROM runs WHERE job = 'job1')
  FROM (SELECT s AS x FROM host_states WHERE job = 'job1' AND host < 3
        UNION ALL SELECT d FROM runs WHERE job = 'job1' AND host = 3);
-- the merged model works wherever a job baseline does
-- case: baseline_state.fleet.shrink
SELECT json_extract(model_info(baseline_shrink(g.m, f.f)), '$.detail.features.value.scale_source') = 'shrunk'
  FROM merged AS g, (SELECT baseline_fleet(m) AS f FROM merged) AS f WHERE g.job = 'job2';
-- case: baseline_state.model_save
SELECT model_save('bs_job0', m) > 0 AND baseline_score('bs_job0', 900) = baseline_score(m, 900) FROM merged WHERE job = 'job0';
-- a constant history is exact: the same statistics and scores as baseline_train
-- case: baseline_state.constant
SELECT json_extract(model_info(baseline_merge(s)), '$.detail') = json_extract(model_info((SELECT baseline_train(d) FROM flat)), '$.detail')
   AND baseline_score(baseline_merge(s), 61) = baseline_score((SELECT baseline_train(d) FROM flat), 61)
  FROM (SELECT baseline_train_state(d) AS s FROM flat GROUP BY part);
-- case: baseline_state.constant.zero
SELECT json_extract(model_info(baseline_merge(s)), '$.detail.features.value.scale_source') = 'constant_zero'
  FROM (SELECT baseline_train_state(0.0 * d) AS s FROM flat GROUP BY part);
-- feature vectors: one summary per feature, a feature seen only missing has none
-- case: baseline_state.vectors
SELECT json_extract(model_info(baseline_merge(s)), '$.detail.features.cpu.n') = 996
   AND json_extract(model_info(baseline_merge(s)), '$.detail.features.mem.scale_source') = 'none'
   AND json_extract(model_info(baseline_merge(s)), '$.detail.features.cpu.min') = json_extract(model_info((
         SELECT baseline_train(feature_vector('cpu', d, 'mem', NULL)) FROM runs WHERE id <= 1000 AND d IS NOT NULL)), '$.detail.features.cpu.min')
  FROM (SELECT baseline_train_state(feature_vector('cpu', d, 'mem', NULL)) AS s FROM runs
         WHERE id <= 1000 AND d IS NOT NULL GROUP BY id % 3);
-- options: carried into the model, the same on every row and in every state
-- case: baseline_state.options
SELECT json_extract(model_info(m), '$.options') = '{"threshold":5,"constant_cv":0.05,"seed":7}'
   AND json_extract(model_info(m), '$.detail.threshold') = 5 AND json_extract(model_info(m), '$.seed') = 7
  FROM (SELECT baseline_merge(s) AS m FROM (
    SELECT baseline_train_state(d, '{"threshold": 5, "constant_cv": 0.05, "seed": 7, "max_values": 10}') AS s
      FROM runs GROUP BY host));
-- NULL rows: skipped and counted; a state of NULL rows only holds their count; no rows: NULL
-- case: baseline_state.nulls.only
SELECT json_extract(model_info(baseline_train_state(d)), '$.rows_skipped') = 14
   AND json_extract(model_info(baseline_train_state(d)), '$.features') = '[]' FROM runs WHERE d IS NULL;
-- case: baseline_state.nulls.merge
SELECT baseline_merge(s) IS NULL FROM (SELECT baseline_train_state(d) AS s FROM runs WHERE d IS NULL);
-- case: baseline_state.no.rows
SELECT baseline_train_state(d) IS NULL AND baseline_merge(NULL) IS NULL FROM runs WHERE 0;
-- case: baseline_state.null.states.skipped
SELECT baseline_merge(s) = (SELECT m FROM merged WHERE job = 'job0')
  FROM (SELECT s FROM host_states WHERE job = 'job0' UNION ALL SELECT NULL);

-- errors
-- case: baseline_state.err.merge.text
-- error: baseline_merge(): state (argument 1) is TEXT; expected a baseline_state BLOB (from baseline_train_state())
SELECT baseline_merge('x');
-- case: baseline_state.err.not.omen
-- error: baseline_merge(): not an omen model
SELECT baseline_merge(x'00112233445566778899');
-- case: baseline_state.err.kind
-- error: baseline_merge(): the state is a welch_state state; expected a baseline_state, from baseline_train_state()
SELECT baseline_merge(s) FROM (SELECT welch_ttest_state(d, job) AS s FROM runs WHERE job IN ('job0', 'job1'));
-- case: baseline_state.err.kind.model
-- error: baseline_train_state(): the state is a baseline state; expected a baseline_state, from baseline_train_state()
SELECT baseline_train_state(m) FROM direct;
-- case: baseline_state.err.checksum
-- error: baseline_merge(): model checksum mismatch
SELECT baseline_merge(CAST(substr(s, 1, 100) || x'ff' || substr(s, 102) AS BLOB)) FROM host_states WHERE host = 1 AND job = 'job1';
-- case: baseline_state.err.options
-- error: baseline_merge(): states have different options: threshold 3.5, constant_cv 0.01, seed 0 and threshold 4, constant_cv 0.01, seed 0; merge states made with the same options
SELECT baseline_merge(s) FROM (SELECT baseline_train_state(d) AS s FROM runs WHERE host = 0
                               UNION ALL SELECT baseline_train_state(d, '{"threshold": 4}') FROM runs WHERE host = 1);
-- case: baseline_state.err.options.rows
-- error: baseline_train_state(): states have different options: threshold 4, constant_cv 0.01, seed 0 and threshold 3.5, constant_cv 0.01, seed 0; merge states made with the same options
SELECT baseline_train_state(x) FROM (SELECT baseline_train_state(d, '{"threshold": 4}') AS x FROM runs WHERE host = 1
                                     UNION ALL SELECT 5.0);
-- case: baseline_state.err.features
-- error: baseline_merge(): states have different features: 'cpu' is in one and not the other
SELECT baseline_merge(s) FROM (SELECT baseline_train_state(d) AS s FROM runs WHERE host = 0
                               UNION ALL SELECT baseline_train_state(feature_vector('cpu', 1.0)));
-- case: baseline_state.err.options.changed
-- error: baseline_train_state(): options changed between rows; pass the same options on every row
SELECT baseline_train_state(d, CASE WHEN id < 10 THEN '{}' ELSE '{"seed": 1}' END) FROM runs;
-- case: baseline_state.err.option.unknown
-- error: baseline_train_state(): unknown option "alpha"; accepted: threshold, constant_cv, max_values, seed
SELECT baseline_train_state(d, '{"alpha": 0.01}') FROM runs;
-- case: baseline_state.err.option.range
-- error: baseline_train_state(): option threshold must be a number in (0, 1e6]
SELECT baseline_train_state(d, '{"threshold": 0}') FROM runs;
-- case: baseline_state.err.options.json
-- error: baseline_train_state(): options (argument 2) is INTEGER; expected a JSON object as TEXT
SELECT baseline_train_state(d, 5) FROM runs;
-- case: baseline_state.err.text
-- error: baseline_train_state(): value (argument 1) is TEXT; expected a number or a feature vector (a BLOB made by feature_vector()); a number stored as TEXT (e.g. by the shell's .import) needs CAST(... AS REAL)
SELECT baseline_train_state('12');
-- case: baseline_state.err.inf
-- error: baseline_train_state(): value (argument 1) is +Inf; expected a finite number
SELECT baseline_train_state(9e999);
-- case: baseline_state.err.mixed
-- error: baseline_train_state(): value (argument 1) is a number in one row and a feature vector in another
SELECT baseline_train_state(x) FROM (SELECT 1.0 AS x UNION ALL SELECT feature_vector('value', 2.0));
-- case: baseline_state.err.categorical
-- error: baseline_train_state(): feature "host" is categorical; a baseline summarises numeric features only (leave it out of the vector)
SELECT baseline_train_state(feature_vector('host', 'a', 'd', 1.0));
-- case: baseline_state.err.window
-- error: baseline_train_state() may not be used as a window function
SELECT baseline_train_state(d) OVER () FROM runs;
