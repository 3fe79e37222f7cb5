-- conformal_shrink.sql — interval_calibrate's option "shrink" (ext/conformal.c behaviour 10;
-- ext/core/conformal/cf.h 4c, 11): each stored group's (or bin's) quantiles pulled towards the
-- pool's, w = n/(n + K); the blended distribution for predict_cdf and predict_remaining.

-- 3,000 runs in time order; users u0..u5 differ in how noisy they are; u6 is rare (6 runs
-- in the calibration rows, fewer than min_group).
CREATE TABLE runs AS
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
SELECT i AS run_id, CASE WHEN i % 170 = 0 THEN 'u6' ELSE 'u' || (i % 6) END AS user, 1 + (i % 5) AS threads,
       round((10 + 20 * (i % 5)) * (1 + (0.1 + 0.2 * (i % 5)) * (hash_uniform(i, 1) - 0.5) * (1 + (i % 6) * 0.2)), 3) AS dur
  FROM n;
CREATE VIEW fvs AS SELECT run_id, user, dur, feature_vector('threads', threads, 'user', user) AS fv FROM runs;
CREATE TABLE m AS SELECT gbt_train(feature_vector('threads', threads), dur, '{"n_trees": 20}') AS b
  FROM (SELECT * FROM runs WHERE run_id <= 1500 ORDER BY run_id);
CREATE TABLE c AS SELECT
  (SELECT interval_calibrate(b, fv, dur) FROM (SELECT * FROM fvs WHERE run_id BETWEEN 1501 AND 2500 ORDER BY run_id)) AS pooled,
  (SELECT interval_calibrate(b, fv, dur, '{"group": "user"}') FROM (SELECT * FROM fvs WHERE run_id BETWEEN 1501 AND 2500 ORDER BY run_id)) AS by_user,
  (SELECT interval_calibrate(b, fv, dur, '{"group": "user", "shrink": 100}') FROM (SELECT * FROM fvs WHERE run_id BETWEEN 1501 AND 2500 ORDER BY run_id)) AS shrunk,
  (SELECT interval_calibrate(b, fv, dur, '{"bins": 4, "shrink": 50}') FROM (SELECT * FROM fvs WHERE run_id BETWEEN 1501 AND 2500 ORDER BY run_id)) AS bins_shrunk,
  (SELECT interval_calibrate(b, fv, dur, '{"bins": 4}') FROM (SELECT * FROM fvs WHERE run_id BETWEEN 1501 AND 2500 ORDER BY run_id)) AS bins
FROM m;
CREATE TABLE later AS SELECT run_id, user, dur, fv,
       predict_interval(b, fv, 0.9, pooled) AS ip, predict_interval(b, fv, 0.9, by_user) AS ig,
       predict_interval(b, fv, 0.9, shrunk) AS isr
  FROM fvs, m, c WHERE run_id > 2500;

-- ---------------------------------------------------------------- the calibration
-- Payload format 3 with shrink; the options and model_info's detail end with it.
-- case: conformal_shrink.info
SELECT json_extract(model_info(shrunk), '$.payload_version') = 3
   AND json_extract(model_info(shrunk), '$.options') = '{"group":"user","min_group":30,"window":0,"max_groups":10000,"shrink":100}'
   AND json_extract(model_info(shrunk), '$.detail.shrink') = 100
   AND json_extract(model_info(shrunk), '$.detail.groups') = 6
   AND json_extract(model_info(shrunk), '$.detail.groups_seen') = 7
   AND json_extract(model_info(bins_shrunk), '$.payload_version') = 3
   AND json_extract(model_info(bins_shrunk), '$.detail.bins') = 4
   AND json_extract(model_info(bins_shrunk), '$.detail.shrink') = 50
  FROM c;
-- Without shrink nothing changes: formats 1 and 2, no "shrink" member anywhere.
-- case: conformal_shrink.absent
SELECT json_extract(model_info(by_user), '$.payload_version') = 1
   AND json_extract(model_info(bins), '$.payload_version') = 2
   AND model_info(by_user) NOT LIKE '%shrink%' AND model_info(bins) NOT LIKE '%shrink%'
  FROM c;
