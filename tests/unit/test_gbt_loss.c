/*
** test_gbt_loss.c — the point losses and the offset of the boosted trees
** (gbt.h points 11 and 12; gbt_objective.c points 7–9; gbt_codec.c format 2).
*/
#include <stdlib.h>

#include "gbt.h"
#include "om_test.h"

/* ---------- gbt_kernel_mode against brute force (gbt_objective.c 8) ---------- */

static double brute_mode(const double *r, size_t n, double w) {
  double best = -1, arg = NAN;
  for (size_t k = 0; k < n; k++) {
    double f = 0;
    for (size_t i = 0; i < n; i++)
      f += exp(-fabs(r[i] - r[k]) / w);
    if (f > best + 1e-12 || (fabs(f - best) <= 1e-12 && r[k] < arg)) {
      best = f;
      arg = r[k];
    }
  }
  return arg;
}

static uint64_t lcg = 12345;
static double urand(void) {
  lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
  return (double)(lcg >> 11) / 9007199254740992.0;
}

static void test_kernel_mode(void) {
  double tmp[64], r[64], c[64];
  {
    double a[4] = {5, 0, 0, 0};
    CHECK(gbt_kernel_mode(a, tmp, 4, 1.0) == 0); /* the spike of exact repeats wins */
  }
  {
    double a[3] = {3, 1, 2};
    CHECK(gbt_kernel_mode(a, tmp, 3, 1.0) == 2); /* symmetric: the middle */
  }
  {
    double a[2] = {1, -1};
    CHECK(gbt_kernel_mode(a, tmp, 2, 1.0) == -1); /* tie: the smallest */
  }
  {
    double a[1] = {7.5};
    CHECK(gbt_kernel_mode(a, tmp, 1, 0.3) == 7.5);
  }
  {
    /* far apart: every point is its own kernel; with a huge width the
    ** kernel mode tends to the median */
    double a[5] = {0, 10, 20, 21, 100};
    CHECK(gbt_kernel_mode(a, tmp, 5, 1000.0) == 20);
  }
  for (int trial = 0; trial < 200; trial++) {
    size_t n = 1 + (size_t)(urand() * 40);
    double w = trial % 3 == 0 ? 0.25 : trial % 3 == 1 ? 1.0 : 4.0;
    for (size_t i = 0; i < n; i++) {
      r[i] = urand() < 0.3 ? 0.0 : (urand() - 0.5) * 6; /* repeats and noise */
      c[i] = r[i];
    }
    double want = brute_mode(c, n, w);
    double got = gbt_kernel_mode(r, tmp, n, w);
    CHECK_MSG(got == want, "trial %d n %zu w %g: got %.17g want %.17g", trial, n, w, got, want);
  }
}

/* ---------- gradients, base scores, metrics, offsets (gbt_objective.c 7, 9) ---------- */

