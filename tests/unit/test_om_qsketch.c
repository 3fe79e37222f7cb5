/*
** test_om_qsketch.c — the quantile sketch (om_qsketch.h).
**
** 1. init (behaviours 1, 2): alpha range, M, alpha() = 1/(2M).
** 2. Bound (behaviours 6, 7): on skewed data (log-normal, Pareto, exponential
**    spanning 12 decades, mixed signs with zeros, subnormals and DBL_MAX),
**    every quantile on a grid of q is within alpha ((1-w)|s_l| + w|s_l+1|) of
**    numpy's linear quantile of the exact data (computed here from the
**    sorted values); min and max exact.  The worst ratio error / bound is
**    printed.
** 3. Merge (behaviour 4): any split, merged in any order, encodes to the
**    bytes of the sketch of all the values; different M is an error.
** 4. Codec (behaviours 8, 9): round trip, encoded_size, every truncation is
**    OM_CORRUPT, every single-byte change is OM_CORRUPT or decodes to a
**    sketch that re-encodes to the changed bytes (canonical), named cases.
** 5. add (behaviour 3): NaN/Inf rejected, -0.0 is 0, count 0 no-op, count
**    overflow; out of memory at every allocation leaves the sketch usable and
**    leaks nothing.
*/
#include <float.h>
#include <stdlib.h>

#include "om_qsketch.h"
#include "om_test.h"

extern long om_test_alloc_live, om_test_alloc_fail_at;
void om_test_alloc_reset(void);

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double worst_ratio = 0;

/* numpy.quantile (linear) of sorted v[n] and the bound's scale. */
static double np_quantile(const double *v, size_t n, double q, double *scale) {
  double h = q * (double)(n - 1), w;
  size_t l = (size_t)floor(h);
  if (l >= n - 1) {
    *scale = fabs(v[n - 1]);
    return v[n - 1];
  }
  w = h - (double)l;
  *scale = (1 - w) * fabs(v[l]) + w * fabs(v[l + 1]);
  return v[l] + w * (v[l + 1] - v[l]);
}

static void check_bound(const om_qsketch *s, double *v, size_t n, const char *what) {
  double a = om_qsketch_alpha(s);
  int bad = 0;
  qsort(v, n, sizeof *v, cmp);
  CHECK(om_qsketch_count(s) == n);
  CHECK(om_qsketch_quantile(s, 0) == v[0]);
  CHECK(om_qsketch_quantile(s, 1) == v[n - 1]);
  for (int i = 0; i <= 1000; i++) {
    double q = i / 1000.0, sc, want = np_quantile(v, n, q, &sc), got = om_qsketch_quantile(s, q);
    double lim = a * sc * (1 + 1e-12) + 1e-300, r = fabs(got - want) / (a * sc > 0 ? a * sc : 1);
    if (r > worst_ratio && a * sc > 0) worst_ratio = r;
    if (!(fabs(got - want) <= lim)) {
      if (!bad) fprintf(stderr, "%s: q=%g got %.17g want %.17g\n", what, q, got, want);
      bad = 1;
    }
  }
  CHECK_MSG(!bad, "%s: quantile outside the bound", what);
}

static double normal(uint64_t *st) {
  double u = om_test_unif(st), v = om_test_unif(st);
  return sqrt(-2 * log(u + 1e-300)) * cos(2 * M_PI * v);
}

static void test_init(void) {
  om_qsketch s;
  om_err e;
  CHECK(om_qsketch_init(&s, 0.005, &e) == OM_OK && s.m == 100 && om_qsketch_alpha(&s) == 0.005);
  CHECK(om_qsketch_init(&s, 0.01, &e) == OM_OK && s.m == 50);
  CHECK(om_qsketch_init(&s, 0.0005, &e) == OM_OK && s.m == 1000);
  CHECK(om_qsketch_init(&s, 0.25, &e) == OM_OK && s.m == 2);
  CHECK(om_qsketch_init(&s, 0.3, &e) == OM_INVALID);
  CHECK(om_qsketch_init(&s, 0.0001, &e) == OM_INVALID);
  CHECK(om_qsketch_init(&s, NAN, &e) == OM_INVALID);
  om_qsketch_init(&s, 0.005, &e);
  CHECK(isnan(om_qsketch_quantile(&s, 0.5)) && om_qsketch_count(&s) == 0);
  CHECK(isnan(om_qsketch_value_at(&s, 0)));
  om_qsketch_free(&s);
}

