/*
** test_gbt_aft.c — censored durations in the boosted trees: the AFT
** objective (gbt.h point 13, gbt_survival.c 1–6), payload formats 4 and 3
** (gbt_codec.c) and the predictive distribution (gbt.h point 14,
** gbt_survival.c 7–9).  Reference values of the distributions are scipy's
** (norm, logistic, gumbel_l) and mpmath's (40 digits) for the far tail.
*/
#include <stdlib.h>

#include "gbt.h"
#include "om_test.h"

static uint64_t lcg = 4242;
static double urand(void) {
  lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
  return (double)(lcg >> 11) / 9007199254740992.0;
}
static double nrand(void) { /* Box–Muller */
  double u = urand(), v = urand();
  if (u < 1e-300) u = 1e-300;
  return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* ---------- the standard distributions (gbt_survival.c 1, 2) ---------- */

typedef struct dref {
  gbt_aft_dist d;
  double z, cdf, sf, pdf, logsf;
} dref;

static void test_distributions(void) {
  static const dref ref[] = {
      {GBT_AFT_NORMAL, -3.0, 0.0013498980316300933, 0.9986501019683699, 0.004431848411938008, -0.001350809964748193},
      {GBT_AFT_NORMAL, -0.5, 0.3085375387259869, 0.6914624612740131, 0.35206532676429947, -0.3689464152886563},
      {GBT_AFT_NORMAL, 1.7, 0.955434537241457, 0.04456546275854304, 0.09404907737688695, -3.1107960975524813},
      {GBT_AFT_NORMAL, 6.0, 0.9999999990134123, 9.865876450376946e-10, 6.075882849823286e-09, -20.73676894997471},
      {GBT_AFT_LOGISTIC, -3.0, 0.04742587317756678, 0.9525741268224334, 0.04517665973091214, -0.04858735157374206},
      {GBT_AFT_LOGISTIC, 1.7, 0.8455347349164652, 0.1544652650835347, 0.13060574696620805, -1.8677860293862658},
      {GBT_AFT_LOGISTIC, 6.0, 0.9975273768433653, 0.0024726231566347743, 0.002466509291360047, -6.00247568513773},
      {GBT_AFT_EXTREME, -3.0, 0.04856800709954658, 0.9514319929004534, 0.047369009677907914, -0.04978706836786394},
      {GBT_AFT_EXTREME, 0.0, 0.6321205588285577, 0.3678794411714424, 0.3678794411714424, -1.0},
      {GBT_AFT_EXTREME, 1.7, 0.9958053584586106, 0.004194641541389389, 0.022961247124719013, -5.473947391727199},
      {GBT_AFT_EXTREME, 6.0, 1.0, 6.210136486566145e-176, 2.5053478702005927e-173, -403.4287934927351},
  };
  for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++) {
    const dref *r = &ref[i];
    CHECK_CLOSE(gbt_std_cdf(r->d, r->z), r->cdf, 1e-14);
    CHECK_CLOSE(gbt_std_sf(r->d, r->z), r->sf, 1e-13);
    CHECK_CLOSE(gbt_std_pdf(r->d, r->z), r->pdf, 1e-13);
    CHECK_CLOSE(gbt_std_logsf(r->d, r->z), r->logsf, 1e-13);
  }
  /* the normal's far right tail (mpmath): erfc until 30, then the continued fraction */
  CHECK_CLOSE(gbt_std_logsf(GBT_AFT_NORMAL, 31), -484.8539636271792885789665, 1e-14);
  CHECK_CLOSE(gbt_std_logsf(GBT_AFT_NORMAL, 40), -804.6084420137537881666068, 1e-14);
  CHECK_CLOSE(gbt_std_logsf(GBT_AFT_NORMAL, 200), -20006.21728089819040209310, 1e-14);
  CHECK_CLOSE(gbt_std_logsf(GBT_AFT_NORMAL, 1000), -500007.8266948121843098061, 1e-14);
  CHECK(isfinite(gbt_std_logsf(GBT_AFT_LOGISTIC, 1e6)) && isfinite(gbt_std_logsf(GBT_AFT_NORMAL, 1e6)));
  /* quantiles (scipy ppf) */
  {
    static const struct {
      gbt_aft_dist d;
      double p, z;
    } q[] = {
        {GBT_AFT_NORMAL, 1e-10, -6.361340902404056}, {GBT_AFT_NORMAL, 0.02, -2.053748910631823},
        {GBT_AFT_NORMAL, 0.3, -0.5244005127080409},  {GBT_AFT_NORMAL, 0.93, 1.475791028179171},
        {GBT_AFT_NORMAL, 0.999999, 4.753424308817087}, {GBT_AFT_LOGISTIC, 0.02, -3.8918202981106265},
        {GBT_AFT_LOGISTIC, 0.93, 2.5866893440979433}, {GBT_AFT_EXTREME, 1e-10, -23.025850929890456},
        {GBT_AFT_EXTREME, 0.5, -0.3665129205816644}, {GBT_AFT_EXTREME, 0.999999, 2.6257919144739295},
    };
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++)
      CHECK_CLOSE(gbt_std_quantile(q[i].d, q[i].p), q[i].z, 1e-13);
    CHECK(gbt_std_quantile(GBT_AFT_NORMAL, 0.5) == 0);
    CHECK(isnan(gbt_std_quantile(GBT_AFT_NORMAL, 0)) && isnan(gbt_std_quantile(GBT_AFT_LOGISTIC, 1)));
  }
  /* log-survival inverse: a round trip from log S = −1e−3 to −1e6 */
  for (int d = 0; d < 3; d++)
    for (double L = -1e-3; L > -1e6; L *= 3.7) {
      double z = gbt_std_logsf_inv((gbt_aft_dist)d, L);
      CHECK_MSG(isfinite(z) && om_close(gbt_std_logsf((gbt_aft_dist)d, z), L, 1e-11, 1e-14),
                "dist %d L %g: z %g logsf %.17g", d, L, z, gbt_std_logsf((gbt_aft_dist)d, z));
    }
  CHECK(gbt_std_logsf_inv(GBT_AFT_NORMAL, 0) == -INFINITY);
}

