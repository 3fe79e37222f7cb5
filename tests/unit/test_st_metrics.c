/*
** test_st_metrics.c — unit tests of st_metrics (ext/core/stats/st_metrics.h).
**
**   make build/unit/test_st_metrics && ./build/unit/test_st_metrics
**
** Covers, by the numbered behaviours of st_metrics.h:
**   1. non-finite rows rejected, accumulator unchanged;
**   2-6. every regression metric on hand-computed data (odd and even
**      median, zeros, negatives, the 20% boundary), closed forms at n = 10^5;
**   3. r2 conventions: n = 1, constant actual (perfect or not), a large
**      common offset;
**   9. classification argument checks;
**  10-13. classification metrics on scikit-learn's documented example, ties,
**      one class, zero division, clipping of the log loss;
**  11. AUC against a brute-force O(n^2) pair count on random tied data;
**  15-17. coverage add/remove/value and its errors;
**   7, 14. OOM loops: every failing allocation gives OM_NOMEM, keeps the
**      accumulator consistent (the rows added so far still count) and leaks
**      nothing.
*/
#include <float.h>
#include <stdint.h>
#include <stdlib.h>

#include "om_test.h"
#include "st_metrics.h"

#define CHECK_NEAR(got, want, rel)                                                                                     \
  CHECK_MSG(om_close((got), (want), (rel), 1e-15), "got %.17g want %.17g", (double)(got), (double)(want))

/* ---------------------------------------------------------- regression */

static st_regression_result regress(const double *a, const double *p, int n) {
  st_regression_acc r;
  st_regression_result out;
  om_err e;
  st_regression_init(&r);
  for (int i = 0; i < n; i++) CHECK(st_regression_add(&r, a[i], p[i], &e) == OM_OK);
  CHECK(st_regression_compute(&r, &out, &e) == OM_OK);
  st_regression_free(&r);
  return out;
}

static void test_regression_basic(void) {
  /* |a-p| = 2, 5, 0, 5, 50; a != 0 rows 1,2,3,5; mean(a) = 20, SS_tot = 1000. */
  const double a[] = {10, 20, 30, 0, 40}, p[] = {12, 15, 30, 5, -10};
  st_regression_result r = regress(a, p, 5);
  CHECK(r.n == 5);
  CHECK_NEAR(r.mae, 12.4, 1e-15);
  CHECK_NEAR(r.rmse, sqrt(2554.0 / 5), 1e-15);
  CHECK_NEAR(r.mape, (0.2 + 0.25 + 0 + 1.25) / 4, 1e-15);
  CHECK(r.medae == 5);
  CHECK_NEAR(r.r2, 1 - 2.554, 1e-15);
  CHECK_NEAR(r.accuracy, (10.0 / 12 + 0.75 + 1) / 5, 1e-15);
  CHECK(r.within_20pct == 0.4);
}

