-- predict_log(): scoring through the registry with a prediction log and
-- shadow scoring (ext/predlog.c; behaviour numbers are its).
CREATE TABLE history(id INTEGER PRIMARY KEY, threads INTEGER, input_gb REAL, duration_s REAL, failed INTEGER);
WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < 400)
INSERT INTO history SELECT n, 1 + n % 8, (n * 37 % 100) / 10.0, 30 + 100.0 * ((n * 37 % 100) / 10.0) / (1 + n % 8) + n % 7,
  (n % 8 = 0 AND n % 3 = 0) FROM i;
CREATE TABLE planned(id INTEGER PRIMARY KEY, fv BLOB);
INSERT INTO planned SELECT id + 1000, feature_vector('threads', threads, 'input_gb', input_gb) FROM history WHERE id <= 50;
-- case: plog.train
SELECT model_save('runtime', gbt_train(feature_vector('threads', threads, 'input_gb', input_gb), duration_s, '{"n_trees": 30}'), 'production') = 1 FROM history;
-- behaviour 1: the same value as predict(), one champion row per call
-- case: plog.same.as.predict
SELECT count(*) = 50 FROM planned WHERE predict_log(id, 'runtime', fv) = predict('runtime', fv);
-- case: plog.rows
SELECT count(*) = 50 AND count(DISTINCT run_key) = 50 AND min(version) = 1 AND max(version) = 1 AND min(role) = 'champion' AND max(role) = 'champion'
  FROM omen_predictions;
-- case: plog.interval
SELECT count(*) = 50 FROM omen_predictions p JOIN planned r ON r.id = p.run_key
 WHERE abs(p.lo - json_extract(predict_interval('runtime', r.fv), '$.lo')) < 1e-9 AND abs(p.hi - json_extract(predict_interval('runtime', r.fv), '$.hi')) < 1e-9;
-- case: plog.features.kept
SELECT count(*) = 50 FROM omen_predictions p JOIN planned r ON r.id = p.run_key WHERE p.features = r.fv;
-- case: plog.at
SELECT count(DISTINCT at) = 1 AND min(at) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]' FROM omen_predictions;
-- a coverage argument
-- case: plog.coverage
SELECT predict_log('c1', 'runtime', feature_vector('threads', 4, 'input_gb', 5.0), 0.5) IS NOT NULL
   AND (SELECT hi - lo FROM omen_predictions WHERE run_key = 'c1') < (SELECT hi - lo FROM omen_predictions WHERE run_key = 1001);
-- behaviour 2: a challenger is shadow-scored; the result is the champion's
-- case: plog.challenger.save
SELECT model_save('runtime', gbt_train(feature_vector('threads', threads, 'input_gb', input_gb), duration_s * 1.5, '{"n_trees": 30}'), 'challenger') = 2 FROM history;
DELETE FROM omen_predictions;
-- case: plog.shadow.result.unchanged
SELECT count(*) = 50 FROM planned WHERE predict_log(id, 'runtime', fv) = predict('runtime@1', fv);
-- case: plog.shadow.rows
SELECT count(*) = 100 AND sum(role = 'shadow') = 50 AND sum(role = 'shadow' AND version = 2) = 50 AND sum(role = 'champion' AND version = 1) = 50 FROM omen_predictions;
-- case: plog.shadow.values
SELECT count(*) = 50 FROM omen_predictions p JOIN planned r ON r.id = p.run_key WHERE p.role = 'shadow' AND p.predicted = predict('runtime@2', r.fv);
-- by alias: the challenger is still the shadow; by fixed version: no shadow
-- case: plog.fixed.version.no.shadow
SELECT predict_log('v1', 'runtime@1', feature_vector('threads', 2, 'input_gb', 3.0)) IS NOT NULL AND (SELECT count(*) FROM omen_predictions WHERE run_key = 'v1') = 1;
-- case: plog.alias.ref
SELECT predict_log('p1', 'runtime@production', feature_vector('threads', 2, 'input_gb', 3.0)) IS NOT NULL
   AND (SELECT group_concat(role || version, ',') FROM (SELECT * FROM omen_predictions WHERE run_key = 'p1' ORDER BY id)) = 'champion1,shadow2';
