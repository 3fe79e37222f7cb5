-- run_history(source [, options]) (ext/run_history.c, docs/run_history.md):
-- behaviours by number, every error message, types, plans.  Column by
-- column against a brute-force reference: tests/sql/run_history_ref.sql.

CREATE TABLE runs(id INTEGER PRIMARY KEY, key, submit, "end", duration, req);
INSERT INTO runs VALUES
  (1, 'a', 0, 10, 8, 10),
  (2, 'a', 2, 12, 9, 0),          -- requested 0: no ratio
  (3, 'a', 5, NULL, NULL, 20),    -- never ends: running
  (4, 'a', 12, 12, 0, 4),         -- ends at its submit
  (5, 'a', 12, 20, 7, 14),        -- same submit as 4
  (6, 'a', 20, 25, 5, -1),        -- submitted when 5 ends
  (7, NULL, 1, NULL, NULL, 1),    -- no key: counts in all_running only
  (8, 'b', 11, 11.5, 0.5, NULL),  -- another key; a REAL end
  (9, 'a', NULL, 1, 1, 1);        -- no submit: no row, nobody's history

-- 1, 6: one row per row with a submit, in (submit, id) order.
-- case: run_history.1.rows
SELECT group_concat(id, ' ') = '1 7 2 3 8 4 5 6' FROM run_history('runs');
-- case: run_history.1.hidden.columns
SELECT count(*) = 8 AND min(source = 'runs') AND min(options IS NULL)
  FROM run_history WHERE source = 'runs';
-- case: run_history.1.hidden.options
SELECT min(options = '{"k": 2}') FROM run_history('runs', '{"k": 2}');
-- case: run_history.1.null.source
SELECT count(*) = 0 FROM run_history(NULL);
-- case: run_history.1.null.options
SELECT (SELECT group_concat(n) FROM run_history('runs', NULL)) = (SELECT group_concat(n) FROM run_history('runs'));
-- case: run_history.1.no.source
-- error: no query solution
SELECT * FROM run_history;

-- 5: causality.  Row 4 (submit 12): rows 1 (end 10) and 2 (end 12, at the
-- submit) are history; 5 has the same submit and is not; 3 runs.
-- case: run_history.5.history
SELECT n = 2 AND last1 = 9 AND last2 = 8 AND last3 IS NULL AND running = 1
  FROM run_history('runs') WHERE id = 4;
-- case: run_history.5.equal.submits
SELECT count(*) = 2 AND min(n) = 2 AND max(n) = 2 FROM run_history('runs') WHERE submit = 12;
-- 6 at 20: 1 (end 10), 2 (end 12, submit 2), 4 (end 12, submit 12), 5 (end 20): last1 = 5's 7,
-- last2 = 4's 0 (same end as 2, later submit), last3 = 2's 9.
-- case: run_history.5.order
SELECT n = 4 AND last1 = 7 AND last2 = 0 AND last3 = 9 AND last_k = '[7,0,9]' FROM run_history('runs') WHERE id = 6;
-- case: run_history.5.other.key
SELECT n = 0 AND running = 0 AND since_last_submit IS NULL FROM run_history('runs') WHERE id = 8;

-- 6: every column of row 6, by hand.
-- case: run_history.6.row6
SELECT mean_last2 = 3.5 AND mean_last_k = 16.0 / 3 AND mean = 6.0 AND ratio_last = 0.5
   AND abs(ratio_mean - (0.8 + 0 + 0.5) / 3) < 1e-15 AND running = 1 AND running_elapsed = 15
   AND since_last_end = 0 AND since_last_submit = 8 AND all_running = 2
  FROM run_history('runs', '{"requested": "req"}') WHERE id = 6;