static void test_regression_conventions(void) {
  st_regression_result r;
  st_regression_acc acc;
  om_err e;
  {
    const double a[] = {1, 10, 5, 7}, p[] = {2, 13, 9, 17}; /* errors 1 3 4 10 */
    r = regress(a, p, 4);
    CHECK(r.medae == 3.5);
  }
  {
    const double a[] = {0, -3, 0, 2, -2, 4}, p[] = {0, -3, 2, 0, -1, 2};
    r = regress(a, p, 6);
    CHECK_NEAR(r.accuracy, 2.5 / 6, 1e-15);
    CHECK_NEAR(r.mape, (0.0 + 1 + 0.5 + 0.5) / 4, 1e-15); /* a != 0: -3, 2, -2, 4 */
  }
  {
    const double a[] = {0, 0, 0}, p[] = {0, 3, -1.5};
    r = regress(a, p, 3);
    CHECK(isnan(r.mape));
    CHECK(r.mae == 1.5);
    CHECK(r.within_20pct == 1.0 / 3); /* only a = p = 0 */
    CHECK(r.r2 == 0);                 /* SS_tot = 0, SS_res > 0 */
  }
  {
    const double a[] = {0.1, 0.1, 0.1}, p[] = {0.1, 0.1, 0.1};
    r = regress(a, p, 3);
    CHECK(r.r2 == 1); /* SS_tot exactly 0 */
  }
  {
    const double a[] = {0.1, 0.1, 0.1}, p[] = {0.1, 0.2, 0.1};
    r = regress(a, p, 3);
    CHECK(r.r2 == 0); /* numpy's mean leaves a residue here; Welford does not */
  }
  {
    const double a[] = {3}, p[] = {4};
    r = regress(a, p, 1);
    CHECK(isnan(r.r2));
    CHECK(r.medae == 1 && r.accuracy == 0.75 && r.within_20pct == 0);
  }
  {
    /* The 20% boundary, evaluated as fabs(p - a) <= 0.2 * fabs(a). */
    const double a[] = {10, 10, -10, 5, 10}, p[] = {12, 8, -12, 6.000001, 12.000001};
    r = regress(a, p, 5);
    CHECK(r.within_20pct == 0.6);
  }
  {
    /* A common offset of 1.7e9 leaves r2 as it was. */
    const double a0[] = {10, 20, 30, 0, 40}, p0[] = {12, 15, 30, 5, -10};
    double a[5], p[5];
    for (int i = 0; i < 5; i++) {
      a[i] = 1.7e9 + a0[i];
      p[i] = 1.7e9 + p0[i];
    }
    r = regress(a, p, 5);
    CHECK_NEAR(r.r2, 1 - 2.554, 1e-15);
  }
  /* Empty: every metric NaN. */
  st_regression_init(&acc);
  CHECK(st_regression_compute(&acc, &r, &e) == OM_OK);
  CHECK(r.n == 0 && isnan(r.mae) && isnan(r.rmse) && isnan(r.medae) && isnan(r.r2) && isnan(r.accuracy));
  /* Non-finite rows are refused and change nothing. */
  CHECK(st_regression_add(&acc, 1, 2, &e) == OM_OK);
  CHECK(st_regression_add(&acc, INFINITY, 2, &e) == OM_INVALID);
  CHECK_STR(e.msg, "actual is not a finite number");
  CHECK(st_regression_add(&acc, 1, NAN, &e) == OM_INVALID);
  CHECK_STR(e.msg, "predicted is not a finite number");
  CHECK(acc.n == 1);
  CHECK(st_regression_compute(&acc, &r, &e) == OM_OK);
  CHECK(r.n == 1 && r.mae == 1);
  /* Rows may be added after a compute (the errors were only reordered). */
  CHECK(st_regression_add(&acc, 5, 5, &e) == OM_OK);
  CHECK(st_regression_compute(&acc, &r, &e) == OM_OK);
  CHECK(r.n == 2 && r.mae == 0.5 && r.medae == 0.5);
  st_regression_free(&acc);
  CHECK(acc.n == 0 && acc.abs_errs == NULL);
}

static void test_regression_large(void) {
  /* a = i, p = i + 1 (i = 1..n): mae = medae = rmse = 1, r2 = 1 - 12/(n^2-1);
  ** then p = a + (i odd ? 1 : -1) in a shuffled order gives the same. */
  const int n = 100000;
  st_regression_acc acc;
  st_regression_result r;
  om_err e;
  int bad = 0;
  st_regression_init(&acc);
  for (int i = 1; i <= n; i++) bad += st_regression_add(&acc, i, i + 1.0, &e) != OM_OK;
  CHECK(bad == 0);
  CHECK(st_regression_compute(&acc, &r, &e) == OM_OK);
  CHECK(r.n == n && r.mae == 1 && r.medae == 1 && r.rmse == 1);
  CHECK(r.within_20pct == (n - 4) / (double)n); /* 1 <= 0.2 i from i = 5 on */
  CHECK_NEAR(r.r2, 1 - 12.0 / ((double)n * n - 1), 1e-15);
  st_regression_free(&acc);

  st_regression_init(&acc);
  for (int k = 0; k < n; k++) {
    int i = (int)(((int64_t)k * 7919) % n) + 1; /* a permutation of 1..n */
    bad += st_regression_add(&acc, 1e6 + i, 1e6 + i + (i % 2 ? 1 : -1), &e) != OM_OK;
  }
  CHECK(bad == 0);
  CHECK(st_regression_compute(&acc, &r, &e) == OM_OK);
  CHECK(r.mae == 1 && r.medae == 1 && r.rmse == 1);
  CHECK_NEAR(r.r2, 1 - 12.0 / ((double)n * n - 1), 1e-14);
  st_regression_free(&acc);
}

/* ------------------------------------------------------ classification */

static st_classification_result classify(const int *y, const double *q, int n, double t) {
  st_classification_acc c;
  st_classification_result out;
  om_err e;
  CHECK(st_classification_init(&c, t, &e) == OM_OK);
  for (int i = 0; i < n; i++) CHECK(st_classification_add(&c, y[i], q[i], &e) == OM_OK);
  CHECK(st_classification_compute(&c, &out, &e) == OM_OK);
  st_classification_free(&c);
  return out;
}

