/*
** series_views.c — three table-valued functions over a forecast model
** (core/ts/ts_fc.h): its decomposition, the anomalous points of its
** fitted span, and when its forecast crosses a threshold.
**
**   SELECT ts, trend, seasonal, remainder FROM decompose('load');
**   SELECT ts, value, expected, score FROM series_anomalies('load');
**   SELECT ts, probability FROM forecast_crossing('load', 500, 168, 'hi');
**
** Behaviours (docs/decompose.md, docs/series_anomalies.md,
** docs/forecast_crossing.md):
**   1. model is a BLOB or a registry reference of the 'forecast' kind
**      (omen_forecast_load); NULL gives no rows.  It is decoded and the
**      rows computed once per query (xFilter).  Without the model
**      constraint (and the threshold for forecast_crossing) the plan is
**      refused.
**   2. decompose(model): one row per point of the fitted span (filled
**      points included): ts, value, trend (the level part of the one-step
**      forecast), seasonal (forecast - level), fitted (the one-step
**      forecast), remainder (value - fitted), so value = trend + seasonal +
**      remainder; NULL for the points the method cannot forecast (naive's
**      first, snaive's first season).
**   3. series_anomalies(model [, coverage]): the points whose value lies
**      outside fitted -+ z sd (ts_fc.h 4; z for the central coverage,
**      default 0.99): ts, value, expected, lo, hi, residual (value -
**      expected), score (residual / sd), direction ('high' | 'low'), in
**      time order.
**   4. forecast_crossing(model, threshold [, horizon [, bound]]): one row:
**      direction ('up' when the last value is below the threshold, else
**      'down'), bound ('yhat' default, 'lo', 'hi': the 90% interval's
**      ends), step and ts of the first step at which that bound is at or
**      beyond the threshold (NULL if none within the horizon), probability
**      (the share of 5,000 simulated paths that reach it within the
**      horizon), threshold, horizon.  horizon: 1..10,000, default the
**      model's length (at most 10,000).
**   5. Times are written as forecast() writes them: TEXT when the model
**      was trained on ISO-8601 text, else INTEGER when whole, else REAL.
*/
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "core/ts/ts_dist.h"
#include "core/ts/ts_fc.h"
#include "omen_ext.h"

#define SV_MAX_HORIZON 10000

enum { SV_DECOMPOSE = 0, SV_ANOMALIES = 1, SV_CROSSING = 2 };
static const char *const sv_names[3] = {"decompose", "series_anomalies", "forecast_crossing"};

typedef struct sv_vtab {
  sqlite3_vtab base;
  sqlite3 *db;
  int mode;
  int ncol; /* visible columns; the hidden arguments follow */
} sv_vtab;

typedef struct sv_cursor {
  sqlite3_vtab_cursor base;
  ts_fc model;
  double *fit, *lvl, *sd;  /* [n] (decompose, anomalies) */
  size_t *rows;            /* anomalies: the point indices kept */
  size_t nrows, row;
  double z;
  /* crossing */
  int up, bound;
  size_t first[3], h;
  double prob, threshold;
} sv_cursor;

static int sv_connect(sqlite3 *db, int mode, sqlite3_vtab **pp) {
  static const char *const decl[3] = {
      "CREATE TABLE x(ts, value REAL, trend REAL, seasonal REAL, fitted REAL, remainder REAL, model HIDDEN)",
      "CREATE TABLE x(ts, value REAL, expected REAL, lo REAL, hi REAL, residual REAL, score REAL, "
      "direction VARCHAR(4), model HIDDEN, coverage HIDDEN)",
      "CREATE TABLE x(direction VARCHAR(4), bound VARCHAR(4), step INTEGER, ts, probability REAL, threshold REAL, "
      "horizon INTEGER, model HIDDEN, threshold_arg HIDDEN, horizon_arg HIDDEN, bound_arg HIDDEN)"};
  static const int ncol[3] = {6, 8, 7};
  sv_vtab *v;
  int rc = sqlite3_declare_vtab(db, decl[mode]);
  if (rc != SQLITE_OK) return rc;
  v = sqlite3_malloc(sizeof *v);
  if (!v) return SQLITE_NOMEM;
  memset(v, 0, sizeof *v);
  v->db = db;
  v->mode = mode;
  v->ncol = ncol[mode];
  /* it reads models: neither DIRECTONLY nor INNOCUOUS (trusted schema only; omen.c behaviour 4) */
  *pp = &v->base;
  return SQLITE_OK;
}

