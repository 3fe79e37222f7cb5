/*
** experiment.c — experiment_report(value, group [, control [, options]]), an
** aggregate and window function comparing every variant of an experiment
** with a control, and experiment_variants(report), a table-valued function
** giving the same report as plain rows (for BI tools over ODBC).
**
**   SELECT experiment_report(duration_s, variant) FROM runs;
**   SELECT experiment_report(duration_s, variant, 'A', '{"better": "lower"}') FROM runs;
**   SELECT * FROM experiment_variants((SELECT experiment_report(duration_s, variant) FROM runs));
**
** Behaviours (docs/experiment_report.md, docs/experiment_variants.md;
** numbers in core/st_report.h):
**   1. Rows with a NULL value or NULL group are skipped.  value must be
**      INTEGER or REAL and finite; group must be INTEGER, REAL or TEXT, and
**      TEXT must be valid UTF-8 without NUL — welch_ttest's rules and
**      messages (welch.c behaviour 1).
**   2. Group values are ordered as SQLite orders them (numbers before text,
**      numbers numerically so 1 and 1.0 are one variant, text bytewise).
**      At most EXP_MAX_VARIANTS (64) variants in the rows (or the frame);
**      more is an error naming the first three (in the order seen).  Up to
**      EXP_MAX_SLOTS are held at once, because SQLite may add a frame's
**      entering rows before it removes the leaving ones.
**   3. control (argument 3): NULL or absent → the smallest variant in
**      SQLite order; else an INTEGER, REAL or TEXT value naming a variant
**      (matched as group values are: 1 = 1.0); one that is not among the
**      rows' variants is an error naming it.  It is read on the first row;
**      a later row with another control is an error.
**   4. options (argument 4): NULL or a JSON object as TEXT with the keys
**      confidence (0.95), alpha (1 - confidence), power (0.8), min_effect
**      (absolute, default 5 % of |control mean|) and better ('higher' or
**      'lower'); a null member means the default; any other key, a value
**      of the wrong type or out of range is an error naming it.  Read on
**      the first row; a later row with other options text is an error
**      (agg_options.c).
**   5. Each variant keeps the exact sums of x and x^2 (st_sums), so
**      xInverse removes a row exactly: a sliding frame's result is the
**      same text as the plain aggregate over the frame's rows.
**   6. Result: JSON text {"control", "confidence", "alpha", "power",
**      "min_effect", "better", "variants": [...]} with one object per
**      variant, the control first and then the others in SQLite order, with
**      exactly the keys variant, n, mean, ci_low, ci_high, diff, diff_low,
**      diff_high, lift, lift_low, lift_high, p, p_holm, needed, more,
**      decision (st_report.h; NaN → null, more null unless a number of runs
**      is known, decision "control" for the control and "keep running:
**      about N more runs per variant" with N = more).  No rows → NULL.
**   7. experiment_variants(report): one row per element of "variants", in
**      that order, with the columns variant, is_control, n, mean, ci_low,
**      ci_high, diff, diff_low, diff_high, lift, lift_low, lift_high, p,
**      p_holm, needed, more, decision (null → NULL; declared INTEGER, REAL
**      and VARCHAR types for ODBC).  A NULL report gives no rows; anything
**      else that is not the JSON text experiment_report writes (its exact
**      keys, types and a single control row) is an error.  The text is
**      parsed with the flat-object reader (core/base/om_json.h) applied to
**      the top-level object with its "variants" array replaced by null and
**      to each element of that array.
**   8. Flags: both read only their arguments: the function is
**      DETERMINISTIC|INNOCUOUS, the table SQLITE_VTAB_INNOCUOUS, so
**      dashboards' views may use them.
**   9. A window's xValue keeps a copy of its result and returns it again
**      while no row has entered or left the frame since (the peers of an
**      ORDER BY with ties, e.g. OVER (ORDER BY day) over many runs a day,
**      share one computation: each `needed` costs ~1 ms of root finding).
*/
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "core/base/om_json.h"
#include "core/stats/st_report.h"
#include "group_keys.h"
#include "omen_ext.h"

#define EXP_FN "experiment_report"
#define EXP_MAX_VARIANTS ST_REPORT_MAX /* behaviour 2 */
#define EXP_MAX_SLOTS (2 * ST_REPORT_MAX)
#define EXP_FIRST_SLOTS 4

typedef struct exp_group {
  omen_key key; /* type 0: an empty slot; text owned (omen_key_own) */
  sqlite3_int64 rows;
} exp_group;

