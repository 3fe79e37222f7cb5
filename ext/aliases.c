/*
** aliases.c — the registry's schema, its in-place upgrade, and the functions
** that move aliases and set tags: model_alias(), model_rollback(),
** model_tag().
**
**   SELECT model_alias('runtime', 'champion', 7);         -- → 7
**   SELECT model_alias('runtime', 'champion', 8, 'beats 7 on 2,000 runs');
**   SELECT model_rollback('runtime', 'champion');         -- → 7 again
**   SELECT model_tag('runtime', 8, 'validated', 'yes');
**   SELECT version FROM omen_alias_history
**    WHERE name = 'runtime' AND alias = 'production'
**      AND from_at <= '2026-03-03 14:00' AND coalesce(until_at, '9999') > '2026-03-03 14:00';
**
** Behaviours (docs/model_alias.md, docs/model_rollback.md, docs/model_tag.md,
** docs/registry.md; sql/registry.sql is the same schema as text):
**   1. The registry is five tables and two views of the main database:
**      omen_models (one row per saved version, as before), omen_aliases (the
**      version each (name, alias) points at: at most one, the primary key),
**      omen_model_events (every alias move and every save, in order: id,
**      name, alias — NULL for a save —, from_version, to_version — NULL when
**      an alias is removed —, at as UTC 'YYYY-MM-DD HH:MM:SS.SSS', note),
**      omen_model_tags (free-form key/value per version), omen_predictions
**      (the prediction log, predlog.c), and the views
**      omen_registry (one row per name and alias, plus a row with alias NULL
**      for what the bare name means) and omen_alias_history (one row per
**      interval during which an alias pointed at a version).
**   2. Triggers keep it consistent whoever writes — these functions or plain
**      SQL on the tables: every insert, version change or delete of an alias
**      row, and every insert into omen_models, is an event; omen_models.stage
**      (kept for readers written before aliases) follows the aliases: it is
**      'production', 'staging' or 'archived' when that alias points at the
**      version (in that order of precedence), else 'none'.  Scripts written
**      before aliases keep working: an UPDATE that sets a version's stage
**      moves that alias there (and 'none' removes the three legacy aliases
**      from it), as an event noted 'stage written in omen_models' (an INSERT
**      that gives a stage does the same) — so a
**      second production version cannot be forced by hand: the other one
**      drops to 'none'.  Renaming an alias row, and deleting a version that
**      an alias points at, are refused with a message naming model_alias().
**   3. Upgrade in place: the first write through omen (model_save,
**      model_alias, model_tag, model_rollback) on a registry made before
**      aliases — omen_models without omen_aliases — creates the rest,
**      records each existing version as a 'saved' event at its created_at,
**      and points aliases 'staging', 'production' and 'archived' of each name
**      at the newest version in that stage (one event each, note 'upgrade:
**      from the stage column'); older versions' stage becomes what behaviour
**      2 says.  References resolve the same before and after (registry.c).
**      Nothing else is rewritten; a read never upgrades (it may run in a
**      read-only database or inside another statement).
**   4. Alias names are 1..64 bytes of ASCII letters, digits, '_', '-', '.',
**      starting with a letter; 'none' is reserved (it means no alias).
**   5. model_alias(name, alias, version [, note]) points the alias at an
**      existing version and returns it; version NULL removes the alias and
**      returns NULL.  Pointing it where it already points changes nothing
**      and records nothing.  model_rollback(name [, alias]) (default alias
**      'production') moves the alias to the version it pointed at before its
**      last move — itself an event, so a second rollback undoes the first —
**      and returns that version.  model_tag(name, version, key, value) sets
**      a tag (value TEXT, INTEGER or REAL, stored as text) and returns the
**      value; value NULL removes it and returns NULL.
**   6. Each call is one transaction of its own (a savepoint): all of it is
**      written or none of it.  Inside a user's transaction that later rolls
**      back, the move rolls back with it.
**   7. All three are SQLITE_DIRECTONLY and pass omen_write_guard (guard.c),
**      like model_save.
*/
#include <math.h>
#include <string.h>

#include "core/base/om_text.h"
#include "omen_ext.h"

/* The stage a version shows: behaviour 2.  %1$s and %2$s are SQL
** expressions for the name and the version. */
#define STAGE_OF(n, v)                                                                                            \
  "(SELECT CASE WHEN sum(a.alias = 'production') THEN 'production' WHEN sum(a.alias = 'staging') THEN "          \
  "'staging' WHEN sum(a.alias = 'archived') THEN 'archived' ELSE 'none' END FROM omen_aliases AS a WHERE a.name = " \
  n " AND a.version = " v ")"

