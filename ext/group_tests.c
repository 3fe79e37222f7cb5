/*
** group_tests.c — three aggregate and window functions that compare groups
** of rows, each returning one JSON object:
**
**   proportions_ztest(success, group [, alternative [, confidence]])
**       two-proportion z-test (pooled), the difference and its Wald CI
**   chi2_test(a, b [, correction])
**       chi-square test of independence of two categorical columns, with
**       Cramér's V
**   anova_oneway(value, group [, use_var])
**       one-way ANOVA, 'equal' (scipy.stats.f_oneway) or 'unequal' (Welch),
**       with eta squared
**
**   SELECT proportions_ztest(status = 'ok', variant) FROM runs;
**   SELECT chi2_test(runner, status) FROM runs;
**   SELECT anova_oneway(duration_s, runner, 'unequal') FROM runs;
**   SELECT anova_oneway(duration_s, runner) OVER (ORDER BY started_at ROWS 99 PRECEDING) FROM runs;
**
** Behaviours (pages docs/proportions_ztest.md, docs/chi2_test.md,
** docs/anova_oneway.md; numerics in core/st_groups.h):
**   1. Rows with a NULL in any of the first two arguments are skipped.
**      Group values (group, a, b) must be INTEGER, REAL or TEXT; TEXT valid
**      UTF-8 without NUL (core/om_text.h), as welch_ttest.  A REAL that is a
**      whole number within the 64-bit range is the INTEGER of that value (1
**      and 1.0 are one group, shown as 1).
**   2. Groups are ordered as SQLite orders values (numbers before text,
**      numbers numerically, text bytewise).  proportions_ztest's group_a is
**      the smaller of its two groups (welch_ttest's rule): diff = p_a - p_b;
**      anova_oneway's "groups" array is in that order.
**   3. success (proportions_ztest) must be 0 or 1: INTEGER 0/1 (so a
**      comparison such as status = 'ok' works) or REAL 0.0/1.0; anything
**      else is an error.  value (anova_oneway) must be a finite INTEGER or
**      REAL.
**   4. The optional arguments (alternative, confidence, correction, use_var)
**      are read from the first row; NULL means the default; a later row with
**      other settings is an error (as welch_ttest).
**   5. State: per group (per category) only counts, or exact sums of x and
**      x^2 (st_sums, core/st_welch.h 1) for ANOVA, in a hash table of the
**      distinct values.  xInverse removes a row exactly, so every window
**      frame's result is the plain aggregate's over the frame's rows; a
**      group or category whose count drops to zero is absent (its slot is
**      reused).  No rows are stored.
**   6. Limits: proportions_ztest holds up to 64 groups at once (a sliding
**      frame may see a third group for a moment; more than 2 in the result
**      is an error naming three); chi2_test up to 1000 distinct values per
**      column and anova_oneway up to 1000 groups: past that the state
**      stops counting and the result is an error.  chi2_test's table is
**      dense: 8 bytes per (a value, b value) pair held, 8 MB at the limit;
**      anova_oneway keeps ~1.7 kB per group.
**   7. No rows → NULL.  Degenerate inputs (one group, a single row or column
**      of the table, constant groups) give the documented nulls, never an
**      error.
**   8. Flags: pure (reads only its arguments).
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/om_json.h"
#include "core/stats/st_groups.h"
#include "group_keys.h"
#include "omen_ext.h"

#define PZ_MAX_LEVELS 64   /* proportions_ztest: groups held at once (behaviour 6) */
#define GT_MAX_LEVELS 1000 /* chi2_test (per column), anova_oneway (behaviour 6) */

/* ------------------------------------------------------------ group keys */

/* A key from a row (group_keys.h), a whole REAL made the INTEGER it equals
** (behaviour 1: 1.0 is 1); 1 with the error set if it cannot be one. */
static int gt_row_key(sqlite3_context *ctx, const char *fname, sqlite3_value *v, const char *what, omen_key *k) {
  if (omen_key_arg(ctx, fname, v, what, k)) return 1;
  omen_key_whole(k);
  return 0;
}

/* ---------------------------------------------- a hash table of levels */

typedef struct gt_levels {
  int cap;        /* slots allocated (0: nothing yet) */
  int top;        /* slots [0, top) have been used */
  int present;    /* slots holding a level (count > 0) */
  int free_head;  /* a free slot below top (linked through next), or -1 */
  int overflow;   /* a new level arrived while max were held (behaviour 6) */
  int hcap;       /* buckets (a power of two, >= 2 cap) */
  omen_key *key;    /* [cap] the level of each slot (type 0: free) */
  int64_t *count; /* [cap] rows in each slot */
  int *next;      /* [cap] hash chain, or free list for free slots */
  int *head;      /* [hcap] first slot of each bucket, or -1 */
} gt_levels;