typedef struct exp_agg {
  int configured;
  st_report_options opt;
  char *options;     /* the first row's options text (agg_options.c), or NULL */
  omen_key control;  /* type 0: the smallest variant (behaviour 3); text owned */
  int overflow;      /* a variant arrived while EXP_MAX_SLOTS were held */
  int cap;           /* slots in g and s (0: none yet) */
  exp_group *g;      /* sqlite3_malloc'd slots */
  st_sums *s;        /* exact sums of g[i]'s values, apart so keys stay small */
  char *last;        /* the last result's text (behaviour 9), or NULL */
  sqlite3_uint64 last_len;
} exp_agg;

/* ---- settings: control and options (behaviours 3, 4) ---- */

/* One number option into *out (null: left as is); 1 with the error set. */
static int exp_opt_number(sqlite3_context *ctx, const om_json_member *m, double *out) {
  if (m->type == OM_JSON_NULL) return 0;
  if (m->type != OM_JSON_NUMBER || m->is_bool) {
    omen_errorf(ctx, EXP_FN, "options (argument 4): %s is not a number", m->key);
    return 1;
  }
  *out = m->num;
  return 0;
}

static int exp_parse_options(sqlite3_context *ctx, exp_agg *a, const char *text, int n) {
  om_json_obj obj;
  om_err err;
  om_status st;
  st_report_options *o = &a->opt;
  double alpha;
  int bad = 0;
  memset(&obj, 0, sizeof obj);
  st = om_json_parse_flat(text, (size_t)n, &obj, &err);
  if (st == OM_NOMEM) {
    sqlite3_result_error_nomem(ctx);
    return 1;
  }
  if (st != OM_OK) {
    omen_errorf(ctx, EXP_FN, "options (argument 4) is not a JSON object of settings: %s", err.msg);
    return 1;
  }
  for (size_t i = 0; i < obj.count && !bad; i++) {
    const om_json_member *m = &obj.members[i];
    if (strcmp(m->key, "confidence") == 0) bad = exp_opt_number(ctx, m, &o->confidence);
    else if (strcmp(m->key, "alpha") == 0) bad = exp_opt_number(ctx, m, &o->alpha);
    else if (strcmp(m->key, "power") == 0) bad = exp_opt_number(ctx, m, &o->power);
    else if (strcmp(m->key, "min_effect") == 0) bad = exp_opt_number(ctx, m, &o->min_effect);
    else if (strcmp(m->key, "better") == 0) {
      if (m->type == OM_JSON_NULL) continue;
      if (m->type == OM_JSON_STRING && strcmp(m->str, "higher") == 0) o->lower_is_better = 0;
      else if (m->type == OM_JSON_STRING && strcmp(m->str, "lower") == 0) o->lower_is_better = 1;
      else {
        omen_errorf(ctx, EXP_FN, "options (argument 4): better must be 'higher' or 'lower'");
        bad = 1;
      }
    } else {
      omen_errorf(ctx, EXP_FN,
                  "options (argument 4): unknown key '%s'; expected confidence, alpha, power, min_effect or better",
                  m->key);
      bad = 1;
    }
  }
  om_json_obj_free(&obj);
  if (bad) return 1;
  alpha = st_report_alpha(o);
  if (!(o->confidence > 0 && o->confidence < 1)) {
    omen_errorf(ctx, EXP_FN, "options (argument 4): confidence is %!.15g; expected a number between 0 and 1 (exclusive)",
                o->confidence);
    return 1;
  }
  if (!(alpha > 0 && alpha < 1)) {
    omen_errorf(ctx, EXP_FN, "options (argument 4): alpha is %!.15g; expected a number between 0 and 1 (exclusive)",
                alpha);
    return 1;
  }
  if (!(o->power > alpha && o->power < 1)) {
    omen_errorf(ctx, EXP_FN,
                "options (argument 4): power is %!.15g; expected a number between alpha (%!.15g) and 1 (exclusive)",
                o->power, alpha);
    return 1;
  }
  if (!isnan(o->min_effect) && !(o->min_effect > 0 && isfinite(o->min_effect))) {
    omen_errorf(ctx, EXP_FN, "options (argument 4): min_effect is %!.15g; expected a finite number > 0 in the value's units",
                o->min_effect);
    return 1;
  }
  return 0;
}