/* ---------- loss, gradient, hessian (gbt_survival.c 3–5) ---------- */

static void test_grad_hess(void) {
  static const double sigmas[] = {0.5, 1.0, 2.0};
  /* rows: {lo, hi} in log space; pred values around them */
  static const double rows[][2] = {{1.0, 1.0}, {1.0, INFINITY}, {-INFINITY, 1.5}, {0.5, 2.0}};
  static const double preds[] = {-1.0, 0.3, 1.2, 2.5};
  for (int d = 0; d < 3; d++)
    for (int s = 0; s < 3; s++)
      for (int r = 0; r < 4; r++)
        for (int k = 0; k < 4; k++) {
          double sg = sigmas[s], lo = rows[r][0], hi = rows[r][1], p = preds[k], e = 1e-5;
          double lp = gbt_aft_loss((gbt_aft_dist)d, sg, lo, hi, p + e);
          double lm = gbt_aft_loss((gbt_aft_dist)d, sg, lo, hi, p - e);
          double l0 = gbt_aft_loss((gbt_aft_dist)d, sg, lo, hi, p);
          double g_num = (lp - lm) / (2 * e), h_num = (lp - 2 * l0 + lm) / (e * e);
          gbt_gh gh;
          gbt_aft_grad_hess((gbt_aft_dist)d, sg, lo, hi, p, &gh);
          if (l0 > 27.6) continue; /* the loss is floored at −log(1e−12) there */
          if (fabs(g_num) < 15)
            CHECK_MSG(om_close(gh.g, g_num, 1e-6, 1e-8), "d %d s %g row %d pred %g: g %.12g numeric %.12g", d,
                      sg, r, p, gh.g, g_num);
          if (h_num > 1e-6 && h_num < 15)
            CHECK_MSG(om_close(gh.h, h_num, 2e-4, 1e-6), "d %d s %g row %d pred %g: h %.12g numeric %.12g", d,
                      sg, r, p, gh.h, h_num);
          CHECK(gh.h >= 1e-16 && gh.h <= 15 && gh.g >= -15 && gh.g <= 15);
        }
  /* the closed forms of the uncensored case */
  {
    gbt_gh gh;
    gbt_aft_grad_hess(GBT_AFT_NORMAL, 2.0, 3.0, 3.0, 1.0, &gh); /* z = 1 */
    CHECK_CLOSE(gh.g, -0.5, 1e-15);
    CHECK_CLOSE(gh.h, 0.25, 1e-15);
    gbt_aft_grad_hess(GBT_AFT_EXTREME, 1.0, 0.0, 0.0, 0.0, &gh); /* z = 0: 1 − e^0 = 0, h = 1 */
    CHECK(gh.g == 0 && gh.h == 1);
  }
  /* clipping and xgboost's limits far from the data */
  {
    gbt_gh gh;
    gbt_aft_grad_hess(GBT_AFT_NORMAL, 1.0, 100.0, 100.0, 0.0, &gh); /* g = −100: clipped */
    CHECK(gh.g == -15 && gh.h == 1);
    gbt_aft_grad_hess(GBT_AFT_NORMAL, 1.0, 60.0, INFINITY, 0.0, &gh); /* mass 0: limit */
    CHECK(gh.g == -15 && gh.h == 1);
    gbt_aft_grad_hess(GBT_AFT_NORMAL, 1.0, 0.0, INFINITY, 60.0, &gh); /* far above: nothing to learn */
    CHECK(gh.g == 0 && gh.h == 1e-16);
    gbt_aft_grad_hess(GBT_AFT_LOGISTIC, 2.0, 800.0, INFINITY, 0.0, &gh);
    CHECK_CLOSE(gh.g, -0.5, 1e-12);
    CHECK(gh.h == 1e-16);
    gbt_aft_grad_hess(GBT_AFT_EXTREME, 1.0, 800.0, 800.0, 0.0, &gh); /* e^z = inf */
    CHECK(gh.g == -15 && gh.h == 15);
    gbt_aft_grad_hess(GBT_AFT_EXTREME, 1.0, -INFINITY, -800.0, 0.0, &gh); /* left-censored far below */
    CHECK(gh.g == 1 && gh.h == 1e-16);
    gbt_aft_grad_hess(GBT_AFT_NORMAL, 1.0, -INFINITY, INFINITY, 3.0, &gh); /* no information */
    CHECK(gh.g == 0 && gh.h == 1e-16);
  }
  /* the loss: uncensored includes log y (a density of T), floored at 1e-12 */
  CHECK_CLOSE(gbt_aft_loss(GBT_AFT_NORMAL, 1.0, 2.0, 2.0, 2.0), 0.91893853320467274178 + 2.0, 1e-15);
  CHECK_CLOSE(gbt_aft_loss(GBT_AFT_NORMAL, 1.0, 2.0, INFINITY, 2.0), log(2.0), 1e-15);
  CHECK_CLOSE(gbt_aft_loss(GBT_AFT_NORMAL, 1.0, 100.0, 100.0, 0.0), -log(1e-12), 1e-15);
  CHECK(gbt_aft_loss(GBT_AFT_NORMAL, 0.1, -3.0, -3.0, -3.0) < 0); /* a density above 1 */
}