static int gt_find(const gt_levels *lv, const omen_key *k) {
  if (!lv->cap) return -1;
  for (int s = lv->head[omen_key_hash(k) & (uint64_t)(lv->hcap - 1)]; s >= 0; s = lv->next[s])
    if (omen_key_cmp(&lv->key[s], k) == 0) return s;
  return -1;
}

/* The capacity to grow to before one more level can be inserted: 0 if
** there is room already, -1 if max levels are held. */
static int gt_want_cap(const gt_levels *lv, int max) {
  int cap;
  if (lv->cap && (lv->free_head >= 0 || lv->top < lv->cap)) return 0;
  cap = lv->cap ? lv->cap * 2 : 4;
  if (cap > max) cap = max;
  return cap > lv->cap ? cap : -1;
}

/* Grow every array to cap slots (0 or SQLITE_NOMEM; on failure the table is
** unchanged, if with larger buffers). */
static int gt_grow(gt_levels *lv, int cap) {
  omen_key *key;
  int64_t *count;
  int *next, *head, hcap = 16, s;
  while (hcap < 2 * cap)
    hcap *= 2;
  key = sqlite3_realloc64(lv->key, (sqlite3_uint64)cap * sizeof *key);
  if (!key) return SQLITE_NOMEM;
  lv->key = key;
  count = sqlite3_realloc64(lv->count, (sqlite3_uint64)cap * sizeof *count);
  if (!count) return SQLITE_NOMEM;
  lv->count = count;
  next = sqlite3_realloc64(lv->next, (sqlite3_uint64)cap * sizeof *next);
  if (!next) return SQLITE_NOMEM;
  lv->next = next;
  head = sqlite3_malloc64((sqlite3_uint64)hcap * sizeof *head);
  if (!head) return SQLITE_NOMEM;
  memset(key + lv->cap, 0, (size_t)(cap - lv->cap) * sizeof *key);
  memset(count + lv->cap, 0, (size_t)(cap - lv->cap) * sizeof *count);
  if (!lv->cap) lv->free_head = -1;
  for (s = 0; s < hcap; s++)
    head[s] = -1;
  for (s = 0; s < lv->top; s++) {
    if (!key[s].type) continue;
    int b = (int)(omen_key_hash(&key[s]) & (uint64_t)(hcap - 1));
    next[s] = head[b];
    head[b] = s;
  }
  /* the free list survives in next[] of the free slots */
  sqlite3_free(lv->head);
  lv->head = head;
  lv->hcap = hcap;
  lv->cap = cap;
  return 0;
}

/* Insert k (known absent; room made by gt_grow): its slot, or -1 when out
** of memory (a TEXT label is copied). */
static int gt_insert(gt_levels *lv, const omen_key *k) {
  int s, b;
  char *text = NULL;
  if (k->type == SQLITE_TEXT) {
    text = sqlite3_malloc(k->len > 0 ? k->len : 1);
    if (!text) return -1;
    memcpy(text, k->text, (size_t)k->len);
  }
  if (lv->free_head >= 0) {
    s = lv->free_head;
    lv->free_head = lv->next[s];
  } else {
    s = lv->top++;
  }
  lv->key[s] = *k;
  lv->key[s].text = text;
  lv->count[s] = 0;
  b = (int)(omen_key_hash(k) & (uint64_t)(lv->hcap - 1));
  lv->next[s] = lv->head[b];
  lv->head[b] = s;
  lv->present++;
  return s;
}

/* Slot s's count reached zero: the level is absent (behaviour 5). */
static void gt_release(gt_levels *lv, int s) {
  int b = (int)(omen_key_hash(&lv->key[s]) & (uint64_t)(lv->hcap - 1)), *p = &lv->head[b];
  while (*p >= 0 && *p != s)
    p = &lv->next[*p];
  if (*p == s) *p = lv->next[s];
  sqlite3_free(lv->key[s].text);
  memset(&lv->key[s], 0, sizeof lv->key[s]);
  lv->count[s] = 0;
  lv->next[s] = lv->free_head;
  lv->free_head = s;
  lv->present--;
}

static void gt_levels_free(gt_levels *lv) {
  for (int s = 0; s < lv->top; s++)
    sqlite3_free(lv->key[s].text);
  sqlite3_free(lv->key);
  sqlite3_free(lv->count);
  sqlite3_free(lv->next);
  sqlite3_free(lv->head);
  memset(lv, 0, sizeof *lv);
}