-- the served alias pointing where the challenger points: no duplicate shadow
-- case: plog.challenger.is.served
SELECT predict_log('c2', 'runtime@challenger', feature_vector('threads', 2, 'input_gb', 3.0)) IS NOT NULL
   AND (SELECT count(*) FROM omen_predictions WHERE run_key = 'c2') = 1;
-- 'staging' is the shadow when there is no challenger
-- case: plog.staging.shadow
SELECT model_alias('runtime', 'challenger', NULL) IS NULL AND model_alias('runtime', 'staging', 2) = 2;
-- case: plog.staging.shadow.row
SELECT predict_log('s1', 'runtime', feature_vector('threads', 2, 'input_gb', 3.0)) IS NOT NULL
   AND (SELECT group_concat(role || version, ',') FROM (SELECT * FROM omen_predictions WHERE run_key = 's1' ORDER BY id)) = 'champion1,shadow2';
-- behaviour 4: an alias moved between statements is followed
-- case: plog.promote
SELECT model_alias('runtime', 'production', 2) = 2;
-- case: plog.after.promote
SELECT predict_log('a1', 'runtime', feature_vector('threads', 2, 'input_gb', 3.0)) = predict('runtime@2', feature_vector('threads', 2, 'input_gb', 3.0))
   AND (SELECT group_concat(role || version, ',') FROM (SELECT * FROM omen_predictions WHERE run_key = 'a1' ORDER BY id)) = 'champion2';
-- binary models: a probability, no interval
-- case: plog.binary.train
SELECT model_save('failures', gbt_train(feature_vector('threads', threads, 'input_gb', input_gb), failed, '{"n_trees": 20, "objective": "binary"}')) = 1 FROM history;
-- case: plog.binary
SELECT predict_log('b1', 'failures', feature_vector('threads', 8, 'input_gb', 3.0)) = predict_failure('failures', feature_vector('threads', 8, 'input_gb', 3.0))
   AND (SELECT lo IS NULL AND hi IS NULL AND predicted BETWEEN 0 AND 1 FROM omen_predictions WHERE run_key = 'b1');
-- behaviour 3: NULL features give NULL and log nothing
-- case: plog.null.features
SELECT predict_log('n1', 'runtime', NULL) IS NULL AND NOT EXISTS (SELECT 1 FROM omen_predictions WHERE run_key = 'n1');
-- errors
-- case: plog.err.key.null
-- error: predict_log(): run_key (argument 1) is NULL; expected INTEGER or TEXT (the key outcomes are joined on)
SELECT predict_log(NULL, 'runtime', feature_vector('threads', 2));
-- case: plog.err.key.real
-- error: predict_log(): run_key (argument 1) is REAL; expected INTEGER or TEXT (the key outcomes are joined on)
SELECT predict_log(1.5, 'runtime', feature_vector('threads', 2));
-- case: plog.err.blob.model
-- error: predict_log(): model (argument 2) is BLOB; expected a registry reference such as 'runtime' (TEXT): only predictions made through the registry are logged
SELECT predict_log(1, model_load('runtime'), feature_vector('threads', 2));
-- case: plog.err.coverage
-- error: predict_log(): coverage (argument 4) must be a number between 0 and 1 (exclusive), e.g. 0.9 for 90%
SELECT predict_log(1, 'runtime', feature_vector('threads', 2), 1);
-- case: plog.err.unknown
-- error: predict_log(): no model named 'nope' in omen_models
SELECT predict_log(1, 'nope', feature_vector('threads', 2));
-- case: plog.err.no.alias
-- error: predict_log(): model 'runtime' has no alias 'canary'
SELECT predict_log(1, 'runtime@canary', feature_vector('threads', 2));
-- case: plog.err.features
-- error: predict_log(): none of the model's 2 features (input_gb, threads) is in the feature vector; check the names (they are case-sensitive)
SELECT predict_log(1, 'runtime', feature_vector('x', 2));
-- case: plog.err.kind
SELECT model_save('sc', scaler_train(feature_vector('threads', threads)))= 1 FROM history;
-- case: plog.err.kind.msg
-- error: predict_log(): model 'sc@1' is a scaler model; expected a gbt model
SELECT predict_log(1, 'sc', feature_vector('threads', 2));
-- behaviour 5: a writer: not from a trigger or view, nor inside another statement
CREATE TABLE t(v);
-- case: plog.err.insert
-- error: predict_log(): refused: the model registry is written only from a SELECT of its own (run SELECT predict_log(...), then use what it returns), and a 'INSERT INTO t SELECT predict_log(1, 'run...' statement is running on this connection; if you did not write that statement, a CHECK constraint, trigger or PRAGMA is calling predict_log() (see docs/SECURITY.md)
INSERT INTO t SELECT predict_log(1, 'runtime', feature_vector('threads', 2));
CREATE VIEW v_log AS SELECT predict_log(1, 'runtime', feature_vector('threads', 2));
-- case: plog.err.view
-- error: unsafe use of predict_log()
SELECT * FROM v_log;
-- case: plog.nothing.logged.by.errors
SELECT NOT EXISTS (SELECT 1 FROM omen_predictions WHERE run_key IN (1, '1'));
-- a read-only database: a clear error
-- (tests/registry_schema_test.py-like check lives in tests/predict_log_test.py)

