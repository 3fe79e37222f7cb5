/*
** test_scl.c — unit tests of the scaler model kind (ext/core/prep/scl.h).
**
**   make build/unit/test_scl && ./build/unit/test_scl
**
** Covers, by the numbered behaviours of scl.h:
**   - training on five hand-made rows against hand-computed centres and
**     scales for standard, robust and minmax (including an even count for the
**     robust quartiles);
**   1. categorical features recorded and passed through, missing values
**      ignored by training and kept by transform;
**   2. a constant feature (or one with no values) gets scale 1; a feature
**      whose spread overflows a double is an error, never a silent scale 1;
**   3. a numeric/categorical conflict between rows is an error naming it;
**   4. transform: unknown features pass through, a type mismatch and a
**      non-finite result are errors;
**   5. the payload decoder's checks (kind, payload version, method, reserved
**      bytes, length, centre/scale values);
**   and an OOM loop over train → finish → open → transform for each method:
**   every failure is OM_NOMEM and leaves no block allocated.
*/
#include <math.h>
#include <stdlib.h>

#include "fv.h"
#include "mdl.h"
#include "om_test.h"
#include "scl.h"

/* ------------------------------------------------------------ helpers */

/* A row is a list of specs: "name=1.5" numeric, "name:text" categorical,
** "name" missing.  Encoded with fv_encode into w (reset first). */
static om_status row_encode(const char *const *spec, size_t n, om_wbuf *w) {
  fv_entry e[64];
  static char names[64][64];
  om_err err;
  om_wbuf_reset(w);
  for (size_t i = 0; i < n; i++) {
    const char *s = spec[i];
    size_t k = strcspn(s, "=:");
    memcpy(names[i], s, k);
    names[i][k] = 0;
    memset(&e[i], 0, sizeof e[i]);
    e[i].name = names[i];
    e[i].name_len = k;
    if (s[k] == '=') {
      e[i].type = FV_NUMERIC;
      e[i].num = strtod(s + k + 1, NULL);
    } else if (s[k] == ':') {
      e[i].type = FV_CATEGORICAL;
      e[i].cat = fv_hash_category(s + k + 1, strlen(s + k + 1));
    } else {
      e[i].type = FV_MISSING;
    }
  }
  return fv_encode(e, n, w, &err);
}

#define ROW(...)                                                                                                     \
  do {                                                                                                               \
    static const char *const spec_[] = {__VA_ARGS__};                                                                \
    rows[n_rows].n = sizeof spec_ / sizeof spec_[0];                                                                 \
    rows[n_rows].spec = spec_;                                                                                       \
    n_rows++;                                                                                                        \
  } while (0)

typedef struct row_def {
  const char *const *spec;
  size_t n;
} row_def;

static row_def rows[16];
static size_t n_rows;

/* The five training rows of the hand-computed tests:
**   x: 1 2 3 4 10        w: 1 2 3 4 (row 5 has no w)   y: 5 . 7 . .
**   c: 3 in every row    h: categorical                 m: always missing */
static void define_rows(void) {
  n_rows = 0;
  ROW("x=1", "y=5", "c=3", "h:a", "m", "w=1");
  ROW("x=2", "y", "c=3", "h:b", "w=2");
  ROW("w=3", "c=3", "y=7", "x=3");
  ROW("x=4", "c=3", "m", "w=4");
  ROW("x=10", "c=3", "h:a");
}

/* Train on rows[0..n_rows) in the given order (NULL: as defined). */
static om_status train(scl_method method, const size_t *order, om_wbuf *model, om_err *err) {
  scl_accum a;
  om_wbuf row;
  om_status st = OM_OK;
  om_wbuf_init(&row);
  scl_accum_init(&a, method);
  for (size_t r = 0; r < n_rows && st == OM_OK; r++) {
    const row_def *d = &rows[order ? order[r] : r];
    st = row_encode(d->spec, d->n, &row);
    if (st == OM_OK) st = scl_accum_add(&a, row.data, row.len, err);
  }
  if (st == OM_OK) st = scl_accum_finish(&a, model, err);
  scl_accum_free(&a);
  om_wbuf_free(&row);
  return st;
}

