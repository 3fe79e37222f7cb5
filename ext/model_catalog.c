/*
** model_catalog.c — the model registry as plain columns, for clients that
** cannot take JSON apart (BI tools over ODBC): three eponymous virtual tables
** over main.omen_models.
**
**   SELECT name, version, stage, created_at, kind, objective, rows_used, error
**     FROM model_catalog ORDER BY name, version;
**   SELECT name, version, metric, value FROM model_metrics WHERE metric = 'validation_metric';
**   SELECT name, version, option, value FROM model_options WHERE name = 'runtime';
**
** Behaviours (docs/model_catalog.md, docs/model_metrics.md, docs/model_options.md):
**   1. model_catalog: one row per row of main.omen_models, ordered by name,
**      then version.  Columns: name, version, stage, created_at (the registry's
**      own columns, as stored; created_at is TEXT 'YYYY-MM-DD HH:MM:SS', UTC),
**      then from the model BLOB, as model_info() reports them: kind TEXT,
**      objective TEXT (the 'objective' training option; NULL for kinds
**      without one), n_features, rows_used, rows_skipped, seed,
**      format_version, payload_version, size_bytes INTEGER, checksum TEXT (16
**      hex digits), error TEXT, and is_current INTEGER: 1 for the row a bare
**      name resolves to (OMEN_REF_ORDER_DEFAULT, the rule registry.c uses),
**      else 0.
**   2. A row whose model column is not a BLOB, or whose BLOB fails the
**      envelope checks (mdl_open: length, magic, version, checksum, sections,
**      schema, metadata), is listed with every BLOB-derived column NULL and
**      error = the reason (the text model_info() would give, without the
**      function prefix).  error is NULL for a good row.  The payload itself
**      (the trees) is not decoded, as model_info() does not.
**      Column types are declared (VARCHAR(n), INTEGER, REAL, TEXT) because
**      ODBC drivers report a result column's type from its declared type;
**      without one, Debian's SQLite ODBC driver guesses from the first row.
**   3. model_metrics(name, version, metric, value) and model_options(name,
**      version, option, value): the model's metrics / training options (flat
**      JSON objects in the envelope), one row per key, registry rows in
**      model_catalog's order, keys in stored order.  model_metrics.value is
**      REAL (declared and returned; a string metric would be TEXT).
**      model_options.value is declared TEXT (options mix numbers and words)
**      but keeps its SQL type: INTEGER for an integer or true/false (1/0),
**      REAL for other numbers, TEXT for a string; NULL for null.  Rows that fail as in 2 contribute no rows
**      (model_catalog shows why).
**   4. Only main.omen_models is read: the registry is the main database's
**      table; a temp or attached table of that name is not used.  Without a
**      table main.omen_models the result is empty, not an error.  A table
**      that cannot be read as the registry (other columns) is an error:
**      "<vtab>(): cannot read omen_models: <SQLite message>".
**   5. Constraints are evaluated by SQLite (no idxNum bits); one scan of the
**      registry per query.  Each BLOB is checksummed once per scan (mdl_open;
**      XXH3, GB/s); nothing is copied.
**   6. They read omen_models, so they are not INNOCUOUS: views and triggers
**      may use them only in a trusted schema (omen.c behaviour 4).
*/
#include <string.h>

#include "core/base/mdl.h"
#include "core/base/om_json.h"
#include "omen_ext.h"

enum {
  CAT_NAME = 0, CAT_VERSION, CAT_STAGE, CAT_CREATED_AT, CAT_KIND, CAT_OBJECTIVE, CAT_N_FEATURES, CAT_ROWS_USED,
  CAT_ROWS_SKIPPED, CAT_SEED, CAT_FORMAT_VERSION, CAT_PAYLOAD_VERSION, CAT_SIZE_BYTES, CAT_CHECKSUM, CAT_ERROR,
  CAT_IS_CURRENT
};
enum { KV_NAME = 0, KV_VERSION, KV_KEY, KV_VALUE };
enum { MOD_CATALOG = 0, MOD_METRICS, MOD_OPTIONS };

static const char *const mod_name[] = {"model_catalog", "model_metrics", "model_options"};

typedef struct cat_vtab {
  sqlite3_vtab base;
  sqlite3 *db;
  int which; /* MOD_* */
} cat_vtab;

typedef struct cat_cursor {
  sqlite3_vtab_cursor base;
  sqlite3_stmt *stmt; /* the registry scan; NULL: no table (empty) */
  int eof;
  sqlite3_int64 rowid;
  int view_ok;        /* view is open over the current row's BLOB */
  mdl_view view;
  char *error;        /* why the current row's BLOB did not open (sqlite3_malloc'd) */
  int obj_state;      /* 0 not parsed, 1 parsed, -1 unparsable */
  om_json_obj obj;    /* options (catalog: for objective) or metrics/options (kv) */
  size_t member;      /* kv: current member of obj */
} cat_cursor;

