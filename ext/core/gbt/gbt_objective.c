/*
** gbt_objective.c — the losses gbt_train() boosts, their gradients, base
** scores, holdout metrics and output maps.
**
**   1. SQUARED: g = p − y, h = 1; base = mean(y); metric RMSE; output raw.
**   2. DURATION: SQUARED on log1p(y) (y ≥ 0 required); metric RMSE in log1p
**      space; output expm1(raw) clamped to ≥ 0 (seconds).
**   3. QUANTILE (pinball loss at alpha): g = 1 − alpha when p ≥ y, −alpha
**      when p < y; h = 1 (gbt_train refits each leaf to the alpha-quantile of
**      its rows' residuals, as LightGBM does); base = alpha-quantile of y;
**      metric mean pinball loss; output raw.
**   4. BINARY (logistic, y in [0, 1]): p = σ(raw), g = p − y,
**      h = max(p(1−p), 1e-16); base = log-odds of mean(y) (clamped to
**      [1e-7, 1 − 1e-7]); metric log loss; output σ(raw).
**   5. Sums run in row order in one thread, so they are deterministic.
**   6. SQUARED and QUANTILE labels must lie within ±GBT_MAX_ABS_TARGET
**      (gbt.h point 10); DURATION's log1p and BINARY's [0, 1] cannot overflow.
*/
#include "gbt.h"

#include <math.h>

om_status gbt_obj_transform_y(gbt_objective obj, const double *y, size_t n, double *out,
                              om_err *err) {
  for (size_t i = 0; i < n; i++) {
    double v = y[i];
    if (!isfinite(v)) return om_errf(err, OM_INVALID, "label of row %zu is not finite", i + 1);
    if (obj == GBT_DURATION) {
      if (v < 0)
        return om_errf(err, OM_INVALID, "label of row %zu is negative (%g); durations must be >= 0",
                       i + 1, v);
      out[i] = log1p(v);
    } else if (obj == GBT_BINARY) {
      if (v < 0 || v > 1)
        return om_errf(err, OM_INVALID,
                       "label of row %zu is %g; the binary objective needs labels in [0, 1]", i + 1,
                       v);
      out[i] = v;
    } else {
      if (fabs(v) > GBT_MAX_ABS_TARGET)
        return om_errf(err, OM_INVALID,
                       "label of row %zu is %g; objective '%s' needs labels from -1e140 to 1e140 "
                       "(rescale the target, e.g. divide it by a power of 10)",
                       i + 1, v, obj == GBT_SQUARED ? "squared" : "quantile");
      out[i] = v;
    }
  }
  return OM_OK;
}

double gbt_obj_base_score(gbt_objective obj, double alpha, const double *ty, size_t n,
                          double *scratch) {
  double s = 0;
  if (n == 0) return 0;
  if (obj == GBT_QUANTILE) {
    for (size_t i = 0; i < n; i++)
      scratch[i] = ty[i];
    return gbt_quantile_inplace(scratch, n, alpha);
  }
  for (size_t i = 0; i < n; i++)
    s += ty[i];
  s /= (double)n;
  if (obj == GBT_BINARY) {
    if (s < 1e-7) s = 1e-7;
    if (s > 1 - 1e-7) s = 1 - 1e-7;
    return log(s / (1 - s));
  }
  return s;
}

static double sigmoid(double x) {
  if (x >= 0) return 1 / (1 + exp(-x));
  double e = exp(x);
  return e / (1 + e);
}

void gbt_obj_gradients(gbt_objective obj, double alpha, const double *ty, const double *pred,
                       size_t n, gbt_gh *gh) {
  switch (obj) {
  case GBT_SQUARED:
  case GBT_DURATION:
    for (size_t i = 0; i < n; i++) {
      gh[i].g = pred[i] - ty[i];
      gh[i].h = 1;
    }
    break;
  case GBT_QUANTILE:
    for (size_t i = 0; i < n; i++) {
      gh[i].g = pred[i] >= ty[i] ? 1 - alpha : -alpha;
      gh[i].h = 1;
    }
    break;
  case GBT_BINARY:
    for (size_t i = 0; i < n; i++) {
      double p = sigmoid(pred[i]), h = p * (1 - p);
      gh[i].g = p - ty[i];
      gh[i].h = h > 1e-16 ? h : 1e-16;
    }
    break;
  }
}

double gbt_obj_metric(gbt_objective obj, double alpha, const double *ty, const double *pred,
                      size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++) {
    double d = ty[i] - pred[i];
    switch (obj) {
    case GBT_SQUARED:
    case GBT_DURATION: s += d * d; break;
    case GBT_QUANTILE: s += d >= 0 ? alpha * d : (alpha - 1) * d; break;
    case GBT_BINARY: {
      /* log(1 + e^-z) for y=1, log(1 + e^z) for y=0, stable; soft labels mix */
      double z = pred[i];
      double l1 = z >= 0 ? log1p(exp(-z)) : -z + log1p(exp(z));
      double l0 = z >= 0 ? z + log1p(exp(-z)) : log1p(exp(z));
      s += ty[i] * l1 + (1 - ty[i]) * l0;
      break;
    }
    }
  }
  s /= (double)n;
  return (obj == GBT_SQUARED || obj == GBT_DURATION) ? sqrt(s) : s;
}

double gbt_obj_output(gbt_objective obj, double raw) {
  switch (obj) {
  case GBT_DURATION: {
    double v = expm1(raw);
    return v < 0 ? 0 : v; /* NaN stays NaN */
  }
  case GBT_BINARY: return sigmoid(raw);
  default: return raw;
  }
}