-- The same residuals as without shrink: only the format, the options and K differ.
-- case: conformal_shrink.same_samples
SELECT length(shrunk) = length(by_user) + 8 + length(',"shrink":100') AND length(bins_shrunk) = length(bins) + 8 + length(',"shrink":50')
  FROM c;
-- A fractional K is kept as given.
-- case: conformal_shrink.fractional
SELECT json_extract(model_info(interval_calibrate(b, fv, dur, '{"group": "user", "shrink": 12.5}')), '$.detail.shrink') = 12.5
  FROM m, (SELECT * FROM fvs WHERE run_id BETWEEN 1501 AND 1600 ORDER BY run_id);

-- ---------------------------------------------------------------- predict_interval
-- The JSON ends with "weight" only with shrink.
-- case: conformal_shrink.keys
SELECT min((SELECT group_concat(key, ',') FROM json_each(isr)) = 'pred,lo,hi,coverage,calibration,residuals,weight')
   AND min((SELECT group_concat(key, ',') FROM json_each(ig)) = 'pred,lo,hi,coverage,calibration,residuals')
  FROM later;
-- A stored user: weight n/(n + 100) of its own residuals, the blend of the two ends in the
-- model's log1p space: ln(1 + end) = w·ln(1 + end of the group) + (1 − w)·ln(1 + end of the pool).
-- case: conformal_shrink.blend
SELECT count(*) > 400
   AND min(isr->>'calibration' = 'group' AND isr->>'residuals' = ig->>'residuals'
           AND abs(isr->>'weight' - (ig->>'residuals') / ((ig->>'residuals') + 100.0)) < 1e-15)
   AND max(abs(ln(1 + isr->>'hi') - ((isr->>'weight') * ln(1 + ig->>'hi') + (1 - (isr->>'weight')) * ln(1 + ip->>'hi')))) < 1e-12
   AND max(CASE WHEN (isr->>'lo') > 0 AND (ig->>'lo') > 0 AND (ip->>'lo') > 0
                THEN abs(ln(1 + isr->>'lo') - ((isr->>'weight') * ln(1 + ig->>'lo') + (1 - (isr->>'weight')) * ln(1 + ip->>'lo'))) ELSE 0 END) < 1e-12
  FROM later WHERE user <> 'u6';
-- A user with too few residuals (u6) or none (a new one) uses the pool alone: weight 0.
-- case: conformal_shrink.pool
SELECT min(isr->>'calibration' = 'pool' AND isr->>'weight' = 0 AND isr->>'residuals' = 1000
           AND isr->>'lo' = ip->>'lo' AND isr->>'hi' = ip->>'hi')
  FROM later WHERE user = 'u6';
-- case: conformal_shrink.pool.new
SELECT predict_interval(b, feature_vector('threads', 2, 'user', 'nobody'), 0.9, shrunk) ->> 'weight' = 0
   AND predict_interval(b, feature_vector('threads', 2), 0.9, shrunk) ->> 'hi' = predict_interval(b, feature_vector('threads', 2), 0.9, pooled) ->> 'hi'
  FROM m, c;
-- min_group still decides which users are stored: above every user's count, all rows pool.
-- case: conformal_shrink.min_group
SELECT min(predict_interval(b, fv, 0.9, x) ->> 'calibration' = 'pool')
  FROM m, later, (SELECT interval_calibrate((SELECT b FROM m), fv, dur, '{"group": "user", "shrink": 100, "min_group": 1000}') AS x
                    FROM (SELECT * FROM fvs WHERE run_id BETWEEN 1501 AND 2500 ORDER BY run_id));
