-- model_scores(): a registry name's prediction for one run as rows — the
-- serving version and the shadow challenger — for logging with one
-- INSERT ... SELECT or from a trigger (ext/model_scores.c; behaviour
-- numbers are its).
CREATE TABLE history(id INTEGER PRIMARY KEY, threads INTEGER, input_gb REAL, duration_s REAL, failed INTEGER);
WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < 400)
INSERT INTO history SELECT n, 1 + n % 8, (n * 37 % 100) / 10.0, 30 + 100.0 * ((n * 37 % 100) / 10.0) / (1 + n % 8) + n % 7,
  (n % 8 = 0 AND n % 3 = 0) FROM i;
CREATE TABLE planned(id INTEGER PRIMARY KEY, fv BLOB);
INSERT INTO planned SELECT id + 1000, feature_vector('threads', threads, 'input_gb', input_gb) FROM history WHERE id <= 50;
-- case: scores.train
SELECT model_save('runtime', gbt_train(feature_vector('threads', threads, 'input_gb', input_gb), duration_s, '{"n_trees": 30}'), 'production') = 1 FROM history;
-- behaviour 1: one champion row, predict()'s value, predict_interval's bounds
-- case: scores.one.row
SELECT count(*) = 1 AND min(name) = 'runtime' AND min(version) = 1 AND min(role) = 'champion'
  FROM model_scores('runtime', feature_vector('threads', 4, 'input_gb', 5.0));
-- case: scores.same.as.predict
SELECT count(*) = 50 FROM planned p, model_scores('runtime', p.fv) s
 WHERE s.predicted = predict('runtime', p.fv)
   AND s.lo = json_extract(predict_interval('runtime', p.fv), '$.lo') AND s.hi = json_extract(predict_interval('runtime', p.fv), '$.hi');
-- case: scores.coverage
SELECT count(*) = 50 FROM planned p, model_scores('runtime', p.fv, 0.5) s
 WHERE s.lo = json_extract(predict_interval('runtime', p.fv, 0.5), '$.lo') AND s.hi = json_extract(predict_interval('runtime', p.fv, 0.5), '$.hi');
-- case: scores.coverage.null.is.default
SELECT s.lo = json_extract(predict_interval('runtime', feature_vector('threads', 4, 'input_gb', 5.0)), '$.lo')
  FROM model_scores('runtime', feature_vector('threads', 4, 'input_gb', 5.0), NULL) s;