static int exp_configure(sqlite3_context *ctx, exp_agg *a, int argc, sqlite3_value **argv) {
  st_report_defaults(&a->opt);
  if (argc >= 3 && sqlite3_value_type(argv[2]) != SQLITE_NULL) {
    omen_key key;
    if (omen_key_arg(ctx, EXP_FN, argv[2], "control (argument 3)", &key)) return 1;
    if (omen_key_own(&key)) {
      sqlite3_result_error_nomem(ctx);
      return 1;
    }
    a->control = key;
  }
  if (argc >= 4) {
    const char *text;
    int n;
    if (omen_agg_options_text(ctx, EXP_FN, argv[3], 4, &text, &n)) return 1;
    if (text && exp_parse_options(ctx, a, text, n)) return 1;
    if (omen_agg_options_keep(ctx, text, n, &a->options)) return 1;
  }
  a->configured = 1;
  return 0;
}

/* Later rows repeat the first row's control and options; 1 with the error set. */
static int exp_settings_changed(sqlite3_context *ctx, exp_agg *a, int argc, sqlite3_value **argv) {
  if (argc >= 3) {
    omen_key key;
    int same;
    if (sqlite3_value_type(argv[2]) == SQLITE_NULL) same = a->control.type == 0;
    else {
      if (omen_key_arg(ctx, EXP_FN, argv[2], "control (argument 3)", &key)) return 1;
      same = a->control.type != 0 && omen_key_cmp(&key, &a->control) == 0;
    }
    if (!same) {
      omen_errorf(ctx, EXP_FN, "control (argument 3) changed between rows; pass the same control on every row");
      return 1;
    }
  }
  if (argc >= 4 && omen_agg_options_changed(ctx, EXP_FN, argv[3], a->options)) return 1;
  return 0;
}

/* ---- rows ---- */

/* Validate a row; 1 if it is skipped or failed (error set). */
static int exp_row(sqlite3_context *ctx, sqlite3_value **argv, double *x, omen_key *key) {
  int vt = sqlite3_value_type(argv[0]), gt = sqlite3_value_type(argv[1]);
  if (vt == SQLITE_NULL || gt == SQLITE_NULL) return 1;
  if (vt != SQLITE_INTEGER && vt != SQLITE_FLOAT) {
    omen_errorf(ctx, EXP_FN, "value (argument 1) is %s; expected INTEGER or REAL", omen_type_name(argv[0]));
    return 1;
  }
  *x = sqlite3_value_double(argv[0]);
  if (!isfinite(*x)) {
    omen_errorf(ctx, EXP_FN, "value (argument 1) is not a finite number");
    return 1;
  }
  return omen_key_arg(ctx, EXP_FN, argv[1], "group (argument 2)", key);
}

/* The state changed: the kept result is stale (behaviour 9). */
static void exp_forget(exp_agg *a) {
  if (a->last) {
    sqlite3_free(a->last);
    a->last = NULL;
  }
}

/* Room for one more variant: 0, SQLITE_NOMEM or SQLITE_FULL. */
static int exp_grow(exp_agg *a) {
  int cap = a->cap ? a->cap * 2 : EXP_FIRST_SLOTS;
  exp_group *g;
  st_sums *s;
  if (cap > EXP_MAX_SLOTS) cap = EXP_MAX_SLOTS;
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
  if (a->cap) {
    memcpy(g, a->g, (size_t)a->cap * sizeof *g);
    memcpy(s, a->s, (size_t)a->cap * sizeof *s);
  }
  sqlite3_free(a->g);
  sqlite3_free(a->s);
  a->g = g;
  a->s = s;
  a->cap = cap;
  return 0;
}

void experimentReportStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  exp_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  omen_key key;
  double x;
  int i, free_slot = -1;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (!a->configured) {
    if (exp_configure(ctx, a, argc, argv)) return;
  } else if (exp_settings_changed(ctx, a, argc, argv)) {
    return;
  }
  if (exp_row(ctx, argv, &x, &key)) return;
  for (i = 0; i < a->cap; i++) {
    if (a->g[i].key.type == 0) {
      if (free_slot < 0) free_slot = i;
      continue;
    }
    if (omen_key_cmp(&a->g[i].key, &key) == 0) break;
  }
  if (i == a->cap) {
    if (free_slot < 0) {
      int rc = exp_grow(a);
      if (rc == SQLITE_NOMEM) {
        sqlite3_result_error_nomem(ctx);
        return;
      }
      if (rc) {
        a->overflow = 1; /* reported by the result (behaviour 2) */
        exp_forget(a);
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
  a->g[i].rows++;
  st_sums_add(&a->s[i], x, NULL); /* x is finite (exp_row) */
  exp_forget(a);
}

void experimentReportInverse(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  exp_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  omen_key key;
  double x;
  (void)argc;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (exp_row(ctx, argv, &x, &key)) return;
  for (int i = 0; i < a->cap; i++) {
    exp_group *g = &a->g[i];
    if (g->key.type == 0 || omen_key_cmp(&g->key, &key) != 0) continue;
    st_sums_remove(&a->s[i], x, NULL);
    exp_forget(a);
    if (--g->rows == 0) {
      omen_key_free(&g->key);
      g->rows = 0;
      memset(&a->s[i], 0, sizeof a->s[i]);
    }
    return;
  }
}

/* ---- the result (behaviour 6) ---- */

static void json_num(om_jw *j, const char *key, double v) {
  om_jw_key(j, key);
  om_jw_double(j, v);
}

static void exp_result(sqlite3_context *ctx, exp_agg *a, int keep) {
  int idx[EXP_MAX_SLOTS], order[EXP_MAX_VARIANTS], k = 0, ctl = 0, present = 0;
  st_moments m[EXP_MAX_VARIANTS];
  st_report_row *rows = NULL;
  om_err err;
  om_status st;
  om_wbuf w;
  om_jw j;
  for (int i = 0; i < a->cap; i++)
    if (a->g[i].key.type) idx[present++] = i;
  if (a->last) { /* behaviour 9 */
    sqlite3_result_text64(ctx, a->last, a->last_len, SQLITE_TRANSIENT, SQLITE_UTF8);
    return;
  }
  if (present == 0 && !a->overflow) return; /* no rows: NULL */
  if (present > EXP_MAX_VARIANTS || a->overflow) {
    char l[3][64];
    for (int i = 0; i < 3; i++) omen_key_label(l[i], sizeof l[0], &a->g[idx[i]].key);
    omen_errorf(ctx, EXP_FN, "group has more than %d distinct values (%s, %s, %s, ...); expected at most %d",
                EXP_MAX_VARIANTS, l[0], l[1], l[2], EXP_MAX_VARIANTS);
    return;
  }
  for (int i = 1; i < present; i++) { /* insertion sort in SQLite order */
    int v = idx[i], q = i - 1;
    while (q >= 0 && omen_key_cmp(&a->g[idx[q]].key, &a->g[v].key) > 0) {
      idx[q + 1] = idx[q];
      q--;
    }
    idx[q + 1] = v;
  }
  if (a->control.type) {
    for (ctl = 0; ctl < present; ctl++)
      if (omen_key_cmp(&a->g[idx[ctl]].key, &a->control) == 0) break;
    if (ctl == present) {
      char l[64];
      omen_key_label(l, sizeof l, &a->control);
      omen_errorf(ctx, EXP_FN, "control (argument 3) %s is not among the %d variants of group", l, present);
      return;
    }
  }
  order[k++] = idx[ctl]; /* the control first, then the others in order */
  for (int i = 0; i < present; i++)
    if (i != ctl) order[k++] = idx[i];
  for (int i = 0; i < k; i++) st_sums_moments(&a->s[order[i]], &m[i]);
  rows = sqlite3_malloc64((sqlite3_uint64)k * sizeof *rows);
  if (!rows) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  st = st_report(m, k, 0, &a->opt, rows, &err);
  if (st != OM_OK) {
    sqlite3_free(rows);
    omen_result_status(ctx, EXP_FN, st, &err);
    return;
  }
  om_wbuf_init(&w);
  om_jw_init(&j, &w);
  om_jw_begin_object(&j);
  om_jw_key(&j, "control");
  omen_key_json(&j, &a->g[order[0]].key);
  json_num(&j, "confidence", a->opt.confidence);
  json_num(&j, "alpha", st_report_alpha(&a->opt));
  json_num(&j, "power", a->opt.power);
  json_num(&j, "min_effect", st_report_min_effect(&m[0], &a->opt));
  om_jw_key(&j, "better");
  om_jw_string(&j, a->opt.lower_is_better ? "lower" : "higher");
  om_jw_key(&j, "variants");
  om_jw_begin_array(&j);
  for (int i = 0; i < k; i++) {
    const st_report_row *r = &rows[i];
    om_jw_begin_object(&j);
    om_jw_key(&j, "variant");
    omen_key_json(&j, &a->g[order[i]].key);
    om_jw_key(&j, "n");
    om_jw_int(&j, a->g[order[i]].rows);
    json_num(&j, "mean", r->mean);
    json_num(&j, "ci_low", r->mean_low);
    json_num(&j, "ci_high", r->mean_high);
    json_num(&j, "diff", r->diff);
    json_num(&j, "diff_low", r->diff_low);
    json_num(&j, "diff_high", r->diff_high);
    json_num(&j, "lift", r->lift);
    json_num(&j, "lift_low", r->lift_low);
    json_num(&j, "lift_high", r->lift_high);
    json_num(&j, "p", r->p);
    json_num(&j, "p_holm", r->p_holm);
    json_num(&j, "needed", r->needed);
    om_jw_key(&j, "more");
    if (r->decision == ST_DECIDE_KEEP_RUNNING && r->more >= 1) om_jw_double(&j, r->more);
    else om_jw_null(&j);
    om_jw_key(&j, "decision");
    if (r->decision == ST_DECIDE_KEEP_RUNNING && r->more >= 1) {
      char buf[96];
      sqlite3_snprintf(sizeof buf, buf, "keep running: about %.0f more runs per variant", r->more);
      om_jw_string(&j, buf);
    } else {
      om_jw_string(&j, st_decision_name(r->decision));
    }
    om_jw_end_object(&j);
  }
  om_jw_end_array(&j);
  om_jw_end_object(&j);
  sqlite3_free(rows);
  if (om_wbuf_status(&w) != OM_OK) {
    sqlite3_result_error_nomem(ctx);
  } else {
    sqlite3_result_text64(ctx, (const char *)w.data, w.len, SQLITE_TRANSIENT, SQLITE_UTF8);
    if (keep && (a->last = sqlite3_malloc64(w.len ? w.len : 1)) != NULL) { /* no copy: recomputed next time */
      memcpy(a->last, w.data, w.len);
      a->last_len = w.len;
    }
  }
  om_wbuf_free(&w);
}

void experimentReportValue(sqlite3_context *ctx) {
  exp_agg *a = sqlite3_aggregate_context(ctx, 0);
  if (a) exp_result(ctx, a, 1);
}

void experimentReportFinal(sqlite3_context *ctx) {
  exp_agg *a = sqlite3_aggregate_context(ctx, 0);
  if (!a) return;
  if (a->configured) exp_result(ctx, a, 0);
  for (int i = 0; i < a->cap; i++) omen_key_free(&a->g[i].key);
  sqlite3_free(a->g);
  sqlite3_free(a->s);
  omen_key_free(&a->control);
  sqlite3_free(a->options);
  sqlite3_free(a->last);
}

/* ---- experiment_variants (behaviour 7) ---- */

#define EV_NUMS 13 /* mean .. needed, in column order from column 3 */
enum { EV_VARIANT = 0, EV_IS_CONTROL = 1, EV_N = 2, EV_MEAN = 3, EV_MORE = 15, EV_DECISION = 16, EV_REPORT = 17 };
static const char *const ev_num_keys[EV_NUMS] = {"mean", "ci_low",    "ci_high", "diff", "diff_low", "diff_high", "lift",
                                                "lift_low", "lift_high", "p",    "p_holm", "needed", "more"};
static const char *const ev_top_keys[7] = {"control", "confidence", "alpha", "power", "min_effect", "better", "variants"};

typedef struct ev_row {
  omen_key variant; /* text owned */
  sqlite3_int64 n;
  double num[EV_NUMS]; /* NaN = null; num[12] is more */
  char *decision;      /* owned */
} ev_row;

typedef struct ev_cursor {
  sqlite3_vtab_cursor base;
  ev_row *rows;
  int nrows, row;
} ev_cursor;

static int evConnect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **pp, char **err) {
  sqlite3_vtab *v;
  int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(variant VARCHAR(255), is_control INTEGER, n INTEGER, mean REAL, "
                                    "ci_low REAL, ci_high REAL, diff REAL, diff_low REAL, diff_high REAL, lift REAL, "
                                    "lift_low REAL, lift_high REAL, p REAL, p_holm REAL, needed REAL, more INTEGER, "
                                    "decision VARCHAR(64), report HIDDEN)");
  (void)aux;
  (void)argc;
  (void)argv;
  (void)err;
  if (rc != SQLITE_OK) return rc;
  v = sqlite3_malloc(sizeof *v);
  if (!v) return SQLITE_NOMEM;
  memset(v, 0, sizeof *v);
  sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS); /* behaviour 8 */
  *pp = v;
  return SQLITE_OK;
}

