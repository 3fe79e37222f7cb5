-- The per-connection model cache (ext/model.c, docs/ARCHITECTURE.md
-- "Caching"): a model used by registry name is decoded once per connection,
-- yet every statement follows the registry as it is now.  Each change below
-- comes after the old model was used (so it is cached), and each check
-- compares with the model the registry now holds AND differs from the old
-- one, so a stale cache fails it.  All statements run on one connection.
CREATE TABLE runs(id INTEGER PRIMARY KEY, x REAL, y REAL);
INSERT INTO runs VALUES (1, 1.0, 10), (2, 2.0, 20), (3, 3.0, 25), (4, 4.0, 40), (5, 10.0, 55), (6, 6.0, 70);
CREATE TABLE fvs AS SELECT id, feature_vector('x', x, 'y', y) AS fv FROM runs;
-- Three standard scalers fitted on different rows: same features and
-- options, hence BLOBs of the same length, but different centres and scales.
CREATE TABLE mods AS SELECT (SELECT scaler_train(fv) FROM fvs) AS std, (SELECT scaler_train(fv) FROM fvs WHERE id <= 4) AS mm,
  (SELECT scaler_train(fv) FROM fvs WHERE id >= 3) AS rb;
-- A probe row, what each model scales it to (functions that may read the
-- registry cannot run in views, so these are tables).
CREATE TABLE probe AS SELECT feature_vector('x', 3.5, 'y', 31) AS p;
CREATE TABLE want AS SELECT feature_vector_json(scale(std, p)) AS std, feature_vector_json(scale(mm, p)) AS mm,
  feature_vector_json(scale(rb, p)) AS rb FROM mods, probe;

-- case: cache.setup.distinct
SELECT std <> mm AND mm <> rb AND std <> rb FROM want;
-- case: cache.setup.same.length
SELECT length(std) = length(mm) AND length(mm) = length(rb) FROM mods;

-- errors are not cached: a missing name, then the same name once it exists
-- case: cache.err.no.table
-- error: scale(): no model registry in this database (table omen_models does not exist); save a model with model_save() first
SELECT scale('m', p) FROM probe;
-- case: cache.save.other
SELECT model_save('other', rb) = 1 FROM mods;
-- case: cache.err.no.name
-- error: scale(): no model named 'm' in omen_models
SELECT scale('m', p) FROM probe;

-- first version, used twice (the second statement hits the cache)
-- case: cache.save.v1
SELECT model_save('m', std) = 1 FROM mods;
-- case: cache.v1
SELECT feature_vector_json(scale('m', p)) = (SELECT std FROM want) FROM probe;
-- case: cache.v1.again
SELECT feature_vector_json(scale('m', p)) = (SELECT std FROM want) FROM probe;
-- case: cache.v1.rows
SELECT count(*) = 6 FROM fvs WHERE scale('m', fv) = scale((SELECT std FROM mods), fv);

-- model_save of a new version: 'm' (no production version) is the newest
-- case: cache.save.v2
SELECT model_save('m', mm) = 2 FROM mods;
-- case: cache.new.version
SELECT feature_vector_json(scale('m', p)) = (SELECT mm FROM want) FROM probe;
-- case: cache.new.version.at1
SELECT feature_vector_json(scale('m@1', p)) = (SELECT std FROM want) FROM probe;
-- case: cache.new.version.both
SELECT feature_vector_json(scale('m', p)) = (SELECT mm FROM want) AND feature_vector_json(scale('m@1', p)) = (SELECT std FROM want)
   AND feature_vector_json(scale('m@2', p)) = (SELECT mm FROM want) FROM probe;

-- stage moves (plain UPDATEs)
UPDATE omen_models SET stage = 'production' WHERE name = 'm' AND version = 1;
-- case: cache.stage.production
SELECT feature_vector_json(scale('m', p)) = (SELECT std FROM want) FROM probe;
UPDATE omen_models SET stage = 'staging' WHERE name = 'm' AND version = 2;
-- case: cache.stage.staging.v2
SELECT feature_vector_json(scale('m@staging', p)) = (SELECT mm FROM want) FROM probe;
UPDATE omen_models SET stage = CASE version WHEN 1 THEN 'staging' ELSE 'none' END WHERE name = 'm';
-- case: cache.stage.staging.v1
SELECT feature_vector_json(scale('m@staging', p)) = (SELECT std FROM want) FROM probe;
-- case: cache.stage.production.gone
SELECT feature_vector_json(scale('m', p)) = (SELECT mm FROM want) FROM probe;
-- case: cache.err.stage.empty
-- error: scale(): model 'm' has no alias 'production'
SELECT scale('m@production', p) FROM probe;
UPDATE omen_models SET stage = 'production' WHERE name = 'm' AND version = 1;
-- case: cache.stage.production.again
SELECT feature_vector_json(scale('m@production', p)) = (SELECT std FROM want) FROM probe;

