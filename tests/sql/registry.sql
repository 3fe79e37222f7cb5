-- model_save(), model_load(), model references, model_info(), scaler_train()
-- and scale(): docs/model_save.md, docs/model_load.md, docs/model_info.md,
-- docs/scaler_train.md, docs/scale.md.
CREATE TABLE runs(id INTEGER PRIMARY KEY, x REAL, y INTEGER, h TEXT);
INSERT INTO runs VALUES (1, 1.0, 10, 'a'), (2, 2.0, 20, 'b'), (3, 3.0, NULL, 'a'), (4, 4.0, 40, NULL), (5, 5.0, 50, 'c');
CREATE TABLE fvs AS SELECT id, feature_vector('x', x, 'y', y, 'h', h) AS fv FROM runs;
INSERT INTO fvs VALUES (6, NULL);

-- errors before any registry exists
-- case: registry.err.no.table
-- error: model_load(): no model registry in this database (table omen_models does not exist); save a model with model_save() first
SELECT model_load('m');
-- case: registry.err.no.table.ref
-- error: scale(): no model registry in this database (table omen_models does not exist); save a model with model_save() first
SELECT scale('m', feature_vector('x', 1));

-- scaler_train
-- case: scaler.type
SELECT typeof(scaler_train(fv)) = 'blob' FROM fvs;
-- case: scaler.empty.null
SELECT scaler_train(fv) IS NULL FROM fvs WHERE 0;
-- case: scaler.only.null.rows
SELECT scaler_train(fv) IS NULL FROM fvs WHERE fv IS NULL;
-- case: scaler.info
SELECT json_extract(i, '$.kind') = 'scaler' AND json_extract(i, '$.rows_used') = 5 AND json_extract(i, '$.rows_skipped') = 1
   AND json_extract(i, '$.options.method') = 'standard' AND json_extract(i, '$.created_at') IS NULL
   AND json_extract(i, '$.features') = '[{"name":"h","type":"categorical"},{"name":"x","type":"numeric"},{"name":"y","type":"numeric"}]'
  FROM (SELECT model_info(scaler_train(fv)) AS i FROM fvs);
-- case: scaler.deterministic
SELECT (SELECT scaler_train(fv) FROM fvs) = (SELECT scaler_train(fv) FROM (SELECT fv FROM fvs ORDER BY id));
-- case: scaler.standard.values
SELECT feature_vector_json(scale(m, feature_vector('x', 3.0, 'y', 30))) = '{"x":0,"y":0}'
  FROM (SELECT scaler_train(fv) AS m FROM fvs);
-- case: scaler.standard.std
SELECT abs(json_extract(feature_vector_json(scale(m, feature_vector('x', 3.0 + sqrt(2.0)))), '$.x') - 1.0) < 1e-15
  FROM (SELECT scaler_train(fv) AS m FROM fvs);
-- case: scaler.minmax
SELECT feature_vector_json(scale(m, feature_vector('x', 5.0, 'y', 10))) = '{"x":1,"y":0}'
  FROM (SELECT scaler_train(fv, 'minmax') AS m FROM fvs);
-- case: scaler.robust
SELECT feature_vector_json(scale(m, feature_vector('x', 4.0))) = '{"x":0.5}'
  FROM (SELECT scaler_train(fv, 'robust') AS m FROM fvs);
-- case: scale.passthrough
SELECT json_extract(feature_vector_json(scale(m, feature_vector('h', 'a', 'other', 7, 'x', NULL))), '$') = json_object('h', 'xxh3:' || lower(substr(json_extract(feature_vector_json(feature_vector('h', 'a')), '$.h'), 6)), 'other', 7, 'x', NULL)
  FROM (SELECT scaler_train(fv) AS m FROM fvs);
-- case: scale.null.features
SELECT scale(m, NULL) IS NULL FROM (SELECT scaler_train(fv) AS m FROM fvs);
-- case: scale.null.model
SELECT scale(NULL, feature_vector('x', 1)) IS NULL;

-- registry
-- case: registry.save.first
SELECT model_save('runtime', scaler_train(fv)) = 1 FROM fvs;
-- case: registry.save.second
SELECT model_save('runtime', scaler_train(fv, 'minmax'), 'staging') = 2 FROM fvs;
-- case: registry.save.third
SELECT model_save('runtime', scaler_train(fv, 'robust')) = 3 FROM fvs;
-- case: registry.save.other
SELECT model_save('other', scaler_train(fv), 'production') = 1 FROM fvs;
-- case: registry.table
SELECT group_concat(name || ':' || version || ':' || kind || ':' || stage, ',') = 'other:1:scaler:production,runtime:1:scaler:none,runtime:2:scaler:staging,runtime:3:scaler:none'
  FROM (SELECT * FROM omen_models ORDER BY name, version);
