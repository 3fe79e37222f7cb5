-- welch_ttest_state() and welch_ttest_merge(): mergeable states of welch_ttest
-- (docs/welch_ttest_state.md, docs/welch_ttest_merge.md; ext/welch_state.c).
-- The merged answer must be the same TEXT as welch_ttest over all the rows,
-- whatever the split and the order of the states.
CREATE TABLE runs(id INTEGER PRIMARY KEY, v REAL, g TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600)
INSERT INTO runs SELECT i,
  CASE WHEN i % 97 = 0 THEN NULL ELSE 1e6 + 100 * hash_uniform(i, 7) + (i % 3) * 1.5 END,
  CASE WHEN i % 89 = 0 THEN NULL WHEN hash_uniform(i, 8) < 0.45 THEN 'A' ELSE 'B' END FROM n;
CREATE TABLE whole AS SELECT welch_ttest(v, g) AS w FROM runs;
-- extreme values: spikes of 1e150 (their squares near 1e300), subnormals, negatives
CREATE TABLE ext(id INTEGER PRIMARY KEY, v REAL, g INTEGER);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
INSERT INTO ext SELECT i,
  CASE WHEN i % 50 = 0 THEN 1e150 WHEN i % 51 = 0 THEN -1e150 WHEN i % 7 = 0 THEN 4.9e-322 * i
       ELSE hash_uniform(i, 9) - 0.5 END,
  i % 2 + 1 FROM n;

-- case: welch_state.blob
SELECT typeof(welch_ttest_state(v, g)) = 'blob' AND substr(welch_ttest_state(v, g), 1, 4) = CAST('OMEN' AS BLOB) FROM runs;
-- case: welch_state.merge.one
SELECT (SELECT welch_ttest_merge(s) FROM (SELECT welch_ttest_state(v, g) AS s FROM runs)) = w FROM whole;
-- case: welch_state.split.parity
SELECT welch_ttest_merge(s) = (SELECT w FROM whole)
  FROM (SELECT welch_ttest_state(v, g) AS s FROM runs GROUP BY id % 2);
-- case: welch_state.split.ranges
SELECT welch_ttest_merge(s) = (SELECT w FROM whole)
  FROM (SELECT welch_ttest_state(v, g) AS s FROM runs GROUP BY id / 37);
-- case: welch_state.split.by.group
SELECT welch_ttest_merge(s) = (SELECT w FROM whole)
  FROM (SELECT welch_ttest_state(v, g) AS s FROM runs GROUP BY g);
-- a part with one row, and empty parts (their NULL states are skipped)
-- case: welch_state.split.one.row.and.empty
SELECT welch_ttest_merge(s) = (SELECT w FROM whole)
  FROM (SELECT welch_ttest_state(v, g) AS s FROM runs WHERE id = 1
        UNION ALL SELECT welch_ttest_state(v, g) FROM runs WHERE id > 1
        UNION ALL SELECT welch_ttest_state(v, g) FROM runs WHERE 0
        UNION ALL SELECT NULL);
-- case: welch_state.order.reversed
SELECT welch_ttest_merge(s) = (SELECT w FROM whole)
  FROM (SELECT welch_ttest_state(v, g) AS s, id % 11 AS k FROM runs GROUP BY k ORDER BY k DESC);
-- case: welch_state.order.shuffled
SELECT welch_ttest_merge(s) = (SELECT w FROM whole)
  FROM (SELECT welch_ttest_state(v, g) AS s, id % 13 AS k FROM runs GROUP BY k ORDER BY hash_uniform(k, 3));
-- the merged STATE is byte for byte the state of all rows
-- case: welch_state.state.bytes
SELECT welch_ttest_state(s) = (SELECT welch_ttest_state(v, g) FROM runs)
  FROM (SELECT welch_ttest_state(v, g) AS s FROM runs GROUP BY id % 5 ORDER BY id % 5 DESC);
-- roll-ups in levels: hosts -> regions -> all
-- case: welch_state.levels
SELECT welch_ttest_merge(r) = (SELECT w FROM whole)
  FROM (SELECT welch_ttest_state(s) AS r FROM
          (SELECT id % 10 AS host, welch_ttest_state(v, g) AS s FROM runs GROUP BY host)
        GROUP BY host % 3);
-- case: welch_state.levels.bytes
SELECT welch_ttest_state(r) = (SELECT welch_ttest_state(v, g) FROM runs)
  FROM (SELECT welch_ttest_state(s) AS r FROM
          (SELECT id % 10 AS host, welch_ttest_state(v, g) AS s FROM runs GROUP BY host)
        GROUP BY host % 3);
-- case: welch_state.extreme
SELECT welch_ttest_merge(s) = (SELECT welch_ttest(v, g) FROM ext)
  FROM (SELECT welch_ttest_state(v, g) AS s FROM ext GROUP BY id % 7);
-- case: welch_state.extreme.bytes
SELECT welch_ttest_state(s) = (SELECT welch_ttest_state(v, g) FROM ext)
  FROM (SELECT welch_ttest_state(v, g) AS s FROM ext GROUP BY id / 40 ORDER BY id / 40 DESC);
