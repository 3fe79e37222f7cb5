/*
** test_st_rank.c — the Mann–Whitney core (st_rank.h) and the two-sample KS
** core (st_ks.h), without SQLite.
**
** 1. Known values: scipy's documented example (males/females: U = 17,
**    exact p = 0.1111111111111111, asymptotic p 0.11134688653314041 with a
**    tie), scipy 1.10 numbers for a few KS cases.
** 2. Exact MWU p against brute-force enumeration of all C(n1+n2, n1)
**    splits of the pooled ranks (sizes up to 6 + 7), every alternative.
** 3. st_pairdiff_select against sorting all n1*n2 differences, random
**    sizes 1..60 with ties, every k; the HL shift and interval ends are
**    such order statistics.
** 4. Exact KS p against brute-force enumeration of all splits (sizes up to
**    6 + 7), both one- and two-sided.
** 5. st_kstwo_sf: continuity at its branch boundaries and known values
**    (scipy.stats.kstwo.sf), st_smirnov_sf against scipy.special.smirnov.
** 6. Errors: empty samples, NaN, bad alternative/confidence; OOM: every
**    allocation failed in turn gives OM_NOMEM and no leak.
*/
#include <stdlib.h>

#include "om_test.h"
#include "st_ks.h"
#include "st_rank.h"

static double rel_err(double got, double want) {
  if (got == want) return 0;
  if (want == 0) return fabs(got);
  return fabs(got - want) / fabs(want);
}

static void check_known(void) {
  double m[] = {19, 22, 16, 29, 24}, f[] = {20, 11, 17, 12};
  st_mwu_result r;
  om_err e;
  CHECK(st_mann_whitney(m, 5, f, 4, ST_TWO_SIDED, 0.95, NULL, &r, &e) == OM_OK);
  CHECK(r.u1 == 17 && r.u2 == 3 && r.exact == 1);
  CHECK_CLOSE(r.p, 0.1111111111111111, 1e-15);
  CHECK(r.cles == 17.0 / 20);
  {
    double m2[] = {19, 22, 16, 29, 24}, f2[] = {20, 11, 17, 12};
    CHECK(st_mann_whitney(f2, 4, m2, 5, ST_LESS, 0.95, NULL, &r, &e) == OM_OK);
    CHECK_CLOSE(r.p, 0.05555555555555555, 1e-15);
  }
  {
    /* a tie forces the asymptotic method: scipy U 20.5, p 0.11607394330990008 */
    double a[] = {19, 22, 16, 29, 24}, b[] = {20, 11, 17, 12, 19};
    CHECK(st_mann_whitney(a, 5, b, 5, ST_TWO_SIDED, 0.95, NULL, &r, &e) == OM_OK);
    CHECK(r.exact == 0 && r.u1 == 20.5);
    CHECK_CLOSE(r.p, 0.11607394330990008, 1e-14);
  }
  {
    /* every value equal: p = 1, shift 0, CI [0, 0] */
    double a[] = {3, 3, 3, 3, 3, 3, 3, 3, 3, 3}, b[] = {3, 3, 3, 3, 3, 3, 3, 3, 3, 3};
    CHECK(st_mann_whitney(a, 10, b, 10, ST_TWO_SIDED, 0.95, NULL, &r, &e) == OM_OK);
    CHECK(r.p == 1 && r.hl == 0 && r.ci_low == 0 && r.ci_high == 0);
  }
  {
    /* scipy 1.10: ks_2samp([1,2,3,4,5],[3,4,5,6,7,8]): D 0.5 at 5, sign 1, p 0.35714285714285715 */
    double a[] = {1, 2, 3, 4, 5}, b[] = {3, 4, 5, 6, 7, 8};
    st_ks_result k;
    CHECK(st_ks_2samp(a, 5, b, 6, ST_TWO_SIDED, NULL, &k, &e) == OM_OK);
    CHECK(k.exact == 1 && k.statistic == 0.5 && k.sign == 1 && k.location == 5);
    CHECK_CLOSE(k.p, 0.35714285714285715, 1e-14);
    CHECK(k.d_plus == 0.5 && k.d_minus == 0);
  }
}

