-- proportions_ztest(), chi2_test(), anova_oneway() (ext/group_tests.c): argument
-- errors, NULL handling, group keys, degenerate inputs, and sliding windows
-- (xInverse) against the plain aggregate over each frame.  Reference values
-- for random data are in grouptests_ref.sql (fixtures/grouptests/make_grouptests.py).
CREATE TABLE r(i INTEGER PRIMARY KEY, ok INTEGER, variant TEXT, runner TEXT, status TEXT, v REAL);
INSERT INTO r(i, ok, variant, runner, status, v)
  WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 600)
  SELECT i,
         ((i * 7919) % 101) < CASE WHEN i % 2 = 0 THEN 60 ELSE 45 END,
         CASE WHEN i % 2 = 0 THEN 'B' ELSE 'A' END,
         CASE (i * 31) % 4 WHEN 0 THEN 'linux' WHEN 1 THEN 'mac' WHEN 2 THEN 'win' ELSE 'bsd' END,
         CASE WHEN (i * 13) % 7 < 2 THEN 'failed' ELSE 'ok' END,
         100.0 + ((i * 7919) % 1009) / 64.0 + (i % 3) * 2.5
    FROM s;

-- ------------------------------------------------------------ proportions_ztest
-- case: grouptests.pz.basic
SELECT json_extract(j, '$.group_a') = 'A' AND json_extract(j, '$.group_b') = 'B'
   AND json_extract(j, '$.n_a') = 300 AND json_extract(j, '$.n_b') = 300
   AND abs(json_extract(j, '$.diff') - (json_extract(j, '$.p_a') - json_extract(j, '$.p_b'))) < 1e-15
   AND json_extract(j, '$.alternative') = 'two-sided' AND json_extract(j, '$.confidence') = 0.95
   AND json_extract(j, '$.ci_low') < json_extract(j, '$.diff') AND json_extract(j, '$.diff') < json_extract(j, '$.ci_high')
  FROM (SELECT proportions_ztest(ok, variant) AS j FROM r);
-- The keys, in order.
-- case: grouptests.pz.keys
SELECT group_concat(key, ',') = 'group_a,group_b,n_a,n_b,successes_a,successes_b,p_a,p_b,p_pooled,diff,statistic,p,ci_low,ci_high,alternative,confidence'
  FROM json_each((SELECT proportions_ztest(ok, variant) FROM r));
-- REAL 0.0/1.0 are accepted; a comparison works as success.
-- case: grouptests.pz.real.flags
SELECT proportions_ztest(ok, variant) = proportions_ztest(CAST(ok AS REAL), variant)
   AND proportions_ztest(status = 'ok', variant) IS NOT NULL FROM r;
-- one-sided: 'less' + 'greater' p-values sum to 1; the open end is infinite
-- case: grouptests.pz.one.sided
SELECT abs(json_extract(l, '$.p') + json_extract(g, '$.p') - 1) < 1e-15
   AND json_extract(l, '$.ci_low') = -9e999 AND json_extract(g, '$.ci_high') = 9e999
  FROM (SELECT proportions_ztest(ok, variant, 'less') AS l, proportions_ztest(ok, variant, 'greater', 0.9) AS g FROM r);
-- NULL rows are skipped; NULL settings mean the defaults
-- case: grouptests.pz.nulls
SELECT proportions_ztest(ok, variant) = proportions_ztest(CASE WHEN i % 50 = 0 THEN NULL ELSE ok END, variant, NULL, NULL)
   FROM r WHERE i % 50 <> 0 OR i IS NULL;
-- case: grouptests.pz.null.group
SELECT json_extract(proportions_ztest(ok, CASE WHEN i <= 10 THEN NULL ELSE variant END), '$.n_a') = 295 FROM r;
-- case: grouptests.pz.no.rows
SELECT proportions_ztest(ok, variant) IS NULL FROM r WHERE i < 0;
-- case: grouptests.pz.all.null
SELECT proportions_ztest(NULL, variant) IS NULL FROM r;
-- One group only: its proportion, the test fields null.
-- case: grouptests.pz.one.group
SELECT json_extract(j, '$.group_a') = 'A' AND json_type(j, '$.group_b') = 'null' AND json_extract(j, '$.n_b') = 0
   AND json_type(j, '$.p_b') = 'null' AND json_type(j, '$.diff') = 'null' AND json_type(j, '$.statistic') = 'null'
   AND json_type(j, '$.p') = 'null' AND json_type(j, '$.ci_low') = 'null' AND json_type(j, '$.p_pooled') = 'null'
   AND json_extract(j, '$.p_a') > 0
  FROM (SELECT proportions_ztest(ok, variant) AS j FROM r WHERE variant = 'A');
