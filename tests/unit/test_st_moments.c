/*
** test_st_moments.c — exact power sums and moments (st_moments.h).
**
** 1. Hand cases against exact references (rational arithmetic in Python,
**    printed to 17 digits; scipy 1.10 agrees where its float sums are
**    exact): mean, variance, stddev, skewness G1, kurtosis G2.
** 2. Undefined results (behaviour 5): NaN for n = 0, variance n < 2,
**    skewness n < 3, kurtosis n < 4, and constant data (A2 = 0).
** 3. Exactness: data + 1e9 (exactly representable) gives bit for bit the
**    variance, skewness and kurtosis of the data; the mean of
**    {1e308, -1e308, x} is x/3.
** 4. Random sliding windows with spikes (1e300, -1e300, DBL_MAX, 1e-300,
**    subnormals, 1e9): after every step each result equals a fresh
**    accumulation of the window's values bit for bit, for kmax 1..4.
** 5. Against a long double two-pass computation on random data: 1e-12
**    relative.
** 6. The ends of the double range (behaviour 6): the variance of
**    {1e308, -1e308} is an error, its stddev 1.414e308; DBL_MAX pairs;
**    tiny values keep their moments.
** 7. Refused values, removing from empty, the carry after 2^30 updates
**    (pending set close to it), sizes.
** 8. OOM loop: st_psums never allocates, so a failing allocator changes
**    nothing (every allocation attempt would be counted).
*/
#include <float.h>
#include <stdint.h>
#include <stdlib.h>

#include "om_test.h"
#include "st_moments.h"

static st_psums *ps_new(int kmax) {
  st_psums *s = malloc(st_psums_size(kmax));
  st_psums_init(s, kmax);
  return s;
}

typedef struct res {
  double mean, var, sd, skew, kurt;
  om_status vst, sst;
} res;

static res results(st_psums *s) {
  res r;
  om_err e;
  r.mean = st_psums_mean(s);
  r.vst = s->kmax >= 2 ? st_psums_variance(s, &r.var, &e) : OM_OK;
  r.sst = s->kmax >= 2 ? st_psums_stddev(s, &r.sd, &e) : OM_OK;
  if (s->kmax < 2) r.var = r.sd = NAN;
  r.skew = st_psums_skewness(s);
  r.kurt = st_psums_kurtosis(s);
  return r;
}

static int same(double a, double b) {
  return (isnan(a) && isnan(b)) || (a == b && signbit(a) == signbit(b)) || (a == b && a != 0);
}

static int same_res(const res *a, const res *b) {
  return same(a->mean, b->mean) && same(a->var, b->var) && same(a->sd, b->sd) && same(a->skew, b->skew) &&
         same(a->kurt, b->kurt) && a->vst == b->vst && a->sst == b->sst;
}

static res of(const double *x, size_t n, int kmax) {
  st_psums *s = ps_new(kmax);
  om_err e;
  res r;
  for (size_t i = 0; i < n; i++) st_psums_add(s, x[i], &e);
  r = results(s);
  free(s);
  return r;
}

static void test_hand(void) {
  static const double a[] = {1, 2, 3, 4, 10};
  static const double b[] = {2.5, -1, 7, 3, 3, 0.25, 11};
  static const double c[] = {1e9 + 0.125, 1e9 + 0.5, 1e9, 1e9 + 3.0, 1e9 + 0.25};
  static const double d[] = {5, 1, 4, 2, 3, 9};
  struct {
    const double *x;
    size_t n;
    double mean, var, sd, skew, kurt;
  } cases[] = {
      /* exact references (fractions.Fraction, mpmath); scipy 1.10 gives the
      ** same but for b's G1/G2 (..336 / ..738 vs scipy ..334 / ..723) and
      ** c, where numpy's float moments are off: var 1.5812500000000007,
      ** skew 2.118453760096627, kurt 4.563050209374322 */
      {a, 5, 4.0, 12.5, 3.5355339059327378, 1.697056274847714, 3.152},
      {b, 7, 3.6785714285714284, 16.764880952380953, 4.094493980015229, 0.9657789260115336, 0.6017254210899738},
      {c, 5, 1000000000.775, 1.58125, 1.2574776339959293, 2.1184536652963026, 4.5630497273820865},
      {d, 6, 4.0, 8.0, 2.8284271247461903, 1.193242693252299, 1.66875},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    res r = of(cases[k].x, cases[k].n, 4);
    CHECK_MSG(r.mean == cases[k].mean, "case %zu: mean %.17g", k, r.mean);
    CHECK_MSG(r.var == cases[k].var, "case %zu: var %.17g", k, r.var);
    CHECK_MSG(r.sd == cases[k].sd, "case %zu: sd %.17g", k, r.sd);
    CHECK_CLOSE(r.skew, cases[k].skew, 4e-16);
    CHECK_CLOSE(r.kurt, cases[k].kurt, 4e-16);
    CHECK(r.vst == OM_OK && r.sst == OM_OK);
  }
}

