/*
** test_st_welch.c — exact sums (st_sums), moments and Welch's t-test (st_welch.h).
**
** 1. fixtures/welch/summary_cases.csv (fixtures/welch/make_welch.py, from
**    scipy.stats.ttest_ind_from_stats): t, df within 1e-9 relative, p within
**    1e-9 relative or 1e-300 absolute, CI bounds within 1e-9 of the largest
**    of |diff|, |ci_low|, |ci_high| (a bound near 0 is a difference of two
**    nearly equal numbers, so relative error is the wrong yardstick there).
** 2. The edge cases of st_welch.h behaviour 4, with scipy 1.10's numbers.
** 3. Argument validation and its messages.
** 4. Stability: 1e9 + noise against the same noise centred (identical
**    results: the sums are exact; a plain Welford update, shown for
**    comparison, loses ~1e-5), small add/remove cases, and 1e308/-1e308.
** 5. Randomised sliding windows (sizes 1..300) with spikes of 1e9, 1e12,
**    1e300, -1e300, DBL_MAX and subnormals: after every removal the moments
**    equal a fresh accumulation of the window bit for bit.
** 6. The ends of the double range (behaviour 9): a variance whose square
**    terms overflow, t/df/p unchanged by scaling the data by 2^-1000 or
**    2^500, tiny values, and the "beyond the range" errors.
** Run from the repository root (the fixture path is relative to it).
*/
#include <float.h>
#include <stdint.h>
#include <stdlib.h>

#include "om_test.h"
#include "st_welch.h"

#define SUMMARY_CSV "fixtures/welch/summary_cases.csv"

static double rel_err(double got, double want) {
  if (got == want || (isnan(got) && isnan(want))) return 0.0;
  if (want == 0.0 || isnan(got) || isnan(want)) return INFINITY;
  return fabs(got - want) / fabs(want);
}

static st_moments moments_from_summary(double n, double mean, double var) {
  st_moments m = {0};
  m.n = n;
  m.mean = mean;
  m.m2 = var * (n - 1.0);
  return m;
}

static int parse_alt(const char *s, st_alternative *alt) {
  if (strcmp(s, "two-sided") == 0) *alt = ST_TWO_SIDED;
  else if (strcmp(s, "less") == 0) *alt = ST_LESS;
  else if (strcmp(s, "greater") == 0) *alt = ST_GREATER;
  else return 0;
  return 1;
}

