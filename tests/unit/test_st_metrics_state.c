/*
** test_st_metrics_state.c — the metrics_state codec, merge, results and kind
** row (st_metrics_state.h, st_metrics_kind.c).
**
** 1. Merge algebra (behaviours 2, 5): for each function, the states of any
**    split of the rows merged in any order (left fold, reversed, a tree)
**    encode to exactly the bytes of the state of all the rows.
** 2. Results (behaviour 3): every member equals the direct aggregate
**    (st_regression_compute / st_classification_compute) bit for bit except
**    medae (within 0.005 relative) and auc (equal in exact mode; within
**    st_mstate_auc_bound in bucketed mode).  The worst measured errors are
**    printed.
** 3. Corruption (behaviour 6): every truncation is OM_CORRUPT; every
**    single-bit change is OM_CORRUPT or decodes to a state that re-encodes to
**    the changed bytes; named cases.
** 4. Envelope and kind row (behaviour 7, kind 1): write → mdl_decode → kind
**    metrics_state with the same payload; a newer payload version; out of
**    memory at every allocation (OM_NOMEM, no leak).
*/
#include <float.h>
#include <stdlib.h>

#include "mdl_kind.h"
#include "om_test.h"
#include "st_metrics_state.h"

extern long om_test_alloc_live, om_test_alloc_fail_at;
void om_test_alloc_reset(void);

static double worst_medae = 0, worst_auc_ratio = 0, worst_auc = 0;

static size_t enc(const st_mstate *s, uint8_t **out) {
  om_wbuf w;
  om_err e;
  size_t n;
  om_wbuf_init(&w);
  CHECK(st_mstate_encode(s, &w, &e) == OM_OK);
  *out = om_wbuf_take(&w, &n);
  return n;
}

static int same_bytes(const st_mstate *a, const st_mstate *b) {
  uint8_t *x, *y;
  size_t nx = enc(a, &x), ny = enc(b, &y);
  int same = nx == ny && !memcmp(x, y, nx);
  om_free(x);
  om_free(y);
  return same;
}

static double normal(uint64_t *st) {
  double u = om_test_unif(st), v = om_test_unif(st);
  return sqrt(-2 * log(u + 1e-300)) * cos(2 * M_PI * v);
}

enum { P = 5 };

/* The state of all rows equals the merge of P parts, folded three ways. */
static void check_merges(st_mstate *all, st_mstate *part, const char *what) {
  st_mstate m;
  om_err e;
  st_mstate_init(&m, all->fn, all->cls.threshold);
  for (int p = 0; p < P; p++) CHECK(st_mstate_merge(&m, &part[p], &e) == OM_OK);
  CHECK_MSG(same_bytes(&m, all), "%s: left fold", what);
  st_mstate_free(&m);
  st_mstate_init(&m, all->fn, all->cls.threshold);
  for (int p = P - 1; p >= 0; p--) CHECK(st_mstate_merge(&m, &part[p], &e) == OM_OK);
  CHECK_MSG(same_bytes(&m, all), "%s: reversed", what);
  st_mstate_free(&m);
  { /* a tree: (0 (3 4)) ((2 1)) */
    st_mstate t1, t2;
    st_mstate_init(&t1, all->fn, all->cls.threshold);
    st_mstate_init(&t2, all->fn, all->cls.threshold);
    st_mstate_merge(&t2, &part[3], &e);
    st_mstate_merge(&t2, &part[4], &e);
    st_mstate_merge(&t1, &part[0], &e);
    st_mstate_merge(&t1, &t2, &e);
    st_mstate_free(&t2);
    st_mstate_init(&t2, all->fn, all->cls.threshold);
    st_mstate_merge(&t2, &part[2], &e);
    st_mstate_merge(&t2, &part[1], &e);
    st_mstate_merge(&t2, &t1, &e);
    CHECK_MSG(same_bytes(&t2, all), "%s: tree", what);
    st_mstate_free(&t1);
    st_mstate_free(&t2);
  }
}