-- No successes anywhere: statistic and p null (statsmodels: 0/0), interval [0, 0].
-- case: grouptests.pz.no.successes
SELECT json_type(j, '$.statistic') = 'null' AND json_type(j, '$.p') = 'null' AND json_extract(j, '$.diff') = 0
   AND json_extract(j, '$.ci_low') = 0 AND json_extract(j, '$.ci_high') = 0
  FROM (SELECT proportions_ztest(0, variant) AS j FROM r);
-- case: grouptests.pz.all.successes
SELECT json_type(j, '$.statistic') = 'null' AND json_extract(j, '$.p_pooled') = 1
  FROM (SELECT proportions_ztest(1, variant) AS j FROM r);
-- Group keys: 1 and 1.0 are one group; numbers sort before text.
-- case: grouptests.pz.keys.numeric
SELECT json_extract(j, '$.group_a') = 1 AND json_extract(j, '$.group_b') = 'x' AND json_extract(j, '$.n_a') = 400
  FROM (SELECT proportions_ztest(ok, CASE WHEN i % 3 = 0 THEN 'x' WHEN i % 3 = 1 THEN 1 ELSE 1.0 END) AS j FROM r);
-- case: grouptests.pz.keys.order
SELECT json_extract(proportions_ztest(ok, CASE variant WHEN 'A' THEN 'b' ELSE 'B' END), '$.group_a') = 'B' FROM r;
-- case: grouptests.pz.err.success
-- error: proportions_ztest(): success (argument 1) is 2; expected 0 or 1
SELECT proportions_ztest(ok + 1, variant) FROM r;
-- case: grouptests.pz.err.success.real
-- error: proportions_ztest(): success (argument 1) is 0.5; expected 0 or 1
SELECT proportions_ztest(0.5, variant) FROM r;
-- case: grouptests.pz.err.success.text
-- error: proportions_ztest(): success (argument 1) is TEXT; expected 0 or 1
SELECT proportions_ztest('yes', variant) FROM r;
-- case: grouptests.pz.err.group.blob
-- error: proportions_ztest(): group (argument 2) is a BLOB; expected INTEGER, REAL or TEXT
SELECT proportions_ztest(ok, x'00') FROM r;
-- case: grouptests.pz.err.group.nul
-- error: proportions_ztest(): group (argument 2) contains a NUL byte at offset 1; labels must be valid UTF-8 without NUL
SELECT proportions_ztest(ok, CAST(x'410042' AS TEXT)) FROM r;
-- case: grouptests.pz.err.group.utf8
-- error: proportions_ztest(): group (argument 2): byte 0xff at offset 1 is not valid UTF-8; labels must be valid UTF-8 without NUL
SELECT proportions_ztest(ok, CAST(x'41FF' AS TEXT)) FROM r;
-- case: grouptests.pz.err.three
-- error: proportions_ztest(): group has more than 2 distinct values ('bsd', 'linux', 'mac', ...); expected exactly 2
SELECT proportions_ztest(ok, runner) FROM r;
-- case: grouptests.pz.err.three.exact
-- error: proportions_ztest(): group has more than 2 distinct values (1, 2.5, 'z'); expected exactly 2
SELECT proportions_ztest(ok, CASE i % 3 WHEN 0 THEN 'z' WHEN 1 THEN 1 ELSE 2.5 END) FROM r;
-- 100 groups: past the 64 held at once the state stops counting (group 1, seen
-- at row 100, is not among them); the error names three of those held.
-- case: grouptests.pz.err.many
-- error: proportions_ztest(): group has more than 2 distinct values (2, 3, 4, ...); expected exactly 2
SELECT proportions_ztest(ok, i % 100 + 1) FROM r;
-- case: grouptests.pz.err.alt
-- error: proportions_ztest(): alternative (argument 3) is 'smaller'; expected 'two-sided', 'less' or 'greater'
SELECT proportions_ztest(ok, variant, 'smaller') FROM r;
-- case: grouptests.pz.err.alt.type
-- error: proportions_ztest(): alternative (argument 3) is INTEGER; expected 'two-sided', 'less' or 'greater'
SELECT proportions_ztest(ok, variant, 1) FROM r;
-- case: grouptests.pz.err.conf
-- error: proportions_ztest(): confidence (argument 4) is 95.0; expected a number between 0 and 1 (exclusive)
SELECT proportions_ztest(ok, variant, 'two-sided', 95) FROM r;
-- case: grouptests.pz.err.conf.type
-- error: proportions_ztest(): confidence (argument 4) is TEXT; expected a number between 0 and 1 (exclusive)
SELECT proportions_ztest(ok, variant, 'two-sided', '0.9') FROM r;
-- case: grouptests.pz.err.alt.changed
-- error: proportions_ztest(): alternative changed from 'two-sided' to 'less' between rows
SELECT proportions_ztest(ok, variant, CASE WHEN i > 5 THEN 'less' END) FROM r;
-- case: grouptests.pz.err.conf.changed
-- error: proportions_ztest(): confidence changed from 0.95 to 0.9 between rows
SELECT proportions_ztest(ok, variant, NULL, CASE WHEN i > 5 THEN 0.9 END) FROM r;
-- case: grouptests.pz.err.nargs
-- error: wrong number of arguments to function proportions_ztest()
SELECT proportions_ztest(ok) FROM r;