static long feature_index(const scl_model *m, const char *name) {
  return mdl_find_feature(&m->view, name, strlen(name));
}

/* Transform one row and return the value of feature `name` (NAN when it is
** missing, -1e300 when absent); *type gets its type. */
static double transformed(const scl_model *m, const char *const *spec, size_t n, const char *name, fv_type *type,
                          om_status *st, om_err *err) {
  om_wbuf in, out;
  fv_reader it;
  fv_entry e;
  double v = -1e300;
  om_wbuf_init(&in);
  om_wbuf_init(&out);
  *st = row_encode(spec, n, &in);
  if (*st == OM_OK) *st = scl_transform(m, in.data, in.len, &out, err);
  if (*st == OM_OK) {
    om_status st2;
    CHECK(fv_validate(out.data, out.len, err) == OM_OK);
    CHECK(fv_open(&it, out.data, out.len, err) == OM_OK);
    while (fv_next(&it, &e, &st2, err)) {
      if (e.name_len == strlen(name) && memcmp(e.name, name, e.name_len) == 0) {
        *type = e.type;
        v = e.type == FV_NUMERIC ? e.num : e.type == FV_MISSING ? NAN : (double)(e.cat & 0xffff);
      }
    }
  }
  om_wbuf_free(&in);
  om_wbuf_free(&out);
  return v;
}

/* ------------------------------------------------------------ tests */

typedef struct expect_feat {
  const char *name;
  uint8_t type;
  double center, scale;
} expect_feat;

static void check_model(scl_method method, const expect_feat *want, size_t n_want) {
  om_wbuf w;
  om_err err;
  scl_model m;
  char opts[64];
  om_wbuf_init(&w);
  CHECK(train(method, NULL, &w, &err) == OM_OK);
  CHECK(scl_model_open(w.data, w.len, &m, &err) == OM_OK);
  CHECK(m.method == method);
  CHECK(m.view.kind == MDL_KIND_SCALER && m.view.payload_version == SCL_PAYLOAD_VERSION);
  CHECK(m.view.meta.rows_used == 5 && m.view.meta.rows_skipped == 0 && m.view.meta.created_at == 0);
  snprintf(opts, sizeof opts, "{\"method\":\"%s\"}", scl_method_name(method));
  CHECK(m.view.meta.options_len == strlen(opts) && memcmp(m.view.meta.options_json, opts, strlen(opts)) == 0);
  CHECK(m.view.n_features == n_want);
  for (size_t i = 0; i < n_want && i < m.view.n_features; i++) {
    CHECK_MSG(m.view.features[i].name_len == strlen(want[i].name) &&
                  memcmp(m.view.features[i].name, want[i].name, m.view.features[i].name_len) == 0,
              "%s: feature %zu", scl_method_name(method), i);
    CHECK_MSG(m.view.features[i].type == want[i].type, "%s: %s type", scl_method_name(method), want[i].name);
    CHECK_MSG(om_close(m.center[i], want[i].center, 1e-15, 0), "%s: %s center %.17g want %.17g",
              scl_method_name(method), want[i].name, m.center[i], want[i].center);
    CHECK_MSG(om_close(m.scale[i], want[i].scale, 1e-15, 0), "%s: %s scale %.17g want %.17g", scl_method_name(method),
              want[i].name, m.scale[i], want[i].scale);
  }
  scl_model_free(&m);
  om_wbuf_free(&w);
}

