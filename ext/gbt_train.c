/*
** gbt_train.c — gbt_train(features, target [, options [, upper]]): an aggregate that
** trains gradient-boosted trees (ext/core/gbt/gbt.h) and returns a model BLOB in
** the common envelope, ready for model_save().
**
**   SELECT model_save('runtime',
**            gbt_train(feature_vector('threads', threads, 'host', host), duration_s,
**                      '{"n_trees": 200, "validation_fraction": 0.1}'))
**     FROM (SELECT * FROM runs ORDER BY started_at);
**
** Behaviours (docs/gbt_train.md):
**   1. Options are a JSON object (TEXT), the same on every row; keys:
**      n_trees, max_depth, learning_rate, min_child_weight, lambda, subsample,
**      colsample, max_bins, max_cat_threshold, seed, bag, objective ('duration' | 'squared' |
**      'quantile' | 'binary' | 'aft'), loss, ratio_width, offset, aft_distribution
**      ('normal' | 'logistic' | 'extreme'), aft_sigma, alpha, validation_fraction,
**      early_stopping_rounds, interval_coverage, calibration_fraction,
**      threads.  aft_distribution and aft_sigma need objective 'aft'.  An unknown key, a wrong type or an out-of-range value is an
**      error that names the key and lists what is accepted; a later row with
**      other options is an error, as in scaler_train and welch_ttest.
**   2. Rows whose target is NULL, or whose features are NULL, are skipped and
**      counted (rows_skipped).  A non-numeric or non-finite target, a negative
**      target for 'duration', a target other than 0/1 for 'binary' is an
**      error naming the value.
**   3. Features are discovered from the vectors: the union of names; a
**      feature a row lacks is missing for that row.  A feature's type
**      (numeric or categorical) is fixed by its first non-missing value; the
**      other type later is an error naming it.
**   4. Input order matters: the validation and calibration rows are the LAST
**      rows in input order.  Order the input by time (a subquery with ORDER
**      BY started_at) so they are the most recent runs.
**   5. The model is a pure function of (data, options): the same input gives
**      byte-identical BLOBs whatever `threads` is.  created_at is 0 until
**      model_save() stamps it.
**   6. Training polls sqlite3_interrupt() (interrupt.c) and fails with
**      "interrupted" when asked; memory comes from sqlite3_malloc.
**   7. Every BLOB returned loads: targets of 'squared' and 'quantile' must lie
**      within ±1e140 (checked per row); training that diverges fails naming
**      the round (core/gbt.h point 10); and the finished envelope is opened
**      and decoded with the decoder model_save() and predict() use before it
**      is returned — a failure there is an error, never a bad BLOB.
**   8. Before training, the largest model the options allow
**      (gbt_payload_bound: n_trees × leaves per tree, leaves bounded by
**      2^max_depth, the rows and min_child_weight) plus the envelope is
**      compared with sqlite3_limit(SQLITE_LIMIT_LENGTH); a bound above it is
**      an error with the estimate, not minutes of training then "string or
**      blob too big".
**   9. Censored durations (objective 'aft', core/gbt/gbt.h point 13): the
**      target is the lower bound of the duration (>= 0) and the optional 4th
**      argument `upper` its upper bound: NULL = right-censored (the run has
**      not finished, was killed at its limit or cancelled: it took longer
**      than target), a number >= target (equal: an exact duration, which
**      must be > 0; target 0: only an upper bound is known).  Without the
**      4th argument every row is an exact duration > 0.  A 4th argument
**      with another objective, an upper bound below the target, a
**      non-numeric upper bound, or an exact 0 is an error naming the value.
**  10. Speed of the step (no change in results): the shapes of the last
**      GBT_SHAPES rows read entry by entry are kept (the BLOB and where each
**      value goes); a row whose BLOB equals one of them outside the values has
**      the same names, types and order, so only its values are read and
**      checked.  The options of later rows are first compared byte for byte
**      with the first row's as stored, and read as text only when they
**      differ.  The columns ask for huge pages as they grow (gbt_hint_large:
**      page faults are dear in a VM).
**  11. The model carries the training profile of its features (envelope
**      format 2, core/base/mdl_profile.h: decile edges and bin fractions of
**      numeric features, top categories of categorical ones, missing
**      fractions) for feature_drift() and model_profile(); it is built from
**      the stored columns after training data is read, O(rows) plus a sort
**      of at most 65,536 values per numeric feature.
**  12. Option max_rows (k): every row is read and checked as always, but
**      only a uniform sample of k of the rows with a target is kept (Vitter's
**      reservoir, algorithm R, drawn by gbt_rng seeded with seed XOR
**      "reservoi"), then put back in input order before training, so memory
**      is bounded by k rows whatever the input.  The model is exactly
**      gbt_train without max_rows over the sampled rows in input order
**      (tests/gbt_sample_test.py redraws the sample); rows_used is the
**      sample's size, metrics add rows_read, options add max_rows (only
**      when given).  With or without it, the columns shrink to the rows
**      kept before training (no reserved capacity during training).
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/fv.h"
#include "core/gbt/gbt.h"
#include "core/base/om_json.h"
#include "omen_ext.h"

#define GBT_TRAIN "gbt_train"
#define GBT_MAX_ROWS_OPT 1099511627776.0 /* 2^40: option max_rows at most */

static const char *const gbt_objective_names[] = {"squared", "duration", "quantile", "binary", "aft"};
static const char *const gbt_loss_names[] = {"squared", "absolute", "ratio"};
static const char *const gbt_aft_dist_names[] = {"normal", "logistic", "extreme"};

const char *omen_gbt_objective_name(int obj) {
  return obj >= 0 && obj < 5 ? gbt_objective_names[obj] : "unknown";
}

/* ---------------------------------------------------------------- options */

static const char gbt_option_keys[] =
    "n_trees, max_depth, learning_rate, min_child_weight, lambda, subsample, colsample, max_bins, "
    "max_cat_threshold, seed, bag, "
    "objective, loss, ratio_width, offset, aft_distribution, aft_sigma, alpha, validation_fraction, "
    "early_stopping_rounds, interval_coverage, calibration_fraction, threads, max_rows";

typedef struct opt_num {
  const char *key;
  int is_int;     /* must be a whole number */
  double lo, hi;  /* accepted range */
  int lo_open, hi_open;
  const char *range; /* the range as shown in messages */
} opt_num;

