/*
** welch.c — welch_ttest(value, group [, alternative [, confidence]]), an
** aggregate and window function for Welch's unequal-variance t-test.
**
**   SELECT welch_ttest(duration_s, variant) FROM runs;
**   SELECT welch_ttest(duration_s, variant, 'less', 0.99) FROM runs;
**   SELECT started_at, welch_ttest(duration_s, variant)
**            OVER (ORDER BY started_at ROWS 999 PRECEDING) FROM runs;
**
** Behaviours (docs/welch_ttest.md; numerics in core/st_welch.h):
**   1. Rows with a NULL value or NULL group are skipped.  value must be
**      INTEGER or REAL and finite; group must be INTEGER, REAL or TEXT, and
**      TEXT must be valid UTF-8 without NUL (core/om_text.h), else "group
**      (argument 2) contains a NUL byte at offset 2; labels must be valid
**      UTF-8 without NUL" (or ": byte 0xff at offset 1 is not valid UTF-8;").
**   2. The two group values are ordered as SQLite orders them (numbers before
**      text; numbers numerically, so 1 and 1.0 are one group; text bytewise).
**      group_a is the smaller; diff = mean_a - mean_b; 'less' tests
**      mean_a < mean_b.
**   3. alternative ('two-sided', 'less', 'greater') and confidence (0 < c < 1,
**      default 0.95) are read from the first row; NULL means the default; a
**      later row with other settings is an error (as scaler_train's method).
**   4. Result: JSON text with exactly the keys group_a, group_b, n_a, n_b,
**      mean_a, mean_b, var_a, var_b, diff, t, df, p, ci_low, ci_high,
**      alternative, confidence.  Undefined numbers (e.g. a variance with one
**      row, an infinite CI bound of a one-sided test) are null.
**   5. No rows → NULL.  Only one group present → its statistics, group_b null,
**      n_b 0 and the test fields null (a sliding window may see this).  More
**      than two distinct groups in the frame → an error naming the first
**      three.  Only the groups in the frame count: SQLite may add the rows
**      entering a frame before it removes those leaving (FOLLOWING frames),
**      so up to WELCH_MAX_SLOTS groups are held at once (the first three in
**      the aggregate context, then a doubling array); past that the state
**      stops counting and the result is that error.
**   6. Each group keeps the exact sums of x and x^2 (st_sums, fixed-point
**      chunks: core/st_welch.h behaviour 1), so xInverse removes a row
**      exactly: every frame's result is bit for bit the plain aggregate's
**      over the frame's rows, whatever left the frame (a 1e300 spike
**      included).  No rows are stored, in a window or not (SQLite does not
**      tell xStep which it is): state is ~5 kB per aggregate (three slots of
**      ~1.7 kB), a sliding frame costs O(1) per row plus one conversion of
**      the sums per xValue (a few 32-bit digit products).
**   7. Numbers beyond the double range: the moments carry their own binary
**      exponent and the test is computed scaled (core/st_welch.h behaviour
**      9); a variance, diff or CI end that is finite but beyond the double
**      range is an error ("var_a is about 2e+616, beyond the range of a
**      double; divide the values by a constant first"), never a null.
**   8. The aggregate state, its step and its result are shared (welch_agg.h)
**      with welch_ttest_state() and welch_ttest_merge() (welch_state.c), so
**      a merged state's answer is written by this very code: the same text.
*/
#include <math.h>
#include <string.h>

#include "core/base/om_json.h"
#include "core/stats/st_welch.h"
#include "core/stats/st_welch_state.h"
#include "group_keys.h"
#include "omen_ext.h"
#include "welch_agg.h"

