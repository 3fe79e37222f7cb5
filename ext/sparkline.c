/*
** sparkline.c — sparkline(value [, width]), an aggregate and window function
** returning a one-line Unicode chart of the values (▁▂▃▄▅▆▇█).
**
**   SELECT job, sparkline(duration_s) FROM (SELECT * FROM runs ORDER BY started_at) GROUP BY job;
**   SELECT sparkline(n, 24) FROM (SELECT time_bucket(started_at, '1 hour') AS h, count(*) AS n
**                                   FROM runs GROUP BY h ORDER BY h);
**   SELECT started_at, sparkline(duration_s) OVER (ORDER BY started_at ROWS 23 PRECEDING) FROM runs;
**
** Behaviours (docs/sparkline.md; the rendering is core/ts/ts_spark.h, whose
** behaviours are cited as S<n>):
**   1. One character per value, in the order the aggregate receives the rows
**      (SQLite feeds a plain aggregate in the order of its input: use ORDER BY
**      in a subquery, sparkline(v ORDER BY ts) on SQLite 3.44 or later, or the
**      window form, whose frame is always in the window's ORDER BY order).
**      Levels are scaled from the min to the max of the values shown (S3); a
**      constant series is all ▄ (S4).
**   2. value: INTEGER or REAL, finite (an INTEGER is taken as the nearest
**      double).  NULL is kept as a gap: a space (S5).  TEXT, BLOB and ±Inf
**      are errors.
**   3. width (optional): an INTEGER (or a REAL with an integral value) from 1
**      to 1000000, the most characters to return: with more values than
**      width, consecutive values are averaged into width cells (S2; NULLs in
**      a cell are ignored, a cell of only NULLs is a space).  NULL means no
**      limit (the default).  Read from the first row; a later row with
**      another width is an error.
**   4. No rows (an empty group or window frame) → NULL.  Rows that are all
**      NULL → that many spaces (or width spaces).
**   5. State: the values of the frame in arrival order in one array of
**      doubles (sqlite3_malloc'd, 8 bytes a row, NULL stored as NaN), used as
**      a deque: xStep appends, xInverse drops the oldest value.  SQLite
**      removes rows from a window frame in the order they entered it (ROWS,
**      RANGE and GROUPS frames only ever advance their start), so the oldest
**      value is always the one leaving.  When the array's end is reached the
**      values are moved back to its start if they fill at most half of it,
**      else it doubles: amortised O(1) per row, and the frame stays one
**      contiguous run, so each result renders straight from it (O(frame)).
**      The result text is built in a buffer kept in the state (3 bytes a
**      character) and copied out by SQLite.
**   6. xValue renders without freeing; xFinal renders, then frees (one
**      helper).  Out of memory → SQLITE_NOMEM.
**   7. Flags: pure (SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS).
*/
#include <math.h>
#include <string.h>

#include "core/ts/ts_spark.h"
#include "omen_ext.h"

#define SPARK "sparkline"
#define SPARK_MAX_WIDTH 1000000
#define SPARK_FIRST_CAP 16

typedef struct spark_agg {
  double *v;               /* values v[start .. start + n) in arrival order; NaN = NULL */
  sqlite3_int64 start;     /* index of the oldest value in the frame */
  sqlite3_int64 n;         /* values in the frame */
  sqlite3_int64 cap;       /* doubles allocated in v */
  int configured;          /* width read (first row) */
  int width;               /* 0: one character per value */
  char *out;               /* the result text, sqlite3_malloc'd */
  sqlite3_int64 out_cap;   /* bytes allocated in out */
} spark_agg;

/* The width argument -> *width (0 for NULL).  0, or 1 after setting the error. */
static int spark_width_arg(sqlite3_context *ctx, sqlite3_value *v, int *width) {
  int t = sqlite3_value_type(v);
  double d;
  *width = 0;
  if (t == SQLITE_NULL) return 0;
  if (t != SQLITE_INTEGER && t != SQLITE_FLOAT) {
    omen_errorf(ctx, SPARK, "width (argument 2) is %s; expected an INTEGER from 1 to 1000000 (characters)",
                omen_type_name(v));
    return 1;
  }
  if (t == SQLITE_INTEGER) {
    sqlite3_int64 i = sqlite3_value_int64(v);
    if (i >= 1 && i <= SPARK_MAX_WIDTH) {
      *width = (int)i;
      return 0;
    }
    omen_errorf(ctx, SPARK, "width (argument 2) is %lld; expected an INTEGER from 1 to 1000000 (characters)", i);
    return 1;
  }
  d = sqlite3_value_double(v);
  if (d >= 1 && d <= SPARK_MAX_WIDTH && d == floor(d)) {
    *width = (int)d;
    return 0;
  }
  omen_errorf(ctx, SPARK, "width (argument 2) is %!.15g; expected an INTEGER from 1 to 1000000 (characters)", d);
  return 1;
}

