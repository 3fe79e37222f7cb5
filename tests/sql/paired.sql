-- paired_ttest() and wilcoxon_signed_rank(): behaviours, edge cases, windows and
-- errors (docs/paired_ttest.md, docs/wilcoxon_signed_rank.md; ext/paired.c,
-- ext/core/stats/st_paired.h).  Agreement with scipy on raw data: paired_scipy.sql.
CREATE TABLE pr(id INTEGER PRIMARY KEY, a REAL, b REAL);
INSERT INTO pr(a, b) VALUES (1.0, 2.0), (3.0, 1.0), (5.0, 2.5), (2.0, 2.2), (NULL, 1.0), (4.0, NULL), (7.5, 6.0);
-- case: paired.t.keys
SELECT group_concat(key, ',') = 'n,mean_diff,sd_diff,se,statistic,df,p,ci_low,ci_high,cohens_dz,alternative,confidence'
  FROM json_each((SELECT paired_ttest(a, b) FROM pr));
-- case: paired.w.keys
SELECT group_concat(key, ',') = 'n,n_zero,statistic,r_plus,r_minus,z,p,method,rank_biserial,hodges_lehmann,ci_low,ci_high,alternative,confidence'
  FROM json_each((SELECT wilcoxon_signed_rank(a, b) FROM pr));
-- scipy.stats.ttest_rel([1,3,5,2], [2,1,2.5,2.2]): t 0.9763769429050997, p 0.40088609615623355
-- case: paired.t.values
SELECT json_extract(r, '$.n') = 4 AND json_extract(r, '$.df') = 3
   AND abs(json_extract(r, '$.statistic') - 0.9763769429050997) < 1e-14
   AND abs(json_extract(r, '$.p') - 0.40088609615623355) < 1e-13
   AND abs(json_extract(r, '$.mean_diff') - 0.825) < 1e-15
  FROM (SELECT paired_ttest(a, b) AS r FROM pr WHERE id <= 4);
-- scipy.stats.wilcoxon([1,3,5,2], [2,1,2.5,2.2]): statistic 3, p 0.625 (exact)
-- case: paired.w.values
SELECT json_extract(r, '$.statistic') = 3 AND json_extract(r, '$.p') = 0.625 AND json_extract(r, '$.method') = 'exact'
   AND json_extract(r, '$.r_plus') = 7 AND json_extract(r, '$.r_minus') = 3 AND json_extract(r, '$.z') IS NULL
   AND json_extract(r, '$.rank_biserial') = 0.4 AND json_extract(r, '$.hodges_lehmann') = 0.825
  FROM (SELECT wilcoxon_signed_rank(a, b) AS r FROM pr WHERE id <= 4);
-- Behaviour 1: a NULL in either column skips the pair.
-- case: paired.null.skips.pair
SELECT paired_ttest(a, b) = (SELECT paired_ttest(a, b) FROM pr WHERE a IS NOT NULL AND b IS NOT NULL)
   AND wilcoxon_signed_rank(a, b) = (SELECT wilcoxon_signed_rank(a, b) FROM pr WHERE a IS NOT NULL AND b IS NOT NULL)
  FROM pr;
-- case: paired.order.independent
SELECT (SELECT paired_ttest(a, b) FROM pr) = (SELECT paired_ttest(a, b) FROM (SELECT * FROM pr ORDER BY id DESC))
   AND (SELECT wilcoxon_signed_rank(a, b) FROM pr) = (SELECT wilcoxon_signed_rank(a, b) FROM (SELECT * FROM pr ORDER BY id DESC));
-- case: paired.swap.negates
SELECT json_extract(x, '$.statistic') = -json_extract(y, '$.statistic') AND json_extract(x, '$.p') = json_extract(y, '$.p')
  FROM (SELECT paired_ttest(a, b) AS x, paired_ttest(b, a) AS y FROM pr);
