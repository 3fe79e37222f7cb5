-- welch_ttest(): behaviours, edge cases, windows and errors (docs/welch_ttest.md).
-- Agreement with scipy on raw data: welch_scipy.sql and welch_scipy_large.sql.
CREATE TABLE ab(id INTEGER PRIMARY KEY, v REAL, g TEXT);
INSERT INTO ab(v, g) VALUES (1.0,'A'),(2.5,'A'),(3.1,'A'),(0.5,'B'),(0.7,'B'),(1.9,'B'),(0.2,'B'),(NULL,'A'),(9.9,NULL);
-- case: welch.keys
SELECT group_concat(key, ',') = 'group_a,group_b,n_a,n_b,mean_a,mean_b,var_a,var_b,diff,t,df,p,ci_low,ci_high,alternative,confidence'
  FROM json_each((SELECT welch_ttest(v, g) FROM ab));
-- case: welch.values
SELECT json_extract(r, '$.group_a') = 'A' AND json_extract(r, '$.n_a') = 3 AND json_extract(r, '$.n_b') = 4
   AND abs(json_extract(r, '$.t') - 1.8905665361185091) < 1e-13
   AND abs(json_extract(r, '$.p') - 0.14434697818815542) < 1e-13
   AND json_extract(r, '$.alternative') = 'two-sided' AND json_extract(r, '$.confidence') = 0.95
  FROM (SELECT welch_ttest(v, g) AS r FROM ab);
-- case: welch.order.independent
SELECT abs(json_extract(a, '$.t') - json_extract(b, '$.t')) < 1e-14 AND abs(json_extract(a, '$.p') - json_extract(b, '$.p')) < 1e-14
  FROM (SELECT (SELECT welch_ttest(v, g) FROM ab) AS a, (SELECT welch_ttest(v, g) FROM (SELECT * FROM ab ORDER BY id DESC)) AS b);
-- case: welch.less.greater.sum.to.one
SELECT abs(json_extract(l, '$.p') + json_extract(gr, '$.p') - 1) < 1e-15
  FROM (SELECT welch_ttest(v, g, 'less') AS l, welch_ttest(v, g, 'greater') AS gr FROM ab);
-- case: welch.one.sided.ci
SELECT json_extract(l, '$.ci_low') = -9e999 AND json_extract(gr, '$.ci_high') = 9e999
  FROM (SELECT welch_ttest(v, g, 'less') AS l, welch_ttest(v, g, 'greater') AS gr FROM ab);
-- case: welch.null.settings.default
SELECT welch_ttest(v, g, NULL, NULL) = welch_ttest(v, g) FROM ab;
-- case: welch.empty
SELECT welch_ttest(v, g) IS NULL FROM ab WHERE 0;
-- case: welch.only.nulls
SELECT welch_ttest(v, g) IS NULL FROM ab WHERE v IS NULL OR g IS NULL;
-- case: welch.one.group
SELECT json_extract(r, '$.group_b') IS NULL AND json_extract(r, '$.n_b') = 0 AND json_extract(r, '$.p') IS NULL
   AND json_extract(r, '$.n_a') = 3
  FROM (SELECT welch_ttest(v, g) AS r FROM ab WHERE g = 'A');
-- case: welch.small.group
SELECT json_extract(r, '$.var_b') IS NULL AND json_extract(r, '$.t') IS NULL AND json_extract(r, '$.diff') IS NOT NULL
  FROM (SELECT welch_ttest(v, g) AS r FROM ab WHERE g = 'A' OR id = 4);
-- case: welch.zero.variances.equal.means
SELECT json_extract(r, '$.t') IS NULL AND json_extract(r, '$.p') IS NULL
  FROM (SELECT welch_ttest(x, k) AS r FROM (SELECT 5 AS x, 'a' AS k UNION ALL SELECT 5, 'a' UNION ALL SELECT 5, 'b' UNION ALL SELECT 5, 'b'));
-- case: welch.zero.variances.different.means
SELECT json_extract(r, '$.p') = 0 AND json_extract(r, '$.t') = -9e999
  FROM (SELECT welch_ttest(x, k) AS r FROM (SELECT 5 AS x, 'a' AS k UNION ALL SELECT 5, 'a' UNION ALL SELECT 6, 'b' UNION ALL SELECT 6, 'b'));