static void test_training(void) {
  /* Features in schema (name) order: c h m w x y. */
  const expect_feat standard[] = {
      {"c", FV_NUMERIC, 3, 1},              /* constant → scale 1 */
      {"h", FV_CATEGORICAL, 0, 1},          /* categorical: 0 and 1 */
      {"m", FV_NUMERIC, 0, 1},              /* only missing: numeric, 0 and 1 */
      {"w", FV_NUMERIC, 2.5, sqrt(1.25)},   /* mean 2.5, var (2.25+.25+.25+2.25)/4 */
      {"x", FV_NUMERIC, 4, sqrt(10.0)},     /* mean 4, var (9+4+1+0+36)/5 = 10 */
      {"y", FV_NUMERIC, 6, 1},              /* mean 6, var (1+1)/2 */
  };
  const expect_feat robust[] = {
      {"c", FV_NUMERIC, 3, 1},
      {"h", FV_CATEGORICAL, 0, 1},
      {"m", FV_NUMERIC, 0, 1},
      {"w", FV_NUMERIC, 2.5, 1.5},  /* 1 2 3 4: median 2.5, q25 at 0.75 → 1.75, q75 at 2.25 → 3.25 */
      {"x", FV_NUMERIC, 3, 2},      /* 1 2 3 4 10: median 3, q25 2, q75 4 */
      {"y", FV_NUMERIC, 6, 1},      /* 5 7: median 6, q25 5.5, q75 6.5 */
  };
  const expect_feat minmax[] = {
      {"c", FV_NUMERIC, 3, 1},
      {"h", FV_CATEGORICAL, 0, 1},
      {"m", FV_NUMERIC, 0, 1},
      {"w", FV_NUMERIC, 1, 3},
      {"x", FV_NUMERIC, 1, 9},
      {"y", FV_NUMERIC, 5, 2},
  };
  define_rows();
  check_model(SCL_STANDARD, standard, 6);
  check_model(SCL_ROBUST, robust, 6);
  check_model(SCL_MINMAX, minmax, 6);
}

static void test_determinism(void) {
  static const size_t reversed[5] = {4, 3, 2, 1, 0}, shuffled[5] = {2, 0, 4, 1, 3};
  om_wbuf a, b, c;
  om_err err;
  define_rows();
  for (int method = SCL_STANDARD; method <= SCL_MINMAX; method++) {
    om_wbuf_init(&a);
    om_wbuf_init(&b);
    om_wbuf_init(&c);
    CHECK(train((scl_method)method, NULL, &a, &err) == OM_OK);
    CHECK(train((scl_method)method, NULL, &b, &err) == OM_OK);
    CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    if (method != SCL_STANDARD) { /* order-free statistics give order-free bytes */
      om_wbuf_reset(&b);
      CHECK(train((scl_method)method, reversed, &b, &err) == OM_OK);
      CHECK(train((scl_method)method, shuffled, &c, &err) == OM_OK);
      CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
      CHECK(a.len == c.len && memcmp(a.data, c.data, a.len) == 0);
    }
    om_wbuf_free(&a);
    om_wbuf_free(&b);
    om_wbuf_free(&c);
  }
}