-- case: paired.less.greater.sum.to.one
SELECT abs(json_extract(l, '$.p') + json_extract(g, '$.p') - 1) < 1e-15
  FROM (SELECT paired_ttest(a, b, 'less') AS l, paired_ttest(a, b, 'greater') AS g FROM pr);
-- case: paired.one.sided.ci
SELECT json_extract(l, '$.ci_low') = -9e999 AND json_extract(g, '$.ci_high') = 9e999
   AND json_extract(wl, '$.ci_low') = -9e999 AND json_extract(wg, '$.ci_high') = 9e999
  FROM (SELECT paired_ttest(a, b, 'less') AS l, paired_ttest(a, b, 'greater') AS g,
               wilcoxon_signed_rank(a, b, 'less', 0.5) AS wl, wilcoxon_signed_rank(a, b, 'greater', 0.5) AS wg FROM pr);
-- case: paired.null.settings.default
SELECT paired_ttest(a, b, NULL, NULL) = paired_ttest(a, b) AND wilcoxon_signed_rank(a, b, NULL, NULL) = wilcoxon_signed_rank(a, b)
   AND paired_ttest(a, b, 'two-sided', 0.95) = paired_ttest(a, b) FROM pr;
-- case: paired.integer.values
SELECT paired_ttest(CAST(a AS INTEGER), CAST(b AS INTEGER)) = paired_ttest(CAST(a AS INTEGER) * 1.0, CAST(b AS INTEGER) * 1.0)
  FROM pr;
-- case: paired.confidence.key
SELECT json_extract(paired_ttest(a, b, 'less', 0.9), '$.confidence') = 0.9
   AND json_extract(wilcoxon_signed_rank(a, b, 'less', 0.9), '$.alternative') = 'less' FROM pr;
-- Behaviour 4: no complete pair → NULL.
-- case: paired.empty
SELECT paired_ttest(a, b) IS NULL AND wilcoxon_signed_rank(a, b) IS NULL FROM pr WHERE 0;
-- case: paired.only.incomplete
SELECT paired_ttest(a, b) IS NULL AND wilcoxon_signed_rank(a, b) IS NULL FROM pr WHERE a IS NULL OR b IS NULL;
-- One pair (st_paired.h 5.2): df 0 as scipy, test fields null; Wilcoxon exact p 1.
-- case: paired.t.one.pair
SELECT json_extract(r, '$.n') = 1 AND json_extract(r, '$.mean_diff') = -1 AND json_extract(r, '$.df') = 0
   AND json_extract(r, '$.sd_diff') IS NULL AND json_extract(r, '$.statistic') IS NULL AND json_extract(r, '$.p') IS NULL
   AND json_extract(r, '$.ci_low') IS NULL AND json_extract(r, '$.cohens_dz') IS NULL
  FROM (SELECT paired_ttest(a, b) AS r FROM pr WHERE id = 1);
-- case: paired.w.one.pair
SELECT json_extract(r, '$.n') = 1 AND json_extract(r, '$.p') = 1 AND json_extract(r, '$.statistic') = 0
   AND json_extract(r, '$.hodges_lehmann') = -1 AND json_extract(r, '$.ci_low') = -9e999 AND json_extract(r, '$.ci_high') = 9e999
  FROM (SELECT wilcoxon_signed_rank(a, b) AS r FROM pr WHERE id = 1);
-- Every difference zero (5.3, 11): t and p null, CI [0, 0]; Wilcoxon (scipy raises) statistic 0, p null.
CREATE TABLE eq(a REAL, b REAL);
INSERT INTO eq VALUES (1, 1), (2.5, 2.5), (-3, -3);
-- case: paired.t.all.zero
SELECT json_extract(r, '$.statistic') IS NULL AND json_extract(r, '$.p') IS NULL AND json_extract(r, '$.sd_diff') = 0
   AND json_extract(r, '$.ci_low') = 0 AND json_extract(r, '$.ci_high') = 0 AND json_extract(r, '$.df') = 2
  FROM (SELECT paired_ttest(a, b) AS r FROM eq);