-- -------------------------------------------------------------------- chi2_test
-- case: grouptests.c2.basic
SELECT json_extract(j, '$.rows') = 4 AND json_extract(j, '$.cols') = 2 AND json_extract(j, '$.dof') = 3
   AND json_extract(j, '$.n') = 600 AND json_extract(j, '$.correction') = 0
   AND json_extract(j, '$.p') BETWEEN 0 AND 1 AND json_extract(j, '$.cramers_v') BETWEEN 0 AND 1
  FROM (SELECT chi2_test(runner, status) AS j FROM r);
-- case: grouptests.c2.keys
SELECT group_concat(key, ',') = 'statistic,p,dof,n,rows,cols,expected_min,cramers_v,correction'
  FROM json_each((SELECT chi2_test(runner, status) FROM r));
-- symmetric in its two arguments
-- case: grouptests.c2.symmetric
SELECT json_extract(x, '$.statistic') = json_extract(y, '$.statistic') AND json_extract(x, '$.p') = json_extract(y, '$.p')
   AND json_extract(x, '$.rows') = json_extract(y, '$.cols')
  FROM (SELECT chi2_test(runner, ok) AS x, chi2_test(ok, runner) AS y FROM r);
-- 2 x 2: Yates's correction by default, off with 0 / false; Cramér's V is
-- from the uncorrected statistic either way
-- case: grouptests.c2.yates
SELECT json_extract(d, '$.correction') = 1 AND json_extract(o, '$.correction') = 0
   AND json_extract(d, '$.statistic') < json_extract(o, '$.statistic')
   AND json_extract(d, '$.cramers_v') = json_extract(o, '$.cramers_v')
   AND d = chi2_t AND d = chi2_n
  FROM (SELECT chi2_test(variant, ok) AS d, chi2_test(variant, ok, false) AS o,
               chi2_test(variant, ok, true) AS chi2_t, chi2_test(variant, ok, NULL) AS chi2_n FROM r);
-- Cramér's V = sqrt(X2 / (n (min(r, c) - 1)))
-- case: grouptests.c2.cramer
SELECT abs(json_extract(j, '$.cramers_v') - sqrt(json_extract(j, '$.statistic') / (600 * 1))) < 1e-15
  FROM (SELECT chi2_test(runner, status) AS j FROM r);
-- NULL in either column: the row is skipped
-- case: grouptests.c2.nulls
SELECT json_extract(chi2_test(runner, CASE WHEN i % 10 = 0 THEN NULL ELSE status END), '$.n') = 540
   AND json_extract(chi2_test(CASE WHEN i % 10 = 0 THEN NULL ELSE runner END, status), '$.n') = 540 FROM r;
