/*
** forecast.c — forecast_train(ts, value [, options]), an aggregate that fits a
** forecasting model to a series and returns it as a model BLOB, and
** forecast(model, horizon [, coverage]), a table-valued function of its
** forecasts with their prediction intervals.
**
**   SELECT model_save('load', forecast_train(hour, runs, '{"fill": "zero"}'))
**     FROM (SELECT time_bucket(submitted_at, '1 hour') AS hour, count(*) AS runs
**             FROM runs GROUP BY 1);
**   SELECT step, ts, yhat, lo, hi FROM forecast('load', 168);
**
** Behaviours (docs/forecast_train.md, docs/forecast.md; core/ts/ts_fc.h):
**   1. forecast_train rows: ts is INTEGER/REAL (unix seconds, or any
**      regular index: a day number) or ISO-8601 TEXT (core/ts/ts_time.h 1,
**      read as unix seconds); all rows of one aggregate use one kind, else
**      "ts (argument 1) mixes TEXT and numbers".  value is INTEGER or REAL.
**      Both finite.  A row with a NULL ts or NULL value is skipped (a NULL
**      value leaves a gap, filled by the fill rule).
**   2. options (a JSON object as TEXT, read on the first row and the same
**      on every row: agg_options.c): method 'auto' | 'ets' | 'mstl' |
**      'naive' | 'snaive' | 'arima' | 'theta'; season_length: a number (0 or 1: none) or TEXT
**      "24,168" (one or two lengths), absent = detected; fill 'linear' |
**      'zero' | 'previous'; model: an ETS model as forecast::ets writes it,
**      three or four letters error / trend [d] / season from A, M, N, Z
**      ('Z' = let the fit choose; 'AAdN', 'MNM', 'ZZZ'), damped true /
**      false; order 'p,d,q' and seasonal_order 'P,D,Q' (TEXT: fixed ARIMA
**      orders, all three given; absent: searched); constant true / false /
**      null (ARIMA's mean or drift); transform 'auto' (the default:
**      core/ts/ts_fc.h 9) | 'none' | 'log' | 'boxcox' (lambda by Guerrero's
**      method) | a lambda from -1 to 2; max_models 1..1000
**      (the ARIMA search's budget, default 94).  Unknown keys and bad values
**      are errors listing what is accepted.
**   3. No rows (all skipped) is an error: a model needs data.  The series
**      checks of core/ts/ts_series.h (duplicates, regular grid, sparse) and
**      the fit's (too few points for a season) are errors naming the
**      function.
**   4. forecast(model, horizon [, coverage]): model a BLOB or a registry
**      reference (TEXT) of the 'forecast' kind; horizon an INTEGER from 1
**      to 1,000,000; coverage a number in (0, 1), default 0.9.  Columns:
**      step INTEGER (1..horizon), ts (the time of the step: TEXT
**      'YYYY-MM-DD HH:MM:SS' when the model was trained on text times,
**      else INTEGER when whole, else REAL), yhat, lo, hi REAL; hidden
**      model, horizon, coverage.  Without model and horizon the plan is
**      refused; a NULL model gives no rows.
**   5. The model is decoded and the whole forecast computed once per
**      xFilter (one query); rows are read from it.
*/
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/om_json.h"
#include "core/ts/ts_fc.h"
#include "core/ts/ts_time.h"
#include "omen_ext.h"

#define FN "forecast_train"

typedef struct fc_agg {
  int started;
  char *options; /* the first row's options text, or NULL */
  int options_len;
  int ts_kind;   /* 0 none yet, 1 numbers, 2 text */
  double *t, *v;
  sqlite3_int64 n, cap, skipped;
} fc_agg;

static const char fc_option_keys[] =
    "method, season_length, fill, model, damped, order, seasonal_order, constant, transform, max_models";