#define NOW_MS "strftime('%Y-%m-%d %H:%M:%f', 'now')"

#define SYNC_STAGE(n, v)                                                                                          \
  "UPDATE omen_models SET stage = " STAGE_OF(n, v) " WHERE name = " n " AND version = " v                          \
  " AND stage IS NOT " STAGE_OF(n, v) ";"

/* A stage written by hand (UPDATE, or an INSERT that gives one) moves the
** aliases (behaviour 2): the body shared by two triggers. */
#define STAGE_TO_ALIASES                                                                                          \
  "  DELETE FROM omen_aliases WHERE name = NEW.name AND version = NEW.version\n"                                  \
  "    AND alias IN ('staging', 'production', 'archived') AND alias IS NOT NEW.stage;\n"                         \
  "  UPDATE omen_aliases SET version = NEW.version WHERE name = NEW.name AND alias = NEW.stage;\n"                \
  "  INSERT INTO omen_aliases(name, alias, version) SELECT NEW.name, NEW.stage, NEW.version\n"                    \
  "   WHERE NEW.stage <> 'none' AND NOT EXISTS (SELECT 1 FROM omen_aliases AS a\n"                               \
  "                                            WHERE a.name = NEW.name AND a.alias = NEW.stage);\n"             \
  "  UPDATE omen_model_events SET note = 'stage written in omen_models'\n"                                       \
  "   WHERE name = NEW.name AND alias IS NOT NULL AND note IS NULL AND at = " NOW_MS ";\n"                        \
  "  " SYNC_STAGE("NEW.name", "NEW.version") "\n"