static const opt_num gbt_num_opts[] = {
    {"n_trees", 1, 1, 100000, 0, 0, "an integer from 1 to 100000"},
    {"max_depth", 1, 1, GBT_MAX_DEPTH, 0, 0, "an integer from 1 to 16"},
    {"learning_rate", 0, 0, 10, 1, 0, "a number in (0, 10]"},
    {"min_child_weight", 0, 0, 1e300, 0, 0, "a finite number >= 0"},
    {"lambda", 0, 0, 1e300, 0, 0, "a finite number >= 0"},
    {"subsample", 0, 0, 1, 1, 0, "a number in (0, 1]"},
    {"colsample", 0, 0, 1, 1, 0, "a number in (0, 1]"},
    {"max_bins", 1, 2, 256, 0, 0, "an integer from 2 to 256"},
    {"max_cat_threshold", 1, 1, 255, 0, 0, "an integer from 1 to 255"},
    {"seed", 1, 0, 9007199254740992.0, 0, 0, "an integer from 0 to 2^53"},
    {"bag", 1, 1, GBT_BAG_MAX, 0, 0, "an integer from 1 to 100"},
    {"alpha", 0, 0, 1, 1, 1, "a number in (0, 1)"},
    {"validation_fraction", 0, 0, 1, 0, 1, "a number in [0, 1)"},
    {"early_stopping_rounds", 1, 0, 100000, 0, 0, "an integer from 0 to 100000"},
    {"interval_coverage", 0, 0, 1, 1, 1, "a number in (0, 1)"},
    {"calibration_fraction", 0, 0, 1, 0, 1, "a number in [0, 1)"},
    {"threads", 1, 0, 64, 0, 0, "an integer from 0 (automatic) to 64"},
    {"ratio_width", 0, 0, 100, 1, 0, "a number in (0, 100]"},
    {"aft_sigma", 0, 0, GBT_AFT_SIGMA_MAX, 1, 0, "a number in (0, 100]"},
};

static void set_num_opt(gbt_options *o, const char *key, double v) {
  if (!strcmp(key, "n_trees")) o->n_trees = (uint32_t)v;
  else if (!strcmp(key, "max_depth")) o->max_depth = (uint32_t)v;
  else if (!strcmp(key, "learning_rate")) o->learning_rate = v;
  else if (!strcmp(key, "min_child_weight")) o->min_child_weight = v;
  else if (!strcmp(key, "lambda")) o->lambda = v;
  else if (!strcmp(key, "subsample")) o->subsample = v;
  else if (!strcmp(key, "colsample")) o->colsample = v;
  else if (!strcmp(key, "max_bins")) o->max_bins = (uint32_t)v;
  else if (!strcmp(key, "max_cat_threshold")) o->max_cat_threshold = (uint32_t)v;
  else if (!strcmp(key, "seed")) o->seed = (uint64_t)v;
  else if (!strcmp(key, "bag")) o->bag = (uint32_t)v;
  else if (!strcmp(key, "alpha")) o->alpha = v;
  else if (!strcmp(key, "validation_fraction")) o->validation_fraction = v;
  else if (!strcmp(key, "early_stopping_rounds")) o->early_stopping_rounds = (uint32_t)v;
  else if (!strcmp(key, "interval_coverage")) o->interval_coverage = v;
  else if (!strcmp(key, "calibration_fraction")) o->calibration_fraction = v;
  else if (!strcmp(key, "threads")) o->threads = (uint32_t)v;
  else if (!strcmp(key, "ratio_width")) o->ratio_width = v;
  else if (!strcmp(key, "aft_sigma")) o->aft_sigma = v;
}

/* Parse the options JSON into o (defaults first).  Returns 0, or non-zero
** with an error message in err (no function-name prefix). */
static int gbt_parse_options(const char *text, size_t n, gbt_options *o, char **offset_name, uint64_t *max_rows,
                             om_err *err, int *nomem) {
  om_json_obj obj;
  om_status st;
  size_t i, k;
  int rc = 1;
  const char *aft_key = NULL; /* an AFT option given: it needs objective 'aft' */
  gbt_options_default(o);
  *nomem = 0;
  *max_rows = 0;
  if (!text) return 0;
  st = om_json_parse_flat(text, n, &obj, err);
  if (st == OM_NOMEM) {
    *nomem = 1;
    return 1;
  }
  if (st != OM_OK) {
    om_err inner = *err;
    om_errf(err, OM_INVALID, "options are not a JSON object (%s); write them like '{\"objective\": \"binary\"}'",
            inner.msg);
    return 1;
  }
  for (i = 0; i < obj.count; i++) {
    const om_json_member *m = &obj.members[i];
    if (!strcmp(m->key, "objective")) {
      int found = -1;
      if (m->type == OM_JSON_STRING)
        for (k = 0; k < 5; k++)
          if (!strcmp(m->str, gbt_objective_names[k])) found = (int)k;
      if (found < 0) {
        om_errf(err, OM_INVALID, "option objective must be 'duration', 'squared', 'quantile', 'binary' or 'aft'");
        goto done;
      }
      o->objective = (gbt_objective)found;
      continue;
    }
    if (!strcmp(m->key, "aft_distribution")) {
      int found = -1;
      if (m->type == OM_JSON_STRING)
        for (k = 0; k < 3; k++)
          if (!strcmp(m->str, gbt_aft_dist_names[k])) found = (int)k;
      if (found < 0) {
        om_errf(err, OM_INVALID, "option aft_distribution must be 'normal', 'logistic' or 'extreme'");
        goto done;
      }
      o->aft_dist = (gbt_aft_dist)found;
      aft_key = "aft_distribution";
      continue;
    }
    if (!strcmp(m->key, "loss")) {
      int found = -1;
      if (m->type == OM_JSON_STRING)
        for (k = 0; k < 3; k++)
          if (!strcmp(m->str, gbt_loss_names[k])) found = (int)k;
      if (found < 0) {
        om_errf(err, OM_INVALID, "option loss must be 'squared', 'absolute' or 'ratio'");
        goto done;
      }
      o->loss = (gbt_loss)found;
      continue;
    }
    if (!strcmp(m->key, "offset")) {
      if (m->type != OM_JSON_STRING || !m->str[0]) {
        om_errf(err, OM_INVALID, "option offset must be the name of a numeric feature, e.g. \"last_duration\"");
        goto done;
      }
      sqlite3_free(*offset_name);
      *offset_name = sqlite3_mprintf("%s", m->str);
      if (!*offset_name) {
        *nomem = 1;
        goto done;
      }
      continue;
    }
    if (!strcmp(m->key, "max_rows")) { /* behaviour 12: the SQL layer's, not the core's */
      if (m->type != OM_JSON_NUMBER || m->is_bool || !(m->num >= 2 && m->num <= GBT_MAX_ROWS_OPT) ||
          m->num != floor(m->num)) {
        om_errf(err, OM_INVALID, "option max_rows must be an integer from 2 to %.0f", GBT_MAX_ROWS_OPT);
        goto done;
      }
      *max_rows = (uint64_t)m->num;
      continue;
    }
    for (k = 0; k < sizeof gbt_num_opts / sizeof gbt_num_opts[0]; k++)
      if (!strcmp(m->key, gbt_num_opts[k].key)) break;
    if (k == sizeof gbt_num_opts / sizeof gbt_num_opts[0]) {
      om_errf(err, OM_INVALID, "unknown option \"%.60s\"; accepted: %s", m->key, gbt_option_keys);
      goto done;
    }
    {
      const opt_num *d = &gbt_num_opts[k];
      double v = m->num;
      int ok = m->type == OM_JSON_NUMBER && !m->is_bool && isfinite(v);
      if (ok && d->is_int && v != floor(v)) ok = 0;
      if (ok && (d->lo_open ? !(v > d->lo) : !(v >= d->lo))) ok = 0;
      if (ok && (d->hi_open ? !(v < d->hi) : !(v <= d->hi))) ok = 0;
      if (!ok) {
        om_errf(err, OM_INVALID, "option %s must be %s", d->key, d->range);
        goto done;
      }
      set_num_opt(o, d->key, v);
      if (!strcmp(d->key, "aft_sigma")) aft_key = "aft_sigma";
    }
  }
  if (o->early_stopping_rounds > 0 && !(o->validation_fraction > 0)) {
    om_errf(err, OM_INVALID, "option early_stopping_rounds needs validation_fraction > 0");
    goto done;
  }
  if ((uint64_t)o->n_trees * o->bag > 100000) {
    om_errf(err, OM_INVALID, "options n_trees x bag must be at most 100000 trees, got %u x %u",
            o->n_trees, o->bag);
    goto done;
  }
  if (o->loss != GBT_LOSS_SQUARED && o->objective != GBT_DURATION &&
      (o->loss == GBT_LOSS_RATIO || o->objective != GBT_SQUARED)) {
    om_errf(err, OM_INVALID, "option loss '%s' needs objective %s", gbt_loss_names[o->loss],
            o->loss == GBT_LOSS_RATIO ? "'duration'" : "'duration' or 'squared'");
    goto done;
  }
  if (*offset_name && o->objective == GBT_BINARY) {
    om_errf(err, OM_INVALID, "option offset does not apply to objective 'binary'");
    goto done;
  }
  if (aft_key && o->objective != GBT_AFT) {
    om_errf(err, OM_INVALID, "option %s needs objective 'aft'", aft_key);
    goto done;
  }
  rc = 0;
done:
  om_json_obj_free(&obj);
  return rc;
}