typedef struct gt_sorted {
  const omen_key *k;
  int slot;
} gt_sorted;

static int gt_sorted_cmp(const void *a, const void *b) {
  return omen_key_cmp(((const gt_sorted *)a)->k, ((const gt_sorted *)b)->k);
}

/* The present slots in SQLite's order of their keys (sqlite3_malloc'd;
** NULL when out of memory or none). */
static gt_sorted *gt_sorted_levels(const gt_levels *lv) {
  gt_sorted *o;
  int m = 0;
  if (lv->present <= 0) return NULL;
  o = sqlite3_malloc64((sqlite3_uint64)lv->present * sizeof *o);
  if (!o) return NULL;
  for (int s = 0; s < lv->top && m < lv->present; s++) {
    if (!lv->key[s].type) continue;
    o[m].k = &lv->key[s];
    o[m++].slot = s;
  }
  qsort(o, (size_t)m, sizeof *o, gt_sorted_cmp);
  return o;
}

/* "x, y, z" or "x, y, z, ..." — the first three present levels in order. */
static void gt_first_three(const gt_levels *lv, char *buf, int n) {
  gt_sorted *o = gt_sorted_levels(lv);
  int k = lv->present < 3 ? lv->present : 3, w = 0;
  buf[0] = 0;
  for (int i = 0; o && i < k && w < n - 1; i++) {
    char l[64];
    omen_key_label(l, sizeof l, o[i].k);
    sqlite3_snprintf(n - w, buf + w, "%s%s", i ? ", " : "", l);
    w += (int)strlen(buf + w);
  }
  if ((!o || lv->present > 3 || lv->overflow) && w < n - 1) sqlite3_snprintf(n - w, buf + w, "%s...", w ? ", " : "");
  sqlite3_free(o);
}

static const char *alt_name(st_alternative a) {
  return a == ST_LESS ? "less" : a == ST_GREATER ? "greater" : "two-sided";
}

/* A 0/1 flag argument (success, correction): 0 or 1, or -1 if not one. */
static int gt_flag(sqlite3_value *v) {
  int t = sqlite3_value_type(v);
  if (t == SQLITE_INTEGER) {
    sqlite3_int64 i = sqlite3_value_int64(v);
    return i == 0 || i == 1 ? (int)i : -1;
  }
  if (t == SQLITE_FLOAT) {
    double d = sqlite3_value_double(v);
    return d == 0.0 ? 0 : d == 1.0 ? 1 : -1;
  }
  return -1;
}

/* "2", "0.5" or "TEXT" for a value that is not 0/1. */
static void gt_describe(char *buf, int n, sqlite3_value *v) {
  int t = sqlite3_value_type(v);
  if (t == SQLITE_INTEGER)
    sqlite3_snprintf(n, buf, "%lld", sqlite3_value_int64(v));
  else if (t == SQLITE_FLOAT)
    sqlite3_snprintf(n, buf, "%!.15g", sqlite3_value_double(v));
  else
    sqlite3_snprintf(n, buf, "%s", omen_type_name(v));
}

static void gt_finish_json(sqlite3_context *ctx, om_wbuf *w) {
  if (om_wbuf_status(w) != OM_OK)
    sqlite3_result_error_nomem(ctx);
  else
    sqlite3_result_text64(ctx, (const char *)w->data, w->len, SQLITE_TRANSIENT, SQLITE_UTF8);
  om_wbuf_free(w);
}

/* ===================================================== proportions_ztest */

#define PZ "proportions_ztest"

typedef struct pz_agg {
  int configured;
  st_alternative alt;
  double confidence;
  gt_levels lv;  /* the groups */
  int64_t *succ; /* [succ_cap] successes per slot of lv */
  int succ_cap;
} pz_agg;

