/*
** test_st_order.c — order statistics (st_order.h): median, percentile, MAD
** and IQR, collecting and sorted, added and removed.
**
** 1. Hand cases with numpy 1.24 / scipy 1.10's answers (behaviours 5-8).
** 2. A brute-force reference written here (sort a copy, then numpy's
**    formulas) against both paths: final = 1 on a collecting state
**    (introselect) and final = 0 (sorted blocks), for random sizes 1..3000
**    with ties, constants and adversarial orders (sorted, reversed, organ
**    pipe, all equal, few distinct): bit for bit.
** 3. Random sliding windows and growing/shrinking sequences (up to ~6000
**    values: block splits, merges and borrowing) against the reference
**    after every step, and the block invariants (behaviour 2).
** 4. Edge cases: empty (NaN), one value, ±Inf/NaN refused, a removal of a
**    value not held, p outside [0, 100], the ends of the double range
**    (behaviours 5-7 and the errors of 9).
** 5. Interrupts (behaviour 12): a sort and a selection stop, the values
**    kept.
** 6. OOM loops: every failing allocation while adding, converting to the
**    sorted state and splitting gives OM_NOMEM, loses no value and leaks
**    nothing.
*/
#include <float.h>
#include <stdint.h>
#include <stdlib.h>

#include "om_test.h"
#include "st_order.h"

/* ----------------------------------------------------------- reference */

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double ref_mid(double a, double b) {
  double s = a + b;
  return isfinite(s) ? s / 2.0 : a / 2.0 + b / 2.0;
}

static double ref_median_sorted(const double *v, size_t n) {
  return n % 2 ? v[n / 2] : ref_mid(v[n / 2 - 1], v[n / 2]);
}

static double ref_lerp(double a, double b, double g) {
  double d = b - a;
  if (!isfinite(d)) return 2.0 * ref_lerp(a / 2.0, b / 2.0, g);
  return g >= 0.5 ? b - d * (1.0 - g) : a + d * g;
}

static double ref_pct_sorted(const double *v, size_t n, double p) {
  double q = p / 100.0, vi = (double)(n - 1) * q, f;
  size_t i;
  if (vi >= (double)(n - 1)) return v[n - 1];
  f = floor(vi);
  i = (size_t)f;
  return ref_lerp(v[i], v[i + 1], vi - f);
}

/* Everything from a sorted copy, by numpy's formulas (iqr_ok: finite). */
typedef struct ref_res {
  double median, p, mad, iqr;
  int iqr_ok, mad_ok;
} ref_res;

static ref_res reference(const double *x, size_t n, double p) {
  ref_res r;
  double *v = malloc((n ? n : 1) * sizeof *v), *d = malloc((n ? n : 1) * sizeof *d);
  memcpy(v, x, n * sizeof *v);
  qsort(v, n, sizeof *v, cmp_double);
  r.median = ref_median_sorted(v, n);
  r.p = ref_pct_sorted(v, n, p);
  r.iqr = ref_pct_sorted(v, n, 75) - ref_pct_sorted(v, n, 25);
  r.iqr_ok = isfinite(r.iqr);
  for (size_t i = 0; i < n; i++) d[i] = fabs(x[i] - r.median);
  qsort(d, n, sizeof *d, cmp_double);
  r.mad = ref_median_sorted(d, n);
  r.mad_ok = isfinite(r.mad);
  free(v);
  free(d);
  return r;
}

static int same(double a, double b) { return a == b || (isnan(a) && isnan(b)); }

/* Block invariants (behaviour 2); returns 1 when they hold. */
static int invariants_ok(const st_order *o) {
  size_t total = 0, b;
  double last = -INFINITY;
  if (!o->sorted) return o->n <= o->cap_flat;
  for (b = 0; b < o->nblk; b++) {
    const st_oblock *k = &o->blk[b];
    if (k->n > k->cap || k->cap > ST_ORDER_BLOCK_MAX) return 0;
    if (o->nblk > 1 && (k->n < ST_ORDER_BLOCK_MIN || k->cap != ST_ORDER_BLOCK_MAX)) return 0;
    for (size_t i = 0; i < k->n; i++) {
      if (k->v[i] < last) return 0;
      last = k->v[i];
    }
    total += k->n;
  }
  return total == o->n;
}