/* The resolved options as canonical JSON (stored in the model's meta). */
static void gbt_options_json(const gbt_options *o, const char *offset_name, uint64_t max_rows, om_wbuf *w) {
  om_jw j;
  om_jw_init(&j, w);
  om_jw_begin_object(&j);
  om_jw_key(&j, "objective");
  om_jw_string(&j, omen_gbt_objective_name(o->objective));
  if (o->objective == GBT_AFT) {
    om_jw_key(&j, "aft_distribution");
    om_jw_string(&j, gbt_aft_dist_names[o->aft_dist]);
    om_jw_key(&j, "aft_sigma");
    om_jw_double(&j, o->aft_sigma);
  }
  /* loss and offset only when set: older models' options stay byte-identical */
  if (o->loss != GBT_LOSS_SQUARED) {
    om_jw_key(&j, "loss");
    om_jw_string(&j, gbt_loss_names[o->loss]);
  }
  if (o->loss == GBT_LOSS_RATIO) {
    om_jw_key(&j, "ratio_width");
    om_jw_double(&j, o->ratio_width);
  }
  if (offset_name) {
    om_jw_key(&j, "offset");
    om_jw_string(&j, offset_name);
  }
  om_jw_key(&j, "n_trees");
  om_jw_int(&j, o->n_trees);
  om_jw_key(&j, "max_depth");
  om_jw_int(&j, o->max_depth);
  om_jw_key(&j, "learning_rate");
  om_jw_double(&j, o->learning_rate);
  om_jw_key(&j, "min_child_weight");
  om_jw_double(&j, o->min_child_weight);
  om_jw_key(&j, "lambda");
  om_jw_double(&j, o->lambda);
  om_jw_key(&j, "subsample");
  om_jw_double(&j, o->subsample);
  om_jw_key(&j, "colsample");
  om_jw_double(&j, o->colsample);
  om_jw_key(&j, "max_bins");
  om_jw_int(&j, o->max_bins);
  om_jw_key(&j, "max_cat_threshold");
  om_jw_int(&j, o->max_cat_threshold);
  om_jw_key(&j, "seed");
  om_jw_uint(&j, o->seed);
  if (o->bag > 1) { /* absent at 1: models trained before bag existed keep their bytes */
    om_jw_key(&j, "bag");
    om_jw_int(&j, o->bag);
  }
  om_jw_key(&j, "alpha");
  om_jw_double(&j, o->alpha);
  om_jw_key(&j, "validation_fraction");
  om_jw_double(&j, o->validation_fraction);
  om_jw_key(&j, "early_stopping_rounds");
  om_jw_int(&j, o->early_stopping_rounds);
  om_jw_key(&j, "interval_coverage");
  om_jw_double(&j, o->interval_coverage);
  om_jw_key(&j, "calibration_fraction");
  om_jw_double(&j, o->calibration_fraction);
  if (max_rows) { /* only when set: other models keep their bytes */
    om_jw_key(&j, "max_rows");
    om_jw_uint(&j, max_rows);
  }
  om_jw_end_object(&j);
  /* threads is deliberately not stored: it does not change the model. */
}

/* ---------------------------------------------------------------- columns */

typedef struct gbt_col {
  char *name;      /* owned */
  size_t name_len;
  uint8_t type;    /* 0 unknown (only missing so far), FV_NUMERIC, FV_CATEGORICAL */
  uint64_t *v;     /* [cap]: double bits (numeric) or hash (categorical) */
  uint8_t *miss;   /* [cap]: 1 = missing */
} gbt_col;

/* One entry of a row shape: where its value is and which column gets it. */
typedef struct gbt_shape_entry {
  uint32_t value;  /* offset of its value (of the next entry for FV_MISSING) */
  uint32_t col;    /* index in gbt_agg.cols */
  uint8_t type;    /* fv_type */
} gbt_shape_entry;

/* The shape of a row read entry by entry (behaviour 10). */
#define GBT_SHAPES 4 /* shapes remembered (rows with and without missing values) */
typedef struct gbt_shape {
  uint8_t *blob;          /* a copy of its feature-vector BLOB */
  size_t len;             /* its length; 0 = unused */
  gbt_shape_entry *ent;
  uint32_t n, cap;
} gbt_shape;

