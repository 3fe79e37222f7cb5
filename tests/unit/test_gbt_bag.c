/*
** test_gbt_bag.c — gbt_train's `bag` option (gbt.h point 15, gbt_train.c
** point 11): a bag of K members is one model whose raw score is the mean of
** the members' raw scores.
**
**   1. For a duration model with row and feature sampling, an 'absolute'
**      model (refit leaves) with an offset, and an AFT model, the raw score
**      of the bag of 3 with seed s equals, row by row, the mean of the raw
**      scores of the single models with seeds s, s+1, s+2 (to 1e-12); its
**      intervals are the single-model rule on its own residuals.
**   2. Its trees are the members' trees (counts add up; with early
**      stopping each member keeps its own best rounds: n_trees, n_rounds and
**      best_iteration are the members' sums), its importances their mean.
**   3. Its holdout metric is the bag's own: for a squared loss (RMSE in
**      log1p space, convex) no larger than the mean of the members'.
**   4. The bytes do not depend on the thread count; bag = 1 is the single
**      model, byte for byte.
**   5. bag outside 1..100 and n_trees · bag > 100000 are refused by name.
*/
#include <stdlib.h>
#include <string.h>

#include "gbt.h"
#include "om_test.h"

#define N 3000
#define F 4 /* x0, x1, x2 (NaN sometimes), off: the offset feature */

static double xs[F][N], ys[N], yu[N];
static gbt_column cols[F];

static uint64_t rs;
static double unif(void) { return om_test_unif(&rs); }

static void make_data(void) {
  rs = 77;
  for (int i = 0; i < N; i++) {
    double a = unif() * 2, b = unif() * 2, c = unif();
    xs[0][i] = a;
    xs[1][i] = b;
    xs[2][i] = unif() < 0.1 ? NAN : c;
    ys[i] = 30 * exp(a + sin(3 * b) + 0.5 * c + 0.6 * (unif() - 0.5));
    xs[3][i] = ys[i] * exp(0.8 * (unif() - 0.5)); /* a noisy guess: the offset */
    yu[i] = (i % 9 == 0) ? INFINITY : ys[i];      /* AFT: every 9th run censored */
  }
  for (int f = 0; f < F; f++) {
    cols[f].is_cat = 0;
    cols[f].num = xs[f];
    cols[f].cat = NULL;
    cols[f].cat_missing = NULL;
  }
}

static gbt_model *train(const gbt_data *d, const gbt_options *o) {
  gbt_model *m = NULL;
  om_err e = {{0}};
  om_status st = gbt_train(d, o, NULL, &m, &e);
  CHECK_MSG(st == OM_OK, "%s", e.msg);
  return m;
}

static uint64_t fnv(const gbt_model *m, size_t *len) {
  om_wbuf w;
  uint64_t h = 0xcbf29ce484222325ull;
  om_wbuf_init(&w);
  gbt_encode(m, &w);
  for (size_t i = 0; i < w.len; i++)
    h = (h ^ w.data[i]) * 0x100000001b3ull;
  *len = w.len;
  om_wbuf_free(&w);
  return h;
}

static double raw_of(const gbt_model *m, int i) {
  double num[F] = {xs[0][i], xs[1][i], xs[2][i], xs[3][i]};
  return gbt_predict_raw(m, num, NULL, NULL);
}