/* Query all four on o (final as given) and compare with the reference. */
static int check_all(st_order *o, const double *x, size_t n, double p, int final, const char *what) {
  ref_res r = reference(x, n, p);
  double m, q, mad, iqr;
  om_err e;
  int ok = 1;
  st_order copy;
  /* final queries reorder (and mad empties): run each on its own copy */
  double *buf = NULL;
  if (final) {
    buf = malloc(n * sizeof *buf);
    memcpy(buf, x, n * sizeof *buf);
  }
#define RUN(call, out)                                                                             \
  do {                                                                                             \
    if (final) {                                                                                   \
      memset(&copy, 0, sizeof copy);                                                               \
      for (size_t i_ = 0; i_ < n; i_++) st_order_add(&copy, buf[i_], &e);                          \
      ok &= call(&copy, out) == OM_OK || !isfinite(*(out));                                        \
      st_order_free(&copy);                                                                        \
    } else {                                                                                       \
      ok &= call(o, out) == OM_OK || !isfinite(*(out));                                            \
    }                                                                                              \
  } while (0)
#define MEDIAN(s, out) st_order_median((s), final, (out), NULL, &e)
#define PCT(s, out) st_order_percentile((s), p, final, (out), NULL, &e)
#define MAD(s, out) st_order_mad((s), final, (out), NULL, &e)
#define IQR(s, out) st_order_iqr((s), final, (out), NULL, &e)
  RUN(MEDIAN, &m);
  RUN(PCT, &q);
  RUN(MAD, &mad);
  RUN(IQR, &iqr);
  free(buf);
  if (!same(m, r.median)) ok = 0;
  if (!same(q, r.p)) ok = 0;
  if (r.mad_ok ? !same(mad, r.mad) : !isnan(mad)) ok = 0;
  if (r.iqr_ok ? !same(iqr, r.iqr) : !isnan(iqr)) ok = 0;
  if (!ok)
    fprintf(stderr, "  %s n=%zu p=%g final=%d: median %.17g/%.17g pct %.17g/%.17g mad %.17g/%.17g iqr %.17g/%.17g\n",
            what, n, p, final, m, r.median, q, r.p, mad, r.mad, iqr, r.iqr);
  return ok;
#undef RUN
#undef MEDIAN
#undef PCT
#undef MAD
#undef IQR
}

static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint64_t rng(void) { /* splitmix64 */
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15u);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
  return z ^ (z >> 31);
}
static double urand(void) { return (double)(rng() >> 11) * 0x1p-53; }

/* A value of one of several kinds: ordinary, ties, large, tiny. */
static double draw(int kind) {
  switch (kind) {
  case 0: return urand() * 200 - 100;
  case 1: return (double)(rng() % 7);                   /* many ties */
  case 2: return 1e9 + urand() * 1e-3;                   /* 1e9 + noise */
  case 3: return (urand() - 0.5) * 1e-300;               /* tiny */
  case 4: return (urand() < 0.5 ? -1 : 1) * ldexp(urand() + 1.0, (int)(rng() % 200) - 100);
  default: return 42.0;                                  /* constant */
  }
}

/* ------------------------------------------------------------- tests */