/* ---------- labels and base score (gbt_survival.c 3, 6) ---------- */

static void test_bounds_and_base(void) {
  double y[4] = {2, 3, 0, 5}, u[4] = {2, INFINITY, 4, 6}, lo[4], hi[4];
  om_err e;
  CHECK(gbt_aft_bounds(y, u, 4, lo, hi, &e) == OM_OK);
  CHECK(lo[0] == log(2.0) && hi[0] == lo[0] && hi[1] == INFINITY && lo[2] == -INFINITY && hi[2] == log(4.0));
  CHECK(gbt_aft_bounds(y, NULL, 2, lo, hi, &e) == OM_OK && hi[1] == lo[1]);
  u[1] = 2;
  CHECK(gbt_aft_bounds(y, u, 4, lo, hi, &e) == OM_INVALID);
  CHECK_STR(e.msg, "upper bound of row 2 (2) is below its lower bound (3)");
  u[1] = NAN;
  CHECK(gbt_aft_bounds(y, u, 4, lo, hi, &e) == OM_INVALID);
  CHECK_STR(e.msg, "upper bound of row 2 is NaN");
  u[1] = INFINITY;
  u[2] = 0;
  CHECK(gbt_aft_bounds(y, u, 4, lo, hi, &e) == OM_INVALID);
  CHECK_STR(e.msg, "row 3 has an exact duration of 0, which has no logarithm; give it an upper bound (lower 0, "
                   "upper 1: it took less than 1 s)");
  y[0] = -1;
  CHECK(gbt_aft_bounds(y, NULL, 4, lo, hi, &e) == OM_INVALID);
  CHECK_STR(e.msg, "label of row 1 is negative (-1); durations must be >= 0");
  y[0] = INFINITY;
  CHECK(gbt_aft_bounds(y, NULL, 4, lo, hi, &e) == OM_INVALID);
  CHECK_STR(e.msg, "label of row 1 is not finite");
  /* base score: uncensored normal = mean of log y; logistic symmetric data = its centre */
  {
    double l[5] = {1, 2, 3, 4, 10}, h[5];
    memcpy(h, l, sizeof l);
    CHECK_CLOSE(gbt_aft_base_score(GBT_AFT_NORMAL, 1.0, l, h, 5), 4.0, 1e-12);
    CHECK_CLOSE(gbt_aft_base_score(GBT_AFT_LOGISTIC, 0.7, l, h, 4), 2.5, 1e-12);
  }
  /* with censoring: the gradient sum vanishes there; all right-censored: the bracket's top */
  {
    double l[6] = {1, 2, 3, 1.5, 2.5, -INFINITY}, h[6] = {1, 2, 3, INFINITY, INFINITY, 0.5};
    for (int d = 0; d < 3; d++) {
      double b = gbt_aft_base_score((gbt_aft_dist)d, 0.8, l, h, 6), G = 0;
      gbt_gh gh;
      for (int i = 0; i < 6; i++) {
        gbt_aft_grad_hess((gbt_aft_dist)d, 0.8, l[i], h[i], b, &gh);
        G += gh.g;
      }
      CHECK_MSG(fabs(G) < 1e-9, "dist %d: base %g, gradient sum %g", d, b, G);
    }
    CHECK(gbt_aft_base_score(GBT_AFT_NORMAL, 0.8, l + 3, h + 3, 2) == 2.5 + 8);
    CHECK(gbt_aft_base_score(GBT_AFT_NORMAL, 0.8, (double[]){-INFINITY}, (double[]){INFINITY}, 1) == 0);
  }
}

/* ---------- training (gbt.h point 13) ---------- */

#define N 4000
typedef struct adata {
  double x[N], t[N], y[N], yu[N];
  gbt_column col;
  gbt_data d;
} adata;

/* log T = 1 + 1.5x + 0.5·ε; censoring time uniform on (0, 3·e^2.5): about a
** third of the rows are right-censored at it. */
static void adata_make(adata *a) {
  int cens = 0;
  lcg = 7;
  for (int i = 0; i < N; i++) {
    double c = urand() * 3 * exp(2.5);
    a->x[i] = urand();
    a->t[i] = exp(1 + 1.5 * a->x[i] + 0.5 * nrand());
    if (a->t[i] <= c) {
      a->y[i] = a->yu[i] = a->t[i];
    } else {
      a->y[i] = c;
      a->yu[i] = INFINITY;
      cens++;
    }
  }
  CHECK_MSG(cens > N / 5 && cens < N / 2, "censored %d", cens);
  a->col.is_cat = 0;
  a->col.num = a->x;
  a->d.n_rows = N;
  a->d.n_features = 1;
  a->d.cols = &a->col;
  a->d.y = a->y;
  a->d.y_upper = a->yu;
}