static int fc_time(sqlite3_context *ctx, sqlite3_value *a, int *kind, double *out) {
  int ty = sqlite3_value_type(a), k;
  if (ty == SQLITE_TEXT) {
    const char *s = (const char *)sqlite3_value_text(a);
    int64_t us;
    ts_why why;
    if (!s) {
      sqlite3_result_error_nomem(ctx);
      return 1;
    }
    if (ts_parse_iso(s, (size_t)sqlite3_value_bytes(a), &us, &why, NULL) != OM_OK) {
      omen_errorf(ctx, FN,
                  "ts (argument 1) '%.40s' is not an ISO-8601 time; expected 'YYYY-MM-DD HH:MM:SS' (optional 'T', "
                  "fraction and zone) or unix seconds",
                  s);
      return 1;
    }
    *out = ts_to_seconds(us);
    k = 2;
  } else if (ty == SQLITE_INTEGER || ty == SQLITE_FLOAT) {
    *out = sqlite3_value_double(a);
    if (!isfinite(*out)) {
      omen_errorf(ctx, FN, "ts (argument 1) is not a finite number");
      return 1;
    }
    k = 1;
  } else {
    omen_errorf(ctx, FN, "ts (argument 1) is %s; expected INTEGER, REAL or ISO-8601 TEXT", omen_type_name(a));
    return 1;
  }
  if (*kind && *kind != k) {
    omen_errorf(ctx, FN, "ts (argument 1) mixes TEXT and numbers; expected one kind of time");
    return 1;
  }
  *kind = k;
  return 0;
}

void forecastTrainStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  fc_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  const char *opt;
  int optn, ty;
  double t, v;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (omen_agg_options_text(ctx, FN, argc > 2 ? argv[2] : NULL, 3, &opt, &optn)) return;
  if (!a->started) {
    if (omen_agg_options_keep(ctx, opt, optn, &a->options)) return;
    a->options_len = optn;
    a->started = 1;
  } else if (omen_agg_options_changed(ctx, FN, argc > 2 ? argv[2] : NULL, a->options)) {
    return;
  }
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
    a->skipped++;
    return;
  }
  if (fc_time(ctx, argv[0], &a->ts_kind, &t)) return;
  ty = sqlite3_value_type(argv[1]);
  if (ty != SQLITE_INTEGER && ty != SQLITE_FLOAT) {
    omen_errorf(ctx, FN, "value (argument 2) is %s; expected INTEGER or REAL", omen_type_name(argv[1]));
    return;
  }
  v = sqlite3_value_double(argv[1]);
  if (!isfinite(v)) {
    omen_errorf(ctx, FN, "value (argument 2) is not a finite number");
    return;
  }
  if (a->n == a->cap) {
    sqlite3_int64 cap = a->cap ? 2 * a->cap : 256;
    double *nt, *nv;
    if (cap > TS_SERIES_MAX) cap = TS_SERIES_MAX;
    if (a->n >= cap) {
      omen_errorf(ctx, FN, "more than %d rows; expected at most that many points", TS_SERIES_MAX);
      return;
    }
    nt = sqlite3_realloc64(a->t, (sqlite3_uint64)cap * sizeof(double));
    if (!nt) {
      sqlite3_result_error_nomem(ctx);
      return;
    }
    a->t = nt;
    nv = sqlite3_realloc64(a->v, (sqlite3_uint64)cap * sizeof(double));
    if (!nv) {
      sqlite3_result_error_nomem(ctx);
      return;
    }
    a->v = nv;
    a->cap = cap;
  }
  a->t[a->n] = t;
  a->v[a->n] = v;
  a->n++;
}

/* The ETS letters of option "model" (behaviour 2). */
static int fc_model_letters(const char *s, size_t n, ts_fc_options *o) {
  int i = 0;
  if (n < 3 || n > 4) return 1;
  switch (s[i++]) {
  case 'A': o->error = TS_ADD; break;
  case 'M': o->error = TS_MUL; break;
  case 'Z': o->error = -1; break;
  default: return 1;
  }
  switch (s[i++]) {
  case 'A': o->trend = TS_ADD; break;
  case 'N': o->trend = TS_NONE; break;
  case 'Z': o->trend = -1; break;
  default: return 1;
  }
  if (n == 4) {
    if (s[i++] != 'd' || o->trend == TS_NONE) return 1;
    o->damped = 1;
  } else if (o->trend == TS_ADD) {
    o->damped = 0;
  }
  switch (s[i++]) {
  case 'A': o->season = TS_ADD; break;
  case 'M': o->season = TS_MUL; break;
  case 'N': o->season = TS_NONE; break;
  case 'Z': o->season = -1; break;
  default: return 1;
  }
  return 0;
}

