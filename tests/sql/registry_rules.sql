-- The registry's rules (ext/registry.c behaviours 1, 2, 3, 7; issue 8
-- findings 4, 6, 7, 12 and 18): which table is the registry, versions at the
-- edges, names, rowid shadowing, created_at, and user text in messages.
CREATE TABLE src(x REAL);
INSERT INTO src VALUES (1.0), (2.0), (4.0);
CREATE TABLE mods AS SELECT (SELECT scaler_train(feature_vector('x', x)) FROM src) AS std,
  (SELECT scaler_train(feature_vector('x', x), 'minmax') FROM src) AS mm;

-- 1. only main.omen_models is the registry; a registry elsewhere is named
ATTACH ':memory:' AS aux;
CREATE TABLE aux.omen_models(name, version, kind, stage, created_at, info, model);
-- case: rules.err.read.attached.only
-- error: model_load(): no model registry in the main database (table main.omen_models does not exist; the omen_models table in database 'aux' is not used: the registry is always the main database's); save a model with model_save() first
SELECT model_load('m');
-- case: rules.err.save.attached.only
-- error: model_save(): the registry is the main database's omen_models, which does not exist, and database 'aux' has an omen_models table that omen does not use; create main.omen_models (sql/registry.sql) or work in that database as main
SELECT model_save('m', std) FROM mods;
-- case: rules.attached.nothing.created
SELECT count(*) = 0 FROM main.sqlite_schema WHERE name = 'omen_models';
DETACH aux;
-- a TEMP table of that name: model_save still refuses to start a second registry
CREATE TEMP TABLE omen_models(x);
-- case: rules.err.save.temp.only
-- error: model_save(): the registry is the main database's omen_models, which does not exist, and database 'temp' has an omen_models table that omen does not use; create main.omen_models (sql/registry.sql) or work in that database as main
SELECT model_save('m', std) FROM mods;
DROP TABLE temp.omen_models;
-- case: rules.save.main
SELECT model_save('m', std) = 1 FROM mods;
-- once main.omen_models exists, a TEMP one neither shadows reads nor takes writes
CREATE TEMP TABLE omen_models AS SELECT * FROM main.omen_models;
UPDATE temp.omen_models SET model = (SELECT mm FROM mods);
-- case: rules.save.with.temp
SELECT model_save('m', mm) = 2 FROM mods;
-- case: rules.save.went.to.main
SELECT (SELECT count(*) FROM main.omen_models) = 2 AND (SELECT count(*) FROM temp.omen_models) = 1;
-- case: rules.read.main.not.temp
SELECT model_load('m@1') = (SELECT model FROM main.omen_models WHERE version = 1);
DROP TABLE temp.omen_models;
-- the table name is matched as SQL matches it (case-insensitively)
-- case: rules.table.name.case
SELECT count(*) = 2 FROM OMEN_MODELS;

-- 2./3. versions: the whole 1..2^63-1 range, whichever way they are written
UPDATE main.omen_models SET version = 9007199254740992 WHERE version = 2;
-- case: rules.ref.large.version
SELECT model_load('m@9007199254740992') = model_load('m', 9007199254740992);
-- case: rules.load.large.version.text
SELECT model_load('m', '9007199254740992') = model_load('m', 9007199254740992);
-- case: rules.load.large.version.real
SELECT model_load('m', 9007199254740992.0) = model_load('m', 9007199254740992);
-- case: rules.err.ref.version.overflow
-- error: model_load(): model reference 'm@9223372036854775808': version 9223372036854775808 is out of range (1 to 9223372036854775807)
SELECT model_load('m@9223372036854775808');
-- case: rules.err.ref.version.zero
-- error: model_load(): model reference 'm@0': version 0 is out of range (1 to 9223372036854775807)
SELECT model_load('m@0');
UPDATE main.omen_models SET version = 9223372036854775807 WHERE version = 9007199254740992;
-- case: rules.ref.max.version
SELECT model_load('m@9223372036854775807') = model_load('m', 9223372036854775807);
-- case: rules.err.save.max.version
-- error: model_save(): model 'm' already has the largest version (9223372036854775807); save it under another name
SELECT model_save('m', std) FROM mods;
-- case: rules.err.load.real.too.big
-- error: model_load(): argument 2 is 9.22337203685478e+18; expected a version (a whole number, 1 or more) or an alias
SELECT model_load('m', 9223372036854775808.0);
-- case: rules.save.other.name.after.max
SELECT model_save('m2', std) = 1 FROM mods;

-- 2. names: valid UTF-8 without NUL, at most 255 bytes
-- case: rules.err.save.name.not.utf8
-- error: model_save(): name 'a�b' is not valid UTF-8 without NUL bytes
SELECT model_save(CAST(x'61FF62' AS TEXT), std) FROM mods;
-- case: rules.err.save.name.nul
-- error: model_save(): name 'a' is not valid UTF-8 without NUL bytes
SELECT model_save(CAST(x'610062' AS TEXT), std) FROM mods;
-- case: rules.save.name.utf8
SELECT model_save('durée-€', std) = 1 FROM mods;
-- case: rules.load.name.utf8
SELECT model_load('durée-€') IS NOT NULL;


-- 7. rows are addressed by their true rowid: a column named _rowid_ (or
-- rowid, oid), or a WITHOUT ROWID table, never misdirects a reference
DROP TABLE main.omen_models;
CREATE TABLE omen_models(_rowid_ INTEGER, rowid INTEGER, oid INTEGER, name TEXT, version INTEGER, kind TEXT,
  stage TEXT, created_at TEXT, info TEXT, model BLOB, PRIMARY KEY (name, version));
INSERT INTO omen_models(_rowid_, rowid, oid, name, version, kind, stage, created_at, info, model)
  SELECT 2, 2, 2, 'a', 1, 'scaler', 'none', '2024-01-01 00:00:00', '{}', std FROM mods;
INSERT INTO omen_models(_rowid_, rowid, oid, name, version, kind, stage, created_at, info, model)
  SELECT 1, 1, 1, 'b', 1, 'scaler', 'none', '2024-01-01 00:00:00', '{}', mm FROM mods;
-- case: rules.shadow.rowid.a
SELECT scale('a', feature_vector('x', 4.0)) = scale(std, feature_vector('x', 4.0)) FROM mods;
-- case: rules.shadow.rowid.b
SELECT scale('b', feature_vector('x', 4.0)) = scale(mm, feature_vector('x', 4.0)) FROM mods;
-- case: rules.shadow.rowid.differ
SELECT scale('a', feature_vector('x', 4.0)) <> scale('b', feature_vector('x', 4.0));
-- case: rules.shadow.rowid.version
SELECT scale('a@1', feature_vector('x', 4.0)) = scale(std, feature_vector('x', 4.0)) FROM mods;
DROP TABLE omen_models;
-- only _rowid_ shadowed, the one name the fast path selects
CREATE TABLE omen_models(name TEXT, version INTEGER, kind TEXT, stage TEXT, created_at TEXT, info TEXT,
  model BLOB, _ROWID_ INTEGER, PRIMARY KEY (name, version));
INSERT INTO omen_models SELECT 'a', 1, 'scaler', 'none', '2024-01-01 00:00:00', '{}', std, 2 FROM mods;
INSERT INTO omen_models SELECT 'b', 1, 'scaler', 'none', '2024-01-01 00:00:00', '{}', mm, 1 FROM mods;
-- case: rules.shadow.underscore.rowid
SELECT scale('a', feature_vector('x', 4.0)) = scale(std, feature_vector('x', 4.0))
   AND scale('b', feature_vector('x', 4.0)) = scale(mm, feature_vector('x', 4.0)) FROM mods;
DROP TABLE omen_models;
CREATE TABLE omen_models(name TEXT, version INTEGER, kind TEXT, stage TEXT, created_at TEXT, info TEXT,
  model BLOB, PRIMARY KEY (name, version)) WITHOUT ROWID;
INSERT INTO omen_models SELECT 'a', 1, 'scaler', 'none', '2024-01-01 00:00:00', '{}', std FROM mods;
INSERT INTO omen_models SELECT 'b', 1, 'scaler', 'none', '2024-01-01 00:00:00', '{}', mm FROM mods;
-- case: rules.without.rowid
SELECT scale('a', feature_vector('x', 4.0)) = scale(std, feature_vector('x', 4.0))
   AND scale('b', feature_vector('x', 4.0)) = scale(mm, feature_vector('x', 4.0)) FROM mods;
-- an INTEGER PRIMARY KEY alias is the rowid itself
DROP TABLE omen_models;
CREATE TABLE omen_models(id INTEGER PRIMARY KEY, name TEXT, version INTEGER, kind TEXT, stage TEXT,
  created_at TEXT, info TEXT, model BLOB, UNIQUE (name, version));
INSERT INTO omen_models SELECT 7, 'a', 1, 'scaler', 'none', '2024-01-01 00:00:00', '{}', std FROM mods;
INSERT INTO omen_models SELECT 3, 'b', 1, 'scaler', 'none', '2024-01-01 00:00:00', '{}', mm FROM mods;
-- case: rules.ipk.alias
SELECT scale('a', feature_vector('x', 4.0)) = scale(std, feature_vector('x', 4.0))
   AND scale('b', feature_vector('x', 4.0)) = scale(mm, feature_vector('x', 4.0)) FROM mods;

-- a VIEW named omen_models is not a registry: one clear error everywhere
-- (it gave a false "out of memory" on the cache's fast path)
DROP TABLE omen_models;
CREATE TABLE vsrc AS SELECT 'a' AS name, 1 AS version, 'scaler' AS kind, 'none' AS stage, 'x' AS created_at,
  '{}' AS info, std AS model FROM mods;
CREATE VIEW omen_models AS SELECT * FROM vsrc;
-- case: rules.err.view.scale
-- error: scale(): no model registry in this database (main.omen_models is a view; the registry must be a table, see sql/registry.sql)
SELECT scale('a', feature_vector('x', 1.0));
-- case: rules.err.view.load
-- error: model_load(): no model registry in this database (main.omen_models is a view; the registry must be a table, see sql/registry.sql)
SELECT model_load('a');
-- case: rules.view.catalog.empty
SELECT count(*) = 0 FROM model_catalog;
-- case: rules.err.view.save
-- error: model_save(): cannot write omen_models: main.omen_models is a view; the registry must be a table (see sql/registry.sql)
SELECT model_save('b', std) FROM mods;

-- the table name is matched as SQL matches it, by every reader alike: a
-- registry declared OMEN_MODELS is the registry for scale() and for
-- model_catalog (which tested the exact lower-case name before)
DROP VIEW omen_models;
CREATE TABLE OMEN_MODELS(name TEXT, version INTEGER, kind TEXT, stage TEXT, created_at TEXT, info TEXT, model BLOB,
  PRIMARY KEY (name, version));
INSERT INTO OMEN_MODELS SELECT 'a', 1, 'scaler', 'none', '2024-01-01 00:00:00', '{}', std FROM mods;
-- case: rules.upper.case.registry
SELECT (SELECT count(*) FROM model_catalog WHERE name = 'a' AND error IS NULL) = 1
   AND scale('a', feature_vector('x', 4.0)) = scale(std, feature_vector('x', 4.0)) FROM mods;