-- case: grouptests.c2.no.rows
SELECT chi2_test(runner, status) IS NULL FROM r WHERE i < 0;
-- A single row or column: dof 0, statistic 0, p 1 (scipy), cramers_v null.
-- case: grouptests.c2.single.column
SELECT json_extract(j, '$.dof') = 0 AND json_extract(j, '$.statistic') = 0 AND json_extract(j, '$.p') = 1
   AND json_type(j, '$.cramers_v') = 'null' AND json_extract(j, '$.cols') = 1
  FROM (SELECT chi2_test(runner, status) AS j FROM r WHERE status = 'ok');
-- case: grouptests.c2.one.row
SELECT json_extract(j, '$.dof') = 0 AND json_extract(j, '$.rows') = 1 AND json_extract(j, '$.cols') = 1
   AND json_extract(j, '$.expected_min') = 600 AND json_extract(j, '$.p') = 1
  FROM (SELECT chi2_test('x', 1) AS j FROM r);
-- Mixed key types: 1 and 1.0 are one category, 1.5 another, '1' another.
-- case: grouptests.c2.key.types
SELECT json_extract(chi2_test(CASE i % 4 WHEN 0 THEN 1 WHEN 1 THEN 1.0 WHEN 2 THEN 1.5 ELSE '1' END, status), '$.rows') = 3 FROM r;
-- case: grouptests.c2.err.a.blob
-- error: chi2_test(): a (argument 1) is a BLOB; expected INTEGER, REAL or TEXT
SELECT chi2_test(x'01', status) FROM r;
-- case: grouptests.c2.err.b.utf8
-- error: chi2_test(): b (argument 2): byte 0xff at offset 1 is not valid UTF-8; labels must be valid UTF-8 without NUL
SELECT chi2_test(runner, CAST(x'41FF' AS TEXT)) FROM r;
-- case: grouptests.c2.err.correction
-- error: chi2_test(): correction (argument 3) is 2; expected 0 or 1 (false or true)
SELECT chi2_test(runner, status, 2) FROM r;
-- case: grouptests.c2.err.correction.text
-- error: chi2_test(): correction (argument 3) is TEXT; expected 0 or 1 (false or true)
SELECT chi2_test(runner, status, 'yes') FROM r;
-- case: grouptests.c2.err.correction.changed
-- error: chi2_test(): correction changed from 1 to 0 between rows
SELECT chi2_test(runner, status, i < 10) FROM r;
-- More than 1000 distinct values in a column: an error, not a huge table.
-- case: grouptests.c2.err.levels
-- error: chi2_test(): a (argument 1) has more than 1000 distinct values; at most 1000 are supported
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 1001) SELECT chi2_test(i, i % 2) FROM s;
-- case: grouptests.c2.levels.1000
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 1000)
SELECT json_extract(chi2_test(i % 2, 'c' || i), '$.cols') = 1000 FROM s;
-- case: grouptests.c2.err.nargs
-- error: wrong number of arguments to function chi2_test()
SELECT chi2_test(runner, status, 1, 2) FROM r;

-- ----------------------------------------------------------------- anova_oneway
-- case: grouptests.an.basic
SELECT json_extract(j, '$.k') = 4 AND json_extract(j, '$.n') = 600 AND json_extract(j, '$.df_num') = 3
   AND json_extract(j, '$.df_denom') = 596 AND json_extract(j, '$.use_var') = 'equal'
   AND json_array_length(j, '$.groups') = 4 AND json_extract(j, '$.groups[0].group') = 'bsd'
   AND json_extract(j, '$.groups[3].group') = 'win'
   AND json_extract(j, '$.eta_squared') BETWEEN 0 AND 1
  FROM (SELECT anova_oneway(v, runner) AS j FROM r);
-- case: grouptests.an.keys
SELECT group_concat(key, ',') = 'statistic,p,df_num,df_denom,eta_squared,n,k,use_var,groups'
  FROM json_each((SELECT anova_oneway(v, runner) FROM r));
