/*
** trend.c — trend_test(ts, value [, confidence]), an aggregate: is a series
** getting larger or smaller over time?  The least-squares slope with its
** t-test, the Mann–Kendall test and Sen's slope, as one JSON object.
**
**   SELECT trend_test(started_at, duration_s) FROM runs WHERE job = 'etl';
**   SELECT job, trend_test(started_at, duration_s) FROM runs GROUP BY job;
**
** Behaviours (docs/trend_test.md; numerics in core/stats/st_trend.h):
**   1. Rows with a NULL ts or NULL value are skipped.  ts is a number (unix
**      seconds, or any time scale: days, a run counter) or ISO-8601 TEXT in
**      the forms time_bucket reads (core/ts/ts_time.h 1), taken as unix
**      seconds; value is INTEGER or REAL; both finite.  Else an error such
**      as "value (argument 2) is TEXT; expected INTEGER or REAL".  Rows may
**      come in any order and ts may repeat.
**   2. confidence (default 0.95, 0 < c < 1) is read from the first row;
**      NULL means the default; a later row with another value is an error
**      (as welch_ttest).
**   3. Result: JSON text with exactly the keys n, slope, intercept,
**      slope_se, slope_t, slope_p, slope_ci_low, slope_ci_high, r2, df,
**      mk_s, mk_var_s, mk_z, mk_p, mk_tau, sen_slope, sen_intercept,
**      sen_ci_low, sen_ci_high, sen_pairs, trend, confidence.  Slopes are
**      per unit of ts (per second for unix seconds).  trend is 'increasing'
**      or 'decreasing' when mk_p < 1 - confidence (the sign of mk_s), else
**      'no trend' (also when mk_p is undefined).  Undefined numbers are
**      null, infinite ones ±9e999 (om_json.h rule 2).
**   4. No rows → NULL.
**   5. The rows are kept (16 bytes each, sqlite3_realloc64, doubling); the
**      work is O(n log n) for OLS and Mann–Kendall and O(n^2) for Sen's
**      slope (st_trend.h 5); sqlite3_interrupt() stops it.
*/
#include <math.h>
#include <string.h>

#include "core/base/om_json.h"
#include "core/stats/st_trend.h"
#include "core/ts/ts_time.h"
#include "omen_ext.h"

typedef struct trend_agg {
  int configured;
  double confidence;
  double *t, *y;
  sqlite3_int64 n, cap;
} trend_agg;

/* ts as unix seconds: a number, or ISO-8601 text (core/ts/ts_time.h 1). */
static int trend_time(sqlite3_context *ctx, sqlite3_value *v, double *out) {
  int ty = sqlite3_value_type(v);
  if (ty == SQLITE_TEXT) {
    const char *s = (const char *)sqlite3_value_text(v);
    int n = sqlite3_value_bytes(v);
    int64_t us;
    ts_why why;
    if (!s) {
      sqlite3_result_error_nomem(ctx);
      return 1;
    }
    if (ts_parse_iso(s, (size_t)n, &us, &why, NULL) != OM_OK) {
      if (why == TS_RANGE)
        omen_errorf(ctx, "trend_test", "ts (argument 1) '%.40s' is outside the years 0000-9999", s);
      else
        omen_errorf(ctx, "trend_test",
                    "ts (argument 1) '%.40s' is not an ISO-8601 time; expected 'YYYY-MM-DD HH:MM:SS' "
                    "(optional 'T', fraction and zone) or unix seconds",
                    s);
      return 1;
    }
    *out = ts_to_seconds(us);
    return 0;
  }
  if (ty != SQLITE_INTEGER && ty != SQLITE_FLOAT) {
    omen_errorf(ctx, "trend_test", "ts (argument 1) is %s; expected INTEGER, REAL or ISO-8601 TEXT", omen_type_name(v));
    return 1;
  }
  *out = sqlite3_value_double(v);
  if (!isfinite(*out)) {
    omen_errorf(ctx, "trend_test", "ts (argument 1) is not a finite number");
    return 1;
  }
  return 0;
}

static int trend_number(sqlite3_context *ctx, sqlite3_value *v, const char *what, double *out) {
  int ty = sqlite3_value_type(v);
  if (ty != SQLITE_INTEGER && ty != SQLITE_FLOAT) {
    omen_errorf(ctx, "trend_test", "%s is %s; expected INTEGER or REAL", what, omen_type_name(v));
    return 1;
  }
  *out = sqlite3_value_double(v);
  if (!isfinite(*out)) {
    omen_errorf(ctx, "trend_test", "%s is not a finite number", what);
    return 1;
  }
  return 0;
}