static void test_undefined(void) {
  static const double x[] = {3.5, -1.0, 8.25, 0.5};
  static const double k7[] = {7, 7, 7, 7, 7, 7};
  for (size_t n = 0; n <= 4; n++) {
    res r = of(x, n, 4);
    CHECK(n >= 1 ? !isnan(r.mean) : isnan(r.mean));
    CHECK(n >= 2 ? !isnan(r.var) && !isnan(r.sd) : isnan(r.var) && isnan(r.sd));
    CHECK(n >= 3 ? !isnan(r.skew) : isnan(r.skew));
    CHECK(n >= 4 ? !isnan(r.kurt) : isnan(r.kurt));
    CHECK(r.vst == OM_OK);
  }
  {
    res r = of(k7, 6, 4);
    CHECK(r.mean == 7 && r.var == 0 && r.sd == 0 && isnan(r.skew) && isnan(r.kurt));
  }
  { /* symmetric: skewness exactly 0; kmax too small: NaN */
    static const double s[] = {-2, -1, 0, 1, 2};
    res r = of(s, 5, 4);
    CHECK(r.skew == 0.0 && r.mean == 0.0);
    r = of(s, 5, 2);
    CHECK(isnan(r.skew) && isnan(r.kurt) && r.var == 2.5);
    r = of(s, 5, 3);
    CHECK(r.skew == 0.0 && isnan(r.kurt));
    r = of(s, 5, 1);
    CHECK(r.mean == 0.0 && isnan(r.var));
  }
}

static void test_exact(void) {
  double x[40], y[40];
  res a, b;
  for (int i = 0; i < 40; i++) {
    x[i] = (double)((i * 37) % 23) * 0.125 - 1.0 + (i % 5 == 0 ? 3.5 : 0);
    y[i] = x[i] + 1e9; /* exact: multiples of 1/8 near 1e9 */
  }
  a = of(x, 40, 4);
  b = of(y, 40, 4);
  CHECK(a.var == b.var && a.sd == b.sd && a.skew == b.skew && a.kurt == b.kurt);
  CHECK(b.mean == a.mean + 1e9);
  {
    static const double z[] = {1e308, -1e308, 3.0};
    res r = of(z, 3, 4);
    CHECK(r.mean == 1.0);
  }
  { /* 1e16 + 1, 1e16 - 1, ... : cancellation a float accumulator loses */
    static const double w[] = {1e16, 1e16 + 2, 1e16 - 2, 1e16 + 4, 1e16 - 4};
    res r = of(w, 5, 4);
    CHECK(r.mean == 1e16 && r.var == 10.0 && r.skew == 0.0);
    CHECK_CLOSE(r.kurt, -1.2, 1e-15);
  }
}

static uint64_t rng_state = 0x243F6A8885A308D3u;
static uint64_t rng(void) { /* splitmix64 */
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15u);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
  return z ^ (z >> 31);
}
static double urand(void) { return (double)(rng() >> 11) * 0x1p-53; }