static void test_hand(void) {
  static const double a[] = {1, 2, 3, 4, 10};
  static const double b[] = {2.5, -1, 7, 3, 3, 0.25, 11};
  static const double c[] = {5, 1, 4, 2, 3, 9};
  struct {
    const double *x;
    size_t n;
    double median, p33, mad, iqr;
  } cases[] = {
      {a, 5, 3.0, 2.3200000000000003, 1.0, 2.0},
      {b, 7, 3.0, 2.455, 2.75, 3.625},
      {c, 6, 3.5, 2.6500000000000004, 1.5, 2.5},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    for (int final = 0; final <= 1; final++) {
      st_order o;
      double m, p, mad, iqr;
      om_err e;
      memset(&o, 0, sizeof o);
      for (size_t i = 0; i < cases[k].n; i++) CHECK(st_order_add(&o, cases[k].x[i], &e) == OM_OK);
      CHECK(st_order_median(&o, final, &m, NULL, &e) == OM_OK);
      CHECK(st_order_percentile(&o, 33, final, &p, NULL, &e) == OM_OK);
      CHECK(st_order_iqr(&o, final, &iqr, NULL, &e) == OM_OK);
      CHECK(st_order_mad(&o, final, &mad, NULL, &e) == OM_OK); /* last: final empties */
      CHECK_MSG(m == cases[k].median, "case %zu final %d: median %.17g", k, final, m);
      CHECK_MSG(p == cases[k].p33, "case %zu final %d: p33 %.17g", k, final, p);
      CHECK_MSG(mad == cases[k].mad, "case %zu final %d: mad %.17g", k, final, mad);
      CHECK_MSG(iqr == cases[k].iqr, "case %zu final %d: iqr %.17g", k, final, iqr);
      st_order_free(&o);
    }
  }
}