-- The groups' n and mean are SQL's own.
-- case: grouptests.an.groups
SELECT count(*) = 4 AND sum(abs(json_extract(g.value, '$.mean') - (SELECT avg(v) FROM r WHERE runner = json_extract(g.value, '$.group'))) < 1e-12) = 4
   AND sum(json_extract(g.value, '$.n') = (SELECT count(*) FROM r WHERE runner = json_extract(g.value, '$.group'))) = 4
  FROM json_each((SELECT anova_oneway(v, runner) FROM r), '$.groups') AS g;
-- Two groups, equal variances: F = t^2 of the pooled t-test (here checked
-- through Welch's ANOVA = Welch's t-test squared, k = 2)
-- case: grouptests.an.welch.t.squared
SELECT abs(json_extract(a, '$.statistic') / (json_extract(w, '$.t') * json_extract(w, '$.t')) - 1) < 1e-12
   AND abs(json_extract(a, '$.df_denom') / json_extract(w, '$.df') - 1) < 1e-12
   AND abs(json_extract(a, '$.p') / json_extract(w, '$.p') - 1) < 1e-10
  FROM (SELECT anova_oneway(v, variant, 'unequal') AS a, welch_ttest(v, variant) AS w FROM r);
-- A large common offset costs nothing (the values are multiples of 1/64, so
-- v + 1e9 is exact).
-- case: grouptests.an.offset
SELECT abs(json_extract(b, '$.statistic') / json_extract(a, '$.statistic') - 1) < 1e-13
   AND abs(json_extract(bu, '$.statistic') / json_extract(au, '$.statistic') - 1) < 1e-13
   AND abs(json_extract(b, '$.eta_squared') / json_extract(a, '$.eta_squared') - 1) < 1e-13
  FROM (SELECT anova_oneway(v, runner) AS a, anova_oneway(v + 1e9, runner) AS b,
               anova_oneway(v, runner, 'unequal') AS au, anova_oneway(v + 1e9, runner, 'unequal') AS bu FROM r);
-- Scale invariance down to tiny and up to huge values.
-- case: grouptests.an.scale
SELECT abs(json_extract(b, '$.statistic') / json_extract(a, '$.statistic') - 1) < 1e-13
   AND abs(json_extract(c, '$.statistic') / json_extract(a, '$.statistic') - 1) < 1e-13
  FROM (SELECT anova_oneway(v, runner) AS a, anova_oneway(v * 1e-200, runner) AS b, anova_oneway(v * 1e200, runner) AS c FROM r);
-- case: grouptests.an.nulls
SELECT json_extract(anova_oneway(CASE WHEN i % 10 = 0 THEN NULL ELSE v END, runner), '$.n') = 540
   AND json_extract(anova_oneway(v, CASE WHEN i % 10 = 0 THEN NULL ELSE runner END, NULL), '$.n') = 540 FROM r;
-- case: grouptests.an.no.rows
SELECT anova_oneway(v, runner) IS NULL FROM r WHERE i < 0;
-- One group: no test (scipy raises); the group's statistics are reported.
-- case: grouptests.an.one.group
SELECT json_extract(j, '$.k') = 1 AND json_type(j, '$.statistic') = 'null' AND json_type(j, '$.p') = 'null'
   AND json_type(j, '$.df_num') = 'null' AND json_extract(j, '$.groups[0].n') = 150
  FROM (SELECT anova_oneway(v, runner) AS j FROM r WHERE runner = 'mac');
-- Every group constant: equal constants → null; different → F = inf, p = 0
-- (scipy 1.10); Welch: null (zero variance).
-- case: grouptests.an.const.same
SELECT json_type(anova_oneway(5, runner), '$.statistic') = 'null' AND json_type(anova_oneway(5, runner), '$.p') = 'null' FROM r;
-- case: grouptests.an.const.diff
SELECT json_extract(j, '$.statistic') = 9e999 AND json_extract(j, '$.p') = 0 AND json_extract(j, '$.eta_squared') = 1
   AND json_type(u, '$.statistic') = 'null' AND json_type(u, '$.df_denom') = 'null'
  FROM (SELECT anova_oneway(length(runner), runner) AS j, anova_oneway(length(runner), runner, 'unequal') AS u FROM r);
-- Every group of size 1: null (scipy); df_denom 0.
-- case: grouptests.an.size.one
SELECT json_type(j, '$.statistic') = 'null' AND json_extract(j, '$.df_denom') = 0
  FROM (SELECT anova_oneway(v, i) AS j FROM r WHERE i <= 5);