static const char registry_schema[] =
    "CREATE TABLE IF NOT EXISTS main.omen_models(\n"
    "  name       TEXT NOT NULL,\n"
    "  version    INTEGER NOT NULL CHECK (version >= 1),\n"
    "  kind       TEXT NOT NULL,\n"
    "  stage      TEXT NOT NULL DEFAULT 'none'\n"
    "             CHECK (stage IN ('none','staging','production','archived')),\n"
    "  created_at TEXT NOT NULL,\n"
    "  info       TEXT NOT NULL,\n"
    "  model      BLOB NOT NULL,\n"
    "  PRIMARY KEY (name, version)\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS main.omen_aliases(\n"
    "  name    TEXT NOT NULL,\n"
    "  alias   TEXT NOT NULL,\n"
    "  version INTEGER NOT NULL CHECK (version >= 1),\n"
    "  PRIMARY KEY (name, alias)\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS main.omen_model_events(\n"
    "  id           INTEGER PRIMARY KEY,\n"
    "  name         TEXT NOT NULL,\n"
    "  alias        TEXT,\n"
    "  from_version INTEGER,\n"
    "  to_version   INTEGER,\n"
    "  at           TEXT NOT NULL,\n"
    "  note         TEXT\n"
    ");\n"
    "CREATE INDEX IF NOT EXISTS main.omen_model_events_alias ON omen_model_events(name, alias, id);\n"
    "CREATE TABLE IF NOT EXISTS main.omen_model_tags(\n"
    "  name    TEXT NOT NULL,\n"
    "  version INTEGER NOT NULL,\n"
    "  key     TEXT NOT NULL,\n"
    "  value   TEXT NOT NULL,\n"
    "  set_at  TEXT NOT NULL,\n"
    "  PRIMARY KEY (name, version, key)\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS main.omen_predictions(\n"
    "  id        INTEGER PRIMARY KEY,\n"
    "  run_key   NOT NULL,\n"
    "  name      TEXT NOT NULL,\n"
    "  version   INTEGER NOT NULL,\n"
    "  role      TEXT NOT NULL CHECK (role IN ('champion', 'shadow')),\n"
    "  predicted REAL,\n"
    "  lo        REAL,\n"
    "  hi        REAL,\n"
    "  at        TEXT NOT NULL,\n"
    "  features  BLOB\n"
    ");\n"
    "CREATE INDEX IF NOT EXISTS main.omen_predictions_model ON omen_predictions(name, version, role, id);\n"
    "CREATE INDEX IF NOT EXISTS main.omen_predictions_run ON omen_predictions(run_key);\n"
    "CREATE TRIGGER IF NOT EXISTS main.omen_models_saved AFTER INSERT ON omen_models BEGIN\n"
    "  INSERT INTO omen_model_events(name, alias, from_version, to_version, at, note)\n"
    "  VALUES (NEW.name, NULL, NULL, NEW.version, " NOW_MS ", 'saved');\n"
    STAGE_TO_ALIASES
    "END;\n"
    "CREATE TRIGGER IF NOT EXISTS main.omen_models_stage AFTER UPDATE OF stage ON omen_models\n"
    "WHEN NEW.stage IS NOT " STAGE_OF("NEW.name", "NEW.version") " BEGIN\n"
    STAGE_TO_ALIASES
    "END;\n"
    "CREATE TRIGGER IF NOT EXISTS main.omen_models_delete BEFORE DELETE ON omen_models\n"
    "WHEN EXISTS (SELECT 1 FROM omen_aliases AS a WHERE a.name = OLD.name AND a.version = OLD.version) BEGIN\n"
    "  SELECT RAISE(ABORT, 'an alias points at this version of the model: move or remove it first with "
    "model_alias(name, alias, version)');\n"
    "END;\n"
    "CREATE TRIGGER IF NOT EXISTS main.omen_aliases_insert AFTER INSERT ON omen_aliases BEGIN\n"
    "  INSERT INTO omen_model_events(name, alias, from_version, to_version, at, note)\n"
    "  VALUES (NEW.name, NEW.alias, NULL, NEW.version, " NOW_MS ", NULL);\n"
    "  " SYNC_STAGE("NEW.name", "NEW.version") "\n"
    "END;\n"
    "CREATE TRIGGER IF NOT EXISTS main.omen_aliases_rename BEFORE UPDATE OF name, alias ON omen_aliases\n"
    "WHEN NEW.name IS NOT OLD.name OR NEW.alias IS NOT OLD.alias BEGIN\n"
    "  SELECT RAISE(ABORT, 'omen_aliases: an alias row keeps its name and alias; change its version, or delete it "
    "and insert another');\n"
    "END;\n"
    "CREATE TRIGGER IF NOT EXISTS main.omen_aliases_move AFTER UPDATE OF version ON omen_aliases\n"
    "WHEN NEW.version IS NOT OLD.version BEGIN\n"
    "  INSERT INTO omen_model_events(name, alias, from_version, to_version, at, note)\n"
    "  VALUES (NEW.name, NEW.alias, OLD.version, NEW.version, " NOW_MS ", NULL);\n"
    "  " SYNC_STAGE("OLD.name", "OLD.version") "\n"
    "  " SYNC_STAGE("NEW.name", "NEW.version") "\n"
    "END;\n"
    "CREATE TRIGGER IF NOT EXISTS main.omen_aliases_delete AFTER DELETE ON omen_aliases BEGIN\n"
    "  INSERT INTO omen_model_events(name, alias, from_version, to_version, at, note)\n"
    "  VALUES (OLD.name, OLD.alias, OLD.version, NULL, " NOW_MS ", NULL);\n"
    "  " SYNC_STAGE("OLD.name", "OLD.version") "\n"
    "END;\n"
    "CREATE VIEW IF NOT EXISTS main.omen_alias_history AS\n"
    "  SELECT e.name, e.alias, e.to_version AS version, e.at AS from_at,\n"
    "         lead(e.at) OVER (PARTITION BY e.name, e.alias ORDER BY e.id) AS until_at, e.note, e.id AS event_id\n"
    "    FROM omen_model_events AS e WHERE e.alias IS NOT NULL;\n"
    "CREATE VIEW IF NOT EXISTS main.omen_registry AS\n"
    "  WITH target(name, alias, version) AS (\n"
    "    SELECT name, alias, version FROM omen_aliases\n"
    "    UNION ALL\n"
    "    SELECT m.name, NULL, coalesce((SELECT a.version FROM omen_aliases AS a\n"
    "                                    WHERE a.name = m.name AND a.alias = 'production'), max(m.version))\n"
    "      FROM omen_models AS m GROUP BY m.name)\n"
    "  SELECT t.name, t.alias, t.version, m.kind, m.created_at,\n"
    "         round(julianday('now') - julianday(m.created_at), 4) AS age_days,\n"
    "         json_extract(m.info, '$.rows_used') AS rows_used,\n"
    "         json_extract(m.info, '$.metrics') AS metrics,\n"
    "         (SELECT max(e.at) FROM omen_model_events AS e\n"
    "           WHERE e.name = t.name AND e.alias = t.alias) AS since,\n"
    "         (SELECT group_concat(g.key || '=' || g.value, ', ')\n"
    "            FROM (SELECT key, value FROM omen_model_tags AS g0\n"
    "                   WHERE g0.name = t.name AND g0.version = t.version ORDER BY key) AS g) AS tags\n"
    "    FROM target AS t LEFT JOIN omen_models AS m ON m.name = t.name AND m.version = t.version;\n";

