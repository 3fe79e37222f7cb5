/*
** registry.c — the model registry: model_save(), model_load(), and the
** resolution of TEXT model references used by every function that takes a
** model.
**
**   SELECT model_save('runtime', scaler_train(fv), 'staging');  -- → 1, 2, ...
**   SELECT model_load('runtime');          -- newest 'production', else newest
**   SELECT model_load('runtime', 3);       -- version 3
**   SELECT model_load('runtime', 'staging');
**   SELECT scale('runtime@staging', fv) FROM runs;
**
** Behaviours (docs/model_save.md, docs/model_load.md, docs/SECURITY.md):
**   1. Models live in an ordinary table any SQLite client can read
**      (sql/registry.sql):
**        omen_models(name, version, kind, stage, created_at, info, model)
**      The registry is always the MAIN database's omen_models, for reads and
**      writes alike: every statement names main.omen_models, so a TEMP table
**      of that name never shadows it, and one in an attached database is
**      never used.  model_save creates main.omen_models when it is missing,
**      unless another database of the connection (temp or attached) has an
**      omen_models table: then it refuses, naming that database, instead of
**      silently starting a second registry.  A read of a missing registry
**      names such a table too.
**   2. model_save(name, model [, stage]) validates the model BLOB fully
**      (envelope, then the payload with the kind's own decoder),
**      stamps created_at (Unix seconds) into it, stores it as the next version
**      of `name` (1, 2, ...) with its kind, created_at as UTC text
**      'YYYY-MM-DD HH:MM:SS' (model_info reports the same text) and its
**      model_info() JSON, and returns the version.  stage is 'none' (default),
**      'staging', 'production' or 'archived'.  Names are 1..255 bytes of
**      valid UTF-8 without NUL and contain no '@'.  A name already at
**      version 9223372036854775807 (2^63-1) is an error, not a UNIQUE
**      failure.
**   3. A reference 'name' means the newest version in stage 'production' if
**      there is one, else the newest version; 'name@N' version N;
**      'name@stage' the newest version in that stage.  '@' splits at its last
**      occurrence.  Versions are 1..2^63-1 whichever way they are written:
**      'name@N', model_load(name, N) with N an INTEGER, a whole REAL below
**      2^63, or TEXT digits.
**   4. A missing table, name, version or stage is an error that says which.
**   5. model_load(name [, version_or_stage]) returns the BLOB; the second
**      argument is a version (INTEGER, a whole REAL, or TEXT digits as in
**      'name@3') or a TEXT stage.
**   6. model_save is SQLITE_DIRECTONLY and also passes omen_write_guard
**      (guard.c): it writes only from a top-level SELECT, whatever the
**      SQLite version.
**   7. Rows are addressed by their true rowid: the fast path of the
**      connection cache (omen_registry_open) is not taken when a column
**      named _rowid_ shadows it, nor for a WITHOUT ROWID table; fetch()
**      then reads the model by name and version.
*/
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/base/mdl_kind.h"
#include "core/base/om_json.h"
#include "core/base/om_text.h"
#include "omen_ext.h"

static const char *name_problem(const char *name, int n) {
  if (n == 0) return "is empty";
  if (n > 255) return "is longer than 255 bytes";
  if (om_utf8_check(name, (size_t)n) != (size_t)n) return "is not valid UTF-8 without NUL bytes";
  if (memchr(name, '@', (size_t)n)) return "contains '@' (reserved for 'name@version' references)";
  if (name[0] == '{') return "starts with '{' (reserved: such a text is an options object, as in anomaly_ensemble)";
  return NULL;
}

int omen_registry_exists(sqlite3 *db, int *exists) {
  int rc = sqlite3_table_column_metadata(db, "main", "omen_models", NULL, NULL, NULL, NULL, NULL, NULL);
  *exists = rc == SQLITE_OK;
  return rc == SQLITE_NOMEM ? SQLITE_NOMEM : SQLITE_OK;
}