-- case: paired.w.all.zero
SELECT json_extract(r, '$.statistic') = 0 AND json_extract(r, '$.p') IS NULL AND json_extract(r, '$.z') IS NULL
   AND json_extract(r, '$.method') = 'asymptotic' AND json_extract(r, '$.n_zero') = 3 AND json_extract(r, '$.rank_biserial') IS NULL
   AND json_extract(r, '$.hodges_lehmann') = 0
  FROM (SELECT wilcoxon_signed_rank(a, b) AS r FROM eq);
-- Constant nonzero difference (5.4): t = +inf (9e999), p 0; the CI collapses to the mean.
-- case: paired.t.zero.variance
SELECT json_extract(r, '$.statistic') = 9e999 AND json_extract(r, '$.p') = 0 AND json_extract(r, '$.ci_low') = 0.5
   AND json_extract(r, '$.ci_high') = 0.5 AND json_extract(r, '$.cohens_dz') = 9e999
  FROM (SELECT paired_ttest(a + 0.5, b) AS r FROM eq);
-- case: paired.t.zero.variance.less
SELECT json_extract(paired_ttest(a + 0.5, b, 'less'), '$.p') = 1 FROM eq;
-- Exact sums: 0.1 three times has variance 0 (scipy's float mean leaves ~1e-34).
-- case: paired.t.exact.zero.variance
SELECT json_extract(paired_ttest(a + 0.1, a), '$.sd_diff') = 0 FROM (SELECT 0.0 AS a UNION ALL SELECT 0.0 UNION ALL SELECT 0.0);
-- Stability: 1e9 + x against 1e9 + y tests like x against y (the noise is on a 2^-20 grid, exact).
CREATE TABLE big AS WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < 999)
  SELECT i, ((i * 7919) % 10007) / 1048576.0 AS x, ((i * 104729) % 10009) / 1048576.0 AS y FROM s;
-- case: paired.t.offset.invariant
SELECT paired_ttest(1e9 + x, 1e9 + y) = paired_ttest(x, y) FROM big;
-- Ties without zeros stay exact (scipy 1.10.1 'auto'), zeros switch to asymptotic, n = 51 too.
-- case: paired.w.ties.exact
SELECT json_extract(r, '$.method') = 'exact' AND json_extract(r, '$.statistic') = 14.5 AND json_extract(r, '$.p') = 0.232421875
  FROM (SELECT wilcoxon_signed_rank(d, 0) AS r FROM (SELECT value AS d FROM json_each('[1,-1,2,2,-2,3,4,-3,5,1]')));
-- case: paired.w.zeros.asymptotic
SELECT json_extract(r, '$.method') = 'asymptotic' AND json_extract(r, '$.n_zero') = 2
   AND abs(json_extract(r, '$.p') - 0.1825661844682832) < 1e-14 AND abs(json_extract(r, '$.z') + 1.3328952412126416) < 1e-14
  FROM (SELECT wilcoxon_signed_rank(d, 0) AS r FROM (SELECT value AS d FROM json_each('[1,-1,2,2,-2,3,0,4,0,-3,5,1]')));
-- case: paired.w.method.boundary
SELECT json_extract((SELECT wilcoxon_signed_rank(x, y) FROM big WHERE i BETWEEN 1 AND 50), '$.method') = 'exact'
   AND json_extract((SELECT wilcoxon_signed_rank(x, y) FROM big WHERE i BETWEEN 1 AND 51), '$.method') = 'asymptotic';
-- Behaviour 13: Hodges-Lehmann includes zero differences (R drops them).
-- case: paired.w.hl.zeros
SELECT json_extract(wilcoxon_signed_rank(d, 0), '$.hodges_lehmann') = 0
  FROM (SELECT value AS d FROM json_each('[0,0,0,0,5]'));