/* ---------------------------------------------- brute-force enumeration */

/* all subsets of size n1 of {0..N-1} (pooled, sorted values v) */
typedef struct enum_state {
  int N, n1;
  const double *v;
  double stat_obs;
  int alt;
  int ks;
  long hits, total;
  int n2;
} enum_state;

static double mw_u(const double *v, const int *sel, int N, int n1) {
  double u = 0;
  for (int i = 0; i < N; i++)
    if (sel[i])
      for (int j = 0; j < N; j++)
        if (!sel[j]) u += v[i] > v[j] ? 1 : v[i] == v[j] ? 0.5 : 0;
  (void)n1;
  return u;
}

/* KS statistic for alternative: D+ (alt 2), D- (alt 1), max (alt 0), as integers */
static long ks_d(const double *v, const int *sel, int N, int n1, int n2, int alt) {
  long c1 = 0, c2 = 0, mx = 0, mn = 0;
  for (int i = 0; i < N; i++) {
    if (sel[i]) c1++;
    else c2++;
    if (i + 1 < N && v[i + 1] == v[i]) continue;
    long d = c1 * n2 - c2 * n1;
    if (d > mx) mx = d;
    if (d < mn) mn = d;
  }
  return alt == 2 ? mx : alt == 1 ? -mn : (mx > -mn ? mx : -mn);
}

static void enum_rec(enum_state *s, int *sel, int pos, int left) {
  if (left == 0) {
    double st;
    s->total++;
    if (s->ks) st = (double)ks_d(s->v, sel, s->N, s->n1, s->n2, s->alt);
    else {
      double u1 = mw_u(s->v, sel, s->N, s->n1), mnn = (double)s->n1 * s->n2;
      /* two-sided: scipy's 2 * P(U1 >= max(U1, U2)) of the observed sample */
      st = s->alt == 1 ? mnn - u1 : u1;
    }
    if (st >= s->stat_obs - 1e-9) s->hits++;
    return;
  }
  if (s->N - pos < left) return;
  sel[pos] = 1;
  enum_rec(s, sel, pos + 1, left - 1);
  sel[pos] = 0;
  enum_rec(s, sel, pos + 1, left);
}

static void check_enumeration(void) {
  uint64_t seed = 7;
  double worst_mw = 0, worst_ks = 0;
  for (int n1 = 1; n1 <= 6; n1++)
    for (int n2 = 1; n2 <= 7; n2++)
      for (int alt = 0; alt < 3; alt++) {
        double x[6], y[7], v[13], xs[6], ys[7];
        int sel[13] = {0}, N = n1 + n2;
        st_mwu_result r;
        st_ks_result k;
        om_err e;
        enum_state s;
        for (int i = 0; i < n1; i++) x[i] = om_test_unif(&seed);
        for (int j = 0; j < n2; j++) y[j] = om_test_unif(&seed) + 0.2;
        /* pooled sorted, and the observed selection */
        memcpy(xs, x, sizeof x);
        memcpy(ys, y, sizeof y);
        CHECK(st_mann_whitney(xs, (size_t)n1, ys, (size_t)n2, (st_alternative)alt, 0.9, NULL, &r, &e) == OM_OK);
        CHECK(r.exact == 1);
        memcpy(xs, x, sizeof x);
        memcpy(ys, y, sizeof y);
        CHECK(st_ks_2samp(xs, (size_t)n1, ys, (size_t)n2, (st_alternative)alt, NULL, &k, &e) == OM_OK);
        for (int i = 0; i < n1; i++) v[i] = x[i];
        for (int j = 0; j < n2; j++) v[n1 + j] = y[j];
        st_sort_doubles(v, (size_t)N);
        for (int i = 0; i < N; i++)
          for (int a = 0; a < n1; a++)
            if (v[i] == x[a]) sel[i] = 1;
        memset(&s, 0, sizeof s);
        s.N = N;
        s.n1 = n1;
        s.n2 = n2;
        s.v = v;
        s.alt = alt;
        {
          double u1 = mw_u(v, sel, N, n1), mnn = (double)n1 * n2;
          s.stat_obs = alt == 2 ? u1 : alt == 1 ? mnn - u1 : (u1 > mnn - u1 ? u1 : mnn - u1);
          CHECK(u1 == r.u1);
          s.ks = 0;
          {
            int sel2[13] = {0};
            enum_rec(&s, sel2, 0, n1);
          }
          double p = (alt == 0 ? 2.0 : 1.0) * (double)s.hits / (double)s.total;
          if (p > 1) p = 1;
          if (rel_err(r.p, p) > worst_mw) worst_mw = rel_err(r.p, p);
        }
        s.ks = 1;
        s.hits = s.total = 0;
        s.stat_obs = (double)ks_d(v, sel, N, n1, n2, alt);
        {
          int sel2[13] = {0};
          enum_rec(&s, sel2, 0, n1);
        }
        {
          double p = (double)s.hits / (double)s.total;
          if (rel_err(k.p, p) > worst_ks) worst_ks = rel_err(k.p, p);
        }
      }
  printf("enumeration: worst relative error MWU exact p %.3g, KS exact p %.3g\n", worst_mw, worst_ks);
  CHECK(worst_mw < 1e-14);
  CHECK(worst_ks < 1e-13);
}

