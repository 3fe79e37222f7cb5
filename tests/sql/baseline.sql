-- baseline_train(), baseline_score(), baseline_is_anomaly(), baseline_fleet(),
-- baseline_shrink(): docs/baseline_*.md; numerics ext/core/baseline/bl.h.
CREATE TABLE runs(id INTEGER PRIMARY KEY, job TEXT, d REAL, cpu REAL, mem REAL);
INSERT INTO runs VALUES
  (1, 'etl', 1, 10, 1.0), (2, 'etl', 2, 20, 1.5), (3, 'etl', 3, 30, NULL), (4, 'etl', 4, 40, 2.5), (5, 'etl', 10, 50, 2.0),
  (6, 'web', 60, 1, 4), (7, 'web', 60, 1, 4), (8, 'web', 60, 1, 4),
  (9, 'zero', 0, 0, 0), (10, 'zero', 0, 0, 0),
  (11, 'one', 42, 7, 1),
  (12, 'nulls', NULL, NULL, NULL), (13, 'nulls', NULL, NULL, NULL),
  (14, 'etl', NULL, NULL, NULL);
CREATE TABLE models AS SELECT job, baseline_train(d) AS m FROM runs GROUP BY job;

-- ------------------------------------------------------------ training
-- case: baseline.train.type
SELECT typeof(m) = 'blob' FROM models WHERE job = 'etl';
-- case: baseline.train.kind
SELECT json_extract(model_info(m), '$.kind') = 'baseline' AND json_extract(model_info(m), '$.payload_version') = 1
  FROM models WHERE job = 'etl';
-- case: baseline.train.info.rows
SELECT json_extract(i, '$.rows_used') = 5 AND json_extract(i, '$.rows_skipped') = 1
   AND json_extract(i, '$.features') = '[{"name":"value","type":"numeric"}]'
   AND json_extract(i, '$.options') = '{"threshold":3.5,"constant_cv":0.01,"max_values":1000000,"seed":0}'
   AND json_extract(i, '$.detail.role') = 'job' AND json_extract(i, '$.detail.threshold') = 3.5
   AND json_type(i, '$.created_at') = 'null'
  FROM (SELECT model_info(m) AS i FROM models WHERE job = 'etl');
-- case: baseline.train.info.stats
SELECT json_extract(f, '$.n') = 5 AND json_extract(f, '$.n_kept') = 5 AND json_extract(f, '$.min') = 1
   AND json_extract(f, '$.max') = 10 AND json_extract(f, '$.median') = 3 AND json_extract(f, '$.mad') = 1
   AND abs(json_extract(f, '$.meanad') - 2.2) < 1e-15 AND json_extract(f, '$.mean') = 4
   AND abs(json_extract(f, '$.sd') - sqrt(10)) < 1e-15 AND json_extract(f, '$.p25') = 2 AND json_extract(f, '$.p75') = 4
   AND abs(json_extract(f, '$.p1') - 1.04) < 1e-15 AND abs(json_extract(f, '$.p99') - 9.76) < 1e-14
   AND json_extract(f, '$.scale_source') = 'mad' AND json_extract(f, '$.weight') = 1
   AND abs(json_extract(f, '$.scale') - 1 / 0.6745) < 1e-15
  FROM (SELECT json_extract(model_info(m), '$.detail.features.value') AS f FROM models WHERE job = 'etl');
-- case: baseline.train.info.keys
SELECT (SELECT group_concat(key, ',') FROM json_each(json_extract(model_info(m), '$.detail.features.value')))
       = 'n,n_kept,min,max,mean,sd,median,mad,meanad,p1,p5,p25,p75,p95,p99,scale,scale_source,weight'
  FROM models WHERE job = 'etl';
-- The empty group and a group of NULLs give NULL.
-- case: baseline.train.empty
SELECT baseline_train(d) IS NULL FROM runs WHERE 0;
-- case: baseline.train.only.nulls
SELECT m IS NULL FROM models WHERE job = 'nulls';
-- case: baseline.train.one.row
SELECT json_extract(model_info(m), '$.detail.features.value.median') = 42
   AND json_extract(model_info(m), '$.detail.features.value.scale_source') = 'constant'
  FROM models WHERE job = 'one';