-- Without "requested" the ratios are NULL.
-- case: run_history.6.no.requested
SELECT count(ratio_last) + count(ratio_mean) = 0 FROM run_history('runs');
-- requested 0 and NULL give no ratio; -1 neither.
-- case: run_history.6.ratio.requested.le0
SELECT ratio_last IS NULL AND ratio_mean = 0.8 FROM run_history('runs', '{"requested": "req"}') WHERE id = 4;
-- (row 2 at 2: row 1 ends at 10, so nothing has finished yet)
-- case: run_history.6.before.any.end
SELECT n = 0 AND mean_last2 IS NULL AND last_k = '[]' AND running = 1 AND running_elapsed = 2
  FROM run_history('runs') WHERE id = 2;
-- k: mean_last_k and last_k follow it; last1..last3 do not.
-- case: run_history.3.k
SELECT (SELECT last_k || ' ' || mean_last_k || ' ' || last3 FROM run_history('runs', '{"k": 1}') WHERE id = 6) = '[7] 7.0 9'
   AND (SELECT last_k || ' ' || mean_last_k FROM run_history('runs', '{"k": 16}') WHERE id = 6) = '[7,0,9,8] 6.0';
-- A keyless row: no history, no running, but the load counts (6).
-- case: run_history.6.keyless
SELECT n = 0 AND running = 0 AND running_elapsed = 0 AND since_last_submit IS NULL AND all_running = 1
  FROM run_history('runs') WHERE id = 7;
-- all_running at 11 (row 8): 2, 3 and keyless 7 (1 ended at 10).
-- case: run_history.6.all_running
SELECT all_running = 3 FROM run_history('runs') WHERE id = 8;

-- 7: types.  since_last_end is REAL because one end (11.5) is; the
-- others are INTEGER because every submit is.
-- case: run_history.7.types
SELECT typeof(id) || typeof(submit) || typeof(n) || typeof(last1) || typeof(mean_last2) || typeof(mean)
       || typeof(running) || typeof(running_elapsed) || typeof(since_last_end) || typeof(since_last_submit)
       || typeof(all_running) || typeof(last_k)
     = 'integerintegerintegerintegerrealrealintegerintegerrealintegerintegertext'
  FROM run_history('runs') WHERE id = 6;
-- case: run_history.7.declared.types
SELECT group_concat(name || ' ' || type, ', ') = 'id , submit , n INTEGER, last1 , last2 , last3 , mean_last2 REAL, mean_last_k REAL, mean REAL, ratio_last REAL, ratio_mean REAL, running INTEGER, running_elapsed , since_last_end , since_last_submit , all_running INTEGER, last_k TEXT'
  FROM pragma_table_info('run_history');
UPDATE runs SET "end" = 11 WHERE id = 8;
-- case: run_history.7.integer.times
SELECT typeof(since_last_end) = 'integer' AND since_last_end = 0 FROM run_history('runs') WHERE id = 6;
-- REAL durations stay REAL in last1 and last_k.
CREATE TABLE rr(id, key, submit, "end", duration);
INSERT INTO rr VALUES (1, 'x', 0.5, 2.5, 2.0), (2, 'x', 3, 4, 1), (3, 'x', 10, 11, 1.25);
-- case: run_history.7.real.durations
SELECT typeof(last1) = 'integer' AND typeof(last2) = 'real' AND last_k = '[1,2]' AND typeof(submit) = 'integer'
   AND typeof(since_last_submit) = 'real' AND since_last_submit = 7
  FROM run_history('rr') WHERE id = 3;
-- mean_last2 with one finished run is that run (H4).
-- case: run_history.6.mean_last2.one
SELECT n = 1 AND mean_last2 = 2.0 AND mean_last_k = 2.0 AND last2 IS NULL FROM run_history('rr') WHERE id = 2;

