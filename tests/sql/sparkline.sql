-- sparkline(value [, width]) (ext/sparkline.c, docs/sparkline.md): exact
-- charts (levels, NULL gaps, constant series, averaging into cells with
-- uneven cell sizes), result types, and windows (ROWS, RANGE, GROUPS,
-- FOLLOWING, EXCLUDE, PARTITION BY, growing and sliding frames of up to
-- 1000 rows) checked row by row against the plain aggregate over the same
-- rows in the same order; every error message (exact text).
CREATE TABLE r(id INTEGER PRIMARY KEY, ts INTEGER, v, k INTEGER);
INSERT INTO r(id, ts, v, k)
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
  SELECT i, i * 10 + i % 3, CASE WHEN i % 17 = 0 THEN NULL WHEN i % 5 = 0 THEN ((i * 7919) % 101 - 50) / 4.0
                                 ELSE (i * 7919) % 101 - 50 END, i / 5 FROM n;
CREATE TABLE s(i INTEGER PRIMARY KEY, x);
INSERT INTO s(x) VALUES (1), (2), (3), (4), (5), (6), (7), (8);

-- case: sparkline.levels
SELECT sparkline(x) = '▁▂▃▄▅▆▇█' FROM (SELECT x FROM s ORDER BY i);
-- case: sparkline.levels.reversed
SELECT sparkline(x) = '█▇▆▅▄▃▂▁' FROM (SELECT x FROM s ORDER BY i DESC);
-- case: sparkline.levels.codepoints
SELECT group_concat(unicode(substr(c, k, 1)), ',') = '9601,9602,9603,9604,9605,9606,9607,9608'
  FROM (SELECT sparkline(x) AS c FROM (SELECT x FROM s ORDER BY i)), (SELECT i AS k FROM s);
-- Eight equal bins of [min, max]: 0..8 puts 7 and 8 in the top bin; a value
-- on a bin edge goes up.
-- case: sparkline.bins
SELECT sparkline(x) = '▁▂▃▄▅▆▇██' FROM (SELECT i - 1 AS x FROM s UNION ALL SELECT 8 ORDER BY 1);
-- case: sparkline.scale.free
SELECT sparkline(x) = '▁▃▅▇█' FROM (SELECT column1 AS x FROM (VALUES (-3), (-1), (1), (3), (5)));
-- case: sparkline.offset
SELECT sparkline(x + 1e12) = sparkline(x) AND sparkline(x * 1e-9) = sparkline(x) AND sparkline(-x) = '█▇▆▅▄▃▂▁'
  FROM (SELECT x FROM s ORDER BY i);
-- case: sparkline.int.real.mix
SELECT sparkline(x) = '▁▅█' FROM (SELECT column1 AS x FROM (VALUES (0), (0.5), (1.0)));
-- case: sparkline.extremes
SELECT sparkline(x) = '▁▅█' FROM (SELECT column1 AS x FROM (VALUES (-1.7976931348623157e308), (0), (1.7976931348623157e308)));
-- Constant series and single values: all ▄.
-- case: sparkline.constant
SELECT sparkline(x) = '▄▄▄▄' FROM (SELECT 7 AS x UNION ALL SELECT 7 UNION ALL SELECT 7.0 UNION ALL SELECT 7);
-- case: sparkline.single
SELECT sparkline(42) = '▄' AND sparkline(-1.5) = '▄';
-- NULL values are gaps (spaces); no rows is NULL; all NULL is spaces.
-- case: sparkline.gaps
SELECT sparkline(x) = '▁ ▅ █' FROM (SELECT column1 AS x FROM (VALUES (1), (NULL), (2), (NULL), (3)));
-- case: sparkline.all.null
SELECT sparkline(x) = '   ' AND sparkline(x, 2) = '  ' FROM (SELECT NULL AS x UNION ALL SELECT NULL UNION ALL SELECT NULL);
-- case: sparkline.empty
SELECT sparkline(x) IS NULL AND sparkline(x, 5) IS NULL FROM s WHERE 0;
-- case: sparkline.types
SELECT typeof(sparkline(x)) = 'text' AND length(sparkline(x)) = 8 AND length(CAST(sparkline(x) AS BLOB)) = 24 FROM s;
-- case: sparkline.group.by
SELECT group_concat(g || ':' || c, ' ') = '0:▁▅█ 1:█▁ 2:▄'
  FROM (SELECT g, sparkline(x) AS c FROM (SELECT column1 AS g, column2 AS x FROM
          (VALUES (0, 1), (0, 2), (1, 9), (0, 3), (1, -9), (2, 5))) GROUP BY g ORDER BY g);

