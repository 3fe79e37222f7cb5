-- retrain.sql — the retraining loop, in SQL, for a scheduler (cron) to run:
--
--   sqlite3 -cmd '.load /usr/lib/omen/omen' history.db < sql/retrain.sql
--
-- Each run: (1) judges each model's challenger on the runs it has shadowed
-- and promotes it when it is better (model_promote_if_better); (2) discards
-- a challenger that lost, or showed no difference, once it has had its runs;
-- (3) trains a new challenger on the most recent runs where there is none
-- (the first version of a name goes straight to production).  Between runs,
-- score with predict_log(), which shadow-scores the challenger, and keep the
-- outcomes in omen_outcomes.  docs/TUTORIAL.md ("Retraining") walks through
-- it; tests/retrain_test.py runs it on a history with drift.
--
-- It needs, in the same database:
--   omen_retrain(name, train_options, compare_options, window_runs): one row
--     per model — gbt_train options, model_compare options (NULL: defaults),
--     and how many of the newest runs to train on;
--   omen_training_rows(name, fv, target, at): a view of finished runs per
--     model name: the feature vector, the target (e.g. duration_s) and when
--     it finished (for "the newest runs");
--   omen_outcomes(run_key, actual): the outcomes of logged runs (a table
--     filled by a trigger, or a view; docs/predict_log.md).

-- (1) Promote challengers that beat their champion.
SELECT r.name, model_promote_if_better(r.name, r.compare_options) AS decision
  FROM omen_retrain AS r
 WHERE EXISTS (SELECT 1 FROM omen_aliases AS a WHERE a.name = r.name AND a.alias = 'challenger');

-- (2) Discard challengers that lost or made no difference after their runs.
SELECT r.name, c.decision, model_alias(r.name, 'challenger', NULL, 'retrain.sql: ' || c.decision || ': ' || c.reason)
  FROM omen_retrain AS r, model_compare(r.name, r.compare_options) AS c
 WHERE EXISTS (SELECT 1 FROM omen_aliases AS a WHERE a.name = r.name AND a.alias = 'challenger')
   AND c.decision IN ('discard', 'keep');

-- (3) Train a challenger on the newest runs where there is none.
SELECT r.name,
       model_save(r.name,
                  (SELECT gbt_train(t.fv, t.target, r.train_options)
                     FROM (SELECT fv, target, row_number() OVER (ORDER BY w.at DESC) AS newest
                             FROM omen_training_rows AS w WHERE w.name = r.name) AS t
                    WHERE t.newest <= r.window_runs),
                  CASE WHEN EXISTS (SELECT 1 FROM omen_models AS m WHERE m.name = r.name)
                       THEN 'challenger' ELSE 'production' END) AS new_version
  FROM omen_retrain AS r
 WHERE NOT EXISTS (SELECT 1 FROM omen_aliases AS a WHERE a.name = r.name AND a.alias = 'challenger');