-- 4: keys.  1 and 1.0 are one key; '1' and x'01' are others; a NULL
-- component means no key.
CREATE TABLE mk(id INTEGER PRIMARY KEY, k1, k2, submit, "end", duration);
INSERT INTO mk VALUES (1, 1, 'p', 0, 1, 1), (2, 1.0, 'p', 5, 6, 1), (3, '1', 'p', 10, 11, 1),
                      (4, x'01', 'p', 15, 16, 1), (5, 1, 'p', 20, 21, 1), (6, 1, NULL, 25, 26, 1),
                      (7, 1, 'q', 30, 31, 1), (8, 1, 'p', 35, 36, 1);
-- case: run_history.4.key.numeric
SELECT group_concat(id || ':' || n, ' ') = '1:0 2:1 3:0 4:0 5:2 6:3 7:4 8:5'
  FROM run_history('mk', '{"key": "k1"}');
-- case: run_history.4.key.composite
SELECT group_concat(id || ':' || n, ' ') = '1:0 2:1 3:0 4:0 5:2 6:0 7:0 8:3'
  FROM run_history('mk', '{"key": ["k1", "k2"]}');
-- TEXT ids: their order breaks ties (behaviour 5); NULL ids are allowed.
CREATE TABLE tid(id, key, submit, "end", duration);
INSERT INTO tid VALUES ('b', 'x', 0, 5, 1), ('a', 'x', 0, 5, 2), (NULL, 'x', 0, 5, 3), (x'00', 'x', 9, 9, 4),
                       (7, 'x', 9, 9, 5), ('q', 'x', 9, 9, 6);
-- case: run_history.4.text.ids
SELECT group_concat(quote(id) || ':' || coalesce(last1, '-'), ' ') = 'NULL:- ''a'':- ''b'':- 7:1 ''q'':1 X''00'':1'
  FROM run_history('tid');

-- 2: schema.name, views, rowid ids, temp tables.
-- case: run_history.2.schema
SELECT (SELECT group_concat(id) FROM run_history('main.runs')) = (SELECT group_concat(id) FROM run_history('runs'));
CREATE VIEW runs_view AS SELECT id AS job, key AS who, submit AS t0, "end" AS t1, duration AS d FROM runs;
-- case: run_history.2.view.options
SELECT (SELECT group_concat(id || ':' || n || ':' || last_k, ' ')
          FROM run_history('runs_view', '{"id": "job", "key": "who", "submit": "t0", "end": "t1", "duration": "d"}'))
     = (SELECT group_concat(id || ':' || n || ':' || last_k, ' ') FROM run_history('runs'));
-- case: run_history.2.rowid
SELECT group_concat(id) = '1,7,2,3,8,4,5,6' FROM run_history('runs', '{"id": "rowid"}');
CREATE TEMP TABLE runs(id, key, submit, "end", duration);
INSERT INTO temp.runs VALUES (1, 'a', 0, 1, 1);
-- an unqualified name resolves as SQL does (temp first); main.runs is still there
-- case: run_history.2.temp.shadow
SELECT (SELECT count(*) FROM run_history('runs')) = 1 AND (SELECT count(*) FROM run_history('main.runs')) = 8
   AND (SELECT count(*) FROM run_history('temp.runs')) = 1;
DROP TABLE temp.runs;
-- Odd identifiers are quoted, never spliced (2).
CREATE TABLE "we""ird.t"(id, key, submit, "end", duration);
CREATE VIEW odd AS SELECT * FROM "we""ird.t";
INSERT INTO "we""ird.t" VALUES (1, 'k', 0, 1, 1), (2, 'k', 3, 4, 1);
-- case: run_history.2.quoted.view
SELECT group_concat(n) = '0,1' FROM run_history('odd');
CREATE TABLE t2("my id", "the key", "s; DROP TABLE runs; --", "end", duration);
INSERT INTO t2 VALUES (1, 'k', 0, 1, 1), (2, 'k', 3, 4, 1);
-- case: run_history.2.quoted.columns
SELECT group_concat(n) = '0,1' AND (SELECT count(*) FROM runs) = 9
  FROM run_history('t2', '{"id": "my id", "key": "the key", "submit": "s; DROP TABLE runs; --"}');

