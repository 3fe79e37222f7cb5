-- trend_test(): behaviours, edge cases and errors (docs/trend_test.md; ext/trend.c).
-- Agreement with statsmodels / scipy / exact arithmetic: trend_ref.sql and trend_ref_large.sql.
CREATE TABLE r(id INTEGER PRIMARY KEY, job TEXT, ts INTEGER, d REAL);
INSERT INTO r(job, ts, d) VALUES
  ('etl', 0, 10), ('etl', 86400, 12), ('etl', 172800, 11), ('etl', 259200, 15), ('etl', 345600, 14), ('etl', 432000, 18),
  ('etl', 518400, NULL), (NULL, 604800, 20), ('etl', NULL, 99),
  ('web', 0, 5), ('web', 86400, 5), ('web', 172800, 5), ('web', 259200, 5);
-- case: trend.keys
SELECT group_concat(key, ',') = 'n,slope,intercept,slope_se,slope_t,slope_p,slope_ci_low,slope_ci_high,r2,df,mk_s,mk_var_s,mk_z,mk_p,mk_tau,sen_slope,sen_intercept,sen_ci_low,sen_ci_high,sen_pairs,trend,confidence'
  FROM json_each((SELECT trend_test(ts, d) FROM r WHERE job = 'etl'));
-- case: trend.nulls.skipped
-- behaviour 1: the NULL duration, the NULL ts and the row without a job are not counted
SELECT json_extract(trend_test(ts, d), '$.n') = 6 FROM r WHERE job = 'etl';
-- case: trend.values
-- slope per second; statsmodels OLS: 1.4285714285714277 per day, p 0.012348476908602659;
-- scipy.stats.theilslopes: 1.5 per day, CI [-1, 4]; kendalltau: tau 0.7333333333333333.
-- MK: S = 11, var 85/3, z = 10/sqrt(85/3), p = 0.0603 (> 0.05: 'no trend' at 0.95)
SELECT abs(json_extract(j, '$.slope') * 86400 - 1.4285714285714277) < 1e-12
   AND abs(json_extract(j, '$.slope_p') - 0.012348476908602659) < 1e-12
   AND json_extract(j, '$.mk_s') = 11 AND abs(json_extract(j, '$.mk_var_s') - 85.0 / 3) < 1e-12
   AND abs(json_extract(j, '$.mk_z') - 10 / sqrt(85.0 / 3)) < 1e-14
   AND abs(json_extract(j, '$.mk_tau') - 0.7333333333333333) < 1e-15
   AND abs(json_extract(j, '$.sen_slope') * 86400 - 1.5) < 1e-12
   AND abs(json_extract(j, '$.sen_ci_low') * 86400 + 1) < 1e-12 AND abs(json_extract(j, '$.sen_ci_high') * 86400 - 4) < 1e-12
   AND json_extract(j, '$.sen_intercept') = 9.25
   AND json_extract(j, '$.trend') = 'no trend' AND json_extract(j, '$.df') = 4
  FROM (SELECT trend_test(ts, d) AS j FROM r WHERE job = 'etl');
-- case: trend.group.by
-- at 90% the etl trend is significant (mk_p 0.06 < 0.10)
SELECT group_concat(job || ':' || json_extract(j, '$.trend'), ' ') = 'etl:increasing web:no trend'
  FROM (SELECT job, trend_test(ts, d, 0.9) AS j FROM r WHERE job IS NOT NULL GROUP BY job ORDER BY job);
-- case: trend.order.independent
SELECT (SELECT trend_test(ts, d) FROM (SELECT * FROM r WHERE job = 'etl' ORDER BY id DESC))
     = (SELECT trend_test(ts, d) FROM (SELECT * FROM r WHERE job = 'etl' ORDER BY id));
-- case: trend.constant
-- a constant series: slope 0 exactly, se 0, t and p null, r2 null; MK S 0, p null
SELECT json_extract(j, '$.slope') = 0 AND json_extract(j, '$.slope_se') = 0 AND json_type(j, '$.slope_t') = 'null'
   AND json_type(j, '$.slope_p') = 'null' AND json_type(j, '$.r2') = 'null' AND json_extract(j, '$.mk_s') = 0
   AND json_type(j, '$.mk_p') = 'null' AND json_extract(j, '$.sen_slope') = 0 AND json_extract(j, '$.trend') = 'no trend'
  FROM (SELECT trend_test(ts, d) AS j FROM r WHERE job = 'web');