static void test_bound(void) {
  enum { N = 20001 };
  static double v[N];
  const double alphas[] = {0.005, 0.01, 0.0005, 0.25};
  om_err e;
  for (int ai = 0; ai < 4; ai++) {
    for (int kind = 0; kind < 6; kind++) {
      om_qsketch s;
      uint64_t st = 42 + kind;
      size_t n = kind == 5 ? 7 : N - (size_t)kind; /* odd and even counts */
      char what[64];
      om_qsketch_init(&s, alphas[ai], &e);
      for (size_t i = 0; i < n; i++) {
        double x;
        switch (kind) {
        case 0: x = exp(2.5 * normal(&st)); break;                          /* log-normal */
        case 1: x = pow(1 - om_test_unif(&st), -1 / 1.1); break;            /* Pareto */
        case 2: x = -log(1 - om_test_unif(&st)) * pow(10, (int)(i % 13) - 6); break; /* 12 decades */
        case 3: x = (i % 7 == 0) ? 0 : normal(&st) * exp(normal(&st)); break; /* mixed signs, zeros */
        case 4: x = (i % 3 == 0) ? 5e-324 * (double)(i % 1000 + 1) : (i % 3 == 1) ? DBL_MAX / (double)(i % 5 + 1) : -DBL_MAX / (double)(i % 4 + 1); break;
        default: x = (double)i * 1.5; break;
        }
        v[i] = x;
        CHECK_MSG(om_qsketch_add(&s, x, 1, &e) == OM_OK, "add %g", x);
      }
      snprintf(what, sizeof what, "alpha %g data %d", alphas[ai], kind);
      if (kind == 4) { /* subnormals: the guarantee is absolute there */
        qsort(v, n, sizeof *v, cmp);
        for (int i = 0; i <= 100; i++) {
          double q = i / 100.0, sc, want = np_quantile(v, n, q, &sc), got = om_qsketch_quantile(&s, q);
          CHECK_MSG(fabs(got - want) <= om_qsketch_alpha(&s) * sc * (1 + 1e-12) + 1e-321, "%s q %g", what, q);
        }
      } else {
        check_bound(&s, v, n, what);
      }
      om_qsketch_free(&s);
    }
  }
  printf("om_qsketch: worst |quantile - numpy| / (alpha * scale) = %.4f (bound 1)\n", worst_ratio);
}

/* The encoded bytes of a sketch (a static buffer per slot). */
static size_t enc(const om_qsketch *s, uint8_t **out) {
  om_wbuf w;
  om_err e;
  size_t n;
  om_wbuf_init(&w);
  CHECK(om_qsketch_encode(s, &w, &e) == OM_OK);
  CHECK(w.len == om_qsketch_encoded_size(s));
  *out = om_wbuf_take(&w, &n);
  return n;
}

static void test_merge(void) {
  enum { N = 5000, P = 7 };
  static double v[N];
  om_qsketch all, part[P], m1, m2, odd;
  uint8_t *b0, *b1, *b2;
  size_t n0, n1, n2;
  uint64_t st = 7;
  om_err e;
  om_qsketch_init(&all, 0.005, &e);
  for (int p = 0; p < P; p++) om_qsketch_init(&part[p], 0.005, &e);
  for (int i = 0; i < N; i++) {
    v[i] = (i % 11 == 0) ? 0 : normal(&st) * exp(3 * normal(&st));
    om_qsketch_add(&all, v[i], 1, &e);
    om_qsketch_add(&part[(i * 31 + i / 7) % P], v[i], 1, &e);
  }
  om_qsketch_init(&m1, 0.005, &e);
  om_qsketch_init(&m2, 0.005, &e);
  for (int p = 0; p < P; p++) CHECK(om_qsketch_merge(&m1, &part[p], &e) == OM_OK);
  for (int p = P - 1; p >= 0; p -= 2) CHECK(om_qsketch_merge(&m2, &part[p], &e) == OM_OK);
  for (int p = P - 2; p >= 0; p -= 2) CHECK(om_qsketch_merge(&m2, &part[p], &e) == OM_OK);
  n0 = enc(&all, &b0);
  n1 = enc(&m1, &b1);
  n2 = enc(&m2, &b2);
  CHECK(n0 == n1 && n0 == n2 && !memcmp(b0, b1, n0) && !memcmp(b0, b2, n0));
  CHECK(om_qsketch_quantile(&m2, 0.37) == om_qsketch_quantile(&all, 0.37));
  om_free(b0);
  om_free(b1);
  om_free(b2);
  /* a tree: ((0 1) (2 3)) ((4 5) 6) via copies */
  {
    om_qsketch t1, t2;
    CHECK(om_qsketch_copy(&t1, &part[0], &e) == OM_OK);
    om_qsketch_merge(&t1, &part[1], &e);
    CHECK(om_qsketch_copy(&t2, &part[2], &e) == OM_OK);
    om_qsketch_merge(&t2, &part[3], &e);
    om_qsketch_merge(&t1, &t2, &e);
    om_qsketch_free(&t2);
    CHECK(om_qsketch_copy(&t2, &part[6], &e) == OM_OK);
    om_qsketch_merge(&t2, &part[5], &e);
    om_qsketch_merge(&t2, &part[4], &e);
    om_qsketch_merge(&t2, &t1, &e);
    n0 = enc(&all, &b0);
    n1 = enc(&t2, &b1);
    CHECK(n0 == n1 && !memcmp(b0, b1, n0));
    om_free(b0);
    om_free(b1);
    om_qsketch_free(&t1);
    om_qsketch_free(&t2);
  }
  om_qsketch_init(&odd, 0.01, &e);
  om_qsketch_add(&odd, 1, 1, &e);
  CHECK(om_qsketch_merge(&m1, &odd, &e) == OM_INVALID);
  CHECK_STR(e.msg, "sketches have different accuracy: 100 and 50 buckets per octave");
  om_qsketch_free(&odd);
  /* merging an empty sketch changes nothing; empty into empty stays empty */
  om_qsketch_init(&odd, 0.005, &e);
  n0 = enc(&m1, &b0);
  CHECK(om_qsketch_merge(&m1, &odd, &e) == OM_OK);
  n1 = enc(&m1, &b1);
  CHECK(n0 == n1 && !memcmp(b0, b1, n0));
  om_free(b0);
  om_free(b1);
  om_qsketch_free(&all);
  om_qsketch_free(&m1);
  om_qsketch_free(&m2);
  for (int p = 0; p < P; p++) om_qsketch_free(&part[p]);
}