static int pz_settings(sqlite3_context *ctx, int argc, sqlite3_value **argv, st_alternative *alt, double *conf) {
  *alt = ST_TWO_SIDED;
  *conf = 0.95;
  if (argc >= 3 && sqlite3_value_type(argv[2]) != SQLITE_NULL) {
    const char *s = (const char *)sqlite3_value_text(argv[2]);
    if (sqlite3_value_type(argv[2]) != SQLITE_TEXT || !s) {
      omen_errorf(ctx, PZ, "alternative (argument 3) is %s; expected 'two-sided', 'less' or 'greater'",
                  omen_type_name(argv[2]));
      return 1;
    }
    if (strcmp(s, "two-sided") == 0)
      *alt = ST_TWO_SIDED;
    else if (strcmp(s, "less") == 0)
      *alt = ST_LESS;
    else if (strcmp(s, "greater") == 0)
      *alt = ST_GREATER;
    else {
      omen_errorf(ctx, PZ, "alternative (argument 3) is '%s'; expected 'two-sided', 'less' or 'greater'", s);
      return 1;
    }
  }
  if (argc >= 4 && sqlite3_value_type(argv[3]) != SQLITE_NULL) {
    int t = sqlite3_value_type(argv[3]);
    double c = sqlite3_value_double(argv[3]);
    if (t != SQLITE_INTEGER && t != SQLITE_FLOAT) {
      omen_errorf(ctx, PZ, "confidence (argument 4) is %s; expected a number between 0 and 1 (exclusive)",
                  omen_type_name(argv[3]));
      return 1;
    }
    if (!(c > 0 && c < 1)) {
      omen_errorf(ctx, PZ, "confidence (argument 4) is %!.15g; expected a number between 0 and 1 (exclusive)", c);
      return 1;
    }
    *conf = c;
  }
  return 0;
}

/* Validate a row: 0 to use it, 1 to skip it or on error (error set). */
static int pz_row(sqlite3_context *ctx, sqlite3_value **argv, int *succ, omen_key *key) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) return 1;
  *succ = gt_flag(argv[0]);
  if (*succ < 0) {
    char d[48];
    gt_describe(d, sizeof d, argv[0]);
    omen_errorf(ctx, PZ, "success (argument 1) is %s; expected 0 or 1", d);
    return 1;
  }
  return gt_row_key(ctx, PZ, argv[1], "group (argument 2)", key);
}

void proportionsZtestStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  pz_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  st_alternative alt;
  double conf;
  omen_key key;
  int succ, s, cap;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (pz_settings(ctx, argc, argv, &alt, &conf)) return;
  if (!a->configured) {
    a->alt = alt;
    a->confidence = conf;
    a->configured = 1;
  } else if (alt != a->alt) {
    omen_errorf(ctx, PZ, "alternative changed from '%s' to '%s' between rows", alt_name(a->alt), alt_name(alt));
    return;
  } else if (conf != a->confidence) {
    omen_errorf(ctx, PZ, "confidence changed from %!.15g to %!.15g between rows", a->confidence, conf);
    return;
  }
  if (pz_row(ctx, argv, &succ, &key)) return;
  s = gt_find(&a->lv, &key);
  if (s < 0) {
    if (a->lv.overflow) return;
    cap = gt_want_cap(&a->lv, PZ_MAX_LEVELS);
    if (cap < 0) {
      a->lv.overflow = 1; /* reported by the result; counts are no longer exact */
      return;
    }
    if (cap > 0) {
      if (cap > a->succ_cap) {
        int64_t *p = sqlite3_realloc64(a->succ, (sqlite3_uint64)cap * sizeof *p);
        if (!p) {
          sqlite3_result_error_nomem(ctx);
          return;
        }
        a->succ = p;
        a->succ_cap = cap;
      }
      if (gt_grow(&a->lv, cap)) {
        sqlite3_result_error_nomem(ctx);
        return;
      }
    }
    s = gt_insert(&a->lv, &key);
    if (s < 0) {
      sqlite3_result_error_nomem(ctx);
      return;
    }
    a->succ[s] = 0;
  }
  a->lv.count[s]++;
  a->succ[s] += succ;
}

void proportionsZtestInverse(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  pz_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  omen_key key;
  int succ, s;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (pz_row(ctx, argv, &succ, &key)) return;
  s = gt_find(&a->lv, &key);
  if (s < 0) return;
  a->succ[s] -= succ;
  if (--a->lv.count[s] == 0) gt_release(&a->lv, s);
}