static void test_windows(void) {
  static const double spikes[] = {1e300, -1e300, DBL_MAX, -DBL_MAX, 1e-300, 4.9e-324, -2.5e-320, 1e9, 1e12, 0.0};
  int fails = 0, checks = 0;
  for (int kmax = 1; kmax <= 4; kmax++) {
    for (int t = 0; t < 6; t++) {
      size_t w = (size_t)(t < 3 ? 1 + t * 7 : 60 + t * 30), len = 1500;
      double *x = malloc(len * sizeof *x);
      st_psums *s = ps_new(kmax);
      om_err e;
      for (size_t i = 0; i < len; i++) {
        x[i] = (urand() - 0.3) * (t % 2 ? 1e-3 : 50.0) + (t == 5 ? 1e9 : 0);
        if (rng() % 50 == 0) x[i] = spikes[rng() % (sizeof spikes / sizeof spikes[0])];
      }
      for (size_t i = 0; i < len; i++) {
        st_psums_add(s, x[i], &e);
        if (i >= w) st_psums_remove(s, x[i - w], &e);
        if (i % 3 == 0 || i < 10) {
          size_t lo = i >= w ? i - w + 1 : 0;
          res got = results(s), want = of(x + lo, i + 1 - lo, kmax);
          checks++;
          if (!same_res(&got, &want)) {
            if (fails < 5)
              fprintf(stderr, "  kmax %d window %zu at %zu: mean %.17g/%.17g var %.17g/%.17g kurt %.17g/%.17g\n",
                      kmax, w, i, got.mean, want.mean, got.var, want.var, got.kurt, want.kurt);
            fails++;
          }
        }
      }
      /* drain: back to the zeroed state */
      for (size_t i = len - (w < len ? w : len); i < len; i++) st_psums_remove(s, x[i], &e);
      CHECK(s->n == 0 && s->hi[0] == 0 && isnan(st_psums_mean(s)));
      free(s);
      free(x);
    }
  }
  CHECK_MSG(fails == 0, "%d of %d window results differ from a fresh accumulation", fails, checks);
}

/* long double two-pass reference */
static void ld_moments(const double *x, size_t n, double *var, double *skew, double *kurt) {
  long double m = 0, d2 = 0, d3 = 0, d4 = 0, nn = (long double)n;
  for (size_t i = 0; i < n; i++) m += x[i];
  m /= nn;
  for (size_t i = 0; i < n; i++) {
    long double d = x[i] - m;
    d2 += d * d;
    d3 += d * d * d;
    d4 += d * d * d * d;
  }
  *var = (double)(d2 / (nn - 1));
  *skew = (double)(sqrtl(nn * (nn - 1)) / (nn - 2) * (d3 / nn) / powl(d2 / nn, 1.5L));
  *kurt = (double)(((nn * nn - 1) * (d4 / nn) / ((d2 / nn) * (d2 / nn)) - 3 * (nn - 1) * (nn - 1)) /
                   ((nn - 2) * (nn - 3)));
}

static void test_random(void) {
  int bad = 0;
  for (int t = 0; t < 200; t++) {
    size_t n = 4 + (size_t)(rng() % 3000);
    double *x = malloc(n * sizeof *x), scale = ldexp(1.0, (int)(rng() % 80) - 40), v, sk, ku;
    res r;
    for (size_t i = 0; i < n; i++) {
      double u = urand();
      x[i] = (t % 3 == 0 ? u * u * u : u - 0.5) * scale + (t % 4 == 0 ? scale * 3 : 0);
    }
    r = of(x, n, 4);
    ld_moments(x, n, &v, &sk, &ku);
    if (!om_close(r.var, v, 1e-12, 0) || !om_close(r.skew, sk, 1e-10, 1e-13) ||
        !om_close(r.kurt, ku, 1e-10, 1e-12)) {
      if (bad < 5)
        fprintf(stderr, "  n %zu: var %.17g/%.17g skew %.17g/%.17g kurt %.17g/%.17g\n", n, r.var, v, r.skew, sk,
                r.kurt, ku);
      bad++;
    }
    CHECK(r.sd == sqrt(r.var) || om_close(r.sd, sqrt(r.var), 1e-15, 0));
    free(x);
  }
  CHECK_MSG(bad == 0, "%d of 200 random sets differ from long double two-pass", bad);
}