static int evDisconnect(sqlite3_vtab *v) {
  sqlite3_free(v);
  return SQLITE_OK;
}

static int evOpen(sqlite3_vtab *v, sqlite3_vtab_cursor **pp) {
  ev_cursor *c = sqlite3_malloc(sizeof *c);
  (void)v;
  if (!c) return SQLITE_NOMEM;
  memset(c, 0, sizeof *c);
  *pp = &c->base;
  return SQLITE_OK;
}

static void ev_reset(ev_cursor *c) {
  for (int i = 0; i < c->nrows; i++) {
    omen_key_free(&c->rows[i].variant);
    sqlite3_free(c->rows[i].decision);
  }
  sqlite3_free(c->rows);
  c->rows = NULL;
  c->nrows = c->row = 0;
}

static int evClose(sqlite3_vtab_cursor *cur) {
  ev_reset((ev_cursor *)cur);
  sqlite3_free(cur);
  return SQLITE_OK;
}

/* "experiment_variants(): <message>" as the vtab's error. */
static int ev_error(sqlite3_vtab_cursor *cur, const char *fmt, ...) {
  va_list ap;
  char *msg;
  va_start(ap, fmt);
  msg = sqlite3_vmprintf(fmt, ap);
  va_end(ap);
  sqlite3_free(cur->pVtab->zErrMsg);
  cur->pVtab->zErrMsg = msg ? sqlite3_mprintf("experiment_variants(): %s", msg) : NULL;
  sqlite3_free(msg);
  return cur->pVtab->zErrMsg ? SQLITE_ERROR : SQLITE_NOMEM;
}

