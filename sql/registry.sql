-- The omen model registry: ordinary tables and views any SQLite client (ODBC
-- included) can read.  omen creates them on its first write (model_save,
-- model_alias, model_rollback, model_tag, predict_log), upgrading a registry
-- made before aliases in place; this file is the same definition, for tools
-- that want the schema up front (written by tools/registry_sql.py from
-- ext/aliases.c; tests/registry_schema_test.py checks they agree).
-- docs/registry.md explains every table, view and trigger.
--
--   omen_models        one row per saved version (stage follows the aliases)
--   omen_aliases       the version each (name, alias) points at
--   omen_model_events  every save and alias move, in order
--   omen_model_tags    free-form key/value per version
--   omen_predictions   the prediction log (predict_log)
--   omen_registry      view: one row per name and alias (alias NULL: what
--                      the bare name means), for BI tools
--   omen_alias_history view: one row per interval an alias pointed at a version
--
-- Move an alias:  SELECT model_alias('runtime', 'production', 3);
-- Undo the move:  SELECT model_rollback('runtime');
CREATE TABLE IF NOT EXISTS main.omen_models(
  name       TEXT NOT NULL,
  version    INTEGER NOT NULL CHECK (version >= 1),
  kind       TEXT NOT NULL,
  stage      TEXT NOT NULL DEFAULT 'none'
             CHECK (stage IN ('none','staging','production','archived')),
  created_at TEXT NOT NULL,
  info       TEXT NOT NULL,
  model      BLOB NOT NULL,
  PRIMARY KEY (name, version)
);
CREATE TABLE IF NOT EXISTS main.omen_aliases(
  name    TEXT NOT NULL,
  alias   TEXT NOT NULL,
  version INTEGER NOT NULL CHECK (version >= 1),
  PRIMARY KEY (name, alias)
);
CREATE TABLE IF NOT EXISTS main.omen_model_events(
  id           INTEGER PRIMARY KEY,
  name         TEXT NOT NULL,
  alias        TEXT,
  from_version INTEGER,
  to_version   INTEGER,
  at           TEXT NOT NULL,
  note         TEXT
);
CREATE INDEX IF NOT EXISTS main.omen_model_events_alias ON omen_model_events(name, alias, id);
CREATE TABLE IF NOT EXISTS main.omen_model_tags(
  name    TEXT NOT NULL,
  version INTEGER NOT NULL,
  key     TEXT NOT NULL,
  value   TEXT NOT NULL,
  set_at  TEXT NOT NULL,
  PRIMARY KEY (name, version, key)
);
CREATE TABLE IF NOT EXISTS main.omen_predictions(
  id        INTEGER PRIMARY KEY,
  run_key   NOT NULL,
  name      TEXT NOT NULL,
  version   INTEGER NOT NULL,
  role      TEXT NOT NULL CHECK (role IN ('champion', 'shadow')),
  predicted REAL,
  lo        REAL,
  hi        REAL,
  at        TEXT NOT NULL,
  features  BLOB
);
CREATE INDEX IF NOT EXISTS main.omen_predictions_model ON omen_predictions(name, version, role, id);
CREATE INDEX IF NOT EXISTS main.omen_predictions_run ON omen_predictions(run_key);
CREATE TRIGGER IF NOT EXISTS main.omen_models_saved AFTER INSERT ON omen_models BEGIN
  INSERT INTO omen_model_events(name, alias, from_version, to_version, at, note)
  VALUES (NEW.name, NULL, NULL, NEW.version, strftime('%Y-%m-%d %H:%M:%f', 'now'), 'saved');
  DELETE FROM omen_aliases WHERE name = NEW.name AND version = NEW.version
    AND alias IN ('staging', 'production', 'archived') AND alias IS NOT NEW.stage;
  UPDATE omen_aliases SET version = NEW.version WHERE name = NEW.name AND alias = NEW.stage;
  INSERT INTO omen_aliases(name, alias, version) SELECT NEW.name, NEW.stage, NEW.version
   WHERE NEW.stage <> 'none' AND NOT EXISTS (SELECT 1 FROM omen_aliases AS a
                                            WHERE a.name = NEW.name AND a.alias = NEW.stage);
  UPDATE omen_model_events SET note = 'stage written in omen_models'
   WHERE name = NEW.name AND alias IS NOT NULL AND note IS NULL AND at = strftime('%Y-%m-%d %H:%M:%f', 'now');
  UPDATE omen_models SET stage = (SELECT CASE WHEN sum(a.alias = 'production') THEN 'production' WHEN sum(a.alias = 'staging') THEN 'staging' WHEN sum(a.alias = 'archived') THEN 'archived' ELSE 'none' END FROM omen_aliases AS a WHERE a.name = NEW.name AND a.version = NEW.version) WHERE name = NEW.name AND version = NEW.version AND stage IS NOT (SELECT CASE WHEN sum(a.alias = 'production') THEN 'production' WHEN sum(a.alias = 'staging') THEN 'staging' WHEN sum(a.alias = 'archived') THEN 'archived' ELSE 'none' END FROM omen_aliases AS a WHERE a.name = NEW.name AND a.version = NEW.version);
