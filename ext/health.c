/*
** health.c — omen_model_health: live accuracy of every logged model version,
** as rows with plain columns.
**
**   SELECT name, version, role, win, n, mae, median_ape, coverage
**     FROM omen_model_health WHERE name = 'runtime';
**
** Behaviours (docs/omen_model_health.md):
**   1. An eponymous virtual table over the prediction log (omen_predictions,
**      written by predict_log) joined to the outcomes: main.omen_outcomes,
**      a table or view with columns (run_key, actual) that the user keeps —
**      filled by a trigger when runs finish, or a view over the runs table
**      (docs/predict_log.md shows both).  Without omen_outcomes every row
**      has n = 0 and null metrics; without omen_predictions there are no
**      rows.
**   2. One row per (name, version, role, win) that has logged predictions,
**      win in 'all', 'last_1000', 'last_100': the newest 1000 / 100 logged
**      predictions of that (name, version, role), whether or not their
**      outcome is known yet.  Rows come ordered by name, version, role, then
**      the windows in that order.
**   3. Columns: logged (predictions in the window), n (of those, with an
**      outcome that is a number), first_at / last_at (the window's oldest and
**      newest log times), and the metrics over the n rows:
**      - every model: mae (mean |actual − predicted|), median_ape (median of
**        |actual − predicted| / |actual| over actual ≠ 0, a fraction), and
**        coverage (the fraction of rows with an interval whose [lo, hi]
**        holds the actual; null when no row has one), as regression_metrics
**        and interval_coverage compute them;
**      - binary models (objective 'binary' in the model's options): auc,
**        brier (as classification_metrics) and calibration_error, the
**        expected calibration error over 10 equal-width probability bins
**        (Σ n_b/n · |mean(q)_b − mean(y)_b|, Naeini et al. 2015); null for
**        other models, and mae/median_ape are then about probabilities.
**      A metric without the rows it needs is null.
**      Input drift: max_psi, the largest population stability index of
**      any feature between the window's logged feature vectors and the
**      training profile in the version's model (feature_drift, drift.c),
**      and drifted, the features above 0.25 (comma-separated, '' for none);
**      both null when the model has no profile.
**   4. Actuals that are not numbers (NULL, text) count as unknown outcomes.
**      Binary metrics need actuals 0/1; any other value makes auc, brier and
**      calibration_error null for that window.
**   5. It reads the registry and the log: not INNOCUOUS, so views and
**      triggers may use it only in a trusted schema (omen.c behaviour 4).
**      The whole log is read per query (one pass, grouped in SQL order).
*/
#include <math.h>
#include <string.h>

#include "core/stats/st_metrics.h"
#include "core/stats/st_order.h"
#include "omen_ext.h"

enum {
  H_NAME = 0, H_VERSION, H_ROLE, H_WIN, H_LOGGED, H_N, H_MAE, H_MEDIAN_APE, H_COVERAGE, H_AUC, H_BRIER, H_CALIB,
  H_MAX_PSI, H_DRIFTED, H_FIRST_AT, H_LAST_AT, H_NCOL
};

#define N_WINDOWS 3
static const char *const win_name[N_WINDOWS] = {"all", "last_1000", "last_100"};
static const long win_size[N_WINDOWS] = {-1, 1000, 100};

/* One result row. */
typedef struct h_row {
  char *name, *role, *first_at, *last_at, *drifted;
  sqlite3_int64 version, logged, n;
  double v[7]; /* mae, median_ape, coverage, auc, brier, calibration_error, max_psi; NaN = null */
  int win;
} h_row;

typedef struct h_vtab {
  sqlite3_vtab base;
  sqlite3 *db;
} h_vtab;

typedef struct h_cursor {
  sqlite3_vtab_cursor base;
  h_row *rows;
  size_t n, cap, i;
} h_cursor;

/* One logged prediction of the current group, newest first. */
typedef struct h_obs {
  double pred, lo, hi, actual;
  int has_actual, has_interval;
} h_obs;

