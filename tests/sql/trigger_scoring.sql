-- Scoring inside triggers (issue 13; omen.c behaviour 4, docs/SECURITY.md):
-- functions that only read models run in a trusted schema's triggers, so an
-- AFTER INSERT trigger stores a prediction and an anomaly score for every new
-- run; writers stay out; with trusted_schema OFF SQLite refuses the readers.
CREATE TABLE history(id INTEGER PRIMARY KEY, threads INTEGER, input_gb REAL, duration_s REAL);
WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < 400)
INSERT INTO history SELECT n, 1 + n % 8, (n * 37 % 100) / 10.0, 30 + 100.0 * ((n * 37 % 100) / 10.0) / (1 + n % 8) + n % 7 FROM i;
-- case: trigger.train.gbt
SELECT model_save('runtime', gbt_train(feature_vector('threads', threads, 'input_gb', input_gb), duration_s, '{"n_trees": 40}'), 'production') = 1 FROM history;
-- case: trigger.train.iforest
SELECT model_save('odd', isolation_forest_train(feature_vector('threads', threads, 'input_gb', input_gb, 'duration_s', duration_s), '{"n_trees": 50, "seed": 3}')) = 1 FROM history;
CREATE TABLE runs(id INTEGER PRIMARY KEY, threads INTEGER, input_gb REAL, duration_s REAL);
CREATE TABLE run_scores(run_id INTEGER PRIMARY KEY, predicted REAL, lo REAL, hi REAL, anomaly REAL, version INTEGER);
CREATE TRIGGER runs_score AFTER INSERT ON runs BEGIN
  INSERT INTO run_scores(run_id, predicted, lo, hi, anomaly, version)
  SELECT NEW.id, predict_duration('runtime', fv),
         json_extract(predict_interval('runtime', fv), '$.lo'), json_extract(predict_interval('runtime', fv), '$.hi'),
         isolation_score('odd', feature_vector('threads', NEW.threads, 'input_gb', NEW.input_gb, 'duration_s', NEW.duration_s)),
         (SELECT version FROM omen_aliases WHERE name = 'runtime' AND alias = 'production')
    FROM (SELECT feature_vector('threads', NEW.threads, 'input_gb', NEW.input_gb) AS fv);
END;
INSERT INTO runs VALUES (1, 4, 5.0, 155), (2, 2, 8.0, 430), (3, 8, 1.0, 43), (4, 4, 5.0, 9000);
-- case: trigger.scored.every.run
SELECT count(*) = 4 AND count(predicted) = 4 AND count(anomaly) = 4 FROM run_scores;
-- case: trigger.same.as.direct
SELECT count(*) = 4 FROM run_scores s JOIN runs r ON r.id = s.run_id
 WHERE s.predicted = predict_duration('runtime', feature_vector('threads', r.threads, 'input_gb', r.input_gb))
   AND s.anomaly = isolation_score('odd', feature_vector('threads', r.threads, 'input_gb', r.input_gb, 'duration_s', r.duration_s));
-- case: trigger.interval.brackets
SELECT count(*) = 4 FROM run_scores WHERE lo <= predicted AND predicted <= hi;
-- case: trigger.outlier.scores.highest
SELECT run_id = 4 FROM run_scores ORDER BY anomaly DESC LIMIT 1;
-- case: trigger.version.recorded
SELECT count(*) = 4 FROM run_scores WHERE version = 1;
-- a promotion is seen by the next insert (the connection cache follows it)
-- case: trigger.retrain
SELECT model_save('runtime', gbt_train(feature_vector('threads', threads, 'input_gb', input_gb), duration_s * 2, '{"n_trees": 40}'), 'production') = 2 FROM history;
INSERT INTO runs VALUES (5, 4, 5.0, 300);
-- case: trigger.after.promotion
SELECT abs(s5.predicted / s1.predicted - 2) < 0.2 AND s5.version = 2
  FROM run_scores s1, run_scores s5 WHERE s1.run_id = 1 AND s5.run_id = 5;
-- writers stay out of triggers
CREATE TRIGGER runs_promote AFTER INSERT ON runs BEGIN SELECT model_alias('runtime', 'production', 1); END;
-- case: trigger.err.writer
-- error: unsafe use of model_alias()
INSERT INTO runs VALUES (6, 4, 5.0, 150);
DROP TRIGGER runs_promote;
-- case: trigger.err.writer.nothing.written
SELECT count(*) = 5 FROM runs;
-- with trusted_schema OFF, SQLite refuses the readers in the trigger
PRAGMA trusted_schema = OFF;
-- case: trigger.err.untrusted
-- error: unsafe use of predict_duration()
INSERT INTO runs VALUES (7, 4, 5.0, 150);
PRAGMA trusted_schema = ON;
-- case: trigger.untrusted.nothing.written
SELECT count(*) = 5 FROM runs;