/* The confidence of a row (NULL: the default); 1 with an error set if bad. */
static int trend_confidence(sqlite3_context *ctx, int argc, sqlite3_value **argv, double *c) {
  int ty;
  *c = 0.95;
  if (argc < 3 || (ty = sqlite3_value_type(argv[2])) == SQLITE_NULL) return 0;
  *c = sqlite3_value_double(argv[2]);
  if (ty != SQLITE_INTEGER && ty != SQLITE_FLOAT) {
    omen_errorf(ctx, "trend_test", "confidence (argument 3) is %s; expected a number between 0 and 1 (exclusive)",
                omen_type_name(argv[2]));
    return 1;
  }
  if (!(*c > 0 && *c < 1)) {
    omen_errorf(ctx, "trend_test", "confidence (argument 3) is %!.15g; expected a number between 0 and 1 (exclusive)",
                *c);
    return 1;
  }
  return 0;
}

void trendTestStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  trend_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  double t, y, c;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (trend_confidence(ctx, argc, argv, &c)) return;
  if (!a->configured) {
    a->confidence = c;
    a->configured = 1;
  } else if (c != a->confidence) {
    omen_errorf(ctx, "trend_test", "confidence changed from %!.15g to %!.15g between rows", a->confidence, c);
    return;
  }
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) return;
  if (trend_time(ctx, argv[0], &t)) return;
  if (trend_number(ctx, argv[1], "value (argument 2)", &y)) return;
  if (a->n == a->cap) {
    sqlite3_int64 cap = a->cap ? 2 * a->cap : 64;
    double *nt = sqlite3_realloc64(a->t, (sqlite3_uint64)cap * sizeof(double));
    double *ny;
    if (!nt) {
      sqlite3_result_error_nomem(ctx);
      return;
    }
    a->t = nt;
    ny = sqlite3_realloc64(a->y, (sqlite3_uint64)cap * sizeof(double));
    if (!ny) {
      sqlite3_result_error_nomem(ctx);
      return;
    }
    a->y = ny;
    a->cap = cap;
  }
  a->t[a->n] = t;
  a->y[a->n] = y;
  a->n++;
}

static void key_num(om_jw *j, const char *k, double v) {
  om_jw_key(j, k);
  om_jw_double(j, v);
}

void trendTestFinal(sqlite3_context *ctx) {
  trend_agg *a = sqlite3_aggregate_context(ctx, 0);
  st_trend r;
  om_interrupt it;
  om_status st;
  om_err err;
  om_wbuf w;
  om_jw j;
  const char *trend;
  if (!a) return; /* no rows at all: NULL */
  if (a->n == 0) goto done;
  it = omen_interrupt_for(ctx);
  st = st_trend_compute(a->t, a->y, (size_t)a->n, a->confidence, &it, &r, &err);
  if (st != OM_OK) {
    omen_result_status(ctx, "trend_test", st, &err);
    goto done;
  }
  trend = r.mk_p < 1 - a->confidence ? (r.mk_s > 0 ? "increasing" : "decreasing") : "no trend";
  om_wbuf_init(&w);
  om_jw_init(&j, &w);
  om_jw_begin_object(&j);
  om_jw_key(&j, "n");
  om_jw_int(&j, a->n);
  key_num(&j, "slope", r.slope);
  key_num(&j, "intercept", r.intercept);
  key_num(&j, "slope_se", r.slope_se);
  key_num(&j, "slope_t", r.slope_t);
  key_num(&j, "slope_p", r.slope_p);
  key_num(&j, "slope_ci_low", r.slope_ci_low);
  key_num(&j, "slope_ci_high", r.slope_ci_high);
  key_num(&j, "r2", r.r2);
  key_num(&j, "df", r.df);
  key_num(&j, "mk_s", r.mk_s);
  key_num(&j, "mk_var_s", r.mk_var_s);
  key_num(&j, "mk_z", r.mk_z);
  key_num(&j, "mk_p", r.mk_p);
  key_num(&j, "mk_tau", r.mk_tau);
  key_num(&j, "sen_slope", r.sen_slope);
  key_num(&j, "sen_intercept", r.sen_intercept);
  key_num(&j, "sen_ci_low", r.sen_ci_low);
  key_num(&j, "sen_ci_high", r.sen_ci_high);
  key_num(&j, "sen_pairs", r.sen_pairs);
  om_jw_key(&j, "trend");
  om_jw_string(&j, trend);
  key_num(&j, "confidence", a->confidence);
  om_jw_end_object(&j);
  if (om_wbuf_status(&w) != OM_OK) sqlite3_result_error_nomem(ctx);
  else sqlite3_result_text64(ctx, (const char *)w.data, w.len, SQLITE_TRANSIENT, SQLITE_UTF8);
  om_wbuf_free(&w);
done:
  sqlite3_free(a->t);
  sqlite3_free(a->y);
  a->t = a->y = NULL;
}