static void test_training(void) {
  static adata a;
  gbt_options o;
  gbt_model *aft = NULL, *naive = NULL, *back = NULL;
  om_err e;
  adata_make(&a);
  gbt_options_default(&o);
  o.objective = GBT_AFT;
  o.aft_sigma = 0.5;
  o.n_trees = 60;
  o.max_depth = 3;
  o.learning_rate = 0.2;
  CHECK(gbt_train(&a.d, &o, NULL, &aft, &e) == OM_OK);
  /* the naive model: 'duration' on the censored values as if they were durations */
  gbt_options_default(&o);
  o.n_trees = 60;
  o.max_depth = 3;
  o.learning_rate = 0.2;
  a.d.y_upper = NULL;
  CHECK(gbt_train(&a.d, &o, NULL, &naive, &e) == OM_OK);
  if (aft && naive) {
    double err_aft = 0, err_naive = 0, cover = 0;
    CHECK(gbt_model_objective(aft) == GBT_AFT && gbt_model_n_calibration(aft) == 0 &&
          gbt_model_n_residuals(aft) == 0 && gbt_payload_format(aft) == 4);
    CHECK(gbt_model_aft_sigma(aft) == 0.5 && gbt_model_aft_dist(aft) == GBT_AFT_NORMAL);
    CHECK(isnan(gbt_model_valid_metric(aft))); /* nothing held out */
    for (int k = 0; k < 20; k++) {
      double x = (k + 0.5) / 20, truth = exp(1 + 1.5 * x);
      double pa = gbt_predict(aft, &x, NULL, NULL), pn = gbt_predict(naive, &x, NULL, NULL);
      err_aft += fabs(log(pa / truth)) / 20;
      err_naive += fabs(log((1 + pn) / (1 + truth))) / 20;
      /* point 13: the median is exp(raw); quantiles are parametric */
      CHECK_CLOSE(gbt_predict_quantile(aft, &x, NULL, NULL, 0.5), pa, 1e-15);
      CHECK_CLOSE(gbt_predict_quantile(aft, &x, NULL, NULL, 0.9),
                  pa * exp(0.5 * gbt_std_quantile(GBT_AFT_NORMAL, 0.9)), 1e-14);
      CHECK(isnan(gbt_predict_quantile(aft, &x, NULL, NULL, 1.0)));
    }
    CHECK_MSG(err_aft < 0.1 && err_naive > 1.5 * err_aft, "aft %g naive %g", err_aft, err_naive);
    /* the true durations (censored or not) fall under the 90% quantile 90% of the time */
    for (int i = 0; i < N; i++)
      cover += a.t[i] <= gbt_predict_quantile(aft, &a.x[i], NULL, NULL, 0.9);
    CHECK_MSG(fabs(cover / N - 0.9) < 0.03, "cover %g", cover / N);
    /* codec: format 4 round trip, byte-identical, same predictions */
    {
      om_wbuf w, w2;
      uint8_t is_cat = 0;
      om_wbuf_init(&w);
      om_wbuf_init(&w2);
      CHECK(gbt_encode(aft, &w) == OM_OK && w.data[0] == 4 && w.data[2] == GBT_AFT);
      CHECK(gbt_decode(w.data, w.len, 1, &is_cat, &back, &e) == OM_OK);
      if (back) {
        CHECK(gbt_encode(back, &w2) == OM_OK && w2.len == w.len && !memcmp(w.data, w2.data, w.len));
        for (int i = 0; i < 50; i++)
          CHECK(gbt_predict(back, &a.x[i], NULL, NULL) == gbt_predict(aft, &a.x[i], NULL, NULL));
        gbt_free(back);
        back = NULL;
      }
      {
        size_t at = 2 + 2 + 4 + 1 + 4 * 8 + 2 + 4; /* the distribution field */
        uint8_t *p = malloc(w.len);
        memcpy(p, w.data, w.len);
        p[at] = 3;
        CHECK(gbt_decode(p, w.len, 1, &is_cat, &back, &e) == OM_CORRUPT && !back);
        CHECK_STR(e.msg, "gbt payload aft distribution 3");
        memcpy(p, w.data, w.len);
        p[at + 2] = 1;
        CHECK(gbt_decode(p, w.len, 1, &is_cat, &back, &e) == OM_CORRUPT);
        CHECK_STR(e.msg, "gbt payload aft distribution 0");
        memcpy(p, w.data, w.len);
        memset(p + at + 4, 0, 8); /* sigma 0 */
        CHECK(gbt_decode(p, w.len, 1, &is_cat, &back, &e) == OM_CORRUPT);
        CHECK_STR(e.msg, "gbt payload aft sigma out of range");
        memcpy(p, w.data, w.len);
        memset(p + at + 4, 0xff, 8); /* sigma NaN */
        CHECK(gbt_decode(p, w.len, 1, &is_cat, &back, &e) == OM_CORRUPT);
        memcpy(p, w.data, w.len);
        p[0] = 2; /* an AFT model in format 2 */
        CHECK(gbt_decode(p, w.len, 1, &is_cat, &back, &e) == OM_CORRUPT);
        CHECK_STR(e.msg, "gbt payload format 2 with objective 4");
        memcpy(p, w.data, w.len);
        p[2] = GBT_DURATION; /* format 4: then the AFT fields are read as the tree counts */
        CHECK(gbt_decode(p, w.len, 1, &is_cat, &back, &e) == OM_CORRUPT);
        CHECK_STR(e.msg, "gbt payload tree counts are inconsistent");
        {
          /* format 3 for another objective: the format-3 payload of this
          ** model as a decoded format-3 model (no covers) re-encodes it */
          om_wbuf w3;
          gbt_model *v3 = NULL;
          om_wbuf_init(&w3);
          CHECK(gbt_decode(w.data, w.len, 1, &is_cat, &v3, &e) == OM_OK);
          if (v3) {
            om_free(v3->cover);
            om_free(v3->shap_imp);
            v3->cover = v3->shap_imp = NULL;
            v3->shap_rows = 0;
            CHECK(gbt_encode(v3, &w3) == OM_OK && w3.data[0] == 3 && gbt_payload_format(v3) == 3);
            CHECK(gbt_decode(w3.data, w3.len, 1, &is_cat, &back, &e) == OM_OK && back);
            gbt_free(back);
            back = NULL;
            w3.data[2] = GBT_DURATION;
            CHECK(gbt_decode(w3.data, w3.len, 1, &is_cat, &back, &e) == OM_CORRUPT && !back);
            CHECK_STR(e.msg, "gbt payload format 3 with objective 1");
            gbt_free(v3);
          }
          om_wbuf_free(&w3);
        }
        memcpy(p, w.data, w.len);
        p[2] = 5;
        CHECK(gbt_decode(p, w.len, 1, &is_cat, &back, &e) == OM_CORRUPT);
        CHECK_STR(e.msg, "gbt payload objective 5");
        for (size_t cut = 0; cut < 80; cut++)
          CHECK(gbt_decode(w.data, cut, 1, &is_cat, &back, &e) != OM_OK && back == NULL);
        free(p);
      }
      om_wbuf_free(&w);
      om_wbuf_free(&w2);
    }
  }
  gbt_free(aft);
  gbt_free(naive);
}