static void pz_result(sqlite3_context *ctx, pz_agg *a) {
  gt_sorted *o;
  const omen_key *ga, *gb;
  int64_t na, nb, xa, xb;
  st_prop_result r;
  om_err err;
  om_status st;
  om_wbuf w;
  om_jw j;
  if (a->lv.present == 0 && !a->lv.overflow) return; /* no rows: NULL */
  if (a->lv.present > 2 || a->lv.overflow) {
    char l[256];
    gt_first_three(&a->lv, l, sizeof l);
    omen_errorf(ctx, PZ, "group has more than 2 distinct values (%s); expected exactly 2", l);
    return;
  }
  o = gt_sorted_levels(&a->lv);
  if (!o) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  ga = o[0].k;
  gb = a->lv.present > 1 ? o[1].k : NULL;
  na = a->lv.count[o[0].slot];
  xa = a->succ[o[0].slot];
  nb = gb ? a->lv.count[o[1].slot] : 0;
  xb = gb ? a->succ[o[1].slot] : 0;
  st = st_prop_ztest(na, xa, nb, xb, a->alt, a->confidence, &r, &err);
  if (st != OM_OK) {
    sqlite3_free(o);
    omen_result_status(ctx, PZ, st, &err);
    return;
  }
  om_wbuf_init(&w);
  om_jw_init(&j, &w);
  om_jw_begin_object(&j);
  om_jw_key(&j, "group_a");
  omen_key_json(&j, ga);
  om_jw_key(&j, "group_b");
  omen_key_json(&j, gb);
  om_jw_key(&j, "n_a");
  om_jw_int(&j, na);
  om_jw_key(&j, "n_b");
  om_jw_int(&j, nb);
  om_jw_key(&j, "successes_a");
  om_jw_int(&j, xa);
  om_jw_key(&j, "successes_b");
  om_jw_int(&j, xb);
  om_jw_key(&j, "p_a");
  om_jw_double(&j, r.p_a);
  om_jw_key(&j, "p_b");
  om_jw_double(&j, r.p_b);
  om_jw_key(&j, "p_pooled");
  om_jw_double(&j, gb ? r.p_pooled : NAN);
  om_jw_key(&j, "diff");
  om_jw_double(&j, r.diff);
  om_jw_key(&j, "statistic");
  om_jw_double(&j, r.z);
  om_jw_key(&j, "p");
  om_jw_double(&j, r.p);
  om_jw_key(&j, "ci_low");
  om_jw_double(&j, r.ci_low);
  om_jw_key(&j, "ci_high");
  om_jw_double(&j, r.ci_high);
  om_jw_key(&j, "alternative");
  om_jw_string(&j, alt_name(a->alt));
  om_jw_key(&j, "confidence");
  om_jw_double(&j, a->confidence);
  om_jw_end_object(&j);
  sqlite3_free(o);
  gt_finish_json(ctx, &w);
}

void proportionsZtestValue(sqlite3_context *ctx) {
  pz_agg *a = sqlite3_aggregate_context(ctx, 0);
  if (a) pz_result(ctx, a);
}

void proportionsZtestFinal(sqlite3_context *ctx) {
  pz_agg *a = sqlite3_aggregate_context(ctx, 0);
  if (!a) return;
  pz_result(ctx, a);
  gt_levels_free(&a->lv);
  sqlite3_free(a->succ);
}

/* ============================================================= chi2_test */

#define C2 "chi2_test"

typedef struct c2_agg {
  int configured;
  int correction;   /* Yates's correction for 2 x 2 (default 1) */
  gt_levels la, lb; /* the values of a (rows) and b (columns) */
  int64_t *cell;    /* [ra * cb] counts: cell[slot_a * cb + slot_b] */
  int ra, cb;       /* the matrix's allocated rows and columns */
} c2_agg;

/* Grow the dense matrix to nra x ncb (0 or SQLITE_NOMEM; unchanged on failure). */
static int c2_grow_cells(c2_agg *a, int nra, int ncb) {
  int64_t *c;
  if (nra < a->ra) nra = a->ra;
  if (ncb < a->cb) ncb = a->cb;
  if (nra == a->ra && ncb == a->cb) return 0;
  if (nra == 0 || ncb == 0) { /* nothing to hold yet */
    a->ra = nra;
    a->cb = ncb;
    return 0;
  }
  c = sqlite3_malloc64((sqlite3_uint64)nra * (sqlite3_uint64)ncb * sizeof *c);
  if (!c) return SQLITE_NOMEM;
  memset(c, 0, (size_t)nra * (size_t)ncb * sizeof *c);
  for (int i = 0; i < a->ra; i++)
    for (int j = 0; j < a->cb; j++)
      c[(size_t)i * (size_t)ncb + (size_t)j] = a->cell[(size_t)i * (size_t)a->cb + (size_t)j];
  sqlite3_free(a->cell);
  a->cell = c;
  a->ra = nra;
  a->cb = ncb;
  return 0;
}

static int c2_setting(sqlite3_context *ctx, int argc, sqlite3_value **argv, int *corr) {
  *corr = 1;
  if (argc >= 3 && sqlite3_value_type(argv[2]) != SQLITE_NULL) {
    *corr = gt_flag(argv[2]);
    if (*corr < 0) {
      char d[48];
      gt_describe(d, sizeof d, argv[2]);
      omen_errorf(ctx, C2, "correction (argument 3) is %s; expected 0 or 1 (false or true)", d);
      return 1;
    }
  }
  return 0;
}