static void test_transform(void) {
  om_wbuf w;
  om_err err;
  scl_model m;
  om_status st;
  fv_type t = FV_MISSING;
  double v;
  static const char *const row[] = {"x=10", "y", "h:zzz", "q=99", "c=3", "w=2.5", "m=7"};
  static const char *const row_cat[] = {"x:oops"};
  static const char *const row_num_h[] = {"h=1"};
  static const char *const row_missing_h[] = {"h", "x"};
  define_rows();
  om_wbuf_init(&w);
  CHECK(train(SCL_STANDARD, NULL, &w, &err) == OM_OK);
  CHECK(scl_model_open(w.data, w.len, &m, &err) == OM_OK);
  CHECK(feature_index(&m, "x") == 4);

  v = transformed(&m, row, 7, "x", &t, &st, &err);
  CHECK(st == OM_OK && t == FV_NUMERIC);
  CHECK_CLOSE(v, 6 / sqrt(10.0), 1e-15);
  v = transformed(&m, row, 7, "y", &t, &st, &err);
  CHECK(st == OM_OK && t == FV_MISSING && isnan(v)); /* missing stays missing */
  v = transformed(&m, row, 7, "h", &t, &st, &err);
  CHECK(st == OM_OK && t == FV_CATEGORICAL && v == (double)(fv_hash_category("zzz", 3) & 0xffff)); /* unchanged */
  v = transformed(&m, row, 7, "q", &t, &st, &err);
  CHECK(st == OM_OK && t == FV_NUMERIC && v == 99); /* unknown to the model: unchanged */
  v = transformed(&m, row, 7, "c", &t, &st, &err);
  CHECK(st == OM_OK && v == 0); /* (3 - 3) / 1 */
  v = transformed(&m, row, 7, "w", &t, &st, &err);
  CHECK(st == OM_OK && v == 0);
  v = transformed(&m, row, 7, "m", &t, &st, &err);
  CHECK(st == OM_OK && v == 7); /* centre 0, scale 1 */
  v = transformed(&m, row_missing_h, 2, "x", &t, &st, &err);
  CHECK(st == OM_OK && t == FV_MISSING);

  /* The output BLOB has the same entries, in the same order. */
  {
    om_wbuf in, out;
    om_wbuf_init(&in);
    om_wbuf_init(&out);
    CHECK(row_encode(row, 7, &in) == OM_OK);
    CHECK(scl_transform(&m, in.data, in.len, &out, &err) == OM_OK);
    CHECK(out.len == in.len && memcmp(out.data, in.data, FV_HEADER_SIZE) == 0);
    /* corrupt input */
    in.data[5] = 1; /* reserved header byte */
    om_wbuf_reset(&out);
    CHECK(scl_transform(&m, in.data, in.len, &out, &err) == OM_CORRUPT);
    om_wbuf_reset(&out);
    CHECK(scl_transform(&m, in.data, 5, &out, &err) == OM_CORRUPT);
    CHECK_STR(err.msg, "not a feature vector");
    om_wbuf_free(&in);
    om_wbuf_free(&out);
  }

  transformed(&m, row_cat, 1, "x", &t, &st, &err);
  CHECK(st == OM_INVALID);
  CHECK_STR(err.msg, "feature \"x\" is categorical but the model has it numeric");
  transformed(&m, row_num_h, 1, "h", &t, &st, &err);
  CHECK(st == OM_INVALID);
  CHECK_STR(err.msg, "feature \"h\" is numeric but the model has it categorical");
  scl_model_free(&m);
  om_wbuf_free(&w);

  /* A scale so small that the result overflows. */
  {
    static const char *const tiny[] = {"x=1e10"};
    n_rows = 0;
    ROW("x=0");
    ROW("x=1e-300");
    om_wbuf_init(&w);
    CHECK(train(SCL_MINMAX, NULL, &w, &err) == OM_OK);
    CHECK(scl_model_open(w.data, w.len, &m, &err) == OM_OK);
    CHECK(m.scale[0] == 1e-300);
    transformed(&m, tiny, 1, "x", &t, &st, &err);
    CHECK(st == OM_INVALID);
    CHECK_STR(err.msg, "scaled value of \"x\" is not finite");
    scl_model_free(&m);
    om_wbuf_free(&w);
  }
}

