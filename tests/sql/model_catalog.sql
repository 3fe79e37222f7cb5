-- Finding 17: model_catalog, model_metrics, model_options (ext/model_catalog.c):
-- the registry main.omen_models as plain columns.  docs/model_catalog.md,
-- docs/model_metrics.md, docs/model_options.md.

-- No registry: empty, not an error, for all three.
-- case: catalog.no.table
SELECT (SELECT count(*) FROM model_catalog) + (SELECT count(*) FROM model_metrics)
     + (SELECT count(*) FROM model_options) = 0;

-- A registry only in an attached database or in temp is not the registry.
ATTACH ':memory:' AS other;
CREATE TABLE other.omen_models(name, version, kind, stage, created_at, info, model);
INSERT INTO other.omen_models VALUES ('elsewhere', 1, 'gbt', 'none', '2020-01-01 00:00:00', '{}', x'00');
CREATE TEMP TABLE omen_models(name, version, kind, stage, created_at, info, model);
INSERT INTO temp.omen_models VALUES ('tmp', 1, 'gbt', 'none', '2020-01-01 00:00:00', '{}', x'00');
-- case: catalog.not.attached.or.temp
SELECT count(*) = 0 FROM model_catalog;
DROP TABLE temp.omen_models;
-- (model_save refuses to start main.omen_models beside another omen_models)
DETACH other;

CREATE TABLE runs AS
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
SELECT i AS id, 2 << (i % 3) AS threads, (i % 10) * 1.5 AS gb, 10.0 + (i % 10) * 3 + 40.0 / (2 << (i % 3)) AS duration_s
FROM n;
SELECT model_save('dur', gbt_train(feature_vector('threads', threads, 'gb', gb), duration_s, '{"n_trees": 4, "seed": 7, "calibration_fraction": 0}'))
  FROM (SELECT * FROM runs ORDER BY id);
SELECT model_save('dur', gbt_train(feature_vector('threads', threads, 'gb', gb), duration_s,
                                   '{"n_trees": 4, "objective": "quantile", "alpha": 0.9, "validation_fraction": 0.2}'), 'staging')
  FROM (SELECT * FROM runs ORDER BY id);
SELECT model_save('sc', scaler_train(feature_vector('threads', threads))) FROM runs;

-- Rows, order and values against model_info() and the registry columns.
-- case: catalog.rows
SELECT group_concat(name || '@' || version || ':' || stage || ':' || kind || ':' || coalesce(objective, '-') || ':' || n_features, ' ')
       = 'dur@1:none:gbt:duration:2 dur@2:staging:gbt:quantile:2 sc@1:none:scaler:-:1'
  FROM model_catalog;
-- is_current marks the row a bare name resolves to (registry.c behaviour 3):
-- with no production version, the newest; with one, the newest production
-- case: catalog.is_current.newest
SELECT group_concat(name || '@' || version, ' ') = 'dur@2 sc@1' FROM model_catalog WHERE is_current;
UPDATE main.omen_models SET stage = 'production' WHERE name = 'dur' AND version = 1;
-- case: catalog.is_current.production
SELECT group_concat(name || '@' || version || '=' || is_current, ' ') = 'dur@1=1 dur@2=0 sc@1=1'
   AND (SELECT model_load('dur') = model FROM main.omen_models WHERE name = 'dur' AND version = 1)
  FROM model_catalog;
UPDATE main.omen_models SET stage = 'none' WHERE name = 'dur' AND version = 1;
-- case: catalog.matches.model_info
SELECT count(*) = 3
   AND min(c.rows_used = json_extract(model_info(r.model), '$.rows_used')
       AND c.rows_skipped = json_extract(model_info(r.model), '$.rows_skipped')
       AND c.seed = json_extract(model_info(r.model), '$.seed')
       AND c.format_version = json_extract(model_info(r.model), '$.format_version')
       AND c.payload_version = json_extract(model_info(r.model), '$.payload_version')
       AND c.size_bytes = json_extract(model_info(r.model), '$.size_bytes')
       AND c.checksum = json_extract(model_info(r.model), '$.checksum')
       AND c.created_at IS r.created_at AND c.stage IS r.stage)
  FROM model_catalog AS c JOIN main.omen_models AS r USING (name, version);
-- case: catalog.seed
SELECT seed = 7 FROM model_catalog WHERE name = 'dur' AND version = 1;
-- case: catalog.types
SELECT typeof(name) || typeof(version) || typeof(stage) || typeof(created_at) || typeof(kind) || typeof(n_features)
       || typeof(rows_used) || typeof(size_bytes) || typeof(checksum) || typeof(error)
       = 'textintegertexttexttextintegerintegerintegertextnull'
  FROM model_catalog WHERE name = 'sc';