typedef struct gbt_agg {
  int started;
  gbt_options opt;
  char *options_text; /* the first row's options text (NULL: none), to compare later rows */
  char *offset_name;  /* option offset (NULL: none); resolved to a feature when training */
  gbt_col *cols;      /* sorted by name */
  uint32_t n_cols, cap_cols;
  double *y;
  double *yu;         /* gbt_train(..., upper): the upper bounds (+inf: NULL), else NULL */
  size_t n_rows, cap_rows;
  uint64_t skipped;
  int failed;         /* an error was reported; ignore later rows */
  gbt_shape shapes[GBT_SHAPES]; /* the last rows read entry by entry (behaviour 10) */
  uint32_t next_shape;          /* the one to replace next */
  uint8_t *options_raw;         /* the first row's options as stored (behaviour 10) */
  size_t options_raw_len;
  uint64_t max_rows;  /* option max_rows (behaviour 12); 0: keep every row */
  uint64_t seen;      /* rows with a target read so far (kept or not) */
  uint64_t *order;    /* max_rows: the input position of the row in each slot */
  gbt_rng rng;        /* max_rows: the reservoir's draws */
} gbt_agg;

static void gbt_agg_free(gbt_agg *a) {
  for (uint32_t i = 0; i < a->n_cols; i++) {
    sqlite3_free(a->cols[i].name);
    sqlite3_free(a->cols[i].v);
    sqlite3_free(a->cols[i].miss);
  }
  sqlite3_free(a->cols);
  sqlite3_free(a->y);
  sqlite3_free(a->yu);
  sqlite3_free(a->options_text);
  sqlite3_free(a->offset_name);
  for (int i = 0; i < GBT_SHAPES; i++) {
    sqlite3_free(a->shapes[i].blob);
    sqlite3_free(a->shapes[i].ent);
  }
  sqlite3_free(a->options_raw);
  sqlite3_free(a->order);
  memset(a, 0, sizeof *a);
}

/* Grow every column and y to hold at least need rows. */
static int gbt_agg_grow_rows(gbt_agg *a, size_t need) {
  size_t cap;
  if (need <= a->cap_rows) return 0;
  cap = a->cap_rows ? a->cap_rows * 2 : 1024;
  while (cap < need) cap *= 2;
  if (a->max_rows && cap > a->max_rows + 1) cap = (size_t)a->max_rows + 1; /* + the slot of a row not kept */
  if (a->max_rows) {
    uint64_t *o = sqlite3_realloc64(a->order, cap * sizeof *o);
    if (!o) return 1;
    a->order = o;
  }
  {
    double *y = sqlite3_realloc64(a->y, cap * sizeof *y);
    if (!y) return 1;
    a->y = y;
    gbt_hint_large(a->y + a->cap_rows, (cap - a->cap_rows) * sizeof *y);
  }
  if (a->yu) {
    double *y = sqlite3_realloc64(a->yu, cap * sizeof *y);
    if (!y) return 1;
    a->yu = y;
  }
  for (uint32_t i = 0; i < a->n_cols; i++) {
    uint64_t *v = sqlite3_realloc64(a->cols[i].v, cap * sizeof *v);
    uint8_t *m;
    if (!v) return 1;
    a->cols[i].v = v;
    gbt_hint_large(v + a->cap_rows, (cap - a->cap_rows) * sizeof *v);
    m = sqlite3_realloc64(a->cols[i].miss, cap);
    if (!m) return 1;
    a->cols[i].miss = m;
  }
  a->cap_rows = cap;
  return 0;
}

/* Insert a new column at pos; rows before the current one are missing. */
static int gbt_agg_add_col(gbt_agg *a, uint32_t pos, const fv_entry *e) {
  gbt_col c;
  memset(&c, 0, sizeof c);
  if (a->n_cols == a->cap_cols) {
    uint32_t cap = a->cap_cols ? a->cap_cols * 2 : 16;
    gbt_col *p = sqlite3_realloc64(a->cols, (sqlite3_uint64)cap * sizeof *p);
    if (!p) return 1;
    a->cols = p;
    a->cap_cols = cap;
  }
  c.name = sqlite3_malloc64(e->name_len);
  c.v = sqlite3_malloc64((a->cap_rows ? a->cap_rows : 1) * sizeof *c.v);
  c.miss = sqlite3_malloc64(a->cap_rows ? a->cap_rows : 1);
  if (!c.name || !c.v || !c.miss) {
    sqlite3_free(c.name);
    sqlite3_free(c.v);
    sqlite3_free(c.miss);
    return 1;
  }
  memcpy(c.name, e->name, e->name_len);
  c.name_len = e->name_len;
  memset(c.miss, 1, a->n_rows);
  memset(c.v, 0, a->n_rows * sizeof *c.v);
  memmove(a->cols + pos + 1, a->cols + pos, (a->n_cols - pos) * sizeof *a->cols);
  a->cols[pos] = c;
  a->n_cols++;
  return 0;
}

static int gbt_configure(sqlite3_context *ctx, gbt_agg *a, int argc, sqlite3_value **argv) {
  const char *text;
  int n, nomem = 0;
  om_err err;
  if (omen_agg_options_text(ctx, GBT_TRAIN, argc >= 3 ? argv[2] : NULL, 3, &text, &n)) return 1;
  if (gbt_parse_options(text, (size_t)n, &a->opt, &a->offset_name, &a->max_rows, &err, &nomem)) {
    if (nomem) sqlite3_result_error_nomem(ctx);
    else omen_errorf(ctx, GBT_TRAIN, "%s", err.msg);
    return 1;
  }
  if (omen_agg_options_keep(ctx, text, n, &a->options_text)) return 1;
  if (a->max_rows) gbt_rng_seed(&a->rng, a->opt.seed ^ UINT64_C(0x7265736572766f69)); /* "reservoi" */
  if (argc >= 4) {
    /* behaviour 9: the upper bounds, for objective 'aft' only */
    if (a->opt.objective != GBT_AFT) {
      omen_errorf(ctx, GBT_TRAIN,
                  "upper (argument 4) needs objective 'aft' (censored durations); objective '%s' takes exact "
                  "targets: call gbt_train with 3 arguments",
                  omen_gbt_objective_name(a->opt.objective));
      return 1;
    }
    a->yu = sqlite3_malloc64((a->cap_rows ? a->cap_rows : 1) * sizeof *a->yu);
    if (!a->yu) {
      sqlite3_result_error_nomem(ctx);
      return 1;
    }
  }
  a->started = 1;
  return 0;
}

