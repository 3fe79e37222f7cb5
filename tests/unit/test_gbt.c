/*
** test_gbt.c — unit tests of the gbt learner's parts and behaviours:
** binning, histograms, split gain, missing-value direction, categorical
** routing, objectives, sampling, early stopping, conformal residual quantiles,
** thread determinism, option checks, OOM loop and interrupts.  The payload
** codec has its own program (test_gbt_codec.c), accuracy against xgboost too
** (test_gbt_accuracy.c).
*/
#include <stdlib.h>
#include <string.h>

#include "gbt.h"
#include "om_test.h"

/* ---------- a small dataset builder ---------- */

#define TF 4 /* features: x0 numeric, x1 numeric, x2 numeric, c categorical */

typedef struct tdata {
  size_t n;
  double *x[3];
  uint64_t *c;
  uint8_t *cmiss;
  double *y;
  gbt_column cols[TF];
  gbt_data d;
} tdata;

static uint64_t tseed;
static double tunif(void) {
  uint64_t z = (tseed += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return (double)(z >> 11) * 0x1.0p-53;
}

/* y = exp(x0 + sin(3·x1) + [c in {1,3}] + noise); 10% of x2 missing. */
static void tdata_make(tdata *t, size_t n, uint64_t seed) {
  tseed = seed;
  t->n = n;
  for (int k = 0; k < 3; k++)
    t->x[k] = malloc(n * sizeof(double));
  t->c = malloc(n * sizeof(uint64_t));
  t->cmiss = malloc(n);
  t->y = malloc(n * sizeof(double));
  for (size_t i = 0; i < n; i++) {
    double x0 = tunif() * 2, x1 = tunif() * 2, x2 = tunif();
    uint64_t c = (uint64_t)(tunif() * 6);
    t->x[0][i] = x0;
    t->x[1][i] = x1;
    t->x[2][i] = tunif() < 0.1 ? NAN : x2;
    t->c[i] = 0x1000 + c * 0x9e3779b97f4a7c15ull;
    t->cmiss[i] = tunif() < 0.05;
    t->y[i] = exp(x0 + sin(3 * x1) + ((c == 1 || c == 3) && !t->cmiss[i] ? 1 : 0) +
                  0.2 * (tunif() - 0.5));
  }
  for (int k = 0; k < 3; k++) {
    t->cols[k].is_cat = 0;
    t->cols[k].num = t->x[k];
    t->cols[k].cat = NULL;
    t->cols[k].cat_missing = NULL;
  }
  t->cols[3].is_cat = 1;
  t->cols[3].num = NULL;
  t->cols[3].cat = t->c;
  t->cols[3].cat_missing = t->cmiss;
  t->d.n_rows = n;
  t->d.n_features = TF;
  t->d.cols = t->cols;
  t->d.y = t->y;
  t->d.y_upper = NULL;
}

static void tdata_free(tdata *t) {
  for (int k = 0; k < 3; k++)
    free(t->x[k]);
  free(t->c);
  free(t->cmiss);
  free(t->y);
}

static double tpredict(const gbt_model *m, const tdata *t, size_t i) {
  double num[TF] = {t->x[0][i], t->x[1][i], t->x[2][i], 0};
  uint64_t cat[TF] = {0, 0, 0, t->c[i]};
  uint8_t miss[TF] = {0, 0, 0, t->cmiss[i]};
  return gbt_predict(m, num, cat, miss);
}

static int same_bytes(const gbt_model *a, const gbt_model *b) {
  om_wbuf wa, wb;
  int same;
  om_wbuf_init(&wa);
  om_wbuf_init(&wb);
  gbt_encode(a, &wa);
  gbt_encode(b, &wb);
  same = wa.len == wb.len && wa.len > 0 && memcmp(wa.data, wb.data, wa.len) == 0;
  om_wbuf_free(&wa);
  om_wbuf_free(&wb);
  return same;
}

/* ---------- binning ---------- */

static void test_binning(void) {
  double v[1000], cuts[255];
  uint32_t nc;
  for (int i = 0; i < 1000; i++)
    v[i] = i;
  /* 4 equal-count bins of 0..999 */
  nc = gbt_bin_cuts(v, 1000, 4, cuts);
  CHECK(nc == 3);
  CHECK(cuts[0] == 249.5 && cuts[1] == 499.5 && cuts[2] == 749.5);
  /* few distinct values: one bin each, cuts at midpoints */
  {
    double w[] = {1, 1, 2, 3, 3, 3};
    nc = gbt_bin_cuts(w, 6, 255, cuts);
    CHECK(nc == 2 && cuts[0] == 1.5 && cuts[1] == 2.5);
    CHECK(gbt_bin_code_num(cuts, nc, 1) == 1 && gbt_bin_code_num(cuts, nc, 2) == 2);
    CHECK(gbt_bin_code_num(cuts, nc, 3) == 3 && gbt_bin_code_num(cuts, nc, 1.5) == 2);
    CHECK(gbt_bin_code_num(cuts, nc, -1e300) == 1 && gbt_bin_code_num(cuts, nc, 1e300) == 3);
    CHECK(gbt_bin_code_num(cuts, nc, NAN) == 0);
  }
  /* one value: no cut; none: no cut */
  {
    double w[] = {7, 7, 7};
    CHECK(gbt_bin_cuts(w, 3, 255, cuts) == 0);
    CHECK(gbt_bin_cuts(w, 0, 255, cuts) == 0);
  }
  /* a heavy value gets its own bin; cuts strictly increasing */
  {
    double w[100];
    for (int i = 0; i < 100; i++)
      w[i] = i < 60 ? 0 : i;
    nc = gbt_bin_cuts(w, 100, 4, cuts);
    CHECK(nc == 3 && cuts[0] > 0 && cuts[0] <= 60);
    for (uint32_t k = 1; k < nc; k++)
      CHECK(cuts[k] > cuts[k - 1]);
  }
  /* adjacent doubles and infinities */
  {
    double a = 1.0, b = nextafter(1.0, 2.0);
    double w[] = {-INFINITY, a, b, INFINITY};
    nc = gbt_bin_cuts(w, 4, 255, cuts);
    CHECK(nc == 3);
    for (int i = 0; i < 4; i++)
      CHECK(gbt_bin_code_num(cuts, nc, w[i]) == i + 1);
  }
  /* "code ≤ b" ⇔ "v < cuts[b−1]" on random data, 255 bins */
  {
    static double s[5000], tmp[5000];
    tseed = 7;
    for (int i = 0; i < 5000; i++)
      s[i] = floor(tunif() * 3000) / 7;
    gbt_sort_f64(s, tmp, 5000);
    for (int i = 1; i < 5000; i++)
      CHECK(s[i] >= s[i - 1]);
    nc = gbt_bin_cuts(s, 5000, 255, cuts);
    CHECK(nc == 254);
    for (int i = 0; i < 5000; i += 37)
      for (uint32_t b = 1; b <= nc; b++)
        if ((gbt_bin_code_num(cuts, nc, s[i]) <= b) != (s[i] < cuts[b - 1])) {
          CHECK(0);
          b = nc;
          i = 5000;
        }
  }
  /* gbt_bin_build: all-missing column, categorical with a rare category */
  {
    enum { N = 50 };
    double xa[N], xb[N], y[N] = {0};
    uint64_t c[N], *scratch[1], store[2 * N];
    uint8_t codes[N * 3], codes_col[N * 3];
    gbt_bins bins[3];
    gbt_column cols[3] = {{0, xa, NULL, NULL}, {0, xb, NULL, NULL}, {1, NULL, c, NULL}};
    gbt_data d = {N, 3, cols, y, NULL};
    for (int i = 0; i < N; i++) {
      xa[i] = NAN;
      xb[i] = i % 5;
      c[i] = i < 2 ? 999 : (uint64_t)(100 + i % 3); /* 999 seen twice: rare */
    }
    scratch[0] = store;
    CHECK(gbt_bin_build(&d, N, 256, NULL, scratch, bins, codes, codes_col, NULL) == OM_OK);
    CHECK(bins[0].n_codes == 2);
    for (int i = 0; i < N; i++)
      CHECK(codes[i * 3] == 0 && codes_col[i] == 0);
    CHECK(bins[1].n_codes == 6);
    CHECK(codes[7 * 3 + 1] == 1 + 7 % 5 && codes_col[N + 7] == 1 + 7 % 5);
    CHECK(bins[2].is_cat && bins[2].n_codes == 4);
    CHECK(bins[2].u.hashes[0] == 100 && bins[2].u.hashes[2] == 102);
    CHECK(codes[0 * 3 + 2] == 0 && codes[1 * 3 + 2] == 0); /* rare → code 0 */
    CHECK(codes[3 * 3 + 2] == 1 + (3 % 3) && codes[5 * 3 + 2] == 1 + (5 % 3));
    CHECK(gbt_bin_code_cat(bins[2].u.hashes, 3, 101) == 2);
    CHECK(gbt_bin_code_cat(bins[2].u.hashes, 3, 103) == 0);
  }
  /* gbt_bin_build, categorical: few distinct hashes (counted in a hash table)
  ** and many (sorted) give the 255 most frequent (ties: smaller hash), in
  ** ascending order, as a naive count does; codes follow; missing → 0 */
  {
    enum { N = 6000, K = 400 };
    static uint64_t c0[N], c1[N], store[2 * N], distinct[N], count[N];
    static uint8_t miss[N], codes[N * 2], codes_col[N * 2];
    double y[N] = {0};
    uint64_t *scratch[1] = {store};
    gbt_bins bins[2];
    gbt_column cols[2] = {{1, NULL, c0, miss}, {1, NULL, c1, NULL}};
    gbt_data d = {N, 2, cols, y, NULL};
    tseed = 5;
    for (int i = 0; i < N; i++) {
      /* K categories with uneven counts (many ties); hashes spread over 64 bits */
      uint64_t k = (uint64_t)(tunif() * tunif() * K);
      c0[i] = (k + 1) * 0x9E3779B97F4A7C15ull ^ (k << 60);
      miss[i] = tunif() < 0.05;
      /* the same, then 3000 singletons: too many distinct for the table */
      c1[i] = i < N / 2 ? c0[i] : 0x5555000000000000ull + (uint64_t)i * 2654435761u;
    }
    CHECK(gbt_bin_build(&d, N, 256, NULL, scratch, bins, codes, codes_col, NULL) == OM_OK);
    for (int f = 0; f < 2; f++) {
      const uint64_t *c = f ? c1 : c0;
      size_t nd = 0;
      uint64_t keep[255];
      uint32_t nk = 0;
      for (int i = 0; i < N; i++) {
        size_t j;
        if (f == 0 && miss[i]) continue;
        for (j = 0; j < nd && distinct[j] != c[i]; j++) {
        }
        if (j == nd) {
          distinct[nd] = c[i];
          count[nd++] = 0;
        }
        count[j]++;
      }
      /* naive selection: repeatedly take the best remaining */
      while (nk < 255) {
        size_t best = nd;
        for (size_t j = 0; j < nd; j++)
          if (count[j] >= GBT_CAT_MIN_COUNT &&
              (best == nd || count[j] > count[best] ||
               (count[j] == count[best] && distinct[j] < distinct[best])))
            best = j;
        if (best == nd) break;
        keep[nk++] = distinct[best];
        count[best] = 0;
      }
      for (uint32_t a = 1; a < nk; a++)
        for (uint32_t b = a; b > 0 && keep[b - 1] > keep[b]; b--) {
          uint64_t t = keep[b];
          keep[b] = keep[b - 1];
          keep[b - 1] = t;
        }
      CHECK(nk == 255);
      CHECK(bins[f].is_cat && bins[f].n_codes == 1 + nk);
      CHECK(memcmp(bins[f].u.hashes, keep, nk * sizeof keep[0]) == 0);
      for (int i = 0; i < N; i++) {
        uint8_t want = 0;
        if (!(f == 0 && miss[i]))
          for (uint32_t j = 0; j < nk; j++)
            if (keep[j] == c[i]) want = (uint8_t)(j + 1);
        if (codes[i * 2 + f] != want || codes_col[f * N + i] != want) {
          CHECK(0);
          break;
        }
      }
    }
  }
}

/* ---------- histograms ---------- */

static void test_histograms(void) {
  enum { N = 3000, F = 3 };
  static uint8_t codes[N * F];
  static gbt_gh gh[N];
  static uint32_t all[N], left[N], right[N];
  uint32_t off[F + 1] = {0, 10, 30, 33}, sel[F] = {0, 1, 2}, nl = 0, nr = 0;
  static gbt_gh hp[33], hl[33], hr[33], hsub[33];
  int same = 1;
  tseed = 11;
  for (uint32_t i = 0; i < N; i++) {
    codes[i * F + 0] = (uint8_t)(tunif() * 10);
    codes[i * F + 1] = (uint8_t)(tunif() * 20);
    codes[i * F + 2] = (uint8_t)(tunif() * 3);
    gh[i].g = floor(tunif() * 64) - 32; /* integers: sums are exact */
    gh[i].h = 1 + floor(tunif() * 4);
    all[i] = i;
    if (codes[i * F + 1] < 7)
      left[nl++] = i;
    else
      right[nr++] = i;
  }
  gbt_hist_build(hp, off, codes, F, sel, 0, F, all, N, gh);
  gbt_hist_build(hl, off, codes, F, sel, 0, 2, left, nl, gh); /* two calls = one */
  gbt_hist_build(hl, off, codes, F, sel, 2, 3, left, nl, gh);
  gbt_hist_build(hr, off, codes, F, sel, 0, F, right, nr, gh);
  gbt_hist_subtract(hsub, hp, hl, off, sel, 0, F);
  for (int k = 0; k < 33; k++)
    same &= hsub[k].g == hr[k].g && hsub[k].h == hr[k].h;
  CHECK(same);
  /* every feature's histogram sums to the node totals */
  for (uint32_t f = 0; f < F; f++) {
    double G = 0, H = 0, G0 = 0, H0 = 0;
    for (uint32_t k = off[f]; k < off[f + 1]; k++) {
      G += hl[k].g;
      H += hl[k].h;
    }
    for (uint32_t i = 0; i < nl; i++) {
      G0 += gh[left[i]].g;
      H0 += gh[left[i]].h;
    }
    CHECK(G == G0 && H == H0);
  }
  /* feature 1 bins ≥ 7 are empty in the left child */
  CHECK(hl[off[1] + 7].h == 0 && hl[off[1] + 19].h == 0 && hl[off[1] + 6].h > 0);
}

/* ---------- split finding ---------- */

static void test_split_gain(void) {
  gbt_split_params p = {1.0, 0.0, GBT_CAT_MAX_SET};
  gbt_split best;
  /* code 0 (missing) empty; bins (g,h): (−4,2) (1,1) (3,2); G = 0, H = 5, λ = 1 */
  gbt_gh h[4] = {{0, 0}, {-4, 2}, {1, 1}, {3, 2}};
  memset(&best, 0, sizeof best);
  gbt_split_numeric(h, 4, 0, 5, &p, 2, &best);
  /* b=1: ½(16/3 + 16/4) = 14/3; b=2: ½(9/4 + 9/3) = 2.625 */
  CHECK_CLOSE(best.gain, 14.0 / 3.0, 1e-15);
  CHECK_CLOSE(gbt_gain(-3, 3, 3, 2, 1), 2.625, 1e-15);
  CHECK(best.feature == 2 && best.bin == 1 && !best.is_cat);
  CHECK(best.GL == -4 && best.HL == 2 && best.GR == 4 && best.HR == 3);
  CHECK(best.default_left == 0); /* no missing: the side with more hessian (right) */
  /* min_child_weight 2.5 rules out both (one side has H = 2) */
  p.min_child_weight = 2.5;
  memset(&best, 0, sizeof best);
  gbt_split_numeric(h, 4, 0, 5, &p, 0, &best);
  CHECK(best.gain == 0);
  /* ...and with the left bin heavier, the default goes left (HL 3 ≥ HR 2) */
  {
    gbt_gh h2[4] = {{0, 0}, {-4, 3}, {1, 1}, {3, 2}};
    p.min_child_weight = 0;
    memset(&best, 0, sizeof best);
    gbt_split_numeric(h2, 4, 0, 6, &p, 0, &best);
    CHECK(best.bin == 1 && best.default_left == 1);
  }
  /* missing rows: (−6, 2) fit best with the left bin */
  {
    gbt_gh hm[4] = {{-6, 2}, {-4, 2}, {5, 1}, {5, 2}};
    p.min_child_weight = 0;
    memset(&best, 0, sizeof best);
    gbt_split_numeric(hm, 4, 0, 7, &p, 0, &best);
    CHECK(best.bin == 1 && best.default_left == 1);
    CHECK_CLOSE(best.gain, 0.5 * (100.0 / 5 + 100.0 / 4), 1e-15);
    CHECK(gbt_split_goes_left(&best, 0) && gbt_split_goes_left(&best, 1));
    CHECK(!gbt_split_goes_left(&best, 2));
  }
  /* missing alone on the left (b = 0) */
  {
    gbt_gh hm[3] = {{-10, 2}, {5, 2}, {5, 2}};
    memset(&best, 0, sizeof best);
    gbt_split_numeric(hm, 3, 0, 6, &p, 0, &best);
    CHECK(best.bin == 0 && best.default_left == 1);
  }
  /* categorical: codes 1,3 have negative gradients → listed together */
  {
    gbt_gh hc[5] = {{0, 0}, {-20, 10}, {20, 10}, {-20, 10}, {20, 10}};
    memset(&best, 0, sizeof best);
    gbt_split_categorical(hc, 5, 0, 40, &p, 3, &best);
    CHECK(best.is_cat && best.feature == 3 && best.default_left == 0);
    CHECK(gbt_split_goes_left(&best, 1) && gbt_split_goes_left(&best, 3));
    CHECK(!gbt_split_goes_left(&best, 2) && !gbt_split_goes_left(&best, 4));
    CHECK(!gbt_split_goes_left(&best, 0));
    CHECK_CLOSE(best.gain, 0.5 * (1600.0 / 21 + 1600.0 / 21), 1e-14);
  }
  /* nothing to split: one non-empty bin */
  {
    gbt_gh h1[3] = {{0, 0}, {5, 4}, {0, 0}};
    memset(&best, 0, sizeof best);
    gbt_split_numeric(h1, 3, 5, 4, &p, 0, &best);
    CHECK(best.gain == 0);
  }
}

/* ---------- objectives ---------- */

static void test_objectives(void) {
  double y[3] = {0, 1, 3}, p[3] = {0.5, 1, 1}, ty[3], s[6];
  gbt_gh gh[3];
  om_err e;
  gbt_obj_gradients(GBT_SQUARED, GBT_LOSS_SQUARED, 0.5, 1.0, y, p, 3, gh);
  CHECK(gh[0].g == 0.5 && gh[1].g == 0 && gh[2].g == -2 && gh[2].h == 1);
  gbt_obj_gradients(GBT_QUANTILE, GBT_LOSS_SQUARED, 0.9, 1.0, y, p, 3, gh);
  CHECK_CLOSE(gh[0].g, 0.1, 1e-15);
  CHECK_CLOSE(gh[1].g, 0.1, 1e-15); /* p ≥ y */
  CHECK(gh[2].g == -0.9 && gh[0].h == 1);
  {
    double yb[2] = {1, 0}, pb[2] = {0, log(3.0)};
    gbt_obj_gradients(GBT_BINARY, GBT_LOSS_SQUARED, 0.5, 1.0, yb, pb, 2, gh);
    CHECK(gh[0].g == -0.5 && gh[0].h == 0.25);
    CHECK_CLOSE(gh[1].g, 0.75, 1e-15);
    CHECK_CLOSE(gh[1].h, 0.1875, 1e-15);
    CHECK_CLOSE(gbt_obj_metric(GBT_BINARY, GBT_LOSS_SQUARED, 0.5, 1.0, yb, pb, 2), 0.5 * (log(2.0) + log(4.0)), 1e-15);
    pb[0] = 800; /* saturated: hessian floor */
    gbt_obj_gradients(GBT_BINARY, GBT_LOSS_SQUARED, 0.5, 1.0, yb, pb, 1, gh);
    CHECK(gh[0].h == 1e-16);
  }
  CHECK(gbt_obj_transform_y(GBT_DURATION, y, 3, ty, &e) == OM_OK);
  CHECK(ty[0] == 0 && ty[1] == log1p(1.0) && ty[2] == log1p(3.0));
  {
    double bad[2] = {1, -1};
    CHECK(gbt_obj_transform_y(GBT_DURATION, bad, 2, ty, &e) == OM_INVALID);
    CHECK_STR(e.msg, "label of row 2 is negative (-1); durations must be >= 0");
    bad[1] = 2;
    CHECK(gbt_obj_transform_y(GBT_BINARY, bad, 2, ty, &e) == OM_INVALID);
  }
  CHECK(gbt_obj_base_score(GBT_SQUARED, GBT_LOSS_SQUARED, 0.5, 1.0, y, 3, s) == 4.0 / 3);
  CHECK(gbt_obj_base_score(GBT_QUANTILE, GBT_LOSS_SQUARED, 0.5, 1.0, y, 3, s) == 1);
  CHECK(gbt_obj_base_score(GBT_QUANTILE, GBT_LOSS_SQUARED, 0.75, 1.0, y, 3, s) == 2);
  CHECK_CLOSE(gbt_obj_base_score(GBT_BINARY, GBT_LOSS_SQUARED, 0.5, 1.0, (double[]){0, 1, 1, 1}, 4, s), log(3.0), 1e-15);
  CHECK_CLOSE(gbt_obj_metric(GBT_SQUARED, GBT_LOSS_SQUARED, 0.5, 1.0, y, p, 3), sqrt((0.25 + 0 + 4) / 3), 1e-15);
  CHECK_CLOSE(gbt_obj_metric(GBT_QUANTILE, GBT_LOSS_SQUARED, 0.9, 1.0, y, p, 3), (0.1 * 0.5 + 0 + 0.9 * 2) / 3, 1e-15);
  CHECK(gbt_obj_output(GBT_DURATION, -3) == 0);
  CHECK(gbt_obj_output(GBT_DURATION, log1p(5.0)) == expm1(log1p(5.0)));
  CHECK(gbt_obj_output(GBT_BINARY, 0) == 0.5);
  CHECK(gbt_obj_output(GBT_SQUARED, -3) == -3);
  /* type-7 quantiles */
  {
    double a[5] = {5, 1, 4, 2, 3};
    CHECK(gbt_quantile_inplace(a, 5, 0.5) == 3);
    double b[4] = {4, 1, 3, 2};
    CHECK(gbt_quantile_inplace(b, 4, 0.5) == 2.5);
    double c[4] = {4, 1, 3, 2};
    CHECK(gbt_quantile_inplace(c, 4, 0.9) == 3.7);
  }
}

/* ---------- behaviours of trained models ---------- */

static gbt_model *train_or_null(const gbt_data *d, const gbt_options *o) {
  gbt_model *m = NULL;
  om_err e = {{0}};
  om_status st = gbt_train(d, o, NULL, &m, &e);
  CHECK_MSG(st == OM_OK, "%s", e.msg);
  return m;
}

/* missing x goes where its rows' labels belong */
static void test_missing_direction(void) {
  enum { N = 400 };
  static double x[N], y[N];
  gbt_column col = {0, x, NULL, NULL};
  gbt_data d = {N, 1, &col, y, NULL};
  gbt_options o;
  gbt_model *m;
  for (int side = 0; side < 2; side++) {
    for (int i = 0; i < N; i++) {
      x[i] = (i % 10 == 0) ? NAN : (double)(i % 100) / 100;
      y[i] = isnan(x[i]) ? (side ? 0 : 10) : (x[i] < 0.5 ? 0 : 10);
    }
    gbt_options_default(&o);
    o.objective = GBT_SQUARED;
    o.n_trees = 1;
    o.max_depth = 1;
    o.learning_rate = 1;
    o.lambda = 0;
    o.calibration_fraction = 0;
    if (!(m = train_or_null(&d, &o))) return;
    CHECK(m->n_nodes == 3 && !(m->nodes[0].ff & GBT_NODE_LEAF));
    CHECK(((m->nodes[0].ff & GBT_NODE_DEFAULT_LEFT) != 0) == side);
    CHECK(m->nodes[0].u.thr > 0.49 && m->nodes[0].u.thr <= 0.5);
    {
      double nan = NAN, lo = 0.1, hi = 0.9;
      uint8_t miss1 = 1;
      CHECK_CLOSE(gbt_predict(m, &nan, NULL, NULL), side ? 0 : 10, 1e-12);
      CHECK_CLOSE(gbt_predict(m, &hi, NULL, &miss1), side ? 0 : 10, 1e-12);
      CHECK_CLOSE(gbt_predict(m, &lo, NULL, NULL), 0, 1e-12);
      CHECK_CLOSE(gbt_predict(m, &hi, NULL, NULL), 10, 1e-12);
    }
    gbt_free(m);
  }
  /* no missing at training: missing follows the heavier side */
  for (int i = 0; i < N; i++) {
    x[i] = (double)(i % 100) / 100;
    y[i] = x[i] < 0.3 ? 0 : 10;
  }
  if ((m = train_or_null(&d, &o))) {
    double nan = NAN;
    CHECK(!(m->nodes[0].ff & GBT_NODE_DEFAULT_LEFT));
    CHECK_CLOSE(gbt_predict(m, &nan, NULL, NULL), 10, 1e-12);
    gbt_free(m);
  }
}

/* y = 0 for categories {A, C, E}, 10 for the rest: learned exactly.  Two rows
** of a rare category (y = 10) fall into "other", which sides with the five
** others; the listed (left) set is the lighter side {A, C, E}, and unseen or
** missing categories go with the heavier side and predict 10. */
static void test_categorical(void) {
  enum { N = 8 * 50 + 2 };
  static uint64_t c[N];
  static double y[N];
  static uint8_t cm[N];
  const uint64_t A = 0xA1, B = 0xB2, C = 0xC3, D = 0xD4, E = 0xE5;
  const uint64_t cats[8] = {A, B, C, D, E, 0xF6, 0x17, 0x28};
  gbt_column col = {1, NULL, c, cm};
  gbt_data d = {N, 1, &col, y, NULL};
  gbt_options o;
  gbt_model *m;
  for (int i = 0; i < N - 2; i++) {
    c[i] = cats[i % 8];
    y[i] = (c[i] == A || c[i] == C || c[i] == E) ? 0 : 10;
    cm[i] = 0;
  }
  /* a rare category (2 rows) with y = 10 joins "other" */
  c[N - 2] = c[N - 1] = 0x99;
  y[N - 2] = y[N - 1] = 10;
  cm[N - 2] = cm[N - 1] = 0;
  gbt_options_default(&o);
  o.objective = GBT_SQUARED;
  o.n_trees = 1;
  o.max_depth = 1;
  o.learning_rate = 1;
  o.lambda = 0;
  o.calibration_fraction = 0;
  if (!(m = train_or_null(&d, &o))) return;
  CHECK(m->n_nodes == 3 && (m->nodes[0].ff & GBT_NODE_CAT));
  /* the listed (left) side is the lighter one: A, C, E (150 rows) rather
  ** than the five others (250 rows, plus "other" on the right) */
  CHECK(m->nodes[0].u.cat.n == 3 && m->n_cat_hashes == 3);
  CHECK(m->cat_hashes[0] == A && m->cat_hashes[1] == C && m->cat_hashes[2] == E);
  {
    uint64_t h;
    uint8_t miss = 1;
    h = A;
    CHECK(fabs(gbt_predict(m, NULL, &h, NULL) - 0) < 1e-9);
    h = E;
    CHECK(fabs(gbt_predict(m, NULL, &h, NULL) - 0) < 1e-9);
    h = B;
    CHECK(fabs(gbt_predict(m, NULL, &h, NULL) - 10) < 1e-9);
    h = 0x28;
    CHECK(fabs(gbt_predict(m, NULL, &h, NULL) - 10) < 1e-9);
    h = 0x12345; /* unseen → default (right) */
    CHECK(fabs(gbt_predict(m, NULL, &h, NULL) - 10) < 1e-9);
    h = A; /* missing → default even with a known listed hash */
    CHECK(fabs(gbt_predict(m, NULL, &h, &miss) - 10) < 1e-9);
  }
  gbt_free(m);
  /* deeper model, default rate: prediction error small for every category */
  gbt_options_default(&o);
  o.objective = GBT_SQUARED;
  o.calibration_fraction = 0;
  o.n_trees = 60;
  o.learning_rate = 0.3;
  if ((m = train_or_null(&d, &o))) {
    double err = 0;
    for (int k = 0; k < 8; k++) {
      uint64_t h = cats[k];
      double want = (h == A || h == C || h == E) ? 0 : 10;
      err = fmax(err, fabs(gbt_predict(m, NULL, &h, NULL) - want));
    }
    CHECK_MSG(err < 0.2, "max error %g", err);
    gbt_free(m);
  }
}

static void test_training_end_to_end(void) {
  tdata t;
  gbt_options o;
  gbt_model *m, *m2;
  tdata_make(&t, 6000, 1);
  gbt_options_default(&o);
  o.threads = 1;
  if ((m = train_or_null(&t.d, &o))) {
    gbt_importance imp[TF];
    uint64_t splits = 0;
    double mae = 0;
    tdata test;
    CHECK(gbt_model_n_trees(m) == 100 && gbt_model_n_rounds(m) == 100);
    CHECK(gbt_model_n_calibration(m) == 600 && gbt_model_n_residuals(m) == 512);
    CHECK(gbt_model_objective(m) == GBT_DURATION && gbt_model_n_features(m) == TF);
    CHECK(gbt_model_is_cat(m, 3) && !gbt_model_is_cat(m, 0));
    CHECK(!isnan(gbt_model_valid_metric(m)) && gbt_model_valid_metric(m) < 0.1);
    CHECK(gbt_feature_importance(m, imp) == OM_OK);
    for (int f = 0; f < TF; f++)
      splits += imp[f].splits;
    CHECK(splits * 2 + gbt_model_n_trees(m) == gbt_model_n_nodes(m));
    CHECK(imp[0].gain > imp[2].gain && imp[1].gain > imp[2].gain && imp[3].gain > 0);
    CHECK(imp[0].cover > 0);
    /* 90% intervals on new rows from the same distribution */
    tdata_make(&test, 4000, 99);
    {
      double covered = 0;
      for (size_t i = 0; i < test.n; i++) {
        double num[TF] = {test.x[0][i], test.x[1][i], test.x[2][i], 0};
        uint64_t cat[TF] = {0, 0, 0, test.c[i]};
        uint8_t miss[TF] = {0, 0, 0, test.cmiss[i]};
        double p = gbt_predict(m, num, cat, miss);
        double lo = gbt_predict_quantile(m, num, cat, miss, 0.05);
        double hi = gbt_predict_quantile(m, num, cat, miss, 0.95);
        mae += fabs(log(p) - log(test.y[i]));
        CHECK_MSG(lo <= p && p <= hi, "row %zu: %g %g %g", i, lo, p, hi);
        covered += test.y[i] >= lo && test.y[i] <= hi;
        if (lo > p || p > hi) break;
      }
      covered /= (double)test.n;
      CHECK_MSG(covered > 0.87 && covered < 0.94, "coverage %g", covered);
      CHECK_MSG(mae / (double)test.n < 0.08, "log MAE %g", mae / (double)test.n);
    }
    tdata_free(&test);
    /* determinism: same options, other thread counts, same bytes */
    o.threads = 2;
    if ((m2 = train_or_null(&t.d, &o))) {
      CHECK(same_bytes(m, m2));
      gbt_free(m2);
    }
    gbt_free(m);
  }
  /* determinism with sampling, bigger data (several row blocks per task) and
  ** 12 features (three copies of the four: feature blocks per task, and ties
  ** between identical columns that the lowest feature must win) */
  {
    tdata big;
    gbt_model *a, *b, *c;
    gbt_column wide[3 * TF];
    tdata_make(&big, 40000, 5);
    for (int k = 0; k < 3 * TF; k++)
      wide[k] = big.cols[k % TF];
    big.d.cols = wide;
    big.d.n_features = 3 * TF;
    gbt_options_default(&o);
    o.n_trees = 12;
    o.subsample = 0.7;
    o.colsample = 0.75;
    o.seed = 42;
    o.validation_fraction = 0.2;
    o.threads = 1;
    a = train_or_null(&big.d, &o);
    o.threads = 2;
    b = train_or_null(&big.d, &o);
    o.threads = 3;
    c = train_or_null(&big.d, &o);
    if (a && b && c) {
      CHECK(same_bytes(a, b));
      CHECK(same_bytes(a, c));
      CHECK(gbt_model_n_calibration(a) == 8000);
    }
    if (a) { /* the metric from code walks = the metric from gbt_predict_raw */
      static double raw[8000], ty[8000];
      for (size_t i = 0; i < 8000; i++) {
        size_t r = 32000 + i;
        double num[3 * TF];
        uint64_t cat[3 * TF];
        uint8_t miss[3 * TF];
        for (int k = 0; k < 3 * TF; k++) {
          num[k] = k % TF < 3 ? big.x[k % TF][r] : 0;
          cat[k] = k % TF == 3 ? big.c[r] : 0;
          miss[k] = k % TF == 3 ? big.cmiss[r] : 0;
        }
        raw[i] = gbt_predict_raw(a, num, cat, miss);
        ty[i] = log1p(big.y[r]);
      }
      CHECK(gbt_obj_metric(GBT_DURATION, GBT_LOSS_SQUARED, 0.5, 1.0, ty, raw, 8000) == gbt_model_valid_metric(a));
    }
    if (a) { /* ties between copies go to the first copy, unless colsample dropped it */
      gbt_importance imp[3 * TF];
      gbt_feature_importance(a, imp);
      CHECK(imp[0].splits > imp[TF].splits && imp[1].splits > imp[TF + 1].splits);
    }
    gbt_free(b);
    o.seed = 43;
    b = train_or_null(&big.d, &o);
    if (a && b) CHECK(!same_bytes(a, b));
    gbt_free(a);
    gbt_free(b);
    gbt_free(c);
    tdata_free(&big);
  }
  tdata_free(&t);
}

static void test_objectives_trained(void) {
  tdata t;
  gbt_options o;
  gbt_model *m;
  tdata_make(&t, 3000, 3);
  /* BINARY: probabilities, AUC-like sanity on the training rows */
  {
    static double yb[3000];
    gbt_data d = t.d;
    for (size_t i = 0; i < t.n; i++)
      yb[i] = t.y[i] > 4 ? 1 : 0;
    d.y = yb;
    gbt_options_default(&o);
    o.objective = GBT_BINARY;
    if ((m = train_or_null(&d, &o))) {
      double acc = 0;
      for (size_t i = 0; i < t.n; i++) {
        double p = tpredict(m, &t, i);
        CHECK(p > 0 && p < 1);
        acc += (p > 0.5) == (yb[i] == 1);
        if (!(p > 0 && p < 1)) break;
      }
      CHECK_MSG(acc / (double)t.n > 0.9, "accuracy %g", acc / (double)t.n);
      CHECK(gbt_model_n_calibration(m) == 0);
      CHECK(isnan(
          gbt_predict_quantile(m, (double[]){1, 1, 1, 0}, (uint64_t[]){0, 0, 0, 0}, NULL, 0.9)));
      gbt_free(m);
    }
  }
  /* QUANTILE: the fit rows mostly below the 0.8 quantile */
  {
    gbt_options_default(&o);
    o.objective = GBT_QUANTILE;
    o.alpha = 0.8;
    o.calibration_fraction = 0;
    if ((m = train_or_null(&t.d, &o))) {
      double below = 0;
      for (size_t i = 0; i < t.n; i++)
        below += t.y[i] <= tpredict(m, &t, i);
      below /= (double)t.n;
      CHECK_MSG(below > 0.75 && below < 0.88, "fraction below %g", below);
      gbt_free(m);
    }
  }
  /* SQUARED with negative labels */
  {
    static double ys[3000];
    gbt_data d = t.d;
    for (size_t i = 0; i < t.n; i++)
      ys[i] = -log(t.y[i]);
    d.y = ys;
    gbt_options_default(&o);
    o.objective = GBT_SQUARED;
    if ((m = train_or_null(&d, &o))) {
      CHECK(gbt_model_valid_metric(m) < 0.15);
      CHECK(fabs(tpredict(m, &t, 0) - ys[0]) < 0.3);
      gbt_free(m);
    }
  }
  tdata_free(&t);
}

/* pure noise: early stopping keeps few trees */
static void test_early_stopping(void) {
  enum { N = 2000 };
  static double x[N], y[N];
  gbt_column col = {0, x, NULL, NULL};
  gbt_data d = {N, 1, &col, y, NULL};
  gbt_options o;
  gbt_model *m;
  tseed = 21;
  for (int i = 0; i < N; i++) {
    x[i] = tunif();
    y[i] = 5 + tunif();
  }
  gbt_options_default(&o);
  o.objective = GBT_SQUARED;
  o.n_trees = 500;
  o.learning_rate = 0.3;
  o.validation_fraction = 0.25;
  o.early_stopping_rounds = 10;
  if ((m = train_or_null(&d, &o))) {
    CHECK(gbt_model_n_rounds(m) < 500);
    CHECK(gbt_model_n_trees(m) == gbt_model_best_iteration(m));
    CHECK(gbt_model_n_rounds(m) == gbt_model_best_iteration(m) + 10);
    CHECK(gbt_model_n_calibration(m) == 500);
    gbt_free(m);
  }
  o.early_stopping_rounds = 0; /* validation without stopping keeps everything */
  o.n_trees = 40;
  if ((m = train_or_null(&d, &o))) {
    CHECK(gbt_model_n_trees(m) == 40 && gbt_model_best_iteration(m) <= 40);
    gbt_free(m);
  }
}

/* conformal ranks on a hand-set residual sample */
static void test_conformal(void) {
  gbt_model *m = gbt_model_alloc(1);
  double r[19], big[10000];
  if (!m) {
    CHECK(0);
    return;
  }
  for (int i = 0; i < 19; i++)
    r[i] = i + 1;
  CHECK(gbt_model_set_residuals(m, r, 19) == OM_OK);
  CHECK(gbt_residual_quantile(m, 0.95) == 19); /* ceil(20·0.95) = 19 */
  CHECK(gbt_residual_quantile(m, 0.05) == 1);  /* floor(20·0.05) = 1 */
  CHECK(gbt_residual_quantile(m, 0.5) == 10);
  CHECK(gbt_residual_quantile(m, 0.96) == INFINITY);
  CHECK(gbt_residual_quantile(m, 0.04) == -INFINITY);
  CHECK(isnan(gbt_residual_quantile(m, 0)) && isnan(gbt_residual_quantile(m, 1)));
  CHECK(isnan(gbt_residual_quantile(m, NAN)));
  for (int i = 0; i < 10000; i++)
    big[i] = i * 0.5;
  CHECK(gbt_model_set_residuals(m, big, 10000) == OM_OK);
  CHECK(gbt_model_n_residuals(m) == 512 && gbt_model_n_calibration(m) == 10000);
  CHECK(m->resid[0] == 0 && m->resid[511] == 4999.5);
  /* rank ceil(10001·0.9) = 9001 → value 4500 (thinned: within a step) */
  CHECK(fabs(gbt_residual_quantile(m, 0.9) - 4500) <= 10);
  CHECK(fabs(gbt_residual_quantile(m, 0.1) - 500) <= 10);
  gbt_free(m);
}

static void test_options(void) {
  tdata t;
  gbt_options o;
  gbt_model *m = (gbt_model *)1;
  om_err e;
  tdata_make(&t, 100, 4);
  gbt_options_default(&o);
  o.max_depth = 0;
  CHECK(gbt_train(&t.d, &o, NULL, &m, &e) == OM_INVALID && m == NULL);
  CHECK_STR(e.msg, "max_depth must be between 1 and 16, got 0");
  gbt_options_default(&o);
  o.early_stopping_rounds = 5;
  CHECK(gbt_train(&t.d, &o, NULL, &m, &e) == OM_INVALID);
  CHECK_STR(e.msg, "early_stopping_rounds needs validation_fraction > 0");
  gbt_options_default(&o);
  o.subsample = 0;
  CHECK(gbt_train(&t.d, &o, NULL, &m, &e) == OM_INVALID);
  CHECK_STR(e.msg, "subsample must be in (0, 1], got 0");
  gbt_options_default(&o);
  o.max_bins = 300;
  CHECK(gbt_train(&t.d, &o, NULL, &m, &e) == OM_INVALID);
  gbt_options_default(&o);
  o.objective = GBT_BINARY; /* labels are durations > 1 */
  CHECK(gbt_train(&t.d, &o, NULL, &m, &e) == OM_INVALID);
  {
    gbt_data d = t.d;
    d.n_rows = 1;
    gbt_options_default(&o);
    o.validation_fraction = 0.5; /* the one row is held out */
    CHECK(gbt_train(&d, &o, NULL, &m, &e) == OM_INVALID);
    o.validation_fraction = 0;
    CHECK(gbt_train(&d, &o, NULL, &m, &e) == OM_OK); /* one row: a leaf */
    if (m) {
      CHECK(gbt_model_n_nodes(m) == 100);
      CHECK_CLOSE(tpredict(m, &t, 0), t.y[0], 1e-12);
      gbt_free(m);
    }
  }
  tdata_free(&t);
}

/* ---------- OOM loop and interrupts ---------- */

static void test_oom(void) {
  tdata t;
  gbt_options o;
  long start = om_test_alloc_live, n;
  int nomem_ok = 1, leak_ok = 1;
  tdata_make(&t, 300, 8);
  for (unsigned threads = 1; threads <= 2; threads++) {
    gbt_options_default(&o);
    o.n_trees = 5;
    o.max_depth = 3;
    o.subsample = 0.8;
    o.validation_fraction = 0.2;
    o.early_stopping_rounds = 3;
    o.threads = threads;
    for (n = 1; n < 10000; n++) {
      gbt_model *m = NULL;
      om_err e;
      om_status st;
      om_test_alloc_reset();
      om_test_alloc_fail_at = n;
      st = gbt_train(&t.d, &o, NULL, &m, &e);
      om_test_alloc_reset();
      if (st == OM_OK) {
        gbt_free(m);
        break;
      }
      if (st != OM_NOMEM || m != NULL) nomem_ok = 0;
      if (om_test_alloc_live != start) leak_ok = 0;
    }
    CHECK_MSG(n > 10 && n < 10000, "succeeded at allocation %ld", n);
    CHECK(nomem_ok);
    CHECK(leak_ok);
    CHECK(om_test_alloc_live == start);
  }
  tdata_free(&t);
}

typedef struct stopper {
  long calls, stop_at;
} stopper;
static int stop_after(void *arg) {
  stopper *s = arg;
  return ++s->calls > s->stop_at;
}

static void test_interrupt(void) {
  tdata t;
  gbt_options o;
  gbt_model *m = NULL;
  stopper s = {0, 1000000};
  om_interrupt it = {stop_after, &s};
  long start = om_test_alloc_live, total;
  om_err e;
  tdata_make(&t, 500, 9);
  gbt_options_default(&o);
  o.n_trees = 10;
  o.max_depth = 4;
  o.threads = 2;
  CHECK(gbt_train(&t.d, &o, &it, &m, &e) == OM_OK);
  gbt_free(m);
  total = s.calls;
  /* once per round and once per level (up to 4) */
  CHECK_MSG(total >= 10 + 10 && total <= 10 * 5, "%ld polls", total);
  for (long k = 0; k < total; k++) {
    s.calls = 0;
    s.stop_at = k;
    m = NULL;
    if (gbt_train(&t.d, &o, &it, &m, &e) != OM_INTERRUPTED || m) {
      CHECK_MSG(0, "stop at poll %ld", k);
      break;
    }
  }
  CHECK_STR(e.msg, "interrupted");
  CHECK(om_test_alloc_live == start);
  tdata_free(&t);
}


/* ---- scoring index (gbt_index.c) ---- */

/* The reference walk: the model's own nodes and hash sets, one binary search
** per categorical node, no index. */
static int ref_hash_in(const uint64_t *h, uint32_t n, uint64_t v) {
  for (uint32_t i = 0; i < n; i++)
    if (h[i] == v) return 1;
  return 0;
}
static double ref_predict_raw(const gbt_model *m, const double *num, const uint64_t *cat,
                              const uint8_t *miss) {
  double s = m->base_score;
  for (uint32_t t = 0; t < m->n_trees; t++) {
    const gbt_node *tree = m->nodes + m->tree_off[t];
    uint32_t i = 0;
    while (!(tree[i].ff & GBT_NODE_LEAF)) {
      const gbt_node *nd = &tree[i];
      uint32_t f = GBT_NODE_FEATURE(nd);
      int right;
      if (nd->ff & GBT_NODE_CAT)
        right = (miss && miss[f]) ? 1 : !ref_hash_in(m->cat_hashes + nd->u.cat.off, nd->u.cat.n, cat[f]);
      else if ((miss && miss[f]) || isnan(num[f]))
        right = !(nd->ff & GBT_NODE_DEFAULT_LEFT);
      else
        right = !(num[f] < nd->u.thr);
      i = nd->left + (uint32_t)right;
    }
    s += tree[i].u.leaf;
  }
  return s;
}

/* Every path (per-node look-up, prepared row) gives the reference's bits. */
static int scores_agree(const gbt_model *m, const double *num, const uint64_t *cat,
                        const uint8_t *miss, double *x) {
  double a = ref_predict_raw(m, num, cat, miss), b = gbt_predict_raw(m, num, cat, miss), c;
  gbt_row_prepare(m, num, cat, miss, x);
  c = gbt_predict_raw_x(m, x);
  return memcmp(&a, &b, sizeof a) == 0 && memcmp(&a, &c, sizeof a) == 0;
}

static void test_scoring_index(void) {
  enum { N = 6000, F = 4, NC = 300 };
  static double x0[N], x1[N], y[N];
  static uint64_t c2[N], c3[N];
  static uint8_t m2[N];
  gbt_column cols[F] = {{0, x0, NULL, NULL}, {1, NULL, c2, m2}, {0, x1, NULL, NULL}, {1, NULL, c3, NULL}};
  gbt_data d = {N, F, cols, y, NULL};
  gbt_options o;
  gbt_model *m;
  uint64_t st = 12345;
  int bad = 0;
  for (int i = 0; i < N; i++) {
    uint32_t k2, k3;
    st = st * 6364136223846793005ull + 1442695040888963407ull;
    k2 = (uint32_t)(st >> 33) % NC; /* 300 categories: more than 255 are kept */
    k3 = (uint32_t)(st >> 20) % 40;
    x0[i] = (double)((st >> 11) & 1023) / 1024.0;
    x1[i] = (i % 17 == 0) ? NAN : (double)((st >> 3) & 255);
    c2[i] = 0x9E3779B97F4A7C15ull * (k2 + 1);
    m2[i] = (uint8_t)(i % 23 == 0);
    c3[i] = 0xC2B2AE3D27D4EB4Full * (k3 + 7);
    y[i] = x0[i] * 3 + (k2 % 7) * 0.5 + (k3 % 3) + (isnan(x1[i]) ? 2 : x1[i] / 100);
  }
  gbt_options_default(&o);
  o.objective = GBT_SQUARED;
  o.n_trees = 30;
  o.threads = 1;
  if (!(m = train_or_null(&d, &o))) return;
  CHECK(m->n_cat_hashes > 0 && m->pnodes && m->cat_dict_off);
  /* training keeps ≤ 255 categories, so every categorical node is a bitset */
  for (uint32_t i = 0; i < m->n_nodes; i++)
    if ((m->pnodes[i].ff & (GBT_NODE_CAT | GBT_NODE_LEAF)) == GBT_NODE_CAT) bad += m->pnodes[i].u.cat.n != 0;
  CHECK(bad == 0);
  CHECK(m->cat_dict_off[2] - m->cat_dict_off[1] <= 255 && m->cat_dict_off[1] == m->cat_dict_off[0]);
  bad = 0;
  for (int i = 0; i < 3000; i++) {
    double num[F], x[F];
    uint64_t cat[F];
    uint8_t miss[F];
    st = st * 6364136223846793005ull + 1442695040888963407ull;
    num[0] = (double)((st >> 13) & 2047) / 2048.0 - 0.25;
    num[2] = (i % 5 == 0) ? NAN : (double)((st >> 5) & 511) - 100;
    num[1] = num[3] = 0;
    /* known, unseen (320 > 300) and missing categories */
    cat[1] = 0x9E3779B97F4A7C15ull * ((st >> 40) % 320 + 1);
    cat[3] = (i % 7 == 0) ? 0x1234567ull : 0xC2B2AE3D27D4EB4Full * ((st >> 30) % 40 + 7);
    cat[0] = cat[2] = 0;
    miss[0] = (uint8_t)(i % 11 == 0);
    miss[1] = (uint8_t)(i % 13 == 0);
    miss[2] = (uint8_t)(i % 3 == 0);
    miss[3] = 0;
    bad += !scores_agree(m, num, cat, miss, x);
    bad += !scores_agree(m, num, cat, NULL, x);
  }
  CHECK_MSG(bad == 0, "%d rows differ from the reference walk", bad);
  gbt_free(m);

  /* max_cat_threshold bounds every listed set; 0 and 256 are refused */
  {
    uint32_t n_cat = 0, too_big = 0, largest = 0;
    o.max_cat_threshold = 2;
    if ((m = train_or_null(&d, &o))) {
      for (uint32_t i = 0; i < m->n_nodes; i++)
        if ((m->nodes[i].ff & (GBT_NODE_CAT | GBT_NODE_LEAF)) == GBT_NODE_CAT) {
          n_cat++;
          too_big += m->nodes[i].u.cat.n > 2;
        }
      CHECK(n_cat > 0 && too_big == 0);
      gbt_free(m);
    }
    o.max_cat_threshold = 255; /* the bound binds: default sets are larger than 2 */
    if ((m = train_or_null(&d, &o))) {
      for (uint32_t i = 0; i < m->n_nodes; i++)
        if ((m->nodes[i].ff & (GBT_NODE_CAT | GBT_NODE_LEAF)) == GBT_NODE_CAT && m->nodes[i].u.cat.n > largest)
          largest = m->nodes[i].u.cat.n;
      CHECK_MSG(largest > 2, "largest set %u", largest);
      gbt_free(m);
    }
    for (int k = 0; k < 2; k++) {
      om_err e = {{0}};
      o.max_cat_threshold = k ? 256 : 0;
      m = NULL;
      CHECK(gbt_train(&d, &o, NULL, &m, &e) == OM_INVALID && m == NULL && strstr(e.msg, "max_cat_threshold"));
    }
  }

  /* A hand-made model: feature 0's splits list 600 categories (code lists),
  ** feature 1's two (bitset); decoded from its encoding, it scores alike. */
  {
    gbt_model *h = gbt_model_alloc(2), *dm = NULL;
    om_wbuf w;
    om_err err;
    uint8_t is_cat[2] = {1, 1};
    if (!h) {
      CHECK(0);
      return;
    }
    h->is_cat[0] = h->is_cat[1] = 1;
    h->objective = GBT_SQUARED;
    h->learning_rate = 0.1;
    h->alpha = 0.5;
    h->interval_coverage = 0.9;
    h->n_trees = h->n_rounds = h->best_iteration = 1;
    h->n_nodes = 7;
    h->n_cat_hashes = 600 + 3 + 2;
    h->tree_off = om_calloc(2, sizeof(uint32_t));
    h->tree_depth = om_calloc(1, 1);
    h->nodes = om_calloc(7, sizeof(gbt_node));
    h->cat_hashes = om_calloc(h->n_cat_hashes, sizeof(uint64_t));
    if (!h->tree_off || !h->tree_depth || !h->nodes || !h->cat_hashes) {
      CHECK(0);
      gbt_free(h);
      return;
    }
    h->tree_off[1] = 7;
    h->tree_depth[0] = 2;
    for (uint32_t k = 0; k < 600; k++)
      h->cat_hashes[k] = 1000 + 10 * (uint64_t)k; /* node 0: 1000, 1010, ... 6990 */
    h->cat_hashes[600] = 1010;                    /* node 1: 1010, 1015, 9000 */
    h->cat_hashes[601] = 1015;
    h->cat_hashes[602] = 9000;
    h->cat_hashes[603] = 77; /* node 2 (feature 1): 77, 88 */
    h->cat_hashes[604] = 88;
    h->nodes[0] = (gbt_node){.u.cat = {0, 600}, .ff = 0u << 3 | GBT_NODE_CAT, .left = 1};
    h->nodes[1] = (gbt_node){.u.cat = {600, 3}, .ff = 0u << 3 | GBT_NODE_CAT, .left = 3};
    h->nodes[2] = (gbt_node){.u.cat = {603, 2}, .ff = 1u << 3 | GBT_NODE_CAT, .left = 5};
    h->nodes[3] = (gbt_node){.u.leaf = 1, .ff = GBT_NODE_LEAF};
    h->nodes[4] = (gbt_node){.u.leaf = 2, .ff = GBT_NODE_LEAF};
    h->nodes[5] = (gbt_node){.u.leaf = 3, .ff = GBT_NODE_LEAF};
    h->nodes[6] = (gbt_node){.u.leaf = 4, .ff = GBT_NODE_LEAF};
    CHECK(gbt_model_index(h) == OM_OK);
    om_wbuf_init(&w);
    CHECK(gbt_encode(h, &w) == OM_OK);
    CHECK(gbt_decode(w.data, w.len, 2, is_cat, &dm, &err) == OM_OK);
    om_wbuf_free(&w);
    if (dm) {
      static const struct {
        uint64_t c0, c1;
        uint8_t miss0;
        double want;
      } rows[] = {{1010, 0, 0, 1}, {1000, 0, 0, 2}, {6990, 0, 0, 2}, {1015, 0, 0, 4},
                  {9000, 77, 0, 3}, {1005, 88, 0, 3}, {5, 5, 0, 4}, {1010, 88, 1, 3}};
      /* feature 0's dictionary: 600 + 1015 + 9000 = 602 hashes: code lists */
      CHECK(dm->cat_dict_off[1] - dm->cat_dict_off[0] == 602);
      CHECK(dm->pnodes[0].u.cat.n == 600 && dm->pnodes[1].u.cat.n == 3 && dm->pnodes[2].u.cat.n == 0);
      for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        uint64_t cat[2] = {rows[i].c0, rows[i].c1};
        uint8_t miss[2] = {rows[i].miss0, 0};
        double num[2] = {0, 0}, x[2];
        CHECK_MSG(gbt_predict_raw(dm, num, cat, miss) == rows[i].want, "row %zu", i);
        CHECK(scores_agree(dm, num, cat, miss, x) && scores_agree(h, num, cat, miss, x));
      }
      gbt_free(dm);
    }
    gbt_free(h);
  }
}

int main(void) {
  test_binning();
  test_histograms();
  test_split_gain();
  test_objectives();
  test_missing_direction();
  test_categorical();
  test_scoring_index();
  test_training_end_to_end();
  test_objectives_trained();
  test_early_stopping();
  test_conformal();
  test_options();
  test_oom();
  test_interrupt();
  return om_test_finish();
}
