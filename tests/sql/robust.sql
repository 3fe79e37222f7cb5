-- omen_median, omen_percentile, omen_mad, omen_iqr, omen_mean, omen_variance,
-- omen_stddev, omen_skewness, omen_kurtosis (ext/robust_agg.c): values, NULLs,
-- empty groups, errors (exact text), the ends of the double range, and window
-- frames (ROWS, RANGE, GROUPS, PARTITION BY, FOLLOWING, growing and shrinking)
-- checked row by row against the same function as a plain aggregate over the
-- frame's rows.  Agreement with numpy/scipy on 200+ data sets:
-- robust_numpy.sql (fixtures/robust/make_robust.py).
CREATE TABLE s(id INTEGER PRIMARY KEY, g TEXT, x);
INSERT INTO s(g, x) VALUES ('a', 3.5), ('a', -1.25), ('a', 7.0), ('a', 2), ('a', 2), ('a', 11.5), ('a', 0.5), ('a', 4.25),
                           ('a', NULL), ('b', 10), ('b', NULL), ('c', NULL), ('d', 5), ('d', 5), ('d', 5), ('d', 5);

-- numpy 1.24 / scipy 1.10 on a = [3.5, -1.25, 7, 2, 2, 11.5, 0.5, 4.25]:
-- median 2.75, percentile 90 8.35, 10 -0.02499999999999991, 33.3 2.0,
-- mad 1.875, iqr 3.3125; mean 3.6875, var 16.084821428571427, std
-- 4.010588663596833; exact G1 1.036355955498239 (scipy 1.0363559554982391),
-- exact G2 1.1423308774744332 (scipy 1.142330877474433).
-- case: robust.values.order
SELECT omen_median(x) = 2.75 AND omen_percentile(x, 90) = 8.35 AND omen_percentile(x, 10) = -0.02499999999999991
   AND omen_percentile(x, 33.3) = 2.0 AND omen_percentile(x, 0) = -1.25 AND omen_percentile(x, 100) = 11.5
   AND omen_mad(x) = 1.875 AND omen_iqr(x) = 3.3125
  FROM s WHERE g = 'a';
-- case: robust.values.moments
SELECT omen_mean(x) = 3.6875 AND omen_variance(x) = 16.084821428571427 AND omen_stddev(x) = 4.010588663596833
   AND omen_skewness(x) = 1.036355955498239 AND omen_kurtosis(x) = 1.1423308774744332
  FROM s WHERE g = 'a';
-- case: robust.values.types
SELECT typeof(omen_median(x)) = 'real' AND typeof(omen_mean(x)) = 'real' AND typeof(omen_iqr(x)) = 'real'
  FROM s WHERE g = 'a';
-- INTEGER and REAL mix; an INTEGER beyond 2^53 is taken as the nearest double
-- case: robust.values.integers
SELECT omen_median(v) = 2.5 AND omen_mean(v) = 2.5 AND omen_median(w) = 9007199254740992.0
  FROM (SELECT 1 AS v, 9007199254740993 AS w UNION ALL SELECT 2.0, 9007199254740993 UNION ALL SELECT 3, 1 UNION ALL SELECT 4.0, 9007199254740993);
-- case: robust.group.by
SELECT group_concat(g || ':' || ifnull(m, 'null') || '/' || ifnull(v, 'null') || '/' || ifnull(k, 'null'), ' ')
       = 'a:2.75/16.0848214285714/1.14233087747443 b:10.0/null/null c:null/null/null d:5.0/0.0/null'
  FROM (SELECT g, omen_median(x) AS m, omen_variance(x) AS v, omen_kurtosis(x) AS k FROM s GROUP BY g ORDER BY g);

-- NULL rows are skipped; no rows, or only NULLs, give NULL
-- case: robust.null.skipped
SELECT omen_median(x) = 2.75 AND omen_mean(x) = 3.6875 FROM s WHERE g = 'a' OR (g = 'c');
-- case: robust.empty
SELECT omen_median(x) IS NULL AND omen_percentile(x, 50) IS NULL AND omen_mad(x) IS NULL AND omen_iqr(x) IS NULL
   AND omen_mean(x) IS NULL AND omen_variance(x) IS NULL AND omen_stddev(x) IS NULL
   AND omen_skewness(x) IS NULL AND omen_kurtosis(x) IS NULL
  FROM s WHERE 0;