/* Behaviour 9: the upper bound of row argv (4th argument) for target y, into
** *u (+inf for NULL).  0, or 1 after setting the error. */
static int gbt_upper_arg(sqlite3_context *ctx, sqlite3_value *v, double y, double *u) {
  int t = sqlite3_value_type(v);
  if (t == SQLITE_NULL) {
    *u = INFINITY;
    return 0;
  }
  if (t != SQLITE_INTEGER && t != SQLITE_FLOAT) {
    omen_errorf(ctx, GBT_TRAIN, "upper (argument 4) is %s; expected a number, or NULL when the run did not finish "
                                "(right-censored)", omen_type_name(v));
    return 1;
  }
  *u = sqlite3_value_double(v);
  if (isnan(*u) || *u < y) {
    omen_errorf(ctx, GBT_TRAIN, "upper (argument 4) is %!.15g, below the target (argument 2) %!.15g; the upper bound "
                                "of a duration must be >= its lower bound", *u, y);
    return 1;
  }
  if (*u == 0) {
    omen_errorf(ctx, GBT_TRAIN, "upper (argument 4) is 0; objective 'aft' models log(duration), so an exact duration "
                                "must be > 0 (target 0 and upper 1 say it took less than 1 s)");
    return 1;
  }
  return 0;
}

/* Behaviour 10: a row whose BLOB has the length and, outside the values, the
** bytes of a row read entry by entry has its names, types and order, hence
** its columns; only its values need reading and checking (as fv_next does:
** numbers finite and not -0).  Fills row r and returns 1, or returns 0
** (nothing written) to read the row entry by entry. */
static int gbt_read_shape(gbt_agg *a, const gbt_shape *sh, const uint8_t *p, size_t n, size_t r) {
  uint32_t i, at = 0;
  if (sh->len == 0 || n != sh->len) return 0;
  for (i = 0; i < sh->n; i++) {
    const gbt_shape_entry *e = &sh->ent[i];
    if (memcmp(p + at, sh->blob + at, e->value - at) != 0) return 0;
    at = e->type == FV_MISSING ? e->value : e->value + 8;
    if (e->type == FV_NUMERIC) {
      double v = om_f64_from_bits(om_load_u64(p + e->value));
      if (!isfinite(v) || (v == 0 && signbit(v))) return 0; /* corrupt: fv_next says so */
    }
  }
  if (at != n) return 0;
  for (i = 0; i < a->n_cols; i++)
    a->cols[i].miss[r] = 1, a->cols[i].v[r] = 0;
  for (i = 0; i < sh->n; i++) {
    const gbt_shape_entry *e = &sh->ent[i];
    if (e->type == FV_MISSING) continue;
    a->cols[e->col].miss[r] = 0;
    a->cols[e->col].v[r] = om_load_u64(p + e->value); /* f64 bits or the hash */
  }
  return 1;
}

static int gbt_read_known_shape(gbt_agg *a, const uint8_t *p, size_t n, size_t r) {
  for (int i = 0; i < GBT_SHAPES; i++)
    if (gbt_read_shape(a, &a->shapes[i], p, n, r)) return 1;
  return 0;
}

/* Remembers the shape of the BLOB p of a row just read entry by entry (so
** valid, and every name has its column) in place of the oldest one.  Out of
** memory only leaves the slot unused. */
static void gbt_keep_shape(gbt_agg *a, const uint8_t *p, size_t n) {
  gbt_shape *sh = &a->shapes[a->next_shape];
  fv_reader it;
  fv_entry e;
  om_status st;
  om_err err;
  uint32_t pos = 0, k = 0;
  a->next_shape = (a->next_shape + 1) % GBT_SHAPES;
  sh->len = 0;
  if (n == 0 || n > UINT32_MAX || fv_open(&it, p, n, &err) != OM_OK) return;
  if (it.count > sh->cap) {
    gbt_shape_entry *q = sqlite3_realloc64(sh->ent, (sqlite3_uint64)it.count * sizeof *q);
    if (!q) return;
    sh->ent = q;
    sh->cap = it.count;
  }
  {
    uint8_t *q = sqlite3_realloc64(sh->blob, n);
    if (!q) return;
    sh->blob = q;
  }
  while (fv_next(&it, &e, &st, &err)) {
    gbt_shape_entry *se = &sh->ent[k++];
    while (pos < a->n_cols && fv_name_cmp(a->cols[pos].name, a->cols[pos].name_len, e.name, e.name_len) < 0)
      pos++;
    if (pos == a->n_cols) return;
    se->value = (uint32_t)((const uint8_t *)e.name + e.name_len - p);
    se->col = pos++;
    se->type = (uint8_t)e.type;
  }
  if (st != OM_OK || k != it.count) return;
  memcpy(sh->blob, p, n);
  sh->n = k;
  sh->len = n;
}

/* Behaviour 10: the first row's options exactly as stored (values in a
** statement are all in the database's encoding), for a byte comparison with
** later rows; none kept (NULL, not TEXT, out of memory) only means the slow
** comparison. */
static void gbt_keep_options_raw(gbt_agg *a, int argc, sqlite3_value **argv) {
  const void *p;
  int n;
  if (argc < 3 || sqlite3_value_type(argv[2]) != SQLITE_TEXT) return;
  p = sqlite3_value_blob(argv[2]);
  n = sqlite3_value_bytes(argv[2]);
  if (!p || n <= 0 || !(a->options_raw = sqlite3_malloc64((sqlite3_uint64)n))) return;
  memcpy(a->options_raw, p, (size_t)n);
  a->options_raw_len = (size_t)n;
}

static int gbt_options_same_raw(const gbt_agg *a, sqlite3_value *v) {
  const void *p;
  if (!a->options_raw || sqlite3_value_type(v) != SQLITE_TEXT) return 0;
  p = sqlite3_value_blob(v);
  return p && (size_t)sqlite3_value_bytes(v) == a->options_raw_len &&
         memcmp(p, a->options_raw, a->options_raw_len) == 0;
}

/* Behaviour 12: the slot row number a->seen goes to.  Without max_rows, or
** until max_rows rows are kept, the next free one; then, as in Vitter's
** algorithm R, slot j for a uniform draw j in [0, seen] when j < max_rows,
** else the spare slot max_rows, read and checked like any row, then dropped. */
static size_t gbt_reservoir_slot(gbt_agg *a) {
  uint64_t j;
  if (!a->max_rows || a->n_rows < a->max_rows) return a->n_rows;
  j = gbt_rng_below(&a->rng, a->seen + 1);
  return (size_t)(j < a->max_rows ? j : a->max_rows);
}

static int gbt_cmp_u64_pair(const void *x, const void *y) {
  const uint64_t *p = x, *q = y;
  return p[0] < q[0] ? -1 : p[0] > q[0];
}