static void test_training_errors(void) {
  scl_accum a;
  om_wbuf row, model;
  om_err err;
  static const char *const r1[] = {"a=1", "h:x"};
  static const char *const r2[] = {"a=2", "h=3"};
  static const char *const r3[] = {"a:cat"};
  om_wbuf_init(&row);
  om_wbuf_init(&model);

  /* type conflict, both directions */
  scl_accum_init(&a, SCL_STANDARD);
  CHECK(row_encode(r1, 2, &row) == OM_OK);
  CHECK(scl_accum_add(&a, row.data, row.len, &err) == OM_OK);
  CHECK(row_encode(r2, 2, &row) == OM_OK);
  CHECK(scl_accum_add(&a, row.data, row.len, &err) == OM_INVALID);
  CHECK_STR(err.msg, "feature \"h\" is categorical in one row and numeric in another");
  CHECK(row_encode(r3, 1, &row) == OM_OK);
  CHECK(scl_accum_add(&a, row.data, row.len, &err) == OM_INVALID);
  CHECK_STR(err.msg, "feature \"a\" is numeric in one row and categorical in another");
  scl_accum_free(&a);

  /* A corrupt row changes nothing. */
  scl_accum_init(&a, SCL_ROBUST);
  CHECK(row_encode(r1, 2, &row) == OM_OK);
  CHECK(scl_accum_add(&a, row.data, row.len, &err) == OM_OK);
  row.data[row.len - 1] ^= 0xff; /* the hash of h: still valid */
  row.data[9] = 1;               /* reserved byte of entry 1: corrupt */
  CHECK(scl_accum_add(&a, row.data, row.len, &err) == OM_CORRUPT);
  CHECK(scl_accum_add(&a, row.data, 3, &err) == OM_CORRUPT);
  CHECK(a.rows_used == 1 && a.n_feats == 2 && a.feats[0].n == 1);
  scl_accum_free(&a);

  /* method names */
  {
    scl_method m = SCL_STANDARD;
    CHECK(scl_method_parse("robust", 6, &m) == 0 && m == SCL_ROBUST);
    CHECK(scl_method_parse("minmax", 6, &m) == 0 && m == SCL_MINMAX);
    CHECK(scl_method_parse("standard", 8, &m) == 0 && m == SCL_STANDARD);
    CHECK(scl_method_parse("Standard", 8, &m) != 0);
    CHECK(scl_method_parse("minmax2", 7, &m) != 0);
    CHECK(scl_method_parse("minmax2", 6, &m) == 0 && m == SCL_MINMAX); /* length-delimited */
    CHECK(scl_method_parse("", 0, &m) != 0);
    CHECK_STR(scl_method_name((scl_method)9), "unknown");
  }

  /* No rows at all: a valid model without features. */
  scl_accum_init(&a, SCL_MINMAX);
  CHECK(scl_accum_finish(&a, &model, &err) == OM_OK);
  {
    scl_model m;
    CHECK(scl_model_open(model.data, model.len, &m, &err) == OM_OK && m.view.n_features == 0);
    scl_model_free(&m);
  }
  scl_accum_free(&a);
  om_wbuf_free(&row);
  om_wbuf_free(&model);
}