static void check_summary_cases(void) {
  FILE *fh = fopen(SUMMARY_CSV, "r");
  char line[1024];
  int n = 0;
  double w_t = 0, w_df = 0, w_p = 0, w_ci = 0;
  CHECK_MSG(fh != NULL, "cannot open %s (run from the repository root)", SUMMARY_CSV);
  if (!fh) return;
  if (!fgets(line, sizeof line, fh)) line[0] = 0; /* header */
  while (fgets(line, sizeof line, fh)) {
    int id;
    double na, ma, va, nb, mb, vb, conf, t, df, p, lo, hi, scale, e;
    char alt_s[16];
    st_alternative alt;
    st_moments a, b;
    st_welch_result r;
    om_err err;
    if (sscanf(line, "%d,%lf,%lf,%lf,%lf,%lf,%lf,%15[^,],%lf,%lf,%lf,%lf,%lf,%lf", &id, &na, &ma,
               &va, &nb, &mb, &vb, alt_s, &conf, &t, &df, &p, &lo, &hi) != 14 ||
        !parse_alt(alt_s, &alt)) {
      CHECK_MSG(0, "bad line in %s: %s", SUMMARY_CSV, line);
      continue;
    }
    a = moments_from_summary(na, ma, va);
    b = moments_from_summary(nb, mb, vb);
    CHECK(st_welch_ttest(&a, &b, alt, conf, &r, &err) == OM_OK);
    CHECK_MSG(om_close(r.t, t, 1e-9, 0.0), "case %d: t %.17g want %.17g", id, r.t, t);
    CHECK_MSG(om_close(r.df, df, 1e-9, 0.0), "case %d: df %.17g want %.17g", id, r.df, df);
    CHECK_MSG(om_close(r.p, p, 1e-9, 1e-300), "case %d: p %.17g want %.17g", id, r.p, p);
    scale = fabs(ma - mb);
    if (isfinite(lo) && fabs(lo) > scale) scale = fabs(lo);
    if (isfinite(hi) && fabs(hi) > scale) scale = fabs(hi);
    CHECK_MSG(om_close(r.ci_low, lo, 0.0, 1e-9 * scale), "case %d: ci_low %.17g want %.17g", id,
              r.ci_low, lo);
    CHECK_MSG(om_close(r.ci_high, hi, 0.0, 1e-9 * scale), "case %d: ci_high %.17g want %.17g", id,
              r.ci_high, hi);
    CHECK(r.n_a == na && r.n_b == nb && r.mean_a == ma && r.mean_b == mb);
    if ((e = rel_err(r.t, t)) > w_t) w_t = e;
    if ((e = rel_err(r.df, df)) > w_df) w_df = e;
    if (p > 1e-300 && (e = rel_err(r.p, p)) > w_p) w_p = e;
    if (isfinite(lo) && (e = fabs(r.ci_low - lo) / scale) > w_ci) w_ci = e;
    if (isfinite(hi) && (e = fabs(r.ci_high - hi) / scale) > w_ci) w_ci = e;
    n++;
  }
  fclose(fh);
  CHECK(n >= 400);
  printf("summary cases: %d; worst rel. error t %.3g, df %.3g, p %.3g, ci %.3g (of scale)\n", n,
         w_t, w_df, w_p, w_ci);
}

static st_moments moments_of(const double *x, int n) {
  static st_sums s; /* ~1.7 kB: kept off the stack */
  st_moments m;
  int i;
  memset(&s, 0, sizeof s);
  for (i = 0; i < n; i++) st_sums_add(&s, x[i], NULL);
  st_sums_moments(&s, &m);
  return m;
}