-- case: registry.created_at
SELECT count(*) = 4 FROM omen_models WHERE created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
   AND json_extract(info, '$.created_at') = created_at
   AND json_extract(model_info(model), '$.created_at') = json_extract(info, '$.created_at');
-- case: registry.info.column
SELECT count(*) = 4 FROM omen_models WHERE info = model_info(model);
-- case: registry.load.newest
SELECT model_load('runtime') = (SELECT model FROM omen_models WHERE name = 'runtime' AND version = 3);
-- case: registry.load.version
SELECT model_load('runtime', 2) = (SELECT model FROM omen_models WHERE name = 'runtime' AND version = 2);
-- case: registry.load.stage
SELECT model_load('runtime', 'staging') = (SELECT model FROM omen_models WHERE name = 'runtime' AND version = 2);
-- case: registry.ref.at.version
SELECT json_extract(model_info('runtime@2'), '$.options.method') = 'minmax';
-- case: registry.ref.at.stage
SELECT json_extract(model_info('runtime@staging'), '$.options.method') = 'minmax';
-- case: registry.ref.newest
SELECT json_extract(model_info('runtime'), '$.options.method') = 'robust';
-- case: registry.ref.in.scale
SELECT feature_vector_json(scale('runtime@2', feature_vector('x', 5.0))) = '{"x":1}';
-- case: registry.promote
UPDATE omen_models SET stage = 'production' WHERE name = 'runtime' AND version = 1 RETURNING 1;
-- case: registry.production.wins
SELECT json_extract(model_info('runtime'), '$.options.method') = 'standard';
-- case: registry.load.production.wins
SELECT model_load('runtime') = (SELECT model FROM omen_models WHERE name = 'runtime' AND version = 1);
-- case: registry.per.row.cache
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 2000)
SELECT count(DISTINCT feature_vector_json(scale(CASE WHEN i % 2 THEN 'runtime@2' ELSE 'runtime@3' END, feature_vector('x', 4.0)))) = 2 FROM s;
-- case: registry.blob.subquery
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 2000)
SELECT sum(json_extract(feature_vector_json(scale((SELECT model FROM omen_models WHERE name = 'runtime' AND version = 2), feature_vector('x', i % 5 + 1))), '$.x')) = 1000 FROM s;

-- registry errors
-- case: registry.err.no.name
-- error: model_load(): no model named 'nope' in omen_models
SELECT model_load('nope');
-- case: registry.err.no.version
-- error: model_load(): model 'runtime' has no version 9
SELECT model_load('runtime', 9);
-- case: registry.err.no.stage
-- error: model_load(): model 'other' has no alias 'staging'
SELECT model_load('other', 'staging');
-- case: registry.err.bad.stage.load
-- error: model_load(): model 'runtime' has no alias 'prod'
SELECT model_load('runtime', 'prod');
-- case: registry.err.version.zero
-- error: model_load(): version (argument 2) is 0; expected 1 or more
SELECT model_load('runtime', 0);
-- case: registry.err.load.type
-- error: model_load(): argument 2 is 1.5; expected a version (a whole number, 1 or more) or an alias
SELECT model_load('runtime', 1.5);
-- case: registry.err.load.blob
-- error: model_load(): argument 2 is BLOB; expected a version (INTEGER) or an alias (TEXT)
SELECT model_load('runtime', x'01');
-- case: registry.load.version.text
SELECT model_load('runtime', '2') = model_load('runtime', 2);
-- case: registry.load.version.real
SELECT model_load('runtime', 2.0) = model_load('runtime', 2);
-- case: registry.err.load.name.type
-- error: model_load(): name (argument 1) is INTEGER; expected TEXT
SELECT model_load(7);
-- case: registry.err.ref.bad
-- error: model_info(): model 'runtime' has no alias 'beta'
SELECT model_info('runtime@beta');
-- case: registry.err.ref.noname
-- error: scale(): model reference '@3' has no name; expected 'name', 'name@version' or 'name@alias'
SELECT scale('@3', feature_vector('x', 1));
-- case: registry.err.ref.missing.version
-- error: scale(): model 'runtime' has no version 42
SELECT scale('runtime@42', feature_vector('x', 1));
-- case: registry.err.save.name.type
-- error: model_save(): name (argument 1) is NULL; expected TEXT
SELECT model_save(NULL, scaler_train(fv)) FROM fvs;
-- case: registry.err.save.name.at
-- error: model_save(): name 'a@b' contains '@' (reserved for 'name@version' references)
SELECT model_save('a@b', scaler_train(fv)) FROM fvs;
-- case: registry.err.save.name.brace
-- error: model_save(): name '{m}' starts with '{' (reserved: such a text is an options object, as in anomaly_ensemble)
SELECT model_save('{m}', scaler_train(fv)) FROM fvs;
-- case: registry.err.save.name.empty
-- error: model_save(): name '' is empty
SELECT model_save('', scaler_train(fv)) FROM fvs;
-- case: registry.err.save.model.type
-- error: model_save(): model (argument 2) is TEXT; expected a model BLOB
SELECT model_save('m', 'not a model');
-- case: registry.err.save.model.null
-- error: model_save(): model (argument 2) is NULL; expected a model BLOB (a training aggregate over no rows gives NULL)
SELECT model_save('m', NULL);
-- case: registry.err.save.corrupt
-- error: model_save(): model checksum mismatch
SELECT model_save('m', CAST(substr(m, 1, 60) || x'ff' || substr(m, 62) AS BLOB)) FROM (SELECT scaler_train(fv) AS m FROM fvs);
-- case: registry.err.save.foreign
-- error: model_save(): not an omen model
SELECT model_save('m', x'0011223344');
-- case: registry.err.save.stage
-- error: model_save(): alias (argument 3) 'pro d' may hold only ASCII letters, digits, '_', '-' and '.'
SELECT model_save('m', scaler_train(fv), 'pro d') FROM fvs;
-- case: registry.unchanged.after.errors
SELECT count(*) = 4 FROM omen_models;