/* scl.h point 2.  A spread too large for a double (range or IQR beyond
** 1.8e308) must not be stored as scale 1 — that silently returns unscaled
** values — but reported; an intermediate overflow (Welford's sums, the
** percentile interpolation) must not be an error when the center and scale
** themselves are representable.  Expected values are exact algebra:
** {a, -a, a, -a} has mean 0 and population sd a; {a, -a, a} has mean a/3 and
** sd a·sqrt(8)/3; the linear percentiles of {-a, a} are -a/2, 0, a/2. */
static void test_overflowing_spread(void) {
  static const struct {
    scl_method method;
    const char *v[5]; /* one value per row; NULL ends */
    int ok;           /* 1: trains to center/scale below; 0: the error */
    double center, scale;
  } cases[] = {
      {SCL_STANDARD, {"big=1e200", "big=-1e200", "big=1e200", "big=-1e200", NULL}, 1, 0, 1e200},
      {SCL_STANDARD, {"big=1e155", "big=-1e155", "big=1e155", "big=-1e155", NULL}, 1, 0, 1e155},
      {SCL_STANDARD, {"big=1e308", "big=-1e308", "big=1e308", "big=-1e308", NULL}, 1, 0, 1e308},
      {SCL_STANDARD, {"big=1.7e308", "big=-1.7e308", "big=1.7e308", NULL}, 1, 1.7e308 / 3, 1.7e308 * 0.94280904158206336},
      {SCL_STANDARD, {"big=1.7e308", "big=1.7e308", "big=1.7e308", NULL}, 1, 1.7e308, 1},
      {SCL_MINMAX, {"big=1.7e308", "big=-1.7e308", "big=0", "big=1", NULL}, 0, 0, 0},
      {SCL_MINMAX, {"big=8e307", "big=-8e307", NULL}, 1, -8e307, 1.6e308},
      {SCL_ROBUST, {"big=-1.7e308", "big=-1.7e308", "big=0", "big=1.7e308", "big=1.7e308"}, 0, 0, 0},
      {SCL_ROBUST, {"big=-1.7e308", "big=1.7e308", NULL}, 1, 0, 1.7e308},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    om_wbuf w;
    om_err err;
    om_status st;
    n_rows = 0;
    for (int k = 0; k < 5 && cases[i].v[k]; k++) {
      rows[n_rows].spec = &cases[i].v[k];
      rows[n_rows++].n = 1;
    }
    om_wbuf_init(&w);
    err.msg[0] = 0;
    st = train(cases[i].method, NULL, &w, &err);
    if (cases[i].ok) {
      scl_model m;
      CHECK_MSG(st == OM_OK, "case %zu (%s): %d %s", i, scl_method_name(cases[i].method), st, err.msg);
      if (st != OM_OK) goto next;
      CHECK(scl_model_open(w.data, w.len, &m, &err) == OM_OK);
      CHECK_MSG(fabs(m.center[0] - cases[i].center) <= 1e-15 * fabs(cases[i].center) &&
                    fabs(m.scale[0] - cases[i].scale) <= 1e-15 * cases[i].scale,
                "case %zu: center %.17g scale %.17g", i, m.center[0], m.scale[0]);
      /* the training values scale to finite numbers */
      for (int k = 0; k < 5 && cases[i].v[k]; k++) {
        om_wbuf in, out;
        om_wbuf_init(&in);
        om_wbuf_init(&out);
        CHECK(row_encode(&cases[i].v[k], 1, &in) == OM_OK);
        CHECK_MSG(scl_transform(&m, in.data, in.len, &out, &err) == OM_OK, "case %zu row %d: %s", i, k, err.msg);
        om_wbuf_free(&in);
        om_wbuf_free(&out);
      }
      scl_model_free(&m);
    } else {
      CHECK_MSG(st == OM_INVALID &&
                    strcmp(err.msg, "feature \"big\" has values too large to scale (its scale is beyond "
                                    "\u00b11.8e308; rescale the feature)") == 0,
                "case %zu: %d %s", i, st, err.msg);
    }
  next:
    om_wbuf_free(&w);
  }
}

/* Large inputs: more features than the initial capacity, inserted in the
** middle; more values than the initial robust buffer. */
static void test_growth(void) {
  scl_accum a;
  om_wbuf row, model;
  om_err err;
  scl_model m;
  char names[40][8];
  om_wbuf_init(&row);
  om_wbuf_init(&model);
  scl_accum_init(&a, SCL_ROBUST);
  for (int r = 0; r < 200; r++) {
    fv_entry e[40];
    size_t k = 0;
    for (int f = 0; f < 40; f++) {
      if ((f + r) % 3 == 0 && f != 0) continue; /* features appear in varying subsets */
      snprintf(names[f], sizeof names[f], "f%02d", (f * 7) % 40);
      memset(&e[k], 0, sizeof e[k]);
      e[k].name = names[f];
      e[k].name_len = 3;
      e[k].type = FV_NUMERIC;
      e[k].num = (double)((r * 37 + f * 11) % 101);
      k++;
    }
    om_wbuf_reset(&row);
    CHECK(fv_encode(e, k, &row, &err) == OM_OK);
    CHECK(scl_accum_add(&a, row.data, row.len, &err) == OM_OK);
  }
  CHECK(scl_accum_finish(&a, &model, &err) == OM_OK);
  CHECK(scl_model_open(model.data, model.len, &m, &err) == OM_OK);
  CHECK(m.view.n_features == 40 && m.view.meta.rows_used == 200);
  /* f00 (f = 0) is in every row with value (37 r) mod 101: its median and
  ** quartiles by numpy's 'linear' rule on the sorted 200 values. */
  {
    double v[200], med, q25, q75;
    for (int r = 0; r < 200; r++) v[r] = (double)((r * 37) % 101);
    /* sort (insertion: small) */
    for (int i = 1; i < 200; i++) {
      double x = v[i];
      int j = i;
      while (j > 0 && v[j - 1] > x) v[j] = v[j - 1], j--;
      v[j] = x;
    }
    med = v[99] + 0.5 * (v[100] - v[99]);
    q25 = v[49] + 0.75 * (v[50] - v[49]);
    q75 = v[149] + 0.25 * (v[150] - v[149]);
    CHECK(feature_index(&m, "f00") == 0);
    CHECK_CLOSE(m.center[0], med, 1e-15);
    CHECK_CLOSE(m.scale[0], q75 - q25, 1e-15);
  }
  scl_model_free(&m);
  scl_accum_free(&a);
  om_wbuf_free(&row);
  om_wbuf_free(&model);
}