/* Behaviour 3, after registry_schema has created the new tables. */
static const char registry_upgrade[] =
    "INSERT INTO main.omen_model_events(name, alias, from_version, to_version, at, note)\n"
    "  SELECT name, NULL, NULL, version, created_at || '.000', 'saved (recorded by the registry upgrade)'\n"
    "    FROM main.omen_models ORDER BY created_at, name, version;\n"
    "INSERT INTO main.omen_aliases(name, alias, version)\n"
    "  SELECT name, stage, max(version) FROM main.omen_models\n"
    "   WHERE stage IN ('staging', 'production', 'archived') GROUP BY name, stage ORDER BY name, stage;\n"
    "UPDATE main.omen_model_events SET note = 'upgrade: from the stage column'\n"
    " WHERE alias IS NOT NULL AND note IS NULL;\n"
    "UPDATE main.omen_models SET stage = " STAGE_OF("main.omen_models.name", "main.omen_models.version")
    " WHERE stage IS NOT " STAGE_OF("main.omen_models.name", "main.omen_models.version") ";\n";

const char *omen_registry_schema_sql(void) { return registry_schema; }

static int table_exists(sqlite3 *db, const char *table, int *exists) {
  int rc = sqlite3_table_column_metadata(db, "main", table, NULL, NULL, NULL, NULL, NULL, NULL);
  *exists = rc == SQLITE_OK;
  return rc == SQLITE_NOMEM ? SQLITE_NOMEM : SQLITE_OK;
}

int omen_registry_has_aliases(sqlite3 *db, int *exists) { return table_exists(db, "omen_aliases", exists); }

int omen_registry_prepare(sqlite3 *db, char **errmsg) {
  int models = 0, aliases = 0, rc;
  *errmsg = NULL;
  if ((rc = table_exists(db, "omen_models", &models)) != SQLITE_OK) return rc;
  {
    sqlite3_stmt *st = NULL;
    rc = sqlite3_prepare_v2(db, "SELECT type FROM main.sqlite_schema WHERE name = 'omen_models' COLLATE NOCASE "
                                "AND type = 'view'", -1, &st, 0);
    if (rc != SQLITE_OK) return rc;
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW) {
      *errmsg = sqlite3_mprintf("main.omen_models is a view; the registry must be a table (see sql/registry.sql)");
      return *errmsg ? SQLITE_ERROR : SQLITE_NOMEM;
    }
    if (rc != SQLITE_DONE) return rc;
  }
  if ((rc = table_exists(db, "omen_aliases", &aliases)) != SQLITE_OK) return rc;
  if (models && aliases) {
    /* the views and triggers too: a registry made by sql/registry.sql of an
    ** older omen, or one whose view a user dropped, gets them back */
    int events = 0, tags = 0, log = 0;
    if ((rc = table_exists(db, "omen_model_events", &events)) != SQLITE_OK) return rc;
    if ((rc = table_exists(db, "omen_model_tags", &tags)) != SQLITE_OK) return rc;
    if ((rc = table_exists(db, "omen_predictions", &log)) != SQLITE_OK) return rc;
    if (events && tags && log) return SQLITE_OK;
  }
  rc = sqlite3_exec(db, registry_schema, 0, 0, errmsg);
  if (rc == SQLITE_OK && models && !aliases) rc = sqlite3_exec(db, registry_upgrade, 0, 0, errmsg);
  return rc;
}

/* ---- savepoints: behaviour 6 ---- */

int omen_registry_begin(sqlite3 *db) { return sqlite3_exec(db, "SAVEPOINT omen_registry", 0, 0, 0); }