static void test_edges(void) {
  st_order o;
  double r;
  om_err e;
  memset(&o, 0, sizeof o);
  /* empty: NaN, OK, both paths */
  CHECK(st_order_median(&o, 1, &r, NULL, &e) == OM_OK && isnan(r));
  CHECK(st_order_percentile(&o, 10, 1, &r, NULL, &e) == OM_OK && isnan(r));
  CHECK(st_order_mad(&o, 0, &r, NULL, &e) == OM_OK && isnan(r));
  CHECK(st_order_iqr(&o, 0, &r, NULL, &e) == OM_OK && isnan(r));
  /* refused values */
  CHECK(st_order_add(&o, NAN, &e) == OM_INVALID);
  CHECK_STR(e.msg, "value is not a finite number");
  CHECK(st_order_add(&o, INFINITY, &e) == OM_INVALID && st_order_add(&o, -INFINITY, &e) == OM_INVALID);
  CHECK(o.n == 0);
  CHECK(st_order_remove(&o, 1.0, NULL, &e) == OM_INVALID);
  CHECK_STR(e.msg, "value to remove is not held");
  /* one value */
  CHECK(st_order_add(&o, -7.5, &e) == OM_OK);
  CHECK(st_order_median(&o, 0, &r, NULL, &e) == OM_OK && r == -7.5);
  CHECK(st_order_percentile(&o, 0, 0, &r, NULL, &e) == OM_OK && r == -7.5);
  CHECK(st_order_percentile(&o, 100, 0, &r, NULL, &e) == OM_OK && r == -7.5);
  CHECK(st_order_mad(&o, 0, &r, NULL, &e) == OM_OK && r == 0.0);
  CHECK(st_order_iqr(&o, 0, &r, NULL, &e) == OM_OK && r == 0.0);
  CHECK(st_order_remove(&o, 7.5, NULL, &e) == OM_INVALID && o.n == 1);
  CHECK(st_order_remove(&o, -7.5, NULL, &e) == OM_OK && o.n == 0);
  CHECK(st_order_median(&o, 0, &r, NULL, &e) == OM_OK && isnan(r));
  CHECK(st_order_add(&o, 3.0, &e) == OM_OK && st_order_median(&o, 0, &r, NULL, &e) == OM_OK && r == 3.0);
  /* p outside [0, 100] */
  CHECK(st_order_percentile(&o, -0.5, 0, &r, NULL, &e) == OM_INVALID && isnan(r));
  CHECK_STR(e.msg, "p must be a number between 0 and 100");
  CHECK(st_order_percentile(&o, 100.5, 0, &r, NULL, &e) == OM_INVALID);
  CHECK(st_order_percentile(&o, NAN, 0, &r, NULL, &e) == OM_INVALID);
  st_order_free(&o);
  CHECK(o.n == 0 && o.flat == NULL && o.blk == NULL);

  /* the ends of the double range (behaviours 5-9): each set against the
  ** reference, both paths, and the values numpy cannot give */
  {
    static const double sets[][10] = {
        {DBL_MAX, DBL_MAX},                                  /* median DBL_MAX (numpy: inf) */
        {-DBL_MAX, DBL_MAX},                                 /* p75 DBL_MAX / 2 (numpy: nan) */
        {-DBL_MAX, -DBL_MAX, DBL_MAX, DBL_MAX},              /* mad DBL_MAX */
        {-1e308, -1e308, 1e308, 1e308, 1e308},               /* deviations 2e308 overflow: mad 0 */
        {-1e308, -1e308, 0.0, 1.7e308, 1.7e308},             /* mad 1e308 */
        {-1.5e308, -1.5e308, -1.5e308, 1.5e308, 1.5e308, 1.5e308}, /* mad 1.5e308 */
        {-DBL_MAX, -DBL_MAX, -DBL_MAX, -DBL_MAX, 1e308, DBL_MAX, DBL_MAX, DBL_MAX, DBL_MAX, DBL_MAX},
        {4.9e-324, 1e-323, 4.9e-324, 2e-323, 0.0},            /* subnormals */
        {-0.0, 0.0, -0.0},
    };
    static const size_t lens[] = {2, 2, 4, 5, 5, 6, 10, 5, 3};
    static const double want_mad[] = {0.0, DBL_MAX, DBL_MAX, 0.0, 1e308, 1.5e308, -1, -1, 0.0};
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
      for (int final = 0; final <= 1; final++) {
        double mad;
        memset(&o, 0, sizeof o);
        for (size_t i = 0; i < lens[k]; i++) st_order_add(&o, sets[k][i], &e);
        CHECK_MSG(check_all(&o, sets[k], lens[k], 75, final, "extreme"), "set %zu final %d", k, final);
        CHECK(st_order_mad(&o, final, &mad, NULL, &e) == OM_OK);
        if (want_mad[k] >= 0) CHECK_MSG(mad == want_mad[k], "set %zu final %d: mad %.17g", k, final, mad);
        st_order_free(&o);
      }
    }
    memset(&o, 0, sizeof o);
    st_order_add(&o, DBL_MAX, &e);
    st_order_add(&o, DBL_MAX, &e);
    CHECK(st_order_median(&o, 0, &r, NULL, &e) == OM_OK && r == DBL_MAX);
    st_order_free(&o);
    memset(&o, 0, sizeof o);
    st_order_add(&o, -DBL_MAX, &e);
    st_order_add(&o, DBL_MAX, &e);
    CHECK(st_order_median(&o, 0, &r, NULL, &e) == OM_OK && r == 0.0);
    CHECK(st_order_percentile(&o, 75, 0, &r, NULL, &e) == OM_OK && r == DBL_MAX / 2);
    CHECK(st_order_iqr(&o, 0, &r, NULL, &e) == OM_OK && r == DBL_MAX); /* p75 - p25 = M/2 + M/2 */
    st_order_add(&o, -DBL_MAX, &e);
    st_order_add(&o, DBL_MAX, &e);
    CHECK(st_order_iqr(&o, 0, &r, NULL, &e) == OM_INVALID && isnan(r)); /* 2 DBL_MAX */
    CHECK_STR(e.msg, "the interquartile range is beyond the range of a double (over 1.8e308); divide the "
                     "values by a constant first");
    CHECK(st_order_iqr(&o, 1, &r, NULL, &e) == OM_INVALID && isnan(r));
    st_order_free(&o);
  }
}