-- Declared types, which ODBC drivers report.
-- case: catalog.declared.types
SELECT group_concat(name || ' ' || type, ', ') = 'name VARCHAR(255), version INTEGER, stage VARCHAR(16), created_at VARCHAR(19), kind VARCHAR(16), objective VARCHAR(16), n_features INTEGER, rows_used INTEGER, rows_skipped INTEGER, seed INTEGER, format_version INTEGER, payload_version INTEGER, size_bytes INTEGER, checksum VARCHAR(16), error VARCHAR(255), is_current INTEGER'
  FROM pragma_table_info('model_catalog');
-- case: metrics.declared.types
SELECT (SELECT group_concat(name || ' ' || type, ', ') FROM pragma_table_info('model_metrics')) = 'name VARCHAR(255), version INTEGER, metric VARCHAR(64), value REAL'
   AND (SELECT group_concat(name || ' ' || type, ', ') FROM pragma_table_info('model_options')) = 'name VARCHAR(255), version INTEGER, option VARCHAR(64), value TEXT';

-- model_metrics: every key of every model's metrics, values as REAL; a
-- null metric is NULL.
-- case: metrics.all
SELECT count(*) = (SELECT count(*) FROM main.omen_models AS r, json_each(model_info(r.model), '$.metrics'))
   AND min(m.value IS json_extract(model_info(r.model), '$.metrics.' || m.metric))
   AND min(m.value IS NULL OR typeof(m.value) = 'real')
  FROM model_metrics AS m JOIN main.omen_models AS r USING (name, version);
-- case: metrics.null.value
SELECT value IS NULL FROM model_metrics WHERE name = 'dur' AND version = 1 AND metric = 'validation_metric';
-- case: metrics.validation
SELECT value > 0 FROM model_metrics WHERE name = 'dur' AND version = 2 AND metric = 'validation_metric';
-- model_options: in stored order, with SQL types.
-- case: options.order
SELECT group_concat(option, ',') = (SELECT group_concat(key, ',') FROM json_each(model_info('dur@2'), '$.options'))
  FROM model_options WHERE name = 'dur' AND version = 2;
-- case: options.types
SELECT (SELECT typeof(value) FROM model_options WHERE name = 'dur' AND version = 2 AND option = 'alpha') = 'real'
   AND (SELECT typeof(value) FROM model_options WHERE name = 'dur' AND version = 2 AND option = 'n_trees') = 'integer'
   AND (SELECT value FROM model_options WHERE name = 'dur' AND version = 2 AND option = 'objective') = 'quantile';

-- Damaged rows: listed with an error in the catalog, skipped by the long
-- forms; the scan goes on.
INSERT INTO main.omen_models(name, version, kind, stage, created_at, info, model)
SELECT 'bad', 1, kind, stage, created_at, info, CAST(substr(model, 1, length(model) - 1) AS BLOB) FROM main.omen_models WHERE name = 'sc';
INSERT INTO main.omen_models(name, version, kind, stage, created_at, info, model)
SELECT 'bad', 2, kind, stage, created_at, info, x'' FROM main.omen_models WHERE name = 'sc';
INSERT INTO main.omen_models(name, version, kind, stage, created_at, info, model)
SELECT 'bad', 3, kind, stage, created_at, info, 42 FROM main.omen_models WHERE name = 'sc';
INSERT INTO main.omen_models(name, version, kind, stage, created_at, info, model)
SELECT 'bad', 4, kind, stage, created_at, info, feature_vector('x', 1) FROM main.omen_models WHERE name = 'sc';
-- case: catalog.damaged
SELECT group_concat(version || ':' || error, ' | ')
       = '1:model is truncated or has trailing bytes (261 bytes; header says 262) | 2:not an omen model | 3:the model column holds INTEGER, not a model BLOB | 4:not an omen model: it is a feature vector (the model comes first, then the features)'
   AND count(kind) + count(objective) + count(n_features) + count(rows_used) + count(size_bytes) + count(checksum) = 0
  FROM model_catalog WHERE name = 'bad';