static void test_range(void) {
  om_err e;
  double v;
  st_psums *s = ps_new(4);
  st_psums_add(s, 1e308, &e);
  st_psums_add(s, -1e308, &e);
  CHECK(st_psums_mean(s) == 0.0);
  CHECK(st_psums_variance(s, &v, &e) == OM_INVALID && isnan(v));
  CHECK_STR(e.msg, "the variance is beyond the range of a double (over 1.8e308); divide the values by a "
                   "constant first");
  CHECK(st_psums_stddev(s, &v, &e) == OM_OK);
  CHECK_CLOSE(v, 1.4142135623730951e308, 1e-15);
  st_psums_init(s, 4);
  st_psums_add(s, DBL_MAX, &e);
  st_psums_add(s, -DBL_MAX, &e);
  CHECK(st_psums_stddev(s, &v, &e) == OM_INVALID && isnan(v));
  CHECK_STR(e.msg, "the standard deviation is beyond the range of a double (over 1.8e308); divide the "
                   "values by a constant first");
  st_psums_add(s, 0.0, &e); /* skewness of {M, -M, 0}: 0; kurtosis needs 4 */
  CHECK(st_psums_skewness(s) == 0.0 && isnan(st_psums_kurtosis(s)));
  st_psums_add(s, DBL_MAX, &e); /* {M, -M, 0, M}: scale-free numbers */
  {
    static const double u[] = {1, -1, 0, 1};
    res a = of(u, 4, 4);
    CHECK_CLOSE(st_psums_skewness(s), a.skew, 1e-15);
    CHECK_CLOSE(st_psums_kurtosis(s), a.kurt, 1e-15);
    CHECK(st_psums_variance(s, &v, &e) == OM_INVALID);
  }
  /* tiny and subnormal data: the moments of x * 2^-1074 */
  st_psums_init(s, 4);
  {
    static const double u[] = {1, 2, 3, 7, 11};
    res a = of(u, 5, 4);
    for (int i = 0; i < 5; i++) st_psums_add(s, u[i] * 0x1p-1074, &e);
    CHECK(st_psums_mean(s) == ldexp(a.mean, -1074) || om_close(st_psums_mean(s), ldexp(a.mean, -1074), 0, 0x1p-1074));
    CHECK(st_psums_variance(s, &v, &e) == OM_OK && v == 0.0); /* 26 * 2^-2148 underflows */
    CHECK(st_psums_stddev(s, &v, &e) == OM_OK);
    CHECK_CLOSE(v, ldexp(a.sd, -1074), 1e-9); /* subnormal: few bits */
    CHECK(st_psums_skewness(s) == a.skew && st_psums_kurtosis(s) == a.kurt);
    st_psums_init(s, 4);
    for (int i = 0; i < 5; i++) st_psums_add(s, u[i] * 1e-300, &e);
    CHECK(st_psums_variance(s, &v, &e) == OM_OK && v == 0.0);
    CHECK(st_psums_stddev(s, &v, &e) == OM_OK);
    CHECK_CLOSE(v, a.sd * 1e-300, 1e-15);
    CHECK_CLOSE(st_psums_skewness(s), a.skew, 1e-15);
  }
  free(s);
}

static void test_misc(void) {
  om_err e;
  st_psums *s = ps_new(4);
  CHECK(st_psums_add(s, NAN, &e) == OM_INVALID);
  CHECK_STR(e.msg, "value is not a finite number");
  CHECK(st_psums_add(s, -INFINITY, &e) == OM_INVALID && s->n == 0);
  CHECK(st_psums_remove(s, 1.0, &e) == OM_INVALID);
  CHECK_STR(e.msg, "value to remove is not held");
  CHECK(st_psums_size(1) < st_psums_size(2) && st_psums_size(2) < st_psums_size(3) &&
        st_psums_size(3) < st_psums_size(4) && st_psums_size(4) < 5600 && st_psums_size(9) == st_psums_size(4));
  /* the periodic carry (every 2^30 updates): force it */
  {
    static const double u[] = {-3.25, 1e10, 7.5, -1e-5, 2.0, 123456.789};
    res want = of(u, 6, 4), got;
    s->pending = ((int64_t)1 << 30) - 3;
    for (int i = 0; i < 6; i++) st_psums_add(s, u[i], &e);
    CHECK(s->pending == 3);
    got = results(s);
    CHECK(same_res(&got, &want));
    /* many removals and re-adds of one large value leave no trace */
    for (int i = 0; i < 100000; i++) {
      st_psums_add(s, 1e200 * (i % 3 - 1), &e);
      st_psums_remove(s, 1e200 * (i % 3 - 1), &e);
    }
    got = results(s);
    CHECK(same_res(&got, &want));
  }
  free(s);
}

static void test_oom(void) {
  long before;
  om_test_alloc_reset();
  before = om_test_alloc_count;
  for (long k = 1; k < 4; k++) {
    static const double u[] = {1, 2, 4, 8, 16};
    res r;
    om_test_alloc_fail_at = k;
    r = of(u, 5, 4);
    CHECK(r.vst == OM_OK && r.var == 37.2);
  }
  om_test_alloc_fail_at = 0;
  CHECK(om_test_alloc_count == before); /* nothing asked for memory */
}

int main(void) {
  test_hand();
  test_undefined();
  test_exact();
  test_windows();
  test_random();
  test_range();
  test_misc();
  test_oom();
  return om_test_finish();
}