static void test_classification_basic(void) {
  const int y[] = {0, 0, 1, 1};
  const double q[] = {0.1, 0.4, 0.35, 0.8};
  st_classification_result r = classify(y, q, 4, 0.5);
  CHECK(r.n == 4 && r.threshold == 0.5);
  CHECK(r.auc == 0.75);
  CHECK_NEAR(r.logloss, -(log(0.9) + log(0.6) + log(0.35) + log(0.8)) / 4, 1e-15);
  CHECK_NEAR(r.brier, (0.01 + 0.16 + 0.4225 + 0.04) / 4, 1e-15);
  CHECK(r.accuracy == 0.75 && r.precision == 1 && r.recall == 0.5);
  CHECK_NEAR(r.f1, 2.0 / 3, 1e-15);
  r = classify(y, q, 4, 0.35); /* q >= t: 0.35 is predicted positive */
  CHECK(r.recall == 1 && r.precision == 2.0 / 3 && r.accuracy == 0.75);
}

static void test_classification_conventions(void) {
  st_classification_acc c;
  st_classification_result r;
  om_err e;
  {
    const int y[] = {1, 1, 1, 0, 0};
    const double q[] = {1.0, 0.6, 0.2, 0.6, 0.2};
    r = classify(y, q, 5, 0.5);
    CHECK(r.auc == 4.0 / 6);
  }
  {
    const int y[] = {1, 1};
    const double q[] = {0.9, 0.1};
    r = classify(y, q, 2, 0.5);
    CHECK(isnan(r.auc) && r.recall == 0.5 && r.precision == 1);
  }
  {
    const int y[] = {0, 0};
    const double q[] = {0.1, 0.2};
    r = classify(y, q, 2, 0.5);
    CHECK(isnan(r.auc) && r.precision == 0 && r.recall == 0 && r.f1 == 0 && r.accuracy == 1);
  }
  {
    /* Clipping: -log(eps) = 52 ln 2 for a certain miss; a certain hit costs
    ** -log(1 - eps) (renormalised by (1-eps) + eps = 1). */
    const int y[] = {1, 0, 1};
    const double q[] = {0, 1, 1};
    r = classify(y, q, 3, 0.5);
    CHECK_NEAR(r.logloss, (2 * 52 * log(2.0) - log(1 - DBL_EPSILON)) / 3, 1e-15);
    CHECK(r.auc == 0.25); /* pos {0, 1} vs neg {1}: one tie */
  }
  /* Argument checks. */
  CHECK(st_classification_init(&c, 0, &e) == OM_INVALID);
  CHECK_STR(e.msg, "threshold is 0; expected a number between 0 and 1 (exclusive)");
  CHECK(st_classification_init(&c, 1, &e) == OM_INVALID);
  CHECK(st_classification_init(&c, NAN, &e) == OM_INVALID);
  CHECK(st_classification_init(&c, 0.25, &e) == OM_OK);
  CHECK(st_classification_add(&c, 2, 0.5, &e) == OM_INVALID);
  CHECK_STR(e.msg, "label is 2; expected 0 or 1");
  CHECK(st_classification_add(&c, 1, 1.5, &e) == OM_INVALID);
  CHECK_STR(e.msg, "probability is 1.5; expected a number between 0 and 1");
  CHECK(st_classification_add(&c, 1, -0.5, &e) == OM_INVALID);
  CHECK(st_classification_add(&c, 1, NAN, &e) == OM_INVALID);
  CHECK(c.n == 0);
  CHECK(st_classification_compute(&c, &r, &e) == OM_OK);
  CHECK(r.n == 0 && isnan(r.auc) && isnan(r.logloss) && isnan(r.f1) && r.threshold == 0.25);
  CHECK(st_classification_add(&c, 1, 0.25, &e) == OM_OK);
  CHECK(st_classification_compute(&c, &r, &e) == OM_OK);
  CHECK(r.n == 1 && r.recall == 1);
  st_classification_free(&c);
  CHECK(c.n == 0 && c.pos == NULL && c.threshold == 0.25);
}

/* AUC against the O(n^2) definition on random data with many ties. */
static void test_classification_auc_brute(void) {
  enum { N = 700 };
  static int y[N];
  static double q[N];
  uint32_t s = 12345;
  for (int round = 0; round < 5; round++) {
    long twice = 0, npos = 0, nneg = 0;
    st_classification_result r;
    for (int i = 0; i < N; i++) {
      s = s * 1664525u + 1013904223u;
      y[i] = (s >> 16) % 100 < (uint32_t)(10 + 20 * round);
      s = s * 1664525u + 1013904223u;
      q[i] = ((s >> 16) % (uint32_t)(5 + 40 * round)) / (double)(4 + 40 * round);
      if (q[i] > 1) q[i] = 1;
    }
    for (int i = 0; i < N; i++) {
      if (!y[i]) continue;
      npos++;
      for (int k = 0; k < N; k++)
        if (!y[k]) twice += q[i] > q[k] ? 2 : q[i] == q[k] ? 1 : 0;
    }
    nneg = N - npos;
    r = classify(y, q, N, 0.5);
    CHECK_MSG(r.auc == (double)twice / (2.0 * (double)npos * (double)nneg), "round %d: %.17g vs %.17g", round, r.auc,
              (double)twice / (2.0 * (double)npos * (double)nneg));
  }
}

