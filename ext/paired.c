/*
** paired.c — paired_ttest(a, b [, alternative [, confidence]]) and
** wilcoxon_signed_rank(a, b [, alternative [, confidence]]): aggregate and
** window functions for two tests on paired samples (the champion's and the
** challenger's error on the same run), through the differences d = a - b.
**
**   SELECT paired_ttest(err_champion, err_challenger) FROM runs;
**   SELECT wilcoxon_signed_rank(abs(e1), abs(e2), 'greater') FROM runs;
**   SELECT wilcoxon_signed_rank(e1, e2) OVER (ORDER BY started_at ROWS 99 PRECEDING) FROM runs;
**
** Behaviours (docs/paired_ttest.md, docs/wilcoxon_signed_rank.md; numerics
** in core/stats/st_paired.h):
**   1. A row with a NULL a or a NULL b is skipped (the pair is incomplete).
**      a and b must be INTEGER or REAL and finite ("a (argument 1) is TEXT;
**      expected INTEGER or REAL", "b (argument 2) is not a finite number");
**      both are read as doubles and d = a - b is rounded to a double, as
**      scipy computes it.  A difference beyond the double range is an
**      error ("a - b is beyond the range of a double (a = 1.0e+308,
**      b = -1.0e+308); divide the values by a constant first").
**   2. alternative ('two-sided', 'less', 'greater'; 'less' means a tends to
**      be below b) and confidence (0 < c < 1, default 0.95) are read from
**      the first row; NULL means the default; a later row with other
**      settings is an error (as welch_ttest).
**   3. Result: JSON text.  paired_ttest: n, mean_diff, sd_diff, se,
**      statistic, df, p, ci_low, ci_high, cohens_dz, alternative,
**      confidence.  wilcoxon_signed_rank: n, n_zero, statistic, r_plus,
**      r_minus, z, p, method ('exact' or 'asymptotic'), rank_biserial,
**      hodges_lehmann, ci_low, ci_high, alternative, confidence.  Undefined
**      numbers (and the infinite end of a one-sided interval) are null.
**   4. No complete pair → NULL.  Edge cases (one pair, every difference
**      zero, zero variance) as core/stats/st_paired.h 5 and 11.
**   5. paired_ttest keeps the exact sums of d and d^2 (st_sums,
**      core/stats/st_welch.h 1): no rows are stored, ~1.7 kB of state, O(1)
**      per row; xInverse removes a pair exactly, so a sliding frame's result
**      is bit for bit the plain aggregate's over the frame.
**   6. wilcoxon_signed_rank stores the differences (8 bytes per complete
**      pair in the aggregate or frame, in an array that doubles; nothing
**      else grows).  xInverse removes one copy of the leaving difference (a
**      linear search, then the last one moves into its slot): O(w) per
**      removal, O(w log w) per result for a frame of w pairs.  The memory
**      is bounded by the frame (a sliding window never holds more than its
**      rows) and by SQLite's allocation limits; out of memory is
**      SQLITE_NOMEM.
**   7. The pairwise selection of the Hodges–Lehmann estimate honours
**      sqlite3_interrupt() (SQLITE_INTERRUPT).
**   8. Flags: pure (DETERMINISTIC | INNOCUOUS): they read only their
**      arguments.
*/
#include <math.h>
#include <string.h>

#include "core/base/om_json.h"
#include "core/stats/st_paired.h"
#include "omen_ext.h"

#define PT_NAME "paired_ttest"
#define WSR_NAME "wilcoxon_signed_rank"

typedef struct paired_cfg {
  int configured;
  st_alternative alt;
  double confidence;
} paired_cfg;

typedef struct pt_agg {
  paired_cfg cfg;
  st_sums s; /* exact sums of d and d^2 (behaviour 5) */
} pt_agg;

typedef struct wsr_agg {
  paired_cfg cfg;
  double *d;         /* the differences, owned (sqlite3_realloc64) */
  sqlite3_int64 n;   /* differences held */
  sqlite3_int64 cap; /* room in d */
} wsr_agg;

static const char *alt_name(st_alternative a) {
  return a == ST_LESS ? "less" : a == ST_GREATER ? "greater" : "two-sided";
}

