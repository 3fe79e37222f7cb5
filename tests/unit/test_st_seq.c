/*
** test_st_seq.c — the normal-mixture SPRT for a difference of means (st_seq.h).
**
** 1. st_seq_eval against values worked out by hand from the formulas of the
**    paper (Lambda in its product form, w from |diff - theta0| >= w <=>
**    Lambda >= 1/alpha), and at the boundary: Lambda(diff -+ w) = 1/alpha.
** 2. A stream: burn-in (no look before min_n per group), tau frozen at the
**    first look to tau_sd * pooled sd, one look per value after it, p
**    non-increasing, ci_low non-decreasing, ci_high non-increasing, looks.
** 3. Duality of behaviour 5: theta0 just inside (ci_low, ci_high) gives
**    p > alpha, just outside gives p <= alpha.
** 4. Zero variance (no look), one group, swap, non-finite values, options.
** 5. Scale and offset: the data times 2^-1000 or 2^500 and 1e9 + x give
**    the same p; values near 1e308 and 1e-310 give finite answers or the
**    "beyond the range" error, never NaN.
*/
#include <float.h>
#include <stdint.h>
#include <stdlib.h>

#include "om_test.h"
#include "st_seq.h"

static st_moments mom(double n, double mean, double m2) {
  st_moments m = {0};
  m.n = n;
  m.mean = mean;
  m.m2 = m2;
  return m;
}

static void check_hand(void) {
  /* a = {1, 2, 3}: mean 2, m2 2; b = {2, 4, 6}: mean 4, m2 8.
  ** v = 1/3 + 4/3 = 5/3, diff = -2, tau = 1: r = 0.6, z^2 = 2.4 */
  st_moments a = mom(3, 2, 2), b = mom(3, 4, 8);
  st_seq_look lk;
  double v = 5.0 / 3.0, t2 = 1.0, d = -2.0;
  double lam = sqrt(v / (v + t2)) * exp(t2 * d * d / (2 * v * (v + t2)));
  double w = sqrt(v * (v + t2) / t2 * (2 * log(1 / 0.05) + log((v + t2) / v)));
  st_seq_eval(&a, &b, log(1.0), 0.0, 0.05, &lk);
  CHECK(lk.ok);
  CHECK_CLOSE(lk.log_lr, -0.5 * log(1.6) + 0.45, 1e-14);
  CHECK_CLOSE(lk.log_lr, log(lam), 1e-14);
  CHECK_CLOSE(lk.lo, d - w, 1e-14);
  CHECK_CLOSE(lk.hi, d + w, 1e-14);
  CHECK_CLOSE(w, sqrt(40.0 / 9.0 * (2 * log(20.0) + log(1.6))), 1e-15);
  /* theta0 = diff: z = 0, log Lambda = -log(1 + r)/2 */
  st_seq_eval(&a, &b, 0.0, -2.0, 0.05, &lk);
  CHECK_CLOSE(lk.log_lr, -0.5 * log(1.6), 1e-14);
  /* Lambda at theta0 = diff -+ w is exactly 1/alpha */
  st_seq_eval(&a, &b, 0.0, d - w, 0.05, &lk);
  CHECK_CLOSE(lk.log_lr, log(20.0), 1e-12);
  st_seq_eval(&a, &b, 0.0, d + w, 0.05, &lk);
  CHECK_CLOSE(lk.log_lr, log(20.0), 1e-12);
  /* tau = 3 (r = 5.4), alpha 0.01 */
  t2 = 9.0;
  lam = sqrt(v / (v + t2)) * exp(t2 * d * d / (2 * v * (v + t2)));
  w = sqrt(v * (v + t2) / t2 * (2 * log(100.0) + log((v + t2) / v)));
  st_seq_eval(&a, &b, log(3.0), 0.0, 0.01, &lk);
  CHECK_CLOSE(lk.log_lr, log(lam), 1e-14);
  CHECK_CLOSE(lk.hi - lk.lo, 2 * w, 1e-14);
  /* tiny and huge r: no overflow, the limits hold */
  st_seq_eval(&a, &b, -400.0, 0.0, 0.05, &lk); /* tau = e^-400: Lambda -> 1, w -> inf */
  CHECK(lk.ok && fabs(lk.log_lr) < 1e-300 && lk.lo == -INFINITY && lk.hi == INFINITY);
  st_seq_eval(&a, &b, 400.0, 0.0, 0.05, &lk); /* tau = e^400: log Lambda ~ -400 + z^2/2 */
  CHECK_CLOSE(lk.log_lr, -0.5 * (800.0 - log(v)) + 1.2, 1e-12);
  CHECK(isfinite(lk.lo) && isfinite(lk.hi));
  /* fewer than 2 values, zero variance: no look */
  a = mom(1, 2, 0);
  st_seq_eval(&a, &b, 0.0, 0.0, 0.05, &lk);
  CHECK(!lk.ok && isnan(lk.log_lr));
  a = mom(3, 2, 0);
  b = mom(3, 5, 0);
  st_seq_eval(&a, &b, 0.0, 0.0, 0.05, &lk);
  CHECK(!lk.ok);
  /* pooled sd */
  a = mom(3, 2, 2);
  b = mom(3, 4, 8);
  CHECK_CLOSE(st_seq_log_pooled_sd(&a, &b), 0.5 * log(10.0 / 4.0), 1e-15);
  a = mom(3, 2, 0);
  b = mom(3, 4, 0);
  CHECK(isnan(st_seq_log_pooled_sd(&a, &b)));
}