/* Room for one more value at the end (behaviour 5).  0 or SQLITE_NOMEM. */
static int spark_room(spark_agg *a) {
  if (a->start + a->n < a->cap) return 0;
  if (a->start > 0 && a->n <= a->cap / 2) {
    memmove(a->v, a->v + a->start, (size_t)a->n * sizeof *a->v);
  } else {
    sqlite3_int64 cap = a->cap ? a->cap * 2 : SPARK_FIRST_CAP;
    double *v = sqlite3_realloc64(a->v, (sqlite3_uint64)cap * sizeof *v);
    if (!v) return SQLITE_NOMEM;
    a->v = v;
    a->cap = cap;
    if (a->start > 0) memmove(a->v, a->v + a->start, (size_t)a->n * sizeof *a->v);
  }
  a->start = 0;
  return 0;
}

void sparklineStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  spark_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  int t = sqlite3_value_type(argv[0]);
  double x = NAN;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (!a->configured) {
    if (argc >= 2 && spark_width_arg(ctx, argv[1], &a->width)) return;
    a->configured = 1;
  } else if (argc >= 2) {
    int w;
    if (spark_width_arg(ctx, argv[1], &w)) return;
    if (w != a->width) {
      char was[16] = "NULL", now[16] = "NULL";
      if (a->width) sqlite3_snprintf(sizeof was, was, "%d", a->width);
      if (w) sqlite3_snprintf(sizeof now, now, "%d", w);
      omen_errorf(ctx, SPARK,
                  "width (argument 2) changed from %s to %s between rows; expected the same width on every row", was,
                  now);
      return;
    }
  }
  if (t == SQLITE_INTEGER || t == SQLITE_FLOAT) {
    x = sqlite3_value_double(argv[0]);
    if (!isfinite(x)) {
      omen_errorf(ctx, SPARK, "value (argument 1) is not a finite number");
      return;
    }
  } else if (t != SQLITE_NULL) {
    omen_errorf(ctx, SPARK, "value (argument 1) is %s; expected INTEGER or REAL", omen_type_name(argv[0]));
    return;
  }
  if (spark_room(a)) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  a->v[a->start + a->n++] = x;
}

void sparklineInverse(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  spark_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (a->n == 0) return;
  a->start++;
  if (--a->n == 0) a->start = 0;
}

static void spark_result(sqlite3_context *ctx, spark_agg *a) {
  size_t cells, bytes, len;
  om_status st;
  om_err err;
  if (a->n == 0) return; /* NULL */
  cells = ts_spark_cells((size_t)a->n, (size_t)a->width);
  bytes = TS_SPARK_MAX_BYTES(cells);
  if ((sqlite3_int64)bytes > a->out_cap) {
    char *out = sqlite3_realloc64(a->out, (sqlite3_uint64)bytes);
    if (!out) {
      sqlite3_result_error_nomem(ctx);
      return;
    }
    a->out = out;
    a->out_cap = (sqlite3_int64)bytes;
  }
  st = ts_spark_render(a->v + a->start, (size_t)a->n, (size_t)a->width, a->out, &len, &err);
  if (st != OM_OK) {
    omen_result_status(ctx, SPARK, st, &err);
    return;
  }
  sqlite3_result_text64(ctx, a->out, (sqlite3_uint64)len, SQLITE_TRANSIENT, SQLITE_UTF8);
}

void sparklineValue(sqlite3_context *ctx) {
  spark_agg *a = sqlite3_aggregate_context(ctx, 0);
  if (a) spark_result(ctx, a);
}

void sparklineFinal(sqlite3_context *ctx) {
  spark_agg *a = sqlite3_aggregate_context(ctx, 0);
  if (!a) return;
  spark_result(ctx, a);
  sqlite3_free(a->v);
  sqlite3_free(a->out);
  a->v = NULL;
  a->out = NULL;
  a->n = a->start = a->cap = a->out_cap = 0;
}