static void test_loss_functions(void) {
  double y[4] = {0, 1, 2, 10}, p[4] = {1, 1, 0, 9}, s[16]; /* scratch: 2n for n = 5 */
  gbt_gh gh[4];
  gbt_obj_gradients(GBT_DURATION, GBT_LOSS_ABSOLUTE, 0.9, 1.0, y, p, 4, gh);
  CHECK(gh[0].g == 0.5 && gh[1].g == 0.5 && gh[2].g == -0.5 && gh[3].g == -0.5 && gh[0].h == 1);
  gbt_obj_gradients(GBT_DURATION, GBT_LOSS_RATIO, 0.5, 2.0, y, p, 4, gh);
  CHECK_CLOSE(gh[0].g, exp(-0.5), 1e-15);
  CHECK(gh[1].g == 0 && gh[1].h == 1);
  CHECK_CLOSE(gh[2].g, -exp(-1.0), 1e-15);
  CHECK_CLOSE(gh[3].g, -exp(-0.5), 1e-15);
  /* base scores: median and kernel mode of the labels */
  CHECK(gbt_obj_base_score(GBT_SQUARED, GBT_LOSS_ABSOLUTE, 0.9, 1.0, (double[]){5, 1, 3}, 3, s) == 3);
  CHECK(gbt_obj_base_score(GBT_DURATION, GBT_LOSS_RATIO, 0.5, 1.0, (double[]){4, 9, 4, 0, 4}, 5, s) == 4);
  /* metrics */
  CHECK_CLOSE(gbt_obj_metric(GBT_DURATION, GBT_LOSS_ABSOLUTE, 0.5, 1.0, y, p, 4), (1 + 0 + 2 + 1) / 4.0, 1e-15);
  CHECK_CLOSE(gbt_obj_metric(GBT_DURATION, GBT_LOSS_RATIO, 0.5, 1.0, y, p, 4),
              ((1 - exp(-1.0)) + 0 + (1 - exp(-2.0)) + (1 - exp(-1.0))) / 4, 1e-15);
  /* leaf statistics */
  CHECK(gbt_obj_leaf_stat(GBT_DURATION, GBT_LOSS_ABSOLUTE, 0.9, 1.0, (double[]){3, 1, 2, 10}, 4, s) == 2.5);
  CHECK(gbt_obj_leaf_stat(GBT_QUANTILE, GBT_LOSS_SQUARED, 0.5, 1.0, (double[]){3, 1, 2}, 3, s) == 2);
  /* offsets */
  CHECK(gbt_obj_offset(GBT_DURATION, 0) == 0);
  CHECK(gbt_obj_offset(GBT_DURATION, 99) == log1p(99.0));
  CHECK(isnan(gbt_obj_offset(GBT_DURATION, -1)));
  CHECK(isnan(gbt_obj_offset(GBT_DURATION, NAN)));
  CHECK(isnan(gbt_obj_offset(GBT_DURATION, INFINITY)));
  CHECK(gbt_obj_offset(GBT_SQUARED, -7) == -7);
  CHECK(isnan(gbt_obj_offset(GBT_SQUARED, 1e200)));
  CHECK(isnan(gbt_obj_offset(GBT_BINARY, 0.5)));
}

/* ---------- training ---------- */

#define N 3000
typedef struct ldata {
  double x[N], last[N], y[N];
  gbt_column cols[2];
  gbt_data d;
} ldata;

/* x: a weak feature; last: the previous run, which the run repeats exactly
** 60% of the time (else a multiplicative jump); every 10th last missing. */
static void ldata_make(ldata *t) {
  lcg = 99;
  for (int i = 0; i < N; i++) {
    double base = exp(2 + 6 * urand());
    t->x[i] = urand();
    t->last[i] = i % 10 == 0 ? NAN : base;
    t->y[i] = urand() < 0.6 ? base : base * exp((urand() - 0.3) * 3);
  }
  t->cols[0].is_cat = 0;
  t->cols[0].num = t->x;
  t->cols[1].is_cat = 0;
  t->cols[1].num = t->last;
  t->d.n_rows = N;
  t->d.n_features = 2;
  t->d.cols = t->cols;
  t->d.y = t->y;
}

static double accuracy_of(const gbt_model *m, const ldata *t, int from) {
  double s = 0;
  for (int i = from; i < N; i++) {
    double num[2] = {t->x[i], t->last[i]}, p = gbt_predict(m, num, NULL, NULL);
    double a = t->y[i], hi = a > p ? a : p, lo = a > p ? p : a;
    s += hi > 0 ? lo / hi : 1;
  }
  return s / (N - from);
}