/* A normal deviate from the splitmix stream (Box-Muller). */
static double gauss(uint64_t *s) {
  double u = om_test_unif(s), v = om_test_unif(s);
  return sqrt(-2.0 * log(1.0 - u)) * cos(6.283185307179586 * v);
}

static void check_stream(void) {
  st_seq q;
  st_seq_options o;
  st_seq_result r, prev;
  om_err err;
  uint64_t s = 42;
  int i, mono = 1, looks_ok = 1, frozen_ok = 1;
  int64_t na = 0, nb = 0, expect_looks = 0;
  double tau_first = NAN;
  st_seq_options_default(&o);
  o.min_n = 20;
  CHECK(st_seq_options_check(&o, &err) == OM_OK);
  st_seq_init(&q, &o);
  memset(&prev, 0, sizeof prev);
  prev.p = 1.0;
  prev.ci_low = -INFINITY;
  prev.ci_high = INFINITY;
  for (i = 0; i < 3000; i++) {
    int g = om_test_unif(&s) < 0.5;
    double x = 10.0 + 2.0 * gauss(&s) + (g ? 0.15 : 0.0);
    CHECK(st_seq_add(&q, g, x, &err) == OM_OK);
    if (g) nb++;
    else na++;
    if (na >= 20 && nb >= 20) expect_looks++;
    CHECK(st_seq_result_get(&q, &r, &err) == OM_OK);
    if (r.looks != expect_looks) looks_ok = 0;
    if (expect_looks == 1) {
      /* tau = tau_sd * pooled sd at the first look */
      double pooled = sqrt((ldexp(q.m[0].m2, q.m[0].m2_exp) + ldexp(q.m[1].m2, q.m[1].m2_exp)) / (na + nb - 2.0));
      CHECK_CLOSE(r.tau, 0.1 * pooled, 1e-14);
      tau_first = r.tau;
    }
    if (expect_looks == 0 && !(r.p == 1.0 && isinf(r.ci_low) && isinf(r.ci_high) && isnan(r.tau))) mono = 0;
    if (expect_looks > 1 && r.tau != tau_first) frozen_ok = 0;
    if (r.p > prev.p) mono = 0;
    if (!r.ci_empty && !prev.ci_empty && (r.ci_low < prev.ci_low || r.ci_high > prev.ci_high)) mono = 0;
    if (r.reject != (r.p <= 0.05)) mono = 0;
    prev = r;
  }
  CHECK(looks_ok);
  CHECK(frozen_ok);
  CHECK_MSG(mono, "p must not increase, the interval must not widen");
  CHECK(r.looks > 2900 && r.p < 1.0 && isfinite(r.log_lr));
  CHECK_CLOSE(r.n_a + r.n_b, 3000.0, 0);
}