-- case: welch.one.variance.zero.df
SELECT json_extract(r, '$.df') = 2
  FROM (SELECT welch_ttest(x, k) AS r FROM (SELECT 5 AS x, 'a' AS k UNION ALL SELECT 5, 'a' UNION ALL SELECT 1, 'b' UNION ALL SELECT 2, 'b' UNION ALL SELECT 4, 'b'));
-- case: welch.integer.groups.numeric.order
SELECT json_extract(r, '$.group_a') = 2 AND json_extract(r, '$.group_b') = 10
  FROM (SELECT welch_ttest(x, k) AS r FROM (SELECT 1 AS x, 10 AS k UNION ALL SELECT 2, 10 UNION ALL SELECT 3, 2 UNION ALL SELECT 5, 2));
-- case: welch.int.real.same.group
SELECT json_extract(r, '$.n_a') = 2 AND json_extract(r, '$.n_b') = 2
  FROM (SELECT welch_ttest(x, k) AS r FROM (SELECT 1 AS x, 1 AS k UNION ALL SELECT 2, 1.0 UNION ALL SELECT 3, 2 UNION ALL SELECT 5, 2.0));
-- case: welch.numbers.before.text
SELECT json_extract(r, '$.group_a') = 7 AND json_extract(r, '$.group_b') = '1'
  FROM (SELECT welch_ttest(x, k) AS r FROM (SELECT 1 AS x, '1' AS k UNION ALL SELECT 2, '1' UNION ALL SELECT 3, 7 UNION ALL SELECT 5, 7));
-- case: welch.integer.values
SELECT welch_ttest(CAST(x AS INTEGER), k) = welch_ttest(CAST(x AS REAL), k)
  FROM (SELECT 1 AS x, 'a' AS k UNION ALL SELECT 2, 'a' UNION ALL SELECT 4, 'a' UNION ALL SELECT 3, 'b' UNION ALL SELECT 9, 'b');
-- Stability: 1e9 + noise gives the same test as the noise alone.  The noise
-- sits on a 2^-20 grid, so 1e9 + noise is exact and only the algorithm differs.
CREATE TABLE big AS WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < 9999)
  SELECT i, ((i * 7919) % 10007) / 1048576.0 AS noise, CASE WHEN i % 2 THEN 'x' ELSE 'y' END AS k FROM s;
-- case: welch.stable.offset
SELECT abs(json_extract(a, '$.t') - json_extract(b, '$.t')) < 1e-12 * abs(json_extract(b, '$.t'))
   AND abs(json_extract(a, '$.p') - json_extract(b, '$.p')) < 1e-12 * json_extract(b, '$.p')
   AND abs(json_extract(a, '$.mean_a') - 1e9 - json_extract(b, '$.mean_a')) < 1e-6
  FROM (SELECT welch_ttest(1e9 + noise, k) AS a, welch_ttest(noise, k) AS b FROM big);
-- Windows: a sliding frame (xInverse) equals the aggregate over the same rows.
-- case: welch.window.sliding.equals.aggregate
SELECT count(*) = 0 FROM (
  SELECT i, welch_ttest(noise, k) OVER (ORDER BY i ROWS 99 PRECEDING) AS w FROM big WHERE i < 600
) AS s
WHERE abs(json_extract(w, '$.t') - json_extract((SELECT welch_ttest(noise, k) FROM big b WHERE b.i BETWEEN s.i - 99 AND s.i), '$.t'))
      > 1e-9 * abs(json_extract(w, '$.t'))
   OR json_extract(w, '$.n_a') + json_extract(w, '$.n_b') <> min(s.i + 1, 100);