static int cat_connect(sqlite3 *db, int which, const char *schema, sqlite3_vtab **ppVtab) {
  cat_vtab *v;
  int rc = sqlite3_declare_vtab(db, schema);
  if (rc != SQLITE_OK) return rc;
  v = sqlite3_malloc(sizeof *v);
  if (!v) return SQLITE_NOMEM;
  memset(v, 0, sizeof *v);
  v->db = db;
  v->which = which;
  /* it reads models: neither DIRECTONLY nor INNOCUOUS (trusted schema only; omen.c behaviour 4) */
  *ppVtab = &v->base;
  return SQLITE_OK;
}

static int catalogConnect(sqlite3 *db, void *pAux, int argc, const char *const *argv, sqlite3_vtab **ppVtab,
                          char **pzErr) {
  return cat_connect(db, MOD_CATALOG,
                     "CREATE TABLE x(name VARCHAR(255), version INTEGER, stage VARCHAR(16), created_at VARCHAR(19), "
                     "kind VARCHAR(16), objective VARCHAR(16), n_features INTEGER, rows_used INTEGER, "
                     "rows_skipped INTEGER, seed INTEGER, format_version INTEGER, payload_version INTEGER, "
                     "size_bytes INTEGER, checksum VARCHAR(16), error VARCHAR(255), is_current INTEGER)",
                     ppVtab);
}

static int metricsConnect(sqlite3 *db, void *pAux, int argc, const char *const *argv, sqlite3_vtab **ppVtab,
                          char **pzErr) {
  return cat_connect(db, MOD_METRICS, "CREATE TABLE x(name VARCHAR(255), version INTEGER, metric VARCHAR(64), value REAL)", ppVtab);
}

static int optionsConnect(sqlite3 *db, void *pAux, int argc, const char *const *argv, sqlite3_vtab **ppVtab,
                          char **pzErr) {
  return cat_connect(db, MOD_OPTIONS, "CREATE TABLE x(name VARCHAR(255), version INTEGER, option VARCHAR(64), value TEXT)", ppVtab);
}

static int catDisconnect(sqlite3_vtab *v) {
  sqlite3_free(v);
  return SQLITE_OK;
}

static int catOpen(sqlite3_vtab *v, sqlite3_vtab_cursor **pp) {
  cat_cursor *c = sqlite3_malloc(sizeof *c);
  if (!c) return SQLITE_NOMEM;
  memset(c, 0, sizeof *c);
  *pp = &c->base;
  return SQLITE_OK;
}

/* Forget the current row's decoded parts. */
static void cat_row_clear(cat_cursor *c) {
  if (c->view_ok) mdl_view_free(&c->view);
  c->view_ok = 0;
  sqlite3_free(c->error);
  c->error = NULL;
  if (c->obj_state == 1) om_json_obj_free(&c->obj);
  c->obj_state = 0;
  c->member = 0;
}

static void cat_reset(cat_cursor *c) {
  cat_row_clear(c);
  sqlite3_finalize(c->stmt);
  c->stmt = NULL;
  c->eof = 1;
  c->rowid = 0;
}

static int catClose(sqlite3_vtab_cursor *cur) {
  cat_cursor *c = (cat_cursor *)cur;
  cat_reset(c);
  sqlite3_free(c);
  return SQLITE_OK;
}

static int cat_error(sqlite3_vtab_cursor *cur, const char *msg) {
  cat_vtab *v = (cat_vtab *)cur->pVtab;
  sqlite3_free(cur->pVtab->zErrMsg);
  cur->pVtab->zErrMsg = sqlite3_mprintf("%s(): cannot read omen_models: %s", mod_name[v->which], msg);
  return cur->pVtab->zErrMsg ? SQLITE_ERROR : SQLITE_NOMEM;
}

/* Open the current registry row's BLOB (column 4); a failure is recorded in
** c->error, not returned (behaviour 2).  SQLITE_NOMEM only. */
static int cat_row_load(cat_cursor *c) {
  static const uint8_t empty[1];
  om_err err;
  om_status st;
  const uint8_t *p;
  int n;
  cat_row_clear(c);
  if (sqlite3_column_type(c->stmt, 4) != SQLITE_BLOB) {
    c->error = sqlite3_mprintf("the model column holds %s, not a model BLOB",
                               omen_type_name(sqlite3_column_value(c->stmt, 4)));
    return c->error ? SQLITE_OK : SQLITE_NOMEM;
  }
  p = sqlite3_column_blob(c->stmt, 4);
  n = sqlite3_column_bytes(c->stmt, 4);
  if (!p && sqlite3_errcode(sqlite3_db_handle(c->stmt)) == SQLITE_NOMEM) return SQLITE_NOMEM;
  st = mdl_open(p ? p : empty, (size_t)n, &c->view, &err);
  if (st == OM_NOMEM) return SQLITE_NOMEM;
  if (st != OM_OK) {
    c->error = sqlite3_mprintf("%s", err.msg);
    return c->error ? SQLITE_OK : SQLITE_NOMEM;
  }
  c->view_ok = 1;
  return SQLITE_OK;
}