/* Behaviour 5: theta0 in (ci_low, ci_high) <=> p > alpha. */
static void check_duality(void) {
  int trial;
  for (trial = 0; trial < 20; trial++) {
    st_seq q;
    st_seq_options o;
    st_seq_result r, r2;
    om_err err;
    uint64_t s = 1000 + (uint64_t)trial;
    double th[4];
    int i, k;
    st_seq_options_default(&o);
    o.min_n = 5;
    o.alpha = trial % 2 ? 0.05 : 0.2;
    st_seq_init(&q, &o);
    for (i = 0; i < 400; i++) {
      int g = om_test_unif(&s) < 0.5;
      st_seq_add(&q, g, gauss(&s) + 0.1 * g, &err);
    }
    st_seq_result_get(&q, &r, &err);
    if (r.ci_empty) continue;
    th[0] = r.ci_low + 1e-6 * (r.ci_high - r.ci_low); /* inside */
    th[1] = r.ci_high - 1e-6 * (r.ci_high - r.ci_low);
    th[2] = r.ci_low - 1e-6 * (r.ci_high - r.ci_low); /* outside */
    th[3] = r.ci_high + 1e-6 * (r.ci_high - r.ci_low);
    for (k = 0; k < 4; k++) {
      uint64_t s2 = 1000 + (uint64_t)trial;
      o.theta0 = th[k];
      st_seq_init(&q, &o);
      for (i = 0; i < 400; i++) {
        int g = om_test_unif(&s2) < 0.5;
        st_seq_add(&q, g, gauss(&s2) + 0.1 * g, &err);
      }
      st_seq_result_get(&q, &r2, &err);
      CHECK_MSG(k < 2 ? r2.p > o.alpha : r2.p <= o.alpha, "trial %d theta0 %.17g p %.17g", trial, th[k], r2.p);
      CHECK(r2.ci_low == r.ci_low && r2.ci_high == r.ci_high); /* the interval does not depend on theta0 */
    }
  }
}

static void check_edges(void) {
  st_seq q, q2;
  st_seq_options o;
  st_seq_result r, r2;
  om_err err;
  int i;
  st_seq_options_default(&o);
  o.min_n = 2;
  /* zero variance: no look, p 1 */
  st_seq_init(&q, &o);
  for (i = 0; i < 10; i++) {
    st_seq_add(&q, 0, 5.0, &err);
    st_seq_add(&q, 1, 7.0, &err);
  }
  st_seq_result_get(&q, &r, &err);
  CHECK(r.looks == 0 && r.p == 1.0 && r.diff == -2.0 && r.se == 0.0 && isnan(r.log_lr) && isnan(r.tau));
  /* then one differing value: the first look fixes tau from it */
  st_seq_add(&q, 1, 8.0, &err);
  st_seq_result_get(&q, &r, &err);
  CHECK(r.looks == 1 && isfinite(r.tau) && r.tau > 0);
  /* one group */
  st_seq_init(&q, &o);
  st_seq_add(&q, 0, 1.0, &err);
  st_seq_add(&q, 0, 2.0, &err);
  st_seq_result_get(&q, &r, &err);
  CHECK(r.n_a == 2 && r.n_b == 0 && isnan(r.mean_b) && isnan(r.diff) && isnan(r.se) && r.p == 1.0);
  /* non-finite value, bad slot */
  CHECK(st_seq_add(&q, 0, NAN, &err) == OM_INVALID);
  CHECK_STR(err.msg, "value is not a finite number");
  CHECK(st_seq_add(&q, 1, INFINITY, &err) == OM_INVALID);
  CHECK(st_seq_add(&q, 2, 1.0, &err) == OM_INVALID);
  st_seq_result_get(&q, &r, &err);
  CHECK(r.n_a == 2 && r.n_b == 0);
  /* swap before the first look: the same as adding to the other slots */
  st_seq_init(&q, &o);
  st_seq_init(&q2, &o);
  st_seq_add(&q, 0, 3.0, &err);
  st_seq_add(&q, 0, 4.0, &err);
  st_seq_swap(&q);
  st_seq_add(&q2, 1, 3.0, &err);
  st_seq_add(&q2, 1, 4.0, &err);
  for (i = 0; i < 6; i++) {
    st_seq_add(&q, i % 2, 1.0 + i * 0.7, &err);
    st_seq_add(&q2, i % 2, 1.0 + i * 0.7, &err);
  }
  st_seq_result_get(&q, &r, &err);
  st_seq_result_get(&q2, &r2, &err);
  CHECK(r.p == r2.p && r.ci_low == r2.ci_low && r.diff == r2.diff && r.looks == r2.looks);
  /* options */
  st_seq_options_default(&o);
  CHECK(o.alpha == 0.05 && o.theta0 == 0.0 && isnan(o.tau) && o.tau_sd == 0.1 && o.min_n == 100);
  o.alpha = 1.0;
  CHECK(st_seq_options_check(&o, &err) == OM_INVALID);
  CHECK_STR(err.msg, "alpha must be a number between 0 and 1 (exclusive)");
  st_seq_options_default(&o);
  o.tau = 0.0;
  CHECK(st_seq_options_check(&o, &err) == OM_INVALID);
  CHECK_STR(err.msg, "tau must be a finite number > 0");
  st_seq_options_default(&o);
  o.tau_sd = INFINITY;
  CHECK(st_seq_options_check(&o, &err) == OM_INVALID);
  st_seq_options_default(&o);
  o.min_n = 1;
  CHECK(st_seq_options_check(&o, &err) == OM_INVALID);
  CHECK_STR(err.msg, "min_n must be an integer >= 2");
  st_seq_options_default(&o);
  o.theta0 = NAN;
  CHECK(st_seq_options_check(&o, &err) == OM_INVALID);
  /* a fixed tau is reported as given */
  st_seq_options_default(&o);
  o.tau = 0.3;
  o.min_n = 2;
  st_seq_init(&q, &o);
  st_seq_result_get(&q, &r, &err);
  CHECK(r.tau == 0.3);
}

