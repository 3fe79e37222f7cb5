-- Out of memory in the order-statistic aggregates (ext/robust_agg.c): with
-- SQLite's hard heap limit set, the array of values cannot grow; the
-- statement fails with SQLITE_NOMEM ("out of memory"), the connection stays
-- usable, and nothing leaks (the ASan and valgrind runs of this file check
-- that).  The pragma cannot raise the limit again, so it comes after the
-- case that needs memory.
-- case: robust.oom.before.limit
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 1000000)
SELECT omen_median(i) = 500000.5 FROM s;
PRAGMA hard_heap_limit = 8000000;
-- case: robust.oom.plain
-- error: out of memory
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 3000000)
SELECT omen_median(i) FROM s;
-- case: robust.oom.window
-- error: out of memory
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 3000000)
SELECT max(m) FROM (SELECT omen_percentile(i, 90) OVER (ORDER BY i ROWS BETWEEN CURRENT ROW AND 2000000 FOLLOWING) AS m FROM s);
-- case: robust.oom.connection.usable
SELECT omen_mad(x) = 1 FROM (SELECT 1 AS x UNION ALL SELECT 2 UNION ALL SELECT 3);
-- moments keep no values: a long window fits in any heap
-- case: robust.oom.moments.fit
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 300000)
SELECT omen_variance(i) = 7500025000.0 AND omen_kurtosis(i) < -1.19 FROM s;