/* Raw-data edge cases; the expected numbers are scipy 1.10's ttest_ind. */
static void check_edge_cases(void) {
  static const double one[] = {1.0}, b124[] = {1.0, 2.0, 4.0}, two2[] = {2.0, 2.0},
                      two3[] = {2.0, 2.0, 2.0}, three2[] = {3.0, 3.0}, one2[] = {1.0, 1.0},
                      three3[] = {3.0, 3.0, 3.0}, half2[] = {2.5, 2.5}, c123[] = {1.0, 2.0, 3.0};
  st_moments a, b, empty = {0};
  st_welch_result r;
  om_err err;

  /* 4.1 a group with one value */
  a = moments_of(one, 1);
  b = moments_of(b124, 3);
  CHECK(st_welch_ttest(&a, &b, ST_TWO_SIDED, 0.95, &r, &err) == OM_OK);
  CHECK(r.n_a == 1 && r.n_b == 3 && r.mean_a == 1.0 && r.mean_b == 7.0 / 3.0);
  CHECK(isnan(r.var_a) && fabs(r.var_b - 7.0 / 3.0) < 1e-15);
  CHECK(fabs(r.diff - (1.0 - 7.0 / 3.0)) < 1e-15);
  CHECK(isnan(r.t) && isnan(r.df) && isnan(r.p) && isnan(r.ci_low) && isnan(r.ci_high));
  CHECK(st_welch_ttest(&b, &a, ST_LESS, 0.95, &r, &err) == OM_OK && isnan(r.t) && isnan(r.p));
  /* ... and an empty one */
  CHECK(st_welch_ttest(&empty, &b, ST_GREATER, 0.9, &r, &err) == OM_OK);
  CHECK(r.n_a == 0 && isnan(r.mean_a) && isnan(r.var_a) && isnan(r.diff) && isnan(r.p));

  /* 4.2 both variances zero, equal means */
  a = moments_of(two2, 2);
  b = moments_of(two3, 3);
  CHECK(st_welch_ttest(&a, &b, ST_TWO_SIDED, 0.95, &r, &err) == OM_OK);
  CHECK(r.var_a == 0.0 && r.var_b == 0.0 && r.diff == 0.0);
  CHECK(isnan(r.t) && isnan(r.p) && isnan(r.df));
  CHECK(r.ci_low == 0.0 && r.ci_high == 0.0);
  CHECK(st_welch_ttest(&a, &b, ST_LESS, 0.95, &r, &err) == OM_OK);
  CHECK(isnan(r.p) && r.ci_low == -INFINITY && r.ci_high == 0.0);

  /* 4.3 both variances zero, different means: scipy t = ±inf, p 0 or 1 */
  a = moments_of(three2, 2);
  CHECK(st_welch_ttest(&a, &b, ST_TWO_SIDED, 0.95, &r, &err) == OM_OK);
  CHECK(r.t == INFINITY && r.p == 0.0 && isnan(r.df) && r.ci_low == 1.0 && r.ci_high == 1.0);
  CHECK(st_welch_ttest(&a, &b, ST_LESS, 0.95, &r, &err) == OM_OK && r.p == 1.0);
  CHECK(r.ci_low == -INFINITY && r.ci_high == 1.0);
  CHECK(st_welch_ttest(&a, &b, ST_GREATER, 0.95, &r, &err) == OM_OK && r.p == 0.0);
  CHECK(r.ci_low == 1.0 && r.ci_high == INFINITY);
  a = moments_of(one2, 2);
  CHECK(st_welch_ttest(&a, &b, ST_TWO_SIDED, 0.95, &r, &err) == OM_OK);
  CHECK(r.t == -INFINITY && r.p == 0.0);
  CHECK(st_welch_ttest(&a, &b, ST_LESS, 0.95, &r, &err) == OM_OK && r.p == 0.0);
  CHECK(st_welch_ttest(&a, &b, ST_GREATER, 0.95, &r, &err) == OM_OK && r.p == 1.0);

  /* 4.4 one variance zero: df = n - 1 of the other group */
  a = moments_of(three3, 3);
  b = moments_of(b124, 3);
  CHECK(st_welch_ttest(&a, &b, ST_TWO_SIDED, 0.95, &r, &err) == OM_OK);
  CHECK_CLOSE(r.t, 0.7559289460184544, 1e-14);
  CHECK_CLOSE(r.df, 2.0, 1e-15);
  CHECK_CLOSE(r.p, 0.5285954792089684, 1e-13);
  CHECK(st_welch_ttest(&a, &b, ST_LESS, 0.95, &r, &err) == OM_OK);
  CHECK_CLOSE(r.p, 0.7357022603955159, 1e-13);
  CHECK(st_welch_ttest(&a, &b, ST_GREATER, 0.95, &r, &err) == OM_OK);
  CHECK_CLOSE(r.p, 0.2642977396044842, 1e-13);
  /* scipy >= 1.11's confidence_interval: diff + t_{0.05, 2} * se */
  CHECK_CLOSE(r.ci_low, 2.0 / 3.0 - 2.9199855803537242 * sqrt(7.0 / 9.0), 1e-13);
  a = moments_of(b124, 3);
  b = moments_of(half2, 2);
  CHECK(st_welch_ttest(&a, &b, ST_TWO_SIDED, 0.95, &r, &err) == OM_OK);
  CHECK_CLOSE(r.t, -0.18898223650461346, 1e-14);
  CHECK_CLOSE(r.p, 0.8675467642934958, 1e-13);
  CHECK(st_welch_ttest(&a, &b, ST_LESS, 0.95, &r, &err) == OM_OK);
  CHECK_CLOSE(r.p, 0.4337733821467479, 1e-13);
  CHECK(st_welch_ttest(&a, &b, ST_GREATER, 0.95, &r, &err) == OM_OK);
  CHECK_CLOSE(r.p, 0.5662266178532521, 1e-13);
  a = moments_of(c123, 3);
  b = moments_of(two2, 2);
  CHECK(st_welch_ttest(&a, &b, ST_TWO_SIDED, 0.95, &r, &err) == OM_OK);
  CHECK(r.t == 0.0 && r.p == 1.0 && r.df == 2.0);
  CHECK(st_welch_ttest(&a, &b, ST_LESS, 0.95, &r, &err) == OM_OK && r.p == 0.5);
  CHECK(st_welch_ttest(&a, &b, ST_GREATER, 0.95, &r, &err) == OM_OK && r.p == 0.5);
}