int omen_registry_end(sqlite3 *db, int ok) {
  if (ok) {
    int rc = sqlite3_exec(db, "RELEASE omen_registry", 0, 0, 0);
    if (rc == SQLITE_OK) return SQLITE_OK;
  }
  sqlite3_exec(db, "ROLLBACK TO omen_registry", 0, 0, 0);
  sqlite3_exec(db, "RELEASE omen_registry", 0, 0, 0);
  return ok ? SQLITE_ERROR : SQLITE_OK;
}

/* ---- arguments ---- */

const char *omen_alias_problem(const char *a, int n) {
  int i;
  if (n == 0) return "is empty";
  if (n > 64) return "is longer than 64 bytes";
  if (!((a[0] >= 'a' && a[0] <= 'z') || (a[0] >= 'A' && a[0] <= 'Z')))
    return "does not start with a letter (a text of digits is a version)";
  for (i = 0; i < n; i++) {
    char c = a[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
          c == '.'))
      return "may hold only ASCII letters, digits, '_', '-' and '.'";
  }
  if (n == 4 && memcmp(a, "none", 4) == 0) return "is reserved: 'none' means no alias";
  return NULL;
}

/* argv[i] as a model name: TEXT, 1..255 bytes, no '@'.  0 after setting the
** error. */
static int arg_name(sqlite3_context *ctx, const char *fn, sqlite3_value *v, int argno, const char **name) {
  int n;
  if (sqlite3_value_type(v) != SQLITE_TEXT) {
    omen_errorf(ctx, fn, "name (argument %d) is %s; expected TEXT", argno, omen_type_name(v));
    return 0;
  }
  *name = (const char *)sqlite3_value_text(v);
  n = sqlite3_value_bytes(v);
  if (!*name) {
    sqlite3_result_error_nomem(ctx);
    return 0;
  }
  if (n == 0 || n > 255 || om_utf8_check(*name, (size_t)n) != (size_t)n || memchr(*name, '@', (size_t)n)) {
    omen_errorf(ctx, fn, "name (argument %d) '%s' is not a model name (1 to 255 bytes of UTF-8, no '@')", argno,
                *name);
    return 0;
  }
  return 1;
}

static int arg_alias(sqlite3_context *ctx, const char *fn, sqlite3_value *v, int argno, const char **alias) {
  const char *problem;
  if (sqlite3_value_type(v) != SQLITE_TEXT) {
    omen_errorf(ctx, fn, "alias (argument %d) is %s; expected TEXT such as 'production' or 'champion'", argno,
                omen_type_name(v));
    return 0;
  }
  *alias = (const char *)sqlite3_value_text(v);
  if (!*alias) {
    sqlite3_result_error_nomem(ctx);
    return 0;
  }
  if ((problem = omen_alias_problem(*alias, sqlite3_value_bytes(v))) != NULL) {
    omen_errorf(ctx, fn, "alias (argument %d) '%s' %s", argno, *alias, problem);
    return 0;
  }
  return 1;
}

/* A version argument: INTEGER ≥ 1 or a whole REAL; NULL allowed when
** null_ok (then *version = 0).  0 after setting the error. */
static int arg_version(sqlite3_context *ctx, const char *fn, sqlite3_value *v, int argno, int null_ok,
                       sqlite3_int64 *version) {
  *version = 0;
  switch (sqlite3_value_type(v)) {
  case SQLITE_INTEGER:
    *version = sqlite3_value_int64(v);
    if (*version >= 1) return 1;
    break;
  case SQLITE_FLOAT: {
    double d = sqlite3_value_double(v);
    if (d == floor(d) && d >= 1 && d < 9223372036854775808.0) {
      *version = (sqlite3_int64)d;
      return 1;
    }
    break;
  }
  case SQLITE_NULL:
    if (null_ok) return 1;
    break;
  default: break;
  }
  if (sqlite3_value_type(v) == SQLITE_INTEGER)
    omen_errorf(ctx, fn, "version (argument %d) is %lld; expected a version number (1 or more)%s", argno,
                sqlite3_value_int64(v), null_ok ? ", or NULL to remove the alias" : "");
  else if (sqlite3_value_type(v) == SQLITE_FLOAT)
    omen_errorf(ctx, fn, "version (argument %d) is %!.15g; expected a version number (1 or more)%s", argno,
                sqlite3_value_double(v), null_ok ? ", or NULL to remove the alias" : "");
  else
    omen_errorf(ctx, fn, "version (argument %d) is %s; expected a version number (1 or more)%s", argno,
                omen_type_name(v), null_ok ? ", or NULL to remove the alias" : "");
  return 0;
}