static int paired_configure(sqlite3_context *ctx, const char *fname, paired_cfg *c, int argc, sqlite3_value **argv) {
  c->alt = ST_TWO_SIDED;
  c->confidence = 0.95;
  if (argc >= 3 && sqlite3_value_type(argv[2]) != SQLITE_NULL) {
    const char *s = (const char *)sqlite3_value_text(argv[2]);
    if (sqlite3_value_type(argv[2]) != SQLITE_TEXT || !s) goto bad_alt;
    if (strcmp(s, "two-sided") == 0) c->alt = ST_TWO_SIDED;
    else if (strcmp(s, "less") == 0) c->alt = ST_LESS;
    else if (strcmp(s, "greater") == 0) c->alt = ST_GREATER;
    else goto bad_alt;
  }
  if (argc >= 4 && sqlite3_value_type(argv[3]) != SQLITE_NULL) {
    int t = sqlite3_value_type(argv[3]);
    double v = sqlite3_value_double(argv[3]);
    if ((t != SQLITE_INTEGER && t != SQLITE_FLOAT) || !(v > 0 && v < 1)) {
      if (t == SQLITE_INTEGER || t == SQLITE_FLOAT)
        omen_errorf(ctx, fname, "confidence (argument 4) is %!.15g; expected a number between 0 and 1 (exclusive)", v);
      else
        omen_errorf(ctx, fname, "confidence (argument 4) is %s; expected a number between 0 and 1 (exclusive)",
                    omen_type_name(argv[3]));
      return 1;
    }
    c->confidence = v;
  }
  c->configured = 1;
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

/* First row: configure; later rows must repeat the settings (behaviour 2).
** Returns 1 with an error set on a bad or changed setting. */
static int paired_settings(sqlite3_context *ctx, const char *fname, paired_cfg *c, int argc, sqlite3_value **argv) {
  paired_cfg now;
  if (!c->configured) return paired_configure(ctx, fname, c, argc, argv);
  if (argc < 3) return 0;
  memset(&now, 0, sizeof now);
  if (paired_configure(ctx, fname, &now, argc, argv)) return 1;
  if (now.alt != c->alt) {
    omen_errorf(ctx, fname, "alternative changed from '%s' to '%s' between rows", alt_name(c->alt), alt_name(now.alt));
    return 1;
  }
  if (now.confidence != c->confidence) {
    omen_errorf(ctx, fname, "confidence changed from %!.15g to %!.15g between rows", c->confidence, now.confidence);
    return 1;
  }
  return 0;
}

/* One pair → its difference (behaviour 1).  Returns 1 if the row must be
** skipped (a NULL) or failed (error set). */
static int paired_row(sqlite3_context *ctx, const char *fname, sqlite3_value **argv, double *d) {
  static const char *names[2] = {"a (argument 1)", "b (argument 2)"};
  double v[2];
  for (int i = 0; i < 2; i++)
    if (sqlite3_value_type(argv[i]) == SQLITE_NULL) return 1;
  for (int i = 0; i < 2; i++) {
    int t = sqlite3_value_type(argv[i]);
    if (t != SQLITE_INTEGER && t != SQLITE_FLOAT) {
      omen_errorf(ctx, fname, "%s is %s; expected INTEGER or REAL", names[i], omen_type_name(argv[i]));
      return 1;
    }
    v[i] = sqlite3_value_double(argv[i]);
    if (!isfinite(v[i])) {
      omen_errorf(ctx, fname, "%s is not a finite number", names[i]);
      return 1;
    }
  }
  *d = v[0] - v[1];
  if (!isfinite(*d)) {
    omen_errorf(ctx, fname,
                "a - b is beyond the range of a double (a = %!.15g, b = %!.15g); divide the values by a constant first",
                v[0], v[1]);
    return 1;
  }
  return 0;
}

static void json_done(sqlite3_context *ctx, om_wbuf *w) {
  if (om_wbuf_status(w) != OM_OK) sqlite3_result_error_nomem(ctx);
  else sqlite3_result_text64(ctx, (const char *)w->data, w->len, SQLITE_TRANSIENT, SQLITE_UTF8);
  om_wbuf_free(w);
}

/* --------------------------------------------------------- paired_ttest */

void pairedTtestStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  pt_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  double d;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (paired_settings(ctx, PT_NAME, &a->cfg, argc, argv)) return;
  if (paired_row(ctx, PT_NAME, argv, &d)) return;
  st_sums_add(&a->s, d, NULL); /* d is finite (paired_row) */
}

void pairedTtestInverse(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  pt_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  double d;
  (void)argc;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (paired_row(ctx, PT_NAME, argv, &d)) return;
  st_sums_remove(&a->s, d, NULL);
}

static void pt_result(sqlite3_context *ctx, pt_agg *a) {
  st_moments m;
  st_paired_t_result r;
  om_err err;
  om_status st;
  om_wbuf w;
  om_jw j;
  if (a->s.n <= 0) return; /* no complete pair: NULL */
  st_sums_moments(&a->s, &m);
  err.msg[0] = 0;
  st = st_paired_ttest(&m, a->cfg.alt, a->cfg.confidence, &r, &err);
  if (st != OM_OK) {
    omen_result_status(ctx, PT_NAME, st, &err);
    return;
  }
  om_wbuf_init(&w);
  om_jw_init(&j, &w);
  om_jw_begin_object(&j);
  om_jw_key(&j, "n");
  om_jw_int(&j, a->s.n);
  om_jw_key(&j, "mean_diff");
  om_jw_double(&j, r.mean_diff);
  om_jw_key(&j, "sd_diff");
  om_jw_double(&j, r.sd_diff);
  om_jw_key(&j, "se");
  om_jw_double(&j, r.se);
  om_jw_key(&j, "statistic");
  om_jw_double(&j, r.t);
  om_jw_key(&j, "df");
  om_jw_double(&j, r.df);
  om_jw_key(&j, "p");
  om_jw_double(&j, r.p);
  om_jw_key(&j, "ci_low");
  om_jw_double(&j, r.ci_low);
  om_jw_key(&j, "ci_high");
  om_jw_double(&j, r.ci_high);
  om_jw_key(&j, "cohens_dz");
  om_jw_double(&j, r.cohens_dz);
  om_jw_key(&j, "alternative");
  om_jw_string(&j, alt_name(a->cfg.alt));
  om_jw_key(&j, "confidence");
  om_jw_double(&j, a->cfg.confidence);
  om_jw_end_object(&j);
  json_done(ctx, &w);
}