static void check_validation(void) {
  static const double x[] = {1.0, 2.0, 4.0};
  st_moments a = moments_of(x, 3);
  st_welch_result r;
  om_err err;
  CHECK(st_welch_ttest(&a, &a, ST_TWO_SIDED, 0.0, &r, &err) == OM_INVALID);
  CHECK_STR(err.msg, "confidence must be strictly between 0 and 1 (got 0)");
  CHECK(isnan(r.t) && isnan(r.p) && isnan(r.n_a));
  CHECK(st_welch_ttest(&a, &a, ST_TWO_SIDED, 1.0, &r, &err) == OM_INVALID);
  CHECK_STR(err.msg, "confidence must be strictly between 0 and 1 (got 1)");
  CHECK(st_welch_ttest(&a, &a, ST_LESS, 1.5, &r, &err) == OM_INVALID);
  CHECK_STR(err.msg, "confidence must be strictly between 0 and 1 (got 1.5)");
  CHECK(st_welch_ttest(&a, &a, ST_LESS, NAN, &r, &err) == OM_INVALID);
  CHECK_STR(err.msg, "confidence must be strictly between 0 and 1 (got nan)");
  CHECK(st_welch_ttest(&a, &a, (st_alternative)7, 0.95, &r, &err) == OM_INVALID);
  CHECK_STR(err.msg, "alternative must be two-sided, less or greater");
  CHECK(st_welch_ttest(NULL, &a, ST_LESS, 0.95, &r, &err) == OM_INVALID);
  CHECK(st_welch_ttest(&a, &a, ST_LESS, 0.95, NULL, &err) == OM_INVALID);
  CHECK(st_welch_ttest(&a, &a, ST_LESS, 0.95, &r, NULL) == OM_OK); /* err may be NULL */
  CHECK(st_welch_ttest(&a, &a, ST_LESS, 0.5, NULL, NULL) == OM_INVALID);
}

/* Deterministic N(0,1) draws: xorshift64* and Box–Muller. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static double rng_uniform(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return ((rng_state * 0x2545F4914F6CDD1Dull) >> 11) * (1.0 / 9007199254740992.0) + 0x1p-54;
}
static double rng_normal(void) {
  return sqrt(-2.0 * log(rng_uniform())) * cos(6.283185307179586 * rng_uniform());
}

/* The textbook Welford update, for comparison only. */
static void plain_add(st_moments *m, double x) {
  double d = x - m->mean;
  m->n += 1.0;
  m->mean += d / m->n;
  m->m2 += d * (x - m->mean);
}