static om_status dec(const uint8_t *p, size_t n, om_qsketch *s, om_err *e, size_t *used) {
  om_rbuf r;
  om_status st;
  om_rbuf_init(&r, p, n);
  st = om_qsketch_decode(&r, s, e);
  *used = n - r.left;
  return st;
}

static void test_codec(void) {
  om_qsketch s, d;
  uint8_t *b, *b2, buf[4096];
  size_t n, n2, used;
  om_err e;
  uint64_t st = 3;
  long bad = 0, ok = 0;
  om_qsketch_init(&s, 0.005, &e);
  for (int i = 0; i < 300; i++) om_qsketch_add(&s, (i % 5 == 0 ? -1 : 1) * exp(4 * normal(&st)), 1 + (uint64_t)i % 3, &e);
  om_qsketch_add(&s, 0, 4, &e);
  n = enc(&s, &b);
  CHECK(dec(b, n, &d, &e, &used) == OM_OK && used == n);
  n2 = enc(&d, &b2);
  CHECK(n == n2 && !memcmp(b, b2, n));
  CHECK(om_qsketch_quantile(&d, 0.3) == om_qsketch_quantile(&s, 0.3) && d.min == s.min && d.max == s.max);
  om_free(b2);
  om_qsketch_free(&d);
  /* bytes after the sketch are the caller's */
  memcpy(buf, b, n);
  buf[n] = 0xee;
  CHECK(dec(buf, n + 1, &d, &e, &used) == OM_OK && used == n);
  om_qsketch_free(&d);
  for (size_t k = 0; k < n; k++) {
    CHECK_MSG(dec(b, k, &d, &e, &used) == OM_CORRUPT, "truncated at %zu", k);
    om_qsketch_free(&d);
  }
  for (size_t k = 0; k < n && n < sizeof buf; k++) {
    for (int bit = 0; bit < 8; bit++) {
      om_status rc;
      memcpy(buf, b, n);
      buf[k] ^= (uint8_t)(1 << bit);
      rc = dec(buf, n, &d, &e, &used);
      if (rc == OM_OK) {
        n2 = enc(&d, &b2);
        CHECK_MSG(n2 == used && !memcmp(b2, buf, used), "byte %zu bit %d decodes but is not canonical", k, bit);
        om_free(b2);
        ok++;
      } else {
        CHECK_MSG(rc == OM_CORRUPT && !strncmp(e.msg, "quantile sketch: ", 17), "byte %zu: %s", k, e.msg);
        bad++;
      }
      om_qsketch_free(&d);
    }
  }
  CHECK(bad > 0);
  om_free(b);
  /* named cases on a small sketch: {1, 2} */
  om_qsketch_free(&s);
  om_qsketch_init(&s, 0.005, &e);
  om_qsketch_add(&s, 1, 1, &e);
  om_qsketch_add(&s, 2, 1, &e);
  n = enc(&s, &b);
  memcpy(buf, b, n);
  buf[0] = 1; /* M = 1 */
  CHECK(dec(buf, n, &d, &e, &used) == OM_CORRUPT);
  CHECK_STR(e.msg, "quantile sketch: bad bucket count per octave");
  memcpy(buf, b, n);
  buf[2] = 1;
  CHECK(dec(buf, n, &d, &e, &used) == OM_CORRUPT);
  CHECK_STR(e.msg, "quantile sketch: non-zero reserved bytes");
  memcpy(buf, b, n);
  memcpy(buf + 28, &(double){1.5}, 8); /* max 1.5 is not in the top bucket */
  CHECK(dec(buf, n, &d, &e, &used) == OM_CORRUPT);
  CHECK_STR(e.msg, "quantile sketch: maximum outside its bucket");
  memcpy(buf, b, n);
  memcpy(buf + 20, &(double){-0.0}, 8);
  CHECK(dec(buf, n, &d, &e, &used) == OM_CORRUPT);
  CHECK_STR(e.msg, "quantile sketch: negative zero");
  memcpy(buf, b, n);
  buf[n - 2] = 0; /* the gap to the second bucket: 0 */
  CHECK(dec(buf, n, &d, &e, &used) == OM_CORRUPT);
  memcpy(buf, b, n);
  buf[n - 1] = 0; /* an empty bucket */
  CHECK(dec(buf, n, &d, &e, &used) == OM_CORRUPT);
  CHECK_STR(e.msg, "quantile sketch: empty bucket");
  memcpy(buf, b, n);
  buf[n - 1] = 0x81; /* a varint running off the end */
  CHECK(dec(buf, n, &d, &e, &used) == OM_CORRUPT);
  CHECK_STR(e.msg, "quantile sketch: bad varint");
  om_free(b);
  /* empty sketch round trip */
  om_qsketch_free(&s);
  om_qsketch_init(&s, 0.005, &e);
  n = enc(&s, &b);
  CHECK(n == 36 && dec(b, n, &d, &e, &used) == OM_OK && om_qsketch_count(&d) == 0);
  om_free(b);
  om_qsketch_free(&s);
  printf("om_qsketch: %ld single-bit changes rejected, %ld decoded canonically\n", bad, ok);
}