-- A noisy user's interval lies between the pool's and its own (u5's is the widest).
-- case: conformal_shrink.between
SELECT min(ln(1 + ip->>'hi') <= ln(1 + isr->>'hi') AND ln(1 + isr->>'hi') <= ln(1 + ig->>'hi'))
  FROM later WHERE user = 'u5';
-- Bins with shrink: the row's bin blended with the pool.
-- case: conformal_shrink.bins
SELECT min(predict_interval(b, fv, 0.9, bins_shrunk) ->> 'calibration' = 'bin'
           AND predict_interval(b, fv, 0.9, bins_shrunk) ->> 'weight' BETWEEN 0.5 AND 1
           AND abs(predict_interval(b, fv, 0.9, bins_shrunk) ->> 'weight'
                   - (predict_interval(b, fv, 0.9, bins) ->> 'residuals') / ((predict_interval(b, fv, 0.9, bins) ->> 'residuals') + 50.0)) < 1e-15)
  FROM m, c, later;
-- Coverage of the later runs stays near 0.9 overall.
-- case: conformal_shrink.coverage
SELECT interval_coverage(dur, isr->>'lo', isr->>'hi') BETWEEN 0.85 AND 0.95 FROM later;

-- ---------------------------------------------------------------- predict_cdf / predict_remaining
-- Vincentization: the blended median (elapsed 0) is the weighted mean of the group's and the
-- pool's medians in log1p space, exactly (to rounding).
-- case: conformal_shrink.vincent
SELECT max(abs(ln(1 + predict_remaining(b, fv, 0, 0.5, shrunk))
               - ((isr->>'weight') * ln(1 + predict_remaining(b, fv, 0, 0.5, by_user))
                  + (1 - (isr->>'weight')) * ln(1 + predict_remaining(b, fv, 0, 0.5, pooled))))) < 1e-12
  FROM m, c, later WHERE user <> 'u6';
-- The same at q = 0.8, and F of the blend there is 0.8.
-- case: conformal_shrink.vincent.cdf
SELECT max(abs(predict_cdf(b, fv, predict_remaining(b, fv, 0, 0.8, shrunk), 0, shrunk) - 0.8)) < 1e-12
  FROM m, c, (SELECT fv FROM later LIMIT 200);
-- The interval lies outside the blended distribution's quantiles: F(lo) <= 0.05, F(hi) >= 0.95.
-- case: conformal_shrink.interval_vs_cdf
SELECT min((isr->>'lo' = 0 OR predict_cdf(b, fv, isr->>'lo', 0, shrunk) <= 0.05 + 1e-12)
           AND predict_cdf(b, fv, isr->>'hi', 0, shrunk) >= 0.95 - 1e-12)
  FROM m, c, later;
-- A probability, increasing in t; 0 when t <= elapsed; remaining inverts the conditional form.
-- case: conformal_shrink.cdf.range
SELECT min(p1 >= 0 AND p1 <= p2 AND p2 <= p3 AND p3 <= 1) AND min(p0 = 0)
  FROM (SELECT predict_cdf(b, fv, 10, 0, shrunk) AS p1, predict_cdf(b, fv, 50, 0, shrunk) AS p2,
               predict_cdf(b, fv, 1e6, 0, shrunk) AS p3, predict_cdf(b, fv, 20, 20, shrunk) AS p0
          FROM m, c, later);
-- case: conformal_shrink.cdf.inverse
SELECT min(abs(predict_cdf(b, fv, e + predict_remaining(b, fv, e, 0.7, x), e, x) - 0.7) < 1e-9)
  FROM m, (SELECT shrunk AS x FROM c UNION ALL SELECT bins_shrunk FROM c), (SELECT fv FROM later LIMIT 60),
       (SELECT 0.001 AS e UNION ALL SELECT 15 UNION ALL SELECT 60);
-- The pool's rows: exactly the pooled calibration's numbers.
-- case: conformal_shrink.cdf.pool
SELECT min(predict_cdf(b, fv, 40, 10, shrunk) = predict_cdf(b, fv, 40, 10, pooled)
           AND predict_remaining(b, fv, 10, 0.5, shrunk) = predict_remaining(b, fv, 10, 0.5, pooled))
  FROM m, c, later WHERE user = 'u6';
-- Far beyond every residual: still a probability and a time.
-- case: conformal_shrink.cdf.far
SELECT predict_cdf(b, fv, 2e12, 1e12, shrunk) BETWEEN 0 AND 1 AND predict_remaining(b, fv, 1e12, 0.5, shrunk) > 0
  FROM m, c, (SELECT fv FROM later LIMIT 1);

-- ---------------------------------------------------------------- determinism, registry
-- case: conformal_shrink.deterministic
SELECT (SELECT interval_calibrate(b, fv, dur, '{"group": "user", "shrink": 100}') FROM (SELECT * FROM fvs WHERE run_id BETWEEN 1501 AND 2500 ORDER BY run_id)) = shrunk FROM m, c;
-- case: conformal_shrink.registry
SELECT model_save('rt', b) = 1 AND model_save('rt_shrunk', shrunk) = 1 FROM m, c;
-- case: conformal_shrink.registry.use
SELECT predict_interval('rt', feature_vector('threads', 2, 'user', 'u3'), 0.9, 'rt_shrunk')
     = predict_interval(b, feature_vector('threads', 2, 'user', 'u3'), 0.9, shrunk)
   AND predict_cdf('rt', feature_vector('threads', 2, 'user', 'u3'), 30, 5, 'rt_shrunk')
     = predict_cdf(b, feature_vector('threads', 2, 'user', 'u3'), 30, 5, shrunk)
  FROM m, c;

-- ---------------------------------------------------------------- errors
-- case: conformal_shrink.err.zero
-- error: interval_calibrate(): option shrink must be a number > 0 (the residual count at which a group weighs as much as the pool), e.g. 100
SELECT interval_calibrate(b, feature_vector('threads', 1), 3, '{"group": "user", "shrink": 0}') FROM m;
-- case: conformal_shrink.err.negative
-- error: interval_calibrate(): option shrink must be a number > 0 (the residual count at which a group weighs as much as the pool), e.g. 100
SELECT interval_calibrate(b, feature_vector('threads', 1), 3, '{"group": "user", "shrink": -3}') FROM m;
-- case: conformal_shrink.err.text
-- error: interval_calibrate(): option shrink must be a number > 0 (the residual count at which a group weighs as much as the pool), e.g. 100
SELECT interval_calibrate(b, feature_vector('threads', 1), 3, '{"group": "user", "shrink": "100"}') FROM m;
-- case: conformal_shrink.err.bool
-- error: interval_calibrate(): option shrink must be a number > 0 (the residual count at which a group weighs as much as the pool), e.g. 100
SELECT interval_calibrate(b, feature_vector('threads', 1), 3, '{"group": "user", "shrink": true}') FROM m;
-- case: conformal_shrink.err.inf
-- error: interval_calibrate(): option shrink must be a number > 0 (the residual count at which a group weighs as much as the pool), e.g. 100
SELECT interval_calibrate(b, feature_vector('threads', 1), 3, '{"group": "user", "shrink": 1e999}') FROM m;
-- case: conformal_shrink.err.alone
-- error: interval_calibrate(): option shrink needs group or bins; it pulls each group's quantiles towards the pool's
SELECT interval_calibrate(b, feature_vector('threads', 1), 3, '{"shrink": 100}') FROM m;
-- case: conformal_shrink.err.group_bins
-- error: interval_calibrate(): options group and bins cannot be combined; calibrate by one of them
SELECT interval_calibrate(b, feature_vector('threads', 1), 3, '{"group": "user", "bins": 4, "shrink": 100}') FROM m;
-- A damaged shrink field: the envelope's checksum catches it first.
-- case: conformal_shrink.err.corrupt
-- error: predict_interval(): model checksum mismatch
SELECT predict_interval(b, feature_vector('threads', 2), 0.9, CAST(substr(shrunk, 1, 300) || x'ff' || substr(shrunk, 302) AS BLOB)) FROM m, c;