static int svConnectDecompose(sqlite3 *db, void *a, int c, const char *const *v, sqlite3_vtab **pp, char **e) {
  return sv_connect(db, SV_DECOMPOSE, pp);
}
static int svConnectAnomalies(sqlite3 *db, void *a, int c, const char *const *v, sqlite3_vtab **pp, char **e) {
  return sv_connect(db, SV_ANOMALIES, pp);
}
static int svConnectCrossing(sqlite3 *db, void *a, int c, const char *const *v, sqlite3_vtab **pp, char **e) {
  return sv_connect(db, SV_CROSSING, pp);
}

static int svDisconnect(sqlite3_vtab *v) {
  sqlite3_free(v);
  return SQLITE_OK;
}

static int svOpen(sqlite3_vtab *v, sqlite3_vtab_cursor **pp) {
  sv_cursor *c = sqlite3_malloc(sizeof *c);
  if (!c) return SQLITE_NOMEM;
  memset(c, 0, sizeof *c);
  *pp = &c->base;
  return SQLITE_OK;
}

static void sv_reset(sv_cursor *c) {
  ts_fc_free(&c->model);
  sqlite3_free(c->fit);
  sqlite3_free(c->rows);
  c->fit = c->lvl = c->sd = NULL;
  c->rows = NULL;
  c->nrows = c->row = 0;
}

static int svClose(sqlite3_vtab_cursor *cur) {
  sv_reset((sv_cursor *)cur);
  sqlite3_free(cur);
  return SQLITE_OK;
}

/* "<fname>(): <message>" as the vtab's error (tests/doc_errors.py reads
** fname and the format from each call). */
static int sv_error(sqlite3_vtab_cursor *cur, const char *fname, const char *fmt, ...) {
  va_list ap;
  char *msg;
  va_start(ap, fmt);
  msg = sqlite3_vmprintf(fmt, ap);
  va_end(ap);
  sqlite3_free(cur->pVtab->zErrMsg);
  cur->pVtab->zErrMsg = msg ? sqlite3_mprintf("%s(): %s", fname, msg) : NULL;
  sqlite3_free(msg);
  return cur->pVtab->zErrMsg ? SQLITE_ERROR : SQLITE_NOMEM;
}

/* A number argument in (0, 1); 1 with the error set otherwise. */
static int sv_coverage(sqlite3_vtab_cursor *cur, sqlite3_value *v, int argno, double *out) {
  int ty = sqlite3_value_type(v);
  if (ty == SQLITE_NULL) return 0;
  *out = sqlite3_value_double(v);
  if ((ty == SQLITE_INTEGER || ty == SQLITE_FLOAT) && *out > 0 && *out < 1) return 0;
  if (ty == SQLITE_INTEGER || ty == SQLITE_FLOAT)
    sv_error(cur, "series_anomalies", "coverage (argument %d) is %!.15g; expected a number between 0 and 1 (exclusive)", argno, *out);
  else
    sv_error(cur, "series_anomalies", "coverage (argument %d) is %s; expected a number between 0 and 1 (exclusive)", argno,
             omen_type_name(v));
  return 1;
}