-- omen_model_health (ext/health.c): the log joined to the outcomes
-- case: health.no.outcomes
SELECT count(*) > 0 AND sum(n) = 0 AND count(mae) = 0 FROM omen_model_health;
-- the trigger pattern: a table of outcomes filled when runs finish
CREATE TABLE runs(id INTEGER PRIMARY KEY, threads INTEGER, input_gb REAL, duration_s REAL);
INSERT INTO runs SELECT id + 1000, threads, input_gb, NULL FROM history WHERE id <= 50;
CREATE TABLE omen_outcomes(run_key PRIMARY KEY, actual REAL, at TEXT);
CREATE TRIGGER runs_finished AFTER UPDATE OF duration_s ON runs WHEN NEW.duration_s IS NOT NULL BEGIN
  INSERT OR REPLACE INTO omen_outcomes VALUES (NEW.id, NEW.duration_s, strftime('%Y-%m-%d %H:%M:%f', 'now'));
END;
UPDATE runs SET duration_s = (SELECT duration_s FROM history WHERE history.id = runs.id - 1000) WHERE id <= 1030;
-- case: health.outcomes.recorded
SELECT count(*) = 30 FROM omen_outcomes;
-- case: health.champion.all
SELECT n = 30 AND logged = 53 AND abs(mae - (SELECT avg(abs(o.actual - p.predicted)) FROM omen_predictions p JOIN omen_outcomes o ON o.run_key = p.run_key WHERE p.name = 'runtime' AND p.version = 1 AND p.role = 'champion')) < 1e-9
  FROM omen_model_health WHERE name = 'runtime' AND version = 1 AND role = 'champion' AND win = 'all';
-- case: health.shadow.worse
SELECT s.mae > 5 * c.mae FROM omen_model_health c, omen_model_health s
 WHERE c.name = 'runtime' AND c.version = 1 AND c.role = 'champion' AND c.win = 'all'
   AND s.name = 'runtime' AND s.version = 2 AND s.role = 'shadow' AND s.win = 'all';
-- case: health.coverage
SELECT abs(coverage - (SELECT avg(o.actual BETWEEN p.lo AND p.hi) FROM omen_predictions p JOIN omen_outcomes o ON o.run_key = p.run_key WHERE p.name = 'runtime' AND p.version = 1 AND p.role = 'champion' AND p.lo IS NOT NULL)) < 1e-12
  FROM omen_model_health WHERE name = 'runtime' AND version = 1 AND role = 'champion' AND win = 'all';