/* Adversarial and random inputs, both paths (2). */
static void test_reference(void) {
  int fails = 0, runs = 0;
  for (int t = 0; t < 400; t++) {
    size_t n = t < 40 ? (size_t)t + 1 : 1 + (size_t)(rng() % (t < 300 ? 300 : 3000));
    int kind = (int)(rng() % 6), order = (int)(rng() % 6);
    double *x = malloc(n * sizeof *x), p = (t % 5 == 0) ? (double)(rng() % 101) : urand() * 100;
    st_order o;
    om_err e;
    for (size_t i = 0; i < n; i++) x[i] = draw(kind);
    if (order == 1 || order == 2) qsort(x, n, sizeof *x, cmp_double);
    if (order == 2)
      for (size_t i = 0; i < n / 2; i++) {
        double tmp = x[i];
        x[i] = x[n - 1 - i];
        x[n - 1 - i] = tmp;
      }
    if (order == 3) /* organ pipe */
      for (size_t i = 0; i < n; i++) x[i] = (double)(i < n / 2 ? i : n - i);
    if (order == 4)
      for (size_t i = 0; i < n; i++) x[i] = (double)((i * 7919) % 3);
    memset(&o, 0, sizeof o);
    for (size_t i = 0; i < n; i++) st_order_add(&o, x[i], &e);
    runs++;
    if (!check_all(&o, x, n, p, 1, "collecting")) fails++;
    if (!check_all(&o, x, n, p, 0, "sorted")) fails++;
    if (!invariants_ok(&o) || !o.sorted) fails++;
    st_order_free(&o);
    free(x);
  }
  CHECK_MSG(fails == 0, "%d of %d reference runs differ", fails, runs);
  /* a median-of-3 killer and big arrays through the selection */
  {
    size_t n = 200001;
    double *x = malloc(n * sizeof *x);
    st_order o;
    om_err e;
    for (size_t i = 0; i < n; i++) x[i] = (double)(i % 2 ? i : n - i); /* interleaved ramps */
    memset(&o, 0, sizeof o);
    for (size_t i = 0; i < n; i++) st_order_add(&o, x[i], &e);
    CHECK(check_all(&o, x, n, 37.5, 1, "ramps"));
    st_order_free(&o);
    for (size_t i = 0; i < n; i++) x[i] = 5.0;
    memset(&o, 0, sizeof o);
    for (size_t i = 0; i < n; i++) st_order_add(&o, x[i], &e);
    CHECK(check_all(&o, x, n, 50, 1, "constant"));
    CHECK(check_all(&o, x, n, 50, 0, "constant sorted"));
    st_order_free(&o);
    free(x);
  }
}

/* Random windows: add/remove with a mirror array, compare after steps (3). */
static void test_windows(void) {
  int fails = 0, checks = 0, inv = 0;
  size_t max_blocks = 0, merged = 0;
  for (int t = 0; t < 12; t++) {
    size_t cap = 8000, n = 0, steps = t < 6 ? 3000 : 12000;
    double *x = malloc(cap * sizeof *x);
    size_t target = t < 4 ? 5 + (size_t)t * 20 : (t < 8 ? 1500 : 5000);
    int kind = t % 6;
    st_order o;
    om_err e;
    memset(&o, 0, sizeof o);
    for (size_t s = 0; s < steps; s++) {
      int add = n == 0 || (n < target ? rng() % 4 != 0 : rng() % 4 == 0);
      if (t % 3 == 2 && s > steps / 2) add = n == 0 || rng() % 5 == 0; /* shrink phase: merges */
      if (add && n < cap) {
        double v = draw(kind);
        if (st_order_add(&o, v, &e) != OM_OK) fails++;
        x[n++] = v;
      } else if (n > 0) {
        size_t i = (size_t)(rng() % n);
        if (st_order_remove(&o, x[i], NULL, &e) != OM_OK) fails++;
        x[i] = x[--n];
      }
      if (s % 97 == 0 || n < 3) {
        double p = urand() * 100;
        checks++;
        if (n > 0 && !check_all(&o, x, n, p, 0, "window")) fails++;
        if (!invariants_ok(&o)) inv++;
      }
      if (o.nblk > max_blocks) max_blocks = o.nblk;
      if (o.sorted && o.nblk == 1 && max_blocks > 1 && n > ST_ORDER_BLOCK_MIN) merged++;
    }
    CHECK(o.n == n);
    if (n > 0) CHECK(check_all(&o, x, n, 12.5, 1, "window final"));
    st_order_free(&o);
    free(x);
  }
  CHECK_MSG(fails == 0, "%d of %d window checks differ", fails, checks);
  CHECK_MSG(inv == 0, "%d block invariant violations", inv);
  CHECK_MSG(max_blocks >= 8, "at most %zu blocks: splits not exercised", max_blocks);
  CHECK_MSG(merged > 0, "never merged back to one block");
}