END;
CREATE TRIGGER IF NOT EXISTS main.omen_models_stage AFTER UPDATE OF stage ON omen_models
WHEN NEW.stage IS NOT (SELECT CASE WHEN sum(a.alias = 'production') THEN 'production' WHEN sum(a.alias = 'staging') THEN 'staging' WHEN sum(a.alias = 'archived') THEN 'archived' ELSE 'none' END FROM omen_aliases AS a WHERE a.name = NEW.name AND a.version = NEW.version) BEGIN
  DELETE FROM omen_aliases WHERE name = NEW.name AND version = NEW.version
    AND alias IN ('staging', 'production', 'archived') AND alias IS NOT NEW.stage;
  UPDATE omen_aliases SET version = NEW.version WHERE name = NEW.name AND alias = NEW.stage;
  INSERT INTO omen_aliases(name, alias, version) SELECT NEW.name, NEW.stage, NEW.version
   WHERE NEW.stage <> 'none' AND NOT EXISTS (SELECT 1 FROM omen_aliases AS a
                                            WHERE a.name = NEW.name AND a.alias = NEW.stage);
  UPDATE omen_model_events SET note = 'stage written in omen_models'
   WHERE name = NEW.name AND alias IS NOT NULL AND note IS NULL AND at = strftime('%Y-%m-%d %H:%M:%f', 'now');
  UPDATE omen_models SET stage = (SELECT CASE WHEN sum(a.alias = 'production') THEN 'production' WHEN sum(a.alias = 'staging') THEN 'staging' WHEN sum(a.alias = 'archived') THEN 'archived' ELSE 'none' END FROM omen_aliases AS a WHERE a.name = NEW.name AND a.version = NEW.version) WHERE name = NEW.name AND version = NEW.version AND stage IS NOT (SELECT CASE WHEN sum(a.alias = 'production') THEN 'production' WHEN sum(a.alias = 'staging') THEN 'staging' WHEN sum(a.alias = 'archived') THEN 'archived' ELSE 'none' END FROM omen_aliases AS a WHERE a.name = NEW.name AND a.version = NEW.version);
END;
CREATE TRIGGER IF NOT EXISTS main.omen_models_delete BEFORE DELETE ON omen_models
WHEN EXISTS (SELECT 1 FROM omen_aliases AS a WHERE a.name = OLD.name AND a.version = OLD.version) BEGIN
  SELECT RAISE(ABORT, 'an alias points at this version of the model: move or remove it first with model_alias(name, alias, version)');
END;
CREATE TRIGGER IF NOT EXISTS main.omen_aliases_insert AFTER INSERT ON omen_aliases BEGIN
  INSERT INTO omen_model_events(name, alias, from_version, to_version, at, note)
  VALUES (NEW.name, NEW.alias, NULL, NEW.version, strftime('%Y-%m-%d %H:%M:%f', 'now'), NULL);
  UPDATE omen_models SET stage = (SELECT CASE WHEN sum(a.alias = 'production') THEN 'production' WHEN sum(a.alias = 'staging') THEN 'staging' WHEN sum(a.alias = 'archived') THEN 'archived' ELSE 'none' END FROM omen_aliases AS a WHERE a.name = NEW.name AND a.version = NEW.version) WHERE name = NEW.name AND version = NEW.version AND stage IS NOT (SELECT CASE WHEN sum(a.alias = 'production') THEN 'production' WHEN sum(a.alias = 'staging') THEN 'staging' WHEN sum(a.alias = 'archived') THEN 'archived' ELSE 'none' END FROM omen_aliases AS a WHERE a.name = NEW.name AND a.version = NEW.version);
END;
CREATE TRIGGER IF NOT EXISTS main.omen_aliases_rename BEFORE UPDATE OF name, alias ON omen_aliases
WHEN NEW.name IS NOT OLD.name OR NEW.alias IS NOT OLD.alias BEGIN
  SELECT RAISE(ABORT, 'omen_aliases: an alias row keeps its name and alias; change its version, or delete it and insert another');