-- case: robust.only.nulls
SELECT omen_median(x) IS NULL AND omen_percentile(x, 50) IS NULL AND omen_mad(x) IS NULL AND omen_iqr(x) IS NULL
   AND omen_mean(x) IS NULL AND omen_variance(x) IS NULL AND omen_stddev(x) IS NULL
   AND omen_skewness(x) IS NULL AND omen_kurtosis(x) IS NULL
  FROM s WHERE g = 'c';
-- one value: the order statistics are that value (mad, iqr 0), variance NULL
-- case: robust.one.value
SELECT omen_median(x) = 10 AND omen_percentile(x, 99) = 10 AND omen_mad(x) = 0 AND omen_iqr(x) = 0
   AND omen_mean(x) = 10 AND omen_variance(x) IS NULL AND omen_stddev(x) IS NULL
   AND omen_skewness(x) IS NULL AND omen_kurtosis(x) IS NULL
  FROM s WHERE g = 'b';
-- skewness needs 3 values, kurtosis 4 (pandas' rule)
-- case: robust.small.n
SELECT (SELECT omen_skewness(x) IS NULL AND omen_variance(x) = 0.5 FROM (SELECT 1 AS x UNION ALL SELECT 2))
   AND (SELECT omen_skewness(x) IS NOT NULL AND omen_kurtosis(x) IS NULL FROM (SELECT 1 AS x UNION ALL SELECT 2 UNION ALL SELECT 4))
   AND (SELECT omen_kurtosis(x) IS NOT NULL FROM (SELECT 1 AS x UNION ALL SELECT 2 UNION ALL SELECT 4 UNION ALL SELECT 8));
-- constant data: variance 0, skewness and kurtosis undefined (NULL)
-- case: robust.constant
SELECT omen_variance(x) = 0 AND omen_stddev(x) = 0 AND omen_skewness(x) IS NULL AND omen_kurtosis(x) IS NULL
   AND omen_mad(x) = 0 AND omen_iqr(x) = 0 AND omen_median(x) = 5
  FROM s WHERE g = 'd';
-- exact sums: a large common offset costs nothing (1e9 + multiples of 1/8)
-- case: robust.offset.exact
SELECT omen_variance(x + 1e9) = omen_variance(x) AND omen_skewness(x + 1e9) = omen_skewness(x)
   AND omen_kurtosis(x + 1e9) = omen_kurtosis(x) AND omen_mean(x + 1e9) = omen_mean(x) + 1e9
  FROM s WHERE g = 'a';
-- order of the rows does not matter
-- case: robust.order.independent
SELECT (SELECT omen_mad(x) || omen_iqr(x) || omen_kurtosis(x) FROM (SELECT x FROM s WHERE g = 'a' ORDER BY x))
     = (SELECT omen_mad(x) || omen_iqr(x) || omen_kurtosis(x) FROM (SELECT x FROM s WHERE g = 'a' ORDER BY x DESC));

-- percentile: p as INTEGER or REAL, 0..100 inclusive; one p per group, and
-- a different p per group is fine
-- case: robust.percentile.p.per.group
SELECT group_concat(g || ':' || q, ' ') = 'a:11.5 b:10.0 d:5.0'
  FROM (SELECT g, omen_percentile(x, CASE g WHEN 'a' THEN 100 ELSE 3.5 END) AS q FROM s WHERE x IS NOT NULL GROUP BY g ORDER BY g);

-- ---------------------------------------------------------------- errors
-- case: robust.error.text
-- error: omen_median(): x (argument 1) is TEXT; expected INTEGER or REAL
SELECT omen_median(x) FROM (SELECT 1 AS x UNION ALL SELECT '2');
-- case: robust.error.blob
-- error: omen_mean(): x (argument 1) is BLOB; expected INTEGER or REAL
SELECT omen_mean(x'00');
-- case: robust.error.inf
-- error: omen_variance(): x (argument 1) is Inf; expected a finite number
SELECT omen_variance(x) FROM (SELECT 1.0 AS x UNION ALL SELECT 9e999);
-- case: robust.error.minus.inf
-- error: omen_mad(): x (argument 1) is -Inf; expected a finite number
SELECT omen_mad(-9e999);
-- case: robust.error.percentile.x
-- error: omen_percentile(): x (argument 1) is TEXT; expected INTEGER or REAL
SELECT omen_percentile('3', 50);
-- case: robust.error.iqr.x
-- error: omen_iqr(): x (argument 1) is TEXT; expected INTEGER or REAL
SELECT omen_iqr('a');
-- case: robust.error.stddev.x
-- error: omen_stddev(): x (argument 1) is BLOB; expected INTEGER or REAL
SELECT omen_stddev(zeroblob(2));
-- case: robust.error.skewness.x
-- error: omen_skewness(): x (argument 1) is Inf; expected a finite number
SELECT omen_skewness(1e400);
-- case: robust.error.kurtosis.x
-- error: omen_kurtosis(): x (argument 1) is TEXT; expected INTEGER or REAL
SELECT omen_kurtosis('1e3');
-- case: robust.error.p.range
-- error: omen_percentile(): p (argument 2) is 150.0; expected a number between 0 and 100
SELECT omen_percentile(x, 150) FROM s;
-- case: robust.error.p.negative
-- error: omen_percentile(): p (argument 2) is -0.5; expected a number between 0 and 100
SELECT omen_percentile(1, -0.5);
-- case: robust.error.p.inf
-- error: omen_percentile(): p (argument 2) is Inf; expected a number between 0 and 100
SELECT omen_percentile(1, 9e999);
-- case: robust.error.p.text
-- error: omen_percentile(): p (argument 2) is TEXT; expected a number between 0 and 100
SELECT omen_percentile(1, '50');
-- p is checked on rows whose x is NULL too
-- case: robust.error.p.null
-- error: omen_percentile(): p (argument 2) is NULL; expected a number between 0 and 100
SELECT omen_percentile(NULL, NULL);
-- case: robust.error.p.changed
-- error: omen_percentile(): p (argument 2) changed from 50.0 to 90.0 between rows; expected the same p on every row
SELECT omen_percentile(x, CASE WHEN id < 3 THEN 50 ELSE 90 END) FROM s;
-- case: robust.error.arity
-- error: wrong number of arguments to function omen_median()
SELECT omen_median(1, 2);
-- case: robust.error.arity.percentile
-- error: wrong number of arguments to function omen_percentile()
SELECT omen_percentile(1);

-- ------------------------------------------------ ends of the double range
-- numpy's median of two values near DBL_MAX is inf; these give the true value
-- case: robust.range.median
SELECT omen_median(x) = 1.7976931348623157e308 AND omen_percentile(x, 30) = 1.7976931348623157e308
   AND omen_mean(x) = 1.7976931348623157e308 AND omen_mad(x) = 0 AND omen_variance(x) = 0
  FROM (SELECT 1.7976931348623157e308 AS x UNION ALL SELECT 1.7976931348623157e308);
-- case: robust.range.opposite
SELECT omen_median(x) = 0 AND omen_percentile(x, 75) = 1.7976931348623157e308 / 2 AND omen_iqr(x) = 1.7976931348623157e308
   AND omen_mad(x) = 1.7976931348623157e308 AND omen_mean(x) = 0 AND omen_skewness(x) IS NULL
  FROM (SELECT -1.7976931348623157e308 AS x UNION ALL SELECT 1.7976931348623157e308);
-- case: robust.range.stddev
SELECT abs(omen_stddev(x) / 1.4142135623730951e308 - 1) < 1e-15
  FROM (SELECT 1e308 AS x UNION ALL SELECT -1e308);
-- case: robust.range.variance.error
-- error: omen_variance(): the variance is beyond the range of a double (over 1.8e308); divide the values by a constant first
SELECT omen_variance(x) FROM (SELECT 1e308 AS x UNION ALL SELECT -1e308);
-- case: robust.range.stddev.error
-- error: omen_stddev(): the standard deviation is beyond the range of a double (over 1.8e308); divide the values by a constant first
SELECT omen_stddev(x) FROM (SELECT 1.7976931348623157e308 AS x UNION ALL SELECT -1.7976931348623157e308);
-- case: robust.range.iqr.error
-- error: omen_iqr(): the interquartile range is beyond the range of a double (over 1.8e308); divide the values by a constant first
SELECT omen_iqr(x) FROM (SELECT 1.5e308 AS x UNION ALL SELECT 1.5e308 UNION ALL SELECT -1.5e308 UNION ALL SELECT -1.5e308);
-- the shape statistics are scale-free: data near 1e308 and near 1e-300
-- case: robust.range.shape
SELECT abs(a.sk - b.sk) <= 1e-15 * abs(b.sk) AND abs(a.ku - b.ku) <= 1e-15 * abs(b.ku)
   AND abs(c.sk - b.sk) <= 1e-15 * abs(b.sk) AND abs(c.ku - b.ku) <= 1e-15 * abs(b.ku)
  FROM (SELECT omen_skewness(x * 1e307) AS sk, omen_kurtosis(x * 1e307) AS ku FROM s WHERE g = 'a') AS a,
       (SELECT omen_skewness(x) AS sk, omen_kurtosis(x) AS ku FROM s WHERE g = 'a') AS b,
       (SELECT omen_skewness(x * 1e-300) AS sk, omen_kurtosis(x * 1e-300) AS ku FROM s WHERE g = 'a') AS c;

-- a plain aggregate over many rows (introselect at the end)
-- case: robust.large.plain
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200001)
SELECT omen_median((i * 7919) % 200003) = (SELECT omen_median(v) FROM (SELECT (i * 7919) % 200003 AS v FROM n ORDER BY v))
   AND omen_median(i) = 100001 AND omen_percentile(i, 25) = 50001 AND omen_iqr(i) = 100000
   AND omen_mad(i) = 50000 AND omen_mean(i) = 100001 AND omen_variance(i) = 3333383333.5
  FROM n;