/* ---- small queries ---- */

/* *exists = whether (name, version) is in omen_models. */
static int version_exists(sqlite3 *db, const char *name, sqlite3_int64 version, int *exists) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, "SELECT 1 FROM main.omen_models WHERE name = ?1 AND version = ?2", -1, &st, 0);
  *exists = 0;
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, version);
  rc = sqlite3_step(st);
  *exists = rc == SQLITE_ROW;
  rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
  sqlite3_finalize(st);
  return rc;
}

/* The version (name, alias) points at, 0 if none. */
static int alias_target(sqlite3 *db, const char *name, const char *alias, sqlite3_int64 *version) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, "SELECT version FROM main.omen_aliases WHERE name = ?1 AND alias = ?2", -1, &st, 0);
  *version = 0;
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, alias, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) *version = sqlite3_column_int64(st, 0);
  rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
  sqlite3_finalize(st);
  return rc;
}

int omen_registry_shadow(sqlite3 *db, const char *name, sqlite3_int64 *version, const char **alias) {
  int aliases = 0, rc = omen_registry_has_aliases(db, &aliases);
  *version = 0;
  *alias = "challenger";
  if (rc != SQLITE_OK || !aliases) return rc; /* a registry from before aliases has no challenger */
  rc = alias_target(db, name, "challenger", version);
  if (rc == SQLITE_OK && *version == 0) {
    *alias = "staging";
    rc = alias_target(db, name, "staging", version);
  }
  return rc;
}

int omen_main_has(sqlite3 *db, const char *name, int *exists) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, "SELECT 1 FROM main.sqlite_schema WHERE type IN ('table', 'view') AND name = ?1 "
                                  "COLLATE NOCASE", -1, &st, 0);
  *exists = 0;
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  *exists = rc == SQLITE_ROW;
  rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
  sqlite3_finalize(st);
  return rc;
}

/* Point (name, alias) at version (0: remove it); the triggers record the
** event, and note (may be NULL) is written into it.  *moved = 0 when it
** already pointed there. */
static int alias_move(sqlite3 *db, const char *name, const char *alias, sqlite3_int64 version, const char *note,
                      int *moved) {
  sqlite3_stmt *st = NULL;
  sqlite3_int64 cur;
  int rc = alias_target(db, name, alias, &cur);
  *moved = 0;
  if (rc != SQLITE_OK) return rc;
  if (cur == version) return SQLITE_OK;
  if (version == 0)
    rc = sqlite3_prepare_v2(db, "DELETE FROM main.omen_aliases WHERE name = ?1 AND alias = ?2", -1, &st, 0);
  else if (cur == 0)
    rc = sqlite3_prepare_v2(db, "INSERT INTO main.omen_aliases(name, alias, version) VALUES (?1, ?2, ?3)", -1, &st, 0);
  else
    rc = sqlite3_prepare_v2(db, "UPDATE main.omen_aliases SET version = ?3 WHERE name = ?1 AND alias = ?2", -1, &st,
                            0);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, alias, -1, SQLITE_STATIC);
  if (version) sqlite3_bind_int64(st, 3, version);
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return rc == SQLITE_ROW ? SQLITE_ERROR : rc;
  *moved = 1;
  if (!note) return SQLITE_OK;
  /* the event the trigger just wrote is the newest of this (name, alias) */
  rc = sqlite3_prepare_v2(db, "UPDATE main.omen_model_events SET note = ?3 WHERE id = (SELECT max(id) FROM "
                              "main.omen_model_events WHERE name = ?1 AND alias = ?2)", -1, &st, 0);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, alias, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, note, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int omen_registry_point_alias(sqlite3 *db, const char *name, const char *alias, sqlite3_int64 version,
                              const char *note) {
  int moved;
  return alias_move(db, name, alias, version, note, &moved);
}

/* Report a failed registry statement as fn's error (or out of memory). */
static void sql_failed(sqlite3_context *ctx, const char *fn, sqlite3 *db, int rc, char *msg) {
  if (rc == SQLITE_NOMEM) sqlite3_result_error_nomem(ctx);
  else omen_errorf(ctx, fn, "cannot write the model registry: %s%s", msg ? msg : sqlite3_errmsg(db), omen_busy_hint(db));
  sqlite3_free(msg);
}