static size_t ev_ws(const char *s, size_t n, size_t i) {
  while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
  return i;
}

/* The end of the JSON string starting at s[i] == '"', or 0 if unterminated. */
static size_t ev_string_end(const char *s, size_t n, size_t i) {
  for (i++; i < n; i++) {
    if (s[i] == '\\') i++;
    else if (s[i] == '"') return i + 1;
  }
  return 0;
}

/* The end of the JSON value starting at s[i] (brackets balanced outside
** strings; scalars up to the next delimiter), or 0 if malformed.  The
** values themselves are checked by om_json_parse_flat. */
static size_t ev_value_end(const char *s, size_t n, size_t i) {
  int depth = 0;
  if (i >= n) return 0;
  if (s[i] == '"') return ev_string_end(s, n, i);
  if (s[i] != '{' && s[i] != '[') {
    while (i < n && !strchr(",}] \t\r\n", s[i])) i++;
    return i;
  }
  while (i < n) {
    if (s[i] == '"') {
      i = ev_string_end(s, n, i);
      if (!i) return 0;
      continue;
    }
    if (s[i] == '{' || s[i] == '[') depth++;
    else if (s[i] == '}' || s[i] == ']') {
      if (--depth == 0) return i + 1;
    }
    i++;
  }
  return 0;
}