-- case: grouptests.an.err.value
-- error: anova_oneway(): value (argument 1) is TEXT; expected INTEGER or REAL
SELECT anova_oneway(status, runner) FROM r;
-- case: grouptests.an.err.inf
-- error: anova_oneway(): value (argument 1) is not a finite number
SELECT anova_oneway(1e999, runner) FROM r;
-- case: grouptests.an.err.group
-- error: anova_oneway(): group (argument 2) is a BLOB; expected INTEGER, REAL or TEXT
SELECT anova_oneway(v, x'00') FROM r;
-- case: grouptests.an.err.use.var
-- error: anova_oneway(): use_var (argument 3) is 'welch'; expected 'equal' or 'unequal'
SELECT anova_oneway(v, runner, 'welch') FROM r;
-- case: grouptests.an.err.use.var.type
-- error: anova_oneway(): use_var (argument 3) is INTEGER; expected 'equal' or 'unequal'
SELECT anova_oneway(v, runner, 1) FROM r;
-- case: grouptests.an.err.use.var.changed
-- error: anova_oneway(): use_var changed from 'equal' to 'unequal' between rows
SELECT anova_oneway(v, runner, CASE WHEN i > 3 THEN 'unequal' END) FROM r;
-- case: grouptests.an.err.levels
-- error: anova_oneway(): group has more than 1000 distinct values; at most 1000 are supported
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 2002) SELECT anova_oneway(i, i / 2) FROM s;
-- case: grouptests.an.err.nargs
-- error: wrong number of arguments to function anova_oneway()
SELECT anova_oneway(v) FROM r;

-- ---------------------------------------------------------------------- windows
-- Every frame's result is the same JSON text as the plain aggregate over the
-- frame's rows: the state is counts and exact sums, so removing a row is exact.
CREATE TABLE wz AS
  SELECT i, proportions_ztest(ok, variant) OVER (ORDER BY i ROWS 29 PRECEDING) AS win,
         (SELECT proportions_ztest(ok, variant) FROM (SELECT * FROM r AS u WHERE u.i BETWEEN r.i - 29 AND r.i ORDER BY u.i)) AS agg
    FROM r;
-- case: grouptests.win.pz
SELECT count(*) = 600 AND sum(win IS agg) = 600 AND count(win) = 600 FROM wz;
-- Runs of one variant: some frames hold one group only (group_b null).
CREATE TABLE wz2 AS
  SELECT i, proportions_ztest(ok, CASE WHEN (i / 40) % 3 = 0 THEN 'A' ELSE variant END) OVER (ORDER BY i ROWS 9 PRECEDING) AS win,
         (SELECT proportions_ztest(ok, CASE WHEN (i / 40) % 3 = 0 THEN 'A' ELSE variant END)
            FROM (SELECT * FROM r AS u WHERE u.i BETWEEN r.i - 9 AND r.i ORDER BY u.i)) AS agg
    FROM r;
-- case: grouptests.win.pz.one.group
SELECT sum(win IS agg) = 600 AND sum(json_type(win, '$.group_b') = 'null') > 100 FROM wz2;
-- A frame that follows: rows enter before others leave.
CREATE TABLE wz3 AS
  SELECT i, proportions_ztest(ok, variant) OVER (ORDER BY i ROWS BETWEEN 5 PRECEDING AND 7 FOLLOWING) AS win,
         (SELECT proportions_ztest(ok, variant) FROM (SELECT * FROM r AS u WHERE u.i BETWEEN r.i - 5 AND r.i + 7 ORDER BY u.i)) AS agg
    FROM r;
-- case: grouptests.win.pz.following
SELECT sum(win IS agg) = 600 FROM wz3;
CREATE TABLE wc AS
  SELECT i, chi2_test(runner, status) OVER (ORDER BY i ROWS 49 PRECEDING) AS win,
         (SELECT chi2_test(runner, status) FROM (SELECT * FROM r AS u WHERE u.i BETWEEN r.i - 49 AND r.i ORDER BY u.i)) AS agg
    FROM r;