-- beyond the double range: the same error as welch_ttest, named after the merge
-- case: welch_state.err.range
-- error: welch_ttest_merge(): var_a is about 2e+600, beyond the range of a double; divide the values by a constant first
SELECT welch_ttest_merge(s) FROM (SELECT welch_ttest_state(v, g) AS s FROM (SELECT 1e300 AS v, 1 AS g UNION ALL SELECT -1e300, 1
                                  UNION ALL SELECT 1.0, 2 UNION ALL SELECT 2.0, 2) GROUP BY v > 0);
-- alternative and confidence travel with the states
-- case: welch_state.less.99
SELECT welch_ttest_merge(s) = (SELECT welch_ttest(v, g, 'less', 0.99) FROM runs)
  FROM (SELECT welch_ttest_state(v, g, 'less', 0.99) AS s FROM runs GROUP BY id % 4);
-- case: welch_state.greater
SELECT welch_ttest_merge(s) = (SELECT welch_ttest(v, g, 'greater') FROM runs)
  FROM (SELECT welch_ttest_state(v, g, 'greater') AS s FROM runs GROUP BY id % 4);
-- case: welch_state.null.settings
SELECT welch_ttest_state(v, g, NULL, NULL) = welch_ttest_state(v, g) FROM runs;
-- case: welch_state.settings.in.info
SELECT json_extract(model_info(welch_ttest_state(v, g, 'less', 0.9)), '$.detail.alternative') = 'less'
   AND json_extract(model_info(welch_ttest_state(v, g, 'less', 0.9)), '$.detail.confidence') = 0.9
  FROM runs;
-- NULL rows are skipped, as welch_ttest skips them
-- case: welch_state.null.rows
SELECT json_extract(model_info(welch_ttest_state(v, g)), '$.rows_used') = (SELECT count(*) FROM runs WHERE v IS NOT NULL AND g IS NOT NULL)
  FROM runs;
-- case: welch_state.no.rows
SELECT welch_ttest_state(v, g) IS NULL FROM runs WHERE 0;
-- case: welch_state.only.null.rows
SELECT welch_ttest_state(v, g) IS NULL FROM runs WHERE v IS NULL;
-- case: welch_state.merge.no.states
SELECT welch_ttest_merge(s) IS NULL AND welch_ttest_state(s) IS NULL FROM (SELECT NULL AS s UNION ALL SELECT NULL);
-- case: welch_state.merge.empty
SELECT welch_ttest_merge(s) IS NULL FROM (SELECT welch_ttest_state(v, g) AS s FROM runs WHERE 0);
-- one group only: its statistics, group_b null (as welch_ttest)
-- case: welch_state.one.group
SELECT welch_ttest_merge(s) = (SELECT welch_ttest(v, g) FROM runs WHERE g = 'A')
   AND json_type(welch_ttest_merge(s), '$.group_b') = 'null'
  FROM (SELECT welch_ttest_state(v, g) AS s FROM runs WHERE g = 'A' GROUP BY id % 3);