/* Guard, open a savepoint and make sure the schema is there.  0 after
** setting the error (nothing begun). */
static int write_begin(sqlite3_context *ctx, const char *fn) {
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  char *msg = NULL;
  int rc;
  if (!omen_write_guard(ctx, fn)) return 0;
  rc = omen_registry_begin(db);
  if (rc != SQLITE_OK) {
    sql_failed(ctx, fn, db, rc, NULL);
    return 0;
  }
  rc = omen_registry_prepare(db, &msg);
  if (rc != SQLITE_OK) {
    /* the message is read before the rollback resets the connection's */
    sql_failed(ctx, fn, db, rc, msg);
    omen_registry_end(db, 0);
    return 0;
  }
  return 1;
}

/* Finish a write: commit the savepoint (ok) or roll it back.  On a failed
** commit the error is set. */
static void write_end(sqlite3_context *ctx, const char *fn, int ok) {
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  if (omen_registry_end(db, ok) != SQLITE_OK) sql_failed(ctx, fn, db, SQLITE_ERROR, NULL);
}

/* model_alias(name, alias, version [, note]) */
void modelAliasFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  static const char fn[] = "model_alias";
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  const char *name, *alias, *note = NULL;
  sqlite3_int64 version;
  int rc, exists = 1, moved;
  if (!arg_name(ctx, fn, argv[0], 1, &name) || !arg_alias(ctx, fn, argv[1], 2, &alias) ||
      !arg_version(ctx, fn, argv[2], 3, 1, &version))
    return;
  if (argc == 4) {
    if (sqlite3_value_type(argv[3]) != SQLITE_TEXT && sqlite3_value_type(argv[3]) != SQLITE_NULL) {
      omen_errorf(ctx, fn, "note (argument 4) is %s; expected TEXT or NULL", omen_type_name(argv[3]));
      return;
    }
    note = (const char *)sqlite3_value_text(argv[3]);
    if (!note && sqlite3_value_type(argv[3]) == SQLITE_TEXT) {
      sqlite3_result_error_nomem(ctx);
      return;
    }
  }
  if (!write_begin(ctx, fn)) return;
  rc = version ? version_exists(db, name, version, &exists) : SQLITE_OK;
  if (rc == SQLITE_OK && !exists) {
    omen_errorf(ctx, fn, "model '%s' has no version %lld", name, version);
    write_end(ctx, fn, 0);
    return;
  }
  if (rc == SQLITE_OK) rc = alias_move(db, name, alias, version, note, &moved);
  if (rc != SQLITE_OK) {
    sql_failed(ctx, fn, db, rc, NULL);
    write_end(ctx, fn, 0);
    return;
  }
  if (version) sqlite3_result_int64(ctx, version);
  else sqlite3_result_null(ctx);
  write_end(ctx, fn, 1);
}

/* model_rollback(name [, alias]) */
void modelRollbackFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  static const char fn[] = "model_rollback";
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  const char *name, *alias = "production";
  sqlite3_stmt *st = NULL;
  sqlite3_int64 cur = 0, prev = 0, event = 0;
  int rc, exists = 0, moved, found;
  char *note;
  if (!arg_name(ctx, fn, argv[0], 1, &name) || (argc == 2 && !arg_alias(ctx, fn, argv[1], 2, &alias))) return;
  if (!write_begin(ctx, fn)) return;
  rc = alias_target(db, name, alias, &cur);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2(db, "SELECT id, from_version, to_version FROM main.omen_model_events WHERE name = ?1 AND "
                                "alias = ?2 ORDER BY id DESC LIMIT 1", -1, &st, 0);
  if (rc != SQLITE_OK) goto sqlerr;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, alias, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  found = rc == SQLITE_ROW;
  if (found) {
    event = sqlite3_column_int64(st, 0);
    prev = sqlite3_column_int64(st, 1); /* NULL → 0 */
  }
  rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
  sqlite3_finalize(st);
  st = NULL;
  if (rc != SQLITE_OK) goto sqlerr;
  if (!found) {
    omen_errorf(ctx, fn, "model '%s' has no alias '%s' and never had one", name, alias);
    write_end(ctx, fn, 0);
    return;
  }
  if (prev == 0) {
    omen_errorf(ctx, fn, "alias '%s' of model '%s' has no previous version to go back to (its last event, #%lld, %s)",
                alias, name, event, cur ? "created it" : "follows no earlier version");
    write_end(ctx, fn, 0);
    return;
  }
  rc = version_exists(db, name, prev, &exists);
  if (rc != SQLITE_OK) goto sqlerr;
  if (!exists) {
    omen_errorf(ctx, fn, "alias '%s' of model '%s' pointed at version %lld before, which is no longer in omen_models",
                alias, name, prev);
    write_end(ctx, fn, 0);
    return;
  }
  note = sqlite3_mprintf("rollback of event %lld", event);
  if (!note) {
    write_end(ctx, fn, 0);
    sqlite3_result_error_nomem(ctx);
    return;
  }
  rc = alias_move(db, name, alias, prev, note, &moved);
  sqlite3_free(note);
  if (rc != SQLITE_OK) goto sqlerr;
  sqlite3_result_int64(ctx, prev);
  write_end(ctx, fn, 1);
  return;