-- ------------------------------------------------------------------ windows
-- w: 4000 rows with ties, runs, NULLs and spikes (1e12, 1e300, -1e300,
-- DBL_MAX, 1e-300) in an otherwise ordinary column; k groups them by tens
-- for RANGE and GROUPS frames.
CREATE TABLE w(i INTEGER PRIMARY KEY, k INTEGER, p INTEGER, x REAL);
INSERT INTO w(i, k, p, x)
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4000)
  SELECT i, i / 10, i % 3,
         CASE WHEN i % 97 = 0 THEN NULL
              WHEN i = 700 THEN 1e12 WHEN i = 1500 THEN 1e300 WHEN i = 1501 THEN -1e300
              WHEN i = 2300 THEN 1.7976931348623157e308 WHEN i = 2301 THEN 1e-300
              WHEN i BETWEEN 3000 AND 3100 THEN 42.0
              WHEN i % 5 = 0 THEN (i * 31) % 17
              ELSE 100.0 + ((i * 7919) % 10007) / 1000.0 - 5.0 END
    FROM n;

-- ROWS 3 PRECEDING: every function, every row, against the plain aggregate
-- over the same rows (IS: the same double, or both NULL); rows up to 1499
-- (frames with 1e300 have no variance: below)
CREATE TABLE r4 AS
  SELECT i, omen_median(x) OVER f AS med, omen_percentile(x, 37.5) OVER f AS pct, omen_mad(x) OVER f AS mad,
         omen_iqr(x) OVER f AS iqr, omen_mean(x) OVER f AS mean, omen_variance(x) OVER f AS var,
         omen_stddev(x) OVER f AS sd, omen_skewness(x) OVER f AS sk, omen_kurtosis(x) OVER f AS ku
    FROM w WHERE i <= 1499 WINDOW f AS (ORDER BY i ROWS BETWEEN 3 PRECEDING AND CURRENT ROW);