-- case: catalog.damaged.same.as.model_info
SELECT count(*) = 1 FROM model_catalog WHERE name = 'sc' AND error IS NULL;
-- case: catalog.scan.continues
SELECT count(*) = 7 AND count(error) = 4 FROM model_catalog;
-- case: metrics.skip.damaged
SELECT count(*) = 0 FROM model_metrics WHERE name = 'bad';
-- case: options.skip.damaged
SELECT (SELECT count(*) FROM model_options WHERE name = 'bad') = 0 AND (SELECT count(*) FROM model_options WHERE name = 'sc') = 1;

-- With main.omen_models in place, attached and temp tables of that name are
-- still not read.
ATTACH ':memory:' AS other;
CREATE TABLE other.omen_models(name, version, kind, stage, created_at, info, model);
INSERT INTO other.omen_models VALUES ('elsewhere', 1, 'gbt', 'none', '2020-01-01 00:00:00', '{}', x'00');
CREATE TEMP TABLE omen_models(name, version, kind, stage, created_at, info, model);
INSERT INTO temp.omen_models VALUES ('tmp', 1, 'gbt', 'none', '2020-01-01 00:00:00', '{}', x'00');
-- case: catalog.main.only
SELECT count(*) = 7 AND sum(name IN ('elsewhere', 'tmp')) = 0 FROM model_catalog;
DROP TABLE temp.omen_models;
DETACH other;

-- Joins and repeated scans (the cursor is re-filtered).
-- case: catalog.join.metrics
SELECT count(*) = 2 FROM model_catalog AS c JOIN model_metrics AS m USING (name, version)
 WHERE c.kind = 'gbt' AND m.metric = 'trees';
-- case: catalog.correlated
SELECT min((SELECT count(*) FROM model_catalog AS c WHERE c.name = r.name) >= 1) FROM main.omen_models AS r;

-- A table called omen_models that is not a registry is an error naming the vtab.
ALTER TABLE main.omen_models RENAME TO keep;
CREATE TABLE main.omen_models(name, version, stage, created_at);
-- case: catalog.err.not.registry
-- error: model_catalog(): cannot read omen_models: no such column: model
SELECT * FROM model_catalog;
-- case: metrics.err.not.registry
-- error: model_metrics(): cannot read omen_models: no such column: model
SELECT * FROM model_metrics;
-- case: options.err.not.registry
-- error: model_options(): cannot read omen_models: no such column: model
SELECT * FROM model_options;
DROP TABLE main.omen_models;
-- A view named omen_models is not a registry table either: no rows.
CREATE VIEW omen_models AS SELECT * FROM keep;
-- case: catalog.view.not.registry
SELECT count(*) = 0 FROM model_catalog;
DROP VIEW omen_models;
ALTER TABLE keep RENAME TO omen_models;

-- They read models, so they follow PRAGMA trusted_schema (omen.c behaviour
-- 4): views and triggers may use them in a trusted schema (the default) and
-- SQLite refuses them there when trusted_schema is OFF.
CREATE VIEW v_catalog AS SELECT * FROM model_catalog;
CREATE VIEW v_metrics AS SELECT * FROM model_metrics;
CREATE VIEW v_options AS SELECT * FROM model_options;
-- case: catalog.view.trusted
SELECT (SELECT count(*) FROM v_catalog) = (SELECT count(*) FROM model_catalog);
-- case: metrics.view.trusted
SELECT (SELECT count(*) FROM v_metrics) = (SELECT count(*) FROM model_metrics) AND (SELECT count(*) FROM v_metrics) > 0;
-- case: options.view.trusted
SELECT (SELECT count(*) FROM v_options) = (SELECT count(*) FROM model_options) AND (SELECT count(*) FROM v_options) > 0;
CREATE TABLE log(n);
CREATE TABLE seen(n);
CREATE TRIGGER t AFTER INSERT ON log BEGIN INSERT INTO seen SELECT count(*) FROM model_catalog; END;
-- case: catalog.trigger.trusted
INSERT INTO log VALUES (1) RETURNING n;
-- case: catalog.trigger.trusted.ran
SELECT (SELECT n FROM seen) = (SELECT count(*) FROM model_catalog);
PRAGMA trusted_schema = OFF;
-- case: catalog.untrusted.view
-- error: unsafe use of virtual table "model_catalog"
SELECT * FROM v_catalog;
-- case: metrics.untrusted.view
-- error: unsafe use of virtual table "model_metrics"
SELECT * FROM v_metrics;
-- case: options.untrusted.view
-- error: unsafe use of virtual table "model_options"
SELECT * FROM v_options;
-- case: catalog.untrusted.trigger
-- error: unsafe use of virtual table "model_catalog"
INSERT INTO log VALUES (2);
PRAGMA trusted_schema = ON;