/* Room for one more group: the slots double (up to WELCH_MAX_SLOTS), moving
** out of the aggregate context.  0, or SQLITE_NOMEM / SQLITE_FULL. */
static int welch_grow(welch_agg *a) {
  int cap = a->cap * 2 > WELCH_MAX_SLOTS ? WELCH_MAX_SLOTS : a->cap * 2;
  welch_group *g;
  st_sums *s;
  if (cap <= a->cap) return SQLITE_FULL;
  g = sqlite3_malloc64((sqlite3_uint64)cap * sizeof *g);
  s = sqlite3_malloc64((sqlite3_uint64)cap * sizeof *s);
  if (!g || !s) {
    sqlite3_free(g);
    sqlite3_free(s);
    return SQLITE_NOMEM;
  }
  memset(g, 0, (size_t)cap * sizeof *g);
  memset(s, 0, (size_t)cap * sizeof *s);
  memcpy(g, a->g, (size_t)a->cap * sizeof *g);
  memcpy(s, a->s, (size_t)a->cap * sizeof *s);
  if (a->g != a->g0) {
    sqlite3_free(a->g);
    sqlite3_free(a->s);
  }
  a->g = g;
  a->s = s;
  a->cap = cap;
  return 0;
}

static const char *alt_name(st_alternative a) {
  return a == ST_LESS ? "less" : a == ST_GREATER ? "greater" : "two-sided";
}

static int welch_configure(sqlite3_context *ctx, const char *fname, welch_agg *a, int argc, sqlite3_value **argv) {
  a->alt = ST_TWO_SIDED;
  a->confidence = 0.95;
  if (argc >= 3 && sqlite3_value_type(argv[2]) != SQLITE_NULL) {
    const char *s = (const char *)sqlite3_value_text(argv[2]);
    if (sqlite3_value_type(argv[2]) != SQLITE_TEXT || !s) goto bad_alt;
    if (strcmp(s, "two-sided") == 0) a->alt = ST_TWO_SIDED;
    else if (strcmp(s, "less") == 0) a->alt = ST_LESS;
    else if (strcmp(s, "greater") == 0) a->alt = ST_GREATER;
    else goto bad_alt;
  }
  if (argc >= 4 && sqlite3_value_type(argv[3]) != SQLITE_NULL) {
    int t = sqlite3_value_type(argv[3]);
    double c = sqlite3_value_double(argv[3]);
    if ((t != SQLITE_INTEGER && t != SQLITE_FLOAT) || !(c > 0 && c < 1)) {
      if (t == SQLITE_INTEGER || t == SQLITE_FLOAT)
        omen_errorf(ctx, fname, "confidence (argument 4) is %!.15g; expected a number between 0 and 1 (exclusive)", c);
      else
        omen_errorf(ctx, fname, "confidence (argument 4) is %s; expected a number between 0 and 1 (exclusive)",
                    omen_type_name(argv[3]));
      return 1;
    }
    a->confidence = c;
  }
  a->configured = 1;
  return 0;
bad_alt:
  if (sqlite3_value_type(argv[2]) == SQLITE_TEXT)
    omen_errorf(ctx, fname, "alternative (argument 3) is '%s'; expected 'two-sided', 'less' or 'greater'",
                (const char *)sqlite3_value_text(argv[2]));
  else
    omen_errorf(ctx, fname, "alternative (argument 3) is %s; expected 'two-sided', 'less' or 'greater'",
                omen_type_name(argv[2]));
  return 1;
}

/* Later rows must repeat the first row's settings (a NULL means the default).
** Returns 1 with an error set when they differ. */
static int welch_settings_changed(sqlite3_context *ctx, const char *fname, welch_agg *a, int argc,
                                  sqlite3_value **argv) {
  welch_agg now;
  memset(&now, 0, sizeof now);
  if (welch_configure(ctx, fname, &now, argc, argv)) return 1;
  if (now.alt != a->alt) {
    omen_errorf(ctx, fname, "alternative changed from '%s' to '%s' between rows", alt_name(a->alt),
                alt_name(now.alt));
    return 1;
  }
  if (now.confidence != a->confidence) {
    omen_errorf(ctx, fname, "confidence changed from %!.15g to %!.15g between rows", a->confidence,
                now.confidence);
    return 1;
  }
  return 0;
}

/* Validate a row; returns 1 if it must be skipped or failed (error set). */
static int welch_row(sqlite3_context *ctx, const char *fname, sqlite3_value **argv, double *x, omen_key *key) {
  int vt = sqlite3_value_type(argv[0]), gt = sqlite3_value_type(argv[1]);
  if (vt == SQLITE_NULL || gt == SQLITE_NULL) return 1;
  if (vt != SQLITE_INTEGER && vt != SQLITE_FLOAT) {
    omen_errorf(ctx, fname, "value (argument 1) is %s; expected INTEGER or REAL", omen_type_name(argv[0]));
    return 1;
  }
  *x = sqlite3_value_double(argv[0]);
  if (!isfinite(*x)) {
    omen_errorf(ctx, fname, "value (argument 1) is not a finite number");
    return 1;
  }
  return omen_key_arg(ctx, fname, argv[1], "group (argument 2)", key);
}