END;
CREATE TRIGGER IF NOT EXISTS main.omen_aliases_move AFTER UPDATE OF version ON omen_aliases
WHEN NEW.version IS NOT OLD.version BEGIN
  INSERT INTO omen_model_events(name, alias, from_version, to_version, at, note)
  VALUES (NEW.name, NEW.alias, OLD.version, NEW.version, strftime('%Y-%m-%d %H:%M:%f', 'now'), NULL);
  UPDATE omen_models SET stage = (SELECT CASE WHEN sum(a.alias = 'production') THEN 'production' WHEN sum(a.alias = 'staging') THEN 'staging' WHEN sum(a.alias = 'archived') THEN 'archived' ELSE 'none' END FROM omen_aliases AS a WHERE a.name = OLD.name AND a.version = OLD.version) WHERE name = OLD.name AND version = OLD.version AND stage IS NOT (SELECT CASE WHEN sum(a.alias = 'production') THEN 'production' WHEN sum(a.alias = 'staging') THEN 'staging' WHEN sum(a.alias = 'archived') THEN 'archived' ELSE 'none' END FROM omen_aliases AS a WHERE a.name = OLD.name AND a.version = OLD.version);
  UPDATE omen_models SET stage = (SELECT CASE WHEN sum(a.alias = 'production') THEN 'production' WHEN sum(a.alias = 'staging') THEN 'staging' WHEN sum(a.alias = 'archived') THEN 'archived' ELSE 'none' END FROM omen_aliases AS a WHERE a.name = NEW.name AND a.version = NEW.version) WHERE name = NEW.name AND version = NEW.version AND stage IS NOT (SELECT CASE WHEN sum(a.alias = 'production') THEN 'production' WHEN sum(a.alias = 'staging') THEN 'staging' WHEN sum(a.alias = 'archived') THEN 'archived' ELSE 'none' END FROM omen_aliases AS a WHERE a.name = NEW.name AND a.version = NEW.version);
END;
CREATE TRIGGER IF NOT EXISTS main.omen_aliases_delete AFTER DELETE ON omen_aliases BEGIN
  INSERT INTO omen_model_events(name, alias, from_version, to_version, at, note)
  VALUES (OLD.name, OLD.alias, OLD.version, NULL, strftime('%Y-%m-%d %H:%M:%f', 'now'), NULL);
  UPDATE omen_models SET stage = (SELECT CASE WHEN sum(a.alias = 'production') THEN 'production' WHEN sum(a.alias = 'staging') THEN 'staging' WHEN sum(a.alias = 'archived') THEN 'archived' ELSE 'none' END FROM omen_aliases AS a WHERE a.name = OLD.name AND a.version = OLD.version) WHERE name = OLD.name AND version = OLD.version AND stage IS NOT (SELECT CASE WHEN sum(a.alias = 'production') THEN 'production' WHEN sum(a.alias = 'staging') THEN 'staging' WHEN sum(a.alias = 'archived') THEN 'archived' ELSE 'none' END FROM omen_aliases AS a WHERE a.name = OLD.name AND a.version = OLD.version);
END;
CREATE VIEW IF NOT EXISTS main.omen_alias_history AS
  SELECT e.name, e.alias, e.to_version AS version, e.at AS from_at,
         lead(e.at) OVER (PARTITION BY e.name, e.alias ORDER BY e.id) AS until_at, e.note, e.id AS event_id
    FROM omen_model_events AS e WHERE e.alias IS NOT NULL;
CREATE VIEW IF NOT EXISTS main.omen_registry AS
  WITH target(name, alias, version) AS (
    SELECT name, alias, version FROM omen_aliases
    UNION ALL
    SELECT m.name, NULL, coalesce((SELECT a.version FROM omen_aliases AS a
                                    WHERE a.name = m.name AND a.alias = 'production'), max(m.version))
      FROM omen_models AS m GROUP BY m.name)
  SELECT t.name, t.alias, t.version, m.kind, m.created_at,
         round(julianday('now') - julianday(m.created_at), 4) AS age_days,
         json_extract(m.info, '$.rows_used') AS rows_used,
         json_extract(m.info, '$.metrics') AS metrics,
         (SELECT max(e.at) FROM omen_model_events AS e
           WHERE e.name = t.name AND e.alias = t.alias) AS since,
         (SELECT group_concat(g.key || '=' || g.value, ', ')
            FROM (SELECT key, value FROM omen_model_tags AS g0
                   WHERE g0.name = t.name AND g0.version = t.version ORDER BY key) AS g) AS tags
    FROM target AS t LEFT JOIN omen_models AS m ON m.name = t.name AND m.version = t.version;
