/*
** sequential.c — sequential_test(value, group [, options]), an aggregate and
** window function giving an always-valid p-value and a confidence sequence
** for the difference of two means (the normal-mixture SPRT of Johari,
** Koomen, Pekelis & Walsh; numerics in core/stats/st_seq.h), so that an
** A/B experiment may be read after every run without inflating the
** false-positive rate.
**
**   SELECT finished_at, sequential_test(duration_s, variant)
**            OVER (ORDER BY finished_at) FROM runs;
**   SELECT sequential_test(duration_s, variant, '{"tau": 5, "min_n": 30}')
**     FROM (SELECT * FROM runs ORDER BY finished_at);
**
** Behaviours (docs/sequential_test.md):
**   1. Rows with a NULL value or NULL group are skipped.  value must be
**      INTEGER or REAL and finite; group INTEGER, REAL or TEXT (valid UTF-8
**      without NUL), with exactly the messages of welch_ttest.
**   2. The two group values are ordered as SQLite orders them (as
**      welch_ttest): group_a is the smaller, diff = mean_a - mean_b.  A third
**      distinct group is an error naming the three.
**   3. The rows are used in the order SQLite feeds them, and the result
**      depends on that order (the running minimum over looks): give one, with
**      OVER (ORDER BY ...) or an ordered subquery.  A look is made after every
**      row (st_seq.h 1, 2).
**   4. Only frames that never lose a row are meaningful (the default frame of
**      OVER (ORDER BY ...), ROWS UNBOUNDED PRECEDING, whole partitions).
**      xInverse exists only to refuse sliding frames: a row leaving the frame
**      is the error "a row left the window frame; sequential_test needs a
**      frame that starts at UNBOUNDED PRECEDING (the default of OVER (ORDER BY
**      ...))".
**   5. options: NULL or a JSON object as TEXT with any of alpha (0.05),
**      theta0 (0), tau (none: tau_sd times the pooled sd), tau_sd (0.1),
**      min_n (100); tau and tau_sd exclude each other.  Read from the first
**      row; a later row with other options is an error (agg_options.c).
**   6. Result: JSON text with exactly the keys group_a, group_b, n_a, n_b,
**      mean_a, mean_b, diff, se, p, ci_low, ci_high, reject, log_lr, looks,
**      tau, alpha, theta0, min_n.  Before the first look p is 1 and the
**      interval is (-inf, +inf), written -9e999 / 9e999; an empty confidence
**      sequence has ci_low and ci_high null (st_seq.h 5); other undefined
**      numbers are null.  No rows → NULL.  One group → its statistics,
**      group_b null, n_b 0.
**   7. Memory: the aggregate context (~3.6 kB: the two groups' exact sums)
**      plus a copy of each TEXT label and of the options text; nothing per
**      row.
*/
#include <math.h>
#include <string.h>

#include "core/base/om_json.h"
#include "core/stats/st_seq.h"
#include "group_keys.h"
#include "omen_ext.h"

#define SEQ_FN "sequential_test"

typedef struct seq_agg {
  int configured;     /* options read, q initialised */
  int failed;         /* an error was reported: ignore later rows */
  char *options_text; /* the first row's options (NULL: none) */
  int ngroups;        /* labels seen: g[0] is group a, g[1] group b */
  omen_key g[2]; /* text owned (omen_key_own) */
  st_seq q;
} seq_agg;

/* ---------------------------------------------------------------- options */

static const char seq_option_keys[] = "alpha, theta0, tau, tau_sd, min_n";

