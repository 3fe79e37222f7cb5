-- interval_coverage_state/_merge, regression_metrics_state/_merge and
-- classification_metrics_state/_merge: mergeable states of the metrics
-- aggregates (docs/*_state.md, docs/*_merge.md; ext/metrics_state.c).
-- Every member equals the direct aggregate over all rows exactly, whatever
-- the split and the order, except regression medae (a quantile sketch:
-- within 0.5%) and classification auc beyond 4096 distinct probabilities
-- (within the bound the state reports in model_info).
CREATE TABLE runs(id INTEGER PRIMARY KEY, y REAL, p REAL, label INTEGER, q REAL, lo REAL, hi REAL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
INSERT INTO runs SELECT i,
  CASE WHEN i % 97 = 0 THEN NULL WHEN i % 89 = 0 THEN 0 ELSE 1e6 + 300 * hash_uniform(i, 1) END,
  1e6 + 300 * hash_uniform(i, 2) + (i % 5) * 0.1,
  CASE WHEN i % 83 = 0 THEN NULL WHEN hash_uniform(i, 3) < 0.4 THEN 1 ELSE 0 END,
  round(hash_uniform(i, 4), 3),
  CASE WHEN i % 79 = 0 THEN NULL ELSE 1e6 + 50 * hash_uniform(i, 5) END,
  1e6 + 100 + 200 * hash_uniform(i, 6) FROM n;
UPDATE runs SET q = min(1, q + 0.3 * label) WHERE label IS NOT NULL;
-- continuous probabilities: more than 4096 distinct values (bucketed auc)
CREATE TABLE big(id INTEGER PRIMARY KEY, label INTEGER, q REAL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
INSERT INTO big SELECT i, hash_uniform(i, 7) < 0.3, hash_uniform(i, 8) * 0.6 + 0.4 * (hash_uniform(i, 7) < 0.3) * hash_uniform(i, 9) FROM n;
-- skewed errors for the sketch
CREATE TABLE skew(id INTEGER PRIMARY KEY, y REAL, p REAL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4000)
INSERT INTO skew SELECT i, 10, 10 + exp(8 * (hash_uniform(i, 11) - 0.5)) * (CASE WHEN i % 2 THEN 1 ELSE -1 END) FROM n;
CREATE TABLE whole AS SELECT regression_metrics(y, p) AS r, classification_metrics(label, q, 0.6) AS c,
  interval_coverage(y, lo, hi) AS v, (SELECT classification_metrics(label, q) FROM big) AS b,
  (SELECT regression_metrics(y, p) FROM skew) AS k FROM runs;

-- case: metrics_state.blob
SELECT typeof(regression_metrics_state(y, p)) = 'blob' AND substr(regression_metrics_state(y, p), 1, 4) = CAST('OMEN' AS BLOB) FROM runs;
-- case: metrics_state.kind
SELECT json_extract(model_info(classification_metrics_state(label, q)), '$.kind') = 'metrics_state' FROM runs;
-- case: metrics_state.coverage.one
SELECT (SELECT interval_coverage_merge(s) FROM (SELECT interval_coverage_state(y, lo, hi) AS s FROM runs)) = v FROM whole;
-- case: metrics_state.coverage.split
SELECT interval_coverage_merge(s) = (SELECT v FROM whole) FROM (SELECT interval_coverage_state(y, lo, hi) AS s FROM runs GROUP BY id % 7);
-- case: metrics_state.coverage.state.bytes
SELECT interval_coverage_state(s) = (SELECT interval_coverage_state(y, lo, hi) FROM runs)
  FROM (SELECT interval_coverage_state(y, lo, hi) AS s FROM runs GROUP BY id / 100 ORDER BY id / 100 DESC);
-- regression: every member but medae as TEXT; medae within 0.5%
-- case: metrics_state.reg.split.parity
SELECT json_remove(m, '$.medae') = json_remove(r, '$.medae')
   AND abs(json_extract(m, '$.medae') - json_extract(r, '$.medae')) <= 0.005 * json_extract(r, '$.medae')
  FROM (SELECT regression_metrics_merge(s) AS m FROM (SELECT regression_metrics_state(y, p) AS s FROM runs GROUP BY id % 2)), whole;
-- case: metrics_state.reg.split.ranges
SELECT json_remove(m, '$.medae') = json_remove(r, '$.medae')
   AND abs(json_extract(m, '$.medae') - json_extract(r, '$.medae')) <= 0.005 * json_extract(r, '$.medae')
  FROM (SELECT regression_metrics_merge(s) AS m FROM (SELECT regression_metrics_state(y, p) AS s FROM runs GROUP BY id / 37)), whole;
-- case: metrics_state.reg.split.one.row.and.empty
SELECT json_remove(m, '$.medae') = json_remove(r, '$.medae')
  FROM (SELECT regression_metrics_merge(s) AS m FROM (
          SELECT regression_metrics_state(y, p) AS s FROM runs WHERE id = 1
          UNION ALL SELECT regression_metrics_state(y, p) FROM runs WHERE id > 1
          UNION ALL SELECT regression_metrics_state(y, p) FROM runs WHERE 0 UNION ALL SELECT NULL)), whole;
-- the merged state is byte for byte the state of all rows, in any order
-- case: metrics_state.reg.state.bytes
SELECT regression_metrics_state(s) = (SELECT regression_metrics_state(y, p) FROM runs)
  FROM (SELECT regression_metrics_state(y, p) AS s, id % 11 AS k FROM runs GROUP BY k ORDER BY hash_uniform(k, 3));
-- case: metrics_state.reg.merge.of.one.state.same.medae
SELECT regression_metrics_merge(s) = (SELECT regression_metrics_merge(s) FROM (SELECT regression_metrics_state(y, p) AS s FROM runs GROUP BY id % 3))
  FROM (SELECT regression_metrics_state(y, p) AS s FROM runs);
-- skewed |errors| over 3.5 decades: medae within 0.5% of the exact median
-- case: metrics_state.reg.skew.medae.bound
SELECT json_remove(m, '$.medae') = json_remove(k, '$.medae')
   AND abs(json_extract(m, '$.medae') - json_extract(k, '$.medae')) <= 0.005 * json_extract(k, '$.medae')
  FROM (SELECT regression_metrics_merge(s) AS m FROM (SELECT regression_metrics_state(y, p) AS s FROM skew GROUP BY id % 4)), whole;
-- case: metrics_state.reg.info
SELECT json_extract(model_info(regression_metrics_state(y, p)), '$.detail') = json_object('function', 'regression_metrics', 'rows', count(y), 'medae_relative_error', 0.005) FROM runs;
-- classification: at most 4096 distinct probabilities -> the same TEXT, auc included
-- case: metrics_state.cls.exact.split
SELECT classification_metrics_merge(s) = (SELECT c FROM whole)
  FROM (SELECT classification_metrics_state(label, q, 0.6) AS s FROM runs GROUP BY id % 5);
-- case: metrics_state.cls.exact.state.bytes
SELECT classification_metrics_state(s) = (SELECT classification_metrics_state(label, q, 0.6) FROM runs)
  FROM (SELECT classification_metrics_state(label, q, 0.6) AS s FROM runs GROUP BY id / 300 ORDER BY id / 300 DESC);
-- case: metrics_state.cls.exact.info
SELECT json_extract(model_info(classification_metrics_state(label, q, 0.6)), '$.detail.auc_mode') = 'exact' FROM runs;
-- more than 4096 distinct: bucketed; auc within the reported bound, the rest equal
-- case: metrics_state.cls.bucketed.split
SELECT json_remove(m, '$.auc') = json_remove(b, '$.auc')
   AND abs(json_extract(m, '$.auc') - json_extract(b, '$.auc')) <= (SELECT json_extract(model_info(classification_metrics_state(label, q)), '$.detail.auc_error_bound') FROM big)
  FROM (SELECT classification_metrics_merge(s) AS m FROM (SELECT classification_metrics_state(label, q) AS s FROM big GROUP BY id % 6)), whole;
-- case: metrics_state.cls.bucketed.info
SELECT json_extract(model_info(s), '$.detail.auc_mode') = 'bucketed' AND json_extract(model_info(s), '$.detail.auc_error_bound') < 1e-3
  FROM (SELECT classification_metrics_state(label, q) AS s FROM big);
-- splits below 4096 distinct each, merged above it: the same bytes as one state
-- case: metrics_state.cls.bucketed.state.bytes
SELECT classification_metrics_state(s) = (SELECT classification_metrics_state(label, q) FROM big)
  FROM (SELECT classification_metrics_state(label, q) AS s FROM big GROUP BY id % 8);
-- roll-ups in levels: parts -> regions -> all
-- case: metrics_state.levels
SELECT regression_metrics_merge(rs) = (SELECT regression_metrics_merge(s) FROM (SELECT regression_metrics_state(y, p) AS s FROM runs))
  FROM (SELECT regression_metrics_state(s) AS rs FROM (SELECT id % 3 AS region, regression_metrics_state(y, p) AS s FROM runs GROUP BY id % 12) GROUP BY region);
-- no rows, only NULL rows, only NULL states: NULL
-- case: metrics_state.empty
SELECT regression_metrics_state(y, p) IS NULL AND classification_metrics_state(label, q) IS NULL AND interval_coverage_state(y, lo, hi) IS NULL FROM runs WHERE 0;
-- case: metrics_state.null.rows
SELECT regression_metrics_state(NULL, p) IS NULL AND classification_metrics_state(label, NULL) IS NULL FROM runs;
-- case: metrics_state.null.states
SELECT regression_metrics_merge(NULL) IS NULL AND interval_coverage_state(NULL) IS NULL FROM runs;
-- huge errors: (a-p)^2 beyond the double range still gives rmse (exact sums)
-- case: metrics_state.reg.huge
SELECT regression_metrics_merge(s) = (SELECT regression_metrics(y, p) FROM (SELECT 1e300 AS y, -1e300 AS p UNION ALL SELECT 1, 2))
  FROM (SELECT regression_metrics_state(1e300, -1e300) AS s UNION ALL SELECT regression_metrics_state(1, 2));
-- a-p beyond the double range: mae, rmse Inf (9e999) as in regression_metrics
-- case: metrics_state.reg.overflow
SELECT regression_metrics_merge(s) = (SELECT regression_metrics(1.7e308, -1.7e308)) AND json_extract(regression_metrics_merge(s), '$.mae') > 1e308
  FROM (SELECT regression_metrics_state(1.7e308, -1.7e308) AS s UNION ALL SELECT NULL);

-- errors: rows, named by the state function (the direct aggregate's messages)
-- case: metrics_state.err.reg.text
-- error: regression_metrics_state(): actual (argument 1) is TEXT; expected INTEGER or REAL
SELECT regression_metrics_state('x', 1);
-- case: metrics_state.err.reg.inf
-- error: regression_metrics_state(): predicted (argument 2) is Inf; expected a finite number
SELECT regression_metrics_state(1, 9e999);
-- case: metrics_state.err.cls.label
-- error: classification_metrics_state(): label (argument 1) is 2; expected 0 or 1
SELECT classification_metrics_state(2, 0.5);
-- case: metrics_state.err.cls.prob
-- error: classification_metrics_state(): probability (argument 2) is 1.5; expected a number between 0 and 1
SELECT classification_metrics_state(1, 1.5);
-- case: metrics_state.err.cls.threshold
-- error: classification_metrics_state(): threshold (argument 3) is 1; expected a number between 0 and 1 (exclusive)
SELECT classification_metrics_state(1, 0.5, 1);
-- case: metrics_state.err.cls.threshold.changed
-- error: classification_metrics_state(): threshold changed from 0.5 to 0.25 between rows
SELECT classification_metrics_state(label, q, CASE WHEN id < 3 THEN 0.5 ELSE 0.25 END) FROM runs;
-- case: metrics_state.err.cov.lo.gt.hi
-- error: interval_coverage_state(): lo (argument 2) is greater than hi (argument 3): 3 > 2
SELECT interval_coverage_state(1, 3, 2);
-- case: metrics_state.err.cov.text
-- error: interval_coverage_state(): actual (argument 1) is TEXT; expected INTEGER or REAL
SELECT interval_coverage_state('a', 1, 2);
-- errors: states
-- case: metrics_state.err.not.blob
-- error: regression_metrics_merge(): state (argument 1) is TEXT; expected a metrics_state BLOB (from regression_metrics_state())
SELECT regression_metrics_merge('x');
-- case: metrics_state.err.not.model
-- error: classification_metrics_merge(): not an omen model
SELECT classification_metrics_merge(x'00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff');
-- case: metrics_state.err.other.function
-- error: regression_metrics_merge(): the state is a classification_metrics state, from classification_metrics_state(); expected one from regression_metrics_state()
SELECT regression_metrics_merge(s) FROM (SELECT classification_metrics_state(label, q) AS s FROM runs);
-- case: metrics_state.err.other.function.state
-- error: interval_coverage_state(): the state is a regression_metrics state, from regression_metrics_state(); expected one from interval_coverage_state()
SELECT interval_coverage_state(s) FROM (SELECT regression_metrics_state(y, p) AS s FROM runs);
-- case: metrics_state.err.other.kind
-- error: classification_metrics_merge(): the state is a welch_state state; expected a metrics_state, from classification_metrics_state()
SELECT classification_metrics_merge(s) FROM (SELECT welch_ttest_state(y, label) AS s FROM runs);
-- case: metrics_state.err.threshold.differs
-- error: classification_metrics_merge(): states differ: one has threshold 0.5, another 0.6; merge states made with the same threshold
SELECT classification_metrics_merge(s) FROM (SELECT classification_metrics_state(label, q) AS s FROM runs
  UNION ALL SELECT classification_metrics_state(label, q, 0.6) FROM runs);
-- case: metrics_state.err.checksum
-- error: regression_metrics_merge(): model checksum mismatch
SELECT regression_metrics_merge(CAST(substr(s, 1, length(s) - 1) || x'00' AS BLOB)) FROM (SELECT regression_metrics_state(y, p) AS s FROM runs);
-- case: metrics_state.err.window
-- error: regression_metrics_state() may not be used as a window function
SELECT regression_metrics_state(y, p) OVER () FROM runs;