/* Payload checks of scl_model_from_view, on hand-built envelopes. */
static om_status open_payload(uint16_t kind, uint16_t pver, const uint8_t *payload, size_t plen, om_err *err) {
  mdl_feature f[2] = {{"a", 1, FV_NUMERIC}, {"b", 1, FV_CATEGORICAL}};
  mdl_meta meta;
  om_wbuf w;
  scl_model m;
  om_status st;
  long live = om_test_alloc_live;
  memset(&meta, 0, sizeof meta);
  om_wbuf_init(&w);
  CHECK(mdl_write(&w, kind, pver, f, 2, &meta, payload, plen, err) == OM_OK);
  st = scl_model_open(w.data, w.len, &m, err);
  if (st == OM_OK) scl_model_free(&m);
  CHECK(m.center == NULL && m.view.features == NULL);
  om_wbuf_free(&w);
  CHECK(om_test_alloc_live == live);
  return st;
}

static void test_payload_errors(void) {
  uint8_t p[8 + 32];
  om_err err;
  memset(p, 0, sizeof p);
  p[0] = SCL_MINMAX;
  om_store_u64(p + 8, om_f64_bits(1.0));
  om_store_u64(p + 16, om_f64_bits(2.0));
  om_store_u64(p + 24, om_f64_bits(0.0));
  om_store_u64(p + 32, om_f64_bits(1.0));
  CHECK(open_payload(MDL_KIND_SCALER, 1, p, sizeof p, &err) == OM_OK);

  CHECK(open_payload(MDL_KIND_GBT, 1, p, sizeof p, &err) == OM_INVALID);
  CHECK_STR(err.msg, "model is a gbt model; expected a scaler model");
  CHECK(open_payload(99, 1, p, sizeof p, &err) == OM_INVALID);
  CHECK_STR(err.msg, "model has unknown kind 99; expected a scaler model"); /* sic: "a unknown" */
  CHECK(open_payload(MDL_KIND_SCALER, 2, p, sizeof p, &err) == OM_UNSUPPORTED_VERSION);
  CHECK_STR(err.msg, "scaler payload version 2 is not supported (this build reads 1)");
  CHECK(open_payload(MDL_KIND_SCALER, 0, p, sizeof p, &err) == OM_UNSUPPORTED_VERSION);

  p[0] = 3;
  CHECK(open_payload(MDL_KIND_SCALER, 1, p, sizeof p, &err) == OM_CORRUPT);
  CHECK_STR(err.msg, "scaler payload is corrupt");
  p[0] = SCL_ROBUST;
  p[7] = 1;
  CHECK(open_payload(MDL_KIND_SCALER, 1, p, sizeof p, &err) == OM_CORRUPT);
  p[7] = 0;
  CHECK(open_payload(MDL_KIND_SCALER, 1, p, sizeof p - 1, &err) == OM_CORRUPT);
  CHECK(open_payload(MDL_KIND_SCALER, 1, p, 24, &err) == OM_CORRUPT);
  CHECK(open_payload(MDL_KIND_SCALER, 1, p, 7, &err) == OM_CORRUPT);
  CHECK(open_payload(MDL_KIND_SCALER, 1, p, 0, &err) == OM_CORRUPT);
  {
    static const double bad[] = {0.0, -1.0, NAN, INFINITY, -0.0};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
      om_store_u64(p + 16, om_f64_bits(bad[i])); /* scale of feature 1 */
      CHECK(open_payload(MDL_KIND_SCALER, 1, p, sizeof p, &err) == OM_CORRUPT);
      CHECK_STR(err.msg, "scaler payload is corrupt (feature 1)");
    }
    om_store_u64(p + 16, om_f64_bits(2.0));
    om_store_u64(p + 24, om_f64_bits(NAN)); /* centre of feature 2 */
    CHECK(open_payload(MDL_KIND_SCALER, 1, p, sizeof p, &err) == OM_CORRUPT);
    CHECK_STR(err.msg, "scaler payload is corrupt (feature 2)");
  }
}