static int cmpd(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void check_selection(void) {
  uint64_t seed = 11;
  int bad = 0, tried = 0;
  for (int t = 0; t < 60; t++) {
    size_t n1 = 1 + (size_t)(om_test_unif(&seed) * 60), n2 = 1 + (size_t)(om_test_unif(&seed) * 60);
    double *x = malloc(n1 * sizeof *x), *y = malloc(n2 * sizeof *y), *all = malloc(n1 * n2 * sizeof *all);
    int ties = t % 2;
    for (size_t i = 0; i < n1; i++) x[i] = ties ? floor(om_test_unif(&seed) * 5) : om_test_unif(&seed) * 10;
    for (size_t j = 0; j < n2; j++) y[j] = ties ? floor(om_test_unif(&seed) * 5) : om_test_unif(&seed) * 10;
    st_sort_doubles(x, n1);
    st_sort_doubles(y, n2);
    for (size_t i = 0; i < n1; i++)
      for (size_t j = 0; j < n2; j++) all[i * n2 + j] = x[i] - y[j];
    qsort(all, n1 * n2, sizeof *all, cmpd);
    for (uint64_t k = 0; k < n1 * n2; k += 1 + (uint64_t)(n1 * n2 / 97)) {
      double got;
      tried++;
      if (st_pairdiff_select(x, n1, y, n2, k, NULL, &got) != OM_OK || got != all[k]) bad++;
    }
    free(x);
    free(y);
    free(all);
  }
  CHECK_MSG(bad == 0, "%d of %d selections wrong", bad, tried);
  /* large, to exercise the pivot loop: 3000 x 2000 against a sort */
  {
    size_t n1 = 3000, n2 = 2000;
    double *x = malloc(n1 * sizeof *x), *y = malloc(n2 * sizeof *y), *all = malloc(n1 * n2 * sizeof *all), got;
    for (size_t i = 0; i < n1; i++) x[i] = floor(om_test_unif(&seed) * 1000) / 8;
    for (size_t j = 0; j < n2; j++) y[j] = om_test_unif(&seed) * 100;
    st_sort_doubles(x, n1);
    st_sort_doubles(y, n2);
    for (size_t i = 0; i < n1; i++)
      for (size_t j = 0; j < n2; j++) all[i * n2 + j] = x[i] - y[j];
    qsort(all, n1 * n2, sizeof *all, cmpd);
    uint64_t ks[] = {0, 1, 12345, 2999999, 3000000, 5999999};
    for (size_t q = 0; q < sizeof ks / sizeof ks[0]; q++) {
      CHECK(st_pairdiff_select(x, n1, y, n2, ks[q], NULL, &got) == OM_OK);
      CHECK_MSG(got == all[ks[q]], "k %llu got %.17g want %.17g", (unsigned long long)ks[q], got, all[ks[q]]);
    }
    free(x);
    free(y);
    free(all);
  }
}

static void check_kstwo(void) {
  /* scipy 1.10 stats.kstwo.sf(d, n) */
  struct {
    double d;
    int64_t n;
    double want;
  } c[] = {
      {0.1, 100, 0.2526927570063874},    /* n <= 140: Durbin matrix */
      {0.3, 100, 1.7719869892662917e-08}, /* n <= 140, n d^2 > 4: 2 smirnov */
      {0.6, 20, 2.0483011649719853e-07},  /* d >= 0.5 */
      {0.01, 10000, 0.2682191277029192}, /* Pelz–Good */
      {0.02, 10000, 0.0006616848639387309}, /* n d^2 >= 2.2: 2 smirnov */
  };
  for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
    CHECK_MSG(rel_err(st_kstwo_sf(c[i].d, c[i].n), c[i].want) < 1e-9, "kstwo.sf(%g, %lld) = %.17g want %.17g",
              c[i].d, (long long)c[i].n, st_kstwo_sf(c[i].d, c[i].n), c[i].want);
  CHECK(st_kstwo_sf(0, 10) == 1 && st_kstwo_sf(1, 10) == 0 && isnan(st_kstwo_sf(NAN, 10)) && isnan(st_kstwo_sf(0.5, 0)));
  /* scipy.special.smirnov(n, d) */
  CHECK_CLOSE(st_smirnov_sf(10, 0.3), 0.1354635556, 1e-9);
  CHECK_CLOSE(st_smirnov_sf(5000, 0.02), 0.01806981293722266, 1e-9);
}

static void check_errors_and_oom(void) {
  double x[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, y[] = {2.5, 3.5, 9.5, 11, 12, 13, 14, 15, 16, 17};
  st_mwu_result r;
  st_ks_result k;
  om_err e;
  CHECK(st_mann_whitney(x, 0, y, 3, ST_TWO_SIDED, 0.95, NULL, &r, &e) == OM_INVALID);
  CHECK(st_mann_whitney(x, 3, y, 3, (st_alternative)7, 0.95, NULL, &r, &e) == OM_INVALID);
  CHECK(st_mann_whitney(x, 3, y, 3, ST_TWO_SIDED, 1.0, NULL, &r, &e) == OM_INVALID);
  CHECK(st_ks_2samp(x, 3, y, 0, ST_TWO_SIDED, NULL, &k, &e) == OM_INVALID);
  {
    double xn[] = {1, NAN};
    CHECK(st_ks_2samp(xn, 2, y, 3, ST_TWO_SIDED, NULL, &k, &e) == OM_INVALID);
  }
  for (long n = 1; n < 40; n++) {
    om_status st;
    double a[10], b[10];
    memcpy(a, x, sizeof a);
    memcpy(b, y, sizeof b);
    om_test_alloc_reset();
    om_test_alloc_fail_at = n;
    st = st_mann_whitney(a, 10, b, 8, ST_TWO_SIDED, 0.95, NULL, &r, &e);
    om_test_alloc_fail_at = 0;
    CHECK(st == OM_OK || st == OM_NOMEM);
    CHECK(om_test_alloc_live == 0);
    om_test_alloc_reset();
    om_test_alloc_fail_at = n;
    st = st_ks_2samp(a, 10, b, 7, ST_GREATER, NULL, &k, &e);
    om_test_alloc_fail_at = 0;
    CHECK(st == OM_OK || st == OM_NOMEM);
    CHECK(om_test_alloc_live == 0);
  }
}

int main(void) {
  check_known();
  check_enumeration();
  check_selection();
  check_kstwo();
  check_errors_and_oom();
  return om_test_finish();
}