/* "p,d,q" / "P,D,Q" (behaviour 2): three whole numbers in range. */
static int fc_orders(const char *s, int *dst, int seasonal) {
  const int max[3] = {seasonal ? 2 : 5, seasonal ? 1 : 2, seasonal ? 2 : 5};
  const char *p = s;
  for (int k = 0; k < 3; k++) {
    char *end;
    long v;
    while (*p == ' ') p++;
    if (*p < '0' || *p > '9') return 1;
    v = strtol(p, &end, 10);
    if (v < 0 || v > max[k]) return 1;
    dst[k] = (int)v;
    p = end;
    while (*p == ' ') p++;
    if (k < 2 && *p++ != ',') return 1;
  }
  return *p != 0;
}

static om_status fc_parse_options(const char *text, int n, ts_fc_options *o, om_err *err) {
  om_json_obj obj;
  om_status st;
  int model_damped = -2;
  ts_fc_options_default(o);
  if (!text) return OM_OK;
  st = om_json_parse_flat(text, (size_t)n, &obj, err);
  if (st != OM_OK) return st;
  for (size_t i = 0; i < obj.count && st == OM_OK; i++) {
    const om_json_member *m = &obj.members[i];
    if (strcmp(m->key, "method") == 0) {
      int k = -1;
      if (m->type == OM_JSON_STRING)
        for (int j = 0; j <= TS_METHOD_LAST; j++)
          if (strcmp(m->str, ts_fc_method_name(j)) == 0) k = j;
      if (k < 0)
        st = om_errf(err, OM_INVALID,
                     "option method must be 'auto', 'ets', 'arima', 'theta', 'mstl', 'naive' or 'snaive'");
      else o->method = k;
    } else if (strcmp(m->key, "season_length") == 0) {
      if (m->type == OM_JSON_NUMBER && m->is_int && !m->is_bool && m->inum >= 0 && m->inum <= TS_FC_MAX_PERIOD) {
        o->n_periods = m->inum >= 2 ? 1 : 0;
        o->periods[0] = (int)m->inum;
      } else if (m->type == OM_JSON_STRING) {
        char *end;
        const char *p = m->str;
        o->n_periods = 0;
        while (*p && st == OM_OK) {
          long v = strtol(p, &end, 10);
          if (end == p || v < 2 || v > TS_FC_MAX_PERIOD || o->n_periods == TS_MAX_PERIODS) {
            st = om_errf(err, OM_INVALID, "option season_length \"%.40s\" must be one or two whole numbers from 2 to %d, "
                                          "separated by a comma",
                         m->str, TS_FC_MAX_PERIOD);
            break;
          }
          o->periods[o->n_periods++] = (int)v;
          p = end;
          while (*p == ' ') p++;
          if (*p == ',') p++;
          while (*p == ' ') p++;
        }
        if (st == OM_OK && o->n_periods == 0)
          st = om_errf(err, OM_INVALID, "option season_length \"\" names no season length");
      } else {
        st = om_errf(err, OM_INVALID, "option season_length must be a whole number from 0 to %d, or TEXT like "
                                      "\"24,168\"",
                     TS_FC_MAX_PERIOD);
      }
    } else if (strcmp(m->key, "fill") == 0) {
      if (m->type == OM_JSON_STRING && strcmp(m->str, "linear") == 0) o->fill = TS_FILL_LINEAR;
      else if (m->type == OM_JSON_STRING && strcmp(m->str, "zero") == 0) o->fill = TS_FILL_ZERO;
      else if (m->type == OM_JSON_STRING && strcmp(m->str, "previous") == 0) o->fill = TS_FILL_PREVIOUS;
      else st = om_errf(err, OM_INVALID, "option fill must be 'linear', 'zero' or 'previous'");
    } else if (strcmp(m->key, "model") == 0) {
      if (m->type != OM_JSON_STRING || fc_model_letters(m->str, m->str_len, o))
        st = om_errf(err, OM_INVALID, "option model must be ETS letters error, trend [d], season from A, M, N, Z "
                                      "such as 'ZZZ', 'AAdN' or 'MNM'");
      else if (m->str_len == 4)
        model_damped = 1;
    } else if (strcmp(m->key, "order") == 0 || strcmp(m->key, "seasonal_order") == 0) {
      int seasonal = m->key[0] == 's', *dst = seasonal ? o->sorder : o->order;
      if (m->type != OM_JSON_STRING || fc_orders(m->str, dst, seasonal))
        st = om_errf(err, OM_INVALID, "option %s must be TEXT '%s' of three whole numbers, e.g. '%s' (%s)", m->key,
                     seasonal ? "P,D,Q" : "p,d,q", seasonal ? "0,1,1" : "2,1,0",
                     seasonal ? "P and Q 0 to 2, D 0 or 1" : "p and q 0 to 5, d 0 to 2");
    } else if (strcmp(m->key, "constant") == 0) {
      if (m->type == OM_JSON_NULL) o->constant = -1;
      else if (m->is_bool) o->constant = (int)m->num;
      else st = om_errf(err, OM_INVALID, "option constant must be true, false or null");
    } else if (strcmp(m->key, "transform") == 0) {
      if (m->type == OM_JSON_STRING && strcmp(m->str, "auto") == 0) {
        o->transform = TS_TRANSFORM_AUTO;
      } else if (m->type == OM_JSON_STRING && strcmp(m->str, "none") == 0) {
        o->transform = TS_TRANSFORM_NONE;
      } else if (m->type == OM_JSON_STRING && strcmp(m->str, "log") == 0) {
        o->transform = TS_TRANSFORM_BOXCOX;
        o->lambda = 0;
      } else if (m->type == OM_JSON_STRING && strcmp(m->str, "boxcox") == 0) {
        o->transform = TS_TRANSFORM_BOXCOX;
        o->lambda = NAN;
      } else if (m->type == OM_JSON_NUMBER && !m->is_bool && m->num >= -1 && m->num <= 2) {
        o->transform = TS_TRANSFORM_BOXCOX;
        o->lambda = m->num;
      } else {
        st = om_errf(err, OM_INVALID,
                     "option transform must be 'auto', 'none', 'log', 'boxcox' (lambda by Guerrero's method) or a Box-Cox "
                     "lambda from -1 to 2");
      }
    } else if (strcmp(m->key, "max_models") == 0) {
      if (m->type == OM_JSON_NUMBER && m->is_int && !m->is_bool && m->inum >= 1 && m->inum <= 1000)
        o->max_models = (int)m->inum;
      else st = om_errf(err, OM_INVALID, "option max_models must be a whole number from 1 to 1000");
    } else if (strcmp(m->key, "damped") == 0) {
      if (m->type == OM_JSON_NULL) model_damped = model_damped == 1 ? 1 : -1;
      else if (m->is_bool) o->damped = (int)m->num;
      else st = om_errf(err, OM_INVALID, "option damped must be true, false or null");
    } else {
      st = om_errf(err, OM_INVALID, "unknown option \"%.60s\"; accepted: %s", m->key, fc_option_keys);
    }
  }
  om_json_obj_free(&obj);
  return st;
}