static int svFilter(sqlite3_vtab_cursor *cur, int idxNum, const char *idxStr, int argc, sqlite3_value **argv) {
  sv_cursor *c = (sv_cursor *)cur;
  sv_vtab *vt = (sv_vtab *)cur->pVtab;
  char *msg = NULL;
  om_err err;
  om_status st;
  int rc, ai = 1;
  double coverage = vt->mode == SV_ANOMALIES ? 0.99 : 0.9;
  sv_reset(c);
  if (!(idxNum & 1) || argc < 1) {
    if (vt->mode == SV_DECOMPOSE) return sv_error(cur, "decompose", "needs a model");
    if (vt->mode == SV_ANOMALIES) return sv_error(cur, "series_anomalies", "needs a model");
    return sv_error(cur, "forecast_crossing", "needs a model");
  }
  /* the cheap argument checks first */
  if (vt->mode == SV_ANOMALIES && (idxNum & 2) && sv_coverage(cur, argv[ai++], 2, &coverage)) return SQLITE_ERROR;
  if (vt->mode == SV_CROSSING) {
    int ty;
    if (!(idxNum & 2)) return sv_error(cur, "forecast_crossing", "needs a threshold");
    ty = sqlite3_value_type(argv[ai]);
    c->threshold = sqlite3_value_double(argv[ai]);
    if ((ty != SQLITE_INTEGER && ty != SQLITE_FLOAT) || !isfinite(c->threshold))
      return sv_error(cur, "forecast_crossing", "threshold (argument 2) is %s; expected a finite number",
                      ty == SQLITE_INTEGER || ty == SQLITE_FLOAT ? "not finite" : omen_type_name(argv[ai]));
    ai++;
    c->h = 0;
    if (idxNum & 4) {
      ty = sqlite3_value_type(argv[ai]);
      if (ty != SQLITE_NULL) {
        sqlite3_int64 h = sqlite3_value_int64(argv[ai]);
        if (ty != SQLITE_INTEGER || h < 1 || h > SV_MAX_HORIZON)
          return ty == SQLITE_INTEGER
                     ? sv_error(cur, "forecast_crossing", "horizon (argument 3) is %lld; expected a whole number of steps from 1 to %d", h,
                                SV_MAX_HORIZON)
                     : sv_error(cur, "forecast_crossing", "horizon (argument 3) is %s; expected a whole number of steps from 1 to %d",
                                omen_type_name(argv[ai]), SV_MAX_HORIZON);
        c->h = (size_t)h;
      }
      ai++;
    }
    c->bound = 0;
    if (idxNum & 8) {
      const char *b = (const char *)sqlite3_value_text(argv[ai]);
      ty = sqlite3_value_type(argv[ai]);
      if (ty != SQLITE_NULL) {
        if (ty == SQLITE_TEXT && b && strcmp(b, "yhat") == 0) c->bound = 0;
        else if (ty == SQLITE_TEXT && b && strcmp(b, "lo") == 0) c->bound = 1;
        else if (ty == SQLITE_TEXT && b && strcmp(b, "hi") == 0) c->bound = 2;
        else return sv_error(cur, "forecast_crossing", "bound (argument 4) must be 'yhat', 'lo' or 'hi'");
      }
    }
  }
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return SQLITE_OK;
  rc = omen_forecast_load(vt->db, argv[0], &c->model, &msg);
  if (rc == SQLITE_NOMEM) return SQLITE_NOMEM;
  if (rc != SQLITE_OK) {
    rc = sv_error(cur, sv_names[vt->mode], "%s", msg ? msg : "cannot read the model");
    sqlite3_free(msg);
    return rc;
  }
  if (vt->mode == SV_CROSSING) {
    if (!c->h) c->h = c->model.n < SV_MAX_HORIZON ? c->model.n : SV_MAX_HORIZON;
    st = ts_fc_crossing(&c->model, c->h, c->threshold, 0.9, &c->up, c->first, &c->prob, &err);
    if (st == OM_NOMEM) return SQLITE_NOMEM;
    if (st != OM_OK) return sv_error(cur, "forecast_crossing", "%s", err.msg);
    c->nrows = 1;
    return SQLITE_OK;
  }
  c->fit = sqlite3_malloc64((sqlite3_uint64)c->model.n * 3 * sizeof(double));
  if (!c->fit) return SQLITE_NOMEM;
  c->lvl = c->fit + c->model.n;
  c->sd = c->lvl + c->model.n;
  st = ts_fc_insample(&c->model, c->fit, c->lvl, c->sd, &err);
  if (st == OM_NOMEM) return SQLITE_NOMEM;
  if (st != OM_OK) return sv_error(cur, sv_names[vt->mode], "%s", err.msg);
  if (vt->mode == SV_DECOMPOSE) {
    c->nrows = c->model.n;
    return SQLITE_OK;
  }
  c->z = ts_norm_ppf(0.5 + coverage / 2); /* the central coverage's quantile */
  c->rows = sqlite3_malloc64((sqlite3_uint64)(c->model.n ? c->model.n : 1) * sizeof(size_t));
  if (!c->rows) return SQLITE_NOMEM;
  for (size_t t = 0; t < c->model.n; t++) {
    double r = c->model.y[t] - c->fit[t];
    if (isfinite(r) && isfinite(c->sd[t]) && fabs(r) > c->z * c->sd[t]) c->rows[c->nrows++] = t;
  }
  return SQLITE_OK;
}

static int svNext(sqlite3_vtab_cursor *cur) {
  ((sv_cursor *)cur)->row++;
  return SQLITE_OK;
}

static int svEof(sqlite3_vtab_cursor *cur) {
  sv_cursor *c = (sv_cursor *)cur;
  return c->row >= c->nrows;
}

static void sv_double(sqlite3_context *ctx, double v) {
  if (isfinite(v)) sqlite3_result_double(ctx, v);
}