/* The slot of key in a, taken (key copied, owned) if it is new.  Returns
** the index; -1 when WELCH_MAX_SLOTS groups are held (a->overflow set, the
** row or group is dropped: behaviour 5); -2 out of memory (error set). */
static int welch_slot(sqlite3_context *ctx, welch_agg *a, const omen_key *key) {
  omen_key k = *key;
  int i, free_slot = -1;
  if (!a->cap) {
    a->g = a->g0;
    a->s = a->s0;
    a->cap = WELCH_SLOTS;
  }
  for (i = 0; i < a->cap; i++) {
    if (a->g[i].key.type == 0) {
      if (free_slot < 0) free_slot = i;
      continue;
    }
    if (omen_key_cmp(&a->g[i].key, &k) == 0) return i;
  }
  if (free_slot < 0) {
    /* A window frame may hold more groups for a moment: SQLite can add
    ** the rows entering a frame before it removes those leaving. */
    int rc = welch_grow(a);
    if (rc == SQLITE_NOMEM) {
      sqlite3_result_error_nomem(ctx);
      return -2;
    }
    if (rc) {
      a->overflow = 1; /* reported at xValue/xFinal; counts are no longer exact */
      return -1;
    }
    free_slot = i;
  }
  if (omen_key_own(&k)) {
    sqlite3_result_error_nomem(ctx);
    return -2;
  }
  a->g[free_slot].key = k;
  return free_slot;
}

void welch_agg_step(sqlite3_context *ctx, const char *fname, int argc, sqlite3_value **argv) {
  welch_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  omen_key key;
  double x;
  int i;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (!a->configured) {
    if (welch_configure(ctx, fname, a, argc, argv)) return;
  } else if (argc >= 3 && welch_settings_changed(ctx, fname, a, argc, argv)) {
    return;
  }
  if (welch_row(ctx, fname, argv, &x, &key)) return;
  i = welch_slot(ctx, a, &key);
  if (i < 0) return;
  a->g[i].rows++;
  st_sums_add(&a->s[i], x, NULL); /* x is finite (welch_row) */
}

void welchStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) { welch_agg_step(ctx, "welch_ttest", argc, argv); }

int welch_agg_add_group(sqlite3_context *ctx, const char *fname, welch_agg *a, const omen_key *key,
                        const st_sums *sums) {
  om_err err;
  om_status st;
  int i = welch_slot(ctx, a, key);
  if (i == -2) return 1;
  if (i < 0) return 0; /* overflow: reported by the result */
  st = st_sums_merge(&a->s[i], sums, &err);
  if (st != OM_OK) {
    omen_result_status(ctx, fname, st, &err);
    return 1;
  }
  a->g[i].rows = a->s[i].n;
  return 0;
}

void welchInverse(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  welch_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  omen_key key;
  double x;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (welch_row(ctx, "welch_ttest", argv, &x, &key)) return;
  for (int i = 0; i < a->cap; i++) {
    welch_group *g = &a->g[i];
    if (g->key.type == 0 || omen_key_cmp(&g->key, &key) != 0) continue;
    st_sums_remove(&a->s[i], x, NULL); /* back to zeroed when the last row leaves */
    if (--g->rows == 0) {
      omen_key_free(&g->key);
      g->rows = 0;
    }
    return;
  }
}

int welch_agg_groups(sqlite3_context *ctx, const char *fname, const welch_agg *a) {
  int present = 0, i;
  for (i = 0; i < a->cap; i++) present += a->g[i].key.type != 0;
  if (present > 2 || a->overflow) {
    char l[3][64];
    int k = 0;
    for (i = 0; i < a->cap && k < 3; i++)
      if (a->g[i].key.type) omen_key_label(l[k++], sizeof l[0], &a->g[i].key);
    omen_errorf(ctx, fname, "group has more than 2 distinct values (%s, %s, %s%s); expected exactly 2", l[0], l[1],
                k > 2 ? l[2] : "...", present > 3 || a->overflow ? ", ..." : "");
    return -1;
  }
  return present;
}