/* Points 1-4 for one option set. */
static void check_bag(const char *what, const gbt_data *d, gbt_options o, int convex) {
  enum { K = 3 };
  gbt_model *mem[K] = {0}, *bag = NULL, *bag_t1 = NULL;
  double worst = 0, gain_want[F] = {0}, metric_mean = 0;
  uint32_t trees = 0, rounds = 0, best = 0;
  uint64_t seed = o.seed;
  for (int k = 0; k < K; k++) {
    o.seed = seed + (uint64_t)k;
    o.bag = 1;
    if (!(mem[k] = train(d, &o))) goto done;
    trees += gbt_model_n_trees(mem[k]);
    rounds += gbt_model_n_rounds(mem[k]);
    best += gbt_model_best_iteration(mem[k]);
    metric_mean += gbt_model_valid_metric(mem[k]) / K;
    for (int f = 0; f < F; f++)
      gain_want[f] += mem[k]->imp_gain[f] / K;
  }
  o.seed = seed;
  o.bag = K;
  o.threads = 2;
  if (!(bag = train(d, &o))) goto done;
  o.threads = 1;
  if (!(bag_t1 = train(d, &o))) goto done;
  /* 1. the mean of the members' raw scores */
  for (int i = 0; i < N; i++) {
    double want = (raw_of(mem[0], i) + raw_of(mem[1], i) + raw_of(mem[2], i)) / K;
    double diff = fabs(raw_of(bag, i) - want);
    if (diff > worst) worst = diff;
  }
  CHECK_MSG(worst < 1e-12, "%s: bag raw differs from the members' mean by %g", what, worst);
  if (gbt_model_n_residuals(bag) > 0) { /* intervals: raw + the bag's own residual quantile */
    double num[F] = {xs[0][5], xs[1][5], xs[2][5], xs[3][5]};
    double q = gbt_predict_quantile(bag, num, NULL, NULL, 0.95);
    double want = gbt_transform(bag, raw_of(bag, 5) + gbt_residual_quantile(bag, 0.95));
    CHECK_MSG(fabs(q - want) <= 1e-12 * fabs(want), "%s: upper bound %.17g vs %.17g", what, q, want);
    CHECK(gbt_model_n_calibration(bag) == gbt_model_n_calibration(mem[0]));
  }
  /* 2. trees, rounds, best iterations, importances */
  CHECK_MSG(gbt_model_n_trees(bag) == trees, "%s: %u trees, members %u", what,
            gbt_model_n_trees(bag), trees);
  CHECK(gbt_model_n_rounds(bag) == rounds && gbt_model_best_iteration(bag) == best);
  for (int f = 0; f < F; f++)
    CHECK_CLOSE(bag->imp_gain[f], gain_want[f], 1e-9);
  /* 3. the bag's own metric */
  if (convex)
    CHECK_MSG(gbt_model_valid_metric(bag) <= metric_mean + 1e-12, "%s: bag metric %g, members' mean %g",
              what, gbt_model_valid_metric(bag), metric_mean);
  CHECK(isfinite(gbt_model_valid_metric(bag)));
  /* 4. threads; bag = 1 is the single model */
  {
    size_t la, lb;
    CHECK_MSG(fnv(bag, &la) == fnv(bag_t1, &lb) && la == lb, "%s: bytes depend on threads", what);
    gbt_free(bag_t1);
    o.bag = 1;
    o.threads = 3;
    if ((bag_t1 = train(d, &o))) CHECK(fnv(bag_t1, &la) == fnv(mem[0], &lb) && la == lb);
  }
done:
  for (int k = 0; k < K; k++)
    gbt_free(mem[k]);
  gbt_free(bag);
  gbt_free(bag_t1);
}

static void test_bags(void) {
  gbt_data d = {N, F, cols, ys, NULL};
  gbt_options o;
  /* duration, squared loss in log1p space, sampled rows and features */
  gbt_options_default(&o);
  o.n_trees = 40;
  o.subsample = 0.7;
  o.colsample = 0.75;
  o.seed = 11;
  check_bag("duration", &d, o, 1);
  /* absolute loss (refit leaves), an offset, early stopping per member */
  gbt_options_default(&o);
  o.n_trees = 300;
  o.learning_rate = 0.3;
  o.loss = GBT_LOSS_ABSOLUTE;
  o.offset_feature = 3;
  o.subsample = 0.5;
  o.validation_fraction = 0.2;
  o.early_stopping_rounds = 5;
  o.seed = 4;
  check_bag("absolute+offset+early stopping", &d, o, 0);
  /* AFT with right-censored rows and a validation tail */
  {
    gbt_data da = {N, F, cols, ys, yu};
    gbt_options_default(&o);
    o.objective = GBT_AFT;
    o.n_trees = 30;
    o.subsample = 0.6;
    o.validation_fraction = 0.1;
    check_bag("aft", &da, o, 0);
  }
}

static void test_bag_options(void) {
  gbt_data d = {N, F, cols, ys, NULL};
  gbt_options o;
  gbt_model *m = (gbt_model *)1;
  om_err e;
  gbt_options_default(&o);
  CHECK(o.bag == 1);
  o.bag = 0;
  CHECK(gbt_train(&d, &o, NULL, &m, &e) == OM_INVALID && m == NULL);
  CHECK_STR(e.msg, "bag must be between 1 and 100, got 0");
  o.bag = 101;
  CHECK(gbt_train(&d, &o, NULL, &m, &e) == OM_INVALID);
  CHECK_STR(e.msg, "bag must be between 1 and 100, got 101");
  o.bag = 100;
  o.n_trees = 1001;
  CHECK(gbt_train(&d, &o, NULL, &m, &e) == OM_INVALID);
  CHECK_STR(e.msg, "n_trees x bag must be at most 100000, got 1001 x 100");
  /* the payload bound counts every member's trees */
  o.n_trees = 10;
  o.bag = 1;
  {
    uint64_t single, bagged;
    o.n_trees = 70;
    single = gbt_payload_bound(&o, N, F, 0, NULL);
    o.n_trees = 10;
    o.bag = 7;
    bagged = gbt_payload_bound(&o, N, F, 0, NULL);
    CHECK_MSG(bagged == single, "bound %llu for 10 x 7, %llu for 70 trees", (unsigned long long)bagged,
              (unsigned long long)single);
  }
}

int main(void) {
  make_data();
  test_bags();
  test_bag_options();
  return om_test_finish();
}