/* ------------------------------------------------------------ coverage */

static void test_coverage(void) {
  st_coverage c = {0, 0};
  om_err e;
  CHECK(isnan(st_coverage_value(&c)));
  CHECK(st_coverage_add(&c, 5, 1, 10, &e) == OM_OK);
  CHECK(st_coverage_add(&c, 10, 1, 10, &e) == OM_OK);
  CHECK(st_coverage_add(&c, 0, 1, 10, &e) == OM_OK);
  CHECK(st_coverage_add(&c, -1e300, -INFINITY, 0, &e) == OM_OK);
  CHECK(st_coverage_value(&c) == 0.75);
  CHECK(st_coverage_add(&c, 1, 3, 2, &e) == OM_INVALID);
  CHECK_STR(e.msg, "lo (3) is greater than hi (2)");
  CHECK(st_coverage_add(&c, NAN, 3, 4, &e) == OM_INVALID);
  CHECK(c.n == 4);
  CHECK(st_coverage_remove(&c, 5, 1, 10, &e) == OM_OK);
  CHECK(st_coverage_value(&c) == 2.0 / 3);
  CHECK(st_coverage_remove(&c, 0, 1, 10, &e) == OM_OK);
  CHECK(st_coverage_value(&c) == 1);
  CHECK(st_coverage_remove(&c, 10, 1, 10, &e) == OM_OK);
  CHECK(st_coverage_remove(&c, -1e300, -INFINITY, 0, &e) == OM_OK);
  CHECK(c.n == 0 && c.covered == 0 && isnan(st_coverage_value(&c)));
  CHECK(st_coverage_remove(&c, 0, 1, 10, &e) == OM_INTERNAL);
}

/* ------------------------------------------------------------ OOM */

static void test_oom(void) {
  enum { ROWS = 300 }; /* the arrays grow 64 -> 128 -> 256 -> 512 */
  long start = om_test_alloc_live;
  int failures = 0, cls_failures = 0;
  for (long k = 1; k < 20; k++) {
    st_regression_acc r;
    st_classification_acc c;
    st_regression_result rr;
    st_classification_result cr;
    om_err e;
    om_status st = OM_OK;
    int i;
    om_test_alloc_reset();
    om_test_alloc_fail_at = k;
    st_regression_init(&r);
    for (i = 0; i < ROWS && st == OM_OK; i++) st = st_regression_add(&r, i, i + 2.0, &e);
    if (st != OM_OK) {
      failures++;
      CHECK_MSG(st == OM_NOMEM, "regression, failing allocation %ld: status %d", k, st);
      CHECK_STR(e.msg, "out of memory");
      CHECK(r.n == i - 1); /* the failed row was not added */
    }
    CHECK(st_regression_compute(&r, &rr, &e) == OM_OK);
    CHECK(rr.n == r.n && (r.n == 0 || (rr.mae == 2 && rr.medae == 2)));
    st_regression_free(&r);

    om_test_alloc_reset();
    om_test_alloc_fail_at = k;
    st = st_classification_init(&c, 0.5, &e);
    CHECK(st == OM_OK);
    for (i = 0; i < ROWS && st == OM_OK; i++) st = st_classification_add(&c, i % 3 == 0, (i % 10) / 10.0, &e);
    if (st != OM_OK) {
      cls_failures++;
      CHECK_MSG(st == OM_NOMEM, "classification, failing allocation %ld: status %d", k, st);
      CHECK(c.n == i - 1 && c.n_pos + c.n_neg == (size_t)c.n);
    }
    CHECK(st_classification_compute(&c, &cr, &e) == OM_OK);
    CHECK(cr.n == c.n);
    st_classification_free(&c);
    om_test_alloc_fail_at = 0;
    CHECK_MSG(om_test_alloc_live == start, "failing allocation %ld: %ld blocks leaked", k, om_test_alloc_live - start);
  }
  CHECK(failures == 4);     /* one per growth step of the regression array: 64..512 */
  CHECK(cls_failures == 5); /* positives 64, 128; negatives 64, 128, 256 */
}

int main(void) {
  test_regression_basic();
  test_regression_conventions();
  test_regression_large();
  test_classification_basic();
  test_classification_conventions();
  test_classification_auc_brute();
  test_coverage();
  test_oom();
  return om_test_finish();
}