/* The first database other than main (temp or attached) holding an
** omen_models table, as a sqlite3_malloc'd name in *schema (NULL if none). */
static int other_registry(sqlite3 *db, char **schema) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, "SELECT name FROM pragma_database_list WHERE name <> 'main' ORDER BY seq", -1, &st, 0);
  *schema = NULL;
  if (rc != SQLITE_OK) return rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *name = (const char *)sqlite3_column_text(st, 0);
    if (!name) {
      rc = SQLITE_NOMEM;
      break;
    }
    rc = sqlite3_table_column_metadata(db, name, "omen_models", NULL, NULL, NULL, NULL, NULL, NULL);
    if (rc == SQLITE_NOMEM) break;
    if (rc == SQLITE_OK) {
      *schema = sqlite3_mprintf("%s", name);
      rc = *schema ? SQLITE_OK : SQLITE_NOMEM;
      break;
    }
  }
  if (rc == SQLITE_DONE || rc == SQLITE_ERROR) rc = SQLITE_OK;
  sqlite3_finalize(st);
  return rc;
}

/* The message for a missing main.omen_models (NULL: out of memory). */
static char *no_registry_message(sqlite3 *db) {
  char *other = NULL, *msg;
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, "SELECT 1 FROM main.sqlite_schema WHERE type = 'view' AND name = 'omen_models' "
                                  "COLLATE NOCASE", -1, &st, 0);
  if (rc == SQLITE_NOMEM) return NULL;
  rc = rc == SQLITE_OK ? sqlite3_step(st) : rc;
  sqlite3_finalize(st);
  if (rc == SQLITE_NOMEM) return NULL;
  if (rc == SQLITE_ROW)
    return sqlite3_mprintf("no model registry in this database (main.omen_models is a view; the registry must be "
                           "a table, see sql/registry.sql)");
  if (other_registry(db, &other) == SQLITE_NOMEM) return NULL;
  if (other)
    msg = sqlite3_mprintf("no model registry in the main database (table main.omen_models does not exist; the "
                          "omen_models table in database '%s' is not used: the registry is always the main "
                          "database's); save a model with model_save() first",
                          other);
  else
    msg = sqlite3_mprintf("no model registry in this database (table omen_models does not exist); "
                          "save a model with model_save() first");
  sqlite3_free(other);
  return msg;
}

/* Which row a reference names, as the WHERE and ORDER BY parts of a SELECT
** on main.omen_models (one definition for fetch() and omen_registry_open()):
** version > 0 selects a version; alias != NULL an alias; neither: the
** 'production' alias, else the newest version.  A registry with aliases
** (omen_aliases exists, aliases.c) looks aliases up there; one made before
** aliases resolves them from the stage column, which gives the same rows
** (aliases.c behaviour 3).  ?1 = name, ?2 = version, ?3 = alias (ref_bind). */
#define REF_WHERE_VERSION " WHERE name=?1 AND version=?2"
#define REF_WHERE_ALIAS " WHERE name=?1 AND version=(SELECT version FROM main.omen_aliases WHERE name=?1 AND alias=?3)"
#define REF_WHERE_NAME                                                                                              \
  " WHERE name=?1 AND version=coalesce((SELECT version FROM main.omen_aliases WHERE name=?1 AND alias='production'), " \
  "(SELECT max(version) FROM main.omen_models WHERE name=?1))"
#define REF_WHERE_STAGE " WHERE name=?1 AND stage=?3 ORDER BY version DESC LIMIT 1"
#define REF_WHERE_LEGACY " WHERE name=?1" OMEN_REF_ORDER_DEFAULT
#define REF_SQL(select, aliases, version, alias)                                                         \
  ((version) > 0 ? select REF_WHERE_VERSION                                                                \
   : (alias)     ? ((aliases) ? select REF_WHERE_ALIAS : select REF_WHERE_STAGE)                         \
                 : ((aliases) ? select REF_WHERE_NAME : select REF_WHERE_LEGACY))

static void ref_bind(sqlite3_stmt *st, const char *name, int name_len, sqlite3_int64 version, const char *alias) {
  sqlite3_bind_text(st, 1, name, name_len, SQLITE_STATIC);
  if (version > 0) sqlite3_bind_int64(st, 2, version);
  if (alias) sqlite3_bind_text(st, 3, alias, -1, SQLITE_STATIC);
}

