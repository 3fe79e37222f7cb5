-- sequential_daily.sql — the daily read-out of a running A/B experiment with
-- sequential_test() (docs/sequential_test.md): one row per day with the runs
-- so far, the difference of means, its always-valid confidence sequence and
-- p-value, and the decision.  Reading it every day (or every hour) is safe:
-- the p-value and the interval stay valid however often they are looked at,
-- which is not true of welch_ttest() read the same way.
--
-- For a table of runs like the tutorial's:
--   runs(run_id, job, finished_at, duration_s, status, variant)
-- adapt the view of step 1 (which runs, which value, which two groups, and
-- the time that orders them); step 2 stays.
--
--   sqlite3 my.db
--   .load build/omen
--   .read sql/sequential_daily.sql
--
-- Step 2 feeds the runs to sequential_test in time order (run_id breaks
-- ties, so the order — and the answer — is reproducible) and keeps each
-- day's last row: the state after that day's last run, which includes a
-- look after every run of the day.  Options ('{"min_n": 100}' etc.) go in
-- the third argument; see the docs page.  diff = mean_a - mean_b, group_a
-- being the smaller label as SQLite orders them (here 'A').

-- Step 1: the experiment's runs.
DROP VIEW IF EXISTS temp.seq_input;
CREATE TEMP VIEW seq_input AS
  SELECT run_id AS id, finished_at AS t, variant AS grp, duration_s AS value
    FROM runs
   WHERE job = 'build-frontend' AND status = 'ok' AND variant IN ('A', 'B');

-- Step 2: one row per day.
WITH looks AS (
  SELECT date(t) AS day,
         sequential_test(value, grp) OVER (ORDER BY t, id) AS r,
         row_number() OVER (PARTITION BY date(t) ORDER BY t DESC, id DESC) AS back
    FROM seq_input
)
SELECT day,
       json_extract(r, '$.n_a') AS n_a,
       json_extract(r, '$.n_b') AS n_b,
       round(json_extract(r, '$.diff'), 3) AS diff,
       round(json_extract(r, '$.ci_low'), 3) AS ci_low,
       round(json_extract(r, '$.ci_high'), 3) AS ci_high,
       printf('%.4f', json_extract(r, '$.p')) AS p,
       CASE WHEN json_extract(r, '$.reject') = 0 THEN 'keep running'
            WHEN json_extract(r, '$.diff') > 0 THEN json_extract(r, '$.group_a') || ' higher'
            ELSE json_extract(r, '$.group_b') || ' higher' END AS decision
  FROM looks
 WHERE back = 1
 ORDER BY day;