static int svColumn(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i) {
  sv_cursor *c = (sv_cursor *)cur;
  sv_vtab *vt = (sv_vtab *)cur->pVtab;
  const ts_fc *m = &c->model;
  if (vt->mode == SV_DECOMPOSE) {
    size_t t = c->row;
    switch (i) {
    case 0: omen_forecast_time(ctx, m, (double)t); break;
    case 1: sqlite3_result_double(ctx, m->y[t]); break;
    case 2: sv_double(ctx, c->lvl[t]); break;
    case 3: sv_double(ctx, c->fit[t] - c->lvl[t]); break;
    case 4: sv_double(ctx, c->fit[t]); break;
    case 5: sv_double(ctx, m->y[t] - c->fit[t]); break;
    default: break;
    }
  } else if (vt->mode == SV_ANOMALIES) {
    size_t t = c->rows[c->row];
    double r = m->y[t] - c->fit[t];
    switch (i) {
    case 0: omen_forecast_time(ctx, m, (double)t); break;
    case 1: sqlite3_result_double(ctx, m->y[t]); break;
    case 2: sqlite3_result_double(ctx, c->fit[t]); break;
    case 3: sqlite3_result_double(ctx, c->fit[t] - c->z * c->sd[t]); break;
    case 4: sqlite3_result_double(ctx, c->fit[t] + c->z * c->sd[t]); break;
    case 5: sqlite3_result_double(ctx, r); break;
    case 6: sv_double(ctx, c->sd[t] > 0 ? r / c->sd[t] : (r > 0 ? INFINITY : -INFINITY)); break;
    case 7: sqlite3_result_text(ctx, r > 0 ? "high" : "low", -1, SQLITE_STATIC); break;
    default: break;
    }
  } else {
    size_t step = c->first[c->bound];
    switch (i) {
    case 0: sqlite3_result_text(ctx, c->up ? "up" : "down", -1, SQLITE_STATIC); break;
    case 1: sqlite3_result_text(ctx, c->bound == 0 ? "yhat" : c->bound == 1 ? "lo" : "hi", -1, SQLITE_STATIC); break;
    case 2:
      if (step) sqlite3_result_int64(ctx, (sqlite3_int64)step);
      break;
    case 3:
      if (step) omen_forecast_time(ctx, m, (double)(m->n - 1 + step));
      break;
    case 4: sqlite3_result_double(ctx, c->prob); break;
    case 5: sqlite3_result_double(ctx, c->threshold); break;
    case 6: sqlite3_result_int64(ctx, (sqlite3_int64)c->h); break;
    default: break;
    }
  }
  return SQLITE_OK;
}

static int svRowid(sqlite3_vtab_cursor *cur, sqlite_int64 *rowid) {
  *rowid = (sqlite_int64)((sv_cursor *)cur)->row + 1;
  return SQLITE_OK;
}

static int svBestIndex(sqlite3_vtab *tab, sqlite3_index_info *info) {
  sv_vtab *vt = (sv_vtab *)tab;
  int at[4] = {-1, -1, -1, -1}, idx = 0, next = 1, nargs = vt->mode == SV_DECOMPOSE ? 1 : vt->mode == SV_ANOMALIES ? 2 : 4;
  for (int i = 0; i < info->nConstraint; i++) {
    const struct sqlite3_index_constraint *k = &info->aConstraint[i];
    int a = k->iColumn - vt->ncol;
    if (a < 0 || a >= nargs) continue;
    if (!k->usable || k->op != SQLITE_INDEX_CONSTRAINT_EQ) return SQLITE_CONSTRAINT;
    at[a] = i;
  }
  if (at[0] < 0 || (vt->mode == SV_CROSSING && at[1] < 0)) return SQLITE_CONSTRAINT;
  for (int a = 0; a < nargs; a++) {
    if (at[a] < 0) continue;
    info->aConstraintUsage[at[a]].argvIndex = next++;
    info->aConstraintUsage[at[a]].omit = 1;
    idx |= 1 << a;
  }
  info->idxNum = idx;
  info->estimatedCost = 10;
  info->estimatedRows = vt->mode == SV_CROSSING ? 1 : 1000;
  return SQLITE_OK;
}

/* The three modules differ only in xConnect.  The definitions are written
** out (not made by a macro) so that tools/amalgamate.py sees them. */
#define SV_MODULE_METHODS(CONNECT)                                                                                 \
  {                                                                                                                \
    .iVersion = 0, .xCreate = 0, .xConnect = CONNECT, .xBestIndex = svBestIndex, .xDisconnect = svDisconnect,     \
    .xOpen = svOpen, .xClose = svClose, .xFilter = svFilter, .xNext = svNext, .xEof = svEof, .xColumn = svColumn, \
    .xRowid = svRowid                                                                                              \
  }

sqlite3_module omen_decompose_module = SV_MODULE_METHODS(svConnectDecompose);
sqlite3_module omen_anomalies_module = SV_MODULE_METHODS(svConnectAnomalies);
sqlite3_module omen_crossing_module = SV_MODULE_METHODS(svConnectCrossing);