-- case: paired.w.hl.large
SELECT json_extract(r, '$.ci_low') <= json_extract(r, '$.hodges_lehmann') AND json_extract(r, '$.hodges_lehmann') <= json_extract(r, '$.ci_high')
  FROM (SELECT wilcoxon_signed_rank(x, y) AS r FROM big);
-- Huge values: the difference is rounded as scipy rounds it; an overflowing one is an error.
-- case: paired.t.huge
SELECT json_extract(r, '$.statistic') = 0.5 AND json_extract(r, '$.n') = 3
  FROM (SELECT paired_ttest(a, 0, 'two-sided', 0.5) AS r FROM (SELECT 1e308 AS a UNION ALL SELECT -1e308 UNION ALL SELECT 1e308));
-- case: paired.t.err.sd.range
-- error: paired_ttest(): sd_diff is about 2.4e+308, beyond the range of a double; divide the values by a constant first
SELECT paired_ttest(a, 0) FROM (SELECT 1.7e308 AS a UNION ALL SELECT -1.7e308);
-- case: paired.t.err.ci.range
-- error: paired_ttest(): ci_low is about -2.5e+308, beyond the range of a double; divide the values by a constant first
SELECT paired_ttest(a, 0) FROM (SELECT 1e308 AS a UNION ALL SELECT -1e308 UNION ALL SELECT 1e308);
-- case: paired.err.diff.range
-- error: paired_ttest(): a - b is beyond the range of a double (a = 1.0e+308, b = -1.0e+308); divide the values by a constant first
SELECT paired_ttest(1e308, -1e308);
-- case: paired.w.err.diff.range
-- error: wilcoxon_signed_rank(): a - b is beyond the range of a double (a = -1.7e+308, b = 1.0e+308); divide the values by a constant first
SELECT wilcoxon_signed_rank(-1.7e308, 1e308);
-- Errors: arguments.
-- case: paired.err.a.text
-- error: paired_ttest(): a (argument 1) is TEXT; expected INTEGER or REAL
SELECT paired_ttest('1.5', 2);
-- case: paired.err.b.blob
-- error: wilcoxon_signed_rank(): b (argument 2) is BLOB; expected INTEGER or REAL
SELECT wilcoxon_signed_rank(1, x'00');
-- case: paired.err.a.inf
-- error: wilcoxon_signed_rank(): a (argument 1) is not a finite number
SELECT wilcoxon_signed_rank(1e999, 2);
-- case: paired.err.b.nan.inf
-- error: paired_ttest(): b (argument 2) is not a finite number
SELECT paired_ttest(1, -1e999);
-- case: paired.err.alternative
-- error: paired_ttest(): alternative (argument 3) is 'two_sided'; expected 'two-sided', 'less' or 'greater'
SELECT paired_ttest(a, b, 'two_sided') FROM pr;
-- case: paired.err.alternative.type
-- error: wilcoxon_signed_rank(): alternative (argument 3) is INTEGER; expected 'two-sided', 'less' or 'greater'
SELECT wilcoxon_signed_rank(a, b, 2) FROM pr;
-- case: paired.err.confidence.percent
-- error: wilcoxon_signed_rank(): confidence (argument 4) is 95.0; expected a number between 0 and 1 (exclusive)
SELECT wilcoxon_signed_rank(a, b, 'less', 95) FROM pr;
-- case: paired.err.confidence.text
-- error: paired_ttest(): confidence (argument 4) is TEXT; expected a number between 0 and 1 (exclusive)
SELECT paired_ttest(a, b, 'less', '0.9') FROM pr;
-- case: paired.err.alternative.changed
-- error: paired_ttest(): alternative changed from 'less' to 'greater' between rows
SELECT paired_ttest(a, b, CASE WHEN id = 1 THEN 'less' ELSE 'greater' END) FROM pr;
-- case: paired.err.confidence.changed
-- error: wilcoxon_signed_rank(): confidence changed from 0.9 to 0.95 between rows
SELECT wilcoxon_signed_rank(a, b, 'less', CASE WHEN id = 1 THEN 0.9 ELSE 0.95 END) FROM pr;
-- case: paired.err.argc.one
-- error: wrong number of arguments to function paired_ttest()
SELECT paired_ttest(1);
-- case: paired.err.argc.five
-- error: wrong number of arguments to function wilcoxon_signed_rank()
SELECT wilcoxon_signed_rank(1, 2, 'less', 0.9, 1);
-- Windows: every frame equals the plain aggregate over its rows (paired_ttest
-- exactly: exact sums; Wilcoxon: the same multiset of differences).  Spikes of
-- 1e12 and 1e150 pass through the frames, NULL pairs are skipped.
CREATE TABLE ws(i INTEGER PRIMARY KEY, a REAL, b REAL);
INSERT INTO ws(i, a, b)
  WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 400)
  SELECT i,
         CASE i WHEN 50 THEN 1e12 WHEN 120 THEN 1e150 WHEN 77 THEN NULL ELSE ((i * 7919) % 1009) / 64.0 END,
         CASE i WHEN 200 THEN NULL ELSE ((i * 104729) % 1013) / 64.0 + (i % 5) END
    FROM s;