-- case: trend.empty
SELECT trend_test(ts, d) IS NULL FROM r WHERE 0;
-- case: trend.only.nulls
SELECT trend_test(ts, d) IS NULL FROM r WHERE ts IS NULL;
-- case: trend.one.row
SELECT json_extract(j, '$.n') = 1 AND json_type(j, '$.slope') = 'null' AND json_type(j, '$.sen_slope') = 'null'
   AND json_extract(j, '$.sen_pairs') = 0 AND json_extract(j, '$.trend') = 'no trend'
  FROM (SELECT trend_test(ts, d) AS j FROM r WHERE id = 1);
-- case: trend.two.rows
SELECT abs(json_extract(j, '$.slope') * 86400 - 2) < 1e-12 AND json_type(j, '$.slope_se') = 'null'
   AND json_type(j, '$.df') = 'null' AND json_extract(j, '$.r2') = 1 AND json_extract(j, '$.sen_slope') * 86400 = 2
  FROM (SELECT trend_test(ts, d) AS j FROM r WHERE id IN (1, 2));
-- case: trend.same.ts
-- every ts equal: no slope of either kind, MK variance 0
SELECT json_type(j, '$.slope') = 'null' AND json_type(j, '$.sen_slope') = 'null' AND json_extract(j, '$.mk_var_s') = 0
   AND json_type(j, '$.mk_p') = 'null'
  FROM (SELECT trend_test(5, d) AS j FROM r WHERE job = 'etl');
-- case: trend.ties.in.ts
-- two runs per timestamp: pairs tied in ts count for nothing (sen_pairs = 15 - 3)
SELECT json_extract(j, '$.sen_pairs') = 12 AND json_extract(j, '$.n') = 6
  FROM (SELECT trend_test(ts / 172800, d) AS j FROM r WHERE job = 'etl');
-- case: trend.confidence
-- a wider confidence gives a wider interval; the label follows 1 - confidence
SELECT json_extract(a, '$.slope_ci_low') > json_extract(b, '$.slope_ci_low')
   AND json_extract(a, '$.sen_ci_low') >= json_extract(b, '$.sen_ci_low')
   AND json_extract(b, '$.confidence') = 0.999 AND json_extract(b, '$.trend') = 'no trend'
  FROM (SELECT trend_test(ts, d) AS a, trend_test(ts, d, 0.999) AS b FROM r WHERE job = 'etl');
-- case: trend.null.confidence.default
SELECT trend_test(ts, d, NULL) = trend_test(ts, d) FROM r WHERE job = 'etl';
-- case: trend.real.ts
SELECT json_extract(trend_test(ts / 86400.0, d), '$.sen_slope') = 1.5 FROM r WHERE job = 'etl';
-- case: trend.decreasing
SELECT json_extract(trend_test(-ts, d, 0.9), '$.trend') = 'decreasing' FROM r WHERE job = 'etl';

-- errors
-- case: trend.error.text.value
-- error: trend_test(): value (argument 2) is TEXT; expected INTEGER or REAL
SELECT trend_test(1, '12 s');
-- case: trend.error.blob.ts
-- error: trend_test(): ts (argument 1) is BLOB; expected INTEGER, REAL or ISO-8601 TEXT
SELECT trend_test(x'01', 1);
-- case: trend.error.inf.value
-- error: trend_test(): value (argument 2) is not a finite number
SELECT trend_test(1, 1e999);
-- case: trend.error.inf.ts
-- error: trend_test(): ts (argument 1) is not a finite number
SELECT trend_test(-1e999, 1);
-- case: trend.error.confidence.range
-- error: trend_test(): confidence (argument 3) is 95.0; expected a number between 0 and 1 (exclusive)
SELECT trend_test(ts, d, 95.0) FROM r;
-- case: trend.error.confidence.type
-- error: trend_test(): confidence (argument 3) is TEXT; expected a number between 0 and 1 (exclusive)
SELECT trend_test(ts, d, '0.9') FROM r;
-- case: trend.error.confidence.changed
-- error: trend_test(): confidence changed from 0.9 to 0.95 between rows
SELECT trend_test(ts, d, CASE WHEN id < 3 THEN 0.9 ELSE 0.95 END) FROM r;
-- case: trend.error.args
-- error: wrong number of arguments to function trend_test()
SELECT trend_test(1);
-- case: trend.error.bad.iso
-- error: trend_test(): ts (argument 1) '2025-13-01' is not an ISO-8601 time; expected 'YYYY-MM-DD HH:MM:SS' (optional 'T', fraction and zone) or unix seconds
SELECT trend_test('2025-13-01', 1);
-- case: trend.iso.text
-- behaviour 1: ISO-8601 text is read as unix seconds, so it gives what unixepoch() gives
SELECT trend_test(datetime(ts, 'unixepoch'), d) = trend_test(ts, d)
   AND trend_test(strftime('%Y-%m-%dT%H:%M:%SZ', ts, 'unixepoch'), d) = trend_test(ts, d)
  FROM r WHERE job = 'etl';