static void check_offset_stability(void) {
  enum { NA = 1000, NB = 1200 };
  static const double offsets[] = {1e9, -3.5e12, 1e6};
  size_t k;
  for (k = 0; k < sizeof offsets / sizeof offsets[0]; k++) {
    double off = offsets[k], worst = 0, e;
    static st_sums ssa, ssb, sca, scb;
    st_moments sa, sb, ca, cb, pa = {0}, pb = {0};
    st_welch_result rs, rc, rp;
    om_err err;
    int i;
    memset(&ssa, 0, sizeof ssa);
    memset(&ssb, 0, sizeof ssb);
    memset(&sca, 0, sizeof sca);
    memset(&scb, 0, sizeof scb);
    for (i = 0; i < NA + NB; i++) {
      double y = off + (i < NA ? 0.0 : 0.1) + (i < NA ? 1.0 : 1.3) * rng_normal();
      double x = y - off; /* exact: the centred twin of y */
      st_sums_add(i < NA ? &ssa : &ssb, y, NULL);
      st_sums_add(i < NA ? &sca : &scb, x, NULL);
      plain_add(i < NA ? &pa : &pb, y);
    }
    st_sums_moments(&ssa, &sa);
    st_sums_moments(&ssb, &sb);
    st_sums_moments(&sca, &ca);
    st_sums_moments(&scb, &cb);
    CHECK(st_welch_ttest(&sa, &sb, ST_TWO_SIDED, 0.95, &rs, &err) == OM_OK);
    CHECK(st_welch_ttest(&ca, &cb, ST_TWO_SIDED, 0.95, &rc, &err) == OM_OK);
    CHECK(st_welch_ttest(&pa, &pb, ST_TWO_SIDED, 0.95, &rp, &err) == OM_OK);
    if ((e = rel_err(rs.t, rc.t)) > worst) worst = e;
    if ((e = rel_err(rs.p, rc.p)) > worst) worst = e;
    if ((e = rel_err(rs.df, rc.df)) > worst) worst = e;
    if ((e = rel_err(rs.var_a, rc.var_a)) > worst) worst = e;
    if ((e = rel_err(rs.var_b, rc.var_b)) > worst) worst = e;
    if ((e = rel_err(rs.diff, rc.diff)) > worst) worst = e;
    if ((e = rel_err(rs.ci_low - rs.diff, rc.ci_low - rc.diff)) > worst) worst = e;
    CHECK_MSG(worst <= 1e-12, "offset %g: worst rel. difference %.3g", off, worst);
    CHECK(fabs((rs.mean_a - off) - rc.mean_a) <= 2.0 * fabs(off) * DBL_EPSILON);
    printf("offset %g + noise vs centred noise: worst rel. difference %.3g "
           "(plain Welford: t %.3g, var_a %.3g)\n",
           off, worst, rel_err(rp.t, rc.t), rel_err(rp.var_a, rc.var_a));
  }
}

/* Two st_moments are the same bits (exactness of st_sums_remove). */
static int same_moments(const st_moments *x, const st_moments *y) {
  return x->n == y->n && x->mean == y->mean && x->mean_lo == y->mean_lo && x->m2 == y->m2 &&
         x->m2_exp == y->m2_exp && x->mean_exp == y->mean_exp;
}