/* Parse the flat JSON object this cursor reads (options for the catalog and
** model_options, metrics for model_metrics) once per row: 1 parsed, -1 not. */
static int cat_obj(cat_cursor *c, int which) {
  om_err err;
  om_status st;
  if (c->obj_state || !c->view_ok) return c->obj_state;
  if (which == MOD_METRICS) st = om_json_parse_flat(c->view.meta.metrics_json, c->view.meta.metrics_len, &c->obj, &err);
  else st = om_json_parse_flat(c->view.meta.options_json, c->view.meta.options_len, &c->obj, &err);
  if (st == OM_NOMEM) return 0; /* the caller reports it */
  c->obj_state = st == OM_OK ? 1 : -1;
  return c->obj_state;
}

/* Step the registry scan to its next row (loaded). */
static int cat_step(cat_cursor *c) {
  int rc = sqlite3_step(c->stmt);
  if (rc == SQLITE_ROW) {
    c->rowid++;
    return cat_row_load(c);
  }
  cat_row_clear(c);
  c->eof = 1;
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* kv: advance to the next (row, member), skipping rows without members. */
static int kv_advance(cat_cursor *c, int which, int first) {
  int rc;
  if (!first && c->obj_state == 1 && c->member + 1 < c->obj.count) {
    c->member++;
    c->rowid++;
    return SQLITE_OK;
  }
  for (;;) {
    int s;
    rc = cat_step(c);
    if (rc != SQLITE_OK || c->eof) return rc;
    s = cat_obj(c, which);
    if (s == 0 && c->view_ok) return SQLITE_NOMEM;
    if (s == 1 && c->obj.count > 0) {
      c->member = 0;
      return SQLITE_OK;
    }
  }
}

static int catFilter(sqlite3_vtab_cursor *cur, int idxNum, const char *idxStr, int argc, sqlite3_value **argv) {
  cat_cursor *c = (cat_cursor *)cur;
  cat_vtab *v = (cat_vtab *)cur->pVtab;
  int rc, exists = 0;
  cat_reset(c);
  rc = omen_registry_exists(v->db, &exists); /* the registry's own test (registry.c) */
  if (rc != SQLITE_OK) return rc;
  if (!exists) return SQLITE_OK; /* no registry: no rows */
  rc = sqlite3_prepare_v2(v->db,
                          "SELECT name, version, stage, created_at, model, version = (SELECT version FROM "
                          "main.omen_models AS r WHERE r.name = m.name" OMEN_REF_ORDER_DEFAULT ") "
                          "FROM main.omen_models AS m ORDER BY name, version",
                          -1, &c->stmt, 0);
  if (rc != SQLITE_OK) return rc == SQLITE_NOMEM ? rc : cat_error(cur, sqlite3_errmsg(v->db));
  c->eof = 0;
  rc = v->which == MOD_CATALOG ? cat_step(c) : kv_advance(c, v->which, 1);
  if (rc != SQLITE_OK && rc != SQLITE_NOMEM) return cat_error(cur, sqlite3_errmsg(v->db));
  return rc;
}

static int catNext(sqlite3_vtab_cursor *cur) {
  cat_cursor *c = (cat_cursor *)cur;
  int which = ((cat_vtab *)cur->pVtab)->which;
  int rc = which == MOD_CATALOG ? cat_step(c) : kv_advance(c, which, 0);
  if (rc != SQLITE_OK && rc != SQLITE_NOMEM) return cat_error(cur, sqlite3_errmsg(((cat_vtab *)cur->pVtab)->db));
  return rc;
}

static int catEof(sqlite3_vtab_cursor *cur) { return ((cat_cursor *)cur)->eof; }

static void result_u64(sqlite3_context *ctx, uint64_t v) {
  if (v <= (uint64_t)INT64_MAX) sqlite3_result_int64(ctx, (sqlite3_int64)v);
  else sqlite3_result_double(ctx, (double)v);
}

static int catalogColumn(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i) {
  cat_cursor *c = (cat_cursor *)cur;
  const mdl_view *v = &c->view;
  if (i <= CAT_CREATED_AT) { /* name, version, stage, created_at: as stored */
    sqlite3_result_value(ctx, sqlite3_column_value(c->stmt, i));
    return SQLITE_OK;
  }
  if (i == CAT_IS_CURRENT) { /* the row a bare 'name' resolves to */
    sqlite3_result_int(ctx, sqlite3_column_int(c->stmt, 5));
    return SQLITE_OK;
  }
  if (i == CAT_ERROR) {
    if (c->error) sqlite3_result_text(ctx, c->error, -1, SQLITE_TRANSIENT);
    return SQLITE_OK;
  }
  if (!c->view_ok) return SQLITE_OK; /* NULL */
  switch (i) {
  case CAT_KIND: {
    const char *k = mdl_kind_name(v->kind);
    if (k) sqlite3_result_text(ctx, k, -1, SQLITE_STATIC);
    else sqlite3_result_int(ctx, v->kind);
    break;
  }
  case CAT_OBJECTIVE: {
    const om_json_member *m;
    int s = cat_obj(c, MOD_OPTIONS);
    if (s == 0) return SQLITE_NOMEM;
    if (s == 1 && (m = om_json_obj_get(&c->obj, "objective")) && m->type == OM_JSON_STRING)
      sqlite3_result_text(ctx, m->str, (int)m->str_len, SQLITE_TRANSIENT);
    break;
  }
  case CAT_N_FEATURES: sqlite3_result_int64(ctx, v->n_features); break;
  case CAT_ROWS_USED: result_u64(ctx, v->meta.rows_used); break;
  case CAT_ROWS_SKIPPED: result_u64(ctx, v->meta.rows_skipped); break;
  case CAT_SEED: result_u64(ctx, v->meta.seed); break;
  case CAT_FORMAT_VERSION: sqlite3_result_int(ctx, v->format_version); break;
  case CAT_PAYLOAD_VERSION: sqlite3_result_int(ctx, v->payload_version); break;
  case CAT_SIZE_BYTES: sqlite3_result_int64(ctx, (sqlite3_int64)v->size); break;
  case CAT_CHECKSUM: {
    char buf[20];
    sqlite3_snprintf(sizeof buf, buf, "%016llx", (unsigned long long)v->checksum);
    sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
    break;
  }
  default: break;
  }
  return SQLITE_OK;
}

static int kvColumn(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i) {
  cat_cursor *c = (cat_cursor *)cur;
  const om_json_member *m = &c->obj.members[c->member];
  switch (i) {
  case KV_NAME:
  case KV_VERSION: sqlite3_result_value(ctx, sqlite3_column_value(c->stmt, i)); break;
  case KV_KEY: sqlite3_result_text(ctx, m->key, (int)m->key_len, SQLITE_TRANSIENT); break;
  case KV_VALUE:
    if (m->type == OM_JSON_STRING) sqlite3_result_text(ctx, m->str, (int)m->str_len, SQLITE_TRANSIENT);
    else if (m->type == OM_JSON_NUMBER && ((cat_vtab *)cur->pVtab)->which == MOD_METRICS)
      sqlite3_result_double(ctx, m->num); /* declared REAL: one type for ODBC clients */
    else if (m->type == OM_JSON_NUMBER && (m->is_int || m->is_bool))
      sqlite3_result_int64(ctx, m->is_bool ? (sqlite3_int64)m->num : m->inum);
    else if (m->type == OM_JSON_NUMBER) sqlite3_result_double(ctx, m->num);
    break; /* null: NULL */
  default: break;
  }
  return SQLITE_OK;
}

static int catRowid(sqlite3_vtab_cursor *cur, sqlite_int64 *rowid) {
  *rowid = ((cat_cursor *)cur)->rowid;
  return SQLITE_OK;
}

static int catBestIndex(sqlite3_vtab *v, sqlite3_index_info *info) {
  info->estimatedCost = 1000;
  info->estimatedRows = 100;
  return SQLITE_OK;
}

#define CATALOG_MODULE(connect, column)                                                                                \
  {                                                                                                                    \
    .iVersion = 0, .xCreate = 0, .xConnect = connect, .xBestIndex = catBestIndex, .xDisconnect = catDisconnect,        \
    .xOpen = catOpen, .xClose = catClose, .xFilter = catFilter, .xNext = catNext, .xEof = catEof, .xColumn = column,   \
    .xRowid = catRowid,                                                                                                \
  }

sqlite3_module omen_catalog_module = CATALOG_MODULE(catalogConnect, catalogColumn);
sqlite3_module omen_metrics_module = CATALOG_MODULE(metricsConnect, kvColumn);
sqlite3_module omen_options_module = CATALOG_MODULE(optionsConnect, kvColumn);