CREATE TABLE a4 AS
  SELECT w.i, (SELECT omen_median(x) FROM w AS u WHERE u.i BETWEEN w.i - 3 AND w.i) AS med,
         (SELECT omen_percentile(x, 37.5) FROM w AS u WHERE u.i BETWEEN w.i - 3 AND w.i) AS pct,
         (SELECT omen_mad(x) FROM w AS u WHERE u.i BETWEEN w.i - 3 AND w.i) AS mad,
         (SELECT omen_iqr(x) FROM w AS u WHERE u.i BETWEEN w.i - 3 AND w.i) AS iqr,
         (SELECT omen_mean(x) FROM w AS u WHERE u.i BETWEEN w.i - 3 AND w.i) AS mean,
         (SELECT omen_variance(x) FROM w AS u WHERE u.i BETWEEN w.i - 3 AND w.i) AS var,
         (SELECT omen_stddev(x) FROM w AS u WHERE u.i BETWEEN w.i - 3 AND w.i) AS sd,
         (SELECT omen_skewness(x) FROM w AS u WHERE u.i BETWEEN w.i - 3 AND w.i) AS sk,
         (SELECT omen_kurtosis(x) FROM w AS u WHERE u.i BETWEEN w.i - 3 AND w.i) AS ku
    FROM w WHERE i <= 1499;