/* p of a fixed stream transformed by x -> scale * x + offset. */
static int run_scaled(double scale, double offset, st_seq_result *r) {
  st_seq q;
  st_seq_options o;
  om_err err;
  uint64_t s = 7;
  int i;
  st_seq_options_default(&o);
  o.min_n = 5;
  st_seq_init(&q, &o);
  for (i = 0; i < 300; i++) {
    int g = om_test_unif(&s) < 0.5;
    /* values on a 2^-20 grid: offset + x is exact for offset 1e9 */
    double x = floor((3.0 + gauss(&s) + 0.3 * g) * 1048576.0) / 1048576.0;
    st_seq_add(&q, g, offset + scale * x, &err);
  }
  return st_seq_result_get(&q, r, &err) == OM_OK;
}

static void check_scale(void) {
  st_seq_result r0, r1, r2, r3;
  st_seq q;
  st_seq_options o;
  om_err err;
  int i;
  CHECK(run_scaled(1.0, 0.0, &r0));
  CHECK(run_scaled(0x1p-1000, 0.0, &r1));
  CHECK(run_scaled(0x1p500, 0.0, &r2));
  CHECK(run_scaled(1.0, 1e9, &r3));
  CHECK(r0.looks > 250 && r0.p < 1.0);
  CHECK_CLOSE(r1.p, r0.p, 1e-12);
  CHECK_CLOSE(r2.p, r0.p, 1e-12);
  CHECK_CLOSE(r1.ci_low, ldexp(r0.ci_low, -1000), 1e-12);
  CHECK_CLOSE(r2.ci_high, ldexp(r0.ci_high, 500), 1e-12);
  CHECK(r3.p == r0.p && r3.diff == r0.diff && r3.ci_low == r0.ci_low);
  /* values near the top of the double range: finite p, or the range error */
  st_seq_options_default(&o);
  o.min_n = 2;
  st_seq_init(&q, &o);
  for (i = 0; i < 20; i++) {
    st_seq_add(&q, 0, (i % 3 - 1) * 1.5e308, &err);
    st_seq_add(&q, 1, (i % 2) * 1.7e308, &err);
  }
  /* var_a ~ 1.2e616 overflows, se ~ 4e307 does not: ordinary numbers */
  CHECK(st_seq_result_get(&q, &r0, &err) == OM_OK);
  CHECK(isfinite(r0.se) && r0.se > 1e307 && isfinite(r0.diff) && isfinite(r0.log_lr) && r0.looks > 30);
  CHECK(r0.p > 0 && r0.p <= 1 && !isnan(r0.ci_low) && !isnan(r0.ci_high));
  st_seq_init(&q, &o);
  for (i = 0; i < 20; i++) {
    st_seq_add(&q, 0, DBL_MAX, &err);
    st_seq_add(&q, 1, -DBL_MAX + (i % 2) * 1e292, &err);
  }
  CHECK(st_seq_result_get(&q, &r0, &err) == OM_INVALID);
  CHECK_MSG(strstr(err.msg, "diff is about 3.6e+308, beyond the range of a double") != NULL, "%s", err.msg);
  /* subnormal data */
  st_seq_init(&q, &o);
  for (i = 0; i < 40; i++) {
    st_seq_add(&q, 0, (double)(i % 5) * 4.9406564584124654e-324, &err);
    st_seq_add(&q, 1, (double)(i % 7 + 3) * 4.9406564584124654e-324, &err);
  }
  CHECK(st_seq_result_get(&q, &r0, &err) == OM_OK);
  CHECK(r0.looks > 0 && r0.p >= 0 && r0.p <= 1 && isfinite(r0.log_lr) && r0.diff < 0);
}

int main(void) {
  check_hand();
  check_stream();
  check_duality();
  check_edges();
  check_scale();
  return om_test_finish();
}