/* Behaviour 12: put the kept rows back in input order (so validation and
** calibration rows are still the latest), and give the spare capacity of the
** columns back before training (realloc to n_rows: large blocks shrink in
** place).  Returns 1 when out of memory. */
static int gbt_agg_finish_rows(gbt_agg *a) {
  size_t n = a->n_rows;
  if (a->max_rows && a->seen > a->max_rows) {
    uint64_t *pairs = sqlite3_malloc64((sqlite3_uint64)n * 2 * sizeof *pairs);
    uint64_t *tmp;
    if (!pairs) return 1;
    for (size_t i = 0; i < n; i++) pairs[2 * i] = a->order[i], pairs[2 * i + 1] = i;
    qsort(pairs, n, 2 * sizeof *pairs, gbt_cmp_u64_pair);
    tmp = sqlite3_malloc64((sqlite3_uint64)n * sizeof *tmp);
    if (!tmp) {
      sqlite3_free(pairs);
      return 1;
    }
    /* y, yu and the values are 8-byte cells; the missing flags use tmp's bytes */
    for (int k = -2; k < (int)a->n_cols; k++) {
      uint8_t *v = k == -2 ? (uint8_t *)a->y : k == -1 ? (uint8_t *)a->yu : (uint8_t *)a->cols[k].v;
      if (!v) continue;
      for (size_t i = 0; i < n; i++) memcpy(&tmp[i], v + 8 * pairs[2 * i + 1], 8);
      memcpy(v, tmp, n * 8);
    }
    for (uint32_t k = 0; k < a->n_cols; k++) {
      uint8_t *m = a->cols[k].miss, *t = (uint8_t *)tmp;
      for (size_t i = 0; i < n; i++) t[i] = m[pairs[2 * i + 1]];
      memcpy(m, t, n);
    }
    sqlite3_free(tmp);
    sqlite3_free(pairs);
  }
  sqlite3_free(a->order);
  a->order = NULL;
  if (n < a->cap_rows) { /* shrinking cannot fail for lack of memory; keep the old block if it does */
    void *p;
    if ((p = sqlite3_realloc64(a->y, n * sizeof *a->y))) a->y = p;
    if (a->yu && (p = sqlite3_realloc64(a->yu, n * sizeof *a->yu))) a->yu = p;
    for (uint32_t k = 0; k < a->n_cols; k++) {
      if ((p = sqlite3_realloc64(a->cols[k].v, n * sizeof *a->cols[k].v))) a->cols[k].v = p;
      if ((p = sqlite3_realloc64(a->cols[k].miss, n))) a->cols[k].miss = p;
    }
    a->cap_rows = n; /* no row is added after this */
  }
  return 0;
}

void gbtTrainStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  gbt_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  fv_reader it;
  fv_entry e;
  om_err err;
  om_status st;
  double y, yu = 0;
  uint32_t pos = 0;
  size_t r, blob_len;
  const uint8_t *blob;
  int yt;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (a->failed) return;
  if (!a->started) {
    gbt_keep_options_raw(a, argc, argv); /* before gbt_configure reads it as UTF-8 */
    if (gbt_configure(ctx, a, argc, argv)) goto fail;
  } else if (argc >= 3 && !gbt_options_same_raw(a, argv[2]) &&
             omen_agg_options_changed(ctx, GBT_TRAIN, argv[2], a->options_text)) {
    goto fail;
  }
  yt = sqlite3_value_type(argv[1]);
  if (yt == SQLITE_NULL || sqlite3_value_type(argv[0]) == SQLITE_NULL) {
    a->skipped++;
    return;
  }
  if (yt != SQLITE_INTEGER && yt != SQLITE_FLOAT) {
    omen_errorf(ctx, GBT_TRAIN, "target (argument 2) is %s; expected a number%s", omen_type_name(argv[1]),
                sqlite3_value_type(argv[1]) == SQLITE_TEXT
                    ? " (a number stored as TEXT, e.g. by the shell's .import? CAST it AS REAL)"
                    : "");
    goto fail;
  }
  y = sqlite3_value_double(argv[1]);
  if (!isfinite(y)) {
    omen_errorf(ctx, GBT_TRAIN, "target (argument 2) is not a finite number");
    goto fail;
  }
  if ((a->opt.objective == GBT_DURATION || a->opt.objective == GBT_AFT) && y < 0) {
    omen_errorf(ctx, GBT_TRAIN, "target (argument 2) is %!.15g; objective '%s' needs targets >= 0", y,
                omen_gbt_objective_name(a->opt.objective));
    goto fail;
  }
  if (a->opt.objective == GBT_AFT && !a->yu && y == 0) {
    omen_errorf(ctx, GBT_TRAIN, "target (argument 2) is 0; objective 'aft' models log(duration), so an exact "
                                "duration must be > 0 (for a run too short to time, pass an upper bound as the 4th "
                                "argument: target 0 and upper 1 say it took less than 1 s)");
    goto fail;
  }
  if (a->yu && gbt_upper_arg(ctx, argv[3], y, &yu)) goto fail;
  if ((a->opt.objective == GBT_SQUARED || a->opt.objective == GBT_QUANTILE) && fabs(y) > GBT_MAX_ABS_TARGET) {
    omen_errorf(ctx, GBT_TRAIN,
                "target (argument 2) is %!.15g; objective '%s' needs targets from -1e140 to 1e140 "
                "(rescale it, e.g. divide it by a power of 10)",
                y, omen_gbt_objective_name(a->opt.objective));
    goto fail;
  }
  if (a->opt.objective == GBT_BINARY && y != 0 && y != 1) {
    omen_errorf(ctx, GBT_TRAIN, "target (argument 2) is %!.15g; objective 'binary' needs targets 0 or 1", y);
    goto fail;
  }
  if (sqlite3_value_type(argv[0]) != SQLITE_BLOB) {
    omen_errorf(ctx, GBT_TRAIN, "features (argument 1) is %s; expected a feature vector (a BLOB made by feature_vector())",
                omen_type_name(argv[0]));
    goto fail;
  }
  blob = sqlite3_value_blob(argv[0]);
  blob_len = (size_t)sqlite3_value_bytes(argv[0]);
  if (gbt_agg_grow_rows(a, a->n_rows + 1)) goto nomem;
  r = gbt_reservoir_slot(a);
  if (blob && gbt_read_known_shape(a, blob, blob_len, r)) goto stored;
  /* One pass: entries are checked as they are read.  A malformed entry fails
  ** the whole aggregate, so a half-read row (never counted) does not matter. */
  st = fv_open(&it, blob, blob_len, &err);
  if (st != OM_OK) {
    omen_result_status(ctx, GBT_TRAIN, st, &err);
    goto fail;
  }
  for (uint32_t i = 0; i < a->n_cols; i++) a->cols[i].miss[r] = 1, a->cols[i].v[r] = 0;
  while (fv_next(&it, &e, &st, &err)) {
    int c = 1;
    gbt_col *col;
    while (pos < a->n_cols && (c = fv_name_cmp(a->cols[pos].name, a->cols[pos].name_len, e.name, e.name_len)) < 0)
      pos++;
    if (pos == a->n_cols || c != 0) {
      if (a->n_cols >= GBT_MAX_FEATURES - 1 || a->n_cols >= FV_MAX_COUNT) {
        omen_errorf(ctx, GBT_TRAIN, "more than %d distinct features", FV_MAX_COUNT);
        goto fail;
      }
      if (gbt_agg_add_col(a, pos, &e)) goto nomem;
      for (int i = 0; i < GBT_SHAPES; i++)
        a->shapes[i].len = 0; /* their column indices moved */
      a->cols[pos].miss[r] = 1;
      a->cols[pos].v[r] = 0;
    }
    col = &a->cols[pos++];
    if (e.type == FV_MISSING) continue;
    if (col->type == 0) col->type = (uint8_t)e.type;
    else if (col->type != e.type) {
      omen_errorf(ctx, GBT_TRAIN, "feature \"%.*s\" is %s in one row and %s in another", (int)e.name_len, e.name,
                  fv_type_name((fv_type)col->type), fv_type_name(e.type));
      goto fail;
    }
    col->miss[r] = 0;
    col->v[r] = e.type == FV_NUMERIC ? om_f64_bits(e.num) : e.cat;
  }
  if (st != OM_OK) {
    omen_result_status(ctx, GBT_TRAIN, st, &err);
    goto fail;
  }
  gbt_keep_shape(a, blob, blob_len);