static void test_regression(void) {
  enum { N = 6000 };
  for (int kind = 0; kind < 4; kind++) {
    st_mstate all, part[P];
    st_regression_acc direct;
    st_regression_result rd, rs;
    uint64_t st = 100 + kind;
    om_err e;
    char what[32];
    snprintf(what, sizeof what, "regression %d", kind);
    st_mstate_init(&all, ST_MS_REGRESSION, 0.5);
    for (int p = 0; p < P; p++) st_mstate_init(&part[p], ST_MS_REGRESSION, 0.5);
    st_regression_init(&direct);
    for (int i = 0; i < N - kind; i++) {
      double a, p;
      switch (kind) {
      case 0: a = 1e6 + 300 * om_test_unif(&st); p = 1e6 + 300 * om_test_unif(&st); break;
      case 1: a = 10; p = 10 + exp(6 * normal(&st)) * (i % 2 ? 1 : -1); break; /* skewed |e| */
      case 2: a = (i % 9 == 0) ? 0 : 100 * normal(&st); p = a + (i % 4 == 0 ? 0 : normal(&st)); break; /* zeros */
      default: a = (i % 50 == 0) ? 1e300 : (i % 51 == 0) ? -1e300 : om_test_unif(&st);
               p = (i % 7 == 0) ? 4.9e-324 * i : om_test_unif(&st); break; /* huge and tiny */
      }
      CHECK(st_regression_add(&direct, a, p, &e) == OM_OK);
      CHECK(st_mstate_add_regression(&all, a, p, &e) == OM_OK);
      CHECK(st_mstate_add_regression(&part[(i * 7 + i / 13) % P], a, p, &e) == OM_OK);
    }
    check_merges(&all, part, what);
    st_regression_compute(&direct, &rd, &e);
    st_mstate_regression(&all, &rs);
    CHECK_MSG(rs.n == rd.n && memcmp(&rs.mae, &rd.mae, 8) == 0 && memcmp(&rs.rmse, &rd.rmse, 8) == 0 &&
                  memcmp(&rs.mape, &rd.mape, 8) == 0 && memcmp(&rs.r2, &rd.r2, 8) == 0 &&
                  memcmp(&rs.accuracy, &rd.accuracy, 8) == 0 && rs.within_20pct == rd.within_20pct,
              "%s: members differ", what);
    CHECK_MSG(fabs(rs.medae - rd.medae) <= 0.005 * rd.medae, "%s: medae %.17g vs %.17g", what, rs.medae, rd.medae);
    if (rd.medae > 0 && fabs(rs.medae - rd.medae) / rd.medae > worst_medae) worst_medae = fabs(rs.medae - rd.medae) / rd.medae;
    st_regression_free(&direct);
    st_mstate_free(&all);
    for (int p = 0; p < P; p++) st_mstate_free(&part[p]);
  }
}

static void test_classification(void) {
  for (int kind = 0; kind < 4; kind++) {
    int n = kind < 2 ? 3000 : 30000;
    st_mstate all, part[P];
    st_classification_acc direct;
    st_classification_result rd, rs;
    uint64_t st = 200 + kind;
    double t = kind == 1 ? 0.3 : 0.5;
    om_err e;
    char what[40];
    snprintf(what, sizeof what, "classification %d", kind);
    st_mstate_init(&all, ST_MS_CLASSIFICATION, t);
    for (int p = 0; p < P; p++) st_mstate_init(&part[p], ST_MS_CLASSIFICATION, t);
    st_classification_init(&direct, t, &e);
    for (int i = 0; i < n; i++) {
      int y = om_test_unif(&st) < 0.3;
      double q;
      switch (kind) {
      case 0: q = round(om_test_unif(&st) * 1000) / 1000; break;               /* 1001 distinct */
      case 1: q = (i % 3 == 0) ? 0 : (i % 3 == 1) ? 1 : 0.5; break;            /* ties */
      case 2: q = fmin(1, om_test_unif(&st) * 0.7 + 0.3 * y * om_test_unif(&st)); break; /* continuous */
      default: q = 1 / (1 + exp(-(2 * y - 1) - 3 * normal(&st))); break;      /* logistic scores */
      }
      CHECK(st_classification_add(&direct, y, q, &e) == OM_OK);
      CHECK(st_mstate_add_classification(&all, y, q, &e) == OM_OK);
      CHECK(st_mstate_add_classification(&part[(i * 3 + i / 11) % P], y, q, &e) == OM_OK);
    }
    check_merges(&all, part, what);
    st_classification_compute(&direct, &rd, &e);
    st_mstate_classification(&all, &rs);
    CHECK_MSG(rs.n == rd.n && memcmp(&rs.logloss, &rd.logloss, 8) == 0 && memcmp(&rs.brier, &rd.brier, 8) == 0 &&
                  rs.accuracy == rd.accuracy && rs.precision == rd.precision && rs.recall == rd.recall &&
                  memcmp(&rs.f1, &rd.f1, 8) == 0 && rs.threshold == rd.threshold,
              "%s: members differ", what);
    if (kind < 2) {
      CHECK(!all.auc.bucketed && st_mstate_auc_bound(&all) == 0);
      CHECK_MSG(memcmp(&rs.auc, &rd.auc, 8) == 0, "%s: auc %.17g vs %.17g", what, rs.auc, rd.auc);
    } else {
      double b = st_mstate_auc_bound(&all), d = fabs(rs.auc - rd.auc);
      CHECK(all.auc.bucketed);
      CHECK_MSG(d <= b * (1 + 1e-12) + 1e-15, "%s: |auc diff| %g > bound %g", what, d, b);
      if (b > 0 && d / b > worst_auc_ratio) worst_auc_ratio = d / b;
      if (d > worst_auc) worst_auc = d;
      printf("classification %d: auc %.12f direct %.12f |diff| %.3g bound %.3g\n", kind, rs.auc, rd.auc, d, b);
    }
    st_classification_free(&direct);
    st_mstate_free(&all);
    for (int p = 0; p < P; p++) st_mstate_free(&part[p]);
  }
}