-- width: consecutive values averaged into width cells; cell j holds the
-- values floor(j*n/width) .. floor((j+1)*n/width) - 1.
-- case: sparkline.width.halves
SELECT sparkline(x, 4) = '▁▃▆█' FROM (SELECT x FROM s ORDER BY i); /* means 1.5 3.5 5.5 7.5 */
-- case: sparkline.width.not.needed
SELECT sparkline(x, 8) = sparkline(x) AND sparkline(x, 100) = sparkline(x) AND sparkline(x, NULL) = sparkline(x)
  FROM (SELECT x FROM s ORDER BY i);
-- case: sparkline.width.one
SELECT sparkline(x, 1) = '▄' FROM s;
-- 0..9 into 3 cells [0,3) [3,6) [6,10): means 1, 4, 7.5
-- case: sparkline.width.uneven
SELECT sparkline(x, 3) = '▁▄█' AND sparkline(x, 4) = '▁▃▆█' FROM (SELECT id - 1 AS x FROM r WHERE id <= 10 ORDER BY id);
-- 10 values into 7 cells of sizes 1,1,2,1,2,1,2: a spike at index 3 lands in cell 2
-- case: sparkline.width.cells
SELECT sparkline(x, 7) = '▁▁█▁▁▁▁' FROM (SELECT CASE WHEN id = 4 THEN 16 ELSE 0 END AS x FROM r WHERE id <= 10 ORDER BY id);
-- NULLs in a cell are ignored; a cell of only NULLs is a space.
-- case: sparkline.width.nulls
SELECT sparkline(x, 4) = '▁ ▄█' FROM (SELECT column1 AS x FROM (VALUES (1), (NULL), (NULL), (NULL), (3), (5), (NULL), (9)));
-- case: sparkline.width.real.integral
SELECT sparkline(x, 4.0) = sparkline(x, 4) FROM (SELECT x FROM s ORDER BY i);
-- 3000 values into 24 cells of 125
-- case: sparkline.width.long
SELECT length(c) = 24 AND length(CAST(c AS BLOB)) = 72 FROM (SELECT sparkline(v, 24) AS c FROM (SELECT v FROM r ORDER BY ts));
-- a cell's mean: 24 cells of 2 values each equal the chart of the pair means
CREATE TABLE q AS SELECT v, row_number() OVER (ORDER BY id) - 1 AS k FROM r WHERE v IS NOT NULL ORDER BY id LIMIT 48;
-- case: sparkline.width.means
SELECT (SELECT sparkline(v, 24) FROM (SELECT v FROM q ORDER BY k))
     = (SELECT sparkline(m) FROM (SELECT k / 2 AS c, avg(v) AS m FROM q GROUP BY c ORDER BY c))
   AND (SELECT count(DISTINCT v) FROM q) > 20;