CREATE TABLE wt AS
  SELECT i, paired_ttest(a, b, 'less', 0.9) OVER (ORDER BY i ROWS 59 PRECEDING) AS win,
         (SELECT paired_ttest(a, b, 'less', 0.9) FROM ws AS u WHERE u.i BETWEEN ws.i - 59 AND ws.i) AS agg,
         wilcoxon_signed_rank(a, b) OVER (ORDER BY i ROWS BETWEEN 30 PRECEDING AND 5 FOLLOWING) AS wwin,
         (SELECT wilcoxon_signed_rank(a, b) FROM ws AS u WHERE u.i BETWEEN ws.i - 30 AND ws.i + 5) AS wagg
    FROM ws;
-- case: paired.window.t.identical
SELECT count(*) = 400 AND sum(win IS agg) = 400 AND count(win) = 400 FROM wt;
-- case: paired.window.w.identical
SELECT count(*) = 400 AND sum(wwin IS wagg) = 400 AND count(wwin) = 400 FROM wt;
-- case: paired.window.spike.left
SELECT json_extract(win, '$.sd_diff') < 100 AND json_extract(win, '$.n') = 60 FROM wt WHERE i = 300;
-- case: paired.window.unbounded
SELECT sum(x IS y) = 400 FROM (
  SELECT paired_ttest(a, b) OVER (ORDER BY i) AS x,
         (SELECT paired_ttest(a, b) FROM ws AS u WHERE u.i <= ws.i) AS y FROM ws);
-- case: paired.window.w.unbounded
SELECT sum(x IS y) = 400 FROM (
  SELECT wilcoxon_signed_rank(a, b, 'greater') OVER (ORDER BY i) AS x,
         (SELECT wilcoxon_signed_rank(a, b, 'greater') FROM ws AS u WHERE u.i <= ws.i) AS y FROM ws);
-- case: paired.window.partition
SELECT count(DISTINCT r) = 2 FROM (SELECT wilcoxon_signed_rank(a, b) OVER (PARTITION BY i % 2) AS r FROM ws);
-- Out of memory (the differences of wilcoxon_signed_rank are stored): SQLITE_NOMEM,
-- and the connection stays usable.  The limit cannot be raised again: last.
PRAGMA hard_heap_limit = 8000000;
-- case: paired.w.oom
-- error: out of memory
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 2000000)
SELECT wilcoxon_signed_rank(i, i % 7) FROM s;
-- case: paired.oom.connection.usable
SELECT json_extract(paired_ttest(1, 2), '$.n') = 1 AND json_extract(wilcoxon_signed_rank(1, 2), '$.n') = 1;