/* Fail allocation k = 1, 2, ... of the whole train → finish → open →
** transform sequence until it succeeds. */
static void test_oom(void) {
  static const char *const probe[] = {"x=3", "h:a", "y", "zz=1"};
  define_rows();
  for (int method = SCL_STANDARD; method <= SCL_MINMAX; method++) {
    long start = om_test_alloc_live, k;
    int done = 0;
    for (k = 1; k < 1000 && !done; k++) {
      scl_accum a;
      om_wbuf rowbuf, model, in, out;
      scl_model m;
      om_err err;
      om_status st = OM_OK;
      int opened = 0;
      om_wbuf_init(&rowbuf);
      om_wbuf_init(&model);
      om_wbuf_init(&in);
      om_wbuf_init(&out);
      /* the probe row is encoded before the allocator starts failing */
      CHECK(row_encode(probe, 4, &in) == OM_OK);
      om_test_alloc_reset();
      om_test_alloc_fail_at = k;
      scl_accum_init(&a, (scl_method)method);
      for (size_t r = 0; r < n_rows && st == OM_OK; r++) {
        st = row_encode(rows[r].spec, rows[r].n, &rowbuf);
        if (st == OM_OK) st = scl_accum_add(&a, rowbuf.data, rowbuf.len, &err);
      }
      if (st == OM_OK) st = scl_accum_finish(&a, &model, &err);
      if (st == OM_OK) {
        st = scl_model_open(model.data, model.len, &m, &err);
        opened = st == OM_OK;
      }
      if (st == OM_OK) st = scl_transform(&m, in.data, in.len, &out, &err);
      om_test_alloc_fail_at = 0;
      if (st == OM_OK) {
        done = 1;
        CHECK(fv_validate(out.data, out.len, &err) == OM_OK);
      } else {
        CHECK_MSG(st == OM_NOMEM, "%s, failing allocation %ld: status %d (%s)", scl_method_name((scl_method)method), k,
                  st, err.msg);
      }
      if (opened) scl_model_free(&m);
      scl_accum_free(&a);
      om_wbuf_free(&rowbuf);
      om_wbuf_free(&model);
      om_wbuf_free(&in);
      om_wbuf_free(&out);
      CHECK_MSG(om_test_alloc_live == start, "%s, failing allocation %ld: %ld blocks leaked",
                scl_method_name((scl_method)method), k, om_test_alloc_live - start);
    }
    CHECK(done);
    printf("OOM loop (%s): allocations 1..%ld failed one at a time, each gave OM_NOMEM without a leak\n",
           scl_method_name((scl_method)method), k - 2);
  }
  om_test_alloc_reset();
}

int main(void) {
  test_training();
  test_determinism();
  test_transform();
  test_training_errors();
  test_overflowing_spread();
  test_growth();
  test_payload_errors();
  test_oom();
  return om_test_finish();
}
