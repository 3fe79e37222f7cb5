/*
** test_om_xsum.c — om_xsum (ext/core/base/om_xsum.h): exact sums, removal,
** merge algebra, mean and sd (behaviour 5) on cases with known exact
** answers, and the canonical byte form with its corruption checks.
*/
#include <stdlib.h>

#include "../../ext/core/base/om_xsum.h"
#include "om_test.h"


static void enc(const om_xsum *s, om_wbuf *w) {
  om_wbuf_reset(w);
  om_xsum_encode(s, w);
}

static int same_bytes(const om_xsum *a, const om_xsum *b) {
  om_wbuf x, y;
  int eq;
  om_wbuf_init(&x);
  om_wbuf_init(&y);
  enc(a, &x);
  enc(b, &y);
  eq = x.len == y.len && memcmp(x.data, y.data, x.len) == 0;
  om_wbuf_free(&x);
  om_wbuf_free(&y);
  return eq;
}

static void mean_sd_of(const double *v, int n, int ddof, double *mean, double *sd) {
  om_xsum s;
  memset(&s, 0, sizeof s);
  for (int i = 0; i < n; i++) om_xsum_add(&s, v[i], NULL);
  om_xsum_mean_sd(&s, ddof, mean, sd);
}

static void test_mean_sd(void) {
  double m, sd;
  { /* behaviour 5: exact answers */
    double v[] = {1, 2, 3, 4};
    mean_sd_of(v, 4, 0, &m, &sd);
    CHECK(m == 2.5 && sd == sqrt(1.25));
    mean_sd_of(v, 4, 1, &m, &sd);
    CHECK(m == 2.5 && sd == sqrt(5.0 / 3.0));
  }
  { /* an offset of 1e12 changes nothing (no cancellation) */
    double v[] = {1e12, 1e12 + 1, 1e12 + 2, 1e12 + 3};
    mean_sd_of(v, 4, 0, &m, &sd);
    CHECK(m == 1e12 + 1.5 && sd == sqrt(1.25));
  }
  { /* the ends of the double range: results finite when they are */
    double v[] = {1.7e308, -1.7e308};
    mean_sd_of(v, 2, 0, &m, &sd);
    CHECK(m == 0 && sd == 1.7e308);
    double w[] = {1.7976931348623157e308, 1.7976931348623157e308};
    mean_sd_of(w, 2, 0, &m, &sd);
    CHECK(m == 1.7976931348623157e308 && sd == 0);
  }
  { /* tiny values: the sd of data near 1e-300 is not lost (Welford's m2 underflowed) */
    double v[] = {1e-300, 3e-300};
    mean_sd_of(v, 2, 0, &m, &sd);
    CHECK_CLOSE(m, 2e-300, 1e-15);
    CHECK_CLOSE(sd, 1e-300, 1e-15);
    double s[] = {4.9e-324, 4.9e-324 * 3};
    mean_sd_of(s, 2, 0, &m, &sd);
    CHECK(m == 4.9e-324 * 2 && sd == 4.9e-324);
  }
  { /* empty, one value, ddof */
    om_xsum s;
    memset(&s, 0, sizeof s);
    om_xsum_mean_sd(&s, 0, &m, &sd);
    CHECK(isnan(m) && isnan(sd));
    om_xsum_add(&s, 7.5, NULL);
    om_xsum_mean_sd(&s, 0, &m, &sd);
    CHECK(m == 7.5 && sd == 0);
    om_xsum_mean_sd(&s, 1, &m, &sd);
    CHECK(m == 7.5 && isnan(sd));
    CHECK(om_xsum_add(&s, NAN, NULL) == OM_INVALID && s.n == 1);
    CHECK(om_xsum_add(&s, INFINITY, NULL) == OM_INVALID && s.n == 1);
  }
  { /* correctly rounded against a long double two-pass reference on 1000 values */
    uint64_t r = 42;
    double v[1000];
    long double lm = 0, lv = 0;
    for (int i = 0; i < 1000; i++) v[i] = 100 + 10 * om_test_unif(&r), lm += v[i];
    lm /= 1000;
    for (int i = 0; i < 1000; i++) lv += (v[i] - lm) * (v[i] - lm);
    mean_sd_of(v, 1000, 0, &m, &sd);
    CHECK_CLOSE(m, (double)lm, 2.3e-16);
    CHECK_CLOSE(sd, (double)sqrtl(lv / 1000), 2.3e-16);
  }
}

