-- welch_ttest() as a sliding window: every frame's result must equal the plain
-- aggregate over the same rows (issue 8, finding 3).  The sums behind it are
-- exact (core/st_welch.h behaviour 1), so equal means the same JSON text, bit
-- for bit; a relative check to 1e-12 is made as well, to name the field.
-- Spikes of 1e9, 1e12, 1e150 and -1e150 pass through group 'a' (a frame of
-- 300 rows with a 1e150 in it still has a representable variance); 1e300,
-- -1e300 and DBL_MAX pass through as the only row of group 'b' in their
-- frames (no other 'b' row is within 300 rows of them: two such rows in one
-- group would have a variance beyond the double range, an error: see
-- welch_extreme.sql).
CREATE TABLE t(i INTEGER PRIMARY KEY, v REAL, g TEXT);
INSERT INTO t(i, v, g)
  WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 3300)
  SELECT i,
         CASE i WHEN 200 THEN 1e9 WHEN 700 THEN 1e12 WHEN 1200 THEN 1e150 WHEN 1201 THEN -1e150
                WHEN 1700 THEN 1e300 WHEN 2100 THEN -1e300 WHEN 2500 THEN 1.7976931348623157e308
                WHEN 2800 THEN 1e12 WHEN 2801 THEN -1e150 WHEN 2802 THEN 1e9
                ELSE 100.0 + ((i * 7919) % 10007) / 1000.0 - 5.0 END,
         CASE WHEN i IN (1700, 2100, 2500) THEN 'b'
              WHEN i < 150 OR i BETWEEN 400 AND 600 OR i BETWEEN 900 AND 1100 OR i BETWEEN 1250 AND 1400 OR i > 2850
              THEN CASE WHEN i % 3 = 0 THEN 'b' ELSE 'a' END
              ELSE 'a' END
    FROM s;
CREATE TABLE w AS
  SELECT i, welch_ttest(v, g) OVER (ORDER BY i ROWS 299 PRECEDING) AS win,
         (SELECT welch_ttest(v, g) FROM (SELECT v, g FROM t AS u WHERE u.i BETWEEN t.i - 299 AND t.i ORDER BY u.i)) AS agg
    FROM t;
-- case: welch.window.spikes.rows
SELECT count(*) = 3300 AND count(win) = 3300 FROM w;
-- case: welch.window.spikes.identical
SELECT count(*) = 0 FROM w WHERE win IS NOT agg;
-- case: welch.window.spikes.rel.1e-12
SELECT count(*) = 0 FROM w, (SELECT 'mean_a' AS k UNION ALL SELECT 'mean_b' UNION ALL SELECT 'var_a' UNION ALL SELECT 'var_b'
                             UNION ALL SELECT 'diff' UNION ALL SELECT 't' UNION ALL SELECT 'df' UNION ALL SELECT 'p'
                             UNION ALL SELECT 'ci_low' UNION ALL SELECT 'ci_high' UNION ALL SELECT 'n_a' UNION ALL SELECT 'n_b') AS f
 WHERE json_type(win, '$.' || k) IS NOT json_type(agg, '$.' || k)
    OR abs(json_extract(win, '$.' || k) - json_extract(agg, '$.' || k)) > 1e-12 * abs(json_extract(agg, '$.' || k));
-- The spikes were in the frames (the test is not vacuous): 1e150 raised
-- var_a, the lone 1e300 made group b, and both had left by row 1600 / 2050.
-- Rows 2800-2802 put 1e12, -1e150 and 1e9 into a frame that also holds 'b' rows.
-- case: welch.window.spikes.seen
SELECT (SELECT json_extract(win, '$.var_a') > 1e290 FROM w WHERE i = 1300)
   AND (SELECT json_extract(win, '$.mean_b') = 1e300 AND json_extract(win, '$.n_b') = 1 FROM w WHERE i = 1800)
   AND (SELECT json_extract(win, '$.var_a') < 10 FROM w WHERE i = 1600)
   AND (SELECT json_type(win, '$.group_b') = 'null' AND json_extract(win, '$.var_a') < 10 FROM w WHERE i = 2050)
   AND (SELECT json_extract(win, '$.n_b') > 10 AND json_extract(win, '$.var_a') > 1e290 FROM w WHERE i = 2900)
   AND (SELECT json_extract(win, '$.n_b') > 10 AND json_extract(win, '$.var_a') < 10 FROM w WHERE i = 3300)
   AND (SELECT json_extract(win, '$.n_b') > 10 AND json_extract(win, '$.var_a') < 10 FROM w WHERE i = 1100);