stored:
  a->y[r] = y;
  if (a->yu) a->yu[r] = yu;
  if (a->max_rows) {
    if (r < a->max_rows) a->order[r] = a->seen;
    if (a->n_rows < a->max_rows) a->n_rows++;
  } else {
    a->n_rows++;
  }
  a->seen++;
  return;
nomem:
  sqlite3_result_error_nomem(ctx);
fail:
  a->failed = 1;
}

/* The feature schema and gbt columns in schema (name) order. */
static void gbt_build_data(gbt_agg *a, gbt_column *cols, mdl_feature *feats) {
  for (uint32_t i = 0; i < a->n_cols; i++) {
    gbt_col *c = &a->cols[i];
    if (c->type == 0) c->type = FV_NUMERIC;
    feats[i].name = c->name;
    feats[i].name_len = c->name_len;
    feats[i].type = c->type;
    memset(&cols[i], 0, sizeof cols[i]);
    cols[i].is_cat = c->type == FV_CATEGORICAL;
    if (cols[i].is_cat) {
      cols[i].cat = c->v;
      cols[i].cat_missing = c->miss;
    } else {
      double *d = (double *)c->v; /* same size; rewrite missing as NaN in place */
      for (size_t r = 0; r < a->n_rows; r++)
        if (c->miss[r]) d[r] = NAN;
        else d[r] = om_f64_from_bits(c->v[r]);
      cols[i].num = d;
    }
  }
}

static void gbt_metrics_json(const gbt_model *m, const gbt_agg *a, om_wbuf *w) {
  om_jw j;
  om_jw_init(&j, w);
  om_jw_begin_object(&j);
  om_jw_key(&j, "trees");
  om_jw_int(&j, gbt_model_n_trees(m));
  om_jw_key(&j, "rounds");
  om_jw_int(&j, gbt_model_n_rounds(m));
  om_jw_key(&j, "best_iteration");
  om_jw_int(&j, gbt_model_best_iteration(m));
  om_jw_key(&j, "nodes");
  om_jw_int(&j, gbt_model_n_nodes(m));
  om_jw_key(&j, "validation_metric");
  om_jw_double(&j, gbt_model_valid_metric(m));
  om_jw_key(&j, "base_score");
  om_jw_double(&j, gbt_model_base_score(m));
  om_jw_key(&j, "calibration_rows");
  om_jw_uint(&j, gbt_model_n_calibration(m));
  om_jw_key(&j, "calibration_residuals");
  om_jw_int(&j, gbt_model_n_residuals(m));
  if (a->max_rows) { /* behaviour 12: how many rows the sample was drawn from */
    om_jw_key(&j, "rows_read");
    om_jw_uint(&j, a->seen);
  }
  om_jw_end_object(&j);
}

/* The training profile (mdl_profile.h) of the columns as gbt_build_data
** left them: numeric missing values are NaN, categorical ones flagged.
** Fed column by column: the builder's state is per feature, so this is the
** profile of the rows in order. */
static om_status gbt_profile(const gbt_agg *a, const gbt_column *cols, const mdl_feature *feats, mdl_profile *out,
                             om_err *err) {
  mdl_pbuild *b = NULL;
  uint32_t *slots = NULL;
  om_status st = mdl_pb_new(&b, err);
  if (st != OM_OK) return st;
  slots = sqlite3_malloc64((sqlite3_uint64)a->n_cols * sizeof *slots);
  if (!slots) {
    st = om_errf(err, OM_NOMEM, "out of memory");
    goto done;
  }
  for (uint32_t i = 0; i < a->n_cols && st == OM_OK; i++) {
    const gbt_column *c = &cols[i];
    if ((st = mdl_pb_feature(b, feats[i].type, &slots[i], err)) != OM_OK) break;
    for (size_t r = 0; r < a->n_rows && st == OM_OK; r++) {
      if (c->is_cat) {
        if (!c->cat_missing[r]) st = mdl_pb_cat(b, slots[i], c->cat[r], err);
      } else if (!isnan(c->num[r])) {
        st = mdl_pb_num(b, slots[i], c->num[r], err);
      }
    }
  }
  mdl_pb_rows(b, a->n_rows);
  if (st == OM_OK) st = mdl_pb_finish(b, feats, slots, a->n_cols, out, err);
done:
  sqlite3_free(slots);
  mdl_pb_free(b);
  return st;
}