-- case: baseline.train.group.by
SELECT group_concat(job || ':' || json_extract(model_info(m), '$.rows_used'), ' ') = 'etl:5 one:1 web:3 zero:2'
  FROM (SELECT * FROM models WHERE m IS NOT NULL ORDER BY job);
-- case: baseline.train.deterministic
SELECT (SELECT baseline_train(d) FROM runs WHERE job = 'etl')
     = (SELECT baseline_train(d) FROM (SELECT d FROM runs WHERE job = 'etl' ORDER BY id DESC));
-- A number and feature_vector('value', number) train the same bytes.
-- case: baseline.train.value.vector
SELECT (SELECT baseline_train(d) FROM runs WHERE job = 'etl')
     = (SELECT baseline_train(CASE WHEN d IS NOT NULL THEN feature_vector('value', d) END) FROM runs WHERE job = 'etl');
-- case: baseline.train.integers
SELECT baseline_score(baseline_train(CAST(d AS INTEGER)), 10) = 0.6745 * 7 FROM runs WHERE job = 'etl';
-- case: baseline.train.options
SELECT json_extract(model_info(baseline_train(d, '{"threshold": 2, "constant_cv": 0.5, "max_values": 3, "seed": 9}')),
                    '$.options') = '{"threshold":2,"constant_cv":0.5,"max_values":3,"seed":9}'
  FROM runs WHERE job = 'etl';
-- case: baseline.train.options.null
SELECT baseline_train(d, NULL) = baseline_train(d) FROM runs WHERE job = 'etl';
-- max_values: a reservoir of 3 values behind the order statistics, n exact
-- case: baseline.train.reservoir
SELECT json_extract(f, '$.n') = 5 AND json_extract(f, '$.n_kept') = 3 AND json_extract(f, '$.min') = 1
   AND json_extract(f, '$.max') = 10 AND json_extract(f, '$.mean') = 4
  FROM (SELECT json_extract(model_info(baseline_train(d, '{"max_values": 3}')), '$.detail.features.value') AS f
          FROM runs WHERE job = 'etl');
-- case: baseline.train.negative.zero
SELECT baseline_train(-0.0) = baseline_train(0.0);
-- NaN does not exist in SQLite (Inf - Inf is NULL): a skipped row
-- case: baseline.train.nan
SELECT json_extract(model_info(baseline_train(v)), '$.rows_skipped') = 1
  FROM (SELECT 1.0 AS v UNION ALL SELECT 9e999 - 9e999);
-- case: baseline.train.huge
SELECT json_extract(model_info(baseline_train(v)), '$.detail.features.value.median') = 1.7e308
  FROM (SELECT -1.7e308 AS v UNION ALL SELECT 1.7e308 UNION ALL SELECT 1.7e308);