static int hConnect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **pp, char **err) {
  h_vtab *v;
  int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(name TEXT, version INTEGER, role TEXT, win TEXT, logged INTEGER, "
                                    "n INTEGER, mae REAL, median_ape REAL, coverage REAL, auc REAL, brier REAL, "
                                    "calibration_error REAL, max_psi REAL, drifted TEXT, first_at TEXT, last_at TEXT)");
  if (rc != SQLITE_OK) return rc;
  v = sqlite3_malloc(sizeof *v);
  if (!v) return SQLITE_NOMEM;
  memset(v, 0, sizeof *v);
  v->db = db;
  /* it reads the registry: neither DIRECTONLY nor INNOCUOUS (behaviour 5) */
  *pp = &v->base;
  return SQLITE_OK;
}

static int hDisconnect(sqlite3_vtab *v) {
  sqlite3_free(v);
  return SQLITE_OK;
}

static int hOpen(sqlite3_vtab *v, sqlite3_vtab_cursor **pp) {
  h_cursor *c = sqlite3_malloc(sizeof *c);
  if (!c) return SQLITE_NOMEM;
  memset(c, 0, sizeof *c);
  *pp = &c->base;
  return SQLITE_OK;
}

static void h_clear(h_cursor *c) {
  for (size_t i = 0; i < c->n; i++) {
    sqlite3_free(c->rows[i].name);
    sqlite3_free(c->rows[i].role);
    sqlite3_free(c->rows[i].first_at);
    sqlite3_free(c->rows[i].last_at);
    sqlite3_free(c->rows[i].drifted);
  }
  sqlite3_free(c->rows);
  c->rows = NULL;
  c->n = c->cap = c->i = 0;
}

static int hClose(sqlite3_vtab_cursor *cur) {
  h_clear((h_cursor *)cur);
  sqlite3_free(cur);
  return SQLITE_OK;
}

static int h_error(sqlite3_vtab_cursor *cur, const char *msg) {
  sqlite3_free(cur->pVtab->zErrMsg);
  cur->pVtab->zErrMsg = sqlite3_mprintf("omen_model_health: %s", msg);
  return cur->pVtab->zErrMsg ? SQLITE_ERROR : SQLITE_NOMEM;
}

/* Metrics over obs[0, m) (newest first) into r (behaviour 3). */
static om_status h_metrics(const h_obs *obs, size_t m, int binary, double *ape, h_row *r, om_err *err) {
  st_regression_acc reg;
  st_regression_result rr;
  st_classification_acc cl;
  size_t n_ape = 0, n_int = 0, n_cov = 0, bins_n[10] = {0};
  double bins_q[10] = {0}, bins_y[10] = {0};
  int binary_ok = binary;
  om_status st = OM_OK;
  for (int k = 0; k < 7; k++) r->v[k] = NAN;
  st_regression_init(&reg);
  memset(&cl, 0, sizeof cl);
  if (binary) st_classification_init(&cl, 0.5, err);
  for (size_t i = 0; i < m; i++) {
    const h_obs *o = &obs[i];
    if (!o->has_actual || !isfinite(o->pred)) continue;
    r->n++;
    if ((st = st_regression_add(&reg, o->actual, o->pred, err)) != OM_OK) goto done;
    if (o->actual != 0) ape[n_ape++] = fabs(o->actual - o->pred) / fabs(o->actual);
    if (o->has_interval) {
      n_int++;
      if (o->lo <= o->actual && o->actual <= o->hi) n_cov++;
    }
    if (binary_ok) {
      if ((o->actual != 0 && o->actual != 1) || !(o->pred >= 0 && o->pred <= 1)) {
        binary_ok = 0;
      } else {
        int b = o->pred >= 1 ? 9 : (int)(o->pred * 10);
        if ((st = st_classification_add(&cl, (int)o->actual, o->pred, err)) != OM_OK) goto done;
        bins_n[b]++;
        bins_q[b] += o->pred;
        bins_y[b] += o->actual;
      }
    }
  }
  if (r->n > 0) {
    if ((st = st_regression_compute(&reg, &rr, err)) != OM_OK) goto done;
    r->v[0] = rr.mae;
  }
  if (n_ape > 0) {
    double med;
    if ((st = st_select_kth(ape, n_ape, (n_ape - 1) / 2, &med, NULL, err)) != OM_OK) goto done;
    if (n_ape % 2 == 0) {
      double hi;
      if ((st = st_select_kth(ape, n_ape, n_ape / 2, &hi, NULL, err)) != OM_OK) goto done;
      med = (med + hi) / 2;
    }
    r->v[1] = med;
  }
  if (n_int > 0) r->v[2] = (double)n_cov / (double)n_int;
  if (binary_ok && r->n > 0) {
    st_classification_result cr;
    double ece = 0;
    if ((st = st_classification_compute(&cl, &cr, err)) != OM_OK) goto done;
    r->v[3] = cr.auc;
    r->v[4] = cr.brier;
    for (int b = 0; b < 10; b++)
      if (bins_n[b]) ece += (double)bins_n[b] / (double)r->n * fabs(bins_q[b] / (double)bins_n[b] - bins_y[b] / (double)bins_n[b]);
    r->v[5] = ece;
  }
done:
  st_regression_free(&reg);
  if (binary) st_classification_free(&cl);
  return st;
}

