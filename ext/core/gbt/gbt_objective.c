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
**   7. loss (gbt.h point 11) for SQUARED and DURATION: ABSOLUTE is QUANTILE
**      at 0.5 (g = ±½, base = median, metric mean |r|, leaves refit to the
**      median); RATIO with width w has g = sign(p − y)·exp(−|y − p|/w)
**      (w times the derivative of 1 − exp(−|y − p|/w); g = 0 when p = y),
**      h = 1, base and leaves = the kernel mode (gbt_kernel_mode), metric
**      mean 1 − exp(−|r|/w).
**   8. gbt_kernel_mode: f(v) = Σ exp(−|r_i − v|/w) is convex between
**      neighbouring sorted r_i, so its maximum over the reals is at one of
**      them; f(r_k) = L_k + R_k with L_k = Σ_{i≤k} exp((r_i − r_k)/w) and
**      R_k = Σ_{i>k} exp((r_k − r_i)/w), both by one-pass recurrences whose
**      factors are ≤ 1 (no overflow).  The first maximum in ascending order
**      wins (deterministic).
**   9. gbt_obj_offset: DURATION log1p(v) for finite v ≥ 0, AFT log(v) for
**      finite v > 0, SQUARED and QUANTILE v for finite |v| ≤
**      GBT_MAX_ABS_TARGET, else NaN (the row starts from the base score);
**      BINARY always NaN.
**  10. AFT (gbt.h point 13) has its own labels, gradients, base score and
**      metric in gbt_survival.c; here only its output map exp(raw) and its
**      offset live.
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

double gbt_kernel_mode(double *r, double *tmp, size_t n, double width) {
  double best = -1, arg = r[0], L = 0;
  gbt_sort_f64(r, tmp, n);
  /* tmp[k] = R_k, from the right */
  tmp[n - 1] = 0;
  for (size_t k = n - 1; k-- > 0;)
    tmp[k] = (tmp[k + 1] + 1) * exp((r[k] - r[k + 1]) / width);
  for (size_t k = 0; k < n; k++) {
    double f;
    L = k ? L * exp((r[k - 1] - r[k]) / width) + 1 : 1;
    f = L + tmp[k];
    if (f > best) {
      best = f;
      arg = r[k];
    }
  }
  return arg;
}

double gbt_obj_leaf_stat(gbt_objective obj, gbt_loss loss, double alpha, double width, double *r,
                         size_t n, double *scratch) {
  if (obj == GBT_QUANTILE) return gbt_quantile_inplace(r, n, alpha);
  if (loss == GBT_LOSS_RATIO) return gbt_kernel_mode(r, scratch, n, width);
  return gbt_quantile_inplace(r, n, 0.5);
}

double gbt_obj_offset(gbt_objective obj, double v) {
  if (!isfinite(v)) return NAN;
  switch (obj) {
  case GBT_DURATION: return v >= 0 ? log1p(v) : NAN;
  case GBT_AFT: return v > 0 ? log(v) : NAN;
  case GBT_SQUARED:
  case GBT_QUANTILE: return fabs(v) <= GBT_MAX_ABS_TARGET ? v : NAN;
  default: return NAN;
  }
}

double gbt_obj_base_score(gbt_objective obj, gbt_loss loss, double alpha, double width,
                          const double *ty, size_t n, double *scratch) {
  double s = 0;
  if (n == 0) return 0;
  if (obj == GBT_QUANTILE || (obj != GBT_BINARY && loss != GBT_LOSS_SQUARED)) {
    for (size_t i = 0; i < n; i++)
      scratch[i] = ty[i];
    return gbt_obj_leaf_stat(obj, loss, alpha, width, scratch, n, scratch + n);
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

void gbt_obj_gradients(gbt_objective obj, gbt_loss loss, double alpha, double width,
                       const double *ty, const double *pred, size_t n, gbt_gh *gh) {
  if (obj != GBT_BINARY && obj != GBT_QUANTILE && loss == GBT_LOSS_ABSOLUTE) {
    obj = GBT_QUANTILE;
    alpha = 0.5;
  }
  if (obj != GBT_BINARY && obj != GBT_QUANTILE && loss == GBT_LOSS_RATIO) {
    for (size_t i = 0; i < n; i++) {
      double d = pred[i] - ty[i], e = exp(-fabs(d) / width);
      gh[i].g = d > 0 ? e : d < 0 ? -e : 0;
      gh[i].h = 1;
    }
    return;
  }
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
  case GBT_AFT: break; /* gbt_aft_gradients (gbt_survival.c) */
  }
}

double gbt_obj_metric(gbt_objective obj, gbt_loss loss, double alpha, double width,
                      const double *ty, const double *pred, size_t n) {
  double s = 0;
  if (obj != GBT_BINARY && obj != GBT_QUANTILE && loss != GBT_LOSS_SQUARED) {
    for (size_t i = 0; i < n; i++) {
      double a = fabs(ty[i] - pred[i]);
      s += loss == GBT_LOSS_RATIO ? -expm1(-a / width) : a;
    }
    return s / (double)n;
  }
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
    case GBT_AFT: break; /* gbt_aft_metric (gbt_survival.c) */
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
  case GBT_AFT: return exp(raw);
  default: return raw;
  }
}