static void test_add(void) {
  om_qsketch s;
  om_err e;
  om_qsketch_init(&s, 0.005, &e);
  CHECK(om_qsketch_add(&s, NAN, 1, &e) == OM_INVALID);
  CHECK_STR(e.msg, "value is not a finite number");
  CHECK(om_qsketch_add(&s, INFINITY, 1, &e) == OM_INVALID);
  CHECK(om_qsketch_add(&s, 3, 0, &e) == OM_OK && om_qsketch_count(&s) == 0);
  CHECK(om_qsketch_add(&s, -0.0, 2, &e) == OM_OK && s.zero == 2);
  CHECK(om_qsketch_quantile(&s, 0.5) == 0 && !signbit(om_qsketch_quantile(&s, 0.5)));
  CHECK(om_qsketch_add(&s, 1, (uint64_t)INT64_MAX, &e) == OM_INVALID);
  CHECK_STR(e.msg, "too many values");
  CHECK(om_qsketch_count(&s) == 2);
  CHECK(isnan(om_qsketch_quantile(&s, 1.5)) && isnan(om_qsketch_quantile(&s, NAN)));
  om_qsketch_free(&s);
  om_qsketch_free(&s); /* twice is safe */
  /* out of memory at every allocation */
  for (long fail = 1; fail < 40; fail++) {
    om_qsketch a, b;
    long live;
    om_status rc = OM_OK;
    om_test_alloc_reset();
    live = om_test_alloc_live;
    om_test_alloc_fail_at = fail;
    om_qsketch_init(&a, 0.005, &e);
    om_qsketch_init(&b, 0.005, &e);
    for (int i = 0; i < 200 && rc == OM_OK; i++) rc = om_qsketch_add(&a, pow(1.3, i % 150) * (i % 2 ? 1 : -1), 1, &e);
    if (rc == OM_OK) rc = om_qsketch_add(&b, 1e-200, 1, &e);
    if (rc == OM_OK) rc = om_qsketch_merge(&b, &a, &e);
    CHECK(rc == OM_OK || rc == OM_NOMEM);
    om_qsketch_free(&a);
    om_qsketch_free(&b);
    CHECK(om_test_alloc_live == live);
    om_test_alloc_fail_at = 0;
  }
}

int main(void) {
  test_init();
  test_bound();
  test_merge();
  test_codec();
  test_add();
  return om_test_finish();
}
