/*
** ranktests.c — mann_whitney(value, group [, alternative [, confidence]])
** and ks_2samp(value, group [, alternative]): aggregate and window functions
** for the Mann–Whitney U test (with the common-language effect size and the
** Hodges–Lehmann shift and its interval) and the two-sample
** Kolmogorov–Smirnov test.
**
**   SELECT mann_whitney(duration_s, variant) FROM runs;
**   SELECT ks_2samp(duration_s, variant, 'less') FROM runs;
**   SELECT mann_whitney(duration_s, variant) OVER (ORDER BY started_at ROWS 99 PRECEDING) FROM runs;
**
** Behaviours (docs/mann_whitney.md, docs/ks_2samp.md; numerics in
** core/stats/st_rank.h and core/stats/st_ks.h):
**   1. Rows with a NULL value or NULL group are skipped.  value must be
**      INTEGER or REAL and finite; group INTEGER, REAL or TEXT (valid UTF-8
**      without NUL), with the messages of welch_ttest.
**   2. The two groups are ordered as welch_ttest orders them (SQLite's
**      order: numbers before text, numbers numerically, text bytewise);
**      group_a, the smaller, is scipy's first sample x.
**   3. alternative ('two-sided', 'less', 'greater') and, for mann_whitney,
**      confidence (0 < c < 1, default 0.95) are read from the first row; NULL
**      means the default; a later row with other settings is an error.
**   4. Result: JSON text.  mann_whitney: group_a, group_b, n_a, n_b,
**      statistic (U of group_a), u_b, z, p, method, cles, hodges_lehmann,
**      ci_low, ci_high, alternative, confidence.  ks_2samp: group_a, group_b,
**      n_a, n_b, statistic, p, method, d_plus, d_minus, statistic_sign,
**      statistic_location, alternative.  Undefined numbers are null.
**   5. No rows → NULL.  One group only → its label and count, group_b null,
**      n_b 0 and every test field null.  More than two groups in the rows
**      (or the frame) → an error naming the first three.
**   6. State: each group's values in a growing array (sqlite3_realloc64);
**      the result sorts them in place (order does not matter to the state).
**      xInverse removes one copy of the leaving value (a linear search, then
**      the last value moves into its slot): a frame of w rows costs O(w) per
**      removal and O(w log w) per result.  Up to RANK_MAX_SLOTS groups are
**      held at once (a frame may add rows before removing others).
**   7. Long computations (exact tables, KS lattice paths, pairwise
**      selection) honour sqlite3_interrupt() (SQLITE_INTERRUPT).
**   8. Flags: pure (DETERMINISTIC | INNOCUOUS): they read only their
**      arguments.
*/
#include <math.h>
#include <string.h>

#include "core/base/om_json.h"
#include "core/stats/st_ks.h"
#include "core/stats/st_rank.h"
#include "group_keys.h"
#include "omen_ext.h"

#define RANK_SLOTS 3      /* slots inside the aggregate context */
#define RANK_MAX_SLOTS 64 /* at most this many groups held at once */

typedef struct rank_group {
  omen_key key;    /* type 0: an empty slot; text owned (omen_key_own) */
  double *v;       /* the group's values, owned (sqlite3_realloc64) */
  sqlite3_int64 n; /* values held */
  sqlite3_int64 cap;
} rank_group;

typedef struct rank_agg {
  int configured;
  st_alternative alt;
  double confidence;
  int overflow;   /* a group arrived while RANK_MAX_SLOTS were held */
  int cap;        /* slots in g (0: not set up yet) */
  rank_group *g;  /* g0, or a sqlite3_malloc'd array once more are needed */
  rank_group g0[RANK_SLOTS];
} rank_agg;

#define MWU_NAME "mann_whitney"
#define KS_NAME "ks_2samp"

static const char *alt_name(st_alternative a) {
  return a == ST_LESS ? "less" : a == ST_GREATER ? "greater" : "two-sided";
}

static int rank_grow(rank_agg *a) {
  int cap = a->cap * 2 > RANK_MAX_SLOTS ? RANK_MAX_SLOTS : a->cap * 2;
  rank_group *g;
  if (cap <= a->cap) return SQLITE_FULL;
  g = sqlite3_malloc64((sqlite3_uint64)cap * sizeof *g);
  if (!g) return SQLITE_NOMEM;
  memset(g, 0, (size_t)cap * sizeof *g);
  memcpy(g, a->g, (size_t)a->cap * sizeof *g);
  if (a->g != a->g0) sqlite3_free(a->g);
  a->g = g;
  a->cap = cap;
  return 0;
}

/* confidence (argument 4): only mann_whitney has it. */
static int mwu_confidence(sqlite3_context *ctx, rank_agg *a, sqlite3_value *v) {
  int t = sqlite3_value_type(v);
  double c = sqlite3_value_double(v);
  if (t == SQLITE_NULL) return 0;
  if ((t != SQLITE_INTEGER && t != SQLITE_FLOAT) || !(c > 0 && c < 1)) {
    if (t == SQLITE_INTEGER || t == SQLITE_FLOAT)
      omen_errorf(ctx, "mann_whitney", "confidence (argument 4) is %!.15g; expected a number between 0 and 1 (exclusive)",
                  c);
    else
      omen_errorf(ctx, "mann_whitney", "confidence (argument 4) is %s; expected a number between 0 and 1 (exclusive)",
                  omen_type_name(v));
    return 1;
  }
  a->confidence = c;
  return 0;
}