/* Interrupts (5). */
static int always(void *arg) {
  (*(int *)arg)++;
  return 1;
}

static void test_interrupt(void) {
  size_t n = 3000000;
  int polls = 0;
  om_interrupt it = {always, &polls};
  st_order o;
  om_err e;
  double r, sum = 0, sum2 = 0;
  memset(&o, 0, sizeof o);
  for (size_t i = 0; i < n; i++) st_order_add(&o, (double)((i * 2654435761u) % 1000003), &e);
  for (size_t i = 0; i < n; i++) sum += o.flat[i];
  CHECK(st_order_median(&o, 1, &r, &it, &e) == OM_INTERRUPTED); /* selection */
  CHECK_STR(e.msg, "interrupted");
  CHECK(polls > 0 && o.n == n && !o.sorted);
  CHECK(st_order_median(&o, 0, &r, &it, &e) == OM_INTERRUPTED); /* sort */
  CHECK(o.n == n && !o.sorted);
  CHECK(st_order_remove(&o, 5.0, &it, &e) == OM_INTERRUPTED && o.n == n);
  for (size_t i = 0; i < n; i++) sum2 += o.flat[i];
  CHECK(sum == sum2); /* the same values, reordered */
  CHECK(st_order_median(&o, 0, &r, NULL, &e) == OM_OK && o.sorted);
  st_order_free(&o);
}

/* OOM loops (6). */
static void test_oom(void) {
  long start = om_test_alloc_live;
  int failures = 0;
  for (long k = 1; k < 60; k++) {
    st_order o;
    om_err e;
    om_status st = OM_OK;
    size_t added = 0, i;
    double r;
    memset(&o, 0, sizeof o);
    om_test_alloc_reset();
    om_test_alloc_fail_at = k;
    /* collect 700 values (flat growth 64..1024), convert (2 blocks), then
    ** insert 1500 more in order (splits) */
    for (i = 0; i < 700 && st == OM_OK; i++)
      if ((st = st_order_add(&o, (double)(i % 100), &e)) == OM_OK) added++;
    if (st == OM_OK) st = st_order_median(&o, 0, &r, NULL, &e);
    for (i = 0; i < 1500 && st == OM_OK; i++)
      if ((st = st_order_add(&o, (double)i / 10.0, &e)) == OM_OK) added++;
    if (st != OM_OK) {
      failures++;
      CHECK_MSG(st == OM_NOMEM, "failing allocation %ld: status %d", k, st);
      CHECK_STR(e.msg, "out of memory");
    }
    CHECK_MSG(o.n == added, "failing allocation %ld: %zu held, %zu added", k, o.n, added);
    CHECK(invariants_ok(&o));
    om_test_alloc_fail_at = 0;
    CHECK(st_order_median(&o, 0, &r, NULL, &e) == OM_OK && o.n == added);
    st_order_free(&o);
    CHECK_MSG(om_test_alloc_live == start, "failing allocation %ld: %ld blocks leaked", k,
              om_test_alloc_live - start);
  }
  CHECK_MSG(failures > 8, "only %d allocations failed", failures);
}

int main(void) {
  test_hand();
  test_edges();
  test_reference();
  test_windows();
  test_interrupt();
  test_oom();
  return om_test_finish();
}