-- 6: ORDER BY submit [, id] is consumed; other orders are sorted by SQLite.
-- case: run_history.6.order.consumed
SELECT (SELECT group_concat(id) FROM (SELECT id FROM run_history('tid') ORDER BY submit, id))
     = (SELECT group_concat(id) FROM (SELECT id FROM (SELECT * FROM run_history('tid') LIMIT -1) ORDER BY submit, id));
-- case: run_history.6.order.desc
SELECT group_concat(id, ' ') = '6 5 4 8 3 2 7 1' FROM (SELECT id FROM run_history('runs') ORDER BY submit DESC, id DESC);
-- 8: a join scans run_history once, as the outer loop.
-- case: run_history.8.join
SELECT count(*) = 8 AND sum(h.n) = (SELECT sum(n) FROM run_history('runs'))
  FROM runs AS r JOIN run_history('runs') AS h ON h.id = r.id;

-- 11: id look-ups.  The plan: a full scan outside, a look-up inside.
CREATE TABLE expect_u AS SELECT * FROM run_history('mk', '{"key": "k1"}');
CREATE TABLE expect_ue AS SELECT * FROM run_history('mk', '{"key": ["k1", "k2"]}');
-- streamed: the outer scan asks for the records in output order
-- case: run_history.11.join.stream
SELECT count(*) = 8 AND min(u.n IS a.n AND ue.n IS b.n AND ue.last_k IS b.last_k AND ue.running IS b.running)
  FROM run_history('mk', '{"key": "k1"}') AS u
  JOIN run_history('mk', '{"key": ["k1", "k2"]}') AS ue ON ue.id = u.id
  JOIN expect_u AS a ON a.id = u.id JOIN expect_ue AS b ON b.id = u.id;
-- out of order (the outer rows in reverse): every record is stored
-- case: run_history.11.join.reverse
SELECT count(*) = 8 AND min(h.n IS b.n AND h.last_k IS b.last_k AND h.since_last_end IS b.since_last_end)
  FROM (SELECT id FROM mk ORDER BY id DESC LIMIT -1) AS r
  JOIN run_history('mk', '{"key": ["k1", "k2"]}') AS h ON h.id = r.id
  JOIN expect_ue AS b ON b.id = r.id;
-- ids that are not there, a NULL id, and a row without a submit are not found
-- case: run_history.11.missing
SELECT (SELECT count(*) FROM run_history('runs') WHERE id = 42) = 0
   AND (SELECT count(*) FROM run_history('runs') WHERE id = NULL) = 0
   AND (SELECT count(*) FROM run_history('runs') WHERE id = 9) = 0
   AND (SELECT count(*) FROM run_history('runs') WHERE id IN (1, 42, 6, 9, 8)) = 3;
-- a look-up mixes with a streamed prefix: in order, then a jump back
-- case: run_history.11.stream.then.jump
SELECT group_concat(r.id || ':' || h.n, ' ') = '1:0 7:0 2:0 1:0 6:4'
  FROM (SELECT column1 AS id, column2 AS o FROM (VALUES (1, 1), (7, 2), (2, 3), (1, 4), (6, 5)) ORDER BY o LIMIT -1) AS r
  JOIN run_history('runs') AS h ON h.id = r.id;
-- duplicate ids: a look-up returns every row of that id
CREATE TABLE dup(id, key, submit, "end", duration);
INSERT INTO dup VALUES (1, 'a', 0, 1, 1), (1, 'a', 5, 6, 2), (2, 'a', 9, 9, 3), (1, 'b', 10, NULL, NULL);
-- case: run_history.11.duplicates
SELECT (SELECT group_concat(submit || ':' || n, ' ') FROM run_history('dup') WHERE id = 1) = '0:0 5:1 10:0'
   AND (SELECT count(*) FROM (SELECT 1 AS id UNION ALL SELECT 2) AS r JOIN run_history('dup') AS h ON h.id = r.id) = 4;