static int h_push(h_cursor *c, h_row *r) {
  if (c->n == c->cap) {
    size_t cap = c->cap ? 2 * c->cap : 16;
    h_row *p = sqlite3_realloc64(c->rows, cap * sizeof *p);
    if (!p) return SQLITE_NOMEM;
    c->rows = p;
    c->cap = cap;
  }
  c->rows[c->n++] = *r;
  return SQLITE_OK;
}

/* Input drift of the newest k logged rows of a group (behaviour 6):
** feature_drift over their feature vectors against the version's profile.
** A model without a profile, or any failure, leaves max_psi null. */
static int h_drift(sqlite3 *db, const char *name, sqlite3_int64 version, const char *role, size_t k, h_row *r) {
  sqlite3_stmt *st = NULL;
  char *ref = sqlite3_mprintf("%s@%lld", name, version);
  int rc;
  if (!ref) return SQLITE_NOMEM;
  rc = sqlite3_prepare_v2(db,
                          "SELECT json_extract(j, '$.max_psi'), "
                          "(SELECT group_concat(value, ',') FROM json_each(j, '$.drifted')) FROM "
                          "(SELECT feature_drift(?1, features) AS j FROM (SELECT features FROM main.omen_predictions "
                          "WHERE name = ?2 AND version = ?3 AND role = ?4 ORDER BY id DESC LIMIT ?5))",
                          -1, &st, 0);
  if (rc == SQLITE_OK) {
    sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, version);
    sqlite3_bind_text(st, 4, role, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)k);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
      r->v[6] = sqlite3_column_double(st, 0);
      r->drifted = sqlite3_mprintf("%s", sqlite3_column_text(st, 1) ? (const char *)sqlite3_column_text(st, 1) : "");
      if (!r->drifted) rc = SQLITE_NOMEM;
    }
  }
  rc = rc == SQLITE_NOMEM || sqlite3_errcode(db) == SQLITE_NOMEM ? SQLITE_NOMEM : SQLITE_OK;
  sqlite3_finalize(st);
  sqlite3_free(ref);
  return rc;
}

/* The rows of one group (obs newest first, at[i] their times). */
static int h_group(h_cursor *c, const char *name, sqlite3_int64 version, const char *role, int binary, const h_obs *obs,
                   char **at, size_t m, double *ape) {
  sqlite3 *db = ((h_vtab *)c->base.pVtab)->db;
  for (int w = 0; w < N_WINDOWS; w++) {
    size_t k = win_size[w] < 0 || (size_t)win_size[w] > m ? m : (size_t)win_size[w];
    h_row r;
    om_err err;
    om_status st;
    memset(&r, 0, sizeof r);
    r.win = w;
    r.version = version;
    r.logged = (sqlite3_int64)k;
    st = h_metrics(obs, k, binary, ape, &r, &err);
    if (st == OM_NOMEM || h_drift(db, name, version, role, k, &r) == SQLITE_NOMEM) {
      sqlite3_free(r.drifted);
      return SQLITE_NOMEM;
    }
    r.name = sqlite3_mprintf("%s", name);
    r.role = sqlite3_mprintf("%s", role);
    r.last_at = sqlite3_mprintf("%s", at[0]);
    r.first_at = sqlite3_mprintf("%s", at[k - 1]);
    if (!r.name || !r.role || !r.last_at || !r.first_at || h_push(c, &r) != SQLITE_OK) {
      sqlite3_free(r.name);
      sqlite3_free(r.role);
      sqlite3_free(r.last_at);
      sqlite3_free(r.first_at);
      sqlite3_free(r.drifted);
      return SQLITE_NOMEM;
    }
  }
  return SQLITE_OK;
}