-- a direct UPDATE of the model column, same row, a BLOB of the same length
-- case: cache.update.before
SELECT feature_vector_json(scale('m', p)) = (SELECT std FROM want) AND feature_vector_json(scale('m@1', p)) = (SELECT std FROM want) FROM probe;
UPDATE omen_models SET model = (SELECT rb FROM mods) WHERE name = 'm' AND version = 1;
-- case: cache.update.model
SELECT feature_vector_json(scale('m', p)) = (SELECT rb FROM want) FROM probe;
-- case: cache.update.model.at1
SELECT feature_vector_json(scale('m@1', p)) = (SELECT rb FROM want) FROM probe;
-- case: cache.update.model.info
SELECT json_extract(model_info('m'), '$.rows_used') = 4 AND json_extract(model_info('m'), '$.features[0].name') = 'x';
-- and back to the bytes the cache saw first
UPDATE omen_models SET model = (SELECT std FROM mods) WHERE name = 'm' AND version = 1;
-- case: cache.update.model.back
SELECT feature_vector_json(scale('m', p)) = (SELECT std FROM want) FROM probe;

-- a direct UPDATE to something that is not a model BLOB
UPDATE omen_models SET model = 'not a blob' WHERE name = 'm' AND version = 1;
-- case: cache.err.not.blob
-- error: scale(): registry entry for 'm' does not hold a BLOB
SELECT scale('m', p) FROM probe;
UPDATE omen_models SET model = zeroblob(length(model)) WHERE name = 'other';
-- case: cache.err.zeroblob
-- error: model_info(): not an omen model
SELECT model_info('other');
UPDATE omen_models SET model = (SELECT std FROM mods) WHERE name = 'm' AND version = 1;
-- case: cache.not.blob.fixed
SELECT feature_vector_json(scale('m', p)) = (SELECT std FROM want) FROM probe;

-- DELETE, then a new row reusing the deleted rowid
CREATE TABLE old_rowid AS SELECT rowid AS r FROM omen_models WHERE name = 'm' AND version = 1;
-- (a version an alias points at cannot be deleted: the alias goes first)
UPDATE omen_models SET stage = 'none' WHERE name = 'm';
DELETE FROM omen_models WHERE name = 'm';
-- case: cache.err.deleted
-- error: scale(): no model named 'm' in omen_models
SELECT scale('m', p) FROM probe;
INSERT INTO omen_models(rowid, name, version, kind, stage, created_at, info, model)
  SELECT r, 'm', 1, 'scaler', 'production', '2024-01-01 00:00:00', model_info(mm), mm FROM old_rowid, mods;
-- case: cache.reinsert.same.rowid
SELECT (SELECT rowid FROM omen_models WHERE name = 'm') = (SELECT r FROM old_rowid);
-- case: cache.reinsert
SELECT feature_vector_json(scale('m', p)) = (SELECT mm FROM want) AND feature_vector_json(scale('m@1', p)) = (SELECT mm FROM want) FROM probe;

-- ROLLBACK of an update the cache saw inside the transaction
BEGIN;
UPDATE omen_models SET model = (SELECT std FROM mods) WHERE name = 'm';
-- case: cache.txn.inside
SELECT feature_vector_json(scale('m', p)) = (SELECT std FROM want) FROM probe;
ROLLBACK;
-- case: cache.txn.rolled.back
SELECT feature_vector_json(scale('m', p)) = (SELECT mm FROM want) FROM probe;
-- and of a model_save
BEGIN;
-- case: cache.txn.save
SELECT model_save('m', rb, 'production') = 2 FROM mods;
-- case: cache.txn.save.inside
SELECT feature_vector_json(scale('m', p)) = (SELECT rb FROM want) FROM probe;
ROLLBACK;
-- case: cache.txn.save.rolled.back
SELECT feature_vector_json(scale('m', p)) = (SELECT mm FROM want) FROM probe;
-- case: cache.err.txn.version.gone
-- error: scale(): model 'm' has no version 2
SELECT scale('m@2', p) FROM probe;

