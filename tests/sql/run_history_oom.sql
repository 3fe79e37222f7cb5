-- run_history() out of memory (ext/run_history.c behaviour 9): with SQLite's
-- hard heap limit set, reading or sorting a large source fails with
-- SQLITE_NOMEM ("out of memory"), leaves the connection usable and leaks
-- nothing (the valgrind and ASan runs of this file check that).  The pragma
-- cannot raise the limit again, so the out-of-memory cases come last.
CREATE VIEW many AS WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 300000)
SELECT i AS id, i % 5000 AS key, i AS submit, i + (i % 97) AS "end", i % 97 AS duration FROM s;
CREATE TABLE small(id, key, submit, "end", duration);
INSERT INTO small VALUES (1, 'a', 0, 1, 1), (2, 'a', 5, 6, 1);
-- case: run_history.oom.before.limit
SELECT count(*) = 300000 AND sum(n) > 0 FROM run_history('many');
PRAGMA hard_heap_limit = 8000000;
-- case: run_history.oom.scan
-- error: out of memory
SELECT count(*) FROM run_history('many');
-- case: run_history.oom.lookup
-- error: out of memory
SELECT count(*) FROM small AS s JOIN run_history('many') AS h ON h.id = s.id;
-- case: run_history.oom.connection.usable
SELECT group_concat(n) = '0,1' FROM run_history('small');
-- case: run_history.oom.small.lookup
SELECT n = 1 FROM run_history('small') WHERE id = 2;