-- case: welch.window.first.row.one.group
SELECT json_extract(welch_ttest(noise, k) OVER (ORDER BY i ROWS 999 PRECEDING), '$.group_b') IS NULL FROM big WHERE i = 0;
-- case: welch.window.partition
SELECT count(DISTINCT w) = 2 FROM (SELECT welch_ttest(noise, k) OVER (PARTITION BY i % 2) AS w FROM big WHERE i < 100);
-- case: welch.window.unbounded
SELECT json_extract(max(w), '$.n_a') + json_extract(max(w), '$.n_b') = 10000
  FROM (SELECT welch_ttest(noise, k) OVER (ORDER BY i ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS w FROM big);
-- case: welch.window.group.leaves.frame
SELECT json_extract(w, '$.group_a') = 'b' AND json_extract(w, '$.n_a') = 2 AND json_extract(w, '$.group_b') = 'c'
   AND json_extract(w, '$.mean_a') = 4.5
  FROM (SELECT i, welch_ttest(x, k) OVER (ORDER BY i ROWS 2 PRECEDING) AS w
          FROM (SELECT 1 AS i, 1.0 AS x, 'a' AS k UNION ALL SELECT 2, 2, 'b' UNION ALL SELECT 3, 3, 'b' UNION ALL
                SELECT 4, 4, 'b' UNION ALL SELECT 5, 5, 'b' UNION ALL SELECT 6, 6, 'c'))
 WHERE i = 6;

-- errors
-- case: welch.err.three.groups
-- error: welch_ttest(): group has more than 2 distinct values ('a', 'b', 'c'); expected exactly 2
SELECT welch_ttest(x, k) FROM (SELECT 1 AS x, 'a' AS k UNION ALL SELECT 2, 'b' UNION ALL SELECT 3, 'c');
-- case: welch.err.four.groups
-- error: welch_ttest(): group has more than 2 distinct values (1, 2, 3, ...); expected exactly 2
SELECT welch_ttest(x, k) FROM (SELECT 1 AS x, 1 AS k UNION ALL SELECT 2, 2 UNION ALL SELECT 3, 3 UNION ALL SELECT 4, 4);
-- case: welch.err.window.three.groups
-- error: welch_ttest(): group has more than 2 distinct values ('a', 'b', 'c'); expected exactly 2
SELECT welch_ttest(x, k) OVER (ORDER BY x ROWS 2 PRECEDING) FROM (SELECT 1 AS x, 'a' AS k UNION ALL SELECT 2, 'b' UNION ALL SELECT 3, 'c');
-- case: welch.err.value.text
-- error: welch_ttest(): value (argument 1) is TEXT; expected INTEGER or REAL
SELECT welch_ttest('1.5', 'a');
-- case: welch.err.value.inf
-- error: welch_ttest(): value (argument 1) is not a finite number
SELECT welch_ttest(1e999, 'a');
-- case: welch.err.group.blob
-- error: welch_ttest(): group (argument 2) is a BLOB; expected INTEGER, REAL or TEXT
SELECT welch_ttest(1, x'00');
-- Group labels must be valid UTF-8 without NUL (they are written into JSON).
-- case: welch.err.group.invalid.utf8
-- error: welch_ttest(): group (argument 2): byte 0xff at offset 1 is not valid UTF-8; labels must be valid UTF-8 without NUL
SELECT welch_ttest(1, CAST(x'41FF' AS TEXT));
-- case: welch.err.group.nul
-- error: welch_ttest(): group (argument 2) contains a NUL byte at offset 1; labels must be valid UTF-8 without NUL
SELECT welch_ttest(1, CAST(x'410042' AS TEXT));
-- case: welch.err.group.overlong
-- error: welch_ttest(): group (argument 2): byte 0xc0 at offset 0 is not valid UTF-8; labels must be valid UTF-8 without NUL
SELECT welch_ttest(v, CASE WHEN id = 3 THEN CAST(x'C0AF' AS TEXT) ELSE g END) FROM ab;
-- case: welch.err.group.window
-- error: welch_ttest(): group (argument 2) contains a NUL byte at offset 1; labels must be valid UTF-8 without NUL
SELECT welch_ttest(v, CASE WHEN id = 5 THEN CAST(x'410042' AS TEXT) ELSE g END) OVER (ORDER BY id ROWS 2 PRECEDING) FROM ab;
-- case: welch.group.utf8.ok
SELECT json_extract(welch_ttest(x, k), '$.group_a') = 'café' AND json_extract(welch_ttest(x, k), '$.group_b') = '日本'
  FROM (SELECT 1 AS x, 'café' AS k UNION ALL SELECT 2, 'café' UNION ALL SELECT 3, '日本' UNION ALL SELECT 5, '日本');
-- case: welch.err.alternative
-- error: welch_ttest(): alternative (argument 3) is 'two_sided'; expected 'two-sided', 'less' or 'greater'
SELECT welch_ttest(v, g, 'two_sided') FROM ab;
-- case: welch.err.alternative.type
-- error: welch_ttest(): alternative (argument 3) is INTEGER; expected 'two-sided', 'less' or 'greater'
SELECT welch_ttest(v, g, 2) FROM ab;
-- case: welch.err.confidence.percent
-- error: welch_ttest(): confidence (argument 4) is 95.0; expected a number between 0 and 1 (exclusive)
SELECT welch_ttest(v, g, 'less', 95.0) FROM ab;
-- case: welch.err.confidence.one
-- error: welch_ttest(): confidence (argument 4) is 1.0; expected a number between 0 and 1 (exclusive)
SELECT welch_ttest(v, g, 'less', 1) FROM ab;
-- case: welch.err.confidence.text
-- error: welch_ttest(): confidence (argument 4) is TEXT; expected a number between 0 and 1 (exclusive)
SELECT welch_ttest(v, g, 'less', '0.9') FROM ab;
-- case: welch.err.settings.change
-- error: welch_ttest(): alternative changed from 'less' to 'greater' between rows
SELECT welch_ttest(v, g, CASE WHEN id < 3 THEN 'less' ELSE 'greater' END) FROM ab;
-- case: welch.err.confidence.change
-- error: welch_ttest(): confidence changed from 0.9 to 0.99 between rows
SELECT welch_ttest(v, g, 'less', CASE WHEN id < 3 THEN 0.9 ELSE 0.99 END) FROM ab;
-- case: welch.err.arity
-- error: wrong number of arguments to function welch_ttest()
SELECT welch_ttest(1);

-- Means near the bottom of the double range: t is scale-free, so the data
-- {M, M+1, M+2, M+5} vs {M, M, M+1, M+3} (M = 2^52) times 2^E must give the
-- t of {0,1,2,5} vs {0,0,1,3} (0.7745966692414834, as for E = 0) and diff
-- exactly 2^E, for every E down to the subnormals (st_welch.h behaviour 2:
-- the mean keeps its low part scaled; before, t drifted by up to 100% and
-- reached 0).  Scales are made exactly by halving in SQL (no literal parsing).
CREATE TABLE tiny_scale AS WITH RECURSIVE p(e, s) AS (SELECT 0, 1.0 UNION ALL SELECT e - 1, s * 0.5 FROM p WHERE e > -1074)
  SELECT e, s FROM p WHERE e IN (0, -900, -960, -1000, -1010, -1022, -1040, -1060, -1074);
CREATE TABLE tiny_rows AS
  SELECT e, s, (4503599627370496 + d) * s AS v, g
    FROM tiny_scale, (SELECT 0 AS d, 'a' AS g UNION ALL SELECT 1, 'a' UNION ALL SELECT 2, 'a' UNION ALL SELECT 5, 'a'
                      UNION ALL SELECT 0, 'b' UNION ALL SELECT 0, 'b' UNION ALL SELECT 1, 'b' UNION ALL SELECT 3, 'b');
-- case: welch.tiny.means.t.scale.free
SELECT count(*) = 9 AND sum(abs(json_extract(r, '$.t') / 0.7745966692414834 - 1) < 1e-14) = 9
  FROM (SELECT e, welch_ttest(v, g) AS r FROM tiny_rows GROUP BY e);
-- case: welch.tiny.means.diff.exact
SELECT count(*) = 9 AND sum(json_extract(r, '$.diff') = s) = 9
  FROM (SELECT e, s, welch_ttest(v, g) AS r FROM tiny_rows GROUP BY e);
-- the smallest subnormals: {1, 2, 3} vs {1, 1, 2} times 2^-1074: t = 1
-- exactly; diff = 2^-1074 / 3 rounds to 2^-1074 (compared loosely: SQLite
-- 3.40 does not always parse subnormal text back exactly)
-- case: welch.subnormal.t
SELECT json_extract(r, '$.t') = 1.0 AND json_extract(r, '$.diff') > 0 AND json_extract(r, '$.diff') < 1e-323
  FROM (SELECT welch_ttest(column1, column2) AS r
          FROM (VALUES (5e-324, 'a'), (1e-323, 'a'), (1.5e-323, 'a'), (5e-324, 'b'), (5e-324, 'b'), (1e-323, 'b')));