/* In a registry made before aliases, the aliases are the stages. */
static int legacy_alias(const char *alias) {
  return strcmp(alias, "staging") == 0 || strcmp(alias, "production") == 0 || strcmp(alias, "archived") == 0;
}

/* Why the row REF_SQL chose does not exist, into *errmsg: the message of
** behaviour 4. */
static int explain_miss(sqlite3 *db, int aliases, const char *name, int name_len, sqlite3_int64 version,
                        const char *alias, char **errmsg) {
  sqlite3_stmt *st = NULL;
  sqlite3_int64 target = 0;
  int rc, named = 0;
  rc = sqlite3_prepare_v2(db, aliases ? "SELECT EXISTS (SELECT 1 FROM main.omen_models WHERE name=?1), "
                                        "(SELECT version FROM main.omen_aliases WHERE name=?1 AND alias=?3)"
                                      : "SELECT EXISTS (SELECT 1 FROM main.omen_models WHERE name=?1), NULL",
                          -1, &st, 0);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_text(st, 1, name, name_len, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, alias ? alias : "production", -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    named = sqlite3_column_int(st, 0);
    target = sqlite3_column_int64(st, 1);
    rc = SQLITE_OK;
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_OK) return rc;
  if (!named) *errmsg = sqlite3_mprintf("no model named '%.*s' in omen_models", name_len, name);
  else if (version > 0) *errmsg = sqlite3_mprintf("model '%.*s' has no version %lld", name_len, name, version);
  else if (target > 0)
    *errmsg = sqlite3_mprintf("alias '%s' of model '%.*s' points at version %lld, which is not in omen_models",
                              alias ? alias : "production", name_len, name, target);
  else if (alias) *errmsg = sqlite3_mprintf("model '%.*s' has no alias '%s'", name_len, name, alias);
  else *errmsg = sqlite3_mprintf("no model named '%.*s' in omen_models", name_len, name);
  return *errmsg ? SQLITE_ERROR : SQLITE_NOMEM;
}

/* Look up one BLOB (the row REF_SQL chooses). */
static int fetch(sqlite3 *db, const char *name, int name_len, sqlite3_int64 version, const char *stage,
                 uint8_t **blob, int *n, char **errmsg) {
  sqlite3_stmt *st = NULL;
  int rc, exists = 0, aliases = 0;
  const char *sql;
  *blob = NULL;
  *n = 0;
  *errmsg = NULL;
  rc = omen_registry_exists(db, &exists);
  if (rc != SQLITE_OK) goto sqlerr;
  if (!exists) {
    *errmsg = no_registry_message(db);
    return *errmsg ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  rc = omen_registry_has_aliases(db, &aliases);
  if (rc != SQLITE_OK) goto sqlerr;
  if (stage && !aliases && !legacy_alias(stage)) { /* a registry from before aliases has only those three */
    rc = explain_miss(db, 0, name, name_len, version, stage, errmsg);
    return rc == SQLITE_NOMEM ? SQLITE_NOMEM : SQLITE_ERROR;
  }
  sql = REF_SQL("SELECT model FROM main.omen_models", aliases, version, stage);
  rc = sqlite3_prepare_v2(db, sql, -1, &st, 0);
  if (rc != SQLITE_OK) goto sqlerr;
  ref_bind(st, name, name_len, version, stage);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    const void *p = sqlite3_column_blob(st, 0);
    int len = sqlite3_column_bytes(st, 0);
    if (sqlite3_column_type(st, 0) != SQLITE_BLOB) {
      *errmsg = sqlite3_mprintf("registry entry for '%.*s' does not hold a BLOB", name_len, name);
      sqlite3_finalize(st);
      return *errmsg ? SQLITE_ERROR : SQLITE_NOMEM;
    }
    *blob = sqlite3_malloc(len > 0 ? len : 1);
    if (!*blob) {
      sqlite3_finalize(st);
      return SQLITE_NOMEM;
    }
    if (len > 0) memcpy(*blob, p, (size_t)len);
    *n = len;
    sqlite3_finalize(st);
    return SQLITE_OK;
  }
  if (rc != SQLITE_DONE) goto sqlerr;
  sqlite3_finalize(st);
  st = NULL;
  rc = explain_miss(db, aliases, name, name_len, version, stage, errmsg);
  if (rc == SQLITE_ERROR && *errmsg) return SQLITE_ERROR;
  if (rc != SQLITE_NOMEM) goto sqlerr;
  return SQLITE_NOMEM;
sqlerr:
  if (rc == SQLITE_NOMEM) {
    sqlite3_finalize(st);
    return SQLITE_NOMEM;
  }
  *errmsg = sqlite3_mprintf("cannot read omen_models: %s", sqlite3_errmsg(db));
  sqlite3_finalize(st);
  return *errmsg ? (rc ? rc : SQLITE_ERROR) : SQLITE_NOMEM;
}