/* Find or insert a level of one column; -1 with the error set, -2 when the
** column holds GT_MAX_LEVELS (overflow noted). */
static int c2_level(sqlite3_context *ctx, c2_agg *a, int col, const omen_key *k) {
  gt_levels *lv = col ? &a->lb : &a->la;
  int s = gt_find(lv, k), cap;
  if (s >= 0) return s;
  if (lv->overflow) return -2;
  cap = gt_want_cap(lv, GT_MAX_LEVELS);
  if (cap < 0) {
    lv->overflow = 1;
    return -2;
  }
  if (cap > 0 && (c2_grow_cells(a, col ? a->ra : cap, col ? cap : a->cb) || gt_grow(lv, cap))) {
    sqlite3_result_error_nomem(ctx);
    return -1;
  }
  s = gt_insert(lv, k);
  if (s < 0) sqlite3_result_error_nomem(ctx);
  return s;
}

void chi2TestStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  c2_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  omen_key ka, kb;
  int corr, sa, sb;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (c2_setting(ctx, argc, argv, &corr)) return;
  if (!a->configured) {
    a->correction = corr;
    a->configured = 1;
  } else if (corr != a->correction) {
    omen_errorf(ctx, C2, "correction changed from %d to %d between rows", a->correction, corr);
    return;
  }
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) return;
  if (gt_row_key(ctx, C2, argv[0], "a (argument 1)", &ka) || gt_row_key(ctx, C2, argv[1], "b (argument 2)", &kb))
    return;
  if (a->la.overflow || a->lb.overflow) return;
  sa = c2_level(ctx, a, 0, &ka);
  if (sa == -1) return;
  sb = sa < 0 ? -2 : c2_level(ctx, a, 1, &kb);
  if (sb == -1) return;
  if (sa < 0 || sb < 0) return; /* overflow: reported by the result */
  a->la.count[sa]++;
  a->lb.count[sb]++;
  a->cell[(size_t)sa * (size_t)a->cb + (size_t)sb]++;
}

void chi2TestInverse(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  c2_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  omen_key ka, kb;
  int sa, sb;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) return;
  if (gt_row_key(ctx, C2, argv[0], "a (argument 1)", &ka) || gt_row_key(ctx, C2, argv[1], "b (argument 2)", &kb))
    return;
  sa = gt_find(&a->la, &ka);
  sb = gt_find(&a->lb, &kb);
  if (sa < 0 || sb < 0) return;
  a->cell[(size_t)sa * (size_t)a->cb + (size_t)sb]--;
  if (--a->la.count[sa] == 0) gt_release(&a->la, sa);
  if (--a->lb.count[sb] == 0) gt_release(&a->lb, sb);
}

static void c2_result(sqlite3_context *ctx, c2_agg *a) {
  int *rows = NULL, *cols = NULL, r = 0, c = 0, s;
  gt_sorted *sa, *sb;
  st_table t;
  st_chi2_result res;
  om_err err;
  om_status st;
  om_wbuf w;
  om_jw j;
  if (a->la.overflow || a->lb.overflow) {
    omen_errorf(ctx, C2, "%s has more than %d distinct values; at most %d are supported",
                a->la.overflow ? "a (argument 1)" : "b (argument 2)", GT_MAX_LEVELS, GT_MAX_LEVELS);
    return;
  }
  if (a->la.present == 0) return; /* no rows: NULL */
  /* rows and columns in the order of their values, so that the sum over the
  ** cells (and so the last bits of the statistic) does not depend on which
  ** slots a window happened to reuse */
  sa = gt_sorted_levels(&a->la);
  sb = gt_sorted_levels(&a->lb);
  rows = sqlite3_malloc64((sqlite3_uint64)a->la.present * sizeof *rows);
  cols = sqlite3_malloc64((sqlite3_uint64)a->lb.present * sizeof *cols);
  if (!sa || !sb || !rows || !cols) {
    sqlite3_free(sa);
    sqlite3_free(sb);
    sqlite3_free(rows);
    sqlite3_free(cols);
    sqlite3_result_error_nomem(ctx);
    return;
  }
  for (s = 0; s < a->la.present; s++)
    rows[r++] = sa[s].slot;
  for (s = 0; s < a->lb.present; s++)
    cols[c++] = sb[s].slot;
  sqlite3_free(sa);
  sqlite3_free(sb);
  t.rows = r;
  t.cols = c;
  t.cell = a->cell;
  t.stride = (size_t)a->cb;
  t.row = rows;
  t.col = cols;
  t.row_sum = a->la.count;
  t.col_sum = a->lb.count;
  st = st_chi2_test(&t, a->correction, &res, &err);
  sqlite3_free(rows);
  sqlite3_free(cols);
  if (st != OM_OK) {
    omen_result_status(ctx, C2, st, &err);
    return;
  }
  om_wbuf_init(&w);
  om_jw_init(&j, &w);
  om_jw_begin_object(&j);
  om_jw_key(&j, "statistic");
  om_jw_double(&j, res.statistic);
  om_jw_key(&j, "p");
  om_jw_double(&j, res.p);
  om_jw_key(&j, "dof");
  om_jw_double(&j, res.dof);
  om_jw_key(&j, "n");
  om_jw_double(&j, res.n);
  om_jw_key(&j, "rows");
  om_jw_int(&j, r);
  om_jw_key(&j, "cols");
  om_jw_int(&j, c);
  om_jw_key(&j, "expected_min");
  om_jw_double(&j, res.expected_min);
  om_jw_key(&j, "cramers_v");
  om_jw_double(&j, res.cramers_v);
  om_jw_key(&j, "correction");
  om_jw_bool(&j, res.corrected);
  om_jw_end_object(&j);
  gt_finish_json(ctx, &w);
}