static void check_add_remove(void) {
  static st_sums s;
  st_moments m;
  om_err err;

  /* small exact case */
  memset(&s, 0, sizeof s);
  st_sums_add(&s, 1.0, NULL);
  st_sums_add(&s, 2.0, NULL);
  st_sums_add(&s, 3.0, NULL);
  st_sums_remove(&s, 3.0, NULL);
  st_sums_moments(&s, &m);
  CHECK(m.n == 2.0 && m.mean == 1.5 && ldexp(m.m2, m.m2_exp) == 0.5 && m.mean_lo == 0.0);
  st_sums_remove(&s, 1.0, NULL);
  st_sums_moments(&s, &m);
  CHECK(m.n == 1.0 && m.mean == 2.0 && m.m2 == 0.0 && isnan(st_moments_var(&m)));
  st_sums_remove(&s, 2.0, NULL);
  CHECK(s.n == 0 && s.hi1 == 0 && s.hi2 == 0);
  st_sums_remove(&s, 5.0, NULL); /* empty: nothing happens */
  CHECK(s.n == 0 && s.hi1 == 0 && s.hi2 == 0);
  CHECK(st_sums_add(&s, INFINITY, &err) == OM_INVALID && s.n == 0);
  CHECK_STR(err.msg, "value is not a finite number");
  CHECK(st_sums_add(&s, NAN, &err) == OM_INVALID && s.n == 0);
  /* 1e308 and -1e308: mean 0, variance 2e616 (m2 carries its exponent) */
  st_sums_add(&s, 1e308, NULL);
  st_sums_add(&s, -1e308, NULL);
  st_sums_moments(&s, &m);
  CHECK(m.n == 2.0 && m.mean == 0.0 && m.mean_lo == 0.0);
  CHECK(isinf(st_moments_var(&m)));
  CHECK_CLOSE(log2(m.m2) + m.m2_exp, 2.0 * log2(1e308) + 1.0, 1e-15);
  /* the smallest subnormal and 0: m2 = (2^-1074)^2 / 2 exactly */
  memset(&s, 0, sizeof s);
  st_sums_add(&s, 0x1p-1074, NULL);
  st_sums_add(&s, 0.0, NULL);
  st_sums_moments(&s, &m);
  CHECK(m.m2 == 0.5 && m.m2_exp == -2148);
}

/* Randomised: sliding windows over data with spikes of every size (1e9,
** 1e12, 1e300, -1e300, subnormals, mixed), removal by st_sums_remove, must
** give exactly (bit for bit) the moments of a fresh accumulation of the
** values in the window, checked at every step. */
static void check_sliding_random(void) {
  enum { STEPS = 20000, MAXWIN = 300 };
  static double ring[MAXWIN];
  static st_sums s, fresh;
  static const double spikes[] = {1e9, 1e12, 1e300, -1e300, 1.7976931348623157e308, 0x1p-1074, -3e-310, 1e-300};
  int trial, checked = 0, mismatches = 0;
  for (trial = 0; trial < 6; trial++) {
    int win = trial == 0 ? 1 : trial == 1 ? 2 : trial == 2 ? 17 : trial == 3 ? 100 : MAXWIN;
    int i, j, count = 0;
    memset(&s, 0, sizeof s);
    for (i = 0; i < STEPS; i++) {
      double u = rng_uniform(), x;
      if (u < 0.01) x = spikes[(int)(rng_uniform() * 8) % 8] * (rng_uniform() < 0.5 ? 1 : -1);
      else if (trial == 5) x = 1e9 + rng_normal(); /* a large common offset */
      else x = 100.0 + rng_normal();
      if (count == win) st_sums_remove(&s, ring[(i - win) % MAXWIN], NULL);
      else count++;
      ring[i % MAXWIN] = x;
      st_sums_add(&s, x, NULL);
      if (i % 7 == 0 || i < 3 * win) {
        st_moments m, f;
        memset(&fresh, 0, sizeof fresh);
        for (j = i - count + 1; j <= i; j++) st_sums_add(&fresh, ring[j % MAXWIN], NULL);
        st_sums_moments(&s, &m);
        st_sums_moments(&fresh, &f);
        checked++;
        if (!same_moments(&m, &f)) {
          if (mismatches++ < 5)
            fprintf(stderr, "window %d step %d: mean %.17g/%.17g m2 %.17g*2^%d / %.17g*2^%d\n", win, i, m.mean, f.mean,
                    m.m2, m.m2_exp, f.m2, f.m2_exp);
        }
      }
    }
  }
  CHECK_MSG(mismatches == 0, "%d of %d windows differ from a fresh accumulation", mismatches, checked);
  printf("sliding windows with spikes: %d windows compared, %d differ (bit for bit)\n", checked, mismatches);
}