static void test_training_options(void) {
  static adata a;
  gbt_options o;
  gbt_model *m = NULL;
  om_err e;
  adata_make(&a);
  a.d.n_rows = 600;
  gbt_options_default(&o);
  o.n_trees = 5;
  CHECK(gbt_train(&a.d, &o, NULL, &m, &e) == OM_INVALID && !m); /* upper bounds, objective duration */
  CHECK_STR(e.msg, "upper bounds need objective 'aft'");
  o.objective = GBT_AFT;
  o.aft_sigma = 0;
  CHECK(gbt_train(&a.d, &o, NULL, &m, &e) == OM_INVALID);
  CHECK_STR(e.msg, "aft_sigma must be in (0, 100], got 0");
  o.aft_sigma = 1;
  o.loss = GBT_LOSS_ABSOLUTE;
  CHECK(gbt_train(&a.d, &o, NULL, &m, &e) == OM_INVALID);
  o.loss = GBT_LOSS_SQUARED;
  a.yu[3] = a.y[3] / 2;
  CHECK(gbt_train(&a.d, &o, NULL, &m, &e) == OM_INVALID);
  CHECK(strncmp(e.msg, "upper bound of row 4", 20) == 0);
  a.yu[3] = INFINITY;
  /* validation: the metric is the mean negative log-likelihood of the held-out rows */
  o.validation_fraction = 0.25;
  o.early_stopping_rounds = 3;
  o.n_trees = 40;
  for (int d = 0; d < 3; d++) {
    o.aft_dist = (gbt_aft_dist)d;
    CHECK(gbt_train(&a.d, &o, NULL, &m, &e) == OM_OK);
    if (m) {
      /* recompute the metric from the kept model */
      double lo[150], hi[150], pred[150];
      CHECK(gbt_aft_bounds(a.y + 450, a.yu + 450, 150, lo, hi, &e) == OM_OK);
      for (int i = 0; i < 150; i++)
        pred[i] = gbt_predict_raw(m, &a.x[450 + i], NULL, NULL);
      CHECK_CLOSE(gbt_model_valid_metric(m), gbt_aft_metric((gbt_aft_dist)d, 1.0, lo, hi, pred, 150), 1e-12);
      CHECK(gbt_model_n_calibration(m) == 0);
      gbt_free(m);
      m = NULL;
    }
  }
  /* deterministic across thread counts; offset log(v) */
  {
    gbt_model *a1 = NULL, *a3 = NULL;
    om_wbuf w1, w3;
    double off[N];
    gbt_column cols[2];
    for (int i = 0; i < N; i++)
      off[i] = i % 7 == 0 ? NAN : exp(1 + 1.5 * a.x[i]);
    cols[0] = a.col;
    cols[1].is_cat = 0;
    cols[1].num = off;
    cols[1].cat = NULL;
    cols[1].cat_missing = NULL;
    a.d.cols = cols;
    a.d.n_features = 2;
    gbt_options_default(&o);
    o.objective = GBT_AFT;
    o.aft_dist = GBT_AFT_LOGISTIC;
    o.offset_feature = 1;
    o.n_trees = 8;
    o.subsample = 0.7;
    o.threads = 1;
    CHECK(gbt_train(&a.d, &o, NULL, &a1, &e) == OM_OK);
    o.threads = 3;
    CHECK(gbt_train(&a.d, &o, NULL, &a3, &e) == OM_OK);
    om_wbuf_init(&w1);
    om_wbuf_init(&w3);
    if (a1 && a3) {
      double num[2] = {0.5, 20.0}, p1, p2;
      CHECK(gbt_encode(a1, &w1) == OM_OK && gbt_encode(a3, &w3) == OM_OK);
      CHECK(w1.len == w3.len && !memcmp(w1.data, w3.data, w1.len));
      /* the offset starts the row at log(20); a missing one at the base score */
      p1 = gbt_predict_raw(a1, num, NULL, NULL);
      num[1] = NAN;
      p2 = gbt_predict_raw(a1, num, NULL, NULL);
      CHECK(p1 != p2 && isfinite(p1) && isfinite(p2));
      num[1] = 0; /* log 0: unusable, the base score (and left of every split, as −5) */
      p1 = gbt_predict_raw(a1, num, NULL, NULL);
      num[1] = -5;
      CHECK(gbt_predict_raw(a1, num, NULL, NULL) == p1 && p1 != p2);
    }
    om_wbuf_free(&w1);
    om_wbuf_free(&w3);
    gbt_free(a1);
    gbt_free(a3);
  }
}