-- Windows: each row's chart equals the aggregate over its frame's rows in
-- the window's order.
CREATE TABLE frames AS SELECT id, ts, v, k,
  sparkline(v) OVER (ORDER BY ts ROWS 23 PRECEDING) AS rows23,
  sparkline(v, 6) OVER (ORDER BY ts ROWS 23 PRECEDING) AS rows23w6,
  sparkline(v) OVER (ORDER BY ts ROWS BETWEEN 2 PRECEDING AND 3 FOLLOWING) AS follow,
  sparkline(v) OVER (ORDER BY ts RANGE BETWEEN 95 PRECEDING AND CURRENT ROW) AS range95,
  sparkline(v) OVER (ORDER BY ts ROWS 999 PRECEDING) AS rows999,
  sparkline(v) OVER (ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS growing,
  sparkline(v) OVER (ORDER BY ts ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS shrinking,
  sparkline(v) OVER (PARTITION BY id % 3 ORDER BY ts ROWS 4 PRECEDING) AS part,
  sparkline(v) OVER (ORDER BY ts ROWS BETWEEN 3 PRECEDING AND 3 FOLLOWING EXCLUDE CURRENT ROW) AS excl,
  sparkline(v) OVER (ORDER BY ts ROWS BETWEEN 5 PRECEDING AND 2 PRECEDING) AS lagged
  FROM r;
-- the same rows as plain aggregates; ts is unique and increasing with id
-- case: sparkline.window.rows.23
SELECT count(*) = 3000 AND sum(rows23 IS NOT (SELECT sparkline(v) FROM (SELECT v FROM r WHERE r.id BETWEEN f.id - 23 AND f.id ORDER BY r.id))) = 0
  FROM frames AS f;
-- case: sparkline.window.rows.23.width
SELECT sum(rows23w6 IS NOT (SELECT sparkline(v, 6) FROM (SELECT v FROM r WHERE r.id BETWEEN f.id - 23 AND f.id ORDER BY r.id))) = 0
   AND sum(length(rows23w6) <> 6) = 5 /* the first five rows have fewer than 6 values */
  FROM frames AS f;
-- case: sparkline.window.following
SELECT sum(follow IS NOT (SELECT sparkline(v) FROM (SELECT v FROM r WHERE r.id BETWEEN f.id - 2 AND f.id + 3 ORDER BY r.id))) = 0
  FROM frames AS f;
-- case: sparkline.window.range
SELECT sum(range95 IS NOT (SELECT sparkline(v) FROM (SELECT v FROM r WHERE r.ts BETWEEN f.ts - 95 AND f.ts ORDER BY r.ts))) = 0
   AND count(DISTINCT length(range95)) > 1
  FROM frames AS f;
-- case: sparkline.window.rows.999
SELECT sum(rows999 IS NOT (SELECT sparkline(v) FROM (SELECT v FROM r WHERE r.id BETWEEN f.id - 999 AND f.id ORDER BY r.id))) = 0
  FROM frames AS f WHERE f.id % 37 = 0 OR f.id > 2990;
-- case: sparkline.window.growing
SELECT sum(growing IS NOT (SELECT sparkline(v) FROM (SELECT v FROM r WHERE r.id <= f.id ORDER BY r.id))) = 0
   AND max(length(growing)) = 3000
  FROM frames AS f WHERE f.id % 101 = 0 OR f.id IN (1, 2, 3, 3000);
-- case: sparkline.window.shrinking
SELECT sum(shrinking IS NOT (SELECT sparkline(v) FROM (SELECT v FROM r WHERE r.id >= f.id ORDER BY r.id))) = 0
  FROM frames AS f WHERE f.id % 101 = 0 OR f.id IN (1, 2, 2999, 3000);
-- case: sparkline.window.partition
SELECT sum(part IS NOT (SELECT sparkline(v) FROM (SELECT v FROM r WHERE r.id % 3 = f.id % 3 AND r.id BETWEEN f.id - 12 AND f.id ORDER BY r.id))) = 0
  FROM frames AS f;
-- case: sparkline.window.exclude
SELECT sum(excl IS NOT (SELECT sparkline(v) FROM (SELECT v FROM r WHERE r.id BETWEEN f.id - 3 AND f.id + 3 AND r.id <> f.id ORDER BY r.id))) = 0
  FROM frames AS f;
-- An empty frame (the first rows of a lagged frame) is NULL.
-- case: sparkline.window.empty.frame
SELECT sum(lagged IS NULL) = 2 AND sum(lagged IS NOT (SELECT sparkline(v) FROM (SELECT v FROM r WHERE r.id BETWEEN f.id - 5 AND f.id - 2 ORDER BY r.id))) = 0
  FROM frames AS f;
-- GROUPS frames: peers share a value, so the order among peers does not matter.
-- case: sparkline.window.groups
SELECT count(*) = 0 FROM (
  SELECT k, sparkline(g) OVER (ORDER BY k GROUPS 2 PRECEDING) AS w FROM (SELECT k, (k * 31) % 7 AS g FROM r WHERE id <= 500)) AS a
 WHERE w IS NOT (SELECT sparkline(g) FROM (SELECT (k * 31) % 7 AS g FROM r WHERE id <= 500 AND k BETWEEN a.k - 2 AND a.k ORDER BY k));
-- The example of the docs: a 24-point trend of hourly counts.
-- case: sparkline.window.hours
SELECT sparkline(n) OVER (ORDER BY h ROWS 3 PRECEDING) = '▁▃▆█'
  FROM (SELECT column1 AS h, column2 AS n FROM (VALUES (1, 1), (2, 2), (3, 3), (4, 4), (5, 0)))
 ORDER BY h LIMIT 1 OFFSET 3;

-- Errors (exact text).
-- case: sparkline.err.text
-- error: sparkline(): value (argument 1) is TEXT; expected INTEGER or REAL
SELECT sparkline(x) FROM (SELECT 1 AS x UNION ALL SELECT '2');
-- case: sparkline.err.blob
-- error: sparkline(): value (argument 1) is BLOB; expected INTEGER or REAL
SELECT sparkline(x'00');
-- case: sparkline.err.inf
-- error: sparkline(): value (argument 1) is not a finite number
SELECT sparkline(x) FROM (SELECT 1 AS x UNION ALL SELECT -1e999);
-- case: sparkline.err.window.value
-- error: sparkline(): value (argument 1) is TEXT; expected INTEGER or REAL
SELECT sparkline(CASE WHEN id = 50 THEN 'x' ELSE v END) OVER (ORDER BY ts ROWS 3 PRECEDING) FROM r;
-- case: sparkline.err.width.zero
-- error: sparkline(): width (argument 2) is 0; expected an INTEGER from 1 to 1000000 (characters)
SELECT sparkline(1, 0);
-- case: sparkline.err.width.negative
-- error: sparkline(): width (argument 2) is -3; expected an INTEGER from 1 to 1000000 (characters)
SELECT sparkline(1, -3);
-- case: sparkline.err.width.large
-- error: sparkline(): width (argument 2) is 1000001; expected an INTEGER from 1 to 1000000 (characters)
SELECT sparkline(1, 1000001);
-- case: sparkline.err.width.fraction
-- error: sparkline(): width (argument 2) is 2.5; expected an INTEGER from 1 to 1000000 (characters)
SELECT sparkline(1, 2.5);
-- case: sparkline.err.width.text
-- error: sparkline(): width (argument 2) is TEXT; expected an INTEGER from 1 to 1000000 (characters)
SELECT sparkline(1, '24');
-- case: sparkline.err.width.changed
-- error: sparkline(): width (argument 2) changed from 4 to 5 between rows; expected the same width on every row
SELECT sparkline(x, CASE WHEN i < 3 THEN 4 ELSE 5 END) FROM s;
-- case: sparkline.err.width.changed.null
-- error: sparkline(): width (argument 2) changed from NULL to 5 between rows; expected the same width on every row
SELECT sparkline(x, CASE WHEN i < 3 THEN NULL ELSE 5 END) FROM s;
-- case: sparkline.err.arity
-- error: wrong number of arguments to function sparkline()
SELECT sparkline();
-- case: sparkline.err.arity3
-- error: wrong number of arguments to function sparkline()
SELECT sparkline(1, 2, 3);
-- case: sparkline.flags
SELECT count(*) = 2 FROM pragma_function_list WHERE name = 'sparkline' AND type = 'w'
   AND (flags & 0x800) <> 0 /* SQLITE_DETERMINISTIC */ AND (flags & 0x200000) <> 0 /* SQLITE_INNOCUOUS */;

-- Out of memory (the values go through sqlite3_malloc64): SQLITE_NOMEM, the
-- connection stays usable, nothing leaks (the ASan and valgrind runs).  The
-- limit cannot be raised again, so these come last.
PRAGMA hard_heap_limit = 8000000;
-- case: sparkline.oom
-- error: out of memory
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000000) SELECT length(sparkline(i)) FROM n;
-- case: sparkline.oom.after
SELECT sparkline(x) = '▁▂▃▄▅▆▇█' FROM (SELECT x FROM s ORDER BY i);