static void test_training(void) {
  static ldata t;
  gbt_options o;
  gbt_model *sq = NULL, *ab = NULL, *ra = NULL, *raoff = NULL;
  om_err e;
  ldata_make(&t);
  gbt_options_default(&o);
  o.n_trees = 30;
  o.max_depth = 3;
  CHECK(gbt_train(&t.d, &o, NULL, &sq, &e) == OM_OK);
  o.loss = GBT_LOSS_ABSOLUTE;
  CHECK(gbt_train(&t.d, &o, NULL, &ab, &e) == OM_OK);
  o.loss = GBT_LOSS_RATIO;
  CHECK(gbt_train(&t.d, &o, NULL, &ra, &e) == OM_OK);
  o.offset_feature = 1;
  CHECK(gbt_train(&t.d, &o, NULL, &raoff, &e) == OM_OK);
  if (sq && ab && ra && raoff) {
    double a_sq = accuracy_of(sq, &t, 2000), a_ra = accuracy_of(ra, &t, 2000),
           a_off = accuracy_of(raoff, &t, 2000);
    /* point 11: the mode-seeking loss is more accurate in min/max terms, and
    ** the offset (the previous run) more still */
    CHECK_MSG(a_ra > a_sq, "ratio %g squared %g", a_ra, a_sq);
    CHECK_MSG(a_off > a_ra + 0.02, "offset %g ratio %g", a_off, a_ra);
    CHECK(gbt_model_loss(ab) == GBT_LOSS_ABSOLUTE && gbt_model_offset_feature(ab) == GBT_NO_OFFSET);
    CHECK(gbt_model_loss(raoff) == GBT_LOSS_RATIO && gbt_model_offset_feature(raoff) == 1);
    /* point 12: with the offset, a repeat is predicted exactly (leaves keep
    ** r = 0 where repeats dominate); a missing offset starts from the base */
    {
      int exact = 0, n = 0;
      for (int i = 2000; i < N; i++) {
        double num[2] = {t.x[i], t.last[i]};
        if (isnan(t.last[i])) continue;
        n++;
        exact += fabs(gbt_predict(raoff, num, NULL, NULL) - t.last[i]) <= 1e-9 * t.last[i];
      }
      CHECK_MSG(exact > n / 2, "exact %d of %d", exact, n);
    }
    {
      double num[2] = {0.5, NAN}, x[2];
      uint8_t miss[2] = {0, 1};
      double p1 = gbt_predict_raw(raoff, num, NULL, NULL);
      num[1] = 123;
      double p2 = gbt_predict_raw(raoff, num, NULL, miss); /* missing flag wins */
      CHECK(p1 == p2);
      num[1] = -5; /* unusable for a duration: base score */
      CHECK(gbt_predict_raw(raoff, num, NULL, NULL) == p1);
      num[1] = 123;
      gbt_row_prepare(raoff, num, NULL, NULL, x);
      CHECK(gbt_predict_raw_x(raoff, x) == gbt_predict_raw(raoff, num, NULL, NULL));
    }
    /* the holdout metric is the loss's own (mean 1 − exp(−|r|)) */
    CHECK(gbt_model_valid_metric(raoff) >= 0 && gbt_model_valid_metric(raoff) < 1);
  }
  /* codec: every trained model is format 4 (gbt.h point 16), which keeps
  ** format 2's loss and offset fields; a round trip gives the same bytes
  ** and the same predictions */
  if (sq && raoff) {
    om_wbuf w1, w2, w3;
    gbt_model *back = NULL;
    uint8_t is_cat[2] = {0, 0};
    om_wbuf_init(&w1);
    om_wbuf_init(&w2);
    om_wbuf_init(&w3);
    CHECK(gbt_encode(sq, &w1) == OM_OK && w1.data[0] == 4 && gbt_payload_format(sq) == 4);
    CHECK(gbt_encode(raoff, &w2) == OM_OK && w2.data[0] == 4 && gbt_payload_format(raoff) == 4);
    CHECK(gbt_decode(w2.data, w2.len, 2, is_cat, &back, &e) == OM_OK);
    if (back) {
      CHECK(gbt_encode(back, &w3) == OM_OK && w3.len == w2.len && !memcmp(w3.data, w2.data, w2.len));
      for (int i = 0; i < 50; i++) {
        double num[2] = {t.x[i], t.last[i]};
        CHECK(gbt_predict(back, num, NULL, NULL) == gbt_predict(raoff, num, NULL, NULL));
      }
      gbt_free(back);
    }
    /* corrupt the format-2 fields (format 4 has them too): loss 3; loss
    ** ratio on a squared model; offset past the features; offset on a
    ** categorical feature */
    {
      size_t at = 2 + 2 + 4 + 2 + 4 * 8; /* the loss field */
      uint8_t *p = malloc(w2.len), cat1[2] = {0, 1};
      memcpy(p, w2.data, w2.len);
      p[at] = 3;
      CHECK(gbt_decode(p, w2.len, 2, is_cat, &back, &e) == OM_CORRUPT && back == NULL);
      CHECK_STR(e.msg, "gbt payload loss 3");
      memcpy(p, w2.data, w2.len);
      p[2] = 0; /* objective squared with loss ratio */
      CHECK(gbt_decode(p, w2.len, 2, is_cat, &back, &e) == OM_CORRUPT);
      CHECK_STR(e.msg, "gbt payload loss 2 with objective 0");
      memcpy(p, w2.data, w2.len);
      p[at + 2] = 2;
      CHECK(gbt_decode(p, w2.len, 2, is_cat, &back, &e) == OM_CORRUPT);
      CHECK_STR(e.msg, "gbt payload offset feature 2 is not a numeric feature");
      memcpy(p, w2.data, w2.len);
      p[9] = 1; /* feature 2 categorical, and the schema says so */
      CHECK(gbt_decode(p, w2.len, 2, cat1, &back, &e) == OM_CORRUPT);
      CHECK_STR(e.msg, "gbt payload offset feature 1 is not a numeric feature");
      for (size_t cut = 0; cut < 60; cut++)
        CHECK(gbt_decode(w2.data, cut, 2, is_cat, &back, &e) != OM_OK && back == NULL);
      free(p);
    }
    om_wbuf_free(&w1);
    om_wbuf_free(&w2);
    om_wbuf_free(&w3);
  }
  gbt_free(sq);
  gbt_free(ab);
  gbt_free(ra);
  gbt_free(raoff);
}

