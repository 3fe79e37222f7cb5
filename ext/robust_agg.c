/*
** robust_agg.c — descriptive and robust statistics as aggregate AND window
** functions: omen_median(x), omen_percentile(x, p), omen_mad(x),
** omen_iqr(x), omen_mean(x), omen_variance(x), omen_stddev(x),
** omen_skewness(x), omen_kurtosis(x).
**
**   SELECT job, omen_median(duration_s), omen_mad(duration_s) FROM runs GROUP BY job;
**   SELECT omen_percentile(duration_s, 95) FROM runs;
**   SELECT started_at, omen_median(duration_s)
**            OVER (ORDER BY started_at ROWS 99 PRECEDING) FROM runs;
**
** The omen_ prefix keeps them apart from SQLite's own median() and
** percentile() (built in since 3.51 with SQLITE_ENABLE_PERCENTILE, and the
** percentile extension) and from sqlean's stats functions (median,
** percentile, stddev, variance ...), which may be loaded into the same
** connection and define neighbouring names differently (percentile_cont's
** p as a fraction, stddev_pop ...).  docs/robust_statistics.md.
**
** Behaviours (pages docs/omen_<name>.md; numerics in core/stats/st_order.h
** and core/stats/st_moments.h):
**   1. Rows whose x is NULL are skipped; no rows left (or an empty window
**      frame) → NULL.  x must be INTEGER or REAL, else "omen_median(): x
**      (argument 1) is TEXT; expected INTEGER or REAL"; ±Inf is an error
**      ("x (argument 1) is Inf; expected a finite number"), never a
**      propagated inf or nan (SQLite itself stores NaN as NULL, so NaN
**      cannot arrive).  An INTEGER is taken as the nearest double.
**   2. omen_percentile's p: INTEGER or REAL with 0 <= p <= 100 (a
**      percentage: 50 is the median), checked on every row (NULL x rows
**      too), the same on every row of a group or partition: otherwise
**      "p (argument 2) is 150.0; expected a number between 0 and 100",
**      "... is TEXT; ...", or "p (argument 2) changed from 50.0 to 90.0
**      between rows; expected the same p on every row".
**   3. Results are REAL and equal numpy 1.24 / scipy 1.10 on the same
**      doubles: numpy.median, numpy.percentile (method 'linear'),
**      scipy.stats.median_abs_deviation(scale=1.0), scipy.stats.iqr,
**      bit for bit (core st_order.h behaviours 5-8); mean, sample variance
**      (ddof 1), stddev, skewness G1 = scipy.stats.skew(bias=False) and
**      excess kurtosis G2 = scipy.stats.kurtosis(bias=False) computed from
**      exact sums (st_moments.h 4), so within an ulp or a few of the exact
**      value, more accurate than numpy's float sums.
**   4. NULL results: variance and stddev of one value; skewness of fewer
**      than 3 values, kurtosis of fewer than 4 (pandas' rule; scipy's
**      bias=False gives the biased estimate there); skewness and kurtosis
**      of constant data (zero variance).
**   5. Beyond the double range (values near ±1e308): an iqr, variance or
**      stddev that is finite in truth but above 1.8e308 is an error, "the
**      variance is beyond the range of a double (over 1.8e308); divide the
**      values by a constant first", never inf.  median, percentile and mad
**      of finite doubles are always in range (where numpy gives inf or nan
**      for a median of two values near DBL_MAX, these give the true value).
**   6. Windows.  Every function has xInverse.  Order statistics (median,
**      percentile, mad, iqr) keep the frame's values: a plain aggregate
**      appends (8 bytes a row) and selects at xFinal (O(n), introselect,
**      polls sqlite3_interrupt); a window sorts them once, then each row
**      entering or leaving is a binary search and a memmove inside a block
**      of at most 1024 values: O(log n + 1024) per row, plus O(n / 256)
**      once per result to refresh block counts; the median, percentile and
**      iqr read two to four values, mad does an O(log^2 n) search.  Moments
**      keep exact integer sums (no values): O(1) per row, and every
**      frame's result is bit for bit the plain aggregate's over its rows.
**   7. Flags: SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS: they
**      read only their arguments, so views, triggers and indexes may use
**      them.  Out of memory → SQLITE_NOMEM; an interrupted sort or
**      selection → SQLITE_INTERRUPT.
*/
#include <math.h>

#include "core/stats/st_moments.h"
#include "core/stats/st_order.h"
#include "omen_ext.h"

/* x of a row (behaviour 1): 0 with *x set; 1: NULL, skip; -1: error set. */
static int robust_x(sqlite3_context *ctx, const char *fname, sqlite3_value *v, double *x) {
  switch (sqlite3_value_type(v)) {
  case SQLITE_NULL: return 1;
  case SQLITE_INTEGER:
  case SQLITE_FLOAT:
    *x = sqlite3_value_double(v);
    if (isfinite(*x)) return 0;
    omen_errorf(ctx, fname, "x (argument 1) is %!.15g; expected a finite number", *x);
    return -1;
  default:
    omen_errorf(ctx, fname, "x (argument 1) is %s; expected INTEGER or REAL", omen_type_name(v));
    return -1;
  }
}