/* Moments near the ends of the double range against exact values. */
static void check_range(void) {
  static const double big[] = {0, 0, 0, 0, 2e154};
  static const double tiny_a[] = {1e-160, 2e-160, 4e-160}, tiny_b[] = {3e-160, 5e-160, 9e-160};
  static const double one_a[] = {1.0, 2.0, 4.0}, one_b[] = {3.0, 5.0, 9.0};
  st_moments a, b, c, d;
  st_welch_result r, q;
  om_err err;
  double ta[3], tb[3];
  int i;
  /* var of {0,0,0,0,2e154} = 2e308 * 4 / 20 = 8e307: representable although (2e154)^2 is not */
  a = moments_of(big, 5);
  CHECK_CLOSE(st_moments_var(&a), 8e307, 1e-15);
  /* scaling by 2^-1000 and 2^500 changes no t, df or p */
  for (i = 0; i < 3; i++) {
    ta[i] = ldexp(one_a[i], -1000);
    tb[i] = ldexp(one_b[i], -1000);
  }
  a = moments_of(one_a, 3);
  b = moments_of(one_b, 3);
  c = moments_of(ta, 3);
  d = moments_of(tb, 3);
  CHECK(st_welch_ttest(&a, &b, ST_TWO_SIDED, 0.95, &r, &err) == OM_OK);
  CHECK(st_welch_ttest(&c, &d, ST_TWO_SIDED, 0.95, &q, &err) == OM_OK);
  CHECK(r.t == q.t && r.df == q.df && r.p == q.p);
  CHECK(ldexp(r.ci_low, -1000) == q.ci_low && ldexp(r.var_a, -2000) == q.var_a);
  for (i = 0; i < 3; i++) {
    ta[i] = ldexp(one_a[i], 500);
    tb[i] = ldexp(one_b[i], 500);
  }
  c = moments_of(ta, 3);
  d = moments_of(tb, 3);
  CHECK(st_welch_ttest(&c, &d, ST_TWO_SIDED, 0.95, &q, &err) == OM_OK);
  CHECK(r.t == q.t && r.df == q.df && r.p == q.p && ldexp(r.ci_high, 500) == q.ci_high);
  /* tiny values: t is scale-free */
  c = moments_of(tiny_a, 3);
  d = moments_of(tiny_b, 3);
  CHECK(st_welch_ttest(&c, &d, ST_TWO_SIDED, 0.95, &q, &err) == OM_OK);
  CHECK_CLOSE(q.t, r.t, 1e-14);
  CHECK_CLOSE(q.p, r.p, 1e-13);
  /* beyond the range: a clear error, NaN everywhere */
  {
    static const double h[] = {1e308, -1e308}, k[] = {1.0, 2.0}, m1[] = {1e308, 1e308}, m2[] = {-1e308, -1e308};
    a = moments_of(h, 2);
    b = moments_of(k, 2);
    CHECK(a.mean == 0.0);
    CHECK(st_welch_ttest(&a, &b, ST_TWO_SIDED, 0.95, &r, &err) == OM_INVALID && isnan(r.t) && isnan(r.var_a));
    CHECK_STR(err.msg, "var_a is about 2e+616, beyond the range of a double; divide the values by a constant first");
    CHECK(st_welch_ttest(&b, &a, ST_TWO_SIDED, 0.95, &r, &err) == OM_INVALID);
    CHECK_STR(err.msg, "var_b is about 2e+616, beyond the range of a double; divide the values by a constant first");
    a = moments_of(m1, 2);
    b = moments_of(m2, 2);
    CHECK(st_welch_ttest(&a, &b, ST_GREATER, 0.95, &r, &err) == OM_INVALID);
    CHECK_STR(err.msg, "diff is about 2e+308, beyond the range of a double; divide the values by a constant first");
  }
}

int main(void) {
  check_summary_cases();
  check_edge_cases();
  check_validation();
  check_offset_stability();
  check_add_remove();
  check_sliding_random();
  check_range();
  return om_test_finish();
}