-- case: robust.window.rows3.all.rows
SELECT count(*) = 1499 FROM r4 JOIN a4 USING (i)
 WHERE r4.med IS a4.med AND r4.pct IS a4.pct AND r4.mad IS a4.mad AND r4.iqr IS a4.iqr AND r4.mean IS a4.mean
   AND r4.var IS a4.var AND r4.sd IS a4.sd AND r4.sk IS a4.sk AND r4.ku IS a4.ku;
-- not vacuous: 1e12 passed through, and the frames after it are ordinary again
-- case: robust.window.rows3.seen
SELECT (SELECT med < 200 AND mean > 2e11 AND var > 1e23 FROM r4 WHERE i = 702)
   AND (SELECT mean < 200 AND var < 100 FROM r4 WHERE i = 704)
   AND (SELECT count(*) FROM r4 WHERE med IS NULL) = 0 AND (SELECT count(*) FROM r4 WHERE ku IS NOT NULL) > 1000;

-- a frame that holds 1e300 and -1e300: the variance is beyond the double
-- range (an error), the median and the mean are not
-- case: robust.window.spike.median.mean
SELECT (SELECT omen_median(x) OVER (ORDER BY i ROWS 3 PRECEDING) FROM w WHERE i BETWEEN 1490 AND 1502 ORDER BY i DESC LIMIT 1)
       = (SELECT omen_median(x) FROM w WHERE i BETWEEN 1499 AND 1502)
   AND (SELECT omen_mean(x) OVER (ORDER BY i ROWS 3 PRECEDING) FROM w WHERE i BETWEEN 1490 AND 1502 ORDER BY i DESC LIMIT 1)
       = (SELECT omen_mean(x) FROM w WHERE i BETWEEN 1499 AND 1502)
   AND (SELECT omen_mean(x) FROM w WHERE i BETWEEN 1499 AND 1502) BETWEEN 40 AND 60;
-- case: robust.window.spike.variance.error
-- error: omen_variance(): the variance is beyond the range of a double (over 1.8e308); divide the values by a constant first
SELECT omen_variance(x) OVER (ORDER BY i ROWS 3 PRECEDING) FROM w WHERE i BETWEEN 1490 AND 1510;

-- a sliding frame of 1100 rows over all 4000 (several blocks of the sorted
-- state; 2900 inverses): order statistics on every 11th row, moments on every
-- 5th (exact sums: identical after 1e300, -1e300 and DBL_MAX passed through;
-- the variance, an error while they are in the frame, on a copy without them)
CREATE TABLE rb AS
  SELECT i, omen_median(x) OVER f AS med, omen_percentile(x, 99) OVER f AS pct, omen_mad(x) OVER f AS mad,
         omen_iqr(x) OVER f AS iqr, omen_mean(x) OVER f AS mean, omen_skewness(x) OVER f AS sk,
         omen_kurtosis(x) OVER f AS ku
    FROM w WINDOW f AS (ORDER BY i ROWS 1099 PRECEDING);