-- 1 and 1.0 are one group (SQLite's comparison); the label kept is the first seen
CREATE TABLE num(id INTEGER PRIMARY KEY, v REAL, g);
INSERT INTO num VALUES (1, 1.0, 1), (2, 2.0, 1.0), (3, 4.0, 2), (4, 3.5, 1), (5, 7.0, 2.0), (6, 6.5, 2);
-- case: welch_state.numeric.labels
SELECT welch_ttest_merge(s) = (SELECT welch_ttest(v, g) FROM num)
  FROM (SELECT welch_ttest_state(v, g) AS s FROM num GROUP BY id % 2 ORDER BY id % 2 DESC);
-- case: welch_state.numeric.labels.count
SELECT json_array_length(model_info(welch_ttest_state(s)), '$.detail.groups') = 2
  FROM (SELECT welch_ttest_state(v, g) AS s FROM num GROUP BY id);
-- model_info through the kind table
-- case: welch_state.info
SELECT json_extract(i, '$.kind') = 'welch_state' AND json_extract(i, '$.features') = '[]'
   AND json_extract(i, '$.detail.groups[0].group') = 'A' AND json_extract(i, '$.detail.groups[1].group') = 'B'
   AND json_extract(i, '$.detail.groups[0].n') + json_extract(i, '$.detail.groups[1].n') = json_extract(i, '$.rows_used')
   AND json_extract(i, '$.metrics.groups') = 2
  FROM (SELECT model_info(welch_ttest_state(v, g)) AS i FROM runs);
-- case: welch_state.build.info
SELECT json_extract(omen_build_info(), '$.formats.payloads.welch_state') = 1;
-- the registry keeps a state like any omen BLOB
-- case: welch_state.save
SELECT model_save('ab_state', welch_ttest_state(v, g)) = 1 FROM runs;
-- case: welch_state.save.merge
SELECT welch_ttest_merge(model_load('ab_state')) = (SELECT w FROM whole);

-- errors
-- case: welch_state.err.type
-- error: welch_ttest_merge(): state (argument 1) is TEXT; expected a welch_state BLOB (from welch_ttest_state())
SELECT welch_ttest_merge('ab_state');
-- case: welch_state.err.type.state
-- error: welch_ttest_state(): state (argument 1) is INTEGER; expected a welch_state BLOB (from welch_ttest_state())
SELECT welch_ttest_state(42);
-- case: welch_state.err.not.omen
-- error: welch_ttest_merge(): not an omen model
SELECT welch_ttest_merge(x'0102030405');
-- case: welch_state.err.bandit
-- error: welch_ttest_merge(): the state is a bandit state; expected a welch_state, from welch_ttest_state()
SELECT welch_ttest_merge(s) FROM (SELECT bandit_update(g, 1) AS s FROM runs);
-- case: welch_state.err.bandit.state
-- error: welch_ttest_state(): the state is a bandit state; expected a welch_state, from welch_ttest_state()
SELECT welch_ttest_state(s) FROM (SELECT bandit_update(g, 1) AS s FROM runs);
-- case: welch_state.err.checksum
-- error: welch_ttest_merge(): model checksum mismatch
SELECT welch_ttest_merge(CAST(substr(s, 1, 60) || x'ff' || substr(s, 62) AS BLOB)) FROM (SELECT welch_ttest_state(v, g) AS s FROM runs);
-- case: welch_state.err.truncated
-- error: welch_ttest_merge(): model is truncated (20 bytes)
SELECT welch_ttest_merge(substr(s, 1, 20)) FROM (SELECT welch_ttest_state(v, g) AS s FROM runs);
-- case: welch_state.err.settings
-- error: welch_ttest_merge(): states differ: one has alternative 'two-sided' and confidence 0.95, another 'less' and confidence 0.95; merge states made with the same settings
SELECT welch_ttest_merge(s) FROM (SELECT welch_ttest_state(v, g) AS s FROM runs WHERE id < 100
                                  UNION ALL SELECT welch_ttest_state(v, g, 'less') FROM runs WHERE id >= 100);
-- case: welch_state.err.confidence
-- error: welch_ttest_state(): states differ: one has alternative 'two-sided' and confidence 0.95, another 'two-sided' and confidence 0.9; merge states made with the same settings
SELECT welch_ttest_state(s) FROM (SELECT welch_ttest_state(v, g) AS s FROM runs WHERE id < 100
                                  UNION ALL SELECT welch_ttest_state(v, g, NULL, 0.9) FROM runs WHERE id >= 100);
-- case: welch_state.err.three.groups.merge
-- error: welch_ttest_merge(): group has more than 2 distinct values ('A', 'B', 'C'); expected exactly 2
SELECT welch_ttest_merge(s) FROM (SELECT welch_ttest_state(v, g) AS s FROM runs
                                  UNION ALL SELECT welch_ttest_state(1.0, 'C'));
-- case: welch_state.err.three.groups.state
-- error: welch_ttest_state(): group has more than 2 distinct values ('A', 'B', 'C'); expected exactly 2
SELECT welch_ttest_state(s) FROM (SELECT welch_ttest_state(v, g) AS s FROM runs
                                  UNION ALL SELECT welch_ttest_state(1.0, 'C'));
-- case: welch_state.err.three.groups.rows
-- error: welch_ttest_state(): group has more than 2 distinct values ('A', 'B', 'C'); expected exactly 2
SELECT welch_ttest_state(v, CASE WHEN id = 5 THEN 'C' ELSE g END) FROM runs;
-- case: welch_state.err.value
-- error: welch_ttest_state(): value (argument 1) is TEXT; expected INTEGER or REAL
SELECT welch_ttest_state('x', g) FROM runs;
-- case: welch_state.err.group.blob
-- error: welch_ttest_state(): group (argument 2) is a BLOB; expected INTEGER, REAL or TEXT
SELECT welch_ttest_state(v, x'00') FROM runs;
-- case: welch_state.err.alternative
-- error: welch_ttest_state(): alternative (argument 3) is 'two_sided'; expected 'two-sided', 'less' or 'greater'
SELECT welch_ttest_state(v, g, 'two_sided') FROM runs;
-- case: welch_state.err.confidence.arg
-- error: welch_ttest_state(): confidence (argument 4) is 95.0; expected a number between 0 and 1 (exclusive)
SELECT welch_ttest_state(v, g, 'less', 95) FROM runs;
-- case: welch_state.err.window
-- error: welch_ttest_state() may not be used as a window function
SELECT welch_ttest_state(v, g) OVER (ORDER BY id) FROM runs;
-- case: welch_state.err.window.merge
-- error: welch_ttest_merge() may not be used as a window function
SELECT welch_ttest_merge(NULL) OVER ();
-- case: welch_state.err.args
-- error: wrong number of arguments to function welch_ttest_merge()
SELECT welch_ttest_merge(v, g) FROM runs;
-- a state is not a model to score with
-- case: welch_state.err.predict
-- error: bandit_choose(): model is a welch_state model; expected a bandit model
SELECT bandit_choose(welch_ttest_state(v, g)) FROM runs;