-- logging as one statement: the same rows predict_log writes
INSERT INTO omen_predictions(run_key, name, version, role, predicted, lo, hi, at, features)
SELECT p.id, s.name, s.version, s.role, s.predicted, s.lo, s.hi, (SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')), p.fv
  FROM planned p, model_scores('runtime', p.fv) s;
-- case: scores.log.insert
SELECT count(*) = 50 AND count(DISTINCT run_key) = 50 FROM omen_predictions;
-- case: scores.log.predict_log
SELECT count(*) = 50 FROM planned WHERE predict_log(id, 'runtime', fv) IS NOT NULL;
-- case: scores.log.same.as.predict_log
SELECT count(*) = 50 FROM omen_predictions a JOIN omen_predictions b ON a.run_key = b.run_key AND a.id < b.id
 WHERE a.name = b.name AND a.version = b.version AND a.role = b.role AND a.predicted = b.predicted AND a.lo = b.lo AND a.hi = b.hi AND a.features = b.features;
DELETE FROM omen_predictions;
-- behaviour 2: a challenger adds a shadow row; a fixed version has none
-- case: scores.challenger.save
SELECT model_save('runtime', gbt_train(feature_vector('threads', threads, 'input_gb', input_gb), duration_s * 1.5, '{"n_trees": 30}'), 'challenger') = 2 FROM history;
-- case: scores.shadow.rows
SELECT group_concat(role || version, ',') = 'champion1,shadow2'
  FROM model_scores('runtime', feature_vector('threads', 4, 'input_gb', 5.0));
-- case: scores.shadow.values
SELECT count(*) = 50 FROM planned p, model_scores('runtime', p.fv) s
 WHERE s.role = 'shadow' AND s.version = 2 AND s.predicted = predict('runtime@2', p.fv);
-- case: scores.alias.ref.has.shadow
SELECT group_concat(role || version, ',') = 'champion1,shadow2'
  FROM model_scores('runtime@production', feature_vector('threads', 4, 'input_gb', 5.0));
-- case: scores.fixed.version.no.shadow
SELECT group_concat(role || version, ',') = 'champion1' FROM model_scores('runtime@1', feature_vector('threads', 4, 'input_gb', 5.0));
-- case: scores.challenger.served.no.duplicate
SELECT group_concat(role || version, ',') = 'champion2' FROM model_scores('runtime@challenger', feature_vector('threads', 4, 'input_gb', 5.0));
-- case: scores.staging.shadow
SELECT model_alias('runtime', 'challenger', NULL) IS NULL AND model_alias('runtime', 'staging', 2) = 2;
-- case: scores.staging.shadow.rows
SELECT group_concat(role || version, ',') = 'champion1,shadow2' FROM model_scores('runtime', feature_vector('threads', 4, 'input_gb', 5.0));
INSERT INTO omen_predictions(run_key, name, version, role, predicted, lo, hi, at, features)
SELECT p.id, s.name, s.version, s.role, s.predicted, s.lo, s.hi, (SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')), p.fv
  FROM planned p, model_scores('runtime', p.fv) s;
-- case: scores.shadow.logged
SELECT count(*) = 100 AND sum(role = 'shadow' AND version = 2) = 50 AND sum(role = 'champion' AND version = 1) = 50 FROM omen_predictions;
-- the shadow row follows its champion row (id + 1), as predict_log writes
-- them and model_compare pairs them
-- case: scores.shadow.paired.ids
SELECT count(*) = 50 FROM omen_predictions c JOIN omen_predictions s ON s.id = c.id + 1
 WHERE c.role = 'champion' AND s.role = 'shadow' AND s.run_key = c.run_key;
-- behaviour 4: an alias moved between statements is followed
-- case: scores.promote
SELECT model_alias('runtime', 'production', 2) = 2;
-- case: scores.after.promote
SELECT group_concat(role || version, ',') = 'champion2' FROM model_scores('runtime', feature_vector('threads', 4, 'input_gb', 5.0));
-- binary models: a probability, no interval
-- case: scores.binary.train
SELECT model_save('failures', gbt_train(feature_vector('threads', threads, 'input_gb', input_gb), failed, '{"n_trees": 20, "objective": "binary"}')) = 1 FROM history;
-- case: scores.binary
SELECT predicted = predict_failure('failures', feature_vector('threads', 8, 'input_gb', 3.0)) AND lo IS NULL AND hi IS NULL AND predicted BETWEEN 0 AND 1
  FROM model_scores('failures', feature_vector('threads', 8, 'input_gb', 3.0));
-- behaviour 3: NULL model or NULL features give no rows
-- case: scores.null.features
SELECT count(*) = 0 FROM model_scores('runtime', NULL);
-- case: scores.null.model
SELECT count(*) = 0 FROM model_scores(NULL, feature_vector('threads', 2));
-- behaviour 5: usable in a trigger of a trusted schema: log each inserted run
CREATE TABLE runs(id INTEGER PRIMARY KEY, threads INTEGER, input_gb REAL, fv BLOB);
CREATE TRIGGER runs_log AFTER INSERT ON runs BEGIN
  INSERT INTO omen_predictions(run_key, name, version, role, predicted, lo, hi, at, features)
  SELECT NEW.id, name, version, role, predicted, lo, hi, strftime('%Y-%m-%d %H:%M:%f', 'now'), NEW.fv
    FROM model_scores('runtime', NEW.fv);
END;
DELETE FROM omen_predictions;
INSERT INTO runs(id, threads, input_gb) VALUES (7001, 2, 4.0), (7002, 8, 1.0);
UPDATE runs SET fv = feature_vector('threads', threads, 'input_gb', input_gb);
INSERT INTO runs SELECT id + 100, threads, input_gb, feature_vector('threads', threads, 'input_gb', input_gb) FROM runs;
-- case: scores.trigger.logged
SELECT count(*) = 2 AND min(run_key) = 7101 AND max(run_key) = 7102 AND min(version) = 2 AND min(role) = 'champion' FROM omen_predictions;
-- case: scores.trigger.values
SELECT count(*) = 2 FROM omen_predictions p JOIN runs r ON r.id = p.run_key WHERE p.predicted = predict('runtime', r.fv);
-- errors (behaviour 7)
-- case: scores.err.blob.model
-- error: model_scores(): model (argument 1) is BLOB; expected a registry reference such as 'runtime' (TEXT): rows name the version that scored them
SELECT * FROM model_scores(model_load('runtime'), feature_vector('threads', 2));
-- case: scores.err.coverage
-- error: model_scores(): coverage (argument 3) must be a number between 0 and 1 (exclusive), e.g. 0.9 for 90%
SELECT * FROM model_scores('runtime', feature_vector('threads', 2), 1);
-- case: scores.err.coverage.text
-- error: model_scores(): coverage (argument 3) must be a number between 0 and 1 (exclusive), e.g. 0.9 for 90%
SELECT * FROM model_scores('runtime', feature_vector('threads', 2), '0.5');
-- case: scores.err.no.features
-- error: model_scores(): needs a features argument: model_scores(model, features [, coverage])
SELECT * FROM model_scores('runtime');
-- case: scores.err.unknown
-- error: model_scores(): no model named 'nope' in omen_models
SELECT * FROM model_scores('nope', feature_vector('threads', 2));
-- case: scores.err.no.alias
-- error: model_scores(): model 'runtime' has no alias 'canary'
SELECT * FROM model_scores('runtime@canary', feature_vector('threads', 2));
-- case: scores.err.features.none
-- error: model_scores(): none of the model's features is in features (argument 2); check the names (they are case-sensitive; model_features(model) lists them)
SELECT * FROM model_scores('runtime', feature_vector('x', 2));
-- case: scores.err.features.type
-- error: model_scores(): feature "threads" in features is categorical but the model was trained with it numeric
SELECT * FROM model_scores('runtime', feature_vector('threads', 'four'));
-- case: scores.err.features.not.blob
-- error: model_scores(): features (argument 2) is INTEGER; expected a feature vector (a BLOB made by feature_vector())
SELECT * FROM model_scores('runtime', 3);
-- case: scores.err.features.damaged
-- error: model_scores(): features: not a feature vector
SELECT * FROM model_scores('runtime', x'0102');
-- case: scores.err.kind
SELECT model_save('sc', scaler_train(feature_vector('threads', threads))) = 1 FROM history;
-- case: scores.err.kind.msg
-- error: model_scores(): model 'sc@1' is a scaler model; expected a boosted-tree model (what predict_duration and predict_failure score)
SELECT * FROM model_scores('sc', feature_vector('threads', 2));
-- the shadow must accept the champion's inputs
-- case: scores.err.shadow.train
SELECT model_save('wide', gbt_train(feature_vector('threads', threads), duration_s, '{"n_trees": 10}'), 'production') = 1
   AND model_save('wide', gbt_train(feature_vector('host', 'h' || (id % 3)), duration_s, '{"n_trees": 10}'), 'challenger') = 2 FROM history;
-- case: scores.err.shadow.msg
-- error: model_scores(): the shadow version wide@2 cannot score this run: none of the model's features is in features (argument 2); check the names (they are case-sensitive; model_features(model) lists them)
SELECT * FROM model_scores('wide', feature_vector('threads', 2));
-- behaviour 8: a model argument is required
-- case: scores.err.no.model
-- error: no query solution
SELECT * FROM model_scores;