void welch_agg_result(sqlite3_context *ctx, const char *fname, welch_agg *a) {
  welch_group *ga = NULL, *gb = NULL, *tmp;
  st_moments ma, mb;
  st_welch_result r;
  om_err err;
  om_status st;
  om_wbuf w;
  om_jw j;
  int present, i;
  memset(&mb, 0, sizeof mb);
  present = welch_agg_groups(ctx, fname, a);
  if (present <= 0) return; /* no rows: NULL; or the error */
  for (i = 0; i < a->cap; i++) {
    if (!a->g[i].key.type) continue;
    if (!ga) ga = &a->g[i];
    else gb = &a->g[i];
  }
  if (gb && omen_key_cmp(&ga->key, &gb->key) > 0) {
    tmp = ga;
    ga = gb;
    gb = tmp;
  }
  st_sums_moments(&a->s[ga - a->g], &ma);
  if (gb) st_sums_moments(&a->s[gb - a->g], &mb);
  st = st_welch_ttest(&ma, &mb, a->alt, a->confidence, &r, &err);
  if (st != OM_OK) {
    omen_result_status(ctx, fname, st, &err);
    return;
  }
  om_wbuf_init(&w);
  om_jw_init(&j, &w);
  om_jw_begin_object(&j);
  om_jw_key(&j, "group_a");
  omen_key_json(&j, &ga->key);
  om_jw_key(&j, "group_b");
  omen_key_json(&j, gb ? &gb->key : NULL);
  om_jw_key(&j, "n_a");
  om_jw_int(&j, ga->rows);
  om_jw_key(&j, "n_b");
  om_jw_int(&j, gb ? gb->rows : 0);
  om_jw_key(&j, "mean_a");
  om_jw_double(&j, r.mean_a);
  om_jw_key(&j, "mean_b");
  om_jw_double(&j, gb ? r.mean_b : NAN);
  om_jw_key(&j, "var_a");
  om_jw_double(&j, r.var_a);
  om_jw_key(&j, "var_b");
  om_jw_double(&j, gb ? r.var_b : NAN);
  om_jw_key(&j, "diff");
  om_jw_double(&j, gb ? r.diff : NAN);
  om_jw_key(&j, "t");
  om_jw_double(&j, gb ? r.t : NAN);
  om_jw_key(&j, "df");
  om_jw_double(&j, gb ? r.df : NAN);
  om_jw_key(&j, "p");
  om_jw_double(&j, gb ? r.p : NAN);
  om_jw_key(&j, "ci_low");
  om_jw_double(&j, gb ? r.ci_low : NAN);
  om_jw_key(&j, "ci_high");
  om_jw_double(&j, gb ? r.ci_high : NAN);
  om_jw_key(&j, "alternative");
  om_jw_string(&j, alt_name(a->alt));
  om_jw_key(&j, "confidence");
  om_jw_double(&j, a->confidence);
  om_jw_end_object(&j);
  if (om_wbuf_status(&w) != OM_OK) sqlite3_result_error_nomem(ctx);
  else sqlite3_result_text64(ctx, (const char *)w.data, w.len, SQLITE_TRANSIENT, SQLITE_UTF8);
  om_wbuf_free(&w);
}

void welchValue(sqlite3_context *ctx) {
  welch_agg *a = sqlite3_aggregate_context(ctx, 0);
  if (a) welch_agg_result(ctx, "welch_ttest", a);
}

void welchFinal(sqlite3_context *ctx) {
  welch_agg *a = sqlite3_aggregate_context(ctx, 0);
  if (!a) return;
  welch_agg_result(ctx, "welch_ttest", a);
  welch_agg_free(a);
}

void welch_agg_free(welch_agg *a) {
  for (int i = 0; i < a->cap; i++) omen_key_free(&a->g[i].key);
  if (a->g != a->g0) {
    sqlite3_free(a->g);
    sqlite3_free(a->s);
  }
  a->g = NULL;
  a->s = NULL;
  a->cap = 0;
}