/* Behaviour 8: refuse, before training, options whose largest possible
** model would not fit in a BLOB (SQLITE_LIMIT_LENGTH).  The envelope adds
** the feature names and at most 4 KiB (header, options and metrics JSON). */
static int gbt_size_check(sqlite3_context *ctx, const gbt_agg *a, const mdl_feature *feats) {
  sqlite3_uint64 bound, envelope = 4096;
  uint64_t leaves = 0;
  int any_cat = 0, limit = sqlite3_limit(sqlite3_context_db_handle(ctx), SQLITE_LIMIT_LENGTH, -1);
  for (uint32_t i = 0; i < a->n_cols; i++) {
    envelope += feats[i].name_len + 8 + 200; /* name, and its profile record (at most 184 bytes) */
    if (feats[i].type == FV_CATEGORICAL) any_cat = 1;
  }
  bound = gbt_payload_bound(&a->opt, a->n_rows, a->n_cols, any_cat, &leaves);
  bound = bound > UINT64_MAX - envelope ? UINT64_MAX : bound + envelope;
  if (bound <= (sqlite3_uint64)limit) return 0;
  omen_errorf(ctx, GBT_TRAIN,
              "the model could take up to %llu bytes (%llu trees of up to %llu leaves), more than SQLite's "
              "BLOB limit of %d bytes (SQLITE_LIMIT_LENGTH); use fewer n_trees or a smaller max_depth",
              (unsigned long long)bound, (unsigned long long)a->opt.n_trees * a->opt.bag,
              (unsigned long long)leaves, limit);
  return 1;
}

/* Opens the envelope and decodes its payload through the kind table, as
** model_save() and the scorers do; OM_OK when both succeed. */
static om_status gbt_check_blob(const uint8_t *blob, size_t n, om_err *err) {
  mdl_view v;
  const mdl_kind_def *k;
  void *m;
  om_status st = mdl_decode(blob, n, &v, &k, &m, err);
  if (st != OM_OK) return st;
  k->close(m);
  mdl_view_free(&v);
  return OM_OK;
}

void gbtTrainFinal(sqlite3_context *ctx) {
  gbt_agg *a = sqlite3_aggregate_context(ctx, 0);
  gbt_column *cols = NULL;
  mdl_feature *feats = NULL;
  gbt_model *model = NULL;
  gbt_data d;
  om_wbuf payload, opts, metrics, out;
  om_interrupt intr = omen_interrupt_for(ctx);
  mdl_meta meta;
  mdl_profile prof;
  om_err err;
  om_status st;
  uint16_t payload_format;
  memset(&prof, 0, sizeof prof);
  om_wbuf_init(&payload);
  om_wbuf_init(&opts);
  om_wbuf_init(&metrics);
  om_wbuf_init(&out);
  if (!a) return;
  if (a->failed || !a->started) goto done;
  if (a->n_rows == 0) goto done; /* no usable rows: NULL */
  if (a->n_cols == 0) {
    omen_errorf(ctx, GBT_TRAIN, "the feature vectors hold no features");
    goto done;
  }
  if (a->n_rows < 2) {
    omen_errorf(ctx, GBT_TRAIN, "needs at least 2 rows with a target; got %lld", (long long)a->n_rows);
    goto done;
  }
  if (gbt_agg_finish_rows(a)) goto nomem;
  cols = sqlite3_malloc64((sqlite3_uint64)a->n_cols * sizeof *cols);
  feats = sqlite3_malloc64((sqlite3_uint64)a->n_cols * sizeof *feats);
  if (!cols || !feats) goto nomem;
  gbt_build_data(a, cols, feats);
  if (a->offset_name) {
    uint32_t f;
    size_t len = strlen(a->offset_name);
    for (f = 0; f < a->n_cols; f++)
      if (a->cols[f].name_len == len && !memcmp(a->cols[f].name, a->offset_name, len)) break;
    if (f == a->n_cols) {
      omen_errorf(ctx, GBT_TRAIN, "option offset names \"%s\", which is not a feature of any row", a->offset_name);
      goto done;
    }
    if (a->cols[f].type == FV_CATEGORICAL) {
      omen_errorf(ctx, GBT_TRAIN, "option offset names \"%s\", a categorical feature; it must be numeric",
                  a->offset_name);
      goto done;
    }
    a->opt.offset_feature = f;
  }
  if (gbt_size_check(ctx, a, feats)) goto done;
  st = gbt_profile(a, cols, feats, &prof, &err);
  if (st != OM_OK) {
    omen_result_status(ctx, GBT_TRAIN, st, &err);
    goto done;
  }
  d.n_rows = a->n_rows;
  d.n_features = a->n_cols;
  d.cols = cols;
  d.y = a->y;
  d.y_upper = a->yu;
  st = gbt_train(&d, &a->opt, &intr, &model, &err);
  if (st != OM_OK) {
    if (st == OM_INTERRUPTED) sqlite3_result_error_code(ctx, SQLITE_INTERRUPT);
    else omen_result_status(ctx, GBT_TRAIN, st, &err);
    goto done;
  }
  st = gbt_encode(model, &payload);
  if (st != OM_OK) goto nomem;
  gbt_options_json(&a->opt, a->offset_name, a->max_rows, &opts);
  gbt_metrics_json(model, a, &metrics);
  payload_format = gbt_payload_format(model);
  gbt_free(model); /* the payload holds it now; free it before the envelope copy */
  model = NULL;
  if (om_wbuf_status(&opts) != OM_OK || om_wbuf_status(&metrics) != OM_OK) goto nomem;
  memset(&meta, 0, sizeof meta);
  meta.rows_used = a->n_rows;
  meta.rows_skipped = a->skipped;
  meta.seed = a->opt.seed;
  meta.options_json = (const char *)opts.data;
  meta.options_len = opts.len;
  meta.metrics_json = (const char *)metrics.data;
  meta.metrics_len = metrics.len;
  st = mdl_write_profiled(&out, MDL_KIND_GBT, payload_format, feats, a->n_cols, &meta, &prof, payload.data,
                          payload.len, &err);
  if (st != OM_OK) {
    omen_result_status(ctx, GBT_TRAIN, st, &err);
    goto done;
  }
  om_wbuf_free(&payload);
  /* Behaviour 7: what we return must load with the decoder model_save() and
  ** the predict functions use. */
  st = gbt_check_blob(out.data, out.len, &err);
  if (st == OM_NOMEM) goto nomem;
  if (st != OM_OK) {
    omen_errorf(ctx, GBT_TRAIN, "the trained model would not load (%s); rescale the target or use a smaller learning_rate",
                err.msg);
    goto done;
  }
  {
    size_t len;
    uint8_t *blob = om_wbuf_take(&out, &len);
    sqlite3_result_blob64(ctx, blob, len, sqlite3_free); /* om_malloc is sqlite3_malloc64 */
  }
  goto done;
nomem:
  sqlite3_result_error_nomem(ctx);
done:
  gbt_free(model);
  mdl_profile_free(&prof);
  sqlite3_free(cols);
  sqlite3_free(feats);
  om_wbuf_free(&payload);
  om_wbuf_free(&opts);
  om_wbuf_free(&metrics);
  om_wbuf_free(&out);
  gbt_agg_free(a);
}