static void robust_status(sqlite3_context *ctx, const char *fname, om_status st, const om_err *err) {
  if (st == OM_INTERRUPTED) sqlite3_result_error_code(ctx, SQLITE_INTERRUPT);
  else omen_result_status(ctx, fname, st, err);
}

static void robust_double(sqlite3_context *ctx, double v) {
  if (isnan(v)) sqlite3_result_null(ctx);
  else sqlite3_result_double(ctx, v);
}

/* ------------------------------------------------- order statistics */

typedef struct ord_agg {
  st_order o; /* the frame's values (core/stats/st_order.h) */
  double p;   /* omen_percentile: the first row's p */
  int p_set;  /* p is set */
} ord_agg;

typedef enum ord_kind { ORD_MEDIAN, ORD_PERCENTILE, ORD_MAD, ORD_IQR } ord_kind;

static void ord_step(sqlite3_context *ctx, const char *fname, ord_agg *a, sqlite3_value **argv) {
  double x;
  om_err err;
  om_status st;
  if (robust_x(ctx, fname, argv[0], &x)) return;
  st = st_order_add(&a->o, x, &err);
  if (st != OM_OK) robust_status(ctx, fname, st, &err);
}

static void ord_inverse(sqlite3_context *ctx, const char *fname, sqlite3_value **argv) {
  ord_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  om_interrupt it = omen_interrupt_for(ctx);
  double x;
  om_err err;
  om_status st;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (robust_x(ctx, fname, argv[0], &x)) return; /* NULL rows were never added */
  st = st_order_remove(&a->o, x, &it, &err);
  if (st != OM_OK) robust_status(ctx, fname, st, &err);
}

/* xValue (final 0) and xFinal (final 1, then frees): one helper (STYLE 10). */
static void ord_result(sqlite3_context *ctx, const char *fname, ord_kind kind, int final) {
  ord_agg *a = sqlite3_aggregate_context(ctx, 0);
  om_interrupt it = omen_interrupt_for(ctx);
  double r = NAN;
  om_err err;
  om_status st = OM_OK;
  if (!a) return; /* no rows: NULL */
  if (a->o.n > 0) {
    switch (kind) {
    case ORD_MEDIAN: st = st_order_median(&a->o, final, &r, &it, &err); break;
    case ORD_PERCENTILE: st = st_order_percentile(&a->o, a->p, final, &r, &it, &err); break;
    case ORD_MAD: st = st_order_mad(&a->o, final, &r, &it, &err); break;
    case ORD_IQR: st = st_order_iqr(&a->o, final, &r, &it, &err); break;
    }
  }
  if (st != OM_OK) robust_status(ctx, fname, st, &err);
  else robust_double(ctx, r);
  if (final) st_order_free(&a->o);
}

static ord_agg *ord_context(sqlite3_context *ctx) {
  ord_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  if (!a) sqlite3_result_error_nomem(ctx);
  return a;
}

void medianStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  ord_agg *a = ord_context(ctx);
  if (a) ord_step(ctx, "omen_median", a, argv);
}
void medianInverse(sqlite3_context *ctx, int argc, sqlite3_value **argv) { ord_inverse(ctx, "omen_median", argv); }
void medianValue(sqlite3_context *ctx) { ord_result(ctx, "omen_median", ORD_MEDIAN, 0); }
void medianFinal(sqlite3_context *ctx) { ord_result(ctx, "omen_median", ORD_MEDIAN, 1); }

/* Behaviour 2: p of this row, checked and compared with the first row's.
** Returns 1 with an error set when it is not acceptable. */
static int percentile_p(sqlite3_context *ctx, ord_agg *a, sqlite3_value *v) {
  static const char fname[] = "omen_percentile";
  int t = sqlite3_value_type(v);
  double p = sqlite3_value_double(v);
  if (t != SQLITE_INTEGER && t != SQLITE_FLOAT) {
    omen_errorf(ctx, fname, "p (argument 2) is %s; expected a number between 0 and 100", omen_type_name(v));
    return 1;
  }
  if (!(p >= 0.0 && p <= 100.0)) {
    omen_errorf(ctx, fname, "p (argument 2) is %!.15g; expected a number between 0 and 100", p);
    return 1;
  }
  if (!a->p_set) {
    a->p = p;
    a->p_set = 1;
  } else if (p != a->p) {
    omen_errorf(ctx, fname, "p (argument 2) changed from %!.15g to %!.15g between rows; expected the same p on every row",
                a->p, p);
    return 1;
  }
  return 0;
}

void percentileStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  ord_agg *a = ord_context(ctx);
  if (!a || percentile_p(ctx, a, argv[1])) return;
  ord_step(ctx, "omen_percentile", a, argv);
}
void percentileInverse(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  ord_inverse(ctx, "omen_percentile", argv);
}
void percentileValue(sqlite3_context *ctx) { ord_result(ctx, "omen_percentile", ORD_PERCENTILE, 0); }
void percentileFinal(sqlite3_context *ctx) { ord_result(ctx, "omen_percentile", ORD_PERCENTILE, 1); }

void madStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  ord_agg *a = ord_context(ctx);
  if (a) ord_step(ctx, "omen_mad", a, argv);
}
void madInverse(sqlite3_context *ctx, int argc, sqlite3_value **argv) { ord_inverse(ctx, "omen_mad", argv); }
void madValue(sqlite3_context *ctx) { ord_result(ctx, "omen_mad", ORD_MAD, 0); }
void madFinal(sqlite3_context *ctx) { ord_result(ctx, "omen_mad", ORD_MAD, 1); }

void iqrStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  ord_agg *a = ord_context(ctx);
  if (a) ord_step(ctx, "omen_iqr", a, argv);
}
void iqrInverse(sqlite3_context *ctx, int argc, sqlite3_value **argv) { ord_inverse(ctx, "omen_iqr", argv); }
void iqrValue(sqlite3_context *ctx) { ord_result(ctx, "omen_iqr", ORD_IQR, 0); }
void iqrFinal(sqlite3_context *ctx) { ord_result(ctx, "omen_iqr", ORD_IQR, 1); }

/* ------------------------------------------------------------ moments */

typedef enum mom_kind { MOM_MEAN = 1, MOM_VARIANCE, MOM_STDDEV, MOM_SKEWNESS, MOM_KURTOSIS } mom_kind;

/* The powers a kind needs: mean 1, variance and stddev 2, skewness 3, kurtosis 4. */
static int mom_kmax(mom_kind kind) {
  return kind == MOM_MEAN ? 1 : kind == MOM_SKEWNESS ? 3 : kind == MOM_KURTOSIS ? 4 : 2;
}

/* The aggregate's exact sums (st_moments.h 1), set up on first use. */
static st_psums *mom_context(sqlite3_context *ctx, mom_kind kind) {
  int kmax = mom_kmax(kind);
  st_psums *s = sqlite3_aggregate_context(ctx, (int)st_psums_size(kmax));
  if (!s) {
    sqlite3_result_error_nomem(ctx);
    return NULL;
  }
  if (s->kmax == 0) st_psums_init(s, kmax);
  return s;
}

static void mom_update(sqlite3_context *ctx, const char *fname, mom_kind kind, sqlite3_value **argv, int add) {
  st_psums *s = mom_context(ctx, kind);
  double x;
  om_err err;
  om_status st;
  if (!s || robust_x(ctx, fname, argv[0], &x)) return;
  st = add ? st_psums_add(s, x, &err) : st_psums_remove(s, x, &err);
  if (st != OM_OK) robust_status(ctx, fname, st, &err);
}

static void mom_result(sqlite3_context *ctx, const char *fname, mom_kind kind) {
  st_psums *s = sqlite3_aggregate_context(ctx, 0);
  double r = NAN;
  om_err err;
  om_status st = OM_OK;
  if (!s || s->n <= 0) return; /* no rows: NULL */
  switch (kind) {
  case MOM_MEAN: r = st_psums_mean(s); break;
  case MOM_VARIANCE: st = st_psums_variance(s, &r, &err); break;
  case MOM_STDDEV: st = st_psums_stddev(s, &r, &err); break;
  case MOM_SKEWNESS: r = st_psums_skewness(s); break;
  case MOM_KURTOSIS: r = st_psums_kurtosis(s); break;
  }
  if (st != OM_OK) robust_status(ctx, fname, st, &err);
  else robust_double(ctx, r);
}

void meanStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) { mom_update(ctx, "omen_mean", MOM_MEAN, argv, 1); }
void meanInverse(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  mom_update(ctx, "omen_mean", MOM_MEAN, argv, 0);
}
void meanValue(sqlite3_context *ctx) { mom_result(ctx, "omen_mean", MOM_MEAN); }

void varianceStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  mom_update(ctx, "omen_variance", MOM_VARIANCE, argv, 1);
}
void varianceInverse(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  mom_update(ctx, "omen_variance", MOM_VARIANCE, argv, 0);
}
void varianceValue(sqlite3_context *ctx) { mom_result(ctx, "omen_variance", MOM_VARIANCE); }

void stddevStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  mom_update(ctx, "omen_stddev", MOM_STDDEV, argv, 1);
}
void stddevInverse(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  mom_update(ctx, "omen_stddev", MOM_STDDEV, argv, 0);
}
void stddevValue(sqlite3_context *ctx) { mom_result(ctx, "omen_stddev", MOM_STDDEV); }

void skewnessStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  mom_update(ctx, "omen_skewness", MOM_SKEWNESS, argv, 1);
}
void skewnessInverse(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  mom_update(ctx, "omen_skewness", MOM_SKEWNESS, argv, 0);
}
void skewnessValue(sqlite3_context *ctx) { mom_result(ctx, "omen_skewness", MOM_SKEWNESS); }

void kurtosisStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  mom_update(ctx, "omen_kurtosis", MOM_KURTOSIS, argv, 1);
}
void kurtosisInverse(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  mom_update(ctx, "omen_kurtosis", MOM_KURTOSIS, argv, 0);
}
void kurtosisValue(sqlite3_context *ctx) { mom_result(ctx, "omen_kurtosis", MOM_KURTOSIS); }