void chi2TestValue(sqlite3_context *ctx) {
  c2_agg *a = sqlite3_aggregate_context(ctx, 0);
  if (a) c2_result(ctx, a);
}

void chi2TestFinal(sqlite3_context *ctx) {
  c2_agg *a = sqlite3_aggregate_context(ctx, 0);
  if (!a) return;
  c2_result(ctx, a);
  gt_levels_free(&a->la);
  gt_levels_free(&a->lb);
  sqlite3_free(a->cell);
}

/* ========================================================== anova_oneway */

#define AN "anova_oneway"

typedef struct an_agg {
  int configured;
  st_anova_var use_var;
  gt_levels lv; /* the groups */
  st_sums *s;   /* [s_cap] exact sums per slot of lv */
  int s_cap;
} an_agg;

static int an_setting(sqlite3_context *ctx, int argc, sqlite3_value **argv, st_anova_var *uv) {
  *uv = ST_ANOVA_EQUAL;
  if (argc >= 3 && sqlite3_value_type(argv[2]) != SQLITE_NULL) {
    const char *s = (const char *)sqlite3_value_text(argv[2]);
    if (sqlite3_value_type(argv[2]) != SQLITE_TEXT || !s) {
      omen_errorf(ctx, AN, "use_var (argument 3) is %s; expected 'equal' or 'unequal'", omen_type_name(argv[2]));
      return 1;
    }
    if (strcmp(s, "equal") == 0)
      *uv = ST_ANOVA_EQUAL;
    else if (strcmp(s, "unequal") == 0)
      *uv = ST_ANOVA_UNEQUAL;
    else {
      omen_errorf(ctx, AN, "use_var (argument 3) is '%s'; expected 'equal' or 'unequal'", s);
      return 1;
    }
  }
  return 0;
}

static int an_row(sqlite3_context *ctx, sqlite3_value **argv, double *x, omen_key *key) {
  int vt = sqlite3_value_type(argv[0]);
  if (vt == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) return 1;
  if (vt != SQLITE_INTEGER && vt != SQLITE_FLOAT) {
    omen_errorf(ctx, AN, "value (argument 1) is %s; expected INTEGER or REAL", omen_type_name(argv[0]));
    return 1;
  }
  *x = sqlite3_value_double(argv[0]);
  if (!isfinite(*x)) {
    omen_errorf(ctx, AN, "value (argument 1) is not a finite number");
    return 1;
  }
  return gt_row_key(ctx, AN, argv[1], "group (argument 2)", key);
}

static const char *use_var_name(st_anova_var v) { return v == ST_ANOVA_UNEQUAL ? "unequal" : "equal"; }

void anovaOnewayStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  an_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  st_anova_var uv;
  omen_key key;
  double x;
  int s, cap;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (an_setting(ctx, argc, argv, &uv)) return;
  if (!a->configured) {
    a->use_var = uv;
    a->configured = 1;
  } else if (uv != a->use_var) {
    omen_errorf(ctx, AN, "use_var changed from '%s' to '%s' between rows", use_var_name(a->use_var), use_var_name(uv));
    return;
  }
  if (an_row(ctx, argv, &x, &key)) return;
  s = gt_find(&a->lv, &key);
  if (s < 0) {
    if (a->lv.overflow) return;
    cap = gt_want_cap(&a->lv, GT_MAX_LEVELS);
    if (cap < 0) {
      a->lv.overflow = 1;
      return;
    }
    if (cap > 0) {
      if (cap > a->s_cap) {
        st_sums *p = sqlite3_realloc64(a->s, (sqlite3_uint64)cap * sizeof *p);
        if (!p) {
          sqlite3_result_error_nomem(ctx);
          return;
        }
        a->s = p;
        a->s_cap = cap;
      }
      if (gt_grow(&a->lv, cap)) {
        sqlite3_result_error_nomem(ctx);
        return;
      }
    }
    s = gt_insert(&a->lv, &key);
    if (s < 0) {
      sqlite3_result_error_nomem(ctx);
      return;
    }
    memset(&a->s[s], 0, sizeof a->s[s]);
  }
  a->lv.count[s]++;
  st_sums_add(&a->s[s], x, NULL); /* x is finite (an_row) */
}

void anovaOnewayInverse(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  an_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  omen_key key;
  double x;
  int s;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (an_row(ctx, argv, &x, &key)) return;
  s = gt_find(&a->lv, &key);
  if (s < 0) return;
  st_sums_remove(&a->s[s], x, NULL); /* zeroed again when the last row leaves */
  if (--a->lv.count[s] == 0) gt_release(&a->lv, s);
}

static void an_result(sqlite3_context *ctx, an_agg *a) {
  gt_sorted *o;
  st_moments *m;
  st_anova_result r;
  om_err err;
  om_status st;
  om_wbuf w;
  om_jw j;
  int k = a->lv.present, i;
  double n = 0.0;
  if (a->lv.overflow) {
    omen_errorf(ctx, AN, "group has more than %d distinct values; at most %d are supported", GT_MAX_LEVELS,
                GT_MAX_LEVELS);
    return;
  }
  if (k == 0) return; /* no rows: NULL */
  o = gt_sorted_levels(&a->lv);
  m = sqlite3_malloc64((sqlite3_uint64)k * sizeof *m);
  if (!o || !m) {
    sqlite3_free(o);
    sqlite3_free(m);
    sqlite3_result_error_nomem(ctx);
    return;
  }
  for (i = 0; i < k; i++) {
    st_sums_moments(&a->s[o[i].slot], &m[i]);
    n += m[i].n;
  }
  st = st_anova_oneway(m, k, a->use_var, &r, &err);
  if (st != OM_OK) {
    sqlite3_free(o);
    sqlite3_free(m);
    omen_result_status(ctx, AN, st, &err);
    return;
  }
  om_wbuf_init(&w);
  om_jw_init(&j, &w);
  om_jw_begin_object(&j);
  om_jw_key(&j, "statistic");
  om_jw_double(&j, r.statistic);
  om_jw_key(&j, "p");
  om_jw_double(&j, r.p);
  om_jw_key(&j, "df_num");
  om_jw_double(&j, r.df_num);
  om_jw_key(&j, "df_denom");
  om_jw_double(&j, r.df_denom);
  om_jw_key(&j, "eta_squared");
  om_jw_double(&j, r.eta_squared);
  om_jw_key(&j, "n");
  om_jw_double(&j, n);
  om_jw_key(&j, "k");
  om_jw_int(&j, k);
  om_jw_key(&j, "use_var");
  om_jw_string(&j, use_var_name(a->use_var));
  om_jw_key(&j, "groups");
  om_jw_begin_array(&j);
  for (i = 0; i < k; i++) {
    om_jw_begin_object(&j);
    om_jw_key(&j, "group");
    omen_key_json(&j, o[i].k);
    om_jw_key(&j, "n");
    om_jw_double(&j, m[i].n);
    om_jw_key(&j, "mean");
    om_jw_double(&j, ldexp(m[i].mean + m[i].mean_lo, m[i].mean_exp));
    om_jw_key(&j, "var");
    om_jw_double(&j, st_moments_var(&m[i]));
    om_jw_end_object(&j);
  }
  om_jw_end_array(&j);
  om_jw_end_object(&j);
  sqlite3_free(o);
  sqlite3_free(m);
  gt_finish_json(ctx, &w);
}

void anovaOnewayValue(sqlite3_context *ctx) {
  an_agg *a = sqlite3_aggregate_context(ctx, 0);
  if (a) an_result(ctx, a);
}

void anovaOnewayFinal(sqlite3_context *ctx) {
  an_agg *a = sqlite3_aggregate_context(ctx, 0);
  if (!a) return;
  an_result(ctx, a);
  gt_levels_free(&a->lv);
  sqlite3_free(a->s);
}