void forecastTrainFinal(sqlite3_context *ctx) {
  fc_agg *a = sqlite3_aggregate_context(ctx, 0);
  ts_fc_options o;
  ts_series s;
  ts_fc m;
  om_err err;
  om_status st;
  om_interrupt it;
  om_wbuf w;
  memset(&m, 0, sizeof m);
  if (!a || a->n == 0) {
    omen_errorf(ctx, FN, "no rows with a time and a value; expected a series of at least 3 points");
    goto done;
  }
  st = fc_parse_options(a->options, a->options_len, &o, &err);
  if (st == OM_OK) st = ts_series_build(a->t, a->v, (size_t)a->n, o.fill, &s, &err);
  if (st == OM_OK) {
    it = omen_interrupt_for(ctx);
    st = ts_fc_fit(&s, a->ts_kind == 2, &o, &it, &m, &err);
  }
  if (st != OM_OK) {
    omen_result_status(ctx, FN, st, &err);
    goto done;
  }
  om_wbuf_init(&w);
  st = ts_fc_write(&m, a->options, a->options ? (size_t)a->options_len : 0, (uint64_t)a->n, (uint64_t)a->skipped, &w,
                   &err);
  if (st != OM_OK) omen_result_status(ctx, FN, st, &err);
  else sqlite3_result_blob64(ctx, w.data, w.len, SQLITE_TRANSIENT);
  om_wbuf_free(&w);
done:
  ts_fc_free(&m);
  if (a) {
    sqlite3_free(a->t);
    sqlite3_free(a->v);
    sqlite3_free(a->options);
  }
}