static void test_coverage(void) {
  st_mstate all, part[P];
  om_err e;
  uint64_t st = 9;
  st_mstate_init(&all, ST_MS_COVERAGE, 0.5);
  for (int p = 0; p < P; p++) st_mstate_init(&part[p], ST_MS_COVERAGE, 0.5);
  for (int i = 0; i < 1000; i++) {
    double a = om_test_unif(&st), lo = om_test_unif(&st) - 0.5, hi = i % 10 ? lo + 0.8 : INFINITY;
    CHECK(st_mstate_add_coverage(&all, a, lo, hi, &e) == OM_OK);
    st_mstate_add_coverage(&part[i % P], a, lo, hi, &e);
  }
  CHECK(st_mstate_add_coverage(&all, 1, 2, 1, &e) == OM_INVALID);
  check_merges(&all, part, "coverage");
  st_mstate_free(&all);
  for (int p = 0; p < P; p++) st_mstate_free(&part[p]);
  /* different functions and thresholds do not merge */
  {
    st_mstate a, b;
    st_mstate_init(&a, ST_MS_CLASSIFICATION, 0.5);
    st_mstate_init(&b, ST_MS_CLASSIFICATION, 0.4);
    CHECK(st_mstate_merge(&a, &b, &e) == OM_INVALID);
    st_mstate_init(&b, ST_MS_REGRESSION, 0.5);
    CHECK(st_mstate_merge(&a, &b, &e) == OM_INVALID);
  }
}

/* Every truncation and single-bit change of the payload of s. */
static void corrupt_all(const st_mstate *s, const char *what) {
  uint8_t *b, *b2, *buf;
  size_t n = enc(s, &b), n2;
  st_mstate d;
  om_err e;
  long bad = 0;
  CHECK(st_mstate_decode(b, n, &d, &e) == OM_OK);
  CHECK(same_bytes(&d, s));
  st_mstate_free(&d);
  for (size_t k = 0; k < n; k++) CHECK_MSG(st_mstate_decode(b, k, &d, &e) == OM_CORRUPT, "%s: truncated at %zu", what, k);
  buf = malloc(n);
  for (size_t k = 0; k < n; k++)
    for (int bit = 0; bit < 8; bit++) {
      om_status rc;
      memcpy(buf, b, n);
      buf[k] ^= (uint8_t)(1 << bit);
      rc = st_mstate_decode(buf, n, &d, &e);
      if (rc == OM_OK) {
        n2 = enc(&d, &b2);
        CHECK_MSG(n2 == n && !memcmp(b2, buf, n), "%s: byte %zu bit %d decodes but is not canonical", what, k, bit);
        om_free(b2);
        st_mstate_free(&d);
      } else {
        CHECK_MSG(rc == OM_CORRUPT && !strncmp(e.msg, "metrics_state payload is corrupt (", 34), "%s: %s", what, e.msg);
        bad++;
      }
    }
  CHECK(bad > 0);
  free(buf);
  om_free(b);
}