static int rank_configure(sqlite3_context *ctx, const char *fname, rank_agg *a, int argc, sqlite3_value **argv) {
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
  if (argc >= 4 && mwu_confidence(ctx, a, argv[3])) return 1; /* ks_2samp has at most 3 arguments */
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

static int mwu_confidence_changed(sqlite3_context *ctx, double was, double now) {
  omen_errorf(ctx, "mann_whitney", "confidence changed from %!.15g to %!.15g between rows", was, now);
  return 1;
}

static int rank_settings_changed(sqlite3_context *ctx, const char *fname, rank_agg *a, int argc,
                                 sqlite3_value **argv) {
  rank_agg now;
  memset(&now, 0, sizeof now);
  if (rank_configure(ctx, fname, &now, argc, argv)) return 1;
  if (now.alt != a->alt) {
    omen_errorf(ctx, fname, "alternative changed from '%s' to '%s' between rows", alt_name(a->alt),
                alt_name(now.alt));
    return 1;
  }
  if (now.confidence != a->confidence) return mwu_confidence_changed(ctx, a->confidence, now.confidence);
  return 0;
}

/* Validate a row; returns 1 if it must be skipped or failed (error set). */
static int rank_row(sqlite3_context *ctx, const char *fname, sqlite3_value **argv, double *x, omen_key *key) {
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

static void rank_step(sqlite3_context *ctx, const char *fname, int argc, sqlite3_value **argv) {
  rank_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  omen_key key;
  rank_group *g;
  double x;
  int i, free_slot = -1;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (!a->configured) {
    if (rank_configure(ctx, fname, a, argc, argv)) return;
  } else if (argc >= 3 && rank_settings_changed(ctx, fname, a, argc, argv)) {
    return;
  }
  if (rank_row(ctx, fname, argv, &x, &key)) return;
  if (!a->cap) {
    a->g = a->g0;
    a->cap = RANK_SLOTS;
  }
  for (i = 0; i < a->cap; i++) {
    if (a->g[i].key.type == 0) {
      if (free_slot < 0) free_slot = i;
      continue;
    }
    if (omen_key_cmp(&a->g[i].key, &key) == 0) break;
  }
  if (i == a->cap) {
    if (free_slot < 0) {
      int rc = rank_grow(a);
      if (rc == SQLITE_NOMEM) {
        sqlite3_result_error_nomem(ctx);
        return;
      }
      if (rc) {
        a->overflow = 1; /* reported at xValue/xFinal */
        return;
      }
      free_slot = i;
    }
    i = free_slot;
    if (omen_key_own(&key)) {
      sqlite3_result_error_nomem(ctx);
      return;
    }
    a->g[i].key = key;
  }
  g = &a->g[i];
  if (g->n == g->cap) {
    sqlite3_int64 cap = g->cap ? 2 * g->cap : 16;
    double *v = sqlite3_realloc64(g->v, (sqlite3_uint64)cap * sizeof *v);
    if (!v) {
      sqlite3_result_error_nomem(ctx);
      return;
    }
    g->v = v;
    g->cap = cap;
  }
  g->v[g->n++] = x;
}

static void rank_inverse(sqlite3_context *ctx, const char *fname, sqlite3_value **argv) {
  rank_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  omen_key key;
  double x;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (rank_row(ctx, fname, argv, &x, &key)) return;
  for (int i = 0; i < a->cap; i++) {
    rank_group *g = &a->g[i];
    if (g->key.type == 0 || omen_key_cmp(&g->key, &key) != 0) continue;
    for (sqlite3_int64 k = 0; k < g->n; k++) {
      if (g->v[k] != x) continue;
      g->v[k] = g->v[--g->n];
      break;
    }
    if (g->n == 0) {
      omen_key_free(&g->key);
      sqlite3_free(g->v);
      memset(g, 0, sizeof *g);
    }
    return;
  }
}

static void rank_result(sqlite3_context *ctx, const char *fname, int is_ks, rank_agg *a) {
  rank_group *ga = NULL, *gb = NULL, *tmp;
  om_interrupt it = omen_interrupt_for(ctx);
  st_mwu_result mw;
  st_ks_result ks;
  om_err err;
  om_status st = OM_OK;
  om_wbuf w;
  om_jw j;
  int present = 0, i, two;
  for (i = 0; i < a->cap; i++) present += a->g[i].key.type != 0;
  if (present == 0) return; /* no rows: NULL */
  if (present > 2 || a->overflow) {
    char l[3][64];
    int k = 0;
    for (i = 0; i < a->cap && k < 3; i++)
      if (a->g[i].key.type) omen_key_label(l[k++], sizeof l[0], &a->g[i].key);
    omen_errorf(ctx, fname, "group has more than 2 distinct values (%s, %s, %s%s); expected exactly 2", l[0],
                l[1], k > 2 ? l[2] : "...", present > 3 || a->overflow ? ", ..." : "");
    return;
  }
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
  two = gb != NULL;
  memset(&mw, 0, sizeof mw);
  memset(&ks, 0, sizeof ks);
  err.msg[0] = 0;
  if (two && is_ks)
    st = st_ks_2samp(ga->v, (size_t)ga->n, gb->v, (size_t)gb->n, a->alt, &it, &ks, &err);
  else if (two)
    st = st_mann_whitney(ga->v, (size_t)ga->n, gb->v, (size_t)gb->n, a->alt, a->confidence, &it, &mw, &err);
  if (st == OM_INTERRUPTED) {
    sqlite3_result_error_code(ctx, SQLITE_INTERRUPT);
    return;
  }
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
  om_jw_int(&j, ga->n);
  om_jw_key(&j, "n_b");
  om_jw_int(&j, two ? gb->n : 0);
  if (is_ks) {
    om_jw_key(&j, "statistic");
    om_jw_double(&j, two ? ks.statistic : NAN);
    om_jw_key(&j, "p");
    om_jw_double(&j, two ? ks.p : NAN);
    om_jw_key(&j, "method");
    if (two) om_jw_string(&j, ks.exact ? "exact" : "asymptotic");
    else om_jw_null(&j);
    om_jw_key(&j, "d_plus");
    om_jw_double(&j, two ? ks.d_plus : NAN);
    om_jw_key(&j, "d_minus");
    om_jw_double(&j, two ? ks.d_minus : NAN);
    om_jw_key(&j, "statistic_sign");
    if (two) om_jw_int(&j, ks.sign);
    else om_jw_null(&j);
    om_jw_key(&j, "statistic_location");
    om_jw_double(&j, two ? ks.location : NAN);
  } else {
    om_jw_key(&j, "statistic");
    om_jw_double(&j, two ? mw.u1 : NAN);
    om_jw_key(&j, "u_b");
    om_jw_double(&j, two ? mw.u2 : NAN);
    om_jw_key(&j, "z");
    om_jw_double(&j, two ? mw.z : NAN);
    om_jw_key(&j, "p");
    om_jw_double(&j, two ? mw.p : NAN);
    om_jw_key(&j, "method");
    if (two) om_jw_string(&j, mw.exact ? "exact" : "asymptotic");
    else om_jw_null(&j);
    om_jw_key(&j, "cles");
    om_jw_double(&j, two ? mw.cles : NAN);
    om_jw_key(&j, "hodges_lehmann");
    om_jw_double(&j, two ? mw.hl : NAN);
    om_jw_key(&j, "ci_low");
    om_jw_double(&j, two ? mw.ci_low : NAN);
    om_jw_key(&j, "ci_high");
    om_jw_double(&j, two ? mw.ci_high : NAN);
  }
  om_jw_key(&j, "alternative");
  om_jw_string(&j, alt_name(a->alt));
  if (!is_ks) {
    om_jw_key(&j, "confidence");
    om_jw_double(&j, a->confidence);
  }
  om_jw_end_object(&j);
  if (om_wbuf_status(&w) != OM_OK) sqlite3_result_error_nomem(ctx);
  else sqlite3_result_text64(ctx, (const char *)w.data, w.len, SQLITE_TRANSIENT, SQLITE_UTF8);
  om_wbuf_free(&w);
}

static void rank_free(rank_agg *a) {
  for (int i = 0; i < a->cap; i++) {
    omen_key_free(&a->g[i].key);
    sqlite3_free(a->g[i].v);
  }
  if (a->g != a->g0) sqlite3_free(a->g);
}

static void rank_final(sqlite3_context *ctx, const char *fname, int is_ks) {
  rank_agg *a = sqlite3_aggregate_context(ctx, 0);
  if (!a) return;
  rank_result(ctx, fname, is_ks, a);
  rank_free(a);
}

static void rank_value(sqlite3_context *ctx, const char *fname, int is_ks) {
  rank_agg *a = sqlite3_aggregate_context(ctx, 0);
  if (a) rank_result(ctx, fname, is_ks, a);
}

void mannWhitneyStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) { rank_step(ctx, MWU_NAME, argc, argv); }
void mannWhitneyInverse(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  rank_inverse(ctx, MWU_NAME, argv);
}
void mannWhitneyValue(sqlite3_context *ctx) { rank_value(ctx, MWU_NAME, 0); }
void mannWhitneyFinal(sqlite3_context *ctx) { rank_final(ctx, MWU_NAME, 0); }

void ks2sampStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) { rank_step(ctx, KS_NAME, argc, argv); }
void ks2sampInverse(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  rank_inverse(ctx, KS_NAME, argv);
}
void ks2sampValue(sqlite3_context *ctx) { rank_value(ctx, KS_NAME, 1); }
void ks2sampFinal(sqlite3_context *ctx) { rank_final(ctx, KS_NAME, 1); }