static int hFilter(sqlite3_vtab_cursor *cur, int idxNum, const char *idxStr, int argc, sqlite3_value **argv) {
  h_cursor *c = (h_cursor *)cur;
  sqlite3 *db = ((h_vtab *)cur->pVtab)->db;
  sqlite3_stmt *st = NULL;
  int rc, has_log = 0, has_out = 0, binary = 0;
  h_obs *obs = NULL;
  char **at = NULL;
  double *ape = NULL;
  size_t m = 0, cap = 0;
  char *name = NULL, *role = NULL;
  sqlite3_int64 version = 0;
  h_clear(c);
  if ((rc = omen_main_has(db, "omen_predictions", &has_log)) != SQLITE_OK) return rc;
  if (!has_log) return SQLITE_OK;
  if ((rc = omen_main_has(db, "omen_outcomes", &has_out)) != SQLITE_OK) return rc;
  rc = sqlite3_prepare_v2(
      db,
      has_out ? "SELECT p.name, p.version, p.role, p.predicted, p.lo, p.hi, p.at, "
                "(SELECT o.actual FROM main.omen_outcomes AS o WHERE o.run_key = p.run_key), "
                "(SELECT json_extract(m.info, '$.options.objective') = 'binary' FROM main.omen_models AS m "
                "WHERE m.name = p.name AND m.version = p.version) "
                "FROM main.omen_predictions AS p ORDER BY p.name, p.version, p.role, p.id DESC"
              : "SELECT p.name, p.version, p.role, p.predicted, p.lo, p.hi, p.at, NULL, "
                "(SELECT json_extract(m.info, '$.options.objective') = 'binary' FROM main.omen_models AS m "
                "WHERE m.name = p.name AND m.version = p.version) "
                "FROM main.omen_predictions AS p ORDER BY p.name, p.version, p.role, p.id DESC",
      -1, &st, 0);
  if (rc != SQLITE_OK) {
    char *msg = sqlite3_mprintf("cannot read the prediction log: %s", sqlite3_errmsg(db));
    if (!msg) return SQLITE_NOMEM;
    rc = h_error(cur, msg);
    sqlite3_free(msg);
    return rc;
  }
  for (;;) {
    const char *rn, *rr;
    sqlite3_int64 rv;
    int more = (rc = sqlite3_step(st)) == SQLITE_ROW;
    if (!more && rc != SQLITE_DONE) break;
    rn = more ? (const char *)sqlite3_column_text(st, 0) : NULL;
    rr = more ? (const char *)sqlite3_column_text(st, 2) : NULL;
    rv = more ? sqlite3_column_int64(st, 1) : 0;
    if (more && (!rn || !rr)) {
      rc = sqlite3_errcode(db) == SQLITE_NOMEM ? SQLITE_NOMEM : SQLITE_OK;
      if (rc != SQLITE_OK) break;
      continue; /* a hand-written row without name or role */
    }
    if (m > 0 && (!more || strcmp(rn, name) != 0 || rv != version || strcmp(rr, role) != 0)) {
      rc = h_group(c, name, version, role, binary, obs, at, m, ape);
      for (size_t i = 0; i < m; i++) sqlite3_free(at[i]);
      m = 0;
      if (rc != SQLITE_OK) break;
    }
    if (!more) {
      rc = SQLITE_DONE;
      break;
    }
    if (m == 0) {
      sqlite3_free(name);
      sqlite3_free(role);
      name = sqlite3_mprintf("%s", rn);
      role = sqlite3_mprintf("%s", rr);
      version = rv;
      binary = sqlite3_column_int(st, 8);
      if (!name || !role) {
        rc = SQLITE_NOMEM;
        break;
      }
    }
    if (m == cap) {
      size_t ncap = cap ? 2 * cap : 256;
      h_obs *o2 = sqlite3_realloc64(obs, ncap * sizeof *o2);
      char **a2;
      double *p2;
      if (o2) obs = o2;
      a2 = o2 ? sqlite3_realloc64(at, ncap * sizeof *a2) : NULL;
      if (a2) at = a2;
      p2 = a2 ? sqlite3_realloc64(ape, ncap * sizeof *p2) : NULL;
      if (!p2) {
        rc = SQLITE_NOMEM;
        break;
      }
      ape = p2;
      cap = ncap;
    }
    {
      h_obs *o = &obs[m];
      int at7 = sqlite3_column_type(st, 7);
      o->pred = sqlite3_column_type(st, 3) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 3);
      o->has_interval = sqlite3_column_type(st, 4) != SQLITE_NULL && sqlite3_column_type(st, 5) != SQLITE_NULL;
      o->lo = sqlite3_column_double(st, 4);
      o->hi = sqlite3_column_double(st, 5);
      o->has_actual = (at7 == SQLITE_INTEGER || at7 == SQLITE_FLOAT) && isfinite(sqlite3_column_double(st, 7));
      o->actual = sqlite3_column_double(st, 7);
      at[m] = sqlite3_mprintf("%s", sqlite3_column_text(st, 6) ? (const char *)sqlite3_column_text(st, 6) : "");
      if (!at[m]) {
        rc = SQLITE_NOMEM;
        break;
      }
      m++;
    }
  }
  for (size_t i = 0; i < m; i++) sqlite3_free(at[i]);
  sqlite3_free(obs);
  sqlite3_free(at);
  sqlite3_free(ape);
  sqlite3_free(name);
  sqlite3_free(role);
  if (rc == SQLITE_DONE) rc = SQLITE_OK;
  if (rc != SQLITE_OK && rc != SQLITE_NOMEM) {
    char *msg = sqlite3_mprintf("cannot read the prediction log: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    if (!msg) return SQLITE_NOMEM;
    rc = h_error(cur, msg);
    sqlite3_free(msg);
    return rc;
  }
  sqlite3_finalize(st);
  return rc;
}