static void test_corruption(void) {
  st_mstate s;
  om_err e;
  uint8_t *b;
  size_t n;
  st_mstate d;
  st_mstate_init(&s, ST_MS_COVERAGE, 0.5);
  for (int i = 0; i < 10; i++) st_mstate_add_coverage(&s, i, 2, 7, &e);
  corrupt_all(&s, "coverage");
  n = enc(&s, &b);
  b[0] = 9;
  CHECK(st_mstate_decode(b, n, &d, &e) == OM_CORRUPT);
  CHECK_STR(e.msg, "metrics_state payload is corrupt (unknown function)");
  b[0] = 1;
  b[16] = 11; /* covered > n */
  CHECK(st_mstate_decode(b, n, &d, &e) == OM_CORRUPT);
  CHECK_STR(e.msg, "metrics_state payload is corrupt (bad counts)");
  om_free(b);
  st_mstate_free(&s);
  st_mstate_init(&s, ST_MS_REGRESSION, 0.5);
  for (int i = 0; i < 12; i++) st_mstate_add_regression(&s, i % 4 ? i * 1.5 : 0, i * 1.25 - 3, &e);
  st_mstate_add_regression(&s, 1.7e308, -1.7e308, &e);
  corrupt_all(&s, "regression");
  st_mstate_free(&s);
  st_mstate_init(&s, ST_MS_CLASSIFICATION, 0.4);
  for (int i = 0; i < 12; i++) st_mstate_add_classification(&s, i % 3 == 0, (i % 5) / 4.0, &e);
  corrupt_all(&s, "classification exact");
  st_mstate_free(&s);
  { /* a bucketed state, checked on a sample of bytes (it is large) */
    uint64_t st = 5;
    st_mstate_init(&s, ST_MS_CLASSIFICATION, 0.5);
    for (int i = 0; i < 5000; i++) st_mstate_add_classification(&s, om_test_unif(&st) < 0.5, om_test_unif(&st), &e);
    CHECK(s.auc.bucketed);
    n = enc(&s, &b);
    CHECK(st_mstate_decode(b, n, &d, &e) == OM_OK && same_bytes(&d, &s));
    st_mstate_free(&d);
    for (size_t k = 0; k < n; k += 97) CHECK(st_mstate_decode(b, k, &d, &e) == OM_CORRUPT);
    om_free(b);
    st_mstate_free(&s);
  }
}

static void test_envelope(void) {
  st_mstate s;
  om_wbuf w;
  om_err e;
  mdl_view v;
  const mdl_kind_def *k;
  void *model;
  st_mstate_init(&s, ST_MS_REGRESSION, 0.5);
  for (int i = 0; i < 50; i++) st_mstate_add_regression(&s, i, i * 1.1, &e);
  om_wbuf_init(&w);
  CHECK(st_mstate_write(&s, &w, &e) == OM_OK);
  CHECK(mdl_decode(w.data, w.len, &v, &k, &model, &e) == OM_OK);
  CHECK(v.kind == MDL_KIND_METRICS_STATE && !strcmp(k->name, "metrics_state") && v.meta.rows_used == 50);
  CHECK(same_bytes(model, &s));
  k->close(model);
  mdl_view_free(&v);
  om_wbuf_free(&w);
  st_mstate_free(&s);
  CHECK(!strcmp(mdl_kind_name(MDL_KIND_METRICS_STATE), "metrics_state"));
  /* out of memory at every allocation: adds, merge, encode */
  for (long fail = 1; fail < 60; fail++) {
    st_mstate a, b;
    long live;
    om_status rc = OM_OK;
    om_test_alloc_reset();
    live = om_test_alloc_live;
    om_test_alloc_fail_at = fail;
    st_mstate_init(&a, fail % 2 ? ST_MS_REGRESSION : ST_MS_CLASSIFICATION, 0.5);
    st_mstate_init(&b, a.fn, 0.5);
    for (int i = 0; i < 300 && rc == OM_OK; i++)
      rc = a.fn == ST_MS_REGRESSION ? st_mstate_add_regression(&a, i, pow(1.1, i % 100), &e)
                                    : st_mstate_add_classification(&a, i % 2, (i % 97) / 96.0, &e);
    if (rc == OM_OK) rc = st_mstate_merge(&b, &a, &e);
    if (rc == OM_OK) {
      om_wbuf_init(&w);
      rc = st_mstate_write(&b, &w, &e);
      om_wbuf_free(&w);
    }
    CHECK_MSG(rc == OM_OK || rc == OM_NOMEM, "fail at %ld: %d", fail, rc);
    st_mstate_free(&a);
    st_mstate_free(&b);
    CHECK_MSG(om_test_alloc_live == live, "leak at %ld", fail);
    om_test_alloc_fail_at = 0;
  }
}

int main(void) {
  test_regression();
  test_classification();
  test_coverage();
  test_corruption();
  test_envelope();
  printf("metrics_state: worst medae relative error %.3g (bound 0.005); worst auc |diff| %.3g, %.3f of its bound\n",
         worst_medae, worst_auc, worst_auc_ratio);
  return om_test_finish();
}