/* Parse "digits" into a version 1..2^63-1; 0 if it is not one. */
static sqlite3_int64 parse_version(const char *s) {
  sqlite3_uint64 v = 0;
  if (!*s) return 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9') return 0;
    if (v > ((sqlite3_uint64)INT64_MAX - (sqlite3_uint64)(*s - '0')) / 10) return 0;
    v = v * 10 + (sqlite3_uint64)(*s - '0');
  }
  return (sqlite3_int64)v;
}

/* Split a reference into name (ref[0, *name_len)), version (> 0) or alias
** (*stage; NULL for none).  Non-zero with *errmsg set (or SQLITE_NOMEM) when it is
** malformed. */
static int parse_ref(const char *ref, int *name_len, sqlite3_int64 *version, const char **stage, char **errmsg) {
  const char *at = strrchr(ref, '@'), *problem;
  *name_len = at ? (int)(at - ref) : (int)strlen(ref);
  *version = 0;
  *stage = NULL;
  *errmsg = NULL;
  if (*name_len == 0) {
    *errmsg = sqlite3_mprintf("model reference '%s' has no name; expected 'name', 'name@version' or 'name@alias'", ref);
    return *errmsg ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  if (at) {
    *version = parse_version(at + 1);
    if (*version > 0) return SQLITE_OK;
    if (at[1] && strspn(at + 1, "0123456789") == strlen(at + 1)) {
      *errmsg = sqlite3_mprintf("model reference '%s': version %s is out of range (1 to 9223372036854775807)", ref,
                                at + 1);
      return *errmsg ? SQLITE_ERROR : SQLITE_NOMEM;
    }
    if ((problem = omen_alias_problem(at + 1, (int)strlen(at + 1))) != NULL) {
      *errmsg = sqlite3_mprintf("model reference '%s': '%s' is neither a version number nor an alias (it %s)", ref,
                                at + 1, problem);
      return *errmsg ? SQLITE_ERROR : SQLITE_NOMEM;
    }
    *stage = at + 1;
  }
  return SQLITE_OK;
}

int omen_registry_fetch(sqlite3 *db, const char *ref, uint8_t **blob, int *n, char **errmsg) {
  int name_len, rc;
  sqlite3_int64 version;
  const char *stage;
  *blob = NULL;
  *n = 0;
  rc = parse_ref(ref, &name_len, &version, &stage, errmsg);
  if (rc != SQLITE_OK) return rc;
  return fetch(db, ref, name_len, version, stage, blob, n, errmsg);
}

int omen_registry_version(sqlite3 *db, const char *ref, sqlite3_int64 *out, int *name_len, char **errmsg) {
  sqlite3_stmt *st = NULL;
  sqlite3_int64 version;
  const char *stage;
  int rc, exists = 0, aliases = 0;
  *out = 0;
  rc = parse_ref(ref, name_len, &version, &stage, errmsg);
  if (rc != SQLITE_OK) return rc;
  rc = omen_registry_exists(db, &exists);
  if (rc != SQLITE_OK) return rc;
  if (!exists) {
    *errmsg = no_registry_message(db);
    return *errmsg ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  rc = omen_registry_has_aliases(db, &aliases);
  if (rc != SQLITE_OK) return rc;
  if (!(stage && !aliases && !legacy_alias(stage))) {
    rc = sqlite3_prepare_v2(db, REF_SQL("SELECT version FROM main.omen_models", aliases, version, stage), -1, &st, 0);
    if (rc != SQLITE_OK) {
      *errmsg = sqlite3_mprintf("cannot read omen_models: %s", sqlite3_errmsg(db));
      return rc == SQLITE_NOMEM || !*errmsg ? SQLITE_NOMEM : SQLITE_ERROR;
    }
    ref_bind(st, ref, *name_len, version, stage);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_INTEGER) *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (*out > 0) return SQLITE_OK;
    if (rc == SQLITE_NOMEM) return SQLITE_NOMEM;
  }
  rc = explain_miss(db, aliases, ref, *name_len, version, stage, errmsg);
  return rc == SQLITE_NOMEM ? SQLITE_NOMEM : SQLITE_ERROR;
}

/* The fast path of the connection cache (model.c): the same row fetch()
** would choose, found through the primary key / a scan of one name's rows
** without reading `model` (typeof() does not load the value), then opened
** with sqlite3_blob_open so the caller reads only the bytes it needs.  It
** answers "not this way" for anything unusual -- no table, a WITHOUT ROWID
** table (blob_open fails), or a result column _rowid_ that is not the true
** rowid (behaviour 7): SQLite reports the origin of the true rowid as
** "rowid", and of a declared column by that column's own name, at no cost
** (sqlite3_column_origin_name, where this SQLite has column metadata) -- so
** fetch() keeps deciding every other case and every error message. */
int omen_registry_open(sqlite3 *db, const char *ref, sqlite3_blob **h) {
  sqlite3_stmt *st = NULL;
  sqlite3_int64 version, rowid;
  const char *stage, *sql, *type;
  char *msg = NULL;
  int name_len, rc, aliases = 0;
  *h = NULL;
  rc = parse_ref(ref, &name_len, &version, &stage, &msg);
  sqlite3_free(msg);
  if (rc != SQLITE_OK) return rc;
  if (!sqlite3_api->column_origin_name) return SQLITE_ERROR; /* built without column metadata */
  rc = omen_registry_has_aliases(db, &aliases);
  if (rc != SQLITE_OK) goto done;
  if (stage && !aliases && !legacy_alias(stage)) {
    rc = SQLITE_ERROR; /* fetch() says it has no such alias */
    goto done;
  }
  sql = REF_SQL("SELECT _rowid_, typeof(model) FROM main.omen_models", aliases, version, stage);
  rc = sqlite3_prepare_v2(db, sql, -1, &st, 0);
  if (rc != SQLITE_OK) goto done; /* e.g. no table: fetch() says so */
  type = sqlite3_column_origin_name(st, 0);
  if (!type || strcmp(type, "rowid") != 0) {
    /* a column named _rowid_ hides the rowid, or (NULL) omen_models is a
    ** view: fetch() decides, and reports out of memory itself */
    rc = SQLITE_ERROR;
    goto done;
  }
  ref_bind(st, ref, name_len, version, stage);
  rc = sqlite3_step(st);
  if (rc != SQLITE_ROW) goto done;
  rowid = sqlite3_column_int64(st, 0);
  type = (const char *)sqlite3_column_text(st, 1); /* typeof() is never NULL: NULL is out of memory */
  if (!type) {
    rc = SQLITE_NOMEM;
    goto done;
  }
  if (sqlite3_column_type(st, 0) != SQLITE_INTEGER || strcmp(type, "blob") != 0) {
    rc = SQLITE_ERROR; /* fetch() explains a non-BLOB entry */
    goto done;
  }
  /* Opened while the look-up is still active: one read transaction (a
  ** statement outside any transaction would otherwise take and release the
  ** file lock twice) and one snapshot for both. */
  rc = sqlite3_blob_open(db, "main", "omen_models", "model", rowid, 0, h);
  if (rc != SQLITE_OK) {
    sqlite3_blob_close(*h); /* NULL-safe; *h may be set even on failure */
    *h = NULL;
  }
done:
  sqlite3_finalize(st);
  if (rc == SQLITE_OK) return SQLITE_OK;
  return rc == SQLITE_NOMEM ? SQLITE_NOMEM : SQLITE_ERROR;
}

int omen_registry_read(sqlite3 *db, const char *ref, const uint8_t *last, size_t last_n, uint8_t **buf, int *n,
                       char **errmsg) {
  sqlite3_blob *h = NULL;
  uint8_t trailer[8];
  int rc;
  *buf = NULL;
  *n = 0;
  *errmsg = NULL;
  rc = omen_registry_open(db, ref, &h);
  if (rc == SQLITE_NOMEM) return SQLITE_NOMEM;
  if (rc == SQLITE_OK) {
    int len = sqlite3_blob_bytes(h);
    if (len >= 8 && last && last_n == (size_t)len && sqlite3_blob_read(h, trailer, 8, len - 8) == SQLITE_OK &&
        memcmp(last + len - 8, trailer, 8) == 0) {
      sqlite3_blob_close(h);
      return SQLITE_OK; /* the same bytes as `last`: *buf stays NULL */
    }
    *buf = sqlite3_malloc(len > 0 ? len : 1);
    if (!*buf) {
      sqlite3_blob_close(h);
      return SQLITE_NOMEM;
    }
    rc = len > 0 ? sqlite3_blob_read(h, *buf, len, 0) : SQLITE_OK;
    sqlite3_blob_close(h);
    if (rc == SQLITE_OK) {
      *n = len;
      return SQLITE_OK;
    }
    sqlite3_free(*buf);
    *buf = NULL;
    if (rc == SQLITE_NOMEM) return SQLITE_NOMEM;
  }
  /* the full fetch reads it or says why not */
  return omen_registry_fetch(db, ref, buf, n, errmsg);
}

/* Decode the whole model, payload included, through the kind table: the
** registry only stores models that will score.  Fills *kind. */
static om_status validate_model(const uint8_t *blob, size_t n, uint16_t *kind, om_err *err) {
  mdl_view v;
  const mdl_kind_def *k;
  void *model;
  om_status st = mdl_decode(blob, n, &v, &k, &model, err);
  if (st != OM_OK) return st;
  *kind = v.kind;
  k->close(model);
  mdl_view_free(&v);
  return OM_OK;
}

void modelSaveFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  const char *name, *stage = "none", *problem;
  int name_len, rc;
  uint8_t *blob = NULL;
  size_t n;
  mdl_view view;
  om_err err;
  om_status st;
  om_wbuf info;
  sqlite3_stmt *q = NULL;
  sqlite3_int64 now = 0, version = 0;
  const char *kind;
  uint16_t kind_code = 0;
  const mdl_kind_def *kdef;
  void *kmodel;
  int exists = 0, began = 0;
  char *other = NULL, *msg = NULL;

  om_wbuf_init(&info);
  if (!omen_write_guard(ctx, "model_save")) return;
  if (sqlite3_value_type(argv[0]) != SQLITE_TEXT) {
    omen_errorf(ctx, "model_save", "name (argument 1) is %s; expected TEXT", omen_type_name(argv[0]));
    return;
  }
  name = (const char *)sqlite3_value_text(argv[0]);
  name_len = sqlite3_value_bytes(argv[0]);
  if (!name) goto nomem;
  if ((problem = name_problem(name, name_len)) != NULL) {
    omen_errorf(ctx, "model_save", "name '%s' %s", name, problem);
    return;
  }
  if (sqlite3_value_type(argv[1]) != SQLITE_BLOB) {
    omen_errorf(ctx, "model_save", "model (argument 2) is %s; expected a model BLOB%s", omen_type_name(argv[1]),
                sqlite3_value_type(argv[1]) == SQLITE_NULL ? " (a training aggregate over no rows gives NULL)" : "");
    return;
  }
  if (argc == 3) {
    if (sqlite3_value_type(argv[2]) != SQLITE_TEXT) {
      omen_errorf(ctx, "model_save", "alias (argument 3) is %s; expected TEXT: an alias such as 'production', or 'none'",
                  omen_type_name(argv[2]));
      return;
    }
    stage = (const char *)sqlite3_value_text(argv[2]);
    if (!stage) goto nomem;
    if (strcmp(stage, "none") != 0 && (problem = omen_alias_problem(stage, sqlite3_value_bytes(argv[2]))) != NULL) {
      omen_errorf(ctx, "model_save", "alias (argument 3) '%s' %s", stage, problem);
      return;
    }
  }
  n = (size_t)sqlite3_value_bytes(argv[1]);
  blob = sqlite3_malloc64(n ? n : 1);
  if (!blob) goto nomem;
  if (n) memcpy(blob, sqlite3_value_blob(argv[1]), n);
  st = validate_model(blob, n, &kind_code, &err);
  if (st != OM_OK) {
    omen_result_status(ctx, "model_save", st, &err);
    goto done;
  }
  kind = mdl_kind_name(kind_code);

  rc = omen_registry_exists(db, &exists);
  if (rc != SQLITE_OK) goto sqlerr;
  if (!exists) {
    rc = other_registry(db, &other);
    if (rc != SQLITE_OK) goto sqlerr;
    if (other) {
      omen_errorf(ctx, "model_save",
                  "the registry is the main database's omen_models, which does not exist, and database '%s' has an "
                  "omen_models table that omen does not use; create main.omen_models (sql/registry.sql) or work "
                  "in that database as main",
                  other);
      goto done;
    }
  }
  /* behaviour 8: one savepoint for the schema, the row, the alias and their events */
  rc = omen_registry_begin(db);
  if (rc != SQLITE_OK) goto sqlerr;
  began = 1;
  rc = omen_registry_prepare(db, &msg);
  if (rc != SQLITE_OK) goto sqlerr;
  rc = sqlite3_prepare_v2(db, "SELECT CAST(strftime('%s','now') AS INTEGER), "
                              "(SELECT max(version) FROM main.omen_models WHERE name=?1)", -1, &q, 0);
  if (rc != SQLITE_OK) goto sqlerr;
  sqlite3_bind_text(q, 1, name, name_len, SQLITE_STATIC);
  if (sqlite3_step(q) != SQLITE_ROW) {
    rc = sqlite3_finalize(q);
    q = NULL;
    goto sqlerr;
  }
  now = sqlite3_column_int64(q, 0);
  switch (sqlite3_column_type(q, 1)) {
  case SQLITE_NULL: version = 1; break;
  case SQLITE_INTEGER:
    version = sqlite3_column_int64(q, 1);
    if (version == INT64_MAX) {
      omen_errorf(ctx, "model_save", "model '%s' already has the largest version (%lld); save it under another name",
                  name, version);
      goto done;
    }
    version = version < 1 ? 1 : version + 1;
    break;
  default:
    omen_errorf(ctx, "model_save", "omen_models holds a version of '%s' that is not an INTEGER", name);
    goto done;
  }
  sqlite3_finalize(q);
  q = NULL;

  st = mdl_stamp_created_at(blob, n, now, &err);
  if (st == OM_OK) st = mdl_decode(blob, n, &view, &kdef, &kmodel, &err);
  if (st == OM_OK) {
    st = mdl_info_json(&view, kmodel, &info, &err); /* what model_info() shows */
    kdef->close(kmodel);
    mdl_view_free(&view);
  }
  if (st != OM_OK) {
    omen_result_status(ctx, "model_save", st, &err);
    goto done;
  }
  rc = sqlite3_prepare_v2(db, "INSERT INTO main.omen_models(name, version, kind, stage, created_at, info, model) "
                              "VALUES (?1, ?2, ?3, ?4, datetime(?5, 'unixepoch'), ?6, ?7)", -1, &q, 0);
  if (rc != SQLITE_OK) goto sqlerr;
  sqlite3_bind_text(q, 3, kind ? kind : "unknown", -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 1, name, name_len, SQLITE_STATIC);
  sqlite3_bind_int64(q, 2, version);
  sqlite3_bind_text(q, 4, "none", -1, SQLITE_STATIC); /* the alias trigger sets it */
  sqlite3_bind_int64(q, 5, now);
  sqlite3_bind_text(q, 6, (const char *)info.data, (int)info.len, SQLITE_STATIC);
  sqlite3_bind_blob64(q, 7, blob, n, SQLITE_STATIC);
  rc = sqlite3_step(q);
  if (rc != SQLITE_DONE) {
    rc = sqlite3_finalize(q);
    q = NULL;
    goto sqlerr;
  }
  sqlite3_finalize(q);
  q = NULL;
  if (strcmp(stage, "none") != 0) {
    rc = omen_registry_point_alias(db, name, stage, version, "model_save");
    if (rc != SQLITE_OK) goto sqlerr;
  }
  began = 0;
  rc = omen_registry_end(db, 1);
  if (rc != SQLITE_OK) goto sqlerr;
  sqlite3_result_int64(ctx, version);
  goto done;

sqlerr:
  if (rc == SQLITE_NOMEM) goto nomem;
  omen_errorf(ctx, "model_save", "cannot write omen_models: %s%s", msg ? msg : sqlite3_errmsg(db), omen_busy_hint(db));
  goto done;
nomem:
  sqlite3_result_error_nomem(ctx);
done:
  if (began) omen_registry_end(db, 0);
  sqlite3_free(msg);
  sqlite3_finalize(q);
  sqlite3_free(blob);
  sqlite3_free(other);
  om_wbuf_free(&info);
}

void modelLoadFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  const char *name, *stage = NULL, *problem;
  int name_len, rc, n = 0;
  sqlite3_int64 version = 0;
  uint8_t *blob = NULL;
  char *msg = NULL;
  if (sqlite3_value_type(argv[0]) != SQLITE_TEXT) {
    omen_errorf(ctx, "model_load", "name (argument 1) is %s; expected TEXT", omen_type_name(argv[0]));
    return;
  }
  name = (const char *)sqlite3_value_text(argv[0]);
  name_len = sqlite3_value_bytes(argv[0]);
  if (!name) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (argc == 1) {
    rc = omen_registry_fetch(db, name, &blob, &n, &msg);
  } else {
    if ((problem = name_problem(name, name_len)) != NULL) {
      omen_errorf(ctx, "model_load", "name '%s' %s", name, problem);
      return;
    }
    switch (sqlite3_value_type(argv[1])) {
    case SQLITE_INTEGER:
      version = sqlite3_value_int64(argv[1]);
      if (version < 1) {
        omen_errorf(ctx, "model_load", "version (argument 2) is %lld; expected 1 or more", version);
        return;
      }
      break;
    case SQLITE_FLOAT: {
      double d = sqlite3_value_double(argv[1]);
      if (d != floor(d) || !(d >= 1) || !(d < 9223372036854775808.0)) {
        omen_errorf(ctx, "model_load", "argument 2 is %!.15g; expected a version (a whole number, 1 or more) or an alias", d);
        return;
      }
      version = (sqlite3_int64)d;
      break;
    }
    case SQLITE_TEXT:
      stage = (const char *)sqlite3_value_text(argv[1]);
      if (!stage) {
        sqlite3_result_error_nomem(ctx);
        return;
      }
      if ((version = parse_version(stage)) > 0) {
        stage = NULL; /* '3' means version 3, as in 'name@3' */
        break;
      }
      if ((problem = omen_alias_problem(stage, sqlite3_value_bytes(argv[1]))) != NULL) {
        omen_errorf(ctx, "model_load", "argument 2 is '%s'; expected a version number or an alias (this text %s)",
                    stage, problem);
        return;
      }
      break;
    default:
      omen_errorf(ctx, "model_load", "argument 2 is %s; expected a version (INTEGER) or an alias (TEXT)",
                  omen_type_name(argv[1]));
      return;
    }
    rc = fetch(db, name, name_len, version, stage, &blob, &n, &msg);
  }
  if (rc == SQLITE_NOMEM) sqlite3_result_error_nomem(ctx);
  else if (rc != SQLITE_OK) omen_errorf(ctx, "model_load", "%s", msg ? msg : "cannot read the model registry");
  else sqlite3_result_blob(ctx, blob, n, sqlite3_free), blob = NULL;
  sqlite3_free(blob);
  sqlite3_free(msg);
}