-- model_info / scale errors
-- case: model_info.null
SELECT model_info(NULL) IS NULL;
-- case: model_info.err.int
-- error: model_info(): model is INTEGER; expected a model BLOB or a registry name (TEXT)
SELECT model_info(42);
-- case: model_info.err.truncated
-- error: model_info(): model is truncated or has trailing bytes (100 bytes; header says 650)
SELECT model_info(substr(model_load('runtime', 1), 1, 100));
-- case: model_info.err.short
-- error: model_info(): model is truncated (20 bytes)
SELECT model_info(substr(model_load('runtime', 1), 1, 20));
-- case: model_info.err.fv
-- error: model_info(): not an omen model: it is a feature vector (the model comes first, then the features)
SELECT model_info(feature_vector('a', 1));
-- case: model_info.err.version
-- error: model_info(): model format 3 is not supported (this build reads formats 1 to 2)
SELECT model_info(CAST(substr(model_load('runtime', 1), 1, 4) || x'03' || substr(model_load('runtime', 1), 6) AS BLOB));
-- case: scale.err.features.type
-- error: scale(): features (argument 2) is TEXT; expected a feature vector (a BLOB made by feature_vector())
SELECT scale('runtime', 'x');
-- case: scale.err.type.mismatch
-- error: scale(): feature "h" is numeric but the model has it categorical
SELECT scale('runtime@1', feature_vector('h', 3));
-- case: scale.err.corrupt.fv
-- error: scale(): not a feature vector
SELECT scale('runtime@1', x'00');
-- case: scaler.err.method
-- error: scaler_train(): method (argument 2) is 'fast'; expected 'standard', 'robust' or 'minmax'
SELECT scaler_train(fv, 'fast') FROM fvs;
-- case: scaler.err.method.type
-- error: scaler_train(): method (argument 2) is INTEGER; expected 'standard', 'robust' or 'minmax'
SELECT scaler_train(fv, 1) FROM fvs;
-- case: scaler.err.method.changes
-- error: scaler_train(): method changed from 'standard' to 'robust' between rows
SELECT scaler_train(fv, CASE WHEN id < 3 THEN 'standard' ELSE 'robust' END) FROM fvs;
-- case: scaler.err.features.type
-- error: scaler_train(): features (argument 1) is TEXT; expected a feature vector (a BLOB made by feature_vector())
SELECT scaler_train('x');
-- case: scaler.err.type.conflict
-- error: scaler_train(): feature "a" is numeric in one row and categorical in another
SELECT scaler_train(f) FROM (SELECT feature_vector('a', 1) AS f UNION ALL SELECT feature_vector('a', 'x'));
-- case: scaler.err.corrupt.row
-- error: scaler_train(): feature vector is corrupt (entry 1)
SELECT scaler_train(CAST(substr(feature_vector('abc', 1), 1, 14) AS BLOB));