-- case: robust.window.big.order
SELECT count(*) = 363 FROM rb
 WHERE i % 11 = 0
   AND med IS (SELECT omen_median(x) FROM w AS u WHERE u.i BETWEEN rb.i - 1099 AND rb.i)
   AND pct IS (SELECT omen_percentile(x, 99) FROM w AS u WHERE u.i BETWEEN rb.i - 1099 AND rb.i)
   AND mad IS (SELECT omen_mad(x) FROM w AS u WHERE u.i BETWEEN rb.i - 1099 AND rb.i)
   AND iqr IS (SELECT omen_iqr(x) FROM w AS u WHERE u.i BETWEEN rb.i - 1099 AND rb.i);
-- case: robust.window.big.moments
SELECT count(*) = 800 FROM rb
 WHERE i % 5 = 0
   AND mean IS (SELECT omen_mean(x) FROM w AS u WHERE u.i BETWEEN rb.i - 1099 AND rb.i)
   AND sk IS (SELECT omen_skewness(x) FROM w AS u WHERE u.i BETWEEN rb.i - 1099 AND rb.i)
   AND ku IS (SELECT omen_kurtosis(x) FROM w AS u WHERE u.i BETWEEN rb.i - 1099 AND rb.i);
CREATE TABLE w2 AS SELECT i, CASE WHEN i IN (1500, 1501, 2300) THEN NULL ELSE x END AS x FROM w;
-- case: robust.window.big.variance
SELECT count(*) = 800 FROM (
  SELECT i, omen_variance(x) OVER f AS v, omen_stddev(x) OVER f AS sd FROM w2 WINDOW f AS (ORDER BY i ROWS 1099 PRECEDING)) AS t
 WHERE i % 5 = 0
   AND v IS (SELECT omen_variance(x) FROM w2 AS u WHERE u.i BETWEEN t.i - 1099 AND t.i)
   AND sd IS (SELECT omen_stddev(x) FROM w2 AS u WHERE u.i BETWEEN t.i - 1099 AND t.i);

-- the frame shrinks from the front (every row but the first leaves by xInverse)
-- case: robust.window.unbounded.following
SELECT count(*) = 0 FROM (
  SELECT i, omen_median(x) OVER f AS med, omen_mad(x) OVER f AS mad, omen_kurtosis(x) OVER f AS ku
    FROM w WHERE i > 3500 WINDOW f AS (ORDER BY i ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)) AS t
 WHERE med IS NOT (SELECT omen_median(x) FROM w AS u WHERE u.i >= t.i)
    OR mad IS NOT (SELECT omen_mad(x) FROM w AS u WHERE u.i >= t.i)
    OR ku IS NOT (SELECT omen_kurtosis(x) FROM w AS u WHERE u.i >= t.i);
-- a growing frame (no inverse): a running median and IQR
-- case: robust.window.growing
SELECT count(*) = 0 FROM (
  SELECT i, omen_median(x) OVER (ORDER BY i) AS med, omen_iqr(x) OVER (ORDER BY i) AS iqr FROM w WHERE i BETWEEN 2400 AND 3200) AS t
 WHERE i % 13 = 0
   AND (med IS NOT (SELECT omen_median(x) FROM w AS u WHERE u.i BETWEEN 2400 AND t.i)
        OR iqr IS NOT (SELECT omen_iqr(x) FROM w AS u WHERE u.i BETWEEN 2400 AND t.i));
-- FOLLOWING frames: rows enter before others leave; at the end the frame is empty (NULL)
-- case: robust.window.following
SELECT count(*) = 0 FROM (
  SELECT i, omen_median(x) OVER f AS med, omen_percentile(x, 5) OVER f AS pct, omen_variance(x) OVER f AS var
    FROM w WHERE i < 400 WINDOW f AS (ORDER BY i ROWS BETWEEN 20 FOLLOWING AND 60 FOLLOWING)) AS t
 WHERE med IS NOT (SELECT omen_median(x) FROM w AS u WHERE u.i BETWEEN t.i + 20 AND t.i + 60 AND u.i < 400)
    OR pct IS NOT (SELECT omen_percentile(x, 5) FROM w AS u WHERE u.i BETWEEN t.i + 20 AND t.i + 60 AND u.i < 400)
    OR var IS NOT (SELECT omen_variance(x) FROM w AS u WHERE u.i BETWEEN t.i + 20 AND t.i + 60 AND u.i < 400);