sqlerr:
  sqlite3_finalize(st);
  sql_failed(ctx, fn, db, rc, NULL);
  write_end(ctx, fn, 0);
}

/* model_tag(name, version, key, value) */
void modelTagFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  static const char fn[] = "model_tag";
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  const char *name, *key;
  sqlite3_int64 version;
  sqlite3_stmt *st = NULL;
  int rc, exists = 0, vt = sqlite3_value_type(argv[3]), kn;
  (void)argc;
  if (!arg_name(ctx, fn, argv[0], 1, &name) || !arg_version(ctx, fn, argv[1], 2, 0, &version)) return;
  if (sqlite3_value_type(argv[2]) != SQLITE_TEXT) {
    omen_errorf(ctx, fn, "key (argument 3) is %s; expected TEXT", omen_type_name(argv[2]));
    return;
  }
  key = (const char *)sqlite3_value_text(argv[2]);
  kn = sqlite3_value_bytes(argv[2]);
  if (!key) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (kn == 0 || kn > 255 || om_utf8_check(key, (size_t)kn) != (size_t)kn) {
    omen_errorf(ctx, fn, "key (argument 3) is not 1 to 255 bytes of UTF-8 without NUL");
    return;
  }
  if (vt == SQLITE_BLOB) {
    omen_errorf(ctx, fn, "value (argument 4) is BLOB; expected TEXT, a number, or NULL to remove the tag");
    return;
  }
  if (vt != SQLITE_NULL) {
    const char *val = (const char *)sqlite3_value_text(argv[3]);
    int vn = sqlite3_value_bytes(argv[3]);
    if (!val) {
      sqlite3_result_error_nomem(ctx);
      return;
    }
    if (vn > 4096 || om_utf8_check(val, (size_t)vn) != (size_t)vn) {
      omen_errorf(ctx, fn, "value (argument 4) is not at most 4096 bytes of UTF-8 without NUL");
      return;
    }
  }
  if (!write_begin(ctx, fn)) return;
  rc = version_exists(db, name, version, &exists);
  if (rc != SQLITE_OK) goto sqlerr;
  if (!exists) {
    omen_errorf(ctx, fn, "model '%s' has no version %lld", name, version);
    write_end(ctx, fn, 0);
    return;
  }
  if (vt == SQLITE_NULL)
    rc = sqlite3_prepare_v2(db, "DELETE FROM main.omen_model_tags WHERE name = ?1 AND version = ?2 AND key = ?3", -1,
                            &st, 0);
  else
    rc = sqlite3_prepare_v2(db, "INSERT INTO main.omen_model_tags(name, version, key, value, set_at) "
                                "VALUES (?1, ?2, ?3, ?4, " NOW_MS ") ON CONFLICT(name, version, key) "
                                "DO UPDATE SET value = excluded.value, set_at = excluded.set_at", -1, &st, 0);
  if (rc != SQLITE_OK) goto sqlerr;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, version);
  sqlite3_bind_text(st, 3, key, kn, SQLITE_STATIC);
  if (vt != SQLITE_NULL) sqlite3_bind_text(st, 4, (const char *)sqlite3_value_text(argv[3]), -1, SQLITE_TRANSIENT);
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  st = NULL;
  if (rc != SQLITE_DONE) goto sqlerr;
  if (vt == SQLITE_NULL) sqlite3_result_null(ctx);
  else sqlite3_result_text(ctx, (const char *)sqlite3_value_text(argv[3]), -1, SQLITE_TRANSIENT);
  write_end(ctx, fn, 1);
  return;
sqlerr:
  sqlite3_finalize(st);
  sql_failed(ctx, fn, db, rc, NULL);
  write_end(ctx, fn, 0);
}