/* Parse text[0, n) as an experiment_report result into c->rows.  SQLITE_OK,
** SQLITE_NOMEM, or SQLITE_ERROR with *why (a static string) set. */
static int ev_parse(ev_cursor *c, const char *s, size_t n, const char **why, char *buf, size_t cap) {
  size_t i = ev_ws(s, n, 0), vs = 0, ve = 0;
  om_json_obj top, el;
  om_err err;
  om_status st;
  char *flat;
  int rc = SQLITE_OK, controls = 0;
  memset(&top, 0, sizeof top);
  memset(&el, 0, sizeof el);
  *why = "not a JSON object";
  if (i >= n || s[i] != '{') return SQLITE_ERROR;
  /* find the top-level "variants" value */
  for (i = ev_ws(s, n, i + 1); i < n && s[i] != '}';) {
    size_t ke, ve2, ks = i;
    if (s[i] != '"' || !(ke = ev_string_end(s, n, i))) return SQLITE_ERROR;
    i = ev_ws(s, n, ke);
    if (i >= n || s[i] != ':') return SQLITE_ERROR;
    i = ev_ws(s, n, i + 1);
    if (!(ve2 = ev_value_end(s, n, i))) return SQLITE_ERROR;
    if (ke - ks == 10 && memcmp(s + ks, "\"variants\"", 10) == 0) {
      vs = i;
      ve = ve2;
    }
    i = ev_ws(s, n, ve2);
    if (i < n && s[i] == ',') i = ev_ws(s, n, i + 1);
  }
  *why = "no \"variants\" array";
  if (!ve || s[vs] != '[') return SQLITE_ERROR;
  /* the header: the object with "variants" replaced by null */
  flat = sqlite3_malloc64(n + 5);
  if (!flat) return SQLITE_NOMEM;
  memcpy(flat, s, vs);
  memcpy(flat + vs, "null", 4);
  memcpy(flat + vs + 4, s + ve, n - ve);
  st = om_json_parse_flat(flat, vs + 4 + (n - ve), &top, &err);
  sqlite3_free(flat);
  if (st == OM_NOMEM) return SQLITE_NOMEM;
  if (st != OM_OK) {
    sqlite3_snprintf((int)cap, buf, "%s", err.msg);
    *why = buf;
    return SQLITE_ERROR;
  }
  *why = "its keys are not those of experiment_report()";
  if (top.count != 7) goto fail;
  for (int q = 0; q < 7; q++)
    if (!om_json_obj_get(&top, ev_top_keys[q])) goto fail;
  om_json_obj_free(&top);
  /* the elements */
  c->rows = sqlite3_malloc64(EXP_MAX_VARIANTS * sizeof *c->rows);
  if (!c->rows) return SQLITE_NOMEM;
  memset(c->rows, 0, EXP_MAX_VARIANTS * sizeof *c->rows);
  for (i = ev_ws(s, n, vs + 1); i < ve - 1;) {
    size_t ee = ev_value_end(s, n, i);
    ev_row *r;
    const om_json_member *mv, *mn, *md;
    *why = "an element of \"variants\" is not an object";
    if (!ee || s[i] != '{' || ee > ve - 1) return SQLITE_ERROR;
    *why = "more than 64 variants";
    if (c->nrows == EXP_MAX_VARIANTS) return SQLITE_ERROR;
    st = om_json_parse_flat(s + i, ee - i, &el, &err);
    if (st == OM_NOMEM) return SQLITE_NOMEM;
    if (st != OM_OK) {
      sqlite3_snprintf((int)cap, buf, "%s", err.msg);
      *why = buf;
      return SQLITE_ERROR;
    }
    *why = "a variant's keys are not those of experiment_report()";
    if (el.count != 16) goto fail;
    mv = om_json_obj_get(&el, "variant");
    mn = om_json_obj_get(&el, "n");
    md = om_json_obj_get(&el, "decision");
    if (!mv || !mn || !md || mv->type == OM_JSON_NULL || mv->is_bool || mn->type != OM_JSON_NUMBER || !mn->is_int ||
        mn->inum < 1 || md->type != OM_JSON_STRING)
      goto fail;
    r = &c->rows[c->nrows];
    for (int q = 0; q < EV_NUMS; q++) {
      const om_json_member *mm = om_json_obj_get(&el, ev_num_keys[q]);
      if (!mm || mm->is_bool || mm->type == OM_JSON_STRING) goto fail;
      r->num[q] = mm->type == OM_JSON_NUMBER ? mm->num : NAN;
    }
    c->nrows++;
    r->n = mn->inum;
    if (mv->type == OM_JSON_STRING) {
      r->variant.type = SQLITE_TEXT;
      r->variant.text = (char *)mv->str;
      r->variant.len = (int)mv->str_len;
      if (mv->str_len > 0x7fffffff || omen_key_own(&r->variant)) {
        r->variant.type = 0;
        r->variant.text = NULL;
        rc = SQLITE_NOMEM;
        goto out;
      }
    } else if (mv->is_int) {
      r->variant.type = SQLITE_INTEGER;
      r->variant.i = mv->inum;
    } else {
      r->variant.type = SQLITE_FLOAT;
      r->variant.d = mv->num;
    }
    r->decision = sqlite3_mprintf("%s", md->str);
    if (!r->decision) {
      rc = SQLITE_NOMEM;
      goto out;
    }
    controls += strcmp(md->str, "control") == 0;
    om_json_obj_free(&el);
    memset(&el, 0, sizeof el);
    i = ev_ws(s, n, ee);
    if (i < ve - 1) {
      *why = "\"variants\" is not an array of objects";
      if (s[i] != ',') return SQLITE_ERROR;
      i = ev_ws(s, n, i + 1);
    }
  }
  *why = "it does not have exactly one control row";
  if (controls != 1) return SQLITE_ERROR;
  return SQLITE_OK;
fail:
  rc = SQLITE_ERROR;
out:
  om_json_obj_free(&top);
  om_json_obj_free(&el);
  return rc;
}