/* ------------------------------------------------------- the model loader */

int omen_forecast_load(sqlite3 *db, sqlite3_value *v, ts_fc *out, char **errmsg) {
  uint8_t *blob = NULL;
  int n = 0, rc;
  mdl_view view;
  const mdl_kind_def *kind = NULL;
  void *model = NULL;
  om_err err;
  om_status st;
  *errmsg = NULL;
  memset(out, 0, sizeof *out);
  switch (sqlite3_value_type(v)) {
  case SQLITE_BLOB:
    n = sqlite3_value_bytes(v);
    blob = sqlite3_malloc(n > 0 ? n : 1);
    if (!blob) return SQLITE_NOMEM;
    if (n > 0) memcpy(blob, sqlite3_value_blob(v), (size_t)n);
    break;
  case SQLITE_TEXT: {
    const char *ref = (const char *)sqlite3_value_text(v);
    if (!ref) return SQLITE_NOMEM;
    rc = omen_registry_fetch(db, ref, &blob, &n, errmsg);
    if (rc != SQLITE_OK) return rc;
    break;
  }
  default:
    *errmsg = sqlite3_mprintf("model is %s; expected a model BLOB or a registry name (TEXT)", omen_type_name(v));
    return *errmsg ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  st = mdl_decode(blob, (size_t)n, &view, &kind, &model, &err);
  if (st == OM_OK && view.kind != MDL_KIND_FORECAST) {
    st = mdl_kind_mismatch(view.kind, MDL_KIND_FORECAST, &err);
    kind->close(model);
    mdl_view_free(&view);
  } else if (st == OM_OK) {
    /* the decoded forecast model keeps copies, not pointers into the BLOB */
    *out = *(ts_fc *)model;
    om_free(model);
    mdl_view_free(&view);
  }
  sqlite3_free(blob);
  if (st == OM_OK) return SQLITE_OK;
  if (st == OM_NOMEM) return SQLITE_NOMEM;
  *errmsg = sqlite3_mprintf("%s", err.msg);
  return *errmsg ? SQLITE_ERROR : SQLITE_NOMEM;
}

void omen_forecast_time(sqlite3_context *ctx, const ts_fc *m, double k) {
  double t = ts_fc_time(m, k);
  if (m->ts_text) {
    int64_t us;
    ts_why why;
    char buf[TS_TEXT_MAX];
    if (ts_from_seconds(t, &us, &why, NULL) == OM_OK) {
      size_t len = ts_format(us, buf);
      sqlite3_result_text(ctx, buf, (int)len, SQLITE_TRANSIENT);
    }
  } else if (t == floor(t) && fabs(t) < 9.2e18) {
    sqlite3_result_int64(ctx, (sqlite3_int64)t);
  } else {
    sqlite3_result_double(ctx, t);
  }
}

/* ------------------------------------------------------------ forecast() */

enum { FC_STEP = 0, FC_TS, FC_YHAT, FC_LO, FC_HI, FC_MODEL, FC_HORIZON, FC_COVERAGE };

typedef struct fc_vtab {
  sqlite3_vtab base;
  sqlite3 *db;
} fc_vtab;

typedef struct fc_cursor {
  sqlite3_vtab_cursor base;
  ts_fc model;
  int have;
  double *f, *lo, *hi;
  sqlite3_int64 h, row;
} fc_cursor;

static int fcConnect(sqlite3 *db, void *pAux, int argc, const char *const *argv, sqlite3_vtab **ppVtab,
                     char **pzErr) {
  fc_vtab *v;
  int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(step INTEGER, ts, yhat REAL, lo REAL, hi REAL, model HIDDEN, "
                                    "horizon HIDDEN, coverage HIDDEN)");
  if (rc != SQLITE_OK) return rc;
  v = sqlite3_malloc(sizeof *v);
  if (!v) return SQLITE_NOMEM;
  memset(v, 0, sizeof *v);
  v->db = db;
  /* it reads models: neither DIRECTONLY nor INNOCUOUS (trusted schema only; omen.c behaviour 4) */
  *ppVtab = &v->base;
  return SQLITE_OK;
}

static int fcDisconnect(sqlite3_vtab *v) {
  sqlite3_free(v);
  return SQLITE_OK;
}

static int fcOpen(sqlite3_vtab *v, sqlite3_vtab_cursor **pp) {
  fc_cursor *c = sqlite3_malloc(sizeof *c);
  if (!c) return SQLITE_NOMEM;
  memset(c, 0, sizeof *c);
  *pp = &c->base;
  return SQLITE_OK;
}

static void fc_reset(fc_cursor *c) {
  ts_fc_free(&c->model);
  c->have = 0;
  sqlite3_free(c->f);
  c->f = c->lo = c->hi = NULL;
  c->h = c->row = 0;
}

static int fcClose(sqlite3_vtab_cursor *cur) {
  fc_reset((fc_cursor *)cur);
  sqlite3_free(cur);
  return SQLITE_OK;
}

static int fc_error(sqlite3_vtab_cursor *cur, const char *fmt, ...) {
  va_list ap;
  char *msg;
  va_start(ap, fmt);
  msg = sqlite3_vmprintf(fmt, ap);
  va_end(ap);
  sqlite3_free(cur->pVtab->zErrMsg);
  cur->pVtab->zErrMsg = msg ? sqlite3_mprintf("forecast(): %s", msg) : NULL;
  sqlite3_free(msg);
  return cur->pVtab->zErrMsg ? SQLITE_ERROR : SQLITE_NOMEM;
}

static int fcFilter(sqlite3_vtab_cursor *cur, int idxNum, const char *idxStr, int argc, sqlite3_value **argv) {
  fc_cursor *c = (fc_cursor *)cur;
  int rc;
  om_err err;
  om_status st;
  double coverage = 0.9;
  sqlite3_int64 h;
  fc_reset(c);
  if ((idxNum & 3) != 3 || argc < 2) return fc_error(cur, "needs a model and a horizon");
  /* horizon and coverage first: cheap checks */
  if (sqlite3_value_type(argv[1]) != SQLITE_INTEGER) {
    double hd = sqlite3_value_double(argv[1]);
    if (sqlite3_value_type(argv[1]) == SQLITE_FLOAT && hd == floor(hd) && fabs(hd) <= 4e18)
      h = (sqlite3_int64)hd;
    else
      return fc_error(cur, "horizon (argument 2) is %s; expected a whole number of steps from 1 to %d",
                      omen_type_name(argv[1]), TS_FC_MAX_HORIZON);
  } else {
    h = sqlite3_value_int64(argv[1]);
  }
  if (h < 1 || h > TS_FC_MAX_HORIZON)
    return fc_error(cur, "horizon (argument 2) is %lld; expected a whole number of steps from 1 to %d", h,
                    TS_FC_MAX_HORIZON);
  if (idxNum & 4) {
    int ty = sqlite3_value_type(argv[2]);
    if (ty != SQLITE_NULL) {
      coverage = sqlite3_value_double(argv[2]);
      if ((ty != SQLITE_INTEGER && ty != SQLITE_FLOAT) || !(coverage > 0 && coverage < 1)) {
        if (ty == SQLITE_INTEGER || ty == SQLITE_FLOAT)
          return fc_error(cur, "coverage (argument 3) is %!.15g; expected a number between 0 and 1 (exclusive)",
                          coverage);
        return fc_error(cur, "coverage (argument 3) is %s; expected a number between 0 and 1 (exclusive)",
                        omen_type_name(argv[2]));
      }
    }
  }
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return SQLITE_OK;
  {
    char *msg = NULL;
    rc = omen_forecast_load(((fc_vtab *)cur->pVtab)->db, argv[0], &c->model, &msg);
    if (rc == SQLITE_NOMEM) return SQLITE_NOMEM;
    if (rc != SQLITE_OK) {
      rc = fc_error(cur, "%s", msg ? msg : "cannot read the model");
      sqlite3_free(msg);
      return rc;
    }
  }
  c->have = 1;
  c->f = sqlite3_malloc64((sqlite3_uint64)h * 3 * sizeof(double));
  if (!c->f) return SQLITE_NOMEM;
  c->lo = c->f + h;
  c->hi = c->lo + h;
  st = ts_fc_forecast(&c->model, (size_t)h, coverage, c->f, c->lo, c->hi, &err);
  if (st == OM_NOMEM) return SQLITE_NOMEM;
  if (st != OM_OK) return fc_error(cur, "%s", err.msg);
  c->h = h;
  return SQLITE_OK;
}

static int fcNext(sqlite3_vtab_cursor *cur) {
  ((fc_cursor *)cur)->row++;
  return SQLITE_OK;
}

static int fcEof(sqlite3_vtab_cursor *cur) {
  fc_cursor *c = (fc_cursor *)cur;
  return c->row >= c->h;
}

static int fcColumn(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i) {
  fc_cursor *c = (fc_cursor *)cur;
  const ts_fc *m = &c->model;
  switch (i) {
  case FC_STEP: sqlite3_result_int64(ctx, c->row + 1); break;
  case FC_TS: omen_forecast_time(ctx, m, (double)((sqlite3_int64)m->n + c->row)); break;
  case FC_YHAT: sqlite3_result_double(ctx, c->f[c->row]); break;
  case FC_LO: sqlite3_result_double(ctx, c->lo[c->row]); break;
  case FC_HI: sqlite3_result_double(ctx, c->hi[c->row]); break;
  default: break; /* hidden columns: NULL */
  }
  return SQLITE_OK;
}

static int fcRowid(sqlite3_vtab_cursor *cur, sqlite_int64 *rowid) {
  *rowid = ((fc_cursor *)cur)->row + 1;
  return SQLITE_OK;
}

static int fcBestIndex(sqlite3_vtab *v, sqlite3_index_info *info) {
  int at[3] = {-1, -1, -1}, idx = 0, next = 1;
  for (int i = 0; i < info->nConstraint; i++) {
    const struct sqlite3_index_constraint *k = &info->aConstraint[i];
    int col = k->iColumn - FC_MODEL;
    if (col < 0 || col > 2) continue;
    if (!k->usable || k->op != SQLITE_INDEX_CONSTRAINT_EQ) return SQLITE_CONSTRAINT;
    at[col] = i;
  }
  if (at[0] < 0 || at[1] < 0) return SQLITE_CONSTRAINT;
  for (int col = 0; col < 3; col++) {
    if (at[col] < 0) continue;
    info->aConstraintUsage[at[col]].argvIndex = next++;
    info->aConstraintUsage[at[col]].omit = 1;
    idx |= 1 << col;
  }
  info->idxNum = idx;
  info->estimatedCost = 10;
  info->estimatedRows = 100;
  return SQLITE_OK;
}

sqlite3_module omen_forecast_module = {
    .iVersion = 0,
    .xCreate = 0, /* eponymous only */
    .xConnect = fcConnect,
    .xBestIndex = fcBestIndex,
    .xDisconnect = fcDisconnect,
    .xOpen = fcOpen,
    .xClose = fcClose,
    .xFilter = fcFilter,
    .xNext = fcNext,
    .xEof = fcEof,
    .xColumn = fcColumn,
    .xRowid = fcRowid,
};