static int hNext(sqlite3_vtab_cursor *cur) {
  ((h_cursor *)cur)->i++;
  return SQLITE_OK;
}

static int hEof(sqlite3_vtab_cursor *cur) {
  h_cursor *c = (h_cursor *)cur;
  return c->i >= c->n;
}

static void result_real(sqlite3_context *ctx, double v) {
  if (v == v) sqlite3_result_double(ctx, v);
}

static int hColumn(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i) {
  h_cursor *c = (h_cursor *)cur;
  const h_row *r = &c->rows[c->i];
  switch (i) {
  case H_NAME: sqlite3_result_text(ctx, r->name, -1, SQLITE_TRANSIENT); break;
  case H_VERSION: sqlite3_result_int64(ctx, r->version); break;
  case H_ROLE: sqlite3_result_text(ctx, r->role, -1, SQLITE_TRANSIENT); break;
  case H_WIN: sqlite3_result_text(ctx, win_name[r->win], -1, SQLITE_STATIC); break;
  case H_LOGGED: sqlite3_result_int64(ctx, r->logged); break;
  case H_N: sqlite3_result_int64(ctx, r->n); break;
  case H_FIRST_AT: sqlite3_result_text(ctx, r->first_at, -1, SQLITE_TRANSIENT); break;
  case H_LAST_AT: sqlite3_result_text(ctx, r->last_at, -1, SQLITE_TRANSIENT); break;
  case H_DRIFTED:
    if (r->drifted) sqlite3_result_text(ctx, r->drifted, -1, SQLITE_TRANSIENT);
    break;
  default:
    if (i >= H_MAE && i <= H_MAX_PSI) result_real(ctx, r->v[i - H_MAE]);
    break;
  }
  return SQLITE_OK;
}

static int hRowid(sqlite3_vtab_cursor *cur, sqlite_int64 *rowid) {
  *rowid = (sqlite_int64)((h_cursor *)cur)->i + 1;
  return SQLITE_OK;
}

static int hBestIndex(sqlite3_vtab *v, sqlite3_index_info *info) {
  info->estimatedCost = 1e6;
  info->estimatedRows = 100;
  return SQLITE_OK;
}

sqlite3_module omen_health_module = {
    .iVersion = 0,
    .xCreate = 0, /* eponymous only */
    .xConnect = hConnect,
    .xBestIndex = hBestIndex,
    .xDisconnect = hDisconnect,
    .xDestroy = hDisconnect,
    .xOpen = hOpen,
    .xClose = hClose,
    .xFilter = hFilter,
    .xNext = hNext,
    .xEof = hEof,
    .xColumn = hColumn,
    .xRowid = hRowid,
};