static int evFilter(sqlite3_vtab_cursor *cur, int idxNum, const char *idxStr, int argc, sqlite3_value **argv) {
  ev_cursor *c = (ev_cursor *)cur;
  const char *text, *why = "";
  char buf[160];
  int rc, ty;
  (void)idxStr;
  ev_reset(c);
  if (!(idxNum & 1) || argc < 1) return ev_error(cur, "needs a report");
  ty = sqlite3_value_type(argv[0]);
  if (ty == SQLITE_NULL) return SQLITE_OK;
  if (ty != SQLITE_TEXT)
    return ev_error(cur, "report (argument 1) is %s; expected the JSON text of experiment_report()",
                    omen_type_name(argv[0]));
  text = (const char *)sqlite3_value_text(argv[0]);
  if (!text) return SQLITE_NOMEM;
  rc = ev_parse(c, text, (size_t)sqlite3_value_bytes(argv[0]), &why, buf, sizeof buf);
  if (rc == SQLITE_ERROR) {
    ev_reset(c);
    return ev_error(cur, "report (argument 1) is not the JSON text of experiment_report(): %s", why);
  }
  if (rc != SQLITE_OK) ev_reset(c);
  return rc;
}

static int evNext(sqlite3_vtab_cursor *cur) {
  ((ev_cursor *)cur)->row++;
  return SQLITE_OK;
}

static int evEof(sqlite3_vtab_cursor *cur) {
  ev_cursor *c = (ev_cursor *)cur;
  return c->row >= c->nrows;
}

static int evColumn(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i) {
  ev_cursor *c = (ev_cursor *)cur;
  const ev_row *r = &c->rows[c->row];
  switch (i) {
  case EV_VARIANT:
    if (r->variant.type == SQLITE_INTEGER) sqlite3_result_int64(ctx, r->variant.i);
    else if (r->variant.type == SQLITE_FLOAT) sqlite3_result_double(ctx, r->variant.d);
    else sqlite3_result_text(ctx, r->variant.text, r->variant.len, SQLITE_TRANSIENT);
    break;
  case EV_IS_CONTROL: sqlite3_result_int(ctx, strcmp(r->decision, "control") == 0); break;
  case EV_N: sqlite3_result_int64(ctx, r->n); break;
  case EV_MORE:
    if (!isnan(r->num[12]) && r->num[12] >= 0 && r->num[12] < 9e18) sqlite3_result_int64(ctx, (sqlite3_int64)r->num[12]);
    else if (!isnan(r->num[12])) sqlite3_result_double(ctx, r->num[12]);
    break;
  case EV_DECISION: sqlite3_result_text(ctx, r->decision, -1, SQLITE_TRANSIENT); break;
  default:
    if (i >= EV_MEAN && i < EV_MORE && !isnan(r->num[i - EV_MEAN])) sqlite3_result_double(ctx, r->num[i - EV_MEAN]);
    break;
  }
  return SQLITE_OK;
}

static int evRowid(sqlite3_vtab_cursor *cur, sqlite_int64 *rowid) {
  *rowid = (sqlite_int64)((ev_cursor *)cur)->row + 1;
  return SQLITE_OK;
}

/* idxNum bit 0: the report argument is bound (argv[0]); without it the
** plan is refused. */
static int evBestIndex(sqlite3_vtab *tab, sqlite3_index_info *info) {
  int at = -1;
  (void)tab;
  for (int i = 0; i < info->nConstraint; i++) {
    const struct sqlite3_index_constraint *k = &info->aConstraint[i];
    if (k->iColumn != EV_REPORT) continue;
    if (!k->usable || k->op != SQLITE_INDEX_CONSTRAINT_EQ) return SQLITE_CONSTRAINT;
    at = i;
  }
  if (at < 0) return SQLITE_CONSTRAINT;
  info->aConstraintUsage[at].argvIndex = 1;
  info->aConstraintUsage[at].omit = 1;
  info->idxNum = 1;
  info->estimatedCost = 10;
  info->estimatedRows = 8;
  return SQLITE_OK;
}

sqlite3_module omen_experiment_variants_module = {.iVersion = 0,
                                                  .xCreate = 0,
                                                  .xConnect = evConnect,
                                                  .xBestIndex = evBestIndex,
                                                  .xDisconnect = evDisconnect,
                                                  .xOpen = evOpen,
                                                  .xClose = evClose,
                                                  .xFilter = evFilter,
                                                  .xNext = evNext,
                                                  .xEof = evEof,
                                                  .xColumn = evColumn,
                                                  .xRowid = evRowid};