-- SQL's = with affinity, as against a plain table of the same values (its
-- id column has no affinity, as run_history's): numbers match across
-- INTEGER and REAL, numeric TEXT and other TEXT as SQL says
CREATE TABLE ids(id INTEGER, key, submit, "end", duration);
INSERT INTO ids VALUES (5, 'a', 0, 1, 1), (6, 'a', 2, 3, 1), (7.5, 'a', 4, 5, 1);
CREATE TABLE sids(id TEXT, key, submit, "end", duration);
INSERT INTO sids VALUES ('5', 'a', 0, 1, 1), (' 6 ', 'a', 2, 3, 1), ('7.50', 'a', 4, 5, 1), ('x', 'a', 6, 7, 1);
CREATE TABLE tv(v TEXT);
INSERT INTO tv VALUES ('5'), (' 6 '), ('7.5'), ('x');
CREATE TABLE nv(v);
INSERT INTO nv VALUES (5.0), (6), ('7.5'), ('5'), ('x');
CREATE TABLE iv(v INTEGER);
INSERT INTO iv VALUES (5), (6.0), (7.5), ('x');
CREATE TABLE plain_ids AS SELECT id FROM run_history('ids');
CREATE TABLE plain_sids AS SELECT id FROM run_history('sids');
-- case: run_history.11.affinity
SELECT (SELECT group_concat(quote(h.id), ' ') FROM tv AS t JOIN run_history('ids') AS h ON h.id = t.v)
       IS (SELECT group_concat(quote(i.id), ' ') FROM tv AS t JOIN plain_ids AS i ON i.id = t.v)
   AND (SELECT group_concat(quote(h.id), ' ') FROM nv AS t JOIN run_history('ids') AS h ON h.id = t.v)
       IS (SELECT group_concat(quote(i.id), ' ') FROM nv AS t JOIN plain_ids AS i ON i.id = t.v)
   AND (SELECT group_concat(quote(h.id), ' ') FROM iv AS t JOIN run_history('ids') AS h ON h.id = t.v)
       IS (SELECT group_concat(quote(i.id), ' ') FROM iv AS t JOIN plain_ids AS i ON i.id = t.v)
   AND (SELECT group_concat(quote(h.id), ' ') FROM tv AS t JOIN run_history('sids') AS h ON h.id = t.v)
       IS (SELECT group_concat(quote(i.id), ' ') FROM tv AS t JOIN plain_sids AS i ON i.id = t.v)
   AND (SELECT group_concat(quote(h.id), ' ') FROM nv AS t JOIN run_history('sids') AS h ON h.id = t.v)
       IS (SELECT group_concat(quote(i.id), ' ') FROM nv AS t JOIN plain_sids AS i ON i.id = t.v)
   AND (SELECT group_concat(quote(h.id), ' ') FROM iv AS t JOIN run_history('sids') AS h ON h.id = t.v)
       IS (SELECT group_concat(quote(i.id), ' ') FROM iv AS t JOIN plain_sids AS i ON i.id = t.v);
-- (numeric TEXT ids found through an INTEGER column: numeric affinity)
-- case: run_history.11.affinity.numeric.text
SELECT group_concat(quote(h.id), ' ') = (SELECT group_concat(quote(i.id), ' ') FROM iv AS t JOIN plain_sids AS i ON i.id = t.v)
   AND count(*) >= 2
  FROM iv AS t JOIN run_history('sids') AS h ON h.id = t.v;
-- the look-up returns the same columns as the scan
-- case: run_history.11.same.columns
SELECT count(*) = 8 AND min(h.last1 IS e.last1 AND h.mean IS e.mean AND h.running_elapsed IS e.running_elapsed
                            AND h.all_running IS e.all_running AND h.source = 'mk')
  FROM expect_u AS e JOIN run_history('mk', '{"key": "k1"}') AS h ON h.id = e.id;