-- a temp table of the same name is not the registry: main's is used
CREATE TEMP TABLE omen_models AS SELECT * FROM main.omen_models;
UPDATE temp.omen_models SET model = (SELECT rb FROM mods) WHERE name = 'm';
-- case: cache.temp.not.used
SELECT feature_vector_json(scale('m', p)) = (SELECT mm FROM want) FROM probe;
DROP TABLE temp.omen_models;
-- case: cache.temp.dropped
SELECT feature_vector_json(scale('m', p)) = (SELECT mm FROM want) FROM probe;

-- the registry in an attached database, and main's dropped and recreated
ATTACH ':memory:' AS aux;
CREATE TABLE aux.omen_models AS SELECT * FROM main.omen_models;
UPDATE aux.omen_models SET model = (SELECT std FROM mods);
-- case: cache.attached.not.used
SELECT feature_vector_json(scale('m', p)) = (SELECT mm FROM want) FROM probe;
DROP TABLE main.omen_models;
-- case: cache.err.dropped
-- error: scale(): no model registry in the main database (table main.omen_models does not exist; the omen_models table in database 'aux' is not used: the registry is always the main database's); save a model with model_save() first
SELECT scale('m', p) FROM probe;
DROP TABLE aux.omen_models;
-- case: cache.recreated.save
SELECT model_save('m', rb) = 1 FROM mods;
-- case: cache.recreated
SELECT feature_vector_json(scale('m', p)) = (SELECT rb FROM want) FROM probe;
DETACH aux;

-- several references in one statement, rows of one statement, and NULLs
-- case: cache.save.s2
SELECT model_save('s2', std) = 1 FROM mods;
-- case: cache.many.refs
SELECT count(*) = 6 FROM fvs WHERE scale('m', fv) = scale((SELECT rb FROM mods), fv) AND scale('s2', fv) = scale((SELECT std FROM mods), fv)
   AND scale('m@1', fv) = scale('m', fv);
-- case: cache.ref.column
SELECT count(*) = 12 FROM fvs, (SELECT 'm' AS r, (SELECT rb FROM mods) AS b UNION ALL SELECT 's2', (SELECT std FROM mods)) AS refs
 WHERE scale(r, fv) = scale(b, fv);
-- case: cache.null.model
SELECT scale(NULL, p) IS NULL FROM probe;

-- boosted trees: predict_duration by name follows a new version
CREATE TABLE g AS WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 400)
  SELECT i, feature_vector('a', i % 13, 'h', 'h' || (i % 3)) AS f, 1 + (i % 13) * 2 + (i % 3) AS y FROM s;
CREATE TABLE gm AS SELECT (SELECT gbt_train(f, y, '{"n_trees": 5}') FROM g) AS g1,
  (SELECT gbt_train(f, y * 3, '{"n_trees": 7}') FROM g) AS g2;
-- case: cache.gbt.save.v1
SELECT model_save('g', g1) = 1 FROM gm;
-- case: cache.gbt.v1
SELECT count(*) = 400 FROM g, gm WHERE predict_duration('g', f) = predict_duration(g1, f) AND predict_duration('g', f) <> predict_duration(g2, f);
-- case: cache.gbt.save.v2
SELECT model_save('g', g2) = 2 FROM gm;
-- case: cache.gbt.v2
SELECT count(*) = 400 FROM g, gm WHERE predict_duration('g', f) = predict_duration(g2, f) AND predict_duration('g@1', f) = predict_duration(g1, f);
UPDATE omen_models SET model = (SELECT g1 FROM gm) WHERE name = 'g' AND version = 2;
-- case: cache.gbt.update
SELECT predict_duration('g', feature_vector('a', 4, 'h', 'h1')) = predict_duration(g1, feature_vector('a', 4, 'h', 'h1')) FROM gm;
-- a scaler name where a gbt model is expected, and the other way round
-- case: cache.err.kind
-- error: predict_duration(): model 'm' is a scaler model; expected a gbt model
SELECT predict_duration('m', feature_vector('a', 1));
-- case: cache.err.kind.other
-- error: scale(): model 'g' is a gbt model; expected a scaler model
SELECT scale('g', feature_vector('a', 1));