-- case: health.median.ape
SELECT median_ape > 0 AND median_ape < 0.2 FROM omen_model_health WHERE name = 'runtime' AND version = 1 AND role = 'champion' AND win = 'all';
-- case: health.windows
SELECT group_concat(win, ',') = 'all,last_1000,last_100' FROM omen_model_health WHERE name = 'runtime' AND version = 1 AND role = 'champion';
-- case: health.no.binary.metrics.for.regression
SELECT count(auc) + count(brier) + count(calibration_error) = 0 FROM omen_model_health WHERE name = 'runtime';
-- the view pattern: outcomes straight from the runs table
DROP TRIGGER runs_finished;
DROP TABLE omen_outcomes;
CREATE VIEW omen_outcomes AS SELECT id AS run_key, duration_s AS actual FROM runs WHERE duration_s IS NOT NULL;
UPDATE runs SET duration_s = (SELECT duration_s FROM history WHERE history.id = runs.id - 1000) WHERE id > 1030;
-- case: health.view.pattern
SELECT n = 50 FROM omen_model_health WHERE name = 'runtime' AND version = 1 AND role = 'champion' AND win = 'all';
-- binary: the failures model, outcomes 0/1
CREATE TABLE fruns(id TEXT PRIMARY KEY, fv BLOB, failed INTEGER);
INSERT INTO fruns SELECT 'f' || id, feature_vector('threads', threads, 'input_gb', input_gb), failed FROM history;
-- case: health.binary.log
SELECT count(*) = 400 FROM fruns WHERE predict_log(id, 'failures', fv) IS NOT NULL;
DROP VIEW omen_outcomes;
CREATE VIEW omen_outcomes AS SELECT id AS run_key, duration_s AS actual FROM runs WHERE duration_s IS NOT NULL
  UNION ALL SELECT id, failed FROM fruns;
-- case: health.binary.metrics
SELECT n = 400 AND abs(auc - json_extract(m, '$.auc')) < 1e-12 AND abs(brier - json_extract(m, '$.brier')) < 1e-12 AND calibration_error >= 0 AND calibration_error < 0.2
  FROM omen_model_health, (SELECT classification_metrics(f.failed, p.predicted) AS m FROM omen_predictions p JOIN fruns f ON f.id = p.run_key) WHERE name = 'failures' AND win = 'all';
-- case: health.binary.last100
SELECT logged = 100 AND n = 100 FROM omen_model_health WHERE name = 'failures' AND win = 'last_100';

-- behaviour 7: one row evaluated twice by SQLite is logged once
CREATE TABLE twice AS SELECT id + 5000 AS id, fv FROM planned LIMIT 10;
-- case: plog.twice.logged.once
SELECT count(*) = (SELECT count(*) FROM twice WHERE predict('runtime', fv) > 0)
  FROM (SELECT id, predict_log(id, 'runtime', fv) AS p FROM twice) WHERE p > 0 AND p IS NOT NULL;
-- case: plog.twice.rows
SELECT count(*) = 10 FROM omen_predictions WHERE run_key BETWEEN 6000 AND 7000 AND role = 'champion';

-- input drift (health.c behaviour 3): PSI of the logged features against the
-- training profile in the model
-- case: health.drift.low
SELECT max_psi < 0.1 AND drifted = '' FROM omen_model_health WHERE name = 'runtime' AND version = 1 AND role = 'champion' AND win = 'all';
CREATE TABLE shifted AS SELECT id + 20000 AS id, feature_vector('threads', threads, 'input_gb', input_gb * 3 + 20) AS fv FROM history;
-- case: health.drift.log
SELECT count(predict_log(id, 'failures', fv)) = 400 FROM shifted;
-- case: health.drift.high
SELECT max_psi > 1 AND drifted = 'input_gb' FROM omen_model_health WHERE name = 'failures' AND win = 'last_100';