-- case: grouptests.win.c2
SELECT count(*) = 600 AND sum(win IS agg) = 600 FROM wc;
-- Categories come and go: 2000 distinct values of a pass through (more than
-- the 1000 a column may hold at once) while a frame holds at most 4; a
-- category whose count drops to zero is absent and its slot reused.
CREATE TABLE seq AS WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 6000)
  SELECT i, 'k' || (i / 3) AS a, (i * 7) % 3 AS b, 10.0 + ((i * 7919) % 997) / 32.0 + (i % 3) AS v FROM s;
CREATE TABLE wc2 AS
  SELECT i, chi2_test(a, b) OVER (ORDER BY i ROWS 8 PRECEDING) AS win,
         (SELECT chi2_test(a, b) FROM (SELECT * FROM seq AS u WHERE u.i BETWEEN seq.i - 8 AND seq.i ORDER BY u.i)) AS agg
    FROM seq;
-- case: grouptests.win.c2.churn
SELECT count(*) = 6000 AND sum(win IS agg) = 6000 AND max(json_extract(win, '$.rows')) = 4 FROM wc2;
CREATE TABLE wa AS
  SELECT i, anova_oneway(v, runner) OVER (ORDER BY i ROWS 59 PRECEDING) AS win,
         anova_oneway(v, runner, 'unequal') OVER (ORDER BY i ROWS 59 PRECEDING) AS winu,
         (SELECT anova_oneway(v, runner) FROM (SELECT * FROM r AS u WHERE u.i BETWEEN r.i - 59 AND r.i ORDER BY u.i)) AS agg,
         (SELECT anova_oneway(v, runner, 'unequal') FROM (SELECT * FROM r AS u WHERE u.i BETWEEN r.i - 59 AND r.i ORDER BY u.i)) AS aggu
    FROM r;
-- case: grouptests.win.an
SELECT count(*) = 600 AND sum(win IS agg) = 600 AND sum(winu IS aggu) = 600 FROM wa;
-- Groups come and go (2000 over the sequence, at most 4 at once), with a
-- spike of 1e12 passing through: after it leaves, results are exact again.
CREATE TABLE wa2 AS
  SELECT i, anova_oneway(CASE WHEN i = 3000 THEN 1e12 ELSE v END, a) OVER (ORDER BY i ROWS 10 PRECEDING) AS win,
         (SELECT anova_oneway(CASE WHEN i = 3000 THEN 1e12 ELSE v END, a) FROM (SELECT * FROM seq AS u WHERE u.i BETWEEN seq.i - 10 AND seq.i ORDER BY u.i)) AS agg
    FROM seq;
-- case: grouptests.win.an.churn
SELECT count(*) = 6000 AND sum(win IS agg) = 6000 AND max(json_extract(win, '$.k')) = 5 FROM wa2;
-- PARTITION BY and an unbounded frame
-- case: grouptests.win.partition
SELECT count(*) = 0 FROM (
  SELECT runner, anova_oneway(v, variant) OVER (PARTITION BY runner) AS w,
         (SELECT anova_oneway(v, variant) FROM r AS u WHERE u.runner = r.runner) AS a FROM r) WHERE w IS NOT a;

-- ------------------------------------------------------------------ out of memory
-- chi2_test's dense table for 1000 x 1000 categories is 8 MB: under a 6 MB heap
-- limit the statement fails with SQLITE_NOMEM, nothing leaks (the ASan and
-- valgrind runs check that) and the connection stays usable.  The pragma
-- cannot be undone, so these cases come last.
-- case: grouptests.oom.before.limit
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 1000)
SELECT json_extract(chi2_test(i, i), '$.dof') = 998001 FROM s;
PRAGMA hard_heap_limit = 6000000;
-- case: grouptests.oom.c2
-- error: out of memory
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 1000)
SELECT chi2_test(i, i) FROM s;
-- case: grouptests.oom.c2.window
-- error: out of memory
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 1000)
SELECT max(w) FROM (SELECT chi2_test(i, 'b' || i) OVER (ORDER BY i) AS w FROM s);
-- case: grouptests.oom.connection.usable
SELECT json_extract(chi2_test(runner, status), '$.dof') = 3 AND json_extract(anova_oneway(v, runner), '$.k') = 4
   AND json_extract(proportions_ztest(ok, variant), '$.n_a') = 300 FROM r;