-- ------------------------------------------------------------ training errors
-- case: baseline.err.train.text
-- error: baseline_train(): value (argument 1) is TEXT; expected a number or a feature vector (a BLOB made by feature_vector()); a number stored as TEXT (e.g. by the shell's .import) needs CAST(... AS REAL)
SELECT baseline_train('12.5');
-- case: baseline.err.train.inf
-- error: baseline_train(): value (argument 1) is +Inf; expected a finite number
SELECT baseline_train(v) FROM (SELECT 1.0 AS v UNION ALL SELECT 9e999);
-- case: baseline.err.train.minus.inf
-- error: baseline_train(): value (argument 1) is -Inf; expected a finite number
SELECT baseline_train(-9e999);
-- case: baseline.err.train.mixed
-- error: baseline_train(): value (argument 1) is a number in one row and a feature vector in another
SELECT baseline_train(CASE WHEN id = 2 THEN feature_vector('value', d) ELSE d END) FROM runs WHERE job = 'etl';
-- case: baseline.err.train.categorical
-- error: baseline_train(): feature "job" is categorical; a baseline summarises numeric features only (leave it out of the vector)
SELECT baseline_train(feature_vector('d', d, 'job', job)) FROM runs;
-- case: baseline.err.train.corrupt.vector
-- error: baseline_train(): not a feature vector
SELECT baseline_train(x'00112233');
-- case: baseline.err.train.too.large
-- error: baseline_train(): feature "value" has values too large for a baseline (its scale is beyond ±1.8e308; rescale the feature)
SELECT baseline_train(v) FROM (SELECT -1.7e308 AS v UNION ALL SELECT -1.7e308 UNION ALL SELECT 1.7e308 UNION ALL SELECT 1.7e308);
-- case: baseline.err.train.options.type
-- error: baseline_train(): options (argument 2) is INTEGER; expected a JSON object as TEXT
SELECT baseline_train(d, 3) FROM runs;
-- case: baseline.err.train.options.json
-- error: baseline_train(): options are not a JSON object (expected a JSON object); write them like '{"threshold": 5}'
SELECT baseline_train(d, '3.5') FROM runs;
-- case: baseline.err.train.options.unknown
-- error: baseline_train(): unknown option "treshold"; accepted: threshold, constant_cv, max_values, seed
SELECT baseline_train(d, '{"treshold": 3}') FROM runs;
-- case: baseline.err.train.options.threshold
-- error: baseline_train(): option threshold must be a number in (0, 1e6]
SELECT baseline_train(d, '{"threshold": -1}') FROM runs;
-- case: baseline.err.train.options.threshold.bool
-- error: baseline_train(): option threshold must be a number in (0, 1e6]
SELECT baseline_train(d, '{"threshold": true}') FROM runs;
-- case: baseline.err.train.options.cv
-- error: baseline_train(): option constant_cv must be a number in (0, 1]
SELECT baseline_train(d, '{"constant_cv": 2}') FROM runs;
-- case: baseline.err.train.options.max.values
-- error: baseline_train(): option max_values must be an integer from 1 to 100000000
SELECT baseline_train(d, '{"max_values": 0.5}') FROM runs;
-- case: baseline.err.train.options.seed
-- error: baseline_train(): option seed must be an integer from 0 to 2^53
SELECT baseline_train(d, '{"seed": -1}') FROM runs;
-- case: baseline.err.train.options.changed
-- error: baseline_train(): options changed between rows; pass the same options on every row
SELECT baseline_train(d, CASE WHEN id < 3 THEN '{"threshold": 3}' ELSE '{"threshold": 4}' END) FROM runs;
-- case: baseline.err.train.window
-- error: baseline_train() may not be used as a window function
SELECT baseline_train(d) OVER (ORDER BY id) FROM runs;

-- ------------------------------------------------------------ scoring
-- etl: median 3, MAD 1 → z = 0.6745·(x − 3)
-- case: baseline.score.mad
SELECT baseline_score(m, 10) = 0.6745 * 7 AND baseline_score(m, 3) = 0 AND baseline_score(m, 1) = 0.6745 * -2
  FROM models WHERE job = 'etl';
-- case: baseline.score.integer
SELECT baseline_score(m, 10) = baseline_score(m, 10.0) FROM models WHERE job = 'etl';
-- case: baseline.is.anomaly
SELECT baseline_is_anomaly(m, 10) = 1 AND baseline_is_anomaly(m, 8) = 0 AND baseline_is_anomaly(m, -3) = 1
   AND typeof(baseline_is_anomaly(m, 4)) = 'integer'
  FROM models WHERE job = 'etl';
-- the threshold is strict: |z| equal to it is not an anomaly (1 3 5: z(5) = 0.6745·2/2)
-- case: baseline.is.anomaly.strict
SELECT baseline_score(baseline_train(v), 5) = 0.6745
   AND baseline_is_anomaly(baseline_train(v, '{"threshold": 0.6745}'), 5) = 0
   AND baseline_is_anomaly(baseline_train(v, '{"threshold": 0.6744}'), 5) = 1
  FROM (SELECT 1 AS v UNION ALL SELECT 3 UNION ALL SELECT 5);
-- case: baseline.score.inf
SELECT baseline_score(m, 9e999) = 9e999 AND baseline_score(m, -9e999) = -9e999 AND baseline_is_anomaly(m, 9e999) = 1
  FROM models WHERE job = 'etl';
-- web: constant 60 → scale 0.01·60 = 0.6
-- case: baseline.score.constant
SELECT abs(baseline_score(m, 60.6) - 1) < 1e-12 AND baseline_score(m, 60) = 0 AND baseline_is_anomaly(m, 62.2) = 1
   AND baseline_is_anomaly(m, 62) = 0
  FROM models WHERE job = 'web';
-- zero: constant 0 → any change is infinitely far
-- case: baseline.score.constant.zero
SELECT baseline_score(m, 0) = 0 AND baseline_score(m, 0.001) = 9e999 AND baseline_score(m, -1) = -9e999
   AND json_extract(model_info(m), '$.detail.features.value.scale_source') = 'constant_zero'
  FROM models WHERE job = 'zero';
-- MAD 0 with spread: IBM's MeanAD fallback
-- case: baseline.score.meanad
SELECT baseline_score(m, 9) = 4 / (1.253314 * 0.8)
   AND json_extract(model_info(m), '$.detail.features.value.scale_source') = 'meanad'
  FROM (SELECT baseline_train(v) AS m FROM (SELECT 5 AS v UNION ALL SELECT 5 UNION ALL SELECT 5 UNION ALL SELECT 5
                                             UNION ALL SELECT 9));
-- case: baseline.score.constant.cv.option
SELECT baseline_score(baseline_train(d, '{"constant_cv": 0.1}'), 66) = 1 FROM runs WHERE job = 'web';
-- NULL in, NULL out
-- case: baseline.score.null.value
SELECT baseline_score(m, NULL) IS NULL AND baseline_is_anomaly(m, NULL) IS NULL FROM models WHERE job = 'etl';
-- case: baseline.score.nan
SELECT baseline_score(m, 9e999 - 9e999) IS NULL FROM models WHERE job = 'etl';
-- case: baseline.score.null.model
SELECT baseline_score(NULL, 3) IS NULL AND baseline_is_anomaly(NULL, 3) IS NULL;
-- case: baseline.score.null.fleet
SELECT baseline_score(m, 3, NULL) IS NULL FROM models WHERE job = 'etl';
-- case: baseline.score.group.by
SELECT sum(baseline_is_anomaly(m.m, r.d)) = 1 AND count(baseline_score(m.m, r.d)) = 11
  FROM runs AS r JOIN models AS m USING (job);

-- several metrics: the z of the feature with the largest |z|, signed
CREATE TABLE mm AS SELECT job, baseline_train(feature_vector('cpu', cpu, 'mem', mem)) AS m FROM runs GROUP BY job;
-- cpu: 10..50 → median 30, MAD 10; mem: 1 1.5 2 2.5 → median 1.75, MAD 0.5
-- case: baseline.multi.info
SELECT json_extract(model_info(m), '$.features') = '[{"name":"cpu","type":"numeric"},{"name":"mem","type":"numeric"}]'
   AND json_extract(model_info(m), '$.detail.features.cpu.median') = 30
   AND json_extract(model_info(m), '$.detail.features.mem.n') = 4
   AND json_extract(model_info(m), '$.detail.features.mem.median') = 1.75
  FROM mm WHERE job = 'etl';
-- case: baseline.multi.score
SELECT baseline_score(m, feature_vector('cpu', 40, 'mem', 0.25)) = 0.6745 * -1.5 / 0.5
   AND baseline_score(m, feature_vector('cpu', 90, 'mem', 0.25)) = 0.6745 * 60 / 10
  FROM mm WHERE job = 'etl';
-- case: baseline.multi.missing
SELECT baseline_score(m, feature_vector('cpu', 40, 'mem', NULL)) = 0.6745
   AND baseline_score(m, feature_vector('cpu', 40)) = 0.6745
   AND baseline_score(m, feature_vector('cpu', NULL, 'mem', NULL)) IS NULL
   AND baseline_score(m, feature_vector('cpu', 40, 'other', 1e9)) = 0.6745
  FROM mm WHERE job = 'etl';
-- case: baseline.multi.is.anomaly
SELECT baseline_is_anomaly(m, feature_vector('cpu', 30, 'mem', 9)) = 1
   AND baseline_is_anomaly(m, feature_vector('cpu', 31, 'mem', 1.8)) = 0
  FROM mm WHERE job = 'etl';
-- a one-feature model scored with a vector naming that feature
-- case: baseline.value.vector.score
SELECT baseline_score(m, feature_vector('value', 10)) = baseline_score(m, 10) FROM models WHERE job = 'etl';
-- model_features lists a baseline's features like any model's
-- case: baseline.model.features
SELECT group_concat(name || ':' || type || ':' || present || ':' || status, ' ') = 'cpu:numeric:1:used mem:numeric:0:absent'
  FROM mm, model_features(mm.m, feature_vector('cpu', 3)) WHERE mm.job = 'etl';

-- ------------------------------------------------------------ scoring errors
-- case: baseline.err.score.text
-- error: baseline_score(): value (argument 2) is TEXT; expected a number or a feature vector (a BLOB made by feature_vector())
SELECT baseline_score(m, '10') FROM models WHERE job = 'etl';
-- case: baseline.err.is.anomaly.text
-- error: baseline_is_anomaly(): value (argument 2) is TEXT; expected a number or a feature vector (a BLOB made by feature_vector())
SELECT baseline_is_anomaly(m, '10') FROM models WHERE job = 'etl';
-- case: baseline.err.score.number.multi
-- error: baseline_score(): value (argument 2) is a number but the model has 2 features; pass a feature vector (feature_vector('name', value, ...)) with them
SELECT baseline_score(m, 3) FROM mm WHERE job = 'etl';
-- case: baseline.err.score.no.features
-- error: baseline_score(): none of the model's 2 features (cpu, mem) is in the feature vector; check the names (they are case-sensitive)
SELECT baseline_score(m, feature_vector('CPU', 3)) FROM mm WHERE job = 'etl';
-- case: baseline.err.score.kind
-- error: baseline_score(): model is a scaler model; expected a baseline model
SELECT baseline_score(scaler_train(feature_vector('value', 1)), 1);
-- case: baseline.err.score.model.type
-- error: baseline_score(): model is INTEGER; expected a model BLOB or a registry name (TEXT)
SELECT baseline_score(7, 1);
-- case: baseline.err.score.model.corrupt
-- error: baseline_score(): not an omen model
SELECT baseline_score(x'00', 1);
-- case: baseline.err.score.fleet.as.model
-- error: baseline_score(): model (argument 1) is a fleet prior (from baseline_fleet()); expected a job baseline (from baseline_train() or baseline_shrink())
SELECT baseline_score(baseline_fleet(m), 1) FROM models;
-- case: baseline.err.score.fleet.type
-- error: baseline_score(): fleet (argument 3) is REAL; expected a fleet prior BLOB (from baseline_fleet()) or a registry name (TEXT)
SELECT baseline_score(m, 1, 2.5) FROM models WHERE job = 'etl';
-- case: baseline.err.score.fleet.job
-- error: baseline_score(): fleet (argument 3) is a job baseline; expected a fleet prior (from baseline_fleet())
SELECT baseline_score(m, 1, m) FROM models WHERE job = 'etl';
-- case: baseline.err.score.fleet.disjoint
-- error: baseline_score(): the fleet prior (argument 3) has none of the model's 2 features (first: "cpu"); build the fleet from job baselines of the same metric
SELECT baseline_score(mm.m, feature_vector('cpu', 1), (SELECT baseline_fleet(m) FROM models)) FROM mm WHERE job = 'etl';
-- case: baseline.err.score.vector.corrupt
-- error: baseline_score(): not a feature vector
SELECT baseline_score(m, x'0011') FROM models WHERE job = 'etl';

-- ------------------------------------------------------------ fleet and shrinkage
CREATE TABLE hist(job INTEGER, i INTEGER, d REAL);
WITH RECURSIVE s(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM s WHERE k < 299)
INSERT INTO hist SELECT k / 5, k % 5,
  (60 + 30 * (k / 5)) * exp(0.2 * (hash_uniform(k, 1) + hash_uniform(k, 2) + hash_uniform(k, 3) - 1.5) * 2) FROM s;
CREATE TABLE jm AS SELECT job, baseline_train(d) AS m FROM hist GROUP BY job;
CREATE TABLE fl AS SELECT baseline_fleet(m) AS f FROM jm;
-- case: baseline.fleet.info
SELECT json_extract(i, '$.kind') = 'baseline' AND json_extract(i, '$.rows_used') = 60
   AND json_extract(i, '$.detail.role') = 'fleet' AND json_extract(i, '$.detail.min_jobs') = 3
   AND json_extract(i, '$.detail.features.value.prior') = 1
   AND json_extract(i, '$.detail.features.value.jobs') = 60
   AND json_extract(i, '$.detail.features.value.jobs_used') = 60
   AND json_extract(i, '$.detail.features.value.typical_cv') BETWEEN 0.1 AND 0.4
   AND json_extract(i, '$.detail.features.value.tau2') >= 0
   AND json_extract(i, '$.options') = '{}'
  FROM (SELECT model_info(f) AS i FROM fl);
-- the formula, from the job models' own statistics: mu = mean(u), u = log(MAD/(0.6745·median)) − E_5
-- case: baseline.fleet.mu
SELECT abs(json_extract(model_info(f), '$.detail.features.value.mu')
           - (SELECT avg(ln(json_extract(model_info(m), '$.detail.features.value.mad')
                            / (0.6745 * json_extract(model_info(m), '$.detail.features.value.median'))) + 0.4019) FROM jm)) < 1e-12
  FROM fl;
-- case: baseline.fleet.nulls
SELECT json_extract(model_info(baseline_fleet(m)), '$.rows_skipped') = 1
  FROM (SELECT m FROM jm UNION ALL SELECT NULL);
-- case: baseline.fleet.empty
SELECT baseline_fleet(m) IS NULL FROM jm WHERE 0;
-- case: baseline.fleet.only.nulls
SELECT baseline_fleet(NULL) IS NULL;
-- fewer than 3 jobs with a dispersion: no prior, nothing shrunk
-- case: baseline.fleet.two.jobs
SELECT json_extract(model_info(f), '$.detail.features.value.prior') = 0
   AND json_extract(model_info(baseline_shrink((SELECT m FROM jm WHERE job = 0), f)), '$.metrics.shrunk_features') = 0
  FROM (SELECT baseline_fleet(m) AS f FROM jm WHERE job < 2);
-- one query: per-job models, the fleet, every run scored plain and shrunk
-- case: baseline.fleet.one.query
WITH jobs AS (SELECT job, baseline_train(d) AS m FROM hist GROUP BY job),
     fleet AS (SELECT baseline_fleet(m) AS f FROM jobs)
SELECT count(*) = 300 AND count(baseline_score(j.m, h.d, fleet.f)) = 300
   AND sum(baseline_is_anomaly(j.m, h.d, fleet.f)) <= sum(baseline_is_anomaly(j.m, h.d))
  FROM hist AS h JOIN jobs AS j USING (job), fleet;
-- shrinking on the fly = scoring the shrunk model, to the bit
-- case: baseline.shrink.same.bits
SELECT count(*) = 300 FROM hist AS h JOIN jm USING (job), fl
 WHERE baseline_score(jm.m, h.d, fl.f) = baseline_score(baseline_shrink(jm.m, fl.f), h.d)
   AND baseline_is_anomaly(jm.m, h.d, fl.f) = baseline_is_anomaly(baseline_shrink(jm.m, fl.f), h.d);
-- case: baseline.shrink.info
SELECT json_extract(i, '$.detail.features.value.scale_source') = 'shrunk'
   AND json_extract(i, '$.detail.features.value.weight') BETWEEN 0 AND 1
   AND json_extract(i, '$.detail.features.value.prior_mu') = json_extract(model_info(fl.f), '$.detail.features.value.mu')
   AND json_extract(i, '$.metrics') = '{"shrunk_features":1}'
   AND json_extract(i, '$.detail.features.value.median') = json_extract(model_info(jm.m), '$.detail.features.value.median')
   AND json_extract(i, '$.detail.features.value.mad') = json_extract(model_info(jm.m), '$.detail.features.value.mad')
  FROM jm, fl, (SELECT model_info(baseline_shrink(jm2.m, fl2.f)) AS i FROM jm AS jm2, fl AS fl2 WHERE jm2.job = 7)
 WHERE jm.job = 7;
-- shrinking twice = once (it starts from the raw statistics)
-- case: baseline.shrink.idempotent
SELECT baseline_shrink(baseline_shrink(m, f), f) = baseline_shrink(m, f) FROM jm, fl WHERE job = 3;
-- a one-run job gets the fleet's typical relative dispersion: scale = 42·exp(mu)
-- case: baseline.shrink.one.run
SELECT abs(json_extract(model_info(baseline_shrink(m, f)), '$.detail.features.value.scale')
           - 42 * json_extract(model_info(f), '$.detail.features.value.typical_cv')) < 1e-12
   AND json_extract(model_info(baseline_shrink(m, f)), '$.detail.features.value.weight') = 0
  FROM models, fl WHERE job = 'one';
-- a constant history too; a constant zero history keeps its own rule (no relative dispersion)
-- case: baseline.shrink.constant
SELECT json_extract(model_info(baseline_shrink(m, f)), '$.detail.features.value.scale_source') = 'shrunk'
   AND baseline_score(m, 63, f) < 3.5 AND baseline_score(m, 63) > 3.5
  FROM models, fl WHERE job = 'web';
-- case: baseline.shrink.constant.zero
SELECT json_extract(model_info(baseline_shrink(m, f)), '$.detail.features.value.scale_source') = 'constant_zero'
  FROM models, fl WHERE job = 'zero';
-- case: baseline.shrink.null
SELECT baseline_shrink(NULL, f) IS NULL AND baseline_shrink(m, NULL) IS NULL FROM jm, fl WHERE job = 1;
-- case: baseline.shrink.is.anomaly.generic
SELECT baseline_is_anomaly(baseline_shrink(m, f), 1e6) = 1 FROM jm, fl WHERE job = 1;
-- case: baseline.err.shrink.fleet.job
-- error: baseline_shrink(): fleet (argument 2) is a job baseline; expected a fleet prior (from baseline_fleet())
SELECT baseline_shrink(m, m) FROM jm WHERE job = 1;
-- case: baseline.err.shrink.model.fleet
-- error: baseline_shrink(): model (argument 1) is a fleet prior (from baseline_fleet()); expected a job baseline (from baseline_train() or baseline_shrink())
SELECT baseline_shrink(f, f) FROM fl;
-- case: baseline.err.shrink.fleet.type
-- error: baseline_shrink(): fleet (argument 2) is INTEGER; expected a fleet prior BLOB (from baseline_fleet()) or a registry name (TEXT)
SELECT baseline_shrink(m, 1) FROM jm WHERE job = 1;
-- case: baseline.err.fleet.text
-- error: baseline_fleet(): model (argument 1) is TEXT; expected a job baseline BLOB (from baseline_train()); an aggregate does not read the registry: pass model_load('name')
SELECT baseline_fleet('etl');
-- case: baseline.err.fleet.kind
-- error: baseline_fleet(): model is a scaler model; expected a baseline model
SELECT baseline_fleet((SELECT scaler_train(feature_vector('value', 1))));
-- case: baseline.err.fleet.of.fleet
-- error: baseline_fleet(): model is a fleet prior; baseline_fleet() summarises job baselines
SELECT baseline_fleet(f) FROM fl;
-- case: baseline.err.fleet.corrupt
-- error: baseline_fleet(): model checksum mismatch
SELECT baseline_fleet(CAST(substr(m, 1, 60) || x'ff' || substr(m, 62) AS BLOB)) FROM models WHERE job = 'etl';
-- case: baseline.err.fleet.window
-- error: baseline_fleet() may not be used as a window function
SELECT baseline_fleet(m) OVER () FROM jm;

-- ------------------------------------------------------------ registry
-- case: baseline.registry.save
SELECT model_save('bl_etl', m) = 1 FROM models WHERE job = 'etl';
-- case: baseline.registry.save.fleet
SELECT model_save('bl_fleet', f) = 1 FROM fl;
-- case: baseline.registry.kind
SELECT kind = 'baseline' FROM omen_models WHERE name = 'bl_etl';
-- case: baseline.registry.score
SELECT baseline_score('bl_etl', 10) = 0.6745 * 7 AND baseline_is_anomaly('bl_etl', 10) = 1;
-- case: baseline.registry.load
SELECT baseline_score(model_load('bl_etl'), 10) = 0.6745 * 7
   AND json_extract(model_info(model_load('bl_etl')), '$.created_at') IS NOT NULL;
-- case: baseline.registry.fleet.ref
SELECT baseline_score(m, 100, 'bl_fleet') = baseline_score(m, 100, f) FROM jm, fl WHERE job = 4;
-- case: baseline.registry.shrink.ref
SELECT baseline_shrink('bl_etl', 'bl_fleet') = baseline_shrink(model_load('bl_etl'), model_load('bl_fleet'));
-- case: baseline.registry.fleet.aggregate.load
SELECT json_extract(model_info(baseline_fleet(model_load('bl_etl'))), '$.rows_used') = 1;