-- case: robust.window.empty.frame
SELECT count(*) = 20 AND count(med) = 0 AND count(m) = 0 FROM (
  SELECT omen_median(x) OVER f AS med, omen_mean(x) OVER f AS m
    FROM w WHERE i < 400 WINDOW f AS (ORDER BY i ROWS BETWEEN 20 FOLLOWING AND 60 FOLLOWING)) AS t
 WHERE med IS NULL;
-- RANGE over k (peers: ten rows per k)
-- case: robust.window.range
SELECT count(*) = 0 FROM (
  SELECT i, k, omen_median(x) OVER f AS med, omen_mad(x) OVER f AS mad, omen_skewness(x) OVER f AS sk
    FROM w WHERE i BETWEEN 1000 AND 1400 WINDOW f AS (ORDER BY k RANGE BETWEEN 2 PRECEDING AND 1 FOLLOWING)) AS t
 WHERE med IS NOT (SELECT omen_median(x) FROM w AS u WHERE u.k BETWEEN t.k - 2 AND t.k + 1 AND u.i BETWEEN 1000 AND 1400)
    OR mad IS NOT (SELECT omen_mad(x) FROM w AS u WHERE u.k BETWEEN t.k - 2 AND t.k + 1 AND u.i BETWEEN 1000 AND 1400)
    OR sk IS NOT (SELECT omen_skewness(x) FROM w AS u WHERE u.k BETWEEN t.k - 2 AND t.k + 1 AND u.i BETWEEN 1000 AND 1400);
-- GROUPS: the current group of peers and the one before
-- case: robust.window.groups
SELECT count(*) = 0 FROM (
  SELECT i, k, omen_iqr(x) OVER f AS iqr, omen_percentile(x, 80) OVER f AS pct, omen_stddev(x) OVER f AS sd
    FROM w WHERE i BETWEEN 2900 AND 3300 WINDOW f AS (ORDER BY k GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW)) AS t
 WHERE iqr IS NOT (SELECT omen_iqr(x) FROM w AS u WHERE u.k BETWEEN t.k - 1 AND t.k AND u.i BETWEEN 2900 AND 3300)
    OR pct IS NOT (SELECT omen_percentile(x, 80) FROM w AS u WHERE u.k BETWEEN t.k - 1 AND t.k AND u.i BETWEEN 2900 AND 3300)
    OR sd IS NOT (SELECT omen_stddev(x) FROM w AS u WHERE u.k BETWEEN t.k - 1 AND t.k AND u.i BETWEEN 2900 AND 3300);
-- PARTITION BY, with a different p per partition
-- case: robust.window.partition
SELECT count(*) = 0 FROM (
  SELECT i, p, omen_percentile(x, 10 + p * 40) OVER f AS pct, omen_mean(x) OVER f AS m
    FROM w WHERE i BETWEEN 100 AND 600 WINDOW f AS (PARTITION BY p ORDER BY i ROWS 9 PRECEDING)) AS t
 WHERE pct IS NOT (SELECT omen_percentile(x, 10 + t.p * 40) FROM (SELECT x FROM w AS u WHERE u.p = t.p AND u.i BETWEEN 100 AND t.i ORDER BY u.i DESC LIMIT 10))
    OR m IS NOT (SELECT omen_mean(x) FROM (SELECT x FROM w AS u WHERE u.p = t.p AND u.i BETWEEN 100 AND t.i ORDER BY u.i DESC LIMIT 10));
-- a window over the whole partition (no ORDER BY): one value for every row
-- case: robust.window.whole
SELECT count(DISTINCT m) = 1 AND min(m) = (SELECT omen_mad(x) FROM w WHERE i < 1000)
  FROM (SELECT omen_mad(x) OVER () AS m FROM w WHERE i < 1000);
-- p must not change within a frame
-- case: robust.window.p.changed
-- error: omen_percentile(): p (argument 2) changed from 50.0 to 51.0 between rows; expected the same p on every row
SELECT omen_percentile(x, CASE WHEN i < 10 THEN 50 ELSE 51 END) OVER (ORDER BY i ROWS 3 PRECEDING) FROM w;