-- After the spikes left: mean_a and var_a match the values computed without
-- the window machinery (SQL's own avg and a two-pass variance) to 1e-12.
-- case: welch.window.after.spikes.two.pass
SELECT count(*) = 0 FROM (
  SELECT w.i, json_extract(win, '$.mean_a') AS m, json_extract(win, '$.var_a') AS va,
         (SELECT avg(v) FROM t AS u WHERE u.i BETWEEN w.i - 299 AND w.i AND u.g = 'a') AS m2,
         (SELECT sum((v - x.mu) * (v - x.mu)) / (count(*) - 1)
            FROM t AS u, (SELECT avg(v) AS mu FROM t AS u2 WHERE u2.i BETWEEN w.i - 299 AND w.i AND u2.g = 'a') AS x
           WHERE u.i BETWEEN w.i - 299 AND w.i AND u.g = 'a') AS va2
    FROM w WHERE w.i IN (520, 1020, 1520, 1650, 2000, 2420, 2720, 3000, 3300))
 WHERE abs(m - m2) > 1e-12 * abs(m2) OR abs(va - va2) > 1e-11 * va2;
-- Other frame shapes: a frame that shrinks from the front (every row after
-- the first leaves by xInverse) and a frame with FOLLOWING rows.
-- case: welch.window.unbounded.following
SELECT count(*) = 0 FROM (
  SELECT i, welch_ttest(v, g) OVER (ORDER BY i ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS win FROM t WHERE i > 2550
) AS s WHERE win IS NOT (SELECT welch_ttest(v, g) FROM (SELECT v, g FROM t AS u WHERE u.i >= s.i ORDER BY u.i));
-- case: welch.window.following
SELECT count(*) = 0 FROM (
  SELECT i, welch_ttest(v, g) OVER (ORDER BY i ROWS BETWEEN 50 PRECEDING AND 50 FOLLOWING) AS win FROM t WHERE i < 1400
) AS s WHERE win IS NOT (SELECT welch_ttest(v, g) FROM (SELECT v, g FROM t AS u WHERE u.i BETWEEN s.i - 50 AND s.i + 50 AND u.i < 1400 ORDER BY u.i));
-- case: welch.window.partition.spikes
SELECT count(*) = 0 FROM (
  SELECT i, welch_ttest(v, g) OVER (PARTITION BY i % 2 ORDER BY i ROWS 99 PRECEDING) AS win FROM t WHERE i BETWEEN 1150 AND 1500
) AS s WHERE win IS NOT (SELECT welch_ttest(v, g) FROM (SELECT v, g FROM t AS u WHERE u.i % 2 = s.i % 2 AND u.i BETWEEN 1150 AND s.i
                                                        ORDER BY u.i DESC LIMIT 100));

-- FOLLOWING frames: SQLite adds the rows entering a frame before it removes
-- those leaving, so for a moment the state holds groups of the old frame and
-- of the new one (4 here).  Only the frame's own groups count: each row must
-- equal the aggregate over its frame, never "more than 2 distinct values"
-- (welch.c behaviour 5; found by the attack pass after the exact sums).
CREATE TABLE f(i INTEGER PRIMARY KEY, k INTEGER, g TEXT, x REAL);
INSERT INTO f(k, g, x) VALUES (1,'A',1),(1,'B',2),(1,'A',3),(1,'B',5),(2,'C',1),(2,'D',4),(2,'C',2),(2,'D',7);
CREATE TABLE wf AS
  SELECT i, welch_ttest(x, g) OVER (ORDER BY i ROWS BETWEEN 4 FOLLOWING AND 7 FOLLOWING) AS win,
         (SELECT welch_ttest(x, g) FROM (SELECT x, g FROM f AS u WHERE u.i BETWEEN f.i + 4 AND f.i + 7 ORDER BY u.i)) AS agg
    FROM f;
-- case: welch.window.following.no.false.error
SELECT count(*) = 8 AND sum(win IS agg) = 8 AND count(win) = 4 FROM wf;
-- case: welch.window.range.following
SELECT count(*) = 8 AND sum(win IS agg) = 8 FROM (
  SELECT welch_ttest(x, g) OVER (ORDER BY k RANGE BETWEEN 0 FOLLOWING AND 0 FOLLOWING) AS win,
         (SELECT welch_ttest(x, g) FROM (SELECT x, g FROM f AS u WHERE u.k = f.k ORDER BY u.i)) AS agg
    FROM f);
-- a frame that really holds three groups is still an error naming them
-- case: welch.window.three.groups.error
-- error: welch_ttest(): group has more than 2 distinct values ('A', 'B', 'C'); expected exactly 2
SELECT welch_ttest(x, g) OVER (ORDER BY i ROWS BETWEEN 2 PRECEDING AND 2 FOLLOWING) FROM f;
-- 100 distinct groups in a plain aggregate: the first three named, then "..."
-- case: welch.many.groups.error
-- error: welch_ttest(): group has more than 2 distinct values (1, 2, 3, ...); expected exactly 2
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 100) SELECT welch_ttest(i, i) FROM s;