/* Out of memory at every allocation of an AFT training: NOMEM, nothing leaked. */
static void test_oom(void) {
  static adata a;
  gbt_options o;
  om_err e;
  int ok = 0;
  adata_make(&a);
  a.d.n_rows = 300;
  gbt_options_default(&o);
  o.objective = GBT_AFT;
  o.n_trees = 3;
  o.threads = 1;
  o.validation_fraction = 0.2;
  for (long k = 1; k < 400 && !ok; k++) {
    gbt_model *m = NULL;
    om_status st;
    om_test_alloc_reset();
    om_test_alloc_fail_at = k;
    st = gbt_train(&a.d, &o, NULL, &m, &e);
    om_test_alloc_fail_at = 0;
    if (st == OM_OK) {
      ok = 1;
      gbt_free(m);
    } else
      CHECK_MSG(st == OM_NOMEM && !m, "fail at %ld: status %d", k, (int)st);
    CHECK_MSG(om_test_alloc_live == 0, "fail at %ld: %ld blocks leaked", k, om_test_alloc_live);
  }
  CHECK(ok);
}

/* Random awkward trainings (gbt.h point 10 for AFT): every model returned
** encodes, decodes and scores finitely, and its distribution functions are
** defined; a refusal is a documented one. */
static void test_robust(void) {
  static double x[300], y[300], yu[300];
  static const double lrs[] = {0.05, 0.3, 1, 3, 10};
  int ok = 0, refused = 0, bad = 0;
  lcg = 99;
  for (int it = 0; it < 150; it++) {
    gbt_options o;
    gbt_model *m = NULL, *back = NULL;
    gbt_column col = {0, x, NULL, NULL};
    gbt_data d = {2 + (size_t)(urand() * 298), 1, &col, y, yu};
    double scale = pow(10, urand() * 600 - 300), spread = urand() < 0.3 ? 50 : 2;
    om_err e;
    gbt_options_default(&o);
    o.objective = GBT_AFT;
    o.aft_dist = (gbt_aft_dist)(it % 3);
    o.aft_sigma = pow(10, urand() * 4 - 2);
    o.learning_rate = lrs[it % 5];
    o.lambda = urand() < 0.5 ? 0 : 1;
    o.min_child_weight = urand() < 0.5 ? 0 : 1;
    o.n_trees = 1 + (uint32_t)(urand() * 20);
    o.max_depth = 1 + (uint32_t)(urand() * 6);
    o.validation_fraction = urand() < 0.3 ? 0.2 : 0;
    for (size_t i = 0; i < d.n_rows; i++) {
      double v = scale * exp(spread * (urand() - 0.5)), k = urand();
      x[i] = urand() < 0.1 ? NAN : urand();
      if (!isfinite(v) || v <= 0) v = 1;
      y[i] = v;
      yu[i] = k < 0.5 ? v : k < 0.75 ? INFINITY : k < 0.9 ? v * 3 : v;
      if (k >= 0.9) y[i] = 0; /* left-censored at v */
    }
    if (gbt_train(&d, &o, NULL, &m, &e) != OM_OK) {
      refused++;
      if (m || !(strncmp(e.msg, "training diverged", 17) == 0 || strncmp(e.msg, "training gave", 13) == 0)) {
        bad++;
        fprintf(stderr, "iteration %d: %s\n", it, e.msg);
      }
      continue;
    }
    ok++;
    {
      om_wbuf w;
      uint8_t is_cat = 0;
      om_wbuf_init(&w);
      CHECK(gbt_encode(m, &w) == OM_OK);
      CHECK_MSG(gbt_decode(w.data, w.len, 1, &is_cat, &back, &e) == OM_OK, "iteration %d: %s", it, e.msg);
      for (int k = 0; back && k < 5; k++) {
        double xv = k < 4 ? k / 4.0 : NAN, raw = gbt_predict_raw(back, &xv, NULL, NULL);
        double t = exp(raw), rem = gbt_dist_remaining(back, raw, t * 10, 0.5);
        CHECK(isfinite(raw) && raw == gbt_predict_raw(m, &xv, NULL, NULL));
        CHECK(gbt_dist_cdf(back, raw, t) >= 0 && gbt_dist_cdf(back, raw, t) <= 1);
        CHECK(gbt_dist_cond_cdf(back, raw, t * 20, t * 10) >= 0 && gbt_dist_cond_cdf(back, raw, t * 20, t * 10) <= 1);
        CHECK_MSG(rem >= 0 && !isnan(rem), "iteration %d: remaining %g", it, rem);
      }
      om_wbuf_free(&w);
      gbt_free(back);
      back = NULL;
    }
    gbt_free(m);
  }
  CHECK_MSG(bad == 0 && ok > 75, "ok %d refused %d bad %d", ok, refused, bad);
}