static void test_merge(void) {
  uint64_t r = 7;
  double v[3000];
  om_xsum all, a, b, c, t1, t2;
  memset(&all, 0, sizeof all);
  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  memset(&c, 0, sizeof c);
  for (int i = 0; i < 3000; i++) {
    double u = om_test_unif(&r);
    v[i] = i % 101 == 0 ? 1e300 * (u - 0.5) : i % 103 == 0 ? 4.9e-324 * i : (u - 0.3) * 1e6;
    om_xsum_add(&all, v[i], NULL);
    om_xsum_add(i % 3 == 0 ? &a : i % 3 == 1 ? &b : &c, v[i], NULL);
  }
  /* behaviour 4: (a + b) + c == a + (b + c) == c + b + a == all, as bytes */
  t1 = a;
  CHECK(om_xsum_merge(&t1, &b, NULL) == OM_OK && om_xsum_merge(&t1, &c, NULL) == OM_OK);
  t2 = b;
  CHECK(om_xsum_merge(&t2, &c, NULL) == OM_OK);
  {
    om_xsum t3 = a;
    CHECK(om_xsum_merge(&t3, &t2, NULL) == OM_OK);
    CHECK(same_bytes(&t3, &all));
  }
  CHECK(same_bytes(&t1, &all));
  t2 = c;
  om_xsum_merge(&t2, &b, NULL);
  om_xsum_merge(&t2, &a, NULL);
  CHECK(same_bytes(&t2, &all));
  { /* moments equal bit for bit */
    om_xmoments m1, m2;
    om_xsum_moments(&t1, &m1);
    om_xsum_moments(&all, &m2);
    CHECK(m1.mean == m2.mean && m1.mean_lo == m2.mean_lo && m1.m2 == m2.m2 && m1.m2_exp == m2.m2_exp);
  }
  { /* removing a's values from all leaves b + c (behaviour 1) */
    om_xsum t = all, bc = b;
    for (int i = 0; i < 3000; i += 3) om_xsum_remove(&t, v[i], NULL);
    om_xsum_merge(&bc, &c, NULL);
    CHECK(same_bytes(&t, &bc));
  }
  { /* merging an empty state is a no-op; a count overflow is refused */
    om_xsum e, big = a;
    memset(&e, 0, sizeof e);
    t1 = a;
    CHECK(om_xsum_merge(&t1, &e, NULL) == OM_OK && same_bytes(&t1, &a));
    big.n = INT64_MAX - 1;
    CHECK(om_xsum_merge(&big, &a, NULL) == OM_INVALID);
  }
}

static void test_codec(void) {
  uint64_t r = 9;
  om_xsum s, d;
  om_wbuf w, w2;
  om_rbuf rb;
  memset(&s, 0, sizeof s);
  for (int i = 0; i < 500; i++) om_xsum_add(&s, (om_test_unif(&r) - 0.5) * (i % 50 == 0 ? 1e300 : 1e3), NULL);
  om_wbuf_init(&w);
  om_wbuf_init(&w2);
  enc(&s, &w);
  om_rbuf_init(&rb, w.data, w.len);
  CHECK(om_xsum_decode(&rb, &d, 0) == NULL && rb.left == 0);
  enc(&d, &w2);
  CHECK(w.len == w2.len && memcmp(w.data, w2.data, w.len) == 0); /* behaviour 6: round trip */
  {                                                              /* behaviour 7: truncations */
    int bad = 0;
    for (size_t n = 0; n < w.len; n++) {
      om_rbuf_init(&rb, w.data, n);
      if (om_xsum_decode(&rb, &d, 0) == NULL) bad++;
    }
    CHECK(bad == 0);
  }
  { /* every single-byte change is refused or decodes to a well-formed state (never a crash) */
    int refused = 0;
    for (size_t k = 0; k < w.len; k++) {
      uint8_t *p = malloc(w.len);
      memcpy(p, w.data, w.len);
      p[k] ^= 0x5a;
      om_rbuf_init(&rb, p, w.len);
      if (om_xsum_decode(&rb, &d, 0)) refused++;
      else {
        double m, sd;
        om_xsum_mean_sd(&d, 0, &m, &sd);
      }
      free(p);
    }
    CHECK(refused > 0);
  }
  { /* reserved bytes, a zero count, an empty sum when allowed */
    om_xsum e;
    memset(&e, 0, sizeof e);
    enc(&e, &w2);
    om_rbuf_init(&rb, w2.data, w2.len);
    CHECK(om_xsum_decode(&rb, &d, 0) != NULL);
    om_rbuf_init(&rb, w2.data, w2.len);
    CHECK(om_xsum_decode(&rb, &d, 1) == NULL && d.n == 0);
    w.data[9] = 1; /* S1's reserved byte */
    om_rbuf_init(&rb, w.data, w.len);
    CHECK_STR(om_xsum_decode(&rb, &d, 0), "non-zero reserved bytes");
  }
  om_wbuf_free(&w);
  om_wbuf_free(&w2);
}

int main(void) {
  test_mean_sd();
  test_merge();
  test_codec();
  return om_test_finish();
}