-- 10: a trusted schema's view may use it (trusted_schema is ON by default).
CREATE VIEW hist_view AS SELECT * FROM run_history('runs');
-- case: run_history.10.view
SELECT count(*) = 8 FROM hist_view;
-- ... an untrusted schema's may not.
PRAGMA trusted_schema = OFF;
-- case: run_history.10.untrusted
-- error: unsafe use of virtual table "run_history"
SELECT count(*) FROM hist_view;
-- (top-level SQL still may)
-- case: run_history.10.top.level
SELECT count(*) = 8 FROM run_history('runs');
PRAGMA trusted_schema = ON;
-- a view that fails while it is read
CREATE VIEW boom AS SELECT id, key, submit, "end", CASE WHEN id = 3 THEN json('x') ELSE duration END AS duration FROM runs;
-- case: run_history.9.source.fails
-- error: run_history(): cannot read source "boom": malformed JSON
SELECT * FROM run_history('boom');

-- 9: errors.
-- case: run_history.9.source.type
-- error: run_history(): source is INTEGER; expected a table or view name (TEXT)
SELECT * FROM run_history(3);
-- case: run_history.9.source.missing
-- error: run_history(): cannot read source "nosuch": no such table: nosuch
SELECT * FROM run_history('nosuch');
-- case: run_history.9.source.schema
-- error: run_history(): cannot read source "nosuchdb.runs": no such table: nosuchdb.runs
SELECT * FROM run_history('nosuchdb.runs');
-- case: run_history.9.column.missing
-- error: run_history(): source "runs" has no column "end_t" (option "end")
SELECT * FROM run_history('runs', '{"end": "end_t"}');
-- The default column names are needed when options do not map them.
-- case: run_history.9.column.default
-- error: run_history(): source "runs_view" has no column "id" (option "id")
SELECT * FROM run_history('runs_view');
-- case: run_history.9.column.key
-- error: run_history(): source "runs" has no column "exe" (option "key")
SELECT * FROM run_history('runs', '{"key": ["key", "exe"]}');
-- case: run_history.9.options.type
-- error: run_history(): options is INTEGER; expected a JSON object (TEXT)
SELECT * FROM run_history('runs', 3);
-- arguments from an outer row: the source is read again when they change
-- case: run_history.8.correlated.arguments
SELECT group_concat(o.column1 || ':' || h.n, ' ') = '{"k":1}:2 {"key":"id"}:0 {"k":1}:2'
  FROM (SELECT * FROM (VALUES ('{"k":1}'), ('{"key":"id"}'), ('{"k":1}')) LIMIT -1) AS o,
       run_history('runs', o.column1) AS h WHERE h.id = 4;