/* ---------- the predictive distribution (gbt.h point 14) ---------- */

static gbt_model *aft_model(gbt_aft_dist d, double sigma) {
  gbt_model *m = gbt_model_alloc(1);
  m->objective = GBT_AFT;
  m->aft_dist = d;
  m->aft_sigma = sigma;
  return m;
}

/* A DURATION model with the given sorted residuals as if from n_calib rows. */
static gbt_model *dur_model(const double *r, uint32_t m_resid, uint64_t n_calib) {
  gbt_model *m = gbt_model_alloc(1);
  m->objective = GBT_DURATION;
  m->resid = om_malloc_array(m_resid, sizeof(double));
  memcpy(m->resid, r, m_resid * sizeof(double));
  m->n_resid = m_resid;
  m->n_calib = n_calib;
  return m;
}

static void test_dist_aft(void) {
  static const double sig[3] = {0.5, 1.3, 0.8};
  for (int d = 0; d < 3; d++) {
    gbt_model *m = aft_model((gbt_aft_dist)d, sig[d]);
    double raw = log(100.0);
    CHECK(gbt_has_dist(m));
    /* P(T ≤ t) = F((log t − raw)/sigma); the median is e^raw */
    CHECK_CLOSE(gbt_dist_cdf(m, raw, 250), gbt_std_cdf((gbt_aft_dist)d, log(2.5) / sig[d]), 1e-14);
    CHECK(gbt_dist_cdf(m, raw, 0) == 0);
    /* elapsed 0 is the unconditional distribution */
    CHECK_CLOSE(gbt_dist_cond_cdf(m, raw, 250, 0), gbt_dist_cdf(m, raw, 250), 1e-14);
    CHECK(gbt_dist_cond_cdf(m, raw, 50, 50) == 0 && gbt_dist_cond_cdf(m, raw, 40, 50) == 0);
    /* the remaining quantile inverts the conditional CDF, from the start far into the tail */
    for (double e = 0; e < 1e7; e = e * 4 + 10)
      for (double q = 0.05; q < 1; q += 0.3) {
        double rem = gbt_dist_remaining(m, raw, e, q);
        CHECK_MSG(isfinite(rem) && rem >= 0, "dist %d e %g q %g rem %g", d, e, q, rem);
        if (rem > 1e-6 * e)
          CHECK_MSG(om_close(gbt_dist_cond_cdf(m, raw, e + rem, e), q, 1e-8, 1e-12), "dist %d e %g q %g: %.15g",
                    d, e, q, gbt_dist_cond_cdf(m, raw, e + rem, e));
      }
    /* q = 0.5 at e = 0 is the median */
    CHECK_CLOSE(gbt_dist_remaining(m, raw, 0, 0.5), 100 * exp(sig[d] * gbt_std_quantile((gbt_aft_dist)d, 0.5)),
                1e-13);
    CHECK(isnan(gbt_dist_remaining(m, raw, -1, 0.5)) && isnan(gbt_dist_remaining(m, raw, 1, 1)));
    gbt_free(m);
  }
  /* far beyond: the normal's remaining time shrinks like sigma²/z, the logistic's
  ** stays proportional to the elapsed time, the extreme's vanishes */
  {
    gbt_model *n = aft_model(GBT_AFT_NORMAL, 1.0), *l = aft_model(GBT_AFT_LOGISTIC, 1.0),
              *x = aft_model(GBT_AFT_EXTREME, 1.0);
    double e = exp(40.0); /* z = 40 from raw 0 */
    double rn = gbt_dist_remaining(n, 0, e, 0.5), rl = gbt_dist_remaining(l, 0, e, 0.5),
           rx = gbt_dist_remaining(x, 0, e, 0.5);
    CHECK_MSG(rn > 0 && rn / e < 0.05 && rn / e > 0.005, "normal %g", rn / e);
    CHECK_MSG(fabs(rl / e - 1) < 1e-6, "logistic %g", rl / e); /* S ∝ e^−z: the median doubles T */
    CHECK_MSG(rx >= 0 && rx / e < 1e-15, "extreme %g", rx / e);
    CHECK(gbt_dist_cond_cdf(x, 0, e * 1.001, e) == 1);
    gbt_free(n);
    gbt_free(l);
    gbt_free(x);
  }
}