static void test_loss_options(void) {
  static ldata t;
  gbt_options o;
  gbt_model *m = NULL;
  om_err e;
  ldata_make(&t);
  gbt_options_default(&o);
  o.loss = GBT_LOSS_RATIO;
  o.objective = GBT_SQUARED;
  CHECK(gbt_train(&t.d, &o, NULL, &m, &e) == OM_INVALID && !m);
  CHECK_STR(e.msg, "loss 'ratio' needs objective 'duration'");
  o.objective = GBT_QUANTILE;
  o.loss = GBT_LOSS_ABSOLUTE;
  CHECK(gbt_train(&t.d, &o, NULL, &m, &e) == OM_INVALID);
  CHECK_STR(e.msg, "loss 'absolute' and 'ratio' need objective 'duration' or 'squared'");
  gbt_options_default(&o);
  o.ratio_width = 0;
  CHECK(gbt_train(&t.d, &o, NULL, &m, &e) == OM_INVALID);
  CHECK_STR(e.msg, "ratio_width must be in (0, 100], got 0");
  gbt_options_default(&o);
  o.offset_feature = 2;
  CHECK(gbt_train(&t.d, &o, NULL, &m, &e) == OM_INVALID);
  CHECK_STR(e.msg, "the offset must be a numeric feature");
  gbt_options_default(&o);
  o.offset_feature = 1;
  o.objective = GBT_BINARY;
  CHECK(gbt_train(&t.d, &o, NULL, &m, &e) == OM_INVALID);
  CHECK_STR(e.msg, "objective 'binary' takes no offset");
  /* determinism across thread counts with the refit losses */
  {
    gbt_model *a = NULL, *b = NULL;
    om_wbuf wa, wb;
    gbt_options_default(&o);
    o.loss = GBT_LOSS_RATIO;
    o.offset_feature = 1;
    o.n_trees = 10;
    o.threads = 1;
    CHECK(gbt_train(&t.d, &o, NULL, &a, &e) == OM_OK);
    o.threads = 3;
    CHECK(gbt_train(&t.d, &o, NULL, &b, &e) == OM_OK);
    om_wbuf_init(&wa);
    om_wbuf_init(&wb);
    if (a && b) {
      CHECK(gbt_encode(a, &wa) == OM_OK && gbt_encode(b, &wb) == OM_OK);
      CHECK(wa.len == wb.len && !memcmp(wa.data, wb.data, wa.len));
    }
    om_wbuf_free(&wa);
    om_wbuf_free(&wb);
    gbt_free(a);
    gbt_free(b);
  }
}

int main(void) {
  test_kernel_mode();
  test_loss_functions();
  test_training();
  test_loss_options();
  return om_test_finish();
}