void pairedTtestValue(sqlite3_context *ctx) {
  pt_agg *a = sqlite3_aggregate_context(ctx, 0);
  if (a) pt_result(ctx, a);
}

void pairedTtestFinal(sqlite3_context *ctx) {
  pt_agg *a = sqlite3_aggregate_context(ctx, 0);
  if (a) pt_result(ctx, a); /* nothing to free */
}

/* ------------------------------------------------- wilcoxon_signed_rank */

void wilcoxonSignedRankStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  wsr_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  double d;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (paired_settings(ctx, WSR_NAME, &a->cfg, argc, argv)) return;
  if (paired_row(ctx, WSR_NAME, argv, &d)) return;
  if (a->n == a->cap) {
    sqlite3_int64 cap = a->cap ? 2 * a->cap : 16;
    double *v = sqlite3_realloc64(a->d, (sqlite3_uint64)cap * sizeof *v);
    if (!v) {
      sqlite3_result_error_nomem(ctx);
      return;
    }
    a->d = v;
    a->cap = cap;
  }
  a->d[a->n++] = d;
}

void wilcoxonSignedRankInverse(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  wsr_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  double d;
  (void)argc;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (paired_row(ctx, WSR_NAME, argv, &d)) return;
  for (sqlite3_int64 k = 0; k < a->n; k++) {
    if (a->d[k] != d) continue;
    a->d[k] = a->d[--a->n];
    break;
  }
}

static void wsr_result(sqlite3_context *ctx, wsr_agg *a) {
  om_interrupt it = omen_interrupt_for(ctx);
  st_wsr_result r;
  om_err err;
  om_status st;
  om_wbuf w;
  om_jw j;
  if (a->n <= 0) return; /* no complete pair: NULL */
  err.msg[0] = 0;
  st = st_wilcoxon(a->d, (size_t)a->n, a->cfg.alt, a->cfg.confidence, &it, &r, &err);
  if (st == OM_INTERRUPTED) {
    sqlite3_result_error_code(ctx, SQLITE_INTERRUPT);
    return;
  }
  if (st != OM_OK) {
    omen_result_status(ctx, WSR_NAME, st, &err);
    return;
  }
  om_wbuf_init(&w);
  om_jw_init(&j, &w);
  om_jw_begin_object(&j);
  om_jw_key(&j, "n");
  om_jw_int(&j, a->n);
  om_jw_key(&j, "n_zero");
  om_jw_int(&j, (int64_t)r.n_zero);
  om_jw_key(&j, "statistic");
  om_jw_double(&j, r.statistic);
  om_jw_key(&j, "r_plus");
  om_jw_double(&j, r.r_plus);
  om_jw_key(&j, "r_minus");
  om_jw_double(&j, r.r_minus);
  om_jw_key(&j, "z");
  om_jw_double(&j, r.z);
  om_jw_key(&j, "p");
  om_jw_double(&j, r.p);
  om_jw_key(&j, "method");
  om_jw_string(&j, r.exact ? "exact" : "asymptotic");
  om_jw_key(&j, "rank_biserial");
  om_jw_double(&j, r.rank_biserial);
  om_jw_key(&j, "hodges_lehmann");
  om_jw_double(&j, r.hl);
  om_jw_key(&j, "ci_low");
  om_jw_double(&j, r.ci_low);
  om_jw_key(&j, "ci_high");
  om_jw_double(&j, r.ci_high);
  om_jw_key(&j, "alternative");
  om_jw_string(&j, alt_name(a->cfg.alt));
  om_jw_key(&j, "confidence");
  om_jw_double(&j, a->cfg.confidence);
  om_jw_end_object(&j);
  json_done(ctx, &w);
}

void wilcoxonSignedRankValue(sqlite3_context *ctx) {
  wsr_agg *a = sqlite3_aggregate_context(ctx, 0);
  if (a) wsr_result(ctx, a);
}

void wilcoxonSignedRankFinal(sqlite3_context *ctx) {
  wsr_agg *a = sqlite3_aggregate_context(ctx, 0);
  if (!a) return;
  wsr_result(ctx, a);
  sqlite3_free(a->d);
  a->d = NULL;
}