-- case: run_history.9.options.type.correlated
-- error: run_history(): options is INTEGER; expected a JSON object (TEXT)
SELECT count(*) FROM (SELECT * FROM (VALUES (NULL), (3)) LIMIT -1) AS o, run_history('runs', o.column1) AS h;
-- case: run_history.9.options.json
-- error: run_history(): options is not valid JSON
SELECT * FROM run_history('runs', '{"k": 2');
-- case: run_history.9.options.object
-- error: run_history(): options must be a JSON object
SELECT * FROM run_history('runs', '["key"]');
-- case: run_history.9.options.unknown
-- error: run_history(): unknown option "kk"; expected id, key, submit, end, duration, requested or k
SELECT * FROM run_history('runs', '{"kk": 2}');
-- case: run_history.9.options.twice
-- error: run_history(): option "k" is given twice
SELECT * FROM run_history('runs', '{"k": 2, "k": 3}');
-- case: run_history.9.k.range
-- error: run_history(): option "k" is 17; expected an integer from 1 to 16
SELECT * FROM run_history('runs', '{"k": 17}');
-- case: run_history.9.k.zero
-- error: run_history(): option "k" is 0; expected an integer from 1 to 16
SELECT * FROM run_history('runs', '{"k": 0}');
-- case: run_history.9.k.real
-- error: run_history(): option "k" is 2.5; expected an integer from 1 to 16
SELECT * FROM run_history('runs', '{"k": 2.5}');
-- case: run_history.9.k.text
-- error: run_history(): option "k" is 3; expected an integer from 1 to 16
SELECT * FROM run_history('runs', '{"k": "3"}');
-- case: run_history.9.column.option.type
-- error: run_history(): option "id" must be a column name (a JSON string)
SELECT * FROM run_history('runs', '{"id": null}');
-- case: run_history.9.requested.option.type
-- error: run_history(): option "requested" must be a column name (a JSON string) or null
SELECT * FROM run_history('runs', '{"requested": 3}');
-- case: run_history.9.key.option.empty
-- error: run_history(): option "key" must be a column name or an array of 1 to 8 column names
SELECT * FROM run_history('runs', '{"key": []}');
-- case: run_history.9.key.option.number
-- error: run_history(): option "key" must be a column name or an array of 1 to 8 column names
SELECT * FROM run_history('runs', '{"key": ["key", 2]}');
-- case: run_history.9.key.option.nine
-- error: run_history(): option "key" must be a column name or an array of 1 to 8 column names
SELECT * FROM run_history('runs', '{"key": ["key","key","key","key","key","key","key","key","key"]}');
-- case: run_history.9.key.eight
SELECT count(*) = 8 FROM run_history('runs', '{"key": ["key","key","key","key","key","key","key","key"]}');
CREATE TABLE bad(id, key, submit, "end", duration, req);
INSERT INTO bad VALUES (1, 'a', 0, 1, 1, 1), ('j-2', 'a', 'noon', 1, 1, 1);
-- case: run_history.9.value.text
-- error: run_history(): row id 'j-2': submit (column "submit") is TEXT; expected a number or NULL
SELECT * FROM run_history('bad');
UPDATE bad SET submit = 2, "end" = x'00' WHERE id = 'j-2';
-- case: run_history.9.value.blob
-- error: run_history(): row id 'j-2': end (column "end") is BLOB; expected a number or NULL
SELECT * FROM run_history('bad');
UPDATE bad SET "end" = 3, duration = -0.5 WHERE id = 'j-2';
-- case: run_history.9.duration.negative
-- error: run_history(): row id 'j-2': duration (column "duration") is negative (-0.5)
SELECT * FROM run_history('bad');
UPDATE bad SET duration = 9e999, id = 2.5 WHERE id = 'j-2';
-- case: run_history.9.value.inf
-- error: run_history(): row id 2.5: duration (column "duration") is Inf; expected a finite number
SELECT * FROM run_history('bad');
UPDATE bad SET duration = 1, req = -9e999, id = NULL WHERE id = 2.5;
-- case: run_history.9.requested.inf
-- error: run_history(): row id NULL: requested (column "req") is -Inf; expected a finite number
SELECT * FROM run_history('bad', '{"requested": "req"}');
UPDATE bad SET req = 'lots' WHERE id IS NULL;
-- case: run_history.9.requested.text
-- error: run_history(): row id NULL: requested (column "req") is TEXT; expected a number or NULL
SELECT * FROM run_history('bad', '{"requested": "req"}');
-- the requested column is not read without the option
-- case: run_history.9.requested.unread
SELECT count(*) = 2 FROM run_history('bad');
-- a long text id is cut in the message
UPDATE bad SET id = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ', duration = -1 WHERE id IS NULL;
-- case: run_history.9.long.id
-- error: run_history(): row id 'abcdefghijklmnopqrstuvwxyz0123456789ABCD...': duration (column "duration") is negative (-1)
SELECT * FROM run_history('bad');
-- case: run_history.9.too.many.args
-- error: too many arguments on run_history() - max 2
SELECT * FROM run_history('runs', NULL, 3);