static void test_dist_duration(void) {
  /* 9 residuals: knots at rank/10 */
  double r[9] = {-0.4, -0.2, -0.1, 0, 0, 0.05, 0.1, 0.3, 0.6};
  gbt_model *m = dur_model(r, 9, 9);
  double raw = log1p(200.0), u;
  CHECK(gbt_has_dist(m));
  for (int j = 0; j < 9; j++) {
    double t = expm1(raw + r[j]);
    double want = (j == 3 ? 5 : j + 1) / 10.0; /* the tie at 0 takes the top of the jump */
    CHECK_CLOSE(gbt_dist_cdf(m, raw, t), want, 1e-12);
  }
  /* linear between knots */
  CHECK_CLOSE(gbt_dist_cdf(m, raw, expm1(raw + 0.2)), 0.75, 1e-12);
  /* tails: k = ceil(√9) = 3; β_hi = mean(0.6, 0.3, 0.1) − 0.05 = 0.2833..., β_lo = −0.1 − mean(−0.4, −0.2, −0.1) */
  {
    double bhi = (0.6 + 0.3 + 0.1) / 3 - 0.05, blo = 0 - (-0.4 - 0.2 - 0.1) / 3;
    u = 1.0;
    CHECK_CLOSE(gbt_dist_cdf(m, raw, expm1(raw + u)), 1 - 0.1 * exp(-(u - 0.6) / bhi), 1e-12);
    u = -1.0;
    CHECK_CLOSE(gbt_dist_cdf(m, raw, expm1(raw + u)), 0.1 * exp((u + 0.4) / blo), 1e-12);
    /* elapsed beyond every residual: (1 + e)((1 − q)^−β − 1) */
    for (double e = expm1(raw + 0.7); e < 1e9; e *= 10)
      for (double q = 0.1; q < 1; q += 0.4)
        CHECK_CLOSE(gbt_dist_remaining(m, raw, e, q), (1 + e) * (pow(1 - q, -bhi) - 1), 1e-9);
  }
  /* the remaining quantile inverts the conditional CDF everywhere: P(T ≤ e + rem) ≥ q
  ** and P(T < e + rem) ≤ q (the tie at 0 is an atom: a jump of the CDF) */
  for (double e = 0; e < 5000; e = e * 1.5 + 7)
    for (double q = 0.02; q < 1; q += 0.12) {
      double rem = gbt_dist_remaining(m, raw, e, q), t = e + rem;
      CHECK(isfinite(rem) && rem >= 0);
      if (rem > 1e-6 * (1 + e)) {
        CHECK_MSG(gbt_dist_cond_cdf(m, raw, t * (1 + 1e-12), e) >= q - 1e-9, "e %g q %g: %.15g", e, q,
                  gbt_dist_cond_cdf(m, raw, t, e));
        CHECK_MSG(gbt_dist_cond_cdf(m, raw, t * (1 - 1e-9), e) <= q + 1e-9, "e %g q %g: %.15g", e, q,
                  gbt_dist_cond_cdf(m, raw, t, e));
      }
    }
  CHECK(gbt_dist_cond_cdf(m, raw, 10, 10) == 0);
  gbt_free(m);
  /* one residual: both tails GBT_TAIL_MIN around it, median at it */
  {
    double one = 0.25;
    m = dur_model(&one, 1, 1);
    CHECK_CLOSE(gbt_dist_cdf(m, raw, expm1(raw + 0.25)), 0.5, 1e-15);
    CHECK_CLOSE(gbt_dist_cdf(m, raw, expm1(raw + 0.26)), 1 - 0.5 * exp(-1.0), 1e-9);
    gbt_free(m);
  }
  /* thinned: 2000 calibration rows kept as 512 order statistics; the CDF at
  ** predict_duration's q-quantile is ≥ q (q ≥ 0.5) or ≤ q (q < 0.5), and exactly
  ** the conformal rank/(n + 1) */
  {
    static double big[2000], tmp[2000];
    gbt_model *g = gbt_model_alloc(1);
    lcg = 3;
    for (int i = 0; i < 2000; i++)
      big[i] = nrand() * 0.3;
    gbt_sort_f64(big, tmp, 2000);
    g->objective = GBT_DURATION;
    CHECK(gbt_model_set_residuals(g, big, 2000) == OM_OK && g->n_resid == 512);
    for (double q = 0.01; q < 1; q += 0.049) {
      double Q = gbt_residual_quantile(g, q), F = gbt_dist_cdf(g, raw, expm1(raw + Q));
      double k = q >= 0.5 ? ceil(2001 * q) : floor(2001 * q);
      CHECK_MSG(q >= 0.5 ? F >= q : F <= q, "q %g F %g", q, F);
      CHECK_MSG(om_close(F, k / 2001, 1e-9, 1e-12), "q %g F %.12g want %.12g", q, F, k / 2001);
    }
    gbt_free(g);
  }
  /* models without a distribution */
  {
    gbt_model *s = gbt_model_alloc(1);
    s->objective = GBT_DURATION; /* no residuals */
    CHECK(!gbt_has_dist(s) && isnan(gbt_dist_cdf(s, 0, 1)) && isnan(gbt_dist_remaining(s, 0, 1, 0.5)));
    s->objective = GBT_SQUARED;
    CHECK(!gbt_has_dist(s) && isnan(gbt_dist_cond_cdf(s, 0, 2, 1)));
    gbt_free(s);
  }
}

int main(void) {
  test_distributions();
  test_grad_hess();
  test_bounds_and_base();
  test_training();
  test_training_options();
  test_oom();
  test_robust();
  test_dist_aft();
  test_dist_duration();
  return om_test_finish();
}