/* 0, or 1 with the error in err; *nomem for out of memory. */
static int seq_parse_options(const char *text, size_t n, st_seq_options *o, om_err *err, int *nomem) {
  om_json_obj obj;
  om_status st;
  size_t i;
  int rc = 1, have_tau = 0, have_tau_sd = 0;
  st_seq_options_default(o);
  *nomem = 0;
  if (!text) return 0;
  st = om_json_parse_flat(text, n, &obj, err);
  if (st == OM_NOMEM) {
    *nomem = 1;
    return 1;
  }
  if (st != OM_OK) {
    om_err inner = *err;
    om_errf(err, OM_INVALID, "options are not a JSON object (%s); write them like '{\"min_n\": 50}'", inner.msg);
    return 1;
  }
  for (i = 0; i < obj.count; i++) {
    const om_json_member *m = &obj.members[i];
    double v = m->num;
    int num = m->type == OM_JSON_NUMBER && !m->is_bool && isfinite(v);
    if (!strcmp(m->key, "alpha")) {
      if (!num || !(v > 0.0 && v < 1.0)) {
        om_errf(err, OM_INVALID, "option alpha must be a number between 0 and 1 (exclusive)");
        goto done;
      }
      o->alpha = v;
    } else if (!strcmp(m->key, "theta0")) {
      if (!num) {
        om_errf(err, OM_INVALID, "option theta0 must be a finite number");
        goto done;
      }
      o->theta0 = v;
    } else if (!strcmp(m->key, "tau")) {
      if (!num || !(v > 0.0)) {
        om_errf(err, OM_INVALID, "option tau must be a finite number > 0 (in the units of value)");
        goto done;
      }
      o->tau = v;
      have_tau = 1;
    } else if (!strcmp(m->key, "tau_sd")) {
      if (!num || !(v > 0.0)) {
        om_errf(err, OM_INVALID, "option tau_sd must be a finite number > 0");
        goto done;
      }
      o->tau_sd = v;
      have_tau_sd = 1;
    } else if (!strcmp(m->key, "min_n")) {
      if (!num || v != floor(v) || !(v >= 2.0 && v <= 9007199254740992.0)) {
        om_errf(err, OM_INVALID, "option min_n must be an integer from 2 to 2^53");
        goto done;
      }
      o->min_n = (int64_t)v;
    } else {
      om_errf(err, OM_INVALID, "unknown option \"%.60s\"; accepted: %s", m->key, seq_option_keys);
      goto done;
    }
  }
  if (have_tau && have_tau_sd) {
    om_errf(err, OM_INVALID, "options tau and tau_sd exclude each other; give one of them");
    goto done;
  }
  rc = 0;
done:
  om_json_obj_free(&obj);
  return rc;
}

static int seq_configure(sqlite3_context *ctx, seq_agg *a, int argc, sqlite3_value **argv) {
  const char *text;
  int n, nomem = 0;
  st_seq_options opt;
  om_err err;
  if (omen_agg_options_text(ctx, SEQ_FN, argc >= 3 ? argv[2] : NULL, 3, &text, &n)) return 1;
  if (seq_parse_options(text, (size_t)n, &opt, &err, &nomem)) {
    if (nomem) sqlite3_result_error_nomem(ctx);
    else omen_errorf(ctx, SEQ_FN, "%s", err.msg);
    return 1;
  }
  if (st_seq_options_check(&opt, &err) != OM_OK) { /* cannot happen after the parse; kept as a guard */
    omen_errorf(ctx, SEQ_FN, "%s", err.msg);
    return 1;
  }
  if (omen_agg_options_keep(ctx, text, n, &a->options_text)) return 1;
  st_seq_init(&a->q, &opt);
  a->configured = 1;
  return 0;
}

/* ---------------------------------------------------------------- groups */

/* SQLite's ordering of two non-NULL, non-BLOB group keys (as welch.c). */
/* Validate a row (behaviour 1); 1 if it is skipped or failed (then *failed). */
static int seq_row(sqlite3_context *ctx, sqlite3_value **argv, double *x, omen_key *key, int *failed) {
  int vt = sqlite3_value_type(argv[0]), gt = sqlite3_value_type(argv[1]);
  *failed = 1;
  if (vt == SQLITE_NULL || gt == SQLITE_NULL) {
    *failed = 0;
    return 1;
  }
  if (vt != SQLITE_INTEGER && vt != SQLITE_FLOAT) {
    omen_errorf(ctx, SEQ_FN, "value (argument 1) is %s; expected INTEGER or REAL", omen_type_name(argv[0]));
    return 1;
  }
  *x = sqlite3_value_double(argv[0]);
  if (!isfinite(*x)) {
    omen_errorf(ctx, SEQ_FN, "value (argument 1) is not a finite number");
    return 1;
  }
  if (omen_key_arg(ctx, SEQ_FN, argv[1], "group (argument 2)", key)) return 1;
  *failed = 0;
  return 0;
}

/* The slot of key (0 = a, 1 = b), adding it if new; -1 after an error. */
static int seq_slot(sqlite3_context *ctx, seq_agg *a, const omen_key *key) {
  omen_key *g;
  int i;
  for (i = 0; i < a->ngroups; i++)
    if (omen_key_cmp(&a->g[i], key) == 0) return i;
  if (a->ngroups == 2) {
    char l[3][64];
    omen_key_label(l[0], sizeof l[0], &a->g[0]);
    omen_key_label(l[1], sizeof l[1], &a->g[1]);
    omen_key_label(l[2], sizeof l[2], key);
    omen_errorf(ctx, SEQ_FN, "group has more than 2 distinct values (%s, %s, %s); expected exactly 2", l[0], l[1],
                l[2]);
    return -1;
  }
  g = &a->g[a->ngroups];
  *g = *key;
  if (omen_key_own(g)) {
    memset(g, 0, sizeof *g);
    sqlite3_result_error_nomem(ctx);
    return -1;
  }
  a->ngroups++;
  if (a->ngroups == 2 && omen_key_cmp(&a->g[0], &a->g[1]) > 0) {
    /* the new label sorts first: it is group a.  No look has been made yet
    ** (a look needs both groups), so swapping the slots is all it takes. */
    omen_key t = a->g[0];
    a->g[0] = a->g[1];
    a->g[1] = t;
    st_seq_swap(&a->q);
    return 0;
  }
  return a->ngroups - 1;
}

void sequentialStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  seq_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  omen_key key;
  double x = 0.0;
  int slot, failed;
  om_err err;
  om_status st;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (a->failed) return;
  if (!a->configured) {
    if (seq_configure(ctx, a, argc, argv)) goto fail;
  } else if (argc >= 3 && omen_agg_options_changed(ctx, SEQ_FN, argv[2], a->options_text)) {
    goto fail;
  }
  if (seq_row(ctx, argv, &x, &key, &failed)) {
    if (failed) goto fail;
    return;
  }
  slot = seq_slot(ctx, a, &key);
  if (slot < 0) goto fail;
  st = st_seq_add(&a->q, slot, x, &err); /* x is finite: cannot fail */
  if (st != OM_OK) {
    omen_result_status(ctx, SEQ_FN, st, &err);
    goto fail;
  }
  return;
fail:
  a->failed = 1;
}

void sequentialInverse(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  (void)argv;
  omen_errorf(ctx, SEQ_FN,
              "a row left the window frame; sequential_test needs a frame that starts at UNBOUNDED PRECEDING "
              "(the default of OVER (ORDER BY ...))");
}

static void seq_result(sqlite3_context *ctx, seq_agg *a) {
  st_seq_result r = {0};
  om_err err;
  om_status st;
  om_wbuf w;
  om_jw j;
  if (a->failed || !a->configured || a->ngroups == 0) return; /* no rows: NULL */
  st = st_seq_result_get(&a->q, &r, &err);
  if (st != OM_OK) {
    omen_result_status(ctx, SEQ_FN, st, &err);
    return;
  }
  om_wbuf_init(&w);
  om_jw_init(&j, &w);
  om_jw_begin_object(&j);
  om_jw_key(&j, "group_a");
  omen_key_json(&j, &a->g[0]);
  om_jw_key(&j, "group_b");
  omen_key_json(&j, &a->g[1]);
  om_jw_key(&j, "n_a");
  om_jw_int(&j, (int64_t)r.n_a);
  om_jw_key(&j, "n_b");
  om_jw_int(&j, (int64_t)r.n_b);
  om_jw_key(&j, "mean_a");
  om_jw_double(&j, r.mean_a);
  om_jw_key(&j, "mean_b");
  om_jw_double(&j, r.mean_b);
  om_jw_key(&j, "diff");
  om_jw_double(&j, r.diff);
  om_jw_key(&j, "se");
  om_jw_double(&j, r.se);
  om_jw_key(&j, "p");
  om_jw_double(&j, r.p);
  om_jw_key(&j, "ci_low");
  om_jw_double(&j, r.ci_low);
  om_jw_key(&j, "ci_high");
  om_jw_double(&j, r.ci_high);
  om_jw_key(&j, "reject");
  om_jw_bool(&j, r.reject);
  om_jw_key(&j, "log_lr");
  om_jw_double(&j, r.log_lr);
  om_jw_key(&j, "looks");
  om_jw_int(&j, r.looks);
  om_jw_key(&j, "tau");
  om_jw_double(&j, r.tau);
  om_jw_key(&j, "alpha");
  om_jw_double(&j, a->q.opt.alpha);
  om_jw_key(&j, "theta0");
  om_jw_double(&j, a->q.opt.theta0);
  om_jw_key(&j, "min_n");
  om_jw_int(&j, a->q.opt.min_n);
  om_jw_end_object(&j);
  if (om_wbuf_status(&w) != OM_OK) sqlite3_result_error_nomem(ctx);
  else sqlite3_result_text64(ctx, (const char *)w.data, w.len, SQLITE_TRANSIENT, SQLITE_UTF8);
  om_wbuf_free(&w);
}

void sequentialValue(sqlite3_context *ctx) {
  seq_agg *a = sqlite3_aggregate_context(ctx, 0);
  if (a) seq_result(ctx, a);
}

void sequentialFinal(sqlite3_context *ctx) {
  seq_agg *a = sqlite3_aggregate_context(ctx, 0);
  if (!a) return;
  seq_result(ctx, a);
  omen_key_free(&a->g[0]);
  omen_key_free(&a->g[1]);
  sqlite3_free(a->options_text);
}
